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

/// Renders `body` as the prose of the page, and returns its errors (or the page) and how
/// long it took. Inputs are sized so that quadratic work would take minutes: the bound on
/// the time is generous (a slow, shared machine passes), the gap to quadratic is tenfold.
fn prose(body: &str) -> (Result<String, Vec<String>>, std::time::Duration) {
    let page = format!("+++\ntitle = \"Cookies\"\n+++\n\n{{{{ cookies }}}}\n\n{body}\n");
    let start = std::time::Instant::now();
    let result = run(&site_with(&(HEAD.to_string() + &cookie(0)), &page));
    (result, start.elapsed())
}

const GENEROUS: std::time::Duration = std::time::Duration::from_secs(20);

fn refused(body: &str, message: &str) {
    let (result, took) = prose(body);
    assert_eq!(result.err().unwrap_or_default(), [message]);
    assert!(took < GENEROUS, "{took:?}");
}

const TOO_DEEP: &str = "lists and block quotes nest more than 32 levels deep";
const TOO_MANY_ELEMENTS: &str = "elements nest more than 128 levels deep";

#[test]
fn deeply_nested_lists_are_refused_quickly() {
    // 200,000 levels on one line, then as many lines continuing them lazily: the Markdown
    // parser's time grows with the levels open on every line.
    let lazy = "more\n".repeat(200_000);
    refused(&format!("{}x\n{lazy}", "- ".repeat(200_000)), TOO_DEEP);
    refused(&format!("{}x\n{lazy}", "1. ".repeat(200_000)), TOO_DEEP);
    refused(&format!("{}x\n{lazy}", "* ".repeat(200_000)), TOO_DEEP);
}

#[test]
fn deeply_nested_quotes_are_refused_quickly() {
    let lazy = "more\n".repeat(200_000);
    refused(&format!("{}x\n{lazy}", "> ".repeat(200_000)), TOO_DEEP);
}

#[test]
fn deeply_mixed_lists_and_quotes_are_refused_quickly() {
    let lazy = "more\n".repeat(200_000);
    refused(
        &format!("{}x\n{lazy}", "> - 1. + 2) ".repeat(40_000)),
        TOO_DEEP,
    );
    // One level a line, by indentation.
    let mut stairs = String::new();
    for i in 0..2_000 {
        stairs.push_str(&"  ".repeat(i));
        stairs.push_str("- x\n");
    }
    refused(&stairs, TOO_DEEP);
}

#[test]
fn deeply_nested_html_is_refused_quickly() {
    // 1.1 MB of `<div>`, and of `<blockquote>`: the HTML parser's time grows with the
    // square of the depth.
    refused(&"<div>".repeat(220_000), TOO_MANY_ELEMENTS);
    refused(&"<blockquote>".repeat(100_000), TOO_MANY_ELEMENTS);
    refused(&"<div>\n".repeat(200_000), TOO_MANY_ELEMENTS);
    // Emphasis inside emphasis, on one long line.
    refused(
        &format!("{}x{}", "*a ".repeat(50_000), " b*".repeat(50_000)),
        TOO_MANY_ELEMENTS,
    );
}

#[test]
fn reopened_elements_are_refused_before_they_multiply() {
    const REOPENED: &str = "this HTML makes browsers reopen its open elements over and over";
    // Formatting elements left open are reopened by the parser in every paragraph after
    // them: 100 elements a paragraph, out of 8 bytes.
    let open: String = (0..100).map(|i| format!("<b class=\"c{i}\">")).collect();
    refused(
        &format!("<p>{open}x</p>{}", "<p>x</p>".repeat(90_000)),
        REOPENED,
    );
    // One element with a 500 KB attribute, reopened in 60,000 paragraphs: 30 GB of HTML
    // out of 1 MB, growing with the square of the input.
    refused(
        &format!(
            "<p><b title=\"{}\">x</p>{}",
            "A".repeat(500_000),
            "<p>x</p>".repeat(60_000)
        ),
        REOPENED,
    );
}

