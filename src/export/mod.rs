//! Machine-readable forms of the inventory: `cookies.json` (every field in every locale,
//! described by `schema/cookies.schema.json`), one CSV per locale for auditors, and the
//! configurations of the consent banners sites already use (Klaro, cookieconsent v3).

pub mod cookieconsent;
pub mod klaro;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::decode::Localized;
use crate::i18n::Strings;
use crate::inventory::{
    Consent, CookieName, Duration, Exemption, Inventory, LegalBasis, Party, Pattern, Role, Storage,
    Transfer,
};
use crate::jsregex;
use crate::markdown::{Block, Section};
use crate::site::{Page, Site};

/// The forms `clause export` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// Klaro's configuration (JSON for `klaro.setup`).
    Klaro,
    /// orestbida cookieconsent v3's configuration (an ES module).
    Cookieconsent,
    /// `cookies.json`.
    Json,
    /// `<locale>/cookies.csv`, in the first locale asked for.
    Csv,
}

/// A locale asked for that the site does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{asked}` is not a locale of this site")]
pub struct UnknownLocale {
    /// The locale asked for.
    pub asked: String,
    /// The site's locales.
    pub locales: Vec<String>,
}

impl UnknownLocale {
    /// How to fix it.
    pub fn help(&self) -> String {
        format!("the site's locales are {}", self.locales.join(", "))
    }
}

/// The locales an export is written in: the one asked for (in any case), or every locale,
/// the default first (cookieconsent takes the first as its default).
pub fn locales(site: &Site, asked: Option<&str>) -> Result<Vec<String>, UnknownLocale> {
    let c = &site.config;
    match asked {
        Some(l) => match c.locales.iter().find(|x| x.eq_ignore_ascii_case(l)) {
            Some(x) => Ok(vec![x.clone()]),
            None => Err(UnknownLocale {
                asked: l.to_string(),
                locales: c.locales.clone(),
            }),
        },
        None => {
            let mut v = vec![c.default_locale.clone()];
            v.extend(
                c.locales
                    .iter()
                    .filter(|l| **l != c.default_locale)
                    .cloned(),
            );
            Ok(v)
        }
    }
}

/// The inventory of `site` for `tool`, with the texts of `locales`.
pub fn for_tool(site: &Site, tool: Tool, locales: &[String]) -> Vec<u8> {
    match tool {
        Tool::Json => json_for(site, locales).into_bytes(),
        Tool::Csv => match locales.first().and_then(|l| site.theme.strings.get(l)) {
            Some(s) => csv(site, s),
            None => Vec::new(),
        },
        Tool::Klaro => klaro::config(site, locales).into_bytes(),
        Tool::Cookieconsent => cookieconsent::config(site, locales).into_bytes(),
    }
}

/// A warning when the inventory does not declare the cookie in which the banner `tool`
/// configures keeps the visitor's choice; it points at `[consent]` when that names the
/// same banner.
pub fn undeclared_consent_cookie(
    site: &Site,
    tool: Tool,
) -> Option<crate::diagnostics::Diagnostic> {
    use crate::consent::Manager;
    let manager = match tool {
        Tool::Klaro => Manager::Klaro,
        Tool::Cookieconsent => Manager::Cookieconsent,
        Tool::Json | Tool::Csv => return None,
    };
    let consent = &site.config.consent;
    let named = consent
        .banner
        .as_ref()
        .filter(|b| b.manager == manager)
        .map(|b| (site.config.file, b));
    crate::consent::undeclared_cookie(manager, &site.inventory, named, site.versions.revision)
}

/// Version of the `cookies.json` format; bumped on any incompatible change.
pub const JSON_FORMAT: u32 = 1;

type PerLocale = BTreeMap<String, String>;

fn per_locale(v: &Localized, locales: &[String]) -> PerLocale {
    locales
        .iter()
        .map(|l| (l.clone(), v.get(l).to_string()))
        .collect()
}

#[derive(Serialize)]
struct JsonDuration {
    /// "session", or a unit.
    kind: &'static str,
    value: Option<u32>,
    text: PerLocale,
}

