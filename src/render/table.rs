//! The official layouts of the statistics tables, as grids of cells with their row and
//! column spans, computed from the format description.
//!
//! The layout logic (two-level headers, nested row groups, the single 15-cell row of 四) lives
//! here, once: a [`Grid`] per table is compiled into HTML with open data cells
//! ([`Compiled`]) that each report fills. Screen readers announce every label of a cell:
//! from the spans and scopes where HTML's header algorithm finds them all (三, 四), else from
//! header ids and each data cell's `headers` list (二).
//!
//! Cells are written without their end tags (`</td>`, `</th>`), as in every table the site
//! writes: HTML ends a cell at the next cell or at `</tr>`, and the end tags were 3 KB of
//! each report's pages (2.7 of its 54 KB of output at 10,000 reports).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::format::{Layout, Table, formats};
use crate::model::{Cell, TableData};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct GridCell {
    pub text: String,
    pub th: bool,
    /// `col`, `colgroup`, `row`, `rowgroup`, or empty.
    pub scope: &'static str,
    pub colspan: u32,
    pub rowspan: u32,
    pub id: String,
    /// Space-separated ids of the header cells labelling this data cell.
    pub headers: String,
    /// CSS classes: `num` (a data cell; a report adds `empty`, `missing`, `ack`), `caption`,
    /// `corner`.
    pub class: String,
    /// `table.row.column` key of a data cell.
    pub key: String,
    /// Row index and position in the row of a data cell's value.
    pub slot: Option<(usize, usize)>,
}

impl GridCell {
    fn th(
        text: impl Into<String>,
        scope: &'static str,
        colspan: u32,
        rowspan: u32,
        id: String,
    ) -> Self {
        GridCell {
            text: text.into(),
            th: true,
            scope,
            colspan,
            rowspan,
            id,
            headers: String::new(),
            class: String::new(),
            key: String::new(),
            slot: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Grid {
    pub head: Vec<Vec<GridCell>>,
    pub body: Vec<Vec<GridCell>>,
    /// `blocks`, `matrix` or `single-row`.
    pub layout: &'static str,
}

/// Escapes text for element content and attribute values: pages, SVG charts, feeds, sitemap.
pub fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    // A byte scan: every character escaped is ASCII, and most labels need nothing.
    if !s
        .bytes()
        .any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\''))
    {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

impl GridCell {
    /// The start tag up to (not including) the class attribute.
    fn write_open(&self, out: &mut String) {
        use std::fmt::Write as _;
        out.push_str(if self.th { "<th" } else { "<td" });
        if !self.scope.is_empty() {
            let _ = write!(out, " scope=\"{}\"", self.scope);
        }
        if self.colspan > 1 {
            let _ = write!(out, " colspan=\"{}\"", self.colspan);
        }
        if self.rowspan > 1 {
            let _ = write!(out, " rowspan=\"{}\"", self.rowspan);
        }
        if !self.id.is_empty() {
            let _ = write!(out, " id=\"{}\"", esc(&self.id));
        }
        if !self.headers.is_empty() {
            let _ = write!(out, " headers=\"{}\"", esc(&self.headers));
        }
    }

    /// A header or corner cell, whose content is the same for every report.
    fn write_static(&self, out: &mut String) {
        self.write_open(out);
        if !self.class.is_empty() {
            out.push_str(" class=\"");
            out.push_str(&self.class);
            out.push('"');
        }
        out.push('>');
        out.push_str(&esc(&self.text));
    }
}

/// A data cell's value and marks in one report.
/// The site's words a table cell may need (from the theme's strings).
pub struct CellLabels<'a> {
    /// Read by screen readers in a cell printed empty.
    pub empty: &'a str,
    /// Before the printed text of an amount converted into its column's unit.
    pub printed: &'a str,
    /// Before the number of a footnote mark (说明1): a bare superscript digit after a count
    /// would read as one more digit of it.
    pub note: &'a str,
}

struct CellState {
    value: Option<Cell>,
    /// Footnote number of an acknowledged finding concerning the cell (0 = none).
    note: usize,
    /// Whether the footnote mark goes on this cell (else it is only highlighted).
    primary: bool,
}

impl CellState {
    fn of<N: CellNotes>(data: &TableData, row: usize, pos: usize, key: &str, notes: &N) -> Self {
        let (note, primary) = notes.note_for(key);
        CellState {
            value: data.cell(row, pos),
            note,
            primary,
        }
    }

