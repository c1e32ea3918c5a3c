//! What one pass records: every request and response (for the HAR), every cookie the
//! browser held after each page, and the `localStorage` and `sessionStorage` keys of
//! every origin a frame was on.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use chromiumoxide::cdp::browser_protocol::network::{
    EventDataReceived, EventLoadingFailed, EventLoadingFinished, EventRequestWillBeSent,
    EventRequestWillBeSentExtraInfo, EventResponseReceived, EventResponseReceivedExtraInfo,
    Response,
};
use chromiumoxide::cdp::browser_protocol::page::EventLifecycleEvent;

use super::cdp::Cookie;

/// One request, and its response when one came: a redirect is a request of its own.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The page being visited when it was sent (index into [`Recording::pages`]).
    pub page: usize,
    /// When it was sent, in seconds since 1970.
    pub started: f64,
    /// The method.
    pub method: String,
    /// The address.
    pub url: String,
    /// The request headers (as sent, `Cookie` included, when the browser told them).
    pub request_headers: Vec<(String, String)>,
    /// The response.
    pub response: Option<Answer>,
    /// Seconds from sending to the response's headers.
    pub wait: f64,
    /// Seconds from the response's headers to its end.
    pub receive: f64,
    /// Bytes received, as transferred and once decoded.
    pub transferred: i64,
    /// Decoded size of the body.
    pub content_size: i64,
    /// Why it failed, when it did.
    pub error: Option<String>,
    // Bookkeeping until the HAR is written.
    id: String,
    mono: f64,
    response_mono: Option<f64>,
    has_extra: bool,
}

/// A response.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Status code.
    pub status: i64,
    /// Status text.
    pub status_text: String,
    /// Protocol (`http/1.1`, `h2`…).
    pub protocol: String,
    /// Headers; `Set-Cookie` ones one per line.
    pub headers: Vec<(String, String)>,
    /// MIME type.
    pub mime_type: String,
    /// The server's address.
    pub server_ip: Option<String>,
}

/// A page visited in the pass.
#[derive(Debug, Clone)]
pub struct PageVisit {
    /// The address asked for.
    pub url: String,
    /// When the visit began, in seconds since 1970.
    pub started: f64,
    /// Milliseconds until the load event, when it fired.
    pub on_load: Option<f64>,
    /// The main frame's document when the visit began: another one means the page
    /// answered.
    loader_before: Option<String>,
}

/// The keys one origin kept.
#[derive(Debug, Clone, Default)]
pub struct OriginStorage {
    /// `localStorage`: key → value.
    pub local: BTreeMap<String, String>,
    /// `sessionStorage`: key → value.
    pub session: BTreeMap<String, String>,
}

/// Everything one pass recorded.
#[derive(Debug, Default)]
pub struct Recording {
    /// Pages, in the order visited.
    pub pages: Vec<PageVisit>,
    /// Requests, in the order sent.
    pub exchanges: Vec<Exchange>,
    /// Every cookie seen after any page, by (name, domain, path); the longest-lived
    /// version when one was set again.
    pub cookies: BTreeMap<(String, String, String), Cookie>,
    /// Storage keys by origin.
    pub storage: BTreeMap<String, OriginStorage>,
    /// When the cookies were last read, in seconds since 1970: what their lifetimes are
    /// measured from.
    pub recorded_at: f64,
    /// Loaders whose document fired `load`.
    loads: HashSet<String>,
    /// The tab's main frame, and the loader of its current document.
    main_frame: Option<String>,
    main_loader: Option<String>,
    /// Request id → index of its latest hop.
    open: HashMap<String, usize>,
    /// Raw response headers (`Set-Cookie` included), per request id, in arrival order.
    extra_responses: HashMap<String, VecDeque<Vec<(String, String)>>>,
    /// Raw request headers (`Cookie` included), per request id, in arrival order.
    extra_requests: HashMap<String, VecDeque<Vec<(String, String)>>>,
}

/// The headers of a DevTools `Headers` object; a value holding several lines (Chromium
/// joins repeated headers so) becomes one header per line.
fn headers(v: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(map) = v.as_object() {
        for (name, value) in map {
            let value = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            for line in value.split('\n') {
                out.push((name.clone(), line.to_string()));
            }
        }
    }
    out
}

fn answer(r: &Response) -> Answer {
    Answer {
        status: r.status,
        status_text: r.status_text.clone(),
        protocol: r.protocol.clone().unwrap_or_else(|| "http/1.1".into()),
        headers: headers(r.headers.inner()),
        mime_type: r.mime_type.clone(),
        server_ip: r.remote_ip_address.clone(),
    }
}

