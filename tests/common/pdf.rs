//! Reports printed as PDF by the tests themselves, with the layouts real PDFs have: a small PDF
//! writer (the predefined Chinese font STSong-Light, so nothing is embedded; digits optionally in
//! a Latin font, as Word prints them), tables drawn with ruling lines and cell text vertically
//! centred, and the traps of issue 18 as switches.

use super::published::{GridCell, Item, Published, Quirks, items};

/// How the PDF is laid out.
#[derive(Debug, Clone, Copy, Default)]
pub struct Layout {
    /// Tall merged labels (三、本年度办理结果, （三）不予公开) printed one character per line.
    pub vertical_labels: bool,
    /// Header cells wrapped after half their characters (`商业` / `企业`).
    pub split_headers: bool,
    /// A table continued on the next page repeats its header rows.
    pub repeat_header: bool,
    /// A running header and a page number on every page.
    pub furniture: bool,
    /// Digits and Latin letters in Helvetica, a simple font, as Word prints them.
    pub latin_digits: bool,
    /// The text is written in an order unrelated to the layout: every page's values first,
    /// then its labels from the bottom up.
    pub scrambled: bool,
    /// Page height in points (A4 when 0); a short page breaks tables more often.
    pub page_height: f32,
    /// Tables printed without ruling lines: columns only by position.
    pub borderless: bool,
}

const WIDTH: f32 = 595.0;
const MARGIN: f32 = 50.0;
const BODY: f32 = 10.5;
const CELL: f32 = 9.0;

/// A report as a PDF.
pub fn to_pdf(p: &Published, q: Quirks, l: Layout) -> Vec<u8> {
    let mut w = Writer::new(l);
    for (k, item) in items(p, q).iter().enumerate() {
        match item {
            Item::Para(t) if k == 0 => w.centred(t, 16.0),
            Item::Para(t) => w.paragraph(t),
            Item::Table(g) => w.table(g),
        }
    }
    w.finish()
}

struct Page {
    /// Text drawn as labels and as values, kept apart for [`Layout::scrambled`].
    labels: Vec<String>,
    values: Vec<String>,
    lines: String,
}

struct Writer {
    l: Layout,
    pages: Vec<Page>,
    /// The page drawn on: the last one, or an earlier one while a table's cells that span
    /// pages are drawn.
    at: usize,
    /// The top of the free space on the current page.
    y: f32,
}

fn width_of(s: &str, size: f32, latin: bool) -> f32 {
    s.chars()
        .map(|c| {
            if latin && c.is_ascii() {
                size * 0.556
            } else {
                size
            }
        })
        .sum()
}

/// Lines of at most `width` points, never breaking inside a run of Latin letters and digits.
fn wrap(text: &str, size: f32, width: f32, latin: bool) -> Vec<String> {
    let mut out = Vec::new();
    for part in text.split('\n') {
        let chars: Vec<char> = part.chars().collect();
        let mut line = String::new();
        let mut i = 0;
        while i < chars.len() {
            // The next unbreakable piece: a Latin run or one character.
            let mut j = i + 1;
            if chars[i].is_ascii_alphanumeric() {
                while j < chars.len() && chars[j].is_ascii_alphanumeric() {
                    j += 1;
                }
            }
            let piece: String = chars[i..j].iter().collect();
            if !line.is_empty()
                && width_of(&line, size, latin) + width_of(&piece, size, latin) > width
            {
                out.push(std::mem::take(&mut line));
            }
            line.push_str(&piece);
            i = j;
        }
        out.push(line);
    }
    out
}

impl Writer {
    fn new(l: Layout) -> Writer {
        let mut w = Writer {
            l,
            pages: Vec::new(),
            at: 0,
            y: 0.0,
        };
        w.new_page();
        w
    }

    fn height(&self) -> f32 {
        if self.l.page_height > 0.0 {
            self.l.page_height
        } else {
            842.0
        }
    }

