//! Roll-ups: the sum of several reports' official tables, cell by cell (全县合计 over the
//! departments and towns of a county, for instance). Sums are taken only over reports of one
//! format; a cell some reports printed blank sums what was printed and is counted as partial.
//! The arithmetic identities of the format are linear, so they hold on a sum of reports that
//! satisfy them (tested).

use std::sync::Arc;

use rust_decimal::Decimal;

use crate::format::formats;
use crate::model::{Amount, Blank, Cell, Report, ReportMeta, RowIn, Span, TableData};

/// The summed tables of `reports` (all of format `format`) and how many cells were partial.
/// Row by row, each report's cells added in turn (the cells of a row lie together).
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
                    let mut sums = vec![Sum::default(); row.columns.len()];
                    let mut present = false;
                    for r in reports {
                        let Some(row) = r.tables.get(ti).and_then(|t| t.row(ri)) else {
                            continue;
                        };
                        present = true;
                        for (sum, c) in sums.iter_mut().zip(row.cells()) {
                            sum.add(&c);
                        }
                    }
                    if !present {
                        return None;
                    }
                    let cells = sums
                        .into_iter()
                        .map(|sum| {
                            let (cell, was_partial) = sum.cell();
                            partial += usize::from(was_partial);
                            cell
                        })
                        .collect();
                    Some(RowIn {
                        cells,
                        spans: Vec::new(),
                    })
                })
                .collect();
            TableData::new(rows, None)
        })
        .collect();
    (tables, partial)
}

/// The running sum of one cell over reports.
#[derive(Clone, Default)]
struct Sum {
    count: u64,
    delta: i64,
    amount: Decimal,
    /// 0 nothing known yet, 1 counts, 2 changes, 3 amounts.
    kind: u8,
    empty: usize,
    known: usize,
}

impl Sum {
    fn add(&mut self, c: &Cell) {
        match c {
            Cell::Count(n) => {
                self.count = self.count.saturating_add(*n);
                self.kind = self.kind.max(1);
            }
            Cell::Delta(n) => {
                self.delta = self.delta.saturating_add(*n);
                self.kind = self.kind.max(2);
            }
            Cell::Amount(a) => {
                self.amount += a.normalized();
                self.kind = 3;
            }
            Cell::Empty(_) => {
                self.empty += 1;
                return;
            }
        }
        self.known += 1;
    }

    /// The sum; `true` when some (not all) of the cells were printed blank.
    fn cell(self) -> (Cell, bool) {
        let cell = match self.kind {
            _ if self.known == 0 => Cell::Empty(Blank::NONE),
            3 => Cell::amount(Amount {
                value: self.amount,
                unit: Some("万元".into()),
                printed: None,
            }),
            2 => Cell::Delta(
                self.delta
                    .saturating_add(i64::try_from(self.count).unwrap_or(i64::MAX)),
            ),
            _ => Cell::Count(self.count),
        };
        (cell, self.empty > 0 && self.known > 0)
    }
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
        released: None,
        year_span: Span::default(),
        format_span: Span::default(),
        published_span: Span::default(),
    }
}
