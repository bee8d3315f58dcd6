//! Open data, feeds and sitemap of the example archive: JSON and CSV parse back into the
//! model cell for cell, the JSON validates against the published schema, the feed parses, and
//! the sitemap lists every page.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use gongkai::format::{Column, formats};
use gongkai::load::load_site;
use gongkai::model::{Cell, Report};
use gongkai::render::data::{cell_from_csv, cell_from_json};
use serde_json::Value;

fn built() -> tempfile::TempDir {
    let site = common::example_site();
    let out = common::gongkai(site.path(), &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    site
}

/// Column kind of a `table.row.column` key in a report's format.
fn column<'a>(r: &'a Report, key: &str) -> &'a Column {
    let p: Vec<&str> = key.split('.').collect();
    let (t, _) = r.table(p[0]).unwrap();
    &t.columns[t.column_index(p[2]).unwrap()]
}

fn model_cells(r: &Report) -> Vec<(String, Cell)> {
    let f = formats();
    let mut out = Vec::new();
    for (ti, t) in f.tables_of(r.format()).enumerate() {
        for (ri, row) in t.rows.iter().enumerate() {
            for (pos, &ci) in row.columns.iter().enumerate() {
                let c = r.tables[ti].cell(ri, pos).unwrap();
                out.push((
                    format!("{}.{}.{}", t.key, row.key, t.columns[ci].key),
                    c.value.clone(),
                ));
            }
        }
    }
    out
}

fn read_csv(path: &Path) -> Vec<csv::StringRecord> {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "{}: UTF-8 BOM for Excel",
        path.display()
    );
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..]);
    rdr.records().map(|r| r.unwrap()).collect()
}

#[test]
fn per_report_json_and_csv_round_trip_and_validate() {
    let site = built();
    let data = site.path().join("public/data");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("report.schema.json")).unwrap())
            .unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("report.schema.json", schema).unwrap();
    let id = compiler
        .compile("report.schema.json", &mut schemas)
        .unwrap();
    let loaded = load_site(site.path()).unwrap();
    assert_eq!(loaded.site.reports.len(), 7);
    for r in &loaded.site.reports {
        let expected = model_cells(r);
        // JSON
        let path = data.join(format!("reports/{}/{}.json", r.agency, r.year));
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if let Err(e) = schemas.validate(&doc, id) {
            panic!("{}: {e:#}", path.display());
        }
        let mut from_json = Vec::new();
        for (tkey, table) in doc["tables"].as_object().unwrap() {
            for row in table["rows"].as_array().unwrap() {
                for (ckey, value) in row["cells"].as_object().unwrap() {
                    let key = format!("{tkey}.{}.{ckey}", row["key"].as_str().unwrap());
                    let plain = match value {
                        Value::Null => String::new(),
                        Value::String(s) => s.clone(),
                        v => v.to_string(),
                    };
                    let printed = row["printed"][ckey]
                        .as_str()
                        .map_or(plain.clone(), str::to_string);
                    let cell = cell_from_json(column(r, &key), value, &printed).unwrap();
                    from_json.push((key, cell));
                }
            }
        }
        // Tables and rows come in printed order, so the cells do too.
        let mut expected_sorted = expected.clone();
        expected_sorted.sort_by(|a, b| a.0.cmp(&b.0));
        from_json.sort_by(|a, b| a.0.cmp(&b.0));
        let expected_json = expected_sorted;
        assert_eq!(from_json, expected_json, "{}", path.display());
        // CSV
        let path = data.join(format!("reports/{}/{}.csv", r.agency, r.year));
        let rows = read_csv(&path);
        assert_eq!(&rows[0][0], "key");
        let from_csv: Vec<(String, Cell)> = rows[1..]
            .iter()
            .map(|row| {
                (
                    row[0].to_string(),
                    cell_from_csv(column(r, &row[0]), &row[1], &row[2], &row[3]).unwrap(),
                )
            })
            .collect();
        assert_eq!(from_csv, expected, "{}", path.display());
    }
    // The empty cells of 上海 2019 stay empty, not 0.
    let sh: Value = serde_json::from_str(
        &std::fs::read_to_string(data.join("reports/shanghai-gov-office/2019.json")).unwrap(),
    )
    .unwrap();
    let row = |t: &str, k: &str| {
        sh["tables"][t]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == k)
            .unwrap()
            .clone()
    };
    let granted = row("requests", "granted");
    assert_eq!(granted["cells"]["total"], Value::Null);
    assert!(
        granted.get("printed").is_none(),
        "nothing printed differently in this row"
    );
    let procurement = row("proactive", "procurement");
    // 采购总金额 has no fixed unit: the value is normalised to 万元, the print kept beside it.
    assert_eq!(procurement["cells"]["procurement_amount"], "25.1");
    assert_eq!(procurement["printed"]["procurement_amount"], "251000元");
    // The codebook labels every key.
    let codebook = read_csv(&data.join("cells.csv"));
    let granted_total = codebook
        .iter()
        .find(|r| &r[0] == "requests.granted.total")
        .unwrap();
    assert_eq!(&granted_total[5], "三、本年度办理结果（一）予以公开");
    assert_eq!(&granted_total[6], "总计");
    assert_eq!(&granted_total[9], "2021 2019");
    assert_eq!(
        sh["validation"]["acknowledged"].as_array().unwrap().len(),
        13
    );
}

