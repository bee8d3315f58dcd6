//! Check stage: the model → diagnostics.
//!
//! Runs the arithmetic rules of `formats.toml` (I1–I4 inside a report, X1–X3 between
//! consecutive years of an agency), the empty-cell finding (D1), site-wide consistency
//! (duplicates, parents), then applies the site's severity overrides and the reports'
//! acknowledgements. Work is linear in the number of reports.

mod prose;
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
    // A report whose text was read again for its findings' lines and was no longer the text
    // checked: the places named cannot be trusted.
    for r in site.reports.iter().filter(|r| r.text_lost()) {
        all.push(
            Diagnostic::file(
                Severity::Error,
                "changed",
                &r.path,
                t!("load.changed_meanwhile", file = r.path),
            )
            .help(t!("load.changed_meanwhile_help")),
        );
    }
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
    let text = report;
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
                    t!("ack.twice", check = ack.check, at = ack.at),
                )
                .help(t!("ack.twice_help")),
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
                    t!("ack.stale", check = ack.check, at = ack.at),
                )
                .help(t!("ack.stale_help")),
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
    let text = report;
    let mut codes: Vec<&str> = f.rules.iter().map(|r| r.id.as_str()).collect();
    codes.extend(["D1", "D2", "D3", prose::PROSE, rules::UNFILLED]);
    if !codes.contains(&ack.check.as_str()) {
        let mut d = Diagnostic::at(
            Severity::Error,
            "unknown-check",
            &report.path,
            text,
            ack.span,
            t!("ack.unknown_check", check = ack.check),
        )
        .expected(codes.join(", "))
        .found(ack.check.clone());
        if let Some(s) = suggest(&ack.check, codes.iter().copied()) {
            d.help = Some(t!("common.did_you_mean", name = s));
        }
        return Err(Box::new(d));
    }
    let places: Vec<String> = match f.rule(&ack.check) {
        _ if ack.check == rules::UNFILLED || ack.check == rules::LATE => {
            vec![rules::UNFILLED_AT.to_string()]
        }
        _ if ack.check == "D3" => cell_keys(report),
        _ if ack.check == prose::PROSE => f.statements.kinds.iter().map(|k| k.id.clone()).collect(),
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
        _ if ack.check == "D3" => t!("ack.per_cell"),
        _ if ack.check == prose::PROSE => t!("ack.per_statement"),
        _ if ack.check == rules::UNFILLED || ack.check == rules::LATE => t!("ack.per_report"),
        Some(ForEach::Column) => t!("ack.per_column"),
        Some(ForEach::Row) => t!("ack.per_row"),
        None => t!("ack.per_table"),
    };
    let mut d = Diagnostic::at(
        Severity::Error,
        "unknown-place",
        &report.path,
        text,
        ack.at_span,
        t!(
            "ack.unknown_place",
            check = ack.check,
            what = what,
            at = ack.at
        ),
    )
    .expected(t!("ack.places", what = what, list = places.join(", ")))
    .found(ack.at.clone());
    if let Some(s) = suggest(&ack.at, places.iter().map(String::as_str)) {
        d.help = Some(t!("common.did_you_mean", name = s));
    }
    Err(Box::new(d))
}

/// The host of the `base_url` that `init` writes.
const PLACEHOLDER_HOSTS: &[&str] = &["example.gov.cn"];

/// `init`'s placeholder `base_url` still in site.toml once a report has real figures: feed
/// and sitemap links would point at a site that does not exist.
fn placeholder_base_url(site: &Site, sources: &Sources) -> Option<Diagnostic> {
    let url = &site.config.base_url;
    let host = url.split("://").nth(1)?.split(['/', ':']).next()?;
    if !PLACEHOLDER_HOSTS.contains(&host) {
        return None;
    }
    let real = site.reports.iter().any(|r| {
        r.tables
            .iter()
            .flat_map(|t| t.cells())
            .any(|c| c.decimal().is_some_and(|v| !v.is_zero()))
    });
    if !real {
        return None;
    }
    let text = sources.get("site.toml").map_or("", |t| t);
    let mut offset = 0;
    let (start, line) = text.split_inclusive('\n').find_map(|l| {
        let at = offset;
        offset += l.len();
        l.trim_start().starts_with("base_url").then_some((at, l))
    })?;
    let end = start + line.trim_end().len();
    Some(
        Diagnostic::at(
            Severity::Warning,
            "placeholder-base-url",
            "site.toml",
            text,
            crate::model::Span::new(start..end),
            t!("site.placeholder_base_url", url = url),
        )
        .help(t!("site.placeholder_base_url_help")),
    )
}

/// Every cell of a report as `table.row.column`, the places of D3.
fn cell_keys(report: &Report) -> Vec<String> {
    let f = formats();
    f.tables_of(report.format())
        .flat_map(|t| {
            t.rows.iter().flat_map(move |r| {
                r.columns
                    .iter()
                    .map(move |&c| format!("{}.{}.{}", t.key, r.key, t.columns[c].key))
            })
        })
        .collect()
}

/// Marks the unfilled-report warnings that are not acknowledged as errors: `build` must not
/// publish a skeleton, while `check` and `serve` only say so.
pub fn for_publication(diagnostics: &mut Diagnostics) {
    for d in &mut diagnostics.items {
        if d.code == rules::UNFILLED && d.severity == Severity::Warning {
            d.severity = Severity::Error;
            d.help = Some(t!("rule.unfilled_build_help"));
        }
    }
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
                    r,
                    r.year_span,
                    t!("site.duplicate_report", agency = r.agency, year = r.year),
                )
                .related(&p.path, *p, p.year_span, t!("site.first_report"))
                .help(t!("site.duplicate_report_help")),
            ),
            None => {
                first.insert((r.agency.as_str(), r.year), r);
            }
        }
    }
    out.extend(placeholder_base_url(site, sources));
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
                    t!("site.duplicate_agency", name = a.name),
                )
                .found(other.to_string())
                .help(t!("site.duplicate_agency_help")),
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
                t!("site.unknown_parent", parent = p),
            )
            .found(p.clone());
            d.help = Some(match suggest(p, slugs.iter().copied()) {
                Some(s) => t!("site.unknown_parent_suggest", name = s),
                None => t!("site.unknown_parent_help"),
            });
            out.push(d);
        }
    }
    out
}
