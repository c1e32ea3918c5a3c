//! The JSON Schemas of the input files (schema/*.schema.json), which editors such as VS Code
//! with Even Better TOML (Taplo) use to complete and check as the team types: they accept the
//! example, every valid fixture and what `clause init` writes; they reject the mistakes about
//! keys and types that Clause rejects; and they list exactly the keys the readers know.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use common::{clause, fixture, repo};
use serde_json::{json, Map, Value};

/// The input schemas, by file name in `schema/`.
const SCHEMAS: [&str; 5] = ["site", "inventory", "overlay", "sites", "front-matter"];

fn schema(name: &str) -> Value {
    let path = repo().join(format!("schema/{name}.schema.json"));
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// TOML as JSON, the way an editor hands it to the schema: dates and times become strings.
fn toml_to_json(text: &str) -> Result<Value, String> {
    let doc = toml_edit::Document::parse(text).map_err(|e| e.to_string())?;
    Ok(table(doc.as_table()))
}

fn table(t: &toml_edit::Table) -> Value {
    let mut m = Map::new();
    for (k, item) in t.iter() {
        if let Some(v) = item_value(item) {
            m.insert(k.to_string(), v);
        }
    }
    Value::Object(m)
}

fn item_value(item: &toml_edit::Item) -> Option<Value> {
    match item {
        toml_edit::Item::None => None,
        toml_edit::Item::Value(v) => Some(value(v)),
        toml_edit::Item::Table(t) => Some(table(t)),
        toml_edit::Item::ArrayOfTables(a) => Some(Value::Array(a.iter().map(table).collect())),
    }
}

fn value(v: &toml_edit::Value) -> Value {
    use toml_edit::Value as V;
    match v {
        V::String(s) => json!(s.value()),
        V::Integer(i) => json!(i.value()),
        V::Float(f) => json!(f.value()),
        V::Boolean(b) => json!(b.value()),
        V::Datetime(d) => json!(d.value().to_string()),
        V::Array(a) => Value::Array(a.iter().map(value).collect()),
        V::InlineTable(t) => {
            let mut m = Map::new();
            for (k, x) in t.iter() {
                m.insert(k.to_string(), value(x));
            }
            Value::Object(m)
        }
    }
}

/// The TOML front matter of a document: the lines between the two `+++` lines.
fn front_matter(text: &str) -> Option<String> {
    let mut lines = text.lines();
    if lines.next()?.trim_end() != "+++" {
        return None;
    }
    let body: Vec<&str> = lines.take_while(|l| l.trim_end() != "+++").collect();
    Some(body.join("\n"))
}

/// The schema's complaints about a TOML text, or `Err` when it is not TOML at all.
fn complaints(schema_name: &str, toml: &str) -> Result<Vec<String>, String> {
    let instance = toml_to_json(toml)?;
    let s = schema(schema_name);
    let validator = jsonschema::validator_for(&s).expect("a valid JSON Schema");
    Ok(validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at `{}`", e.instance_path()))
        .collect())
}

/// The input files of a site folder with the schema each follows.
fn input_files(root: &Path) -> Vec<(PathBuf, &'static str)> {
    let mut out = vec![
        (root.join("site.toml"), "site"),
        (root.join("content/cookies.toml"), "inventory"),
    ];
    if root.join("sites.toml").exists() {
        out.push((root.join("sites.toml"), "sites"));
    }
    let mut docs = Vec::new();
    for e in walkdir::WalkDir::new(root)
        .into_iter()
        .filter_entry(|e| {
            let n = e.file_name().to_string_lossy();
            let skipped = matches!(
                n.as_ref(),
                "target" | "node_modules" | "output" | "themes" | "tests" | "fuzz" | "benches"
            );
            let hidden = e.depth() > 0 && n.starts_with('.');
            !skipped && !hidden
        })
        .flatten()
    {
        let p = e.path().to_path_buf();
        let rel = p
            .strip_prefix(root)
            .expect("inside")
            .to_string_lossy()
            .into_owned();
        let in_content = rel.starts_with("content/") || rel.contains("/content/");
        if in_content && rel.ends_with(".md") {
            docs.push((p, "front-matter"));
        } else if rel.starts_with("sites/") && rel.ends_with("/cookies.toml") {
            docs.push((p, "overlay"));
        }
    }
    docs.sort();
    out.extend(docs);
    out
}

fn check_accepted(path: &Path, schema_name: &str) {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let toml = if schema_name == "front-matter" {
        front_matter(&text).unwrap_or_else(|| panic!("{}: no front matter", path.display()))
    } else {
        text
    };
    let errors = complaints(schema_name, &toml)
        .unwrap_or_else(|e| panic!("{}: not TOML: {e}", path.display()));
    assert!(
        errors.is_empty(),
        "{} is refused by {schema_name}.schema.json: {errors:#?}",
        path.display()
    );
}

#[test]
fn the_schemas_are_draft_07_documents() {
    for name in SCHEMAS {
        let s = schema(name);
        assert_eq!(
            s["$schema"], "http://json-schema.org/draft-07/schema#",
            "{name}: Taplo supports draft-07 best"
        );
        jsonschema::draft7::new(&s).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn the_example_and_every_valid_fixture_are_accepted() {
    let mut checked = 0;
    for (name, root) in common::valid_sites() {
        for (path, s) in input_files(&root) {
            check_accepted(&path, s);
            checked += 1;
        }
        assert!(checked > 0, "{name}");
    }
    // The fixtures whose problems are not about keys or types (prose, patterns, themes,
    // values only the reader can judge) are accepted too, file by file.
    for name in [
        "consent",
        "hostile-patterns",
        "hostile-prose",
        "invalid-patterns",
        "prose-errors",
        "scan",
        "theme-broken",
    ] {
        for (path, s) in input_files(&fixture(name)) {
            check_accepted(&path, s);
        }
    }
    for (path, s) in [
        ("invalid/site.toml", "site"),
        ("invalid/content/en/cookies.md", "front-matter"),
        ("invalid-site/content/cookies.toml", "inventory"),
        ("invalid-site/content/en/cookies.md", "front-matter"),
        ("invalid-syntax/site.toml", "site"),
    ] {
        check_accepted(&fixture("").join(path), s);
    }
}

#[test]
fn what_clause_init_writes_is_accepted_and_points_at_its_schemas() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = tmp.path().join("policy");
    clause().arg("init").arg(&site).assert().success();
    let files = input_files(&site);
    assert_eq!(files.len(), 3, "{files:?}");
    for (path, s) in &files {
        check_accepted(path, s);
    }
    for (file, schema_name) in [("site.toml", "site"), ("content/cookies.toml", "inventory")] {
        let text = fs::read_to_string(site.join(file)).expect("written");
        let first = text.lines().next().unwrap_or_default();
        let target = first
            .strip_prefix("#:schema ")
            .unwrap_or_else(|| panic!("{file} starts with {first:?}, not `#:schema `"));
        // Relative to the file, as Taplo reads it: the site works offline.
        let dir = site.join(file);
        let schema_file = dir.parent().expect("a folder").join(target);
        let written = fs::read_to_string(&schema_file)
            .unwrap_or_else(|e| panic!("{file}: {}: {e}", schema_file.display()));
        let written: Value = serde_json::from_str(&written).expect("JSON");
        assert_eq!(written, schema(schema_name), "{file}");
    }
    // Every schema is there, for sites.toml and portals added later.
    for name in SCHEMAS {
        let p = site.join(format!(".clause/schemas/{name}.schema.json"));
        let written: Value =
            serde_json::from_str(&fs::read_to_string(&p).expect("written")).expect("JSON");
        assert_eq!(written, schema(name), "{name}");
    }
}

#[test]
fn clause_ignores_schema_directives() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("platform");
    common::copy_dir(&fixture("platform"), &root);
    for (file, target) in [
        ("site.toml", "./.clause/schemas/site.schema.json"),
        (
            "content/cookies.toml",
            "../.clause/schemas/inventory.schema.json",
        ),
        ("sites.toml", "./.clause/schemas/sites.schema.json"),
        (
            "sites/beta/cookies.toml",
            "../../.clause/schemas/overlay.schema.json",
        ),
    ] {
        let p = root.join(file);
        let text = fs::read_to_string(&p).expect("fixture");
        fs::write(&p, format!("#:schema {target}\n{text}")).expect("write");
    }
    let (code, stderr) = common::check_root(&root);
    assert_eq!(code, Some(0), "{stderr}");
}

/// One file of a valid site changed in one way that Clause refuses.
struct Broken {
    what: &'static str,
    file: &'static str,
    schema: &'static str,
    from: &'static str,
    to: &'static str,
}

/// Mistakes about keys and types, in the minimal fixture: each is refused by Clause and by
/// the schema.
const BROKEN: [Broken; 17] = [
    Broken {
        what: "unknown consent banner",
        file: "site.toml",
        schema: "site",
        from: "locales = [\"en\"]",
        to: "locales = [\"en\"]\n[consent]\nmanager = \"didomi\"\nscript = \"d.js\"",
    },
    Broken {
        what: "a banner's script without its manager",
        file: "site.toml",
        schema: "site",
        from: "locales = [\"en\"]",
        to: "locales = [\"en\"]\n[consent]\nscript = \"klaro.js\"",
    },
    Broken {
        what: "unknown banner text",
        file: "site.toml",
        schema: "site",
        from: "locales = [\"en\"]",
        to: "locales = [\"en\"]\n[consent.texts]\nbanner_titel = \"Cookies\"",
    },
    Broken {
        what: "unknown key in site.toml",
        file: "site.toml",
        schema: "site",
        from: "locales = [\"en\"]",
        to: "locales = [\"en\"]\ncolums = [\"provider\"]",
    },
    Broken {
        what: "missing required key in site.toml",
        file: "site.toml",
        schema: "site",
        from: "title = \"Minimal\"",
        to: "",
    },
    Broken {
        what: "wrong type in site.toml",
        file: "site.toml",
        schema: "site",
        from: "locales = [\"en\"]",
        to: "locales = \"en\"",
    },
    Broken {
        what: "column not allowed",
        file: "site.toml",
        schema: "site",
        from: "locales = [\"en\"]",
        to: "locales = [\"en\"]\ncolumns = [\"provider\", \"lifetime\"]",
    },
    Broken {
        what: "history limit out of range",
        file: "site.toml",
        schema: "site",
        from: "locales = [\"en\"]",
        to: "locales = [\"en\"]\n[history]\nlimit = 0",
    },
    Broken {
        what: "unknown key in a cookie",
        file: "content/cookies.toml",
        schema: "inventory",
        from: "purpose =",
        to: "purpse =",
    },
    Broken {
        what: "consent word not allowed",
        file: "content/cookies.toml",
        schema: "inventory",
        from: "consent = \"exempt\"",
        to: "consent = \"optional\"",
    },
    Broken {
        what: "missing consent",
        file: "content/cookies.toml",
        schema: "inventory",
        from: "consent = \"exempt\"",
        to: "",
    },
    Broken {
        what: "names is not a list",
        file: "content/cookies.toml",
        schema: "inventory",
        from: "names = [\"session\"]",
        to: "names = \"session\"",
    },
    Broken {
        what: "duration not a duration",
        file: "content/cookies.toml",
        schema: "inventory",
        from: "duration = \"session\"",
        to: "duration = \"2 weks\"",
    },
    Broken {
        what: "party word not allowed",
        file: "content/cookies.toml",
        schema: "inventory",
        from: "duration = \"session\"",
        to: "duration = \"session\"\nparty = \"own\"",
    },
    Broken {
        what: "unknown top-level table",
        file: "content/cookies.toml",
        schema: "inventory",
        from: "[categories.necessary]",
        to: "remove = [\"x\"]\n[categories.necessary]",
    },
    Broken {
        what: "a translation that is not a string",
        file: "content/cookies.toml",
        schema: "inventory",
        from: "name = \"Example\"",
        to: "name = { en = 1 }",
    },
    Broken {
        what: "unknown key in the front matter",
        file: "content/en/cookies.md",
        schema: "front-matter",
        from: "title = \"Cookies\"",
        to: "title = \"Cookies\"\nupdate = 2026-01-01",
    },
];

fn minimal_text(file: &str) -> String {
    fs::read_to_string(fixture("minimal").join(file)).expect("fixture")
}

#[test]
fn mistakes_about_keys_and_types_are_refused_by_clause_and_by_the_schema() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (i, b) in BROKEN.iter().enumerate() {
        let original = minimal_text(b.file);
        assert!(
            original.contains(b.from),
            "{}: `{}` not in {}",
            b.what,
            b.from,
            b.file
        );
        let text = original.replacen(b.from, b.to, 1);
        let toml = if b.schema == "front-matter" {
            front_matter(&text).expect("front matter")
        } else {
            text.clone()
        };
        let errors = complaints(b.schema, &toml).expect("TOML");
        assert!(!errors.is_empty(), "the schema accepts: {}", b.what);
        let root = tmp.path().join(i.to_string());
        common::copy_dir(&fixture("minimal"), &root);
        fs::write(root.join(b.file), &text).expect("write");
        let (code, stderr) = common::check_root(&root);
        assert_ne!(code, Some(0), "Clause accepts: {}\n{stderr}", b.what);
    }
    // And the fixtures written for these mistakes.
    for (path, s, expected) in [
        (
            "invalid/content/cookies.toml",
            "inventory",
            &[
                "/cookies/0/duration",
                "/cookies/1",
                "/cookies/1",
                "/providers/site/url",
            ][..],
        ),
        (
            "invalid-site/site.toml",
            "site",
            &["", "/base_url", "/locales/1"][..],
        ),
    ] {
        let instance = toml_to_json(&fs::read_to_string(fixture("").join(path)).expect("fixture"))
            .expect("TOML");
        let validator = jsonschema::validator_for(&schema(s)).expect("schema");
        let mut at: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| e.instance_path().to_string())
            .collect();
        at.sort();
        assert_eq!(at, expected, "{path}");
    }
}

