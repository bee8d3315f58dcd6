//! Evaluating the arithmetic rules of `formats.toml` on reports.
//!
//! A rule is `Σ lhs = Σ rhs` for every row or column of a table. Cells printed empty are
//! unknown, not 0: a rule that fails only because of empty cells is reported as
//! unverifiable (a warning), one that fails whatever the empty cells hold is a violation.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::diag::{Build, Diagnostic, Severity};
use crate::format::{ForEach, Kind, Rule, RuleSeverity, Table, Term, formats};
use crate::model::{Cell, Report, Span, TableData};

/// One term of a rule instance, resolved to a cell.
struct Resolved<'a> {
    term: &'a Term,
    lhs: bool,
    report: &'a Report,
    table: &'static Table,
    row: usize,
    col: usize,
    cell: Cell,
    /// Where the cell is written.
    span: Span,
}

/// The outcome of one rule instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evaluation {
    Holds,
    /// Every cell is empty: nothing to verify.
    AllEmpty,
    /// Fails whatever the empty cells hold.
    Violated {
        expected: i128,
        found: Option<i128>,
    },
    /// Fails when empty cells count as 0, but filling them in could make it hold.
    Unverifiable {
        expected: i128,
        found: Option<i128>,
        empty: usize,
    },
}

/// Evaluates `Σ lhs = Σ rhs` over cells; the first lhs cell is the one "expected" refers to.
/// `nonnegative` says every cell is a count (so empty cells can only add).
pub fn evaluate<C: std::borrow::Borrow<Cell>>(
    lhs: &[C],
    rhs: &[C],
    nonnegative: bool,
) -> Evaluation {
    let sum = |cells: &[C]| -> (i128, usize) {
        cells
            .iter()
            .fold((0, 0), |(s, e), c| match c.borrow().integer() {
                Some(v) => (s + v, e),
                None => (s, e + 1),
            })
    };
    let (l, el) = sum(lhs);
    let (r, er) = sum(rhs);
    if el + er == lhs.len() + rhs.len() {
        return Evaluation::AllEmpty;
    }
    if l == r {
        return Evaluation::Holds;
    }
    let primary = lhs.first().and_then(|c| c.borrow().integer());
    let others: i128 = lhs
        .iter()
        .skip(1)
        .filter_map(|c| c.borrow().integer())
        .sum();
    let expected = r - others;
    let definite = el + er == 0 || (nonnegative && ((l > r && er == 0) || (l < r && el == 0)));
    if definite {
        Evaluation::Violated {
            expected,
            found: primary,
        }
    } else {
        Evaluation::Unverifiable {
            expected,
            found: primary,
            empty: el + er,
        }
    }
}

/// Findings of the rules that compare cells within one report, and D1.
pub fn report_findings(report: &Report) -> Vec<Diagnostic> {
    let f = formats();
    let mut out = Vec::new();
    for (i, rule) in f.rules.iter().enumerate().filter(|(_, r)| !r.cross_year()) {
        run_rule(i, rule, report, None, &mut out);
    }
    out.extend(empty_cells(report));
    out.extend(unfilled(report));
    out.extend(late(report));
    out.extend(super::prose::prose_findings(report));
    out
}

/// The code of the late-publication finding, and its acknowledgement place.
pub const LATE: &str = "D2";

/// D2: published after the deadline of 条例 第五十条 (31 January of the next year).
fn late(report: &Report) -> Option<Diagnostic> {
    let days = report.days_late().filter(|&d| d > 0)?;
    let date = report.meta.published.as_deref().unwrap_or("");
    Some(
        Diagnostic::at(
            Severity::Warning,
            LATE,
            &report.path,
            report,
            report.published_span,
            t!(
                "rule.d2",
                date = date,
                deadline = report.deadline(),
                days = days
            ),
        )
        .at_key(UNFILLED_AT)
        .help(ack_help(LATE, UNFILLED_AT, &t!("rule.d2_help"))),
    )
}

