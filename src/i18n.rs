//! Locales: tag validation, plural rules (CLDR data from ICU4X), and the theme's UI strings
//! (column headers, "Last updated", month names, duration words).
//!
//! A missing UI string for a site locale is an error, never a silent fallback to English.

use std::collections::BTreeMap;

use icu_locale_core::LanguageIdentifier;
use icu_plurals::{PluralCategory, PluralRules};

use crate::decode::{self, Reader, Val};
use crate::diagnostics::{suggest, Diagnostic, Diagnostics, ErrorReported, FileId};
use crate::inventory::{Consent, Duration, Exemption, LegalBasis, Party, Role, Storage, Transfer};

/// A string that is not a BCP 47 language tag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a BCP 47 language tag")]
pub struct InvalidTag(pub String);

/// The canonical form of a BCP 47 tag (`EN-gb` → `en-GB`), or an error if it is not one.
pub fn canonical_tag(tag: &str) -> Result<String, InvalidTag> {
    // ICU accepts `_` as a separator; a folder name and an `hreflang` want `-`.
    if tag.is_empty() || !tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(InvalidTag(tag.to_string()));
    }
    LanguageIdentifier::try_from_str(tag)
        .map(|l| l.to_string())
        .map_err(|_| InvalidTag(tag.to_string()))
}

