//! The integration tests, as one test binary (one link, one place for the shared helpers):
//! a module per area. Each drives the real `clause` binary (or the library) on fixture
//! sites; see the README's "Tests" for what each one covers.

mod common;

mod audit;
mod boundary;
mod browser;
mod cli;
mod consent;
mod diagnostics;
mod diff;
mod documents;
mod export;
mod fuzz_corpus;
mod history;
mod hostile_output;
mod layers;
mod legal;
mod limits;
mod links;
mod messages;
mod parallel;
mod placeholders;
mod platform;
mod properties;
mod prose;
mod publish;
mod render;
mod scan;
mod schemas;
mod serve;
mod versions;
