//! `gongkai build` after a build of the same site: only the files that change are written.
//!
//! A build leaves `.gongkai/build.state` in the site folder: a hash of everything that is
//! not a report's text (the gongkai binary, the message language, the output folder,
//! site.toml, every agency.toml, the theme's files, the list of report files, the findings
//! of files other than reports), the hash of the list of pages, of the output's marker file
//! and of its list of files, each report's text, findings and standing among its peers (as
//! hashes), and the search index's sizes. The next build compares: when only reports' texts
//! or findings differ, it renders what depends on those reports (the rules of watch mode,
//! [`dependents`]) into the output in place, each file written only when its bytes change;
//! anything else, a state of another output folder, or an output folder replaced, added to
//! or thinned since means a full build. The state is removed before the output is touched
//! and written once the output is complete, so a build that stops half-way is followed by a
//! full one. tests/incremental.rs compares every file with a full build's after each kind of
//! change.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::Hasher;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{Xxh3, xxh3_64};

use crate::diag::Diagnostics;
use crate::load::Loaded;
use crate::output::LiveSink;
use crate::render::search::IndexStats;
use crate::render::{self, Archive, Page, PageKind, Sink, Theme};

const FILE: &str = "build.state";
/// Bumped when the state's meaning changes.
const VERSION: u32 = 2;

/// What a build's output depends on, as hashes.
pub struct Fingerprint {
    /// Everything but the reports' texts and findings.
    inputs: u64,
    /// Each report file's (text, findings).
    reports: BTreeMap<String, [u64; 2]>,
}

/// What the last complete build left for the next one.
#[derive(Serialize, Deserialize)]
pub struct State {
    version: u32,
    inputs: u64,
    /// The output paths of every page, in order.
    pages: u64,
    /// The output folder's marker as it was after the build (see [`output_id`]).
    output: u64,
    /// The output's list of files (see [`listing`]): a file added to it or removed from it
    /// since means a full build, which puts it right.
    files: u64,
    /// Each report's (text, findings, standings among its peers).
    reports: BTreeMap<String, [u64; 3]>,
    search: IndexStats,
}

/// The fingerprint of a loaded and checked site built into `out`; `None` when a file it
/// depends on cannot be read (then the build is full and leaves no state).
pub fn fingerprint(
    root: &Path,
    loaded: &Loaded,
    diagnostics: &Diagnostics,
    out: &Path,
) -> Option<Fingerprint> {
    let site = &loaded.site;
    let report_paths: BTreeSet<&str> = site.reports.iter().map(|r| r.path.as_str()).collect();
    let mut findings: BTreeMap<&str, Xxh3> = BTreeMap::new();
    for d in &diagnostics.items {
        std::hash::Hash::hash(d, findings.entry(d.file.as_str()).or_default());
    }
    let reports = site
        .reports
        .par_iter()
        .map(|r| {
            let text = r.text_hash();
            let found = findings.get(r.path.as_str()).map_or(0, |h| h.digest());
            (r.path.clone(), [text, found])
        })
        .collect();
    let mut h = Xxh3::new();
    let exe = std::env::current_exe().ok()?;
    // Streamed: the binary is 15 MB (120 MB with debug information), which a build should
    // not hold in memory just to hash.
    let mut exe_hash = Xxh3::new();
    std::io::copy(&mut std::fs::File::open(exe).ok()?, &mut exe_hash).ok()?;
    h.update(&exe_hash.digest().to_le_bytes());
    h.update(format!("{:?}\0{}\0", crate::i18n::lang(), out.display()).as_bytes());
    for (path, text) in loaded.sources.iter() {
        if !report_paths.contains(path) {
            h.update(format!("{path}\0{}\0", text.len()).as_bytes());
            h.update(text.as_bytes());
        }
    }
    for r in &site.reports {
        h.update(format!("{}\0{}\0{}\0", r.path, r.agency, r.year).as_bytes());
    }
    for (file, found) in &findings {
        if !report_paths.contains(file) {
            h.update(format!("{file}\0{}\0", found.digest()).as_bytes());
        }
    }
    let theme = root.join("themes").join(&site.config.theme);
    for dir in [theme, root.join("templates"), root.join("static")] {
        if !dir.is_dir() {
            continue;
        }
        for e in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            let e = e.ok()?;
            if e.file_type().is_file() {
                let bytes =
                    crate::load::read_limited(e.path(), crate::build::MAX_STATIC_BYTES).ok()?;
                h.update(format!("{}\0{}\0", e.path().display(), bytes.len()).as_bytes());
                h.update(&bytes);
            }
        }
    }
    Some(Fingerprint {
        inputs: h.digest(),
        reports,
    })
}

