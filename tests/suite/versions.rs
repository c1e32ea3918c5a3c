//! The versions of each page, the consent revision and the archive, from a real temporary
//! git repository of a dozen commits (see `common::versions_site`).

use crate::common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{commit, versions_site};

fn read(out: &Path, rel: &str) -> String {
    fs::read_to_string(out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The `<li>` entries of a list of versions or of "Changes to this policy", as
/// (date, revision or link, text) in page order.
fn entries(html: &str, list: &str) -> Vec<scraper::ElementRef<'static>> {
    let doc: &'static scraper::Html = Box::leak(Box::new(scraper::Html::parse_document(html)));
    let sel = scraper::Selector::parse(&format!("{list} > li")).expect("selector");
    doc.select(&sel).collect()
}

/// An element's text, runs of ASCII white space (the markup's line breaks) made one space;
/// the texts' own spaces (U+202F before a French colon) are kept.
fn text(e: &scraper::ElementRef) -> String {
    e.text()
        .collect::<String>()
        .split(|c: char| c.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn build_quiet(root: &Path, out: &Path) -> String {
    let (_, stderr) = common::build(root, out);
    stderr
}

#[test]
fn versions_revisions_and_the_archive_of_a_dozen_commits() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (root, c) = versions_site(tmp.path());
    let out = tmp.path().join("out");
    let stderr = build_quiet(&root, &out);
    // A trailer that says neither `renew` nor `unchanged`: a warning naming the commit.
    assert!(
        stderr.contains(&format!(
            "warning[C0104]: commit {} of 2026-06-01 says `Consent: maybe`, which neither renews nor keeps the consent revision",
            &c[8][..12]
        )),
        "{stderr}"
    );

    // The list of versions, newest first: dates, revisions, and what changed.
    let list = read(&out, "en/cookies/versions/index.html");
    let rows: Vec<(String, Option<String>, String)> = entries(&list, "ol.versions")
        .iter()
        .map(|li| {
            let href = li
                .select(&scraper::Selector::parse("a").expect("a"))
                .next()
                .and_then(|a| a.value().attr("href").map(String::from));
            (
                li.value().attr("data-commit").unwrap_or("").to_string(),
                href,
                text(li),
            )
        })
        .collect();
    let commits: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let expected: Vec<&str> = [12, 10, 9, 8, 7, 6, 5, 3, 2, 1]
        .iter()
        .map(|n| c[n - 1].as_str())
        .collect();
    assert_eq!(commits, expected, "{list}");
    let hrefs: Vec<Option<&str>> = rows.iter().map(|r| r.1.as_deref()).collect();
    assert_eq!(
        hrefs,
        [
            Some("2026-09-01/index.html"),
            Some("2026-07-01/index.html"),
            Some("2026-06-01/index.html"),
            Some("2026-05-02/index.html"),
            Some("2026-04-12/index.html"),
            None,
            Some("2026-03-10/index.html"),
            Some("2026-02-07-2/index.html"),
            Some("2026-02-07/index.html"),
            Some("2026-01-05/index.html"),
        ]
    );
    let said = |n: usize| rows[n].2.as_str();
    assert_eq!(
        said(0),
        "1 September 2026 Consent revision 5 Removed the cookie lang (Example, Necessary cookies)."
    );
    assert_eq!(
        said(1),
        "1 July 2026 Consent revision 5 Added the cookie lang (Example, Necessary cookies)."
    );
    assert_eq!(said(2), "1 June 2026 Consent revision 5 Changed how long the cookie _ga lasts: 25 months (previously: 13 months). Visitors are asked for their consent again (consent revision 5).");
    assert_eq!(said(3), "2 May 2026 Consent revision 4 The publisher of this policy decided to ask visitors for their consent again (consent revision 4).");
    assert_eq!(said(4), "12 April 2026 Consent revision 3 Added the cookie _gid (Google, Statistics). Visitors are asked for their consent again (consent revision 3).");
    assert!(
        said(5).starts_with(
            "11 April 2026 Consent revision 2 This version cannot be shown: content/cookies.toml:"
        ),
        "{}",
        said(5)
    );
    assert_eq!(said(6), "10 March 2026 Consent revision 2 Changed the purposes of the cookie _ga. The publisher of this policy decided that visitors need not be asked for their consent again (consent revision 2 still applies).");
    assert_eq!(
        said(7),
        "7 February 2026 Consent revision 2 Revised the text of this page."
    );
    assert_eq!(said(8), "7 February 2026 Consent revision 2 Added the category “Statistics”. Added the provider Google. Added the cookie _ga (Google, Statistics). Visitors are asked for their consent again (consent revision 2).");
    assert_eq!(
        said(9),
        "5 January 2026 Consent revision 1 First version of this policy."
    );
    // The reason is the commit's own words, marked as English on every page.
    assert!(
        list.contains("<span lang=\"en\">content/cookies.toml:"),
        "{list}"
    );

    // In French: only what a French reader saw change.
    let fr = read(&out, "fr/cookies/versions/index.html");
    let fr_rows = entries(&fr, "ol.versions");
    let fr_commits: Vec<&str> = fr_rows
        .iter()
        .map(|li| li.value().attr("data-commit").unwrap_or(""))
        .collect();
    let expected: Vec<&str> = [12, 10, 9, 8, 7, 6, 2, 1]
        .iter()
        .map(|n| c[n - 1].as_str())
        .collect();
    assert_eq!(fr_commits, expected);
    assert_eq!(
        text(&fr_rows[3]),
        "2 mai 2026 Révision du consentement\u{202f}: 4 Modification du texte de cette page. L'éditeur de cette politique a décidé de vous demander à nouveau votre consentement (révision du consentement\u{202f}: 4)."
    );

    // The current page: its version, the revision, and every version in its history,
    // linked to its archived page.
    let en = read(&out, "en/cookies/index.html");
    assert!(en.contains("<p class=\"version\"><time datetime=\"2026-09-01\">Version of 1 September 2026</time> · Consent revision 5 · <a href=\"versions/index.html\">All versions</a></p>"), "{en}");
    assert!(en.contains(
        "<span class=\"print-version\">Version of 1 September 2026 · Consent revision 5</span>"
    ));
    let history = entries(&en, "section.changes > ol");
    assert_eq!(history.len(), 9, "the versions that can be shown");
    assert!(en.contains("<li data-commit=\"".to_string().as_str()));
    assert!(en.contains(&format!(
        "<li data-commit=\"{}\"><a href=\"versions/2026-02-07-2/index.html\"><time datetime=\"2026-02-07\">7 February 2026</time></a>",
        c[2]
    )));
    let fr_page = read(&out, "fr/cookies/index.html");
    assert!(fr_page.contains("<time datetime=\"2026-09-01\">Version du 1er septembre 2026</time> · Révision du consentement\u{202f}: 5 · <a href=\"versions/index.html\">Toutes les versions</a>"));

    // Each archived version: the text and the cookies as they were, today's theme, a
    // notice at the top, its neighbours, kept out of search engines.
    let dirs = [
        "2026-01-05",
        "2026-02-07",
        "2026-02-07-2",
        "2026-03-10",
        "2026-04-12",
        "2026-05-02",
        "2026-06-01",
        "2026-07-01",
        "2026-09-01",
    ];
    let written: Vec<String> = common::tree(&out.join("en/cookies/versions"))
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    let mut expected: Vec<String> = dirs.iter().map(|d| format!("{d}/index.html")).collect();
    expected.push("index.html".into());
    expected.sort();
    assert_eq!(written, expected);
    let v = |d: &str| read(&out, &format!("en/cookies/versions/{d}/index.html"));
    let second = v("2026-02-07");
    assert!(second.contains("<meta name=\"robots\" content=\"noindex\">"));
    assert!(second.contains(
        "<link rel=\"canonical\" href=\"https://example.org/en/cookies/versions/2026-02-07/\">"
    ));
    assert!(second.contains("This version was in force from 7 February 2026 to 7 February 2026. <a href=\"../../index.html\">See the current version</a>"), "{second}");
    assert!(
        second.contains("<a href=\"../2026-01-05/index.html\" rel=\"prev\">Previous version</a>")
    );
    assert!(second.contains("<a href=\"../2026-02-07-2/index.html\" rel=\"next\">Next version</a>"));
    assert!(
        second.contains("We use cookies on this sitte."),
        "the text as it was"
    );
    assert!(second.contains("<code>_ga</code>") && !second.contains("<code>_gid</code>"));
    assert!(second.contains("To count visits") && !second.contains("To count the visits"));
    assert!(second.contains("<p class=\"version\"><time datetime=\"2026-02-07\">Version of 7 February 2026</time> · Consent revision 2 · <a href=\"../index.html\">All versions</a></p>"));
    // Its history stops at itself.
    assert_eq!(entries(&second, "section.changes > ol").len(), 2);
    assert!(second.contains("<link rel=\"stylesheet\" href=\"../../../../static/style.css\">"));
    assert!(!second.contains("hreflang"), "one version in one language");
    let third = v("2026-02-07-2");
    assert!(third.contains("We use cookies on this site."));
    assert!(third.contains("<a href=\"../2026-03-10/index.html\" rel=\"next\">"));
    // The version after the one that cannot be shown follows the one before it.
    let broken_next = v("2026-04-12");
    assert!(broken_next.contains("<a href=\"../2026-03-10/index.html\" rel=\"prev\">"));
    assert!(broken_next.contains("<code>_gid</code>"));
    let last = v("2026-09-01");
    assert!(last.contains("This version has been in force since 1 September 2026. <a href=\"../../index.html\">See the current version</a>"));
    assert!(!last.contains("rel=\"next\""));
    assert!(!last.contains("To remember your language"));
    assert!(last.contains("To count the visits"));
    assert!(v("2026-07-01").contains("To remember your language"));
    // Archived versions are not in the sitemap; the current pages are.
    let sitemap = read(&out, "sitemap.xml");
    assert!(!sitemap.contains("versions"), "{sitemap}");
}

#[test]
fn two_builds_of_a_commit_are_the_same_bytes_and_old_versions_are_not_paid_again() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (root, _) = versions_site(tmp.path());
    let cache = root.join(".clause-cache");
    let first = tmp.path().join("first");
    let stderr = build_quiet(&root, &first);
    // Nothing was cached: every commit is loaded, every archived page rendered.
    assert!(
        stderr.contains("versions: 12 commits loaded from git, 0 found in the cache; archived pages: 16 rendered, 0 found in the cache"),
        "{stderr}"
    );
    assert!(fs::read_to_string(cache.join(".gitignore"))
        .expect("ignored by git")
        .contains('*'));
    let status = Command::new("git")
        .arg("-C")
        .arg(&root)
        .args(["status", "--porcelain"])
        .output()
        .expect("git");
    assert!(
        status.stdout.is_empty(),
        "git sees the cache: {}",
        String::from_utf8_lossy(&status.stdout)
    );

    // Again, from the cache: the same bytes, nothing loaded or rendered.
    let second = tmp.path().join("second");
    let stderr = build_quiet(&root, &second);
    assert!(
        stderr.contains("versions: 0 commits loaded from git, 12 found in the cache; archived pages: 0 rendered, 16 found in the cache"),
        "{stderr}"
    );
    assert_eq!(common::published(&first), common::published(&second));

    // Without the cache (deleted), the same bytes again.
    fs::remove_dir_all(&cache).expect("delete the cache");
    let third = tmp.path().join("third");
    build_quiet(&root, &third);
    assert_eq!(common::published(&first), common::published(&third));

    // A damaged entry is not used: the same bytes.
    for (rel, _) in common::tree(&cache)
        .into_iter()
        .filter(|(p, _)| p.starts_with("versions/"))
    {
        let path = cache.join(rel);
        let mut bytes = fs::read(&path).expect("read");
        let n = bytes.len();
        bytes[n - 1] ^= 1;
        fs::write(&path, bytes).expect("write");
    }
    let fourth = tmp.path().join("fourth");
    let stderr = build_quiet(&root, &fourth);
    assert!(
        stderr.contains("0 found in the cache; archived pages: 16 rendered, 0 found"),
        "{stderr}"
    );
    assert_eq!(common::published(&first), common::published(&fourth));

    // One new commit: it is loaded with the one before it (to compare), and only its
    // pages and the pages it follows (their "next version" changed) are rendered.
    let en = root.join("content/en/cookies.md");
    fs::write(&en, fs::read_to_string(&en).expect("read") + "\nMore.\n").expect("write");
    commit(&root, "2026-10-01T10:00:00Z", "More");
    let stderr = build_quiet(&root, &first);
    assert!(
        stderr.contains("versions: 2 commits loaded from git, 12 found in the cache; archived pages: 2 rendered, 15 found in the cache"),
        "{stderr}"
    );
    assert!(read(&first, "en/cookies/versions/2026-10-01/index.html").contains("More."));
    assert!(read(&first, "en/cookies/versions/2026-09-01/index.html")
        .contains("This version was in force from 1 September 2026 to 1 October 2026."));
    // The site moves: every archived page names its new address.
    fs::write(
        root.join("site.toml"),
        common::VERSIONS_SITE.replace("https://example.org/", "https://example.net/legal/"),
    )
    .expect("write");
    let stderr = build_quiet(&root, &first);
    assert!(
        stderr.contains("archived pages: 17 rendered, 0 found in the cache"),
        "{stderr}"
    );
    assert!(read(&first, "fr/cookies/versions/2026-01-05/index.html").contains(
        "<link rel=\"canonical\" href=\"https://example.net/legal/fr/cookies/versions/2026-01-05/\">"
    ));
}

#[test]
fn the_exports_carry_the_consent_revision() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (root, c) = versions_site(tmp.path());
    let out = tmp.path().join("out");
    build_quiet(&root, &out);
    let json: serde_json::Value = serde_json::from_str(&read(&out, "cookies.json")).expect("JSON");
    assert_eq!(
        json["version"],
        serde_json::json!({"date": "2026-09-01", "commit": c[11], "consent_revision": 5})
    );
    let export = |format: &str| {
        let o = common::clause()
            .args(["export", "--format", format, "--root"])
            .arg(&root)
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).expect("UTF-8")
    };
    assert!(export("cookieconsent").contains("\n  \"revision\": 5,\n"));
    let klaro: serde_json::Value = serde_json::from_str(&export("klaro")).expect("JSON");
    assert_eq!(klaro["storageName"], "klaro-r5");
    // The cookie Klaro then sets is named after the revision: the warning names it.
    let o = common::clause()
        .args(["export", "--format", "klaro", "--root"])
        .arg(&root)
        .output()
        .expect("runs");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("the inventory does not declare `klaro-r5`, the cookie in which Klaro keeps the visitor's choice"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(klaro["version"], 1, "Klaro's own format version");
    let exported: serde_json::Value = serde_json::from_str(&export("json")).expect("JSON");
    assert_eq!(exported["version"]["consent_revision"], 5);
}

