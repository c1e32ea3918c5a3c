//! The policy as a legal record: the versions of each page, the site's consent revision,
//! and the archive of every version, from the first-parent git history of the current
//! branch (when `[history]` is on).
//!
//! - A **version** of a page is a commit that changed what its reader sees: its prose (as
//!   rendered: reformatting the Markdown is no version), the inventory's meaning in its
//!   language (as `clause diff` compares: reordering and reformatting are no version), or
//!   the consent revision every page shows.
//! - The **consent revision** of a site (of each portal of a platform) starts at 1 and goes
//!   up by one with each commit whose inventory changes need visitors' consent again by the
//!   rules of `clause diff`, unless the commit's message says otherwise with a git trailer:
//!   `Consent: renew` or `Consent: unchanged`.
//!
//! Everything is read while loading, never while rendering: each commit that changed the
//! site's sources is loaded from git objects into an in-memory [`Input`] (its own
//! `site.toml`, `sites.toml`, `content/` and `sites/`, with today's `themes/`), never
//! checked out. What a commit's analysis and each archived page cost is kept in the
//! [`record::cache`], so that only new commits are paid for.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::diagnostics::{Code, Diagnostic, Sources};
use crate::diff::{self, sentences::Sentence};
use crate::git::{LogCommit, Repo};
use crate::input::Input;
use crate::layout;
use crate::markdown::{Block, Section};
use crate::record::{self, page_key, Cache, Decision, Pending, Stamp};
use crate::site::{self, Archive, Page, Record, Site, Version};

/// What reading the history gave: a record per site (`None`) or portal, the warnings about
/// commit messages, a note when the history could not be read, and the cache entries to
/// store once the build has what it needs.
#[derive(Default)]
pub struct Timeline {
    /// By portal id (`None` for a single site), their archive not yet made ready.
    records: HashMap<Option<String>, Record>,
    /// Trailers that are neither `renew` nor `unchanged`.
    pub warnings: Vec<Diagnostic>,
    /// Why there are no versions, to tell the user (never an error).
    pub note: Option<String>,
    /// The walk through the history, to load the past versions the archive needs.
    walk: Option<Walk>,
    /// Whether the archive is written (`[history] archive`).
    archive: bool,
}

impl record::Timeline<Site> for Timeline {
    fn take_warnings(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.warnings)
    }

    fn take_note(&mut self) -> Option<String> {
        self.note.take()
    }

    /// Past versions the cache does not have are loaded now, from git objects.
    fn record<'p>(
        &mut self,
        id: Option<&str>,
        config: &Config,
        pages: &mut dyn Iterator<Item = (&'p str, &'p str)>,
    ) -> Arc<Record> {
        let known = self.note.is_none() && self.walk.is_some();
        let Some(mut record) = self.records.remove(&id.map(str::to_string)) else {
            // A portal (or a site) not yet committed: revision 1, no version.
            return Arc::new(Record {
                known,
                ..Record::default()
            });
        };
        if let (true, Some(walk)) = (self.archive, self.walk.as_mut()) {
            let mut current: Vec<String> =
                pages.map(|(locale, slug)| page_key(locale, slug)).collect();
            current.sort();
            walk.archives(id, &mut record, config, &current);
        }
        Arc::new(record)
    }

    fn pending(&mut self) -> Pending {
        match self.walk.as_mut() {
            Some(w) => Pending {
                cache: w.cache.clone(),
                entries: std::mem::take(&mut w.pending),
                commits: (w.loaded.len(), w.log.len() - w.analysed),
            },
            None => Pending::default(),
        }
    }
}

/// Reads a site's history from git: what the build driver gives the loader.
#[derive(Debug, Clone, Copy, Default)]
pub struct Git;

impl record::History<Site> for Git {
    fn read(&self, repo: &Repo, root: &Path, config: &Config) -> Box<dyn record::Timeline<Site>> {
        Box::new(read(repo, root, config))
    }
}

/// The site's sources that make what a reader sees (the theme is today's).
const SOURCES: [&str; 4] = [
    layout::SITE_TOML,
    layout::SITES_TOML,
    layout::CONTENT,
    layout::PORTALS,
];

