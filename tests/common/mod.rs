//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod patterns;
pub mod serve;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Whether a test that needs the browser tools (Node, Chromium, Java: `npm ci --prefix
/// tests/browser`) is to be skipped. Only `CLAUSE_SKIP_BROWSER=1` skips (any other value
/// runs the test), never where `CI` is set (CI must fail if the browser checks did not
/// run), and a skipped test says so on the terminal, past the test harness's capture.
/// Every test that runs Node or Chromium starts with it.
pub fn skip_browser(test: &str) -> bool {
    let skip = match skip_decision(
        std::env::var_os("CLAUSE_SKIP_BROWSER").as_deref(),
        std::env::var_os("CI").as_deref(),
    ) {
        Ok(skip) => skip,
        Err(why) => panic!("{test}: {why}"),
    };
    if skip {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!("SKIPPED {test}: CLAUSE_SKIP_BROWSER=1, the browser checks did not run\n")
                .as_bytes(),
        );
        return true;
    }
    let tools = repo().join("tests/browser/node_modules");
    assert!(
        tools.join("vnu-jar").is_dir() && tools.join("playwright-core").is_dir(),
        "the browser test tools are missing: run `npm ci --prefix tests/browser` and `apt-get install chromium` (as .ci/run does), or set CLAUSE_SKIP_BROWSER=1 outside CI"
    );
    false
}

/// The rule of `skip_browser`, from the values of `CLAUSE_SKIP_BROWSER` and `CI`.
pub fn skip_decision(
    skip: Option<&std::ffi::OsStr>,
    ci: Option<&std::ffi::OsStr>,
) -> Result<bool, String> {
    if skip != Some(std::ffi::OsStr::new("1")) {
        return Ok(false);
    }
    if ci.is_some_and(|v| !v.is_empty()) {
        return Err("CLAUSE_SKIP_BROWSER=1 is refused where CI is set: CI must run the browser checks (unset CLAUSE_SKIP_BROWSER)".into());
    }
    Ok(true)
}

/// The repository root (the example site).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture site under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests").join("fixtures").join(name)
}

/// The clause binary, run from the repository root.
pub fn clause() -> Command {
    let mut c = Command::cargo_bin("clause").expect("binary built");
    c.current_dir(repo());
    c
}

/// Builds `root` into `out` and returns the (stdout, stderr) of a successful build.
pub fn build(root: &Path, out: &Path) -> (String, String) {
    build_with(root, out, &[])
}

/// Builds `root` into `out` with `extra` arguments (`--drafts`) and returns the (stdout,
/// stderr) of a successful build.
pub fn build_with(root: &Path, out: &Path, extra: &[&str]) -> (String, String) {
    let o = clause()
        .arg("build")
        .arg("--root")
        .arg(root)
        .arg("--output")
        .arg(out)
        .args(extra)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        o.status.success(),
        "build of {} failed:\n{stderr}",
        root.display()
    );
    (String::from_utf8_lossy(&o.stdout).into_owned(), stderr)
}

/// Every file under `dir`, relative path and bytes, sorted.
pub fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .expect("inside")
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(e.path()).expect("readable"))
        })
        .collect();
    out.sort();
    out
}

/// Every file under `dir` but Clause's marker, which records when each file was written
/// (so that two builds of the same input differ in it only).
pub fn published(dir: &Path) -> Vec<(String, Vec<u8>)> {
    tree(dir)
        .into_iter()
        .filter(|(p, _)| p != ".clause-output")
        .collect()
}

/// The valid sites: the example and the good fixtures.
pub fn valid_sites() -> Vec<(&'static str, PathBuf)> {
    vec![
        ("example", repo()),
        ("minimal", fixture("minimal")),
        ("i18n", fixture("i18n")),
        ("languages", fixture("languages")),
        ("theme-custom", fixture("theme-custom")),
        ("hostile", fixture("hostile")),
        ("warnings", fixture("warnings")),
        ("platform", fixture("platform")),
        ("legal", fixture("legal")),
    ]
}

