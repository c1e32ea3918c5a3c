//! Bad and extreme input through the whole pipeline, in memory: a clear error or a correct
//! build, in bounded time, never a panic.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use clause::input::Input;
use clause::{render, site};

const SITE: &str = "title = \"T\"\nbase_url = \"https://example.org/\"\nlocales = [\"en\"]\n";
const PAGE: &str = "+++\ntitle = \"Cookies\"\n+++\n\n{{ cookies }}\n";
const HEAD: &str =
    "[categories.c]\ntitle = \"C\"\nconsent = \"exempt\"\n\n[providers.p]\nname = \"P\"\n";

fn site_with(inventory: &str, page: &str) -> Input {
    let mut files = BTreeMap::new();
    files.insert("site.toml".to_string(), SITE.as_bytes().to_vec());
    files.insert(
        "content/cookies.toml".to_string(),
        inventory.as_bytes().to_vec(),
    );
    files.insert(
        "content/en/cookies.md".to_string(),
        page.as_bytes().to_vec(),
    );
    Input::Memory(files)
}

/// Loads and renders; returns the error messages, or the rendered English page.
fn run(input: &Input) -> Result<String, Vec<String>> {
    let loaded = site::load(input);
    let Some(site) = loaded.sites.into_iter().next() else {
        return Err(loaded
            .diags
            .iter()
            .filter(|d| d.severity == clause::diagnostics::Severity::Error)
            .map(|d| d.message.clone())
            .collect());
    };
    let files =
        render::render(&site).map_err(|e| e.into_iter().map(|d| d.message).collect::<Vec<_>>())?;
    let page = files
        .into_iter()
        .find(|f| f.path == "en/cookies/index.html")
        .expect("page rendered");
    Ok(String::from_utf8(page.bytes).expect("utf-8"))
}

fn cookie(i: usize) -> String {
    format!(
        "[[cookies]]\nnames = [\"c{i}\"]\nprovider = \"p\"\ncategory = \"c\"\nfunction = \"f\"\npurpose = \"p{i}\"\nduration = \"1 day\"\n\n"
    )
}

#[test]
fn a_hundred_thousand_cookies_build() {
    let mut inv = HEAD.to_string();
    for i in 0..100_000 {
        inv.push_str(&cookie(i));
    }
    let page = run(&site_with(&inv, PAGE)).expect("builds");
    assert_eq!(page.matches("<code>c").count(), 100_000);
    assert!(page.contains("<code>c99999</code>"));
}

#[test]
fn a_duplicate_among_many_is_found() {
    let mut inv = HEAD.to_string();
    for i in 0..20_000 {
        inv.push_str(&cookie(i));
    }
    inv.push_str(&cookie(12_345));
    let errors = run(&site_with(&inv, PAGE)).expect_err("duplicate");
    assert_eq!(errors, ["cookie `c12345` is declared twice"]);
}

#[test]
fn a_fifty_megabyte_document_builds() {
    let mut page = format!("{PAGE}\n");
    let paragraph = "Cookies are small files. They are kept by your browser, and *sent back* to the site on each visit.\n\n";
    while page.len() < 50 * 1024 * 1024 {
        page.push_str(paragraph);
    }
    let html = run(&site_with(&(HEAD.to_string() + &cookie(0)), &page)).expect("builds");
    assert!(html.len() > 50 * 1024 * 1024);
}

#[test]
fn deeply_nested_toml_is_an_error_not_a_crash() {
    for depth in [1_000, 100_000] {
        let inv = format!("x = {}{}\n", "[".repeat(depth), "]".repeat(depth));
        let errors = run(&site_with(&inv, PAGE)).expect_err("refused");
        assert!(!errors.is_empty());
        let inv = format!("x = {}1{}\n", "{a = ".repeat(depth), "}".repeat(depth));
        let errors = run(&site_with(&inv, PAGE)).expect_err("refused");
        assert!(!errors.is_empty());
    }
}

#[test]
fn empty_files_are_explained() {
    let errors = run(&site_with("", "")).expect_err("no front matter");
    assert_eq!(errors, ["the document does not start with front matter"]);
    let mut files = BTreeMap::new();
    files.insert("site.toml".to_string(), Vec::new());
    let errors = run(&Input::Memory(files)).expect_err("empty settings");
    assert_eq!(
        errors,
        [
            "site.toml has no `locales`",
            "site.toml has no `title`",
            "site.toml has no `base_url`",
            "`content/cookies.toml` does not exist"
        ]
    );
}

#[test]
fn many_placeholders_and_headings_stay_linear() {
    let mut page = String::from("+++\ntitle = \"T\"\n+++\n");
    for i in 0..20_000 {
        let _ = write!(
            page,
            "## Same heading\n\nText {{{{ cookies }}}} inline {i}\n\n"
        );
    }
    let errors =
        run(&site_with(&(HEAD.to_string() + &cookie(0)), &page)).expect_err("inline sections");
    assert_eq!(errors.len(), 20_000);
}