impl Recording {
    /// Begins the visit of a page: the requests that follow belong to it.
    pub fn begin_page(&mut self, url: &str, now: f64) {
        self.pages.push(PageVisit {
            url: url.to_string(),
            started: now,
            on_load: None,
            loader_before: self.main_loader.clone(),
        });
    }

    /// The page being visited ended up at `url` (another site): recorded under that
    /// address, not the one asked for.
    pub fn relabel_page(&mut self, url: &str) {
        if let Some(p) = self.pages.last_mut() {
            p.url = url.to_string();
        }
    }

    /// Whether the address of the page being visited answered with a file to download
    /// (`Content-Disposition: attachment`) rather than a page.
    pub fn download(&self) -> bool {
        let (page, Some(visit)) = (self.page(), self.pages.last()) else {
            return false;
        };
        self.exchanges
            .iter()
            .rev()
            .take_while(|e| e.page == page)
            .any(|e| {
                e.url == visit.url
                    && e.response.as_ref().is_some_and(|a| {
                        a.headers.iter().any(|(k, v)| {
                            k.eq_ignore_ascii_case("content-disposition")
                                && v.trim_start()
                                    .to_ascii_lowercase()
                                    .starts_with("attachment")
                        })
                    })
            })
    }

    /// The tab whose main frame is this one (a new tab after one that hung).
    pub fn set_main_frame(&mut self, frame: &str) {
        self.main_frame = Some(frame.to_string());
        self.main_loader = None;
        if let Some(p) = self.pages.last_mut() {
            p.loader_before = None;
        }
    }

    /// Whether the page being visited sent a document (whether or not it finished
    /// loading).
    pub fn answered(&self) -> bool {
        match self.pages.last() {
            Some(p) => self.main_loader.is_some() && self.main_loader != p.loader_before,
            None => false,
        }
    }

    fn page(&self) -> usize {
        self.pages.len().saturating_sub(1)
    }

    /// A request is about to be sent (or a redirect was answered).
    pub fn request(&mut self, e: &EventRequestWillBeSent) {
        let id = e.request_id.inner().clone();
        let mono = *e.timestamp.inner();
        if let (Some(r), Some(&i)) = (&e.redirect_response, self.open.get(&id)) {
            let hop = &mut self.exchanges[i];
            hop.response = Some(answer(r));
            hop.has_extra = e.redirect_has_extra_info;
            hop.wait = (mono - hop.mono).max(0.0);
            hop.response_mono = Some(mono);
        }
        let mut url = e.request.url.clone();
        if let Some(f) = &e.request.url_fragment {
            url.push_str(f);
        }
        self.open.insert(id.clone(), self.exchanges.len());
        self.exchanges.push(Exchange {
            page: self.page(),
            started: *e.wall_time.inner(),
            method: e.request.method.clone(),
            url,
            request_headers: headers(e.request.headers.inner()),
            response: None,
            wait: 0.0,
            receive: 0.0,
            transferred: 0,
            content_size: 0,
            error: None,
            id,
            mono,
            response_mono: None,
            has_extra: false,
        });
    }

    fn current(&mut self, id: &str) -> Option<&mut Exchange> {
        let i = *self.open.get(id)?;
        self.exchanges.get_mut(i)
    }

    /// The response's headers arrived.
    pub fn response(&mut self, e: &EventResponseReceived) {
        let mono = *e.timestamp.inner();
        if let Some(x) = self.current(e.request_id.inner()) {
            x.response = Some(answer(&e.response));
            x.has_extra = e.has_extra_info;
            x.wait = (mono - x.mono).max(0.0);
            x.response_mono = Some(mono);
        }
    }

    /// Raw response headers, with every `Set-Cookie`.
    pub fn response_extra(&mut self, e: &EventResponseReceivedExtraInfo) {
        self.extra_responses
            .entry(e.request_id.inner().clone())
            .or_default()
            .push_back(headers(e.headers.inner()));
    }

    /// Raw request headers, with `Cookie`.
    pub fn request_extra(&mut self, e: &EventRequestWillBeSentExtraInfo) {
        self.extra_requests
            .entry(e.request_id.inner().clone())
            .or_default()
            .push_back(headers(e.headers.inner()));
    }

    /// Body bytes arrived.
    pub fn data(&mut self, e: &EventDataReceived) {
        if let Some(x) = self.current(e.request_id.inner()) {
            x.content_size += e.data_length;
        }
    }

    /// The response is complete.
    pub fn finished(&mut self, e: &EventLoadingFinished) {
        let mono = *e.timestamp.inner();
        if let Some(x) = self.current(e.request_id.inner()) {
            x.transferred = e.encoded_data_length as i64;
            x.receive = (mono - x.response_mono.unwrap_or(mono)).max(0.0);
        }
    }

