//! Every diagnostic the product can print, pinned by a tiny site: `tests/diagnostics/` has a
//! folder `<code>-<name>` per code (`C0008-unknown-key`), a site that makes Clause report
//! that problem, with `expected.txt`, the exact stderr of `clause check --root .` run in
//! it (or of the arguments in `args`, one a line). `CLAUSE_BLESS=1` writes `expected.txt`
//! again (review the diff). A code that no tiny site can show is reached by the test named
//! in [`ELSEWHERE`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use clause::diagnostics::{Code, Severity};

use crate::common::{clause, repo};

/// Codes shown by another test instead of a tiny site: (code, the test's file, the test,
/// why).
const ELSEWHERE: &[(Code, &str, &str, &str)] = &[
    (
        Code::UntranslatablePattern,
        "src/inventory/read.rs",
        "a_pattern_the_browser_cannot_be_given_has_its_own_code",
        "the loader refuses first any pattern the browser could not be given: no site reaches it",
    ),
    (
        Code::BlockTooLarge,
        "tests/suite/limits.rs",
        "long_lines_and_wide_html_build_in_linear_time",
        "a block of 200,000 tags is a megabyte of prose",
    ),
    (
        Code::LinkLoop,
        "tests/suite/cli.rs",
        "a_folder_link_loop_in_a_theme_is_named_with_where_it_leads",
        "a link loop committed to the repository would send the tools that walk it round for ever",
    ),
    (
        Code::TooManyFiles,
        "tests/suite/boundary.rs",
        "folder_links_that_multiply_a_folder_stop_at_the_cap_with_one_error",
        "the folder links that multiply a folder would make the tools that walk the repository walk 2^17 paths",
    ),
    (
        Code::StaticTooLarge,
        "tests/suite/boundary.rs",
        "links_that_publish_a_file_many_times_stop_at_a_gibibyte",
        "a site that holds a gibibyte is too large for the repository",
    ),
    (
        Code::UpdatedBeforeHistory,
        "tests/suite/history.rs",
        "last_updated_older_than_the_newest_listed_change_is_a_warning",
        "the history of changes comes from git commits, which a folder of the repository cannot hold",
    ),
    (
        Code::UpdatedInFuture,
        "tests/suite/history.rs",
        "last_updated_in_the_future_or_different_between_languages_is_a_warning",
        "the message names today's date: the test sets it with CLAUSE_TEST_TODAY, which a site's `args` cannot",
    ),
    (
        Code::ConsentTrailer,
        "tests/suite/versions.rs",
        "versions_revisions_and_the_archive_of_a_dozen_commits",
        "a trailer is in a git commit's message, which a folder of the repository cannot hold",
    ),
];

fn sites_dir() -> PathBuf {
    repo().join("tests/diagnostics")
}

