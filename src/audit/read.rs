//! Readers for recorded cookies: HAR 1.2 (streamed entry by entry), Netscape cookies.txt
//! (streamed line by line) and Playwright storageState JSON.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::time::UNIX_EPOCH;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{InputError, Lifetime, Observation, Storage};

/// The formats Clause reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// HAR 1.2.
    Har,
    /// Netscape cookies.txt.
    Netscape,
    /// Playwright storageState.
    StorageState,
}

/// Tells the format from the first bytes of a file (and its name, for a truncated HAR).
pub fn detect(head: &[u8], file_name: &str) -> Option<Format> {
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if let Some(rest) = text.strip_prefix('{') {
        let key = rest
            .trim_start()
            .strip_prefix('"')
            .and_then(|k| k.split('"').next());
        return match key {
            Some("log") => Some(Format::Har),
            Some("cookies" | "origins") => Some(Format::StorageState),
            _ if file_name.ends_with(".har") => Some(Format::Har),
            _ => None,
        };
    }
    if file_name.ends_with(".har") {
        return Some(Format::Har);
    }
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if first.starts_with("# Netscape HTTP Cookie File")
        || first.starts_with("# HTTP Cookie File")
        || first.starts_with("#HttpOnly_")
        || first.split('\t').count() >= 6
    {
        return Some(Format::Netscape);
    }
    None
}

/// Reads one file, calling `sink` for every observation.
pub fn read_file(
    path: &Path,
    name: &str,
    before_consent: bool,
    sink: &mut dyn FnMut(Observation),
) -> Result<(), InputError> {
    let io = |source| InputError::Io {
        file: name.to_string(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let mut head = vec![0u8; 4096];
    let n = file.read(&mut head).map_err(io)?;
    head.truncate(n);
    let format = detect(&head, name).ok_or_else(|| InputError::UnknownFormat {
        file: name.to_string(),
    })?;
    // The time the recording was saved: what cookies.txt and storageState expiry dates are
    // measured from (they carry no time of their own).
    let saved = file
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs() as i64);
    let reader = BufReader::new(head.as_slice().chain(file));
    let ctx = Ctx {
        file: name,
        before_consent,
    };
    match format {
        Format::Har => read_har(reader, &ctx, sink),
        Format::Netscape => read_netscape(reader, &ctx, saved, sink),
        Format::StorageState => read_storage_state(reader, &ctx, saved, sink),
    }
}

struct Ctx<'a> {
    file: &'a str,
    before_consent: bool,
}

impl Ctx<'_> {
    fn observation(
        &self,
        name: &str,
        domain: &str,
        lifetime: Lifetime,
        storage: Storage,
    ) -> Observation {
        Observation {
            name: name.to_string(),
            domain: domain.trim_start_matches('.').to_ascii_lowercase(),
            lifetime,
            storage,
            file: self.file.to_string(),
            before_consent: self.before_consent,
        }
    }

    fn json_error(&self, e: &serde_json::Error, what: &str, help: &'static str) -> InputError {
        let message = match e.classify() {
            serde_json::error::Category::Eof => {
                format!("the {what} ends too early: the file is cut short")
            }
            serde_json::error::Category::Syntax => format!("the {what} is not valid JSON: {e}"),
            serde_json::error::Category::Data => {
                format!("the {what} does not have the expected shape: {e}")
            }
            serde_json::error::Category::Io => format!("the {what} cannot be read: {e}"),
        };
        InputError::Malformed {
            file: self.file.to_string(),
            line: e.line().max(1),
            column: (e.column() > 0).then_some(e.column()),
            message: message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string(),
            help,
        }
    }
}

fn lifetime_until(expires: i64, from: i64) -> Lifetime {
    if expires <= 0 {
        Lifetime::Session
    } else {
        Lifetime::Seconds(u64::try_from(expires - from).unwrap_or(0))
    }
}

// ---------------------------------------------------------------- HAR

const HAR_HELP: &str = "export the HAR again (browser developer tools, Network panel: \"Save all as HAR\") or record it again with Playwright's `recordHar`; the file must be complete JSON";

#[derive(Deserialize)]
struct HarCookie {
    name: String,
    #[serde(default)]
    domain: Option<String>,
    #[serde(default)]
    expires: Option<String>,
}

#[derive(Deserialize)]
struct HarHeader {
    name: String,
    value: String,
}

#[derive(Deserialize)]
struct HarRequest {
    url: String,
    #[serde(default)]
    cookies: Vec<HarCookie>,
}

#[derive(Deserialize)]
struct HarResponse {
    #[serde(default)]
    headers: Vec<HarHeader>,
    #[serde(default)]
    cookies: Vec<HarCookie>,
}

