//! The site folder's boundary as an adversary tries it with what git can commit: folders and
//! links that lead out, that cannot be resolved, that multiply a folder, and files that are
//! not plain files. Each is refused with one error; nothing outside the site is read,
//! published, or walked for long.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::Duration;

use crate::common::{clause, copy_dir, fixture};

/// `clause build` of `root` into `root/output`: (status, stderr).
fn build(root: &Path) -> (Option<i32>, String) {
    let o = clause()
        .arg("build")
        .arg("--root")
        .arg(root)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Every file under `dir`, as (path, bytes).
fn files_under(dir: &Path) -> Vec<Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| fs::read(e.path()).ok())
        .collect()
}

/// Folders `base/d1` … `base/d<levels>`, each but the last holding two links (`a`, `b`) to
/// the next: walked through its links, `d1` holds its last folder 2^(levels-1) times. Gives
/// the last folder, where the caller puts the file to multiply.
fn fan_out(base: &Path, levels: usize) -> std::path::PathBuf {
    for i in 1..=levels {
        fs::create_dir_all(base.join(format!("d{i}"))).expect("mkdir");
    }
    for i in 1..levels {
        for name in ["a", "b"] {
            symlink(format!("../d{}", i + 1), base.join(format!("d{i}/{name}"))).expect("link");
        }
    }
    base.join(format!("d{levels}"))
}

/// `static/a` and `static/b`, two links to `d1` of [`fan_out`] at the site root.
fn static_links_to_d1(root: &Path) {
    fs::create_dir_all(root.join("static")).expect("mkdir");
    for name in ["a", "b"] {
        symlink("../d1", root.join("static").join(name)).expect("link");
    }
}

/// A folder deeper than the system resolves by its full path (more than 4,096 bytes), made
/// with a short relative path as git checks it out, holding a link out of the site: the
/// path-based check could not resolve it and let it through, and the build published the
/// outside file (adversary, 30 Nov).
#[test]
fn a_link_through_a_folder_too_deep_to_resolve_is_refused_and_nothing_is_published() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let outside = tmp.path().join("outside");
    fs::create_dir_all(&outside).expect("mkdir");
    fs::write(outside.join("id_rsa"), "PRIVATE KEY OF THE BUILD MACHINE").expect("write");
    let root = tmp.path().join("site");
    copy_dir(&fixture("minimal"), &root);
    let name = "n".repeat(250);
    let half = std::iter::repeat_n(name.as_str(), 9)
        .collect::<Vec<_>>()
        .join("/");
    let rest = format!(
        "{}/{}",
        std::iter::repeat_n(name.as_str(), 7)
            .collect::<Vec<_>>()
            .join("/"),
        "m".repeat(60)
    );
    let deep = format!("d/{half}/{rest}");
    let ok = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "mkdir -p \"$DEEP\" && ln -s \"$OUT\" \"$DEEP/esc\" && ln -s \"d/{half}\" h && mkdir -p static && ln -s \"../h/{rest}/esc\" static/keys"
        ))
        .env("DEEP", &deep)
        .env("OUT", &outside)
        .current_dir(&root)
        .status()
        .expect("sh");
    assert!(ok.success());
    assert!(root.to_string_lossy().len() + 1 + deep.len() > 4096);
    let (code, stderr) = build(&root);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error[C0004]: static/keys: "),
        "{stderr}"
    );
    let published = files_under(&root.join("output"));
    assert!(
        !published.iter().any(|b| b.starts_with(b"PRIVATE KEY")),
        "the outside file was published"
    );
}

/// `static` itself a link out of the site: one error at `static`; what it leads to is not
/// walked (a link to `/usr` was walked for minutes).
#[test]
fn a_source_folder_that_is_a_link_out_is_one_error_and_is_not_walked() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let outside = tmp.path().join("outside");
    fs::create_dir_all(outside.join("private/notes")).expect("mkdir");
    for i in 0..3 {
        fs::write(
            outside.join(format!("private/notes/salary-{i}.txt")),
            "secret",
        )
        .expect("write");
    }
    let root = tmp.path().join("site");
    copy_dir(&fixture("minimal"), &root);
    symlink(&outside, root.join("static")).expect("link");
    let (code, stderr) = build(&root);
    assert_eq!(code, Some(1), "{stderr}");
    let real = fs::canonicalize(&outside).expect("real");
    assert!(
        stderr.starts_with(&format!(
            "error[C0003]: static: `static` is a link to `{}`, outside the site folder\n",
            real.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("salary"), "{stderr}");
    assert!(stderr.contains("error: 1 error found"), "{stderr}");
    // The same for a portal's own static folder, and for `/` itself.
    fs::remove_file(root.join("static")).expect("rm");
    symlink("/", root.join("static")).expect("link");
    let (code, stderr) = crate::common::check_root(&root);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error[C0003]: static: `static` is a link to `/`"),
        "{stderr}"
    );
}

/// Folder links that stay inside and never loop, two to the next folder at each level,
/// multiply a folder's files (2^17 here): the walk stops at its cap with one error, and
/// nothing is read further.
#[test]
fn folder_links_that_multiply_a_folder_stop_at_the_cap_with_one_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    copy_dir(&fixture("minimal"), &root);
    let last = fan_out(&root, 17);
    fs::write(last.join("f.txt"), "x").expect("write");
    static_links_to_d1(&root);
    let (code, stderr) = build(&root);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.starts_with(
            "error[C0106]: static: `static` holds more than 100000 files, its folder links followed\n"
        ),
        "{stderr}"
    );
    assert!(!root.join("output").exists());
}

