//! `clause diff`: every kind of change, its consent marking, the three formats, the exit
//! statuses, and `--since` against a real temporary git repository.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::clause;

const BASE: &str = r#"
[[definitions]]
id = "cookie"
term = { en = "Cookie", fr = "Cookie" }
text = { en = "A small file.", fr = "Un petit fichier." }

[categories.necessary]
title = { en = "Necessary", fr = "Nécessaires" }
consent = "exempt"

[categories.stats]
title = { en = "Statistics", fr = "Statistiques" }
consent = "required"

[providers.site]
name = "Example"

[providers.matomo]
name = "Matomo"

[[cookies]]
names = ["session"]
provider = "site"
category = "necessary"
function = { en = "Log-in", fr = "Connexion" }
purpose = { en = "To keep you logged in", fr = "Vous garder connecté" }
duration = "session"

[[cookies]]
names = ["_pk_id.*"]
provider = "matomo"
category = "stats"
function = { en = "Statistics", fr = "Statistiques" }
purpose = { en = "To count visits", fr = "Compter les visites" }
duration = "13 months"
party = "first"
"#;

/// Writes BASE and BASE changed by `edit` into `dir`, and runs `clause diff` on them.
fn diff_with(dir: &Path, edit: impl Fn(&str) -> String, extra: &[&str]) -> Output {
    let old = dir.join("old.toml");
    let new = dir.join("new.toml");
    fs::write(&old, BASE).expect("write");
    fs::write(&new, edit(BASE)).expect("write");
    clause()
        .arg("diff")
        .arg("--root")
        .arg(dir)
        .args(extra)
        .arg(&old)
        .arg(&new)
        .output()
        .expect("runs")
}

/// The JSON changes of a diff, after checking its exit status (1: something changed).
fn changes(edit: impl Fn(&str) -> String) -> Vec<serde_json::Value> {
    let tmp = tempfile::tempdir().expect("tempdir");
    let o = diff_with(tmp.path(), edit, &["--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let list = report["changes"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        o.status.code(),
        Some(if list.is_empty() { 0 } else { 1 }),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        report["reconsent"],
        list.iter().any(|c| c["reconsent"] == true)
    );
    list
}

fn one(edit: impl Fn(&str) -> String) -> serde_json::Value {
    let list = changes(edit);
    assert_eq!(list.len(), 1, "{list:#?}");
    list[0].clone()
}

const GA: &str = r#"
[[cookies]]
names = ["_ga"]
provider = "matomo"
category = "CAT"
function = "Statistics"
purpose = "To count visits"
duration = "1 year"
"#;

#[test]
fn reordering_and_reformatting_are_no_change() {
    let list = changes(|b| {
        // Swap the two cookies and the providers, and write a table inline.
        let (head, cookies) = b.split_at(b.find("[[cookies]]").expect("cookies"));
        let (first, second) = cookies.split_at(cookies[1..].find("[[cookies]]").expect("2") + 1);
        let head = head.replace(
            "[providers.site]\nname = \"Example\"\n\n[providers.matomo]\nname = \"Matomo\"",
            "[providers]\nmatomo = { name = \"Matomo\" }\nsite = { name = \"Example\" }",
        );
        format!("{head}{second}\n{first}")
    });
    assert!(list.is_empty(), "{list:#?}");
}

#[test]
fn a_new_cookie_needs_consent_only_in_a_required_category() {
    let c = one(|b| format!("{b}{}", GA.replace("CAT", "stats")));
    assert_eq!(c["kind"], "added");
    assert_eq!(c["subject"], "cookie");
    assert_eq!(c["id"], "_ga");
    assert_eq!(c["category"], "stats");
    assert_eq!(c["reconsent"], true);
    let c = one(|b| format!("{b}{}", GA.replace("CAT", "necessary")));
    assert_eq!(c["reconsent"], false);
}

#[test]
fn a_removed_cookie_is_reported_without_asking_again() {
    let c = one(|b| b[..b.rfind("[[cookies]]").expect("last")].to_string());
    assert_eq!(c["kind"], "removed");
    assert_eq!(c["id"], "_pk_id.*");
    assert_eq!(c["provider"], "matomo");
    assert_eq!(c["reconsent"], false);
}

#[test]
fn a_new_purpose_is_marked_per_locale() {
    let c = one(|b| {
        b.replace(
            "Compter les visites",
            "Compter les visites et faire de la publicité",
        )
    });
    assert_eq!(c["kind"], "changed");
    assert_eq!(c["field"], "purpose");
    assert_eq!(c["locale"], "fr");
    assert_eq!(c["old"], "Compter les visites");
    assert_eq!(c["reconsent"], true);
    // The same change in an exempt category needs no consent.
    let c = one(|b| b.replace("Vous garder connecté", "Vous garder connecté longtemps"));
    assert_eq!(c["reconsent"], false);
    // Both locales: one change per locale.
    let list = changes(|b| {
        b.replace("To count visits", "To count visits and sell ads")
            .replace("Compter les visites", "Compter les visites et vendre")
    });
    let locales: Vec<&str> = list.iter().filter_map(|c| c["locale"].as_str()).collect();
    assert_eq!(locales, ["en", "fr"]);
}

#[test]
fn only_a_longer_lifetime_needs_consent() {
    let c = one(|b| b.replace("\"13 months\"", "\"2 years\""));
    assert_eq!(
        (c["field"].as_str(), c["old"].as_str(), c["new"].as_str()),
        (Some("duration"), Some("13 months"), Some("2 years"))
    );
    assert_eq!(c["reconsent"], true);
    let c = one(|b| b.replace("\"13 months\"", "\"6 months\""));
    assert_eq!(c["reconsent"], false);
    // 12 months and 1 year: written differently, a year may be a day longer; still marked
    // only when strictly longer.
    let c = one(|b| b.replace("\"13 months\"", "\"1 year\""));
    assert_eq!(c["reconsent"], false);
    // Longer, but in an exempt category.
    let c = one(|b| b.replace("duration = \"session\"", "duration = \"1 day\""));
    assert_eq!(c["reconsent"], false);
}

#[test]
fn moving_a_cookie_from_an_exempt_to_a_required_category_needs_consent() {
    let c = one(|b| b.replacen("category = \"necessary\"", "category = \"stats\"", 1));
    assert_eq!(c["field"], "category");
    assert_eq!(
        (c["old"].as_str(), c["new"].as_str()),
        (Some("necessary"), Some("stats"))
    );
    assert_eq!(c["reconsent"], true);
    let c = one(|b| b.replace("category = \"stats\"", "category = \"necessary\""));
    assert_eq!(c["reconsent"], false);
    // A category that starts needing consent: every visitor must be asked.
    let list = changes(|b| b.replace("consent = \"exempt\"", "consent = \"required\""));
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["subject"], "category");
    assert_eq!(list[0]["field"], "consent");
    assert_eq!(list[0]["reconsent"], true);
}

