//! Publishing: the output folder is never the site or inside its sources; files put there
//! by hand are kept and named; the site's `static/` folder is copied as is; a file changed
//! by hand is noticed and written again; and a kill at any phase of publishing leaves the
//! old or the new site whole (each portal whole on a platform), which the next build
//! accepts and finishes.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{build, clause, copy_dir, fixture, published, repo};

type Files = Vec<(String, Vec<u8>)>;

fn run(root: &Path, output: &Path) -> Output {
    clause()
        .arg("build")
        .arg("--root")
        .arg(root)
        .arg("--output")
        .arg(output)
        .output()
        .expect("runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn site(tmp: &Path, name: &str) -> PathBuf {
    let root = tmp.join("site");
    copy_dir(&fixture(name), &root);
    root
}

fn write(path: &Path, text: &str) {
    if let Some(p) = path.parent() {
        fs::create_dir_all(p).expect("mkdir");
    }
    fs::write(path, text).expect("write");
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Changes a text and a lifetime: every page of the minimal and the platform fixtures.
fn change_inventory(root: &Path) {
    let inv = root.join("content/cookies.toml");
    let text = read(&inv);
    let changed = text
        .replace("To keep you logged in", "To keep you signed in")
        .replace("\"2 weeks\"", "\"3 weeks\"");
    assert_ne!(changed, text, "the fixture has something to change");
    fs::write(&inv, changed).expect("write");
}

/// Names in `dir` that a build's staging left behind.
fn leftovers(dir: &Path) -> Vec<String> {
    common::staging_leftovers(dir)
}

// ── 1. Never the site, never inside its sources ──────────────────────────────────────

#[test]
fn an_output_that_holds_the_site_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    build(&fixture("minimal"), &out);
    // The site is later kept inside that earlier output.
    let root = out.join("site");
    copy_dir(&fixture("minimal"), &root);
    let before = common::tree(&root);
    let o = run(&root, &out);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("holds the site folder"), "{err}");
    assert!(err.contains("refusing to write there"), "{err}");
    assert!(
        err.contains("help: choose a folder for the built site"),
        "{err}"
    );
    assert_eq!(common::tree(&root), before, "the site is untouched");
}

#[test]
fn the_site_folder_is_refused_whatever_markers_it_holds() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = site(tmp.path(), "minimal");
    write(&root.join(".git/HEAD"), "ref: refs/heads/main\n");
    build(&root, &root.join("output"));
    // A marker copied into the site folder.
    fs::copy(
        root.join("output/.clause-output"),
        root.join(".clause-output"),
    )
    .expect("copy");
    let before = common::tree(&root);
    for given in [
        root.clone(),
        root.join("."),
        root.join("content/.."),
        root.join("output/.."),
    ] {
        let o = run(&root, &given);
        assert_eq!(o.status.code(), Some(1), "{}", given.display());
        assert!(
            stderr(&o).contains("is the site folder itself; refusing to write there"),
            "{}",
            stderr(&o)
        );
    }
    // `--output .` from inside the site.
    let o = clause()
        .current_dir(&root)
        .args(["build", "--output", "."])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        common::tree(&root),
        before,
        "site.toml, content/, .git kept"
    );
}

#[test]
fn outputs_inside_the_sources_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = site(tmp.path(), "minimal");
    let marked = tmp.path().join("marked");
    build(&fixture("minimal"), &marked);
    for dir in ["content", "themes", "sites", "static", ".git"] {
        // A folder there that even carries a marker.
        let inside = root.join(dir).join("out");
        copy_dir(&marked, &inside);
        let before = common::tree(&inside);
        let o = run(&root, &inside);
        assert_eq!(o.status.code(), Some(1), "{dir}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("is inside the site's `{dir}/` folder")),
            "{}",
            stderr(&o)
        );
        assert_eq!(common::tree(&inside), before, "{dir}");
        fs::remove_dir_all(root.join(dir)).expect("clean");
    }
}

#[cfg(unix)]
#[test]
fn an_output_inside_a_linked_source_folder_is_refused() {
    // `content -> src/content`: an output inside the real content folder is inside the
    // sources, whichever path names it.
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = site(tmp.path(), "minimal");
    fs::create_dir(root.join("src")).expect("mkdir");
    fs::rename(root.join("content"), root.join("src/content")).expect("move");
    std::os::unix::fs::symlink("src/content", root.join("content")).expect("link");
    let before = common::tree(&root.join("src"));
    let o = run(&root, &root.join("src/content/out"));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is inside the site's `content/` folder"),
        "{}",
        stderr(&o)
    );
    assert_eq!(common::tree(&root.join("src")), before);
}

