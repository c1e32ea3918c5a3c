//! orestbida cookieconsent v3's configuration (`CookieConsent.run(config)`): the site's
//! consent revision as its `revision` (a visitor who consented at another revision is
//! asked again), one category per inventory category (`readOnly` when it needs no consent, `autoClear.cookies` with
//! every name and pattern), and per language a preferences modal whose sections hold the
//! cookie tables.
//!
//! Patterns are `RegExp` objects, which JSON cannot hold, so the output is an ES module whose
//! JSDoc type lets editors and `tsc --checkJs` check it against the package's own type
//! definitions. Each is built as `new RegExp("…")` from a JSON string: the pattern is data
//! that no character of it can end (a regular-expression literal ends at the first
//! unescaped `/`), and its source is the one written for Klaro's mode (no flags), which
//! cookieconsent uses as given (`RegExp.prototype.test` on each cookie name).

use super::{js_patterns, policy_page, policy_url, script_safe, JsPattern};
use crate::escape::html;
use crate::inventory::Consent;
use crate::site::Site;

/// A JavaScript value: JSON plus regular expressions.
enum Js {
    Str(String),
    Bool(bool),
    Int(u64),
    /// `new RegExp(source)`, with the source as a JSON string.
    Regex(String),
    Arr(Vec<Js>),
    Obj(Vec<(String, Js)>),
}

/// A text from the inventory or the UI strings. cookieconsent puts titles, descriptions
/// and table cells into the page as HTML, so they are escaped here.
fn s(v: impl AsRef<str>) -> Js {
    Js::Str(html::text(v.as_ref()))
}

fn obj<const N: usize>(fields: [(&str, Js); N]) -> Js {
    Js::Obj(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn write(v: &Js, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent + 1);
    let end = "  ".repeat(indent);
    match v {
        Js::Str(t) => out.push_str(&script_safe(
            &serde_json::to_string(t).unwrap_or_else(|_| "\"\"".into()),
        )),
        Js::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Js::Int(n) => out.push_str(&n.to_string()),
        Js::Regex(source) => {
            out.push_str("new RegExp(");
            write(&Js::Str(source.clone()), indent, out);
            out.push(')');
        }
        Js::Arr(items) if items.is_empty() => out.push_str("[]"),
        Js::Arr(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad);
                write(item, indent + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&end);
            out.push(']');
        }
        Js::Obj(fields) if fields.is_empty() => out.push_str("{}"),
        Js::Obj(fields) => {
            out.push_str("{\n");
            for (i, (k, item)) in fields.iter().enumerate() {
                out.push_str(&pad);
                write(&Js::Str(k.clone()), indent + 1, out);
                out.push_str(": ");
                write(item, indent + 1, out);
                out.push_str(if i + 1 < fields.len() { ",\n" } else { "\n" });
            }
            out.push_str(&end);
            out.push('}');
        }
    }
}

