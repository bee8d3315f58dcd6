//! The typed model of a site: configuration, agencies and their reports.
//!
//! Produced by [`crate::load`], read by every later stage. Cells keep what was published:
//! an empty printed cell stays [`Cell::Empty`], distinct from `0`; amounts are exact decimals.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::format::{Format, Formats, Table, formats};

/// A byte range in a source file (the file's text after a leading BOM is removed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(r: Range<usize>) -> Span {
        Span {
            start: r.start.min(u32::MAX as usize) as u32,
            end: r.end.min(u32::MAX as usize) as u32,
        }
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// An amount of money: an exact decimal and the unit written in the cell, if any.
///
/// In a column with a unit (本年收费金额（单位：万元）) `value` is always in that unit: an
/// amount printed in another unit (`1,500元`) is converted exactly and its printed text kept
/// in `printed`, so no figure is ever taken 10,000-fold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    #[serde(with = "decimal_bytes")]
    pub value: Decimal,
    pub unit: Option<String>,
    /// The text as printed, when `value` was converted from another unit.
    pub printed: Option<Box<str>>,
}

/// A decimal as its 16-byte representation (the parse cache, `crate::load::cache`).
mod decimal_bytes {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        d.serialize().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        <[u8; 16]>::deserialize(d).map(Decimal::deserialize)
    }
}

/// The units of money amounts are printed in, with their size in 元.
pub const MONEY_UNITS: &[(&str, u64)] = &[
    ("元", 1),
    ("千元", 1_000),
    ("万元", 10_000),
    ("亿元", 100_000_000),
];

fn unit_size(unit: &str) -> Option<Decimal> {
    MONEY_UNITS
        .iter()
        .find(|(u, _)| *u == unit)
        .map(|&(_, n)| Decimal::from(n))
}

impl Amount {
    /// An amount with no unit written and no conversion.
    pub fn plain(value: Decimal) -> Amount {
        Amount {
            value,
            unit: None,
            printed: None,
        }
    }

    /// The value expressed in `target` (元, 千元, 万元, 亿元), exactly; `None` when the amount
    /// has no unit of its own (it is in its column's unit) or a unit gongkai does not know.
    pub fn in_unit(&self, target: &str) -> Option<Decimal> {
        let from = unit_size(self.unit.as_deref()?)?;
        let to = unit_size(target)?;
        let mut v = self.value * from / to;
        v.normalize_assign();
        Some(v)
    }

    /// The figure gongkai computes and exports with: in the column's unit when the column
    /// has one (loading converted it), else normalised to 万元 when a unit was printed (the
    /// 2019 format's 采购总金额 has no fixed unit), else the number as printed.
    pub fn normalized(&self) -> Decimal {
        self.in_unit("万元").unwrap_or(self.value)
    }

    /// The text as it was printed.
    pub fn printed_text(&self) -> String {
        match &self.printed {
            Some(p) => p.to_string(),
            None => self.to_string(),
        }
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::numtext::decimal_text(self.value))?;
        if let Some(u) = &self.unit {
            write!(f, "{u}")?;
        }
        Ok(())
    }
}

/// How a cell printed empty was printed: one of the marks reports use for "nothing here".
/// A mark, not a string: a [`Cell`] is 16 bytes instead of 24, and a held cell keeps it in its
/// word (`Packed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Blank(u8);

impl Blank {
    /// The marks, as printed; the first is a cell left empty.
    pub const MARKS: &'static [&'static str] = &["", "-", "—", "－", "/", "／", "——"];
    /// A cell left empty.
    pub const NONE: Blank = Blank(0);

    /// The mark printed as `text`, if it is one.
    pub fn of(text: &str) -> Option<Blank> {
        let i = Self::MARKS.iter().position(|m| *m == text)?;
        u8::try_from(i).ok().map(Blank)
    }

    pub fn as_str(self) -> &'static str {
        Self::MARKS.get(usize::from(self.0)).copied().unwrap_or("")
    }

    /// Whether the cell was left empty (no mark).
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// One cell of a statistics table, as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cell {
    /// Printed empty, left blank or with a mark (`-`, `—`, `／`).
    Empty(Blank),
    Count(u64),
    Delta(i64),
    /// Boxed: amounts are rare (one row of a table) and would double the size of every cell.
    Amount(Box<Amount>),
}

