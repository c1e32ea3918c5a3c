//! Changes written as sentences in a page's language, for "Changes to this policy":
//! "Added the cookie _ga (Google Analytics, Statistics)."

use serde::{Deserialize, Serialize};

use super::{Change, Field, Kind, Subject};
use crate::i18n::Strings;
use crate::inventory::{Consent, Party};

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
                    _ => continue,
                };
                fill(
                    s.text(key),
                    &[("name", c.id.clone()), ("old", old), ("new", new)],
                    true,
                )
            }
            (Subject::Provider | Subject::Category, kind, field) => {
                let key = match (c.subject, kind, field) {
                    (Subject::Provider, Kind::Added, _) => "history_provider_added",
                    (Subject::Provider, Kind::Removed, _) => "history_provider_removed",
                    (Subject::Provider, Kind::Changed, _) => "history_provider_changed",
                    (_, Kind::Added, _) => "history_category_added",
                    (_, Kind::Removed, _) => "history_category_removed",
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
