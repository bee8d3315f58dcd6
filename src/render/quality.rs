//! 数据质量: every finding of the archive's reports on one page and in `data/quality.csv`, the
//! supervising office's work list and an evaluator's evidence: acknowledged inconsistencies
//! with the agency's note, and warnings, filterable by year, level, agency and check, each
//! linking to its report (at its numbered note), with a count per agency.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{Archive, Theme, urls};
use crate::diag::Diagnostic;
use crate::format::formats;

/// One finding of one report.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Index into the site's reports.
    pub report: usize,
    pub code: String,
    pub acknowledged: bool,
    /// The official label of the place, when the finding has one.
    pub place: String,
    /// The acknowledgement place (`table.row.column`, a table, `report`, a statement).
    pub at: String,
    pub message: String,
    /// The agency's note, when acknowledged.
    pub note: String,
    /// The note's number on the report page.
    pub n: Option<usize>,
}

impl Finding {
    /// Finding `d` of report `report`; `n` is the number of its note on the report page when
    /// it is acknowledged.
    pub fn of(report: usize, d: &Diagnostic, n: Option<usize>) -> Finding {
        Finding {
            report,
            code: d.code.clone(),
            acknowledged: n.is_some(),
            place: d.label.clone().unwrap_or_default(),
            at: d.at.clone().unwrap_or_default(),
            message: d.message.clone(),
            note: d.acknowledgement.clone().unwrap_or_default(),
            n,
        }
    }
}

/// The name of a check in the site language.
fn check_name(theme: &Theme, code: &str) -> String {
    let lang = theme.text("lang_code");
    match formats().rule(code) {
        Some(r) => r.label.get(lang).to_string(),
        None => theme.text(&format!("check_{code}")).to_string(),
    }
}

/// Where a finding is, in the site language: the cell's official label, or what the
/// acknowledgement place stands for (the publication date, a table, a statement).
fn place(theme: &Theme, f: &Finding) -> String {
    let lang = theme.text("lang_code");
    let st = &formats().statements;
    match f.code.as_str() {
        "D2" => theme.text("published").to_string(),
        "X4" => st
            .kinds
            .iter()
            .find(|k| k.id == f.at)
            .map_or(f.place.clone(), |k| {
                if lang == "en" {
                    k.en.clone()
                } else {
                    k.zh.clone()
                }
            }),
        _ if !f.place.is_empty() => f.place.clone(),
        _ => formats()
            .section_for_table(&f.at)
            .map_or(f.at.clone(), |sec| sec.label(lang).to_string()),
    }
}

#[derive(Serialize)]
struct Row {
    year: i32,
    agency: String,
    agency_slug: String,
    level: String,
    code: String,
    check: String,
    place: String,
    status: String,
    acknowledged: bool,
    text: String,
    url: String,
}

#[derive(Serialize)]
struct AgencyCount {
    name: String,
    url: String,
    acknowledged: usize,
    warnings: usize,
}

/// A filter: its label and the values to choose from.
#[derive(Serialize)]
struct Filter {
    key: &'static str,
    label: String,
    options: Vec<(String, String)>,
}

fn rows(theme: &Theme, archive: &Archive<'_>) -> Vec<Row> {
    archive
        .findings
        .iter()
        .map(|f| {
            let r = archive.report(f.report);
            let a = archive.agency(&r.agency);
            let page = urls::report(&r.agency, r.year);
            Row {
                year: r.year,
                agency: a.map_or(r.agency.clone(), |a| a.name.clone()),
                agency_slug: r.agency.clone(),
                level: a
                    .map(|a| theme.text(&format!("level_{}", a.level.key())).to_string())
                    .unwrap_or_default(),
                code: f.code.clone(),
                check: check_name(theme, &f.code),
                place: place(theme, f),
                status: theme
                    .text(if f.acknowledged {
                        "quality_acknowledged"
                    } else {
                        "quality_warning"
                    })
                    .to_string(),
                acknowledged: f.acknowledged,
                text: if f.acknowledged {
                    f.note.clone()
                } else {
                    f.message.clone()
                },
                url: match f.n {
                    Some(n) => format!("{page}#note-{n}"),
                    None => page,
                },
            }
        })
        .collect()
}

/// The page's data.
pub(super) fn page(theme: &Theme, archive: &Archive<'_>) -> serde_json::Value {
    let rows = rows(theme, archive);
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in &rows {
        let c = counts.entry(r.agency_slug.as_str()).or_default();
        if r.acknowledged {
            c.0 += 1;
        } else {
            c.1 += 1;
        }
    }
    let mut per_agency: Vec<AgencyCount> = counts
        .iter()
        .map(|(slug, &(acknowledged, warnings))| AgencyCount {
            name: archive
                .agency(slug)
                .map_or(slug.to_string(), |a| a.name.clone()),
            url: urls::agency(slug),
            acknowledged,
            warnings,
        })
        .collect();
    per_agency.sort_by(|a, b| {
        (b.acknowledged + b.warnings)
            .cmp(&(a.acknowledged + a.warnings))
            .then(a.name.cmp(&b.name))
    });
    let distinct = |f: &dyn Fn(&Row) -> (String, String)| -> Vec<(String, String)> {
        let set: BTreeSet<(String, String)> = rows.iter().map(f).collect();
        set.into_iter().collect()
    };
    let filters = vec![
        Filter {
            key: "year",
            label: theme.text("year").to_string(),
            options: distinct(&|r| (r.year.to_string(), r.year.to_string())),
        },
        Filter {
            key: "level",
            label: theme.text("level").to_string(),
            options: distinct(&|r| (r.level.clone(), r.level.clone())),
        },
        Filter {
            key: "agency",
            label: theme.text("agency").to_string(),
            options: distinct(&|r| (r.agency_slug.clone(), r.agency.clone())),
        },
        Filter {
            key: "check",
            label: theme.text("quality_check").to_string(),
            options: distinct(&|r| (r.code.clone(), format!("{} {}", r.code, r.check))),
        },
    ];
    let acknowledged = rows.iter().filter(|r| r.acknowledged).count();
    serde_json::json!({
        "rows": rows,
        "total": rows.len(),
        "acknowledged": acknowledged,
        "warnings": rows.len() - acknowledged,
        "reports": archive.site.reports.len(),
        "per_agency": per_agency,
        "filters": filters,
        "csv": urls::QUALITY_CSV,
    })
}

/// `data/quality.csv`: the same list, one finding per line.
pub fn csv(theme: &Theme, archive: &Archive<'_>) -> Result<Vec<u8>, String> {
    let mut lines = vec![
        [
            "year",
            "agency",
            "agency_name",
            "level",
            "check",
            "check_name",
            "place",
            "acknowledged",
            "note_or_message",
            "page",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for r in rows(theme, archive) {
        lines.push(vec![
            r.year.to_string(),
            r.agency_slug,
            r.agency,
            r.level,
            r.code,
            r.check,
            r.place,
            r.acknowledged.to_string(),
            r.text,
            format!("../{}", r.url),
        ]);
    }
    super::data::csv_bytes(lines)
}
