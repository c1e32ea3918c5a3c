//! CLI tests: the real binary on real fixture sites, asserting exact diagnostics.

use crate::common;

use std::fs;

use common::{build, clause, copy_dir, fixture, repo, tree};

/// Runs `clause check` on a fixture and returns (exit code, stderr).
fn check(name: &str, extra: &[&str]) -> (i32, String) {
    let o = clause()
        .arg("check")
        .arg("--root")
        .arg(format!("tests/fixtures/{name}"))
        .args(extra)
        .output()
        .expect("runs");
    assert!(o.stdout.is_empty(), "stdout stays clean");
    (
        o.status.code().expect("exit code"),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn example_site_builds_every_page() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("output");
    let (stdout, stderr) = build(&repo(), &out);
    assert!(stdout.is_empty());
    assert!(
        stderr.starts_with("built 2 pages in 2 locales into "),
        "{stderr}"
    );
    let files: Vec<String> = tree(&out).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        files,
        [
            ".clause-output",
            "cookies.json",
            "en/cookies.csv",
            "en/cookies/index.html",
            "fr/cookies.csv",
            "fr/cookies/index.html",
            "index.html",
            "sitemap.xml",
            "static/style.css"
        ]
    );
}

#[test]
fn builds_are_byte_identical() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (name, root) in common::valid_sites() {
        let a = tmp.path().join(format!("{name}-a"));
        let b = tmp.path().join(format!("{name}-b"));
        build(&root, &a);
        build(&root, &b);
        assert_eq!(
            common::published(&a),
            common::published(&b),
            "{name} differs between two builds"
        );
    }
}

#[test]
fn broken_inventory_reports_every_problem_with_its_place() {
    let (code, stderr) = check("invalid", &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("invalid_human", stderr);
}

#[test]
fn patterns_the_consent_banners_cannot_be_given_are_errors_with_their_place() {
    let (code, stderr) = check("invalid-patterns", &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("invalid_patterns_human", stderr);
    // The build refuses them too, and writes nothing.
    let tmp = tempfile::tempdir().expect("tempdir");
    let o = clause()
        .args([
            "build",
            "--root",
            "tests/fixtures/invalid-patterns",
            "--output",
        ])
        .arg(tmp.path().join("out"))
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&o.stderr), stderr);
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn broken_settings_are_reported_together() {
    let (code, stderr) = check("invalid-site", &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("invalid_site_human", stderr);
}

#[test]
fn toml_syntax_error_is_located() {
    let (code, stderr) = check("invalid-syntax", &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("invalid_syntax_human", stderr);
}

#[test]
fn template_errors_have_line_and_column() {
    let (code, stderr) = check("theme-broken", &[]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("┌─ themes/default/templates/page.html:4:14"),
        "{stderr}"
    );
}

#[test]
fn json_diagnostics_are_one_object_per_line() {
    let (code, stderr) = check("invalid", &["--message-format", "json"]);
    assert_eq!(code, 1);
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 10, "{stderr}");
    let first = lines
        .iter()
        .find(|l| l["message"] == "unknown category `necesary`")
        .expect("unknown category reported");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["code"], "C0037");
    assert_eq!(first["file"], "content/cookies.toml");
    assert_eq!(first["line"], 12);
    assert_eq!(first["column"], 12);
    assert_eq!(first["end_column"], 22);
    assert_eq!(first["help"], "did you mean `necessary`?");
    let dup = lines
        .iter()
        .find(|l| l["message"] == "cookie `session` is declared twice")
        .expect("duplicate reported");
    assert_eq!(dup["line"], 18);
    assert_eq!(dup["related"][0]["line"], 10);
}

#[test]
fn warnings_pass_unless_strict() {
    let (code, stderr) = check("warnings", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("warning[C0046]: the cookies of category `ads` are on no page"));
    let (code, stderr) = check("warnings", &["--strict"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("--strict turns the warnings above into errors"));
}

#[test]
fn check_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    copy_dir(&fixture("minimal"), &root);
    let before = tree(&root);
    clause()
        .arg("check")
        .arg("--root")
        .arg(&root)
        .assert()
        .success();
    assert_eq!(tree(&root), before);
}

#[test]
fn failed_build_leaves_previous_output_untouched() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    copy_dir(&fixture("minimal"), &root);
    let out = root.join("output");
    build(&root, &out);
    let good = tree(&out);
    fs::write(root.join("content/cookies.toml"), "[categories\n").expect("break it");
    clause()
        .arg("build")
        .arg("--root")
        .arg(&root)
        .assert()
        .code(1);
    assert_eq!(tree(&out), good);
    let siblings = common::staging_leftovers(&root);
    assert!(siblings.is_empty(), "no staging folder left: {siblings:?}");
}

