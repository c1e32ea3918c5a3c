//! `clause diff`: what changed in the inventory's meaning, and whether visitors must be
//! asked for consent again. Exit status 0 when nothing changed, 1 when something did,
//! 2 on error.

use std::io::Write;

use super::args::{DiffArgs, DiffFormat};
use crate::diff::{self, load, report};
use crate::escape::terminal::show;
use crate::term::{status, usage_error, Exit, Term};
use crate::versions;

/// Runs the command.
pub fn run(args: &DiffArgs) -> Exit {
    let (old, new) = match load::sides(&args.root.root, args.since.as_deref(), &args.files) {
        Ok(sides) => sides,
        Err(e) => return usage_error(&e.to_string(), e.help()),
    };
    let sides = report::Sides {
        old: old.name.clone(),
        new: new.name.clone(),
        // The consent revisions come from the site's history, when it has one.
        revisions: args
            .since
            .as_ref()
            .and_then(|rev| Some((rev.clone(), versions::revisions(&args.root.root, rev)?))),
    };
    let site = load::site_locales(&args.root.root);
    let pair = match load::inventories(old, new, site) {
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
