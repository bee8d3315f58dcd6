//! Importing a published file and loading the written report back, shared by the import tests.

use std::path::Path;
use std::sync::Arc;

use gongkai::diag::Severity;
use gongkai::import::{Options, import_file, report_text};
use gongkai::load::report::parse_report;
use gongkai::model::Report;

use super::published::Published;

/// Imports `path` and loads the written text back as a report; fails on any loader error.
pub fn import_and_load(
    path: &Path,
    agency: &str,
    opts: &Options,
) -> (Report, gongkai::import::Interpreted, String) {
    let imported = import_file(path, opts).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = report_text(&imported);
    let rel = format!("content/{agency}/{}.md", imported.draft.year);
    let (report, diags) = parse_report(
        &rel,
        agency,
        Some(imported.draft.year),
        Arc::from(text.as_str()),
    );
    let errors: Vec<_> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| &d.message)
        .collect();
    assert!(
        errors.is_empty(),
        "{}: the written report does not load: {errors:?}\n{text}",
        path.display()
    );
    (report.expect("a report"), imported, text)
}

/// The prose of a section of a loaded report, with Markdown marks and spacing removed.
pub fn section_text(r: &Report, num: &str) -> String {
    r.sections
        .iter()
        .find(|s| s.num.as_deref() == Some(num))
        .map(|s| squash(&r.source[s.body.start as usize..s.body.end as usize]))
        .unwrap_or_default()
}

pub fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !"#\\*".contains(*c))
        .collect()
}

/// Imports `path`, a published form of the fixture `name` (`p` as printed), and asserts that
/// every cell, the year, format, title, signature, date and prose came back, with nothing to
/// review. Returns the loaded report.
pub fn assert_imports_fixture(path: &Path, name: &str, p: &Published) -> Report {
    let fx = super::fixture::fixture(name);
    let (report, imported, _) = import_and_load(path, "agency", &Options::default());
    super::fixture::compare_numbers(&fx, &report);
    assert_eq!(
        report.year as i64,
        fx["year"].as_i64().unwrap(),
        "{}",
        path.display()
    );
    assert!(
        fx["format_version"]
            .as_str()
            .unwrap()
            .starts_with(&report.format().id),
        "{}: format {}",
        path.display(),
        report.format().id
    );
    assert!(
        imported.review.is_empty(),
        "{}: {:?}",
        path.display(),
        imported.review
    );
    assert_eq!(
        report.meta.title.as_deref(),
        Some(p.title.as_str()),
        "{}",
        path.display()
    );
    assert_eq!(
        imported.signature.as_deref(),
        Some(p.agency.as_str()),
        "{}",
        path.display()
    );
    let year = fx["year"].as_i64().unwrap() + 1;
    assert_eq!(
        report.meta.published.as_deref(),
        Some(format!("{year}-01-20").as_str()),
        "{}",
        path.display()
    );
    for (num, paras) in [
        ("一", &p.prose[0]),
        ("五", &p.prose[1]),
        ("六", &p.prose[2]),
    ] {
        assert_eq!(
            section_text(&report, num),
            squash(&paras.concat()),
            "{} section {num}",
            path.display()
        );
    }
    report
}

/// Asserts that `back`, imported from `path` (its report text `text`), has every cell and the
/// prose of `r`, the report it was published from (`preface`: a preface was printed before 一).
pub fn assert_same_report(r: &Report, back: &Report, preface: bool, path: &Path, text: &str) {
    assert_same_cells(r, back, path, text);
    for num in ["一", "五", "六"] {
        let mut expected = section_text(r, num);
        if preface && num == "一" {
            expected = format!("{}{expected}", squash(super::published::PREFACE));
        }
        assert_eq!(
            section_text(back, num),
            expected,
            "{} section {num}",
            path.display()
        );
    }
}

/// Asserts that every cell of `back` (imported from `path`, written as `text`) is the cell
/// of `r`.
pub fn assert_same_cells(r: &Report, back: &Report, path: &Path, text: &str) {
    for key in ["proactive", "requests", "appeals"] {
        let (t, a) = r.table(key).unwrap();
        let (_, b) = back.table(key).unwrap();
        for ri in 0..t.rows.len() {
            for pos in 0..t.rows[ri].columns.len() {
                assert_eq!(
                    b.cell(ri, pos),
                    a.cell(ri, pos),
                    "{}: {}\n{text}",
                    path.display(),
                    t.cell_label(ri, t.rows[ri].columns[pos], "zh")
                );
            }
        }
    }
}
