//! Property tests: any inventory that loads renders pages that html5ever parses without a
//! single error, that list every declared cookie name exactly once in its category's table,
//! and that show every text exactly as written, whatever characters it holds; any prose,
//! however hostile its Markdown and raw HTML, renders pages that hold nothing the README
//! rules out (`clause::fuzzing::unsafe_html`, which parses them with html5ever); `clause
//! diff`'s comparison ignores order and finds each removed cookie; and the `re:` patterns
//! written for the consent banners match, in an ECMAScript engine, exactly the names the
//! audit matches (tests/browser.rs checks the same in Node).

use crate::common;

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, TestRunner};
use scraper::{Html, Selector};

use clause::input::Input;
use clause::{render, site};

/// Texts with everything that has a meaning in HTML, URLs, CSV or templates.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ,.'\"<>&=+@;:/?#{}%-]{1,40}",
        Just("<script>alert(1)</script>".to_string()),
        Just("\"><img src=x onerror=alert(1)>".to_string()),
        Just("=HYPERLINK(\"http://evil\")".to_string()),
        Just("{{ cookies }} {% raw %} {# x #}".to_string()),
        Just("../../etc/passwd".to_string()),
        Just("café – « déjà » 日本語 🍪".to_string()),
    ]
    .prop_filter("not blank", |s| !s.trim().is_empty())
}

fn cookie_name() -> impl Strategy<Value = String> {
    ("[A-Za-z_][A-Za-z0-9_.-]{0,12}", any::<bool>()).prop_map(|(n, prefix)| {
        if prefix {
            format!("{n}*")
        } else {
            n
        }
    })
}

#[derive(Debug, Clone)]
struct Cookie {
    names: Vec<String>,
    category: usize,
    purpose: String,
    function: String,
}

fn inventory() -> impl Strategy<Value = (Vec<String>, Vec<Cookie>)> {
    (
        prop::collection::vec(text(), 1..4),
        prop::collection::vec(
            (
                prop::collection::vec(cookie_name(), 1..3),
                0usize..3,
                text(),
                text(),
            ),
            1..10,
        ),
    )
        .prop_map(|(titles, raw)| {
            let mut seen = std::collections::HashSet::new();
            let cookies = raw
                .into_iter()
                .filter_map(|(names, category, purpose, function)| {
                    let names: Vec<String> = names
                        .into_iter()
                        .filter(|n| seen.insert(n.clone()))
                        .collect();
                    (!names.is_empty()).then(|| Cookie {
                        names,
                        category: category % titles.len(),
                        purpose,
                        function,
                    })
                })
                .collect();
            (titles, cookies)
        })
}

fn quote(s: &str) -> String {
    toml_edit::Value::from(s).to_string()
}

fn inventory_text(titles: &[String], cookies: &[Cookie]) -> String {
    let mut inv = String::from("[providers.p]\nname = \"P\"\n");
    for (i, t) in titles.iter().enumerate() {
        inv.push_str(&format!(
            "[categories.c{i}]\ntitle = {}\nconsent = \"required\"\n",
            quote(t)
        ));
    }
    for c in cookies {
        let names: Vec<String> = c.names.iter().map(|n| quote(n)).collect();
        inv.push_str(&format!(
            "[[cookies]]\nnames = [{}]\nprovider = \"p\"\ncategory = \"c{}\"\nfunction = {}\npurpose = {}\nduration = \"3 days\"\n",
            names.join(", "),
            c.category,
            quote(&c.function),
            quote(&c.purpose)
        ));
    }
    inv
}

fn files(titles: &[String], cookies: &[Cookie]) -> Input {
    let inv = inventory_text(titles, cookies);
    let mut files = BTreeMap::new();
    files.insert(
        "site.toml".to_string(),
        b"title = \"T\"\nbase_url = \"https://example.org/\"\nlocales = [\"en\", \"fr\"]\n"
            .to_vec(),
    );
    files.insert("content/cookies.toml".to_string(), inv.into_bytes());
    for l in ["en", "fr"] {
        files.insert(
            format!("content/{l}/cookies.md"),
            b"+++\ntitle = \"Cookies\"\n+++\n\nIntro.\n".to_vec(),
        );
    }
    Input::Memory(files)
}

/// 256 cases, after the committed failures of `tests/suite/properties.proptest-regressions`
/// (replayed first; a new failure's seed is added there, to be committed).
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