/// Keys every locale's UI strings must define, with what each is for (shown in help lines).
pub const TEXT_KEYS: [(&str, &str); 120] = [
    (
        "language_name",
        "the language's own name, e.g. \"Français\"",
    ),
    ("skip_link", "the \"Skip to content\" link"),
    ("contents", "the table of contents' heading"),
    ("last_updated", "\"Last updated\""),
    ("languages", "the label of the language switcher"),
    (
        "documents",
        "the label of the navigation between a language's documents, e.g. \"Documents\"",
    ),
    (
        "all_documents",
        "the link to the index page when a language has too many documents to list them all",
    ),
    ("draft", "the mark on a draft's page, e.g. \"Draft\""),
    (
        "definitions",
        "the definitions' heading when added after the prose",
    ),
    (
        "cookies",
        "the cookie tables' heading when added after the prose",
    ),
    ("col_provider", "column header: provider"),
    ("col_function", "column header: function and location"),
    ("col_names", "column header: cookie names"),
    ("col_purpose", "column header: purposes"),
    ("col_duration", "column header: duration"),
    ("col_party", "column header: party"),
    ("col_category", "CSV column header: category"),
    ("col_consent", "CSV column header: consent"),
    ("party_first", "\"First party\""),
    ("party_third", "\"Third party\""),
    ("session", "a cookie deleted when the browser closes"),
    (
        "consent_required",
        "a category that needs the visitor's consent",
    ),
    ("consent_exempt", "a category that needs no consent"),
    ("privacy_policy", "the link to a provider's privacy policy"),
    (
        "name_prefix",
        "explains a name pattern such as `_ga_*`; `{prefix}` is replaced",
    ),
    ("name_pattern", "explains a `re:` name pattern"),
    (
        "date_format",
        "how dates are written, with `{day}`, `{month}`, `{year}`",
    ),
    (
        "choose_language",
        "the heading of the root page that links every language",
    ),
    ("banner_title", "the consent banner's title (exports)"),
    ("banner_text", "the consent banner's text (exports)"),
    ("accept_all", "the banner button that accepts every cookie"),
    (
        "reject_all",
        "the banner button that refuses every optional cookie",
    ),
    (
        "manage_preferences",
        "the banner button that opens the choices",
    ),
    (
        "save_preferences",
        "the button that saves the visitor's choices",
    ),
    ("close", "the label of a dialog's close button"),
    (
        "preferences_title",
        "the title of the consent choices dialog",
    ),
    ("history", "the heading of \"Changes to this policy\""),
    (
        "history_initial",
        "history: the first version of the inventory",
    ),
    (
        "history_cookie_added",
        "history: a cookie added; {name}, {provider}, {category}",
    ),
    (
        "history_cookie_removed",
        "history: a cookie removed; {name}, {provider}, {category}",
    ),
    (
        "history_purpose",
        "history: a cookie's purposes changed; {name}",
    ),
    (
        "history_function",
        "history: a cookie's function changed; {name}",
    ),
    (
        "history_duration",
        "history: a cookie's lifetime changed; {name}, {old}, {new}",
    ),
    (
        "history_duration_note",
        "history: the note on a lifetime changed; {name}",
    ),
    (
        "history_provider",
        "history: a cookie's provider changed; {name}, {old}, {new}",
    ),
    (
        "history_category",
        "history: a cookie moved to another category; {name}, {old}, {new}",
    ),
    (
        "history_party",
        "history: first/third party changed; {name}, {new}",
    ),
    (
        "history_names",
        "history: a cookie's names or patterns changed; {name}",
    ),
    (
        "history_provider_added",
        "history: a provider added; {name}",
    ),
    (
        "history_provider_removed",
        "history: a provider removed; {name}",
    ),
    (
        "history_provider_changed",
        "history: a provider's name or links changed; {name}",
    ),
    (
        "history_category_added",
        "history: a category added; {name}",
    ),
    (
        "history_category_removed",
        "history: a category removed; {name}",
    ),
    (
        "history_category_changed",
        "history: a category's title or text changed; {name}",
    ),
    (
        "history_category_required",
        "history: a category now needs consent; {name}",
    ),
    (
        "history_category_exempt",
        "history: a category no longer needs consent; {name}",
    ),
    ("history_definitions", "history: the definitions changed"),
    ("history_text", "history: the page's own text changed"),
    (
        "history_revision",
        "history: visitors are asked for consent again; {n} is the new consent revision",
    ),
    (
        "history_revision_renew",
        "history: the publisher decided to ask for consent again (`Consent: renew`); {n}",
    ),
    (
        "history_revision_unchanged",
        "history: the publisher decided not to ask again (`Consent: unchanged`); {n}",
    ),
    ("version_of", "a page's version, \"Version of {date}\""),
    (
        "consent_revision",
        "the site's consent revision, \"Consent revision {n}\"",
    ),
    ("all_versions", "the link to the list of a page's versions"),
    (
        "versions_title",
        "the heading of a page's versions; {title} is the page's",
    ),
    (
        "versions_intro",
        "what the list of versions is, and what the consent revision is",
    ),
    (
        "version_notice_past",
        "on an archived version: \"in force from {from} to {to}\"",
    ),
    (
        "version_notice_last",
        "on the archived current version: \"in force since {from}\"",
    ),
    (
        "version_current",
        "on an archived version: the link to the current page",
    ),
    (
        "version_navigation",
        "the label of the previous/next version links",
    ),
    ("version_previous", "the link to the previous version"),
    ("version_next", "the link to the next version"),
    (
        "version_unavailable",
        "a version that cannot be shown; the reason follows, in English",
    ),
    ("col_storage", "column header: where a cookie entry is kept"),
    ("col_domain", "column header: the host that sets it"),
    ("col_data", "column header: what it stores or collects"),
    (
        "col_retention",
        "column header: how long the collected data is kept",
    ),
    (
        "col_transfer",
        "column header: the provider's country and transfer safeguard",
    ),
    ("col_country", "transfers table header: country"),
    ("col_role", "transfers table header: the provider's role"),
    (
        "col_safeguard",
        "transfers table header: the transfer's safeguard",
    ),
    ("col_legal_basis", "CSV column header: legal basis"),
    ("not_specified", "a value the inventory does not give"),
    ("storage_cookie", "storage: an HTTP cookie"),
    ("storage_local_storage", "storage: localStorage"),
    ("storage_session_storage", "storage: sessionStorage"),
    ("storage_indexeddb", "storage: IndexedDB"),
    ("storage_cache", "storage: the Cache API"),
    ("storage_pixel", "storage: a tracking pixel"),
    ("transfer_adequacy", "safeguard: an adequacy decision"),
    (
        "transfer_dpf",
        "safeguard: the EU-US Data Privacy Framework",
    ),
    ("transfer_scc", "safeguard: standard contractual clauses"),
    ("transfer_bcr", "safeguard: binding corporate rules"),
    ("transfer_derogation", "safeguard: an Article 49 derogation"),
    ("role_processor", "role: processor"),
    ("role_controller", "role: a controller in its own right"),
    ("role_joint_controller", "role: joint controller"),
    ("basis_consent", "legal basis: consent"),
    (
        "basis_legitimate_interest",
        "legal basis: legitimate interest",
    ),
    ("basis_contract", "legal basis: performance of a contract"),
    ("basis_legal_obligation", "legal basis: legal obligation"),
    (
        "legal_basis",
        "a category's legal basis; `{basis}` is replaced",
    ),
    (
        "exemption_strictly_necessary",
        "why exempt cookies need no consent: strictly necessary",
    ),
    (
        "exemption_audience_measurement",
        "why exempt cookies need no consent: audience measurement",
    ),
    (
        "controller",
        "the heading of the controller's section when added after the prose",
    ),
    ("controller_name", "the controller's name, as a label"),
    ("controller_address", "the controller's address, as a label"),
    (
        "controller_contact",
        "how to reach the controller, as a label",
    ),
    ("controller_dpo", "the data protection officer, as a label"),
    (
        "transfers",
        "the heading of the transfers' section when added after the prose",
    ),
    ("transfers_caption", "the caption of the transfers' table"),
    (
        "history_storage",
        "history: where a cookie is kept changed; {name}, {new}",
    ),
    (
        "history_domain",
        "history: the host that sets a cookie changed; {name}",
    ),
    (
        "history_data",
        "history: what a cookie stores or collects changed; {name}",
    ),
    (
        "history_retention",
        "history: how long a cookie's data is kept changed; {name}, {new}",
    ),
    (
        "history_provider_country",
        "history: a provider's country changed; {name}, {new}",
    ),
    (
        "history_provider_transfer",
        "history: a provider's transfer safeguard changed; {name}, {new}",
    ),
    (
        "history_provider_role",
        "history: a provider's role changed; {name}, {new}",
    ),
    (
        "history_category_basis",
        "history: a category's legal basis changed; {name}, {new}",
    ),
    (
        "history_category_exemption",
        "history: why a category needs no consent changed; {name}",
    ),
];

