//! HTML as a browser parses it (html5ever), without building the tree: how deeply its
//! elements nest, and every element with its attributes.
//!
//! The prose sanitizer parses with the same html5ever, whose tree builder scans its stack of
//! open elements for each tag: its time grows with the square of the nesting depth. The
//! depth is measured here first, input fed a tag at a time, so that parsing stops as soon as
//! the limit is passed and never does more than `limit` steps a tag.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{local_name, ns, Attribute, ParseOpts, QualName};

const NONE: usize = usize::MAX;

/// An element as the parser created it.
#[derive(Debug, Clone)]
pub struct Element {
    /// Its local name (`div`, `svg`, `foreignObject`…).
    pub name: String,
    /// Its attributes, name (with its prefix, `xlink:href`) and value.
    pub attrs: Vec<(String, String)>,
}

struct Node {
    id: usize,
    name: QualName,
    integration_point: bool,
    template_contents: Option<Handle>,
}

type Handle = Rc<Node>;

/// A tree sink that keeps, for each node, only which group of children it belongs to and
/// which node owns that group. Moving every child of a node (`reparent_children`) is then
/// one change of owner, whatever the number of children.
struct Sink {
    /// Node → the group its parent put it in (`NONE`: no parent).
    group: RefCell<Vec<usize>>,
    /// Node → the group its next children go into.
    own_group: RefCell<Vec<usize>>,
    /// Group → the node that holds it.
    owner: RefCell<Vec<usize>>,
    document: Handle,
    /// Depth above which measuring stops.
    limit: usize,
    deepest: Cell<usize>,
    /// The size of the elements made so far: names and attributes.
    weight: Cell<usize>,
    /// Elements, when asked for.
    elements: Option<RefCell<Vec<Element>>>,
}

impl Sink {
    fn new(limit: usize, keep_elements: bool) -> Self {
        let s = Sink {
            group: RefCell::new(Vec::new()),
            own_group: RefCell::new(Vec::new()),
            owner: RefCell::new(Vec::new()),
            document: Rc::new(Node {
                id: 0,
                name: QualName::new(None, ns!(), local_name!("")),
                integration_point: false,
                template_contents: None,
            }),
            limit,
            deepest: Cell::new(0),
            weight: Cell::new(0),
            elements: keep_elements.then(|| RefCell::new(Vec::new())),
        };
        s.add_node();
        s
    }

    fn add_node(&self) -> usize {
        let mut group = self.group.borrow_mut();
        let mut own = self.own_group.borrow_mut();
        let mut owner = self.owner.borrow_mut();
        let id = group.len();
        group.push(NONE);
        own.push(owner.len());
        owner.push(id);
        id
    }

    fn node(&self, name: QualName, integration_point: bool) -> Handle {
        Rc::new(Node {
            id: self.add_node(),
            name,
            integration_point,
            template_contents: None,
        })
    }

    /// Counts what an element adds to the output: its name and attributes.
    fn weigh(&self, name: &QualName, attrs: &[Attribute]) {
        let w = attrs.iter().fold(2 + name.local.len(), |w, a| {
            w + 4 + a.name.local.len() + a.value.len()
        });
        self.weight.set(self.weight.get().saturating_add(w));
    }

    fn parent(&self, id: usize) -> usize {
        match self.group.borrow()[id] {
            NONE => NONE,
            g => self.owner.borrow()[g],
        }
    }

    /// Ancestors of a node, counted up to one more than the limit.
    fn depth(&self, mut id: usize) -> usize {
        let mut d = 0;
        while d <= self.limit {
            id = self.parent(id);
            if id == NONE {
                break;
            }
            d += 1;
        }
        d
    }

    fn placed(&self, id: usize) {
        let d = self.depth(id);
        if d > self.deepest.get() {
            self.deepest.set(d);
        }
    }

    fn set_parent(&self, child: usize, parent: usize) {
        let g = self.own_group.borrow()[parent];
        self.group.borrow_mut()[child] = g;
        self.placed(child);
    }
}

impl TreeSink for Sink {
    type Handle = Handle;
    type Output = Self;
    type ElemName<'a> = &'a QualName;

    fn finish(self) -> Self {
        self
    }

    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn get_document(&self) -> Handle {
        Rc::clone(&self.document)
    }

