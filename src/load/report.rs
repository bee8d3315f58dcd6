//! Reading one report file: `+++` TOML frontmatter with the metadata and the three
//! statistics tables, then the Markdown body with the prose sections.

use std::str::FromStr;
use std::sync::Arc;

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use rust_decimal::Decimal;
use toml::de::{DeTable, DeValue};

use super::toml_walk::{Doc, Value, excerpt, parse_int, suggest, type_name};
use crate::diag::{Build, Diagnostic, Severity};
use crate::format::{Column, Format, Kind, Table, formats};
use crate::model::{
    Acknowledgement, Amount, Blank, Cell, ProseSection, Report, ReportMeta, RowIn, Span, TableData,
};

/// Metadata keys of a report, besides the table keys of its format.
const META_KEYS: &[&str] = &[
    "title",
    "year",
    "format",
    "published",
    "source_url",
    "source",
    "agency_name",
    "acknowledged",
];

/// Where the frontmatter is.
struct Frontmatter {
    toml_start: usize,
    toml_end: usize,
    body_start: usize,
    close_fence: Span,
}

fn split_frontmatter(file: &str, text: &str) -> Result<Frontmatter, Box<Diagnostic>> {
    if text.trim().is_empty() {
        return Err(Box::new(
            Diagnostic::file(Severity::Error, "empty-file", file, t!("report.empty_file"))
                .help(t!("report.empty_file_help")),
        ));
    }
    let first_end = text.find('\n').map_or(text.len(), |i| i + 1);
    let first = text[..first_end].trim_end();
    if first != "+++" {
        let found = if first.is_empty() {
            t!("report.an_empty_line")
        } else {
            format!("`{}`", excerpt(first))
        };
        let mut d = Diagnostic::at(
            Severity::Error,
            "frontmatter",
            file,
            text,
            Span::new(0..first.len()),
            t!("report.no_frontmatter"),
        )
        .found(found);
        d.help = Some(if first == "---" {
            t!("report.yaml_frontmatter_help")
        } else {
            t!("report.no_frontmatter_help")
        });
        return Err(Box::new(d));
    }
    let mut pos = first_end;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
        if text[pos..end].trim_end() == "+++" {
            return Ok(Frontmatter {
                toml_start: first_end,
                toml_end: pos,
                body_start: end,
                close_fence: Span::new(pos..pos + 3),
            });
        }
        pos = end;
    }
    Err(Box::new(
        Diagnostic::at(
            Severity::Error,
            "frontmatter",
            file,
            text,
            Span::new(0..3),
            t!("report.unclosed_frontmatter"),
        )
        .help(t!("report.unclosed_frontmatter_help")),
    ))
}

