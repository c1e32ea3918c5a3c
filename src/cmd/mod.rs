//! One module per command; each returns the process exit status.

pub mod audit;
pub mod build;
pub mod check;
pub mod diff;
pub mod export;
pub mod init;
#[cfg(feature = "scan")]
pub mod scan;
pub mod serve;

use std::sync::Mutex;

use rayon::prelude::*;

use crate::cli::{emit, status, SiteArgs};
use crate::diagnostics::{Diagnostic, Diagnostics, Sources};
use crate::input::Input;
use crate::render;
use crate::site::{self, Site};

/// Loads and validates the site (or every portal); prints every problem found.
/// Returns `None` when it must not be published.
pub fn load(args: &SiteArgs) -> Option<(Vec<Site>, Sources, Diagnostics)> {
    let loaded = site::load(&Input::Disk(args.root.clone()));
    if loaded.sites.is_empty() {
        emit(&loaded.sources, &loaded.diags, args.format());
        return None;
    }
    Some((loaded.sites, loaded.sources, loaded.diags))
}

/// Where rendered files go: a path in the output folder and the bytes.
pub type Sink<'a, E> = &'a (dyn Fn(&str, &[u8]) -> Result<(), E> + Sync);

/// Renders every page of every site on every core, handing each file to `sink` with its
/// path in the output folder (prefixed by the portal's id on a platform). Returns the
/// number of pages, or every problem met.
pub fn render_all<E: Send>(
    sites: &[&Site],
    sink: Sink<E>,
    on_site_done: &(dyn Fn() + Sync),
) -> Result<usize, (Vec<Diagnostic>, Option<E>)> {
    let errors = Mutex::new(Vec::new());
    let failure: Mutex<Option<E>> = Mutex::new(None);
    sites.par_iter().for_each(|site| {
        match render::render(site) {
            Ok(files) => {
                for f in files {
                    let path = match &site.id {
                        Some(id) => format!("{id}/{}", f.path),
                        None => f.path,
                    };
                    if let Err(e) = sink(&path, &f.bytes) {
                        if let Ok(mut slot) = failure.lock() {
                            slot.get_or_insert(e);
                        }
                        return;
                    }
                }
            }
            Err(mut d) => {
                if let Ok(mut all) = errors.lock() {
                    all.append(&mut d);
                }
            }
        }
        on_site_done();
    });
    let errors = errors.into_inner().unwrap_or_default();
    let failure = failure.into_inner().ok().flatten();
    if errors.is_empty() && failure.is_none() {
        Ok(sites.iter().map(|s| s.pages.len()).sum())
    } else {
        Err((errors, failure))
    }
}

/// Prints the problems (render errors merged with the loader's) and says whether the build
/// may go on: no error, and no warning under `--strict`.
pub fn finish_diagnostics(
    args: &SiteArgs,
    sources: &Sources,
    mut diags: Diagnostics,
    render_errors: Vec<Diagnostic>,
) -> bool {
    let warnings = diags.counts().1;
    for e in render_errors {
        diags.push(e);
    }
    emit(sources, &diags, args.format());
    if diags.has_errors() {
        return false;
    }
    if args.strict && warnings > 0 {
        status("error: --strict turns the warnings above into errors; nothing was written");
        return false;
    }
    true
}

/// "1 page", "2 pages": a count with its noun.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "2 pages in 2 locales" or "6000 pages of 1000 portals", for the status lines.
pub fn pages_summary(sites: &[Site]) -> String {
    let pages: usize = sites.iter().map(|s| s.pages.len()).sum();
    match sites {
        [single] if single.id.is_none() => format!(
            "{} in {}",
            count(pages, "page", "pages"),
            count(single.config.locales.len(), "locale", "locales")
        ),
        _ => format!(
            "{} of {}",
            count(pages, "page", "pages"),
            count(sites.len(), "portal", "portals")
        ),
    }
}

/// Runs `f` on a pool of `jobs` threads (all cores when `None`).
pub fn with_jobs<T: Send>(jobs: Option<usize>, f: impl FnOnce() -> T + Send) -> T {
    match jobs.and_then(|n| rayon::ThreadPoolBuilder::new().num_threads(n).build().ok()) {
        Some(pool) => pool.install(f),
        None => f(),
    }
}

/// The site a command works on: the only one, or on a platform the portal named by
/// `--portal`. `Err` holds the message and help of a usage error.
pub fn pick_site(sites: Vec<Site>, portal: Option<&str>) -> Result<Site, (String, String)> {
    let ids: Vec<String> = sites.iter().filter_map(|s| s.id.clone()).collect();
    match portal {
        None if ids.is_empty() => sites.into_iter().next().ok_or_else(|| {
            (
                "the site has no pages".into(),
                "add a document under content/".into(),
            )
        }),
        None => Err((
            "this is a platform: say which portal".into(),
            format!("add `--portal <id>`; the portals are {}", preview(&ids)),
        )),
        Some(p) => {
            let help = match crate::diagnostics::suggest(p, ids.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None if ids.is_empty() => "this site has no sites.toml: leave out --portal".into(),
                None => format!("the portals are {}", preview(&ids)),
            };
            sites
                .into_iter()
                .find(|s| s.id.as_deref() == Some(p))
                .ok_or_else(|| (format!("there is no portal `{p}`"), help))
        }
    }
}

fn preview(ids: &[String]) -> String {
    let shown: Vec<&str> = ids.iter().take(5).map(String::as_str).collect();
    let more = ids.len().saturating_sub(shown.len());
    let mut out = shown.join(", ");
    if more > 0 {
        out.push_str(&format!(" and {more} more"));
    }
    out
}
