//! A whole build: load → check → derive/render → write, with the outcome of each stage.
//! Used by `gongkai build` and by watch mode.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::diag::{Diagnostic, Diagnostics, Sources};
use crate::incremental;
use crate::load::{Fatal, Texts, load_site_with};
use crate::output::{Staging, output_dir};
use crate::render::{self, Archive, Theme};

/// The largest static file (an image, a font, a PDF of a report) copied into the site.
pub const MAX_STATIC_BYTES: u64 = 64 * 1_048_576;

/// How progress is shown on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// A bar on a terminal, plain lines otherwise.
    Auto,
    /// Nothing (tests, watch mode).
    Quiet,
}

/// A successful build.
pub struct Built {
    pub pages: usize,
    pub files: usize,
    pub elapsed: Duration,
    pub out: PathBuf,
    /// Warnings and acknowledged findings (no errors).
    pub diagnostics: Diagnostics,
    pub sources: Sources,
    pub timings: Timings,
    /// Sizes of the search index.
    pub search: render::search::IndexStats,
    /// The files written, when the build updated the last one's output in place (then
    /// `files` is their number); `None` for a full build.
    pub written: Option<Vec<String>>,
    /// The model the site was built from (one allocation per cell and row: freeing it is
    /// measurable at 10,000 reports, which a command about to exit can skip).
    pub site: crate::model::Site,
}

/// Why a build produced nothing; the previous output is untouched in every case.
pub enum Failure {
    /// The site could not be read at all.
    Unreadable(Fatal),
    /// `check` found errors.
    Invalid {
        diagnostics: Diagnostics,
        sources: Sources,
    },
    /// The theme or a page could not be rendered, or the output could not be written.
    Output(Vec<Diagnostic>),
}

pub fn output_error(message: String) -> Failure {
    Failure::Output(vec![Diagnostic::file(
        crate::diag::Severity::Error,
        "output",
        "site.toml",
        message,
    )])
}

/// Builds the site at `root` into its output folder.
pub fn build(root: &Path, progress: Progress) -> Result<Built, Failure> {
    build_into(root, progress, None, Mode::Incremental)
}

/// Whether a build may update the output of the last one in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Only the files that change, when only reports changed since the last build
    /// (see [`crate::incremental`]); everything otherwise.
    Incremental,
    /// Every file, into a new folder swapped into place (`build --full`).
    Full,
}

/// Builds the site at `root` into `output` (`--output-dir`), or into site.toml's `output_dir`.
pub fn build_into(
    root: &Path,
    progress: Progress,
    output: Option<&Path>,
    mode: Mode,
) -> Result<Built, Failure> {
    let mut t = Timings::default();
    let start = Instant::now();
    let mut loaded = t
        .stage("load", || load_site_with(root, Texts::Released))
        .map_err(Failure::Unreadable)?;
    let mut diagnostics = t.stage("check", || crate::check::check(&loaded));
    crate::check::for_publication(&mut diagnostics);
    if diagnostics.has_errors() {
        crate::load::cite_texts(&mut loaded, &diagnostics);
        return Err(Failure::Invalid {
            diagnostics,
            sources: loaded.sources,
        });
    }
    let configured = match output {
        Some(o) => o.to_string_lossy().into_owned(),
        None => loaded.site.config.output_dir.clone(),
    };
    let out = output_dir(root, &configured).map_err(output_error)?;
    // A build that succeeds prints its warnings (acknowledged findings are on the site).
    let fingerprint = incremental::fingerprint(root, &loaded, &diagnostics, &out);
    let printed = Diagnostics {
        items: (diagnostics.items.iter())
            .filter(|d| d.severity != crate::diag::Severity::Acknowledged)
            .cloned()
            .collect(),
    };
    crate::load::cite_texts(&mut loaded, &printed);
    let mut theme = render::theme::load(root, &loaded.site.config).map_err(Failure::Output)?;
    theme.set_globals(&loaded.site);
    let _lock = crate::output::OutputLock::acquire(&out).map_err(output_error)?;
    let prior = incremental::read(root);
    // From here the output changes: until this build completes, the next one is full.
    incremental::forget(root);
    let edited = match (&prior, &fingerprint) {
        (Some(p), Some(f)) if mode == Mode::Incremental => {
            p.edited(f, &out, &loaded.site.config.keep)
        }
        _ => None,
    };
    let updated = match (&prior, edited) {
        (Some(prior), Some(edited)) => t
            .stage("update", || {
                incremental::update(&loaded, &diagnostics, &theme, &out, prior, &edited)
            })
            .map_err(output_error)?,
        _ => None,
    };
    // What the build wrote, and what the state records of it (the page list's hash, every
    // report's standing, the output's file listing when already known).
    let (pages, files, search, written, pages_hash, standings, listing) = match updated {
        Some(u) => (
            u.pages,
            u.written.len(),
            u.search,
            Some(u.written),
            u.pages_hash,
            u.standings,
            prior.as_ref().map(incremental::State::files),
        ),
        None => {
            let r = render_site(&loaded, &diagnostics, &theme, &out, progress, false, &mut t)?;
            let hash = incremental::pages_hash(&r.pages);
            (
                r.pages.len(),
                r.files,
                r.stats,
                None,
                hash,
                r.standings,
                None,
            )
        }
    };
    if let Some(f) = fingerprint {
        let record = incremental::Record {
            site: &loaded.site,
            pages: pages_hash,
            standings: &standings,
            files: listing,
            search,
        };
        incremental::save(root, f, &out, record);
    }
    Ok(Built {
        pages,
        files,
        elapsed: start.elapsed(),
        out,
        diagnostics,
        sources: loaded.sources,
        timings: t,
        search,
        written,
        site: loaded.site,
    })
}

