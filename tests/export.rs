//! The machine-readable outputs: cookies.json against its JSON Schema, and the CSV files.

mod common;

use std::fs;

fn schema() -> serde_json::Value {
    let text =
        fs::read_to_string(common::repo().join("schema/cookies.schema.json")).expect("schema");
    serde_json::from_str(&text).expect("schema is JSON")
}

#[test]
fn cookies_json_follows_its_schema() {
    let validator = jsonschema::validator_for(&schema()).expect("valid schema");
    let tmp = tempfile::tempdir().expect("tempdir");
    for (name, root) in common::valid_sites() {
        let out = tmp.path().join(name);
        common::build(&root, &out);
        // One cookies.json per site, or per portal of a platform.
        let files: Vec<(String, Vec<u8>)> = common::tree(&out)
            .into_iter()
            .filter(|(p, _)| p.ends_with("cookies.json"))
            .collect();
        assert!(!files.is_empty(), "{name}");
        for (path, bytes) in files {
            let json: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
            let errors: Vec<String> = validator
                .iter_errors(&json)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{name}/{path}: {errors:?}");
        }
    }
}

#[test]
fn cookies_json_has_every_field_in_every_locale() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    common::build(&common::repo(), &out);
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("cookies.json")).expect("written"))
            .expect("JSON");
    let cookies = json["cookies"].as_array().expect("array");
    assert_eq!(cookies.len(), 8);
    let lang = cookies
        .iter()
        .find(|c| c["names"][0] == "django_language")
        .expect("present");
    assert_eq!(lang["purpose"]["fr"], "Mémoriser la langue du visiteur");
    assert_eq!(lang["duration"]["kind"], "month");
    assert_eq!(lang["duration"]["value"], 12);
    assert_eq!(lang["duration"]["text"]["fr"], "12 mois");
    assert_eq!(lang["consent"], "exempt");
    let pk = cookies
        .iter()
        .find(|c| c["patterns"][0] == "_pk_id.*")
        .expect("pattern");
    assert_eq!(pk["names"].as_array().map(Vec::len), Some(0));
    let ysc = cookies
        .iter()
        .find(|c| c["names"][0] == "YSC")
        .expect("present");
    assert_eq!(ysc["party"], "third");
    assert_eq!(ysc["duration"]["kind"], "session");
    assert!(ysc["duration"]["value"].is_null());
}

#[test]
fn csv_is_one_row_per_name_and_never_a_formula() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    common::build(&common::fixture("hostile"), &out);
    let bytes = fs::read(out.join("en/cookies.csv")).expect("written");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for spreadsheets");
    let mut r = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(header[0], "Cookie name(s)");
    let rows: Vec<Vec<String>> = r
        .records()
        .map(|x| x.expect("row").iter().map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 2);
    let formula = rows.iter().find(|r| r[0] == "formula").expect("row");
    assert_eq!(
        formula[5],
        "'=HYPERLINK(\"https://evil.example\",\"click\")"
    );
    assert_eq!(formula[4], "'@SUM(1+1)*cmd|' /C calc'!A0");
    for row in &rows {
        for cell in row {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell}");
        }
    }
    let json = fs::read_to_string(out.join("cookies.json")).expect("written");
    assert!(
        !json.contains("<script>"),
        "JSON is safe to paste into a script element"
    );
}

#[test]
fn example_csv_is_in_each_locale() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    common::build(&common::repo(), &out);
    let fr = fs::read_to_string(out.join("fr/cookies.csv")).expect("written");
    assert!(fr.contains("\r\ndjango_language,Opendatasoft,Cookies nécessaires au bon fonctionnement de la plateforme / cookies de fonctionnalité,Sans consentement nécessaire,Choix de la langue (front et back office),Mémoriser la langue du visiteur,12 mois,Ce site (cookie interne)\r\n"), "{fr}");
    assert_eq!(fr.lines().count(), 9);
}
