//! Loading a site: read every file once, validate, and build the model that rendering uses.
//! Loading never writes anything.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::{self, Config};
use crate::content::{self, Document};
use crate::decode;
use crate::diagnostics::{Diagnostic, Diagnostics, FileId, Sources};
use crate::history;
use crate::i18n::{Layer, Strings};
use crate::input::{Input, ReadError};
use crate::inventory::{self, Inventory};
use crate::layout;
use crate::markdown::{self, Block, Section};
use crate::platform;
use crate::theme::{self, ThemeFile};

/// A document in one locale, with its prose rendered.
#[derive(Debug)]
pub struct Page {
    /// Front matter and identity.
    pub doc: Document,
    /// Prose and generated sections, in order.
    pub blocks: Vec<Block>,
}

/// A template of the effective theme, parsed.
#[derive(Debug)]
pub struct Template {
    /// Name used by Tera (its path under `templates/`).
    pub name: String,
    /// Its file, for diagnostics.
    pub file: FileId,
}

/// The theme, parsed once and shared by every portal.
pub struct Theme {
    /// UI strings per locale.
    pub strings: BTreeMap<String, Strings>,
    /// Parsed templates.
    pub tera: tera::Tera,
    /// The template files, to map render errors back to them.
    pub templates: Vec<Template>,
    /// Static files to copy to `output/static/`, path inside `static/` and bytes.
    pub statics: Vec<(String, Vec<u8>)>,
}

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
    /// "Changes to this policy", newest first; empty unless `[history]` is on.
    pub history: Arc<Vec<history::Entry>>,
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
}

struct Loader<'i> {
    input: &'i Input,
    sources: Sources,
    diags: Diagnostics,
}

impl Loader<'_> {
    /// Reads a file as bytes; reports a missing file or a link out of the site.
    fn read_bytes(&mut self, rel: &str, missing_help: &str) -> Option<Vec<u8>> {
        match self.input.read(rel) {
            Ok(b) => Some(b),
            Err(ReadError::NotFound) => {
                self.diags.push(
                    Diagnostic::error(format!("`{rel}` does not exist"))
                        .in_file(rel)
                        .help(missing_help),
                );
                None
            }
            Err(ReadError::Outside(real)) => {
                self.diags.push(
                    Diagnostic::error(format!(
                        "`{rel}` is a link to `{}`, outside the site folder",
                        real.display()
                    ))
                    .in_file(rel)
                    .help("Clause reads only files inside the site folder: copy the file here instead of linking to it"),
                );
                None
            }
            Err(ReadError::Io(e)) => {
                self.diags.push(
                    Diagnostic::error(format!("cannot read `{rel}`: {e}"))
                        .in_file(rel)
                        .help("check that the file is readable"),
                );
                None
            }
        }
    }

    /// Reads a text file; reports a missing file, a non-UTF-8 file, or a link out of the site.
    fn read_text(&mut self, rel: &str, missing_help: &str) -> Option<(FileId, String)> {
        let bytes = self.read_bytes(rel, missing_help)?;
        self.text(rel.to_string(), bytes)
    }

    /// Keeps a file's text for diagnostics, or reports that it is not UTF-8.
    fn text(&mut self, name: String, bytes: Vec<u8>) -> Option<(FileId, String)> {
        match String::from_utf8(bytes) {
            Ok(mut text) => {
                // A byte-order mark is invisible in editors; it must not break the first key.
                if text.starts_with('\u{feff}') {
                    text.drain(..3);
                }
                let id = self.sources.add(name, text.clone());
                Some((id, text))
            }
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                // In the lossy text the replacement character starts at the same offset.
                let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let id = self.sources.add(name, lossy);
                self.diags.push(
                    Diagnostic::error("the file is not UTF-8 text")
                        .at(id, valid..valid + 3, "this byte is not UTF-8")
                        .help("save the file as UTF-8 (most editors offer it under \"Save as…\" or \"Encoding\")"),
                );
                None
            }
        }
    }
}

