//! Parsed reports kept between runs, so that `check`, `build` and `serve` parse only the
//! reports that changed since the last run (parsing the TOML and the sections was most of
//! loading: 0.6 s of a 10,000-report check).
//!
//! The cache is `<site>/.gongkai/reports.cache` (the loader and the watcher skip names
//! starting with a dot). An entry is found by a 128-bit key computed from everything a
//! report's parse depends on: its path, agency, file-name year and text; half of the key is a
//! SipHash keyed with a secret of the user's (`~/.config/gongkai/cache-secret`, made on first
//! use), so a cache that came with a site folder from elsewhere is never read: nobody without
//! the secret can make an entry this machine will look up. Each entry also carries a tag, a
//! SipHash of its key and report under the secret, so an entry changed in the file (a figure
//! edited in the cache, the checksum made again) is not used either: no figure can be slipped
//! in beside the text the clerk checked. The file names the parser that wrote it (its source
//! files and `Cargo.lock`, hashed), so another build of gongkai starts afresh. Only reports
//! read without any diagnostic are kept (a diagnostic's words depend on the language). A file
//! that is absent, damaged (its checksum) or reached through a link means an empty cache; no
//! place for the secret means no cache; failing to write is silent: the cache only ever saves
//! time, never decides a figure.

use std::collections::HashMap;
use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use xxhash_rust::xxh3::Xxh3;

use crate::model::Report;

const MAGIC: &[u8; 8] = b"GKCACHE2";
/// Bytes of an entry's tag, before its encoded report.
const TAG: usize = 8;
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

/// The cache as read: where each entry is in the file, read and decoded when a report asks
/// for it. The file stays open instead of in memory: a 50,000-report archive's is 74 MB,
/// which a build would otherwise hold beside every report while it loads them.
#[derive(Default)]
pub struct Cache {
    file: Option<File>,
    /// The file's length when it was checked: entries are only read below it.
    len: u64,
    /// The checksum of the payload so far, continued when entries are appended.
    sum: Option<Box<Xxh3>>,
    /// Each entry's offset and length.
    index: HashMap<u128, (u64, u32)>,
    /// `None`: no secret, nothing is cached.
    secret: Option<(u64, u64)>,
}