/// Reads a report. Returns the report when its frontmatter could be read (possibly with
/// rows missing), and every problem found.
pub fn parse_report(
    file: &str,
    agency: &str,
    file_year: Option<i32>,
    text: Arc<str>,
) -> (Option<Report>, Vec<Diagnostic>) {
    let fm = match split_frontmatter(file, &text) {
        Ok(fm) => fm,
        Err(d) => return (None, vec![*d]),
    };
    let toml_src = &text[fm.toml_start..fm.toml_end];
    let mut doc = Doc::new(file, &text, fm.toml_start);
    let Some(root) = doc.parse(toml_src) else {
        return (None, doc.diags);
    };
    let f = formats();
    let root = root.get_ref();

    // The format decides which table keys exist, so read it first.
    let mut format: Option<&Format> = None;
    let mut format_span = fm.close_fence;
    let mut format_known = true;
    for (k, v) in root.iter() {
        if k.get_ref() == "format" {
            format_span = doc.span(v.span());
            let id = match v.get_ref() {
                DeValue::String(s) => Some(s.to_string()),
                DeValue::Integer(i) => Some(i.as_str().to_string()),
                _ => None,
            };
            match id {
                Some(id) => match f.format(&id) {
                    Some(fmt) => format = Some(fmt),
                    None => {
                        format_known = false;
                        doc.error(
                            "unknown-format",
                            format_span,
                            t!("report.unknown_format", id = id),
                        )
                        .expected(t!("common.one_of", list = quoted(&f.ids())))
                        .found(format!("`{id}`"))
                        .help(format_help());
                    }
                },
                None => {
                    format_known = false;
                    let found = format!(
                        "{} `{}`",
                        type_name(v.get_ref()),
                        excerpt(doc.src(format_span))
                    );
                    doc.error("wrong-type", format_span, t!("report.format_wrong_type"))
                        .expected(t!("common.one_of", list = quoted(&f.ids())))
                        .found(found);
                }
            }
        }
    }

    let table_keys: Vec<&str> = f.tables.iter().map(|t| t.key.as_str()).collect::<Vec<_>>();
    let mut known: Vec<&str> = META_KEYS.to_vec();
    for k in &table_keys {
        if !known.contains(k) {
            known.push(k);
        }
    }
    let fields = doc.fields(root, &known, &t!("report.frontmatter_context"));

    let mut meta = ReportMeta::default();
    let mut year: Option<(i32, Span)> = None;
    let mut published_span = Span::default();
    let mut acks = Vec::new();
    for &(key, _kspan, v) in &fields {
        match key {
            "title" => meta.title = doc.nonempty_string(key, v),
            "agency_name" => meta.agency_name = doc.nonempty_string(key, v),
            "source_url" => meta.source_url = doc.url(key, v),
            "source" => meta.source = doc.nonempty_string(key, v),
            "published" => {
                published_span = doc.span(v.span());
                meta.published = doc.date(key, v);
            }
            "year" => {
                let span = doc.span(v.span());
                if let Some(y) = doc.integer(key, v) {
                    if (1990..=2100).contains(&y) {
                        year = Some((y as i32, span));
                    } else {
                        doc.error("bad-year", span, t!("report.year_out_of_range", year = y))
                            .expected(t!("report.year_example"));
                    }
                }
            }
            "acknowledged" => acks = read_acknowledgements(&mut doc, v),
            _ => {}
        }
    }
    let Some((year, year_span)) = year.or_else(|| {
        if fields.iter().all(|(k, _, _)| *k != "year") {
            doc.error("missing-key", fm.close_fence, t!("report.no_year"))
                .help(match file_year {
                    Some(y) => t!("report.no_year_help", year = y),
                    None => t!("report.no_year_help_any"),
                });
        }
        None
    }) else {
        return (None, doc.diags);
    };
    if let Some(fy) = file_year
        && fy != year
    {
        doc.error(
            "year-mismatch",
            year_span,
            t!("report.year_mismatch", file_year = fy, year = year),
        )
        .expected(fy.to_string())
        .found(year.to_string())
        .help(t!(
            "report.year_mismatch_help",
            agency = agency,
            year = year
        ));
    }

    let format = match format {
        Some(fmt) => fmt,
        None if format_known => {
            let guess = f.default_for_year(year);
            doc.error("missing-key", fm.close_fence, t!("report.no_format"))
                .help(t!(
                    "report.no_format_help",
                    id = guess.id,
                    name = guess.label.zh,
                    document = guess.document
                ));
            guess
        }
        None => return (None, doc.diags),
    };
    let format_index = f.format_index(&format.id).unwrap_or(0);

    let mut tables = Vec::new();
    for table in f.tables_of(format) {
        let value = fields.iter().find(|(k, _, _)| *k == table.key);
        tables.push(match value {
            Some(&(_, kspan, v)) => read_table(&mut doc, format, table, kspan, v),
            None => {
                let section = f
                    .section_for_table(&table.key)
                    .map_or("", |s| s.zh.as_str());
                doc.error(
                    "missing-table",
                    fm.close_fence,
                    t!("report.missing_table", table = table.key, section = section),
                )
                .help(t!("report.missing_table_help", table = table.key));
                TableData::new(vec![None; table.rows.len()], None)
            }
        });
    }
    // Tables that belong to another format only.
    for &(key, kspan, _) in &fields {
        if table_keys.contains(&key) && f.table_of(format, key).is_none() {
            doc.error(
                "unknown-key",
                kspan,
                t!(
                    "report.table_of_other_format",
                    format = format.id,
                    key = key
                ),
            );
        }
    }

    let body_start = fm.body_start;
    // Bounded before the Markdown parser sees it: nesting costs it memory per level.
    if let Some(d) = too_deep(file, &text, body_start) {
        doc.diags.push(d);
        return (None, doc.diags);
    }
    let (sections, section_diags) = read_sections(file, &text, body_start);
    doc.diags.extend(section_diags);

    let report = Report {
        agency: agency.to_string(),
        year,
        format: format_index,
        path: file.to_string(),
        source: text.clone(),
        meta,
        tables,
        acknowledgements: acks,
        sections,
        body_start,
        released: None,
        year_span,
        format_span,
        published_span,
    };
    (Some(report), doc.diags)
}

