//! Rendered pages: insta snapshots of the example and a three-locale fixture, and the
//! properties every page must have whatever the theme's wording.

mod common;

use std::fs;
use std::path::Path;

fn page(out: &Path, rel: &str) -> String {
    fs::read_to_string(out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn example_pages_match_their_snapshots() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    common::build(&common::repo(), &out);
    for rel in [
        "en/cookies/index.html",
        "fr/cookies/index.html",
        "index.html",
        "sitemap.xml",
    ] {
        insta::assert_snapshot!(format!("example__{rel}"), page(&out, rel));
    }
}

#[test]
fn i18n_fixture_pages_match_their_snapshots() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    common::build(&common::fixture("i18n"), &out);
    for rel in [
        "de/cookies/index.html",
        "nl/contact/index.html",
        "index.html",
    ] {
        insta::assert_snapshot!(format!("i18n__{rel}"), page(&out, rel));
    }
}

#[test]
fn pages_speak_the_locale_and_link_their_translations() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    common::build(&common::repo(), &out);
    let en = page(&out, "en/cookies/index.html");
    let fr = page(&out, "fr/cookies/index.html");
    assert!(en.contains("<html lang=\"en\">"));
    assert!(fr.contains("<html lang=\"fr\">"));
    assert!(en.contains("<time datetime=\"2026-11-29\">29 November 2026</time>"));
    assert!(fr.contains("<time datetime=\"2026-11-29\">29 novembre 2026</time>"));
    assert!(fr.contains(">2 semaines</td>"));
    assert!(en.contains(">13 months</td>"));
    assert!(fr.contains(">30 minutes</td>"));
    for p in [&en, &fr] {
        assert!(p.contains(
            "<link rel=\"canonical\" href=\"https://saintmande.opendatasoft.com/cookies/"
        ));
        assert!(p.contains("<link rel=\"alternate\" hreflang=\"x-default\" href=\"https://saintmande.opendatasoft.com/cookies/en/cookies/\">"));
        assert!(p.contains("<link rel=\"alternate\" hreflang=\"fr\" href=\"https://saintmande.opendatasoft.com/cookies/fr/cookies/\">"));
        // Internal links are relative, so the site works from any folder and from file://.
        assert!(p.contains("href=\"../../static/style.css\""));
        assert!(p.contains("href=\"../../fr/cookies/index.html\" lang=\"fr\" hreflang=\"fr\""));
        assert!(p.contains("href=\"../../en/cookies/index.html\" lang=\"en\" hreflang=\"en\""));
        // No script, no cookie, nothing from another host.
        assert!(!p.contains("<script"));
        assert!(!p.contains("src=\"http"));
        assert!(!p.contains("rel=\"stylesheet\" href=\"http"));
    }
    let index = page(&out, "index.html");
    assert!(index.contains("<li lang=\"fr\">\n<h2 class=\"choose-language\">Français</h2>"));
    assert!(index.contains("<li lang=\"en\">\n<h2 class=\"choose-language\">English</h2>"));
    let sitemap = page(&out, "sitemap.xml");
    assert!(sitemap.contains("<xhtml:link rel=\"alternate\" hreflang=\"fr\" href=\"https://saintmande.opendatasoft.com/cookies/fr/cookies/\"/>"));
}

#[test]
fn tables_are_accessible_and_list_every_cookie_once() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    common::build(&common::repo(), &out);
    let en = page(&out, "en/cookies/index.html");
    assert_eq!(en.matches("<table class=\"cookies\">").count(), 3);
    // The three categories' tables, and the transfers' (five columns each).
    assert_eq!(en.matches("<caption").count(), 4);
    assert_eq!(en.matches("<th scope=\"col\"").count(), 4 * 5);
    for name in [
        "sessionid",
        "django_language",
        "csrftoken",
        "cookies_preferences",
        "_pk_id.*",
        "_pk_ses.*",
        "YSC",
        "VISITOR_INFO1_LIVE",
    ] {
        assert_eq!(
            en.matches(&format!("<code>{name}</code>")).count(),
            1,
            "{name} appears once, in <code>"
        );
    }
    assert!(en.contains("<dl class=\"definitions\">"));
    assert_eq!(en.matches("<dt id=\"def-").count(), 4);
    // Stable anchors: category ids and pinned heading ids, the same in every language.
    let fr = page(&out, "fr/cookies/index.html");
    for id in [
        "necessary",
        "statistics",
        "third-party",
        "what-is-a-cookie",
        "cookies-used",
    ] {
        assert!(en.contains(&format!("id=\"{id}\"")), "{id}");
        assert!(fr.contains(&format!("id=\"{id}\"")), "{id}");
        assert!(
            en.contains(&format!("<a href=\"#{id}\">")),
            "{id} in the table of contents"
        );
    }
}

