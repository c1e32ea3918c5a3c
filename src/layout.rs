//! Where things are: the site's sources (relative to its folder, with `/` separators) and
//! the built site's files and addresses. The loader, the fingerprint, the output's refusal
//! of source folders, the `serve` watcher and rendering all read them here, so that a new
//! source folder or a new page address is one change.

/// The site's settings.
pub const SITE_TOML: &str = "site.toml";
/// The portals of a platform; absent for a single site.
pub const SITES_TOML: &str = "sites.toml";
/// The documents (`content/<locale>/<slug>.md`) and the inventory.
pub const CONTENT: &str = "content";
/// The shared cookie inventory.
pub const INVENTORY: &str = "content/cookies.toml";
/// The site's themes, `themes/<name>/`.
pub const THEMES: &str = "themes";
/// Each portal's own files, `sites/<id>/`.
pub const PORTALS: &str = "sites";
/// The site's own files, copied as they are.
pub const STATIC: &str = "static";
/// The default output folder.
pub const OUTPUT: &str = "output";
/// The git repository, when the site is its root.
pub const GIT: &str = ".git";
/// What earlier builds worked out about past versions (see `record::cache`).
pub const CACHE: &str = ".clause-cache";

/// The files a build reads at the root of the site.
pub const SOURCE_FILES: [&str; 2] = [SITE_TOML, SITES_TOML];
/// The folders a build reads: watched by `serve`, hashed by the fingerprint.
pub const SOURCE_DIRS: [&str; 4] = [CONTENT, THEMES, PORTALS, STATIC];
/// The folders an output folder may never be or lie in: the sources, git's and the cache.
pub const PROTECTED_DIRS: [&str; 6] = [CONTENT, THEMES, PORTALS, STATIC, GIT, CACHE];

/// The folders of a theme that a build reads (the rest of a theme's folder is ignored).
pub const THEME_PARTS: [&str; 3] = ["templates/", "static/", "i18n/"];

/// A theme's folder: `themes/<name>`.
pub fn theme_dir(name: &str) -> String {
    format!("{THEMES}/{name}")
}

/// The UI strings of a locale, inside a theme: `i18n/<locale>.toml`.
pub fn theme_strings(locale: &str) -> String {
    format!("i18n/{locale}.toml")
}

/// A portal's folder: `sites/<id>`.
pub fn portal_dir(id: &str) -> String {
    format!("{PORTALS}/{id}")
}

/// A portal's changes to the shared inventory: `sites/<id>/cookies.toml`.
pub fn portal_inventory(id: &str) -> String {
    format!("{PORTALS}/{id}/cookies.toml")
}

/// A portal's own documents: `sites/<id>/content`.
pub fn portal_content(id: &str) -> String {
    format!("{PORTALS}/{id}/{CONTENT}")
}

/// A portal's own static files: `sites/<id>/static`.
pub fn portal_static(id: &str) -> String {
    format!("{PORTALS}/{id}/{STATIC}")
}

/// A locale's folder of documents under a content folder (`content` or a portal's).
pub fn locale_dir(content: &str, locale: &str) -> String {
    format!("{content}/{locale}")
}

/// A document: `<content>/<locale>/<slug>.md`.
pub fn document(content: &str, locale: &str, slug: &str) -> String {
    format!("{content}/{locale}/{slug}.md")
}

/// The page of a folder, in the output and in addresses ending in `/`.
pub const INDEX: &str = "index.html";
/// The sitemap, at the output's root.
pub const SITEMAP: &str = "sitemap.xml";
/// The whole inventory, at the output's root.
pub const COOKIES_JSON: &str = "cookies.json";

/// Where a page is written: `<locale>/<slug>/index.html`.
pub fn page_path(locale: &str, slug: &str) -> String {
    format!("{locale}/{slug}/{INDEX}")
}

/// A page's link from another page (which is two folders deep).
pub fn page_href(locale: &str, slug: &str) -> String {
    format!("../../{}", page_path(locale, slug))
}

/// A page's public address: `<base_url><locale>/<slug>/` (`base_url` ends in `/`).
pub fn page_url(base_url: &str, locale: &str, slug: &str) -> String {
    format!("{base_url}{locale}/{slug}/")
}

/// The folder of a page's versions: `<locale>/<slug>/versions`.
pub fn versions_dir(locale: &str, slug: &str) -> String {
    format!("{locale}/{slug}/versions")
}

/// The list of a page's versions: `<locale>/<slug>/versions/index.html`.
pub fn versions_index(locale: &str, slug: &str) -> String {
    format!("{}/{INDEX}", versions_dir(locale, slug))
}

/// A version of a page, archived: `<locale>/<slug>/versions/<dir>/index.html`, where
/// `dir` is its date (`2026-03-09`, `2026-03-09-2`).
pub fn version_path(locale: &str, slug: &str, dir: &str) -> String {
    format!("{}/{dir}/{INDEX}", versions_dir(locale, slug))
}

/// An archived version's public address.
pub fn version_url(base_url: &str, locale: &str, slug: &str, dir: &str) -> String {
    format!("{base_url}{}/{dir}/", versions_dir(locale, slug))
}

/// A locale's table of cookies for spreadsheets: `<locale>/cookies.csv`.
pub fn csv_path(locale: &str) -> String {
    format!("{locale}/cookies.csv")
}

/// Where a static file of the theme is written: `static/<path>`.
pub fn theme_static_path(path: &str) -> String {
    format!("{STATIC}/{path}")
}

/// The theme's script that opens the consent banner from the pages' button, inside its
/// `static/` folder: published only when `[consent]` names a banner.
pub const CONSENT_SCRIPT: &str = "consent.js";

/// The theme's static files that a build publishes (path inside `static/`, bytes): all
/// but the consent script, unless the pages load a banner (`consent`).
pub fn published_theme_statics(
    statics: &[(String, Vec<u8>)],
    consent: bool,
) -> impl Iterator<Item = &(String, Vec<u8>)> {
    statics
        .iter()
        .filter(move |(p, _)| consent || p != CONSENT_SCRIPT)
}

/// The file by which Clause knows a folder as its output (and lists the files it wrote).
pub const MARKER: &str = ".clause-output";

/// The paths rendering writes besides the site's own static files, for documents given as
/// (locale, slug): the loader checks the static files against them before rendering.
/// `consent`: the pages load a consent banner (see [`published_theme_statics`]).
pub fn generated_paths<'a>(
    locales: &[String],
    docs: impl IntoIterator<Item = (&'a str, &'a str)>,
    theme_statics: &[(String, Vec<u8>)],
    consent: bool,
) -> Vec<String> {
    let mut out: Vec<String> = docs.into_iter().map(|(l, s)| page_path(l, s)).collect();
    out.extend([INDEX, SITEMAP, COOKIES_JSON].map(String::from));
    out.extend(locales.iter().map(|l| csv_path(l)));
    out.extend(published_theme_statics(theme_statics, consent).map(|(p, _)| theme_static_path(p)));
    out
}

/// The page of a folder of the output: `<dir>/index.html`.
pub fn dir_index(dir: &str) -> String {
    format!("{dir}/{INDEX}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_has_one_path_one_link_and_one_address() {
        assert_eq!(page_path("en", "cookies"), "en/cookies/index.html");
        assert_eq!(page_href("fr", "cookies"), "../../fr/cookies/index.html");
        assert_eq!(
            page_url("https://example.org/p/", "en", "cookies"),
            "https://example.org/p/en/cookies/"
        );
        assert_eq!(
            document(&portal_content("a"), "en", "x"),
            "sites/a/content/en/x.md"
        );
    }
}
