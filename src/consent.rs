//! `[consent]` in site.toml: the consent banner a site already runs (cookieconsent v3 or
//! Klaro), so that every page loads it and offers a button that opens its preferences, and
//! the banner's texts, which the pages' button and `clause export` share.
//!
//! The banner's files are named by paths on the site itself, checked here: a page loads
//! nothing from another host, and a `javascript:` or `data:` address is never a path.

use std::ops::Range;

use url::{Position, Url};

use crate::decode::{self, Localized, Reader, Spanned, Val};
use crate::diagnostics::{Diagnostic, ErrorReported, FileId};
use crate::i18n::Strings;
use crate::inventory::Inventory;

/// The consent banners Clause knows how to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    /// orestbida's cookieconsent v3 (`CookieConsent.run()`).
    Cookieconsent,
    /// Klaro (`klaro.setup()`).
    Klaro,
}

impl Manager {
    /// Every manager, by its name in `site.toml`.
    pub const ALL: [(&'static str, Manager); 2] = [
        ("cookieconsent", Manager::Cookieconsent),
        ("klaro", Manager::Klaro),
    ];

    /// Its name in `site.toml` (and in the pages' `data-manager`).
    pub fn key(self) -> &'static str {
        match self {
            Manager::Cookieconsent => "cookieconsent",
            Manager::Klaro => "klaro",
        }
    }

    /// Its name for people.
    pub fn name(self) -> &'static str {
        match self {
            Manager::Cookieconsent => "cookieconsent v3",
            Manager::Klaro => "Klaro",
        }
    }

    /// The cookie in which the banner keeps the visitor's choice at consent revision
    /// `revision`, as the configurations of `clause export` name it: cookieconsent v3's
    /// default `cookie.name`; Klaro's `storageName`, named after the revision so that Klaro
    /// asks again at the next one (see `export::klaro`).
    pub fn consent_cookie(self, revision: u32) -> String {
        match self {
            Manager::Cookieconsent => "cc_cookie".into(),
            Manager::Klaro => crate::export::klaro::storage_name(revision),
        }
    }

    /// A name that declares [`Manager::consent_cookie`] at every consent revision.
    fn consent_cookie_declared(self) -> &'static str {
        match self {
            Manager::Cookieconsent => "cc_cookie",
            Manager::Klaro => "klaro-r*",
        }
    }
}

/// Where a path of `[consent]` leads, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A file of the published folder (the folder at `base_url`).
    Published {
        /// Its address relative to the published folder, percent-encoded, with any
        /// query: what a page writes after its way up to that folder.
        href: String,
        /// Its path in the output folder (decoded, without query): the file the site
        /// must publish.
        file: String,
    },
    /// A path from the root of the host (`/assets/x.js`), written as it is (encoded).
    Host(String),
}

impl Target {
    /// The address a page writes, `root` being its way up to the published folder
    /// (`../../` for a document, empty for the root page).
    pub fn href(&self, root: &str) -> String {
        match self {
            Target::Published { href, .. } => format!("{root}{href}"),
            Target::Host(path) => path.clone(),
        }
    }
}

/// A path of `[consent]`: as written, where, and where it leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitePath {
    /// As written in site.toml.
    pub written: String,
    /// Where it is written.
    pub span: Range<usize>,
    /// Where it leads.
    pub target: Target,
}

/// The banner the pages load: `manager`, `script` and the optional files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    /// Which banner.
    pub manager: Manager,
    /// Where `manager` is written, for the warnings about it.
    pub manager_span: Range<usize>,
    /// The banner's script, loaded by every page.
    pub script: SitePath,
    /// Its stylesheet, when it is a file of its own.
    pub stylesheet: Option<SitePath>,
    /// The configuration the theme's glue starts the banner with: an ES module whose
    /// default export is cookieconsent's configuration, or Klaro's configuration as JSON.
    /// Without it, `script` starts the banner itself.
    pub config: Option<SitePath>,
}

/// `[consent]`: the banner (if the pages load one) and the banner's texts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Consent {
    /// The banner the pages load; `None`: the pages have no script.
    pub banner: Option<Banner>,
    /// Texts that replace the theme's wording of the banners, by UI-string key.
    pub texts: Vec<(String, Localized)>,
}

