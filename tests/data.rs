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
                    c.clone(),
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
    let labels: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("labels.json")).unwrap()).unwrap();
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
        // A consumer's reading: each row's array in the column order labels.json gives.
        let fmt = &labels["formats"][doc["format"]["id"].as_str().unwrap()];
        let mut from_json = Vec::new();
        for (tkey, table) in doc["tables"].as_object().unwrap() {
            for (rkey, values) in table.as_object().unwrap() {
                let columns = fmt["tables"][tkey]["rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|x| x["key"] == rkey.as_str())
                    .unwrap_or_else(|| panic!("{tkey}.{rkey} in labels.json"))["columns"]
                    .as_array()
                    .unwrap();
                let values = values.as_array().unwrap();
                assert_eq!(values.len(), columns.len(), "{tkey}.{rkey}");
                for (ckey, value) in columns.iter().zip(values) {
                    let key = format!("{tkey}.{rkey}.{}", ckey.as_str().unwrap());
                    let plain = match value {
                        Value::Null => String::new(),
                        Value::String(s) => s.clone(),
                        v => v.to_string(),
                    };
                    let printed = doc["printed"][&key]
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
                    cell_from_csv(column(r, &row[0]), &row[1], &row[2]).unwrap(),
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
    // requests.granted, printed `[258, 12, "", "", 1, 1, ""]`: 总计 (the last) blank.
    let granted = &sh["tables"]["requests"]["granted"];
    assert_eq!(
        granted,
        &serde_json::json!([258, 12, null, null, 1, 1, null])
    );
    assert!(
        sh["printed"].get("requests.granted.total").is_none(),
        "nothing printed differently in this cell"
    );
    // 采购总金额 has no fixed unit: the value is normalised to 万元, the print kept beside it.
    assert_eq!(
        sh["tables"]["proactive"]["procurement"],
        serde_json::json!([6, "25.1"])
    );
    assert_eq!(
        sh["printed"]["proactive.procurement.procurement_amount"],
        "251000元"
    );
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
    // The summaries the report pages kept are the ones made from each report's file.
    let loaded = load_site(site.path()).unwrap();
    let archive = gongkai::render::Archive::new(&loaded.site, &[]);
    for e in feed.entries() {
        let href = e.links()[0].href();
        let i = archive
            .site
            .reports
            .iter()
            .position(|r| href.ends_with(&format!("agencies/{}/{}.html", r.agency, r.year)))
            .unwrap_or_else(|| panic!("{href}"));
        let made = archive.summary(i).unwrap();
        assert_eq!(e.summary().map(|s| s.as_str()), Some(made), "{href}");
        assert!(!made.is_empty(), "{href}");
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

/// A year's long table from the CSV (gunzipped; header checked) and from the Parquet file,
/// checked equal row for row; returns the CSV rows with the header.
fn long_table(data: &Path, year: i32) -> Vec<csv::StringRecord> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    use std::io::Read;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(data.join(format!("long/{year}.csv.gz"))).unwrap(),
    )
    .read_to_end(&mut bytes)
    .unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM inside");
    let rows: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(
        rows[0].iter().collect::<Vec<_>>(),
        gongkai::render::research::LONG_COLUMNS
    );
    let file = std::fs::File::open(data.join(format!("long/{year}.parquet"))).unwrap();
    let reader = SerializedFileReader::new(file).unwrap();
    let names: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    assert_eq!(names, gongkai::render::research::LONG_COLUMNS);
    let mut n = 0;
    for (row, csv_row) in reader.get_row_iter(None).unwrap().zip(&rows[1..]) {
        let row = row.unwrap();
        for ((name, field), text) in row.get_column_iter().zip(csv_row) {
            let same = match field {
                Field::Null => text.is_empty(),
                Field::Str(s) => s == text,
                Field::Int(i) => i.to_string() == text,
                Field::Bool(b) => b.to_string() == text,
                // Exact for every printed figure: the CSV's decimal text reads as this double.
                Field::Double(d) => text.parse::<f64>().ok() == Some(*d),
                other => panic!("{name}: unexpected {other:?}"),
            };
            assert!(
                same,
                "{year} row {n} {name}: parquet {field:?}, csv {text:?}"
            );
        }
        n += 1;
    }
    assert_eq!(n, rows.len() - 1, "{year}: as many rows in both");
    rows
}

#[test]
fn long_tables_hold_every_cell_once_with_labels_and_acknowledgements() {
    let site = built();
    let data = site.path().join("public/data");
    let loaded = load_site(site.path()).unwrap();
    let bulk = read_csv(&data.join("reports.csv"));
    let bcol = |name: &str| bulk[0].iter().position(|h| h == name).unwrap();
    let years: BTreeSet<i32> = loaded.site.reports.iter().map(|r| r.year).collect();
    let mut acknowledged = 0;
    for &year in &years {
        let rows = long_table(&data, year);
        let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
        for r in loaded.site.reports.iter().filter(|r| r.year == year) {
            let mine: Vec<&csv::StringRecord> = rows[1..]
                .iter()
                .filter(|row| &row[col("agency")] == r.agency.as_str())
                .collect();
            // Every cell of the per-report CSV (checked against the model above), once, in
            // the same order, with the same value, blankness and printed text.
            let per_report = read_csv(&data.join(format!("reports/{}/{}.csv", r.agency, r.year)));
            assert_eq!(mine.len(), per_report.len() - 1, "{} {year}", r.agency);
            for (row, cell) in mine.iter().zip(&per_report[1..]) {
                assert_eq!(&row[col("key")], &cell[0]);
                assert_eq!(&row[col("value")], &cell[1], "{}", &cell[0]);
                // The long tables flag a blank; the per-report CSV leaves its value empty.
                let blank = if cell[1].is_empty() { "true" } else { "false" };
                assert_eq!(&row[col("empty")], blank, "{}", &cell[0]);
                // Printed text only where it differs from the value, in both.
                assert_eq!(&row[col("printed")], &cell[2], "{}", &cell[0]);
                let key: Vec<&str> = cell[0].split('.').collect();
                assert_eq!(
                    [&row[col("table")], &row[col("row")], &row[col("column")]],
                    [key[0], key[1], key[2]]
                );
                assert_eq!(&row[col("format")], r.format().id.as_str());
                assert_eq!(&row[col("year")], year.to_string().as_str());
                acknowledged += usize::from(!row[col("acknowledged")].is_empty());
            }
            // The report's metadata as in reports.csv.
            let b = bulk[1..]
                .iter()
                .find(|b| {
                    &b[bcol("agency")] == r.agency.as_str() && b[bcol("year")] == *year.to_string()
                })
                .unwrap();
            for m in ["agency_name", "level", "region"] {
                assert!(mine.iter().all(|row| row[col(m)] == b[bcol(m)]), "{m}");
            }
        }
        // Official labels as printed, per the report's format.
        let at = |agency: &str, key: &str| {
            rows[1..]
                .iter()
                .find(|row| &row[col("agency")] == agency && &row[col("key")] == key)
                .cloned()
        };
        if year == 2019 {
            let total = at("shanghai-gov-office", "requests.granted.total").unwrap();
            assert_eq!(
                &total[col("table_label")],
                "三、收到和处理政府信息公开申请情况"
            );
            assert_eq!(&total[col("row_label")], "三、本年度办理结果（一）予以公开");
            assert_eq!(&total[col("column_label")], "总计");
            // Printed blank, in an acknowledged blank table (D1), a row whose total is blank
            // (I2) and a column whose total is blank (I3).
            assert_eq!(&total[col("empty")], "true");
            assert_eq!(&total[col("acknowledged")], "D1 I2 I3");
            let natural = at("shanghai-gov-office", "requests.granted.natural_person").unwrap();
            assert_eq!(&natural[col("acknowledged")], "I2");
            assert_eq!(&natural[col("value")], "258");
            let pingtan = at("pingtan", "requests.granted.total").unwrap();
            assert_eq!(&pingtan[col("acknowledged")], "");
        }
    }
    assert!(
        acknowledged > 20,
        "acknowledged cells are marked ({acknowledged})"
    );
}

#[test]
fn year_workbooks_hold_the_bulk_table_under_official_labels() {
    use calamine::{Data, Reader, Xlsx};
    let site = built();
    let data = site.path().join("public/data");
    for year in [2019, 2021, 2024] {
        let csv = read_csv(&data.join(format!("years/{year}.csv")));
        let mut wb: Xlsx<_> =
            calamine::open_workbook(data.join(format!("years/{year}.xlsx"))).unwrap();
        assert_eq!(
            wb.sheet_names(),
            [format!("{year}年"), "字段说明".to_string()]
        );
        // The guide sheet: each header's key in reports.csv.
        let guide = wb.worksheet_range("字段说明").unwrap();
        let key_of: std::collections::HashMap<String, String> = guide
            .rows()
            .skip(1)
            .map(|r| (r[0].to_string(), r[1].to_string()))
            .collect();
        let sheet = wb.worksheet_range(&format!("{year}年")).unwrap();
        let mut rows = sheet.rows();
        let headers: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
        assert_eq!(&headers[..2], ["机关键名", "机关名称"]);
        assert!(
            headers.contains(
                &"三、收到和处理政府信息公开申请情况 / 三、本年度办理结果（一）予以公开 / 总计"
                    .to_string()
            )
        );
        assert_eq!(key_of.len(), headers.len(), "each header once in the guide");
        let keys: Vec<&String> = headers.iter().map(|h| &key_of[h]).collect();
        // Every column of reports.csv that is not NA throughout the year is in the sheet.
        for (i, k) in csv[0].iter().enumerate() {
            let used = csv[1..].iter().any(|r| &r[i] != "NA");
            assert_eq!(used, keys.iter().any(|x| x.as_str() == k), "{year} {k}");
        }
        let data_rows: Vec<&[Data]> = rows.collect();
        assert_eq!(data_rows.len(), csv.len() - 1, "{year}: one row per report");
        let mut checked = 0;
        for (row, c) in data_rows.iter().zip(&csv[1..]) {
            for (k, cell) in keys.iter().zip(row.iter()) {
                let i = csv[0].iter().position(|h| h == k.as_str()).unwrap();
                let text = &c[i];
                let same = match cell {
                    Data::Empty => text.is_empty(),
                    Data::String(s) => s == text,
                    Data::Float(f) => text.parse::<f64>().ok() == Some(*f),
                    Data::Int(n) => text.parse::<i64>().ok() == Some(*n),
                    other => panic!("{k}: unexpected {other:?}"),
                };
                assert!(same, "{year} {k}: workbook {cell:?}, csv {text:?}");
                checked += 1;
            }
            // Only the year's format: no column is NA.
            assert!(
                !row.iter()
                    .any(|c| matches!(c, Data::String(s) if s == "NA")),
                "{year}"
            );
        }
        assert!(checked > 100, "{checked}");
    }
}

/// The reference readers agree: Apache Arrow's Parquet reader (pyarrow) and openpyxl read the
/// long table and the workbook with the same rows and values as the CSV files.
#[test]
fn pyarrow_and_openpyxl_read_the_research_files() {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import pyarrow.parquet, openpyxl"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("GONGKAI_REQUIRE_TOOLS").is_none(),
            "pyarrow and openpyxl are required (GONGKAI_REQUIRE_TOOLS is set); .ci/run installs them"
        );
        eprintln!(
            "SKIPPED: python3 with pyarrow and openpyxl is not installed; .ci/run installs it"
        );
        return;
    }
    let site = built();
    let data = site.path().join("public/data");
    let script = r#"
import csv, gzip, io, json, sys
import pyarrow.parquet as pq, openpyxl
data, year = sys.argv[1], sys.argv[2]
t = pq.read_table(f"{data}/long/{year}.parquet").to_pylist()
rows = list(csv.DictReader(io.StringIO(gzip.open(f"{data}/long/{year}.csv.gz").read().decode("utf-8-sig"))))
assert len(t) == len(rows), (len(t), len(rows))
for p, c in zip(t, rows):
    for k, v in c.items():
        got = p[k]
        if got is None:
            assert v == "", (k, v)
        elif isinstance(got, bool):
            assert str(got).lower() == v, (k, got, v)
        elif isinstance(got, float):
            assert float(v) == got, (k, got, v)
        else:
            assert str(got) == v, (k, got, v)
wb = openpyxl.load_workbook(f"{data}/years/{year}.xlsx", read_only=True)
ws = wb[f"{year}年"]
sheet = list(ws.iter_rows(values_only=True))
guide = {r[0]: r[1] for r in list(wb["字段说明"].iter_rows(values_only=True))[1:]}
bulk = list(csv.DictReader(io.StringIO(open(f"{data}/years/{year}.csv", encoding="utf-8-sig").read())))
assert len(sheet) - 1 == len(bulk)
cells = 0
for srow, brow in zip(sheet[1:], bulk):
    for h, v in zip(sheet[0], srow):
        b = brow[guide[h]]
        if v is None:
            assert b == "", (h, b)
        elif isinstance(v, (int, float)):
            assert float(b) == v, (h, v, b)
        else:
            assert v == b, (h, v, b)
        cells += 1
print(json.dumps({"long": len(t), "cells": cells}))
"#;
    for year in ["2019", "2021"] {
        let out = std::process::Command::new("python3")
            .args(["-c", script, data.to_str().unwrap(), year])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{year}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(v["long"].as_u64().unwrap() > 300, "{v}");
        assert!(v["cells"].as_u64().unwrap() > 300, "{v}");
    }
}

/// `research_data = false` (the default) leaves the long tables out, and the data page does
/// not offer them; the workbooks are always there.
#[test]
fn long_tables_are_written_only_when_asked_for() {
    let site = common::example_site();
    common::replace_in(&site.path().join("site.toml"), "research_data = true\n", "");
    let out = common::gongkai(site.path(), &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let data = site.path().join("public/data");
    assert!(!data.join("long").exists());
    assert!(data.join("years/2021.xlsx").is_file());
    let page = std::fs::read_to_string(data.join("index.html")).unwrap();
    assert!(!page.contains("long/"), "{page}");
    assert!(page.contains("href=\"years/2021.xlsx\""), "{page}");
    // On (as in the example archive), the page offers every file the build wrote.
    let full = built();
    let page = std::fs::read_to_string(full.path().join("public/data/index.html")).unwrap();
    for f in ["long/2021.csv.gz", "long/2021.parquet", "years/2021.xlsx"] {
        assert!(page.contains(&format!("href=\"{f}\"")), "{f}");
        assert!(full.path().join("public/data").join(f).is_file(), "{f}");
    }
}

/// A report's JSON holds keys and values; `labels.json` names every key once per format, and
/// the JSON API points to it.
#[test]
fn labels_json_names_every_key_of_the_report_json() {
    let site = built();
    let data = site.path().join("public/data");
    let read = |p: &Path| -> Value { serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() };
    let labels = read(&data.join("labels.json"));
    assert_eq!(read(&data.join("index.json"))["labels"], "labels.json");
    let mut named = 0;
    for entry in walkdir::WalkDir::new(data.join("reports")) {
        let path = entry.unwrap().into_path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let doc = read(&path);
        // Only the acknowledged findings name their cell's label: they are the report's own.
        for part in ["tables", "figures", "rates"] {
            let text = doc[part].to_string();
            assert!(
                !text.contains("\"label"),
                "{}: {part} without labels",
                path.display()
            );
        }
        let fmt = &labels["formats"][doc["format"]["id"].as_str().unwrap()];
        for (tkey, table) in doc["tables"].as_object().unwrap() {
            let t = &fmt["tables"][tkey];
            assert!(t["label"].as_str().is_some_and(|l| !l.is_empty()), "{tkey}");
            for (rkey, values) in table.as_object().unwrap() {
                let r = t["rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|r| r["key"] == rkey.as_str())
                    .unwrap_or_else(|| panic!("{tkey}.{rkey}"));
                assert!(r["label"].as_str().is_some_and(|l| !l.is_empty()));
                let columns = r["columns"].as_array().unwrap();
                assert_eq!(columns.len(), values.as_array().unwrap().len());
                for ckey in columns {
                    let col = t["columns"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|c| c["key"] == *ckey);
                    assert!(col.is_some_and(|c| c["label"].as_str().is_some()), "{ckey}");
                    named += 1;
                }
            }
        }
        for id in doc["figures"].as_object().unwrap().keys() {
            assert!(fmt["figures"][id]["label"].is_string(), "{id}");
        }
        for id in doc["rates"].as_object().unwrap().keys() {
            assert!(fmt["rates"][id]["definition"].is_string(), "{id}");
        }
    }
    assert!(named > 1000, "{named}");
    let granted = labels["formats"]["2019"]["tables"]["requests"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "granted")
        .unwrap()
        .clone();
    assert_eq!(granted["label"], "三、本年度办理结果（一）予以公开");
}