/// Reads, validates and models the site.
pub fn load(input: &Input) -> Loaded {
    let mut l = Loader {
        input,
        sources: Sources::default(),
        diags: Diagnostics::default(),
    };
    let sites = load_inner(&mut l);
    let sites = if l.diags.has_errors() {
        Vec::new()
    } else {
        sites
    };
    Loaded {
        sites,
        sources: l.sources,
        diags: l.diags,
    }
}

fn load_inner(l: &mut Loader) -> Vec<Site> {
    if !l.input.root_is_dir() {
        l.diags.push(
            Diagnostic::error(format!("`{}` is not a folder", l.input.describe()))
                .help("give the folder that holds site.toml with --root, or run `clause init <dir>` to start a new site"),
        );
        return Vec::new();
    }
    let Some(site_bytes) = l.read_bytes(
        layout::SITE_TOML,
        "run Clause in the site's folder (the one with site.toml), pass --root, or create a site with `clause init <dir>`",
    ) else {
        return Vec::new();
    };
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
        .and_then(|(id, text)| Some((id, decode::parse(&text, id, 0, &mut l.diags)?)));
    let inventory = match (&shared_inv, &config) {
        (Some((id, root)), Some(_)) => inventory::load_layers(
            &[inventory::Layer {
                file: *id,
                text: &l.sources.get(*id).text,
                root,
            }],
            locales.as_slice().into(),
            &mut l.diags,
        ),
        _ => None,
    };
    let Some(config) = config else {
        let shared = shared_inv.as_ref().map(|(id, root)| (*id, root));
        check_without_settings(l, shared);
        return Vec::new();
    };
    let mut docs = load_documents(l, &config, layout::CONTENT);
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
    let theme_files = load_theme(l, &config);
    let statics = Arc::new(load_statics(l, layout::STATIC));
    let strings = load_strings(l, &config, &theme_files);
    let (tera, templates) = load_templates(l, &theme_files);
    let (Some(inventory), Some(strings), Some(tera)) = (inventory, strings, tera) else {
        return Vec::new();
    };
    let theme = Arc::new(Theme {
        strings,
        tera,
        templates,
        statics: theme_files
            .iter()
            .filter_map(|f| {
                f.path
                    .strip_prefix("static/")
                    .map(|p| (p.to_string(), f.bytes.clone()))
            })
            .collect(),
    });
    let inventory = Arc::new(inventory);

    let portals = match l.input.read(layout::SITES_TOML) {
        Err(ReadError::NotFound) => None,
        _ => l
            .read_text(layout::SITES_TOML, "")
            .map(|(file, text)| platform::load(&text, file, &config, &mut l.diags)),
    };
    let Some(portals) = portals else {
        let generated = crate::render::generated_paths(
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
        return vec![Site {
            id: None,
            config,
            inventory,
            pages,
            theme,
            history: entries,
            statics,
        }];
    };
    let mut staged: Vec<StagedPortal> = Vec::new();
    for portal in portals {
        let overlay_path = layout::portal_inventory(&portal.id);
        let inventory = if l.input.read(&overlay_path).is_ok() {
            let shared = shared_inv.as_ref();
            let overlay = l
                .read_text(&overlay_path, "")
                .and_then(|(id, text)| Some((id, decode::parse(&text, id, 0, &mut l.diags)?)));
            match (shared, overlay) {
                (Some((sid, sroot)), Some((oid, oroot))) => inventory::load_layers(
                    &[
                        inventory::Layer {
                            file: *sid,
                            text: &l.sources.get(*sid).text,
                            root: sroot,
                        },
                        inventory::Layer {
                            file: oid,
                            text: &l.sources.get(oid).text,
                            root: &oroot,
                        },
                    ],
                    decode::LocaleSet {
                        required: &portal.config.locales,
                        known: &config.locales,
                    },
                    &mut l.diags,
                )
                .map(Arc::new),
                _ => None,
            }
        } else {
            Some(Arc::clone(&inventory))
        };
        let Some(inventory) = inventory else { continue };
        let content = layout::portal_content(&portal.id);
        let mut portal_docs = portal_documents(l, &portal, &docs, &content);
        fill_dates(&mut git, &mut portal_docs, &content);
        // The shared static files, with the portal's own added or replacing them.
        let own = load_statics(l, &layout::portal_static(&portal.id));
        let portal_statics = if own.is_empty() {
            Arc::clone(&statics)
        } else {
            let mut all: Vec<StaticFile> = statics
                .iter()
                .filter(|s| !own.iter().any(|o| o.path == s.path))
                .cloned()
                .collect();
            all.extend(own);
            all.sort_by(|a, b| a.path.cmp(&b.path));
            Arc::new(all)
        };
        if !portal_statics.is_empty() {
            let generated = crate::render::generated_paths(
                &portal.config.locales,
                portal_docs
                    .iter()
                    .map(|d| (d.locale.as_str(), d.slug.as_str())),
                &theme.statics,
            );
            for x in check_statics(&portal_statics, &generated) {
                l.diags.push_in(x, Some(&portal.id));
            }
        }
        staged.push((portal, inventory, portal_docs, portal_statics));
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
            theme: Arc::clone(&theme),
            history: Arc::clone(&entries),
            statics,
        });
    }
    sites
}

