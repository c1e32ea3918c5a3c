//! Where a site's files come from: a folder on disk, or a map in memory (for fuzzing and
//! property tests, which must run the whole pipeline without touching the disk).
//!
//! Paths are relative to the site root with `/` separators. On disk, a file that is a link
//! leading outside the site folder is refused.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Code, Diagnostic, Diagnostics, ErrorReported, FileId, Sources};

/// The site's files.
#[derive(Debug, Clone)]
pub enum Input {
    /// A folder on disk.
    Disk(PathBuf),
    /// Files in memory, keyed by their path relative to the site root.
    Memory(BTreeMap<String, Vec<u8>>),
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// There is no such file.
    #[error("does not exist")]
    NotFound,
    /// The file is a link to somewhere outside the site folder.
    #[error("is a link to `{0}`, outside the site folder")]
    Outside(PathBuf),
    /// The system refused.
    #[error("cannot be read: {0}")]
    Io(io::Error),
}

/// One entry of a folder.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// Its name.
    pub name: String,
    /// Whether it is a folder.
    pub is_dir: bool,
}

impl Input {
    /// Whether the site root exists and is a folder.
    pub fn root_is_dir(&self) -> bool {
        match self {
            Input::Disk(root) => root.is_dir(),
            Input::Memory(_) => true,
        }
    }

    /// The site root, for messages.
    pub fn describe(&self) -> String {
        match self {
            Input::Disk(root) => root.display().to_string(),
            Input::Memory(_) => "<memory>".into(),
        }
    }

    /// Reads one file.
    pub fn read(&self, rel: &str) -> Result<Vec<u8>, ReadError> {
        match self {
            Input::Memory(files) => files.get(rel).cloned().ok_or(ReadError::NotFound),
            Input::Disk(root) => {
                let path = root.join(rel);
                check_inside(root, &path)?;
                fs::read(&path).map_err(|e| match e.kind() {
                    io::ErrorKind::NotFound => ReadError::NotFound,
                    _ => ReadError::Io(e),
                })
            }
        }
    }

