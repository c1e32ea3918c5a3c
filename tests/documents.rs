//! Several documents in a site: front matter `sections`, `weight` and `draft`, the
//! navigation between a language's documents, and the page the consent banners link to.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::clause;

const SITE: &str = "title = { en = \"Example\", de = \"Beispiel\" }\nbase_url = \"https://example.org/\"\nlocales = [\"en\", \"de\"]\n";

const INVENTORY: &str = r#"[categories.necessary]
title = { en = "Necessary cookies", de = "Notwendige Cookies" }
consent = "exempt"

[providers.site]
name = "Example"

[[cookies]]
names = ["session"]
provider = "site"
category = "necessary"
function = "Log-in"
purpose = "To keep you logged in"
duration = "session"
"#;

/// A two-language site of three documents: `cookies` (weight 1, the tables), `contact`
/// (weight 2, no automatic sections) and `legal` (no weight), plus `files`.
fn site(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    let mut all: Vec<(String, String)> = vec![
        ("site.toml".into(), SITE.into()),
        ("content/cookies.toml".into(), INVENTORY.into()),
    ];
    for (l, cookies, contact, legal) in [
        ("en", "Cookie policy", "Contact", "Legal notice"),
        ("de", "Cookie-Richtlinie", "Kontakt", "Impressum"),
    ] {
        all.push((
            format!("content/{l}/cookies.md"),
            format!("+++\ntitle = \"{cookies}\"\nweight = 1\n+++\n\n{{{{ cookies }}}}\n"),
        ));
        all.push((
            format!("content/{l}/contact.md"),
            format!(
                "+++\ntitle = \"{contact}\"\nweight = 2\nsections = false\n+++\n\nWrite to us.\n"
            ),
        ));
        all.push((
            format!("content/{l}/legal.md"),
            format!("+++\ntitle = \"{legal}\"\nsections = false\n+++\n\nPublisher.\n"),
        ));
    }
    for (path, text) in files {
        all.push(((*path).to_string(), (*text).to_string()));
    }
    for (path, text) in all {
        let p = root.join(path);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(p, text).expect("write");
    }
    (tmp, root)
}

