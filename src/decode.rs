//! A spanned view of a TOML document, and helpers that turn it into typed values while
//! collecting every problem (unknown keys with suggestions, wrong types, missing fields).
//!
//! serde stops at the first error; legal editors want every problem of a file in one run,
//! so the inventory and the configuration are read through this small layer instead.

use std::collections::BTreeMap;
use std::ops::Range;

use toml_edit::{Item, Value};

use crate::diagnostics::{suggest, Code, Diagnostic, Diagnostics, ErrorReported, FileId};

/// A value with the byte range it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Byte range in the source file.
    pub span: Range<usize>,
}

/// A TOML value that remembers where each part came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A date or date-time, kept as written.
    Datetime(String),
    /// An array.
    Array(Vec<Spanned<Val>>),
    /// A table, keys in file order.
    Table(Vec<(Spanned<String>, Spanned<Val>)>),
}

impl Val {
    /// The TOML name of this value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Str(_) => "a string",
            Val::Int(_) => "an integer",
            Val::Float(_) => "a float",
            Val::Bool(_) => "a boolean",
            Val::Datetime(_) => "a date",
            Val::Array(_) => "an array",
            Val::Table(_) => "a table",
        }
    }
}

/// Parses TOML text into a spanned tree. `base` is added to every span, so that front matter
/// inside a Markdown file points at the right place of that file.
pub fn parse(
    text: &str,
    file: FileId,
    base: usize,
    diags: &mut Diagnostics,
) -> Result<Spanned<Val>, ErrorReported> {
    match toml_edit::Document::parse(text) {
        Ok(doc) => Ok(convert_item(doc.as_item(), base, base..base + text.len())),
        Err(e) => {
            // What word processors do to TOML is named, with the line to write instead.
            if let Some(m) = e.span().and_then(|s| word_processor_mistake(text, s.start)) {
                let span = base + m.span.start..base + m.span.end;
                return Err(diags.error(
                    Diagnostic::error(Code::InvalidToml, m.message)
                        .at(file, span, m.label)
                        .help(m.help),
                ));
            }
            let span = e.span().unwrap_or(0..0);
            let span = base + span.start..base + span.end.max(span.start);
            let message = e.message().trim().trim_end_matches('.').to_string();
            let first_line = message.lines().next().unwrap_or("invalid TOML").to_string();
            Err(diags.error(
                Diagnostic::error(Code::InvalidToml, format!("invalid TOML: {first_line}"))
                    .at(file, span, first_line)
                    .help(syntax_help(text, e.span(), &message)),
            ))
        }
    }
}

/// The quotes a word processor puts where `"` was typed (“ ” „ ‟ « » ‹ › ‘ ’ ‚), which
/// TOML does not read as quotes.
const TYPOGRAPHIC_QUOTES: [char; 11] = [
    '\u{201c}', '\u{201d}', '\u{201e}', '\u{201f}', '\u{ab}', '\u{bb}', '\u{2039}', '\u{203a}',
    '\u{2018}', '\u{2019}', '\u{201a}',
];

/// A syntax error explained: where, what, and the text to write instead.
struct Explained {
    span: Range<usize>,
    message: String,
    label: String,
    help: String,
}

/// The key written before `=` on a line, as TOML would write it again (`purpose.fr`), or
/// `None` when the line's start is not a key.
fn line_key(before: &str) -> Option<String> {
    let key = before.trim().strip_suffix('=')?.trim_end();
    let keys = toml_edit::Key::parse(key).ok()?;
    let parts: Vec<String> = keys.iter().map(|k| k.display_repr().into_owned()).collect();
    (!parts.is_empty()).then(|| parts.join("."))
}

/// A TOML parse error at byte `at` of `text` that comes from a word processor: a text in
/// typographic quotes, or a date written the local way (`30.11.2026`).
fn word_processor_mistake(text: &str, at: usize) -> Option<Explained> {
    let mut at = at.min(text.len());
    // The parser's offsets are character boundaries; this function never assumes it.
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[start..end].trim_end_matches('\r');
    let end = start + line.len();
    // An error on the line's closing `\r` (or past it, at the end of the text) is at its end.
    let at = at.min(end);
    // A typographic quote where a value starts.
    let value_at = match line.find('=') {
        Some(eq) if start + eq < at => {
            let after = &line[eq + 1..];
            start + eq + 1 + (after.len() - after.trim_start().len())
        }
        _ => at,
    };
    let first = text[at..end]
        .chars()
        .next()
        .filter(|c| TYPOGRAPHIC_QUOTES.contains(c))
        .map(|c| (at, c))
        .or_else(|| {
            text[value_at..end]
                .chars()
                .next()
                .filter(|c| TYPOGRAPHIC_QUOTES.contains(c))
                .map(|c| (value_at, c))
        });
    if let Some((open_at, open)) = first {
        return Some(typographic(text, start, end, open_at, open));
    }
    // A date in another order than TOML's year-month-day.
    let value = text[value_at..end]
        .split(|c: char| c.is_whitespace() || matches!(c, '#' | ',' | ']' | '}'))
        .next()
        .unwrap_or("");
    if value.is_empty() || value_at > at || at > value_at + value.len() {
        return None;
    }
    let key = line_key(&text[start..value_at]);
    let help = date_help(key.as_deref().unwrap_or(""), value)?;
    Some(Explained {
        span: value_at..value_at + value.len(),
        message: format!("invalid TOML: `{value}` is not a date TOML can read"),
        label: "TOML writes dates year-month-day".into(),
        help,
    })
}