#[test]
fn providers_categories_and_other_fields_are_compared() {
    let list = changes(|b| {
        b.replace("[providers.site]\nname = \"Example\"\n", "[providers.site]\nname = \"Example\"\nurl = \"https://example.org/\"\n")
            .replace("party = \"first\"", "party = \"third\"")
            .replace("function = { en = \"Log-in\", fr = \"Connexion\" }", "function = \"Log-in\"")
            + "\n[categories.ads]\ntitle = \"Ads\"\nconsent = \"required\"\n\n[providers.google]\nname = \"Google\"\n"
    });
    let summary: Vec<String> = list
        .iter()
        .map(|c| {
            format!(
                "{} {} {} {} {}",
                c["kind"].as_str().unwrap_or(""),
                c["subject"].as_str().unwrap_or(""),
                c["id"].as_str().unwrap_or(""),
                c["field"].as_str().unwrap_or("-"),
                c["reconsent"]
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "added category ads - false",
            "changed provider site url false",
            "added provider google - false",
            "changed cookie session function false",
            "changed cookie _pk_id.* party true",
        ]
    );
    let function = &list[3];
    assert_eq!(
        (function["locale"].as_str(), function["new"].as_str()),
        (Some("fr"), Some("Log-in"))
    );
    let removed = changes(|b| {
        b.replace(
            "[[definitions]]\nid = \"cookie\"",
            "[[definitions]]\nid = \"biscuit\"",
        )
    });
    let kinds: Vec<(&str, &str)> = removed
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap_or(""),
                c["id"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(kinds, [("added", "biscuit"), ("removed", "cookie")]);
}

fn sample(dir: &Path, format: &str) -> (String, Option<i32>) {
    let o = diff_with(
        dir,
        |b| {
            format!(
                "{}{}",
                b.replace("\"13 months\"", "\"25 months\"")
                    .replace("To count visits", "To count visits | and `ads`"),
                GA.replace("CAT", "stats")
            )
        },
        &["--format", format],
    );
    let text = String::from_utf8_lossy(&o.stdout).replace(&dir.display().to_string(), "<tmp>");
    (text, o.status.code())
}

#[test]
fn text_and_markdown_reports() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (text, code) = sample(tmp.path(), "text");
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("diff_text", text);
    let (md, _) = sample(tmp.path(), "markdown");
    insta::assert_snapshot!("diff_markdown", md);
}

#[test]
fn errors_exit_with_status_2() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let o = diff_with(
        tmp.path(),
        |b| b.replace("duration = \"session\"", "duration = \"forever\""),
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("new.toml:"), "{err}");
    assert!(
        err.contains("error: cannot compare inventories that do not load"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
    fs::write(tmp.path().join("bad.toml"), b"names = [\"\xff\"]").expect("write");
    let o = clause()
        .arg("diff")
        .arg(tmp.path().join("old.toml"))
        .arg(tmp.path().join("bad.toml"))
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not UTF-8 text"));
    let o = clause()
        .args(["diff", "only-one.toml"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    let o = clause()
        .arg("diff")
        .arg("--root")
        .arg(tmp.path())
        .args(["--since", "HEAD"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not inside a git repository"));
}

fn git(dir: &Path, args: &[&str]) {
    let o = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=Legal",
            "-c",
            "user.email=legal@example.org",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("GIT_COMMITTER_DATE", "2026-03-01T10:00:00Z")
        .env("GIT_AUTHOR_DATE", "2026-03-01T10:00:00Z")
        .output()
        .expect("git runs");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A site (the minimal fixture, with BASE as its inventory) committed in a new repository,
/// in a subfolder so that paths relative to the repository are exercised.
pub fn site_repo(tmp: &Path) -> PathBuf {
    let root = tmp.join("policy");
    common::copy_dir(&common::fixture("minimal"), &root);
    fs::write(root.join("content/cookies.toml"), BASE).expect("write");
    fs::write(
        root.join("site.toml"),
        "title = \"T\"\nbase_url = \"https://example.org/\"\nlocales = [\"en\", \"fr\"]\n",
    )
    .expect("write");
    git(tmp, &["init", "-q", "-b", "main"]);
    git(tmp, &["add", "."]);
    git(tmp, &["commit", "-q", "-m", "First policy"]);
    root
}

#[test]
fn since_compares_a_revision_with_the_working_tree() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = site_repo(tmp.path());
    let since = |rev: &str| {
        clause()
            .arg("diff")
            .arg("--root")
            .arg(&root)
            .arg(format!("--since={rev}"))
            .output()
            .expect("runs")
    };
    let o = since("HEAD");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "HEAD:policy/content/cookies.toml → policy/content/cookies.toml (working tree)\nno change in the inventory's meaning\n"
    );
    let inv = root.join("content/cookies.toml");
    fs::write(&inv, format!("{BASE}{}", GA.replace("CAT", "stats"))).expect("write");
    let o = since("HEAD");
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("+ cookie _ga (matomo, stats)\n    ! ask for consent again: a new cookie in a category that needs consent"), "{out}");
    // A revision by date, as git writes it (with colons).
    let o = since("HEAD@{2030-01-01 00:00:00}");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = since("HEAD~3");
    assert_eq!(o.status.code(), Some(2));
    let o = since("--output=/tmp/x");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a revision"));
}

#[test]
fn what_cannot_be_compared_is_a_usage_error_with_its_fix() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let inv = common::repo().join("content/cookies.toml");
    let missing = tmp.path().join("missing.toml");
    let run = |args: &[&std::ffi::OsStr]| {
        let o = clause()
            .arg("diff")
            .args(args)
            .current_dir(tmp.path())
            .output()
            .expect("runs");
        assert!(o.stdout.is_empty());
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let cases: [(Vec<&std::ffi::OsStr>, String); 4] = [
        (
            vec![],
            "error: nothing to compare\n  = help: give two inventory files (`clause diff old.toml new.toml`) or a git revision (`clause diff --since HEAD~1`)\n".into(),
        ),
        (
            vec!["--since".as_ref(), "HEAD".as_ref(), inv.as_os_str(), inv.as_os_str()],
            "error: --since compares a revision with the working tree: give no files with it\n  = help: either `clause diff --since HEAD~1` or `clause diff old.toml new.toml`\n".into(),
        ),
        (
            vec![missing.as_os_str(), inv.as_os_str()],
            format!(
                "error: cannot read `{}`: No such file or directory (os error 2)\n  = help: give the paths of two inventory files, e.g. `clause diff old/cookies.toml content/cookies.toml`\n",
                missing.display()
            ),
        ),
        (
            vec!["--since".as_ref(), "HEAD".as_ref()],
            "is not inside a git repository\n  = help: run it in the site's git repository (or pass --root), or compare two files: `clause diff old.toml new.toml`\n".into(),
        ),
    ];
    for (args, expected) in cases {
        let (code, stderr) = run(&args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.ends_with(&expected), "{args:?}:\n{stderr}");
    }
}
