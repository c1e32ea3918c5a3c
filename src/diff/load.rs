//! The two inventories `clause diff` compares, read from their bytes (a file, or a git
//! revision's), each on its own: texts kept in every locale it has.

use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostics, Sources};
use crate::git::{GitError, Repo};
use crate::inventory::{self, Inventory};
use crate::layout;

/// One side of the comparison: its name as shown, and its bytes.
#[derive(Debug, Clone)]
pub struct Side {
    /// `HEAD~1:content/cookies.toml`, or the file's path.
    pub name: String,
    /// Its contents.
    pub bytes: Vec<u8>,
}

/// Two inventories that loaded, and the locales to compare their texts in.
#[derive(Debug)]
pub struct Pair {
    /// The old inventory.
    pub old: Inventory,
    /// The new inventory.
    pub new: Inventory,
    /// The site's locales, else every locale either side has; `[""]` for texts written
    /// once for every language.
    pub locales: Vec<String>,
}

/// Why the inventories cannot be compared.
#[derive(Debug, Default)]
pub struct Unloadable {
    /// The sides that are not UTF-8 text, by name.
    pub not_utf8: Vec<String>,
    /// The files read, for quoting.
    pub sources: Sources,
    /// The problems of those that are text.
    pub diags: Diagnostics,
}

/// Why the two sides cannot be read: a mistake on the command line, with its help.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Git could not give the revision's inventory.
    #[error(transparent)]
    Git(#[from] GitError),
    /// A file cannot be read.
    #[error("cannot read `{}`: {source}", path.display())]
    File {
        /// The file as given.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The site's own inventory cannot be read (`--since`).
    #[error("cannot read `{}`: {source}", path.display())]
    SiteFile {
        /// The file.
        path: PathBuf,
        /// Why (a link out of the site among the reasons).
        source: std::io::Error,
    },
    /// `--since` and files both given.
    #[error("--since compares a revision with the working tree: give no files with it")]
    SinceWithFiles,
    /// Neither two files nor `--since`.
    #[error("nothing to compare")]
    Nothing,
}

impl ReadError {
    /// How to fix it.
    pub fn help(&self) -> &'static str {
        match self {
            ReadError::Git(e) => e.help(),
            ReadError::File { .. } => "give the paths of two inventory files, e.g. `clause diff old/cookies.toml content/cookies.toml`",
            ReadError::SiteFile { .. } => "content/cookies.toml must be a readable file inside the site folder (a copy, not a link to elsewhere); or compare two files: `clause diff old.toml new.toml`",
            ReadError::SinceWithFiles => "either `clause diff --since HEAD~1` or `clause diff old.toml new.toml`",
            ReadError::Nothing => "give two inventory files (`clause diff old.toml new.toml`) or a git revision (`clause diff --since HEAD~1`)",
        }
    }
}

/// The two sides to compare: the site's inventory at git revision `since` and in the
/// working tree under `root`, or the two `files`.
pub fn sides(
    root: &Path,
    since: Option<&str>,
    files: &[PathBuf],
) -> Result<(Side, Side), ReadError> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| ReadError::File {
            path: path.to_path_buf(),
            source,
        })
    };
    match (since, files) {
        (Some(rev), []) => {
            let repo = Repo::discover(root)?;
            let old = repo.show(rev, layout::INVENTORY)?;
            // The site's file, through the checked reader as every command reads the site:
            // a link out of the site (to a secret, to /proc/self/environ) is refused.
            let new = in_site(root, layout::INVENTORY).map_err(|source| ReadError::SiteFile {
                path: root.join(layout::INVENTORY),
                source,
            })?;
            Ok((
                Side {
                    name: format!("{rev}:{}", repo.path_of(layout::INVENTORY)),
                    bytes: old,
                },
                Side {
                    name: format!("{} (working tree)", repo.path_of(layout::INVENTORY)),
                    bytes: new,
                },
            ))
        }
        (None, [a, b]) => {
            let (old, new) = (read(a)?, read(b)?);
            Ok((
                Side {
                    name: a.display().to_string(),
                    bytes: old,
                },
                Side {
                    name: b.display().to_string(),
                    bytes: new,
                },
            ))
        }
        (Some(_), _) => Err(ReadError::SinceWithFiles),
        (None, _) => Err(ReadError::Nothing),
    }
}

/// A file of the site in `root`, read as the loader reads it (never through a link out of
/// the site, never a pipe).
fn in_site(root: &Path, rel: &str) -> std::io::Result<Vec<u8>> {
    use crate::input::{Input, ReadError as Refused};
    Input::Disk(root.to_path_buf())
        .read(rel)
        .map_err(|e| match e {
            Refused::NotFound => std::io::Error::from(std::io::ErrorKind::NotFound),
            Refused::Io(e) => e,
            outside @ Refused::Outside(_) => std::io::Error::other(outside.to_string()),
        })
}

/// The site's locales, when `root` holds a readable site.toml.
pub fn site_locales(root: &Path) -> Option<Vec<String>> {
    let text = String::from_utf8(in_site(root, layout::SITE_TOML).ok()?).ok()?;
    let mut sources = Sources::default();
    let file = sources.add(layout::SITE_TOML, text.clone());
    let mut diags = Diagnostics::default();
    crate::config::load(&text, file, &mut diags)
        .ok()
        .map(|c| c.locales)
}

/// Reads both sides; texts are required in `site` (the site's locales) when given.
pub fn inventories(old: Side, new: Side, site: Option<Vec<String>>) -> Result<Pair, Unloadable> {
    let mut u = Unloadable::default();
    let mut load = |side: Side| -> Option<(Inventory, Vec<String>)> {
        let Ok(text) = String::from_utf8(side.bytes) else {
            u.not_utf8.push(side.name);
            return None;
        };
        let file = u.sources.add(side.name, text.clone());
        inventory::read::load_standalone(&text, file, site.as_deref(), &mut u.diags).ok()
    };
    let (a, b) = (load(old), load(new));
    let (Some((old, la)), Some((new, lb))) = (a, b) else {
        return Err(u);
    };
    if u.diags.has_errors() {
        return Err(u);
    }
    let mut locales = site.unwrap_or_else(|| {
        let mut v = la;
        v.extend(lb);
        v.sort();
        v.dedup();
        v
    });
    if locales.is_empty() {
        // Texts written once for every language: compare them once.
        locales.push(String::new());
    }
    Ok(Pair { old, new, locales })
}
