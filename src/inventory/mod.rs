//! The cookie inventory: definitions, categories, providers and cookies, as the rest of
//! Clause sees them once validated. Its reader, with every check and message, is
//! [`read`] (the way cargo keeps `TomlManifest` apart from `Manifest`).

pub mod js;
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
    /// The legal basis (`consent` when consent is required, whether written or not).
    pub legal_basis: Option<LegalBasis>,
    /// Why an exempt category needs no consent.
    pub exemption: Option<Exemption>,
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
    /// Where it is established: an ISO 3166-1 alpha-2 code (see [`crate::legal`]).
    pub country: Option<String>,
    /// What it is to the controller.
    pub role: Option<Role>,
    /// The safeguard for data it receives outside the EEA.
    pub transfer: Option<Transfer>,
}

impl Provider {
    /// Whether it receives data outside the EEA (it is established in a country that is
    /// not a member).
    pub fn outside_eea(&self) -> bool {
        self.country
            .as_deref()
            .is_some_and(|c| crate::legal::zone(c) != crate::legal::Zone::Eea)
    }
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

/// Declares an enum of inventory words: each variant, its word in the inventory, in
/// `cookies.json` and in reports, and `ALL` in the order the inventory's help lists them.
macro_rules! words {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $w:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $w)] $v),+
        }

        impl $name {
            /// Every word, in the order the inventory's help lists them.
            pub const ALL: [$name; [$($w),+].len()] = [$($name::$v),+];

            /// The word of the inventory, of `cookies.json` and of reports.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$v => $w),+
                }
            }
        }
    };
}

words!(
    /// Where a cookie entry keeps what it stores (`storage`), or a pixel that keeps nothing.
    Storage {
        /// An HTTP cookie.
        Cookie = "cookie",
        /// A `localStorage` key.
        LocalStorage = "local-storage",
        /// A `sessionStorage` key.
        SessionStorage = "session-storage",
        /// An IndexedDB database.
        IndexedDb = "indexeddb",
        /// The Cache API.
        Cache = "cache",
        /// A tracking pixel: an image or request that reads the device without storing.
        Pixel = "pixel",
    }
);

words!(
    /// What a provider is to the controller (`role`).
    Role {
        /// Processes the data on the controller's behalf (Article 28 GDPR).
        Processor = "processor",
        /// Decides on its own what the data is for.
        Controller = "controller",
        /// Decides with the controller (Article 26 GDPR).
        JointController = "joint-controller",
    }
);

words!(
    /// The safeguard for data leaving the EEA (`transfer`).
    Transfer {
        /// An adequacy decision (Article 45 GDPR).
        Adequacy = "adequacy",
        /// The EU-US Data Privacy Framework.
        Dpf = "dpf",
        /// Standard contractual clauses (Article 46(2)(c) GDPR).
        Scc = "scc",
        /// Binding corporate rules (Article 47 GDPR).
        Bcr = "bcr",
        /// A derogation of Article 49 GDPR.
        Derogation = "derogation",
    }
);

words!(
    /// The legal basis of a category's processing (`legal_basis`).
    LegalBasis {
        /// Article 6(1)(a) GDPR.
        Consent = "consent",
        /// Article 6(1)(f) GDPR.
        LegitimateInterest = "legitimate-interest",
        /// Article 6(1)(b) GDPR.
        Contract = "contract",
        /// Article 6(1)(c) GDPR.
        LegalObligation = "legal-obligation",
    }
);

words!(
    /// Why an exempt category needs no consent (`exemption`).
    Exemption {
        /// Strictly necessary for a service the visitor asks for (Article 5(3) ePrivacy).
        StrictlyNecessary = "strictly-necessary",
        /// Audience measurement within the conditions of the supervisory authorities.
        AudienceMeasurement = "audience-measurement",
    }
);

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

