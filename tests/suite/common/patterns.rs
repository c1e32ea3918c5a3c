//! `re:` patterns for the property tests of the browser exports: Rust regex syntax with
//! everything JavaScript reads differently or not at all (nested classes and set
//! operations, Unicode classes, case folding, flags, anchors, word boundaries, surrogate
//! pairs, line terminators, lazy and counted repetitions), and a site that declares them.

use std::collections::BTreeMap;

use proptest::prelude::*;

use clause::input::Input;

fn one_of(items: &'static [&'static str]) -> impl Strategy<Value = String> + Clone {
    proptest::sample::select(items).prop_map(str::to_string)
}

/// A character or an escape that stands for one.
fn literal() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        4 => "[a-zA-Z0-9_]",
        2 => one_of(&[
            "\\.", "\\/", "/", "\\*", "\\(", "\\)", "\\[", "\\]", "\\{", "\\}", "\\\\", "\\|",
            "\\^", "\\$", "\\?", "\\+", "-", "<", ">", "\"", "'", "`", "=", ";", ",", " ", "\\#",
            "&", "~", "%", "!", "@", ":",
        ]),
        2 => one_of(&[
            "é", "É", "K", "\u{212A}", "ſ", "ß", "ǅ", "Σ", "ς", "\u{2028}", "\u{2029}", "😀",
            "\u{1D538}", "\u{10FFFF}", "\u{FFFF}", "\u{E000}", "\n", "\r", "\t", "\u{85}", "\u{663}",
        ]),
        2 => one_of(&[
            "\\x41", "\\x{41}", "\\x{1F600}", "\\u{E9}", "\\U{10FFFF}", "\\n", "\\r", "\\t",
            "\\x00", "\\x{2028}", "\\v", "\\f", "\\a", "\\e",
        ]),
    ]
}

/// A class written in any of Rust's forms.
fn class() -> impl Strategy<Value = String> + Clone {
    let item = prop_oneof![
        3 => "[a-z0-9_]",
        1 => "[a-z]-[m-z]",
        1 => one_of(&[
            "\\d", "\\w", "\\s", "\\D", "\\W", "\\S", "\\pL", "\\p{Greek}", "\\PN", "\\p{Lu}",
            "[:alpha:]", "[:^digit:]", "[:space:]", "[:word:]", "[:punct:]", "\\n", "\\-", "\\]",
            "\\[", "\\\\", "é", "K", "ſ", "😀-😂", "\\x{10000}-\\x{10FFFF}", "\\x{D7FF}-\\x{E000}",
            "\u{2028}", "^", ")", "(", "/", ".", "*",
        ]),
        1 => "\\[[a-c]{1,3}\\]",
        1 => "\\[\\^[a-c]\\]",
    ];
    let op = one_of(&["", "", "", "&&", "--", "~~"]);
    (any::<bool>(), prop::collection::vec((op, item), 1..4)).prop_map(|(negated, items)| {
        let mut s = String::from(if negated { "[^" } else { "[" });
        for (i, (op, item)) in items.into_iter().enumerate() {
            if i > 0 {
                s.push_str(&op);
            }
            s.push_str(&item);
        }
        s.push(']');
        s
    })
}

/// Anything that matches one character.
fn one_char() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        6 => literal(),
        3 => class(),
        2 => one_of(&[
            ".", "\\d", "\\D", "\\w", "\\W", "\\s", "\\S", "\\pL", "\\p{Greek}", "\\PN", "\\p{Nd}",
            "\\p{Lu}", "[[:alpha:]]", "[a[b]c)]", "[a&&b]", "[\\w--\\d]", "[\\pL&&\\p{Greek}]",
            "[-a]", "[]a]", "(?-u:\\w)", "(?-u:\\d)", "(?-u:.)", "(?s:.)", "(?R:.)", "(?-u:[a-z])",
        ]),
    ]
}