#[derive(Serialize)]
struct JsonCookie {
    names: Vec<String>,
    patterns: Vec<String>,
    regexes: Vec<String>,
    provider: String,
    category: String,
    consent: Consent,
    function: PerLocale,
    purpose: PerLocale,
    duration: JsonDuration,
    duration_note: Option<PerLocale>,
    party: Party,
    storage: Storage,
    domain: Option<String>,
    data: Option<PerLocale>,
    retention: Option<JsonDuration>,
}

#[derive(Serialize)]
struct JsonCategory {
    id: String,
    title: PerLocale,
    description: Option<PerLocale>,
    consent: Consent,
    legal_basis: Option<LegalBasis>,
    exemption: Option<Exemption>,
}

#[derive(Serialize)]
struct JsonProvider {
    id: String,
    name: PerLocale,
    url: Option<String>,
    privacy_policy: Option<String>,
    country: Option<String>,
    /// The country's name in each locale (CLDR).
    country_name: Option<PerLocale>,
    role: Option<Role>,
    transfer: Option<Transfer>,
}

#[derive(Serialize)]
struct JsonContact {
    text: String,
    href: String,
}

#[derive(Serialize)]
struct JsonController {
    name: PerLocale,
    address: PerLocale,
    contact: JsonContact,
    dpo: Option<JsonContact>,
}

#[derive(Serialize)]
struct JsonDefinition {
    id: String,
    term: PerLocale,
    text: PerLocale,
}

#[derive(Serialize)]
struct JsonSite {
    title: PerLocale,
    base_url: String,
    default_locale: String,
    locales: Vec<String>,
    controller: Option<JsonController>,
}

/// Which version of the site the inventory is, for the tools that ask for consent.
#[derive(Serialize)]
struct JsonVersion {
    /// The date of the last commit that changed the inventory's meaning.
    date: Option<String>,
    /// That commit.
    commit: Option<String>,
    /// The site's consent revision: a visitor who consented at an older one is asked again.
    consent_revision: u32,
}

#[derive(Serialize)]
struct JsonInventory {
    format: u32,
    site: JsonSite,
    version: JsonVersion,
    definitions: Vec<JsonDefinition>,
    categories: Vec<JsonCategory>,
    providers: Vec<JsonProvider>,
    cookies: Vec<JsonCookie>,
}

/// A lifetime or a retention period: its unit, its number and its words in each locale.
fn json_duration(site: &Site, d: Duration, locales: &[String]) -> JsonDuration {
    JsonDuration {
        kind: match d {
            Duration::Session => "session",
            Duration::Fixed(_, u) => u.key(),
        },
        value: match d {
            Duration::Session => None,
            Duration::Fixed(n, _) => Some(n),
        },
        text: locales
            .iter()
            .filter_map(|l| Some((l.clone(), site.theme.strings.get(l)?.duration(d))))
            .collect(),
    }
}

/// `cookies.json`: the whole inventory, every human-readable value in every locale.
pub fn json(site: &Site) -> String {
    json_for(site, &site.config.locales)
}