    /// The CSS classes of the cell. A value needs none (data cells of official tables are
    /// numbers by CSS): a class on each of the ~200 cells of a report was 6% of its page.
    fn classes(&self) -> &'static str {
        match (&self.value, self.note > 0) {
            (Some(Cell::Empty(_)), false) => "empty",
            (Some(Cell::Empty(_)), true) => "empty ack",
            (None, false) => "missing",
            (None, true) => "missing ack",
            (Some(_), false) => "",
            (Some(_), true) => "ack",
        }
    }

    /// Everything after the cell's layout attributes: its classes, the content, the
    /// footnote mark and the end tag.
    fn write_rest(&self, out: &mut String, labels: &CellLabels<'_>) {
        use std::fmt::Write as _;
        let classes = self.classes();
        if !classes.is_empty() {
            out.push_str(" class=\"");
            out.push_str(classes);
            out.push('"');
        }
        out.push('>');
        let marked = self.primary && self.note > 0;
        match &self.value {
            // A mark alone in an empty cell would read as its value: the cell says it is
            // blank, in words, for everyone.
            Some(Cell::Empty(printed)) if printed.is_empty() && marked => {
                out.push_str("<span class=\"blank-word\">");
                out.push_str(&esc(labels.empty));
                out.push_str("</span>");
            }
            Some(Cell::Empty(printed)) if printed.is_empty() => {
                out.push_str("<span class=\"sr-only\">");
                out.push_str(&esc(labels.empty));
                out.push_str("</span>");
            }
            Some(Cell::Empty(printed)) => out.push_str(&esc(printed.as_str())),
            Some(Cell::Count(n)) => crate::numtext::int(out, *n),
            Some(Cell::Delta(n)) => crate::numtext::int(out, *n),
            Some(Cell::Amount(a)) => {
                out.push_str(&esc(&a.to_string()));
                // Converted into the column's unit: the printed text beside it, readable
                // on paper and on a phone (not a tooltip).
                if let Some(p) = &a.printed {
                    out.push_str("<small class=\"printed\">");
                    out.push_str(&esc(labels.printed));
                    out.push_str(&esc(p));
                    out.push_str("</small>");
                }
            }
            None => {}
        }
        if marked {
            let _ = write!(
                out,
                "<sup class=\"mark\"><a href=\"#note-{0}\">{1}{0}</a></sup>",
                self.note,
                esc(labels.note)
            );
        }
    }
}

/// A table's HTML with its data cells left open: the layout (spans, ids, `headers`) is the
/// same for every report of a format, so it is laid out once per archive and each report only
/// fills in its values (see BENCHMARKS.md).
pub struct Compiled {
    layout: &'static str,
    parts: Vec<Part>,
    tail: String,
}

/// Static HTML up to a data cell's classes, and where that cell's value is.
struct Part {
    html: String,
    row: usize,
    pos: usize,
    /// `table.row.column`, for the acknowledged-finding marks.
    key: String,
}

impl Compiled {
    fn new(skeleton: &Grid) -> Self {
        let mut parts = Vec::new();
        let mut cur = String::new();
        for (rows, tag) in [(&skeleton.head, "thead"), (&skeleton.body, "tbody")] {
            if rows.is_empty() {
                continue;
            }
            cur.push('<');
            cur.push_str(tag);
            cur.push_str(">\n");
            for row in rows {
                cur.push_str("<tr>");
                for c in row {
                    match c.slot {
                        Some((row, pos)) => {
                            c.write_open(&mut cur);
                            parts.push(Part {
                                html: std::mem::take(&mut cur),
                                row,
                                pos,
                                key: c.key.clone(),
                            });
                        }
                        None => c.write_static(&mut cur),
                    }
                }
                cur.push_str("</tr>\n");
            }
            cur.push_str("</");
            cur.push_str(tag);
            cur.push_str(">\n");
        }
        cur.push_str("</table>\n</div>\n");
        Compiled {
            layout: skeleton.layout,
            parts,
            tail: cur,
        }
    }

    /// The table filled with `data`, in a scrollable region labelled `caption`.
    pub fn render<N: CellNotes>(
        &self,
        caption: &str,
        data: &TableData,
        notes: &N,
        labels: &CellLabels<'_>,
    ) -> String {
        let size = self.parts.iter().map(|p| p.html.len() + 48).sum::<usize>() + self.tail.len();
        let mut out = String::with_capacity(size + 256);
        let cap = esc(caption);
        out.push_str("<div class=\"table-scroll\" role=\"region\" aria-label=\"");
        out.push_str(&cap);
        out.push_str("\" tabindex=\"0\">\n<table class=\"official ");
        out.push_str(self.layout);
        out.push_str("\">\n<caption>");
        out.push_str(&cap);
        out.push_str("</caption>\n");
        for p in &self.parts {
            out.push_str(&p.html);
            CellState::of(data, p.row, p.pos, &p.key, notes).write_rest(&mut out, labels);
        }
        out.push_str(&self.tail);
        out
    }
}

