//! The preview server of `clause serve`: the last good build, held in memory, served on
//! the loopback interface only, with a reload script and an error banner added to HTML
//! responses (never to `clause build` output).
//!
//! Files come from a map of the rendered output, so no request can reach a file outside
//! it: there is no file-system path to escape from.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use percent_encoding::percent_decode_str;
use tokio::sync::{Notify, Semaphore};

pub mod watch;

use crate::escape::html;
use crate::layout;

/// Where the preview's own resources (reload script, build notifications) live; these
/// are answered before the site's files, so a site cannot shadow them.
pub const PREFIX: &str = "/__clause/";

/// How long a reload request waits for a new build before answering "no change".
const WAIT: Duration = Duration::from_secs(25);

/// Connections served at once; more wait in the system's queue until one closes. A
/// browser opens at most six per host, so this is far above what previews need, and it
/// bounds the memory a flood of connections can take (each holds at most
/// `MAX_BUFFER` of unread request).
pub const MAX_CONNECTIONS: usize = 256;

/// The largest request head (request line and headers) accepted; a larger one is
/// answered `431 Request Header Fields Too Large` and the connection closed.
pub const MAX_HEAD: usize = 32 * 1024;

/// The most a connection buffers of what a client sends.
const MAX_BUFFER: usize = 64 * 1024;

/// How long a client may take to send a request's head, counted from the connection's
/// start or the end of its previous answer (so an idle keep-alive connection is closed
/// too).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// How often the accept loop, with every slot taken, closes the connection that has been
/// waiting longest for a request (idle, or sending its head), to serve a new client.
const EVICT_EVERY: Duration = Duration::from_millis(100);

/// How long a connection is kept before it is asked to close after its current answer:
/// no client can hold a connection forever by never reading an answer.
const LIFETIME: Duration = Duration::from_secs(60);

/// How long a connection asked to close may still take to finish its answer (more than
/// `WAIT`, so a reload request that has started always gets its answer).
const GRACE: Duration = Duration::from_secs(30);

/// The script added to every HTML page while serving. It waits for the next build and
/// reloads the page; if the server goes away it retries every second.
pub const LIVE_JS: &str = r#"(() => {
  const me = document.currentScript;
  const version = new URL(me.src).searchParams.get('v');
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));
  (async () => {
    for (;;) {
      try {
        const r = await fetch('/__clause/wait?v=' + version, { cache: 'no-store' });
        const j = await r.json();
        if (String(j.version) !== version) { location.reload(); return; }
      } catch (e) {
        await wait(1000);
      }
    }
  })();
})();
"#;

/// One build as served: its files, and the problems of the last attempt if it failed.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    /// Output paths (`en/cookies/index.html`) and bytes.
    pub files: HashMap<String, Vec<u8>>,
    /// Plain-text diagnostics of the last build when it failed (the files are then the
    /// last good build's).
    pub error: Option<String>,
    /// Incremented after every build attempt, good or bad.
    pub version: u64,
}

/// The state shared by the watcher (which publishes builds) and the request handlers.
#[derive(Default)]
pub struct State {
    snapshot: Mutex<Snapshot>,
    changed: Condvar,
}

impl State {
    /// Publishes a successful build: it replaces the files and clears the error.
    pub fn publish(&self, files: HashMap<String, Vec<u8>>) -> u64 {
        self.update(|s| {
            s.files = files;
            s.error = None;
        })
    }

    /// Records a failed build: the last good files stay, the error is shown on them.
    pub fn fail(&self, error: String) -> u64 {
        self.update(|s| s.error = Some(error))
    }

    fn update(&self, f: impl FnOnce(&mut Snapshot)) -> u64 {
        let mut s = self.lock();
        f(&mut s);
        s.version += 1;
        let v = s.version;
        drop(s);
        self.changed.notify_all();
        v
    }

    /// The current build's version.
    pub fn version(&self) -> u64 {
        self.lock().version
    }

