//! Research data: every cell of every report in one long table (one row per cell, with the
//! report's agency, level, region, year and format, the cell's keys and official labels, the
//! value, the printed text, whether it was printed blank and which acknowledged check
//! concerns it), for analysis tools.
//!
//! Written per year when the site publishes research data (`research_data = true`), as
//! `data/long/<year>.csv.gz` (UTF-8 CSV with a BOM, gzip-compressed) and
//! `data/long/<year>.parquet`; and, always, each year's rows of the bulk table as a
//! workbook. Per year so that the years are written side by side and an edit rewrites only
//! its year. The CSV is compressed because it repeats the labels on every row (about 37 KB
//! per report plain, 4.7 KB compressed); analysis tools read `.csv.gz` as it is, and
//! spreadsheet users have `years/<year>.xlsx`.

use std::io::Write;
use std::sync::Arc;

use parquet::basic::{LogicalType, Repetition, Type as Physical};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int32Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use rust_decimal::prelude::ToPrimitive;

use super::{Archive, Sink, data};
use crate::format::formats;
use crate::model::Cell;

/// The columns of the long table, in order (the same in the CSV and the Parquet file).
pub const LONG_COLUMNS: &[&str] = &[
    "agency",
    "agency_name",
    "level",
    "region",
    "year",
    "format",
    "table",
    "table_label",
    "row",
    "row_label",
    "column",
    "column_label",
    "key",
    "value",
    "printed",
    "empty",
    "acknowledged",
];

/// Reports per Parquet row group: memory stays bounded whatever the size of a year.
const ROW_GROUP_REPORTS: usize = 2000;

/// The keys and official labels of one cell position of a format.
struct CellLabels {
    /// `table`, `table_label`, `row`, `row_label`, `column`, `column_label`, `key`.
    fields: [ByteArray; 7],
    /// The same fields as CSV text, each followed by a comma (quoted as needed).
    csv: Vec<u8>,
    /// (table position, row, position in the row) in the report's tables.
    at: (usize, usize, usize),
}

/// Every cell position of every format with its labels, in table, row, column order.
fn labels() -> &'static [Vec<CellLabels>] {
    static LABELS: std::sync::OnceLock<Vec<Vec<CellLabels>>> = std::sync::OnceLock::new();
    LABELS.get_or_init(|| {
        let f = formats();
        f.formats
            .iter()
            .map(|fmt| {
                let mut cells = Vec::new();
                for (ti, t) in f.tables_of(fmt).enumerate() {
                    let table_label = f
                        .section_for_table(&t.key)
                        .map_or(String::new(), |s| s.label("zh").to_string());
                    for (ri, row) in t.rows.iter().enumerate() {
                        for (pos, &ci) in row.columns.iter().enumerate() {
                            let col = &t.columns[ci];
                            let fields = [
                                t.key.clone(),
                                table_label.clone(),
                                row.key.clone(),
                                t.row_label(ri, "zh").to_string(),
                                col.key.clone(),
                                t.column_label(ci, "zh").to_string(),
                                format!("{}.{}.{}", t.key, row.key, col.key),
                            ];
                            let mut csv = Vec::new();
                            for field in &fields {
                                csv.extend(data::csv_field(field.as_bytes()));
                                csv.push(b',');
                            }
                            cells.push(CellLabels {
                                fields: fields.map(|s| ByteArray::from(s.into_bytes())),
                                csv,
                                at: (ti, ri, pos),
                            });
                        }
                    }
                }
                cells
            })
            .collect()
    })
}

/// One report's fields that repeat on each of its rows.
struct ReportFields {
    /// `agency`, `agency_name`, `level`, `format`.
    text: [ByteArray; 4],
    region: Option<ByteArray>,
    year: i32,
    /// The same, as the start of a CSV line (`agency,…,format,`).
    csv: Vec<u8>,
    /// Per cell key, the acknowledged checks that concern it (`I2 X1`).
    acks: Vec<(String, String)>,
}