    fn elem_name<'a>(&'a self, target: &'a Handle) -> &'a QualName {
        &target.name
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> Handle {
        self.weigh(&name, &attrs);
        if let Some(list) = &self.elements {
            list.borrow_mut().push(element(&name, &attrs));
        }
        let mut node = Node {
            id: self.add_node(),
            name,
            integration_point: flags.mathml_annotation_xml_integration_point,
            template_contents: None,
        };
        if flags.template {
            let contents = self.node(QualName::new(None, ns!(), local_name!("")), false);
            self.set_parent(contents.id, node.id);
            node.template_contents = Some(contents);
        }
        Rc::new(node)
    }

    fn create_comment(&self, _text: StrTendril) -> Handle {
        self.node(QualName::new(None, ns!(), local_name!("")), false)
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> Handle {
        self.node(QualName::new(None, ns!(), local_name!("")), false)
    }

    fn append(&self, parent: &Handle, child: NodeOrText<Handle>) {
        if let NodeOrText::AppendNode(c) = child {
            self.set_parent(c.id, parent.id);
        }
    }

    fn append_based_on_parent_node(
        &self,
        element: &Handle,
        prev_element: &Handle,
        child: NodeOrText<Handle>,
    ) {
        if self.parent(element.id) == NONE {
            self.append(prev_element, child);
        } else {
            self.append_before_sibling(element, child);
        }
    }

    fn append_doctype_to_document(&self, _: StrTendril, _: StrTendril, _: StrTendril) {}

    fn get_template_contents(&self, target: &Handle) -> Handle {
        target
            .template_contents
            .clone()
            .unwrap_or_else(|| Rc::clone(target))
    }

    fn same_node(&self, x: &Handle, y: &Handle) -> bool {
        x.id == y.id
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn append_before_sibling(&self, sibling: &Handle, new_node: NodeOrText<Handle>) {
        if let NodeOrText::AppendNode(c) = new_node {
            let g = self.group.borrow()[sibling.id];
            self.group.borrow_mut()[c.id] = g;
            self.placed(c.id);
        }
    }

    fn add_attrs_if_missing(&self, target: &Handle, attrs: Vec<Attribute>) {
        self.weigh(&target.name, &attrs);
        if let Some(list) = &self.elements {
            list.borrow_mut().push(element(&target.name, &attrs));
        }
    }

    fn remove_from_parent(&self, target: &Handle) {
        self.group.borrow_mut()[target.id] = NONE;
    }

    fn reparent_children(&self, node: &Handle, new_parent: &Handle) {
        // The group of children changes hands; the node starts a new, empty one.
        let g = self.own_group.borrow()[node.id];
        self.owner.borrow_mut()[g] = new_parent.id;
        let fresh = {
            let mut owner = self.owner.borrow_mut();
            owner.push(node.id);
            owner.len() - 1
        };
        self.own_group.borrow_mut()[node.id] = fresh;
    }

    fn is_mathml_annotation_xml_integration_point(&self, handle: &Handle) -> bool {
        handle.integration_point
    }
}

fn element(name: &QualName, attrs: &[Attribute]) -> Element {
    Element {
        name: name.local.to_string(),
        attrs: attrs
            .iter()
            .map(|a| {
                let n = match &a.name.prefix {
                    Some(p) => format!("{p}:{}", a.name.local),
                    None => a.name.local.to_string(),
                };
                (n, a.value.to_string())
            })
            .collect(),
    }
}

/// What makes a fragment too costly to sanitize.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Excess {
    /// An element lies more elements deep than the limit.
    Depth,
    /// The parser made elements (names and attributes) several times the size of the HTML
    /// it read: formatting elements left open are reopened, attributes and all, in every
    /// paragraph after them.
    Elements,
}

/// How much bigger than the HTML read its elements may be before it is [`Excess::Elements`]:
/// written out, an element takes at least the bytes of its tag, and the parser adds a few
/// of its own (`<tbody>`, `<html>`).
const ELEMENTS_FACTOR: usize = 3;
const ELEMENTS_ALLOWANCE: usize = 4096;

/// Parses an HTML fragment as the sanitizer does (inside a `<div>`), fed piece by piece.
/// Returns the index of the piece during which an element came to lie more than `limit`
/// elements deep, or the elements made outgrew the HTML read: parsing stops there, so that
/// the work done stays within `limit` steps a tag, and the output within a few times the
/// input.
pub fn excess<'p>(
    limit: usize,
    pieces: impl IntoIterator<Item = &'p str>,
) -> Option<(usize, Excess)> {
    let mut parser = html5ever::parse_fragment(
        Sink::new(limit + 1, false),
        ParseOpts::default(),
        QualName::new(None, ns!(html), local_name!("div")),
        Vec::new(),
        false,
    );
    // The fragment's top-level elements lie under the document and its `<html>`.
    let verdict = |sink: &Sink, read: usize| {
        if sink.deepest.get() > limit + 1 {
            Some(Excess::Depth)
        } else if sink.weight.get() > ELEMENTS_FACTOR * read + ELEMENTS_ALLOWANCE {
            Some(Excess::Elements)
        } else {
            None
        }
    };
    let mut last = 0;
    let mut read = 0;
    for (i, piece) in pieces.into_iter().enumerate() {
        read += piece.len();
        parser.process(StrTendril::from_slice(piece));
        if let Some(e) = verdict(&parser.tokenizer.sink.sink, read) {
            return Some((i, e));
        }
        last = i;
    }
    let sink = parser.finish();
    verdict(&sink, read).map(|e| (last, e))
}

/// Every element of an HTML document (or of a fragment, parsed inside a `<div>`), in the
/// order the parser created them, with the attributes it gave them.
pub fn elements(html: &str, fragment: bool) -> Vec<Element> {
    let sink = Sink::new(usize::MAX - 1, true);
    let sink = if fragment {
        html5ever::parse_fragment(
            sink,
            ParseOpts::default(),
            QualName::new(None, ns!(html), local_name!("div")),
            Vec::new(),
            false,
        )
        .one(html)
    } else {
        html5ever::parse_document(sink, ParseOpts::default()).one(html)
    };
    let mut all = sink.elements.map(RefCell::into_inner).unwrap_or_default();
    if fragment {
        // The context `<div>` and the `<html>` root that fragment parsing makes first.
        all.drain(..all.len().min(2));
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_of(html: &str) -> Option<usize> {
        match excess(8, html.split_inclusive('>')) {
            Some((i, Excess::Depth)) => Some(i),
            Some((_, Excess::Elements)) => panic!("{html}"),
            None => None,
        }
    }

    #[test]
    fn depth_is_that_of_the_parsed_tree() {
        assert_eq!(depth_of(&"<div>".repeat(8)), None);
        assert_eq!(depth_of(&"<div>".repeat(9)), Some(8));
        // Closed elements, and elements the parser closes itself, do not add up.
        assert_eq!(depth_of(&"<div></div>".repeat(100)), None);
        assert_eq!(depth_of(&"<p>a".repeat(100)), None);
        assert_eq!(depth_of(&"<li>a".repeat(100)), None);
        // An end tag the parser ignores does not close anything.
        assert!(depth_of(&"<div><object></div>".repeat(5)).is_some());
        // Formatting elements reopened in each paragraph.
        assert!(depth_of(
            &(0..20)
                .map(|i| format!("<p><b class={i}>x"))
                .collect::<String>()
        )
        .is_some());
    }

    #[test]
    fn elements_reopened_paragraph_after_paragraph_are_counted() {
        let open: String = (0..8).map(|i| format!("<b class=c{i}>")).collect();
        let html = format!("<p>{open}x</p>{}", "<p>x</p>".repeat(2000));
        let (i, e) = excess(16, html.split_inclusive('>')).expect("refused");
        assert_eq!(e, Excess::Elements);
        assert!(i < 1000, "stopped early, at piece {i} of 4017");
        // One long attribute reopened in every paragraph: few elements, a huge output.
        let long = format!(
            "<p><b title=\"{}\">x</p>{}",
            "A".repeat(10_000),
            "<p>x</p>".repeat(100)
        );
        assert_eq!(
            excess(16, long.split_inclusive('>')).map(|(_, e)| e),
            Some(Excess::Elements)
        );
        // The same elements closed where they end: the output is the size of the input.
        let closed = format!(
            "<p>{open}x{}</p>{}",
            "</b>".repeat(8),
            "<p>x</p>".repeat(2000)
        );
        assert_eq!(excess(16, closed.split_inclusive('>')), None);
        let table = format!("<table>{}</table>", "<td>x".repeat(2000));
        assert_eq!(excess(16, table.split_inclusive('>')), None);
    }

    #[test]
    fn elements_include_those_a_sanitizer_would_drop() {
        let els = elements(
            "<svg><a xlink:href=\"javascript:x\"></a></svg><b onclick=x>t</b>",
            true,
        );
        let names: Vec<&str> = els.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["svg", "a", "b"]);
        assert_eq!(
            els[1].attrs,
            [("xlink:href".to_string(), "javascript:x".to_string())]
        );
        let doc = elements("<html><body><html onload=x>", false);
        assert!(doc
            .iter()
            .any(|e| e.attrs.iter().any(|(n, _)| n == "onload")));
    }
}
