//! The cookie-name patterns of the inventory written as JavaScript regular expressions that
//! match exactly the names `clause audit` matches.
//!
//! A `re:` pattern is Rust regex syntax, which JavaScript reads differently or not at all
//! (nested classes, `\pL`, `(?i)`, `\x{41}`, `&&`...). It is never copied: it is parsed with
//! `regex-syntax`, the parser of the `regex` crate the audit matches with, and the JavaScript
//! source is written from the parsed form (HIR), where flags, classes and case folding are
//! already resolved into explicit code-point ranges. The output relies on no table of the
//! browser (Unicode properties, case folding, `\d`, `\w`, `\s`), so it means the same in any
//! engine, whatever its Unicode version.
//!
//! The source is written for `new RegExp(source)` without flags, the mode in which Klaro
//! compiles its cookie patterns (and in which cookieconsent gets them from the module): there
//! a string is a sequence of UTF-16 code units, so a character outside the Basic Multilingual
//! Plane is written as its surrogate pair. Every construct consumes whole characters and the
//! expression is anchored at the start, so a match never splits a pair.
//!
//! Only ASCII letters, digits and a few punctuation marks are written as themselves; any other
//! character is a `\xHH` or `\uHHHH` escape, so the source is plain ASCII.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use regex_syntax::hir::{Class, Hir, HirKind, Look, Repetition};

/// The longest JavaScript source of one pattern: each Unicode class becomes a list of ranges,
/// and every page that loads the consent banner downloads them.
pub const MAX_LEN: usize = 128 * 1024;

/// Why a pattern cannot be written for the browser.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Untranslatable {
    /// The expression does not parse (the loader rejects it first).
    #[error("{0}")]
    Syntax(String),
    /// It can match bytes that are not text (only with Unicode off, which the loader refuses).
    #[error("it can match bytes that are not text")]
    NotText,
    /// Its JavaScript form is longer than [`MAX_LEN`].
    #[error("written for the browser it takes {len} characters, more than the {MAX_LEN} allowed")]
    TooLarge {
        /// Length of the JavaScript source.
        len: usize,
    },
}

/// The JavaScript source matching what the Rust expression `expr` matches whole, as the
/// inventory compiles it (`^(?:expr)$`).
pub fn anchored(expr: &str) -> Result<String, Untranslatable> {
    // The same parser, with the same configuration, as `regex::Regex::new`.
    let hir = regex_syntax::Parser::new()
        .parse(&format!("^(?:{expr})$"))
        .map_err(|e| Untranslatable::Syntax(e.to_string()))?;
    let mut out = emit(&hir)?.0;
    // Klaro reads only an entry that starts with `^` as an expression; a leading `^` never
    // changes what an expression anchored at the start matches.
    if !out.starts_with('^') {
        out.insert(0, '^');
    }
    if out.len() > MAX_LEN {
        return Err(Untranslatable::TooLarge { len: out.len() });
    }
    Ok(out)
}

/// The JavaScript source matching exactly `name`.
pub fn literal(name: &str) -> String {
    let mut out = String::from("^");
    for c in name.chars() {
        push_char(c, &mut out);
    }
    out.push('$');
    out
}

/// The JavaScript source matching `prefix` followed by at least one more character, as a
/// `prefix*` declaration matches in the audit.
pub fn prefix(prefix: &str) -> String {
    let mut out = literal(prefix);
    out.pop();
    out.push_str(&any_char().0);
    out.push_str("+$");
    out
}

/// How tightly a piece of source binds: what it may be placed next to without a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    /// `a|b`: must be grouped inside a sequence.
    Alt,
    /// `ab`, `a*`, `^`: must be grouped before a quantifier.
    Seq,
    /// One code unit or a bracketed class: may take a quantifier.
    Atom,
}

fn group(src: String, prec: Prec, need: Prec) -> String {
    if prec >= need {
        src
    } else {
        format!("(?:{src})")
    }
}