// ── 3. Normalized paths, links refused always, honest I/O help ───────────────────────

#[test]
fn an_output_path_with_dots_is_normalized() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = site(tmp.path(), "minimal");
    let out = tmp.path().join("output");
    let inv = root.join("content/cookies.toml");
    let text = read(&inv);
    for (i, given) in [
        tmp.path().join("output/."),
        tmp.path().join("output/."),
        tmp.path().join("elsewhere/../output"),
    ]
    .into_iter()
    .enumerate()
    {
        // Something changed each time, so that each build swaps a new site in.
        fs::write(&inv, text.replace("logged in", &format!("logged in ({i})"))).expect("write");
        let o = run(&root, &given);
        assert!(o.status.success(), "{}: {}", given.display(), stderr(&o));
        assert!(stderr(&o).starts_with("built 1 page"), "{}", stderr(&o));
    }
    assert!(out.join("en/cookies/index.html").is_file());
    assert!(leftovers(tmp.path()).is_empty());
    assert!(leftovers(&out).is_empty());
}

#[cfg(unix)]
#[test]
fn a_linked_output_is_refused_even_when_nothing_changed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let real = tmp.path().join("real");
    build(&fixture("minimal"), &real);
    let link = tmp.path().join("output");
    std::os::unix::fs::symlink(&real, &link).expect("link");
    for given in [link.clone(), link.join(".")] {
        let o = run(&fixture("minimal"), &given);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains("is a link"), "{}", stderr(&o));
        assert!(!stderr(&o).contains("up to date"), "{}", stderr(&o));
    }
    assert!(link.is_symlink());
}

#[test]
fn an_io_error_does_not_blame_free_space() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("file");
    write(&file, "a file, not a folder");
    let o = run(&fixture("minimal"), &file.join("out"));
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("error: cannot write"), "{err}");
    assert!(!err.contains("free space"), "{err}");
    assert!(!err.contains("space"), "{err}");
    assert_eq!(read(&file), "a file, not a folder");
}

// ── 2. Files of the user's own, and the static/ folder ───────────────────────────────

#[test]
fn files_put_in_by_hand_are_kept_and_named() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = site(tmp.path(), "minimal");
    let out = root.join("output");
    build(&root, &out);
    write(&out.join("CNAME"), "policy.example.org\n");
    write(&out.join("notes/to do.txt"), "ask legal\n");
    // Nothing changed: nothing is done (a build with nothing to do looks at Clause's
    // files only).
    let o = run(&root, &out);
    assert!(stderr(&o).contains("is up to date"), "{}", stderr(&o));
    // A build that writes keeps them, and names them.
    change_inventory(&root);
    let o = run(&root, &out);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.starts_with("warning: output/ holds 2 files that Clause did not write; they are kept as they are: output/CNAME, output/notes/to do.txt\n"),
        "{err}"
    );
    assert!(
        err.contains("put them in the site's `static/` folder"),
        "{err}"
    );
    assert_eq!(read(&out.join("CNAME")), "policy.example.org\n");
    assert_eq!(read(&out.join("notes/to do.txt")), "ask legal\n");
    // As JSON, one object per line.
    fs::write(
        root.join("content/cookies.toml"),
        read(&root.join("content/cookies.toml")).replace("signed in", "logged in"),
    )
    .expect("write");
    let o = clause()
        .arg("build")
        .arg("--root")
        .arg(&root)
        .arg("--output")
        .arg(&out)
        .args(["--message-format", "json"])
        .output()
        .expect("runs");
    let line = stderr(&o);
    let v: serde_json::Value = serde_json::from_str(line.trim()).expect("one JSON object");
    assert_eq!(v["severity"], "warning");
}

