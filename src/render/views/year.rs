//! A year page: its reports, the comparison table, peer distributions, charts, timeliness.

use super::*;

#[derive(Serialize)]
pub(super) struct PeerTable {
    pub(super) group: String,
    pub(super) rows: Vec<PeerRow>,
}

#[derive(Serialize)]
pub(super) struct PeerRow {
    pub(super) label: String,
    pub(super) n: usize,
    pub(super) q: Vec<String>,
}

/// The year's peer groups with the quartiles of each key figure and rate.
pub(super) fn peer_tables(
    theme: &Theme,
    archive: &Archive<'_>,
    y: i32,
    idx: &[usize],
) -> Vec<PeerTable> {
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

pub(super) fn year(theme: &Theme, archive: &Archive<'_>, y: i32) -> PageData {
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
            title: theme.text("chart_year_new").into(),
            svg: chart::bar_chart(
                &format!("y{y}-new"),
                theme.text("chart_year_new"),
                &format!("{label}：{}", theme.text("chart_year_new_desc")),
                &names,
                &vals,
                &shown,
            ),
        },
        ChartView {
            title: theme.text("chart_year_rate").into(),
            svg: chart::bar_chart(
                &format!("y{y}-rate"),
                theme.text("chart_year_rate"),
                &format!("{label}：{}", theme.text("chart_year_rate_desc")),
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
        theme
            .text("on_time_share")
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
pub(in crate::render) struct YearPage {
    pub(super) year: i32,
    pub(super) label: String,
    /// How many of the reports with a publication date met the deadline.
    pub(super) on_time: Option<String>,
    /// Quartiles of the key figures and rates per peer group.
    pub(super) peers: Vec<PeerTable>,
    pub(super) prev: Option<Link>,
    pub(super) next: Option<Link>,
    pub(super) reports: Vec<ReportLink>,
    pub(super) columns: Vec<Column>,
    pub(super) rows: Vec<KeyRow>,
    pub(super) charts: Vec<ChartView>,
    pub(super) rates: Vec<RateDef>,
}