/// The compiled table of every format and section in one language, by format index and
/// section position; ids are prefixed with the section (`s3r5`), unique on a report page.
pub struct Layouts(Vec<Vec<Option<Compiled>>>);

impl Layouts {
    pub fn new(lang: &str) -> Self {
        let f = formats();
        Layouts(
            f.formats
                .iter()
                .map(|fmt| {
                    f.sections
                        .iter()
                        .enumerate()
                        .map(|(si, sec)| {
                            let (_, t) = f.table_of(fmt, sec.table.as_deref()?)?;
                            let prefix = format!("s{}", si + 1);
                            Some(Compiled::new(&grid(t, lang, &prefix)))
                        })
                        .collect()
                })
                .collect(),
        )
    }

    /// The layouts of `lang`, compiled once per process (1 ms): watch mode makes an archive
    /// after every edit.
    pub fn shared(lang: &str) -> std::sync::Arc<Layouts> {
        type Cache = std::sync::Mutex<Vec<(String, std::sync::Arc<Layouts>)>>;
        static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        let mut held = cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, l)) = held.iter().find(|(l, _)| l == lang) {
            return l.clone();
        }
        let made = std::sync::Arc::new(Layouts::new(lang));
        held.push((lang.to_string(), made.clone()));
        made
    }

    /// The table of section `section` (position in [`Formats::sections`]) in format `format`.
    pub fn get(&self, format: usize, section: usize) -> Option<&Compiled> {
        self.0.get(format)?.get(section)?.as_ref()
    }
}

/// Marks for data cells: the footnote number of the acknowledged finding concerning a cell
/// (0 = none), and whether the footnote mark goes on this cell (the cell the finding is
/// about) or the cell is only highlighted (the other cells of the identity).
pub trait CellNotes {
    fn note_for(&self, key: &str) -> (usize, bool);
}

impl CellNotes for () {
    fn note_for(&self, _: &str) -> (usize, bool) {
        (0, false)
    }
}

impl<F: Fn(&str) -> (usize, bool)> CellNotes for F {
    fn note_for(&self, key: &str) -> (usize, bool) {
        self(key)
    }
}

struct Ctx<'a> {
    table: &'a Table,
    lang: &'a str,
    prefix: &'a str,
}

impl Ctx<'_> {
    /// A short id, unique on the page: prefix (the section, `s3`) + kind + index, e.g. `s3r5`
    /// for row 5, `s3c1` for column 1, `s3g0` for a group, `s3r2c4` for a column of row 2.
    fn id(&self, kind: &str, key: &str) -> String {
        let t = self.table;
        let short = match kind {
            "row" => format!("r{}", t.row_index(key).unwrap_or(0)),
            "col" => format!("c{}", t.column_index(key).unwrap_or(0)),
            "group" | "rowgroup" => format!(
                "g{}",
                t.groups.iter().position(|g| g.key == key).unwrap_or(0)
            ),
            "head" => "h".to_string(),
            "corner" => format!("k{key}"),
            "block" => format!("b{key}"),
            other => {
                // `b0-col` (a block's column) or `<row>-col` (a row's column in 四).
                let pre = other.split_once('-').map_or(other, |(p, _)| p);
                let pre = t
                    .row_index(pre)
                    .map_or(pre.to_string(), |ri| format!("r{ri}"));
                format!("{pre}c{}", t.column_index(key).unwrap_or(0))
            }
        };
        format!("{}{short}", self.prefix)
    }

    fn data_cell(&self, row: usize, pos: usize, headers: Vec<String>) -> GridCell {
        let r = &self.table.rows[row];
        let col = &self.table.columns[r.columns[pos]];
        GridCell {
            text: String::new(),
            th: false,
            scope: "",
            colspan: 1,
            rowspan: 1,
            id: String::new(),
            headers: headers.join(" "),
            class: String::new(),
            key: format!("{}.{}.{}", self.table.key, r.key, col.key),
            slot: Some((row, pos)),
        }
    }
}

/// The grid of `table` as printed in the official format, data cells without values.
/// `prefix` makes ids unique on the page.
pub fn grid(table: &Table, lang: &str, prefix: &str) -> Grid {
    let ctx = Ctx {
        table,
        lang,
        prefix,
    };
    let g = laid_out(&ctx);
    if implied_match(&g) { without_ids(g) } else { g }
}

fn laid_out(ctx: &Ctx<'_>) -> Grid {
    match ctx.table.layout {
        Layout::Blocks => blocks(ctx),
        Layout::Matrix => matrix(ctx),
        Layout::SingleRow => single_row(ctx),
    }
}

