//! Hostile values (control characters, bidirectional overrides, Markdown, TOML and HTML
//! syntax) from a recording, a `--known` list or an inventory, through every output that a
//! person's terminal or another program reads: the audit's Markdown comment and stub file,
//! the text reports and diagnostics on a terminal, and the HTML, CSV and sitemap of a build.
//! Each output is read back by the real consumer: a CommonMark renderer, a TOML parser, a
//! CSV reader, an HTML and an XML parser.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use clause::escape::terminal::show;
use common::{clause, repo};

/// Cookie names a recording could hold.
const NAMES: &[&str] = &[
    "esc\u{1b}[2Jclear",
    "cr\rerror: faked",
    "nul\0byte",
    "line\nerror: 3 cookies set before consent",
    "bidi\u{202e}gnp.exe",
    "tick`s``here",
    "`",
    "| x | y |\n| --- | --- |\n| injected | row |",
    "@octocat",
    "[link](https://evil.example)",
    "![img](https://evil.example/x.png)",
    "<img src=x onerror=alert(1)>",
    "<b>bold</b> *em* &amp;",
    "x\n[[cookies]]\nnames = [\"injected\"]",
    "\"\"\"'''",
    "]]#",
    "sep\u{2028}arator",
    "\\",
    "::error title=Clause::0 undeclared, audit passed",
    "  ::stop-commands::zzz",
    "x##[error]forged annotation",
    "re:.*",
    "ga*",
];

/// Domains, given to the names in turn.
const DOMAINS: &[&str] = &[
    "evil.example\n::error::fake annotation",
    "@octocat.example",
    "a`b|c.example",
    "<script>x</script>.example",
    "evil.example\n[[cookies]]\nnames = [\"from-domain\"]\nprovider = \"x\"",
    "e\u{1b}]0;title\u{7}.example",
    "##vso[task.setvariable variable=x]1.example",
];

/// The `--known` entry for `@octocat`.
const PLATFORM: &str = "[Evil](https://evil.example) @octocat '''";
const CATEGORY: &str = "<b>Ads</b>|x\ny";
const DESCRIPTION: &str = "![img](https://e.example/x.png)\n# heading\n\"\"\"\n[[cookies]]";

/// Characters that must never reach a terminal raw.
fn terminal_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// Lines a CI runner would read as a command: GitHub Actions' `::name::` at the start of a
/// line once spaces are trimmed, and `##[` or `##vso[` anywhere.
fn assert_no_ci_command(what: &str, text: &str) {
    for line in text.lines() {
        assert!(
            !line.trim_start().starts_with("::")
                && !line.contains("##[")
                && !line.contains("##vso["),
            "{what}: a CI command in {line:?}"
        );
    }
}

fn assert_terminal_safe(what: &str, bytes: &[u8]) -> String {
    let text = String::from_utf8(bytes.to_vec()).expect("UTF-8");
    if let Some(c) = text.chars().find(|c| terminal_unsafe(*c)) {
        panic!("{what}: raw {c:?} in:\n{}", text.escape_debug());
    }
    text
}

/// A HAR whose response sets every name of [`NAMES`], and a known-cookies list.
fn recording(dir: &Path) -> (PathBuf, PathBuf) {
    let cookies: Vec<serde_json::Value> = NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| {
            serde_json::json!({
                "name": n,
                "value": "1",
                "domain": DOMAINS[i % DOMAINS.len()],
                "expires": "2027-11-29T10:00:00Z",
            })
        })
        .collect();
    let har = serde_json::json!({"log": {"version": "1.2", "entries": [{
        "startedDateTime": "2026-11-29T10:00:00Z",
        "request": {"url": "https://saintmande.opendatasoft.com/", "cookies": []},
        "response": {"headers": [], "cookies": cookies},
    }]}});
    let har_path = dir.join("hostile.har");
    fs::write(&har_path, har.to_string()).expect("write");
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "ID",
        "Platform",
        "Category",
        "Cookie / Data Key name",
        "Domain",
        "Description",
        "Retention period",
        "Data Controller",
        "User Privacy & GDPR Rights Portals",
        "Wildcard match",
    ])
    .expect("csv");
    w.write_record([
        "1",
        PLATFORM,
        CATEGORY,
        "@octocat",
        "",
        DESCRIPTION,
        "2\u{1b}[2J years",
        "",
        "",
        "0",
    ])
    .expect("csv");
    let known = dir.join("known.csv");
    fs::write(&known, w.into_inner().expect("csv")).expect("write");
    (har_path, known)
}

