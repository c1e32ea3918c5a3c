//! The output checked as a visitor sees it: every generated page of the example and of the
//! valid fixtures passes the W3C Nu HTML Checker and axe-core in headless Chromium.
//!
//! The tools come from `npm ci --prefix tests/browser` and Debian's `chromium` (see .ci/run).
//! `CLAUSE_SKIP_BROWSER=1` skips these tests on a machine without them (never in CI: see
//! `common::skip_browser`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::skip_browser;

fn tools_dir() -> PathBuf {
    common::repo().join("tests/browser/node_modules")
}

/// Runs one of the scripts of tests/browser with Node; returns whether it succeeded and
/// its stdout and stderr.
fn node_run<I, A>(script: &str, args: I) -> (bool, String)
where
    I: IntoIterator<Item = A>,
    A: AsRef<std::ffi::OsStr>,
{
    let o = Command::new("node")
        .arg(common::repo().join("tests/browser").join(script))
        .args(args)
        .output()
        .expect("node runs");
    (
        o.status.success(),
        format!(
            "{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// Runs one of the scripts of tests/browser with Node and returns its stdout, after
/// checking that it succeeded (its stdout and stderr are shown when it did not).
fn node<I, A>(script: &str, args: I) -> String
where
    I: IntoIterator<Item = A>,
    A: AsRef<std::ffi::OsStr>,
{
    let (ok, report) = node_run(script, args);
    assert!(ok, "{script} failed:\n{report}");
    report
}

/// Builds every valid site and returns the generated HTML and CSS files.
fn built_pages(tmp: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut html = Vec::new();
    let mut css = Vec::new();
    let mut sites = common::valid_sites();
    // A site whose pages have a "Changes to this policy" section, built from git.
    sites.push(("history", common::history_site(&tmp.join("repo"))));
    // Versions, their list and the archived pages (one that cannot be shown included).
    sites.push((
        "versions",
        common::versions_site(&tmp.join("versions-repo")).0,
    ));
    // Archived pages of several documents, with the navigation between them and the
    // banner of `[consent]` (cookieconsent's own files).
    let (archive, _) = common::archive_site(&tmp.join("archive-repo"));
    install_banner(&archive, "cookieconsent");
    sites.push(("archive", archive));
    let mut builds: Vec<(&str, PathBuf, &[&str])> =
        sites.into_iter().map(|(n, r)| (n, r, &[][..])).collect();
    // Drafts, with their mark, and one that has no translation yet.
    builds.push((
        "languages-drafts",
        common::fixture("languages"),
        &["--drafts"],
    ));
    for (name, root, extra) in builds {
        let out = tmp.join(name);
        common::build_with(&root, &out, extra);
        for (rel, _) in common::tree(&out) {
            if rel.ends_with(".html") {
                html.push(out.join(rel));
            } else if rel.ends_with(".css") && !rel.starts_with("cookieconsent/") {
                // The banner package's own stylesheet is not Clause's to check.
                css.push(out.join(rel));
            }
        }
    }
    (html, css)
}

#[test]
fn every_page_passes_the_nu_html_checker() {
    if skip_browser("every_page_passes_the_nu_html_checker") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let (html, css) = built_pages(tmp.path());
    assert!(
        html.len() >= 10,
        "expected pages from every site, got {}",
        html.len()
    );
    let jar = tools_dir().join("vnu-jar/build/dist/vnu.jar");
    let o = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .arg("--also-check-css")
        .arg("--format")
        .arg("gnu")
        .args(&html)
        .args(&css)
        .output()
        .expect("java runs");
    let report = String::from_utf8_lossy(&o.stderr);
    // vnu reports warnings (info) too; only errors fail the page.
    let errors: Vec<&str> = report
        .lines()
        .filter(|l| l.contains(": error:") || l.contains(": fatal:"))
        .collect();
    assert!(
        errors.is_empty(),
        "Nu HTML Checker errors:\n{}",
        errors.join("\n")
    );
    assert!(o.status.success(), "vnu failed:\n{report}");
}

#[test]
fn every_page_passes_axe_at_desktop_and_phone_widths() {
    if skip_browser("every_page_passes_axe_at_desktop_and_phone_widths") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let (html, _) = built_pages(tmp.path());
    let report = node("axe.mjs", &html);
    assert!(
        report.contains(&format!(
            "axe: {} page views checked, 0 problems",
            html.len() * 4
        )),
        "{report}"
    );
}

/// The pages set in type by the layout and print checks: the six-language fixture (long
/// German compounds, providers with several cookies in a row, two documents and the
/// navigation between them), the example and the i18n fixture (whose tables lead with the
/// cookie names); every page of every language.
fn typeset_pages(tmp: &Path) -> Vec<PathBuf> {
    let mut pages = Vec::new();
    for (name, root) in [
        ("languages", common::fixture("languages")),
        ("example", common::repo()),
        ("i18n", common::fixture("i18n")),
    ] {
        let out = tmp.join(name);
        common::build(&root, &out);
        for (rel, _) in common::tree(&out) {
            // The root index links the languages; it has no table, and no text to set.
            if rel.ends_with("/index.html") {
                pages.push(out.join(rel));
            }
        }
    }
    pages
}

#[test]
fn no_header_touches_another_and_no_word_breaks_without_a_hyphen() {
    if skip_browser("no_header_touches_another_and_no_word_breaks_without_a_hyphen") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let pages = typeset_pages(tmp.path());
    let languages = pages
        .iter()
        .filter(|p| p.starts_with(tmp.path().join("languages")))
        .count();
    assert_eq!(languages, 12, "two documents in each of the six languages");
    let report = node("layout.mjs", &pages);
    assert!(
        report.contains(&format!(
            "layout: {} page views checked, 0 problems",
            pages.len() * 3
        )),
        "{report}"
    );
}

#[test]
fn printed_pages_carry_address_and_date_and_end_with_no_heading() {
    if skip_browser("printed_pages_carry_address_and_date_and_end_with_no_heading") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut pages = typeset_pages(tmp.path());
    // Pages with a version and a consent revision, and an archived version with its notice.
    let (root, _) = common::versions_site(&tmp.path().join("repo"));
    let out = tmp.path().join("versions");
    common::build(&root, &out);
    for rel in [
        "en/cookies/index.html",
        "fr/cookies/index.html",
        "en/cookies/versions/2026-02-07/index.html",
    ] {
        pages.push(out.join(rel));
    }
    let report = node("print.mjs", &pages);
    assert!(
        report.contains(&format!(
            "print: {} PDFs checked, 0 problems",
            pages.len() * 2
        )),
        "{report}"
    );
}

#[test]
fn audit_of_a_har_recorded_by_chromium() {
    if skip_browser("audit_of_a_har_recorded_by_chromium") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let har = tmp.path().join("site.har");
    node("record-har.mjs", [&har]);
    let o = common::clause()
        .arg("audit")
        .arg("--site")
        .arg("127.0.0.1")
        .arg("--format")
        .arg("json")
        .arg(&har)
        .output()
        .expect("runs");
    assert_eq!(
        o.status.code(),
        Some(1),
        "undeclared cookies fail the audit"
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let undeclared: Vec<(&str, &str)> = v["undeclared"]
        .as_array()
        .expect("array")
        .iter()
        .map(|u| {
            (
                u["name"].as_str().unwrap_or(""),
                u["party"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(undeclared, [("_pixel", "third"), ("_tracker", "first")]);
    let tracker = &v["undeclared"][1];
    // Max-Age from the header; the HAR's cookie array gives an expiry a moment later.
    let secs = tracker["lifetime"]["seconds"].as_u64().expect("seconds");
    assert!((31_536_000..31_536_005).contains(&secs), "{secs}");
    // sessionid is declared for two weeks and set for two weeks: no finding.
    assert!(
        v["longer_than_declared"]
            .as_array()
            .expect("array")
            .is_empty(),
        "{v}"
    );
    let unseen: Vec<&str> = v["unseen"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|u| u["name"].as_str())
        .collect();
    assert!(!unseen.contains(&"sessionid"));
}

/// The example site with cookies that only patterns match, and hostile markup in a purpose.
fn site_with_patterns(root: &Path) {
    common::copy_dir(&common::repo().join("content"), &root.join("content"));
    std::fs::copy(common::repo().join("site.toml"), root.join("site.toml")).expect("copy");
    let inv = root.join("content/cookies.toml");
    let mut text = std::fs::read_to_string(&inv).expect("inventory");
    text.push_str(
        r#"
[providers.google-analytics]
name = "Google Analytics"

[[cookies]]
names = ["_ga", "_ga_*", "re:_gat_[0-9]+"]
provider = "google-analytics"
category = "third-party"
function = "Statistics"
purpose = { en = "To count visits <img src=x onerror=\"window.pwned=1\"> & \"more\"", fr = "Compter les visites" }
duration = "13 months"
party = "third"
"#,
    );
    std::fs::write(&inv, text).expect("write");
}

#[test]
fn exported_consent_configurations_load_in_klaro_and_cookieconsent() {
    if skip_browser("exported_consent_configurations_load_in_klaro_and_cookieconsent") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    site_with_patterns(&root);
    let export = |format: &str, file: &str| {
        let o = common::clause()
            .args(["export", "--format", format, "--root"])
            .arg(&root)
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let path = tmp.path().join(file);
        std::fs::write(&path, &o.stdout).expect("write");
        path
    };
    let klaro = export("klaro", "klaro.json");
    let cc = export("cookieconsent", "cookieconsent.mjs");
    let mut args = vec![klaro.into_os_string(), cc.into_os_string()];
    // Cookies of refused categories must go, whether named exactly, by prefix or by `re:`;
    // those of exempt categories and undeclared ones must stay.
    args.extend(
        [
            "YSC=required",
            "_ga=required",
            "_ga_X1Y2=required",
            "_gat_12=required",
            "_gat_x=exempt",
            "_ga_=exempt",
            "_pk_id.1.abc=exempt",
            "sessionid=exempt",
        ]
        .map(std::ffi::OsString::from),
    );
    let report = node("consent-tools.mjs", args);
    assert!(
        report.contains("klaro: 4 services, 11 cookie entries"),
        "{report}"
    );
    assert!(report.contains("cookieconsent: 11 table rows"), "{report}");
    assert!(report.contains("consent tools: ok"), "{report}");
}

#[test]
fn a_visitor_is_asked_again_at_the_next_consent_revision_only() {
    if skip_browser("a_visitor_is_asked_again_at_the_next_consent_revision_only") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let (root, c) = common::versions_site(tmp.path());
    // The site as it was at three commits (see `common::versions_site`): the inventory
    // reformatted (revision 2), a purpose reworded with `Consent: unchanged` (still 2),
    // and `_gid` added (3).
    let mut args = Vec::new();
    for format in ["cookieconsent", "klaro"] {
        for n in [4, 5, 7] {
            common::git(
                &root,
                "2026-12-01T10:00:00Z",
                &["checkout", "-q", &c[n - 1]],
            );
            let o = common::clause()
                .args(["export", "--format", format, "--root"])
                .arg(&root)
                .output()
                .expect("runs");
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let file = tmp.path().join(format!(
                "{format}-{n}.{}",
                if format == "klaro" { "json" } else { "mjs" }
            ));
            std::fs::write(&file, &o.stdout).expect("write");
            args.push(file);
        }
    }
    let report = node("consent-revision.mjs", &args);
    for line in [
        "cookieconsent: first visit (revision 2): asked",
        "cookieconsent: after a change marked `Consent: unchanged` (revision 2): not asked",
        "cookieconsent: at the next consent revision (revision 3): asked",
        "klaro: first visit (klaro-r2): asked",
        "klaro: after a change marked `Consent: unchanged` (klaro-r2): not asked",
        "klaro: at the next consent revision (klaro-r3): asked",
        "consent revision: ok",
    ] {
        assert!(report.contains(line), "{line}\nnot in:\n{report}");
    }
}

#[test]
fn a_served_page_reloads_itself_and_shows_the_error_banner() {
    if skip_browser("a_served_page_reloads_itself_and_shows_the_error_banner") {
        return;
    }
    let s = common::serve::start();
    let url = format!("http://127.0.0.1:{}/en/cookies/", s.port);
    let report = node(
        "live-reload.mjs",
        [std::ffi::OsStr::new(&url), s.root.as_os_str()],
    );
    assert!(report.contains("live reload: ok"), "{report}");
}

#[test]
fn the_visitor_checks_catch_a_foreign_request_and_a_cookie() {
    if skip_browser("the_visitor_checks_catch_a_foreign_request_and_a_cookie") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let page = |name: &str, head: &str, body: &str| {
        let path = tmp.path().join("bad").join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(
            &path,
            format!("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bad</title>{head}</head><body><main><h1>Bad</h1>{body}</main></body></html>"),
        )
        .expect("write");
        path
    };
    // Reserved names (RFC 2606): the checker aborts the requests, nothing leaves the machine.
    let pages = [
        page(
            "protocol-relative.html",
            "<link rel=\"stylesheet\" href=\"//cdn.example/x.css\">",
            "",
        ),
        page(
            "image.html",
            "",
            "<img src=\"https://images.example/pixel.png\" alt=\"\">",
        ),
        page(
            "cookie.html",
            "",
            "<script>document.cookie = 'tracker=1; path=/';</script>",
        ),
        page(
            "en/clean/index.html",
            "",
            "<p>Nothing loaded, nothing set.</p>",
        ),
    ];
    let (ok, report) = node_run("axe.mjs", &pages);
    assert!(!ok, "{report}");
    let line = |p: &Path, finding: &str| format!("{} [desktop, light]: {finding}", p.display());
    for expected in [
        line(
            &pages[0],
            "loads from another origin: http://cdn.example/x.css",
        ),
        line(
            &pages[1],
            "loads from another origin: https://images.example/pixel.png",
        ),
        line(&pages[2], "sets cookies: tracker"),
    ] {
        assert!(report.contains(&expected), "{expected}\nnot in:\n{report}");
    }
    assert!(!report.contains("clean"), "{report}");
    assert!(
        report.contains("axe: 16 page views checked, 12 problems"),
        "{report}"
    );
}

#[test]
fn only_skip_browser_1_skips_and_never_in_ci() {
    use std::ffi::OsStr;
    let one = Some(OsStr::new("1"));
    let ci = Some(OsStr::new("true"));
    assert_eq!(common::skip_decision(None, None), Ok(false));
    assert_eq!(
        common::skip_decision(Some(OsStr::new("0")), None),
        Ok(false)
    );
    assert_eq!(common::skip_decision(Some(OsStr::new("")), None), Ok(false));
    assert_eq!(
        common::skip_decision(Some(OsStr::new("yes")), None),
        Ok(false)
    );
    assert_eq!(common::skip_decision(None, ci), Ok(false));
    assert_eq!(common::skip_decision(one, None), Ok(true));
    assert_eq!(common::skip_decision(one, Some(OsStr::new(""))), Ok(true));
    let refused = common::skip_decision(one, ci).expect_err("refused in CI");
    assert!(
        refused.contains("CI must run the browser checks"),
        "{refused}"
    );
}

/// A declaration: its cookie's index and its name's.
type At = (usize, usize);

/// The declarations behind the cookie entries of the exports, as (cookie, name) indexes,
/// in the order patterns.mjs reads them: cookieconsent's categories then
/// `autoClear.cookies`; Klaro's services then `cookies`.
fn declared_in_export_order(site: &clause::site::Site) -> (Vec<At>, Vec<At>) {
    let inv = &site.inventory;
    let names = |k: usize| (0..inv.cookies[k].names.len()).map(move |n| (k, n));
    let cookieconsent = (0..inv.categories.len())
        .flat_map(|ci| (0..inv.cookies.len()).filter(move |&k| inv.cookies[k].category == ci))
        .flat_map(names)
        .collect();
    let klaro = clause::export::services(inv)
        .into_iter()
        .flat_map(|s| s.cookies)
        .flat_map(names)
        .collect();
    (cookieconsent, klaro)
}

/// Runs patterns.mjs on a site's exported cookieconsent module and Klaro configuration:
/// the module must load without running anything else, and each entry must match, on
/// names built from every declaration and on tricky characters, exactly the names that
/// the audit gives to its declaration (its own, not those of a declaration that takes
/// precedence, in another category or not).
fn patterns_match_in_node(site: &clause::site::Site, cc: &Path, klaro: &Path, dir: &Path) {
    let inv = &site.inventory;
    let (cc_names, klaro_names) = declared_in_export_order(site);
    let mut all: Vec<String> = inv
        .cookies
        .iter()
        .flat_map(|c| &c.names)
        .enumerate()
        .flat_map(|(i, n)| clause::fuzzing::sample_names(n, i as u64))
        .collect();
    all.sort();
    all.dedup();
    let owner: Vec<Option<At>> = all
        .iter()
        .map(|s| clause::audit::find_declaration(inv, s))
        .collect();
    let samples = |names: &[At]| vec![all.clone(); names.len()];
    let (cc_samples, klaro_samples) = (samples(&cc_names), samples(&klaro_names));
    let file = dir.join("samples.json");
    let json = serde_json::json!({"cookieconsent": cc_samples, "klaro": klaro_samples});
    std::fs::write(&file, json.to_string()).expect("write");
    let report = node("patterns.mjs", [cc, klaro, file.as_path()]);
    let v: serde_json::Value = serde_json::from_str(&report).expect("JSON report");
    assert_eq!(v["canary"], "untouched", "the module ran code");
    for (tool, names) in [("cookieconsent", &cc_names), ("klaro", &klaro_names)] {
        for (i, &(c, k)) in names.iter().enumerate() {
            for (j, sample) in all.iter().enumerate() {
                let browser = v[tool][i][j].as_bool().expect("a boolean");
                assert_eq!(
                    browser,
                    owner[j] == Some((c, k)),
                    "{tool}: {} on {sample:?}: {} in the browser; the audit gives it to {:?}",
                    inv.cookies[c].names[k].name,
                    if browser { "matched" } else { "not matched" },
                    owner[j].map(|(c, k)| &inv.cookies[c].names[k].name)
                );
            }
        }
    }
}

#[test]
fn overlapping_declarations_clear_only_what_the_audit_gives_them() {
    if skip_browser("overlapping_declarations_clear_only_what_the_audit_gives_them") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    common::copy_dir(&common::fixture("overlap"), &root);
    let export = |format: &str, file: &str| {
        let o = common::clause()
            .args(["export", "--format", format, "--root"])
            .arg(&root)
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let path = tmp.path().join(file);
        std::fs::write(&path, &o.stdout).expect("write");
        path
    };
    let cc = export("cookieconsent", "cookieconsent.mjs");
    let klaro = export("klaro", "klaro.json");
    let loaded = clause::site::load(&clause::input::Input::Disk(root.clone()));
    assert!(!loaded.diags.has_errors());
    patterns_match_in_node(&loaded.sites[0], &cc, &klaro, tmp.path());
}

#[test]
fn hostile_patterns_export_as_data_that_matches_what_the_audit_matches() {
    if skip_browser("hostile_patterns_export_as_data_that_matches_what_the_audit_matches") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = common::fixture("hostile-patterns");
    let export = |format: &str, file: &str| {
        let o = common::clause()
            .args(["export", "--format", format, "--root"])
            .arg(&root)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{stderr}");
        // This inventory declares no banner's cookie: that warning, and nothing else.
        let other: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.starts_with(' ') && !l.is_empty())
            .filter(|l| !l.ends_with("keeps the visitor's choice") && *l != "warning: 1 warning")
            .collect();
        assert!(other.is_empty(), "{stderr}");
        let path = tmp.path().join(file);
        std::fs::write(&path, &o.stdout).expect("write");
        path
    };
    let cc = export("cookieconsent", "cookieconsent.mjs");
    let klaro = export("klaro", "klaro.json");
    let loaded = clause::site::load(&clause::input::Input::Disk(root.clone()));
    assert!(!loaded.diags.has_errors());
    let site = &loaded.sites[0];
    assert_eq!(declared_in_export_order(site).0.len(), 31);
    patterns_match_in_node(site, &cc, &klaro, tmp.path());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// Generated patterns through the real exports, in Node: one Node process per case.
    #[test]
    fn exported_patterns_match_in_node_what_the_audit_matches(
        exprs in proptest::collection::vec(common::patterns::pattern(), 1..16),
    ) {
        if skip_browser("exported_patterns_match_in_node_what_the_audit_matches") {
            return Ok(());
        }
        let names = common::patterns::accepted(&exprs);
        if names.is_empty() {
            return Ok(());
        }
        let loaded = clause::site::load(&common::patterns::site_declaring(&names));
        proptest::prop_assert!(!loaded.diags.has_errors());
        let site = &loaded.sites[0];
        let tmp = tempfile::tempdir().expect("tempdir");
        let cc = tmp.path().join("cookieconsent.mjs");
        let klaro = tmp.path().join("klaro.json");
        let locales = site.config.locales.clone();
        std::fs::write(&cc, clause::export::cookieconsent::config(site, &locales)).expect("write");
        std::fs::write(&klaro, clause::export::klaro::config(site, &locales)).expect("write");
        patterns_match_in_node(site, &cc, &klaro, tmp.path());
    }
}

/// Colours for Klaro that pass WCAG AA, added to its stylesheet by the site.
const KLARO_COLOURS: &str = "
.klaro { --green1: #0d6e52; }
.klaro .cookie-notice .cm-link, .klaro .cookie-modal .cm-link { color: #8fe3c6; }
";

/// Builds the consent fixture with the real banner `manager` (its package's files copied
/// from node_modules into the site's `static/`, and the configuration `clause export`
/// prints for it) into `out`; returns the output folder.
fn consent_site_with(manager: &str, tmp: &Path) -> PathBuf {
    let root = tmp.join(format!("{manager}-site"));
    common::copy_dir(&common::fixture("consent"), &root);
    install_banner(&root, manager);
    let out = tmp.join(manager);
    let (_, err) = common::build(&root, &out);
    assert!(!err.contains("warning"), "{err}");
    out
}

/// Puts `manager`'s own files in the site's `static/` folder (and its settings in
/// site.toml), with the configuration `clause export` prints for the site.
fn install_banner(root: &Path, manager: &str) {
    let modules = tools_dir();
    let (files, config_file): (&[(&str, &str)], &str) = match manager {
        "cookieconsent" => (
            &[
                (
                    "vanilla-cookieconsent/dist/cookieconsent.umd.js",
                    "cookieconsent/cookieconsent.umd.js",
                ),
                (
                    "vanilla-cookieconsent/dist/cookieconsent.css",
                    "cookieconsent/cookieconsent.css",
                ),
            ],
            "cookieconsent-config.mjs",
        ),
        _ => (
            &[
                ("klaro/dist/klaro-no-css.js", "klaro/klaro-no-css.js"),
                ("klaro/dist/klaro.css", "klaro/klaro.css"),
            ],
            "klaro-config.json",
        ),
    };
    for (from, to) in files {
        let to = root.join("static").join(to);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(modules.join(from), to).expect("copy the package's file");
    }
    if manager == "klaro" {
        // Klaro's default green fails WCAG AA contrast (3.3:1 as link text, 3.9:1 under its
        // buttons' white text): the site's copy of its stylesheet sets colours that pass,
        // as a site must (the README says so).
        let css = root.join("static/klaro/klaro.css");
        let mut text = std::fs::read_to_string(&css).expect("read");
        text.push_str(KLARO_COLOURS);
        std::fs::write(&css, text).expect("write");
        let toml = root.join("site.toml");
        let mut doc: toml_edit::DocumentMut = std::fs::read_to_string(&toml)
            .expect("read")
            .parse()
            .expect("TOML");
        doc["consent"]["manager"] = toml_edit::value("klaro");
        doc["consent"]["script"] = toml_edit::value("klaro/klaro-no-css.js");
        doc["consent"]["stylesheet"] = toml_edit::value("klaro/klaro.css");
        doc["consent"]["config"] = toml_edit::value(config_file);
        std::fs::write(&toml, doc.to_string()).expect("write");
    }
    let o = common::clause()
        .args(["export", "--format", manager, "--root"])
        .arg(root)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::write(root.join("static").join(config_file), &o.stdout).expect("write");
}

#[test]
fn the_settings_button_opens_each_banner_and_its_pages_pass_the_checks() {
    if skip_browser("the_settings_button_opens_each_banner_and_its_pages_pass_the_checks") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let outs: Vec<(&str, PathBuf)> = ["cookieconsent", "klaro"]
        .into_iter()
        .map(|m| (m, consent_site_with(m, tmp.path())))
        .collect();
    let args: Vec<String> = outs
        .iter()
        .map(|(m, out)| format!("{m}={}", out.display()))
        .collect();
    let report = node("consent.mjs", &args);
    assert!(report.contains("consent pages: ok"), "{report}");
    // The pages with the banner's scripts and the button, through both checkers.
    let pages: Vec<PathBuf> = outs
        .iter()
        .flat_map(|(_, out)| {
            common::tree(out)
                .into_iter()
                .filter(|(rel, _)| rel.ends_with(".html"))
                .map(move |(rel, _)| out.join(rel))
        })
        .collect();
    assert_eq!(pages.len(), 6, "{pages:?}");
    let jar = tools_dir().join("vnu-jar/build/dist/vnu.jar");
    let o = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .arg("--format")
        .arg("gnu")
        .args(&pages)
        .output()
        .expect("java runs");
    let vnu = String::from_utf8_lossy(&o.stderr);
    assert!(
        !vnu.contains(": error:") && !vnu.contains(": fatal:"),
        "Nu HTML Checker errors:\n{vnu}"
    );
    let report = node("axe.mjs", &pages);
    assert!(
        report.contains(&format!(
            "axe: {} page views checked, 0 problems",
            pages.len() * 4
        )),
        "{report}"
    );
}
