//! `clause build`: validate, render in memory, then publish atomically.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use crate::cli::{status, SiteArgs, EXIT_PROBLEMS};
use crate::diagnostics::{display_path, Format};
use crate::output::{self, OutputError};

/// Runs the command.
pub fn run(args: &SiteArgs, output: Option<&Path>) -> ExitCode {
    let start = Instant::now();
    let out_dir = output.map_or_else(|| args.root.join("output"), Path::to_path_buf);
    let Some((site, files, _)) = super::prepare(args) else {
        return ExitCode::from(EXIT_PROBLEMS);
    };
    if let Err(e) = output::publish(&files, &out_dir) {
        let help = match &e {
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
                "error: {e}\n  = help: {help}\nthe previous output, if any, is unchanged"
            ));
        }
        return ExitCode::from(EXIT_PROBLEMS);
    }
    if args.format() != Format::Json {
        status(&format!(
            "built {} into {} ({}, {} ms)",
            super::pages_summary(&site),
            display_path(&args.root, &out_dir),
            super::count(files.len(), "file", "files"),
            start.elapsed().as_millis()
        ));
    }
    ExitCode::SUCCESS
}