impl Cell {
    pub fn amount(a: Amount) -> Cell {
        Cell::Amount(Box::new(a))
    }

    /// The value as a whole number, for identities; `None` when empty or not a whole number.
    pub fn integer(&self) -> Option<i128> {
        match self {
            Cell::Count(n) => Some(*n as i128),
            Cell::Delta(n) => Some(*n as i128),
            // Amounts take no part in identities (none of I1–X3 involves money).
            Cell::Amount(_) | Cell::Empty(_) => None,
        }
    }

    /// The value as an exact decimal; `None` when printed empty.
    pub fn decimal(&self) -> Option<Decimal> {
        match self {
            Cell::Count(n) => Some(Decimal::from(*n)),
            Cell::Delta(n) => Some(Decimal::from(*n)),
            Cell::Amount(a) => Some(a.value),
            Cell::Empty(_) => None,
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Cell::Empty(_))
    }
}

impl fmt::Display for Cell {
    /// The cell as it would be printed in the published table.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Empty(b) => f.write_str(b.as_str()),
            Cell::Count(n) => f.write_str(itoa::Buffer::new().format(*n)),
            Cell::Delta(n) => f.write_str(itoa::Buffer::new().format(*n)),
            Cell::Amount(a) => write!(f, "{a}"),
        }
    }
}

/// A cell as a table holds it: four bytes instead of a [`Cell`]'s sixteen (an archive holds
/// about two hundred a report). Counts below 2³¹, deltas within ±2²⁹ and blanks are in the word;
/// anything else (amounts, larger numbers) is in the table's `extra` list, the word its index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Packed(u32);

impl Packed {
    /// `0…`: a count. `10…`: a delta in 30-bit two's complement. `110…`: a blank's mark.
    /// `111…`: the index of a cell in `extra`.
    const DELTA: u32 = 0b10 << 30;
    const BLANK: u32 = 0b110 << 29;
    const EXTRA: u32 = 0b111 << 29;
    const DELTA_MIN: i64 = -(1 << 29);
    const DELTA_MAX: i64 = (1 << 29) - 1;

    fn pack(cell: Cell, extra: &mut Vec<Cell>) -> Packed {
        match cell {
            Cell::Count(n) if n < 1 << 31 => Packed(n as u32),
            Cell::Delta(n) if (Self::DELTA_MIN..=Self::DELTA_MAX).contains(&n) => {
                Packed(Self::DELTA | (n as u32 & 0x3FFF_FFFF))
            }
            Cell::Empty(b) => Packed(Self::BLANK | u32::from(b.0)),
            other => {
                extra.push(other);
                Packed(Self::EXTRA | (extra.len() - 1) as u32)
            }
        }
    }

    fn unpack(self, extra: &[Cell]) -> Cell {
        let w = self.0;
        if w >> 31 == 0 {
            Cell::Count(u64::from(w))
        } else if w >> 30 == 0b10 {
            // Sign-extend the 30 bits.
            Cell::Delta(i64::from(((w << 2) as i32) >> 2))
        } else if w >> 29 == 0b110 {
            Cell::Empty(Blank(w as u8))
        } else {
            extra
                .get((w & !Self::EXTRA) as usize)
                .cloned()
                .unwrap_or(Cell::Empty(Blank::NONE))
        }
    }
}

