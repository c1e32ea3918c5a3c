//! `clause check`: everything `build` does except writing.

use crate::cli::SiteArgs;
use crate::term::{Exit, Term};
use crate::text::count;

/// Runs the command.
pub fn run(args: &SiteArgs) -> Exit {
    let Some((sites, sources, diags)) = super::load(args) else {
        return Exit::Problems;
    };
    let rendered = super::with_jobs(args.jobs, || {
        let all: Vec<&_> = sites.iter().collect();
        super::render_all::<()>(&all, &|_, _| Ok(()), &|| {})
    });
    let render_errors = rendered.err().map(|(e, _)| e).unwrap_or_default();
    if !super::finish_diagnostics(args, &sources, diags, render_errors) {
        return Exit::Problems;
    }
    let term = Term::new(args.messages.format());
    {
        let cookies: usize = sites.iter().map(|s| s.inventory.cookies.len()).sum();
        let what = if sites.len() == 1 {
            count(cookies, "cookie entry", "cookie entries")
        } else {
            count(cookies, "cookie entry in all", "cookie entries in all")
        };
        term.note(&format!(
            "ok: {}, {what}; nothing written",
            super::pages_summary(&sites)
        ));
    }
    Exit::Success
}