/// The files of a `static/` folder, read through [`Input`] (a link out of the site is an
/// error, as for every file), dot-files included.
fn load_statics(l: &mut Loader, dir: &str) -> Vec<StaticFile> {
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
        if let Some(bytes) = l.read_bytes(&rel, "") {
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
        let clash = if path == crate::output::MARKER {
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
        if l.input.read(&rel).is_ok() {
            if let Some((id, text)) = l.read_text(&rel, "") {
                if let Some(d) =
                    content::parse_document(&text, id, &doc.locale, &doc.slug, &mut l.diags)
                {
                    out.push(d);
                }
            }
        } else {
            out.push(doc.clone());
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

fn load_documents(l: &mut Loader, config: &Config, root: &str) -> Vec<Document> {
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
        if let Some((id, text)) = l.read_text(&rel, &help) {
            if let Some(doc) = content::parse_document(&text, id, &locale, &slug, &mut l.diags) {
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
        let used = inventory::locales_used(root);
        let _ = inventory::load_layers(
            &[inventory::Layer {
                file,
                text: &l.sources.get(file).text,
                root,
            }],
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
            if let Some((id, text)) = l.read_text(&rel, "") {
                let _ = content::parse_document(&text, id, &folder.name, stem, &mut l.diags);
            }
        }
    }
}

fn load_theme(l: &mut Loader, config: &Config) -> Vec<ThemeFile> {
    let dir = layout::theme_dir(&config.theme);
    let mut site_files = Vec::new();
    if l.input.is_dir(&dir) {
        let (files, loops) = l.input.walk_checked(&dir);
        for found in loops {
            let target = if found.target.is_empty() {
                "the site folder".to_string()
            } else {
                format!("`{}`", found.target)
            };
            l.diags.push(
                Diagnostic::error(format!(
                    "this folder link leads back to {target}, which holds it"
                ))
                .in_file(&found.link)
                .help("Clause does not follow it (it would lead round for ever): remove the link, and put the files it should bring in the theme's folder itself"),
            );
        }
        for rel in files {
            let Some(inside) = rel.strip_prefix(&format!("{dir}/")).map(str::to_string) else {
                continue;
            };
            if !layout::THEME_PARTS.iter().any(|p| inside.starts_with(p)) {
                continue;
            }
            if let Some(bytes) = l.read_bytes(&rel, "") {
                site_files.push((inside, rel, bytes));
            }
        }
    } else if config.theme != "default" {
        let span = config.theme_span.clone().unwrap_or(0..0);
        l.diags.push(
            Diagnostic::error(format!("theme `{}` not found", config.theme))
                .at(config.file, span, "no such folder in themes/")
                .help(format!(
                    "create themes/{}/ or remove `theme` from site.toml to use the default theme",
                    config.theme
                )),
        );
    }
    // A named theme still falls back to the built-in default for files it does not provide.
    theme::merge(true, site_files)
}

fn load_strings(
    l: &mut Loader,
    config: &Config,
    files: &[ThemeFile],
) -> Option<BTreeMap<String, Strings>> {
    let mut out = BTreeMap::new();
    let mut ok = true;
    for (i, locale) in config.locales.iter().enumerate() {
        let path = layout::theme_strings(locale);
        let mut layers_src = Vec::new();
        if let Some(b) = theme::builtin_file(&path) {
            layers_src.push((format!("<built-in default theme>/{path}"), b.to_vec()));
        }
        if let Some(f) = files
            .iter()
            .find(|f| f.path == path && f.origin != theme::Origin::Builtin)
        {
            layers_src.push((f.display(), f.bytes.clone()));
        }
        let mut layers_text = Vec::new();
        for (name, bytes) in layers_src {
            match l.text(name, bytes) {
                Some(t) => layers_text.push(t),
                None => ok = false,
            }
        }
        let layers: Vec<Layer> = layers_text
            .iter()
            .map(|(id, text)| Layer { file: *id, text })
            .collect();
        match Strings::load(
            locale,
            &layers,
            (config.file, config.locale_spans[i].clone()),
            &mut l.diags,
        ) {
            Some(s) => {
                out.insert(locale.clone(), s);
            }
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn load_templates(l: &mut Loader, files: &[ThemeFile]) -> (Option<tera::Tera>, Vec<Template>) {
    let mut tera = tera::Tera::new();
    let mut templates = Vec::new();
    let mut raw = Vec::new();
    for f in files {
        let Some(name) = f.path.strip_prefix("templates/") else {
            continue;
        };
        let Some((id, text)) = l.text(f.display(), f.bytes.clone()) else {
            continue;
        };
        templates.push(Template {
            name: name.to_string(),
            file: id,
        });
        raw.push((name.to_string(), text));
    }
    match tera.add_raw_templates(raw) {
        Ok(()) => (Some(tera), templates),
        Err(e) => {
            l.diags.push(template_diagnostic(&e, &templates));
            (None, templates)
        }
    }
}

/// Turns a Tera error into a diagnostic pointing into the template file.
pub fn template_diagnostic(e: &tera::Error, templates: &[Template]) -> Diagnostic {
    use tera::ErrorKind;
    match e.kind() {
        ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
            let kind = if matches!(e.kind(), ErrorKind::SyntaxError(_)) {
                "template syntax error"
            } else {
                "template error"
            };
            let d = Diagnostic::error(format!("{kind}: {}", report.message()));
            match templates.iter().find(|t| t.name == report.filename()) {
                Some(t) => d
                    .at(t.file, report.span().range.clone(), report.message())
                    .help("see the Tera documentation for template syntax; remove the site's copy of this template to use the built-in one"),
                None => d.help("check the theme's templates"),
            }
        }
        other => Diagnostic::error(format!("template error: {other}"))
            .help("check the theme's templates; remove the site's copy of a template to use the built-in one"),
    }
}

/// The documents' prose rendered, with the problems found in it. Reads nothing but the
/// texts already loaded, so that portals are rendered on every core.
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
    let mut pages = Vec::new();
    let mut problems = Vec::new();
    for doc in docs {
        let text = &sources.get(doc.file).text;
        let src = markdown::Source {
            text,
            offset: doc.body_offset,
            file: doc.file,
            locale: &doc.locale,
        };
        let mut d = Diagnostics::default();
        let blocks = markdown::render(&src, &names, &mut d);
        problems.extend(d.into_vec());
        pages.push(Page { doc, blocks });
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