/// Reads the versions of the site in `root` (in `repo`), for `config` (the current
/// settings: `[history]` and its `limit` and `archive`).
pub fn read(repo: &Repo, root: &Path, config: &Config) -> Timeline {
    let archive = config.history.is_some_and(|h| h.archive);
    read_at(repo, root, "HEAD", archive)
}

/// [`read`] at the commit `rev` (its own first-parent history); the archive's pages are
/// made ready (by [`record::Timeline::record`]) only when `archive`.
pub fn read_at(repo: &Repo, root: &Path, rev: &str, archive: bool) -> Timeline {
    match repo.is_shallow() {
        Ok(false) => {}
        Ok(true) => {
            return Timeline {
                note: Some("this is a shallow clone, whose history is cut short: pages show no version, the consent revision is 1 and no archive is written; fetch the whole history (`git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout)".into()),
                ..Timeline::default()
            }
        }
        Err(e) => return unread(&e.to_string()),
    }
    if rev == "HEAD" && repo.resolve(rev).is_err() {
        return Timeline {
            note: Some("the repository has no commit yet: pages show no version, the consent revision is 1 and no archive is written".into()),
            ..Timeline::default()
        };
    }
    let log = match repo.first_parent(rev, &SOURCES) {
        Ok(l) => l,
        Err(e) => return unread(&e.to_string()),
    };
    let themes = theme_files(root);
    let prefix = repo.path_of("");
    let generation = generation(&themes, &prefix);
    let mut walk = Walk {
        repo: repo.clone(),
        // A cache that git tracks came with the repository, not from this machine's
        // builds: its entries (archived pages as bytes) could be anyone's, so it is not
        // used.
        cache: match repo.tracks(layout::CACHE) {
            Ok(false) => Cache::open(root, &generation),
            _ => None,
        },
        log,
        themes,
        generation,
        prefix,
        loaded: HashMap::new(),
        pending: Vec::new(),
        git_failed: false,
        analysed: 0,
    };
    let analyses = walk.analyses();
    let mut warnings = Vec::new();
    let records = decide(&walk.log, &analyses, &mut warnings);
    Timeline {
        records,
        warnings,
        note: None,
        walk: Some(walk),
        archive,
    }
}

/// Without a history: the note that says why.
fn unread(why: &str) -> Timeline {
    Timeline {
        note: Some(format!("git could not read the site's history ({why}): pages show no version, the consent revision is 1 and no archive is written")),
        ..Timeline::default()
    }
}

/// Today's theme files (`themes/`), which every past version is rendered with.
fn theme_files(root: &Path) -> Vec<(String, Vec<u8>)> {
    let input = Input::Disk(root.to_path_buf());
    input
        .walk(layout::THEMES)
        .into_iter()
        .filter_map(|p| Some((p.clone(), input.read(&p).ok()?)))
        .collect()
}

/// The cache's generation: Clause's version, the built-in theme and the site's themes,
/// and where the site is in the repository.
fn generation(themes: &[(String, Vec<u8>)], prefix: &str) -> String {
    let mut h = blake3::Hasher::new();
    put(&mut h, b"clause versions 2");
    put(&mut h, env!("CARGO_PKG_VERSION").as_bytes());
    for (path, bytes) in crate::theme::BUILTIN {
        put(&mut h, path.as_bytes());
        put(&mut h, bytes);
    }
    for (path, bytes) in themes {
        put(&mut h, path.as_bytes());
        put(&mut h, bytes);
    }
    put(&mut h, prefix.as_bytes());
    h.finalize().to_hex()[..32].to_string()
}