#[test]
fn diff_since_prints_the_consent_revision_before_and_after() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (root, _) = versions_site(tmp.path());
    let diff = |rev: &str, format: &str| {
        let o = common::clause()
            .args(["diff", "--since", rev, "--format", format, "--root"])
            .arg(&root)
            .output()
            .expect("runs");
        String::from_utf8(o.stdout).expect("UTF-8")
    };
    assert!(
        diff("HEAD~4", "text").contains("consent revision: 4 at HEAD~4 → 5 in the working tree\n"),
        "{}",
        diff("HEAD~4", "text")
    );
    assert!(diff("HEAD", "text").contains("consent revision: 5 at HEAD → 5 in the working tree\n"));
    // An uncommitted cookie that needs consent: the next revision.
    let inv = root.join("content/cookies.toml");
    let text = fs::read_to_string(&inv).expect("read");
    fs::write(
        &inv,
        text.replace("names = [\"_gid\"]", "names = [\"_gid\", \"_gat\"]"),
    )
    .expect("write");
    assert!(diff("HEAD", "text").contains("consent revision: 5 at HEAD → 6 in the working tree\n"));
    assert!(diff("HEAD~11", "markdown")
        .contains("consent revision: 1 at `HEAD~11` → 6 in the working tree\n"));
    let json: serde_json::Value = serde_json::from_str(&diff("HEAD~11", "json")).expect("JSON");
    assert_eq!(
        json["consent_revisions"],
        serde_json::json!([{"portal": null, "before": 1, "after": 6}])
    );
}

