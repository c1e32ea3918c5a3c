//! Reading a site: every file once, validated, into the model of [`crate::site`]. The
//! shared step reads what every portal has in common (site.toml, the inventory, the
//! documents, git's history, the theme, `static/`); the per-portal step lays each portal's
//! own files over it. Reading never writes anything.

use std::collections::HashSet;
use std::sync::Arc;

use rayon::prelude::*;

use super::{Options, Page, Record, Site, StaticFile};
use crate::config::{self, Config};
use crate::content::{self, Document};
use crate::date::Date;
use crate::decode;
use crate::diagnostics::{Code, Diagnostic, Diagnostics, ErrorReported, FileId, Sources};
use crate::history;
use crate::input::{Input, Loader};
use crate::inventory::{self, Inventory};
use crate::layout;
use crate::links;
use crate::markdown::{self, Block, Section};
use crate::platform;
use crate::record::{self, Timeline, Unread};
use crate::theme::{self, Theme};

/// Reads, validates and models the site, or every portal of a platform, drafts included
/// only if `drafts`; the problems found are in `l`.
pub(super) fn sites(l: &mut Loader, options: &Options) -> (Vec<Site>, History) {
    let Ok(mut shared) = shared(l, options) else {
        return (Vec::new(), History::default());
    };
    let notes = shared.timeline.take_note().into_iter().collect();
    let sites = match portals(l, &shared.config) {
        None => vec![single(l, &mut shared)],
        Some(portals) => platform(l, &mut shared, portals),
    };
    let history = History {
        notes,
        pending: shared.timeline.pending(),
        drafts: std::mem::take(&mut shared.left_out),
    };
    (sites, history)
}

/// What reading the site gave besides the sites: notes for the user, what the build
/// driver stores in the cache, and the files of the drafts left out.
#[derive(Debug, Default)]
pub(super) struct History {
    pub(super) notes: Vec<String>,
    pub(super) pending: record::Pending,
    pub(super) drafts: Vec<String>,
}

/// The shared step: everything but `sites.toml` and `sites/`. `Err` when something every
/// portal needs has an error.
fn shared(l: &mut Loader, options: &Options) -> Result<Shared, ErrorReported> {
    let drafts = options.drafts;
    if !l.input.root_is_dir() {
        return Err(l.diags.error(
            Diagnostic::error(Code::RootNotAFolder, format!("`{}` is not a folder", l.input.describe()))
                .help("give the folder that holds site.toml with --root, or run `clause init <dir>` to start a new site"),
        ));
    }
    let site_bytes = l.read_bytes(
        layout::SITE_TOML,
        "run Clause in the site's folder (the one with site.toml), pass --root, or create a site with `clause init <dir>`",
    )?;
    let config = l
        .text(layout::SITE_TOML.into(), site_bytes)
        .and_then(|(site_file, site_text)| config::load(&site_text, site_file, &mut l.diags));

    // The inventory and the documents are read even when site.toml has problems (or is
    // not UTF-8), so that one run reports everything that can be checked without locales.
    let locales: Vec<String> = config
        .as_ref()
        .map(|c| c.locales.clone())
        .unwrap_or_default();
    let shared_inv = l
        .read_text(
            layout::INVENTORY,
            "create content/cookies.toml, the cookie inventory (see the README for its format)",
        )
        .and_then(|(id, text)| Ok((id, decode::parse(&text, id, 0, &mut l.diags)?)));
    let inventory = match (&shared_inv, &config) {
        (Ok((id, root)), Ok(_)) => inventory::read::load_layers(
            &inventory::read::Layer {
                file: *id,
                text: &l.sources.get(*id).text,
                root,
            },
            None,
            locales.as_slice().into(),
            &mut l.diags,
        ),
        (Err(e), _) | (_, Err(e)) => Err(*e),
    };
    let config = match config {
        Ok(c) => c,
        Err(e) => {
            let shared = shared_inv.as_ref().ok().map(|(id, root)| (*id, root));
            check_without_settings(l, shared);
            return Err(e);
        }
    };
    let mut left_out = Vec::new();
    let mut docs = documents(l, &config, layout::CONTENT, drafts, &mut left_out);
    // History and dates from git: only when asked, only on disk.
    let (mut git, mut timeline): (_, Box<dyn Timeline<Site>>) =
        match (&config.history, l.input, options.history) {
            (Some(_), Input::Disk(root), Some(reader)) => match history::Git::open(root) {
                Ok(g) => {
                    let t = reader.read(g.repo(), root, &config);
                    (Some(g), t)
                }
                Err(e) => (None, Box::new(Unread::without_git(&e))),
            },
            _ => (None, Box::new(Unread::default())),
        };
    for w in timeline.take_warnings() {
        l.diags.push(w);
    }
    fill_dates(&mut git, &mut docs, layout::CONTENT);
    let theme_files = theme::load::files(l, &config);
    let statics = Arc::new(statics(l, layout::STATIC));
    let theme = theme::load::theme(l, &config, &theme_files);
    Ok(Shared {
        inventory: Arc::new(inventory?),
        theme: Arc::new(theme?),
        inventory_file: shared_inv?,
        config,
        docs,
        git,
        timeline,
        statics,
        drafts,
        left_out,
    })
}

