//! Fuzz target: see `clause::fuzzing::nesting`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clause::fuzzing::nesting(data));
