//! A minimal .xlsx writer: sheets of text and numbers with a bold, frozen header row and
//! column widths, nothing else. Written here rather than with rust_xlsxwriter because the
//! bulk table is millions of cells: rust_xlsxwriter took 2.3 s for the 10,000-report table
//! (2.8 million cells; README), this writer about 0.3 s, and it needs no crate beyond the
//! zip and deflate ones already built for import. Rows go straight into the compressed zip
//! entry, so memory holds the compressed workbook, not the sheet's XML.
//!
//! The parts are those of SpreadsheetML (ECMA-376 part 1): content types, the package and
//! workbook relationships, the workbook, one style sheet and the worksheets; text is written
//! inline (`t="inlineStr"`), so there is no shared-string table to build.

use std::io::{Cursor, Write};

use zip::ZipWriter;
use zip::write::SimpleFileOptions;

/// A workbook being written, one sheet after the other.
pub struct Workbook {
    zip: ZipWriter<Cursor<Vec<u8>>>,
    names: Vec<String>,
}

/// The sheet being written: rows of cells, each with its reference (`B7`).
pub struct Sheet<'a> {
    zip: &'a mut ZipWriter<Cursor<Vec<u8>>>,
    /// XML not yet handed to the zip entry.
    xml: Vec<u8>,
    row: u32,
    /// `row` as text, for the cell references.
    row_text: String,
    col: u32,
}

fn options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        // A fixed date: the same sheets give the same bytes.
        .last_modified_time(zip::DateTime::default())
}

fn zip_error(e: zip::result::ZipError) -> String {
    e.to_string()
}

impl Default for Workbook {
    fn default() -> Self {
        Workbook {
            zip: ZipWriter::new(Cursor::new(Vec::new())),
            names: Vec::new(),
        }
    }
}

impl Workbook {
    /// Starts the next sheet, named `name` (at most 31 characters, none of `[]:*?/\`;
    /// replaced otherwise), with column widths in characters from the first column.
    pub fn sheet(&mut self, name: &str, widths: &[f32]) -> Result<Sheet<'_>, String> {
        let name: String = name
            .chars()
            .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
            .take(31)
            .collect();
        self.names.push(name);
        let path = format!("xl/worksheets/sheet{}.xml", self.names.len());
        self.zip.start_file(path, options()).map_err(zip_error)?;
        let mut xml = Vec::with_capacity(1 << 17);
        xml.extend_from_slice(
            b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
              <worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
              <sheetViews><sheetView workbookViewId=\"0\">\
              <pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>\
              </sheetView></sheetViews><sheetFormatPr defaultRowHeight=\"15\"/>",
        );
        if !widths.is_empty() {
            xml.extend_from_slice(b"<cols>");
            for (i, w) in widths.iter().enumerate() {
                let n = i + 1;
                let _ = write!(
                    xml,
                    "<col min=\"{n}\" max=\"{n}\" width=\"{w:.1}\" customWidth=\"1\"/>"
                );
            }
            xml.extend_from_slice(b"</cols>");
        }
        xml.extend_from_slice(b"<sheetData>");
        Ok(Sheet {
            zip: &mut self.zip,
            xml,
            row: 0,
            row_text: String::new(),
            col: 0,
        })
    }

    /// The workbook file.
    pub fn finish(mut self) -> Result<Vec<u8>, String> {
        let mut content_types = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
             <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
             <Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>",
        );
        let mut workbook = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
             <workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
             xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">\
             <bookViews><workbookView/></bookViews><sheets>",
        );
        let mut rels = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
             <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
        );
        for (i, name) in self.names.iter().enumerate() {
            let n = i + 1;
            content_types.push_str(&format!(
                "<Override PartName=\"/xl/worksheets/sheet{n}.xml\" \
                 ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
            ));
            let mut escaped = Vec::new();
            escape(&mut escaped, name);
            let name = String::from_utf8_lossy(&escaped).replace('"', "&quot;");
            workbook.push_str(&format!(
                "<sheet name=\"{name}\" sheetId=\"{n}\" r:id=\"rId{n}\"/>"
            ));
            rels.push_str(&format!(
                "<Relationship Id=\"rId{n}\" \
                 Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" \
                 Target=\"worksheets/sheet{n}.xml\"/>"
            ));
        }
        let styles = self.names.len() + 1;
        rels.push_str(&format!(
            "<Relationship Id=\"rId{styles}\" \
             Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" \
             Target=\"styles.xml\"/></Relationships>"
        ));
        content_types.push_str("</Types>");
        workbook.push_str("</sheets></workbook>");
        let root_rels = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
            <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
            <Relationship Id=\"rId1\" \
            Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" \
            Target=\"xl/workbook.xml\"/></Relationships>";
        // The package parts after the sheets: their order in the zip does not matter.
        for (path, bytes) in [
            ("[Content_Types].xml", content_types.as_bytes()),
            ("_rels/.rels", root_rels.as_bytes()),
            ("xl/workbook.xml", workbook.as_bytes()),
            ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
            ("xl/styles.xml", STYLES.as_bytes()),
        ] {
            self.zip.start_file(path, options()).map_err(zip_error)?;
            self.zip.write_all(bytes).map_err(|e| e.to_string())?;
        }
        self.zip.finish().map(Cursor::into_inner).map_err(zip_error)
    }
}

