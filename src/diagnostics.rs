//! Compiler-style diagnostics: every problem a user can cause, with its file, span and a help line.
//!
//! Loading and validation never stop at the first problem: they push into a [`Diagnostics`]
//! list so that one run reports everything, the way rustc does.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{self, Files};
use codespan_reporting::term;
use serde::Serialize;

use crate::escape::terminal::{show, show_lines, EscapedSource};
use crate::text::{self, plural};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The site cannot be built.
    Error,
    /// The site builds, but something is probably not what the author meant.
    Warning,
}

/// Declares the diagnostic codes: each one's name, code, severity and one line.
macro_rules! codes {
    ($($name:ident = $code:literal, $severity:ident, $line:literal;)*) => {
        /// What a diagnostic is about, as a stable code (`C0012`): in the human header
        /// (`error[C0012]: …`), in the JSON output's `code` field, and listed in the
        /// README, so that CI annotations and documentation can link to it. A code is
        /// never reused for another problem.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $(
                #[doc = $line]
                $name,
            )*
        }

        impl Code {
            /// Every code, in order.
            pub const ALL: &'static [Code] = &[$(Code::$name),*];

            /// `C0012`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$name => $code,)*
                }
            }

            /// Whether it is an error or a warning.
            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$name => Severity::$severity,)*
                }
            }

            /// What it is about, in one line (the README's table).
            pub fn description(self) -> &'static str {
                match self {
                    $(Code::$name => $line,)*
                }
            }
        }
    };
}

