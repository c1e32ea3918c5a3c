//! Fuzz target: see `clause::fuzzing::export`, with `regress` (an ECMAScript regex engine)
//! as the browser.
#![no_main]

use std::collections::HashMap;
use std::rc::Rc;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // Each source is compiled once (regress parses a long class in quadratic time). The
    // check tries every sample name on one entry before the next, so the map is looked up
    // only when the source changes: hashing a source (up to 128 KB of ranges) on every
    // call made a seed take 20 s.
    let mut compiled: HashMap<String, Rc<regress::Regex>> = HashMap::new();
    let mut last: Option<(String, Rc<regress::Regex>)> = None;
    clause::fuzzing::export(data, &mut |source, name| {
        if last.as_ref().is_none_or(|(s, _)| s != source) {
            let re = compiled.entry(source.to_string()).or_insert_with(|| {
                let units = clause::fuzzing::for_regress(source);
                Rc::new(
                    regress::Regex::from_unicode(units.into_iter(), regress::Flags::default())
                        .unwrap_or_else(|e| {
                            panic!("not a JavaScript regular expression: {e}: {source}")
                        }),
                )
            });
            last = Some((source.to_string(), Rc::clone(re)));
        }
        let Some((_, re)) = &last else {
            return false;
        };
        let units: Vec<u16> = name.encode_utf16().collect();
        re.find_from_ucs2(&units, 0).next().is_some()
    });
});