/// The portals of `sites.toml`, or `None` for a single site. Read once: absent is a
/// single site; a `sites.toml` that cannot be read or is not UTF-8 is reported, and the
/// rest checked as for a single site.
fn portals(l: &mut Loader, config: &Config) -> Option<Vec<platform::Portal>> {
    let bytes = l.read_optional(layout::SITES_TOML).ok()??;
    let (file, text) = l.text(layout::SITES_TOML.into(), bytes).ok()?;
    Some(platform::load(&text, file, config, &mut l.diags))
}

/// A single site: the shared step is the whole site.
fn single(l: &mut Loader, shared: &mut Shared) -> Site {
    let config = shared.config.clone();
    let inventory = Arc::clone(&shared.inventory);
    let docs = std::mem::take(&mut shared.docs);
    let theme = Arc::clone(&shared.theme);
    let statics = Arc::clone(&shared.statics);
    let consent = config.consent.banner.is_some();
    let pages = || docs.iter().map(|d| (d.locale.as_str(), d.slug.as_str()));
    let versions = shared.timeline.record(None, &config, &mut pages());
    let mut generated = layout::generated_paths(&config.locales, pages(), &theme.statics, consent);
    generated.extend(versions.paths(archive(&config), pages()));
    for x in check_statics(&statics, &generated) {
        l.diags.push(x);
    }
    let (pages, problems) = render_prose(&l.sources, &config, &inventory, docs);
    for x in problems {
        l.diags.push_in(x, None);
    }
    // An inventory with errors is partial: warnings about it would only mislead.
    if !l.diags.has_errors() {
        let published = published(&generated, &statics);
        for x in check_site(&config, &inventory, &pages, &versions, &published) {
            l.diags.push_in(x, None);
        }
    }
    Site {
        id: None,
        config,
        inventory,
        pages,
        theme,
        versions,
        statics,
    }
}

/// Whether the archive of versions is written.
fn archive(config: &Config) -> bool {
    config.history.is_some_and(|h| h.archive)
}

/// A platform: each portal read over the shared step, then every portal's prose rendered
/// on every core.
fn platform(l: &mut Loader, shared: &mut Shared, portals: Vec<platform::Portal>) -> Vec<Site> {
    let mut staged: Vec<StagedPortal> = Vec::new();
    for portal in portals {
        if let Ok(p) = portal_step(l, shared, portal) {
            staged.push(p);
        }
    }
    // The prose of every portal, on every core: the files are read, what is left is CPU.
    let sources = &l.sources;
    let theme = &shared.theme;
    let rendered: Vec<(Vec<Page>, Vec<Diagnostic>, Vec<Diagnostic>)> = staged
        .par_iter_mut()
        .map(|(portal, inventory, docs, statics, versions)| {
            let pages = || docs.iter().map(|d| (d.locale.as_str(), d.slug.as_str()));
            let mut generated = layout::generated_paths(
                &portal.config.locales,
                pages(),
                &theme.statics,
                portal.config.consent.banner.is_some(),
            );
            generated.extend(versions.paths(archive(&portal.config), pages()));
            let (pages, problems) =
                render_prose(sources, &portal.config, inventory, std::mem::take(docs));
            let published = published(&generated, statics);
            let shown = check_site(&portal.config, inventory, &pages, versions, &published);
            (pages, problems, shown)
        })
        .collect();
    // Problems are merged in portal order, as a one-by-one load would report them.
    let mut sites = Vec::with_capacity(staged.len());
    for ((portal, inventory, _, statics, versions), (pages, problems, shown)) in
        staged.into_iter().zip(rendered)
    {
        for x in problems {
            l.diags.push_in(x, Some(&portal.id));
        }
        // An inventory with errors is partial: warnings about it would only mislead.
        if !l.diags.has_errors() {
            for x in shown {
                l.diags.push_in(x, Some(&portal.id));
            }
        }
        sites.push(Site {
            id: Some(portal.id),
            config: portal.config,
            inventory,
            pages,
            theme: Arc::clone(&shared.theme),
            versions,
            statics,
        });
    }
    sites
}

