//! What changed between two inventories, by meaning: cookies matched by name (so reordering
//! and reformatting are ignored), providers, categories and definitions by id, each change
//! field by field and locale by locale, and marked when visitors must be asked for consent
//! again.
//!
//! Used by `clause diff` and by the "Changes to this policy" section of the pages.

pub mod load;
pub mod report;
pub mod sentences;

use serde::Serialize;

use crate::decode::Localized;
use crate::inventory::{Consent, Cookie, Duration, Inventory, Party, Unit};

/// What kind of thing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    /// A category.
    Category,
    /// A provider.
    Provider,
    /// A cookie entry.
    Cookie,
    /// A definition.
    Definition,
}

/// Added, removed or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// New in the new inventory.
    Added,
    /// Gone from the new inventory.
    Removed,
    /// In both, with a different field.
    Changed,
}

/// A field of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// A cookie's names and patterns.
    Names,
    /// A cookie's provider.
    Provider,
    /// A cookie's category.
    Category,
    /// A cookie's function and location.
    Function,
    /// A cookie's purposes.
    Purpose,
    /// A cookie's lifetime.
    Duration,
    /// The note on a cookie's lifetime.
    DurationNote,
    /// First or third party.
    Party,
    /// A provider's or category's display name.
    Name,
    /// A category's title.
    Title,
    /// A category's description.
    Description,
    /// Whether a category needs consent.
    Consent,
    /// A provider's home page.
    Url,
    /// A provider's privacy policy.
    PrivacyPolicy,
    /// A definition's term.
    Term,
    /// A definition's text.
    Text,
    /// Where a cookie entry is kept.
    Storage,
    /// The host that sets a cookie.
    Domain,
    /// What a cookie stores or collects.
    Data,
    /// How long a cookie's data is kept.
    Retention,
    /// A provider's country.
    Country,
    /// A provider's role.
    Role,
    /// A provider's transfer safeguard.
    Transfer,
    /// A category's legal basis.
    LegalBasis,
    /// Why an exempt category needs no consent.
    Exemption,
}

impl Field {
    /// The name used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Field::Names => "names",
            Field::Provider => "provider",
            Field::Category => "category",
            Field::Function => "function",
            Field::Purpose => "purpose",
            Field::Duration => "duration",
            Field::DurationNote => "duration note",
            Field::Party => "party",
            Field::Name => "name",
            Field::Title => "title",
            Field::Description => "description",
            Field::Consent => "consent",
            Field::Url => "url",
            Field::PrivacyPolicy => "privacy policy",
            Field::Term => "term",
            Field::Text => "text",
            Field::Storage => "storage",
            Field::Domain => "domain",
            Field::Data => "data",
            Field::Retention => "retention",
            Field::Country => "country",
            Field::Role => "role",
            Field::Transfer => "transfer",
            Field::LegalBasis => "legal basis",
            Field::Exemption => "exemption",
        }
    }
}

/// Display values kept for writing sentences in each locale; not part of the JSON report.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The provider's name (cookies), or the entry's own name or title.
    pub provider: Option<Localized>,
    /// The category's title (cookies).
    pub category: Option<Localized>,
    /// Old and new display values of a provider or category change.
    pub old: Option<Localized>,
    /// See `old`.
    pub new: Option<Localized>,
    /// Old and new lifetimes.
    pub durations: Option<(Duration, Duration)>,
    /// The new party.
    pub party: Option<Party>,
    /// The entry's name in each locale (providers, categories).
    pub name: Option<Localized>,
}

/// One change.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// Added, removed or changed.
    pub kind: Kind,
    /// What changed.
    pub subject: Subject,
    /// Its id (a cookie's first name).
    pub id: String,
    /// The field, for a change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<Field>,
    /// The locale of a changed text, when it differs in some locales only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The old value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// The new value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// A cookie's provider id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// A cookie's category id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Whether visitors must be asked for consent again.
    pub reconsent: bool,
    /// Why, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// For sentences in each locale.
    #[serde(skip)]
    pub context: Context,
}