#[test]
fn without_git_or_in_a_shallow_clone_the_revision_is_1_with_a_note() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (root, _) = versions_site(tmp.path());
    // A shallow clone of the repository.
    let shallow = tmp.path().join("shallow");
    let o = Command::new("git")
        .args(["clone", "-q", "--depth", "2"])
        .arg(format!("file://{}", root.display()))
        .arg(&shallow)
        .output()
        .expect("git clone");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = tmp.path().join("out");
    let o = common::clause()
        .args(["build", "--strict", "--root"])
        .arg(&shallow)
        .arg("--output")
        .arg(&out)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("note: this is a shallow clone, whose history is cut short: pages show no version, the consent revision is 1 and no archive is written; fetch the whole history"), "{stderr}");
    assert!(!out.join("en/cookies/versions").exists());
    let json: serde_json::Value = serde_json::from_str(&read(&out, "cookies.json")).expect("JSON");
    assert_eq!(
        json["version"],
        serde_json::json!({"date": null, "commit": null, "consent_revision": 1})
    );
    let en = read(&out, "en/cookies/index.html");
    assert!(
        !en.contains("class=\"version\"") && !en.contains("class=\"changes\""),
        "{en}"
    );

    // Not a repository at all.
    let copy = tmp.path().join("copy");
    common::copy_dir(&root, &copy);
    fs::remove_dir_all(copy.join(".git")).expect("rm .git");
    let out = tmp.path().join("out2");
    let o = common::clause()
        .args(["build", "--strict", "--root"])
        .arg(&copy)
        .arg("--output")
        .arg(&out)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("note: the site is not in a git repository: pages show no version, the consent revision is 1 and no archive is written"), "{stderr}");
    assert!(!out.join("en/cookies/versions").exists());
}

