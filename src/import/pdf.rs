//! PDF reports with a text layer (what Word, WPS and the publishing systems export).
//!
//! lopdf parses the file, its streams and content operators; this module follows the text and
//! graphics state to place every run of text and every ruling line on the page, then rebuilds
//! the document from positions, never from the order the text was written in:
//! - a table is the grid its ruling lines draw ([`lattice`]); a cell's text is whatever lies
//!   inside it, so a label wrapped over two lines beside a vertically centred number, a label
//!   printed one character per line down a merged cell, or a header word split over two lines
//!   reads as one cell;
//! - the rest of the page is lines, joined into paragraphs by indentation and line length;
//! - page numbers and the running header and footer are dropped.
//!
//! A PDF without text (a scan) is refused: reading figures from pictures would be a guess.

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::doc::{Block, Cell, Doc, clean};

/// More pages than any annual report has.
const MAX_PAGES: usize = 400;
/// Content operators followed in one document (a report has tens of thousands).
const MAX_OPERATIONS: usize = 5_000_000;
/// A content stream larger than this after decompression is not a report page.
const MAX_STREAM: usize = 64 * 1024 * 1024;
/// Form XObjects inside form XObjects.
const MAX_FORM_DEPTH: usize = 8;
/// Saved graphics states (`q`) outstanding.
const MAX_STATE_DEPTH: usize = 256;
/// Entries one ToUnicode range may define, and one map in all.
const MAX_CMAP_RANGE: u32 = 65_536;
const MAX_CMAP_ENTRIES: usize = 131_072;
/// Ruling lines on one page (a page of tables draws a few thousand).
const MAX_RULES: usize = 20_000;
/// Points within which two ruling lines are the same line.
const SNAP: f32 = 2.5;
/// The thickest filled rectangle taken as a ruling line, in points.
const RULE_THICKNESS: f32 = 3.0;

/// Reads a PDF into paragraphs and tables.
pub fn read(bytes: &[u8]) -> Result<Doc, String> {
    // A download cut short still parses page by page (lopdf rebuilds the index): refuse it
    // rather than import the pages that arrived.
    let tail = &bytes[bytes.len().saturating_sub(4096)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(t!("import.pdf_truncated"));
    }
    let opts = lopdf::LoadOptions {
        max_decompressed_size: Some(MAX_STREAM),
        ..Default::default()
    };
    let doc = Document::load_mem_with_options(bytes, opts).map_err(|e| {
        let e = e.to_string();
        if e.to_ascii_lowercase().contains("decrypt") || e.to_ascii_lowercase().contains("password")
        {
            t!("import.pdf_encrypted")
        } else {
            t!("import.pdf_unreadable", error = e)
        }
    })?;
    let pages = doc.get_pages();
    if pages.len() > MAX_PAGES {
        return Err(t!("import.pdf_pages", pages = pages.len(), max = MAX_PAGES));
    }
    let mut budget = MAX_OPERATIONS;
    let mut read = Vec::with_capacity(pages.len());
    for (&number, &id) in &pages {
        let page = read_page(&doc, id, &mut budget)
            .map_err(|e| t!("import.pdf_page", page = number, error = e))?;
        read.push(page);
    }
    let chars: usize = read
        .iter()
        .flat_map(|p| &p.texts)
        .map(|t| t.text.chars().filter(|c| !c.is_whitespace()).count())
        .sum();
    let unknown: usize = read
        .iter()
        .flat_map(|p| &p.texts)
        .map(|t| t.text.chars().filter(|&c| c == UNKNOWN).count())
        .sum();
    if chars == 0 {
        let images: usize = read.iter().map(|p| p.images).sum();
        return Err(if images > 0 {
            t!("import.pdf_scanned")
        } else {
            t!("import.pdf_no_text")
        });
    }
    if unknown * 5 > chars {
        return Err(t!("import.pdf_no_unicode", share = unknown * 100 / chars));
    }
    Ok(layout(read))
}

/// The character put where a glyph has no known Unicode value.
const UNKNOWN: char = '\u{fffd}';

// ---------------------------------------------------------------------------------------
// Reading a page: text runs and ruling lines in page space (points, y up).

#[derive(Debug, Clone)]
struct Run {
    x0: f32,
    x1: f32,
    /// Baseline.
    y: f32,
    /// The font size on the page.
    size: f32,
    text: String,
}

impl Run {
    fn cx(&self) -> f32 {
        (self.x0 + self.x1) / 2.0
    }
    /// The middle of the glyphs' height.
    fn cy(&self) -> f32 {
        self.y + self.size * 0.35
    }
}

/// An axis-aligned ruling line.
#[derive(Debug, Clone, Copy)]
struct Rule {
    horizontal: bool,
    /// y of a horizontal line, x of a vertical one.
    at: f32,
    from: f32,
    to: f32,
}

#[derive(Default)]
struct Page {
    texts: Vec<Run>,
    rules: Vec<Rule>,
    images: usize,
    /// The page's lowest and highest y.
    bottom: f32,
    top: f32,
}

type Matrix = [f32; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `a` then `b` (row vectors, as PDF writes them).
fn mul(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

fn apply(m: &Matrix, x: f32, y: f32) -> (f32, f32) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

fn num(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) if r.is_finite() => Some(*r),
        _ => None,
    }
}

fn nums<const N: usize>(ops: &[Object]) -> Option<[f32; N]> {
    if ops.len() < N {
        return None;
    }
    let mut out = [0.0; N];
    for (o, v) in ops[ops.len() - N..].iter().zip(out.iter_mut()) {
        *v = num(o)?;
    }
    Some(out)
}

/// Follows references (a bounded number of times).
fn resolve<'a>(doc: &'a Document, mut o: &'a Object) -> &'a Object {
    for _ in 0..16 {
        match o {
            Object::Reference(id) => match doc.get_object(*id) {
                Ok(next) => o = next,
                Err(_) => return &Object::Null,
            },
            _ => return o,
        }
    }
    &Object::Null
}

fn dict_get<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    d.get(key).ok().map(|o| resolve(doc, o))
}

fn as_dict(o: &Object) -> Option<&Dictionary> {
    match o {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

/// A page attribute, inherited through the page tree.
fn inherited<'a>(doc: &'a Document, id: ObjectId, key: &[u8]) -> Option<&'a Object> {
    let mut d = doc.get_dictionary(id).ok()?;
    for _ in 0..64 {
        if let Some(o) = dict_get(doc, d, key) {
            return Some(o);
        }
        d = as_dict(dict_get(doc, d, b"Parent")?)?;
    }
    None
}

#[derive(Clone)]
struct State {
    ctm: Matrix,
    font: Option<std::rc::Rc<Font>>,
    size: f32,
    char_space: f32,
    word_space: f32,
    scale: f32,
    leading: f32,
    rise: f32,
}

struct Reader<'a> {
    doc: &'a Document,
    page: Page,
    fonts: HashMap<ObjectId, std::rc::Rc<Font>>,
    budget: &'a mut usize,
}

fn read_page(doc: &Document, id: ObjectId, budget: &mut usize) -> Result<Page, String> {
    let mut reader = Reader {
        doc,
        page: Page::default(),
        fonts: HashMap::new(),
        budget,
    };
    let mut bottom = 0.0;
    let mut top = 842.0;
    if let Some(Object::Array(b)) = inherited(doc, id, b"MediaBox") {
        let v: Vec<f32> = b.iter().filter_map(|o| num(resolve(doc, o))).collect();
        if v.len() == 4 {
            bottom = v[1].min(v[3]);
            top = v[1].max(v[3]);
        }
    }
    reader.page.bottom = bottom;
    reader.page.top = top;
    let content = doc
        .get_page_content_with_limit(id, MAX_STREAM)
        .map_err(|e| e.to_string())?;
    let resources = inherited(doc, id, b"Resources").and_then(as_dict);
    reader.run(&content, resources, IDENTITY, 0)?;
    Ok(reader.page)
}

