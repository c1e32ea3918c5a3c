//! `clause scan` against a site served by the test on the loopback interface, in Debian's
//! headless Chromium. The site (inventory in tests/fixtures/scan) sets cookies by header
//! and by script, writes localStorage and sessionStorage, embeds a frame from a second
//! origin (`localhost` on another port: another site for the browser and the audit) that
//! sets its own cookie and storage key, sets an analytics cookie before consent on `/news`
//! only, and loads the cookieconsent banner that `clause export` configures. Nothing goes
//! beyond this machine.
//!
//! `CLAUSE_SKIP_BROWSER=1` skips the tests that run Chromium (never in CI: see
//! `common::skip_browser`).

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::skip_browser;

// ── The fixture site ─────────────────────────────────────────────────────────────────

/// The banner on every page: cookieconsent's own files, the configuration `clause export`
/// prints, and a script that runs only once statistics are accepted.
const BANNER: &str = r#"<link rel="stylesheet" href="/cc.css">
<script src="/cc.js"></script>
<script type="module">import config from '/cc-config.mjs'; CookieConsent.run(config);</script>
<script type="text/plain" data-category="analytics">document.cookie = '_ga=GA1.1.42; max-age=63072000; path=/';</script>"#;

const KLARO_BANNER: &str = r#"<script src="/klaro-config.js"></script>
<script defer src="/klaro.js"></script>
<script type="text/plain" data-type="text/javascript" data-name="google">document.cookie = '_ga=GA1.1.42; max-age=63072000; path=/';</script>"#;

fn page(title: &str, head: &str, body: &str, banner: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>{head}{banner}</head><body><h1>{title}</h1>{body}</body></html>"
    )
}

/// What the fixture server is asked to do differently.
#[derive(Clone, Copy, Default)]
struct Variant {
    /// `/` links to `/slow`, which never answers.
    hang: bool,
    /// The Klaro banner instead of cookieconsent's.
    klaro: bool,
    /// No banner at all.
    no_banner: bool,
    /// `/` also links to pages that send the browser to another site (a redirect, a
    /// refresh, a script), to a download, and to the third party's port on 127.0.0.1.
    offsite: bool,
}

struct Reply {
    status: &'static str,
    content_type: &'static str,
    headers: Vec<String>,
    body: Vec<u8>,
}

fn ok(content_type: &'static str, body: impl Into<Vec<u8>>) -> Reply {
    Reply {
        status: "200 OK",
        content_type,
        headers: Vec::new(),
        body: body.into(),
    }
}