#[test]
fn the_committed_regressions_are_replayed() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/suite/properties.proptest-regressions"
    ))
    .expect("the regression file");
    let seeds = committed.lines().filter(|l| l.starts_with("cc ")).count();
    assert!(seeds >= 1, "no seed in the regression file");
    // No new case: whatever runs comes from the file.
    let mut only_replays = config();
    only_replays.cases = 0;
    only_replays.source_file = Some(file!());
    let ran = std::sync::atomic::AtomicUsize::new(0);
    TestRunner::new(only_replays)
        .run(&inventory(), |_| {
            ran.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(())
        })
        .expect("passes");
    assert_eq!(ran.into_inner(), seeds);
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("valid selector")
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn rendered_pages_parse_cleanly_and_list_each_cookie_once((titles, cookies) in inventory()) {
        let loaded = site::load(&files(&titles, &cookies));
        let site = loaded
            .sites
            .into_iter()
            .next()
            .expect("a generated inventory loads");
        let out = render::render(&site).expect("renders");
        for f in out.iter().filter(|f| f.path.ends_with(".html")) {
            let html = std::str::from_utf8(&f.bytes).expect("utf-8");
            let doc = Html::parse_document(html);
            prop_assert!(doc.errors.is_empty(), "{}: {:?}", f.path, doc.errors);
            let verdict = clause::fuzzing::unsafe_html(html, false);
            prop_assert!(verdict.is_none(), "{}: {:?}", f.path, verdict);
            if !f.path.ends_with("cookies/index.html") {
                continue;
            }
            for (i, title) in titles.iter().enumerate() {
                let declared: Vec<&Cookie> = cookies.iter().filter(|c| c.category == i).collect();
                let table = doc
                    .select(&sel(&format!("section[aria-labelledby=\"c{i}\"] table")))
                    .next();
                if declared.is_empty() {
                    prop_assert!(table.is_none());
                    continue;
                }
                prop_assert!(table.is_some(), "no table for category c{}", i);
                let Some(table) = table else { continue };
                let caption: String = table.select(&sel("caption")).flat_map(|c| c.text()).collect();
                prop_assert_eq!(&caption, title);
                let shown: Vec<String> = table
                    .select(&sel("code"))
                    .map(|c| c.text().collect::<String>())
                    .collect();
                for c in &declared {
                    for n in &c.names {
                        prop_assert_eq!(shown.iter().filter(|s| *s == n).count(), 1, "{} in {:?}", n, shown);
                    }
                }
                let total: usize = declared.iter().map(|c| c.names.len()).sum();
                prop_assert_eq!(shown.len(), total);
                let purposes: Vec<String> = table
                    .select(&sel("td[data-label=\"Purposes\"], td[data-label=\"Finalités\"]"))
                    .map(|c| c.text().collect::<String>())
                    .collect();
                let expected: Vec<&String> = declared.iter().map(|c| &c.purpose).collect();
                prop_assert_eq!(purposes.iter().collect::<Vec<_>>(), expected);
            }
        }
    }
}

/// Addresses in every disguise: schemes that run code, in any case, split by tabs and
/// newlines, entity-encoded, behind spaces and control characters; and harmless ones.
const ADDRESSES: [&str; 14] = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "jav&#x09;ascript:alert(1)",
    "jav\nascript:alert(1)",
    "&#106;avascript:alert(1)",
    "javascript&colon;alert(1)",
    "&#x01;javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "https://ok.example/",
    "mailto:a@b.example",
    "#main",
];

/// Hostile prose: elements the sanitizer must drop or clean, with attributes that run,
/// load or submit, holding addresses in every disguise; Markdown links, headings and
/// nesting around them.
fn prose() -> impl Strategy<Value = String> {
    let tags = vec![
        "a",
        "q",
        "blockquote",
        "h2",
        "div",
        "b",
        "svg",
        "math",
        "iframe",
        "img",
        "form",
        "base",
        "meta",
        "script",
        "style",
        "object",
        "template",
        "table",
        "p",
        "link",
        "noscript",
    ];
    let attrs = vec![
        "href",
        "cite",
        "src",
        "srcset",
        "xlink:href",
        "action",
        "onload",
        "OnClick",
        "style",
        "id",
        "http-equiv",
        "data",
        "formaction",
    ];
    let element = (
        prop::sample::select(tags),
        prop::sample::select(attrs),
        prop::sample::select(ADDRESSES.to_vec()),
        prop::sample::select(vec!["\"", "'", ""]),
        any::<bool>(),
    )
        .prop_map(|(tag, attr, value, q, closed)| {
            let end = if closed {
                format!("x</{tag}>")
            } else {
                "x".to_string()
            };
            format!("<{tag} {attr}={q}{value}{q}>{end}")
        });
    let markdown = (
        prop::sample::select(vec!["[a](", "<", "![i](", "[r]: "]),
        prop::sample::select(ADDRESSES.to_vec()),
    )
        .prop_map(|(open, value)| match open {
            "<" => format!("<{value}>"),
            "[r]: " => format!("\n\n[r]: {value}\n\n[r]"),
            _ => format!("{open}{value})"),
        });
    let piece = prop_oneof![
        3 => element,
        2 => markdown,
        1 => prop::sample::select(vec![
            "\n", "\n\n", "> ", "- ", "1. ", "    ", "## x {#main}\n", "{{ cookies }}", "*",
            "`", "<!--", "-->", "</div>", "<svg><foreignObject>", "<math><mtext>", "<mglyph>",
            "<![CDATA[", "]]>", "|a|\n|-|\n|",
        ])
        .prop_map(str::to_string),
        1 => "[a-z ]{1,6}",
    ];
    prop::collection::vec(piece, 1..16).prop_map(|v| v.concat())
}