impl Reader<'_> {
    /// Follows one content stream.
    fn run(
        &mut self,
        content: &[u8],
        resources: Option<&Dictionary>,
        ctm: Matrix,
        depth: usize,
    ) -> Result<(), String> {
        // The bytes count too: a large form drawn many times is decoded each time.
        let cost = content.len() / 16;
        if cost > *self.budget {
            return Err(t!("import.pdf_too_complex"));
        }
        *self.budget -= cost;
        let ops = lopdf::content::Content::decode(content).map_err(|e| e.to_string())?;
        if ops.operations.len() > *self.budget {
            return Err(t!("import.pdf_too_complex"));
        }
        *self.budget -= ops.operations.len();
        let mut gs = State {
            ctm,
            font: None,
            size: 0.0,
            char_space: 0.0,
            word_space: 0.0,
            scale: 1.0,
            leading: 0.0,
            rise: 0.0,
        };
        let mut stack: Vec<State> = Vec::new();
        let mut tm = IDENTITY;
        let mut tlm = IDENTITY;
        // The path being built: rectangles and straight segments, in user space.
        let mut rects: Vec<[f32; 4]> = Vec::new();
        let mut segments: Vec<[f32; 4]> = Vec::new();
        let mut point = (0.0f32, 0.0f32);
        let mut start = (0.0f32, 0.0f32);
        for op in &ops.operations {
            let a = &op.operands;
            match op.operator.as_str() {
                "q" => {
                    if stack.len() >= MAX_STATE_DEPTH {
                        return Err(t!("import.pdf_too_complex"));
                    }
                    stack.push(gs.clone());
                }
                "Q" => {
                    if let Some(s) = stack.pop() {
                        gs = s;
                    }
                }
                "cm" => {
                    if let Some(m) = nums::<6>(a) {
                        gs.ctm = mul(&m, &gs.ctm);
                    }
                }
                "BT" => {
                    tm = IDENTITY;
                    tlm = IDENTITY;
                }
                "Tf" => {
                    if let (Some(Object::Name(name)), Some(size)) =
                        (a.first(), a.get(1).and_then(num))
                    {
                        gs.font = self.font(resources, name);
                        gs.size = size;
                    }
                }
                "Tc" => gs.char_space = a.first().and_then(num).unwrap_or(0.0),
                "Tw" => gs.word_space = a.first().and_then(num).unwrap_or(0.0),
                "Tz" => gs.scale = a.first().and_then(num).unwrap_or(100.0) / 100.0,
                "TL" => gs.leading = a.first().and_then(num).unwrap_or(0.0),
                "Ts" => gs.rise = a.first().and_then(num).unwrap_or(0.0),
                "Td" | "TD" => {
                    if let Some([tx, ty]) = nums::<2>(a) {
                        if op.operator == "TD" {
                            gs.leading = -ty;
                        }
                        tlm = mul(&[1.0, 0.0, 0.0, 1.0, tx, ty], &tlm);
                        tm = tlm;
                    }
                }
                "Tm" => {
                    if let Some(m) = nums::<6>(a) {
                        tlm = m;
                        tm = m;
                    }
                }
                "T*" => {
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -gs.leading], &tlm);
                    tm = tlm;
                }
                "Tj" | "'" | "\"" => {
                    if op.operator != "Tj" {
                        if op.operator == "\""
                            && let Some([aw, ac]) = a.get(..2).and_then(nums::<2>)
                        {
                            gs.word_space = aw;
                            gs.char_space = ac;
                        }
                        tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -gs.leading], &tlm);
                        tm = tlm;
                    }
                    if let Some(Object::String(s, _)) = a.last() {
                        self.show(&gs, &mut tm, s);
                    }
                }
                "TJ" => {
                    if let Some(Object::Array(items)) = a.first() {
                        for item in items {
                            match item {
                                Object::String(s, _) => self.show(&gs, &mut tm, s),
                                o => {
                                    if let Some(n) = num(o) {
                                        let tx = -n / 1000.0 * gs.size * gs.scale;
                                        tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], &tm);
                                    }
                                }
                            }
                        }
                    }
                }
                "m" => {
                    if let Some([x, y]) = nums::<2>(a) {
                        point = (x, y);
                        start = point;
                    }
                }
                "l" => {
                    if let Some([x, y]) = nums::<2>(a) {
                        segments.push([point.0, point.1, x, y]);
                        point = (x, y);
                    }
                }
                "c" | "v" | "y" => {
                    if let Some([x, y]) = nums::<2>(a) {
                        point = (x, y);
                    }
                }
                "h" => {
                    segments.push([point.0, point.1, start.0, start.1]);
                    point = start;
                }
                "re" => {
                    if let Some([x, y, w, h]) = nums::<4>(a) {
                        rects.push([x, y, w, h]);
                        point = (x, y);
                        start = point;
                    }
                }
                "S" | "s" | "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" => {
                    let stroked = !matches!(op.operator.as_str(), "f" | "F" | "f*");
                    self.paint(&gs.ctm, &rects, &segments, stroked);
                    rects.clear();
                    segments.clear();
                }
                "n" => {
                    rects.clear();
                    segments.clear();
                }
                "BI" | "EI" => self.page.images += 1,
                "Do" => {
                    if let Some(Object::Name(name)) = a.first() {
                        self.xobject(resources, name, &gs.ctm, depth)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Records the ruling lines among a painted path's rectangles and segments.
    fn paint(&mut self, ctm: &Matrix, rects: &[[f32; 4]], segments: &[[f32; 4]], stroked: bool) {
        for &[x, y, w, h] in rects {
            let (ax, ay) = apply(ctm, x, y);
            let (bx, by) = apply(ctm, x + w, y + h);
            let (x0, x1) = (ax.min(bx), ax.max(bx));
            let (y0, y1) = (ay.min(by), ay.max(by));
            if x1 - x0 <= RULE_THICKNESS && y1 - y0 > RULE_THICKNESS {
                self.rule(false, (x0 + x1) / 2.0, y0, y1);
            } else if y1 - y0 <= RULE_THICKNESS && x1 - x0 > RULE_THICKNESS {
                self.rule(true, (y0 + y1) / 2.0, x0, x1);
            } else if stroked && x1 - x0 > RULE_THICKNESS {
                self.rule(true, y0, x0, x1);
                self.rule(true, y1, x0, x1);
                self.rule(false, x0, y0, y1);
                self.rule(false, x1, y0, y1);
            }
        }
        if stroked {
            for &[x0, y0, x1, y1] in segments {
                let (ax, ay) = apply(ctm, x0, y0);
                let (bx, by) = apply(ctm, x1, y1);
                if (ay - by).abs() < 0.5 && (ax - bx).abs() > RULE_THICKNESS {
                    self.rule(true, ay, ax.min(bx), ax.max(bx));
                } else if (ax - bx).abs() < 0.5 && (ay - by).abs() > RULE_THICKNESS {
                    self.rule(false, ax, ay.min(by), ay.max(by));
                }
            }
        }
    }

    fn rule(&mut self, horizontal: bool, at: f32, from: f32, to: f32) {
        if self.page.rules.len() < MAX_RULES && at.is_finite() && from.is_finite() && to.is_finite()
        {
            self.page.rules.push(Rule {
                horizontal,
                at,
                from,
                to,
            });
        }
    }

    /// Places one shown string and advances the text matrix past it.
    fn show(&mut self, gs: &State, tm: &mut Matrix, bytes: &[u8]) {
        let Some(font) = gs.font.clone() else {
            return;
        };
        let trm = mul(
            &mul(&[gs.size * gs.scale, 0.0, 0.0, gs.size, 0.0, gs.rise], tm),
            &gs.ctm,
        );
        let mut text = String::new();
        let mut advance = 0.0;
        for (code, len, s) in font.decode(bytes) {
            let w = font.width(code);
            let word = if len == 1 && code == 32 {
                gs.word_space
            } else {
                0.0
            };
            advance += (w * gs.size + gs.char_space + word) * gs.scale;
            text.push_str(&s);
        }
        let (x0, y) = (trm[4], trm[5]);
        let end = mul(&[1.0, 0.0, 0.0, 1.0, advance, 0.0], tm);
        let (x1, _) = apply(&mul(&end, &gs.ctm), 0.0, gs.rise);
        *tm = end;
        let size = (trm[2] * trm[2] + trm[3] * trm[3]).sqrt();
        if !text.trim().is_empty() && x0.is_finite() && y.is_finite() && size.is_finite() {
            self.page.texts.push(Run {
                x0: x0.min(x1),
                x1: x0.max(x1),
                y,
                size: size.max(1.0),
                text,
            });
        }
    }

    fn xobject(
        &mut self,
        resources: Option<&Dictionary>,
        name: &[u8],
        ctm: &Matrix,
        depth: usize,
    ) -> Result<(), String> {
        let doc = self.doc;
        let Some(Object::Stream(stream)) = resources
            .and_then(|r| dict_get(doc, r, b"XObject"))
            .and_then(as_dict)
            .and_then(|x| dict_get(doc, x, name))
        else {
            return Ok(());
        };
        match stream.dict.get(b"Subtype").ok() {
            Some(Object::Name(n)) if n == b"Image" => self.page.images += 1,
            Some(Object::Name(n)) if n == b"Form" && depth < MAX_FORM_DEPTH => {
                let m = match dict_get(doc, &stream.dict, b"Matrix") {
                    Some(Object::Array(v)) if v.len() == 6 => {
                        let v: Vec<f32> = v.iter().filter_map(num).collect();
                        <[f32; 6]>::try_from(v.as_slice()).unwrap_or(IDENTITY)
                    }
                    _ => IDENTITY,
                };
                let content = stream
                    .decompressed_content_with_limit(MAX_STREAM)
                    .unwrap_or_else(|_| stream.content.clone());
                let inner = dict_get(doc, &stream.dict, b"Resources")
                    .and_then(as_dict)
                    .or(resources);
                self.run(&content, inner, mul(&m, ctm), depth + 1)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn font(&mut self, resources: Option<&Dictionary>, name: &[u8]) -> Option<std::rc::Rc<Font>> {
        let doc = self.doc;
        let fonts = resources
            .and_then(|r| dict_get(doc, r, b"Font"))
            .and_then(as_dict)?;
        let entry = fonts.get(name).ok()?;
        let id = match entry {
            Object::Reference(id) => Some(*id),
            _ => None,
        };
        if let Some(f) = id.and_then(|id| self.fonts.get(&id)) {
            return Some(f.clone());
        }
        let dict = as_dict(resolve(doc, entry))?;
        let font = std::rc::Rc::new(Font::new(doc, dict));
        if let Some(id) = id {
            self.fonts.insert(id, font.clone());
        }
        Some(font)
    }
}

// ---------------------------------------------------------------------------------------
// Fonts: byte codes → Unicode text and widths.

/// How codes without a ToUnicode entry are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fallback {
    /// Predefined CMaps whose codes are Unicode (`UniGB-UCS2-H`, `UniGB-UTF16-H`).
    Utf16,
    /// Predefined GB CMaps whose codes are GBK / GB 18030 bytes (`GBK-EUC-H`).
    Gbk,
    /// `Identity-H` without a ToUnicode map: glyph numbers, not text.
    None,
    /// A simple font: single bytes, Latin text and digits.
    Simple,
}

/// A code space range: byte length, lowest and highest code.
type CodeRange = (usize, u32, u32);

#[derive(Debug)]
struct Font {
    fallback: Fallback,
    /// Code lengths in bytes, from the CMap's code space (1 for simple fonts).
    code_bytes: Vec<CodeRange>,
    to_unicode: HashMap<u32, String>,
    /// Glyph names of a simple font's `/Differences`.
    differences: HashMap<u32, String>,
    widths: HashMap<u32, f32>,
    default_width: f32,
}

impl Font {
    fn new(doc: &Document, d: &Dictionary) -> Font {
        let subtype = match dict_get(doc, d, b"Subtype") {
            Some(Object::Name(n)) => n.clone(),
            _ => Vec::new(),
        };
        let composite = subtype == b"Type0";
        let encoding = match dict_get(doc, d, b"Encoding") {
            Some(Object::Name(n)) => String::from_utf8_lossy(n).into_owned(),
            _ => String::new(),
        };
        let fallback = if !composite {
            Fallback::Simple
        } else if encoding.contains("UCS2") || encoding.contains("UTF16") {
            Fallback::Utf16
        } else if encoding.starts_with("GB") {
            Fallback::Gbk
        } else {
            Fallback::None
        };
        let mut font = Font {
            fallback,
            code_bytes: if composite && fallback != Fallback::Gbk {
                vec![(2, 0, 0xffff)]
            } else if fallback == Fallback::Gbk {
                vec![(1, 0, 0x80), (2, 0x8140, 0xfefe)]
            } else {
                vec![(1, 0, 0xff)]
            },
            to_unicode: HashMap::new(),
            differences: HashMap::new(),
            widths: HashMap::new(),
            default_width: if composite { 1.0 } else { 0.5 },
        };
        if let Some(Object::Stream(s)) = dict_get(doc, d, b"ToUnicode")
            && let Ok(bytes) = s.decompressed_content_with_limit(MAX_STREAM)
        {
            let (space, map) = parse_cmap(&bytes);
            if !space.is_empty() {
                font.code_bytes = space;
            }
            font.to_unicode = map;
        }
        if composite {
            let descendant = match dict_get(doc, d, b"DescendantFonts") {
                Some(Object::Array(v)) => v.first().map(|o| resolve(doc, o)).and_then(as_dict),
                _ => None,
            };
            if let Some(cid) = descendant {
                if let Some(dw) = dict_get(doc, cid, b"DW").and_then(num) {
                    font.default_width = dw / 1000.0;
                }
                if let Some(Object::Array(w)) = dict_get(doc, cid, b"W") {
                    font.cid_widths(doc, w);
                }
            }
        } else {
            // Type3 glyph widths are in glyph space, scaled by the font matrix.
            let scale = match dict_get(doc, d, b"FontMatrix") {
                Some(Object::Array(m)) => m.first().and_then(num).unwrap_or(0.001),
                _ => 0.001,
            };
            let first = dict_get(doc, d, b"FirstChar").and_then(num).unwrap_or(0.0) as u32;
            if let Some(Object::Array(w)) = dict_get(doc, d, b"Widths") {
                for (i, o) in w.iter().take(256).enumerate() {
                    if let Some(v) = num(resolve(doc, o)) {
                        font.widths.insert(first + i as u32, v * scale);
                    }
                }
            }
            if let Some(Object::Dictionary(e)) = dict_get(doc, d, b"Encoding")
                && let Some(Object::Array(diffs)) = dict_get(doc, e, b"Differences")
            {
                let mut code = 0u32;
                for o in diffs.iter().take(4096) {
                    match resolve(doc, o) {
                        Object::Name(n) => {
                            font.differences
                                .insert(code, String::from_utf8_lossy(n).into_owned());
                            code += 1;
                        }
                        o => {
                            if let Some(v) = num(o) {
                                code = v.max(0.0) as u32;
                            }
                        }
                    }
                }
            }
        }
        font
    }

    /// The `/W` array of a CID font: `c [w1 w2 …]` and `c1 c2 w`.
    fn cid_widths(&mut self, doc: &Document, w: &[Object]) {
        let mut i = 0;
        let mut count = 0usize;
        while i + 1 < w.len() && count < 70_000 {
            let Some(first) = num(resolve(doc, &w[i])) else {
                return;
            };
            match resolve(doc, &w[i + 1]) {
                Object::Array(list) => {
                    for (k, o) in list.iter().enumerate().take(70_000) {
                        if let Some(v) = num(resolve(doc, o)) {
                            self.widths.insert(first as u32 + k as u32, v / 1000.0);
                            count += 1;
                        }
                    }
                    i += 2;
                }
                o => {
                    let (Some(last), Some(v)) = (num(o), w.get(i + 2).and_then(num)) else {
                        return;
                    };
                    let (a, b) = (first as u32, (last as u32).min(first as u32 + 70_000));
                    for c in a..=b {
                        self.widths.insert(c, v / 1000.0);
                        count += 1;
                    }
                    i += 3;
                }
            }
        }
    }

    fn width(&self, code: u32) -> f32 {
        self.widths
            .get(&code)
            .copied()
            .unwrap_or(self.default_width)
    }

    /// The codes of a shown string: (code, byte length, text).
    fn decode(&self, bytes: &[u8]) -> Vec<(u32, usize, String)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let len = self.code_len(&bytes[i..]);
            let code = bytes[i..i + len]
                .iter()
                .fold(0u32, |acc, &b| (acc << 8) | b as u32);
            let text = match self.to_unicode.get(&code) {
                Some(t) => t.clone(),
                None => self.fallback_text(code, &bytes[i..i + len]),
            };
            out.push((code, len, text));
            i += len;
        }
        out
    }

    /// The length of the code at the start of `bytes`, by the code space ranges.
    fn code_len(&self, bytes: &[u8]) -> usize {
        for &(len, lo, hi) in &self.code_bytes {
            if len <= bytes.len() {
                let code = bytes[..len].iter().fold(0u32, |a, &b| (a << 8) | b as u32);
                if code >= lo && code <= hi {
                    return len;
                }
            }
        }
        let shortest = self.code_bytes.iter().map(|r| r.0).min().unwrap_or(1);
        shortest.clamp(1, bytes.len())
    }

    fn fallback_text(&self, code: u32, bytes: &[u8]) -> String {
        match self.fallback {
            Fallback::Utf16 => char::from_u32(code)
                .filter(|c| !c.is_control())
                .unwrap_or(UNKNOWN)
                .to_string(),
            Fallback::Gbk => {
                let (s, _, bad) = encoding_rs::GB18030.decode(bytes);
                if bad {
                    UNKNOWN.to_string()
                } else {
                    s.into_owned()
                }
            }
            Fallback::None => UNKNOWN.to_string(),
            Fallback::Simple => match self.differences.get(&code) {
                Some(name) => glyph_name(name).unwrap_or(UNKNOWN).to_string(),
                None if (0x20..0x7f).contains(&code) => {
                    char::from_u32(code).unwrap_or(UNKNOWN).to_string()
                }
                None if code < 0x20 => String::new(),
                None => UNKNOWN.to_string(),
            },
        }
    }
}

/// The character of a glyph name (`uni5E74`, `zero`, `a`), where it says.
fn glyph_name(name: &str) -> Option<char> {
    const NAMES: &[(&str, char)] = &[
        ("space", ' '),
        ("zero", '0'),
        ("one", '1'),
        ("two", '2'),
        ("three", '3'),
        ("four", '4'),
        ("five", '5'),
        ("six", '6'),
        ("seven", '7'),
        ("eight", '8'),
        ("nine", '9'),
        ("period", '.'),
        ("comma", ','),
        ("hyphen", '-'),
        ("minus", '-'),
        ("percent", '%'),
        ("slash", '/'),
        ("parenleft", '('),
        ("parenright", ')'),
        ("colon", ':'),
    ];
    if let Some(hex) = name.strip_prefix("uni").filter(|h| h.len() == 4) {
        return u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
    }
    if let Some(&(_, c)) = NAMES.iter().find(|(n, _)| *n == name) {
        return Some(c);
    }
    let mut chars = name.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_alphanumeric() => Some(c),
        _ => None,
    }
}

