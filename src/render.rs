//! Rendering: the validated model in, every output file's bytes out. Reads no file.

use serde::Serialize;

use crate::config::Column;
use crate::diagnostics::{Code, Diagnostic};
use crate::diff::sentences::{Segment, Sentence};
use crate::export;
use crate::i18n::Strings;
use crate::inventory::{Consent, Provider, Transfer};
use crate::layout::{self, csv_path, page_href, page_path, page_url, theme_static_path};
use crate::legal::{self, Zone};
use crate::markdown::{Block, Heading, Section};
use crate::record::Decision;
use crate::site::{Archive, Version};
use crate::site::{Page, Site};

/// One file of the output, path relative to the output folder with `/` separators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative path.
    pub path: String,
    /// Contents.
    pub bytes: Vec<u8>,
}

#[derive(Serialize)]
struct Link {
    locale: String,
    name: String,
    href: String,
    current: bool,
}

/// A document of the page's language, in the navigation between them.
#[derive(Serialize)]
struct DocumentLink {
    title: String,
    href: String,
    current: bool,
}

#[derive(Serialize)]
struct Alternate {
    hreflang: String,
    href: String,
}

#[derive(Serialize)]
struct TocEntry {
    id: String,
    text: String,
    children: Vec<TocEntry>,
}

#[derive(Serialize, Clone)]
struct Name {
    name: String,
    prefix: Option<String>,
}

#[derive(Serialize, Clone)]
struct Row {
    provider: String,
    provider_url: Option<String>,
    privacy_policy: Option<String>,
    function: String,
    names: Vec<Name>,
    purpose: String,
    duration: String,
    duration_note: Option<String>,
    party: String,
    storage: String,
    domain: Option<String>,
    data: Option<String>,
    retention: Option<String>,
    transfer: Option<String>,
}

#[derive(Serialize)]
struct CategoryCtx {
    id: String,
    title: String,
    description: Option<String>,
    consent: Consent,
    consent_text: String,
    /// "Legal basis: …", when the inventory gives it.
    basis: Option<String>,
    /// Why the category needs no consent, when the inventory says.
    exemption: Option<String>,
    rows: Vec<Row>,
    /// The rows again, in runs of the same provider: a provider is shown once per run.
    groups: Vec<GroupCtx>,
}

/// Consecutive cookies of one provider in a category's table.
#[derive(Serialize)]
struct GroupCtx {
    /// The `id` of the group's provider cell, unique in the page.
    id: String,
    /// Whether the table has a provider column (whose cell heads the group).
    provider: bool,
    rows: Vec<Row>,
}

#[derive(Serialize)]
struct DefinitionCtx {
    id: String,
    term: String,
    text: String,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum BlockCtx<'a> {
    Html {
        /// Borrowed: the prose of a 50 MB document is not copied once more.
        html: &'a str,
    },
    Definitions {
        level: u8,
        titled: bool,
        /// The locale's definitions, shared by its pages.
        items: tera::Value,
    },
    Cookies {
        /// Level of the "Cookies" heading, when the section is titled.
        title_level: u8,
        /// Level of each category's heading.
        level: u8,
        titled: bool,
        /// The categories shown, shared by the locale's pages.
        categories: tera::Value,
    },
    Controller {
        level: u8,
        titled: bool,
        /// `[controller]` (an `Option<ControllerCtx>`), shared by the locale's pages; none:
        /// nothing to show (the loader reported a placeholder without it).
        controller: tera::Value,
    },
    Transfers {
        level: u8,
        titled: bool,
        /// The locale's `Vec<TransferCtx>`, shared by its pages.
        rows: tera::Value,
    },
}

/// A link: what it says and where it goes.
#[derive(Serialize)]
struct LinkCtx {
    text: String,
    href: String,
}

/// `[controller]` in a page's language.
#[derive(Serialize)]
struct ControllerCtx {
    name: String,
    /// The address, line by line.
    address: Vec<String>,
    contact: LinkCtx,
    dpo: Option<LinkCtx>,
}

/// A provider that receives data outside the EEA, in a page's language.
#[derive(Serialize)]
struct TransferCtx {
    provider: String,
    provider_url: Option<String>,
    country: String,
    role: Option<String>,
    safeguard: Option<String>,
    privacy_policy: Option<String>,
}

#[derive(Serialize)]
struct ColumnCtx {
    key: Column,
    header: String,
    /// The column a phone's card leads with: the names, else the first but the provider.
    lead: bool,
}

/// The site's consent banner, as a page loads it (`[consent]`).
#[derive(Serialize)]
struct ConsentCtx {
    /// `cookieconsent` or `klaro`: how the theme's script opens it.
    manager: &'static str,
    /// The banner's script, relative to the page (or from the host's root).
    script: String,
    /// Its stylesheet, if it has one of its own.
    stylesheet: Option<String>,
    /// The configuration the theme's script starts it with, if `script` does not.
    config: Option<String>,
}

/// The banner of `site` as a page `root` below the published folder loads it.
fn consent_ctx(site: &Site, root: &str) -> Option<ConsentCtx> {
    let b = site.config.consent.banner.as_ref()?;
    Some(ConsentCtx {
        manager: b.manager.key(),
        script: b.script.target.href(root),
        stylesheet: b.stylesheet.as_ref().map(|p| p.target.href(root)),
        config: b.config.as_ref().map(|p| p.target.href(root)),
    })
}

#[derive(Serialize)]
struct PageCtx<'a> {
    lang: &'a str,
    title: &'a str,
    site_title: &'a str,
    description: Option<&'a str>,
    canonical: String,
    alternates: Vec<Alternate>,
    languages: Vec<Link>,
    /// The documents of the page's language, when there are several.
    documents: Navigation,
    /// A draft, built by `clause serve` or `--drafts`: the page says so.
    draft: bool,
    updated: Option<(String, String)>,
    toc: Vec<TocEntry>,
    blocks: Vec<BlockCtx<'a>>,
    /// This and the fields below are the locale's, shared by its pages (see [`LocaleCtx`]).
    columns: tera::Value,
    root: &'static str,
    ui: tera::Value,
    /// The versions of this page ("Changes to this policy").
    changes: tera::Value,
    /// "Version of …" and the consent revision, when the history is known.
    version: Option<VersionCtx>,
    /// On an archived version: what it is, and the links to its neighbours.
    archive: Option<ArchiveCtx>,
    /// Kept out of search engines (archived versions).
    noindex: bool,
    consent: tera::Value,
}

#[derive(Serialize)]
struct SitemapCtx {
    urls: Vec<SitemapUrl>,
}

