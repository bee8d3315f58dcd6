//! gongkai: a static site generator for archives of 政府信息公开工作年度报告.
//!
//! Data flows one way: [`load`] (files → [`model`]) → [`check`] (diagnostics) → derive →
//! render → write. The official formats are data, described once in [`format`].

#[macro_use]
pub mod i18n;
#[macro_use]
pub mod term;
pub mod author;
pub mod build;
pub mod check;
pub mod cli;
pub mod cmd;
pub mod derive;
pub mod diag;
pub mod format;
pub mod import;
pub mod incremental;
pub mod load;
pub mod model;
pub mod numtext;
pub mod output;
pub mod render;
pub mod serve;
pub mod synth;
pub mod watch;
