//! Replays the fuzzers' seed corpus and every crash they found (`fuzz/regressions/<target>/`)
//! through the same code as the fuzz targets, in an ordinary test run.

mod common;

use std::fs;
use std::path::Path;

fn replay(target: &str, mut run: impl FnMut(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut count = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            if p.file_name().is_some_and(|n| n == ".gitkeep") {
                continue;
            }
            let data = fs::read(&p).expect("readable");
            run(&data);
            count += 1;
        }
    }
    count
}

#[test]
fn inventory_corpus() {
    assert!(replay("inventory", clause::fuzzing::inventory) >= 4);
}

#[test]
fn document_corpus() {
    assert!(replay("document", clause::fuzzing::document) >= 4);
}

#[test]
fn nesting_corpus() {
    assert!(replay("nesting", clause::fuzzing::nesting) >= 10);
}

#[test]
fn pipeline_corpus() {
    assert!(replay("pipeline", clause::fuzzing::pipeline) >= 3);
}

#[test]
fn export_corpus() {
    let mut cache = std::collections::HashMap::new();
    let mut checked = 0;
    let count = replay("export", |data| {
        let mut js =
            |source: &str, name: &str| common::patterns::regress_matches(&mut cache, source, name);
        checked += usize::from(clause::fuzzing::export(data, &mut js));
    });
    assert!(count >= 3);
    // The seeds are inventories that load: their exports are checked, not skipped.
    assert!(checked >= 3, "{checked} of {count} checked");
}
