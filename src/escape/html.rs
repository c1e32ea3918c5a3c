//! Text for HTML written by Clause itself outside the templates (which Tera escapes): the
//! preview server's banner and pages, and the cookieconsent texts that tool inserts as
//! markup.

/// Escapes `&`, `<`, `>` and `"`: the result is safe as HTML text and inside a
/// double-quoted attribute value.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_and_quotes_are_escaped() {
        assert_eq!(
            super::text(r#"<img src=x onerror="a()"> & b"#),
            "&lt;img src=x onerror=&quot;a()&quot;&gt; &amp; b"
        );
    }
}