/// A text between typographic quotes, opened at `open_at` on the line `start..end`.
fn typographic(text: &str, start: usize, end: usize, open_at: usize, open: char) -> Explained {
    let inner_at = open_at + open.len_utf8();
    let close = text[inner_at..end]
        .char_indices()
        .find(|(_, c)| TYPOGRAPHIC_QUOTES.contains(c));
    let (inner, close_end, close_char) = match close {
        Some((i, c)) => (
            &text[inner_at..inner_at + i],
            inner_at + i + c.len_utf8(),
            Some(c),
        ),
        None => (&text[inner_at..end], end, None),
    };
    // « Minimal » is French typography, with spaces inside the quotes: not part of the text.
    let inner = inner.trim();
    let value = toml_edit::Value::from(inner).to_string();
    let fixed = match line_key(&text[start..open_at]) {
        Some(key) if text[close_end..end].trim().is_empty() => format!("{key} = {value}"),
        _ => value,
    };
    let quotes = match close_char {
        Some(c) => format!("{open}…{c}"),
        None => format!("{open}…"),
    };
    Explained {
        span: open_at..close_end,
        message: format!(
            "invalid TOML: {quotes} are typographic quotes, which TOML does not read as quotes"
        ),
        label: "typographic quotes, perhaps put by a word processor".into(),
        help: format!("write straight double quotes `\"`: `{fixed}`"),
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The help for a date written as day.month.year, day/month/year or month/day/year
/// (`30.11.2026`, `11/30/2026`): the same date as TOML writes it (`key = 2026-11-30`),
/// or both readings when the order is unclear. `None` when `raw` is not such a date.
pub fn date_help(key: &str, raw: &str) -> Option<String> {
    let sep = raw.chars().find(|c| matches!(c, '.' | '/' | '-'))?;
    let parts: Vec<&str> = raw.split(sep).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    if [a, b, c]
        .iter()
        .any(|p| p.is_empty() || p.len() > 4 || !p.bytes().all(|x| x.is_ascii_digit()))
    {
        return None;
    }
    let n = |p: &str| p.parse::<u32>().ok();
    let (a_n, b_n, c_n) = (n(a)?, n(b)?, n(c)?);
    // (year, month, day) readings, the likelier first.
    let readings: Vec<(u32, u32, u32)> = if a.len() == 4 {
        vec![(a_n, b_n, c_n)]
    } else if c.len() == 4 {
        if sep == '.' || a_n > 12 {
            vec![(c_n, b_n, a_n)]
        } else if b_n > 12 {
            vec![(c_n, a_n, b_n)]
        } else {
            vec![(c_n, b_n, a_n), (c_n, a_n, b_n)]
        }
    } else {
        return None;
    };
    let mut dates: Vec<crate::date::Date> = Vec::new();
    for (y, m, d) in readings {
        let iso = format!("{y:04}-{m:02}-{d:02}");
        if let Some(date) = crate::date::Date::parse(&iso) {
            if !dates.contains(&date) {
                dates.push(date);
            }
        }
    }
    let write = |d: &crate::date::Date| {
        if key.is_empty() {
            d.iso()
        } else {
            format!("{key} = {}", d.iso())
        }
    };
    match dates.as_slice() {
        [d] => Some(format!("write the date as year-month-day: `{}`", write(d))),
        [d, e] => Some(format!(
            "write the date as year-month-day: `{}` for {} {}, or `{}` for {} {}",
            write(d),
            d.day,
            MONTHS[usize::from(d.month) - 1],
            write(e),
            e.day,
            MONTHS[usize::from(e.month) - 1],
        )),
        _ => None,
    }
}

/// A help line for the commonest TOML mistakes made by people who are not programmers.
fn syntax_help(text: &str, span: Option<Range<usize>>, message: &str) -> String {
    if message.contains("date") || message.contains("time") {
        return "write dates as year-month-day, e.g. `2026-11-29`, and check that the day exists"
            .into();
    }
    if message.contains("duplicate key") {
        return "each key may appear once per table: remove or rename one of them".into();
    }
    let line = span
        .and_then(|s| {
            let start = text[..s.start.min(text.len())]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            text[start..].lines().next()
        })
        .unwrap_or("");
    let quotes = line.matches('"').count();
    if quotes % 2 == 1 {
        "a string must start and end with a double quote `\"` on the same line".into()
    } else if line.contains('=') && !line.contains('"') && !line.contains('[') {
        "text values must be written in double quotes, e.g. `purpose = \"To remember you\"`".into()
    } else {
        "check this line against the examples in the README: `key = \"value\"`, tables as `[name]`"
            .into()
    }
}

fn fallback(span: Option<Range<usize>>, outer: &Range<usize>, base: usize) -> Range<usize> {
    match span {
        Some(s) => base + s.start..base + s.end,
        None => outer.clone(),
    }
}

fn convert_item(item: &Item, base: usize, outer: Range<usize>) -> Spanned<Val> {
    match item {
        Item::None => Spanned {
            value: Val::Table(Vec::new()),
            span: outer,
        },
        Item::Value(v) => convert_value(v, base, outer),
        Item::Table(t) => {
            let span = fallback(t.span(), &outer, base);
            let mut entries = Vec::new();
            for (k, v) in t.iter() {
                let key_span = t
                    .get_key_value(k)
                    .and_then(|(key, _)| key.span())
                    .map_or(span.clone(), |s| base + s.start..base + s.end);
                let value = convert_item(v, base, key_span.clone());
                entries.push((
                    Spanned {
                        value: k.to_string(),
                        span: key_span,
                    },
                    value,
                ));
            }
            Spanned {
                value: Val::Table(entries),
                span,
            }
        }
        Item::ArrayOfTables(a) => {
            let span = fallback(a.span(), &outer, base);
            let items = a
                .iter()
                .map(|t| convert_item(&Item::Table(t.clone()), base, span.clone()))
                .collect();
            Spanned {
                value: Val::Array(items),
                span,
            }
        }
    }
}

fn convert_value(v: &Value, base: usize, outer: Range<usize>) -> Spanned<Val> {
    let span = fallback(v.span(), &outer, base);
    let value = match v {
        Value::String(s) => Val::Str(s.value().clone()),
        Value::Integer(i) => Val::Int(*i.value()),
        Value::Float(f) => Val::Float(*f.value()),
        Value::Boolean(b) => Val::Bool(*b.value()),
        Value::Datetime(d) => Val::Datetime(d.value().to_string()),
        Value::Array(a) => Val::Array(
            a.iter()
                .map(|x| convert_value(x, base, span.clone()))
                .collect(),
        ),
        Value::InlineTable(t) => {
            let mut entries = Vec::new();
            for (k, x) in t.iter() {
                let key_span = t
                    .key(k)
                    .and_then(|key| key.span())
                    .map_or(span.clone(), |s| base + s.start..base + s.end);
                entries.push((
                    Spanned {
                        value: k.to_string(),
                        span: key_span.clone(),
                    },
                    convert_value(x, base, key_span),
                ));
            }
            Val::Table(entries)
        }
    };
    Spanned { value, span }
}

/// Reading context: the file being read and where problems go.
pub struct Reader<'d> {
    /// The file the values come from.
    pub file: FileId,
    /// Where problems are recorded.
    pub diags: &'d mut Diagnostics,
}

impl Reader<'_> {
    /// Records an error at a span.
    pub fn error(
        &mut self,
        code: Code,
        span: &Range<usize>,
        message: String,
        label: &str,
        help: String,
    ) -> ErrorReported {
        self.diags.error(
            Diagnostic::error(code, message)
                .at(self.file, span.clone(), label)
                .help(help),
        )
    }

    /// Records a wrong-type error. The example is shown on the help's line.
    pub fn wrong_type(
        &mut self,
        v: &Spanned<Val>,
        field: &str,
        expected: &str,
        example: &str,
    ) -> ErrorReported {
        self.error(
            Code::WrongType,
            &v.span,
            format!("`{field}` must be {expected}, not {}", v.value.type_name()),
            &format!("expected {expected}"),
            format!("write it like this: {example}"),
        )
    }

    /// Records a wrong-type error whose example may span several lines. Only Clause's own
    /// text may have line breaks that a terminal shows as such: hence `'static`.
    pub fn wrong_type_example(
        &mut self,
        v: &Spanned<Val>,
        field: &str,
        expected: &str,
        example: &'static str,
    ) -> ErrorReported {
        if !example.contains('\n') {
            return self.wrong_type(v, field, expected, example);
        }
        self.diags.error(
            Diagnostic::error(
                Code::WrongType,
                format!("`{field}` must be {expected}, not {}", v.value.type_name()),
            )
            .at(self.file, v.span.clone(), format!("expected {expected}"))
            .help("write it like this:")
            .example(example),
        )
    }

    /// Opens a table, reporting every key not in `known` (with a "did you mean" help).
    pub fn table<'v>(
        &mut self,
        v: &'v Spanned<Val>,
        what: &str,
        known: &[&str],
        example: &'static str,
    ) -> Result<Fields<'v>, ErrorReported> {
        let Val::Table(entries) = &v.value else {
            return Err(self.wrong_type_example(v, what, "a table", example));
        };
        let mut typos = Vec::new();
        for (k, _) in entries {
            if !known.contains(&k.value.as_str()) {
                let typo = suggest(&k.value, known.iter().copied());
                let help = match typo {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "{what} accepts only: {}",
                        known
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                let reported = self.error(
                    Code::UnknownKey,
                    &k.span,
                    format!("unknown key `{}` in {what}", k.value),
                    "unknown key",
                    help,
                );
                if let Some(s) = typo {
                    typos.push((s.to_string(), reported));
                }
            }
        }
        Ok(Fields {
            entries,
            span: v.span.clone(),
            what: what.to_string(),
            typos,
        })
    }
}