#[test]
fn an_unchanged_site_is_not_rebuilt_unless_files_went_missing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    build(&fixture("minimal"), &out);
    let (_, again) = build(&fixture("minimal"), &out);
    assert!(
        again.contains("is up to date: nothing changed since the last build"),
        "{again}"
    );
    fs::remove_file(out.join("en/cookies/index.html")).expect("delete");
    let (_, repaired) = build(&fixture("minimal"), &out);
    assert!(
        repaired.contains("\nbuilt 1 page in 1 locale"),
        "{repaired}"
    );
    assert!(out.join("en/cookies/index.html").is_file());
}

#[test]
fn refuses_to_replace_the_site_itself() {
    for target in [".", "content"] {
        let o = clause()
            .arg("build")
            .arg("--root")
            .arg("tests/fixtures/minimal")
            .arg("--output")
            .arg(format!("tests/fixtures/minimal/{target}"))
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(1), "{target}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("refusing to write there"));
    }
    assert!(fixture("minimal").join("content/cookies.toml").is_file());
}

#[test]
fn refuses_to_replace_a_folder_it_did_not_make() {
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::write(tmp.path().join("thesis.docx"), "precious").expect("write");
    let o = clause()
        .arg("build")
        .arg("--root")
        .arg(fixture("minimal"))
        .arg("--output")
        .arg(tmp.path())
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("already holds files that Clause did not write"),
        "{stderr}"
    );
    assert!(
        stderr.contains("help: choose an empty or new folder with --output"),
        "{stderr}"
    );
    assert_eq!(
        fs::read_to_string(tmp.path().join("thesis.docx")).expect("kept"),
        "precious"
    );
}

#[test]
fn init_creates_a_site_that_builds() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = tmp.path().join("policy");
    clause().arg("init").arg(&site).assert().success();
    let (_, stderr) = build(&site, &site.join("output"));
    assert!(stderr.starts_with("built 1 page in 1 locale"), "{stderr}");
    // The tab names the page, then the site: never the same words twice.
    let page = fs::read_to_string(site.join("output/en/cookies/index.html")).expect("page");
    assert!(
        page.contains("<title>Cookie policy – example.org</title>"),
        "{page}"
    );
    // A second init into the now non-empty folder is refused, and nothing is touched.
    let before = fs::read(site.join("site.toml")).expect("site.toml");
    let out = clause().arg("init").arg(&site).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: `{}` already exists and is not empty\n  = help: give the name of a new folder, e.g. `clause init my-policy`\n",
            site.display()
        )
    );
    assert_eq!(fs::read(site.join("site.toml")).expect("site.toml"), before);
    // A file is not a folder.
    let file = tmp.path().join("notes.txt");
    fs::write(&file, "mine").expect("write");
    let out = clause().arg("init").arg(&file).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: `{}` exists and is not a folder\n  = help: give the name of a new folder\n",
            file.display()
        )
    );
    assert_eq!(fs::read_to_string(&file).expect("kept"), "mine");
}

#[test]
fn non_utf8_file_is_reported_with_its_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    copy_dir(&fixture("minimal"), &root);
    fs::write(
        root.join("content/en/cookies.md"),
        b"+++\ntitle = \"Caf\xe9\"\n+++\n".as_slice(),
    )
    .expect("write");
    let (code, stderr) = common::check_root(&root);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("error[C0005]: the file is not UTF-8 text"),
        "{stderr}"
    );
    assert!(stderr.contains("content/en/cookies.md:2:13"), "{stderr}");
}

#[test]
fn byte_order_mark_and_crlf_are_accepted() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    copy_dir(&fixture("minimal"), &root);
    let toml = fs::read_to_string(root.join("content/cookies.toml")).expect("read");
    fs::write(
        root.join("content/cookies.toml"),
        format!("\u{feff}{}", toml.replace('\n', "\r\n")),
    )
    .expect("write");
    build(&root, &root.join("output"));
}