/// Bytes with their length before them: no two sequences hash the same.
fn put(h: &mut blake3::Hasher, bytes: &[u8]) {
    h.update(&(bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// What one commit did to one site (or portal): cached, so that a commit is loaded once.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PortalAnalysis {
    id: Option<String>,
    /// The portal was not in the last commit that loaded.
    initial: bool,
    /// The inventory's changes need consent again, by the rules of `clause diff`.
    reconsent: bool,
    /// The inventory's meaning changed.
    inventory_changed: bool,
    /// The changes as sentences, by locale (locales without any are left out).
    sentences: BTreeMap<String, Vec<Sentence>>,
    /// Each page's text, as a hash of what its reader sees, by `<locale>/<slug>`.
    pages: BTreeMap<String, String>,
}

/// One commit: the site as it loaded, or why it did not.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum Analysis {
    Loaded(Vec<PortalAnalysis>),
    Unavailable(String),
}

/// The sites of a commit, as loaded (or the first problem that stopped it).
type LoadedCommit = Result<Vec<Arc<Site>>, String>;

/// The walk through the log, with the commits loaded so far.
struct Walk {
    repo: Repo,
    log: Vec<LogCommit>,
    /// Today's `themes/` files, which every past version is loaded with.
    themes: Vec<(String, Vec<u8>)>,
    generation: String,
    prefix: String,
    cache: Option<Cache>,
    loaded: HashMap<usize, Arc<LoadedCommit>>,
    pending: Vec<(String, Vec<u8>)>,
    /// git could not give the files: what was found is not stored (it may work next time).
    git_failed: bool,
    /// Commits analysed by this load (not found in the cache).
    analysed: usize,
}

impl Walk {
    fn key(&self, parts: &[&[u8]]) -> String {
        let mut h = blake3::Hasher::new();
        put(&mut h, self.generation.as_bytes());
        put(&mut h, self.prefix.as_bytes());
        for p in parts {
            put(&mut h, p);
        }
        h.finalize().to_hex().to_string()
    }

    fn analysis_key(&self, i: usize) -> String {
        self.key(&[b"analysis", self.log[i].hash.as_bytes()])
    }

    /// Every commit's analysis, from the cache or by loading it (and the last commit
    /// before it that loaded, to compare with).
    fn analyses(&mut self) -> Vec<Analysis> {
        let mut found: Vec<Option<Analysis>> = (0..self.log.len())
            .map(|i| {
                let bytes = self.cache.as_ref()?.get(&self.analysis_key(i))?;
                serde_json::from_slice(&bytes).ok()
            })
            .collect();
        // To analyse a commit, the last one before it that loaded is needed too.
        let mut need: BTreeSet<usize> = BTreeSet::new();
        for i in (0..found.len()).filter(|i| found[*i].is_none()) {
            need.insert(i);
            for j in (0..i).rev() {
                match &found[j] {
                    None => break,
                    Some(Analysis::Loaded(_)) => {
                        need.insert(j);
                        break;
                    }
                    Some(Analysis::Unavailable(_)) => {}
                }
            }
        }
        self.load(&need);
        let mut previous: Option<usize> = None;
        for (i, slot) in found.iter_mut().enumerate() {
            if slot.is_none() {
                self.analysed += 1;
                let a = self.analyse(i, previous);
                if !self.git_failed {
                    if let Ok(bytes) = serde_json::to_vec(&a) {
                        self.pending.push((self.analysis_key(i), bytes));
                    }
                }
                *slot = Some(a);
            }
            if matches!(slot, Some(Analysis::Loaded(_))) {
                previous = Some(i);
            }
        }
        found.into_iter().flatten().collect()
    }

    /// Loads the commits `which` (on every core), from one read of their files' blobs.
    fn load(&mut self, which: &BTreeSet<usize>) {
        let which: Vec<usize> = which
            .iter()
            .copied()
            .filter(|i| !self.loaded.contains_key(i))
            .collect();
        if which.is_empty() {
            return;
        }
        // Each commit's files, from the changes of every commit before it.
        let mut tree: BTreeMap<String, String> = BTreeMap::new();
        let mut trees: Vec<(usize, BTreeMap<String, String>)> = Vec::new();
        let last = which.iter().copied().max().unwrap_or(0);
        for (i, c) in self.log.iter().enumerate().take(last + 1) {
            apply(&mut tree, c);
            if which.contains(&i) {
                trees.push((i, tree.clone()));
            }
        }
        let ids: Vec<String> = trees
            .iter()
            .flat_map(|(_, t)| t.values().cloned())
            .collect::<BTreeSet<String>>()
            .into_iter()
            .collect();
        let blobs = self.repo.blobs(&ids);
        self.git_failed |= blobs.is_err();
        let themes = &self.themes;
        let loaded: Vec<(usize, LoadedCommit)> = trees
            .into_par_iter()
            .map(|(i, tree)| {
                let commit = match &blobs {
                    Ok(blobs) => load_commit(&tree, blobs, themes),
                    Err(e) => Err(e.to_string()),
                };
                (i, commit)
            })
            .collect();
        for (i, c) in loaded {
            self.loaded.insert(i, Arc::new(c));
        }
    }

    /// What commit `i` did, compared with commit `previous` (the last that loaded).
    fn analyse(&self, i: usize, previous: Option<usize>) -> Analysis {
        let Some(now) = self.loaded.get(&i) else {
            return Analysis::Unavailable("it could not be read from git".into());
        };
        let sites = match now.as_ref() {
            Ok(s) => s,
            Err(why) => return Analysis::Unavailable(why.clone()),
        };
        let before: &[Arc<Site>] = match previous.and_then(|p| self.loaded.get(&p)) {
            Some(b) => match b.as_ref() {
                Ok(s) => s,
                Err(_) => &[],
            },
            None => &[],
        };
        Analysis::Loaded(
            sites
                .iter()
                .map(|s| {
                    let old = before.iter().find(|b| b.id == s.id);
                    analyse_portal(s, old.map(Arc::as_ref))
                })
                .collect(),
        )
    }

    /// Fills in each version's archived page of the site (or portal) `id`: from the
    /// cache, or to render from the site as it was (loaded now).
    fn archives(
        &mut self,
        id: Option<&str>,
        record: &mut Record,
        config: &Config,
        current: &[String],
    ) {
        let limit = config.history.map_or(0, |h| h.limit);
        // The banner every page loads, and the documents an archived page's navigation
        // links (those still published).
        let banner = config
            .consent
            .banner
            .as_ref()
            .map(|b| {
                let href = |p: &crate::consent::SitePath| p.target.href("");
                format!(
                    "{} {} {:?} {:?}",
                    b.manager.key(),
                    href(&b.script),
                    b.stylesheet.as_ref().map(href),
                    b.config.as_ref().map(href)
                )
            })
            .unwrap_or_default();
        let documents = current.join("\n");
        let index: HashMap<String, usize> = self
            .log
            .iter()
            .enumerate()
            .map(|(i, c)| (c.hash.clone(), i))
            .collect();
        // Each archived page depends on its commit, today's theme (the generation), the
        // site's address, the history's limit and the next version (its notice says
        // until when it was in force, and links to it).
        let mut wanted: Vec<(String, usize, String, Option<usize>)> = Vec::new();
        for (page, versions) in record.pages.iter_mut() {
            let shown: Vec<usize> = (0..versions.len())
                .filter(|k| versions[*k].dir.is_some())
                .collect();
            for (n, &k) in shown.iter().enumerate() {
                let next = shown
                    .get(n + 1)
                    .and_then(|j| versions[*j].dir.clone())
                    .unwrap_or_default();
                let key = self.key(&[
                    b"page",
                    versions[k].stamp.commit.as_bytes(),
                    id.unwrap_or("").as_bytes(),
                    page.as_bytes(),
                    next.as_bytes(),
                    config.base_url.as_bytes(),
                    &(limit as u64).to_le_bytes(),
                    banner.as_bytes(),
                    documents.as_bytes(),
                ]);
                match self.cache.as_ref().and_then(|c| c.get(&key)) {
                    Some(bytes) => versions[k].archive = Archive::Cached(Arc::new(bytes)),
                    None => {
                        let commit = index.get(&versions[k].stamp.commit).copied();
                        wanted.push((page.clone(), k, key, commit));
                    }
                }
            }
        }
        let need: BTreeSet<usize> = wanted.iter().filter_map(|w| w.3).collect();
        self.load(&need);
        for (page, k, key, commit) in wanted {
            let site = commit
                .and_then(|i| self.loaded.get(&i))
                .and_then(|c| c.as_ref().as_ref().ok())
                .and_then(|sites| sites.iter().find(|s| s.id.as_deref() == id).cloned());
            if let (Some(site), Some(v)) =
                (site, record.pages.get_mut(&page).and_then(|p| p.get_mut(k)))
            {
                v.archive = Archive::Render { site, key };
            }
        }
    }
}

/// Whether a file of a commit is read to load the site: settings, inventories and
/// documents (not a portal's static files, which no page shows).
fn is_source(path: &str) -> bool {
    if path == layout::SITE_TOML || path == layout::SITES_TOML {
        return true;
    }
    let text = path.ends_with(".md") || path.ends_with(".toml");
    if let Some(rest) = path.strip_prefix("sites/") {
        return text
            && rest.split_once('/').is_some_and(|(_, inside)| {
                inside == "cookies.toml" || inside.starts_with("content/")
            });
    }
    text && path.starts_with("content/")
}

/// Loads the site made of `tree`'s files (path → blob id) and today's theme.
fn load_commit(
    tree: &BTreeMap<String, String>,
    blobs: &HashMap<String, Vec<u8>>,
    themes: &[(String, Vec<u8>)],
) -> LoadedCommit {
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (path, id) in tree {
        match blobs.get(id) {
            Some(b) => {
                files.insert(path.clone(), b.clone());
            }
            None => return Err(format!("`{path}` could not be read from git")),
        }
    }
    for (path, bytes) in themes {
        files.insert(path.clone(), bytes.clone());
    }
    let loaded = site::load(&Input::Memory(files));
    if loaded.sites.is_empty() {
        return Err(reason(&loaded.sources, loaded.diags.iter()));
    }
    Ok(loaded.sites.into_iter().map(Arc::new).collect())
}

/// The first error of a version that does not load, in one line: what and where.
fn reason<'a>(sources: &Sources, diags: impl Iterator<Item = &'a Diagnostic>) -> String {
    let mut diags = diags;
    let Some(d) = diags.find(|d| d.severity == crate::diagnostics::Severity::Error) else {
        return "it does not load".into();
    };
    let place = match (&d.primary, &d.path) {
        (Some(l), _) => {
            let f = sources.get(l.file);
            let (line, col) = f.line_col(l.span.start);
            format!("{}:{line}:{col}", f.name)
        }
        (None, Some(p)) => p.display().to_string(),
        (None, None) => String::new(),
    };
    if place.is_empty() {
        d.message.clone()
    } else {
        format!("{place}: {}", d.message)
    }
}

