//! 下属机关合计 and 各机关合计: for an agency with subordinate agencies in the archive, and for
//! a region of two agencies or more, per year, the sum of their reports' three tables in the
//! official layout, with who is included, who has no report that year, who reported in the
//! other format (not summed), and the key figures of every year's sum with the changes in who
//! was included.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{Archive, Theme, urls};
use crate::derive::{self, rollup};
use crate::format::formats;
use crate::model::{Agency, Report};

/// Whose reports a roll-up sums.
#[derive(Debug, Clone, Copy)]
pub(super) enum Group<'s> {
    /// The agency's subordinate agencies (its slug).
    Children(&'s str),
    /// The agencies of a region (its name), see [`Archive::regions`].
    Region(&'s str),
}

/// A group's roll-up of one year.
pub(crate) struct YearSum {
    year: i32,
    /// The summed report, the reports summed and the number of partial cells.
    sum: Option<(Report, Vec<usize>, usize)>,
    /// Reports in another format (not summed), agencies without a report.
    other: Vec<usize>,
    missing: Vec<String>,
}

/// Every year's roll-up of a group, computed once per build.
fn sums(archive: &Archive<'_>, group: Group<'_>) -> std::sync::Arc<[YearSum]> {
    let key = match group {
        Group::Children(slug) => format!("c:{slug}"),
        Group::Region(name) => format!("r:{name}"),
    };
    if let Some(v) = archive
        .rollups
        .lock()
        .ok()
        .and_then(|m| m.get(&key).cloned())
    {
        return v;
    }
    let v: std::sync::Arc<[YearSum]> = group_years(archive, group)
        .into_iter()
        .map(|year| {
            let (same, other, missing) = members(archive, group, year);
            YearSum {
                year,
                sum: summed(archive, year, same),
                other,
                missing,
            }
        })
        .collect();
    if let Ok(mut m) = archive.rollups.lock() {
        m.insert(key, v.clone());
    }
    v
}

impl Group<'_> {
    fn agencies<'a>(self, archive: &Archive<'a>) -> Vec<&'a Agency> {
        match self {
            Group::Children(slug) => archive.children(slug).collect(),
            Group::Region(name) => archive
                .regions()
                .iter()
                .find(|(r, _)| r == name)
                .map_or(Vec::new(), |(_, v)| {
                    v.iter().map(|&i| archive.agencies[i]).collect()
                }),
        }
    }

    fn url(self, year: i32) -> String {
        match self {
            Group::Children(slug) => urls::rollup(slug, year),
            Group::Region(name) => urls::region_rollup(name, year),
        }
    }
}

/// The group's report indices for `year`: in the majority format, and in another one.
fn members(
    archive: &Archive<'_>,
    group: Group<'_>,
    year: i32,
) -> (Vec<usize>, Vec<usize>, Vec<String>) {
    let mut reports = Vec::new();
    let mut missing = Vec::new();
    for c in group.agencies(archive) {
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

/// The years a group's agencies reported.
fn group_years(archive: &Archive<'_>, group: Group<'_>) -> Vec<i32> {
    let set: BTreeSet<i32> = group
        .agencies(archive)
        .into_iter()
        .flat_map(|c| archive.by_agency.get(&c.slug).into_iter().flatten())
        .map(|&i| archive.report(i).year)
        .collect();
    set.into_iter().collect()
}

/// The years an agency's children reported.
pub fn years(archive: &Archive<'_>, slug: &str) -> Vec<i32> {
    group_years(archive, Group::Children(slug))
}

/// The years a region's agencies reported.
pub fn region_years(archive: &Archive<'_>, region: &str) -> Vec<i32> {
    group_years(archive, Group::Region(region))
}

/// The summed report of the reports `same` (one format) in `year`, with them and the number
/// of partial cells; `None` when there are none.
fn summed(
    archive: &Archive<'_>,
    year: i32,
    same: Vec<usize>,
) -> Option<(Report, Vec<usize>, usize)> {
    let first = *same.first()?;
    let format = archive.report(first).format;
    let reports: Vec<&Report> = same.iter().map(|&i| archive.report(i)).collect();
    let (tables, partial) = rollup::sum_tables(&reports, format);
    Some((rollup::as_report("", year, format, tables), same, partial))
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
    group: Group<'_>,
    year: i32,
) -> serde_json::Value {
    let lang = archive.lang.as_str();
    let f = formats();
    // The group's name, where its crumb leads, and the page's wording.
    let (name, up, [title, intro, missing_label]) = match group {
        Group::Children(slug) => (
            archive
                .agency(slug)
                .map_or(slug.to_string(), |a| a.name.clone()),
            urls::agency(slug),
            ["rollup_title", "rollup_intro", "rollup_missing"],
        ),
        Group::Region(region) => (
            region.to_string(),
            format!("{}#regions", urls::AGENCIES),
            [
                "rollup_region_title",
                "rollup_region_intro",
                "rollup_region_missing",
            ],
        ),
    };
    let member = |i: usize| {
        let r = archive.report(i);
        Member {
            name: archive
                .agency(&r.agency)
                .map_or(r.agency.clone(), |a| a.name.clone()),
            url: urls::report(&r.agency, r.year),
        }
    };
    let all = sums(archive, group);
    let this = all.iter().find(|s| s.year == year);
    let sum = this.and_then(|s| s.sum.as_ref());
    let (other, missing) = this.map_or((&[][..], &[][..]), |s| (&s.other[..], &s.missing[..]));
    let mut tables = Vec::new();
    let mut rates = Vec::new();
    if let Some((report, _, _)) = sum {
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
    for s in all.iter() {
        let y = s.year;
        let Some((report, included, _)) = &s.sum else {
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
        let m = derive::Metrics::of(report, None);
        rows.push(YearRow {
            year: y,
            url: group.url(y),
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
    let (included, partial) = sum.map_or((&[][..], 0), |(_, inc, p)| (&inc[..], *p));
    serde_json::json!({
        "title": theme.text(title).replace("{name}", &name).replace("{year}", &year.to_string()),
        "intro": theme.text(intro),
        "missing_label": theme.text(missing_label),
        "agency": { "name": name, "url": up },
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
