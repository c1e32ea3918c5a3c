//! The audit report as text, JSON or Markdown, and the `[[cookies]]` stubs to paste.

use std::fmt::Write as _;

use crate::escape::markdown as md;
use crate::escape::terminal::show;
use crate::inventory::Party;
use crate::text;

use super::{Lifetime, Report, Storage};

/// "13 months", "30 minutes": a number of seconds in the unit a policy would use.
pub fn readable(seconds: u64) -> String {
    const UNITS: [(u64, &str); 5] = [
        (31_556_952, "year"),
        (2_629_746, "month"),
        (86_400, "day"),
        (3_600, "hour"),
        (60, "minute"),
    ];
    // The largest unit that gives a whole number within 5 %, else the next one down.
    for (i, (size, unit)) in UNITS.iter().enumerate() {
        if (seconds as f64) < *size as f64 * 0.95 && i + 1 < UNITS.len() {
            continue;
        }
        let n = (seconds as f64 / *size as f64).round().max(1.0) as u64;
        let off = (n * size).abs_diff(seconds) as f64 / seconds.max(1) as f64;
        if off <= 0.05 || i + 1 == UNITS.len() || unit == &"day" {
            return format!("{n} {unit}{}", text::plural(n as usize, "", "s"));
        }
    }
    "1 minute".into()
}

fn lifetime_text(l: Lifetime) -> String {
    match l {
        Lifetime::Unknown => "lifetime unknown".into(),
        Lifetime::Session => "session".into(),
        Lifetime::Seconds(s) => format!("kept {}", readable(s)),
    }
}

/// How the browser kept a name, as the text report says it.
fn storage_text(s: Storage) -> &'static str {
    match s {
        Storage::Cookie => "a cookie",
        Storage::LocalStorage => "localStorage",
        Storage::SessionStorage => "sessionStorage",
    }
}

fn party_text(p: Party) -> String {
    format!("{} party", p.as_str())
}

fn join(set: &std::collections::BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join(", ")
}

/// Readable text, grouped by problem.
pub fn text(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "clause audit: {} observed in {}\n",
        text::count(r.observed, "name", "names"),
        text::count(r.files.len(), "recording", "recordings")
    );
    if !r.undeclared.is_empty() {
        let _ = writeln!(
            o,
            "error: {} not declared in content/cookies.toml",
            text::count(r.undeclared.len(), "name is", "names are")
        );
        for u in &r.undeclared {
            let kind = match u.storage {
                Storage::LocalStorage => " (localStorage)",
                Storage::SessionStorage => " (sessionStorage)",
                Storage::Cookie => "",
            };
            let _ = writeln!(
                o,
                "  {}{kind}: {} ({}), {}; seen in {}",
                show(&u.name),
                show(&join(&u.domains)),
                party_text(u.party),
                lifetime_text(u.lifetime),
                show(&join(&u.files))
            );
            if let Some(k) = &u.known {
                let _ = writeln!(
                    o,
                    "      known as: {} / {}: {} (retention {}; source: {})",
                    show(&k.platform),
                    show(&k.category),
                    show(&k.description),
                    show(&k.retention),
                    show(&k.source)
                );
            }
        }
        let _ = writeln!(o, "  = help: declare each in a [[cookies]] entry; `--write-stubs FILE` writes entries to paste\n");
    }
    if !r.before_consent.is_empty() {
        let _ = writeln!(
            o,
            "error: {} set before the visitor consented",
            text::count(r.before_consent.len(), "cookie was", "cookies were")
        );
        for b in &r.before_consent {
            let _ = writeln!(
                o,
                "  {}{}: category `{}` requires consent; in {}",
                show(&b.name),
                declared_as(&b.name, &b.declared_as),
                show(&b.category),
                show(&b.file)
            );
        }
        let _ = writeln!(o, "  = help: make the site wait for consent before setting these cookies, or move them to an exempt category if they truly are necessary\n");
    }
    if !r.longer_than_declared.is_empty() {
        let _ = writeln!(
            o,
            "warning: {} kept longer than declared",
            text::count(r.longer_than_declared.len(), "cookie is", "cookies are")
        );
        for l in &r.longer_than_declared {
            let _ = writeln!(
                o,
                "  {}{}: declared {}, observed {}; in {}",
                show(&l.name),
                declared_as(&l.name, &l.declared_as),
                show(&l.declared),
                readable(l.observed_seconds),
                show(&l.file)
            );
        }
        let _ = writeln!(o, "  = help: correct `duration` in the inventory, or shorten the cookie's lifetime on the site\n");
    }
    if !r.party_mismatches.is_empty() {
        let _ = writeln!(
            o,
            "warning: {} a different party than declared",
            text::count(r.party_mismatches.len(), "cookie has", "cookies have")
        );
        for p in &r.party_mismatches {
            let _ = writeln!(
                o,
                "  {}{}: declared {}, set by {} ({}); in {}",
                show(&p.name),
                declared_as(&p.name, &p.declared_as),
                party_text(p.declared),
                show(&p.domain),
                party_text(p.observed),
                show(&p.file)
            );
        }
        let _ = writeln!(o, "  = help: correct `party` in the inventory (pass --site HOST if the site is not at base_url's host)\n");
    }
    if !r.storage_mismatches.is_empty() {
        let _ = writeln!(
            o,
            "warning: {} in another storage than declared",
            text::count(r.storage_mismatches.len(), "name is kept", "names are kept")
        );
        for m in &r.storage_mismatches {
            let _ = writeln!(
                o,
                "  {}{}: declared {}, observed in {}; in {}",
                show(&m.name),
                declared_as(&m.name, &m.declared_as),
                m.declared.as_str(),
                storage_text(m.observed),
                show(&m.file)
            );
        }
        let _ = writeln!(o, "  = help: correct `storage` in the inventory (a name kept in several storages needs one entry per storage)\n");
    }
    if !r.unseen.is_empty() {
        let _ = writeln!(
            o,
            "warning: {} in no recording (a recording may not cover every page)",
            text::count(r.unseen.len(), "declared name is", "declared names are")
        );
        for u in &r.unseen {
            let _ = writeln!(o, "  {} (category `{}`)", show(&u.name), show(&u.category));
        }
        o.push('\n');
    }
    let storage = if r.storage_mismatches.is_empty() {
        String::new()
    } else {
        format!(
            ", {}",
            text::count(
                r.storage_mismatches.len(),
                "storage mismatch",
                "storage mismatches"
            )
        )
    };
    let _ = writeln!(
        o,
        "{}: {} undeclared, {} before consent, {} longer than declared, {}{storage}, {} unseen",
        if r.failed() { "failed" } else { "ok" },
        r.undeclared.len(),
        r.before_consent.len(),
        r.longer_than_declared.len(),
        text::count(
            r.party_mismatches.len(),
            "party mismatch",
            "party mismatches"
        ),
        r.unseen.len()
    );
    o
}

