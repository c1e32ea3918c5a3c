//! The layers of `src/`: every module imports from its own layer or a lower one, and no
//! modules import one another in a circle. The layers are written twice for people, in
//! lib.rs's doc comment and in the README's architecture table; this test reads both,
//! checks that they agree with each other and with the modules lib.rs declares, then reads
//! every `crate::…` path of `src/` as Rust tokens (comments and strings are not paths).
//! Unit tests (`#[cfg(test)]` items) are left out: a test may load a whole site to check a
//! low module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

use crate::common::repo;

/// Module → layer, from lib.rs's doc lines `//! 2. site: `theme`, `site`, …`.
fn layers_in_lib_doc(lib: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for line in lib.lines().filter_map(|l| l.strip_prefix("//! ")) {
        let Some((n, rest)) = line.split_once(". ") else {
            continue;
        };
        let Ok(n) = n.parse::<usize>() else { continue };
        let Some((_, names)) = rest.split_once(':') else {
            continue;
        };
        for name in ticked(names) {
            out.insert(name, n);
        }
    }
    out
}

/// Module → layer, from the README's architecture table: `| `site` | … | 2 site |`.
fn layers_in_readme(readme: &str) -> BTreeMap<String, usize> {
    let section = readme
        .split("\n## Architecture\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap_or_default();
    let mut out = BTreeMap::new();
    for row in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        let (Some(module), Some(layer)) = (cells.first(), cells.last()) else {
            continue;
        };
        let layer = layer
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or_else(|| panic!("README architecture row without a layer: {row}"));
        for name in ticked(module) {
            out.insert(name, layer);
        }
    }
    out
}

/// The `names` between backticks.
fn ticked(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The modules lib.rs declares (`pub mod x;`).
fn declared_modules(lib: &str) -> BTreeSet<String> {
    lib.lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l
                .strip_prefix("pub mod ")
                .or_else(|| l.strip_prefix("mod "))?;
            Some(rest.trim_end_matches(';').to_string())
        })
        .collect()
}

/// The top-level modules a file's code names through `crate::` (unit tests left out).
fn imports(tokens: TokenStream) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    walk(tokens, &mut out);
    out
}

fn walk(tokens: TokenStream, out: &mut BTreeSet<String>) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < trees.len() {
        // `#[cfg(test)]`: skip the attribute and the item it is on.
        if is_cfg_test(&trees, i) {
            i += 2;
            while i < trees.len() {
                match &trees[i] {
                    TokenTree::Punct(p) if p.as_char() == ';' => break,
                    TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => break,
                    _ => i += 1,
                }
            }
            i += 1;
            continue;
        }
        match &trees[i] {
            TokenTree::Ident(id) if id == "crate" && is_path_sep(&trees, i + 1) => {
                match trees.get(i + 3) {
                    Some(TokenTree::Ident(m)) => {
                        out.insert(m.to_string());
                    }
                    // `use crate::{a, b::c}`: the first name of each path.
                    Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
                        let mut first = true;
                        for t in g.stream() {
                            match &t {
                                TokenTree::Ident(m) if first => {
                                    if m != "self" {
                                        out.insert(m.to_string());
                                    }
                                    first = false;
                                }
                                TokenTree::Punct(p) if p.as_char() == ',' => first = true,
                                TokenTree::Group(_) => first = false,
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                }
                i += 3;
            }
            TokenTree::Group(g) => {
                walk(g.stream(), out);
                i += 1;
            }
            _ => i += 1,
        }
    }
}

fn is_path_sep(trees: &[TokenTree], i: usize) -> bool {
    matches!((trees.get(i), trees.get(i + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':')
}

fn is_cfg_test(trees: &[TokenTree], i: usize) -> bool {
    match (trees.get(i), trees.get(i + 1)) {
        (Some(TokenTree::Punct(p)), Some(TokenTree::Group(g)))
            if p.as_char() == '#' && g.delimiter() == Delimiter::Bracket =>
        {
            g.stream().to_string().replace(' ', "") == "cfg(test)"
        }
        _ => false,
    }
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("src").flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Module → the modules it imports, for every module of `src/`.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = repo().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&src).expect("inside src");
        let first = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        let module = first.trim_end_matches(".rs").to_string();
        // The crate root declares the modules; the binary reaches the library as `clause::`.
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&f).expect("read");
        let tokens = TokenStream::from_str(&text).expect("Rust tokens");
        let entry = graph.entry(module.clone()).or_default();
        entry.extend(imports(tokens).into_iter().filter(|m| *m != module));
    }
    graph
}

/// A circle of imports, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut cycle = path[at..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|m| visit(m, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_layers_are_written_down_the_same_in_lib_rs_and_the_readme() {
    let lib = std::fs::read_to_string(repo().join("src/lib.rs")).expect("lib.rs");
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README");
    let in_lib = layers_in_lib_doc(&lib);
    let declared = declared_modules(&lib);
    assert_eq!(
        in_lib.keys().cloned().collect::<BTreeSet<_>>(),
        declared,
        "lib.rs's doc comment gives a layer to every module lib.rs declares, and to no other"
    );
    assert_eq!(
        layers_in_readme(&readme),
        in_lib,
        "the README's architecture table gives each module the layer of lib.rs's doc comment"
    );
}

#[test]
fn no_module_imports_from_a_higher_layer_or_in_a_circle() {
    let lib = std::fs::read_to_string(repo().join("src/lib.rs")).expect("lib.rs");
    let layer = layers_in_lib_doc(&lib);
    let graph = graph();
    let mut upward = Vec::new();
    for (from, tos) in &graph {
        let Some(&lf) = layer.get(from) else {
            panic!("`{from}` has no layer in lib.rs's doc comment");
        };
        for to in tos {
            match layer.get(to) {
                Some(&lt) if lt > lf => {
                    upward.push(format!("`{from}` (layer {lf}) imports `{to}` (layer {lt})"))
                }
                Some(_) => {}
                None => panic!("`{from}` imports `crate::{to}`, which has no layer"),
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports from a higher layer:\n{}",
        upward.join("\n")
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "modules import one another in a circle: {}",
            cycle.join(" → ")
        );
    }
}

#[test]
fn the_reader_finds_every_kind_of_crate_path_and_skips_unit_tests() {
    let source = r#"
        //! Not a path: crate::docs
        use crate::a::X;
        use crate::{b, c::{D, E}, self as _};
        fn f() { let _ = crate::d::g(); let s = "crate::strings"; }
        #[cfg(test)]
        mod tests { use crate::tested::T; }
        #[cfg(test)]
        use crate::also_tested;
        pub fn h() -> crate::e::T { todo!() }
    "#;
    let found = imports(TokenStream::from_str(source).expect("tokens"));
    let expected: BTreeSet<String> = ["a", "b", "c", "d", "e"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(found, expected);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("x".into()).or_default().insert("y".into());
    g.entry("y".into()).or_default().insert("z".into());
    assert_eq!(find_cycle(&g), None);
    g.entry("z".into()).or_default().insert("x".into());
    assert_eq!(
        find_cycle(&g),
        Some(vec!["x".into(), "y".into(), "z".into(), "x".into()])
    );
}
