//! Documents: `content/<locale>/<slug>.md`, TOML front matter between `+++` lines, then prose.

use crate::decode::{self, Reader, Spanned, Val};
use crate::diagnostics::{Diagnostic, Diagnostics, ErrorReported, FileId};
use crate::i18n::Date;

/// True for a name that can safely name a folder or an anchor: `a-z`, `0-9`, `-`, `_`,
/// not starting with `-`/`_`, at most 64 characters.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && !s.starts_with(['-', '_'])
}

/// Names that Windows reserves for devices: a folder with such a name cannot be published
/// from or synced to a Windows machine.
pub const RESERVED: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// True for a name that can name an output folder: a slug that is not a reserved device
/// name and not `static` (the theme's folder).
pub fn is_page_name(s: &str) -> bool {
    is_slug(s) && !RESERVED.contains(&s) && s != "static"
}

/// Why a name that is otherwise fine cannot name an output folder, to follow the name
/// in a help (`con` is a device name on Windows…), or `None` if this is not the reason.
/// Any case: `CON` is as reserved on Windows as `con`.
pub fn reserved_reason(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if RESERVED.contains(&lower.as_str()) {
        Some("is a device name on Windows, where no file or folder may be called so (the site could not be copied to or published from Windows)")
    } else if lower == "static" {
        Some("is the output folder of the theme's own files")
    } else {
        None
    }
}

/// One document in one locale, before its prose is rendered.
#[derive(Debug, Clone)]
pub struct Document {
    /// Output folder name, from the file name.
    pub slug: String,
    /// Locale tag, from the folder name.
    pub locale: String,
    /// The file.
    pub file: FileId,
    /// Page title.
    pub title: String,
    /// Meta description.
    pub description: Option<String>,
    /// "Last updated" date.
    pub updated: Option<Date>,
    /// Where the front matter gives `updated`; `None` when the date comes from git.
    pub updated_span: Option<std::ops::Range<usize>>,
    /// Byte offset of the prose in the file (after the front matter).
    pub body_offset: usize,
    /// Whether the definitions and every category are added after prose that has no
    /// section placeholder (`sections = false` turns that off, for a contact page).
    pub sections: bool,
    /// Where the document comes among its language's documents (index page, navigation):
    /// smaller first, documents without a weight last.
    pub weight: Option<i64>,
    /// A draft: built by `clause serve` and `--drafts` only.
    pub draft: bool,
}

impl Document {
    /// The key documents are ordered by in their language: weight (smaller first, none
    /// last), then file name.
    pub fn order(&self) -> (bool, i64, &str) {
        (
            self.weight.is_none(),
            self.weight.unwrap_or(0),
            self.slug.as_str(),
        )
    }
}

const FRONT_MATTER: [&str; 6] = [
    "title",
    "description",
    "updated",
    "sections",
    "weight",
    "draft",
];

/// A `true`/`false` key of the front matter, `default` when absent.
fn flag(
    r: &mut Reader,
    v: Option<&Spanned<Val>>,
    key: &str,
    default: bool,
) -> Result<bool, ErrorReported> {
    match v {
        None => Ok(default),
        Some(Spanned {
            value: Val::Bool(b),
            ..
        }) => Ok(*b),
        Some(v) => Err(r.wrong_type(v, key, "true or false", &format!("{key} = {}", !default))),
    }
}

