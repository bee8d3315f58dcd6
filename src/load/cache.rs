//! Parsed reports kept between runs, so that `check`, `build` and `serve` parse only the
//! reports that changed since the last run (parsing the TOML and the sections was most of
//! loading: 0.6 s of a 10,000-report check).
//!
//! The cache is `<site>/.gongkai/reports.cache` (the loader and the watcher skip names
//! starting with a dot). An entry is found by a 128-bit key computed from everything a
//! report's parse depends on: its path, agency, file-name year and text; half of the key is a
//! SipHash keyed with a secret of the user's (`~/.config/gongkai/cache-secret`, made on first
//! use), so a cache that came with a site folder from elsewhere is never read: nobody without
//! the secret can make an entry this machine will look up, and no figure can be slipped in
//! beside the text the clerk checked. The file names the parser that wrote it (its source
//! files and `Cargo.lock`, hashed), so another build of gongkai starts afresh. Only reports
//! read without any diagnostic are kept (a diagnostic's words depend on the language). A file
//! that is absent, damaged (its checksum) or reached through a link means an empty cache; no
//! place for the secret means no cache; failing to write is silent: the cache only ever saves
//! time, never decides a figure.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use xxhash_rust::xxh3::{Xxh3, xxh3_128};

use crate::model::Report;

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
            include_str!("statements.rs"),
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

/// The user's secret for the keys (two SipHash keys), read from or made in the user's
/// configuration folder; `None` when there is none (then nothing is cached).
fn secret() -> Option<(u64, u64)> {
    static SECRET: OnceLock<Option<(u64, u64)>> = OnceLock::new();
    *SECRET.get_or_init(|| {
        let nonempty = |v: std::ffi::OsString| (!v.is_empty()).then(|| PathBuf::from(v));
        let dir = std::env::var_os("XDG_CONFIG_HOME")
            .and_then(nonempty)
            .or_else(|| {
                std::env::var_os("HOME")
                    .and_then(nonempty)
                    .map(|h| h.join(".config"))
            })?
            .join("gongkai");
        let file = dir.join("cache-secret");
        let read = |f: &Path| -> Option<(u64, u64)> {
            let text = std::fs::read_to_string(f).ok()?;
            let t = text.trim();
            if t.len() != 32 {
                return None;
            }
            Some((
                u64::from_str_radix(&t[..16], 16).ok()?,
                u64::from_str_radix(&t[16..], 16).ok()?,
            ))
        };
        if let Some(s) = read(&file) {
            return Some(s);
        }
        // Random keys: std's hasher state is seeded from the operating system's randomness.
        let state = std::collections::hash_map::RandomState::new();
        let (k0, k1) = (state.hash_one(0x9e37_u32), state.hash_one(0x79b9_u32));
        std::fs::create_dir_all(&dir).ok()?;
        let mut tmp = tempfile::NamedTempFile::new_in(&dir).ok()?;
        std::io::Write::write_all(&mut tmp, format!("{k0:016x}{k1:016x}\n").as_bytes()).ok()?;
        // Another gongkai may have made it meanwhile: its secret is the one to use.
        let _ = tmp.persist_noclobber(&file);
        read(&file)
    })
}

/// The key of a report file's entry: the XXH3-128 digest of its inputs (no two texts share a
/// key by chance) with its upper half replaced by SipHash-2-4 of the digest under the user's
/// secret (which entry a text finds cannot be known without the secret). Hashing the digest,
/// not the text, keeps the secret's cost to one short hash per report.
fn key_with(
    secret: (u64, u64),
    rel: &str,
    agency: &str,
    file_year: Option<i32>,
    text: &str,
) -> u128 {
    let mut x = Xxh3::new();
    let year = file_year.unwrap_or(i32::MIN).to_le_bytes();
    for part in [
        rel.as_bytes(),
        &[0],
        agency.as_bytes(),
        &[0],
        &year,
        text.as_bytes(),
    ] {
        x.update(part);
    }
    let digest = x.digest128();
    #[allow(deprecated)]
    // SipHash-2-4 with keys: std keeps it, deprecated only as a HashMap hasher.
    let mut sip = std::hash::SipHasher::new_with_keys(secret.0, secret.1);
    sip.write(&digest.to_le_bytes());
    (u128::from(sip.finish()) << 64) | (digest & u128::from(u64::MAX))
}

