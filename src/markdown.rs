//! Prose: Markdown to HTML, with `{{ … }}` placeholders, stable heading anchors and the
//! headings collected for the table of contents.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::ops::Range;
use std::rc::Rc;
use std::sync::Arc;

use pulldown_cmark::{
    BrokenLink, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd,
};

use crate::address::{self, Invalid};
use crate::decode::Localized;
use crate::diagnostics::{suggest, Code, Diagnostic, Diagnostics, ErrorReported, FileId};
use crate::dom;
use crate::layout;

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

/// A link of the prose, kept for the checks that need every page (`crate::links`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The address as written, values in place (`contact.md#necessary`).
    pub written: String,
    /// The address in the page: a document's file name becomes its page's address.
    pub href: String,
    /// Where the address is written in the document's file (for a reference link, in its
    /// definition).
    pub span: Range<usize>,
}

/// A document's prose, rendered.
#[derive(Debug, Default)]
pub struct Prose {
    /// Prose and generated sections, in order.
    pub blocks: Vec<Block>,
    /// Its links (Markdown's), in order.
    pub links: Vec<Link>,
    /// Every id the prose gives an element: headings' anchors and raw HTML's ids.
    pub ids: Vec<String>,
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

/// The page of a document named by its file name (`contact.md`, `./contact.md#x`), as a
/// link from a page in `locale`; `None` for any other address or another file.
fn document_href(address: &str, documents: &HashSet<String>, locale: &str) -> Option<String> {
    let (path, fragment) = match address.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (address, None),
    };
    let stem = path
        .strip_prefix("./")
        .unwrap_or(path)
        .strip_suffix(".md")?;
    if !documents.contains(stem) {
        return None;
    }
    let mut href = layout::page_href(locale, stem);
    if let Some(f) = fragment {
        href.push('#');
        href.push_str(f);
    }
    Some(href)
}

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

/// What the sanitizer's attribute filter needs of the document being cleaned on this
/// thread: where a link to a document's file name leads, and the ids it keeps. The
/// sanitizer is built once for the whole process (see [`SANITIZER`]), so this cannot be
/// held by its filter; [`render`] sets it for the document it renders (see [`Cleaning`]).
struct Context {
    /// The site's documents, for `<a href="contact.md">`.
    documents: Arc<HashSet<String>>,
    /// The page's locale: a document's page is linked in the same language.
    locale: String,
    /// Every heading's `id` the sanitizer kept since [`Cleaning::kept_ids`] last took them.
    ids: Vec<String>,
}

thread_local! {
    /// The document [`SANITIZER`] is cleaning on this thread, if any.
    static CONTEXT: RefCell<Option<Context>> = const { RefCell::new(None) };
}

/// The document set up for the sanitizer on this thread while it is alive: the context
/// it replaced (none, unless rendering is nested) comes back when it is dropped, even by a
/// panic, so that no other document's links or ids are ever mixed with its own.
struct Cleaning {
    previous: Option<Context>,
}

impl Cleaning {
    fn new(documents: &Arc<HashSet<String>>, locale: &str) -> Self {
        let context = Context {
            documents: Arc::clone(documents),
            locale: locale.to_string(),
            ids: Vec::new(),
        };
        Cleaning {
            previous: CONTEXT.replace(Some(context)),
        }
    }

    /// Sanitizes `html` for the document set up.
    fn clean(&self, html: &str) -> String {
        SANITIZER.clean(html).to_string()
    }

    /// The ids of headings kept since the last call, in order.
    fn kept_ids(&self) -> Vec<String> {
        CONTEXT
            .with_borrow_mut(|c| c.as_mut().map(|c| std::mem::take(&mut c.ids)))
            .unwrap_or_default()
    }
}

impl Drop for Cleaning {
    fn drop(&mut self) {
        CONTEXT.set(self.previous.take());
    }
}

/// The sanitizer every prose block goes through: no script, no event handler, no style,
/// no iframe or image (nothing may load from another host), links and `cite` only to
/// http(s), mailto and addresses relative to the page. Every `id` it keeps on a heading is
/// pushed to the thread's [`Context`], so that ids written in raw HTML can be checked
/// against the page's own. A link of raw HTML to a document's file name
/// (`<a href="contact.md">`) leads to its page in the context's locale, as a Markdown link
/// does. Built once: its allowlist took a sixth of the prose's time when built per document.
static SANITIZER: std::sync::LazyLock<ammonia::Builder<'static>> =
    std::sync::LazyLock::new(sanitizer);