/// The per-portal step: the portal's inventory (its `sites/<id>/cookies.toml` laid over
/// the shared one), documents and static files, before its prose is rendered. `Err` when
/// its inventory has an error.
fn portal_step(
    l: &mut Loader,
    shared: &mut Shared,
    portal: platform::Portal,
) -> Result<StagedPortal, ErrorReported> {
    let inventory = match l.read_optional(&layout::portal_inventory(&portal.id))? {
        None => Arc::clone(&shared.inventory),
        Some(bytes) => {
            let (oid, text) = l.text(layout::portal_inventory(&portal.id), bytes)?;
            let oroot = decode::parse(&text, oid, 0, &mut l.diags)?;
            let (sid, sroot) = &shared.inventory_file;
            let first = inventory::read::Layer {
                file: *sid,
                text: &l.sources.get(*sid).text,
                root: sroot,
            };
            let overlay = inventory::read::Layer {
                file: oid,
                text: &l.sources.get(oid).text,
                root: &oroot,
            };
            let locales = decode::LocaleSet {
                required: &portal.config.locales,
                known: &shared.config.locales,
                check_texts: true,
            };
            // The shared file is read again under the portal's: its warnings, already
            // reported by the shared step, are not repeated.
            let mut own = Diagnostics::default();
            let read = inventory::read::load_layers(&first, Some(&overlay), locales, &mut own);
            for d in own.into_vec() {
                let shared_warning = d.severity == crate::diagnostics::Severity::Warning
                    && d.primary.as_ref().is_some_and(|p| p.file == *sid)
                    && l.diags.iter().any(|x| {
                        x.message == d.message
                            && x.primary.as_ref().map(|p| (p.file, &p.span))
                                == d.primary.as_ref().map(|p| (p.file, &p.span))
                    });
                if !shared_warning {
                    l.diags.push(d);
                }
            }
            Arc::new(read?)
        }
    };
    let content = layout::portal_content(&portal.id);
    let mut portal_docs = portal_documents(l, &portal, shared, &content);
    fill_dates(&mut shared.git, &mut portal_docs, &content);
    // The shared static files, with the portal's own added or replacing them.
    let own = statics(l, &layout::portal_static(&portal.id));
    let portal_statics = if own.is_empty() {
        Arc::clone(&shared.statics)
    } else {
        let mut all: Vec<StaticFile> = shared
            .statics
            .iter()
            .filter(|s| !own.iter().any(|o| o.path == s.path))
            .cloned()
            .collect();
        all.extend(own);
        all.sort_by(|a, b| a.path.cmp(&b.path));
        Arc::new(all)
    };
    let pages = || {
        portal_docs
            .iter()
            .map(|d| (d.locale.as_str(), d.slug.as_str()))
    };
    let versions = shared
        .timeline
        .record(Some(&portal.id), &portal.config, &mut pages());
    if !portal_statics.is_empty() {
        let mut generated = layout::generated_paths(
            &portal.config.locales,
            pages(),
            &shared.theme.statics,
            portal.config.consent.banner.is_some(),
        );
        generated.extend(versions.paths(archive(&portal.config), pages()));
        for x in check_statics(&portal_statics, &generated) {
            l.diags.push_in(x, Some(&portal.id));
        }
    }
    Ok((portal, inventory, portal_docs, portal_statics, versions))
}

