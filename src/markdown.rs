//! Prose: Markdown to HTML, with `{{ … }}` placeholders, stable heading anchors and the
//! headings collected for the table of contents.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::decode::Localized;
use crate::diagnostics::{suggest, Diagnostic, Diagnostics, FileId};

/// A generated section that a placeholder (or the default layout) puts in the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section {
    /// The glossary, as a `<dl>`.
    Definitions,
    /// Every category (`None`) or one category's table.
    Cookies(Option<String>),
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

/// The sanitizer every prose block goes through: no script, no event handler, no style,
/// no iframe or image (nothing may load from another host), links only to http(s), mailto
/// and addresses relative to the page.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
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
        .clean_content_tags(["script", "style"].into_iter().collect());
    b
});

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

/// Merges consecutive text events, which pulldown-cmark may split around `{` and `}`.
fn coalesce(
    events: Vec<(Event<'_>, std::ops::Range<usize>)>,
) -> Vec<(Event<'_>, std::ops::Range<usize>)> {
    let mut out: Vec<(Event, std::ops::Range<usize>)> = Vec::with_capacity(events.len());
    for (e, r) in events {
        if let (Event::Text(t), Some((Event::Text(prev), pr))) = (&e, out.last_mut()) {
            let mut s = prev.to_string();
            s.push_str(t);
            *prev = CowStr::from(s);
            pr.end = r.end;
            continue;
        }
        out.push((e, r));
    }
    out
}

struct Renderer<'a, 'd> {
    src: &'a Source<'a>,
    names: &'a Names<'a>,
    diags: &'d mut Diagnostics,
    used_ids: HashSet<String>,
    next_suffix: HashMap<String, usize>,
}

impl Renderer<'_, '_> {
    /// Where a placeholder is in the file: found again in the source slice of its event.
    fn locate(&self, range: &std::ops::Range<usize>, ph: &str) -> std::ops::Range<usize> {
        let body = &self.src.text[self.src.offset..];
        let slice = body.get(range.clone()).unwrap_or("");
        let start = self.src.offset + range.start + slice.find(ph).unwrap_or(0);
        start..start + ph.len()
    }

    fn unknown(&mut self, span: std::ops::Range<usize>, words: &[&str], why: &str) {
        let mut candidates: Vec<String> = vec!["definitions".into(), "cookies".into()];
        candidates.extend(self.names.params.iter().map(|(k, _)| k.clone()));
        let name = words.join(" ");
        let help = match words.first().and_then(|w| suggest(w, candidates.iter().map(String::as_str))) {
            Some(s) if s != name => format!("did you mean `{{{{ {s} }}}}`?"),
            _ => format!(
                "to define it, add `{} = \"…\"` under `[params]` in site.toml; the built-in placeholders are {{{{ definitions }}}}, {{{{ cookies }}}} and {{{{ cookies <category> }}}}",
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
                ["definitions"] | ["cookies"] | ["cookies", _] => {
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

    fn alloc_id(&mut self, wanted: String) -> String {
        // Remember the next suffix per anchor, so that many equal headings stay linear.
        let mut n = self.next_suffix.get(&wanted).copied().unwrap_or(2);
        let mut id = wanted.clone();
        while self.names.reserved.contains(&id) || self.used_ids.contains(&id) {
            id = format!("{wanted}-{n}");
            n += 1;
        }
        self.next_suffix.insert(wanted, n);
        self.used_ids.insert(id.clone());
        id
    }
}

/// Renders a document's prose. Sections are appended after the prose when it has no
/// section placeholder at all.
pub fn render(src: &Source, names: &Names, diags: &mut Diagnostics) -> Vec<Block> {
    let body = &src.text[src.offset..];
    let opts = Options::ENABLE_TABLES
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION;
    let events = coalesce(Parser::new_ext(body, opts).into_offset_iter().collect());
    let mut r = Renderer {
        src,
        names,
        diags,
        used_ids: HashSet::new(),
        next_suffix: HashMap::new(),
    };
    let mut blocks = Vec::new();
    let mut html_events: Vec<Event> = Vec::new();
    // Sanitized HTML of the top-level blocks seen since the last section.
    let mut html = String::new();
    let mut depth = 0usize;
    let mut headings = Vec::new();
    let mut last_level = 1u8;
    let mut in_code = false;
    let mut any_section = false;
    let mut i = 0;
    while i < events.len() {
        let (event, range) = &events[i];
        match event {
            Event::Start(Tag::Paragraph) => {
                if let (Some((Event::Text(t), tr)), Some((Event::End(TagEnd::Paragraph), _))) =
                    (events.get(i + 1), events.get(i + 2))
                {
                    if let Some(section) = r.section(t, tr) {
                        flush(&mut html, &mut headings, &mut blocks);
                        blocks.push(Block::Section {
                            section,
                            level: (last_level + 1).clamp(2, 6),
                            titled: false,
                        });
                        any_section = true;
                        i += 3;
                        continue;
                    }
                }
                html_events.push(event.clone());
            }
            Event::Start(Tag::Heading {
                level, id, classes, ..
            }) => {
                let level = level_number(*level);
                let explicit = id.clone();
                let _ = classes;
                let mut inner = Vec::new();
                let mut text = String::new();
                i += 1;
                while let Some((e, er)) = events.get(i) {
                    if matches!(e, Event::End(TagEnd::Heading(_))) {
                        break;
                    }
                    let e = match e {
                        Event::Text(t) => Event::Text(CowStr::from(r.substitute(t, er))),
                        other => other.clone(),
                    };
                    if let Event::Text(t) | Event::Code(t) = &e {
                        text.push_str(t);
                    }
                    inner.push(e);
                    i += 1;
                }
                let wanted = explicit.map_or_else(|| slugify(&text), |s| slugify(&s));
                let id = r.alloc_id(wanted);
                let mut inner_html = String::new();
                pulldown_cmark::html::push_html(&mut inner_html, inner.into_iter());
                html_events.push(Event::Html(CowStr::from(format!(
                    "<h{level} id=\"{id}\">{inner_html}</h{level}>\n"
                ))));
                headings.push(Heading {
                    level,
                    id,
                    text: text.trim().to_string(),
                });
                last_level = level;
            }
            Event::Start(Tag::CodeBlock(_)) => {
                in_code = true;
                html_events.push(event.clone());
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                html_events.push(event.clone());
            }
            Event::Text(t) if !in_code => {
                let s = r.substitute(t, range);
                html_events.push(Event::Text(CowStr::from(s)));
            }
            Event::Html(h) | Event::InlineHtml(h) if !names.raw_html => {
                html_events.push(Event::Text(h.clone()));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = r.substitute(dest_url, range);
                html_events.push(Event::Start(Tag::Link {
                    link_type: *link_type,
                    dest_url: CowStr::from(dest),
                    title: title.clone(),
                    id: id.clone(),
                }));
            }
            other => html_events.push(other.clone()),
        }
        // A heading was consumed up to its end above: it leaves the depth as it was.
        match event {
            Event::Start(Tag::Heading { .. }) => {}
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        // Sanitize one top-level block at a time: a huge document never becomes one huge DOM.
        if depth == 0 && !html_events.is_empty() {
            let mut chunk = String::new();
            pulldown_cmark::html::push_html(&mut chunk, html_events.drain(..));
            html.push_str(&SANITIZER.clean(&chunk).to_string());
        }
        i += 1;
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
        let reserved: HashSet<String> = ["necessary".to_string()].into_iter().collect();
        let names = Names {
            params: &params,
            categories: &["necessary", "statistics"],
            reserved: &reserved,
            raw_html: !md.contains("NO-HTML"),
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
        // No placeholder: definitions and cookies are appended with their own headings.
        assert_eq!(blocks.len(), 3);
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
}
