//! Prose: Markdown to HTML, with `{{ … }}` placeholders, stable heading anchors and the
//! headings collected for the table of contents.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::ops::Range;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::decode::Localized;
use crate::diagnostics::{suggest, Diagnostic, Diagnostics, ErrorReported, FileId};
use crate::dom;

/// A generated section that a placeholder (or the default layout) puts in the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section {
    /// The glossary, as a `<dl>`.
    Definitions,
    /// Every category (`None`) or one category's table.
    Cookies(Option<String>),
    /// Who is responsible for the data, and how to reach them and the DPO.
    Controller,
    /// The providers that receive data outside the EEA.
    Transfers,
}

/// A heading of the page, for the table of contents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// Anchor.
    pub id: String,
    /// Plain text.
    pub text: String,
}

/// A piece of a rendered document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Prose turned into HTML, and the headings it contains.
    Html {
        /// The HTML.
        html: String,
        /// Its headings, in order.
        headings: Vec<Heading>,
    },
    /// A generated section.
    Section {
        /// Which one.
        section: Section,
        /// Heading level of the generated headings.
        level: u8,
        /// Whether the section gets a heading of its own (only when added after the prose).
        titled: bool,
    },
}

/// Elements that raw HTML in the prose may use; anything else is removed with its
/// attributes (scripts and styles with their content). Documented in the README.
pub const ALLOWED_TAGS: [&str; 45] = [
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "dd",
    "del",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Whether an address may stand in a link or a quote's `cite`: `http(s):`, `mailto:`, or
/// relative to the page (`//host/…` included: it is followed only when clicked, like any
/// link, and a `cite` is never fetched). Read as browsers read it (WHATWG URL): entities are
/// already decoded, tabs and newlines inside and spaces around are dropped, case is ignored.
pub fn is_allowed_url(value: &str) -> bool {
    match url::Url::parse(value) {
        Ok(u) => matches!(u.scheme(), "http" | "https" | "mailto"),
        Err(url::ParseError::RelativeUrlWithoutBase) => true,
        Err(_) => false,
    }
}

/// The sanitizer every prose block goes through: no script, no event handler, no style,
/// no iframe or image (nothing may load from another host), links and `cite` only to
/// http(s), mailto and addresses relative to the page. Every `id` it keeps is pushed to
/// `ids`, so that ids written in raw HTML can be checked against the page's own.
fn sanitizer(ids: Arc<Mutex<Vec<String>>>) -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::empty();
    b.tags(ALLOWED_TAGS.into_iter().collect())
        .generic_attributes(["lang", "title", "dir"].into_iter().collect())
        .tag_attributes(HashMap::from([
            ("a", ["href", "hreflang"].into_iter().collect()),
            ("td", ["colspan", "rowspan"].into_iter().collect()),
            ("th", ["colspan", "rowspan", "scope"].into_iter().collect()),
            ("ol", ["start"].into_iter().collect()),
            ("blockquote", ["cite"].into_iter().collect()),
            ("q", ["cite"].into_iter().collect()),
            ("h1", ["id"].into_iter().collect()),
            ("h2", ["id"].into_iter().collect()),
            ("h3", ["id"].into_iter().collect()),
            ("h4", ["id"].into_iter().collect()),
            ("h5", ["id"].into_iter().collect()),
            ("h6", ["id"].into_iter().collect()),
        ]))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(None)
        .strip_comments(true)
        .clean_content_tags(["script", "style"].into_iter().collect())
        // ammonia checks the scheme of `href` but not of `cite`: one rule for both.
        .attribute_filter(move |element, attribute, value| match attribute {
            "href" | "cite" => is_allowed_url(value).then_some(Cow::Borrowed(value)),
            "id" => {
                if element.len() == 2 && element.starts_with('h') {
                    if let Ok(mut list) = ids.lock() {
                        list.push(value.to_string());
                    }
                }
                Some(Cow::Borrowed(value))
            }
            _ => Some(Cow::Borrowed(value)),
        });
    b
}

/// What the prose may refer to.
pub struct Names<'a> {
    /// `[params]` of site.toml.
    pub params: &'a [(String, Localized)],
    /// Category ids.
    pub categories: &'a [&'a str],
    /// Anchors already used by generated sections.
    pub reserved: &'a HashSet<String>,
    /// Whether raw HTML in the prose is kept (sanitized) or shown as text.
    pub raw_html: bool,
    /// Whether site.toml has a `[controller]` for `{{ controller }}`.
    pub controller: bool,
    /// Whether a provider receives data outside the EEA, for `{{ transfers }}`.
    pub transfers: bool,
}

/// The prose of one document in one locale.
pub struct Source<'a> {
    /// The whole file.
    pub text: &'a str,
    /// Where the prose starts.
    pub offset: usize,
    /// The file, for diagnostics.
    pub file: FileId,
    /// The page's locale, to pick the parameter's text.
    pub locale: &'a str,
}

/// A `{{ … }}` found in text.
struct Placeholder<'t> {
    start: usize,
    end: usize,
    words: Vec<&'t str>,
}

fn find_placeholders(text: &str) -> Vec<Placeholder<'_>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("{{") {
        let start = from + i;
        let Some(j) = text[start + 2..].find("}}") else {
            break;
        };
        let end = start + 2 + j + 2;
        let inner = &text[start + 2..end - 2];
        out.push(Placeholder {
            start,
            end,
            words: inner.split_whitespace().collect(),
        });
        from = end;
    }
    out
}

/// Anchor text for a heading: lowercase letters and digits (any script) joined by `-`.
pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else if c != '\'' && c != '’' {
            dash = true;
        }
    }
    if out.is_empty() {
        "section".into()
    } else {
        out
    }
}