#[test]
fn long_lines_and_wide_html_build_in_linear_time() {
    // Nesting at the limits, then a long run of lines that continue it.
    let at_limit = format!("{}x\n{}", "> ".repeat(32), "more\n".repeat(200_000));
    let (page, took) = prose(&at_limit);
    assert_eq!(page.expect("builds").matches("<blockquote>").count(), 32);
    assert!(took < GENEROUS, "{took:?}");
    // A 10 MB paragraph on one line, and a million elements side by side.
    let (page, took) = prose(&"Cookies are small files. ".repeat(400_000));
    assert!(page.expect("builds").len() > 10_000_000);
    assert!(took < GENEROUS, "{took:?}");
    // Elements side by side in one block, up to the limit of tags a block; in many
    // blocks, without limit.
    let (page, took) = prose(&"<b>x</b> <i>y</i> ".repeat(49_000));
    assert_eq!(page.expect("builds").matches("<b>x</b>").count(), 49_000);
    assert!(took < GENEROUS, "{took:?}");
    let (page, took) = prose(&"<b>x</b> <i>y</i>\n\n".repeat(100_000));
    assert_eq!(page.expect("builds").matches("<b>x</b>").count(), 100_000);
    assert!(took < GENEROUS, "{took:?}");
    refused(
        &"<b>x</b> <i>y</i> ".repeat(55_000),
        "this block is too large: more than 200,000 HTML tags",
    );
    // A block is held whole until it ends: its pieces are counted as they come.
    refused(
        &"<b>x</b> <i>y</i>\n".repeat(500_000),
        "this block is too large: more than 500,000 pieces of Markdown",
    );
}

#[test]
fn long_texts_of_ampersands_and_latin_signs_build_in_linear_time() {
    // html5ever's serializer, which writes every sanitized block, searched the rest of a
    // text again after each `&` or 0xC2 byte (`«`, `©`, a non-breaking space): a 4 MB
    // paragraph of them took minutes.
    for (body, shown) in [
        ("a&".repeat(2_000_000), "a&amp;"),
        ("a\u{ab}".repeat(1_400_000), "a\u{ab}"),
        ("a\u{a0}".repeat(1_400_000), "a&nbsp;"),
        (format!("    {}", "a&".repeat(2_000_000)), "a&amp;"),
    ] {
        let (page, took) = prose(&body);
        let page = page.expect("builds");
        assert!(page.matches(shown).count() >= 1_400_000, "{shown}");
        // Each took more than 150 s before the fix, under a minute on a busy machine.
        assert!(took < 3 * GENEROUS, "{shown}: {took:?}");
    }
}

#[test]
fn a_fifty_megabyte_document_builds_in_bounded_memory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    std::fs::create_dir_all(root.join("content/en")).expect("mkdir");
    std::fs::write(root.join("site.toml"), SITE).expect("write");
    std::fs::write(
        root.join("content/cookies.toml"),
        HEAD.to_string() + &cookie(0),
    )
    .expect("write");
    let mut page = format!("{PAGE}\n");
    let paragraph = "Cookies are small files. They are kept by your browser, and *sent back* to the site on each visit.\n\n";
    while page.len() < 50 * 1024 * 1024 {
        page.push_str(paragraph);
    }
    std::fs::write(root.join("content/en/cookies.md"), &page).expect("write");
    drop(page);
    // The address space is capped at 14 times the document: holding its events or its HTML
    // a few times over more would fail. Threads and allocator arenas are capped too, so that
    // their reservations do not depend on the machine's number of cores.
    let bin = assert_cmd::cargo::cargo_bin("clause");
    let o = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -v 700000; exec '{}' build --root '{}' --output '{}'",
            bin.display(),
            root.display(),
            tmp.path().join("out").display()
        ))
        .env("RAYON_NUM_THREADS", "2")
        .env("MALLOC_ARENA_MAX", "2")
        .output()
        .expect("runs");
    assert!(
        o.status.success(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
            .chars()
            .take(2_000)
            .collect::<String>()
    );
}
