//! Render stage: the checked model and derived figures → pages, through the theme's tera
//! templates.
//!
//! [`Archive`] indexes the site once; [`pages`] lists every page with its output path; and
//! [`render_page`] renders one page. Pages are independent, so they render in parallel and
//! (in watch mode) one at a time.

pub mod chart;
pub mod data;
pub mod embedded;
pub mod feeds;
pub mod markdown;
pub mod quality;
pub mod research;
mod rollup;
pub mod search;
pub mod table;
pub mod theme;
mod views;
mod xlsx;

/// Where rendered files go (the write stage's staging folder, or memory in tests).
pub trait Sink: Sync {
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), String>;

    /// Writes one file made of `parts` in order. A sink that writes to the disk need not join
    /// them first: the bulk tables are each one long file (hundreds of MB at 200,000 reports)
    /// of rows the build already holds.
    fn write_parts(&self, rel: &str, parts: &[&[u8]]) -> Result<(), String> {
        self.write(rel, &parts.concat())
    }

    /// A file written piece by piece, complete once [`Stream::finish`] returns. A sink that
    /// writes to the disk writes the pieces as they come; this one holds them until then.
    fn stream<'s>(&'s self, rel: &str) -> Result<Box<dyn Stream + 's>, String> {
        Ok(Box::new(Held {
            sink: self,
            rel: rel.to_string(),
            bytes: Vec::new(),
        }))
    }
}

/// A file being written by [`Sink::stream`].
pub trait Stream: Send {
    fn put(&mut self, bytes: &[u8]) -> Result<(), String>;
    fn finish(self: Box<Self>) -> Result<(), String>;
}

/// [`Sink::stream`]'s file held until it is finished.
struct Held<'s, S: Sink + ?Sized> {
    sink: &'s S,
    rel: String,
    bytes: Vec<u8>,
}

impl<S: Sink + ?Sized> Stream for Held<'_, S> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.bytes.extend_from_slice(bytes);
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<(), String> {
        self.sink.write(&self.rel, &self.bytes)
    }
}

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::diag::{Diagnostic, Severity};
use crate::model::{Agency, Report, Site};

pub use theme::Theme;
pub use views::AckView;

/// One page of the site.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PageKind {
    Home,
    Agencies,
    Agency(String),
    Compare(String),
    /// Index into [`Site::reports`].
    Report(usize),
    Years,
    Year(i32),
    Search,
    Data,
    /// 数据质量: every finding of the archive.
    Quality,
    /// 下属机关合计 of an agency in a year.
    Rollup(String, i32),
    /// 各机关合计 of a region (its name) in a year.
    RegionRollup(String, i32),
    NotFound,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub kind: PageKind,
    /// Output path relative to the site root, `/`-separated.
    pub path: String,
}

impl Page {
    /// The relative prefix from this page to the site root (`../../`).
    pub fn root(&self) -> String {
        "../".repeat(self.path.matches('/').count())
    }
}

/// Output paths, site-root relative. Every internal link names a file (`index.html` or
/// `<name>.html`), so the site also works opened from disk. A report and an agency's
/// comparison are files in the agency's folder, not folders of their own: creating 12,000
/// folders (10,000 reports) was a third of the build's file-system time on ext4.
pub mod urls {
    pub fn agency(slug: &str) -> String {
        format!("agencies/{slug}/index.html")
    }
    pub fn compare(slug: &str) -> String {
        format!("agencies/{slug}/compare.html")
    }
    pub fn report(slug: &str, year: i32) -> String {
        format!("agencies/{slug}/{year}.html")
    }
    pub fn year(year: i32) -> String {
        format!("years/{year}/index.html")
    }
    pub fn rollup(slug: &str, year: i32) -> String {
        format!("agencies/{slug}/rollup-{year}.html")
    }
    /// A region's roll-up. Region names are free text in Chinese: the file name is a stable
    /// hash of the name (FNV-1a), safe on every file system and server whatever the name holds.
    pub fn region_rollup(region: &str, year: i32) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in region.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        format!("regions/{:012x}-{year}.html", h >> 16)
    }
    pub const HOME: &str = "index.html";
    pub const AGENCIES: &str = "agencies/index.html";
    pub const YEARS: &str = "years/index.html";
    pub const SEARCH: &str = "search/index.html";
    pub const DATA: &str = "data/index.html";
    pub const QUALITY: &str = "quality/index.html";
    pub const QUALITY_CSV: &str = "data/quality.csv";
    pub const NOT_FOUND: &str = "404.html";
}