/// Runs clause with `args` then `--root <root>`; (success, stderr).
fn run(root: &Path, args: &[&str]) -> (bool, String) {
    let o = clause()
        .args(args)
        .arg("--root")
        .arg(root)
        .output()
        .expect("runs");
    assert!(o.stdout.is_empty(), "stdout stays clean");
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Builds `root` into `<root>/output` with `extra` arguments; the stderr of a success.
fn build(root: &Path, extra: &[&str]) -> String {
    let mut args = vec!["build"];
    args.extend(extra);
    let (ok, stderr) = run(root, &args);
    assert!(ok, "{stderr}");
    stderr
}

fn read(root: &Path, rel: &str) -> String {
    fs::read_to_string(root.join("output").join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The `<nav>` between the documents of a page's language, if it has one.
fn documents_nav(page: &str) -> Option<&str> {
    let start = page.find("<nav class=\"documents\"")?;
    let end = page[start..].find("</nav>")? + start;
    Some(&page[start..end])
}

#[test]
fn a_document_with_sections_false_gets_no_generated_section() {
    let (_tmp, root) = site(&[]);
    let stderr = build(&root, &[]);
    assert!(!stderr.contains("warning"), "{stderr}");
    let cookies = read(&root, "en/cookies/index.html");
    assert!(cookies.contains("<table"));
    for page in ["en/contact/index.html", "de/legal/index.html"] {
        let html = read(&root, page);
        assert!(!html.contains("<table"), "{page}");
        assert!(!html.contains("id=\"definitions\""), "{page}");
        assert!(!html.contains("id=\"necessary\""), "{page}");
    }
}

#[test]
fn weight_orders_the_index_and_the_navigation_of_each_language() {
    let (_tmp, root) = site(&[]);
    build(&root, &[]);
    let index = read(&root, "index.html");
    let at = |t: &str| {
        index
            .find(&format!(">{t}</a>"))
            .unwrap_or_else(|| panic!("{t}"))
    };
    assert!(at("Cookie policy") < at("Contact") && at("Contact") < at("Legal notice"));
    assert!(at("Cookie-Richtlinie") < at("Kontakt") && at("Kontakt") < at("Impressum"));
    let page = read(&root, "de/contact/index.html");
    let nav = documents_nav(&page).expect("a navigation between the documents");
    assert!(
        nav.starts_with("<nav class=\"documents\" aria-label=\"Dokumente\">"),
        "{nav}"
    );
    let hrefs: Vec<&str> = nav
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert_eq!(
        hrefs,
        [
            "../../de/cookies/index.html",
            "../../de/contact/index.html",
            "../../de/legal/index.html"
        ]
    );
    assert_eq!(nav.matches("aria-current=\"page\"").count(), 1);
    assert!(
        nav.contains("<a href=\"../../de/contact/index.html\" aria-current=\"page\">Kontakt</a>"),
        "{nav}"
    );
    // Each page marks itself.
    let en = read(&root, "en/legal/index.html");
    let nav = documents_nav(&en).expect("nav");
    assert!(nav.contains("aria-label=\"Documents\""), "{nav}");
    assert!(
        nav.contains(
            "<a href=\"../../en/legal/index.html\" aria-current=\"page\">Legal notice</a>"
        ),
        "{nav}"
    );
}

#[test]
fn a_site_of_one_document_per_language_has_no_document_navigation() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    common::build(&common::fixture("minimal"), &out);
    let page = fs::read_to_string(out.join("en/cookies/index.html")).expect("page");
    assert_eq!(documents_nav(&page), None);
}

#[test]
fn front_matter_keys_of_the_wrong_type_are_errors_with_their_place() {
    let (_tmp, root) = site(&[
        (
            "content/en/contact.md",
            "+++\ntitle = \"Contact\"\nweight = 1.5\nsections = \"no\"\ndraft = \"yes\"\n+++\n",
        ),
        (
            "content/de/legal.md",
            "+++\ntitle = \"Impressum\"\nweigth = 3\n+++\n",
        ),
    ]);
    let (ok, stderr) = run(&root, &["check"]);
    assert!(!ok);
    insta::assert_snapshot!("front_matter_types", stderr);
}

/// `en/news.md`, a draft that has no German version yet.
const NEWS: (&str, &str) = (
    "content/en/news.md",
    "+++\ntitle = \"News\"\ndraft = true\nsections = false\n+++\n\nComing soon.\n",
);

#[test]
fn build_leaves_a_draft_out_and_names_it_on_one_line() {
    let (_tmp, root) = site(&[NEWS]);
    let stderr = build(&root, &[]);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines[0], "note: content/en/news.md is a draft: left out (`--drafts` builds it)",
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("built 6 pages in 2 locales into "),
        "{stderr}"
    );
    assert!(!root.join("output/en/news").exists());
    for rel in ["index.html", "sitemap.xml", "en/cookies/index.html"] {
        assert!(!read(&root, rel).contains("news"), "{rel}");
    }
    // `check` leaves it out the same way.
    let (ok, stderr) = run(&root, &["check"]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("note: content/en/news.md is a draft: left out (`--drafts` builds it)\nok: 6 pages in 2 locales"), "{stderr}");
}

#[test]
fn drafts_are_built_with_a_visible_mark_when_asked() {
    let (_tmp, root) = site(&[
        NEWS,
        (
            "content/de/neu.md",
            "+++\ntitle = \"Neu\"\ndraft = true\nsections = false\n+++\n\nBald.\n",
        ),
    ]);
    build(&root, &[]);
    let stderr = build(&root, &["--drafts"]);
    assert!(
        stderr.starts_with("built 8 pages in 2 locales into "),
        "{stderr}"
    );
    let news = read(&root, "en/news/index.html");
    assert!(news.contains("<p class=\"draft\">Draft</p>"), "{news}");
    let neu = read(&root, "de/neu/index.html");
    assert!(neu.contains("<p class=\"draft\">Entwurf</p>"), "{neu}");
    // A document missing in the other language links no translation.
    assert!(!news.contains("hreflang=\"de\""), "{news}");
    assert!(!read(&root, "en/cookies/index.html").contains("class=\"draft\""));
    // The navigation lists it in its language only.
    let nav_en = read(&root, "en/cookies/index.html");
    assert!(documents_nav(&nav_en).is_some_and(|n| n.contains("../../en/news/index.html")));
    assert!(
        !documents_nav(&read(&root, "de/cookies/index.html")).is_some_and(|n| n.contains("news"))
    );
    let (ok, stderr) = run(&root, &["check", "--drafts"]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("ok: 8 pages in 2 locales"), "{stderr}");
    // Without `--drafts` again, the drafts are gone from the output.
    build(&root, &[]);
    assert!(!root.join("output/en/news").exists());
}

#[test]
fn a_published_document_missing_in_a_language_is_an_error_and_a_draft_translation_does_not_count() {
    let (_tmp, root) = site(&[
        (
            "content/en/faq.md",
            "+++\ntitle = \"FAQ\"\nsections = false\n+++\n",
        ),
        (
            "content/en/press.md",
            "+++\ntitle = \"Press\"\nsections = false\n+++\n",
        ),
        (
            "content/de/press.md",
            "+++\ntitle = \"Presse\"\ndraft = true\nsections = false\n+++\n",
        ),
    ]);
    let (ok, stderr) = run(&root, &["check"]);
    assert!(!ok);
    insta::assert_snapshot!("missing_translations", stderr);
    // With the drafts, the draft is the German version.
    let (ok, stderr) = run(&root, &["check", "--drafts"]);
    assert!(!ok);
    assert!(
        stderr.contains("document `faq` has no `de` version"),
        "{stderr}"
    );
    assert!(!stderr.contains("`press`"), "{stderr}");
}

#[test]
fn the_preview_shows_drafts_with_a_localized_mark() {
    let s = common::serve::start_with(|root| {
        fs::write(
            root.join("content/fr/brouillon.md"),
            "+++\ntitle = \"Nouvelle page\"\ndraft = true\n+++\n\nBientôt.\n",
        )
        .expect("write");
    });
    let page = s.get("/fr/brouillon/");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("<p class=\"draft\">Brouillon</p>"),
        "{}",
        page.body
    );
    // The English version does not exist: the switcher does not link it.
    assert!(
        !page.body.contains("href=\"../../en/brouillon/"),
        "{}",
        page.body
    );
}

