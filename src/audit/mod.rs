//! `clause audit`: compares the inventory with the cookies a browser really recorded.
//!
//! Inputs are read by [`read`] (HAR 1.2, Netscape cookies.txt, Playwright storageState),
//! streamed where the format allows, into [`Observation`]s; [`compare`] turns them and the
//! inventory into a [`Report`].

pub mod known;
pub mod read;
pub mod report;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::Serialize;

use crate::inventory::{Consent, Duration, Inventory, Party, Pattern, Unit};

/// How long a recorded cookie was to be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "seconds")]
pub enum Lifetime {
    /// Not known (a cookie sent by the browser, or a storage key).
    Unknown,
    /// Deleted when the browser closes.
    Session,
    /// Kept this many seconds after it was set.
    Seconds(u64),
}

/// What kind of storage a name was recorded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Storage {
    /// An HTTP cookie.
    Cookie,
    /// A localStorage key.
    LocalStorage,
    /// A sessionStorage key (storageState files written by `clause scan`).
    SessionStorage,
}

impl Storage {
    /// The inventory's word for this kind of storage (`storage = "local-storage"`).
    pub fn declared(self) -> crate::inventory::Storage {
        match self {
            Storage::Cookie => crate::inventory::Storage::Cookie,
            Storage::LocalStorage => crate::inventory::Storage::LocalStorage,
            Storage::SessionStorage => crate::inventory::Storage::SessionStorage,
        }
    }
}

/// One cookie (or storage key) seen in a recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// Its name.
    pub name: String,
    /// The domain it belongs to, lowercase, without a leading dot.
    pub domain: String,
    /// How long it was to be kept.
    pub lifetime: Lifetime,
    /// Cookie or localStorage.
    pub storage: Storage,
    /// The recording it comes from.
    pub file: String,
    /// Whether that recording was made before the visitor consented to anything.
    pub before_consent: bool,
}

/// An input file that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be opened or read.
    #[error("{file}: cannot be read: {source}")]
    Io {
        /// The file.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// The format could not be recognised.
    #[error("{file}: cannot tell what this file is")]
    UnknownFormat {
        /// The file.
        file: String,
    },
    /// The content is malformed.
    #[error("{file}:{line}{}: {message}", column.map(|c| format!(":{c}")).unwrap_or_default())]
    Malformed {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column, where known.
        column: Option<usize>,
        /// What is wrong.
        message: String,
        /// How to fix it, for this format.
        help: &'static str,
    },
}

impl InputError {
    /// How to fix it.
    pub fn help(&self) -> &'static str {
        match self {
            InputError::Io { .. } => "check the path and that the file is readable",
            InputError::UnknownFormat { .. } => "give a HAR 1.2 file (exported from the browser's network panel or recorded by Playwright), a Netscape cookies.txt (curl -c, wget, browser extensions) or a Playwright storageState JSON",
            InputError::Malformed { help, .. } => help,
        }
    }
}

/// Seconds in a declared duration (months and years in their average Gregorian length).
pub fn duration_seconds(d: Duration) -> Option<u64> {
    match d {
        Duration::Session => None,
        Duration::Fixed(n, unit) => Some(
            u64::from(n)
                * match unit {
                    Unit::Minute => 60,
                    Unit::Hour => 3_600,
                    Unit::Day => 86_400,
                    Unit::Week => 604_800,
                    Unit::Month => 2_629_746,
                    Unit::Year => 31_556_952,
                },
        ),
    }
}

/// The site a host belongs to: its registrable domain by the Public Suffix List
/// (`www.example.co.uk` → `example.co.uk`, `user.github.io` → itself), or the host itself
/// when it has none (an IP address, `localhost`, a public suffix).
pub fn site_of(host: &str) -> String {
    let h = host
        .trim_start_matches('.')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    // An address is a site of its own (the list would read `127.0.0.1` as `0.1`).
    if h.parse::<std::net::IpAddr>().is_ok() || h.starts_with('[') {
        return h;
    }
    match psl::domain_str(&h) {
        Some(d) => d.to_string(),
        None => h,
    }
}

