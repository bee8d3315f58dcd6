//! `gongkai import`: the seed text, every real fixture published as a web page, a .docx and
//! Word text (with the quirks of its extraction notes), generated reports the importer has
//! never seen, batches, and what is never guessed or overwritten.

mod common;

use std::sync::Arc;

use common::imported::{assert_imports_fixture, assert_same_report, import_and_load, section_text};
use common::published::{self, Published, Quirks};
use gongkai::diag::Severity;
use gongkai::import::{Options, report_text};
use gongkai::load::report::parse_report;

#[test]
fn the_seed_text_imports_to_the_biaokou_fixture_cell_for_cell() {
    let seed = common::fixtures().join("seed/000_34155ff045fcaba7.txt");
    let (report, imported, text) = import_and_load(&seed, "biaokou-town", &Options::default());
    let fx = common::fixture::fixture("biaokou-town-2021.json");
    common::fixture::compare_numbers(&fx, &report);
    assert_eq!(report.year, 2021);
    assert_eq!(report.format().id, "2021");
    assert!(
        imported.review.is_empty(),
        "nothing to review: {:?}",
        imported.review
    );
    assert_eq!(
        report.meta.title.as_deref(),
        Some("俵口镇2021年政府信息公开工作年度报告")
    );
    // The prose is under the right headings; 一's own sub-headings stay inside 一.
    let one = section_text(&report, "一");
    assert!(
        one.starts_with("2021年，俵口镇人民政府认真贯彻落实"),
        "{one}"
    );
    assert!(
        one.contains("紧扣强基础深化政务公开") && one.contains("狠抓任务落实"),
        "{one}"
    );
    assert!(
        text.contains("\n### 一、紧扣强基础深化政务公开\n"),
        "sub-headings become ### headings"
    );
    assert!(section_text(&report, "五").contains("政务新媒体发布信息部分时段更新不够及时"));
    assert_eq!(section_text(&report, "六"), "无。");
    assert!(!text.contains("bookmark"), "Word artefacts are removed");
}

