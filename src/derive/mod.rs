//! Derive stage: figures, rates and comparisons computed from the model.
//!
//! Everything here follows the figure and rate definitions of `formats.toml`. Values stay
//! exact ([`Decimal`]); a cell printed empty is unknown, so a sum over it is marked and a rate
//! over it is "—"; a figure the report's format has no counterpart for is "not comparable".

pub mod peers;
pub mod rollup;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::format::{CellLoc, Figure, Formats, Rate, formats};
use crate::model::{Cell, Report};

/// The value of a figure in one report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureValue {
    /// The report's format has no counterpart (§7): never shown as 0.
    NotComparable,
    /// Every cell was printed empty.
    Empty,
    /// The sum of the cells that hold a value; `empty` cells were printed empty.
    Value { sum: Decimal, empty: usize },
}

impl FigureValue {
    /// Exactly 0 (every cell printed 0): such rows are counted rather than listed.
    pub fn is_zero(&self) -> bool {
        matches!(self, FigureValue::Value { sum, empty: 0 } if sum.is_zero())
    }

    /// The value when every cell holds one.
    pub fn exact(self) -> Option<Decimal> {
        match self {
            FigureValue::Value { sum, empty: 0 } => Some(sum),
            _ => None,
        }
    }

    /// The known part, for totals that say how many cells were empty.
    pub fn known(self) -> Option<Decimal> {
        match self {
            FigureValue::Value { sum, .. } => Some(sum),
            _ => None,
        }
    }
}

/// A cell of a report by `table.row.column` key; `None` if its format has no such cell or the
/// row was not read.
pub fn cell(report: &Report, key: &str) -> Option<Cell> {
    let mut parts = key.splitn(3, '.');
    let (t, r, c) = (parts.next()?, parts.next()?, parts.next()?);
    report.cell(t, r, c)
}