    /// The snapshot; a handler that panicked while holding it leaves it usable.
    fn lock(&self) -> std::sync::MutexGuard<'_, Snapshot> {
        match self.snapshot.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Waits until the version differs from `seen`, or `WAIT` passes.
    fn wait_for_change(&self, seen: u64) -> u64 {
        let guard = self.lock();
        let result = self
            .changed
            .wait_timeout_while(guard, WAIT, |s| s.version == seen);
        match result {
            Ok((s, _)) => s.version,
            Err(poisoned) => poisoned.into_inner().0.version,
        }
    }
}

/// An answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Content type.
    pub content_type: &'static str,
    /// Body.
    pub body: Vec<u8>,
    /// `Location` of a redirect.
    pub location: Option<String>,
}

impl Reply {
    fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            content_type,
            body: body.into(),
            location: None,
        }
    }

    fn text(status: u16, body: &str) -> Reply {
        Reply::new(status, "text/plain; charset=utf-8", body)
    }
}

/// The content type of an output file, by its extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        _ => "application/octet-stream",
    }
}

/// The output path a URL path names, or `None` when it is not a clean relative path:
/// percent-decoded once, then any `..`, `.`, empty segment, backslash, NUL or
/// invalid UTF-8 is refused (so `%2e%2e/` is refused too).
pub fn output_path(url_path: &str) -> Option<String> {
    let path = url_path.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode_str(path).decode_utf8().ok()?;
    let rel = decoded.strip_prefix('/')?;
    if rel.is_empty() {
        return Some(layout::INDEX.into());
    }
    let (body, dir) = match rel.strip_suffix('/') {
        Some(b) => (b, true),
        None => (rel, false),
    };
    if body.contains(['\\', '\0'])
        || body
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..")
    {
        return None;
    }
    Some(if dir {
        layout::dir_index(body)
    } else {
        body.to_string()
    })
}

/// Adds the reload script (and the error banner, if any) to an HTML page.
pub fn inject(html: &[u8], version: u64, error: Option<&str>) -> Vec<u8> {
    let text = String::from_utf8_lossy(html);
    let script = format!("<script src=\"{PREFIX}live.js?v={version}\" defer></script>");
    let mut out = text.into_owned();
    if let Some(e) = error {
        let banner = format!(
            "<div id=\"clause-error\" role=\"alert\" style=\"position:sticky;top:0;z-index:2147483647;margin:0;padding:1rem;background:#5c0011;color:#fff;font:14px/1.4 system-ui,sans-serif;border-bottom:4px solid #ff4d4f\"><strong>The last save does not build: you are seeing the last good version.</strong> Fix the problem below and save; this page reloads by itself.<pre style=\"margin:.5rem 0 0;white-space:pre-wrap;font:13px/1.4 ui-monospace,monospace;color:#fff;background:transparent\">{}</pre></div>",
            html::text(e)
        );
        out = match find_body_open(&out) {
            Some(i) => format!("{}{banner}{}", &out[..i], &out[i..]),
            None => format!("{banner}{out}"),
        };
    }
    match out.rfind("</body>") {
        Some(i) => out.insert_str(i, &script),
        None => out.push_str(&script),
    }
    out.into_bytes()
}

/// The position just after the `<body …>` tag.
fn find_body_open(html: &str) -> Option<usize> {
    let start = html.find("<body")?;
    let end = html[start..].find('>')? + start + 1;
    Some(end)
}

/// The page shown for a missing file (with the banner if the build failed).
fn not_found(path: &str, version: u64, error: Option<&str>) -> Reply {
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title></head><body><main><h1>Not found</h1><p>The site has no <code>{}</code>.</p><p><a href=\"/\">Home</a></p></main></body></html>",
        html::text(path)
    );
    Reply::new(
        404,
        "text/html; charset=utf-8",
        inject(page.as_bytes(), version, error),
    )
}

/// Whether a `Host` header names this server on the loopback interface. Any other name
/// could be a DNS-rebinding page trying to read the preview. Host names are compared
/// without regard to case (`LOCALHOST` is `localhost`); the port must be ours (a name
/// without one means port 80, as for a browser).
pub fn host_allowed(host: &str, port: u16) -> bool {
    let host = host.to_ascii_lowercase();
    let name = match host.rsplit_once(':') {
        // `[::1]` alone has colons but no port.
        Some((name, p)) if !p.contains(']') => {
            if p != port.to_string() {
                return false;
            }
            name
        }
        // Without a port, a browser means port 80.
        _ if port == 80 => host.as_str(),
        _ => return false,
    };
    ["127.0.0.1", "localhost", "[::1]"].contains(&name)
}