    /// The entries of a folder, sorted by name; empty if it does not exist.
    pub fn list(&self, rel_dir: &str) -> Vec<Entry> {
        let mut out = match self {
            Input::Memory(files) => {
                let prefix = format!("{}/", rel_dir.trim_end_matches('/'));
                let mut out: Vec<Entry> = Vec::new();
                for path in files.keys() {
                    let Some(rest) = path.strip_prefix(&prefix) else {
                        continue;
                    };
                    let (name, is_dir) = match rest.split_once('/') {
                        Some((dir, _)) => (dir, true),
                        None => (rest, false),
                    };
                    if !out.iter().any(|e| e.name == name) {
                        out.push(Entry {
                            name: name.to_string(),
                            is_dir,
                        });
                    }
                }
                out
            }
            Input::Disk(root) => fs::read_dir(root.join(rel_dir))
                .map(|rd| {
                    rd.filter_map(Result::ok)
                        .filter_map(|e| {
                            Some(Entry {
                                name: e.file_name().to_str()?.to_string(),
                                is_dir: e.path().is_dir(),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default(),
        };
        out.sort();
        out
    }

    /// Whether a folder exists.
    pub fn is_dir(&self, rel_dir: &str) -> bool {
        match self {
            Input::Disk(root) => root.join(rel_dir).is_dir(),
            Input::Memory(files) => {
                let prefix = format!("{}/", rel_dir.trim_end_matches('/'));
                files.keys().any(|k| k.starts_with(&prefix))
            }
        }
    }

    /// Every file below a folder (relative to the site root), sorted. A folder link that
    /// leads back to a folder holding it is not followed (see [`Input::walk_checked`]).
    pub fn walk(&self, rel_dir: &str) -> Vec<String> {
        self.walk_checked(rel_dir).0
    }

    /// Every file below a folder, sorted, and the folder links found on the way that lead
    /// back to a folder holding them (followed, they would be walked until the system
    /// gives up). Other folder links are followed.
    pub fn walk_checked(&self, rel_dir: &str) -> (Vec<String>, Vec<LinkLoop>) {
        let mut walk = Walk::default();
        if let Input::Disk(root) = self {
            walk.root = fs::canonicalize(root).ok();
        }
        self.walk_into(rel_dir, &mut walk);
        (walk.files, walk.loops)
    }

    fn walk_into(&self, rel_dir: &str, walk: &mut Walk) {
        // On disk, each folder is known by its real path: a link back to a folder being
        // walked (an ancestor) closes a loop.
        let real = match self {
            Input::Disk(root) => fs::canonicalize(root.join(rel_dir)).ok(),
            Input::Memory(_) => None,
        };
        if let Some(real) = &real {
            if walk.ancestors.contains(real) {
                let target = walk
                    .root
                    .as_ref()
                    .and_then(|r| real.strip_prefix(r).ok())
                    .map_or_else(
                        || real.display().to_string(),
                        |p| p.to_string_lossy().replace('\\', "/"),
                    );
                walk.loops.push(LinkLoop {
                    link: rel_dir.to_string(),
                    target,
                });
                return;
            }
            walk.ancestors.push(real.clone());
        }
        for e in self.list(rel_dir) {
            let path = format!("{rel_dir}/{}", e.name);
            if e.is_dir {
                self.walk_into(&path, walk);
            } else {
                walk.files.push(path);
            }
        }
        if real.is_some() {
            walk.ancestors.pop();
        }
    }
}

/// A site being read: its files, each kept in [`Sources`] once read so that diagnostics can
/// quote it, and every problem found so far.
pub struct Loader<'i> {
    /// Where the files come from.
    pub input: &'i Input,
    /// Every file read.
    pub sources: Sources,
    /// Every problem found.
    pub diags: Diagnostics,
}

impl<'i> Loader<'i> {
    /// Starts reading `input`.
    pub fn new(input: &'i Input) -> Loader<'i> {
        Loader {
            input,
            sources: Sources::default(),
            diags: Diagnostics::default(),
        }
    }

    /// Reads a file as bytes; reports a missing file or a link out of the site.
    pub fn read_bytes(&mut self, rel: &str, missing_help: &str) -> Result<Vec<u8>, ErrorReported> {
        match self.input.read(rel) {
            Ok(b) => Ok(b),
            Err(ReadError::NotFound) => Err(self.diags.error(
                Diagnostic::error(Code::MissingFile, format!("`{rel}` does not exist"))
                    .in_file(rel)
                    .help(missing_help),
            )),
            Err(e) => Err(self.unreadable(rel, e)),
        }
    }

    /// Reads a file that may be absent: `Ok(None)` when it does not exist; reports a link
    /// out of the site or a file that cannot be read (`Err`). Read once, never once to
    /// see whether it is there and again to load it.
    pub fn read_optional(&mut self, rel: &str) -> Result<Option<Vec<u8>>, ErrorReported> {
        match self.input.read(rel) {
            Ok(b) => Ok(Some(b)),
            Err(ReadError::NotFound) => Ok(None),
            Err(e) => Err(self.unreadable(rel, e)),
        }
    }

    fn unreadable(&mut self, rel: &str, e: ReadError) -> ErrorReported {
        let d = match e {
            ReadError::Outside(real) => Diagnostic::error(Code::LinkOutside, format!(
                "`{rel}` is a link to `{}`, outside the site folder",
                real.display()
            ))
            .help("Clause reads only files inside the site folder: copy the file here instead of linking to it"),
            ReadError::Io(e) => Diagnostic::error(Code::Unreadable, format!("cannot read `{rel}`: {e}"))
                .help("check that the file is readable"),
            ReadError::NotFound => Diagnostic::error(Code::MissingFile, format!("`{rel}` does not exist")),
        };
        self.diags.error(d.in_file(rel))
    }

    /// Reads a text file; reports a missing file, a non-UTF-8 file, or a link out of the site.
    pub fn read_text(
        &mut self,
        rel: &str,
        missing_help: &str,
    ) -> Result<(FileId, String), ErrorReported> {
        let bytes = self.read_bytes(rel, missing_help)?;
        self.text(rel.to_string(), bytes)
    }

    /// Keeps a file's text for diagnostics, or reports that it is not UTF-8.
    pub fn text(
        &mut self,
        name: String,
        bytes: Vec<u8>,
    ) -> Result<(FileId, String), ErrorReported> {
        match String::from_utf8(bytes) {
            Ok(mut text) => {
                // A byte-order mark is invisible in editors; it must not break the first key.
                if text.starts_with('\u{feff}') {
                    text.drain(..3);
                }
                let id = self.sources.add(name, text.clone());
                Ok((id, text))
            }
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                // In the lossy text the replacement character starts at the same offset.
                let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let id = self.sources.add(name, lossy);
                Err(self.diags.error(
                    Diagnostic::error(Code::NotUtf8, "the file is not UTF-8 text")
                        .at(id, valid..valid + 3, "this byte is not UTF-8")
                        .help("save the file as UTF-8 (most editors offer it under \"Save as…\" or \"Encoding\")"),
                ))
            }
        }
    }
}

/// A folder link that leads back to a folder that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkLoop {
    /// The link, relative to the site root.
    pub link: String,
    /// Where it leads: relative to the site root (empty for the root itself), or the
    /// real path when outside it.
    pub target: String,
}

/// What a walk has found so far.
#[derive(Default)]
struct Walk {
    root: Option<PathBuf>,
    ancestors: Vec<PathBuf>,
    files: Vec<String>,
    loops: Vec<LinkLoop>,
}

fn check_inside(root: &Path, path: &Path) -> Result<(), ReadError> {
    let Ok(real) = fs::canonicalize(path) else {
        return Ok(());
    };
    let root = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    if real.starts_with(&root) {
        Ok(())
    } else {
        Err(ReadError::Outside(real))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_input_lists_like_a_folder() {
        let mut files = BTreeMap::new();
        for p in [
            "content/en/b.md",
            "content/en/a.md",
            "content/fr/a.md",
            "site.toml",
        ] {
            files.insert(p.to_string(), Vec::new());
        }
        let input = Input::Memory(files);
        let names: Vec<(String, bool)> = input
            .list("content")
            .into_iter()
            .map(|e| (e.name, e.is_dir))
            .collect();
        assert_eq!(names, [("en".into(), true), ("fr".into(), true)]);
        assert_eq!(
            input.walk("content/en"),
            ["content/en/a.md", "content/en/b.md"]
        );
        assert!(input.is_dir("content"));
        assert!(!input.is_dir("themes"));
        assert!(matches!(input.read("nope"), Err(ReadError::NotFound)));
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_link_back_to_an_ancestor_is_reported_not_followed() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let theme = tmp.path().join("themes/default");
        fs::create_dir_all(theme.join("templates/partials")).expect("mkdir");
        fs::write(theme.join("templates/page.html"), "x").expect("write");
        fs::write(theme.join("templates/partials/a.html"), "x").expect("write");
        std::os::unix::fs::symlink("..", theme.join("templates/up")).expect("link");
        std::os::unix::fs::symlink("../..", theme.join("templates/partials/top")).expect("link");
        // A link to a folder that does not hold it is followed.
        std::os::unix::fs::symlink("partials", theme.join("templates/again")).expect("link");
        let input = Input::Disk(tmp.path().to_path_buf());
        let (files, loops) = input.walk_checked("themes");
        assert_eq!(
            files,
            [
                "themes/default/templates/again/a.html",
                "themes/default/templates/page.html",
                "themes/default/templates/partials/a.html",
            ]
        );
        assert_eq!(
            loops,
            [
                LinkLoop {
                    link: "themes/default/templates/again/top".into(),
                    target: "themes/default".into(),
                },
                LinkLoop {
                    link: "themes/default/templates/partials/top".into(),
                    target: "themes/default".into(),
                },
                LinkLoop {
                    link: "themes/default/templates/up".into(),
                    target: "themes/default".into(),
                },
            ]
        );
        assert_eq!(input.walk("themes"), files);
    }
}