fn level_number(l: HeadingLevel) -> u8 {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// How many lists and block quotes may nest inside one another. Deeper nesting is refused
/// before the Markdown parser runs, whose time grows with the depth of the open containers
/// for every line that continues them.
pub const MAX_NESTING: usize = 32;

/// How many elements may nest inside one another in a block's HTML (raw HTML, and the
/// elements that lists, quotes, emphasis and links make). Deeper nesting is refused before
/// the sanitizer parses the block, whose time grows with the square of the depth.
pub const MAX_ELEMENT_DEPTH: usize = 128;

/// How many tags (`<`) one top-level block's HTML may hold. The sanitizer holds a block's
/// whole tree in memory, some hundred bytes a node: this keeps it near 100 MB whatever the
/// document, which is sanitized one top-level block at a time.
pub const MAX_BLOCK_TAGS: usize = 200_000;

/// How many Markdown events (elements, pieces of text, lines) one top-level block may
/// hold: they are kept until the block ends, to be rendered and sanitized together.
pub const MAX_BLOCK_EVENTS: usize = 500_000;

/// The section placeholders' names, for "did you mean".
const SECTIONS: [&str; 4] = ["definitions", "cookies", "controller", "transfers"];

/// The ids of the default theme's page around the prose, which prose may not take.
pub const PAGE_IDS: [&str; 9] = [
    "main",
    "contents",
    "definitions",
    "cookies",
    "languages",
    "updated",
    "changes",
    "controller",
    "transfers",
];

/// A count for people: `200,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One byte of `text` at `at`, widened to a whole character, for a diagnostic's caret.
fn char_span(text: &str, at: usize) -> Range<usize> {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let len = text[at..].chars().next().map_or(0, char::len_utf8);
    at..at + len
}

/// An upper bound of the nesting of lists and block quotes, computed line by line before
/// the Markdown parser runs; returns where a level beyond `limit` opens, if one does.
///
/// A level opens only at a marker (`>`, `-`, `+`, `*`, `1.`, `1)`); a line that continues
/// open levels needs a `>` or two columns of indentation for each. A line right after a
/// non-blank line may be a lazy continuation that keeps every level open, so within a run of
/// non-blank lines the bound never goes down. The bound may count too much (markers inside
/// code blocks), never too little.
fn nesting_beyond(body: &str, limit: usize) -> Option<usize> {
    let mut bound = 0usize;
    let mut after_blank = true;
    let mut start = 0;
    for line in body.split_inclusive('\n') {
        let b = line.as_bytes();
        let end = b
            .iter()
            .rposition(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
            .map_or(0, |i| i + 1);
        if end == 0 {
            after_blank = true;
            start += line.len();
            continue;
        }
        // A thematic break (`- - -`, `* * *`) is not a list: find where the trailing run of
        // one such character (and blanks) starts, and how many of the character it holds.
        let last = b[end - 1];
        let (run_from, mut run_left) = if matches!(last, b'-' | b'*' | b'_') {
            let mut i = end;
            let mut n = 0;
            while i > 0 && matches!(b[i - 1], c if c == last || c == b' ' || c == b'\t') {
                i -= 1;
                n += usize::from(b[i] == last);
            }
            (i, n)
        } else {
            (end, 0)
        };
        let mut columns = 0usize;
        let mut opened = 0usize;
        let mut i = 0;
        let kept = if after_blank { 0 } else { bound };
        while i < end {
            let c = b[i];
            let spaced = |k: usize| matches!(b.get(k), None | Some(b' ' | b'\t' | b'\n' | b'\r'));
            if i >= run_from && c == last {
                if run_left >= 3 {
                    break;
                }
                run_left -= 1;
            }
            let marker_end = match c {
                b' ' => {
                    columns += 1;
                    i += 1;
                    continue;
                }
                b'\t' => {
                    columns += 4;
                    i += 1;
                    continue;
                }
                b'>' => i + 1,
                b'-' | b'+' | b'*' if spaced(i + 1) => i + 1,
                b'0'..=b'9' => {
                    let digits = b[i..]
                        .iter()
                        .take(10)
                        .take_while(|d| d.is_ascii_digit())
                        .count();
                    match b.get(i + digits) {
                        Some(b'.' | b')') if digits <= 9 && spaced(i + digits + 1) => {
                            i + digits + 1
                        }
                        _ => break,
                    }
                }
                _ => break,
            };
            opened += 1;
            let level = (columns / 2 + opened).min(bound + opened);
            if level > limit {
                return Some(start + i);
            }
            i = marker_end;
        }
        // Levels continued by indentation alone.
        let level = (columns / 2 + opened).min(bound + opened);
        bound = kept.max(level);
        after_blank = false;
        start += line.len();
    }
    None
}

/// The parser's events with consecutive texts merged (pulldown-cmark may split text around
/// `{` and `}`), read as they come: a document is never held whole as events.
struct Events<'a, I: Iterator<Item = (Event<'a>, Range<usize>)>> {
    inner: I,
    pending: Option<(Event<'a>, Range<usize>)>,
    ahead: VecDeque<(Event<'a>, Range<usize>)>,
}

impl<'a, I: Iterator<Item = (Event<'a>, Range<usize>)>> Events<'a, I> {
    fn new(inner: I) -> Self {
        Events {
            inner,
            pending: None,
            ahead: VecDeque::new(),
        }
    }

    fn merged(&mut self) -> Option<(Event<'a>, Range<usize>)> {
        let (first, mut range) = self.pending.take().or_else(|| self.inner.next())?;
        let Event::Text(first) = first else {
            return Some((first, range));
        };
        let mut text: Option<String> = None;
        loop {
            match self.inner.next() {
                Some((Event::Text(t), r)) => {
                    text.get_or_insert_with(|| first.to_string()).push_str(&t);
                    range.end = r.end;
                }
                other => {
                    self.pending = other;
                    break;
                }
            }
        }
        Some((Event::Text(text.map_or(first, CowStr::from)), range))
    }

    /// The next `n` events, without consuming them (fewer at the end).
    fn peek(&mut self, n: usize) -> &VecDeque<(Event<'a>, Range<usize>)> {
        while self.ahead.len() < n {
            match self.merged() {
                Some(e) => self.ahead.push_back(e),
                None => break,
            }
        }
        &self.ahead
    }
}

impl<'a, I: Iterator<Item = (Event<'a>, Range<usize>)>> Iterator for Events<'a, I> {
    type Item = (Event<'a>, Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        self.ahead.pop_front().or_else(|| self.merged())
    }
}

/// Where the HTML of one event starts in a block's HTML.
struct Mark {
    /// Offset in the block's HTML.
    at: usize,
    /// The event's range in the prose.
    src: Range<usize>,
    /// Raw HTML, copied as written: an offset inside it is an offset in the source.
    raw: bool,
}

/// The HTML of one block's events, and where each event's HTML starts.
fn block_html(events: Vec<(Event<'_>, Range<usize>, bool)>) -> (String, Vec<Mark>) {
    /// A writer whose length the event iterator can read while the HTML is written.
    struct Shared(Rc<RefCell<String>>);
    impl std::fmt::Write for Shared {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.borrow_mut().push_str(s);
            Ok(())
        }
    }
    let out = Rc::new(RefCell::new(String::new()));
    let mut marks = Vec::with_capacity(events.len());
    let events = events.into_iter().map(|(e, src, raw)| {
        marks.push(Mark {
            at: out.borrow().len(),
            src,
            raw,
        });
        e
    });
    // Writing into a String cannot fail.
    let _ = pulldown_cmark::html::write_html_fmt(Shared(Rc::clone(&out)), events);
    let html = std::mem::take(&mut *out.borrow_mut());
    (html, marks)
}

/// Who took an anchor first, to point at it when another element wants it.
#[derive(Clone)]
enum Owner {
    /// A heading, with an anchor made from its text.
    Heading(Range<usize>),
    /// A heading with a pinned `{#id}`.
    Pinned(Range<usize>),
    /// An element of raw HTML.
    Raw(Range<usize>),
}

impl Owner {
    fn span(&self) -> Range<usize> {
        match self {
            Owner::Heading(s) | Owner::Pinned(s) | Owner::Raw(s) => s.clone(),
        }
    }

    fn label(&self) -> &'static str {
        match self {
            Owner::Heading(_) => "the anchor of this heading",
            Owner::Pinned(_) => "pinned here",
            Owner::Raw(_) => "given here first",
        }
    }
}