impl Consent {
    /// A banner text in a locale: the site's (`[consent.texts]`), else the theme's.
    pub fn text<'a>(&'a self, strings: &'a Strings, key: &str) -> &'a str {
        match self.texts.iter().find(|(k, _)| k == key) {
            Some((_, v)) => v.get(&strings.locale),
            None => strings.text(key),
        }
    }
}

/// The UI strings the banners show, which `[consent.texts]` may replace.
pub const TEXT_KEYS: [&str; 8] = [
    "banner_title",
    "banner_text",
    "accept_all",
    "reject_all",
    "manage_preferences",
    "save_preferences",
    "preferences_title",
    "close",
];

const KEYS: [&str; 5] = ["manager", "script", "stylesheet", "config", "texts"];

/// Reads `[consent]`; `base_url` (when it could be read) lets a full address on the
/// site's own host be told apart from another host's in the help.
pub fn read(
    r: &mut Reader,
    v: &Spanned<Val>,
    locales: &[String],
    base_url: Option<&String>,
) -> Result<Consent, ErrorReported> {
    let f = r.table(
        v,
        "[consent]",
        &KEYS,
        "[consent]\nmanager = \"cookieconsent\"\nscript = \"cookieconsent/cookieconsent.umd.js\"",
    )?;
    let host = base_url
        .and_then(|b| Url::parse(b).ok())
        .and_then(|u| u.host_str().map(str::to_string));
    let manager = f.get("manager").map(|m| {
        decode::choice(r, m, "consent.manager", &Manager::ALL).map(|x| (x, m.span.clone()))
    });
    let mut path = |key: &str| {
        f.get(key)
            .map(|x| read_path(r, x, &format!("consent.{key}"), host.as_deref()))
            .transpose()
    };
    let script = path("script");
    let stylesheet = path("stylesheet");
    let config = path("config");
    let texts = match f.get("texts") {
        None => Ok(Vec::new()),
        Some(t) => read_texts(r, t, locales),
    };
    let banner = match (manager, script?) {
        (None, None) => {
            // Files without a banner would never load: say which key is missing.
            if let Some((key, x)) = ["stylesheet", "config"]
                .iter()
                .find_map(|k| f.get(k).map(|x| (*k, x)))
            {
                return Err(r.error(
                    &x.span,
                    format!("`consent.{key}` is given, but no `manager` and `script`"),
                    "no banner to go with it",
                    "add `manager = \"cookieconsent\"` (or \"klaro\") and `script = \"…\"`, the path of the banner's script, or remove this line".into(),
                ));
            }
            None
        }
        (Some(m), Some(script)) => {
            let (manager, manager_span) = m?;
            Some(Banner {
                manager,
                manager_span,
                script,
                stylesheet: stylesheet?,
                config: config?,
            })
        }
        (Some(m), None) => {
            m?;
            return Err(r.error(
                &f.span,
                "`[consent]` names a `manager` but no `script`".into(),
                "`script` is missing here",
                "add `script = \"…\"`, the path of the banner's script on this site (e.g. \"cookieconsent/cookieconsent.umd.js\"), or remove `manager`".into(),
            ));
        }
        (None, Some(script)) => {
            return Err(r.error(
                &script.span,
                "`consent.script` is given, but no `manager`".into(),
                "which banner is this?",
                "add `manager = \"cookieconsent\"` or `manager = \"klaro\"`: it decides how the pages' button opens the banner".into(),
            ));
        }
    };
    Ok(Consent {
        banner,
        texts: texts?,
    })
}

fn read_texts(
    r: &mut Reader,
    v: &Spanned<Val>,
    locales: &[String],
) -> Result<Vec<(String, Localized)>, ErrorReported> {
    let f = r.table(
        v,
        "[consent.texts]",
        &TEXT_KEYS,
        "[consent.texts]\nbanner_title = \"…\"",
    )?;
    let mut out = Vec::new();
    let mut failed = Ok(());
    for (k, x) in f.entries() {
        if !TEXT_KEYS.contains(&k.value.as_str()) {
            continue;
        }
        match decode::localized(r, x, &format!("consent.texts.{}", k.value), locales) {
            Ok(l) => out.push((k.value.clone(), l)),
            Err(e) => failed = Err(e),
        }
    }
    failed.map(|()| out)
}