/// `cookies.json` with the human-readable values of `locales` only.
pub fn json_for(site: &Site, locales: &[String]) -> String {
    let inv = &site.inventory;
    let cfg = &site.config;
    let doc = JsonInventory {
        format: JSON_FORMAT,
        site: JsonSite {
            title: per_locale(&cfg.title, locales),
            base_url: cfg.base_url.clone(),
            default_locale: cfg.default_locale.clone(),
            locales: locales.to_vec(),
            controller: cfg.controller.as_ref().map(|c| {
                let contact = |x: &crate::config::Contact| JsonContact {
                    text: x.text.clone(),
                    href: x.href.clone(),
                };
                JsonController {
                    name: per_locale(&c.name, locales),
                    address: per_locale(&c.address, locales),
                    contact: contact(&c.contact),
                    dpo: c.dpo.as_ref().map(contact),
                }
            }),
        },
        version: JsonVersion {
            date: site.versions.inventory.as_ref().map(|s| s.date.iso()),
            commit: site.versions.inventory.as_ref().map(|s| s.commit.clone()),
            consent_revision: site.versions.revision,
        },
        definitions: inv
            .definitions
            .iter()
            .map(|d| JsonDefinition {
                id: d.id.clone(),
                term: per_locale(&d.term, locales),
                text: per_locale(&d.text, locales),
            })
            .collect(),
        categories: inv
            .categories
            .iter()
            .map(|c| JsonCategory {
                id: c.id.clone(),
                title: per_locale(&c.title, locales),
                description: c.description.as_ref().map(|d| per_locale(d, locales)),
                consent: c.consent,
                legal_basis: c.legal_basis,
                exemption: c.exemption,
            })
            .collect(),
        providers: inv
            .providers
            .iter()
            .map(|p| JsonProvider {
                id: p.id.clone(),
                name: per_locale(&p.name, locales),
                url: p.url.clone(),
                privacy_policy: p.privacy_policy.clone(),
                country: p.country.clone(),
                country_name: p.country.as_deref().map(|c| {
                    locales
                        .iter()
                        .filter_map(|l| Some((l.clone(), crate::legal::name(c, l)?.to_string())))
                        .collect()
                }),
                role: p.role,
                transfer: p.transfer,
            })
            .collect(),
        cookies: inv
            .cookies
            .iter()
            .map(|k| JsonCookie {
                names: k
                    .names
                    .iter()
                    .filter(|n| matches!(n.pattern, Pattern::Exact))
                    .map(|n| n.name.clone())
                    .collect(),
                patterns: k
                    .names
                    .iter()
                    .filter(|n| n.is_prefix())
                    .map(|n| n.name.clone())
                    .collect(),
                regexes: k
                    .names
                    .iter()
                    .filter_map(|n| n.name.strip_prefix("re:").map(String::from))
                    .collect(),
                provider: inv.providers[k.provider].id.clone(),
                category: inv.categories[k.category].id.clone(),
                consent: inv.categories[k.category].consent,
                function: per_locale(&k.function, locales),
                purpose: per_locale(&k.purpose, locales),
                duration: json_duration(site, k.duration, locales),
                duration_note: k.duration_note.as_ref().map(|n| per_locale(n, locales)),
                party: k.party,
                storage: k.storage,
                domain: k.domain.clone(),
                data: k.data.as_ref().map(|d| per_locale(d, locales)),
                retention: k.retention.map(|d| json_duration(site, d, locales)),
            })
            .collect(),
    };
    let out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    script_safe(&out) + "\n"
}

/// Escapes `<`, `>`, `&` and the JavaScript line separators inside JSON strings, so that the
/// file can be pasted into an HTML `<script>` element without ending it. These characters
/// only occur inside strings in JSON, and the escaped file parses to the same values.
pub fn script_safe(json: &str) -> String {
    // Most files have none of these characters: copy them in one go.
    let special = |b: &u8| matches!(b, b'<' | b'>' | b'&') || *b == 0xE2;
    if !json.as_bytes().iter().any(special) {
        return json.to_string();
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Neutralises spreadsheet formulas: a cell starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return is prefixed with `'`, as OWASP recommends, so that opening the file in a
/// spreadsheet never runs it. A NUL or another control character (but tab, newline and
/// carriage return) becomes U+FFFD, as in the HTML pages.
pub fn csv_cell(s: &str) -> String {
    let s = crate::escape::document_text(s);
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.into_owned()
    }
}

/// A declared name as a JavaScript consent tool matches it: an exact name, or the source
/// of an equivalent JavaScript regular expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsPattern {
    /// The name itself.
    Exact(String),
    /// The source of a regular expression for `new RegExp(source)` (no flags), anchored at
    /// both ends; see [`crate::jsregex`].
    Regex(String),
}

/// The most the patterns of an inventory should take in a consent banner's configuration,
/// all together (each alone is bounded by [`jsregex::MAX_LEN`]): `clause check` warns
/// beyond it.
pub const MAX_PATTERNS_LEN: usize = 1024 * 1024;