impl Change {
    fn new(kind: Kind, subject: Subject, id: &str) -> Change {
        Change {
            kind,
            subject,
            id: id.to_string(),
            field: None,
            locale: None,
            old: None,
            new: None,
            provider: None,
            category: None,
            reconsent: false,
            reason: None,
            context: Context::default(),
        }
    }

    fn reask(mut self, when: bool, reason: &'static str) -> Change {
        if when {
            self.reconsent = true;
            self.reason = Some(reason);
        }
        self
    }
}

/// A lifetime in minutes, to compare lifetimes written in different units. A session
/// cookie is the shortest; months and years count as 31 and 366 days so that "12 months"
/// and "1 year" compare as the longer of the two readings.
pub fn minutes(d: Duration) -> u64 {
    match d {
        Duration::Session => 0,
        Duration::Fixed(n, unit) => {
            let per = match unit {
                Unit::Minute => 1,
                Unit::Hour => 60,
                Unit::Day => 1_440,
                Unit::Week => 10_080,
                Unit::Month => 31 * 1_440,
                Unit::Year => 366 * 1_440,
            };
            u64::from(n) * per
        }
    }
}

/// Per-locale differences of a text: one entry with no locale when every locale changed
/// the same way (or the text is the same in every locale), else one per locale.
fn localized_changes(
    old: Option<&Localized>,
    new: Option<&Localized>,
    locales: &[String],
) -> Vec<(Option<String>, String, String)> {
    let get = |v: Option<&Localized>, l: &str| v.map_or(String::new(), |x| x.get(l).to_string());
    let differing: Vec<(String, String, String)> = locales
        .iter()
        .filter_map(|l| {
            let (a, b) = (get(old, l), get(new, l));
            (a != b).then(|| (l.clone(), a, b))
        })
        .collect();
    if differing.is_empty() {
        return Vec::new();
    }
    let all_same = differing.len() == locales.len()
        && differing
            .iter()
            .all(|(_, a, b)| *a == differing[0].1 && *b == differing[0].2);
    if all_same {
        let (_, a, b) = &differing[0];
        return vec![(None, a.clone(), b.clone())];
    }
    differing
        .into_iter()
        .map(|(l, a, b)| (Some(l), a, b))
        .collect()
}

fn names_of(k: &Cookie) -> Vec<String> {
    k.names.iter().map(|n| n.name.clone()).collect()
}

/// Pairs each old cookie with the new cookie that shares one of its names.
fn match_cookies(old: &Inventory, new: &Inventory) -> Vec<(Option<usize>, Option<usize>)> {
    let mut taken = vec![false; new.cookies.len()];
    let mut pairs = Vec::new();
    for (i, k) in old.cookies.iter().enumerate() {
        let found = new.cookies.iter().enumerate().position(|(j, n)| {
            !taken[j]
                && n.names
                    .iter()
                    .any(|a| k.names.iter().any(|b| a.name == b.name))
        });
        if let Some(j) = found {
            taken[j] = true;
        }
        pairs.push((Some(i), found));
    }
    for (j, t) in taken.iter().enumerate() {
        if !t {
            pairs.push((None, Some(j)));
        }
    }
    pairs
}

/// Every change from `old` to `new`, texts compared in `locales`. Order: categories,
/// providers, cookies (in the new inventory's order, removed ones last), definitions.
pub fn compare(old: &Inventory, new: &Inventory, locales: &[String]) -> Vec<Change> {
    let mut out = Vec::new();
    categories(old, new, locales, &mut out);
    providers(old, new, locales, &mut out);
    cookies(old, new, locales, &mut out);
    definitions(old, new, locales, &mut out);
    out
}