#[derive(Serialize)]
struct SitemapUrl {
    loc: String,
    lastmod: Option<String>,
    /// Shared by the document's pages in every locale.
    alternates: tera::Value,
}

/// One entry of "Changes to this policy" (a version of the page), or of its list of
/// versions.
#[derive(Serialize)]
struct HistoryCtx {
    /// ISO date, for `<time datetime>`.
    iso: String,
    /// The date in the page's language.
    date: String,
    /// The commit, so that the text can be traced to the revision that made it.
    commit: String,
    /// The archived version, when there is one.
    href: Option<String>,
    /// What changed, as sentences in the page's language.
    sentences: Vec<Sentence>,
    /// The consent revision from this version on ("Consent revision 3").
    revision: String,
    /// Why the version cannot be shown.
    unavailable: Option<String>,
}

/// A page's version line.
#[derive(Serialize)]
struct VersionCtx {
    /// The version's ISO date.
    iso: String,
    /// "Version of 9 March 2026"; `None` for a page not yet committed.
    label: Option<String>,
    /// "Consent revision 3".
    revision: String,
    /// The page's list of versions, when the archive is written.
    versions_href: Option<String>,
}

/// What an archived version says at its top.
#[derive(Serialize)]
struct ArchiveCtx {
    /// "This version was in force from … to …."
    notice: String,
    /// The current page.
    current_href: String,
    /// The previous and next archived versions.
    previous: Option<String>,
    next: Option<String>,
    /// The page's list of versions.
    versions_href: String,
}

/// A version's sentences in the page's language: the first version, the text, the
/// inventory's changes, and the consent revision when it went up (or when the publisher
/// decided it, in the commit's message).
fn version_sentences(v: &Version, s: &Strings) -> Vec<Sentence> {
    let plain = |text: String| vec![Segment { text, code: false }];
    let mut out = Vec::new();
    if v.initial {
        out.push(plain(s.text("history_initial").to_string()));
    }
    if v.text_changed {
        out.push(plain(s.text("history_text").to_string()));
    }
    out.extend(v.sentences.iter().cloned());
    let key = match (v.decided, v.raised) {
        (Some(Decision::Renew), _) => Some("history_revision_renew"),
        (Some(Decision::Unchanged), _) => Some("history_revision_unchanged"),
        (None, true) => Some("history_revision"),
        (None, false) => None,
    };
    if let Some(key) = key {
        out.push(plain(s.text(key).replace("{n}", &v.revision.to_string())));
    }
    out
}

/// "Consent revision 3" in the page's language.
fn revision_text(s: &Strings, revision: u32) -> String {
    s.text("consent_revision")
        .replace("{n}", &revision.to_string())
}

/// Versions as a list shows them, newest first, each linked by `link` (from its folder)
/// when it has an archived page.
fn versions_ctx<'v>(
    versions: impl DoubleEndedIterator<Item = &'v Version>,
    s: &Strings,
    link: &dyn Fn(&str) -> Option<String>,
) -> Vec<HistoryCtx> {
    versions
        .rev()
        .map(|v| HistoryCtx {
            iso: v.stamp.date.iso(),
            date: s.date(&v.stamp.date),
            commit: v.stamp.commit.clone(),
            href: v.dir.as_deref().and_then(link),
            sentences: if v.unavailable.is_some() {
                Vec::new()
            } else {
                version_sentences(v, s)
            },
            revision: revision_text(s, v.revision),
            unavailable: v.unavailable.clone(),
        })
        .collect()
}

/// "Changes to this policy": the versions of the page up to `upto` (all when `None`)
/// that can be shown, newest first, at most the `[history]` limit.
fn history_ctx(
    site: &Site,
    versions: &[Version],
    s: &Strings,
    link: &dyn Fn(&str) -> Option<String>,
) -> Vec<HistoryCtx> {
    let limit = site.config.history.map_or(0, |h| h.limit);
    let mut out = versions_ctx(versions.iter().filter(|v| v.unavailable.is_none()), s, link);
    out.truncate(limit);
    out
}

/// Whether the site writes the versions of its pages under `versions/`.
fn archived(site: &Site) -> bool {
    site.versions.known && site.config.history.is_some_and(|h| h.archive)
}

/// Every category that has cookies, in file order, with its table in `s.locale`.
fn categories_ctx(site: &Site, s: &Strings) -> Vec<CategoryCtx> {
    let loc = s.locale.as_str();
    let inv = &site.inventory;
    let provider_column = site.config.columns.contains(&Column::Provider);
    // With the provider as the only column, a run would leave rows without any cell.
    let merge = provider_column && site.config.columns.len() > 1;
    let row = |k: &crate::inventory::Cookie| {
        let p = &inv.providers[k.provider];
        Row {
            provider: p.name.get(loc).to_string(),
            provider_url: p.url.clone(),
            privacy_policy: p.privacy_policy.clone(),
            function: k.function.get(loc).to_string(),
            names: k
                .names
                .iter()
                .map(|n| Name {
                    name: n.name.clone(),
                    prefix: if n.is_prefix() {
                        Some(
                            s.text("name_prefix")
                                .replace("{prefix}", n.name.trim_end_matches('*')),
                        )
                    } else if n.is_regex() {
                        Some(s.text("name_pattern").to_string())
                    } else {
                        None
                    },
                })
                .collect(),
            purpose: k.purpose.get(loc).to_string(),
            duration: s.duration(k.duration),
            duration_note: k.duration_note.as_ref().map(|n| n.get(loc).to_string()),
            party: s.party(k.party).to_string(),
            storage: s.storage(k.storage).to_string(),
            domain: k.domain.clone(),
            data: k.data.as_ref().map(|d| d.get(loc).to_string()),
            retention: k.retention.map(|d| s.duration(d)),
            transfer: export::provider_transfer(p, s),
        }
    };
    inv.categories
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let cookies: Vec<_> = inv.cookies.iter().filter(|k| k.category == i).collect();
            let mut groups: Vec<GroupCtx> = Vec::new();
            for (j, k) in cookies.iter().enumerate() {
                if merge && j > 0 && cookies[j - 1].provider == k.provider {
                    if let Some(g) = groups.last_mut() {
                        g.rows.push(row(k));
                        continue;
                    }
                }
                groups.push(GroupCtx {
                    // Category ids have no `.`, so no heading's anchor can take this one.
                    id: format!("{}.provider-{}", c.id, groups.len() + 1),
                    provider: provider_column,
                    rows: vec![row(k)],
                });
            }
            CategoryCtx {
                id: c.id.clone(),
                title: c.title.get(loc).to_string(),
                description: c.description.as_ref().map(|d| d.get(loc).to_string()),
                consent: c.consent,
                consent_text: s.consent(c.consent).to_string(),
                basis: c
                    .legal_basis
                    .map(|b| s.text("legal_basis").replace("{basis}", s.basis(b))),
                exemption: c.exemption.map(|e| s.exemption(e).to_string()),
                rows: cookies.iter().map(|k| row(k)).collect(),
                groups,
            }
        })
        .filter(|c| !c.rows.is_empty())
        .collect()
}