struct Renderer<'a, 'd> {
    src: &'a Source<'a>,
    names: &'a Names<'a>,
    diags: &'d mut Diagnostics,
    used_ids: HashMap<String, Owner>,
    /// Anchors pinned with `{#id}` anywhere in the document, found before any is given out.
    pinned: HashMap<String, Range<usize>>,
    next_suffix: HashMap<String, usize>,
    sanitizer: ammonia::Builder<'static>,
    /// Ids the sanitizer kept in the block it last cleaned.
    kept_ids: Arc<Mutex<Vec<String>>>,
}

impl Renderer<'_, '_> {
    /// Where a placeholder is in the file: found again in the source slice of its event.
    fn locate(&self, range: &std::ops::Range<usize>, ph: &str) -> std::ops::Range<usize> {
        let body = &self.src.text[self.src.offset..];
        let slice = body.get(range.clone()).unwrap_or("");
        let start = self.src.offset + range.start + slice.find(ph).unwrap_or(0);
        start..start + ph.len()
    }

    /// A byte of the prose as a span of the file.
    fn at(&self, offset_in_body: usize) -> Range<usize> {
        char_span(self.src.text, self.src.offset + offset_in_body)
    }

    fn unknown(&mut self, span: std::ops::Range<usize>, words: &[&str], why: &str) {
        let mut candidates: Vec<String> = SECTIONS.map(String::from).to_vec();
        candidates.extend(self.names.params.iter().map(|(k, _)| k.clone()));
        let name = words.join(" ");
        let help = match words.first().and_then(|w| suggest(w, candidates.iter().map(String::as_str))) {
            Some(s) if s != name => format!("did you mean `{{{{ {s} }}}}`?"),
            _ => format!(
                "to define it, add `{} = \"…\"` under `[params]` in site.toml; the built-in placeholders are {{{{ definitions }}}}, {{{{ cookies }}}}, {{{{ cookies <category> }}}}, {{{{ controller }}}} and {{{{ transfers }}}}",
                words.first().copied().unwrap_or("name")
            ),
        };
        self.diags.push(
            Diagnostic::error(format!("unknown placeholder `{{{{ {name} }}}}`"))
                .at(self.src.file, span, why)
                .help(help),
        );
    }

    /// Replaces `{{ param }}` in inline text; reports anything else.
    fn substitute(&mut self, text: &str, range: &std::ops::Range<usize>) -> String {
        let phs = find_placeholders(text);
        if phs.is_empty() {
            return text.to_string();
        }
        let mut out = String::new();
        let mut last = 0;
        for ph in phs {
            out.push_str(&text[last..ph.start]);
            last = ph.end;
            let raw = &text[ph.start..ph.end];
            let span = self.locate(range, raw);
            match ph.words.as_slice() {
                [name] if self.names.params.iter().any(|(k, _)| k == name) => {
                    if let Some((_, v)) = self.names.params.iter().find(|(k, _)| k == name) {
                        out.push_str(v.get(self.src.locale));
                    }
                }
                ["definitions" | "cookies" | "controller" | "transfers"] | ["cookies", _] => {
                    self.diags.push(
                        Diagnostic::error(format!("`{raw}` must be alone in its paragraph"))
                            .at(self.src.file, span, "inside other text")
                            .help(
                                "put it on a line of its own, with an empty line before and after",
                            ),
                    );
                }
                words => self.unknown(span, words, "unknown name"),
            }
        }
        out.push_str(&text[last..]);
        out
    }

    /// A paragraph that is exactly a section placeholder.
    fn section(&mut self, text: &str, range: &std::ops::Range<usize>) -> Option<Section> {
        let t = text.trim();
        let phs = find_placeholders(t);
        let [ph] = phs.as_slice() else { return None };
        if ph.start != 0 || ph.end != t.len() {
            return None;
        }
        match ph.words.as_slice() {
            ["definitions"] => Some(Section::Definitions),
            ["cookies"] => Some(Section::Cookies(None)),
            ["controller"] => {
                if !self.names.controller {
                    let span = self.locate(range, t);
                    self.diags.push(
                        Diagnostic::error("`{{ controller }}` has nothing to show: site.toml has no `[controller]`")
                            .at(self.src.file, span, "no controller to show")
                            .help("add a `[controller]` table to site.toml with `name`, `address` and `contact` (and `dpo` if you have one)"),
                    );
                }
                Some(Section::Controller)
            }
            ["transfers"] => {
                if !self.names.transfers {
                    let span = self.locate(range, t);
                    self.diags.push(
                        Diagnostic::warning("`{{ transfers }}` shows nothing: no provider has a `country` outside the EEA")
                            .at(self.src.file, span, "an empty section")
                            .help("give each provider its `country` (e.g. `country = \"US\"`), or remove the placeholder"),
                    );
                }
                Some(Section::Transfers)
            }
            ["cookies", id] => {
                if self.names.categories.contains(id) {
                    Some(Section::Cookies(Some((*id).to_string())))
                } else {
                    let span = self.locate(range, t);
                    let help = match suggest(id, self.names.categories.iter().copied()) {
                        Some(s) => format!("did you mean `{{{{ cookies {s} }}}}`?"),
                        None => format!(
                            "categories are declared in content/cookies.toml: {}",
                            self.names.categories.join(", ")
                        ),
                    };
                    self.diags.push(
                        Diagnostic::error(format!("unknown category `{id}` in `{t}`"))
                            .at(self.src.file, span, "no such category")
                            .help(help),
                    );
                    // Rendered as nothing; the build fails anyway.
                    Some(Section::Cookies(Some(String::new())))
                }
            }
            _ => None,
        }
    }

    /// The first line of an event's range, as a span of the file.
    fn line_span(&self, range: &Range<usize>) -> Range<usize> {
        let body = &self.src.text[self.src.offset..];
        let slice = body.get(range.clone()).unwrap_or("");
        let line = slice
            .split('\n')
            .next()
            .unwrap_or("")
            .trim_end_matches('\r');
        let start = self.src.offset + range.start;
        start..start + line.len()
    }

    /// Where a heading pins its anchor: its `#id`, or its line.
    fn pinned_span(&self, raw: &str, range: &Range<usize>) -> Range<usize> {
        let line = self.line_span(range);
        match self.src.text[line.clone()].rfind(&format!("#{raw}")) {
            Some(i) => line.start + i..line.start + i + 1 + raw.len(),
            None => line,
        }
    }

    /// Collects every `{#id}` of the document before any anchor is given out, so that
    /// anchors made from a heading's text step aside for them; an anchor pinned twice is
    /// an error.
    fn find_pinned(&mut self, body: &str, opts: Options) {
        if !body.contains('{') {
            return;
        }
        for (event, range) in Parser::new_ext(body, opts).into_offset_iter() {
            let Event::Start(Tag::Heading { id: Some(raw), .. }) = event else {
                continue;
            };
            let id = slugify(&raw);
            let span = self.pinned_span(&raw, &range);
            match self.pinned.get(&id) {
                Some(first) => {
                    let first = first.clone();
                    self.diags.push(
                        Diagnostic::error(format!("two headings pin the anchor `#{id}`"))
                            .at(self.src.file, span, "pinned again here")
                            .also(self.src.file, first, "first pinned here")
                            .help("a link to `#…` leads to one heading only: give each heading its own `{#…}`"),
                    );
                }
                None => {
                    self.pinned.insert(id, span);
                }
            }
        }
    }

