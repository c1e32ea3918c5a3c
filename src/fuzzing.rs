//! The bodies of the fuzz targets (`fuzz/`), kept in the library so that `cargo test`
//! replays the seed corpus and every crash found (`fuzz/regressions/`) through the same code.

use std::collections::{BTreeMap, HashSet};

use crate::decode::Localized;
use crate::diagnostics::{self, Diagnostics, Format, Sources};
use crate::dom;
use crate::input::Input;
use crate::markdown::{self, Names, Source};

/// Elements of the default theme's pages, around the prose.
const THEME_TAGS: [&str; 35] = [
    "html", "head", "meta", "title", "link", "body", "header", "nav", "main", "section", "time",
    "footer", "ol", "ul", "li", "a", "p", "h1", "h2", "h3", "div", "span", "table", "caption",
    "thead", "tbody", "tr", "th", "td", "code", "br", "dl", "dt", "dd", "button",
];

/// The attributes of the scripts a page loads when `[consent]` names the site's banner,
/// besides `src`.
const SCRIPT_ATTRIBUTES: [&str; 3] = ["defer", "data-manager", "data-config"];

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
    unsafe_markup(html, fragment, &[])
}

/// [`unsafe_html`] for a whole page of a site whose `[consent]` names its banner: the
/// page may load the scripts `scripts` (the addresses it should write for them), with
/// nothing inline, and a `data-config` that is a path on the site; nothing else changes.
pub fn unsafe_page(html: &str, scripts: &[String]) -> Option<String> {
    unsafe_markup(html, false, scripts)
}

/// Whether a script element is one of `scripts`, loaded from its `src` with no other
/// attribute than [`SCRIPT_ATTRIBUTES`], and a local `data-config`.
fn allowed_script(e: &dom::Element, scripts: &[String]) -> bool {
    let local = |v: &str| {
        url::Url::parse(v) == Err(url::ParseError::RelativeUrlWithoutBase)
            && !v.starts_with("//")
            && !v.contains('\\')
    };
    e.attrs
        .iter()
        .any(|(a, v)| a == "src" && scripts.contains(v))
        && e.attrs.iter().all(|(a, v)| {
            a == "src"
                || (SCRIPT_ATTRIBUTES.contains(&a.as_str()) && (a != "data-config" || local(v)))
        })
}

fn unsafe_markup(html: &str, fragment: bool, scripts: &[String]) -> Option<String> {
    for e in dom::elements(html, fragment) {
        let name = e.name.as_str();
        if name == "script" && !fragment && allowed_script(&e, scripts) {
            continue;
        }
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
    let _ = crate::inventory::read::load(text, file, &locales, &mut diags);
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
            controller: true,
            transfers: true,
            documents: &std::sync::Arc::new(["cookies", "contact"].map(String::from).into()),
        };
        let src = Source {
            text,
            offset,
            file,
            locale: "en",
        };
        for block in same_as_block_by_block(&src, &names, &mut diags).blocks {
            if let markdown::Block::Html { html, .. } = block {
                if let Some(why) = unsafe_html(&html, true) {
                    panic!("{why} survived in {html}");
                }
            }
        }
    }
    let _ = diagnostics::report(&sources, &diags, Format::Human);
}