/// Copies a folder (a fixture site) so that a test may change it.
pub fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let target = to.join(e.path().strip_prefix(from).expect("inside"));
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

/// Names in `dir` left by Clause's staging (what a finished build must not leave behind).
pub fn staging_leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("clause-staging"))
        .collect()
}

/// Runs `clause check --root <root>`; returns the exit code and stderr.
pub fn check_root(root: &Path) -> (Option<i32>, String) {
    let o = clause()
        .arg("check")
        .arg("--root")
        .arg(root)
        .output()
        .expect("runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

// ── A site in a git repository, for "Changes to this policy" ──────────────────────

/// site.toml of the history fixture.
pub const HISTORY_SITE: &str = "title = \"T\"\nbase_url = \"https://example.org/\"\nlocales = [\"en\", \"fr\"]\n\n[history]\nlimit = 5\n";

/// Google Analytics in a category that needs consent.
pub const HISTORY_GA: &str = r#"
[categories.stats]
title = { en = "Statistics", fr = "Statistiques" }
consent = "required"

[providers.google]
name = "Google"

[[cookies]]
names = ["_ga"]
provider = "google"
category = "stats"
function = "Stats"
purpose = { en = "To count visits", fr = "Compter les visites" }
duration = "13 months"
party = "third"
"#;

/// Runs git in `dir` with a fixed identity and date.
pub fn git(dir: &Path, date: &str, args: &[&str]) {
    let o = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=Legal",
            "-c",
            "user.email=legal@example.org",
        ])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_AUTHOR_DATE", date)
        .output()
        .expect("git runs");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Commits everything in `dir` at `date`.
pub fn commit(dir: &Path, date: &str, message: &str) {
    git(dir, date, &["add", "-A"]);
    git(dir, date, &["commit", "-q", "--allow-empty", "-m", message]);
}

/// The minimal fixture in English and French with `[history]`, and three commits: the
/// first version, a new cookie, a longer lifetime; plus one that only reformats.
pub fn history_site(tmp: &Path) -> PathBuf {
    let root = tmp.join("site");
    copy_dir(&fixture("minimal"), &root);
    std::fs::write(root.join("site.toml"), HISTORY_SITE).expect("write");
    copy_dir(&root.join("content/en"), &root.join("content/fr"));
    git(&root, "2026-01-05T10:00:00Z", &["init", "-q", "-b", "main"]);
    commit(&root, "2026-01-05T10:00:00Z", "First policy");
    let inv = root.join("content/cookies.toml");
    let first = std::fs::read_to_string(&inv).expect("read");
    std::fs::write(&inv, format!("{first}{HISTORY_GA}")).expect("write");
    commit(&root, "2026-02-07T10:00:00Z", "Google Analytics");
    std::fs::write(
        &inv,
        format!("{first}{HISTORY_GA}").replace("13 months", "25 months"),
    )
    .expect("write");
    commit(&root, "2026-03-09T10:00:00Z", "Longer");
    std::fs::write(
        &inv,
        format!("# Reformatted\n{first}{HISTORY_GA}").replace("13 months", "25 months"),
    )
    .expect("write");
    commit(&root, "2026-04-11T10:00:00Z", "Only a comment");
    root
}

// ── A dozen commits, for the versions, the consent revision and the archive ──────────

/// site.toml of the versions fixture.
pub const VERSIONS_SITE: &str = "title = \"T\"\nbase_url = \"https://example.org/\"\nlocales = [\"en\", \"fr\"]\n\n[history]\nlimit = 20\n";

/// The full hash of `rev` in `dir`.
pub fn rev_parse(dir: &Path, rev: &str) -> String {
    let o = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", rev])
        .output()
        .expect("git runs");
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// The minimal fixture in English and French with `[history]`, and twelve commits, each
/// listed with its hash, oldest first:
///
/// | # | date | what | consent revision |
/// |---|---|---|---|
/// | 1 | 2026-01-05 | first policy | 1 |
/// | 2 | 2026-02-07 | Google Analytics (needs consent) | 2 |
/// | 3 | 2026-02-07 | a typo fixed in the English text | 2 |
/// | 4 | 2026-03-09 | the inventory reformatted: no version | 2 |
/// | 5 | 2026-03-10 | `_ga`'s English purpose reworded, `Consent: unchanged` | 2 |
/// | 6 | 2026-04-11 | the inventory broken: does not load | 2 |
/// | 7 | 2026-04-12 | fixed, and `_gid` added (needs consent) | 3 |
/// | 8 | 2026-05-02 | the French text reworded, `Consent: renew` | 4 |
/// | 9 | 2026-06-01 | `_ga` kept longer, `Consent: maybe` (a warning) | 5 |
/// | 10 | 2026-07-01 | an exempt cookie added | 5 |
/// | 11 | 2026-08-01 | blank lines in the English text: no version | 5 |
/// | 12 | 2026-09-01 | the exempt cookie removed | 5 |
pub fn versions_site(tmp: &Path) -> (PathBuf, Vec<String>) {
    let root = tmp.join("site");
    copy_dir(&fixture("minimal"), &root);
    let w = |rel: &str, text: &str| std::fs::write(root.join(rel), text).expect("write");
    w("site.toml", VERSIONS_SITE);
    std::fs::create_dir_all(root.join("content/fr")).expect("mkdir");
    let en = |text: &str| format!("+++\ntitle = \"Cookies\"\n+++\n\n{text}\n");
    let fr = |text: &str| format!("+++\ntitle = \"Cookies\"\n+++\n\n{text}\n");
    w(
        "content/en/cookies.md",
        &en("We use cookies on this sitte."),
    );
    w("content/fr/cookies.md", &fr("Nous utilisons des cookies."));
    let base = std::fs::read_to_string(root.join("content/cookies.toml")).expect("read");
    let gid = "\n[[cookies]]\nnames = [\"_gid\"]\nprovider = \"google\"\ncategory = \"stats\"\nfunction = \"Stats\"\npurpose = { en = \"To count visits\", fr = \"Compter les visites\" }\nduration = \"1 day\"\nparty = \"third\"\n";
    let lang = "\n[[cookies]]\nnames = [\"lang\"]\nprovider = \"site\"\ncategory = \"necessary\"\nfunction = \"Language\"\npurpose = \"To remember your language\"\nduration = \"1 year\"\n";
    let mut hashes = Vec::new();
    let mut commit_at = |date: &str, message: &str| {
        commit(&root, date, message);
        hashes.push(rev_parse(&root, "HEAD"));
    };
    git(&root, "2026-01-05T10:00:00Z", &["init", "-q", "-b", "main"]);
    commit_at("2026-01-05T10:00:00Z", "First policy");
    let ga = format!("{base}{HISTORY_GA}");
    w("content/cookies.toml", &ga);
    commit_at("2026-02-07T09:00:00Z", "Google Analytics");
    w("content/en/cookies.md", &en("We use cookies on this site."));
    commit_at("2026-02-07T15:00:00Z", "Fix a typo");
    let reformatted = format!("# The cookie inventory.\n\n{}", ga.replace("\n[", "\n\n["));
    w("content/cookies.toml", &reformatted);
    commit_at("2026-03-09T10:00:00Z", "Reformat the inventory");
    let reworded = reformatted.replace("en = \"To count visits\"", "en = \"To count the visits\"");
    w("content/cookies.toml", &reworded);
    commit_at(
        "2026-03-10T10:00:00Z",
        "Reword a purpose\n\nA typo, not a new purpose.\n\nConsent: unchanged",
    );
    w("content/cookies.toml", &format!("{reworded}\n[[cookies\n"));
    commit_at("2026-04-11T10:00:00Z", "Start adding _gid");
    let with_gid = format!("{reworded}{gid}");
    w("content/cookies.toml", &with_gid);
    commit_at("2026-04-12T10:00:00Z", "Add _gid");
    w(
        "content/fr/cookies.md",
        &fr("Nous utilisons des cookies, avec votre accord."),
    );
    commit_at(
        "2026-05-02T10:00:00Z",
        "Reword the French text\n\nConsent: renew",
    );
    let longer = with_gid.replace("13 months", "25 months");
    w("content/cookies.toml", &longer);
    commit_at("2026-06-01T10:00:00Z", "Keep _ga longer\n\nConsent: maybe");
    w("content/cookies.toml", &format!("{longer}{lang}"));
    commit_at("2026-07-01T10:00:00Z", "Remember the language");
    w(
        "content/en/cookies.md",
        &format!("{}\n\n\n", en("We use cookies on this site.")),
    );
    commit_at("2026-08-01T10:00:00Z", "Blank lines");
    w("content/cookies.toml", &longer);
    commit_at("2026-09-01T10:00:00Z", "Forget the language");
    (root, hashes)
}

/// The consent fixture (English and French, cookieconsent's banner) with `[history]`,
/// three documents and four commits, listed with their hashes, oldest first:
///
/// 1. 2026-01-05: `cookies` and `contact` (`sections = false`); `terms` is a draft;
/// 2. 2026-02-01: `[controller]` in site.toml (shown on `cookies`, not on `contact`);
/// 3. 2026-03-01: `terms` published;
/// 4. 2026-04-01: `contact` reworded.
///
/// The banner's files are empty stand-ins (the browser tests put the packages' own there).
pub fn archive_site(tmp: &Path) -> (PathBuf, Vec<String>) {
    let root = tmp.join("site");
    copy_dir(&fixture("consent"), &root);
    let w = |rel: &str, text: &str| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    let settings = std::fs::read_to_string(root.join("site.toml")).expect("read")
        + "\n[history]\nlimit = 20\n";
    w("site.toml", &settings);
    for (file, text) in [
        ("cookieconsent/cookieconsent.umd.js", ""),
        ("cookieconsent/cookieconsent.css", ""),
        ("cookieconsent-config.mjs", "export default {};\n"),
    ] {
        w(&format!("static/{file}"), text);
    }
    let doc = |title: &str, extra: &str, text: &str| {
        format!("+++\ntitle = \"{title}\"\n{extra}+++\n\n{text}\n")
    };
    for locale in ["en", "fr"] {
        w(
            &format!("content/{locale}/contact.md"),
            &doc("Contact", "weight = 2\nsections = false\n", "Write to us."),
        );
        w(
            &format!("content/{locale}/terms.md"),
            &doc(
                "Terms",
                "weight = 3\ndraft = true\nsections = false\n",
                "Terms to come.",
            ),
        );
    }
    let mut hashes = Vec::new();
    let mut commit_at = |date: &str, message: &str| {
        commit(&root, date, message);
        hashes.push(rev_parse(&root, "HEAD"));
    };
    git(&root, "2026-01-05T10:00:00Z", &["init", "-q", "-b", "main"]);
    commit_at("2026-01-05T10:00:00Z", "First policy");
    w(
        "site.toml",
        &format!("{settings}\n[controller]\nname = \"Fjord Books AS\"\naddress = \"Storgata 1\\n0155 Oslo\"\ncontact = \"privacy@books.example.no\"\n"),
    );
    commit_at("2026-02-01T10:00:00Z", "Name the controller");
    for locale in ["en", "fr"] {
        w(
            &format!("content/{locale}/terms.md"),
            &doc("Terms", "weight = 3\nsections = false\n", "The terms."),
        );
    }
    commit_at("2026-03-01T10:00:00Z", "Publish the terms");
    for locale in ["en", "fr"] {
        w(
            &format!("content/{locale}/contact.md"),
            &doc(
                "Contact",
                "weight = 2\nsections = false\n",
                "Write to us, or call.",
            ),
        );
    }
    commit_at("2026-04-01T10:00:00Z", "Reword the contact page");
    (root, hashes)
}
