//! Clause: a localized cookie-policy website from Markdown prose and a TOML cookie inventory.
//!
//! Data flows one way: load (`site`, `config` with `consent`, `inventory`, `content`, `i18n`,
//! `theme`) → validate (inside each loader, into `diagnostics`) → model (`site::Site`, with
//! prose from `markdown`) → `render` → `output`.
//!
//! The modules are in layers, lowest first. A module imports from its own layer or a lower
//! one, never from a higher one, and no modules import one another in a circle (the README's
//! architecture table says the same; `tests/suite/layers.rs` checks both):
//!
//! 0. foundations: `text`, `escape`, `diagnostics`, `input`, `layout`, `dom`, `jsregex`, `address`, `date`
//! 1. reading and the model: `decode`, `i18n`, `config`, `consent`, `inventory`, `content`, `markdown`, `platform`, `legal`, `git`
//! 2. checks across files: `diff`, `history`, `links`
//! 3. the site: `theme`, `record`, `site`, `fingerprint`, `versions`
//! 4. what is made from a site: `render`, `export`, `audit`
//! 5. effects on the world: `output`, `serve`, `scan`, `starter`
//! 6. drivers: `build`, `fuzzing`
//! 7. commands: `cmd`, `term`
//! 8. the command line: `cli`

pub mod address;
pub mod audit;
pub mod build;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod consent;
pub mod content;
pub mod date;
pub mod decode;
pub mod diagnostics;
pub mod diff;
pub mod dom;
pub mod escape;
pub mod export;
pub mod fingerprint;
#[doc(hidden)]
pub mod fuzzing;
pub mod git;
pub mod history;
pub mod i18n;
pub mod input;
pub mod inventory;
pub mod jsregex;
pub mod layout;
pub mod legal;
pub mod links;
pub mod markdown;
pub mod output;
pub mod platform;
pub mod record;
pub mod render;
#[cfg(feature = "scan")]
pub mod scan;
pub mod serve;
pub mod site;
pub mod starter;
pub mod term;
pub mod text;
pub mod theme;
pub mod versions;
