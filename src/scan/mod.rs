//! `clause scan`: what a site really sets, recorded in headless Chromium.
//!
//! Two passes, each in a fresh browser and profile ([`browser`]): before consent, the
//! start page and the pages of the same site found in its sitemap and links, breadth
//! first ([`crawl`]); after consent, the banner accepted on the first page, the same pages
//! again. Each pass records every request, cookie and storage key ([`record`]) and is
//! written as a HAR and a storageState ([`har`]) that `clause audit` reads.

pub mod browser;
pub mod cdp;
pub mod crawl;
pub mod har;
pub mod record;
pub mod request;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use chromiumoxide::cdp::browser_protocol::network::{
    EventDataReceived, EventLoadingFailed, EventLoadingFinished, EventRequestWillBeSent,
    EventRequestWillBeSentExtraInfo, EventResponseReceived, EventResponseReceivedExtraInfo,
};
use chromiumoxide::cdp::browser_protocol::page::EventLifecycleEvent;
use chromiumoxide::Page;
use futures::StreamExt;
use serde_json::Value;
use url::Url;

use browser::Chrome;
use cdp::{
    CallArgument, CallFunction, CloseTarget, CreateWorld, DenyDownloads, Evaluate, EvaluateObject,
    GetCookies, GetFrameTree, GetVersion, Navigate, Screenshot, SetUserAgent, StopLoading,
};
use crawl::{Crawl, Scope};
use record::Recording;
pub use request::{EvidenceFolder, Request, RequestError};

/// How pass 2 gives consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accept {
    /// A cookieconsent v3 or Klaro banner, whichever the first page has; pass 2 is skipped
    /// (with a note) when it has neither.
    Auto,
    /// cookieconsent v3: `CookieConsent.acceptCategory('all')`.
    CookieConsent,
    /// Klaro: every service accepted, and saved.
    Klaro,
    /// A click on the first element matching this CSS selector.
    Selector(String),
    /// No pass 2.
    None,
}

impl std::str::FromStr for Accept {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Accept::Auto),
            "cookieconsent" => Ok(Accept::CookieConsent),
            "klaro" => Ok(Accept::Klaro),
            "none" => Ok(Accept::None),
            _ => match s.strip_prefix("selector:") {
                Some(sel) if !sel.trim().is_empty() => Ok(Accept::Selector(sel.to_string())),
                Some(_) => Err("`selector:` needs a CSS selector after it, e.g. `selector:#accept-all`".into()),
                None => Err(format!(
                    "`{s}` is not a way to accept: use auto, cookieconsent, klaro, selector:CSS or none"
                )),
            },
        }
    }
}

/// What to scan, and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The first page.
    pub start: Url,
    /// At most this many pages per pass.
    pub pages: usize,
    /// Which links may be followed.
    pub scope: Scope,
    /// How pass 2 gives consent.
    pub accept: Accept,
    /// Extra time on each page once it has loaded, for scripts that set cookies late.
    pub wait: Duration,
    /// How long a page may take to load before it is skipped.
    pub timeout: Duration,
    /// The browser (`--browser`), else found in PATH.
    pub browser: Option<PathBuf>,
    /// Where the evidence is written.
    pub out_dir: PathBuf,
}

/// One pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Before consent.
    Before,
    /// After accepting everything.
    After,
}

impl Pass {
    /// The stem of its files.
    pub fn stem(self) -> &'static str {
        match self {
            Pass::Before => "before-consent",
            Pass::After => "after-consent",
        }
    }

    /// How it is named on screen.
    pub fn title(self) -> &'static str {
        match self {
            Pass::Before => "pass 1 (before consent)",
            Pass::After => "pass 2 (after consent)",
        }
    }
}

/// The files a pass wrote.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// The HAR 1.2 file.
    pub har: PathBuf,
    /// The storageState file.
    pub state: PathBuf,
    /// The screenshot of the first page, when one could be taken.
    pub screenshot: Option<PathBuf>,
}

/// What a scan did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Pass 1's files.
    pub before: Evidence,
    /// Pass 2's files, when it ran.
    pub after: Option<Evidence>,
    /// How consent was given in pass 2 (`cookieconsent`, `klaro`, `selector`).
    pub accepted_with: Option<String>,
    /// Pages visited (and recorded) in pass 1.
    pub visited: Vec<Url>,
    /// Pages skipped, with why.
    pub skipped: Vec<(Url, String)>,
}