#[test]
fn archive_false_writes_no_versions_and_limit_bounds_only_the_history() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (root, _) = versions_site(tmp.path());
    fs::write(
        root.join("site.toml"),
        common::VERSIONS_SITE.replace("limit = 20", "limit = 2"),
    )
    .expect("write");
    let out = tmp.path().join("limited");
    build_quiet(&root, &out);
    let en = read(&out, "en/cookies/index.html");
    assert_eq!(entries(&en, "section.changes > ol").len(), 2);
    assert_eq!(
        entries(&read(&out, "en/cookies/versions/index.html"), "ol.versions").len(),
        10
    );
    assert!(out
        .join("en/cookies/versions/2026-01-05/index.html")
        .exists());
    fs::write(
        root.join("site.toml"),
        common::VERSIONS_SITE.replace("limit = 20", "archive = false"),
    )
    .expect("write");
    let out = tmp.path().join("no-archive");
    build_quiet(&root, &out);
    assert!(!out.join("en/cookies/versions").exists());
    let en = read(&out, "en/cookies/index.html");
    assert!(en.contains("<p class=\"version\"><time datetime=\"2026-09-01\">Version of 1 September 2026</time> · Consent revision 5</p>"), "{en}");
    assert!(
        !en.contains("versions/"),
        "no link to an archive that is not written"
    );
    assert_eq!(entries(&en, "section.changes > ol").len(), 9);
    let (code, stderr) = {
        fs::write(
            root.join("site.toml"),
            common::VERSIONS_SITE.replace("limit = 20", "archive = \"yes\""),
        )
        .expect("write");
        common::check_root(&root)
    };
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("history.archive"), "{stderr}");
}

