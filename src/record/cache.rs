//! `.clause-cache/` in the site's folder: what earlier builds worked out about past
//! versions (which commit changed what, and each archived page's bytes), so that a
//! version is not loaded and rendered again on every build.
//!
//! Every entry is named by a hash of everything it depends on (the commit, today's theme,
//! Clause's version, the page's neighbours), so an entry is never stale: it is used as it
//! is or not at all. Entries are written beside their place and renamed into it, and each
//! holds a hash of its bytes, checked when read: a half-written or damaged entry is never
//! used. The folder is safe to delete at any time, holds a `.gitignore` that keeps it out
//! of git, and keeps the entries of one theme and version of Clause (a generation) only.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::layout;

/// The first line of every entry.
const MAGIC: &[u8] = b"clause-cache 1\n";

/// The cache of one site, for one generation (theme and Clause version).
#[derive(Debug, Clone)]
pub struct Cache {
    /// `.clause-cache/` itself.
    top: PathBuf,
    /// `.clause-cache/versions/<generation>/`.
    dir: PathBuf,
}

impl Cache {
    /// The cache in `root` for `generation`; `None` when `.clause-cache` is there but is not a
    /// plain folder (a link is never followed: it could lead out of the site).
    pub fn open(root: &Path, generation: &str) -> Option<Cache> {
        let top = root.join(layout::CACHE);
        match fs::symlink_metadata(&top) {
            Ok(m) if !m.is_dir() => return None,
            _ => {}
        }
        let dir = top.join("versions").join(generation);
        Some(Cache { top, dir })
    }

    /// Whether `.clause-cache` and every folder below it down to `dir` is a plain folder
    /// or not there yet: never a link, nor a file. A link committed in place of any of them
    /// would lead the cache's reads, writes and deletions out of the site.
    fn plain_folders(&self, dir: &Path) -> bool {
        let plain = |p: &Path| match fs::symlink_metadata(p) {
            Ok(m) => m.is_dir(),
            Err(e) => e.kind() == std::io::ErrorKind::NotFound,
        };
        let Ok(below) = dir.strip_prefix(&self.top) else {
            return false;
        };
        let mut at = self.top.clone();
        if !plain(&at) {
            return false;
        }
        for part in below.components() {
            at.push(part);
            if !plain(&at) {
                return false;
            }
        }
        true
    }

    fn path(&self, key: &str) -> Option<PathBuf> {
        // Keys are hex hashes; anything else never names a file.
        if key.len() < 3 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(self.dir.join(&key[..2]).join(key))
    }

