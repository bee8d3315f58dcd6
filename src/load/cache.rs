//! Parsed reports kept between runs, so that `check`, `build` and `serve` parse only the
//! reports that changed since the last run (parsing the TOML and the sections was most of
//! loading: 0.6 s of a 10,000-report check).
//!
//! The cache is `<site>/.gongkai/reports.cache` (the loader and the watcher skip names
//! starting with a dot). An entry is found by a 128-bit hash of everything a report's parse
//! depends on: its path, agency, file-name year and text, and the parser itself (its source
//! files and `Cargo.lock`, hashed when the cache is opened), so an edit, a rename or another
//! build of gongkai never reads a stale entry. Only reports read without any diagnostic are
//! kept (a diagnostic's words depend on the language). A file that is absent, damaged (its
//! checksum), from another parser, or reached through a link means an empty cache, and
//! failing to write it is silent: the cache only ever saves time, never decides a figure.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{Xxh3, xxh3_128};

use crate::model::{Acknowledgement, ProseSection, Report, ReportMeta, Span, TableData};

const MAGIC: &[u8; 8] = b"GKCACHE1";
const HEADER: usize = 8 + 16 + 16;
/// The folder, in the site root.
pub const DIR: &str = ".gongkai";
const FILE: &str = "reports.cache";

/// The identity of the parser this binary was built with.
fn parser_id() -> u128 {
    static ID: OnceLock<u128> = OnceLock::new();
    *ID.get_or_init(|| {
        let mut h = Xxh3::new();
        for part in [
            include_str!("cache.rs"),
            include_str!("mod.rs"),
            include_str!("report.rs"),
            include_str!("toml_walk.rs"),
            include_str!("config.rs"),
            include_str!("../model.rs"),
            include_str!("../numtext.rs"),
            include_str!("../format/mod.rs"),
            include_str!("../format/formats.toml"),
            include_str!("../../Cargo.lock"),
        ] {
            h.update(part.as_bytes());
            h.update(&[0]);
        }
        h.digest128()
    })
}

/// The key of a report file's entry.
pub fn key(rel: &str, agency: &str, file_year: Option<i32>, text: &str) -> u128 {
    let mut h = Xxh3::new();
    for part in [rel, agency] {
        h.update(part.as_bytes());
        h.update(&[0]);
    }
    h.update(&file_year.unwrap_or(i32::MIN).to_le_bytes());
    h.update(text.as_bytes());
    h.digest128()
}

/// A report without its text (the text is the file, read anyway).
#[derive(Deserialize)]
struct Entry {
    agency: String,
    year: i32,
    format: usize,
    path: String,
    meta: ReportMeta,
    tables: Vec<TableData>,
    acknowledgements: Vec<Ack>,
    sections: Vec<ProseSection>,
    body_start: usize,
    year_span: Span,
    format_span: Span,
    published_span: Span,
}

/// [`Entry`] borrowed from a report, for writing (the same fields in the same order).
#[derive(Serialize)]
struct EntryRef<'a> {
    agency: &'a str,
    year: i32,
    format: usize,
    path: &'a str,
    meta: &'a ReportMeta,
    tables: &'a [TableData],
    acknowledgements: Vec<Ack>,
    sections: &'a [ProseSection],
    body_start: usize,
    year_span: Span,
    format_span: Span,
    published_span: Span,
}

/// An acknowledgement with its spans (the open-data form leaves them out).
#[derive(Serialize, Deserialize)]
struct Ack {
    check: String,
    at: String,
    note: String,
    span: Span,
    at_span: Span,
}

/// The cache as read: each entry's bytes, decoded when a report asks for it.
#[derive(Default)]
pub struct Cache {
    bytes: Vec<u8>,
    index: HashMap<u128, (usize, usize)>,
}

/// The cache file of a site, unless `.gongkai` is a link (writing through it could reach
/// outside the site).
fn path(root: &Path) -> Option<PathBuf> {
    let dir = root.join(DIR);
    match std::fs::symlink_metadata(&dir) {
        Ok(m) if !m.is_dir() => None,
        _ => Some(dir.join(FILE)),
    }
}

impl Cache {
    /// Reads the site's cache; empty when there is none or it cannot be used.
    pub fn open(root: &Path) -> Cache {
        let Some(bytes) = path(root).and_then(|p| std::fs::read(p).ok()) else {
            return Cache::default();
        };
        Cache::parse(bytes).unwrap_or_default()
    }

