//! The few git questions Clause asks (an inventory at a revision, the commits that touched
//! a file, with their dates), answered by the `git` program so that Clause sees exactly
//! what the user's git sees (their configuration, safe directories, shallow clones).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::date::Date;

/// Why git could not answer.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// No `git` program.
    #[error("git is not installed or not on PATH")]
    NotInstalled,
    /// The folder is not in a work tree.
    #[error("`{0}` is not inside a git repository")]
    NotARepository(String),
    /// A revision that would be read as an option.
    #[error("`{0}` is not a revision")]
    BadRevision(String),
    /// git said no.
    #[error("git failed: {0}")]
    Failed(String),
}

impl GitError {
    /// What the user can do about it.
    pub fn help(&self) -> &'static str {
        match self {
            GitError::NotInstalled => "install git, or compare two files: `clause diff old.toml new.toml`",
            GitError::NotARepository(_) => "run it in the site's git repository (or pass --root), or compare two files: `clause diff old.toml new.toml`",
            GitError::BadRevision(_) => "give a commit, branch or tag, e.g. `--since HEAD~1` or `--since v1.2`",
            GitError::Failed(_) => "check the revision with `git log`; `git fetch --unshallow` helps when the clone is shallow",
        }
    }
}

/// One commit: its hash and the date it was committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// Full hash.
    pub hash: String,
    /// Commit date (the committer's, in their time zone).
    pub date: Date,
}

/// One commit of the first-parent history, with what it changed in the paths asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogCommit {
    /// Full hash.
    pub hash: String,
    /// Commit date (the committer's, in their time zone).
    pub date: Date,
    /// The values of its `Consent:` trailers, as git parses them (any case of the key).
    pub consent: Vec<String>,
    /// The files it changed, relative to the site's folder, each with its new blob's id
    /// (`None`: deleted, or no longer a regular file).
    pub changes: Vec<(String, Option<String>)>,
}

/// The repository holding a site's folder.
#[derive(Debug, Clone)]
pub struct Repo {
    top: PathBuf,
    /// The site folder's path inside the repository, `""` or ending in `/`.
    prefix: String,
}

fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C").arg(dir);
    // Paths as bytes, never quoted; no pager, no prompts in CI.
    c.args(["-c", "core.quotepath=off", "--no-pager"]);
    c.env("GIT_TERMINAL_PROMPT", "0");
    c
}

fn run(mut c: Command) -> Result<Vec<u8>, GitError> {
    let o = c.output().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => GitError::NotInstalled,
        _ => GitError::Failed(e.to_string()),
    })?;
    if o.status.success() {
        Ok(o.stdout)
    } else {
        let msg = String::from_utf8_lossy(&o.stderr);
        let first = msg
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("unknown error")
            .trim()
            .trim_start_matches("fatal: ")
            .to_string();
        Err(GitError::Failed(first))
    }
}

impl Repo {
    /// The repository around `root`, if `root` is in a work tree.
    pub fn discover(root: &Path) -> Result<Repo, GitError> {
        let mut c = git(root);
        c.args(["rev-parse", "--show-toplevel", "--show-prefix"]);
        let out = run(c).map_err(|e| match e {
            GitError::Failed(_) => GitError::NotARepository(root.display().to_string()),
            e => e,
        })?;
        let text = String::from_utf8_lossy(&out);
        let mut lines = text.lines();
        let top = PathBuf::from(lines.next().unwrap_or_default());
        let prefix = lines.next().unwrap_or_default().to_string();
        Ok(Repo { top, prefix })
    }

    /// A file of the site (path relative to the site's folder) as it was at `rev`.
    pub fn show(&self, rev: &str, path: &str) -> Result<Vec<u8>, GitError> {
        // `--end-of-options` already keeps a revision from being read as an option; this
        // check only gives a clearer message. A `:` is allowed: dates in `main@{…}` have one.
        if rev.is_empty() || rev.starts_with('-') {
            return Err(GitError::BadRevision(rev.to_string()));
        }
        let mut c = git(&self.top);
        c.arg("show")
            .arg("--end-of-options")
            .arg(format!("{rev}:{}{path}", self.prefix));
        run(c)
    }

    /// Whether git tracks any file under `path` (relative to the site's folder).
    pub fn tracks(&self, path: &str) -> Result<bool, GitError> {
        let mut c = git(&self.top);
        c.args(["ls-files", "-z", "--"])
            .arg(format!("{}{path}", self.prefix));
        Ok(!run(c)?.is_empty())
    }