/// What a scan reports while it runs: a progress bar on a terminal, notes otherwise.
pub trait Progress {
    /// A pass begins; `expected` pages as far as known.
    fn pass(&self, pass: Pass, expected: usize);
    /// A page is being visited (`done` pages before it, of `expected`).
    fn page(&self, url: &Url, done: usize, expected: usize);
    /// Something the user should know (a page skipped, no banner found).
    fn note(&self, line: &str);
    /// The pass is over.
    fn pass_done(&self, pass: Pass, pages: usize);
}

/// Why a scan could not be done. Each is shown with its help and exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// No browser in PATH.
    #[error("no Chromium found (looked for {} in PATH)", browser::BROWSER_NAMES.join(", "))]
    BrowserNotFound,
    /// `--browser` names nothing.
    #[error("the browser `{}` does not exist", path.display())]
    BrowserMissing {
        /// The path given.
        path: PathBuf,
    },
    /// The browser would not start.
    #[error("the browser `{}` could not be started: {reason}{}", path.display(), tail(stderr))]
    Launch {
        /// The browser.
        path: PathBuf,
        /// Why.
        reason: String,
        /// What it printed last.
        stderr: String,
    },
    /// The browser stopped during the scan.
    #[error(
        "the browser stopped unexpectedly ({status}) during {pass}{}",
        tail(stderr)
    )]
    Crashed {
        /// Its exit status.
        status: String,
        /// Which pass.
        pass: &'static str,
        /// What it printed last.
        stderr: String,
    },
    /// A DevTools command failed for a reason other than a page.
    #[error("the browser did not do what was asked ({what}): {detail}")]
    Protocol {
        /// The command.
        what: &'static str,
        /// Why.
        detail: String,
    },
    /// The first page could not be visited: there is nothing to scan.
    #[error("the start page {url} could not be visited: {reason}")]
    StartPage {
        /// The address.
        url: String,
        /// Why.
        reason: String,
    },
    /// The banner asked for was not found.
    #[error("{what} was found on {url} within {seconds} s, so consent could not be given")]
    NoBanner {
        /// What was looked for.
        what: String,
        /// The first page.
        url: String,
        /// How long it was looked for.
        seconds: u64,
    },
    /// `selector:` is not a CSS selector.
    #[error("`{selector}` is not a CSS selector the browser accepts: {detail}")]
    BadSelector {
        /// The selector.
        selector: String,
        /// The browser's words.
        detail: String,
    },
    /// A file could not be written, or the profile deleted.
    #[error("cannot write `{}`: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Ctrl-C or SIGTERM.
    #[error("interrupted; the browser was stopped and its profile deleted")]
    Interrupted,
}

fn tail(stderr: &str) -> String {
    if stderr.trim().is_empty() {
        String::new()
    } else {
        format!("; it printed:\n{stderr}")
    }
}

impl ScanError {
    /// How to fix it.
    pub fn help(&self) -> &'static str {
        match self {
            ScanError::BrowserNotFound => "install Debian's package `chromium` (`apt-get install chromium`), or give the browser with `--browser PATH`",
            ScanError::BrowserMissing { .. } => "give the path of a Chromium or Chrome executable, or leave out --browser to use the `chromium` in PATH (Debian's package `chromium`)",
            ScanError::Launch { .. } => "check that this is a Chromium or Chrome executable and that it starts (`chromium --headless --no-sandbox about:blank`); Debian's package is `chromium`",
            ScanError::Crashed { .. } => "run the scan again; if it crashes again, try fewer pages (--pages) or another browser (--browser)",
            ScanError::Protocol { .. } => "run the scan again; if this persists, try another version of Chromium with --browser",
            ScanError::StartPage { .. } => "check the address and that the site answers from this machine; a slow site may need a longer --timeout",
            ScanError::NoBanner { .. } => "check that the first page shows the banner, or use --accept selector:CSS to click its accept button, or --accept none to scan before consent only",
            ScanError::BadSelector { .. } => "write a CSS selector as for document.querySelector, e.g. `selector:#accept` or `selector:button.accept-all`",
            ScanError::Io { .. } => "choose a folder you can write to (--save DIR), and check the disk space",
            ScanError::Interrupted => "nothing was reported; run the scan again",
        }
    }

    /// Whether the command should exit with the status of an interrupted program.
    pub fn interrupted(&self) -> bool {
        matches!(self, ScanError::Interrupted)
    }
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn protocol(what: &'static str) -> impl Fn(chromiumoxide::error::CdpError) -> ScanError {
    move |e| ScanError::Protocol {
        what,
        detail: e.to_string(),
    }
}

