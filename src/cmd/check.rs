//! `clause check`: everything `build` does except writing.

use crate::build::{self, Options, Target};
use crate::cli::SiteArgs;
use crate::term::{Exit, Term};

/// Runs the command.
pub fn run(args: &SiteArgs) -> Exit {
    let term = Term::new(args.messages.format());
    let opts = Options {
        root: args.root.root.clone(),
        target: Target::None,
        strict: args.strict,
        drafts: args.drafts,
        jobs: args.jobs,
        progress: None,
    };
    match build::run(&opts) {
        Ok(done) => {
            super::print_report(&term, &done.report);
            super::print_notes(&term, &done.summary.notes);
            super::print_drafts(&term, &done.summary);
            let s = &done.summary;
            term.note(&format!(
                "ok: {}, {}; nothing written",
                s.pages(),
                s.cookies()
            ));
            Exit::Success
        }
        Err(failure) => super::print_failure(&term, &failure),
    }
}
