//! `clause build`: validate, render on every core, and publish atomically and incrementally.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use rayon::prelude::*;

use crate::cli::{status, SiteArgs, EXIT_PROBLEMS};
use crate::diagnostics::{display_path, Format};
use crate::escape::terminal::show;
use crate::fingerprint;
use crate::input::Input;
use crate::output::{self, OutputError, PortalPublisher, Publisher};
use crate::site::Site;

fn output_error(args: &SiteArgs, e: &OutputError) -> ExitCode {
    let help = match e {
        OutputError::NotOurs(_) => "choose an empty or new folder with --output; Clause only replaces folders it made (they hold a `.clause-output` file)",
        OutputError::NotADir(_) => "remove that file or choose another folder with --output",
        OutputError::UnsafePath(_) => "this is a bug in the theme or in Clause; please report it",
        OutputError::Io { .. } => "check the free space and the permissions of the output folder's parent",
    };
    if args.format() == Format::Json {
        status(
            &serde_json::json!({"severity": "error", "message": e.to_string(), "help": help})
                .to_string(),
        );
    } else {
        status(&format!(
            "error: {}\n  = help: {help}\nthe previous output, if any, is unchanged",
            show(&e.to_string())
        ));
    }
    ExitCode::from(EXIT_PROBLEMS)
}

/// Runs the command.
pub fn run(args: &SiteArgs, output: Option<&Path>) -> ExitCode {
    let start = Instant::now();
    let out_dir = output.map_or_else(|| args.root.join("output"), Path::to_path_buf);
    let shown = show(&display_path(&args.root, &out_dir)).into_owned();
    // Nothing changed since the last build: its output is already what this one would write.
    let input = Input::Disk(args.root.clone());
    // Hashed once: the whole build's fingerprint and, on a platform, each portal's derive from it.
    let shared = fingerprint::shared(&input);
    let print = fingerprint::of_site_from(shared.clone(), &input);
    if !args.strict && output::up_to_date(&out_dir, &print) {
        output::clean_stale(&out_dir);
        if args.format() != Format::Json {
            status(&format!(
                "{shown} is up to date: nothing changed since the last build ({} ms)",
                start.elapsed().as_millis()
            ));
        }
        return ExitCode::SUCCESS;
    }
    let Some((sites, sources, diags)) = super::load(args) else {
        return ExitCode::from(EXIT_PROBLEMS);
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
        return build_platform(&ctx, &sites, &sources, diags);
    }
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
    let stats = match publisher.commit() {
        Ok(s) => s,
        Err(e) => return output_error(args, &e),
    };
    if args.format() != Format::Json {
        status(&format!(
            "built {} into {shown}: {} written, {} unchanged, {} removed ({} ms)",
            super::pages_summary(&sites),
            super::count(stats.written, "file", "files"),
            stats.unchanged,
            stats.removed,
            start.elapsed().as_millis()
        ));
    }
    ExitCode::SUCCESS
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
) -> Result<(), ExitCode> {
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
        Err(ExitCode::from(EXIT_PROBLEMS))
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
    if std::io::stderr().is_terminal() && pages > 300 && args.format() != Format::Json {
        indicatif::ProgressBar::new(sites as u64)
    } else {
        indicatif::ProgressBar::hidden()
    }
}

/// Builds a platform: only the portals whose inputs changed are rendered, each swapped in
/// whole; the others are not touched.
fn build_platform(
    p: &Platform,
    sites: &[Site],
    sources: &crate::diagnostics::Sources,
    diags: crate::diagnostics::Diagnostics,
) -> ExitCode {
    let args = p.args;
    let input = Input::Disk(args.root.clone());
    let shared = p.shared;
    let previous = output::previous_portals(p.out_dir);
    let by_id: std::collections::HashMap<&str, &output::PreviousPortal> =
        previous.iter().map(|old| (old.id.as_str(), old)).collect();
    // Each portal's fingerprint and the check that its published folder is intact read
    // files and folders: done on every core.
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
    let keep: Vec<bool> = super::with_jobs(args.jobs, || {
        prints
            .par_iter()
            .map(|(id, fp)| {
                by_id
                    .get(id.as_str())
                    .is_some_and(|old| old.intact(p.out_dir, fp))
            })
            .collect()
    });
    let rebuild: Vec<&Site> = sites
        .iter()
        .zip(&keep)
        .filter(|(_, keep)| !**keep)
        .map(|(s, _)| s)
        .collect();
    let current: std::collections::HashSet<&str> =
        prints.iter().map(|(id, _)| id.as_str()).collect();
    let gone: Vec<String> = previous
        .iter()
        .filter(|old| !current.contains(old.id.as_str()))
        .map(|old| old.id.clone())
        .collect();
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
    let stats = match publisher.commit(&rebuilt, &gone, p.print, &prints, &by_id) {
        Ok(s) => s,
        Err(e) => return output_error(args, &e),
    };
    if args.format() != Format::Json {
        status(&format!(
            "built {} into {}: {} rebuilt ({} written, {} unchanged), {} untouched, {} removed ({} ms)",
            super::pages_summary(sites),
            p.shown,
            super::count(rebuilt.len(), "portal", "portals"),
            super::count(stats.written, "file", "files"),
            stats.unchanged,
            super::count(sites.len() - rebuilt.len(), "portal", "portals"),
            super::count(stats.removed, "file", "files"),
            p.start.elapsed().as_millis()
        ));
    }
    ExitCode::SUCCESS
}