/// The hash of the pages' output paths.
pub fn pages_hash(pages: &[Page]) -> u64 {
    let mut h = Xxh3::new();
    for p in pages {
        h.update(p.path.as_bytes());
        h.update(&[0]);
    }
    h.digest()
}

/// The output folder's marker file as found on disk (its size, time and, on Unix, inode):
/// a full build makes a new one, so an output folder replaced or restored from elsewhere
/// since the state was written does not match it.
fn output_id(out: &Path) -> Option<u64> {
    let m = std::fs::symlink_metadata(out.join(crate::output::MARKER)).ok()?;
    let time = m
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    let mut h = Xxh3::new();
    h.write_u64(m.len());
    h.write_u128(time.as_nanos());
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        h.write_u64(m.ino());
        h.write_u64(m.dev());
    }
    Some(h.digest())
}

/// A hash of the paths of every file in the output folder `out`, leaving out the names a
/// build keeps at its top (`keep` and [`crate::output::ALWAYS_KEPT`]); `None` when it cannot
/// be listed. Folders are read in parallel and the paths' hashes summed, so the order they
/// come in does not matter (190,000 files at 50,000 reports).
pub fn listing(out: &Path, keep: &[String]) -> Option<u64> {
    /// The sum of the hashes of the paths under `dir` (`rel` its path in the output) and
    /// their number; at the top (`rel` empty) the kept names are left out.
    fn folder(dir: &Path, rel: &str, keep: &[String]) -> Option<(u64, u64)> {
        let entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
            .ok()?
            .collect::<std::io::Result<_>>()
            .ok()?;
        entries
            .par_iter()
            .filter(|e| {
                let name = e.file_name().to_string_lossy().to_string();
                let kept =
                    crate::output::ALWAYS_KEPT.contains(&name.as_str()) || keep.contains(&name);
                !(rel.is_empty() && kept)
            })
            .map(|e| {
                let path = format!("{rel}{}", e.file_name().to_string_lossy());
                if e.file_type().ok()?.is_dir() {
                    folder(&e.path(), &format!("{path}/"), keep)
                } else {
                    Some((xxh3_64(path.as_bytes()), 1))
                }
            })
            .try_reduce(|| (0, 0), |a, b| Some((a.0.wrapping_add(b.0), a.1 + b.1)))
    }
    let (sum, count) = folder(out, "", keep)?;
    let mut h = Xxh3::new();
    h.write_u64(sum);
    h.write_u64(count);
    Some(h.digest())
}

fn state_path(root: &Path) -> std::path::PathBuf {
    root.join(crate::load::cache::DIR).join(FILE)
}