/// The files of a `static/` folder, read through [`Input`] (a link out of the site is an
/// error, as for every file; a folder link that loops too), dot-files included.
fn statics(l: &mut Loader, dir: &str) -> Vec<StaticFile> {
    let mut out = Vec::new();
    let mut total = 0u64;
    let prefix = format!("{dir}/");
    for rel in l.walk_reporting_loops(dir, &format!("`{prefix}`")) {
        let Some(inside) = rel.strip_prefix(&prefix).map(str::to_string) else {
            continue;
        };
        // Such names cannot be published on every host, and `\` separates folders on some.
        if inside.contains('\\') || inside.chars().any(char::is_control) {
            l.diags.push(
                Diagnostic::error(
                    Code::StaticBadName,
                    format!(
                    "`{}` cannot be published: its name holds a backslash or a control character",
                    rel.escape_debug()
                ),
                )
                .in_file(rel.escape_debug().to_string())
                .help("rename the file with letters, digits, `-`, `_` and `.`"),
            );
            continue;
        }
        if let Ok(bytes) = l.read_bytes(&rel, crate::input::DANGLING) {
            total += bytes.len() as u64;
            if total > MAX_STATIC_BYTES {
                l.diags.push(
                    Diagnostic::error(
                        Code::StaticTooLarge,
                        format!("`{dir}` holds more than {} MiB, its folder links followed", MAX_STATIC_BYTES >> 20),
                    )
                    .in_file(dir)
                    .help("folder links that lead to the same folder again publish its files again: remove them, and keep large files (videos, archives) on another host"),
                );
                return Vec::new();
            }
            out.push(StaticFile {
                path: inside,
                source: rel,
                bytes,
            });
        }
    }
    out
}

/// The most a `static/` folder may hold: its files are held in memory and published, and
/// folder links could otherwise publish one file tens of thousands of times.
const MAX_STATIC_BYTES: u64 = 1 << 30;

/// Static files that would take the place of a file Clause writes (`generated`), of a
/// folder it writes into, or of its marker: errors naming both.
fn check_statics(statics: &[StaticFile], generated: &[String]) -> Vec<Diagnostic> {
    let files: HashSet<&str> = generated.iter().map(String::as_str).collect();
    let dirs: HashSet<&str> = generated
        .iter()
        .flat_map(|p| p.match_indices('/').map(move |(i, _)| &p[..i]))
        .collect();
    let mut out = Vec::new();
    for s in statics {
        let path = s.path.as_str();
        let clash = if path == layout::MARKER {
            Some(format!(
                "the marker `{path}` by which Clause knows its output folder"
            ))
        } else if files.contains(path) {
            Some(format!("the generated `{path}`"))
        } else if dirs.contains(path) {
            Some(format!("the generated folder `{path}/`"))
        } else {
            path.match_indices('/')
                .map(|(i, _)| &path[..i])
                .find(|a| files.contains(a))
                .map(|a| format!("the generated `{a}`, which is a file"))
        };
        if let Some(clash) = clash {
            out.push(
                Diagnostic::error(Code::StaticCollision, format!("`{}` collides with {clash}", s.source))
                    .in_file(&s.source)
                    .help(format!(
                        "Clause writes that itself: rename or remove `{}` (to change a generated file, edit the site's sources or its theme)",
                        s.source
                    )),
            );
        }
    }
    out
}

/// A portal read, before its prose is rendered: its settings, inventory, documents,
/// static files and versions.
type StagedPortal = (
    platform::Portal,
    Arc<Inventory>,
    Vec<Document>,
    Arc<Vec<StaticFile>>,
    Arc<Record>,
);

/// What every portal shares, read once: the settings, the inventory, the documents, git's
/// history, the theme and the static files.
struct Shared {
    config: Config,
    /// The shared inventory file, parsed: a portal's own file is laid over it.
    inventory_file: (FileId, decode::Spanned<decode::Val>),
    inventory: Arc<Inventory>,
    docs: Vec<Document>,
    git: Option<history::Git>,
    timeline: Box<dyn Timeline<Site>>,
    theme: Arc<Theme>,
    statics: Arc<Vec<StaticFile>>,
    /// Whether drafts are built.
    drafts: bool,
    /// The files of the drafts left out (when `drafts` is false).
    left_out: Vec<String>,
}

/// "Last updated" from git for the documents whose front matter has no `updated`.
fn fill_dates(git: &mut Option<history::Git>, docs: &mut [Document], dir: &str) {
    let Some(git) = git else { return };
    for doc in docs.iter_mut().filter(|d| d.updated.is_none()) {
        doc.updated = git.updated(&layout::document(dir, &doc.locale, &doc.slug));
    }
}