/// Hash of what a page's reader sees of its own text: title, description and prose (the
/// generated sections by kind and place; their contents are the inventory's, but for the
/// controller's, which is `config`'s `[controller]`).
fn signature(page: &Page, config: &Config) -> String {
    let mut h = blake3::Hasher::new();
    put(&mut h, page.doc.title.as_bytes());
    put(
        &mut h,
        page.doc.description.as_deref().unwrap_or("").as_bytes(),
    );
    for b in &page.blocks {
        match b {
            Block::Html { html, .. } => {
                put(&mut h, b"html");
                put(&mut h, html.as_bytes());
            }
            Block::Section {
                section,
                level,
                titled,
            } => {
                put(&mut h, b"section");
                put(&mut h, format!("{section:?} {level} {titled}").as_bytes());
                if let (Section::Controller, Some(c)) = (section, &config.controller) {
                    let locale = page.doc.locale.as_str();
                    for part in [
                        c.name.get(locale),
                        c.address.get(locale),
                        &c.contact.href,
                        &c.contact.text,
                        c.dpo.as_ref().map_or("", |d| d.href.as_str()),
                        c.dpo.as_ref().map_or("", |d| d.text.as_str()),
                    ] {
                        put(&mut h, part.as_bytes());
                    }
                }
            }
        }
    }
    h.finalize().to_hex().to_string()
}