codes! {
    // Files
    RootNotAFolder = "C0001", Error, "the site's folder (`--root`) does not exist or is not a folder";
    MissingFile = "C0002", Error, "a file the site needs does not exist (site.toml, content/cookies.toml, a document)";
    LinkOutside = "C0003", Error, "a file is a link that leads outside the site folder";
    Unreadable = "C0004", Error, "a file cannot be read (no permission, or it is a folder)";
    NotUtf8 = "C0005", Error, "a file is not UTF-8 text";
    // TOML
    InvalidToml = "C0006", Error, "a TOML file (or a document's front matter) does not parse";
    WrongType = "C0007", Error, "a value has the wrong type (a string where a list is expected…)";
    UnknownKey = "C0008", Error, "a key that this table does not have (often a typo)";
    MissingKey = "C0009", Error, "a required key is missing";
    NotAChoice = "C0010", Error, "a value is not one of the words allowed (`consent`, `party`)";
    MissingTranslation = "C0011", Error, "a human-readable value has no text for a locale of the site";
    UnusedTranslation = "C0012", Warning, "a human-readable value has a text for a locale the site does not have";
    // site.toml
    NoLocale = "C0013", Error, "`locales` is empty";
    ReservedLocale = "C0014", Error, "a locale tag is a name Windows reserves for a device";
    LocaleNotCanonical = "C0015", Error, "a locale tag is not written in its standard form (`en-gb` for `en-GB`)";
    InvalidLocale = "C0016", Error, "a locale is not a BCP 47 language tag";
    DuplicateLocale = "C0017", Error, "a locale is listed twice";
    InvalidBaseUrl = "C0018", Error, "`base_url` is not an absolute http(s) address";
    BaseUrlQuery = "C0019", Error, "`base_url` has a query or a fragment";
    UnknownDefaultLocale = "C0020", Error, "`default_locale` is not one of `locales`";
    InvalidThemeName = "C0021", Error, "`theme` is not a folder name";
    DuplicateColumn = "C0022", Error, "a column of `columns` is listed twice";
    UnknownColumn = "C0023", Error, "`columns` names a column that does not exist";
    NoColumn = "C0024", Error, "`columns` is empty";
    HistoryLimit = "C0025", Error, "`history.limit` is not between 1 and 1000";
    // sites.toml
    NoPortal = "C0026", Error, "sites.toml declares no portal";
    InvalidPortalId = "C0027", Error, "a portal's `id` cannot name a folder";
    DuplicatePortal = "C0028", Error, "two portals have the same `id`";
    UnknownPortalLocale = "C0029", Error, "a portal lists a locale that site.toml does not have";
    NoPortalLocale = "C0030", Error, "a portal's `locales` is empty";
    // inventory
    DuplicateDefinition = "C0031", Error, "a definition's `id` is declared twice";
    InvalidId = "C0032", Error, "a definition, category or provider id is not a valid identifier";
    CategoryIdTaken = "C0033", Error, "a category's id is already an id of the page";
    NoCookie = "C0034", Warning, "the inventory declares no cookie";
    RemoveUnknown = "C0035", Error, "a portal's `remove` names a cookie that the shared inventory does not have";
    InvalidAddress = "C0036", Error, "an address (`url`, `privacy_policy`, the controller's `contact`, `dpo`) is not an http(s) or mailto address";
    UnknownReference = "C0037", Error, "a cookie names a provider or a category that is not declared";
    NoName = "C0038", Error, "a cookie's `names` is empty";
    InvalidCookieName = "C0039", Error, "a cookie name has a character that cookie names cannot have";
    InvalidRegex = "C0040", Error, "a `re:` pattern is not a valid regular expression";
    PatternTooLarge = "C0041", Error, "a `re:` pattern is too large once written for the consent banners";
    UntranslatablePattern = "C0042", Error, "a `re:` pattern cannot be written for the consent banners";
    DuplicateCookie = "C0043", Error, "a cookie name is declared twice";
    InvalidDuration = "C0044", Error, "`duration` or `retention` is not a length of time (`session`, `13 months`)";
    CategoryWithoutCookie = "C0045", Warning, "a category has no cookie";
    CategoryNotShown = "C0046", Warning, "no page shows the cookies of a category";
    // documents
    NoFrontMatter = "C0047", Error, "a document does not start with front matter (`+++`)";
    UnclosedFrontMatter = "C0048", Error, "a document's front matter is never closed";
    InvalidDate = "C0049", Error, "`updated` is not a valid date";
    InvalidPageName = "C0050", Error, "a document's file name cannot name a page";
    LocaleWithoutDocument = "C0051", Error, "a locale has no document";
    UntranslatedDocument = "C0052", Error, "a document has no version in one of the locales";
    NotALocaleFolder = "C0053", Warning, "a folder of content/ is not a locale of the site, so it is not built";
    UnmatchedPortalDocument = "C0054", Warning, "a portal's document replaces no shared document, so it is not built";
    // prose
    UnknownPlaceholder = "C0055", Error, "a `{{ placeholder }}` that is neither a parameter nor a section";
    SectionNotAlone = "C0056", Error, "a section placeholder shares its paragraph with other text";
    SectionInList = "C0057", Error, "a section placeholder is inside a list or a quote";
    UnknownCategory = "C0058", Error, "`{{ cookies <id> }}` names a category that does not exist";
    PlaceholderInHtml = "C0059", Error, "a placeholder is inside raw HTML, where it is not replaced";
    AnchorPinnedTwice = "C0060", Error, "two headings pin the same anchor";
    PageIdTaken = "C0061", Error, "an anchor or an id of the prose is already an id of the page";
    DuplicateId = "C0062", Error, "an id of raw HTML is used twice on the page";
    NestedTooDeep = "C0063", Error, "lists and block quotes nest more than 32 levels deep";
    ElementsTooDeep = "C0064", Error, "elements nest more than 128 levels deep";
    ReopenedElements = "C0065", Error, "HTML that makes browsers reopen its open elements over and over";
    BlockTooLarge = "C0066", Error, "a block of prose holds more than 200,000 HTML tags or 500,000 pieces of Markdown";
    // static files
    StaticBadName = "C0067", Error, "a static file's name holds a backslash or a control character";
    StaticCollision = "C0068", Error, "a static file takes the place of a file that Clause writes";
    // theme
    LinkLoop = "C0069", Error, "a folder link in the theme or in `static/` leads back to a folder that holds it";
    ThemeNotFound = "C0070", Error, "`theme` names a folder that themes/ does not have";
    TemplateSyntax = "C0071", Error, "a template does not parse";
    TemplateRender = "C0072", Error, "a template fails to render";
    UnknownPluralForm = "C0073", Error, "UI strings: a unit of duration has a key that is not a plural form (`one`, `other`…)";
    NotTwelveMonths = "C0074", Error, "UI strings: `months` does not list 12 names";
    IncompleteStrings = "C0075", Error, "the theme has no complete UI strings for a locale";
    // legal fields
    InvalidCountry = "C0076", Error, "`country` is not an ISO 3166-1 alpha-2 country code";
    InvalidDomain = "C0077", Error, "a cookie's `domain` is not a host name";
    ConsentBasisContradicted = "C0078", Error, "a category that needs consent has another `legal_basis`, or an `exemption`";
    TransferNotForCountry = "C0079", Error, "a provider's `transfer` does not fit its `country` (inside the EEA, no adequacy decision, the Data Privacy Framework outside the US)";
    TransferWithoutCountry = "C0080", Warning, "a provider has a `transfer` but no `country`";
    MissingTransfer = "C0081", Warning, "a provider outside the EEA and without an adequacy decision has no `transfer`";
    AudienceMeasurementCondition = "C0082", Warning, "a cookie of a category exempt as audience measurement does not meet a condition of the exemption";
    EmptyText = "C0083", Error, "a text a visitor reads is empty";
    PlaceholderText = "C0084", Warning, "a text a visitor reads still holds a placeholder (`TODO`, `TBD`, `FIXME`)";
    NoController = "C0085", Error, "`{{ controller }}` is used, but site.toml has no `[controller]`";
    NoTransfers = "C0086", Warning, "`{{ transfers }}` shows nothing: no provider has a `country` outside the EEA";
    // patterns for the banners
    BroadPattern = "C0087", Warning, "a `re:` pattern declares almost any cookie name";
    PatternsTooLarge = "C0088", Warning, "all the cookie patterns together are more than a banner should make every page download";
    // [consent]
    ConsentIncomplete = "C0089", Error, "`[consent]` lacks the `manager` or the `script` that its other keys need";
    InvalidConsentPath = "C0090", Error, "a path of `[consent]` is not a path to a file of the site";
    ConsentFileNotPublished = "C0091", Warning, "a path of `[consent]` names a file that the site does not publish";
    ConsentCookieUndeclared = "C0092", Warning, "the inventory does not declare the cookie in which the banner keeps the visitor's choice";
    // links
    PlaceholderBreaksAddress = "C0093", Error, "a placeholder's value cannot form a valid address where a link uses it";
    InvalidLinkAddress = "C0094", Error, "a link's address is not valid once its placeholders are filled";
    UnknownDocumentLink = "C0095", Warning, "a link names a Markdown file that is not a document of the site";
    BrokenLink = "C0096", Warning, "a link leads to no page of the site";
    UnknownAnchor = "C0097", Warning, "a link's `#anchor` is on no heading or section of the page it leads to";
    MalformedAutolink = "C0098", Warning, "a link (`[text](…)` or `<…>`) is not closed, has a space in its address, or has no scheme";
    UndefinedReference = "C0099", Warning, "a link `[text][label]` names a label that the document does not define";
    // documents
    OnlyDrafts = "C0100", Error, "every document of a locale is a draft, so the locale would have no page";
    UpdatedBeforeHistory = "C0101", Warning, "`updated` is older than the newest change under \"Changes to this policy\"";
    UpdatedInFuture = "C0102", Warning, "`updated` is a date in the future";
    UpdatedDiffers = "C0103", Warning, "the versions of a document in different locales disagree on `updated`";
    // versions
    ConsentTrailer = "C0104", Warning, "a commit's `Consent:` trailer says neither `renew` nor `unchanged`";
    // links, again
    RemovedLink = "C0105", Warning, "a link's address is not one a page may link to (`javascript:`, `data:`, `tel:`…), so the page shows its text without the link";
    // reading, again
    TooManyFiles = "C0106", Error, "a folder holds more than 100,000 files, its folder links followed";
    StaticTooLarge = "C0107", Error, "a `static/` folder holds more than 1,024 MiB, its folder links followed";
}

