//! `clause diff`: what changed in the inventory's meaning, and whether visitors must be
//! asked for consent again. Exit status 0 when nothing changed, 1 when something did,
//! 2 on error.

use std::io::Write;
use std::path::Path;

use crate::cli::{DiffArgs, DiffFormat};
use crate::diff::{self, load, report};
use crate::escape::terminal::show;
use crate::git::Repo;
use crate::layout;
use crate::term::{status, usage_error, Exit, Term};
use crate::versions;

const INVENTORY: &str = layout::INVENTORY;

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
    let sides = report::Sides {
        old: old.0.clone(),
        new: new.0.clone(),
        // The consent revisions come from the site's history, when it has one.
        revisions: args
            .since
            .as_ref()
            .and_then(|rev| Some((rev.clone(), versions::revisions(&args.root.root, rev)?))),
    };
    let side = |(name, bytes)| load::Side { name, bytes };
    let site = load::site_locales(&args.root.root);
    let pair = match load::inventories(side(old), side(new), site) {
        Ok(p) => p,
        Err(u) => {
            for name in &u.not_utf8 {
                status(&format!(
                    "error: `{}` is not UTF-8 text\n  = help: save the file as UTF-8",
                    show(name)
                ));
            }
            Term::new(args.messages.format()).site_failed(
                &u.sources,
                &u.diags,
                "cannot compare inventories that do not load (see above)",
            );
            return Exit::Usage;
        }
    };
    let changes = diff::compare(&pair.old, &pair.new, &pair.locales);
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