/// A full render.
pub struct Rendered {
    pub files: usize,
    pub pages: Vec<render::Page>,
    pub stats: render::search::IndexStats,
    /// What watch mode needs to update the output incrementally, when asked for.
    pub updates: Option<UpdateState>,
    /// Every report's standing among its peers, by index (see [`incremental::standings`]).
    pub standings: Vec<u64>,
}

/// The search index and bulk tables, kept for incremental updates.
pub struct UpdateState {
    pub search: render::search::SearchIndex,
    pub bulk: render::data::BulkTable,
    /// The figures of every report, for the next update's archive (taken while it renders).
    pub derived: Option<render::Derived>,
}

/// Renders a checked site into a staging folder and swaps it into `out`.
pub fn render_site(
    loaded: &crate::load::Loaded,
    diagnostics: &Diagnostics,
    theme: &Theme,
    out: &Path,
    progress: Progress,
    keep_state: bool,
    t: &mut Timings,
) -> Result<Rendered, Failure> {
    let site = &loaded.site;
    let (mut archive, pages) = t.stage("index", || {
        let archive = Archive::new(site, &diagnostics.items);
        let pages = render::pages(&archive);
        (archive, pages)
    });
    let staging = Staging::new(out).map_err(output_error)?;
    let mut files = t.stage("pages", || {
        write_all(theme, &archive, &pages, &staging, progress)
    })?;
    // The feeds (and the quality CSV beside them) right after the pages, from the summaries
    // the report pages kept instead of every report's file read once more; then let go.
    let feeds = t.stage("feeds", || {
        let quality = render::quality::csv(theme, &archive)
            .and_then(|csv| staging.write(render::urls::QUALITY_CSV, &csv));
        render::feeds::write(theme, &archive, &pages, &staging).and_then(|n| quality.map(|_| n + 1))
    });
    files += feeds.map_err(output_error)?;
    archive.forget_summaries();
    // The search index and the data files are independent: built side by side, each fills
    // the cores where the other waits (on writes, or in its serial parts).
    let ((index, stats), data) = t.stage("search, data", || {
        rayon::join(
            || match keep_state {
                true => match render::search::SearchIndex::build(&archive) {
                    Ok(index) => {
                        let stats = index.write_all(&staging);
                        (Some(index), stats)
                    }
                    Err(e) => (None, Err(e)),
                },
                false => (None, render::search::write(&archive, &staging)),
            },
            || -> Result<(render::data::BulkTable, usize), String> {
                // Watch mode keeps the rows to update them; a build streams them.
                let bulk = match keep_state {
                    true => render::data::BulkTable::build(&archive)?,
                    false => render::data::BulkTable::layout(&archive)?,
                };
                // The archive-wide files first: they are a few long copies, and started
                // last they would leave a core idle at the end of the build.
                let (whole, per_report) = rayon::join(
                    || -> Result<usize, String> {
                        let years: Vec<i32> = archive.by_year.keys().copied().collect();
                        let ((bulk_files, static_files), research) = rayon::join(
                            || {
                                rayon::join(
                                    || match keep_state {
                                        true => bulk.write(&archive, None, &staging),
                                        false => bulk.write_streamed(&archive, &staging),
                                    },
                                    || render::data::write_static(&archive, &staging),
                                )
                            },
                            || render::research::write(theme, &archive, &bulk, &years, &staging),
                        );
                        Ok(bulk_files? + static_files? + research?)
                    },
                    || {
                        bulk.order
                            .par_iter()
                            .try_for_each(|&i| render::data::write_report(&archive, i, &staging))
                    },
                );
                per_report?;
                let files = bulk.order.len() * 2 + whole?;
                Ok((bulk, files))
            },
        )
    });
    let stats = stats.map_err(output_error)?;
    let (bulk, data_files) = data.map_err(output_error)?;
    files += stats.files + data_files;
    t.stage("commit", || staging.commit(&site.config.keep))
        .map_err(output_error)?;
    let standings = incremental::standings(&archive);
    Ok(Rendered {
        files,
        pages,
        stats,
        updates: index.map(|search| UpdateState {
            search,
            bulk,
            derived: Some(archive.into_derived()),
        }),
        standings,
    })
}

