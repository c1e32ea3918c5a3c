//! `clause check`: everything `build` does except writing.

use std::process::ExitCode;

use crate::cli::{status, SiteArgs, EXIT_PROBLEMS};

/// Runs the command.
pub fn run(args: &SiteArgs) -> ExitCode {
    match super::prepare(args) {
        Some((site, _files, _)) => {
            if args.format() != crate::diagnostics::Format::Json {
                status(&format!(
                    "ok: {} {} in {} {}, {} {}; nothing written",
                    site.pages.len(),
                    if site.pages.len() == 1 {
                        "page"
                    } else {
                        "pages"
                    },
                    site.config.locales.len(),
                    if site.config.locales.len() == 1 {
                        "locale"
                    } else {
                        "locales"
                    },
                    site.inventory.cookies.len(),
                    if site.inventory.cookies.len() == 1 {
                        "cookie entry"
                    } else {
                        "cookie entries"
                    },
                ));
            }
            ExitCode::SUCCESS
        }
        None => ExitCode::from(EXIT_PROBLEMS),
    }
}
