//! Values in Markdown written for people to read rendered: `clause audit --format
//! markdown` and `clause diff --format markdown` (pull-request comments). A recorded cookie
//! name or a value of a `--known` list must come out as literal text in its cell: never a
//! link, an image, raw HTML, a mention, a new table row or a new line.
//!
//! Every function returns text on one line: control characters are first shown as
//! [`terminal::show`] shows them (`\n`, `\u{1b}`), the same in a comment as in a log.

use super::terminal;

/// Plain text. Every ASCII punctuation character is backslash-escaped, which CommonMark
/// makes literal whatever the context (emphasis, links, images, HTML, entities, table
/// pipes, list and heading markers), and which also keeps GitHub's autolinks off (`www\.`,
/// `https\:`). GitHub and GitLab find `@mentions` in the rendered text, where escapes are
/// gone: an `@` is followed by an invisible U+200B ZERO WIDTH SPACE so that no one is
/// notified by a recorded value.
pub fn text(s: &str) -> String {
    let shown = terminal::show(s);
    let mut out = String::with_capacity(shown.len() + 8);
    for c in shown.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
        if c == '@' {
            out.push('\u{200B}');
        }
    }
    out
}

/// An inline code span showing `s` literally, outside a table. By CommonMark's rule, the
/// fence is one backtick longer than the longest run of backticks in the value, and a
/// space pads both sides when the value starts or ends with a backtick, or starts and ends
/// with a space (CommonMark strips one such pair). Code spans are left alone by mentions,
/// autolinks and emoji. An empty value shows as an empty span.
pub fn code(s: &str) -> String {
    fenced(&terminal::show(s))
}

/// A code span inside a GitHub-flavoured table cell: like [`code`], with every `|` written
/// `\|`. Tables split rows into cells before reading code spans and take `\|` for a
/// literal `|` even inside one, so the span shows the value exactly.
pub fn cell_code(s: &str) -> String {
    fenced(&terminal::show(s).replace('|', "\\|"))
}

/// Plain text inside a table cell: [`text`] already escapes `|`.
pub fn cell_text(s: &str) -> String {
    text(s)
}

fn fenced(content: &str) -> String {
    if content.is_empty() {
        return "` `".into();
    }
    let mut longest = 0;
    let mut run = 0;
    for c in content.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let all_spaces = content.chars().all(|c| c == ' ');
    let pad = content.starts_with('`')
        || content.ends_with('`')
        || (!all_spaces && content.starts_with(' ') && content.ends_with(' '));
    if pad {
        format!("{fence} {content} {fence}")
    } else {
        format!("{fence}{content}{fence}")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use pulldown_cmark::{html, Options, Parser};

    /// Values a recording or a `--known` list could carry to a pull-request comment.
    pub(crate) const HOSTILE: &[&str] = &[
        "plain",
        "`",
        "``",
        "a`b",
        "a``b```c",
        "`start",
        "end`",
        " spaced ",
        " ",
        "",
        "@octocat",
        "mail@example.org",
        "[link](https://evil.example)",
        "![img](https://evil.example/x.png)",
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "<https://evil.example>",
        "https://evil.example www.evil.example",
        "a|b",
        "a\\|b",
        "trailing\\",
        "\\`",
        "line\nbreak",
        "cr\rlf\r\n",
        "| x | y |\n| --- | --- |\n| injected | row |",
        "*em* **strong** _u_ ~~del~~",
        "&amp; &lt;b&gt; &#64;",
        "# heading",
        "- item",
        "1. item",
        "> quote",
        "---",
        "[ref]: https://evil.example",
        "<!-- comment -->",
        "esc\u{1b}[2J nul\0 bidi\u{202e}x",
        "{{ x }} $x$ :smile: #123",
    ];

    pub(crate) fn render(md: &str) -> String {
        let mut out = String::new();
        html::push_html(&mut out, Parser::new_ext(md, Options::ENABLE_TABLES));
        out
    }

    /// The text of the first element `tag` of an HTML fragment, if it holds nothing else.
    fn only_element<'a>(html: &'a str, tag: &str) -> Option<&'a str> {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        let start = html.find(&open)? + open.len();
        let end = start + html[start..].find(&close)?;
        let inner = &html[start..end];
        (!inner.contains('<')).then_some(inner)
    }

    fn unescape(html: &str) -> String {
        html.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    #[test]
    fn code_spans_show_any_value_literally() {
        for v in HOSTILE {
            let html = render(&format!("x {} y\n", code(v)));
            let inner = only_element(&html, "code").unwrap_or_else(|| panic!("{v:?}: {html}"));
            let expected = if v.is_empty() {
                " ".into()
            } else {
                terminal::show(v)
            };
            assert_eq!(unescape(inner), expected, "{v:?}: {html}");
            assert_eq!(html.matches("<code>").count(), 1, "{v:?}: {html}");
        }
    }

    #[test]
    fn text_is_literal_and_mentions_nobody() {
        for v in HOSTILE {
            let html = render(&format!("x {} y\n", text(v)));
            let inner = only_element(&html, "p").unwrap_or_else(|| panic!("{v:?}: {html}"));
            let expected = format!("x {} y", terminal::show(v).replace('@', "@\u{200B}"));
            assert_eq!(
                unescape(inner).trim_end(),
                expected.trim_end(),
                "{v:?}: {html}"
            );
        }
    }

    #[test]
    fn table_cells_stay_in_their_cell_and_row() {
        for v in HOSTILE {
            let md = format!(
                "| a | b | c |\n| --- | --- | --- |\n| {} | {} | end |\n",
                cell_code(v),
                cell_text(v)
            );
            let html = render(&md);
            assert_eq!(html.matches("<tr>").count(), 2, "{v:?}: {html}");
            assert_eq!(html.matches("<td>").count(), 3, "{v:?}: {html}");
            let cells: Vec<&str> = html.split("<td>").skip(1).collect();
            let code_cell =
                only_element(cells[0], "code").unwrap_or_else(|| panic!("{v:?}: {html}"));
            let expected = if v.is_empty() {
                " ".into()
            } else {
                terminal::show(v)
            };
            assert_eq!(unescape(code_cell), expected, "{v:?}: {html}");
            let text_cell = &cells[1][..cells[1].find("</td>").unwrap_or(0)];
            assert!(!text_cell.contains('<'), "{v:?}: {html}");
            assert_eq!(
                unescape(text_cell),
                terminal::show(v).replace('@', "@\u{200B}").trim(),
                "{v:?}: {html}"
            );
            assert!(cells[2].starts_with("end</td>"), "{v:?}: {html}");
        }
    }

    #[test]
    fn fences_follow_commonmark() {
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`"), "`` ` ``");
        assert_eq!(code(" a "), "`  a  `");
        assert_eq!(code(" "), "` `");
        assert_eq!(code("a\nb"), "`a\\nb`");
        assert_eq!(cell_code("a|b"), "`a\\|b`");
        assert_eq!(text("a*b@c"), "a\\*b\\@\u{200B}c");
    }
}