/// A category's table, ready for the templates.
struct CategoryValue {
    id: String,
    title: String,
    value: tera::Value,
}

/// What every page of one locale shares, made once per site and locale rather than once
/// per page: the UI strings, the column headers, the definitions and every
/// category's table, already turned into template values. Tera's lists and maps are
/// reference-counted, so each page's context holds them without copying them.
struct LocaleCtx<'a> {
    s: &'a Strings,
    ui: tera::Value,
    columns: tera::Value,
    definitions: tera::Value,
    categories: Vec<CategoryValue>,
    /// Every category, for `{{ cookies }}`.
    all_categories: tera::Value,
    /// `[controller]`, or nothing to show.
    controller: tera::Value,
    /// The providers that receive data outside the EEA.
    transfers: tera::Value,
    /// The site's consent banner, as a page loads it.
    consent: tera::Value,
}

/// A value for the templates; `Err` only on a bug (the contexts are plain data).
fn value(name: &str, x: &impl Serialize) -> Result<tera::Value, Box<Diagnostic>> {
    tera::Value::try_from_serializable(x).map_err(|e| {
        Box::new(
            Diagnostic::error(
                Code::TemplateRender,
                format!("internal error while preparing `{name}`: {e}"),
            )
            .help("please report this as a bug in Clause"),
        )
    })
}

