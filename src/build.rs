//! The build engine behind `clause build`, `check` and `serve`: load the site (or every
//! portal), render every page on every core, and write the files where the command wants
//! them: the output folder (incrementally, each portal swapped in whole), memory, or
//! nowhere. One call, [`run`], returns what happened or why nothing was published; it
//! never prints: the command prints the [`Outcome`] or the [`Failure`].

// A failed build is returned once per command and carries the whole report; boxing it
// would only move that size to the heap.
#![allow(clippy::result_large_err)]

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::diagnostics::{display_path, Diagnostic, Diagnostics, Sources};
use crate::escape::terminal::show;
use crate::fingerprint;
use crate::input::Input;
use crate::layout;
use crate::output::{self, OutputError, Plan, PortalPublisher, Publisher, Stats};
use crate::record;
use crate::render;
use crate::site::{self, Site};
use crate::text::{count, plural, preview};
use crate::versions;

/// What to build, and where to.
pub struct Options<'a> {
    /// The site's folder.
    pub root: PathBuf,
    /// Where the files go.
    pub target: Target,
    /// Warnings fail the build too.
    pub strict: bool,
    /// Drafts are built too (`clause serve`, `--drafts`); otherwise they are left out.
    pub drafts: bool,
    /// Threads to render with (all cores when `None`).
    pub jobs: Option<usize>,
    /// Told how rendering goes, for a progress bar.
    pub progress: Option<&'a dyn Progress>,
}

/// Where the built files go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The output folder (`output/` under the root when `None`), replaced only by a build
    /// that succeeds, and only where something changed.
    Disk(Option<PathBuf>),
    /// Memory: the files are in the [`Outcome`] (the preview server's).
    Memory,
    /// Nowhere: everything is checked, nothing is kept.
    None,
}

/// Told how rendering goes (from the threads that render).
pub trait Progress: Sync {
    /// Rendering starts: `sites` sites (or portals) of `pages` pages in all.
    fn start(&self, sites: usize, pages: usize);
    /// A site (or portal) is rendered.
    fn site_done(&self);
    /// Rendering is over.
    fn finish(&self);
}

/// Every file read and every problem found: what a command prints first.
#[derive(Debug, Default)]
pub struct Report {
    /// The files, for quoting.
    pub sources: Sources,
    /// The problems, in the order found.
    pub diags: Diagnostics,
    /// Whether `--strict` turns the warnings into a failure (there is no error, and there
    /// are warnings).
    pub strict_refused: bool,
}

/// What a build made of the site, for the status lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Pages rendered.
    pub pages: usize,
    /// Locales of a single site; `None` on a platform.
    pub locales: Option<usize>,
    /// Sites built: 1, or the portals of a platform.
    pub sites: usize,
    /// `[[cookies]]` entries, all portals together.
    pub cookies: usize,
    /// Past commits loaded from git and found in the cache, and archived pages rendered
    /// and found in the cache (see `versions`).
    pub versions: Option<VersionWork>,
    /// What the user should know that is no problem (why pages show no version).
    pub notes: Vec<String>,
    /// The files of the drafts left out (drafts are built only when asked).
    pub drafts: Vec<String>,
}

/// The work the versions of the pages took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VersionWork {
    /// Past commits loaded from git objects.
    pub loaded: usize,
    /// Past commits whose analysis was in the cache.
    pub cached: usize,
    /// Archived pages rendered.
    pub rendered: usize,
    /// Archived pages found in the cache.
    pub reused: usize,
}

impl VersionWork {
    fn of(sites: &[&Site], pending: &record::Pending) -> Option<VersionWork> {
        let (loaded, cached) = pending.commits;
        let mut work = VersionWork {
            loaded,
            cached,
            ..VersionWork::default()
        };
        for v in sites
            .iter()
            .flat_map(|s| s.versions.pages.values())
            .flatten()
        {
            match v.archive {
                site::Archive::Render { .. } => work.rendered += 1,
                site::Archive::Cached(_) => work.reused += 1,
                site::Archive::None => {}
            }
        }
        (loaded + cached > 0).then_some(work)
    }