    fn new_page(&mut self) {
        let n = self.pages.len() + 1;
        self.pages.push(Page {
            labels: Vec::new(),
            values: Vec::new(),
            lines: String::new(),
        });
        self.at = self.pages.len() - 1;
        let h = self.height();
        if self.l.furniture {
            self.text(MARGIN, h - 30.0, 9.0, "政府信息公开工作年度报告", false);
            let num = format!("- {n} -");
            self.text(WIDTH / 2.0 - 10.0, 25.0, 9.0, &num, false);
        }
        self.y = h - MARGIN;
    }

    /// Writes `s` at (x, baseline y), Latin runs in Helvetica when asked.
    fn text(&mut self, x: f32, y: f32, size: f32, s: &str, value: bool) {
        let latin = self.l.latin_digits;
        let mut ops = String::new();
        let mut x = x;
        let mut run = String::new();
        let mut run_latin = false;
        let flush = |ops: &mut String, x: &mut f32, run: &mut String, is_latin: bool| {
            if run.is_empty() {
                return;
            }
            let code: String = if is_latin {
                run.bytes().map(|b| format!("{b:02X}")).collect()
            } else {
                run.encode_utf16().map(|u| format!("{u:04X}")).collect()
            };
            let font = if is_latin { "F2" } else { "F1" };
            ops.push_str(&format!(
                "BT /{font} {size} Tf 1 0 0 1 {x:.2} {y:.2} Tm <{code}> Tj ET\n"
            ));
            *x += width_of(run, size, is_latin);
            run.clear();
        };
        for c in s.chars() {
            let l = latin && c.is_ascii();
            if l != run_latin {
                flush(&mut ops, &mut x, &mut run, run_latin);
                run_latin = l;
            }
            run.push(c);
        }
        flush(&mut ops, &mut x, &mut run, run_latin);
        let page = &mut self.pages[self.at];
        if value {
            page.values.push(ops);
        } else {
            page.labels.push(ops);
        }
    }

    fn line(&mut self, x0: f32, y0: f32, x1: f32, y1: f32) {
        if self.l.borderless {
            return;
        }
        let page = &mut self.pages[self.at];
        let (w, h) = ((x1 - x0).max(0.5), (y1 - y0).max(0.5));
        page.lines
            .push_str(&format!("{x0:.2} {y0:.2} {w:.2} {h:.2} re f\n"));
    }

    fn need(&mut self, h: f32) {
        if self.y - h < MARGIN + 10.0 {
            self.new_page();
        }
    }

    fn centred(&mut self, t: &str, size: f32) {
        self.need(size * 2.0);
        let w = width_of(t, size, self.l.latin_digits);
        self.y -= size * 1.6;
        self.text((WIDTH - w) / 2.0, self.y, size, t, false);
        self.y -= size * 0.6;
    }

    fn paragraph(&mut self, t: &str) {
        let latin = self.l.latin_digits;
        // The first line indented two characters, as Chinese prose is printed.
        let indented = format!("\u{3000}\u{3000}{t}");
        let lines = wrap(&indented, BODY, WIDTH - 2.0 * MARGIN, latin);
        for (i, line) in lines.iter().enumerate() {
            self.need(BODY * 1.6);
            self.y -= BODY * 1.6;
            let (x, s) = if i == 0 {
                (MARGIN + 2.0 * BODY, line.trim_start_matches('\u{3000}'))
            } else {
                (MARGIN, line.as_str())
            };
            self.text(x, self.y, BODY, s, false);
        }
        self.y -= BODY * 0.4;
    }