fn categories(old: &Inventory, new: &Inventory, locales: &[String], out: &mut Vec<Change>) {
    for c in &new.categories {
        let Some(o) = old.categories.iter().find(|o| o.id == c.id) else {
            let mut ch = Change::new(Kind::Added, Subject::Category, &c.id);
            ch.context.name = Some(c.title.clone());
            out.push(ch);
            continue;
        };
        for (field, a, b) in [
            (Field::Title, Some(&o.title), Some(&c.title)),
            (
                Field::Description,
                o.description.as_ref(),
                c.description.as_ref(),
            ),
        ] {
            for (locale, x, y) in localized_changes(a, b, locales) {
                let mut ch = Change::new(Kind::Changed, Subject::Category, &c.id);
                ch.field = Some(field);
                ch.locale = locale;
                ch.old = Some(x);
                ch.new = Some(y);
                ch.context.name = Some(c.title.clone());
                out.push(ch);
            }
        }
        // A category that starts or stops needing consent changes its basis with it: the
        // change of consent says so.
        let basis_follows = o.consent != c.consent;
        for (field, a, b) in [
            (
                Field::LegalBasis,
                o.legal_basis.map(|x| x.as_str()),
                c.legal_basis.map(|x| x.as_str()),
            ),
            (
                Field::Exemption,
                o.exemption.map(|x| x.as_str()),
                c.exemption.map(|x| x.as_str()),
            ),
        ] {
            if a != b && !(field == Field::LegalBasis && basis_follows) {
                let mut ch = Change::new(Kind::Changed, Subject::Category, &c.id);
                ch.field = Some(field);
                ch.old = Some(a.unwrap_or_default().into());
                ch.new = Some(b.unwrap_or_default().into());
                ch.context.name = Some(c.title.clone());
                out.push(ch);
            }
        }
        if o.consent != c.consent {
            let mut ch = Change::new(Kind::Changed, Subject::Category, &c.id).reask(
                c.consent == Consent::Required,
                "its cookies now need consent",
            );
            ch.field = Some(Field::Consent);
            ch.old = Some(o.consent.as_str().into());
            ch.new = Some(c.consent.as_str().into());
            ch.context.name = Some(c.title.clone());
            out.push(ch);
        }
    }
    for o in &old.categories {
        if !new.categories.iter().any(|c| c.id == o.id) {
            let mut ch = Change::new(Kind::Removed, Subject::Category, &o.id);
            ch.context.name = Some(o.title.clone());
            out.push(ch);
        }
    }
}

fn providers(old: &Inventory, new: &Inventory, locales: &[String], out: &mut Vec<Change>) {
    for p in &new.providers {
        let Some(o) = old.providers.iter().find(|o| o.id == p.id) else {
            let mut ch = Change::new(Kind::Added, Subject::Provider, &p.id);
            ch.context.name = Some(p.name.clone());
            out.push(ch);
            continue;
        };
        for (locale, x, y) in localized_changes(Some(&o.name), Some(&p.name), locales) {
            let mut ch = Change::new(Kind::Changed, Subject::Provider, &p.id);
            ch.field = Some(Field::Name);
            ch.locale = locale;
            ch.old = Some(x);
            ch.new = Some(y);
            ch.context.name = Some(p.name.clone());
            out.push(ch);
        }
        // The data now goes elsewhere, or under another safeguard: what visitors agreed
        // to no longer holds for the cookies of this provider that need consent.
        let required = new.cookies.iter().any(|k| {
            new.providers[k.provider].id == p.id
                && new.categories[k.category].consent == Consent::Required
        });
        for (field, a, b, reason) in [
            (
                Field::Country,
                o.country.as_deref(),
                p.country.as_deref(),
                Some("the data goes to another country, for cookies that need consent"),
            ),
            (
                Field::Transfer,
                o.transfer.map(|x| x.as_str()),
                p.transfer.map(|x| x.as_str()),
                Some("another safeguard for data leaving the EEA, for cookies that need consent"),
            ),
            (
                Field::Role,
                o.role.map(|x| x.as_str()),
                p.role.map(|x| x.as_str()),
                None,
            ),
        ] {
            if a != b {
                let mut ch = Change::new(Kind::Changed, Subject::Provider, &p.id);
                if let Some(reason) = reason {
                    ch = ch.reask(required, reason);
                }
                ch.field = Some(field);
                ch.old = Some(a.unwrap_or_default().into());
                ch.new = Some(b.unwrap_or_default().into());
                ch.context.name = Some(p.name.clone());
                out.push(ch);
            }
        }
        for (field, a, b) in [
            (Field::Url, &o.url, &p.url),
            (Field::PrivacyPolicy, &o.privacy_policy, &p.privacy_policy),
        ] {
            if a != b {
                let mut ch = Change::new(Kind::Changed, Subject::Provider, &p.id);
                ch.field = Some(field);
                ch.old = Some(a.clone().unwrap_or_default());
                ch.new = Some(b.clone().unwrap_or_default());
                ch.context.name = Some(p.name.clone());
                out.push(ch);
            }
        }
    }
    for o in &old.providers {
        if !new.providers.iter().any(|p| p.id == o.id) {
            let mut ch = Change::new(Kind::Removed, Subject::Provider, &o.id);
            ch.context.name = Some(o.name.clone());
            out.push(ch);
        }
    }
}

