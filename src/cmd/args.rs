//! The arguments of every command (clap's derive): the commands take them from here, and
//! `cli` assembles them into the command line.

use std::path::PathBuf;

use clap::ValueEnum;

use crate::diagnostics::Format;
use crate::term;

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// Readable text with the source line and a caret.
    Human,
    /// One JSON object per line, for CI annotations.
    Json,
}

/// `--root`, shared by every command that reads a site.
#[derive(Debug, Clone, clap::Args)]
pub struct RootArg {
    /// The site's folder (the one holding site.toml).
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub root: PathBuf,
}

/// `--message-format`, shared by every command that may print a site's problems.
#[derive(Debug, Clone, clap::Args)]
pub struct MessagesArg {
    /// How to print problems.
    #[arg(long, value_enum, default_value = "human", value_name = "FORMAT")]
    pub message_format: MessageFormat,
}

impl MessagesArg {
    /// The diagnostics format asked for.
    pub fn format(&self) -> Format {
        term::format(self.message_format == MessageFormat::Json)
    }
}

/// Options shared by the commands that build a site.
#[derive(Debug, Clone, clap::Args)]
pub struct SiteArgs {
    /// The site's folder.
    #[command(flatten)]
    pub root: RootArg,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
    /// How to print problems.
    #[command(flatten)]
    pub messages: MessagesArg,
    /// Threads to render with [default: one per core].
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Build the documents marked `draft = true` too (with a "draft" mark).
    #[arg(long)]
    pub drafts: bool,
}

/// Options of `clause build`.
#[derive(Debug, Clone, clap::Args)]
pub struct BuildArgs {
    /// Site options.
    #[command(flatten)]
    pub site: SiteArgs,
    /// Where to write the site [default: <root>/output].
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
}

/// Options of `clause init`.
#[derive(Debug, Clone, clap::Args)]
pub struct InitArgs {
    /// Folder to create (must not exist, or be empty).
    pub dir: PathBuf,
}

/// Report formats of `clause audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// Readable text, grouped by problem.
    Text,
    /// JSON.
    Json,
    /// Markdown, for a pull-request comment.
    Markdown,
}

/// The default of `--tolerance`.
pub const DEFAULT_TOLERANCE: u32 = 10;

/// The report options `clause audit` and `clause scan` share (scan ends in the audit).
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// Report format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: AuditFormat,
    /// Write [[cookies]] entries for the undeclared cookies to this file.
    #[arg(long, value_name = "FILE")]
    pub write_stubs: Option<PathBuf>,
    /// A CSV in the Open Cookie Database's layout, to propose what undeclared cookies are.
    #[arg(long, value_name = "FILE")]
    pub known: Option<PathBuf>,
    /// How much longer than declared a lifetime may be, in percent.
    #[arg(long, default_value_t = DEFAULT_TOLERANCE, value_name = "PERCENT")]
    pub tolerance: u32,
    /// Also fail (exit 1) on lifetime and party mismatches and unseen cookies.
    #[arg(long)]
    pub strict: bool,
}

/// Options of `clause audit`.
#[derive(Debug, Clone, clap::Args)]
pub struct AuditArgs {
    /// The site's folder.
    #[command(flatten)]
    pub root: RootArg,
    /// Host of the first-party site [default: the host of base_url].
    #[arg(long, value_name = "HOST")]
    pub site: Option<String>,
    /// A recording made before the visitor consented to anything (may be repeated).
    #[arg(long, value_name = "FILE")]
    pub before_consent: Vec<PathBuf>,
    /// Recordings: HAR 1.2 files, Netscape cookies.txt files, Playwright storageState JSON.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// What the report holds and how it is written.
    #[command(flatten)]
    pub report: ReportArgs,
    /// On a platform, the portal whose inventory the recordings are compared with.
    #[arg(long, value_name = "ID")]
    pub portal: Option<String>,
    /// How to print the site's problems.
    #[command(flatten)]
    pub messages: MessagesArg,
}

/// Options of `clause scan`.
#[derive(Debug, Clone, clap::Args)]
pub struct ScanArgs {
    /// The first page to visit (http or https).
    #[arg(value_name = "URL")]
    pub url: String,
    /// The site's folder.
    #[command(flatten)]
    pub root: RootArg,
    /// On a platform, the portal whose inventory the scan is compared with.
    #[arg(long, value_name = "ID")]
    pub portal: Option<String>,
    /// At most this many pages per pass.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub pages: usize,
    /// Visit pages of the start address's site only (the default).
    #[arg(long, conflicts_with = "follow_off_site")]
    pub same_site_only: bool,
    /// Also visit pages of other sites that the site links to.
    #[arg(long)]
    pub follow_off_site: bool,
    /// How pass 2 gives consent: auto, cookieconsent, klaro, selector:CSS or none.
    #[arg(long, default_value = "auto", value_name = "HOW")]
    pub accept: String,
    /// Extra milliseconds on each page once it has loaded.
    #[arg(long, default_value_t = 2000, value_name = "MS")]
    pub wait: u64,
    /// Seconds a page may take to load before it is skipped.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub timeout: u64,
    /// The browser to run [default: chromium in PATH].
    #[arg(long, value_name = "PATH")]
    pub browser: Option<PathBuf>,
    /// Keep the evidence in this folder: a HAR, a storageState and a screenshot per pass.
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,
    /// What the report holds and how it is written.
    #[command(flatten)]
    pub report: ReportArgs,
    /// How to print the site's problems.
    #[command(flatten)]
    pub messages: MessagesArg,
}

/// Options of `clause serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// The site's folder.
    #[command(flatten)]
    pub root: RootArg,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 1111, value_name = "N")]
    pub port: u16,
    /// Open the site in the default browser.
    #[arg(long)]
    pub open: bool,
}

/// Report formats of `clause diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Readable text.
    Text,
    /// Markdown, for a pull-request comment.
    Markdown,
    /// JSON.
    Json,
}

/// Options of `clause diff`.
#[derive(Debug, Clone, clap::Args)]
pub struct DiffArgs {
    /// The site's folder: its site.toml gives the locales, --since reads its git repository.
    #[command(flatten)]
    pub root: RootArg,
    /// Compare content/cookies.toml at this git revision with the working tree.
    #[arg(long, value_name = "REVISION")]
    pub since: Option<String>,
    /// Report format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: DiffFormat,
    /// The old and the new inventory files.
    #[arg(value_name = "FILE", num_args = 0..=2)]
    pub files: Vec<PathBuf>,
    /// How to print the inventories' problems.
    #[command(flatten)]
    pub messages: MessagesArg,
}

/// Formats of `clause export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// Klaro's configuration (JSON for `klaro.setup`).
    Klaro,
    /// orestbida cookieconsent v3's configuration (an ES module for `CookieConsent.run`).
    Cookieconsent,
    /// The inventory with every field (the format of output/cookies.json).
    Json,
    /// One row per cookie name, in one locale (the format of output/<locale>/cookies.csv).
    Csv,
}

/// Options of `clause export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// The site's folder.
    #[command(flatten)]
    pub root: RootArg,
    /// What to print.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: ExportFormat,
    /// Only this locale's texts [default: every locale; for csv, the default locale].
    #[arg(long, value_name = "LOCALE")]
    pub locale: Option<String>,
    /// On a platform, the portal whose inventory to print.
    #[arg(long, value_name = "ID")]
    pub portal: Option<String>,
    /// How to print the site's problems.
    #[command(flatten)]
    pub messages: MessagesArg,
}
