//! Prose end to end: raw HTML and Markdown through `clause build`, the pages parsed as a
//! browser parses them (html5ever); and the located errors for ids, placeholders and
//! nesting, as `clause check` prints them.

use crate::common;

use std::fs;

use scraper::{Html, Selector};

use common::{build, check_root, copy_dir, fixture};

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("valid selector")
}

/// Builds a copy of the hostile-prose fixture with `raw_html` set, and returns its page.
fn hostile_page(raw_html: bool) -> String {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    copy_dir(&fixture("hostile-prose"), &root);
    let settings = root.join("site.toml");
    let text = fs::read_to_string(&settings).expect("site.toml");
    fs::write(&settings, format!("{text}raw_html = {raw_html}\n")).expect("write");
    let out = tmp.path().join("out");
    build(&root, &out);
    let page = out.join("en/cookies/index.html");
    fs::read_to_string(&page).unwrap_or_else(|e| panic!("{}: {e}", page.display()))
}

fn attributes(doc: &Html, selector: &str, attr: &str) -> Vec<String> {
    doc.select(&sel(selector))
        .filter_map(|e| e.value().attr(attr).map(str::to_string))
        .collect()
}

#[test]
fn hostile_raw_html_comes_out_harmless() {
    let page = hostile_page(true);
    assert_eq!(clause::fuzzing::unsafe_html(&page, false), None, "{page}");
    let doc = Html::parse_document(&page);
    // `cite` is held to the rule of links: only the http(s) quote keeps it.
    assert_eq!(
        attributes(&doc, "main q, main blockquote", "cite"),
        ["https://www.cnil.fr/"]
    );
    let quoted: Vec<String> = doc
        .select(&sel("main p q"))
        .map(|q| q.text().collect())
        .collect();
    assert_eq!(quoted, ["Quoted", "again"]);
    // Links keep http(s), mailto and addresses without a scheme, `//host/…` included: a
    // link is followed when clicked, it loads nothing.
    assert_eq!(
        attributes(&doc, "main > p a", "href"),
        ["//other.example/policy", "mailto:dpo@example.org"]
    );
    for gone in [
        "svg",
        "math",
        "form",
        "input",
        "button",
        "base",
        "meta[http-equiv]",
        "style",
        "iframe",
        "img",
        "object",
        "embed",
        "template",
        "noscript",
        "script",
        "[onclick]",
        "[style]",
    ] {
        assert_eq!(doc.select(&sel(gone)).count(), 0, "{gone}");
    }
    assert_eq!(
        doc.select(&sel("main h2 b")).count(),
        1,
        "raw HTML in a heading is kept (sanitized)"
    );
    assert!(!page.contains("evil.example"), "{page}");
}

#[test]
fn with_raw_html_off_every_tag_is_shown_as_text() {
    let page = hostile_page(false);
    assert_eq!(clause::fuzzing::unsafe_html(&page, false), None, "{page}");
    let doc = Html::parse_document(&page);
    let main = doc.select(&sel("main")).next().expect("main");
    let text: String = main.text().collect();
    for shown in [
        "<q cite=\"javascript:alert('q')\">",
        "<svg><a xlink:href=",
        "<meta http-equiv=\"refresh\"",
        "<b>bold</b>",
    ] {
        assert!(text.contains(shown), "{shown} in {text}");
    }
    for tag in [
        "q",
        "blockquote",
        "svg",
        "b",
        "meta[http-equiv]",
        "a[href^=\"//\"]",
    ] {
        assert_eq!(main.select(&sel(tag)).count(), 0, "{tag}");
    }
}

/// `clause check` on a site whose prose breaks every rule about ids, placeholders and
/// nesting: each problem once, located, with a help line.
#[test]
fn id_placeholder_and_nesting_errors_are_located() {
    let (code, stderr) = check_root(&fixture("prose-errors"));
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("prose_errors_human", stderr);
}