    /// The request failed.
    pub fn failed(&mut self, e: &EventLoadingFailed) {
        let mono = *e.timestamp.inner();
        if let Some(x) = self.current(e.request_id.inner()) {
            x.error = Some(e.error_text.clone());
            if x.response_mono.is_none() {
                x.wait = (mono - x.mono).max(0.0);
            }
        }
    }

    /// A frame's document reached a stage of its life (`load` is the one waited for).
    pub fn lifecycle(&mut self, e: &EventLifecycleEvent, wall_now: f64) {
        let main = self.main_frame.as_deref() == Some(e.frame_id.inner().as_str());
        if main {
            self.main_loader = Some(e.loader_id.inner().clone());
        }
        if e.name == "load" {
            self.loads.insert(e.loader_id.inner().clone());
            if let (true, Some(p)) = (main, self.pages.last_mut()) {
                if p.on_load.is_none() {
                    p.on_load = Some(((wall_now - p.started) * 1000.0).max(0.0));
                }
            }
        }
    }

    /// Whether the document of this loader fired `load`.
    pub fn loaded(&self, loader: &str) -> bool {
        self.loads.contains(loader)
    }

    /// Adds the cookies the browser holds now. A cookie seen before keeps its longest
    /// lifetime: a page that sets it again for longer is what the audit must see.
    pub fn add_cookies(&mut self, cookies: Vec<Cookie>, now: f64) {
        self.recorded_at = now;
        for c in cookies {
            let key = (c.name.clone(), c.domain.clone(), c.path.clone());
            match self.cookies.get(&key) {
                Some(old) if lives_longer(old, &c) => {}
                _ => {
                    self.cookies.insert(key, c);
                }
            }
        }
    }

    /// Adds the storage keys a frame's origin holds now.
    pub fn add_storage(
        &mut self,
        origin: &str,
        local: Vec<(String, String)>,
        session: Vec<(String, String)>,
    ) {
        let o = self.storage.entry(origin.to_string()).or_default();
        o.local.extend(local);
        o.session.extend(session);
    }

    /// Puts the raw headers (those with `Cookie` and `Set-Cookie`) in place of the
    /// filtered ones, matching them to the hops that had them, in order. Called once,
    /// when the pass is over.
    pub fn settle_headers(&mut self) {
        for x in &mut self.exchanges {
            if !x.has_extra {
                continue;
            }
            if let Some(raw) = self
                .extra_responses
                .get_mut(&x.id)
                .and_then(VecDeque::pop_front)
            {
                if let Some(r) = &mut x.response {
                    r.headers = raw;
                }
            }
            if let Some(raw) = self
                .extra_requests
                .get_mut(&x.id)
                .and_then(VecDeque::pop_front)
            {
                x.request_headers = raw;
            }
        }
    }
}

/// Whether `old` outlives `new` (a session cookie lives shortest).
fn lives_longer(old: &Cookie, new: &Cookie) -> bool {
    let end = |c: &Cookie| {
        if c.session || c.expires < 0.0 {
            f64::MIN
        } else {
            c.expires
        }
    };
    end(old) > end(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookie(name: &str, expires: f64) -> Cookie {
        Cookie {
            name: name.into(),
            value: "v".into(),
            domain: "example.org".into(),
            path: "/".into(),
            expires,
            http_only: false,
            secure: false,
            session: expires < 0.0,
            same_site: None,
        }
    }

    #[test]
    fn a_cookie_keeps_its_longest_lifetime_and_deleted_ones_stay_recorded() {
        let mut r = Recording::default();
        r.add_cookies(vec![cookie("a", 2000.0), cookie("b", -1.0)], 10.0);
        r.add_cookies(vec![cookie("a", 1500.0), cookie("b", 3000.0)], 20.0);
        // `a` was set again for less; `c` came and `b` went by the third read.
        r.add_cookies(vec![cookie("c", -1.0)], 30.0);
        let got: Vec<(&str, f64)> = r
            .cookies
            .values()
            .map(|c| (c.name.as_str(), c.expires))
            .collect();
        assert_eq!(got, [("a", 2000.0), ("b", 3000.0), ("c", -1.0)]);
        assert_eq!(r.recorded_at, 30.0);
    }

    #[test]
    fn repeated_headers_become_one_line_each() {
        let v =
            serde_json::json!({"set-cookie": "a=1; Max-Age=60\nb=2", "content-type": "text/html"});
        let mut h = headers(&v);
        h.sort();
        assert_eq!(
            h,
            [
                ("content-type".to_string(), "text/html".to_string()),
                ("set-cookie".to_string(), "a=1; Max-Age=60".to_string()),
                ("set-cookie".to_string(), "b=2".to_string()),
            ]
        );
    }
}