/// Runs a scan to the end, or until Ctrl-C or SIGTERM (the browser is then stopped and
/// its profile deleted before returning).
pub fn run(opts: &Options, progress: &dyn Progress) -> Result<Outcome, ScanError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ScanError::Protocol {
            what: "start the event loop",
            detail: e.to_string(),
        })?;
    runtime.block_on(async {
        tokio::select! {
            r = scan(opts, progress) => r,
            () = interrupted() => Err(ScanError::Interrupted),
        }
    })
}

async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

async fn scan(opts: &Options, progress: &dyn Progress) -> Result<Outcome, ScanError> {
    let exe = browser::find(opts.browser.as_deref())?;
    let mut crawl = Crawl::new(opts.start.clone(), opts.scope, opts.pages.max(1));
    let mut skipped = Vec::new();
    let first = run_pass(
        &exe,
        opts,
        Pass::Before,
        Plan::Crawl(&mut crawl),
        progress,
        &mut skipped,
    )
    .await?;
    let before = save(opts, Pass::Before, &first)?;
    let visited = first.visited.clone();
    let mut outcome = Outcome {
        before,
        after: None,
        accepted_with: None,
        visited: visited.clone(),
        skipped: Vec::new(),
    };
    if opts.accept != Accept::None {
        let second = run_pass(
            &exe,
            opts,
            Pass::After,
            Plan::Fixed(&visited),
            progress,
            &mut skipped,
        )
        .await?;
        if second.accepted_with.is_some() {
            outcome.after = Some(save(opts, Pass::After, &second)?);
            outcome.accepted_with = second.accepted_with;
        }
    }
    outcome.skipped = skipped;
    Ok(outcome)
}