fn cookie_change(inv: &Inventory, k: &Cookie, kind: Kind) -> Change {
    let mut ch = Change::new(kind, Subject::Cookie, &k.names[0].name);
    ch.provider = Some(inv.providers[k.provider].id.clone());
    ch.category = Some(inv.categories[k.category].id.clone());
    ch.context.provider = Some(inv.providers[k.provider].name.clone());
    ch.context.category = Some(inv.categories[k.category].title.clone());
    ch
}

fn cookies(old: &Inventory, new: &Inventory, locales: &[String], out: &mut Vec<Change>) {
    let mut removed = Vec::new();
    let mut changed: Vec<(usize, Vec<Change>)> = Vec::new();
    for (i, j) in match_cookies(old, new) {
        match (i, j) {
            (Some(i), None) => {
                removed.push(cookie_change(old, &old.cookies[i], Kind::Removed));
            }
            (None, Some(j)) => {
                let k = &new.cookies[j];
                let required = new.categories[k.category].consent == Consent::Required;
                let mut ch = cookie_change(new, k, Kind::Added)
                    .reask(required, "a new cookie in a category that needs consent");
                ch.new = Some(names_of(k).join(", "));
                changed.push((j, vec![ch]));
            }
            (Some(i), Some(j)) => {
                changed.push((j, cookie_fields(old, new, i, j, locales)));
            }
            (None, None) => {}
        }
    }
    changed.sort_by_key(|(j, _)| *j);
    out.extend(changed.into_iter().flat_map(|(_, c)| c));
    out.extend(removed);
}

