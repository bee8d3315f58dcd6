//! Every real fixture in tests/fixtures/real/ is in the example archive: the loaded
//! numbers equal the fixture cell by cell, and `check` finds exactly the inconsistencies the
//! fixture's `inconsistencies.computed_internal_checks` lists.

mod common;

use common::fixture::{column_by_label, compare_numbers, fixture, normalize};
use gongkai::diag::Diagnostic;
use gongkai::load::load_site;
use gongkai::model::Report;
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
    // D2: the fixture's publication time is after 31 January of the next year.
    let published = fx["published"].as_str().unwrap_or("");
    let deadline = format!("{}-01-31", fx["year"].as_i64().expect("year") + 1);
    let dated = published.len() >= 10 && published[..4].bytes().all(|b| b.is_ascii_digit());
    if dated && published[..10] > *deadline.as_str() {
        out.push(("D2".into(), "report".into(), String::new()));
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
    // The findings are read from their English text.
    gongkai::i18n::set_lang(gongkai::i18n::Lang::En);
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
    // Every fixture of tests/fixtures/real is covered.
    let names = common::fixture::names();
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
