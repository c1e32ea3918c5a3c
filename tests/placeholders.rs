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

/// `{name}`, `{name.field}`, `{name:?}`, `{:?}` or `{0:>4}` with single braces: a
/// placeholder Rust fills only in a format string. `{}` and `{0}` alone are left out: in
/// a plain literal they are as often a regular expression's `{}` or `{2}`.
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
                let inner = &text[i + 1..end];
                // `{name:?}`, `{0:>4}`, `{:?}`: an argument and a format spec.
                let (name, spec) = inner.split_once(':').unwrap_or((inner, ""));
                let positional = name.chars().all(|c| c.is_ascii_digit());
                let argument = (positional && !spec.is_empty())
                    || (name
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                        && name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.'));
                let spec_ok = spec
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "?<>^+#-.$ ".contains(c));
                if argument && spec_ok && b.get(end + 1) != Some(&b'}') {
                    out.push(format!("{{{inner}}}"));
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
const UI_PLACEHOLDERS: [&str; 15] = [
    "n", "day", "month", "year", "prefix", "name", "provider", "category", "old", "new", "basis",
    "date", "title", "from", "to",
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
                        // thiserror's `#[error("…")]` is a format string: `{{name}}` in
                        // it prints an unfilled `{name}`.
                        let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                        if let [TokenTree::Ident(id), TokenTree::Group(args)] = inner.as_slice() {
                            if id == "error" {
                                walk(args.stream(), file, First::Format, found);
                            }
                        }
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
            let positional = help("must be {:?} or {0:?}, not {} or [0-9]{2}");
            b
        }
        /// A doc comment may say `{field}`.
        #[error("`{0}` is not a duration")]
        struct E;
        #[error("`{{field}}` is not a duration")]
        struct F;
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
        [
            "x.rs:3: {field}",
            "x.rs:4: {{field}}",
            "x.rs:8: {field}",
            "x.rs:9: {:?}",
            "x.rs:9: {0:?}",
            "x.rs:15: {{field}}"
        ],
        "{found:#?}"
    );
}

/// The `{placeholders}` of a UI string.
fn ui_placeholders(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Every string of a UI strings file, by key (`minute.one` for plural forms).
fn ui_strings(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).expect("readable");
    let doc: toml_edit::DocumentMut = text.parse().expect("TOML");
    let mut out = Vec::new();
    for (key, item) in doc.iter() {
        if let Some(s) = item.as_str() {
            out.push((key.to_string(), s.to_string()));
        } else if let Some(t) = item.as_inline_table() {
            for (form, v) in t.iter() {
                if let Some(s) = v.as_str() {
                    out.push((format!("{key}.{form}"), s.to_string()));
                }
            }
        }
    }
    out
}

/// A translation that misspells, drops or adds a `{placeholder}` shows it unfilled (or
/// loses a value): each UI string of the built-in theme has, in every language, the
/// placeholders it has in English, all of them ones that Clause fills.
#[test]
fn ui_strings_have_the_placeholders_their_code_fills_in_every_language() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/i18n");
    let english = ui_strings(&dir.join("en.toml"));
    let mut problems = Vec::new();
    for (key, text) in &english {
        for p in ui_placeholders(text) {
            if !UI_PLACEHOLDERS.contains(&p.as_str()) {
                problems.push(format!(
                    "en.toml: `{key}` has {{{p}}}, which Clause never fills"
                ));
            }
        }
    }
    for entry in std::fs::read_dir(&dir).expect("i18n folder") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for (key, text) in ui_strings(&path) {
            // Plural forms other than English's take the placeholders of `other`.
            let base = key.split('.').next().unwrap_or(&key);
            let expected = english
                .iter()
                .find(|(k, _)| *k == key || *k == format!("{base}.other") || *k == base)
                .map(|(_, t)| ui_placeholders(t));
            match expected {
                Some(expected) if expected == ui_placeholders(&text) => {}
                Some(expected) => problems.push(format!(
                    "{name}: `{key}` has {:?}, English has {expected:?}",
                    ui_placeholders(&text)
                )),
                // Only where the language writes the first of a month apart ("1er").
                None if key == "first_of_month"
                    && ui_placeholders(&text).iter().all(|p| p == "day") => {}
                None => problems.push(format!("{name}: `{key}` is not in en.toml")),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