fn emit(h: &Hir) -> Result<(String, Prec), Untranslatable> {
    Ok(match h.kind() {
        HirKind::Empty => (String::new(), Prec::Seq),
        HirKind::Literal(lit) => {
            let text = std::str::from_utf8(&lit.0).map_err(|_| Untranslatable::NotText)?;
            let mut out = String::new();
            for c in text.chars() {
                push_char(c, &mut out);
            }
            let one_unit = text.chars().count() == 1 && text.chars().all(|c| (c as u32) < 0x10000);
            (out, if one_unit { Prec::Atom } else { Prec::Seq })
        }
        HirKind::Class(Class::Unicode(c)) => {
            let ranges: Vec<(u32, u32)> = c
                .iter()
                .map(|r| (r.start() as u32, r.end() as u32))
                .collect();
            class(&ranges)
        }
        HirKind::Class(Class::Bytes(c)) => {
            // With Unicode off a byte class is a class of characters only while it is ASCII.
            if c.iter().any(|r| r.end() > 0x7F) {
                return Err(Untranslatable::NotText);
            }
            let ranges: Vec<(u32, u32)> = c
                .iter()
                .map(|r| (u32::from(r.start()), u32::from(r.end())))
                .collect();
            class(&ranges)
        }
        HirKind::Look(look) => (self::look(*look), Prec::Seq),
        HirKind::Repetition(rep) => {
            // An assertion or an empty group repeated is itself (at least once) or nothing.
            if rep.sub.properties().maximum_len() == Some(0) {
                return if rep.min == 0 {
                    Ok((String::new(), Prec::Seq))
                } else {
                    emit(&rep.sub)
                };
            }
            if let Some(flat) = flatten(rep) {
                return emit(&flat);
            }
            let (sub, prec) = emit(&rep.sub)?;
            let mut out = group(sub, prec, Prec::Atom);
            match (rep.min, rep.max) {
                (0, None) => out.push('*'),
                (1, None) => out.push('+'),
                (0, Some(1)) => out.push('?'),
                (n, None) => {
                    let _ = write!(out, "{{{n},}}");
                }
                (n, Some(m)) if n == m => {
                    let _ = write!(out, "{{{n}}}");
                }
                (n, Some(m)) => {
                    let _ = write!(out, "{{{n},{m}}}");
                }
            }
            if !rep.greedy {
                out.push('?');
            }
            (out, Prec::Seq)
        }
        // Groups only group: nothing reads what they capture.
        HirKind::Capture(cap) => emit(&cap.sub)?,
        HirKind::Concat(subs) => {
            let mut out = String::new();
            for s in subs {
                let (src, prec) = emit(s)?;
                out.push_str(&group(src, prec, Prec::Seq));
            }
            (out, Prec::Seq)
        }
        HirKind::Alternation(subs) => {
            let mut parts = Vec::with_capacity(subs.len());
            for s in subs {
                parts.push(emit(s)?.0);
            }
            (parts.join("|"), Prec::Alt)
        }
    })
}

/// A repetition of a repetition as one repetition, where both match the same names:
/// `(?:x*)+` is `x*`, `(?:x+){2,}` is `x{2,}`. JavaScript engines backtrack, and nested
/// repetitions are what makes them take exponential time on some names.
fn flatten(outer: &Repetition) -> Option<Hir> {
    let mut sub = &*outer.sub;
    // Groups only group.
    while let HirKind::Capture(c) = sub.kind() {
        sub = &c.sub;
    }
    let HirKind::Repetition(inner) = sub.kind() else {
        return None;
    };
    // From the inside out: `(?:(?:x{0,3}){2})+` is `(?:x{0,6})+`, which is `x*`.
    let flat_inner = flatten(inner);
    let inner = match flat_inner.as_ref().map(Hir::kind) {
        Some(HirKind::Repetition(r)) => r,
        Some(_) => {
            // The inner repetition became something else (it cannot: kept for safety).
            return None;
        }
        None => inner,
    };
    let (m, big_m) = (outer.min, outer.max);
    let (c, d) = (inner.min, inner.max);
    let (min, max) = match (c, d) {
        // (x*){m,M}: any number of x (M is at least 1: `{0}` is already empty).
        (0, None) => (0, None),
        // (x{c,}){m,M} with m >= 1: at least m·c; with c = 1 and m = 0, any number.
        (c, None) if m >= 1 => (m.checked_mul(c)?, None),
        (1, None) => (0, None),
        // (x{0,d}){m,}: any number; (x{0,d}){m,M}: up to M·d.
        (0, Some(_)) if big_m.is_none() => (0, None),
        (0, Some(d)) => (0, Some(big_m?.checked_mul(d)?)),
        // (x{1,d}){m,}: each turn adds 1 to d, so any number from m.
        (1, Some(_)) if big_m.is_none() => (m, None),
        _ => {
            return flat_inner.map(|h| {
                Hir::repetition(Repetition {
                    sub: Box::new(h),
                    ..outer.clone()
                })
            })
        }
    };
    Some(Hir::repetition(Repetition {
        min,
        max,
        greedy: outer.greedy,
        sub: inner.sub.clone(),
    }))
}