/// A ToUnicode CMap: its code space ranges (byte length, low, high) and code → text.
fn parse_cmap(bytes: &[u8]) -> (Vec<CodeRange>, HashMap<u32, String>) {
    #[derive(PartialEq)]
    enum Tok {
        Hex(Vec<u8>),
        Open,
        Close,
        Word(String),
    }
    let mut toks = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' if bytes.get(i + 1) != Some(&b'<') => {
                let end = bytes[i..]
                    .iter()
                    .position(|&b| b == b'>')
                    .map_or(bytes.len(), |p| i + p);
                let hex: Vec<u8> = bytes[i + 1..end]
                    .iter()
                    .copied()
                    .filter(u8::is_ascii_hexdigit)
                    .collect();
                let val = hex
                    .chunks(2)
                    .map(|c| {
                        let s = std::str::from_utf8(c).unwrap_or("0");
                        u8::from_str_radix(s, 16).unwrap_or(0) << if c.len() == 1 { 4 } else { 0 }
                    })
                    .collect();
                toks.push(Tok::Hex(val));
                i = end + 1;
            }
            b'[' => {
                toks.push(Tok::Open);
                i += 1;
            }
            b']' => {
                toks.push(Tok::Close);
                i += 1;
            }
            b'%' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b if b.is_ascii_alphabetic() => {
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                toks.push(Tok::Word(
                    String::from_utf8_lossy(&bytes[start..i]).into_owned(),
                ));
            }
            _ => i += 1,
        }
    }
    let code = |v: &[u8]| v.iter().take(4).fold(0u32, |a, &b| (a << 8) | b as u32);
    let utf16 = |v: &[u8]| {
        let units: Vec<u16> = v
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(UNKNOWN))
            .collect::<String>()
    };
    let mut space = Vec::new();
    let mut map = HashMap::new();
    let mut mode = "";
    let mut k = 0;
    while k < toks.len() && map.len() < MAX_CMAP_ENTRIES {
        match &toks[k] {
            Tok::Word(w) => {
                mode = match w.as_str() {
                    "begincodespacerange" => "space",
                    "beginbfchar" => "char",
                    "beginbfrange" => "range",
                    _ => "",
                };
                k += 1;
            }
            Tok::Hex(lo) if mode == "space" => {
                if let Some(Tok::Hex(hi)) = toks.get(k + 1)
                    && (1..=4).contains(&lo.len())
                {
                    space.push((lo.len(), code(lo), code(hi)));
                }
                k += 2;
            }
            Tok::Hex(src) if mode == "char" => {
                if let Some(Tok::Hex(dst)) = toks.get(k + 1) {
                    map.insert(code(src), utf16(dst));
                }
                k += 2;
            }
            Tok::Hex(lo) if mode == "range" => {
                let (lo, hi) = match toks.get(k + 1) {
                    Some(Tok::Hex(hi)) => (code(lo), code(hi)),
                    _ => {
                        k += 1;
                        continue;
                    }
                };
                let hi = hi.min(lo.saturating_add(MAX_CMAP_RANGE));
                match toks.get(k + 2) {
                    Some(Tok::Hex(dst)) if !dst.is_empty() => {
                        // The last UTF-16 unit counts up through the range.
                        let mut units: Vec<u16> = dst
                            .chunks(2)
                            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                            .collect();
                        for c in lo..=hi {
                            map.insert(
                                c,
                                char::decode_utf16(units.iter().copied())
                                    .map(|r| r.unwrap_or(UNKNOWN))
                                    .collect(),
                            );
                            if let Some(last) = units.last_mut() {
                                *last = last.wrapping_add(1);
                            }
                        }
                        k += 3;
                    }
                    Some(Tok::Open) => {
                        let mut c = lo;
                        k += 3;
                        while let Some(Tok::Hex(dst)) = toks.get(k) {
                            if c <= hi {
                                map.insert(c, utf16(dst));
                            }
                            c = c.saturating_add(1);
                            k += 1;
                        }
                        k += 1;
                    }
                    _ => k += 3,
                }
            }
            _ => k += 1,
        }
    }
    space.sort_by_key(|r| r.0);
    (space, map)
}