    /// "versions: 2 commits loaded from git, 11 found in the cache; …"
    pub fn line(&self) -> String {
        format!(
            "versions: {} loaded from git, {} found in the cache; archived pages: {} rendered, {} found in the cache",
            count(self.loaded, "commit", "commits"),
            self.cached,
            self.rendered,
            self.reused
        )
    }
}

impl Summary {
    fn of(sites: &[Site]) -> Summary {
        Summary {
            pages: sites.iter().map(|s| s.pages.len()).sum(),
            locales: match sites {
                [single] if single.id.is_none() => Some(single.config.locales.len()),
                _ => None,
            },
            sites: sites.len(),
            cookies: sites.iter().map(|s| s.inventory.cookies.len()).sum(),
            versions: None,
            notes: Vec::new(),
            drafts: Vec::new(),
        }
    }

    /// "2 pages in 2 locales" or "6000 pages of 1000 portals".
    pub fn pages(&self) -> String {
        match self.locales {
            Some(locales) => format!(
                "{} in {}",
                count(self.pages, "page", "pages"),
                count(locales, "locale", "locales")
            ),
            None => format!(
                "{} of {}",
                count(self.pages, "page", "pages"),
                count(self.sites, "portal", "portals")
            ),
        }
    }

    /// "7 cookie entries", or on a platform of several portals "9 cookie entries in all".
    pub fn cookies(&self) -> String {
        if self.sites == 1 {
            count(self.cookies, "cookie entry", "cookie entries")
        } else {
            count(self.cookies, "cookie entry in all", "cookie entries in all")
        }
    }
}

/// A warning about the output folder's own contents, with its help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// What was found.
    pub message: String,
    /// What to do about it.
    pub help: &'static str,
}

/// Where the files went.
#[derive(Debug)]
pub enum Written {
    /// Nowhere (`Target::None`).
    Nothing,
    /// Into memory: output paths (`en/cookies/index.html`, prefixed by the portal's id on a
    /// platform) and bytes.
    Memory(HashMap<String, Vec<u8>>),
    /// Nothing changed since the last build, whose output is as it wrote it: untouched.
    UpToDate {
        /// The output folder, as the user should read it.
        output: String,
    },
    /// Into the output folder.
    Disk {
        /// The output folder, as the user should read it.
        output: String,
        /// Files written, unchanged and removed.
        stats: Stats,
        /// On a platform, the portals rebuilt and those untouched.
        portals: Option<(usize, usize)>,
        /// Files in the output that Clause did not write, or changed since it wrote them.
        notes: Vec<Note>,
    },
}

/// A build that succeeded.
#[derive(Debug)]
pub struct Outcome {
    /// The warnings found (no error, or the build would have failed).
    pub report: Report,
    /// What was built (zero when the output was up to date: nothing was read).
    pub summary: Summary,
    /// Where it went.
    pub written: Written,
}

/// Why nothing (or, on a platform, not everything) was published.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The site has problems (or warnings under `--strict`): nothing was written.
    #[error("the site has problems; nothing was written")]
    Site(Report),
    /// The output folder could not be written; `report` holds the site's own warnings and
    /// problems, reported first.
    #[error("{error}")]
    Output {
        /// The site's problems found before.
        report: Report,
        /// What went wrong with the output.
        #[source]
        error: OutputError,
    },
}

/// Builds the site as `opts` says.
pub fn run(opts: &Options) -> Result<Outcome, Failure> {
    // Every step that runs on several cores (loading, rendering, writing, surveying the
    // output) runs on the same pool of `--jobs` threads.
    with_jobs(opts.jobs, || run_in_pool(opts))
}

fn run_in_pool(opts: &Options) -> Result<Outcome, Failure> {
    match &opts.target {
        Target::Disk(output) => to_disk(opts, output.as_deref()),
        Target::Memory => {
            let files: Mutex<HashMap<String, Vec<u8>>> = Mutex::new(HashMap::new());
            let outcome = in_memory(opts, &|path: &str, bytes: &[u8]| {
                if let Ok(mut m) = files.lock() {
                    m.insert(path.to_string(), bytes.to_vec());
                }
                Ok(())
            })?;
            Ok(Outcome {
                written: Written::Memory(files.into_inner().unwrap_or_default()),
                ..outcome
            })
        }
        Target::None => in_memory(opts, &|_, _| Ok(())),
    }
}