#[test]
fn a_portal_counts_its_own_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (root, _) = versions_site(tmp.path());
    fs::write(
        root.join("sites.toml"),
        "[[sites]]\nid = \"a\"\nbase_url = \"https://a.example.org/\"\n\n[[sites]]\nid = \"b\"\nbase_url = \"https://b.example.org/\"\n",
    )
    .expect("write");
    // A portal is a site of its own: its revision starts at 1 where it starts.
    commit(&root, "2026-10-01T10:00:00Z", "Two portals");
    // A cookie that needs consent, for portal a only.
    fs::create_dir_all(root.join("sites/a")).expect("mkdir");
    fs::write(
        root.join("sites/a/cookies.toml"),
        "[[cookies]]\nnames = [\"_hj\"]\nprovider = \"google\"\ncategory = \"stats\"\nfunction = \"Heatmaps\"\npurpose = \"To see where visitors click\"\nduration = \"1 year\"\n",
    )
    .expect("write");
    commit(&root, "2026-10-02T10:00:00Z", "Heatmaps on a");
    let out = tmp.path().join("out");
    build_quiet(&root, &out);
    let revision = |id: &str| {
        let json: serde_json::Value =
            serde_json::from_str(&read(&out, &format!("{id}/cookies.json"))).expect("JSON");
        json["version"]["consent_revision"].as_u64()
    };
    assert_eq!(revision("a"), Some(2));
    assert_eq!(revision("b"), Some(1));
    assert!(out
        .join("a/en/cookies/versions/2026-10-02/index.html")
        .exists());
    assert!(!out.join("b/en/cookies/versions/2026-10-02").exists());
    assert!(out
        .join("b/en/cookies/versions/2026-10-01/index.html")
        .exists());
    assert!(read(&out, "a/en/cookies/versions/2026-10-02/index.html").contains("<code>_hj</code>"));
}

