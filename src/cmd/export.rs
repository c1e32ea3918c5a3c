//! `clause export`: the inventory in the form another tool reads, on stdout.

use std::io::Write;

use crate::cli::{ExportArgs, ExportFormat};
use crate::export;
use crate::input::Input;
use crate::site;
use crate::term::{usage_error, Exit, Term};

/// Runs the command.
pub fn run(args: &ExportArgs) -> Exit {
    let loaded = site::load(&Input::Disk(args.root.root.clone()));
    if loaded.sites.is_empty() {
        Term::new(args.messages.format()).site_failed(
            &loaded.sources,
            &loaded.diags,
            "the site has problems (above); fix them before exporting",
        );
        return Exit::Problems;
    }
    let site = match super::pick_site(loaded.sites, args.portal.as_deref()) {
        Ok(s) => s,
        Err((m, h)) => return usage_error(&m, &h),
    };
    let locales: Vec<String> = match &args.locale {
        Some(l) => {
            let found = site
                .config
                .locales
                .iter()
                .find(|x| x.eq_ignore_ascii_case(l));
            match found {
                Some(x) => vec![x.clone()],
                None => {
                    return usage_error(
                        &format!("`{l}` is not a locale of this site"),
                        &format!("the site's locales are {}", site.config.locales.join(", ")),
                    )
                }
            }
        }
        None => {
            // The default locale first: cookieconsent uses the first as its default.
            let mut v = vec![site.config.default_locale.clone()];
            v.extend(
                site.config
                    .locales
                    .iter()
                    .filter(|l| **l != site.config.default_locale)
                    .cloned(),
            );
            v
        }
    };
    let bytes = match args.format {
        ExportFormat::Json => export::json_for(&site, &locales).into_bytes(),
        ExportFormat::Csv => match site.theme.strings.get(&locales[0]) {
            Some(s) => export::csv(&site, s),
            None => Vec::new(),
        },
        ExportFormat::Klaro => export::klaro::config(&site, &locales).into_bytes(),
        ExportFormat::Cookieconsent => export::cookieconsent::config(&site, &locales).into_bytes(),
    };
    // A closed pipe (`clause export … | head`) is not an error.
    let _ = std::io::stdout().write_all(&bytes);
    Exit::Success
}
