//! One module per command, each the same shape: its arguments (from `cli`) become the
//! library's options, one call does the work, and the command prints what came back
//! through [`crate::term`] and returns the exit status. What several commands print the
//! same way is here.

pub mod audit;
pub mod build;
pub mod check;
pub mod diff;
pub mod export;
pub mod init;
#[cfg(feature = "scan")]
pub mod scan;
pub mod serve;

use std::path::Path;

use crate::build::{Failure, Report, Summary};
use crate::escape::terminal::show;
use crate::site::{self, Site};
use crate::term::{status, usage_error, Exit, Term};

/// Prints the site's problems (and the summary line), then why `--strict` refused them.
pub fn print_report(term: &Term, report: &Report) {
    term.diagnostics(&report.sources, &report.diags);
    if report.strict_refused {
        status("error: --strict turns the warnings above into errors; nothing was written");
    }
}

/// Prints what the user should know that is no problem (`note: …`), after the problems.
pub fn print_notes(term: &Term, notes: &[String]) {
    for n in notes {
        term.note(&format!("note: {n}"));
    }
}

/// Names each draft a build left out, one line each.
pub fn print_drafts(term: &Term, summary: &Summary) {
    for file in &summary.drafts {
        term.note(&format!(
            "note: {} is a draft: left out (`--drafts` builds it)",
            show(file)
        ));
    }
}

/// Prints why a build published nothing; the exit status.
pub fn print_failure(term: &Term, failure: &Failure) -> Exit {
    match failure {
        Failure::Site(report) => print_report(term, report),
        Failure::Output { report, error } => {
            print_report(term, report);
            term.error(&error.to_string(), &error.help(), Some(error.aftermath()));
        }
    }
    Exit::Problems
}

/// The site a command that reads one without building it works on (`export`, `audit`):
/// the only one, or the portal named by `--portal`. `Err` holds the exit status once the
/// problem is printed: the site's problems end with "fix them before `doing`".
pub fn site_for(
    root: &Path,
    portal: Option<&str>,
    term: &Term,
    doing: &str,
    failed: Exit,
) -> Result<Site, Exit> {
    site_and_report_for(root, portal, term, doing, failed).map(|(site, _)| site)
}

/// [`site_for`], with the files read and the warnings found, for a command that reports
/// problems of its own about the site.
pub fn site_and_report_for(
    root: &Path,
    portal: Option<&str>,
    term: &Term,
    doing: &str,
    failed: Exit,
) -> Result<(Site, Report), Exit> {
    let (sites, report) = match crate::build::load(root) {
        Ok(loaded) => loaded,
        Err(report) => {
            term.site_failed(
                &report.sources,
                &report.diags,
                &format!("the site has problems (above); fix them before {doing}"),
            );
            return Err(failed);
        }
    };
    // On a platform each portal has its own inventory: say which one.
    let site = site::pick(sites, portal).map_err(|e| usage_error(&e.to_string(), &e.help()))?;
    Ok((site, report))
}