fn quoted(ids: &[&str]) -> String {
    ids.iter()
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn format_help() -> String {
    let f = formats();
    let list: Vec<String> = f
        .formats
        .iter()
        .map(|fmt| {
            t!(
                "report.format_item",
                id = fmt.id,
                name = fmt.label.zh,
                document = fmt.document,
                first_year = fmt.first_year
            )
        })
        .collect();
    t!("report.known_formats", list = list.join("；"))
}

fn read_acknowledgements(doc: &mut Doc<'_>, v: &Value<'_>) -> Vec<Acknowledgement> {
    let mut out = Vec::new();
    let DeValue::Array(items) = v.get_ref() else {
        let span = doc.span(v.span());
        doc.error("wrong-type", span, t!("report.acknowledged_wrong_type"))
            .help(t!("report.acknowledged_wrong_type_help"));

        return out;
    };
    for item in items.iter() {
        let span = doc.span(item.span());
        let Some(t) = doc.table("acknowledged", item) else {
            continue;
        };
        let fields = doc.fields(t, &["check", "at", "note"], "[[acknowledged]]");
        let mut check = None;
        let mut at = None;
        let mut note = None;
        for &(k, _, v) in &fields {
            let value = doc.nonempty_string(k, v);
            match k {
                "check" => check = value.map(|s| (s, doc.span(v.span()))),
                "at" => at = value.map(|s| (s, doc.span(v.span()))),
                _ => note = value,
            }
        }
        for (name, present) in [
            ("check", check.is_some()),
            ("at", at.is_some()),
            ("note", note.is_some()),
        ] {
            if !present && fields.iter().all(|(k, _, _)| *k != name) {
                doc.error("missing-key", span, t!("ack.missing_key", key = name))
                    .help(t!("ack.missing_key_help"));
            }
        }
        if let (Some((check, span)), Some((at, at_span)), Some(note)) = (check, at, note) {
            out.push(Acknowledgement {
                check,
                at,
                note,
                span,
                at_span,
            });
        }
    }
    out
}

/// Reads one statistics table: one array per row, in the printed column order.
fn read_table(
    doc: &mut Doc<'_>,
    format: &Format,
    table: &Table,
    key_span: Span,
    v: &Value<'_>,
) -> TableData {
    let mut rows = vec![None; table.rows.len()];
    let Some(t) = doc.table(&table.key, v) else {
        return TableData::new(rows, Some(key_span));
    };
    let keys: Vec<&str> = table.rows.iter().map(|r| r.key.as_str()).collect();
    let mut seen = vec![false; table.rows.len()];
    for (k, val) in t.iter() {
        let key: &str = k.get_ref();
        let kspan = doc.span(k.span());
        let Some(ri) = table.row_index(key) else {
            unknown_row(doc, format, table, key, kspan, &keys);
            continue;
        };
        seen[ri] = true;
        rows[ri] = read_row(doc, table, ri, val);
    }
    for (ri, row) in table.rows.iter().enumerate() {
        if !seen[ri] {
            let n = row.columns.len();
            let zeros = vec!["0"; n].join(", ");
            doc.error(
                "missing-row",
                key_span,
                t!(
                    "table.missing_row",
                    table = table.key,
                    row = row.key,
                    label = table.row_label(ri, "zh")
                ),
            )
            .label(table.row_label(ri, "zh"))
            .help(t!(
                "table.missing_row_help",
                row = row.key,
                zeros = zeros,
                n = n,
                columns = column_list(table, ri)
            ));
        }
    }
    TableData::new(rows, Some(key_span))
}

fn column_list(table: &Table, row: usize) -> String {
    table.rows[row]
        .columns
        .iter()
        .map(|&c| table.columns[c].label.zh.as_str())
        .collect::<Vec<_>>()
        .join("、")
}

fn unknown_row(
    doc: &mut Doc<'_>,
    format: &Format,
    table: &Table,
    key: &str,
    span: Span,
    keys: &[&str],
) {
    let f = formats();
    // A row of the same table in another format: say so instead of guessing.
    let elsewhere = f
        .formats
        .iter()
        .filter(|o| o.id != format.id)
        .find_map(|o| {
            f.table_of(o, &table.key)
                .and_then(|(_, t)| t.row_index(key).map(|ri| (o, t, ri)))
        });
    let d = doc.error(
        "unknown-key",
        span,
        t!(
            "table.unknown_row",
            table = table.key,
            key = key,
            format = format.id
        ),
    );
    d.help = Some(match (elsewhere, suggest(key, keys.iter().copied())) {
        (Some((o, t, ri)), _) => t!(
            "table.row_of_other_format",
            key = key,
            label = t.row_label(ri, "zh"),
            other = o.id,
            document = o.document,
            format = format.id
        ),
        (None, Some(s)) => t!("common.did_you_mean", name = s),
        (None, None) => t!("table.rows_are", table = table.key, keys = keys.join(", ")),
    });
}

fn read_row(doc: &mut Doc<'_>, table: &Table, ri: usize, v: &Value<'_>) -> Option<RowIn> {
    let row = &table.rows[ri];
    let span = doc.span(v.span());
    let label = || table.row_label(ri, "zh");
    let DeValue::Array(items) = v.get_ref() else {
        let found = format!("{} `{}`", type_name(v.get_ref()), excerpt(doc.src(span)));
        doc.error(
            "wrong-type",
            span,
            t!("table.row_not_array", row = row.key, n = row.columns.len()),
        )
        .label(label())
        .found(found)
        .help(t!(
            "table.row_not_array_help",
            columns = column_list(table, ri)
        ));
        return None;
    };
    let n = row.columns.len();
    if items.len() != n {
        let d = doc.error(
            "row-length",
            span,
            t!("table.row_length", row = row.key, n = n),
        );
        d.label = Some(label().to_string());
        d.expected = Some(t!(
            "table.n_values_of",
            n = n,
            columns = column_list(table, ri)
        ));
        d.found = Some(t!("table.n_values", n = items.len()));
        d.help = Some(if items.len() < n {
            t!("table.row_too_short_help")
        } else {
            t!("table.row_too_long_help")
        });

        return None;
    }
    let mut cells = Vec::with_capacity(n);
    let mut spans = Vec::with_capacity(n);
    let mut ok = true;
    for (pos, item) in items.iter().enumerate() {
        let col = &table.columns[row.columns[pos]];
        let cspan = doc.span(item.span());
        match read_cell(doc, table, ri, row.columns[pos], col, item) {
            Some(value) => {
                cells.push(value);
                spans.push(cspan);
            }
            None => ok = false,
        }
    }
    ok.then_some(RowIn { cells, spans })
}

/// Reads one cell according to its column's kind; reports anything else.
fn read_cell(
    doc: &mut Doc<'_>,
    table: &Table,
    ri: usize,
    ci: usize,
    col: &Column,
    v: &Value<'_>,
) -> Option<Cell> {
    // Fast path for the common cases; labels are only built for error messages.
    match (v.get_ref(), col.kind) {
        (DeValue::Integer(i), Kind::Count) => {
            if let Some(n) = parse_int(i.as_str(), i.radix()).and_then(|n| u64::try_from(n).ok()) {
                return Some(Cell::Count(n));
            }
        }
        (DeValue::Integer(i), Kind::Delta) => {
            if let Some(n) = parse_int(i.as_str(), i.radix()).and_then(|n| i64::try_from(n).ok()) {
                return Some(Cell::Delta(n));
            }
        }
        (DeValue::String(s), _) if s.is_empty() => return Some(Cell::Empty(Blank::NONE)),
        _ => {}
    }
    let span = doc.span(v.span());
    let label = table.cell_label(ri, ci, "zh");
    let raw = doc.src(span).to_string();
    let want = match col.kind {
        Kind::Count => t!("cell.want_count"),
        Kind::Delta => t!("cell.want_delta"),
        Kind::Amount => t!("cell.want_amount"),
    };
    let too_large = |doc: &mut Doc<'_>, label: String| {
        doc.error("number-too-large", span, t!("cell.too_large"))
            .label(label)
            .found(excerpt(&raw))
            .help(t!("cell.too_large_help"));
    };
    match v.get_ref() {
        DeValue::Integer(i) => {
            let Some(n) = parse_int(i.as_str(), i.radix()) else {
                too_large(doc, label);
                return None;
            };
            let negative = |doc: &mut Doc<'_>, label: String| {
                doc.error("negative-count", span, t!("cell.negative"))
                    .label(label)
                    .expected(want.clone())
                    .found(n.to_string())
                    .help(t!("cell.negative_help"));
            };
            match col.kind {
                Kind::Count => match u64::try_from(n) {
                    Ok(n) => Some(Cell::Count(n)),
                    Err(_) if n < 0 => {
                        negative(doc, label);
                        None
                    }
                    Err(_) => {
                        too_large(doc, label);
                        None
                    }
                },
                Kind::Delta => match i64::try_from(n) {
                    Ok(n) => Some(Cell::Delta(n)),
                    Err(_) => {
                        too_large(doc, label);
                        None
                    }
                },
                Kind::Amount => match Decimal::try_from_i128_with_scale(n, 0) {
                    Ok(value) if n >= 0 => Some(Cell::amount(Amount::plain(value))),
                    Ok(_) => {
                        negative(doc, label);
                        None
                    }
                    Err(_) => {
                        too_large(doc, label);
                        None
                    }
                },
            }
        }
        DeValue::Float(fl) if col.kind == Kind::Amount => match parse_amount(fl.as_str()) {
            Some(a) => Some(Cell::amount(a)),
            None => {
                doc.error("bad-amount", span, t!("cell.bad_amount"))
                    .label(label)
                    .expected(want)
                    .found(excerpt(&raw));
                None
            }
        },
        DeValue::Float(fl) => {
            doc.error("wrong-type", span, t!("cell.must_be", want = want))
                .label(label)
                .expected(want)
                .found(excerpt(fl.as_str()))
                .help(t!("cell.float_in_count_help"));
            None
        }
        DeValue::String(s) => {
            let s = s.trim();
            if let Some(b) = Blank::of(s) {
                return Some(Cell::Empty(b));
            }
            if col.kind == Kind::Amount {
                return amount_cell(doc, span, label, col, s, &raw);
            }
            let (help, fix) = match typed_number(s) {
                Some(fixed) => (t!("cell.quoted_number_help", fixed = fixed), Some(fixed)),
                None => (t!("cell.empty_help"), None),
            };
            doc.error("wrong-type", span, t!("cell.must_be", want = want))
                .label(label)
                .expected(fix.unwrap_or(want))
                .found(t!("cell.found_text", text = excerpt(&raw)))
                .help(help);
            None
        }
        other => {
            doc.error("wrong-type", span, t!("cell.must_be", want = want))
                .label(label)
                .expected(want)
                .found(format!("{} `{}`", type_name(other), excerpt(&raw)))
                .help(t!("cell.empty_help"));
            None
        }
    }
}

