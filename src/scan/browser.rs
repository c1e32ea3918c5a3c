//! The browser: Chromium started in a fresh profile, driven over the DevTools protocol
//! (chromiumoxide), and stopped with everything it started.
//!
//! Clause starts the process itself rather than through chromiumoxide's launcher, so that
//! it owns what must never leak: the process group (every renderer and helper), the
//! temporary profile, and the flags.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chromiumoxide::handler::HandlerConfig;
use futures::StreamExt;
use tokio::sync::watch;

use super::ScanError;

/// Names under which a Chromium may be installed, searched in `PATH` in this order.
pub const BROWSER_NAMES: [&str; 5] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
];

/// Flags for every run. Without the background-networking ones Chromium keeps calling
/// Google's services, which a closed network refuses; the site-isolation ones keep every
/// frame of a page in one renderer, so that one DevTools session sees the requests and
/// the storage of third-party frames too; `AutomationControlled` off makes
/// `navigator.webdriver` false, as for a visitor, since consent banners (cookieconsent's
/// `hideFromBots`) hide from robots.
const FLAGS: [&str; 22] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-breakpad",
    "--disable-dev-shm-usage",
    "--disable-site-isolation-trials",
    "--disable-features=IsolateOrigins,site-per-process,Translate,MediaRouter,OptimizationHints",
    "--disable-blink-features=AutomationControlled",
    "--password-store=basic",
    "--mute-audio",
    "--hide-scrollbars",
    "--window-size=1280,800",
];

/// How long Chromium may take to start and open its DevTools port.
const LAUNCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Lines of Chromium's stderr kept, to show when it fails.
const STDERR_LINES: usize = 12;

/// The browser to run: `--browser`, else the first Chromium found in `PATH`.
pub fn find(explicit: Option<&Path>) -> Result<PathBuf, ScanError> {
    if let Some(p) = explicit {
        return if p.is_file() {
            Ok(p.to_path_buf())
        } else {
            Err(ScanError::BrowserMissing {
                path: p.to_path_buf(),
            })
        };
    }
    BROWSER_NAMES
        .iter()
        .find_map(|name| which::which(name).ok())
        .ok_or(ScanError::BrowserNotFound)
}

/// A running Chromium with its DevTools connection.
pub struct Chrome {
    /// The DevTools connection.
    pub browser: chromiumoxide::Browser,
    handler: tokio::task::JoinHandle<()>,
    process: Process,
}

/// The browser process, its profile and what it printed. Dropping it kills the whole
/// process group and deletes the profile, whatever happened before.
struct Process {
    pid: u32,
    exited: watch::Receiver<Option<String>>,
    stderr: Arc<Mutex<VecDeque<String>>>,
    profile: Option<tempfile::TempDir>,
    stopped: bool,
}