/// A report still as `new`/`init` wrote it: every cell zero or empty and no prose beyond the
/// placeholders. Publishing it would show an agency that did nothing.
fn unfilled(report: &Report) -> Option<Diagnostic> {
    let zero = |c: &Cell| match c {
        Cell::Empty(_) | Cell::Count(0) | Cell::Delta(0) => true,
        Cell::Amount(a) => a.value.is_zero(),
        _ => false,
    };
    let cells_zero = report
        .tables
        .iter()
        .flat_map(|t| t.cells())
        .all(|c| zero(&c));
    if !cells_zero {
        return None;
    }
    let text = report.text();
    let prose_empty = report.sections.iter().all(|s| {
        let body = text
            .get(s.body.start as usize..s.body.end as usize)
            .unwrap_or("");
        strip_comments(body).trim().is_empty()
    });
    if !prose_empty {
        return None;
    }
    Some(
        Diagnostic::at(
            Severity::Warning,
            UNFILLED,
            &report.path,
            report,
            report.year_span,
            t!("rule.unfilled", year = report.year),
        )
        .at_key(UNFILLED_AT)
        .help(ack_help(UNFILLED, UNFILLED_AT, &t!("rule.unfilled_help"))),
    )
}

/// The code of the unfilled-report finding: a warning in `check` and `serve`, an error in
/// `build` unless acknowledged.
pub const UNFILLED: &str = "unfilled";
/// Its acknowledgement place: the report as a whole.
pub const UNFILLED_AT: &str = "report";