/// Builds [`SANITIZER`].
fn sanitizer() -> ammonia::Builder<'static> {
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
        .attribute_filter(|element, attribute, value| match attribute {
            "href" | "cite" if !is_allowed_url(value) => None,
            "href" => {
                let page = CONTEXT.with_borrow(|c| {
                    c.as_ref()
                        .and_then(|c| document_href(value, &c.documents, &c.locale))
                });
                match page {
                    Some(page) => Some(Cow::Owned(page)),
                    None => Some(Cow::Borrowed(value)),
                }
            }
            "id" => {
                if element.len() == 2 && element.starts_with('h') {
                    CONTEXT.with_borrow_mut(|c| {
                        if let Some(c) = c {
                            c.ids.push(value.to_string());
                        }
                    });
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
    /// The documents of the site (their slugs), which a link may name by file name
    /// (`contact.md`). Shared: the sanitizer's context holds it while a document is
    /// rendered, and copying it for each document made a site of thousands of documents
    /// quadratic.
    pub documents: &'a Arc<HashSet<String>>,
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

/// Where each `{{ … }}` of `text` starts and ends, as [`find_placeholders`] finds them,
/// without their words.
fn placeholder_spans(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        let start = from + text.get(from..)?.find("{{")?;
        let end = start + 2 + text[start + 2..].find("}}")? + 2;
        from = end;
        Some(start..end)
    })
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

/// How much HTML of consecutive plain blocks (without raw HTML) the sanitizer parses in one
/// pass, unless one block is larger: each pass has a cost of its own (a tree, a
/// serializer), and a document's prose is mostly short plain blocks. Small enough that a
/// huge document is still never one huge tree.
const MAX_BATCH_BYTES: usize = 64 * 1024;

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

/// Bytes that may stand for the spaces of a placeholder in the text the parser reads: none
/// has a meaning to Markdown where a placeholder stands, and each may be in an address.
const FILLERS: [u8; 9] = [b'^', b'=', b'+', b'$', b';', b',', b'@', b'!', b'%'];

/// Whether a placeholder's inside is names separated by spaces, with at least one space:
/// the placeholders whose spaces [`mask`] replaces.
fn maskable(inner: &str) -> bool {
    inner.contains(' ')
        && inner.split(' ').any(|w| !w.is_empty())
        && inner
            .chars()
            .all(|c| c == ' ' || c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// The prose as the Markdown parser reads it. An address holds no space, so a placeholder
/// written with spaces (`{{ dpo_email }}`, the README's way) would end a link's address
/// where it starts: the spaces of each placeholder that may stand in an address (a `(`, `<`
/// or `]:` before it on its line, or a line before ending with `(` or `:`) are replaced by a filler byte that appears nowhere else in
/// the prose, one byte for one, so that every offset stays that of the file. The events'
/// texts get their spaces back ([`unmask`]). Returns the filler, if any placeholder changed.
fn mask(body: &str) -> (Cow<'_, str>, Option<u8>) {
    let mut wanted = Vec::new();
    // Whether the current line has opened an address before the placeholder: the text
    // between placeholders is scanned once, left to right.
    let (mut scanned, mut opened) = (0usize, false);
    for ph in placeholder_spans(body) {
        let between = &body[scanned..ph.start];
        let fresh = match between.rfind('\n') {
            Some(nl) => {
                // An address may start on the line after `(` or `]:`.
                opened = between[..nl].trim_end().ends_with(['(', ':']);
                &between[nl + 1..]
            }
            None => between,
        };
        opened = opened || fresh.contains(['(', '<']) || fresh.contains("]:");
        scanned = ph.end;
        if opened && maskable(&body[ph.start + 2..ph.end - 2]) {
            wanted.push(ph.start + 2..ph.end - 2);
        }
    }
    if wanted.is_empty() {
        return (Cow::Borrowed(body), None);
    }
    // A filler absent from the prose, else absent from every placeholder's inside.
    let inside = |f: u8| placeholder_spans(body).any(|ph| body.as_bytes()[ph].contains(&f));
    let filler = FILLERS
        .iter()
        .copied()
        .find(|f| !body.as_bytes().contains(f))
        .or_else(|| FILLERS.iter().copied().find(|f| !inside(*f)));
    let Some(filler) = filler else {
        return (Cow::Borrowed(body), None);
    };
    let mut bytes = body.as_bytes().to_vec();
    for r in wanted {
        for b in &mut bytes[r] {
            if *b == b' ' {
                *b = filler;
            }
        }
    }
    // Only ASCII spaces were replaced by ASCII bytes: still UTF-8.
    match String::from_utf8(bytes) {
        Ok(s) => (Cow::Owned(s), Some(filler)),
        Err(_) => (Cow::Borrowed(body), None),
    }
}

/// A text with the spaces of its masked placeholders back (see [`mask`]).
fn unmask(text: &str, filler: u8) -> Option<String> {
    let f = char::from(filler);
    if !text.contains("{{") || !text.contains(f) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for ph in placeholder_spans(text) {
        let inner = &text[ph.start + 2..ph.end - 2];
        if inner.contains(f)
            && inner
                .chars()
                .all(|c| c == f || c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            out.push_str(&text[last..ph.start + 2]);
            out.extend(inner.chars().map(|c| if c == f { ' ' } else { c }));
            last = ph.end - 2;
        }
    }
    if last == 0 {
        return None;
    }
    out.push_str(&text[last..]);
    Some(out)
}

/// A string of an event with the spaces of its masked placeholders back.
fn unmasked(s: CowStr<'_>, filler: u8) -> CowStr<'_> {
    match unmask(&s, filler) {
        Some(t) => CowStr::from(t),
        None => s,
    }
}

/// Where an address written at the start of `text` ends: at a space or a `)`, the spaces
/// inside a `{{ … }}` aside.
fn address_end(text: &str) -> usize {
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        if text[i..].starts_with("{{") {
            if let Some(j) = text[i + 2..].find("}}") {
                i += 2 + j + 2;
                continue;
            }
        }
        if c.is_whitespace() || c == ')' {
            return i;
        }
        i += c.len_utf8();
    }
    text.len()
}

/// An event with the spaces of its masked placeholders back (see [`mask`]).
fn unmask_event(event: Event<'_>, filler: u8) -> Event<'_> {
    let back = |s| unmasked(s, filler);
    match event {
        Event::Text(t) => Event::Text(back(t)),
        Event::Code(t) => Event::Code(back(t)),
        Event::Html(t) => Event::Html(back(t)),
        Event::InlineHtml(t) => Event::InlineHtml(back(t)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: back(dest_url),
            title: back(title),
            id: back(id),
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: back(dest_url),
            title: back(title),
            id: back(id),
        }),
        Event::Start(Tag::CodeBlock(pulldown_cmark::CodeBlockKind::Fenced(info))) => Event::Start(
            Tag::CodeBlock(pulldown_cmark::CodeBlockKind::Fenced(back(info))),
        ),
        other => other,
    }
}

/// The parser's events with consecutive texts merged (pulldown-cmark may split text around
/// `{` and `}`), read as they come: a document is never held whole as events.
struct Events<'a, I: Iterator<Item = (Event<'a>, Range<usize>)>> {
    inner: I,
    pending: Option<(Event<'a>, Range<usize>)>,
    ahead: VecDeque<(Event<'a>, Range<usize>)>,
    /// The filler of the placeholders [`mask`] changed, to give them their spaces back.
    filler: Option<u8>,
}

impl<'a, I: Iterator<Item = (Event<'a>, Range<usize>)>> Events<'a, I> {
    fn new(inner: I, filler: Option<u8>) -> Self {
        Events {
            inner,
            pending: None,
            ahead: VecDeque::new(),
            filler,
        }
    }

    fn merged(&mut self) -> Option<(Event<'a>, Range<usize>)> {
        let (event, range) = self.joined()?;
        Some(match self.filler {
            Some(f) => (unmask_event(event, f), range),
            None => (event, range),
        })
    }

    fn joined(&mut self) -> Option<(Event<'a>, Range<usize>)> {
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

/// A `[text][label]` whose label nothing defines: where it is, and the label.
type BrokenReference = (Range<usize>, String);

/// Where each reference definition (`[label]: address`) is, by its label (see [`label_key`]).
type Definitions = HashMap<String, Range<usize>>;

/// A reference label as Markdown matches it: case and runs of spaces do not count.
fn label_key(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
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
    /// The sanitizer, set up for this document.
    cleaning: Cleaning,
    /// Whether plain blocks are sanitized together (see [`Renderer::block`]); `false`
    /// sanitizes each block alone, to check that both give the same bytes.
    batch: bool,
    /// The HTML of plain blocks waiting to be sanitized together.
    pending: String,
    /// How many tags (`<`) `pending` holds.
    pending_tags: usize,
    /// The anchors of the headings in `pending`, which are the only ids it holds.
    pending_ids: Vec<String>,
    /// The links met so far.
    links: Vec<Link>,
    /// The address of each reference definition already filled, by where it starts: a
    /// definition used by several links is reported once.
    filled: HashMap<usize, String>,
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
            Diagnostic::error(
                Code::UnknownPlaceholder,
                format!("unknown placeholder `{{{{ {name} }}}}`"),
            )
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
                    self.not_alone(raw, span)
                }
                words => self.unknown(span, words, "unknown name"),
            }
        }
        out.push_str(&text[last..]);
        out
    }

    /// Warns about link syntax that the page would show as written: `[text](address` never
    /// closed or with a space in its address, `<https://…` never closed, `<{{ email }}>`.
    /// `range` is a text of the prose, outside code.
    fn loose_link(&mut self, range: &Range<usize>) {
        let body = &self.src.text[self.src.offset..];
        let Some(slice) = body.get(range.clone()) else {
            return;
        };
        if !slice.contains("](") && !slice.contains('<') {
            return;
        }
        let escaped = |i: usize| {
            slice.as_bytes()[..i]
                .iter()
                .rev()
                .take_while(|b| **b == b'\\')
                .count()
                % 2
                == 1
        };
        // Where the line ends, looking no further than a long address: a text full of `](`
        // is read in linear time.
        let line_end = |from: usize| {
            let mut cap = (from + 2048).min(slice.len());
            while !slice.is_char_boundary(cap) {
                cap -= 1;
            }
            slice[from..cap].find('\n').map_or(cap, |j| from + j)
        };
        let mut found: Vec<(usize, usize, &str, &str, &str)> = Vec::new();
        for (i, _) in slice.match_indices("](").filter(|(i, _)| !escaped(*i)) {
            let from = i + 2;
            let end = line_end(from);
            let address = &slice[from..end];
            // An address ends at a space or a `)`, as Markdown reads it (a placeholder's
            // spaces aside).
            let stop = address_end(address);
            let after = address[stop..].trim_start();
            let closing = after.find(')').filter(|j| !after[..*j].contains('['));
            let (message, label, help, to) = if address[stop..].starts_with(')')
                || after.starts_with(['"', '\'', '('])
            {
                (
                    "this is not a link",
                    "not a link",
                    "a link is written `[text](address)`, or `[text](address \"title\")`",
                    from + stop + 1,
                )
            } else if let Some(j) = closing.filter(|_| stop < address.len()) {
                (
                    "this link's address holds a space, so it is not a link",
                    "a space in the address",
                    "write a space in an address as `%20`, or put the address between `<` and `>`: `[text](<address>)`",
                    end - after.len() + j + 1,
                )
            } else {
                (
                    "this link is not closed: its `)` is missing",
                    "not closed",
                    "end the address with `)`: `[text](https://example.org/page)`",
                    from + stop,
                )
            };
            found.push((i, to.min(end), message, label, help));
        }
        for (i, _) in slice.match_indices('<').filter(|(i, _)| !escaped(*i)) {
            let rest = &slice[i + 1..];
            let lower = rest.get(..8).unwrap_or(rest).to_ascii_lowercase();
            let end = line_end(i);
            let closed = slice[i..end].find('>').map(|j| i + j + 1);
            if ["http://", "https://", "mailto:"]
                .iter()
                .any(|p| lower.starts_with(p))
            {
                let (message, label) = match closed {
                    None => (
                        "this autolink is not closed: its `>` is missing",
                        "not closed",
                    ),
                    Some(_) => (
                        "this autolink holds a space, so it is not a link",
                        "a space in the address",
                    ),
                };
                let open_end = slice[i..end]
                    .find(char::is_whitespace)
                    .map_or(end, |j| i + j);
                found.push((
                    i,
                    closed.unwrap_or(open_end),
                    message,
                    label,
                    "write the address between `<` and `>` without spaces (a space is `%20`): `<https://example.org/page>`",
                ));
            } else if rest.starts_with("{{") && closed.is_some_and(|c| slice[..c].ends_with("}}>"))
            {
                found.push((
                    i,
                    closed.unwrap_or(end),
                    "this is not a link: an address between `<` and `>` starts with its scheme",
                    "no `mailto:` or `https://`",
                    "write `<mailto:{{ name }}>` for an e-mail address, `<https://{{ name }}>` for a web address",
                ));
            }
        }
        for (start, end, message, label, help) in found {
            let span = self.src.offset + range.start + start..self.src.offset + range.start + end;
            self.diags.push(
                Diagnostic::warning(Code::MalformedAutolink, message)
                    .at(self.src.file, span, label)
                    .help(help),
            );
        }
    }

    /// Warns about `[text][label]` whose label no `[label]: …` defines (`span` in the prose).
    fn undefined_reference(&mut self, span: Range<usize>, label: &str) {
        let body = &self.src.text[self.src.offset..];
        // The span of `[text][]` leaves out its `[]`.
        let end = if body[span.end.min(body.len())..].starts_with("[]") {
            span.end + 2
        } else {
            span.end
        };
        let written = body.get(span.start..end).unwrap_or("");
        let span = self.src.offset + span.start..self.src.offset + end;
        self.diags.push(
            Diagnostic::warning(Code::UndefinedReference, format!(
                "the link `{written}` refers to `[{label}]`, which this document does not define"
            ))
            .at(self.src.file, span, "undefined reference")
            .help(format!(
                "define it on a line of its own, such as `[{label}]: https://example.org/page`, or write the address in the link: `[text](address)`"
            )),
        );
    }

    /// Reports a section placeholder inside other text.
    fn not_alone(&mut self, raw: &str, span: Range<usize>) {
        self.diags.push(
            Diagnostic::error(
                Code::SectionNotAlone,
                format!("`{raw}` must be alone in its paragraph"),
            )
            .at(self.src.file, span, "inside other text")
            .help("put it on a line of its own, with an empty line before and after"),
        );
    }

    /// A link's address and title with their placeholders filled, and the address a
    /// document's file name leads to; the link is kept for the checks across pages.
    fn link(
        &mut self,
        kind: LinkType,
        dest: &str,
        title: &str,
        id: &str,
        range: &Range<usize>,
        defs: &Definitions,
    ) -> (String, String) {
        let defined = match kind {
            LinkType::Reference | LinkType::Collapsed | LinkType::Shortcut => {
                defs.get(&label_key(id)).cloned()
            }
            _ => None,
        };
        let window = defined.clone().unwrap_or_else(|| range.clone());
        let opener = match kind {
            LinkType::Inline => "](",
            LinkType::Autolink | LinkType::Email => "<",
            _ => "]:",
        };
        let at = self.written_at(&window, opener, dest);
        let written = match defined.as_ref().and_then(|d| self.filled.get(&d.start)) {
            Some(done) => done.clone(),
            None => {
                let filled = self.fill_address(dest, &window, at);
                if let Some(d) = &defined {
                    self.filled.insert(d.start, filled.clone());
                }
                filled
            }
        };
        let title = if title.contains("{{") {
            self.substitute(title, &window)
        } else {
            title.to_string()
        };
        let href = self
            .by_file_name(&written)
            .unwrap_or_else(|| written.clone());
        let span = match at {
            Some(a) if !dest.is_empty() => a..a + dest.len(),
            _ => window,
        };
        self.links.push(Link {
            written,
            href: href.clone(),
            span: self.src.offset + span.start..self.src.offset + span.end,
        });
        (href, title)
    }

    /// Where `dest` is written verbatim in `window` of the prose, after the last `opener`
    /// (`](`, `]:`, `<`) that spaces and a `<` separate from it; `None` when it is written
    /// otherwise (with escapes or entities).
    fn written_at(&self, window: &Range<usize>, opener: &str, dest: &str) -> Option<usize> {
        let body = &self.src.text[self.src.offset..];
        let slice = body.get(window.clone())?;
        slice.rmatch_indices(opener).find_map(|(i, _)| {
            let after = &slice[i + opener.len()..];
            let trimmed = after.trim_start_matches([' ', '\t', '\n', '\r']);
            let trimmed = if opener == "<" {
                trimmed
            } else {
                trimmed.strip_prefix('<').unwrap_or(trimmed)
            };
            trimmed
                .starts_with(dest)
                .then(|| window.start + i + opener.len() + (after.len() - trimmed.len()))
        })
    }

    /// An address with its placeholders filled, each value encoded for the part of the
    /// address it lands in (see [`address`]); `at` is where the address is written in the
    /// prose, if it is written verbatim.
    fn fill_address(&mut self, dest: &str, window: &Range<usize>, at: Option<usize>) -> String {
        if !dest.contains("{{") {
            return dest.to_string();
        }
        let phs = find_placeholders(dest);
        if phs.is_empty() {
            return dest.to_string();
        }
        let mut out = String::new();
        let mut last = 0;
        let mut failed = false;
        for ph in &phs {
            out.push_str(&dest[last..ph.start]);
            last = ph.end;
            let raw = &dest[ph.start..ph.end];
            let span = match at {
                Some(a) => {
                    let start = self.src.offset + a + ph.start;
                    start..start + raw.len()
                }
                None => self.locate(window, raw),
            };
            let value = match ph.words.as_slice() {
                [name] => self
                    .names
                    .params
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.get(self.src.locale)),
                _ => None,
            };
            match (ph.words.as_slice(), value) {
                ([name], Some(value)) => {
                    let placed = address::part_at(&out)
                        .ok_or(Invalid::Unplaceable)
                        .and_then(|part| address::place(value, part, &out, &dest[ph.end..]));
                    match placed {
                        Ok(v) => out.push_str(&v),
                        Err(e) => {
                            failed = true;
                            self.diags.push(
                                Diagnostic::error(
                                    Code::PlaceholderBreaksAddress,
                                    format!("`{raw}` cannot form a valid address: {e}"),
                                )
                                .at(self.src.file, span, "in this address")
                                .help(e.help(name)),
                            );
                        }
                    }
                }
                (["definitions"] | ["cookies"] | ["cookies", _], _) => {
                    failed = true;
                    self.not_alone(raw, span);
                }
                (words, _) => {
                    failed = true;
                    self.unknown(span, words, "unknown name");
                }
            }
        }
        out.push_str(&dest[last..]);
        if !failed {
            if let Err(e) = address::check(&out) {
                let span = match at {
                    Some(a) => self.src.offset + a..self.src.offset + a + dest.len(),
                    None => self.src.offset + window.start..self.src.offset + window.end,
                };
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidLinkAddress,
                        format!("this address is not valid once its placeholders are filled: {e}"),
                    )
                    .at(self.src.file, span, "this address")
                    .help("a link leads to an http(s) or mailto address, or to a page of the site"),
                );
            }
        }
        out
    }

    /// The page of a document named by its file name (`contact.md`, `./contact.md#x`), as
    /// a link from this page; `None` for any other address.
    fn by_file_name(&self, address: &str) -> Option<String> {
        document_href(address, self.names.documents, self.src.locale)
    }

    /// Keeps the `href` of each `<a>` that raw HTML writes, with where it is written, for
    /// the checks across pages.
    fn raw_links(&mut self, html: &str, range: &Range<usize>) {
        let mentions = html
            .as_bytes()
            .windows(4)
            .any(|w| w.eq_ignore_ascii_case(b"href"));
        if !mentions {
            return;
        }
        let body = &self.src.text[self.src.offset..];
        let slice = body.get(range.clone()).unwrap_or("");
        let mut from = 0;
        for e in dom::elements(html, true)
            .into_iter()
            .filter(|e| e.name == "a")
        {
            let Some((_, value)) = e.attrs.into_iter().find(|(n, _)| n == "href") else {
                continue;
            };
            if !is_allowed_url(&value) {
                continue;
            }
            let span = match slice[from..]
                .find(value.as_str())
                .filter(|_| !value.is_empty())
            {
                Some(i) => {
                    from += i + value.len();
                    let start = self.src.offset + range.start + from - value.len();
                    start..start + value.len()
                }
                None => self.line_span(range),
            };
            let href = self.by_file_name(&value).unwrap_or_else(|| value.clone());
            self.links.push(Link {
                written: value,
                href,
                span,
            });
        }
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
                        Diagnostic::error(Code::NoController, "`{{ controller }}` has nothing to show: site.toml has no `[controller]`")
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
                        Diagnostic::warning(Code::NoTransfers, "`{{ transfers }}` shows nothing: no provider has a `country` outside the EEA")
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
                        Diagnostic::error(
                            Code::UnknownCategory,
                            format!("unknown category `{id}` in `{t}`"),
                        )
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
                        Diagnostic::error(Code::AnchorPinnedTwice, format!("two headings pin the anchor `#{id}`"))
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
            Diagnostic::error(Code::PageIdTaken, format!("`{id}` is already {whose}"))
                .at(self.src.file, span, label)
                .help(format!(
                    "an id names one element of the page: choose another; the page uses {}, each category's id and `def-` followed by each definition's id",
                    PAGE_IDS.map(|p| format!("`{p}`")).join(", ")
                )),
        );
    }

    /// Checks the ids that raw HTML gave headings in a block: each must be new on the page.
    fn raw_ids(&mut self, generated: &[String], marks: &[Mark]) {
        let mut kept = self.cleaning.kept_ids();
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
                    Diagnostic::error(Code::DuplicateId, format!("the id `{id}` is used twice on the page"))
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
                    Diagnostic::error(
                        Code::PlaceholderInHtml,
                        format!("`{raw}` is inside raw HTML, where it is not replaced"),
                    )
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
            Diagnostic::error(Code::BlockTooLarge, format!("this block is too large: more than {what}"))
                .at(self.src.file, self.at(start), "the block starts here")
                .help(format!(
                    "Clause renders the prose a block at a time (a paragraph, list, table, quote or HTML block), in memory that grows with the block; a block may hold {} HTML tags and {} pieces of Markdown (elements, lines, runs of text): split this one into smaller blocks, separated by empty lines",
                    thousands(MAX_BLOCK_TAGS),
                    thousands(MAX_BLOCK_EVENTS)
                )),
        )
    }

    /// Sanitizes one top-level block into `out`; `Err` when its elements nest deeper
    /// than [`MAX_ELEMENT_DEPTH`], its parsing would reopen elements over and over, or it
    /// holds more than [`MAX_BLOCK_TAGS`].
    ///
    /// A `plain` block (no raw HTML, only what pulldown-cmark and the headings write) is
    /// held back and sanitized with the plain blocks that follow it, in one html5ever pass
    /// (see [`Renderer::flush_pending`]). Its HTML is well formed: every element it opens
    /// it closes, in order, so the parser ends it in the state it started it in (no open
    /// element, no active formatting element), and the next block is parsed, sanitized and
    /// serialized exactly as when alone. Raw HTML may leave elements open, which the
    /// sanitizer closes at the end of its block: such a block is sanitized alone.
    fn block(
        &mut self,
        events: Vec<(Event<'_>, Range<usize>, bool)>,
        generated: &[String],
        plain: bool,
        out: &mut String,
    ) -> Result<(), ErrorReported> {
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
                    dom::Excess::Depth => Diagnostic::error(Code::ElementsTooDeep, format!(
                        "elements nest more than {MAX_ELEMENT_DEPTH} levels deep"
                    ))
                    .at(self.src.file, self.at(offset), "nested too deep here")
                    .help(format!(
                        "Clause refuses nesting deeper than {MAX_ELEMENT_DEPTH} elements (raw HTML, and the lists, quotes, emphasis and links of the Markdown), which would make the build slow: close elements sooner, or flatten the structure"
                    )),
                    dom::Excess::Elements => Diagnostic::error(
                        Code::ReopenedElements,
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
        // A block written by pulldown-cmark ends with a line break: a carriage return at
        // the end of a block, whose meaning depends on what follows, is never held back.
        if plain && self.batch && html.ends_with('\n') && !html.ends_with("\r\n") {
            if self.pending.len() + html.len() > MAX_BATCH_BYTES
                || self.pending_tags + tags > MAX_BLOCK_TAGS
            {
                self.flush_pending(out);
            }
            self.pending.push_str(&html);
            self.pending_tags += tags;
            self.pending_ids.extend_from_slice(generated);
            return Ok(());
        }
        self.flush_pending(out);
        out.push_str(&self.cleaning.clean(&html));
        self.raw_ids(generated, &marks);
        Ok(())
    }

    /// Sanitizes the plain blocks held back (see [`Renderer::block`]) into `out`.
    fn flush_pending(&mut self, out: &mut String) {
        if self.pending.is_empty() {
            return;
        }
        out.push_str(&self.cleaning.clean(&self.pending));
        // The only ids of plain blocks are the headings' anchors, which `alloc_id` and
        // `pin` made unique (letters, digits and `-`, kept as written): nothing for
        // `raw_ids` to check.
        let kept = self.cleaning.kept_ids();
        debug_assert_eq!(kept, self.pending_ids, "ids of plain blocks");
        self.pending.clear();
        self.pending_tags = 0;
        self.pending_ids.clear();
    }
}

/// Renders a document's prose. Sections are appended after the prose when it has no
/// section placeholder at all.
pub fn render(src: &Source, names: &Names, diags: &mut Diagnostics) -> Prose {
    render_with(src, names, diags, true)
}

/// [`render`], sanitizing each top-level block in an html5ever pass of its own as it did
/// before plain blocks were sanitized together: the fuzz targets check that both give the
/// same prose, ids, links and problems.
pub(crate) fn render_block_by_block(src: &Source, names: &Names, diags: &mut Diagnostics) -> Prose {
    render_with(src, names, diags, false)
}

/// [`render`]; `batch`: whether plain blocks are sanitized together.
fn render_with(src: &Source, names: &Names, diags: &mut Diagnostics, batch: bool) -> Prose {
    let body = &src.text[src.offset..];
    if let Some(at) = nesting_beyond(body, MAX_NESTING) {
        diags.push(
            Diagnostic::error(Code::NestedTooDeep, format!(
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
        return Prose::default();
    }
    let opts = Options::ENABLE_TABLES
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION;
    let mut r = Renderer {
        src,
        names,
        diags,
        used_ids: HashMap::new(),
        pinned: HashMap::new(),
        next_suffix: HashMap::new(),
        cleaning: Cleaning::new(names.documents, src.locale),
        batch,
        pending: String::new(),
        pending_tags: 0,
        pending_ids: Vec::new(),
        links: Vec::new(),
        filled: HashMap::new(),
    };
    r.find_pinned(body, opts);
    let (masked, filler) = mask(body);
    // `[text][label]` with no `[label]: …`: kept as text, and reported once the document
    // is read. A shortcut `[text]` is not: brackets in prose are seldom meant as links.
    let broken: Rc<RefCell<Vec<BrokenReference>>> = Rc::default();
    let sink = Rc::clone(&broken);
    let callback = move |b: BrokenLink<'_>| -> Option<(CowStr<'_>, CowStr<'_>)> {
        if matches!(b.link_type, LinkType::Reference | LinkType::Collapsed) {
            sink.borrow_mut().push((b.span, b.reference.to_string()));
        }
        None
    };
    let parser = Parser::new_with_broken_link_callback(&masked, opts, Some(callback));
    let defs: Definitions = parser
        .reference_definitions()
        .iter()
        .map(|(label, d)| (label_key(label), d.span.clone()))
        .collect();
    let events = Events::new(parser.into_offset_iter(), filler);
    let blocks = prose_blocks(&mut r, events, &defs);
    let mut seen = HashSet::new();
    for (span, label) in broken.take() {
        if seen.insert(span.start) {
            r.undefined_reference(span, &label);
        }
    }
    let mut ids: Vec<String> = r.used_ids.into_keys().collect();
    ids.sort();
    Prose {
        blocks,
        links: r.links,
        ids,
    }
}

/// The blocks of the prose, from its events.
fn prose_blocks<'e, I: Iterator<Item = (Event<'e>, Range<usize>)>>(
    r: &mut Renderer,
    mut events: Events<'e, I>,
    defs: &Definitions,
) -> Vec<Block> {
    let (src, names) = (r.src, r.names);
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
    // Whether the current top-level block holds raw HTML (kept, sanitized).
    let mut raw_in_block = false;
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
                            Diagnostic::error(Code::SectionInList, format!("`{text}` cannot be inside a list or a quote"))
                                .at(src.file, span, "inside a list or a quote")
                                .help("put it at the start of a line, outside lists and quotes, with an empty line before and after"),
                        );
                        continue;
                    }
                    r.flush_pending(&mut html);
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
                        Event::Text(t) => {
                            r.loose_link(&er);
                            Event::Text(CowStr::from(r.substitute(&t, &er)))
                        }
                        Event::Start(Tag::Link {
                            link_type,
                            dest_url,
                            title,
                            id,
                        }) => {
                            let (dest, title) =
                                r.link(link_type, &dest_url, &title, &id, &er, defs);
                            Event::Start(Tag::Link {
                                link_type,
                                dest_url: CowStr::from(dest),
                                title: CowStr::from(title),
                                id,
                            })
                        }
                        Event::Html(h) | Event::InlineHtml(h) => {
                            r.raw_placeholders(&h, &er, &mut false);
                            if names.raw_html {
                                r.raw_links(&h, &er);
                                raw_in_block = true;
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
                r.loose_link(&range);
                let s = r.substitute(&t, &range);
                block_events.push((Event::Text(CowStr::from(s)), range, false));
            }
            Event::Html(h) => {
                r.raw_placeholders(&h, &range, &mut in_comment);
                let e = if names.raw_html {
                    r.raw_links(&h, &range);
                    raw_in_block = true;
                    Event::Html(h)
                } else {
                    Event::Text(h)
                };
                block_events.push((e, range, names.raw_html));
            }
            Event::InlineHtml(h) => {
                r.raw_placeholders(&h, &range, &mut false);
                let e = if names.raw_html {
                    r.raw_links(&h, &range);
                    raw_in_block = true;
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
                let (dest, title) = r.link(link_type, &dest_url, &title, &id, &range, defs);
                block_events.push((
                    Event::Start(Tag::Link {
                        link_type,
                        dest_url: CowStr::from(dest),
                        title: CowStr::from(title),
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
            let plain = !std::mem::take(&mut raw_in_block);
            let events = std::mem::take(&mut block_events);
            if r.block(events, &generated, plain, &mut html).is_err() {
                return Vec::new();
            }
            generated.clear();
        }
    }
    r.flush_pending(&mut html);
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

/// A document in one locale, with its prose rendered.
#[derive(Debug)]
pub struct Page {
    /// Front matter and identity.
    pub doc: crate::content::Document,
    /// Prose and generated sections, in order.
    pub blocks: Vec<Block>,
    /// The prose's links, checked once every page is rendered.
    pub links: Vec<Link>,
    /// The ids the prose gives elements of the page (headings, raw HTML).
    pub ids: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Sources;

    fn run(md: &str) -> (Vec<Block>, Diagnostics) {
        let (prose, d) = prose(md);
        (prose.blocks, d)
    }

    fn prose(md: &str) -> (Prose, Diagnostics) {
        prose_with(md, true)
    }

    fn prose_with(md: &str, batch: bool) -> (Prose, Diagnostics) {
        let mut s = Sources::default();
        let file = s.add("cookies.md", md);
        let params = vec![
            (
                "platform_url".to_string(),
                Localized::Same("https://data.example.org".into()),
            ),
            (
                "dpo_email".to_string(),
                Localized::Same("dpo@example.org".into()),
            ),
            (
                "host".to_string(),
                Localized::Same("Data.Example.org".into()),
            ),
            ("folder".to_string(), Localized::Same("a b/c".into())),
        ];
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
            documents: &Arc::new(["cookies", "contact"].map(String::from).into()),
        };
        let src = Source {
            text: md,
            offset: 0,
            file,
            locale: "en",
        };
        let mut d = Diagnostics::default();
        (render_with(&src, &names, &mut d, batch), d)
    }

    #[test]
    fn plain_blocks_sanitized_together_give_the_same_bytes() {
        let docs = [
            "# Title\n\nSome *text* & more, \"quoted\" <b>bold</b>\n\n## Again {#pinned}\n\n- a\n- **b**\n\n> quote\n\n```\ncode <x> & y\n```\n\n| a | b |\n|:-:|---|\n| 1 | [l](contact.md#x) |\n\n---\n\n1. one\n2. two\n",
            "Windows\r\nlines\r\n\r\n```\r\ncode\r\n```\r\n\r\n# H\r\n\r\ntext\r",
            "Old Mac\rlines\r\r# H\r\rtext\r",
            "<div>\nleft open\n\nnext paragraph\n\n<b>bold left open\n\nplain *again*\n\n# Heading\n",
            "Text <em>inline\n\nplain\n\n<table><tr><td>cell\n\nafter the table\n",
            "<h2 id=\"raw\">raw</h2>\n\n# Raw\n\n<h3 id=\"raw\">again</h3>\n\ntext\n",
            "NO-HTML <div>shown as text\n\n<script>alert(1)</script>\n\n# H <b>x</b>\n\nend &amp; &copy; \u{a0}\n",
            "[a [b](x)](y) <http://a.example> [c](javascript:alert(1))\n\n![img](x.png)\n\n~~del~~\n",
            "* a\n\n  * b\n\n    > c\n    > ```\n    > d\n    > ```\n\n{{ cookies }}\n\nafter *the* section\n\n# Last\n",
            "",
        ];
        for md in docs {
            let (together, d1) = prose_with(md, true);
            let (alone, d2) = prose_with(md, false);
            assert_eq!(together.blocks, alone.blocks, "{md:?}");
            assert_eq!(together.ids, alone.ids, "{md:?}");
            assert_eq!(together.links, alone.links, "{md:?}");
            let all = |d: &Diagnostics| d.iter().map(|x| format!("{x:?}")).collect::<Vec<_>>();
            assert_eq!(all(&d1), all(&d2), "{md:?}");
        }
        // Many plain blocks are still sanitized a part at a time: the same bytes past the
        // size of one part.
        let long =
            "A paragraph of plain text, *emphasis* & [a link](contact.md).\n\n".repeat(3_000);
        assert!(long.len() > 2 * MAX_BATCH_BYTES);
        assert_eq!(
            prose_with(&long, true).0.blocks,
            prose_with(&long, false).0.blocks
        );
    }

    #[test]
    fn the_sanitizer_forgets_each_document_once_rendered() {
        let (p, _) = prose("<h2 id=\"kept\">x</h2>\n\n[c](contact.md)\n");
        assert_eq!(p.ids, ["kept"]);
        assert!(CONTEXT.with_borrow(Option::is_none));
        // A document rendered inside another's rendering leaves the first one's context.
        let outer = Cleaning::new(&Arc::new(HashSet::from(["a".to_string()])), "fr");
        let (p, _) = prose("<a href=\"a.md\">a</a> <a href=\"contact.md\">c</a>\n");
        let html = html_of(&p.blocks);
        assert!(html.contains("href=\"a.md\""), "{html}");
        assert!(html.contains(&format!("href=\"{}\"", layout::page_href("en", "contact"))));
        assert_eq!(
            CONTEXT.with_borrow(|c| c.as_ref().map(|c| c.locale.clone())),
            Some("fr".to_string())
        );
        drop(outer);
        assert!(CONTEXT.with_borrow(Option::is_none));
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

    fn hrefs(html: &str) -> Vec<String> {
        dom::elements(html, true)
            .into_iter()
            .filter(|e| e.name == "a")
            .filter_map(|e| {
                e.attrs
                    .into_iter()
                    .find(|(n, _)| n == "href")
                    .map(|(_, v)| v)
            })
            .collect()
    }

    #[test]
    fn placeholders_with_spaces_work_in_every_link_form() {
        let md = "[{{ dpo_email }}](mailto:{{ dpo_email }}) <mailto:{{ dpo_email }}> \
                  [site](https://{{ host }}/x) [f](https://{{ host }}/{{ folder }}?q={{ folder }}#{{ folder }}) \
                  [ref][r] [home]( {{ platform_url }}/explore \"{{ host }}\")\n\n\
                  ## See [{{ host }}](https://{{ host }}/)\n\n\
                  [r]:\n  https://{{ host }}/ref\n";
        let (prose, d) = prose(md);
        assert!(d.is_empty(), "{d:?}");
        let html = html_of(&prose.blocks);
        assert_eq!(
            hrefs(&html),
            [
                "mailto:dpo@example.org",
                "mailto:dpo@example.org",
                "https://data.example.org/x",
                "https://data.example.org/a%20b%2Fc?q=a%20b%2Fc#a%20b%2Fc",
                "https://data.example.org/ref",
                "https://data.example.org/explore",
                "https://data.example.org/",
            ]
        );
        assert!(html.contains(">dpo@example.org</a>"), "{html}");
        assert!(html.contains(">mailto:dpo@example.org</a>"), "{html}");
        assert!(html.contains("title=\"Data.Example.org\""), "{html}");
        assert!(!html.contains("{{"), "{html}");
        // Each link is kept with where its address is written.
        let written: Vec<&str> = prose.links.iter().map(|l| &md[l.span.clone()]).collect();
        assert_eq!(
            written,
            [
                "mailto:{{ dpo_email }}",
                "mailto:{{ dpo_email }}",
                "https://{{ host }}/x",
                "https://{{ host }}/{{ folder }}?q={{ folder }}#{{ folder }}",
                "https://{{ host }}/ref",
                "{{ platform_url }}/explore",
                "https://{{ host }}/",
            ]
        );
    }

    #[test]
    fn masked_placeholders_are_given_back_their_spaces() {
        // In code, in raw HTML and in text, a placeholder reads as written.
        let md = "`(<{{ host }}>)` and (see {{ host }})\n\n```\n({{ host }})\n```\n\n\
                  <div>({{ host }})</div>\n";
        let (blocks, d) = run(md);
        assert_eq!(
            messages(&d),
            ["`{{ host }}` is inside raw HTML, where it is not replaced"]
        );
        let html = html_of(&blocks);
        assert!(html.contains("<code>(&lt;{{ host }}&gt;)</code>"), "{html}");
        assert!(html.contains("(see Data.Example.org)"), "{html}");
        assert!(html.contains("<code>({{ host }})\n</code>"), "{html}");
        // A filler byte that the prose holds is not used: another one is.
        let (blocks, d) = run("^ = [a](https://{{ host }}/) (^{{x^y}}=)\n");
        assert_eq!(messages(&d), ["unknown placeholder `{{ x^y }}`"]);
        assert_eq!(hrefs(&html_of(&blocks)), ["https://data.example.org/"]);
    }

    #[test]
    fn a_document_named_by_its_file_name_is_linked_in_the_same_language() {
        let (prose, d) = prose(
            "[c](contact.md) [n](./cookies.md#necessary) [x](other.md) [d](docs/contact.md)\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(
            hrefs(&html_of(&prose.blocks)),
            [
                "../../en/contact/index.html",
                "../../en/cookies/index.html#necessary",
                "other.md",
                "docs/contact.md"
            ]
        );
        let written: Vec<&str> = prose.links.iter().map(|l| l.written.as_str()).collect();
        assert_eq!(
            written,
            [
                "contact.md",
                "./cookies.md#necessary",
                "other.md",
                "docs/contact.md"
            ]
        );
    }

    #[test]
    fn links_of_raw_html_are_kept_and_may_name_a_document() {
        let md = "<p>See <a href=\"contact.md#form\">contact</a> and <a href=\"#nope\">x</a>.</p>\n\n\
                  Inline <a href=\"./cookies.md\">too</a>, not <a href=\"javascript:x\">this</a>.\n";
        let (prose, d) = prose(md);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(
            hrefs(&html_of(&prose.blocks)),
            [
                "../../en/contact/index.html#form",
                "#nope",
                "../../en/cookies/index.html"
            ]
        );
        let kept: Vec<(&str, &str)> = prose
            .links
            .iter()
            .map(|l| (l.written.as_str(), &md[l.span.clone()]))
            .collect();
        assert_eq!(
            kept,
            [
                ("contact.md#form", "contact.md#form"),
                ("#nope", "#nope"),
                ("./cookies.md", "./cookies.md")
            ]
        );
    }

    #[test]
    fn a_value_that_cannot_form_an_address_is_an_error_at_its_placeholder() {
        let md =
            "[a](mailto:{{ folder }}) [b](https://{{ folder }}/) [c](https://x.org:{{ host }}/)\n";
        let (_, d) = run(md);
        let all: Vec<&Diagnostic> = d.iter().collect();
        assert_eq!(
            messages(&d),
            [
                "`{{ folder }}` cannot form a valid address: `a b/c` is not an e-mail address",
                "`{{ folder }}` cannot form a valid address: `a b/c` is not a host name",
                "`{{ host }}` cannot form a valid address: a value cannot stand in the scheme or the port of an address",
            ]
        );
        let at: Vec<usize> = all
            .iter()
            .map(|x| x.primary.as_ref().expect("located").span.start)
            .collect();
        assert_eq!(
            at,
            [
                md.find("{{ folder }}").expect("there"),
                md.rfind("{{ folder }}").expect("there"),
                md.find("{{ host }}").expect("there"),
            ]
        );
        assert!(all.iter().all(|x| x.help.is_some()));
    }

    #[test]
    fn link_syntax_left_open_and_undefined_references_are_warnings() {
        let md = "[a](https://x.org/page and [b](https://x.org/a b) [ok](#x) \\](not)\n\n\
                  <https://x.org/open and `[c](d` and [t][missing] [u][] [shortcut]\n";
        let (_, d) = run(md);
        let all: Vec<&Diagnostic> = d.iter().collect();
        assert!(all
            .iter()
            .all(|x| x.severity == crate::diagnostics::Severity::Warning));
        assert_eq!(
            messages(&d),
            [
                "this link is not closed: its `)` is missing",
                "this link's address holds a space, so it is not a link",
                "this autolink is not closed: its `>` is missing",
                "the link `[t][missing]` refers to `[missing]`, which this document does not define",
                "the link `[u][]` refers to `[u]`, which this document does not define",
            ]
        );
        let spans: Vec<&str> = all.iter().flat_map(|x| labelled(md, x)).collect();
        assert_eq!(
            spans,
            [
                "](https://x.org/page",
                "](https://x.org/a b)",
                "<https://x.org/open",
                "[t][missing]",
                "[u][]"
            ]
        );
    }
}
