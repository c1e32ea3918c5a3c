//! What a build is made from, in one hash: every input file, the built-in theme and the
//! version of Clause. When it equals the one recorded in the output folder, a rebuild has
//! nothing to do; on a platform, each portal has its own, so that only the portals whose
//! inputs changed are rebuilt.

use crate::input::Input;
use crate::layout;

/// A hex BLAKE3 hash of every file a build reads, from the already computed [`shared`] part.
pub fn of_site_from(mut h: blake3::Hasher, input: &Input) -> String {
    let mut files = vec![layout::SITES_TOML.to_string()];
    files.extend(input.walk(layout::PORTALS));
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
        files.extend(input.walk(dir));
    }
    feed_files(&mut h, input, files);
    // With `[history]`, the pages also depend on git: its last commit to the content.
    if let Input::Disk(root) = input {
        if history_enabled(input) {
            let state = crate::history::Git::open(root).map(|g| g.state());
            feed(&mut h, "git", state.unwrap_or_default().as_bytes());
        }
    }
    h
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

/// One portal's fingerprint: the shared inputs, its settings (`settings`: its entry of
/// sites.toml, as read) and its own folder.
pub fn of_portal(shared: &blake3::Hasher, input: &Input, id: &str, settings: &str) -> String {
    let mut h = shared.clone();
    h.update(b"portal ");
    h.update(id.as_bytes());
    feed(&mut h, "settings", settings.as_bytes());
    feed_files(&mut h, input, input.walk(&layout::portal_dir(id)));
    h.finalize().to_hex().to_string()
}

fn feed_files(h: &mut blake3::Hasher, input: &Input, files: Vec<String>) {
    for path in files {
        // A file that cannot be read changes the hash too: the build will report it.
        let bytes = input
            .read(&path)
            .unwrap_or_else(|_| b"\0unreadable".to_vec());
        feed(h, &path, &bytes);
    }
}

fn feed(h: &mut blake3::Hasher, path: &str, bytes: &[u8]) {
    h.update(&(path.len() as u64).to_le_bytes());
    h.update(path.as_bytes());
    h.update(&(bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}
