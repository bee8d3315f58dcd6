//! Check stage: the model → diagnostics.
//!
//! Runs the arithmetic rules of `formats.toml` (I1–I4 inside a report, X1–X3 between
//! consecutive years of an agency), the empty-cell finding (D1), site-wide consistency
//! (duplicates, parents), then applies the site's severity overrides and the reports'
//! acknowledgements. Work is linear in the number of reports.

mod rules;

use std::collections::HashMap;

use rayon::prelude::*;

use crate::diag::{Build, Diagnostic, Diagnostics, Severity, Sources};
use crate::format::{ForEach, formats};
use crate::load::Loaded;
use crate::load::toml_walk::suggest;
use crate::model::{CheckLevel, Report, Site};

pub use rules::{Evaluation, continuity_findings, evaluate, report_findings};

/// Checks a loaded site; returns every diagnostic (loading's included), sorted.
pub fn check(loaded: &Loaded) -> Diagnostics {
    let per_report: Vec<Vec<Diagnostic>> = (0..loaded.site.reports.len())
        .into_par_iter()
        .map(|i| report_diagnostics(&loaded.site, i))
        .collect();
    assemble(loaded, &per_report)
}

/// The findings of report `i`: its own rules, continuity with the previous year of its agency,
/// the site's severity overrides and the report's acknowledgements. They depend on this report
/// and the one before it only, so watch mode keeps them per report and redoes the edited ones.
pub fn report_diagnostics(site: &Site, i: usize) -> Vec<Diagnostic> {
    let report = &site.reports[i];
    let mut findings = report_findings(report);
    if let Some(p) = i.checked_sub(1).map(|j| &site.reports[j])
        && p.agency == report.agency
        && p.year + 1 == report.year
    {
        findings.extend(continuity_findings(p, report));
    }
    let validation = &site.config.validation;
    apply_levels(&mut findings, |code| validation.level(code));
    let problems = acknowledge(report, &mut findings, |code| {
        validation.level(code) == Some(CheckLevel::Off)
    });
    findings.extend(problems);
    findings
}

/// Every diagnostic of the site from the per-report findings: loading's, site-wide
/// consistency, then the reports', sorted.
pub fn assemble(loaded: &Loaded, per_report: &[Vec<Diagnostic>]) -> Diagnostics {
    let site = &loaded.site;
    let mut all = loaded.diagnostics.clone();
    all.extend(site_consistency(site, &loaded.sources));
    all.items.extend(per_report.iter().flatten().cloned());
    apply_levels(&mut all.items, |code| site.config.validation.level(code));
    all.sort();
    all
}

/// Applies `[validation.checks]`: `off` drops a check, `error`/`warning` set its severity.
fn apply_levels(diags: &mut Vec<Diagnostic>, level: impl Fn(&str) -> Option<CheckLevel>) {
    diags.retain(|d| level(&d.code) != Some(CheckLevel::Off));
    for d in diags.iter_mut() {
        if !matches!(d.severity, Severity::Error | Severity::Warning) {
            continue;
        }
        match level(&d.code) {
            Some(CheckLevel::Error) => d.severity = Severity::Error,
            Some(CheckLevel::Warning) => d.severity = Severity::Warning,
            _ => {}
        }
    }
}

/// Marks findings the report acknowledges; returns problems with the acknowledgements.
fn acknowledge(
    report: &Report,
    findings: &mut [Diagnostic],
    off: impl Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let text = &report.source;
    for (i, ack) in report.acknowledgements.iter().enumerate() {
        if let Err(d) = validate_ack(report, ack) {
            out.push(*d);
            continue;
        }
        if report.acknowledgements[..i]
            .iter()
            .any(|a| a.check == ack.check && a.at == ack.at)
        {
            out.push(
                Diagnostic::at(
                    Severity::Warning,
                    "duplicate-acknowledgement",
                    &report.path,
                    text,
                    ack.span,
                    format!("{} at `{}` is acknowledged twice", ack.check, ack.at),
                )
                .help("remove one of the two [[acknowledged]] entries"),
            );
            continue;
        }
        if off(&ack.check) {
            continue;
        }
        let mut matched = false;
        for d in findings.iter_mut() {
            if d.code == ack.check
                && d.at.as_deref() == Some(ack.at.as_str())
                && matches!(d.severity, Severity::Error | Severity::Warning)
            {
                d.severity = Severity::Acknowledged;
                d.acknowledgement = Some(ack.note.clone());
                matched = true;
            }
        }
        if !matched {
            out.push(
                Diagnostic::at(
                    Severity::Warning,
                    "stale-acknowledgement",
                    &report.path,
                    text,
                    ack.span,
                    format!("the report acknowledges {} at `{}`, but that check passes", ack.check, ack.at),
                )
                .help("the numbers were corrected or the acknowledgement names the wrong place; remove this [[acknowledged]] entry or fix its `at`"),
            );
        }
    }
    out
}