/// Splits and validates the front matter of a document's text.
pub fn parse_document(
    text: &str,
    file: FileId,
    locale: &str,
    slug: &str,
    diags: &mut Diagnostics,
) -> Result<Document, ErrorReported> {
    let example = "+++\ntitle = \"Cookie policy\"\nupdated = 2026-11-29\n+++";
    let first_line_end = text.find('\n').map_or(text.len(), |i| i + 1);
    if text[..first_line_end].trim_end() != "+++" {
        return Err(diags.error(
            Diagnostic::error("the document does not start with front matter")
                .at(
                    file,
                    0..first_line_end.saturating_sub(1),
                    "expected `+++` here",
                )
                .help("start the file with a title block:")
                .example(example),
        ));
    }
    // Find the closing `+++` line.
    let mut pos = first_line_end;
    let mut close = None;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
        if text[pos..end].trim_end() == "+++" {
            close = Some((pos, end));
            break;
        }
        pos = end;
    }
    let Some((close_start, body_offset)) = close else {
        return Err(diags.error(
            Diagnostic::error("the front matter is never closed")
                .at(file, 0..3, "opened here")
                .help("add a line `+++` after the title block"),
        ));
    };
    let fm = &text[first_line_end..close_start];
    let root = decode::parse(fm, file, first_line_end, diags)?;
    let mut r = Reader { file, diags };
    let mut fields = r.table(&root, "front matter", &FRONT_MATTER, example)?;
    fields.span = 0..3;
    let title = fields
        .require(&mut r, "title", "\"Cookie policy\"")
        .and_then(|v| decode::string(&mut r, v, "title"))
        .and_then(|s| decode::check_text(&mut r, &s.span, "title", &s.value).map(|()| s.value));
    // A description that is not a string is reported, and the document still read.
    let description = fields
        .get("description")
        .and_then(|v| decode::string(&mut r, v, "description").ok())
        .and_then(|s| {
            decode::check_text(&mut r, &s.span, "description", &s.value)
                .ok()
                .map(|()| s.value)
        });
    let updated_span = fields.get("updated").map(|v| v.span.clone());
    let updated = match fields.get("updated") {
        None => Ok(None),
        Some(v) => {
            let raw = match &v.value {
                Val::Datetime(s) | Val::Str(s) => Some(s.as_str()),
                _ => None,
            };
            match raw.and_then(Date::parse) {
                Some(d) => Ok(Some(d)),
                None => Err(r.error(
                    &v.span,
                    "`updated` is not a valid date".into(),
                    "expected a date",
                    raw.and_then(|raw| decode::date_help("updated", raw))
                        .unwrap_or_else(|| {
                            "write the date as year-month-day, e.g. `updated = 2026-11-29`".into()
                        }),
                )),
            }
        }
    };
    let weight = match fields.get("weight") {
        None => Ok(None),
        Some(Spanned {
            value: Val::Int(n), ..
        }) => Ok(Some(*n)),
        Some(v) => Err(r.wrong_type(v, "weight", "a whole number", "weight = 1")),
    };
    let sections = flag(&mut r, fields.get("sections"), "sections", true);
    let draft = flag(&mut r, fields.get("draft"), "draft", false);
    Ok(Document {
        slug: slug.to_string(),
        locale: locale.to_string(),
        file,
        title: title?,
        description,
        updated: updated?,
        updated_span,
        body_offset,
        sections: sections?,
        weight: weight?,
        draft: draft?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Sources;

    fn parse(text: &str) -> (Option<Document>, Diagnostics) {
        let mut s = Sources::default();
        let id = s.add("cookies.md", text);
        let mut d = Diagnostics::default();
        (parse_document(text, id, "en", "cookies", &mut d).ok(), d)
    }

    #[test]
    fn front_matter_is_read() {
        let text = "+++\ntitle = \"Cookies\"\nupdated = 2026-11-29\n+++\n# Body\n";
        let (doc, d) = parse(text);
        assert!(d.is_empty(), "{d:?}");
        let doc = doc.expect("parses");
        assert_eq!(doc.title, "Cookies");
        assert_eq!(doc.updated, Date::parse("2026-11-29"));
        assert_eq!(&text[doc.body_offset..], "# Body\n");
    }

    #[test]
    fn front_matter_errors_point_into_the_markdown_file() {
        let text = "+++\ntitle = \"Cookies\"\nupdated = \"29/11/2026\"\n+++\n";
        let (doc, d) = parse(text);
        assert!(doc.is_none());
        let diag = d.iter().next().expect("an error");
        assert_eq!(diag.message, "`updated` is not a valid date");
        let span = diag.primary.as_ref().expect("located").span.clone();
        assert_eq!(&text[span], "\"29/11/2026\"");
    }

    #[test]
    fn missing_front_matter_is_explained() {
        let (doc, d) = parse("# Cookies\n");
        assert!(doc.is_none());
        assert_eq!(
            d.iter().next().map(|x| x.message.as_str()),
            Some("the document does not start with front matter")
        );
        let (doc, d) = parse("+++\ntitle = \"x\"\n");
        assert!(doc.is_none());
        assert_eq!(
            d.iter().next().map(|x| x.message.as_str()),
            Some("the front matter is never closed")
        );
    }

    #[test]
    fn slugs_are_path_safe() {
        assert!(is_slug("cookies"));
        assert!(is_slug("cookie-policy_2"));
        for bad in ["", "..", "../x", "a/b", "Cookies", "-x", "a b", "con\0"] {
            assert!(!is_slug(bad), "{bad:?}");
        }
        for bad in ["con", "nul", "lpt1", "static"] {
            assert!(is_slug(bad) && !is_page_name(bad), "{bad:?}");
            assert!(reserved_reason(bad).is_some(), "{bad:?}");
        }
        assert!(reserved_reason("CON").is_some_and(|r| r.contains("Windows")));
        assert_eq!(reserved_reason("cookies"), None);
    }
}