/// A FIFO (or any file that is not a plain file) in `static/` is an error; the build does
/// not wait for a writer for ever. A dangling link's error says what to do.
#[test]
fn a_fifo_and_a_dangling_link_are_errors_without_a_hang() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    copy_dir(&fixture("minimal"), &root);
    fs::create_dir_all(root.join("static")).expect("mkdir");
    let made = std::process::Command::new("mkfifo")
        .arg(root.join("static/pipe"))
        .status()
        .expect("mkfifo");
    assert!(made.success());
    symlink("nowhere.png", root.join("static/logo.png")).expect("link");
    let (code, stderr) = build(&root);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("error[C0002]: static/logo.png: `static/logo.png` does not exist\n = help: it is a link to nothing: fix the link or remove it\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error[C0004]: static/pipe: cannot read `static/pipe`: it is not a plain file (a pipe, a socket or a device)\n"),
        "{stderr}"
    );
}

/// The program's name (argv[0]) is not echoed: help and errors name `clause`.
#[test]
fn the_name_the_program_is_run_by_never_reaches_the_output() {
    use std::os::unix::process::CommandExt;
    for args in [&["--help"][..], &["build", "--bogus"], &["help", "build"]] {
        let o = std::process::Command::new(assert_cmd::cargo::cargo_bin("clause"))
            .arg0("clause\n::error::pwned \u{1b}[2J")
            .args(args)
            .output()
            .expect("runs");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            !all.contains("pwned") && !all.contains('\u{1b}'),
            "{args:?}: {all}"
        );
        assert!(all.contains("clause"), "{all}");
    }
}

/// `clause init` through a link to nothing writes nothing and says it is not a folder.
#[test]
fn init_through_a_dangling_link_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let link = tmp.path().join("policy");
    symlink(tmp.path().join("nowhere"), &link).expect("link");
    let o = clause().arg("init").arg(&link).output().expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        format!(
            "error: `{}` exists and is not a folder\n  = help: give the name of a new folder\n",
            link.display()
        )
    );
    assert!(!tmp.path().join("nowhere").exists());
}

/// `clause diff --since` reads the working tree's inventory as the loader does: a link out
/// of the site (a credentials file, /proc/self/environ) is refused, and what it leads to is
/// never read or quoted.
#[test]
fn diff_since_refuses_an_inventory_that_links_out_of_the_site() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    copy_dir(&fixture("minimal"), &root);
    crate::common::git(&root, "2026-01-05T10:00:00Z", &["init", "-q", "-b", "main"]);
    crate::common::commit(&root, "2026-01-05T10:00:00Z", "first");
    let secret = tmp.path().join("credentials");
    fs::write(&secret, "aws_secret_access_key = SECRET-OF-THE-MACHINE\n").expect("write");
    fs::remove_file(root.join("content/cookies.toml")).expect("rm");
    symlink(&secret, root.join("content/cookies.toml")).expect("link");
    let o = clause()
        .args(["diff", "--since", "HEAD", "--root"])
        .arg(&root)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("outside the site folder"), "{stderr}");
    assert!(
        stderr.contains(
            "= help: content/cookies.toml must be a readable file inside the site folder"
        ),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        !stderr.contains("SECRET") && !stdout.contains("SECRET"),
        "{stderr}{stdout}"
    );
}

/// A folder multiplied past the cap that the loader never walks (`content/junk/`) still
/// makes every build a new one: a change elsewhere is never "up to date".
#[test]
fn a_folder_past_the_cap_never_makes_a_build_look_up_to_date() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    copy_dir(&fixture("minimal"), &root);
    let last = fan_out(&root.join("content/junk"), 17);
    fs::write(last.join("f.txt"), "x").expect("write");
    let (code, stderr) = build(&root);
    assert_eq!(code, Some(0), "{stderr}");
    let (code, stderr) = build(&root);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("up to date"), "{stderr}");
}

/// A theme's part folder (`static`, `templates`) that is a link out of the site is an
/// error, as a link one level below it is; it was left out without a word.
#[test]
fn a_theme_part_folder_that_links_out_is_an_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let outside = tmp.path().join("outside");
    fs::create_dir_all(&outside).expect("mkdir");
    fs::write(outside.join("x.css"), "body{}").expect("write");
    let root = tmp.path().join("site");
    copy_dir(&fixture("minimal"), &root);
    let site = fs::read_to_string(root.join("site.toml")).expect("site.toml");
    fs::write(root.join("site.toml"), format!("theme = \"mine\"\n{site}")).expect("write");
    fs::create_dir_all(root.join("themes/mine")).expect("mkdir");
    symlink(&outside, root.join("themes/mine/static")).expect("link");
    let (code, stderr) = crate::common::check_root(&root);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error[C0003]: themes/mine/static: `themes/mine/static` is a link to"),
        "{stderr}"
    );
}

/// Folder links under the file cap can still publish one file tens of thousands of times
/// (2^11 copies of a 1 MiB file here, a sparse file on disk): `static/` stops at 1 GiB,
/// with one error and nothing published.
#[test]
fn links_that_publish_a_file_many_times_stop_at_a_gibibyte() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    copy_dir(&fixture("minimal"), &root);
    let last = fan_out(&root, 11);
    let big = fs::File::create(last.join("big.bin")).expect("create");
    big.set_len(1 << 20).expect("sparse");
    static_links_to_d1(&root);
    let (code, stderr) = build(&root);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.starts_with(
            "error[C0107]: static: `static` holds more than 1024 MiB, its folder links followed\n"
        ),
        "{stderr}"
    );
    assert!(!root.join("output").exists());
}
