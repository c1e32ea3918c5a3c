//! `clause scan`: record a live site in headless Chromium (see [`crate::scan`]), then audit
//! the recordings exactly as `clause audit` does, pass 1 as the before-consent one.

use std::cell::RefCell;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::args::{AuditArgs, AuditFormat, ScanArgs, DEFAULT_TOLERANCE};
use crate::escape::terminal::show;
use crate::scan::crawl::Scope;
use crate::scan::{self, Accept, Options, Pass, Progress};
use crate::term::{status, usage_error, Exit, Term};
use crate::text;

/// Runs the command.
pub fn run(args: &ScanArgs) -> Exit {
    let start = match url::Url::parse(args.url.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => u,
        Ok(u) => {
            return usage_error(
                &format!(
                    "`{}` is a `{}:` address; only http and https pages can be scanned",
                    args.url,
                    u.scheme()
                ),
                "give the site's address, e.g. `clause scan https://www.example.org/`",
            )
        }
        Err(e) => return usage_error(
            &format!("`{}` is not an address: {e}", args.url),
            "give the site's address with its scheme, e.g. `clause scan https://www.example.org/`",
        ),
    };
    let accept: Accept = match args.accept.parse() {
        Ok(a) => a,
        Err(e) => {
            return usage_error(
                &e,
                "for example `--accept auto` or `--accept 'selector:#accept-all'`",
            )
        }
    };
    if args.pages == 0 {
        return usage_error(
            "--pages 0 would visit nothing",
            "give at least 1 (the start page alone)",
        );
    }
    if args.timeout == 0 {
        return usage_error(
            "--timeout 0 would skip every page",
            "give a number of seconds, e.g. --timeout 30",
        );
    }
    // The site first: a broken inventory is reported before a minute of browsing.
    let term = Term::new(args.messages.format());
    let portal = args.portal.as_deref();
    // The same words as `clause audit`'s: the scan ends in its audit.
    let site = match super::site_for(&args.root.root, portal, &term, "auditing", Exit::Usage) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let site_host = start.host_str().unwrap_or_default().to_string();
    // Without --save the evidence goes to a temporary folder, deleted at the end, and the
    // report names the files alone.
    let temp = match &args.save {
        Some(_) => None,
        None => match tempfile::Builder::new().prefix("clause-scan-").tempdir() {
            Ok(t) => Some(t),
            Err(e) => {
                return usage_error(
                    &format!("cannot create a temporary folder: {e}"),
                    "check that TMPDIR names a folder you can write to",
                )
            }
        },
    };
    let out_dir = match (&args.save, &temp) {
        (Some(dir), _) => dir.clone(),
        (None, Some(t)) => t.path().to_path_buf(),
        (None, None) => PathBuf::from("."),
    };
    let opts = Options {
        start,
        pages: args.pages,
        scope: if args.follow_off_site {
            Scope::Anywhere
        } else {
            Scope::SameSite
        },
        accept,
        wait: Duration::from_millis(args.wait),
        timeout: Duration::from_secs(args.timeout),
        browser: args.browser.clone(),
        out_dir: out_dir.clone(),
    };
    let progress = Bar::new();
    let outcome = match scan::run(&opts, &progress) {
        Ok(o) => o,
        Err(e) => {
            progress.clear();
            let exit = usage_error(&e.to_string(), e.help());
            return if e.interrupted() {
                Exit::Interrupted
            } else {
                exit
            };
        }
    };
    progress.clear();
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
    status(&summary(&outcome, &opts));
    if args.save.is_some() {
        status(&format!(
            "evidence kept in {}",
            show(&out_dir.display().to_string())
        ));
        if let Some(cmd) = again(&audit, &site_host) {
            status(&format!("audit it again with:\n  {}", show(&cmd)));
        }
    }
    let in_temp = |p: &Path| -> String {
        match &temp {
            Some(t) if p.starts_with(t.path()) => p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            _ => p.display().to_string(),
        }
    };
    super::audit::audit_files(&site, site_host, &audit, &in_temp)
}

/// "scanned 4 pages (pass 1 before consent; pass 2 after accepting with cookieconsent)".
fn summary(o: &scan::Outcome, opts: &Options) -> String {
    let pages = text::count(o.visited.len(), "page", "pages");
    let skipped = if o.skipped.is_empty() {
        String::new()
    } else {
        format!(", {} skipped", o.skipped.len())
    };
    let second = match (&o.accepted_with, &opts.accept) {
        (Some(how), _) => format!("pass 2 after accepting with {how}"),
        (None, Accept::None) => "no pass 2 (--accept none)".into(),
        (None, _) => "no pass 2: no banner to accept".into(),
    };
    format!("scanned {pages}{skipped} (pass 1 before consent; {second})")
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

/// Progress on a terminal: a bar per pass; elsewhere, notes and a line per pass.
struct Bar {
    terminal: bool,
    bar: RefCell<Option<indicatif::ProgressBar>>,
}

impl Bar {
    fn new() -> Self {
        Bar {
            terminal: std::io::stderr().is_terminal(),
            bar: RefCell::new(None),
        }
    }

    fn clear(&self) {
        if let Some(b) = self.bar.borrow_mut().take() {
            b.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn pass(&self, pass: Pass, expected: usize) {
        self.clear();
        if !self.terminal {
            return;
        }
        let bar = indicatif::ProgressBar::new(expected as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{prefix} [{bar:24}] {pos}/{len} {wide_msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(pass.title());
        *self.bar.borrow_mut() = Some(bar);
    }

    fn page(&self, url: &url::Url, done: usize, expected: usize) {
        if let Some(b) = self.bar.borrow().as_ref() {
            b.set_length(expected as u64);
            b.set_position(done as u64);
            b.set_message(show(url.as_str()).into_owned());
        }
    }

    fn note(&self, line: &str) {
        match self.bar.borrow().as_ref() {
            Some(b) => b.suspend(|| status(line)),
            None => status(line),
        }
    }

    fn pass_done(&self, pass: Pass, pages: usize) {
        self.clear();
        status(&format!(
            "{}: {} recorded",
            pass.title(),
            text::count(pages, "page", "pages")
        ));
    }
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
