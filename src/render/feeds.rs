//! Atom feeds (the whole archive and each agency), `sitemap.xml` and `robots.txt`. These are
//! the places where absolute URLs are required, so they use `base_url`.

use serde_json::{Value, json};

use super::table::esc;
use super::{Archive, Page, PageKind, Sink, Theme, urls};
use crate::model::Report;

/// How many entries the archive-wide feed keeps.
pub const FEED_LENGTH: usize = 50;
/// The sitemap protocol's limit per file.
pub const SITEMAP_LIMIT: usize = 50_000;

/// The date an entry is filed under: the publication date, else the last day of its year.
fn entry_date(r: &Report) -> String {
    r.meta
        .published
        .clone()
        .unwrap_or_else(|| format!("{}-12-31", r.year))
}

/// Characters of a feed entry's summary.
const SUMMARY_CHARS: usize = 200;

/// A report's summary in the feeds: the start of its first section as plain text, its runs of
/// whitespace made one space, cut at [`SUMMARY_CHARS`] with `…`.
pub(super) fn summary_of(r: &crate::model::Report, prose: &crate::model::Prose) -> String {
    r.sections
        .iter()
        .find(|s| s.num.as_deref() == Some("一"))
        .map_or_else(String::new, |s| summary_text(prose.section(s)))
}

/// The summary of a section's Markdown (see [`summary_of`]).
fn summary_text(markdown: &str) -> String {
    let mut out = String::new();
    let mut chars = 0;
    let mut space = false;
    // Stops at the first character past the limit: only the start of the text is needed.
    let whole = super::markdown::each_text_char(markdown, |c| {
        if c.is_whitespace() {
            space = chars > 0;
            return true;
        }
        if space {
            if chars == SUMMARY_CHARS {
                return false;
            }
            out.push(' ');
            chars += 1;
            space = false;
        }
        if chars == SUMMARY_CHARS {
            return false;
        }
        out.push(c);
        chars += 1;
        true
    });
    if !whole {
        out.push('…');
    }
    out
}

fn feed(
    theme: &Theme,
    archive: &Archive<'_>,
    title: &str,
    path: &str,
    reports: &[usize],
) -> Result<String, String> {
    let base = &archive.site.config.base_url;
    let mut idx: Vec<usize> = reports.to_vec();
    // Newest first; the keys are computed once per report (the site feed sorts them all).
    idx.sort_by_cached_key(|&i| {
        let r = archive.report(i);
        (
            std::cmp::Reverse(entry_date(r)),
            std::cmp::Reverse(r.year),
            r.agency.as_str(),
        )
    });
    idx.truncate(FEED_LENGTH);
    let entries: Vec<Value> = idx
        .iter()
        .map(|&i| -> Result<Value, String> {
            let r = archive.report(i);
            let name = archive
                .agency(&r.agency)
                .map_or(r.agency.clone(), |a| a.name.clone());
            let url = format!("{base}{}", urls::report(&r.agency, r.year));
            Ok(json!({
                "title": r.title(&name),
                "id": url,
                "link": url,
                "updated": format!("{}T00:00:00+08:00", entry_date(r)),
                "summary": archive.summary(i).map_err(|d| d.message)?,
                "author": name,
            }))
        })
        .collect::<Result<_, String>>()?;
    let updated = entries
        .first()
        .and_then(|e| e["updated"].as_str().map(str::to_string))
        .unwrap_or_else(|| "2019-01-01T00:00:00+08:00".into());
    let mut ctx = tera::Context::new();
    ctx.insert(
        "feed",
        &json!({
            "title": title,
            "id": format!("{base}{path}"),
            "self": format!("{base}{path}"),
            "link": base,
            "updated": updated,
            "entries": entries,
        }),
    );
    theme
        .tera
        .render("atom.xml", &ctx)
        .map_err(|e| format!("atom.xml: {e}"))
}

/// Writes the archive-wide feed.
pub fn write_site_feed(
    theme: &Theme,
    archive: &Archive<'_>,
    sink: &dyn Sink,
) -> Result<(), String> {
    let all: Vec<usize> = archive.by_year.values().flatten().copied().collect();
    sink.write(
        "feed.xml",
        feed(theme, archive, &archive.site.config.title, "feed.xml", &all)?.as_bytes(),
    )
}

/// Writes one agency's feed.
pub fn write_agency_feed(
    theme: &Theme,
    archive: &Archive<'_>,
    slug: &str,
    sink: &dyn Sink,
) -> Result<(), String> {
    let Some(a) = archive.agency(slug) else {
        return Ok(());
    };
    let idx = archive.by_agency.get(slug).cloned().unwrap_or_default();
    let path = format!("agencies/{slug}/feed.xml");
    let title = format!("{} - {}", a.name, archive.site.config.title);
    sink.write(&path, feed(theme, archive, &title, &path, &idx)?.as_bytes())
}

