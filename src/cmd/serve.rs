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

/// How the summary of a failed preview build ends: a preview writes nothing in any case.
const AFTERMATH: &str = "the preview shows the last version that built";

/// Builds in memory and publishes to the server; prints what happened.
fn rebuild(root: &Path, format: Format, state: &State, why: &str) {
    let start = Instant::now();
    let opts = Options {
        root: root.to_path_buf(),
        target: Target::Memory,
        strict: false,
        // The preview shows drafts, marked as such: that is where they are read.
        drafts: true,
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
            term.diagnostics_then(&report.sources, &report.diags, AFTERMATH);
            state.fail(diagnostics::report_then(
                &report.sources,
                &report.diags,
                Format::Human,
                AFTERMATH,
            ));
            status(&format!(
                "{}: the build failed (above); still serving the last good version",
                show(why)
            ));
        }
    }
}

/// The site folder as the user named it (`--root`), or, when that names it only by
/// reference to the current folder (`.`, `..`, `./`), the folder's own name.
fn site_name(given: &Path, resolved: &Path) -> String {
    let by_name = matches!(
        given.components().next_back(),
        Some(std::path::Component::Normal(_))
    );
    match resolved.file_name() {
        Some(name) if !by_name => name.to_string_lossy().into_owned(),
        _ => given.display().to_string(),
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
        show(&site_name(&args.root.root, &root))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_is_named_as_given_or_by_its_folder() {
        let resolved = Path::new("/home/dpo/Saint-Mandé");
        for (given, shown) in [
            (".", "Saint-Mandé"),
            ("./", "Saint-Mandé"),
            ("..", "Saint-Mandé"),
            ("sites/Saint-Mandé", "sites/Saint-Mandé"),
            ("./mysite", "./mysite"),
            ("/home/dpo/Saint-Mandé/", "/home/dpo/Saint-Mandé/"),
        ] {
            assert_eq!(site_name(Path::new(given), resolved), shown, "{given}");
        }
        // The root of the file system has no name: it is shown as given.
        assert_eq!(site_name(Path::new("."), Path::new("/")), ".");
    }
}
