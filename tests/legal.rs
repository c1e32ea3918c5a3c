//! The legal fields (issue 14): every check with its exact message and place, each field
//! rendered in the six built-in locales, and the outputs that carry them (cookies.json,
//! CSV, `clause diff`, `clause audit`).

mod common;

use std::fs;
use std::path::Path;

use common::{build, clause, fixture};

/// Runs `clause check` on a fixture; returns (exit code, stderr).
fn check(name: &str, extra: &[&str]) -> (i32, String) {
    let o = clause()
        .arg("check")
        .arg("--root")
        .arg(format!("tests/fixtures/{name}"))
        .args(extra)
        .output()
        .expect("runs");
    (
        o.status.code().expect("exit code"),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn every_legal_error_is_reported_at_once_with_its_place() {
    let (code, stderr) = check("invalid-legal", &[]);
    assert_eq!(code, 1, "{stderr}");
    insta::assert_snapshot!("legal_errors", stderr);
}

#[test]
fn legal_warnings_pass_unless_strict() {
    let (code, stderr) = check("warnings-legal", &[]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("legal_warnings", stderr);
    let (code, stderr) = check("warnings-legal", &["--strict"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("--strict turns the warnings above into errors"));
}

/// The `<main>` of a page: what the legal fields change.
fn main_of(page: &Path) -> String {
    let html = fs::read_to_string(page).expect("page");
    let start = html.find("<main").expect("main");
    let end = html.find("</main>").expect("end of main");
    html[start..end + "</main>".len()].to_string()
}

#[test]
fn every_legal_field_renders_in_the_six_locales() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    build(&fixture("legal"), &out);
    for l in ["en", "fr", "de", "es", "it", "nl"] {
        let main = main_of(&out.join(l).join("privacy/index.html"));
        // Nothing was left untranslated or unfilled.
        assert!(
            !main.contains("{{") && !main.contains("{basis}"),
            "{l}: {main}"
        );
        insta::assert_snapshot!(format!("legal_page_{l}"), main);
    }
    let fr = main_of(&out.join("fr/privacy/index.html"));
    for words in [
        "États-Unis — cadre de protection des données UE-États-Unis",
        "États-Unis — clauses contractuelles types",
        "Suisse — décision d'adéquation de la Commission européenne",
        "Règles d'entreprise contraignantes",
        "Sous-traitant",
        "Responsable conjoint du traitement",
        "Base légale\u{202f}: intérêt légitime (article 6, paragraphe 1, point f), du RGPD).",
        "Délégué à la protection des données",
        "Stockage local (localStorage)",
        "Pixel de suivi",
        "25 mois",
    ] {
        let escaped = words.replace('\'', "&#39;");
        assert!(fr.contains(&escaped), "{words}");
    }
    let de = main_of(&out.join("de/privacy/index.html"));
    assert!(de.contains("Vereinigte Staaten — EU-US-Datenschutzrahmen"));
    assert!(de.contains("Standardvertragsklauseln"));
    // Without placeholders, the sections close the document, with their headings.
    let es = main_of(&out.join("es/privacy/index.html"));
    assert!(
        es.contains("<h2 id=\"transfers\">Transferencias fuera del Espacio Económico Europeo</h2>")
    );
    assert!(es.contains("<h2 id=\"controller\">Quién es responsable de sus datos</h2>"));
    assert!(
        es.contains("<a href=\"#transfers\">"),
        "in the table of contents"
    );
    assert!(es.find("id=\"transfers\"") < es.find("id=\"controller\""));
}

#[test]
fn the_example_shows_its_transfers_and_controller_in_both_languages() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    build(&common::repo(), &out);
    let en = main_of(&out.join("en/cookies/index.html"));
    assert!(en.contains(
        "<caption>Providers that receive data outside the European Economic Area</caption>"
    ));
    assert!(en.contains("United States</td>"));
    assert!(en.contains("EU-US Data Privacy Framework"));
    assert!(en.contains("City of Saint-Mandé"));
    let fr = main_of(&out.join("fr/cookies/index.html"));
    assert!(fr.contains("<caption>Prestataires qui reçoivent des données hors de l&#39;Espace économique européen</caption>"));
    assert!(fr.contains("Cadre de protection des données UE-États-Unis"));
    assert!(fr.contains("Ville de Saint-Mandé"));
}

#[test]
fn cookies_json_and_csv_carry_the_legal_fields() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    build(&fixture("legal"), &out);
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("cookies.json")).expect("json"))
            .expect("JSON");
    assert_eq!(
        json["site"]["controller"]["contact"]["href"],
        "mailto:privacy@books.example.no"
    );
    assert_eq!(json["site"]["controller"]["name"]["de"], "Fjord Books AS");
    let provider = |id: &str| {
        json["providers"]
            .as_array()
            .and_then(|a| a.iter().find(|p| p["id"] == id))
            .cloned()
            .expect("provider")
    };
    assert_eq!(provider("vidcast")["country"], "US");
    assert_eq!(provider("vidcast")["country_name"]["it"], "Stati Uniti");
    assert_eq!(provider("vidcast")["transfer"], "dpf");
    assert_eq!(provider("vidcast")["role"], "joint-controller");
    assert!(provider("fjord")["transfer"].is_null());
    let category = |id: &str| {
        json["categories"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["id"] == id))
            .cloned()
            .expect("category")
    };
    assert_eq!(category("statistics")["exemption"], "audience-measurement");
    assert_eq!(category("fraud")["legal_basis"], "legal-obligation");
    assert_eq!(category("marketing")["legal_basis"], "consent");
    let cookie = |name: &str| {
        json["cookies"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["names"][0] == name))
            .cloned()
            .expect("cookie")
    };
    assert_eq!(cookie("st_id")["retention"]["value"], 25);
    assert_eq!(cookie("st_id")["retention"]["text"]["nl"], "25 maanden");
    assert_eq!(cookie("st_id")["domain"], "books.example.no");
    assert_eq!(cookie("basket")["storage"], "local-storage");
    assert_eq!(
        cookie("session")["data"]["es"],
        "Un identificador de sesión aleatorio"
    );
    assert!(cookie("basket")["retention"].is_null());

    let csv = fs::read(out.join("fr/cookies.csv")).expect("csv");
    let mut r = csv::Reader::from_reader(&csv[3..]);
    let header: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(
        header[8..],
        [
            "Stockage",
            "Domaine",
            "Données stockées ou collectées",
            "Conservation des données",
            "Pays du destinataire",
            "Base légale"
        ]
    );
    let rows: Vec<Vec<String>> = r
        .records()
        .map(|x| x.expect("row").iter().map(String::from).collect())
        .collect();
    let st = rows.iter().find(|r| r[0] == "st_id").expect("row");
    assert_eq!(
        st[8..],
        [
            "Cookie",
            "books.example.no",
            "Un numéro de visiteur et les pages vues",
            "25 mois",
            "États-Unis — clauses contractuelles types",
            "intérêt légitime (article 6, paragraphe 1, point f), du RGPD)"
        ]
    );
}