/// The shared documents in a portal's locales, each replaced by the portal's own version
/// under `sites/<id>/content/` when it has one. A portal's own draft replaces the shared
/// version only when drafts are built; otherwise it is left out, and named in
/// `shared.left_out`.
fn portal_documents(
    l: &mut Loader,
    portal: &platform::Portal,
    shared: &mut Shared,
    dir: &str,
) -> Vec<Document> {
    let mut out = Vec::new();
    for doc in shared
        .docs
        .iter()
        .filter(|d| portal.config.locales.contains(&d.locale))
    {
        let rel = layout::document(dir, &doc.locale, &doc.slug);
        match l.read_optional(&rel) {
            Ok(None) => out.push(doc.clone()),
            Ok(Some(bytes)) => {
                if let Ok((id, text)) = l.text(rel.clone(), bytes) {
                    if let Ok(d) =
                        content::parse_document(&text, id, &doc.locale, &doc.slug, &mut l.diags)
                    {
                        if d.draft && !shared.drafts {
                            shared.left_out.push(rel);
                            out.push(doc.clone());
                        } else {
                            out.push(d);
                        }
                    }
                }
            }
            Err(_) => {}
        }
    }
    let shared_docs = &shared.docs;
    let shared_drafts = &shared.left_out;
    // A portal document with no shared twin would be a page of one portal only.
    for locale in &portal.config.locales {
        for entry in l.input.list(&layout::locale_dir(dir, locale)) {
            let Some(slug) = entry.name.strip_suffix(".md") else {
                continue;
            };
            // A shared draft left out is replaced by the portal's version when drafts are built.
            let draft = layout::document(layout::CONTENT, locale, slug);
            if !shared_docs
                .iter()
                .any(|d| d.slug == slug && &d.locale == locale)
                && !shared_drafts.contains(&draft)
            {
                l.diags.push(
                    Diagnostic::warning(Code::UnmatchedPortalDocument, format!(
                        "{dir}/{locale}/{} replaces no shared document, so it is not built",
                        entry.name
                    ))
                    .in_file(format!("{dir}/{locale}/{}", entry.name))
                    .help(format!(
                        "a portal's documents replace those of content/: name it after one of them, or add content/{locale}/{}",
                        entry.name
                    )),
                );
            }
        }
    }
    out
}

