//! Open data: every cell of every report as JSON and CSV, bulk files, a static JSON API and
//! the JSON Schema of the per-report JSON. Documented on the site's data page (data.html).
//!
//! Stable keys: a cell is `table.row.column` (`requests.granted.natural_person`), as in
//! `formats.toml`. A cell printed empty is `null` (per-report JSON, where each table row is an
//! array in the column order `labels.json` gives) or an empty field with `empty` true (CSV),
//! never 0; a cell the report's format does not have is absent (JSON) or `NA` (bulk CSV).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Value, json};

use super::{Archive, Sink, urls};
use crate::derive;
use crate::format::{Column, Kind, formats};
use crate::model::{Amount, Blank, Cell, Report};
use crate::numtext;
use rust_decimal::Decimal;

/// The JSON Schema of `data/reports/<agency>/<year>.json` (draft 2020-12).
pub const SCHEMA: &str = include_str!("report.schema.json");
pub const SCHEMA_VERSION: u32 = 3;

/// The printed text of a cell when it differs from its value's text: a unit, or the dash
/// of a cell printed empty.
pub(super) fn printed_if_different(c: &Cell) -> Option<String> {
    match c {
        Cell::Empty(b) if !b.is_empty() => Some(b.as_str().to_string()),
        Cell::Amount(a) if a.printed.is_some() => Some(a.printed_text()),
        Cell::Amount(a) if a.unit.as_deref().is_some_and(|u| !u.is_empty()) => Some(a.to_string()),
        _ => None,
    }
}

/// An amount read back from the data files: the printed text when there is one (read as the
/// loader reads it), else the plain value.
fn amount_from_data(value: &str, printed: &str, col: &Column) -> Option<Amount> {
    let value: Decimal = value.parse().ok()?;
    if !printed.is_empty()
        && let Some(a) = crate::load::report::amount_in_column(printed, col.unit.as_deref())
        && a.normalized() == value
    {
        return Some(a);
    }
    Some(Amount::plain(value))
}

/// Reads a cell back from its JSON form (the inverse of [`cell_json`]), given the column.
pub fn cell_from_json(col: &Column, value: &Value, printed: &str) -> Option<Cell> {
    match (col.kind, value) {
        (_, Value::Null) => Blank::of(printed).map(Cell::Empty),
        (Kind::Count, v) => v.as_u64().map(Cell::Count),
        (Kind::Delta, v) => v.as_i64().map(Cell::Delta),
        (Kind::Amount, Value::String(s)) => amount_from_data(s, printed, col).map(Cell::amount),
        _ => None,
    }
}

/// Reads a cell back from the per-report CSV fields (value, printed): a cell printed blank
/// has no value.
pub fn cell_from_csv(col: &Column, value: &str, printed: &str) -> Option<Cell> {
    if value.is_empty() {
        return Blank::of(printed).map(Cell::Empty);
    }
    match col.kind {
        Kind::Count => value.parse().ok().map(Cell::Count),
        Kind::Delta => value.parse().ok().map(Cell::Delta),
        Kind::Amount => amount_from_data(value, printed, col).map(Cell::amount),
    }
}

fn report_paths(r: &Report) -> (String, String) {
    (
        format!("data/reports/{}/{}.json", r.agency, r.year),
        format!("data/reports/{}/{}.csv", r.agency, r.year),
    )
}

/// The parts of the per-report JSON and CSV that are the same in every report of a format
/// (labels, keys, column lists), serialized once: a report then only writes its values.
struct DataPieces {
    /// `"format":{…}`, with the comma before it.
    format: Vec<u8>,
    tables: Vec<TablePieces>,
    /// Figures without per-column cells: (index into `figures`, `"id":{"result":`).
    figures: Vec<(usize, Vec<u8>)>,
    /// Per rate: `"id":{"percent":`.
    rates: Vec<Vec<u8>>,
}

struct TablePieces {
    /// `"key":{`
    head: Vec<u8>,
    rows: Vec<RowPieces>,
}

struct RowPieces {
    /// `"row":[`
    head: Vec<u8>,
    /// Per cell position: the CSV key `table.row.column` (also the key of `printed`).
    csv_keys: Vec<String>,
}

/// Appends `v` as JSON (strings escaped by serde_json, so the text is what `Serialize` gives).
fn put<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    // Writing into a Vec cannot fail, and these values always serialize.
    let _ = serde_json::to_writer(&mut *out, v);
}

/// `"key":` for a JSON object member.
fn put_key(out: &mut Vec<u8>, key: &str) {
    put(out, key);
    out.push(b':');
}

fn data_pieces() -> &'static [DataPieces] {
    static PIECES: std::sync::OnceLock<Vec<DataPieces>> = std::sync::OnceLock::new();
    PIECES.get_or_init(|| {
        let f = formats();
        f.formats
            .iter()
            .map(|fmt| {
                let mut format = b",\"format\":".to_vec();
                put(
                    &mut format,
                    &json!({ "id": fmt.id, "name": fmt.label.zh, "document": fmt.document }),
                );
                let tables = f
                    .tables_of(fmt)
                    .map(|t| {
                        let mut head = Vec::new();
                        put_key(&mut head, &t.key);
                        head.push(b'{');
                        let rows = t
                            .rows
                            .iter()
                            .map(|row| {
                                let mut head = Vec::new();
                                put_key(&mut head, &row.key);
                                head.push(b'[');
                                let csv_keys = row
                                    .columns
                                    .iter()
                                    .map(|&ci| {
                                        format!("{}.{}.{}", t.key, row.key, t.columns[ci].key)
                                    })
                                    .collect();
                                RowPieces { head, csv_keys }
                            })
                            .collect();
                        TablePieces { head, rows }
                    })
                    .collect();
                let figures = f
                    .figures
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| x.per_column.is_none())
                    .map(|(i, fig)| {
                        let mut p = Vec::new();
                        put_key(&mut p, &fig.id);
                        p.extend_from_slice(b"{\"result\":");
                        (i, p)
                    })
                    .collect();
                let rates = f
                    .rates
                    .iter()
                    .map(|rate| {
                        let mut p = Vec::new();
                        put_key(&mut p, &rate.id);
                        p.extend_from_slice(b"{\"percent\":");
                        p
                    })
                    .collect();
                DataPieces {
                    format,
                    tables,
                    figures,
                    rates,
                }
            })
            .collect()
    })
}