fn audit(dir: &Path, extra: &[&std::ffi::OsStr]) -> std::process::Output {
    let (har, known) = recording(dir);
    let o = clause()
        .arg("audit")
        .arg(&har)
        .arg("--known")
        .arg(&known)
        .args(extra)
        .output()
        .expect("runs");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn render_markdown(md: &str) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(
        &mut html,
        pulldown_cmark::Parser::new_ext(md, pulldown_cmark::Options::ENABLE_TABLES),
    );
    html
}

fn text_of(e: scraper::ElementRef) -> String {
    e.text().collect()
}

// ── Markdown ─────────────────────────────────────────────────────────────────────

#[test]
fn audit_markdown_shows_recorded_values_as_literal_text_in_their_cells() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let o = audit(tmp.path(), &["--format".as_ref(), "markdown".as_ref()]);
    let md = assert_terminal_safe("markdown", &o.stdout);
    let html = render_markdown(&md);
    let doc = scraper::Html::parse_fragment(&html);

    // Nothing but the report's own structure: no link, image, raw HTML or emphasis.
    let allowed = [
        "html", "body", "h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td", "code", "ul",
        "li",
    ];
    for node in doc.tree.nodes() {
        if let Some(e) = node.value().as_element() {
            assert!(allowed.contains(&e.name()), "<{}> in:\n{html}", e.name());
        }
    }
    // GitHub turns `@name` into a mention in rendered text outside code.
    for node in doc.tree.nodes() {
        let Some(t) = node.value().as_text() else {
            continue;
        };
        let in_code = node
            .ancestors()
            .any(|a| a.value().as_element().is_some_and(|e| e.name() == "code"));
        let chars: Vec<char> = t.chars().collect();
        for w in chars.windows(2) {
            assert!(
                in_code || !(w[0] == '@' && w[1].is_ascii_alphanumeric()),
                "a mention in {t:?}:\n{html}"
            );
        }
    }

    let table = doc
        .select(&scraper::Selector::parse("table").expect("selector"))
        .next()
        .expect("the table of undeclared names");
    let rows: Vec<_> = table
        .select(&scraper::Selector::parse("tbody > tr").expect("selector"))
        .collect();
    assert_eq!(rows.len(), NAMES.len(), "one row per name:\n{md}\n{html}");
    let td = scraper::Selector::parse("td").expect("selector");
    let code = scraper::Selector::parse("code").expect("selector");
    let mut seen = BTreeSet::new();
    for row in rows {
        let cells: Vec<_> = row.select(&td).collect();
        assert_eq!(cells.len(), 6, "{}", row.html());
        let codes: Vec<_> = cells[0].select(&code).collect();
        assert_eq!(codes.len(), 1, "{}", row.html());
        assert_eq!(text_of(cells[0]), text_of(codes[0]), "{}", row.html());
        let name = text_of(codes[0]);
        let i = NAMES
            .iter()
            .position(|n| show(n) == name)
            .unwrap_or_else(|| panic!("{name:?} is no recorded name:\n{}", row.html()));
        seen.insert(i);
        let domains: Vec<String> = cells[1].select(&code).map(text_of).collect();
        assert_eq!(domains, [show(DOMAINS[i % DOMAINS.len()]).to_lowercase()]);
        assert_eq!(
            cells[4].select(&code).map(text_of).collect::<Vec<_>>(),
            [tmp.path().join("hostile.har").display().to_string()]
        );
        if NAMES[i] == "@octocat" {
            assert_eq!(
                text_of(cells[5]),
                format!(
                    "{} / {} (known.csv)",
                    PLATFORM.replace('@', "@\u{200B}"),
                    show(CATEGORY)
                )
            );
        }
    }
    assert_eq!(seen.len(), NAMES.len());
}