/// The state the last complete build left, if any and readable.
pub fn read(root: &Path) -> Option<State> {
    let path = state_path(root);
    // Never followed through a link: the state is the site's own.
    if std::fs::symlink_metadata(&path)
        .ok()?
        .file_type()
        .is_symlink()
    {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice::<State>(&bytes)
        .ok()
        .filter(|s| s.version == VERSION)
}

/// Removes the state before the output changes: until a build completes, the next one is
/// full.
pub fn forget(root: &Path) {
    let _ = std::fs::remove_file(state_path(root));
}

/// Where each report stands among its peers (see [`render::standings`]), as hashes by report
/// index.
pub fn standings(archive: &Archive<'_>) -> Vec<u64> {
    (0..archive.site.reports.len())
        .into_par_iter()
        .map(|i| {
            let mut h = Xxh3::new();
            std::hash::Hash::hash(&render::standings(archive, i), &mut h);
            h.digest()
        })
        .collect()
}

/// What a complete build leaves in the state beside its [`Fingerprint`].
pub struct Record<'a> {
    pub site: &'a crate::model::Site,
    /// [`pages_hash`] of its pages.
    pub pages: u64,
    /// Every report's standing among its peers, by index (see [`standings`]).
    pub standings: &'a [u64],
    /// The [`listing`] of the output when known (an update in place leaves the same files).
    pub files: Option<u64>,
    pub search: IndexStats,
}

/// Records a complete build into `out`; failing to is silent (the next build is then full).
pub fn save(root: &Path, fp: Fingerprint, out: &Path, built: Record<'_>) {
    let files = built
        .files
        .or_else(|| listing(out, &built.site.config.keep));
    let (Some(output), Some(files)) = (output_id(out), files) else {
        return;
    };
    let reports = built
        .site
        .reports
        .iter()
        .zip(built.standings)
        .filter_map(|(r, &s)| {
            let [text, found] = fp.reports.get(&r.path)?;
            Some((r.path.clone(), [*text, *found, s]))
        })
        .collect();
    let state = State {
        version: VERSION,
        inputs: fp.inputs,
        pages: built.pages,
        output,
        files,
        reports,
        search: built.search,
    };
    let dir = root.join(crate::load::cache::DIR);
    if std::fs::create_dir_all(&dir).is_ok()
        && let Ok(bytes) = serde_json::to_vec(&state)
    {
        let _ = crate::output::write_atomic(&dir.join(FILE), &bytes);
    }
}

impl State {
    /// The [`listing`] of the output it describes.
    pub fn files(&self) -> u64 {
        self.files
    }

    /// The reports whose text or findings changed since this state, when nothing else did
    /// and `out` is the output it describes, with the files it had (`keep`: the names kept
    /// at its top); `None` means a full build.
    pub fn edited(&self, fp: &Fingerprint, out: &Path, keep: &[String]) -> Option<Vec<String>> {
        if self.inputs != fp.inputs
            || self.reports.len() != fp.reports.len()
            || output_id(out) != Some(self.output)
            || listing(out, keep) != Some(self.files)
        {
            return None;
        }
        let mut edited = Vec::new();
        for ((path, now), (old_path, before)) in fp.reports.iter().zip(&self.reports) {
            if path != old_path {
                return None;
            }
            if now[..] != before[..2] {
                edited.push(path.clone());
            }
        }
        Some(edited)
    }
}

/// What depends on a set of edited reports.
pub struct Dependents {
    /// Reports whose data files, search documents and feed entries change: the edited ones
    /// and the next year of the same agency (its rates and continuity findings use the
    /// edited numbers).
    pub touched: BTreeSet<usize>,
    /// Pages to render again.
    pub kinds: BTreeSet<PageKind>,
}