/// The keys of one table, being read.
pub struct Fields<'v> {
    entries: &'v [(Spanned<String>, Spanned<Val>)],
    /// Span of the whole table (its header for `[x]` tables).
    pub span: Range<usize>,
    what: String,
    /// Keys that an unknown key was probably meant to be: not reported again as missing
    /// (the unknown key was).
    typos: Vec<(String, ErrorReported)>,
}

impl<'v> Fields<'v> {
    /// The value of a key, if present.
    pub fn get(&self, key: &str) -> Option<&'v Spanned<Val>> {
        self.entries
            .iter()
            .find(|(k, _)| k.value == key)
            .map(|(_, v)| v)
    }

    /// The value of a key that must be present; reports a missing key.
    pub fn require(
        &self,
        r: &mut Reader,
        key: &str,
        example: &str,
    ) -> Result<&'v Spanned<Val>, ErrorReported> {
        if let Some(v) = self.get(key) {
            return Ok(v);
        }
        if let Some((_, reported)) = self.typos.iter().find(|(t, _)| t == key) {
            return Err(*reported);
        }
        Err(r.error(
            Code::MissingKey,
            &self.span,
            format!("{} has no `{key}`", self.what),
            &format!("`{key}` is missing here"),
            format!("add a line `{key} = {example}`"),
        ))
    }

    /// Every key and value, in file order.
    pub fn entries(&self) -> &'v [(Spanned<String>, Spanned<Val>)] {
        self.entries
    }
}