fn cookie_fields(
    old: &Inventory,
    new: &Inventory,
    i: usize,
    j: usize,
    locales: &[String],
) -> Vec<Change> {
    let (o, k) = (&old.cookies[i], &new.cookies[j]);
    let required = new.categories[k.category].consent == Consent::Required;
    let mut out = Vec::new();
    let base = |field: Field| {
        let mut ch = cookie_change(new, k, Kind::Changed);
        ch.field = Some(field);
        ch
    };
    let (on, nn) = (names_of(o), names_of(k));
    if on != nn {
        let gained = nn.iter().any(|n| !on.contains(n));
        let mut ch = base(Field::Names).reask(
            required && gained,
            "a new cookie name in a category that needs consent",
        );
        ch.old = Some(on.join(", "));
        ch.new = Some(nn.join(", "));
        out.push(ch);
    }
    let (op, np) = (&old.providers[o.provider], &new.providers[k.provider]);
    if op.id != np.id {
        let mut ch = base(Field::Provider).reask(
            required,
            "another provider receives the data, in a category that needs consent",
        );
        ch.old = Some(op.id.clone());
        ch.new = Some(np.id.clone());
        ch.context.old = Some(op.name.clone());
        ch.context.new = Some(np.name.clone());
        out.push(ch);
    }
    let (oc, nc) = (&old.categories[o.category], &new.categories[k.category]);
    if oc.id != nc.id {
        let mut ch = base(Field::Category).reask(
            oc.consent == Consent::Exempt && nc.consent == Consent::Required,
            "moved from a category without consent to one that needs it",
        );
        ch.old = Some(oc.id.clone());
        ch.new = Some(nc.id.clone());
        ch.context.old = Some(oc.title.clone());
        ch.context.new = Some(nc.title.clone());
        out.push(ch);
    }
    for (field, a, b) in [
        (Field::Function, Some(&o.function), Some(&k.function)),
        (Field::Purpose, Some(&o.purpose), Some(&k.purpose)),
        (
            Field::DurationNote,
            o.duration_note.as_ref(),
            k.duration_note.as_ref(),
        ),
        (Field::Data, o.data.as_ref(), k.data.as_ref()),
    ] {
        for (locale, x, y) in localized_changes(a, b, locales) {
            let reason = if field == Field::Data {
                "new data stored or collected, in a category that needs consent"
            } else {
                "a new purpose in a category that needs consent"
            };
            let mut ch = base(field).reask(
                matches!(field, Field::Purpose | Field::Data) && required,
                reason,
            );
            ch.locale = locale;
            ch.old = Some(x);
            ch.new = Some(y);
            out.push(ch);
        }
    }
    if o.duration != k.duration {
        let longer = minutes(k.duration) > minutes(o.duration);
        let mut ch = base(Field::Duration).reask(
            longer && required,
            "a longer lifetime in a category that needs consent",
        );
        ch.old = Some(o.duration.to_string());
        ch.new = Some(k.duration.to_string());
        ch.context.durations = Some((o.duration, k.duration));
        out.push(ch);
    }
    if o.retention != k.retention {
        let longer = match (o.retention, k.retention) {
            (Some(a), Some(b)) => minutes(b) > minutes(a),
            _ => false,
        };
        let mut ch = base(Field::Retention).reask(
            longer && required,
            "its data is kept longer, in a category that needs consent",
        );
        ch.old = Some(o.retention.map(|d| d.to_string()).unwrap_or_default());
        ch.new = Some(k.retention.map(|d| d.to_string()).unwrap_or_default());
        out.push(ch);
    }
    for (field, a, b) in [
        (
            Field::Storage,
            Some(o.storage.as_str()),
            Some(k.storage.as_str()),
        ),
        (Field::Domain, o.domain.as_deref(), k.domain.as_deref()),
    ] {
        if a != b {
            let mut ch = base(field);
            ch.old = Some(a.unwrap_or_default().into());
            ch.new = Some(b.unwrap_or_default().into());
            out.push(ch);
        }
    }
    if o.party != k.party {
        let mut ch = base(Field::Party).reask(
            required && k.party == Party::Third,
            "now set by another site, in a category that needs consent",
        );
        ch.old = Some(o.party.as_str().into());
        ch.new = Some(k.party.as_str().into());
        ch.context.party = Some(k.party);
        out.push(ch);
    }
    out
}

fn definitions(old: &Inventory, new: &Inventory, locales: &[String], out: &mut Vec<Change>) {
    for d in &new.definitions {
        let Some(o) = old.definitions.iter().find(|o| o.id == d.id) else {
            out.push(Change::new(Kind::Added, Subject::Definition, &d.id));
            continue;
        };
        for (field, a, b) in [
            (Field::Term, &o.term, &d.term),
            (Field::Text, &o.text, &d.text),
        ] {
            for (locale, x, y) in localized_changes(Some(a), Some(b), locales) {
                let mut ch = Change::new(Kind::Changed, Subject::Definition, &d.id);
                ch.field = Some(field);
                ch.locale = locale;
                ch.old = Some(x);
                ch.new = Some(y);
                out.push(ch);
            }
        }
    }
    for o in &old.definitions {
        if !new.definitions.iter().any(|d| d.id == o.id) {
            out.push(Change::new(Kind::Removed, Subject::Definition, &o.id));
        }
    }
}