/// Zero-width assertions. Unicode word boundaries are rare: each one is 36 KB of JavaScript.
fn assertion() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        8 => one_of(&[
            "^", "$", "\\A", "\\z", "(?m:^)", "(?m:$)", "(?mR:^)", "(?mR:$)", "(?-u:\\b)",
            "(?-u:\\B)", "(?-u:\\b{start})", "(?-u:\\b{end})", "(?-u:\\b{start-half})",
            "(?-u:\\b{end-half})", "(?-u:\\<)", "(?-u:\\>)",
        ]),
        1 => one_of(&[
            "\\b", "\\B", "\\b{start}", "\\b{end}", "\\b{start-half}", "\\b{end-half}", "\\<", "\\>",
        ]),
    ]
}

const FLAGS: &[&str] = &[
    "i", "s", "m", "R", "U", "x", "-u", "i-u", "mR", "-i", "is", "im", "iU", "sR",
];

/// A Rust regular expression, as written after `re:`.
pub fn pattern() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![10 => one_char(), 1 => assertion(), 1 => Just(String::new())];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            4 => prop::collection::vec(inner.clone(), 1..5).prop_map(|v| v.concat()),
            2 => prop::collection::vec(inner.clone(), 2..4).prop_map(|v| v.join("|")),
            1 => (one_of(&["(", "(?:", "(?P<n>", "(?<n>"]), inner.clone())
                .prop_map(|(open, s)| format!("{open}{s})")),
            2 => (proptest::sample::select(FLAGS), any::<bool>(), inner.clone()).prop_map(
                |(f, scoped, s)| if scoped { format!("(?{f}:{s})") } else { format!("(?{f}){s}") }
            ),
            3 => (
                inner,
                one_of(&[
                    "*", "+", "?", "{2}", "{0,3}", "{1,}", "{2,4}", "{0}", "*?", "+?", "??",
                    "{1,3}?", "{3,}?",
                ]),
            )
                .prop_map(|(s, q)| format!("(?:{s}){q}")),
        ]
    })
}

/// A site whose inventory declares each of `names` (deduplicated) in one category, with one
/// provider: cookieconsent and Klaro get them in this order.
pub fn site_declaring(names: &[String]) -> Input {
    let mut inv = String::from(
        "[categories.stats]\ntitle = \"Stats\"\nconsent = \"required\"\n\n[providers.p]\nname = \"P\"\n",
    );
    let mut seen = std::collections::HashSet::new();
    for n in names.iter().filter(|n| seen.insert(n.as_str())) {
        inv.push_str(&format!(
            "\n[[cookies]]\nnames = [{}]\nprovider = \"p\"\ncategory = \"stats\"\nfunction = \"F\"\npurpose = \"P\"\nduration = \"3 days\"\n",
            toml_edit::Value::from(n.as_str())
        ));
    }
    let mut files = BTreeMap::new();
    files.insert(
        "site.toml".to_string(),
        b"title = \"T\"\nbase_url = \"https://example.org/\"\nlocales = [\"en\"]\n".to_vec(),
    );
    files.insert("content/cookies.toml".to_string(), inv.into_bytes());
    files.insert(
        "content/en/cookies.md".to_string(),
        b"+++\ntitle = \"Cookies\"\n+++\n\nIntro.\n".to_vec(),
    );
    Input::Memory(files)
}

/// The expressions among `exprs` that the inventory accepts, as `re:` names.
pub fn accepted(exprs: &[String]) -> Vec<String> {
    exprs
        .iter()
        .filter(|e| {
            clause::inventory::compile_regex(e).is_ok() && clause::jsregex::anchored(e).is_ok()
        })
        .map(|e| format!("re:{e}"))
        .collect()
}

/// A JavaScript regular expression (no flags) run by `regress`, the ECMAScript engine in
/// Rust, on a name as JavaScript holds it (UTF-16). Panics if the source does not parse.
pub fn regress_matches(
    cache: &mut std::collections::HashMap<String, regress::Regex>,
    source: &str,
    name: &str,
) -> bool {
    let re = cache.entry(source.to_string()).or_insert_with(|| {
        let units = clause::fuzzing::for_regress(source);
        regress::Regex::from_unicode(units.into_iter(), regress::Flags::default())
            .unwrap_or_else(|e| panic!("not a JavaScript regular expression: {e}: {source}"))
    });
    let units: Vec<u16> = name.encode_utf16().collect();
    re.find_from_ucs2(&units, 0).next().is_some()
}
