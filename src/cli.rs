//! Command-line interface: the command line (arguments in [`crate::cmd::args`]) and the
//! dispatch to each command; everything the commands print goes through [`crate::term`].

use std::ffi::OsString;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};

#[cfg(feature = "scan")]
use crate::cmd::args::ScanArgs;
use crate::cmd::args::{AuditArgs, BuildArgs, DiffArgs, ExportArgs, InitArgs, ServeArgs, SiteArgs};

/// Clause turns policy prose in Markdown and a TOML cookie inventory into a localized static website.
#[derive(Debug, Parser)]
#[command(
    name = "clause",
    bin_name = "clause",
    version,
    about,
    propagate_version = true
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output folder (replaced whole, only when the build succeeds).
    Build(BuildArgs),
    /// Check everything `build` would, and write nothing.
    Check(SiteArgs),
    /// Compare the inventory with the cookies a browser recorded (HAR, cookies.txt, storageState).
    Audit(AuditArgs),
    /// Record what a site sets in headless Chromium, before and after consent, and audit it.
    #[cfg(feature = "scan")]
    Scan(ScanArgs),
    /// Preview the site on http://127.0.0.1:1111/, rebuilding and reloading on every save.
    Serve(ServeArgs),
    /// Compare two inventories by meaning, and say which changes need consent again.
    Diff(DiffArgs),
    /// Print the inventory for another tool: a consent banner's configuration, JSON or CSV.
    Export(ExportArgs),
    /// Create a new site that builds, with one locale.
    Init(InitArgs),
}

/// Parses the command line and runs the command.
pub fn run() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return refused(e, &args),
    };
    let exit = match cli.command {
        Command::Build(args) => crate::cmd::build::run(&args),
        Command::Check(args) => crate::cmd::check::run(&args),
        Command::Audit(args) => crate::cmd::audit::run(&args),
        #[cfg(feature = "scan")]
        Command::Scan(args) => crate::cmd::scan::run(&args),
        Command::Serve(args) => crate::cmd::serve::run(&args),
        Command::Diff(args) => crate::cmd::diff::run(&args),
        Command::Export(args) => crate::cmd::export::run(&args),
        Command::Init(args) => crate::cmd::init::run(&args),
    };
    exit.into()
}

/// Prints clap's message for a command line it does not run (an error, or the help and
/// version asked for) and returns its status. clap quotes the words typed as they are, and
/// a word may hold control characters (`ESC[2J`, a line break that starts a fake line):
/// the message is made again from the words escaped as every value shown on a terminal
/// is, and only when that fails are the control characters of clap's text escaped.
fn refused(e: clap::Error, args: &[OsString]) -> ExitCode {
    let status = ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        // Clause's own text, on stdout; a closed pipe (`clause --help | head`) is no error.
        let _ = e.print();
        return status;
    }
    let shown: Vec<String> = args
        .iter()
        .map(|a| crate::escape::terminal::show(&a.to_string_lossy()).into_owned())
        .collect();
    let typed_as_shown = args
        .iter()
        .zip(&shown)
        .all(|(a, s)| a.to_str() == Some(s.as_str()));
    if typed_as_shown {
        let _ = e.print();
        return status;
    }
    match Cli::try_parse_from(&shown) {
        Err(again) if again.kind() == e.kind() => {
            let _ = again.print();
        }
        _ => crate::term::status(e.render().to_string().trim_end()),
    }
    status
}
