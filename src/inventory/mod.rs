//! The cookie inventory: definitions, categories, providers and cookies, as the rest of
//! Clause sees them once validated. Its reader, with every check and message, is
//! [`read`] (the way cargo keeps `TomlManifest` apart from `Manifest`).

pub mod read;

use std::ops::Range;

use crate::decode::Localized;
use crate::diagnostics::{suggest, FileId};

/// A glossary entry.
#[derive(Debug, Clone)]
pub struct Definition {
    /// Stable identifier, used as the anchor.
    pub id: String,
    /// The term defined.
    pub term: Localized,
    /// Its definition.
    pub text: Localized,
}

/// Whether a category needs the visitor's consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Consent {
    /// Consent must be asked.
    Required,
    /// Strictly necessary or anonymised: no consent needed.
    Exempt,
}

impl Consent {
    /// Every setting, in the order the inventory's help lists them.
    pub const ALL: [Consent; 2] = [Consent::Required, Consent::Exempt];

    /// The word of the inventory (`consent = "required"`), of `cookies.json` and of reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Consent::Required => "required",
            Consent::Exempt => "exempt",
        }
    }
}

/// A category of cookies: one section and table on the page.
#[derive(Debug, Clone)]
pub struct Category {
    /// Identifier, used in `{{ cookies <id> }}` and as the section's anchor.
    pub id: String,
    /// The file it is declared in.
    pub file: FileId,
    /// Where it is declared.
    pub span: Range<usize>,
    /// Heading and table caption.
    pub title: Localized,
    /// Text under the heading.
    pub description: Option<Localized>,
    /// Whether consent is needed.
    pub consent: Consent,
}

/// Who sets a cookie.
#[derive(Debug, Clone)]
pub struct Provider {
    /// Identifier used by cookies.
    pub id: String,
    /// Display name.
    pub name: Localized,
    /// Home page.
    pub url: Option<String>,
    /// Privacy policy page.
    pub privacy_policy: Option<String>,
}

/// First- or third-party cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Party {
    /// Set by the site itself.
    First,
    /// Set by another site.
    Third,
}

impl Party {
    /// Both parties, in the order the inventory's help lists them.
    pub const ALL: [Party; 2] = [Party::First, Party::Third];

    /// The word of the inventory (`party = "third"`), of `cookies.json` and of reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Party::First => "first",
            Party::Third => "third",
        }
    }
}

/// A cookie's lifetime unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unit {
    /// Minutes.
    Minute,
    /// Hours.
    Hour,
    /// Days.
    Day,
    /// Weeks.
    Week,
    /// Months.
    Month,
    /// Years.
    Year,
}

impl Unit {
    /// The UI-string key of the unit.
    pub fn key(self) -> &'static str {
        match self {
            Unit::Minute => "minute",
            Unit::Hour => "hour",
            Unit::Day => "day",
            Unit::Week => "week",
            Unit::Month => "month",
            Unit::Year => "year",
        }
    }
}

/// How long a cookie lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duration {
    /// Deleted when the browser closes.
    Session,
    /// A fixed lifetime.
    Fixed(u32, Unit),
}

impl std::fmt::Display for Duration {
    /// As written in the inventory: "session", "1 month", "13 months".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Duration::Session => f.write_str("session"),
            Duration::Fixed(n, unit) => {
                let s = crate::text::plural(*n as usize, "", "s");
                write!(f, "{n} {}{s}", unit.key())
            }
        }
    }
}

/// Why a lifetime cannot be read: the message, the label under the value, and the help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError {
    /// What is wrong.
    pub message: String,
    /// The label under the value.
    pub label: &'static str,
    /// What to write instead.
    pub help: String,
}