#[test]
fn what_a_commit_holds_reaches_the_pages_and_the_terminal_as_text() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    common::copy_dir(&common::fixture("minimal"), &root);
    fs::write(root.join("site.toml"), common::VERSIONS_SITE).expect("write");
    common::copy_dir(&root.join("content/en"), &root.join("content/fr"));
    common::git(&root, "2026-01-05T10:00:00Z", &["init", "-q", "-b", "main"]);
    commit(&root, "2026-01-05T10:00:00Z", "First policy");
    let inv = root.join("content/cookies.toml");
    let good = fs::read_to_string(&inv).expect("read");
    // A commit whose inventory does not load, for a reason that quotes markup, and whose
    // trailer holds a terminal's control sequence.
    let hostile = "\"<img src=x onerror=alert(1)>\" = 1\n";
    fs::write(&inv, format!("{hostile}{good}")).expect("write");
    commit(
        &root,
        "2026-02-07T10:00:00Z",
        "Broken\n\nConsent: \u{1b}[2J<b>renew</b>",
    );
    fs::write(
        &inv,
        good.replace("To keep you logged in", "To keep you signed in"),
    )
    .expect("write");
    commit(&root, "2026-03-09T10:00:00Z", "Fixed");
    let out = tmp.path().join("out");
    let stderr = build_quiet(&root, &out);
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    assert!(
        stderr.contains("`Consent: \\u{1b}[2J<b>renew</b>`"),
        "{stderr}"
    );
    let list = read(&out, "en/cookies/versions/index.html");
    assert_eq!(clause::fuzzing::unsafe_html(&list, false), None);
    let unavailable = entries(&list, "ol.versions")
        .into_iter()
        .map(|li| text(&li))
        .find(|t| t.contains("cannot be shown"))
        .expect("the broken version is listed");
    assert!(
        unavailable.contains("<img src=x onerror=alert(1)>"),
        "{unavailable}"
    );
    let doc = scraper::Html::parse_document(&list);
    let img = scraper::Selector::parse("img").expect("selector");
    assert_eq!(doc.select(&img).count(), 0);
    for (rel, bytes) in common::tree(&out) {
        if rel.ends_with(".html") {
            let html = String::from_utf8(bytes).expect("UTF-8");
            assert_eq!(clause::fuzzing::unsafe_html(&html, false), None, "{rel}");
        }
    }
}

