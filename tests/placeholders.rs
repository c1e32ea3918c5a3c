//! No message can show an unfilled `{placeholder}`: every string literal of the sources that
//! holds `{name}` must be the format string of a formatting macro (`format!`, `write!`…),
//! where Rust fills it in. A `{field}` in a plain string (passed to `join`, `help`, `push_str`)
//! reaches the user as written, as the `party` help once did.
//!
//! The sources are read as Rust tokens (proc-macro2), so comments and doc comments are
//! not strings, and a literal is judged by the macro it is written in.

use std::path::Path;
use std::str::FromStr;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// Macros whose first string literal is a format string.
const FORMATTING: [&str; 14] = [
    "format",
    "format_args",
    "print",
    "println",
    "eprint",
    "eprintln",
    "write",
    "writeln",
    "panic",
    "assert",
    "assert_eq",
    "assert_ne",
    "unreachable",
    "todo",
];

/// The text between a literal's quotes, if it is a string literal (plain or raw).
fn string_body(lit: &str) -> Option<&str> {
    let rest = lit.strip_prefix('r').unwrap_or(lit);
    let hashes = rest.len() - rest.trim_start_matches('#').len();
    let rest = &rest[hashes..];
    let inner = rest.strip_prefix('"')?;
    inner.strip_suffix(&format!("\"{}", "#".repeat(hashes)))
}

/// `{name}` or `{name.field}` with single braces: a placeholder Rust fills only in a
/// format string.
fn bare_placeholders(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        // `\u{a0}` in a plain literal is a character escape, not a placeholder.
        let unicode_escape = i >= 2 && &b[i - 2..i] == b"\\u";
        if b[i] == b'{'
            && !unicode_escape
            && b.get(i + 1) != Some(&b'{')
            && (i == 0 || b[i - 1] != b'{')
        {
            let end = text[i + 1..].find('}').map(|e| i + 1 + e);
            if let Some(end) = end {
                let name = &text[i + 1..end];
                let ident = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
                if ident && b.get(end + 1) != Some(&b'}') {
                    out.push(format!("{{{name}}}"));
                }
            }
        }
        i += 1;
    }
    out
}

/// `{{name}}` in a format string: it prints `{name}`, an unfilled placeholder.
fn escaped_placeholders(text: &str) -> Vec<String> {
    let unescaped = text.replace("{{{{", "").replace("}}}}", "");
    let mut out = Vec::new();
    let mut rest = unescaped.as_str();
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        if let Some(end) = after.find("}}") {
            let name = &after[..end];
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                out.push(format!("{{{{{name}}}}}"));
            }
        }
        rest = after;
    }
    out
}

/// How the first string literal of a group is read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum First {
    /// Like any other literal.
    Plain,
    /// A format string (`format!("…")`): Rust fills its `{name}`s.
    Format,
    /// What `.replace("{name}", …)` fills: Clause's own placeholders at work; or
    /// indicatif's template (`ProgressStyle::with_template("{pos}/{len}")`), which it fills.
    Filled,
}

/// Placeholders of Clause's own UI strings (filled by `i18n::Strings` with `replace`),
/// which the file that defines those strings names as they are.
const UI_PLACEHOLDERS: [&str; 11] = [
    "n", "day", "month", "year", "prefix", "name", "provider", "category", "old", "new", "basis",
];

