//! Platforms: one build for many portals, with overrides and removals, per-portal
//! diagnostics, incremental writes and parallel builds equal to single-threaded ones.

use crate::common;

use std::fs;
use std::path::Path;

use common::{build, clause, copy_dir, fixture, tree};

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn cookie_names(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).expect("json");
    v["cookies"]
        .as_array()
        .expect("cookies")
        .iter()
        .flat_map(|c| {
            let mut n: Vec<String> = c["names"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|x| x.as_str().map(String::from))
                .collect();
            n.extend(
                c["patterns"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|x| x.as_str().map(String::from)),
            );
            n
        })
        .collect()
}

#[test]
fn every_portal_is_built_with_its_overrides() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let (_, stderr) = build(&fixture("platform"), &out);
    assert!(
        stderr.starts_with("built 6 pages of 3 portals into "),
        "{stderr}"
    );
    assert!(
        !stderr.contains("warning"),
        "subsets of locales raise no warning: {stderr}"
    );
    let files: Vec<String> = tree(&out).into_iter().map(|(p, _)| p).collect();
    assert!(files.contains(&"alpha/de/cookies/index.html".to_string()));
    assert!(files.contains(&"beta/fr/cookies/index.html".to_string()));
    assert!(
        !files.iter().any(|f| f.starts_with("beta/en/")),
        "beta is French only"
    );
    assert!(
        !files.iter().any(|f| f.starts_with("gamma/fr/")),
        "gamma has de and en"
    );
    // Params: the portal's own, else site.toml's.
    assert!(read(&out.join("alpha/en/cookies/index.html"))
        .contains("Cookies of https://alpha.example.org."));
    assert!(read(&out.join("gamma/de/cookies/index.html"))
        .contains("Cookies of https://platform.example.org."));
    // Canonical URLs use the portal's address.
    assert!(read(&out.join("beta/fr/cookies/index.html"))
        .contains("<link rel=\"canonical\" href=\"https://beta.example.fr/cookies/fr/cookies/\">"));
    // Inventories: beta removes _ga and adds Matomo; gamma replaces csrftoken.
    assert_eq!(
        cookie_names(&read(&out.join("alpha/cookies.json"))),
        ["sessionid", "csrftoken", "_ga"]
    );
    assert_eq!(
        cookie_names(&read(&out.join("beta/cookies.json"))),
        ["sessionid", "csrftoken", "_pk_id.*"]
    );
    let gamma: serde_json::Value =
        serde_json::from_str(&read(&out.join("gamma/cookies.json"))).expect("json");
    assert_eq!(gamma["cookies"][2]["names"][0], "csrftoken");
    assert_eq!(gamma["cookies"][2]["duration"]["text"]["de"], "6 Monate");
    assert_eq!(gamma["site"]["locales"], serde_json::json!(["de", "en"]));
    // Documents: gamma's own English page replaces the shared one.
    assert!(read(&out.join("gamma/en/cookies/index.html"))
        .contains("Gamma writes its own English policy"));
    assert!(read(&out.join("alpha/en/cookies/index.html")).contains("Cookies (en)"));
}

#[test]
fn each_problem_names_its_portal() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("platform");
    copy_dir(&fixture("platform"), &root);
    let sites = read(&root.join("sites.toml"))
        .replace("locales = [\"fr\"]", "locales = [\"fr\", \"it\"]")
        .replace(
            "[sites.params]\nplatform_url = \"https://alpha.example.org\"\n",
            "",
        )
        + "\n[[sites]]\nid = \"alpha\"\nbase_url = \"https://again.example.org/\"\n";
    fs::write(root.join("sites.toml"), sites).expect("write");
    fs::write(
        root.join("content/cookies.toml"),
        read(&root.join("content/cookies.toml")),
    )
    .expect("write");
    fs::write(
        root.join("sites/gamma/cookies.toml"),
        "remove = [\"_gaa\"]\n",
    )
    .expect("write");
    for l in ["en", "fr", "de"] {
        let p = root.join(format!("content/{l}/cookies.md"));
        fs::write(
            &p,
            read(&p).replace("{{ platform_url }}", "{{ portal_name }}"),
        )
        .expect("write");
    }
    let (code, stderr) = common::check_root(&root);
    assert_eq!(code, Some(1));
    let stderr = stderr.replace(&root.display().to_string(), "<root>");
    insta::assert_snapshot!("platform_diagnostics", stderr);
}