/// Reads a plain string.
pub fn string(
    r: &mut Reader,
    v: &Spanned<Val>,
    field: &str,
) -> Result<Spanned<String>, ErrorReported> {
    match &v.value {
        Val::Str(s) => Ok(Spanned {
            value: s.clone(),
            span: v.span.clone(),
        }),
        _ => Err(r.wrong_type(v, field, "a string", &format!("{field} = \"…\""))),
    }
}

/// Reads an array of strings.
pub fn strings(
    r: &mut Reader,
    v: &Spanned<Val>,
    field: &str,
) -> Result<Vec<Spanned<String>>, ErrorReported> {
    match &v.value {
        Val::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                out.push(string(r, item, field)?);
            }
            Ok(out)
        }
        _ => Err(r.wrong_type(
            v,
            field,
            "a list of strings",
            &format!("{field} = [\"…\", \"…\"]"),
        )),
    }
}

/// Reads a string that must be one of a few words, e.g. `consent = "required"`.
pub fn choice<T: Copy>(
    r: &mut Reader,
    v: &Spanned<Val>,
    field: &str,
    options: &[(&str, T)],
) -> Result<T, ErrorReported> {
    let s = string(r, v, field)?;
    if let Some((_, t)) = options.iter().find(|(w, _)| *w == s.value) {
        return Ok(*t);
    }
    let words: Vec<String> = options.iter().map(|(w, _)| format!("\"{w}\"")).collect();
    let help = suggest(&s.value, options.iter().map(|(w, _)| *w)).map_or_else(
        || {
            format!(
                "write `{field} = {}`",
                words.join(&format!("` or `{field} = "))
            )
        },
        |x| format!("did you mean `{x}`?"),
    );
    Err(r.error(
        Code::NotAChoice,
        &s.span,
        format!(
            "`{field}` must be {}, not \"{}\"",
            words.join(" or "),
            s.value
        ),
        &format!("unknown {field}"),
        help,
    ))
}

/// A human-readable value: one text for every locale, or one per locale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Localized {
    /// The same text in every locale.
    Same(String),
    /// One text per locale tag.
    PerLocale(BTreeMap<String, String>),
}

