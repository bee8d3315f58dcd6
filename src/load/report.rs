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
    Acknowledgement, Amount, Cell, CellData, ProseSection, Report, ReportMeta, RowData, Span,
    TableData,
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

/// Texts that mean "this cell was printed empty".
const EMPTY_MARKS: &[&str] = &["", "-", "—", "－", "/", "／", "——"];

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
            Diagnostic::file(Severity::Error, "empty-file", file, "the report file is empty")
                .help("if an editor is still saving it, check again; otherwise write the report (`gongkai new` makes a skeleton) or delete the file"),
        ));
    }
    let first_end = text.find('\n').map_or(text.len(), |i| i + 1);
    let first = text[..first_end].trim_end();
    if first != "+++" {
        let found = if first.is_empty() {
            "an empty line".to_string()
        } else {
            format!("`{}`", excerpt(first))
        };
        let mut d = Diagnostic::at(
            Severity::Error,
            "frontmatter",
            file,
            text,
            Span::new(0..first.len()),
            "a report must start with `+++` on its own line, then the TOML frontmatter, then `+++`",
        )
        .found(found);
        d.help = Some(if first == "---" {
            "gongkai reads TOML frontmatter between `+++` lines, not YAML between `---`".into()
        } else {
            "`gongkai new <agency> <year>` writes a complete report skeleton to start from".into()
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
            "the frontmatter opened here is never closed",
        )
        .help("add a line with only `+++` after the last frontmatter line, before the prose"),
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
                            format!("unknown format `{id}`"),
                        )
                        .expected(format!("one of {}", quoted(&f.ids())))
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
                    doc.error(
                        "wrong-type",
                        format_span,
                        "`format` must be a format id in quotes",
                    )
                    .expected(format!("one of {}", quoted(&f.ids())))
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
    let fields = doc.fields(root, &known, "the report frontmatter");

    let mut meta = ReportMeta::default();
    let mut year: Option<(i32, Span)> = None;
    let mut acks = Vec::new();
    for &(key, _kspan, v) in &fields {
        match key {
            "title" => meta.title = doc.nonempty_string(key, v),
            "agency_name" => meta.agency_name = doc.nonempty_string(key, v),
            "source_url" => meta.source_url = doc.url(key, v),
            "source" => meta.source = doc.nonempty_string(key, v),
            "published" => meta.published = doc.date(key, v),
            "year" => {
                let span = doc.span(v.span());
                if let Some(y) = doc.integer(key, v) {
                    if (1990..=2100).contains(&y) {
                        year = Some((y as i32, span));
                    } else {
                        doc.error("bad-year", span, format!("year {y} is out of range"))
                            .expected("a year such as 2023");
                    }
                }
            }
            "acknowledged" => acks = read_acknowledgements(&mut doc, v),
            _ => {}
        }
    }
    let Some((year, year_span)) = year.or_else(|| {
        if fields.iter().all(|(k, _, _)| *k != "year") {
            doc.error(
                "missing-key",
                fm.close_fence,
                "the frontmatter has no `year`",
            )
            .help(match file_year {
                Some(y) => format!("add `year = {y}`"),
                None => "add `year = 2023` (the year the report covers)".into(),
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
            format!("the file name says {fy} but the frontmatter says {year}"),
        )
        .expected(fy.to_string())
        .found(year.to_string())
        .help(format!(
            "a report is stored as content/{agency}/<year>.md; correct `year` or rename the file to {year}.md"
        ));
    }

    let format = match format {
        Some(fmt) => fmt,
        None if format_known => {
            let guess = f.default_for_year(year);
            doc.error(
                "missing-key",
                fm.close_fence,
                "the frontmatter has no `format`",
            )
            .help(format!(
                "add `format = \"{}\"` ({}, {}); tables were checked against it",
                guess.id, guess.label.zh, guess.document
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
                    format!("the frontmatter has no `[{}]` table ({section})", table.key),
                )
                .help(format!(
                    "add `[{}]` with one array per printed row; `gongkai new` writes a skeleton",
                    table.key
                ));
                TableData {
                    rows: vec![None; table.rows.len()],
                    span: None,
                }
            }
        });
    }
    // Tables that belong to another format only.
    for &(key, kspan, _) in &fields {
        if table_keys.contains(&key) && f.table_of(format, key).is_none() {
            doc.error(
                "unknown-key",
                kspan,
                format!("format {} has no `{key}` table", format.id),
            );
        }
    }

    let body_start = fm.body_start;
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
        year_span,
        format_span,
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
            format!(
                "\"{}\" = {} ({}), from {}",
                fmt.id, fmt.label.zh, fmt.document, fmt.first_year
            )
        })
        .collect();
    format!("known formats: {}", list.join("; "))
}

