//! The few git questions Clause asks (an inventory at a revision, the commits that touched
//! a file, with their dates), answered by the `git` program so that Clause sees exactly
//! what the user's git sees (their configuration, safe directories, shallow clones).

use std::path::{Path, PathBuf};
use std::process::Command;

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

    /// Where a site file is inside the repository, for messages.
    pub fn path_of(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }

    /// The commits that changed any of `paths` (relative to the site's folder), newest
    /// first, at most `limit`.
    pub fn log(&self, paths: &[&str], limit: usize) -> Result<Vec<Commit>, GitError> {
        let mut c = git(&self.top);
        c.args([
            "log",
            "--format=%H %cs",
            &format!("--max-count={limit}"),
            "--",
        ]);
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
