//! `clause build`: validate, render on every core, and publish atomically and incrementally.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use crate::cli::{BuildArgs, SiteArgs};
use crate::diagnostics::display_path;
use crate::escape::terminal::show;
use crate::fingerprint;
use crate::input::Input;
use crate::output::{self, OutputError, Plan, PortalPublisher, Publisher};
use crate::site::Site;
use crate::term::{Exit, Term};
use crate::text::{self, count, plural};

fn output_error(args: &SiteArgs, e: &OutputError) -> Exit {
    let help = error_help(e);
    let after = match e {
        OutputError::Midway(_) => {
            "some portals were replaced and the others not, each whole: build again to finish"
        }
        _ => "the previous output, if any, is unchanged",
    };
    Term::new(args.messages.format()).error(&e.to_string(), &help, Some(after));
    Exit::Problems
}

/// How to fix an output problem.
fn error_help(e: &OutputError) -> String {
    match e {
        OutputError::NotOurs(_) => "choose an empty or new folder with --output; Clause only replaces folders it made (they hold a `.clause-output` file)".into(),
        OutputError::NotADir(_) => "remove that file or choose another folder with --output".into(),
        OutputError::Link(_) => "give the folder the link leads to with --output, or another folder".into(),
        OutputError::Sources { .. } => "choose a folder for the built site that holds none of the site's sources, e.g. `--output output` (the default: `output/` in the site folder)".into(),
        OutputError::MountPoint(_) => "Clause writes the new build beside the output folder and swaps it in: give a folder inside the mounted one with --output".into(),
        OutputError::UnsafePath(_) => "this is a bug in the theme or in Clause; please report it".into(),
        OutputError::Conflict(p) => format!(
            "Clause never replaces a file it did not write: move `{}` away (a file to publish goes in the site's static/ folder), then build again",
            p.display()
        ),
        OutputError::Io { source, .. } if no_space(source) => "free some space on that disk: the new build is written beside the output folder before it replaces it".into(),
        OutputError::Io { .. } => "check that the output folder and the folder that holds it can be written".into(),
        OutputError::Midway(inner) => error_help(inner),
    }
}

/// Whether an error says that the disk (or the user's quota) is full.
fn no_space(e: &std::io::Error) -> bool {
    let full = [rustix::io::Errno::NOSPC, rustix::io::Errno::DQUOT];
    e.raw_os_error()
        .is_some_and(|code| full.iter().any(|f| f.raw_os_error() == code))
}

/// Names what the survey of the output found besides Clause's own files: files put in by
/// hand (kept) and files of Clause's changed or deleted since it wrote them (written
/// again by this build).
fn report_output(
    args: &SiteArgs,
    shown: &str,
    existing: &output::Existing,
    adopted: &[PathBuf],
    platform: bool,
) {
    let adopted: std::collections::HashSet<&PathBuf> = adopted.iter().collect();
    let foreign: Vec<String> = existing
        .scan
        .foreign
        .iter()
        .filter(|p| !adopted.contains(p))
        .map(|p| format!("{shown}/{}", p.to_string_lossy()))
        .collect();
    if !foreign.is_empty() {
        let help = if platform {
            "to publish files of your own, put them in the site's `static/` folder (copied into every portal) or in `sites/<id>/static/` (one portal): Clause copies them on every build"
        } else {
            "to publish files of your own, put them in the site's `static/` folder: Clause copies it into the output on every build"
        };
        let message = format!(
            "{shown}/ holds {} that Clause did not write; {} kept as {}: {}",
            count(foreign.len(), "file", "files"),
            plural(foreign.len(), "it is", "they are"),
            plural(foreign.len(), "it is", "they are"),
            preview(&foreign)
        );
        warn(args, &message, help);
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
            preview(&drifted)
        );
        warn(args, &message, "edit the site's sources, not the output: Clause writes its own files again whenever they differ from what it wrote");
    }
}

/// The first ten names, then how many more.
fn preview(names: &[String]) -> String {
    text::preview(names, 10)
}

fn warn(args: &SiteArgs, message: &str, help: &str) {
    Term::new(args.messages.format()).warning(message, help);
}