#[test]
fn every_value_is_escaped() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    common::build(&common::fixture("hostile"), &out);
    let p = page(&out, "en/cookies/index.html");
    assert!(!p.contains("<script>"), "{p}");
    assert!(!p.contains("<img"), "{p}");
    assert!(!p.contains("<a href=javascript"), "{p}");
    assert!(p.contains("&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;"));
    assert!(p.contains("<code>ses&#39;sion</code>"));
}

#[test]
fn site_theme_strings_override_builtin_ones_key_by_key() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    common::build(&common::fixture("theme-custom"), &out);
    let p = page(&out, "en/cookies/index.html");
    assert!(p.contains(">On this page</h2>"));
    assert!(p.contains(">Company</th>"));
    assert!(
        p.contains(">Function and location</th>"),
        "other strings stay built-in"
    );
}

#[test]
fn a_page_titled_like_its_site_does_not_repeat_the_title_in_the_tab() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    common::copy_dir(&common::fixture("minimal"), &root);
    // The same words, as an author may type them: another case, a space too many.
    fs::write(
        root.join("site.toml"),
        "title = \"Cookie Policy \"\nbase_url = \"https://example.org\"\nlocales = [\"en\"]\n",
    )
    .expect("write");
    fs::write(
        root.join("content/en/cookies.md"),
        "+++\ntitle = \"Cookie policy\"\n+++\n\nText.\n",
    )
    .expect("write");
    let out = tmp.path().join("out");
    common::build(&root, &out);
    let p = page(&out, "en/cookies/index.html");
    assert!(p.contains("<title>Cookie policy</title>"), "{p}");
    // A page with a title of its own still names the site.
    let tmp = tempfile::tempdir().expect("tempdir");
    common::build(&common::fixture("minimal"), tmp.path());
    let p = page(tmp.path(), "en/cookies/index.html");
    assert!(p.contains("<title>Cookies – Minimal</title>"), "{p}");
}

#[test]
fn a_provider_is_shown_once_for_its_run_of_cookies() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    common::build(&common::fixture("languages"), &out);
    let p = page(&out, "en/cookies/index.html");
    // YouTube's four cookies in a row: one provider cell spans them and heads each of
    // their cells (`headers`, as the provider column need not come first).
    assert_eq!(
        p.matches(">YouTube (Google Ireland Ltd.)</a>").count(),
        1,
        "{p}"
    );
    assert!(p.contains(
        "<th scope=\"rowgroup\" rowspan=\"4\" id=\"videos.provider-1\" class=\"col-provider\""
    ));
    assert_eq!(
        p.matches("headers=\"videos.names videos.provider-1\"")
            .count(),
        4
    );
    // Three of Northwind's cookies, then two of Stripe's: a row group each.
    let necessary = &p[p.find("id=\"necessary\"").expect("section")..];
    let necessary = &necessary[..necessary.find("</table>").expect("table")];
    assert_eq!(necessary.matches("<tbody>").count(), 2);
    assert!(necessary.contains("rowspan=\"3\" id=\"necessary.provider-1\""));
    assert!(necessary.contains("rowspan=\"2\" id=\"necessary.provider-2\""));
    // The cards after the first of a group say whose cookie it is, to screen readers on
    // phones (the stylesheet shows it on no width).
    assert_eq!(
        p.matches("<span class=\"provider-again\">Service provider&#39;s name YouTube (Google Ireland Ltd.)</span>")
            .count(),
        3
    );
}