/// Whether every data cell of `g` gets, from HTML's algorithm for assigning header cells to
/// a cell without `headers`, exactly the header cells its `headers` list names: then the
/// lists and the ids they point to carry nothing a browser or screen reader does not already
/// know from the spans and scopes (they were 7 KB of each report page). The blocks of 二
/// need them: scanning up a column, a cell of the second block would also get the first
/// block's column header.
fn implied_match(g: &Grid) -> bool {
    let slots = Slots::of(g);
    slots.cells.iter().enumerate().all(|(k, &(_, _, cell))| {
        cell.slot.is_none() || slots.implied(k) == slots.named(&cell.headers)
    })
}

/// `g` with no `headers` lists and no ids.
fn without_ids(mut g: Grid) -> Grid {
    for cell in g.head.iter_mut().chain(g.body.iter_mut()).flatten() {
        cell.id.clear();
        cell.headers.clear();
    }
    g
}

/// The cells of a grid placed in the table's slots (HTML's table model: a cell takes the
/// first free slot of its row and covers its spans).
struct Slots<'g> {
    /// Each cell with the (x, y) of its anchor slot.
    cells: Vec<(usize, usize, &'g GridCell)>,
    /// The cell covering each slot, by row.
    at: Vec<Vec<Option<usize>>>,
}

impl<'g> Slots<'g> {
    fn of(g: &'g Grid) -> Self {
        let mut cells = Vec::new();
        let mut at: Vec<Vec<Option<usize>>> = Vec::new();
        for (y, row) in g.head.iter().chain(&g.body).enumerate() {
            let mut x = 0;
            for cell in row {
                let (w, h) = (cell.colspan.max(1) as usize, cell.rowspan.max(1) as usize);
                if at.len() < y + h {
                    at.resize(y + h, Vec::new());
                }
                while at[y].get(x).copied().flatten().is_some() {
                    x += 1;
                }
                for line in &mut at[y..y + h] {
                    if line.len() < x + w {
                        line.resize(x + w, None);
                    }
                    for slot in &mut line[x..x + w] {
                        *slot = Some(cells.len());
                    }
                }
                cells.push((x, y, cell));
                x += w;
            }
        }
        Slots { cells, at }
    }

    fn get(&self, x: usize, y: usize) -> Option<usize> {
        self.at.get(y)?.get(x).copied().flatten()
    }

    /// A column header: scope `col`, or no scope and no data cell in its rows.
    fn column_header(&self, k: usize) -> bool {
        let (_, y, c) = self.cells[k];
        c.th && (c.scope == "col"
            || c.scope.is_empty() && !self.data_in(y..y + c.rowspan as usize, true))
    }

    /// A row header: scope `row`, or no scope, not a column header and no data cell in its
    /// columns.
    fn row_header(&self, k: usize) -> bool {
        let (x, _, c) = self.cells[k];
        c.th && (c.scope == "row"
            || c.scope.is_empty()
                && !self.column_header(k)
                && !self.data_in(x..x + c.colspan as usize, false))
    }

    /// Whether a data cell covers a slot of these rows (or columns).
    fn data_in(&self, range: std::ops::Range<usize>, rows: bool) -> bool {
        self.at.iter().enumerate().any(|(y, line)| {
            line.iter().enumerate().any(|(x, slot)| {
                (if rows {
                    range.contains(&y)
                } else {
                    range.contains(&x)
                }) && slot.is_some_and(|k| !self.cells[k].2.th)
            })
        })
    }

    /// The header cells HTML assigns to cell `k` when it has no `headers` attribute (its
    /// table has no row or column groups besides thead and tbody, and no group scopes).
    fn implied(&self, k: usize) -> BTreeSet<usize> {
        let (x, y, c) = self.cells[k];
        let mut found = BTreeSet::new();
        for yy in y..y + c.rowspan.max(1) as usize {
            self.scan(x, yy, true, &mut found);
        }
        for xx in x..x + c.colspan.max(1) as usize {
            self.scan(xx, y, false, &mut found);
        }
        found.remove(&k);
        found.retain(|&h| !self.cells[h].2.text.is_empty());
        found
    }

