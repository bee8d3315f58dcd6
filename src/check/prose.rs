//! Check X4: figures the prose states (`本年新收政府信息公开申请21件`) against the tables.
//!
//! The statements are read with the report (`load::statements`). A statement is compared with
//! every reading its phrase allows and reported only when none matches; a figure whose cells
//! are not all whole counts (printed empty, amounts) is not compared.

use crate::diag::{Build, Diagnostic, RuleValues, Severity};
use crate::format::{StatementKind, formats};
use crate::model::{Cell, Report, Span, Statement};

use super::rules::ack_help;

/// The code of the finding.
pub const PROSE: &str = "X4";

/// The value of a reading (a sum of figures) in `report`, when every cell is a whole count.
fn reading_value(report: &Report, reading: &[String]) -> Option<u64> {
    let f = formats();
    let mut sum = 0u64;
    for id in reading {
        let locs = f.figure(id)?.cells_in(report.format, None)?;
        for l in locs {
            match report.located(l) {
                Some(Cell::Count(n)) => sum += n,
                _ => return None,
            }
        }
    }
    Some(sum)
}

/// The first cell of a reading, to point at in the table.
fn reading_cell(report: &Report, reading: &[String]) -> Option<(String, Span)> {
    let f = formats();
    let fig = f.figure(reading.first()?)?;
    let key = fig.cells_for(&report.format().id)?.first()?.clone();
    let l = fig.cells_in(report.format, None)?.first()?;
    report.located(l)?;
    let span = report.located_span(l);
    Some((key, span))
}

/// X4 findings of one report.
pub fn prose_findings(report: &Report) -> Vec<Diagnostic> {
    let st = &formats().statements;
    let mut out = Vec::new();
    for section in &report.sections {
        for s in &section.statements {
            let Some(kind) = st.kinds.get(s.kind) else {
                continue;
            };
            if let Some(d) = compare(report, kind, s) {
                out.push(d);
            }
        }
    }
    out
}

/// The finding of one statement, when it matches no reading that can be computed.
fn compare(report: &Report, kind: &StatementKind, s: &Statement) -> Option<Diagnostic> {
    let en = crate::i18n::lang() == crate::i18n::Lang::En;
    let lang = if en { "en" } else { "zh" };
    let f = formats();
    let mut tried = Vec::new();
    for reading in &kind.readings {
        let value = reading_value(report, reading)?;
        if value == s.value {
            return None;
        }
        let name: Vec<&str> = reading
            .iter()
            .filter_map(|id| f.figure(id))
            .map(|fig| fig.label.get(lang))
            .collect();
        tried.push(t!(
            "rule.x4_reading",
            name = name.join(" + "),
            value = value
        ));
    }
    let (cell, cell_span) = reading_cell(report, &kind.readings[0])?;
    let span = s.span;
    let text = report.text();
    let printed = text.get(span.start as usize..span.end as usize)?;
    let what = if en { &kind.en } else { &kind.zh };
    let expected = tried.join(t!("rule.x4_or").as_str());
    let mut d = Diagnostic::at(
        Severity::Warning,
        PROSE,
        &report.path,
        report,
        span,
        t!("rule.x4", what = what, printed = printed, tables = expected),
    )
    .label(what.to_string())
    .at_key(kind.id.clone())
    .related(
        &report.path,
        report,
        cell_span,
        t!("rule.x4_cell", cell = cell),
    )
    .help(ack_help(PROSE, &kind.id, &t!("rule.x4_help")));
    d.values = Some(RuleValues {
        expected,
        found: Some(s.value.to_string()),
        empty_cells: 0,
    });
    Some(d)
}
