//! Load stage: files → typed model ([`Site`]) plus the problems found while reading.
//!
//! Layout read here (documented in the README):
//! `site.toml`, `content/<agency-slug>/agency.toml`, `content/<agency-slug>/<year>.md`.

pub mod cache;
pub mod config;
pub mod report;
pub mod statements;
pub mod toml_walk;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::diag::{Build, Diagnostic, Diagnostics, Severity, Sources, line_col};
use crate::model::{Agency, Report, Site};

/// Files larger than this are refused: real reports are tens of kilobytes, and a huge file
/// would stall watch mode.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// What loading produced: the model (possibly partial) and every problem found.
pub struct Loaded {
    pub site: Site,
    pub diagnostics: Diagnostics,
    pub sources: Sources,
}

/// The site could not be read at all (exit status 2).
#[derive(Debug)]
pub struct Fatal {
    pub message: String,
    pub diagnostics: Diagnostics,
    pub sources: Sources,
}

impl Fatal {
    fn new(message: impl Into<String>) -> Self {
        Fatal {
            message: message.into(),
            diagnostics: Diagnostics::default(),
            sources: Sources::default(),
        }
    }
}

/// The site root: `start` or the nearest parent holding `site.toml`.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| d.join("site.toml").is_file())
        .map(Path::to_path_buf)
}

/// `path` relative to `root`, with `/` separators, for messages and URLs.
pub fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads a text file: size limit, UTF-8 (with a hint for GB18030 files), BOM removed.
pub fn read_text(path: &Path, rel: &str) -> Result<Arc<str>, Box<Diagnostic>> {
    let io = |e: std::io::Error| {
        Box::new(Diagnostic::file(
            Severity::Error,
            "io",
            rel,
            t!("load.cannot_read", error = e),
        ))
    };
    let too_large = |len: u64| {
        Box::new(
            Diagnostic::file(
                Severity::Error,
                "file-too-large",
                rel,
                too_large_message(len, MAX_FILE_BYTES),
            )
            .help(t!("load.too_large_help")),
        )
    };
    let bytes = match read_bounded(path, MAX_FILE_BYTES) {
        Ok(Bounded::Bytes(b)) => b,
        Ok(Bounded::TooLarge(len)) => return Err(too_large(len)),
        Ok(Bounded::NotAFile(kind)) => {
            return Err(Box::new(
                Diagnostic::file(
                    Severity::Error,
                    "not-a-file",
                    rel,
                    t!("load.not_a_file", kind = kind),
                )
                .help(t!("load.not_a_file_help")),
            ));
        }
        Err(e) => return Err(io(e)),
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    // SIMD validation: std's goes byte by byte through Chinese text (5-6% of `check`).
    match simdutf8::compat::from_utf8(bytes) {
        Ok(s) => Ok(Arc::from(s)),
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let prefix = std::str::from_utf8(valid).unwrap_or("");
            let (line, column) = line_col(prefix, prefix.len());
            let mut d = Diagnostic::file(
                Severity::Error,
                "encoding",
                rel,
                t!("load.not_utf8", byte = e.valid_up_to()),
            );
            d.line = line;
            d.column = column;
            d.end_line = line;
            d.end_column = column;
            let high = bytes.iter().filter(|&&b| b >= 0x81).count();
            d.help = Some(if high > 0 {
                t!("load.not_utf8_gbk_help")
            } else {
                t!("load.not_utf8_help")
            });
            Err(Box::new(d))
        }
    }
}

/// A warning for a file in content/ that gongkai does not read but a clerk may think it
/// does: a published report to import, or a report whose name differs only in case or
/// extension. Other files (images, notes) are left alone.
fn unread_file(rel: &str, name: &str, depth: usize) -> Option<Diagnostic> {
    let (stem, ext) = name.rsplit_once('.')?;
    let ext_lower = ext.to_ascii_lowercase();
    let agency = rel
        .strip_prefix("content/")
        .and_then(|r| r.split('/').next())
        .filter(|_| depth >= 2)
        .unwrap_or("<机关代号>");
    let d = match ext_lower.as_str() {
        "md" | "markdown" | "mdown" => {
            let fixed = format!("{stem}.md");
            Diagnostic::file(
                Severity::Warning,
                "unread-file",
                rel,
                t!("load.unread_markdown"),
            )
            .found(name.to_string())
            .expected(fixed.clone())
            .help(t!("load.unread_markdown_help", name = fixed))
        }
        "docx" | "doc" | "wps" | "pdf" | "html" | "htm" | "shtml" | "xlsx" | "xls" => {
            Diagnostic::file(
                Severity::Warning,
                "unread-file",
                rel,
                t!("load.unread_published", ext = ext),
            )
            .help(t!(
                "load.unread_published_help",
                file = rel,
                agency = agency
            ))
        }
        _ => return None,
    };
    Some(d)
}