/// Every relative `href` and `src` of the HTML files under `dir` (in `out`): the files
/// they lead to that are missing, as "page -> link".
fn dangling(out: &Path, dir: &str) -> Vec<String> {
    let sel = scraper::Selector::parse("[href], [src]").expect("selector");
    let mut missing = Vec::new();
    for (rel, _) in common::tree(&out.join(dir)) {
        if !rel.ends_with(".html") {
            continue;
        }
        let page = out.join(dir).join(&rel);
        let html = scraper::Html::parse_document(&read(&out.join(dir), &rel));
        for e in html.select(&sel) {
            let link = e
                .value()
                .attr("href")
                .or(e.value().attr("src"))
                .unwrap_or("");
            let path = link.split(['#', '?']).next().unwrap_or("");
            if path.is_empty() || link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            let target = page.parent().expect("folder").join(path);
            if !target.is_file() {
                missing.push(format!("{dir}/{rel} -> {link}"));
            }
        }
    }
    missing
}

#[test]
fn archived_pages_keep_drafts_out_link_the_documents_in_force_and_load_todays_banner() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (root, c) = common::archive_site(tmp.path());
    let out = tmp.path().join("out");
    let stderr = build_quiet(&root, &out);
    assert!(!stderr.contains("warning"), "{stderr}");
    let dirs = |page: &str| -> Vec<String> {
        common::tree(&out.join(format!("en/{page}/versions")))
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    };
    // A draft is no version: the terms' first version is the commit that published them.
    assert_eq!(
        dirs("terms"),
        ["2026-03-01/index.html", "index.html"],
        "a draft is never archived as published"
    );
    // `[controller]` shown on the cookies page is a version of it; not of the contact page,
    // which has no sections.
    assert_eq!(
        dirs("cookies"),
        [
            "2026-01-05/index.html",
            "2026-02-01/index.html",
            "index.html"
        ]
    );
    assert_eq!(
        dirs("contact"),
        [
            "2026-01-05/index.html",
            "2026-04-01/index.html",
            "index.html"
        ]
    );
    let v = |page: &str, d: &str| read(&out, &format!("en/{page}/versions/{d}/index.html"));
    let nav = |html: &str| -> Vec<(String, String, bool)> {
        entries(html, "nav.documents > ul")
            .iter()
            .map(|li| {
                let a = li
                    .select(&scraper::Selector::parse("a").expect("a"))
                    .next()
                    .expect("a link");
                (
                    text(li),
                    a.value().attr("href").unwrap_or("").to_string(),
                    a.value().attr("aria-current") == Some("page"),
                )
            })
            .collect()
    };
    let link = |title: &str, href: &str, current: bool| (title.into(), href.into(), current);

    // The legal fields as that commit had them: no controller before it was named.
    let first = v("cookies", "2026-01-05");
    assert!(!first.contains("id=\"controller\""), "{first}");
    assert!(!first.contains("Fjord Books AS"));
    let second = v("cookies", "2026-02-01");
    assert!(second.contains("id=\"controller\""), "{second}");
    assert!(second.contains("Fjord Books AS"));
    // The documents of the day (the draft left out), each at its version in force then.
    assert_eq!(
        nav(&first),
        [
            link(
                "Contact",
                "../../../contact/versions/2026-01-05/index.html",
                false
            ),
            link("Cookies", "../2026-01-05/index.html", true),
        ]
    );
    assert_eq!(
        nav(&second),
        nav(&first)
            .into_iter()
            .map(|l| if l.2 {
                link("Cookies", "../2026-02-01/index.html", true)
            } else {
                l
            })
            .collect::<Vec<_>>()
    );
    assert_eq!(
        nav(&v("terms", "2026-03-01")),
        [
            link(
                "Contact",
                "../../../contact/versions/2026-01-05/index.html",
                false
            ),
            link("Terms", "../2026-03-01/index.html", true),
            link(
                "Cookies",
                "../../../cookies/versions/2026-02-01/index.html",
                false
            ),
        ]
    );
    assert_eq!(
        nav(&v("contact", "2026-04-01")),
        [
            link("Contact", "../2026-04-01/index.html", true),
            link(
                "Terms",
                "../../../terms/versions/2026-03-01/index.html",
                false
            ),
            link(
                "Cookies",
                "../../../cookies/versions/2026-02-01/index.html",
                false
            ),
        ]
    );
    // Today's banner, from four folders down, with its button; never the draft mark.
    for page in [&first, &second] {
        assert!(page.contains(
            "<script src=\"../../../../cookieconsent/cookieconsent.umd.js\" defer></script>"
        ));
        assert!(page.contains("<script src=\"../../../../static/consent.js\" defer data-manager=\"cookieconsent\" data-config=\"../../../../cookieconsent-config.mjs\"></script>"));
        assert!(page.contains("class=\"consent-button\""));
        assert!(!page.contains("class=\"draft\""));
    }
    // Every link and script of the archive leads to a file of the output.
    for locale in ["en", "fr"] {
        for page in ["cookies", "contact", "terms"] {
            assert_eq!(
                dangling(&out, &format!("{locale}/{page}/versions")),
                Vec::<String>::new()
            );
        }
    }
    assert_eq!(c.len(), 4);
}