/// What the clerk meant by a count typed as text (`"１２"`, `"156件"`, `"1,234"`), as the
/// number to write instead; `None` when the text is not a number at all.
fn typed_number(s: &str) -> Option<String> {
    let half = crate::numtext::halfwidth_number(s);
    let bare = half
        .trim()
        .trim_end_matches(['件', '条', '个', '次', '项', '人', '份'])
        .trim()
        .replace(',', "");
    parse_int(&bare, 10).map(|n| n.to_string())
}

/// An amount typed as text (`"1,500元"`, `"０.１５"`): read exactly, converted into the
/// column's unit when printed in another (the printed text kept), refused when its unit is
/// unknown.
fn amount_cell(
    doc: &mut Doc<'_>,
    span: Span,
    label: String,
    col: &Column,
    s: &str,
    raw: &str,
) -> Option<Cell> {
    if parse_amount(s).is_none() {
        let units: Vec<&str> = crate::model::MONEY_UNITS.iter().map(|(u, _)| *u).collect();
        doc.error("bad-amount", span, t!("cell.bad_amount"))
            .label(label)
            .expected(t!("cell.want_amount"))
            .found(t!("cell.found_text", text = excerpt(raw)))
            .help(t!("cell.bad_amount_help", units = units.join("、")));
        return None;
    };
    amount_in_column(s, col.unit.as_deref()).map(Cell::amount)
}

