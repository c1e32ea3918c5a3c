//! The bodies of the fuzz targets (`fuzz/`), kept in the library so that `cargo test`
//! replays the seed corpus and every crash found (`fuzz/regressions/`) through the same code.

use std::collections::{BTreeMap, HashSet};

use crate::decode::Localized;
use crate::diagnostics::{self, Diagnostics, Format, Sources};
use crate::input::Input;
use crate::markdown::{self, Names, Source};

/// The inventory loader on arbitrary bytes, then every diagnostic rendered.
pub fn inventory(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = Sources::default();
    let file = sources.add("content/cookies.toml", text);
    let mut diags = Diagnostics::default();
    let locales = vec!["en".to_string(), "fr".to_string()];
    let _ = crate::inventory::load(text, file, &locales, &mut diags);
    // Rendering every diagnostic checks every span against the source.
    let _ = diagnostics::report(&sources, &diags, Format::Human);
    let _ = diagnostics::report(&sources, &diags, Format::Json);
}

/// Front matter, placeholders and prose on arbitrary bytes.
pub fn document(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = Sources::default();
    let file = sources.add("content/en/cookies.md", text);
    let mut diags = Diagnostics::default();
    let offset = crate::content::parse_document(text, file, "en", "cookies", &mut diags)
        .map_or(0, |d| d.body_offset);
    let params = vec![("site".to_string(), Localized::Same("<b>&</b>".to_string()))];
    let reserved: HashSet<String> = ["necessary".to_string()].into_iter().collect();
    for raw_html in [true, false] {
        let names = Names {
            params: &params,
            categories: &["necessary", "stats"],
            reserved: &reserved,
            raw_html,
        };
        let src = Source {
            text,
            offset,
            file,
            locale: "en",
        };
        for block in markdown::render(&src, &names, &mut diags) {
            if let markdown::Block::Html { html, .. } = block {
                assert!(!html.contains("<script"), "a script survived: {html}");
            }
        }
    }
    let _ = diagnostics::report(&sources, &diags, Format::Human);
}

/// The whole pipeline, from in-memory files to HTML. The bytes are split on NUL into
/// site.toml, content/cookies.toml and content/en/cookies.md.
pub fn pipeline(data: &[u8]) {
    let mut parts = data.splitn(3, |b| *b == 0);
    let mut files = BTreeMap::new();
    for name in ["site.toml", "content/cookies.toml", "content/en/cookies.md"] {
        files.insert(name.to_string(), parts.next().unwrap_or_default().to_vec());
    }
    let loaded = crate::site::load(&Input::Memory(files));
    let _ = diagnostics::report(&loaded.sources, &loaded.diags, Format::Json);
    for site in &loaded.sites {
        if let Ok(out) = crate::render::render(site) {
            for f in out {
                assert!(!f.path.contains(".."), "unsafe output path {}", f.path);
            }
        }
    }
}
