//! A report page: its prose and tables, acknowledged findings, change from last year, rates
//! with their standing among peers, publication timeliness.

use super::*;

#[derive(Serialize)]
pub(super) struct SectionView {
    pub(super) num: String,
    /// 1-based position, for ASCII ids.
    pub(super) index: usize,
    pub(super) title: String,
    pub(super) html: String,
    /// The statistics table of the section, laid out as printed.
    pub(super) table: Option<String>,
    pub(super) notes: Vec<AckView>,
}

pub(super) fn report(
    theme: &Theme,
    archive: &Archive<'_>,
    i: usize,
) -> Result<PageData, Box<Diagnostic>> {
    let lang = archive.lang.as_str();
    let f = formats();
    let r = archive.report(i);
    let prose = archive.prose(i)?;
    archive.keep_summary(i, &prose);
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
                a.label = theme.text("published").to_string();
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
        .map(|s| markdown::to_html(prose.section(s)));
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
                &crate::render::table::CellLabels {
                    empty: theme.text("empty_cell_sr"),
                    printed: theme.text("printed_as"),
                    note: theme.text("note"),
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
                .map(|w| markdown::to_html(prose.section(w)))
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
    // Compared with last year: the key figures, with absolute and relative change. Every
    // item of every year stands side by side on the agency's comparison page, written once
    // per agency rather than again on each report page (it was a third of the page).
    let versus = prev_i.map(|j| {
        let p = archive.report(j);
        let rows: Vec<ChangeRow> = f
            .figures
            .iter()
            .filter(|x| x.key)
            .map(|fig| {
                change_row(
                    fig.label.get(lang),
                    archive.metrics(j).figure(fig),
                    archive.metrics(i).figure(fig),
                )
            })
            .collect();
        Versus {
            prev: year_label(theme, p.year),
            cur: year_label(theme, r.year),
            body: change_rows_html(theme, &rows),
        }
    });
    let agency_name = a.map_or(r.agency.clone(), |a| a.name.clone());
    // Where this report stands among its peers (same year and level).
    let group_label = a.map(|a| agency_level(theme, a)).unwrap_or_default();
    let standings = rate_standings(archive, i);
    let rates: Vec<RateView> = f
        .rates
        .iter()
        .zip(standings)
        .map(|(rate, standing)| {
            let value = archive.metrics(i).rate(rate);
            let standing = standing.map(|(pct, n)| {
                theme
                    .text("peer_standing")
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
    Ok(PageData::Report(Box::new(ReportPage {
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
    })))
}

/// Whether the report was published by its deadline (条例 第五十条), in the site language.
pub(super) fn timeliness(theme: &Theme, r: &Report) -> Option<String> {
    let days = r.days_late()?;
    let text = if days > 0 {
        theme.text("late_by").replace("{days}", &days.to_string())
    } else {
        theme.text("on_time").to_string()
    };
    Some(text.replace("{deadline}", &r.deadline()))
}

/// The published numbers of an acknowledged finding, in the site language.
pub(super) fn ack_detail(theme: &Theme, r: &Report, a: &AckView) -> String {
    if a.code == "D2" {
        return timeliness(theme, r).unwrap_or_default();
    }
    if let (true, Some(v)) = (a.code == "X4", &a.values) {
        return theme
            .text("ack_x4")
            .replace("{text}", v.found.as_deref().unwrap_or(""))
            .replace("{tables}", &x4_readings(theme, r, &a.table));
    }
    if a.code == "D1" {
        let Some((_, data)) = r.table(&a.table) else {
            return String::new();
        };
        let cells = data.cells();
        let (total, empty) = cells.fold((0, 0), |(t, e), c| (t + 1, e + usize::from(c.is_empty())));
        let section = formats()
            .section_for_table(&a.table)
            .map_or("", |s| s.label(&theme_lang(theme)));
        return theme
            .text("ack_d1")
            .replace("{section}", section)
            .replace("{total}", &total.to_string())
            .replace("{empty}", &empty.to_string());
    }
    let Some(v) = &a.values else {
        return String::new();
    };
    let expected = theme
        .text(if v.empty_cells > 0 {
            "ack_expected_with_empty"
        } else {
            "ack_expected"
        })
        .replace("{expected}", &v.expected);
    let found = match &v.found {
        Some(f) => theme.text("ack_found").replace("{found}", f),
        None => theme.text("ack_found_empty").to_string(),
    };
    format!("{expected}{}{found}", theme.text("list_sep"))
}

/// The readings of an X4 statement with their values in this report, in the site language.
pub(super) fn x4_readings(theme: &Theme, r: &Report, kind: &str) -> String {
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
        .join(theme.text("list_or"))
}

pub(super) fn change_row(label: &str, prev: FigureValue, cur: FigureValue) -> ChangeRow<'_> {
    ChangeRow {
        label,
        prev,
        cur,
        change: derive::change(prev, cur),
    }
}

/// A key figure in two consecutive years.
pub(super) struct ChangeRow<'a> {
    pub(super) label: &'a str,
    pub(super) prev: FigureValue,
    pub(super) cur: FigureValue,
    pub(super) change: derive::Change,
}

#[derive(Serialize)]
pub(super) struct Versus {
    pub(super) prev: String,
    pub(super) cur: String,
    /// The table body, rendered in Rust.
    pub(super) body: String,
}

/// A `<td>` of a figure in a Rust-rendered table (right-aligned by CSS; only notable
/// values carry a class and an explanation).
pub(super) fn num_td(out: &mut String, class: &str, title: &str, text: &str) {
    write_td(out, if class == "num" { "" } else { class }, title, text);
}

/// The two label cells of a figure row: a row label spanning its columns (written once, on
/// its first row) and the column label; a figure without a column spans both.
pub(super) fn label_cells(
    out: &mut String,
    row: &str,
    column: &str,
    span: usize,
    first: bool,
    extra: &str,
) {
    use std::fmt::Write as _;
    if column.is_empty() {
        out.push_str("<th scope=\"row\" colspan=\"2\">");
        out.push_str(&esc(row));
        out.push_str(extra);
        return;
    }
    if first {
        if span > 1 {
            let _ = write!(out, "<th scope=\"rowgroup\" rowspan=\"{span}\">");
        } else {
            out.push_str("<th scope=\"rowgroup\">");
        }
        out.push_str(&esc(row));
    }
    out.push_str("<th scope=\"row\">");
    out.push_str(&esc(column));
    out.push_str(extra);
}

/// How many consecutive items, from `i`, share the same row label.
pub(super) fn run_of<'a, T, K: PartialEq>(
    items: &'a [T],
    i: usize,
    key: impl Fn(&'a T) -> K,
) -> usize {
    let k = key(&items[i]);
    items[i..].iter().take_while(|x| key(x) == k).count()
}

/// The rows of the "compared with last year" table: one per key figure.
pub(super) fn change_rows_html(theme: &Theme, rows: &[ChangeRow<'_>]) -> String {
    let mut out = String::with_capacity(rows.len() * 120);
    for r in rows {
        out.push_str("<tr><th scope=\"row\">");
        out.push_str(&esc(r.label));
        figure_td(&mut out, theme, r.prev);
        figure_td(&mut out, theme, r.cur);
        out.push_str("<td>");
        match r.change.absolute {
            Some(v) => write_signed(&mut out, v),
            None => out.push('—'),
        }
        out.push_str("<td>");
        match r.change.relative {
            Some(v) => {
                write_signed(&mut out, v);
                out.push('%');
            }
            None => out.push('—'),
        }
        out.push_str("</tr>\n");
    }
    out
}

#[derive(Serialize)]
pub(super) struct RateView {
    pub(super) label: String,
    pub(super) definition: String,
    pub(super) value: Num,
    /// `高于同级 72% 的机关` with the peer count, when there are enough peers.
    pub(super) standing: Option<String>,
}

#[derive(Serialize)]
pub(in crate::render) struct ReportPage {
    pub(super) title: String,
    pub(super) agency: Option<AgencyLink>,
    pub(super) year: i32,
    pub(super) year_label: String,
    pub(super) year_url: String,
    pub(super) compare_url: String,
    pub(super) format: String,
    pub(super) document: String,
    pub(super) published: Option<String>,
    /// 按时发布 / 逾期N天 against the deadline of 条例 第五十条.
    pub(super) timeliness: Option<String>,
    pub(super) source_url: Option<String>,
    pub(super) source: Option<String>,
    pub(super) agency_name: Option<String>,
    pub(super) preface: Option<String>,
    pub(super) sections: Vec<SectionView>,
    pub(super) acks: Vec<AckView>,
    pub(super) prev: Option<Link>,
    pub(super) next: Option<Link>,
    pub(super) versus: Option<Versus>,
    pub(super) rates: Vec<RateView>,
}