impl<'a> LocaleCtx<'a> {
    fn new(site: &Site, s: &'a Strings) -> Result<LocaleCtx<'a>, Box<Diagnostic>> {
        let loc = s.locale.as_str();
        let page = "page.html";
        let cfg = &site.config;
        // The column a phone's card leads with.
        let lead = if cfg.columns.contains(&Column::Names) {
            Column::Names
        } else {
            cfg.columns
                .iter()
                .copied()
                .find(|c| *c != Column::Provider)
                .unwrap_or(Column::Names)
        };
        let columns: Vec<ColumnCtx> = site
            .config
            .columns
            .iter()
            .map(|c| ColumnCtx {
                key: *c,
                header: s.text(&format!("col_{}", c.key())).to_string(),
                lead: *c == lead,
            })
            .collect();
        let definitions: Vec<DefinitionCtx> = site
            .inventory
            .definitions
            .iter()
            .map(|d| DefinitionCtx {
                id: format!("def-{}", d.id),
                term: d.term.get(loc).to_string(),
                text: d.text.get(loc).to_string(),
            })
            .collect();
        let mut categories = Vec::new();
        for c in categories_ctx(site, s) {
            let value = value(page, &c)?;
            categories.push(CategoryValue {
                id: c.id,
                title: c.title,
                value,
            });
        }
        let all: Vec<tera::Value> = categories.iter().map(|c| c.value.clone()).collect();
        Ok(LocaleCtx {
            s,
            ui: value(page, s.texts())?,
            columns: value(page, &columns)?,
            definitions: value(page, &definitions)?,
            categories,
            all_categories: tera::Value::from(all),
            controller: value(page, &controller_ctx(site, loc))?,
            transfers: value(page, &transfers_ctx(site, s))?,
            consent: value(page, &consent_ctx(site, "../../"))?,
        })
    }

    /// The categories a `{{ cookies }}` (`None`) or `{{ cookies <id> }}` section shows.
    fn shown<'s>(&'s self, only: Option<&'s str>) -> impl Iterator<Item = &'s CategoryValue> {
        self.categories
            .iter()
            .filter(move |c| only.is_none_or(|id| id == c.id))
    }

    fn categories_value(&self, only: Option<&str>) -> tera::Value {
        match only {
            None => self.all_categories.clone(),
            Some(_) => tera::Value::from(
                self.shown(only)
                    .map(|c| c.value.clone())
                    .collect::<Vec<_>>(),
            ),
        }
    }
}

/// The most documents the navigation between a language's documents lists; a language
/// with more lists its first ones (and the current page) and links the index page, which
/// lists them all: a page of a site of thousands of documents does not carry them all.
pub const NAVIGATION_MAX: usize = 12;

/// The navigation between the documents of the page's language (`same_language`, in their
/// order, `page` among them): empty for a language of one document.
fn documents_nav(same_language: &[&Page], page: &Page) -> Navigation {
    if same_language.len() < 2 {
        return Navigation::default();
    }
    let doc = &page.doc;
    let link = |p: &Page| DocumentLink {
        title: p.doc.title.clone(),
        href: page_href(&p.doc.locale, &p.doc.slug),
        current: p.doc.slug == doc.slug,
    };
    let mut links: Vec<DocumentLink> = same_language
        .iter()
        .take(NAVIGATION_MAX)
        .map(|p| link(p))
        .collect();
    let truncated = same_language.len() > NAVIGATION_MAX;
    // The page itself, not a search among the language's pages: that search made a site
    // of thousands of documents quadratic.
    if truncated && !links.iter().any(|l| l.current) {
        links.push(link(page));
    }
    Navigation {
        links,
        all: truncated.then(|| format!("../../{}", layout::INDEX)),
    }
}

/// The navigation between a language's documents.
#[derive(Serialize, Default)]
struct Navigation {
    /// The documents listed.
    links: Vec<DocumentLink>,
    /// The index page, which lists every document, when some are not listed.
    all: Option<String>,
}

/// The first letter in upper case, for a word that starts a table cell.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The safeguard of a provider's transfer in the locale's words: the one the inventory
/// gives, or an adequacy decision for a country that has one; `None` inside the EEA and
/// when nothing is said.
fn safeguard(p: &Provider, s: &Strings) -> Option<String> {
    match (p.transfer, p.country.as_deref().map(legal::zone)) {
        (_, None | Some(Zone::Eea)) => None,
        (Some(t), _) => Some(s.transfer(t).to_string()),
        (None, Some(Zone::Adequacy)) => Some(s.transfer(Transfer::Adequacy).to_string()),
        (None, _) => None,
    }
}

fn controller_ctx(site: &Site, loc: &str) -> Option<ControllerCtx> {
    let c = site.config.controller.as_ref()?;
    let link = |x: &crate::config::Contact| LinkCtx {
        text: x.text.clone(),
        href: x.href.clone(),
    };
    Some(ControllerCtx {
        name: c.name.get(loc).to_string(),
        address: c
            .address
            .get(loc)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        contact: link(&c.contact),
        dpo: c.dpo.as_ref().map(link),
    })
}

fn transfers_ctx(site: &Site, s: &Strings) -> Vec<TransferCtx> {
    let loc = s.locale.as_str();
    site.inventory
        .providers
        .iter()
        .filter(|p| p.outside_eea())
        .map(|p| TransferCtx {
            provider: p.name.get(loc).to_string(),
            provider_url: p.url.clone(),
            country: p
                .country
                .as_deref()
                .and_then(|c| legal::name(c, loc))
                .unwrap_or_default()
                .to_string(),
            role: p.role.map(|r| s.role(r).to_string()),
            safeguard: safeguard(p, s).map(|g| capitalized(&g)),
            privacy_policy: p.privacy_policy.clone(),
        })
        .collect()
}

/// The headings of the page in order, prose and generated sections alike.
fn headings(site: &Site, l: &LocaleCtx, page: &Page) -> Vec<Heading> {
    let s = l.s;
    let mut out = Vec::new();
    for b in &page.blocks {
        match b {
            Block::Html { headings, .. } => out.extend(headings.iter().cloned()),
            Block::Section {
                section,
                level,
                titled,
            } => {
                let mut level = *level;
                match section {
                    Section::Definitions => {
                        if *titled && !site.inventory.definitions.is_empty() {
                            out.push(Heading {
                                level,
                                id: "definitions".into(),
                                text: s.text("definitions").into(),
                            });
                        }
                    }
                    Section::Cookies(only) => {
                        if *titled {
                            out.push(Heading {
                                level,
                                id: "cookies".into(),
                                text: s.text("cookies").into(),
                            });
                            level = (level + 1).min(6);
                        }
                        for c in l.shown(only.as_deref()) {
                            out.push(Heading {
                                level,
                                id: c.id.clone(),
                                text: c.title.clone(),
                            });
                        }
                    }
                    Section::Controller => {
                        if *titled && site.config.controller.is_some() {
                            out.push(Heading {
                                level,
                                id: "controller".into(),
                                text: s.text("controller").into(),
                            });
                        }
                    }
                    Section::Transfers => {
                        if *titled && site.inventory.providers.iter().any(Provider::outside_eea) {
                            out.push(Heading {
                                level,
                                id: "transfers".into(),
                                text: s.text("transfers").into(),
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

/// Nests h2 and h3 headings into a table of contents (deeper ones are left out).
fn toc(headings: &[Heading]) -> Vec<TocEntry> {
    let mut out: Vec<TocEntry> = Vec::new();
    for h in headings {
        let entry = TocEntry {
            id: h.id.clone(),
            text: h.text.clone(),
            children: Vec::new(),
        };
        match h.level {
            2 => out.push(entry),
            3 => match out.last_mut() {
                Some(parent) => parent.children.push(entry),
                None => out.push(entry),
            },
            _ => {}
        }
    }
    out
}

fn blocks_ctx<'a>(l: &LocaleCtx, page: &'a Page) -> Vec<BlockCtx<'a>> {
    page.blocks
        .iter()
        .map(|b| match b {
            Block::Html { html, .. } => BlockCtx::Html { html },
            Block::Section {
                section: Section::Definitions,
                level,
                titled,
            } => BlockCtx::Definitions {
                level: *level,
                titled: *titled,
                items: l.definitions.clone(),
            },
            Block::Section {
                section: Section::Cookies(only),
                level,
                titled,
            } => BlockCtx::Cookies {
                title_level: *level,
                level: if *titled { (*level + 1).min(6) } else { *level },
                titled: *titled,
                categories: l.categories_value(only.as_deref()),
            },
            Block::Section {
                section: Section::Controller,
                level,
                titled,
            } => BlockCtx::Controller {
                level: *level,
                titled: *titled,
                controller: l.controller.clone(),
            },
            Block::Section {
                section: Section::Transfers,
                level,
                titled,
            } => BlockCtx::Transfers {
                level: *level,
                titled: *titled,
                rows: l.transfers.clone(),
            },
        })
        .collect()
}

fn render_template(
    site: &Site,
    name: &str,
    ctx: &impl Serialize,
) -> Result<String, Box<Diagnostic>> {
    let context = tera::Context::from_serialize(ctx).map_err(|e| {
        Box::new(
            Diagnostic::error(
                Code::TemplateRender,
                format!("internal error while preparing `{name}`: {e}"),
            )
            .help("please report this as a bug in Clause"),
        )
    })?;
    let text = site
        .theme
        .tera
        .render(name, &context)
        .map_err(|e| Box::new(site.theme.diagnostic(&e)))?;
    // A NUL or another control character from the inventory, the prose or a template is a
    // parse error in HTML and forbidden in XML: replaced by U+FFFD, as a browser would.
    Ok(match crate::escape::document_text(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(clean) => clean,
    })
}

/// What the pages of a site need to know of the others, made once before they are rendered.
/// An archived version links no other language: its index is empty (`Default`).
#[derive(Default)]
struct SiteIndex<'s> {
    /// Each locale's pages, in their order (see [`ordered`]).
    by_locale: std::collections::HashMap<&'s str, Vec<&'s Page>>,
    /// Each (locale, slug) that has a page.
    exists: std::collections::HashSet<(&'s str, &'s str)>,
}

impl<'s> SiteIndex<'s> {
    fn new(site: &'s Site) -> SiteIndex<'s> {
        SiteIndex {
            by_locale: site
                .config
                .locales
                .iter()
                .map(|l| (l.as_str(), crate::site::ordered(site, l)))
                .collect(),
            exists: site
                .pages
                .iter()
                .map(|p| (p.doc.locale.as_str(), p.doc.slug.as_str()))
                .collect(),
        }
    }

    /// The locales a document has a page in, in the site's order. A draft shown before its
    /// translations exist links only the versions there are.
    fn translated<'c>(&self, site: &'c Site, slug: &str) -> Vec<&'c String> {
        site.config
            .locales
            .iter()
            .filter(|l| self.exists.contains(&(l.as_str(), slug)))
            .collect()
    }

    /// The pages of `locale`, in their order.
    fn same_language(&self, locale: &str) -> &[&'s Page] {
        self.by_locale.get(locale).map_or(&[][..], Vec::as_slice)
    }
}

/// The `hreflang` alternates of a document: each locale it has a page in (`translated`),
/// then `x-default` if the default locale is among them.
fn alternates(site: &Site, translated: &[&String], slug: &str) -> Vec<Alternate> {
    let cfg = &site.config;
    let url = |locale: &str| page_url(&cfg.base_url, locale, slug);
    translated
        .iter()
        .map(|l| Alternate {
            hreflang: (*l).clone(),
            href: url(l),
        })
        .chain(
            translated
                .contains(&&cfg.default_locale)
                .then(|| Alternate {
                    hreflang: "x-default".into(),
                    href: url(&cfg.default_locale),
                }),
        )
        .collect()
}

/// The context of `page` of `site` as the current site shows it (its address, alternates,
/// language links and the navigation between documents), with `changes` as its versions;
/// an archived version changes what differs.
fn page_ctx<'a>(
    site: &'a Site,
    index: &SiteIndex,
    l: &LocaleCtx,
    page: &'a Page,
    changes: Vec<HistoryCtx>,
) -> Result<PageCtx<'a>, Box<Diagnostic>> {
    let cfg = &site.config;
    let doc = &page.doc;
    let s = l.s;
    let translated = index.translated(site, &doc.slug);
    let documents = documents_nav(index.same_language(&doc.locale), page);
    let languages = translated
        .iter()
        .map(|loc| Link {
            locale: (*loc).clone(),
            name: site
                .theme
                .strings
                .get(*loc)
                .map_or(loc.as_str(), |x| x.text("language_name"))
                .to_string(),
            href: page_href(loc, &doc.slug),
            current: **loc == doc.locale,
        })
        .collect();
    let heads = headings(site, l, page);
    let mut toc = toc(&heads);
    if !changes.is_empty() {
        toc.push(TocEntry {
            id: "changes".into(),
            text: s.text("history").to_string(),
            children: Vec::new(),
        });
    }
    Ok(PageCtx {
        lang: &doc.locale,
        title: &doc.title,
        site_title: cfg.title.get(&doc.locale),
        description: doc.description.as_deref(),
        canonical: page_url(&cfg.base_url, &doc.locale, &doc.slug),
        alternates: alternates(site, &translated, &doc.slug),
        languages,
        documents,
        draft: doc.draft,
        updated: doc.updated.map(|d| (d.iso(), s.date(&d))),
        toc,
        changes: value("page.html", &changes)?,
        blocks: blocks_ctx(l, page),
        columns: l.columns.clone(),
        root: "../../",
        ui: l.ui.clone(),
        consent: l.consent.clone(),
        version: None,
        archive: None,
        noindex: false,
    })
}

/// Renders one page of the current site, and its archive when the site writes one: its
/// list of versions and each archived version (from the cache or rendered now). Each file
/// goes to `give`; the problems are returned in the order met.
fn render_page<'a>(
    site: &'a Site,
    index: &SiteIndex,
    l: &LocaleCtx,
    archives: &ArchiveLocales<'a>,
    page: &Page,
    give: &dyn Fn(OutputFile),
) -> Vec<Diagnostic> {
    let doc = &page.doc;
    let s = l.s;
    let mut errors = Vec::new();
    let versions = site.versions.page(&doc.locale, &doc.slug);
    let archive = archived(site) && !versions.is_empty();
    let link = |dir: &str| archive.then(|| format!("versions/{dir}/{}", layout::INDEX));
    let changes = history_ctx(site, versions, s, &link);
    let mut ctx = match page_ctx(site, index, l, page, changes) {
        Ok(ctx) => ctx,
        Err(d) => return vec![*d],
    };
    if site.versions.known {
        let last = versions.iter().rev().find(|v| v.unavailable.is_none());
        ctx.version = Some(VersionCtx {
            iso: last.map(|v| v.stamp.date.iso()).unwrap_or_default(),
            label: last.map(|v| {
                s.text("version_of")
                    .replace("{date}", &s.date(&v.stamp.date))
            }),
            revision: revision_text(s, site.versions.revision),
            versions_href: archive.then(|| format!("versions/{}", layout::INDEX)),
        });
    }
    if archive {
        match versions_page(site, page, s, versions) {
            Ok(f) => give(f),
            Err(d) => errors.push(*d),
        }
        for k in 0..versions.len() {
            match archived_page(site, archives, page, versions, k) {
                Ok(Some(f)) => give(f),
                Ok(None) => {}
                Err(d) => errors.push(*d),
            }
        }
    }
    match render_template(site, "page.html", &ctx) {
        Ok(html) => give(OutputFile {
            path: page_path(&doc.locale, &doc.slug),
            bytes: html.into_bytes(),
        }),
        Err(d) => errors.push(*d),
    }
    errors
}

/// On the archived version `v` of `doc`, the navigation between the documents of its
/// language as they were then (`old`), each leading to its own version in force with `v`:
/// that archived version, else its list of versions (which says why it cannot be shown).
/// A document no longer published is left out: it has nowhere to lead.
fn archive_nav(site: &Site, old: &Site, doc: &crate::content::Document, v: &Version) -> Navigation {
    let same_language = crate::site::ordered(old, &doc.locale);
    if same_language.len() < 2 {
        return Navigation::default();
    }
    let published: std::collections::HashSet<&str> = site
        .pages
        .iter()
        .filter(|p| p.doc.locale == doc.locale)
        .map(|p| p.doc.slug.as_str())
        .collect();
    // From `<locale>/<slug>/versions/<dir>/` to `<locale>/`.
    let up = "../../../";
    let link = |p: &Page| -> Option<DocumentLink> {
        let slug = p.doc.slug.as_str();
        let href = if slug == doc.slug {
            v.dir
                .as_ref()
                .map(|d| format!("../{d}/{}", layout::INDEX))?
        } else {
            if !published.contains(slug) {
                return None;
            }
            let in_force = site
                .versions
                .page(&doc.locale, slug)
                .iter()
                .rev()
                .find(|w| w.seq <= v.seq)?;
            match &in_force.dir {
                Some(d) => format!("{up}{slug}/versions/{d}/{}", layout::INDEX),
                None => format!("{up}{slug}/versions/{}", layout::INDEX),
            }
        };
        Some(DocumentLink {
            title: p.doc.title.clone(),
            href,
            current: slug == doc.slug,
        })
    };
    let mut links: Vec<DocumentLink> = same_language
        .iter()
        .take(NAVIGATION_MAX)
        .filter_map(|p| link(p))
        .collect();
    let truncated = same_language.len() > NAVIGATION_MAX;
    if truncated && !links.iter().any(|l| l.current) {
        if let Some(l) = same_language
            .iter()
            .find(|p| p.doc.slug == doc.slug)
            .and_then(|p| link(p))
        {
            links.push(l);
        }
    }
    if links.len() < 2 {
        return Navigation::default();
    }
    Navigation {
        links,
        all: truncated.then(|| format!("../../../../{}", layout::INDEX)),
    }
}

/// A page's list of versions, `<locale>/<slug>/versions/index.html`, newest first.
fn versions_page(
    site: &Site,
    page: &Page,
    s: &Strings,
    versions: &[Version],
) -> Result<OutputFile, Box<Diagnostic>> {
    let doc = &page.doc;
    let ctx = serde_json::json!({
        "lang": doc.locale,
        "site_title": site.config.title.get(&doc.locale),
        "heading": s.text("versions_title").replace("{title}", &doc.title),
        "canonical": format!("{}{}/", site.config.base_url, layout::versions_dir(&doc.locale, &doc.slug)),
        "root": "../../../",
        "ui": s.texts(),
        "revision": revision_text(s, site.versions.revision),
        "current_href": format!("../{}", layout::INDEX),
        "versions": versions_ctx(versions.iter(), s, &|dir| Some(format!("{dir}/{}", layout::INDEX))),
    });
    let html = render_template(site, "versions.html", &ctx)?;
    Ok(OutputFile {
        path: layout::versions_index(&doc.locale, &doc.slug),
        bytes: html.into_bytes(),
    })
}

/// The `k`-th version of `page` (of the current site), archived: from the cache, or
/// rendered from the site as it was with today's theme, with a notice at its top, links
/// to its neighbours, and "Changes to this policy" as it stood then. `None` when the
/// version has no page (it cannot be shown).
fn archived_page<'a>(
    site: &'a Site,
    archives: &ArchiveLocales<'a>,
    page: &Page,
    versions: &[Version],
    k: usize,
) -> Result<Option<OutputFile>, Box<Diagnostic>> {
    let doc = &page.doc;
    let v = &versions[k];
    let Some(dir) = &v.dir else {
        return Ok(None);
    };
    let path = layout::version_path(&doc.locale, &doc.slug, dir);
    let old = match &v.archive {
        Archive::None => return Ok(None),
        Archive::Cached(bytes) => {
            return Ok(Some(OutputFile {
                path,
                bytes: bytes.as_ref().clone(),
            }))
        }
        Archive::Render { site: old, .. } => old,
    };
    let Some(old_page) = old
        .pages
        .iter()
        .find(|p| p.doc.locale == doc.locale && p.doc.slug == doc.slug)
    else {
        return Ok(None);
    };
    // Today's theme in today's words: the button of today's banner is on the page too.
    let Some(s) = site.theme.strings.get(&doc.locale) else {
        return Ok(None);
    };
    let shown = |j: &usize| versions[*j].dir.is_some();
    let previous = (0..k).rev().find(shown);
    let next = (k + 1..versions.len()).find(shown);
    let href = |j: usize| {
        versions[j]
            .dir
            .as_ref()
            .map(|d| format!("../{d}/{}", layout::INDEX))
    };
    let notice = match next {
        Some(n) => s
            .text("version_notice_past")
            .replace("{from}", &s.date(&v.stamp.date))
            .replace("{to}", &s.date(&versions[n].stamp.date)),
        None => s
            .text("version_notice_last")
            .replace("{from}", &s.date(&v.stamp.date)),
    };
    let link = |d: &str| Some(format!("../{d}/{}", layout::INDEX));
    let changes = history_ctx(site, &versions[..=k], s, &link);
    // The old site's tables and definitions in today's words.
    let l = archives.get(old, s)?;
    // The record of one version in one language: no other language is the same version,
    // so no alternates and no links to other languages (`SiteIndex` left empty).
    let mut ctx = page_ctx(old, &SiteIndex::default(), &l, old_page, changes)?;
    ctx.canonical = layout::version_url(&site.config.base_url, &doc.locale, &doc.slug, dir);
    ctx.documents = archive_nav(site, old, doc, v);
    // Loaded without its drafts: what was published.
    ctx.draft = false;
    ctx.root = "../../../../";
    // Today's banner: a visitor reading the record can still change today's choice.
    ctx.consent = value("page.html", &consent_ctx(site, ctx.root))?;
    ctx.noindex = true;
    ctx.version = Some(VersionCtx {
        iso: v.stamp.date.iso(),
        label: Some(
            s.text("version_of")
                .replace("{date}", &s.date(&v.stamp.date)),
        ),
        revision: revision_text(s, v.revision),
        versions_href: Some(format!("../{}", layout::INDEX)),
    });
    ctx.archive = Some(ArchiveCtx {
        notice,
        current_href: format!("../../{}", layout::INDEX),
        previous: previous.and_then(href),
        next: next.and_then(href),
        versions_href: format!("../{}", layout::INDEX),
    });
    let html = render_template(old, "page.html", &ctx)?;
    Ok(Some(OutputFile {
        path,
        bytes: html.into_bytes(),
    }))
}

/// The template values of each past site (a commit's) in each language, for its archived
/// pages: made once per site and language, not once per page (a commit that changes the
/// inventory is a version of every page of the site, in every language).
#[derive(Default)]
struct ArchiveLocales<'a> {
    /// By the past site's address and the language. The past sites are held by the
    /// current site's versions, which outlive this: one address is one site.
    made: std::sync::Mutex<
        std::collections::HashMap<(usize, &'a str), std::sync::Arc<LocaleCtx<'a>>>,
    >,
}

impl<'a> ArchiveLocales<'a> {
    /// The values of `old` in the words of `s`, made by the first page that needs them.
    fn get(
        &self,
        old: &std::sync::Arc<Site>,
        s: &'a Strings,
    ) -> Result<std::sync::Arc<LocaleCtx<'a>>, Box<Diagnostic>> {
        let key = (std::sync::Arc::as_ptr(old) as usize, s.locale.as_str());
        if let Some(l) = self.made.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(l);
        }
        // Made without the lock, so that other threads go on; two threads may both make
        // the same values, and the first one kept is used from then on.
        let l = std::sync::Arc::new(LocaleCtx::new(old, s)?);
        Ok(match self.made.lock() {
            Ok(mut m) => std::sync::Arc::clone(m.entry(key).or_insert(l)),
            Err(_) => l,
        })
    }
}

