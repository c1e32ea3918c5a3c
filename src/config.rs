//! `site.toml`: the site's title, address, locales, theme, free parameters and table columns.

use std::ops::Range;

use crate::consent::Consent;
use crate::decode::{self, Localized, Reader, Spanned, Val};
use crate::diagnostics::{suggest, Diagnostic, Diagnostics, ErrorReported, FileId};
use crate::i18n;

/// A column of the cookie tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Column {
    /// Service provider's name.
    Provider,
    /// Function and location.
    Function,
    /// Cookie name(s).
    Names,
    /// Purposes.
    Purpose,
    /// How long the cookie lives.
    Duration,
    /// First or third party.
    Party,
    /// Where it is kept: a cookie, web storage, a pixel…
    Storage,
    /// The host that sets it.
    Domain,
    /// What it stores or collects.
    Data,
    /// How long the data it collects is kept.
    Retention,
    /// The provider's country and the safeguard of a transfer outside the EEA.
    Transfer,
}

impl Column {
    /// Every column, by its name in `site.toml`.
    pub const ALL: [(&'static str, Column); 11] = [
        ("provider", Column::Provider),
        ("function", Column::Function),
        ("names", Column::Names),
        ("purpose", Column::Purpose),
        ("duration", Column::Duration),
        ("party", Column::Party),
        ("storage", Column::Storage),
        ("domain", Column::Domain),
        ("data", Column::Data),
        ("retention", Column::Retention),
        ("transfer", Column::Transfer),
    ];

    /// The seed page's four columns.
    pub const DEFAULT: [Column; 4] = [
        Column::Provider,
        Column::Function,
        Column::Names,
        Column::Purpose,
    ];

    /// The name used in `site.toml` and as the UI-string key of the header.
    pub fn key(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, c)| *c == self)
            .map_or("provider", |(k, _)| k)
    }
}

/// The validated contents of `site.toml`.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub file: FileId,
    /// The site's title, per locale.
    pub title: Localized,
    /// Absolute URL where `output/` is published, always ending in `/`.
    pub base_url: String,
    /// The locale of `x-default` and of the root page's first link.
    pub default_locale: String,
    /// Every locale, in the order given.
    pub locales: Vec<String>,
    /// Where each locale was declared, for diagnostics about it.
    pub locale_spans: Vec<Range<usize>>,
    /// Theme folder name.
    pub theme: String,
    /// Where `theme` is set, if it is.
    pub theme_span: Option<Range<usize>>,
    /// Free values for `{{ name }}` placeholders, in file order.
    pub params: Vec<(String, Localized)>,
    /// Columns of the cookie tables.
    pub columns: Vec<Column>,
    /// Whether raw HTML in the prose is kept (sanitized) rather than shown as text.
    pub raw_html: bool,
    /// "Changes to this policy" and "Last updated" from git, when `[history]` turns it on.
    pub history: Option<History>,
    /// Who is responsible for the data (`[controller]`).
    pub controller: Option<Controller>,
    /// The site's consent banner and its texts (`[consent]`); empty without it.
    pub consent: Consent,
}

/// The `[controller]` table: who decides what the data is for, and how to reach them
/// (Article 13(1)(a) and (b) GDPR).
#[derive(Debug, Clone)]
pub struct Controller {
    /// Its name (a company, a public body).
    pub name: Localized,
    /// Its postal address.
    pub address: Localized,
    /// How to reach it.
    pub contact: Contact,
    /// How to reach its data protection officer.
    pub dpo: Option<Contact>,
}

/// An email address or a web page to write to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// As shown: the address, or the page's URL.
    pub text: String,
    /// The link: `mailto:…` or `https://…`.
    pub href: String,
}

const CONTROLLER_KEYS: [&str; 4] = ["name", "address", "contact", "dpo"];