    /// An anchor from a heading's text, made unique on the page.
    fn alloc_id(&mut self, wanted: String, heading: &Range<usize>) -> String {
        // Remember the next suffix per anchor, so that many equal headings stay linear.
        let mut n = self.next_suffix.get(&wanted).copied().unwrap_or(2);
        let mut id = wanted.clone();
        while self.names.reserved.contains(&id)
            || self.used_ids.contains_key(&id)
            || self.pinned.contains_key(&id)
        {
            id = format!("{wanted}-{n}");
            n += 1;
        }
        self.next_suffix.insert(wanted, n);
        let span = self.line_span(heading);
        self.used_ids.insert(id.clone(), Owner::Heading(span));
        id
    }

    /// The anchor a heading pins with `{#id}`: an error if the page has it already.
    fn pin(&mut self, raw: &str, heading: &Range<usize>) -> String {
        let id = slugify(raw);
        let span = self.pinned_span(raw, heading);
        if self.names.reserved.contains(&id) {
            self.page_id(&id, span.clone(), "pinned here");
        }
        // A second heading pinning the same anchor was reported before rendering.
        self.used_ids
            .entry(id.clone())
            .or_insert(Owner::Pinned(span));
        id
    }

    /// Reports an id that the page around the prose already uses.
    fn page_id(&mut self, id: &str, span: Range<usize>, label: &str) {
        let whose = if self.names.categories.contains(&id) {
            format!("the anchor of the category `{id}`")
        } else if let Some(d) = id.strip_prefix("def-") {
            format!("the anchor of the definition `{d}`")
        } else {
            "an id of the page itself".to_string()
        };
        self.diags.push(
            Diagnostic::error(format!("`{id}` is already {whose}"))
                .at(self.src.file, span, label)
                .help(format!(
                    "an id names one element of the page: choose another; the page uses {}, each category's id and `def-` followed by each definition's id",
                    PAGE_IDS.map(|p| format!("`{p}`")).join(", ")
                )),
        );
    }

    /// Checks the ids that raw HTML gave headings in a block: each must be new on the page.
    fn raw_ids(&mut self, generated: &[String], marks: &[Mark]) {
        let mut kept = match self.kept_ids.lock() {
            Ok(mut list) => std::mem::take(&mut *list),
            Err(_) => return,
        };
        for g in generated {
            if let Some(i) = kept.iter().position(|k| k == g) {
                kept.remove(i);
            }
        }
        let mut searched: HashMap<String, usize> = HashMap::new();
        for id in kept.into_iter().filter(|id| !id.is_empty()) {
            let span = self.find_raw(&id, marks, &mut searched);
            if self.names.reserved.contains(&id) {
                self.page_id(&id, span, "given here");
                continue;
            }
            let owner = self
                .used_ids
                .get(&id)
                .cloned()
                .or_else(|| self.pinned.get(&id).cloned().map(Owner::Pinned));
            match owner {
                Some(owner) => self.diags.push(
                    Diagnostic::error(format!("the id `{id}` is used twice on the page"))
                        .at(self.src.file, span, "given here")
                        .also(self.src.file, owner.span(), owner.label())
                        .help("an id names one element of the page, and a link to `#…` leads to it: give this one another id"),
                ),
                None => {
                    self.used_ids.insert(id, Owner::Raw(span));
                }
            }
        }
    }

    /// Where raw HTML writes an id: its next occurrence in the block's raw HTML.
    fn find_raw(
        &self,
        id: &str,
        marks: &[Mark],
        searched: &mut HashMap<String, usize>,
    ) -> Range<usize> {
        let body = &self.src.text[self.src.offset..];
        let from = searched.get(id).copied().unwrap_or(0);
        for m in marks.iter().filter(|m| m.raw && m.src.end > from) {
            let lo = m.src.start.max(from);
            if let Some(i) = body.get(lo..m.src.end).and_then(|s| s.find(id)) {
                searched.insert(id.to_string(), lo + i + id.len());
                let start = self.src.offset + lo + i;
                return start..start + id.len();
            }
        }
        marks
            .iter()
            .find(|m| m.raw)
            .map_or_else(|| self.at(0), |m| self.line_span(&m.src))
    }

    /// Placeholders inside raw HTML are not replaced: each is an error. Comments are
    /// skipped, so that a placeholder can be commented out; `in_comment` carries a comment
    /// over the lines of an HTML block.
    fn raw_placeholders(&mut self, html: &str, range: &Range<usize>, in_comment: &mut bool) {
        let body = &self.src.text[self.src.offset..];
        let verbatim = body.get(range.clone()) == Some(html);
        let mut pos = 0;
        while pos < html.len() {
            if *in_comment {
                match html[pos..].find("-->") {
                    Some(i) => {
                        pos += i + 3;
                        *in_comment = false;
                    }
                    None => return,
                }
                continue;
            }
            let end = html[pos..].find("<!--").map_or(html.len(), |i| pos + i);
            for ph in find_placeholders(&html[pos..end]) {
                let raw = &html[pos + ph.start..pos + ph.end];
                let span = if verbatim {
                    let start = self.src.offset + range.start + pos + ph.start;
                    start..start + raw.len()
                } else {
                    self.locate(range, raw)
                };
                let help = match ph.words.as_slice() {
                    ["definitions"] | ["cookies"] | ["cookies", _] => format!(
                        "placeholders are replaced in Markdown text only: end the HTML element before `{raw}`, and put it alone in its paragraph, with an empty line before and after"
                    ),
                    _ => format!(
                        "placeholders are replaced in Markdown text only: move `{raw}` out of the HTML, or write its text in place"
                    ),
                };
                self.diags.push(
                    Diagnostic::error(format!(
                        "`{raw}` is inside raw HTML, where it is not replaced"
                    ))
                    .at(self.src.file, span, "inside HTML")
                    .help(help),
                );
            }
            if end < html.len() {
                *in_comment = true;
                pos = end + 4;
            } else {
                pos = end;
            }
        }
    }

    /// Reports a top-level block beyond [`MAX_BLOCK_TAGS`] or [`MAX_BLOCK_EVENTS`].
    fn too_large(&mut self, start: usize, what: &str) -> ErrorReported {
        self.diags.error(
            Diagnostic::error(format!("this block is too large: more than {what}"))
                .at(self.src.file, self.at(start), "the block starts here")
                .help(format!(
                    "Clause renders the prose a block at a time (a paragraph, list, table, quote or HTML block), in memory that grows with the block; a block may hold {} HTML tags and {} pieces of Markdown (elements, lines, runs of text): split this one into smaller blocks, separated by empty lines",
                    thousands(MAX_BLOCK_TAGS),
                    thousands(MAX_BLOCK_EVENTS)
                )),
        )
    }