#[test]
fn diff_markdown_shows_changed_texts_as_literal_text() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let base = fs::read_to_string(repo().join("tests/fixtures/minimal/content/cookies.toml"))
        .expect("read");
    let hostile = "| x |\\n|---|\\n| <img src=x> @octocat ![i](https://e.example/i) `c` \\u001b[2J";
    let old = tmp.path().join("old.toml");
    let new = tmp.path().join("new.toml");
    fs::write(&old, &base).expect("write");
    fs::write(&new, base.replace("To keep you logged in", hostile)).expect("write");
    let o = clause()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .arg("--format")
        .arg("markdown")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let md = assert_terminal_safe("markdown", &o.stdout);
    let html = render_markdown(&md);
    let doc = scraper::Html::parse_fragment(&html);
    for tag in ["img", "a", "tr:nth-child(2)"] {
        let sel = scraper::Selector::parse(&format!("tbody {tag}")).expect("selector");
        assert!(doc.select(&sel).next().is_none(), "{tag} in:\n{html}");
    }
    let cell = doc
        .select(&scraper::Selector::parse("tbody td:nth-child(2)").expect("selector"))
        .next()
        .expect("the change");
    let expected = "| x |\n|---|\n| <img src=x> @octocat ![i](https://e.example/i) `c` \u{1b}[2J";
    assert_eq!(
        text_of(cell),
        format!(
            "cookie session: purpose \"To keep you logged in\" → \"{}\"",
            show(expected).replace('@', "@\u{200B}")
        ),
        "{html}"
    );
}

// ── --write-stubs ────────────────────────────────────────────────────────────────

#[test]
fn stubs_hold_exactly_one_entry_per_name_whatever_the_recording_holds() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let stubs = tmp.path().join("stubs.toml");
    let o = audit(tmp.path(), &["--write-stubs".as_ref(), stubs.as_os_str()]);
    assert_terminal_safe("stderr", &o.stderr);
    let text = fs::read_to_string(&stubs).expect("written");
    for line in text.lines().filter(|l| l.starts_with('#')) {
        assert!(!line.chars().any(terminal_unsafe), "{line:?}");
    }
    let doc: toml_edit::DocumentMut = text.parse().expect("valid TOML");
    assert_eq!(
        doc.iter().map(|(k, _)| k.to_string()).collect::<Vec<_>>(),
        ["cookies"],
        "{text}"
    );
    let cookies = doc["cookies"].as_array_of_tables().expect("[[cookies]]");
    assert_eq!(cookies.len(), NAMES.len(), "{text}");
    let mut names = BTreeSet::new();
    for t in cookies.iter() {
        assert_eq!(
            t.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            ["names", "provider", "category", "function", "purpose", "duration", "party"],
            "{text}"
        );
        let list = t["names"].as_array().expect("names");
        assert_eq!(list.len(), 1);
        let name = list.get(0).and_then(|v| v.as_str()).expect("a string");
        names.insert(name.to_string());
        if name == "@octocat" {
            assert_eq!(t["function"].as_str(), Some(&*format!("TODO: {PLATFORM}")));
            assert_eq!(
                t["purpose"].as_str(),
                Some(&*format!("TODO: {DESCRIPTION}"))
            );
        }
    }
    // A name the inventory would read as a pattern (`re:.*`, `ga*`) or refuse is written
    // as an expression that matches exactly it.
    let expected: BTreeSet<String> = NAMES
        .iter()
        .map(|n| clause::inventory::exact_declaration(n))
        .collect();
    assert_eq!(names, expected, "{text}");
    assert!(
        names.contains(r"re:re:\.\*") && names.contains(r"re:ga\*"),
        "{text}"
    );

    // Pasted with their TODOs filled in, the entries pass `clause check` and declare
    // exactly the recorded names: a later recording of other cookies is still undeclared.
    let root = tmp.path().join("site");
    common::copy_dir(&repo().join("tests/fixtures/minimal"), &root);
    let mut inventory = fs::read_to_string(root.join("content/cookies.toml")).expect("read");
    inventory.push_str("\n[categories.stats]\ntitle = \"Stats\"\nconsent = \"required\"\n");
    inventory.push_str(
        &text
            .replace("provider = \"TODO\"", "provider = \"site\"")
            .replace("category = \"TODO\"", "category = \"stats\"")
            .replace("\"TODO\"", "\"1 day\""),
    );
    fs::write(root.join("content/cookies.toml"), inventory).expect("write");
    let check = clause()
        .args(["check", "--root"])
        .arg(&root)
        .output()
        .expect("runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let later = tmp.path().join("later.txt");
    fs::write(
        &later,
        "# Netscape HTTP Cookie File\n.example.org\tTRUE\t/\tFALSE\t0\t_fbp\tv\n.example.org\tTRUE\t/\tFALSE\t0\tgaTracker\tv\n.example.org\tTRUE\t/\tFALSE\t0\tga*\tv\n",
    )
    .expect("write");
    let o = clause()
        .args(["audit", "--root"])
        .arg(&root)
        .arg(&later)
        .output()
        .expect("runs");
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("2 names are not declared"), "{out}");
    assert!(
        out.contains("\n  _fbp") && out.contains("\n  gaTracker"),
        "{out}"
    );
}