// ---------------------------------------------------------------------------------------
// Layout: tables from ruling lines, paragraphs from lines, page furniture dropped.

/// A table drawn on one page.
struct Lattice {
    top: f32,
    /// The column boundaries, left to right.
    xs: Vec<f32>,
    rows: Vec<Vec<Cell>>,
}

/// The representative of `i` in a union-find forest (path halving).
fn find(p: &mut [usize], mut i: usize) -> usize {
    while p[i] != i {
        p[i] = p[p[i]];
        i = p[i];
    }
    i
}

/// The grids the ruling lines of a page draw, and the runs inside them (taken out of `runs`).
fn lattice(rules: &[Rule], runs: &mut Vec<Run>) -> Vec<Lattice> {
    let hs: Vec<Rule> = merge_rules(rules.iter().filter(|r| r.horizontal).copied().collect());
    let vs: Vec<Rule> = merge_rules(rules.iter().filter(|r| !r.horizontal).copied().collect());
    // Tables are the groups of lines that cross or touch each other.
    let n = hs.len() + vs.len();
    let mut parent: Vec<usize> = (0..n).collect();
    for (i, h) in hs.iter().enumerate() {
        for (j, v) in vs.iter().enumerate() {
            if v.at >= h.from - SNAP
                && v.at <= h.to + SNAP
                && h.at >= v.from - SNAP
                && h.at <= v.to + SNAP
            {
                let (a, b) = (find(&mut parent, i), find(&mut parent, hs.len() + j));
                parent[a] = b;
            }
        }
    }
    let mut groups: HashMap<usize, (Vec<Rule>, Vec<Rule>)> = HashMap::new();
    for (i, h) in hs.iter().enumerate() {
        groups.entry(find(&mut parent, i)).or_default().0.push(*h);
    }
    for (j, v) in vs.iter().enumerate() {
        groups
            .entry(find(&mut parent, hs.len() + j))
            .or_default()
            .1
            .push(*v);
    }
    let mut groups: Vec<(Vec<Rule>, Vec<Rule>)> = groups
        .into_values()
        .filter(|(h, v)| h.len() >= 2 && v.len() >= 2)
        .collect();
    groups.sort_by(|a, b| top_of(&b.0).total_cmp(&top_of(&a.0)));
    groups
        .iter()
        .filter_map(|(h, v)| grid(h, v, runs))
        .collect()
}