/// The data of one statistics table: every read row's cells, rows in the format's order and
/// a row's cells in the printed column order, in one list (not a list per row: a national
/// archive holds tens of millions of cells, and a list's own allocation would cost more than
/// its cells).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TableData {
    cells: Box<[Packed]>,
    /// Where each row's cells end in `cells`: row `i` is `ends[i - 1]..ends[i]` (from 0 for
    /// the first). An empty row is one missing or not read: every row has a column.
    ends: Box<[u32]>,
    /// The cells a [`Packed`] word cannot hold.
    extra: Box<[Cell]>,
    /// The span of the table header (`[requests]`), where "missing row" points.
    pub span: Option<Span>,
    /// Where each cell is written, by the same index as `cells`: only diagnostics read them,
    /// so a build lets go of them once the reports are checked ([`Report::forget_spans`];
    /// they were a third of the cells' memory).
    cell_spans: Box<[Span]>,
}

/// One row of a table as read: its cells and, when known, where each is written.
#[derive(Debug, Clone, Default)]
pub struct RowIn {
    pub cells: Vec<Cell>,
    /// One span per cell, or empty; a table keeps the places only when every row it is
    /// given has them.
    pub spans: Vec<Span>,
}

/// One read row of a [`TableData`].
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    table: &'a TableData,
    start: usize,
    end: usize,
}

impl<'a> Row<'a> {
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The cell at a position in the row.
    pub fn get(&self, pos: usize) -> Option<Cell> {
        (pos < self.len()).then(|| self.table.at(self.start + pos))
    }

    /// The row's cells in the printed column order.
    pub fn cells(&self) -> impl ExactSizeIterator<Item = Cell> + 'a {
        let t = self.table;
        (self.start..self.end).map(move |i| t.at(i))
    }
}

impl TableData {
    /// A table of `rows.len()` rows (`None`: missing or not read), `span` its header.
    pub fn new(rows: Vec<Option<RowIn>>, span: Option<Span>) -> TableData {
        let n: usize = rows.iter().flatten().map(|r| r.cells.len()).sum();
        let mut cells = Vec::with_capacity(n);
        let mut spans = Vec::new();
        let mut extra = Vec::new();
        let mut ends = Vec::with_capacity(rows.len());
        let with_spans = rows
            .iter()
            .flatten()
            .all(|r| r.spans.len() == r.cells.len())
            && rows.iter().flatten().any(|r| !r.spans.is_empty());
        for row in rows {
            if let Some(row) = row {
                if with_spans {
                    spans.extend(row.spans);
                }
                cells.extend(row.cells.into_iter().map(|c| Packed::pack(c, &mut extra)));
            }
            ends.push(u32::try_from(cells.len()).unwrap_or(u32::MAX));
        }
        TableData {
            cells: cells.into(),
            ends: ends.into(),
            extra: extra.into(),
            span,
            cell_spans: spans.into(),
        }
    }

    fn at(&self, i: usize) -> Cell {
        self.cells
            .get(i)
            .map_or(Cell::Empty(Blank::NONE), |p| p.unpack(&self.extra))
    }

    fn bounds(&self, row: usize) -> Option<(usize, usize)> {
        let end = *self.ends.get(row)? as usize;
        let start = match row {
            0 => 0,
            _ => *self.ends.get(row - 1)? as usize,
        };
        (start < end).then_some((start, end))
    }

    /// The number of rows, read or not (the format's).
    pub fn row_count(&self) -> usize {
        self.ends.len()
    }

