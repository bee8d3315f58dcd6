//! The official report formats as data.
//!
//! `formats.toml` (embedded at compile time) describes every section, table, row, column,
//! label, unit and arithmetic rule once. This module turns it into an index-based structure
//! that the loader, the checker, the renderer and the importer all read.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// A Chinese label and its English counterpart.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Label {
    pub zh: String,
    pub en: String,
}

impl Label {
    /// The label in the language of messages (`--lang`).
    pub fn text(&self) -> &str {
        match crate::i18n::lang() {
            crate::i18n::Lang::En => &self.en,
            crate::i18n::Lang::Zh => &self.zh,
        }
    }

    /// The label in the site language (`en` selects English, anything else Chinese).
    pub fn get(&self, lang: &str) -> &str {
        if lang.starts_with("en") {
            &self.en
        } else {
            &self.zh
        }
    }
}

/// What a cell holds; decides which values are accepted.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A non-negative whole number (件).
    #[default]
    Count,
    /// A signed whole number (本年增/减).
    Delta,
    /// An exact decimal amount, possibly printed with a unit (万元, 元).
    Amount,
}

/// How the official table is laid out when printed.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// 二: blocks, each with a caption row and its own column headers.
    Blocks,
    /// 三: one grid with two-level column headers and nested row groups.
    Matrix,
    /// 四: the rows are printed side by side as column groups of a single data row.
    SingleRow,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub key: String,
    pub label: Label,
    pub kind: Kind,
    pub unit: Option<String>,
    pub group: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub key: String,
    pub label: Label,
    pub parent: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub key: String,
    pub label: Label,
    /// A short label for charts and comparison tables.
    pub short: Option<Label>,
    pub group: Option<usize>,
    pub block: usize,
    /// Indices into [`Table::columns`], in printed order.
    pub columns: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub caption: Option<Label>,
    pub columns: Vec<usize>,
    /// Indices into [`Table::rows`].
    pub rows: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub id: String,
    /// The frontmatter key of the table (`proactive`, `requests`, `appeals`).
    pub key: String,
    pub layout: Layout,
    pub corner: Option<Label>,
    pub header: Option<Label>,
    /// Whether empty cells in this table are reported as a data-quality finding (D1).
    pub empty_cells_finding: bool,
    pub columns: Vec<Column>,
    pub groups: Vec<Group>,
    pub rows: Vec<Row>,
    pub blocks: Vec<Block>,
    /// Row labels with their group labels, per language (see [`Table::row_label`]).
    full_row_labels: Vec<Label>,
    /// Column labels with their group label.
    full_column_labels: Vec<Label>,
}

impl Table {
    pub fn row_index(&self, key: &str) -> Option<usize> {
        self.rows.iter().position(|r| r.key == key)
    }

    pub fn column_index(&self, key: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.key == key)
    }

    /// The chain of groups of a row, outermost first.
    pub fn group_path(&self, mut group: Option<usize>) -> Vec<&Group> {
        let mut path = Vec::new();
        while let Some(g) = group {
            path.push(&self.groups[g]);
            group = self.groups[g].parent;
        }
        path.reverse();
        path
    }

    /// The official label of a row, with its group labels: `三、本年度办理结果（三）不予公开 1.属于国家秘密`.
    pub fn row_label(&self, row: usize, lang: &str) -> &str {
        self.full_row_labels[row].get(lang)
    }

    /// The official label of a column, with its group label: `法人或其他组织 商业企业`.
    pub fn column_label(&self, col: usize, lang: &str) -> &str {
        self.full_column_labels[col].get(lang)
    }

    /// Computes the full labels once, when the description is read.
    fn compute_labels(&mut self) {
        let join = |parts: Vec<&str>| {
            // Numbered parts run on (`三、本年度办理结果（七）总计`); others are spaced.
            let mut out = String::new();
            for p in parts {
                if !out.is_empty() && !p.starts_with('（') && !p.starts_with('(') {
                    out.push(' ');
                }
                out.push_str(p);
            }
            out
        };
        let row_label = |t: &Table, row: usize, lang: &str| {
            let r = &t.rows[row];
            let mut parts: Vec<&str> = t
                .group_path(r.group)
                .iter()
                .map(|g| g.label.get(lang))
                .collect();
            parts.push(r.label.get(lang));
            join(parts)
        };
        let column_label = |t: &Table, col: usize, lang: &str| {
            let c = &t.columns[col];
            match c.group {
                Some(g) => format!("{} {}", t.groups[g].label.get(lang), c.label.get(lang)),
                None => c.label.get(lang).to_string(),
            }
        };
        self.full_row_labels = (0..self.rows.len())
            .map(|i| Label {
                zh: row_label(self, i, "zh"),
                en: row_label(self, i, "en"),
            })
            .collect();
        self.full_column_labels = (0..self.columns.len())
            .map(|i| Label {
                zh: column_label(self, i, "zh"),
                en: column_label(self, i, "en"),
            })
            .collect();
    }

    /// `row label / column label`, as diagnostics quote a cell.
    pub fn cell_label(&self, row: usize, col: usize, lang: &str) -> String {
        // In 二 the block caption (第二十条第（六）项) tells which article a row reports on.
        let caption = match (&self.blocks[self.rows[row].block].caption, self.layout) {
            (Some(c), Layout::Blocks) => format!("{} ", c.get(lang)),
            _ => String::new(),
        };
        format!(
            "{caption}{} / {}",
            self.row_label(row, lang),
            self.column_label(col, lang)
        )
    }
}