/// How consent tools written in JavaScript should match a declared name on its own:
/// `_ga_*` becomes `^_ga_` followed by at least one more character (as `clause audit`
/// matches), and `re:…` the JavaScript form checked when the inventory was read.
pub fn js_pattern(n: &CookieName) -> JsPattern {
    match &n.pattern {
        Pattern::Exact => JsPattern::Exact(n.name.clone()),
        Pattern::Prefix => JsPattern::Regex(jsregex::prefix(n.name.trim_end_matches('*'))),
        Pattern::Regex { js, .. } => JsPattern::Regex(js.clone()),
    }
}

/// The declarations of an inventory as the consent tools must match them, by cookie then
/// name: each matches exactly the names that `clause audit` gives to it (see
/// [`crate::audit::find_declaration`]: an exact name first, then the longest prefix, then
/// the first expression in file order). A banner deletes the cookies of a refused
/// category (Klaro: service) by its patterns; a pattern that also matched a name the audit
/// gives to another declaration would delete a cookie of a category the visitor accepted,
/// a necessary one included. So a pattern's source starts with a negative look-ahead for
/// each declaration that takes precedence over it and could match one of its names.
pub fn js_patterns(inv: &Inventory) -> Vec<Vec<JsPattern>> {
    let exact: Vec<&str> = inv
        .cookies
        .iter()
        .flat_map(|c| &c.names)
        .filter(|n| matches!(n.pattern, Pattern::Exact))
        .map(|n| n.name.as_str())
        .collect();
    let prefixes: Vec<&str> = inv
        .cookies
        .iter()
        .flat_map(|c| &c.names)
        .filter(|n| n.is_prefix())
        .map(|n| n.name.trim_end_matches('*'))
        .collect();
    // Each expression's JavaScript source and what every name it matches starts with.
    let mut regexes: Vec<(&str, Starts)> = Vec::new();
    let mut out = Vec::with_capacity(inv.cookies.len());
    for c in &inv.cookies {
        let mut names = Vec::with_capacity(c.names.len());
        for n in &c.names {
            let own = js_pattern(n);
            let JsPattern::Regex(source) = own else {
                names.push(own);
                continue;
            };
            let mut before: Vec<String> = exact
                .iter()
                .filter(|e| n.matches(e))
                .map(|e| jsregex::literal(e))
                .collect();
            match &n.pattern {
                Pattern::Prefix => {
                    let p = n.name.trim_end_matches('*');
                    before.extend(
                        prefixes
                            .iter()
                            .filter(|q| q.len() > p.len() && q.starts_with(p))
                            .map(|q| jsregex::prefix(q)),
                    );
                }
                Pattern::Regex { .. } => {
                    let starts = Starts::of(n.name.strip_prefix("re:").unwrap_or_default());
                    before.extend(
                        prefixes
                            .iter()
                            .filter(|q| starts.may_start_with(q.as_bytes()))
                            .map(|q| jsregex::prefix(q)),
                    );
                    before.extend(
                        regexes
                            .iter()
                            .filter(|(_, s)| s.may_meet(&starts))
                            .map(|(js, _)| js.to_string()),
                    );
                    if let Pattern::Regex { js, .. } = &n.pattern {
                        regexes.push((js.as_str(), starts));
                    }
                }
                Pattern::Exact => {}
            }
            names.push(JsPattern::Regex(excluding(&before, &source)));
        }
        out.push(names);
    }
    out
}

/// `source` (anchored, `^…$`) except the names that one of `before` (each anchored) matches.
fn excluding(before: &[String], source: &str) -> String {
    if before.is_empty() {
        return source.to_string();
    }
    let mut out = String::from("^");
    for b in before {
        out.push_str("(?!");
        out.push_str(b);
        out.push(')');
    }
    out.push_str("(?:");
    out.push_str(source);
    out.push(')');
    out
}

/// What the names an expression matches start with: one of a finite set of byte strings,
/// or anything (`None`). Two expressions whose sets hold no two strings of which one
/// starts with the other cannot match a common name.
struct Starts(Option<Vec<Vec<u8>>>);

impl Starts {
    fn of(expr: &str) -> Starts {
        use regex_syntax::hir::literal::{ExtractKind, Extractor};
        let Ok(hir) = regex_syntax::Parser::new().parse(expr) else {
            return Starts(None);
        };
        let seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
        Starts(
            seq.literals()
                .map(|ls| ls.iter().map(|l| l.as_bytes().to_vec()).collect()),
        )
    }

