//! The full-text search index: a sharded character-bigram inverted index, queried entirely
//! in the browser (`static/search.js`).
//!
//! Why bigrams: every run of two or more characters (Chinese, Latin, digits, punctuation
//! alike) is found by construction, so index and query can never segment differently (the
//! failure reported for Pagefind's CJK mode), and it costs no dictionary and no extra crates.
//! A query's terms are split into bigrams; the browser loads only the shards holding those
//! bigrams (shard = FNV-1a of the two code points, the same in Rust and JavaScript),
//! intersects the posting lists, then fetches the candidate documents to confirm each term
//! appears contiguously and to cut a snippet.
//!
//! Files are JavaScript (`gk.shard(…)`) rather than JSON so the search also works from disk
//! (file:// forbids `fetch`), and on any static server.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::collections::hash_map::Entry;
use std::fmt::Write as _;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::{Archive, Sink, urls};
use crate::format::formats;

/// Documents per file under `search/docs/`.
pub const DOCS_PER_CHUNK: usize = 8;

/// Normalization shared with search.js: full-width ASCII to half-width, ASCII lower-case.
pub fn normalize_char(c: char) -> char {
    let u = c as u32;
    let c = if (0xFF01..=0xFF5E).contains(&u) {
        char::from_u32(u - 0xFEE0).unwrap_or(c)
    } else if u == 0x3000 {
        ' '
    } else {
        c
    };
    c.to_ascii_lowercase()
}