    fn table(&mut self, grid: &[Vec<GridCell>]) {
        let cols: usize = grid[0].iter().map(|c| c.colspan).sum();
        let cw = (WIDTH - 2.0 * MARGIN) / cols as f32;
        let l = self.l;
        let latin = l.latin_digits;
        // Place the cells on the full grid: (row, col, cell).
        let mut placed: Vec<(usize, usize, &GridCell)> = Vec::new();
        let mut taken = vec![vec![false; cols]; grid.len()];
        for (r, row) in grid.iter().enumerate() {
            let mut c = 0;
            for cell in row {
                while c < cols && taken[r][c] {
                    c += 1;
                }
                for row in taken.iter_mut().skip(r).take(cell.rowspan) {
                    for t in row.iter_mut().skip(c).take(cell.colspan) {
                        *t = true;
                    }
                }
                placed.push((r, c, cell));
                c += cell.colspan;
            }
        }
        let lines_of = |cell: &GridCell| -> Vec<String> {
            if l.vertical_labels && cell.rowspan >= 4 && cell.colspan == 1 {
                return cell
                    .text
                    .chars()
                    .filter(|c| *c != '\n')
                    .map(String::from)
                    .collect();
            }
            let width = cw * cell.colspan as f32 - 4.0;
            let n = cell.text.chars().count();
            if l.split_headers && cell.header && n >= 4 && !cell.text.contains('\n') {
                let half = n / 2;
                let a: String = cell.text.chars().take(half).collect();
                let b: String = cell.text.chars().skip(half).collect();
                return [wrap(&a, CELL, width, latin), wrap(&b, CELL, width, latin)].concat();
            }
            wrap(&cell.text, CELL, width, latin)
        };
        let lh = CELL * 1.4;
        let mut heights = vec![lh + 6.0; grid.len()];
        for &(r, _, cell) in &placed {
            if cell.rowspan == 1 {
                heights[r] = heights[r].max(lines_of(cell).len() as f32 * lh + 6.0);
            }
        }
        for &(r, _, cell) in &placed {
            let end = (r + cell.rowspan).min(grid.len());
            let have: f32 = heights[r..end].iter().sum();
            let need = lines_of(cell).len() as f32 * lh + 6.0;
            if need > have {
                heights[end - 1] += need - have;
            }
        }
        let header_rows = grid
            .iter()
            .take_while(|row| row.iter().all(|c| c.header))
            .count()
            .min(grid.len() - 1);
        // Lay the rows out on pages: (page, top) of each row; header rows again on a new page.
        let mut tops: Vec<(usize, f32)> = Vec::new();
        let mut repeats: Vec<(usize, f32)> = Vec::new();
        for (r, &h) in heights.iter().enumerate() {
            if self.y - h < MARGIN + 10.0 {
                self.new_page();
                if self.l.repeat_header && r >= header_rows {
                    repeats.push((self.pages.len() - 1, self.y));
                    self.y -= heights[..header_rows].iter().sum::<f32>();
                }
            }
            tops.push((self.pages.len() - 1, self.y));
            self.y -= h;
        }
        let x_of = |c: usize| MARGIN + c as f32 * cw;
        let draw = |w: &mut Writer,
                    page: usize,
                    r0: usize,
                    r1: usize,
                    c: usize,
                    cell: &GridCell,
                    top: f32,
                    text: bool| {
            let h: f32 = heights[r0..r1].iter().sum();
            let (x0, x1) = (x_of(c), x_of(c + cell.colspan));
            w.at = page;
            w.line(x0, top - 0.5, x1, top + 0.0);
            w.line(x0, top - h - 0.5, x1, top - h);
            w.line(x0, top - h, x0 + 0.5, top);
            w.line(x1 - 0.5, top - h, x1, top);
            if text {
                let lines = lines_of(cell);
                let block = lines.len() as f32 * lh;
                let mut y = top - (h - block) / 2.0 - CELL;
                for line in &lines {
                    let lw = width_of(line, CELL, latin);
                    let x = (x0 + x1 - lw) / 2.0;
                    w.text(x, y, CELL, line, cell.value);
                    y -= lh;
                }
            }
            w.at = w.pages.len() - 1;
        };
        for &(r, c, cell) in &placed {
            let end = (r + cell.rowspan).min(grid.len());
            // The cell split into parts by page; its text in the part holding its middle row.
            let middle = r + (end - r - 1) / 2;
            let mut start = r;
            while start < end {
                let page = tops[start].0;
                let mut stop = start;
                while stop < end && tops[stop].0 == page {
                    stop += 1;
                }
                let text = (start..stop).contains(&middle);
                draw(self, page, start, stop, c, cell, tops[start].1, text);
                start = stop;
            }
        }
        for (page, top) in repeats {
            let mut y = top;
            let mut row_tops = Vec::new();
            for h in &heights[..header_rows] {
                row_tops.push(y);
                y -= h;
            }
            for &(r, c, cell) in placed.iter().filter(|p| p.0 < header_rows) {
                let end = (r + cell.rowspan).min(header_rows);
                draw(self, page, r, end, c, cell, row_tops[r], true);
            }
        }
        self.y -= 8.0;
    }