/// `[controller]`: `name`, `address` and `contact` required, `dpo` optional.
fn read_controller(
    r: &mut Reader,
    v: &Spanned<Val>,
    locales: &[String],
) -> Result<Controller, ErrorReported> {
    let f = r.table(
        v,
        "controller",
        &CONTROLLER_KEYS,
        "[controller]\nname = \"…\"\naddress = \"…\"\ncontact = \"privacy@example.org\"",
    )?;
    let name = f
        .require(r, "name", "\"Ville de Saint-Mandé\"")
        .and_then(|x| decode::localized(r, x, "controller.name", locales));
    let address = f
        .require(
            r,
            "address",
            "\"1 place Charles-Digeon, 94160 Saint-Mandé, France\"",
        )
        .and_then(|x| decode::localized(r, x, "controller.address", locales));
    let contact = f
        .require(r, "contact", "\"privacy@example.org\"")
        .and_then(|x| read_contact(r, x, "controller.contact"));
    let dpo = match f.get("dpo") {
        Some(x) => read_contact(r, x, "controller.dpo").map(Some),
        None => Ok(None),
    };
    Ok(Controller {
        name: name?,
        address: address?,
        contact: contact?,
        dpo: dpo?,
    })
}

/// An email address (`dpo@example.org`, or `mailto:dpo@example.org`) or an http(s) page.
fn read_contact(r: &mut Reader, v: &Spanned<Val>, field: &str) -> Result<Contact, ErrorReported> {
    let s = decode::string(r, v, field)?;
    let value = s.value.trim();
    let email = |address: &str| {
        let (local, domain) = address.split_once('@')?;
        let fine = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !address
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "<>\"(),;:[]\\".contains(c))
            && url::Host::parse(domain).is_ok();
        fine.then(|| Contact {
            text: address.to_string(),
            href: format!("mailto:{address}"),
        })
    };
    let contact = if let Some(address) = value.strip_prefix("mailto:") {
        email(address)
    } else if value.starts_with("http://") || value.starts_with("https://") {
        url::Url::parse(value)
            .ok()
            .filter(|u| u.host().is_some())
            .map(|u| Contact {
                text: value.to_string(),
                href: u.to_string(),
            })
    } else {
        email(value)
    };
    contact.ok_or_else(|| {
        r.error(
            &s.span,
            format!(
                "`{field}` must be an email address or an http(s) address, not \"{}\"",
                s.value
            ),
            "not an email or web address",
            format!(
                "write e.g. `{} = \"dpo@example.org\"` or `{} = \"https://example.org/contact\"`",
                field.rsplit('.').next().unwrap_or(field),
                field.rsplit('.').next().unwrap_or(field)
            ),
        )
    })
}

/// The `[history]` table: read the git log of the inventory and documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct History {
    /// How many changes (commits) to list, newest first.
    pub limit: usize,
    /// Whether every version of every page is archived under `versions/`.
    pub archive: bool,
}

/// Entries listed when `[history]` does not say.
pub const HISTORY_LIMIT: usize = 20;

const HISTORY_KEYS: [&str; 3] = ["archive", "enabled", "limit"];

/// `[history]`: absent or `enabled = false` is off; `limit` between 1 and 1000;
/// `archive` (default true).
fn read_history(r: &mut Reader, v: &Spanned<Val>) -> Result<Option<History>, ErrorReported> {
    let f = r.table(v, "history", &HISTORY_KEYS, "[history]\nenabled = true")?;
    let enabled = match f.get("enabled") {
        None => true,
        Some(Spanned {
            value: Val::Bool(b),
            ..
        }) => *b,
        Some(x) => {
            return Err(r.wrong_type(x, "history.enabled", "true or false", "enabled = true"));
        }
    };
    let limit = match f.get("limit") {
        None => HISTORY_LIMIT,
        Some(Spanned {
            value: Val::Int(n),
            span,
        }) => match usize::try_from(*n) {
            Ok(n @ 1..=1000) => n,
            _ => {
                return Err(r.error(
                    span,
                    format!("`history.limit` is {n}"),
                    "out of range",
                    "list between 1 and 1000 changes, e.g. `limit = 20`".into(),
                ));
            }
        },
        Some(x) => {
            return Err(r.wrong_type(x, "history.limit", "a whole number", "limit = 20"));
        }
    };
    let archive = match f.get("archive") {
        None => true,
        Some(Spanned {
            value: Val::Bool(b),
            ..
        }) => *b,
        Some(x) => {
            return Err(r.wrong_type(x, "history.archive", "true or false", "archive = true"));
        }
    };
    Ok(enabled.then_some(History { limit, archive }))
}