    fn parse(bytes: Vec<u8>) -> Option<Cache> {
        let header = bytes.get(..HEADER)?;
        if &header[..8] != MAGIC
            || u128::from_le_bytes(header[8..24].try_into().ok()?) != parser_id()
            || u128::from_le_bytes(header[24..40].try_into().ok()?) != xxh3_128(&bytes[HEADER..])
        {
            return None;
        }
        let mut index = HashMap::new();
        let mut at = HEADER;
        while at < bytes.len() {
            let key = u128::from_le_bytes(bytes.get(at..at + 16)?.try_into().ok()?);
            let len = u32::from_le_bytes(bytes.get(at + 16..at + 20)?.try_into().ok()?) as usize;
            let start = at + 20;
            bytes.get(start..start + len)?;
            index.insert(key, (start, len));
            at = start + len;
        }
        Some(Cache { bytes, index })
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The report of `key`, with `text` as its source; `None` when not cached.
    pub fn get(&self, key: u128, text: &Arc<str>) -> Option<Report> {
        let &(start, len) = self.index.get(&key)?;
        let e: Entry = postcard::from_bytes(&self.bytes[start..start + len]).ok()?;
        // The text decides the entry; a body offset outside it means a damaged entry.
        if e.body_start > text.len() {
            return None;
        }
        Some(Report {
            agency: e.agency,
            year: e.year,
            format: e.format,
            path: e.path,
            source: text.clone(),
            meta: e.meta,
            tables: e.tables,
            acknowledgements: e
                .acknowledgements
                .into_iter()
                .map(|a| Acknowledgement {
                    check: a.check,
                    at: a.at,
                    note: a.note,
                    span: a.span,
                    at_span: a.at_span,
                })
                .collect(),
            sections: e.sections,
            body_start: e.body_start,
            year_span: e.year_span,
            format_span: e.format_span,
            published_span: e.published_span,
        })
    }
}

/// Writes the cache of `entries` (key and report, for every report read without a
/// diagnostic), replacing the file at once; any failure leaves the site as it was.
pub fn save(root: &Path, entries: &[(u128, &Report)]) {
    let Some(file) = path(root) else { return };
    let frames: Vec<(u128, Vec<u8>)> = entries
        .par_iter()
        .filter_map(|&(key, r)| {
            let e = EntryRef {
                agency: &r.agency,
                year: r.year,
                format: r.format,
                path: &r.path,
                meta: &r.meta,
                tables: &r.tables,
                acknowledgements: r
                    .acknowledgements
                    .iter()
                    .map(|a| Ack {
                        check: a.check.clone(),
                        at: a.at.clone(),
                        note: a.note.clone(),
                        span: a.span,
                        at_span: a.at_span,
                    })
                    .collect(),
                sections: &r.sections,
                body_start: r.body_start,
                year_span: r.year_span,
                format_span: r.format_span,
                published_span: r.published_span,
            };
            postcard::to_allocvec(&e).ok().map(|b| (key, b))
        })
        .collect();
    let mut payload = Vec::with_capacity(frames.iter().map(|(_, b)| b.len() + 20).sum());
    for (key, b) in &frames {
        let Ok(len) = u32::try_from(b.len()) else {
            continue;
        };
        payload.extend_from_slice(&key.to_le_bytes());
        payload.extend_from_slice(&len.to_le_bytes());
        payload.extend_from_slice(b);
    }
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&parser_id().to_le_bytes());
    out.extend_from_slice(&xxh3_128(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    let Some(dir) = file.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) else {
        return;
    };
    if std::io::Write::write_all(&mut tmp, &out).is_ok() {
        let _ = tmp.persist(&file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_damaged_file_is_an_empty_cache() {
        assert!(Cache::parse(Vec::new()).is_none());
        assert!(Cache::parse(b"GKCACHE1".to_vec()).is_none());
        let mut good = MAGIC.to_vec();
        good.extend_from_slice(&parser_id().to_le_bytes());
        let mut payload = Vec::new();
        payload.extend_from_slice(&7u128.to_le_bytes());
        payload.extend_from_slice(&3u32.to_le_bytes());
        payload.extend_from_slice(b"abc");
        good.extend_from_slice(&xxh3_128(&payload).to_le_bytes());
        good.extend_from_slice(&payload);
        assert_eq!(Cache::parse(good.clone()).map(|c| c.len()), Some(1));
        // One byte changed anywhere after the header: the checksum refuses it.
        let mut bad = good.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(Cache::parse(bad).is_none());
        // Another parser's file.
        let mut other = good;
        other[8] ^= 1;
        assert!(Cache::parse(other).is_none());
    }

    #[test]
    fn keys_differ_by_every_input() {
        let k = key("content/a/2021.md", "a", Some(2021), "text");
        assert_ne!(k, key("content/b/2021.md", "a", Some(2021), "text"));
        assert_ne!(k, key("content/a/2021.md", "b", Some(2021), "text"));
        assert_ne!(k, key("content/a/2021.md", "a", Some(2022), "text"));
        assert_ne!(k, key("content/a/2021.md", "a", None, "text"));
        assert_ne!(k, key("content/a/2021.md", "a", Some(2021), "text "));
        assert_eq!(k, key("content/a/2021.md", "a", Some(2021), "text"));
    }
}