/// The first-party site.
fn first_party(path: &str, f: &Fixture) -> Option<Reply> {
    let tp = format!("http://localhost:{}", f.third);
    let banner = match (f.variant.klaro, f.variant.no_banner) {
        (_, true) => "",
        (true, _) => KLARO_BANNER,
        _ => BANNER,
    };
    let html = "text/html; charset=utf-8";
    let modules = common::repo().join("tests/browser/node_modules");
    Some(match path {
        "/" => {
            let mut slow = if f.variant.hang { "<a href=\"/slow\">Slow</a>" } else { "" }.to_string();
            if f.variant.offsite {
                slow.push_str(&format!(
                    "<a href=\"/redir\">R</a><a href=\"/meta\">M</a><a href=\"/jsnav\">J</a><a href=\"/download\">D</a><a href=\"http://127.0.0.1:{}/other-port\">P</a>",
                    f.third
                ));
            }
            let mut r = ok(
                html,
                page(
                    "Home",
                    "<script>document.cookie = 'prefs=dark; max-age=2592000; path=/'; localStorage.setItem('theme', 'dark');</script>",
                    &format!(
                        "{slow}<a href=\"/about\">About</a> <a href=\"/news#latest\">News</a> <a href=\"{tp}/offsite\">Partner</a> <a href=\"mailto:dpo@example.org\">DPO</a> <a href=\"/report.pdf\">Report</a><iframe title=\"widget\" src=\"{tp}/frame\"></iframe>"
                    ),
                    banner,
                ),
            );
            r.headers
                .push("Set-Cookie: sessionid=s3cr3t; Max-Age=1209600; Path=/; HttpOnly".into());
            r
        }
        "/about" => ok(
            html,
            page(
                "About",
                "<script>sessionStorage.setItem('tab', 'about');</script>",
                "<a href=\"/\">Home</a>",
                banner,
            ),
        ),
        // The violation: statistics before anyone agreed, before the banner's files load.
        "/news" => ok(
            html,
            page(
                "News",
                "<script>document.cookie = '_gid=GA1.2.7; max-age=86400; path=/';</script>",
                "<a href=\"/\">Home</a>",
                banner,
            ),
        ),
        "/redir" if f.variant.offsite => Reply {
            status: "302 Found",
            content_type: html,
            headers: vec![format!("Location: {tp}/redirected")],
            body: Vec::new(),
        },
        "/meta" if f.variant.offsite => ok(
            html,
            format!("<!doctype html><title>M</title><meta http-equiv=\"refresh\" content=\"0;url={tp}/refreshed\">"),
        ),
        "/jsnav" if f.variant.offsite => ok(
            html,
            format!("<!doctype html><title>J</title><script>location.href = '{tp}/scripted';</script>"),
        ),
        "/download" if f.variant.offsite => {
            let mut r = ok("application/octet-stream", "MZ binary");
            r.headers
                .push("Content-Disposition: attachment; filename=tool.exe".into());
            r
        }
        // Only the sitemap leads here.
        "/legal" => ok(html, page("Legal", "", "<p>Legal notice</p>", banner)),
        "/sitemap.xml" => ok(
            "application/xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url><loc>{0}/</loc></url><url><loc>{0}/legal</loc></url><url><loc>{0}/about</loc></url></urlset>",
                f.url("")
            ),
        ),
        "/cc.js" => ok(
            "text/javascript",
            std::fs::read(modules.join("vanilla-cookieconsent/dist/cookieconsent.umd.js")).ok()?,
        ),
        "/cc.css" => ok(
            "text/css",
            std::fs::read(modules.join("vanilla-cookieconsent/dist/cookieconsent.css")).ok()?,
        ),
        "/cc-config.mjs" => ok("text/javascript", f.cc_config.clone()),
        "/klaro.js" => ok(
            "text/javascript",
            std::fs::read(modules.join("klaro/dist/klaro.js")).ok()?,
        ),
        "/klaro-config.js" => ok(
            "text/javascript",
            format!("window.klaroConfig = {};", f.klaro_config),
        ),
        _ => return None,
    })
}

/// The third party: a widget framed by every page.
fn third_party(path: &str) -> Option<Reply> {
    Some(match path {
        "/frame" => {
            let mut r = ok(
                "text/html; charset=utf-8",
                "<!DOCTYPE html><title>widget</title><script>localStorage.setItem('tp_key', '1');</script><p>Widget</p>",
            );
            r.headers.push(
                "Set-Cookie: tp_id=w1; Max-Age=7776000; Path=/; SameSite=None; Secure".into(),
            );
            r
        }
        "/offsite" => ok("text/html; charset=utf-8", page("Partner", "", "", "")),
        _ => return None,
    })
}

/// The two origins, served by threads of the test until dropped; every request is logged.
struct Fixture {
    first: u16,
    third: u16,
    variant: Variant,
    cc_config: String,
    klaro_config: String,
    log: Mutex<Vec<String>>,
    stop: AtomicBool,
}

struct Served(Arc<Fixture>);

impl Drop for Served {
    fn drop(&mut self) {
        self.0.stop.store(true, Ordering::SeqCst);
    }
}

impl std::ops::Deref for Served {
    type Target = Fixture;
    fn deref(&self) -> &Fixture {
        &self.0
    }
}