fn top_of(hs: &[Rule]) -> f32 {
    hs.iter().map(|r| r.at).fold(f32::MIN, f32::max)
}

/// Joins lines on the same position that overlap or touch.
fn merge_rules(mut rules: Vec<Rule>) -> Vec<Rule> {
    rules.sort_by(|a, b| a.at.total_cmp(&b.at).then(a.from.total_cmp(&b.from)));
    let mut out: Vec<Rule> = Vec::new();
    for r in rules {
        if let Some(last) =
            out.iter_mut().rev().take(8).find(|l| {
                (l.at - r.at).abs() <= SNAP && r.from <= l.to + SNAP && r.to >= l.from - SNAP
            })
        {
            last.from = last.from.min(r.from);
            last.to = last.to.max(r.to);
            continue;
        }
        out.push(r);
    }
    out
}

/// Positions within [`SNAP`] of each other, as one (their mean), sorted.
fn cluster(mut v: Vec<f32>) -> Vec<f32> {
    v.sort_by(f32::total_cmp);
    let mut out: Vec<(f32, usize)> = Vec::new();
    for x in v {
        match out.last_mut() {
            Some((m, n)) if x - *m / *n as f32 <= SNAP => {
                *m += x;
                *n += 1;
            }
            _ => out.push((x, 1)),
        }
    }
    out.into_iter().map(|(m, n)| m / n as f32).collect()
}

/// Whether a line at `at` covers the middle of `from..to`.
fn covered(rules: &[Rule], at: f32, from: f32, to: f32) -> bool {
    let mid = (from + to) / 2.0;
    rules
        .iter()
        .any(|r| (r.at - at).abs() <= SNAP && r.from <= mid && r.to >= mid)
}

/// One table: the fine grid of its lines, cells merged where a line is missing, and the text
/// inside each cell.
fn grid(hs: &[Rule], vs: &[Rule], runs: &mut Vec<Run>) -> Option<Lattice> {
    let xs = cluster(vs.iter().map(|r| r.at).collect());
    let mut ys = cluster(hs.iter().map(|r| r.at).collect());
    ys.reverse(); // top first
    if xs.len() < 2 || ys.len() < 2 {
        return None;
    }
    let (rows, cols) = (ys.len() - 1, xs.len() - 1);
    if rows * cols > 100_000 {
        return None;
    }
    let mut parent: Vec<usize> = (0..rows * cols).collect();
    for r in 0..rows {
        for c in 0..cols {
            if c + 1 < cols && !covered(vs, xs[c + 1], ys[r + 1], ys[r]) {
                let (a, b) = (
                    find(&mut parent, r * cols + c),
                    find(&mut parent, r * cols + c + 1),
                );
                parent[b.max(a)] = a.min(b);
            }
            if r + 1 < rows && !covered(hs, ys[r + 1], xs[c], xs[c + 1]) {
                let (a, b) = (
                    find(&mut parent, r * cols + c),
                    find(&mut parent, (r + 1) * cols + c),
                );
                parent[b.max(a)] = a.min(b);
            }
        }
    }
    // The runs inside the table, by the fine cell their middle falls in.
    let mut inside: HashMap<usize, Vec<Run>> = HashMap::new();
    let (left, right, top, bottom) = (xs[0], xs[cols], ys[0], ys[rows]);
    let mut rest = Vec::with_capacity(runs.len());
    for run in runs.drain(..) {
        let (x, y) = (run.cx(), run.cy());
        if x < left || x > right || y > top || y < bottom {
            rest.push(run);
            continue;
        }
        let c = xs.partition_point(|&v| v < x).clamp(1, cols) - 1;
        let r = ys.partition_point(|&v| v > y).clamp(1, rows) - 1;
        let root = find(&mut parent, r * cols + c);
        inside.entry(root).or_default().push(run);
    }
    *runs = rest;
    let mut text: HashMap<usize, String> =
        inside.into_iter().map(|(k, v)| (k, cell_text(v))).collect();
    let mut seen = vec![false; rows * cols];
    let mut grid: Vec<Vec<Cell>> = Vec::with_capacity(rows);
    for r in 0..rows {
        let mut row = Vec::with_capacity(cols);
        for c in 0..cols {
            let root = find(&mut parent, r * cols + c);
            let t = text.entry(root).or_default();
            row.push(Cell {
                text: clean(t),
                copy: std::mem::replace(&mut seen[root], true),
            });
        }
        grid.push(row);
    }
    // A row made only by a line that stops short is no row of the table.
    grid.retain(|row| row.iter().any(|c| !c.copy));
    if grid.is_empty() {
        return None;
    }
    Some(Lattice {
        top,
        xs,
        rows: grid,
    })
}

