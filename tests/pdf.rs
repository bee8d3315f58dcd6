//! `gongkai import` of PDF reports: every fixture and generated report printed as a PDF with
//! the layouts real PDFs have (tests/common/pdf.rs: each trap of issue 18 a switch) and by
//! Chromium from its web page, read back cell for cell; scans and damaged files refused with
//! the reason, and a batch goes on past them.

mod common;

use std::path::Path;

use common::imported::{assert_imports_fixture, assert_same_report, import_and_load};
use common::pdf::{Layout, to_pdf};
use common::published::{self, Published, Quirks};
use gongkai::import::doc::Block;
use gongkai::import::{Kind, Options, read_bytes};

/// Prints every fixture with layout `l` and imports it back cell for cell.
fn every_fixture_with(l: Layout) {
    let dir = tempfile::tempdir().unwrap();
    for name in common::fixture::names() {
        let (p, q) = published::from_fixture(&name);
        let path = dir.path().join(name.replace(".json", ".pdf"));
        std::fs::write(&path, to_pdf(&p, q, l)).unwrap();
        eprintln!("{name} printed with {l:?}");
        assert_imports_fixture(&path, &name, &p);
    }
}

/// The rows of every table in a PDF, as text (`^` marks a merged copy).
fn table_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let doc = read_bytes(bytes, Kind::Pdf).unwrap();
    doc.blocks
        .iter()
        .filter_map(|b| match b {
            Block::Table(t) => Some(t),
            Block::Para(_) => None,
        })
        .flatten()
        .map(|r| {
            r.iter()
                .map(|c| {
                    if c.copy {
                        format!("^{}", c.text)
                    } else {
                        c.text.clone()
                    }
                })
                .collect()
        })
        .collect()
}

fn fixture(name: &str) -> (Published, Quirks) {
    published::from_fixture(name)
}

#[test]
fn every_fixture_imports_from_a_plain_pdf() {
    every_fixture_with(Layout::default());
}

/// A label wrapped over two lines beside a vertically centred number: in position order the
/// number's line comes between the label's lines; written in any order, the cell reads whole.
#[test]
fn a_wrapped_label_beside_a_centred_number() {
    let (p, q) = fixture("pingtan-2022.json");
    for scrambled in [false, true] {
        let rows = table_rows(&to_pdf(
            &p,
            q,
            Layout {
                scrambled,
                ..Default::default()
            },
        ));
        // 5.属于三类内部事务信息 is printed over two lines in its narrow cell.
        let row = rows
            .iter()
            .find(|r| r.iter().any(|c| c == "5.属于三类内部事务信息"))
            .expect("the row");
        assert_eq!(row[row.len() - 7..], ["1", "0", "0", "0", "0", "0", "1"]);
    }
    every_fixture_with(Layout {
        scrambled: true,
        ..Default::default()
    });
}

/// 三、本年度办理结果 and （三）不予公开 printed one character per line down their merged cells.
#[test]
fn a_label_printed_one_character_per_line() {
    let (p, q) = fixture("pingtan-2022.json");
    let rows = table_rows(&to_pdf(
        &p,
        q,
        Layout {
            vertical_labels: true,
            ..Default::default()
        },
    ));
    let row = rows
        .iter()
        .find(|r| r.iter().any(|c| c == "1.属于国家秘密"))
        .expect("the row");
    assert_eq!(row[..2], ["^三、本年度办理结果", "（三）不予公开"]);
    every_fixture_with(Layout {
        vertical_labels: true,
        ..Default::default()
    });
}

/// Header words split over two lines (`商业` / `企业`) read as one.
#[test]
fn split_header_words() {
    let (p, q) = fixture("pingtan-2022.json");
    let rows = table_rows(&to_pdf(
        &p,
        q,
        Layout {
            split_headers: true,
            ..Default::default()
        },
    ));
    assert!(
        rows.iter().any(|r| r.iter().any(|c| c == "商业企业")),
        "{rows:?}"
    );
    every_fixture_with(Layout {
        split_headers: true,
        ..Default::default()
    });
}

/// Short pages: tables continue on the next page, with their header repeated or not, merged
/// labels cut by the page break, and a running header and page number between the rows.
#[test]
fn tables_continued_on_the_next_page_between_headers_and_footers() {
    for repeat_header in [false, true] {
        for furniture in [false, true] {
            every_fixture_with(Layout {
                page_height: 420.0,
                repeat_header,
                furniture,
                ..Default::default()
            });
        }
    }
    let (p, q) = fixture("pingtan-2022.json");
    let bytes = to_pdf(
        &p,
        q,
        Layout {
            page_height: 420.0,
            furniture: true,
            ..Default::default()
        },
    );
    let doc = read_bytes(&bytes, Kind::Pdf).unwrap();
    let paras: Vec<&str> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Para(t) => Some(t.as_str()),
            Block::Table(_) => None,
        })
        .collect();
    assert!(
        paras
            .iter()
            .all(|t| !t.contains("- 2 -") && *t != "政府信息公开工作年度报告"),
        "page furniture is dropped: {paras:?}"
    );
    let tables = doc
        .blocks
        .iter()
        .filter(|b| matches!(b, Block::Table(_)))
        .count();
    assert!(tables > 3, "the tables are cut by pages: {tables}");
}