    /// HTML's "scan and assign header cells" from (x, y) leftwards (`left`) or upwards.
    fn scan(&self, mut x: usize, mut y: usize, left: bool, found: &mut BTreeSet<usize>) {
        let mut opaque: Vec<usize> = Vec::new();
        let mut block: Vec<usize> = Vec::new();
        let mut in_block = false;
        loop {
            if left {
                let Some(nx) = x.checked_sub(1) else { return };
                x = nx;
            } else {
                let Some(ny) = y.checked_sub(1) else { return };
                y = ny;
            }
            let Some(k) = self.get(x, y) else { continue };
            let (cx, cy, cell) = self.cells[k];
            if cell.th {
                in_block = true;
                block.push(k);
                let blocked =
                    if left {
                        opaque.iter().any(|&o| {
                            self.cells[o].1 == cy && self.cells[o].2.rowspan == cell.rowspan
                        }) || !self.row_header(k)
                    } else {
                        opaque.iter().any(|&o| {
                            self.cells[o].0 == cx && self.cells[o].2.colspan == cell.colspan
                        }) || !self.column_header(k)
                    };
                if !blocked {
                    found.insert(k);
                }
            } else if in_block {
                in_block = false;
                opaque.append(&mut block);
            }
        }
    }

    /// The cells whose ids a `headers` list names.
    fn named(&self, headers: &str) -> BTreeSet<usize> {
        headers
            .split_whitespace()
            .filter_map(|id| self.cells.iter().position(|(_, _, c)| c.th && c.id == id))
            .collect()
    }
}

/// 二: per block a caption row, a header row (信息内容 + columns), then the rows. Blocks with
/// fewer columns stretch their last column across the rest, as the printed table does.
fn blocks(c: &Ctx<'_>) -> Grid {
    let t = c.table;
    let width = t.blocks.iter().map(|b| b.columns.len()).max().unwrap_or(1) as u32;
    let corner = t.corner.as_ref().map_or("", |l| l.get(c.lang)).to_string();
    let mut body = Vec::new();
    for (bi, b) in t.blocks.iter().enumerate() {
        let cap_id = c.id("block", &bi.to_string());
        if let Some(cap) = &b.caption {
            let mut cell = GridCell::th(cap.get(c.lang), "colgroup", width + 1, 1, cap_id.clone());
            cell.class = "caption".into();
            body.push(vec![cell]);
        }
        let corner_id = c.id("corner", &bi.to_string());
        let mut head = vec![GridCell::th(corner.clone(), "col", 1, 1, corner_id.clone())];
        let n = b.columns.len() as u32;
        for (i, &ci) in b.columns.iter().enumerate() {
            let span = if i as u32 == n - 1 { width - n + 1 } else { 1 };
            head.push(GridCell::th(
                t.columns[ci].label.get(c.lang),
                "col",
                span,
                1,
                c.id(&format!("b{bi}-col"), &t.columns[ci].key),
            ));
        }
        body.push(head);
        for &ri in &b.rows {
            let r = &t.rows[ri];
            let row_id = c.id("row", &r.key);
            let mut cells = vec![GridCell::th(
                r.label.get(c.lang),
                "row",
                1,
                1,
                row_id.clone(),
            )];
            for (pos, &ci) in r.columns.iter().enumerate() {
                let col_id = c.id(&format!("b{bi}-col"), &t.columns[ci].key);
                let mut cell = c.data_cell(ri, pos, vec![cap_id.clone(), row_id.clone(), col_id]);
                if pos as u32 == n - 1 {
                    cell.colspan = width - n + 1;
                }
                cells.push(cell);
            }
            body.push(cells);
        }
    }
    Grid {
        head: Vec::new(),
        body,
        layout: "blocks",
    }
}

/// Column headers with their groups: (header rows, ids of the headers of each column).
fn column_headers(
    c: &Ctx<'_>,
    columns: &[usize],
    top: Option<&str>,
    corner: Option<GridCell>,
) -> (Vec<Vec<GridCell>>, Vec<Vec<String>>) {
    let t = c.table;
    let grouped = columns.iter().any(|&ci| t.columns[ci].group.is_some());
    let mut rows: Vec<Vec<GridCell>> = Vec::new();
    let mut ids: Vec<Vec<String>> = vec![Vec::new(); columns.len()];
    let mut first = Vec::new();
    if let Some(cell) = corner {
        first.push(cell);
    }
    if let Some(top) = top {
        let id = c.id("head", "top");
        first.push(GridCell::th(
            top,
            "col",
            columns.len() as u32,
            1,
            id.clone(),
        ));
        for v in ids.iter_mut() {
            v.push(id.clone());
        }
        rows.push(std::mem::take(&mut first));
    }
    let levels = if grouped { 2 } else { 1 };
    let mut upper = first;
    let mut lower = Vec::new();
    let mut i = 0;
    while i < columns.len() {
        let col = &t.columns[columns[i]];
        match col.group {
            Some(g) => {
                let run = columns[i..]
                    .iter()
                    .take_while(|&&ci| t.columns[ci].group == Some(g))
                    .count();
                let gid = c.id("group", &t.groups[g].key);
                upper.push(GridCell::th(
                    t.groups[g].label.get(c.lang),
                    "col",
                    run as u32,
                    1,
                    gid.clone(),
                ));
                for (k, &ci) in columns[i..i + run].iter().enumerate() {
                    let id = c.id("col", &t.columns[ci].key);
                    lower.push(GridCell::th(
                        t.columns[ci].label.get(c.lang),
                        "col",
                        1,
                        1,
                        id.clone(),
                    ));
                    ids[i + k].push(gid.clone());
                    ids[i + k].push(id);
                }
                i += run;
            }
            None => {
                let id = c.id("col", &col.key);
                upper.push(GridCell::th(
                    col.label.get(c.lang),
                    "col",
                    1,
                    levels,
                    id.clone(),
                ));
                ids[i].push(id);
                i += 1;
            }
        }
    }
    rows.push(upper);
    if grouped {
        rows.push(lower);
    }
    (rows, ids)
}