/// Markdown text without its HTML comments (the placeholders of a skeleton).
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("<!--") {
        out.push_str(&rest[..i]);
        match rest[i..].find("-->") {
            Some(j) => rest = &rest[i + j + 3..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// D3's bounds: a count that changed by this factor or more from one year to the next, with
/// the larger of the two at least [`JUMP_FLOOR`] (small counts swing by chance), looks like
/// a typed extra or missing zero.
pub const JUMP_RATIO: u64 = 10;
pub const JUMP_FLOOR: u64 = 100;

/// D3: implausible year-on-year jumps of one count, shown at both years' cells.
fn jumps(prev: &Report, cur: &Report, out: &mut Vec<Diagnostic>) {
    let f = formats();
    for (ti, &t) in cur.format().tables.iter().enumerate() {
        let table = &f.tables[t];
        let Some(data) = cur.tables.get(ti) else {
            continue;
        };
        let Some((ptable, pdata)) = prev.table(&table.key) else {
            continue;
        };
        for (ri, row) in table.rows.iter().enumerate() {
            for (pos, &col) in row.columns.iter().enumerate() {
                let Some(cell) = data.cell(ri, pos) else {
                    continue;
                };
                let Cell::Count(now) = cell else {
                    continue;
                };
                let column = &table.columns[col];
                let Some((pcell, pspan)) = ptable.row_index(&row.key).and_then(|pr| {
                    let pc = ptable.column_index(&column.key)?;
                    let ppos = ptable.rows[pr].columns.iter().position(|&x| x == pc)?;
                    Some((pdata.cell(pr, ppos)?, pdata.cell_span(pr, ppos)))
                }) else {
                    continue;
                };
                let Cell::Count(before) = pcell else {
                    continue;
                };
                let (lo, hi) = (now.min(before), now.max(before));
                if lo == 0 || hi < JUMP_FLOOR || hi < lo.saturating_mul(JUMP_RATIO) {
                    continue;
                }
                let at = format!("{}.{}.{}", table.key, row.key, column.key);
                let label = table.cell_label(ri, col, "zh");
                let d = Diagnostic::at(
                    Severity::Warning,
                    "D3",
                    &cur.path,
                    cur,
                    data.cell_span(ri, pos),
                    t!(
                        "rule.d3",
                        last = prev.year,
                        year = cur.year,
                        before = before,
                        now = now,
                        ratio = hi / lo
                    ),
                )
                .label(label.clone())
                .found(now.to_string())
                .at_key(at.clone())
                .related(
                    &prev.path,
                    prev,
                    pspan,
                    format!("{}年 {}: {}", prev.year, label, before),
                )
                .help(ack_help("D3", &at, &t!("rule.d3_help")));
                out.push(d);
            }
        }
    }
}

/// Findings of the rules that compare a report with the previous year's.
pub fn continuity_findings(prev: &Report, cur: &Report) -> Vec<Diagnostic> {
    let f = formats();
    let mut out = Vec::new();
    for (i, rule) in f.rules.iter().enumerate().filter(|(_, r)| r.cross_year()) {
        run_rule(i, rule, cur, Some(prev), &mut out);
    }
    jumps(prev, cur, &mut out);
    out
}

/// D1: empty cells in tables where the format asks for every cell to be filled.
fn empty_cells(report: &Report) -> Option<Diagnostic> {
    let f = formats();
    let fmt = report.format();
    for (ti, &t) in fmt.tables.iter().enumerate() {
        let table = &f.tables[t];
        if !table.empty_cells_finding {
            continue;
        }
        let data = &report.tables[ti];
        let cells = data.cells();
        let (total, empty) = cells.fold((0, 0), |(t, e), c| (t + 1, e + usize::from(c.is_empty())));
        if empty == 0 {
            continue;
        }
        let span = data.span.unwrap_or_default();
        let section = f
            .section_for_table(&table.key)
            .map_or("", |s| s.zh.as_str());
        return Some(
            Diagnostic::at(
                Severity::Warning,
                "D1",
                &report.path,
                report,
                span,
                t!("rule.d1", n = empty, total = total, section = section),
            )
            .found(t!("rule.d1_found", n = empty))
            .at_key(table.key.clone())
            .help(ack_help("D1", &table.key, &t!("rule.d1_help"))),
        );
    }
    None
}

pub(super) fn ack_help(check: &str, at: &str, lead: &str) -> String {
    t!("rule.ack_help", lead = lead, check = check, at = at)
}

/// Where the rule's table is in a report: description and data.
fn table_of<'a>(report: &'a Report, key: &str) -> Option<(&'static Table, &'a TableData)> {
    report.table(key)
}

/// A term of a rule instance, resolved against the format descriptions once.
struct PlannedTerm {
    /// Index into `rule.terms()`.
    term: usize,
    lhs: bool,
    prev: bool,
    row: usize,
    col: usize,
    /// Position of the cell within its row.
    pos: usize,
}

/// One instance of a rule (a row or a column) with its terms located.
struct Instance {
    free: usize,
    terms: Vec<PlannedTerm>,
    /// Every term is a count, so empty cells can only add (see [`evaluate`]).
    nonnegative: bool,
}

/// Locates every term of every instance of `rule` for a report in format `cur` (and, for
/// cross-year rules, its predecessor in format `prev`). Rows or columns lacking a required
/// term are left out, as are formats lacking one for per-column rules.
fn plan(rule: &Rule, cur: usize, prev: Option<usize>) -> Vec<Instance> {
    let f = formats();
    let Some((_, table)) = f.table_of(&f.formats[cur], &rule.table) else {
        return Vec::new();
    };
    let prev_table = match prev {
        Some(p) => match f.table_of(&f.formats[p], &rule.table) {
            Some((_, t)) => Some(t),
            None => return Vec::new(),
        },
        None => None,
    };
    let count = match rule.for_each {
        ForEach::Column => table.columns.len(),
        ForEach::Row => table.rows.len(),
    };
    let mut out = Vec::new();
    'instance: for free in 0..count {
        let mut terms = Vec::new();
        for (ti, (term, lhs)) in rule.terms().enumerate() {
            let t = if term.prev {
                match prev_table {
                    Some(t) => t,
                    None => continue 'instance,
                }
            } else {
                table
            };
            let (row, col) = match rule.for_each {
                ForEach::Column => (
                    t.row_index(&term.key),
                    t.column_index(&table.columns[free].key),
                ),
                ForEach::Row => (
                    t.row_index(&table.rows[free].key),
                    t.column_index(&term.key),
                ),
            };
            let located = row.zip(col).and_then(|(r, c)| {
                t.rows[r]
                    .columns
                    .iter()
                    .position(|&x| x == c)
                    .map(|pos| (r, c, pos))
            });
            match located {
                Some((row, col, pos)) => terms.push(PlannedTerm {
                    term: ti,
                    lhs,
                    prev: term.prev,
                    row,
                    col,
                    pos,
                }),
                None if term.optional => {}
                None if rule.for_each == ForEach::Column => return Vec::new(),
                None => continue 'instance,
            }
        }
        if terms.iter().all(|t| t.lhs) || terms.iter().all(|t| !t.lhs) {
            continue;
        }
        let nonnegative = terms.iter().all(|t| {
            let tt = if t.prev {
                prev_table.unwrap_or(table)
            } else {
                table
            };
            tt.columns[t.col].kind == Kind::Count
        });
        out.push(Instance {
            free,
            terms,
            nonnegative,
        });
    }
    out
}

/// Plans of every rule for every pair of formats, computed once.
fn plans(rule: usize, cur: usize, prev: Option<usize>) -> &'static [Instance] {
    /// (rule, format of the report, format of the previous year's report)
    type Key = (usize, usize, Option<usize>);
    static PLANS: OnceLock<HashMap<Key, Vec<Instance>>> = OnceLock::new();
    let all = PLANS.get_or_init(|| {
        let f = formats();
        let mut m = HashMap::new();
        for (ri, r) in f.rules.iter().enumerate() {
            for c in 0..f.formats.len() {
                for p in std::iter::once(None).chain((0..f.formats.len()).map(Some)) {
                    m.insert((ri, c, p), plan(r, c, p));
                }
            }
        }
        m
    });
    all.get(&(rule, cur, prev)).map_or(&[], Vec::as_slice)
}