/// [`markdown::render`], after checking that it gives the same prose, ids, links and
/// problems as sanitizing each top-level block alone: plain blocks are sanitized together.
fn same_as_block_by_block(src: &Source, names: &Names, diags: &mut Diagnostics) -> markdown::Prose {
    let mut found = Diagnostics::default();
    let prose = markdown::render(src, names, &mut found);
    let mut alone_found = Diagnostics::default();
    let alone = markdown::render_block_by_block(src, names, &mut alone_found);
    assert_eq!(prose.blocks, alone.blocks, "sanitized together and alone");
    assert_eq!(prose.ids, alone.ids);
    assert_eq!(prose.links, alone.links);
    let messages = |d: &Diagnostics| d.iter().map(|d| format!("{d:?}")).collect::<Vec<_>>();
    assert_eq!(messages(&found), messages(&alone_found));
    diags.extend(found);
    prose
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
        controller: true,
        transfers: true,
        documents: &std::sync::Arc::new(["cookies"].map(String::from).into()),
    };
    let src = Source {
        text: &doc,
        offset: 0,
        file,
        locale: "en",
    };
    for block in same_as_block_by_block(&src, &names, &mut diags).blocks {
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
        // The banner of `[consent]` and the theme's script that opens it, as each page
        // (two folders down, or the root page) writes them.
        let scripts: Vec<String> = match &site.config.consent.banner {
            Some(b) => ["../../", ""]
                .iter()
                .flat_map(|root| {
                    [
                        b.script.target.href(root),
                        format!("{root}static/{}", crate::layout::CONSENT_SCRIPT),
                    ]
                })
                .collect(),
            None => Vec::new(),
        };
        if let Ok(out) = crate::render::render(site) {
            for f in out {
                assert!(!f.path.contains(".."), "unsafe output path {}", f.path);
                if f.path.ends_with(".html") {
                    let html = String::from_utf8_lossy(&f.bytes);
                    if let Some(why) = unsafe_page(&html, &scripts) {
                        panic!("{why} in {}", f.path);
                    }
                }
            }
        }
    }
}

/// A small deterministic random generator (splitmix64), so that the names tried against a
/// pattern are the same on every run of the same input.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
}

/// Characters on which JavaScript and Rust are easy to tell apart: case folding (`K`, the
/// Kelvin sign, `ſ`), digits and spaces outside ASCII, line terminators, surrogate pairs.
pub const TRICKY: [&str; 24] = [
    "",
    "a",
    "A",
    "_",
    "0",
    "\n",
    "\r",
    "\r\n",
    " ",
    "\t",
    "é",
    "É",
    "K",
    "\u{212A}",
    "ſ",
    "ß",
    "\u{663}",
    "\u{a0}",
    "\u{2028}",
    "\u{85}",
    "😀",
    "\u{1D538}",
    "\u{10FFFF}",
    "\u{FFFF}",
];

fn walk(h: &regex_syntax::hir::Hir, rng: &mut Rng, out: &mut String) {
    use regex_syntax::hir::{Class, HirKind};
    if out.len() > 4096 {
        return;
    }
    let pick = |rng: &mut Rng, ranges: &[(u32, u32)]| -> Option<char> {
        let &(a, b) = ranges.get(rng.below(ranges.len() as u64) as usize)?;
        let c = match rng.below(3) {
            0 => a,
            1 => b,
            _ => a + rng.below(u64::from(b - a) + 1) as u32,
        };
        char::from_u32(c).or(char::from_u32(a))
    };
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(l) => out.push_str(&String::from_utf8_lossy(&l.0)),
        HirKind::Class(Class::Unicode(c)) => {
            let r: Vec<(u32, u32)> = c
                .iter()
                .map(|r| (r.start().into(), r.end().into()))
                .collect();
            out.extend(pick(rng, &r));
        }
        HirKind::Class(Class::Bytes(c)) => {
            let r: Vec<(u32, u32)> = c
                .iter()
                .map(|r| (r.start().into(), r.end().into()))
                .collect();
            out.extend(pick(rng, &r));
        }
        HirKind::Repetition(r) => {
            let spread = r.max.map_or(3, |m| (m - r.min).min(3));
            let times = r.min.min(64) + rng.below(u64::from(spread) + 1) as u32;
            for _ in 0..times {
                walk(&r.sub, rng, out);
            }
        }
        HirKind::Capture(c) => walk(&c.sub, rng, out),
        HirKind::Concat(subs) => subs.iter().for_each(|s| walk(s, rng, out)),
        HirKind::Alternation(subs) => {
            if let Some(s) = subs.get(rng.below(subs.len() as u64) as usize) {
                walk(s, rng, out);
            }
        }
    }
}

