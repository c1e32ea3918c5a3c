//! What a build is made from, in one hash: every input file, the built-in theme and the
//! version of Clause. When it equals the one recorded in the output folder, a rebuild has
//! nothing to do; on a platform, each portal has its own, so that only the portals whose
//! inputs changed are rebuilt.

use crate::config::Config;
use crate::decode::Localized;
use crate::input::Input;
use crate::layout;

/// A hex BLAKE3 hash of every file a build reads, from the already computed [`shared`] part.
pub fn of_site_from(mut h: blake3::Hasher, input: &Input) -> String {
    let mut files = vec![layout::SITES_TOML.to_string()];
    files.extend(walk(&mut h, input, layout::PORTALS));
    feed_files(&mut h, input, files);
    h.finalize().to_hex().to_string()
}

/// What every portal of a platform depends on: everything but `sites.toml` and `sites/`
/// (a portal's entry in sites.toml is part of its own fingerprint).
pub fn shared(input: &Input) -> blake3::Hasher {
    let mut h = blake3::Hasher::new();
    h.update(b"clause ");
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    for (path, bytes) in crate::theme::BUILTIN {
        feed(&mut h, path, bytes);
    }
    let mut files: Vec<String> = vec![layout::SITE_TOML.to_string()];
    // A portal's folder is part of its own fingerprint.
    for dir in layout::SOURCE_DIRS
        .iter()
        .filter(|d| **d != layout::PORTALS)
    {
        files.extend(walk(&mut h, input, dir));
    }
    feed_files(&mut h, input, files);
    // With `[history]`, the pages also depend on git: its last commit to the content.
    if let Input::Disk(root) = input {
        if history_enabled(input) {
            let state = crate::history::Git::open(root).ok().map(|g| g.state());
            feed(&mut h, "git", state.unwrap_or_default().as_bytes());
        }
    }
    h
}

/// The files of a folder, to feed. A folder whose folder links multiply it past the walk's
/// cap has files that are not all known: the fingerprint is then new on every build, never
/// "up to date" (the loader may not walk that folder, so the build may still succeed).
fn walk(h: &mut blake3::Hasher, input: &Input, dir: &str) -> Vec<String> {
    let walked = input.walk_checked(dir);
    if walked.capped {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        feed(h, "capped", &now.to_le_bytes());
        return Vec::new();
    }
    walked.files
}

/// Whether site.toml turns `[history]` on (read loosely: a wrong site.toml fails the build
/// anyway, and its bytes are in the fingerprint).
fn history_enabled(input: &Input) -> bool {
    let Ok(bytes) = input.read(layout::SITE_TOML) else {
        return false;
    };
    let Ok(doc) = String::from_utf8_lossy(&bytes).parse::<toml_edit::DocumentMut>() else {
        return false;
    };
    doc.get("history").is_some_and(|h| {
        h.get("enabled")
            .and_then(toml_edit::Item::as_bool)
            .unwrap_or(true)
    })
}

/// One portal's fingerprint: the shared inputs, its settings (its entry of sites.toml, as
/// read into `config`) and its own folder.
pub fn of_portal(shared: &blake3::Hasher, input: &Input, id: &str, config: &Config) -> String {
    let mut h = shared.clone();
    h.update(b"portal ");
    h.update(id.as_bytes());
    settings(&mut h, config);
    let files = walk(&mut h, input, &layout::portal_dir(id));
    feed_files(&mut h, input, files);
    h.finalize().to_hex().to_string()
}

/// What a portal's entry of sites.toml sets, field by field in a fixed order, each value
/// with its length: no two settings hash the same bytes.
fn settings(h: &mut blake3::Hasher, c: &Config) {
    put(h, b"base_url");
    put(h, c.base_url.as_bytes());
    put(h, b"locales");
    count(h, c.locales.len());
    for l in &c.locales {
        put(h, l.as_bytes());
    }
    put(h, b"default_locale");
    put(h, c.default_locale.as_bytes());
    put(h, b"params");
    count(h, c.params.len());
    for (key, value) in &c.params {
        put(h, key.as_bytes());
        match value {
            Localized::Same(text) => {
                put(h, b"same");
                put(h, text.as_bytes());
            }
            Localized::PerLocale(texts) => {
                put(h, b"per locale");
                count(h, texts.len());
                for (locale, text) in texts {
                    put(h, locale.as_bytes());
                    put(h, text.as_bytes());
                }
            }
        }
    }
}

fn count(h: &mut blake3::Hasher, n: usize) {
    h.update(&(n as u64).to_le_bytes());
}

/// Bytes with their length before them.
fn put(h: &mut blake3::Hasher, bytes: &[u8]) {
    count(h, bytes.len());
    h.update(bytes);
}

fn feed_files(h: &mut blake3::Hasher, input: &Input, files: Vec<String>) {
    let reader = input.reader();
    for path in files {
        // A file that cannot be read changes the hash too: the build will report it.
        let bytes = reader
            .read(&path)
            .unwrap_or_else(|_| b"\0unreadable".to_vec());
        feed(h, &path, &bytes);
    }
}

fn feed(h: &mut blake3::Hasher, path: &str, bytes: &[u8]) {
    put(h, path.as_bytes());
    put(h, bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(params: Vec<(&str, Localized)>) -> Config {
        let mut sources = crate::diagnostics::Sources::default();
        let text =
            "title = \"T\"\nbase_url = \"https://example.org/\"\nlocales = [\"en\", \"fr\"]\n";
        let file = sources.add("site.toml", text);
        let mut diags = crate::diagnostics::Diagnostics::default();
        let mut c = crate::config::load(text, file, &mut diags).expect("loads");
        c.params = params
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        c
    }

    fn print(c: &Config) -> String {
        let input = Input::Memory(Default::default());
        of_portal(&blake3::Hasher::new(), &input, "p", c)
    }

    #[test]
    fn every_setting_of_a_portal_changes_its_fingerprint() {
        let same = |s: &str| Localized::Same(s.into());
        let base = config(vec![("a", same("bc"))]);
        let mut seen = vec![print(&base)];
        let mut moved = config(vec![("ab", same("c"))]);
        seen.push(print(&moved));
        moved.params = vec![(
            "a".into(),
            Localized::PerLocale([("en".to_string(), "bc".to_string())].into()),
        )];
        seen.push(print(&moved));
        let mut other = config(vec![("a", same("bc"))]);
        other.base_url = "https://example.org/x/".into();
        seen.push(print(&other));
        let mut other = config(vec![("a", same("bc"))]);
        other.locales = vec!["en".into()];
        seen.push(print(&other));
        let mut other = config(vec![("a", same("bc"))]);
        other.default_locale = "fr".into();
        seen.push(print(&other));
        let distinct: std::collections::HashSet<&String> = seen.iter().collect();
        assert_eq!(distinct.len(), seen.len(), "{seen:#?}");
        assert_eq!(print(&base), print(&config(vec![("a", same("bc"))])));
    }
}
