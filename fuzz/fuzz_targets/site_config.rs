//! site.toml parsing and its diagnostics on arbitrary input: must never panic.
#![no_main]

use std::sync::Arc;

use gongkai::diag::{Diagnostics, Sources};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (_, diags) = gongkai::load::config::parse_site("site.toml", text);
    let mut sources = Sources::default();
    sources.insert("site.toml", Arc::from(text));
    let diags = Diagnostics { items: diags };
    let _ = diags.render(&sources, false);
    let _ = diags.to_json();
});