/// Which pages a pass visits.
enum Plan<'a> {
    /// Found as it goes (pass 1).
    Crawl(&'a mut Crawl),
    /// Those of pass 1 (pass 2).
    Fixed(&'a [Url]),
}

/// What a pass gives back.
struct PassResult {
    recording: Recording,
    visited: Vec<Url>,
    screenshot: Option<Vec<u8>>,
    browser_version: String,
    accepted_with: Option<String>,
}

/// One pass in a browser of its own, which is stopped (and its profile deleted) whatever
/// happens; a browser that stops by itself is a crash.
async fn run_pass(
    exe: &Path,
    opts: &Options,
    pass: Pass,
    plan: Plan<'_>,
    progress: &dyn Progress,
    skipped: &mut Vec<(Url, String)>,
) -> Result<PassResult, ScanError> {
    let request_timeout = opts.timeout.max(Duration::from_secs(30)) + Duration::from_secs(5);
    let chrome = Chrome::launch(exe, request_timeout).await?;
    let result = tokio::select! {
        r = drive(&chrome, opts, pass, plan, progress, skipped) => r,
        status = chrome.exited() => Err(ScanError::Crashed {
            status,
            pass: pass.title(),
            stderr: chrome.stderr_tail(),
        }),
    };
    // A lost connection is most often the browser dying: say so when it did.
    let result = match result {
        Err(ScanError::Protocol { .. }) => {
            match tokio::time::timeout(Duration::from_secs(2), chrome.exited()).await {
                Ok(status) => Err(ScanError::Crashed {
                    status,
                    pass: pass.title(),
                    stderr: chrome.stderr_tail(),
                }),
                Err(_) => result,
            }
        }
        other => other,
    };
    let closed = chrome.close();
    let r = result?;
    closed?;
    Ok(r)
}

/// Records a pass's events in the recording, in the order the browser sent them (requests
/// before their responses, responses before their data).
async fn listen(page: &Page, rec: Arc<Mutex<Recording>>) -> Result<(), ScanError> {
    let err = protocol("listen to the network");
    let mut sent = page
        .event_listener::<EventRequestWillBeSent>()
        .await
        .map_err(&err)?;
    let mut sent_extra = page
        .event_listener::<EventRequestWillBeSentExtraInfo>()
        .await
        .map_err(&err)?;
    let mut answered = page
        .event_listener::<EventResponseReceived>()
        .await
        .map_err(&err)?;
    let mut answered_extra = page
        .event_listener::<EventResponseReceivedExtraInfo>()
        .await
        .map_err(&err)?;
    let mut data = page
        .event_listener::<EventDataReceived>()
        .await
        .map_err(&err)?;
    let mut finished = page
        .event_listener::<EventLoadingFinished>()
        .await
        .map_err(&err)?;
    let mut failed = page
        .event_listener::<EventLoadingFailed>()
        .await
        .map_err(&err)?;
    let mut lifecycle = page
        .event_listener::<EventLifecycleEvent>()
        .await
        .map_err(&err)?;
    tokio::spawn(async move {
        let with = |f: &dyn Fn(&mut Recording)| {
            if let Ok(mut r) = rec.lock() {
                f(&mut r);
            }
        };
        loop {
            tokio::select! {
                biased;
                Some(e) = sent.next() => with(&|r| r.request(&e)),
                Some(e) = sent_extra.next() => with(&|r| r.request_extra(&e)),
                Some(e) = answered.next() => with(&|r| r.response(&e)),
                Some(e) = answered_extra.next() => with(&|r| r.response_extra(&e)),
                Some(e) = data.next() => with(&|r| r.data(&e)),
                Some(e) = finished.next() => with(&|r| r.finished(&e)),
                Some(e) = failed.next() => with(&|r| r.failed(&e)),
                Some(e) = lifecycle.next() => with(&|r| r.lifecycle(&e, now())),
                else => break,
            }
        }
    });
    Ok(())
}

/// How a visit went.
enum Visit {
    /// Loaded.
    Loaded,
    /// The document came but did not finish loading in time: recorded as it was.
    Partial,
    /// Not recorded, and why.
    Skipped(String),
}

/// A tab with Clause's listeners. A page that hangs holds its tab (the driver queues the
/// next navigation behind it), so the scan then goes on in a new one.
struct Tab {
    page: Page,
    user_agent: String,
}

impl Tab {
    async fn open(
        browser: &chromiumoxide::Browser,
        rec: &Arc<Mutex<Recording>>,
        user_agent: String,
    ) -> Result<Tab, ScanError> {
        let page = browser
            .new_page("about:blank")
            .await
            .map_err(protocol("open a tab"))?;
        // The user agent of a visitor's Chrome: some sites serve robots differently.
        page.execute(SetUserAgent {
            user_agent: user_agent.clone(),
        })
        .await
        .map_err(protocol("set the user agent"))?;
        let tree = page
            .execute(GetFrameTree {})
            .await
            .map_err(protocol("list the frames"))?
            .result
            .frame_tree;
        if let Ok(mut r) = rec.lock() {
            r.set_main_frame(&tree.frame.id);
        }
        listen(&page, Arc::clone(rec)).await?;
        Ok(Tab { page, user_agent })
    }

    /// Closes this tab and opens another.
    async fn replace(
        &mut self,
        browser: &chromiumoxide::Browser,
        rec: &Arc<Mutex<Recording>>,
    ) -> Result<(), ScanError> {
        let fresh = Tab::open(browser, rec, self.user_agent.clone()).await?;
        let old = std::mem::replace(self, fresh);
        let _ = browser
            .execute(CloseTarget {
                target_id: old.page.target_id().inner().clone(),
            })
            .await;
        Ok(())
    }
}

/// Visits a page, records it (`links`: and returns its address and links), and reports a
/// page that hung or failed. `None` when it was skipped.
#[allow(clippy::too_many_arguments)]
async fn visit_and_collect(
    browser: &chromiumoxide::Browser,
    tab: &mut Tab,
    rec: &Arc<Mutex<Recording>>,
    url: &Url,
    opts: &Options,
    progress: &dyn Progress,
    links: bool,
) -> Result<Result<(Option<Url>, Vec<String>), String>, ScanError> {
    let (visit, hung) = visit(&tab.page, rec, url, opts).await?;
    let found = match visit {
        Visit::Skipped(why) => Err(why),
        Visit::Partial => {
            progress.note(&format!(
                "warning: {url} did not finish loading within {} s; recorded as it was",
                opts.timeout.as_secs()
            ));
            tokio::time::sleep(opts.wait).await;
            Ok(collect(browser, &tab.page, rec, links).await?)
        }
        Visit::Loaded => {
            tokio::time::sleep(opts.wait).await;
            Ok(collect(browser, &tab.page, rec, links).await?)
        }
    };
    if hung {
        tab.replace(browser, rec).await?;
    }
    Ok(found)
}

async fn drive(
    chrome: &Chrome,
    opts: &Options,
    pass: Pass,
    plan: Plan<'_>,
    progress: &dyn Progress,
    skipped: &mut Vec<(Url, String)>,
) -> Result<PassResult, ScanError> {
    let browser = &chrome.browser;
    let version = browser
        .execute(GetVersion {})
        .await
        .map_err(protocol("ask its version"))?
        .result;
    let _ = browser.execute(DenyDownloads { behavior: "deny" }).await;
    let rec = Arc::new(Mutex::new(Recording::default()));
    let mut tab = Tab::open(
        browser,
        &rec,
        version.user_agent.replace("HeadlessChrome", "Chrome"),
    )
    .await?;

    let mut result = PassResult {
        recording: Recording::default(),
        visited: Vec::new(),
        screenshot: None,
        browser_version: version
            .user_agent
            .split_once("Chrome/")
            .map_or(String::new(), |(_, v)| {
                v.split(' ').next().unwrap_or("").to_string()
            }),
        accepted_with: None,
    };
    progress.pass(
        pass,
        match &plan {
            Plan::Crawl(c) => c.expected(),
            Plan::Fixed(list) => list.len(),
        },
    );
    let mut skip = |progress: &dyn Progress, url: &Url, why: String| {
        progress.note(&format!("warning: skipped {url}: {why}"));
        skipped.push((url.clone(), why));
    };

    match plan {
        Plan::Crawl(crawl) => {
            let mut first = true;
            while let Some(url) = crawl.next_page() {
                progress.page(&url, result.visited.len(), crawl.expected());
                let (here, links) =
                    match visit_and_collect(browser, &mut tab, &rec, &url, opts, progress, true)
                        .await?
                    {
                        Ok(found) => found,
                        Err(why) if first => {
                            return Err(ScanError::StartPage {
                                url: url.to_string(),
                                reason: why,
                            })
                        }
                        Err(why) => {
                            skip(progress, &url, why);
                            continue;
                        }
                    };
                let base = here.clone().unwrap_or_else(|| url.clone());
                if let Some(h) = &here {
                    crawl.visited(h);
                    // Sent to another site by a redirect, a refresh or a script: that
                    // site's page is not the site's, and its links are not followed.
                    if !crawl.in_scope(h) {
                        if let Ok(mut r) = rec.lock() {
                            r.relabel_page(h.as_str());
                        }
                        let why = format!("it led to another site, {h}");
                        if first {
                            return Err(ScanError::StartPage {
                                url: url.to_string(),
                                reason: why,
                            });
                        }
                        skip(progress, &url, why);
                        continue;
                    }
                }
                if first {
                    result.screenshot = screenshot(&tab.page).await;
                    for found in sitemap(&tab.page, &base).await {
                        crawl.offer([found.as_str()], &base);
                    }
                    first = false;
                }
                crawl.offer(links.iter().map(String::as_str), &base);
                result.visited.push(url);
            }
        }
        Plan::Fixed(list) => {
            let Some(start) = list.first() else {
                return Ok(result);
            };
            progress.page(start, 0, list.len());
            if let Err(why) =
                visit_and_collect(browser, &mut tab, &rec, start, opts, progress, false).await?
            {
                return Err(ScanError::StartPage {
                    url: start.to_string(),
                    reason: why,
                });
            }
            let banner_wait = opts.timeout.min(BANNER_WAIT);
            match accept(&tab.page, &opts.accept, banner_wait).await? {
                Some(how) => result.accepted_with = Some(how),
                None if opts.accept == Accept::Auto => {
                    progress.note(&format!(
                        "note: no cookieconsent or Klaro banner found on {start}: pass 2 (after consent) skipped; use --accept selector:CSS to click the banner's button"
                    ));
                    return Ok(result);
                }
                None => {
                    return Err(ScanError::NoBanner {
                        what: match &opts.accept {
                            Accept::CookieConsent => "no cookieconsent banner".to_string(),
                            Accept::Klaro => "no Klaro banner".to_string(),
                            Accept::Selector(s) => format!("no element matching `{s}`"),
                            _ => "no consent banner".to_string(),
                        },
                        url: start.to_string(),
                        seconds: banner_wait.as_secs(),
                    })
                }
            }
            tokio::time::sleep(opts.wait).await;
            collect(browser, &tab.page, &rec, false).await?;
            result.screenshot = screenshot(&tab.page).await;
            for (i, url) in list.iter().enumerate() {
                progress.page(url, i, list.len());
                match visit_and_collect(browser, &mut tab, &rec, url, opts, progress, false).await?
                {
                    Ok(_) => result.visited.push(url.clone()),
                    Err(why) => skip(progress, url, why),
                }
            }
        }
    }
    // The last events of the last page.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let _ = tab.page.execute(StopLoading {}).await;
    if let Ok(mut r) = rec.lock() {
        result.recording = std::mem::take(&mut *r);
    }
    result.recording.settle_headers();
    progress.pass_done(pass, result.visited.len());
    Ok(result)
}

/// Visits a page and waits (within the timeout) for its `load` event. The flag is set
/// when the page hung: its tab must then be replaced.
async fn visit(
    page: &Page,
    rec: &Arc<Mutex<Recording>>,
    url: &Url,
    opts: &Options,
) -> Result<(Visit, bool), ScanError> {
    let started = tokio::time::Instant::now();
    if let Ok(mut r) = rec.lock() {
        r.begin_page(url.as_str(), now());
    }
    // The driver answers once the page has loaded, or fails at its own timeout. A file
    // to download never loads (downloads are refused): noticed by its answer instead.
    let navigate = tokio::time::timeout(
        opts.timeout,
        page.execute(Navigate {
            url: url.to_string(),
        }),
    );
    let download = async {
        loop {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if rec.lock().map(|r| r.download()).unwrap_or(false) {
                return;
            }
        }
    };
    let nav = tokio::select! {
        nav = navigate => nav,
        () = download => {
            let _ = page.execute(StopLoading {}).await;
            return Ok((
                Visit::Skipped(
                    "it is a file to download (Content-Disposition: attachment), not a page"
                        .to_string(),
                ),
                false,
            ));
        }
    };
    let navigated = match nav {
        Err(_) | Ok(Err(chromiumoxide::error::CdpError::Timeout)) => {
            let _ = page.execute(StopLoading {}).await;
            let answered = rec.lock().map(|r| r.answered()).unwrap_or(false);
            return Ok(if answered {
                (Visit::Partial, true)
            } else {
                (
                    Visit::Skipped(format!(
                        "it did not answer within {} s",
                        opts.timeout.as_secs()
                    )),
                    true,
                )
            });
        }
        Ok(Err(e)) => return Err(protocol("open a page")(e)),
        Ok(Ok(r)) => r.result,
    };
    if let Some(e) = navigated.error_text.filter(|e| !e.is_empty()) {
        return Ok((Visit::Skipped(e), false));
    }
    let Some(loader) = navigated.loader_id else {
        return Ok((Visit::Loaded, false));
    };
    loop {
        if rec.lock().map(|r| r.loaded(&loader)).unwrap_or(true) {
            return Ok((Visit::Loaded, false));
        }
        if started.elapsed() >= opts.timeout {
            let _ = page.execute(StopLoading {}).await;
            return Ok((Visit::Partial, true));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Reads the storage keys of every frame, in a world of Clause's own.
const STORAGE_JS: &str = r#"(() => {
  const read = (name) => {
    try {
      const s = window[name];
      const out = [];
      for (let i = 0; i < s.length; i++) {
        const k = s.key(i);
        out.push([k, String(s.getItem(k))]);
      }
      return out;
    } catch (e) {
      return [];
    }
  };
  return { origin: location.origin, local: read('localStorage'), session: read('sessionStorage') };
})()"#;

/// The page's address after redirects, and where its links lead.
const LINKS_JS: &str = r#"(() => ({
  url: location.href,
  links: Array.from(document.querySelectorAll('a[href], area[href]'), (a) => a.href),
}))()"#;