    fn finish(self) -> Vec<u8> {
        let scrambled = self.l.scrambled;
        let h = self.height();
        let mut objects: Vec<Vec<u8>> = vec![
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            Vec::new(), // the page tree, written last
            b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] >>".to_vec(),
            b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 5 0 R /DW 1000 >>".to_vec(),
            b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>".to_vec(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /FirstChar 32 /LastChar 126 /Widths [278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 556 278 556 556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 500 500 500 334 260 334 584] >>".to_vec(),
        ];
        let mut kids = Vec::new();
        for page in &self.pages {
            let mut content = page.lines.clone();
            if scrambled {
                for v in &page.values {
                    content.push_str(v);
                }
                for l in page.labels.iter().rev() {
                    content.push_str(l);
                }
            } else {
                // Row by row as a word processor writes them: labels and values interleaved
                // in the order they were laid out.
                for l in &page.labels {
                    content.push_str(l);
                }
                for v in &page.values {
                    content.push_str(v);
                }
            }
            let stream = format!(
                "<< /Length {} >>\nstream\n{content}\nendstream",
                content.len() + 1
            );
            objects.push(stream.into_bytes());
            let content_id = objects.len();
            objects.push(
                format!(
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {WIDTH} {h}] /Resources << /Font << /F1 3 0 R /F2 6 0 R >> >> /Contents {content_id} 0 R >>"
                )
                .into_bytes(),
            );
            kids.push(format!("{} 0 R", objects.len()));
        }
        objects[1] = format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            kids.len()
        )
        .into_bytes();
        assemble(&objects)
    }
}

/// A PDF file of `objects` (object 1 the catalogue), with its cross-reference table.
fn assemble(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// One page drawn by `content` with `resources`, and `extra` objects numbered from 5.
fn one_page(content: &str, resources: &str, extra: &[&str]) -> Vec<u8> {
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources {resources} /Contents 4 0 R >>").into_bytes(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len() + 1).into_bytes(),
    ];
    objects.extend(extra.iter().map(|e| e.as_bytes().to_vec()));
    assemble(&objects)
}

/// A scanned page: a picture of the report and no text.
pub fn scanned() -> Vec<u8> {
    let pixels = "00".repeat(16);
    one_page(
        "q 595 0 0 842 0 0 cm /Im1 Do Q",
        "<< /XObject << /Im1 5 0 R >> >>",
        &[&format!(
            "<< /Type /XObject /Subtype /Image /Width 4 /Height 4 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /ASCIIHexDecode /Length {} >>\nstream\n{pixels}>\nendstream",
            pixels.len() + 1
        )],
    )
}

/// Text in an embedded-style font with glyph numbers (Identity-H) and no ToUnicode map.
pub fn without_text_map() -> Vec<u8> {
    one_page(
        "BT /F1 12 Tf 72 700 Td <0123045601230456> Tj ET BT /F1 12 Tf 72 680 Td <07890abc> Tj ET",
        "<< /Font << /F1 5 0 R >> >>",
        &[
            "<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+SimSun /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+SimSun /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        ],
    )
}