#[test]
fn the_seed_imports_through_the_command_line_and_checks_clean() {
    let site = tempfile::tempdir().unwrap();
    let root = site.path().join("site");
    assert!(
        common::gongkai(site.path(), &["init", "site"])
            .status
            .success()
    );
    let seed = common::fixtures().join("seed/000_34155ff045fcaba7.txt");
    let seed = seed.to_str().unwrap();
    let out = common::gongkai(&root, &["import", seed, "--agency", "biaokou-town"]);
    let log = format!("{}{}", common::stdout(&out), common::stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(
        log.contains("content/biaokou-town/2021.md")
            && log.contains("1 imported, 0 imported with items to review, 0 failed"),
        "{log}"
    );
    let agency = std::fs::read_to_string(root.join("content/biaokou-town/agency.toml")).unwrap();
    assert!(
        agency.contains("name = \"俵口镇\"") && agency.contains("level = \"township\""),
        "{agency}"
    );
    assert_eq!(
        common::gongkai(&root, &["check"]).status.code(),
        Some(0),
        "the imported site checks clean"
    );

    // Never overwritten without --force.
    let before = std::fs::read_to_string(root.join("content/biaokou-town/2021.md")).unwrap();
    std::fs::write(
        root.join("content/biaokou-town/2021.md"),
        before.replace("无。", "本年无其他事项。"),
    )
    .unwrap();
    let again = common::gongkai(&root, &["import", seed, "--agency", "biaokou-town"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        common::stderr(&again)
            .contains("content/biaokou-town/2021.md exists; pass --force to replace it")
    );
    assert!(
        std::fs::read_to_string(root.join("content/biaokou-town/2021.md"))
            .unwrap()
            .contains("本年无其他事项。"),
        "the author's edit is kept"
    );
    let forced = common::gongkai(
        &root,
        &["import", seed, "--agency", "biaokou-town", "--force"],
    );
    assert_eq!(forced.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(root.join("content/biaokou-town/2021.md")).unwrap(),
        before
    );
}

/// Every fixture, published as a web page, a .docx and Word text, imports to exactly the
/// fixture's cells, year and format.
#[test]
fn every_fixture_imports_from_a_web_page_a_docx_and_word_text() {
    let dir = tempfile::tempdir().unwrap();
    for name in common::fixture::names() {
        let (p, q) = published::from_fixture(&name);
        let stem = name.trim_end_matches(".json");
        let files = [
            (
                dir.path().join(format!("{stem}.html")),
                published::to_html(&p, q),
            ),
            (
                dir.path().join(format!("{stem}.docx")),
                published::to_docx(&p, q),
            ),
            (
                dir.path().join(format!("{stem}.txt")),
                published::to_text(&p, q).into_bytes(),
            ),
        ];
        for (path, bytes) in files {
            std::fs::write(&path, bytes).unwrap();
            let report = assert_imports_fixture(&path, &name, &p);
            if path.extension().is_some_and(|e| e == "html") {
                assert_eq!(
                    report.meta.source_url.as_deref(),
                    Some("https://www.example.gov.cn/zwgk/nb/report.htm")
                );
            }
        }
    }
}

/// Reports the importer has never seen: a generated archive (both formats, empty cells,
/// negative deltas, amounts with units), each report published in one of the three forms with
/// varying quirks, imports back to exactly the same cells and prose.
#[test]
fn generated_reports_import_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = published::generated_site(dir.path(), 8, 5, 7);
    let out = dir.path().join("published");
    std::fs::create_dir_all(&out).unwrap();
    assert!(loaded.site.reports.len() >= 40);
    for (i, r) in loaded.site.reports.iter().enumerate() {
        let p: Published = published::from_site_report(&loaded.site, r);
        // Each quirk on for some reports, in varying combinations.
        let on = |k: usize, m: usize| (i / 3 + k).is_multiple_of(m);
        let q = Quirks {
            header_breaks: on(0, 2),
            split_numbers: on(1, 2),
            comma_numbering: on(0, 4),
            broken_group_labels: on(1, 5),
            gbk: on(2, 3),
            layout_table: on(0, 3),
            inline_headings: on(1, 3),
            preface: on(0, 5),
            footer: on(2, 4),
            count_units: on(1, 4),
            label_typos: on(3, 4),
            paren_numbering: on(2, 5),
            caption_column: on(4, 5),
            padding: on(3, 5),
        };
        let (ext, bytes) = match i % 3 {
            0 => ("html", published::to_html(&p, q)),
            1 => ("docx", published::to_docx(&p, q)),
            _ => ("txt", published::to_text(&p, q).into_bytes()),
        };
        let path = out.join(format!("{}-{}.{ext}", r.agency, r.year));
        std::fs::write(&path, bytes).unwrap();
        let (back, imported, text) = import_and_load(&path, &r.agency, &Options::default());
        assert_eq!(back.year, r.year, "{}", path.display());
        assert_eq!(back.format().id, r.format().id, "{}", path.display());
        assert!(
            imported.review.is_empty(),
            "{}: {:?} ({q:?})",
            path.display(),
            imported.review
        );
        assert_same_report(r, &back, q.preface, &path, &text);
    }
}

/// A cell that cannot be read with certainty is left empty, named with its official label,
/// and noted in the file; the report is still written.
#[test]
fn uncertain_cells_are_left_empty_and_listed_for_review() {
    let (mut p, q) = published::from_fixture("pingtan-2021.json");
    let row = p
        .requests
        .iter_mut()
        .find(|(path, _)| path[0].starts_with("一、本年新收"))
        .unwrap();
    row.1[0] = "约12".into();
    p.appeals[2] = "1?".into();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.html");
    std::fs::write(&path, published::to_html(&p, q)).unwrap();
    let (report, imported, text) = import_and_load(&path, "pingtan", &Options::default());
    assert!(
        report
            .cell("requests", "new", "natural_person")
            .unwrap()
            .is_empty()
    );
    assert!(
        report
            .cell("appeals", "reconsideration", "other")
            .unwrap()
            .is_empty()
    );
    assert_eq!(imported.review.len(), 2, "{:?}", imported.review);
    assert!(
        imported.review[0].contains("一、本年新收政府信息公开申请数量 / 自然人")
            && imported.review[0].contains("约12"),
        "{:?}",
        imported.review
    );
    assert!(
        imported.review[1].contains("行政复议 / 其他结果"),
        "{:?}",
        imported.review
    );
    assert!(
        text.contains("# REVIEW: 三、收到和处理") || text.contains("# REVIEW: 一、本年新收"),
        "{text}"
    );
}

/// A 2021-format report printing （六）其他处理 as one row (FORMATS.md §6): zeros are certain,
/// anything else is left for review.
#[test]
fn a_single_other_handling_row_in_a_2021_report() {
    for (value, certain) in [("0", true), ("3", false)] {
        let (mut p, q) = published::from_fixture("biaokou-town-2021.json");
        let first = p
            .requests
            .iter()
            .position(|(path, _)| path.len() == 3 && path[1] == "（六）其他处理")
            .unwrap();
        p.requests
            .retain(|(path, _)| !(path.len() == 3 && path[1] == "（六）其他处理"));
        p.requests.insert(
            first,
            (
                vec!["三、本年度办理结果".into(), "（六）其他处理".into()],
                vec![value.to_string(); 7],
            ),
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.docx");
        std::fs::write(&path, published::to_docx(&p, q)).unwrap();
        let (report, imported, _) = import_and_load(&path, "biaokou-town", &Options::default());
        assert_eq!(report.format().id, "2021");
        let cell = report.cell("requests", "other_misc", "total").unwrap();
        if certain {
            assert_eq!(cell.integer(), Some(0));
            assert!(imported.review.is_empty(), "{:?}", imported.review);
        } else {
            assert!(cell.is_empty());
            assert!(
                imported
                    .review
                    .iter()
                    .any(|r| r.contains("三（六）其他处理按 2019 格式印成一行")),
                "{:?}",
                imported.review
            );
        }
    }
}

/// A folder of reports (one per agency sub-folder) with one broken file and one PDF: the
/// others are imported, the summary says what failed and why, and the exit status is 1.
#[test]
fn a_folder_imports_the_good_files_and_reports_the_broken_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    assert!(
        common::gongkai(tmp.path(), &["init", "site"])
            .status
            .success()
    );
    let inbox = tmp.path().join("inbox");
    for (agency, name, bytes) in [
        ("pingtan", "2019.html", {
            let (p, q) = published::from_fixture("pingtan-2019.json");
            published::to_html(&p, q)
        }),
        ("pingtan", "2021.docx", {
            let (p, q) = published::from_fixture("pingtan-2021.json");
            published::to_docx(&p, q)
        }),
        (
            "huaian-city",
            "report.html",
            b"<html><body><p>page not found</p></body></html>".to_vec(),
        ),
        ("huaian-city", "scan.pdf", b"%PDF-1.4".to_vec()),
    ] {
        std::fs::create_dir_all(inbox.join(agency)).unwrap();
        std::fs::write(inbox.join(agency).join(name), bytes).unwrap();
    }
    let out = common::gongkai(&root, &["import", inbox.to_str().unwrap()]);
    let stdout = common::stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        common::stderr(&out)
    );
    assert!(
        root.join("content/pingtan/2019.md").is_file()
            && root.join("content/pingtan/2021.md").is_file()
    );
    assert!(
        !root.join("content/huaian-city").exists(),
        "nothing written for the broken files"
    );
    assert!(
        stdout.contains("content/pingtan/2019.md") && stdout.contains("content/pingtan/2021.md"),
        "{stdout}"
    );
    assert!(stdout.contains("failed: no table found"), "{stdout}");
    assert!(stdout.contains("failed: the PDF is incomplete"), "{stdout}");
    assert!(
        stdout.contains("2 imported, 0 imported with items to review, 2 failed"),
        "{stdout}"
    );
    // The two pingtan years check together (continuity across 2019 → 2021 has no 2020).
    let check = common::gongkai(&root, &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", common::stderr(&check));
}

/// Layouts seen in real reports that the official one does not have: narrative chapters
/// first with the tables in an appendix, 四 printed as three labelled rows of five, a row
/// labelled 总计 for （七）总计, sub-items numbered （1）, and a heading run into its text.
#[test]
fn an_appendix_layout_with_labelled_appeals_rows() {
    let fx = common::fixture::fixture("pingtan-2021.json");
    let (p, _) = published::from_fixture("pingtan-2021.json");
    let td = |t: &str| format!("<td>{t}</td>");
    let mut tables = String::from(
        "<p>附件：政府信息公开工作年度报告统计表</p><p>（一）主动公开政府信息情况</p><table>",
    );
    for b in &p.proactive {
        tables.push_str(&format!(
            "<tr><td colspan=4>{}</td></tr><tr><td>信息内容</td>{}</tr>",
            b.caption,
            b.columns.iter().map(|c| td(c)).collect::<String>()
        ));
        for (l, vals) in &b.rows {
            tables.push_str(&format!(
                "<tr>{}{}</tr>",
                td(l),
                vals.iter().map(|v| td(v)).collect::<String>()
            ));
        }
    }
    tables.push_str("</table><p>（二）收到和处理政府信息公开申请情况</p><table><tr><td colspan=3>申请人情况</td><td>自然人</td><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td><td>总计</td></tr>");
    for (path, vals) in &p.requests {
        let mut label = path.last().unwrap().clone();
        if label == "（七）总计" {
            label = "总计".into();
        }
        if path.len() == 3 {
            let n: String = label.chars().take_while(char::is_ascii_digit).collect();
            label = format!("（{n}）{}", &label[n.len() + 1..]);
        }
        tables.push_str(&format!(
            "<tr><td colspan=3>{label}</td>{}</tr>",
            vals.iter().map(|v| td(v)).collect::<String>()
        ));
    }
    tables.push_str("</table><p>（三）政府信息公开行政复议、行政诉讼情况</p><table><tr><td></td><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td></tr>");
    for (k, label) in ["行政复议", "未经复议直接起诉", "复议后起诉"]
        .iter()
        .enumerate()
    {
        tables.push_str(&format!(
            "<tr>{}{}</tr>",
            td(label),
            p.appeals[k * 5..k * 5 + 5]
                .iter()
                .map(|v| td(v))
                .collect::<String>()
        ));
    }
    tables.push_str("</table>");
    let html = format!(
        "<html><body><h1>{}</h1>\
         <p>一、总体情况：2022年，本区持续深化政务公开。</p><p>二、主动公开政府信息情况</p><p>详见附件。</p>\
         <p>三、收到和处理政府信息公开申请情况</p><p>详见附件。</p><p>四、政府信息公开行政复议、行政诉讼情况</p><p>详见附件。</p>\
         <p>五、存在的主要问题及改进情况</p><p>宣传解读仍需加强。</p><p>六、其他需要报告的事项</p><p>本年度未收取信息处理费。</p>\
         <p>平潭综合实验区管委会</p><p>2023年1月18日</p>{tables}</body></html>",
        p.title
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("appendix.html");
    std::fs::write(&path, html).unwrap();
    let (report, imported, _) = import_and_load(&path, "pingtan", &Options::default());
    common::fixture::compare_numbers(&fx, &report);
    assert!(imported.review.is_empty(), "{:?}", imported.review);
    assert_eq!(
        section_text(&report, "一"),
        "2022年，本区持续深化政务公开。"
    );
    assert_eq!(section_text(&report, "六"), "本年度未收取信息处理费。");
    assert_eq!(report.meta.published.as_deref(), Some("2023-01-18"));
    assert_eq!(imported.signature.as_deref(), Some("平潭综合实验区管委会"));
}

/// Workbooks as offices fill them in: the three tables one per sheet or all on one sheet,
/// merged header cells, numbers as numbers, as text, or as cached formula values. Every cell
/// of every fixture comes back.
#[test]
fn every_fixture_imports_from_an_excel_workbook() {
    let dir = tempfile::tempdir().unwrap();
    for name in common::fixture::names() {
        let fx = common::fixture::fixture(&name);
        let (p, q) = published::from_fixture(&name);
        let stem = name.trim_end_matches(".json");
        for (tag, w) in [
            ("sheets", published::Workbook::default()),
            (
                "one-sheet",
                published::Workbook {
                    one_sheet: true,
                    ..Default::default()
                },
            ),
            (
                "text",
                published::Workbook {
                    text_numbers: true,
                    ..Default::default()
                },
            ),
            (
                "formulas",
                published::Workbook {
                    formulas: true,
                    one_sheet: true,
                    ..Default::default()
                },
            ),
        ] {
            let path = dir.path().join(format!("{stem}-{tag}.xlsx"));
            std::fs::write(
                &path,
                published::zip_xlsx(&published::xlsx_sheets(&p, q, w)),
            )
            .unwrap();
            let (report, imported, _) = import_and_load(&path, "agency", &Options::default());
            common::fixture::compare_numbers(&fx, &report);
            assert_eq!(report.year as i64, fx["year"].as_i64().unwrap(), "{tag}");
            assert!(
                imported
                    .review
                    .iter()
                    .all(|r| r.contains("section") || r.contains("部分")),
                "{}: {:?}",
                path.display(),
                imported.review
            );
            assert_eq!(
                report.meta.title.as_deref(),
                Some(p.title.as_str()),
                "{tag}"
            );
        }
    }
}

/// A formula Excel never calculated has no value to read: its cell is left empty and listed
/// with its official label, never guessed. A total that disagrees with its cells is kept as
/// cached, and `check` reports the identity.
#[test]
fn an_uncalculated_formula_is_left_for_review() {
    let (p, q) = published::from_fixture("pingtan-2021.json");
    let mut sheets = published::xlsx_sheets(&p, q, published::Workbook::default());
    // 三 is the second sheet; its first data row is 一、本年新收 (row 4): the 总计 cell (H4).
    let xml = &mut sheets[1].1;
    let start = xml.find("<c r=\"H4\">").expect("a number in H4");
    let end = start + xml[start..].find("</c>").unwrap() + 4;
    xml.replace_range(start..end, "<c r=\"H4\"><f>SUM(B4:G4)</f></c>");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.xlsx");
    std::fs::write(&path, published::zip_xlsx(&sheets)).unwrap();
    let imported = gongkai::import::import_file(&path, &Options::default()).unwrap();
    let text = report_text(&imported);
    assert!(
        imported
            .review
            .iter()
            .any(|r| r.starts_with("一、本年新收政府信息公开申请数量 /")
                && r.contains("`=SUM(B4:G4)`")),
        "{:?}",
        imported.review
    );
    assert!(text.contains("# REVIEW:"), "{text}");
}

/// A total typed as a formula whose cached value disagrees with its cells is kept as cached;
/// the identity check reports it.
#[test]
fn a_cached_total_that_disagrees_is_kept_and_checked() {
    let (p, q) = published::from_fixture("pingtan-2021.json");
    let w = published::Workbook {
        formulas: true,
        ..Default::default()
    };
    let mut sheets = published::xlsx_sheets(&p, q, w);
    let xml = &mut sheets[1].1;
    let start = xml.find("<c r=\"J4\">").expect("the 总计 of 一 in J4");
    let end = start + xml[start..].find("</c>").unwrap() + 4;
    let cell = xml[start..end].to_string();
    let v0 = cell.find("<v>").unwrap() + 3;
    let v1 = cell.find("</v>").unwrap();
    let cached: u64 = cell[v0..v1].parse().unwrap();
    let wrong = format!("{}{}{}", &cell[..v0], cached + 1, &cell[v1..]);
    xml.replace_range(start..end, &wrong);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.xlsx");
    std::fs::write(&path, published::zip_xlsx(&sheets)).unwrap();
    let (report, _, _) = import_and_load(&path, "agency", &Options::default());
    assert_eq!(
        report
            .cell("requests", "new", "total")
            .and_then(|c| c.integer()),
        Some(cached as i128 + 1)
    );
    let findings = gongkai::check::report_findings(&report);
    assert!(
        findings
            .iter()
            .any(|d| d.code == "I2" && d.severity == Severity::Error),
        "{:?}",
        findings.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
}

/// A page nested a hundred thousand elements deep (in the body, and inside a table cell) is
/// read without overflowing the stack; a batch goes on past it.
#[test]
fn deeply_nested_pages_do_not_stop_a_batch() {
    let site = common::example_site();
    let inbox = tempfile::tempdir().unwrap();
    let dir = inbox.path().join("pingtan");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("deep.html"),
        format!("{}x", "<div>".repeat(100_000)),
    )
    .unwrap();
    std::fs::write(
        dir.join("deep-cell.html"),
        format!(
            "<table><tr><td>{}1</td></tr></table>",
            "<span>".repeat(100_000)
        ),
    )
    .unwrap();
    let (p, q) = published::from_fixture("pingtan-2021.json");
    std::fs::write(dir.join("good.html"), published::to_html(&p, q)).unwrap();
    std::fs::remove_file(site.path().join("content/pingtan/2021.md")).unwrap();
    let out = common::gongkai(site.path(), &["import", inbox.path().to_str().unwrap()]);
    let log = format!("{}{}", common::stdout(&out), common::stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("1 imported, 0 imported with items to review, 2 failed"),
        "{log}"
    );
    assert!(log.matches("past the limit of 2048").count() >= 2, "{log}");
    assert!(site.path().join("content/pingtan/2021.md").is_file());
    // Below the limit, deep nesting is read (iteratively) and only lacks tables.
    let doc = gongkai::import::read_bytes(
        format!("{}x", "<div>".repeat(2000)).as_bytes(),
        gongkai::import::Kind::Html,
    )
    .unwrap();
    assert_eq!(doc.blocks.len(), 1);
}

/// Single-value blocks of 二 printed with two empty padding cells after the value (and the
/// same empty cells in the header row) are read as the value: padding is layout. Extra cells
/// that hold numbers are still refused.
#[test]
fn padding_cells_after_a_single_value_are_layout() {
    let dir = tempfile::tempdir().unwrap();
    let fx = common::fixture::fixture("pingtan-2021.json");
    let (p, q) = published::from_fixture("pingtan-2021.json");
    let q = published::Quirks { padding: true, ..q };
    for (ext, bytes) in [
        ("html", published::to_html(&p, q)),
        ("docx", published::to_docx(&p, q)),
    ] {
        let path = dir.path().join(format!("r.{ext}"));
        std::fs::write(&path, bytes).unwrap();
        let (report, imported, _) = import_and_load(&path, "agency", &Options::default());
        common::fixture::compare_numbers(&fx, &report);
        assert!(imported.review.is_empty(), "{ext}: {:?}", imported.review);
    }
    // A number where the header row has padding is not padding.
    let mut doc =
        gongkai::import::read_bytes(&published::to_html(&p, q), gongkai::import::Kind::Html)
            .unwrap();
    for block in &mut doc.blocks {
        if let gongkai::import::doc::Block::Table(rows) = block {
            for row in rows.iter_mut() {
                if row.first().is_some_and(|c| c.text == "行政许可") {
                    row[2].text = "5".into();
                }
            }
        }
    }
    let imported = gongkai::import::interpret::interpret(&doc, &Options::default()).unwrap();
    assert!(
        imported.review.iter().any(|r| r.starts_with("行政许可")),
        "{:?}",
        imported.review
    );
}

/// Layouts of real pages: the 三 table split across two tables, and its header repeated in
/// the middle (a page break in the publisher's Word file). Every cell comes back.
#[test]
fn a_split_table_and_a_repeated_header_read_whole() {
    use gongkai::import::doc::Block;
    let name = "pingtan-2021.json";
    let fx = common::fixture::fixture(name);
    let (doc, idx) = page_doc(name);
    let Block::Table(grid) = doc.blocks[idx].clone() else {
        unreachable!()
    };
    let mut split = doc.clone();
    let (a, b) = grid.split_at(12);
    split.blocks[idx] = Block::Table(a.to_vec());
    split.blocks.insert(idx + 1, Block::Table(b.to_vec()));
    let mut repeated = doc.clone();
    let mut g = grid.clone();
    for (k, h) in grid[..3].iter().enumerate() {
        g.insert(12 + k, h.clone());
    }
    repeated.blocks[idx] = Block::Table(g);
    for (what, d) in [("split", split), ("repeated header", repeated)] {
        let i = gongkai::import::interpret::interpret(&d, &Options::default()).unwrap();
        assert!(i.review.is_empty(), "{what}: {:?}", i.review);
        let text = report_text(&i);
        let (r, _) = parse_report("content/a/2021.md", "a", None, Arc::from(text.as_str()));
        common::fixture::compare_numbers(&fx, &r.expect("a report"));
    }
}

/// A label with a missing or wrong character is read, and the importer says which official
/// row it took it for; clean labels give no such note.
#[test]
fn a_fuzzy_label_match_is_named() {
    let (p, q) = published::from_fixture("pingtan-2021.json");
    let read = |q: published::Quirks| {
        let doc =
            gongkai::import::read_bytes(&published::to_html(&p, q), gongkai::import::Kind::Html)
                .unwrap();
        gongkai::import::interpret::interpret(&doc, &Options::default()).unwrap()
    };
    let clean = read(q);
    assert!(
        !clean.info.iter().any(|i| i.contains("不完全一致")),
        "{:?}",
        clean.info
    );
    let typos = read(published::Quirks {
        label_typos: true,
        ..q
    });
    assert!(
        typos.info.iter().any(|i| i.contains("其他法律行政止公开")
            && i.contains("按“三、本年度办理结果（三）不予公开 2.其他法律行政法规禁止公开”读取")),
        "{:?}",
        typos.info
    );
}

/// 总计 printed before the applicant columns (its header moved with it) is read by its
/// header, not by position.
#[test]
fn a_total_printed_first_is_read_by_its_header() {
    use gongkai::import::doc::Block;
    let name = "pingtan-2021.json";
    let fx = common::fixture::fixture(name);
    let (mut doc, idx) = page_doc(name);
    if let Block::Table(g) = &mut doc.blocks[idx] {
        let width = g.iter().map(Vec::len).max().unwrap();
        for r in g.iter_mut().filter(|r| r.len() == width) {
            let last = r.pop().unwrap();
            r.insert(width - 7, last);
        }
        // The header row now reads 总计 first.
        assert!(
            g.iter().any(|r| r.iter().position(|c| c.text == "总计")
                < r.iter().position(|c| c.text == "自然人"))
        );
    }
    let i = gongkai::import::interpret::interpret(&doc, &Options::default()).unwrap();
    assert!(i.review.is_empty(), "{:?}", i.review);
    let text = report_text(&i);
    let (r, _) = parse_report("content/a/2021.md", "a", None, Arc::from(text.as_str()));
    common::fixture::compare_numbers(&fx, &r.expect("a report"));
}

/// A fixture's web page as the importer reads it, and the position of its 三 table.
fn page_doc(name: &str) -> (gongkai::import::doc::Doc, usize) {
    let (p, q) = published::from_fixture(name);
    let doc = gongkai::import::read_bytes(&published::to_html(&p, q), gongkai::import::Kind::Html)
        .unwrap();
    let idx = doc
        .blocks
        .iter()
        .position(|b| matches!(b, gongkai::import::doc::Block::Table(g) if g.len() > 20))
        .expect("the 三 table");
    (doc, idx)
}

/// The old binary Excel format (.xls, BIFF8) reads like .xlsx: workbooks made from three
/// fixtures by tests/fixtures/xls/make_xls.py (a sheet per table, or all on one sheet; merged
/// cells).
#[test]
fn every_xls_workbook_imports_to_its_fixture() {
    for stem in ["pingtan-2019", "pingtan-2021", "shuyang-county-fgj-2023"] {
        let path = common::fixtures().join(format!("xls/{stem}.xls"));
        let (report, imported, _) = import_and_load(&path, "agency", &Options::default());
        common::fixture::compare_numbers(
            &common::fixture::fixture(&format!("{stem}.json")),
            &report,
        );
        assert!(
            imported.review.iter().all(|r| r.contains("部分")),
            "{stem}: only the prose is missing from a workbook: {:?}",
            imported.review
        );
    }
}

/// Generated reports (both formats, blank cells, negative deltas, amounts) typed into Excel
/// workbooks, one sheet per table or all on one, numbers as numbers, text or formulas, import
/// back cell for cell (a workbook has no prose: only the prose is left for review).
#[test]
fn generated_reports_import_back_from_workbooks() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = published::generated_site(dir.path(), 6, 5, 13);
    assert!(loaded.site.reports.len() >= 30);
    for (i, r) in loaded.site.reports.iter().enumerate() {
        let p = published::from_site_report(&loaded.site, r);
        let w = published::Workbook {
            one_sheet: i % 2 == 0,
            text_numbers: i % 3 == 1,
            formulas: i % 3 == 2,
        };
        let path = dir.path().join(format!("{}-{}.xlsx", r.agency, r.year));
        std::fs::write(
            &path,
            published::zip_xlsx(&published::xlsx_sheets(&p, Quirks::default(), w)),
        )
        .unwrap();
        let opts = Options {
            year: Some(r.year),
            ..Default::default()
        };
        let (back, imported, text) = import_and_load(&path, &r.agency, &opts);
        assert!(
            imported.review.iter().all(|m| m.contains("部分")),
            "{}: {:?}",
            path.display(),
            imported.review
        );
        common::imported::assert_same_cells(r, &back, &path, &text);
    }
}