impl ReportFields {
    fn new(archive: &Archive<'_>, i: usize) -> ReportFields {
        let r = archive.report(i);
        let a = archive.agency(&r.agency);
        let name = a.map_or(String::new(), |a| a.name.clone());
        let level = a.map_or(String::new(), |a| a.level.key().to_string());
        let region = a.and_then(|a| a.region.clone());
        let format = r.format().id.clone();
        let mut csv = Vec::new();
        let year = r.year.to_string();
        for field in [
            r.agency.as_str(),
            &name,
            &level,
            region.as_deref().unwrap_or(""),
            &year,
            &format,
        ] {
            csv.extend(data::csv_field(field.as_bytes()));
            csv.push(b',');
        }
        let mut acks: Vec<(String, String)> = Vec::new();
        for ack in archive.acks.get(&r.path).into_iter().flatten() {
            for key in ack.cells_in(r) {
                match acks.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, codes)) if !codes.split(' ').any(|c| c == ack.code) => {
                        codes.push(' ');
                        codes.push_str(&ack.code);
                    }
                    Some(_) => {}
                    None => acks.push((key, ack.code.clone())),
                }
            }
        }
        ReportFields {
            text: [r.agency.clone(), name, level, format].map(|s| ByteArray::from(s.into_bytes())),
            region: region.map(|s| ByteArray::from(s.into_bytes())),
            year: r.year,
            csv,
            acks,
        }
    }

    fn acknowledged(&self, key: &[u8]) -> Option<&str> {
        self.acks
            .iter()
            .find(|(k, _)| k.as_bytes() == key)
            .map(|(_, codes)| codes.as_str())
    }
}

/// Calls `f` with each cell of report `i` that is present, with its position in the
/// format's [`labels`] and its labels.
fn each_cell<'a>(
    archive: &Archive<'a>,
    i: usize,
    mut f: impl FnMut(usize, &'static CellLabels, Cell),
) {
    let r = archive.report(i);
    for (n, cell) in labels()[r.format].iter().enumerate() {
        let (ti, ri, pos) = cell.at;
        if let Some(c) = r.tables.get(ti).and_then(|t| t.cell(ri, pos)) {
            f(n, cell, c);
        }
    }
}

/// The reports of `year` in the order of the bulk tables.
fn reports_of(order: &[usize], archive: &Archive<'_>, year: i32) -> Vec<usize> {
    order
        .iter()
        .copied()
        .filter(|&i| archive.report(i).year == year)
        .collect()
}

/// The long table of the given reports as gzip-compressed CSV.
fn long_csv_gz(archive: &Archive<'_>, reports: &[usize]) -> Result<Vec<u8>, String> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut line = b"\xEF\xBB\xBF".to_vec();
    line.extend(LONG_COLUMNS.join(",").as_bytes());
    line.push(b'\n');
    let mut value = Vec::new();
    for &i in reports {
        let rf = ReportFields::new(archive, i);
        each_cell(archive, i, |_, labels, c| {
            line.extend_from_slice(&rf.csv);
            line.extend_from_slice(&labels.csv);
            value.clear();
            data::write_value(&mut value, &c);
            line.extend_from_slice(&value);
            line.push(b',');
            if let Some(p) = data::printed_if_different(&c) {
                line.extend(data::csv_field(p.as_bytes()));
            }
            line.extend_from_slice(if c.is_empty() { b",true," } else { b",false," });
            if let Some(codes) = rf.acknowledged(labels.fields[6].data()) {
                line.extend_from_slice(codes.as_bytes());
            }
            line.push(b'\n');
        });
        gz.write_all(&line).map_err(|e| e.to_string())?;
        line.clear();
    }
    gz.finish().map_err(|e| e.to_string())
}