/// Index of a file in [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileId(usize);

impl FileId {
    /// The first file of a [`Sources`]; lets unit tests build readers without a loader.
    #[cfg(test)]
    pub fn default_for_tests() -> Self {
        FileId(0)
    }
}

/// One source file kept in memory so that diagnostics can quote it.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as shown to the user (relative to the site root where possible).
    pub name: String,
    /// The full text of the file.
    pub text: String,
    line_starts: Vec<usize>,
    /// The text as a terminal shows it, made on first use and only if the file has
    /// control characters to escape.
    escaped: OnceLock<Option<EscapedSource>>,
}

impl SourceFile {
    fn new(name: String, text: String) -> Self {
        let line_starts = files::line_starts(&text).collect();
        SourceFile {
            name,
            text,
            line_starts,
            escaped: OnceLock::new(),
        }
    }

    fn escaped(&self) -> Option<&EscapedSource> {
        self.escaped
            .get_or_init(|| EscapedSource::new(&self.text))
            .as_ref()
    }

    /// 0-based line of a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l.saturating_sub(1),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l.saturating_sub(1),
        };
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }
}

/// Every file read while loading a site, so that diagnostics can point into them.
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    /// Keeps a file's text and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(SourceFile::new(name.into(), text.into()));
        FileId(self.files.len() - 1)
    }

    /// The file behind an id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }
}

impl<'a> Files<'a> for Sources {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        Ok(&self.get(id).name)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        Ok(&self.get(id).text)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, files::Error> {
        let f = self.get(id);
        Ok(match f.line_starts.binary_search(&byte_index) {
            Ok(l) => l,
            Err(l) => l.saturating_sub(1),
        })
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, files::Error> {
        let f = self.get(id);
        let start = *f
            .line_starts
            .get(line_index)
            .ok_or(files::Error::LineTooLarge {
                given: line_index,
                max: f.line_starts.len().saturating_sub(1),
            })?;
        let end = f
            .line_starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(f.text.len());
        Ok(start..end)
    }
}

/// The sources as a terminal shows them: file names and texts with control characters
/// and bidirectional overrides escaped ([`EscapedSource`]). Spans are given in the escaped
/// text ([`Shown::span`]); line and column numbers stay those of the file.
struct Shown<'a>(&'a Sources);

impl Shown<'_> {
    /// A span of a file, in the escaped text.
    fn span(&self, id: FileId, span: &Range<usize>) -> Range<usize> {
        match self.0.get(id).escaped() {
            Some(e) => e.to_shown(span.start)..e.to_shown(span.end),
            None => span.clone(),
        }
    }

    fn original(&self, id: FileId, shown: usize) -> usize {
        self.0
            .get(id)
            .escaped()
            .map_or(shown, |e| e.to_original(shown))
    }
}

