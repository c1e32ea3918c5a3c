//! `clause serve`: build in memory, serve on 127.0.0.1, rebuild on every save and reload
//! the open pages. Nothing is written to disk: `output/` is left as it is.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher};

use crate::cli::ServeArgs;
use crate::diagnostics::{self, Format};
use crate::escape::terminal::show;
use crate::input::Input;
use crate::layout;
use crate::serve::{self, State};
use crate::site;
use crate::term::{self, status, usage_error, Exit};
use crate::text::count;

/// The folders and files of a site that a save in triggers a rebuild.
const WATCHED_DIRS: [&str; 4] = layout::SOURCE_DIRS;
const WATCHED_FILES: [&str; 2] = layout::SOURCE_FILES;

/// How long the files must stay quiet before a rebuild: an editor's save (write a
/// temporary file, rename it over the old one) is one burst of events, and one rebuild.
/// Hand-written rather than a debouncer crate: a quiet period is four lines, and the
/// window must stay short for the edit-to-reload budget (100 ms).
const QUIET: Duration = Duration::from_millis(25);

/// A build in memory: the files, or the problems as plain text (for the page's banner)
/// and as the terminal shows them.
struct Built {
    files: Option<HashMap<String, Vec<u8>>>,
    pages: usize,
    plain: String,
    shown: String,
}

fn build(root: &Path, format: Format) -> Built {
    let loaded = site::load(&Input::Disk(root.to_path_buf()));
    let mut diags = loaded.diags;
    let mut files = None;
    let mut pages = 0;
    if !loaded.sites.is_empty() {
        let out: Mutex<HashMap<String, Vec<u8>>> = Mutex::new(HashMap::new());
        let sites: Vec<&site::Site> = loaded.sites.iter().collect();
        let sink = |path: &str, bytes: &[u8]| -> Result<(), ()> {
            if let Ok(mut m) = out.lock() {
                m.insert(path.to_string(), bytes.to_vec());
            }
            Ok(())
        };
        match super::render_all(&sites, &sink, &|| {}) {
            Ok(n) => {
                pages = n;
                files = out.into_inner().ok();
            }
            Err((errors, _)) => {
                for e in errors {
                    diags.push(e);
                }
            }
        }
    }
    let plain = diagnostics::report(&loaded.sources, &diags, Format::Human);
    let shown = diagnostics::report(&loaded.sources, &diags, format);
    Built {
        files,
        pages,
        plain,
        shown,
    }
}

/// Builds and publishes to the server; prints what happened.
fn rebuild(root: &Path, format: Format, state: &State, why: &str) {
    let start = Instant::now();
    let b = build(root, format);
    let ms = start.elapsed().as_millis();
    if !b.shown.is_empty() {
        let _ = std::io::Write::write_all(&mut std::io::stderr(), b.shown.as_bytes());
    }
    match b.files {
        Some(files) => {
            state.publish(files);
            status(&format!(
                "{}: built {} in {ms} ms",
                show(why),
                count(b.pages, "page", "pages")
            ));
        }
        None => {
            state.fail(b.plain);
            status(&format!(
                "{}: the build failed (above); still serving the last good version",
                show(why)
            ));
        }
    }
}

/// Whether an event concerns the site's sources (not `output/`, `.git`, editors' own
/// reads). Paths are under `root`, which is canonical.
fn relevant(root: &Path, event: &notify::Event) -> Option<String> {
    if matches!(event.kind, EventKind::Access(_)) {
        return None;
    }
    // A rename names the old path first and the new one last.
    event.paths.iter().rev().find_map(|p| {
        let rel = p.strip_prefix(root).ok()?;
        let first = rel.components().next()?.as_os_str().to_str()?;
        let watched = WATCHED_DIRS.contains(&first)
            || (WATCHED_FILES.contains(&first) && rel.components().count() == 1);
        watched.then(|| rel.display().to_string())
    })
}