/// The site indexed for rendering.
pub struct Archive<'a> {
    pub site: &'a Site,
    pub lang: String,
    /// Agencies in display order (by `order`, then name).
    pub agencies: Vec<&'a Agency>,
    /// Position in `agencies` by slug: pages look agencies up per report, so a scan would
    /// make the build quadratic.
    rank: HashMap<&'a str, usize>,
    /// Positions in `agencies` of each agency's subordinate agencies (by parent slug), in
    /// display order: every agency page lists them, and scanning all agencies per page made
    /// the build quadratic in the number of agencies.
    children: HashMap<&'a str, Vec<usize>>,
    /// Report indices per agency slug, by year.
    pub by_agency: BTreeMap<String, Vec<usize>>,
    /// Report indices per year, in agency display order.
    pub by_year: BTreeMap<i32, Vec<usize>>,
    /// Acknowledged findings per report path, numbered.
    pub acks: HashMap<String, Vec<AckView>>,
    /// Every finding of a report, acknowledged or a warning, for the data-quality page.
    pub findings: Vec<quality::Finding>,
    pub compare_rows: Vec<crate::derive::CompareRow>,
    /// The official tables laid out once, filled per report page.
    pub tables: std::sync::Arc<table::Layouts>,
    /// Each report's figures and rates, computed on first use (by whichever page or data
    /// file needs them first) and then shared.
    metrics: Vec<std::sync::OnceLock<crate::derive::Metrics>>,
    /// Peer benchmarks over every report, made on first use.
    peers: std::sync::OnceLock<crate::derive::peers::Peers>,
    /// Regions with at least two agencies, made on first use (see [`Archive::regions`]).
    regions: std::sync::OnceLock<Vec<(String, Vec<usize>)>>,
    /// Each report's summary in the feeds, kept when its page reads its prose
    /// ([`Archive::summary`]).
    summaries: Vec<std::sync::OnceLock<Box<str>>>,
    /// Each roll-up group's sums of every year, made by the first of its pages to need them
    /// (each page also shows every year's sums).
    pub(crate) rollups: std::sync::Mutex<HashMap<String, std::sync::Arc<[rollup::YearSum]>>>,
}

/// The figures an [`Archive`] derived from the reports, kept across edits in watch mode.
pub struct Derived {
    metrics: Vec<std::sync::OnceLock<crate::derive::Metrics>>,
    peers: std::sync::OnceLock<crate::derive::peers::Peers>,
}