/// Whether a repetition holds another repetition or an alternation: JavaScript engines
/// (and `regress`) backtrack, and may take exponential time on long names that such an
/// expression does not match.
fn backtracks(h: &regex_syntax::hir::Hir, in_repetition: bool) -> bool {
    use regex_syntax::hir::HirKind;
    match h.kind() {
        HirKind::Repetition(r) => {
            let repeats = r.max.is_none_or(|m| m > 1);
            (in_repetition && repeats) || backtracks(&r.sub, in_repetition || repeats)
        }
        HirKind::Alternation(subs) => in_repetition || subs.iter().any(|s| backtracks(s, false)),
        HirKind::Capture(c) => backtracks(&c.sub, in_repetition),
        HirKind::Concat(subs) => subs.iter().any(|s| backtracks(s, in_repetition)),
        _ => false,
    }
}

/// Names to try a declaration against: names built from the expression (most of which it
/// matches), each changed a little (most of which it does not), and [`TRICKY`]. For an
/// expression on which a backtracking engine may take exponential time, names are cut to
/// 8 characters, so that comparing engines ends.
pub fn sample_names(n: &crate::inventory::CookieName, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let mut built = vec![n.name.clone()];
    let mut longest = usize::MAX;
    if let Some(expr) = n.name.strip_prefix("re:") {
        if let Ok(h) = regex_syntax::Parser::new().parse(expr) {
            if backtracks(&h, false) {
                longest = 8;
            }
            for _ in 0..8 {
                let mut s = String::new();
                walk(&h, &mut rng, &mut s);
                built.push(s);
            }
        }
    } else {
        let prefix = n.name.trim_end_matches('*');
        built.extend(["x", "😀", "\n", "\u{2028}"].map(|t| format!("{prefix}{t}")));
        built.push(prefix.to_string());
    }
    let mut out = Vec::new();
    for s in built {
        let mut chars: Vec<char> = s.chars().collect();
        out.push(s.clone());
        out.push(format!("{s}a"));
        out.push(format!("\n{s}"));
        out.push(format!("{s}\n"));
        if !chars.is_empty() {
            let at = rng.below(chars.len() as u64) as usize;
            let by = TRICKY[rng.below(TRICKY.len() as u64) as usize];
            let mut changed: String = chars[..at].iter().collect();
            changed.push_str(by);
            changed.extend(&chars[at + 1..]);
            out.push(changed);
            chars.pop();
            out.push(chars.into_iter().collect());
        }
    }
    out.extend(TRICKY.iter().map(|s| s.to_string()));
    for s in &mut out {
        if let Some((cut, _)) = s.char_indices().nth(longest) {
            s.truncate(cut);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The values of the cookieconsent module, read back as JSON in which each
/// `new RegExp("…")` becomes `{"RegExp": "…"}`. `None` unless the module is exactly its
/// header, `export default`, a JSON value in which only `new RegExp(<string>)` is not JSON,
/// and `;`: then loading it runs nothing but those constructors.
pub fn module_values(module: &str) -> Option<serde_json::Value> {
    let body = module
        .strip_prefix(
            "// Generated by Clause from the cookie inventory; regenerate rather than edit.\n\
             /** @type {import('vanilla-cookieconsent').CookieConsentConfig} */\n\
             export default ",
        )?
        .strip_suffix(";\n")?;
    let mut json = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(c) = rest.chars().next() {
        if c == '"' {
            let len = string_len(rest)?;
            json.push_str(&rest[..len]);
            rest = &rest[len..];
        } else if let Some(after) = rest.strip_prefix("new RegExp(") {
            let len = string_len(after)?;
            json.push_str("{\"RegExp\": ");
            json.push_str(&after[..len]);
            json.push('}');
            rest = after[len..].strip_prefix(')')?;
        } else {
            json.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    serde_json::from_str(&json).ok()
}

/// The length of the JSON string at the start of `s`.
fn string_len(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// The site around the inventory of the `export` target.
const EXPORT_SITE: &str =
    "title = \"T\"\nbase_url = \"https://example.org\"\nlocales = [\"en\", \"fr\"]\n";

/// The exports of any inventory that loads without error: the cookieconsent module must be
/// data (see [`module_values`]), Klaro's configuration JSON, and every pattern written for
/// the browser must match, on [`sample_names`], exactly the names the audit matches.
/// `js_matches(source, name)` runs a JavaScript regular expression (no flags) on a name.
/// Returns whether the inventory loaded, and so was checked.
pub fn export(data: &[u8], js_matches: &mut dyn FnMut(&str, &str) -> bool) -> bool {
    let mut files = BTreeMap::new();
    files.insert("site.toml".to_string(), EXPORT_SITE.as_bytes().to_vec());
    files.insert("content/cookies.toml".to_string(), data.to_vec());
    for l in ["en", "fr"] {
        files.insert(
            format!("content/{l}/cookies.md"),
            b"+++\ntitle = \"Cookies\"\n+++\n\nText.\n".to_vec(),
        );
    }
    let loaded = crate::site::load(&Input::Memory(files));
    if loaded.diags.has_errors() {
        return false;
    }
    for site in &loaded.sites {
        check_exports(site, js_matches);
    }
    true
}

/// The checks of [`export`] on one loaded site.
pub fn check_exports(site: &crate::site::Site, js_matches: &mut dyn FnMut(&str, &str) -> bool) {
    use crate::export::{self, cookieconsent, klaro};
    use serde_json::Value;
    let inv = &site.inventory;
    let locales = &site.config.locales;
    let module = cookieconsent::config(site, locales);
    let cc = module_values(&module).unwrap_or_else(|| panic!("not data:\n{module}"));
    let klaro_text = klaro::config(site, locales);
    let kl: Value = serde_json::from_str(&klaro_text).expect("Klaro's configuration is JSON");
    // Every declaration's sample names, tried on every entry: an entry must match exactly
    // the names that the audit gives to its declaration, so that refusing a category
    // deletes only the cookies that the audit counts in it.
    let samples: Vec<String> = {
        let mut all: Vec<String> = inv
            .cookies
            .iter()
            .flat_map(|c| &c.names)
            .flat_map(|n| sample_names(n, n.name.len() as u64))
            .collect();
        all.sort();
        all.dedup();
        all
    };
    let owner: Vec<Option<(usize, usize)>> = samples
        .iter()
        .map(|s| crate::audit::find_declaration(inv, s))
        .collect();
    let mut check = |at: (usize, usize), entry: &Value, klaro: bool| {
        let n = &inv.cookies[at.0].names[at.1];
        for (i, name) in samples.iter().enumerate() {
            let browser = match entry {
                // Klaro matches a string that does not start with `^` exactly; so does
                // cookieconsent with any string.
                Value::String(s) if !klaro || !s.starts_with('^') => s == name,
                Value::String(s) => js_matches(s, name),
                Value::Object(o) if !klaro => match o.get("RegExp") {
                    Some(Value::String(s)) => js_matches(s, name),
                    _ => panic!("unexpected value {entry}"),
                },
                _ => panic!("unexpected value {entry}"),
            };
            if browser != (owner[i] == Some(at)) {
                let shown: String = entry.to_string().chars().take(400).collect();
                let audit = owner[i].map_or("no declaration".to_string(), |(c, k)| {
                    format!("`{}`", inv.cookies[c].names[k].name)
                });
                panic!(
                    "{} and {shown} differ on {name:?} ({} in the browser; the audit gives it to {audit}), in {}",
                    n.name,
                    if browser { "matched" } else { "not matched" },
                    if klaro { "Klaro" } else { "cookieconsent" }
                );
            }
        }
    };
    for (ci, c) in inv.categories.iter().enumerate() {
        let declared: Vec<(usize, usize)> = inv
            .cookies
            .iter()
            .enumerate()
            .filter(|(_, k)| k.category == ci)
            .flat_map(|(k, c)| (0..c.names.len()).map(move |n| (k, n)))
            .collect();
        let written: Vec<Value> = cc["categories"][&c.id]["autoClear"]["cookies"]
            .as_array()
            .map(|a| a.iter().map(|x| x["name"].clone()).collect())
            .unwrap_or_default();
        assert_eq!(declared.len(), written.len(), "category {}", c.id);
        for (at, w) in declared.into_iter().zip(&written) {
            check(at, w, false);
        }
    }
    let services = export::services(inv);
    let written = kl["services"].as_array().map_or(&[][..], Vec::as_slice);
    assert_eq!(services.len(), written.len());
    for (svc, w) in services.iter().zip(written) {
        let declared: Vec<(usize, usize)> = svc
            .cookies
            .iter()
            .flat_map(|&k| (0..inv.cookies[k].names.len()).map(move |n| (k, n)))
            .collect();
        let entries = w["cookies"].as_array().map_or(&[][..], Vec::as_slice);
        assert_eq!(declared.len(), entries.len(), "service {}", svc.name);
        for (at, e) in declared.into_iter().zip(entries) {
            check(at, e, true);
        }
    }
}

/// The source given to `regress` for a JavaScript source, as code units: each `\uHHHH`
/// escape of a surrogate becomes that code unit itself. `regress` reads escaped surrogates
/// as pairs where it should not (`\uD83D\uDE00` becomes one character even without the `u`
/// flag, and some classes lose members); as raw code units it reads them as JavaScript does.
pub fn for_regress(source: &str) -> Vec<u32> {
    let mut out = Vec::with_capacity(source.len());
    let mut rest = source;
    while let Some(c) = rest.chars().next() {
        let unit = rest
            .strip_prefix("\\u")
            .and_then(|h| h.get(..4))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .filter(|u| (0xD800..0xE000).contains(u));
        if let Some(u) = unit {
            out.push(u);
            rest = &rest[6..];
            continue;
        }
        out.push(u32::from(c));
        rest = &rest[c.len_utf8()..];
        if c == '\\' {
            // The escaped character is never the start of an escape.
            if let Some(e) = rest.chars().next() {
                out.push(u32::from(e));
                rest = &rest[e.len_utf8()..];
            }
        }
    }
    out
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

    /// With `[consent]`, a page may load the banner's script and the theme's, as written,
    /// with nothing inline; any other script is still found.
    #[test]
    fn the_oracle_lets_a_page_load_only_the_banner_it_names() {
        let scripts = [
            "../../cc.js".to_string(),
            "../../static/consent.js".to_string(),
        ];
        let page = |head: &str| {
            format!("<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>t</title>{head}</head><body><main id=main><button type=button class=consent-button hidden>x</button></main></body></html>")
        };
        let good = page("<script src=\"../../cc.js\" defer></script><script src=\"../../static/consent.js\" defer data-manager=klaro data-config=\"../../k.json\"></script>");
        assert_eq!(unsafe_page(&good, &scripts), None);
        assert!(
            unsafe_html(&good, false).is_some(),
            "no script without `[consent]`"
        );
        for bad in [
            "<script src=\"../../other.js\"></script>",
            "<script>alert(1)</script>",
            "<script src=\"../../cc.js\" onload=\"alert(1)\"></script>",
            "<script src=\"../../cc.js\" type=module></script>",
            "<script src=\"../../static/consent.js\" data-config=\"//evil.example/k.json\"></script>",
            "<script src=\"../../static/consent.js\" data-config=\"javascript:alert(1)\"></script>",
        ] {
            assert!(unsafe_page(&page(bad), &scripts).is_some(), "{bad}");
        }
    }
}
