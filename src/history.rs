//! "Last updated" from the site's git history, and the repository that "Changes to this
//! policy", the versions and the consent revision are read from ([`crate::versions`]),
//! when `[history]` in site.toml turns it on.
//!
//! Read while loading (rendering never runs git). Without git, outside a repository or on
//! a revision that does not load, the section is simply shorter or absent: history is
//! never a reason for a failed build. Dates come from commits, never from the clock, so a
//! build of the same commit is the same bytes.

use std::collections::HashMap;
use std::path::Path;

use crate::git::{GitError, Repo};
use crate::i18n::Date;
use crate::layout;

/// The shared inventory: a change to it is a change to every page.
const INVENTORY: &str = layout::INVENTORY;

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
    /// The repository around the site's folder, or why there is none (no git, not in a
    /// repository).
    pub fn open(root: &Path) -> Result<Git, GitError> {
        Repo::discover(root).map(|repo| Git {
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
            .log(&[path, INVENTORY], 1, false)
            .ok()
            .and_then(|c| c.first().map(|c| c.date));
        self.dates.insert(path.to_string(), date);
        date
    }

    /// The repository.
    pub fn repo(&self) -> &Repo {
        &self.repo
    }

    /// What the history depends on (the last commit of the current branch's own line that
    /// touched the site's sources, and whether the clone is shallow), for the build's
    /// fingerprint.
    pub fn state(&self) -> String {
        let paths = [
            layout::CONTENT,
            layout::PORTALS,
            layout::SITE_TOML,
            layout::SITES_TOML,
        ];
        let last = self
            .repo
            .log(&paths, 1, true)
            .ok()
            .and_then(|c| c.first().map(|c| c.hash.clone()))
            .unwrap_or_default();
        let shallow = self.repo.is_shallow().unwrap_or(false);
        format!("{last} shallow={shallow}")
    }
}