impl Duration {
    /// Seconds in it (months and years in their average Gregorian length); `None` for a
    /// session.
    pub fn seconds(self) -> Option<u64> {
        match self {
            Duration::Session => None,
            Duration::Fixed(n, unit) => Some(
                u64::from(n)
                    * match unit {
                        Unit::Minute => 60,
                        Unit::Hour => 3_600,
                        Unit::Day => 86_400,
                        Unit::Week => 604_800,
                        Unit::Month => 2_629_746,
                        Unit::Year => 31_556_952,
                    },
            ),
        }
    }
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

/// Characters a declared cookie name (or a prefix before its `*`) may not hold: those RFC
/// 6265 forbids in a cookie name, and `*`.
const NOT_IN_NAMES: &str = "*;,=\"\\()<>@:/[]?{}";

/// Whether `body` (a name, or a prefix without its `*`) may be declared as written.
pub fn is_valid_name_body(body: &str) -> bool {
    !body.is_empty()
        && !body
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || NOT_IN_NAMES.contains(c))
}

/// How to declare exactly the recorded name `name`: as itself when the inventory reads it
/// as an exact name, else as `re:` and the name with every special character escaped, an
/// expression that matches that one name. A recorded `re:.*` or `ga*` would otherwise
/// declare a pattern (every name, every name starting with `ga`).
pub fn exact_declaration(name: &str) -> String {
    if !name.starts_with("re:") && is_valid_name_body(name) {
        name.to_string()
    } else {
        format!("re:{}", regex_syntax::escape(name))
    }
}

/// Names of common cookies, of many shapes: a pattern that matches most of them declares
/// almost any cookie, and hides from the audit cookies nobody reviewed.
const PROBES: [&str; 16] = [
    "_ga",
    "_gid",
    "sessionid",
    "PHPSESSID",
    "csrftoken",
    "NID",
    "_fbp",
    "__Secure-3PSID",
    "cookie_consent",
    "lang",
    "x",
    "AWSALB",
    "_hjSessionUser_123",
    "i18n-locale",
    "wp-settings-1",
    "test.cookie",
];

/// For a `re:` pattern that declares (almost) any name: how many of `PROBES` it matches
/// and of how many, or `0` of them when it matches the empty name. `None` for others.
pub fn catch_all(rust: &regex::Regex) -> Option<(usize, usize)> {
    if rust.is_match("") {
        return Some((0, PROBES.len()));
    }
    let hits = PROBES.iter().filter(|p| rust.is_match(p)).count();
    (hits * 4 >= PROBES.len() * 3).then_some((hits, PROBES.len()))
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
    /// Where it is kept: a cookie, web storage, a pixel…
    pub storage: Storage,
    /// The host that sets it.
    pub domain: Option<String>,
    /// What it stores or collects.
    pub data: Option<Localized>,
    /// How long the data it collects is kept.
    pub retention: Option<Duration>,
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
    fn a_recorded_name_is_declared_as_exactly_itself() {
        for recorded in ["_ga", "re:.*", "ga*", "*", "a b", "x:y", "re:", "é😀\n", ""] {
            let d = exact_declaration(recorded);
            let n = name(&d);
            assert!(n.matches(recorded), "{d} for {recorded:?}");
            for other in ["", "_ga_x", "gaTracker", "ga", "re:x", "a", "_fbp"] {
                assert_eq!(n.matches(other), other == recorded, "{d} on {other:?}");
            }
        }
        assert_eq!(exact_declaration("_ga"), "_ga");
        assert_eq!(exact_declaration("re:.*"), r"re:re:\.\*");
        assert_eq!(exact_declaration("ga*"), r"re:ga\*");
    }

    #[test]
    fn patterns_that_match_almost_anything_are_caught() {
        let caught = |e: &str| catch_all(&compile_regex(e).expect("valid")).is_some();
        for broad in [
            ".*",
            ".+",
            "[^;]*",
            "(?s).+",
            "_?.*",
            "[a-zA-Z_0-9.-]+",
            "x|.*",
        ] {
            assert!(caught(broad), "{broad}");
        }
        for narrow in [
            "_ga",
            "_ga_.+",
            ".*id",
            "_hjSession(User)?_[0-9]+",
            "[a-z]{2}",
        ] {
            assert!(!caught(narrow), "{narrow}");
        }
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

    /// `cookies.json` writes the words through serde, the reader, diff and the audit
    /// through `as_str`: one set of words.
    #[test]
    fn serde_writes_the_words_of_as_str() {
        for c in Consent::ALL {
            assert_eq!(serde_json::to_value(c).ok(), Some(c.as_str().into()));
        }
        for p in Party::ALL {
            assert_eq!(serde_json::to_value(p).ok(), Some(p.as_str().into()));
        }
    }
}
