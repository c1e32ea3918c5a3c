//! `clause check`: everything `build` does except writing.

use std::process::ExitCode;

use crate::cli::{status, SiteArgs, EXIT_PROBLEMS};
use crate::diagnostics::Format;

/// Runs the command.
pub fn run(args: &SiteArgs) -> ExitCode {
    let Some((sites, sources, diags)) = super::load(args) else {
        return ExitCode::from(EXIT_PROBLEMS);
    };
    let rendered = super::with_jobs(args.jobs, || {
        let all: Vec<&_> = sites.iter().collect();
        super::render_all::<()>(&all, &|_, _| Ok(()), &|| {})
    });
    let render_errors = rendered.err().map(|(e, _)| e).unwrap_or_default();
    if !super::finish_diagnostics(args, &sources, diags, render_errors) {
        return ExitCode::from(EXIT_PROBLEMS);
    }
    if args.format() != Format::Json {
        let cookies: usize = sites.iter().map(|s| s.inventory.cookies.len()).sum();
        let what = if sites.len() == 1 {
            super::count(cookies, "cookie entry", "cookie entries")
        } else {
            super::count(cookies, "cookie entry in all", "cookie entries in all")
        };
        status(&format!(
            "ok: {}, {what}; nothing written",
            super::pages_summary(&sites)
        ));
    }
    ExitCode::SUCCESS
}
