//! The starter site of `clause init`: three files that build as they are, in one locale,
//! and the JSON Schemas they point at, written into a new folder.

use std::fs;
use std::path::{Path, PathBuf};

/// The starter site's files: path and contents.
pub const STARTER: [(&str, &str); 3] = [
    ("site.toml", include_str!("site.toml")),
    ("content/cookies.toml", include_str!("cookies.toml")),
    ("content/en/cookies.md", include_str!("cookies.md")),
];

/// The JSON Schemas of the input files, written into the new site so that editors (Even
/// Better TOML) complete and check offline: the starter files point at them with `#:schema`.
pub const SCHEMAS: [(&str, &str); 5] = [
    (
        ".clause/schemas/site.schema.json",
        include_str!("../../schema/site.schema.json"),
    ),
    (
        ".clause/schemas/inventory.schema.json",
        include_str!("../../schema/inventory.schema.json"),
    ),
    (
        ".clause/schemas/overlay.schema.json",
        include_str!("../../schema/overlay.schema.json"),
    ),
    (
        ".clause/schemas/sites.schema.json",
        include_str!("../../schema/sites.schema.json"),
    ),
    (
        ".clause/schemas/front-matter.schema.json",
        include_str!("../../schema/front-matter.schema.json"),
    ),
];

/// Why a starter site was not written.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// The folder holds something: nothing of the user's is ever overwritten.
    #[error("`{}` already exists and is not empty", .0.display())]
    NotEmpty(PathBuf),
    /// A file, not a folder.
    #[error("`{}` exists and is not a folder", .0.display())]
    NotAFolder(PathBuf),
    /// A file could not be written.
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl InitError {
    /// How to fix it; `None` when the message says all there is.
    pub fn help(&self) -> Option<&'static str> {
        match self {
            InitError::NotEmpty(_) => {
                Some("give the name of a new folder, e.g. `clause init my-policy`")
            }
            InitError::NotAFolder(_) => Some("give the name of a new folder"),
            InitError::Write { .. } => None,
        }
    }
}

/// Writes the starter site and its schemas into `dir`, which must not exist or be empty.
pub fn create(dir: &Path) -> Result<(), InitError> {
    if let Ok(mut entries) = fs::read_dir(dir) {
        if entries.next().is_some() {
            return Err(InitError::NotEmpty(dir.to_path_buf()));
        }
    } else if fs::symlink_metadata(dir).is_ok() {
        // A file, or a link to nothing: never written through.
        return Err(InitError::NotAFolder(dir.to_path_buf()));
    }
    for (path, text) in STARTER.into_iter().chain(SCHEMAS) {
        let target = dir.join(path);
        target
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|()| fs::write(&target, text))
            .map_err(|source| InitError::Write {
                path: target,
                source,
            })?;
    }
    Ok(())
}
