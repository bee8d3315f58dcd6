//! The real fixtures of tests/fixtures/real/ and cell-by-cell comparison of a loaded
//! report with one (used by the fixture and import tests).

use gongkai::format::{Table, formats};
use gongkai::model::{Cell, Report};
use serde_json::Value;

/// Every fixture file name.
pub fn names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(super::fixtures().join("real"))
        .expect("fixtures")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
}

pub fn fixture(name: &str) -> Value {
    let path = super::fixtures().join("real").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture JSON")
}

/// Compares a fixture value with a loaded cell: null ↔ empty, integer ↔ count, string ↔ the
/// cell as printed.
pub fn assert_cell(fx: &Value, cell: &Cell, what: &str) {
    match fx {
        Value::Null => assert!(cell.is_empty(), "{what}: fixture empty, loaded {cell:?}"),
        Value::Number(n) => {
            let n = n.as_i64().expect("integer fixture value") as i128;
            assert_eq!(
                cell.integer().or_else(|| amount_int(cell)),
                Some(n),
                "{what}"
            );
        }
        Value::String(s) => assert_eq!(&cell.to_string(), s, "{what}"),
        other => panic!("{what}: unexpected fixture value {other}"),
    }
}

pub fn amount_int(cell: &Cell) -> Option<i128> {
    match cell {
        Cell::Amount(a) if a.unit.is_none() && a.value.fract().is_zero() => {
            a.value.to_string().parse().ok()
        }
        _ => None,
    }
}

/// The row of `table` whose label in any format equals `label` (fixtures use the label as
/// printed, e.g. 规范性文件 in a 2021-format table).
pub fn row_by_printed_label(table: &Table, label: &str) -> usize {
    let f = formats();
    for fmt in &f.formats {
        if let Some((_, t)) = f.table_of(fmt, &table.key) {
            for row in &t.rows {
                if row.label.zh == label
                    && let Some(i) = table.row_index(&row.key)
                {
                    return i;
                }
            }
        }
    }
    panic!("no row labelled {label} in {}", table.id)
}

pub fn normalize(label: &str) -> String {
    label.chars().filter(|c| *c != '/' && *c != ' ').collect()
}

pub fn cell(report: &Report, table: &str, row: usize, col: &str) -> Cell {
    let (t, data) = report.table(table).expect("table");
    let c = t
        .column_index(col)
        .unwrap_or_else(|| panic!("column {col}"));
    let pos = t.rows[row]
        .columns
        .iter()
        .position(|&x| x == c)
        .expect("column in row");
    data.cell(row, pos).expect("cell read")
}

pub fn column_by_label(table: &Table, label: &str) -> String {
    // Fixtures write grouped columns as `法人或其他组织/商业企业`.
    let l = label.strip_prefix("法人或其他组织/").unwrap_or(label);
    table
        .columns
        .iter()
        .find(|c| c.label.zh == l)
        .unwrap_or_else(|| panic!("column {label}"))
        .key
        .clone()
}

pub fn compare_numbers(fx: &Value, report: &Report) {
    let tables = &fx["tables"];
    // 二: blocks keyed by caption, rows and columns by printed label.
    let (pt, _) = report.table("proactive").expect("proactive");
    for (caption, block) in tables["二、主动公开政府信息情况"]
        .as_object()
        .expect("blocks")
    {
        for (row_label, cols) in block["rows"].as_object().expect("rows") {
            let ri = row_by_printed_label(pt, row_label);
            for (col_label, v) in cols.as_object().expect("cells") {
                let ck = column_by_label(pt, col_label);
                assert_cell(
                    v,
                    &cell(report, "proactive", ri, &ck),
                    &format!("{} 二 {caption} {row_label} {col_label}", report.path),
                );
            }
        }
    }
    // 三: rows by path label, seven columns in printed order.
    let (rt, _) = report.table("requests").expect("requests");
    let cols: Vec<String> = tables["三、收到和处理政府信息公开申请情况"]["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| column_by_label(rt, c.as_str().expect("label")))
        .collect();
    let rows = tables["三、收到和处理政府信息公开申请情况"]["rows"]
        .as_object()
        .expect("rows");
    assert_eq!(rows.len(), rt.rows.len(), "{}: 三 row count", report.path);
    for (label, values) in rows {
        let ri = (0..rt.rows.len())
            .find(|&i| normalize(rt.row_label(i, "zh")) == normalize(label))
            .unwrap_or_else(|| panic!("row {label}"));
        for (ci, v) in values.as_array().expect("values").iter().enumerate() {
            assert_cell(
                v,
                &cell(report, "requests", ri, &cols[ci]),
                &format!("{} 三 {label} {}", report.path, cols[ci]),
            );
        }
    }
    // 四: 行政复议 and 行政诉讼/{未经复议直接起诉, 复议后起诉}.
    let four = &tables["四、政府信息公开行政复议、行政诉讼情况"];
    let (at, _) = report.table("appeals").expect("appeals");
    let groups = [
        ("reconsideration", &four["行政复议"]),
        ("litigation_direct", &four["行政诉讼"]["未经复议直接起诉"]),
        ("litigation_after_review", &four["行政诉讼"]["复议后起诉"]),
    ];
    for (row, obj) in groups {
        let ri = at.row_index(row).expect("row");
        for (col_label, v) in obj.as_object().expect("cells") {
            let ck = column_by_label(at, col_label);
            assert_cell(
                v,
                &cell(report, "appeals", ri, &ck),
                &format!("{} 四 {row} {col_label}", report.path),
            );
        }
    }
}

/// Loads `content/<agency>/<year>.md` of the site at `root` (as an import wrote it) and
/// compares every cell with the fixture `name`.
pub fn assert_written_report_is(root: &std::path::Path, agency: &str, year: i32, name: &str) {
    let rel = format!("content/{agency}/{year}.md");
    let text = std::fs::read_to_string(root.join(&rel)).expect("the report was written");
    let (r, _) = gongkai::load::report::parse_report(
        &rel,
        agency,
        Some(year),
        std::sync::Arc::from(text.as_str()),
    );
    compare_numbers(&fixture(name), &r.expect("the written report loads"));
}
