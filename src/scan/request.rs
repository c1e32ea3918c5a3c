//! What the command line asks of a scan, checked into [`Options`] before anything starts;
//! where its evidence goes; and the sentence that sums a scan up.

use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use super::crawl::Scope;
use super::{Accept, Options, Outcome};
use crate::text;

/// A scan as asked for, before it is checked.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The start page, as typed.
    pub url: &'a str,
    /// How pass 2 gives consent, as typed (`auto`, `selector:…`).
    pub accept: &'a str,
    /// At most this many pages per pass.
    pub pages: usize,
    /// Seconds a page may take to load.
    pub timeout_secs: u64,
    /// Milliseconds to wait on each loaded page.
    pub wait_ms: u64,
    /// Whether links to other sites are followed.
    pub follow_off_site: bool,
    /// The browser, when named.
    pub browser: Option<PathBuf>,
}

/// Why a request cannot be scanned; shown with [`RequestError::help`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// A `file:`, `ftp:`… address.
    #[error("`{url}` is a `{scheme}:` address; only http and https pages can be scanned")]
    NotHttp {
        /// As typed.
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// Not an address at all.
    #[error("`{url}` is not an address: {why}")]
    NotAnAddress {
        /// As typed.
        url: String,
        /// What the parser said.
        why: String,
    },
    /// `--accept` says nothing Clause knows.
    #[error("{0}")]
    Accept(String),
    /// `--pages 0`.
    #[error("--pages 0 would visit nothing")]
    NoPages,
    /// `--timeout 0`.
    #[error("--timeout 0 would skip every page")]
    NoTimeout,
}

impl RequestError {
    /// How to fix it.
    pub fn help(&self) -> &'static str {
        match self {
            RequestError::NotHttp { .. } => {
                "give the site's address, e.g. `clause scan https://www.example.org/`"
            }
            RequestError::NotAnAddress { .. } => {
                "give the site's address with its scheme, e.g. `clause scan https://www.example.org/`"
            }
            RequestError::Accept(_) => {
                "for example `--accept auto` or `--accept 'selector:#accept-all'`"
            }
            RequestError::NoPages => "give at least 1 (the start page alone)",
            RequestError::NoTimeout => "give a number of seconds, e.g. --timeout 30",
        }
    }
}

impl Options {
    /// The options of a request, the evidence going to `out_dir`; the first problem found,
    /// in the order the command line is read.
    pub fn from_request(req: &Request, out_dir: PathBuf) -> Result<Options, RequestError> {
        let start = match Url::parse(req.url.trim()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => u,
            Ok(u) => {
                return Err(RequestError::NotHttp {
                    url: req.url.to_string(),
                    scheme: u.scheme().to_string(),
                })
            }
            Err(e) => {
                return Err(RequestError::NotAnAddress {
                    url: req.url.to_string(),
                    why: e.to_string(),
                })
            }
        };
        let accept: Accept = req.accept.parse().map_err(RequestError::Accept)?;
        if req.pages == 0 {
            return Err(RequestError::NoPages);
        }
        if req.timeout_secs == 0 {
            return Err(RequestError::NoTimeout);
        }
        Ok(Options {
            start,
            pages: req.pages,
            scope: if req.follow_off_site {
                Scope::Anywhere
            } else {
                Scope::SameSite
            },
            accept,
            wait: Duration::from_millis(req.wait_ms),
            timeout: Duration::from_secs(req.timeout_secs),
            browser: req.browser.clone(),
            out_dir,
        })
    }
}

/// Where a scan's evidence goes: the folder of `--save`, kept, or a temporary folder,
/// deleted with this value once the report is made.
#[derive(Debug)]
pub struct EvidenceFolder {
    dir: PathBuf,
    temp: Option<tempfile::TempDir>,
}