fn read_acknowledgements(doc: &mut Doc<'_>, v: &Value<'_>) -> Vec<Acknowledgement> {
    let mut out = Vec::new();
    let DeValue::Array(items) = v.get_ref() else {
        let span = doc.span(v.span());
        doc.error(
            "wrong-type",
            span,
            "`acknowledged` must be a list of `[[acknowledged]]` tables",
        )
        .help("write each as:\n[[acknowledged]]\ncheck = \"I2\"\nat = \"granted\"\nnote = \"…\"");
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
                doc.error("missing-key", span, format!("this acknowledgement has no `{name}`"))
                    .help("an acknowledgement names the check, where it fails, and a note for readers: check = \"I2\", at = \"granted\", note = \"…\"");
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
    let mut data = TableData {
        rows: vec![None; table.rows.len()],
        span: Some(key_span),
    };
    let Some(t) = doc.table(&table.key, v) else {
        return data;
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
        data.rows[ri] = read_row(doc, table, ri, kspan, val);
    }
    for (ri, row) in table.rows.iter().enumerate() {
        if !seen[ri] {
            let n = row.columns.len();
            let zeros = vec!["0"; n].join(", ");
            doc.error(
                "missing-row",
                key_span,
                format!(
                    "`[{}]` has no row `{}` ({})",
                    table.key,
                    row.key,
                    table.row_label(ri, "zh")
                ),
            )
            .label(table.row_label(ri, "zh"))
            .help(format!(
                "add `{} = [{zeros}]` with the {n} printed values ({})",
                row.key,
                column_list(table, ri)
            ));
        }
    }
    data
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
        format!(
            "`[{}]` has no row `{key}` in format {}",
            table.key, format.id
        ),
    );
    d.help = Some(match (elsewhere, suggest(key, keys.iter().copied())) {
        (Some((o, t, ri)), _) => format!(
            "`{key}` ({}) is a row of format {} ({}); this report declares format {}",
            t.row_label(ri, "zh"),
            o.id,
            o.document,
            format.id
        ),
        (None, Some(s)) => format!("did you mean `{s}`?"),
        (None, None) => format!("rows of `[{}]`: {}", table.key, keys.join(", ")),
    });
}

