//! Changes written as sentences in a page's language, for "Changes to this policy":
//! "Added the cookie _ga (Google Analytics, Statistics)."

use serde::{Deserialize, Serialize};

use super::{Change, Field, Kind, Subject};
use crate::i18n::Strings;
use crate::inventory::{parse_duration, Consent, LegalBasis, Party, Role, Storage, Transfer};

/// A piece of a sentence: text, or a cookie name shown as code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// The words.
    pub text: String,
    /// Whether it is a cookie name.
    pub code: bool,
}

/// A sentence, in pieces, so that templates can mark cookie names up.
pub type Sentence = Vec<Segment>;

/// Fills a UI string's `{placeholders}`; the value of `{name}` is code when `name_is_code`.
fn fill(template: &str, values: &[(&str, String)], name_is_code: bool) -> Sentence {
    let mut out: Sentence = Vec::new();
    let mut push = |text: &str, code: bool| {
        if text.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(last) if !last.code && !code => last.text.push_str(text),
            _ => out.push(Segment {
                text: text.to_string(),
                code,
            }),
        }
    };
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let key = &rest[open + 1..open + close];
        match values.iter().find(|(k, _)| *k == key) {
            Some((k, v)) => {
                push(&rest[..open], false);
                push(v, *k == "name" && name_is_code);
            }
            None => push(&rest[..open + close + 1], false),
        }
        rest = &rest[open + close + 1..];
    }
    push(rest, false);
    out
}