/// An amount typed as `text` in a column whose unit is `column_unit`: parsed exactly and
/// converted into the column's unit when printed in another, the text kept as printed.
pub fn amount_in_column(text: &str, column_unit: Option<&str>) -> Option<Amount> {
    let a = parse_amount(text)?;
    let (Some(cu), Some(u)) = (column_unit, a.unit.as_deref()) else {
        return Some(a);
    };
    match a.in_unit(cu) {
        Some(value) if u != cu => Some(Amount {
            value,
            unit: None,
            printed: Some(text.trim().into()),
        }),
        _ => Some(a),
    }
}

/// Reads an amount as printed: digits (full-width ones too) with an optional decimal part,
/// thousands separators, and a unit (`元`, `千元`, `万元`, `亿元`) after it. Exact: no
/// floating point is involved.
pub fn parse_amount(s: &str) -> Option<Amount> {
    let half = crate::numtext::halfwidth_number(s);
    let s = half.trim();
    let (num, unit) = match s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',' || c == '-' || c == '+'))
    {
        Some(i) => (&s[..i], Some(s[i..].trim())),
        None => (s, None),
    };
    let unit = match unit {
        None => None,
        Some(u) if crate::model::MONEY_UNITS.iter().any(|(k, _)| *k == u) => Some(u.to_string()),
        Some(_) => return None,
    };
    let cleaned: String = num.chars().filter(|&c| c != ',').collect();
    if cleaned.is_empty() || cleaned.starts_with('-') {
        return None;
    }
    let value = Decimal::from_str(&cleaned).ok()?;
    Some(Amount {
        value,
        unit,
        printed: None,
    })
}

