//! Watch mode: the site kept in memory and rebuilt incrementally on change.
//!
//! An edit to a report re-reads that file only, re-checks the site (cheap: rule plans are
//! precomputed), and re-renders what depends on the report: its page and its neighbours'
//! (previous and next year link to it and compare with it), its agency page and comparison,
//! the year pages it appears on (its year and the next, whose year-on-year rates use it), the
//! home page, its feed entries, its search documents and data files. A template change
//! re-renders the pages whose templates include it; anything structural (a report or agency
//! added, removed or renamed, `site.toml`, `agency.toml`) rebuilds everything. In every case
//! the output equals a full build (tests/watch.rs compares them), and when the site has
//! errors nothing is written: the last good site stays.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::build::{Failure, Progress, Rendered, Timings, output_error, render_site};
use crate::diag::{Diagnostic, Diagnostics, Severity, Sources};
use crate::incremental::{self, render_pages};
use crate::load::{Loaded, load_site, read_text, rel_path, report::parse_report};
use crate::output::{LiveSink, output_dir};
use crate::render::{self, Archive, Page, PageKind, Sink, Theme};

/// What happened after a change.
pub enum Outcome {
    /// Nothing the site depends on changed.
    Unchanged,
    /// The output was updated.
    Built {
        /// Files whose content changed.
        written: Vec<String>,
        elapsed: Duration,
        /// A full rebuild rather than an incremental one.
        full: bool,
        /// Warnings (and acknowledged findings) of the new state.
        diagnostics: Diagnostics,
        sources: Sources,
    },
    /// The site has errors; the previous output is still being served.
    Failed {
        diagnostics: Diagnostics,
        sources: Sources,
    },
}

/// The templates each template pulls in (`extends`, `include`), found by reading them.
fn template_deps(root: &Path, theme_name: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut sources: BTreeMap<String, String> = render::embedded::TEMPLATES
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    for dir in [
        root.join("themes").join(theme_name).join("templates"),
        root.join("templates"),
    ] {
        for e in walkdir::WalkDir::new(&dir)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
        {
            if let Ok(t) = std::fs::read_to_string(e.path()) {
                sources.insert(rel_path(&dir, e.path()), t);
            }
        }
    }
    let direct: BTreeMap<String, BTreeSet<String>> = sources
        .iter()
        .map(|(n, t)| {
            let mut deps = BTreeSet::new();
            for kw in ["extends", "include"] {
                for part in t.split(&format!("{{% {kw} ")).skip(1) {
                    let name: String = part
                        .trim_start()
                        .trim_start_matches(['"', '\''])
                        .chars()
                        .take_while(|c| *c != '"' && *c != '\'')
                        .collect();
                    deps.insert(name);
                }
            }
            (n.clone(), deps)
        })
        .collect();
    // Transitive closure, including the template itself.
    direct
        .keys()
        .map(|n| {
            let mut all = BTreeSet::from([n.clone()]);
            let mut todo = vec![n.clone()];
            while let Some(x) = todo.pop() {
                for d in direct.get(&x).into_iter().flatten() {
                    if all.insert(d.clone()) {
                        todo.push(d.clone());
                    }
                }
            }
            (n.clone(), all)
        })
        .collect()
}

/// The template a page is rendered with.
fn template_of(kind: &PageKind) -> &'static str {
    match kind {
        PageKind::Home => "index.html",
        PageKind::Agencies => "agencies.html",
        PageKind::Agency(_) => "agency.html",
        PageKind::Compare(_) => "compare.html",
        PageKind::Report(_) => "report.html",
        PageKind::Years => "years.html",
        PageKind::Year(_) => "year.html",
        PageKind::Search => "search.html",
        PageKind::Data => "data.html",
        PageKind::Quality => "quality.html",
        PageKind::Rollup(..) | PageKind::RegionRollup(..) => "rollup.html",
        PageKind::NotFound => "404.html",
    }
}

/// A watched site: the model, the theme and the incremental render state.
pub struct Session {
    root: PathBuf,
    out: PathBuf,
    /// The claim on `out` for as long as the session writes it.
    lock: crate::output::OutputLock,
    loaded: Loaded,
    theme: Theme,
    state: Option<Rendered>,
    /// Each report's findings (see [`crate::check::report_diagnostics`]), redone for the
    /// edited reports only.
    findings: Vec<Vec<Diagnostic>>,
    /// Changes not yet in the output because the site had errors: rendered with the next
    /// good state, so that fixing an error stays incremental.
    pending: Pending,
    /// The model matches the sources and the output can be updated incrementally (false
    /// after the structure failed to load).
    in_sync: bool,
    /// When the last read or write failed (a full disk, no descriptors left): everything is
    /// reloaded and rebuilt a little later (see [`Session::heal`]).
    retry_at: Option<(Instant, u32)>,
    /// Years whose research files (long tables, workbooks) an edit left out of date: written
    /// by [`Session::settle`] after the browser has reloaded, as they take about 0.1 s per
    /// 2,000 reports of a year.
    research_due: BTreeSet<i32>,
}

