//! What the law says about where data goes: country codes and their names in each locale
//! (Unicode CLDR, `data/countries.toml`), and which countries are in the EEA or have an
//! adequacy decision (`data/transfers.toml`, with its source and the date it was checked).
//! Both files are compiled in; tests check that they parse.

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Country names, generated from CLDR by `data/cldr-countries.mjs`.
const COUNTRIES: &str = include_str!("../data/countries.toml");

/// The EEA and the adequacy decisions, kept by hand from the Commission's page.
const TRANSFERS: &str = include_str!("../data/transfers.toml");

/// Where a country stands for a transfer from the EEA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// A member of the European Economic Area: no transfer at all.
    Eea,
    /// A country with an adequacy decision: no safeguard needed.
    Adequacy,
    /// The United States: adequate only for organisations certified under the EU-US Data
    /// Privacy Framework.
    Dpf,
    /// Any other country: a transfer needs a safeguard (Articles 46 to 49 GDPR).
    Other,
}

struct Data {
    /// Code → locale → name.
    names: BTreeMap<String, BTreeMap<String, String>>,
    cldr: String,
    eea: Vec<String>,
    adequacy: Vec<String>,
    dpf: Vec<String>,
    checked: String,
}

fn strings(doc: &toml_edit::DocumentMut, key: &str) -> Vec<String> {
    doc.get(key)
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| {
        // Both files are part of Clause, not of a site: a test proves they parse, so an
        // empty table here can only come from a broken build of Clause itself.
        let countries: toml_edit::DocumentMut = COUNTRIES.parse().unwrap_or_default();
        let transfers: toml_edit::DocumentMut = TRANSFERS.parse().unwrap_or_default();
        let mut names = BTreeMap::new();
        for (code, item) in countries.iter() {
            if let Some(t) = item.as_table() {
                let per: BTreeMap<String, String> = t
                    .iter()
                    .filter_map(|(l, v)| Some((l.to_string(), v.as_str()?.to_string())))
                    .collect();
                names.insert(code.to_string(), per);
            }
        }
        Data {
            names,
            cldr: countries
                .get("cldr")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string(),
            eea: strings(&transfers, "eea"),
            adequacy: strings(&transfers, "adequacy"),
            dpf: strings(&transfers, "dpf"),
            checked: transfers
                .get("checked")
                .and_then(|v| v.as_value())
                .map(|v| v.to_string().trim().to_string())
                .unwrap_or_default(),
        }
    })
}

/// True for an ISO 3166-1 alpha-2 code, in upper case (`"US"`, `"IE"`).
pub fn is_country(code: &str) -> bool {
    data().names.contains_key(code)
}

/// The locale whose names a site locale uses: itself, or its language (`fr-CA` → `fr`).
fn names_locale(locale: &str) -> Option<&'static str> {
    let d = data();
    let has = |l: &str| {
        d.names
            .get("FR")
            .and_then(|n| n.get_key_value(l))
            .map(|(k, _)| k.as_str())
    };
    has(locale).or_else(|| has(locale.split('-').next().unwrap_or(locale)))
}

/// Whether Clause has country names for a locale.
pub fn has_names(locale: &str) -> bool {
    names_locale(locale).is_some()
}

/// The locales Clause has country names for.
pub fn name_locales() -> Vec<&'static str> {
    data()
        .names
        .get("FR")
        .map(|n| n.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// A country's name in a locale's words ("États-Unis"), from CLDR.
pub fn name(code: &str, locale: &str) -> Option<&'static str> {
    let l = names_locale(locale)?;
    data().names.get(code)?.get(l).map(String::as_str)
}

/// Where a country stands for a transfer from the EEA.
pub fn zone(code: &str) -> Zone {
    let d = data();
    let has = |list: &[String]| list.iter().any(|c| c == code);
    if has(&d.eea) {
        Zone::Eea
    } else if has(&d.adequacy) {
        Zone::Adequacy
    } else if has(&d.dpf) {
        Zone::Dpf
    } else {
        Zone::Other
    }
}

/// The CLDR version the country names come from.
pub fn cldr_version() -> &'static str {
    &data().cldr
}

/// When the list of adequacy decisions was last checked (`YYYY-MM-DD`).
pub fn checked() -> &'static str {
    &data().checked
}

/// The code a mistaken country code or a country's name was probably meant to be:
/// `UK` → `GB`, `EL` → `GR` (the EU's own abbreviations), `fr` → `FR`, `Ireland` → `IE`.
pub fn suggest(written: &str) -> Option<&'static str> {
    let d = data();
    let upper = written.trim().to_uppercase();
    let fixed = match upper.as_str() {
        "UK" => "GB",
        "EL" => "GR",
        other => other,
    };
    if let Some((code, _)) = d.names.get_key_value(fixed) {
        return Some(code.as_str());
    }
    let wanted = written.trim().to_lowercase();
    d.names
        .iter()
        .find(|(_, per)| per.values().any(|n| n.to_lowercase() == wanted))
        .map(|(code, _)| code.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_files_parse_and_hold_every_country_in_every_theme_locale() {
        assert_eq!(cldr_version(), "48.2.0");
        assert_eq!(data().names.len(), 249, "ISO 3166-1 has 249 codes");
        for (code, per) in &data().names {
            assert_eq!(per.len(), 6, "{code}");
        }
        assert_eq!(name_locales(), ["de", "en", "es", "fr", "it", "nl"]);
        assert_eq!(checked(), "2026-11-29");
        assert_eq!(
            data().eea.len(),
            30,
            "27 EU members, Iceland, Liechtenstein, Norway"
        );
        for code in data().eea.iter().chain(&data().adequacy).chain(&data().dpf) {
            assert!(is_country(code), "{code}");
        }
    }

    #[test]
    fn names_zones_and_suggestions() {
        assert_eq!(name("US", "fr"), Some("États-Unis"));
        assert_eq!(name("US", "fr-CA"), Some("États-Unis"));
        assert_eq!(name("IE", "de"), Some("Irland"));
        assert_eq!(name("US", "pl"), None);
        assert!(!is_country("UK") && !is_country("EU") && !is_country("us"));
        assert_eq!(zone("IE"), Zone::Eea);
        assert_eq!(zone("NO"), Zone::Eea);
        assert_eq!(zone("CH"), Zone::Adequacy);
        assert_eq!(zone("US"), Zone::Dpf);
        assert_eq!(zone("IN"), Zone::Other);
        assert_eq!(suggest("UK"), Some("GB"));
        assert_eq!(suggest("EL"), Some("GR"));
        assert_eq!(suggest("fr"), Some("FR"));
        assert_eq!(suggest("Irlande"), Some("IE"));
        assert_eq!(suggest("ZZ"), None);
    }
}
