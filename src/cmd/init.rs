//! `clause init <dir>`: a new site that builds as it is, in one locale.

use std::fs;

use crate::cli::InitArgs;
use crate::escape::terminal::show;
use crate::term::{status, Exit};

/// The starter site's files: path and contents.
pub const STARTER: [(&str, &str); 3] = [
    ("site.toml", include_str!("starter/site.toml")),
    ("content/cookies.toml", include_str!("starter/cookies.toml")),
    ("content/en/cookies.md", include_str!("starter/cookies.md")),
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

/// Runs the command.
pub fn run(args: &InitArgs) -> Exit {
    let dir = args.dir.as_path();
    if let Ok(mut entries) = fs::read_dir(dir) {
        if entries.next().is_some() {
            status(&format!(
                "error: `{}` already exists and is not empty\n  = help: give the name of a new folder, e.g. `clause init my-policy`",
                show(&dir.display().to_string())
            ));
            return Exit::Problems;
        }
    } else if dir.exists() {
        status(&format!(
            "error: `{}` exists and is not a folder\n  = help: give the name of a new folder",
            show(&dir.display().to_string())
        ));
        return Exit::Problems;
    }
    for (path, text) in STARTER.into_iter().chain(SCHEMAS) {
        let target = dir.join(path);
        let written = target
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|()| fs::write(&target, text));
        if let Err(e) = written {
            status(&format!(
                "error: cannot write `{}`: {}",
                show(&target.display().to_string()),
                show(&e.to_string())
            ));
            return Exit::Problems;
        }
    }
    status(&format!(
        "created a new site in {0}\nnext: edit {0}/content/cookies.toml and {0}/content/en/cookies.md, then run `clause build --root {0}`",
        show(&dir.display().to_string())
    ));
    Exit::Success
}