/// The text of runs in one cell: lines top to bottom, runs left to right.
fn cell_text(runs: Vec<Run>) -> String {
    lines(runs)
        .iter()
        .map(|l| line_text(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs grouped into lines (top first), each sorted left to right.
fn lines(mut runs: Vec<Run>) -> Vec<Vec<Run>> {
    runs.sort_by(|a, b| b.cy().total_cmp(&a.cy()));
    let mut out: Vec<Vec<Run>> = Vec::new();
    for run in runs {
        match out.last_mut() {
            Some(line) if (line[0].cy() - run.cy()).abs() < 0.5 * line[0].size.min(run.size) => {
                line.push(run)
            }
            _ => out.push(vec![run]),
        }
    }
    for l in &mut out {
        l.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    }
    out
}

/// A line's runs as text, a space where they stand apart.
fn line_text(line: &[Run]) -> String {
    let mut s = String::new();
    let mut end: Option<f32> = None;
    for r in line {
        if end.is_some_and(|e| r.x0 - e > 0.25 * r.size) {
            s.push(' ');
        }
        s.push_str(&r.text);
        end = Some(end.map_or(r.x1, |e: f32| e.max(r.x1)));
    }
    s
}

/// What a page contributes in order: paragraph lines and tables.
enum Item {
    Line {
        text: String,
        x0: f32,
        x1: f32,
        size: f32,
        y: f32,
    },
    Table(Lattice),
    PageBreak,
}

fn layout(pages: Vec<Page>) -> Doc {
    // Running headers and footers: lines in a page's top or bottom band that recur on other
    // pages (digits aside), or that are page numbers.
    let mut per_page: Vec<Vec<Item>> = Vec::new();
    let mut band_count: HashMap<String, usize> = HashMap::new();
    let mut prepared = Vec::new();
    for mut page in pages {
        let tables = lattice(&page.rules, &mut page.texts);
        let ls = lines(std::mem::take(&mut page.texts));
        let band = (page.top - page.bottom) * 0.08;
        for l in &ls {
            if l[0].y > page.top - band || l[0].y < page.bottom + band {
                *band_count.entry(furniture_key(&line_text(l))).or_default() += 1;
            }
        }
        prepared.push((page, tables, ls));
    }
    // Lines left outside drawn tables, furniture dropped, in document order with their page.
    let mut kept: Vec<(usize, Vec<Run>)> = Vec::new();
    let mut drawn = Vec::new();
    for (k, (page, tables, ls)) in prepared.into_iter().enumerate() {
        let band = (page.top - page.bottom) * 0.08;
        kept.extend(
            ls.into_iter()
                .filter(|l| {
                    let text = line_text(l);
                    let in_band = l[0].y > page.top - band || l[0].y < page.bottom + band;
                    !(is_page_number(&text)
                        || (in_band
                            && band_count
                                .get(&furniture_key(&text))
                                .is_some_and(|&n| n >= 2)))
                })
                .map(|l| (k, l)),
        );
        drawn.push(tables);
    }
    // Tables without lines may run on to the next page.
    let mut doubtful = Vec::new();
    let streams = stream_tables(&mut kept, &mut doubtful);
    let mut notes: Vec<String> = doubtful
        .into_iter()
        .map(|(page, lines)| t!("import.pdf_unruled", page = page + 1, lines = lines))
        .collect();
    notes.dedup();
    let mut items: Vec<Vec<(f32, Item)>> = (0..drawn.len()).map(|_| Vec::new()).collect();
    for (k, l) in kept {
        let text = line_text(&l);
        let x0 = l.iter().map(|r| r.x0).fold(f32::MAX, f32::min);
        let x1 = l.iter().map(|r| r.x1).fold(f32::MIN, f32::max);
        let size = l.iter().map(|r| r.size).fold(0.0, f32::max);
        let y = l[0].cy();
        items[k].push((
            y,
            Item::Line {
                text,
                x0,
                x1,
                size,
                y,
            },
        ));
    }
    for (k, t) in streams {
        items[k].push((t.top, Item::Table(t)));
    }
    for (k, tables) in drawn.into_iter().enumerate() {
        for t in tables {
            items[k].push((t.top, Item::Table(t)));
        }
    }
    for mut page in items {
        page.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut v: Vec<Item> = page.into_iter().map(|(_, i)| i).collect();
        v.push(Item::PageBreak);
        per_page.push(v);
    }
    continue_merged_labels(&mut per_page);
    let mut doc = paragraphs(per_page);
    doc.notes = notes;
    doc
}

/// A label fragment of a table without lines: left, right, line, text.
type Frag = (f32, f32, f32, String);

/// A line's runs in segments: runs closer than [`COLUMN_GAP`] font sizes join.
fn segments(line: &[Run]) -> Vec<Vec<Run>> {
    let mut out: Vec<Vec<Run>> = Vec::new();
    for r in line {
        match out.last_mut() {
            Some(seg)
                if r.x0 - seg.iter().map(|s| s.x1).fold(f32::MIN, f32::max)
                    < COLUMN_GAP * r.size =>
            {
                seg.push(r.clone())
            }
            _ => out.push(vec![r.clone()]),
        }
    }
    out
}

/// Font sizes of blank space that separate two columns of a table drawn without lines.
const COLUMN_GAP: f32 = 1.5;

/// How many segments of a line are figures.
fn figure_count(line: &[Vec<Run>]) -> usize {
    line.iter().filter(|s| is_figure(&seg_text(s))).count()
}

fn seg_text(seg: &[Run]) -> String {
    clean(&line_text(seg))
}

fn seg_x0(seg: &[Run]) -> f32 {
    seg.iter().map(|r| r.x0).fold(f32::MAX, f32::min)
}

fn seg_x1(seg: &[Run]) -> f32 {
    seg.iter().map(|r| r.x1).fold(f32::MIN, f32::max)
}

/// A printed figure or empty-cell mark (`12`, `9116.36`, `12件`, `-`), as the interpreter
/// reads a value position.
fn is_figure(t: &str) -> bool {
    !t.trim().is_empty() && super::interpret::value_like(t)
}

/// Tables printed without ruling lines: runs of lines whose segments stand in columns with
/// figures in them. Figures are placed by the columns their positions fall in (a blank cell
/// stays a blank cell, not a shifted number); label lines with no figure (a label wrapped over
/// two lines, the figure line between them) join the row whose figures they stand beside.
/// The lines used are taken out of `all` (lines with their page); each table comes with the
/// page it starts on, and `notes` gets (page, rows not read) where a row could not be tied.
fn stream_tables(
    all: &mut Vec<(usize, Vec<Run>)>,
    notes: &mut Vec<(usize, usize)>,
) -> Vec<(usize, Lattice)> {
    let pages: Vec<usize> = all.iter().map(|(p, _)| *p).collect();
    let lines: Vec<Vec<Run>> = all.iter().map(|(_, l)| l.clone()).collect();
    let segs: Vec<Vec<Vec<Run>>> = lines.iter().map(|l| segments(l)).collect();
    let figures = |k: usize| figure_count(&segs[k]);
    // A row line: two segments or more, the last a figure.
    let row_line =
        |k: usize| segs[k].len() >= 2 && segs[k].last().is_some_and(|s| is_figure(&seg_text(s)));
    let mut tables = Vec::new();
    let mut used = vec![false; lines.len()];
    let mut k = 0;
    while k < lines.len() {
        if !row_line(k) {
            k += 1;
            continue;
        }
        // The block: row lines, and the short label lines and header lines among them.
        let size = lines[k][0].size;
        let mut start = k;
        let mut end = k + 1;
        // Two lines are near: on one page close together, or the last of a page and the
        // first of the next.
        let near = |a: usize, b: usize| {
            if pages[a] == pages[b] {
                (lines[a][0].cy() - lines[b][0].cy()).abs() < size * 3.2
            } else {
                pages[b] == pages[a] + 1 && a + 1 == b
            }
        };
        // Short label lines (a label wrapped over lines, its figures on another) belong to
        // the table when a row line is at most three lines away.
        let mut last_row = k;
        while end < lines.len() && near(end - 1, end) {
            if row_line(end) || segs[end].len() >= 2 {
                if row_line(end) {
                    last_row = end;
                }
                end += 1;
                continue;
            }
            let ahead = (end + 1..lines.len().min(end + 4))
                .take_while(|&j| short_label(&segs[j]) || row_line(j))
                .any(row_line);
            if short_label(&segs[end]) && (ahead || end - last_row <= 3) {
                end += 1;
                continue;
            }
            break;
        }
        while start > 0
            && near(start - 1, start)
            && (segs[start - 1].len() >= 2 || (short_label(&segs[start - 1]) && k - start < 3))
        {
            start -= 1;
        }
        let rows_with_figures = (start..end).filter(|&i| figures(i) > 0).count();
        let header_lines = (start..end)
            .filter(|&i| segs[i].len() >= 3 && figures(i) == 0)
            .count();
        if rows_with_figures < 2 && !(rows_with_figures == 1 && header_lines >= 1) {
            k = end;
            continue;
        }
        // Sections: lines without figures after lines with figures, among them a header line
        // (a caption and the header of the next block of 二), start a section with columns of
        // its own.
        let mut grid = Vec::new();
        let mut doubtful = 0;
        let mut from = start;
        for i in start + 1..end {
            let header_follows = (i..end)
                .take_while(|&j| figures(j) == 0)
                .any(|j| segs[j].len() >= 2);
            if figures(i) == 0 && figures(i - 1) > 0 && header_follows {
                let (g, d) = stream_grid(&lines, &segs, from..i, size);
                grid.extend(g);
                doubtful += d;
                from = i;
            }
        }
        let (g, d) = stream_grid(&lines, &segs, from..end, size);
        grid.extend(g);
        doubtful += d;
        if doubtful > 0 {
            notes.push((pages[start], doubtful));
        }
        let top = lines[start][0].cy() + size;
        for u in used.iter_mut().take(end).skip(start) {
            *u = true;
        }
        tables.push((
            pages[start],
            Lattice {
                top,
                xs: Vec::new(),
                rows: grid,
            },
        ));
        k = end;
    }
    let mut i = 0;
    all.retain(|_| {
        i += 1;
        !used[i - 1]
    });
    tables
}

/// The rows of one section of a table without ruling lines (`range` of `lines`): columns
/// from the figures' positions in it.
fn stream_grid(
    lines: &[Vec<Run>],
    segs: &[Vec<Vec<Run>>],
    range: std::ops::Range<usize>,
    size: f32,
) -> (Vec<Vec<Cell>>, usize) {
    let (start, end) = (range.start, range.end);
    let figures = |k: usize| figure_count(&segs[k]);
    // Value columns: the figures' segments, clustered by their centres.
    let mut centres: Vec<(f32, f32, f32)> = Vec::new(); // (centre, x0, x1)
    let mut label_right = f32::MAX;
    for line in &segs[start..end] {
        for s in line {
            if is_figure(&seg_text(s)) {
                let (a, b) = (seg_x0(s), seg_x1(s));
                let c = (a + b) / 2.0;
                match centres
                    .iter_mut()
                    .find(|(m, _, _)| (*m - c).abs() < size * 1.2)
                {
                    Some(col) => {
                        col.1 = col.1.min(a);
                        col.2 = col.2.max(b);
                    }
                    None => centres.push((c, a, b)),
                }
                label_right = label_right.min(a);
            }
        }
    }
    centres.sort_by(|a, b| a.0.total_cmp(&b.0));
    let ncols = centres.len();
    let column_of = |x0: f32, x1: f32| -> Option<usize> {
        let c = (x0 + x1) / 2.0;
        if x1 <= label_right + size * 0.2
            && !centres
                .iter()
                .any(|col| c >= col.1 - size * 0.5 && c <= col.2 + size * 0.5)
        {
            return None;
        }
        centres
            .iter()
            .enumerate()
            .min_by(|a, b| (a.1.0 - c).abs().total_cmp(&(b.1.0 - c).abs()))
            .map(|(i, _)| i)
    };
    // Rows: each line with a figure; the lines before the first are header rows, and so is
    // a later line with text over the value columns but no figure (a caption or a header
    // printed mid-table). A line with labels only joins the figure row nearest to it: a
    // label wrapped over lines, its figures on the middle line, reads as one label.
    struct Row {
        y: f32,
        /// (left, right, y, text)
        labels: Vec<Frag>,
        values: Vec<String>,
    }
    let first_figure = (start..end).find(|&i| figures(i) > 0).unwrap_or(start);
    let mut rows: Vec<Row> = Vec::new();
    let mut loose: Vec<(f32, Vec<Frag>)> = Vec::new();
    for i in start..end {
        let y = lines[i][0].cy();
        let mut row = Row {
            y,
            labels: Vec::new(),
            values: vec![String::new(); ncols],
        };
        let mut over_values = false;
        for s in &segs[i] {
            let t = seg_text(s);
            match column_of(seg_x0(s), seg_x1(s)) {
                Some(c) => {
                    over_values = true;
                    if !row.values[c].is_empty() {
                        row.values[c].push(' ');
                    }
                    row.values[c].push_str(&t);
                }
                // Labels of neighbouring columns can stand closer than a column gap: a
                // label is cut where its runs stand apart at all.
                None => {
                    let mut piece: Vec<Run> = Vec::new();
                    for r in s {
                        if piece.last().is_some_and(|p| r.x0 - p.x1 > 0.3 * r.size) {
                            row.labels
                                .push((seg_x0(&piece), seg_x1(&piece), y, seg_text(&piece)));
                            piece.clear();
                        }
                        piece.push(r.clone());
                    }
                    if !piece.is_empty() {
                        row.labels
                            .push((seg_x0(&piece), seg_x1(&piece), y, seg_text(&piece)));
                    }
                }
            }
        }
        if figures(i) > 0 || over_values || i < first_figure {
            rows.push(row);
        } else {
            loose.push((y, row.labels));
        }
    }
    // A line of labels alone between figure lines is a label wrapped over lines, or the
    // label of a row printed blank: without lines to say which, the figure rows next to it
    // are not read (they are left for review), and neither is it.
    let figure_rows: Vec<usize> = (0..rows.len())
        .filter(|&r| rows[r].values.iter().any(|v| is_figure(v)))
        .collect();
    let mut doubtful = vec![false; rows.len()];
    for (y, _) in &loose {
        for &r in &figure_rows {
            if (rows[r].y - y).abs() < size * 2.0 {
                doubtful[r] = true;
            }
        }
    }
    let dropped = doubtful.iter().filter(|&&d| d).count();
    let mut keep = doubtful.iter().map(|d| !d);
    rows.retain(|_| keep.next().unwrap_or(true));
    let grid = rows
        .into_iter()
        .map(|r| {
            label_cells(r.labels)
                .iter()
                .chain(r.values.iter())
                .map(|v| Cell::new(v))
                .collect()
        })
        .collect();
    (grid, dropped + loose.len())
}

/// A row's label fragments as cells: fragments that overlap across are one cell (a label
/// wrapped over lines, read top to bottom); cells left to right.
fn label_cells(mut frags: Vec<Frag>) -> Vec<String> {
    // (left, right, pieces as (y, left, text))
    type Merged = (f32, f32, Vec<(f32, f32, String)>);
    let mut cells: Vec<Merged> = Vec::new();
    frags.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (x0, x1, y, t) in frags {
        cells.push((x0, x1, vec![(y, x0, t)]));
    }
    // Merge overlapping cells until none overlap.
    let mut merged = true;
    while merged {
        merged = false;
        'outer: for i in 0..cells.len() {
            for j in i + 1..cells.len() {
                if cells[j].0 < cells[i].1 && cells[j].1 > cells[i].0 {
                    let (x0, x1, parts) = cells.remove(j);
                    cells[i].0 = cells[i].0.min(x0);
                    cells[i].1 = cells[i].1.max(x1);
                    cells[i].2.extend(parts);
                    merged = true;
                    break 'outer;
                }
            }
        }
    }
    cells.sort_by(|a, b| a.0.total_cmp(&b.0));
    cells
        .into_iter()
        .map(|(_, _, mut parts)| {
            // Top to bottom; pieces of one line left to right.
            parts.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.total_cmp(&b.1)));
            let mut out = String::new();
            let mut last_y: Option<f32> = None;
            for (y, _, t) in parts {
                if last_y.is_some_and(|ly| ly != y) {
                    out.push('\n');
                }
                out.push_str(&t);
                last_y = Some(y);
            }
            out
        })
        .collect()
}