#[cfg(unix)]
#[test]
fn a_folder_link_at_the_top_is_kept_as_a_link() {
    // `output/downloads -> elsewhere`: the user's link, carried as a link; what it leads
    // to is neither walked nor copied.
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = site(tmp.path(), "minimal");
    let out = root.join("output");
    build(&root, &out);
    let files = tmp.path().join("files");
    write(&files.join("report.pdf"), "data\n");
    std::os::unix::fs::symlink(&files, out.join("downloads")).expect("link");
    std::os::unix::fs::symlink("downloads/report.pdf", out.join("latest.pdf")).expect("link");
    change_inventory(&root);
    let o = run(&root, &out);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.starts_with("warning: output/ holds 2 files that Clause did not write; they are kept as they are: output/downloads, output/latest.pdf\n"),
        "{err}"
    );
    assert_eq!(fs::read_link(out.join("downloads")).expect("a link"), files);
    assert_eq!(read(&out.join("latest.pdf")), "data\n");
    assert_eq!(common::tree(&files).len(), 1);
    assert!(leftovers(&out).is_empty());
}

#[test]
fn empty_folders_and_names_like_staging_folders_are_kept() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = site(tmp.path(), "minimal");
    let out = root.join("output");
    build(&root, &out);
    fs::create_dir_all(out.join(".well-known/acme-challenge")).expect("mkdir");
    fs::create_dir_all(out.join("uploads")).expect("mkdir");
    fs::create_dir_all(out.join("en/empty")).expect("mkdir");
    write(&out.join("..clause-staging-notes.txt"), "notes\n");
    write(&out.join("..clause-staging-12x/keep.txt"), "keep\n");
    // Shaped like the staging folder of an older Clause, of a build that is gone.
    write(
        &out.join("..clause-staging-999999999/index.html"),
        "stale\n",
    );
    change_inventory(&root);
    let o = run(&root, &out);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.starts_with("warning: output/ holds 2 files and 3 folders that Clause did not write; they are kept as they are: output/..clause-staging-12x/keep.txt, output/..clause-staging-notes.txt, output/.well-known/acme-challenge/, output/en/empty/, output/uploads/\n"),
        "{err}"
    );
    for dir in [".well-known/acme-challenge", "uploads", "en/empty"] {
        assert!(out.join(dir).is_dir(), "{dir}");
    }
    assert_eq!(read(&out.join("..clause-staging-notes.txt")), "notes\n");
    assert_eq!(read(&out.join("..clause-staging-12x/keep.txt")), "keep\n");
    assert!(!out.join("..clause-staging-999999999").exists());
}

#[test]
fn a_copied_marker_does_not_make_hand_made_files_clauses() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = site(tmp.path(), "minimal");
    let built = tmp.path().join("built");
    build(&root, &built);
    // A folder of the user's, with a hand-made page and a marker copied from a build.
    let mine = tmp.path().join("mine");
    write(&mine.join("en/cookies/index.html"), "<p>my own page</p>\n");
    write(&mine.join("notes.txt"), "mine\n");
    fs::copy(built.join(".clause-output"), mine.join(".clause-output")).expect("copy");
    let o = run(&root, &mine);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("`mine/en/cookies/index.html` was not written by Clause")
            || err.contains("mine/en/cookies/index.html` was not written by Clause"),
        "{err}"
    );
    assert_eq!(
        read(&mine.join("en/cookies/index.html")),
        "<p>my own page</p>\n"
    );
    assert_eq!(read(&mine.join("notes.txt")), "mine\n");
    // The folder a build wrote keeps its files as Clause's, build after build.
    change_inventory(&root);
    let (_, err) = build(&root, &built);
    assert!(!err.contains("did not write"), "{err}");
    change_inventory_back(&root);
    let (_, err) = build(&root, &built);
    assert!(!err.contains("did not write"), "{err}");
}

/// Undoes [`change_inventory`].
fn change_inventory_back(root: &Path) {
    let inv = root.join("content/cookies.toml");
    let text = read(&inv)
        .replace("To keep you signed in", "To keep you logged in")
        .replace("\"3 weeks\"", "\"2 weeks\"");
    fs::write(&inv, text).expect("write");
}