    /// Whether the clone is shallow (its history cut short).
    pub fn is_shallow(&self) -> Result<bool, GitError> {
        let mut c = git(&self.top);
        c.args(["rev-parse", "--is-shallow-repository"]);
        Ok(String::from_utf8_lossy(&run(c)?).trim() == "true")
    }

    /// The full hash of the commit `rev` names.
    pub fn resolve(&self, rev: &str) -> Result<String, GitError> {
        if rev.is_empty() || rev.starts_with('-') {
            return Err(GitError::BadRevision(rev.to_string()));
        }
        let mut c = git(&self.top);
        c.args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
            // `^0`: the commit itself, an error for anything else (a tree, a blob).
            .arg(format!("{rev}^0"));
        let out = run(c).map_err(|_| GitError::BadRevision(rev.to_string()))?;
        let hash = String::from_utf8_lossy(&out).trim().to_string();
        if is_hash(&hash) {
            Ok(hash)
        } else {
            Err(GitError::BadRevision(rev.to_string()))
        }
    }

    /// The commits of `rev`'s first-parent history (each compared with its first parent,
    /// merges included) that changed any of `paths` (relative to the site's folder), oldest
    /// first, with the files they changed and their `Consent:` trailers. One `git log`.
    pub fn first_parent(&self, rev: &str, paths: &[&str]) -> Result<Vec<LogCommit>, GitError> {
        let hash = self.resolve(rev)?;
        let mut c = git(&self.top);
        // Trailers as git reads them (`interpret-trailers` rules), never by hand; records
        // start with RS and fields end with NUL, which no hash, date or path holds.
        c.args([
            "--literal-pathspecs",
            "log",
            "--first-parent",
            "--diff-merges=first-parent",
            "--raw",
            "--root",
            "--no-renames",
            "--no-abbrev",
            "--no-ext-diff",
            "--no-textconv",
            "-z",
            "--reverse",
            "--format=%x1e%H%x00%cs%x00%(trailers:key=Consent,valueonly,unfold,separator=%x1f)%x00",
            &hash,
            "--",
        ]);
        for p in paths {
            c.arg(format!("{}{p}", self.prefix));
        }
        let out = run(c)?;
        parse_log(&out, &self.prefix)
            .ok_or_else(|| GitError::Failed("git log printed what Clause cannot read".into()))
    }

    /// The contents of the blobs `ids` (one `git cat-file --batch` for them all).
    pub fn blobs(&self, ids: &[String]) -> Result<HashMap<String, Vec<u8>>, GitError> {
        let mut out = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let mut c = git(&self.top);
        c.args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = c.spawn().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => GitError::NotInstalled,
            _ => GitError::Failed(e.to_string()),
        })?;
        let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(GitError::Failed("cannot talk to git cat-file".into()));
        };
        // Written by another thread: git answers while it reads, and both pipes are bounded.
        let asked: Vec<String> = ids.iter().filter(|i| is_hash(i)).cloned().collect();
        let list = asked.clone();
        let writer = std::thread::spawn(move || {
            for id in &list {
                if writeln!(stdin, "{id}").is_err() {
                    break;
                }
            }
        });
        let mut reader = BufReader::new(stdout);
        let mut result = Ok(());
        for id in &asked {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                result = Err(GitError::Failed("git cat-file stopped early".into()));
                break;
            }
            let fields: Vec<&str> = header.split_whitespace().collect();
            let size = match fields.as_slice() {
                [_, "blob", size] => size.parse::<usize>().ok(),
                _ => None,
            };
            let Some(size) = size else {
                // `<id> missing`, or another type: no contents follow.
                continue;
            };
            let mut bytes = vec![0; size];
            let mut newline = [0u8; 1];
            if reader.read_exact(&mut bytes).is_err() || reader.read_exact(&mut newline).is_err() {
                result = Err(GitError::Failed("git cat-file stopped early".into()));
                break;
            }
            out.insert(id.clone(), bytes);
        }
        drop(reader);
        let _ = writer.join();
        let _ = child.kill();
        let _ = child.wait();
        result.map(|()| out)
    }

    /// Where a site file is inside the repository, for messages.
    pub fn path_of(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }

    /// The commits that changed any of `paths` (relative to the site's folder), newest
    /// first, at most `limit`; `first_parent` follows only the current branch's own line.
    pub fn log(
        &self,
        paths: &[&str],
        limit: usize,
        first_parent: bool,
    ) -> Result<Vec<Commit>, GitError> {
        let mut c = git(&self.top);
        c.args(["log", "--format=%H %cs", &format!("--max-count={limit}")]);
        if first_parent {
            c.arg("--first-parent");
        }
        c.arg("--");
        for p in paths {
            c.arg(format!("{}{p}", self.prefix));
        }
        let out = run(c)?;
        Ok(String::from_utf8_lossy(&out)
            .lines()
            .filter_map(|l| {
                let (hash, date) = l.split_once(' ')?;
                Some(Commit {
                    hash: hash.to_string(),
                    date: Date::parse(date)?,
                })
            })
            .collect())
    }
}