/// The deepest nesting of block quotes and lists a report's prose may have. Real reports use
/// two or three levels; a file of thousands of `>` made the renderer take gigabytes.
pub const MAX_NESTING: usize = 32;

/// The first line of the prose nested deeper than [`MAX_NESTING`]: its `>` and list markers
/// at the start of the line, and every two spaces of indentation, each count one level.
fn too_deep(file: &str, text: &str, body_start: usize) -> Option<Diagnostic> {
    let mut pos = body_start;
    for line in text[body_start..].split_inclusive('\n') {
        let start = pos;
        pos += line.len();
        let mut depth = 0usize;
        let mut spaces = 0usize;
        let mut rest = line;
        loop {
            let trimmed = rest.trim_start_matches([' ', '\t']);
            spaces += rest.len() - trimmed.len();
            rest = trimmed;
            if let Some(r) = rest.strip_prefix('>') {
                depth += 1;
                rest = r;
                continue;
            }
            let bullet = rest
                .strip_prefix(['-', '*', '+'])
                .or_else(|| {
                    let digits =
                        rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                    (digits > 0 && digits <= 9)
                        .then(|| rest[digits..].strip_prefix(['.', ')']))
                        .flatten()
                })
                .filter(|r| r.starts_with([' ', '\t']));
            match bullet {
                Some(r) => {
                    depth += 1;
                    rest = r;
                }
                None => break,
            }
            if depth > MAX_NESTING {
                break;
            }
        }
        // Indentation nests only under a marker; plain indented text is a code block.
        let depth = if depth > 0 { depth + spaces / 2 } else { 0 };
        if depth > MAX_NESTING {
            let end = start + line.trim_end().len().min(200);
            let end = (start..=end)
                .rev()
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(start);
            return Some(
                Diagnostic::at(
                    Severity::Error,
                    "markdown-nesting",
                    file,
                    text,
                    Span::new(start..end),
                    t!("report.too_deep", max = MAX_NESTING),
                )
                .help(t!("report.too_deep_help")),
            );
        }
    }
    None
}