#[test]
fn a_required_category_can_only_have_consent_as_its_basis() {
    let base = "[categories.ads]\ntitle = \"Ads\"\nconsent = \"required\"\n";
    assert_eq!(complaints("inventory", base), Ok(vec![]));
    let ok = format!("{base}legal_basis = \"consent\"\n");
    assert_eq!(complaints("inventory", &ok), Ok(vec![]));
    for bad in [
        "legal_basis = \"legitimate-interest\"\n",
        "exemption = \"audience-measurement\"\n",
    ] {
        let errors = complaints("inventory", &format!("{base}{bad}")).expect("TOML");
        assert!(!errors.is_empty(), "{bad}");
    }
    let exempt = "[categories.stats]\ntitle = \"Stats\"\nconsent = \"exempt\"\nlegal_basis = \"legitimate-interest\"\nexemption = \"audience-measurement\"\n";
    assert_eq!(complaints("inventory", exempt), Ok(vec![]));
}

#[test]
fn the_keys_of_issue_14_are_in_the_schemas() {
    let inventory = r#"
[categories.video]
title = "Video"
consent = "required"
legal_basis = "consent"

[providers.youtube]
name = "YouTube"
country = "IE"
role = "controller"
transfer = "dpf"

[[cookies]]
names = ["VISITOR_INFO1_LIVE"]
provider = "youtube"
category = "video"
function = "Video"
purpose = { en = "To measure bandwidth", fr = "Mesurer la bande passante" }
duration = "6 months"
storage = "cookie"
domain = ".youtube.com"
data = { en = "A visitor identifier", fr = "Un identifiant de visiteur" }
retention = "18 months"
"#;
    assert_eq!(complaints("inventory", inventory), Ok(vec![]));
    let site = r#"
title = "T"
base_url = "https://example.org/"
locales = ["en", "fr"]
columns = ["provider", "storage", "domain", "data", "retention", "transfer"]
[controller]
name = "Ville de Saint-Mandé"
address = { en = "Town hall, Saint-Mandé", fr = "Hôtel de ville, Saint-Mandé" }
contact = "dpo@example.org"
dpo = "https://example.org/dpo"
"#;
    assert_eq!(complaints("site", site), Ok(vec![]));
    for contact in [
        "mailto:dpo@example.org",
        "https://example.org/contact",
        "privacy.team@mairie-saintmande.fr",
    ] {
        let changed = site.replace("dpo@example.org", contact);
        assert_eq!(complaints("site", &changed), Ok(vec![]), "{contact}");
    }
    for (schema_name, text, from, to) in [
        (
            "inventory",
            inventory,
            "country = \"IE\"",
            "country = \"Ireland\"",
        ),
        (
            "inventory",
            inventory,
            "role = \"controller\"",
            "role = \"owner\"",
        ),
        (
            "inventory",
            inventory,
            "transfer = \"dpf\"",
            "transfer = \"privacy-shield\"",
        ),
        (
            "inventory",
            inventory,
            "storage = \"cookie\"",
            "storage = \"localStorage\"",
        ),
        (
            "inventory",
            inventory,
            "retention = \"18 months\"",
            "retention = \"forever\"",
        ),
        (
            "inventory",
            inventory,
            "function = \"Video\"",
            "function = \"  \"",
        ),
        (
            "site",
            site,
            "contact = \"dpo@example.org\"",
            "contact = \"call us\"",
        ),
        ("site", site, "contact = \"dpo@example.org\"", ""),
        ("site", site, "dpo@example.org", "dpo@localhost"),
        ("site", site, "dpo@example.org", "ftp://example.org"),
        ("site", site, "https://example.org/dpo", "example.org/dpo"),
        (
            "inventory",
            inventory,
            ".youtube.com",
            "https://www.youtube.com/",
        ),
    ] {
        let changed = text.replacen(from, to, 1);
        assert_ne!(changed, text);
        let errors = complaints(schema_name, &changed).expect("TOML");
        assert!(!errors.is_empty(), "accepted: {to:?}");
    }
}