/// First or third party, from the cookie's domain and the site's host: first party when
/// both belong to the same site ([`site_of`]: `www.example.org`, `.example.org` and
/// `shop.example.org` do; `a.github.io` and `b.github.io` do not).
pub fn party_of(domain: &str, site_host: &str) -> Party {
    if site_of(domain) == site_of(site_host) {
        Party::First
    } else {
        Party::Third
    }
}

/// The host of an address (`base_url`): the first-party site when no `--site` is given.
pub fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default()
}

/// Options of the comparison.
#[derive(Debug, Clone)]
pub struct Options {
    /// Host of the first-party site.
    pub site_host: String,
    /// How much longer than declared a lifetime may be, in percent.
    pub tolerance_percent: u32,
}

/// A name seen but declared nowhere.
#[derive(Debug, Clone, Serialize)]
pub struct Undeclared {
    /// The name.
    pub name: String,
    /// Cookie or localStorage.
    pub storage: Storage,
    /// Domains it was seen on.
    pub domains: BTreeSet<String>,
    /// First or third party, as observed (third if any domain is).
    pub party: Party,
    /// The longest lifetime seen.
    pub lifetime: Lifetime,
    /// The recordings it was seen in.
    pub files: BTreeSet<String>,
    /// What a known-cookies list says of it.
    pub known: Option<known::Known>,
}

/// A declared name or pattern seen in no recording.
#[derive(Debug, Clone, Serialize)]
pub struct Unseen {
    /// As declared.
    pub name: String,
    /// Its category id.
    pub category: String,
}

/// A cookie kept longer than declared.
#[derive(Debug, Clone, Serialize)]
pub struct LongerThanDeclared {
    /// The observed name.
    pub name: String,
    /// The declaration it matched.
    pub declared_as: String,
    /// Declared lifetime in seconds (`None`: declared as a session cookie).
    pub declared_seconds: Option<u64>,
    /// Declared lifetime as written in the inventory.
    pub declared: String,
    /// Observed lifetime in seconds.
    pub observed_seconds: u64,
    /// Where.
    pub file: String,
}

/// A cookie whose party differs from its declaration.
#[derive(Debug, Clone, Serialize)]
pub struct PartyMismatch {
    /// The observed name.
    pub name: String,
    /// The declaration it matched.
    pub declared_as: String,
    /// Declared party.
    pub declared: Party,
    /// Observed party.
    pub observed: Party,
    /// The domain it was set on.
    pub domain: String,
    /// Where.
    pub file: String,
}

/// A cookie of a consent-required category set before consent.
#[derive(Debug, Clone, Serialize)]
pub struct BeforeConsent {
    /// The observed name.
    pub name: String,
    /// The declaration it matched.
    pub declared_as: String,
    /// Its category id.
    pub category: String,
    /// Where.
    pub file: String,
}

/// A name recorded in one kind of storage but declared as another.
#[derive(Debug, Clone, Serialize)]
pub struct StorageMismatch {
    /// The observed name.
    pub name: String,
    /// The declaration it matched.
    pub declared_as: String,
    /// The declared storage (`storage` in the inventory).
    pub declared: crate::inventory::Storage,
    /// Where the browser kept it.
    pub observed: Storage,
    /// Where.
    pub file: String,
}

/// Everything the audit found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Recordings read.
    pub files: Vec<String>,
    /// Distinct names observed.
    pub observed: usize,
    /// Observed names declared nowhere.
    pub undeclared: Vec<Undeclared>,
    /// Consent-required cookies set before consent.
    pub before_consent: Vec<BeforeConsent>,
    /// Cookies kept longer than declared.
    pub longer_than_declared: Vec<LongerThanDeclared>,
    /// Cookies whose party differs from the declaration.
    pub party_mismatches: Vec<PartyMismatch>,
    /// Names kept in another storage than declared.
    pub storage_mismatches: Vec<StorageMismatch>,
    /// Declared names that no recording shows.
    pub unseen: Vec<Unseen>,
}

impl Report {
    /// True when something must fail CI: an undeclared cookie or one set without consent.
    pub fn failed(&self) -> bool {
        !self.undeclared.is_empty() || !self.before_consent.is_empty()
    }