// ── Terminal ─────────────────────────────────────────────────────────────────────

#[test]
fn audit_text_shows_control_characters_escaped() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let stubs = tmp.path().join("stubs\u{1b}[2J\n.toml");
    let o = audit(tmp.path(), &["--write-stubs".as_ref(), stubs.as_os_str()]);
    let out = assert_terminal_safe("stdout", &o.stdout);
    let err = assert_terminal_safe("stderr", &o.stderr);
    assert!(err.ends_with("stubs\\u{1b}[2J\\n.toml\n"), "{err}");
    assert!(
        out.contains(
            "\n  esc\\u{1b}[2Jclear: evil.example\\n::error::fake annotation (third party)"
        ),
        "{out}"
    );
    assert!(
        out.contains("\n  line\\nerror: 3 cookies set before consent: <script>x</script>.example (third party)"),
        "{out}"
    );
    assert!(out.contains("\n  bidi\\u{202e}gnp.exe: "), "{out}");
    assert!(
        out.contains("known as: [Evil](https://evil.example) @octocat ''' / <b>Ads</b>|x\\ny: ![img](https://e.example/x.png)\\n# heading\\n\"\"\"\\n[[cookies]] (retention 2\\u{1b}[2J years; source: known.csv)"),
        "{out}"
    );
    for line in out.lines() {
        assert!(
            !line.starts_with("error: 3") && !line.starts_with("::") && !line.starts_with('|'),
            "a line made by a recorded value: {line:?}"
        );
    }
}

#[test]
fn no_output_lets_a_value_start_a_ci_command() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for format in ["text", "markdown", "json"] {
        let o = audit(tmp.path(), &["--format".as_ref(), format.as_ref()]);
        // JSON holds values as JSON strings (serde_json leaves U+202E as it is).
        let out = if format == "json" {
            String::from_utf8(o.stdout.clone()).expect("UTF-8")
        } else {
            assert_terminal_safe("stdout", &o.stdout)
        };
        assert!(out.contains("undeclared"), "{out}");
        assert_no_ci_command(format, &out);
        assert_no_ci_command("stderr", &assert_terminal_safe("stderr", &o.stderr));
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
            let names: BTreeSet<&str> = v["undeclared"]
                .as_array()
                .expect("undeclared")
                .iter()
                .filter_map(|u| u["name"].as_str())
                .collect();
            assert!(names.contains("x##[error]forged annotation"), "{out}");
        }
    }
    // An inventory's values, quoted by diagnostics (with their source lines) and JSON.
    let root = tmp.path().join("site");
    site_with(
        &root,
        "[categories.necessary]\n\
         title = \"::error::t\" # ##[error]comment\n\
         consent = \"::warning::x ##[error]y\"\n",
    );
    assert_no_ci_command("diagnostics", &check_stderr(&root));
    let o = clause()
        .args(["check", "--message-format", "json", "--root"])
        .arg(&root)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let err = assert_terminal_safe("stderr", &o.stderr);
    assert!(err.contains("::warning::x "), "{err}");
    assert_no_ci_command("JSON diagnostics", &err);
}