/// Every key, in every schema, has a description for the editor's hover and completion.
#[test]
fn every_key_has_a_description() {
    fn walk(v: &Value, at: &str, missing: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::Object(props)) = m.get("properties") {
                    for (k, p) in props {
                        let described = p
                            .get("description")
                            .and_then(Value::as_str)
                            .is_some_and(|d| d.trim().ends_with('.') && d.len() > 20);
                        // A reference is described where it is defined.
                        if !described && p.get("$ref").is_none() {
                            missing.push(format!("{at}/{k}"));
                        }
                    }
                }
                // The keys of a condition are described where they are declared.
                for (k, x) in m
                    .iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "if" | "then"))
                {
                    walk(x, &format!("{at}/{k}"), missing);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, &format!("{at}/{i}"), missing);
                }
            }
            _ => {}
        }
    }
    for name in SCHEMAS {
        let mut missing = Vec::new();
        walk(&schema(name), name, &mut missing);
        assert!(
            missing.is_empty(),
            "keys without a description: {missing:#?}"
        );
    }
}

#[test]
fn the_portal_overlay_schema_is_the_inventory_schema_with_remove() {
    let mut overlay = schema("overlay");
    let mut inventory = schema("inventory");
    let removed = overlay["properties"]
        .as_object_mut()
        .and_then(|p| p.remove("remove"));
    assert!(removed.is_some());
    for s in [&mut overlay, &mut inventory] {
        let m = s.as_object_mut().expect("object");
        m.remove("title");
        m.remove("description");
    }
    assert_eq!(overlay, inventory);
}

