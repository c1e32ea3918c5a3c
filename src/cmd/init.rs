//! `clause init <dir>`: a new site that builds as it is, in one locale (see
//! [`crate::starter`]).

use super::args::InitArgs;
use crate::escape::terminal::show;
use crate::starter;
use crate::term::{status, Exit};

/// Runs the command.
pub fn run(args: &InitArgs) -> Exit {
    let dir = args.dir.as_path();
    if let Err(e) = starter::create(dir) {
        // Paths and the system's words may hold control characters: shown escaped.
        let mut line = format!("error: {}", show(&e.to_string()));
        if let Some(help) = e.help() {
            line.push_str(&format!("\n  = help: {help}"));
        }
        status(&line);
        return Exit::Problems;
    }
    status(&format!(
        "created a new site in {0}\nnext: edit {0}/content/cookies.toml and {0}/content/en/cookies.md, then run `clause build --root {0}`",
        show(&dir.display().to_string())
    ));
    Exit::Success
}