impl<'a> Archive<'a> {
    /// Indexes `site`; `diagnostics` are the check results (acknowledged ones are shown).
    pub fn new(site: &'a Site, diagnostics: &[Diagnostic]) -> Archive<'a> {
        let mut agencies: Vec<&Agency> = site.agencies.iter().collect();
        agencies.sort_by(|a, b| (a.order, &a.name, &a.slug).cmp(&(b.order, &b.name, &b.slug)));
        let rank: HashMap<&'a str, usize> = agencies
            .iter()
            .enumerate()
            .map(|(i, a)| (a.slug.as_str(), i))
            .collect();
        let mut children: HashMap<&'a str, Vec<usize>> = HashMap::new();
        for (i, a) in agencies.iter().enumerate() {
            if let Some(p) = a.parent.as_deref() {
                children.entry(p).or_default().push(i);
            }
        }
        // Each report's agency rank, looked up once: sorting by a hashed lookup per comparison
        // was most of this function's time (0.18 s at 50,000 reports, serial).
        let report_rank: Vec<Option<usize>> = site
            .reports
            .iter()
            .map(|r| rank.get(r.agency.as_str()).copied())
            .collect();
        let mut by_agency: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut by_year: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
        for (i, r) in site.reports.iter().enumerate() {
            if report_rank[i].is_none() {
                continue;
            }
            match by_agency.get_mut(r.agency.as_str()) {
                Some(v) => v.push(i),
                None => {
                    by_agency.insert(r.agency.clone(), vec![i]);
                }
            }
            by_year.entry(r.year).or_default().push(i);
        }
        for v in by_agency.values_mut() {
            v.sort_by_key(|&i| site.reports[i].year);
        }
        for v in by_year.values_mut() {
            v.sort_by_key(|&i| report_rank[i]);
        }
        // Acknowledged findings, numbered per report as its page lists them, and with the
        // warnings, every finding of a report for the data-quality page.
        let by_path: HashMap<&str, usize> = site
            .reports
            .iter()
            .enumerate()
            .map(|(i, r)| (r.path.as_str(), i))
            .collect();
        let mut acks: HashMap<String, Vec<AckView>> = HashMap::new();
        let mut findings = Vec::new();
        for d in diagnostics {
            let n = if d.severity == Severity::Acknowledged {
                let list = acks.entry(d.file.clone()).or_default();
                list.push(views::ack_view(d, list.len() + 1, &site.config.language));
                Some(list.len())
            } else if d.severity == Severity::Warning {
                None
            } else {
                continue;
            };
            if let Some(&report) = by_path.get(d.file.as_str()) {
                findings.push(quality::Finding::of(report, d, n));
            }
        }
        findings.sort_by_key(|f: &quality::Finding| (f.report, f.n.is_none(), f.n));
        Archive {
            site,
            lang: site.config.language.clone(),
            agencies,
            rank,
            children,
            by_agency,
            by_year,
            acks,
            findings,
            compare_rows: crate::derive::comparison_rows(crate::format::formats()),
            tables: table::Layouts::shared(&site.config.language),
            metrics: (0..site.reports.len())
                .map(|_| std::sync::OnceLock::new())
                .collect(),
            peers: std::sync::OnceLock::new(),
            regions: std::sync::OnceLock::new(),
            summaries: (0..site.reports.len())
                .map(|_| std::sync::OnceLock::new())
                .collect(),
            rollups: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// The peer group of an agency: its level, and a department's tier (`department-county`).
    pub fn peer_group(&self, slug: &str) -> Option<String> {
        let a = self.agency(slug)?;
        Some(match a.tier {
            Some(t) => format!("{}-{}", a.level.key(), t.key()),
            None => a.level.key().to_string(),
        })
    }

    /// Each region named by an agency, with the agencies in it (indices into `agencies`), by
    /// name; only regions of two agencies or more. A region holds the agencies whose region
    /// starts with its name, as Chinese place names nest (江苏省 holds 江苏省宿迁市沭阳县).
    pub fn regions(&self) -> &[(String, Vec<usize>)] {
        self.regions.get_or_init(|| {
            let names: BTreeSet<&str> = self
                .agencies
                .iter()
                .filter_map(|a| a.region.as_deref())
                .collect();
            let mut members: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for (i, a) in self.agencies.iter().enumerate() {
                let Some(region) = a.region.as_deref() else {
                    continue;
                };
                let ends = region
                    .char_indices()
                    .map(|(k, _)| k)
                    .skip(1)
                    .chain([region.len()]);
                for end in ends {
                    if let Some(name) = names.get(&region[..end]) {
                        members.entry(name).or_default().push(i);
                    }
                }
            }
            members
                .into_iter()
                .filter(|(_, v)| v.len() >= 2)
                .map(|(k, v)| (k.to_string(), v))
                .collect()
        })
    }

    /// The distributions of key figures and rates per year and peer group.
    pub fn peers(&self) -> &crate::derive::peers::Peers {
        self.peers.get_or_init(|| {
            use rayon::prelude::*;
            let rows: Vec<(i32, String, Vec<Option<rust_decimal::Decimal>>)> =
                (0..self.site.reports.len())
                    .into_par_iter()
                    .filter_map(|i| {
                        let r = self.report(i);
                        let group = self.peer_group(&r.agency)?;
                        Some((
                            r.year,
                            group,
                            crate::derive::peers::columns(self.metrics(i)),
                        ))
                    })
                    .collect();
            crate::derive::peers::Peers::build(rows)
        })
    }

    /// Hands over the figures computed so far, for an archive made anew after an edit
    /// (see [`Archive::with_derived`]).
    pub fn into_derived(self) -> Derived {
        Derived {
            metrics: self.metrics,
            peers: self.peers,
        }
    }

    /// Takes over the figures of an earlier archive of the same reports, except those of the
    /// `stale` reports (edited, or whose previous year was): watch mode would otherwise
    /// recompute every report's figures after each edit, as a report's standing among its
    /// peers needs them all (45 ms of the edited page's 60 ms at 10,000 reports). The peer
    /// distributions are kept too, with the stale reports' values replaced.
    pub fn with_derived(mut self, derived: Derived, stale: &BTreeSet<usize>) -> Self {
        if derived.metrics.len() != self.metrics.len() {
            return self;
        }
        self.metrics = derived.metrics;
        let mut old = Vec::new();
        for &i in stale {
            if let Some(m) = self.metrics.get_mut(i).and_then(|m| m.take()) {
                old.push((i, crate::derive::peers::columns(&m)));
            }
        }
        // The distributions, when made, with the stale reports' values replaced.
        if let Some(mut peers) = derived.peers.into_inner()
            && old.len() == stale.len()
        {
            for (i, before) in old {
                let r = self.report(i);
                if let Some(group) = self.peer_group(&r.agency) {
                    let now = crate::derive::peers::columns(self.metrics(i));
                    peers.replace(r.year, &group, &before, &now);
                }
            }
            self.peers = std::sync::OnceLock::from(peers);
        }
        self
    }

    /// The figures and rates of report `i`.
    pub fn metrics(&self, i: usize) -> &crate::derive::Metrics {
        self.metrics[i].get_or_init(|| {
            crate::derive::Metrics::of(self.report(i), self.previous(i).map(|j| self.report(j)))
        })
    }

    /// The prose of report `i`: held by the report, or read back from its file in a build
    /// (which lets go of the texts once they are checked). An error names the file when its
    /// prose is no longer the one checked.
    pub fn prose(&self, i: usize) -> Result<crate::model::Prose, Box<Diagnostic>> {
        let r = self.report(i);
        r.prose().ok_or_else(|| {
            Box::new(Diagnostic::file(
                Severity::Error,
                "changed",
                &r.path,
                t!("build.changed_while_building", file = r.path),
            ))
        })
    }

    /// The summary of report `i` in the feeds. Kept when the report's page is made, which
    /// reads the prose anyway ([`Archive::keep_summary`]), so that the feeds do not read every
    /// report's file once more; made here otherwise.
    pub fn summary(&self, i: usize) -> Result<&str, Box<Diagnostic>> {
        if self.summaries[i].get().is_none() {
            self.keep_summary(i, &self.prose(i)?);
        }
        Ok(self.summaries[i].get().map_or("", |s| s))
    }

    /// Keeps the summary of report `i` from its prose, read for its page.
    pub fn keep_summary(&self, i: usize, prose: &crate::model::Prose) {
        self.summaries[i].get_or_init(|| feeds::summary_of(self.report(i), prose).into());
    }

    /// Lets go of the summaries once the feeds are written.
    pub fn forget_summaries(&mut self) {
        for s in &mut self.summaries {
            s.take();
        }
    }

    /// The plain text of each section of report `i` (in `report.sections` order). Made
    /// each time, not kept: the search index writes its documents run by run, and holding the
    /// text of every report was as much memory as the prose itself (200 MB at 50,000 reports).
    pub fn section_texts(&self, i: usize) -> Result<Vec<String>, Box<Diagnostic>> {
        let prose = self.prose(i)?;
        Ok(self
            .report(i)
            .sections
            .iter()
            .map(|s| markdown::to_text(prose.section(s)))
            .collect())
    }

    pub fn agency(&self, slug: &str) -> Option<&'a Agency> {
        self.rank.get(slug).map(|&i| self.agencies[i])
    }

    /// The agencies whose parent is `slug`, in display order.
    pub fn children(&self, slug: &str) -> impl Iterator<Item = &'a Agency> + '_ {
        self.children
            .get(slug)
            .into_iter()
            .flatten()
            .map(|&i| self.agencies[i])
    }

    pub fn report(&self, i: usize) -> &'a Report {
        &self.site.reports[i]
    }

    /// The same agency's report of the previous year, if archived.
    pub fn previous(&self, i: usize) -> Option<usize> {
        let r = self.report(i);
        self.by_agency
            .get(&r.agency)?
            .iter()
            .copied()
            .find(|&j| self.report(j).year == r.year - 1)
    }
}

/// Where report `i` stands among its peers in each rate, as its report page and its agency's
/// page show it: what an edit of another report can change on those pages.
pub fn standings(archive: &Archive<'_>, i: usize) -> Vec<Option<(u32, usize)>> {
    views::rate_standings(archive, i)
}

/// Every page of the site.
pub fn pages(archive: &Archive<'_>) -> Vec<Page> {
    let mut out = vec![
        Page {
            kind: PageKind::Home,
            path: urls::HOME.into(),
        },
        Page {
            kind: PageKind::Agencies,
            path: urls::AGENCIES.into(),
        },
        Page {
            kind: PageKind::Years,
            path: urls::YEARS.into(),
        },
        Page {
            kind: PageKind::Search,
            path: urls::SEARCH.into(),
        },
        Page {
            kind: PageKind::Data,
            path: urls::DATA.into(),
        },
        Page {
            kind: PageKind::Quality,
            path: urls::QUALITY.into(),
        },
        Page {
            kind: PageKind::NotFound,
            path: urls::NOT_FOUND.into(),
        },
    ];
    for a in &archive.agencies {
        out.push(Page {
            kind: PageKind::Agency(a.slug.clone()),
            path: urls::agency(&a.slug),
        });
        out.push(Page {
            kind: PageKind::Compare(a.slug.clone()),
            path: urls::compare(&a.slug),
        });
        for y in rollup::years(archive, &a.slug) {
            out.push(Page {
                kind: PageKind::Rollup(a.slug.clone(), y),
                path: urls::rollup(&a.slug, y),
            });
        }
        for &i in archive
            .by_agency
            .get(&a.slug)
            .map_or(&[][..], |v| v.as_slice())
        {
            out.push(Page {
                kind: PageKind::Report(i),
                path: urls::report(&a.slug, archive.report(i).year),
            });
        }
    }
    for (region, _) in archive.regions() {
        for y in rollup::region_years(archive, region) {
            out.push(Page {
                kind: PageKind::RegionRollup(region.clone(), y),
                path: urls::region_rollup(region, y),
            });
        }
    }
    for &y in archive.by_year.keys() {
        out.push(Page {
            kind: PageKind::Year(y),
            path: urls::year(y),
        });
    }
    out
}

/// Renders one page to HTML.
pub fn render_page(
    theme: &Theme,
    archive: &Archive<'_>,
    page: &Page,
) -> Result<Vec<u8>, Box<Diagnostic>> {
    let (template, data) = views::page_data(theme, archive, page)?;
    let mut ctx = tera::Context::new();
    let root = match page.kind {
        // Served for any missing URL, so its links must not be relative.
        PageKind::NotFound => base_path(&archive.site.config.base_url),
        _ => page.root(),
    };
    ctx.insert("root", &root);
    ctx.insert("path", &page.path);
    ctx.insert("p", &data);
    // Bytes, not a String: tera's output is UTF-8 by construction, and validating every page
    // again cost 5% of a build (BENCHMARKS.md).
    let mut out = Vec::with_capacity(64 * 1024);
    let rendered = theme.tera.render_to(template, &ctx, &mut out);
    rendered.map(|()| out).map_err(|e| {
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            msg.push_str(&format!(": {s}"));
            src = s.source();
        }
        Box::new(Diagnostic::file(
            Severity::Error,
            "template",
            template,
            format!("rendering {} failed: {msg}", page.path),
        ))
    })
}

/// The path part of `base_url` (`https://x.gov.cn/gknb/` → `/gknb/`).
pub fn base_path(base_url: &str) -> String {
    let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    let path = if base_url.contains("://") {
        rest.find('/').map_or("/", |i| &rest[i..])
    } else {
        rest
    };
    let mut p = path.to_string();
    if !p.starts_with('/') {
        p.insert(0, '/');
    }
    if !p.ends_with('/') {
        p.push('/');
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths() {
        assert_eq!(base_path("https://example.org/gongkai/"), "/gongkai/");
        assert_eq!(base_path("https://example.org"), "/");
        assert_eq!(base_path("/"), "/");
        assert_eq!(base_path("/a/b"), "/a/b/");
    }

    #[test]
    fn roots() {
        let p = Page {
            kind: PageKind::Home,
            path: "agencies/x/2021.html".into(),
        };
        assert_eq!(p.root(), "../../");
    }
}