/// Why a path of `[consent]` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// Nothing written.
    #[error("is empty")]
    Empty,
    /// A character a browser drops or reads otherwise (`\` is read as `/`).
    #[error("holds {0}")]
    Character(&'static str),
    /// An address of another kind (`javascript:`, `data:`, `file:`).
    #[error("is a `{0}:` address, not a path")]
    Scheme(String),
    /// An address on another host, or protocol-relative (`//cdn.example/x.js`).
    #[error("loads from another host, `{0}`")]
    OtherHost(String),
    /// A full address on the site's own host: fine in itself, but it pins the pages to
    /// that host; the path alone says the same.
    #[error("is a full address")]
    FullAddress {
        /// The path alone.
        path: String,
    },
    /// Nothing a browser could read as an address.
    #[error("is not an address")]
    Unreadable,
    /// `../` above the published folder.
    #[error("leads out of the published folder")]
    OutOfSite,
    /// A folder, not a file.
    #[error("names a folder, not a file")]
    Folder,
}

impl PathError {
    /// The label under the value.
    pub fn label(&self) -> &'static str {
        match self {
            PathError::Empty => "no path",
            PathError::Character(_) => "not a path a browser reads as written",
            PathError::Scheme(_) => "not a path",
            PathError::OtherHost(_) => "another host",
            PathError::FullAddress { .. } => "a full address",
            PathError::Unreadable => "not an address",
            PathError::OutOfSite => "climbs out",
            PathError::Folder => "a folder",
        }
    }

    /// How to fix it.
    pub fn help(&self) -> String {
        const PATHS: &str = "a path in the published folder, such as `cookieconsent/cookieconsent.umd.js` (a file of the site's `static/` folder), or a path from the root of the host, such as `/assets/cookieconsent.umd.js`";
        match self {
            PathError::Empty | PathError::Folder | PathError::Unreadable => {
                format!("give the path of the file: {PATHS}")
            }
            PathError::Character(_) => "rename the file (and its folders) with letters, digits, `-`, `_` and `.`, and separate folders with `/`".into(),
            PathError::Scheme(_) => format!("pages run only the banner's own files, from this site: give {PATHS}"),
            PathError::OtherHost(_) => "pages load nothing from another host: copy the file into the site's `static/` folder and give its path there, e.g. `cookieconsent/cookieconsent.umd.js` for `static/cookieconsent/cookieconsent.umd.js`".into(),
            PathError::FullAddress { path } => format!("write the path alone, `{path}`: the pages then load it from the host that serves them"),
            PathError::OutOfSite => "give a path inside the published folder, or a path from the root of the host that starts with `/`".into(),
        }
    }
}

/// The folder a relative path is resolved in: any address would do, as long as it has a
/// path to climb out of.
const SANDBOX: &str = "https://clause.invalid/published/";