/// Whether `s` is a full object id (SHA-1 or SHA-256, lowercase hex).
fn is_hash(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Reads the output of [`Repo::first_parent`]'s `git log`: records that start with RS
/// (hash, date and trailers, each ended by NUL), each followed by its raw diff lines
/// (`:mode mode id id status` NUL path NUL). Paths are made relative to the site's folder
/// (`prefix`); a path that is not UTF-8 cannot name a site file and is left out.
fn parse_log(out: &[u8], prefix: &str) -> Option<Vec<LogCommit>> {
    let mut commits = Vec::new();
    let mut i = 0;
    let field = |i: &mut usize| -> Option<&[u8]> {
        let start = *i;
        let len = out.get(start..)?.iter().position(|b| *b == 0)?;
        *i = start + len + 1;
        out.get(start..start + len)
    };
    while i < out.len() {
        match out[i] {
            0x1e => {
                i += 1;
                let hash = String::from_utf8(field(&mut i)?.to_vec()).ok()?;
                let date = Date::parse(std::str::from_utf8(field(&mut i)?).ok()?)?;
                let trailers = String::from_utf8_lossy(field(&mut i)?).into_owned();
                if !is_hash(&hash) {
                    return None;
                }
                commits.push(LogCommit {
                    hash,
                    date,
                    consent: trailers
                        .split('\u{1f}')
                        .map(|v| v.trim().to_string())
                        .filter(|v| !v.is_empty())
                        .collect(),
                    changes: Vec::new(),
                });
            }
            b':' => {
                let header = std::str::from_utf8(field(&mut i)?).ok()?;
                let path = field(&mut i)?;
                let parts: Vec<&str> = header.trim_start_matches(':').split(' ').collect();
                let [_, mode, _, id, _status] = parts.as_slice() else {
                    return None;
                };
                let Ok(path) = std::str::from_utf8(path) else {
                    continue;
                };
                let Some(rel) = path.strip_prefix(prefix) else {
                    continue;
                };
                // A link or a submodule is not a file Clause reads.
                let blob = matches!(*mode, "100644" | "100755").then(|| id.to_string());
                commits.last_mut()?.changes.push((rel.to_string(), blob));
            }
            _ => i += 1,
        }
    }
    Some(commits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_is_read_field_by_field() {
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let zero = "0".repeat(40);
        let mut out = Vec::new();
        out.extend(format!("\u{1e}{a}\u{0}2026-01-05\u{0}\u{0}\u{0}\n").as_bytes());
        out.extend(format!(":000000 100644 {zero} {b} A\0site/content/x.md\0").as_bytes());
        out.extend(format!(":000000 120000 {zero} {b} A\0site/content/link\0").as_bytes());
        out.extend(format!(":000000 100644 {zero} {b} A\0elsewhere/y\0").as_bytes());
        // A trailer value may hold the record separator and colons: it ends at NUL.
        out.extend(
            format!("\u{1e}{b}\u{0}2026-02-07\u{0}renew\u{1f} un\u{1e}:changed \u{0}\u{0}")
                .as_bytes(),
        );
        out.extend(format!(":100644 000000 {b} {zero} D\0site/content/x.md\0").as_bytes());
        let log = parse_log(&out, "site/").expect("reads");
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].hash, a);
        assert_eq!(
            log[0].changes,
            [
                ("content/x.md".to_string(), Some(b.clone())),
                ("content/link".to_string(), None)
            ]
        );
        assert_eq!(log[1].consent, ["renew", "un\u{1e}:changed"]);
        assert_eq!(log[1].changes, [("content/x.md".to_string(), None)]);
        assert!(parse_log(b"\x1enot-a-hash\x002026-01-01\x00\x00", "").is_none());
    }
}