/// Runs the command.
pub fn run(build: &BuildArgs) -> Exit {
    let args = &build.site;
    let output = build.output.as_deref();
    let root = &args.root.root;
    let term = Term::new(args.messages.format());
    let start = Instant::now();
    let given = output.map_or_else(|| root.join("output"), Path::to_path_buf);
    // Resolved and checked before anything is read from it or written beside it.
    let out_dir = match output::resolve(root, &given) {
        Ok(d) => d,
        Err(e) => return output_error(args, &e),
    };
    let shown = match std::fs::canonicalize(root) {
        Ok(root) => display_path(&root, &out_dir),
        Err(_) => display_path(root, &given),
    };
    let shown = show(&shown).into_owned();
    let input = Input::Disk(root.clone());
    // Hashed once: the whole build's fingerprint and, on a platform, each portal's derive from it.
    let shared = fingerprint::shared(&input);
    let print = fingerprint::of_site_from(shared.clone(), &input);
    let existing = output::survey(&out_dir);
    // Nothing changed since the last build, and its files are as it wrote them: its output
    // is already what this one would write.
    if !args.strict && existing.record.fingerprint == print && existing.scan.intact() {
        output::clean_stale(&out_dir);
        term.note(&format!(
            "{shown} is up to date: nothing changed since the last build ({} ms)",
            start.elapsed().as_millis()
        ));
        return Exit::Success;
    }
    let Some((sites, sources, diags)) = super::load(args) else {
        return Exit::Problems;
    };
    if sites.iter().any(|s| s.id.is_some()) {
        let ctx = Platform {
            args,
            out_dir: &out_dir,
            shown: &shown,
            print: &print,
            shared: &shared,
            start,
        };
        return build_platform(&ctx, existing, &sites, &sources, diags);
    }
    // Files put in by hand: kept by this build, and named.
    let mut existing = existing;
    existing.scan.foreign = output::find_foreign(&out_dir, &existing, None);
    let publisher = match Publisher::begin(&out_dir, &print) {
        Ok(p) => p,
        Err(e) => {
            // Still report the site's warnings before the output problem.
            super::finish_diagnostics(args, &sources, diags, Vec::new());
            return output_error(args, &e);
        }
    };
    let all: Vec<&Site> = sites.iter().collect();
    if let Err(code) = render_checked(args, &all, &sources, diags, &|path, bytes| {
        publisher.write(path, bytes)
    }) {
        publisher.abort();
        return code;
    }
    let done = match publisher.commit(&existing) {
        Ok(s) => s,
        Err(e) => return output_error(args, &e),
    };
    report_output(args, &shown, &existing, &done.adopted, false);
    let stats = done.stats;
    term.note(&format!(
        "built {} into {shown}: {} written, {} unchanged, {} removed ({} ms)",
        super::pages_summary(&sites),
        count(stats.written, "file", "files"),
        stats.unchanged,
        stats.removed,
        start.elapsed().as_millis()
    ));
    Exit::Success
}

/// Renders `sites` on every core into `write`, with a progress bar on a terminal, and
/// prints every problem. `Err` holds the exit status when nothing may be published (the
/// caller then throws its staging folder away).
fn render_checked(
    args: &SiteArgs,
    sites: &[&Site],
    sources: &crate::diagnostics::Sources,
    diags: crate::diagnostics::Diagnostics,
    write: super::Sink<OutputError>,
) -> Result<(), Exit> {
    let pages: usize = sites.iter().map(|s| s.pages.len()).sum();
    let bar = progress(args, sites.len(), pages);
    let rendered = super::with_jobs(args.jobs, || {
        super::render_all(sites, write, &|| bar.inc(1))
    });
    bar.finish_and_clear();
    let (render_errors, write_error) = match rendered {
        Ok(_) => (Vec::new(), None),
        Err((d, e)) => (d, e),
    };
    let ok = super::finish_diagnostics(args, sources, diags, render_errors);
    if let Some(e) = write_error {
        return Err(output_error(args, &e));
    }
    if ok {
        Ok(())
    } else {
        Err(Exit::Problems)
    }
}

/// What a platform build needs besides the sites.
struct Platform<'a> {
    args: &'a SiteArgs,
    out_dir: &'a Path,
    shown: &'a str,
    print: &'a str,
    shared: &'a blake3::Hasher,
    start: Instant,
}

fn progress(args: &SiteArgs, sites: usize, pages: usize) -> indicatif::ProgressBar {
    if std::io::stderr().is_terminal() && pages > 300 && !Term::new(args.messages.format()).json() {
        indicatif::ProgressBar::new(sites as u64)
    } else {
        indicatif::ProgressBar::hidden()
    }
}