#[derive(Debug, Clone)]
pub struct Format {
    pub id: String,
    pub label: Label,
    pub document: String,
    pub first_year: i32,
    /// Indices into [`Formats::tables`], in section order.
    pub tables: Vec<usize>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Section {
    pub num: String,
    pub zh: String,
    pub en: String,
    #[serde(default)]
    pub required: bool,
    /// The key of the statistics table forming this section, if any.
    pub table: Option<String>,
    /// Words that identify the section's heading in published reports, whose wording varies
    /// (`五、存在的主要问题及整改措施`); used by the importer.
    #[serde(default)]
    pub keywords: Vec<String>,
}

impl Section {
    pub fn label(&self, lang: &str) -> &str {
        if lang.starts_with("en") {
            &self.en
        } else {
            &self.zh
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum ForEach {
    Row,
    Column,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub key: String,
    /// Read from the previous year's report of the same agency.
    pub prev: bool,
    /// The term may be absent from a format (e.g. （六） is one row in 2019, three in 2021).
    pub optional: bool,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RuleSeverity {
    Error,
    Warning,
}

/// An arithmetic rule: `Σ lhs = Σ rhs` in every row or column of a table.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub table: String,
    pub for_each: ForEach,
    pub lhs: Vec<Term>,
    pub rhs: Vec<Term>,
    pub severity: RuleSeverity,
    pub label: Label,
}

impl Rule {
    /// Whether the rule compares a report with its predecessor.
    pub fn cross_year(&self) -> bool {
        self.lhs.iter().chain(&self.rhs).any(|t| t.prev)
    }

    pub fn terms(&self) -> impl Iterator<Item = (&Term, bool)> {
        self.lhs
            .iter()
            .map(|t| (t, true))
            .chain(self.rhs.iter().map(|t| (t, false)))
    }
}

/// Where a cell is in a report of some format: the table's position in the format, the row,
/// and the cell's position within the row (see [`crate::model::TableData::cell`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellLoc {
    pub table: usize,
    pub row: usize,
    pub pos: usize,
}

impl Formats {
    /// Locates a `table.row.column` key in `format`.
    pub fn locate(&self, format: &Format, key: &str) -> Option<CellLoc> {
        let mut p = key.splitn(3, '.');
        let (table, t) = self.table_of(format, p.next()?)?;
        let row = t.row_index(p.next()?)?;
        let col = t.column_index(p.next()?)?;
        let pos = t.rows[row].columns.iter().position(|&c| c == col)?;
        Some(CellLoc { table, row, pos })
    }
}

/// A named quantity: the sum of some cells, defined per format (§7 mapping).
#[derive(Debug, Clone)]
pub struct Figure {
    /// Position in [`Formats::figures`]: where its value sits in a report's derived metrics.
    pub index: usize,
    pub id: String,
    pub label: Label,
    /// Shown in trend charts and comparison tables.
    pub key: bool,
    /// Per format id (`None` = every format), the cells summed: `table.row.column`, where the
    /// column may be `*` for figures computed per column of `per_column`.
    pub cells: Vec<(Option<String>, Vec<String>)>,
    /// Raw cells this figure stands for in the full comparison.
    pub merges: Vec<String>,
    /// Set when the formats' quantities are only approximately the same.
    pub approximate: Option<Label>,
    /// A table key: the figure exists once per column of that table (cells use `*`).
    pub per_column: Option<String>,
    /// Per format index: `None` when the format has no counterpart; otherwise the cells to
    /// sum, per column key for per-column figures (`None` key otherwise). Resolved once.
    pub resolved: Resolved,
}

impl Figure {
    /// The located cells of this figure in a report of format `format` (index), for
    /// `column` when per-column; `None` when the format has no counterpart.
    pub fn cells_in(&self, format: usize, column: Option<&str>) -> Option<&[CellLoc]> {
        let list = self.resolved.get(format)?.as_ref()?;
        list.iter()
            .find(|(c, _)| c.as_deref() == column)
            .map(|(_, v)| v.as_slice())
    }

    /// The cells of this figure in `format`, or `None` when the format has no counterpart.
    pub fn cells_for(&self, format: &str) -> Option<&[String]> {
        self.cells
            .iter()
            .find(|(f, _)| f.as_deref() == Some(format))
            .or_else(|| self.cells.iter().find(|(f, _)| f.is_none()))
            .map(|(_, c)| c.as_slice())
    }
}

/// A derived rate (§8): Σ numerator ÷ Σ denominator over figures, or a year-on-year change.
#[derive(Debug, Clone)]
pub struct Rate {
    /// Position in [`Formats::rates`].
    pub index: usize,
    pub id: String,
    pub label: Label,
    /// (sign, figure id)
    pub numerator: Vec<(i8, String)>,
    pub denominator: Vec<(i8, String)>,
    /// For a change on last year: the figure compared.
    pub change_of: Option<String>,
    pub definition: Label,
}

/// Everything known about the official formats.
#[derive(Debug)]
pub struct Formats {
    pub sections: Vec<Section>,
    pub formats: Vec<Format>,
    pub tables: Vec<Table>,
    pub rules: Vec<Rule>,
    pub figures: Vec<Figure>,
    pub rates: Vec<Rate>,
    /// How figures are stated in the prose (check X4).
    pub statements: Statements,
}

/// The phrase patterns of check X4 (`[statements]` in formats.toml).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statements {
    /// Section numbers whose prose is read.
    pub sections: Vec<String>,
    /// Characters allowed between a phrase and its number.
    pub gap: usize,
    /// Words that, between a phrase and a number, mean the number is not the figure.
    pub blockers: Vec<String>,
    pub kinds: Vec<StatementKind>,
}

/// One figure as the prose states it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementKind {
    /// Also the acknowledgement place (`at = "new"`).
    pub id: String,
    pub zh: String,
    pub en: String,
    pub unit: String,
    pub phrases: Vec<String>,
    /// Each a sum of figure ids; the statement matches when it equals one of them.
    pub readings: Vec<Vec<String>>,
}

impl Formats {
    pub fn format(&self, id: &str) -> Option<&Format> {
        self.formats.iter().find(|f| f.id == id)
    }