/// Finds the prose sections: level-2 headings whose text starts with a section numeral
/// (`## 一、总体情况`). Other headings belong to the section above them.
pub fn read_sections(
    file: &str,
    text: &str,
    body_start: usize,
) -> (Vec<ProseSection>, Vec<Diagnostic>) {
    let f = formats();
    let body = &text[body_start..];
    let mut heads: Vec<(Option<String>, String, Span, usize)> = Vec::new();
    let mut in_h2: Option<(usize, String)> = None;
    for (ev, range) in Parser::new(body).into_offset_iter() {
        match ev {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                ..
            }) => in_h2 = Some((range.start, String::new())),
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, s)) = in_h2.as_mut() {
                    s.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(HeadingLevel::H2)) => {
                if let Some((start, title)) = in_h2.take() {
                    let title = title.trim().to_string();
                    let num = f
                        .sections
                        .iter()
                        .find(|s| title.starts_with(&format!("{}、", s.num)))
                        .map(|s| s.num.clone());
                    if num.is_some() {
                        let hspan = Span::new(body_start + start..body_start + range.end);
                        heads.push((num, title, hspan, body_start + range.end));
                    }
                }
            }
            _ => {}
        }
    }
    let mut sections = Vec::new();
    let first = heads.first().map_or(text.len(), |h| h.2.start as usize);
    if !text[body_start..first].trim().is_empty() {
        sections.push(ProseSection {
            num: None,
            heading: String::new(),
            body: Span::new(body_start..first),
            heading_span: Span::new(body_start..body_start),
            statements: Vec::new(),
        });
    }
    for (i, (num, heading, hspan, content_start)) in heads.iter().enumerate() {
        let end = heads.get(i + 1).map_or(text.len(), |h| h.2.start as usize);
        sections.push(ProseSection {
            num: num.clone(),
            heading: heading.clone(),
            body: Span::new(*content_start..end),
            heading_span: *hspan,
            statements: section_statements(num.as_deref(), text, *content_start..end),
        });
    }
    let mut diags = Vec::new();
    for (i, s) in sections.iter().enumerate() {
        if let Some(num) = &s.num
            && sections[..i].iter().any(|p| p.num.as_ref() == Some(num))
        {
            diags.push(
                Diagnostic::at(
                    Severity::Warning,
                    "duplicate-section",
                    file,
                    text,
                    s.heading_span,
                    t!("section.duplicate", num = num),
                )
                .help(t!("section.duplicate_help")),
            );
        }
    }
    let body_span = Span::new(body_start..body_start);
    for sec in f.sections.iter().filter(|s| s.required) {
        if !sections
            .iter()
            .any(|s| s.num.as_deref() == Some(sec.num.as_str()))
        {
            diags.push(
                Diagnostic::at(
                    Severity::Warning,
                    "missing-section",
                    file,
                    text,
                    body_span,
                    t!("section.missing", heading = sec.zh),
                )
                .label(sec.zh.clone())
                .help(t!("section.missing_help", heading = sec.zh)),
            );
        }
    }
    diags.extend(mistyped_headings(file, text, body_start));
    (sections, diags)
}

/// The statements of a section body, when its section is one whose figures check X4 reads.
fn section_statements(
    num: Option<&str>,
    text: &str,
    body: std::ops::Range<usize>,
) -> Vec<crate::model::Statement> {
    let read = num.is_some_and(|n| formats().statements.sections.iter().any(|s| s == n));
    match text.get(body.clone()) {
        Some(b) if read => super::statements::statements(b, body.start),
        _ => Vec::new(),
    }
}

