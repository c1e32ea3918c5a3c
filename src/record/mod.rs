//! The policy as a legal record, as the model holds it: the versions of each page, the
//! consent revision, the archived pages to write, and the cache of what earlier builds
//! worked out. Reading them from git is [`crate::versions`]'s; loading a site asks for
//! them through [`History`], so that the loader does not depend on the module that loads
//! past versions of the site with it (`versions` loads each past commit as a site).
//!
//! The types are generic over `S`, what a past site is (the loader's
//! [`crate::site::Site`], named by the aliases `site::Record`, `site::Version`…), for the
//! same reason.

pub mod cache;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use crate::config::Config;
use crate::date::Date;
use crate::diagnostics::Diagnostic;
use crate::diff::sentences::Sentence;
use crate::git::{GitError, Repo};
use crate::layout;

pub use cache::Cache;

/// A commit, as a version's date and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// Full hash.
    pub commit: String,
    /// Commit date.
    pub date: Date,
}

/// How the author overruled the rules of `clause diff` in a commit's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// `Consent: renew`: a new consent revision, whatever the rules say.
    Renew,
    /// `Consent: unchanged`: no new consent revision, whatever the rules say.
    Unchanged,
}

/// Where an archived page's bytes come from.
pub enum Archive<S> {
    /// Not written: `archive = false`, or the version cannot be loaded.
    None,
    /// Rendered by an earlier build, found in the cache.
    Cached(Arc<Vec<u8>>),
    /// To render from the site as it was at that commit; stored in the cache under `key`.
    Render {
        /// The site (or portal) as it was.
        site: Arc<S>,
        /// The cache entry the rendered page goes into.
        key: String,
    },
}

// By hand: derived impls would ask `S` to be `Clone` and `Debug`, where only the `Arc` is.
impl<S> Clone for Archive<S> {
    fn clone(&self) -> Self {
        match self {
            Archive::None => Archive::None,
            Archive::Cached(b) => Archive::Cached(Arc::clone(b)),
            Archive::Render { site, key } => Archive::Render {
                site: Arc::clone(site),
                key: key.clone(),
            },
        }
    }
}

impl<S> std::fmt::Debug for Archive<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Archive::None => f.write_str("None"),
            Archive::Cached(b) => write!(f, "Cached({} bytes)", b.len()),
            Archive::Render { key, .. } => write!(f, "Render({key})"),
        }
    }
}

/// One version of a page; `S` is what a past site is (a [`crate::site::Site`]).
#[derive(Debug, Clone)]
pub struct Version<S> {
    /// The commit.
    pub stamp: Stamp,
    /// The commit's place in the first-parent history, oldest first: which versions of
    /// other pages were in force with this one.
    pub seq: usize,
    /// Its folder under `versions/` (`2026-03-09`, then `2026-03-09-2`…); `None` when it
    /// cannot be shown.
    pub dir: Option<String>,
    /// The site's consent revision from this version on.
    pub revision: u32,
    /// Whether this version raised the consent revision.
    pub raised: bool,
    /// When the commit's message decided the revision against the rules.
    pub decided: Option<Decision>,
    /// The page's first version.
    pub initial: bool,
    /// Whether the page's own text changed.
    pub text_changed: bool,
    /// The inventory's changes, as sentences in the page's language.
    pub sentences: Vec<Sentence>,
    /// Why the version cannot be shown (its sources do not load with this Clause).
    pub unavailable: Option<String>,
    /// Its archived page.
    pub archive: Archive<S>,
}

/// What the history says about one site (or portal of a platform).
#[derive(Debug, Clone)]
pub struct Record<S> {
    /// Whether versions were read from git (`false`: no `[history]`, no git, a shallow
    /// clone; the revision is then 1).
    pub known: bool,
    /// The consent revision.
    pub revision: u32,
    /// The last commit that changed the inventory's meaning.
    pub inventory: Option<Stamp>,
    /// Each page's versions, oldest first, by `<locale>/<slug>`.
    pub pages: BTreeMap<String, Vec<Version<S>>>,
}

impl<S> Default for Record<S> {
    fn default() -> Self {
        Record {
            known: false,
            revision: 1,
            inventory: None,
            pages: BTreeMap::new(),
        }
    }
}

impl<S> Record<S> {
    /// The versions of the page in `locale` named `slug`, oldest first.
    pub fn page(&self, locale: &str, slug: &str) -> &[Version<S>] {
        self.pages
            .get(&page_key(locale, slug))
            .map_or(&[], Vec::as_slice)
    }