impl Chrome {
    /// Starts `exe` in a new temporary profile and connects to it.
    pub async fn launch(exe: &Path, request_timeout: Duration) -> Result<Chrome, ScanError> {
        let profile = tempfile::Builder::new()
            .prefix("clause-scan-profile-")
            .tempdir()
            .map_err(|e| ScanError::Io {
                path: std::env::temp_dir(),
                source: e,
            })?;
        // Third-party cookies allowed, as in Chrome's default settings: the scan records
        // the most that a visitor's browser would accept.
        let prefs = serde_json::json!({ "profile": { "cookie_controls_mode": 0 } });
        let default = profile.path().join("Default");
        std::fs::create_dir_all(&default)
            .and_then(|()| std::fs::write(default.join("Preferences"), prefs.to_string()))
            .map_err(|e| ScanError::Io {
                path: default.clone(),
                source: e,
            })?;
        // Chromium's own temporary folders (`org.chromium.Chromium.*`) go inside the
        // profile, deleted with it.
        let tmp = profile.path().join("tmp");
        std::fs::create_dir_all(&tmp).map_err(|e| ScanError::Io {
            path: tmp.clone(),
            source: e,
        })?;
        let mut cmd = Command::new(exe);
        cmd.env("TMPDIR", &tmp);
        cmd.args(FLAGS)
            .arg("--remote-debugging-port=0")
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // Its own process group: one signal then stops every process Chromium forked, and
        // a Ctrl-C in the terminal reaches Clause only, which cleans up.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        // A Clause killed with SIGKILL cannot stop the browser: the kernel does, as the
        // parent's death signal. Set on the thread that runs the scan's runtime (the main
        // thread, which lives as long as the process).
        #[cfg(target_os = "linux")]
        {
            let parent = rustix::process::getpid();
            // SAFETY: runs in the forked child before `exec`, and only makes two system
            // calls, allocating nothing and taking no lock, as `pre_exec` requires.
            unsafe {
                std::os::unix::process::CommandExt::pre_exec(&mut cmd, move || {
                    rustix::process::set_parent_process_death_signal(Some(
                        rustix::process::Signal::KILL,
                    ))?;
                    // The parent died before the signal was set: stop now.
                    if rustix::process::getppid() != Some(parent) {
                        return Err(rustix::io::Errno::SRCH.into());
                    }
                    Ok(())
                });
            }
        }
        let mut child = cmd.spawn().map_err(|e| ScanError::Launch {
            path: exe.to_path_buf(),
            reason: e.to_string(),
            stderr: String::new(),
        })?;
        let pid = child.id();
        let stderr_pipe = child.stderr.take();
        let (exit_tx, exited) = watch::channel(None);
        std::thread::spawn(move || {
            let status = match child.wait() {
                Ok(s) => s.to_string(),
                Err(e) => e.to_string(),
            };
            let _ = exit_tx.send(Some(status));
        });
        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        let (url_tx, mut url_rx) = tokio::sync::mpsc::unbounded_channel();
        if let Some(pipe) = stderr_pipe {
            let tail = Arc::clone(&stderr);
            // Read until the end, so that Chromium never blocks on a full pipe.
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    if let Some(ws) = line.strip_prefix("DevTools listening on ") {
                        let _ = url_tx.send(ws.trim().to_string());
                    }
                    if let Ok(mut t) = tail.lock() {
                        if t.len() == STDERR_LINES {
                            t.pop_front();
                        }
                        t.push_back(line);
                    }
                }
            });
        }
        let mut process = Process {
            pid,
            exited,
            stderr,
            profile: Some(profile),
            stopped: false,
        };
        let failed = |process: &Process, reason: &str| ScanError::Launch {
            path: exe.to_path_buf(),
            reason: reason.to_string(),
            stderr: process.stderr_tail(),
        };
        let ws = tokio::select! {
            url = url_rx.recv() => match url {
                Some(u) => u,
                None => return Err(failed(&process, "it stopped before opening its DevTools port")),
            },
            status = process.wait_exit() => {
                return Err(failed(&process, &format!("it stopped ({status}) before opening its DevTools port")));
            }
            () = tokio::time::sleep(LAUNCH_TIMEOUT) => {
                return Err(failed(&process, "it did not open its DevTools port within 30 s"));
            }
        };
        let config = HandlerConfig {
            ignore_https_errors: false,
            request_timeout,
            ..HandlerConfig::default()
        };
        let (browser, mut handler) = chromiumoxide::Browser::connect_with_config(ws, config)
            .await
            .map_err(|e| failed(&process, &format!("cannot connect to it: {e}")))?;
        let handler = tokio::spawn(async move {
            // An error here is the connection's end: the browser is gone or going.
            while let Some(event) = handler.next().await {
                if event.is_err() {
                    break;
                }
            }
        });
        Ok(Chrome {
            browser,
            handler,
            process,
        })
    }

    /// Resolves when the browser process has stopped, with its exit status.
    pub async fn exited(&self) -> String {
        let mut rx = self.process.exited.clone();
        loop {
            if let Some(s) = rx.borrow().clone() {
                return s;
            }
            if rx.changed().await.is_err() {
                return "unknown status".into();
            }
        }
    }

    /// The last lines Chromium printed, for an error message.
    pub fn stderr_tail(&self) -> String {
        self.process.stderr_tail()
    }

    /// Stops the browser and deletes its profile; returns a problem deleting it.
    pub fn close(mut self) -> Result<(), ScanError> {
        self.handler.abort();
        self.process.stop();
        match self.process.profile.take() {
            Some(dir) => remove_profile(dir),
            None => Ok(()),
        }
    }
}

impl Process {
    async fn wait_exit(&mut self) -> String {
        loop {
            if let Some(s) = self.exited.borrow().clone() {
                return s;
            }
            if self.exited.changed().await.is_err() {
                return "unknown status".into();
            }
        }
    }

    fn stderr_tail(&self) -> String {
        self.stderr
            .lock()
            .map(|t| {
                t.iter()
                    .filter(|l| !l.contains("dbus") && !l.starts_with("DevTools listening"))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    }

    /// Kills the process group and waits (a bounded time) until the browser is reaped.
    /// Only once: the group's id could later be another's.
    fn stop(&mut self) {
        if std::mem::replace(&mut self.stopped, true) {
            return;
        }
        #[cfg(unix)]
        if let Some(pid) = rustix::process::Pid::from_raw(self.pid as i32) {
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.exited.borrow().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        // Helpers that outlived the main process (they are in the same group), until
        // the group is gone: a process killed is not yet a process ended.
        #[cfg(unix)]
        if let Some(pid) = rustix::process::Pid::from_raw(self.pid as i32) {
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
            while rustix::process::test_kill_process_group(pid).is_ok() && Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.stop();
        if let Some(dir) = self.profile.take() {
            let _ = remove_profile(dir);
        }
    }
}

/// Deletes the profile; a helper process still exiting may write into it for a moment,
/// hence a few tries.
fn remove_profile(dir: tempfile::TempDir) -> Result<(), ScanError> {
    let path = dir.keep();
    let mut last = None;
    for _ in 0..20 {
        match std::fs::remove_dir_all(&path) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => last = Some(e),
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(ScanError::Io {
        path,
        source: last.unwrap_or_else(|| std::io::Error::other("cannot delete")),
    })
}
