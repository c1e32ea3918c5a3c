//! Fuzz target: see `clause::fuzzing::document`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clause::fuzzing::document(data));