/// Loads and validates the site (or every portal), drafts left out, for the commands
/// that read it without building it (`export`, `audit`); `Err` holds its problems.
pub fn load(root: &Path) -> Result<(Vec<Site>, Report), Report> {
    load_site(root, false).map(|(sites, report, _)| (sites, report))
}

/// What loading gives a build besides the sites: the cache entries it stores once it has
/// rendered, the notes it prints and the files of the drafts left out.
struct Extra {
    pending: record::Pending,
    notes: Vec<String>,
    drafts: Vec<String>,
}

/// [`load`], with the drafts if `drafts`, and what a build needs besides.
fn load_site(root: &Path, drafts: bool) -> Result<(Vec<Site>, Report, Extra), Report> {
    let loaded = site::load_with(
        &Input::Disk(root.to_path_buf()),
        &site::Options {
            drafts,
            history: Some(&versions::Git),
        },
    );
    let report = Report {
        sources: loaded.sources,
        diags: loaded.diags,
        strict_refused: false,
    };
    if loaded.sites.is_empty() {
        return Err(report);
    }
    let extra = Extra {
        pending: loaded.pending,
        notes: loaded.notes,
        drafts: loaded.drafts,
    };
    Ok((loaded.sites, report, extra))
}

/// Where rendered files go: a path in the output folder and the bytes.
type Sink<'a, E> = &'a (dyn Fn(&str, &[u8]) -> Result<(), E> + Sync);

/// Renders `sites` into `sink` (a map, or nothing): `check` and `serve`.
fn in_memory(opts: &Options, sink: Sink<Infallible>) -> Result<Outcome, Failure> {
    let (sites, report, extra) = load_site(&opts.root, opts.drafts).map_err(Failure::Site)?;
    let Extra {
        pending,
        notes,
        drafts,
    } = extra;
    let all: Vec<&Site> = sites.iter().collect();
    // `check` keeps nothing, not even in the cache; the preview does.
    let keep = opts.target == Target::Memory;
    let cache = pending.cache.as_ref().filter(|_| keep);
    let (errors, _) = render_all(opts, &all, cache, sink);
    let report = finish(opts, report, errors).map_err(Failure::Site)?;
    if keep {
        store(&pending);
    }
    Ok(Outcome {
        report,
        summary: Summary {
            versions: VersionWork::of(&all, &pending),
            notes,
            drafts,
            ..Summary::of(&sites)
        },
        written: Written::Nothing,
    })
}

/// Renders every page of every site on every core, handing each file to `sink` as soon as
/// it is rendered, with its path in the output folder (prefixed by the portal's id on a
/// platform): no site is held in memory whole. Returns every problem met, in the order of
/// the sites and of their pages whatever the thread, and the first error of the sink.
fn render_all<E: Send>(
    opts: &Options,
    sites: &[&Site],
    cache: Option<&record::Cache>,
    sink: Sink<E>,
) -> (Vec<Diagnostic>, Option<E>) {
    let pages: usize = sites.iter().map(|s| s.pages.len()).sum();
    if let Some(p) = opts.progress {
        p.start(sites.len(), pages);
    }
    let errors: Mutex<Vec<(usize, Vec<Diagnostic>)>> = Mutex::new(Vec::new());
    let failure: Mutex<Option<E>> = Mutex::new(None);
    let stopped = AtomicBool::new(false);
    sites.par_iter().enumerate().for_each(|(i, site)| {
        // Archived versions rendered now are kept for the next builds.
        let fresh = match cache {
            Some(_) => site.versions.fresh(),
            None => HashMap::new(),
        };
        let (found, failed) = render::render_each(site, &|f: render::OutputFile| {
            // Another site's file could not be written: nothing will be published.
            if stopped.load(Ordering::Relaxed) {
                return Ok(());
            }
            if let (Some(c), Some(key)) = (cache, fresh.get(&f.path)) {
                // A cache that cannot be written costs the next build time, nothing else.
                let _ = c.put(key, &f.bytes);
            }
            let result = match &site.id {
                Some(id) => sink(&format!("{id}/{}", f.path), &f.bytes),
                None => sink(&f.path, &f.bytes),
            };
            if result.is_err() {
                stopped.store(true, Ordering::Relaxed);
            }
            result
        });
        if let Some(e) = failed {
            if let Ok(mut slot) = failure.lock() {
                slot.get_or_insert(e);
            }
        }
        if !found.is_empty() {
            if let Ok(mut all) = errors.lock() {
                all.push((i, found));
            }
        }
        if let Some(p) = opts.progress {
            p.site_done();
        }
    });
    if let Some(p) = opts.progress {
        p.finish();
    }
    let mut errors = errors.into_inner().unwrap_or_default();
    errors.sort_by_key(|(i, _)| *i);
    (
        errors.into_iter().flat_map(|(_, d)| d).collect(),
        failure.into_inner().ok().flatten(),
    )
}

