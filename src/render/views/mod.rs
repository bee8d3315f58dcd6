//! What each page shows: the data handed to its template.
//!
//! URLs in this data are site-root relative; templates prefix them with `root`. Numbers are
//! formatted here (exact, as printed), so templates only lay out.

use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::chart::{self, Series};
use super::table::esc;
use super::{Archive, Page, PageKind, Theme, markdown, urls};
use crate::derive::{self, FigureValue};
use crate::diag::Diagnostic;
use crate::format::formats;
use crate::model::{Agency, Level, Report, Site};
use crate::numtext;

mod agency;
mod compare;
mod home;
mod listing;
mod report;
mod year;

use agency::*;
use compare::*;
use home::*;
use listing::*;
use report::*;
use year::*;

/// An acknowledged inconsistency as readers see it.
#[derive(Debug, Clone, Serialize)]
pub struct AckView {
    /// Footnote number on the page.
    pub n: usize,
    pub code: String,
    /// The rule in words (`第一项加第二项之和，等于第三项加第四项之和`).
    pub rule: String,
    /// The official label of the cell.
    pub label: String,
    /// What the published numbers are, in the site language (filled in per page).
    pub detail: String,
    #[serde(skip)]
    pub values: Option<crate::diag::RuleValues>,
    pub note: String,
    /// `table.row.column` keys of the cells concerned.
    pub cells: Vec<String>,
    /// The table key the finding belongs to.
    pub table: String,
}

/// Where report `i` stands among its peers (same year and level) in each rate: the share of
/// peers below it and their number, `None` with too few peers or no rate.
pub(super) fn rate_standings(archive: &Archive<'_>, i: usize) -> Vec<Option<(u32, usize)>> {
    let f = formats();
    let r = archive.report(i);
    let keys = f.figures.iter().filter(|x| x.key).count();
    let group = archive.peer_group(&r.agency);
    let dists = group
        .as_deref()
        .and_then(|g| archive.peers().group(r.year, g));
    let m = archive.metrics(i);
    f.rates
        .iter()
        .enumerate()
        .map(|(k, rate)| {
            m.rate(rate)
                .zip(dists.and_then(|d| d.get(keys + k)))
                .and_then(|(v, d)| d.standing(v))
        })
        .collect()
}

impl AckView {
    /// The `table.row.column` keys of the cells the finding concerns in report `r`: the
    /// cells it names, and for blank cells acknowledged for a whole table (check D1, which
    /// names none), each blank cell of that table.
    pub fn cells_in(&self, r: &crate::model::Report) -> Vec<String> {
        let mut keys = self.cells.clone();
        if self.code == "D1"
            && let Some((t, data)) = r.table(&self.table)
        {
            for (ri, row) in t.rows.iter().enumerate() {
                for (pos, &ci) in row.columns.iter().enumerate() {
                    if data.cell(ri, pos).is_some_and(|c| c.is_empty()) {
                        keys.push(format!("{}.{}.{}", t.key, row.key, t.columns[ci].key));
                    }
                }
            }
        }
        keys
    }
}

pub fn ack_view(d: &Diagnostic, n: usize, lang: &str) -> AckView {
    let f = formats();
    let rule = match f.rule(&d.code) {
        Some(r) => r.label.get(lang).to_string(),
        None => String::new(),
    };
    let table = d
        .cells
        .first()
        .and_then(|c| c.split('.').next())
        .map(str::to_string)
        .or_else(|| f.rule(&d.code).map(|r| r.table.clone()))
        .or_else(|| d.at.clone())
        .unwrap_or_default();
    AckView {
        n,
        code: d.code.clone(),
        rule,
        label: d.label.clone().unwrap_or_default(),
        detail: String::new(),
        values: d.values.clone(),
        note: d.acknowledgement.clone().unwrap_or_default(),
        cells: d.cells.clone(),
        table,
    }
}

#[derive(Serialize)]
pub struct SiteView<'a> {
    title: &'a str,
    description: Option<&'a str>,
    language: &'a str,
    base_url: &'a str,
}

pub fn site_view(site: &Site) -> SiteView<'_> {
    SiteView {
        title: &site.config.title,
        description: site.config.description.as_deref(),
        language: &site.config.language,
        base_url: &site.config.base_url,
    }
}

fn level_label(theme: &Theme, l: Level) -> String {
    theme.text(&format!("level_{}", l.key())).to_string()
}

/// An agency's level as shown: a department with its tier reads 市级部门.
fn agency_level(theme: &Theme, a: &Agency) -> String {
    match (a.level, a.tier) {
        (Level::Department, Some(t)) => theme
            .text("department_of")
            .replace("{tier}", &level_label(theme, t)),
        (l, _) => level_label(theme, l),
    }
}