/// A short line of one segment that is not a heading: a piece of a wrapped label.
fn short_label(segs: &[Vec<Run>]) -> bool {
    segs.len() == 1 && {
        let t = seg_text(&segs[0]);
        t.chars().count() <= 16 && !is_figure(&t) && !super::interpret::is_section_heading_text(&t)
    }
}

/// A label merged down several rows and cut by a page break is printed in one part only, the
/// other part left blank: a table that ends one page and the table that starts the next with
/// the same columns are one table, and a blank label cell at the cut takes the label across
/// it. Only a label is carried, only into a blank cell left of a label in its row (a label
/// column), and never from a repeated header: a blank value stays blank.
fn continue_merged_labels(pages: &mut [Vec<Item>]) {
    for k in 1..pages.len() {
        let (before, after) = pages.split_at_mut(k);
        let Some(Item::Table(a)) = before[k - 1]
            .iter_mut()
            .rev()
            .find(|i| !matches!(i, Item::PageBreak))
        else {
            continue;
        };
        let Some(Item::Table(b)) = after[0].first_mut() else {
            continue;
        };
        // Only drawn tables (tables without lines have no column boundaries).
        let same = a.xs.len() >= 2
            && a.xs.len() == b.xs.len()
            && a.xs.iter().zip(&b.xs).all(|(x, y)| (x - y).abs() <= SNAP);
        let repeated = |x: &[Cell], y: &[Cell]| x.iter().zip(y).all(|(p, q)| p.text == q.text);
        if !same || repeated(&a.rows[0], &b.rows[0]) {
            continue;
        }
        for c in 0..a.xs.len() - 1 {
            let (Some(last), Some(first)) = (a.rows.last(), b.rows.first()) else {
                break;
            };
            let (up, down) = (last[c].text.clone(), first[c].text.clone());
            if up.is_empty() && is_label(&down) && label_after(last, c) {
                // The blank part above: the last row and the copies above it, up to its anchor.
                for row in a.rows.iter_mut().rev() {
                    let anchor = !row[c].copy;
                    row[c].text = down.clone();
                    if anchor {
                        break;
                    }
                }
            } else if down.is_empty() && is_label(&up) && label_after(first, c) {
                for (i, row) in b.rows.iter_mut().enumerate() {
                    if i > 0 && !row[c].copy {
                        break;
                    }
                    row[c] = Cell {
                        text: up.clone(),
                        copy: true,
                    };
                }
            }
        }
    }
}