/// Builds a platform: only the portals whose inputs changed are rendered, each swapped in
/// whole; the others are not touched.
fn build_platform(
    p: &Platform,
    mut existing: output::Existing,
    sites: &[Site],
    sources: &crate::diagnostics::Sources,
    diags: crate::diagnostics::Diagnostics,
) -> Exit {
    let args = p.args;
    let input = Input::Disk(args.root.root.clone());
    let shared = p.shared;
    let record = &existing.record;
    let previous: std::collections::HashMap<&str, &str> = record
        .portals
        .iter()
        .map(|(id, fp)| (id.as_str(), fp.as_str()))
        .collect();
    // Portals with a file changed or deleted since the last build are written again.
    let dirty = existing.scan.dirty_portals();
    // Each portal's fingerprint reads its files: done on every core.
    let prints: Vec<(String, String)> = super::with_jobs(args.jobs, || {
        sites
            .par_iter()
            .filter_map(|s| {
                let id = s.id.clone()?;
                let c = &s.config;
                let settings = format!(
                    "{:?}",
                    (&c.base_url, &c.locales, &c.default_locale, &c.params)
                );
                let fp = fingerprint::of_portal(shared, &input, &id, &settings);
                Some((id, fp))
            })
            .collect()
    });
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
    let current: std::collections::HashSet<&str> =
        prints.iter().map(|(id, _)| id.as_str()).collect();
    let gone: Vec<String> = record
        .portals
        .iter()
        .filter(|(id, _)| !current.contains(id.as_str()))
        .map(|(id, _)| id.clone())
        .collect();
    // Files put in by hand into the portals that change, or beside the portals: kept, and
    // named. The untouched portals are not walked (their files are not touched either).
    let changing: std::collections::HashSet<&str> = rebuild
        .iter()
        .filter_map(|s| s.id.as_deref())
        .chain(gone.iter().map(String::as_str))
        .collect();
    existing.scan.foreign = output::find_foreign(p.out_dir, &existing, Some(&changing));
    let publisher = match PortalPublisher::begin(p.out_dir) {
        Ok(x) => x,
        Err(e) => {
            super::finish_diagnostics(args, sources, diags, Vec::new());
            return output_error(args, &e);
        }
    };
    if let Err(code) = render_checked(args, &rebuild, sources, diags, &|path, bytes| {
        publisher.write(path, bytes)
    }) {
        publisher.abort();
        return code;
    }
    let rebuilt: Vec<String> = rebuild.iter().filter_map(|s| s.id.clone()).collect();
    let plan = Plan {
        fingerprint: p.print,
        portals: &prints,
        rebuilt: &rebuilt,
        gone: &gone,
    };
    let done = match publisher.commit(&plan, &existing) {
        Ok(s) => s,
        Err(e) => return output_error(args, &e),
    };
    report_output(args, p.shown, &existing, &done.adopted, true);
    let stats = done.stats;
    Term::new(args.messages.format()).note(&format!(
        "built {} into {}: {} rebuilt ({} written, {} unchanged), {} untouched, {} removed ({} ms)",
        super::pages_summary(sites),
        p.shown,
        count(rebuilt.len(), "portal", "portals"),
        count(stats.written, "file", "files"),
        stats.unchanged,
        count(sites.len() - rebuilt.len(), "portal", "portals"),
        count(stats.removed, "file", "files"),
        p.start.elapsed().as_millis()
    ));
    Exit::Success
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io(code: rustix::io::Errno) -> OutputError {
        OutputError::Io {
            path: "output".into(),
            source: std::io::Error::from_raw_os_error(code.raw_os_error()),
        }
    }

    #[test]
    fn only_a_full_disk_is_blamed_on_free_space() {
        for full in [rustix::io::Errno::NOSPC, rustix::io::Errno::DQUOT] {
            assert!(error_help(&io(full)).contains("free some space"));
        }
        for other in [
            rustix::io::Errno::ACCESS,
            rustix::io::Errno::BUSY,
            rustix::io::Errno::NOTDIR,
            rustix::io::Errno::ROFS,
        ] {
            let help = error_help(&io(other));
            assert!(!help.contains("space"), "{other:?}: {help}");
        }
        let midway = OutputError::Midway(Box::new(io(rustix::io::Errno::NOSPC)));
        assert!(error_help(&midway).contains("free some space"));
    }
}