/// " (declared as _ga_*)" when the name matched a pattern, nothing when it is the name itself.
fn declared_as(name: &str, declared: &str) -> String {
    if name == declared {
        String::new()
    } else {
        format!(" (declared as {})", show(declared))
    }
}

/// The report as JSON.
pub fn json(r: &Report) -> String {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    v["failed"] = serde_json::Value::Bool(r.failed());
    crate::escape::terminal::json(serde_json::to_string_pretty(&v).unwrap_or_default()) + "\n"
}

/// Identifiers (domains, recordings) as code spans in a table cell, separated by commas.
fn codes(set: &std::collections::BTreeSet<String>) -> String {
    set.iter()
        .map(|s| md::cell_code(s))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The report as Markdown, for a pull-request comment. Every recorded or listed value goes
/// through [`crate::escape::markdown`]: names, domains, ids and files as code spans, the
/// descriptions of a `--known` list as plain text.
pub fn markdown(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "## Cookie audit: {}\n\n{} observed in {}.\n",
        if r.failed() { "failed" } else { "passed" },
        text::count(r.observed, "name", "names"),
        text::count(r.files.len(), "recording", "recordings")
    );
    if !r.undeclared.is_empty() {
        let _ = writeln!(o, "### Not declared\n\n| Name | Domains | Party | Lifetime | Seen in | Known as |\n| --- | --- | --- | --- | --- | --- |");
        for u in &r.undeclared {
            let known = u.known.as_ref().map_or(String::new(), |k| {
                format!(
                    "{} / {} ({})",
                    md::cell_text(&k.platform),
                    md::cell_text(&k.category),
                    md::cell_code(&k.source)
                )
            });
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                md::cell_code(&u.name),
                codes(&u.domains),
                party_text(u.party),
                lifetime_text(u.lifetime),
                codes(&u.files),
                known
            );
        }
        o.push('\n');
    }
    if !r.before_consent.is_empty() {
        let _ = writeln!(
            o,
            "### Set before consent\n\n| Name | Category | Recording |\n| --- | --- | --- |"
        );
        for b in &r.before_consent {
            let _ = writeln!(
                o,
                "| {} | {} | {} |",
                md::cell_code(&b.name),
                md::cell_code(&b.category),
                md::cell_code(&b.file)
            );
        }
        o.push('\n');
    }
    if !r.longer_than_declared.is_empty() {
        let _ = writeln!(o, "### Kept longer than declared\n\n| Name | Declared | Observed | Recording |\n| --- | --- | --- | --- |");
        for l in &r.longer_than_declared {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                md::cell_code(&l.name),
                md::cell_text(&l.declared),
                readable(l.observed_seconds),
                md::cell_code(&l.file)
            );
        }
        o.push('\n');
    }
    if !r.party_mismatches.is_empty() {
        let _ = writeln!(o, "### Party differs from the declaration\n\n| Name | Declared | Observed | Domain |\n| --- | --- | --- | --- |");
        for p in &r.party_mismatches {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                md::cell_code(&p.name),
                party_text(p.declared),
                party_text(p.observed),
                md::cell_code(&p.domain)
            );
        }
        o.push('\n');
    }
    if !r.storage_mismatches.is_empty() {
        let _ = writeln!(o, "### Storage differs from the declaration\n\n| Name | Declared | Observed | Recording |\n| --- | --- | --- | --- |");
        for m in &r.storage_mismatches {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                md::cell_code(&m.name),
                m.declared.as_str(),
                storage_text(m.observed),
                md::cell_code(&m.file)
            );
        }
        o.push('\n');
    }
    if !r.unseen.is_empty() {
        let _ = writeln!(o, "### Declared but not seen\n");
        for u in &r.unseen {
            let _ = writeln!(o, "- {} ({})", md::code(&u.name), md::code(&u.category));
        }
        o.push('\n');
    }
    o
}