impl<'a> Files<'a> for Shown<'a> {
    type FileId = FileId;
    type Name = std::borrow::Cow<'a, str>;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<Self::Name, files::Error> {
        Ok(show(&self.0.get(id).name))
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        let f = self.0.get(id);
        Ok(f.escaped().map_or(f.text.as_str(), |e| e.text.as_str()))
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, files::Error> {
        Ok(self.0.get(id).line_of(self.original(id, byte_index)))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, files::Error> {
        let range = self.0.line_range(id, line_index)?;
        Ok(self.span(id, &range))
    }

    fn column_number(
        &'a self,
        id: FileId,
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, files::Error> {
        let f = self.0.get(id);
        let offset = self.original(id, byte_index).min(f.text.len());
        let start = f
            .line_starts
            .get(line_index)
            .copied()
            .unwrap_or(0)
            .min(offset);
        Ok(f.text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1)
    }
}

/// The longest line, in characters, quoted whole: a longer one (a paragraph written on one
/// line, a minified file) is quoted around what the labels point at, as rustc does.
const LONG_LINE: usize = 160;

/// Characters kept on each side of what the labels point at in a long line.
const CONTEXT: usize = 40;

/// A part of a long line left out of the quote, shown as `…`.
#[derive(Debug, Clone, Copy)]
struct Cut {
    /// Where it starts and ends in the shown text.
    from: usize,
    to: usize,
}

/// A file's shown text with the parts of its long lines that no label needs left out.
#[derive(Debug)]
struct Window {
    text: String,
    /// In order, none across a line break.
    cuts: Vec<Cut>,
}

/// What a cut leaves in the quote.
const ELLIPSIS: &str = "…";

impl Window {
    /// The window over `text` (the shown text) for spans (shown offsets) of its labels;
    /// `None` when every line they touch is short enough to quote whole.
    /// The first span is the primary label's: a long line is quoted from it (with what
    /// comes before it), and the labels too far from it are shown at a `…`.
    fn new(text: &str, spans: &[Range<usize>]) -> Option<Window> {
        let line_of = |at: usize| {
            let at = at.min(text.len());
            let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
            start..end
        };
        // Each long line a label starts or ends on, with the points it must keep.
        let mut lines: Vec<(Range<usize>, Vec<usize>)> = Vec::new();
        for span in spans {
            for at in [span.start, span.end] {
                if !text.is_char_boundary(at.min(text.len())) {
                    return None;
                }
                let line = line_of(at);
                if text[line.clone()].chars().count() <= LONG_LINE {
                    continue;
                }
                let keep = at.clamp(line.start, line.end);
                match lines.iter_mut().find(|(l, _)| *l == line) {
                    Some((_, points)) => points.push(keep),
                    None => lines.push((line, vec![keep])),
                }
            }
        }
        if lines.is_empty() {
            return None;
        }
        lines.sort_by_key(|(l, _)| l.start);
        let mut cuts = Vec::new();
        let primary = spans.first().map(|s| s.start);
        for (line, points) in &lines {
            let first = points.iter().copied().min().unwrap_or(line.start);
            // From the primary label when it is on this line, else from the first point.
            let lo = primary
                .filter(|p| line.contains(p) || *p == line.end)
                .unwrap_or(first);
            // What the labels point at, at most LONG_LINE characters of it from `lo`.
            let hi = points
                .iter()
                .copied()
                .filter(|p| *p >= lo)
                .max()
                .unwrap_or(lo)
                .min(advance(text, lo, LONG_LINE));
            let from = back(text, lo, CONTEXT).max(line.start);
            let to = advance(text, hi, CONTEXT).min(line.end);
            // A cut shorter than its `…` would make the line longer, and the offsets'
            // arithmetic assumes each cut removes bytes.
            if from > line.start + ELLIPSIS.len() {
                cuts.push(Cut {
                    from: line.start,
                    to: from,
                });
            }
            if to + ELLIPSIS.len() < line.end {
                cuts.push(Cut {
                    from: to,
                    to: line.end,
                });
            }
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for c in &cuts {
            out.push_str(&text[last..c.from]);
            out.push_str(ELLIPSIS);
            last = c.to;
        }
        out.push_str(&text[last..]);
        Some(Window { text: out, cuts })
    }

    /// The offset in the window of an offset of the shown text; one inside a cut is where
    /// its `…` starts.
    fn to_window(&self, shown: usize) -> usize {
        let mut removed = 0usize;
        for c in &self.cuts {
            if shown < c.from {
                break;
            }
            if shown < c.to {
                return c.from - removed;
            }
            removed += c.to - c.from - ELLIPSIS.len();
        }
        shown - removed
    }

    /// The offset in the shown text of an offset of the window; one inside a `…` is where
    /// its cut starts.
    fn to_shown(&self, window: usize) -> usize {
        let mut removed = 0usize;
        for c in &self.cuts {
            let at = c.from - removed;
            if window < at {
                break;
            }
            if window < at + ELLIPSIS.len() {
                return c.from;
            }
            removed += c.to - c.from - ELLIPSIS.len();
        }
        window + removed
    }
}

/// `n` characters after byte `at` of `text` (or its end).
fn advance(text: &str, at: usize, n: usize) -> usize {
    text[at..]
        .char_indices()
        .nth(n)
        .map_or(text.len(), |(i, _)| at + i)
}

/// `n` characters before byte `at` of `text` (or its start).
fn back(text: &str, at: usize, n: usize) -> usize {
    text[..at]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i)
}

/// The shown sources, each long line quoted around what the diagnostic's labels point at.
struct Windowed<'a> {
    shown: &'a Shown<'a>,
    windows: HashMap<FileId, Window>,
}

impl<'a> Windowed<'a> {
    /// The windows for `labels` (file, shown span).
    fn new(shown: &'a Shown<'a>, labels: &[(FileId, Range<usize>)]) -> Self {
        let mut by_file: HashMap<FileId, Vec<Range<usize>>> = HashMap::new();
        for (file, span) in labels {
            by_file.entry(*file).or_default().push(span.clone());
        }
        let windows = by_file
            .into_iter()
            .filter_map(|(file, spans)| {
                let text = shown.source(file).ok()?;
                Some((file, Window::new(text, &spans)?))
            })
            .collect();
        Windowed { shown, windows }
    }

    /// A shown span as the window shows it.
    fn span(&self, id: FileId, span: &Range<usize>) -> Range<usize> {
        match self.windows.get(&id) {
            Some(w) => w.to_window(span.start)..w.to_window(span.end),
            None => span.clone(),
        }
    }

    fn to_shown(&self, id: FileId, at: usize) -> usize {
        self.windows.get(&id).map_or(at, |w| w.to_shown(at))
    }
}