/// The loader's problems with the rendering's merged in; `Err` when the build may not be
/// published: an error, or a warning under `--strict`.
fn finish(
    opts: &Options,
    mut report: Report,
    render_errors: Vec<Diagnostic>,
) -> Result<Report, Report> {
    let warnings = report.diags.counts().1;
    for e in render_errors {
        report.diags.push(e);
    }
    if report.diags.has_errors() {
        return Err(report);
    }
    if opts.strict && warnings > 0 {
        report.strict_refused = true;
        return Err(report);
    }
    Ok(report)
}

/// Runs `f` on a pool of `jobs` threads (all cores when `None`).
fn with_jobs<T: Send>(jobs: Option<usize>, f: impl FnOnce() -> T + Send) -> T {
    match jobs.and_then(|n| rayon::ThreadPoolBuilder::new().num_threads(n).build().ok()) {
        Some(pool) => pool.install(f),
        None => f(),
    }
}

/// The output folder, resolved, and how to show it.
struct Out<'a> {
    dir: PathBuf,
    shown: String,
    /// The whole build's fingerprint.
    print: String,
    /// The fingerprint of what every portal shares.
    shared: blake3::Hasher,
    opts: &'a Options<'a>,
}

fn output_failure(error: OutputError) -> Failure {
    Failure::Output {
        report: Report::default(),
        error,
    }
}

/// `clause build`: render what changed, publish it atomically.
fn to_disk(opts: &Options, output: Option<&Path>) -> Result<Outcome, Failure> {
    let root = &opts.root;
    let given = output.map_or_else(|| root.join(layout::OUTPUT), Path::to_path_buf);
    // Resolved and checked before anything is read from it or written beside it.
    let dir = output::resolve(root, &given).map_err(output_failure)?;
    let shown = match std::fs::canonicalize(root) {
        Ok(root) => display_path(&root, &dir),
        Err(_) => display_path(root, &given),
    };
    let shown = show(&shown).into_owned();
    let input = Input::Disk(root.clone());
    // Hashed once: the whole build's fingerprint and, on a platform, each portal's derive from it.
    let mut shared = fingerprint::shared(&input);
    // With drafts, other pages are built from the same files.
    if opts.drafts {
        shared.update(b"\0drafts");
    }
    let print = fingerprint::of_site_from(shared.clone(), &input);
    let existing = output::survey(&dir);
    // Nothing changed since the last build, and its files are as it wrote them: its output
    // is already what this one would write.
    if !opts.strict && existing.record.fingerprint == print && existing.scan.intact() {
        output::clean_stale(&dir);
        return Ok(Outcome {
            report: Report::default(),
            summary: Summary::default(),
            written: Written::UpToDate { output: shown },
        });
    }
    let (sites, report, extra) = load_site(root, opts.drafts).map_err(Failure::Site)?;
    let out = Out {
        dir,
        shown,
        print,
        shared,
        opts,
    };
    if sites.iter().any(|s| s.id.is_some()) {
        return platform(&out, existing, &sites, report, extra);
    }
    let Extra {
        pending,
        notes,
        drafts,
    } = extra;
    // Files put in by hand: kept by this build, and named.
    let mut existing = existing;
    existing.scan.foreign = output::find_foreign(&out.dir, &existing, None);
    let publisher = match Publisher::begin(&out.dir, &out.print) {
        Ok(p) => p,
        // The site's warnings are still reported, before the output problem.
        Err(error) => return Err(output_error(opts, report, error)),
    };
    let all: Vec<&Site> = sites.iter().collect();
    let report = match render_checked(opts, &all, report, &pending, &|path, bytes| {
        publisher.write(path, bytes)
    }) {
        Ok(r) => r,
        Err(f) => {
            publisher.abort();
            return Err(f);
        }
    };
    let done = match publisher.commit(&existing) {
        Ok(s) => s,
        Err(error) => return Err(Failure::Output { report, error }),
    };
    Ok(Outcome {
        report,
        summary: Summary {
            versions: VersionWork::of(&all, &pending),
            notes,
            drafts,
            ..Summary::of(&sites)
        },
        written: Written::Disk {
            notes: output_notes(&out.dir, &out.shown, &existing, &done.adopted, false),
            output: out.shown,
            stats: done.stats,
            portals: None,
        },
    })
}

