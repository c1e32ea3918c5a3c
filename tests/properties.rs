//! Property tests: any inventory that loads renders pages that html5ever parses without a
//! single error, that list every declared cookie name exactly once in its category's table,
//! and that show every text exactly as written, whatever characters it holds, and nothing
//! the README rules out (`clause::fuzzing::unsafe_html`); and `clause diff`'s comparison
//! ignores order and finds each removed cookie.

use std::collections::BTreeMap;

use proptest::prelude::*;
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

/// 256 cases, and no failure file written into the repository.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
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

fn load(text: &str) -> clause::inventory::Inventory {
    let mut sources = clause::diagnostics::Sources::default();
    let file = sources.add("cookies.toml", text.to_string());
    let mut diags = clause::diagnostics::Diagnostics::default();
    let (inv, _) = clause::inventory::load_standalone(text, file, None, &mut diags)
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
