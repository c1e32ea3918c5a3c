//! The bodies of the fuzz targets (`fuzz/`), kept in the library so that `cargo test`
//! replays the seed corpus and every crash found (`fuzz/regressions/`) through the same code.

use std::collections::{BTreeMap, HashSet};

use crate::decode::Localized;
use crate::diagnostics::{self, Diagnostics, Format, Sources};
use crate::dom;
use crate::input::Input;
use crate::markdown::{self, Names, Source};

/// Elements of the default theme's pages, around the prose.
const THEME_TAGS: [&str; 33] = [
    "html", "head", "meta", "title", "link", "body", "header", "nav", "main", "section", "time",
    "ol", "ul", "li", "a", "p", "h1", "h2", "h3", "div", "span", "table", "caption", "thead",
    "tbody", "tr", "th", "td", "code", "br", "dl", "dt", "dd",
];

/// Attributes that make a browser fetch, submit or run something, whatever the element.
const LOADING_ATTRIBUTES: [&str; 15] = [
    "src",
    "srcset",
    "srcdoc",
    "data",
    "poster",
    "background",
    "action",
    "formaction",
    "manifest",
    "codebase",
    "archive",
    "classid",
    "lowsrc",
    "dynsrc",
    "ping",
];

/// Whether a link's address is one the README allows: http(s), mailto, or relative.
fn allowed_link(value: &str) -> bool {
    match url::Url::parse(value) {
        Ok(u) => ["http", "https", "mailto"].contains(&u.scheme()),
        Err(e) => e == url::ParseError::RelativeUrlWithoutBase,
    }
}

/// The oracle of the fuzz targets and property tests: parses HTML as a browser does
/// (html5ever) and returns the first thing the README says a page never holds: a script,
/// an event handler, a style, an element outside the prose's allowlist (plus, for a whole
/// page, the theme's own), an attribute that loads or submits, a `<meta http-equiv>`, a
/// stylesheet from another host, or an `href`/`cite` that is not http(s), mailto or
/// relative. `fragment`: prose HTML, parsed as the sanitizer parses it.
pub fn unsafe_html(html: &str, fragment: bool) -> Option<String> {
    for e in dom::elements(html, fragment) {
        let name = e.name.as_str();
        let allowed =
            markdown::ALLOWED_TAGS.contains(&name) || (!fragment && THEME_TAGS.contains(&name));
        if !allowed {
            return Some(format!("element `{name}`: {e:?}"));
        }
        for (attr, value) in &e.attrs {
            let a = attr.to_ascii_lowercase();
            if a.starts_with("on") || a == "style" || LOADING_ATTRIBUTES.contains(&a.as_str()) {
                return Some(format!("attribute `{attr}`: {e:?}"));
            }
            if a == "http-equiv" {
                return Some(format!("`<meta http-equiv>`: {e:?}"));
            }
            if (a == "href" || a == "cite" || a == "xlink:href") && !allowed_link(value) {
                return Some(format!("address `{value}`: {e:?}"));
            }
        }
        // A page loads its stylesheet; it must come from the site itself.
        let loads = e.attrs.iter().any(|(a, v)| {
            a == "rel"
                && v.split_ascii_whitespace()
                    .any(|r| r != "canonical" && r != "alternate")
        });
        if name == "link" && loads {
            let href = e
                .attrs
                .iter()
                .find(|(a, _)| a == "href")
                .map(|(_, v)| v.trim());
            let local = href.is_some_and(|h| {
                url::Url::parse(h) == Err(url::ParseError::RelativeUrlWithoutBase)
                    && !h.starts_with("//")
                    && !h.starts_with("\\\\")
            });
            if !local {
                return Some(format!("a stylesheet from elsewhere: {e:?}"));
            }
        }
    }
    None
}

/// The inventory loader on arbitrary bytes, then every diagnostic rendered.
pub fn inventory(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = Sources::default();
    let file = sources.add("content/cookies.toml", text);
    let mut diags = Diagnostics::default();
    let locales = vec!["en".to_string(), "fr".to_string()];
    let _ = crate::inventory::load(text, file, &locales, &mut diags);
    // Rendering every diagnostic checks every span against the source.
    let _ = diagnostics::report(&sources, &diags, Format::Human);
    let _ = diagnostics::report(&sources, &diags, Format::Json);
}

/// Front matter, placeholders and prose on arbitrary bytes.
pub fn document(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = Sources::default();
    let file = sources.add("content/en/cookies.md", text);
    let mut diags = Diagnostics::default();
    let offset = crate::content::parse_document(text, file, "en", "cookies", &mut diags)
        .map_or(0, |d| d.body_offset);
    let params = vec![("site".to_string(), Localized::Same("<b>&</b>".to_string()))];
    let reserved: HashSet<String> = ["necessary".to_string()].into_iter().collect();
    for raw_html in [true, false] {
        let names = Names {
            params: &params,
            categories: &["necessary", "stats"],
            reserved: &reserved,
            raw_html,
        };
        let src = Source {
            text,
            offset,
            file,
            locale: "en",
        };
        for block in markdown::render(&src, &names, &mut diags) {
            if let markdown::Block::Html { html, .. } = block {
                if let Some(why) = unsafe_html(&html, true) {
                    panic!("{why} survived in {html}");
                }
            }
        }
    }
    let _ = diagnostics::report(&sources, &diags, Format::Human);
}