    pub fn format_index(&self, id: &str) -> Option<usize> {
        self.formats.iter().position(|f| f.id == id)
    }

    /// The format a report of `year` uses unless it says otherwise.
    pub fn default_for_year(&self, year: i32) -> &Format {
        self.formats
            .iter()
            .filter(|f| f.first_year <= year)
            .max_by_key(|f| f.first_year)
            .unwrap_or_else(|| {
                self.formats
                    .iter()
                    .min_by_key(|f| f.first_year)
                    .expect("formats.toml defines at least one format")
            })
    }

    /// The years a format is for: from its first year to the year before the next format's.
    pub fn years_of(&self, format: &Format) -> (i32, Option<i32>) {
        let next = self
            .formats
            .iter()
            .map(|f| f.first_year)
            .filter(|&y| y > format.first_year)
            .min();
        (format.first_year, next.map(|y| y - 1))
    }

    /// The tables of a format, in section order.
    pub fn tables_of<'a>(&'a self, format: &'a Format) -> impl Iterator<Item = &'a Table> + 'a {
        format.tables.iter().map(move |&t| &self.tables[t])
    }

    /// The table of `format` with frontmatter key `key`, and its position in the format.
    pub fn table_of(&self, format: &Format, key: &str) -> Option<(usize, &Table)> {
        format
            .tables
            .iter()
            .enumerate()
            .map(|(i, &t)| (i, &self.tables[t]))
            .find(|(_, t)| t.key == key)
    }

