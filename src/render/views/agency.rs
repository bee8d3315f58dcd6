//! An agency page: its reports, key figures by year, trend charts, parent and children.

use super::*;

pub(super) fn agency(theme: &Theme, archive: &Archive<'_>, slug: &str) -> PageData {
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
            let title = theme.text(key);
            let desc = format!("{}：{}", a.name, theme.text(&format!("{key}_desc")));
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
    // Each year's standing among peers in each rate, newest first; shown when there is one.
    let standings: Vec<StandingRow> = idx
        .iter()
        .rev()
        .map(|&i| {
            let r = archive.report(i);
            StandingRow {
                label: year_label(theme, r.year),
                url: urls::report(slug, r.year),
                cells: rate_standings(archive, i)
                    .into_iter()
                    .map(|s| match s {
                        Some((pct, n)) => theme
                            .text("peer_cell")
                            .replace("{pct}", &pct.to_string())
                            .replace("{n}", &n.to_string()),
                        None => "—".to_string(),
                    })
                    .collect(),
            }
        })
        .collect();
    let any_standing = standings.iter().any(|r| r.cells.iter().any(|c| c != "—"));
    PageData::Agency(Box::new(AgencyPage {
        standings: if any_standing { standings } else { Vec::new() },
        peer_group: agency_level(theme, a),
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
        rollups: crate::render::rollup::years(archive, slug)
            .into_iter()
            .map(|y| Link {
                label: year_label(theme, y),
                url: urls::rollup(slug, y),
            })
            .collect(),
    }))
}

#[derive(Serialize)]
pub(in crate::render) struct AgencyPage {
    pub(super) agency: AgencyLink,
    pub(super) website: Option<String>,
    pub(super) parent: Option<AgencyLink>,
    pub(super) children: Vec<AgencyLink>,
    pub(super) reports: Vec<ReportLink>,
    pub(super) columns: Vec<Column>,
    pub(super) rows: Vec<KeyRow>,
    pub(super) charts: Vec<ChartView>,
    pub(super) compare_url: String,
    pub(super) rates: Vec<RateDef>,
    /// 下属机关合计, per year the children reported.
    pub(super) rollups: Vec<Link>,
    /// Per year (newest first), the standing among peers in each rate (`rates` order).
    pub(super) standings: Vec<StandingRow>,
    pub(super) peer_group: String,
}

#[derive(Serialize)]
pub(in crate::render) struct StandingRow {
    label: String,
    url: String,
    /// `高于 72%（37）` or `—`, per rate.
    cells: Vec<String>,
}