impl Sheet<'_> {
    /// Starts the next row (rows are numbered from 1; the first is the header).
    pub fn row(&mut self) -> Result<(), String> {
        self.end_row();
        if self.xml.len() > 1 << 16 {
            self.flush()?;
        }
        self.row += 1;
        self.row_text = self.row.to_string();
        self.col = 0;
        self.xml.extend_from_slice(b"<row r=\"");
        self.xml.extend_from_slice(self.row_text.as_bytes());
        self.xml.extend_from_slice(b"\">");
        Ok(())
    }

    fn end_row(&mut self) {
        if self.row > 0 {
            self.xml.extend_from_slice(b"</row>");
        }
    }

    fn flush(&mut self) -> Result<(), String> {
        self.zip.write_all(&self.xml).map_err(|e| e.to_string())?;
        self.xml.clear();
        Ok(())
    }

    /// The reference of the next cell, opening its `<c` element.
    fn open_cell(&mut self) {
        self.xml.extend_from_slice(b"<c r=\"");
        column_name(&mut self.xml, self.col);
        self.xml.extend_from_slice(self.row_text.as_bytes());
        self.xml.push(b'"');
        if self.row == 1 {
            // The header style (bold), see STYLES.
            self.xml.extend_from_slice(b" s=\"1\"");
        }
    }

    /// A text cell.
    pub fn text(&mut self, s: &str) {
        self.open_cell();
        self.xml
            .extend_from_slice(b" t=\"inlineStr\"><is><t xml:space=\"preserve\">");
        escape(&mut self.xml, s);
        self.xml.extend_from_slice(b"</t></is></c>");
        self.col += 1;
    }

    /// A number cell; `digits` is its decimal text (`12`, `-3`, `0.25`).
    pub fn number(&mut self, digits: &str) {
        self.open_cell();
        self.xml.extend_from_slice(b"><v>");
        self.xml.extend_from_slice(digits.as_bytes());
        self.xml.extend_from_slice(b"</v></c>");
        self.col += 1;
    }

    /// An empty cell (nothing is written; the next cell's reference says where it is).
    pub fn blank(&mut self) {
        self.col += 1;
    }

    /// Ends the sheet.
    pub fn end(mut self) -> Result<(), String> {
        self.end_row();
        self.xml.extend_from_slice(b"</sheetData></worksheet>");
        self.flush()
    }
}

/// `A`, …, `Z`, `AA`, … for column index `col` (from 0).
fn column_name(out: &mut Vec<u8>, col: u32) {
    let mut n = col + 1;
    let mut letters = [0u8; 4];
    let mut len = 0;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters[len] = b'A' + rem as u8;
        len += 1;
        n = (n - 1) / 26;
    }
    out.extend(letters[..len].iter().rev());
}

/// XML text: `&`, `<`, `>` escaped, and the control characters XML 1.0 cannot hold dropped
/// (a file with one is refused by Excel).
fn escape(out: &mut Vec<u8>, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '\t' | '\n' | '\r' => out.push(c as u8),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

/// Fonts, fills, borders and two cell formats: 0 plain, 1 bold (the header).
const STYLES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font>\
<font><b/><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>\
<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>\
<fill><patternFill patternType=\"gray125\"/></fill></fills>\
<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>\
<cellXfs count=\"2\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>\
<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/></cellXfs>\
<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>\
</styleSheet>";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names() {
        let name = |c| {
            let mut v = Vec::new();
            column_name(&mut v, c);
            String::from_utf8(v).unwrap_or_default()
        };
        assert_eq!(name(0), "A");
        assert_eq!(name(25), "Z");
        assert_eq!(name(26), "AA");
        assert_eq!(name(701), "ZZ");
        assert_eq!(name(702), "AAA");
    }

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        let mut v = Vec::new();
        escape(&mut v, "a<b>&c\u{1}d\u{b}e\tf");
        assert_eq!(
            String::from_utf8(v).unwrap_or_default(),
            "a&lt;b&gt;&amp;cde\tf"
        );
    }
}