/// A department without a stated tier belongs to the government of its parent when the
/// parent is a province, city or county in the archive.
fn inherit_tiers(agencies: &mut [Agency]) {
    use crate::model::Level;
    let levels: std::collections::HashMap<String, Level> =
        agencies.iter().map(|a| (a.slug.clone(), a.level)).collect();
    for a in agencies.iter_mut() {
        if a.level == Level::Department && a.tier.is_none() {
            a.tier = a
                .parent
                .as_ref()
                .and_then(|p| levels.get(p))
                .copied()
                .filter(|l| matches!(l, Level::Province | Level::City | Level::County));
        }
    }
}

/// What [`read_bounded`] found.
pub enum Bounded {
    Bytes(Vec<u8>),
    /// A regular file over the limit (its length, or the limit + 1 when it grew while read).
    TooLarge(u64),
    /// Not a regular file: what it is (a FIFO, a device, a folder…), in words.
    NotAFile(String),
}

/// Reads a regular file, at most `limit` bytes. The file is opened without blocking (a FIFO
/// named like a report would otherwise wait for a writer for ever) and checked on the open
/// descriptor (a symlink to `/dev/zero` is a device, not a file), and the read stops past the
/// limit whatever the size the metadata gave.
pub fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Bounded> {
    use std::io::Read;
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = opts.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(Bounded::NotAFile(file_kind(&meta.file_type())));
    }
    if meta.len() > limit {
        return Ok(Bounded::TooLarge(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Ok(Bounded::TooLarge(bytes.len() as u64));
    }
    Ok(Bounded::Bytes(bytes))
}

/// [`read_bounded`] with its refusals as a message, for files other than reports (templates,
/// static files, files to import).
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    match read_bounded(path, limit) {
        Ok(Bounded::Bytes(b)) => Ok(b),
        Ok(Bounded::TooLarge(len)) => Err(too_large_message(len, limit)),
        Ok(Bounded::NotAFile(kind)) => Err(t!("load.not_a_file", kind = kind)),
        Err(e) => Err(t!("load.cannot_read", error = e)),
    }
}

/// "the file is 5.2 MiB; files are limited to 4 MiB".
fn too_large_message(len: u64, limit: u64) -> String {
    t!(
        "load.too_large",
        size = format!("{:.1}", len as f64 / 1_048_576.0),
        limit = limit / 1_048_576
    )
}

/// What a file that is not a regular one is, in words.
fn file_kind(t: &std::fs::FileType) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return t!("load.kind_fifo");
        }
        if t.is_char_device() || t.is_block_device() {
            return t!("load.kind_device");
        }
        if t.is_socket() {
            return t!("load.kind_socket");
        }
    }
    if t.is_dir() {
        t!("load.kind_folder")
    } else {
        t!("load.kind_other")
    }
}

/// Whether a directory entry is an editor's temporary or a hidden file, never content.
pub fn ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
}

/// The year of a report file name (`2021.md`).
pub fn report_year(name: &str) -> Option<i32> {
    let stem = name.strip_suffix(".md")?;
    (stem.len() == 4 && stem.bytes().all(|b| b.is_ascii_digit()))
        .then(|| stem.parse().ok())
        .flatten()
}

/// One report file after reading.
struct Parsed {
    report: Option<Report>,
    diags: Vec<Diagnostic>,
    text: Option<Arc<str>>,
    /// The parse-cache key of a report read without a diagnostic, and whether it came from
    /// the cache.
    key: Option<(u128, bool)>,
}

/// One agency folder read: its findings, the text of its `agency.toml` (path, text) and the
/// agency when it parsed.
type AgencyRead = (Vec<Diagnostic>, Option<(String, Arc<str>)>, Option<Agency>);

/// Loads the site at `root`.
pub fn load_site(root: &Path) -> Result<Loaded, Fatal> {
    load_site_with(root, Texts::Held)
}

/// Whether the loaded reports hold their files' texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Texts {
    /// Every report holds its text (watch mode checks and renders again and again).
    Held,
    /// Each report lets go of its text once parsed, and reads it again when a diagnostic or
    /// a page needs it (`check` and `build`: the texts of 50,000 reports are 480 MB, most of
    /// which nothing reads again).
    Released,
}