/// Keys a locale's UI strings must define when `[consent]` names a banner (the pages then
/// show them), and may define otherwise, with what each is for.
pub const CONSENT_KEYS: [(&str, &str); 2] = [
    (
        "consent_button",
        "the button that opens the consent banner's choices (`[consent]`)",
    ),
    (
        "consent_fallback",
        "beside that button, how to change one's choice, even where it is not shown",
    ),
];

/// Keys a locale's UI strings may define, with what each is for.
pub const OPTIONAL_KEYS: [(&str, &str); 1] = [(
    "first_of_month",
    "`{day}` for the first day of a month where the language writes it apart, e.g. \"1er\"",
)];

/// Duration units, each a table of plural forms such as `{ one = "{n} week", other = "{n} weeks" }`.
pub const UNIT_KEYS: [&str; 6] = ["minute", "hour", "day", "week", "month", "year"];

/// The UI strings of one locale, checked complete.
#[derive(Debug)]
pub struct Strings {
    /// The locale tag.
    pub locale: String,
    texts: BTreeMap<String, String>,
    units: BTreeMap<String, BTreeMap<String, String>>,
    months: Vec<String>,
    rules: Option<PluralRules>,
}

fn category_name(c: PluralCategory) -> &'static str {
    match c {
        PluralCategory::Zero => "zero",
        PluralCategory::One => "one",
        PluralCategory::Two => "two",
        PluralCategory::Few => "few",
        PluralCategory::Many => "many",
        PluralCategory::Other => "other",
    }
}

fn plural_rules(locale: &str) -> Option<PluralRules> {
    let lid = LanguageIdentifier::try_from_str(locale).ok()?;
    let loc = icu_locale_core::Locale::from(lid);
    PluralRules::try_new_cardinal((&loc).into()).ok()
}

/// One layer of UI strings for a locale: a file (built-in or the site's) to be merged.
pub struct Layer<'a> {
    /// The file it came from.
    pub file: FileId,
    /// Its text.
    pub text: &'a str,
}