    /// The row at `row`, if it was read.
    pub fn row(&self, row: usize) -> Option<Row<'_>> {
        let (start, end) = self.bounds(row)?;
        Some(Row {
            table: self,
            start,
            end,
        })
    }

    /// Every row in the format's order, `None` where missing or not read.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = Option<Row<'_>>> + '_ {
        (0..self.row_count()).map(|r| self.row(r))
    }

    /// Every cell of the rows read.
    pub fn cells(&self) -> impl ExactSizeIterator<Item = Cell> + '_ {
        (0..self.cells.len()).map(|i| self.at(i))
    }

    /// The cell at (`row`, position in the row), if it was read.
    pub fn cell(&self, row: usize, pos: usize) -> Option<Cell> {
        self.row(row)?.get(pos)
    }

    /// Where the cell at (`row`, position in the row) is written; empty when it was not read
    /// or its place was forgotten.
    pub fn cell_span(&self, row: usize, pos: usize) -> Span {
        self.row(row)
            .filter(|r| pos < r.len())
            .and_then(|r| self.cell_spans.get(r.start + pos))
            .copied()
            .unwrap_or_default()
    }

    /// Replaces the cell at (`row`, position in the row); `false` when it was not read.
    pub fn set_cell(&mut self, row: usize, pos: usize, cell: Cell) -> bool {
        let Some(at) = self
            .row(row)
            .filter(|r| pos < r.len())
            .map(|r| r.start + pos)
        else {
            return false;
        };
        let mut extra = std::mem::take(&mut self.extra).into_vec();
        self.cells[at] = Packed::pack(cell, &mut extra);
        self.extra = extra.into();
        true
    }

    /// Lets go of where each cell is written.
    pub fn forget_spans(&mut self) {
        self.cell_spans = Box::default();
    }
}

/// An author's statement that a specific failed check is how the report was published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    /// The check id (`I2`, `X1`, `D1`, …).
    pub check: String,
    /// Where it failed: the row or column key the diagnostic names.
    pub at: String,
    /// Shown to readers next to the affected cells.
    pub note: String,
    /// Where `check` is written.
    pub span: Span,
    /// Where `at` is written.
    pub at_span: Span,
}

/// A prose section of the body, found by its heading (`## 五、…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProseSection {
    /// The section numeral (`一` … `六`), or `None` for text before the first heading.
    pub num: Option<String>,
    /// The heading as written.
    pub heading: String,
    /// The Markdown under the heading (byte range in the report source).
    pub body: Span,
    pub heading_span: Span,
    /// The figures the body states, in text order (only in the sections `[statements]` of
    /// formats.toml names).
    pub statements: Vec<Statement>,
}

/// A figure stated in the prose (`新收申请21件`), for check X4.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// Index into the statement kinds of formats.toml.
    pub kind: usize,
    pub value: u64,
    /// The number and its unit in the report source.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReportMeta {
    pub title: Option<String>,
    /// The agency name as printed on this report, when it differs from the agency's name now.
    pub agency_name: Option<String>,
    /// Publication date, `YYYY-MM-DD`.
    pub published: Option<String>,
    pub source_url: Option<String>,
    /// Where the copy in the archive came from (free text).
    pub source: Option<String>,
}

/// One annual report of one agency. Serialized only by the parse cache
/// ([`crate::load::cache`]), without its text: the text is the file, read anyway.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// The agency's slug (its folder name).
    pub agency: String,
    pub year: i32,
    /// Index into [`Formats::formats`].
    pub format: usize,
    /// Path relative to the site root, with `/` separators.
    pub path: String,
    /// The file's text, unless `check` or `build` let go of it ([`Report::release_text`]).
    #[serde(skip)]
    pub source: Arc<str>,
    /// Set once the text is released: how to read it again.
    #[serde(skip)]
    pub released: Option<Box<Released>>,
    pub meta: ReportMeta,
    /// In the format's table order.
    pub tables: Vec<TableData>,
    pub acknowledgements: Vec<Acknowledgement>,
    pub sections: Vec<ProseSection>,
    /// Byte offset where the Markdown body starts.
    pub body_start: usize,
    /// Spans of frontmatter keys, for diagnostics about the whole report.
    pub year_span: Span,
    pub format_span: Span,
    /// The `published` value (empty when absent).
    pub published_span: Span,
}