impl Fixture {
    fn start(variant: Variant) -> Served {
        let export = |format: &str| {
            let o = common::clause()
                .args(["export", "--format", format, "--root"])
                .arg(site())
                .output()
                .expect("export runs");
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            String::from_utf8(o.stdout).expect("utf-8")
        };
        let first = TcpListener::bind("127.0.0.1:0").expect("bind");
        let third = TcpListener::bind("127.0.0.1:0").expect("bind");
        let f = Arc::new(Fixture {
            first: first.local_addr().expect("addr").port(),
            third: third.local_addr().expect("addr").port(),
            variant,
            cc_config: export("cookieconsent"),
            klaro_config: export("klaro"),
            log: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        for (listener, is_first) in [(first, true), (third, false)] {
            let f = Arc::clone(&f);
            listener.set_nonblocking(true).expect("nonblocking");
            std::thread::spawn(move || {
                while !f.stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let f = Arc::clone(&f);
                            std::thread::spawn(move || answer(stream, &f, is_first));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            });
        }
        Served(f)
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.first)
    }

    /// The paths requested from one origin, in order.
    fn requests(&self, first: bool) -> Vec<String> {
        let tag = if first { "1 " } else { "3 " };
        self.log
            .lock()
            .expect("log")
            .iter()
            .filter_map(|l| l.strip_prefix(tag).map(str::to_string))
            .collect()
    }
}

fn answer(mut stream: TcpStream, f: &Fixture, is_first: bool) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head);
    let target = text.split(' ').nth(1).unwrap_or("/").to_string();
    let path = target.split('?').next().unwrap_or("/").to_string();
    f.log
        .lock()
        .expect("log")
        .push(format!("{} {path}", if is_first { 1 } else { 3 }));
    if is_first && path == "/slow" {
        // Never answers; the connection is dropped when the test ends.
        while !f.stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(20));
        }
        return;
    }
    let reply = if is_first {
        first_party(&path, f)
    } else {
        third_party(&path)
    }
    .unwrap_or(Reply {
        status: "404 Not Found",
        content_type: "text/plain",
        headers: Vec::new(),
        body: b"not found".to_vec(),
    });
    let mut out = format!(
        "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n",
        reply.status,
        reply.content_type,
        reply.body.len()
    );
    for h in &reply.headers {
        out.push_str(h);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    let _ = stream.write_all(out.as_bytes());
    let _ = stream.write_all(&reply.body);
}

fn site() -> PathBuf {
    common::fixture("scan")
}

