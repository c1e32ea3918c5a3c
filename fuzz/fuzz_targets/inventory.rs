//! Fuzz target: see `clause::fuzzing::inventory`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clause::fuzzing::inventory(data));
