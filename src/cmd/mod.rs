//! One module per command; each returns the process exit status.

pub mod audit;
pub mod build;
pub mod check;
pub mod init;

use crate::cli::{emit, SiteArgs};
use crate::diagnostics::{Diagnostics, Sources};
use crate::input::Input;
use crate::render::{self, OutputFile};
use crate::site::{self, Site};

/// Loads, validates and renders the site in memory; prints every problem found.
/// Returns `None` when the site must not be published.
pub fn prepare(args: &SiteArgs) -> Option<(Site, Vec<OutputFile>, usize)> {
    let loaded = site::load(&Input::Disk(args.root.clone()));
    let mut diags = loaded.diags;
    let sources: Sources = loaded.sources;
    let warnings = diags.counts().1;
    let Some(site) = loaded.site else {
        emit(&sources, &diags, args.format());
        return None;
    };
    let files = match render::render(&site) {
        Ok(f) => f,
        Err(errors) => {
            let mut d = Diagnostics::default();
            for e in errors {
                d.push(e);
            }
            diags.extend(d);
            emit(&sources, &diags, args.format());
            return None;
        }
    };
    emit(&sources, &diags, args.format());
    if args.strict && warnings > 0 {
        crate::cli::status(
            "error: --strict turns the warnings above into errors; nothing was written",
        );
        return None;
    }
    Some((site, files, warnings))
}

/// "1 page", "2 pages": a count with its noun.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "2 pages in 2 locales", for the status lines of `build` and `check`.
pub fn pages_summary(site: &Site) -> String {
    format!(
        "{} in {}",
        count(site.pages.len(), "page", "pages"),
        count(site.config.locales.len(), "locale", "locales")
    )
}
