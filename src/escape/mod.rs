//! User data written into another language, escaped for that exact context: Markdown for
//! pull-request comments ([`markdown`]), a terminal or a CI log ([`terminal`]), HTML that
//! Clause writes outside the templates ([`html`]), and the characters that no HTML, XML or
//! CSV file should carry ([`document_text`]).

pub mod html;
pub mod markdown;
pub mod terminal;

use std::borrow::Cow;

/// Characters that are a parse error in HTML text and not allowed at all in XML 1.0: the
/// C0 controls but tab, newline and carriage return, DEL, the C1 controls and the
/// noncharacters (U+FDD0–U+FDEF and the last two code points of every plane).
pub fn is_invalid_in_documents(c: char) -> bool {
    let n = c as u32;
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || (0xFDD0..=0xFDEF).contains(&n)
        || n & 0xFFFE == 0xFFFE
}

/// Text for an HTML, XML or CSV file: every character of [`is_invalid_in_documents`] is
/// replaced by U+FFFD, as an HTML parser does with a NUL. Nothing else changes, so the
/// function may run on a whole rendered page.
pub fn document_text(text: &str) -> Cow<'_, str> {
    // Bytes that may start such a character: ASCII controls, and the lead bytes of
    // U+0080–U+009F (C2), U+FDD0–U+FFFF (EF) and the other planes (F0–F4).
    let suspect = |b: &u8| *b < 0x20 || *b == 0x7F || *b == 0xC2 || *b == 0xEF || *b >= 0xF0;
    if !text.as_bytes().iter().any(suspect) || !text.chars().any(is_invalid_in_documents) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if is_invalid_in_documents(c) {
                    '\u{FFFD}'
                } else {
                    c
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_lose_nul_and_other_controls_only() {
        assert_eq!(
            document_text("a\0b\u{1b}[2Jc\u{7f}d\u{85}e\u{FFFF}f\u{FDD0}g\u{10FFFE}"),
            "a\u{FFFD}b\u{FFFD}[2Jc\u{FFFD}d\u{FFFD}e\u{FFFD}f\u{FFFD}g\u{FFFD}"
        );
        let kept = "tab\tline\r\nnbsp\u{a0}é€😀\u{FDF0}\u{202e}";
        assert!(matches!(document_text(kept), Cow::Borrowed(_)));
    }
}