#[test]
fn the_static_folder_is_copied_as_is() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = site(tmp.path(), "minimal");
    let out = root.join("output");
    let statics = [
        ("CNAME", "policy.example.org\n"),
        ("robots.txt", "User-agent: *\nAllow: /\n"),
        (
            ".well-known/security.txt",
            "Contact: mailto:security@example.org\n",
        ),
        (".hidden/deep/file.bin", "\u{0}\u{1}binary"),
    ];
    for (p, text) in statics {
        write(&root.join("static").join(p), text);
    }
    let (_, err) = build(&root, &out);
    assert!(!err.contains("warning"), "{err}");
    for (p, text) in statics {
        assert_eq!(read(&out.join(p)), text, "{p}");
    }
    // Part of the fingerprint: a change is built, and a removed file goes.
    write(&root.join("static/CNAME"), "other.example.org\n");
    fs::remove_file(root.join("static/robots.txt")).expect("rm");
    let (_, err) = build(&root, &out);
    assert!(!err.contains("up to date"), "{err}");
    assert_eq!(read(&out.join("CNAME")), "other.example.org\n");
    assert!(
        !out.join("robots.txt").exists(),
        "Clause wrote it, Clause removes it"
    );
    // Clause's own files are untouched by it.
    assert!(out.join("static/style.css").is_file());
}

#[test]
fn static_files_may_not_take_a_generated_files_place() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = site(tmp.path(), "minimal");
    for p in [
        "sitemap.xml",
        "en/cookies/index.html",
        ".clause-output",
        "static/style.css",
        "index.html/inside",
        "fine.txt",
    ] {
        write(&root.join("static").join(p), "mine");
    }
    let out = tmp.path().join("out");
    let o = run(&root, &out);
    assert_eq!(o.status.code(), Some(1));
    assert!(!out.exists(), "nothing written");
    let (code, check) = common::check_root(&root);
    assert_eq!(code, Some(1));
    assert_eq!(check, stderr(&o), "clause check reports the same");
    insta::assert_snapshot!("static_collisions", check);
}

#[cfg(unix)]
#[test]
fn static_links_out_of_the_site_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = site(tmp.path(), "minimal");
    write(&tmp.path().join("secret.txt"), "secret");
    fs::create_dir_all(root.join("static")).expect("mkdir");
    std::os::unix::fs::symlink(tmp.path().join("secret.txt"), root.join("static/leak.txt"))
        .expect("link");
    let out = tmp.path().join("out");
    let o = run(&root, &out);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("static/leak.txt: `static/leak.txt` is a link to"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

#[test]
fn a_platform_copies_shared_and_portal_static_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = site(tmp.path(), "platform");
    write(&root.join("static/robots.txt"), "shared\n");
    write(
        &root.join("static/.well-known/security.txt"),
        "shared security\n",
    );
    write(&root.join("sites/beta/static/robots.txt"), "beta's own\n");
    write(
        &root.join("sites/alpha/static/CNAME"),
        "alpha.example.org\n",
    );
    let out = tmp.path().join("out");
    build(&root, &out);
    assert_eq!(read(&out.join("alpha/robots.txt")), "shared\n");
    assert_eq!(read(&out.join("gamma/robots.txt")), "shared\n");
    assert_eq!(read(&out.join("beta/robots.txt")), "beta's own\n");
    assert_eq!(read(&out.join("alpha/CNAME")), "alpha.example.org\n");
    assert!(!out.join("beta/CNAME").exists());
    assert_eq!(
        read(&out.join("beta/.well-known/security.txt")),
        "shared security\n"
    );
    assert!(
        !out.join("robots.txt").exists(),
        "the platform's root holds portals only"
    );
    // A portal's own file is part of its fingerprint only.
    write(&root.join("sites/alpha/static/CNAME"), "new.example.org\n");
    let (_, err) = build(&root, &out);
    assert!(err.contains(": 1 portal rebuilt"), "{err}");
    assert_eq!(read(&out.join("alpha/CNAME")), "new.example.org\n");
    // A collision in the shared folder is reported once, naming the portals.
    write(&root.join("static/cookies.json"), "{}");
    let (code, check) = common::check_root(&root);
    assert_eq!(code, Some(1));
    assert_eq!(
        check
            .matches("collides with the generated `cookies.json`")
            .count(),
        1,
        "{check}"
    );
    assert!(
        check.contains("alpha, beta and gamma") || check.contains("alpha, beta, gamma"),
        "{check}"
    );
}