/// Records what the browser holds now: every cookie, the storage keys of every frame, and
/// (when asked) the page's address and links.
async fn collect(
    browser: &chromiumoxide::Browser,
    page: &Page,
    rec: &Arc<Mutex<Recording>>,
    links: bool,
) -> Result<(Option<Url>, Vec<String>), ScanError> {
    let cookies = browser
        .execute(GetCookies {})
        .await
        .map_err(protocol("read the cookies"))?
        .result
        .cookies;
    if let Ok(mut r) = rec.lock() {
        r.add_cookies(cookies, now());
    }
    let tree = page
        .execute(GetFrameTree {})
        .await
        .map_err(protocol("list the frames"))?
        .result
        .frame_tree;
    let mut here = None;
    let mut found = Vec::new();
    for (i, frame) in tree.frames().into_iter().enumerate() {
        // A frame may go away meanwhile: it is then skipped.
        let Ok(world) = page
            .execute(CreateWorld {
                frame_id: frame.id.clone(),
                world_name: "clause-scan",
            })
            .await
        else {
            continue;
        };
        let context = Some(world.result.execution_context_id);
        if let Ok(Ok(v)) = evaluate(page, STORAGE_JS, context).await {
            let pairs = |key: &str| -> Vec<(String, String)> {
                v[key]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|p| {
                                Some((p[0].as_str()?.to_string(), p[1].as_str()?.to_string()))
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            if let Some(origin) = v["origin"].as_str().filter(|o| *o != "null") {
                if let Ok(mut r) = rec.lock() {
                    r.add_storage(origin, pairs("local"), pairs("session"));
                }
            }
        }
        if i == 0 && links {
            if let Ok(Ok(v)) = evaluate(page, LINKS_JS, context).await {
                here = v["url"].as_str().and_then(|u| Url::parse(u).ok());
                found = v["links"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|l| l.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
            }
        }
    }
    Ok((here, found))
}

/// Evaluates a constant expression; `Err` inside is the script's exception.
async fn evaluate(
    page: &Page,
    expression: &'static str,
    context_id: Option<i64>,
) -> Result<Result<Value, String>, ScanError> {
    Ok(page
        .execute(Evaluate {
            expression,
            context_id,
            return_by_value: true,
            await_promise: true,
        })
        .await
        .map_err(protocol("run a script"))?
        .result
        .into_result())
}

/// Calls a constant function with `this` the value of `target` (a constant expression)
/// and `args` passed as values.
async fn call(
    page: &Page,
    target: &'static str,
    context_id: Option<i64>,
    function: &'static str,
    args: Vec<Value>,
) -> Result<Result<Value, String>, ScanError> {
    let object = page
        .execute(EvaluateObject {
            expression: target,
            context_id,
        })
        .await
        .map_err(protocol("run a script"))?
        .result;
    let Some(object_id) = object.result.object_id else {
        return Ok(Err(format!("`{target}` is not an object")));
    };
    Ok(page
        .execute(CallFunction {
            function_declaration: function,
            object_id,
            arguments: args
                .into_iter()
                .map(|value| CallArgument { value })
                .collect(),
            return_by_value: true,
            await_promise: true,
        })
        .await
        .map_err(protocol("run a script"))?
        .result
        .into_result())
}

/// Fetches a sitemap from the page, as the site's own script would; `""` when there is
/// none (a missing sitemap is common).
const FETCH_FN: &str = r#"async function (url) {
  try {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 10000);
    const r = await fetch(url, { credentials: 'same-origin', signal: controller.signal });
    clearTimeout(timer);
    return r.ok ? (await r.text()).slice(0, 50000000) : '';
  } catch (e) {
    return '';
  }
}"#;

/// How long pass 2 looks for the banner on the first page once it has loaded (at most
/// `--timeout`): banners show within a few seconds, and a site may have none.
const BANNER_WAIT: Duration = Duration::from_secs(10);

/// At most this many sitemaps are read (an index may list many).
const SITEMAPS: usize = 10;

/// The addresses in the site's `/sitemap.xml` (and the sitemaps it lists, on the same
/// site), in order.
async fn sitemap(page: &Page, base: &Url) -> Vec<String> {
    let Ok(first) = base.join("/sitemap.xml") else {
        return Vec::new();
    };
    let mut queue = vec![first];
    let mut read = 0;
    let mut out = Vec::new();
    let context = page
        .execute(GetFrameTree {})
        .await
        .ok()
        .map(|t| t.result.frame_tree.frame.id.clone());
    let Some(frame_id) = context else {
        return out;
    };
    let Ok(world) = page
        .execute(CreateWorld {
            frame_id,
            world_name: "clause-scan",
        })
        .await
    else {
        return out;
    };
    let context = Some(world.result.execution_context_id);
    while let Some(url) = queue.pop() {
        if read == SITEMAPS {
            break;
        }
        read += 1;
        let text = tokio::time::timeout(
            Duration::from_secs(15),
            call(
                page,
                "globalThis",
                context,
                FETCH_FN,
                vec![Value::String(url.to_string())],
            ),
        )
        .await;
        let Ok(Ok(Ok(Value::String(text)))) = text else {
            continue;
        };
        let (pages, nested) = crawl::sitemap_entries(&text);
        out.extend(pages);
        for n in nested.iter().rev() {
            if let Ok(u) = url.join(n) {
                if crawl::same_site(&u, base) {
                    queue.push(u);
                }
            }
        }
    }
    out
}

/// Gives consent the way a cookieconsent v3 banner (its API, or its "accept all" button
/// where the API is not global) or a Klaro one does; `''` when neither is there (yet).
const ACCEPT_AUTO_JS: &str = r#"(() => {
  const cc = window.CookieConsent;
  if (cc && typeof cc.acceptCategory === 'function' && document.getElementById('cc-main')) {
    cc.acceptCategory('all');
    return 'cookieconsent';
  }
  const k = window.klaro;
  if (k && typeof k.getManager === 'function' && (window.klaroConfig || document.querySelector('.klaro'))) {
    const m = k.getManager();
    m.changeAll(true);
    m.saveAndApplyConsents();
    return 'klaro';
  }
  const ccButton = document.querySelector('#cc-main [data-role="all"]');
  if (ccButton) {
    ccButton.click();
    return 'cookieconsent';
  }
  const klaroButton = document.querySelector('.klaro .cm-btn-accept-all, .klaro .cm-btn-accept');
  if (klaroButton) {
    klaroButton.click();
    return 'klaro';
  }
  return '';
})()"#;

