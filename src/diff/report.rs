//! `clause diff` reports: readable text, Markdown for a pull-request comment, and JSON.

use serde::Serialize;

use super::{Change, Kind, Subject};
use crate::escape::{markdown as md, terminal::show};
use crate::text;
use crate::versions::Revisions;

/// Version of the JSON report; bumped on any incompatible change.
pub const JSON_FORMAT: u32 = 1;

/// What was compared, for the report's first line.
#[derive(Debug, Clone, Serialize)]
pub struct Sides {
    /// The old inventory: a file, or `<revision>:<path>`.
    pub old: String,
    /// The new inventory.
    pub new: String,
    /// With `--since`: the git revision compared with, and the consent revisions there and
    /// in the working tree (each portal's on a platform).
    #[serde(skip)]
    pub revisions: Option<(String, Vec<Revisions>)>,
}

/// The consent revision lines: "consent revision: 2 at HEAD~1 → 3 in the working tree".
fn revision_lines(sides: &Sides, code: &dyn Fn(&str) -> String) -> String {
    let Some((rev, list)) = &sides.revisions else {
        return String::new();
    };
    list.iter()
        .map(|r| {
            let whose = match &r.portal {
                Some(p) => format!(" of portal {}", code(p)),
                None => String::new(),
            };
            format!(
                "consent revision{whose}: {} at {} → {} in the working tree\n",
                r.before,
                code(rev),
                r.after
            )
        })
        .collect()
}

fn subject(s: Subject) -> &'static str {
    match s {
        Subject::Category => "category",
        Subject::Provider => "provider",
        Subject::Cookie => "cookie",
        Subject::Definition => "definition",
    }
}

/// A text for a one-line report, shortened past 80 characters.
fn short(s: &str) -> String {
    let short: String = s.chars().take(80).collect();
    if short.len() < s.len() {
        format!("{short}…")
    } else {
        short
    }
}

/// How a report writes free text and identifiers.
struct Style<'a> {
    text: &'a dyn Fn(&str) -> String,
    code: &'a dyn Fn(&str) -> String,
}

/// One change as a line, without its sign.
fn describe(c: &Change, st: &Style) -> String {
    let mut line = format!("{} {}", subject(c.subject), (st.code)(&c.id));
    match c.kind {
        Kind::Added | Kind::Removed => {
            if let (Some(p), Some(cat)) = (&c.provider, &c.category) {
                line.push_str(&format!(" ({}, {})", (st.code)(p), (st.code)(cat)));
            }
        }
        Kind::Changed => {
            if let Some(f) = c.field {
                line.push_str(": ");
                line.push_str(f.label());
            }
            if let Some(l) = &c.locale {
                line.push_str(&format!(" [{}]", (st.text)(l)));
            }
            let (old, new) = (
                c.old.as_deref().unwrap_or(""),
                c.new.as_deref().unwrap_or(""),
            );
            line.push_str(&format!(
                " \"{}\" → \"{}\"",
                (st.text)(&short(old)),
                (st.text)(&short(new))
            ));
        }
    }
    line
}

const PLAIN: Style = Style {
    text: &|s| show(s).into_owned(),
    code: &|s| show(s).into_owned(),
};

fn sign(k: Kind) -> char {
    match k {
        Kind::Added => '+',
        Kind::Removed => '-',
        Kind::Changed => '~',
    }
}

fn summary(changes: &[Change]) -> String {
    let n = changes.len();
    let r = changes.iter().filter(|c| c.reconsent).count();
    let noun = text::plural(n, "change", "changes");
    match r {
        0 => format!("{n} {noun}; none needs consent to be asked again."),
        1 => format!("{n} {noun}; 1 needs visitors' consent to be asked again."),
        _ => format!("{n} {noun}; {r} need visitors' consent to be asked again."),
    }
}

/// Readable text: one line per change, the consent marks aligned at the end.
pub fn text(sides: &Sides, changes: &[Change]) -> String {
    let mut out = format!("{} → {}\n", show(&sides.old), show(&sides.new));
    let revisions = revision_lines(sides, &|s| show(s).into_owned());
    if changes.is_empty() {
        out.push_str("no change in the inventory's meaning\n");
        out.push_str(&revisions);
        return out;
    }
    out.push('\n');
    for c in changes {
        out.push_str(&format!("{} {}\n", sign(c.kind), describe(c, &PLAIN)));
        if let Some(reason) = c.reason {
            out.push_str(&format!("    ! ask for consent again: {reason}\n"));
        }
    }
    out.push('\n');
    out.push_str(&summary(changes));
    out.push('\n');
    out.push_str(&revisions);
    out
}

/// Markdown for a pull-request comment: a summary and a table.
pub fn markdown(sides: &Sides, changes: &[Change]) -> String {
    let mut out = format!(
        "### Cookie inventory changes\n\n{} → {}\n\n",
        md::code(&sides.old),
        md::code(&sides.new)
    );
    let revisions = revision_lines(sides, &md::code).replace('\n', "\n\n");
    if changes.is_empty() {
        out.push_str("No change in the inventory's meaning.\n");
        if !revisions.is_empty() {
            out.push('\n');
            out.push_str(&revisions);
        }
        return out;
    }
    let r = changes.iter().filter(|c| c.reconsent).count();
    if r > 0 {
        out.push_str(&format!(
            "> [!WARNING]\n> {r} of these changes need visitors' consent to be asked again.\n\n"
        ));
    }
    out.push_str("| | Change | Consent |\n|---|---|---|\n");
    for c in changes {
        let text = describe(
            c,
            &Style {
                text: &md::cell_text,
                code: &md::cell_code,
            },
        );
        let consent = match c.reason {
            Some(reason) => format!("**ask again**: {}", md::cell_text(reason)),
            None => String::new(),
        };
        out.push_str(&format!("| {} | {text} | {consent} |\n", sign(c.kind)));
    }
    out.push('\n');
    out.push_str(&summary(changes));
    out.push('\n');
    if !revisions.is_empty() {
        out.push('\n');
        out.push_str(&revisions);
    }
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    format: u32,
    old: &'a str,
    new: &'a str,
    changes: &'a [Change],
    reconsent: bool,
    /// With `--since` and `[history]`: each site's (portal's) consent revision there and
    /// in the working tree.
    #[serde(skip_serializing_if = "Option::is_none")]
    consent_revisions: Option<&'a [Revisions]>,
}

/// JSON: every change with its fields.
pub fn json(sides: &Sides, changes: &[Change]) -> String {
    let report = JsonReport {
        format: JSON_FORMAT,
        old: &sides.old,
        new: &sides.new,
        changes,
        reconsent: changes.iter().any(|c| c.reconsent),
        consent_revisions: sides.revisions.as_ref().map(|(_, r)| r.as_slice()),
    };
    crate::escape::terminal::json(serde_json::to_string_pretty(&report).unwrap_or_default()) + "\n"
}