impl Localized {
    /// The text for a locale. Validation guarantees every site locale is present, so an absent
    /// one yields an empty string rather than another language's text.
    pub fn get(&self, locale: &str) -> &str {
        match self {
            Localized::Same(s) => s,
            Localized::PerLocale(m) => m.get(locale).map_or("", String::as_str),
        }
    }
}

/// The locales a human-readable value must have (`required`) and those it may have
/// (`known`: a platform's portal needs only its own locales, but the shared inventory may
/// translate into every locale of site.toml).
#[derive(Debug, Clone, Copy)]
pub struct LocaleSet<'a> {
    /// A text is needed for each of these.
    pub required: &'a [String],
    /// A text for one of these is not a mistake.
    pub known: &'a [String],
    /// Whether each text is checked for emptiness and placeholders ([`check_text`]): not
    /// for an old revision read to compare it, which was published as it was.
    pub check_texts: bool,
}

impl<'a> From<&'a [String]> for LocaleSet<'a> {
    fn from(l: &'a [String]) -> Self {
        LocaleSet {
            required: l,
            known: l,
            check_texts: true,
        }
    }
}

/// The words that mark a text as not written yet, as whole upper-case words (`todo` is a
/// Spanish word). `clause audit --write-stubs` writes `TODO` and `TODO: <hint>`.
pub const PLACEHOLDERS: [&str; 3] = ["TODO", "TBD", "FIXME"];

/// The first placeholder word in a text, if any.
pub fn placeholder_in(text: &str) -> Option<&'static str> {
    let words = text.split(|c: char| !c.is_alphanumeric());
    for w in words {
        if let Some(p) = PLACEHOLDERS.iter().find(|p| **p == w) {
            return Some(p);
        }
    }
    None
}

/// Checks a human-readable text that a visitor will read: an empty (or blank) one is an
/// error, since the page would show an empty cell without a word; one still holding a
/// placeholder (`TODO`, `TBD`, `FIXME`) is a warning, an error with `--strict`.
pub fn check_text(
    r: &mut Reader,
    span: &Range<usize>,
    field: &str,
    text: &str,
) -> Result<(), ErrorReported> {
    if text.trim().is_empty() {
        return Err(r.error(
            Code::EmptyText,
            span,
            format!("`{field}` is empty"),
            "no text",
            "write the text a visitor reads here (a key that is optional may also be removed)"
                .into(),
        ));
    }
    if let Some(p) = placeholder_in(text) {
        r.diags.push(
            Diagnostic::warning(Code::PlaceholderText, format!("`{field}` is still a placeholder: it holds `{p}`"))
                .at(r.file, span.clone(), "not written yet")
                .help("write the text a visitor reads here: entries written by `clause audit --write-stubs` are not ready to publish"),
        );
    }
    Ok(())
}

impl<'a> From<&'a Vec<String>> for LocaleSet<'a> {
    fn from(l: &'a Vec<String>) -> Self {
        LocaleSet::from(l.as_slice())
    }
}

/// Reads a human-readable value and checks that it has a text for every locale of the site.
pub fn localized<'a>(
    r: &mut Reader,
    v: &Spanned<Val>,
    field: &str,
    locales: impl Into<LocaleSet<'a>>,
) -> Result<Localized, ErrorReported> {
    let set = locales.into();
    let locales = set.required;
    match &v.value {
        Val::Str(s) => {
            if set.check_texts {
                check_text(r, &v.span, field, s)?;
            }
            Ok(Localized::Same(s.clone()))
        }
        Val::Table(entries) => {
            let mut map = BTreeMap::new();
            let mut failed = None;
            for (k, x) in entries {
                if !locales.contains(&k.value) {
                    if set.known.contains(&k.value) {
                        continue;
                    }
                    let help = match suggest(&k.value, locales.iter().map(String::as_str)) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!(
                            "the site's locales are {}; add `{}` to `locales` in site.toml or remove this text",
                            locales.join(", "),
                            k.value
                        ),
                    };
                    r.diags.push(
                        Diagnostic::warning(
                            Code::UnusedTranslation,
                            format!(
                                "`{field}` has a text for `{}`, which is not a locale of this site",
                                k.value
                            ),
                        )
                        .at(r.file, k.span.clone(), "unused translation")
                        .help(help),
                    );
                    continue;
                }
                match &x.value {
                    Val::Str(s) => {
                        if set.check_texts {
                            if let Err(e) =
                                check_text(r, &x.span, &format!("{field}.{}", k.value), s)
                            {
                                failed = Some(e);
                            }
                        }
                        map.insert(k.value.clone(), s.clone());
                    }
                    _ => {
                        failed = Some(r.wrong_type(
                            x,
                            &format!("{field}.{}", k.value),
                            "a string",
                            "\"…\"",
                        ));
                    }
                }
            }
            if let Some(e) = failed {
                return Err(e);
            }
            let missing: Vec<&String> = locales.iter().filter(|l| !map.contains_key(*l)).collect();
            if !missing.is_empty() {
                let list = missing
                    .iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let add = missing
                    .iter()
                    .map(|l| format!("{l} = \"…\""))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(r.error(
                    Code::MissingTranslation,
                    &v.span,
                    format!("`{field}` has no translation for {list}"),
                    "missing translation",
                    format!(
                        "add {add} to this table (Clause never shows another language instead)"
                    ),
                ));
            }
            Ok(Localized::PerLocale(map))
        }
        _ => Err(r.wrong_type(
            v,
            field,
            "a string or a table of translations",
            &format!("{field} = \"…\"  or  {field} = {{ en = \"…\", fr = \"…\" }}"),
        )),
    }
}