/// The Parquet schema of the long table.
fn parquet_schema() -> Result<Arc<Type>, String> {
    let text = |name: &str, rep: Repetition| {
        Type::primitive_type_builder(name, Physical::BYTE_ARRAY)
            .with_repetition(rep)
            .with_logical_type(Some(LogicalType::String))
            .build()
    };
    let fields = LONG_COLUMNS
        .iter()
        .map(|&name| {
            let t = match name {
                "year" => Type::primitive_type_builder(name, Physical::INT32)
                    .with_repetition(Repetition::REQUIRED)
                    .build(),
                "value" => Type::primitive_type_builder(name, Physical::DOUBLE)
                    .with_repetition(Repetition::OPTIONAL)
                    .build(),
                "empty" => Type::primitive_type_builder(name, Physical::BOOLEAN)
                    .with_repetition(Repetition::REQUIRED)
                    .build(),
                "region" | "printed" | "acknowledged" => text(name, Repetition::OPTIONAL),
                _ => text(name, Repetition::REQUIRED),
            };
            t.map(Arc::new)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    Type::group_type_builder("cells")
        .with_fields(fields)
        .build()
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

/// A report's fields, its format, and its present cells (position in the format's labels).
type ReportCells = (ReportFields, usize, Vec<(usize, Cell)>);

/// The long table of the given reports as a Parquet file (dictionary-encoded, uncompressed:
/// the labels repeat, so dictionaries alone make it small; no statistics, which cost more
/// than the rest and help no reader of files this size). Written column by column over row
/// groups of [`ROW_GROUP_REPORTS`] reports, so memory holds one column of one row group.
fn long_parquet(archive: &Archive<'_>, reports: &[usize]) -> Result<Vec<u8>, String> {
    let err = |e: parquet::errors::ParquetError| e.to_string();
    let props = Arc::new(
        WriterProperties::builder()
            .set_created_by("gongkai".to_string())
            .set_statistics_enabled(parquet::file::properties::EnabledStatistics::None)
            .build(),
    );
    // This file's own copies of the labels: the shared ones would have every thread that
    // writes a year count references on the same memory.
    let own: Vec<Vec<[ByteArray; 7]>> = labels()
        .iter()
        .map(|cells| {
            cells
                .iter()
                .map(|c| c.fields.clone().map(|b| ByteArray::from(b.data().to_vec())))
                .collect()
        })
        .collect();
    let mut w = SerializedFileWriter::new(Vec::new(), parquet_schema()?, props).map_err(err)?;
    let mut text: Vec<ByteArray> = Vec::new();
    let mut def: Vec<i16> = Vec::new();
    for chunk in reports.chunks(ROW_GROUP_REPORTS) {
        // Each report's fields, and its present cells (position in the format's labels).
        let rows: Vec<ReportCells> = chunk
            .iter()
            .map(|&i| {
                let mut cells = Vec::with_capacity(256);
                each_cell(archive, i, |n, _, c| cells.push((n, c)));
                (
                    ReportFields::new(archive, i),
                    archive.report(i).format,
                    cells,
                )
            })
            .collect();
        let mut rg = w.next_row_group().map_err(err)?;
        let mut n = 0;
        while let Some(mut col) = rg.next_column().map_err(err)? {
            let name = LONG_COLUMNS[n];
            text.clear();
            def.clear();
            // Text columns: one value per cell, or none (with its definition level) for an
            // optional one.
            let mut put = |v: Option<ByteArray>| match v {
                Some(v) => {
                    text.push(v);
                    def.push(1);
                }
                None => def.push(0),
            };
            let written = match name {
                "year" => {
                    let years: Vec<i32> = rows
                        .iter()
                        .flat_map(|(rf, _, cells)| std::iter::repeat_n(rf.year, cells.len()))
                        .collect();
                    col.typed::<Int32Type>().write_batch(&years, None, None)
                }
                "value" => {
                    let mut values = Vec::new();
                    for (_, _, cells) in &rows {
                        for (_, c) in cells {
                            // A double holds every printed figure exactly (integers, and
                            // amounts of up to 15 significant digits); the exact text is in
                            // the CSV.
                            let v = match c {
                                Cell::Empty(_) => None,
                                Cell::Count(n) => Some(*n as f64),
                                Cell::Delta(n) => Some(*n as f64),
                                Cell::Amount(a) => a.normalized().to_f64(),
                            };
                            def.push(i16::from(v.is_some()));
                            values.extend(v);
                        }
                    }
                    col.typed::<DoubleType>()
                        .write_batch(&values, Some(&def), None)
                }
                "empty" => {
                    let empty: Vec<bool> = rows
                        .iter()
                        .flat_map(|(_, _, cells)| cells.iter().map(|(_, c)| c.is_empty()))
                        .collect();
                    col.typed::<BoolType>().write_batch(&empty, None, None)
                }
                _ => {
                    for (rf, format, cells) in &rows {
                        for (k, c) in cells {
                            let k = *k;
                            let label = &own[*format][k];
                            put(match name {
                                "agency" => Some(rf.text[0].clone()),
                                "agency_name" => Some(rf.text[1].clone()),
                                "level" => Some(rf.text[2].clone()),
                                "format" => Some(rf.text[3].clone()),
                                "region" => rf.region.clone(),
                                "printed" => data::printed_if_different(c)
                                    .map(|p| ByteArray::from(p.into_bytes())),
                                "acknowledged" => rf
                                    .acknowledged(label[6].data())
                                    .map(|s| ByteArray::from(s.as_bytes().to_vec())),
                                // The seven label columns, in LONG_COLUMNS order from `table`.
                                _ => Some(label[n - 6].clone()),
                            });
                        }
                    }
                    let optional = matches!(name, "region" | "printed" | "acknowledged");
                    col.typed::<ByteArrayType>().write_batch(
                        &text,
                        optional.then_some(&def[..]),
                        None,
                    )
                }
            };
            written.map_err(err)?;
            col.close().map_err(err)?;
            n += 1;
        }
        rg.close().map_err(err)?;
    }
    w.into_inner().map_err(err)
}

/// The paths of a year's long tables.
pub fn paths(year: i32) -> [String; 2] {
    [
        format!("data/long/{year}.csv.gz"),
        format!("data/long/{year}.parquet"),
    ]
}

/// Writes the per-year files of `years`: each year's workbook and, when the site publishes
/// research data, its long table as CSV and Parquet, side by side; returns how many files.
/// `bulk` gives the report order and each report's metadata columns.
pub fn write(
    theme: &super::Theme,
    archive: &Archive<'_>,
    bulk: &data::BulkTable,
    years: &[i32],
    sink: &dyn Sink,
) -> Result<usize, String> {
    use rayon::prelude::*;
    years.par_iter().try_for_each(|&y| {
        let reports = reports_of(&bulk.order, archive, y);
        let [csv_path, parquet_path] = paths(y);
        let long = archive.site.config.research_data;
        let (csv, (parquet, workbook)) = rayon::join(
            || {
                if !long {
                    return Ok(());
                }
                long_csv_gz(archive, &reports).and_then(|b| sink.write(&csv_path, &b))
            },
            || {
                rayon::join(
                    || {
                        if !long {
                            return Ok(());
                        }
                        long_parquet(archive, &reports).and_then(|b| sink.write(&parquet_path, &b))
                    },
                    || {
                        year_workbook(theme, archive, bulk, &reports, y)
                            .and_then(|b| sink.write(&workbook_path(y), &b))
                    },
                )
            },
        );
        csv.and(parquet).and(workbook)
    })?;
    let per_year = if archive.site.config.research_data {
        3
    } else {
        1
    };
    Ok(years.len() * per_year)
}

/// Metadata columns that hold numbers: numbers in the workbook, so they sort and sum.
const NUMERIC_META: &[&str] = &["year", "days_late", "acknowledged_findings", "empty_cells"];

/// The path of a year's workbook.
pub fn workbook_path(year: i32) -> String {
    format!("data/years/{year}.xlsx")
}

/// `data/years/<year>.xlsx`: the year's rows of the bulk table (one row per report, one
/// column per cell) for spreadsheets, with headers in the site language (the official
/// labels), only the columns of the year's formats, and a sheet that gives each header's key
/// in `reports.csv`. Per year, like `years/<year>.csv`: an edit rewrites its year only, and a
/// sheet stays under Excel's 1,048,576 rows at any scale.
fn year_workbook(
    theme: &super::Theme,
    archive: &Archive<'_>,
    bulk: &data::BulkTable,
    reports: &[usize],
    y: i32,
) -> Result<Vec<u8>, String> {
    let f = formats();
    let lang = theme.text("lang_code");
    let (keys, locations) = (bulk.keys(), bulk.locations());
    // The header of a cell key under format `fmt`, if the format has the cell.
    let column = |key: &str, fmt: usize| -> Option<String> {
        let fmt = &f.formats[fmt];
        let loc = f.locate(fmt, key)?;
        let t = &f.tables[fmt.tables[loc.table]];
        let ci = t.rows[loc.row].columns[loc.pos];
        let section = f
            .section_for_table(&t.key)
            .map_or(t.key.as_str(), |s| s.label(lang));
        Some(format!(
            "{section} / {} / {}",
            t.row_label(loc.row, lang),
            t.column_label(ci, lang)
        ))
    };
    // The year's formats, newest first: their labels head the columns.
    let mut fmts: Vec<usize> = reports.iter().map(|&i| archive.report(i).format).collect();
    fmts.sort_by_key(|&x| std::cmp::Reverse(f.formats[x].first_year));
    fmts.dedup();
    // (header, key) of each column the sheet keeps.
    let mut columns: Vec<(String, String)> = data::BULK_META
        .iter()
        .map(|m| (theme.text(&format!("xlsx_{m}")).to_string(), m.to_string()))
        .collect();
    let mut keep = vec![true; data::BULK_META.len()];
    for key in keys {
        let header = fmts.iter().find_map(|&x| column(key, x));
        keep.push(header.is_some());
        columns.extend(header.map(|h| (h, key.clone())));
    }
    for rate in &f.rates {
        columns.push((
            rate.label.get(lang).to_string(),
            format!("rate.{}", rate.id),
        ));
        keep.push(true);
    }
    let mut book = super::xlsx::Workbook::default();
    let mut sheet = book.sheet(
        &theme.text("xlsx_year_sheet").replace("{y}", &y.to_string()),
        &[18.0, 30.0, 10.0, 10.0, 24.0, 8.0, 8.0, 40.0, 12.0, 30.0],
    )?;
    sheet.row()?;
    for (h, _) in &columns {
        sheet.text(h);
    }
    for &i in reports {
        sheet.row()?;
        let mut n = 0;
        if !bulk.has(i) {
            return Err(format!("report {i} is not in the bulk table"));
        }
        let meta = data::bulk_meta(archive, i);
        data::bulk_values(archive, i, &meta, locations, |v| {
            let kept = keep.get(n).copied().unwrap_or(true);
            n += 1;
            if !kept {
                return Ok(());
            }
            let numeric_meta =
                n <= data::BULK_META.len() && NUMERIC_META.contains(&data::BULK_META[n - 1]);
            match v {
                data::BulkValue::Text(t) if numeric_meta && t.parse::<i64>().is_ok() => {
                    sheet.number(t)
                }
                data::BulkValue::Text("") => sheet.blank(),
                data::BulkValue::Text(t) => sheet.text(t),
                data::BulkValue::Integer(d) | data::BulkValue::Decimal(d) => sheet.number(d),
                data::BulkValue::Null => sheet.blank(),
                data::BulkValue::NotInFormat => sheet.text("NA"),
            }
            Ok(())
        })?;
    }
    sheet.end()?;
    // The key of every header, for joining with reports.csv and the codebook.
    let mut guide = book.sheet(theme.text("xlsx_columns_sheet"), &[80.0, 50.0])?;
    guide.row()?;
    guide.text(theme.text("xlsx_header"));
    guide.text(theme.text("xlsx_key"));
    for (header, key) in &columns {
        guide.row()?;
        guide.text(header);
        guide.text(key);
    }
    guide.end()?;
    book.finish()
}