#[test]
fn a_platform_keeps_hand_made_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = site(tmp.path(), "platform");
    let out = root.join("output");
    build(&root, &out);
    write(&out.join("alpha/CNAME"), "alpha.example.org\n");
    write(&out.join("gamma/notes.txt"), "gamma notes\n");
    write(&out.join("README.txt"), "the platform\n");
    change_inventory(&root);
    let (_, err) = build(&root, &out);
    assert!(err.contains(": 3 portals rebuilt"), "{err}");
    assert!(
        err.contains("output/ holds 3 files that Clause did not write; they are kept as they are: output/README.txt, output/alpha/CNAME, output/gamma/notes.txt"),
        "{err}"
    );
    assert!(err.contains("`sites/<id>/static/`"), "{err}");
    assert_eq!(read(&out.join("alpha/CNAME")), "alpha.example.org\n");
    assert_eq!(read(&out.join("README.txt")), "the platform\n");
    // A removed portal goes, but not the file put into it by hand.
    let sites = read(&root.join("sites.toml"));
    let cut = sites.find("[[sites]]\nid = \"gamma\"").expect("gamma");
    fs::write(root.join("sites.toml"), &sites[..cut]).expect("write");
    let (_, err) = build(&root, &out);
    assert!(err.contains("8 files removed"), "{err}");
    let gamma: Vec<String> = common::tree(&out.join("gamma"))
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(gamma, ["notes.txt"]);
    assert!(leftovers(&root).is_empty());
    assert!(leftovers(&out).is_empty());
}

// ── 4. A file changed by hand is noticed and written again ───────────────────────────

#[test]
fn a_file_changed_by_hand_is_written_again() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = site(tmp.path(), "minimal");
    let out = root.join("output");
    build(&root, &out);
    let good = published(&out);
    let json = out.join("cookies.json");
    fs::write(&json, "{}\n").expect("edit");
    let o = run(&root, &out);
    let err = stderr(&o);
    assert!(o.status.success());
    assert!(!err.contains("up to date"), "{err}");
    assert!(
        err.contains("warning: 1 file that Clause wrote was changed or deleted since the last build, and is written again: output/cookies.json"),
        "{err}"
    );
    assert!(published(&out) == good, "restored");
    // One file deleted and another added: the count is the same, the record is not.
    fs::remove_file(out.join("en/cookies.csv")).expect("delete");
    write(&out.join("en/other.csv"), "mine");
    let (_, err) = build(&root, &out);
    assert!(!err.contains("up to date"), "{err}");
    assert_eq!(read(&out.join("en/other.csv")), "mine");
    let mut expected = good.clone();
    expected.push(("en/other.csv".into(), b"mine".to_vec()));
    expected.sort();
    assert!(published(&out) == expected, "restored, the other kept");
    // Then it is up to date again.
    let (_, err) = build(&root, &out);
    assert!(err.contains("is up to date"), "{err}");
}

#[test]
fn a_portal_file_changed_by_hand_rebuilds_that_portal_only() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = site(tmp.path(), "platform");
    let out = root.join("output");
    build(&root, &out);
    let good = published(&out);
    // Same size, other bytes: the modification time tells.
    let json = out.join("alpha/cookies.json");
    let text = read(&json);
    std::thread::sleep(std::time::Duration::from_millis(20));
    fs::write(&json, text.replacen('e', "E", 1)).expect("edit");
    let (_, err) = build(&root, &out);
    assert!(err.contains(": 1 portal rebuilt"), "{err}");
    assert!(err.contains("output/alpha/cookies.json"), "{err}");
    assert!(published(&out) == good, "restored");
}

// ── `clause serve` serves and watches static/ ────────────────────────────────────────

#[test]
fn serve_serves_and_watches_the_static_folder() {
    let s = common::serve::start();
    let prepared = s.root.parent().expect("parent").join("prepared");
    write(&prepared.join("robots.txt"), "User-agent: *\n");
    write(&prepared.join(".well-known/security.txt"), "Contact: x\n");
    // One rename: the folder appears whole.
    fs::rename(&prepared, s.root.join("static")).expect("rename");
    s.wait_line("static changed: built");
    let robots = s.get("/robots.txt");
    assert_eq!(robots.status, 200);
    assert_eq!(robots.body, "User-agent: *\n");
    assert_eq!(s.get("/.well-known/security.txt").body, "Contact: x\n");
    write(&s.root.join("static/robots.txt"), "User-agent: none\n");
    s.wait_line("static/robots.txt changed: built");
    assert_eq!(s.get("/robots.txt").body, "User-agent: none\n");
}

// ── 5, 6. Kills at every phase ───────────────────────────────────────────────────────

