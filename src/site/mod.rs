//! A site as rendering sees it: one [`Site`] per site (or per portal of a platform), every
//! file read and checked. Reading it is [`load`] (the reader is in `site/load.rs`).

mod load;

use std::sync::Arc;

use crate::config::Config;
use crate::diagnostics::{Diagnostics, Sources};
use crate::input::{Input, Loader};
use crate::inventory::Inventory;
use crate::record::{self, History};
use crate::text;
use crate::theme::Theme;

/// Pages are made by `markdown`, where `links` reads them before the site is whole.
pub use crate::markdown::Page;

/// The versions of a site's pages and its consent revision (see [`crate::record`]).
pub type Record = record::Record<Site>;
/// One version of a page.
pub type Version = record::Version<Site>;
/// Where an archived page's bytes come from.
pub type Archive = record::Archive<Site>;

/// A file of the site's own `static/` folder (or of a portal's `sites/<id>/static/`),
/// copied as is into the output folder.
#[derive(Debug, Clone)]
pub struct StaticFile {
    /// Its path in the output folder: its path inside `static/`.
    pub path: String,
    /// Where it comes from, relative to the site root, for messages.
    pub source: String,
    /// Its contents.
    pub bytes: Vec<u8>,
}

/// Everything needed to render one site (or one portal of a platform), validated.
pub struct Site {
    /// The portal's id (its output folder) in a platform; `None` for a single site.
    pub id: Option<String>,
    /// site.toml, with the portal's own settings.
    pub config: Config,
    /// content/cookies.toml, changed by the portal's own file if it has one.
    pub inventory: Arc<Inventory>,
    /// Pages, ordered by slug then by the order of `locales`.
    pub pages: Vec<Page>,
    /// The theme.
    pub theme: Arc<Theme>,
    /// The versions of each page and the consent revision, from git when `[history]` is
    /// on (see [`crate::versions`]).
    pub versions: Arc<Record>,
    /// The site's own files (`static/`, and on a platform the portal's `sites/<id>/static/`).
    pub statics: Arc<Vec<StaticFile>>,
}

/// The result of loading: the sites if they are valid, and every file read and problem found.
pub struct Loaded {
    /// The site, or every portal of a platform; empty when there is an error.
    pub sites: Vec<Site>,
    /// Files read, for quoting in diagnostics.
    pub sources: Sources,
    /// Problems found.
    pub diags: Diagnostics,
    /// What the user should know that is no problem (why pages show no version).
    pub notes: Vec<String>,
    /// What the build driver stores in the cache once the site is built.
    pub pending: record::Pending,
    /// The files of the drafts left out (drafts are built only when asked).
    pub drafts: Vec<String>,
}

/// Why a command that works on one site cannot pick one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PickError {
    /// The site has no page (cannot happen once loaded, but is not assumed).
    #[error("the site has no pages")]
    Empty,
    /// A platform, and no portal named.
    #[error("this is a platform: say which portal")]
    Platform {
        /// The portals' ids.
        ids: Vec<String>,
    },
    /// No portal has that id.
    #[error("there is no portal `{portal}`")]
    NoPortal {
        /// The id asked for.
        portal: String,
        /// The portals' ids.
        ids: Vec<String>,
    },
}

impl PickError {
    /// How to fix it.
    pub fn help(&self) -> String {
        match self {
            PickError::Empty => "add a document under content/".into(),
            PickError::Platform { ids } => format!(
                "add `--portal <id>`; the portals are {}",
                text::preview(ids, 5)
            ),
            PickError::NoPortal { portal, ids } => {
                match crate::diagnostics::suggest(portal, ids.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if ids.is_empty() => {
                        "this site has no sites.toml: leave out --portal".into()
                    }
                    None => format!("the portals are {}", text::preview(ids, 5)),
                }
            }
        }
    }
}

/// The site a command works on: the only one, or on a platform the portal named by
/// `portal` (`--portal`).
pub fn pick(sites: Vec<Site>, portal: Option<&str>) -> Result<Site, PickError> {
    let ids: Vec<String> = sites.iter().filter_map(|s| s.id.clone()).collect();
    match portal {
        None if ids.is_empty() => sites.into_iter().next().ok_or(PickError::Empty),
        None => Err(PickError::Platform { ids }),
        Some(p) => {
            let found = sites.into_iter().find(|s| s.id.as_deref() == Some(p));
            found.ok_or_else(|| PickError::NoPortal {
                portal: p.to_string(),
                ids,
            })
        }
    }
}

/// How to load a site.
#[derive(Default, Clone, Copy)]
pub struct Options<'h> {
    /// Whether drafts are read (`clause serve`, `--drafts`).
    pub drafts: bool,
    /// Reads the history from git when `[history]` is on and the site is on disk; `None`
    /// loads the site without versions (as loading a past commit does).
    pub history: Option<&'h dyn History<Site>>,
}

/// Reads, validates and models the site, drafts left out, without its history.
pub fn load(input: &Input) -> Loaded {
    load_with(input, &Options::default())
}

/// Reads, validates and models the site as `options` say.
pub fn load_with(input: &Input, options: &Options) -> Loaded {
    let mut l = Loader::new(input);
    let (sites, history) = load::sites(&mut l, options);
    let sites = if l.diags.has_errors() {
        Vec::new()
    } else {
        sites
    };
    Loaded {
        sites,
        sources: l.sources,
        diags: l.diags,
        notes: history.notes,
        pending: history.pending,
        drafts: history.drafts,
    }
}

/// The pages of a language in their order: by `weight`, then by file name.
pub fn ordered<'s>(site: &'s Site, locale: &str) -> Vec<&'s Page> {
    let mut pages: Vec<&Page> = site
        .pages
        .iter()
        .filter(|p| p.doc.locale == locale)
        .collect();
    pages.sort_by(|a, b| a.doc.order().cmp(&b.doc.order()));
    pages
}