/// What `now` changed since `before` (the same portal in the last commit that loaded).
fn analyse_portal(now: &Site, before: Option<&Site>) -> PortalAnalysis {
    let changes = before
        .map(|b| diff::compare(&b.inventory, &now.inventory, &now.config.locales))
        .unwrap_or_default();
    let sentences = now
        .theme
        .strings
        .iter()
        .filter_map(|(locale, strings)| {
            let s = diff::sentences::sentences(&changes, strings);
            (!s.is_empty()).then(|| (locale.clone(), s))
        })
        .collect();
    PortalAnalysis {
        id: now.id.clone(),
        initial: before.is_none(),
        reconsent: changes.iter().any(|c| c.reconsent),
        inventory_changed: before.is_none() || !changes.is_empty(),
        sentences,
        pages: now
            .pages
            .iter()
            .map(|p| {
                (
                    page_key(&p.doc.locale, &p.doc.slug),
                    signature(p, &now.config),
                )
            })
            .collect(),
    }
}

/// A commit's `Consent:` trailers: the decision, or the values that are not one.
fn trailer(values: &[String]) -> (Option<Decision>, Vec<String>) {
    let mut decisions = BTreeSet::new();
    let mut bad = Vec::new();
    for v in values {
        match v.to_ascii_lowercase().as_str() {
            "renew" => {
                decisions.insert(0);
            }
            "unchanged" => {
                decisions.insert(1);
            }
            _ => bad.push(v.clone()),
        }
    }
    match decisions.into_iter().collect::<Vec<_>>().as_slice() {
        [0] => (Some(Decision::Renew), bad),
        [1] => (Some(Decision::Unchanged), bad),
        [] => (None, bad),
        _ => (None, values.to_vec()),
    }
}

