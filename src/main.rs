//! The `clause` binary: a thin shell over the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    clause::cli::run()
}