    /// Sanitizes one top-level block; `Err` when its elements nest deeper
    /// than [`MAX_ELEMENT_DEPTH`], its parsing would reopen elements over and over, or it
    /// holds more than [`MAX_BLOCK_TAGS`].
    fn block(
        &mut self,
        events: Vec<(Event<'_>, Range<usize>, bool)>,
        generated: &[String],
    ) -> Result<String, ErrorReported> {
        let (html, marks) = block_html(events);
        let tags = html.bytes().filter(|b| *b == b'<').count();
        // Nesting needs elements and elements need tags: most blocks have too few to check.
        if tags > MAX_ELEMENT_DEPTH / 4 {
            // A tag a piece, so that parsing stops right after the one that goes too far;
            // no further than the limit of tags, which is checked below.
            let cuts: Vec<usize> = std::iter::once(0)
                .chain(html.match_indices('<').map(|(i, _)| i).filter(|i| *i > 0))
                .take(MAX_BLOCK_TAGS + 1)
                .collect();
            let whole = tags <= MAX_BLOCK_TAGS;
            let pieces = cuts
                .iter()
                .enumerate()
                .filter_map(|(k, s)| match cuts.get(k + 1) {
                    Some(e) => Some(&html[*s..*e]),
                    None => whole.then(|| &html[*s..]),
                });
            if let Some((k, excess)) = dom::excess(MAX_ELEMENT_DEPTH, pieces) {
                let at = cuts[k];
                let m = &marks[marks.partition_point(|m| m.at <= at).saturating_sub(1)];
                let offset = if m.raw {
                    (m.src.start + (at - m.at)).min(m.src.end.saturating_sub(1).max(m.src.start))
                } else {
                    m.src.start
                };
                let d = match excess {
                    dom::Excess::Depth => Diagnostic::error(format!(
                        "elements nest more than {MAX_ELEMENT_DEPTH} levels deep"
                    ))
                    .at(self.src.file, self.at(offset), "nested too deep here")
                    .help(format!(
                        "Clause refuses nesting deeper than {MAX_ELEMENT_DEPTH} elements (raw HTML, and the lists, quotes, emphasis and links of the Markdown), which would make the build slow: close elements sooner, or flatten the structure"
                    )),
                    dom::Excess::Elements => Diagnostic::error(
                        "this HTML makes browsers reopen its open elements over and over",
                    )
                    .at(self.src.file, self.at(offset), "reopened here, and again after")
                    .help(
                        "formatting elements (`<b>`, `<i>`, `<a>`, `<em>`, `<strong>`…) left open across paragraphs are reopened in each of them: close each one where it ends",
                    ),
                };
                return Err(self.diags.error(d));
            }
        }
        if tags > MAX_BLOCK_TAGS {
            let start = marks.first().map_or(0, |m| m.src.start);
            return Err(self.too_large(start, &format!("{} HTML tags", thousands(MAX_BLOCK_TAGS))));
        }
        let clean = self.sanitizer.clean(&html).to_string();
        self.raw_ids(generated, &marks);
        Ok(clean)
    }
}

/// Renders a document's prose. Sections are appended after the prose when it has no
/// section placeholder at all.
pub fn render(src: &Source, names: &Names, diags: &mut Diagnostics) -> Vec<Block> {
    let body = &src.text[src.offset..];
    if let Some(at) = nesting_beyond(body, MAX_NESTING) {
        diags.push(
            Diagnostic::error(format!(
                "lists and block quotes nest more than {MAX_NESTING} levels deep"
            ))
            .at(
                src.file,
                char_span(src.text, src.offset + at),
                format!("level {} opens here", MAX_NESTING + 1),
            )
            .help(format!(
                "Clause refuses lists and quotes nested more than {MAX_NESTING} levels deep, which would make the build slow: flatten the structure"
            )),
        );
        return Vec::new();
    }
    let opts = Options::ENABLE_TABLES
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION;
    let kept_ids = Arc::new(Mutex::new(Vec::new()));
    let mut r = Renderer {
        src,
        names,
        diags,
        used_ids: HashMap::new(),
        pinned: HashMap::new(),
        next_suffix: HashMap::new(),
        sanitizer: sanitizer(Arc::clone(&kept_ids)),
        kept_ids,
    };
    r.find_pinned(body, opts);
    let mut events = Events::new(Parser::new_ext(body, opts).into_offset_iter());
    let mut blocks = Vec::new();
    // The events of the current top-level block, each with whether the author wrote it as HTML.
    let mut block_events: Vec<(Event, Range<usize>, bool)> = Vec::new();
    // Anchors given to the headings of the current top-level block.
    let mut generated: Vec<String> = Vec::new();
    // Sanitized HTML of the top-level blocks seen since the last section.
    let mut html = String::new();
    let mut depth = 0usize;
    let mut headings = Vec::new();
    let mut last_level = 1u8;
    let mut in_code = false;
    let mut in_comment = false;
    let mut any_section = false;
    while let Some((event, range)) = events.next() {
        if !matches!(event, Event::Html(_)) {
            in_comment = false;
        }
        // A heading is consumed up to its end below: it leaves the depth as it was.
        let opens =
            matches!(event, Event::Start(_)) && !matches!(event, Event::Start(Tag::Heading { .. }));
        let closes = matches!(event, Event::End(_));
        match event {
            Event::Start(Tag::Paragraph) => {
                let ahead = events.peek(2);
                let section = match (ahead.front(), ahead.get(1)) {
                    (Some((Event::Text(t), tr)), Some((Event::End(TagEnd::Paragraph), _))) => r
                        .section(t, tr)
                        .map(|s| (s, t.trim().to_string(), tr.clone())),
                    _ => None,
                };
                if let Some((section, text, tr)) = section {
                    events.next();
                    events.next();
                    if depth > 0 {
                        let span = r.locate(&tr, &text);
                        r.diags.push(
                            Diagnostic::error(format!("`{text}` cannot be inside a list or a quote"))
                                .at(src.file, span, "inside a list or a quote")
                                .help("put it at the start of a line, outside lists and quotes, with an empty line before and after"),
                        );
                        continue;
                    }
                    flush(&mut html, &mut headings, &mut blocks);
                    blocks.push(Block::Section {
                        section,
                        level: (last_level + 1).clamp(2, 6),
                        titled: false,
                    });
                    any_section = true;
                    continue;
                }
                block_events.push((Event::Start(Tag::Paragraph), range, false));
            }
            Event::Start(Tag::Heading { level, id, .. }) => {
                let level = level_number(level);
                let mut inner = Vec::new();
                let mut text = String::new();
                for (e, er) in events.by_ref() {
                    let e = match e {
                        Event::End(TagEnd::Heading(_)) => break,
                        Event::Text(t) => Event::Text(CowStr::from(r.substitute(&t, &er))),
                        Event::Html(h) | Event::InlineHtml(h) => {
                            r.raw_placeholders(&h, &er, &mut false);
                            if names.raw_html {
                                Event::InlineHtml(h)
                            } else {
                                Event::Text(h)
                            }
                        }
                        other => other,
                    };
                    if inner.len() > MAX_BLOCK_EVENTS {
                        r.too_large(
                            range.start,
                            &format!("{} pieces of Markdown", thousands(MAX_BLOCK_EVENTS)),
                        );
                        return Vec::new();
                    }
                    if let Event::Text(t) | Event::Code(t) = &e {
                        text.push_str(t);
                    }
                    inner.push(e);
                }
                let id = match id {
                    Some(raw) => r.pin(&raw, &range),
                    None => r.alloc_id(slugify(&text), &range),
                };
                generated.push(id.clone());
                let mut inner_html = String::new();
                pulldown_cmark::html::push_html(&mut inner_html, inner.into_iter());
                block_events.push((
                    Event::Html(CowStr::from(format!(
                        "<h{level} id=\"{id}\">{inner_html}</h{level}>\n"
                    ))),
                    range,
                    false,
                ));
                headings.push(Heading {
                    level,
                    id,
                    text: text.trim().to_string(),
                });
                last_level = level;
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                in_code = true;
                block_events.push((Event::Start(Tag::CodeBlock(kind)), range, false));
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                block_events.push((Event::End(TagEnd::CodeBlock), range, false));
            }
            Event::Text(t) if !in_code => {
                let s = r.substitute(&t, &range);
                block_events.push((Event::Text(CowStr::from(s)), range, false));
            }
            Event::Html(h) => {
                r.raw_placeholders(&h, &range, &mut in_comment);
                let e = if names.raw_html {
                    Event::Html(h)
                } else {
                    Event::Text(h)
                };
                block_events.push((e, range, names.raw_html));
            }
            Event::InlineHtml(h) => {
                r.raw_placeholders(&h, &range, &mut false);
                let e = if names.raw_html {
                    Event::InlineHtml(h)
                } else {
                    Event::Text(h)
                };
                block_events.push((e, range, names.raw_html));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = r.substitute(&dest_url, &range);
                block_events.push((
                    Event::Start(Tag::Link {
                        link_type,
                        dest_url: CowStr::from(dest),
                        title,
                        id,
                    }),
                    range,
                    false,
                ));
            }
            other => block_events.push((other, range, false)),
        }
        if opens {
            depth += 1;
        } else if closes {
            depth = depth.saturating_sub(1);
        }
        if block_events.len() > MAX_BLOCK_EVENTS {
            let start = block_events.first().map_or(0, |e| e.1.start);
            r.too_large(
                start,
                &format!("{} pieces of Markdown", thousands(MAX_BLOCK_EVENTS)),
            );
            return Vec::new();
        }
        // Sanitize one top-level block at a time: a huge document never becomes one huge DOM.
        if depth == 0 && !block_events.is_empty() {
            match r.block(std::mem::take(&mut block_events), &generated) {
                Ok(clean) => html.push_str(&clean),
                Err(_) => return Vec::new(),
            }
            generated.clear();
        }
    }
    flush(&mut html, &mut headings, &mut blocks);
    if !any_section {
        blocks.push(Block::Section {
            section: Section::Definitions,
            level: 2,
            titled: true,
        });
        blocks.push(Block::Section {
            section: Section::Cookies(None),
            level: 2,
            titled: true,
        });
        // These two show only when there is something to show.
        blocks.push(Block::Section {
            section: Section::Transfers,
            level: 2,
            titled: true,
        });
        blocks.push(Block::Section {
            section: Section::Controller,
            level: 2,
            titled: true,
        });
    }
    blocks
}

fn flush(html: &mut String, headings: &mut Vec<Heading>, blocks: &mut Vec<Block>) {
    if html.is_empty() {
        return;
    }
    blocks.push(Block::Html {
        html: std::mem::take(html),
        headings: std::mem::take(headings),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Sources;

    fn run(md: &str) -> (Vec<Block>, Diagnostics) {
        let mut s = Sources::default();
        let file = s.add("cookies.md", md);
        let params = vec![(
            "platform_url".to_string(),
            Localized::Same("https://data.example.org".into()),
        )];
        let mut reserved: HashSet<String> = ["necessary", "statistics", "def-cookie"]
            .map(String::from)
            .into_iter()
            .collect();
        reserved.extend(PAGE_IDS.map(String::from));
        let names = Names {
            params: &params,
            categories: &["necessary", "statistics"],
            reserved: &reserved,
            raw_html: !md.contains("NO-HTML"),
            controller: true,
            transfers: true,
        };
        let src = Source {
            text: md,
            offset: 0,
            file,
            locale: "en",
        };
        let mut d = Diagnostics::default();
        (render(&src, &names, &mut d), d)
    }

    #[test]
    fn params_are_substituted_and_escaped_in_text() {
        let (blocks, d) = run("Cookies on {{ platform_url }} & <b>.\n\n{{ cookies }}\n");
        assert!(d.is_empty(), "{d:?}");
        let Block::Html { html, .. } = &blocks[0] else {
            panic!()
        };
        assert!(
            html.contains("Cookies on https://data.example.org &amp;"),
            "{html}"
        );
        assert_eq!(
            blocks[1],
            Block::Section {
                section: Section::Cookies(None),
                level: 2,
                titled: false
            }
        );
        assert_eq!(
            blocks.len(),
            2,
            "no automatic sections when a placeholder is used"
        );
    }

    #[test]
    fn section_level_follows_the_prose() {
        let (blocks, _) = run("## What cookies\n\n{{ cookies statistics }}\n");
        assert!(matches!(
            &blocks[1],
            Block::Section { section: Section::Cookies(Some(id)), level: 3, .. } if id == "statistics"
        ));
    }

    #[test]
    fn headings_get_stable_unique_anchors() {
        let (blocks, _) = run(
            "## What is a cookie?\n\n## What is a cookie?\n\n## Necessary\n\n## Mine {#custom}\n",
        );
        let Block::Html { headings, html } = &blocks[0] else {
            panic!()
        };
        let ids: Vec<&str> = headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "what-is-a-cookie",
                "what-is-a-cookie-2",
                "necessary-2",
                "custom"
            ]
        );
        assert!(
            html.contains("<h2 id=\"what-is-a-cookie\">What is a cookie?</h2>"),
            "{html}"
        );
        // No placeholder: definitions, cookies, transfers and the controller are appended
        // with their own headings (the last two only show when there is something to show).
        let appended: Vec<&Section> = blocks
            .iter()
            .filter_map(|b| match b {
                Block::Section {
                    section,
                    titled: true,
                    ..
                } => Some(section),
                _ => None,
            })
            .collect();
        assert_eq!(
            appended,
            [
                &Section::Definitions,
                &Section::Cookies(None),
                &Section::Transfers,
                &Section::Controller
            ]
        );
    }

    #[test]
    fn unknown_placeholders_are_located() {
        let md = "Intro.\n\nSee {{ platfrom_url }} now.\n\n{{ cookies analytics }}\n";
        let (_, d) = run(md);
        let all: Vec<_> = d.iter().collect();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].message, "unknown placeholder `{{ platfrom_url }}`");
        assert_eq!(
            all[0].help.as_deref(),
            Some("did you mean `{{ platform_url }}`?")
        );
        let span = all[0].primary.as_ref().expect("located").span.clone();
        assert_eq!(&md[span], "{{ platfrom_url }}");
        assert_eq!(
            all[1].message,
            "unknown category `analytics` in `{{ cookies analytics }}`"
        );
    }

    #[test]
    fn placeholders_in_code_are_literal() {
        let (blocks, d) = run("```\n{{ nothing }}\n```\n\n{{ definitions }}\n");
        assert!(d.is_empty(), "{d:?}");
        let Block::Html { html, .. } = &blocks[0] else {
            panic!()
        };
        assert!(html.contains("{{ nothing }}"));
    }

    #[test]
    fn raw_html_is_sanitized_to_the_allowlist() {
        let md = "<p onclick=\"x()\">Hi <b>there</b><script>alert(1)</script></p>\n\n\
                  <iframe src=\"https://evil.example\"></iframe>\n\n\
                  [a](javascript:alert(1)) [b](https://ok.example/) [c](#necessary) \
                  <img src=\"https://tracker.example/p.gif\"> <span style=\"color:red\">s</span>\n";
        let (blocks, _) = run(md);
        let Block::Html { html, .. } = &blocks[0] else {
            panic!()
        };
        assert!(html.contains("<p>Hi <b>there</b></p>"), "{html}");
        for bad in [
            "onclick",
            "<script",
            "alert(1)</",
            "<iframe",
            "javascript:",
            "<img",
            "style=",
        ] {
            assert!(!html.contains(bad), "{bad} survived: {html}");
        }
        assert!(
            html.contains("<a href=\"https://ok.example/\">b</a>"),
            "{html}"
        );
        assert!(html.contains("<a href=\"#necessary\">c</a>"), "{html}");
    }

    #[test]
    fn nested_blocks_are_sanitized_whole() {
        let (blocks, _) = run("> ## Quoted heading\n>\n> text\n\n- a\n- b\n");
        let Block::Html { html, .. } = &blocks[0] else {
            panic!()
        };
        assert!(
            html.contains("<blockquote>\n<h2 id=\"quoted-heading\">Quoted heading</h2>\n<p>text</p>\n</blockquote>"),
            "{html}"
        );
        assert!(
            html.contains("<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
            "{html}"
        );
    }

    #[test]
    fn raw_html_can_be_switched_off() {
        let (blocks, _) = run("NO-HTML <b>bold</b>\n");
        let Block::Html { html, .. } = &blocks[0] else {
            panic!()
        };
        assert!(html.contains("&lt;b&gt;bold&lt;/b&gt;"), "{html}");
    }

    #[test]
    fn slugify_keeps_letters_of_any_script() {
        assert_eq!(slugify("Qu'est-ce qu'un cookie ?"), "quest-ce-quun-cookie");
        assert_eq!(slugify("Cookies nécessaires"), "cookies-nécessaires");
        assert_eq!(slugify("???"), "section");
    }

    fn html_of(blocks: &[Block]) -> String {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Html { html, .. } => Some(html.as_str()),
                Block::Section { .. } => None,
            })
            .collect()
    }

    fn messages(d: &Diagnostics) -> Vec<String> {
        d.iter().map(|x| x.message.clone()).collect()
    }

    /// The text under each label of a diagnostic, primary first.
    fn labelled<'m>(md: &'m str, d: &Diagnostic) -> Vec<&'m str> {
        d.primary
            .iter()
            .chain(d.secondary.iter())
            .map(|l| &md[l.span.clone()])
            .collect()
    }

    #[test]
    fn links_and_quotes_lead_only_to_http_mailto_or_the_site() {
        let hostile = [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "  javascript:alert(1)",
            "jav&#x09;ascript:alert(1)",
            "jav&#x0A;ascript:alert(1)",
            "&#106;avascript:alert(1)",
            "javascript&colon;alert(1)",
            "&#x01;javascript:alert(1)",
            "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
            "vbscript:msgbox(1)",
            "file:///etc/passwd",
        ];
        for url in hostile {
            let md = format!(
                "<q cite=\"{url}\">q</q> <a href=\"{url}\">a</a>\n\n<blockquote cite=\"{url}\">b</blockquote>\n"
            );
            let (blocks, _) = run(&md);
            let html = html_of(&blocks);
            for e in dom::elements(&html, true) {
                assert!(
                    e.attrs.iter().all(|(n, _)| n != "cite" && n != "href"),
                    "{url} kept on {e:?}: {html}"
                );
            }
        }
        for url in [
            "https://ok.example/a?b#c",
            "http://ok.example/",
            "mailto:dpo@example.org",
            "#necessary",
            "../other/",
            "//cdn.example/page",
        ] {
            let md = format!("<q cite=\"{url}\">q</q> [a]({url})\n");
            let (blocks, _) = run(&md);
            let html = html_of(&blocks);
            assert!(html.contains(&format!("<q cite=\"{url}\">")), "{html}");
            assert!(html.contains(&format!("<a href=\"{url}\">")), "{html}");
        }
    }

    #[test]
    fn a_pinned_anchor_used_twice_is_an_error_with_both_places() {
        let md = "## One {#same}\n\n## Two {#same}\n";
        let (_, d) = run(md);
        let all: Vec<&Diagnostic> = d.iter().collect();
        assert_eq!(messages(&d), ["two headings pin the anchor `#same`"]);
        assert_eq!(labelled(md, all[0]), ["#same", "#same"]);
        let second = all[0].primary.as_ref().expect("located").span.start;
        assert_eq!(second, md.rfind("#same").expect("there"));
    }

    #[test]
    fn pinned_anchors_win_and_may_not_take_the_page_ids() {
        let (blocks, d) = run("## Foo\n\n## Bar {#foo}\n");
        assert!(d.is_empty(), "{d:?}");
        let Block::Html { headings, .. } = &blocks[0] else {
            panic!()
        };
        let ids: Vec<&str> = headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["foo-2", "foo"]);
        for id in ["main", "contents", "necessary", "def-cookie"] {
            let md = format!("## Mine {{#{id}}}\n");
            let (_, d) = run(&md);
            let all: Vec<&Diagnostic> = d.iter().collect();
            assert_eq!(all.len(), 1, "{id}: {d:?}");
            assert!(
                all[0].message.starts_with(&format!("`{id}` is already ")),
                "{}",
                all[0].message
            );
            assert_eq!(labelled(&md, all[0]), [format!("#{id}")]);
        }
    }

    #[test]
    fn ids_in_raw_html_never_repeat_or_shadow_the_page() {
        let md = "<h2 id=\"main\">Skip target</h2>\n";
        let (_, d) = run(md);
        assert_eq!(messages(&d), ["`main` is already an id of the page itself"]);
        let md = "<h2 id=\"necessary\">N</h2>\n";
        let (_, d) = run(md);
        assert_eq!(
            messages(&d),
            ["`necessary` is already the anchor of the category `necessary`"]
        );
        let md = "## Intro\n\n<h3 id=\"intro\">Again</h3>\n";
        let (_, d) = run(md);
        let all: Vec<&Diagnostic> = d.iter().collect();
        assert_eq!(messages(&d), ["the id `intro` is used twice on the page"]);
        assert_eq!(labelled(md, all[0]), ["intro", "## Intro"]);
        let md = "<h2 id=\"x\">a</h2>\n\n<div><h3 id=\"x\">b</h3></div>\n";
        let (_, d) = run(md);
        let all: Vec<&Diagnostic> = d.iter().collect();
        assert_eq!(messages(&d), ["the id `x` is used twice on the page"]);
        let spans: Vec<usize> = all[0]
            .primary
            .iter()
            .chain(all[0].secondary.iter())
            .map(|l| l.span.start)
            .collect();
        assert_eq!(
            spans,
            [
                md.rfind("\"x\"").expect("there") + 1,
                md.find("\"x\"").expect("there") + 1
            ]
        );
        // A raw id taken first: a heading's anchor steps aside, a pinned one is an error.
        let (blocks, d) = run("<h2 id=\"faq\">FAQ</h2>\n\n## FAQ\n");
        assert!(d.is_empty(), "{d:?}");
        assert!(html_of(&blocks).contains("<h2 id=\"faq-2\">FAQ</h2>"));
        let (_, d) = run("<h2 id=\"faq\">FAQ</h2>\n\n## Questions {#faq}\n");
        assert_eq!(messages(&d), ["the id `faq` is used twice on the page"]);
        // Ids the sanitizer drops (not on a heading) are no concern.
        let (_, d) = run("<div id=\"main\">x</div>\n");
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn a_placeholder_inside_raw_html_is_an_error() {
        let md = "<div class=\"note\">{{ cookies }}</div>\n\nText.\n";
        let (_, d) = run(md);
        let all: Vec<&Diagnostic> = d.iter().collect();
        assert_eq!(
            messages(&d),
            ["`{{ cookies }}` is inside raw HTML, where it is not replaced"]
        );
        assert_eq!(labelled(md, all[0]), ["{{ cookies }}"]);
        assert!(all[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("alone in its paragraph")));
        let md = "> <div>\n> see {{ platform_url }}\n> </div>\n";
        let (_, d) = run(md);
        let all: Vec<&Diagnostic> = d.iter().collect();
        assert_eq!(labelled(md, all[0]), ["{{ platform_url }}"]);
        // Shown as text, it would show the braces just the same.
        let (_, d) = run("NO-HTML\n\n<div>{{ definitions }}</div>\n");
        assert_eq!(d.iter().count(), 1, "{d:?}");
        // Commented out on purpose: no error.
        let (_, d) =
            run("<!-- {{ cookies }} -->\n\n<!--\n{{ cookies }}\n-->\n\n<p>x<!-- {{ x }} --></p>\n");
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn a_section_inside_a_list_is_an_error() {
        let (_, d) = run("- item\n\n  {{ cookies }}\n");
        assert_eq!(
            messages(&d),
            ["`{{ cookies }}` cannot be inside a list or a quote"]
        );
    }

    fn nesting_error(md: &str) -> Option<(String, &str)> {
        let (_, d) = run(md);
        let all: Vec<&Diagnostic> = d.iter().collect();
        all.first().map(|x| (x.message.clone(), labelled(md, x)[0]))
    }

    #[test]
    fn lists_and_quotes_nest_at_most_thirty_two_deep() {
        let at_limit = format!("{}x\n", "> ".repeat(MAX_NESTING));
        assert_eq!(nesting_error(&at_limit), None);
        let md = format!("{}x\n", "> ".repeat(MAX_NESTING + 1));
        let (_, d) = run(&md);
        let all: Vec<&Diagnostic> = d.iter().collect();
        assert_eq!(
            messages(&d),
            ["lists and block quotes nest more than 32 levels deep"]
        );
        let span = all[0].primary.as_ref().expect("located").span.clone();
        assert_eq!(span, 2 * MAX_NESTING..2 * MAX_NESTING + 1);
        for marker in ["- ", "* ", "+ ", "1. ", "2) ", "> - 1. "] {
            let deep = format!("{}x\n", marker.repeat(MAX_NESTING + 1));
            assert!(nesting_error(&deep).is_some(), "{marker:?}");
        }
        // Level by level, one line each, by indentation.
        let mut md = String::new();
        for i in 0..=MAX_NESTING {
            md.push_str(&format!("{}- level {i}\n", "  ".repeat(i)));
        }
        let (msg, at) = nesting_error(&md).expect("refused");
        assert_eq!(
            (msg.as_str(), at),
            ("lists and block quotes nest more than 32 levels deep", "-")
        );
        md.truncate(
            md.rfind(&format!("{}- level", "  ".repeat(MAX_NESTING)))
                .expect("last line"),
        );
        assert_eq!(nesting_error(&md), None);
        // A lazy line keeps every level open, and so does a blank line in a list: an
        // indented line after either can go one level deeper.
        let deep = "- ".repeat(MAX_NESTING);
        let further = format!("{}- deeper\n", "  ".repeat(MAX_NESTING));
        for between in ["lazy text\n", "\n"] {
            let md = format!("{deep}x\n{between}{further}");
            assert_eq!(
                nesting_error(&md).map(|(_, at)| at),
                Some("-"),
                "{between:?}"
            );
        }
        let quotes = format!("{}x\nlazy\n\n{}x\n", "> ".repeat(20), "> ".repeat(20));
        assert_eq!(nesting_error(&quotes), None);
        // Thematic breaks are no lists, however long.
        let rules = format!(
            "{}\n\n{}\n\n> {}\n",
            "- ".repeat(80),
            "* ".repeat(80),
            "-".repeat(80)
        );
        let (_, d) = run(&rules);
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn elements_nest_at_most_a_hundred_and_twenty_eight_deep() {
        let ok = format!("{}x\n", "<div>".repeat(MAX_ELEMENT_DEPTH));
        assert_eq!(nesting_error(&ok), None);
        let md = format!("Intro.\n\n{}x\n", "<div>".repeat(MAX_ELEMENT_DEPTH + 1));
        let (_, d) = run(&md);
        let all: Vec<&Diagnostic> = d.iter().collect();
        assert_eq!(messages(&d), ["elements nest more than 128 levels deep"]);
        let span = all[0].primary.as_ref().expect("located").span.clone();
        assert_eq!(span.start, "Intro.\n\n".len() + 5 * MAX_ELEMENT_DEPTH);
        // Markdown makes elements too: emphasis inside emphasis.
        let emphasis = format!("{}x{}\n", "*a ".repeat(200), " b*".repeat(200));
        let (msg, at) = nesting_error(&emphasis).expect("refused");
        assert_eq!(
            (msg.as_str(), at),
            ("elements nest more than 128 levels deep", "*")
        );
        // Formatting elements left open are reopened in every paragraph after them.
        let open: String = (0..60).map(|i| format!("<b class=\"c{i}\">")).collect();
        let md = format!("<p>{open}x</p>{}\n", "<p>x</p>".repeat(2_000));
        let (_, d) = run(&md);
        assert_eq!(
            messages(&d),
            ["this HTML makes browsers reopen its open elements over and over"]
        );
        // Many elements side by side are not deep.
        let wide = format!("{}\n", "<b>x</b> <div>y</div>".repeat(10_000));
        assert_eq!(nesting_error(&wide), None);
    }
}
