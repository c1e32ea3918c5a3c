//! `clause check`: everything `build` does except writing.

use std::process::ExitCode;

use crate::cli::{status, SiteArgs, EXIT_PROBLEMS};

/// Runs the command.
pub fn run(args: &SiteArgs) -> ExitCode {
    match super::prepare(args) {
        Some((site, _files, _)) => {
            if args.format() != crate::diagnostics::Format::Json {
                status(&format!(
                    "ok: {}, {}; nothing written",
                    super::pages_summary(&site),
                    super::count(
                        site.inventory.cookies.len(),
                        "cookie entry",
                        "cookie entries"
                    ),
                ));
            }
            ExitCode::SUCCESS
        }
        None => ExitCode::from(EXIT_PROBLEMS),
    }
}