/// `data/labels.json`: the official labels of every key of the per-report JSON, once per
/// format (tables with their columns and rows, figures, rates), so that a report's JSON
/// holds only its keys and values.
pub fn labels_json() -> Value {
    let f = formats();
    let formats: serde_json::Map<String, Value> = f
        .formats
        .iter()
        .map(|fmt| {
            let tables: serde_json::Map<String, Value> = f
                .tables_of(fmt)
                .map(|t| {
                    let columns: Vec<Value> = t
                        .columns
                        .iter()
                        .enumerate()
                        .map(|(ci, c)| {
                            json!({
                                "key": c.key,
                                "label": t.column_label(ci, "zh"),
                                "label_en": t.column_label(ci, "en"),
                                "unit": c.unit,
                            })
                        })
                        .collect();
                    let rows: Vec<Value> = t
                        .rows
                        .iter()
                        .enumerate()
                        .map(|(ri, row)| {
                            json!({
                                "key": row.key,
                                "label": t.row_label(ri, "zh"),
                                "label_en": t.row_label(ri, "en"),
                                "block": t.blocks[row.block].caption.as_ref().map(|c| c.zh.as_str()),
                                "columns": row.columns.iter().map(|&ci| t.columns[ci].key.as_str()).collect::<Vec<_>>(),
                            })
                        })
                        .collect();
                    let label = f.section_for_table(&t.key).map_or("", |s| s.zh.as_str());
                    (
                        t.key.clone(),
                        json!({ "label": label, "columns": columns, "rows": rows }),
                    )
                })
                .collect();
            let figures: serde_json::Map<String, Value> = f
                .figures
                .iter()
                .filter(|x| x.per_column.is_none())
                .map(|fig| {
                    (
                        fig.id.clone(),
                        json!({ "label": fig.label.zh, "label_en": fig.label.en }),
                    )
                })
                .collect();
            let rates: serde_json::Map<String, Value> = f
                .rates
                .iter()
                .map(|rate| {
                    (
                        rate.id.clone(),
                        json!({
                            "label": rate.label.zh,
                            "label_en": rate.label.en,
                            "definition": rate.definition.zh,
                        }),
                    )
                })
                .collect();
            (
                fmt.id.clone(),
                json!({
                    "name": fmt.label.zh,
                    "document": fmt.document,
                    "tables": tables,
                    "figures": figures,
                    "rates": rates,
                }),
            )
        })
        .collect();
    json!({ "schema_version": SCHEMA_VERSION, "formats": formats })
}

/// A cell's value as the data files write it: the number, or an amount's exact decimal
/// without its unit; nothing for a cell printed empty.
pub(super) fn write_value(out: &mut Vec<u8>, c: &Cell) {
    match c {
        Cell::Empty(_) => {}
        Cell::Count(n) => numtext::int(out, *n),
        Cell::Delta(n) => numtext::int(out, *n),
        Cell::Amount(a) => numtext::decimal(out, a.normalized()),
    }
}

/// Appends a cell's value as JSON: an integer, an exact decimal string, or null.
fn put_cell(out: &mut Vec<u8>, c: &Cell) {
    match c {
        Cell::Empty(_) => out.extend_from_slice(b"null"),
        Cell::Amount(_) => {
            out.push(b'"');
            write_value(out, c);
            out.push(b'"');
        }
        _ => write_value(out, c),
    }
}

