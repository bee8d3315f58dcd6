//! Roll-ups: the sum of several reports' official tables, cell by cell (全县合计 over the
//! departments and towns of a county, for instance). Sums are taken only over reports of one
//! format; a cell some reports printed blank sums what was printed and is counted as partial.
//! The arithmetic identities of the format are linear, so they hold on a sum of reports that
//! satisfy them (tested).

use std::sync::Arc;

use rust_decimal::Decimal;

use crate::format::formats;
use crate::model::{Amount, Cell, CellData, Report, ReportMeta, RowData, Span, TableData};

/// The summed tables of `reports` (all of format `format`) and how many cells were partial.
pub fn sum_tables(reports: &[&Report], format: usize) -> (Vec<TableData>, usize) {
    let f = formats();
    let mut partial = 0;
    let tables = f.formats[format]
        .tables
        .iter()
        .enumerate()
        .map(|(ti, &t)| {
            let table = &f.tables[t];
            let rows = table
                .rows
                .iter()
                .enumerate()
                .map(|(ri, row)| {
                    let present: Vec<&RowData> = reports
                        .iter()
                        .filter_map(|r| r.tables.get(ti)?.rows.get(ri)?.as_ref())
                        .collect();
                    if present.is_empty() {
                        return None;
                    }
                    let cells = (0..row.columns.len())
                        .map(|pos| {
                            let (cell, was_partial) =
                                sum_cells(present.iter().filter_map(|r| r.cells.get(pos)));
                            partial += usize::from(was_partial);
                            CellData {
                                value: cell,
                                span: Span::default(),
                            }
                        })
                        .collect();
                    Some(RowData {
                        cells,
                        span: Span::default(),
                        key_span: Span::default(),
                    })
                })
                .collect();
            TableData { rows, span: None }
        })
        .collect();
    (tables, partial)
}

/// The sum of one cell over reports; `true` when some (not all) were printed blank.
fn sum_cells<'a>(cells: impl Iterator<Item = &'a CellData>) -> (Cell, bool) {
    let (mut count, mut delta, mut amount) = (0u64, 0i64, Decimal::ZERO);
    let (mut kind, mut empty, mut known) = (0u8, 0usize, 0usize);
    for c in cells {
        match &c.value {
            Cell::Count(n) => {
                count = count.saturating_add(*n);
                kind = kind.max(1);
            }
            Cell::Delta(n) => {
                delta = delta.saturating_add(*n);
                kind = kind.max(2);
            }
            Cell::Amount(a) => {
                amount += a.normalized();
                kind = 3;
            }
            Cell::Empty(_) => {
                empty += 1;
                continue;
            }
        }
        known += 1;
    }
    let cell = match kind {
        _ if known == 0 => Cell::Empty(String::new()),
        3 => Cell::amount(Amount {
            value: amount,
            unit: Some("万元".into()),
            printed: None,
        }),
        2 => Cell::Delta(delta.saturating_add(i64::try_from(count).unwrap_or(i64::MAX))),
        _ => Cell::Count(count),
    };
    (cell, empty > 0 && known > 0)
}

/// The summed tables as a report of `agency` (no prose), so that the checks and the pages of
/// a report apply to it.
pub fn as_report(agency: &str, year: i32, format: usize, tables: Vec<TableData>) -> Report {
    Report {
        agency: agency.to_string(),
        year,
        format,
        path: format!("rollup/{agency}/{year}"),
        source: Arc::from(""),
        meta: ReportMeta::default(),
        tables,
        acknowledgements: Vec::new(),
        sections: Vec::new(),
        body_start: 0,
        year_span: Span::default(),
        format_span: Span::default(),
        published_span: Span::default(),
    }
}