/// Parses `"session"` or `"<n> <unit>"` (singular or plural unit).
pub fn parse_duration(s: &str) -> Result<Duration, DurationError> {
    let not_a_duration = |help: String| DurationError {
        message: format!("`{s}` is not a duration"),
        label: "not a duration",
        help,
    };
    let t = s.trim();
    if t.eq_ignore_ascii_case("session") {
        return Ok(Duration::Session);
    }
    let mut parts = t.split_whitespace();
    let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(not_a_duration(
            "write a number and a unit, e.g. \"13 months\", or \"session\"".into(),
        ));
    };
    let n: u32 = match n.parse() {
        Ok(n) => n,
        Err(e) if matches!(e.kind(), std::num::IntErrorKind::PosOverflow) => {
            return Err(DurationError {
                message: format!("`{n}` is too large a number for a lifetime"),
                label: "too large",
                help: format!(
                    "the largest number Clause accepts is {}; count in a larger unit, e.g. \"10 years\"",
                    u32::MAX
                ),
            })
        }
        Err(_) => {
            return Err(not_a_duration(format!(
                "`{n}` is not a whole number: write e.g. \"13 months\""
            )))
        }
    };
    if n == 0 {
        return Err(not_a_duration("a lifetime of 0 is not a lifetime: use \"session\" for cookies deleted when the browser closes".into()));
    }
    let unit = match unit.to_ascii_lowercase().trim_end_matches('s') {
        "minute" => Unit::Minute,
        "hour" => Unit::Hour,
        "day" => Unit::Day,
        "week" => Unit::Week,
        "month" => Unit::Month,
        "year" => Unit::Year,
        other => {
            let units = ["minute", "hour", "day", "week", "month", "year"];
            return Err(not_a_duration(match suggest(other, units) {
                Some(u) => format!("unknown unit `{unit}`: did you mean `{u}`?"),
                None => {
                    format!("unknown unit `{unit}`: use minute, hour, day, week, month or year")
                }
            }));
        }
    };
    Ok(Duration::Fixed(n, unit))
}

/// How a declared name matches the names a browser records.
#[derive(Debug, Clone)]
pub enum Pattern {
    /// The name itself.
    Exact,
    /// `prefix*`: any name starting with the text before `*` (and longer than it).
    Prefix,
    /// `re:<expression>`: any name the regular expression matches whole.
    Regex {
        /// The expression, anchored, as the audit matches it.
        rust: regex::Regex,
        /// The same expression written for JavaScript (see [`crate::jsregex`]).
        js: String,
    },
}

/// A declared cookie name: exact, a prefix pattern (`_ga_*`) or a regular expression (`re:…`).
#[derive(Debug, Clone)]
pub struct CookieName {
    /// As written.
    pub name: String,
    /// How it matches.
    pub pattern: Pattern,
}

impl CookieName {
    /// Whether a recorded cookie name is covered by this declaration.
    pub fn matches(&self, observed: &str) -> bool {
        match &self.pattern {
            Pattern::Exact => self.name == observed,
            Pattern::Prefix => {
                let prefix = self.name.trim_end_matches('*');
                observed.len() > prefix.len() && observed.starts_with(prefix)
            }
            Pattern::Regex { rust, .. } => rust.is_match(observed),
        }
    }

    /// True for `prefix*` patterns.
    pub fn is_prefix(&self) -> bool {
        matches!(self.pattern, Pattern::Prefix)
    }

    /// True for `re:` patterns.
    pub fn is_regex(&self) -> bool {
        matches!(self.pattern, Pattern::Regex { .. })
    }
}

/// Compiles a `re:` pattern, anchored at both ends, with a size limit so that a hostile
/// expression cannot exhaust memory (matching is linear-time in the regex crate).
pub fn compile_regex(expr: &str) -> Result<regex::Regex, String> {
    let last_line = |e: String| e.lines().last().unwrap_or("invalid").trim().to_string();
    // The expression must stand on its own: `a)|(.*` would otherwise close the anchoring
    // group and match any name.
    regex_syntax::Parser::new()
        .parse(expr)
        .map_err(|e| last_line(e.to_string()))?;
    regex::RegexBuilder::new(&format!("^(?:{expr})$"))
        .size_limit(1 << 20)
        .build()
        .map_err(|e| last_line(e.to_string()))
}