/// The per-report JSON document (schema: `report.schema.json`). Tables are listed by row,
/// each row an array of values: the labels and column orders are in `labels.json`, once per
/// format (labels were two thirds of every report's JSON, and column keys half the rest).
/// Written from [`DataPieces`]; the text is what serde_json gives for the document's fields
/// in this order.
pub fn report_json(archive: &Archive<'_>, i: usize) -> Vec<u8> {
    let f = formats();
    let pieces = &data_pieces()[archive.report(i).format];
    let r = archive.report(i);
    let m = archive.metrics(i);
    let a = archive.agency(&r.agency);
    let mut out = Vec::with_capacity(20 * 1024);
    out.extend_from_slice(b"{\"schema_version\":");
    put(&mut out, &SCHEMA_VERSION);
    out.extend_from_slice(b",\"agency\":");
    put(
        &mut out,
        &json!({
            "slug": r.agency,
            "name": a.map(|a| a.name.as_str()),
            "short_name": a.map(|a| a.short()),
            "level": a.map(|a| a.level.key()),
            "tier": a.and_then(|a| a.tier.map(|t| t.key())),
            "region": a.and_then(|a| a.region.as_deref()),
            "parent": a.and_then(|a| a.parent.as_deref()),
        }),
    );
    out.extend_from_slice(b",\"year\":");
    put(&mut out, &r.year);
    out.extend_from_slice(&pieces.format);
    out.extend_from_slice(b",\"title\":");
    put(&mut out, &r.title(a.map_or(&r.agency, |a| &a.name)));
    for (key, v) in [
        ("agency_name_printed", &r.meta.agency_name),
        ("published", &r.meta.published),
        ("source_url", &r.meta.source_url),
        ("source", &r.meta.source),
    ] {
        out.push(b',');
        put_key(&mut out, key);
        put(&mut out, v);
    }
    out.extend_from_slice(b",\"page\":");
    put(&mut out, &urls::report(&r.agency, r.year));
    // Each row one array in the printed column order (labels.json lists a row's columns), as
    // the report file writes it; the keys per cell were two thirds of the file. A row the
    // report lacks is left out; a cell printed empty is null.
    out.extend_from_slice(b",\"tables\":{");
    let mut printed: Vec<(&str, String)> = Vec::new();
    for (ti, (t, data)) in pieces.tables.iter().zip(&r.tables).enumerate() {
        if ti > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&t.head);
        // A row that was read has every cell of the format's row (the loader's invariant).
        let read = t
            .rows
            .iter()
            .zip(data.rows())
            .filter_map(|(p, d)| Some((p, d?)));
        for (n, (row, cells)) in read.enumerate() {
            if n > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&row.head);
            for (pos, (key, c)) in row.csv_keys.iter().zip(cells.cells()).enumerate() {
                if pos > 0 {
                    out.push(b',');
                }
                put_cell(&mut out, &c);
                if let Some(text) = printed_if_different(&c) {
                    printed.push((key, text));
                }
            }
            out.push(b']');
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"},\"printed\":{");
    for (n, (key, text)) in printed.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        put_key(&mut out, key);
        put(&mut out, text);
    }
    out.extend_from_slice(b"},\"figures\":{");
    for (n, (fi, head)) in pieces.figures.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(head);
        let fig = &f.figures[*fi];
        let result = match m.figure(fig) {
            derive::FigureValue::NotComparable => None,
            derive::FigureValue::Empty => Some(FigureResult {
                value: None,
                empty_cells: fig.cells_in(r.format, None).map_or(0, <[_]>::len),
            }),
            derive::FigureValue::Value { sum, empty } => Some(FigureResult {
                value: Some(numtext::decimal_text(sum)),
                empty_cells: empty,
            }),
        };
        put(&mut out, &result);
        out.push(b'}');
    }
    out.extend_from_slice(b"},\"rates\":{");
    for (n, (rate, head)) in f.rates.iter().zip(&pieces.rates).enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(head);
        put(&mut out, &m.rate(rate).map(|d| d.to_string()));
        out.push(b'}');
    }
    out.extend_from_slice(b"},\"validation\":");
    let acknowledged: Vec<Value> = archive
        .acks
        .get(&r.path)
        .map(|v| v.iter().map(|x| json!({ "check": x.code, "label": x.label, "note": x.note, "cells": x.cells })).collect())
        .unwrap_or_default();
    put(&mut out, &json!({ "acknowledged": acknowledged }));
    out.push(b'}');
    out
}

#[derive(Serialize)]
struct FigureResult {
    /// The exact sum, or `null` when every cell was printed empty.
    value: Option<String>,
    empty_cells: usize,
}

pub(super) fn csv_bytes(rows: Vec<Vec<String>>) -> Result<Vec<u8>, String> {
    // A UTF-8 BOM, so Excel opens Chinese text correctly.
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    for r in rows {
        w.write_record(r.iter().map(|f| inert(f.as_bytes())))
            .map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

/// A CSV field a spreadsheet cannot run: text that starts like a formula (`=`, `+`, `-`, `@`,
/// a tab or a carriage return) gets a leading `'`, which spreadsheets read as "this is text".
/// Numbers (`-3`, `+0.5`) stay numbers, and a lone `-` (a printed blank) stays as printed.
pub fn inert(field: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let risky = match field.first() {
        Some(b'=' | b'@' | b'\t' | b'\r') => true,
        Some(b'+' | b'-') => field.len() > 1 && !is_number(&field[1..]),
        _ => false,
    };
    if risky {
        let mut out = Vec::with_capacity(field.len() + 1);
        out.push(b'\'');
        out.extend_from_slice(field);
        std::borrow::Cow::Owned(out)
    } else {
        std::borrow::Cow::Borrowed(field)
    }
}

/// Digits with at most one decimal point.
fn is_number(s: &[u8]) -> bool {
    let digits = s.iter().filter(|b| b.is_ascii_digit()).count();
    let points = s.iter().filter(|&&b| b == b'.').count();
    digits > 0 && digits + points == s.len() && points <= 1
}

/// The per-report CSV: one row per cell (`key` is `table.row.column`). A cell printed blank is
/// the one without a value (a flag saying so was an eighth of the file).
pub const REPORT_CSV_HEADER: &[&str] = &["key", "value", "printed"];

/// The per-report CSV: one row per cell, keyed `table.row.column`. The labels of every key
/// are in the codebook, `data/cells.csv`.
pub fn report_csv(r: &Report) -> Result<Vec<u8>, String> {
    // A UTF-8 BOM, so Excel opens Chinese text correctly.
    let mut out = Vec::with_capacity(12 * 1024);
    out.extend_from_slice(b"\xEF\xBB\xBF");
    out.extend(csv_record(REPORT_CSV_HEADER.iter().map(|h| h.as_bytes()))?);
    let mut value = Vec::new();
    for (t, data) in data_pieces()[r.format].tables.iter().zip(&r.tables) {
        for (ri, row) in t.rows.iter().enumerate() {
            for (pos, key) in row.csv_keys.iter().enumerate() {
                let Some(c) = data.cell(ri, pos) else {
                    continue;
                };
                value.clear();
                write_value(&mut value, &c);
                match printed_if_different(&c) {
                    // Text as printed goes through the csv crate, which quotes it as needed.
                    Some(p) => out.extend(csv_record([key.as_bytes(), &value, p.as_bytes()])?),
                    // A key and a number never need quoting (keys: tested), and a csv
                    // writer per row cost more than the rest of the data files. `printed` is
                    // left empty when it would repeat the value, as in the JSON and the long
                    // tables (it was a fifth of the file).
                    None => {
                        for field in [key.as_bytes(), b",", &value, b","] {
                            out.extend_from_slice(field);
                        }
                        out.push(b'\n');
                    }
                }
            }
        }
    }
    Ok(out)
}

/// One CSV field (without a delimiter), quoted by the csv crate as needed and made
/// [`inert`]. Empty stays empty (the csv crate quotes a record of one empty field).
pub(super) fn csv_field(field: &[u8]) -> Vec<u8> {
    if field.is_empty() {
        return Vec::new();
    }
    match csv_record([field]) {
        Ok(mut v) => {
            while v.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                v.pop();
            }
            v
        }
        // Writing into memory does not fail; keep the text rather than lose it.
        Err(_) => inert(field).into_owned(),
    }
}

/// One CSV record (with its line end), quoted by the csv crate.
fn csv_record<'a>(fields: impl IntoIterator<Item = &'a [u8]>) -> Result<Vec<u8>, String> {
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(256)
        .from_writer(Vec::new());
    w.write_record(fields.into_iter().map(inert))
        .map_err(|e| e.to_string())?;
    w.into_inner().map_err(|e| e.to_string())
}

