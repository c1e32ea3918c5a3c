//! `clause diff`: what changed in the inventory's meaning, and whether visitors must be
//! asked for consent again. Exit status 0 when nothing changed, 1 when something did,
//! 2 on error.

use std::io::Write;
use std::path::Path;

use crate::cli::{DiffArgs, DiffFormat};
use crate::diagnostics::{Diagnostics, Sources};
use crate::diff::{self, report};
use crate::escape::terminal::show;
use crate::git::Repo;
use crate::inventory::{self, Inventory};
use crate::layout;
use crate::term::{status, usage_error, Exit, Term};

const INVENTORY: &str = layout::INVENTORY;

/// The site's locales, when `root` holds a readable site.toml.
fn site_locales(root: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(root.join(layout::SITE_TOML)).ok()?;
    let mut sources = Sources::default();
    let file = sources.add(layout::SITE_TOML, text.clone());
    let mut diags = Diagnostics::default();
    crate::config::load(&text, file, &mut diags).map(|c| c.locales)
}

fn read_file(path: &Path) -> Result<Vec<u8>, Exit> {
    std::fs::read(path).map_err(|e| {
       usage_error(
            &format!("cannot read `{}`: {e}", path.display()),
            "give the paths of two inventory files, e.g. `clause diff old/cookies.toml content/cookies.toml`",
        )
    })
}

/// Runs the command.
pub fn run(args: &DiffArgs) -> Exit {
    let (old, new) = match (&args.since, args.files.as_slice()) {
        (Some(rev), []) => {
            let repo = match Repo::discover(&args.root.root) {
                Ok(r) => r,
                Err(e) => return usage_error(&e.to_string(), e.help()),
            };
            let old = match repo.show(rev, INVENTORY) {
                Ok(b) => b,
                Err(e) => return usage_error(&e.to_string(), e.help()),
            };
            let new = match read_file(&args.root.root.join(INVENTORY)) {
                Ok(b) => b,
                Err(code) => return code,
            };
            (
                (format!("{rev}:{}", repo.path_of(INVENTORY)), old),
                (format!("{} (working tree)", repo.path_of(INVENTORY)), new),
            )
        }
        (None, [a, b]) => {
            let (old, new) = match (read_file(a), read_file(b)) {
                (Ok(x), Ok(y)) => (x, y),
                (Err(code), _) | (_, Err(code)) => return code,
            };
            (
                (a.display().to_string(), old),
                (b.display().to_string(), new),
            )
        }
        (Some(_), _) => {
            return usage_error(
                "--since compares a revision with the working tree: give no files with it",
                "either `clause diff --since HEAD~1` or `clause diff old.toml new.toml`",
            )
        }
        (None, _) => {
            return usage_error(
                "nothing to compare",
                "give two inventory files (`clause diff old.toml new.toml`) or a git revision (`clause diff --since HEAD~1`)",
            )
        }
    };
    let site = site_locales(&args.root.root);
    let mut sources = Sources::default();
    let mut diags = Diagnostics::default();
    let mut load = |(name, bytes): (String, Vec<u8>)| -> Option<(Inventory, Vec<String>)> {
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => {
                status(&format!(
                    "error: `{}` is not UTF-8 text\n  = help: save the file as UTF-8",
                    show(&name)
                ));
                return None;
            }
        };
        let file = sources.add(name, text.clone());
        inventory::read::load_standalone(&text, file, site.as_deref(), &mut diags)
    };
    let sides = report::Sides {
        old: old.0.clone(),
        new: new.0.clone(),
    };
    let (a, b) = (load(old), load(new));
    if diags.has_errors() || a.is_none() || b.is_none() {
        Term::new(args.messages.format()).site_failed(
            &sources,
            &diags,
            "cannot compare inventories that do not load (see above)",
        );
        return Exit::Usage;
    }
    let (Some((a, la)), Some((b, lb))) = (a, b) else {
        return Exit::Usage;
    };
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
    let changes = diff::compare(&a, &b, &locales);
    let text = match args.format {
        DiffFormat::Text => report::text(&sides, &changes),
        DiffFormat::Markdown => report::markdown(&sides, &changes),
        DiffFormat::Json => report::json(&sides, &changes),
    };
    // A closed pipe (`clause diff … | head`) is not an error.
    let _ = std::io::stdout().write_all(text.as_bytes());
    if changes.is_empty() {
        Exit::Success
    } else {
        Exit::Problems
    }
}