fn read_row(
    doc: &mut Doc<'_>,
    table: &Table,
    ri: usize,
    key_span: Span,
    v: &Value<'_>,
) -> Option<RowData> {
    let row = &table.rows[ri];
    let span = doc.span(v.span());
    let label = || table.row_label(ri, "zh");
    let DeValue::Array(items) = v.get_ref() else {
        let found = format!("{} `{}`", type_name(v.get_ref()), excerpt(doc.src(span)));
        doc.error(
            "wrong-type",
            span,
            format!(
                "row `{}` must be an array of {} values",
                row.key,
                row.columns.len()
            ),
        )
        .label(label())
        .found(found)
        .help(format!(
            "write the printed values in brackets, in this order: {}",
            column_list(table, ri)
        ));
        return None;
    };
    let n = row.columns.len();
    if items.len() != n {
        let d = doc.error(
            "row-length",
            span,
            format!(
                "row `{}` must have {n} values, one per printed column",
                row.key
            ),
        );
        d.label = Some(label().to_string());
        d.expected = Some(format!("{n} values ({})", column_list(table, ri)));
        d.found = Some(format!("{} values", items.len()));
        d.help = Some(if items.len() < n {
            "copy every cell of the printed row; write \"\" for a cell printed empty".into()
        } else {
            "remove the extra values; each row of the printed table is one array".into()
        });
        return None;
    }
    let mut cells = Vec::with_capacity(n);
    let mut ok = true;
    for (pos, item) in items.iter().enumerate() {
        let col = &table.columns[row.columns[pos]];
        let cspan = doc.span(item.span());
        match read_cell(doc, table, ri, row.columns[pos], col, item) {
            Some(value) => cells.push(CellData { value, span: cspan }),
            None => ok = false,
        }
    }
    ok.then_some(RowData {
        cells,
        span,
        key_span,
    })
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
        (DeValue::String(s), _) if s.is_empty() => return Some(Cell::Empty(String::new())),
        _ => {}
    }
    let span = doc.span(v.span());
    let label = table.cell_label(ri, ci, "zh");
    let raw = doc.src(span).to_string();
    let want = match col.kind {
        Kind::Count => "a whole number of 0 or more",
        Kind::Delta => "a whole number (negative for a decrease)",
        Kind::Amount => "an amount such as 9116.36",
    };
    let empty_help = "write \"\" for a cell printed empty (it stays distinct from 0)";
    match v.get_ref() {
        DeValue::Integer(i) => {
            let Some(n) = parse_int(i.as_str(), i.radix()) else {
                doc.error("number-too-large", span, "this number is too large")
                    .label(label)
                    .found(excerpt(&raw))
                    .help("no count in a report exceeds 18446744073709551615; check for pasted digits");
                return None;
            };
            match col.kind {
                Kind::Count => match u64::try_from(n) {
                    Ok(n) => Some(Cell::Count(n)),
                    Err(_) if n < 0 => {
                        doc.error("negative-count", span, "a count cannot be negative")
                            .label(label)
                            .expected(want)
                            .found(n.to_string())
                            .help("counts are numbers of applications, cases or documents; only 本年增/减 (2019 format) may be negative");
                        None
                    }
                    Err(_) => {
                        doc.error("number-too-large", span, "this number is too large")
                            .label(label)
                            .found(excerpt(&raw));
                        None
                    }
                },
                Kind::Delta => match i64::try_from(n) {
                    Ok(n) => Some(Cell::Delta(n)),
                    Err(_) => {
                        doc.error("number-too-large", span, "this number is too large")
                            .label(label)
                            .found(excerpt(&raw));
                        None
                    }
                },
                Kind::Amount => match Decimal::try_from_i128_with_scale(n, 0) {
                    Ok(value) if n >= 0 => Some(Cell::amount(Amount { value, unit: None })),
                    Ok(_) => {
                        doc.error("negative-count", span, "an amount cannot be negative")
                            .label(label)
                            .expected(want)
                            .found(n.to_string());
                        None
                    }
                    Err(_) => {
                        doc.error("number-too-large", span, "this amount is too large")
                            .label(label)
                            .found(excerpt(&raw));
                        None
                    }
                },
            }
        }
        DeValue::Float(fl) if col.kind == Kind::Amount => match parse_amount(fl.as_str()) {
            Some(a) => Some(Cell::amount(a)),
            None => {
                doc.error("bad-amount", span, "this amount cannot be read exactly")
                    .label(label)
                    .expected(want)
                    .found(excerpt(&raw));
                None
            }
        },
        DeValue::Float(fl) => {
            doc.error("wrong-type", span, format!("this cell must be {want}"))
                .label(label)
                .expected(want)
                .found(excerpt(fl.as_str()))
                .help("counts are whole numbers; check the printed table");
            None
        }
        DeValue::String(s) => {
            let s = s.trim();
            if EMPTY_MARKS.contains(&s) {
                return Some(Cell::Empty(s.to_string()));
            }
            if col.kind == Kind::Amount
                && let Some(a) = parse_amount(s)
            {
                return Some(Cell::amount(a));
            }
            let numeric = s.trim_end_matches('件').trim();
            let hint = if parse_int(numeric, 10).is_some() {
                format!("remove the quotes: write {numeric}")
            } else {
                empty_help.to_string()
            };
            doc.error("wrong-type", span, format!("this cell must be {want}"))
                .label(label)
                .expected(want)
                .found(format!("the text {}", excerpt(&raw)))
                .help(hint);
            None
        }
        other => {
            doc.error("wrong-type", span, format!("this cell must be {want}"))
                .label(label)
                .expected(want)
                .found(format!("{} `{}`", type_name(other), excerpt(&raw)))
                .help(empty_help);
            None
        }
    }
}

/// Reads an amount as printed: digits with an optional decimal part, thousands separators,
/// and a unit (`元`, `万元`) after it. Exact: no floating point is involved.
pub fn parse_amount(s: &str) -> Option<Amount> {
    let s = s.trim();
    let (num, unit) = match s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',' || c == '-' || c == '+'))
    {
        Some(i) => (&s[..i], Some(s[i..].trim())),
        None => (s, None),
    };
    let unit = match unit {
        None => None,
        Some(u @ ("元" | "万元" | "亿元")) => Some(u.to_string()),
        Some(_) => return None,
    };
    let cleaned: String = num.chars().filter(|&c| c != ',').collect();
    if cleaned.is_empty() || cleaned.starts_with('-') {
        return None;
    }
    let value = Decimal::from_str(&cleaned).ok()?;
    Some(Amount { value, unit })
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
        });
    }
    for (i, (num, heading, hspan, content_start)) in heads.iter().enumerate() {
        let end = heads.get(i + 1).map_or(text.len(), |h| h.2.start as usize);
        sections.push(ProseSection {
            num: num.clone(),
            heading: heading.clone(),
            body: Span::new(*content_start..end),
            heading_span: *hspan,
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
                    format!("section {num}、 appears twice"),
                )
                .help("merge the two parts under one heading"),
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
                    format!("the body has no section `{}`", sec.zh),
                )
                .label(sec.zh.clone())
                .help(format!(
                    "add a heading `## {}` and the text of that section",
                    sec.zh
                )),
            );
        }
    }
    (sections, diags)
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
