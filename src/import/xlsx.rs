//! Excel workbooks (`.xlsx`, `.xls`) → [`Doc`]: each sheet's used range as one table, merged
//! cells expanded as the other readers do. Offices collect the three statistics tables this
//! way, one per sheet or all on one sheet; the interpreter finds the official rows by their
//! labels wherever they are.
//!
//! A figure is the value Excel cached: a number stored as text is read as printed, a formula
//! gives its last computed value. A formula without a cached value (a workbook written by a
//! program that never calculated it) is no figure: its cell holds the formula text, which the
//! interpreter cannot read as a number, so it is left empty and listed for review.

use std::io::Cursor;

use calamine::{Data, Dimensions, Range, Reader, Sheets, open_workbook_auto_from_rs};

use super::doc::{Block, Cell, Doc};

/// Reads a workbook's bytes.
pub fn read(bytes: &[u8]) -> Result<Doc, String> {
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| t!("import.not_workbook", error = e))?;
    let mut doc = Doc::default();
    for name in wb.sheet_names() {
        let Ok(values) = wb.worksheet_range(&name) else {
            continue;
        };
        let formulas = wb.worksheet_formula(&name).ok();
        let merged = merged_cells(&mut wb, &name);
        let grid = grid(&values, formulas.as_ref(), &merged);
        // Tables on one sheet are separated by blank rows; a title or a section heading typed
        // across a merged row above a table is a paragraph. A sheet's name is often its
        // table's (二、主动公开…): a heading after the title, as in a document.
        let mut named = false;
        for chunk in grid.split(|row| row.iter().all(|c| c.text.is_empty())) {
            let mut rows = chunk;
            while let Some(text) = rows.first().and_then(|r| heading_row(r)) {
                if !named && !text.contains("报告") {
                    doc.para(&name);
                    named = true;
                }
                doc.para(&text);
                rows = &rows[1..];
            }
            if !named {
                doc.para(&name);
                named = true;
            }
            // A narrower table on a sheet with a wider one: without the wider one's columns.
            let width = rows
                .iter()
                .filter_map(|r| r.iter().rposition(|c| !c.text.is_empty()))
                .max()
                .map_or(0, |w| w + 1);
            if width > 0 {
                let table = rows
                    .iter()
                    .map(|r| r[..width.min(r.len())].to_vec())
                    .collect();
                doc.blocks.push(Block::Table(table));
            }
        }
    }
    Ok(doc)
}

/// The text of a row that is a title (…报告…) or a section heading (二、…) typed across the
/// table, one text in every cell; the caption rows inside a table (第二十条第（一）项) are not.
fn heading_row(row: &[Cell]) -> Option<String> {
    let text = row.iter().find(|c| !c.text.is_empty())?.text.clone();
    let one = row.iter().all(|c| c.text.is_empty() || c.text == text);
    let numeral = text
        .chars()
        .next()
        .is_some_and(|c| "一二三四五六".contains(c))
        && text.chars().nth(1) == Some('、');
    (one && (text.contains("报告") || numeral)).then_some(text)
}

/// The merged areas of a sheet (absolute positions).
fn merged_cells(wb: &mut Sheets<Cursor<Vec<u8>>>, name: &str) -> Vec<Dimensions> {
    match wb {
        Sheets::Xlsx(x) => x
            .worksheet_merge_cells(name)
            .and_then(Result::ok)
            .unwrap_or_default(),
        Sheets::Xls(x) => x.worksheet_merge_cells(name).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The sheet's used range as rows of cells, merged areas copied into every position they
/// cover (marked as copies).
fn grid(
    values: &Range<Data>,
    formulas: Option<&Range<String>>,
    merged: &[Dimensions],
) -> Vec<Vec<Cell>> {
    let Some((r0, c0)) = values.start() else {
        return Vec::new();
    };
    let (height, width) = values.get_size();
    let mut rows: Vec<Vec<Cell>> = (0..height)
        .map(|r| {
            (0..width)
                .map(|c| {
                    let at = (r0 + r as u32, c0 + c as u32);
                    let value = values.get_value(at).unwrap_or(&Data::Empty);
                    let formula = formulas
                        .and_then(|f| f.get_value(at))
                        .filter(|f| !f.is_empty());
                    Cell::new(&cell_text(value, formula.map(String::as_str)))
                })
                .collect()
        })
        .collect();
    for m in merged {
        let Some(top) = rows
            .get(m.start.0.saturating_sub(r0) as usize)
            .and_then(|r| r.get(m.start.1.saturating_sub(c0) as usize))
            .map(|c| c.text.clone())
        else {
            continue;
        };
        for r in m.start.0..=m.end.0 {
            for c in m.start.1..=m.end.1 {
                if (r, c) == m.start || r < r0 || c < c0 {
                    continue;
                }
                if let Some(cell) = rows
                    .get_mut((r - r0) as usize)
                    .and_then(|row| row.get_mut((c - c0) as usize))
                {
                    cell.text = top.clone();
                    cell.copy = true;
                }
            }
        }
    }
    rows
}

/// A cell as printed: numbers in their shortest exact decimal form (Excel stores 12 as 12.0),
/// text as typed, a formula without a cached value as its formula text.
fn cell_text(value: &Data, formula: Option<&str>) -> String {
    match value {
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => format!("{f}"),
        Data::String(s) => s.clone(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
        Data::Empty => match formula {
            Some(f) => format!("={f}"),
            None => String::new(),
        },
    }
}