/// Wall time, CPU time and memory of each stage of a build, for `build --timings` and
/// benchmarks.
#[derive(Debug, Default, Clone)]
pub struct Timings {
    pub stages: Vec<Stage>,
}

#[derive(Debug, Clone)]
pub struct Stage {
    pub name: &'static str,
    pub wall: Duration,
    /// User + system time of all threads (zero where the system does not say): with `wall`
    /// it shows how well a stage uses the cores.
    pub cpu: Duration,
    /// Peak resident memory of the process after the stage (bytes; 0 where unknown).
    pub peak: u64,
}

impl Timings {
    fn stage<T>(&mut self, name: &'static str, f: impl FnOnce() -> T) -> T {
        let (start, cpu) = (Instant::now(), cpu_time());
        let out = f();
        self.stages.push(Stage {
            name,
            wall: start.elapsed(),
            cpu: cpu_time().saturating_sub(cpu),
            peak: peak_memory(),
        });
        out
    }
}

/// The peak resident memory of this process so far (Linux: `VmHWM`), in bytes.
fn peak_memory() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kb| kb * 1024)
}

/// CPU time of this process so far (Linux: `utime + stime` of `/proc/self/stat`, in the
/// kernel's fixed 1/100 s ticks).
fn cpu_time() -> Duration {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name, which may contain spaces: state is field 3,
            // utime and stime are fields 14 and 15.
            let rest = &s[s.rfind(')')? + 1..];
            let mut f = rest.split_whitespace().skip(11);
            let user: u64 = f.next()?.parse().ok()?;
            let system: u64 = f.next()?.parse().ok()?;
            Some(Duration::from_millis((user + system) * 10))
        })
        .unwrap_or_default()
}

/// Renders every page and copies the static files into `staging`.
pub fn write_all(
    theme: &Theme,
    archive: &Archive<'_>,
    pages: &[render::Page],
    staging: &Staging,
    progress: Progress,
) -> Result<usize, Failure> {
    let bar = match progress {
        Progress::Auto if std::io::stderr().is_terminal() && !crate::term::quiet() => {
            let b = indicatif::ProgressBar::new(pages.len() as u64);
            let template = t!("build.progress_bar");
            b.set_style(
                indicatif::ProgressStyle::with_template(&template)
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            Some(b)
        }
        _ => None,
    };
    let plain =
        progress == Progress::Auto && bar.is_none() && pages.len() >= 1000 && !crate::term::quiet();
    let done = AtomicUsize::new(0);
    let step = (pages.len() / 4).max(1);
    // Pages listing the whole archive (a year page has a row per agency) first, so that no
    // core is left rendering one of them alone at the end.
    let big = |p: &&render::Page| {
        use render::PageKind::*;
        matches!(p.kind, Home | Agencies | Years | Year(_))
    };
    let order: Vec<&render::Page> = pages
        .iter()
        .filter(big)
        .chain(pages.iter().filter(|p| !big(p)))
        .collect();
    let errors: Vec<Diagnostic> = order
        .par_iter()
        .filter_map(|page| {
            let result = render::render_page(theme, archive, page).and_then(|html| {
                staging.write(&page.path, &html).map_err(|e| {
                    Box::new(Diagnostic::file(
                        crate::diag::Severity::Error,
                        "output",
                        &page.path,
                        e,
                    ))
                })
            });
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(b) = &bar {
                b.inc(1);
            } else if plain && n.is_multiple_of(step) {
                eprintln!("{}", t!("build.progress", n = n, total = pages.len()));
            }
            result.err().map(|d| *d)
        })
        .collect();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if !errors.is_empty() {
        let mut errors = errors;
        errors.sort_by(|a, b| a.file.cmp(&b.file));
        errors.truncate(20);
        return Err(Failure::Output(errors));
    }
    let mut files = pages.len();
    for (name, src) in &theme.statics {
        let bytes = match src {
            render::theme::StaticSource::Embedded(b) => b.to_vec(),
            // Static files are bounded too: a FIFO or a link to a device must not hang a build.
            render::theme::StaticSource::File(p) => crate::load::read_limited(p, MAX_STATIC_BYTES)
                .map_err(|e| output_error(format!("{}: {e}", p.display())))?,
        };
        staging
            .write(&format!("static/{name}"), &bytes)
            .map_err(output_error)?;
        files += 1;
    }
    Ok(files)
}
