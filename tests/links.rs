//! Links in the prose: `{{ param }}` in every link form, values encoded for the part of the
//! address they land in (a hostile corpus through the real renderer, parsed by html5ever),
//! documents linked by file name, and the warnings about broken links, as `clause check`
//! prints them.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use clause::input::Input;
use scraper::{Html, Selector};
use url::Url;

use common::{build, clause, copy_dir, fixture};

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("valid selector")
}

/// `clause <command> --root <root> <extra>`: (exit code, stderr).
fn run(command: &str, root: &Path, extra: &[&str]) -> (i32, String) {
    let o = clause()
        .arg(command)
        .arg("--root")
        .arg(root)
        .args(extra)
        .output()
        .expect("runs");
    (
        o.status.code().expect("exit code"),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Every link of a page's prose (in `<main>`, out of the table of contents): (text, href).
fn links(page: &str) -> Vec<(String, String)> {
    let doc = Html::parse_document(page);
    doc.select(&sel("main > p a"))
        .map(|a| {
            (
                a.text().collect::<String>(),
                a.value().attr("href").unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn placeholders_with_spaces_make_links_in_every_form() {
    let root = fixture("links");
    let (code, stderr) = run("check", &root, &["--strict"]);
    assert_eq!(
        (code, stderr.as_str()),
        (
            0,
            "ok: 4 pages in 2 locales, 1 cookie entry; nothing written\n"
        )
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    build(&root, &out);
    let en = fs::read_to_string(out.join("en/cookies/index.html")).expect("page");
    assert_eq!(
        links(&en),
        [
            ("dpo+cookies@example.org", "mailto:dpo+cookies@example.org"),
            (
                "mailto:dpo+cookies@example.org",
                "mailto:dpo+cookies@example.org"
            ),
            ("data.example.org", "https://data.example.org/explore"),
            (
                "search",
                "https://data.example.org/search?q=cookies%20%26%20consent"
            ),
            ("notices", "https://data.example.org/legal%20notices/"),
            ("home page", "https://data.example.org/"),
            ("contact page", "../../en/contact/index.html"),
            ("necessary cookies", "#necessary"),
            ("a cookie", "#def-cookie"),
            ("write to us", "../../en/contact/index.html#write-to-us"),
        ]
        .map(|(t, h)| (t.to_string(), h.to_string()))
    );
    assert!(
        en.contains("<a href=\"https://data.example.org/\" title=\"data.example.org\">"),
        "{en}"
    );
    // The same file names lead to the French pages, and French values are encoded too.
    let fr = fs::read_to_string(out.join("fr/cookies/index.html")).expect("page");
    let hrefs: Vec<String> = links(&fr).into_iter().map(|(_, h)| h).collect();
    assert!(hrefs.contains(&"https://data.example.org/mentions%20l%C3%A9gales/".to_string()));
    assert!(hrefs.contains(&"../../fr/contact/index.html".to_string()));
    assert!(hrefs.contains(&"../../fr/contact/index.html#write-to-us".to_string()));
    let contact = fs::read_to_string(out.join("fr/contact/index.html")).expect("page");
    assert_eq!(
        links(&contact),
        [
            ("politique de cookies", "../../fr/cookies/index.html"),
            (
                "cookies nécessaires",
                "../../fr/cookies/index.html#necessary"
            ),
        ]
        .map(|(t, h)| (t.to_string(), h.to_string()))
    );
    // From `file://`: each link between pages names a file that is there, and an id in it.
    for (page, html) in [("en/cookies", &en), ("fr/contact", &contact)] {
        let here = Url::from_file_path(out.join(page).join("index.html")).expect("file URL");
        for (_, href) in links(html) {
            if href.starts_with("https:") || href.starts_with("mailto:") {
                continue;
            }
            let target = here.join(&href).expect("joins");
            let file = target.to_file_path().expect("a file");
            let text = fs::read_to_string(&file).unwrap_or_else(|e| panic!("{href}: {e}"));
            if let Some(id) = target.fragment() {
                assert!(text.contains(&format!(" id=\"{id}\"")), "{href}");
            }
        }
    }
}

#[test]
fn broken_links_are_warnings_and_fail_a_strict_build() {
    let root = fixture("broken-links");
    let (code, stderr) = run("check", &root, &[]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("broken_links", stderr);
    let (code, strict) = run("check", &root, &["--strict"]);
    assert_eq!(code, 1, "{strict}");
    assert!(
        strict.starts_with(stderr.lines().next().expect("a line")),
        "{strict}"
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let (code, _) = run(
        "build",
        &root,
        &[
            "--strict",
            "--output",
            &tmp.path().join("out").to_string_lossy(),
        ],
    );
    assert_eq!(code, 1);
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn values_that_cannot_form_an_address_are_errors_at_their_placeholder() {
    let root = fixture("link-values");
    let (code, stderr) = run("check", &root, &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("link_values", stderr);
}

/// On a platform, links are checked in each portal: an anchor that one portal's page has
/// and another's has not is reported for that portal only.
#[test]
fn links_are_checked_per_portal() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    copy_dir(&fixture("platform"), &root);
    // Gamma measures nothing: its analytics category has no cookie, so no anchor either.
    let gamma = root.join("sites/gamma/cookies.toml");
    let text = fs::read_to_string(&gamma).expect("read");
    fs::write(&gamma, format!("remove = [\"_ga\"]\n{text}")).expect("write");
    let de = root.join("content/de/cookies.md");
    let text = fs::read_to_string(&de).expect("read");
    fs::write(
        &de,
        text.replace(
            "{{ cookies }}",
            "Siehe die [Statistik](#analytics).\n\n{{ cookies }}",
        ),
    )
    .expect("write");
    let (code, stderr) = run("check", &root, &[]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("links_per_portal", stderr);
}

// ── Hostile values through the real renderer ─────────────────────────────────────────

/// Values that would break an address, or the HTML around it, if written as they are.
const HOSTILE: [&str; 16] = [
    "\"",
    "'",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "a b",
    ")",
    "](https://evil.example)",
    "x\ny",
    "../",
    "?admin=1&x=2",
    "#top",
    "%2F%2e%2e",
    "dpo@evil.example,other@evil.example",
    "\\",
    "`",
    "{{ other }}",
];

/// A site whose `[params]` are `v0`… the values, and whose English document is `body`.
fn site_with(values: &[&str], body: &str) -> Input {
    let mut settings = toml_edit::DocumentMut::new();
    settings["title"] = toml_edit::value("T");
    settings["base_url"] = toml_edit::value("https://example.org/");
    let mut locales = toml_edit::Array::new();
    locales.push("en");
    settings["locales"] = toml_edit::value(locales);
    let mut params = toml_edit::Table::new();
    for (i, v) in values.iter().enumerate() {
        params[&format!("v{i}")] = toml_edit::value(*v);
    }
    settings["params"] = toml_edit::Item::Table(params);
    let mut files = BTreeMap::new();
    files.insert("site.toml".to_string(), settings.to_string().into_bytes());
    files.insert(
        "content/cookies.toml".to_string(),
        fs::read(fixture("minimal").join("content/cookies.toml")).expect("inventory"),
    );
    files.insert(
        "content/en/cookies.md".to_string(),
        format!("+++\ntitle = \"Cookies\"\n+++\n\n{body}\n\n{{{{ cookies }}}}\n").into_bytes(),
    );
    Input::Memory(files)
}

/// The page of a site that must load, and the errors of one that must not.
fn render(input: &Input) -> Result<String, Vec<String>> {
    let loaded = clause::site::load(input);
    let Some(site) = loaded.sites.first() else {
        return Err(loaded.diags.iter().map(|d| d.message.clone()).collect());
    };
    let files = clause::render::render(site).expect("renders");
    let page = files
        .iter()
        .find(|f| f.path == "en/cookies/index.html")
        .expect("the page");
    Ok(String::from_utf8(page.bytes.clone()).expect("UTF-8"))
}

/// One link of the corpus: how it is written with `{{ v }}` in it, and what the parsed
/// link must be for the value `v`: its text, and the value read back from its address.
struct Form {
    markdown: &'static str,
    /// Whether the value is a whole segment of a path, where `.` and `..` are refused.
    segment: bool,
    text: fn(&str) -> String,
    value: fn(&Url) -> Option<String>,
}

fn decoded(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn query(u: &Url, key: &str) -> Option<String> {
    u.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// The link forms where any value is encoded, never refused.
fn forms() -> Vec<Form> {
    vec![
        Form {
            markdown: "[{{ v }}](https://example.org/x)",
            segment: false,
            text: |v| v.to_string(),
            value: |u| (u.as_str() == "https://example.org/x").then(String::new),
        },
        Form {
            markdown: "[path](https://example.org/docs/{{ v }})",
            segment: true,
            text: |_| "path".into(),
            value: |u| {
                let segments: Vec<&str> = u.path_segments()?.collect();
                match segments.as_slice() {
                    ["docs", s] if u.host_str() == Some("example.org") => Some(decoded(s)),
                    _ => None,
                }
            },
        },
        Form {
            markdown: "[query](https://example.org/search?q={{ v }}&lang=en)",
            segment: false,
            text: |_| "query".into(),
            value: |u| {
                let pairs: Vec<_> = u.query_pairs().collect();
                (pairs.len() == 2
                    && u.path() == "/search"
                    && query(u, "lang").as_deref() == Some("en"))
                .then(|| query(u, "q"))
                .flatten()
            },
        },
        Form {
            markdown: "[fragment](https://example.org/page#{{ v }})",
            segment: false,
            text: |_| "fragment".into(),
            value: |u| {
                (u.path() == "/page" && u.query().is_none())
                    .then(|| decoded(u.fragment().unwrap_or("")))
            },
        },
        Form {
            markdown: "[subject](mailto:dpo@example.org?subject={{ v }})",
            segment: false,
            text: |_| "subject".into(),
            value: |u| {
                (u.scheme() == "mailto"
                    && u.path() == "dpo@example.org"
                    && u.query_pairs().count() == 1)
                    .then(|| query(u, "subject"))
                    .flatten()
            },
        },
        Form {
            markdown: "[mailbox](mailto:{{ v }}@example.org)",
            segment: false,
            text: |_| "mailbox".into(),
            value: |u| {
                let path = decoded(u.path());
                (u.scheme() == "mailto"
                    && u.query().is_none()
                    && u.path().matches('@').count() == 1)
                    .then(|| path.strip_suffix("@example.org").map(str::to_string))
                    .flatten()
            },
        },
        Form {
            markdown: "<https://example.org/auto/{{ v }}>",
            segment: true,
            text: |v| format!("https://example.org/auto/{v}"),
            value: |u| {
                let segments: Vec<&str> = u.path_segments()?.collect();
                match segments.as_slice() {
                    ["auto", s] => Some(decoded(s)),
                    _ => None,
                }
            },
        },
        Form {
            markdown: "[reference][r]\n\n[r]: https://example.org/ref/{{ v }} \"{{ v }}\"",
            segment: true,
            text: |_| "reference".into(),
            value: |u| {
                let segments: Vec<&str> = u.path_segments()?.collect();
                match segments.as_slice() {
                    ["ref", s] => Some(decoded(s)),
                    _ => None,
                }
            },
        },
    ]
}

/// Whatever a value holds, each link form stays one link with its text, leading to the
/// same place with the value as one part of the address, and the page holds nothing the
/// README forbids.
fn assert_value_stays_in_its_place(value: &str) {
    for form in forms() {
        // The value ends the paragraph's text: each form is its own paragraph.
        let body = form.markdown.replace("{{ v }}", "{{ v0 }}");
        let rendered = render(&site_with(&[value], &body));
        if form.segment && (value == "." || value == "..") {
            let errors = rendered.expect_err("a dot segment is refused");
            assert_eq!(
                errors,
                [format!("`{{{{ v0 }}}}` cannot form a valid address: `{value}` as a folder of the address would lead to another folder")]
            );
            continue;
        }
        let page = rendered.unwrap_or_else(|e| panic!("{value:?} in {}: {e:?}", form.markdown));
        assert_eq!(clause::fuzzing::unsafe_html(&page, false), None, "{page}");
        let doc = Html::parse_document(&page);
        let anchors: Vec<_> = doc.select(&sel("main > p a")).collect();
        assert_eq!(anchors.len(), 1, "{value:?} in {}: {page}", form.markdown);
        let a = anchors[0];
        assert_eq!(
            a.text().collect::<String>(),
            (form.text)(value),
            "{value:?} in {}",
            form.markdown
        );
        let href = a.value().attr("href").expect("href");
        let url = Url::parse(href).unwrap_or_else(|e| panic!("{href}: {e}"));
        let expected = if form.markdown.contains("](https://example.org/x)") {
            String::new()
        } else {
            value.to_string()
        };
        assert_eq!(
            (form.value)(&url).as_deref(),
            Some(expected.as_str()),
            "{value:?} in {} gave {href}",
            form.markdown
        );
        if form.markdown.contains("[r]:") {
            let title = Some(value).filter(|v| !v.is_empty());
            assert_eq!(a.value().attr("title"), title, "{page}");
        }
        // Nothing but the one link in the paragraph: no element came out of the value.
        let p = doc.select(&sel("main > p")).next().expect("paragraph");
        assert_eq!(p.children().filter(|c| c.value().is_element()).count(), 1);
    }
}

#[test]
fn hostile_values_never_change_a_links_structure() {
    for value in HOSTILE {
        assert_value_stays_in_its_place(value);
    }
}

/// Where a value is a host, an e-mail address or a whole address, no encoding keeps the
/// address's structure: a hostile value there is refused at its placeholder.
#[test]
fn hostile_values_where_they_cannot_be_encoded_are_refused() {
    let forms = [
        "[host](https://{{ v0 }}/x)",
        "[mail](mailto:{{ v0 }})",
        "<mailto:{{ v0 }}>",
        "[whole]({{ v0 }})",
    ];
    for value in HOSTILE {
        for form in forms {
            let accepted: &[&str] = match form {
                // A relative address of the site, or a fragment: the value is the address.
                "[whole]({{ v0 }})" => &[
                    ")",
                    "](https://evil.example)",
                    "../",
                    "?admin=1&x=2",
                    "#top",
                    "%2F%2e%2e",
                    "'",
                    "dpo@evil.example,other@evil.example",
                ],
                _ => &[],
            };
            match render(&site_with(&[value], form)) {
                Err(errors) => {
                    assert!(
                        !accepted.contains(&value),
                        "{value:?} in {form}: {errors:?}"
                    );
                    assert_eq!(errors.len(), 1, "{value:?} in {form}: {errors:?}");
                    assert!(
                        errors[0].starts_with("`{{ v0 }}` cannot form a valid address: "),
                        "{errors:?}"
                    );
                }
                Ok(page) => {
                    assert!(
                        accepted.contains(&value),
                        "{value:?} in {form} was accepted"
                    );
                    assert_eq!(clause::fuzzing::unsafe_html(&page, false), None);
                    let doc = Html::parse_document(&page);
                    let hrefs: Vec<&str> = doc
                        .select(&sel("main > p a"))
                        .filter_map(|a| a.value().attr("href"))
                        .collect();
                    // The value is the address, as it is (HTML-escaped by the parser's reading).
                    assert_eq!(hrefs.len(), 1, "{value:?}: {page}");
                    let base = Url::parse("https://example.org/en/cookies/").expect("url");
                    // The HTML writer encodes what an address should not hold as it is (`]`).
                    assert_eq!(
                        decoded(base.join(hrefs[0]).expect("joins").as_str()),
                        decoded(base.join(value).expect("joins").as_str()),
                        "{value:?}"
                    );
                }
            }
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 48,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// Any value at all: each link stays one link, the value one part of its address.
    #[test]
    fn any_value_stays_in_its_place(
        value in "\\PC{0,12}|[ -~]{0,12}|[\"'<>()\\[\\]{}#?&=%/\\\\ \n]{0,8}"
    ) {
        assert_value_stays_in_its_place(&value);
    }
}