    /// Whether a name it matches may start with `prefix` (or be a prefix of it).
    fn may_start_with(&self, prefix: &[u8]) -> bool {
        match &self.0 {
            None => true,
            Some(ls) => ls
                .iter()
                .any(|l| l.starts_with(prefix) || prefix.starts_with(l)),
        }
    }

    fn may_meet(&self, other: &Starts) -> bool {
        match &other.0 {
            None => true,
            Some(ls) => ls.iter().any(|l| self.may_start_with(l)),
        }
    }
}

/// The document of a locale that a consent banner links to: the one that shows the
/// cookie tables. In the documents' order, the first that shows every category (`{{
/// cookies }}` or the sections added after its prose), else the first that shows one,
/// else the first document.
pub fn policy_page<'s>(site: &'s Site, locale: &str) -> Option<&'s Page> {
    let pages = crate::render::ordered(site, locale);
    let shows = |p: &Page, all: bool| {
        p.blocks.iter().any(|b| match b {
            Block::Section {
                section: Section::Cookies(only),
                ..
            } => !all || only.is_none(),
            _ => false,
        })
    };
    pages
        .iter()
        .find(|p| shows(p, true))
        .or_else(|| pages.iter().find(|p| shows(p, false)))
        .or_else(|| pages.first())
        .copied()
}

/// The address of the policy in a locale: that of [`policy_page`].
pub fn policy_url(site: &Site, locale: &str) -> Option<String> {
    let page = policy_page(site, locale)?;
    Some(crate::layout::page_url(
        &site.config.base_url,
        locale,
        &page.doc.slug,
    ))
}

/// A consent tool's "service": the cookies one provider sets for one category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Unique name: the provider's id, suffixed with the category's when the provider
    /// has cookies in several categories.
    pub name: String,
    /// Index of the provider.
    pub provider: usize,
    /// Index of the category.
    pub category: usize,
    /// Indexes of its cookies, in inventory order.
    pub cookies: Vec<usize>,
}

impl Service {
    /// The distinct purposes of its cookies in a locale, in inventory order.
    pub fn purposes<'a>(&self, inv: &'a Inventory, locale: &str) -> Vec<&'a str> {
        let mut out: Vec<&str> = Vec::new();
        for &k in &self.cookies {
            let p = inv.cookies[k].purpose.get(locale);
            if !p.is_empty() && !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }
}

/// The services of an inventory, in the order their first cookie appears.
pub fn services(inv: &Inventory) -> Vec<Service> {
    let mut out: Vec<Service> = Vec::new();
    for (i, k) in inv.cookies.iter().enumerate() {
        match out
            .iter_mut()
            .find(|s| s.provider == k.provider && s.category == k.category)
        {
            Some(s) => s.cookies.push(i),
            None => out.push(Service {
                name: String::new(),
                provider: k.provider,
                category: k.category,
                cookies: vec![i],
            }),
        }
    }
    let names: Vec<String> = out
        .iter()
        .map(|s| {
            let id = &inv.providers[s.provider].id;
            if out.iter().filter(|o| o.provider == s.provider).count() > 1 {
                format!("{id}-{}", inv.categories[s.category].id)
            } else {
                id.clone()
            }
        })
        .collect();
    for (s, name) in out.iter_mut().zip(names) {
        s.name = name;
    }
    out
}

/// A provider's country and the safeguard of its transfer, in the locale's words: "United
/// States — EU-US Data Privacy Framework"; just the country inside the EEA or when nothing
/// says how the data is protected.
pub fn provider_transfer(p: &crate::inventory::Provider, s: &Strings) -> Option<String> {
    use crate::legal::{self, Zone};
    let code = p.country.as_deref()?;
    let country = legal::name(code, &s.locale)?;
    let safeguard = match (p.transfer, legal::zone(code)) {
        (_, Zone::Eea) => None,
        (Some(t), _) => Some(s.transfer(t)),
        (None, Zone::Adequacy) => Some(s.transfer(Transfer::Adequacy)),
        (None, _) => None,
    };
    Some(match safeguard {
        Some(g) => format!("{country} — {g}"),
        None => country.to_string(),
    })
}

