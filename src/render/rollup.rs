//! 下属机关合计: for an agency with subordinate agencies in the archive, per year, the sum of
//! their reports' three tables in the official layout, with who is included, who has no report
//! that year, who reported in the other format (not summed), and the key figures of every
//! year's sum with the changes in who was included.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{Archive, Theme, urls};
use crate::derive::{self, rollup};
use crate::format::formats;
use crate::model::Report;

/// The children's report indices for `year`: in the majority format, and in another one.
fn members(archive: &Archive<'_>, slug: &str, year: i32) -> (Vec<usize>, Vec<usize>, Vec<String>) {
    let mut reports = Vec::new();
    let mut missing = Vec::new();
    for c in archive.children(slug) {
        let found = archive
            .by_agency
            .get(&c.slug)
            .and_then(|v| v.iter().copied().find(|&i| archive.report(i).year == year));
        match found {
            Some(i) => reports.push(i),
            None => missing.push(c.slug.clone()),
        }
    }
    // The format most of the year's reports use (the year's default on a tie).
    let default = formats().default_for_year(year).id.as_str();
    let format = (0..formats().formats.len())
        .max_by_key(|&f| {
            let n = reports
                .iter()
                .filter(|&&i| archive.report(i).format == f)
                .count();
            (n, formats().formats[f].id == default)
        })
        .unwrap_or(0);
    let (same, other): (Vec<usize>, Vec<usize>) = reports
        .into_iter()
        .partition(|&i| archive.report(i).format == format);
    (same, other, missing)
}

/// The years an agency's children reported.
pub fn years(archive: &Archive<'_>, slug: &str) -> Vec<i32> {
    let set: BTreeSet<i32> = archive
        .children(slug)
        .flat_map(|c| archive.by_agency.get(&c.slug).into_iter().flatten())
        .map(|&i| archive.report(i).year)
        .collect();
    set.into_iter().collect()
}

/// The summed report of the reports `same` (one format) as `slug`'s in `year`, with them and
/// the number of partial cells; `None` when there are none.
fn summed(
    archive: &Archive<'_>,
    slug: &str,
    year: i32,
    same: Vec<usize>,
) -> Option<(Report, Vec<usize>, usize)> {
    let first = *same.first()?;
    let format = archive.report(first).format;
    let reports: Vec<&Report> = same.iter().map(|&i| archive.report(i)).collect();
    let (tables, partial) = rollup::sum_tables(&reports, format);
    Some((rollup::as_report(slug, year, format, tables), same, partial))
}

#[derive(Serialize)]
struct Member {
    name: String,
    url: String,
}

#[derive(Serialize)]
struct YearRow {
    year: i32,
    url: String,
    included: usize,
    figures: Vec<String>,
    change: String,
}

/// The page's data.
pub(super) fn page(
    theme: &Theme,
    archive: &Archive<'_>,
    slug: &str,
    year: i32,
) -> serde_json::Value {
    let lang = archive.lang.as_str();
    let f = formats();
    let name = archive
        .agency(slug)
        .map_or(slug.to_string(), |a| a.name.clone());
    let member = |i: usize| {
        let r = archive.report(i);
        Member {
            name: archive
                .agency(&r.agency)
                .map_or(r.agency.clone(), |a| a.name.clone()),
            url: urls::report(&r.agency, r.year),
        }
    };
    let (same, other, missing) = members(archive, slug, year);
    let sum = summed(archive, slug, year, same);
    let mut tables = Vec::new();
    let mut rates = Vec::new();
    if let Some((report, _, _)) = &sum {
        for (si, sec) in f.sections.iter().enumerate() {
            let Some(key) = sec.table.as_deref() else {
                continue;
            };
            let (Some((_, data)), Some(layout)) =
                (report.table(key), archive.tables.get(report.format, si))
            else {
                continue;
            };
            tables.push(
                serde_json::json!({ "title": sec.label(lang), "html": layout.render(
                sec.label(lang),
                data,
                &|_: &str| (0, false),
                &super::table::CellLabels {
                    empty: theme.text("empty_cell_sr"),
                    printed: theme.text("printed_as"),
                    note: theme.text("note"),
                },
            ) }),
            );
        }
        let m = derive::Metrics::of(report, None);
        rates = f
            .rates
            .iter()
            .filter(|r| r.change_of.is_none())
            .map(|r| {
                serde_json::json!({
                    "label": r.label.get(lang),
                    "value": derive::show_percent(m.rate(r)),
                    "definition": r.definition.get(lang),
                })
            })
            .collect();
    }
    // Every year's sum: key figures, and who joined or left the sum since the year before.
    let key_figures: Vec<_> = f.figures.iter().filter(|x| x.key).collect();
    let mut rows = Vec::new();
    let mut before: Option<BTreeSet<String>> = None;
    for y in years(archive, slug) {
        let Some((report, included, _)) = summed(archive, slug, y, members(archive, slug, y).0)
        else {
            continue;
        };
        let set: BTreeSet<String> = included
            .iter()
            .map(|&i| archive.report(i).agency.clone())
            .collect();
        let change = match &before {
            Some(b) if *b != set => {
                let names = |v: Vec<&String>| -> String {
                    v.iter()
                        .map(|x| {
                            archive
                                .agency(x)
                                .map_or(x.to_string(), |a| a.short().to_string())
                        })
                        .collect::<Vec<_>>()
                        .join("、")
                };
                let joined = names(set.difference(b).collect());
                let left = names(b.difference(&set).collect());
                let mut parts = Vec::new();
                if !joined.is_empty() {
                    parts.push(theme.text("rollup_joined").replace("{names}", &joined));
                }
                if !left.is_empty() {
                    parts.push(theme.text("rollup_left").replace("{names}", &left));
                }
                parts.join(theme.text("list_sep"))
            }
            _ => String::new(),
        };
        let m = derive::Metrics::of(&report, None);
        rows.push(YearRow {
            year: y,
            url: urls::rollup(slug, y),
            included: set.len(),
            figures: key_figures
                .iter()
                .map(|x| match m.figure(x).known() {
                    Some(v) => crate::numtext::decimal_text(v),
                    None => "—".into(),
                })
                .collect(),
            change,
        });
        before = Some(set);
    }
    let (included, partial) = sum
        .as_ref()
        .map_or((Vec::new(), 0), |(_, inc, p)| (inc.clone(), *p));
    serde_json::json!({
        "title": theme.text("rollup_title").replace("{name}", &name).replace("{year}", &year.to_string()),
        "agency": { "name": name, "url": urls::agency(slug) },
        "year": year,
        "included": included.iter().map(|&i| member(i)).collect::<Vec<_>>(),
        "other_format": other.iter().map(|&i| member(i)).collect::<Vec<_>>(),
        "missing": missing.iter().map(|c| Member {
            name: archive.agency(c).map_or(c.clone(), |a| a.name.clone()),
            url: urls::agency(c),
        }).collect::<Vec<_>>(),
        "partial": partial,
        "tables": tables,
        "rates": rates,
        "columns": key_figures.iter().map(|x| x.label.get(lang)).collect::<Vec<_>>(),
        "years": rows,
    })
}
