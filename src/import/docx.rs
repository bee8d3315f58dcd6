//! A `.docx` file read straight from `word/document.xml`: body paragraphs, and tables with
//! `w:gridSpan` (merged across) and `w:vMerge` (merged down) expanded as copies, like HTML
//! spans, so that both read the same.

use std::io::Read;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::doc::{Block, Cell, Doc};

/// The largest `document.xml` read (a report is well under 1 MB).
const MAX_XML: u64 = 64 * 1024 * 1024;

pub fn read(bytes: &[u8]) -> Result<Doc, String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| t!("import.not_docx", error = e))?;
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .map_err(|_| t!("import.no_document_xml"))?
        .take(MAX_XML)
        .read_to_string(&mut xml)
        .map_err(|e| t!("import.docx_unreadable", error = e))?;
    parse(&xml)
}

/// A table cell being read.
#[derive(Default)]
struct TableCell {
    text: String,
    span: usize,
    /// `Some(true)` starts a vertical merge, `Some(false)` continues one.
    vmerge: Option<bool>,
}

#[derive(Default)]
struct TableBuilder {
    rows: Vec<Vec<TableCell>>,
}

impl TableBuilder {
    fn cell(&mut self) -> Option<&mut TableCell> {
        self.rows.last_mut()?.last_mut()
    }

    /// The grid with merges expanded.
    fn grid(self) -> Vec<Vec<Cell>> {
        let mut out: Vec<Vec<Cell>> = Vec::new();
        for row in self.rows {
            let mut cells: Vec<Cell> = Vec::new();
            for c in row {
                let col = cells.len();
                let (text, copy) = if c.vmerge == Some(false) {
                    let above = out
                        .last()
                        .and_then(|r| r.get(col))
                        .map_or(String::new(), |a| a.text.clone());
                    (above, true)
                } else {
                    (super::doc::clean(&c.text), false)
                };
                cells.push(Cell {
                    text: text.clone(),
                    copy,
                });
                for _ in 1..c.span {
                    cells.push(Cell {
                        text: text.clone(),
                        copy: true,
                    });
                }
            }
            out.push(cells);
        }
        out
    }
}

fn attr_val(e: &BytesStart<'_>) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == "val")
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// The reader's state while walking `document.xml`.
#[derive(Default)]
struct State {
    doc: Doc,
    tables: Vec<TableBuilder>,
    para: String,
    in_text: bool,
}

impl State {
    /// An element opens (or stands alone, when `empty`).
    fn open(&mut self, e: &BytesStart<'_>, empty: bool) {
        match e.local_name().as_ref() {
            "tbl" if !empty => self.tables.push(TableBuilder::default()),
            "tr" => {
                if let Some(t) = self.tables.last_mut() {
                    t.rows.push(Vec::new());
                }
            }
            "tc" => {
                if let Some(row) = self.tables.last_mut().and_then(|t| t.rows.last_mut()) {
                    row.push(TableCell {
                        span: 1,
                        ..TableCell::default()
                    });
                }
            }
            "gridSpan" => {
                let n = attr_val(e)
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(1)
                    .clamp(1, 200);
                if let Some(c) = self.tables.last_mut().and_then(TableBuilder::cell) {
                    c.span = n;
                }
            }
            "vMerge" => {
                let restart = attr_val(e).is_some_and(|v| v == "restart");
                if let Some(c) = self.tables.last_mut().and_then(TableBuilder::cell) {
                    c.vmerge = Some(restart);
                }
            }
            "t" if !empty => self.in_text = true,
            "tab" => self.para.push(' '),
            "br" | "cr" => self.para.push('\n'),
            _ => {}
        }
    }

    fn close(&mut self, name: &str) {
        match name {
            "t" => self.in_text = false,
            "p" => {
                let text = std::mem::take(&mut self.para);
                match self.tables.last_mut().and_then(TableBuilder::cell) {
                    Some(c) => {
                        if !c.text.is_empty() {
                            c.text.push('\n');
                        }
                        c.text.push_str(&text);
                    }
                    None => self.doc.para(&text),
                }
            }
            "tbl" => {
                let Some(t) = self.tables.pop() else { return };
                let grid = t.grid();
                match self.tables.last_mut().and_then(TableBuilder::cell) {
                    // A table inside a cell: its text joins the cell.
                    Some(c) => {
                        for cell in grid.iter().flatten().filter(|x| !x.copy) {
                            c.text.push('\n');
                            c.text.push_str(&cell.text);
                        }
                    }
                    None if !grid.is_empty() => self.doc.blocks.push(Block::Table(grid)),
                    None => {}
                }
            }
            _ => {}
        }
    }
}

pub fn parse(xml: &str) -> Result<Doc, String> {
    let mut reader = Reader::from_str(xml);
    let mut st = State::default();
    loop {
        match reader
            .read_event()
            .map_err(|e| t!("import.docx_bad_xml", error = e))?
        {
            Event::Start(e) => st.open(&e, false),
            Event::Empty(e) => st.open(&e, true),
            Event::End(e) => st.close(e.local_name().as_ref()),
            Event::Text(t) if st.in_text => st.para.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if st.in_text => match r.resolve_char_ref() {
                Ok(Some(c)) => st.para.push(c),
                _ => st.para.push_str(match r.xml10_content().as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                }),
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(st.doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_expand_like_html_spans() {
        let xml = r#"<w:document xmlns:w="w"><w:body>
            <w:p><w:r><w:t>一、总体情况 &amp; 说明</w:t></w:r></w:p>
            <w:tbl>
              <w:tr><w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>三、本年度</w:t></w:r><w:r><w:t>办理结果</w:t></w:r></w:p></w:tc>
                    <w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>（一）予以公开</w:t></w:r></w:p></w:tc>
                    <w:tc><w:p><w:r><w:t>1</w:t></w:r><w:r><w:t>2</w:t></w:r></w:p></w:tc></w:tr>
              <w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>
                    <w:tc><w:p><w:r><w:t>商业</w:t></w:r></w:p><w:p><w:r><w:t>企业</w:t></w:r></w:p></w:tc>
                    <w:tc><w:p/></w:tc><w:tc><w:p><w:r><w:t xml:space="preserve"> 0</w:t></w:r></w:p></w:tc></w:tr>
            </w:tbl></w:body></w:document>"#;
        let doc = parse(xml).unwrap();
        assert_eq!(doc.blocks[0], Block::Para("一、总体情况&说明".into()));
        let Block::Table(t) = &doc.blocks[1] else {
            panic!("a table")
        };
        fn row(r: &[Cell]) -> Vec<(&str, bool)> {
            r.iter().map(|c| (c.text.as_str(), c.copy)).collect()
        }
        assert_eq!(
            row(&t[0]),
            vec![
                ("三、本年度办理结果", false),
                ("（一）予以公开", false),
                ("（一）予以公开", true),
                ("12", false)
            ]
        );
        assert_eq!(
            row(&t[1]),
            vec![
                ("三、本年度办理结果", true),
                ("商业企业", false),
                ("", false),
                ("0", false)
            ]
        );
    }
}