impl Report {
    pub fn format(&self) -> &'static Format {
        &formats().formats[self.format]
    }

    /// The cell at a location resolved by the formats (`Figure::cells_in`).
    pub fn located(&self, l: &crate::format::CellLoc) -> Option<Cell> {
        self.tables.get(l.table)?.cell(l.row, l.pos)
    }

    /// Where the cell at a location is written (see [`TableData::cell_span`]).
    pub fn located_span(&self, l: &crate::format::CellLoc) -> Span {
        self.tables
            .get(l.table)
            .map_or_else(Span::default, |t| t.cell_span(l.row, l.pos))
    }

    /// Lets go of where each cell is written, once the report is checked: what is read
    /// afterwards (pages, data, search) needs the values only.
    pub fn forget_spans(&mut self) {
        for t in &mut self.tables {
            t.forget_spans();
        }
    }

    /// The publication deadline of the report (条例 第五十条: 31 January of the next year).
    pub fn deadline(&self) -> String {
        format!("{}-01-31", self.year + 1)
    }

    /// Days between the deadline and the publication date: positive when late, zero or
    /// negative when on time; `None` without a date.
    pub fn days_late(&self) -> Option<i64> {
        let published: jiff::civil::Date = self.meta.published.as_deref()?.parse().ok()?;
        let deadline = jiff::civil::date(i16::try_from(self.year + 1).ok()?, 1, 31);
        let span = published.since(deadline).ok()?;
        Some(i64::from(span.get_days()))
    }

    /// The table with frontmatter key `key`, with its description.
    pub fn table(&self, key: &str) -> Option<(&'static Table, &TableData)> {
        let f = formats();
        let (i, t) = f.table_of(self.format(), key)?;
        Some((t, self.tables.get(i)?))
    }

    /// A cell by row and column key; `None` if the format has no such cell or it was not read.
    pub fn cell(&self, table: &str, row: &str, col: &str) -> Option<Cell> {
        let (t, data) = self.table(table)?;
        let r = t.row_index(row)?;
        let c = t.column_index(col)?;
        let pos = t.rows[r].columns.iter().position(|&x| x == c)?;
        data.cell(r, pos)
    }

    /// The prose, while the report holds its text.
    pub fn held_prose(&self) -> Option<Prose> {
        self.released.is_none().then(|| Prose {
            text: self.source.clone(),
            body_start: self.body_start,
        })
    }

    /// The prose: held, or read again from the file; `None` when the file is no longer the
    /// text that was loaded and checked (changed or removed since). Text read again is not
    /// kept: pages and the search index read each report's prose once or twice in a build.
    pub fn prose(&self) -> Option<Prose> {
        if let Some(p) = self.held_prose() {
            return Some(p);
        }
        let text = self.released.as_ref()?.read()?;
        Some(Prose {
            text,
            body_start: self.body_start,
        })
    }

    /// The file's text as loaded: held, or read again (and kept, for the diagnostics that
    /// need its lines); empty when the file changed or was removed since
    /// ([`Report::text_lost`]).
    pub fn text(&self) -> Arc<str> {
        match &self.released {
            None => self.source.clone(),
            Some(r) => r.again.get_or_init(|| r.read()).clone().unwrap_or_default(),
        }
    }

    /// Whether a diagnostic asked for the text and the file was no longer the one loaded:
    /// the positions of its findings cannot be trusted.
    pub fn text_lost(&self) -> bool {
        self.released
            .as_ref()
            .is_some_and(|r| matches!(r.again.get(), Some(None)))
    }

    /// The hash of the file's text as loaded (the build state compares it between builds).
    pub fn text_hash(&self) -> u64 {
        match &self.released {
            Some(r) => r.hash,
            None => xxhash_rust::xxh3::xxh3_64(self.source.as_bytes()),
        }
    }

    /// Lets go of the file's text, keeping its hash and how to read it again (`read`, from
    /// `file`): a large archive need not hold every report's text (as much memory as its
    /// figures) while it is checked and rendered.
    pub fn release_text(&mut self, file: PathBuf, read: fn(&Path) -> Option<Arc<str>>) {
        if self.released.is_none() {
            self.released = Some(Box::new(Released {
                hash: xxhash_rust::xxh3::xxh3_64(self.source.as_bytes()),
                file,
                read,
                again: OnceLock::new(),
            }));
            self.source = Arc::from("");
        }
    }

    /// Drops the text a diagnostic read again, once the diagnostics are made.
    pub fn forget_text(&mut self) {
        if let Some(r) = &mut self.released {
            r.again = OnceLock::new();
        }
    }

    /// The title as printed, or the conventional one.
    pub fn title(&self, agency_name: &str) -> String {
        match &self.meta.title {
            Some(t) => t.clone(),
            None => format!(
                "{}{}年政府信息公开工作年度报告",
                self.meta.agency_name.as_deref().unwrap_or(agency_name),
                self.year
            ),
        }
    }
}