/// Lines that look like an official section heading but are not one gongkai recognises
/// (`## 6、其他需要报告的事项`, `六.其他…`, the heading without `##`): reported where the clerk
/// typed them, with the heading to write, so prose is never silently counted in the section
/// above it.
fn mistyped_headings(file: &str, text: &str, body_start: usize) -> Vec<Diagnostic> {
    const DIGITS: [&str; 9] = ["一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let f = formats();
    let mut out = Vec::new();
    let mut pos = body_start;
    let mut fenced = false;
    for line in text[body_start..].split_inclusive('\n') {
        let start = pos;
        pos += line.len();
        let l = line.trim();
        if l.starts_with("```") || l.starts_with("~~~") {
            fenced = !fenced;
        }
        if fenced || l.is_empty() {
            continue;
        }
        let hashes = l.chars().take_while(|&c| c == '#').count();
        let title = l[hashes..].trim();
        // The numeral as typed, normalised: `6` → `六`, `六.`/`六．`/`六，`/`六 ` → `六、`.
        // Most lines start with no section numeral: the first character decides before the
        // line is normalised whole.
        let Some(first) = title.chars().next().map(crate::numtext::halfwidth_char) else {
            continue;
        };
        let num = match first.to_digit(10) {
            Some(d @ 1..=9) => DIGITS[d as usize - 1],
            _ => {
                let mut buf = [0u8; 4];
                let s: &str = first.encode_utf8(&mut buf);
                match DIGITS.iter().find(|d| **d == s) {
                    Some(d) => *d,
                    None => continue,
                }
            }
        };
        let half = crate::numtext::halfwidth_number(title);
        let rest = &half[first.len_utf8()..];
        let sep_ok = rest.starts_with('、');
        let seps = ['、', '.', ',', ' ', '　', ':', '：'];
        let has_sep = rest.starts_with(seps);
        let rest = rest.trim_start_matches(seps);
        let Some(sec) = f.sections.iter().find(|s| s.num == num) else {
            continue;
        };
        let official_rest = sec.zh.split_once('、').map_or("", |(_, r)| r);
        let numeral_ok = first.to_digit(10).is_none();
        let recognised = hashes == 2 && numeral_ok && sep_ok;
        if recognised {
            continue;
        }
        // Outside a level-2 heading only the exact official title counts (an item of section
        // 一 may well start with 一、); a level-2 heading with its numeral mistyped always does.
        let same_title = has_sep && rest.trim_end_matches(['。', '：', ':']) == official_rest;
        if !(same_title || (hashes == 2 && has_sep)) {
            continue;
        }
        let span = Span::new(start..start + line.trim_end().len());
        out.push(
            Diagnostic::at(
                Severity::Warning,
                "section-heading",
                file,
                text,
                span,
                t!("section.mistyped", heading = sec.zh),
            )
            .label(sec.zh.clone())
            .found(l.to_string())
            .expected(format!("## {}", sec.zh))
            .help(t!("section.mistyped_help", heading = sec.zh)),
        );
    }
    out
}

/// Parses the frontmatter TOML only; used by the fuzz target to exercise the reader.
pub fn frontmatter_table(text: &str) -> Option<DeTable<'_>> {
    let fm = split_frontmatter("fuzz", text).ok()?;
    DeTable::parse(&text[fm.toml_start..fm.toml_end])
        .ok()
        .map(|t| t.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_another_unit_are_converted_exactly_and_the_print_kept() {
        let a = amount_in_column("1,500元", Some("万元")).unwrap();
        assert_eq!(a.value, Decimal::from_str("0.15").unwrap());
        assert_eq!(a.printed.as_deref(), Some("1,500元"));
        let a = amount_in_column("２千元", Some("万元")).unwrap();
        assert_eq!(a.value, Decimal::from_str("0.2").unwrap());
        let a = amount_in_column("1.5亿元", Some("万元")).unwrap();
        assert_eq!(a.value, Decimal::from(15000));
        let a = amount_in_column("０.１５万元", Some("万元")).unwrap();
        assert_eq!(
            (a.value, a.printed),
            (Decimal::from_str("0.15").unwrap(), None)
        );
        // No fixed unit (2019's 采购总金额): kept as printed, normalised to 万元 for data.
        let a = amount_in_column("251000元", None).unwrap();
        assert_eq!(a.to_string(), "251000元");
        assert_eq!(a.normalized(), Decimal::from_str("25.1").unwrap());
        assert!(amount_in_column("12斤", Some("万元")).is_none());
    }

    #[test]
    fn counts_typed_as_text_get_the_number_to_write() {
        assert_eq!(typed_number("１２").as_deref(), Some("12"));
        assert_eq!(typed_number("156件").as_deref(), Some("156"));
        assert_eq!(typed_number("1,234").as_deref(), Some("1234"));
        assert_eq!(typed_number("无"), None);
    }

    #[test]
    fn amounts_are_exact() {
        let a = parse_amount("24252.311082").unwrap();
        assert_eq!(a.value.to_string(), "24252.311082");
        assert_eq!(a.unit, None);
        let a = parse_amount("251000元").unwrap();
        assert_eq!(a.value, Decimal::from(251000));
        assert_eq!(a.unit.as_deref(), Some("元"));
        let a = parse_amount("75,394,432.52元").unwrap();
        assert_eq!(a.to_string(), "75394432.52元");
        assert_eq!(parse_amount("7730.20").unwrap().to_string(), "7730.20");
        assert!(parse_amount("abc").is_none());
        assert!(parse_amount("12 斤").is_none());
        assert!(parse_amount("-5").is_none());
        let sum = parse_amount("0.1").unwrap().value + parse_amount("0.2").unwrap().value;
        assert_eq!(sum, parse_amount("0.3").unwrap().value);
    }
}
