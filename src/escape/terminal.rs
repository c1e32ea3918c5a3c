//! Values shown on a terminal or in a CI log. A recorded cookie name or an inventory value
//! could otherwise clear the screen (`ESC[2J`), rewrite a line (`\r`), start a line that
//! looks like Clause's own report or a CI command (`\n::error::…`), or reorder what is
//! shown (U+202E). Such characters are shown as Rust's `{:?}` shows them, the way rustc
//! shows them in its messages: `\0`, `\t`, `\n`, `\r`, else `\u{1b}`. Backslashes are left
//! as they are, so that paths read as typed.
//!
//! A CI runner also reads commands in plain text: GitHub Actions a line that starts with
//! `::` once leading spaces are trimmed (`::error::…`, `::add-mask::…`,
//! `::stop-commands::…`), and `##[…]` anywhere in a line (Azure Pipelines: `##vso[`). A
//! value never starts one: a `:` that begins a value's leading `::` is shown as `\u{3a}`,
//! and the second `#` of `##[` or `##vso[` as `\u{23}`, wherever the value is printed. The
//! JSON formats get the same `#` as `\u0023` ([`json`]).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether a character is shown escaped: the control characters (C0, DEL, C1), the line
/// and paragraph separators, and the bidirectional formatting characters rustc warns about.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// Appends the escaped form of one character.
fn push_escaped(out: &mut String, c: char) {
    match c {
        '\0' => out.push_str("\\0"),
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// Whether the character at byte `i` of `s` is the second `#` of a legacy CI command
/// (`##[` or `##vso[`), which runners read anywhere in a line.
fn starts_ci_command(s: &str, i: usize) -> bool {
    let b = s.as_bytes();
    i > 0
        && b[i] == b'#'
        && b[i - 1] == b'#'
        && (b[i + 1..].starts_with(b"[") || b[i + 1..].starts_with(b"vso["))
}

/// The byte offset of the `:` that begins the value's leading `::` (after spaces and tabs,
/// which runners trim), if it has one.
fn leading_command(s: &str) -> Option<usize> {
    let at = s.len() - s.trim_start_matches([' ', '\t']).len();
    s[at..].starts_with("::").then_some(at)
}

fn escape_where(s: &str, escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    let lead = leading_command(s);
    let ci = |i: usize, c: char| Some(i) == lead || (c == '#' && starts_ci_command(s, i));
    if lead.is_none() && !s.char_indices().any(|(i, c)| escape(c) || ci(i, c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.char_indices() {
        if escape(c) || ci(i, c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A value on one line: every character of [`needs_escape`] escaped, newlines included,
/// and so is what would start a CI command (see the module's comment).
pub fn show(s: &str) -> Cow<'_, str> {
    escape_where(s, needs_escape)
}

/// JSON printed where a CI runner reads it: `##[` and `##vso[` inside strings (the only
/// place a `#` can be in JSON) become `#\u0023[`, which parses to the same value.
pub fn json(text: String) -> String {
    if !text.contains("##") {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for (i, c) in text.char_indices() {
        if c == '#' && starts_ci_command(&text, i) {
            out.push_str("\\u0023");
        } else {
            out.push(c);
        }
    }
    out
}

/// Text of several lines written by Clause itself (a status line with its help, a help
/// with an example): like [`show`], but newlines are kept. Values interpolated into such
/// text must already have gone through [`show`].
pub fn show_lines(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| c != '\n' && needs_escape(c))
}

/// A source file as a diagnostic quotes it: escaped like [`show_lines`], except that tabs
/// (which the renderer expands) and the carriage return of a CRLF line end are kept. Byte
/// offsets into the file are mapped to offsets into the escaped text and back, so that
/// carets stay under what they point at and columns stay those of the file.
#[derive(Debug, Clone)]
pub struct EscapedSource {
    /// The escaped text.
    pub text: String,
    /// The escaped characters, in file order.
    shifts: Vec<Shift>,
}

/// One escaped character.
#[derive(Debug, Clone, Copy)]
struct Shift {
    /// Its offset in the file.
    orig: usize,
    /// The offset of its escape in the escaped text.
    at: usize,
    /// The length of its escape.
    len: usize,
    /// How many bytes longer the escaped text is once this escape is written.
    grown: usize,
}

impl EscapedSource {
    /// The escaped source, or `None` when the file has nothing to escape.
    pub fn new(text: &str) -> Option<EscapedSource> {
        let bytes = text.as_bytes();
        let quoted = |i: usize, c: char| {
            (needs_escape(c)
                && c != '\n'
                && c != '\t'
                && !(c == '\r' && bytes.get(i + 1) == Some(&b'\n')))
                || (c == '#' && starts_ci_command(text, i))
        };
        if !text.char_indices().any(|(i, c)| quoted(i, c)) {
            return None;
        }
        let mut out = String::with_capacity(text.len() + 16);
        let mut shifts = Vec::new();
        for (i, c) in text.char_indices() {
            if quoted(i, c) {
                let at = out.len();
                push_escaped(&mut out, c);
                shifts.push(Shift {
                    orig: i,
                    at,
                    len: out.len() - at,
                    grown: out.len() - (i + c.len_utf8()),
                });
            } else {
                out.push(c);
            }
        }
        Some(EscapedSource { text: out, shifts })
    }

    /// The offset in the escaped text of a (character-boundary) offset in the file.
    pub fn to_shown(&self, offset: usize) -> usize {
        match self.shifts.partition_point(|s| s.orig < offset) {
            0 => offset,
            n => offset + self.shifts[n - 1].grown,
        }
    }

    /// The offset in the file of an offset in the escaped text (the escaped character's
    /// own offset for an offset inside its escape).
    pub fn to_original(&self, shown: usize) -> usize {
        match self.shifts.partition_point(|s| s.at <= shown) {
            0 => shown,
            n => {
                let s = self.shifts[n - 1];
                if shown < s.at + s.len {
                    s.orig
                } else {
                    shown - s.grown
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_shown_as_rust_debug_shows_them() {
        assert_eq!(
            show("a\u{1b}[2Jb\rc\nd\0e\tf\u{7f}\u{9b}\u{202e}g\u{2028}"),
            "a\\u{1b}[2Jb\\rc\\nd\\0e\\tf\\u{7f}\\u{9b}\\u{202e}g\\u{2028}"
        );
        assert!(matches!(show("C:\\site\\ été 😀"), Cow::Borrowed(_)));
        assert_eq!(
            show_lines("error: \u{1b}x\n  = help"),
            "error: \\u{1b}x\n  = help"
        );
    }

    #[test]
    fn values_never_start_a_ci_command() {
        assert_eq!(show("::error::x"), "\\u{3a}:error::x");
        assert_eq!(show(" \t::add-mask::x"), " \\t\\u{3a}:add-mask::x");
        assert_eq!(show("a::b"), "a::b", "only a value's leading `::`");
        assert_eq!(
            show("x##[error]y ##vso[task] #[a] # #"),
            "x#\\u{23}[error]y #\\u{23}vso[task] #[a] # #"
        );
        assert_eq!(show_lines("::x\n##[y"), "\\u{3a}:x\n#\\u{23}[y");
        let raw = serde_json::json!({"n": "a##[error]b ##vso[x]"}).to_string();
        let safe = json(raw);
        assert!(!safe.contains("##[") && !safe.contains("##vso["), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back["n"], "a##[error]b ##vso[x]");
        let e = EscapedSource::new("# ##[error]x\n").expect("something to escape");
        assert_eq!(e.text, "# #\\u{23}[error]x\n");
    }

    #[test]
    fn source_offsets_map_both_ways() {
        let text = "a = \"\u{1b}[2J\u{202e}x\"\r\ny\rz\n\tw\0";
        let e = EscapedSource::new(text).expect("something to escape");
        assert_eq!(e.text, "a = \"\\u{1b}[2J\\u{202e}x\"\r\ny\\rz\n\tw\\0");
        for (i, _) in text.char_indices().chain([(text.len(), ' ')]) {
            let s = e.to_shown(i);
            assert_eq!(e.to_original(s), i, "offset {i}");
            assert!(e.text.is_char_boundary(s));
        }
        // `x` follows two escapes: 5 + 6 + 3 + 8 bytes in.
        assert_eq!(&e.text[e.to_shown(text.find('x').unwrap_or(0))..][..1], "x");
        assert!(EscapedSource::new("plain\r\n\ttext\n").is_none());
    }
}