    /// True when anything at all was found.
    pub fn any(&self) -> bool {
        self.failed()
            || !self.longer_than_declared.is_empty()
            || !self.party_mismatches.is_empty()
            || !self.storage_mismatches.is_empty()
            || !self.unseen.is_empty()
    }
}

/// The declaration covering a name: exact names first, then the longest prefix, then the
/// first regular expression in file order. Returns (cookie index, name index).
pub fn find_declaration(inv: &Inventory, name: &str) -> Option<(usize, usize)> {
    find_declaration_in(inv, name, None)
}

/// [`find_declaration`] among the entries of one kind of storage only (`None`: any).
pub fn find_declaration_in(
    inv: &Inventory,
    name: &str,
    storage: Option<crate::inventory::Storage>,
) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize, u8, usize)> = None;
    for (ci, c) in inv.cookies.iter().enumerate() {
        if storage.is_some_and(|s| s != c.storage) {
            continue;
        }
        for (ni, n) in c.names.iter().enumerate() {
            if !n.matches(name) {
                continue;
            }
            let (rank, len) = match n.pattern {
                Pattern::Exact => (0, n.name.len()),
                Pattern::Prefix => (1, usize::MAX - n.name.len()),
                Pattern::Regex { .. } => (2, 0),
            };
            if best.is_none_or(|(_, _, r, l)| (rank, len) < (r, l)) {
                best = Some((ci, ni, rank, len));
            }
        }
    }
    best.map(|(c, n, _, _)| (c, n))
}

/// Compares the observations with the inventory.
pub fn compare(
    inv: &Inventory,
    observations: &[Observation],
    files: Vec<String>,
    opts: &Options,
    known: Option<&known::KnownList>,
) -> Report {
    let mut report = Report {
        files,
        ..Report::default()
    };
    let mut undeclared: BTreeMap<String, Undeclared> = BTreeMap::new();
    let mut seen_declarations: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut names: BTreeSet<&str> = BTreeSet::new();
    let mut longer: BTreeMap<(String, String), LongerThanDeclared> = BTreeMap::new();
    let mut party: BTreeMap<(String, String), PartyMismatch> = BTreeMap::new();
    let mut before: BTreeMap<(String, String), BeforeConsent> = BTreeMap::new();
    let mut storage: BTreeMap<(String, String), StorageMismatch> = BTreeMap::new();
    for o in observations {
        names.insert(&o.name);
        let observed_party = party_of(&o.domain, &opts.site_host);
        // A name is matched against the entries of the storage it was seen in; one declared
        // only as another kind of storage is declared, but not truthfully.
        let found = find_declaration_in(inv, &o.name, Some(o.storage.declared())).or_else(|| {
            let (ci, ni) = find_declaration(inv, &o.name)?;
            let c = &inv.cookies[ci];
            storage
                .entry((o.name.clone(), o.file.clone()))
                .or_insert_with(|| StorageMismatch {
                    name: o.name.clone(),
                    declared_as: c.names[ni].name.clone(),
                    declared: c.storage,
                    observed: o.storage,
                    file: o.file.clone(),
                });
            Some((ci, ni))
        });
        let Some((ci, ni)) = found else {
            let u = undeclared
                .entry(o.name.clone())
                .or_insert_with(|| Undeclared {
                    name: o.name.clone(),
                    storage: o.storage,
                    domains: BTreeSet::new(),
                    party: observed_party,
                    lifetime: o.lifetime,
                    files: BTreeSet::new(),
                    known: known.and_then(|k| k.find(&o.name)),
                });
            u.domains.insert(o.domain.clone());
            u.files.insert(o.file.clone());
            u.lifetime = u.lifetime.max(o.lifetime);
            if observed_party == Party::Third {
                u.party = Party::Third;
            }
            continue;
        };
        seen_declarations.insert((ci, ni));
        let cookie = &inv.cookies[ci];
        let declared_as = cookie.names[ni].name.clone();
        let category = &inv.categories[cookie.category];
        if o.before_consent && category.consent == Consent::Required {
            before
                .entry((o.name.clone(), o.file.clone()))
                .or_insert_with(|| BeforeConsent {
                    name: o.name.clone(),
                    declared_as: declared_as.clone(),
                    category: category.id.clone(),
                    file: o.file.clone(),
                });
        }
        if let Lifetime::Seconds(secs) = o.lifetime {
            let declared = duration_seconds(cookie.duration);
            let allowed = declared.map(|d| {
                d + d * u64::from(opts.tolerance_percent) / 100 + 60 // a minute of clock slack
            });
            if allowed.is_none_or(|a| secs > a) {
                let entry = longer
                    .entry((o.name.clone(), o.file.clone()))
                    .or_insert_with(|| LongerThanDeclared {
                        name: o.name.clone(),
                        declared_as: declared_as.clone(),
                        declared_seconds: declared,
                        declared: cookie.duration.to_string(),
                        observed_seconds: secs,
                        file: o.file.clone(),
                    });
                entry.observed_seconds = entry.observed_seconds.max(secs);
            }
        }
        if o.storage == Storage::Cookie && observed_party != cookie.party {
            party
                .entry((o.name.clone(), o.domain.clone()))
                .or_insert_with(|| PartyMismatch {
                    name: o.name.clone(),
                    declared_as: declared_as.clone(),
                    declared: cookie.party,
                    observed: observed_party,
                    domain: o.domain.clone(),
                    file: o.file.clone(),
                });
        }
    }
    report.observed = names.len();
    report.undeclared = undeclared.into_values().collect();
    report.before_consent = before.into_values().collect();
    report.longer_than_declared = longer.into_values().collect();
    report.party_mismatches = party.into_values().collect();
    report.storage_mismatches = storage.into_values().collect();
    for (ci, c) in inv.cookies.iter().enumerate() {
        for (ni, n) in c.names.iter().enumerate() {
            if !seen_declarations.contains(&(ci, ni)) {
                report.unseen.push(Unseen {
                    name: n.name.clone(),
                    category: inv.categories[c.category].id.clone(),
                });
            }
        }
    }
    report
}