    /// The entry `key`, if it is there and whole.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        let path = self.path(key)?;
        if !self.plain_folders(path.parent()?) || !fs::symlink_metadata(&path).ok()?.is_file() {
            return None;
        }
        let bytes = fs::read(&path).ok()?;
        let rest = bytes.strip_prefix(MAGIC)?;
        let newline = rest.iter().position(|b| *b == b'\n')?;
        let (sum, body) = (&rest[..newline], &rest[newline + 1..]);
        (blake3::hash(body).to_hex().as_bytes() == sum).then(|| body.to_vec())
    }

    /// Stores `bytes` as the entry `key`, whole or not at all.
    pub fn put(&self, key: &str, bytes: &[u8]) -> std::io::Result<()> {
        let Some(path) = self.path(key) else {
            return Ok(());
        };
        let parent = path.parent().unwrap_or(&self.dir);
        if !self.plain_folders(parent) {
            return Err(linked());
        }
        self.prepare()?;
        fs::create_dir_all(parent)?;
        if !self.plain_folders(parent) {
            return Err(linked());
        }
        let mut tmp = tempfile::NamedTempFile::new_in(parent)?;
        tmp.write_all(MAGIC)?;
        tmp.write_all(blake3::hash(bytes).to_hex().as_bytes())?;
        tmp.write_all(b"\n")?;
        tmp.write_all(bytes)?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }

    /// Creates the folder with its `.gitignore` and cache tag, once.
    fn prepare(&self) -> std::io::Result<()> {
        if self.dir.is_dir() {
            return Ok(());
        }
        fs::create_dir_all(&self.dir)?;
        // Git ignores the folder by itself: nothing to add to the site's own .gitignore.
        write_new(
            &self.top.join(".gitignore"),
            "# Clause's cache of past versions: safe to delete.\n*\n",
        );
        // Backup tools skip folders with this tag (https://bford.info/cachedir/).
        write_new(
            &self.top.join("CACHEDIR.TAG"),
            "Signature: 8a477f597d28d172789f06886806bc55\n# Clause's cache of past versions: safe to delete.\n",
        );
        Ok(())
    }

    /// Deletes the entries of other generations (another theme, another Clause), which
    /// no build of this site reads any more.
    pub fn prune(&self) {
        let Some(name) = self.dir.file_name() else {
            return;
        };
        let versions = self.top.join("versions");
        if !self.plain_folders(&versions) {
            return;
        }
        let Ok(entries) = fs::read_dir(versions) else {
            return;
        };
        for e in entries.filter_map(Result::ok) {
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            if is_dir && e.file_name() != name {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Writes a new file, never through anything already at `path` (a dangling link included:
/// it would create a file wherever it points). One that is there is left as it is.
fn write_new(path: &Path, text: &str) {
    if let Ok(mut f) = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        let _ = f.write_all(text.as_bytes());
    }
}

/// Why the cache is not used: a link in place of one of its folders.
fn linked() -> std::io::Error {
    std::io::Error::other("a folder of .clause-cache is a link or a file: the cache is not used")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_used_whole_or_not_at_all() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(tmp.path(), "g1").expect("opens");
        let key = "ab".repeat(32);
        assert_eq!(cache.get(&key), None);
        cache.put(&key, b"<p>hello</p>").expect("stores");
        assert_eq!(cache.get(&key).as_deref(), Some(&b"<p>hello</p>"[..]));
        assert!(
            fs::read_to_string(tmp.path().join(".clause-cache/.gitignore"))
                .expect("ignored")
                .contains("\n*\n")
        );
        // A damaged entry (cut short, or changed) is a miss.
        let path = cache.path(&key).expect("path");
        let bytes = fs::read(&path).expect("read");
        fs::write(&path, &bytes[..bytes.len() - 2]).expect("write");
        assert_eq!(cache.get(&key), None);
        // Keys that are not hashes name no file.
        assert!(cache.put("../../etc", b"x").is_ok());
        assert_eq!(cache.get("../../etc"), None);
        // Another generation prunes this one.
        let other = Cache::open(tmp.path(), "g2").expect("opens");
        other.put(&key, b"x").expect("stores");
        other.prune();
        assert!(!tmp.path().join(".clause-cache/versions/g1").exists());
        assert_eq!(other.get(&key).as_deref(), Some(&b"x"[..]));
    }

    #[cfg(unix)]
    #[test]
    fn a_link_in_place_of_the_cache_is_not_followed() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let elsewhere = tmp.path().join("elsewhere");
        fs::create_dir(&elsewhere).expect("mkdir");
        let site = tmp.path().join("site");
        fs::create_dir(&site).expect("mkdir");
        std::os::unix::fs::symlink(&elsewhere, site.join(layout::CACHE)).expect("link");
        assert!(Cache::open(&site, "g").is_none());
    }

    /// A link committed in place of a folder below `.clause-cache` (`versions`, a
    /// generation, an entry's folder) or of its `.gitignore` is never followed: pruning
    /// deleted the folders it led to, and storing wrote there (adversary, 30 Nov).
    #[cfg(unix)]
    #[test]
    fn links_below_the_cache_are_not_followed_to_read_write_or_delete() {
        use std::os::unix::fs::symlink;
        let key = "ab".repeat(32);
        for linked in ["versions", "versions/g", "versions/g/ab"] {
            let tmp = tempfile::tempdir().expect("tempdir");
            let victim = tmp.path().join("victim");
            fs::create_dir_all(victim.join("Documents")).expect("mkdir");
            fs::write(victim.join("Documents/thesis.txt"), "mine").expect("write");
            let site = tmp.path().join("site");
            let link = site.join(layout::CACHE).join(linked);
            fs::create_dir_all(link.parent().expect("parent")).expect("mkdir");
            symlink(&victim, &link).expect("link");
            let cache = Cache::open(&site, "g").expect("opens");
            assert!(cache.put(&key, b"x").is_err(), "{linked}");
            assert_eq!(cache.get(&key), None, "{linked}");
            cache.prune();
            assert_eq!(
                fs::read_to_string(victim.join("Documents/thesis.txt")).expect("kept"),
                "mine",
                "{linked}"
            );
            let mut names: Vec<_> = fs::read_dir(&victim)
                .expect("victim")
                .filter_map(Result::ok)
                .map(|e| e.file_name())
                .collect();
            names.sort();
            assert_eq!(names, ["Documents"], "{linked}: nothing written there");
        }
        // A dangling link in place of the .gitignore creates no file where it points.
        let tmp = tempfile::tempdir().expect("tempdir");
        let site = tmp.path().join("site");
        fs::create_dir_all(site.join(layout::CACHE)).expect("mkdir");
        let target = tmp.path().join("created-outside");
        symlink(&target, site.join(layout::CACHE).join(".gitignore")).expect("link");
        let cache = Cache::open(&site, "g").expect("opens");
        cache.put(&key, b"x").expect("stores");
        assert!(!target.exists());
        assert_eq!(cache.get(&key).as_deref(), Some(&b"x"[..]));
    }
}