/// The pages and report files that depend on the `edited` reports (indices into the site's
/// reports), given the reports whose standing among their peers changed (`moved`: their
/// report pages and their agencies' pages show it). Shared by watch mode and incremental
/// builds.
pub fn dependents(
    archive: &Archive<'_>,
    pages: &[Page],
    edited: &[usize],
    moved: &[usize],
) -> Dependents {
    let touched = touched(archive, edited);
    let mut around = touched.clone();
    around.extend(edited.iter().filter_map(|&i| archive.previous(i)));
    let mut kinds: BTreeSet<PageKind> = BTreeSet::new();
    for &i in &around {
        let r = archive.report(i);
        kinds.insert(PageKind::Report(i));
        kinds.insert(PageKind::Agency(r.agency.clone()));
        kinds.insert(PageKind::Compare(r.agency.clone()));
        // The parent's sum of its children, every year (its table of years too).
        if let Some(parent) = archive.agency(&r.agency).and_then(|a| a.parent.clone()) {
            for p in pages {
                if matches!(&p.kind, PageKind::Rollup(s, _) if *s == parent) {
                    kinds.insert(p.kind.clone());
                }
            }
        }
        // The sums of the regions the agency is in, every year.
        let region = archive.agency(&r.agency).and_then(|a| a.region.as_deref());
        if let Some(region) = region {
            for p in pages {
                if matches!(&p.kind, PageKind::RegionRollup(g, _) if region.starts_with(g.as_str()))
                {
                    kinds.insert(p.kind.clone());
                }
            }
        }
    }
    // A year page shows its reports and their change from the year before.
    for &i in &touched {
        kinds.insert(PageKind::Year(archive.report(i).year));
    }
    for &j in moved {
        kinds.insert(PageKind::Report(j));
        kinds.insert(PageKind::Agency(archive.report(j).agency.clone()));
    }
    if !around.is_empty() {
        kinds.insert(PageKind::Home);
        // Findings are listed archive-wide.
        kinds.insert(PageKind::Quality);
    }
    Dependents { touched, kinds }
}

/// The edited reports and the next year of each (its rates and continuity findings use the
/// edited numbers): the reports whose figures, data files and search documents change.
pub fn touched(archive: &Archive<'_>, edited: &[usize]) -> BTreeSet<usize> {
    edited
        .iter()
        .flat_map(|&i| [Some(i), next_of(archive, i)])
        .flatten()
        .collect()
}

/// The same agency's report of the next year, if archived.
pub fn next_of(archive: &Archive<'_>, i: usize) -> Option<usize> {
    let r = archive.report(i);
    archive
        .by_agency
        .get(&r.agency)?
        .iter()
        .copied()
        .find(|&j| archive.report(j).year == r.year + 1)
}

/// Renders pages in parallel and writes them.
pub fn render_pages(
    theme: &Theme,
    archive: &Archive<'_>,
    pages: &[&Page],
    sink: &dyn Sink,
) -> Result<(), String> {
    pages.par_iter().try_for_each(|p| {
        let html = render::render_page(theme, archive, p).map_err(|d| d.message.clone())?;
        sink.write(&p.path, &html)
    })
}

/// Writes the data files and feeds of the `touched` reports and the quality table (the
/// search documents, the bulk tables and the research files are the caller's: watch mode
/// keeps them in memory, a build patches what is on disk).
pub fn write_report_files(
    theme: &Theme,
    archive: &Archive<'_>,
    touched: &[usize],
    sink: &dyn Sink,
) -> Result<(), String> {
    let csv = render::quality::csv(theme, archive)?;
    sink.write(render::urls::QUALITY_CSV, &csv)?;
    for &i in touched {
        render::data::write_report(archive, i, sink)?;
    }
    if touched.is_empty() {
        return Ok(());
    }
    render::feeds::write_site_feed(theme, archive, sink)?;
    let agencies: BTreeSet<&str> = touched
        .iter()
        .map(|&i| archive.report(i).agency.as_str())
        .collect();
    for a in agencies {
        render::feeds::write_agency_feed(theme, archive, a, sink)?;
    }
    Ok(())
}