impl<'a> Files<'a> for Windowed<'a> {
    type FileId = FileId;
    type Name = std::borrow::Cow<'a, str>;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<Self::Name, files::Error> {
        self.shown.name(id)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        match self.windows.get(&id) {
            Some(w) => Ok(w.text.as_str()),
            None => self.shown.source(id),
        }
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, files::Error> {
        self.shown.line_index(id, self.to_shown(id, byte_index))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, files::Error> {
        let range = self.shown.line_range(id, line_index)?;
        Ok(self.span(id, &range))
    }

    fn column_number(
        &'a self,
        id: FileId,
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, files::Error> {
        self.shown
            .column_number(id, line_index, self.to_shown(id, byte_index))
    }
}

/// A place in a file, with what to say about it.
#[derive(Debug, Clone)]
pub struct Label {
    /// The file.
    pub file: FileId,
    /// Byte range in the file.
    pub span: Range<usize>,
    /// Short text under the caret line.
    pub message: String,
}

/// One problem: what is wrong, where, and how to fix it.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Which problem it is.
    pub code: Code,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where it is wrong (the primary location).
    pub primary: Option<Label>,
    /// A file the problem concerns when there is no span to show (a missing file, say).
    pub path: Option<PathBuf>,
    /// Other places that explain the problem ("first declared here").
    pub secondary: Vec<Label>,
    /// How to fix it, in one line.
    pub help: Option<String>,
    /// An example of several lines that follows the help ("write it like this:"). Clause's
    /// own text (hence `'static`), never user data: a terminal shows its line breaks, while
    /// every line break in the message, labels and help is shown escaped.
    pub example: Option<&'static str>,
    /// The portals of a platform it concerns (empty: the whole site).
    pub portals: Vec<String>,
}

impl Diagnostic {
    /// An error with no location yet; `code` must be an error's.
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message.into())
    }

    /// A warning with no location yet; `code` must be a warning's.
    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message.into())
    }

    fn new(severity: Severity, code: Code, message: String) -> Self {
        debug_assert_eq!(severity, code.severity(), "{code:?}: {message}");
        Diagnostic {
            severity,
            code,
            message,
            primary: None,
            path: None,
            secondary: Vec::new(),
            help: None,
            example: None,
            portals: Vec::new(),
        }
    }

    /// Points the diagnostic at a span of a file.
    pub fn at(mut self, file: FileId, span: Range<usize>, label: impl Into<String>) -> Self {
        self.primary = Some(Label {
            file,
            span,
            message: label.into(),
        });
        self
    }

    /// Names the file concerned when no span can be shown.
    pub fn in_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Adds a secondary location.
    pub fn also(mut self, file: FileId, span: Range<usize>, label: impl Into<String>) -> Self {
        self.secondary.push(Label {
            file,
            span,
            message: label.into(),
        });
        self
    }

    /// Adds the help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds an example of several lines after the help.
    pub fn example(mut self, example: &'static str) -> Self {
        self.example = Some(example);
        self
    }
}

/// Proof that an error was reported: what a reader returns instead of a value it could not
/// read, so that "the caller will find the problem in the list" is checked by the compiler
/// (rustc's `ErrorGuaranteed`). Only recording an error makes one; it cannot be forged:
///
/// ```compile_fail
/// let forged = clause::diagnostics::ErrorReported(());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorReported(());

/// The problems found so far.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records a problem.
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    /// Records an error, and returns the proof that it was reported.
    pub fn error(&mut self, d: Diagnostic) -> ErrorReported {
        debug_assert_eq!(d.severity, Severity::Error, "{}", d.message);
        self.items.push(d);
        ErrorReported(())
    }

    /// The proof that an error was reported, if one was.
    pub fn error_reported(&self) -> Option<ErrorReported> {
        self.has_errors().then_some(ErrorReported(()))
    }

    /// Records a problem of one portal. The same problem in several portals (a shared
    /// document missing a parameter in all of them, say) is reported once, naming them all.
    pub fn push_in(&mut self, mut d: Diagnostic, portal: Option<&str>) {
        let Some(portal) = portal else {
            return self.push(d);
        };
        let key = |x: &Diagnostic| {
            (
                x.severity,
                x.message.clone(),
                x.primary.as_ref().map(|p| (p.file, p.span.clone())),
            )
        };
        let k = key(&d);
        if let Some(existing) = self.items.iter_mut().rev().find(|x| key(x) == k) {
            existing.portals.push(portal.to_string());
            return;
        }
        d.portals.push(portal.to_string());
        self.items.push(d);
    }

    /// The diagnostics, consumed.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }

    /// True when at least one error (not warning) was recorded.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// Number of errors and of warnings.
    pub fn counts(&self) -> (usize, usize) {
        let errors = self
            .items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        (errors, self.items.len() - errors)
    }

    /// All diagnostics, in the order they were found.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Moves every diagnostic of `other` into this list.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }
}

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// rustc-style text with the source line and a caret, coloured on a terminal.
    HumanColor,
    /// rustc-style text with the source line and a caret.
    Human,
    /// One JSON object per line, for CI annotations.
    Json,
}

fn location_json(sources: &Sources, label: &Label) -> serde_json::Value {
    let file = sources.get(label.file);
    let (line, column) = file.line_col(label.span.start);
    let (end_line, end_column) = file.line_col(label.span.end);
    serde_json::json!({
        "file": file.name,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "label": label.message,
    })
}

/// Renders one diagnostic as a JSON object (one line).
pub fn to_json(sources: &Sources, d: &Diagnostic) -> String {
    let help = match (&d.help, &d.example) {
        (Some(h), Some(e)) => Some(format!("{h}\n{e}")),
        (h, _) => h.clone(),
    };
    let mut v = serde_json::json!({
        "severity": d.severity,
        "code": d.code.as_str(),
        "message": d.message,
        "help": help,
    });
    if let Some(p) = &d.primary {
        let loc = location_json(sources, p);
        for key in ["file", "line", "column", "end_line", "end_column", "label"] {
            v[key] = loc[key].clone();
        }
    } else if let Some(path) = &d.path {
        v["file"] = serde_json::Value::String(path.display().to_string());
    }
    if !d.portals.is_empty() {
        v["portals"] = d.portals.iter().cloned().collect();
    }
    if !d.secondary.is_empty() {
        v["related"] = d
            .secondary
            .iter()
            .map(|l| location_json(sources, l))
            .collect();
    }
    crate::escape::terminal::json(v.to_string())
}