/// 四 printed as one row of fifteen numbers under its two-level header.
#[test]
fn the_appeals_table_as_one_row_of_fifteen() {
    let (p, q) = fixture("pingtan-2022.json");
    let rows = table_rows(&to_pdf(&p, q, Layout::default()));
    let last = rows.last().expect("rows");
    assert_eq!(last.len(), 15);
    assert_eq!(last, &p.appeals);
    assert_eq!(rows[rows.len() - 4][5], "行政诉讼");
}

/// Digits in a Latin font (a simple font with WinAnsi encoding), as Word prints them.
#[test]
fn digits_in_a_latin_font() {
    every_fixture_with(Layout {
        latin_digits: true,
        scrambled: true,
        ..Default::default()
    });
}

/// Reports the importer has never seen, in both formats, printed with every combination of
/// the layouts, import back to the same cells and prose.
#[test]
fn generated_reports_import_back_from_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = published::generated_site(dir.path(), 6, 5, 11);
    assert!(loaded.site.reports.len() >= 30);
    for (i, r) in loaded.site.reports.iter().enumerate() {
        let p = published::from_site_report(&loaded.site, r);
        let bit = |k: usize| (i >> k) & 1 == 1;
        let l = Layout {
            vertical_labels: bit(0),
            split_headers: bit(1),
            repeat_header: bit(2),
            furniture: bit(3),
            latin_digits: bit(4),
            scrambled: bit(0) != bit(2),
            page_height: if i % 3 == 0 { 420.0 } else { 0.0 },
            borderless: false,
        };
        let q = Quirks {
            count_units: i % 4 == 1,
            inline_headings: i % 5 == 2,
            ..Default::default()
        };
        let path = dir.path().join(format!("{}-{}.pdf", r.agency, r.year));
        std::fs::write(&path, to_pdf(&p, q, l)).unwrap();
        let (back, imported, text) = import_and_load(&path, &r.agency, &Options::default());
        assert_eq!(back.year, r.year, "{}", path.display());
        assert_eq!(back.format().id, r.format().id, "{}", path.display());
        assert!(
            imported.review.is_empty(),
            "{}: {:?} ({l:?})",
            path.display(),
            imported.review
        );
        assert_same_report(r, &back, false, &path, &text);
    }
}

/// Chromium's print-to-PDF of each fixture's web page (embedded subset fonts, Identity-H with
/// ToUnicode maps, bold headings as Type 3 fonts, borders as filled rectangles), with its own
/// date, title, address and page-number lines at the top and bottom of every page.
#[test]
fn every_fixture_printed_by_chromium() {
    let chromium = Path::new("/usr/bin/chromium");
    if !common::tool_available(chromium, "chromium") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (k, name) in common::fixture::names().iter().enumerate() {
        let (p, q) = published::from_fixture(name);
        let stem = name.trim_end_matches(".json");
        let html = dir.path().join(format!("{stem}.html"));
        std::fs::write(&html, published::to_html(&p, q)).unwrap();
        let pdf = dir.path().join(format!("{stem}.pdf"));
        let mut cmd = std::process::Command::new(chromium);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--print-to-pdf={}", pdf.display()));
        // Every other report without Chromium's header and footer lines.
        if k % 2 == 1 {
            cmd.arg("--no-pdf-header-footer");
        }
        let out = cmd.arg(&html).output().unwrap();
        assert!(
            pdf.is_file(),
            "chromium printed no PDF: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_imports_fixture(&pdf, name, &p);
    }
}

/// What cannot be read is refused with the reason and what to do, in Chinese by default: a
/// scan (pictures, no text), fonts without a text map, a damaged file. A folder of PDFs goes on
/// past them and imports the good one.
#[test]
fn unreadable_pdfs_are_refused_with_the_reason_and_a_batch_goes_on() {
    let scan = read_bytes(&common::pdf::scanned(), Kind::Pdf).unwrap_err();
    assert!(
        scan.contains("扫描件") && scan.contains("以免猜错"),
        "{scan}"
    );
    let glyphs = read_bytes(&common::pdf::without_text_map(), Kind::Pdf).unwrap_err();
    assert!(
        glyphs.contains("100%") && glyphs.contains("文字映射表"),
        "{glyphs}"
    );
    let (p, q) = fixture("pingtan-2021.json");
    let good = to_pdf(&p, q, Layout::default());
    let cut = read_bytes(&good[..good.len() / 3], Kind::Pdf).unwrap_err();
    assert!(cut.contains("不完整"), "a third of a PDF is refused: {cut}");
    assert!(read_bytes(b"%PDF-1.7\n\x00\x01garbage", Kind::Pdf).is_err());

    let site = common::example_site();
    let inbox = tempfile::tempdir().unwrap();
    let folder = inbox.path().join("pingtan");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("a-扫描件.pdf"), common::pdf::scanned()).unwrap();
    std::fs::write(folder.join("b-损坏.pdf"), &good[..good.len() / 2]).unwrap();
    std::fs::write(folder.join("c-2021年报.pdf"), &good).unwrap();
    let report = site.path().join("content/pingtan/2021.md");
    std::fs::remove_file(&report).unwrap();
    let out = common::gongkai_zh(site.path(), &["import", inbox.path().to_str().unwrap()]);
    let err = format!("{}{}", common::stdout(&out), common::stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("a-扫描件.pdf") && err.contains("扫描件 PDF"),
        "{err}"
    );
    assert!(
        err.contains("b-损坏.pdf") && err.contains("PDF 文件不完整"),
        "{err}"
    );
    assert!(report.is_file(), "the good PDF is imported");
    common::fixture::assert_written_report_is(site.path(), "pingtan", 2021, "pingtan-2021.json");
}