/// The sentences for a page in `s.locale`, in the order of the changes, without repeats.
/// A text that changed in other languages only is not mentioned.
pub fn sentences(changes: &[Change], s: &Strings) -> Vec<Sentence> {
    let l = s.locale.as_str();
    let mut out: Vec<Sentence> = Vec::new();
    for c in changes {
        if c.locale.as_deref().is_some_and(|x| x != l) {
            continue;
        }
        let ctx = &c.context;
        let text_of = |v: &Option<crate::decode::Localized>| {
            v.as_ref().map_or(String::new(), |x| x.get(l).to_string())
        };
        let sentence = match (c.subject, c.kind, c.field) {
            (Subject::Cookie, Kind::Added | Kind::Removed, _) => fill(
                s.text(if c.kind == Kind::Added {
                    "history_cookie_added"
                } else {
                    "history_cookie_removed"
                }),
                &[
                    ("name", c.id.clone()),
                    ("provider", text_of(&ctx.provider)),
                    ("category", text_of(&ctx.category)),
                ],
                true,
            ),
            (Subject::Cookie, Kind::Changed, Some(field)) => {
                let (key, old, new) = match field {
                    Field::Names => ("history_names", String::new(), String::new()),
                    Field::Function => ("history_function", String::new(), String::new()),
                    Field::Purpose => ("history_purpose", String::new(), String::new()),
                    Field::DurationNote => ("history_duration_note", String::new(), String::new()),
                    Field::Duration => {
                        let (a, b) = ctx
                            .durations
                            .map_or((String::new(), String::new()), |(a, b)| {
                                (s.duration(a), s.duration(b))
                            });
                        ("history_duration", a, b)
                    }
                    Field::Provider => ("history_provider", text_of(&ctx.old), text_of(&ctx.new)),
                    Field::Category => ("history_category", text_of(&ctx.old), text_of(&ctx.new)),
                    Field::Party => {
                        let new = s.party(ctx.party.unwrap_or(Party::Third));
                        ("history_party", String::new(), new.to_string())
                    }
                    Field::Storage => {
                        let new = Storage::ALL
                            .into_iter()
                            .find(|x| Some(x.as_str()) == c.new.as_deref())
                            .map_or("", |x| s.storage(x));
                        ("history_storage", String::new(), new.to_string())
                    }
                    Field::Domain => ("history_domain", String::new(), String::new()),
                    Field::Data => ("history_data", String::new(), String::new()),
                    Field::Retention => {
                        let new = c
                            .new
                            .as_deref()
                            .and_then(|d| parse_duration(d).ok())
                            .map_or_else(|| s.text("not_specified").to_string(), |d| s.duration(d));
                        ("history_retention", String::new(), new)
                    }
                    _ => continue,
                };
                fill(
                    s.text(key),
                    &[("name", c.id.clone()), ("old", old), ("new", new)],
                    true,
                )
            }
            (Subject::Provider | Subject::Category, Kind::Changed, Some(field))
                if matches!(
                    field,
                    Field::Country | Field::Transfer | Field::Role | Field::LegalBasis
                ) =>
            {
                let word = c.new.as_deref().unwrap_or("");
                let new = match field {
                    Field::Country => crate::legal::name(word, l).map(str::to_string),
                    Field::Transfer => Transfer::ALL
                        .into_iter()
                        .find(|x| x.as_str() == word)
                        .map(|x| s.transfer(x).to_string()),
                    Field::Role => Role::ALL
                        .into_iter()
                        .find(|x| x.as_str() == word)
                        .map(|x| s.role(x).to_string()),
                    _ => LegalBasis::ALL
                        .into_iter()
                        .find(|x| x.as_str() == word)
                        .map(|x| s.basis(x).to_string()),
                }
                .unwrap_or_else(|| s.text("not_specified").to_string());
                let key = match field {
                    Field::Country => "history_provider_country",
                    Field::Transfer => "history_provider_transfer",
                    Field::Role => "history_provider_role",
                    _ => "history_category_basis",
                };
                fill(
                    s.text(key),
                    &[("name", text_of(&ctx.name)), ("new", new)],
                    false,
                )
            }
            (Subject::Provider | Subject::Category, kind, field) => {
                let key = match (c.subject, kind, field) {
                    (Subject::Provider, Kind::Added, _) => "history_provider_added",
                    (Subject::Provider, Kind::Removed, _) => "history_provider_removed",
                    (Subject::Provider, Kind::Changed, _) => "history_provider_changed",
                    (_, Kind::Added, _) => "history_category_added",
                    (_, Kind::Removed, _) => "history_category_removed",
                    (_, Kind::Changed, Some(Field::Exemption)) => "history_category_exemption",
                    (_, Kind::Changed, Some(Field::Consent)) => {
                        if c.new.as_deref() == Some(Consent::Required.as_str()) {
                            "history_category_required"
                        } else {
                            "history_category_exempt"
                        }
                    }
                    _ => "history_category_changed",
                };
                fill(s.text(key), &[("name", text_of(&ctx.name))], false)
            }
            (Subject::Definition, _, _) => fill(s.text("history_definitions"), &[], false),
            (Subject::Cookie, Kind::Changed, None) => continue,
        };
        if !out.contains(&sentence) {
            out.push(sentence);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{Diagnostics, Sources};

    const OLD: &str = r#"
[categories.stats]
title = "Stats"
consent = "exempt"
legal_basis = "legitimate-interest"

[providers.p]
name = "Acme"
country = "IE"
role = "processor"

[[cookies]]
names = ["_x"]
provider = "p"
category = "stats"
function = "F"
purpose = "P"
duration = "1 day"
retention = "1 month"
data = "An id"
domain = "a.example"
"#;

    fn strings(locale: &str) -> Strings {
        let mut s = Sources::default();
        let text = crate::theme::builtin_file(&format!("i18n/{locale}.toml")).expect("shipped");
        let text = std::str::from_utf8(text).expect("utf-8");
        let decl = s.add("site.toml", "locales = []");
        let id = s.add("i18n", text);
        let mut d = Diagnostics::default();
        let layer = crate::i18n::Layer { file: id, text };
        Strings::load(locale, &[layer], (decl, 0..1), false, &mut d).expect("complete")
    }

    #[test]
    fn the_legal_fields_changes_read_as_sentences_in_six_languages() {
        let locales: Vec<String> = ["en", "fr", "de", "es", "it", "nl"]
            .map(String::from)
            .to_vec();
        let new = OLD
            .replace("country = \"IE\"", "country = \"US\"\ntransfer = \"scc\"")
            .replace("role = \"processor\"", "role = \"joint-controller\"")
            .replace(
                "legal_basis = \"legitimate-interest\"",
                "legal_basis = \"contract\"\nexemption = \"strictly-necessary\"",
            )
            .replace(
                "retention = \"1 month\"",
                "retention = \"2 months\"\nstorage = \"local-storage\"",
            )
            .replace("data = \"An id\"", "data = \"Two ids\"")
            .replace("a.example", "b.example");
        let load = |text: &str| {
            let mut s = Sources::default();
            let id = s.add("cookies.toml", text);
            let mut d = Diagnostics::default();
            let inv = crate::inventory::read::load(text, id, &locales, &mut d).expect("loads");
            assert!(!d.has_errors(), "{d:?}");
            inv
        };
        let changes = super::super::compare(&load(OLD), &load(&new), &locales);
        let text = |l: &str| -> Vec<String> {
            sentences(&changes, &strings(l))
                .iter()
                .map(|s| s.iter().map(|x| x.text.as_str()).collect())
                .collect()
        };
        assert_eq!(
            text("en"),
            [
                "New legal basis for the category “Stats”: performance of a contract (Article 6(1)(b) GDPR).",
                "Changed why the category “Stats” needs no consent.",
                "New country for the provider Acme: United States.",
                "New safeguard for the data sent to the provider Acme: standard contractual clauses.",
                "New role for the provider Acme: Joint controller.",
                "Updated what the cookie _x stores or collects.",
                "Changed how long the data collected by the cookie _x is kept: 2 months.",
                "Changed where the cookie _x is stored: Local storage (localStorage).",
                "Updated the domain that sets the cookie _x.",
            ]
        );
        assert!(text("fr")
            .contains(&"Nouveau pays pour le prestataire Acme\u{202f}: États-Unis.".to_string()));
        assert!(text("de").contains(&"Neue Garantie für die an den Anbieter Acme übermittelten Daten: Standardvertragsklauseln.".to_string()));
        for l in &locales {
            let all = text(l);
            assert_eq!(all.len(), 9, "{l}: {all:?}");
            for sentence in all {
                assert!(!sentence.contains('{'), "{l}: {sentence}");
            }
        }
    }

    #[test]
    fn placeholders_are_filled_and_names_marked_as_code() {
        let s = fill(
            "Added the cookie {name} ({provider}, {unknown}).",
            &[("name", "_ga".into()), ("provider", "Google".into())],
            true,
        );
        assert_eq!(
            s,
            vec![
                Segment {
                    text: "Added the cookie ".into(),
                    code: false
                },
                Segment {
                    text: "_ga".into(),
                    code: true
                },
                Segment {
                    text: " (Google, {unknown}).".into(),
                    code: false
                },
            ]
        );
    }
}