/// Whether the report's format has the cell (regardless of whether it was read).
pub fn has_cell(report: &Report, key: &str) -> bool {
    let mut parts = key.splitn(3, '.');
    let (Some(t), Some(r), Some(c)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    report.table(t).is_some_and(|(table, _)| {
        table
            .row_index(r)
            .zip(table.column_index(c))
            .is_some_and(|(ri, ci)| table.rows[ri].columns.contains(&ci))
    })
}

/// The value of `figure` in `report`; `column` fills in `*` for per-column figures.
pub fn figure(report: &Report, figure: &Figure, column: Option<&str>) -> FigureValue {
    match figure.cells_in(report.format, column) {
        Some(locs) => sum(report, locs),
        None => FigureValue::NotComparable,
    }
}

/// The sum of located cells; empty or unread cells are counted, not added.
fn sum(report: &Report, locs: &[CellLoc]) -> FigureValue {
    // Counts add as integers (Decimal addition is the slow part of every page with figures);
    // only amounts go through Decimal.
    let mut whole: i128 = 0;
    let mut decimal = Decimal::ZERO;
    let mut empty = 0;
    let mut known = 0;
    for l in locs {
        match report.located(l) {
            Some(Cell::Count(n)) => whole += i128::from(n),
            Some(Cell::Delta(n)) => whole += i128::from(n),
            Some(Cell::Amount(a)) => decimal += a.normalized(),
            Some(Cell::Empty(_)) | None => {
                empty += 1;
                continue;
            }
        }
        known += 1;
    }
    if known == 0 && empty > 0 {
        return FigureValue::Empty;
    }
    let total = match Decimal::try_from_i128_with_scale(whole, 0) {
        Ok(w) if decimal.is_zero() && decimal.scale() == 0 => w,
        Ok(w) => w + decimal,
        // Beyond Decimal's 96 bits: not a number any report prints.
        Err(_) => Decimal::MAX,
    };
    FigureValue::Value { sum: total, empty }
}

/// A figure by id.
pub fn figure_by_id(report: &Report, id: &str) -> FigureValue {
    match formats().figure(id) {
        Some(f) => figure(report, f, None),
        None => FigureValue::NotComparable,
    }
}

/// `part ÷ whole` as a percentage rounded half-up to two decimals; `None` when the whole is 0.
pub fn percent(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole.is_zero() {
        return None;
    }
    // Whole numbers (nearly every figure) in integer arithmetic: Decimal division was a
    // tenth of a report page. Same result as the general path (tested).
    if part.scale() == 0 && whole.scale() == 0 {
        // Mantissas have at most 96 bits, so neither product overflows an i128.
        let (n, d) = (part.mantissa() * 10_000, whole.mantissa());
        let (mut q, r) = (n / d, n % d);
        if r.unsigned_abs() * 2 >= d.unsigned_abs() {
            q += if (n < 0) == (d < 0) { 1 } else { -1 };
        }
        if let Ok(v) = Decimal::try_from_i128_with_scale(q, 2) {
            return Some(v);
        }
    }
    percent_exact(part, whole)
}

/// [`percent`] in Decimal arithmetic.
fn percent_exact(part: Decimal, whole: Decimal) -> Option<Decimal> {
    let v = part.checked_mul(Decimal::ONE_HUNDRED)?.checked_div(whole)?;
    let mut v = v.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    // Always two decimals (`0.00`, `50.00`), as shown on the site and in the data.
    v.rescale(2);
    Some(v)
}

/// `51.85%`, or `—` when there is no value.
pub fn show_percent(p: Option<Decimal>) -> String {
    match p {
        // Rates carry two decimals already; the digits are then written as they are.
        Some(v) if v.scale() == 2 => {
            let mut out = crate::numtext::decimal_text(v);
            out.push('%');
            out
        }
        Some(v) => format!("{v:.2}%"),
        None => "—".into(),
    }
}

/// The value of a rate for `report` (`prev` is the agency's previous-year report, used by
/// change rates). `None` ("—") when a cell is empty, a figure is not comparable, or the
/// denominator is 0.
pub fn rate(report: &Report, prev: Option<&Report>, rate: &Rate) -> Option<Decimal> {
    rate_of(rate, |id| figure_by_id(report, id), prev)
}

/// [`rate`] over this year's figures given by `cur`.
fn rate_of(
    rate: &Rate,
    cur: impl Fn(&str) -> FigureValue,
    prev: Option<&Report>,
) -> Option<Decimal> {
    if let Some(id) = &rate.change_of {
        let now = cur(id).exact()?;
        let before = figure_by_id(prev?, id).exact()?;
        return percent(now - before, before);
    }
    let total = |terms: &[(i8, String)]| -> Option<Decimal> {
        terms.iter().try_fold(Decimal::ZERO, |acc, (sign, id)| {
            let v = cur(id).exact()?;
            Some(if *sign < 0 { acc - v } else { acc + v })
        })
    };
    percent(total(&rate.numerator)?, total(&rate.denominator)?)
}

/// Every figure (whole, not per column) and rate of one report, in the order of
/// [`Formats::figures`] and [`Formats::rates`]. A report's numbers appear on many pages and
/// data files; computed once, they are looked up by index everywhere else.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    pub figures: Vec<FigureValue>,
    pub rates: Vec<Option<Decimal>>,
}

impl Metrics {
    /// The metrics of `report`; `prev` is the agency's previous-year report.
    pub fn of(report: &Report, prev: Option<&Report>) -> Metrics {
        let f = formats();
        let figures: Vec<FigureValue> = f.figures.iter().map(|x| figure(report, x, None)).collect();
        let by_id = |id: &str| {
            f.figure(id)
                .map_or(FigureValue::NotComparable, |x| figures[x.index])
        };
        let rates = f.rates.iter().map(|r| rate_of(r, by_id, prev)).collect();
        Metrics { figures, rates }
    }

    pub fn figure(&self, fig: &Figure) -> FigureValue {
        self.figures
            .get(fig.index)
            .copied()
            .unwrap_or(FigureValue::NotComparable)
    }

    pub fn rate(&self, rate: &Rate) -> Option<Decimal> {
        self.rates.get(rate.index).copied().flatten()
    }
}