/// Tables printed without ruling lines are read by position: figures by the columns they
/// stand in (a blank stays blank), labels on the figures' line. A label on a line of its own
/// (wrapped, or the label of a row printed blank) cannot be tied to a row without lines: the
/// rows next to it are left for review with the reason. Across both formats no figure is read
/// into the wrong cell, and 二 and 四 read whole.
#[test]
fn tables_without_ruling_lines_never_misplace_a_figure() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = published::generated_site(dir.path(), 4, 5, 5);
    let (mut right, mut left_empty) = (0, 0);
    for r in &loaded.site.reports {
        let p = published::from_report(r, "某县人民政府");
        let l = Layout {
            borderless: true,
            ..Default::default()
        };
        let path = dir.path().join(format!("{}-{}.pdf", r.agency, r.year));
        std::fs::write(&path, to_pdf(&p, Quirks::default(), l)).unwrap();
        let (back, imported, text) = import_and_load(&path, &r.agency, &Options::default());
        for key in ["proactive", "requests", "appeals"] {
            let (t, a) = r.table(key).unwrap();
            let (_, b) = back.table(key).unwrap();
            for ri in 0..t.rows.len() {
                for pos in 0..t.rows[ri].columns.len() {
                    let (want, got) = (a.cell(ri, pos), b.cell(ri, pos));
                    let label = t.cell_label(ri, t.rows[ri].columns[pos], "zh");
                    if want == got {
                        right += 1;
                        continue;
                    }
                    assert!(
                        key == "requests",
                        "{}: 二 and 四 read whole: {label}\n{text}",
                        path.display()
                    );
                    assert!(
                        matches!(got, None | Some(gongkai::model::Cell::Empty(_)))
                            && imported.review.iter().any(|r| r.contains("没有框线")),
                        "{}: {label} read as {got:?}, printed {want:?}\n{text}",
                        path.display()
                    );
                    left_empty += 1;
                }
            }
        }
    }
    assert!(
        right > 0 && left_empty > 0,
        "{right} read, {left_empty} left for review"
    );
}

/// A real published PDF: 淮安市人民政府's 2024 report as the city published it (WPS-made, its
/// own fonts and table drawing), imported with nothing to review, every cell as its fixture,
/// the three prose sections found, no finding of check X4 in its text.
#[test]
fn the_real_huaian_city_pdf_imports_cell_for_cell() {
    let path = common::fixtures().join("pdf/huaian-city-2024.pdf");
    let (report, imported, text) = import_and_load(&path, "huaian-city", &Options::default());
    assert!(imported.review.is_empty(), "{:?}", imported.review);
    assert_eq!(report.year, 2024);
    assert_eq!(report.format().id, "2021");
    common::fixture::compare_numbers(&common::fixture::fixture("huaian-city-2024.json"), &report);
    for heading in ["## 一、总体情况", "## 五、", "## 六、"] {
        assert!(text.contains(heading), "{heading}\n{text}");
    }
    assert!(
        gongkai::check::report_findings(&report)
            .iter()
            .all(|d| d.code != "X4"),
        "the text agrees with the tables"
    );
}