/// Walks the tokens; the first string literal of `tokens` is read as `first` says.
fn walk(tokens: TokenStream, file: &str, first: First, found: &mut Vec<String>) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut first = first;
    let mut i = 0;
    while i < trees.len() {
        match &trees[i] {
            // Attributes (`#[doc = "…"]`, `#[error("…{0}")]`) are not messages built here;
            // `#[cfg(test)]` items are tests, not messages.
            TokenTree::Punct(p) if p.as_char() == '#' => {
                let mut j = i + 1;
                if matches!(trees.get(j), Some(TokenTree::Punct(p)) if p.as_char() == '!') {
                    j += 1;
                }
                if let Some(TokenTree::Group(g)) = trees.get(j) {
                    if g.delimiter() == Delimiter::Bracket {
                        i = j + 1;
                        if g.stream().to_string().replace(' ', "") == "cfg(test)" {
                            while i < trees.len() {
                                let end = match &trees[i] {
                                    TokenTree::Group(g) => g.delimiter() == Delimiter::Brace,
                                    TokenTree::Punct(p) => p.as_char() == ';',
                                    _ => false,
                                };
                                i += 1;
                                if end {
                                    break;
                                }
                            }
                        }
                        continue;
                    }
                }
            }
            TokenTree::Ident(id) => {
                let name = id.to_string();
                let is_macro =
                    matches!(trees.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!');
                if let (true, Some(TokenTree::Group(g))) = (is_macro, trees.get(i + 2)) {
                    let mode = if FORMATTING.contains(&name.as_str()) {
                        First::Format
                    } else {
                        First::Plain
                    };
                    walk(g.stream(), file, mode, found);
                    i += 3;
                    continue;
                }
                let is_method =
                    i > 0 && matches!(&trees[i - 1], TokenTree::Punct(p) if p.as_char() == '.');
                if let (true, "replace", Some(TokenTree::Group(g)))
                | (_, "with_template", Some(TokenTree::Group(g))) =
                    (is_method, name.as_str(), trees.get(i + 1))
                {
                    walk(g.stream(), file, First::Filled, found);
                    i += 2;
                    continue;
                }
            }
            TokenTree::Group(g) => walk(g.stream(), file, First::Plain, found),
            TokenTree::Literal(lit) => {
                let text = lit.to_string();
                if let Some(body) = string_body(&text) {
                    let bad = match first {
                        First::Plain => bare_placeholders(body),
                        First::Format => escaped_placeholders(body),
                        First::Filled => Vec::new(),
                    };
                    first = First::Plain;
                    let line = lit.span().start().line;
                    for p in bad {
                        let name = p.trim_matches(['{', '}']);
                        if file.ends_with("src/i18n.rs") && UI_PLACEHOLDERS.contains(&name) {
                            continue;
                        }
                        found.push(format!("{file}:{line}: {p} in {text}"));
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
}

fn scan(dir: &Path, found: &mut Vec<String>) {
    for e in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
    {
        if e.path().extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(e.path()).expect("readable");
        let tokens = TokenStream::from_str(&text).expect("Rust tokens");
        let rel = e
            .path()
            .strip_prefix(dir.parent().expect("parent"))
            .expect("inside")
            .display()
            .to_string();
        walk(tokens, &rel, First::Plain, found);
    }
}

#[test]
fn no_message_shows_an_unfilled_placeholder() {
    let mut found = Vec::new();
    scan(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    assert!(
        found.is_empty(),
        "strings with a placeholder that no macro fills:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_finds_the_kinds_of_mistake_it_is_for() {
    let source = r##"
        fn f(field: &str, words: &[&str]) -> String {
            let a = format!("write `{field} = {}`", words.join("` or `{field} = "));
            let b = format!("write `{{field}}`");
            let tera = format!("{{{{ cookies }}}} and {{{{ definitions }}}}");
            let json = "{\"a\": 1}";
            let filled = template.replace("{field}", field);
            help(&format!("{field}"), "{field}");
            b
        }
        /// A doc comment may say `{field}`.
        #[error("`{0}` is not a duration")]
        struct E;
        #[cfg(test)]
        mod tests {
            const T: &str = "{field}";
        }
    "##;
    let mut found = Vec::new();
    walk(
        TokenStream::from_str(source).expect("tokens"),
        "x.rs",
        First::Plain,
        &mut found,
    );
    let lines: Vec<&str> = found
        .iter()
        .map(|f| f.split(" in ").next().unwrap_or(""))
        .collect();
    assert_eq!(
        lines,
        ["x.rs:3: {field}", "x.rs:4: {{field}}", "x.rs:8: {field}"],
        "{found:#?}"
    );
}
