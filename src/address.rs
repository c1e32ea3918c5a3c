//! A `{{ param }}` value placed into a link's address. Where the value lands decides how it
//! is written: a host must be a host name, an e-mail address must be one address, a path
//! segment, a query or a fragment is percent-encoded whole (`/`, `?`, `#`, `&` included), so
//! that no value can add a folder, a parameter or a second recipient, nor change where the
//! link leads. A value that no encoding can place is refused, with the reason.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use url::{ParseError, Url};

/// Where in an address a value lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The start of the address: the value is an address itself (`{{ site_url }}/x`).
    Whole,
    /// The host (`https://{{ host }}/`).
    Host,
    /// The user name or password before a host.
    UserInfo,
    /// A segment of a path (`https://example.org/{{ page }}`).
    Path,
    /// A recipient of a `mailto:` address.
    Mailbox,
    /// The rest of an address without a path (a scheme such as `tel:`).
    Opaque,
    /// The query (`?q={{ term }}`).
    Query,
    /// The fragment (`#{{ anchor }}`).
    Fragment,
}

/// Why a value cannot stand where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    /// The value is empty where the address needs something.
    #[error("it is empty")]
    Empty,
    /// Not a host name.
    #[error("`{0}` is not a host name")]
    Host(String),
    /// Not one e-mail address.
    #[error("`{0}` is not an e-mail address")]
    Email(String),
    /// `.` or `..` as a whole segment of a path: it would climb the address's folders.
    #[error("`{0}` as a folder of the address would lead to another folder")]
    DotSegment(String),
    /// An address with a scheme other than http(s) or mailto.
    #[error("`{value}` is a `{scheme}:` address, not an http(s) or mailto one")]
    Scheme {
        /// The value.
        value: String,
        /// Its scheme.
        scheme: String,
    },
    /// A character that no address may hold as it is.
    #[error("`{0}` holds a space, a line break or a character that an address cannot hold")]
    Character(String),
    /// Not an address at all.
    #[error("`{0}` is not an address")]
    NotAddress(String),
    /// The placeholder stands in the scheme or the port, where no value can be placed.
    #[error("a value cannot stand in the scheme or the port of an address")]
    Unplaceable,
}

impl Invalid {
    /// How to fix it, for the parameter `name`.
    pub fn help(&self, name: &str) -> String {
        match self {
            Invalid::Empty | Invalid::Host(_) => format!(
                "in site.toml, give `{name}` under [params] a host name alone, such as `example.org`: no `https://`, `/`, `:` or space"
            ),
            Invalid::Email(_) => format!(
                "in site.toml, give `{name}` under [params] one e-mail address, such as `dpo@example.org`"
            ),
            Invalid::DotSegment(_) => format!(
                "a value in a path is one folder or file name: give `{name}` under [params] a name, not `.` or `..`"
            ),
            Invalid::Scheme { .. } | Invalid::Character(_) | Invalid::NotAddress(_) => format!(
                "in site.toml, give `{name}` under [params] an address that starts with `https://`, `http://` or `mailto:`, without spaces (write a space as `%20`)"
            ),
            Invalid::Unplaceable => "a placeholder may stand for a whole address, or in its host, path, query or fragment: write the scheme and the port as they are".into(),
        }
    }
}

/// Everything but the unreserved characters of RFC 3986 (`A-Z a-z 0-9 - . _ ~`): a value
/// encoded so is one piece of a path, a query or a fragment, whatever it holds.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The local part of an e-mail address: the characters that addresses use as they are,
/// the rest (`,` that would add a recipient, `?` that would add a header, `@`) encoded.
const LOCAL_PART: &AsciiSet = &COMPONENT
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'*')
    .remove(b'+')
    .remove(b'=');

/// Never appears in a value's neighbourhood: it finds where a value lands.
const SENTINEL: &str = "zqclausevaluezq";

/// A base for addresses relative to a page, to see where a value in them lands.
const BASE: &str = "https://clause.invalid/page/";

/// The address `text` read as a browser reads it: absolute, or relative to a page.
fn parse(text: &str) -> Result<Url, ParseError> {
    match Url::parse(text) {
        Err(ParseError::RelativeUrlWithoutBase) => Url::parse(BASE)?.join(text),
        other => other,
    }
}