/// How large a document [`nesting`] builds: enough for quadratic work to take minutes, small
/// enough for linear work to take well under the time limit per input, sanitizers on.
const NESTING_MAX_DOCUMENT: usize = 1 << 16;

/// Prose with structure repeated from a few bytes: the input is read as pieces, each a
/// count byte, a length byte and that many bytes of fragment (at most 15), the fragment
/// repeated `2^(count % 16)` times (up to 32,768), until the document reaches 64 KB. Deep
/// lists, quotes, emphasis and HTML are a few bytes away, and a document whose time or
/// memory grows faster than its size stands out: `.ci/fuzz` runs this target with a time
/// and a memory limit per input.
pub fn nesting(data: &[u8]) {
    let mut doc = String::new();
    let mut rest = data;
    while let [count, len, tail @ ..] = rest {
        let (fragment, next) = tail.split_at(usize::from(*len % 16).min(tail.len()));
        rest = next;
        let Ok(fragment) = std::str::from_utf8(fragment) else {
            continue;
        };
        for _ in 0..1usize << (count % 16) {
            if doc.len() + fragment.len() > NESTING_MAX_DOCUMENT {
                break;
            }
            doc.push_str(fragment);
        }
    }
    let mut sources = Sources::default();
    let file = sources.add("content/en/cookies.md", doc.as_str());
    let mut diags = Diagnostics::default();
    let params = vec![("site".to_string(), Localized::Same("S".to_string()))];
    let reserved: HashSet<String> = ["necessary".to_string()].into_iter().collect();
    let names = Names {
        params: &params,
        categories: &["necessary"],
        reserved: &reserved,
        raw_html: true,
    };
    let src = Source {
        text: &doc,
        offset: 0,
        file,
        locale: "en",
    };
    for block in markdown::render(&src, &names, &mut diags) {
        if let markdown::Block::Html { html, .. } = block {
            if let Some(why) = unsafe_html(&html, true) {
                panic!("{why} survived in {html}");
            }
        }
    }
    let _ = diagnostics::report(&sources, &diags, Format::Json);
}

/// The whole pipeline, from in-memory files to HTML. The bytes are split on NUL into
/// site.toml, content/cookies.toml and content/en/cookies.md.
pub fn pipeline(data: &[u8]) {
    let mut parts = data.splitn(3, |b| *b == 0);
    let mut files = BTreeMap::new();
    for name in ["site.toml", "content/cookies.toml", "content/en/cookies.md"] {
        files.insert(name.to_string(), parts.next().unwrap_or_default().to_vec());
    }
    let loaded = crate::site::load(&Input::Memory(files));
    let _ = diagnostics::report(&loaded.sources, &loaded.diags, Format::Json);
    for site in &loaded.sites {
        if let Ok(out) = crate::render::render(site) {
            for f in out {
                assert!(!f.path.contains(".."), "unsafe output path {}", f.path);
                if f.path.ends_with(".html") {
                    let html = String::from_utf8_lossy(&f.bytes);
                    if let Some(why) = unsafe_html(&html, false) {
                        panic!("{why} in {}", f.path);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oracle_finds_what_a_page_must_never_hold() {
        for bad in [
            "<script>x</script>",
            "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
            "<svg><script>x</script></svg>",
            "<b onclick=x>b</b>",
            "<b OnMouseOver=x>b</b>",
            "<p style=\"background:url(//evil.example)\">p</p>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<img srcset=\"https://evil.example/a.png 1x\">",
            "<svg><a xlink:href=\"javascript:x\">a</a></svg>",
            "<math><mi>x</mi></math>",
            "<form action=\"https://evil.example\"><button>go</button></form>",
            "<a href=\"jav&#x09;ascript:alert(1)\">a</a>",
            "<q cite=\"data:text/html,x\">q</q>",
            "<base href=\"https://evil.example/\">",
            "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
            "<style>*{}</style>",
        ] {
            assert!(unsafe_html(bad, true).is_some(), "{bad}");
        }
        assert_eq!(
            unsafe_html(
                "<p><a href=\"https://a.example/\">a</a> <q cite=\"//b.example/\">q</q></p>",
                true
            ),
            None
        );
        let page = "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>t</title>\
                    <link rel=stylesheet href=\"../../static/style.css\">\
                    <link rel=canonical href=\"https://example.org/\"></head>\
                    <body><main id=main><p>x</p></main></body></html>";
        assert_eq!(unsafe_html(page, false), None);
        let foreign = page.replace("../../static/style.css", "//cdn.example/style.css");
        assert!(unsafe_html(&foreign, false).is_some());
        assert!(unsafe_html(page, true).is_some(), "a page is not prose");
    }
}
