//! The terminal, for every command: exit statuses, the human/JSON format rule, status lines,
//! usage errors and diagnostics. Everything goes to stderr (stdout stays clean for pipes),
//! and a closed stderr is not an error worth dying for.
//!
//! The rule: with `--message-format json` every problem is one JSON object per line (a
//! diagnostic, or `{"severity", "message", "help"}` for a problem outside the site's
//! files) and the summaries meant for people are left out; otherwise problems read like
//! rustc's, coloured only on a terminal and never with `NO_COLOR` set.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use crate::diagnostics::{self, Diagnostics, Format, Sources};
use crate::escape::terminal::{show, show_lines};

/// How a command ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// It did what was asked (`clause diff`: nothing changed).
    Success = 0,
    /// The site has problems the user must fix (nothing was written), or the report found
    /// something (`clause audit`, `clause diff`).
    Problems = 1,
    /// A wrong command line (clap's own status) or a failure outside the site.
    Usage = 2,
    /// Stopped by Ctrl-C or SIGTERM (`clause scan`): 128 + SIGINT, as shells report it.
    Interrupted = 130,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// The diagnostics format: JSON when asked, else readable text, coloured only on a
/// terminal and never with `NO_COLOR` set.
pub fn format(json: bool) -> Format {
    if json {
        Format::Json
    } else if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        Format::HumanColor
    } else {
        Format::Human
    }
}

/// Writes text to stderr as it is.
fn write(text: &str) {
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// Prints a status line to stderr. Control characters other than its own line breaks are
/// shown escaped; values that may hold a line break (paths, names) must go through
/// [`show`] first.
pub fn status(line: &str) {
    let _ = writeln!(std::io::stderr(), "{}", show_lines(line));
}

/// Prints a problem with the command line or outside the site (a file that cannot be read,
/// a port in use), with what to do about it, and returns the usage exit status. Both are
/// shown on one line each, control characters escaped.
pub fn usage_error(message: &str, help: &str) -> Exit {
    status(&format!(
        "error: {}\n  = help: {}",
        show(message),
        show(help)
    ));
    Exit::Usage
}

/// Where a command prints, in the format the user chose.
#[derive(Debug, Clone, Copy)]
pub struct Term {
    format: Format,
}

impl Term {
    /// Prints in `format`.
    pub fn new(format: Format) -> Term {
        Term { format }
    }

    /// The diagnostics format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Whether problems are printed as JSON lines.
    pub fn json(&self) -> bool {
        self.format == Format::Json
    }

    /// Prints diagnostics, with the human summary line.
    pub fn diagnostics(&self, sources: &Sources, diags: &Diagnostics) {
        write(&diagnostics::report(sources, diags, self.format));
    }

    /// Prints diagnostics, the human summary line ending with `aftermath` when there are
    /// errors (see [`diagnostics::report_then`]).
    pub fn diagnostics_then(&self, sources: &Sources, diags: &Diagnostics, aftermath: &str) {
        write(&diagnostics::report_then(
            sources,
            diags,
            self.format,
            aftermath,
        ));
    }

    /// A line meant for people (a summary, progress): left out of JSON output.
    pub fn note(&self, line: &str) {
        if !self.json() {
            status(line);
        }
    }

    /// A problem outside the site's files, with how to fix it; `after` is a human line
    /// that follows (what became of the output).
    pub fn error(&self, message: &str, help: &str, after: Option<&str>) {
        self.problem("error", message, help, after);
    }

    /// A warning outside the site's files (the output folder's contents), with its help.
    pub fn warning(&self, message: &str, help: &str) {
        self.problem("warning", message, help, None);
    }

    fn problem(&self, severity: &str, message: &str, help: &str, after: Option<&str>) {
        if self.json() {
            status(&crate::escape::terminal::json(
                serde_json::json!({"severity": severity, "message": message, "help": help})
                    .to_string(),
            ));
            return;
        }
        // Messages quote file names and values: a newline in one must not fake a line.
        let mut text = format!("{severity}: {}\n  = help: {help}", show(message));
        if let Some(after) = after {
            text.push('\n');
            text.push_str(after);
        }
        status(&text);
    }

    /// The site did not load: its problems, then why the command cannot go on.
    pub fn site_failed(&self, sources: &Sources, diags: &Diagnostics, why: &str) {
        self.diagnostics(sources, diags);
        if self.json() {
            status(&crate::escape::terminal::json(
                serde_json::json!({"severity": "error", "message": why}).to_string(),
            ));
        } else {
            status(&format!("error: {why}"));
        }
    }
}

/// A scan's progress on a terminal: a bar per pass; elsewhere, notes and a line per pass.
#[cfg(feature = "scan")]
pub struct ScanProgress {
    terminal: bool,
    bar: std::cell::RefCell<Option<indicatif::ProgressBar>>,
}

#[cfg(feature = "scan")]
impl ScanProgress {
    /// A bar when stderr is a terminal.
    pub fn new() -> Self {
        ScanProgress {
            terminal: std::io::stderr().is_terminal(),
            bar: std::cell::RefCell::new(None),
        }
    }

    /// Takes the bar off the screen, before a message is printed.
    pub fn clear(&self) {
        if let Some(b) = self.bar.borrow_mut().take() {
            b.finish_and_clear();
        }
    }
}

#[cfg(feature = "scan")]
impl Default for ScanProgress {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "scan")]
impl crate::scan::Progress for ScanProgress {
    fn pass(&self, pass: crate::scan::Pass, expected: usize) {
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

    fn pass_done(&self, pass: crate::scan::Pass, pages: usize) {
        self.clear();
        status(&format!(
            "{}: {} recorded",
            pass.title(),
            crate::text::count(pages, "page", "pages")
        ));
    }
}

/// A progress bar for long builds, on a terminal only, and never among JSON lines.
pub struct BuildProgress {
    shown: bool,
    bar: std::sync::OnceLock<indicatif::ProgressBar>,
}

impl BuildProgress {
    /// Shown only on a terminal, and never with `--message-format json`.
    pub fn new(term: &Term) -> BuildProgress {
        BuildProgress {
            shown: std::io::stderr().is_terminal() && !term.json(),
            bar: std::sync::OnceLock::new(),
        }
    }
}

impl crate::build::Progress for BuildProgress {
    fn start(&self, sites: usize, pages: usize) {
        if self.shown && pages > 300 {
            let _ = self.bar.set(indicatif::ProgressBar::new(sites as u64));
        }
    }

    fn site_done(&self) {
        if let Some(b) = self.bar.get() {
            b.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(b) = self.bar.get() {
            b.finish_and_clear();
        }
    }
}
