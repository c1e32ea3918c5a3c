//! `[consent]` in site.toml: the site's consent banner on every page with a button that
//! opens it, pages free of scripts without it, the banner's texts from the site in the
//! exports, and the checks of its paths and of its cookie.

mod common;

use std::path::{Path, PathBuf};

use common::{build, clause, copy_dir, fixture, tree};

/// The files `[consent]` of the consent fixture names, with stand-in contents.
const BANNER_FILES: [&str; 3] = [
    "cookieconsent/cookieconsent.umd.js",
    "cookieconsent/cookieconsent.css",
    "cookieconsent-config.mjs",
];

/// A copy of the consent fixture with stand-ins for the banner's files in `static/`.
fn consent_site(tmp: &Path) -> PathBuf {
    let root = tmp.join("site");
    copy_dir(&fixture("consent"), &root);
    for f in BANNER_FILES {
        let path = root.join("static").join(f);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, "/* stand-in */\n").expect("write");
    }
    root
}

/// site.toml of `root` with `[consent]` changed by `edit`, through a TOML parser (values
/// are TOML strings, whatever they hold).
fn edit_consent(root: &Path, edit: impl FnOnce(&mut toml_edit::Table)) {
    let path = root.join("site.toml");
    let mut doc: toml_edit::DocumentMut = std::fs::read_to_string(&path)
        .expect("read")
        .parse()
        .expect("TOML");
    let table = doc["consent"].as_table_mut().expect("[consent]");
    edit(table);
    std::fs::write(&path, doc.to_string()).expect("write");
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `clause check --root <root>`: exit code and stderr.
fn check(root: &Path) -> (Option<i32>, String) {
    common::check_root(root)
}

/// The scripts of a page, parsed as a browser parses it: `src` and attributes, and the
/// text inside.
fn scripts(html: &str) -> Vec<(Vec<(String, String)>, String)> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("script").expect("selector");
    doc.select(&sel)
        .map(|e| {
            let attrs = e
                .value()
                .attrs()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            (attrs, e.text().collect())
        })
        .collect()
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn select<'a>(doc: &'a scraper::Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let sel = scraper::Selector::parse(css).expect("selector");
    doc.select(&sel).collect()
}

#[test]
fn without_a_banner_no_page_has_a_script() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut sites = common::valid_sites();
    // `[consent]` with texts only: they are for `clause export`; the pages stay the same.
    let texts_only = tmp.path().join("texts-only");
    copy_dir(&fixture("minimal"), &texts_only);
    let toml = texts_only.join("site.toml");
    std::fs::write(
        &toml,
        format!(
            "{}\n[consent.texts]\nbanner_title = \"Cookies here\"\n",
            read(&toml)
        ),
    )
    .expect("write");
    sites.push(("texts-only", texts_only));
    let mut pages = 0;
    for (name, root) in sites {
        let out = tmp.path().join(format!("{name}-out"));
        build(&root, &out);
        for (rel, bytes) in tree(&out) {
            assert_ne!(
                rel, "static/consent.js",
                "{name}: the theme's script is published"
            );
            if !rel.ends_with(".html") {
                continue;
            }
            pages += 1;
            let html = String::from_utf8_lossy(&bytes);
            let doc = scraper::Html::parse_document(&html);
            assert!(
                select(&doc, "script, button, noscript").is_empty(),
                "{name}: {rel} has a script or a button"
            );
            assert!(!html.contains("consent-settings"), "{name}: {rel}");
        }
    }
    assert!(pages >= 10, "{pages} pages");
}