/// An acknowledgement must name a known check and a place where that check runs.
fn validate_ack(
    report: &Report,
    ack: &crate::model::Acknowledgement,
) -> Result<(), Box<Diagnostic>> {
    let f = formats();
    let text = &report.source;
    let mut codes: Vec<&str> = f.rules.iter().map(|r| r.id.as_str()).collect();
    codes.push("D1");
    if !codes.contains(&ack.check.as_str()) {
        let mut d = Diagnostic::at(
            Severity::Error,
            "unknown-check",
            &report.path,
            text,
            ack.span,
            format!("unknown check `{}`", ack.check),
        )
        .expected(codes.join(", "))
        .found(ack.check.clone());
        if let Some(s) = suggest(&ack.check, codes.iter().copied()) {
            d.help = Some(format!("did you mean `{s}`?"));
        }
        return Err(Box::new(d));
    }
    let places: Vec<String> = match f.rule(&ack.check) {
        Some(rule) => match report.table(&rule.table) {
            Some((t, _)) => match rule.for_each {
                ForEach::Column => t.columns.iter().map(|c| c.key.clone()).collect(),
                ForEach::Row => t.rows.iter().map(|r| r.key.clone()).collect(),
            },
            None => Vec::new(),
        },
        None => report
            .format()
            .tables
            .iter()
            .map(|&t| &f.tables[t])
            .filter(|t| t.empty_cells_finding)
            .map(|t| t.key.clone())
            .collect(),
    };
    if places.contains(&ack.at) {
        return Ok(());
    }
    let what = match f.rule(&ack.check).map(|r| r.for_each) {
        Some(ForEach::Column) => "a column key",
        Some(ForEach::Row) => "a row key",
        None => "a table key",
    };
    let mut d = Diagnostic::at(
        Severity::Error,
        "unknown-place",
        &report.path,
        text,
        ack.at_span,
        format!(
            "{} is checked per {}, and `{}` is not one of this report's",
            ack.check,
            what.trim_start_matches("a "),
            ack.at
        ),
    )
    .expected(format!("{what}: {}", places.join(", ")))
    .found(ack.at.clone());
    if let Some(s) = suggest(&ack.at, places.iter().map(String::as_str)) {
        d.help = Some(format!("did you mean `{s}`?"));
    }
    Err(Box::new(d))
}

/// Duplicate reports and agencies, unknown parents, reports without an agency.
fn site_consistency(site: &Site, sources: &Sources) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut first: HashMap<(&str, i32), &Report> = HashMap::new();
    for r in &site.reports {
        match first.get(&(r.agency.as_str(), r.year)) {
            Some(p) => out.push(
                Diagnostic::at(
                    Severity::Error,
                    "duplicate-report",
                    &r.path,
                    &r.source,
                    r.year_span,
                    format!("a second report of `{}` for {}", r.agency, r.year),
                )
                .related(
                    &p.path,
                    &p.source,
                    p.year_span,
                    "the first report for this year",
                )
                .help("an agency has one report per year: merge them or correct `year`"),
            ),
            None => {
                first.insert((r.agency.as_str(), r.year), r);
            }
        }
    }
    let mut names: HashMap<&str, &str> = HashMap::new();
    let slugs: Vec<&str> = site.agencies.iter().map(|a| a.slug.as_str()).collect();
    let known: std::collections::HashSet<&str> = slugs.iter().copied().collect();
    for a in &site.agencies {
        if let Some(other) = names.insert(a.name.as_str(), a.path.as_str()) {
            out.push(
                Diagnostic::file(
                    Severity::Error,
                    "duplicate-agency",
                    &a.path,
                    format!("another agency folder has the same name {}", a.name),
                )
                .found(other.to_string())
                .help("one agency has one folder; move the reports into one of them"),
            );
        }
        if let Some(p) = &a.parent
            && !known.contains(p.as_str())
        {
            let text = sources.get(&a.path).map_or("", |t| t);
            let mut d = Diagnostic::at(
                Severity::Error,
                "unknown-parent",
                &a.path,
                text,
                a.parent_span,
                format!("no agency `{p}` in content/"),
            )
            .found(p.clone());
            d.help = Some(match suggest(p, slugs.iter().copied()) {
                Some(s) => format!("did you mean `{s}`? `parent` is the folder name of another agency"),
                None => "`parent` is the folder name of another agency of this archive; remove it if the parent is not archived".into(),
            });
            out.push(d);
        }
    }
    out
}