    pub fn section_for_table(&self, key: &str) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| s.table.as_deref() == Some(key))
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    pub fn figure(&self, id: &str) -> Option<&Figure> {
        self.figures.iter().find(|f| f.id == id)
    }

    /// All format ids, for messages.
    pub fn ids(&self) -> Vec<&str> {
        self.formats.iter().map(|f| f.id.as_str()).collect()
    }
}

/// The formats, parsed once from the embedded description.
pub fn formats() -> &'static Formats {
    static FORMATS: OnceLock<Formats> = OnceLock::new();
    FORMATS.get_or_init(|| {
        parse(include_str!("formats.toml")).expect("the embedded formats.toml is valid")
    })
}

// --- the raw shape of formats.toml -----------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    sections: Vec<Section>,
    formats: Vec<RawFormat>,
    tables: Vec<RawTable>,
    rules: Vec<RawRule>,
    figures: Vec<RawFigure>,
    rates: Vec<RawRate>,
    statements: Statements,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFigure {
    id: String,
    zh: String,
    en: String,
    #[serde(default)]
    key: bool,
    cells: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    merges: Vec<String>,
    approximate: Option<Label>,
    per_column: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRate {
    id: String,
    zh: String,
    en: String,
    #[serde(default)]
    numerator: Vec<String>,
    #[serde(default)]
    denominator: Vec<String>,
    change_of: Option<String>,
    definition: Label,
}

fn signed(terms: &[String]) -> Vec<(i8, String)> {
    terms
        .iter()
        .map(|t| match t.strip_prefix('-') {
            Some(rest) => (-1, rest.to_string()),
            None => (1, t.clone()),
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFormat {
    id: String,
    zh: String,
    en: String,
    document: String,
    first_year: i32,
    tables: Vec<String>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawColumn {
    zh: String,
    en: String,
    #[serde(default)]
    kind: Kind,
    unit: Option<String>,
    group: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    zh: String,
    en: String,
    parent: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawRow {
    zh: String,
    en: String,
    short: Option<String>,
    short_en: Option<String>,
    group: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawBlock {
    caption: Option<Label>,
    columns: Vec<String>,
    rows: Vec<String>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawTable {
    id: String,
    key: String,
    base: Option<String>,
    layout: Layout,
    corner: Option<Label>,
    header: Option<Label>,
    #[serde(default)]
    empty_cells_finding: bool,
    #[serde(default)]
    columns: HashMap<String, RawColumn>,
    #[serde(default)]
    groups: HashMap<String, RawGroup>,
    #[serde(default)]
    rows: HashMap<String, RawRow>,
    blocks: Vec<RawBlock>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    table: String,
    for_each: ForEach,
    lhs: Vec<String>,
    rhs: Vec<String>,
    severity: RuleSeverity,
    zh: String,
    en: String,
}

fn term(s: &str) -> Term {
    let (optional, s) = match s.strip_prefix('?') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (prev, s) = match s.strip_prefix("prev.") {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    Term {
        key: s.to_string(),
        prev,
        optional,
    }
}

/// Parses and resolves a format description; errors name the offending key.
pub fn parse(text: &str) -> Result<Formats, String> {
    let raw: RawFile = toml::from_str(text).map_err(|e| e.to_string())?;
    let by_id: HashMap<&str, &RawTable> = raw.tables.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut tables = Vec::new();
    for t in &raw.tables {
        tables.push(resolve_table(t, &by_id)?);
    }
    let mut formats = Vec::new();
    for f in &raw.formats {
        let mut idx = Vec::new();
        for id in &f.tables {
            let i = raw
                .tables
                .iter()
                .position(|t| &t.id == id)
                .ok_or_else(|| format!("format {}: unknown table {id}", f.id))?;
            idx.push(i);
        }
        formats.push(Format {
            id: f.id.clone(),
            label: Label {
                zh: f.zh.clone(),
                en: f.en.clone(),
            },
            document: f.document.clone(),
            first_year: f.first_year,
            tables: idx,
        });
    }
    let rules = raw
        .rules
        .into_iter()
        .map(|r| Rule {
            id: r.id,
            table: r.table,
            for_each: r.for_each,
            lhs: r.lhs.iter().map(|s| term(s)).collect(),
            rhs: r.rhs.iter().map(|s| term(s)).collect(),
            severity: r.severity,
            label: Label { zh: r.zh, en: r.en },
        })
        .collect();
    let figures = raw
        .figures
        .into_iter()
        .enumerate()
        .map(|(index, f)| Figure {
            index,
            id: f.id,
            label: Label { zh: f.zh, en: f.en },
            key: f.key,
            cells: f
                .cells
                .into_iter()
                .map(|(k, v)| ((k != "all").then_some(k), v))
                .collect(),
            merges: f.merges,
            approximate: f.approximate,
            per_column: f.per_column,
            resolved: Vec::new(),
        })
        .collect();
    let rates = raw
        .rates
        .into_iter()
        .enumerate()
        .map(|(index, r)| Rate {
            index,
            id: r.id,
            label: Label { zh: r.zh, en: r.en },
            numerator: signed(&r.numerator),
            denominator: signed(&r.denominator),
            change_of: r.change_of,
            definition: r.definition,
        })
        .collect();
    let mut out = Formats {
        sections: raw.sections,
        formats,
        tables,
        rules,
        figures,
        rates,
        statements: raw.statements,
    };
    for kind in &out.statements.kinds {
        for id in kind.readings.iter().flatten() {
            if out.figure(id).is_none() {
                return Err(format!("statement {}: unknown figure {id}", kind.id));
            }
        }
    }
    let resolved: Vec<_> = out
        .figures
        .iter()
        .map(|fig| resolve_figure(&out, fig))
        .collect::<Result<_, _>>()?;
    for (fig, r) in out.figures.iter_mut().zip(resolved) {
        fig.resolved = r;
    }
    Ok(out)
}

/// Per format index: `None` (no counterpart) or, per column key (`None` unless per-column),
/// the located cells.
pub type Resolved = Vec<Option<Vec<(Option<String>, Vec<CellLoc>)>>>;

/// Locates the cells of a figure in every format (`*` expands over the columns of
/// `per_column`).
fn resolve_figure(f: &Formats, fig: &Figure) -> Result<Resolved, String> {
    let mut out = Vec::new();
    for fmt in &f.formats {
        let Some(keys) = fig.cells_for(&fmt.id) else {
            out.push(None);
            continue;
        };
        let columns: Vec<Option<String>> = match &fig.per_column {
            Some(t) => {
                let (_, table) = f
                    .table_of(fmt, t)
                    .ok_or_else(|| format!("figure {}: no table {t}", fig.id))?;
                table.columns.iter().map(|c| Some(c.key.clone())).collect()
            }
            None => vec![None],
        };
        let mut list = Vec::new();
        for col in columns {
            let mut locs = Vec::new();
            for k in keys {
                let key = match (k.strip_suffix(".*"), &col) {
                    (Some(prefix), Some(c)) => format!("{prefix}.{c}"),
                    _ => k.clone(),
                };
                locs.push(f.locate(fmt, &key).ok_or_else(|| {
                    format!("figure {}: no cell {key} in format {}", fig.id, fmt.id)
                })?);
            }
            list.push((col, locs));
        }
        out.push(Some(list));
    }
    Ok(out)
}

/// Merges a table's definitions with those of its `base` chain (own definitions win).
fn merged_defs(t: &RawTable, by_id: &HashMap<&str, &RawTable>) -> Result<RawTable, String> {
    let mut out = t.clone();
    let mut base = t.base.clone();
    let mut depth = 0;
    while let Some(b) = base {
        depth += 1;
        if depth > 8 {
            return Err(format!("table {}: base chain too deep", t.id));
        }
        let bt = by_id
            .get(b.as_str())
            .ok_or_else(|| format!("table {}: unknown base {b}", t.id))?;
        for (k, v) in &bt.columns {
            out.columns.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for (k, v) in &bt.groups {
            out.groups.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for (k, v) in &bt.rows {
            out.rows.entry(k.clone()).or_insert_with(|| v.clone());
        }
        base = bt.base.clone();
    }
    Ok(out)
}

fn resolve_table(t: &RawTable, by_id: &HashMap<&str, &RawTable>) -> Result<Table, String> {
    let defs = merged_defs(t, by_id)?;
    let mut groups: Vec<Group> = Vec::new();
    let mut group_keys: Vec<String> = defs.groups.keys().cloned().collect();
    group_keys.sort();
    for k in &group_keys {
        let g = &defs.groups[k];
        groups.push(Group {
            key: k.clone(),
            label: Label {
                zh: g.zh.clone(),
                en: g.en.clone(),
            },
            parent: None,
        });
    }
    for (i, k) in group_keys.iter().enumerate() {
        if let Some(p) = &defs.groups[k].parent {
            let pi = group_keys
                .iter()
                .position(|x| x == p)
                .ok_or_else(|| format!("table {}: group {k}: unknown parent {p}", t.id))?;
            groups[i].parent = Some(pi);
        }
    }
    let group_index = |key: &Option<String>, what: &str| -> Result<Option<usize>, String> {
        match key {
            None => Ok(None),
            Some(g) => group_keys
                .iter()
                .position(|x| x == g)
                .map(Some)
                .ok_or_else(|| format!("table {}: {what}: unknown group {g}", t.id)),
        }
    };
    let mut columns: Vec<Column> = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut blocks = Vec::new();
    for (bi, b) in defs.blocks.iter().enumerate() {
        let mut bcols = Vec::new();
        for ck in &b.columns {
            let ci = match columns.iter().position(|c| &c.key == ck) {
                Some(ci) => ci,
                None => {
                    let c = defs
                        .columns
                        .get(ck)
                        .ok_or_else(|| format!("table {}: unknown column {ck}", t.id))?;
                    columns.push(Column {
                        key: ck.clone(),
                        label: Label {
                            zh: c.zh.clone(),
                            en: c.en.clone(),
                        },
                        kind: c.kind,
                        unit: c.unit.clone(),
                        group: group_index(&c.group, ck)?,
                    });
                    columns.len() - 1
                }
            };
            bcols.push(ci);
        }
        let mut brows = Vec::new();
        for rk in &b.rows {
            if rows.iter().any(|r| &r.key == rk) {
                return Err(format!("table {}: row {rk} appears twice", t.id));
            }
            let r = defs
                .rows
                .get(rk)
                .ok_or_else(|| format!("table {}: unknown row {rk}", t.id))?;
            let short = r.short.as_ref().map(|zh| Label {
                zh: zh.clone(),
                en: r.short_en.clone().unwrap_or_else(|| r.en.clone()),
            });
            rows.push(Row {
                key: rk.clone(),
                label: Label {
                    zh: r.zh.clone(),
                    en: r.en.clone(),
                },
                short,
                group: group_index(&r.group, rk)?,
                block: bi,
                columns: bcols.clone(),
            });
            brows.push(rows.len() - 1);
        }
        blocks.push(Block {
            caption: b.caption.clone(),
            columns: bcols,
            rows: brows,
        });
    }
    let mut table = Table {
        id: t.id.clone(),
        key: t.key.clone(),
        layout: t.layout,
        corner: t.corner.clone(),
        header: t.header.clone(),
        empty_cells_finding: t.empty_cells_finding,
        columns,
        groups,
        rows,
        blocks,
        full_row_labels: Vec::new(),
        full_column_labels: Vec::new(),
    };
    table.compute_labels();
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table<'a>(f: &'a Formats, format: &str, key: &str) -> &'a Table {
        let fmt = f.format(format).unwrap();
        f.table_of(fmt, key).unwrap().1
    }

    #[test]
    fn embedded_description_parses_with_the_official_shape() {
        let f = formats();
        assert_eq!(f.ids(), vec!["2021", "2019"]);
        assert_eq!(f.sections.len(), 6);
        // 三 has 25 data rows in 2021 and 23 in 2019 (§3.2, §4.2); 7 columns in both.
        assert_eq!(table(f, "2021", "requests").rows.len(), 25);
        assert_eq!(table(f, "2019", "requests").rows.len(), 23);
        assert_eq!(table(f, "2021", "requests").columns.len(), 7);
        // 二: four blocks in 2021, five in 2019.
        assert_eq!(table(f, "2021", "proactive").blocks.len(), 4);
        assert_eq!(table(f, "2019", "proactive").blocks.len(), 5);
        // 四: 15 cells.
        let a = table(f, "2021", "appeals");
        assert_eq!(a.rows.iter().map(|r| r.columns.len()).sum::<usize>(), 15);
    }

    #[test]
    fn labels_follow_the_printed_tables() {
        let f = formats();
        let t = table(f, "2021", "requests");
        let total = t.row_index("total").unwrap();
        let np = t.column_index("natural_person").unwrap();
        assert_eq!(
            t.cell_label(total, np, "zh-CN"),
            "三、本年度办理结果（七）总计 / 自然人"
        );
        let r = t.row_index("withheld_state_secret").unwrap();
        assert_eq!(
            t.row_label(r, "zh"),
            "三、本年度办理结果（三）不予公开 1.属于国家秘密"
        );
        let c = t.column_index("commercial").unwrap();
        assert_eq!(t.column_label(c, "zh"), "法人或其他组织 商业企业");
        let p19 = table(f, "2019", "proactive");
        let nd = p19.row_index("normative_documents").unwrap();
        assert_eq!(p19.rows[nd].label.zh, "规范性文件");
        let p21 = table(f, "2021", "proactive");
        let nd = p21.row_index("normative_documents").unwrap();
        assert_eq!(p21.rows[nd].label.zh, "行政规范性文件");
        // The 2019 table inherits 规章 from the 2021 description instead of repeating it.
        assert_eq!(
            p19.rows[p19.row_index("regulations").unwrap()].label.zh,
            "规章"
        );
    }

    /// Every term of every rule names a row or column of some format, so a typo in the
    /// description cannot silently disable a check.
    #[test]
    fn every_rule_term_resolves() {
        let f = formats();
        for rule in &f.rules {
            for (term, _) in rule.terms() {
                let found = f.formats.iter().any(|fmt| {
                    f.table_of(fmt, &rule.table)
                        .is_some_and(|(_, t)| match rule.for_each {
                            ForEach::Column => t.row_index(&term.key).is_some(),
                            ForEach::Row => t.column_index(&term.key).is_some(),
                        })
                });
                assert!(found, "rule {} term {} resolves nowhere", rule.id, term.key);
            }
        }
    }

    /// Every cell a figure names exists in the format it is given for; every rate term is a
    /// figure.
    #[test]
    fn every_figure_cell_resolves() {
        let f = formats();
        for fig in &f.figures {
            for (fmt_id, cells) in &fig.cells {
                let fmts: Vec<&Format> = match fmt_id {
                    Some(id) => vec![
                        f.format(id)
                            .unwrap_or_else(|| panic!("figure {}: format {id}", fig.id)),
                    ],
                    None => f.formats.iter().collect(),
                };
                for fmt in fmts {
                    for c in cells {
                        let parts: Vec<&str> = c.split('.').collect();
                        assert_eq!(parts.len(), 3, "figure {}: {c}", fig.id);
                        let (_, t) = f
                            .table_of(fmt, parts[0])
                            .unwrap_or_else(|| panic!("figure {}: {c}", fig.id));
                        let r = t
                            .row_index(parts[1])
                            .unwrap_or_else(|| panic!("figure {}: {c} in {}", fig.id, fmt.id));
                        if parts[2] != "*" {
                            let col = t
                                .column_index(parts[2])
                                .unwrap_or_else(|| panic!("figure {}: {c}", fig.id));
                            assert!(t.rows[r].columns.contains(&col), "figure {}: {c}", fig.id);
                        }
                    }
                }
            }
        }
        for r in &f.rates {
            for (_, id) in r.numerator.iter().chain(&r.denominator) {
                assert!(f.figure(id).is_some(), "rate {}: figure {id}", r.id);
            }
            if let Some(id) = &r.change_of {
                assert!(f.figure(id).is_some(), "rate {}: figure {id}", r.id);
            }
        }
    }

    #[test]
    fn default_format_by_year() {
        let f = formats();
        assert_eq!(f.default_for_year(2019).id, "2019");
        assert_eq!(f.default_for_year(2020).id, "2019");
        assert_eq!(f.default_for_year(2021).id, "2021");
        assert_eq!(f.default_for_year(2030).id, "2021");
        assert_eq!(f.default_for_year(2008).id, "2019");
    }
}
