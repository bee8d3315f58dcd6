//! Writing report files: the inverse of [`crate::load::report`].
//!
//! `gongkai new` writes zero-filled skeletons with it, the importer writes imported reports,
//! and the archive generator writes synthetic ones. The layout follows the printed tables:
//! one array per printed row, with the official labels as comments.

use std::fmt::Write;

use crate::format::{Format, Table, formats};
use crate::model::{Acknowledgement, Cell};

/// The rows of one table: row key and cells in printed order.
pub type Rows = Vec<(String, Vec<Cell>)>;

/// Everything needed to write a report file.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub title: Option<String>,
    pub year: i32,
    pub format: String,
    pub published: Option<String>,
    pub source_url: Option<String>,
    pub source: Option<String>,
    pub agency_name: Option<String>,
    /// Per table key, per row key, the cells in printed order. Missing rows are zero-filled.
    pub tables: Vec<(String, Rows)>,
    pub acknowledgements: Vec<Acknowledgement>,
    /// Per section numeral (`一`, `五`, …), the Markdown text under its heading.
    pub sections: Vec<(String, String)>,
    /// Notes for the person finishing the draft, written as TOML comments at the top.
    pub review_notes: Vec<String>,
}

impl Draft {
    /// A zero-filled skeleton of `format` for `year`.
    pub fn skeleton(year: i32, format: &Format) -> Draft {
        Draft {
            year,
            format: format.id.clone(),
            ..Draft::default()
        }
    }

    fn cells(&self, table: &str, row: &str) -> Option<&Vec<Cell>> {
        self.tables
            .iter()
            .find(|(t, _)| t == table)?
            .1
            .iter()
            .find(|(r, _)| r == row)
            .map(|(_, c)| c)
    }
}

/// A TOML basic string.
pub fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A cell as a TOML value: numbers bare, empty cells and amounts with units quoted.
pub fn toml_cell(c: &Cell) -> String {
    match c {
        Cell::Empty(b) => toml_string(b.as_str()),
        Cell::Count(n) => n.to_string(),
        Cell::Delta(n) => n.to_string(),
        Cell::Amount(a) if a.unit.is_some() || a.printed.is_some() => {
            toml_string(&a.printed_text())
        }
        Cell::Amount(a) => a.value.to_string(),
    }
}

fn zero(table: &Table, col: usize) -> Cell {
    match table.columns[col].kind {
        crate::format::Kind::Count => Cell::Count(0),
        crate::format::Kind::Delta => Cell::Delta(0),
        crate::format::Kind::Amount => Cell::amount(crate::model::Amount::plain(0.into())),
    }
}

/// The report file text for `draft`.
pub fn render(draft: &Draft) -> String {
    let f = formats();
    let format = f
        .format(&draft.format)
        .unwrap_or_else(|| f.default_for_year(draft.year));
    let mut s = String::from("+++\n");
    for n in &draft.review_notes {
        for line in n.lines() {
            let _ = writeln!(s, "# REVIEW: {line}");
        }
    }
    let opt = |s: &mut String, k: &str, v: &Option<String>| {
        if let Some(v) = v {
            let _ = writeln!(s, "{k} = {}", toml_string(v));
        }
    };
    opt(&mut s, "title", &draft.title);
    opt(&mut s, "agency_name", &draft.agency_name);
    let _ = writeln!(s, "year = {}", draft.year);
    let _ = writeln!(
        s,
        "format = \"{}\"  # {}（{}）",
        format.id, format.label.zh, format.document
    );
    if let Some(p) = &draft.published {
        let _ = writeln!(s, "published = {p}");
    }
    opt(&mut s, "source_url", &draft.source_url);
    opt(&mut s, "source", &draft.source);

    for table in f.tables_of(format) {
        let section = f.section_for_table(&table.key);
        s.push('\n');
        if let Some(sec) = section {
            let _ = writeln!(s, "# {}", sec.zh);
        }
        let _ = writeln!(s, "[{}]", table.key);
        let width = table.rows.iter().map(|r| r.key.len()).max().unwrap_or(0);
        for block in &table.blocks {
            let cols: Vec<&str> = block
                .columns
                .iter()
                .map(|&c| table.columns[c].label.zh.as_str())
                .collect();
            match &block.caption {
                Some(c) => {
                    let _ = writeln!(s, "# {}: {}", c.zh, cols.join(", "));
                }
                None => {
                    let _ = writeln!(s, "# 各列：{}", cols.join("，"));
                }
            }
            for &ri in &block.rows {
                let row = &table.rows[ri];
                let values: Vec<String> = match draft.cells(&table.key, &row.key) {
                    Some(cells) => cells.iter().map(toml_cell).collect(),
                    None => row
                        .columns
                        .iter()
                        .map(|&c| toml_cell(&zero(table, c)))
                        .collect(),
                };
                let _ = writeln!(
                    s,
                    "{:width$} = [{}]  # {}",
                    row.key,
                    values.join(", "),
                    table.row_label(ri, "zh"),
                );
            }
        }
    }
    for a in &draft.acknowledgements {
        let _ = writeln!(
            s,
            "\n[[acknowledged]]\ncheck = {}\nat = {}\nnote = {}",
            toml_string(&a.check),
            toml_string(&a.at),
            toml_string(&a.note)
        );
    }
    s.push_str("+++\n");
    for sec in &f.sections {
        let text = draft
            .sections
            .iter()
            .find(|(n, _)| *n == sec.num)
            .map(|(_, t)| t.as_str());
        match text {
            Some(t) => {
                let _ = write!(s, "\n## {}\n\n{}\n", sec.zh, t.trim());
            }
            None if sec.table.is_none() => {
                let _ = write!(s, "\n## {}\n\n<!-- 请在此填写本部分内容 -->\n", sec.zh);
            }
            None => {}
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(toml_string("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(toml_string("俵口镇"), "\"俵口镇\"");
    }
}