#[test]
fn diff_text_shows_control_characters_escaped() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let base = fs::read_to_string(repo().join("tests/fixtures/minimal/content/cookies.toml"))
        .expect("read");
    let old = tmp.path().join("old.toml");
    let new = tmp.path().join("new\u{1b}[2J.toml");
    fs::write(&old, &base).expect("write");
    fs::write(
        &new,
        base.replace(
            "To keep you logged in",
            "x\\u001b[2J\\r\\nerror: faked\\u0000\\u202e",
        ),
    )
    .expect("write");
    let o = clause()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let out = assert_terminal_safe("stdout", &o.stdout);
    assert!(out.contains("new\\u{1b}[2J.toml\n"), "{out}");
    assert!(
        out.contains(
            "~ cookie session: purpose \"To keep you logged in\" → \"x\\u{1b}[2J\\r\\nerror: faked\\0\\u{202e}\"\n"
        ),
        "{out}"
    );
}

/// A site whose inventory holds control characters (TOML escapes) and a raw U+202E.
fn site_with(dir: &Path, cookies: &str) {
    common::copy_dir(&repo().join("tests/fixtures/minimal"), dir);
    fs::write(dir.join("content/cookies.toml"), cookies).expect("write");
}

fn check_stderr(root: &Path) -> String {
    let o = clause()
        .arg("check")
        .arg("--root")
        .arg(root)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let err = assert_terminal_safe("stderr", &o.stderr);
    err.replace(&root.display().to_string(), "<site>")
}

/// The line of `stderr` that quotes source line `n`, and the caret line under it.
fn quoted(stderr: &str, n: usize) -> (String, String) {
    let prefix = format!("{n} │ ");
    let mut lines = stderr.lines();
    while let Some(l) = lines.next() {
        if let Some(source) = l.strip_prefix(&prefix) {
            let carets = lines.next().expect("a caret line");
            // The gutter of the caret line is as wide as the line number's.
            let carets = carets.get(prefix.len()..).expect("carets");
            return (source.to_string(), carets.to_string());
        }
    }
    panic!("line {n} is not quoted:\n{stderr}");
}

/// Where the carets start, in characters, and how many there are.
fn caret_columns(carets: &str) -> (usize, usize) {
    let start = carets
        .chars()
        .position(|c| c == '^' || c == '-')
        .expect("a caret");
    let len = carets
        .chars()
        .skip(start)
        .take_while(|c| *c == '^' || *c == '-')
        .count();
    (start, len)
}

#[test]
fn diagnostics_show_control_characters_escaped_with_carets_in_place() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    site_with(
        &root,
        "[categories.necessary]\n\
         title = \"Necessary\"\n\
         consent = \"exempt\"\n\
         \n\
         [providers.site]\n\
         name = \"Example\"\n\
         \n\
         [[cookies]]\n\
         names = [\"ses\\u001b[2Jsion\"]\n\
         provider = \"si\\u001b[2J\\r\\nerror: fake\\u0000te\"\n\
         category = \"necessary\"\n\
         function = \"Log-in\"\n\
         purpose = { en = \"a\u{202e}b\\u0007\", xx = \"c\" }\n\
         duration = \"session\"\n",
    );
    let err = check_stderr(&root);
    insta::assert_snapshot!("diagnostics_escaped", err);
    // The translation for `xx` follows a raw U+202E on its line: the caret stays under it
    // and the column is the file's.
    let (source, carets) = quoted(&err, 13);
    assert_eq!(
        source,
        "purpose = { en = \"a\\u{202e}b\\u0007\", xx = \"c\" }"
    );
    let (start, len) = caret_columns(&carets);
    assert_eq!(
        source.chars().skip(start).take(len).collect::<String>(),
        "xx"
    );
    assert!(err.contains("content/cookies.toml:13:31"), "{err}");
}