/// A character outside a class.
fn push_char(c: char, out: &mut String) {
    if c.is_ascii_alphanumeric() || " _!\"#%&',-:;<=>@`~".contains(c) {
        out.push(c);
    } else if "^$\\.*+?()[]{}|/".contains(c) {
        out.push('\\');
        out.push(c);
    } else {
        let mut units = [0u16; 2];
        for u in c.encode_utf16(&mut units) {
            push_unit(*u, out);
        }
    }
}

/// A code unit as an escape.
fn push_unit(u: u16, out: &mut String) {
    if u < 0x100 {
        let _ = write!(out, "\\x{u:02X}");
    } else {
        let _ = write!(out, "\\u{u:04X}");
    }
}

/// A code unit inside a class.
fn push_class_unit(u: u16, out: &mut String) {
    match char::from_u32(u32::from(u)) {
        Some(c) if c.is_ascii_alphanumeric() || " _!\"#%&',:;<=>@`~.$*+?(){}|".contains(c) => {
            out.push(c);
        }
        Some(c) if "\\]^-[/".contains(c) => {
            out.push('\\');
            out.push(c);
        }
        _ => push_unit(u, out),
    }
}

/// Ranges of code units as a bracketed class: `[a-z]`, or `[^…]` when the complement is
/// shorter to write. `ranges` are sorted, disjoint, and hold no surrogate, so the complement
/// (which holds them all) never lets a half of a pair through.
fn bracket(ranges: &[(u16, u16)]) -> String {
    fn list(ranges: &[(u16, u16)], out: &mut String) {
        for &(a, b) in ranges {
            push_class_unit(a, out);
            if b > a {
                if b > a + 1 {
                    out.push('-');
                }
                push_class_unit(b, out);
            }
        }
    }
    let mut complement = Vec::new();
    let mut next = 0u32;
    for &(a, b) in ranges {
        if u32::from(a) > next {
            complement.push((next as u16, a - 1));
        }
        next = u32::from(b) + 1;
    }
    if next <= 0xFFFF {
        complement.push((next as u16, 0xFFFF));
    }
    let mut positive = String::from("[");
    list(ranges, &mut positive);
    positive.push(']');
    let mut negative = String::from("[^");
    list(&complement, &mut negative);
    negative.push(']');
    if negative.len() < positive.len() {
        negative
    } else {
        positive
    }
}

/// Inclusive ranges of UTF-16 code units.
type Units = Vec<(u16, u16)>;