/// Entries serialized at once when the file is written anew: enough to keep both cores
/// busy, few enough that the file is never held in memory.
const WRITE_BATCH: usize = 1024;

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
            .and_then(|p| open_file(&p, false))
            .and_then(Cache::read)
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

    /// Checks a cache file and finds its entries, reading it once in small pieces.
    fn read(file: File) -> Option<Cache> {
        use std::io::{Read, Seek};
        let len = file.metadata().ok()?.len();
        (&file).rewind().ok()?;
        let mut r = std::io::BufReader::with_capacity(1 << 16, &file);
        let mut header = [0u8; HEADER];
        r.read_exact(&mut header).ok()?;
        if &header[..8] != MAGIC
            || u128::from_le_bytes(header[8..24].try_into().ok()?) != parser_id()
        {
            return None;
        }
        let want = u128::from_le_bytes(header[24..40].try_into().ok()?);
        let mut sum = Box::new(Xxh3::new());
        let mut index = HashMap::new();
        let mut body = Vec::new();
        let mut at = HEADER as u64;
        while at < len {
            let mut head = [0u8; 20];
            r.read_exact(&mut head).ok()?;
            let key = u128::from_le_bytes(head[..16].try_into().ok()?);
            let n = u32::from_le_bytes(head[16..20].try_into().ok()?);
            let end = at.checked_add(20 + u64::from(n)).filter(|&e| e <= len)?;
            body.resize(n as usize, 0);
            r.read_exact(&mut body).ok()?;
            sum.update(&head);
            sum.update(&body);
            index.insert(key, (at + 20, n));
            at = end;
        }
        if sum.digest128() != want {
            return None;
        }
        Some(Cache {
            file: Some(file),
            len,
            sum: Some(sum),
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
        let body = self.frame(key)?;
        let (tag, report) = body.split_at_checked(TAG)?;
        // An entry this user's gongkai did not write (its report changed in the file) is
        // not used: the report is parsed from its text instead.
        if tag != self.tag(key, report)?.as_slice() {
            return None;
        }
        let mut r: Report = postcard::from_bytes(report).ok()?;
        // The text decides the entry; a body offset outside it means a damaged entry.
        if r.body_start > text.len() {
            return None;
        }
        r.source = text.clone();
        Some(r)
    }

    /// The tag of an entry: SipHash-2-4 of its key and encoded report under the user's secret
    /// (the keys only say which text an entry belongs to; the tag says that this user's
    /// gongkai wrote the report in it, so a figure changed in the file is never read).
    fn tag(&self, key: u128, report: &[u8]) -> Option<[u8; TAG]> {
        let (k0, k1) = self.secret?;
        #[allow(deprecated)]
        // SipHash-2-4 with keys, as in `key_with`; other keys, so a tag is never a key.
        let mut sip = std::hash::SipHasher::new_with_keys(k0 ^ 0x7461_6773, k1 ^ 0x7461_6773);
        sip.write(&key.to_le_bytes());
        sip.write(report);
        Some(sip.finish().to_le_bytes())
    }

    /// An entry's stored form: its tag, then the encoded report.
    fn seal(&self, key: u128, r: &Report) -> Option<Vec<u8>> {
        let report = postcard::to_allocvec(r).ok()?;
        let mut body = Vec::with_capacity(TAG + report.len());
        body.extend_from_slice(&self.tag(key, &report)?);
        body.extend_from_slice(&report);
        Some(body)
    }

    /// The stored entry of `key` (tag and encoded report), read from the file.
    fn frame(&self, key: u128) -> Option<Vec<u8>> {
        let &(start, n) = self.index.get(&key)?;
        let mut buf = vec![0; n as usize];
        read_at(self.file.as_ref()?, &mut buf, start)?;
        Some(buf)
    }

    /// Writes the cache of `entries` (key and report, for every report read without a
    /// diagnostic). Entries this cache lacks are appended to the file when it is still the
    /// file this cache was read from and at most a quarter of it would be entries no report
    /// uses (a changed report's old version); otherwise the file is replaced by one of exactly
    /// `entries`, existing entries copied as they are, written in batches. Appending one
    /// report to a 50,000-report cache writes a few KB instead of 74 MB. Any failure leaves
    /// the site as it was; a write cut short leaves a file whose checksum fails, read as an
    /// empty cache.
    pub fn save(&self, root: &Path, entries: &[(u128, &Report)]) {
        let Some(file) = path(root) else { return };
        let missing = entries
            .iter()
            .filter(|(key, _)| !self.index.contains_key(key))
            .count();
        let stale = (self.index.len() + missing).saturating_sub(entries.len());
        if self.file.is_some() && stale * 4 <= self.index.len() + missing {
            let new: Vec<(u128, Vec<u8>)> = entries
                .par_iter()
                .filter(|(key, _)| !self.index.contains_key(key))
                .filter_map(|&(key, r)| self.seal(key, r).map(|b| (key, b)))
                .collect();
            if new.is_empty() || self.append(&file, &new).is_some() {
                return;
            }
        }
        let Some(dir) = file.parent() else { return };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) else {
            return;
        };
        if self.write_new(tmp.as_file_mut(), entries).is_some() {
            let _ = tmp.persist(&file);
        }
    }

    /// Writes a whole cache file of `entries` into `out`: the header, then the entries a
    /// batch at a time, then the payload's checksum into the header.
    fn write_new(&self, out: &mut File, entries: &[(u128, &Report)]) -> Option<()> {
        use std::io::{Seek, SeekFrom, Write};
        let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut *out);
        w.write_all(MAGIC).ok()?;
        w.write_all(&parser_id().to_le_bytes()).ok()?;
        w.write_all(&[0; 16]).ok()?;
        let mut sum = Xxh3::new();
        for batch in entries.chunks(WRITE_BATCH) {
            let frames: Vec<Vec<u8>> = batch
                .par_iter()
                .filter_map(|&(key, r)| {
                    let body = match self.frame(key) {
                        Some(b) => b,
                        None => self.seal(key, r)?,
                    };
                    let mut frame = Vec::with_capacity(body.len() + 20);
                    push_frame(&mut frame, key, &body);
                    Some(frame)
                })
                .collect();
            for f in &frames {
                sum.update(f);
                w.write_all(f).ok()?;
            }
        }
        w.flush().ok()?;
        drop(w);
        out.seek(SeekFrom::Start(24)).ok()?;
        out.write_all(&sum.digest128().to_le_bytes()).ok()
    }

    /// Appends `new` frames to `file`, which must still be the file this cache was read from
    /// (a regular file, not a link, of the same length), then writes the checksum of the
    /// whole payload into the header; `None` when it is not, or a write fails.
    fn append(&self, file: &Path, new: &[(u128, Vec<u8>)]) -> Option<()> {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = open_file(file, true)?;
        let meta = f.metadata().ok()?;
        if !meta.is_file() || meta.len() != self.len {
            return None;
        }
        let mut tail = Vec::new();
        for (key, b) in new {
            push_frame(&mut tail, *key, b);
        }
        let mut sum = self.sum.as_deref()?.clone();
        sum.update(&tail);
        f.seek(SeekFrom::End(0)).ok()?;
        f.write_all(&tail).ok()?;
        f.seek(SeekFrom::Start(24)).ok()?;
        f.write_all(&sum.digest128().to_le_bytes()).ok()
    }
}

/// Opens the cache file, never through a link (writing through it could reach outside the
/// site).
fn open_file(path: &Path, write: bool) -> Option<File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true).write(write);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    #[cfg(not(unix))]
    if std::fs::symlink_metadata(path)
        .ok()?
        .file_type()
        .is_symlink()
    {
        return None;
    }
    o.open(path).ok()
}

