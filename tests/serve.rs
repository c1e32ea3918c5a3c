//! `clause serve` against a running server: what it serves and refuses, the reload
//! script, the watcher (one save, one rebuild), and the error banner.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

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
    const SECRET: &str = "the-secret-text-7f3a";
    std::fs::write(s.root.join("../secret.txt"), SECRET).expect("write");
    std::fs::write(s.root.join("content/secret.txt"), SECRET).expect("write");
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/etc/passwd",
        "/en/..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/%00",
        "/secret.txt",
        "/content/secret.txt",
        "/en/../../secret.txt",
        "//secret.txt",
        "/.%2e/secret.txt",
    ] {
        let r = s.get(path);
        assert!(r.status == 400 || r.status == 404, "{path}: {}", r.status);
        // A 404 page may name the path asked for, never what a file outside holds.
        assert!(!r.body.contains(SECRET), "{path}: {}", r.body);
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
    let summary = s.wait_line("error: 1 error found");
    assert_eq!(
        summary,
        "error: 1 error found; the preview shows the last version that built"
    );
    s.wait_line("the build failed");
    let page = s.get("/en/cookies/");
    assert_eq!(page.status, 200, "the last good version is still served");
    assert!(page.body.contains("Cookie name(s)"));
    let banner_at = page.body.find("id=\"clause-error\"").expect("a banner");
    let banner = &page.body[banner_at..];
    assert!(banner.contains("content/cookies.toml:"), "{banner}");
    assert!(banner.contains("fortnight"), "{banner}");
    // A preview writes nothing in any case: the banner does not say so as build does.
    assert!(!banner.contains("nothing was written"), "{banner}");
    assert!(
        banner.contains("error: 1 error found; the preview shows the last version that built"),
        "{banner}"
    );
    assert!(s.get("/__clause/wait").body.contains("\"error\":true"));
    // The terminal shows it too, with file and line.
    s.save(inv, &good);
    s.wait_line("built 2 pages");
    let page = s.get("/en/cookies/");
    assert!(!page.body.contains("clause-error"));
    assert!(s.get("/__clause/wait").body.contains("\"error\":false"));
}

#[test]
fn the_preview_names_the_site_folder() {
    let s = start();
    let root = s.root.display().to_string();
    assert!(
        s.serving
            .starts_with(&format!("serving {root} at http://127.0.0.1:{}/", s.port)),
        "{}",
        s.serving
    );
    // Started in the site's folder, it names the folder rather than `.`.
    let s = common::serve::start_in_site_folder();
    assert!(
        s.serving
            .starts_with(&format!("serving site at http://127.0.0.1:{}/", s.port)),
        "{}",
        s.serving
    );
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

#[test]
fn any_case_of_a_loopback_host_name_is_accepted_with_the_right_port() {
    let s = start();
    let port = s.port;
    for host in [
        format!("LOCALHOST:{port}"),
        format!("LocalHost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ] {
        assert_eq!(s.request("GET", "/", &host).status, 200, "{host}");
    }
    for host in [
        // Without its port a name means port 80 (README, "Security").
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        format!("LOCALHOST:{}", port.wrapping_add(1)),
        format!("LOCALHOST.evil.example:{port}"),
        format!("evil.example:{port}"),
    ] {
        assert_eq!(s.request("GET", "/", &host).status, 403, "{host}");
    }
}

/// The connections (sockets) the server process holds open, its listener included.
#[cfg(target_os = "linux")]
fn sockets(pid: u32) -> usize {
    // TCP ones only (its listener and its connections): the runtime keeps Unix sockets of
    // its own (tokio's signal driver, built in with `clause scan`'s process support).
    let mut tcp = std::collections::HashSet::new();
    for table in ["tcp", "tcp6"] {
        if let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")) {
            tcp.extend(
                text.lines()
                    .skip(1)
                    .filter_map(|l| l.split_whitespace().nth(9))
                    .map(|inode| format!("socket:[{inode}]")),
            );
        }
    }
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("the server's file descriptors")
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .filter(|l| tcp.contains(l.to_string_lossy().as_ref()))
        .count()
}

/// The server's resident memory, in KiB.
#[cfg(target_os = "linux")]
fn resident_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("the server's status")
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// Reads until the server closes the connection; panics if it is still open at `deadline`.
fn wait_closed(c: &mut TcpStream, deadline: Instant, what: &str) {
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "{what}: still open");
        c.set_read_timeout(Some(left)).expect("timeout");
        match c.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                panic!("{what}: still open")
            }
            // Reset by the server: closed too.
            Err(_) => return,
        }
    }
}