const KEYS: [&str; 11] = [
    "controller",
    "consent",
    "history",
    "raw_html",
    "title",
    "base_url",
    "default_locale",
    "locales",
    "theme",
    "params",
    "columns",
];

/// Reads and validates `site.toml`. `Err` when it cannot be used at all.
pub fn load(text: &str, file: FileId, diags: &mut Diagnostics) -> Result<Config, ErrorReported> {
    let root = decode::parse(text, file, 0, diags)?;
    let mut r = Reader { file, diags };
    let fields = r.table(&root, "site.toml", &KEYS, "title = \"…\"")?;

    // Locales first: every human-readable value is checked against them. Without them,
    // keep reading: the other keys' problems are reported in the same run.
    let read = read_locales(&mut r, &fields);
    let (locales, locale_spans) = match &read {
        Ok((l, s)) => (l.clone(), s.clone()),
        Err(_) => (Vec::new(), Vec::new()),
    };

    let title = fields
        .require(&mut r, "title", "\"Cookie policy\"")
        .and_then(|v| decode::localized(&mut r, v, "title", &locales));

    let base_url = fields
        .require(&mut r, "base_url", "\"https://example.org/\"")
        .and_then(|v| decode::string(&mut r, v, "base_url"))
        .and_then(|s| check_base_url(&mut r, &s));

    let default_locale = match fields.get("default_locale") {
        Some(v) => decode::string(&mut r, v, "default_locale").and_then(|s| {
            if locales.contains(&s.value) || locales.is_empty() {
                Ok(s.value)
            } else {
                let help = match suggest(&s.value, locales.iter().map(String::as_str)) {
                    Some(x) => format!("did you mean `{x}`?"),
                    None => format!("use one of {}, or add it to `locales`", locales.join(", ")),
                };
                Err(r.error(
                    &s.span,
                    format!("`default_locale` `{}` is not in `locales`", s.value),
                    "not a locale of this site",
                    help,
                ))
            }
        }),
        None => Ok(locales.first().cloned().unwrap_or_default()),
    };

    let theme = match fields.get("theme") {
        Some(v) => decode::string(&mut r, v, "theme").and_then(|s| {
            if crate::content::is_slug(&s.value) {
                Ok(s.value)
            } else {
                Err(r.error(
                    &s.span,
                    format!("`{}` is not a valid theme name", s.value),
                    "not a folder name",
                    "a theme is a folder of `themes/`: use lowercase letters, digits and `-`"
                        .into(),
                ))
            }
        }),
        None => Ok("default".to_string()),
    };

    let mut params = Vec::new();
    if let Some(v) = fields.get("params") {
        if let Val::Table(entries) = &v.value {
            for (k, x) in entries {
                // A parameter is a piece of a text, which may be empty on purpose.
                let set = decode::LocaleSet {
                    required: &locales,
                    known: &locales,
                    check_texts: false,
                };
                if let Ok(l) = decode::localized(&mut r, x, &format!("params.{}", k.value), set) {
                    params.push((k.value.clone(), l));
                }
            }
        } else {
            r.wrong_type_example(
                v,
                "params",
                "a table",
                "[params]\nplatform_url = \"https://…\"",
            );
        }
    }

    let columns = match fields.get("columns") {
        Some(v) => read_columns(&mut r, v),
        None => Ok(Column::DEFAULT.to_vec()),
    };

    let raw_html = match fields.get("raw_html") {
        None => Ok(true),
        Some(Spanned {
            value: Val::Bool(b),
            ..
        }) => Ok(*b),
        Some(v) => Err(r.wrong_type(v, "raw_html", "true or false", "raw_html = false")),
    };
    let history = match fields.get("history") {
        None => Ok(None),
        Some(v) => read_history(&mut r, v),
    };
    let controller = match fields.get("controller") {
        None => Ok(None),
        Some(v) => read_controller(&mut r, v, &locales).map(Some),
    };
    let consent = match fields.get("consent") {
        None => Ok(Consent::default()),
        Some(v) => crate::consent::read(&mut r, v, &locales, base_url.as_ref().ok()),
    };
    read?;
    Ok(Config {
        consent: consent?,
        history: history?,
        controller: controller?,
        file,
        title: title?,
        base_url: base_url?,
        default_locale: default_locale?,
        locales,
        locale_spans,
        theme: theme?,
        theme_span: fields.get("theme").map(|v| v.span.clone()),
        params,
        columns: columns?,
        raw_html: raw_html?,
    })
}

