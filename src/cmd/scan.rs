//! `clause scan`: record a live site in headless Chromium (see [`crate::scan`]), then audit
//! the recordings exactly as `clause audit` does, pass 1 as the before-consent one.

use std::path::{Path, PathBuf};

use super::args::{AuditArgs, AuditFormat, ScanArgs, DEFAULT_TOLERANCE};
use crate::escape::terminal::show;
use crate::scan::{self, EvidenceFolder, Options, Request};
use crate::term::{status, usage_error, Exit, ScanProgress, Term};

/// Runs the command.
pub fn run(args: &ScanArgs) -> Exit {
    let request = Request {
        url: &args.url,
        accept: &args.accept,
        pages: args.pages,
        timeout_secs: args.timeout,
        wait_ms: args.wait,
        follow_off_site: args.follow_off_site,
        browser: args.browser.clone(),
    };
    // Checked before the site is read; the folder is set once it exists.
    let mut opts = match Options::from_request(&request, PathBuf::new()) {
        Ok(o) => o,
        Err(e) => return usage_error(&e.to_string(), e.help()),
    };
    // The site first: a broken inventory is reported before a minute of browsing.
    let term = Term::new(args.messages.format());
    let portal = args.portal.as_deref();
    // The same words as `clause audit`'s: the scan ends in its audit.
    let site = match super::site_for(&args.root.root, portal, &term, "auditing", Exit::Usage) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let site_host = opts.start.host_str().unwrap_or_default().to_string();
    let evidence = match EvidenceFolder::new(args.save.as_deref()) {
        Ok(f) => f,
        Err(e) => {
            return usage_error(
                &format!("cannot create a temporary folder: {e}"),
                "check that TMPDIR names a folder you can write to",
            )
        }
    };
    opts.out_dir = evidence.dir().to_path_buf();
    let progress = ScanProgress::new();
    let outcome = scan::run(&opts, &progress);
    progress.clear();
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            let exit = usage_error(&e.to_string(), e.help());
            return if e.interrupted() {
                Exit::Interrupted
            } else {
                exit
            };
        }
    };
    let mut audit = AuditArgs {
        root: args.root.clone(),
        site: Some(site_host.clone()),
        before_consent: vec![outcome.before.har.clone(), outcome.before.state.clone()],
        files: Vec::new(),
        report: args.report.clone(),
        portal: args.portal.clone(),
        messages: args.messages.clone(),
    };
    if let Some(after) = &outcome.after {
        audit.files = vec![after.har.clone(), after.state.clone()];
    }
    status(&outcome.summary(&opts.accept));
    if evidence.kept() {
        status(&format!(
            "evidence kept in {}",
            show(&evidence.dir().display().to_string())
        ));
        if let Some(cmd) = again(&audit, &site_host) {
            status(&format!("audit it again with:\n  {}", show(&cmd)));
        }
    }
    super::audit::audit_files(&site, site_host, &audit, &|p| evidence.name(p))
}

/// The `clause audit` command that gives the same report from the saved files, each word
/// quoted for a POSIX shell (`None` for a word no shell can hold: a NUL).
fn again(a: &AuditArgs, host: &str) -> Option<String> {
    let mut words: Vec<String> = vec![
        "clause".into(),
        "audit".into(),
        "--site".into(),
        host.into(),
    ];
    if a.root.root != Path::new(".") {
        words.push("--root".into());
        words.push(a.root.root.to_string_lossy().into_owned());
    }
    if let Some(p) = &a.portal {
        words.push("--portal".into());
        words.push(p.clone());
    }
    for f in &a.before_consent {
        words.push("--before-consent".into());
        words.push(f.to_string_lossy().into_owned());
    }
    // The report's own options, so that the report is the same one (not `--write-stubs`:
    // running it again would overwrite the stubs the scan wrote).
    let r = &a.report;
    if let Some(name) = clap::ValueEnum::to_possible_value(&r.format) {
        if r.format != AuditFormat::Text {
            words.push("--format".into());
            words.push(name.get_name().into());
        }
    }
    if let Some(k) = &r.known {
        words.push("--known".into());
        words.push(k.to_string_lossy().into_owned());
    }
    if r.tolerance != DEFAULT_TOLERANCE {
        words.push("--tolerance".into());
        words.push(r.tolerance.to_string());
    }
    if r.strict {
        words.push("--strict".into());
    }
    words.extend(a.files.iter().map(|f| f.to_string_lossy().into_owned()));
    shlex::try_join(words.iter().map(String::as_str)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::args::{AuditFormat, MessageFormat, MessagesArg, ReportArgs, RootArg};

    /// The command a scan prints, run by `sh`: each hostile path and name comes back as
    /// one word, unchanged, and nothing in them runs.
    #[test]
    fn the_audit_command_survives_a_shell() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pwned = dir.path().join("pwned");
        let hostile = [
            "evidence dir",
            "it's",
            "$(touch PWNED)",
            "`touch PWNED`",
            "*",
            "a;touch PWNED",
            "new\nline",
            "--strict",
            "é ü",
            "!x",
        ];
        for h in hostile {
            let h = h.replace("PWNED", &pwned.to_string_lossy());
            let args = AuditArgs {
                root: RootArg {
                    root: PathBuf::from(&h),
                },
                site: None,
                before_consent: vec![PathBuf::from(&h).join("before-consent.har")],
                files: vec![PathBuf::from(&h).join("after-consent.har")],
                report: ReportArgs {
                    format: AuditFormat::Text,
                    write_stubs: None,
                    known: None,
                    tolerance: 10,
                    strict: false,
                },
                portal: Some(h.clone()),
                messages: MessagesArg {
                    message_format: MessageFormat::Human,
                },
            };
            let cmd = again(&args, "[::1]").expect("quoted");
            // `clause` is a shell function here, printing its arguments one per NUL.
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("clause() {{ printf '%s\\0' \"$@\"; }}; {cmd}"))
                .current_dir(dir.path())
                .output()
                .expect("sh runs");
            assert!(out.status.success(), "{cmd}");
            let words: Vec<String> = String::from_utf8_lossy(&out.stdout)
                .split_terminator('\0')
                .map(str::to_string)
                .collect();
            let expected = [
                "audit".to_string(),
                "--site".into(),
                "[::1]".into(),
                "--root".into(),
                h.clone(),
                "--portal".into(),
                h.clone(),
                "--before-consent".into(),
                format!("{h}/before-consent.har"),
                format!("{h}/after-consent.har"),
            ];
            assert_eq!(words, expected, "{cmd}");
            assert!(!pwned.exists(), "{cmd} ran something");
        }
    }
    /// The command gives the same report: the report's options the scan was given come
    /// with it, and `--write-stubs` does not (it would overwrite the scan's stubs).
    #[test]
    fn the_audit_command_keeps_the_report_options() {
        let args = AuditArgs {
            root: RootArg {
                root: PathBuf::from("."),
            },
            site: None,
            before_consent: Vec::new(),
            files: vec![PathBuf::from("after.har")],
            report: ReportArgs {
                format: AuditFormat::Markdown,
                write_stubs: Some(PathBuf::from("stubs.toml")),
                known: Some(PathBuf::from("open cookies.csv")),
                tolerance: 25,
                strict: true,
            },
            portal: None,
            messages: MessagesArg {
                message_format: MessageFormat::Human,
            },
        };
        assert_eq!(
            again(&args, "example.org").as_deref(),
            Some(
                "clause audit --site example.org --format markdown --known 'open cookies.csv' --tolerance 25 --strict after.har"
            )
        );
    }
}