/// Text that is a label: Chinese, not starting with a digit (`12件` is a value).
fn is_label(t: &str) -> bool {
    !t.is_empty()
        && !t.starts_with(|c: char| c.is_ascii_digit())
        && t.chars().any(super::doc::is_cjk)
}

/// Whether a label stands right of column `c` in `row` (a label at the left of a value, a
/// numbered item like `1.属于国家秘密` included).
fn label_after(row: &[Cell], c: usize) -> bool {
    row[c + 1..]
        .iter()
        .any(|x| x.text.chars().filter(|&ch| super::doc::is_cjk(ch)).count() >= 2)
}

/// A line's text with digits taken out, to find the running header and footer.
fn furniture_key(t: &str) -> String {
    t.chars()
        .filter(|c| !c.is_ascii_digit() && !c.is_whitespace())
        .collect()
}

/// `3`, `- 3 -`, `第3页`, `第 3 页 共 9 页`, `3/9`, `— 3 —`.
fn is_page_number(t: &str) -> bool {
    // One number (two with 共/of): a row of figures (`0 0 0`) is not a page number.
    let groups = t
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .count();
    let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    let core = t.trim_matches(|c| "-—–－·".contains(c));
    if core.is_empty() || groups == 0 || groups > 2 {
        return false;
    }
    let digits_only =
        |s: &str| !s.is_empty() && s.len() <= 4 && s.chars().all(|c| c.is_ascii_digit());
    if groups == 1 && digits_only(core) {
        return true;
    }
    if let Some((a, b)) = core.split_once(['/', '／']) {
        return digits_only(a) && digits_only(b);
    }
    let stripped: String = core
        .chars()
        .filter(|c| !c.is_ascii_digit() && !"第页共,，".contains(*c))
        .collect();
    stripped.is_empty() && core.starts_with('第') && core.contains('页')
}

/// Lines joined into paragraphs; tables between them.
fn paragraphs(pages: Vec<Vec<Item>>) -> Doc {
    // The text column: the common left edge and the right edge of full lines.
    let mut lefts: Vec<f32> = Vec::new();
    let mut right = f32::MIN;
    for items in &pages {
        for i in items {
            if let Item::Line { x0, x1, .. } = i {
                lefts.push(*x0);
                right = right.max(*x1);
            }
        }
    }
    lefts.sort_by(f32::total_cmp);
    let left = mode(&lefts);
    let mut doc = Doc::default();
    let mut para = String::new();
    // The previous line: its right end, size and baseline, and whether a page ended since.
    let mut prev: Option<(f32, f32, f32)> = None;
    let mut broke = false;
    let flush = |doc: &mut Doc, para: &mut String| {
        if !para.is_empty() {
            doc.para(&std::mem::take(para));
        }
    };
    for items in pages {
        for item in items {
            match item {
                Item::PageBreak => broke = true,
                Item::Table(t) => {
                    flush(&mut doc, &mut para);
                    prev = None;
                    doc.blocks.push(Block::Table(t.rows));
                }
                Item::Line {
                    text,
                    x0,
                    x1,
                    size,
                    y,
                } => {
                    let indented = x0 > left + size * 0.8;
                    let heading = super::interpret::is_section_heading_text(&clean(&text))
                        || starts_numbered(&text);
                    let continues = prev.is_some_and(|(end, psize, py)| {
                        end >= right - psize * 1.5
                            && (broke || (py - y).abs() < psize * 2.2)
                            && !indented
                            && !heading
                    });
                    if !continues {
                        flush(&mut doc, &mut para);
                    } else {
                        para.push('\n');
                    }
                    para.push_str(&text);
                    prev = Some((x1, size, y));
                    broke = false;
                }
            }
        }
    }
    flush(&mut doc, &mut para);
    doc
}

/// `（一）`, `1.`, `1、` at the start of a line.
fn starts_numbered(t: &str) -> bool {
    let t = t.trim_start();
    if t.starts_with('（') || t.starts_with('(') {
        return t
            .chars()
            .nth(1)
            .is_some_and(|c| "一二三四五六七八九十".contains(c));
    }
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    !digits.is_empty() && t[digits.len()..].starts_with(['.', '、', '．'])
}

/// The most common value (to a point), or the smallest.
fn mode(sorted: &[f32]) -> f32 {
    let mut best = (sorted.first().copied().unwrap_or(0.0), 0usize);
    let mut i = 0;
    while i < sorted.len() {
        let j = sorted[i..]
            .iter()
            .position(|&v| v - sorted[i] > 1.0)
            .map_or(sorted.len(), |p| i + p);
        if j - i > best.1 {
            best = (sorted[i], j - i);
        }
        i = j;
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers() {
        for t in ["3", "- 3 -", "— 12 —", "第3页", "第 3 页 共 9 页", "3/9"] {
            assert!(is_page_number(t), "{t}");
        }
        for t in [
            "2023年",
            "（一）",
            "12件",
            "第三章",
            "一、总体情况",
            "0 0 0",
            "12 3",
            "20230",
        ] {
            assert!(!is_page_number(t), "{t}");
        }
    }

    #[test]
    fn to_unicode_maps() {
        let cmap = b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
            2 beginbfchar <0001> <5E74> <0002> <D840DC00> endbfchar\n\
            2 beginbfrange <0010> <0012> <0030> <0020> <0021> [<4E00> <4E8C>] endbfrange";
        let (space, map) = parse_cmap(cmap);
        assert_eq!(space, vec![(2, 0, 0xffff)]);
        assert_eq!(map[&1], "年");
        assert_eq!(map[&2], "\u{20000}");
        assert_eq!(map[&0x12], "2");
        assert_eq!(map[&0x21], "二");
    }

    #[test]
    fn glyph_names() {
        assert_eq!(glyph_name("uni5E74"), Some('年'));
        assert_eq!(glyph_name("seven"), Some('7'));
        assert_eq!(glyph_name("g0"), None);
    }
}