const OLD: &str = r#"
[categories.video]
title = "Video"
consent = "required"

[providers.vid]
name = "Vid"
country = "IE"

[[cookies]]
names = ["v"]
provider = "vid"
category = "video"
function = "Video"
purpose = "To play videos"
duration = "1 day"
retention = "1 month"
"#;

#[test]
fn diff_asks_for_consent_again_for_a_new_country_safeguard_retention_or_data() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let old = tmp.path().join("old.toml");
    let new = tmp.path().join("new.toml");
    fs::write(&old, OLD).expect("write");
    let changed = OLD
        .replace("country = \"IE\"", "country = \"US\"\ntransfer = \"dpf\"")
        .replace(
            "retention = \"1 month\"",
            "retention = \"2 months\"\ndata = \"An id\"",
        );
    fs::write(&new, changed).expect("write");
    let o = clause()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .args(["--format", "json"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let reasons: Vec<(String, String)> = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["field"].as_str().unwrap_or("").to_string(),
                c["reason"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let expect = |f: &str, r: &str| (f.to_string(), r.to_string());
    assert_eq!(
        reasons,
        [
            expect(
                "country",
                "the data goes to another country, for cookies that need consent"
            ),
            expect(
                "transfer",
                "another safeguard for data leaving the EEA, for cookies that need consent"
            ),
            expect(
                "data",
                "new data stored or collected, in a category that needs consent"
            ),
            expect(
                "retention",
                "its data is kept longer, in a category that needs consent"
            ),
        ]
    );
    // A shorter retention, in the other direction, asks for nothing.
    let o = clause()
        .arg("diff")
        .arg(&new)
        .arg(&old)
        .args(["--format", "json"])
        .output()
        .expect("runs");
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let retention = report["changes"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["field"] == "retention"))
        .expect("retention");
    assert_eq!(retention["reconsent"], false);
}

#[test]
fn audit_matches_storage_keys_against_entries_of_that_storage() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    common::copy_dir(&fixture("minimal"), &root);
    fs::write(
        root.join("content/cookies.toml"),
        r#"
[categories.necessary]
title = "Necessary"
consent = "exempt"

[providers.site]
name = "Site"

[[cookies]]
names = ["theme"]
provider = "site"
category = "necessary"
function = "Display"
purpose = "To remember the theme"
duration = "1 year"
storage = "local-storage"

[[cookies]]
names = ["cart"]
provider = "site"
category = "necessary"
function = "Basket"
purpose = "To keep the basket"
duration = "1 day"
"#,
    )
    .expect("write");
    let state = tmp.path().join("state.json");
    fs::write(
        &state,
        r#"{"cookies": [
  {"name": "theme", "value": "d", "domain": "example.org", "path": "/", "expires": -1, "httpOnly": false, "secure": true, "sameSite": "Lax"}
], "origins": [{"origin": "https://example.org", "localStorage": [
  {"name": "theme", "value": "dark"}, {"name": "cart", "value": "[]"}
]}]}"#,
    )
    .expect("write");
    let o = clause()
        .arg("audit")
        .arg("--root")
        .arg(&root)
        .arg(&state)
        .args(["--format", "json"])
        .output()
        .expect("runs");
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let mismatches: Vec<(String, String, String)> = report["storage_mismatches"]
        .as_array()
        .expect("list")
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap_or("").into(),
                m["declared"].as_str().unwrap_or("").into(),
                m["observed"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    let m = |n: &str, d: &str, o: &str| (n.to_string(), d.to_string(), o.to_string());
    assert_eq!(
        mismatches,
        [
            m("cart", "cookie", "localstorage"),
            m("theme", "local-storage", "cookie")
        ]
    );
    assert_eq!(report["undeclared"].as_array().map(Vec::len), Some(0));
    // The text report names them, and --strict fails on them.
    let o = clause()
        .arg("audit")
        .arg("--root")
        .arg(&root)
        .arg(&state)
        .arg("--strict")
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("warning: 2 names are kept in another storage than declared"),
        "{text}"
    );
    assert!(
        text.contains("  cart: declared cookie, observed in localStorage; in "),
        "{text}"
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn what_write_stubs_writes_is_a_placeholder_warning() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    common::copy_dir(&fixture("minimal"), &root);
    let stubs = tmp.path().join("stubs.toml");
    let o = clause()
        .arg("audit")
        .arg("--root")
        .arg(&root)
        .arg(common::fixture("recordings").join("state.json"))
        .arg("--write-stubs")
        .arg(&stubs)
        .output()
        .expect("runs");
    assert!(o.status.code().is_some());
    let written = fs::read_to_string(&stubs).expect("stubs");
    assert!(written.contains("function = \"TODO\""), "{written}");
    // The stubs, pasted with their provider and category filled in, still warn.
    let mut inventory = fs::read_to_string(root.join("content/cookies.toml")).expect("inv");
    let filled = written
        .replace("provider = \"TODO\"", &first_id(&inventory, "providers"))
        .replace("category = \"TODO\"", &first_id(&inventory, "categories"))
        .replace("duration = \"TODO\"", "duration = \"1 day\"");
    inventory.push_str(&filled);
    fs::write(root.join("content/cookies.toml"), inventory).expect("write");
    let (code, stderr) = common::check_root(&root);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: `function` is still a placeholder: it holds `TODO`"),
        "{stderr}"
    );
    assert!(stderr.contains("warning: `purpose` is still a placeholder: it holds `TODO`"));
}

/// `provider = "<id>"` (or `category = …`) for the first id of a table of the inventory.
fn first_id(inventory: &str, table: &str) -> String {
    let key = if table == "providers" {
        "provider"
    } else {
        "category"
    };
    let start = inventory.find(&format!("[{table}.")).expect("a table") + table.len() + 2;
    let end = start + inventory[start..].find(']').expect("closed");
    format!("{key} = \"{}\"", &inventory[start..end])
}
