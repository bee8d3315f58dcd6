//! The agencies, years, search and data pages, and the chart and level groups they share.

use super::*;

/// A chart and its visible caption.
#[derive(Serialize)]
pub(super) struct ChartView {
    pub(super) title: String,
    pub(super) svg: String,
}

#[derive(Serialize)]
pub(super) struct LevelGroup {
    pub(super) label: String,
    pub(super) regions: Vec<RegionGroup>,
}

#[derive(Serialize)]
pub(super) struct RegionGroup {
    pub(super) region: String,
    pub(super) agencies: Vec<AgencyLink>,
}

/// Agencies grouped by level, then region.
pub(super) fn levels(theme: &Theme, archive: &Archive<'_>) -> Vec<LevelGroup> {
    Level::ALL
        .iter()
        .filter_map(|&l| {
            let mut regions: Vec<RegionGroup> = Vec::new();
            for a in archive.agencies.iter().filter(|a| a.level == l) {
                let region = a
                    .region
                    .clone()
                    .unwrap_or_else(|| theme.text("region_unknown").into());
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

/// Each region of two agencies or more, with its number of agencies and its roll-up pages.
pub(super) fn region_rollups(archive: &Archive<'_>) -> Vec<Value> {
    archive
        .regions()
        .iter()
        .map(|(name, members)| {
            let years: Vec<Value> = crate::render::rollup::region_years(archive, name)
                .into_iter()
                .map(|y| json!({ "year": y, "url": urls::region_rollup(name, y) }))
                .collect();
            json!({ "name": name, "agencies": members.len(), "years": years })
        })
        .collect()
}

pub(super) fn search_page(theme: &Theme, archive: &Archive<'_>) -> Value {
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
                json!(theme.text(k)),
            )
        })
        .collect();
    let strings = serde_json::to_string(&strings)
        .unwrap_or_else(|_| "{}".into())
        .replace("</", "<\\/");
    json!({ "years": years, "levels": levels, "strings": strings })
}

pub(super) fn data_page(archive: &Archive<'_>) -> Value {
    let f = formats();
    let lang = archive.lang.as_str();
    let keys: Vec<Value> = crate::render::data::all_cell_keys()
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
        "meta": crate::render::data::BULK_META,
        "long_columns": crate::render::research::LONG_COLUMNS,
        "research": archive.site.config.research_data,
        "years": archive.by_year.keys().collect::<Vec<_>>(),
        "example": archive.by_agency.iter().next().and_then(|(slug, v)| v.first().map(|&i| format!("{slug}/{}", archive.report(i).year))),
    })
}

pub(super) fn years(archive: &Archive<'_>) -> Value {
    let list: Vec<Value> = archive
        .by_year
        .iter()
        .rev()
        .map(|(y, v)| json!({ "year": y, "url": urls::year(*y), "reports": v.len() }))
        .collect();
    json!({ "years": list })
}