/// 三: a corner note, 申请人情况 over seven columns in two levels, and rows nested in groups
/// (三、本年度办理结果 › （三）不予公开 › 1.属于国家秘密).
fn matrix(c: &Ctx<'_>) -> Grid {
    let t = c.table;
    let columns: Vec<usize> = t
        .blocks
        .first()
        .map(|b| b.columns.clone())
        .unwrap_or_default();
    let depth = t
        .rows
        .iter()
        .map(|r| t.group_path(r.group).len() + 1)
        .max()
        .unwrap_or(1);
    let head_rows = 1
        + usize::from(t.header.is_some())
        + usize::from(columns.iter().any(|&ci| t.columns[ci].group.is_some()));
    let mut corner = GridCell::th(
        t.corner.as_ref().map_or("", |l| l.get(c.lang)),
        "",
        depth as u32,
        head_rows as u32,
        c.id("corner", "0"),
    );
    corner.class = "corner".into();
    corner.th = false;
    let (head, col_ids) = column_headers(
        c,
        &columns,
        t.header.as_ref().map(|h| h.get(c.lang)),
        Some(corner),
    );
    let mut body = Vec::new();
    for (ri, r) in t.rows.iter().enumerate() {
        let path = t.group_path(r.group);
        let mut cells = Vec::new();
        let mut headers = Vec::new();
        for (level, g) in path.iter().enumerate() {
            let gi = t.groups.iter().position(|x| x.key == g.key).unwrap_or(0);
            let id = c.id("rowgroup", &g.key);
            headers.push(id.clone());
            let in_group = |k: usize| {
                t.group_path(t.rows[k].group)
                    .get(level)
                    .is_some_and(|x| x.key == t.groups[gi].key)
            };
            let starts = ri == 0 || !in_group(ri - 1);
            if starts {
                let run = (ri..t.rows.len()).take_while(|&k| in_group(k)).count();
                // `group`: the theme sets these apart from the rows' own headers (not sticky,
                // written vertically on a phone).
                let mut th = GridCell::th(g.label.get(c.lang), "row", 1, run as u32, id);
                th.class = "group".into();
                cells.push(th);
            }
        }
        let row_id = c.id("row", &r.key);
        headers.push(row_id.clone());
        cells.push(GridCell::th(
            r.label.get(c.lang),
            "row",
            (depth - path.len()) as u32,
            1,
            row_id,
        ));
        for (pos, ids) in col_ids.iter().enumerate() {
            let mut h = headers.clone();
            h.extend(ids.iter().cloned());
            cells.push(c.data_cell(ri, pos, h));
        }
        body.push(cells);
    }
    Grid {
        head,
        body,
        layout: "matrix",
    }
}