#[derive(Serialize, Clone)]
struct AgencyLink {
    slug: String,
    name: String,
    short: String,
    url: String,
    level: String,
    region: String,
    years: Vec<YearLink>,
}

#[derive(Serialize, Clone)]
struct YearLink {
    year: i32,
    url: String,
}

fn agency_link(theme: &Theme, archive: &Archive<'_>, a: &Agency) -> AgencyLink {
    AgencyLink {
        slug: a.slug.clone(),
        name: a.name.clone(),
        short: a.short().to_string(),
        url: urls::agency(&a.slug),
        level: agency_level(theme, a),
        region: a.region.clone().unwrap_or_default(),
        years: archive
            .by_agency
            .get(&a.slug)
            .map(|v| {
                v.iter()
                    .map(|&i| {
                        let y = archive.report(i).year;
                        YearLink {
                            year: y,
                            url: urls::report(&a.slug, y),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

#[derive(Serialize, Clone)]
struct ReportLink {
    agency: String,
    agency_short: String,
    agency_url: String,
    year: i32,
    title: String,
    url: String,
    published: String,
    format: String,
}

fn report_link(archive: &Archive<'_>, r: &Report) -> ReportLink {
    let (name, short) = archive
        .agency(&r.agency)
        .map_or((r.agency.clone(), r.agency.clone()), |a| {
            (a.name.clone(), a.short().to_string())
        });
    ReportLink {
        title: r.title(&name),
        agency: name,
        agency_short: short,
        agency_url: urls::agency(&r.agency),
        year: r.year,
        url: urls::report(&r.agency, r.year),
        published: r.meta.published.clone().unwrap_or_default(),
        format: r.format().label.get(&archive.lang).to_string(),
    }
}

/// A table cell of figures: text as shown, a class and an explanation. Sortable tables sort
/// by the number the text shows (`static/sort.js`), so cells carry no separate sort key.
#[derive(Serialize, Clone)]
struct Num {
    text: String,
    class: &'static str,
    title: String,
}

/// A figure cell's text, class and explanation; fixed strings are borrowed from the theme
/// (the "compared with last year" table writes ~100 of them per report).
type NumParts<'t> = (Cow<'t, str>, &'static str, Cow<'t, str>);

/// The marks 不可比 and 空白 are words, explained once in the legend under every table that
/// has them, not in a tooltip per cell (those were a fifth of a comparison page).
fn figure_parts(theme: &Theme, v: FigureValue) -> NumParts<'_> {
    match v {
        FigureValue::NotComparable => (theme.text("not_comparable").into(), "na", "".into()),
        FigureValue::Empty => (theme.text("empty_mark").into(), "empty", "".into()),
        FigureValue::Value { sum, empty: 0 } => {
            (numtext::decimal_text(sum).into(), "num", "".into())
        }
        FigureValue::Value { sum, empty } => {
            let text = numtext::decimal_text(sum);
            (
                format!("{text}*").into(),
                "num partial",
                theme
                    .text("partial_title")
                    .replace("{n}", &empty.to_string())
                    .into(),
            )
        }
    }
}

fn figure_num(theme: &Theme, v: FigureValue) -> Num {
    let (text, class, title) = figure_parts(theme, v);
    Num {
        text: text.into_owned(),
        class,
        title: title.into_owned(),
    }
}

fn rate_num(theme: &Theme, v: Option<rust_decimal::Decimal>) -> Num {
    match v {
        Some(p) => Num {
            text: derive::show_percent(Some(p)),
            class: "num",
            title: String::new(),
        },
        None => Num {
            text: "—".into(),
            class: "na",
            title: theme.text("rate_na_title").into(),
        },
    }
}

/// A change with its sign: `+3`, `-2`, `0`.
fn write_signed(out: &mut String, v: rust_decimal::Decimal) {
    if v.is_sign_positive() && !v.is_zero() {
        out.push('+');
    }
    numtext::decimal(out, v);
}

/// A figure's `<td>`; a plain value (most rows) is written without building its parts.
fn figure_td(out: &mut String, theme: &Theme, v: FigureValue) {
    if let FigureValue::Value { sum, empty: 0 } = v {
        out.push_str("<td>");
        numtext::decimal(out, sum);
    } else {
        let (text, class, title) = figure_parts(theme, v);
        num_td(out, class, &title, &text);
    }
}

#[derive(Serialize, Clone)]
struct Column {
    label: String,
    definition: String,
}

/// Key figures and rates as table columns.
fn key_columns(lang: &str) -> Vec<Column> {
    let f = formats();
    let mut cols: Vec<Column> = f
        .figures
        .iter()
        .filter(|x| x.key)
        .map(|x| Column {
            label: x.label.get(lang).to_string(),
            definition: String::new(),
        })
        .collect();
    cols.extend(f.rates.iter().map(|r| Column {
        label: r.label.get(lang).to_string(),
        definition: r.definition.get(lang).to_string(),
    }));
    cols
}

/// The key figures and rates of report `i` as `<td>`s, byte for byte what
/// `partials/num.html` writes: a year page has a row per agency, and going through the
/// template cost a serialized value and an include per cell (~500,000 per 10,000 reports).
fn key_cells(theme: &Theme, archive: &Archive<'_>, i: usize) -> String {
    let f = formats();
    let m = archive.metrics(i);
    let mut out = String::with_capacity(1024);
    for x in f.figures.iter().filter(|x| x.key) {
        let (text, class, title) = figure_parts(theme, m.figure(x));
        write_td(&mut out, class, &title, &text);
    }
    // "—" is explained by the legend under the table, not by a tooltip per cell.
    for rate in &f.rates {
        let n = rate_num(theme, m.rate(rate));
        write_td(&mut out, n.class, "", &n.text);
    }
    out
}

/// A `<td>` with the attributes that are not empty, in the order `partials/num.html` uses
/// (which always names the class; [`num_td`] leaves out the common one).
fn write_td(out: &mut String, class: &str, title: &str, text: &str) {
    out.push_str("<td");
    for (name, value) in [("class", class), ("title", title)] {
        if !value.is_empty() {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            out.push_str(&esc(value));
            out.push('"');
        }
    }
    out.push('>');
    out.push_str(&esc(text));
}

#[derive(Serialize)]
struct RateDef {
    label: String,
    definition: String,
}

fn rate_defs(lang: &str) -> Vec<RateDef> {
    formats()
        .rates
        .iter()
        .map(|r| RateDef {
            label: r.label.get(lang).into(),
            definition: r.definition.get(lang).into(),
        })
        .collect()
}

/// The template and data of a page; an error when a report's prose cannot be read back.
pub(super) fn page_data(
    theme: &Theme,
    archive: &Archive<'_>,
    page: &Page,
) -> Result<(&'static str, PageData), Box<Diagnostic>> {
    let json = PageData::Json;
    Ok(match &page.kind {
        PageKind::Home => ("index.html", json(home(theme, archive))),
        PageKind::Agencies => (
            "agencies.html",
            json(json!({
                "levels": levels(theme, archive),
                "regions": region_rollups(archive),
            })),
        ),
        PageKind::Agency(slug) => ("agency.html", agency(theme, archive, slug)),
        PageKind::Compare(slug) => ("compare.html", compare(theme, archive, slug)),
        PageKind::Report(i) => ("report.html", report(theme, archive, *i)?),
        PageKind::Years => ("years.html", json(years(archive))),
        PageKind::Year(y) => ("year.html", year(theme, archive, *y)),
        PageKind::Search => ("search.html", json(search_page(theme, archive))),
        PageKind::Data => ("data.html", json(data_page(archive))),
        PageKind::Quality => ("quality.html", json(super::quality::page(theme, archive))),
        PageKind::Rollup(slug, y) => (
            "rollup.html",
            json(super::rollup::page(
                theme,
                archive,
                super::rollup::Group::Children(slug),
                *y,
            )),
        ),
        PageKind::RegionRollup(region, y) => (
            "rollup.html",
            json(super::rollup::page(
                theme,
                archive,
                super::rollup::Group::Region(region),
                *y,
            )),
        ),
        PageKind::NotFound => ("404.html", json(json!({}))),
    })
}

fn year_label(theme: &Theme, y: i32) -> String {
    theme.text("year_fmt").replace("{y}", &y.to_string())
}

/// Label of a comparison row: `row / column`, or the figure name.
fn compare_label<'a>(row: &'a derive::CompareRow, lang: &str) -> (&'a str, &'a str) {
    (row.row_label.get(lang), row.column_label.get(lang))
}

fn theme_lang(theme: &Theme) -> String {
    theme.text("lang_code").to_string()
}

#[derive(Serialize)]
struct Link {
    label: String,
    url: String,
}

/// A row of a key-figure table: a year (agency page) or an agency (year page).
#[derive(Serialize)]
struct KeyRow {
    label: String,
    url: String,
    agency: String,
    agency_full: String,
    level: String,
    /// The figure and rate cells, rendered (see [`key_cells`]).
    cells: String,
}

/// The data of a page: typed for the heavy pages (serialized once, straight into the
/// template engine), JSON for the light ones.
#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum PageData {
    Json(Value),
    Agency(Box<AgencyPage>),
    Compare(Box<ComparePage>),
    Year(Box<YearPage>),
    Report(Box<ReportPage>),
}
