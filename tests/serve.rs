//! `clause serve` against a running server: what it serves and refuses, the reload
//! script, the watcher (one save, one rebuild), and the error banner.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::serve::start;

#[test]
fn pages_are_served_with_the_reload_script_and_safe_headers() {
    let s = start();
    let page = s.get("/en/cookies/");
    assert_eq!(page.status, 200);
    assert!(page
        .headers
        .contains("content-type: text/html; charset=utf-8"));
    assert!(page.headers.contains("x-content-type-options: nosniff"));
    assert!(page.headers.contains("cache-control: no-store"));
    assert!(page
        .body
        .contains("<script src=\"/__clause/live.js?v=1\" defer></script></body>"));
    let css = s.get("/static/style.css");
    assert_eq!(css.status, 200);
    assert!(css.headers.contains("content-type: text/css"));
    assert!(!css.body.contains("__clause"));
    assert!(s.get("/cookies.json").headers.contains("application/json"));
    let js = s.get("/__clause/live.js");
    assert!(js.body.contains("location.reload()"));
    // The folder without its slash redirects; the root page is served.
    let redirect = s.get("/en/cookies");
    assert_eq!(redirect.status, 301);
    assert!(redirect.headers.contains("location: /en/cookies/"));
    assert_eq!(s.get("/").status, 200);
    let missing = s.get("/en/nothing/");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("__clause/live.js"));
    // The build never gets the script.
    let tmp = tempfile::tempdir().expect("tempdir");
    common::build(&s.root, tmp.path());
    for (path, bytes) in common::tree(tmp.path()) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("__clause"),
            "{path}"
        );
    }
}

#[test]
fn nothing_outside_the_site_is_served() {
    let s = start();
    // A file next to the site, and one inside it but not part of the output.
    std::fs::write(s.root.join("../secret.txt"), "secret").expect("write");
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/etc/passwd",
        "/en/..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/%00",
    ] {
        let r = s.get(path);
        assert!(r.status == 400 || r.status == 404, "{path}: {}", r.status);
        assert!(!r.body.contains("secret") || r.status == 404, "{path}");
        assert!(!r.body.contains("root:"), "{path}");
    }
    assert_eq!(s.get("/site.toml").status, 404);
    assert_eq!(s.get("/content/cookies.toml").status, 404);
    // Another host name (DNS rebinding) and other methods are refused.
    assert_eq!(s.request("GET", "/", "evil.example").status, 403);
    assert_eq!(
        s.request("POST", "/", &format!("localhost:{}", s.port))
            .status,
        405
    );
    assert_eq!(
        s.request("GET", "/", &format!("localhost:{}", s.port))
            .status,
        200
    );
}

#[test]
fn a_saved_file_triggers_exactly_one_rebuild_and_the_page_changes() {
    let s = start();
    assert_eq!(s.version(), 1);
    let page = "content/en/cookies.md";
    let text = s.read(page);
    // A reload request waits for the build.
    let waiter = {
        let port = s.port;
        std::thread::spawn(move || {
            let mut st = TcpStream::connect(("127.0.0.1", port)).expect("connects");
            write!(
                st,
                "GET /__clause/wait?v=1 HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n"
            )
            .expect("sends");
            let mut out = String::new();
            st.read_to_string(&mut out).expect("reads");
            out
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    s.save(page, &text.replacen("cookie", "biscuit-word", 1));
    let answer = waiter.join().expect("thread");
    assert!(
        answer.contains("{\"version\":2,\"error\":false}"),
        "{answer}"
    );
    s.wait_line("built 2 pages");
    // Quiet for a while: no second rebuild for the same save.
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(s.version(), 2);
    assert!(s.get("/en/cookies/").body.contains("biscuit-word"));
    // A burst of saves to several files is one rebuild too.
    s.save(page, &text);
    s.save("content/fr/cookies.md", &s.read("content/fr/cookies.md"));
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(s.version(), 3);
    // Files outside the sources (here: output/) trigger nothing.
    std::fs::create_dir_all(s.root.join("output")).expect("mkdir");
    std::fs::write(s.root.join("output/x.html"), "x").expect("write");
    std::fs::write(s.root.join("notes.txt"), "x").expect("write");
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(s.version(), 3);
}

#[test]
fn a_broken_save_shows_a_banner_on_the_last_good_site_until_fixed() {
    let s = start();
    let inv = "content/cookies.toml";
    let good = s.read(inv);
    s.save(
        inv,
        &good.replace("duration = \"2 weeks\"", "duration = \"2 fortnights\""),
    );
    s.wait_line("the build failed");
    let page = s.get("/en/cookies/");
    assert_eq!(page.status, 200, "the last good version is still served");
    assert!(page.body.contains("Cookie name(s)"));
    let banner_at = page.body.find("id=\"clause-error\"").expect("a banner");
    let banner = &page.body[banner_at..];
    assert!(banner.contains("content/cookies.toml:"), "{banner}");
    assert!(banner.contains("fortnight"), "{banner}");
    assert!(s.get("/__clause/wait").body.contains("\"error\":true"));
    // The terminal shows it too, with file and line.
    s.save(inv, &good);
    s.wait_line("built 2 pages");
    let page = s.get("/en/cookies/");
    assert!(!page.body.contains("clause-error"));
    assert!(s.get("/__clause/wait").body.contains("\"error\":false"));
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let s = start();
    let o = common::clause()
        .args(["serve", "--port", &s.port.to_string(), "--root"])
        .arg(&s.root)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with(&format!("error: cannot listen on 127.0.0.1:{}:", s.port)),
        "{err}"
    );
    assert!(err.contains("choose another with --port"), "{err}");
}
