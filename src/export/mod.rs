//! Machine-readable forms of the inventory: `cookies.json` (every field in every locale,
//! described by `schema/cookies.schema.json`), one CSV per locale for auditors, and the
//! configurations of the consent banners sites already use (Klaro, cookieconsent v3).

pub mod cookieconsent;
pub mod klaro;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::decode::Localized;
use crate::i18n::Strings;
use crate::inventory::{Consent, CookieName, Duration, Inventory, Party, Pattern};
use crate::jsregex;
use crate::site::Site;

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
}

#[derive(Serialize)]
struct JsonCategory {
    id: String,
    title: PerLocale,
    description: Option<PerLocale>,
    consent: Consent,
}

#[derive(Serialize)]
struct JsonProvider {
    id: String,
    name: PerLocale,
    url: Option<String>,
    privacy_policy: Option<String>,
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
                duration: JsonDuration {
                    kind: match k.duration {
                        Duration::Session => "session",
                        Duration::Fixed(_, u) => u.key(),
                    },
                    value: match k.duration {
                        Duration::Session => None,
                        Duration::Fixed(n, _) => Some(n),
                    },
                    text: locales
                        .iter()
                        .filter_map(|l| {
                            Some((l.clone(), site.theme.strings.get(l)?.duration(k.duration)))
                        })
                        .collect(),
                },
                duration_note: k.duration_note.as_ref().map(|n| per_locale(n, locales)),
                party: k.party,
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

/// How consent tools written in JavaScript should match a declared name: `_ga_*` becomes
/// `^_ga_` followed by at least one more character (as `clause audit` matches), and `re:…`
/// the JavaScript form checked when the inventory was read.
pub fn js_pattern(n: &CookieName) -> JsPattern {
    match &n.pattern {
        Pattern::Exact => JsPattern::Exact(n.name.clone()),
        Pattern::Prefix => JsPattern::Regex(jsregex::prefix(n.name.trim_end_matches('*'))),
        Pattern::Regex { js, .. } => JsPattern::Regex(js.clone()),
    }
}

/// The address of the policy in a locale: the `cookies` document if there is one, else
/// the locale's first document.
pub fn policy_url(site: &Site, locale: &str) -> Option<String> {
    let pages = || site.pages.iter().filter(|p| p.doc.locale == locale);
    let page = pages()
        .find(|p| p.doc.slug == "cookies")
        .or_else(|| pages().next())?;
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
    ]
    .map(|k| csv_cell(s.text(k)));
    let _ = w.write_record(&header);
    for k in &inv.cookies {
        let category = &inv.categories[k.category];
        let mut duration = s.duration(k.duration);
        if let Some(note) = &k.duration_note {
            duration = format!("{duration} ({})", note.get(loc));
        }
        for n in &k.names {
            let row = [
                n.name.as_str(),
                inv.providers[k.provider].name.get(loc),
                category.title.get(loc),
                s.consent(category.consent),
                k.function.get(loc),
                k.purpose.get(loc),
                &duration,
                s.party(k.party),
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
