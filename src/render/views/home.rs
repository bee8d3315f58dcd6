//! The home page: the archive at a glance, with a like-with-like chart across years.

use super::*;

pub(super) fn home(theme: &Theme, archive: &Archive<'_>) -> Value {
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

/// The sum of a figure over some reports: known cells are added, empty ones counted.
/// The home chart, comparing like with like: a change in which agencies reported must not
/// read as a trend. When some agencies reported in every year of the archive, the chart sums
/// theirs only; otherwise it shows, per year, the median over the agencies that reported.
pub(super) struct LikeChart {
    pub(super) title: String,
    pub(super) definition: String,
    pub(super) cats: Vec<String>,
    pub(super) series: Vec<Series>,
    /// Per year shown: how many reports the chart's values cover.
    pub(super) coverage: Vec<Value>,
}

pub(super) fn like_with_like(
    theme: &Theme,
    archive: &Archive<'_>,
    key: &[&crate::format::Figure],
) -> LikeChart {
    let lang = archive.lang.as_str();
    let years: Vec<i32> = archive.by_year.keys().copied().collect();
    // A set: looked up once per report (a list made this quadratic in the agencies; at
    // 40,000 agencies it was the longest part of the build).
    let panel: std::collections::BTreeSet<&str> = archive
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
            .filter(|&i| panel.is_empty() || panel.contains(archive.report(i).agency.as_str()))
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
        (theme.text("chart_median"), theme.text("chart_median_def"))
    } else {
        (theme.text("chart_panel"), theme.text("chart_panel_def"))
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
pub(super) fn median(sorted: &[rust_decimal::Decimal]) -> Option<rust_decimal::Decimal> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / rust_decimal::Decimal::TWO),
    }
}

pub(super) fn year_total(
    archive: &Archive<'_>,
    idx: &[usize],
    fig: &crate::format::Figure,
) -> FigureValue {
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
