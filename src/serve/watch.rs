//! The watcher of `clause serve`: the site's source files and folders ([`crate::layout`]),
//! each burst of saves reported once, as "what changed".

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};

use crate::layout;

/// How long the files must stay quiet before a rebuild: an editor's save (write a
/// temporary file, rename it over the old one) is one burst of events, and one rebuild.
/// Hand-written rather than a debouncer crate: a quiet period is four lines, and the
/// window must stay short for the edit-to-reload budget (100 ms).
const QUIET: Duration = Duration::from_millis(25);

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
        let watched = layout::SOURCE_DIRS.contains(&first)
            || (layout::SOURCE_FILES.contains(&first) && rel.components().count() == 1);
        watched.then(|| rel.display().to_string())
    })
}

/// The watcher and where its events arrive.
pub struct Watch {
    watcher: notify::RecommendedWatcher,
    events: mpsc::Receiver<notify::Event>,
    watched: Vec<PathBuf>,
}

impl Watch {
    /// Starts watching the root alone (not output/, .git or target/) and each source
    /// folder in depth. Started before the server says it is ready, so that no save
    /// made after that message is missed.
    pub fn start(root: &Path) -> notify::Result<Watch> {
        let (tx, events) = mpsc::channel();
        // Folder links are not followed: one out of the site (to `$HOME`, `/`) would be
        // walked and watched whole, and links that multiply a folder would be walked
        // exponentially. The build reads through them (and refuses those that lead out).
        let mut watcher = notify::RecommendedWatcher::new(
            move |res: notify::Result<notify::Event>| {
                if let Ok(event) = res {
                    let _ = tx.send(event);
                }
            },
            notify::Config::default().with_follow_symlinks(false),
        )?;
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
        for d in layout::SOURCE_DIRS {
            let p = root.join(d);
            // A source folder that is itself a link is not watched (see `start`).
            let linked = std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink());
            if !linked
                && p.is_dir()
                && !self.watched.contains(&p)
                && self.watcher.watch(&p, RecursiveMode::Recursive).is_ok()
            {
                self.watched.push(p);
            }
        }
    }

    /// Calls `changed` with what changed ("content/en/cookies.md changed") after each
    /// burst of changes, until the watcher stops.
    pub fn run(mut self, root: &Path, changed: impl Fn(&str)) {
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
            changed(&why);
        }
    }
}