/// Answers a GET or HEAD request for `url` (path and query).
pub fn answer(state: &State, url: &str) -> Reply {
    if let Some(rest) = url.strip_prefix(PREFIX) {
        let (name, query) = rest.split_once('?').unwrap_or((rest, ""));
        return match name {
            "live.js" => Reply::new(200, "text/javascript; charset=utf-8", LIVE_JS),
            "wait" => {
                let seen = query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("v="))
                    .and_then(|v| v.parse().ok());
                let version = match seen {
                    Some(v) => state.wait_for_change(v),
                    None => state.version(),
                };
                let error = state.lock().error.is_some();
                Reply::new(
                    200,
                    "application/json",
                    format!("{{\"version\":{version},\"error\":{error}}}"),
                )
            }
            _ => Reply::text(404, "not found"),
        };
    }
    let Some(path) = output_path(url) else {
        return Reply::text(400, "bad path");
    };
    let snap = state.lock();
    let error = snap.error.as_deref();
    match snap.files.get(&path) {
        Some(bytes) if path.ends_with(".html") => {
            Reply::new(200, content_type(&path), inject(bytes, snap.version, error))
        }
        Some(bytes) => Reply::new(200, content_type(&path), bytes.clone()),
        None if snap.files.contains_key(&layout::dir_index(&path)) => {
            let target = format!("{}/", url.split('?').next().unwrap_or(url));
            Reply {
                location: Some(target),
                ..Reply::text(301, "moved")
            }
        }
        // A platform has no root page: the preview lists its portals instead.
        None if path == layout::INDEX => {
            let mut portals: Vec<&str> = snap
                .files
                .keys()
                .filter_map(|k| k.strip_suffix(layout::INDEX)?.strip_suffix('/'))
                .filter(|d| !d.contains('/'))
                .collect();
            portals.sort_unstable();
            if portals.is_empty() {
                return not_found(&path, snap.version, error);
            }
            let items: String = portals
                .iter()
                .map(|p| format!("<li><a href=\"/{0}/\">{0}</a></li>", html::text(p)))
                .collect();
            let page = format!(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Portals</title></head><body><main><h1>Portals</h1><ul>{items}</ul></main></body></html>"
            );
            Reply::new(
                200,
                "text/html; charset=utf-8",
                inject(page.as_bytes(), snap.version, error),
            )
        }
        None => not_found(&path, snap.version, error),
    }
}

/// Serves `state` on `listener` until the process ends, within the bounds above.
pub fn run(listener: std::net::TcpListener, state: Arc<State>) -> io::Result<()> {
    let port = listener.local_addr()?.port();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        // Answers are built on blocking threads (a reload request waits there): at most
        // one per connection.
        .max_blocking_threads(MAX_CONNECTIONS)
        .build()?;
    runtime.block_on(async move {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let open: Registry = Arc::new(Mutex::new(Vec::new()));
        loop {
            // The slot is taken before accepting: past the limit, connections wait in
            // the system's queue and cost this process nothing. With every slot taken,
            // connections waiting for a request are closed, the longest waiting first,
            // so that clients holding keep-alive connections cannot lock others out.
            let slot = match Arc::clone(&slots).try_acquire_owned() {
                Ok(slot) => slot,
                Err(_) => loop {
                    evict_idle(&open);
                    let next = Arc::clone(&slots).acquire_owned();
                    match tokio::time::timeout(EVICT_EVERY, next).await {
                        Ok(Ok(slot)) => break slot,
                        Ok(Err(_)) => return Ok(()),
                        Err(_) => continue,
                    }
                },
            };
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                // Out of file descriptors, or a connection reset before it was accepted:
                // wait a little instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let state = Arc::clone(&state);
            let me = Arc::new(Conn::new());
            if let Ok(mut list) = open.lock() {
                list.push(Arc::clone(&me));
            }
            let open = Arc::clone(&open);
            tokio::spawn(async move {
                connection(stream, state, port, Arc::clone(&me)).await;
                if let Ok(mut list) = open.lock() {
                    list.retain(|c| !Arc::ptr_eq(c, &me));
                }
                drop(slot);
            });
        }
    })
}