/// Reads exactly `buf.len()` bytes at `offset`, without moving a shared position (several
/// threads read entries at once).
fn read_at(f: &File, buf: &mut [u8], offset: u64) -> Option<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(f, buf, offset).ok()
    }
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            let n =
                std::os::windows::fs::FileExt::seek_read(f, &mut buf[done..], offset + done as u64)
                    .ok()?;
            if n == 0 {
                return None;
            }
            done += n;
        }
        Some(())
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = (f, buf, offset);
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
    use xxhash_rust::xxh3::xxh3_128;

    /// The cache of a file holding `bytes`.
    fn parse(bytes: Vec<u8>) -> Option<Cache> {
        let mut f = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut f, &bytes).unwrap();
        Cache::read(f)
    }

    #[test]
    fn a_damaged_file_is_an_empty_cache() {
        assert!(parse(Vec::new()).is_none());
        assert!(parse(b"GKCACHE2".to_vec()).is_none());
        let mut good = MAGIC.to_vec();
        good.extend_from_slice(&parser_id().to_le_bytes());
        let mut payload = Vec::new();
        payload.extend_from_slice(&7u128.to_le_bytes());
        payload.extend_from_slice(&3u32.to_le_bytes());
        payload.extend_from_slice(b"abc");
        good.extend_from_slice(&xxh3_128(&payload).to_le_bytes());
        good.extend_from_slice(&payload);
        let cache = parse(good.clone()).unwrap();
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.frame(7).as_deref(), Some(&b"abc"[..]));
        assert_eq!(cache.frame(8), None);
        // A length past the end of the file.
        let mut long = good.clone();
        long[HEADER + 16] = 4;
        assert!(parse(long).is_none());
        // One byte changed anywhere after the header: the checksum refuses it.
        let mut bad = good.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(parse(bad).is_none());
        // Another parser's file.
        let mut other = good;
        other[8] ^= 1;
        assert!(parse(other).is_none());
    }

    /// A file written anew holds every entry, across batches, and reads back as written;
    /// copying it through a cache read from it gives the same bytes. An entry whose report
    /// was changed in the file, its checksum made again, is not used, nor is any entry under
    /// another secret.
    #[test]
    fn a_file_written_anew_reads_back_every_entry() {
        use crate::model::{Cell, RowIn, TableData};
        let n = WRITE_BATCH * 2 + 7;
        let reports: Vec<Report> = (0..n)
            .map(|i| {
                let row = RowIn {
                    cells: vec![Cell::Count(i as u64), Cell::Delta(-(i as i64))],
                    spans: Vec::new(),
                };
                let table = TableData::new(vec![Some(row), None], None);
                crate::derive::rollup::as_report(&format!("a{i}"), 2021, 0, vec![table])
            })
            .collect();
        let entries: Vec<(u128, &Report)> = reports
            .iter()
            .enumerate()
            .map(|(i, r)| (i as u128 * 31, r))
            .collect();
        let secret = Some((11, 13));
        let writer = Cache {
            secret,
            ..Cache::default()
        };
        let mut f = tempfile::tempfile().unwrap();
        writer.write_new(&mut f, &entries).unwrap();
        let cache = Cache {
            secret,
            ..Cache::read(f).unwrap()
        };
        assert_eq!(cache.len(), n);
        let text: Arc<str> = Arc::from("");
        for (key, r) in &entries {
            let got = cache.get(*key, &text).unwrap();
            assert_eq!((&got.agency, &got.tables), (&r.agency, &r.tables));
        }
        let mut again = tempfile::tempfile().unwrap();
        cache.write_new(&mut again, &entries).unwrap();
        let bytes = |mut f: &File| {
            use std::io::{Read, Seek};
            let mut v = Vec::new();
            f.rewind().unwrap();
            f.read_to_end(&mut v).unwrap();
            v
        };
        assert_eq!(bytes(&again), bytes(cache.file.as_ref().unwrap()));
        // A figure changed in the file, after the tag, and the checksum made again.
        let mut doctored = bytes(cache.file.as_ref().unwrap());
        let (start, len) = cache.index[&31];
        let last = (start + u64::from(len) - 1) as usize;
        doctored[last] ^= 1;
        let sum = xxh3_128(&doctored[HEADER..]).to_le_bytes();
        doctored[24..40].copy_from_slice(&sum);
        let opened = |bytes: Vec<u8>, secret| Cache {
            secret,
            ..parse(bytes).unwrap()
        };
        let changed = opened(doctored, secret);
        assert_eq!(changed.len(), n, "the file itself is sound");
        assert!(
            changed.get(31, &text).is_none(),
            "the changed entry is refused"
        );
        assert!(changed.get(62, &text).is_some(), "the others are read");
        let foreign = opened(bytes(&again), Some((11, 14)));
        assert!(
            entries
                .iter()
                .all(|(k, _)| foreign.get(*k, &text).is_none())
        );
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