/// Where a value written right after `prefix` (the address up to the placeholder, earlier
/// values in place) lands; `None` in the scheme or the port, or after a prefix that is not
/// the start of an address.
pub fn part_at(prefix: &str) -> Option<Part> {
    if prefix.is_empty() {
        return Some(Part::Whole);
    }
    let url = parse(&format!("{prefix}{SENTINEL}")).ok()?;
    let has = |s: &str| s.contains(SENTINEL);
    if has(url.scheme()) {
        return None;
    }
    if url.cannot_be_a_base() && has(url.path()) {
        return Some(if url.scheme() == "mailto" {
            Part::Mailbox
        } else {
            Part::Opaque
        });
    }
    if url.host_str().is_some_and(has) {
        Some(Part::Host)
    } else if has(url.username()) || url.password().is_some_and(has) {
        Some(Part::UserInfo)
    } else if has(url.path()) {
        Some(Part::Path)
    } else if url.query().is_some_and(has) {
        Some(Part::Query)
    } else if url.fragment().is_some_and(has) {
        Some(Part::Fragment)
    } else {
        None
    }
}

/// Characters that an address never holds as they are, and that a whole address given as a
/// value may not hold: browsers would drop or reinterpret them.
fn unfit(c: char) -> bool {
    c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '`' | '\\')
}

/// A host name as DNS writes it (letters, digits, `-` and `.`, after IDNA), or an IP
/// address; URL parsers accept more (`'`, `)`…), which no host has.
fn host(value: &str) -> Option<String> {
    // `Host::parse` decodes `%2F` first: a value with `%` is no host name either.
    if value.is_empty() || value.contains('%') {
        return None;
    }
    match url::Host::parse(value).ok()? {
        url::Host::Domain(d) => {
            // A trailing dot (`example.org.`) names the same host.
            let name = d.strip_suffix('.').unwrap_or(&d);
            name.split('.')
                .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
                .then_some(d)
        }
        ip => Some(ip.to_string()),
    }
}

/// One e-mail address, its local part encoded and its domain a host name.
fn mailbox(value: &str) -> Option<String> {
    let (local, domain) = value.rsplit_once('@')?;
    if local.is_empty() || local.contains('@') || local.chars().any(unfit) {
        return None;
    }
    let host = host(domain)?;
    Some(format!("{}@{host}", utf8_percent_encode(local, LOCAL_PART)))
}

/// The value as it is written at its place in the address: `part` is where it lands,
/// `before` the address up to it and `after` the address after it, as written.
pub fn place(value: &str, part: Part, before: &str, after: &str) -> Result<String, Invalid> {
    match part {
        Part::Whole => {
            if value.is_empty() {
                return Err(Invalid::Empty);
            }
            if value.chars().any(unfit) {
                return Err(Invalid::Character(value.into()));
            }
            match Url::parse(value) {
                Ok(u) if matches!(u.scheme(), "http" | "https" | "mailto") => Ok(value.into()),
                Ok(u) => Err(Invalid::Scheme {
                    value: value.into(),
                    scheme: u.scheme().into(),
                }),
                Err(ParseError::RelativeUrlWithoutBase) => Ok(value.into()),
                Err(_) => Err(Invalid::NotAddress(value.into())),
            }
        }
        Part::Host if value.is_empty() => Err(Invalid::Empty),
        Part::Host => host(value).ok_or_else(|| Invalid::Host(value.into())),
        Part::Mailbox => {
            let starts = before.ends_with(':') || before.ends_with(',');
            let ends = after.is_empty() || after.starts_with(['?', ',', '#']);
            if starts && ends {
                mailbox(value).ok_or_else(|| Invalid::Email(value.into()))
            } else {
                // A piece of an address: an `@` in it would make a second one.
                Ok(utf8_percent_encode(value, COMPONENT).to_string())
            }
        }
        Part::Path => {
            let whole_segment =
                before.ends_with('/') && (after.is_empty() || after.starts_with(['/', '?', '#']));
            if whole_segment && (value == "." || value == "..") {
                return Err(Invalid::DotSegment(value.into()));
            }
            Ok(utf8_percent_encode(value, COMPONENT).to_string())
        }
        Part::UserInfo | Part::Opaque | Part::Query | Part::Fragment => {
            Ok(utf8_percent_encode(value, COMPONENT).to_string())
        }
    }
}

