//! `clause audit`: compare the inventory with recorded cookies. Exit status 0 when clean,
//! 1 when a cookie is undeclared or set without consent, 2 on bad input.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::args::{AuditArgs, AuditFormat};
use crate::audit::{self, report, Options};
use crate::escape::terminal::show;
use crate::site::Site;
use crate::term::{status, usage_error, Exit, Term};
use crate::text;

/// Runs the command.
pub fn run(args: &AuditArgs) -> Exit {
    if args.files.is_empty() && args.before_consent.is_empty() {
        return usage_error(
            "no recording to audit",
            "give at least one HAR, cookies.txt or storageState file, e.g. `clause audit site.har`",
        );
    }
    let term = Term::new(args.messages.format());
    let portal = args.portal.as_deref();
    let site = match super::site_for(&args.root.root, portal, &term, "auditing", Exit::Usage) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let site_host = match &args.site {
        Some(h) => h.clone(),
        None => audit::host_of(&site.config.base_url),
    };
    audit_files(&site, site_host, args, &|p| p.display().to_string())
}

/// Audits the recordings of `args` (`files`, and `before_consent` ones) against the site's
/// inventory, prints the report and writes the stubs, and returns the exit status.
/// `display` names each file in the report. `clause scan` ends here too.
pub fn audit_files(
    site: &Site,
    site_host: String,
    args: &AuditArgs,
    display: &dyn Fn(&Path) -> String,
) -> Exit {
    let mut inputs: Vec<(PathBuf, bool)> = args.files.iter().map(|f| (f.clone(), false)).collect();
    inputs.extend(args.before_consent.iter().map(|f| (f.clone(), true)));
    let opts = Options {
        site_host,
        tolerance_percent: args.report.tolerance,
    };
    let known = args.report.known.as_deref();
    let r = match audit::audit_recordings(&site.inventory, &inputs, known, &opts, display) {
        Ok(r) => r,
        Err(e) => return usage_error(&e.to_string(), e.help()),
    };
    let text = match args.report.format {
        AuditFormat::Text => report::text(&r),
        AuditFormat::Json => report::json(&r),
        AuditFormat::Markdown => report::markdown(&r),
    };
    // A closed pipe (`clause audit … | head`) is not an error.
    let _ = std::io::stdout().write_all(text.as_bytes());
    if let Some(path) = &args.report.write_stubs {
        if let Err(e) = std::fs::write(path, report::stubs(&r)) {
            return usage_error(
                &format!("cannot write `{}`: {e}", path.display()),
                "choose a file in a folder you can write to",
            );
        }
        status(&format!(
            "wrote {} stub {} to {}",
            r.undeclared.len(),
            text::plural(r.undeclared.len(), "entry", "entries"),
            show(&path.display().to_string())
        ));
    }
    if r.failed() || (args.report.strict && r.any()) {
        Exit::Problems
    } else {
        Exit::Success
    }
}