/// Rewrites the bulk tables for the `touched` reports of `years`: the years' CSVs from
/// their rows, `reports.csv` and `reports.json` spliced from the files in `out` (every
/// other row as it is there), or from a whole table when those are not as written.
/// Returns the table of the years' rows, which their research files read.
fn write_bulk(
    archive: &Archive<'_>,
    years: &BTreeSet<i32>,
    touched: &[usize],
    out: &Path,
    sink: &LiveSink,
) -> Result<render::data::BulkTable, String> {
    let bulk = render::data::BulkTable::build_years(archive, years)?;
    let read = |name: &str| std::fs::read(out.join("data").join(name)).ok();
    let (old_csv, old_json) = (read("reports.csv"), read("reports.json"));
    let spliced = old_csv
        .as_deref()
        .zip(old_json.as_deref())
        .and_then(|(csv, json)| bulk.splice(touched, csv, json));
    match spliced {
        Some((csv, json)) => {
            sink.replace("data/reports.csv", old_csv.as_deref(), &csv)?;
            sink.replace("data/reports.json", old_json.as_deref(), &json)?;
            bulk.write_years(years, sink)?;
            Ok(bulk)
        }
        None => {
            let whole = render::data::BulkTable::build(archive)?;
            whole.write(archive, Some(years), sink)?;
            Ok(whole)
        }
    }
}

/// An output brought up to date in place.
pub struct Updated {
    pub pages: usize,
    /// Files whose bytes changed, sorted.
    pub written: Vec<String>,
    pub search: IndexStats,
    pub pages_hash: u64,
    /// Every report's standing among its peers, by index (see [`standings`]).
    pub standings: Vec<u64>,
}

/// Brings the output `out` of the last build up to date with the `edited` reports, writing
/// only files whose bytes change, the same files as before; `None` when it cannot be done in
/// place (the site's pages are not the same list, or the search index needs another number
/// of shards; then nothing was written).
pub fn update(
    loaded: &Loaded,
    diagnostics: &Diagnostics,
    theme: &Theme,
    out: &Path,
    state: &State,
    edited: &[String],
) -> Result<Option<Updated>, String> {
    let site = &loaded.site;
    let archive = Archive::new(site, &diagnostics.items);
    let pages = render::pages(&archive);
    let hash = pages_hash(&pages);
    if hash != state.pages {
        return Ok(None);
    }
    let edited: BTreeSet<&str> = edited.iter().map(String::as_str).collect();
    let edited: Vec<usize> = (0..site.reports.len())
        .filter(|&i| edited.contains(site.reports[i].path.as_str()))
        .collect();
    let now = standings(&archive);
    let moved: Vec<usize> = site
        .reports
        .iter()
        .enumerate()
        .filter(|(i, r)| state.reports.get(&r.path).map(|h| h[2]) != Some(now[*i]))
        .map(|(i, _)| i)
        .collect();
    let deps = dependents(&archive, &pages, &edited, &moved);
    let sink = LiveSink::new(out);
    let chosen: Vec<&Page> = pages
        .iter()
        .filter(|p| deps.kinds.contains(&p.kind))
        .collect();
    let touched: Vec<usize> = deps.touched.iter().copied().collect();
    // The search index first: it writes nothing when it cannot be patched (the number of
    // shards changes, which changes the output's files), and then the build is full.
    let search = if touched.is_empty() {
        state.search
    } else {
        match render::search::patch(&archive, &touched, out, state.search, &sink)? {
            Some(s) => s,
            None => return Ok(None),
        }
    };
    let (rendered, files) = rayon::join(
        || render_pages(theme, &archive, &chosen, &sink),
        || -> Result<(), String> {
            if touched.is_empty() {
                return Ok(());
            }
            let years: BTreeSet<i32> = touched.iter().map(|&i| archive.report(i).year).collect();
            let bulk = write_bulk(&archive, &years, &touched, out, &sink)?;
            write_report_files(theme, &archive, &touched, &sink)?;
            let years: Vec<i32> = years.into_iter().collect();
            render::research::write(theme, &archive, &bulk, &years, &sink).map(|_| ())
        },
    );
    rendered?;
    files?;
    Ok(Some(Updated {
        pages: pages.len(),
        written: sink.written(),
        search,
        pages_hash: hash,
        standings: now,
    }))
}