impl Strings {
    /// Merges layers (later ones override earlier ones key by key) and checks completeness.
    /// `decl` is where the locale is declared, for the "missing strings" error; `consent`:
    /// the pages show the consent button, whose strings are then needed too.
    pub fn load(
        locale: &str,
        layers: &[Layer],
        decl: (FileId, std::ops::Range<usize>),
        consent: bool,
        diags: &mut Diagnostics,
    ) -> Result<Strings, ErrorReported> {
        let rules = plural_rules(locale);
        let categories: Vec<&str> = match &rules {
            Some(r) => r.categories().map(category_name).collect(),
            None => vec!["other"],
        };
        let mut texts = BTreeMap::new();
        let mut units: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut months = Vec::new();
        let mut known: Vec<&str> = TEXT_KEYS.iter().map(|(k, _)| *k).collect();
        known.extend(OPTIONAL_KEYS.iter().map(|(k, _)| *k));
        known.extend(CONSENT_KEYS.iter().map(|(k, _)| *k));
        known.extend(UNIT_KEYS);
        known.push("months");
        // The first error met: the strings are not used, and the others are still checked.
        let mut failed = Ok(());
        for layer in layers {
            let root = match decode::parse(layer.text, layer.file, 0, diags) {
                Ok(root) => root,
                Err(e) => {
                    failed = Err(e);
                    continue;
                }
            };
            let mut r = Reader {
                file: layer.file,
                diags,
            };
            let fields = match r.table(&root, "UI strings", &known, "contents = \"…\"") {
                Ok(f) => f,
                Err(e) => {
                    failed = Err(e);
                    continue;
                }
            };
            for (k, v) in fields.entries() {
                let key = k.value.as_str();
                if UNIT_KEYS.contains(&key) {
                    match &v.value {
                        Val::Table(forms) => {
                            let entry = units.entry(key.to_string()).or_default();
                            for (cat, text) in forms {
                                if !["zero", "one", "two", "few", "many", "other"]
                                    .contains(&cat.value.as_str())
                                {
                                    let help = suggest(&cat.value, categories.iter().copied())
                                        .map_or_else(
                                            || {
                                                format!(
                                                    "plural forms of `{locale}` are: {}",
                                                    categories.join(", ")
                                                )
                                            },
                                            |s| format!("did you mean `{s}`?"),
                                        );
                                    failed = Err(r.error(
                                        &cat.span,
                                        format!("`{}` is not a plural form", cat.value),
                                        "unknown plural form",
                                        help,
                                    ));
                                    continue;
                                }
                                if let Ok(s) = decode::string(&mut r, text, key) {
                                    entry.insert(cat.value.clone(), s.value);
                                }
                            }
                        }
                        _ => {
                            failed = Err(r.wrong_type(
                                v,
                                key,
                                "a table of plural forms",
                                &format!(
                                    "{key} = {{ one = \"{{n}} {key}\", other = \"{{n}} {key}s\" }}"
                                ),
                            ));
                        }
                    }
                } else if key == "months" {
                    match decode::strings(&mut r, v, "months") {
                        Ok(list) if list.len() == 12 => {
                            months = list.into_iter().map(|s| s.value).collect();
                        }
                        Ok(_) => {
                            failed = Err(r.error(
                                &v.span,
                                "`months` must list the 12 month names".into(),
                                "not 12 names",
                                "write them in order, January first".into(),
                            ));
                        }
                        Err(e) => failed = Err(e),
                    }
                } else {
                    match decode::string(&mut r, v, key) {
                        Ok(s) => {
                            texts.insert(key.to_string(), s.value);
                        }
                        Err(e) => failed = Err(e),
                    }
                }
            }
        }
        let consent_keys: &[(&str, &str)] = if consent { &CONSENT_KEYS } else { &[] };
        let mut missing: Vec<String> = TEXT_KEYS
            .iter()
            .chain(consent_keys)
            .filter(|(k, _)| !texts.contains_key(*k))
            .map(|(k, what)| format!("`{k}` ({what})"))
            .collect();
        for unit in UNIT_KEYS {
            let forms = units.get(unit);
            for cat in &categories {
                if forms.is_none_or(|f| !f.contains_key(*cat)) {
                    missing.push(format!("`{unit}.{cat}`"));
                }
            }
        }
        if months.is_empty() {
            missing.push("`months` (the 12 month names)".into());
        }
        failed?;
        if !missing.is_empty() {
            let file_hint = format!("themes/<theme>/i18n/{locale}.toml");
            return Err(diags.error(
                Diagnostic::error(format!(
                    "the theme has no complete UI strings for `{locale}`: missing {}",
                    missing.join(", ")
                ))
                .at(decl.0, decl.1, "this locale needs UI strings")
                .help(format!(
                    "create or complete {file_hint} (copy the keys of en.toml and translate them)"
                )),
            ));
        }
        Ok(Strings {
            locale: locale.to_string(),
            texts,
            units,
            months,
            rules,
        })
    }