/// `locales`, each tag checked, and where each is written; `Err` when none is usable.
fn read_locales(
    r: &mut Reader,
    fields: &decode::Fields,
) -> Result<(Vec<String>, Vec<Range<usize>>), ErrorReported> {
    let v = fields.require(r, "locales", "[\"en\", \"fr\"]")?;
    let list = decode::strings(r, v, "locales")?;
    if list.is_empty() {
        return Err(r.error(
            &v.span,
            "`locales` is empty".into(),
            "no locale",
            "list at least one language tag, e.g. `locales = [\"en\"]`".into(),
        ));
    }
    let mut locales = Vec::new();
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut refused = None;
    for tag in list {
        if let Err(e) = check_locale_tag(r, &tag) {
            refused = Some(e);
            continue;
        }
        if let Some(i) = locales.iter().position(|l| *l == tag.value) {
            let first: Range<usize> = spans[i].clone();
            r.diags.push(
                Diagnostic::error(format!("locale `{}` is listed twice", tag.value))
                    .at(r.file, tag.span.clone(), "listed again here")
                    .also(r.file, first, "first listed here")
                    .help("remove one of them"),
            );
            continue;
        }
        locales.push(tag.value);
        spans.push(tag.span);
    }
    match refused {
        // A tag listed twice was kept once: only refused tags leave none.
        Some(e) if locales.is_empty() => Err(e),
        _ => Ok((locales, spans)),
    }
}

fn check_locale_tag(r: &mut Reader, tag: &Spanned<String>) -> Result<(), ErrorReported> {
    if crate::content::RESERVED.contains(&tag.value.to_ascii_lowercase().as_str()) {
        return Err(r.error(
            &tag.span,
            format!("`{}` cannot name a folder", tag.value),
            "reserved name",
            "this name is reserved by Windows for a device; use another language tag".into(),
        ));
    }
    match i18n::canonical_tag(&tag.value) {
        Ok(canonical) if canonical == tag.value => Ok(()),
        Ok(canonical) => Err(r.error(
            &tag.span,
            format!(
                "locale tag `{}` is not written in its standard form",
                tag.value
            ),
            "non-standard form",
            format!("write it as `{canonical}`"),
        )),
        Err(_) => {
            let help = match i18n::canonical_tag(&tag.value.replace('_', "-")) {
                Ok(fixed) => format!("write it as `{fixed}` (language tags use `-`, not `_`)"),
                Err(_) => "use a language code such as `en`, `fr` or `pt-BR`".into(),
            };
            Err(r.error(
                &tag.span,
                format!("`{}` is not a valid locale tag", tag.value),
                "not a BCP 47 language tag",
                help,
            ))
        }
    }
}

pub(crate) fn check_base_url(r: &mut Reader, s: &Spanned<String>) -> Result<String, ErrorReported> {
    match url::Url::parse(&s.value) {
        Ok(u) if (u.scheme() == "https" || u.scheme() == "http") && u.host().is_some() => {
            if u.query().is_some() || u.fragment().is_some() {
                return Err(r.error(
                    &s.span,
                    "`base_url` must not have a query or fragment".into(),
                    "query or fragment",
                    "give only the address of the folder where the site is published".into(),
                ));
            }
            let mut url = u.to_string();
            if !url.ends_with('/') {
                url.push('/');
            }
            Ok(url)
        }
        _ => Err(r.error(
            &s.span,
            format!("`{}` is not an absolute http(s) address", s.value),
            "not an absolute URL",
            "write the full address where `output/` is published, e.g. `base_url = \"https://example.org/cookies/\"`".into(),
        )),
    }
}

