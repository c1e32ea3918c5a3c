//! Clause's own English words around numbers and lists, for status lines, reports and
//! diagnostics (the page's words come from the theme's UI strings, [`crate::i18n`]).

/// `one` when `n` is 1, else `many`.
pub fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// "1 page", "2 pages": a count with its noun.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", plural(n, one, many))
}

/// The first `shown` names joined by commas, then how many more ("a, b and 3 more").
pub fn preview<S: AsRef<str>>(names: &[S], shown: usize) -> String {
    let first: Vec<&str> = names.iter().take(shown).map(AsRef::as_ref).collect();
    let more = names.len() - first.len();
    let mut out = first.join(", ");
    if more > 0 {
        out.push_str(&format!(" and {more} more"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_previews_read_naturally() {
        assert_eq!(count(1, "page", "pages"), "1 page");
        assert_eq!(count(0, "page", "pages"), "0 pages");
        assert_eq!(count(2, "cookie is", "cookies are"), "2 cookies are");
        assert_eq!(preview(&["a", "b"], 5), "a, b");
        assert_eq!(preview(&["a", "b", "c"], 2), "a, b and 1 more");
    }
}