    /// A UI string. Every key of [`TEXT_KEYS`] is present after [`Strings::load`].
    pub fn text(&self, key: &str) -> &str {
        self.texts.get(key).map_or("", String::as_str)
    }

    /// Every UI string, for templates.
    pub fn texts(&self) -> &BTreeMap<String, String> {
        &self.texts
    }

    /// A cookie's lifetime in the locale's words: "Session", "2 weeks", "13 Monate".
    pub fn duration(&self, d: Duration) -> String {
        match d {
            Duration::Session => self.text("session").to_string(),
            Duration::Fixed(n, unit) => self.count(unit.key(), n),
        }
    }

    /// "First party" or "Third party" in the locale's words.
    pub fn party(&self, p: Party) -> &str {
        self.text(match p {
            Party::First => "party_first",
            Party::Third => "party_third",
        })
    }

    /// Whether a category needs consent, in the locale's words.
    pub fn consent(&self, c: Consent) -> &str {
        self.text(match c {
            Consent::Required => "consent_required",
            Consent::Exempt => "consent_exempt",
        })
    }

    /// Where a cookie entry is kept, in the locale's words.
    pub fn storage(&self, x: Storage) -> &str {
        self.text(&format!("storage_{}", x.as_str().replace('-', "_")))
    }

    /// A transfer's safeguard, in the locale's words ("clauses contractuelles types").
    pub fn transfer(&self, x: Transfer) -> &str {
        self.text(&format!("transfer_{}", x.as_str()))
    }

    /// A provider's role, in the locale's words ("Sous-traitant").
    pub fn role(&self, x: Role) -> &str {
        self.text(&format!("role_{}", x.as_str().replace('-', "_")))
    }

    /// A legal basis, in the locale's words, with its article.
    pub fn basis(&self, x: LegalBasis) -> &str {
        self.text(&format!("basis_{}", x.as_str().replace('-', "_")))
    }

    /// Why exempt cookies need no consent, as a sentence in the locale's words.
    pub fn exemption(&self, x: Exemption) -> &str {
        self.text(&format!("exemption_{}", x.as_str().replace('-', "_")))
    }

    /// "2 weeks", "2 semaines", "13 Monate": a count with its unit in the locale's words.
    pub fn count(&self, unit: &str, n: u32) -> String {
        let cat = self
            .rules
            .as_ref()
            .map_or("other", |r| category_name(r.category_for(n)));
        let forms = self.units.get(unit);
        let form = forms
            .and_then(|f| f.get(cat).or_else(|| f.get("other")))
            .map_or("{n}", String::as_str);
        form.replace("{n}", &n.to_string())
    }

    /// A calendar date in the locale's way: "29 November 2026", "29. November 2026".
    pub fn date(&self, date: &Date) -> String {
        let month = self
            .months
            .get(usize::from(date.month).saturating_sub(1))
            .map_or("", String::as_str);
        let day = match self.texts.get("first_of_month") {
            Some(first) if date.day == 1 => first.clone(),
            _ => date.day.to_string(),
        };
        self.text("date_format")
            .replace("{day}", &day)
            .replace("{month}", month)
            .replace("{year}", &date.year.to_string())
    }
}