#[test]
fn every_page_loads_the_banner_and_offers_the_button() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = consent_site(tmp.path());
    let out = tmp.path().join("out");
    let (_, err) = build(&root, &out);
    assert!(!err.contains("warning"), "{err}");
    let glue = read(&out.join("static/consent.js"));
    assert!(
        glue.contains("data-manager"),
        "the theme's script is published"
    );
    for (rel, root_path, button) in [
        (
            "en/cookies/index.html",
            "../../",
            "Change your cookie settings",
        ),
        (
            "fr/cookies/index.html",
            "../../",
            "Modifier vos paramètres de cookies",
        ),
        ("index.html", "", "Change your cookie settings"),
    ] {
        let html = read(&out.join(rel));
        let doc = scraper::Html::parse_document(&html);
        let found = scripts(&html);
        assert_eq!(found.len(), 2, "{rel}: {found:?}");
        // The banner's script first, then the theme's, both deferred, nothing inline.
        let (banner, glue) = (&found[0].0, &found[1].0);
        assert_eq!(
            attr(banner, "src"),
            Some(format!("{root_path}cookieconsent/cookieconsent.umd.js").as_str())
        );
        assert_eq!(
            attr(glue, "src"),
            Some(format!("{root_path}static/consent.js").as_str())
        );
        assert_eq!(attr(glue, "data-manager"), Some("cookieconsent"));
        assert_eq!(
            attr(glue, "data-config"),
            Some(format!("{root_path}cookieconsent-config.mjs").as_str())
        );
        for (attrs, text) in &found {
            assert_eq!(attr(attrs, "defer"), Some(""), "{rel}");
            assert!(text.trim().is_empty(), "{rel}: inline script {text:?}");
        }
        let sheets: Vec<_> = select(&doc, "link[rel=stylesheet]")
            .iter()
            .filter_map(|e| e.value().attr("href").map(str::to_string))
            .collect();
        assert_eq!(
            sheets,
            [
                format!("{root_path}cookieconsent/cookieconsent.css"),
                format!("{root_path}static/style.css")
            ],
            "{rel}"
        );
        let buttons = select(&doc, "button.consent-button");
        assert_eq!(buttons.len(), 1, "{rel}");
        let b = buttons[0].value();
        assert_eq!(b.attr("type"), Some("button"));
        assert_eq!(b.attr("data-cc"), Some("show-preferencesModal"));
        assert!(b.attr("hidden").is_some(), "hidden until the banner runs");
        assert_eq!(buttons[0].text().collect::<String>(), button);
        let sentence: String = select(&doc, ".consent-settings p")[0].text().collect();
        assert!(
            sentence.contains("cookies"),
            "{rel}: the sentence says what to do without the button: {sentence}"
        );
    }
    // Klaro: opened by the theme's script, not by an attribute; a path from the host's root
    // is written as it is, on every page.
    edit_consent(&root, |t| {
        t["manager"] = toml_edit::value("klaro");
        t["script"] = toml_edit::value("/assets/klaro.js");
        t.remove("stylesheet");
        t["config"] = toml_edit::value("klaro-config.json");
    });
    std::fs::write(root.join("static/klaro-config.json"), "{}").expect("write");
    let out = tmp.path().join("klaro");
    build(&root, &out);
    for (rel, root_path) in [("en/cookies/index.html", "../../"), ("index.html", "")] {
        let html = read(&out.join(rel));
        let found = scripts(&html);
        assert_eq!(attr(&found[0].0, "src"), Some("/assets/klaro.js"), "{rel}");
        assert_eq!(attr(&found[1].0, "data-manager"), Some("klaro"));
        assert_eq!(
            attr(&found[1].0, "data-config"),
            Some(format!("{root_path}klaro-config.json").as_str())
        );
        let doc = scraper::Html::parse_document(&html);
        let b = select(&doc, "button.consent-button");
        assert_eq!(b[0].value().attr("data-cc"), None, "{rel}");
        assert_eq!(select(&doc, "link[rel=stylesheet]").len(), 1, "{rel}");
    }
}

