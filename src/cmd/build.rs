//! `clause build`: validate, render on every core, and publish atomically and incrementally.

use std::time::Instant;

use super::args::BuildArgs;
use crate::build::{self, Options, Target, Written};
use crate::term::{BuildProgress, Exit, Term};
use crate::text::count;

/// Runs the command.
pub fn run(args: &BuildArgs) -> Exit {
    let start = Instant::now();
    let term = Term::new(args.site.messages.format());
    let bar = BuildProgress::new(&term);
    let opts = Options {
        root: args.site.root.root.clone(),
        target: Target::Disk(args.output.clone()),
        strict: args.site.strict,
        drafts: args.site.drafts,
        jobs: args.site.jobs,
        progress: Some(&bar),
    };
    let done = match build::run(&opts) {
        Ok(done) => done,
        Err(failure) => return super::print_failure(&term, &failure),
    };
    super::print_report(&term, &done.report);
    super::print_notes(&term, &done.summary.notes);
    super::print_drafts(&term, &done.summary);
    let ms = start.elapsed().as_millis();
    let pages = done.summary.pages();
    match &done.written {
        Written::UpToDate { output } => term.note(&format!(
            "{output} is up to date: nothing changed since the last build ({ms} ms)"
        )),
        Written::Disk {
            output,
            stats,
            portals,
            notes,
        } => {
            for n in notes {
                term.warning(&n.message, n.help);
            }
            term.note(&match portals {
                None => format!(
                    "built {pages} into {output}: {} written, {} unchanged, {} removed ({ms} ms)",
                    count(stats.written, "file", "files"),
                    stats.unchanged,
                    stats.removed,
                ),
                Some((rebuilt, untouched)) => format!(
                    "built {pages} into {output}: {} rebuilt ({} written, {} unchanged), {} untouched, {} removed ({ms} ms)",
                    count(*rebuilt, "portal", "portals"),
                    count(stats.written, "file", "files"),
                    stats.unchanged,
                    count(*untouched, "portal", "portals"),
                    count(stats.removed, "file", "files"),
                ),
            });
        }
        Written::Nothing | Written::Memory(_) => {}
    }
    if let Some(v) = done.summary.versions {
        term.note(&v.line());
    }
    Exit::Success
}