/// An output problem met after the site loaded: its problems go first.
fn output_error(opts: &Options, report: Report, error: OutputError) -> Failure {
    let report = finish(opts, report, Vec::new()).unwrap_or_else(|r| r);
    Failure::Output { report, error }
}

/// Renders `sites` into `write`; `Err` when nothing may be published (the caller then
/// throws its staging folder away).
fn render_checked(
    opts: &Options,
    sites: &[&Site],
    report: Report,
    pending: &record::Pending,
    write: Sink<OutputError>,
) -> Result<Report, Failure> {
    let (errors, write_error) = render_all(opts, sites, pending.cache.as_ref(), write);
    let checked = finish(opts, report, errors);
    match (checked, write_error) {
        (Ok(report) | Err(report), Some(error)) => Err(Failure::Output { report, error }),
        (Ok(report), None) => {
            store(pending);
            Ok(report)
        }
        (Err(report), None) => Err(Failure::Site(report)),
    }
}

/// Stores what loading worked out about past commits, and drops the cache entries of
/// other themes and versions of Clause.
fn store(pending: &record::Pending) {
    pending.store();
    if let Some(c) = &pending.cache {
        c.prune();
    }
}

/// Builds a platform: only the portals whose inputs changed are rendered, each swapped in
/// whole; the others are not touched.
fn platform(
    out: &Out,
    mut existing: output::Existing,
    sites: &[Site],
    report: Report,
    extra: Extra,
) -> Result<Outcome, Failure> {
    let Extra {
        pending,
        notes,
        drafts,
    } = extra;
    let pending = &pending;
    let opts = out.opts;
    let input = Input::Disk(opts.root.clone());
    let record = &existing.record;
    let previous: HashMap<&str, &str> = record
        .portals
        .iter()
        .map(|(id, fp)| (id.as_str(), fp.as_str()))
        .collect();
    // Portals with a file changed or deleted since the last build are written again.
    let dirty = existing.scan.dirty_portals();
    // Each portal's fingerprint reads its files: done on every core.
    let prints: Vec<(String, String)> = sites
        .par_iter()
        .filter_map(|s| {
            let id = s.id.clone()?;
            let fp = fingerprint::of_portal(&out.shared, &input, &id, &s.config);
            Some((id, fp))
        })
        .collect();
    let keep: Vec<bool> = prints
        .iter()
        .map(|(id, fp)| {
            !existing.scan.unknown
                && previous.get(id.as_str()) == Some(&fp.as_str())
                && !dirty.contains(id.as_str())
        })
        .collect();
    let rebuild: Vec<&Site> = sites
        .iter()
        .zip(&keep)
        .filter(|(_, keep)| !**keep)
        .map(|(s, _)| s)
        .collect();
    let current: HashSet<&str> = prints.iter().map(|(id, _)| id.as_str()).collect();
    let gone: Vec<String> = record
        .portals
        .iter()
        .filter(|(id, _)| !current.contains(id.as_str()))
        .map(|(id, _)| id.clone())
        .collect();
    // Files put in by hand into the portals that change, or beside the portals: kept, and
    // named. The untouched portals are not walked (their files are not touched either).
    let changing: HashSet<&str> = rebuild
        .iter()
        .filter_map(|s| s.id.as_deref())
        .chain(gone.iter().map(String::as_str))
        .collect();
    existing.scan.foreign = output::find_foreign(&out.dir, &existing, Some(&changing));
    let publisher = match PortalPublisher::begin(&out.dir) {
        Ok(x) => x,
        Err(error) => return Err(output_error(opts, report, error)),
    };
    let report = match render_checked(opts, &rebuild, report, pending, &|path, bytes| {
        publisher.write(path, bytes)
    }) {
        Ok(r) => r,
        Err(f) => {
            publisher.abort();
            return Err(f);
        }
    };
    let rebuilt: Vec<String> = rebuild.iter().filter_map(|s| s.id.clone()).collect();
    let plan = Plan {
        fingerprint: &out.print,
        portals: &prints,
        rebuilt: &rebuilt,
        gone: &gone,
    };
    let done = match publisher.commit(&plan, &existing) {
        Ok(s) => s,
        Err(error) => return Err(Failure::Output { report, error }),
    };
    Ok(Outcome {
        report,
        summary: Summary {
            versions: VersionWork::of(&rebuild, pending),
            notes,
            drafts,
            ..Summary::of(sites)
        },
        written: Written::Disk {
            output: out.shown.clone(),
            stats: done.stats,
            portals: Some((rebuilt.len(), sites.len() - rebuilt.len())),
            notes: output_notes(&out.dir, &out.shown, &existing, &done.adopted, true),
        },
    })
}