/// The codebook: every cell key of every format with its official labels.
pub fn codebook_csv() -> Result<Vec<u8>, String> {
    let f = formats();
    let mut rows = vec![
        [
            "key",
            "table",
            "row",
            "column",
            "block",
            "row_label",
            "column_label",
            "row_label_en",
            "column_label_en",
            "formats",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>(),
    ];
    for key in all_cell_keys() {
        let p: Vec<&str> = key.splitn(3, '.').collect();
        let mut labels: Option<Vec<String>> = None;
        let mut in_formats = Vec::new();
        for fmt in &f.formats {
            let Some(loc) = f.locate(fmt, &key) else {
                continue;
            };
            in_formats.push(fmt.id.clone());
            if labels.is_none() {
                let t = &f.tables[fmt.tables[loc.table]];
                let ci = t.rows[loc.row].columns[loc.pos];
                let block = t.blocks[t.rows[loc.row].block]
                    .caption
                    .as_ref()
                    .map_or(String::new(), |c| c.zh.clone());
                labels = Some(vec![
                    block,
                    t.row_label(loc.row, "zh").to_string(),
                    t.column_label(ci, "zh").to_string(),
                    t.row_label(loc.row, "en").to_string(),
                    t.column_label(ci, "en").to_string(),
                ]);
            }
        }
        let mut row = vec![
            key.clone(),
            p[0].to_string(),
            p[1].to_string(),
            p[2].to_string(),
        ];
        row.extend(labels.unwrap_or_default());
        row.push(in_formats.join(" "));
        rows.push(row);
    }
    csv_bytes(rows)
}

/// Every cell key of every format, in a stable order (newest format first).
pub fn all_cell_keys() -> Vec<String> {
    let f = formats();
    let mut fmts: Vec<_> = f.formats.iter().collect();
    fmts.sort_by_key(|x| std::cmp::Reverse(x.first_year));
    let mut keys = Vec::new();
    for fmt in fmts {
        for t in f.tables_of(fmt) {
            for r in &t.rows {
                for &c in &r.columns {
                    let k = format!("{}.{}.{}", t.key, r.key, t.columns[c].key);
                    if !keys.contains(&k) {
                        keys.push(k);
                    }
                }
            }
        }
    }
    keys
}

/// Metadata columns of the bulk CSV, before the cells.
pub const BULK_META: &[&str] = &[
    "agency",
    "agency_name",
    "level",
    "tier",
    "region",
    "year",
    "format",
    "title",
    "published",
    "source_url",
    "days_late",
    "acknowledged_findings",
    "empty_cells",
];

fn bulk_header(keys: &[String]) -> Vec<String> {
    let f = formats();
    let mut h: Vec<String> = BULK_META.iter().map(|s| s.to_string()).collect();
    h.extend(keys.iter().cloned());
    h.extend(f.rates.iter().map(|r| format!("rate.{}", r.id)));
    h
}

/// Where each key of [`all_cell_keys`] is in each format: (table position, row, position in
/// the row), or `None` when the format has no such cell. Computed once per build.
pub(super) type Locations = Vec<Vec<Option<(usize, usize, usize)>>>;

fn cell_locations(keys: &[String]) -> Locations {
    let f = formats();
    f.formats
        .iter()
        .map(|fmt| {
            keys.iter()
                .map(|k| {
                    let p: Vec<&str> = k.splitn(3, '.').collect();
                    let (ti, t) = f.table_of(fmt, p.first()?)?;
                    let ri = t.row_index(p.get(1)?)?;
                    let ci = t.column_index(p.get(2)?)?;
                    let pos = t.rows[ri].columns.iter().position(|&c| c == ci)?;
                    Some((ti, ri, pos))
                })
                .collect()
        })
        .collect()
}

/// Report `i`'s metadata columns of the bulk tables ([`BULK_META`]); made again for the
/// workbooks rather than kept with every row (half a KB a report).
pub(super) fn bulk_meta(archive: &Archive<'_>, i: usize) -> [String; 13] {
    let r = archive.report(i);
    let a = archive.agency(&r.agency);
    [
        r.agency.clone(),
        a.map_or(String::new(), |a| a.name.clone()),
        a.map_or(String::new(), |a| a.level.key().to_string()),
        a.and_then(|a| a.tier.map(|t| t.key().to_string()))
            .unwrap_or_default(),
        a.and_then(|a| a.region.clone()).unwrap_or_default(),
        r.year.to_string(),
        r.format().id.clone(),
        r.title(a.map_or(&r.agency, |a| &a.name)),
        r.meta.published.clone().unwrap_or_default(),
        r.meta.source_url.clone().unwrap_or_default(),
        // Flags for analysis: late publication (check D2), published inconsistencies the
        // file explains, cells printed blank.
        r.days_late()
            .map(|d| d.max(0).to_string())
            .unwrap_or_default(),
        archive.acks.get(&r.path).map_or(0, Vec::len).to_string(),
        r.tables
            .iter()
            .flat_map(|t| t.cells())
            .filter(|c| c.is_empty())
            .count()
            .to_string(),
    ]
}

/// Report indices in a stable order: agency display order, then year.
fn order(archive: &Archive<'_>) -> Vec<usize> {
    archive
        .agencies
        .iter()
        .flat_map(|a| archive.by_agency.get(&a.slug).cloned().unwrap_or_default())
        .collect()
}

/// One report's row of the bulk tables, encoded once: memory stays a few KB per report
/// (a row of ~300 separate strings would take ten times that).
struct BulkRow {
    year: i32,
    /// The CSV line, with its line end.
    csv: Vec<u8>,
    /// The JSON array.
    json: String,
}

/// One field of a report's row of the bulk tables, as each encoding (CSV, JSON, workbook)
/// receives it.
pub(super) enum BulkValue<'a> {
    /// Metadata, or a figure printed with text that is not a number.
    Text(&'a str),
    /// A whole number (a count, a change, a whole amount or rate).
    Integer(&'a str),
    /// An exact decimal (an amount in 万元, a rate).
    Decimal(&'a str),
    /// A cell printed empty, or a rate that cannot be computed.
    Null,
    /// A cell the report's format does not have (`NA`).
    NotInFormat,
}

/// Calls `f` with each field of report `i`'s bulk row: [`BULK_META`], one per cell key (in
/// `locations` order), then the rates.
pub(super) fn bulk_values(
    archive: &Archive<'_>,
    i: usize,
    meta: &[String; 13],
    locations: &Locations,
    mut f: impl FnMut(BulkValue<'_>) -> Result<(), String>,
) -> Result<(), String> {
    let r = archive.report(i);
    for m in meta {
        f(BulkValue::Text(m))?;
    }
    let mut text = String::new();
    let mut digits = Vec::new();
    // A decimal's text: whole, exact decimal, or (never for data the loader accepted) text.
    let number = |text: &str, f: &mut dyn FnMut(BulkValue<'_>) -> Result<(), String>| {
        if text.parse::<i64>().is_ok() {
            f(BulkValue::Integer(text))
        } else if text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        {
            f(BulkValue::Decimal(text))
        } else {
            f(BulkValue::Text(text))
        }
    };
    for loc in &locations[r.format] {
        let cell = match loc {
            None => {
                f(BulkValue::NotInFormat)?;
                continue;
            }
            Some((ti, ri, pos)) => r.tables[*ti].cell(*ri, *pos),
        };
        match cell {
            Some(Cell::Empty(_)) | None => f(BulkValue::Null)?,
            Some(c @ (Cell::Count(_) | Cell::Delta(_))) => {
                digits.clear();
                write_value(&mut digits, &c);
                f(BulkValue::Integer(
                    std::str::from_utf8(&digits).unwrap_or(""),
                ))?;
            }
            // The figure in 万元 (Amount::normalized), comparable across reports.
            Some(Cell::Amount(a)) => {
                text.clear();
                numtext::decimal(&mut text, a.normalized());
                number(&text, &mut f)?;
            }
        }
    }
    let m = archive.metrics(i);
    for rate in &formats().rates {
        match m.rate(rate) {
            Some(d) => {
                text.clear();
                numtext::decimal(&mut text, d);
                number(&text, &mut f)?;
            }
            None => f(BulkValue::Null)?,
        }
    }
    Ok(())
}

impl BulkRow {
    /// The row's CSV line and JSON array, written side by side: metadata as text (quoted by
    /// the csv crate and serde_json), then one column per cell: empty / `null` for a cell
    /// printed empty, `NA` where the report's format has no such cell, numbers as numbers
    /// (an amount as a JSON string, exact, as printed), then the rates.
    fn new(archive: &Archive<'_>, i: usize, locations: &Locations) -> Result<BulkRow, String> {
        let mut csv = Vec::with_capacity(2048);
        let mut json = String::with_capacity(2048);
        json.push('[');
        let mut first = true;
        let meta = bulk_meta(archive, i);
        bulk_values(archive, i, &meta, locations, |v| {
            if !first {
                csv.push(b',');
                json.push(',');
            }
            first = false;
            match v {
                BulkValue::Text(t) => {
                    csv.extend(csv_field(t.as_bytes()));
                    json.push_str(&serde_json::to_string(t).map_err(|e| e.to_string())?);
                }
                BulkValue::Integer(n) => {
                    csv.extend_from_slice(n.as_bytes());
                    json.push_str(n);
                }
                // Exact, as a JSON string.
                BulkValue::Decimal(d) => {
                    csv.extend_from_slice(d.as_bytes());
                    json.push('"');
                    json.push_str(d);
                    json.push('"');
                }
                BulkValue::Null => json.push_str("null"),
                BulkValue::NotInFormat => {
                    csv.extend_from_slice(b"NA");
                    json.push_str("\"NA\"");
                }
            }
            Ok(())
        })?;
        csv.push(b'\n');
        json.push(']');
        // Rows are ~0.8 KB each, built in 2 KB buffers: without the spare room a 50,000-report
        // build holds 150 MB less.
        csv.shrink_to_fit();
        json.shrink_to_fit();
        Ok(BulkRow {
            year: archive.report(i).year,
            csv,
            json,
        })
    }
}

/// What `reports.json` ends with, after its last row.
const JSON_TAIL: &[u8] = b"]}\n";

/// The bulk tables in memory (one row per report, in document order), so watch mode can
/// replace a report's row and rewrite the bulk files without recomputing the others.
pub struct BulkTable {
    pub order: Vec<usize>,
    /// The header line, with the UTF-8 BOM that makes Excel read Chinese text.
    header_csv: Vec<u8>,
    header_json: String,
    /// Every cell key ([`all_cell_keys`]) and where each is in each format.
    keys: Vec<String>,
    locations: Locations,
    rows: Vec<BulkRow>,
    /// Each report's row in `rows` (by report index).
    position: Vec<Option<usize>>,
}

impl BulkTable {
    pub fn build(archive: &Archive<'_>) -> Result<BulkTable, String> {
        Self::build_for(archive, |_| true, true)
    }

    /// The table's layout for every report without its rows, for a build that writes the
    /// bulk files with [`BulkTable::write_streamed`] and keeps nothing for later updates.
    pub fn layout(archive: &Archive<'_>) -> Result<BulkTable, String> {
        Self::build_for(archive, |_| true, false)
    }

    /// The rows of the reports of `years` only: enough for those years' files, and for the
    /// archive-wide files by [`BulkTable::splice`].
    pub fn build_years(archive: &Archive<'_>, years: &BTreeSet<i32>) -> Result<BulkTable, String> {
        Self::build_for(archive, |y| years.contains(&y), true)
    }

    fn build_for(
        archive: &Archive<'_>,
        keep: impl Fn(i32) -> bool + Sync,
        with_rows: bool,
    ) -> Result<BulkTable, String> {
        use rayon::prelude::*;
        let order = order(archive);
        let kept: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| keep(archive.report(i).year))
            .collect();
        let keys = all_cell_keys();
        let locations = cell_locations(&keys);
        let rows = match with_rows {
            true => kept
                .par_iter()
                .map(|&i| BulkRow::new(archive, i, &locations))
                .collect::<Result<Vec<_>, String>>()?,
            false => Vec::new(),
        };
        let header = bulk_header(&keys);
        let mut header_csv = b"\xEF\xBB\xBF".to_vec();
        header_csv.extend(csv_record(header.iter().map(|h| h.as_bytes()))?);
        let mut position = vec![None; archive.site.reports.len()];
        for (k, &i) in kept.iter().enumerate() {
            if let Some(p) = position.get_mut(i) {
                *p = Some(k);
            }
        }
        Ok(BulkTable {
            order,
            header_json: serde_json::to_string(&header).map_err(|e| e.to_string())?,
            header_csv,
            keys,
            locations,
            rows,
            position,
        })
    }

    /// Whether the table has every report's row (not [`BulkTable::build_years`]).
    pub fn complete(&self) -> bool {
        self.rows.len() == self.order.len()
    }

    /// Every cell key, in the order of the bulk tables' cell columns.
    pub(super) fn keys(&self) -> &[String] {
        &self.keys
    }

    /// Where each key is in each format.
    pub(super) fn locations(&self) -> &Locations {
        &self.locations
    }

    /// Whether report `i` is among the table's reports (every report, or those of the years
    /// of [`BulkTable::build_years`]), whether or not its row is held.
    pub(super) fn has(&self, i: usize) -> bool {
        self.position.get(i).is_some_and(Option::is_some)
    }

    /// Recomputes the rows of the given reports.
    pub fn update(&mut self, archive: &Archive<'_>, reports: &[usize]) -> Result<(), String> {
        for &ri in reports {
            if let Some(k) = self.position.get(ri).copied().flatten() {
                self.rows[k] = BulkRow::new(archive, ri, &self.locations)?;
            }
        }
        Ok(())
    }

    /// The CSV file of `rows`, as the pieces the table holds (see [`Sink::write_parts`]).
    fn csv<'a>(&'a self, rows: impl Iterator<Item = &'a BulkRow>) -> Vec<&'a [u8]> {
        std::iter::once(self.header_csv.as_slice())
            .chain(rows.map(|r| r.csv.as_slice()))
            .collect()
    }

    /// Writes reports.csv, reports.json and the per-year CSVs (of `years`, or all); returns
    /// how many files. The files are independent and each is one long serial copy (tens of
    /// MB at 50,000 reports), so they are written side by side.
    pub fn write(
        &self,
        archive: &Archive<'_>,
        years: Option<&BTreeSet<i32>>,
        sink: &dyn Sink,
    ) -> Result<usize, String> {
        use rayon::prelude::*;
        let years: Vec<i32> = archive
            .by_year
            .keys()
            .copied()
            .filter(|y| years.is_none_or(|ys| ys.contains(y)))
            .collect();
        let (all, by_year) = rayon::join(
            || {
                let (csv, json) = rayon::join(
                    || sink.write_parts("data/reports.csv", &self.csv(self.rows.iter())),
                    || sink.write_parts("data/reports.json", &self.json()),
                );
                csv.and(json)
            },
            || {
                years.par_iter().try_for_each(|y| {
                    sink.write_parts(
                        &format!("data/years/{y}.csv"),
                        &self.csv(self.rows.iter().filter(|r| r.year == *y)),
                    )
                })
            },
        );
        all.and(by_year)?;
        Ok(2 + years.len())
    }

    /// The files [`BulkTable::write`] writes for every year, from rows made a few thousand
    /// at a time and written as they are made, so that the rows of the whole archive are
    /// never held (80 MB at 50,000 reports). The table is a [`BulkTable::layout`].
    pub fn write_streamed(&self, archive: &Archive<'_>, sink: &dyn Sink) -> Result<usize, String> {
        // Rows made at once: enough to keep the cores busy between writes.
        self.write_streamed_in(archive, sink, 2048)
    }

    /// [`BulkTable::write_streamed`] making `chunk` rows at a time; public for the test that
    /// compares it with the files of the kept rows.
    pub fn write_streamed_in(
        &self,
        archive: &Archive<'_>,
        sink: &dyn Sink,
        chunk: usize,
    ) -> Result<usize, String> {
        use rayon::prelude::*;
        let mut csv = sink.stream("data/reports.csv")?;
        csv.put(&self.header_csv)?;
        let mut json = sink.stream("data/reports.json")?;
        for part in self.json_head() {
            json.put(part)?;
        }
        let mut years = BTreeMap::new();
        for &y in archive.by_year.keys() {
            let mut s = sink.stream(&format!("data/years/{y}.csv"))?;
            s.put(&self.header_csv)?;
            years.insert(y, s);
        }
        for (c, chunk) in self.order.chunks(chunk.max(1)).enumerate() {
            let rows = chunk
                .par_iter()
                .map(|&i| BulkRow::new(archive, i, &self.locations))
                .collect::<Result<Vec<_>, String>>()?;
            for (k, row) in rows.iter().enumerate() {
                csv.put(&row.csv)?;
                if c + k > 0 {
                    json.put(b",")?;
                }
                json.put(row.json.as_bytes())?;
                if let Some(s) = years.get_mut(&row.year) {
                    s.put(&row.csv)?;
                }
            }
        }
        json.put(JSON_TAIL)?;
        let files = 2 + years.len();
        csv.finish()?;
        json.finish()?;
        for s in years.into_values() {
            s.finish()?;
        }
        Ok(files)
    }

    /// What `reports.json` starts with, up to its first row.
    fn json_head(&self) -> [&[u8]; 3] {
        [
            b"{\"schema_version\":1,\"columns\":",
            self.header_json.as_bytes(),
            b",\"rows\":[",
        ]
    }

    /// The same table as JSON: column names once, then one array per report (as pieces).
    fn json(&self) -> Vec<&[u8]> {
        let mut out: Vec<&[u8]> = Vec::with_capacity(self.rows.len() * 2 + 4);
        out.extend(self.json_head());
        for (n, r) in self.rows.iter().enumerate() {
            if n > 0 {
                out.push(b",");
            }
            out.push(r.json.as_bytes());
        }
        out.push(JSON_TAIL);
        out
    }
}

impl BulkTable {
    /// `reports.csv` and `reports.json` as written before (`csv`, `json`: the files' bytes)
    /// with the rows of the `reports` replaced by this table's, which must have them; `None`
    /// when a file is not one this table's layout wrote (another header, another number of
    /// rows), so that nothing is guessed.
    pub fn splice(&self, reports: &[usize], csv: &[u8], json: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
        let mut new: BTreeMap<usize, &BulkRow> = BTreeMap::new();
        for &i in reports {
            let k = self.order.iter().position(|&x| x == i)?;
            new.insert(k, self.rows.get((*self.position.get(i)?)?)?);
        }
        // CSV: records end at a line end outside quotes.
        let mut csv_out = Vec::with_capacity(csv.len() + 4096);
        let mut at = self.header_csv.len();
        if !csv.starts_with(&self.header_csv) {
            return None;
        }
        csv_out.extend_from_slice(&self.header_csv);
        for k in 0..self.order.len() {
            let end = csv_record_end(csv, at)?;
            match new.get(&k) {
                Some(row) => csv_out.extend_from_slice(&row.csv),
                None => csv_out.extend_from_slice(&csv[at..end]),
            }
            at = end;
        }
        if at != csv.len() {
            return None;
        }
        // JSON: the prefix and suffix [`BulkTable::json`] writes, arrays in between.
        let head = self.json_head().concat();
        let mut json_out = Vec::with_capacity(json.len() + 4096);
        json_out.extend_from_slice(&head);
        let mut at = head.len();
        if !json.starts_with(&head) {
            return None;
        }
        for k in 0..self.order.len() {
            if k > 0 {
                if json.get(at) != Some(&b',') {
                    return None;
                }
                json_out.push(b',');
                at += 1;
            }
            let end = json_array_end(json, at)?;
            match new.get(&k) {
                Some(row) => json_out.extend_from_slice(row.json.as_bytes()),
                None => json_out.extend_from_slice(&json[at..end]),
            }
            at = end;
        }
        if json.get(at..)? != JSON_TAIL {
            return None;
        }
        json_out.extend_from_slice(JSON_TAIL);
        Some((csv_out, json_out))
    }

    /// The per-year CSVs of `years`, from this table's rows (which must have them).
    pub fn write_years(&self, years: &BTreeSet<i32>, sink: &dyn Sink) -> Result<(), String> {
        for y in years {
            sink.write_parts(
                &format!("data/years/{y}.csv"),
                &self.csv(self.rows.iter().filter(|r| r.year == *y)),
            )?;
        }
        Ok(())
    }
}

/// The end of the CSV record starting at `at` (past its line end); `None` at the end of the
/// text or inside an unclosed quote.
fn csv_record_end(text: &[u8], at: usize) -> Option<usize> {
    let mut quoted = false;
    for (k, &b) in text.get(at..)?.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => return Some(at + k + 1),
            _ => {}
        }
    }
    None
}

/// The end of the JSON array starting at `at` (past its `]`); `None` when there is none.
fn json_array_end(text: &[u8], at: usize) -> Option<usize> {
    if text.get(at) != Some(&b'[') {
        return None;
    }
    let (mut depth, mut string, mut escaped) = (0usize, false, false);
    for (k, &b) in text.get(at..)?.iter().enumerate() {
        if string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => string = true,
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(at + k + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Writes a report's JSON and CSV files.
pub fn write_report(archive: &Archive<'_>, i: usize, sink: &dyn Sink) -> Result<(), String> {
    let r = archive.report(i);
    let (jp, cp) = report_paths(r);
    sink.write(&jp, &report_json(archive, i))?;
    sink.write(&cp, &report_csv(r)?)
}

/// Writes the data files that do not depend on single reports' numbers: the schema, the
/// codebook and the JSON API index.
pub fn write_static(archive: &Archive<'_>, sink: &dyn Sink) -> Result<usize, String> {
    sink.write("data/report.schema.json", SCHEMA.as_bytes())?;
    sink.write("data/cells.csv", &codebook_csv()?)?;
    sink.write(
        "data/labels.json",
        serde_json::to_string_pretty(&labels_json())
            .map_err(|e| e.to_string())?
            .as_bytes(),
    )?;
    sink.write("data/index.json", &api_index(archive)?)?;
    Ok(4)
}

/// `data/index.json`: the whole archive from one URL. Paths are relative to this file.
/// Serialized from borrowed fields straight to compact text: at 10,000 reports a JSON value
/// tree of it was 22 MB of the build's peak memory, and pretty-printing doubled the file.
pub fn api_index(archive: &Archive<'_>) -> Result<Vec<u8>, String> {
    #[derive(Serialize)]
    struct Index<'a> {
        schema_version: u32,
        title: &'a str,
        base_url: &'a str,
        report_schema: &'a str,
        labels: &'a str,
        bulk: Bulk<'a>,
        years: Vec<Year>,
        agencies: Vec<AgencyEntry<'a>>,
    }
    #[derive(Serialize)]
    struct Bulk<'a> {
        csv: &'a str,
        json: &'a str,
    }
    #[derive(Serialize)]
    struct Year {
        year: i32,
        reports: usize,
        csv: String,
        xlsx: String,
    }
    #[derive(Serialize)]
    struct AgencyEntry<'a> {
        slug: &'a str,
        name: &'a str,
        short_name: &'a str,
        level: &'a str,
        tier: Option<&'a str>,
        region: Option<&'a str>,
        parent: Option<&'a str>,
        page: String,
        reports: Vec<ReportEntry<'a>>,
    }
    #[derive(Serialize)]
    struct ReportEntry<'a> {
        year: i32,
        format: &'a str,
        json: String,
        csv: String,
        page: String,
    }
    let agencies = archive
        .agencies
        .iter()
        .map(|a| AgencyEntry {
            slug: &a.slug,
            name: &a.name,
            short_name: a.short(),
            level: a.level.key(),
            tier: a.tier.map(|t| t.key()),
            region: a.region.as_deref(),
            parent: a.parent.as_deref(),
            page: format!("../{}", urls::agency(&a.slug)),
            reports: archive
                .by_agency
                .get(&a.slug)
                .map(|v| {
                    v.iter()
                        .map(|&i| {
                            let r = archive.report(i);
                            let (jp, cp) = report_paths(r);
                            ReportEntry {
                                year: r.year,
                                format: &r.format().id,
                                json: jp.trim_start_matches("data/").to_string(),
                                csv: cp.trim_start_matches("data/").to_string(),
                                page: format!("../{}", urls::report(&r.agency, r.year)),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    let years = archive
        .by_year
        .iter()
        .map(|(y, v)| Year {
            year: *y,
            reports: v.len(),
            csv: format!("years/{y}.csv"),
            xlsx: format!("years/{y}.xlsx"),
        })
        .collect();
    serde_json::to_vec(&Index {
        schema_version: SCHEMA_VERSION,
        title: &archive.site.config.title,
        base_url: &archive.site.config.base_url,
        report_schema: "report.schema.json",
        labels: "labels.json",
        bulk: Bulk {
            csv: "reports.csv",
            json: "reports.json",
        },
        years,
        agencies,
    })
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-report CSV writes keys without the csv crate: they must never need quoting.
    #[test]
    fn csv_keys_need_no_quoting() {
        let mut n = 0;
        for p in data_pieces() {
            for t in &p.tables {
                for row in &t.rows {
                    for k in &row.csv_keys {
                        n += 1;
                        assert!(
                            k.bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.'),
                            "{k}"
                        );
                    }
                }
            }
        }
        assert!(n > 300, "{n} keys");
    }
}