/// Reads a report file again, as [`read_text`] did when it was loaded.
fn read_again(path: &Path) -> Option<Arc<str>> {
    read_text(path, "").ok()
}

/// Keeps in `loaded.sources` the texts of the files cited by the diagnostics `printed` shows
/// with their lines ([`Diagnostics::shown`]), and only those (reports' texts read again if
/// released), and lets the reports drop what only diagnostics read: the texts read again for
/// them and, when the texts are released, where each cell is written. Call it once every
/// diagnostic is made.
pub fn cite_texts(loaded: &mut Loaded, printed: &Diagnostics) {
    let cited: std::collections::BTreeSet<&str> = printed
        .shown()
        .flat_map(|d| {
            std::iter::once(d.file.as_str()).chain(d.related.iter().map(|r| r.file.as_str()))
        })
        .collect();
    for r in &mut loaded.site.reports {
        if cited.contains(r.path.as_str()) && loaded.sources.get(&r.path).is_none() {
            let text = r.text();
            if !text.is_empty() {
                loaded.sources.insert(&r.path, text);
            }
        }
        r.forget_text();
        if r.released.is_some() {
            r.forget_spans();
        }
    }
    loaded.sources.retain(|path| cited.contains(path));
}

/// [`load_site`], the reports holding their texts or not.
pub fn load_site_with(root: &Path, texts: Texts) -> Result<Loaded, Fatal> {
    let mut diags = Diagnostics::default();
    let mut sources = Sources::default();

    let site_path = root.join("site.toml");
    if !site_path.is_file() {
        return Err(Fatal::new(t!("load.no_site_toml", dir = root.display())));
    }
    let text = read_text(&site_path, "site.toml").map_err(|d| {
        let mut f = Fatal::new(t!("load.site_unreadable"));
        f.diagnostics.push(*d);
        f
    })?;
    sources.insert("site.toml", text.clone());
    let (config, site_diags) = config::parse_site("site.toml", &text);
    let Some(config) = config else {
        let mut f = Fatal::new(t!("load.site_invalid"));
        f.diagnostics.extend(site_diags);
        f.sources = sources;
        return Err(f);
    };
    diags.extend(site_diags);

    let content = root.join("content");
    if !content.is_dir() {
        return Err(Fatal::new(t!("load.no_content", dir = root.display())));
    }

    let mut agency_dirs: Vec<(String, PathBuf)> = Vec::new();
    let mut report_files: Vec<(String, String, Option<i32>, PathBuf)> = Vec::new();
    let walker = WalkDir::new(&content)
        .min_depth(1)
        .max_depth(3)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !ignored_name(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let p = e
                    .path()
                    .map(|p| rel_path(root, p))
                    .unwrap_or_else(|| "content".into());
                diags.push(Diagnostic::file(
                    Severity::Error,
                    "io",
                    &p,
                    t!("load.cannot_read", error = e),
                ));
                continue;
            }
        };
        let rel = rel_path(root, entry.path());
        let name = entry.file_name().to_string_lossy().to_string();
        let is_dir = entry.file_type().is_dir();
        // Links to folders are not followed (they could lead out of the site, or in a
        // circle): said, not skipped silently.
        if entry.path_is_symlink() && entry.path().is_dir() {
            diags.push(
                Diagnostic::file(
                    Severity::Warning,
                    "symlink",
                    &rel,
                    t!("load.symlink_folder"),
                )
                .help(t!("load.symlink_folder_help")),
            );
            continue;
        }
        match (entry.depth(), is_dir) {
            (1, true) => agency_dirs.push((name, entry.path().to_path_buf())),
            (2, false) if name.ends_with(".md") => {
                let slug = entry
                    .path()
                    .parent()
                    .and_then(|p| p.file_name())
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                let year = report_year(&name);
                if year.is_none() {
                    diags.push(
                        Diagnostic::file(
                            Severity::Error,
                            "report-name",
                            &rel,
                            t!("load.report_name"),
                        )
                        .found(name.clone())
                        .help(t!("load.report_name_help")),
                    );
                }
                report_files.push((rel, slug, year, entry.path().to_path_buf()));
            }
            (_, false) if !name.ends_with(".md") => {
                if let Some(d) = unread_file(&rel, &name, entry.depth()) {
                    diags.push(d);
                }
            }
            (1 | 3, false) if name.ends_with(".md") => diags.push(
                Diagnostic::file(Severity::Warning, "stray-file", &rel, t!("load.stray_file"))
                    .help(t!("load.stray_file_help")),
            ),
            _ => {}
        }
    }

    // Agencies are read in parallel, their findings merged in folder order.
    let read: Vec<AgencyRead> = agency_dirs
        .par_iter()
        .map(|(slug, dir)| {
            let mut diags = Vec::new();
            let rel_dir = rel_path(root, dir);
            if !config::valid_slug(slug) {
                diags.push(
                    Diagnostic::file(
                        Severity::Error,
                        "agency-slug",
                        &rel_dir,
                        t!("load.bad_slug", slug = slug),
                    )
                    .help(config::slug_help(slug)),
                );
            }
            let meta = dir.join("agency.toml");
            let rel = format!("{rel_dir}/agency.toml");
            if !meta.is_file() {
                diags.push(
                    Diagnostic::file(
                        Severity::Error,
                        "missing-agency-file",
                        &rel_dir,
                        t!("load.no_agency_file"),
                    )
                    .help(t!("load.no_agency_file_help", file = rel)),
                );
                return (diags, None, None);
            }
            match read_text(&meta, &rel) {
                Ok(text) => {
                    let (a, ds) = config::parse_agency(&rel, slug, &text);
                    diags.extend(ds);
                    (diags, Some((rel, text)), a)
                }
                Err(d) => {
                    diags.push(*d);
                    (diags, None, None)
                }
            }
        })
        .collect();
    let mut agencies: Vec<Agency> = Vec::with_capacity(read.len());
    for (ds, text, a) in read {
        diags.extend(ds);
        if let Some((rel, text)) = text {
            sources.insert(&rel, text);
        }
        agencies.extend(a);
    }

    // Reports whose text is unchanged since the last run come from the parse cache.
    let cache = cache::Cache::open(root);
    let parsed: Vec<Parsed> = report_files
        .par_iter()
        .filter(|(_, _, year, _)| year.is_some())
        .map(|(rel, slug, year, path)| match read_text(path, rel) {
            Ok(text) => {
                let key = cache.key(rel, slug, *year, &text);
                let (mut report, diags, hit) = match key.and_then(|k| cache.get(k, &text)) {
                    Some(r) => (Some(r), Vec::new(), true),
                    None => {
                        let (r, d) = report::parse_report(rel, slug, *year, text.clone());
                        (r, d, false)
                    }
                };
                let clean = report.is_some() && diags.is_empty();
                // The text stays for the loading diagnostics' lines, else with the report
                // or, released, nowhere.
                let keep = !diags.is_empty() || texts == Texts::Held;
                if let (Some(r), Texts::Released) = (&mut report, texts) {
                    r.release_text(path.clone(), read_again);
                }
                Parsed {
                    report,
                    diags,
                    text: keep.then_some(text),
                    key: key.filter(|_| clean).map(|k| (k, hit)),
                }
            }
            Err(d) => Parsed {
                report: None,
                diags: vec![*d],
                text: None,
                key: None,
            },
        })
        .collect();
    let mut reports = Vec::with_capacity(parsed.len());
    let mut keys: Vec<(u128, usize)> = Vec::new();
    let mut missed = false;
    for ((rel, ..), p) in report_files.iter().filter(|f| f.2.is_some()).zip(parsed) {
        if let Some(t) = p.text {
            sources.insert(rel, t);
        }
        diags.extend(p.diags);
        if let (Some((key, hit)), Some(_)) = (p.key, &p.report) {
            keys.push((key, reports.len()));
            missed |= !hit;
        }
        reports.extend(p.report);
    }
    // Written when a report was parsed, or the cache holds entries no report uses now.
    if missed || keys.len() != cache.len() {
        let entries: Vec<(u128, &Report)> = keys.iter().map(|&(k, i)| (k, &reports[i])).collect();
        cache.save(root, &entries);
    }
    drop(cache);
    reports.sort_by(|a, b| (&a.agency, a.year, &a.path).cmp(&(&b.agency, b.year, &b.path)));
    agencies.sort_by(|a, b| a.slug.cmp(&b.slug));
    inherit_tiers(&mut agencies);

    Ok(Loaded {
        site: Site {
            root: root.to_path_buf(),
            config,
            agencies,
            reports,
        },
        diagnostics: diags,
        sources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_names() {
        assert_eq!(report_year("2021.md"), Some(2021));
        assert_eq!(report_year("2021.MD"), None);
        assert_eq!(report_year("21.md"), None);
        assert_eq!(report_year("2021-a.md"), None);
        assert!(ignored_name(".2021.md.swp"));
        assert!(ignored_name("2021.md~"));
        assert!(!ignored_name("2021.md"));
    }
}
