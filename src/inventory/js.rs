//! The declared names as the consent banners written in JavaScript match them (Klaro,
//! cookieconsent): beside the model, since `clause check` measures them while reading the
//! inventory and `export` writes them.

use super::{CookieName, Inventory, Pattern};
use crate::jsregex;

/// A declared name as a JavaScript consent tool matches it: an exact name, or the source
/// of an equivalent JavaScript regular expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsPattern {
    /// The name itself.
    Exact(String),
    /// The source of a regular expression for `new RegExp(source)` (no flags), anchored at
    /// both ends; see [`crate::jsregex`].
    Regex(String),
}

/// The most the patterns of an inventory should take in a consent banner's configuration,
/// all together (each alone is bounded by [`jsregex::MAX_LEN`]): `clause check` warns
/// beyond it.
pub const MAX_PATTERNS_LEN: usize = 1024 * 1024;

/// How consent tools written in JavaScript should match a declared name on its own:
/// `_ga_*` becomes `^_ga_` followed by at least one more character (as `clause audit`
/// matches), and `re:…` the JavaScript form checked when the inventory was read.
pub fn js_pattern(n: &CookieName) -> JsPattern {
    match &n.pattern {
        Pattern::Exact => JsPattern::Exact(n.name.clone()),
        Pattern::Prefix => JsPattern::Regex(jsregex::prefix(n.name.trim_end_matches('*'))),
        Pattern::Regex { js, .. } => JsPattern::Regex(js.clone()),
    }
}

/// The declarations of an inventory as the consent tools must match them, by cookie then
/// name: each matches exactly the names that `clause audit` gives to it (see
/// [`crate::audit::find_declaration`]: an exact name first, then the longest prefix, then
/// the first expression in file order). A banner deletes the cookies of a refused
/// category (Klaro: service) by its patterns; a pattern that also matched a name the audit
/// gives to another declaration would delete a cookie of a category the visitor accepted,
/// a necessary one included. So a pattern's source starts with a negative look-ahead for
/// each declaration that takes precedence over it and could match one of its names.
pub fn js_patterns(inv: &Inventory) -> Vec<Vec<JsPattern>> {
    let exact: Vec<&str> = inv
        .cookies
        .iter()
        .flat_map(|c| &c.names)
        .filter(|n| matches!(n.pattern, Pattern::Exact))
        .map(|n| n.name.as_str())
        .collect();
    let prefixes: Vec<&str> = inv
        .cookies
        .iter()
        .flat_map(|c| &c.names)
        .filter(|n| n.is_prefix())
        .map(|n| n.name.trim_end_matches('*'))
        .collect();
    // Each expression's JavaScript source and what every name it matches starts with.
    let mut regexes: Vec<(&str, Starts)> = Vec::new();
    let mut out = Vec::with_capacity(inv.cookies.len());
    for c in &inv.cookies {
        let mut names = Vec::with_capacity(c.names.len());
        for n in &c.names {
            let own = js_pattern(n);
            let JsPattern::Regex(source) = own else {
                names.push(own);
                continue;
            };
            let mut before: Vec<String> = exact
                .iter()
                .filter(|e| n.matches(e))
                .map(|e| jsregex::literal(e))
                .collect();
            match &n.pattern {
                Pattern::Prefix => {
                    let p = n.name.trim_end_matches('*');
                    before.extend(
                        prefixes
                            .iter()
                            .filter(|q| q.len() > p.len() && q.starts_with(p))
                            .map(|q| jsregex::prefix(q)),
                    );
                }
                Pattern::Regex { .. } => {
                    let starts = Starts::of(n.name.strip_prefix("re:").unwrap_or_default());
                    before.extend(
                        prefixes
                            .iter()
                            .filter(|q| starts.may_start_with(q.as_bytes()))
                            .map(|q| jsregex::prefix(q)),
                    );
                    before.extend(
                        regexes
                            .iter()
                            .filter(|(_, s)| s.may_meet(&starts))
                            .map(|(js, _)| js.to_string()),
                    );
                    if let Pattern::Regex { js, .. } = &n.pattern {
                        regexes.push((js.as_str(), starts));
                    }
                }
                Pattern::Exact => {}
            }
            names.push(JsPattern::Regex(excluding(&before, &source)));
        }
        out.push(names);
    }
    out
}

/// `source` (anchored, `^…$`) except the names that one of `before` (each anchored) matches.
fn excluding(before: &[String], source: &str) -> String {
    if before.is_empty() {
        return source.to_string();
    }
    let mut out = String::from("^");
    for b in before {
        out.push_str("(?!");
        out.push_str(b);
        out.push(')');
    }
    out.push_str("(?:");
    out.push_str(source);
    out.push(')');
    out
}

/// What the names an expression matches start with: one of a finite set of byte strings,
/// or anything (`None`). Two expressions whose sets hold no two strings of which one
/// starts with the other cannot match a common name.
struct Starts(Option<Vec<Vec<u8>>>);

impl Starts {
    fn of(expr: &str) -> Starts {
        use regex_syntax::hir::literal::{ExtractKind, Extractor};
        let Ok(hir) = regex_syntax::Parser::new().parse(expr) else {
            return Starts(None);
        };
        let seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
        Starts(
            seq.literals()
                .map(|ls| ls.iter().map(|l| l.as_bytes().to_vec()).collect()),
        )
    }

    /// Whether a name it matches may start with `prefix` (or be a prefix of it).
    fn may_start_with(&self, prefix: &[u8]) -> bool {
        match &self.0 {
            None => true,
            Some(ls) => ls
                .iter()
                .any(|l| l.starts_with(prefix) || prefix.starts_with(l)),
        }
    }

    fn may_meet(&self, other: &Starts) -> bool {
        match &other.0 {
            None => true,
            Some(ls) => ls.iter().any(|l| self.may_start_with(l)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str) -> CookieName {
        let pattern = if let Some(re) = n.strip_prefix("re:") {
            Pattern::Regex {
                rust: crate::inventory::compile_regex(re).expect("regex"),
                js: jsregex::anchored(re).expect("JavaScript"),
            }
        } else if n.ends_with('*') {
            Pattern::Prefix
        } else {
            Pattern::Exact
        };
        CookieName {
            name: n.into(),
            pattern,
        }
    }

    #[test]
    fn names_become_javascript_patterns() {
        assert_eq!(js_pattern(&name("_ga")), JsPattern::Exact("_ga".into()));
        assert_eq!(
            js_pattern(&name("_pk_id.*")),
            JsPattern::Regex(
                r"^_pk_id\.(?:[^\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])+$".into()
            )
        );
        assert_eq!(
            js_pattern(&name("re:_gat_[0-9]+|_gid")),
            JsPattern::Regex("^(?:_gat_[0-9]+|_gid)$".into())
        );
        // Rust's case folding, spelt out: `ſ` (long s) folds to `s`, which JavaScript's `i`
        // flag without `u` would not know.
        assert_eq!(
            js_pattern(&name(r"re:(?i)ysc_[0-9]")),
            JsPattern::Regex(r"^[Yy][Ss\u017F][Cc]_[0-9]$".into())
        );
    }
}