/// A class of code points (sorted, disjoint inclusive ranges) in UTF-16: the characters of
/// the Basic Multilingual Plane as one bracket, the others as surrogate pairs grouped by
/// their high half.
fn class(ranges: &[(u32, u32)]) -> (String, Prec) {
    let mut bmp: Units = Vec::new();
    let mut astral: BTreeMap<u16, Units> = BTreeMap::new();
    for &(a, b) in ranges {
        // Code points, never surrogates: the BMP part goes around them.
        for (lo, hi) in [(a, b.min(0xD7FF)), (a.max(0xE000), b.min(0xFFFF))] {
            if lo <= hi {
                bmp.push((lo as u16, hi as u16));
            }
        }
        let (lo, hi) = (a.max(0x10000), b);
        if lo > hi {
            continue;
        }
        let split = |c: u32| {
            let v = c - 0x10000;
            ((0xD800 + (v >> 10)) as u16, (0xDC00 + (v & 0x3FF)) as u16)
        };
        let ((h1, l1), (h2, l2)) = (split(lo), split(hi));
        let mut add = |h: u16, l: (u16, u16)| {
            let lows = astral.entry(h).or_default();
            match lows.last_mut() {
                Some(last) if last.1 + 1 == l.0 => last.1 = l.1,
                _ => lows.push(l),
            }
        };
        if h1 == h2 {
            add(h1, (l1, l2));
        } else {
            add(h1, (l1, 0xDFFF));
            for h in h1 + 1..h2 {
                add(h, (0xDC00, 0xDFFF));
            }
            add(h2, (0xDC00, l2));
        }
    }
    // Merge adjacent ranges (a class split around the surrogates may meet itself again).
    bmp.dedup_by(|b, a| {
        if u32::from(a.1) + 1 >= u32::from(b.0) {
            a.1 = a.1.max(b.1);
            true
        } else {
            false
        }
    });
    let mut alternatives = Vec::new();
    if !bmp.is_empty() {
        alternatives.push(bracket(&bmp));
    }
    // High halves in a row that share their low halves are written once.
    // (first high half, last high half, the low halves each takes)
    let mut runs: Vec<(u16, u16, Units)> = Vec::new();
    for (h, lows) in astral {
        match runs.last_mut() {
            Some((_, end, l)) if *end + 1 == h && *l == lows => *end = h,
            _ => runs.push((h, h, lows)),
        }
    }
    for (h1, h2, lows) in runs {
        let mut alt = if h1 == h2 {
            let mut s = String::new();
            push_unit(h1, &mut s);
            s
        } else {
            bracket(&[(h1, h2)])
        };
        match lows.as_slice() {
            [(a, b)] if a == b => push_unit(*a, &mut alt),
            _ => alt.push_str(&bracket(&lows)),
        }
        alternatives.push(alt);
    }
    match alternatives.len() {
        // A class that matches nothing.
        0 => ("[]".to_string(), Prec::Atom),
        1 if !bmp.is_empty() => (alternatives.remove(0), Prec::Atom),
        1 => (alternatives.remove(0), Prec::Seq),
        _ => (format!("(?:{})", alternatives.join("|")), Prec::Atom),
    }
}

/// Any character: the prefix declarations' "at least one more character".
fn any_char() -> &'static (String, Prec) {
    static ANY: OnceLock<(String, Prec)> = OnceLock::new();
    ANY.get_or_init(|| class(&[(0, 0x10FFFF)]))
}

/// Unicode's `\w`, as the audit's `\b` reads it.
fn unicode_word() -> &'static str {
    static WORD: OnceLock<String> = OnceLock::new();
    WORD.get_or_init(|| match regex_syntax::Parser::new().parse(r"\w") {
        Ok(h) => match emit(&h) {
            Ok((src, prec)) => group(src, prec, Prec::Atom),
            Err(_) => String::from("[]"),
        },
        Err(_) => String::from("[]"),
    })
}

