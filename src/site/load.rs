//! Reading a site: every file once, validated, into the model of [`crate::site`]. The
//! shared step reads what every portal has in common (site.toml, the inventory, the
//! documents, git's history, the theme, `static/`); the per-portal step lays each portal's
//! own files over it. Reading never writes anything.

use std::collections::HashSet;
use std::sync::Arc;

use rayon::prelude::*;

use super::{Page, Site, StaticFile};
use crate::config::{self, Config};
use crate::content::{self, Document};
use crate::decode;
use crate::diagnostics::{Diagnostic, Diagnostics, ErrorReported, FileId, Sources};
use crate::history;
use crate::input::{Input, Loader};
use crate::inventory::{self, Inventory};
use crate::layout;
use crate::markdown::{self, Block, Section};
use crate::platform;
use crate::theme::{self, Theme};

/// Reads, validates and models the site, or every portal of a platform; the problems
/// found are in `l`.
pub(super) fn sites(l: &mut Loader) -> Vec<Site> {
    let Ok(mut shared) = shared(l) else {
        return Vec::new();
    };
    match portals(l, &shared.config) {
        None => vec![single(l, shared)],
        Some(portals) => platform(l, &mut shared, portals),
    }
}

/// The shared step: everything but `sites.toml` and `sites/`. `Err` when something every
/// portal needs has an error.
fn shared(l: &mut Loader) -> Result<Shared, ErrorReported> {
    if !l.input.root_is_dir() {
        return Err(l.diags.error(
            Diagnostic::error(format!("`{}` is not a folder", l.input.describe()))
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
    let mut docs = documents(l, &config, layout::CONTENT);
    // History and dates from git: only when asked, only on disk.
    let mut git = match (&config.history, l.input) {
        (Some(_), Input::Disk(root)) => history::Git::open(root),
        _ => None,
    };
    let entries = Arc::new(match (&git, &config.history) {
        (Some(g), Some(h)) => g.entries(h.limit, &config.locales),
        _ => Vec::new(),
    });
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
        history: entries,
        statics,
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
fn single(l: &mut Loader, shared: Shared) -> Site {
    let Shared {
        config,
        inventory,
        docs,
        history,
        theme,
        statics,
        ..
    } = shared;
    let generated = layout::generated_paths(
        &config.locales,
        docs.iter().map(|d| (d.locale.as_str(), d.slug.as_str())),
        &theme.statics,
    );
    for x in check_statics(&statics, &generated) {
        l.diags.push(x);
    }
    let (pages, problems) = render_prose(&l.sources, &config, &inventory, docs);
    for x in problems {
        l.diags.push_in(x, None);
    }
    // An inventory with errors is partial: warnings about it would only mislead.
    if !l.diags.has_errors() {
        for x in check_shown(&inventory, &pages) {
            l.diags.push_in(x, None);
        }
    }
    Site {
        id: None,
        config,
        inventory,
        pages,
        theme,
        history,
        statics,
    }
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
    let rendered: Vec<(Vec<Page>, Vec<Diagnostic>, Vec<Diagnostic>)> = staged
        .par_iter_mut()
        .map(|(portal, inventory, docs, _)| {
            let (pages, problems) =
                render_prose(sources, &portal.config, inventory, std::mem::take(docs));
            let shown = check_shown(inventory, &pages);
            (pages, problems, shown)
        })
        .collect();
    // Problems are merged in portal order, as a one-by-one load would report them.
    let mut sites = Vec::with_capacity(staged.len());
    for ((portal, inventory, _, statics), (pages, problems, shown)) in
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
            history: Arc::clone(&shared.history),
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
            };
            Arc::new(inventory::read::load_layers(
                &first,
                Some(&overlay),
                locales,
                &mut l.diags,
            )?)
        }
    };
    let content = layout::portal_content(&portal.id);
    let mut portal_docs = portal_documents(l, &portal, &shared.docs, &content);
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
    if !portal_statics.is_empty() {
        let generated = layout::generated_paths(
            &portal.config.locales,
            portal_docs
                .iter()
                .map(|d| (d.locale.as_str(), d.slug.as_str())),
            &shared.theme.statics,
        );
        for x in check_statics(&portal_statics, &generated) {
            l.diags.push_in(x, Some(&portal.id));
        }
    }
    Ok((portal, inventory, portal_docs, portal_statics))
}

/// The files of a `static/` folder, read through [`Input`] (a link out of the site is an
/// error, as for every file), dot-files included.
fn statics(l: &mut Loader, dir: &str) -> Vec<StaticFile> {
    let mut out = Vec::new();
    let prefix = format!("{dir}/");
    for rel in l.input.walk(dir) {
        let Some(inside) = rel.strip_prefix(&prefix).map(str::to_string) else {
            continue;
        };
        // Such names cannot be published on every host, and `\` separates folders on some.
        if inside.contains('\\') || inside.chars().any(char::is_control) {
            l.diags.push(
                Diagnostic::error(format!(
                    "`{}` cannot be published: its name holds a backslash or a control character",
                    rel.escape_debug()
                ))
                .in_file(rel.escape_debug().to_string())
                .help("rename the file with letters, digits, `-`, `_` and `.`"),
            );
            continue;
        }
        if let Ok(bytes) = l.read_bytes(&rel, "") {
            out.push(StaticFile {
                path: inside,
                source: rel,
                bytes,
            });
        }
    }
    out
}

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
                Diagnostic::error(format!("`{}` collides with {clash}", s.source))
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

/// A portal read, before its prose is rendered: its settings, inventory, documents and
/// static files.
type StagedPortal = (
    platform::Portal,
    Arc<Inventory>,
    Vec<Document>,
    Arc<Vec<StaticFile>>,
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
    history: Arc<Vec<history::Entry>>,
    theme: Arc<Theme>,
    statics: Arc<Vec<StaticFile>>,
}

/// "Last updated" from git for the documents whose front matter has no `updated`.
fn fill_dates(git: &mut Option<history::Git>, docs: &mut [Document], dir: &str) {
    let Some(git) = git else { return };
    for doc in docs.iter_mut().filter(|d| d.updated.is_none()) {
        doc.updated = git.updated(&layout::document(dir, &doc.locale, &doc.slug));
    }
}

/// The shared documents in a portal's locales, each replaced by the portal's own version
/// under `sites/<id>/content/` when it has one.
fn portal_documents(
    l: &mut Loader,
    portal: &platform::Portal,
    shared: &[Document],
    dir: &str,
) -> Vec<Document> {
    let mut out = Vec::new();
    for doc in shared
        .iter()
        .filter(|d| portal.config.locales.contains(&d.locale))
    {
        let rel = layout::document(dir, &doc.locale, &doc.slug);
        match l.read_optional(&rel) {
            Ok(None) => out.push(doc.clone()),
            Ok(Some(bytes)) => {
                if let Ok((id, text)) = l.text(rel, bytes) {
                    if let Ok(d) =
                        content::parse_document(&text, id, &doc.locale, &doc.slug, &mut l.diags)
                    {
                        out.push(d);
                    }
                }
            }
            Err(_) => {}
        }
    }
    // A portal document with no shared twin would be a page of one portal only.
    for locale in &portal.config.locales {
        for entry in l.input.list(&layout::locale_dir(dir, locale)) {
            let Some(slug) = entry.name.strip_suffix(".md") else {
                continue;
            };
            if !shared.iter().any(|d| d.slug == slug && &d.locale == locale) {
                l.diags.push(
                    Diagnostic::warning(format!(
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

fn documents(l: &mut Loader, config: &Config, root: &str) -> Vec<Document> {
    let mut docs: Vec<Document> = Vec::new();
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
                Diagnostic::error(format!("locale `{locale}` has no document"))
                    .at(config.file, config.locale_spans[i].clone(), "declared here")
                    .help(format!(
                        "write its policy in content/{locale}/<name>.md (e.g. content/{locale}/cookies.md), or remove `{locale}` from `locales`"
                    )),
            );
        }
        slugs_by_locale.push((i, found));
    }
    // Every document must exist in every locale: no page may silently fall back to another language.
    let all: std::collections::BTreeSet<&String> =
        slugs_by_locale.iter().flat_map(|(_, v)| v.iter()).collect();
    for (i, found) in &slugs_by_locale {
        if found.is_empty() {
            continue;
        }
        let locale = &config.locales[*i];
        // A set: a legal centre has thousands of documents.
        let found: HashSet<&String> = found.iter().collect();
        for slug in &all {
            if !found.contains(slug) {
                let other = slugs_by_locale
                    .iter()
                    .find_map(|(j, v)| v.contains(slug).then(|| &config.locales[*j]))
                    .cloned()
                    .unwrap_or_default();
                l.diags.push(
                    Diagnostic::error(format!("document `{slug}` has no `{locale}` version"))
                        .at(
                            config.file,
                            config.locale_spans[*i].clone(),
                            "this locale needs every document",
                        )
                        .help(format!(
                            "translate content/{other}/{slug}.md into content/{locale}/{slug}.md"
                        )),
                );
            }
        }
    }
    let mut order: Vec<(String, usize)> = Vec::new();
    for (i, found) in slugs_by_locale {
        for slug in found {
            order.push((slug, i));
        }
    }
    order.sort();
    for (slug, i) in order {
        let locale = config.locales[i].clone();
        let rel = layout::document(layout::CONTENT, &locale, &slug);
        let help = format!("create {rel}");
        if let Ok((id, text)) = l.read_text(&rel, &help) {
            if let Ok(doc) = content::parse_document(&text, id, &locale, &slug, &mut l.diags) {
                docs.push(doc);
            }
        }
    }
    // Folders of content/ that are not declared locales are probably a forgotten `locales` entry.
    for entry in l.input.list(layout::CONTENT) {
        if entry.is_dir && !config.locales.contains(&entry.name) {
            let name = entry.name;
            l.diags.push(
                Diagnostic::warning(format!(
                    "content/{name}/ is not a locale of this site, so it is not built"
                ))
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
        Diagnostic::error(format!("`{stem}.md` cannot name a page"))
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
    let categories: Vec<&str> = inv.categories.iter().map(|c| c.id.as_str()).collect();
    let mut reserved: HashSet<String> = categories.iter().map(|c| (*c).to_string()).collect();
    for d in &inv.definitions {
        reserved.insert(format!("def-{}", d.id));
    }
    reserved.extend(markdown::PAGE_IDS.map(str::to_string));
    let names = markdown::Names {
        params: &config.params,
        categories: &categories,
        reserved: &reserved,
        raw_html: config.raw_html,
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
            let blocks = markdown::render(&src, &names, &mut d);
            (Page { doc, blocks }, d.into_vec())
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

/// Warns about categories with no cookie and categories that no page shows.
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
                Diagnostic::warning(format!("category `{}` has no cookie", c.id))
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
                Diagnostic::warning(format!("the cookies of category `{}` are on no page", c.id))
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