/// Renders every file of `site` and hands each to `sink` as soon as it is made: the pages
/// on every thread of the current rayon pool, then the root index, the sitemap, the
/// exports, the theme's static files and the site's own `static/` files. No page is kept
/// once handed over, so memory holds the pages being rendered, not the site.
///
/// Returns the problems met, in page order whatever the thread that met them, and the
/// first error of `sink`. Once either is met no more files are handed over (the build will
/// not be published), but every page is still rendered, so that every problem is reported.
pub fn render_each<E: Send>(
    site: &Site,
    sink: &(dyn Fn(OutputFile) -> Result<(), E> + Sync),
) -> (Vec<Diagnostic>, Option<E>) {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;

    let cfg = &site.config;
    let stopped = AtomicBool::new(false);
    let failure: Mutex<Option<E>> = Mutex::new(None);
    let give = |file: OutputFile| {
        if stopped.load(Ordering::Relaxed) {
            return;
        }
        if let Err(e) = sink(file) {
            stopped.store(true, Ordering::Relaxed);
            if let Ok(mut slot) = failure.lock() {
                slot.get_or_insert(e);
            }
        }
    };
    let mut errors: Vec<Diagnostic> = Vec::new();
    let mut locales: std::collections::HashMap<&str, LocaleCtx> = std::collections::HashMap::new();
    for (loc, s) in &site.theme.strings {
        match LocaleCtx::new(site, s) {
            Ok(l) => {
                locales.insert(loc.as_str(), l);
            }
            Err(d) => errors.push(*d),
        }
    }
    if !errors.is_empty() {
        return (errors, None);
    }
    let index = SiteIndex::new(site);
    let archives = ArchiveLocales::default();

    // Each page's problem with its index: they are reported in page order.
    let page_errors: Mutex<Vec<(usize, Diagnostic)>> = Mutex::new(Vec::new());
    site.pages.par_iter().enumerate().for_each(|(i, page)| {
        let Some(l) = locales.get(page.doc.locale.as_str()) else {
            return;
        };
        let found = render_page(site, &index, l, &archives, page, &give);
        if !found.is_empty() {
            stopped.store(true, Ordering::Relaxed);
            if let Ok(mut all) = page_errors.lock() {
                all.extend(found.into_iter().map(|d| (i, d)));
            }
        }
    });
    let mut page_errors = page_errors.into_inner().unwrap_or_default();
    page_errors.sort_by_key(|(i, _)| *i);
    errors.extend(page_errors.into_iter().map(|(_, d)| d));

    // The root page links every language, each in its own language.
    let index_links: Vec<serde_json::Value> = cfg
        .locales
        .iter()
        .filter_map(|l| {
            let s = site.theme.strings.get(l)?;
            let pages: Vec<serde_json::Value> = index
                .same_language(l)
                .iter()
                .map(|p| serde_json::json!({"title": p.doc.title, "href": page_path(l, &p.doc.slug)}))
                .collect();
            Some(serde_json::json!({
                "locale": l,
                "name": s.text("language_name"),
                "choose": s.text("choose_language"),
                "site_title": cfg.title.get(l),
                "pages": pages,
            }))
        })
        .collect();
    let default = &cfg.default_locale;
    let index_ctx = serde_json::json!({
        "lang": default,
        "site_title": cfg.title.get(default),
        "canonical": cfg.base_url,
        "locales": index_links,
        "root": "",
        "ui": site.theme.strings.get(default).map(|s| s.texts()),
        "consent": consent_ctx(site, ""),
    });
    match render_template(site, "index.html", &index_ctx) {
        Ok(html) => give(OutputFile {
            path: layout::INDEX.into(),
            bytes: html.into_bytes(),
        }),
        Err(d) => {
            stopped.store(true, Ordering::Relaxed);
            errors.push(*d);
        }
    }
    // Straight into template values, each document's alternates made once for all its
    // locales: the sitemap lists every page, so its context is the largest one built.
    let mut sitemap_urls: Vec<SitemapUrl> = Vec::with_capacity(site.pages.len());
    let mut shared: Option<(&str, tera::Value)> = None;
    for doc in site
        .pages
        .iter()
        .map(|p| &p.doc)
        .filter(|d| site.theme.strings.contains_key(&d.locale))
    {
        let alternates = match &shared {
            Some((slug, v)) if *slug == doc.slug => v.clone(),
            _ => match value(
                "sitemap.xml",
                &alternates(site, &index.translated(site, &doc.slug), &doc.slug),
            ) {
                Ok(v) => {
                    shared = Some((&doc.slug, v.clone()));
                    v
                }
                Err(d) => {
                    errors.push(*d);
                    break;
                }
            },
        };
        sitemap_urls.push(SitemapUrl {
            loc: page_url(&cfg.base_url, &doc.locale, &doc.slug),
            lastmod: doc.updated.map(|d| d.iso()),
            alternates,
        });
    }
    match render_template(site, "sitemap.xml", &SitemapCtx { urls: sitemap_urls }) {
        Ok(xml) => give(OutputFile {
            path: layout::SITEMAP.into(),
            bytes: xml.into_bytes(),
        }),
        Err(d) => {
            stopped.store(true, Ordering::Relaxed);
            errors.push(*d);
        }
    }
    give(OutputFile {
        path: layout::COOKIES_JSON.into(),
        bytes: export::json(site).into_bytes(),
    });
    for (locale, s) in cfg
        .locales
        .iter()
        .filter_map(|l| Some((l, site.theme.strings.get(l)?)))
    {
        give(OutputFile {
            path: csv_path(locale),
            bytes: export::csv(site, s),
        });
    }
    let consent = cfg.consent.banner.is_some();
    for (path, bytes) in layout::published_theme_statics(&site.theme.statics, consent) {
        give(OutputFile {
            path: theme_static_path(path),
            bytes: bytes.clone(),
        });
    }
    // The site's own files, as they are; the loader made sure none takes a generated
    // file's place.
    for f in site.statics.iter() {
        give(OutputFile {
            path: f.path.clone(),
            bytes: f.bytes.clone(),
        });
    }
    (errors, failure.into_inner().ok().flatten())
}