#[test]
fn a_raw_control_character_in_a_file_is_quoted_escaped_under_its_caret() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    site_with(
        &root,
        "[categories.necessary]\n\
         title = \"\u{202e}Nec\u{1b}[2Jessary\"\r\n\
         consent = \"exempt\"\n",
    );
    let err = check_stderr(&root);
    insta::assert_snapshot!("raw_control_escaped", err);
    let (source, carets) = quoted(&err, 2);
    assert_eq!(source, "title = \"\\u{202e}Nec\\u{1b}[2Jessary\"");
    let (start, len) = caret_columns(&carets);
    let pointed: String = source.chars().skip(start).take(len).collect();
    assert!(pointed.starts_with("\\u{1b}"), "{pointed:?} in\n{err}");
    // Column 14 of the file: `title = "`, U+202E and `Nec` come before the ESC.
    assert!(err.contains("content/cookies.toml:2:14"), "{err}");
}

#[test]
fn status_lines_show_control_characters_escaped() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out\u{1b}[2J\r\nbuilt");
    let o = clause()
        .arg("build")
        .arg("--root")
        .arg(common::fixture("minimal"))
        .arg("--output")
        .arg(&out)
        .output()
        .expect("runs");
    assert!(o.status.success());
    let err = assert_terminal_safe("stderr", &o.stderr);
    assert!(err.contains("out\\u{1b}[2J\\r\\nbuilt: "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

// ── HTML, CSV and sitemap ─────────────────────────────────────────────────────────

/// Characters that no HTML, XML or CSV file of the build may carry.
fn document_unsafe(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || ('\u{FDD0}'..='\u{FDEF}').contains(&c)
        || (c as u32) & 0xFFFE == 0xFFFE
}

const PURPOSE: &str =
    "nul\\u0000 esc\\u001b[2J bell\\u0007 c1\\u0085 nonchar\\uffff ff\\u000c vt\\u000b";
const PURPOSE_SHOWN: &str =
    "nul\u{FFFD} esc\u{FFFD}[2J bell\u{FFFD} c1\u{FFFD} nonchar\u{FFFD} ff\u{FFFD} vt\u{FFFD}";

fn controls_site(root: &Path) {
    fs::create_dir_all(root.join("content/en")).expect("mkdir");
    fs::write(
        root.join("site.toml"),
        "title = \"Ti\\u0000tle\\u001b\"\nbase_url = \"https://example.org/x&y'z]]>/\"\nlocales = [\"en\"]\n",
    )
    .expect("write");
    let cookie = |name: &str, function: &str, purpose: &str| {
        format!(
            "[[cookies]]\nnames = [\"{name}\"]\nprovider = \"site\"\ncategory = \"necessary\"\nfunction = \"{function}\"\npurpose = \"{purpose}\"\nduration = \"session\"\n\n"
        )
    };
    let mut inv = String::from(
        "[categories.necessary]\ntitle = \"Nec\\u0000essary\"\nconsent = \"exempt\"\n\n[providers.site]\nname = \"Ex\\bample\\u007f\"\n\n",
    );
    inv += &cookie("tab", "\\t=1+1", PURPOSE);
    inv += &cookie("cr", "\\r=HYPERLINK(\\\"https://evil.example\\\")", "=1+1");
    inv += &cookie("signs", "-2+3", "+4");
    inv += &cookie("at", "@SUM(1)", "\\u0000=1+1");
    fs::write(root.join("content/cookies.toml"), inv).expect("write");
    fs::write(
        root.join("content/en/cookies.md"),
        "+++\ntitle = \"Cook\\u0000ies\"\n+++\n\nProse with a raw NUL \0 and a raw ESC \u{1b}[2J.\n",
    )
    .expect("write");
}

#[test]
fn nul_and_controls_never_reach_html_csv_or_sitemap() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    controls_site(&root);
    let out = tmp.path().join("out");
    common::build(&root, &out);
    // cookies.json is JSON, escaped by serde_json; the rest is read by browsers,
    // spreadsheets and crawlers.
    for (path, bytes) in common::tree(&out)
        .into_iter()
        .filter(|(p, _)| !p.ends_with(".json"))
    {
        let text = String::from_utf8(bytes).expect("UTF-8");
        if let Some(c) = text.chars().find(|c| document_unsafe(*c)) {
            panic!("raw {c:?} in {path}");
        }
    }
    let page = fs::read_to_string(out.join("en/cookies/index.html")).expect("page");
    let html = scraper::Html::parse_document(&page);
    let cells: Vec<String> = html
        .select(&scraper::Selector::parse("td").expect("selector"))
        .map(text_of)
        .collect();
    assert!(cells.iter().any(|c| c.trim() == PURPOSE_SHOWN), "{cells:?}");
    // The prose pipeline drops the NUL itself; the ESC is replaced.
    assert!(page.contains("and a raw ESC \u{FFFD}[2J."), "{page}");
}

#[test]
fn csv_cells_never_start_a_formula_and_carry_no_nul() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    controls_site(&root);
    let out = tmp.path().join("out");
    common::build(&root, &out);
    let bytes = fs::read(out.join("en/cookies.csv")).expect("written");
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a BOM");
    let mut r = csv::Reader::from_reader(body);
    let rows: Vec<Vec<String>> = r
        .records()
        .map(|x| x.expect("row").iter().map(String::from).collect())
        .collect();
    let row = |name: &str| {
        rows.iter()
            .find(|r| r[0] == name)
            .unwrap_or_else(|| panic!("no row {name}: {rows:?}"))
    };
    assert_eq!(row("tab")[4], "'\t=1+1");
    assert_eq!(row("tab")[5], PURPOSE_SHOWN);
    assert_eq!(row("cr")[4], "'\r=HYPERLINK(\"https://evil.example\")");
    assert_eq!(row("cr")[5], "'=1+1");
    assert_eq!(row("signs")[4], "'-2+3");
    assert_eq!(row("signs")[5], "'+4");
    assert_eq!(row("at")[4], "'@SUM(1)");
    assert_eq!(row("at")[5], "\u{FFFD}=1+1");
    assert_eq!(row("at")[1], "Ex\u{FFFD}ample\u{FFFD}");
    for cell in rows.iter().flatten() {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{cell:?}"
        );
        assert!(!cell.chars().any(document_unsafe), "{cell:?}");
    }
    let exported = clause()
        .arg("export")
        .arg("--root")
        .arg(&root)
        .arg("--format")
        .arg("csv")
        .output()
        .expect("runs");
    assert_eq!(
        exported.stdout, bytes,
        "export prints what the build writes"
    );
}

#[test]
fn sitemap_is_xml_whatever_the_address_holds() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    controls_site(&root);
    let out = tmp.path().join("out");
    common::build(&root, &out);
    let xml = fs::read_to_string(out.join("sitemap.xml")).expect("written");
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
    let page = "https://example.org/x&y'z]]%3E/en/cookies/";
    let locs: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(locs, [page]);
    let hrefs: Vec<(&str, &str)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("link"))
        .filter_map(|n| Some((n.attribute("hreflang")?, n.attribute("href")?)))
        .collect();
    assert_eq!(hrefs, [("en", page), ("x-default", page)]);
}
