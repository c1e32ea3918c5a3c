//! Fuzz target: see `clause::fuzzing::pipeline`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clause::fuzzing::pipeline(data));