/// Where a part of a string value is written in the file, so that an error inside the
/// string (a pattern after `re:`) points at it rather than at the opening quote. `text` is
/// the file, `v` the string as read, `part` a byte range of its value. Escapes, line-ending
/// backslashes and the newline after `"""` are followed; when the string cannot be read back
/// to exactly its value, the whole string is the answer.
pub fn part_span(text: &str, v: &Spanned<String>, part: Range<usize>) -> Range<usize> {
    read_back(text, v, &part).unwrap_or_else(|| v.span.clone())
}

fn read_back(text: &str, v: &Spanned<String>, part: &Range<usize>) -> Option<Range<usize>> {
    let raw = text.get(v.span.clone())?;
    let (quote, basic) = [("\"\"\"", true), ("'''", false), ("\"", true), ("'", false)]
        .into_iter()
        .find(|(q, _)| raw.starts_with(q) && raw.ends_with(q) && raw.len() >= 2 * q.len())?;
    let mut body_start = quote.len();
    if quote.len() == 3 {
        // A newline right after the opening quotes is not part of the value.
        for nl in ["\r\n", "\n"] {
            if raw[body_start..].starts_with(nl) {
                body_start += nl.len();
                break;
            }
        }
    }
    let body = &raw[body_start..raw.len() - quote.len()];
    let base = v.span.start + body_start;
    // For each byte of the value, the offset in the file of the text that wrote it.
    let mut value = String::new();
    let mut origin: Vec<usize> = Vec::new();
    let mut push = |value: &mut String, c: char, at: usize| {
        value.push(c);
        origin.resize(value.len(), base + at);
    };
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !basic || c != '\\' {
            push(&mut value, c, i);
            continue;
        }
        let (_, e) = chars.next()?;
        let hex = |chars: &mut std::iter::Peekable<std::str::CharIndices>, n: usize| {
            let mut code = 0u32;
            for _ in 0..n {
                code = code * 16 + chars.next()?.1.to_digit(16)?;
            }
            char::from_u32(code)
        };
        let decoded = match e {
            'b' => '\u{8}',
            't' => '\t',
            'n' => '\n',
            'f' => '\u{c}',
            'r' => '\r',
            'e' => '\u{1b}',
            '"' => '"',
            '\\' => '\\',
            'x' => hex(&mut chars, 2)?,
            'u' => hex(&mut chars, 4)?,
            'U' => hex(&mut chars, 8)?,
            // A line-ending backslash: the whitespace and newlines after it are dropped.
            w if w.is_whitespace() && quote.len() == 3 => {
                while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                    chars.next();
                }
                continue;
            }
            _ => return None,
        };
        push(&mut value, decoded, i);
    }
    if value != v.value || part.start > part.end || part.end > value.len() {
        return None;
    }
    let at = |k: usize| origin.get(k).copied().unwrap_or(base + body.len());
    let start = at(part.start);
    // The end of the last byte's writing: the start of the next one's.
    let end = if part.end == part.start {
        start
    } else {
        at(part.end)
    };
    Some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Sources;

    /// The one error of parsing `text`: (message, the text it points at, help).
    fn parse_error(text: &str) -> (String, String, String) {
        let mut s = Sources::default();
        let id = s.add("x.toml", text);
        let mut d = Diagnostics::default();
        assert!(parse(text, id, 0, &mut d).is_err(), "{text}");
        let e = d.iter().next().expect("an error");
        let span = e.primary.as_ref().expect("located").span.clone();
        (
            e.message.clone(),
            text[span].to_string(),
            e.help.clone().unwrap_or_default(),
        )
    }

    #[test]
    fn an_error_on_a_lines_closing_carriage_return_points_inside_the_text() {
        // Found by the pipeline fuzzer: a lone `\r` at the end of the text made the error
        // fall after the line, and explaining it sliced past the line's end.
        for text in [
            "title = \"Minimal\"\nbase_url = \"https://example.org\"\r",
            "a = \"b\"\r",
            "a = 30.11.2026\r",
            "a = \u{201c}b\u{201d}\r",
            "a = \r",
            "\r",
        ] {
            let mut s = Sources::default();
            let id = s.add("x.toml", text);
            let mut d = Diagnostics::default();
            assert!(parse(text, id, 0, &mut d).is_err(), "{text:?}");
            let e = d.iter().next().expect("an error");
            let span = e.primary.as_ref().expect("located").span.clone();
            assert!(
                span.end <= text.len() && span.start <= span.end,
                "{text:?}: {span:?}"
            );
        }
    }

    #[test]
    fn an_error_offset_inside_a_character_is_explained_without_slicing_it() {
        let text = "a = \u{201c}é\u{201d}\r";
        for at in 0..=text.len() + 2 {
            // Whatever the offset, an explanation (if any) lies on character boundaries.
            if let Some(m) = word_processor_mistake(text, at) {
                assert!(text.get(m.span.clone()).is_some(), "{at}: {:?}", m.span);
            }
        }
    }

    #[test]
    fn typographic_quotes_are_named_with_the_line_to_write() {
        for (line, quoted, fixed) in [
            (
                "duration = “6 months”\n",
                "“6 months”",
                "duration = \"6 months\"",
            ),
            (
                "title = « Politique »\n",
                "« Politique »",
                "title = \"Politique\"",
            ),
            (
                "title = „Richtlinie“\n",
                "„Richtlinie“",
                "title = \"Richtlinie\"",
            ),
            (
                "purpose.fr = ‘Mesurer’\n",
                "‘Mesurer’",
                "purpose.fr = \"Mesurer\"",
            ),
            ("names = [“_ga”, \"_gid\"]\n", "“_ga”", "\"_ga\""),
            ("title = »Titel«", "»Titel«", "title = \"Titel\""),
            ("title = “unclosed\n", "“unclosed", "title = \"unclosed\""),
        ] {
            let (message, at, help) = parse_error(line);
            assert!(message.starts_with("invalid TOML: "), "{message}");
            assert!(
                message.ends_with("are typographic quotes, which TOML does not read as quotes"),
                "{message}"
            );
            assert_eq!(at, quoted, "{line}");
            assert_eq!(
                help,
                format!("write straight double quotes `\"`: `{fixed}`"),
                "{line}"
            );
        }
    }

    /// The line offered in place of typographic quotes is TOML that holds exactly the
    /// quoted text, whatever that text is (checked by parsing it back).
    #[test]
    fn the_line_offered_for_typographic_quotes_reads_back_as_the_quoted_text() {
        for inner in [
            "a \"quoted\" word",
            "back\\slash",
            "'single'",
            "\"\"\"",
            "'''",
            "tab\there",
            "bell\u{7}and\u{1b}[31mred",
            "\u{202e}reversed",
            "#not a comment",
            "= sign",
            "] bracket",
            "ünïcödé",
        ] {
            let line = format!("key = “{inner}”\n");
            let (_, _, help) = parse_error(&line);
            let fixed = help
                .strip_prefix("write straight double quotes `\"`: `")
                .and_then(|h| h.strip_suffix('`'))
                .unwrap_or_else(|| panic!("{help}"));
            let doc: toml_edit::DocumentMut =
                fixed.parse().unwrap_or_else(|e| panic!("{fixed}: {e}"));
            assert_eq!(doc["key"].as_str(), Some(inner.trim()), "{fixed}");
        }
    }

    #[test]
    fn dates_written_the_local_way_are_given_back_in_tomls_order() {
        let (message, at, help) = parse_error("updated = 30.11.2026\n");
        assert_eq!(
            message,
            "invalid TOML: `30.11.2026` is not a date TOML can read"
        );
        assert_eq!(at, "30.11.2026");
        assert_eq!(
            help,
            "write the date as year-month-day: `updated = 2026-11-30`"
        );
        let (_, at, help) = parse_error("updated = 11/30/2026 # US\n");
        assert_eq!(at, "11/30/2026");
        assert_eq!(
            help,
            "write the date as year-month-day: `updated = 2026-11-30`"
        );
        let (_, _, help) = parse_error("updated = 01/02/2026\n");
        assert_eq!(help, "write the date as year-month-day: `updated = 2026-02-01` for 1 February, or `updated = 2026-01-02` for 2 January");
        // A day that does not exist is not offered.
        assert_eq!(date_help("updated", "31.02.2026"), None);
        assert_eq!(date_help("updated", "1.2.3"), None);
        assert_eq!(
            date_help("", "29/11/2026").as_deref(),
            Some("write the date as year-month-day: `2026-11-29`")
        );
        // Other mistakes keep their own help.
        let (message, _, _) = parse_error("title = Minimal\n");
        assert!(!message.contains("typographic"), "{message}");
    }

    #[test]
    fn parts_of_strings_are_found_in_the_file() {
        for (raw, value, part, expect) in [
            (r#"x = "re:a+""#, "re:a+", 3..5, "a+"),
            (r#"x = 're:\d+'"#, r"re:\d+", 3..6, r"\d+"),
            (r#"x = "re:\\d+""#, r"re:\d+", 3..6, r"\\d+"),
            (r#"x = "re:\u00e9x""#, "re:éx", 3..6, r"\u00e9x"),
            ("x = \"\"\"\nre:a\\\n   b\"\"\"", "re:ab", 3..5, "a\\\n   b"),
            ("x = '''\r\nre:[a]'''", "re:[a]", 3..6, "[a]"),
        ] {
            let start = raw.find(['"', '\'']).expect("a string");
            let v = Spanned {
                value: value.to_string(),
                span: start..raw.len(),
            };
            assert_eq!(&raw[part_span(raw, &v, part)], expect, "{raw}");
        }
        // A value that does not read back points at the whole string.
        let v = Spanned {
            value: "other".to_string(),
            span: 4..11,
        };
        assert_eq!(part_span(r#"x = "re:a+""#, &v, 3..5), 4..11);
    }

    fn load(text: &str) -> (Option<Spanned<Val>>, Diagnostics) {
        let mut s = Sources::default();
        let id = s.add("t.toml", text);
        let mut d = Diagnostics::default();
        (parse(text, id, 0, &mut d).ok(), d)
    }

    #[test]
    fn spans_point_at_keys_and_values() {
        let text = "a = \"x\"\n[t]\nb = 1\n";
        let (v, _) = load(text);
        let Some(Spanned {
            value: Val::Table(entries),
            ..
        }) = v
        else {
            panic!("not a table")
        };
        assert_eq!(&text[entries[0].0.span.clone()], "a");
        assert_eq!(&text[entries[0].1.span.clone()], "\"x\"");
        let Val::Table(inner) = &entries[1].1.value else {
            panic!()
        };
        assert_eq!(&text[inner[0].0.span.clone()], "b");
    }

    #[test]
    fn syntax_error_is_reported_with_span() {
        let (v, d) = load("a = \"x\nb = 2\n");
        assert!(v.is_none());
        let diag = d.iter().next().expect("one diagnostic");
        assert!(diag.message.starts_with("invalid TOML"));
        assert!(diag.primary.is_some());
    }

    #[test]
    fn placeholders_are_whole_upper_case_words() {
        assert_eq!(placeholder_in("TODO"), Some("TODO"));
        assert_eq!(placeholder_in("TODO: Google Analytics"), Some("TODO"));
        assert_eq!(placeholder_in("Count visits (TBD)"), Some("TBD"));
        assert_eq!(placeholder_in("FIXME"), Some("FIXME"));
        // `todo` is a Spanish word, and a word may contain the letters.
        assert_eq!(placeholder_in("todo el sitio"), None);
        assert_eq!(placeholder_in("TODOS LOS DATOS"), None);
        assert_eq!(placeholder_in("Mastodon"), None);
    }

    #[test]
    fn empty_texts_are_errors_in_every_form() {
        for text in [
            "p = \"\"\n",
            "p = \" \\t \"\n",
            "p = { en = \"x\", fr = \"  \" }\n",
        ] {
            let (v, mut d) = load(text);
            let v = v.expect("parses");
            let Val::Table(e) = &v.value else { panic!() };
            let mut r = Reader {
                file: FileId::default_for_tests(),
                diags: &mut d,
            };
            let locales = vec!["en".to_string(), "fr".to_string()];
            assert!(localized(&mut r, &e[0].1, "p", &locales).is_err(), "{text}");
            let msg = &d.iter().next().expect("error").message;
            assert!(msg == "`p` is empty" || msg == "`p.fr` is empty", "{msg}");
        }
    }

    #[test]
    fn missing_translation_is_an_error() {
        let text = "p = { en = \"x\" }\n";
        let (v, mut d) = load(text);
        let v = v.expect("parses");
        let Val::Table(e) = &v.value else { panic!() };
        let mut r = Reader {
            file: FileId::default_for_tests(),
            diags: &mut d,
        };
        let locales = vec!["en".to_string(), "fr".to_string()];
        assert!(localized(&mut r, &e[0].1, "p", &locales).is_err());
        assert!(d.has_errors());
        let msg = &d.iter().next().expect("error").message;
        assert_eq!(msg, "`p` has no translation for `fr`");
    }
}
