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

use std::collections::HashMap;
use std::fmt::Write as _;

use rayon::prelude::*;

use super::{Archive, Sink, markdown, urls};
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
#[derive(Default)]
struct Postings {
    body: Vec<u32>,
    meta: Vec<u32>,
}

fn pack(a: char, b: char) -> u64 {
    ((a as u64) << 32) | b as u64
}

/// Sorted, distinct bigrams of a text.
pub fn bigrams(text: &str) -> Vec<u64> {
    let chars = indexed_chars(text);
    let mut out: Vec<u64> = chars.windows(2).map(|w| pack(w[0], w[1])).collect();
    out.sort_unstable();
    out.dedup();
    out
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
    /// (section position 1–6 or 0 for text before the first section, heading, plain text)
    sections: Vec<(usize, String, String)>,
}

fn docs(archive: &Archive<'_>) -> Vec<Doc> {
    let f = formats();
    let order: Vec<usize> = archive
        .agencies
        .iter()
        .flat_map(|a| archive.by_agency.get(&a.slug).cloned().unwrap_or_default())
        .collect();
    order
        .par_iter()
        .map(|&i| {
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
                    (pos, s.heading.clone(), markdown::to_text(r.section_text(s)))
                })
                .collect();
            Doc {
                title,
                agency: a.map_or(r.agency.clone(), |a| a.short().to_string()),
                year: r.year,
                level: a.map_or("", |a| a.level.key()),
                url: urls::report(&r.agency, r.year),
                meta,
                sections,
            }
        })
        .collect()
}

/// Base-36 deltas, comma-separated: compact and cheap to decode in JavaScript.
fn encode(ids: &[u32]) -> String {
    let mut out = String::new();
    let mut prev = 0u32;
    for (i, &id) in ids.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let mut d = id - prev;
        prev = id;
        let mut buf = Vec::new();
        loop {
            buf.push(b"0123456789abcdefghijklmnopqrstuvwxyz"[(d % 36) as usize]);
            d /= 36;
            if d == 0 {
                break;
            }
        }
        buf.reverse();
        out.push_str(std::str::from_utf8(&buf).unwrap_or("0"));
    }
    out
}

fn js_string(s: &str) -> String {
    // JSON string literals are valid JavaScript; escape `</` so a file can never close a
    // <script> element if inlined.
    serde_json::to_string(s)
        .unwrap_or_else(|_| "\"\"".into())
        .replace("</", "<\\/")
}

/// Sizes of the written index, for the build summary and benchmarks.
#[derive(Debug, Default, Clone, Copy)]
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

/// Builds the index and writes `search/manifest.js`, `search/shards/<n>.js` and
/// `search/docs/<n>.js`.
pub fn write(archive: &Archive<'_>, sink: &dyn Sink) -> Result<IndexStats, String> {
    let docs = docs(archive);
    // Per document: distinct bigrams of the prose and of the metadata.
    let grams: Vec<(Vec<u64>, Vec<u64>)> = docs
        .par_iter()
        .map(|d| {
            let body: String = d
                .sections
                .iter()
                .map(|s| s.2.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            (bigrams(&body), bigrams(&d.meta))
        })
        .collect();
    let mut postings: HashMap<u64, Postings> = HashMap::new();
    let mut total = 0usize;
    for (id, (body, meta)) in grams.iter().enumerate() {
        for g in body {
            postings.entry(*g).or_default().body.push(id as u32);
        }
        for g in meta {
            postings.entry(*g).or_default().meta.push(id as u32);
        }
        total += body.len() + meta.len();
    }
    // About 24 KB per shard, so a query touches a few small files.
    let estimate = total * 3 + postings.len() * 12;
    let shards = (estimate / 24_000).next_power_of_two().clamp(16, 8192) as u32;
    let mut buckets: Vec<Vec<(u64, &Postings)>> = vec![Vec::new(); shards as usize];
    for (g, p) in &postings {
        buckets[shard_of(*g, shards) as usize].push((*g, p));
    }
    let index_bytes: usize = buckets
        .par_iter_mut()
        .enumerate()
        .map(|(n, bucket)| -> Result<usize, String> {
            bucket.sort_by_key(|(g, _)| *g);
            let mut s = format!("gk.shard({n},{{");
            for (i, (g, p)) in bucket.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                let key: String = [char::from_u32((*g >> 32) as u32), char::from_u32(*g as u32)]
                    .iter()
                    .flatten()
                    .collect();
                let _ = write!(
                    s,
                    "{}:[\"{}\",\"{}\"]",
                    js_string(&key),
                    encode(&p.body),
                    encode(&p.meta)
                );
            }
            s.push_str("});\n");
            sink.write(&format!("search/shards/{n}.js"), s.as_bytes())?;
            Ok(s.len())
        })
        .collect::<Result<Vec<usize>, String>>()?
        .into_iter()
        .sum();
    // Documents in chunks of DOCS_PER_CHUNK consecutive ids: far fewer files, and results
    // of one agency (consecutive ids) usually share a chunk.
    let doc_bytes: usize = docs
        .par_chunks(DOCS_PER_CHUNK)
        .enumerate()
        .map(|(chunk, ds)| -> Result<usize, String> {
            let mut s = format!("gk.docs({chunk},[");
            for (k, d) in ds.iter().enumerate() {
                if k > 0 {
                    s.push(',');
                }
                let secs: Vec<String> = d
                    .sections
                    .iter()
                    .map(|(pos, heading, text)| {
                        format!("[{pos},{},{}]", js_string(heading), js_string(text))
                    })
                    .collect();
                let _ = write!(
                    s,
                    "{{\"t\":{},\"a\":{},\"y\":{},\"u\":{},\"m\":{},\"s\":[{}]}}",
                    js_string(&d.title),
                    js_string(&d.agency),
                    d.year,
                    js_string(&d.url),
                    js_string(&d.meta),
                    secs.join(",")
                );
            }
            s.push_str("]);\n");
            sink.write(&format!("search/docs/{chunk}.js"), s.as_bytes())?;
            Ok(s.len())
        })
        .collect::<Result<Vec<usize>, String>>()?
        .into_iter()
        .sum();
    // Year and level of every document, for filtering before anything else is loaded.
    let years: Vec<String> = docs.iter().map(|d| d.year.to_string()).collect();
    let levels: Vec<String> = docs.iter().map(|d| js_string(d.level)).collect();
    let manifest = format!(
        "gk.manifest({{\"v\":1,\"shards\":{shards},\"chunk\":{DOCS_PER_CHUNK},\"docs\":{},\"years\":[{}],\"levels\":[{}]}});\n",
        docs.len(),
        years.join(","),
        levels.join(",")
    );
    sink.write("search/manifest.js", manifest.as_bytes())?;
    Ok(IndexStats {
        files: 1 + shards as usize + docs.len().div_ceil(DOCS_PER_CHUNK),
        docs: docs.len(),
        shards,
        bigrams: postings.len(),
        postings: total,
        index_bytes,
        doc_bytes,
        manifest_bytes: manifest.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