    /// The paths of the versions' pages in the output (each page's list of versions and
    /// its archived versions), when the archive is written, for the pages `docs` (locale,
    /// slug) have.
    pub fn paths<'a>(
        &self,
        archive: bool,
        docs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        if !archive || !self.known {
            return out;
        }
        for (locale, slug) in docs {
            let versions = self.page(locale, slug);
            if versions.is_empty() {
                continue;
            }
            out.push(layout::versions_index(locale, slug));
            for dir in versions.iter().filter_map(|v| v.dir.as_deref()) {
                out.push(layout::version_path(locale, slug, dir));
            }
        }
        out
    }

    /// The archived pages this build renders, by their path in the site's output, with
    /// the cache entry each goes into.
    pub fn fresh(&self) -> HashMap<String, String> {
        let mut out = HashMap::new();
        for (page, versions) in &self.pages {
            for v in versions {
                if let (Archive::Render { key, .. }, Some(dir)) = (&v.archive, &v.dir) {
                    if let Some((locale, slug)) = page.split_once('/') {
                        out.insert(layout::version_path(locale, slug, dir), key.clone());
                    }
                }
            }
        }
        out
    }
}

/// A page's key in [`Record::pages`].
pub fn page_key(locale: &str, slug: &str) -> String {
    format!("{locale}/{slug}")
}

/// Cache entries to store: the cache they go into and each key and bytes.
#[derive(Debug, Default, Clone)]
pub struct Pending {
    /// The cache, when the site has one.
    pub cache: Option<Cache>,
    /// The entries.
    pub entries: Vec<(String, Vec<u8>)>,
    /// Commits loaded from git objects by this build, and commits whose analysis was
    /// found in the cache.
    pub commits: (usize, usize),
}

impl Pending {
    /// Stores the entries (a cache that cannot be written only costs time later).
    pub fn store(&self) {
        if let Some(c) = &self.cache {
            for (key, bytes) in &self.entries {
                let _ = c.put(key, bytes);
            }
        }
    }
}

/// What loading a site asks of its history, read once for the site and every portal.
pub trait Timeline<S> {
    /// Warnings about commit messages (trailers that are neither `renew` nor `unchanged`).
    fn take_warnings(&mut self) -> Vec<Diagnostic>;
    /// Why there are no versions, to tell the user (never an error).
    fn take_note(&mut self) -> Option<String>;
    /// The record of the site (`id` `None`) or of a portal, its archived pages made ready
    /// for `config` (the site's or the portal's settings) and its current `pages`
    /// (locale, slug), which an archived page's navigation links.
    fn record<'p>(
        &mut self,
        id: Option<&str>,
        config: &Config,
        pages: &mut dyn Iterator<Item = (&'p str, &'p str)>,
    ) -> Arc<Record<S>>;
    /// The cache entries this load made, and the work it took; once every record is taken.
    fn pending(&mut self) -> Pending;
}

/// Reads the history of a site from git: given to the loader by the build driver, which
/// knows [`crate::versions`].
pub trait History<S> {
    /// The timeline of the site in `root` (in `repo`), for `config` (the current settings:
    /// `[history]` and its `limit` and `archive`).
    fn read(&self, repo: &Repo, root: &Path, config: &Config) -> Box<dyn Timeline<S>>;
}

/// A history that was not read: every page without a version, revision 1, and perhaps a
/// note that says why.
#[derive(Debug, Default)]
pub struct Unread {
    /// Why, for the user.
    pub note: Option<String>,
}

impl Unread {
    /// Without git, or outside a repository: the note that says so.
    pub fn without_git(e: &GitError) -> Unread {
        let why = match e {
            GitError::NotInstalled => "git is not installed".to_string(),
            GitError::NotARepository(_) => "the site is not in a git repository".to_string(),
            e => e.to_string(),
        };
        Unread {
            note: Some(format!(
                "{why}: pages show no version, the consent revision is 1 and no archive is written"
            )),
        }
    }
}

impl<S> Timeline<S> for Unread {
    fn take_warnings(&mut self) -> Vec<Diagnostic> {
        Vec::new()
    }

    fn take_note(&mut self) -> Option<String> {
        self.note.take()
    }

    fn record<'p>(
        &mut self,
        _id: Option<&str>,
        _config: &Config,
        _pages: &mut dyn Iterator<Item = (&'p str, &'p str)>,
    ) -> Arc<Record<S>> {
        Arc::new(Record::default())
    }

    fn pending(&mut self) -> Pending {
        Pending::default()
    }
}