/// Runs a build of `root` into `out` that kills itself the n-th time it reaches `phase`.
/// Returns whether it was killed (false: it finished, the phase was reached fewer times).
fn killed_build(root: &Path, out: &Path, phase: &str, n: usize) -> bool {
    let o = clause()
        .arg("build")
        .arg("--root")
        .arg(root)
        .arg("--output")
        .arg(out)
        .env("CLAUSE_TEST_KILL_AT", format!("{phase}:{n}"))
        .output()
        .expect("runs");
    if o.status.success() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            o.status.signal(),
            Some(9),
            "{phase}:{n}: killed, not failed: {}",
            stderr(&o)
        );
    }
    true
}

/// Runs `f(phase, n)` for every kill point of each phase, n = 1, 2, … until a build
/// finishes without reaching the phase n times; asserts each phase was hit at least once.
/// Returns the kill points per phase, e.g. "write 13, marker 4".
fn every_kill_point(phases: &[&str], mut f: impl FnMut(&str, usize) -> bool) -> String {
    let mut hit = Vec::new();
    for phase in phases {
        let mut n = 1;
        while f(phase, n) {
            n += 1;
            assert!(n < 200, "{phase}: too many kill points");
        }
        assert!(n > 1, "no build was killed at phase `{phase}`");
        hit.push(format!("{phase} {}", n - 1));
    }
    hit.join(", ")
}

fn no_staging_anywhere(dirs: &[&Path]) {
    for d in dirs {
        let l = leftovers(d);
        assert!(l.is_empty(), "{}: {l:?}", d.display());
    }
}

#[test]
fn a_kill_at_any_phase_leaves_the_old_or_the_new_site_whole() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    copy_dir(&repo().join("content"), &root.join("content"));
    fs::copy(repo().join("site.toml"), root.join("site.toml")).expect("copy");
    let inventory = root.join("content/cookies.toml");
    let original = read(&inventory);
    // Two versions: other texts, one static file more, one less.
    let versions = [
        (original.clone(), "old.txt", "removed by the new build\n"),
        (
            original.replace(
                "To remember the visitor's language",
                "To remember your language",
            ),
            "robots.txt",
            "User-agent: *\n",
        ),
    ];
    let set = |v: usize| {
        fs::write(&inventory, &versions[v].0).expect("write");
        let _ = fs::remove_dir_all(root.join("static"));
        write(&root.join("static").join(versions[v].1), versions[v].2);
    };
    let hand = ("CNAME".to_string(), b"policy.example.org\n".to_vec());
    let mut whole: Vec<Files> = Vec::new();
    for v in 0..2 {
        set(v);
        let out = tmp.path().join(format!("whole-{v}"));
        build(&root, &out);
        let mut files = published(&out);
        files.push(hand.clone());
        files.sort();
        whole.push(files);
    }
    assert_ne!(whole[0], whole[1]);
    let out = root.join("output");
    set(0);
    build(&root, &out);
    write(&out.join(&hand.0), "policy.example.org\n");
    let kills = every_kill_point(
        &["write", "carry", "marker", "swap", "remove"],
        |phase, n| {
            // From the old site, whole, to the new one.
            set(0);
            build(&root, &out);
            assert!(
                published(&out) == whole[0],
                "{phase}:{n}: back to the old site"
            );
            set(1);
            if !killed_build(&root, &out, phase, n) {
                assert!(
                    published(&out) == whole[1],
                    "{phase}:{n}: not killed, built"
                );
                return false;
            }
            let now = published(&out);
            assert!(
                now == whole[0] || now == whole[1],
                "{phase}:{n}: output/ is neither the old nor the new site"
            );
            assert!(out.join(".clause-output").is_file(), "{phase}:{n}: marker");
            // The next build accepts the folder, finishes, and cleans up.
            let (_, err) = build(&root, &out);
            assert!(!err.contains("changed or deleted"), "{phase}:{n}: {err}");
            assert!(
                published(&out) == whole[1],
                "{phase}:{n}: the next build finishes"
            );
            no_staging_anywhere(&[&root, &out]);
            true
        },
    );
    eprintln!("kill points, each leaving a whole site: {kills}");
}

