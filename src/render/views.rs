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

fn s<'a>(theme: &'a Theme, key: &'a str) -> &'a str {
    theme.strings.get(key).map_or(key, String::as_str)
}

fn level_label(theme: &Theme, l: Level) -> String {
    s(theme, &format!("level_{}", l.key())).to_string()
}

/// An agency's level as shown: a department with its tier reads 市级部门.
fn agency_level(theme: &Theme, a: &Agency) -> String {
    match (a.level, a.tier) {
        (Level::Department, Some(t)) => {
            s(theme, "department_of").replace("{tier}", &level_label(theme, t))
        }
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

/// A table cell of figures: text as shown, a sort key, a class and an explanation.
#[derive(Serialize, Clone)]
struct Num {
    text: String,
    sort: String,
    class: &'static str,
    title: String,
}

/// A figure cell's text, sort key, class and explanation; fixed strings are borrowed from
/// the theme (the "compared with last year" table writes ~100 of them per report).
type NumParts<'t> = (Cow<'t, str>, Cow<'t, str>, &'static str, Cow<'t, str>);

fn figure_parts(theme: &Theme, v: FigureValue) -> NumParts<'_> {
    match v {
        FigureValue::NotComparable => (
            s(theme, "not_comparable").into(),
            "".into(),
            "na",
            s(theme, "not_comparable_title").into(),
        ),
        FigureValue::Empty => (
            s(theme, "empty_mark").into(),
            "".into(),
            "empty",
            s(theme, "empty_title").into(),
        ),
        FigureValue::Value { sum, empty: 0 } => {
            let text = numtext::decimal_text(sum);
            (text.clone().into(), text.into(), "num", "".into())
        }
        FigureValue::Value { sum, empty } => {
            let sort = numtext::decimal_text(sum);
            (
                format!("{sort}*").into(),
                sort.into(),
                "num partial",
                s(theme, "partial_title")
                    .replace("{n}", &empty.to_string())
                    .into(),
            )
        }
    }
}

fn figure_num(theme: &Theme, v: FigureValue) -> Num {
    let (text, sort, class, title) = figure_parts(theme, v);
    Num {
        text: text.into_owned(),
        sort: sort.into_owned(),
        class,
        title: title.into_owned(),
    }
}

fn rate_num(theme: &Theme, v: Option<rust_decimal::Decimal>) -> Num {
    match v {
        Some(p) => Num {
            text: derive::show_percent(Some(p)),
            sort: numtext::decimal_text(p),
            class: "num",
            title: String::new(),
        },
        None => Num {
            text: "—".into(),
            sort: String::new(),
            class: "na",
            title: s(theme, "rate_na_title").into(),
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
        out.push_str("</td>");
    } else {
        let (text, _, class, title) = figure_parts(theme, v);
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
        let (text, sort, class, title) = figure_parts(theme, m.figure(x));
        write_td(&mut out, class, &sort, &title, &text);
    }
    for rate in &f.rates {
        let n = rate_num(theme, m.rate(rate));
        write_td(&mut out, n.class, &n.sort, &n.title, &n.text);
    }
    out
}

/// A `<td>` with the attributes that are not empty, in the order `partials/num.html` uses
/// (which always names the class; [`num_td`] leaves out the common one).
fn write_td(out: &mut String, class: &str, sort: &str, title: &str, text: &str) {
    out.push_str("<td");
    for (name, value) in [("class", class), ("data-sort", sort), ("title", title)] {
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
    out.push_str("</td>");
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

/// The template and data of a page.
pub(super) fn page_data(
    theme: &Theme,
    archive: &Archive<'_>,
    page: &Page,
) -> (&'static str, PageData) {
    let json = PageData::Json;
    match &page.kind {
        PageKind::Home => ("index.html", json(home(theme, archive))),
        PageKind::Agencies => (
            "agencies.html",
            json(json!({ "levels": levels(theme, archive) })),
        ),
        PageKind::Agency(slug) => ("agency.html", agency(theme, archive, slug)),
        PageKind::Compare(slug) => ("compare.html", compare(theme, archive, slug)),
        PageKind::Report(i) => ("report.html", report(theme, archive, *i)),
        PageKind::Years => ("years.html", json(years(archive))),
        PageKind::Year(y) => ("year.html", year(theme, archive, *y)),
        PageKind::Search => ("search.html", json(search_page(theme, archive))),
        PageKind::Data => ("data.html", json(data_page(archive))),
        PageKind::Quality => ("quality.html", json(super::quality::page(theme, archive))),
        PageKind::Rollup(slug, y) => (
            "rollup.html",
            json(super::rollup::page(theme, archive, slug, *y)),
        ),
        PageKind::NotFound => ("404.html", json(json!({}))),
    }
}

/// A chart and its visible caption.
#[derive(Serialize)]
struct ChartView {
    title: String,
    svg: String,
}

#[derive(Serialize)]
struct LevelGroup {
    label: String,
    regions: Vec<RegionGroup>,
}

#[derive(Serialize)]
struct RegionGroup {
    region: String,
    agencies: Vec<AgencyLink>,
}

/// Agencies grouped by level, then region.
fn levels(theme: &Theme, archive: &Archive<'_>) -> Vec<LevelGroup> {
    Level::ALL
        .iter()
        .filter_map(|&l| {
            let mut regions: Vec<RegionGroup> = Vec::new();
            for a in archive.agencies.iter().filter(|a| a.level == l) {
                let region = a
                    .region
                    .clone()
                    .unwrap_or_else(|| s(theme, "region_unknown").into());
                match regions.iter_mut().find(|g| g.region == region) {
                    Some(g) => g.agencies.push(agency_link(theme, archive, a)),
                    None => regions.push(RegionGroup {
                        region,
                        agencies: vec![agency_link(theme, archive, a)],
                    }),
                }
            }
            regions.sort_by(|a, b| a.region.cmp(&b.region));
            (!regions.is_empty()).then(|| LevelGroup {
                label: level_label(theme, l),
                regions,
            })
        })
        .collect()
}

fn year_label(theme: &Theme, y: i32) -> String {
    s(theme, "year_fmt").replace("{y}", &y.to_string())
}

fn home(theme: &Theme, archive: &Archive<'_>) -> Value {
    let lang = archive.lang.as_str();
    let f = formats();
    let mut latest: Vec<&Report> = archive
        .by_year
        .values()
        .flatten()
        .map(|&i| archive.report(i))
        .collect();
    latest.sort_by(|a, b| {
        (b.meta.published.as_deref().unwrap_or(""), b.year, &a.agency).cmp(&(
            a.meta.published.as_deref().unwrap_or(""),
            a.year,
            &b.agency,
        ))
    });
    latest.truncate(10);
    // Archive-wide totals per year of the key figures (known cells; partial sums marked).
    let key: Vec<&crate::format::Figure> = f.figures.iter().filter(|x| x.key).collect();
    let years: Vec<i32> = archive.by_year.keys().copied().collect();
    let totals: BTreeMap<i32, Vec<FigureValue>> = years
        .iter()
        .map(|y| {
            let idx = &archive.by_year[y];
            let sums = key
                .iter()
                .map(|fig| year_total(archive, idx, fig))
                .collect();
            (*y, sums)
        })
        .collect();
    let rows: Vec<Value> = totals
        .iter()
        .map(|(y, sums)| {
            json!({
                "year": y,
                "label": year_label(theme, *y),
                "url": urls::year(*y),
                "reports": archive.by_year[y].len(),
                "cells": sums.iter().map(|v| figure_num(theme, *v)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let like = like_with_like(theme, archive, &key);
    let chart = chart::line_chart(
        "totals",
        &like.title,
        &like.definition,
        &like.cats,
        &like.series,
    );
    json!({
        "counts": {
            "agencies": archive.agencies.len(),
            "reports": archive.by_year.values().map(Vec::len).sum::<usize>(),
            "years": years.len(),
            "first": years.first(),
            "last": years.last(),
        },
        "levels": levels(theme, archive),
        "latest": latest.iter().map(|r| report_link(archive, r)).collect::<Vec<_>>(),
        "totals": { "columns": key.iter().map(|x| x.label.get(lang)).collect::<Vec<_>>(), "rows": rows },
        "chart": chart,
        "chart_title": like.title,
        "chart_definition": like.definition,
        "chart_coverage": like.coverage,
    })
}

fn search_page(theme: &Theme, archive: &Archive<'_>) -> Value {
    let years: Vec<i32> = archive.by_year.keys().rev().copied().collect();
    let levels: Vec<Value> = Level::ALL
        .iter()
        .filter(|l| archive.agencies.iter().any(|a| a.level == **l))
        .map(|l| json!({ "key": l.key(), "label": level_label(theme, *l) }))
        .collect();
    // Strings the script shows, as JSON inside a <script type="application/json">.
    let keys = [
        "search_none",
        "search_count",
        "search_more_available",
        "search_error",
        "search_too_short",
        "searching",
    ];
    let strings: serde_json::Map<String, Value> = keys
        .iter()
        .map(|k| {
            (
                k.trim_start_matches("search_").to_string(),
                json!(s(theme, k)),
            )
        })
        .collect();
    let strings = serde_json::to_string(&strings)
        .unwrap_or_else(|_| "{}".into())
        .replace("</", "<\\/");
    json!({ "years": years, "levels": levels, "strings": strings })
}

fn data_page(archive: &Archive<'_>) -> Value {
    let f = formats();
    let lang = archive.lang.as_str();
    let keys: Vec<Value> = super::data::all_cell_keys()
        .iter()
        .map(|k| {
            let mut label = String::new();
            let mut in_formats = Vec::new();
            for fmt in &f.formats {
                let parts: Vec<&str> = k.split('.').collect();
                if let Some((_, t)) = f.table_of(fmt, parts[0])
                    && let (Some(r), Some(c)) = (t.row_index(parts[1]), t.column_index(parts[2]))
                    && t.rows[r].columns.contains(&c)
                {
                    if label.is_empty() {
                        label = t.cell_label(r, c, lang);
                    }
                    in_formats.push(fmt.id.clone());
                }
            }
            json!({ "key": k, "label": label, "formats": in_formats.join(", ") })
        })
        .collect();
    let rates: Vec<Value> = f
        .rates
        .iter()
        .map(|r| json!({ "key": format!("rate.{}", r.id), "label": r.label.get(lang), "definition": r.definition.get(lang) }))
        .collect();
    json!({
        "keys": keys,
        "rates": rates,
        "meta": super::data::BULK_META,
        "years": archive.by_year.keys().collect::<Vec<_>>(),
        "example": archive.by_agency.iter().next().and_then(|(slug, v)| v.first().map(|&i| format!("{slug}/{}", archive.report(i).year))),
    })
}

/// The sum of a figure over some reports: known cells are added, empty ones counted.
/// The home chart, comparing like with like: a change in which agencies reported must not
/// read as a trend. When some agencies reported in every year of the archive, the chart sums
/// theirs only; otherwise it shows, per year, the median over the agencies that reported.
struct LikeChart {
    title: String,
    definition: String,
    cats: Vec<String>,
    series: Vec<Series>,
    /// Per year shown: how many reports the chart's values cover.
    coverage: Vec<Value>,
}

fn like_with_like(
    theme: &Theme,
    archive: &Archive<'_>,
    key: &[&crate::format::Figure],
) -> LikeChart {
    let lang = archive.lang.as_str();
    let years: Vec<i32> = archive.by_year.keys().copied().collect();
    let panel: Vec<&str> = archive
        .by_agency
        .iter()
        .filter(|(_, idx)| {
            let have: Vec<i32> = idx.iter().map(|&i| archive.report(i).year).collect();
            years.len() > 1 && years.iter().all(|y| have.contains(y))
        })
        .map(|(slug, _)| slug.as_str())
        .collect();
    let figs: Vec<&crate::format::Figure> = ["new", "handled", "reconsideration", "litigation"]
        .iter()
        .filter_map(|id| key.iter().find(|x| x.id == *id).copied())
        .collect();
    // Every year from the first to the last, leaving gaps where no report is archived.
    let span: Vec<i32> = match (years.first(), years.last()) {
        (Some(&a), Some(&b)) => (a..=b).collect(),
        _ => Vec::new(),
    };
    let mut coverage = Vec::new();
    let mut values: Vec<Vec<Option<f64>>> = vec![Vec::new(); figs.len()];
    let none: Vec<usize> = Vec::new();
    for y in &span {
        let idx: Vec<usize> = archive
            .by_year
            .get(y)
            .unwrap_or(&none)
            .iter()
            .copied()
            .filter(|&i| panel.is_empty() || panel.contains(&archive.report(i).agency.as_str()))
            .collect();
        coverage.push(json!({ "label": year_label(theme, *y), "reports": idx.len() }));
        for (k, fig) in figs.iter().enumerate() {
            let v = if panel.is_empty() {
                let mut known: Vec<rust_decimal::Decimal> = idx
                    .iter()
                    .filter_map(|&i| archive.metrics(i).figure(fig).exact())
                    .collect();
                known.sort();
                median(&known)
            } else {
                year_total(archive, &idx, fig).known()
            };
            values[k].push(v.and_then(|d| d.to_string().parse().ok()));
        }
    }
    let n = panel.len().to_string();
    let (title, definition) = if panel.is_empty() {
        (s(theme, "chart_median"), s(theme, "chart_median_def"))
    } else {
        (s(theme, "chart_panel"), s(theme, "chart_panel_def"))
    };
    LikeChart {
        title: title.replace("{n}", &n),
        definition: definition.replace("{n}", &n),
        cats: span.iter().map(|&y| year_label(theme, y)).collect(),
        series: figs
            .iter()
            .zip(values)
            .map(|(f, v)| Series {
                name: f.label.get(lang).into(),
                values: v,
            })
            .collect(),
        coverage,
    }
}

/// The median of sorted values (the mean of the two middle ones for an even count).
fn median(sorted: &[rust_decimal::Decimal]) -> Option<rust_decimal::Decimal> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / rust_decimal::Decimal::TWO),
    }
}

fn year_total(archive: &Archive<'_>, idx: &[usize], fig: &crate::format::Figure) -> FigureValue {
    let mut sum = rust_decimal::Decimal::ZERO;
    let mut empty = 0;
    let mut any = false;
    for &i in idx {
        match archive.metrics(i).figure(fig) {
            FigureValue::Value { sum: v, empty: e } => {
                sum += v;
                empty += e;
                any = true;
            }
            FigureValue::Empty => empty += 1,
            FigureValue::NotComparable => {}
        }
    }
    if any {
        FigureValue::Value { sum, empty }
    } else {
        FigureValue::NotComparable
    }
}

fn years(archive: &Archive<'_>) -> Value {
    let list: Vec<Value> = archive
        .by_year
        .iter()
        .rev()
        .map(|(y, v)| json!({ "year": y, "url": urls::year(*y), "reports": v.len() }))
        .collect();
    json!({ "years": list })
}

fn agency(theme: &Theme, archive: &Archive<'_>, slug: &str) -> PageData {
    let lang = archive.lang.as_str();
    let Some(a) = archive.agency(slug) else {
        return PageData::Json(json!({}));
    };
    let idx: Vec<usize> = archive.by_agency.get(slug).cloned().unwrap_or_default();
    let reports: Vec<ReportLink> = idx
        .iter()
        .map(|&i| report_link(archive, archive.report(i)))
        .collect();
    let rows: Vec<KeyRow> = idx
        .iter()
        .map(|&i| {
            let r = archive.report(i);
            KeyRow {
                label: year_label(theme, r.year),
                url: urls::report(slug, r.year),
                agency: String::new(),
                agency_full: String::new(),
                level: String::new(),
                cells: key_cells(theme, archive, i),
            }
        })
        .collect();
    // Continuous years, so a missing report shows as a gap rather than a shorter interval.
    let by_year: std::collections::BTreeMap<i32, usize> =
        idx.iter().map(|&i| (archive.report(i).year, i)).collect();
    let span: Vec<i32> = match (by_year.keys().next(), by_year.keys().last()) {
        (Some(&a), Some(&b)) => (a..=b).collect(),
        _ => Vec::new(),
    };
    let cats: Vec<String> = span.iter().map(|&y| year_label(theme, y)).collect();
    let series = |ids: &[&str]| -> Vec<Series> {
        ids.iter()
            .filter_map(|id| formats().figure(id))
            .map(|fig| Series {
                name: fig.label.get(lang).into(),
                values: span
                    .iter()
                    .map(|y| {
                        let i = by_year.get(y)?;
                        archive
                            .metrics(*i)
                            .figure(fig)
                            .known()
                            .and_then(|d| d.to_string().parse().ok())
                    })
                    .collect(),
            })
            .collect()
    };
    let specs: [(&str, &str, &[&str]); 3] = [
        (
            "applications",
            "chart_applications",
            &["new", "handled", "carried_forward"],
        ),
        (
            "outcomes",
            "chart_outcomes",
            &[
                "granted",
                "partially_granted",
                "withheld",
                "unavailable",
                "not_processed",
                "other_handling",
            ],
        ),
        (
            "appeals",
            "chart_appeals",
            &["reconsideration", "litigation"],
        ),
    ];
    let charts: Vec<ChartView> = specs
        .iter()
        .map(|(id, key, figs)| {
            let title = s(theme, key);
            let desc = format!("{}：{}", a.name, s(theme, &format!("{key}_desc")));
            ChartView {
                title: title.to_string(),
                svg: chart::line_chart(&format!("{slug}-{id}"), title, &desc, &cats, &series(figs)),
            }
        })
        .collect();
    let parent = a
        .parent
        .as_deref()
        .and_then(|p| archive.agency(p))
        .map(|p| agency_link(theme, archive, p));
    let children: Vec<AgencyLink> = archive
        .children(slug)
        .map(|c| agency_link(theme, archive, c))
        .collect();
    PageData::Agency(Box::new(AgencyPage {
        agency: agency_link(theme, archive, a),
        website: a.website.clone(),
        parent,
        children,
        reports,
        columns: key_columns(lang),
        rows,
        charts,
        compare_url: urls::compare(slug),
        rates: rate_defs(lang),
        rollups: super::rollup::years(archive, slug)
            .into_iter()
            .map(|y| Link {
                label: year_label(theme, y),
                url: urls::rollup(slug, y),
            })
            .collect(),
    }))
}

/// Label of a comparison row: `row / column`, or the figure name.
fn compare_label<'a>(row: &'a derive::CompareRow, lang: &str) -> (&'a str, &'a str) {
    (row.row_label.get(lang), row.column_label.get(lang))
}

fn section_title<'a>(table: &'a str, lang: &str) -> &'a str {
    formats()
        .section_for_table(table)
        .map_or(table, |s| s.label(lang))
}

fn compare(theme: &Theme, archive: &Archive<'_>, slug: &str) -> PageData {
    let lang = archive.lang.as_str();
    let f = formats();
    let Some(a) = archive.agency(slug) else {
        return PageData::Json(json!({}));
    };
    let idx: Vec<usize> = archive.by_agency.get(slug).cloned().unwrap_or_default();
    let years: Vec<YearHead> = idx
        .iter()
        .map(|&i| {
            let r = archive.report(i);
            YearHead {
                label: year_label(theme, r.year),
                url: urls::report(slug, r.year),
                format: r.format().label.get(lang).to_string(),
            }
        })
        .collect();
    let key_rows: Vec<CompareRowView> = f
        .figures
        .iter()
        .filter(|x| x.key)
        .map(|fig| CompareRowView {
            row: fig.label.get(lang).to_string(),
            cells: idx.iter().fold(String::new(), |mut out, &i| {
                figure_td(&mut out, theme, archive.metrics(i).figure(fig));
                out
            }),
            ..CompareRowView::default()
        })
        .collect();
    let rate_rows: Vec<CompareRowView> = f
        .rates
        .iter()
        .map(|rate| CompareRowView {
            row: rate.label.get(lang).to_string(),
            definition: rate.definition.get(lang).to_string(),
            cells: idx.iter().fold(String::new(), |mut out, &i| {
                let n = rate_num(theme, archive.metrics(i).rate(rate));
                num_td(&mut out, n.class, &n.title, &n.text);
                out
            }),
            ..CompareRowView::default()
        })
        .collect();
    let mut sections: Vec<CompareSection> = Vec::new();
    let mut omitted = 0;
    for row in &archive.compare_rows {
        if sections.last().is_none_or(|s| s.table != row.table) {
            sections.push(CompareSection {
                table: row.table.clone(),
                title: section_title(&row.table, lang).to_string(),
                rows: Vec::new(),
            });
        }
        let values: Vec<derive::FigureValue> = idx
            .iter()
            .map(|&i| derive::compare_value(archive.report(i), row))
            .collect();
        // Rows of a format this agency never reported in say nothing; rows that are 0 in
        // every year are counted, not listed.
        let not_comparable =
            |v: &derive::FigureValue| matches!(v, derive::FigureValue::NotComparable);
        if values.iter().all(not_comparable) {
            continue;
        }
        if values.iter().all(|v| v.is_zero() || not_comparable(v)) {
            omitted += 1;
            continue;
        }
        let (rl, cl) = compare_label(row, lang);
        let mut cells = String::new();
        for v in values {
            figure_td(&mut cells, theme, v);
        }
        if let Some(sec) = sections.last_mut() {
            sec.rows.push(CompareRowView {
                row: rl.to_string(),
                column: cl.to_string(),
                approximate: row.approximate.as_ref().map(|l| l.get(lang).to_string()),
                cells,
                ..CompareRowView::default()
            });
        }
    }
    let mut all = vec![CompareSection {
        table: String::new(),
        title: s(theme, "key_figures").to_string(),
        rows: key_rows,
    }];
    all.push(CompareSection {
        table: String::new(),
        title: s(theme, "rates").to_string(),
        rows: rate_rows,
    });
    all.extend(sections);
    PageData::Compare(Box::new(ComparePage {
        agency: agency_link(theme, archive, a),
        body: compare_rows_html(&all, years.len() + 1),
        years,
        omitted,
    }))
}

#[derive(Serialize)]
struct PeerTable {
    group: String,
    rows: Vec<PeerRow>,
}

#[derive(Serialize)]
struct PeerRow {
    label: String,
    n: usize,
    q: Vec<String>,
}

/// The year's peer groups with the quartiles of each key figure and rate.
fn peer_tables(theme: &Theme, archive: &Archive<'_>, y: i32, idx: &[usize]) -> Vec<PeerTable> {
    let lang = archive.lang.as_str();
    let cols = key_columns(lang);
    let keys = formats().figures.iter().filter(|x| x.key).count();
    // Each group's label, from an agency of the group (in agency display order).
    let mut labels: Vec<(String, String)> = Vec::new();
    for &i in idx {
        let r = archive.report(i);
        if let (Some(g), Some(a)) = (archive.peer_group(&r.agency), archive.agency(&r.agency))
            && !labels.iter().any(|(k, _)| *k == g)
        {
            labels.push((g, agency_level(theme, a)));
        }
    }
    let peers = archive.peers();
    labels
        .into_iter()
        .filter_map(|(g, group)| {
            let dists = peers.group(y, &g)?;
            let rows = cols
                .iter()
                .zip(dists)
                .enumerate()
                .filter(|(_, (_, d))| d.n() > 0)
                .map(|(k, (c, d))| {
                    let q = d.quartiles().map_or_else(Vec::new, |q| {
                        q.iter()
                            .map(|v| {
                                if k < keys {
                                    numtext::decimal_text(v.round_dp(1).normalize())
                                } else {
                                    derive::show_percent(Some(*v))
                                }
                            })
                            .collect()
                    });
                    PeerRow {
                        label: c.label.clone(),
                        n: d.n(),
                        q,
                    }
                })
                .collect();
            Some(PeerTable { group, rows })
        })
        .collect()
}

fn year(theme: &Theme, archive: &Archive<'_>, y: i32) -> PageData {
    let lang = archive.lang.as_str();
    let idx: Vec<usize> = archive.by_year.get(&y).cloned().unwrap_or_default();
    let years: Vec<i32> = archive.by_year.keys().copied().collect();
    let pos = years.iter().position(|&x| x == y);
    let prev = pos.and_then(|p| p.checked_sub(1)).map(|p| years[p]);
    let next = pos.and_then(|p| years.get(p + 1)).copied();
    let rows: Vec<KeyRow> = idx
        .iter()
        .map(|&i| {
            let r = archive.report(i);
            let a = archive.agency(&r.agency);
            KeyRow {
                label: String::new(),
                agency: a.map_or(r.agency.clone(), |a| a.short().to_string()),
                agency_full: a.map_or(r.agency.clone(), |a| a.name.clone()),
                level: a.map(|a| level_label(theme, a.level)).unwrap_or_default(),
                url: urls::report(&r.agency, r.year),
                cells: key_cells(theme, archive, i),
            }
        })
        .collect();
    let names: Vec<String> = idx
        .iter()
        .map(|&i| {
            archive
                .agency(&archive.report(i).agency)
                .map_or(String::new(), |a| a.short().to_string())
        })
        .collect();
    let new_fig = formats().figure("new");
    let (vals, shown): (Vec<Option<f64>>, Vec<String>) = idx
        .iter()
        .map(|&i| {
            let v = new_fig.map_or(FigureValue::NotComparable, |fig| {
                archive.metrics(i).figure(fig)
            });
            (
                v.exact().and_then(|d| d.to_string().parse().ok()),
                figure_num(theme, v).text,
            )
        })
        .unzip();
    let rate = formats().rates.iter().find(|r| r.id == "disclosure_rate");
    let (rvals, rshown): (Vec<Option<f64>>, Vec<String>) = idx
        .iter()
        .map(|&i| {
            let v = rate.and_then(|rt| archive.metrics(i).rate(rt));
            (
                v.and_then(|d| d.to_string().parse().ok()),
                derive::show_percent(v),
            )
        })
        .unzip();
    let label = year_label(theme, y);
    let charts = vec![
        ChartView {
            title: s(theme, "chart_year_new").into(),
            svg: chart::bar_chart(
                &format!("y{y}-new"),
                s(theme, "chart_year_new"),
                &format!("{label}：{}", s(theme, "chart_year_new_desc")),
                &names,
                &vals,
                &shown,
            ),
        },
        ChartView {
            title: s(theme, "chart_year_rate").into(),
            svg: chart::bar_chart(
                &format!("y{y}-rate"),
                s(theme, "chart_year_rate"),
                &format!("{label}：{}", s(theme, "chart_year_rate_desc")),
                &names,
                &rvals,
                &rshown,
            ),
        },
    ];
    let link = |p: i32| Link {
        label: year_label(theme, p),
        url: urls::year(p),
    };
    let dated: Vec<i64> = idx
        .iter()
        .filter_map(|&i| archive.report(i).days_late())
        .collect();
    let on_time = (!dated.is_empty()).then(|| {
        let n = dated.iter().filter(|&&d| d <= 0).count();
        s(theme, "on_time_share")
            .replace("{on_time}", &n.to_string())
            .replace("{dated}", &dated.len().to_string())
            .replace("{percent}", &(n * 100 / dated.len()).to_string())
            .replace("{deadline}", &format!("{}-01-31", y + 1))
    });
    let peers = peer_tables(theme, archive, y, &idx);
    PageData::Year(Box::new(YearPage {
        year: y,
        label,
        on_time,
        peers,
        prev: prev.map(link),
        next: next.map(link),
        reports: idx
            .iter()
            .map(|&i| report_link(archive, archive.report(i)))
            .collect(),
        columns: key_columns(lang),
        rows,
        charts,
        rates: rate_defs(lang),
    }))
}

#[derive(Serialize)]
struct SectionView {
    num: String,
    /// 1-based position, for ASCII ids.
    index: usize,
    title: String,
    html: String,
    /// The statistics table of the section, laid out as printed.
    table: Option<String>,
    notes: Vec<AckView>,
}

fn report(theme: &Theme, archive: &Archive<'_>, i: usize) -> PageData {
    let lang = archive.lang.as_str();
    let f = formats();
    let r = archive.report(i);
    let a = archive.agency(&r.agency);
    let acks: Vec<AckView> = archive
        .acks
        .get(&r.path)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|mut a| {
            a.detail = ack_detail(theme, r, &a);
            if a.code == "D2" {
                a.label = s(theme, "published").to_string();
            }
            // X4 is acknowledged per statement (`at`): named in the site's language.
            if let Some(k) = (a.code == "X4")
                .then(|| formats().statements.kinds.iter().find(|k| k.id == a.table))
                .flatten()
            {
                a.label = if theme_lang(theme) == "en" {
                    k.en.clone()
                } else {
                    k.zh.clone()
                };
            }
            a
        })
        .collect();
    let note_for = |key: &str| -> (usize, bool) {
        match acks
            .iter()
            .find(|x| x.cells.first().is_some_and(|c| c == key))
        {
            Some(x) => (x.n, true),
            None => acks
                .iter()
                .find(|x| x.cells.iter().any(|c| c == key))
                .map_or((0, false), |x| (x.n, false)),
        }
    };
    let mut sections = Vec::new();
    let preface = r
        .sections
        .iter()
        .find(|s| s.num.is_none())
        .map(|s| markdown::to_html(r.section_text(s)));
    for (si, sec) in f.sections.iter().enumerate() {
        let written = r
            .sections
            .iter()
            .find(|s| s.num.as_deref() == Some(sec.num.as_str()));
        // The official heading; a report's own wording is kept when it differs.
        let title = match (written, lang.starts_with("en")) {
            (Some(w), false) => w.heading.clone(),
            _ => sec.label(lang).to_string(),
        };
        let table = sec.table.as_deref().and_then(|key| {
            let (_, data) = r.table(key)?;
            let layout = archive.tables.get(r.format, si)?;
            Some(layout.render(
                &title,
                data,
                &note_for,
                &super::table::CellLabels {
                    empty: s(theme, "empty_cell_sr"),
                    printed: s(theme, "printed_as"),
                    note: s(theme, "note"),
                },
            ))
        });
        let notes: Vec<AckView> = match &sec.table {
            Some(key) => acks.iter().filter(|x| x.table == *key).cloned().collect(),
            None => Vec::new(),
        };
        if written.is_none() && table.is_none() {
            continue;
        }
        sections.push(SectionView {
            num: sec.num.clone(),
            index: si + 1,
            title,
            html: written
                .map(|w| markdown::to_html(r.section_text(w)))
                .unwrap_or_default(),
            table,
            notes,
        });
    }
    let prev_i = archive.previous(i);
    let next_i = archive.by_agency.get(&r.agency).and_then(|v| {
        v.iter()
            .copied()
            .find(|&j| archive.report(j).year == r.year + 1)
    });
    let link = |j: usize| {
        let x = archive.report(j);
        Link {
            label: year_label(theme, x.year),
            url: urls::report(&x.agency, x.year),
        }
    };
    // Compared with last year: every comparable quantity, with absolute and relative change.
    let versus = prev_i.map(|j| {
        let p = archive.report(j);
        let mut rows: Vec<ChangeRow> = f
            .figures
            .iter()
            .filter(|x| x.key)
            .map(|fig| {
                change_row(
                    fig.label.get(lang),
                    "",
                    archive.metrics(j).figure(fig),
                    archive.metrics(i).figure(fig),
                    s(theme, "key_figures"),
                )
            })
            .collect();
        let mut omitted = 0;
        for row in &archive.compare_rows {
            let (before, now) = (derive::compare_value(p, row), derive::compare_value(r, row));
            // Cells neither year's format has say nothing; cells that are 0 in both years
            // are counted, not listed (the page would be mostly zeros).
            match (&before, &now) {
                (derive::FigureValue::NotComparable, derive::FigureValue::NotComparable) => {
                    continue;
                }
                (a, b) if a.is_zero() && b.is_zero() => {
                    omitted += 1;
                    continue;
                }
                _ => {}
            }
            let (rl, cl) = compare_label(row, lang);
            rows.push(change_row(
                rl,
                cl,
                before,
                now,
                section_title(&row.table, lang),
            ));
        }
        Versus {
            prev: year_label(theme, p.year),
            cur: year_label(theme, r.year),
            body: change_rows_html(theme, &rows),
            omitted,
        }
    });
    let agency_name = a.map_or(r.agency.clone(), |a| a.name.clone());
    // Where this report stands among its peers (same year and level).
    let keys = f.figures.iter().filter(|x| x.key).count();
    let group = archive.peer_group(&r.agency);
    let dists = group
        .as_deref()
        .and_then(|g| archive.peers().group(r.year, g));
    let group_label = a.map(|a| agency_level(theme, a)).unwrap_or_default();
    let rates: Vec<RateView> = f
        .rates
        .iter()
        .enumerate()
        .map(|(k, rate)| {
            let value = archive.metrics(i).rate(rate);
            let standing = value
                .zip(dists.and_then(|d| d.get(keys + k)))
                .and_then(|(v, d)| d.standing(v))
                .map(|(pct, n)| {
                    s(theme, "peer_standing")
                        .replace("{pct}", &pct.to_string())
                        .replace("{n}", &n.to_string())
                        .replace("{year}", &r.year.to_string())
                        .replace("{group}", &group_label)
                });
            RateView {
                label: rate.label.get(lang).to_string(),
                definition: rate.definition.get(lang).to_string(),
                value: rate_num(theme, value),
                standing,
            }
        })
        .collect();
    PageData::Report(Box::new(ReportPage {
        title: r.title(&agency_name),
        agency: a.map(|a| agency_link(theme, archive, a)),
        year: r.year,
        year_label: year_label(theme, r.year),
        year_url: urls::year(r.year),
        compare_url: urls::compare(&r.agency),
        format: r.format().label.get(lang).to_string(),
        document: r.format().document.clone(),
        published: r.meta.published.clone(),
        timeliness: timeliness(theme, r),
        source_url: r.meta.source_url.clone(),
        source: r.meta.source.clone(),
        agency_name: r.meta.agency_name.clone(),
        preface,
        sections,
        acks,
        prev: prev_i.map(link),
        next: next_i.map(link),
        versus,
        rates,
    }))
}

/// Whether the report was published by its deadline (条例 第五十条), in the site language.
fn timeliness(theme: &Theme, r: &Report) -> Option<String> {
    let days = r.days_late()?;
    let text = if days > 0 {
        s(theme, "late_by").replace("{days}", &days.to_string())
    } else {
        s(theme, "on_time").to_string()
    };
    Some(text.replace("{deadline}", &r.deadline()))
}

/// The published numbers of an acknowledged finding, in the site language.
fn ack_detail(theme: &Theme, r: &Report, a: &AckView) -> String {
    if a.code == "D2" {
        return timeliness(theme, r).unwrap_or_default();
    }
    if let (true, Some(v)) = (a.code == "X4", &a.values) {
        return s(theme, "ack_x4")
            .replace("{text}", v.found.as_deref().unwrap_or(""))
            .replace("{tables}", &x4_readings(theme, r, &a.table));
    }
    if a.code == "D1" {
        let Some((_, data)) = r.table(&a.table) else {
            return String::new();
        };
        let cells = data.rows.iter().flatten().flat_map(|row| &row.cells);
        let (total, empty) = cells.fold((0, 0), |(t, e), c| {
            (t + 1, e + usize::from(c.value.is_empty()))
        });
        let section = formats()
            .section_for_table(&a.table)
            .map_or("", |s| s.label(&theme_lang(theme)));
        return s(theme, "ack_d1")
            .replace("{section}", section)
            .replace("{total}", &total.to_string())
            .replace("{empty}", &empty.to_string());
    }
    let Some(v) = &a.values else {
        return String::new();
    };
    let expected = s(
        theme,
        if v.empty_cells > 0 {
            "ack_expected_with_empty"
        } else {
            "ack_expected"
        },
    )
    .replace("{expected}", &v.expected);
    let found = match &v.found {
        Some(f) => s(theme, "ack_found").replace("{found}", f),
        None => s(theme, "ack_found_empty").to_string(),
    };
    format!("{expected}{}{found}", s(theme, "list_sep"))
}

/// The readings of an X4 statement with their values in this report, in the site language.
fn x4_readings(theme: &Theme, r: &Report, kind: &str) -> String {
    let f = formats();
    let lang = theme_lang(theme);
    let Some(k) = f.statements.kinds.iter().find(|k| k.id == kind) else {
        return String::new();
    };
    k.readings
        .iter()
        .map(|reading| {
            let names: Vec<&str> = reading
                .iter()
                .filter_map(|id| f.figure(id))
                .map(|fig| fig.label.get(&lang))
                .collect();
            let total: rust_decimal::Decimal = reading
                .iter()
                .filter_map(|id| derive::figure_by_id(r, id).known())
                .sum();
            format!("{} {total}", names.join(" + "))
        })
        .collect::<Vec<_>>()
        .join(s(theme, "list_or"))
}

fn theme_lang(theme: &Theme) -> String {
    s(theme, "lang_code").to_string()
}

fn change_row<'a>(
    row: &'a str,
    column: &'a str,
    prev: FigureValue,
    cur: FigureValue,
    group: &'a str,
) -> ChangeRow<'a> {
    ChangeRow {
        group,
        row,
        column,
        prev,
        cur,
        change: derive::change(prev, cur),
    }
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

#[derive(Serialize)]
pub(super) struct AgencyPage {
    agency: AgencyLink,
    website: Option<String>,
    parent: Option<AgencyLink>,
    children: Vec<AgencyLink>,
    reports: Vec<ReportLink>,
    columns: Vec<Column>,
    rows: Vec<KeyRow>,
    charts: Vec<ChartView>,
    compare_url: String,
    rates: Vec<RateDef>,
    /// 下属机关合计, per year the children reported.
    rollups: Vec<Link>,
}

#[derive(Serialize)]
struct YearHead {
    label: String,
    url: String,
    format: String,
}

#[derive(Default)]
struct CompareRowView {
    row: String,
    column: String,
    approximate: Option<String>,
    definition: String,
    /// The row's `<td>`s, one per year.
    cells: String,
}

struct CompareSection {
    table: String,
    title: String,
    rows: Vec<CompareRowView>,
}

#[derive(Serialize)]
pub(super) struct ComparePage {
    agency: AgencyLink,
    years: Vec<YearHead>,
    /// The table body, rendered in Rust (every figure of every year).
    body: String,
    /// Figures left out because they are 0 in every year.
    omitted: usize,
}

/// The rows of the comparison across years, one group row per section.
fn compare_rows_html(sections: &[CompareSection], width: usize) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for sec in sections {
        let _ = writeln!(
            out,
            "<tr class=\"group\"><th scope=\"rowgroup\" colspan=\"{}\">{}</th></tr>",
            width + 1,
            esc(&sec.title)
        );
        let mut left = 0;
        for (i, r) in sec.rows.iter().enumerate() {
            let first = left == 0;
            if first {
                left = run_of(&sec.rows, i, |x| x.row.as_str());
            }
            out.push_str("<tr>");
            let mut extra = String::new();
            if let Some(a) = &r.approximate {
                let _ = write!(
                    extra,
                    " <span class=\"approx\" title=\"{}\">≈</span>",
                    esc(a)
                );
            }
            if r.definition.is_empty() {
                label_cells(&mut out, &r.row, &r.column, left, first, &extra);
            } else {
                let _ = write!(
                    out,
                    "<th scope=\"row\" colspan=\"2\"><span title=\"{}\">{}</span></th>",
                    esc(&r.definition),
                    esc(&r.row)
                );
            }
            left -= 1;
            out.push_str(&r.cells);
            out.push_str("</tr>\n");
        }
    }
    out
}