/// Whether consent tools may delete it as a cookie: web storage, caches and pixels are
/// not cookies, and a consent tool deletes cookies only.
pub fn is_cookie(k: &crate::inventory::Cookie) -> bool {
    k.storage == Storage::Cookie
}

/// `<locale>/cookies.csv`: one row per cookie name, in the locale's words. UTF-8 with a
/// byte-order mark, so that spreadsheets open accents correctly.
pub fn csv(site: &Site, s: &Strings) -> Vec<u8> {
    let inv = &site.inventory;
    let loc = s.locale.as_str();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    let header = [
        "col_names",
        "col_provider",
        "col_category",
        "col_consent",
        "col_function",
        "col_purpose",
        "col_duration",
        "col_party",
        "col_storage",
        "col_domain",
        "col_data",
        "col_retention",
        "col_transfer",
        "col_legal_basis",
    ]
    .map(|k| csv_cell(s.text(k)));
    let _ = w.write_record(&header);
    for k in &inv.cookies {
        let category = &inv.categories[k.category];
        let mut duration = s.duration(k.duration);
        if let Some(note) = &k.duration_note {
            duration = format!("{duration} ({})", note.get(loc));
        }
        let provider = &inv.providers[k.provider];
        let retention = k.retention.map(|d| s.duration(d)).unwrap_or_default();
        let transfer = provider_transfer(provider, s).unwrap_or_default();
        let basis = category.legal_basis.map_or("", |b| s.basis(b));
        for n in &k.names {
            let row = [
                n.name.as_str(),
                provider.name.get(loc),
                category.title.get(loc),
                s.consent(category.consent),
                k.function.get(loc),
                k.purpose.get(loc),
                &duration,
                s.party(k.party),
                s.storage(k.storage),
                k.domain.as_deref().unwrap_or(""),
                k.data.as_ref().map_or("", |d| d.get(loc)),
                &retention,
                &transfer,
                basis,
            ]
            .map(csv_cell);
            let _ = w.write_record(&row);
        }
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_safe_inside_a_script_element() {
        let raw = serde_json::json!({"t": "</script><b>&\u{2028}"}).to_string();
        let safe = script_safe(&raw);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back["t"], "</script><b>&\u{2028}");
    }

    #[test]
    fn formulas_are_neutralised() {
        for f in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(csv_cell(f).starts_with('\''), "{f:?}");
        }
        assert_eq!(csv_cell("To remember you"), "To remember you");
        assert_eq!(csv_cell("x=1"), "x=1");
    }
}

#[cfg(test)]
mod pattern_tests {
    use super::*;

    fn name(n: &str) -> CookieName {
        let pattern = if let Some(re) = n.strip_prefix("re:") {
            Pattern::Regex {
                rust: crate::inventory::compile_regex(re).expect("regex"),
                js: jsregex::anchored(re).expect("JavaScript"),
            }
        } else if n.ends_with('*') {
            Pattern::Prefix
        } else {
            Pattern::Exact
        };
        CookieName {
            name: n.into(),
            pattern,
        }
    }

    #[test]
    fn names_become_javascript_patterns() {
        assert_eq!(js_pattern(&name("_ga")), JsPattern::Exact("_ga".into()));
        assert_eq!(
            js_pattern(&name("_pk_id.*")),
            JsPattern::Regex(
                r"^_pk_id\.(?:[^\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])+$".into()
            )
        );
        assert_eq!(
            js_pattern(&name("re:_gat_[0-9]+|_gid")),
            JsPattern::Regex("^(?:_gat_[0-9]+|_gid)$".into())
        );
        // Rust's case folding, spelt out: `ſ` (long s) folds to `s`, which JavaScript's `i`
        // flag without `u` would not know.
        assert_eq!(
            js_pattern(&name(r"re:(?i)ysc_[0-9]")),
            JsPattern::Regex(r"^[Yy][Ss\u017F][Cc]_[0-9]$".into())
        );
    }
}