impl EvidenceFolder {
    /// The folder `save`, or a new temporary folder when `None`.
    pub fn new(save: Option<&Path>) -> std::io::Result<EvidenceFolder> {
        match save {
            Some(dir) => Ok(EvidenceFolder {
                dir: dir.to_path_buf(),
                temp: None,
            }),
            None => {
                let temp = tempfile::Builder::new().prefix("clause-scan-").tempdir()?;
                Ok(EvidenceFolder {
                    dir: temp.path().to_path_buf(),
                    temp: Some(temp),
                })
            }
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether it is kept after the scan (`--save`).
    pub fn kept(&self) -> bool {
        self.temp.is_none()
    }

    /// How a report names a file of the scan: by its name alone when it is in the
    /// temporary folder (gone once the report is read), else by its path.
    pub fn name(&self, p: &Path) -> String {
        match &self.temp {
            Some(t) if p.starts_with(t.path()) => p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            _ => p.display().to_string(),
        }
    }
}

impl Outcome {
    /// "scanned 4 pages (pass 1 before consent; pass 2 after accepting with cookieconsent)",
    /// for a scan asked to accept as `accept` says.
    pub fn summary(&self, accept: &Accept) -> String {
        let pages = text::count(self.visited.len(), "page", "pages");
        let skipped = if self.skipped.is_empty() {
            String::new()
        } else {
            format!(", {} skipped", self.skipped.len())
        };
        let second = match (&self.accepted_with, accept) {
            (Some(how), _) => format!("pass 2 after accepting with {how}"),
            (None, Accept::None) => "no pass 2 (--accept none)".into(),
            (None, _) => "no pass 2: no banner to accept".into(),
        };
        format!("scanned {pages}{skipped} (pass 1 before consent; {second})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(url: &str) -> Request<'_> {
        Request {
            url,
            accept: "auto",
            pages: 5,
            timeout_secs: 30,
            wait_ms: 0,
            follow_off_site: false,
            browser: None,
        }
    }

    #[test]
    fn a_request_is_checked_in_the_order_of_the_command_line() {
        let out = PathBuf::from("evidence");
        let ok = Options::from_request(&request(" https://example.org/a "), out.clone())
            .expect("an http address");
        assert_eq!(ok.start.as_str(), "https://example.org/a");
        assert_eq!(ok.scope, Scope::SameSite);
        let err = |r: Request| Options::from_request(&r, out.clone()).expect_err("refused");
        assert_eq!(
            err(request("file:///etc/passwd")).to_string(),
            "`file:///etc/passwd` is a `file:` address; only http and https pages can be scanned"
        );
        assert!(matches!(
            err(request("example.org")),
            RequestError::NotAnAddress { .. }
        ));
        let bad_accept = Request {
            accept: "selector:",
            pages: 0,
            ..request("https://example.org/")
        };
        assert!(matches!(err(bad_accept), RequestError::Accept(_)));
        let no_pages = Request {
            pages: 0,
            timeout_secs: 0,
            ..request("https://example.org/")
        };
        assert_eq!(err(no_pages), RequestError::NoPages);
        let no_timeout = Request {
            timeout_secs: 0,
            ..request("https://example.org/")
        };
        assert_eq!(err(no_timeout), RequestError::NoTimeout);
    }

    #[test]
    fn a_temporary_evidence_folder_names_its_files_alone_and_is_deleted() {
        let folder = EvidenceFolder::new(None).expect("a temporary folder");
        let dir = folder.dir().to_path_buf();
        assert!(dir.is_dir() && !folder.kept());
        assert_eq!(folder.name(&dir.join("pass-1.har")), "pass-1.har");
        assert_eq!(folder.name(Path::new("/x/pass-1.har")), "/x/pass-1.har");
        drop(folder);
        assert!(!dir.exists());
        let kept = EvidenceFolder::new(Some(Path::new("saved"))).expect("kept");
        assert!(kept.kept());
        assert_eq!(kept.name(Path::new("saved/pass-1.har")), "saved/pass-1.har");
    }
}