#[test]
fn bulk_csv_and_json_round_trip() {
    let site = built();
    let data = site.path().join("public/data");
    let loaded = load_site(site.path()).unwrap();
    let rows = read_csv(&data.join("reports.csv"));
    let header: Vec<String> = rows[0].iter().map(str::to_string).collect();
    assert_eq!(rows.len(), 8, "one row per report");
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    // The flags for analysis: days late (D2), explained inconsistencies, blank cells.
    let flags = |agency: &str, year: &str| -> [String; 3] {
        let row = rows[1..]
            .iter()
            .find(|r| &r[col("agency")] == agency && &r[col("year")] == year)
            .unwrap();
        ["days_late", "acknowledged_findings", "empty_cells"].map(|c| row[col(c)].to_string())
    };
    assert_eq!(flags("pingtan", "2021"), ["8", "1", "0"].map(String::from));
    assert_eq!(flags("pingtan", "2019"), ["0", "0", "0"].map(String::from));
    // 126 blank cells in 三 (its D1) and 9 in 二.
    assert_eq!(
        flags("shanghai-gov-office", "2019"),
        ["0", "13", "135"].map(String::from)
    );
    assert_eq!(flags("huaian-city", "2024")[0], "", "no publication date");
    for row in &rows[1..] {
        let r = loaded
            .site
            .reports
            .iter()
            .find(|r| r.agency == row[col("agency")] && r.year.to_string() == row[col("year")])
            .unwrap();
        assert_eq!(&row[col("format")], r.format().id.as_str());
        let mine: BTreeSet<String> = model_cells(r).into_iter().map(|(k, _)| k).collect();
        for (k, c) in model_cells(r) {
            let v = &row[col(&k)];
            let back = match c {
                Cell::Empty(_) => v.is_empty(),
                // Amounts in 万元, comparable across reports (Amount::normalized).
                Cell::Amount(a) => *v == gongkai::numtext::decimal_text(a.normalized()),
                other => *v == other.to_string(),
            };
            assert!(
                back,
                "{} {}: {k} = {v:?}, model {other:?}",
                r.agency,
                r.year,
                other = model_cells(r).iter().find(|x| x.0 == k).unwrap().1
            );
        }
        // Cells of the other format are NA, never 0 or blank.
        for (i, h) in header.iter().enumerate() {
            if h.matches('.').count() == 2 && !h.starts_with("rate.") && !mine.contains(h) {
                assert_eq!(&row[i], "NA", "{} {}: {h}", r.agency, r.year);
            }
        }
    }
    // The bulk JSON holds the same table: same columns, blank cells as null, NA kept.
    let bulk: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("reports.json")).unwrap()).unwrap();
    let cols: Vec<String> = bulk["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(cols, header);
    let jrows = bulk["rows"].as_array().unwrap();
    assert_eq!(jrows.len(), 7);
    for (jr, cr) in jrows.iter().zip(&rows[1..]) {
        for (i, v) in jr.as_array().unwrap().iter().enumerate() {
            let text = match v {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(text, cr[i], "{}", header[i]);
        }
    }
    // Per-year CSVs: the same columns, only that year's reports.
    let y2021 = read_csv(&data.join("years/2021.csv"));
    assert_eq!(y2021[0], rows[0]);
    assert_eq!(y2021.len(), 3);
}

#[test]
fn the_json_api_reaches_every_file_from_one_url() {
    let site = built();
    let data = site.path().join("public/data");
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("index.json")).unwrap()).unwrap();
    let mut reports = 0;
    for a in index["agencies"].as_array().unwrap() {
        assert!(data.join(a["page"].as_str().unwrap()).is_file());
        for r in a["reports"].as_array().unwrap() {
            for k in ["json", "csv", "page"] {
                let p = data.join(r[k].as_str().unwrap());
                assert!(p.is_file(), "{}", p.display());
            }
            reports += 1;
        }
    }
    assert_eq!(reports, 7);
    for k in ["csv", "json"] {
        assert!(data.join(index["bulk"][k].as_str().unwrap()).is_file());
    }
    for y in index["years"].as_array().unwrap() {
        assert!(data.join(y["csv"].as_str().unwrap()).is_file());
    }
    assert!(
        data.join(index["report_schema"].as_str().unwrap())
            .is_file()
    );
}