/// The documents of `content/` in every locale, checked: every locale has one, and every
/// document that is not a draft exists in every locale (a draft may not be translated
/// yet). Without `drafts`, drafts are left out, their files added to `left_out`.
fn documents(
    l: &mut Loader,
    config: &Config,
    root: &str,
    drafts: bool,
    left_out: &mut Vec<String>,
) -> Vec<Document> {
    let mut slugs_by_locale: Vec<(usize, Vec<String>)> = Vec::new();
    for (i, locale) in config.locales.iter().enumerate() {
        let dir = layout::locale_dir(root, locale);
        let mut found = Vec::new();
        for entry in l.input.list(&dir) {
            let Some(stem) = entry.name.strip_suffix(".md") else {
                continue;
            };
            if entry.is_dir {
                continue;
            }
            let rel = format!("{dir}/{}", entry.name);
            if !content::is_page_name(stem) {
                bad_page_name(l, &rel, stem);
                continue;
            }
            found.push(stem.to_string());
        }
        if found.is_empty() {
            l.diags.push(
                Diagnostic::error(Code::LocaleWithoutDocument, format!("locale `{locale}` has no document"))
                    .at(config.file, config.locale_spans[i].clone(), "declared here")
                    .help(format!(
                        "write its policy in content/{locale}/<name>.md (e.g. content/{locale}/cookies.md), or remove `{locale}` from `locales`"
                    )),
            );
        }
        slugs_by_locale.push((i, found));
    }
    let mut order: Vec<(String, usize)> = Vec::new();
    for (i, found) in &slugs_by_locale {
        for slug in found {
            order.push((slug.clone(), *i));
        }
    }
    order.sort();
    // Every file is read, drafts too: their front matter says they are drafts. A file
    // that does not read is reported, and counts as a document that is not a draft.
    let mut read: Vec<(String, usize, Option<Document>)> = Vec::new();
    for (slug, i) in order {
        let locale = config.locales[i].clone();
        let rel = layout::document(layout::CONTENT, &locale, &slug);
        let help = format!("create {rel}");
        let doc = match l.read_text(&rel, &help) {
            Ok((id, text)) => content::parse_document(&text, id, &locale, &slug, &mut l.diags).ok(),
            Err(_) => None,
        };
        read.push((slug, i, doc));
    }
    let is_draft = |doc: &Option<Document>| doc.as_ref().is_some_and(|d| d.draft);
    let built = |doc: &Option<Document>| drafts || !is_draft(doc);
    // Each document's versions, by locale (an index: a site may have thousands).
    let mut versions: std::collections::BTreeMap<&str, Vec<Option<&Option<Document>>>> =
        std::collections::BTreeMap::new();
    for (slug, i, doc) in &read {
        versions
            .entry(slug.as_str())
            .or_insert_with(|| vec![None; config.locales.len()])[*i] = Some(doc);
    }
    // Every document must exist in every locale: no page may silently fall back to another
    // language. A draft's translations may not exist yet.
    for (i, found) in &slugs_by_locale {
        if found.is_empty() {
            continue;
        }
        let locale = &config.locales[*i];
        if !read.iter().any(|(_, j, d)| j == i && built(d)) {
            l.diags.push(
                Diagnostic::error(Code::OnlyDrafts, format!("locale `{locale}` has only drafts"))
                    .at(config.file, config.locale_spans[*i].clone(), "declared here")
                    .help(format!(
                        "remove `draft = true` from a document of content/{locale}/ to publish it (`clause serve` and `--drafts` show drafts)"
                    )),
            );
            continue;
        }
        for (slug, by_locale) in &versions {
            let help = match by_locale[*i] {
                Some(d) if built(d) => continue,
                here => {
                    // A version that is built and is no draft needs its translations.
                    let Some(j) = by_locale
                        .iter()
                        .position(|v| v.is_some_and(|d| built(d) && !is_draft(d)))
                    else {
                        continue;
                    };
                    let other = &config.locales[j];
                    if here.is_some() {
                        format!(
                            "content/{locale}/{slug}.md is a draft, left out of the build: remove its `draft = true` when it is ready, or mark content/{other}/{slug}.md `draft = true` too"
                        )
                    } else {
                        format!(
                            "translate content/{other}/{slug}.md into content/{locale}/{slug}.md"
                        )
                    }
                }
            };
            l.diags.push(
                Diagnostic::error(
                    Code::UntranslatedDocument,
                    format!("document `{slug}` has no `{locale}` version"),
                )
                .at(
                    config.file,
                    config.locale_spans[*i].clone(),
                    "this locale needs every document",
                )
                .help(help),
            );
        }
    }
    let mut docs = Vec::new();
    for (slug, i, doc) in read {
        let Some(doc) = doc else { continue };
        if drafts || !doc.draft {
            docs.push(doc);
        } else {
            left_out.push(layout::document(root, &config.locales[i], &slug));
        }
    }
    // Folders of content/ that are not declared locales are probably a forgotten `locales` entry.
    for entry in l.input.list(layout::CONTENT) {
        if entry.is_dir && !config.locales.contains(&entry.name) {
            let name = entry.name;
            l.diags.push(
                Diagnostic::warning(
                    Code::NotALocaleFolder,
                    format!("content/{name}/ is not a locale of this site, so it is not built"),
                )
                .in_file(format!("content/{name}"))
                .help(format!(
                    "add \"{name}\" to `locales` in site.toml, or remove the folder"
                )),
            );
        }
    }
    docs
}

/// Reports a document whose file name cannot name its page's folder.
fn bad_page_name(l: &mut Loader, rel: &str, stem: &str) {
    let help = match content::reserved_reason(stem) {
        Some(why) => format!(
            "`{stem}` {why}; rename the file, e.g. `{}-policy.md`",
            stem.to_ascii_lowercase()
        ),
        None => "the file name becomes part of the address: use lowercase letters, digits and `-`, e.g. `cookies.md`".into(),
    };
    l.diags.push(
        Diagnostic::error(
            Code::InvalidPageName,
            format!("`{stem}.md` cannot name a page"),
        )
        .in_file(rel)
        .help(help),
    );
}

/// What can be checked of `content/` when site.toml is unusable (so the locales are
/// unknown): the inventory, with every text it has but none required, and in each
/// folder of `content/`, the documents' names and front matter.
fn check_without_settings(
    l: &mut Loader,
    inventory: Option<(FileId, &decode::Spanned<decode::Val>)>,
) {
    if let Some((file, root)) = inventory {
        let used = inventory::read::locales_used(root);
        let _ = inventory::read::load_layers(
            &inventory::read::Layer {
                file,
                text: &l.sources.get(file).text,
                root,
            },
            None,
            decode::LocaleSet {
                required: &[],
                known: &used,
                check_texts: true,
            },
            &mut l.diags,
        );
    }
    for folder in l.input.list(layout::CONTENT) {
        if !folder.is_dir {
            continue;
        }
        let dir = layout::locale_dir(layout::CONTENT, &folder.name);
        for entry in l.input.list(&dir) {
            let Some(stem) = entry.name.strip_suffix(".md") else {
                continue;
            };
            if entry.is_dir {
                continue;
            }
            let rel = format!("{dir}/{}", entry.name);
            if !content::is_page_name(stem) {
                bad_page_name(l, &rel, stem);
                continue;
            }
            if let Ok((id, text)) = l.read_text(&rel, "") {
                let _ = content::parse_document(&text, id, &folder.name, stem, &mut l.diags);
            }
        }
    }
}