/// Paths written every way a browser could misread: each is refused with a located error,
/// or written so that html5ever reads back a `src` that leads into the site.
#[test]
fn hostile_paths_are_refused_or_lead_into_the_site() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = consent_site(tmp.path());
    let page = url::Url::parse("https://example.org/cookies/en/cookies/").expect("url");
    let corpus = [
        ("a\".js", true),
        ("a'b.js", true),
        ("<x>.js", true),
        ("a&amp;b.js", true),
        ("%22%3E%3Cscript%3E.js", true),
        ("é/ü.js", true),
        ("\u{202e}sj.x", true),
        ("x.js?v=\"><img/src=x>", true),
        ("x.js#\"><script>alert(1)</script>", true),
        ("/%2F%2Fevil.example/x.js", true),
        ("/a/../../x.js", true),
        ("javascript:alert(1)", false),
        ("JaVaScRiPt:alert(1)", false),
        ("java\tscript:alert(1)", false),
        ("java\nscript:alert(1)", false),
        (" javascript:alert(1)", false),
        ("\u{0}javascript:alert(1)", false),
        ("data:text/javascript,alert(1)", false),
        ("vbscript:x", false),
        ("//evil.example/x.js", false),
        ("///evil.example/x.js", false),
        ("\\\\evil.example\\x.js", false),
        ("/\\evil.example/x.js", false),
        ("https://evil.example/x.js", false),
        ("https://example.org/cookies/x.js", false),
        ("http:evil.example/x.js", false),
        ("../x.js", false),
        ("%2e%2e/x.js", false),
        ("a/%2E%2E/../x.js", false),
        ("x.js\u{2028}", false),
        ("cookieconsent/", false),
        ("", false),
    ];
    for (i, (raw, accepted)) in corpus.iter().enumerate() {
        edit_consent(&root, |t| t["script"] = toml_edit::value(*raw));
        let out = tmp.path().join(format!("out-{i}"));
        let o = clause()
            .args(["build", "--root"])
            .arg(&root)
            .arg("--output")
            .arg(&out)
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&o.stderr);
        if !accepted {
            assert_eq!(o.status.code(), Some(1), "{raw:?} was accepted:\n{err}");
            assert!(
                err.contains("error: `consent.script`") && err.contains("site.toml:"),
                "{raw:?}: no located error:\n{err}"
            );
            assert!(!out.exists(), "{raw:?}: nothing is written");
            continue;
        }
        assert!(o.status.success(), "{raw:?} was refused:\n{err}");
        let html = read(&out.join("en/cookies/index.html"));
        let found = scripts(&html);
        assert_eq!(found.len(), 2, "{raw:?}: {found:?}");
        let src = attr(&found[0].0, "src").expect("src");
        let loaded = page.join(src).expect("an address");
        assert_eq!(loaded.origin(), page.origin(), "{raw:?} → {src}");
        if !raw.starts_with('/') {
            assert!(
                loaded.as_str().starts_with("https://example.org/cookies/"),
                "{raw:?} → {loaded}"
            );
        }
        // Nothing of the value escaped its attribute: the page holds the theme's elements.
        let doc = scraper::Html::parse_document(&html);
        assert!(select(&doc, "img").is_empty(), "{raw:?}");
        assert_eq!(found[1].1, "", "{raw:?}");
        let expected: Vec<String> = vec![src.to_string(), "../../static/consent.js".into()];
        assert_eq!(
            clause::fuzzing::unsafe_page(&html, &expected),
            None,
            "{raw:?}"
        );
    }
}