/// Whether a commit that changed `paths` changed portal `id`'s sources (a single site's:
/// any of them).
fn touches(paths: &[(String, Option<String>)], id: Option<&str>) -> bool {
    let Some(id) = id else {
        return !paths.is_empty();
    };
    let own = format!("{}/", layout::portal_dir(id));
    paths
        .iter()
        .any(|(p, _)| !p.starts_with("sites/") || p.starts_with(&own))
}

/// Whether a commit that changed `paths` changed a source of the page `<locale>/<slug>`
/// of portal `id`.
fn touches_page(paths: &[(String, Option<String>)], id: Option<&str>, page: &str) -> bool {
    let Some((locale, slug)) = page.split_once('/') else {
        return false;
    };
    let mut sources = vec![
        layout::SITE_TOML.to_string(),
        layout::SITES_TOML.to_string(),
        layout::INVENTORY.to_string(),
        layout::document(layout::CONTENT, locale, slug),
    ];
    if let Some(id) = id {
        sources.push(layout::portal_inventory(id));
        sources.push(layout::document(&layout::portal_content(id), locale, slug));
    }
    paths.iter().any(|(p, _)| sources.contains(p))
}

/// A portal's walk so far.
#[derive(Default)]
struct PortalWalk {
    seen: bool,
    revision: u32,
    /// Each page's last text, by `<locale>/<slug>`.
    texts: BTreeMap<String, String>,
    record: Option<Record>,
}

