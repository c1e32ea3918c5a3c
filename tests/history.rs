//! "Changes to this policy" and "Last updated" from a real temporary git repository.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{commit, history_site as repo, HISTORY_SITE as SITE};

fn page(out: &Path, locale: &str) -> String {
    fs::read_to_string(out.join(locale).join("cookies/index.html")).expect("page")
}

fn section(html: &str) -> &str {
    let start = html
        .find("<section class=\"changes\"")
        .expect("history section");
    let end = html[start..].find("</section>").expect("end") + start;
    &html[start..end]
}

#[test]
fn each_commit_that_changed_the_inventory_is_an_entry_in_the_page_language() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = repo(tmp.path());
    let out = tmp.path().join("out");
    common::build(&root, &out);
    let en = page(&out, "en");
    let fr = page(&out, "fr");
    // Commit hashes depend on the machine's git: replaced before the snapshot.
    let mut shown = section(&en).to_string();
    while let Some(i) = shown.find("data-commit=\"") {
        let start = i + "data-commit=\"".len();
        shown.replace_range(i..start + 40, "data-hash=\"<hash>");
    }
    insta::assert_snapshot!("history_en", shown);
    let fr_section = section(&fr);
    assert!(fr_section.contains("<h2 id=\"changes\">Modifications de cette politique</h2>"));
    assert!(fr_section.contains("<time datetime=\"2026-03-09\">9 mars 2026</time>"));
    assert!(fr_section.contains(
        "<li>Nouvelle durée de conservation du cookie <code>_ga</code>\u{202f}: 25 mois (auparavant\u{202f}: 13 mois).</li>"
    ));
    assert!(
        fr_section.contains("<li>Ajout du cookie <code>_ga</code> (Google, Statistiques).</li>")
    );
    assert!(fr_section.contains("<li>Première version de cette politique.</li>"));
    // The reformatting commit changed nothing a visitor could see.
    assert!(!fr_section.contains("2026-04-11"), "{fr_section}");
    // Newest first, each traceable to its commit.
    let dates: Vec<&str> = fr_section
        .match_indices("datetime=\"")
        .map(|(i, _)| &fr_section[i + 10..i + 20])
        .collect();
    assert_eq!(dates, ["2026-03-09", "2026-02-07", "2026-01-05"]);
    assert_eq!(fr_section.matches("data-commit=\"").count(), 3);
    assert!(fr.contains("<li><a href=\"#changes\">Modifications de cette politique</a>"));
}

#[test]
fn last_updated_comes_from_front_matter_else_from_the_last_commit() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = repo(tmp.path());
    // The French page says when it was updated; the English one does not.
    let fr = root.join("content/fr/cookies.md");
    let text = fs::read_to_string(&fr).expect("read");
    fs::write(
        &fr,
        text.replacen("+++\n", "+++\nupdated = 2025-12-24\n", 1),
    )
    .expect("write");
    commit(&root, "2026-05-01T10:00:00Z", "French date");
    let out = tmp.path().join("out");
    common::build(&root, &out);
    assert!(page(&out, "fr").contains("<time datetime=\"2025-12-24\">24 décembre 2025</time>"));
    // The last commit touching the English document or the inventory: the reformatting.
    assert!(page(&out, "en").contains("<time datetime=\"2026-04-11\">11 April 2026</time>"));
    let sitemap = fs::read_to_string(out.join("sitemap.xml")).expect("sitemap");
    assert!(
        sitemap.contains("<lastmod>2026-04-11</lastmod>"),
        "{sitemap}"
    );
}

#[test]
fn a_new_commit_is_a_change_even_when_no_file_changed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = repo(tmp.path());
    let out = tmp.path().join("out");
    // An edit not yet committed: the date is the last commit's.
    let en = root.join("content/en/cookies.md");
    fs::write(&en, fs::read_to_string(&en).expect("read") + "\nMore.\n").expect("write");
    common::build(&root, &out);
    assert!(page(&out, "en").contains("datetime=\"2026-04-11\""));
    commit(&root, "2026-06-02T10:00:00Z", "More prose");
    let (_, stderr) = common::build(&root, &out);
    assert!(!stderr.contains("up to date"), "{stderr}");
    assert!(page(&out, "en").contains("datetime=\"2026-06-02\""));
    // And the same commit builds the same bytes.
    let again = tmp.path().join("again");
    common::build(&root, &again);
    assert_eq!(common::published(&out), common::published(&again));
}