/// The change of a figure on last year: absolute and relative (percent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub absolute: Option<Decimal>,
    pub relative: Option<Decimal>,
}

pub fn change(prev: FigureValue, cur: FigureValue) -> Change {
    match (prev.exact(), cur.exact()) {
        (Some(p), Some(c)) => Change {
            absolute: Some(c - p),
            relative: percent(c - p, p),
        },
        _ => Change {
            absolute: None,
            relative: None,
        },
    }
}

/// What a row of the full comparison shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quantity {
    /// A raw cell, `table.row.column`.
    Cell(String),
    /// A figure (index into [`Formats::figures`]), for one column when per-column.
    Figure(usize, Option<String>),
}

/// One row of the full comparison of an agency across years.
#[derive(Debug, Clone)]
pub struct CompareRow {
    pub quantity: Quantity,
    /// The table key (section) it belongs to.
    pub table: String,
    /// The row key it is listed under.
    pub row: String,
    /// Labels: row label (latest format wording), and column label.
    pub row_label: crate::format::Label,
    pub column_label: crate::format::Label,
    /// Format ids that have this quantity.
    pub formats: Vec<String>,
    /// A note on approximate comparability.
    pub approximate: Option<crate::format::Label>,
    /// For a raw cell: where it is in each format (by format index).
    pub locations: Vec<Option<CellLoc>>,
}

/// Every comparable quantity of the formats, in printed order: rows of the newest format,
/// with rows and columns of older formats inserted where they were printed, and quantities
/// that formats name differently merged into one figure (§7).
pub fn comparison_rows(f: &Formats) -> Vec<CompareRow> {
    let mut fmts: Vec<&crate::format::Format> = f.formats.iter().collect();
    fmts.sort_by_key(|x| std::cmp::Reverse(x.first_year));
    let mut out: Vec<CompareRow> = Vec::new();
    let table_keys: Vec<String> = {
        let mut v: Vec<String> = Vec::new();
        for fmt in &fmts {
            for t in f.tables_of(fmt) {
                if !v.contains(&t.key) {
                    v.push(t.key.clone());
                }
            }
        }
        v
    };
    for tkey in &table_keys {
        // Union of row keys: newest format's order, older rows after their predecessor.
        let mut rows: Vec<String> = Vec::new();
        for fmt in &fmts {
            let Some((_, t)) = f.table_of(fmt, tkey) else {
                continue;
            };
            let mut last: Option<usize> = None;
            for r in &t.rows {
                match rows.iter().position(|k| *k == r.key) {
                    Some(i) => last = Some(i),
                    None => {
                        let at = last.map_or(0, |i| i + 1);
                        rows.insert(at, r.key.clone());
                        last = Some(at);
                    }
                }
            }
        }
        for rkey in &rows {
            let mut cols: Vec<String> = Vec::new();
            for fmt in &fmts {
                if let Some((_, t)) = f.table_of(fmt, tkey)
                    && let Some(ri) = t.row_index(rkey)
                {
                    for &c in &t.rows[ri].columns {
                        if !cols.contains(&t.columns[c].key) {
                            cols.push(t.columns[c].key.clone());
                        }
                    }
                }
            }
            for ckey in &cols {
                let key = format!("{tkey}.{rkey}.{ckey}");
                let star = format!("{tkey}.{rkey}.*");
                let merged = f
                    .figures
                    .iter()
                    .position(|fig| fig.merges.iter().any(|m| *m == key || *m == star));
                let quantity = match merged {
                    Some(fi) => {
                        let col = f.figures[fi].per_column.as_ref().map(|_| ckey.clone());
                        Quantity::Figure(fi, col)
                    }
                    None => Quantity::Cell(key.clone()),
                };
                if out.iter().any(|r| r.quantity == quantity) {
                    continue;
                }
                let mut formats_with = Vec::new();
                let mut row_label = None;
                let mut column_label = None;
                for fmt in &fmts {
                    let has = match &quantity {
                        Quantity::Cell(k) => cell_in_format(f, fmt, k),
                        Quantity::Figure(fi, _) => f.figures[*fi].cells_for(&fmt.id).is_some(),
                    };
                    if has {
                        formats_with.push(fmt.id.clone());
                    }
                    if let Some((_, t)) = f.table_of(fmt, tkey)
                        && let (Some(ri), Some(ci)) = (t.row_index(rkey), t.column_index(ckey))
                        && row_label.is_none()
                    {
                        row_label = Some(crate::format::Label {
                            zh: t.row_label(ri, "zh").to_string(),
                            en: t.row_label(ri, "en").to_string(),
                        });
                        column_label = Some(crate::format::Label {
                            zh: t.column_label(ci, "zh").to_string(),
                            en: t.column_label(ci, "en").to_string(),
                        });
                    }
                }
                let (row_label, column_label) = match (&quantity, row_label, column_label) {
                    (Quantity::Figure(fi, None), _, _) => {
                        (f.figures[*fi].label.clone(), empty_label())
                    }
                    (Quantity::Figure(fi, Some(_)), _, Some(c)) => {
                        (f.figures[*fi].label.clone(), c)
                    }
                    (_, Some(r), Some(c)) => (r, c),
                    _ => continue,
                };
                let approximate = match &quantity {
                    Quantity::Figure(fi, _) => f.figures[*fi].approximate.clone(),
                    Quantity::Cell(_) => None,
                };
                let locations = match &quantity {
                    Quantity::Cell(k) => f.formats.iter().map(|fmt| f.locate(fmt, k)).collect(),
                    Quantity::Figure(..) => Vec::new(),
                };
                out.push(CompareRow {
                    quantity,
                    locations,
                    table: tkey.clone(),
                    row: rkey.clone(),
                    row_label,
                    column_label,
                    formats: formats_with,
                    approximate,
                });
            }
        }
    }
    out
}