/// The versions and revisions, from the analyses in order, with each commit's trailers.
fn decide(
    log: &[LogCommit],
    analyses: &[Analysis],
    warnings: &mut Vec<Diagnostic>,
) -> HashMap<Option<String>, Record> {
    let mut walks: BTreeMap<Option<String>, PortalWalk> = BTreeMap::new();
    for (seq, (c, a)) in log.iter().zip(analyses).enumerate() {
        let (decision, bad) = trailer(&c.consent);
        if !bad.is_empty() {
            warnings.push(bad_trailer(c, &bad));
        }
        let stamp = Stamp {
            commit: c.hash.clone(),
            date: c.date,
        };
        match a {
            Analysis::Unavailable(why) => {
                for (id, w) in walks.iter_mut() {
                    let Some(record) = w.record.as_mut() else {
                        continue;
                    };
                    for page in w.texts.keys() {
                        if touches_page(&c.changes, id.as_deref(), page) {
                            record.pages.entry(page.clone()).or_default().push(Version {
                                stamp: stamp.clone(),
                                seq,
                                dir: None,
                                revision: w.revision,
                                raised: false,
                                decided: None,
                                initial: false,
                                text_changed: false,
                                sentences: Vec::new(),
                                unavailable: Some(why.clone()),
                                archive: Archive::None,
                            });
                        }
                    }
                }
            }
            Analysis::Loaded(portals) => {
                for p in portals {
                    let w = walks.entry(p.id.clone()).or_default();
                    let touched = touches(&c.changes, p.id.as_deref());
                    let (raised, decided) = if !w.seen {
                        w.seen = true;
                        w.revision = 1;
                        (false, None)
                    } else if p.initial {
                        // Back in sites.toml after an absence: nothing to compare with.
                        (true, None)
                    } else {
                        let rules = p.reconsent;
                        let outcome = match (touched, decision) {
                            (true, Some(Decision::Renew)) => true,
                            (true, Some(Decision::Unchanged)) => false,
                            _ => rules,
                        };
                        (outcome, decision.filter(|_| touched && outcome != rules))
                    };
                    if raised {
                        w.revision += 1;
                    }
                    let record = w.record.get_or_insert_with(|| Record {
                        known: true,
                        ..Record::default()
                    });
                    record.revision = w.revision;
                    if p.inventory_changed {
                        record.inventory = Some(stamp.clone());
                    }
                    for (page, text) in &p.pages {
                        let before = w.texts.get(page);
                        let initial = before.is_none();
                        let text_changed = !initial && before != Some(text);
                        let locale = page.split_once('/').map_or("", |(l, _)| l);
                        let sentences = if initial {
                            Vec::new()
                        } else {
                            p.sentences.get(locale).cloned().unwrap_or_default()
                        };
                        // A revision raised shows on every page; one kept by the
                        // publisher's decision changes nothing a reader sees.
                        if initial || text_changed || !sentences.is_empty() || raised {
                            record.pages.entry(page.clone()).or_default().push(Version {
                                stamp: stamp.clone(),
                                seq,
                                dir: None,
                                revision: w.revision,
                                raised,
                                decided,
                                initial,
                                text_changed,
                                sentences,
                                unavailable: None,
                                archive: Archive::None,
                            });
                        }
                    }
                    w.texts = p.pages.clone();
                }
            }
        }
    }
    walks
        .into_iter()
        .filter_map(|(id, w)| {
            let mut record = w.record?;
            for versions in record.pages.values_mut() {
                name_folders(versions);
            }
            Some((id, record))
        })
        .collect()
}

/// Each shown version's folder: its date, then `-2`, `-3`… for more on the same day.
fn name_folders(versions: &mut [Version]) {
    let mut used: HashSet<String> = HashSet::new();
    for v in versions.iter_mut().filter(|v| v.unavailable.is_none()) {
        let day = v.stamp.date.iso();
        let mut dir = day.clone();
        let mut n = 1;
        while used.contains(&dir) {
            n += 1;
            dir = format!("{day}-{n}");
        }
        used.insert(dir.clone());
        v.dir = Some(dir);
    }
}

/// The warning for `Consent:` trailers that say neither `renew` nor `unchanged`.
fn bad_trailer(c: &LogCommit, bad: &[String]) -> Diagnostic {
    let values = bad
        .iter()
        .map(|v| format!("`Consent: {v}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Diagnostic::warning(Code::ConsentTrailer, format!(
        "commit {} of {} says {values}, which neither renews nor keeps the consent revision",
        short(&c.hash),
        c.date.iso()
    ))
    .help("the rules of `clause diff` decided this commit's consent revision; to overrule them, end a commit's message with the trailer `Consent: renew` or `Consent: unchanged` (only one of them)")
}

/// A site's consent revisions, as `clause diff` reports them.
pub use crate::diff::report::Revisions;