/// A report's text once it is released: its hash and how to read it again.
#[derive(Debug, Clone)]
pub struct Released {
    hash: u64,
    file: PathBuf,
    read: fn(&Path) -> Option<Arc<str>>,
    /// The text read again for a diagnostic; `None` inside when it was not the text loaded.
    again: OnceLock<Option<Arc<str>>>,
}

impl Released {
    /// The text read again, if it is still the one loaded.
    fn read(&self) -> Option<Arc<str>> {
        let text = (self.read)(&self.file)?;
        (xxhash_rust::xxh3::xxh3_64(text.as_bytes()) == self.hash).then_some(text)
    }
}

impl crate::diag::SpanText for Report {
    fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(&self.text())
    }
}

/// The text of a report's prose sections, held by the report or read back from its file.
pub struct Prose {
    text: Arc<str>,
    body_start: usize,
}

impl Prose {
    /// The Markdown body, every section.
    pub fn body(&self) -> &str {
        self.text.get(self.body_start..).unwrap_or("")
    }

    /// The Markdown under a section's heading.
    pub fn section(&self, s: &ProseSection) -> &str {
        self.text.get(s.body.range()).unwrap_or("")
    }
}

/// Administrative level of an agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Province,
    City,
    County,
    Township,
    Department,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Province,
        Level::City,
        Level::County,
        Level::Township,
        Level::Department,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Township => "township",
            Level::Department => "department",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::parse_with_tier(s).map(|(l, _)| l)
    }

    /// A `level` as a clerk writes it: the English key, the Chinese name (省级, 市级, 县级,
    /// 乡镇, 部门, …), or a department with its tier (`county-department`, 县级部门).
    pub fn parse_with_tier(s: &str) -> Option<(Level, Option<Level>)> {
        let s = s.trim();
        if let Some(l) = Level::ALL.into_iter().find(|l| l.key() == s) {
            return Some((l, None));
        }
        let dept = s
            .strip_suffix("-department")
            .or_else(|| s.strip_suffix("部门"))
            .or_else(|| s.strip_suffix("直部门"))
            .or_else(|| s.strip_suffix("直"));
        if let Some(tier) = dept.filter(|t| !t.is_empty()) {
            let tier = tier.strip_suffix('直').unwrap_or(tier);
            return Level::parse_tier(tier).map(|t| (Level::Department, Some(t)));
        }
        let l = match s {
            "省级" | "省" | "省级政府" => Level::Province,
            "市级" | "市" | "地市级" | "市级政府" => Level::City,
            "县级" | "县" | "区县" | "县区" | "县（区）级" | "县级政府" => {
                Level::County
            }
            "乡镇" | "乡镇级" | "乡" | "镇" | "街道" | "乡镇（街道）" => {
                Level::Township
            }
            "部门" => Level::Department,
            _ => return None,
        };
        Some((l, None))
    }

    /// The tier of a department: province, city or county, in English or Chinese.
    pub fn parse_tier(s: &str) -> Option<Level> {
        match s.trim() {
            "province" | "省级" | "省" => Some(Level::Province),
            "city" | "市级" | "市" | "地市级" => Some(Level::City),
            "county" | "县级" | "县" | "区县" | "县区" | "县（区）级" => {
                Some(Level::County)
            }
            _ => None,
        }
    }
}