/// Writes the sitemap (split past 50,000 URLs) and robots.txt; returns how many files.
pub fn write_sitemap(
    archive: &Archive<'_>,
    pages: &[Page],
    sink: &dyn Sink,
) -> Result<usize, String> {
    let base = &archive.site.config.base_url;
    let urls: Vec<String> = pages
        .iter()
        .filter(|p| p.kind != PageKind::NotFound)
        .map(|p| format!("{base}{}", p.path))
        .collect();
    let files = sitemap_files(base, &urls, SITEMAP_LIMIT);
    for (name, text) in &files {
        sink.write(name, text.as_bytes())?;
    }
    sink.write(
        "robots.txt",
        format!("User-agent: *\nAllow: /\n\nSitemap: {base}sitemap.xml\n").as_bytes(),
    )?;
    Ok(files.len() + 1)
}

/// The sitemap files for `urls`: one `sitemap.xml`, or, past `limit` URLs, parts of `limit`
/// URLs each and a `sitemap.xml` index of them (the protocol's rule).
fn sitemap_files(base: &str, urls: &[String], limit: usize) -> Vec<(String, String)> {
    let urlset = |chunk: &[String]| {
        let mut s = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for u in chunk {
            s.push_str(&format!("<url><loc>{}</loc></url>\n", esc(u)));
        }
        s.push_str("</urlset>\n");
        s
    };
    if urls.len() <= limit {
        return vec![("sitemap.xml".to_string(), urlset(urls))];
    }
    let mut files = Vec::new();
    let mut index = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (n, chunk) in urls.chunks(limit).enumerate() {
        let name = format!("sitemap-{}.xml", n + 1);
        index.push_str(&format!(
            "<sitemap><loc>{}</loc></sitemap>\n",
            esc(&format!("{base}{name}"))
        ));
        files.push((name, urlset(chunk)));
    }
    index.push_str("</sitemapindex>\n");
    files.push(("sitemap.xml".to_string(), index));
    files
}

/// Writes the feeds, the sitemap and robots.txt; returns how many files.
pub fn write(
    theme: &Theme,
    archive: &Archive<'_>,
    pages: &[Page],
    sink: &dyn Sink,
) -> Result<usize, String> {
    use rayon::prelude::*;
    write_site_feed(theme, archive, sink)?;
    archive
        .agencies
        .par_iter()
        .try_for_each(|a| write_agency_feed(theme, archive, &a.slug, sink))?;
    Ok(1 + archive.agencies.len() + write_sitemap(archive, pages, sink)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locs(xml: &str) -> Vec<&str> {
        xml.split("<loc>")
            .skip(1)
            .filter_map(|s| s.split("</loc>").next())
            .collect()
    }

    /// The summary is the plain text's whitespace runs made one space, cut at the limit with
    /// `…` when more follows, however the text falls around the limit.
    #[test]
    fn a_summary_is_the_flattened_start_of_the_text() {
        let reference = |md: &str| {
            let flat = crate::render::markdown::to_text(md)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let mut out: String = flat.chars().take(SUMMARY_CHARS).collect();
            if flat.chars().count() > SUMMARY_CHARS {
                out.push('…');
            }
            out
        };
        let mut cases = vec![
            String::new(),
            "  \n\n ".to_string(),
            "## 标题\n\n正文**加粗**。\n\n- 一\n- 二".to_string(),
        ];
        for n in SUMMARY_CHARS - 3..SUMMARY_CHARS + 4 {
            for gap in ["", " ", "  \n", "\n\n"] {
                let word: String = "公开".chars().cycle().take(n).collect();
                cases.push(format!("  {word}{gap}"));
                cases.push(format!("{word}{gap}尾"));
                cases.push(format!(
                    "{}{gap}{}",
                    &word[..3 * (n / 2)],
                    &word[3 * (n / 2)..]
                ));
                cases.push(format!("*{word}*{gap}x y"));
            }
        }
        for md in &cases {
            assert_eq!(summary_text(md), reference(md), "{md:?}");
        }
        assert!(summary_text(&"字".repeat(500)).ends_with('…'));
    }

    #[test]
    fn a_sitemap_past_the_limit_is_split_with_an_index() {
        let base = "https://example.org/";
        let urls: Vec<String> = (0..5).map(|i| format!("{base}p{i}/index.html")).collect();

        let one = sitemap_files(base, &urls, 5);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].0, "sitemap.xml");
        assert!(one[0].1.contains("<urlset"));
        assert_eq!(
            locs(&one[0].1),
            urls.iter().map(String::as_str).collect::<Vec<_>>()
        );

        let split = sitemap_files(base, &urls, 2);
        let names: Vec<&str> = split.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "sitemap-1.xml",
                "sitemap-2.xml",
                "sitemap-3.xml",
                "sitemap.xml"
            ]
        );
        let (_, index) = &split[3];
        assert!(index.contains("<sitemapindex"));
        assert_eq!(
            locs(index),
            [
                "https://example.org/sitemap-1.xml",
                "https://example.org/sitemap-2.xml",
                "https://example.org/sitemap-3.xml"
            ]
        );
        // Every URL in exactly one part, in order, none over the limit.
        let parts: Vec<&str> = split[..3].iter().flat_map(|(_, x)| locs(x)).collect();
        assert_eq!(parts, urls.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(split[..3].iter().all(|(_, x)| locs(x).len() <= 2));
    }
}
