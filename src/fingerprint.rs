//! What a build is made from, in one hash: every input file, the built-in theme and the
//! version of Clause. When it equals the one recorded in the output folder, a rebuild has
//! nothing to do.

use crate::input::Input;

/// A hex BLAKE3 hash of every file a build reads.
pub fn of_site(input: &Input) -> String {
    let mut h = blake3::Hasher::new();
    h.update(b"clause ");
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    for (path, bytes) in crate::theme::BUILTIN {
        feed(&mut h, path, bytes);
    }
    let mut files: Vec<String> = ["site.toml", "sites.toml"].map(String::from).to_vec();
    for dir in ["content", "sites", "themes"] {
        files.extend(input.walk(dir));
    }
    for path in files {
        // A file that cannot be read changes the hash too: the build will report it.
        let bytes = input
            .read(&path)
            .unwrap_or_else(|_| b"\0unreadable".to_vec());
        feed(&mut h, &path, &bytes);
    }
    h.finalize().to_hex().to_string()
}

fn feed(h: &mut blake3::Hasher, path: &str, bytes: &[u8]) {
    h.update(&(path.len() as u64).to_le_bytes());
    h.update(path.as_bytes());
    h.update(&(bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}
