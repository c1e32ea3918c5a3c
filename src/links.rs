//! The prose's links checked once every page of a site (or of a portal) is rendered: a link
//! to a page the site does not publish, to an anchor that no heading or section of its page
//! has, to a document's file name that names no document. Each is a warning at the link's
//! address. Only the site's own addresses are checked: nothing is ever fetched.

use std::collections::{HashMap, HashSet};

use percent_encoding::percent_decode_str;
use url::{ParseError, Url};

use crate::config::Config;
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::inventory::Inventory;
use crate::layout;
use crate::markdown::{Block, Page, Section};
use crate::text::preview;

/// The anchor browsers scroll to without any element having it (HTML's "top of the document").
const TOP: &str = "top";

/// The anchors of a page: those of its prose, of the sections Clause adds, and of the page
/// around them (`main`, `contents`, `changes`), as the default theme writes them.
fn anchors(
    inv: &Inventory,
    filled: &[bool],
    page: &Page,
    (history, controller): (bool, bool),
) -> HashSet<String> {
    let mut ids: HashSet<String> = page.ids.iter().cloned().collect();
    ids.insert("main".into());
    let mut contents = history;
    if history {
        ids.insert("changes".into());
    }
    // The table of contents lists the headings of levels 2 and 3.
    let listed = |level: u8| matches!(level, 2 | 3);
    for b in &page.blocks {
        match b {
            Block::Html { headings, .. } => {
                contents = contents || headings.iter().any(|h| listed(h.level));
            }
            Block::Section {
                section: Section::Definitions,
                titled,
                level,
            } => {
                if inv.definitions.is_empty() {
                    continue;
                }
                ids.extend(inv.definitions.iter().map(|d| format!("def-{}", d.id)));
                if *titled {
                    ids.insert("definitions".into());
                    contents = contents || listed(*level);
                }
            }
            Block::Section {
                section: Section::Cookies(only),
                titled,
                level,
            } => {
                if *titled {
                    ids.insert("cookies".into());
                    contents = contents || listed(*level);
                }
                let category_level = if *titled { *level + 1 } else { *level };
                for (i, c) in inv.categories.iter().enumerate() {
                    if only.as_ref().is_none_or(|id| *id == c.id) && filled[i] {
                        ids.insert(c.id.clone());
                        contents = contents || listed(category_level);
                    }
                }
            }
            // Titled (after the prose), each has its heading when it has something to show.
            Block::Section {
                section: Section::Controller,
                titled: true,
                level,
            } if controller => {
                ids.insert("controller".into());
                contents = contents || listed(*level);
            }
            Block::Section {
                section: Section::Transfers,
                titled: true,
                level,
            } if inv
                .providers
                .iter()
                .any(crate::inventory::Provider::outside_eea) =>
            {
                ids.insert("transfers".into());
                contents = contents || listed(*level);
            }
            Block::Section {
                section: Section::Controller | Section::Transfers,
                ..
            } => {}
        }
    }
    if contents {
        ids.insert("contents".into());
    }
    ids
}

/// A document's file name, as authors link to it.
fn file_name(slug: &str) -> String {
    format!("{slug}.md")
}

/// A written address that names a Markdown file: its path (before any `#`).
fn markdown_file(written: &str) -> Option<&str> {
    let path = written.split(['#', '?']).next().unwrap_or(written);
    let is_url = Url::parse(path).is_ok() || path.starts_with("//");
    (!is_url && path.ends_with(".md")).then_some(path)
}