/// One `[[cookies]]` entry.
#[derive(Debug, Clone)]
pub struct Cookie {
    /// Names and patterns.
    pub names: Vec<CookieName>,
    /// Index into [`Inventory::providers`].
    pub provider: usize,
    /// Index into [`Inventory::categories`].
    pub category: usize,
    /// Function and location.
    pub function: Localized,
    /// Purposes.
    pub purpose: Localized,
    /// Lifetime.
    pub duration: Duration,
    /// Extra words on the lifetime.
    pub duration_note: Option<Localized>,
    /// First or third party.
    pub party: Party,
}

/// The whole inventory.
#[derive(Debug, Clone)]
pub struct Inventory {
    /// The file it was read from.
    pub file: FileId,
    /// Glossary, in file order.
    pub definitions: Vec<Definition>,
    /// Categories, in file order.
    pub categories: Vec<Category>,
    /// Providers, in file order.
    pub providers: Vec<Provider>,
    /// Cookies, in file order.
    pub cookies: Vec<Cookie>,
    /// The ids of categories declared with an error (reported): the prose may name them
    /// without a second error about the same mistake.
    pub rejected: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> CookieName {
        let pattern = if let Some(e) = s.strip_prefix("re:") {
            Pattern::Regex {
                rust: compile_regex(e).expect("valid"),
                js: crate::jsregex::anchored(e).expect("written for JavaScript"),
            }
        } else if s.ends_with('*') {
            Pattern::Prefix
        } else {
            Pattern::Exact
        };
        CookieName {
            name: s.into(),
            pattern,
        }
    }

    #[test]
    fn names_match_exactly_by_prefix_or_by_expression() {
        assert!(name("_ga").matches("_ga"));
        assert!(!name("_ga").matches("_ga_ABC123"));
        assert!(name("_ga_*").matches("_ga_ABC123"));
        assert!(
            !name("_ga_*").matches("_ga"),
            "a prefix alone is not a match"
        );
        assert!(
            !name("_ga_*").matches("_ga_"),
            "the prefix must be followed by something"
        );
        assert!(name("_hjSession_*").matches("_hjSession_1234"));
        assert!(!name("_hjSession_*").matches("_hjSessionUser_1234"));
        let re = name("re:_hjSession(User)?_[0-9]+");
        assert!(re.matches("_hjSession_1234"));
        assert!(re.matches("_hjSessionUser_1234"));
        assert!(
            !re.matches("x_hjSession_1234"),
            "expressions match whole names"
        );
        assert!(!re.matches("_hjSession_12a"));
        assert!(compile_regex("(").is_err());
        // The expression cannot close the anchoring group: it would match any name.
        assert!(compile_regex("x)|(.*").is_err());
        assert!(compile_regex("a{1000}{1000}{1000}").is_err(), "size limit");
    }

    #[test]
    fn durations_parse_singular_and_plural() {
        assert_eq!(parse_duration("session"), Ok(Duration::Session));
        assert_eq!(
            parse_duration("2 weeks"),
            Ok(Duration::Fixed(2, Unit::Week))
        );
        assert_eq!(
            parse_duration("1 month"),
            Ok(Duration::Fixed(1, Unit::Month))
        );
        assert_eq!(
            parse_duration(" 30  minutes "),
            Ok(Duration::Fixed(30, Unit::Minute))
        );
        assert!(parse_duration("13 monhts")
            .unwrap_err()
            .help
            .contains("did you mean `month`?"));
        assert!(parse_duration("forever").is_err());
        assert!(parse_duration("0 days").is_err());
        assert!(parse_duration("-1 days").is_err());
        let huge = parse_duration("99999999999999999999 years").unwrap_err();
        assert_eq!(
            huge.message,
            "`99999999999999999999` is too large a number for a lifetime"
        );
        assert!(huge.help.contains("4294967295"), "{}", huge.help);
        assert_eq!(
            parse_duration("4294967295 minutes"),
            Ok(Duration::Fixed(u32::MAX, Unit::Minute))
        );
    }
}
