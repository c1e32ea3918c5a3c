//! A list of known cookies in the Open Cookie Database's CSV layout, to propose a
//! platform, category and description for undeclared cookies. Nothing of that database is
//! shipped: the user gives the file.

use std::path::Path;

use serde::Serialize;

use super::InputError;

/// What the list says of one cookie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Known {
    /// Platform, e.g. "Google Analytics".
    pub platform: String,
    /// Category, e.g. "Analytics".
    pub category: String,
    /// Description.
    pub description: String,
    /// Retention period as the list states it.
    pub retention: String,
    /// The list it comes from (file name).
    pub source: String,
}

struct Entry {
    name: String,
    wildcard: bool,
    known: Known,
}

/// A loaded list.
pub struct KnownList {
    entries: Vec<Entry>,
}

const COLUMNS: [&str; 6] = [
    "Platform",
    "Category",
    "Cookie / Data Key name",
    "Description",
    "Retention period",
    "Wildcard match",
];

impl KnownList {
    /// Reads a CSV with the Open Cookie Database's header row.
    pub fn load(path: &Path, name: &str) -> Result<KnownList, InputError> {
        let malformed = |line: usize, message: String| {
            InputError::Malformed {
            file: name.to_string(),
            line,
            column: None,
            message,
            help: "use a CSV with the Open Cookie Database's header row: ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match",
        }
        };
        let mut r = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(path)
            .map_err(|e| InputError::Io {
                file: name.to_string(),
                source: std::io::Error::other(e.to_string()),
            })?;
        let headers = r
            .headers()
            .map_err(|e| malformed(1, e.to_string()))?
            .clone();
        let mut idx = [0usize; 6];
        for (i, col) in COLUMNS.iter().enumerate() {
            idx[i] = headers
                .iter()
                .position(|h| h.trim().trim_start_matches('\u{feff}') == *col)
                .ok_or_else(|| {
                    malformed(
                        1,
                        format!("the header row has no `{col}` column (expected the Open Cookie Database layout)"),
                    )
                })?;
        }
        let mut entries = Vec::new();
        for (i, rec) in r.records().enumerate() {
            let rec = rec.map_err(|e| malformed(i + 2, e.to_string()))?;
            let get = |k: usize| rec.get(idx[k]).unwrap_or("").trim().to_string();
            let name = get(2);
            if name.is_empty() {
                continue;
            }
            entries.push(Entry {
                name,
                wildcard: get(5) == "1",
                known: Known {
                    platform: get(0),
                    category: get(1),
                    description: get(3),
                    retention: get(4),
                    source: name_of(path),
                },
            });
        }
        Ok(KnownList { entries })
    }

    /// The entry for a name: an exact one first, then the longest wildcard (prefix) one.
    pub fn find(&self, name: &str) -> Option<Known> {
        if let Some(e) = self.entries.iter().find(|e| !e.wildcard && e.name == name) {
            return Some(e.known.clone());
        }
        self.entries
            .iter()
            .filter(|e| e.wildcard && name.starts_with(&e.name))
            .max_by_key(|e| e.name.len())
            .map(|e| e.known.clone())
    }
}

fn name_of(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