/// Reads every input file. Files given with `--before-consent` are marked so.
pub fn read_all(
    inputs: &[(PathBuf, bool)],
    display: impl Fn(&std::path::Path) -> String,
) -> Result<Vec<Observation>, InputError> {
    let mut out = Vec::new();
    for (path, before_consent) in inputs {
        let name = display(path);
        read::read_file(path, &name, *before_consent, &mut |o| out.push(o))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parties_follow_the_site_host() {
        assert_eq!(
            party_of(".opendatasoft.com", "saintmande.opendatasoft.com"),
            Party::First
        );
        assert_eq!(
            party_of("saintmande.opendatasoft.com", "saintmande.opendatasoft.com"),
            Party::First
        );
        assert_eq!(party_of("www.example.org", "example.org"), Party::First);
        assert_eq!(
            party_of(".youtube.com", "saintmande.opendatasoft.com"),
            Party::Third
        );
        assert_eq!(party_of("notexample.org", "example.org"), Party::Third);
        // By the Public Suffix List: one registrable domain is one site.
        assert_eq!(
            party_of("shop.example.org", "www.example.org"),
            Party::First
        );
        assert_eq!(party_of("github.io", "user.github.io"), Party::Third);
        assert_eq!(party_of("other.github.io", "user.github.io"), Party::Third);
        assert_eq!(party_of("co.uk", "www.example.co.uk"), Party::Third);
        assert_eq!(
            party_of(".example.co.uk", "www.example.co.uk"),
            Party::First
        );
        assert_eq!(party_of("localhost", "127.0.0.1"), Party::Third);
        assert_eq!(party_of("127.0.0.1", "127.0.0.1"), Party::First);
        assert_eq!(party_of("10.0.0.1", "127.0.0.1"), Party::Third);
    }

    #[test]
    fn durations_in_seconds() {
        assert_eq!(
            duration_seconds(Duration::Fixed(2, Unit::Week)),
            Some(1_209_600)
        );
        assert_eq!(duration_seconds(Duration::Session), None);
    }
}