#[derive(Deserialize)]
struct HarEntry {
    #[serde(rename = "startedDateTime", default)]
    started: Option<String>,
    request: HarRequest,
    #[serde(default)]
    response: Option<HarResponse>,
}

fn parse_time(s: &str) -> Option<i64> {
    OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

fn har_entry(e: HarEntry, ctx: &Ctx, sink: &mut dyn FnMut(Observation)) {
    let host = url::Url::parse(&e.request.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let started = e.started.as_deref().and_then(parse_time).unwrap_or(0);
    // Cookies the browser sent: their lifetime is not in the request.
    for c in &e.request.cookies {
        sink(ctx.observation(&c.name, &host, Lifetime::Unknown, Storage::Cookie));
    }
    let Some(resp) = e.response else { return };
    for h in resp
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("set-cookie"))
    {
        // Chrome joins several Set-Cookie headers into one value, one per line.
        for line in h.value.lines().filter(|l| !l.trim().is_empty()) {
            let Ok(c) = cookie::Cookie::parse(line.trim()) else {
                continue;
            };
            let lifetime = if let Some(age) = c.max_age() {
                if age.whole_seconds() <= 0 {
                    continue; // a deletion, not a cookie being set
                }
                Lifetime::Seconds(age.whole_seconds().unsigned_abs())
            } else if let Some(exp) = c.expires_datetime() {
                let exp = exp.unix_timestamp();
                if started > 0 && exp <= started {
                    continue; // expires in the past: a deletion
                }
                lifetime_until(exp, started)
            } else {
                Lifetime::Session
            };
            let domain = c.domain().map_or(host.as_str(), |d| d);
            sink(ctx.observation(c.name(), domain, lifetime, Storage::Cookie));
        }
    }
    for c in &resp.cookies {
        let lifetime = match c.expires.as_deref().and_then(parse_time) {
            Some(exp) if started > 0 && exp <= started => continue,
            Some(exp) => lifetime_until(exp, started),
            None => Lifetime::Session,
        };
        let domain = c.domain.as_deref().unwrap_or(&host);
        sink(ctx.observation(&c.name, domain, lifetime, Storage::Cookie));
    }
}

/// Visits `{ "log": { "entries": [ … ] } }` one entry at a time, so that memory does not
/// grow with the number of entries.
struct Root<'a, 'b> {
    ctx: &'a Ctx<'a>,
    sink: &'b mut dyn FnMut(Observation),
    found_log: bool,
}

impl<'de> Visitor<'de> for &mut Root<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a HAR object with a `log`")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "log" {
                self.found_log = true;
                map.next_value_seed(Log {
                    ctx: self.ctx,
                    sink: &mut *self.sink,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct Log<'a, 'b> {
    ctx: &'a Ctx<'a>,
    sink: &'b mut dyn FnMut(Observation),
}

impl<'de> DeserializeSeed<'de> for Log<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Log<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a HAR `log` object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "entries" {
                map.next_value_seed(Entries {
                    ctx: self.ctx,
                    sink: &mut *self.sink,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct Entries<'a, 'b> {
    ctx: &'a Ctx<'a>,
    sink: &'b mut dyn FnMut(Observation),
}

impl<'de> DeserializeSeed<'de> for Entries<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of HAR entries")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(entry) = seq.next_element::<HarEntry>()? {
            har_entry(entry, self.ctx, &mut *self.sink);
        }
        Ok(())
    }
}

fn read_har(
    reader: impl Read,
    ctx: &Ctx,
    sink: &mut dyn FnMut(Observation),
) -> Result<(), InputError> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut root = Root {
        ctx,
        sink,
        found_log: false,
    };
    de.deserialize_map(&mut root)
        .and_then(|()| de.end())
        .map_err(|e| ctx.json_error(&e, "HAR file", HAR_HELP))?;
    if !root.found_log {
        return Err(InputError::Malformed {
            file: ctx.file.to_string(),
            line: 1,
            column: None,
            message: "the HAR file has no `log`".into(),
            help: HAR_HELP,
        });
    }
    Ok(())
}

// ---------------------------------------------------------------- cookies.txt

fn read_netscape(
    reader: impl BufRead,
    ctx: &Ctx,
    saved: i64,
    sink: &mut dyn FnMut(Observation),
) -> Result<(), InputError> {
    let malformed = |line: usize, message: String| {
        InputError::Malformed {
        file: ctx.file.to_string(),
        line,
        column: None,
        message,
        help: "each line of a cookies.txt has 7 fields separated by tabs: domain, include subdomains (TRUE/FALSE), path, secure (TRUE/FALSE), expiry (seconds since 1970, 0 for a session cookie), name, value",
    }
    };
    for (i, line) in reader.split(b'\n').enumerate() {
        let n = i + 1;
        let line = line.map_err(|e| InputError::Io {
            file: ctx.file.to_string(),
            source: e,
        })?;
        let line = String::from_utf8(line)
            .map_err(|_| malformed(n, "this line is not UTF-8 text".into()))?;
        let line = line
            .trim_end_matches(['\r', '\n'])
            .trim_start_matches('\u{feff}');
        let (line, _http_only) = match line.strip_prefix("#HttpOnly_") {
            Some(rest) => (rest, true),
            None => (line, false),
        };
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        // The value may be empty, and some tools then drop the last tab.
        if fields.len() != 7 && fields.len() != 6 {
            return Err(malformed(
                n,
                format!(
                    "expected 7 fields separated by tabs (domain, subdomains, path, secure, expiry, name, value), found {}",
                    fields.len()
                ),
            ));
        }
        let expires: i64 = fields[4]
            .trim()
            .parse::<f64>()
            .map(|f| f as i64)
            .map_err(|_| {
                malformed(
                    n,
                    format!("the expiry `{}` is not a number of seconds", fields[4]),
                )
            })?;
        sink(ctx.observation(
            fields[5],
            fields[0],
            lifetime_until(expires, saved),
            Storage::Cookie,
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------- storageState

#[derive(Deserialize)]
struct StateCookie {
    name: String,
    domain: String,
    #[serde(default = "minus_one")]
    expires: f64,
}

fn minus_one() -> f64 {
    -1.0
}

#[derive(Deserialize)]
struct StateItem {
    name: String,
}

#[derive(Deserialize)]
struct StateOrigin {
    origin: String,
    #[serde(rename = "localStorage", default)]
    local_storage: Vec<StateItem>,
    /// Not in Playwright's format: `clause scan` adds it.
    #[serde(rename = "sessionStorage", default)]
    session_storage: Vec<StateItem>,
}

#[derive(Deserialize)]
struct State {
    #[serde(default)]
    cookies: Vec<StateCookie>,
    #[serde(default)]
    origins: Vec<StateOrigin>,
}

fn read_storage_state(
    reader: impl Read,
    ctx: &Ctx,
    saved: i64,
    sink: &mut dyn FnMut(Observation),
) -> Result<(), InputError> {
    let state: State = serde_json::from_reader(reader).map_err(|e| {
        ctx.json_error(
            &e,
            "storageState file",
            "save it again with Playwright: `await context.storageState({ path: 'state.json' })`",
        )
    })?;
    for c in state.cookies {
        let lifetime = if c.expires < 0.0 {
            Lifetime::Session
        } else {
            lifetime_until(c.expires as i64, saved)
        };
        sink(ctx.observation(&c.name, &c.domain, lifetime, Storage::Cookie));
    }
    for o in state.origins {
        let host = url::Url::parse(&o.origin)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or(o.origin);
        for item in o.local_storage {
            sink(ctx.observation(&item.name, &host, Lifetime::Unknown, Storage::LocalStorage));
        }
        for item in o.session_storage {
            sink(ctx.observation(
                &item.name,
                &host,
                Lifetime::Unknown,
                Storage::SessionStorage,
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_storage_keys_are_read_from_a_storage_state() {
        let text = br#"{"cookies": [], "origins": [{"origin": "https://www.example.org", "localStorage": [{"name": "theme", "value": "dark"}], "sessionStorage": [{"name": "tab", "value": "2"}]}]}"#;
        let ctx = Ctx {
            file: "state.json",
            before_consent: false,
        };
        let mut got = Vec::new();
        read_storage_state(&text[..], &ctx, 0, &mut |o| {
            got.push((o.name, o.domain, o.storage))
        })
        .expect("reads");
        assert_eq!(
            got,
            [
                (
                    "theme".into(),
                    "www.example.org".into(),
                    Storage::LocalStorage
                ),
                (
                    "tab".into(),
                    "www.example.org".into(),
                    Storage::SessionStorage
                ),
            ]
        );
    }

    #[test]
    fn formats_are_recognised() {
        assert_eq!(detect(b"{\n  \"log\": {", "x.json"), Some(Format::Har));
        assert_eq!(
            detect(b"{\"cookies\":[]", "state.json"),
            Some(Format::StorageState)
        );
        assert_eq!(
            detect(b"# Netscape HTTP Cookie File\n", "c.txt"),
            Some(Format::Netscape)
        );
        assert_eq!(
            detect(b"#HttpOnly_.a.org\tTRUE\t/\tFALSE\t0\tx\ty\n", "c"),
            Some(Format::Netscape)
        );
        assert_eq!(detect(b"{\"lo", "cut.har"), Some(Format::Har));
        assert_eq!(detect(b"hello", "notes.txt"), None);
        assert_eq!(detect(b"{\"other\": 1}", "x.json"), None);
    }
}
