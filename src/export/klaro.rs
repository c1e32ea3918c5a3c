//! Klaro's configuration (`klaro.setup(config)`): one service per provider and category,
//! with the category as its purpose, the cookies Klaro deletes when consent is withdrawn,
//! and every text in every locale.
//!
//! Klaro has no revision: its `version` is that of its configuration format, and it asks
//! again only a visitor it finds no stored choices for. So the choices are stored under a
//! name of the consent revision's (`storageName`: `klaro-r3`): at a new revision Klaro finds
//! none under the new name and asks again.
//!
//! Klaro reads a cookie entry that starts with `^` as a regular expression (`new
//! RegExp(entry)`, no flags: the mode `crate::jsregex` writes for) and any other string as
//! an exact name, which it escapes itself, so the whole configuration is plain JSON.

use serde_json::{json, Map, Value};

use super::{js_patterns, policy_url, services, JsPattern};
use crate::inventory::Consent;
use crate::site::Site;

/// The cookie in which Klaro keeps a visitor's choices at consent revision `revision`.
pub fn storage_name(revision: u32) -> String {
    format!("klaro-r{revision}")
}

/// The configuration, as JSON, with texts for `locales`.
pub fn config(site: &Site, locales: &[String]) -> String {
    let inv = &site.inventory;
    let mut translations = Map::new();
    for l in locales {
        let Some(s) = site.theme.strings.get(l) else {
            continue;
        };
        let purposes: Map<String, Value> = inv
            .categories
            .iter()
            .map(|c| {
                let mut p = Map::new();
                p.insert("title".into(), c.title.get(l).into());
                if let Some(d) = &c.description {
                    p.insert("description".into(), d.get(l).into());
                }
                (c.id.clone(), Value::Object(p))
            })
            .collect();
        let texts = &site.config.consent;
        let say = |key: &str| Value::String(texts.text(s, key).into());
        let mut t = Map::new();
        if let Some(url) = policy_url(site, l) {
            t.insert("privacyPolicyUrl".into(), url.into());
        }
        t.insert(
            "consentModal".into(),
            json!({"title": say("preferences_title"), "description": say("banner_text")}),
        );
        // Klaro's notice: its accept button is `ok`, the one that opens the choices
        // `learnMore`; left out, Klaro would show its own wording.
        t.insert(
            "consentNotice".into(),
            json!({
                "title": say("banner_title"),
                "description": say("banner_text"),
                "learnMore": say("manage_preferences"),
            }),
        );
        t.insert("ok".into(), say("accept_all"));
        t.insert("acceptAll".into(), say("accept_all"));
        t.insert("acceptSelected".into(), say("save_preferences"));
        t.insert("decline".into(), say("reject_all"));
        t.insert("save".into(), say("save_preferences"));
        t.insert("close".into(), say("close"));
        t.insert("purposes".into(), Value::Object(purposes));
        translations.insert(l.clone(), Value::Object(t));
    }
    let patterns = js_patterns(inv);
    let services: Vec<Value> = services(inv)
        .iter()
        .map(|svc| {
            let provider = &inv.providers[svc.provider];
            let category = &inv.categories[svc.category];
            let cookies: Vec<Value> = svc
                .cookies
                .iter()
                .filter(|&&k| super::is_cookie(&inv.cookies[k]))
                .flat_map(|&k| patterns[k].iter().cloned())
                .map(|n| match n {
                    // An exact name that happens to start with `^` would be read as a
                    // regular expression: write it as one that matches only itself.
                    JsPattern::Exact(name) if name.starts_with('^') => {
                        Value::String(crate::jsregex::literal(&name))
                    }
                    JsPattern::Exact(name) => Value::String(name),
                    JsPattern::Regex(re) => Value::String(re),
                })
                .collect();
            let per_locale: Map<String, Value> = locales
                .iter()
                .map(|l| {
                    let description = svc
                        .purposes(inv, l)
                        .into_iter()
                        .collect::<Vec<_>>()
                        .join("; ");
                    (
                        l.clone(),
                        json!({"title": provider.name.get(l), "description": description}),
                    )
                })
                .collect();
            let exempt = category.consent == Consent::Exempt;
            json!({
                "name": svc.name,
                "title": provider.name.get(locales.first().map_or("", String::as_str)),
                "purposes": [category.id],
                "cookies": cookies,
                "required": exempt,
                "default": exempt,
                "optOut": false,
                "onlyOnce": false,
                "translations": per_locale,
            })
        })
        .collect();
    let mut root = Map::new();
    root.insert("version".into(), 1.into());
    root.insert("elementID".into(), "klaro".into());
    root.insert("storageMethod".into(), "cookie".into());
    root.insert(
        "storageName".into(),
        storage_name(site.versions.revision).into(),
    );
    root.insert("mustConsent".into(), false.into());
    root.insert("acceptAll".into(), true.into());
    root.insert("hideDeclineAll".into(), false.into());
    if let [only] = locales {
        root.insert("lang".into(), only.clone().into());
    }
    root.insert("translations".into(), Value::Object(translations));
    root.insert("services".into(), Value::Array(services));
    let out = serde_json::to_string_pretty(&Value::Object(root)).unwrap_or_default();
    super::script_safe(&out) + "\n"
}