fn run_rule(
    ri: usize,
    rule: &Rule,
    cur: &Report,
    prev: Option<&Report>,
    out: &mut Vec<Diagnostic>,
) {
    let Some((table, data)) = table_of(cur, &rule.table) else {
        return;
    };
    let prev_t = match prev {
        Some(p) => match table_of(p, &rule.table) {
            Some((t, d)) => Some((p, t, d)),
            None => return,
        },
        None => None,
    };
    let all_terms: Vec<(&Term, bool)> = rule.terms().collect();
    let mut lhs: Vec<Cell> = Vec::new();
    let mut rhs: Vec<Cell> = Vec::new();
    'instance: for inst in plans(ri, cur.format, prev.map(|p| p.format)) {
        lhs.clear();
        rhs.clear();
        for t in &inst.terms {
            let d = if t.prev {
                match prev_t {
                    Some((_, _, d)) => d,
                    None => continue 'instance,
                }
            } else {
                data
            };
            // A cell that could not be read has its own error already.
            let Some(cell) = d.cell(t.row, t.pos) else {
                continue 'instance;
            };
            if t.lhs {
                lhs.push(cell)
            } else {
                rhs.push(cell)
            }
        }
        if matches!(
            evaluate(&lhs, &rhs, inst.nonnegative),
            Evaluation::Holds | Evaluation::AllEmpty
        ) {
            continue;
        }
        let terms: Vec<Resolved<'_>> = inst
            .terms
            .iter()
            .filter_map(|t| {
                let (report, tbl, d) = if t.prev { prev_t? } else { (cur, table, data) };
                Some(Resolved {
                    term: all_terms[t.term].0,
                    lhs: t.lhs,
                    report,
                    table: tbl,
                    row: t.row,
                    col: t.col,
                    cell: d.cell(t.row, t.pos)?,
                    span: d.cell_span(t.row, t.pos),
                })
            })
            .collect();
        if let Some(d) = finding(rule, cur, table, inst.free, &terms, inst.nonnegative) {
            out.push(d);
        }
    }
}