/// An assertion. JavaScript's `\b` and `\w` (without the `u` and `i` flags) are ASCII, as
/// Rust's `(?-u:\b)`; Unicode word boundaries are written with look-behind and look-ahead.
fn look(l: Look) -> String {
    let w = unicode_word;
    match l {
        Look::Start => "^".into(),
        Look::End => "$".into(),
        Look::StartLF => r"(?:^|(?<=\n))".into(),
        Look::EndLF => r"(?:$|(?=\n))".into(),
        // After `\r` or `\n`, but never between `\r` and `\n`.
        Look::StartCRLF => r"(?:^|(?<=\n)|(?<=\r)(?!\n))".into(),
        Look::EndCRLF => r"(?:$|(?=\r)|(?=\n)(?<!\r))".into(),
        Look::WordAscii => r"\b".into(),
        Look::WordAsciiNegate => r"\B".into(),
        Look::WordStartAscii => r"\b(?=\w)".into(),
        Look::WordEndAscii => r"\b(?!\w)".into(),
        Look::WordStartHalfAscii => r"(?:\b(?=\w)|\B(?!\w))".into(),
        Look::WordEndHalfAscii => r"(?!\w)".into(),
        Look::WordUnicode => format!("(?:(?<={0})(?!{0})|(?<!{0})(?={0}))", w()),
        Look::WordUnicodeNegate => format!("(?:(?<={0})(?={0})|(?<!{0})(?!{0}))", w()),
        Look::WordStartUnicode => format!("(?<!{0})(?={0})", w()),
        Look::WordEndUnicode => format!("(?<={0})(?!{0})", w()),
        Look::WordStartHalfUnicode => format!("(?<!{0})", w()),
        Look::WordEndHalfUnicode => format!("(?!{0})", w()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn js(expr: &str) -> String {
        anchored(expr).expect("written for JavaScript")
    }

    #[test]
    fn plain_patterns_stay_readable() {
        assert_eq!(js("_gat_[0-9]+"), "^_gat_[0-9]+$");
        assert_eq!(js("_gat_[0-9]+|_gid"), "^(?:_gat_[0-9]+|_gid)$");
        assert_eq!(js(r"_pk_id\.[0-9a-f]{16}"), r"^_pk_id\.[0-9a-f]{16}$");
        assert_eq!(js("a{2,3}?b*?"), "^a{2,3}?b*?$");
        assert_eq!(literal("^a.b$"), r"^\^a\.b\$$");
        assert_eq!(
            prefix("_ga_"),
            r"^_ga_(?:[^\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])+$"
        );
    }

    #[test]
    fn rust_only_syntax_is_written_as_what_it_means() {
        assert_eq!(js("[a[b]c)]"), "^[)a-c]$");
        assert_eq!(js(r"\x{41}"), "^A$");
        assert_eq!(js("(?P<n>x)(?<m>y)"), "^xy$");
        assert_eq!(js("[a&&b]"), "^[]$", "a class that matches nothing");
        assert_eq!(js(r"\A_ga\z"), "^^_ga$$");
        assert_eq!(js("[[:digit:]]"), "^[0-9]$");
        // Rust's case folding, not the browser's: the Kelvin sign is a `k`.
        assert_eq!(js("(?i)k"), r"^[Kk\u212A]$");
        // `.` never matches `\n`, and takes a surrogate pair whole.
        assert_eq!(
            js("."),
            r"^(?:[^\x0A\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])$"
        );
        assert_eq!(js(r"(?m)^a$"), r"^(?:^|(?<=\n))a(?:$|(?=\n))$");
        assert_eq!(js(r"(?-u:\b)a"), r"^\ba$");
        assert!(js(r"\d").contains(r"\u0660-\u0669"), "Arabic-Indic digits");
    }

    #[test]
    fn characters_are_escapes_or_plain_ascii() {
        assert_eq!(js("\u{1F600}"), r"^\uD83D\uDE00$");
        assert_eq!(js("[😀-😂]+"), r"^(?:\uD83D[\uDE00-\uDE02])+$");
        assert_eq!(js("a\u{2028}b\nc"), r"^a\u2028b\x0Ac$");
        assert_eq!(js("</script>"), r"^<\/script>$");
        for hostile in [
            "</script>",
            "`${x}`",
            "\"'\u{2028}\u{0}",
            "é\u{10FFFF}",
            "a*/",
            r"\/x",
        ] {
            let out = js(&regex_syntax::escape(hostile));
            assert!(
                out.chars().all(|c| c.is_ascii() && !c.is_ascii_control()),
                "{out}"
            );
        }
    }

    #[test]
    fn nested_repetitions_become_one_where_that_means_the_same() {
        assert_eq!(js("(?:(?:a)*)+"), "^a*$");
        assert_eq!(js("(?:a+){2,}"), "^a{2,}$");
        assert_eq!(js("(?:a+)?"), "^a*$");
        assert_eq!(js("(?:(?:x{0,3}){2})+"), "^x*$");
        assert_eq!(js("(?:x{0,3}){2}"), "^x{0,6}$");
        assert_eq!(js("((?:a?)+)"), "^a*$");
        // Multiples of three are not "three or more".
        assert_eq!(js("(?:a{3})+"), "^(?:a{3})+$");
        // An assertion or nothing repeated is itself or nothing.
        assert_eq!(js("(?:^)+a(?:$)*"), "^^a$");
    }

    #[test]
    fn what_is_too_large_for_a_banner_is_refused() {
        assert!(matches!(
            anchored(r"\ba\bb\bc\b"),
            Err(Untranslatable::TooLarge { .. })
        ));
        assert!(anchored(r"\bfoo\b").is_ok());
        assert!(matches!(anchored("("), Err(Untranslatable::Syntax(_))));
    }
}