#[test]
fn rebuilds_rewrite_only_what_changed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("platform");
    copy_dir(&fixture("platform"), &root);
    let out = root.join("output");
    let (_, first) = build(&root, &out);
    assert!(
        first.contains(": 3 portals rebuilt (24 files written, 0 unchanged), 0 portals untouched, 0 files removed"),
        "{first}"
    );
    let mtime = |rel: &str| {
        fs::metadata(out.join(rel))
            .and_then(|m| m.modified())
            .expect("mtime")
    };
    let alpha_before = mtime("alpha/en/cookies/index.html");
    let beta_before = mtime("beta/fr/cookies/index.html");
    // Nothing changed: nothing is done.
    let (_, again) = build(&root, &out);
    assert!(
        again.contains("is up to date: nothing changed since the last build"),
        "{again}"
    );
    // A file deleted by hand is noticed, and the portal that lost it is rebuilt.
    fs::remove_file(out.join("alpha/fr/cookies.csv")).expect("delete");
    let (_, repaired) = build(&root, &out);
    assert!(!repaired.contains("up to date"), "{repaired}");
    assert!(out.join("alpha/fr/cookies.csv").is_file());
    std::thread::sleep(std::time::Duration::from_millis(30));
    // Change only beta's inventory.
    let overlay = root.join("sites/beta/cookies.toml");
    fs::write(&overlay, read(&overlay).replace("13 months", "6 months")).expect("write");
    let (_, second) = build(&root, &out);
    assert!(
        second.contains(": 1 portal rebuilt (2 files written, 4 unchanged), 2 portals untouched, 0 files removed"),
        "{second}"
    );
    assert_eq!(
        mtime("alpha/en/cookies/index.html"),
        alpha_before,
        "untouched portal keeps its files"
    );
    assert_eq!(
        mtime("beta/fr/cookies/index.html"),
        beta_before,
        "a page with the same bytes keeps its mtime"
    );
    assert!(read(&out.join("beta/fr/cookies.csv")).contains("6 mois"));
    // Remove a portal: its files go.
    let sites = read(&root.join("sites.toml"));
    let cut = sites.find("[[sites]]\nid = \"gamma\"").expect("gamma");
    fs::write(root.join("sites.toml"), &sites[..cut]).expect("write");
    let (_, third) = build(&root, &out);
    assert!(
        third.contains(": 0 portals rebuilt (0 files written, 0 unchanged), 2 portals untouched, 8 files removed"),
        "{third}"
    );
    assert!(!out.join("gamma").exists());
}

#[test]
fn parallel_and_single_threaded_builds_are_identical() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut trees = Vec::new();
    for jobs in ["1", "4"] {
        let out = tmp.path().join(format!("out-{jobs}"));
        let o = clause()
            .arg("build")
            .arg("--root")
            .arg(fixture("platform"))
            .arg("--output")
            .arg(&out)
            .arg("--jobs")
            .arg(jobs)
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        trees.push(common::published(&out));
    }
    assert_eq!(trees[0], trees[1]);
}

/// A portal's own inventory or document is read once, like every file: one that is a link
/// leading outside the site is an error, never silently replaced by the shared one.
#[test]
fn a_portal_file_linked_from_outside_the_site_is_an_error() {
    let outside = tempfile::tempdir().expect("tempdir");
    fs::write(outside.path().join("cookies.toml"), "remove = []\n").expect("write");
    fs::write(
        outside.path().join("cookies.md"),
        "+++\ntitle = \"Outside\"\n+++\n\n{{ cookies }}\n",
    )
    .expect("write");
    for (own, target) in [
        ("sites/beta/cookies.toml", "cookies.toml"),
        ("sites/gamma/content/en/cookies.md", "cookies.md"),
    ] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("site");
        copy_dir(&fixture("platform"), &root);
        let link = root.join(own);
        fs::create_dir_all(link.parent().expect("parent")).expect("mkdir");
        let _ = fs::remove_file(&link);
        std::os::unix::fs::symlink(outside.path().join(target), &link).expect("link");
        let o = clause()
            .args(["check", "--root"])
            .arg(&root)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{own}: {stderr}");
        assert!(
            stderr.contains(&format!("{own}: `{own}` is a link to `")),
            "{own}: {stderr}"
        );
        assert!(
            stderr.contains("outside the site folder"),
            "{own}: {stderr}"
        );
    }
}