/// An agency (folder `content/<slug>/` with `agency.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    pub slug: String,
    pub name: String,
    pub short_name: Option<String>,
    pub level: Level,
    /// For a department: the level of the government it belongs to (from `tier`, a level
    /// such as `county-department`, or its parent's level).
    pub tier: Option<Level>,
    pub region: Option<String>,
    /// Slug of the parent agency.
    pub parent: Option<String>,
    pub order: i64,
    pub website: Option<String>,
    /// Path of `agency.toml`, relative to the site root.
    pub path: String,
    pub parent_span: Span,
}

impl Agency {
    pub fn short(&self) -> &str {
        self.short_name.as_deref().unwrap_or(&self.name)
    }

    /// The peer group of per-level statistics: the level, and for a department its tier
    /// (`county-department`).
    pub fn peer_key(&self) -> String {
        match (self.level, self.tier) {
            (Level::Department, Some(t)) => format!("{}-department", t.key()),
            (l, _) => l.key().to_string(),
        }
    }
}

/// How a check's findings are treated, as configured in `site.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckLevel {
    Error,
    Warning,
    Off,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Validation {
    /// Treat warnings as errors for the exit status.
    pub deny_warnings: bool,
    /// Per-check overrides (`X2 = "off"`).
    pub checks: Vec<(String, CheckLevel)>,
}

impl Validation {
    pub fn level(&self, check: &str) -> Option<CheckLevel> {
        self.checks
            .iter()
            .find(|(c, _)| c == check)
            .map(|(_, l)| *l)
    }
}

/// `site.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteConfig {
    pub title: String,
    pub description: Option<String>,
    pub language: String,
    pub base_url: String,
    pub output_dir: String,
    pub theme: String,
    pub validation: Validation,
    /// Names at the top of the output folder that a build carries over from the previous
    /// output (besides [`crate::output::ALWAYS_KEPT`]): files users add, such as a
    /// verification file of a search engine.
    pub keep: Vec<String>,
    /// Whether the build writes the long table of every cell for research (CSV and Parquet,
    /// per year). Off by default: it is for archives that publish research data, and costs
    /// about a third of a 10,000-report build (BENCHMARKS.md).
    pub research_data: bool,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            title: "政府信息公开工作年度报告".into(),
            description: None,
            language: "zh-CN".into(),
            base_url: "/".into(),
            output_dir: "public".into(),
            theme: "default".into(),
            validation: Validation::default(),
            keep: Vec::new(),
            research_data: false,
        }
    }
}

/// A loaded site. Reports are sorted by agency slug then year.
#[derive(Debug, Clone)]
pub struct Site {
    pub root: PathBuf,
    pub config: SiteConfig,
    pub agencies: Vec<Agency>,
    pub reports: Vec<Report>,
}

impl Site {
    pub fn formats(&self) -> &'static Formats {
        formats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_keeps_its_mark_and_only_known_marks_are_blanks() {
        for m in Blank::MARKS {
            let b = Blank::of(m).unwrap();
            assert_eq!(b.as_str(), *m);
            assert_eq!(Cell::Empty(b).to_string(), *m);
            assert_eq!(b.is_empty(), m.is_empty());
        }
        assert_eq!(Blank::of(""), Some(Blank::NONE));
        for other in ["0", "无", " -", "——-", "N/A"] {
            assert_eq!(Blank::of(other), None, "{other}");
        }
    }

    /// Millions of cells are held at once in a national archive: their size is a budget.
    #[test]
    fn a_held_cell_is_four_bytes() {
        assert_eq!(std::mem::size_of::<Packed>(), 4);
        assert_eq!(std::mem::size_of::<Cell>(), 16);
    }