/// Changes waiting for a good state of the site.
#[derive(Default)]
struct Pending {
    reports: Vec<String>,
    templates: BTreeSet<String>,
    statics: bool,
}

/// What a changed path means.
#[derive(Debug, PartialEq, Eq)]
enum Change {
    /// An existing report's text changed.
    Report(String),
    Template(String),
    Static,
    /// Anything else the site depends on: rebuild everything.
    Full,
    Ignored,
}

impl Session {
    /// Loads and builds the site.
    pub fn start(root: &Path) -> Result<(Session, Outcome), Failure> {
        let loaded = load_site(root).map_err(Failure::Unreadable)?;
        let mut theme = render::theme::load(root, &loaded.site.config).map_err(Failure::Output)?;
        theme.set_globals(&loaded.site);
        let out = output_dir(root, &loaded.site.config.output_dir).map_err(output_error)?;
        let lock = crate::output::OutputLock::acquire(&out).map_err(output_error)?;
        let mut s = Session {
            root: root.to_path_buf(),
            out,
            lock,
            loaded,
            theme,
            state: None,
            findings: Vec::new(),
            pending: Pending::default(),
            in_sync: false,
            retry_at: None,
            research_due: BTreeSet::new(),
        };
        let outcome = s.rebuild_all(Instant::now());
        Ok((s, outcome))
    }

    pub fn output(&self) -> &Path {
        &self.out
    }

    /// The site folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The theme in use (its folder is watched).
    pub fn theme_name(&self) -> &str {
        &self.loaded.site.config.theme
    }

    /// The path part of the site's `base_url`, e.g. `/gongkai/`.
    pub fn base_path(&self) -> String {
        render::base_path(&self.loaded.site.config.base_url)
    }