/// Renders one diagnostic as rustc-style text, with ANSI colours if `color`. Everything
/// that comes from the user (values in the message, labels and help, file names, the
/// quoted source lines) is shown with control characters escaped.
pub fn to_human(sources: &Sources, d: &Diagnostic, color: bool) -> String {
    let severity = match d.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let shown = Shown(sources);
    let mut message = show(&d.message).into_owned();
    if d.primary.is_none() {
        if let Some(path) = &d.path {
            message = format!("{}: {message}", show(&path.display().to_string()));
        }
    }
    let spans: Vec<(FileId, Range<usize>)> = d
        .primary
        .iter()
        .chain(&d.secondary)
        .map(|l| (l.file, shown.span(l.file, &l.span)))
        .collect();
    let windowed = Windowed::new(&shown, &spans);
    let mut labels = Vec::new();
    if let Some(p) = &d.primary {
        labels.push(
            cs::Label::primary(p.file, windowed.span(p.file, &shown.span(p.file, &p.span)))
                .with_message(show(&p.message)),
        );
    }
    for s in &d.secondary {
        labels.push(
            cs::Label::secondary(s.file, windowed.span(s.file, &shown.span(s.file, &s.span)))
                .with_message(show(&s.message)),
        );
    }
    let mut diag = cs::Diagnostic::new(severity)
        .with_code(d.code.as_str())
        .with_message(message.clone())
        .with_labels(labels);
    let mut notes = Vec::new();
    if !d.portals.is_empty() {
        notes.push(
            show(&format!(
                "in {} {}",
                plural(d.portals.len(), "portal", "portals"),
                text::preview(&d.portals, 5)
            ))
            .into_owned(),
        );
    }
    let help = human_help(d);
    if let Some(h) = &help {
        notes.push(format!("help: {h}"));
    }
    if !notes.is_empty() {
        diag = diag.with_notes(notes);
    }
    let config = term::Config::default();
    let rendered = if color {
        let mut buf = term::termcolor::Buffer::ansi();
        term::emit_to_write_style(&mut buf, &config, &windowed, &diag)
            .map(|()| String::from_utf8_lossy(buf.as_slice()).into_owned())
    } else {
        term::emit_into_string(&config, &windowed, &diag)
    };
    match rendered {
        Ok(s) => s,
        // Only reachable if a span is out of range: still say what is wrong.
        Err(_) => {
            let mut s = format!(
                "{}[{}]: {message}\n",
                severity_word(d.severity),
                d.code.as_str()
            );
            if let Some(h) = &help {
                let _ = writeln!(s, "  = help: {h}");
            }
            s
        }
    }
}