// ── Running a scan ───────────────────────────────────────────────────────────────────

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `clause scan` with its own TMPDIR (where the profile goes), then checks that no
/// browser process is left and the profile is gone.
fn scan(tmp: &Path, args: &[&str]) -> Run {
    let tmpdir = tmp.join("tmp");
    std::fs::create_dir_all(&tmpdir).expect("mkdir");
    let o = common::clause()
        .arg("scan")
        .args(args)
        .env("TMPDIR", &tmpdir)
        .output()
        .expect("runs");
    assert_clean(&tmpdir);
    Run {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Processes whose command line names `dir` (every Chromium process carries its profile
/// folder), with their command lines.
fn processes_using(dir: &Path) -> Vec<(u32, String)> {
    let needle = dir.to_string_lossy().into_owned();
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").expect("proc").flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.contains(&needle) {
            out.push((pid, cmd));
        }
    }
    out
}

/// No browser left running and no profile left in `tmpdir`.
fn assert_clean(tmpdir: &Path) {
    let left = processes_using(tmpdir);
    assert!(left.is_empty(), "processes left running: {left:?}");
    // Nothing at all: neither a profile nor Chromium's own temporary folders.
    let profiles: Vec<String> = std::fs::read_dir(tmpdir)
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(profiles.is_empty(), "left in TMPDIR: {profiles:?}");
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// (name, domain) of every cookie in a storageState, sorted.
fn state_cookies(path: &Path) -> Vec<(String, String)> {
    let v = json(&std::fs::read_to_string(path).expect("state"));
    let mut out: Vec<(String, String)> = v["cookies"]
        .as_array()
        .expect("cookies")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or("").to_string(),
                c["domain"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// (origin host, kind, key) of every storage key in a storageState, sorted.
fn state_keys(path: &Path) -> Vec<(String, &'static str, String)> {
    let v = json(&std::fs::read_to_string(path).expect("state"));
    let mut out = Vec::new();
    for o in v["origins"].as_array().expect("origins") {
        let host = url::Url::parse(o["origin"].as_str().unwrap_or(""))
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        for (field, kind) in [("localStorage", "local"), ("sessionStorage", "session")] {
            for item in o[field].as_array().into_iter().flatten() {
                out.push((
                    host.clone(),
                    kind,
                    item["name"].as_str().unwrap_or("").to_string(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// The fields of HAR 1.2 that every entry must have.
fn assert_har(path: &Path) -> serde_json::Value {
    let v = json(&std::fs::read_to_string(path).expect("har"));
    assert_eq!(v["log"]["version"], "1.2");
    assert!(v["log"]["creator"]["name"].is_string());
    for e in v["log"]["entries"].as_array().expect("entries") {
        for key in [
            "startedDateTime",
            "time",
            "request",
            "response",
            "cache",
            "timings",
        ] {
            assert!(!e[key].is_null(), "entry without {key}: {e}");
        }
        for key in [
            "method",
            "url",
            "httpVersion",
            "cookies",
            "headers",
            "queryString",
            "headersSize",
            "bodySize",
        ] {
            assert!(!e["request"][key].is_null(), "request without {key}: {e}");
        }
        for key in [
            "status",
            "statusText",
            "httpVersion",
            "cookies",
            "headers",
            "content",
            "redirectURL",
            "headersSize",
            "bodySize",
        ] {
            assert!(!e["response"][key].is_null(), "response without {key}: {e}");
        }
        for key in ["send", "wait", "receive"] {
            assert!(e["timings"][key].as_f64().is_some_and(|t| t >= 0.0), "{e}");
        }
    }
    v
}

/// The pages a HAR shows, as paths of the first-party site.
fn har_pages(har: &serde_json::Value, f: &Fixture) -> Vec<String> {
    let base = f.url("");
    har["log"]["pages"]
        .as_array()
        .expect("pages")
        .iter()
        .filter_map(|p| p["title"].as_str())
        .map(|t| t.strip_prefix(&base).unwrap_or(t).to_string())
        .collect()
}

// ── The tests ────────────────────────────────────────────────────────────────────────

#[test]
fn a_scan_records_both_passes_and_audits_them() {
    if skip_browser("a_scan_records_both_passes_and_audits_them") {
        return;
    }
    let f = Fixture::start(Variant::default());
    let tmp = tempfile::tempdir().expect("tempdir");
    let save = tmp.path().join("evidence");
    let stubs = tmp.path().join("stubs.toml");
    let start = f.url("/");
    let root = site();
    let args = [
        start.as_str(),
        "--root",
        root.to_str().expect("utf-8"),
        "--wait",
        "300",
        "--save",
        save.to_str().expect("utf-8"),
        "--write-stubs",
        stubs.to_str().expect("utf-8"),
    ];
    let r = scan(tmp.path(), &args);
    assert_eq!(r.code, Some(1), "{}\n{}", r.stdout, r.stderr);

    // Pass 1 visited the start page, then the sitemap's pages, then the links, and
    // never the partner's page, the PDF or the mailto: link.
    let before = assert_har(&save.join("before-consent.har"));
    assert_eq!(har_pages(&before, &f), ["/", "/legal", "/about", "/news"]);
    let after = assert_har(&save.join("after-consent.har"));
    // Pass 2: the banner accepted on the first page, then the same pages.
    assert_eq!(
        har_pages(&after, &f),
        ["/", "/", "/legal", "/about", "/news"]
    );
    assert!(
        !f.requests(false).contains(&"/offsite".to_string()),
        "an off-site link was followed: {:?}",
        f.requests(false)
    );
    assert!(
        !f.requests(true).contains(&"/report.pdf".to_string()),
        "{:?}",
        f.requests(true)
    );
    // Header cookies are in the HAR, with the raw Set-Cookie lines of both origins.
    let set_cookies: Vec<String> = before["log"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .flat_map(|e| {
            e["response"]["cookies"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect();
    assert!(
        set_cookies.contains(&"sessionid".to_string()),
        "{set_cookies:?}"
    );
    assert!(
        set_cookies.contains(&"tp_id".to_string()),
        "{set_cookies:?}"
    );

    // What each pass recorded: header and script cookies, first and third party.
    let b = |n: &str, d: &str| (n.to_string(), d.to_string());
    assert_eq!(
        state_cookies(&save.join("before-consent.state.json")),
        [
            b("_gid", "127.0.0.1"),
            b("prefs", "127.0.0.1"),
            b("sessionid", "127.0.0.1"),
            b("tp_id", "localhost"),
        ]
    );
    assert_eq!(
        state_cookies(&save.join("after-consent.state.json")),
        [
            b("_ga", "127.0.0.1"),
            b("_gid", "127.0.0.1"),
            b("cc_cookie", "127.0.0.1"),
            b("prefs", "127.0.0.1"),
            b("sessionid", "127.0.0.1"),
            b("tp_id", "localhost"),
        ]
    );
    let k = |h: &str, kind: &'static str, n: &str| (h.to_string(), kind, n.to_string());
    let keys = [
        k("127.0.0.1", "local", "theme"),
        k("127.0.0.1", "session", "tab"),
        k("localhost", "local", "tp_key"),
    ];
    assert_eq!(state_keys(&save.join("before-consent.state.json")), keys);
    assert_eq!(state_keys(&save.join("after-consent.state.json")), keys);
    for png in ["before-consent.png", "after-consent.png"] {
        let bytes = std::fs::read(save.join(png)).expect("screenshot");
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{png}");
    }

    // The findings of both passes, exactly.
    let evidence = format!("{}/", save.display());
    insta::assert_snapshot!("scan_report", r.stdout.replace(&evidence, "<evidence>/"));
    assert!(
        r.stderr.contains(
            "scanned 4 pages (pass 1 before consent; pass 2 after accepting with cookieconsent)"
        ),
        "{}",
        r.stderr
    );
    // No progress bar where stderr is not a terminal.
    assert!(
        !r.stderr.contains('\r') && !r.stderr.contains('\u{1b}'),
        "{}",
        r.stderr
    );
    let stub_text = std::fs::read_to_string(&stubs).expect("stubs");
    assert!(stub_text.contains("names = [\"tp_key\"]"), "{stub_text}");

    // The saved evidence, read back by `clause audit`, gives the same report.
    let again = common::clause()
        .args(["audit", "--site", "127.0.0.1", "--root"])
        .arg(&root)
        .arg("--before-consent")
        .arg(save.join("before-consent.har"))
        .arg("--before-consent")
        .arg(save.join("before-consent.state.json"))
        .arg(save.join("after-consent.har"))
        .arg(save.join("after-consent.state.json"))
        .output()
        .expect("runs");
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&again.stdout), r.stdout);
    // The command the scan printed to do so is that one.
    assert!(
        r.stderr.contains("clause audit --site 127.0.0.1"),
        "{}",
        r.stderr
    );
}

#[test]
fn pages_limit_the_crawl_and_off_site_pages_only_when_asked() {
    if skip_browser("pages_limit_the_crawl_and_off_site_pages_only_when_asked") {
        return;
    }
    let f = Fixture::start(Variant::default());
    let tmp = tempfile::tempdir().expect("tempdir");
    let save = tmp.path().join("evidence");
    let known = tmp.path().join("known.csv");
    std::fs::write(
        &known,
        "ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match\nw-1,Widgets,Functional,tp_key,(widgets),Remembers the widget,persistent,Widgets Inc.,https://widgets.example/,0\n",
    )
    .expect("write");
    let start = f.url("/");
    let root = site();
    let r = scan(
        tmp.path(),
        &[
            &start,
            "--root",
            root.to_str().expect("utf-8"),
            "--wait",
            "100",
            "--pages",
            "2",
            "--accept",
            "none",
            "--format",
            "json",
            "--known",
            known.to_str().expect("utf-8"),
            "--save",
            save.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let report = json(&r.stdout);
    assert_eq!(
        report["files"],
        serde_json::json!([
            format!("{}", save.join("before-consent.har").display()),
            format!("{}", save.join("before-consent.state.json").display())
        ]),
        "pass 1 only: {}",
        r.stderr
    );
    // The audit's JSON, with what the --known list says of the undeclared key.
    assert_eq!(report["undeclared"][0]["name"], "tp_key");
    assert_eq!(report["undeclared"][0]["known"]["platform"], "Widgets");
    assert_eq!(report["before_consent"], serde_json::json!([]));
    let har = assert_har(&save.join("before-consent.har"));
    assert_eq!(har_pages(&har, &f), ["/", "/legal"]);
    let pages: Vec<String> = f
        .requests(true)
        .into_iter()
        .filter(|p| ["/", "/legal", "/about", "/news"].contains(&p.as_str()))
        .collect();
    assert_eq!(pages, ["/", "/legal"], "{:?}", f.requests(true));
    assert!(!save.join("after-consent.har").exists());
    assert!(
        r.stderr.contains("no pass 2 (--accept none)"),
        "{}",
        r.stderr
    );

    // Asked to, the scan follows a link to another site.
    let wide = scan(
        tmp.path(),
        &[
            &start,
            "--root",
            root.to_str().expect("utf-8"),
            "--wait",
            "0",
            "--pages",
            "6",
            "--accept",
            "none",
            "--follow-off-site",
        ],
    );
    assert!(
        f.requests(false).contains(&"/offsite".to_string()),
        "{}\n{:?}",
        wide.stderr,
        f.requests(false)
    );
}

#[test]
fn pages_that_lead_to_another_site_or_download_are_reported_not_recorded() {
    if skip_browser("pages_that_lead_to_another_site_or_download_are_reported_not_recorded") {
        return;
    }
    let f = Fixture::start(Variant {
        offsite: true,
        ..Variant::default()
    });
    let tmp = tempfile::tempdir().expect("tempdir");
    let save = tmp.path().join("evidence");
    let start = f.url("/");
    let root = site();
    let r = scan(
        tmp.path(),
        &[
            &start,
            "--root",
            root.to_str().expect("utf-8"),
            "--wait",
            "500",
            "--timeout",
            "20",
            "--pages",
            "20",
            "--accept",
            "none",
            "--save",
            save.to_str().expect("utf-8"),
        ],
    );
    let tp = format!("http://localhost:{}", f.third);
    for (page, to) in [
        ("redir", "redirected"),
        ("meta", "refreshed"),
        ("jsnav", "scripted"),
    ] {
        assert!(
            r.stderr.contains(&format!(
                "warning: skipped {}: it led to another site, {tp}/{to}\n",
                f.url(&format!("/{page}"))
            )),
            "{page}: {}",
            r.stderr
        );
    }
    assert!(
        r.stderr.contains(&format!(
            "warning: skipped {}: it is a file to download (Content-Disposition: attachment), not a page\n",
            f.url("/download")
        )),
        "{}",
        r.stderr
    );
    // Another port of the same host is another server: not visited.
    assert!(
        !f.requests(false).contains(&"/other-port".to_string()),
        "{:?}",
        f.requests(false)
    );
    // What the other site showed is recorded under its own address, not the site's.
    let har = assert_har(&save.join("before-consent.har"));
    let titles: Vec<&str> = har["log"]["pages"]
        .as_array()
        .expect("pages")
        .iter()
        .filter_map(|p| p["title"].as_str())
        .collect();
    assert!(
        titles.contains(&format!("{tp}/redirected").as_str()),
        "{titles:?}"
    );
    assert!(!titles.contains(&f.url("/redir").as_str()), "{titles:?}");
}

#[test]
fn a_page_that_hangs_is_reported_and_skipped() {
    if skip_browser("a_page_that_hangs_is_reported_and_skipped") {
        return;
    }
    let f = Fixture::start(Variant {
        hang: true,
        ..Variant::default()
    });
    let tmp = tempfile::tempdir().expect("tempdir");
    let save = tmp.path().join("evidence");
    let start = f.url("/");
    let root = site();
    let began = Instant::now();
    let r = scan(
        tmp.path(),
        &[
            &start,
            "--root",
            root.to_str().expect("utf-8"),
            "--wait",
            "100",
            "--timeout",
            "2",
            "--accept",
            "none",
            "--save",
            save.to_str().expect("utf-8"),
        ],
    );
    // A generous bound: the hanging page costs its timeout, not the server's patience.
    assert!(began.elapsed() < Duration::from_secs(90));
    let slow = f.url("/slow");
    assert!(
        r.stderr.contains(&format!(
            "warning: skipped {slow}: it did not answer within 2 s"
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("scanned 4 pages, 1 skipped"),
        "{}",
        r.stderr
    );
    let har = assert_har(&save.join("before-consent.har"));
    assert_eq!(
        har_pages(&har, &f),
        ["/", "/legal", "/about", "/slow", "/news"]
    );
    assert_eq!(
        r.code,
        Some(1),
        "the pages after it were audited: {}",
        r.stdout
    );
}

#[test]
fn klaro_a_selector_or_no_banner() {
    if skip_browser("klaro_a_selector_or_no_banner") {
        return;
    }
    let root = site();
    // One page, each scan with a TMPDIR of its own: they run side by side.
    let one_page = |f: &Fixture, accept: &str, extra: &[&str]| {
        let tmp = tempfile::tempdir().expect("tempdir");
        let save = tmp.path().join("evidence");
        let mut args = vec![
            f.url("/"),
            "--root".into(),
            root.to_string_lossy().into_owned(),
            "--pages".into(),
            "1".into(),
            "--accept".into(),
            accept.into(),
            "--save".into(),
            save.to_string_lossy().into_owned(),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = scan(tmp.path(), &args);
        let after = save.join("after-consent.state.json");
        let names: Vec<String> = if after.exists() {
            state_cookies(&after).into_iter().map(|(n, _)| n).collect()
        } else {
            Vec::new()
        };
        (r, names)
    };
    std::thread::scope(|s| {
        s.spawn(|| {
            let klaro = Fixture::start(Variant {
                klaro: true,
                ..Variant::default()
            });
            let (r, names) = one_page(&klaro, "auto", &["--wait", "200"]);
            assert!(
                r.stderr.contains("pass 2 after accepting with klaro"),
                "{}",
                r.stderr
            );
            assert!(names.contains(&"_ga".to_string()), "{names:?}");
        });
        s.spawn(|| {
            let cc = Fixture::start(Variant::default());
            let (r, names) = one_page(
                &cc,
                "selector:#cc-main button[data-role=\"all\"]",
                &["--wait", "200"],
            );
            assert!(
                r.stderr.contains("pass 2 after accepting with selector"),
                "{}",
                r.stderr
            );
            assert!(names.contains(&"_ga".to_string()), "{names:?}");
            // A selector is only ever a selector: text that would be code is refused as
            // one.
            let (r, _) = one_page(&cc, "selector:'); window.pwned = 1; ('", &["--wait", "0"]);
            assert_eq!(r.code, Some(2), "{}", r.stderr);
            assert!(
                r.stderr
                    .contains("is not a CSS selector the browser accepts"),
                "{}",
                r.stderr
            );
        });
        s.spawn(|| {
            // No banner at all: `auto` says so and audits pass 1 alone; `cookieconsent`
            // insists.
            let none = Fixture::start(Variant {
                no_banner: true,
                ..Variant::default()
            });
            let start = none.url("/");
            let (r, _) = one_page(&none, "auto", &["--wait", "0", "--timeout", "2"]);
            assert_eq!(r.code, Some(1), "{}", r.stderr);
            assert!(r.stderr.contains(&format!("note: no cookieconsent or Klaro banner found on {start}: pass 2 (after consent) skipped")), "{}", r.stderr);
            assert!(
                r.stderr.contains("no pass 2: no banner to accept"),
                "{}",
                r.stderr
            );
            assert!(r.stdout.contains("in 2 recordings"), "{}", r.stdout);
            let (r, _) = one_page(&none, "cookieconsent", &["--wait", "0", "--timeout", "2"]);
            assert_eq!(r.code, Some(2), "{}", r.stderr);
            assert!(r.stderr.contains(&format!("error: no cookieconsent banner was found on {start} within 2 s, so consent could not be given")), "{}", r.stderr);
        });
    });
}

/// Starts a scan of the hanging variant in the background and waits until its browser
/// waits for the page that never answers; returns the scan and the browser's process.
fn scan_until_it_hangs(f: &Fixture, tmpdir: &Path) -> (std::process::Child, u32) {
    std::fs::create_dir_all(tmpdir).expect("mkdir");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("clause"))
        .args([
            "scan",
            &f.url("/"),
            "--wait",
            "0",
            "--timeout",
            "60",
            "--root",
        ])
        .arg(site())
        .env("TMPDIR", tmpdir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f.requests(true).contains(&"/slow".to_string()) {
        assert!(Instant::now() < deadline, "the scan never reached /slow");
        std::thread::sleep(Duration::from_millis(50));
    }
    let main: Vec<u32> = processes_using(tmpdir)
        .into_iter()
        .filter(|(_, cmd)| cmd.contains("--user-data-dir") && !cmd.contains("--type="))
        .map(|(pid, _)| pid)
        .collect();
    assert_eq!(main.len(), 1, "{:?}", processes_using(tmpdir));
    (child, main[0])
}

fn signal(pid: u32, sig: &str) {
    let sent = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
}

#[test]
fn a_browser_that_dies_is_an_error_and_nothing_is_left() {
    if skip_browser("a_browser_that_dies_is_an_error_and_nothing_is_left") {
        return;
    }
    let f = Fixture::start(Variant {
        hang: true,
        ..Variant::default()
    });
    let tmp = tempfile::tempdir().expect("tempdir");
    let tmpdir = tmp.path().join("tmp");
    let (child, browser) = scan_until_it_hangs(&f, &tmpdir);
    signal(browser, "-KILL");
    let o = child.wait_with_output().expect("waits");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error: the browser stopped unexpectedly"),
        "{stderr}"
    );
    assert!(stderr.contains("= help: run the scan again"), "{stderr}");
    assert!(o.stdout.is_empty(), "no report without a recording");
    assert_clean(&tmpdir);
}

#[test]
fn an_interrupted_scan_stops_the_browser_and_deletes_its_profile() {
    if skip_browser("an_interrupted_scan_stops_the_browser_and_deletes_its_profile") {
        return;
    }
    let f = Fixture::start(Variant {
        hang: true,
        ..Variant::default()
    });
    let tmp = tempfile::tempdir().expect("tempdir");
    for (sig, name) in [("-INT", "int"), ("-TERM", "term")] {
        let tmpdir = tmp.path().join(name);
        f.log.lock().expect("log").clear();
        let (child, _) = scan_until_it_hangs(&f, &tmpdir);
        signal(child.id(), sig);
        let o = child.wait_with_output().expect("waits");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(130), "{sig}: {stderr}");
        assert!(
            stderr.contains("error: interrupted; the browser was stopped and its profile deleted"),
            "{stderr}"
        );
        assert_clean(&tmpdir);
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_scan_killed_outright_takes_the_browser_with_it() {
    if skip_browser("a_scan_killed_outright_takes_the_browser_with_it") {
        return;
    }
    let f = Fixture::start(Variant {
        hang: true,
        ..Variant::default()
    });
    let tmp = tempfile::tempdir().expect("tempdir");
    let tmpdir = tmp.path().join("tmp");
    let (child, _) = scan_until_it_hangs(&f, &tmpdir);
    signal(child.id(), "-KILL");
    let _ = child.wait_with_output().expect("waits");
    // SIGKILL leaves the profile (README), but no browser process.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !processes_using(&tmpdir).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the browser outlived the scan: {:?}",
            processes_using(&tmpdir)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_missing_browser_is_named_with_its_package() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = site();
    let r = scan(
        tmp.path(),
        &[
            "http://127.0.0.1:9/",
            "--root",
            root.to_str().expect("utf-8"),
            "--browser",
            "/nonexistent",
        ],
    );
    assert_eq!(r.code, Some(2));
    insta::assert_snapshot!("scan_browser_missing", r.stderr);
    // Nothing in PATH either.
    let empty = tmp.path().join("empty-path");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let o = common::clause()
        .args(["scan", "http://127.0.0.1:9/", "--root"])
        .arg(&root)
        .env("PATH", &empty)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    insta::assert_snapshot!("scan_browser_not_found", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn only_http_and_https_addresses_are_scanned() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = site();
    let mut shown = String::new();
    for url in [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "ftp://127.0.0.1/",
        "chrome://settings",
        "www.example.org",
    ] {
        let r = scan(tmp.path(), &[url, "--root", root.to_str().expect("utf-8")]);
        assert_eq!(r.code, Some(2), "{url}: {}", r.stderr);
        assert!(r.stdout.is_empty());
        shown.push_str(&r.stderr);
    }
    insta::assert_snapshot!("scan_refused_addresses", shown);
}