#[test]
fn atom_feeds_parse_newest_first_with_absolute_links() {
    let site = built();
    let public = site.path().join("public");
    let text = std::fs::read_to_string(public.join("feed.xml")).unwrap();
    let feed: atom_syndication::Feed = text.parse().expect("a valid Atom feed");
    assert_eq!(feed.entries().len(), 7);
    let dates: Vec<_> = feed.entries().iter().map(|e| *e.updated()).collect();
    assert!(
        dates.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {dates:?}"
    );
    // 淮安 2024 has no publication date: it is filed under the last day of its year.
    assert_eq!(
        feed.entries()[0].title().as_str(),
        "淮安市人民政府2024年政府信息公开工作年度报告"
    );
    assert_eq!(
        feed.entries()[1].title().as_str(),
        "沭阳县发展和改革局2023年政府信息公开工作年度报告"
    );
    for e in feed.entries() {
        let href = e.links()[0].href();
        assert!(
            href.starts_with("https://example.org/gongkai/agencies/"),
            "{href}"
        );
        let rel = href.trim_start_matches("https://example.org/gongkai/");
        assert!(public.join(rel).is_file(), "{href}");
        assert!(e.summary().is_some_and(|s| !s.as_str().is_empty()));
    }
    let agency: atom_syndication::Feed =
        std::fs::read_to_string(public.join("agencies/pingtan/feed.xml"))
            .unwrap()
            .parse()
            .unwrap();
    assert_eq!(agency.entries().len(), 3);
}

#[test]
fn sitemap_lists_every_page_and_robots_points_to_it() {
    let site = built();
    let public = site.path().join("public");
    let sitemap = std::fs::read_to_string(public.join("sitemap.xml")).unwrap();
    let listed: BTreeSet<String> = sitemap
        .split("<loc>")
        .skip(1)
        .map(|s| {
            s.split("</loc>")
                .next()
                .unwrap()
                .trim_start_matches("https://example.org/gongkai/")
                .to_string()
        })
        .collect();
    let pages: BTreeSet<String> = walkdir::WalkDir::new(&public)
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| {
            e.path()
                .strip_prefix(&public)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .filter(|p| p != "404.html")
        .collect();
    assert_eq!(listed, pages);
    let robots = std::fs::read_to_string(public.join("robots.txt")).unwrap();
    assert!(robots.contains("Sitemap: https://example.org/gongkai/sitemap.xml"));
}