#[derive(Serialize)]
pub(super) struct YearPage {
    year: i32,
    label: String,
    /// How many of the reports with a publication date met the deadline.
    on_time: Option<String>,
    /// Quartiles of the key figures and rates per peer group.
    peers: Vec<PeerTable>,
    prev: Option<Link>,
    next: Option<Link>,
    reports: Vec<ReportLink>,
    columns: Vec<Column>,
    rows: Vec<KeyRow>,
    charts: Vec<ChartView>,
    rates: Vec<RateDef>,
}

struct ChangeRow<'a> {
    group: &'a str,
    row: &'a str,
    column: &'a str,
    prev: FigureValue,
    cur: FigureValue,
    change: derive::Change,
}

#[derive(Serialize)]
struct Versus {
    prev: String,
    cur: String,
    /// The table body, rendered in Rust.
    body: String,
    /// Figures left out because they are 0 in both years.
    omitted: usize,
}

/// A `<td>` of a figure in a Rust-rendered table (right-aligned by CSS; only notable
/// values carry a class and an explanation).
fn num_td(out: &mut String, class: &str, title: &str, text: &str) {
    write_td(
        out,
        if class == "num" { "" } else { class },
        "",
        title,
        text,
    );
}

/// The two label cells of a figure row: a row label spanning its columns (written once, on
/// its first row) and the column label; a figure without a column spans both.
fn label_cells(out: &mut String, row: &str, column: &str, span: usize, first: bool, extra: &str) {
    use std::fmt::Write as _;
    if column.is_empty() {
        out.push_str("<th scope=\"row\" colspan=\"2\">");
        out.push_str(&esc(row));
        out.push_str(extra);
        out.push_str("</th>");
        return;
    }
    if first {
        if span > 1 {
            let _ = write!(out, "<th scope=\"rowgroup\" rowspan=\"{span}\">");
        } else {
            out.push_str("<th scope=\"rowgroup\">");
        }
        out.push_str(&esc(row));
        out.push_str("</th>");
    }
    out.push_str("<th scope=\"row\">");
    out.push_str(&esc(column));
    out.push_str(extra);
    out.push_str("</th>");
}

