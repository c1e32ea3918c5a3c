//! `clause audit` on hand-written recordings of every format, against the example site.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use common::{clause, repo};

/// 2026-11-29T10:00:00Z: the time the recordings were made.
const RECORDED: u64 = 1_795_946_400;

fn rec(name: &str) -> PathBuf {
    repo().join("tests/fixtures/recordings").join(name)
}

/// A copy of a cookies.txt or storageState file whose modification time is the recording
/// time, since their expiry dates are measured from it.
fn dated(tmp: &Path, name: &str) -> PathBuf {
    let to = tmp.join(name);
    fs::copy(rec(name), &to).expect("copy");
    fs::File::options()
        .write(true)
        .open(&to)
        .and_then(|f| f.set_modified(UNIX_EPOCH + Duration::from_secs(RECORDED)))
        .expect("set mtime");
    to
}

/// Runs the audit on the example site; returns (exit code, stdout, stderr).
fn audit(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let o = clause().arg("audit").args(args).output().expect("runs");
    (
        o.status.code().expect("exit code"),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn json(args: &[&std::ffi::OsStr]) -> (i32, serde_json::Value) {
    let mut all: Vec<&std::ffi::OsStr> = args.to_vec();
    all.push("--format".as_ref());
    all.push("json".as_ref());
    let (code, out, err) = audit(&all);
    (
        code,
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}")),
    )
}

fn names(v: &serde_json::Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .expect("array")
        .iter()
        .map(|x| x["name"].as_str().expect("name").to_string())
        .collect()
}

#[test]
fn chrome_har_joined_set_cookie_headers_and_cookie_arrays() {
    let (code, v) = json(&[rec("chrome.har").as_os_str()]);
    assert_eq!(code, 1, "an undeclared cookie fails");
    assert_eq!(names(&v, "undeclared"), ["_ga"]);
    assert_eq!(v["undeclared"][0]["lifetime"]["seconds"], 63_072_000);
    assert_eq!(
        v["undeclared"][0]["party"], "first",
        "opendatasoft.com covers the portal's host"
    );
    // csrftoken: Max-Age two years against twelve months declared.
    assert_eq!(names(&v, "longer_than_declared"), ["csrftoken"]);
    assert_eq!(v["longer_than_declared"][0]["declared"], "12 months");
    // sessionid: Max-Age of exactly its two declared weeks is fine; _pk_id.1.abcd matches _pk_id.*
    // with 395 days against 13 months (within the tolerance).
    assert_eq!(names(&v, "party_mismatches"), ["cookies_preferences"]);
    assert_eq!(v["party_mismatches"][0]["observed"], "third");
    let unseen = names(&v, "unseen");
    assert!(
        unseen.contains(&"django_language".to_string()),
        "a Max-Age=0 deletion is not a cookie set"
    );
    assert!(!unseen.contains(&"_pk_id.*".to_string()));
}

#[test]
fn firefox_har_separate_headers_and_dashed_dates() {
    let (code, v) = json(&[rec("firefox.har").as_os_str()]);
    assert_eq!(code, 1);
    assert_eq!(names(&v, "undeclared"), ["_hjSessionUser_123"]);
    assert!(
        v["longer_than_declared"]
            .as_array()
            .expect("array")
            .is_empty(),
        "{v}"
    );
    assert!(
        v["party_mismatches"].as_array().expect("array").is_empty(),
        "YSC is declared third party: {v}"
    );
    let unseen = names(&v, "unseen");
    assert!(!unseen.contains(&"VISITOR_INFO1_LIVE".to_string()));
    assert!(!unseen.contains(&"_pk_ses.*".to_string()));
}

#[test]
fn playwright_har_and_request_cookies_pass_clean() {
    let (code, out, err) = audit(&[rec("playwright.har").as_os_str()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("warning: 6 declared names are in no recording"),
        "{out}"
    );
    assert!(out.ends_with("ok: 0 undeclared, 0 before consent, 0 longer than declared, 0 party mismatches, 6 unseen\n"), "{out}");
    // --strict turns the unseen warnings into a failure.
    let (code, _, _) = audit(&[rec("playwright.har").as_os_str(), "--strict".as_ref()]);
    assert_eq!(code, 1);
}

#[test]
fn netscape_cookies_txt_with_httponly_lines() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = dated(tmp.path(), "cookies.txt");
    let (code, v) = json(&[file.as_os_str()]);
    assert_eq!(code, 1);
    assert_eq!(names(&v, "undeclared"), ["mystery"]);
    assert_eq!(v["undeclared"][0]["lifetime"]["seconds"], 3_600);
    assert!(
        !names(&v, "unseen").contains(&"sessionid".to_string()),
        "#HttpOnly_ line read"
    );
}

#[test]
fn storage_state_cookies_and_local_storage() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = dated(tmp.path(), "state.json");
    let (code, v) = json(&[file.as_os_str()]);
    assert_eq!(code, 1);
    assert_eq!(names(&v, "undeclared"), ["ods-theme"]);
    assert_eq!(v["undeclared"][0]["storage"], "localstorage");
    assert!(
        v["longer_than_declared"]
            .as_array()
            .expect("array")
            .is_empty(),
        "{v}"
    );
}

