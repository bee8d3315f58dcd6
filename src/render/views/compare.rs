//! An agency's years side by side (2019↔2021 rows mapped, non-comparable rows marked).

use super::*;

pub(super) fn section_title<'a>(table: &'a str, lang: &str) -> &'a str {
    formats()
        .section_for_table(table)
        .map_or(table, |s| s.label(lang))
}

pub(super) fn compare(theme: &Theme, archive: &Archive<'_>, slug: &str) -> PageData {
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
                // "—" is explained by the page's legend.
                let n = rate_num(theme, archive.metrics(i).rate(rate));
                num_td(&mut out, n.class, "", &n.text);
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
        title: theme.text("key_figures").to_string(),
        rows: key_rows,
    }];
    all.push(CompareSection {
        table: String::new(),
        title: theme.text("rates").to_string(),
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
pub(super) struct YearHead {
    pub(super) label: String,
    pub(super) url: String,
    pub(super) format: String,
}

#[derive(Default)]
pub(super) struct CompareRowView {
    pub(super) row: String,
    pub(super) column: String,
    pub(super) approximate: Option<String>,
    pub(super) definition: String,
    /// The row's `<td>`s, one per year.
    pub(super) cells: String,
}

pub(super) struct CompareSection {
    pub(super) table: String,
    pub(super) title: String,
    pub(super) rows: Vec<CompareRowView>,
}

#[derive(Serialize)]
pub(in crate::render) struct ComparePage {
    pub(super) agency: AgencyLink,
    pub(super) years: Vec<YearHead>,
    /// The table body, rendered in Rust (every figure of every year).
    pub(super) body: String,
    /// Figures left out because they are 0 in every year.
    pub(super) omitted: usize,
}

/// The rows of the comparison across years, one group row per section.
pub(super) fn compare_rows_html(sections: &[CompareSection], width: usize) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for sec in sections {
        let _ = writeln!(
            out,
            "<tr class=\"group\"><th scope=\"rowgroup\" colspan=\"{}\">{}</tr>",
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
                    "<th scope=\"row\" colspan=\"2\"><span title=\"{}\">{}</span>",
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
