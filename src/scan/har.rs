//! A pass's recording written as evidence: a HAR 1.2 file (every request and response,
//! `Set-Cookie` headers and cookie lists included) and a Playwright storageState (every
//! cookie, script-set ones too, and the storage keys per origin), both read back by
//! `clause audit` with the same result.

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::record::{Exchange, Recording};
use super::ScanError;

#[derive(Serialize)]
struct Har<'a> {
    log: Log<'a>,
}

#[derive(Serialize)]
struct Log<'a> {
    version: &'static str,
    creator: Creator,
    browser: Creator,
    pages: Vec<Page>,
    entries: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Creator {
    name: String,
    version: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    started_date_time: String,
    id: String,
    title: String,
    page_timings: PageTimings,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageTimings {
    on_content_load: f64,
    on_load: f64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a> {
    pageref: String,
    started_date_time: String,
    time: f64,
    request: Request<'a>,
    response: Response<'a>,
    cache: Empty,
    timings: Timings,
    #[serde(rename = "serverIPAddress", skip_serializing_if = "Option::is_none")]
    server_ip_address: Option<&'a str>,
    #[serde(rename = "_error", skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Request<'a> {
    method: &'a str,
    url: &'a str,
    http_version: String,
    cookies: Vec<HarCookie>,
    headers: Vec<Header<'a>>,
    query_string: Vec<Query>,
    headers_size: i64,
    body_size: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Response<'a> {
    status: i64,
    status_text: &'a str,
    http_version: String,
    cookies: Vec<HarCookie>,
    headers: Vec<Header<'a>>,
    content: Content<'a>,
    #[serde(rename = "redirectURL")]
    redirect_url: &'a str,
    headers_size: i64,
    body_size: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Content<'a> {
    size: i64,
    mime_type: &'a str,
}

#[derive(Serialize)]
struct Header<'a> {
    name: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct Query {
    name: String,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HarCookie {
    name: String,
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    domain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_only: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secure: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    same_site: Option<String>,
}

#[derive(Serialize)]
struct Timings {
    send: f64,
    wait: f64,
    receive: f64,
}

/// An instant as HAR writes it (ISO 8601, milliseconds, UTC).
pub fn iso(seconds: f64) -> String {
    let ms = (seconds * 1000.0).round() as i128;
    OffsetDateTime::from_unix_timestamp_nanos(ms * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

fn ms(seconds: f64) -> f64 {
    (seconds * 1_000_000.0).round() / 1000.0
}

/// The cookies of a `Cookie` request header.
fn request_cookies(headers: &[(String, String)]) -> Vec<HarCookie> {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
        .flat_map(|(_, v)| v.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            Some(HarCookie {
                name: name.trim().to_string(),
                value: value.trim().to_string(),
                path: None,
                domain: None,
                expires: None,
                http_only: None,
                secure: None,
                same_site: None,
            })
        })
        .collect()
}

/// The cookies of `Set-Cookie` headers, with the expiry each would get: Max-Age counted
/// from the moment the request was sent, as `clause audit` counts it from the header.
fn response_cookies(headers: &[(String, String)], started: f64) -> Vec<HarCookie> {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, v)| cookie::Cookie::parse(v.trim().to_string()).ok())
        .map(|c| {
            let expires = match (c.max_age(), c.expires_datetime()) {
                (Some(age), _) => Some(iso(started.floor() + age.whole_seconds() as f64)),
                (None, Some(t)) => t.format(&Rfc3339).ok(),
                (None, None) => None,
            };
            HarCookie {
                name: c.name().to_string(),
                value: c.value().to_string(),
                path: c.path().map(str::to_string),
                domain: c.domain().map(str::to_string),
                expires,
                http_only: c.http_only(),
                secure: c.secure(),
                same_site: c.same_site().map(|s| s.to_string()),
            }
        })
        .collect()
}

fn http_version(protocol: &str) -> String {
    match protocol {
        "h2" => "HTTP/2".into(),
        "h3" => "HTTP/3".into(),
        p => p.to_ascii_uppercase(),
    }
}

fn entry(x: &Exchange) -> Entry<'_> {
    let query_string = url::Url::parse(&x.url)
        .map(|u| {
            u.query_pairs()
                .map(|(n, v)| Query {
                    name: n.into_owned(),
                    value: v.into_owned(),
                })
                .collect()
        })
        .unwrap_or_default();
    let protocol = x.response.as_ref().map_or("http/1.1", |r| &r.protocol);
    let empty: &[(String, String)] = &[];
    let response_headers = x.response.as_ref().map_or(empty, |r| &r.headers);
    let location = response_headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("location"))
        .map_or("", |(_, v)| v.as_str());
    Entry {
        pageref: format!("page_{}", x.page + 1),
        started_date_time: iso(x.started),
        time: ms(x.wait + x.receive),
        request: Request {
            method: &x.method,
            url: &x.url,
            http_version: http_version(protocol),
            cookies: request_cookies(&x.request_headers),
            headers: x
                .request_headers
                .iter()
                .map(|(name, value)| Header { name, value })
                .collect(),
            query_string,
            headers_size: -1,
            body_size: if x.method == "GET" { 0 } else { -1 },
        },
        response: Response {
            status: x.response.as_ref().map_or(0, |r| r.status),
            status_text: x.response.as_ref().map_or("", |r| &r.status_text),
            http_version: http_version(protocol),
            cookies: response_cookies(response_headers, x.started),
            headers: response_headers
                .iter()
                .map(|(name, value)| Header { name, value })
                .collect(),
            content: Content {
                size: x.content_size,
                mime_type: x.response.as_ref().map_or("x-unknown", |r| &r.mime_type),
            },
            redirect_url: location,
            headers_size: -1,
            body_size: if x.response.is_some() {
                x.transferred
            } else {
                -1
            },
        },
        cache: Empty {},
        timings: Timings {
            send: 0.0,
            wait: ms(x.wait),
            receive: ms(x.receive),
        },
        server_ip_address: x.response.as_ref().and_then(|r| r.server_ip.as_deref()),
        error: x.error.as_deref(),
    }
}

