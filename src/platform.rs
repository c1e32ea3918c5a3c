//! `sites.toml`: one build for many portals. Each `[[sites]]` entry names a portal, its
//! address, optionally a subset of the locales and its own `[params]`; the portal's
//! `sites/<id>/cookies.toml` changes the shared inventory and `sites/<id>/content/` replaces
//! shared documents.

use std::ops::Range;

use crate::config::{self, Config};
use crate::decode::{self, Localized, Reader, Spanned, Val};
use crate::diagnostics::{suggest, Code, Diagnostic, Diagnostics, ErrorReported, FileId};

/// One portal, as declared in `sites.toml`.
#[derive(Debug, Clone)]
pub struct Portal {
    /// Names its output folder.
    pub id: String,
    /// Where it is declared.
    pub span: Range<usize>,
    /// Its settings: site.toml's, with this portal's address, locales and params.
    pub config: Config,
}

const SITE_KEYS: [&str; 4] = ["id", "base_url", "locales", "params"];

/// Reads `sites.toml` against the shared settings.
pub fn load(text: &str, file: FileId, shared: &Config, diags: &mut Diagnostics) -> Vec<Portal> {
    let Ok(root) = decode::parse(text, file, 0, diags) else {
        return Vec::new();
    };
    let mut r = Reader { file, diags };
    let Ok(fields) = r.table(&root, "sites.toml", &["sites"], "[[sites]]") else {
        return Vec::new();
    };
    let items: &[Spanned<Val>] = match fields.get("sites") {
        Some(Spanned {
            value: Val::Array(items),
            ..
        }) => items,
        Some(v) => {
            r.wrong_type_example(
                v,
                "sites",
                "a list of tables",
                "[[sites]]\nid = \"my-portal\"",
            );
            return Vec::new();
        }
        None => {
            r.error(
                Code::NoPortal,
                &fields.span,
                "sites.toml declares no portal".into(),
                "no [[sites]] entry",
                "add a `[[sites]]` entry with `id` and `base_url` for each portal, or remove sites.toml for a single site".into(),
            );
            return Vec::new();
        }
    };
    let mut out: Vec<Portal> = Vec::new();
    for item in items {
        if let Ok(p) = read_portal(&mut r, item, shared, &out) {
            out.push(p);
        }
    }
    out
}

fn read_portal(
    r: &mut Reader,
    v: &Spanned<Val>,
    shared: &Config,
    seen: &[Portal],
) -> Result<Portal, ErrorReported> {
    let f = r.table(v, "a portal", &SITE_KEYS, "[[sites]]")?;
    let id = f
        .require(r, "id", "\"my-portal\"")
        .and_then(|x| decode::string(r, x, "id"))?;
    if !crate::content::is_page_name(&id.value) {
        return Err(r.error(
            Code::InvalidPortalId,
            &id.span,
            format!("`{}` cannot name a portal", id.value),
            "not a folder name",
            match crate::content::reserved_reason(&id.value) {
                Some(why) => format!(
                    "`{}` {why}; choose another id, e.g. `{}-site`",
                    id.value,
                    id.value.to_ascii_lowercase()
                ),
                None => "the id names the portal's output folder: use lowercase letters, digits, `-` and `_`".into(),
            },
        ));
    }
    if let Some(first) = seen.iter().find(|p| p.id == id.value) {
        return Err(r.diags.error(
            Diagnostic::error(
                Code::DuplicatePortal,
                format!("portal `{}` is declared twice", id.value),
            )
            .at(r.file, id.span.clone(), "declared again here")
            .also(r.file, first.span.clone(), "first declared here")
            .help("give each portal its own `id`"),
        ));
    }
    let base_url = f
        .require(r, "base_url", "\"https://portal.example.org/cookies/\"")
        .and_then(|x| decode::string(r, x, "base_url"))
        .and_then(|s| config::check_base_url(r, &s));
    let mut locales = shared.locales.clone();
    let mut failed = Ok(());
    if let Some(v) = f.get("locales") {
        match decode::strings(r, v, "locales") {
            Ok(list) if !list.is_empty() => {
                locales.clear();
                for l in list {
                    if shared.locales.contains(&l.value) {
                        if !locales.contains(&l.value) {
                            locales.push(l.value);
                        }
                    } else {
                        let help = suggest(&l.value, shared.locales.iter().map(String::as_str))
                            .map_or_else(
                                || {
                                    format!(
                                        "a portal's locales are chosen among site.toml's: {}",
                                        shared.locales.join(", ")
                                    )
                                },
                                |s| format!("did you mean `{s}`?"),
                            );
                        failed = Err(r.error(
                            Code::UnknownPortalLocale,
                            &l.span,
                            format!("`{}` is not a locale of site.toml", l.value),
                            "unknown locale",
                            help,
                        ));
                    }
                }
            }
            Ok(_) => {
                failed = Err(r.error(
                    Code::NoPortalLocale,
                    &v.span,
                    "`locales` is empty".into(),
                    "no locale",
                    "leave `locales` out to use every locale of site.toml".into(),
                ));
            }
            Err(e) => failed = Err(e),
        }
    }
    let mut params = shared.params.clone();
    if let Some(v) = f.get("params") {
        if let Val::Table(entries) = &v.value {
            for (k, x) in entries {
                match decode::localized(r, x, &format!("params.{}", k.value), &locales) {
                    Ok(value) => set_param(&mut params, &k.value, value),
                    Err(e) => failed = Err(e),
                }
            }
        } else {
            failed = Err(r.wrong_type_example(
                v,
                "params",
                "a table",
                "[sites.params]\nplatform_url = \"https://…\"",
            ));
        }
    }
    let base_url = base_url?;
    failed?;
    let default_locale = if locales.contains(&shared.default_locale) {
        shared.default_locale.clone()
    } else {
        locales.first().cloned().unwrap_or_default()
    };
    let locale_spans = locales
        .iter()
        .map(|l| {
            shared
                .locales
                .iter()
                .position(|x| x == l)
                .map_or(0..0, |i| shared.locale_spans[i].clone())
        })
        .collect();
    Ok(Portal {
        id: id.value,
        span: id.span,
        config: Config {
            base_url,
            default_locale,
            locales,
            locale_spans,
            params,
            ..shared.clone()
        },
    })
}

fn set_param(params: &mut Vec<(String, Localized)>, key: &str, value: Localized) {
    match params.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = value,
        None => params.push((key.to_string(), value)),
    }
}
