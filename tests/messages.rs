//! Messages a legal team meets in its first afternoon: one mistake gives one error that
//! names what it is about, and the mistakes of word processors (typographic quotes, dates
//! written the local way) are named with their fix, in every TOML file Clause reads.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::clause;

/// A copy of the `minimal` fixture with `files` written over it.
fn site(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    common::copy_dir(&common::fixture("minimal"), &root);
    for (path, text) in files {
        let p = root.join(path);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(p, text).expect("write");
    }
    (tmp, root)
}

/// `clause check` on `root`: (exit code, stderr).
fn check(root: &Path) -> (i32, String) {
    let o = clause()
        .arg("check")
        .arg("--root")
        .arg(root)
        .output()
        .expect("runs");
    (
        o.status.code().expect("exit code"),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

const MINIMAL_INVENTORY: &str = r#"[categories.necessary]
title = "Necessary cookies"
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

#[test]
fn a_rejected_category_causes_no_further_error_and_a_cookie_without_purpose_is_named() {
    let inventory = format!(
        "{MINIMAL_INVENTORY}
[categories.analytics]
title = \"Analytics\"
consent = \"legitimate-interest\"

[[cookies]]
names = [\"_ga\", \"_gid\"]
provider = \"site\"
category = \"analytics\"
function = \"Statistics\"
duration = \"2 years\"
"
    );
    let (_tmp, root) = site(&[
        ("content/cookies.toml", &inventory),
        (
            "content/en/cookies.md",
            "+++\ntitle = \"Cookies\"\n+++\n\n{{ cookies necessary }}\n\n{{ cookies analytics }}\n",
        ),
        (
            "content/en/statistics.md",
            "+++\ntitle = \"Statistics\"\n+++\n\n## Statistics {#stats}\n\n{{ cookies analytics }}\n",
        ),
    ]);
    let (code, stderr) = check(&root);
    assert_eq!(code, 1);
    assert!(!stderr.contains("unknown category"), "{stderr}");
    assert!(!stderr.contains("{field}"), "{stderr}");
    insta::assert_snapshot!("rejected_category_once", stderr);
}

#[test]
fn a_category_without_cookies_is_said_to_be_hidden() {
    let inventory = format!(
        "{MINIMAL_INVENTORY}
[categories.ads]
title = \"Advertising\"
consent = \"required\"
"
    );
    let (_tmp, root) = site(&[("content/cookies.toml", &inventory)]);
    let (code, stderr) = check(&root);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("category_without_cookies", stderr);
}

#[test]
fn quotes_of_word_processors_and_local_dates_are_named_with_their_fix() {
    let (_tmp, root) = site(&[
        (
            "site.toml",
            "title = « Minimal »\nbase_url = \"https://example.org\"\nlocales = [\"en\"]\n",
        ),
        (
            "content/cookies.toml",
            &MINIMAL_INVENTORY.replace("duration = \"session\"", "duration = “6 months”"),
        ),
        (
            "content/en/cookies.md",
            "+++\ntitle = \"Cookies\"\nupdated = 30.11.2026\n+++\n",
        ),
    ]);
    let (code, stderr) = check(&root);
    assert_eq!(code, 1);
    insta::assert_snapshot!("word_processor_mistakes", stderr);
}

#[test]
fn typographic_quotes_are_named_in_sites_toml_and_theme_strings_too() {
    let (_tmp, root) = site(&[(
        "sites.toml",
        "[[sites]]\nid = \"north\"\nbase_url = ‚https://north.example.org/‘\n",
    )]);
    let (code, sites) = check(&root);
    assert_eq!(code, 1);
    let (_tmp, root) = site(&[("themes/default/i18n/en.toml", "contents = ‘Contents’\n")]);
    let (code, theme) = check(&root);
    assert_eq!(code, 1);
    insta::assert_snapshot!("typographic_quotes_elsewhere", format!("{sites}\n{theme}"));
}

#[test]
fn a_date_written_as_text_the_local_way_is_given_back_as_a_date() {
    let (_tmp, root) = site(&[(
        "content/en/cookies.md",
        "+++\ntitle = \"Cookies\"\nupdated = \"30/11/2026\"\n+++\n",
    )]);
    let (code, stderr) = check(&root);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("= help: write the date as year-month-day: `updated = 2026-11-30`"),
        "{stderr}"
    );
}