#[test]
fn consent_mistakes_are_located_errors() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut report = String::new();
    for (name, consent) in [
        (
            "three paths",
            "manager = \"cookieconsent\"\nscript = \"javascript:alert(1)\"\nstylesheet = \"https://cdn.example/cc.css\"\nconfig = \"../config.mjs\"\n",
        ),
        (
            "own host",
            "manager = \"cookieconsent\"\nscript = \"https://example.org/cookies/cc.js?v=2\"\n",
        ),
        ("no script", "manager = \"klaro\"\n"),
        ("no manager", "script = \"klaro.js\"\n"),
        ("files only", "stylesheet = \"klaro.css\"\n"),
        (
            "unknown manager",
            "manager = \"cookie-consent\"\nscript = \"cc.js\"\n",
        ),
        (
            "texts",
            "[consent.texts]\nbanner_titel = \"Cookies\"\naccept_all = { en = \"Yes\" }\nclose = 3\n",
        ),
    ] {
        let root = tmp.path().join(name.replace(' ', "-"));
        copy_dir(&fixture("consent"), &root);
        let toml = read(&root.join("site.toml"));
        let head = toml.split("[consent]").next().expect("head");
        std::fs::write(root.join("site.toml"), format!("{head}[consent]\n{consent}"))
            .expect("write");
        let (code, err) = check(&root);
        assert_eq!(code, Some(1), "{name}:\n{err}");
        report.push_str(&format!("── {name}\n{err}\n"));
    }
    insta::assert_snapshot!("consent_errors", report);
}

#[test]
fn unpublished_banner_files_and_an_undeclared_consent_cookie_are_warnings() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    copy_dir(&fixture("consent"), &root);
    // The stylesheet where the site's static/ folder has it, but named with `static/`.
    let css = root.join("static/cookieconsent/cookieconsent.css");
    std::fs::create_dir_all(css.parent().expect("parent")).expect("mkdir");
    std::fs::write(&css, "").expect("write");
    edit_consent(&root, |t| {
        t["stylesheet"] = toml_edit::value("static/cookieconsent/cookieconsent.css");
    });
    let inv = root.join("content/cookies.toml");
    std::fs::write(
        &inv,
        read(&inv).replace(
            "names = [\"cc_cookie\", \"klaro-r*\"]",
            "names = [\"klaro\"]",
        ),
    )
    .expect("write");
    let (code, err) = check(&root);
    assert_eq!(code, Some(0), "warnings do not fail the build:\n{err}");
    insta::assert_snapshot!("consent_warnings", err);
    let strict = clause()
        .args(["check", "--strict", "--root"])
        .arg(&root)
        .output()
        .expect("runs");
    assert_eq!(strict.status.code(), Some(1));
}