/// `UnknownKey` → `unknown-key`.
fn kebab(code: Code) -> String {
    let mut out = String::new();
    for (i, c) in format!("{code:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Every site folder, by the code its name gives.
fn sites() -> BTreeMap<&'static str, PathBuf> {
    let by_code: BTreeMap<&str, Code> = Code::ALL.iter().map(|c| (c.as_str(), *c)).collect();
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(sites_dir()).expect("tests/diagnostics") {
        let path = e.expect("entry").path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let code = name
            .split_once('-')
            .and_then(|(c, _)| by_code.get(c).copied())
            .unwrap_or_else(|| panic!("tests/diagnostics/{name}: not named after a code"));
        assert_eq!(
            name,
            format!("{}-{}", code.as_str(), kebab(code)),
            "a site's folder is named after its code"
        );
        assert!(
            out.insert(code.as_str(), path).is_none(),
            "two sites for {code:?}"
        );
    }
    out
}

/// The codes in the headers of a human report (`error[C0008]: …`).
fn codes_in(stderr: &str) -> BTreeSet<String> {
    stderr
        .lines()
        .filter_map(|l| {
            let rest = l
                .strip_prefix("error[")
                .or_else(|| l.strip_prefix("warning["))?;
            Some(rest.split_once(']')?.0.to_string())
        })
        .collect()
}

#[test]
fn every_diagnostic_site_prints_what_it_expects() {
    let bless = std::env::var_os("CLAUSE_BLESS").is_some_and(|v| v == "1");
    // A message may quote where a link leads: the checkout's own path is not pinned.
    let checkout = repo().canonicalize().expect("repo");
    let checkout = checkout.to_string_lossy();
    let mut failures = Vec::new();
    for (code, dir) in sites() {
        let args = match std::fs::read_to_string(dir.join("args")) {
            Ok(text) => text.lines().map(str::to_string).collect(),
            Err(_) => vec!["check".to_string(), "--root".into(), ".".into()],
        };
        let o = clause()
            .current_dir(&dir)
            .args(&args)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&o.stderr).replace(checkout.as_ref(), "<repo>");
        let name = dir.file_name().unwrap_or_default().to_string_lossy();
        let seen = codes_in(&stderr);
        if seen != BTreeSet::from([code.to_string()]) {
            failures.push(format!(
                "{name}: reports {seen:?}, not {code} alone:\n{stderr}"
            ));
        }
        let severity = Code::ALL
            .iter()
            .find(|c| c.as_str() == code)
            .map(|c| c.severity());
        let status = if severity == Some(Severity::Error) {
            1
        } else {
            0
        };
        if o.status.code() != Some(status) {
            failures.push(format!("{name}: exit status {:?}, not {status}", o.status));
        }
        let expected_path = dir.join("expected.txt");
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if stderr != expected {
            if bless {
                std::fs::write(&expected_path, &stderr).expect("write expected.txt");
            } else {
                failures.push(format!(
                    "{name}: stderr differs from expected.txt (CLAUSE_BLESS=1 writes it):\n--- expected\n{expected}\n--- printed\n{stderr}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_code_is_reached_by_a_site_or_a_named_test() {
    let sites = sites();
    for c in Code::ALL {
        let elsewhere = ELSEWHERE.iter().find(|(e, ..)| e == c);
        match (sites.contains_key(c.as_str()), elsewhere) {
            (true, None) | (false, Some(_)) => {}
            (false, None) => panic!(
                "no site in tests/diagnostics/ shows {} ({c:?}): add `{}-{}/`",
                c.as_str(),
                c.as_str(),
                kebab(*c)
            ),
            (true, Some(_)) => panic!("{c:?} has a site: remove it from ELSEWHERE"),
        }
    }
    // The test named must exist, and check that code (in its file or its snapshots).
    for (code, file, test, _) in ELSEWHERE {
        let source = std::fs::read_to_string(repo().join(file)).unwrap_or_default();
        assert!(
            source.contains(&format!("fn {test}(")),
            "{file} has no test `{test}`"
        );
        let mut texts = vec![source];
        if let Some(module) = file
            .strip_prefix("tests/suite/")
            .and_then(|f| f.strip_suffix(".rs"))
        {
            let snapshots = repo().join("tests/suite/snapshots");
            for e in std::fs::read_dir(&snapshots).expect("snapshots").flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with(&format!("suite__{module}__")) {
                    texts.push(std::fs::read_to_string(e.path()).unwrap_or_default());
                }
            }
        }
        assert!(
            texts
                .iter()
                .any(|t| t.contains(code.as_str()) || t.contains(&format!("Code::{code:?}"))),
            "{file}: `{test}` never checks {code:?}"
        );
    }
}

#[test]
fn codes_in_reads_the_headers_only() {
    let text = "error[C0008]: unknown key\n  = help: see error[C0001]\nwarning[C0046]: w\nerror: 1 error found\n";
    assert_eq!(
        codes_in(text),
        BTreeSet::from(["C0008".to_string(), "C0046".to_string()])
    );
    assert_eq!(kebab(Code::UnknownKey), "unknown-key");
}