/// The HAR 1.2 text of a recording.
pub fn har(rec: &Recording, browser_version: &str) -> String {
    let doc = Har {
        log: Log {
            version: "1.2",
            creator: Creator {
                name: "clause scan".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            browser: Creator {
                name: "Chromium".into(),
                version: browser_version.into(),
            },
            pages: rec
                .pages
                .iter()
                .enumerate()
                .map(|(i, p)| Page {
                    started_date_time: iso(p.started),
                    id: format!("page_{}", i + 1),
                    title: p.url.clone(),
                    page_timings: PageTimings {
                        on_content_load: -1.0,
                        on_load: p.on_load.map_or(-1.0, |v| (v * 1000.0).round() / 1000.0),
                    },
                })
                .collect(),
            entries: rec.exchanges.iter().map(entry).collect(),
        },
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

#[derive(Serialize)]
struct State<'a> {
    cookies: Vec<StateCookie<'a>>,
    origins: Vec<StateOrigin<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StateCookie<'a> {
    name: &'a str,
    value: &'a str,
    domain: &'a str,
    path: &'a str,
    expires: f64,
    http_only: bool,
    secure: bool,
    same_site: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StateOrigin<'a> {
    origin: &'a str,
    local_storage: Vec<Item<'a>>,
    /// Not in Playwright's format (which ignores it); `clause audit` reads it.
    session_storage: Vec<Item<'a>>,
}

#[derive(Serialize)]
struct Item<'a> {
    name: &'a str,
    value: &'a str,
}

/// The storageState text of a recording: Playwright's format, plus `sessionStorage`.
pub fn storage_state(rec: &Recording) -> String {
    let doc = State {
        cookies: rec
            .cookies
            .values()
            .map(|c| StateCookie {
                name: &c.name,
                value: &c.value,
                domain: &c.domain,
                path: &c.path,
                expires: if c.session { -1.0 } else { c.expires },
                http_only: c.http_only,
                secure: c.secure,
                // Chromium treats a cookie without SameSite as Lax.
                same_site: c.same_site.as_deref().unwrap_or("Lax"),
            })
            .collect(),
        origins: rec
            .storage
            .iter()
            .filter(|(_, s)| !s.local.is_empty() || !s.session.is_empty())
            .map(|(origin, s)| StateOrigin {
                origin,
                local_storage: s
                    .local
                    .iter()
                    .map(|(name, value)| Item { name, value })
                    .collect(),
                session_storage: s
                    .session
                    .iter()
                    .map(|(name, value)| Item { name, value })
                    .collect(),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// Writes `bytes` to `path` whole or not at all (beside it, then renamed), and gives it
/// the modification time `mtime` (seconds since 1970) when asked: a storageState's
/// lifetimes are measured from it.
pub fn write_file(path: &Path, bytes: &[u8], mtime: Option<f64>) -> Result<(), ScanError> {
    let io = |source| ScanError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".clause-scan-")
        .tempfile_in(dir)
        .map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    if let Some(t) = mtime {
        let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs_f64(t.max(0.0));
        tmp.as_file().set_modified(when).map_err(io)?;
    }
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{read::read_file, Lifetime, Observation, Storage};
    use crate::scan::cdp::Cookie;

    fn read(path: &Path) -> Vec<Observation> {
        let mut out = Vec::new();
        read_file(path, "x", false, &mut |o| out.push(o)).expect("reads");
        out.sort_by(|a, b| (&a.name, &a.domain).cmp(&(&b.name, &b.domain)));
        out
    }

    #[test]
    fn set_cookie_lifetimes_read_back_exactly() {
        // Sent a quarter of a second past a whole second: the audit counts from the whole
        // second, and so must the cookie lists.
        let started = 1_800_000_000.25;
        let headers: Vec<(String, String)> = vec![
            ("Set-Cookie".into(), "a=1; Max-Age=31536000; Path=/".into()),
            (
                "set-cookie".into(),
                "b=2; Expires=Thu, 01 Jan 2037 00:00:00 GMT; Domain=.example.org".into(),
            ),
            ("set-cookie".into(), "c=3".into()),
        ];
        let cookies = response_cookies(&headers, started);
        assert_eq!(cookies[0].expires.as_deref(), Some("2028-01-15T08:00:00Z"));
        assert_eq!(cookies[1].domain.as_deref(), Some("example.org"));
        assert_eq!(cookies[2].expires, None);
        let entry = serde_json::json!({
            "startedDateTime": iso(started),
            "request": { "url": "https://www.example.org/", "cookies": [] },
            "response": {
                "headers": headers.iter().map(|(n, v)| serde_json::json!({"name": n, "value": v})).collect::<Vec<_>>(),
                "cookies": serde_json::to_value(&cookies).expect("json"),
            },
        });
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.har");
        let text = serde_json::json!({ "log": { "entries": [entry] } }).to_string();
        write_file(&path, text.as_bytes(), None).expect("written");
        let got: Vec<(String, String, Lifetime)> = read(&path)
            .into_iter()
            .map(|o| (o.name, o.domain, o.lifetime))
            .collect();
        let b_life = Lifetime::Seconds(2_114_380_800 - 1_800_000_000);
        let a = |d: &str| {
            (
                "a".to_string(),
                d.to_string(),
                Lifetime::Seconds(31_536_000),
            )
        };
        let b = ("b".to_string(), "example.org".to_string(), b_life);
        let c = (
            "c".to_string(),
            "www.example.org".to_string(),
            Lifetime::Session,
        );
        // Each cookie twice, from its header and from the cookie list, with one lifetime.
        assert_eq!(
            got,
            [
                a("www.example.org"),
                a("www.example.org"),
                b.clone(),
                b,
                c.clone(),
                c
            ]
        );
    }

    #[test]
    fn the_audit_reads_the_storage_state_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut rec = Recording::default();
        rec.add_cookies(
            vec![
                Cookie {
                    name: "_ga".into(),
                    value: "GA1".into(),
                    domain: ".example.org".into(),
                    path: "/".into(),
                    expires: 1_000_000_000.0 + 86_400.0,
                    http_only: false,
                    secure: false,
                    session: false,
                    same_site: None,
                },
                Cookie {
                    name: "sid".into(),
                    value: "x".into(),
                    domain: "www.example.org".into(),
                    path: "/".into(),
                    expires: -1.0,
                    http_only: true,
                    secure: true,
                    session: true,
                    same_site: Some("Strict".into()),
                },
            ],
            1_000_000_000.0,
        );
        rec.add_storage(
            "http://www.example.org",
            vec![("theme".into(), "dark".into())],
            vec![("tab".into(), "2".into())],
        );
        let path = dir.path().join("state.json");
        write_file(&path, storage_state(&rec).as_bytes(), Some(rec.recorded_at)).expect("written");
        let got: Vec<(String, String, Lifetime, Storage)> = read(&path)
            .into_iter()
            .map(|o| (o.name, o.domain, o.lifetime, o.storage))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "_ga".into(),
                    "example.org".into(),
                    Lifetime::Seconds(86_400),
                    Storage::Cookie
                ),
                (
                    "sid".into(),
                    "www.example.org".into(),
                    Lifetime::Session,
                    Storage::Cookie
                ),
                (
                    "tab".into(),
                    "www.example.org".into(),
                    Lifetime::Unknown,
                    Storage::SessionStorage
                ),
                (
                    "theme".into(),
                    "www.example.org".into(),
                    Lifetime::Unknown,
                    Storage::LocalStorage
                ),
            ]
        );
    }

    #[test]
    fn an_empty_recording_is_a_valid_har() {
        let text = har(&Recording::default(), "156");
        let v: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(v["log"]["version"], "1.2");
        assert!(v["log"]["entries"].as_array().expect("entries").is_empty());
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.har");
        write_file(&path, text.as_bytes(), None).expect("written");
        assert!(read(&path).is_empty());
    }
}