const ACCEPT_CC_JS: &str = r#"(() => {
  const cc = window.CookieConsent;
  if (cc && typeof cc.acceptCategory === 'function' && document.getElementById('cc-main')) {
    cc.acceptCategory('all');
    return 'cookieconsent';
  }
  const b = document.querySelector('#cc-main [data-role="all"]');
  if (b) {
    b.click();
    return 'cookieconsent';
  }
  return '';
})()"#;

const ACCEPT_KLARO_JS: &str = r#"(() => {
  const k = window.klaro;
  if (k && typeof k.getManager === 'function' && (window.klaroConfig || document.querySelector('.klaro'))) {
    const m = k.getManager();
    m.changeAll(true);
    m.saveAndApplyConsents();
    return 'klaro';
  }
  const b = document.querySelector('.klaro .cm-btn-accept-all, .klaro .cm-btn-accept');
  if (b) {
    b.click();
    return 'klaro';
  }
  return '';
})()"#;

/// Clicks the first element matching the selector (an argument, never code).
const CLICK_FN: &str = r#"function (selector) {
  const el = this.querySelector(selector);
  if (!el) return '';
  el.click();
  return 'selector';
}"#;

/// Gives consent on the page now open, trying until the timeout (banners often load
/// late). `None` when there was nothing to accept.
async fn accept(page: &Page, how: &Accept, timeout: Duration) -> Result<Option<String>, ScanError> {
    let started = tokio::time::Instant::now();
    loop {
        let done = match how {
            Accept::None => return Ok(None),
            Accept::Auto => evaluate(page, ACCEPT_AUTO_JS, None).await?,
            Accept::CookieConsent => evaluate(page, ACCEPT_CC_JS, None).await?,
            Accept::Klaro => evaluate(page, ACCEPT_KLARO_JS, None).await?,
            Accept::Selector(sel) => {
                match call(
                    page,
                    "document",
                    None,
                    CLICK_FN,
                    vec![Value::String(sel.clone())],
                )
                .await?
                {
                    Err(e) if e.contains("SyntaxError") || e.contains("not a valid selector") => {
                        return Err(ScanError::BadSelector {
                            selector: sel.clone(),
                            detail: e.lines().next().unwrap_or("").to_string(),
                        })
                    }
                    other => other,
                }
            }
        };
        // A script error (the banner half set up) is retried like an absent banner.
        if let Ok(Value::String(s)) = done {
            if !s.is_empty() {
                return Ok(Some(s));
            }
        }
        if started.elapsed() >= timeout {
            return Ok(None);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn screenshot(page: &Page) -> Option<Vec<u8>> {
    let shot = page.execute(Screenshot { format: "png" }).await.ok()?;
    base64::engine::general_purpose::STANDARD
        .decode(shot.result.data.as_bytes())
        .ok()
}

/// Writes a pass's HAR, storageState (dated when its cookies were read: their lifetimes
/// count from then) and screenshot.
fn save(opts: &Options, pass: Pass, r: &PassResult) -> Result<Evidence, ScanError> {
    let dir = &opts.out_dir;
    std::fs::create_dir_all(dir).map_err(|e| ScanError::Io {
        path: dir.clone(),
        source: e,
    })?;
    let har_path = dir.join(format!("{}.har", pass.stem()));
    let state_path = dir.join(format!("{}.state.json", pass.stem()));
    har::write_file(
        &har_path,
        har::har(&r.recording, &r.browser_version).as_bytes(),
        None,
    )?;
    let recorded_at = if r.recording.recorded_at > 0.0 {
        r.recording.recorded_at
    } else {
        now()
    };
    har::write_file(
        &state_path,
        har::storage_state(&r.recording).as_bytes(),
        Some(recorded_at),
    )?;
    let screenshot = match &r.screenshot {
        Some(png) => {
            let p = dir.join(format!("{}.png", pass.stem()));
            har::write_file(&p, png, None)?;
            Some(p)
        }
        None => None,
    };
    Ok(Evidence {
        har: har_path,
        state: state_path,
        screenshot,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ways_to_accept() {
        assert_eq!("auto".parse(), Ok(Accept::Auto));
        assert_eq!("klaro".parse(), Ok(Accept::Klaro));
        assert_eq!(
            "selector:#cc .accept".parse(),
            Ok(Accept::Selector("#cc .accept".into()))
        );
        assert!("selector: ".parse::<Accept>().is_err());
        assert!("yes".parse::<Accept>().is_err());
    }
}
