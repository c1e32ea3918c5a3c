//! Fuzz target: see `clause::fuzzing::export`, with `regress` (an ECMAScript regex engine)
//! as the browser.
#![no_main]

use std::collections::HashMap;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut cache: HashMap<String, regress::Regex> = HashMap::new();
    clause::fuzzing::export(data, &mut |source, name| {
        let re = cache.entry(source.to_string()).or_insert_with(|| {
            let units = clause::fuzzing::for_regress(source);
            regress::Regex::from_unicode(units.into_iter(), regress::Flags::default())
                .unwrap_or_else(|e| panic!("not a JavaScript regular expression: {e}: {source}"))
        });
        let units: Vec<u16> = name.encode_utf16().collect();
        re.find_from_ucs2(&units, 0).next().is_some()
    });
});
