//! `clause export`: the inventory in the form another tool reads, on stdout.

use std::io::Write;

use crate::cli::{ExportArgs, ExportFormat};
use crate::diagnostics::Diagnostics;
use crate::export::{self, Tool};
use crate::term::{usage_error, Exit, Term};

/// Runs the command.
pub fn run(args: &ExportArgs) -> Exit {
    let term = Term::new(args.messages.format());
    let portal = args.portal.as_deref();
    let (site, report) = match super::site_and_report_for(
        &args.root.root,
        portal,
        &term,
        "exporting",
        Exit::Problems,
    ) {
        Ok(loaded) => loaded,
        Err(exit) => return exit,
    };
    let locales = match export::locales(&site, args.locale.as_deref()) {
        Ok(l) => l,
        Err(e) => return usage_error(&e.to_string(), &e.help()),
    };
    let tool = match args.format {
        ExportFormat::Klaro => Tool::Klaro,
        ExportFormat::Cookieconsent => Tool::Cookieconsent,
        ExportFormat::Json => Tool::Json,
        ExportFormat::Csv => Tool::Csv,
    };
    // The banner's own cookie: set on every visit, so the policy must list it.
    if let Some(d) = export::undeclared_consent_cookie(&site, tool) {
        let mut warning = Diagnostics::default();
        warning.push(d);
        term.diagnostics(&report.sources, &warning);
    }
    // A closed pipe (`clause export … | head`) is not an error.
    let _ = std::io::stdout().write_all(&export::for_tool(&site, tool, &locales));
    Exit::Success
}