#[test]
fn consent_required_cookies_before_consent_fail() {
    let (code, v) = json(&[
        "--before-consent".as_ref(),
        rec("before-consent.har").as_os_str(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        names(&v, "before_consent"),
        ["YSC"],
        "sessionid is exempt, YSC is not"
    );
    assert_eq!(v["before_consent"][0]["category"], "third-party");
    // The same recording, not marked as before consent, is clean.
    let (code, _) = json(&[rec("before-consent.har").as_os_str()]);
    assert_eq!(code, 0);
}

#[test]
fn every_format_together_in_text_and_markdown() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let txt = dated(tmp.path(), "cookies.txt");
    let state = dated(tmp.path(), "state.json");
    let mut args: Vec<PathBuf> = ["chrome.har", "firefox.har", "playwright.har"]
        .map(rec)
        .to_vec();
    args.push(txt);
    args.push(state);
    let rel: Vec<String> = args
        .iter()
        .map(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    let run = |format: &str| {
        let o = clause()
            .current_dir(tmp.path())
            .arg("audit")
            .arg("--root")
            .arg(repo())
            .args(&rel)
            .arg("--before-consent")
            .arg(rec("before-consent.har"))
            .arg("--known")
            .arg(rec("known.csv"))
            .arg("--format")
            .arg(format)
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(1));
        String::from_utf8_lossy(&o.stdout).replace(&repo().display().to_string(), "<repo>")
    };
    for f in ["chrome.har", "firefox.har", "playwright.har"] {
        fs::copy(rec(f), tmp.path().join(f)).expect("copy");
    }
    insta::assert_snapshot!("audit_text", run("text"));
    insta::assert_snapshot!("audit_markdown", run("markdown"));
}

#[test]
fn stubs_are_valid_toml_ready_to_paste() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let stubs = tmp.path().join("stubs.toml");
    let (code, _, err) = audit(&[
        rec("chrome.har").as_os_str(),
        rec("firefox.har").as_os_str(),
        "--known".as_ref(),
        rec("known.csv").as_os_str(),
        "--write-stubs".as_ref(),
        stubs.as_os_str(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("wrote 2 stub entries to"), "{err}");
    let text = fs::read_to_string(&stubs).expect("written");
    let doc: toml_edit::DocumentMut = text.parse().expect("valid TOML");
    let cookies = doc["cookies"].as_array_of_tables().expect("[[cookies]]");
    assert_eq!(cookies.len(), 2);
    let ga = cookies.get(0).expect("first");
    assert_eq!(
        ga["names"]
            .as_array()
            .and_then(|a| a.get(0))
            .and_then(|v| v.as_str()),
        Some("_ga")
    );
    assert_eq!(ga["duration"].as_str(), Some("2 years"));
    assert_eq!(ga["party"].as_str(), Some("first"));
    assert_eq!(
        ga["purpose"].as_str(),
        Some("TODO: ID used to identify users")
    );
    assert!(
        text.contains("# known.csv: Google Analytics / Analytics, retention 2 years"),
        "{text}"
    );
    let hj = cookies.get(1).expect("second");
    assert_eq!(hj["duration"].as_str(), Some("1 year"));
    assert_eq!(
        hj["function"].as_str(),
        Some("TODO: Hotjar"),
        "wildcard entry of the list"
    );
}

#[test]
fn bad_input_is_named_with_its_line() {
    let cases = [
        (
            "truncated.har",
            "truncated.har:49:14: the HAR file ends too early: the file is cut short",
        ),
        (
            "not-json.har",
            "not-json.har:1:1: the HAR file is not valid JSON: expected value",
        ),
        (
            "bad-fields.txt",
            "bad-fields.txt:3: expected 7 fields separated by tabs",
        ),
        ("unknown.bin", "unknown.bin: cannot tell what this file is"),
    ];
    for (file, message) in cases {
        let (code, out, err) = audit(&[rec(file).as_os_str()]);
        assert_eq!(code, 2, "{file}");
        assert!(out.is_empty(), "no report on bad input");
        assert!(err.contains(message), "{file}: {err}");
        assert!(err.contains("= help: "), "{err}");
    }
    let (code, _, err) = audit(&[]);
    assert_eq!(code, 2);
    assert!(err.contains("error: no recording to audit"), "{err}");
}

#[test]
fn a_huge_har_is_streamed_in_bounded_memory() {
    use std::io::Write;
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("huge.har");
    let mut f = std::io::BufWriter::new(fs::File::create(&path).expect("create"));
    write!(f, "{{\"log\": {{\"version\": \"1.2\", \"entries\": [").expect("write");
    let body = "x".repeat(2_000);
    let n = 150_000;
    for i in 0..n {
        write!(
            f,
            "{}{{\"startedDateTime\": \"2026-11-29T10:00:00.000Z\", \"request\": {{\"url\": \"https://saintmande.opendatasoft.com/p{i}\", \"cookies\": []}}, \"response\": {{\"headers\": [{{\"name\": \"Set-Cookie\", \"value\": \"sessionid=x; Max-Age=600\"}}], \"cookies\": [], \"content\": {{\"text\": \"{body}\"}}}}}}",
            if i == 0 { "" } else { "," }
        )
        .expect("write");
    }
    write!(f, "]}}}}").expect("write");
    f.flush().expect("flush");
    drop(f);
    let size = fs::metadata(&path).expect("meta").len();
    assert!(size > 300_000_000, "{size}");
    // The address space is capped well below the file's size: reading it whole would fail.
    let bin = assert_cmd::cargo::cargo_bin("clause");
    let o = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -v 250000; exec '{}' audit --root '{}' --format json '{}'",
            bin.display(),
            repo().display(),
            path.display()
        ))
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(v["observed"], 1);
}

#[test]
fn on_a_platform_the_portal_is_named_and_its_own_inventory_used() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let rec = tmp.path().join("cookies.txt");
    std::fs::write(
        &rec,
        "# Netscape HTTP Cookie File\n.beta.example.fr\tTRUE\t/\tFALSE\t2000000000\t_pk_id.1.abc\tx\n",
    )
    .expect("write");
    let audit = |portal: Option<&str>| {
        let mut c = clause();
        c.arg("audit")
            .arg("--root")
            .arg(common::fixture("platform"));
        if let Some(p) = portal {
            c.args(["--portal", p]);
        }
        c.args(["--site", "beta.example.fr", "--format", "json"])
            .arg(&rec);
        c.output().expect("runs")
    };
    let o = audit(None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("error: this is a platform: say which portal")
    );
    // Beta declares Matomo's cookies; alpha does not.
    let o = audit(Some("beta"));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = audit(Some("alpha"));
    assert_eq!(o.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(
        report["undeclared"][0]["name"], "_pk_id.1.abc",
        "{report:#}"
    );
}