#[test]
fn missing_site_toml_explains_what_to_do() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let o = clause()
        .arg("check")
        .arg("--root")
        .arg(tmp.path())
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("site.toml: `site.toml` does not exist"),
        "{stderr}"
    );
    assert!(stderr.contains("clause init <dir>"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn links_out_of_the_site_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    copy_dir(&fixture("minimal"), &root);
    let outside = tmp.path().join("secret.md");
    fs::write(&outside, "+++\ntitle = \"x\"\n+++\n").expect("write");
    fs::remove_file(root.join("content/en/cookies.md")).expect("rm");
    std::os::unix::fs::symlink(&outside, root.join("content/en/cookies.md")).expect("link");
    let (code, stderr) = common::check_root(&root);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("outside the site folder"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn an_output_that_is_a_link_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let elsewhere = tmp.path().join("elsewhere");
    fs::create_dir(&elsewhere).expect("mkdir");
    fs::write(elsewhere.join("keep.txt"), "keep").expect("write");
    let link = tmp.path().join("output");
    std::os::unix::fs::symlink(&elsewhere, &link).expect("link");
    let o = clause()
        .arg("build")
        .arg("--root")
        .arg(fixture("minimal"))
        .arg("--output")
        .arg(&link)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is a link"));
    assert_eq!(
        fs::read_to_string(elsewhere.join("keep.txt")).expect("kept"),
        "keep"
    );
    assert!(link.is_symlink(), "the link itself is left alone");
}

#[test]
fn usage_errors_exit_2() {
    clause().arg("build").arg("--nope").assert().code(2);
}

// ── Messages that tell the user exactly what to write ─────────────────────────────

/// An inventory whose cookies name an undeclared category and provider, a party that does
/// not exist and a lifetime too large for any count, with one good entry.
const MISLEADING_INVENTORY: &str = r#"[providers.site]
name = "Example"

[[cookies]]
names = ["session"]
provider = "site"
category = "zzz"
function = "Log-in"
purpose = { en = "To keep you logged in" }
duration = "99999999999999999999 years"
party = "fourth"

[[cookies]]
names = ["other"]
provider = "nobody"
category = "zzz"
function = "Log-in"
purpose = "To keep you logged in"
duration = "2 weeks"
"#;

/// A site in a temporary folder: `site.toml` as given, the inventory above, a good
/// document, one whose front matter is broken, and `con.md` (a device name on Windows).
fn misleading_site(site_toml: &[u8]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    fs::create_dir_all(root.join("content/en")).expect("mkdir");
    fs::write(root.join("site.toml"), site_toml).expect("write");
    fs::write(root.join("content/cookies.toml"), MISLEADING_INVENTORY).expect("write");
    fs::write(
        root.join("content/en/cookies.md"),
        "+++\ntitle = \"Cookies\"\n+++\n\nText.\n",
    )
    .expect("write");
    fs::write(
        root.join("content/en/contact.md"),
        "+++\ntitle = \"Contact\"\nupdated = \"yesterday\"\n+++\n\nText.\n",
    )
    .expect("write");
    fs::write(
        root.join("content/en/con.md"),
        "+++\ntitle = \"Con\"\n+++\n",
    )
    .expect("write");
    tmp
}

fn check_stderr(root: &std::path::Path) -> String {
    let (code, stderr) = common::check_root(root);
    assert_eq!(code, Some(1), "{stderr}");
    stderr
}

#[test]
fn messages_name_the_tables_values_and_files_to_write() {
    let site = misleading_site(
        b"title = \"T\"\nbase_url = \"https://example.org/\"\nlocales = [\"en\"]\n",
    );
    let stderr = check_stderr(site.path());
    insta::assert_snapshot!("misleading_messages", stderr);
}

#[test]
fn an_error_in_site_toml_does_not_hide_the_errors_of_content() {
    let site = misleading_site(b"title = \"T\"\nbase_url = \"https://example.org/\"\nlocales = [\"en\"]\ncolums = [\"party\"]\n");
    let stderr = check_stderr(site.path());
    insta::assert_snapshot!("site_toml_error_and_content_errors", stderr);
}

#[test]
fn a_site_toml_that_is_not_utf8_does_not_hide_the_errors_of_content() {
    let site = misleading_site(
        b"title = \"Caf\xe9\"\nbase_url = \"https://example.org/\"\nlocales = [\"en\"]\n",
    );
    let stderr = check_stderr(site.path());
    insta::assert_snapshot!("site_toml_not_utf8_and_content_errors", stderr);
}

#[cfg(unix)]
#[test]
fn a_folder_link_loop_in_a_theme_is_named_with_where_it_leads() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    copy_dir(&fixture("minimal"), &root);
    let templates = root.join("themes/default/templates");
    fs::create_dir_all(&templates).expect("mkdir");
    std::os::unix::fs::symlink("..", templates.join("up")).expect("link");
    let (code, stderr) = common::check_root(&root);
    assert_eq!(code, Some(1), "{stderr}");
    insta::assert_snapshot!("folder_link_loop", stderr);
}

/// A folder link out of the site is one error, at the link: it is not walked (a link to
/// `/` walked the whole file system before each file was refused).
#[cfg(unix)]
#[test]
fn a_folder_link_out_of_the_site_is_one_error_and_is_not_walked() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    copy_dir(&fixture("minimal"), &root);
    let outside = tmp.path().join("elsewhere");
    fs::create_dir_all(outside.join("a/b")).expect("mkdir");
    fs::write(outside.join("a/b/secret.txt"), "not for the site").expect("write");
    fs::create_dir_all(root.join("static")).expect("mkdir");
    std::os::unix::fs::symlink(&outside, root.join("static/more")).expect("link");
    let (code, stderr) = common::check_root(&root);
    assert_eq!(code, Some(1), "{stderr}");
    let real = fs::canonicalize(&outside).expect("real");
    assert_eq!(
        stderr,
        format!(
            "error[C0003]: static/more: `static/more` is a link to `{}`, outside the site folder\n = help: Clause reads only files inside the site folder: copy the file here instead of linking to it\n\nerror: 1 error found; nothing was written\n",
            real.display()
        )
    );
}