/// The consent revisions at `rev` and in the working tree, for `clause diff --since`:
/// `None` when the site does not load, has no `[history]` or no readable history.
pub fn revisions(root: &Path, rev: &str) -> Option<Vec<Revisions>> {
    let now = site::load_with(
        &Input::Disk(root.to_path_buf()),
        &site::Options {
            drafts: false,
            history: Some(&Git),
        },
    );
    let first = now.sites.first()?;
    if !first.versions.known {
        return None;
    }
    let repo = Repo::discover(root).ok()?;
    let mut before = read_at(&repo, root, rev, false);
    if before.note.is_some() {
        return None;
    }
    let head = sites_at(&repo, root, "HEAD").unwrap_or_default();
    Some(
        now.sites
            .iter()
            .map(|s| {
                // The site's own record at `rev` (no archive: nothing is rendered).
                let committed = head.iter().find(|h| h.id == s.id);
                let reask = committed.is_some_and(|h| {
                    diff::compare(&h.inventory, &s.inventory, &s.config.locales)
                        .iter()
                        .any(|c| c.reconsent)
                });
                Revisions {
                    portal: s.id.clone(),
                    before: record::Timeline::record(
                        &mut before,
                        s.id.as_deref(),
                        &s.config,
                        &mut std::iter::empty(),
                    )
                    .revision,
                    after: s.versions.revision + u32::from(reask),
                }
            })
            .collect(),
    )
}

/// The sites as they were at `rev`, loaded from git objects.
fn sites_at(repo: &Repo, root: &Path, rev: &str) -> Option<Vec<Arc<Site>>> {
    let log = repo.first_parent(rev, &SOURCES).ok()?;
    let mut tree: BTreeMap<String, String> = BTreeMap::new();
    for c in &log {
        apply(&mut tree, c);
    }
    let ids: Vec<String> = tree.values().cloned().collect();
    let blobs = repo.blobs(&ids).ok()?;
    load_commit(&tree, &blobs, &theme_files(root)).ok()
}

/// A commit's changes applied to the files (path → blob id) of the commit before it.
fn apply(tree: &mut BTreeMap<String, String>, c: &LogCommit) {
    for (path, blob) in &c.changes {
        match blob {
            Some(b) if is_source(path) => {
                tree.insert(path.clone(), b.clone());
            }
            _ => {
                tree.remove(path);
            }
        }
    }
}

/// A commit's abbreviated hash, as `git log --oneline` shows it.
pub fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;

    #[test]
    fn trailers_decide_when_they_say_one_thing() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(trailer(&v(&["renew"])), (Some(Decision::Renew), vec![]));
        assert_eq!(
            trailer(&v(&["Unchanged", "unchanged"])),
            (Some(Decision::Unchanged), vec![])
        );
        assert_eq!(trailer(&v(&["maybe"])), (None, v(&["maybe"])));
        assert_eq!(
            trailer(&v(&["renew", "unchanged"])),
            (None, v(&["renew", "unchanged"]))
        );
        assert_eq!(trailer(&[]), (None, vec![]));
    }

    #[test]
    fn only_settings_inventories_and_documents_are_read() {
        for p in [
            "site.toml",
            "sites.toml",
            "content/cookies.toml",
            "content/en/cookies.md",
            "sites/a/cookies.toml",
            "sites/a/content/en/cookies.md",
        ] {
            assert!(is_source(p), "{p}");
        }
        for p in [
            "content/en/logo.png",
            "sites/a/static/CNAME",
            "sites/a/notes.md",
            "static/x.toml",
        ] {
            assert!(!is_source(p), "{p}");
        }
    }

    #[test]
    fn folders_are_dates_numbered_within_a_day() {
        let version = |date: &str, unavailable: bool| Version {
            stamp: Stamp {
                commit: String::new(),
                date: Date::parse(date).expect("date"),
            },
            seq: 0,
            dir: None,
            revision: 1,
            raised: false,
            decided: None,
            initial: false,
            text_changed: false,
            sentences: Vec::new(),
            unavailable: unavailable.then(|| "broken".to_string()),
            archive: Archive::None,
        };
        let mut v = vec![
            version("2026-03-09", false),
            version("2026-03-09", true),
            version("2026-03-09", false),
            version("2026-03-10", false),
            version("2026-03-09", false),
        ];
        name_folders(&mut v);
        let dirs: Vec<Option<&str>> = v.iter().map(|v| v.dir.as_deref()).collect();
        assert_eq!(
            dirs,
            [
                Some("2026-03-09"),
                None,
                Some("2026-03-09-2"),
                Some("2026-03-10"),
                Some("2026-03-09-3")
            ]
        );
    }
}