/// 四: the rows become column groups of one printed data row (行政复议 | 行政诉讼 › 未经复议直接起诉,
/// 复议后起诉), each with its five columns.
fn single_row(c: &Ctx<'_>) -> Grid {
    let t = c.table;
    let depth = t
        .rows
        .iter()
        .map(|r| t.group_path(r.group).len())
        .max()
        .unwrap_or(0);
    let levels = depth + 2;
    let mut head: Vec<Vec<GridCell>> = vec![Vec::new(); levels];
    let mut data = Vec::new();
    for (ri, r) in t.rows.iter().enumerate() {
        let path = t.group_path(r.group);
        let width = r.columns.len() as u32;
        let mut headers = Vec::new();
        for (level, g) in path.iter().enumerate() {
            let id = c.id("rowgroup", &g.key);
            headers.push(id.clone());
            let starts = ri == 0
                || t.group_path(t.rows[ri - 1].group)
                    .get(level)
                    .is_none_or(|x| x.key != g.key);
            if starts {
                let span: u32 = t.rows[ri..]
                    .iter()
                    .take_while(|x| {
                        t.group_path(x.group)
                            .get(level)
                            .is_some_and(|y| y.key == g.key)
                    })
                    .map(|x| x.columns.len() as u32)
                    .sum();
                head[level].push(GridCell::th(g.label.get(c.lang), "col", span, 1, id));
            }
        }
        let row_id = c.id("row", &r.key);
        headers.push(row_id.clone());
        head[path.len()].push(GridCell::th(r.label.get(c.lang), "col", width, 1, row_id));
        let col_level = path.len() + 1;
        for (pos, &ci) in r.columns.iter().enumerate() {
            let id = c.id(&format!("{}-col", r.key), &t.columns[ci].key);
            head[col_level].push(GridCell::th(
                t.columns[ci].label.get(c.lang),
                "col",
                1,
                (levels - col_level) as u32,
                id.clone(),
            ));
            let mut h = headers.clone();
            h.push(id);
            data.push(c.data_cell(ri, pos, h));
        }
    }
    head.retain(|r| !r.is_empty());
    Grid {
        head,
        body: vec![data],
        layout: "single-row",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sum of colspans per grid row must be equal, counting cells spanning from rows above.
    fn widths(rows: &[Vec<GridCell>]) -> Vec<u32> {
        let mut carry: Vec<(u32, u32)> = Vec::new(); // (remaining rows, colspan)
        let mut out = Vec::new();
        for row in rows {
            let from_above: u32 = carry.iter().map(|(_, w)| w).sum();
            out.push(from_above + row.iter().map(|c| c.colspan).sum::<u32>());
            carry = carry
                .into_iter()
                .filter(|(n, _)| *n > 1)
                .map(|(n, w)| (n - 1, w))
                .collect();
            for c in row {
                if c.rowspan > 1 {
                    carry.push((c.rowspan - 1, c.colspan));
                }
            }
        }
        out
    }

    #[test]
    fn requests_matrix_is_rectangular_and_nested_as_printed() {
        let f = formats();
        for fmt in ["2021", "2019"] {
            let (_, t) = f.table_of(f.format(fmt).unwrap(), "requests").unwrap();
            let g = grid(t, "zh-CN", "r");
            let mut all = g.head.clone();
            all.extend(g.body.clone());
            let w = widths(&all);
            assert!(w.iter().all(|&x| x == 10), "{fmt}: {w:?}");
            assert_eq!(g.head.len(), 3);
            // 三、本年度办理结果 spans 22 rows in 2021 and 20 in 2019 (§3.2, §4.2).
            let results = g
                .body
                .iter()
                .flatten()
                .find(|c| c.text == "三、本年度办理结果")
                .unwrap();
            assert_eq!(results.rowspan, if fmt == "2021" { 22 } else { 20 });
            let withheld = g
                .body
                .iter()
                .flatten()
                .find(|c| c.text == "（三）不予公开")
                .unwrap();
            assert_eq!(withheld.rowspan, 8);
            // 自然人 and 总计 span the two lower header rows; 法人或其他组织 spans five columns.
            let np = g
                .head
                .iter()
                .flatten()
                .find(|c| c.text == "自然人")
                .unwrap();
            assert_eq!(np.rowspan, 2);
            let le = g
                .head
                .iter()
                .flatten()
                .find(|c| c.text == "法人或其他组织")
                .unwrap();
            assert_eq!(le.colspan, 5);
        }
    }

    /// The labels HTML's header algorithm gives a table's data cells, by their keys: from
    /// the spans and scopes when `implied`, else from the `headers` lists.
    fn labels_of(g: &Grid, implied: bool) -> Vec<(String, Vec<String>)> {
        let slots = Slots::of(g);
        slots
            .cells
            .iter()
            .enumerate()
            .filter(|(_, (_, _, c))| c.slot.is_some())
            .map(|(k, (_, _, c))| {
                let found = if implied {
                    slots.implied(k)
                } else {
                    slots.named(&c.headers)
                };
                let texts = found
                    .iter()
                    .map(|&h| slots.cells[h].2.text.clone())
                    .collect();
                (c.key.clone(), texts)
            })
            .collect()
    }

    #[test]
    fn headers_lists_are_written_only_where_spans_and_scopes_do_not_say_it_all() {
        let f = formats();
        for fmt in ["2021", "2019"] {
            for (key, explicit) in [("proactive", true), ("requests", false), ("appeals", false)] {
                let (_, t) = f.table_of(f.format(fmt).unwrap(), key).unwrap();
                let ctx = Ctx {
                    table: t,
                    lang: "zh-CN",
                    prefix: "s",
                };
                let full = laid_out(&ctx);
                let named = labels_of(&full, false);
                let implied = labels_of(&full, true);
                // Every data cell names at least a row and a column label.
                assert!(
                    named.iter().all(|(_, l)| l.len() >= 2),
                    "{fmt} {key}: {named:?}"
                );
                let written = grid(t, "zh-CN", "s");
                let lists = written
                    .body
                    .iter()
                    .flatten()
                    .filter(|c| !c.headers.is_empty())
                    .count();
                if explicit {
                    assert_ne!(
                        named, implied,
                        "{fmt} {key}: the algorithm alone would mislabel"
                    );
                    assert_eq!(written, full, "{fmt} {key}: lists kept");
                } else {
                    assert_eq!(named, implied, "{fmt} {key}");
                    assert_eq!(lists, 0, "{fmt} {key}: no lists written");
                    assert!(
                        written
                            .head
                            .iter()
                            .chain(&written.body)
                            .flatten()
                            .all(|c| c.id.is_empty()),
                        "{fmt} {key}: no ids written"
                    );
                    assert_eq!(labels_of(&written, true), implied, "{fmt} {key}");
                }
            }
        }
        // Spot checks of 三 (2021): 1.属于国家秘密 by 商业企业.
        let (_, t) = f.table_of(f.format("2021").unwrap(), "requests").unwrap();
        let labels = labels_of(&grid(t, "zh-CN", "s"), true);
        let (_, cell) = labels
            .iter()
            .find(|(k, _)| k == "requests.withheld_state_secret.commercial")
            .unwrap();
        let mut cell = cell.clone();
        cell.sort();
        let mut want: Vec<String> = [
            "三、本年度办理结果",
            "（三）不予公开",
            "1.属于国家秘密",
            "申请人情况",
            "法人或其他组织",
            "商业企业",
        ]
        .map(String::from)
        .to_vec();
        want.sort();
        assert_eq!(cell, want);
    }

    #[test]
    fn the_header_scan_stops_at_a_header_block_seen_before() {
        // Two blocks of one column header and one data row each, the lower header as wide
        // and at the same place: a data cell of the lower block gets only its own header.
        let th = |t: &str, scope: &'static str| GridCell::th(t, scope, 1, 1, String::new());
        let td = |key: &str| GridCell {
            key: key.into(),
            slot: Some((0, 0)),
            ..GridCell::th("", "", 1, 1, String::new())
        };
        let td = |key: &str| GridCell {
            th: false,
            ..td(key)
        };
        let g = Grid {
            head: Vec::new(),
            body: vec![
                vec![th("甲", "col")],
                vec![td("a")],
                vec![th("乙", "col")],
                vec![td("b")],
            ],
            layout: "blocks",
        };
        let labels = labels_of(&g, true);
        assert_eq!(labels[0], ("a".to_string(), vec!["甲".to_string()]));
        assert_eq!(labels[1], ("b".to_string(), vec!["乙".to_string()]));
        // Without the second header, the lower cell takes the first one.
        let g = Grid {
            body: vec![vec![th("甲", "col")], vec![td("a")], vec![td("b")]],
            ..g
        };
        assert_eq!(labels_of(&g, true)[1].1, vec!["甲".to_string()]);
    }

    #[test]
    fn appeals_is_one_row_of_fifteen() {
        let f = formats();
        let (_, t) = f.table_of(f.format("2021").unwrap(), "appeals").unwrap();
        let g = grid(t, "zh-CN", "a");
        assert_eq!(g.body.len(), 1);
        assert_eq!(g.body[0].len(), 15);
        assert_eq!(g.head.len(), 3);
        let lit = g.head[0].iter().find(|c| c.text == "行政诉讼").unwrap();
        assert_eq!(lit.colspan, 10);
        let rec = g.head[0].iter().find(|c| c.text == "行政复议").unwrap();
        assert_eq!(rec.colspan, 5);
        let w = widths(&g.head);
        assert!(w.iter().all(|&x| x == 15), "{w:?}");
        // 行政复议's five headers span two rows; litigation's sit in the last row.
        assert!(g.head[1].iter().filter(|c| c.rowspan == 2).count() == 5);
    }

    #[test]
    fn proactive_blocks_have_captions_and_stretch_short_blocks() {
        let f = formats();
        let (_, t) = f.table_of(f.format("2021").unwrap(), "proactive").unwrap();
        let g = grid(t, "zh-CN", "p");
        let w = widths(&g.body);
        assert!(w.iter().all(|&x| x == 4), "{w:?}");
        assert_eq!(g.body.iter().filter(|r| r[0].class == "caption").count(), 4);
    }
}
