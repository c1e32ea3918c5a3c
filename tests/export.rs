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
    assert!(fr.contains("\r\ndjango_language,Opendatasoft,Cookies nécessaires au bon fonctionnement de la plateforme / cookies de fonctionnalité,Aucun consentement requis,Choix de la langue (front et back office),Mémoriser la langue du visiteur,12 mois,Ce site (cookie interne),Cookie,saintmande.opendatasoft.com,La langue que vous avez choisie,,France,\r\n"), "{fr}");
    assert_eq!(fr.lines().count(), 9);
}

fn export(args: &[&str], root: &std::path::Path) -> std::process::Output {
    common::clause()
        .arg("export")
        .args(args)
        .arg("--root")
        .arg(root)
        .output()
        .expect("runs")
}

#[test]
fn export_json_and_csv_print_what_the_build_writes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    common::build(&common::repo(), &out);
    let o = export(&["--format", "json"], &common::repo());
    assert!(o.status.success());
    assert_eq!(o.stdout, fs::read(out.join("cookies.json")).expect("json"));
    let o = export(&["--format", "csv", "--locale", "fr"], &common::repo());
    assert!(o.status.success());
    assert_eq!(o.stdout, fs::read(out.join("fr/cookies.csv")).expect("csv"));
    // Without --locale, the CSV is in the default locale.
    let o = export(&["--format", "csv"], &common::repo());
    assert_eq!(o.stdout, fs::read(out.join("en/cookies.csv")).expect("csv"));
    // --locale keeps one language in the JSON.
    let o = export(&["--format", "json", "--locale", "FR"], &common::repo());
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let purpose = json["cookies"][0]["purpose"].as_object().expect("object");
    assert_eq!(purpose.keys().collect::<Vec<_>>(), ["fr"]);
}

#[test]
fn export_klaro_maps_categories_to_purposes_and_patterns_to_regexes() {
    let o = export(&["--format", "klaro"], &common::repo());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let k: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let services = k["services"].as_array().expect("services");
    let names: Vec<&str> = services.iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names, ["opendatasoft", "matomo", "youtube"]);
    let matomo = &services[1];
    assert_eq!(matomo["purposes"], serde_json::json!(["statistics"]));
    // Statistics are anonymised in the example: no consent needed, so Klaro may not refuse them.
    assert_eq!(matomo["required"], true);
    // The prefix, then at least one more character (a surrogate pair counts as one).
    let any = r"(?:[^\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])+$";
    assert_eq!(
        matomo["cookies"],
        serde_json::json!([format!(r"^_pk_id\.{any}"), format!(r"^_pk_ses\.{any}")])
    );
    let youtube = &services[2];
    assert_eq!(youtube["required"], false);
    assert_eq!(youtube["default"], false);
    assert_eq!(
        youtube["cookies"],
        serde_json::json!(["YSC", "VISITOR_INFO1_LIVE"])
    );
    assert_eq!(
        k["translations"]["fr"]["purposes"]["third-party"]["title"],
        "Cookies tiers"
    );
    assert_eq!(
        k["translations"]["en"]["privacyPolicyUrl"],
        "https://saintmande.opendatasoft.com/cookies/en/cookies/"
    );
    assert_eq!(
        youtube["translations"]["fr"]["title"],
        "YouTube (Google Ireland Limited)"
    );
    // One locale: Klaro is told to use it.
    let o = export(&["--format", "klaro", "--locale", "fr"], &common::repo());
    let k: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(k["lang"], "fr");
    assert_eq!(k["translations"].as_object().map(|t| t.len()), Some(1));
}

#[test]
fn export_cookieconsent_is_a_typed_module_with_regexps_built_from_strings() {
    let o = export(&["--format", "cookieconsent"], &common::repo());
    assert!(o.status.success());
    let js = String::from_utf8(o.stdout).expect("UTF-8");
    assert!(js.contains(
        "/** @type {import('vanilla-cookieconsent').CookieConsentConfig} */\nexport default {"
    ));
    assert!(
        js.contains(r#""name": new RegExp("^_pk_id\\.(?:[^\\uD800-\\uDFFF]|"#),
        "{js}"
    );
    // Nothing but JSON and `new RegExp("…")`.
    assert!(clause::fuzzing::module_values(&js).is_some());
    assert!(js.contains("\"readOnly\": true"));
    assert!(js.contains("\"linkedCategory\": \"third-party\""));
    assert!(js.trim_end().ends_with("};"));
}

#[test]
fn export_refuses_an_unknown_locale_and_an_unnamed_portal() {
    let o = export(&["--format", "json", "--locale", "de"], &common::repo());
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: `de` is not a locale of this site\n  = help: the site's locales are en, fr\n"
    );
    assert!(o.stdout.is_empty());
    let platform = common::fixture("platform");
    let o = export(&["--format", "json"], &platform);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: this is a platform: say which portal\n  = help: add `--portal <id>`; the portals are alpha, beta, gamma\n"
    );
    let o = export(&["--format", "json", "--portal", "gama"], &platform);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("did you mean `gamma`?"));
    let o = export(&["--format", "klaro", "--portal", "beta"], &platform);
    assert!(o.status.success());
    let k: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(k["lang"], "fr", "beta has one locale");
}

#[test]
fn export_of_a_broken_site_prints_its_problems_and_nothing_else() {
    let o = export(&["--format", "klaro"], &common::fixture("invalid"));
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("error: the site has problems (above); fix them before exporting"));
}

