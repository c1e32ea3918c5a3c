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
    // Bytes that may start such a character: ASCII controls but tab, newline and carriage
    // return (every page has those), and the lead bytes of U+0080–U+009F (C2),
    // U+FDD0–U+FFFF (EF) and the other planes (F0–F4). The function runs on every page:
    // the bytes are tested in blocks without branches (which the compiler vectorizes), and
    // only the characters that suspect bytes start are decoded.
    let suspect = |b: u8| {
        (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r')
            | (b == 0x7F)
            | (b == 0xC2)
            | (b == 0xEF)
            | (b >= 0xF0)
    };
    const BLOCK: usize = 64;
    let bytes = text.as_bytes();
    let invalid = bytes.chunks(BLOCK).enumerate().any(|(n, block)| {
        block.iter().fold(false, |any, b| any | suspect(*b))
            && block.iter().enumerate().any(|(i, b)| {
                // A lead byte or an ASCII byte starts a character: a boundary.
                suspect(*b)
                    && text
                        .get(n * BLOCK + i..)
                        .and_then(|rest| rest.chars().next())
                        .is_some_and(is_invalid_in_documents)
            })
    });
    if !invalid {
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

    /// The scan decodes only the characters that suspect bytes start: it must find every
    /// character that [`is_invalid_in_documents`] names, wherever it is.
    #[test]
    fn documents_are_checked_character_by_character() {
        let ranges = [
            0..0x300,
            0x7F0..0x810,
            0xFDC0..0xFE10,
            0xFFF0..0x10010,
            0x1FFF0..0x20010,
            0x10FFF0..0x110000,
        ];
        for c in ranges.into_iter().flatten().filter_map(char::from_u32) {
            for text in [format!("{c}"), format!("é\n{c}"), format!("{c}\u{a0}x")] {
                let expected: String = text
                    .chars()
                    .map(|x| {
                        if is_invalid_in_documents(x) {
                            '\u{FFFD}'
                        } else {
                            x
                        }
                    })
                    .collect();
                let got = document_text(&text);
                assert_eq!(got, expected, "U+{:04X}", c as u32);
                assert_eq!(
                    matches!(got, Cow::Borrowed(_)),
                    !is_invalid_in_documents(c),
                    "U+{:04X}",
                    c as u32
                );
            }
        }
    }
}
