//! `clause serve`: build in memory, serve on 127.0.0.1, rebuild on every save and reload
//! the open pages. Nothing is written to disk: `output/` is left as it is.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use crate::build::{self, Failure, Options, Target, Written};
use crate::cli::ServeArgs;
use crate::diagnostics::{self, Format};
use crate::escape::terminal::show;
use crate::serve::{self, watch::Watch, State};
use crate::term::{self, status, usage_error, Exit};
use crate::text::count;

/// Builds in memory and publishes to the server; prints what happened.
fn rebuild(root: &Path, format: Format, state: &State, why: &str) {
    let start = Instant::now();
    let opts = Options {
        root: root.to_path_buf(),
        target: Target::Memory,
        strict: false,
        jobs: None,
        progress: None,
    };
    let built = build::run(&opts);
    let ms = start.elapsed().as_millis();
    let term = term::Term::new(format);
    match built {
        Ok(done) => {
            term.diagnostics(&done.report.sources, &done.report.diags);
            if let Written::Memory(files) = done.written {
                state.publish(files);
            }
            status(&format!(
                "{}: built {} in {ms} ms",
                show(why),
                count(done.summary.pages, "page", "pages")
            ));
        }
        Err(failure) => {
            // A build in memory fails only on the site's problems, shown on the page too.
            let report = match &failure {
                Failure::Site(r) | Failure::Output { report: r, .. } => r,
            };
            term.diagnostics(&report.sources, &report.diags);
            state.fail(diagnostics::report(
                &report.sources,
                &report.diags,
                Format::Human,
            ));
            status(&format!(
                "{}: the build failed (above); still serving the last good version",
                show(why)
            ));
        }
    }
}

/// Runs the command until interrupted.
pub fn run(args: &ServeArgs) -> Exit {
    let root = match std::fs::canonicalize(&args.root.root) {
        Ok(r) if r.is_dir() => r,
        _ => {
            return usage_error(
                &format!("`{}` is not a folder", args.root.root.display()),
                "give the folder that holds site.toml with --root",
            )
        }
    };
    // Loopback only: the preview shows unpublished text and must not be reachable from
    // the network.
    let listener = match std::net::TcpListener::bind(("127.0.0.1", args.port)) {
        Ok(s) => s,
        Err(e) => {
            return usage_error(
                &format!("cannot listen on 127.0.0.1:{}: {e}", args.port),
                "another program uses this port: choose another with --port, e.g. --port 1112",
            )
        }
    };
    let port = listener.local_addr().map_or(args.port, |a| a.port());
    let format = term::format(false);
    let state = Arc::new(State::default());
    let watch = Watch::start(&root);
    rebuild(&root, format, &state, "first build");
    let url = format!("http://127.0.0.1:{port}/");
    status(&format!(
        "serving {} at {url} (press Ctrl-C to stop)",
        show(&args.root.root.display().to_string())
    ));
    if args.open {
        if let Err(e) = opener::open_browser(&url) {
            status(&format!(
                "warning: could not open a browser: {}",
                show(&e.to_string())
            ));
        }
    }
    match watch {
        Ok(w) => {
            let state = Arc::clone(&state);
            std::thread::spawn(move || {
                w.run(&root, |why| rebuild(&root, format, &state, why));
            });
        }
        Err(e) => status(&format!(
            "warning: cannot watch the site's files ({}); restart `clause serve` to see changes",
            show(&e.to_string())
        )),
    }
    match serve::run(listener, state) {
        Ok(()) => Exit::Success,
        Err(e) => {
            status(&format!("error: the preview server stopped: {e}"));
            Exit::Problems
        }
    }
}