/// The help as a terminal shows it: on one line, then the example's own lines.
fn human_help(d: &Diagnostic) -> Option<String> {
    let help = show(d.help.as_deref()?).into_owned();
    Some(match &d.example {
        Some(example) => format!("{help}\n{}", show_lines(example)),
        None => help,
    })
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Prints every diagnostic to a string in the chosen format, then a summary line (human
/// only) that ends, when there are errors, with "nothing was written".
pub fn report(sources: &Sources, diags: &Diagnostics, format: Format) -> String {
    report_then(sources, diags, format, "nothing was written")
}

/// [`report`], its summary line ending with `aftermath` when there are errors (a preview
/// writes nothing in any case: it says what it shows instead).
pub fn report_then(
    sources: &Sources,
    diags: &Diagnostics,
    format: Format,
    aftermath: &str,
) -> String {
    let mut out = String::new();
    for d in diags.iter() {
        match format {
            Format::Human => out.push_str(&to_human(sources, d, false)),
            Format::HumanColor => out.push_str(&to_human(sources, d, true)),
            Format::Json => {
                out.push_str(&to_json(sources, d));
                out.push('\n');
            }
        }
    }
    if format != Format::Json {
        let (e, w) = diags.counts();
        let warnings = if w > 0 {
            format!(" and {w} {}", plural(w, "warning", "warnings"))
        } else {
            String::new()
        };
        if e > 0 {
            let _ = writeln!(
                out,
                "error: {e} {}{warnings} found; {aftermath}",
                plural(e, "error", "errors"),
            );
        } else if w > 0 {
            let _ = writeln!(out, "warning: {w} {}", plural(w, "warning", "warnings"));
        }
    }
    out
}

/// Display form of a path relative to the site root (falls back to the full path).
pub fn display_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The closest candidate to `word`, for "did you mean" help lines.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's table of codes, as [`Code::ALL`] gives it.
    fn codes_table() -> String {
        let mut t = String::from("| code | severity | what it means |\n| --- | --- | --- |\n");
        for c in Code::ALL {
            let _ = writeln!(
                t,
                "| `{}` | {} | {} |",
                c.as_str(),
                severity_word(c.severity()),
                c.description().replace('|', "\\|")
            );
        }
        t
    }

    #[test]
    fn codes_are_numbered_in_order_once_each() {
        for (i, c) in Code::ALL.iter().enumerate() {
            // Numbered in order, so that a new code goes at the end and none is reused.
            assert_eq!(c.as_str(), format!("C{:04}", i + 1), "{c:?}");
            assert!(!c.description().contains('\n'), "{c:?}");
        }
    }

    /// The README lists every code with its severity and line, between two markers;
    /// `CLAUSE_BLESS=1` writes the table there again from the enum.
    #[test]
    fn readme_lists_every_code() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
        let readme = std::fs::read_to_string(&path).unwrap_or_default();
        let (start, end) = ("<!-- codes:start -->\n", "<!-- codes:end -->");
        let (Some(a), Some(b)) = (readme.find(start), readme.find(end)) else {
            panic!("README.md has no `{start}` … `{end}` markers");
        };
        let listed = &readme[a + start.len()..b];
        let table = codes_table();
        if listed != table && std::env::var_os("CLAUSE_BLESS").is_some_and(|v| v == "1") {
            let new = format!("{}{table}{}", &readme[..a + start.len()], &readme[b..]);
            std::fs::write(&path, new).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            return;
        }
        assert!(
            listed == table,
            "README.md's table of diagnostic codes differs from `Code::ALL` (CLAUSE_BLESS=1 writes it):\n{table}"
        );
    }

    #[test]
    fn only_an_error_is_proof_that_an_error_was_reported() {
        let mut d = Diagnostics::default();
        d.push(Diagnostic::warning(Code::NoCookie, "w"));
        assert_eq!(d.error_reported(), None);
        let proof = d.error(Diagnostic::error(Code::MissingFile, "e"));
        assert_eq!(d.error_reported(), Some(proof));
        assert_eq!(d.counts(), (1, 1));
    }

    #[test]
    fn line_col_counts_characters() {
        let f = SourceFile::new("a".into(), "ab\nçé x\n".into());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        // 'x' is after two 2-byte characters and a space.
        assert_eq!(f.line_col(8), (2, 4));
    }

    #[test]
    fn suggests_close_words_only() {
        let keys = ["purpose", "function", "names"];
        assert_eq!(suggest("purpse", keys), Some("purpose"));
        assert_eq!(suggest("zzz", keys), None);
    }

    #[test]
    fn human_report_has_caret_and_help() {
        let mut sources = Sources::default();
        let id = sources.add("cookies.toml", "purpse = \"x\"\n");
        let d = Diagnostic::error(Code::UnknownKey, "unknown key `purpse`")
            .at(id, 0..6, "not a cookie field")
            .help("did you mean `purpose`?");
        let text = to_human(&sources, &d, false);
        assert!(text.contains("cookies.toml:1:1"), "{text}");
        assert!(text.contains("^^^^^^ not a cookie field"), "{text}");
        assert!(text.contains("= help: did you mean `purpose`?"), "{text}");
        assert!(text.starts_with("error[C0008]: unknown key"), "{text}");
        let json = to_json(&sources, &d);
        assert!(json.contains("\"line\":1"), "{json}");
        assert!(json.contains("\"code\":\"C0008\""), "{json}");
        // A span past the end of the file still gives the header with its code.
        let d = Diagnostic::warning(Code::NoCookie, "w").at(id, 100..200, "x");
        let text = to_human(&sources, &d, false);
        assert!(text.starts_with("warning[C0034]: w"), "{text}");
    }

    /// The quoted line of a rendered diagnostic (after `N │ `) and where its carets start,
    /// in characters.
    fn quoted_and_carets(text: &str) -> (String, usize, usize) {
        let lines: Vec<&str> = text.lines().collect();
        let i = lines
            .iter()
            .position(|l| l.contains(" │ ") && l.trim_start().starts_with(char::is_numeric))
            .expect("a quoted line");
        let bar = |l: &str| {
            l.char_indices()
                .find(|(_, c)| *c == '│')
                .map_or(0, |(b, _)| b)
        };
        let quoted = lines[i][bar(lines[i]) + '│'.len_utf8() + 1..].to_string();
        let caret_line = &lines[i + 1][bar(lines[i + 1]) + '│'.len_utf8() + 1..];
        let start = caret_line.chars().position(|c| c == '^').expect("carets");
        let len = caret_line.chars().filter(|c| *c == '^').count();
        (quoted, start, len)
    }

    #[test]
    fn a_long_line_is_quoted_around_the_label_with_the_files_column() {
        let mut sources = Sources::default();
        let before = "word ".repeat(600);
        let text = format!(
            "# T\n{before}[x](javascript:y) {}\nend\n",
            "more ".repeat(600)
        );
        let id = sources.add("cookies.md", text.as_str());
        let at = text.find("javascript").expect("there");
        let d = Diagnostic::warning(Code::RemovedLink, "removed").at(id, at..at + 12, "here");
        for color in [false, true] {
            let out = to_human(&sources, &d, color);
            assert!(
                out.lines()
                    .all(|l| l.chars().count() < LONG_LINE + 2 * CONTEXT + 40),
                "{out}"
            );
            assert!(
                out.contains(&format!("cookies.md:2:{}", before.len() + 5)),
                "{out}"
            );
        }
        let out = to_human(&sources, &d, false);
        let (quoted, start, len) = quoted_and_carets(&out);
        assert!(quoted.starts_with('…') && quoted.ends_with('…'), "{quoted}");
        let chars: String = quoted.chars().skip(start).take(len).collect();
        assert_eq!(chars, "javascript:y", "{out}");
    }

    #[test]
    fn a_line_just_over_the_limit_is_quoted_without_a_cut_shorter_than_its_ellipsis() {
        // Found by the document fuzzer: a cut of one or two bytes, replaced by the
        // three-byte `…`, made the window's offsets underflow.
        for extra in 1..8 {
            for tail in 0..8 {
                let line = format!("{}é{}", "a".repeat(LONG_LINE + extra), "b".repeat(tail));
                let text = format!("{line}\nnext\n");
                let mut sources = Sources::default();
                let id = sources.add("x.md", text.as_str());
                for at in (0..line.len()).filter(|i| text.is_char_boundary(*i)) {
                    for len in [0, 1, 2] {
                        let end = (at + len).min(line.len());
                        if !text.is_char_boundary(end) {
                            continue;
                        }
                        let d = Diagnostic::error(Code::WrongType, "m").at(id, at..end, "l");
                        assert!(to_human(&sources, &d, false).starts_with("error[C0007]"));
                    }
                }
            }
        }
    }

    #[test]
    fn long_lines_with_escapes_far_labels_and_spans_over_lines_keep_carets_in_place() {
        let mut sources = Sources::default();
        let text = format!(
            "{}\u{1b}[2J target {}\n{} tail\n",
            "a".repeat(300),
            "b".repeat(500),
            "c".repeat(400)
        );
        let id = sources.add("x.toml", text.as_str());
        let t = text.find("target").expect("there");
        // The escaped ESC before the label: the carets still fall under `target`.
        let d = Diagnostic::error(Code::WrongType, "m").at(id, t..t + 6, "l");
        let (quoted, start, len) = quoted_and_carets(&to_human(&sources, &d, false));
        assert!(quoted.contains("\\u{1b}[2J"), "{quoted}");
        assert_eq!(
            quoted.chars().skip(start).take(len).collect::<String>(),
            "target"
        );
        // A second label far along the same line, a span over two long lines, a span at the
        // end of the text, a span inside the escape: never a panic, always the header.
        let far = text.find('\n').expect("line") - 3;
        let d = Diagnostic::error(Code::WrongType, "m")
            .at(id, t..t + 6, "l")
            .also(id, far..far + 2, "far")
            .also(id, 10..text.len() - 2, "over lines")
            .also(id, text.len()..text.len(), "end")
            .also(id, 300..301, "the escape");
        let column = text[..t].chars().count() + 1;
        for color in [false, true] {
            let out = to_human(&sources, &d, color);
            assert!(out.contains("error[C0007]"), "{out}");
            // The primary label is quoted, and the header gives its column in the file.
            assert!(out.contains(&format!("x.toml:1:{column}")), "{out}");
            assert!(out.contains("target"), "{out}");
        }
        // Any span of any text: the quote is made without a panic.
        for start in (0..text.len()).step_by(37) {
            for len in [0, 1, 7, 200, 900] {
                if !text.is_char_boundary(start)
                    || !text.is_char_boundary((start + len).min(text.len()))
                {
                    continue;
                }
                let d = Diagnostic::error(Code::WrongType, "m").at(
                    id,
                    start..(start + len).min(text.len()),
                    "l",
                );
                assert!(to_human(&sources, &d, false).starts_with("error[C0007]"));
            }
        }
    }

    #[test]
    fn user_control_characters_never_reach_the_terminal_raw() {
        let mut sources = Sources::default();
        let text = "a = \"\u{1b}[2J\"\r\nb = \"x\u{202e}\ny\"\nc = 1\n";
        let id = sources.add("in\u{1b}[2J.toml", text);
        let b = text.find('b').unwrap_or(0);
        let d = Diagnostic::error(Code::WrongType, "bad `\u{1b}[2J\nerror: fake`")
            .at(id, b..text.find('c').unwrap_or(0), "label \r\u{0}")
            .also(id, 5..6, "the \u{1b}")
            .in_file("x")
            .help("did you mean `\u{7}`?")
            .example("[t]\nk = \"\u{1b}\"");
        for color in [false, true] {
            let shown = to_human(&sources, &d, color);
            // Colours are the renderer's own escape sequences; none of the user's survives.
            assert!(!shown.contains("\u{1b}[2J"), "{shown:?}");
            assert!(!shown.contains('\r') && !shown.contains('\u{7}') && !shown.contains('\0'));
            assert!(!shown.contains('\u{202e}'), "{shown:?}");
            assert!(shown.contains("bad `\\u{1b}[2J\\nerror: fake`"), "{shown}");
            assert!(shown.contains("in\\u{1b}[2J.toml:2:1"), "{shown}");
            assert!(shown.contains("a = \"\\u{1b}[2J\""), "{shown}");
            assert!(shown.contains("did you mean `\\u{7}`?"), "{shown}");
            assert!(
                shown.contains("[t]\n"),
                "the example keeps its lines: {shown}"
            );
            assert!(
                !shown.lines().any(|l| l.starts_with("error: fake")),
                "{shown}"
            );
        }
        let plain = to_human(&sources, &d, false);
        // The secondary label points at the ESC, shown as its escape.
        let quoted = plain
            .lines()
            .skip_while(|l| !l.contains("a = "))
            .take(2)
            .collect::<Vec<_>>();
        let col = |l: &str| l.chars().position(|c| c == '-').unwrap_or(0);
        let start = quoted[0].find('\\').map(|i| quoted[0][..i].chars().count());
        assert_eq!(Some(col(quoted[1])), start, "{plain}");
        let json = to_json(&sources, &d);
        assert!(
            json.contains("\"help\":\"did you mean `\\u0007`?\\n[t]\\nk = "),
            "{json}"
        );
    }
}
