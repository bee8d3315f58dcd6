//! Every real fixture in ../shared/fixtures/real/ is in the example archive: the loaded
//! numbers equal the fixture cell by cell, and `check` finds exactly the inconsistencies the
//! fixture's `inconsistencies.computed_internal_checks` lists.

mod common;

use gongkai::diag::Diagnostic;
use gongkai::format::{Table, formats};
use gongkai::load::load_site;
use gongkai::model::{Cell, Report};
use serde_json::Value;

/// Fixture file → example report.
const PAIRS: &[(&str, &str)] = &[
    ("biaokou-town-2021.json", "content/biaokou-town/2021.md"),
    ("huaian-city-2024.json", "content/huaian-city/2024.md"),
    ("pingtan-2019.json", "content/pingtan/2019.md"),
    ("pingtan-2021.json", "content/pingtan/2021.md"),
    ("pingtan-2022.json", "content/pingtan/2022.md"),
    (
        "shanghai-gov-office-2019.json",
        "content/shanghai-gov-office/2019.md",
    ),
    (
        "shuyang-county-fgj-2023.json",
        "content/shuyang-fgj/2023.md",
    ),
];

fn fixture(name: &str) -> Value {
    let path = common::shared().join("fixtures/real").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture JSON")
}

/// Compares a fixture value with a loaded cell: null ↔ empty, integer ↔ count, string ↔ the
/// cell as printed.
fn assert_cell(fx: &Value, cell: &Cell, what: &str) {
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

fn amount_int(cell: &Cell) -> Option<i128> {
    match cell {
        Cell::Amount(a) if a.unit.is_none() && a.value.fract().is_zero() => {
            a.value.to_string().parse().ok()
        }
        _ => None,
    }
}

/// The row of `table` whose label in any format equals `label` (fixtures use the label as
/// printed, e.g. 规范性文件 in a 2021-format table).
fn row_by_printed_label(table: &Table, label: &str) -> usize {
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

fn normalize(label: &str) -> String {
    label.chars().filter(|c| *c != '/' && *c != ' ').collect()
}

fn cell<'a>(report: &'a Report, table: &str, row: usize, col: &str) -> &'a Cell {
    let (t, data) = report.table(table).expect("table");
    let c = t
        .column_index(col)
        .unwrap_or_else(|| panic!("column {col}"));
    let pos = t.rows[row]
        .columns
        .iter()
        .position(|&x| x == c)
        .expect("column in row");
    &data.cell(row, pos).expect("cell read").value
}

fn column_by_label(table: &Table, label: &str) -> String {
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

fn compare_numbers(fx: &Value, report: &Report) {
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
                    cell(report, "proactive", ri, &ck),
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
                cell(report, "requests", ri, &cols[ci]),
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
                cell(report, "appeals", ri, &ck),
                &format!("{} 四 {row} {col_label}", report.path),
            );
        }
    }
}

/// The fixture's computed checks, as (check code, at, detail) triples.
fn expected_findings(fx: &Value, report: &Report) -> Vec<(String, String, String)> {
    let (rt, _) = report.table("requests").expect("requests");
    let mut out = Vec::new();
    for c in fx["inconsistencies"]["computed_internal_checks"]
        .as_array()
        .expect("checks")
    {
        let check = c["check"].as_str().expect("check");
        if check.starts_with("blank cells in section 三") {
            // "126 of 161 cells are empty (not 0) as published"
            let result = c["result"].as_str().expect("result");
            let counts: String = result.split(" cells").next().expect("counts").to_string();
            out.push(("D1".into(), "requests".into(), counts));
        } else if check.starts_with("三: 总计 column = sum of the six applicant columns") {
            let label = c["row"].as_str().expect("row");
            let ri = (0..rt.rows.len())
                .find(|&i| normalize(rt.row_label(i, "zh")) == normalize(label))
                .expect("row");
            out.push((
                "I2".into(),
                rt.rows[ri].key.clone(),
                c["computed_sum"].to_string(),
            ));
        } else if check.starts_with("三: （七）总计 = sum of all result sub-rows") {
            let col = column_by_label(rt, c["column"].as_str().expect("column"));
            let empty: String = c["result"]
                .as_str()
                .expect("result")
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            out.push(("I3".into(), col, empty));
        } else {
            panic!("fixture check not understood by this test: {check}");
        }
    }
    out.sort();
    out
}

fn found_findings(diags: &[Diagnostic], path: &str) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = diags
        .iter()
        .filter(|d| d.file == path && d.at.is_some())
        .map(|d| {
            let detail = match d.code.as_str() {
                "D1" => d.message.split(" cells").next().unwrap_or("").to_string(),
                "I2" => d
                    .expected
                    .as_deref()
                    .unwrap_or("")
                    .split(' ')
                    .next()
                    .unwrap_or("")
                    .to_string(),
                "I3" => d
                    .message
                    .split(": ")
                    .nth(1)
                    .unwrap_or("")
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect(),
                _ => String::new(),
            };
            (d.code.clone(), d.at.clone().unwrap_or_default(), detail)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_fixture_loads_cell_by_cell_and_checks_to_its_inconsistencies() {
    let loaded = load_site(&common::repo()).expect("example archive loads");
    let diags = gongkai::check::check(&loaded);
    for (fixture_name, path) in PAIRS {
        let fx = fixture(fixture_name);
        let report = loaded
            .site
            .reports
            .iter()
            .find(|r| r.path == *path)
            .unwrap_or_else(|| panic!("{path} is in the example archive"));
        assert_eq!(
            report.year as i64,
            fx["year"].as_i64().expect("year"),
            "{path}"
        );
        assert!(
            fx["format_version"]
                .as_str()
                .expect("format")
                .starts_with(&report.format().id),
            "{path}"
        );
        compare_numbers(&fx, report);
        assert_eq!(
            found_findings(&diags.items, path),
            expected_findings(&fx, report),
            "{path}: check findings differ from the fixture's computed checks"
        );
        // Every finding is acknowledged in the example archive (so `check` exits 0).
        for d in diags
            .items
            .iter()
            .filter(|d| d.file == *path && d.at.is_some())
        {
            assert_eq!(
                d.severity,
                gongkai::diag::Severity::Acknowledged,
                "{path}: {}",
                d.message
            );
        }
    }
    // Every fixture of ../shared is covered.
    let mut names: Vec<String> = std::fs::read_dir(common::shared().join("fixtures/real"))
        .expect("fixtures")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    let mut covered: Vec<String> = PAIRS.iter().map(|p| p.0.to_string()).collect();
    covered.sort();
    assert_eq!(names, covered);
}

/// Cross-year checks between the example reports find nothing: the fixtures record that
/// 平潭 2021 → 2022 continues (X1, X2), and no other agency has consecutive years.
#[test]
fn continuity_holds_where_the_fixtures_say_it_does() {
    let loaded = load_site(&common::repo()).expect("example archive loads");
    let diags = gongkai::check::check(&loaded);
    // 平潭 2021 → 2022: X1 and X2 hold (fixture other_findings); no cross-year finding at all.
    assert!(
        !diags.items.iter().any(|d| d.code.starts_with('X')),
        "unexpected continuity findings: {:?}",
        diags
            .items
            .iter()
            .filter(|d| d.code.starts_with('X'))
            .map(|d| &d.message)
            .collect::<Vec<_>>()
    );
}