    fn classify(&self, path: &Path) -> Change {
        let rel = rel_path(&self.root, path);
        let name = path
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().to_string());
        if crate::load::ignored_name(&name) || name.ends_with(".gongkai-tmp") {
            return Change::Ignored;
        }
        if path.starts_with(&self.out) {
            return Change::Ignored;
        }
        let theme_dir = format!("themes/{}/", self.loaded.site.config.theme);
        if let Some(t) = rel
            .strip_prefix("templates/")
            .or_else(|| rel.strip_prefix(&format!("{theme_dir}templates/")))
        {
            return Change::Template(t.to_string());
        }
        if rel.starts_with("static/") || rel.starts_with(&format!("{theme_dir}static/")) {
            return Change::Static;
        }
        if rel.starts_with("themes/") {
            return if rel.starts_with(&theme_dir) {
                Change::Full
            } else {
                Change::Ignored
            };
        }
        // site.toml, or the site's templates/ or static/ folder appearing or going away
        // (whatever was copied into it at once is read by the full rebuild).
        if rel == "site.toml" || rel == "templates" || rel == "static" {
            return Change::Full;
        }
        if let Some(inner) = rel.strip_prefix("content/") {
            let parts: Vec<&str> = inner.split('/').collect();
            return match parts.as_slice() {
                [_, file] if file.ends_with(".md") => {
                    // An edit to a report we know that still exists; anything else (new,
                    // removed, renamed) changes the structure.
                    let known = self.loaded.site.reports.iter().any(|r| r.path == rel);
                    if known && path.is_file() {
                        Change::Report(rel)
                    } else {
                        Change::Full
                    }
                }
                [_, "agency.toml"] | [_] => Change::Full,
                [_, _] => Change::Ignored,
                _ => Change::Full,
            };
        }
        Change::Ignored
    }

    /// Writes what the last edits left for after the reload: the research files of the
    /// edited years. The output then equals a full build's. Nothing to do after a full
    /// rebuild, which writes them, or while the site has errors.
    pub fn settle(&mut self) -> Outcome {
        if self.research_due.is_empty() || !self.lock.held() {
            return Outcome::Unchanged;
        }
        let diagnostics = crate::check::assemble(&self.loaded, &self.findings);
        if diagnostics.has_errors() {
            return Outcome::Unchanged;
        }
        let Some(kept) = self.state.as_mut().and_then(|s| s.updates.as_mut()) else {
            return Outcome::Unchanged;
        };
        let mut archive = Archive::new(&self.loaded.site, &diagnostics.items);
        if let Some(d) = kept.derived.take() {
            archive = archive.with_derived(d, &BTreeSet::new());
        }
        let years: Vec<i32> = self.research_due.iter().copied().collect();
        let sink = LiveSink::new(&self.out);
        let written = render::research::write(&self.theme, &archive, &kept.bulk, &years, &sink);
        kept.derived = Some(archive.into_derived());
        self.research_due.clear();
        match written {
            // Data files only: no page to reload.
            Ok(_) => Outcome::Unchanged,
            Err(e) => self.io_failure(Diagnostics {
                items: vec![Diagnostic::file(Severity::Error, "output", "public", e)],
            }),
        }
    }

    /// Applies a batch of changed paths (from the file watcher).
    pub fn apply(&mut self, paths: &[PathBuf]) -> Outcome {
        let start = Instant::now();
        let changes: Vec<Change> = paths
            .iter()
            .map(|p| self.classify(p))
            .filter(|c| *c != Change::Ignored)
            .collect();
        if changes.is_empty() {
            return Outcome::Unchanged;
        }
        if !self.in_sync || changes.contains(&Change::Full) {
            return self.reload_all(start);
        }
        let mut new_reports = Vec::new();
        for c in changes {
            match c {
                Change::Report(p) => {
                    if !self.pending.reports.contains(&p) {
                        self.pending.reports.push(p.clone());
                    }
                    if !new_reports.contains(&p) {
                        new_reports.push(p);
                    }
                }
                Change::Template(t) => {
                    self.pending.templates.insert(t);
                }
                Change::Static => self.pending.statics = true,
                Change::Full | Change::Ignored => {}
            }
        }
        if !self.pending.templates.is_empty() {
            match render::theme::load(&self.root, &self.loaded.site.config) {
                Ok(mut t) => {
                    t.set_globals(&self.loaded.site);
                    self.theme = t;
                }
                Err(d) => {
                    return Outcome::Failed {
                        diagnostics: Diagnostics { items: d },
                        sources: Sources::default(),
                    };
                }
            }
        }
        for rel in &new_reports {
            if !self.reread_report(rel) {
                // Unreadable now, or its year changed: reload the structure.
                return self.reload_all(start);
            }
        }
        self.update(start)
    }

    /// Re-reads one report file in place; `false` when it cannot stay in place (unreadable,
    /// or its year changed).
    fn reread_report(&mut self, rel: &str) -> bool {
        let Some(idx) = self.loaded.site.reports.iter().position(|r| r.path == rel) else {
            return false;
        };
        let (agency, file_year) = {
            let r = &self.loaded.site.reports[idx];
            (
                r.agency.clone(),
                crate::load::report_year(rel.rsplit('/').next().unwrap_or("")),
            )
        };
        self.loaded.diagnostics.items.retain(|d| d.file != rel);
        match read_text(&self.root.join(rel), rel) {
            Ok(text) => {
                self.loaded.sources.insert(rel, text.clone());
                let (report, diags) = parse_report(rel, &agency, file_year, text);
                self.loaded.diagnostics.extend(diags);
                match report {
                    Some(r) if r.year == self.loaded.site.reports[idx].year => {
                        self.loaded.site.reports[idx] = r;
                        true
                    }
                    Some(_) => false,
                    // Not readable as a report (broken TOML, an empty file mid-save): the
                    // diagnostics say why, and the model keeps the last good version.
                    None => true,
                }
            }
            Err(_) => false,
        }
    }

    /// Rebuilds the output when it was damaged from outside (the folder deleted or emptied
    /// while serving) or when writing it failed a while ago; otherwise nothing.
    pub fn heal(&mut self) -> Outcome {
        let damaged = self.in_sync
            && !(self.out.join(crate::output::MARKER).is_file()
                && self.out.join("index.html").is_file());
        let retry = self.retry_at.is_some_and(|(at, _)| Instant::now() >= at);
        if damaged {
            // The model is fine; only the output needs writing again, whole.
            self.rebuild_all(Instant::now())
        } else if retry {
            self.reload_all(Instant::now())
        } else {
            Outcome::Unchanged
        }
    }

    fn io_failure(&mut self, diagnostics: Diagnostics) -> Outcome {
        self.schedule_retry();
        self.failed(diagnostics)
    }

    /// The next attempt after a failed read or write: 2 s, then twice as long each time it
    /// fails again, at most 32 s.
    fn schedule_retry(&mut self) {
        let tries = self.retry_at.map_or(0, |(_, n)| n + 1).min(4);
        self.retry_at = Some((Instant::now() + RETRY_AFTER * (1 << tries), tries));
    }

    fn failed(&mut self, diagnostics: Diagnostics) -> Outcome {
        // A file that could not be read or written may be readable later without any edit
        // (descriptors freed, a disk remounted): try again then.
        let transient = diagnostics
            .items
            .iter()
            .any(|d| d.code == "io" || d.code == "output");
        if transient && self.retry_at.is_none_or(|(at, _)| at <= Instant::now()) {
            self.schedule_retry();
        }
        self.in_sync = false;
        Outcome::Failed {
            diagnostics,
            sources: self.loaded.sources.clone(),
        }
    }

    /// Reloads everything from disk and rebuilds.
    fn reload_all(&mut self, start: Instant) -> Outcome {
        match load_site(&self.root) {
            Ok(l) => self.loaded = l,
            Err(f) => {
                self.in_sync = false;
                if f.diagnostics.items.iter().any(|d| d.code == "io") {
                    self.schedule_retry();
                }
                return Outcome::Failed {
                    diagnostics: f.diagnostics,
                    sources: f.sources,
                };
            }
        }
        match render::theme::load(&self.root, &self.loaded.site.config) {
            Ok(mut t) => {
                t.set_globals(&self.loaded.site);
                self.theme = t;
            }
            Err(d) => return self.failed(Diagnostics { items: d }),
        }
        match output_dir(&self.root, &self.loaded.site.config.output_dir).and_then(|o| {
            if o == self.lock.target() && self.lock.held() {
                return Ok(o);
            }
            // output_dir changed, or the lock file went with a site folder replaced since:
            // claim the folder before writing it (refused while a build holds it).
            self.lock = crate::output::OutputLock::acquire(&o)?;
            Ok(o)
        }) {
            Ok(o) => self.out = o,
            Err(e) => {
                return self.failed(Diagnostics {
                    items: vec![Diagnostic::file(Severity::Error, "output", "site.toml", e)],
                });
            }
        }
        self.rebuild_all(start)
    }

    /// A full render of the current model (staging folder, then swap).
    fn rebuild_all(&mut self, start: Instant) -> Outcome {
        let site = &self.loaded.site;
        self.findings = (0..site.reports.len())
            .into_par_iter()
            .map(|i| crate::check::report_diagnostics(site, i))
            .collect();
        let diagnostics = crate::check::assemble(&self.loaded, &self.findings);
        if diagnostics.has_errors() {
            return self.failed(diagnostics);
        }
        let mut t = Timings::default();
        match render_site(
            &self.loaded,
            &diagnostics,
            &self.theme,
            &self.out,
            Progress::Quiet,
            true,
            &mut t,
        ) {
            Ok(r) => {
                let written = r.pages.iter().map(|p| p.path.clone()).collect();
                self.state = Some(r);
                self.research_due.clear();
                self.in_sync = true;
                self.retry_at = None;
                self.pending = Pending::default();
                Outcome::Built {
                    written,
                    elapsed: start.elapsed(),
                    full: true,
                    diagnostics,
                    sources: self.loaded.sources.clone(),
                }
            }
            Err(Failure::Output(d)) => self.io_failure(Diagnostics { items: d }),
            Err(Failure::Invalid { diagnostics, .. }) => self.failed(diagnostics),
            Err(Failure::Unreadable(f)) => self.failed(f.diagnostics),
        }
    }

    /// Re-renders what depends on the pending changes.
    fn update(&mut self, start: Instant) -> Outcome {
        // The site folder was replaced (the lock file with it): reload and claim it again.
        if !self.lock.held() {
            self.in_sync = false;
            return self.reload_all(start);
        }
        // An output damaged from outside (deleted while serving) is written whole again,
        // never patched into a partial folder.
        if !self.out.join(crate::output::MARKER).is_file() {
            return self.rebuild_all(start);
        }
        let site = &self.loaded.site;
        let indices: Vec<usize> = self
            .pending
            .reports
            .iter()
            .filter_map(|rel| site.reports.iter().position(|r| &r.path == rel))
            .collect();
        // An edited report's findings, and the next report's (continuity uses this one).
        for &i in &indices {
            for j in [i, i + 1] {
                if j < site.reports.len() {
                    self.findings[j] = crate::check::report_diagnostics(site, j);
                }
            }
        }
        let diagnostics = crate::check::assemble(&self.loaded, &self.findings);
        if diagnostics.has_errors() {
            // The output keeps the last good state; `pending` is rendered once fixed.
            return Outcome::Failed {
                diagnostics,
                sources: self.loaded.sources.clone(),
            };
        }
        let Some(state) = self.state.as_mut() else {
            return self.reload_all(start);
        };
        let pending = std::mem::take(&mut self.pending);
        let archive = Archive::new(site, &diagnostics.items);
        // The figures of reports the edit leaves alone are kept from the last render.
        let stale = incremental::touched(&archive, &indices);
        let archive = match state.updates.as_mut().and_then(|k| k.derived.take()) {
            Some(d) => archive.with_derived(d, &stale),
            None => archive,
        };
        let sink = LiveSink::new(&self.out);
        let result = (|| -> Result<(), String> {
            // The edited reports' own pages first: they are what the author is looking at.
            let first: Vec<&Page> = state
                .pages
                .iter()
                .filter(|p| matches!(p.kind, PageKind::Report(i) if indices.contains(&i)))
                .collect();
            render_pages(&self.theme, &archive, &first, &sink)?;
            let now = incremental::standings(&archive);
            let moved: Vec<usize> = (0..now.len())
                .filter(|&i| state.standings.get(i) != Some(&now[i]))
                .collect();
            state.standings = now;
            let deps = incremental::dependents(&archive, &state.pages, &indices, &moved);
            let mut kinds = deps.kinds;
            // Pages whose template includes a changed template.
            let templates = &pending.templates;
            if !templates.is_empty() {
                let deps = template_deps(&self.root, &site.config.theme);
                for p in &state.pages {
                    let uses = deps
                        .get(template_of(&p.kind))
                        .is_some_and(|d| d.iter().any(|t| templates.contains(t)));
                    if uses {
                        kinds.insert(p.kind.clone());
                    }
                }
            }
            let rest: Vec<&Page> = state
                .pages
                .iter()
                .filter(|p| kinds.contains(&p.kind) && !first.iter().any(|f| f.path == p.path))
                .collect();
            render_pages(&self.theme, &archive, &rest, &sink)?;
            if !deps.touched.is_empty() {
                let list: Vec<usize> = deps.touched.iter().copied().collect();
                let kept = state.updates.as_mut().ok_or("no incremental state")?;
                let t = kept.search.update(&archive, &list)?;
                kept.search.write_touched(&t, &sink)?;
                kept.bulk.update(&archive, &list)?;
                let years: BTreeSet<i32> = list.iter().map(|&i| archive.report(i).year).collect();
                kept.bulk.write(&archive, Some(&years), &sink)?;
                incremental::write_report_files(&self.theme, &archive, &list, &sink)?;
                self.research_due
                    .extend(list.iter().map(|&i| archive.report(i).year));
            }
            if templates.iter().any(|t| t == "atom.xml") {
                render::feeds::write(&self.theme, &archive, &state.pages, &sink)?;
            }
            if pending.statics {
                for (name, src) in &self.theme.statics {
                    let bytes = match src {
                        render::theme::StaticSource::Embedded(b) => b.to_vec(),
                        render::theme::StaticSource::File(p) => std::fs::read(p)
                            .map_err(|e| format!("cannot read {}: {e}", p.display()))?,
                    };
                    sink.write(&format!("static/{name}"), &bytes)?;
                }
            }
            Ok(())
        })();
        if let Some(kept) = state.updates.as_mut() {
            kept.derived = Some(archive.into_derived());
        }
        match result {
            Ok(()) => Outcome::Built {
                written: sink.written(),
                elapsed: start.elapsed(),
                full: false,
                diagnostics,
                sources: self.loaded.sources.clone(),
            },
            Err(e) => self.io_failure(Diagnostics {
                items: vec![Diagnostic::file(Severity::Error, "output", "public", e)],
            }),
        }
    }
}

/// How long after a failed write the output is rebuilt (descriptors or space may be back).
const RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(2);

/// Paths watched for a site: its folders and files, never the output folder.
pub fn watched_paths(root: &Path, theme: &str) -> Vec<(PathBuf, bool)> {
    let mut v = vec![(root.to_path_buf(), false)];
    for d in ["content", "templates", "static"] {
        let p = root.join(d);
        if p.is_dir() {
            v.push((p, true));
        }
    }
    let t = root.join("themes").join(theme);
    if t.is_dir() {
        v.push((t, true));
    }
    v
}