/// Warnings about the links of `pages` (one site, or one portal): `published` is every file
/// the site writes, relative to its output folder.
pub fn check(
    config: &Config,
    inv: &Inventory,
    pages: &[Page],
    history: bool,
    published: &[String],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Ok(base) = Url::parse(&config.base_url) else {
        return out;
    };
    if pages.iter().all(|p| p.links.is_empty()) {
        return out;
    }
    // A category without cookies is not shown, and neither is its anchor.
    let mut filled = vec![false; inv.categories.len()];
    for k in &inv.cookies {
        if let Some(f) = filled.get_mut(k.category) {
            *f = true;
        }
    }
    let files: HashSet<&str> = published.iter().map(String::as_str).collect();
    let by_path: HashMap<String, usize> = pages
        .iter()
        .enumerate()
        .map(|(i, p)| (layout::page_path(&p.doc.locale, &p.doc.slug), i))
        .collect();
    let mut slugs: Vec<&str> = pages.iter().map(|p| p.doc.slug.as_str()).collect();
    slugs.dedup();
    let documents: Vec<String> = slugs.iter().map(|s| file_name(s)).collect();
    let ids: Vec<HashSet<String>> = pages
        .iter()
        .map(|p| anchors(inv, &filled, p, (history, config.controller.is_some())))
        .collect();
    let mut seen = HashSet::new();
    for (i, page) in pages.iter().enumerate() {
        let doc = &page.doc;
        let Ok(here) = Url::parse(&layout::page_url(&config.base_url, &doc.locale, &doc.slug))
        else {
            continue;
        };
        for link in &page.links {
            if !seen.insert((doc.file, link.span.clone())) {
                continue;
            }
            // The sanitizer keeps only these addresses: say so rather than drop it unseen. It
            // reads the address as the page holds it, percent-encoded by pulldown-cmark (`[`
            // as `%5B`, a tab as `%09`), and so is it checked here.
            let mut in_page = String::with_capacity(link.href.len());
            let _ = pulldown_cmark_escape::escape_href(&mut in_page, &link.href);
            if !crate::markdown::is_allowed_url(&in_page) {
                let shown: String = link.written.chars().take(60).collect();
                let more = if shown.len() < link.written.len() {
                    "…"
                } else {
                    ""
                };
                out.push(
                    Diagnostic::warning(
                        Code::RemovedLink,
                        format!("the link to `{shown}{more}` is removed: the page shows its text alone"),
                    )
                    .at(doc.file, link.span.clone(), "not an address a page may link to")
                    .help(
                        "a page links only to http(s) and mailto addresses and to the site's own pages: write the address in full, such as `https://example.org/page`, or remove the link",
                    ),
                );
                continue;
            }
            let target = match Url::parse(&link.href) {
                Ok(u) => u,
                Err(ParseError::RelativeUrlWithoutBase) => match here.join(&link.href) {
                    Ok(u) => u,
                    Err(_) => continue,
                },
                Err(_) => continue,
            };
            // Another site, or a part of this host above the site: not Clause's to check.
            let inside = target.scheme() == base.scheme()
                && target.host() == base.host()
                && target.port_or_known_default() == base.port_or_known_default()
                && target.path().starts_with(base.path());
            let warn = |code: Code, message: String, label: &str, help: String| {
                Diagnostic::warning(code, message)
                    .at(doc.file, link.span.clone(), label)
                    .help(help)
            };
            if !inside {
                if let Some(path) = markdown_file(&link.written) {
                    out.push(missing_document(path, &documents, warn));
                }
                continue;
            }
            let rel = percent_decode_str(&target.path()[base.path().len()..])
                .decode_utf8_lossy()
                .into_owned();
            let file = if rel.is_empty() || rel.ends_with('/') {
                format!("{rel}{}", layout::INDEX)
            } else {
                rel.clone()
            };
            let folder = layout::dir_index(&rel);
            let found = if files.contains(file.as_str()) {
                Some(file)
            } else if files.contains(folder.as_str()) {
                Some(folder)
            } else {
                None
            };
            let Some(file) = found else {
                if let Some(path) = markdown_file(&link.written) {
                    out.push(missing_document(path, &documents, warn));
                } else {
                    out.push(warn(
                        Code::BrokenLink,
                        format!("`{}` leads to no page of the site", link.written),
                        "no such page",
                        format!(
                            "link to a document by its file name, such as `[text]({})`: Clause writes an address that works; the documents are {}",
                            documents.first().map_or("cookies.md", String::as_str),
                            preview(&quoted(&documents), 8)
                        ),
                    ));
                }
                continue;
            };
            let Some(fragment) = target.fragment() else {
                continue;
            };
            let fragment = percent_decode_str(fragment).decode_utf8_lossy();
            let Some(&t) = by_path.get(&file) else {
                continue;
            };
            if fragment.is_empty()
                || fragment.eq_ignore_ascii_case(TOP)
                || ids[t].contains(fragment.as_ref())
            {
                continue;
            }
            let target_doc = &pages[t].doc;
            let whose = if t == i {
                "this page".to_string()
            } else {
                format!("`{}`", file_name(&target_doc.slug))
            };
            // The same anchor on another page of the language: the likely intent.
            let elsewhere = pages.iter().enumerate().find(|(j, p)| {
                *j != t && p.doc.locale == target_doc.locale && ids[*j].contains(fragment.as_ref())
            });
            let help = match (
                elsewhere,
                suggest(&fragment, ids[t].iter().map(String::as_str)),
            ) {
                (Some((_, p)), _) => format!(
                    "`#{fragment}` is on `{}`: link to `{}#{fragment}`",
                    file_name(&p.doc.slug),
                    file_name(&p.doc.slug)
                ),
                (None, Some(s)) => format!("did you mean `#{s}`?"),
                (None, None) => {
                    let mut known: Vec<&str> = ids[t].iter().map(String::as_str).collect();
                    known.sort_unstable();
                    format!(
                        "an anchor is a heading's (its text, or the `{{#id}}` after it), a category's id or `def-` and a definition's id; {whose} has {}",
                        preview(&quoted(&known), 8)
                    )
                }
            };
            out.push(warn(
                Code::UnknownAnchor,
                format!("no heading or section of {whose} has the anchor `#{fragment}`"),
                "no such anchor",
                help,
            ));
        }
    }
    out
}

fn quoted<S: AsRef<str>>(names: &[S]) -> Vec<String> {
    names.iter().map(|n| format!("`{}`", n.as_ref())).collect()
}

/// The warning about a link to a Markdown file that is not one of the site's documents.
fn missing_document(
    path: &str,
    documents: &[String],
    warn: impl Fn(Code, String, &str, String) -> Diagnostic,
) -> Diagnostic {
    let name = path.strip_prefix("./").unwrap_or(path);
    let help = if name.contains('/') {
        format!(
            "link to another document by its file name alone, such as `{}`: it leads to that document in the page's language",
            documents.first().map_or("cookies.md", String::as_str)
        )
    } else {
        match suggest(name, documents.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "the documents are {}: link to one by its file name",
                preview(&quoted(documents), 8)
            ),
        }
    };
    warn(
        Code::UnknownDocumentLink,
        format!("`{path}` is not a document of this site"),
        "no such document",
        help,
    )
}