/// A calendar date (front matter `updated`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Year.
    pub year: u16,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day of the month, 1 to 31.
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD`, checking that the day exists.
    pub fn parse(s: &str) -> Option<Date> {
        let mut parts = s.splitn(3, '-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let (year, month, day): (u16, u8, u8) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days)
            .contains(&day)
            .then_some(Date { year, month, day })
    }

    /// ISO 8601 form, for `<time datetime>`.
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Sources;

    fn strings(locale: &str) -> Strings {
        let mut s = Sources::default();
        let text = crate::theme::builtin_file(&format!("i18n/{locale}.toml")).expect("shipped");
        let text = std::str::from_utf8(text).expect("utf-8");
        let decl = s.add("site.toml", "locales = []");
        let id = s.add("i18n", text);
        let mut d = Diagnostics::default();
        let out = Strings::load(
            locale,
            &[Layer { file: id, text }],
            (decl, 0..1),
            true,
            &mut d,
        );
        assert!(d.is_empty(), "{locale}: {d:?}");
        out.expect("complete")
    }

    #[test]
    fn tags_are_canonicalised() {
        assert_eq!(canonical_tag("en-gb"), Ok("en-GB".to_string()));
        assert_eq!(canonical_tag("fr"), Ok("fr".to_string()));
        assert!(canonical_tag("en_GB").is_err());
        assert!(canonical_tag("../x").is_err());
        assert!(canonical_tag("").is_err());
        assert!(canonical_tag("english-language").is_err());
    }

    #[test]
    fn dates_and_durations_read_naturally() {
        let date = Date::parse("2026-11-29").expect("valid");
        assert_eq!(strings("en").date(&date), "29 November 2026");
        assert_eq!(strings("fr").date(&date), "29 novembre 2026");
        assert_eq!(strings("de").date(&date), "29. November 2026");
        // The first of the month as each language writes it.
        let first = Date::parse("2026-03-01").expect("valid");
        assert_eq!(strings("fr").date(&first), "1er mars 2026");
        assert_eq!(strings("it").date(&first), "1º marzo 2026");
        assert_eq!(strings("en").date(&first), "1 March 2026");
        assert_eq!(strings("de").date(&first), "1. März 2026");
        assert_eq!(strings("es").date(&first), "1 de marzo de 2026");
        assert_eq!(strings("fr").count("week", 2), "2 semaines");
        assert_eq!(strings("de").count("month", 13), "13 Monate");
        assert_eq!(strings("en").count("minute", 1), "1 minute");
        assert_eq!(strings("fr").count("month", 1), "1 mois");
        assert_eq!(strings("nl").count("year", 1), "1 jaar");
    }

    #[test]
    fn every_word_of_the_legal_fields_has_its_string_in_every_locale() {
        let keys: Vec<&str> = TEXT_KEYS.iter().map(|(k, _)| *k).collect();
        for l in ["en", "fr", "de", "es", "it", "nl"] {
            let s = strings(l);
            for x in Storage::ALL {
                assert!(!s.storage(x).is_empty(), "{l} {x:?}");
            }
            for x in Transfer::ALL {
                assert!(!s.transfer(x).is_empty(), "{l} {x:?}");
            }
            for x in Role::ALL {
                assert!(!s.role(x).is_empty(), "{l} {x:?}");
            }
            for x in LegalBasis::ALL {
                assert!(!s.basis(x).is_empty(), "{l} {x:?}");
            }
            for x in Exemption::ALL {
                assert!(!s.exemption(x).is_empty(), "{l} {x:?}");
            }
            assert!(s.text("legal_basis").contains("{basis}"), "{l}");
        }
        assert!(keys.contains(&"storage_session_storage"));
        assert_eq!(
            strings("fr").transfer(Transfer::Scc),
            "clauses contractuelles types"
        );
        assert_eq!(
            strings("de").transfer(Transfer::Scc),
            "Standardvertragsklauseln"
        );
        assert_eq!(
            strings("es").transfer(Transfer::Scc),
            "cláusulas contractuales tipo"
        );
        assert_eq!(
            strings("it").transfer(Transfer::Scc),
            "clausole contrattuali tipo"
        );
        assert_eq!(
            strings("nl").transfer(Transfer::Scc),
            "modelcontractbepalingen"
        );
        assert_eq!(
            strings("fr").transfer(Transfer::Dpf),
            "cadre de protection des données UE-États-Unis"
        );
        assert_eq!(
            strings("de").transfer(Transfer::Dpf),
            "EU-US-Datenschutzrahmen"
        );
        assert_eq!(
            strings("en").transfer(Transfer::Dpf),
            "EU-US Data Privacy Framework"
        );
    }

    #[test]
    fn every_shipped_locale_is_complete() {
        for l in ["en", "fr", "de", "es", "it", "nl"] {
            strings(l);
        }
    }

    #[test]
    fn impossible_dates_are_rejected() {
        assert!(Date::parse("2026-02-29").is_none());
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("2026-13-01").is_none());
        assert!(Date::parse("26-1-1").is_none());
    }
}