/// The watcher and where its events arrive.
struct Watch {
    watcher: notify::RecommendedWatcher,
    events: mpsc::Receiver<notify::Event>,
    watched: Vec<PathBuf>,
}

impl Watch {
    /// Starts watching the root alone (not output/, .git or target/) and each source
    /// folder in depth. Started before the server says it is ready, so that no save
    /// made after that message is missed.
    fn start(root: &Path) -> notify::Result<Watch> {
        let (tx, events) = mpsc::channel();
        let mut watcher =
            notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
                if let Ok(event) = res {
                    let _ = tx.send(event);
                }
            })?;
        watcher.watch(root, RecursiveMode::NonRecursive)?;
        let mut w = Watch {
            watcher,
            events,
            watched: Vec::new(),
        };
        w.add_dirs(root);
        Ok(w)
    }

    /// Watches the source folders not yet watched (e.g. themes/, created after the start).
    fn add_dirs(&mut self, root: &Path) {
        for d in WATCHED_DIRS {
            let p = root.join(d);
            if p.is_dir()
                && !self.watched.contains(&p)
                && self.watcher.watch(&p, RecursiveMode::Recursive).is_ok()
            {
                self.watched.push(p);
            }
        }
    }

    /// Rebuilds after each burst of changes, until the watcher stops.
    fn run(mut self, root: &Path, format: Format, state: &State) {
        while let Ok(event) = self.events.recv() {
            let Some(mut last) = relevant(root, &event) else {
                continue;
            };
            let mut more = 0usize;
            loop {
                match self.events.recv_timeout(QUIET) {
                    Ok(e) => {
                        // The last path named is the saved file (an editor's temporary
                        // file comes first, then the rename onto the real one).
                        if let Some(p) = relevant(root, &e) {
                            if p != last {
                                more += 1;
                                last = p;
                            }
                        }
                    }
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            self.add_dirs(root);
            let why = if more == 0 {
                format!("{last} changed")
            } else {
                format!("{last} and {more} more changed")
            };
            rebuild(root, format, state, &why);
        }
    }
}

/// Runs the command until interrupted.
pub fn run(args: &ServeArgs) -> Exit {
    let root = match std::fs::canonicalize(&args.root.root) {
        Ok(r) if r.is_dir() => r,
        _ => {
            return usage_error(
                &format!("`{}` is not a folder", args.root.root.display()),
                "give the folder that holds site.toml with --root",
            )
        }
    };
    // Loopback only: the preview shows unpublished text and must not be reachable from
    // the network.
    let listener = match std::net::TcpListener::bind(("127.0.0.1", args.port)) {
        Ok(s) => s,
        Err(e) => {
            return usage_error(
                &format!("cannot listen on 127.0.0.1:{}: {e}", args.port),
                "another program uses this port: choose another with --port, e.g. --port 1112",
            )
        }
    };
    let port = listener.local_addr().map_or(args.port, |a| a.port());
    let format = term::format(false);
    let state = Arc::new(State::default());
    let watch = Watch::start(&root);
    rebuild(&root, format, &state, "first build");
    let url = format!("http://127.0.0.1:{port}/");
    status(&format!(
        "serving {} at {url} (press Ctrl-C to stop)",
        show(&args.root.root.display().to_string())
    ));
    if args.open {
        if let Err(e) = opener::open_browser(&url) {
            status(&format!(
                "warning: could not open a browser: {}",
                show(&e.to_string())
            ));
        }
    }
    match watch {
        Ok(w) => {
            let state = Arc::clone(&state);
            std::thread::spawn(move || w.run(&root, format, &state));
        }
        Err(e) => status(&format!(
            "warning: cannot watch the site's files ({}); restart `clause serve` to see changes",
            show(&e.to_string())
        )),
    }
    match serve::run(listener, state) {
        Ok(()) => Exit::Success,
        Err(e) => {
            status(&format!("error: the preview server stopped: {e}"));
            Exit::Problems
        }
    }
}