fn export(root: &Path, format: &str) -> (Option<i32>, String, String) {
    let o = clause()
        .args(["export", "--format", format, "--root"])
        .arg(root)
        .output()
        .expect("runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn the_exports_take_the_banner_texts_from_the_site() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = consent_site(tmp.path());
    let (code, klaro, err) = export(&root, "klaro");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(err, "", "both consent cookies are declared");
    let v: serde_json::Value = serde_json::from_str(&klaro).expect("JSON");
    let en = &v["translations"]["en"];
    let fr = &v["translations"]["fr"];
    assert_eq!(
        en["consentNotice"]["title"],
        "<img src=x onerror=\"window.pwned=1\">Cookies & “you”"
    );
    assert_eq!(fr["consentNotice"]["title"], "Vos cookies");
    assert_eq!(
        en["consentNotice"]["description"],
        "We ask before setting any cookie that is not needed."
    );
    // Klaro's notice shows `ok`: the site's wording, not Klaro's "That's ok".
    assert_eq!(en["ok"], "Yes to all");
    assert_eq!(en["acceptAll"], "Yes to all");
    assert_eq!(fr["ok"], "Oui à tous");
    // What the site does not set keeps the theme's wording.
    assert_eq!(en["decline"], "Reject all");
    assert_eq!(fr["decline"], "Tout refuser");
    assert_eq!(en["consentNotice"]["learnMore"], "Choose cookies");
    let (code, cc, _) = export(&root, "cookieconsent");
    assert_eq!(code, Some(0));
    // cookieconsent inserts its texts as HTML: escaped, and script-safe in the module.
    assert!(
        cc.contains(r#""title": "\u0026lt;img src=x onerror=\u0026quot;window.pwned=1\u0026quot;\u0026gt;Cookies \u0026amp; “you”""#),
        "{cc}"
    );
    assert!(cc.contains("\"acceptAllBtn\": \"Oui à tous\""), "{cc}");
    assert!(
        cc.contains("\"acceptNecessaryBtn\": \"Reject all\""),
        "{cc}"
    );
}

#[test]
fn export_warns_when_the_banner_cookie_is_not_declared() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let minimal = fixture("minimal");
    let (code, out, err) = export(&minimal, "cookieconsent");
    assert_eq!(code, Some(0), "a warning, not a failure");
    assert!(
        out.contains("export default"),
        "the module is printed all the same"
    );
    let (_, _, klaro) = export(&minimal, "klaro");
    let (_, _, json) = export(&minimal, "json");
    assert_eq!(json, "", "cookies.json is no banner");
    // Declared by a pattern: no warning.
    let root = tmp.path().join("site");
    copy_dir(&minimal, &root);
    let inv = root.join("content/cookies.toml");
    std::fs::write(
        &inv,
        read(&inv).replace("names = [\"session\"]", "names = [\"session\", \"cc_*\"]"),
    )
    .expect("write");
    let (_, _, declared) = export(&root, "cookieconsent");
    assert_eq!(declared, "", "cc_cookie matches cc_*");
    // `[consent]` names the banner: the warning points at it.
    let named = consent_site(tmp.path().join("named").as_path());
    let inv = named.join("content/cookies.toml");
    std::fs::write(
        &inv,
        read(&inv).replace(
            "names = [\"cc_cookie\", \"klaro-r*\"]",
            "names = [\"other\"]",
        ),
    )
    .expect("write");
    let (code, _, at_consent) = export(&named, "cookieconsent");
    assert_eq!(code, Some(0));
    insta::assert_snapshot!(
        "export_consent_cookie",
        format!("── cookieconsent\n{err}\n── klaro\n{klaro}\n── named by [consent]\n{at_consent}")
    );
}

/// A locale the theme does not ship (Polish), in the site's own theme without the strings
/// of the consent button: fine without a banner, a located error with one.
#[test]
fn the_button_strings_are_needed_only_with_a_banner() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = consent_site(tmp.path());
    let en = read(&common::repo().join("themes/default/i18n/en.toml"));
    let mut pl = String::new();
    for line in en.lines() {
        if line.starts_with("consent_button") || line.starts_with("consent_fallback") {
            continue;
        }
        let unit = line.split(' ').next().unwrap_or("");
        if ["minute", "hour", "day", "week", "month", "year"].contains(&unit) {
            pl.push_str(&format!(
                "{unit} = {{ one = \"{{n}}\", few = \"{{n}}\", many = \"{{n}}\", other = \"{{n}}\" }}\n"
            ));
        } else {
            pl.push_str(line);
            pl.push('\n');
        }
    }
    let dir = root.join("themes/default/i18n");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("pl.toml"), pl).expect("write");
    std::fs::rename(root.join("content/fr"), root.join("content/pl")).expect("rename");
    // French becomes Polish, texts and all.
    let toml = root.join("site.toml");
    for file in [toml.clone(), root.join("content/cookies.toml")] {
        let text = read(&file)
            .replace("fr = ", "pl = ")
            .replace("\"fr\"]", "\"pl\"]");
        std::fs::write(&file, text).expect("write");
    }
    // The texts of `[consent.texts]` are per locale: Polish needs its own.
    edit_consent(&root, |t| {
        t.remove("texts");
    });
    let (code, err) = check(&root);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("the theme has no complete UI strings for `pl`: missing `consent_button`"),
        "{err}"
    );
    assert!(err.contains("`consent_fallback`"), "{err}");
    // Without `[consent]`, the same theme is complete.
    let text = read(&toml);
    let head = text.split("[consent]").next().expect("head");
    std::fs::write(&toml, head).expect("write");
    let (code, err) = check(&root);
    assert_eq!(code, Some(0), "{err}");
}