/// How many consecutive items, from `i`, share the same row label.
fn run_of<'a, T, K: PartialEq>(items: &'a [T], i: usize, key: impl Fn(&'a T) -> K) -> usize {
    let k = key(&items[i]);
    items[i..].iter().take_while(|x| key(x) == k).count()
}

/// The rows of the "compared with last year" table, with a group row per section.
fn change_rows_html(theme: &Theme, rows: &[ChangeRow<'_>]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(rows.len() * 180);
    let mut group = "";
    let mut left = 0;
    for (i, r) in rows.iter().enumerate() {
        if r.group != group {
            let _ = writeln!(
                out,
                "<tr class=\"group\"><th scope=\"rowgroup\" colspan=\"6\">{}</th></tr>",
                esc(r.group)
            );
            group = r.group;
            left = 0;
        }
        let first = left == 0;
        if first {
            // One run per row label within a group (two separate runs rescanned the whole
            // group from every row: quadratic in the group's length).
            left = run_of(rows, i, |x| (x.row, x.group));
        }
        out.push_str("<tr>");
        label_cells(&mut out, r.row, r.column, left, first, "");
        left -= 1;
        figure_td(&mut out, theme, r.prev);
        figure_td(&mut out, theme, r.cur);
        out.push_str("<td>");
        match r.change.absolute {
            Some(v) => write_signed(&mut out, v),
            None => out.push('—'),
        }
        out.push_str("</td><td>");
        match r.change.relative {
            Some(v) => {
                write_signed(&mut out, v);
                out.push('%');
            }
            None => out.push('—'),
        }
        out.push_str("</td></tr>\n");
    }
    out
}

#[derive(Serialize)]
struct RateView {
    label: String,
    definition: String,
    value: Num,
    /// `高于同级 72% 的机关` with the peer count, when there are enough peers.
    standing: Option<String>,
}

#[derive(Serialize)]
pub(super) struct ReportPage {
    title: String,
    agency: Option<AgencyLink>,
    year: i32,
    year_label: String,
    year_url: String,
    compare_url: String,
    format: String,
    document: String,
    published: Option<String>,
    /// 按时发布 / 逾期N天 against the deadline of 条例 第五十条.
    timeliness: Option<String>,
    source_url: Option<String>,
    source: Option<String>,
    agency_name: Option<String>,
    preface: Option<String>,
    sections: Vec<SectionView>,
    acks: Vec<AckView>,
    prev: Option<Link>,
    next: Option<Link>,
    versus: Option<Versus>,
    rates: Vec<RateView>,
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