/// A short name for a term in a formula: the row's short label or the column label.
fn term_name(rule: &Rule, t: &Resolved<'_>) -> String {
    let name = match rule.for_each {
        ForEach::Column => {
            let row = &t.table.rows[t.row];
            row.short.as_ref().unwrap_or(&row.label).zh.clone()
        }
        ForEach::Row => t.table.columns[t.col].label.zh.clone(),
    };
    if t.term.prev {
        format!("{}年{name}", t.report.year)
    } else {
        name
    }
}

fn show(c: &Cell) -> String {
    match c {
        Cell::Empty(_) => t!("rule.empty"),
        other => other.to_string(),
    }
}

fn finding(
    rule: &Rule,
    cur: &Report,
    table: &'static Table,
    free: usize,
    terms: &[Resolved<'_>],
    nonnegative: bool,
) -> Option<Diagnostic> {
    let lhs: Vec<&Cell> = terms.iter().filter(|t| t.lhs).map(|t| &t.cell).collect();
    let rhs: Vec<&Cell> = terms.iter().filter(|t| !t.lhs).map(|t| &t.cell).collect();
    let eval = evaluate(&lhs, &rhs, nonnegative);
    let (expected, found, empty) = match eval {
        Evaluation::Holds | Evaluation::AllEmpty => return None,
        Evaluation::Violated { expected, found } => (expected, found, 0),
        Evaluation::Unverifiable {
            expected,
            found,
            empty,
        } => (expected, found, empty),
    };
    let primary = terms.iter().find(|t| t.lhs)?;
    let (place, at) = match rule.for_each {
        ForEach::Column => {
            let c = &table.columns[free];
            (
                t!("rule.column", label = table.column_label(free, "zh")),
                c.key.clone(),
            )
        }
        ForEach::Row => (
            t!("rule.row", label = table.row_label(free, "zh")),
            table.rows[free].key.clone(),
        ),
    };
    // The formula with the values, e.g. `本年新收申请 64 + 上年结转 0 − 结转下年度 1`.
    let others: Vec<&Resolved<'_>> = terms
        .iter()
        .filter(|t| !t.lhs)
        .chain(terms.iter().filter(|t| t.lhs && !std::ptr::eq(*t, primary)))
        .collect();
    let formula = if others.len() <= 6 {
        others
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let sign = match (i, t.lhs) {
                    (0, _) => "",
                    (_, false) => " + ",
                    (_, true) => " − ",
                };
                format!("{sign}{} {}", term_name(rule, t), show(&t.cell))
            })
            .collect::<String>()
    } else {
        t!("rule.sum_of", n = others.len())
    };
    let severity = match (&eval, rule.severity) {
        (Evaluation::Unverifiable { .. }, _) => Severity::Warning,
        (_, RuleSeverity::Error) => Severity::Error,
        (_, RuleSeverity::Warning) => Severity::Warning,
    };
    let message = match eval {
        Evaluation::Unverifiable { .. } if found.is_none() => t!(
            "rule.unverifiable_total",
            id = rule.id,
            place = place,
            cell = term_name(rule, primary),
            rule = rule.label.zh
        ),
        Evaluation::Unverifiable { .. } => t!(
            "rule.unverifiable",
            id = rule.id,
            place = place,
            n = empty,
            rule = rule.label.zh
        ),
        _ if rule.cross_year() => t!(
            "rule.cross_year",
            id = rule.id,
            last = cur.year - 1,
            year = cur.year,
            place = place,
            rule = rule.label.zh
        ),
        _ => t!(
            "rule.violated",
            id = rule.id,
            place = place,
            rule = rule.label.zh
        ),
    };
    let lead = match eval {
        Evaluation::Unverifiable { .. } => t!("rule.unverifiable_help"),
        _ if rule.cross_year() => t!("rule.cross_year_help"),
        _ => t!("rule.violated_help"),
    };
    let mut d = Diagnostic::at(severity, &rule.id, &cur.path, cur, primary.span, message)
        .label(primary.table.cell_label(primary.row, primary.col, "zh"))
        .expected(match eval {
            Evaluation::Unverifiable { .. } => {
                t!(
                    "rule.expected_if_empty_zero",
                    expected = expected,
                    formula = formula
                )
            }
            _ => t!("rule.expected", expected = expected, formula = formula),
        })
        .found(found.map_or_else(|| t!("rule.an_empty_cell"), |v| v.to_string()))
        .at_key(at.clone())
        .help(ack_help(&rule.id, &at, &lead));
    d.values = Some(crate::diag::RuleValues {
        expected: expected.to_string(),
        found: found.map(|v| v.to_string()),
        empty_cells: empty,
    });
    for t in terms {
        if t.term.prev {
            d = d.related(
                &t.report.path,
                t.report,
                t.span,
                format!(
                    "{}年 {}: {}",
                    t.report.year,
                    t.table.cell_label(t.row, t.col, "zh"),
                    show(&t.cell)
                ),
            );
        } else {
            d.cells.push(format!(
                "{}.{}.{}",
                t.table.key, t.table.rows[t.row].key, t.table.columns[t.col].key
            ));
        }
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Blank;

    fn c(n: u64) -> Cell {
        Cell::Count(n)
    }
    fn e() -> Cell {
        Cell::Empty(Blank::NONE)
    }

    #[test]
    fn empty_cells_are_unknown_not_zero() {
        // 总计 empty, parts known: cannot be verified (Shanghai 2019 rows).
        let (t, a, b) = (e(), c(258), c(12));
        assert!(matches!(
            evaluate(&[&t], &[&a, &b], true),
            Evaluation::Unverifiable {
                expected: 270,
                found: None,
                empty: 1
            }
        ));
        // Parts empty, known parts already exceed the total: a violation whatever they hold.
        let (t, a, b) = (c(5), c(6), e());
        assert_eq!(
            evaluate(&[&t], &[&a, &b], true),
            Evaluation::Violated {
                expected: 6,
                found: Some(5)
            }
        );
        // Parts empty, known parts below the total: could hold.
        let (t, a, b) = (c(805), e(), e());
        assert!(matches!(
            evaluate(&[&t], &[&a, &b], true),
            Evaluation::Unverifiable { .. }
        ));
        // Holds with empty cells as 0 (沭阳 2023): fine.
        let (t, a, b) = (c(26), c(26), e());
        assert_eq!(evaluate(&[&t], &[&a, &b], true), Evaluation::Holds);
        let (x, y) = (e(), e());
        assert_eq!(evaluate(&[&x], &[&y], true), Evaluation::AllEmpty);
    }

    #[test]
    fn expected_value_is_for_the_first_left_cell() {
        // I1 as (七)总计 + 四 = 一 + 二: 63 + 1 vs 64 + 1 → expected 总计 = 64.
        let (t, cf, n, co) = (c(63), c(1), c(64), c(1));
        assert_eq!(
            evaluate(&[&t, &cf], &[&n, &co], true),
            Evaluation::Violated {
                expected: 64,
                found: Some(63)
            }
        );
    }

    #[test]
    fn signed_cells_never_give_a_definite_answer_with_empties() {
        let (a, b, d) = (c(10), c(3), e());
        assert!(matches!(
            evaluate(&[&a], &[&b, &d], false),
            Evaluation::Unverifiable { .. }
        ));
    }
}