/// The documents' prose rendered, with the problems found in it. Reads nothing but the
/// texts already loaded, so that documents (and portals) are rendered on every core.
fn render_prose(
    sources: &Sources,
    config: &Config,
    inv: &Inventory,
    docs: Vec<Document>,
) -> (Vec<Page>, Vec<Diagnostic>) {
    // A category declared with an error is reported once, where it is declared: the prose
    // may still name it (its section is then empty, and the build fails on that error).
    let categories: Vec<&str> = inv
        .categories
        .iter()
        .map(|c| c.id.as_str())
        .chain(inv.rejected.iter().map(String::as_str))
        .collect();
    let mut reserved: HashSet<String> = categories.iter().map(|c| (*c).to_string()).collect();
    for d in &inv.definitions {
        reserved.insert(format!("def-{}", d.id));
    }
    reserved.extend(markdown::PAGE_IDS.map(str::to_string));
    // Made once per site and shared by every document's sanitizer.
    let documents: std::sync::Arc<HashSet<String>> =
        std::sync::Arc::new(docs.iter().map(|d| d.slug.clone()).collect());
    let names = markdown::Names {
        params: &config.params,
        categories: &categories,
        reserved: &reserved,
        raw_html: config.raw_html,
        controller: config.controller.is_some(),
        transfers: inv
            .providers
            .iter()
            .any(crate::inventory::Provider::outside_eea),
        documents: &documents,
    };
    // Each document on any core; collected in order, so the problems come in document
    // order whatever the number of threads.
    let rendered: Vec<(Page, Vec<Diagnostic>)> = docs
        .into_par_iter()
        .map(|doc| {
            let text = &sources.get(doc.file).text;
            let src = markdown::Source {
                text,
                offset: doc.body_offset,
                file: doc.file,
                locale: &doc.locale,
            };
            let mut d = Diagnostics::default();
            let mut prose = markdown::render(&src, &names, &mut d);
            // `sections = false`: nothing is added after prose without placeholders (the
            // only sections with a heading of their own).
            if !doc.sections {
                prose
                    .blocks
                    .retain(|b| !matches!(b, Block::Section { titled: true, .. }));
            }
            let page = Page {
                doc,
                blocks: prose.blocks,
                links: prose.links,
                ids: prose.ids,
            };
            (page, d.into_vec())
        })
        .collect();
    let mut pages = Vec::with_capacity(rendered.len());
    let mut problems = Vec::new();
    for (page, found) in rendered {
        pages.push(page);
        problems.extend(found);
    }
    (pages, problems)
}

/// Every file a site publishes: what Clause generates and the site's own static files.
fn published(generated: &[String], statics: &[StaticFile]) -> Vec<String> {
    let mut all = generated.to_vec();
    all.extend(statics.iter().map(|s| s.path.clone()));
    all
}

/// The warnings that need the whole site read: categories shown nowhere, broken links,
/// "Last updated" dates that contradict each other, the consent banner's unpublished files
/// and undeclared cookie.
fn check_site(
    config: &Config,
    inventory: &Inventory,
    pages: &[Page],
    versions: &Record,
    published: &[String],
) -> Vec<Diagnostic> {
    let mut out = check_shown(inventory, pages);
    // Pages with versions end with "Changes to this policy" (`#changes`).
    let history = config.history.is_some() && !versions.pages.is_empty();
    out.extend(links::check(config, inventory, pages, history, published));
    out.extend(check_dates(pages, versions, history::today()));
    out.extend(crate::consent::check(
        &config.consent,
        published,
        inventory,
        config.file,
        versions.revision,
    ));
    out
}