// ── The schemas and the readers list the same keys ──────────────────────────────

/// Keys of issue 14 that the schemas already describe and that the readers may not know
/// yet: they may be missing from the code, never the other way round.
const PENDING: [(&str, &str, &[&str]); 5] = [
    ("site", "/properties", &["controller"]),
    (
        "inventory",
        "/definitions/category/properties",
        &["legal_basis", "exemption"],
    ),
    (
        "inventory",
        "/definitions/provider/properties",
        &["country", "role", "transfer"],
    ),
    (
        "inventory",
        "/definitions/cookie/properties",
        &["storage", "domain", "data", "retention"],
    ),
    (
        "site",
        "/properties/columns/items/enum",
        &["storage", "domain", "data", "retention", "transfer"],
    ),
];

/// Where each key list of the readers is described, by source file and constant name.
const KEY_LISTS: [(&str, &str, &str, &str); 14] = [
    (
        "src/config.rs",
        "CONTROLLER_KEYS",
        "site",
        "/properties/controller/properties",
    ),
    ("src/config.rs", "KEYS", "site", "/properties"),
    (
        "src/config.rs",
        "HISTORY_KEYS",
        "site",
        "/properties/history/properties",
    ),
    (
        "src/consent.rs",
        "KEYS",
        "site",
        "/properties/consent/properties",
    ),
    (
        "src/consent.rs",
        "TEXT_KEYS",
        "site",
        "/properties/consent/properties/texts/properties",
    ),
    ("src/inventory/read.rs", "TOP", "inventory", "/properties"),
    (
        "src/inventory/read.rs",
        "TOP_OVERLAY",
        "overlay",
        "/properties",
    ),
    (
        "src/inventory/read.rs",
        "DEFINITION",
        "inventory",
        "/definitions/definition/properties",
    ),
    (
        "src/inventory/read.rs",
        "CATEGORY",
        "inventory",
        "/definitions/category/properties",
    ),
    (
        "src/inventory/read.rs",
        "PROVIDER",
        "inventory",
        "/definitions/provider/properties",
    ),
    (
        "src/inventory/read.rs",
        "COOKIE",
        "inventory",
        "/definitions/cookie/properties",
    ),
    (
        "src/platform.rs",
        "SITE_KEYS",
        "sites",
        "/properties/sites/items/properties",
    ),
    (
        "src/content.rs",
        "FRONT_MATTER",
        "front-matter",
        "/properties",
    ),
    (
        "src/config.rs",
        "Column::ALL",
        "site",
        "/properties/columns/items/enum",
    ),
];