fn site_with_prose(body: &str, raw_html: bool) -> Input {
    let mut files = BTreeMap::new();
    files.insert(
        "site.toml".to_string(),
        format!("title = \"T\"\nbase_url = \"https://example.org/\"\nlocales = [\"en\"]\nraw_html = {raw_html}\n")
            .into_bytes(),
    );
    files.insert(
        "content/cookies.toml".to_string(),
        inventory_text(
            &["Necessary".to_string()],
            &[Cookie {
                names: vec!["sid".to_string()],
                category: 0,
                purpose: "p".to_string(),
                function: "f".to_string(),
            }],
        )
        .into_bytes(),
    );
    files.insert(
        "content/en/cookies.md".to_string(),
        format!("+++\ntitle = \"Cookies\"\n+++\n\n{body}\n").into_bytes(),
    );
    Input::Memory(files)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn hostile_prose_renders_nothing_the_readme_rules_out(body in prose(), raw_html in any::<bool>()) {
        let loaded = site::load(&site_with_prose(&body, raw_html));
        for site in &loaded.sites {
            let Ok(out) = render::render(site) else { continue };
            for f in out.iter().filter(|f| f.path.ends_with(".html")) {
                let html = std::str::from_utf8(&f.bytes).expect("utf-8");
                let verdict = clause::fuzzing::unsafe_html(html, false);
                prop_assert!(verdict.is_none(), "{}: {:?}\n{}", f.path, verdict, html);
            }
        }
    }
}

fn load(text: &str) -> clause::inventory::Inventory {
    let mut sources = clause::diagnostics::Sources::default();
    let file = sources.add("cookies.toml", text.to_string());
    let mut diags = clause::diagnostics::Diagnostics::default();
    let (inv, _) = clause::inventory::read::load_standalone(text, file, None, &mut diags)
        .expect("a generated inventory loads");
    assert!(!diags.has_errors());
    inv
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn diff_ignores_order_and_finds_each_removed_cookie(
        (titles, cookies) in inventory(),
        drop in any::<prop::sample::Index>(),
    ) {
        use clause::diff::{compare, Kind, Subject};
        let locales = vec![String::new()];
        let a = load(&inventory_text(&titles, &cookies));
        let mut reversed = cookies.clone();
        reversed.reverse();
        let b = load(&inventory_text(&titles, &reversed));
        let same = compare(&a, &b, &locales);
        prop_assert!(same.is_empty(), "{:?}", same);
        let mut fewer = cookies.clone();
        let gone = fewer.remove(drop.index(cookies.len()));
        let c = load(&inventory_text(&titles, &fewer));
        let changes = compare(&a, &c, &locales);
        prop_assert_eq!(changes.len(), 1);
        prop_assert_eq!(changes[0].kind, Kind::Removed);
        prop_assert_eq!(changes[0].subject, Subject::Cookie);
        prop_assert_eq!(&changes[0].id, &gone.names[0]);
        prop_assert!(!changes[0].reconsent);
    }
}

proptest! {
    // A fixed seed: `regress`, like the browsers' engines, backtracks, and some generated
    // patterns (repetitions nested in ways `jsregex::flatten` cannot merge, over
    // alternations) take it exponential time on a sample name: a random seed made one run
    // of the suite hang for over 15 minutes. The same 512 cases every run; what the
    // browsers do with such a pattern is a known limit, which the README states.
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20261130),
        ..ProptestConfig::default()
    })]

    /// Through the real exports: the cookieconsent module read back as data, Klaro's JSON,
    /// and each pattern run by `regress` on names built from it and on tricky characters.
    #[test]
    fn browser_patterns_match_what_the_audit_matches(
        exprs in prop::collection::vec(common::patterns::pattern(), 1..8),
    ) {
        let names = common::patterns::accepted(&exprs);
        if names.is_empty() {
            return Ok(());
        }
        let loaded = site::load(&common::patterns::site_declaring(&names));
        prop_assert!(!loaded.diags.has_errors(), "{:?}", loaded.diags);
        let mut cache = std::collections::HashMap::new();
        clause::fuzzing::check_exports(&loaded.sites[0], &mut |source, name| {
            common::patterns::regress_matches(&mut cache, source, name)
        });
    }
}

#[test]
fn most_generated_patterns_are_accepted() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let exprs: Vec<String> = (0..400)
        .map(|_| {
            common::patterns::pattern()
                .new_tree(&mut runner)
                .expect("a pattern")
                .current()
        })
        .collect();
    let accepted = common::patterns::accepted(&exprs).len();
    eprintln!("{accepted} of {} accepted", exprs.len());
    assert!(accepted * 2 > exprs.len(), "{accepted} of {}", exprs.len());
}
