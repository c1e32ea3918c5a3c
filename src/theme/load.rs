//! Reading the effective theme: the site's `themes/<name>/` files over the built-in ones,
//! its UI strings checked complete for every locale, its templates parsed once.

use std::collections::BTreeMap;

use super::{builtin_file, merge, template_diagnostic, Origin, Template, Theme, ThemeFile};
use crate::config::Config;
use crate::diagnostics::{Code, Diagnostic, ErrorReported};
use crate::i18n::{Layer, Strings};
use crate::input::Loader;
use crate::layout;

/// The theme's files: the site's `themes/<name>/` (its templates, static files and UI
/// strings; a folder link that loops is reported) over the built-in default's.
pub fn files(l: &mut Loader, config: &Config) -> Vec<ThemeFile> {
    let dir = layout::theme_dir(&config.theme);
    let mut site_files = Vec::new();
    if l.input.is_dir(&dir) {
        let files = l.walk_reporting_loops(&dir, "the theme's folder");
        for rel in files {
            let Some(inside) = rel.strip_prefix(&format!("{dir}/")).map(str::to_string) else {
                continue;
            };
            if !layout::THEME_PARTS.iter().any(|p| inside.starts_with(p)) {
                // A part folder given as one entry is a link the walk did not follow (out of
                // the site, or unresolvable): reading it reports where it leads.
                if layout::THEME_PARTS
                    .iter()
                    .any(|p| p.trim_end_matches('/') == inside)
                {
                    let _ = l.read_bytes(&rel, crate::input::DANGLING);
                }
                continue;
            }
            if let Ok(bytes) = l.read_bytes(&rel, crate::input::DANGLING) {
                site_files.push((inside, rel, bytes));
            }
        }
    } else if config.theme != "default" {
        let span = config.theme_span.clone().unwrap_or(0..0);
        l.diags.push(
            Diagnostic::error(
                Code::ThemeNotFound,
                format!("theme `{}` not found", config.theme),
            )
            .at(config.file, span, "no such folder in themes/")
            .help(format!(
                "create themes/{}/ or remove `theme` from site.toml to use the default theme",
                config.theme
            )),
        );
    }
    merge(site_files)
}

/// The theme made of `files`: UI strings for every locale of `config`, templates parsed.
/// `Err` when either has an error.
pub fn theme(l: &mut Loader, config: &Config, files: &[ThemeFile]) -> Result<Theme, ErrorReported> {
    let strings = strings(l, config, files);
    let (tera, templates) = templates(l, files);
    Ok(Theme {
        strings: strings?,
        tera: tera?,
        templates,
        statics: files
            .iter()
            .filter_map(|f| {
                f.path
                    .strip_prefix("static/")
                    .map(|p| (p.to_string(), f.bytes.clone()))
            })
            .collect(),
    })
}

fn strings(
    l: &mut Loader,
    config: &Config,
    files: &[ThemeFile],
) -> Result<BTreeMap<String, Strings>, ErrorReported> {
    let mut out = BTreeMap::new();
    let mut failed = Ok(());
    for (i, locale) in config.locales.iter().enumerate() {
        let path = layout::theme_strings(locale);
        let mut layers_src = Vec::new();
        if let Some(b) = builtin_file(&path) {
            layers_src.push((format!("<built-in default theme>/{path}"), b.to_vec()));
        }
        if let Some(f) = files
            .iter()
            .find(|f| f.path == path && f.origin != Origin::Builtin)
        {
            layers_src.push((f.display(), f.bytes.clone()));
        }
        let mut layers_text = Vec::new();
        for (name, bytes) in layers_src {
            match l.text(name, bytes) {
                Ok(t) => layers_text.push(t),
                Err(e) => failed = Err(e),
            }
        }
        let layers: Vec<Layer> = layers_text
            .iter()
            .map(|(id, text)| Layer { file: *id, text })
            .collect();
        match Strings::load(
            locale,
            &layers,
            (config.file, config.locale_spans[i].clone()),
            config.consent.banner.is_some(),
            &mut l.diags,
        ) {
            Ok(s) => {
                out.insert(locale.clone(), s);
            }
            Err(e) => failed = Err(e),
        }
    }
    failed.map(|()| out)
}

fn templates(
    l: &mut Loader,
    files: &[ThemeFile],
) -> (Result<tera::Tera, ErrorReported>, Vec<Template>) {
    let mut tera = tera::Tera::new();
    let mut templates = Vec::new();
    let mut raw = Vec::new();
    for f in files {
        let Some(name) = f.path.strip_prefix("templates/") else {
            continue;
        };
        let Ok((id, text)) = l.text(f.display(), f.bytes.clone()) else {
            continue;
        };
        templates.push(Template {
            name: name.to_string(),
            file: id,
        });
        raw.push((name.to_string(), text));
    }
    match tera.add_raw_templates(raw) {
        Ok(()) => (Ok(tera), templates),
        Err(e) => {
            let reported = l
                .diags
                .error(template_diagnostic(Code::TemplateSyntax, &e, &templates));
            (Err(reported), templates)
        }
    }
}