fn empty_label() -> crate::format::Label {
    crate::format::Label {
        zh: String::new(),
        en: String::new(),
    }
}

fn cell_in_format(f: &Formats, fmt: &crate::format::Format, key: &str) -> bool {
    let parts: Vec<&str> = key.splitn(3, '.').collect();
    if parts.len() != 3 {
        return false;
    }
    f.table_of(fmt, parts[0]).is_some_and(|(_, t)| {
        t.row_index(parts[1])
            .zip(t.column_index(parts[2]))
            .is_some_and(|(r, c)| t.rows[r].columns.contains(&c))
    })
}

/// The value of a comparison row in a report.
pub fn compare_value(report: &Report, row: &CompareRow) -> FigureValue {
    let f = formats();
    match &row.quantity {
        Quantity::Cell(_) => match row.locations.get(report.format).copied().flatten() {
            None => FigureValue::NotComparable,
            Some(l) => match report
                .tables
                .get(l.table)
                .and_then(|t| t.cell(l.row, l.pos))
                .map(|c| c.decimal())
            {
                Some(Some(v)) => FigureValue::Value { sum: v, empty: 0 },
                _ => FigureValue::Empty,
            },
        },
        Quantity::Figure(fi, col) => figure(report, &f.figures[*fi], col.as_deref()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// The integer path of [`percent`] gives the Decimal path's result, extremes included.
    #[test]
    fn integer_percent_is_the_decimal_percent() {
        let mut values: Vec<i64> = (-300..=300).collect();
        values.extend([
            999,
            1000,
            1001,
            3333,
            20_000,
            99_999,
            1_000_000,
            123_456_789,
            -7_777_777,
            i64::from(u32::MAX),
            i64::MAX / 10_000,
            i64::MAX,
            i64::MIN + 1,
        ]);
        for &a in &values {
            for &b in &values {
                let (a, b) = (Decimal::from(a), Decimal::from(b));
                let fast = percent(a, b).map(|v| v.to_string());
                let exact = percent_exact(a, b).map(|v| v.to_string());
                assert_eq!(fast, exact, "{a} / {b}");
            }
        }
    }

    /// §8: 平潭 2023 "予以公开及部分公开42件，占51.85%" = 42/81.
    #[test]
    fn percent_matches_the_published_examples() {
        assert_eq!(show_percent(percent(d("42"), d("81"))), "51.85%");
        assert_eq!(show_percent(percent(d("1"), d("3"))), "33.33%");
        assert_eq!(show_percent(percent(d("2"), d("3"))), "66.67%");
        assert_eq!(show_percent(percent(d("0"), d("5"))), "0.00%");
        assert_eq!(percent(d("1"), d("2")).unwrap().to_string(), "50.00");
        assert_eq!(show_percent(percent(d("5"), d("0"))), "—");
        assert_eq!(show_percent(None), "—");
        // The two-decimal fast path writes what `{:.2}` writes.
        for m in (-30_000i64..30_000).step_by(7).chain([i64::MAX, -1, 0, 1]) {
            let v = Decimal::new(m, 2);
            assert_eq!(show_percent(Some(v)), format!("{v:.2}%"), "{v:?}");
        }
    }

    #[test]
    fn change_needs_both_values() {
        let a = FigureValue::Value {
            sum: d("10"),
            empty: 0,
        };
        let b = FigureValue::Value {
            sum: d("13"),
            empty: 0,
        };
        let c = change(a, b);
        assert_eq!(c.absolute, Some(d("3")));
        assert_eq!(c.relative, Some(d("30.00")));
        assert_eq!(change(FigureValue::NotComparable, b).absolute, None);
        assert_eq!(change(FigureValue::Empty, b).relative, None);
        let z = FigureValue::Value {
            sum: d("0"),
            empty: 0,
        };
        assert_eq!(
            change(z, b).relative,
            None,
            "a change from 0 has no relative value"
        );
        assert_eq!(change(z, b).absolute, Some(d("13")));
    }

    #[test]
    fn comparison_rows_follow_the_mapping() {
        let f = formats();
        let rows = comparison_rows(f);
        let find = |q: &Quantity| rows.iter().find(|r| &r.quantity == q);
        // 三 rows are the same in both formats.
        let granted = find(&Quantity::Cell("requests.granted.natural_person".into())).unwrap();
        assert_eq!(granted.formats, vec!["2021", "2019"]);
        // 现行有效件数 (2021) and 对外公开总数量 (2019) are different quantities: not merged.
        let in_force = find(&Quantity::Cell(
            "proactive.normative_documents.in_force".into(),
        ))
        .unwrap();
        assert_eq!(in_force.formats, vec!["2021"]);
        let total = find(&Quantity::Cell(
            "proactive.normative_documents.published_total".into(),
        ))
        .unwrap();
        assert_eq!(total.formats, vec!["2019"]);
        // 本年新制作 and 本年制发 are one (approximate) figure.
        assert!(find(&Quantity::Cell("proactive.regulations.made".into())).is_none());
        assert!(find(&Quantity::Cell("proactive.regulations.issued".into())).is_none());
        let fi = f
            .figures
            .iter()
            .position(|x| x.id == "regulations_issued")
            .unwrap();
        let merged = find(&Quantity::Figure(fi, None)).unwrap();
        assert_eq!(merged.formats, vec!["2021", "2019"]);
        assert!(merged.approximate.is_some());
        // （六）: the 2019 row is compared with the sum of the 2021 sub-rows, per column.
        let oi = f
            .figures
            .iter()
            .position(|x| x.id == "other_handling_by_column")
            .unwrap();
        assert!(find(&Quantity::Figure(oi, Some("total".into()))).is_some());
        assert!(find(&Quantity::Cell("requests.other.total".into())).is_none());
        assert_eq!(
            find(&Quantity::Cell("requests.other_misc.total".into()))
                .unwrap()
                .formats,
            vec!["2021"]
        );
        // 2019-only rows sit where 2019 printed them: other_services after licensing.
        let pos = |k: &str| {
            rows.iter()
                .position(|r| r.row == k && r.table == "proactive")
                .unwrap()
        };
        assert!(
            pos("licensing") < pos("other_services") && pos("other_services") < pos("penalties")
        );
        // 四 is identical.
        assert_eq!(rows.iter().filter(|r| r.table == "appeals").count(), 15);
    }
}