/// The configuration as an ES module, with texts for `locales` (the first is the default).
pub fn config(site: &Site, locales: &[String]) -> String {
    let inv = &site.inventory;
    let patterns = js_patterns(inv);
    let categories: Vec<(String, Js)> = inv
        .categories
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let cookies: Vec<Js> = inv
                .cookies
                .iter()
                .zip(&patterns)
                .filter(|(k, _)| k.category == ci && super::is_cookie(k))
                .flat_map(|(_, p)| p.iter().cloned())
                .map(|n| {
                    let name = match n {
                        JsPattern::Exact(name) => Js::Str(name),
                        JsPattern::Regex(re) => Js::Regex(re),
                    };
                    obj([("name", name)])
                })
                .collect();
            let mut fields = Vec::new();
            if c.consent == Consent::Exempt {
                fields.push(("enabled".to_string(), Js::Bool(true)));
                fields.push(("readOnly".to_string(), Js::Bool(true)));
            }
            fields.push((
                "autoClear".to_string(),
                obj([("cookies", Js::Arr(cookies))]),
            ));
            (c.id.clone(), Js::Obj(fields))
        })
        .collect();
    let mut translations = Vec::new();
    for l in locales {
        let Some(t) = site.theme.strings.get(l) else {
            continue;
        };
        let texts = &site.config.consent;
        let say = |key: &str| s(texts.text(t, key));
        let mut intro = html::text(texts.text(t, "banner_text"));
        // The link and its label name the same document: the one with the cookie tables.
        if let (Some(url), Some(page)) = (policy_url(site, l), policy_page(site, l)) {
            let link = format!(
                " <a href=\"{}\">{}</a>",
                html::text(&url),
                html::text(&page.doc.title)
            );
            intro.push_str(&link);
        }
        let mut sections = vec![obj([("description", Js::Str(intro.clone()))])];
        for (ci, c) in inv.categories.iter().enumerate() {
            let body: Vec<Js> = inv
                .cookies
                .iter()
                .filter(|k| k.category == ci)
                .flat_map(|k| k.names.iter().map(move |n| (k, n)))
                .map(|(k, n)| {
                    obj([
                        ("name", s(n.name.as_str())),
                        ("provider", s(inv.providers[k.provider].name.get(l))),
                        ("purpose", s(k.purpose.get(l))),
                        ("duration", s(t.duration(k.duration))),
                        ("party", s(t.party(k.party))),
                        ("storage", s(t.storage(k.storage))),
                        (
                            "data",
                            s(k.data
                                .as_ref()
                                .map_or(t.text("not_specified"), |d| d.get(l))),
                        ),
                        (
                            "retention",
                            s(k.retention.map_or_else(
                                || t.text("not_specified").to_string(),
                                |d| t.duration(d),
                            )),
                        ),
                        (
                            "transfer",
                            s(super::provider_transfer(&inv.providers[k.provider], t)
                                .unwrap_or_else(|| t.text("not_specified").to_string())),
                        ),
                    ])
                })
                .collect();
            let mut section = vec![
                ("title".to_string(), s(c.title.get(l))),
                (
                    "description".to_string(),
                    s(c.description.as_ref().map_or("", |d| d.get(l))),
                ),
                ("linkedCategory".to_string(), s(c.id.as_str())),
            ];
            if !body.is_empty() {
                section.push((
                    "cookieTable".to_string(),
                    obj([
                        ("caption", s(c.title.get(l))),
                        (
                            "headers",
                            obj([
                                ("name", s(t.text("col_names"))),
                                ("provider", s(t.text("col_provider"))),
                                ("purpose", s(t.text("col_purpose"))),
                                ("duration", s(t.text("col_duration"))),
                                ("party", s(t.text("col_party"))),
                                ("storage", s(t.text("col_storage"))),
                                ("data", s(t.text("col_data"))),
                                ("retention", s(t.text("col_retention"))),
                                ("transfer", s(t.text("col_transfer"))),
                            ]),
                        ),
                        ("body", Js::Arr(body)),
                    ]),
                ));
            }
            sections.push(Js::Obj(section));
        }
        translations.push((
            l.clone(),
            obj([
                (
                    "consentModal",
                    obj([
                        ("title", say("banner_title")),
                        ("description", Js::Str(intro)),
                        ("acceptAllBtn", say("accept_all")),
                        ("acceptNecessaryBtn", say("reject_all")),
                        ("showPreferencesBtn", say("manage_preferences")),
                        ("closeIconLabel", say("close")),
                    ]),
                ),
                (
                    "preferencesModal",
                    obj([
                        ("title", say("preferences_title")),
                        ("acceptAllBtn", say("accept_all")),
                        ("acceptNecessaryBtn", say("reject_all")),
                        ("savePreferencesBtn", say("save_preferences")),
                        ("closeIconLabel", say("close")),
                        ("sections", Js::Arr(sections)),
                    ]),
                ),
            ]),
        ));
    }
    let default = locales.first().cloned().unwrap_or_default();
    let mut language = vec![("default".to_string(), s(default))];
    if locales.len() > 1 {
        language.push(("autoDetect".to_string(), s("document")));
    }
    language.push(("translations".to_string(), Js::Obj(translations)));
    let root = Js::Obj(vec![
        // cookieconsent asks again a visitor whose consent was given at another revision.
        (
            "revision".to_string(),
            Js::Int(u64::from(site.versions.revision)),
        ),
        ("categories".to_string(), Js::Obj(categories)),
        ("language".to_string(), Js::Obj(language)),
    ]);
    let mut out = String::from(
        "// Generated by Clause from the cookie inventory; regenerate rather than edit.\n\
         /** @type {import('vanilla-cookieconsent').CookieConsentConfig} */\n\
         export default ",
    );
    write(&root, 0, &mut out);
    out.push_str(";\n");
    out
}