fn read_columns(r: &mut Reader, v: &Spanned<Val>) -> Result<Vec<Column>, ErrorReported> {
    let list = decode::strings(r, v, "columns")?;
    let names: Vec<&str> = Column::ALL.iter().map(|(k, _)| *k).collect();
    let mut out = Vec::new();
    let mut failed = Ok(());
    for item in list {
        match Column::ALL.iter().find(|(k, _)| *k == item.value) {
            Some((_, c)) if out.contains(c) => {
                failed = Err(r.error(
                    &item.span,
                    format!("column `{}` is listed twice", item.value),
                    "listed again",
                    "remove one of them".into(),
                ));
            }
            Some((_, c)) => out.push(*c),
            None => {
                let help = match suggest(&item.value, names.iter().copied()) {
                    Some(x) => format!("did you mean `{x}`?"),
                    None => format!("columns are: {}", names.join(", ")),
                };
                failed = Err(r.error(
                    &item.span,
                    format!("unknown column `{}`", item.value),
                    "unknown column",
                    help,
                ));
            }
        }
    }
    failed?;
    if out.is_empty() {
        return Err(r.error(
            &v.span,
            "`columns` is empty".into(),
            "no column",
            "list the columns to show, e.g. `columns = [\"provider\", \"names\", \"purpose\"]`"
                .into(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Sources;

    fn load_str(text: &str) -> (Option<Config>, Diagnostics) {
        let mut s = Sources::default();
        let id = s.add("site.toml", text);
        let mut d = Diagnostics::default();
        (load(text, id, &mut d).ok(), d)
    }

    #[test]
    fn minimal_config_gets_defaults() {
        let (c, d) = load_str(
            "title = \"T\"\nbase_url = \"https://example.org/policy\"\nlocales = [\"en\", \"fr\"]\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let c = c.expect("loads");
        assert_eq!(c.base_url, "https://example.org/policy/");
        assert_eq!(c.default_locale, "en");
        assert_eq!(c.theme, "default");
        assert_eq!(c.columns, Column::DEFAULT.to_vec());
    }

    #[test]
    fn reports_every_problem_at_once() {
        let (c, d) = load_str(
            "title = \"T\"\nbase_url = \"example.org\"\nlocales = [\"en\", \"e n\"]\ncolums = []\n",
        );
        assert!(c.is_none());
        let messages: Vec<&str> = d.iter().map(|x| x.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "unknown key `colums` in site.toml",
                "`e n` is not a valid locale tag",
                "`example.org` is not an absolute http(s) address",
            ]
        );
        assert_eq!(
            d.iter().next().and_then(|x| x.help.clone()).as_deref(),
            Some("did you mean `columns`?")
        );
    }

    #[test]
    fn a_controller_is_reached_by_email_or_web_address() {
        let base = "title = \"T\"\nbase_url = \"https://a.b/\"\nlocales = [\"en\"]\n[controller]\nname = \"N\"\naddress = \"A\"\n";
        let contact = |c: &str| {
            let (config, d) = load_str(&format!("{base}contact = \"{c}\"\n"));
            (config.and_then(|c| c.controller).map(|c| c.contact), d)
        };
        let (c, _) = contact("dpo@example.org");
        assert_eq!(
            c.map(|c| c.href),
            Some("mailto:dpo@example.org".to_string())
        );
        let (c, _) = contact("mailto:dpo@example.org");
        assert_eq!(c.map(|c| c.text), Some("dpo@example.org".to_string()));
        let (c, _) = contact("https://example.org/contact");
        assert_eq!(
            c.map(|c| c.href),
            Some("https://example.org/contact".to_string())
        );
        for bad in [
            "dpo",
            "dpo@localhost",
            "javascript:alert(1)",
            "a b@example.org",
            "@example.org",
            "ftp://example.org/",
        ] {
            let (c, d) = contact(bad);
            assert!(c.is_none(), "{bad}");
            let msg = &d.iter().next().expect("an error").message;
            assert_eq!(
                *msg,
                format!("`controller.contact` must be an email address or an http(s) address, not \"{bad}\"")
            );
        }
        let (config, d) = load_str(base);
        assert!(config.is_none());
        assert_eq!(
            d.iter().next().expect("error").message,
            "controller has no `contact`"
        );
    }

    #[test]
    fn locale_tags_must_be_canonical() {
        let (c, d) = load_str("title = \"T\"\nbase_url = \"https://a.b/\"\nlocales = [\"EN\"]\n");
        assert!(c.is_none() || c.as_ref().is_some_and(|c| c.locales.is_empty()));
        assert_eq!(
            d.iter().next().and_then(|x| x.help.clone()).as_deref(),
            Some("write it as `en`")
        );
    }
}