/// Key lists of issue 14 that the readers may not have yet.
const PENDING_LISTS: [&str; 1] = ["CONTROLLER_KEYS"];

/// Lists of words in those files that are not keys of a table.
const NOT_KEYS: [&str; 2] = ["LOCALIZED", "RESERVED"];

/// The `const NAME: [&str; N] = [...]` lists of a source file, by name; `Column::ALL`'s
/// names from its `("name", Column::X)` pairs.
fn source_lists(file: &str) -> Vec<(String, BTreeSet<String>)> {
    let text = fs::read_to_string(repo().join(file)).expect("source");
    let word = regex::Regex::new(r#""([^"]*)""#).expect("regex");
    let words =
        |s: &str| -> BTreeSet<String> { word.captures_iter(s).map(|c| c[1].to_string()).collect() };
    let list = regex::Regex::new(r"(?s)const ([A-Z_]+): \[&(?:'static )?str; \d+\] = \[(.*?)\];")
        .expect("regex");
    let mut out: Vec<(String, BTreeSet<String>)> = list
        .captures_iter(&text)
        .map(|c| (c[1].to_string(), words(&c[2])))
        .collect();
    let columns =
        regex::Regex::new(r"(?s)const ALL: \[\(&'static str, Column\); \d+\] = \[(.*?)\];")
            .expect("regex");
    if let Some(c) = columns.captures(&text) {
        out.push(("Column::ALL".into(), words(&c[1])));
    }
    out
}

fn schema_keys(schema_name: &str, pointer: &str) -> BTreeSet<String> {
    let s = schema(schema_name);
    match s.pointer(pointer) {
        Some(Value::Object(m)) => m.keys().cloned().collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        other => panic!("{schema_name}{pointer}: {other:?}"),
    }
}

#[test]
fn the_schemas_list_exactly_the_keys_the_readers_accept() {
    let mut problems = Vec::new();
    let files: BTreeSet<&str> = KEY_LISTS.iter().map(|(f, ..)| *f).collect();
    for file in files {
        for (name, code) in source_lists(file) {
            if NOT_KEYS.contains(&name.as_str()) {
                continue;
            }
            let Some((_, _, s, pointer)) =
                KEY_LISTS.iter().find(|(f, n, ..)| *f == file && *n == name)
            else {
                problems.push(format!(
                    "{file}: the key list `{name}` is in no schema: describe its keys in schema/*.schema.json and list it in KEY_LISTS of tests/schemas.rs"
                ));
                continue;
            };
            let described = schema_keys(s, pointer);
            let pending: BTreeSet<String> = PENDING
                .iter()
                .filter(|(ps, pp, _)| ps == s && pp == pointer)
                .flat_map(|(.., keys)| keys.iter().map(|k| k.to_string()))
                .collect();
            for k in code.difference(&described) {
                problems.push(format!(
                    "{file} `{name}` accepts `{k}`, which {s}.schema.json does not describe at {pointer}"
                ));
            }
            for k in described.difference(&code) {
                if !pending.contains(k) {
                    problems.push(format!(
                        "{s}.schema.json describes `{k}` at {pointer}, which {file} `{name}` does not accept"
                    ));
                }
            }
        }
    }
    // Every list of KEY_LISTS is still found where it is said to be.
    for (file, name, ..) in KEY_LISTS {
        if !PENDING_LISTS.contains(&name) && !source_lists(file).iter().any(|(n, _)| n == name) {
            problems.push(format!(
                "{file}: no key list `{name}` any more: update KEY_LISTS"
            ));
        }
    }
    // sites.toml's only top-level key is written in the call itself.
    let platform = fs::read_to_string(repo().join("src/platform.rs")).expect("source");
    assert!(platform.contains(r#"r.table(&root, "sites.toml", &["sites"]"#));
    assert_eq!(
        schema_keys("sites", "/properties"),
        BTreeSet::from(["sites".to_string()])
    );
    assert!(problems.is_empty(), "{problems:#?}");
}