/// The characters that are indexed: normalized, whitespace removed.
pub fn indexed_chars(text: &str) -> Vec<char> {
    text.chars()
        .map(normalize_char)
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Documents containing a bigram: in the prose, and in the metadata.
#[derive(Default, Debug, PartialEq)]
struct Postings {
    body: Vec<u32>,
    meta: Vec<u32>,
}

fn pack(a: char, b: char) -> u64 {
    ((a as u64) << 32) | b as u64
}

/// Sorted, distinct bigrams of a text.
pub fn bigrams(text: &str) -> Vec<u64> {
    bigrams_of([text])
}

/// Sorted, distinct bigrams of texts read one after the other (whitespace between them is
/// not indexed, so this is the bigrams of their concatenation), without joining them or
/// collecting their characters first.
pub fn bigrams_of<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<u64> {
    thread_local! {
        // Prose repeats most of its bigrams: dropping repeats in a hash set first leaves far
        // fewer to sort (sorting every window was a tenth of the search stage). One set per
        // thread, emptied for each text, instead of one allocated per document.
        static SEEN: std::cell::RefCell<FxHashSet<u64>> = Default::default();
    }
    SEEN.with_borrow_mut(|seen| {
        seen.clear();
        let mut out = Vec::new();
        let mut prev: Option<char> = None;
        for text in texts {
            for c in text.chars().map(normalize_char) {
                if c.is_whitespace() {
                    continue;
                }
                if let Some(p) = prev {
                    let g = pack(p, c);
                    if seen.insert(g) {
                        out.push(g);
                    }
                }
                prev = Some(c);
            }
        }
        out.sort_unstable();
        out
    })
}

/// FNV-1a over the two code points (as search.js computes it).
pub fn shard_of(bigram: u64, shards: u32) -> u32 {
    let mut h: u32 = 0x811C_9DC5;
    for cp in [(bigram >> 32) as u32, bigram as u32] {
        h ^= cp;
        h = h.wrapping_mul(16_777_619);
    }
    h % shards
}

/// One searchable document (a report).
struct Doc {
    title: String,
    agency: String,
    year: i32,
    level: &'static str,
    url: String,
    /// Title, agency names and region.
    meta: String,
    /// (section position 1–6 or 0 for text before the first section, heading)
    sections: Vec<(usize, String)>,
    /// Plain text of each section, shared with the archive.
    texts: Vec<String>,
}

/// Report indices in document order: newest year first, then agency display order. Results
/// are listed newest first, so the documents of a query's first page of results sit in few
/// chunks and the first query downloads little.
pub fn doc_order(archive: &Archive<'_>) -> Vec<usize> {
    archive.by_year.values().rev().flatten().copied().collect()
}

/// Report `i`'s document; an error when its prose cannot be read back (the message names
/// the file).
fn doc(archive: &Archive<'_>, i: usize) -> Result<Doc, String> {
    let f = formats();
    let r = archive.report(i);
    let a = archive.agency(&r.agency);
    let name = a.map_or(r.agency.clone(), |a| a.name.clone());
    let title = r.title(&name);
    let meta = [
        title.as_str(),
        &name,
        a.map_or("", |a| a.short()),
        a.and_then(|a| a.region.as_deref()).unwrap_or(""),
        r.meta.agency_name.as_deref().unwrap_or(""),
    ]
    .join(" ");
    let sections = r
        .sections
        .iter()
        .map(|s| {
            let pos = s
                .num
                .as_ref()
                .and_then(|n| f.sections.iter().position(|x| &x.num == n))
                .map_or(0, |p| p + 1);
            (pos, s.heading.clone())
        })
        .collect();
    Ok(Doc {
        title,
        agency: a.map_or(r.agency.clone(), |a| a.short().to_string()),
        year: r.year,
        level: a.map_or("", |a| a.level.key()),
        url: urls::report(&r.agency, r.year),
        meta,
        sections,
        texts: archive.section_texts(i).map_err(|d| d.message)?,
    })
}

fn grams_of(d: &Doc) -> (Vec<u64>, Vec<u64>) {
    (
        bigrams_of(d.texts.iter().map(String::as_str)),
        bigrams(&d.meta),
    )
}

/// Base-36 deltas, comma-separated: compact and cheap to decode in JavaScript.
fn encode(ids: &[u32]) -> String {
    let mut out = String::new();
    encode_after(&mut out, &mut None, ids);
    out
}

/// Appends ascending `ids` to a list encoded by [`encode`] whose last id is `last`.
fn encode_after(out: &mut String, last: &mut Option<u32>, ids: &[u32]) {
    for &id in ids {
        let prev = match *last {
            Some(l) => {
                out.push(',');
                l
            }
            None => 0,
        };
        *last = Some(id);
        let mut d = id - prev;
        // Digits from the right; a u32 has at most 7 base-36 digits.
        let mut buf = [0u8; 8];
        let mut at = buf.len();
        loop {
            at -= 1;
            buf[at] = b"0123456789abcdefghijklmnopqrstuvwxyz"[(d % 36) as usize];
            d /= 36;
            if d == 0 {
                break;
            }
        }
        out.push_str(std::str::from_utf8(&buf[at..]).unwrap_or("0"));
    }
}

/// A bigram's posting lists as the shard file writes them, built batch after batch from the
/// [`Spill`].
#[derive(Default)]
struct Encoded {
    body: String,
    body_last: Option<u32>,
    meta: String,
    meta_last: Option<u32>,
}

/// Buckets the spilled lists are sorted by: the shard count, a power of two up to this one, is
/// known only once every run is posted, and each shard is then a union of whole buckets.
const SPILL_BUCKETS: u32 = MAX_SHARDS;

/// The posting lists of the batches posted so far, written to a temporary file batch by
/// batch and read back shard by shard: a build holds one batch's lists, not the archive's
/// (tens of millions of postings at a national scale; held as encoded text, they were the
/// largest part of a 50,000-report build's memory after the reports).
struct Spill {
    file: tempfile::NamedTempFile,
    /// Per batch, where each bucket's records start, and where the batch ends.
    batches: Vec<Vec<u64>>,
    written: u64,
    /// Every bigram seen, for the shard count.
    bigrams: FxHashSet<u64>,
}

impl Spill {
    fn new() -> Result<Spill, String> {
        let file = tempfile::NamedTempFile::new().map_err(spill_error)?;
        Ok(Spill {
            file,
            batches: Vec::new(),
            written: 0,
            bigrams: FxHashSet::default(),
        })
    }

    /// Writes one batch's lists (ids ascending, every id after the previous batch's), sorted
    /// by bucket, each record `bigram` then per list `n` and, when `n > 0`, `first`, `last`,
    /// the length and the text of the later ids as the shard writes them (`,` and base-36
    /// deltas): read back, a list is appended by encoding one delta and copying the rest.
    fn push(&mut self, postings: FxHashMap<u64, Postings>) -> Result<(), String> {
        use std::io::Write as _;
        let mut keyed: Vec<(u32, u64, Postings)> = postings
            .into_iter()
            .map(|(g, p)| (shard_of(g, SPILL_BUCKETS), g, p))
            .collect();
        keyed.sort_unstable_by_key(|(b, g, _)| (*b, *g));
        let mut out = Vec::new();
        let mut starts = Vec::with_capacity(SPILL_BUCKETS as usize + 1);
        let mut rest = String::new();
        let mut k = 0;
        for bucket in 0..SPILL_BUCKETS {
            starts.push(self.written + out.len() as u64);
            while let Some((_, g, p)) = keyed.get(k).filter(|(b, _, _)| *b == bucket) {
                self.bigrams.insert(*g);
                out.extend_from_slice(&g.to_le_bytes());
                for ids in [&p.body, &p.meta] {
                    leb128(&mut out, ids.len() as u64);
                    let (Some(&first), Some(&last)) = (ids.first(), ids.last()) else {
                        continue;
                    };
                    rest.clear();
                    encode_after(&mut rest, &mut Some(first), &ids[1..]);
                    for v in [first, last] {
                        leb128(&mut out, u64::from(v));
                    }
                    leb128(&mut out, rest.len() as u64);
                    out.extend_from_slice(rest.as_bytes());
                }
                k += 1;
            }
        }
        starts.push(self.written + out.len() as u64);
        self.file.write_all(&out).map_err(spill_error)?;
        self.written += out.len() as u64;
        self.batches.push(starts);
        Ok(())
    }

    /// The lists of shard `n` of `shards`, every batch's appended in batch order.
    fn shard(&self, n: u32, shards: u32) -> Result<FxHashMap<u64, Encoded>, String> {
        use std::io::{Read as _, Seek as _, SeekFrom};
        let damaged = || spill_error(std::io::ErrorKind::InvalidData.into());
        let mut f = std::fs::File::open(self.file.path()).map_err(spill_error)?;
        let mut lists: FxHashMap<u64, Encoded> = FxHashMap::default();
        let mut buf = Vec::new();
        for starts in &self.batches {
            for b in (n as usize..SPILL_BUCKETS as usize).step_by(shards as usize) {
                let (start, end) = (starts[b], starts[b + 1]);
                if start == end {
                    continue;
                }
                buf.resize((end - start) as usize, 0);
                f.seek(SeekFrom::Start(start)).map_err(spill_error)?;
                f.read_exact(&mut buf).map_err(spill_error)?;
                let mut at = 0;
                while at < buf.len() {
                    let g = buf
                        .get(at..at + 8)
                        .and_then(|b| b.try_into().ok())
                        .map(u64::from_le_bytes)
                        .ok_or_else(damaged)?;
                    at += 8;
                    let e = lists.entry(g).or_default();
                    for (text, last) in [
                        (&mut e.body, &mut e.body_last),
                        (&mut e.meta, &mut e.meta_last),
                    ] {
                        if read_leb128(&buf, &mut at) == 0 {
                            continue;
                        }
                        let mut id = || u32::try_from(read_leb128(&buf, &mut at)).ok();
                        let (first, new_last) = id().zip(id()).ok_or_else(damaged)?;
                        encode_after(text, last, &[first]);
                        *last = Some(new_last);
                        let len = read_leb128(&buf, &mut at) as usize;
                        let rest = buf
                            .get(at..at.saturating_add(len))
                            .and_then(|b| std::str::from_utf8(b).ok())
                            .ok_or_else(damaged)?;
                        text.push_str(rest);
                        at += len;
                    }
                }
            }
        }
        Ok(lists)
    }
}

fn spill_error(e: std::io::Error) -> String {
    t!(
        "output.search_spill",
        path = std::env::temp_dir().display(),
        error = e
    )
}

/// Appends `v` as unsigned LEB128.
fn leb128(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Reads an unsigned LEB128 at `at`, moving past it (0 past the end: the file is ours).
fn read_leb128(buf: &[u8], at: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    while let Some(&byte) = buf.get(*at) {
        *at += 1;
        if shift < 64 {
            v |= u64::from(byte & 0x7f) << shift;
        }
        shift += 7;
        if byte & 0x80 == 0 {
            break;
        }
    }
    v
}

fn js_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_js_string(&mut out, s);
    out
}

/// Appends `s` as a JSON string literal (escaped exactly as serde_json does), with `</`
/// written `<\/` so a file can never close a <script> element if inlined. JSON string
/// literals are valid JavaScript. Documents are most of the index: escaping in place saves
/// a copy and a second pass of every text.
fn push_js_string(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0C => "\\f",
            0x00..=0x1F => "",
            b'/' if i > 0 && bytes[i - 1] == b'<' => "\\/",
            _ => continue,
        };
        // Every byte matched above is ASCII, so these are character boundaries.
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            let _ = write!(out, "\\u{:04x}", b);
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Sizes of the written index, for the build summary and benchmarks (and kept between
/// builds: see [`patch`]).
#[derive(Debug, Default, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct IndexStats {
    /// Files written (manifest, shards, document chunks).
    pub files: usize,
    pub docs: usize,
    pub shards: u32,
    pub bigrams: usize,
    pub postings: usize,
    pub index_bytes: usize,
    pub doc_bytes: usize,
    pub manifest_bytes: usize,
}

/// The index in memory, so watch mode can update one document and rewrite only the files
/// it touches.
pub struct SearchIndex {
    /// Report index of each document.
    pub order: Vec<usize>,
    docs: Vec<Doc>,
    postings: FxHashMap<u64, Postings>,
    total: usize,
    shards: u32,
}

/// What an update touched.
#[derive(Debug, Default)]
pub struct Touched {
    pub shards: Vec<u32>,
    pub chunks: Vec<usize>,
    pub manifest: bool,
    /// The shard count changed: every shard must be rewritten.
    pub all: bool,
}

/// Documents per parallel run of posting (see [`post`]).
const POSTING_RUN: usize = 1024;

/// The posting list of every bigram of `docs` (document ids are positions in `docs`), and
/// the number of postings. Built per run of `run` documents in parallel, then appended run
/// after run, so each list stays in ascending id order. A document's bigrams are dropped as
/// soon as they are posted (all of them at once were a few hundred MB at 50,000 reports); an
/// update recomputes the old document's from its text.
fn post(docs: &[Doc], run: usize) -> (FxHashMap<u64, Postings>, usize) {
    merge(
        docs.par_chunks(run)
            .enumerate()
            .map(|(n, chunk)| post_run(chunk, n * run))
            .collect(),
    )
}

/// The postings of one run of documents whose ids start at `first`.
fn post_run(docs: &[Doc], first: usize) -> (FxHashMap<u64, Postings>, usize) {
    let mut postings: FxHashMap<u64, Postings> = FxHashMap::default();
    let mut total = 0;
    for (k, d) in docs.iter().enumerate() {
        let id = (first + k) as u32;
        let (body, meta) = grams_of(d);
        for g in &body {
            postings.entry(*g).or_default().body.push(id);
        }
        for g in &meta {
            postings.entry(*g).or_default().meta.push(id);
        }
        total += body.len() + meta.len();
    }
    (postings, total)
}

/// Appends the runs' postings in run order, so each list stays in ascending id order.
fn merge(runs: Vec<(FxHashMap<u64, Postings>, usize)>) -> (FxHashMap<u64, Postings>, usize) {
    let mut postings: FxHashMap<u64, Postings> = FxHashMap::default();
    let mut total = 0;
    for (run, n) in runs {
        total += n;
        for (g, p) in run {
            match postings.entry(g) {
                Entry::Vacant(e) => {
                    e.insert(p);
                }
                Entry::Occupied(mut e) => {
                    let all = e.get_mut();
                    all.body.extend_from_slice(&p.body);
                    all.meta.extend_from_slice(&p.meta);
                }
            }
        }
    }
    (postings, total)
}

fn shard_count(total: usize, bigrams: usize) -> u32 {
    // About 24 KB per shard, so a query touches a few small files.
    let estimate = total * 3 + bigrams * 12;
    (estimate / 24_000)
        .next_power_of_two()
        .clamp(16, MAX_SHARDS as usize) as u32
}

/// The most shards an index has (a power of two).
const MAX_SHARDS: u32 = 8192;

/// `search/docs/<chunk>.js`: the documents of one chunk.
fn chunk_text(chunk: usize, docs: &[Doc]) -> String {
    let mut s = format!("gk.docs({chunk},[");
    for (k, d) in docs.iter().enumerate() {
        if k > 0 {
            s.push(',');
        }
        s.push_str("{\"t\":");
        push_js_string(&mut s, &d.title);
        s.push_str(",\"a\":");
        push_js_string(&mut s, &d.agency);
        let _ = write!(s, ",\"y\":{},\"u\":", d.year);
        push_js_string(&mut s, &d.url);
        s.push_str(",\"m\":");
        push_js_string(&mut s, &d.meta);
        s.push_str(",\"s\":[");
        for (n, ((pos, heading), text)) in d.sections.iter().zip(d.texts.iter()).enumerate() {
            if n > 0 {
                s.push(',');
            }
            let _ = write!(s, "[{pos},");
            push_js_string(&mut s, heading);
            s.push(',');
            push_js_string(&mut s, text);
            s.push(']');
        }
        s.push_str("]}");
    }
    s.push_str("]);\n");
    s
}

/// `search/manifest.js`, from the year and level of every document in order.
fn manifest_text(shards: u32, docs: &[(i32, &str)]) -> String {
    // Year and level of every document, for filtering before anything else is loaded:
    // years as runs ([year, count], documents are in year order), levels as one character
    // per document indexing `level_names` — a few KB for 10,000 reports.
    let mut runs: Vec<(i32, usize)> = Vec::new();
    for &(year, _) in docs {
        match runs.last_mut() {
            Some((y, n)) if *y == year => *n += 1,
            _ => runs.push((year, 1)),
        }
    }
    let mut names: Vec<&str> = docs.iter().map(|&(_, level)| level).collect();
    names.sort_unstable();
    names.dedup();
    let levels: String = docs
        .iter()
        .map(|&(_, level)| {
            let k = names.binary_search(&level).unwrap_or(0);
            char::from_u32(48 + k as u32).unwrap_or('0')
        })
        .collect();
    let years: Vec<String> = runs.iter().map(|(y, n)| format!("[{y},{n}]")).collect();
    let names: Vec<String> = names.iter().map(|n| js_string(n)).collect();
    format!(
        "gk.manifest({{\"v\":2,\"shards\":{},\"chunk\":{DOCS_PER_CHUNK},\"docs\":{},\"year_runs\":[{}],\"level_names\":[{}],\"levels\":{}}});\n",
        shards,
        docs.len(),
        years.join(","),
        names.join(","),
        js_string(&levels)
    )
}

impl SearchIndex {
    pub fn build(archive: &Archive<'_>) -> Result<SearchIndex, String> {
        let order = doc_order(archive);
        let docs = order
            .par_iter()
            .map(|&i| doc(archive, i))
            .collect::<Result<Vec<Doc>, String>>()?;
        let (postings, total) = post(&docs, POSTING_RUN);
        let shards = shard_count(total, postings.len());
        Ok(SearchIndex {
            order,
            docs,
            postings,
            total,
            shards,
        })
    }

    /// Replaces the documents of the given report indices (same order of documents).
    pub fn update(&mut self, archive: &Archive<'_>, reports: &[usize]) -> Result<Touched, String> {
        let mut t = Touched::default();
        let mut changed: Vec<u64> = Vec::new();
        for &ri in reports {
            let Some(id) = self.order.iter().position(|&x| x == ri) else {
                continue;
            };
            let new_doc = doc(archive, ri)?;
            let (body, meta) = grams_of(&new_doc);
            let (old_body, old_meta) = grams_of(&self.docs[id]);
            let idu = id as u32;
            for (old, new, is_body) in [(&old_body, &body, true), (&old_meta, &meta, false)] {
                for g in old.iter().filter(|g| new.binary_search(g).is_err()) {
                    if let Some(p) = self.postings.get_mut(g) {
                        let list = if is_body { &mut p.body } else { &mut p.meta };
                        if let Ok(k) = list.binary_search(&idu) {
                            list.remove(k);
                        }
                        if p.body.is_empty() && p.meta.is_empty() {
                            self.postings.remove(g);
                        }
                    }
                    changed.push(*g);
                }
                for g in new.iter().filter(|g| old.binary_search(g).is_err()) {
                    let p = self.postings.entry(*g).or_default();
                    let list = if is_body { &mut p.body } else { &mut p.meta };
                    if let Err(k) = list.binary_search(&idu) {
                        list.insert(k, idu);
                    }
                    changed.push(*g);
                }
            }
            self.total = self.total + body.len() + meta.len() - old_body.len() - old_meta.len();
            if new_doc.year != self.docs[id].year || new_doc.level != self.docs[id].level {
                t.manifest = true;
            }
            self.docs[id] = new_doc;
            t.chunks.push(id / DOCS_PER_CHUNK);
        }
        let shards = shard_count(self.total, self.postings.len());
        if shards != self.shards {
            self.shards = shards;
            t.all = true;
            t.manifest = true;
        }
        t.shards = changed.iter().map(|g| shard_of(*g, self.shards)).collect();
        t.shards.sort_unstable();
        t.shards.dedup();
        t.chunks.sort_unstable();
        t.chunks.dedup();
        Ok(t)
    }

    fn chunk_text(&self, chunk: usize) -> String {
        let start = chunk * DOCS_PER_CHUNK;
        let end = (start + DOCS_PER_CHUNK).min(self.docs.len());
        chunk_text(chunk, &self.docs[start..end])
    }

    fn manifest_text(&self) -> String {
        let docs: Vec<(i32, &str)> = self.docs.iter().map(|d| (d.year, d.level)).collect();
        manifest_text(self.shards, &docs)
    }

    /// Writes `search/manifest.js`, every shard and every document chunk.
    pub fn write_all(&self, sink: &dyn Sink) -> Result<IndexStats, String> {
        let chunks = self.docs.len().div_ceil(DOCS_PER_CHUNK);
        let doc_bytes: usize = (0..chunks)
            .into_par_iter()
            .map(|c| -> Result<usize, String> {
                let s = self.chunk_text(c);
                sink.write(&format!("search/docs/{c}.js"), s.as_bytes())?;
                Ok(s.len())
            })
            .collect::<Result<Vec<usize>, String>>()?
            .into_iter()
            .sum();
        let kinds: Vec<(i32, &str)> = self.docs.iter().map(|d| (d.year, d.level)).collect();
        write_postings(&self.postings, self.total, &kinds, doc_bytes, sink)
    }

    /// Writes the files an update touched.
    pub fn write_touched(&self, t: &Touched, sink: &dyn Sink) -> Result<(), String> {
        if t.all {
            self.write_all(sink)?;
            return Ok(());
        }
        for &n in &t.shards {
            let bucket: Vec<(u64, &Postings)> = self
                .postings
                .iter()
                .filter(|(g, _)| shard_of(**g, self.shards) == n)
                .map(|(g, p)| (*g, p))
                .collect();
            sink.write(
                &format!("search/shards/{n}.js"),
                shard_text(n, bucket).as_bytes(),
            )?;
        }
        for &c in &t.chunks {
            sink.write(
                &format!("search/docs/{c}.js"),
                self.chunk_text(c).as_bytes(),
            )?;
        }
        if t.manifest {
            sink.write("search/manifest.js", self.manifest_text().as_bytes())?;
        }
        Ok(())
    }
}

/// A bigram's posting lists (prose, metadata), as ids or already encoded.
trait Lists: Sync {
    fn texts(&self) -> (Cow<'_, str>, Cow<'_, str>);
}

impl Lists for Postings {
    fn texts(&self) -> (Cow<'_, str>, Cow<'_, str>) {
        (
            Cow::Owned(encode(&self.body)),
            Cow::Owned(encode(&self.meta)),
        )
    }
}

impl Lists for Encoded {
    fn texts(&self) -> (Cow<'_, str>, Cow<'_, str>) {
        (Cow::Borrowed(&self.body), Cow::Borrowed(&self.meta))
    }
}

/// `search/shards/<n>.js`: the bigrams of shard `n` with their posting lists, in bigram
/// order.
fn shard_text<L: Lists>(n: u32, mut bucket: Vec<(u64, &L)>) -> String {
    bucket.sort_by_key(|(g, _)| *g);
    let mut s = format!("gk.shard({n},{{");
    for (i, (g, lists)) in bucket.iter().enumerate() {
        let (body, meta) = lists.texts();
        if i > 0 {
            s.push(',');
        }
        let key: String = [char::from_u32((*g >> 32) as u32), char::from_u32(*g as u32)]
            .iter()
            .flatten()
            .collect();
        let _ = write!(s, "{}:[\"{body}\",\"{meta}\"]", js_string(&key));
    }
    s.push_str("});\n");
    s
}

/// Writes every shard and the manifest, once the document chunks are written (`doc_bytes`);
/// `kinds` is the year and level of every document in order.
fn write_postings(
    postings: &FxHashMap<u64, Postings>,
    total: usize,
    kinds: &[(i32, &str)],
    doc_bytes: usize,
    sink: &dyn Sink,
) -> Result<IndexStats, String> {
    let shards = shard_count(total, postings.len());
    let mut buckets: Vec<Vec<(u64, &Postings)>> = vec![Vec::new(); shards as usize];
    for (g, p) in postings {
        buckets[shard_of(*g, shards) as usize].push((*g, p));
    }
    let counts = (shards, postings.len(), total);
    write_shards(counts, kinds, doc_bytes, sink, |n| {
        Ok(shard_text(n, buckets[n as usize].clone()))
    })
}

/// Writes the shards `shard` makes and the manifest; `counts` are the shards, bigrams and
/// postings.
fn write_shards(
    (shards, bigrams, total): (u32, usize, usize),
    kinds: &[(i32, &str)],
    doc_bytes: usize,
    sink: &dyn Sink,
    shard: impl Fn(u32) -> Result<String, String> + Sync,
) -> Result<IndexStats, String> {
    let index_bytes = (0..shards)
        .into_par_iter()
        .map(|n| -> Result<usize, String> {
            let s = shard(n)?;
            sink.write(&format!("search/shards/{n}.js"), s.as_bytes())?;
            Ok(s.len())
        })
        .collect::<Result<Vec<usize>, String>>()?
        .into_iter()
        .sum();
    let manifest = manifest_text(shards, kinds);
    sink.write("search/manifest.js", manifest.as_bytes())?;
    Ok(IndexStats {
        files: 1 + shards as usize + kinds.len().div_ceil(DOCS_PER_CHUNK),
        docs: kinds.len(),
        shards,
        bigrams,
        postings: total,
        index_bytes,
        doc_bytes,
        manifest_bytes: manifest.len(),
    })
}

/// Builds the index and writes it, for a build that keeps no state: each run of documents
/// writes its document chunks as soon as it is posted and drops its texts, so the plain
/// text of every report (as much as the prose itself) is never held at once. The files are
/// the ones [`SearchIndex::write_all`] writes.
pub fn write(archive: &Archive<'_>, sink: &dyn Sink) -> Result<IndexStats, String> {
    write_in_runs(archive, sink, POSTING_RUN)
}

/// [`write`] with runs of `run` documents (rounded up to whole document chunks); public for
/// the test that compares it with the index watch mode keeps.
pub fn write_in_runs(
    archive: &Archive<'_>,
    sink: &dyn Sink,
    run: usize,
) -> Result<IndexStats, String> {
    /// What one run leaves once its documents are written and dropped.
    struct Posted {
        postings: FxHashMap<u64, Postings>,
        total: usize,
        kinds: Vec<(i32, &'static str)>,
        doc_bytes: usize,
    }
    let run = run.max(1).next_multiple_of(DOCS_PER_CHUNK);
    // A few runs per core at a time, each batch's lists spilled to a file as soon as it is
    // posted: the ids of the whole archive are never held at once.
    let batch = run * 2 * rayon::current_num_threads().max(1);
    let order = doc_order(archive);
    let mut spill = Spill::new()?;
    let mut total = 0;
    let mut kinds = Vec::with_capacity(order.len());
    let mut doc_bytes = 0;
    for (b, ids) in order.chunks(batch).enumerate() {
        let runs: Vec<Posted> = ids
            .par_chunks(run)
            .enumerate()
            .map(|(n, ids)| -> Result<Posted, String> {
                let docs = ids
                    .iter()
                    .map(|&i| doc(archive, i))
                    .collect::<Result<Vec<Doc>, String>>()?;
                let first = b * batch + n * run;
                let (postings, total) = post_run(&docs, first);
                let mut doc_bytes = 0;
                for (k, chunk) in docs.chunks(DOCS_PER_CHUNK).enumerate() {
                    let c = first / DOCS_PER_CHUNK + k;
                    let s = chunk_text(c, chunk);
                    sink.write(&format!("search/docs/{c}.js"), s.as_bytes())?;
                    doc_bytes += s.len();
                }
                let kinds = docs.iter().map(|d| (d.year, d.level)).collect();
                Ok(Posted {
                    postings,
                    total,
                    kinds,
                    doc_bytes,
                })
            })
            .collect::<Result<_, String>>()?;
        // In run order, so that each list stays in ascending id order.
        let mut posted = Vec::with_capacity(runs.len());
        for r in runs {
            kinds.extend(r.kinds);
            doc_bytes += r.doc_bytes;
            posted.push((r.postings, r.total));
        }
        let (postings, n) = merge(posted);
        total += n;
        spill.push(postings)?;
    }
    let shards = shard_count(total, spill.bigrams.len());
    let counts = (shards, spill.bigrams.len(), total);
    write_shards(counts, &kinds, doc_bytes, sink, |n| {
        let lists = spill.shard(n, shards)?;
        Ok(shard_text(n, lists.iter().map(|(g, l)| (*g, l)).collect()))
    })
}

/// Brings an index written before (read back from the output folder `out`, of which
/// `before` gives the sizes) up to date with the documents of `reports`, writing only the
/// document chunks and shards that hold them: the old document is read from its chunk, the
/// bigrams it lost and gained are taken out of and put into their shards' posting lists.
/// `None` when the index cannot be patched (its documents are not the archive's, a file is
/// missing or not as written, or the shard count changes); then nothing was written.
pub fn patch(
    archive: &Archive<'_>,
    reports: &[usize],
    out: &std::path::Path,
    before: IndexStats,
    sink: &dyn Sink,
) -> Result<Option<IndexStats>, String> {
    let order = doc_order(archive);
    if order.len() != before.docs {
        return Ok(None);
    }
    let wanted: FxHashSet<usize> = reports.iter().copied().collect();
    let ids: Vec<usize> = (0..order.len())
        .filter(|&id| wanted.contains(&order[id]))
        .collect();
    let mut chunks: Vec<usize> = ids.iter().map(|id| id / DOCS_PER_CHUNK).collect();
    chunks.dedup();
    // Each chunk's new text and the bigram changes of its edited documents.
    struct Chunk {
        n: usize,
        text: String,
        old_len: usize,
        /// (bigram, document id, in the prose (not the metadata), added (not removed))
        changes: Vec<(u64, u32, bool, bool)>,
        postings: isize,
    }
    let done: Vec<Option<Chunk>> = chunks
        .par_iter()
        .map(|&c| -> Result<Option<Chunk>, String> {
            let Some((old, old_len)) = read_chunk(out, c) else {
                return Ok(None);
            };
            let start = c * DOCS_PER_CHUNK;
            let end = (start + DOCS_PER_CHUNK).min(order.len());
            if old.len() != end - start {
                return Ok(None);
            }
            let docs = order[start..end]
                .iter()
                .map(|&i| doc(archive, i))
                .collect::<Result<Vec<Doc>, String>>()?;
            let mut changes = Vec::new();
            let mut postings = 0isize;
            for id in ids.iter().copied().filter(|id| id / DOCS_PER_CHUNK == c) {
                let (new_body, new_meta) = grams_of(&docs[id - start]);
                let stored = &old[id - start];
                let old_body = bigrams_of(stored.s.iter().map(|(_, _, t)| t.as_str()));
                let old_meta = bigrams(&stored.m);
                for (old, new, body) in
                    [(&old_body, &new_body, true), (&old_meta, &new_meta, false)]
                {
                    postings += new.len() as isize - old.len() as isize;
                    for g in old.iter().filter(|g| new.binary_search(g).is_err()) {
                        changes.push((*g, id as u32, body, false));
                    }
                    for g in new.iter().filter(|g| old.binary_search(g).is_err()) {
                        changes.push((*g, id as u32, body, true));
                    }
                }
            }
            let text = chunk_text(c, &docs);
            Ok(Some(Chunk {
                n: c,
                text,
                old_len,
                changes,
                postings,
            }))
        })
        .collect::<Result<_, String>>()?;
    let Some(done) = done.into_iter().collect::<Option<Vec<Chunk>>>() else {
        return Ok(None);
    };
    let shards = before.shards;
    let mut by_shard: BTreeMap<u32, Vec<(u64, u32, bool, bool)>> = BTreeMap::new();
    for ch in &done {
        for &change in &ch.changes {
            by_shard
                .entry(shard_of(change.0, shards))
                .or_default()
                .push(change);
        }
    }
    // Every touched shard patched in memory first: the new bigram count decides whether the
    // shard count stays.
    let patched: Vec<Option<(u32, String, usize, isize)>> = by_shard
        .into_par_iter()
        .map(|(n, changes)| {
            let path = out.join(format!("search/shards/{n}.js"));
            let old = std::fs::read_to_string(&path).ok()?;
            let mut postings = read_shard(&old, n)?;
            let before = postings.len() as isize;
            for (g, id, body, add) in changes {
                let p = postings.entry(g).or_default();
                let list = if body { &mut p.body } else { &mut p.meta };
                match (add, list.binary_search(&id)) {
                    (true, Err(k)) => list.insert(k, id),
                    (false, Ok(k)) => {
                        list.remove(k);
                    }
                    // Not as written: the files are not this index's.
                    _ => return None,
                }
                if p.body.is_empty() && p.meta.is_empty() {
                    postings.remove(&g);
                }
            }
            let grown = postings.len() as isize - before;
            let bucket: Vec<(u64, &Postings)> = postings.iter().map(|(g, p)| (*g, p)).collect();
            Some((n, shard_text(n, bucket), old.len(), grown))
        })
        .collect();
    let Some(patched) = patched.into_iter().collect::<Option<Vec<_>>>() else {
        return Ok(None);
    };
    let bigrams = before.bigrams as isize + patched.iter().map(|p| p.3).sum::<isize>();
    let total = before.postings as isize + done.iter().map(|c| c.postings).sum::<isize>();
    let (Ok(bigrams), Ok(total)) = (usize::try_from(bigrams), usize::try_from(total)) else {
        return Ok(None);
    };
    if shard_count(total, bigrams) != shards {
        return Ok(None);
    }
    let mut after = before;
    after.bigrams = bigrams;
    after.postings = total;
    for (n, text, old_len, _) in &patched {
        sink.write(&format!("search/shards/{n}.js"), text.as_bytes())?;
        after.index_bytes = after.index_bytes + text.len() - old_len;
    }
    for c in &done {
        sink.write(&format!("search/docs/{}.js", c.n), c.text.as_bytes())?;
        after.doc_bytes = after.doc_bytes + c.text.len() - c.old_len;
    }
    Ok(Some(after))
}

/// A document as a chunk file holds it: its metadata and its sections' texts.
#[derive(serde::Deserialize)]
struct StoredDoc {
    m: String,
    s: Vec<(usize, String, String)>,
}

/// The documents of `search/docs/<c>.js` in the output folder, and the file's length.
fn read_chunk(out: &std::path::Path, c: usize) -> Option<(Vec<StoredDoc>, usize)> {
    let text = std::fs::read_to_string(out.join(format!("search/docs/{c}.js"))).ok()?;
    let json = text
        .strip_prefix(&format!("gk.docs({c},"))?
        .strip_suffix(");\n")?;
    Some((serde_json::from_str(json).ok()?, text.len()))
}

/// The posting lists of a shard file's text (`gk.shard(<n>,{…});`).
fn read_shard(text: &str, n: u32) -> Option<FxHashMap<u64, Postings>> {
    let json = text
        .strip_prefix(&format!("gk.shard({n},"))?
        .strip_suffix(");\n")?;
    let map: std::collections::HashMap<String, (String, String)> =
        serde_json::from_str(json).ok()?;
    map.into_iter()
        .map(|(key, (body, meta))| {
            let mut cs = key.chars();
            let g = match (cs.next(), cs.next(), cs.next()) {
                (Some(a), Some(b), None) => pack(a, b),
                _ => return None,
            };
            Some((
                g,
                Postings {
                    body: decode(&body)?,
                    meta: decode(&meta)?,
                },
            ))
        })
        .collect()
}

/// The ids [`encode`] wrote.
fn decode(s: &str) -> Option<Vec<u32>> {
    if s.is_empty() {
        return Some(Vec::new());
    }
    let mut prev = 0u32;
    s.split(',')
        .map(|d| {
            prev = prev.checked_add(u32::from_str_radix(d, 36).ok()?)?;
            Some(prev)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lists spilled batch by batch and read back shard by shard are encoded as the whole
    /// lists would be, whatever the cut between batches and the shard count.
    #[test]
    fn spilled_lists_read_back_equal_the_whole_lists() {
        let ids: Vec<u32> = vec![0, 3, 4, 40, 41, 1_000, 1_296, 70_000, 4_000_000_000];
        let grams: Vec<u64> = (0..40)
            .filter_map(|i| char::from_u32(0x4e00 + i * 37))
            .map(|c| pack('政', c))
            .collect();
        for cut in [0, 1, 4, ids.len()] {
            let mut spill = Spill::new().unwrap();
            for (lo, hi, meta) in [(0, cut, vec![]), (cut, ids.len(), vec![7])] {
                let batch = grams.iter().map(|&g| {
                    let body = ids[lo..hi].to_vec();
                    let meta = meta.clone();
                    (g, Postings { body, meta })
                });
                spill.push(batch.collect()).unwrap();
            }
            assert_eq!(spill.bigrams.len(), grams.len());
            for shards in [16, 1024, MAX_SHARDS] {
                let mut seen = 0;
                for n in 0..shards {
                    for (g, l) in spill.shard(n, shards).unwrap() {
                        assert_eq!(shard_of(g, shards), n);
                        assert_eq!(l.body, encode(&ids), "cut at {cut}");
                        assert_eq!(l.meta, "7");
                        seen += 1;
                    }
                }
                assert_eq!(seen, grams.len(), "{shards} shards");
            }
        }
        assert_eq!(encode(&[0, 3, 4, 40]), "0,3,1,10");
    }

    /// Posting in parallel runs gives the lists one pass over all documents gives, whatever
    /// the run length (builds of fewer than 1,024 reports use a single run).
    #[test]
    fn postings_in_runs_are_the_single_pass() {
        let words = [
            "信息公开",
            "依申请公开",
            "主动公开",
            "年度报告",
            "行政复议",
            "政务",
        ];
        let docs: Vec<Doc> = (0..23)
            .map(|i| Doc {
                title: format!("报告{i}"),
                agency: String::new(),
                year: 2020,
                level: "",
                url: String::new(),
                meta: format!("机关{} {}", i % 4, words[i % 6]),
                sections: vec![(1, String::new()), (2, String::new())],
                texts: vec![
                    words[i % 5].repeat(1 + i % 3),
                    words[(i * 7) % 6].to_string(),
                ],
            })
            .collect();
        let mut single: FxHashMap<u64, Postings> = FxHashMap::default();
        let mut total = 0;
        for (id, d) in docs.iter().enumerate() {
            let (body, meta) = grams_of(d);
            for g in &body {
                single.entry(*g).or_default().body.push(id as u32);
            }
            for g in &meta {
                single.entry(*g).or_default().meta.push(id as u32);
            }
            total += body.len() + meta.len();
        }
        for run in [1, 2, 5, 22, 23, 1024] {
            let (runs, n) = post(&docs, run);
            assert_eq!(n, total, "run {run}");
            assert_eq!(runs, single, "run {run}");
        }
    }

    #[test]
    fn normalization_matches_the_browser() {
        assert_eq!(
            indexed_chars("２０２１年 ABC\n信息"),
            "2021年abc信息".chars().collect::<Vec<_>>()
        );
        assert_eq!(bigrams("信息处理费").len(), 4);
        // Whitespace does not break a phrase: 信息\n处理费 still holds 息处.
        assert!(bigrams("信息\n处理费").contains(&pack('息', '处')));
    }

    #[test]
    fn bigrams_are_the_sorted_distinct_windows() {
        for text in [
            "",
            "信",
            "信息",
            "信息信息信息",
            "２０２１年 ABC\n信息公开，信息公开。abab",
            "aaaa",
        ] {
            let chars = indexed_chars(text);
            let mut naive: Vec<u64> = chars.windows(2).map(|w| pack(w[0], w[1])).collect();
            naive.sort_unstable();
            naive.dedup();
            assert_eq!(bigrams(text), naive, "{text}");
            // In pieces, as a document's sections are read: the bigrams of the joined text.
            for at in text.char_indices().map(|(i, _)| i) {
                let (a, b) = text.split_at(at);
                assert_eq!(
                    bigrams_of([a, "", b]),
                    bigrams(&format!("{a}\n{b}")),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn js_strings_are_serde_json_strings() {
        let mut all: String = (0u8..0x80).map(char::from).collect();
        all.push_str("</script> <\\/ 信息\u{2028}\u{7f}</</");
        for text in [all.as_str(), "", "<", "/", "</", "a</b", "\"</\"", "\\</"] {
            let expected = serde_json::to_string(text).unwrap().replace("</", "<\\/");
            assert_eq!(js_string(text), expected, "{text:?}");
        }
    }

    #[test]
    fn shards_are_stable() {
        // The same numbers are asserted in search.js's self-check (tests/search.rs).
        assert_eq!(
            shard_of(pack('信', '息'), 1024),
            shard_of(pack('信', '息'), 1024)
        );
        let a = shard_of(pack('政', '务'), 64);
        assert!(a < 64);
    }

    #[test]
    fn posting_lists_round_trip() {
        let ids = vec![0, 1, 5, 36, 37, 1300, 99999];
        let s = encode(&ids);
        let mut prev = 0u32;
        let back: Vec<u32> = s
            .split(',')
            .map(|d| {
                prev += u32::from_str_radix(d, 36).unwrap();
                prev
            })
            .collect();
        assert_eq!(back, ids);
    }
}
