//! The PDF reader and the interpreter on arbitrary bytes: a figure is read or
//! left for review, never a panic.
#![no_main]

use gongkai::import::{Kind, Options, interpret::interpret, read_bytes, report_text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = read_bytes(data, Kind::Pdf)
        && let Ok(i) = interpret(&doc, &Options::default())
    {
        let _ = report_text(&i);
    }
});