/// Whether an address built with values in it is one a link may have: it parses (alone or
/// relative to a page) and, when absolute, is http(s) or mailto.
pub fn check(address: &str) -> Result<(), Invalid> {
    match Url::parse(address) {
        Ok(u) if matches!(u.scheme(), "http" | "https" | "mailto") => Ok(()),
        Ok(u) => Err(Invalid::Scheme {
            value: address.into(),
            scheme: u.scheme().into(),
        }),
        Err(ParseError::RelativeUrlWithoutBase) => parse(address)
            .map(|_| ())
            .map_err(|_| Invalid::NotAddress(address.into())),
        Err(_) => Err(Invalid::NotAddress(address.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(prefix: &str) -> Option<Part> {
        part_at(prefix)
    }

    #[test]
    fn a_value_lands_in_the_part_its_prefix_opens() {
        assert_eq!(at(""), Some(Part::Whole));
        assert_eq!(at("https://"), Some(Part::Host));
        assert_eq!(at("https://www."), Some(Part::Host));
        assert_eq!(at("//"), Some(Part::Host));
        assert_eq!(at("https://user:"), None, "a port");
        assert_eq!(at("https://example.org:"), None, "a port");
        assert_eq!(at("https://example.org/"), Some(Part::Path));
        assert_eq!(at("https://example.org/legal/doc-"), Some(Part::Path));
        assert_eq!(at("https://example.org/?q="), Some(Part::Query));
        assert_eq!(at("https://example.org/#"), Some(Part::Fragment));
        assert_eq!(at("mailto:"), Some(Part::Mailbox));
        assert_eq!(at("mailto:dpo@example.org?subject="), Some(Part::Query));
        assert_eq!(at("tel:"), Some(Part::Opaque));
        assert_eq!(at("#"), Some(Part::Fragment));
        assert_eq!(at("contact.md#"), Some(Part::Fragment));
        assert_eq!(at("../"), Some(Part::Path));
        assert_eq!(at("?q="), Some(Part::Query));
        assert_eq!(at("https://[::1"), None);
    }

    #[test]
    fn values_are_encoded_for_their_part_or_refused() {
        let p = |v: &str, part, before: &str, after: &str| place(v, part, before, after);
        assert_eq!(
            p("a b/../?x=1#y&z", Part::Path, "https://e.org/", ""),
            Ok("a%20b%2F..%2F%3Fx%3D1%23y%26z".into())
        );
        assert_eq!(
            p("..", Part::Path, "https://e.org/", "/x"),
            Err(Invalid::DotSegment("..".into()))
        );
        assert_eq!(
            p("..", Part::Path, "https://e.org/doc", ""),
            Ok("..".into())
        );
        assert_eq!(
            p("cookies & more", Part::Query, "?q=", ""),
            Ok("cookies%20%26%20more".into())
        );
        assert_eq!(
            p("Data.Example.ORG", Part::Host, "https://", "/x"),
            Ok("data.example.org".into())
        );
        for bad in [
            "",
            "evil.example/x",
            "a b",
            "evil.example#",
            "x@y",
            "e%2Fx",
            ":",
            "'",
            ")",
            "a..b",
        ] {
            assert!(
                p(bad, Part::Host, "https://", "/").is_err(),
                "{bad:?} as a host"
            );
        }
        assert_eq!(
            p("dpo+cookies@example.org", Part::Mailbox, "mailto:", ""),
            Ok("dpo+cookies@example.org".into())
        );
        assert_eq!(
            p(
                "a,b@x.org?cc=evil@x.org",
                Part::Mailbox,
                "mailto:",
                "?subject=x"
            ),
            Err(Invalid::Email("a,b@x.org?cc=evil@x.org".into()))
        );
        assert_eq!(
            p("a@b", Part::Mailbox, "mailto:", "@example.org"),
            Ok("a%40b".into())
        );
        for bad in [
            "",
            "dpo",
            "@example.org",
            "dpo@",
            "d po@example.org",
            "dpo@exa mple.org",
        ] {
            assert!(
                p(bad, Part::Mailbox, "mailto:", "").is_err(),
                "{bad:?} as an address"
            );
        }
        assert_eq!(
            p("https://data.example.org", Part::Whole, "", "/explore"),
            Ok("https://data.example.org".into())
        );
        assert!(matches!(
            p("javascript:alert(1)", Part::Whole, "", ""),
            Err(Invalid::Scheme { .. })
        ));
        for bad in [
            "java\nscript:x",
            " https://x.org",
            "https://x.org/\"",
            "a<b",
        ] {
            assert!(
                matches!(p(bad, Part::Whole, "", ""), Err(Invalid::Character(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_finished_address_is_http_mailto_or_relative() {
        assert_eq!(check("https://example.org/a%20b"), Ok(()));
        assert_eq!(check("mailto:dpo@example.org"), Ok(()));
        assert_eq!(check("../contact/"), Ok(()));
        assert!(check("javascript:alert(1)").is_err());
        assert!(check("https://").is_err());
    }
}