#[test]
fn a_kill_at_any_phase_leaves_each_portal_whole() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = site(tmp.path(), "platform");
    let inventory = root.join("content/cookies.toml");
    let sites_toml = root.join("sites.toml");
    let old_inventory = read(&inventory);
    let old_sites = read(&sites_toml);
    // The new build changes every portal, drops gamma and adds delta.
    let cut = old_sites.find("[[sites]]\nid = \"gamma\"").expect("gamma");
    let new_sites = format!(
        "{}[[sites]]\nid = \"delta\"\nbase_url = \"https://delta.example.org/\"\n",
        &old_sites[..cut]
    );
    let new_inventory = {
        fs::write(&inventory, &old_inventory).expect("write");
        change_inventory(&root);
        read(&inventory)
    };
    let set = |v: usize| {
        let (inv, sites) = if v == 0 {
            (&old_inventory, &old_sites)
        } else {
            (&new_inventory, &new_sites)
        };
        fs::write(&inventory, inv).expect("write");
        fs::write(&sites_toml, sites).expect("write");
    };
    let ids = ["alpha", "beta", "gamma", "delta"];
    let hand = ("CNAME".to_string(), b"alpha.example.org\n".to_vec());
    let portals = |out: &Path| -> Vec<Option<Files>> {
        ids.iter()
            .map(|id| {
                let dir = out.join(id);
                dir.is_dir().then(|| common::tree(&dir))
            })
            .collect()
    };
    // Each portal's two whole versions (`None`: not in that build), with the file put in
    // by hand, and the new version as a first build writes it.
    let mut whole: Vec<Vec<Option<Files>>> = Vec::new();
    let mut first_build = Vec::new();
    for v in 0..2 {
        set(v);
        let out = tmp.path().join(format!("whole-{v}"));
        build(&root, &out);
        first_build = portals(&out);
        whole.push(
            ids.iter()
                .map(|id| {
                    let dir = out.join(id);
                    dir.is_dir().then(|| {
                        let mut files = common::tree(&dir);
                        if *id == "alpha" {
                            files.push(hand.clone());
                            files.sort();
                        }
                        files
                    })
                })
                .collect(),
        );
    }
    let out = root.join("output");
    let note = ("NOTE.txt", "the platform's own\n");
    let check = |out: &Path, label: &str| {
        let now = portals(out);
        for (i, id) in ids.iter().enumerate() {
            assert!(
                now[i] == whole[0][i] || now[i] == whole[1][i],
                "{label}: portal {id} is neither its old nor its new version, whole"
            );
        }
        assert!(out.join(".clause-output").is_file(), "{label}: marker");
        assert_eq!(read(&out.join(note.0)), note.1, "{label}");
        // Nothing but portals, the marker and the note.
        for e in fs::read_dir(out).expect("list").flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            assert!(
                ids.contains(&name.as_str()) || name == ".clause-output" || name == note.0,
                "{label}: `{name}` in the output"
            );
        }
    };
    // Kills while portals are swapped into an existing output.
    let kills = every_kill_point(
        &["write", "carry", "marker", "rename", "remove"],
        |phase, n| {
            let label = format!("{phase}:{n}");
            set(0);
            build(&root, &out);
            write(&out.join("alpha").join(&hand.0), "alpha.example.org\n");
            write(&out.join(note.0), note.1);
            assert!(
                portals(&out) == whole[0],
                "{label}: back to the old platform"
            );
            set(1);
            if !killed_build(&root, &out, phase, n) {
                assert!(portals(&out) == whole[1], "{label}: not killed, built");
                return false;
            }
            check(&out, &label);
            let (_, err) = build(&root, &out);
            assert!(!err.contains("changed or deleted"), "{label}: {err}");
            assert!(
                portals(&out) == whole[1],
                "{label}: the next build finishes"
            );
            no_staging_anywhere(&[&root, &out]);
            true
        },
    );
    // Kills during a first build, which is staged whole and renamed into place once.
    let fresh = tmp.path().join("fresh");
    let first = every_kill_point(&["write", "marker", "swap"], |phase, n| {
        let _ = fs::remove_dir_all(&fresh);
        set(1);
        if !killed_build(&root, &fresh, phase, n) {
            assert!(
                portals(&fresh) == first_build,
                "{phase}:{n}: not killed, built"
            );
            return false;
        }
        assert!(!fresh.exists(), "{phase}:{n}: no half-built output");
        build(&root, &fresh);
        assert!(
            portals(&fresh) == first_build,
            "{phase}:{n}: the next build"
        );
        no_staging_anywhere(&[tmp.path(), &fresh]);
        true
    });
    eprintln!("kill points, each leaving every portal whole: {kills}; in a first build: {first}");
}
