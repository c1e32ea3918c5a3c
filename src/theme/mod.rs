//! Themes: templates, static files and UI strings, looked up in the site's
//! `themes/<name>/` folder first, then in the default theme compiled into the binary
//! (mdBook-style: any file of the site's theme replaces its built-in twin). The theme as
//! rendering sees it is [`Theme`]; reading and checking it is [`load`].

pub mod load;

use std::collections::BTreeMap;

use crate::diagnostics::{Diagnostic, FileId};
use crate::i18n::Strings;

macro_rules! builtin {
    ($($path:literal),* $(,)?) => {
        /// The default theme's files, compiled in so that a site without `themes/` builds.
        pub const BUILTIN: &[(&str, &[u8])] = &[
            $(($path, include_bytes!(concat!("../../themes/default/", $path)))),*
        ];
    };
}

builtin!(
    "templates/base.html",
    "templates/page.html",
    "templates/index.html",
    "templates/versions.html",
    "templates/sitemap.xml",
    "templates/partials/cookies.html",
    "templates/partials/definitions.html",
    "templates/partials/controller.html",
    "templates/partials/transfers.html",
    "templates/partials/consent.html",
    "static/style.css",
    "static/consent.js",
    "i18n/en.toml",
    "i18n/fr.toml",
    "i18n/de.toml",
    "i18n/es.toml",
    "i18n/it.toml",
    "i18n/nl.toml",
);

/// A built-in file of the default theme, by its path inside the theme.
pub fn builtin_file(path: &str) -> Option<&'static [u8]> {
    BUILTIN.iter().find(|(p, _)| *p == path).map(|(_, b)| *b)
}

/// Where a theme file came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The site's own `themes/<name>/` folder (path relative to the site root).
    Site(String),
    /// Compiled into Clause.
    Builtin,
}

/// One file of the effective theme.
#[derive(Debug, Clone)]
pub struct ThemeFile {
    /// Path inside the theme, with `/` separators (e.g. `templates/page.html`).
    pub path: String,
    /// Contents.
    pub bytes: Vec<u8>,
    /// Where it came from.
    pub origin: Origin,
}

impl ThemeFile {
    /// The path to show in diagnostics.
    pub fn display(&self) -> String {
        match &self.origin {
            Origin::Site(p) => p.clone(),
            Origin::Builtin => format!("<built-in default theme>/{}", self.path),
        }
    }
}

/// Merges the built-in files with those of the site's theme folder (which win): a named
/// theme still falls back to the built-in default for the files it does not provide.
/// `site_files` are (path inside the theme, path in the site, bytes), read by the loader.
pub fn merge(site_files: Vec<(String, String, Vec<u8>)>) -> Vec<ThemeFile> {
    let mut files: Vec<ThemeFile> = BUILTIN
        .iter()
        .map(|(p, b)| ThemeFile {
            path: (*p).to_string(),
            bytes: b.to_vec(),
            origin: Origin::Builtin,
        })
        .collect();
    for (path, file, bytes) in site_files {
        let f = ThemeFile {
            path,
            bytes,
            origin: Origin::Site(file),
        };
        match files.iter_mut().find(|x| x.path == f.path) {
            Some(slot) => *slot = f,
            None => files.push(f),
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// A template of the effective theme, parsed.
#[derive(Debug)]
pub struct Template {
    /// Name used by Tera (its path under `templates/`).
    pub name: String,
    /// Its file, for diagnostics.
    pub file: FileId,
}

/// The theme, parsed once and shared by every portal.
pub struct Theme {
    /// UI strings per locale.
    pub strings: BTreeMap<String, Strings>,
    /// Parsed templates.
    pub tera: tera::Tera,
    /// The template files, to map render errors back to them.
    pub templates: Vec<Template>,
    /// Static files to copy to `output/static/`, path inside `static/` and bytes.
    pub statics: Vec<(String, Vec<u8>)>,
}

impl Theme {
    /// A rendering error of a template, pointing into its file.
    pub fn diagnostic(&self, e: &tera::Error) -> Diagnostic {
        template_diagnostic(e, &self.templates)
    }
}

/// Turns a Tera error into a diagnostic pointing into the template file.
pub fn template_diagnostic(e: &tera::Error, templates: &[Template]) -> Diagnostic {
    use tera::ErrorKind;
    match e.kind() {
        ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
            let kind = if matches!(e.kind(), ErrorKind::SyntaxError(_)) {
                "template syntax error"
            } else {
                "template error"
            };
            let d = Diagnostic::error(format!("{kind}: {}", report.message()));
            match templates.iter().find(|t| t.name == report.filename()) {
                Some(t) => d
                    .at(t.file, report.span().range.clone(), report.message())
                    .help("see the Tera documentation for template syntax; remove the site's copy of this template to use the built-in one"),
                None => d.help("check the theme's templates"),
            }
        }
        other => Diagnostic::error(format!("template error: {other}"))
            .help("check the theme's templates; remove the site's copy of a template to use the built-in one"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_files_replace_their_builtin_twin() {
        let files = merge(vec![(
            "static/style.css".into(),
            "themes/default/static/style.css".into(),
            b"body{}".to_vec(),
        )]);
        let css = files
            .iter()
            .find(|f| f.path == "static/style.css")
            .expect("present");
        assert_eq!(css.bytes, b"body{}");
        assert!(files
            .iter()
            .any(|f| f.path == "templates/page.html" && f.origin == Origin::Builtin));
    }
}