/// The server's limit on connections served at once (README, "Preview").
const MAX_CONNECTIONS: usize = 256;

#[test]
fn half_sent_requests_are_bounded_then_closed_and_others_still_answered() {
    let s = start();
    // More half-sent requests than the server serves at once.
    let count = MAX_CONNECTIONS + 44;
    let mut half = Vec::new();
    for _ in 0..count {
        let mut c = TcpStream::connect(("127.0.0.1", s.port)).expect("connects");
        c.write_all(b"GET /en/cookies/ HTTP/1.1\r\nHost: 127.0")
            .expect("sends");
        half.push(c);
    }
    #[cfg(target_os = "linux")]
    {
        // The server takes connections up to its limit, and no more.
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut most = 0;
        while Instant::now() < deadline && most <= MAX_CONNECTIONS {
            most = most.max(sockets(s.pid()));
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            most <= MAX_CONNECTIONS + 1,
            "{most} sockets open for {count} half-sent requests"
        );
    }
    // A request made now is answered (once the first half-sent ones time out).
    let page = s.get("/en/cookies/");
    assert_eq!(page.status, 200);
    // Every half-sent request is closed, those that waited for their turn too.
    let deadline = Instant::now() + Duration::from_secs(120);
    for (i, c) in half.iter_mut().enumerate() {
        wait_closed(c, deadline, &format!("half-sent request {i}"));
    }
    assert_eq!(s.get("/").status, 200);
}

#[test]
fn clients_holding_keep_alive_connections_cannot_lock_a_new_one_out() {
    let s = start();
    // More clients than the server serves at once, each keeping its connection busy
    // enough never to reach the idle limit: a complete request every second.
    let request = format!(
        "GET /sitemap.xml HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
        s.port
    );
    let held: Vec<TcpStream> = (0..MAX_CONNECTIONS + 4)
        .map(|_| TcpStream::connect(("127.0.0.1", s.port)).expect("connects"))
        .collect();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let pump = {
        let stop = std::sync::Arc::clone(&stop);
        let request = request.clone();
        std::thread::spawn(move || {
            let mut held = held;
            let mut buf = [0u8; 65536];
            let mut closed = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                held.retain_mut(|c| {
                    let alive = c.write_all(request.as_bytes()).is_ok()
                        && c.set_read_timeout(Some(Duration::from_millis(20))).is_ok()
                        && match c.read(&mut buf) {
                            Ok(n) => n > 0,
                            Err(e) => {
                                matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
                            }
                        };
                    closed += usize::from(!alive);
                    alive
                });
                std::thread::sleep(Duration::from_secs(1));
            }
            closed
        })
    };
    std::thread::sleep(Duration::from_secs(3));
    // A new client is answered well before the held connections' lifetime (60 s) ends.
    let mut c = TcpStream::connect(("127.0.0.1", s.port)).expect("connects");
    c.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    c.write_all(
        format!(
            "GET / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            s.port
        )
        .as_bytes(),
    )
    .expect("sends");
    let mut answer = Vec::new();
    let _ = c.read_to_end(&mut answer);
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "no answer within 30 s: {:?}",
        String::from_utf8_lossy(&answer)
    );
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let closed = pump.join().expect("pump");
    // Room was made by closing held connections that were waiting for a request.
    assert!(closed >= 1, "no held connection was closed");
}

#[test]
fn an_oversized_request_head_is_refused_without_being_buffered() {
    let s = start();
    #[cfg(target_os = "linux")]
    let before = resident_kib(s.pid());
    let mut c = TcpStream::connect(("127.0.0.1", s.port)).expect("connects");
    c.set_write_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    write!(
        c,
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nX-Long: ",
        s.port
    )
    .expect("sends");
    // Up to 200 MB of one header line, never ended.
    let chunk = vec![b'a'; 1 << 20];
    let mut sent = 0;
    while sent < 200 && c.write_all(&chunk).is_ok() {
        sent += 1;
    }
    assert!(sent < 200, "the server read a 200 MB header line");
    #[cfg(target_os = "linux")]
    {
        let grown = resident_kib(s.pid()).saturating_sub(before);
        assert!(grown < 32 * 1024, "the server grew by {grown} KiB");
    }
    let mut answer = Vec::new();
    c.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let _ = c.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 431 "),
        "{sent} MB sent; answer: {answer}"
    );
    // A head just under the limit is still served.
    let r = s.request(
        "GET",
        &format!("/?{}", "a".repeat(20_000)),
        &format!("127.0.0.1:{}", s.port),
    );
    assert_eq!(r.status, 200);
}