/// A connection being served, as the accept loop sees it.
struct Conn {
    /// Requests being answered on it.
    busy: AtomicUsize,
    /// When it last started or finished answering a request (or was accepted).
    last: Mutex<Instant>,
    /// Asked to close (once).
    closing: AtomicBool,
    close: Notify,
}

impl Conn {
    fn new() -> Conn {
        Conn {
            busy: AtomicUsize::new(0),
            last: Mutex::new(Instant::now()),
            closing: AtomicBool::new(false),
            close: Notify::new(),
        }
    }

    fn touch(&self) {
        if let Ok(mut t) = self.last.lock() {
            *t = Instant::now();
        }
    }

    fn idle_since(&self) -> Option<Instant> {
        if self.busy.load(Ordering::SeqCst) > 0 || self.closing.load(Ordering::SeqCst) {
            return None;
        }
        self.last.lock().ok().map(|t| *t)
    }
}

/// The connections being served.
type Registry = Arc<Mutex<Vec<Arc<Conn>>>>;

/// Asks the connection that has waited longest for a request to close.
fn evict_idle(open: &Registry) {
    let Ok(list) = open.lock() else {
        return;
    };
    let oldest = list
        .iter()
        .filter_map(|c| c.idle_since().map(|t| (t, c)))
        .min_by_key(|(t, _)| *t);
    if let Some((_, c)) = oldest {
        c.closing.store(true, Ordering::SeqCst);
        c.close.notify_one();
    }
}