/// Where a path of `[consent]` leads, as a browser reads it; `host` is the host of
/// `base_url`, to tell the site's own full addresses from another host's.
pub fn resolve(raw: &str, host: Option<&str>) -> Result<Target, PathError> {
    if raw.is_empty() {
        return Err(PathError::Empty);
    }
    // Browsers drop tabs and newlines from addresses, trim spaces, and read `\` as `/`:
    // what is written must be what is loaded.
    if let Some(c) = raw
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || *c == '\\')
    {
        return Err(PathError::Character(if c == '\\' {
            "a backslash"
        } else if c.is_whitespace() {
            "a space"
        } else {
            "a control character"
        }));
    }
    match Url::parse(raw) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {
            let other = u.host_str().unwrap_or_default().to_string();
            return Err(if host.is_some_and(|h| h == other) {
                PathError::FullAddress {
                    path: u[Position::BeforePath..].to_string(),
                }
            } else {
                PathError::OtherHost(other)
            });
        }
        Ok(u) => return Err(PathError::Scheme(u.scheme().to_string())),
        Err(url::ParseError::RelativeUrlWithoutBase) => {}
        // A scheme followed by something that is no address (`http://[x`).
        Err(_) => {
            let scheme = raw.split(':').next().unwrap_or(raw);
            return Err(PathError::Scheme(scheme.to_ascii_lowercase()));
        }
    }
    let sandbox = Url::parse(SANDBOX).map_err(|_| PathError::Empty)?;
    let joined = sandbox.join(raw).map_err(|_| {
        // `///cdn.example/x.js`, which the `url` crate refuses, is another host for
        // browsers.
        if raw.starts_with("//") {
            let host = raw.trim_start_matches('/').split(['/', '?', '#']).next();
            PathError::OtherHost(host.unwrap_or_default().to_string())
        } else {
            PathError::Unreadable
        }
    })?;
    if joined.origin() != sandbox.origin() {
        return Err(PathError::OtherHost(
            joined.host_str().unwrap_or_default().to_string(),
        ));
    }
    if joined.path().ends_with('/') {
        return Err(PathError::Folder);
    }
    let whole = &joined[Position::BeforePath..];
    if raw.starts_with('/') {
        return Ok(Target::Host(whole.to_string()));
    }
    let Some(href) = whole.strip_prefix(sandbox.path()) else {
        return Err(PathError::OutOfSite);
    };
    let file = joined
        .path()
        .strip_prefix(sandbox.path())
        .map(|p| {
            percent_encoding::percent_decode_str(p)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default();
    Ok(Target::Published {
        href: href.to_string(),
        file,
    })
}

fn read_path(
    r: &mut Reader,
    v: &Spanned<Val>,
    field: &str,
    host: Option<&str>,
) -> Result<SitePath, ErrorReported> {
    let s = decode::string(r, v, field)?;
    match resolve(&s.value, host) {
        Ok(target) => Ok(SitePath {
            written: s.value,
            span: s.span,
            target,
        }),
        Err(e) => Err(r.error(&s.span, format!("`{field}` {e}"), e.label(), e.help())),
    }
}

/// Warnings about a site's banner: a file of the published folder that the site does not
/// publish (`published`: the paths of its static files in the output folder, the theme's
/// included), and a consent cookie that the inventory does not declare.
pub fn check(
    consent: &Consent,
    published: &[String],
    inventory: &Inventory,
    config_file: FileId,
    revision: u32,
) -> Vec<Diagnostic> {
    let Some(banner) = &consent.banner else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let paths = [
        ("script", Some(&banner.script)),
        ("stylesheet", banner.stylesheet.as_ref()),
        ("config", banner.config.as_ref()),
    ];
    for (key, p) in paths {
        let Some(SitePath {
            span,
            written,
            target: Target::Published { file, .. },
        }) = p
        else {
            continue;
        };
        if published.iter().any(|x| x == file) {
            continue;
        }
        // `static/x.js` of the site is published as `x.js`: the commonest slip.
        let help = match file.strip_prefix("static/") {
            Some(inner) if published.iter().any(|x| x == inner) => format!(
                "the site's `static/` folder is published as the site's root: its `{file}` is at `{inner}`; write `{key} = \"{inner}\"`"
            ),
            _ => format!(
                "put the file at `static/{file}` in the site (its `static/` folder is published as the site's root), or correct the path"
            ),
        };
        out.push(
            Diagnostic::warning(format!(
                "`consent.{key}` `{written}` is not a file this site publishes"
            ))
            .at(
                config_file,
                span.clone(),
                "no such file in the site's `static/` folder",
            )
            .help(help),
        );
    }
    if let Some(d) = undeclared_cookie(
        banner.manager,
        inventory,
        Some((config_file, banner)),
        revision,
    ) {
        out.push(d);
    }
    out
}

/// A warning when the inventory declares no cookie named as `manager` keeps its visitors'
/// choice: the banner sets it on every visit where it is asked. `at`: the `[consent]`
/// that names this banner, if one does (the warning then points at its `manager`).
pub fn undeclared_cookie(
    manager: Manager,
    inventory: &Inventory,
    at: Option<(FileId, &Banner)>,
    revision: u32,
) -> Option<Diagnostic> {
    let name = manager.consent_cookie(revision);
    let name = name.as_str();
    if inventory
        .cookies
        .iter()
        .flat_map(|k| k.names.iter())
        .any(|n| n.matches(name))
    {
        return None;
    }
    let d = Diagnostic::warning(format!(
        "the inventory does not declare `{name}`, the cookie in which {} keeps the visitor's choice",
        manager.name()
    ));
    let d = match at {
        Some((file, b)) => d.at(
            file,
            b.manager_span.clone(),
            format!("this banner sets `{name}`"),
        ),
        None => d.in_file(crate::layout::INVENTORY),
    };
    Some(
        d.help(format!(
            "declare it in content/cookies.toml, in a category that needs no consent (it only remembers the choice), e.g. a [[cookies]] entry with names = [\"{}\"]",
            manager.consent_cookie_declared()
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn published(href: &str, file: &str) -> Result<Target, PathError> {
        Ok(Target::Published {
            href: href.into(),
            file: file.into(),
        })
    }

    #[test]
    fn paths_on_the_site_lead_where_a_browser_goes() {
        let host = Some("example.org");
        assert_eq!(
            resolve("cc/cookieconsent.umd.js", host),
            published("cc/cookieconsent.umd.js", "cc/cookieconsent.umd.js")
        );
        assert_eq!(
            resolve("./a/../b.js?v=2", host),
            published("b.js?v=2", "b.js")
        );
        assert_eq!(
            resolve("é<\"'&>.js", host),
            published("%C3%A9%3C%22'&%3E.js", "é<\"'&>.js")
        );
        assert_eq!(
            resolve("/assets/x.js", host),
            Ok(Target::Host("/assets/x.js".into()))
        );
        assert_eq!(resolve("/../x.js", host), Ok(Target::Host("/x.js".into())));
        assert_eq!(
            Target::Published {
                href: "a.js".into(),
                file: "a.js".into()
            }
            .href("../../"),
            "../../a.js"
        );
    }

    #[test]
    fn other_hosts_and_other_schemes_are_refused() {
        let host = Some("example.org");
        for (raw, expected) in [
            ("", PathError::Empty),
            (
                "javascript:alert(1)",
                PathError::Scheme("javascript".into()),
            ),
            (
                "JavaScript:alert(1)",
                PathError::Scheme("javascript".into()),
            ),
            (
                "data:text/javascript,alert(1)",
                PathError::Scheme("data".into()),
            ),
            ("vbscript:x", PathError::Scheme("vbscript".into())),
            ("file:///etc/passwd", PathError::Scheme("file".into())),
            ("c:/x.js", PathError::Scheme("c".into())),
            ("http://[x/y.js", PathError::Scheme("http".into())),
            (
                "https://cdn.example/x.js",
                PathError::OtherHost("cdn.example".into()),
            ),
            (
                "//cdn.example/x.js",
                PathError::OtherHost("cdn.example".into()),
            ),
            (
                "///cdn.example/x.js",
                PathError::OtherHost("cdn.example".into()),
            ),
            (
                "https://example.org/a/x.js?v=1",
                PathError::FullAddress {
                    path: "/a/x.js?v=1".into(),
                },
            ),
            ("java\tscript:alert(1)", PathError::Character("a space")),
            (
                "java\u{0}script:alert(1)",
                PathError::Character("a control character"),
            ),
            (" /x.js", PathError::Character("a space")),
            ("\\\\cdn.example\\x.js", PathError::Character("a backslash")),
            ("/\\cdn.example/x.js", PathError::Character("a backslash")),
            ("../x.js", PathError::OutOfSite),
            ("a/../../x.js", PathError::OutOfSite),
            ("%2e%2e/x.js", PathError::OutOfSite),
            ("cc/", PathError::Folder),
            (".", PathError::Folder),
            ("?v=1", PathError::Folder),
            ("#x", PathError::Folder),
        ] {
            assert_eq!(resolve(raw, host), Err(expected), "{raw:?}");
        }
    }
}