#[test]
fn without_git_the_build_succeeds_without_history() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // Not a repository.
    let root = tmp.path().join("site");
    common::copy_dir(&common::fixture("minimal"), &root);
    fs::write(root.join("site.toml"), SITE).expect("write");
    common::copy_dir(&root.join("content/en"), &root.join("content/fr"));
    let out = tmp.path().join("out");
    let o = common::clause()
        .args(["build", "--strict", "--root"])
        .arg(&root)
        .arg("--output")
        .arg(&out)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let en = page(&out, "en");
    assert!(!en.contains("class=\"changes\"") && !en.contains("class=\"updated\""));
    // A repository, but no git program on PATH.
    let root = repo(tmp.path().join("r").as_path());
    let out = tmp.path().join("out2");
    let o = Command::new(assert_cmd::cargo::cargo_bin("clause"))
        .args(["build", "--strict", "--root"])
        .arg(&root)
        .arg("--output")
        .arg(&out)
        .env("PATH", tmp.path().join("nowhere"))
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!page(&out, "en").contains("class=\"changes\""));
}

#[test]
fn history_settings_are_checked() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = repo(tmp.path());
    let set = |history: &str| {
        fs::write(
            root.join("site.toml"),
            SITE.replace("[history]\nlimit = 5\n", history),
        )
        .expect("write");
    };
    set("[history]\nlimit = 1\n");
    let out = tmp.path().join("one");
    common::build(&root, &out);
    assert_eq!(section(&page(&out, "en")).matches("<time").count(), 1);
    set("[history]\nenabled = false\n");
    let out = tmp.path().join("off");
    common::build(&root, &out);
    assert!(!page(&out, "en").contains("class=\"changes\""));
    set("[history]\nlimit = 0\nenable = true\n");
    let o = common::clause()
        .arg("check")
        .arg("--root")
        .arg(&root)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("`history.limit` is 0"), "{err}");
    assert!(err.contains("enable"), "{err}");
}

/// `clause check [--strict]` on `root` with the clock set to `today`: (exit code, stderr).
fn check_on(root: &Path, today: &str, strict: bool) -> (Option<i32>, String) {
    let mut c = common::clause();
    c.arg("check").arg("--root").arg(root);
    if strict {
        c.arg("--strict");
    }
    let o = c.env("CLAUSE_TEST_TODAY", today).output().expect("runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn last_updated_in_the_future_or_different_between_languages_is_a_warning() {
    let root = common::fixture("dates");
    let (code, stderr) = check_on(&root, "2026-11-29", false);
    assert_eq!(code, Some(0), "{stderr}");
    insta::assert_snapshot!("dates_contradict", stderr);
    let (code, _) = check_on(&root, "2026-11-29", true);
    assert_eq!(code, Some(1), "--strict fails");
    // The day it is written, a date is not in the future: the clock decides.
    let (_, later) = check_on(&root, "2026-12-01", false);
    assert!(!later.contains("in the future"), "{later}");
    assert!(later.contains("`updated` is 2026-11-01 here"), "{later}");
}

#[test]
fn last_updated_older_than_the_newest_listed_change_is_a_warning() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = repo(tmp.path());
    for locale in ["en", "fr"] {
        let doc = root.join(format!("content/{locale}/cookies.md"));
        let text = fs::read_to_string(&doc).expect("read");
        fs::write(
            &doc,
            text.replacen("+++\n", "+++\nupdated = 2026-02-07\n", 1),
        )
        .expect("write");
    }
    commit(&root, "2026-05-01T10:00:00Z", "Dates");
    let (code, stderr) = check_on(&root, "2026-11-29", false);
    assert_eq!(code, Some(0), "{stderr}");
    // The newest change listed is of 2026-03-09 (the reformatting of 2026-04-11 is not one).
    insta::assert_snapshot!("dates_older_than_history", stderr);
    for locale in ["en", "fr"] {
        let doc = root.join(format!("content/{locale}/cookies.md"));
        let text = fs::read_to_string(&doc).expect("read");
        fs::write(&doc, text.replace("2026-02-07", "2026-03-09")).expect("write");
    }
    let (code, stderr) = check_on(&root, "2026-11-29", true);
    assert_eq!(code, Some(0), "{stderr}");
}