/// Serves one connection: its requests one after the other, until the client closes it,
/// sends an incomplete or oversized head, or outstays `LIFETIME`.
async fn connection(stream: tokio::net::TcpStream, state: Arc<State>, port: u16, me: Arc<Conn>) {
    let busy = Arc::clone(&me);
    let service = hyper::service::service_fn(move |req| {
        let state = Arc::clone(&state);
        let busy = Arc::clone(&busy);
        async move {
            busy.busy.fetch_add(1, Ordering::SeqCst);
            busy.touch();
            let response = respond(state, port, req).await;
            busy.touch();
            busy.busy.fetch_sub(1, Ordering::SeqCst);
            Ok::<_, Infallible>(response)
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(REQUEST_TIMEOUT)
        .max_header_size(MAX_HEAD)
        .max_buf_size(MAX_BUFFER)
        .serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    // A closed or broken connection is not an error of the preview.
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = tokio::time::sleep(LIFETIME) => {}
        // Waiting for a request while every slot is taken: closed now (an answer being
        // written is finished first).
        _ = me.close.notified() => {}
    }
    conn.as_mut().graceful_shutdown();
    let _ = tokio::time::timeout(GRACE, conn).await;
}

/// Answers one request: only GET and HEAD, only for a loopback host name.
async fn respond(state: Arc<State>, port: u16, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let hosts: Vec<&str> = req
        .headers()
        .get_all(header::HOST)
        .iter()
        .map(|h| h.to_str().unwrap_or(""))
        .collect();
    // A request in absolute form (`GET http://host/ HTTP/1.1`) names its host twice.
    let target_ok = req
        .uri()
        .authority()
        .is_none_or(|a| host_allowed(a.as_str(), port));
    let reply = if !matches!(*req.method(), Method::GET | Method::HEAD) {
        Reply::text(405, "only GET and HEAD")
    } else if hosts.len() != 1 || !host_allowed(hosts[0], port) || !target_ok {
        Reply::text(403, "this preview answers only to 127.0.0.1 and localhost")
    } else {
        let url = req
            .uri()
            .path_and_query()
            .map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
        // `answer` may wait for the next build: off the thread that serves connections.
        tokio::task::spawn_blocking(move || answer(&state, &url))
            .await
            .unwrap_or_else(|_| Reply::text(500, "the preview failed to answer"))
    };
    to_response(reply)
}

/// The HTTP response of a reply, with the headers every answer carries.
fn to_response(reply: Reply) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(reply.content_type),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if let Some(value) = reply
        .location
        .as_deref()
        .and_then(|l| HeaderValue::from_str(l).ok())
    {
        headers.insert(header::LOCATION, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_clean_relative_paths_name_a_file() {
        assert_eq!(output_path("/").as_deref(), Some("index.html"));
        assert_eq!(
            output_path("/en/cookies/").as_deref(),
            Some("en/cookies/index.html")
        );
        assert_eq!(output_path("/style.css?x=1").as_deref(), Some("style.css"));
        assert_eq!(
            output_path("/fr/caf%C3%A9.csv").as_deref(),
            Some("fr/café.csv")
        );
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/en/%2E%2E/%2e%2e/x",
            "/a/./b",
            "/a//b",
            "/a%5c..%5cb",
            "/a%00",
            "/%ff",
            "relative",
        ] {
            assert_eq!(output_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_script_goes_before_the_end_of_body_and_the_banner_after_its_start() {
        let page = b"<!DOCTYPE html><html><body class=\"x\"><p>Hi</p></body></html>";
        let out = String::from_utf8(inject(page, 7, Some("content/cookies.toml:3:1 <bad>")))
            .expect("UTF-8");
        let banner = out.find("id=\"clause-error\"").expect("banner");
        assert!(out.find("<body class=\"x\">").expect("body") < banner);
        assert!(banner < out.find("<p>Hi</p>").expect("content"));
        assert!(out.contains("content/cookies.toml:3:1 &lt;bad&gt;"));
        assert!(out.contains("<script src=\"/__clause/live.js?v=7\" defer></script></body>"));
        let clean = String::from_utf8(inject(page, 8, None)).expect("UTF-8");
        assert!(!clean.contains("clause-error"));
    }

    #[test]
    fn only_loopback_host_names_are_served() {
        assert!(host_allowed("127.0.0.1:1111", 1111));
        assert!(host_allowed("localhost:1111", 1111));
        assert!(host_allowed("[::1]:1111", 1111));
        assert!(!host_allowed("evil.example:1111", 1111));
        assert!(!host_allowed("127.0.0.1:2222", 1111));
        assert!(!host_allowed("localhost.evil.example:1111", 1111));
        for any_case in ["LOCALHOST:1111", "LocalHost:1111", "[::1]:1111"] {
            assert!(host_allowed(any_case, 1111), "{any_case}");
        }
        // A name without a port means port 80, as a browser sends it.
        for bare in ["localhost", "[::1]", "127.0.0.1", "LOCALHOST"] {
            assert!(!host_allowed(bare, 1111), "{bare}");
            assert!(host_allowed(bare, 80), "{bare}");
        }
        for bad in [
            "LOCALHOST:2222",
            "localhost:",
            "localhost:01111",
            "[::1]:2222",
            "::1",
            "",
            "127.0.0.2:1111",
            "localhost:1111:1111",
        ] {
            assert!(!host_allowed(bad, 1111), "{bad}");
        }
    }

    #[test]
    fn a_platform_root_lists_its_portals() {
        let state = State::default();
        let mut files = HashMap::new();
        for f in [
            "alpha/index.html",
            "beta/index.html",
            "beta/en/cookies/index.html",
        ] {
            files.insert(f.to_string(), b"<html><body></body></html>".to_vec());
        }
        state.publish(files);
        let r = answer(&state, "/");
        assert_eq!(r.status, 200);
        let body = String::from_utf8(r.body).expect("UTF-8");
        assert!(body.contains(
            "<li><a href=\"/alpha/\">alpha</a></li><li><a href=\"/beta/\">beta</a></li>"
        ));
        assert_eq!(answer(&state, "/beta/en/cookies/").status, 200);
        assert_eq!(answer(&state, "/gamma/").status, 404);
    }

    #[test]
    fn waiting_returns_as_soon_as_a_build_is_published() {
        let state = std::sync::Arc::new(State::default());
        let v = state.publish(HashMap::new());
        let s2 = std::sync::Arc::clone(&state);
        let t = std::thread::spawn(move || s2.wait_for_change(v));
        std::thread::sleep(Duration::from_millis(50));
        let v2 = state.fail("broken".into());
        assert_eq!(t.join().expect("thread"), v2);
    }
}