/// Renders every page, the root index, the sitemap, the exports, the theme's static files
/// and the site's own `static/` files, sorted by path (see [`render_each`]).
pub fn render(site: &Site) -> Result<Vec<OutputFile>, Vec<Diagnostic>> {
    let files = std::sync::Mutex::new(Vec::new());
    let (errors, _) = render_each(site, &|f| {
        if let Ok(mut all) = files.lock() {
            all.push(f);
        }
        Ok::<(), std::convert::Infallible>(())
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut files = files.into_inner().unwrap_or_default();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Input;

    /// The loader checks the site's static files against [`layout::generated_paths`]: it must name
    /// every file that rendering writes, and the static files must come out as they are.
    #[test]
    fn generated_paths_are_what_render_writes() {
        let mut files = std::collections::BTreeMap::new();
        let mut add = |p: &str, t: &str| {
            files.insert(p.to_string(), t.as_bytes().to_vec());
        };
        add(
            "site.toml",
            "title = \"T\"\nbase_url = \"https://example.org/\"\nlocales = [\"en\", \"fr\"]\n",
        );
        add(
            "content/cookies.toml",
            "[categories.n]\ntitle = \"N\"\nconsent = \"exempt\"\n[providers.p]\nname = \"P\"\n[[cookies]]\nnames = [\"s\"]\nprovider = \"p\"\ncategory = \"n\"\nfunction = \"F\"\npurpose = \"P\"\nduration = \"session\"\n",
        );
        for l in ["en", "fr"] {
            for slug in ["cookies", "contact"] {
                add(
                    &format!("content/{l}/{slug}.md"),
                    "+++\ntitle = \"x\"\n+++\n\n{{ cookies }}\n",
                );
            }
        }
        add("static/CNAME", "example.org");
        add("static/.well-known/security.txt", "Contact: x");
        let loaded = crate::site::load(&Input::Memory(files));
        let site = loaded.sites.first().expect("loads");
        let rendered = render(site).expect("renders");
        let mut expected = layout::generated_paths(
            &site.config.locales,
            site.pages
                .iter()
                .map(|p| (p.doc.locale.as_str(), p.doc.slug.as_str())),
            &site.theme.statics,
            false,
        );
        expected.extend([".well-known/security.txt".to_string(), "CNAME".to_string()]);
        expected.sort();
        let paths: Vec<String> = rendered.iter().map(|f| f.path.clone()).collect();
        assert_eq!(paths, expected);
        let cname = rendered.iter().find(|f| f.path == "CNAME").expect("copied");
        assert_eq!(cname.bytes, b"example.org");
    }

    /// The pages of one site are rendered by every thread of the pool: two threads are in
    /// the sink at the same time (each waits, up to a generous bound, for another).
    #[test]
    fn the_pages_of_one_site_are_rendered_on_several_threads() {
        use std::collections::HashSet;
        use std::sync::{Condvar, Mutex};
        let mut files = std::collections::BTreeMap::new();
        files.insert(
            "site.toml".to_string(),
            b"title = \"T\"\nbase_url = \"https://example.org/\"\nlocales = [\"en\", \"fr\"]\n"
                .to_vec(),
        );
        files.insert(
            "content/cookies.toml".to_string(),
            b"[categories.n]\ntitle = \"N\"\nconsent = \"exempt\"\n[providers.p]\nname = \"P\"\n[[cookies]]\nnames = [\"s\"]\nprovider = \"p\"\ncategory = \"n\"\nfunction = \"F\"\npurpose = \"P\"\nduration = \"session\"\n".to_vec(),
        );
        for l in ["en", "fr"] {
            for i in 0..32 {
                files.insert(
                    format!("content/{l}/doc-{i:02}.md"),
                    b"+++\ntitle = \"x\"\n+++\n\n{{ cookies }}\n".to_vec(),
                );
            }
        }
        let loaded = crate::site::load(&Input::Memory(files));
        let site = loaded.sites.first().expect("loads");
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("pool");
        // The threads seen in the sink, and whether one gave up waiting for another.
        let seen: Mutex<(HashSet<std::thread::ThreadId>, bool)> =
            Mutex::new((HashSet::new(), false));
        let arrived = Condvar::new();
        let (errors, _) = pool.install(|| {
            render_each(site, &|f| {
                if f.path.contains('/') && f.path.ends_with("/index.html") {
                    let mut threads = seen.lock().expect("lock");
                    threads.0.insert(std::thread::current().id());
                    arrived.notify_all();
                    let (mut threads, waited) = arrived
                        .wait_timeout_while(threads, std::time::Duration::from_secs(30), |t| {
                            t.0.len() < 2 && !t.1
                        })
                        .expect("lock");
                    threads.1 |= waited.timed_out();
                }
                Ok::<(), std::convert::Infallible>(())
            })
        });
        assert!(errors.is_empty());
        assert_eq!(seen.lock().expect("lock").0.len(), 2);
    }

    /// A site of two cookies of one provider, with the given columns, rendered in English.
    fn one_provider_page(columns: &str) -> String {
        let mut files = std::collections::BTreeMap::new();
        let mut add = |p: &str, t: &str| {
            files.insert(p.to_string(), t.as_bytes().to_vec());
        };
        add(
            "site.toml",
            &format!("title = \"T\"\nbase_url = \"https://example.org/\"\nlocales = [\"en\"]\ncolumns = {columns}\n"),
        );
        let cookie = |name: &str| {
            format!("[[cookies]]\nnames = [\"{name}\"]\nprovider = \"p\"\ncategory = \"n\"\nfunction = \"F\"\npurpose = \"P\"\nduration = \"session\"\n")
        };
        add(
            "content/cookies.toml",
            &format!(
                "[categories.n]\ntitle = \"N\"\nconsent = \"exempt\"\n[providers.p]\nname = \"Acme\"\n{}{}",
                cookie("a"),
                cookie("b")
            ),
        );
        add("content/en/cookies.md", "+++\ntitle = \"x\"\n+++\n");
        let loaded = crate::site::load(&Input::Memory(files));
        let site = loaded.sites.first().expect("loads");
        let rendered = render(site).expect("renders");
        let page = rendered
            .iter()
            .find(|f| f.path == "en/cookies/index.html")
            .expect("page");
        String::from_utf8(page.bytes.clone()).expect("utf-8")
    }

    /// A provider's run of cookies shares one cell; with the provider as the only column,
    /// sharing it would leave rows without any cell, so each cookie keeps its own.
    #[test]
    fn provider_runs_share_one_cell_unless_it_is_the_only_column() {
        let grouped = one_provider_page("[\"provider\", \"names\"]");
        assert_eq!(grouped.matches("<tbody>").count(), 1);
        assert_eq!(grouped.matches(">Acme</th>").count(), 1);
        assert!(grouped.contains("rowspan=\"2\""));
        assert!(grouped.contains("<span class=\"provider-again\">"));
        let alone = one_provider_page("[\"provider\"]");
        assert_eq!(alone.matches("<tbody>").count(), 2);
        assert_eq!(alone.matches(">Acme</th>").count(), 2);
        assert!(!alone.contains("rowspan"));
        assert!(!alone.contains("<tr>\n</tr>"));
        // Without a provider column, no cell points at a provider's.
        let without = one_provider_page("[\"names\", \"purpose\"]");
        assert!(!without.contains("headers="));
        assert!(!without.contains("provider-again"));
    }
}
