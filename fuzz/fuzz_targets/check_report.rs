//! Frontmatter parsing + checking + diagnostic rendering on arbitrary input: must never panic.
#![no_main]

use std::sync::Arc;

use gongkai::diag::{Diagnostics, Sources};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let text: Arc<str> = Arc::from(text);
    let (report, mut diags) = gongkai::load::report::parse_report("f.md", "a", Some(2021), text.clone());
    if let Some(r) = &report {
        diags.extend(gongkai::check::report_findings(r));
        diags.extend(gongkai::check::continuity_findings(r, r));
    }
    let mut sources = Sources::default();
    sources.insert("f.md", text);
    let diags = Diagnostics { items: diags };
    let _ = diags.render(&sources, false);
    let _ = diags.to_json();
});