/// The same in `static/`: it was skipped without a word, and the site published without
/// the files the link should have brought.
#[cfg(unix)]
#[test]
fn a_folder_link_loop_in_static_is_an_error_and_nothing_is_written() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    copy_dir(&fixture("minimal"), &root);
    let docs = root.join("static/docs");
    fs::create_dir_all(&docs).expect("mkdir");
    fs::write(docs.join("terms.pdf"), "pdf").expect("write");
    std::os::unix::fs::symlink("..", docs.join("again")).expect("link");
    let out = clause()
        .arg("build")
        .arg("--root")
        .arg(&root)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(
            "error[C0069]: static/docs/again: this folder link leads back to `static`, which holds it\n"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("put the files it should bring in `static/` itself"),
        "{stderr}"
    );
    assert!(!root.join("output").exists());
}

/// `export`, `audit`, `scan` and `diff` print a site (or inventory) that does not load in
/// the format asked for, like `build` and `check`: JSON lines with `--message-format json`.
/// (`scan` loads the site before it starts a browser: none is started here.)
#[test]
fn every_command_honours_the_message_format_when_the_site_fails() {
    let invalid = fixture("invalid");
    let recording = repo().join("tests/fixtures/recordings/chrome.har");
    let runs: [(&str, Vec<std::ffi::OsString>); 4] = [
        (
            "export",
            vec!["export".into(), "--format".into(), "json".into()],
        ),
        ("audit", vec!["audit".into(), recording.into()]),
        (
            "scan",
            vec![
                "scan".into(),
                "http://127.0.0.1:9/".into(),
                "--browser".into(),
                "/nonexistent".into(),
            ],
        ),
        (
            "diff",
            vec![
                "diff".into(),
                invalid.join("content/cookies.toml").into(),
                repo().join("content/cookies.toml").into(),
            ],
        ),
    ];
    for (name, args) in runs {
        let human = clause()
            .args(&args)
            .arg("--root")
            .arg(&invalid)
            .output()
            .expect("runs");
        let human = String::from_utf8_lossy(&human.stderr).into_owned();
        assert!(
            human.contains("error[C0037]: unknown category `necesary`"),
            "{name}: {human}"
        );
        let o = clause()
            .args(&args)
            .arg("--root")
            .arg(&invalid)
            .args(["--message-format", "json"])
            .output()
            .expect("runs");
        assert!(!o.status.success(), "{name}");
        let stderr = String::from_utf8_lossy(&o.stderr);
        let lines: Vec<serde_json::Value> = stderr
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("{name}: not JSON: {l}")))
            .collect();
        assert!(
            lines
                .iter()
                .any(|l| l["message"] == "unknown category `necesary`"),
            "{name}: {stderr}"
        );
        assert_eq!(
            lines.last().map(|l| &l["severity"]),
            Some(&"error".into()),
            "{name}"
        );
    }
}

/// clap quotes the words it refuses: a word holding control characters is shown escaped,
/// never sent to the terminal as it is (a screen cleared, a fake line of Clause's own).
#[test]
fn refused_command_lines_show_typed_control_characters_escaped() {
    for (args, shown) in [
        (
            vec!["build", "\u{1b}[2Jx\n::error::fake"],
            "error: unexpected argument '\\u{1b}[2Jx\\n::error::fake' found",
        ),
        (
            vec!["build", "--jobs", "\u{1b}]0;title\u{7}"],
            "error: invalid value '\\u{1b}]0;title\\u{7}' for '--jobs <N>'",
        ),
        (
            vec!["\u{1b}[2J\r"],
            "error: unrecognized subcommand '\\u{1b}[2J\\r'",
        ),
        (
            vec!["export", "--format", "x\u{202e}y"],
            "error: invalid value 'x\\u{202e}y' for '--format <FORMAT>'",
        ),
    ] {
        let out = clause().args(&args).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with(shown), "{args:?}: {stderr}");
        assert!(
            !stderr
                .chars()
                .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
            "{args:?}: {stderr:?}"
        );
        assert!(out.stdout.is_empty());
    }
    // Help and version are Clause's own text, on stdout, status 0.
    let out = clause().arg("--version").output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("clause "));
}