/// The cache as read: each entry's bytes, decoded when a report asks for it.
#[derive(Default)]
pub struct Cache {
    bytes: Vec<u8>,
    index: HashMap<u128, (usize, usize)>,
    /// `None`: no secret, nothing is cached.
    secret: Option<(u64, u64)>,
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
        let Some(secret) = secret() else {
            return Cache::default();
        };
        let cache = path(root)
            .and_then(|p| std::fs::read(p).ok())
            .and_then(Cache::parse)
            .unwrap_or_default();
        Cache {
            secret: Some(secret),
            ..cache
        }
    }

    /// The key of a report file's entry; `None` when nothing is cached.
    pub fn key(&self, rel: &str, agency: &str, file_year: Option<i32>, text: &str) -> Option<u128> {
        self.secret
            .map(|s| key_with(s, rel, agency, file_year, text))
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
        Some(Cache {
            bytes,
            index,
            secret: None,
        })
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The report of `key`, with `text` as its source; `None` when not cached.
    pub fn get(&self, key: u128, text: &Arc<str>) -> Option<Report> {
        let mut r: Report = postcard::from_bytes(self.frame(key)?).ok()?;
        // The text decides the entry; a body offset outside it means a damaged entry.
        if r.body_start > text.len() {
            return None;
        }
        r.source = text.clone();
        Some(r)
    }

    /// The encoded entry of `key`.
    fn frame(&self, key: u128) -> Option<&[u8]> {
        let &(start, len) = self.index.get(&key)?;
        self.bytes.get(start..start + len)
    }

    /// Writes the cache of `entries` (key and report, for every report read without a
    /// diagnostic). Entries this cache lacks are appended to the file when it is still the
    /// file this cache was read from and at most a quarter of it would be entries no report
    /// uses (a changed report's old version); otherwise the file is replaced by one of exactly
    /// `entries`, existing entries copied as they are. Appending one report to a 50,000-report
    /// cache writes a few KB instead of 97 MB. Any failure leaves the site as it was; a write
    /// cut short leaves a file whose checksum fails, read as an empty cache.
    pub fn save(&self, root: &Path, entries: &[(u128, &Report)]) {
        let Some(file) = path(root) else { return };
        let new: Vec<(u128, Vec<u8>)> = entries
            .par_iter()
            .filter(|(key, _)| self.frame(*key).is_none())
            .filter_map(|&(key, r)| postcard::to_allocvec(r).ok().map(|b| (key, b)))
            .collect();
        let stale = (self.index.len() + new.len()).saturating_sub(entries.len());
        if !self.bytes.is_empty()
            && stale * 4 <= self.index.len() + new.len()
            && (new.is_empty() || self.append(&file, &new).is_some())
        {
            return;
        }
        let frames: Vec<(u128, std::borrow::Cow<'_, [u8]>)> = entries
            .par_iter()
            .filter_map(|&(key, r)| match self.frame(key) {
                Some(b) => Some((key, b.into())),
                None => postcard::to_allocvec(r).ok().map(|b| (key, b.into())),
            })
            .collect();
        let mut payload = Vec::with_capacity(frames.iter().map(|(_, b)| b.len() + 20).sum());
        for (key, b) in &frames {
            push_frame(&mut payload, *key, b);
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

    /// Appends `new` frames to `file`, which must still be the file this cache was read from
    /// (a regular file, not a link, of the same length), then writes the checksum of the
    /// whole payload into the header; `None` when it is not, or a write fails.
    #[cfg(unix)]
    fn append(&self, file: &Path, new: &[(u128, Vec<u8>)]) -> Option<()> {
        use std::io::{Seek, SeekFrom, Write};
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(file)
            .ok()?;
        let meta = f.metadata().ok()?;
        if !meta.is_file() || meta.len() != self.bytes.len() as u64 {
            return None;
        }
        let mut tail = Vec::new();
        for (key, b) in new {
            push_frame(&mut tail, *key, b);
        }
        let mut sum = Xxh3::new();
        sum.update(self.bytes.get(HEADER..)?);
        sum.update(&tail);
        f.seek(SeekFrom::End(0)).ok()?;
        f.write_all(&tail).ok()?;
        f.seek(SeekFrom::Start(24)).ok()?;
        f.write_all(&sum.digest128().to_le_bytes()).ok()
    }

    #[cfg(not(unix))]
    fn append(&self, _: &Path, _: &[(u128, Vec<u8>)]) -> Option<()> {
        None
    }
}

/// One entry of the file: key, length, encoded report.
fn push_frame(out: &mut Vec<u8>, key: u128, bytes: &[u8]) {
    let Ok(len) = u32::try_from(bytes.len()) else {
        return;
    };
    out.extend_from_slice(&key.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(bytes);
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
    fn keys_differ_by_every_input_and_by_secret() {
        let key = |rel, agency, year, text| key_with((1, 2), rel, agency, year, text);
        let k = key("content/a/2021.md", "a", Some(2021), "text");
        assert_ne!(k, key("content/b/2021.md", "a", Some(2021), "text"));
        assert_ne!(k, key("content/a/2021.md", "b", Some(2021), "text"));
        assert_ne!(k, key("content/a/2021.md", "a", Some(2022), "text"));
        assert_ne!(k, key("content/a/2021.md", "a", None, "text"));
        assert_ne!(k, key("content/a/2021.md", "a", Some(2021), "text "));
        assert_eq!(k, key("content/a/2021.md", "a", Some(2021), "text"));
        // Another user's secret: the same text, another entry.
        let other = key_with((1, 3), "content/a/2021.md", "a", Some(2021), "text");
        assert_ne!(k >> 64, other >> 64);
    }
}