/// A branch merged into the current one counts once, on the day it was merged: its own
/// commits are not versions of the current branch's history.
#[test]
fn a_merged_branch_is_one_version_on_the_day_it_was_merged() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    common::copy_dir(&common::fixture("minimal"), &root);
    fs::write(
        root.join("site.toml"),
        common::VERSIONS_SITE.replace("[\"en\", \"fr\"]", "[\"en\"]"),
    )
    .expect("write");
    let git = |date: &str, args: &[&str]| common::git(&root, date, args);
    git("2026-01-05T10:00:00Z", &["init", "-q", "-b", "main"]);
    commit(&root, "2026-01-05T10:00:00Z", "First policy");
    let inv = root.join("content/cookies.toml");
    let base = fs::read_to_string(&inv).expect("read");
    git("2026-02-01T10:00:00Z", &["checkout", "-q", "-b", "stats"]);
    fs::write(&inv, format!("{base}{}", common::HISTORY_GA)).expect("write");
    commit(&root, "2026-02-01T10:00:00Z", "Google Analytics");
    fs::write(
        &inv,
        format!("{base}{}", common::HISTORY_GA).replace("13 months", "25 months"),
    )
    .expect("write");
    commit(&root, "2026-02-02T10:00:00Z", "Keep _ga longer");
    git("2026-03-01T10:00:00Z", &["checkout", "-q", "main"]);
    git(
        "2026-03-01T10:00:00Z",
        &[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Merge the statistics",
            "stats",
        ],
    );
    let out = tmp.path().join("out");
    build_quiet(&root, &out);
    let list = read(&out, "en/cookies/versions/index.html");
    let dates: Vec<String> = entries(&list, "ol.versions")
        .iter()
        .map(|li| {
            li.select(&scraper::Selector::parse("time").expect("time"))
                .next()
                .and_then(|t| t.value().attr("datetime").map(String::from))
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(dates, ["2026-03-01", "2026-01-05"], "{list}");
    // One revision for the merge, which asks for consent once.
    let json: serde_json::Value = serde_json::from_str(&read(&out, "cookies.json")).expect("JSON");
    assert_eq!(json["version"]["consent_revision"], 2);
    assert_eq!(json["version"]["date"], "2026-03-01");
}

/// A cache that git tracks came with the repository (`git add -f .clause-cache`), not from
/// this machine's builds: its entries, archived pages as bytes, could be forged, so it is
/// not used (adversary, 30 Nov).
#[test]
fn a_cache_committed_to_the_repository_is_not_used() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (root, _) = versions_site(tmp.path());
    let stderr = build_quiet(&root, &tmp.path().join("first"));
    assert!(
        stderr.contains("16 rendered, 0 found in the cache"),
        "{stderr}"
    );
    common::git(
        &root,
        "2026-11-30T10:00:00Z",
        &["add", "-f", ".clause-cache"],
    );
    common::git(
        &root,
        "2026-11-30T10:00:00Z",
        &["commit", "-q", "-m", "the cache, committed"],
    );
    let stderr = build_quiet(&root, &tmp.path().join("second"));
    assert!(
        stderr.contains("versions: 12 commits loaded from git, 0 found in the cache; archived pages: 16 rendered, 0 found in the cache"),
        "{stderr}"
    );
}
