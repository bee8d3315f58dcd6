//! Plain text extracted from a Word file (as tests/fixtures/seed/ has it): paragraphs one per
//! line; every table cell on its own line after a TAB, rows separated by blank lines, merged
//! or blank cells as a line holding only the TAB, and wrapped header cells continued on the
//! next line without a TAB (`\t商业` / `企业`).

use super::doc::{Block, Cell, Doc};

pub fn read(text: &str) -> Doc {
    let mut doc = Doc::default();
    let mut table: Vec<Vec<Cell>> = Vec::new();
    let mut row: Vec<Cell> = Vec::new();
    // The previous line was a cell line: a following line without TAB may continue it.
    let mut after_cell = false;
    let flush_row = |table: &mut Vec<Vec<Cell>>, row: &mut Vec<Cell>| {
        if !row.is_empty() {
            table.push(std::mem::take(row));
        }
    };
    for raw in text.lines() {
        let line = raw.trim_end_matches('\r');
        if let Some(cell) = line.strip_prefix('\t') {
            row.push(Cell::new(cell));
            after_cell = true;
        } else if line.trim().is_empty() {
            flush_row(&mut table, &mut row);
            after_cell = false;
        } else if after_cell && is_continuation(line) {
            if let Some(last) = row.last_mut() {
                *last = Cell::new(&format!("{}\n{}", last.text, line));
            }
        } else {
            flush_row(&mut table, &mut row);
            if !table.is_empty() {
                doc.blocks.push(Block::Table(std::mem::take(&mut table)));
            }
            doc.para(line);
            after_cell = false;
        }
    }
    flush_row(&mut table, &mut row);
    if !table.is_empty() {
        doc.blocks.push(Block::Table(table));
    }
    doc
}

/// A short line that is not a heading: the wrapped rest of a header cell.
fn is_continuation(line: &str) -> bool {
    let t = line.trim();
    t.chars().count() <= 12 && !super::interpret::is_section_heading_text(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_rows_and_wrapped_headers() {
        let doc = read("标题\n\n\t信息内容\n\t商业\n企业\n\t\n\n\t规章\n\t 0\n\n正文");
        assert_eq!(doc.blocks.len(), 3);
        let Block::Table(t) = &doc.blocks[1] else {
            panic!("a table")
        };
        let texts: Vec<Vec<&str>> = t
            .iter()
            .map(|r| r.iter().map(|c| c.text.as_str()).collect())
            .collect();
        assert_eq!(
            texts,
            vec![vec!["信息内容", "商业企业", ""], vec!["规章", "0"]]
        );
        assert_eq!(doc.blocks[2], Block::Para("正文".into()));
    }
}
