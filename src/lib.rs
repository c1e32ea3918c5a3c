//! Clause: a localized cookie-policy website from Markdown prose and a TOML cookie inventory.
//!
//! Data flows one way: load (`site`, `config` with `consent`, `inventory`, `content`, `i18n`,
//! `theme`) → validate (inside each loader, into `diagnostics`) → model (`site::Site`, with
//! prose from `markdown`) → `render` → `output`.

pub mod address;
pub mod audit;
pub mod build;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod consent;
pub mod content;
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
pub mod render;
#[cfg(feature = "scan")]
pub mod scan;
pub mod serve;
pub mod site;
pub mod term;
pub mod text;
pub mod theme;
pub mod versions;
