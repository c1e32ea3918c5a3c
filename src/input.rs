//! Where a site's files come from: a folder on disk, or a map in memory (for fuzzing and
//! property tests, which must run the whole pipeline without touching the disk).
//!
//! Paths are relative to the site root with `/` separators. On disk, a file that is a link
//! leading outside the site folder (or lies below a folder link leading outside it) is
//! refused: see [`Reader`].

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

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

    /// Reads one file (see [`Reader`]; to read many, open one with [`Input::reader`]).
    pub fn read(&self, rel: &str) -> Result<Vec<u8>, ReadError> {
        self.reader().read(rel)
    }

    /// Opens the site folder for a series of reads.
    pub fn reader(&self) -> Reader<'_> {
        Reader::new(self)
    }

    /// The entries of a folder, sorted by name; empty if it does not exist.
    pub fn list(&self, rel_dir: &str) -> Vec<Entry> {
        self.entries(rel_dir).into_iter().map(|(e, _)| e).collect()
    }

    /// The entries of a folder, sorted by name, each with whether it is a link. On disk,
    /// the kind of each entry comes from the folder listing itself: only a link is looked
    /// up, to know whether it leads to a folder.
    fn entries(&self, rel_dir: &str) -> Vec<(Entry, bool)> {
        let mut out = match self {
            Input::Memory(files) => {
                let prefix = format!("{}/", rel_dir.trim_end_matches('/'));
                let mut out: Vec<(Entry, bool)> = Vec::new();
                for path in files.keys() {
                    let Some(rest) = path.strip_prefix(&prefix) else {
                        continue;
                    };
                    let (name, is_dir) = match rest.split_once('/') {
                        Some((dir, _)) => (dir, true),
                        None => (rest, false),
                    };
                    if !out.iter().any(|(e, _)| e.name == name) {
                        let entry = Entry {
                            name: name.to_string(),
                            is_dir,
                        };
                        out.push((entry, false));
                    }
                }
                out
            }
            Input::Disk(root) => fs::read_dir(root.join(rel_dir))
                .map(|rd| {
                    rd.filter_map(Result::ok)
                        .filter_map(|e| {
                            let name = e.file_name().to_str()?.to_string();
                            let kind = e.file_type().ok()?;
                            let link = kind.is_symlink();
                            let is_dir = if link {
                                e.path().is_dir()
                            } else {
                                kind.is_dir()
                            };
                            Some((Entry { name, is_dir }, link))
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
        let walked = self.walk_checked(rel_dir);
        // A folder past the cap is an error of the loader's: its files are not read.
        if walked.capped {
            return Vec::new();
        }
        walked.files
    }

    /// Every file below a folder, sorted, and the folder links found on the way that lead
    /// back to a folder holding them (followed, they would be walked until the system
    /// gives up). Other folder links are followed.
    pub fn walk_checked(&self, rel_dir: &str) -> Walked {
        let mut walk = Walk::default();
        let real = match self {
            Input::Disk(root) => {
                walk.root = fs::canonicalize(root).ok();
                let dir = root.join(rel_dir);
                if fs::symlink_metadata(&dir).is_err() {
                    return Walked::default();
                }
                // The folder itself may be a link out of the site (`static -> /usr`), or lie
                // below one: given as one entry, whose reading reports it, never walked.
                match (fs::canonicalize(&dir), &walk.root) {
                    (Ok(real), Some(site)) if real.starts_with(site) => Some(real),
                    (Ok(real), None) => Some(real),
                    _ => {
                        return Walked {
                            files: vec![rel_dir.to_string()],
                            ..Walked::default()
                        }
                    }
                }
            }
            Input::Memory(_) => None,
        };
        self.walk_into(rel_dir, real, &mut walk);
        let capped = walk.files.len() > MAX_WALK;
        walk.files.truncate(MAX_WALK);
        Walked {
            files: walk.files,
            loops: walk.loops,
            capped,
        }
    }

    /// Walks the folder `rel_dir`, whose real path is `real` (on disk). Only links are
    /// resolved: the real path of any other folder is its parent's and its name.
    fn walk_into(&self, rel_dir: &str, real: Option<PathBuf>, walk: &mut Walk) {
        // Folder links that stay inside and never loop can still multiply a folder (two
        // links to the next folder, at each of twenty levels): the walk stops past the cap.
        if walk.files.len() > MAX_WALK {
            return;
        }
        // On disk, each folder is known by its real path: a link back to a folder being
        // walked (an ancestor) closes a loop.
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
            // A folder already walked (reached again through another link) is not walked
            // again: its files are named under this path too, without a system call.
            if let Some(seen) = walk.seen.get(real).cloned() {
                let under = |path: &str| format!("{rel_dir}{}", &path[seen.path.len()..]);
                for i in seen.loops {
                    let found = LinkLoop {
                        link: under(&walk.loops[i].link),
                        target: walk.loops[i].target.clone(),
                    };
                    walk.loops.push(found);
                }
                for i in seen.files {
                    if walk.files.len() > MAX_WALK {
                        return;
                    }
                    let file = under(&walk.files[i]);
                    walk.files.push(file);
                }
                return;
            }
            walk.ancestors.push(real.clone());
        }
        let (first, first_loop) = (walk.files.len(), walk.loops.len());
        for (e, link) in self.entries(rel_dir) {
            let path = format!("{rel_dir}/{}", e.name);
            if e.is_dir {
                let inner = match (self, &real) {
                    (Input::Disk(root), _) if link => fs::canonicalize(root.join(&path)).ok(),
                    (_, Some(real)) => Some(real.join(&e.name)),
                    _ => None,
                };
                // A folder link out of the site is not walked (it may lead to `/`), nor one
                // that cannot be resolved (a path longer than the system resolves may still
                // lead out): it is given as a file, whose reading reports it.
                if link && matches!(self, Input::Disk(_)) {
                    let inside = match (&walk.root, &inner) {
                        (Some(root), Some(inner)) => inner.starts_with(root),
                        _ => false,
                    };
                    if !inside {
                        walk.files.push(path);
                        continue;
                    }
                }
                self.walk_into(&path, inner, walk);
            } else {
                walk.files.push(path);
            }
        }
        if let Some(real) = real {
            walk.ancestors.pop();
            let walked = Seen {
                files: first..walk.files.len(),
                loops: first_loop..walk.loops.len(),
                path: rel_dir.to_string(),
            };
            walk.seen.insert(real, walked);
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
    /// The site folder, opened once for every file read.
    reader: Reader<'i>,
}

impl<'i> Loader<'i> {
    /// Starts reading `input`.
    pub fn new(input: &'i Input) -> Loader<'i> {
        Loader {
            input,
            sources: Sources::default(),
            diags: Diagnostics::default(),
            reader: input.reader(),
        }
    }

    /// The files under `rel_dir` (see [`Input::walk_checked`]); each folder link that leads
    /// back to a folder holding it is reported as an error, with where the files it should
    /// bring belong (`home`: "the theme's folder").
    pub fn walk_reporting_loops(&mut self, rel_dir: &str, home: &str) -> Vec<String> {
        let Walked {
            files,
            loops,
            capped,
        } = self.input.walk_checked(rel_dir);
        // The folder itself leads out of the site (or cannot be resolved): reading it
        // reports where it leads, once.
        if files.len() == 1 && files[0] == rel_dir {
            let _ = self.read_bytes(rel_dir, DANGLING);
            return Vec::new();
        }
        if capped {
            self.diags.push(
                Diagnostic::error(
                    Code::TooManyFiles,
                    format!("`{rel_dir}` holds more than {MAX_WALK} files, its folder links followed"),
                )
                .in_file(rel_dir)
                .help("folder links that lead to the same folders again multiply its files: remove them, and keep in the folder only what the site publishes"),
            );
            return Vec::new();
        }
        for found in loops {
            let target = if found.target.is_empty() {
                "the site folder".to_string()
            } else {
                format!("`{}`", found.target)
            };
            self.diags.push(
                Diagnostic::error(
                    Code::LinkLoop,
                    format!("this folder link leads back to {target}, which holds it"),
                )
                .in_file(&found.link)
                .help(format!("Clause does not follow it (it would lead round for ever): remove the link, and put the files it should bring in {home} itself")),
            );
        }
        files
    }

    /// Reads a file as bytes; reports a missing file or a link out of the site.
    pub fn read_bytes(&mut self, rel: &str, missing_help: &str) -> Result<Vec<u8>, ErrorReported> {
        match self.reader.read(rel) {
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
        match self.reader.read(rel) {
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

/// The help for a file found by a walk that is not there when read: a link to nothing.
pub const DANGLING: &str = "it is a link to nothing: fix the link or remove it";

/// The most files a walk gives: past it, the folder is reported and not read further.
pub const MAX_WALK: usize = 100_000;

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walked {
    /// Every file, sorted (at most [`MAX_WALK`]).
    pub files: Vec<String>,
    /// The folder links that lead back to a folder holding them (not followed).
    pub loops: Vec<LinkLoop>,
    /// Whether the walk stopped at [`MAX_WALK`] files.
    pub capped: bool,
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
    /// Each folder walked, by its real path: where its files are in `files`, and the path
    /// it was walked as.
    seen: std::collections::HashMap<PathBuf, Seen>,
}

/// A folder walked: where its files and loops are in a [`Walk`], and the path it was
/// walked as.
#[derive(Clone)]
struct Seen {
    files: std::ops::Range<usize>,
    loops: std::ops::Range<usize>,
    path: String,
}

/// The site's folder, opened once for a series of reads.
///
/// On Linux each file is opened beneath the open folder by the kernel (`openat2` with
/// `RESOLVE_BENEATH`): a path that a link, or a folder link above the file, would lead
/// out of the site is refused by the lookup itself, with no extra system call per file
/// and no moment between a check and the read in which a link could be swapped in. Only
/// such a refusal (rare: a link leading out, or an absolute link, which the kernel refuses
/// even when it leads back inside) takes the slow path: the file's path is resolved and
/// compared with the site folder's, resolved once per reader. So does every read where
/// `openat2` is missing (Linux before 5.6, other systems) or forbidden (some sandboxes).
pub struct Reader<'i> {
    input: &'i Input,
    #[cfg(target_os = "linux")]
    dir: Option<std::os::fd::OwnedFd>,
    /// The site folder with its links resolved, for the slow path.
    real_root: OnceLock<PathBuf>,
}

impl<'i> Reader<'i> {
    fn new(input: &'i Input) -> Reader<'i> {
        #[cfg(target_os = "linux")]
        let dir = match input {
            Input::Disk(root) => {
                use rustix::fs::{Mode, OFlags};
                let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
                rustix::fs::open(root, flags, Mode::empty()).ok()
            }
            Input::Memory(_) => None,
        };
        Reader {
            input,
            #[cfg(target_os = "linux")]
            dir,
            real_root: OnceLock::new(),
        }
    }

    /// Reads one file.
    pub fn read(&self, rel: &str) -> Result<Vec<u8>, ReadError> {
        let root = match self.input {
            Input::Memory(files) => return files.get(rel).cloned().ok_or(ReadError::NotFound),
            Input::Disk(root) => root,
        };
        #[cfg(target_os = "linux")]
        if let Some(dir) = &self.dir {
            use rustix::fs::{Mode, OFlags, ResolveFlags};
            use rustix::io::Errno;
            let how = ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS;
            // Non-blocking: opening a FIFO would otherwise wait for a writer for ever.
            let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK;
            match rustix::fs::openat2(dir, rel, flags, Mode::empty(), how) {
                Ok(fd) => return read_open(fs::File::from(fd)).map_err(ReadError::Io),
                Err(Errno::NOENT) => return Err(ReadError::NotFound),
                // Out of the site, an absolute link, or no openat2: the slow path.
                Err(_) => {}
            }
        }
        let path = root.join(rel);
        let real_root = self
            .real_root
            .get_or_init(|| fs::canonicalize(root).unwrap_or_else(|_| root.clone()));
        check_inside(real_root, &path)?;
        let not_found = |e: io::Error| match e.kind() {
            io::ErrorKind::NotFound => ReadError::NotFound,
            _ => ReadError::Io(e),
        };
        if is_special(&fs::metadata(&path).map_err(not_found)?.file_type()) {
            return Err(ReadError::Io(not_a_file()));
        }
        fs::read(&path).map_err(not_found)
    }
}

/// The whole of an open file, read as `fs::read` reads a path.
#[cfg(target_os = "linux")]
fn read_open(f: fs::File) -> io::Result<Vec<u8>> {
    let meta = f.metadata()?;
    if is_special(&meta.file_type()) {
        return Err(not_a_file());
    }
    let size = meta.len();
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // Through `Take`, which does not ask the file for its size and position again.
    f.take(u64::MAX).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Whether a file is a FIFO, a socket or a device: not a site's file, and a FIFO would make
/// a read wait for a writer for ever. (A folder is read, and fails, as any file.)
fn is_special(kind: &fs::FileType) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        kind.is_fifo() || kind.is_socket() || kind.is_char_device() || kind.is_block_device()
    }
    #[cfg(not(unix))]
    {
        let _ = kind;
        false
    }
}

/// Why a FIFO, a socket or a device is not read.
fn not_a_file() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "it is not a plain file (a pipe, a socket or a device)",
    )
}

/// Whether `path` resolves to a place inside `real_root` (the site folder, resolved). A
/// path that is not there is let through, for the read to report it; one that cannot be
/// resolved for another reason (a path longer than the system resolves, a loop, a folder
/// that cannot be searched) is refused: the kernel may still reach it, outside the site.
fn check_inside(real_root: &Path, path: &Path) -> Result<(), ReadError> {
    let real = match fs::canonicalize(path) {
        Ok(real) => real,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(ReadError::Io(e)),
    };
    if real.starts_with(real_root) {
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
        let Walked { files, loops, .. } = input.walk_checked("themes");
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

    /// What a read of each path gives: its text, "outside <real path>" or "not found".
    #[cfg(unix)]
    fn outcome(reader: &Reader, rel: &str) -> String {
        match reader.read(rel) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(ReadError::Outside(real)) => format!("outside {}", real.display()),
            Err(ReadError::NotFound) => "not found".into(),
            Err(ReadError::Io(e)) => format!("io {e}"),
        }
    }

    /// Every way a path can lead out of the site is refused, and every way of staying in
    /// it is followed, whether the kernel checks the path (`openat2`) or the reader
    /// resolves it: relative and absolute links, to files and to folders, a root that is
    /// itself a link.
    #[cfg(unix)]
    #[test]
    fn links_are_followed_inside_the_site_and_refused_out_of_it() {
        use std::os::unix::fs::symlink;
        let tmp = tempfile::tempdir().expect("tempdir");
        let base = fs::canonicalize(tmp.path()).expect("real");
        let site = base.join("site");
        let outside = base.join("outside");
        fs::create_dir_all(site.join("content/en")).expect("mkdir");
        fs::create_dir_all(site.join("shared")).expect("mkdir");
        fs::create_dir_all(&outside).expect("mkdir");
        fs::write(site.join("content/en/a.md"), "a").expect("write");
        fs::write(site.join("shared/b.md"), "b").expect("write");
        fs::write(outside.join("secret.md"), "secret").expect("write");
        let link = |target: &Path, at: &str| symlink(target, site.join(at)).expect("link");
        // Inside: relative, absolute (which the kernel refuses beneath a folder), to a
        // folder, and through a folder link.
        link(Path::new("a.md"), "content/en/rel.md");
        link(&site.join("content/en/a.md"), "content/en/abs.md");
        link(Path::new("../../shared"), "content/en/dir");
        link(&site.join("shared"), "content/en/absdir");
        // Outside: absolute and relative links to a file, folder links, a link in a
        // folder reached through a link, and a dangling link out.
        link(&outside.join("secret.md"), "content/en/out.md");
        link(Path::new("../../../outside/secret.md"), "content/en/up.md");
        link(&outside, "content/fr");
        link(Path::new("../../outside"), "content/de");
        link(Path::new("../content/en/up.md"), "shared/again.md");
        link(&outside.join("nothing.md"), "content/en/gone.md");
        let secret = format!("outside {}", outside.join("secret.md").display());
        let expected = [
            ("content/en/a.md", "a".to_string()),
            ("content/en/rel.md", "a".into()),
            ("content/en/abs.md", "a".into()),
            ("content/en/dir/b.md", "b".into()),
            ("content/en/absdir/b.md", "b".into()),
            ("content/en/out.md", secret.clone()),
            ("content/en/up.md", secret.clone()),
            ("content/fr/secret.md", secret.clone()),
            ("content/de/secret.md", secret.clone()),
            ("content/en/dir/again.md", secret.clone()),
            ("content/en/gone.md", "not found".into()),
            ("content/en/none.md", "not found".into()),
            ("content/fr/none.md", "not found".into()),
        ];
        symlink(&site, base.join("alias")).expect("link");
        for root in [site.clone(), base.join("alias")] {
            let input = Input::Disk(root.clone());
            let reader = input.reader();
            for (rel, want) in &expected {
                assert_eq!(
                    &outcome(&reader, rel),
                    want,
                    "{rel} from {}",
                    root.display()
                );
            }
            // The slow path (no `openat2`) gives the same answers.
            let slow = Reader {
                input: &input,
                #[cfg(target_os = "linux")]
                dir: None,
                real_root: OnceLock::new(),
            };
            for (rel, want) in &expected {
                assert_eq!(&outcome(&slow, rel), want, "slow: {rel}");
            }
        }
    }
}
