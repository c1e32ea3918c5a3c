//! "Changes to this policy" and "Last updated" from the site's git history, when
//! `[history]` in site.toml turns it on.
//!
//! Read while loading (rendering never runs git). Without git, outside a repository or on
//! a revision that does not load, the section is simply shorter or absent: history is
//! never a reason for a failed build. Dates come from commits, never from the clock, so a
//! build of the same commit is the same bytes.

use std::collections::HashMap;
use std::path::Path;

use crate::diagnostics::{Diagnostics, Sources};
use crate::diff::{self, Change};
use crate::git::{Commit, Repo};
use crate::i18n::Date;
use crate::inventory::{self, Inventory};
use crate::layout;

/// The shared inventory, whose commits make the history.
const INVENTORY: &str = layout::INVENTORY;

/// One commit that changed the inventory's meaning.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The commit's full hash, kept in the page so that the text can be traced.
    pub hash: String,
    /// Its date.
    pub date: Date,
    /// What it changed; empty for the first version.
    pub changes: Vec<Change>,
    /// True for the inventory's first version.
    pub initial: bool,
}

impl Entry {
    /// Whether a page in `s.locale` lists this entry: the first version always, another
    /// when something it changed concerns that language (as the page writes it).
    pub fn shown_in(&self, s: &crate::i18n::Strings) -> bool {
        self.initial || !diff::sentences::sentences(&self.changes, s).is_empty()
    }
}

/// Test hook: `CLAUSE_TEST_TODAY=<YYYY-MM-DD>` stands for the clock in [`today`], so that
/// tests of the warning about a date in the future do not depend on the day they run.
const TODAY_VARIABLE: &str = "CLAUSE_TEST_TODAY";

/// Today's date where it is latest on Earth (UTC+14), from the system clock: a date
/// written today anywhere is never after it. Only warnings read it; the pages never do.
pub fn today() -> Date {
    if let Some(d) = std::env::var(TODAY_VARIABLE)
        .ok()
        .and_then(|v| Date::parse(&v))
    {
        return d;
    }
    let now = time::OffsetDateTime::now_utc() + time::Duration::hours(14);
    Date {
        year: u16::try_from(now.year()).unwrap_or(u16::MAX),
        month: u8::from(now.month()),
        day: now.day(),
    }
}

/// Git access for one build, with the answers it already has.
pub struct Git {
    repo: Repo,
    dates: HashMap<String, Option<Date>>,
}

impl Git {
    /// The repository around the site's folder, if there is one and git runs.
    pub fn open(root: &Path) -> Option<Git> {
        Repo::discover(root).ok().map(|repo| Git {
            repo,
            dates: HashMap::new(),
        })
    }

    /// The date of the last commit that touched the document at `path` (relative to the
    /// site's folder) or the inventory.
    pub fn updated(&mut self, path: &str) -> Option<Date> {
        if let Some(d) = self.dates.get(path) {
            return *d;
        }
        let date = self
            .repo
            .log(&[path, INVENTORY], 1)
            .ok()
            .and_then(|c| c.first().map(|c| c.date));
        self.dates.insert(path.to_string(), date);
        date
    }

    /// A hash of what the history depends on (the last commit touching the site's
    /// content), for the build's fingerprint.
    pub fn state(&self) -> String {
        self.repo
            .log(&[layout::CONTENT, layout::PORTALS, layout::SITE_TOML], 1)
            .ok()
            .and_then(|c| c.first().map(|c| c.hash.clone()))
            .unwrap_or_default()
    }

    /// The last `limit` commits that changed the inventory's meaning, newest first.
    pub fn entries(&self, limit: usize, locales: &[String]) -> Vec<Entry> {
        // Commits that only reformatted the file are skipped, so more are read than shown.
        let commits: Vec<Commit> = self
            .repo
            .log(&[INVENTORY], limit.saturating_mul(3).saturating_add(1))
            .unwrap_or_default();
        let versions: Vec<Option<Inventory>> = commits
            .iter()
            .map(|c| self.inventory_at(&c.hash, locales))
            .collect();
        let mut out = Vec::new();
        for (i, c) in commits.iter().enumerate() {
            if out.len() == limit {
                break;
            }
            let Some(new) = &versions[i] else { continue };
            let entry = |changes, initial| Entry {
                hash: c.hash.clone(),
                date: c.date,
                changes,
                initial,
            };
            match versions.get(i + 1) {
                Some(Some(old)) => {
                    let changes = diff::compare(old, new, locales);
                    if !changes.is_empty() {
                        out.push(entry(changes, false));
                    }
                }
                Some(None) => {}
                // The oldest commit read: the first version, unless the log was cut short.
                None if commits.len() < limit.saturating_mul(3).saturating_add(1) => {
                    out.push(entry(Vec::new(), true));
                }
                None => {}
            }
        }
        out
    }

    fn inventory_at(&self, hash: &str, locales: &[String]) -> Option<Inventory> {
        let bytes = self.repo.show(hash, INVENTORY).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut sources = Sources::default();
        let file = sources.add(format!("{hash}:{INVENTORY}"), text.clone());
        let mut diags = Diagnostics::default();
        let (inv, _) =
            inventory::read::load_standalone(&text, file, Some(locales), &mut diags).ok()?;
        (!diags.has_errors()).then_some(inv)
    }
}