    #[test]
    fn forgotten_spans_leave_the_values() {
        let row = |cells: Vec<Cell>, at: usize| RowIn {
            spans: (at..at + cells.len())
                .map(|i| Span::new(i * 10..i * 10 + 1))
                .collect(),
            cells,
        };
        let table = TableData::new(
            vec![
                Some(row(vec![Cell::Count(3), Cell::Empty(Blank::NONE)], 2)),
                None,
                Some(row(vec![Cell::Count(4), Cell::Count(5)], 0)),
            ],
            None,
        );
        let mut report = crate::derive::rollup::as_report("a", 2021, 0, vec![table]);
        let t = &report.tables[0];
        assert_eq!(t.cell_span(0, 1), Span::new(30..31));
        assert_eq!(t.cell_span(2, 0), Span::new(0..1));
        assert_eq!(t.cell_span(1, 0), Span::default());
        assert_eq!(t.cell_span(0, 2), Span::default(), "past the row's end");
        report.forget_spans();
        let t = &report.tables[0];
        assert_eq!(t.cell(0, 0), Some(Cell::Count(3)));
        assert_eq!(t.cell(2, 1), Some(Cell::Count(5)));
        assert_eq!(t.cell_span(0, 1), Span::default());
    }

    /// Every value a cell can hold comes back from a table as it went in, whether its word
    /// holds it or the table's list beside it does, and rows keep their places.
    #[test]
    fn a_table_gives_back_every_cell_it_was_given() {
        let amount = Amount {
            value: Decimal::new(15, 1),
            unit: Some("万元".into()),
            printed: Some("15000元".into()),
        };
        let mut cells = vec![
            Cell::Count(0),
            Cell::Count((1 << 31) - 1),
            Cell::Count(1 << 31),
            Cell::Count(u64::MAX),
            Cell::Delta(0),
            Cell::Delta(-1),
            Cell::Delta((1 << 29) - 1),
            Cell::Delta(-(1 << 29)),
            Cell::Delta(1 << 29),
            Cell::Delta(-(1 << 29) - 1),
            Cell::Delta(i64::MIN),
            Cell::Delta(i64::MAX),
            Cell::amount(amount.clone()),
            Cell::amount(Amount::plain(Decimal::ZERO)),
        ];
        cells.extend(
            Blank::MARKS
                .iter()
                .filter_map(|m| Blank::of(m))
                .map(Cell::Empty),
        );
        let rows = vec![
            None,
            Some(RowIn {
                cells: cells.clone(),
                spans: Vec::new(),
            }),
            None,
            Some(RowIn {
                cells: vec![Cell::Count(7)],
                spans: Vec::new(),
            }),
            None,
        ];
        let mut t = TableData::new(rows, None);
        assert_eq!(t.row_count(), 5);
        let read: Vec<Option<Vec<Cell>>> =
            t.rows().map(|r| r.map(|r| r.cells().collect())).collect();
        assert_eq!(
            read,
            vec![
                None,
                Some(cells.clone()),
                None,
                Some(vec![Cell::Count(7)]),
                None
            ]
        );
        assert_eq!(t.cells().count(), cells.len() + 1);
        assert_eq!(t.cell(1, cells.len()), None, "past the row's end");
        assert_eq!(t.cell(2, 0), None);
        assert_eq!(t.cell(9, 0), None);
        assert!(t.set_cell(3, 0, Cell::amount(amount.clone())));
        assert!(!t.set_cell(2, 0, Cell::Count(1)));
        assert_eq!(t.cell(3, 0), Some(Cell::amount(amount)));
        assert_eq!(t.cell(1, 3), Some(Cell::Count(u64::MAX)));
        // The parse cache stores tables as they are held.
        let bytes = postcard::to_allocvec(&t).unwrap();
        assert_eq!(postcard::from_bytes::<TableData>(&bytes).unwrap(), t);
    }
}