/// Warnings about "Last updated" written in front matter: older than the newest change
/// its page lists under "Changes to this policy", later than `today`, or different from
/// the same document's in another language.
fn check_dates(pages: &[Page], versions: &Record, today: Date) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for page in pages {
        let doc = &page.doc;
        let (Some(date), Some(span)) = (doc.updated, doc.updated_span.clone()) else {
            continue;
        };
        // The page's newest version that "Changes to this policy" lists.
        let newest = versions
            .page(&doc.locale, &doc.slug)
            .iter()
            .rev()
            .find(|v| v.unavailable.is_none())
            .map(|v| v.stamp.date);
        if let Some(newest) = newest.filter(|n| *n > date) {
            out.push(
                Diagnostic::warning(Code::UpdatedBeforeHistory, format!(
                    "`updated` is {}, older than the newest change under \"Changes to this policy\" ({})",
                    date.iso(),
                    newest.iso()
                ))
                .at(doc.file, span.clone(), "older than the last change")
                .help(format!(
                    "set `updated = {}` or later, or remove `updated` to show the date of the last commit",
                    newest.iso()
                )),
            );
        }
        if date > today {
            out.push(
                Diagnostic::warning(Code::UpdatedInFuture, format!("`updated` is {}, a date in the future", date.iso()))
                    .at(doc.file, span, format!("after today, {}", today.iso()))
                    .help("write the date the policy last changed; publish a change to come on the day it applies"),
            );
        }
    }
    // The same document in every language says when it changed: the first language that
    // writes a date is the one the others are compared with.
    for group in pages.chunk_by(|a, b| a.doc.slug == b.doc.slug) {
        let Some(first) = group.iter().find(|p| p.doc.updated_span.is_some()) else {
            continue;
        };
        let (Some(date), Some(first_span)) = (first.doc.updated, first.doc.updated_span.clone())
        else {
            continue;
        };
        for page in group.iter().filter(|p| p.doc.locale != first.doc.locale) {
            let doc = &page.doc;
            if doc.updated == Some(date) {
                continue;
            }
            let other = format!("the `{}` version says {}", first.doc.locale, date.iso());
            let d = match (&doc.updated_span, doc.updated) {
                (Some(span), Some(mine)) => Diagnostic::warning(
                    Code::UpdatedDiffers,
                    format!(
                        "`updated` is {} here, {} in the `{}` version of this document",
                        mine.iso(),
                        date.iso(),
                        first.doc.locale
                    ),
                )
                .at(
                    doc.file,
                    span.clone(),
                    format!("the `{}` version", doc.locale),
                ),
                _ => Diagnostic::warning(
                    Code::UpdatedDiffers,
                    format!(
                        "this document has no `updated`, while its `{}` version has {}",
                        first.doc.locale,
                        date.iso()
                    ),
                )
                .at(doc.file, 0..3, "no `updated` in this front matter"),
            };
            let help = if doc.updated_span.is_some() {
                "give every language of a document the same `updated`: the day the policy last changed".to_string()
            } else {
                format!(
                    "add `updated = {}` to this front matter, as the `{}` version has: every language then shows the same \"Last updated\"",
                    date.iso(),
                    first.doc.locale
                )
            };
            out.push(d.also(first.doc.file, first_span.clone(), other).help(help));
        }
    }
    out
}

/// Warnings about categories that have no cookie or that no page shows.
fn check_shown(inv: &Inventory, pages: &[Page]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for c in &inv.categories {
        let used = inv
            .cookies
            .iter()
            .any(|k| inv.categories[k.category].id == c.id);
        if !used {
            out.push(
                Diagnostic::warning(
                    Code::CategoryWithoutCookie,
                    format!("category `{}` has no cookie, so no page shows it", c.id),
                )
                .at(
                    inv.file,
                    c.span.clone(),
                    "no [[cookies]] entry has this category",
                )
                .help("add its cookies, or remove the category"),
            );
            continue;
        }
        let shown = pages.iter().any(|p| {
            p.blocks.iter().any(|b| match b {
                Block::Section {
                    section: Section::Cookies(None),
                    ..
                } => true,
                Block::Section {
                    section: Section::Cookies(Some(id)),
                    ..
                } => *id == c.id,
                _ => false,
            })
        });
        if !shown {
            out.push(
                Diagnostic::warning(
                    Code::CategoryNotShown,
                    format!("the cookies of category `{}` are on no page", c.id),
                )
                .at(c.file, c.span.clone(), "not shown by any document")
                .help(format!(
                    "add a paragraph `{{{{ cookies {} }}}}` (or `{{{{ cookies }}}}`) to a document",
                    c.id
                )),
            );
        }
    }
    out
}