/// `[[cookies]]` entries for the undeclared cookies, ready to paste into the inventory.
/// Built as a TOML document, so every value is a TOML string whatever it holds; the
/// comments above each entry show recorded values on one line, escaped as on a terminal.
pub fn stubs(r: &Report) -> String {
    use toml_edit::{value, Array, ArrayOfTables, DocumentMut, Item, Table};
    let mut entries = ArrayOfTables::new();
    for u in &r.undeclared {
        let mut comment = format!(
            "\n# observed on {} ({}), in {}\n",
            show(&join(&u.domains)),
            lifetime_text(u.lifetime),
            show(&join(&u.files))
        );
        if let Some(k) = &u.known {
            let _ = writeln!(
                comment,
                "# {}: {} / {}, retention {}",
                show(&k.source),
                show(&k.platform),
                show(&k.category),
                show(&k.retention)
            );
        }
        // A name that the inventory would read as a pattern (`re:.*`, `ga*`) or refuse
        // (`a b`) is written as an expression that matches exactly it.
        let declared = crate::inventory::exact_declaration(&u.name);
        if declared != u.name {
            let _ = writeln!(
                comment,
                "# `{}` is not a plain cookie name: written as an expression matching exactly it",
                show(&u.name)
            );
        }
        let mut t = Table::new();
        t.decor_mut().set_prefix(comment);
        t["names"] = value(Array::from_iter([declared.as_str()]));
        t["provider"] = value("TODO");
        t["category"] = value("TODO");
        let (function, purpose) = match &u.known {
            Some(k) => (
                format!("TODO: {}", k.platform),
                format!("TODO: {}", k.description),
            ),
            None => ("TODO".into(), "TODO".into()),
        };
        t["function"] = value(function);
        t["purpose"] = value(purpose);
        t["duration"] = value(match u.lifetime {
            Lifetime::Session => "session".to_string(),
            Lifetime::Seconds(s) => readable(s),
            Lifetime::Unknown => "TODO".to_string(),
        });
        t["party"] = value(u.party.as_str());
        if u.storage != Storage::Cookie {
            t["storage"] = value(u.storage.declared().as_str());
        }
        // Only a host name: a recorded value is written into the inventory's `domain`.
        if let [domain] = u.domains.iter().collect::<Vec<_>>().as_slice() {
            let host = !domain.is_empty()
                && domain
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                && url::Host::parse(domain).is_ok();
            if host {
                t["domain"] = value(domain.as_str());
            }
        }
        entries.push(t);
    }
    let mut doc = DocumentMut::new();
    if !entries.is_empty() {
        doc.insert("cookies", Item::ArrayOfTables(entries));
    }
    format!(
        "# Entries for the cookies `clause audit` found undeclared.\n# Fill in every TODO, then paste them into content/cookies.toml.\n{doc}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_read_like_a_policy() {
        assert_eq!(readable(34_186_698), "13 months");
        assert_eq!(readable(31_556_952), "1 year");
        assert_eq!(readable(1_800), "30 minutes");
        assert_eq!(readable(1_209_600), "14 days");
        assert_eq!(readable(31_536_000), "1 year");
        assert_eq!(readable(63_072_000), "2 years");
        assert_eq!(readable(86_400 * 400), "13 months");
        assert_eq!(readable(7_200), "2 hours");
        assert_eq!(readable(5), "1 minute");
    }
}