/// What the survey of the output found besides Clause's own files: files put in by hand
/// (kept) and files of Clause's changed or deleted since it wrote them (written again by
/// this build).
fn output_notes(
    dir: &Path,
    shown: &str,
    existing: &output::Existing,
    adopted: &[PathBuf],
    platform: bool,
) -> Vec<Note> {
    let mut out = Vec::new();
    let adopted: HashSet<&PathBuf> = adopted.iter().collect();
    // Empty folders of the user's are kept too, and named with a `/`.
    let mut folders = 0;
    let foreign: Vec<String> = existing
        .scan
        .foreign
        .iter()
        .filter(|p| !adopted.contains(p))
        .map(|p| {
            let folder = std::fs::symlink_metadata(dir.join(p)).is_ok_and(|m| m.is_dir());
            folders += usize::from(folder);
            let slash = if folder { "/" } else { "" };
            format!("{shown}/{}{slash}", p.to_string_lossy())
        })
        .collect();
    if !foreign.is_empty() {
        let help = if platform {
            "to publish files of your own, put them in the site's `static/` folder (copied into every portal) or in `sites/<id>/static/` (one portal): Clause copies them on every build"
        } else {
            "to publish files of your own, put them in the site's `static/` folder: Clause copies it into the output on every build"
        };
        let files = foreign.len() - folders;
        let what = match (files, folders) {
            (_, 0) => count(files, "file", "files"),
            (0, _) => count(folders, "folder", "folders"),
            _ => format!(
                "{} and {}",
                count(files, "file", "files"),
                count(folders, "folder", "folders")
            ),
        };
        let message = format!(
            "{shown}/ holds {what} that Clause did not write; {} kept as {}: {}",
            plural(foreign.len(), "it is", "they are"),
            plural(foreign.len(), "it is", "they are"),
            preview(&foreign, 10)
        );
        out.push(Note { message, help });
    }
    let drifted: Vec<String> = existing
        .drifted()
        .iter()
        .map(|p| format!("{shown}/{p}"))
        .collect();
    if !drifted.is_empty() {
        let message = format!(
            "{} that Clause wrote {} changed or deleted since the last build, and {} written again: {}",
            count(drifted.len(), "file", "files"),
            plural(drifted.len(), "was", "were"),
            plural(drifted.len(), "is", "are"),
            preview(&drifted, 10)
        );
        out.push(Note {
            message,
            help: "edit the site's sources, not the output: Clause writes its own files again whenever they differ from what it wrote",
        });
    }
    out
}