#[test]
fn the_consent_banners_link_the_document_that_shows_the_cookie_tables() {
    // `contact` sorts first and has no tables; `policy` shows them.
    let (_tmp, root) = site(&[]);
    for (l, title) in [
        ("en", "Privacy and cookies"),
        ("de", "Datenschutz und Cookies"),
    ] {
        fs::rename(
            root.join(format!("content/{l}/cookies.md")),
            root.join(format!("content/{l}/policy.md")),
        )
        .expect("rename");
        fs::write(
            root.join(format!("content/{l}/policy.md")),
            format!("+++\ntitle = \"{title}\"\nweight = 3\n+++\n\n{{{{ cookies }}}}\n"),
        )
        .expect("write");
    }
    let o = clause()
        .args(["export", "--format", "cookieconsent", "--root"])
        .arg(&root)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let module = String::from_utf8_lossy(&o.stdout);
    // The link is JSON text, `<` and `>` escaped.
    assert!(
        module.contains(
            r#"\u003ca href=\"https://example.org/en/policy/\"\u003ePrivacy and cookies\u003c/a\u003e"#
        ),
        "{module}"
    );
    assert!(
        module.contains(
            r#"\u003ca href=\"https://example.org/de/policy/\"\u003eDatenschutz und Cookies\u003c/a\u003e"#
        ),
        "{module}"
    );
    assert!(!module.contains("Contact"), "{module}");
    let o = clause()
        .args(["export", "--format", "klaro", "--root"])
        .arg(&root)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let klaro = String::from_utf8_lossy(&o.stdout);
    assert!(klaro.contains("https://example.org/en/policy/"), "{klaro}");
    assert!(!klaro.contains("/contact/"), "{klaro}");
}

#[test]
fn a_portals_own_draft_replaces_the_shared_document_only_with_drafts() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("platform");
    common::copy_dir(&common::fixture("platform"), &root);
    let own = root.join("sites/gamma/content/en/cookies.md");
    let text = fs::read_to_string(&own).expect("read");
    fs::write(
        &own,
        text.replacen("+++\n", "+++\ndraft = true\n", 1)
            .replace("+++\n\n", "+++\n\nGAMMA-DRAFT\n\n"),
    )
    .expect("write");
    let stderr = build(&root, &[]);
    assert!(
        stderr.starts_with(
            "note: sites/gamma/content/en/cookies.md is a draft: left out (`--drafts` builds it)\n"
        ),
        "{stderr}"
    );
    let page = read(&root, "gamma/en/cookies/index.html");
    assert!(!page.contains("GAMMA-DRAFT") && !page.contains("class=\"draft\""));
    build(&root, &["--drafts"]);
    let page = read(&root, "gamma/en/cookies/index.html");
    assert!(page.contains("GAMMA-DRAFT") && page.contains("<p class=\"draft\">Draft</p>"));
}

#[test]
fn the_navigation_of_a_language_of_many_documents_lists_the_first_and_links_the_index() {
    let extra: Vec<(String, String)> = ["en", "de"]
        .iter()
        .flat_map(|l| {
            (1..=12).map(move |i| {
                (
                    format!("content/{l}/doc-{i:02}.md"),
                    format!("+++\ntitle = \"Doc {i}\"\nsections = false\n+++\n"),
                )
            })
        })
        .collect();
    let files: Vec<(&str, &str)> = extra
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let (_tmp, root) = site(&files);
    build(&root, &[]);
    let page = read(&root, "en/doc-12/index.html");
    let nav = documents_nav(&page).expect("nav");
    let titles: Vec<&str> = nav
        .split("</a>")
        .filter_map(|s| s.rsplit_once('>').map(|(_, t)| t))
        .filter(|t| !t.trim().is_empty())
        .collect();
    assert_eq!(
        titles,
        [
            "Cookie policy",
            "Contact",
            "Doc 1",
            "Doc 2",
            "Doc 3",
            "Doc 4",
            "Doc 5",
            "Doc 6",
            "Doc 7",
            "Doc 8",
            "Doc 9",
            "Doc 10",
            "Doc 12",
            "All documents"
        ],
        "{nav}"
    );
    assert!(nav.contains("<a href=\"../../en/doc-12/index.html\" aria-current=\"page\">Doc 12</a>"));
    assert!(
        nav.contains("<a href=\"../../index.html\">All documents</a>"),
        "{nav}"
    );
    // The index lists every one.
    let index = read(&root, "index.html");
    assert!(index.contains(">Doc 11</a>") && index.contains(">Legal notice</a>"));
    let page = read(&root, "de/cookies/index.html");
    assert!(documents_nav(&page).is_some_and(|n| n.contains(">Alle Dokumente</a>")));
}
