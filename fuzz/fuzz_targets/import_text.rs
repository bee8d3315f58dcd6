//! The importer's readers and interpreter (web page, Word text, .docx) on arbitrary input: a
//! figure is read or left for review, never a panic.
#![no_main]

use gongkai::import::{Kind, Options, interpret::interpret, read_bytes, report_text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = Options::default();
    for kind in [Kind::Html, Kind::Text, Kind::Docx] {
        if let Ok(doc) = read_bytes(data, kind) {
            if let Ok(i) = interpret(&doc, &opts) {
                let _ = report_text(&i);
            }
        }
    }
});