#[test]
fn patterns_in_rust_syntax_export_without_a_warning_and_mean_the_same() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    common::copy_dir(&common::repo().join("content"), &root.join("content"));
    fs::copy(common::repo().join("site.toml"), root.join("site.toml")).expect("copy");
    let inv = root.join("content/cookies.toml");
    let mut text = fs::read_to_string(&inv).expect("read").replace(
        "names = [\"YSC\"]",
        "names = [\"YSC\", \"re:(?i)ysc_[[:digit:]]+\"]",
    );
    // Klaro's own cookie, declared: the export has no other reason to warn.
    text.push_str("\n[[cookies]]\nnames = [\"klaro-r*\"]\nprovider = \"opendatasoft\"\ncategory = \"necessary\"\nfunction = \"Consent\"\npurpose = \"To remember your choice\"\nduration = \"6 months\"\n");
    fs::write(&inv, text).expect("write");
    let o = export(&["--format", "klaro"], &root);
    assert!(o.status.success());
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let k: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    // Case folding spelt out as Rust does it (`ſ` is an `s`), POSIX class as a range.
    assert_eq!(
        k["services"][2]["cookies"],
        serde_json::json!(["YSC", r"^[Yy][Ss\u017F][Cc]_[0-9]+$", "VISITOR_INFO1_LIVE"])
    );
}

/// `regress`, an ECMAScript engine, as the browser.
fn js_matches() -> impl FnMut(&str, &str) -> bool {
    let mut cache = std::collections::HashMap::new();
    move |source, name| common::patterns::regress_matches(&mut cache, source, name)
}

#[test]
fn hostile_patterns_export_as_data_that_matches_what_the_audit_matches() {
    let loaded = clause::site::load(&clause::input::Input::Disk(common::fixture(
        "hostile-patterns",
    )));
    assert!(!loaded.diags.has_errors());
    // The module is data, Klaro's configuration JSON, and each pattern matches the same
    // names in an ECMAScript engine as in the audit (tests/browser.rs: the same in Node).
    clause::fuzzing::check_exports(&loaded.sites[0], &mut js_matches());
    let o = export(
        &["--format", "cookieconsent"],
        &common::fixture("hostile-patterns"),
    );
    let js = String::from_utf8(o.stdout).expect("UTF-8");
    assert!(clause::fuzzing::module_values(&js).is_some());
    // Safe inside a `<script>` element and in engines older than ES2019.
    assert!(!js.contains('<') && !js.contains('\u{2028}') && !js.contains('\u{2029}'));
}

#[test]
fn overlapping_declarations_clear_only_what_the_audit_gives_them() {
    // `sessionid` (necessary) and `re:.*id` (statistics): refusing statistics must not
    // delete the session, which the audit counts as necessary; likewise a longer prefix
    // and an earlier expression of another category.
    let loaded = clause::site::load(&clause::input::Input::Disk(common::fixture("overlap")));
    assert!(!loaded.diags.has_errors());
    clause::fuzzing::check_exports(&loaded.sites[0], &mut js_matches());
    let o = export(&["--format", "klaro"], &common::fixture("overlap"));
    let k: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let stats = k["services"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["purposes"][0] == "stats"))
        .expect("a statistics service");
    let re_id = stats["cookies"][0].as_str().expect("a pattern");
    assert!(
        re_id.starts_with("^(?!^sessionid$)(?!^uid$)(?!^csrf_")
            && re_id.contains("(?!^pref_[a-z]+$)(?:^")
            && re_id.ends_with("id$)"),
        "{re_id}"
    );
}

#[test]
fn patterns_too_large_all_together_for_a_banner_are_a_warning() {
    // Each pattern is under the 128 KiB of one pattern; twelve are more than 1 MiB.
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    common::copy_dir(&common::fixture("minimal"), &root);
    let mut inv = std::fs::read_to_string(root.join("content/cookies.toml")).expect("read");
    let names: Vec<String> = (0..12)
        .map(|i| format!("\"re:c{i}\\\\b\\\\w\\\\b\\\\w\\\\b\""))
        .collect();
    inv.push_str(&format!(
        "\n[[cookies]]\nnames = [{}]\nprovider = \"site\"\ncategory = \"necessary\"\nfunction = \"F\"\npurpose = \"P\"\nduration = \"1 day\"\n",
        names.join(", ")
    ));
    std::fs::write(root.join("content/cookies.toml"), inv).expect("write");
    let o = common::clause()
        .args(["check", "--root"])
        .arg(&root)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("warning: the cookie patterns take ")
            && err.contains("more than the 1024 KiB a banner should make every page download"),
        "{err}"
    );
    let export = common::clause()
        .args(["export", "--format", "cookieconsent", "--root"])
        .arg(&root)
        .output()
        .expect("runs");
    assert!(export.stdout.len() > 1024 * 1024);
}

#[test]
fn a_pattern_that_declares_almost_any_name_is_a_warning() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    common::copy_dir(&common::fixture("minimal"), &root);
    let mut inv = std::fs::read_to_string(root.join("content/cookies.toml")).expect("read");
    inv.push_str(
        "\n[[cookies]]\nnames = [\"re:.*\", \"re:[a-zA-Z_0-9.-]+\", \"re:_hj[0-9]+\", \"re:ga\\\\*\"]\nprovider = \"site\"\ncategory = \"necessary\"\nfunction = \"F\"\npurpose = \"P\"\nduration = \"1 day\"\n",
    );
    std::fs::write(root.join("content/cookies.toml"), inv).expect("write");
    let o = common::clause()
        .args(["check", "--root"])
        .arg(&root)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("warning: `re:.*` declares almost any cookie name")
            && err.contains("matches the empty name"),
        "{err}"
    );
    assert!(
        err.contains("warning: `re:[a-zA-Z_0-9.-]+` declares almost any cookie name")
            && err.contains("matches 16 of 16 common cookie names"),
        "{err}"
    );
    assert_eq!(
        err.matches("declares almost any cookie name").count(),
        2,
        "{err}"
    );
}
