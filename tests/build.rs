//! `gongkai build` on the example archive and on purpose-made sites: links, determinism,
//! atomic output, template overrides, hostile content, languages.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use scraper::{Html, Selector};

fn build(site: &Path) -> std::process::Output {
    let out = common::gongkai(site, &["build"]);
    assert!(
        !common::stderr(&out).contains("panicked"),
        "{}",
        common::stderr(&out)
    );
    out
}

fn built_example() -> tempfile::TempDir {
    let site = common::example_site();
    let out = build(site.path());
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    site
}

fn html_files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| e.path().to_path_buf())
        .collect()
}

/// The element ids of a page.
fn page_ids(path: &Path) -> BTreeSet<String> {
    let ids = Selector::parse("[id]").unwrap();
    Html::parse_document(&std::fs::read_to_string(path).unwrap())
        .select(&ids)
        .filter_map(|e| e.value().attr("id").map(str::to_string))
        .collect()
}

/// Checks that every internal link, script, stylesheet and image of every page under
/// `public` resolves to a file inside it, and every `#fragment` to an element id of its
/// target; returns how many links were checked.
fn check_links(public: &Path) -> usize {
    use rayon::prelude::*;
    let pages = html_files(public);
    assert!(!pages.is_empty(), "no pages in {}", public.display());
    let root = public.canonicalize().unwrap();
    let sel = Selector::parse("a[href], link[href], script[src], img[src]").unwrap();
    let ids_cache: std::sync::Mutex<BTreeMap<PathBuf, std::sync::Arc<BTreeSet<String>>>> =
        Default::default();
    let ids_of = |p: &Path| {
        if let Some(ids) = ids_cache.lock().unwrap().get(p) {
            return ids.clone();
        }
        let ids = std::sync::Arc::new(page_ids(p));
        ids_cache
            .lock()
            .unwrap()
            .insert(p.to_path_buf(), ids.clone());
        ids
    };
    pages
        .par_iter()
        .filter(|page| !page.ends_with("404.html")) // its links are absolute (base_url path), checked separately
        .map(|page| {
            let doc = Html::parse_document(&std::fs::read_to_string(page).unwrap());
            let mut checked = 0;
            for el in doc.select(&sel) {
                let link = el
                    .value()
                    .attr("href")
                    .or_else(|| el.value().attr("src"))
                    .unwrap();
                if link.starts_with("http://")
                    || link.starts_with("https://")
                    || link.starts_with("mailto:")
                {
                    continue;
                }
                assert!(
                    !link.starts_with('/'),
                    "{}: absolute internal link {link}",
                    page.display()
                );
                let (file, frag) = link
                    .split_once('#')
                    .map_or((link, None), |(f, h)| (f, Some(h)));
                let target = if file.is_empty() {
                    page.clone()
                } else {
                    page.parent().unwrap().join(file)
                };
                let target = target
                    .canonicalize()
                    .unwrap_or_else(|_| panic!("{}: broken link {link}", page.display()));
                assert!(
                    target.starts_with(&root),
                    "{}: link leaves the site: {link}",
                    page.display()
                );
                assert!(
                    target.is_file(),
                    "{}: {link} is not a file (links must name index.html for file://)",
                    page.display()
                );
                if let Some(frag) = frag {
                    assert!(
                        ids_of(&target).contains(frag),
                        "{}: no element #{frag} in {}",
                        page.display(),
                        target.display()
                    );
                }
                checked += 1;
            }
            checked
        })
        .sum()
}

/// Every internal link, script, stylesheet and image of every page resolves to a file, and
/// every `#fragment` to an element id of that page.
#[test]
fn every_internal_link_and_asset_resolves() {
    let site = built_example();
    let public = site.path().join("public");
    assert!(html_files(&public).len() >= 20);
    let checked = check_links(&public);
    assert!(checked > 200, "only {checked} links checked");
    // Every page kind exists.
    for p in [
        "index.html",
        "404.html",
        "agencies/index.html",
        "years/index.html",
        "years/2021/index.html",
        "agencies/pingtan/index.html",
        "agencies/pingtan/compare.html",
        "agencies/pingtan/2021.html",
        "agencies/biaokou-town/2021.html",
        "quality/index.html",
        "data/quality.csv",
    ] {
        assert!(public.join(p).is_file(), "{p} missing");
    }
}

/// The same link check on any built site, e.g. the 10,000-report benchmark archive:
/// `GONGKAI_LINKCHECK_DIR=DIR/public cargo test --release --test build -- --ignored links_at_scale`
/// (bench/run.sh runs it).
#[test]
#[ignore]
fn links_at_scale() {
    let dir = std::env::var_os("GONGKAI_LINKCHECK_DIR")
        .expect("set GONGKAI_LINKCHECK_DIR to a built output folder");
    let checked = check_links(Path::new(&dir));
    println!("{checked} links checked in {}", Path::new(&dir).display());
}

#[test]
fn two_builds_are_byte_identical() {
    let a = built_example();
    let b = built_example();
    let sa = common::snapshot(&a.path().join("public"));
    let sb = common::snapshot(&b.path().join("public"));
    assert_eq!(sa.keys().collect::<Vec<_>>(), sb.keys().collect::<Vec<_>>());
    for (k, v) in &sa {
        assert!(sb[k] == *v, "{k} differs between builds");
    }
    // And a rebuild in place gives the same bytes too.
    let out = build(a.path());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(common::snapshot(&a.path().join("public")), sa);
}

#[test]
fn a_failed_build_leaves_the_previous_output_untouched() {
    let site = built_example();
    let public = site.path().join("public");
    let before = common::snapshot(&public);
    // Break a report: I4 fails.
    let p = site.path().join("content/pingtan/2022.md");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, text.replacen("[0, 1, 1, 0, 2]", "[0, 1, 1, 0, 9]", 1)).unwrap();
    let out = build(site.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(common::stderr(&out).contains("error[I4]"));
    assert!(common::stderr(&out).contains("previous output was left as it was"));
    assert_eq!(common::snapshot(&public), before);
    // A broken template: the same.
    std::fs::write(&p, text).unwrap();
    std::fs::create_dir_all(site.path().join("templates")).unwrap();
    std::fs::write(
        site.path().join("templates/report.html"),
        "{% extends \"base.html\" %}{% block main %}{{ p.title }{% endblock main %}",
    )
    .unwrap();
    let out = build(site.path());
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    assert!(
        common::stderr(&out).contains("templates/report.html"),
        "{}",
        common::stderr(&out)
    );
    assert_eq!(common::snapshot(&public), before);
    // No staging folder is left behind.
    let names: Vec<String> = std::fs::read_dir(site.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with(".gongkai-staging")),
        "{names:?}"
    );
}

#[test]
fn refuses_an_output_folder_it_did_not_create() {
    let site = common::example_site();
    std::fs::create_dir_all(site.path().join("public")).unwrap();
    std::fs::write(site.path().join("public/important.txt"), "mine").unwrap();
    let out = build(site.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        common::stderr(&out).contains("was not created by gongkai"),
        "{}",
        common::stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(site.path().join("public/important.txt")).unwrap(),
        "mine"
    );
    for bad in [".", "content", ".."] {
        let cfg = site.path().join("site.toml");
        let text = std::fs::read_to_string(&cfg).unwrap();
        let changed = text.replace(
            "output_dir = \"public\"",
            &format!("output_dir = \"{bad}\""),
        );
        std::fs::write(&cfg, &changed).unwrap();
        let out = build(site.path());
        assert_eq!(out.status.code(), Some(1), "{bad}");
        assert!(
            common::stderr(&out).contains("refusing output_dir"),
            "{bad}: {}",
            common::stderr(&out)
        );
        std::fs::write(&cfg, text).unwrap();
    }
}

#[test]
fn site_templates_and_static_files_override_the_theme() {
    let site = common::example_site();
    std::fs::create_dir_all(site.path().join("templates")).unwrap();
    std::fs::create_dir_all(site.path().join("static")).unwrap();
    std::fs::write(
        site.path().join("templates/404.html"),
        "{% extends \"base.html\" %}{% block main %}<h1>自定义的404页面</h1>{% endblock main %}",
    )
    .unwrap();
    std::fs::write(
        site.path().join("static/style.css"),
        "body { color: rebeccapurple; }",
    )
    .unwrap();
    std::fs::write(
        site.path().join("static/logo.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .unwrap();
    let out = build(site.path());
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let public = site.path().join("public");
    assert!(
        std::fs::read_to_string(public.join("404.html"))
            .unwrap()
            .contains("自定义的404页面")
    );
    assert_eq!(
        std::fs::read_to_string(public.join("static/style.css")).unwrap(),
        "body { color: rebeccapurple; }"
    );
    assert!(public.join("static/logo.svg").is_file());
    // Other templates still come from the theme.
    assert!(
        std::fs::read_to_string(public.join("index.html"))
            .unwrap()
            .contains("最新报告")
    );
}

#[test]
fn script_in_prose_and_metadata_is_inert() {
    let site = common::example_site();
    let p = site.path().join("content/biaokou-town/2021.md");
    let text = std::fs::read_to_string(&p).unwrap();
    let hostile = text
        .replacen("title = \"俵口镇2021年政府信息公开工作年度报告\"", "title = \"<script>alert('t')</script>标题\"", 1)
        .replacen("source = \"Word 文件（.docx），由报送单位提供\"", "source = \"<img src=x onerror=alert('s')>\"\nsource_url = \"https://example.org/?q=\\\"><script>alert('u')</script>\"", 1)
        .replacen(
            "## 五、存在的主要问题及改进情况\n",
            "## 五、存在的主要问题及改进情况\n\n<script>alert('b')</script><img src=x onerror=\"alert('e')\"><a href=\"javascript:alert('l')\" onclick=\"alert('c')\">链接</a><iframe src=\"https://evil.example\"></iframe>\n\n[md](javascript:alert('m'))\n",
            1,
        );
    std::fs::write(&p, hostile).unwrap();
    let agency = site.path().join("content/biaokou-town/agency.toml");
    let a = std::fs::read_to_string(&agency).unwrap();
    std::fs::write(
        &agency,
        a.replacen(
            "short_name = \"俵口镇\"",
            "short_name = \"<b onmouseover=alert('n')>俵口镇</b>\"",
            1,
        ),
    )
    .unwrap();
    let out = build(site.path());
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    for page in html_files(&site.path().join("public")) {
        let html = std::fs::read_to_string(&page).unwrap();
        let doc = Html::parse_document(&html);
        // No script element other than the theme's own, no event handler, no javascript: URL.
        // Only the theme's own scripts, and inert JSON data blocks.
        for el in doc.select(&Selector::parse("script").unwrap()) {
            let own = el.value().attr("src").is_some_and(|s| {
                ["static/sort.js", "static/search.js", "static/filter.js"]
                    .iter()
                    .any(|own| s.ends_with(own))
            });
            let data = el.value().attr("type") == Some("application/json");
            assert!(own || data, "{}: inline script", page.display());
        }
        for el in doc.select(&Selector::parse("*").unwrap()) {
            for (name, value) in el.value().attrs() {
                assert!(
                    !name.starts_with("on"),
                    "{}: event handler {name}",
                    page.display()
                );
                assert!(
                    !value
                        .trim_start()
                        .to_ascii_lowercase()
                        .starts_with("javascript:"),
                    "{}: {name}={value}",
                    page.display()
                );
            }
            assert_ne!(el.value().name(), "iframe", "{}", page.display());
        }
    }
    let report =
        std::fs::read_to_string(site.path().join("public/agencies/biaokou-town/2021.html"))
            .unwrap();
    assert!(
        report.contains("&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;标题")
            || report.contains("&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;标题"),
        "the title is shown as text"
    );
}

#[test]
fn english_site_uses_english_labels() {
    let site = common::example_site();
    let cfg = site.path().join("site.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        text.replace("language = \"zh-CN\"", "language = \"en\""),
    )
    .unwrap();
    let out = build(site.path());
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let report =
        std::fs::read_to_string(site.path().join("public/agencies/pingtan/2021.html")).unwrap();
    assert!(report.contains("<html lang=\"en\""));
    assert!(
        report.contains("III. Disclosure applications received and handled"),
        "section titles in English"
    );
    assert!(
        report.contains("Natural persons") && report.contains("(7) Total"),
        "table labels from the format description"
    );
    assert!(report.contains("Disclosure rate"));
    let home = std::fs::read_to_string(site.path().join("public/index.html")).unwrap();
    assert!(home.contains("Latest reports"));
}

/// The seed township's report page, as a snapshot (review with `cargo insta review`).
#[test]
fn seed_township_report_page() {
    let site = built_example();
    let html = std::fs::read_to_string(site.path().join("public/agencies/biaokou-town/2021.html"))
        .unwrap();
    insta::assert_snapshot!("biaokou_town_2021_report_page", html);
}

/// Derived rates on real reports: 平潭 2021 公开率 = (30 + 5) / 69; 上海 2019 has blank 总计 cells,
/// so its rate is "—", never a wrong number.
#[test]
fn rates_on_the_example_reports() {
    let site = built_example();
    let read = |p: &str| std::fs::read_to_string(site.path().join("public").join(p)).unwrap();
    let pt = read("agencies/pingtan/2021.html");
    assert!(pt.contains("50.72%"), "平潭 2021 公开率");
    let pt22 = read("agencies/pingtan/2022.html");
    // 新收申请同比变化: (74 − 70) / 70 = 5.71%.
    assert!(pt22.contains("5.71%"));
    // 行政复议纠错率 2022: 1 / (2 − 0) = 50.00%.
    assert!(pt22.contains("50.00%"));
    let sh = read("agencies/shanghai-gov-office/2019.html");
    let doc = Html::parse_document(&sh);
    let sel = Selector::parse(".rate-list dd strong").unwrap();
    let first = doc.select(&sel).next().unwrap().text().collect::<String>();
    assert_eq!(
        first, "—",
        "上海 2019 公开率 cannot be computed from blank cells"
    );
    assert!(!sh.contains("NaN"));
}

/// The comparison across years lists every figure that is not 0 in every year and counts the
/// rest, and never lists cells no year's format has; a report's comparison with last year
/// lists the key figures (with both years' values) and points to it.
#[test]
fn comparisons_list_figures_and_count_the_zero_ones() {
    let site = built_example();
    let read = |p: &str| std::fs::read_to_string(site.path().join("public").join(p)).unwrap();
    let rows = Selector::parse("tbody tr").unwrap();
    let cells = Selector::parse("td").unwrap();
    let page = "agencies/pingtan/compare.html";
    let html = read(page);
    let doc = Html::parse_document(&html);
    let t = doc
        .select(&Selector::parse("table.compare").unwrap())
        .next()
        .expect("comparison table");
    let mut listed = 0;
    let mut group = String::new();
    for tr in t.select(&rows) {
        let values: Vec<String> = tr
            .select(&cells)
            .map(|c| c.text().collect::<String>())
            .collect();
        if tr.value().attr("class") == Some("group") {
            group = tr.text().collect();
        }
        // Key figures and rates are always listed; the cells of the tables are not.
        if values.is_empty() || group == "主要指标" || group == "派生比率" {
            continue;
        }
        listed += 1;
        let shown: Vec<&String> = values
            .iter()
            .filter(|v| *v != "—" && *v != "不可比")
            .collect();
        assert!(
            !shown.iter().all(|v| *v == "0" || *v == "0.00%"),
            "{page}: a row of zeros is listed: {values:?}"
        );
        assert!(
            !values.iter().all(|v| v == "不可比" || v == "—"),
            "{page}: a row no year has: {values:?}"
        );
    }
    assert!(listed > 10, "{page}: {listed} rows");
    let n: usize = html
        .split("另有")
        .nth(1)
        .and_then(|r| r.split("项在各年度均为0").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{page}: no count of omitted zeros"));
    assert!(n > 0, "{page}");

    // The report page: the key figures of both years, each as the comparison page has it.
    let report = Html::parse_document(&read("agencies/pingtan/2022.html"));
    let versus = report
        .select(&Selector::parse("section.versus").unwrap())
        .next()
        .expect("comparison with last year");
    let link = versus
        .select(&Selector::parse("a").unwrap())
        .next()
        .and_then(|a| a.value().attr("href"))
        .expect("link to the comparison across years");
    assert_eq!(link, "../../agencies/pingtan/compare.html");
    // The rows under 主要指标 (the whole table on the report page).
    let key_rows = |doc: &Html, sel: &str| -> Vec<(String, Vec<String>)> {
        let table = doc.select(&Selector::parse(sel).unwrap()).next().unwrap();
        let mut group = if sel.starts_with("section.versus") {
            "主要指标".to_string()
        } else {
            String::new()
        };
        let mut out = Vec::new();
        for tr in table.select(&rows) {
            if tr.value().attr("class") == Some("group") {
                group = tr.text().collect();
                continue;
            }
            if group != "主要指标" {
                continue;
            }
            let label: String = tr
                .select(&Selector::parse("th").unwrap())
                .map(|c| c.text().collect::<String>())
                .collect();
            let values = tr.select(&cells).map(|c| c.text().collect()).collect();
            out.push((label, values));
        }
        out
    };
    let mine = key_rows(&report, "section.versus table");
    let all = key_rows(&doc, "table.compare");
    assert!(mine.len() >= 10, "{mine:?}");
    assert_eq!(mine.len(), all.len(), "every key figure");
    // The comparison page's columns are 2019..2023 here; 2021 and 2022 are the 3rd and 4th.
    let years: Vec<String> = t
        .select(&Selector::parse("thead th a").unwrap())
        .map(|a| a.text().collect())
        .collect();
    let at = |y: &str| years.iter().position(|x| x == y).expect(y);
    let (p, c) = (at("2021年"), at("2022年"));
    for ((label, v), (label_all, w)) in mine.iter().zip(&all) {
        assert_eq!(label, label_all);
        assert_eq!((&v[0], &v[1]), (&w[p], &w[c]), "{label}");
    }
    // Only the key figures: no table cell of the report is listed again.
    assert_eq!(versus.select(&rows).count(), mine.len(), "the key figures");
}

/// Nothing on a page may read as a figure it is not: a footnote mark in a blank cell says
/// "blank" in words and names itself a note (说明1, not a bare digit after a number); the
/// signs of summary tables are explained in visible text; the home chart compares like with
/// like and says what it covers.
#[test]
fn marks_and_signs_are_explained_in_words() {
    let site = built_example();
    let public = site.path().join("public");
    let read = |p: &str| std::fs::read_to_string(public.join(p)).unwrap();
    let report = read("agencies/shanghai-gov-office/2019.html");
    let marked_blank = regex_lite_cells(&report, "empty ack");
    assert!(
        !marked_blank.is_empty(),
        "the 2019 report has marked blank cells"
    );
    for cell in &marked_blank {
        if cell.contains("class=\"mark\"") {
            assert!(
                cell.contains("<span class=\"blank-word\">空白</span>"),
                "{cell}"
            );
            assert!(cell.contains(">说明"), "{cell}");
        }
    }
    for page in [
        "index.html",
        "years/2021/index.html",
        "agencies/pingtan/index.html",
        "agencies/pingtan/compare.html",
    ] {
        let html = read(page);
        assert!(
            html.contains("<ul class=\"legend\"") && html.contains("数字后的 *"),
            "{page} explains its signs"
        );
    }
    let home = read("index.html");
    // No agency of the example has a report in every year: medians, and the reason said.
    assert!(
        home.contains("各年度每个机关的主要指标（中位数）"),
        "chart title"
    );
    assert!(
        home.contains("本库没有每个年度都有报告的机关"),
        "chart definition"
    );
    assert!(
        home.contains("图中各年度涵盖：2019年 2 份年度报告"),
        "coverage per year"
    );
}

/// The `<td …>` cells of a page whose class attribute is exactly `class`.
fn regex_lite_cells(html: &str, class: &str) -> Vec<String> {
    let open = format!("class=\"{class}\"");
    html.split("<td")
        .skip(1)
        .filter(|c| {
            c.split('>')
                .next()
                .is_some_and(|attrs| attrs.contains(&open))
        })
        .map(|c| c.split("</tr>").next().unwrap_or("").to_string())
        .collect()
}

/// With agencies that reported in every year, the home chart sums exactly theirs.
#[test]
fn the_home_chart_sums_the_agencies_present_every_year() {
    let site = common::example_site();
    let content = site.path().join("content");
    // Only 平潭 with its 2021 and 2022 reports is left: one agency present in every year.
    for a in [
        "shanghai-gov-office",
        "biaokou-town",
        "shuyang-fgj",
        "huaian-city",
    ] {
        std::fs::remove_dir_all(content.join(a)).unwrap();
    }
    std::fs::remove_file(content.join("pingtan/2019.md")).unwrap();
    let out = common::gongkai_zh(site.path(), &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let home = std::fs::read_to_string(site.path().join("public/index.html")).unwrap();
    assert!(
        home.contains("各年度均有报告的 1 个机关：主要指标合计"),
        "chart title"
    );
    assert!(home.contains("图中各年度涵盖：2021年 1 份年度报告；2022年 1 份年度报告"));
}

/// 数据质量: every finding of the archive's reports, acknowledged ones with the agency's note
/// and a link to the numbered note on the report page, warnings as 提示, filters by year,
/// level, agency and check, a count per agency, and the same list as data/quality.csv.
#[test]
fn the_data_quality_page_lists_every_finding_with_its_report() {
    let site = built_example();
    let public = site.path().join("public");
    let page = std::fs::read_to_string(public.join("quality/index.html")).unwrap();
    // The example's 16 acknowledged findings, no warning.
    assert_eq!(page.matches("<tr data-year=").count(), 16, "{page}");
    assert!(page.contains("共16项：16项为原报告的不一致"), "{page}");
    assert!(page.contains(
        "data-year=\"2021\" data-level=\"市级\" data-agency=\"pingtan\" data-check=\"D2\""
    ));
    for (href, id) in [
        ("agencies/pingtan/2021.html#note-1", "note-1"),
        ("agencies/shanghai-gov-office/2019.html#note-13", "note-13"),
    ] {
        assert!(
            page.contains(&format!("href=\"../{href}\"")),
            "{href}: {page}"
        );
        let (file, _) = href.split_once('#').unwrap();
        let target = std::fs::read_to_string(public.join(file)).unwrap();
        assert!(
            target.contains(&format!("id=\"{id}\"")),
            "{href} has its note"
        );
    }
    for filter in [
        "data-key=\"year\"",
        "data-key=\"level\"",
        "data-key=\"agency\"",
        "data-key=\"check\"",
    ] {
        assert!(page.contains(filter), "{filter}");
    }
    assert!(
        page.contains("<option value=\"D2\">D2 逾期发布</option>"),
        "{page}"
    );
    assert!(
        page.contains("上海市人民政府办公厅</a><td>13<td>0</tr>"),
        "per agency: {page}"
    );
    let csv = std::fs::read_to_string(public.join("data/quality.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let records: Vec<csv::StringRecord> = rows.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), 16);
    assert_eq!(&records[0][4], "D2");
    assert_eq!(&records[0][6], "发布日期");
    assert_eq!(&records[0][9], "../agencies/pingtan/2021.html#note-1");
    // An unexplained warning is listed as 提示 with its message.
    let report = site.path().join("content/pingtan/2021.md");
    let text = std::fs::read_to_string(&report).unwrap();
    let start = text.find("\n[[acknowledged]]\ncheck = \"D2\"").unwrap();
    let end = start + text[start..].find("\n+++\n").unwrap();
    std::fs::write(&report, format!("{}{}", &text[..start], &text[end..])).unwrap();
    let out = build(site.path());
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let page = std::fs::read_to_string(public.join("quality/index.html")).unwrap();
    assert!(page.contains("<td class=\"nowrap\">提示<td"), "{page}");
    assert!(
        page.contains("href=\"../agencies/pingtan/2021.html\""),
        "{page}"
    );
}

/// Peer benchmarks: a report page says where each rate stands among the other agencies of
/// the same level and year (the share with a lower value, with their number), the agency
/// page gives it for every year, and each year
/// page gives the quartiles of every key figure and rate per level.
#[test]
fn report_and_agency_pages_show_where_each_rate_stands_among_peers() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    gongkai::synth::generate(
        &gongkai::synth::Options {
            agencies: 40,
            years: 2,
            seed: 3,
            ..Default::default()
        },
        &site,
    )
    .unwrap();
    let out = build(&site);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let loaded = gongkai::load::load_site(&site).unwrap();
    let f = gongkai::format::formats();
    let rate = f.rates.iter().find(|r| r.id == "disclosure_rate").unwrap();
    let level = |slug: &str| {
        let a = loaded
            .site
            .agencies
            .iter()
            .find(|a| a.slug == slug)
            .unwrap();
        (a.level, a.tier)
    };
    // A report with at least five peers of its level and year that have the rate.
    let reports = &loaded.site.reports;
    let value = |r: &gongkai::model::Report| gongkai::derive::Metrics::of(r, None).rate(rate);
    let (r, peers) = reports
        .iter()
        .filter(|r| value(r).is_some())
        .map(|r| {
            let peers: Vec<_> = reports
                .iter()
                .filter(|p| {
                    p.year == r.year && p.path != r.path && level(&p.agency) == level(&r.agency)
                })
                .filter_map(value)
                .collect();
            (r, peers)
        })
        .find(|(_, p)| p.len() >= 5)
        .expect("a report with five peers");
    let mine = value(r).unwrap();
    let below = peers.iter().filter(|&&v| v < mine).count();
    let pct = below * 100 / peers.len();
    let page =
        std::fs::read_to_string(site.join(format!("public/agencies/{}/{}.html", r.agency, r.year)))
            .unwrap();
    let expected = format!("高于同级 {pct}% 的机关（{}年", r.year);
    assert!(page.contains(&expected), "{expected}\n{page}");
    assert!(
        page.contains(&format!("另有 {} 个机关可比", peers.len())),
        "{page}"
    );
    // The agency page: the same standing in its year's row, in the rate's column.
    let agency =
        std::fs::read_to_string(site.join(format!("public/agencies/{}/index.html", r.agency)))
            .unwrap();
    let table = &agency[agency.find("id=\"standing-h\"").expect("a standing table")..];
    let row_start = table
        .find(&format!(
            "<tr><th scope=\"row\"><a href=\"../../agencies/{}/{}.html\"",
            r.agency, r.year
        ))
        .expect("a row for the report's year");
    let row = &table[row_start..row_start + table[row_start..].find("</tr>").unwrap()];
    let cells: Vec<&str> = row.split("<td class=\"num\">").skip(1).collect();
    let k = f.rates.iter().position(|x| x.id == rate.id).unwrap();
    assert_eq!(cells.len(), f.rates.len(), "{row}");
    assert_eq!(cells[k], format!("高于 {pct}%（{}）", peers.len()), "{row}");
    let year =
        std::fs::read_to_string(site.join(format!("public/years/{}/index.html", r.year))).unwrap();
    assert!(
        year.contains("同级分布") && year.contains("中位数"),
        "{year}"
    );
}

/// The parse cache (`.gongkai/reports.cache`) changes nothing but the time: a check and a
/// build from it give, byte for byte, what they give from the files; an edited report is read
/// again, not taken from the cache; a damaged cache is ignored and replaced.
#[test]
fn the_parse_cache_changes_nothing_but_the_time() {
    let site = common::example_site();
    let dir = site.path();
    let cache = dir.join(".gongkai/reports.cache");
    let check = |dir: &Path| common::stdout(&common::gongkai(dir, &["check", "--format", "json"]));
    let fresh = check(dir);
    assert!(cache.is_file(), "the first run writes the cache");
    let written = std::fs::read(&cache).unwrap();
    assert_eq!(check(dir), fresh, "a check from the cache");
    assert_eq!(
        std::fs::read(&cache).unwrap(),
        written,
        "an unchanged site does not rewrite the cache"
    );
    // The model itself, report by report.
    let loaded = |dir: &Path| {
        let l = gongkai::load::load_site(dir).unwrap();
        format!("{:?}{:?}", l.site.reports, l.diagnostics)
    };
    let from_cache = loaded(dir);
    std::fs::remove_file(&cache).unwrap();
    assert_eq!(
        loaded(dir),
        from_cache,
        "parsed and cached reports are equal"
    );

    // A build from the cache equals a build from the files.
    assert_eq!(build(dir).status.code(), Some(0));
    let cold = common::snapshot(&dir.join("public"));
    assert!(cache.is_file());
    std::fs::remove_dir_all(dir.join("public")).unwrap();
    assert_eq!(build(dir).status.code(), Some(0));
    assert_eq!(common::snapshot(&dir.join("public")), cold);

    // An edit: 本年新收 total 74 → 75 breaks the identity, and the check says so.
    common::replace_in(
        &dir.join("content/pingtan/2022.md"),
        "= [71, 3, 0, 0, 0, 0, 74]",
        "= [71, 3, 0, 0, 0, 0, 75]",
    );
    let edited = check(dir);
    assert_ne!(edited, fresh);
    assert!(
        edited.contains("\"code\": \"I1\"") && edited.contains("本年新收申请 75"),
        "{edited}"
    );
    common::replace_in(
        &dir.join("content/pingtan/2022.md"),
        "= [71, 3, 0, 0, 0, 0, 75]",
        "= [71, 3, 0, 0, 0, 0, 74]",
    );
    assert_eq!(check(dir), fresh, "back as it was");

    // A damaged cache: ignored, then written again.
    std::fs::write(&cache, b"GKCACHE1 not a cache").unwrap();
    assert_eq!(check(dir), fresh);
    assert!(std::fs::read(&cache).unwrap().len() > 1000);
    let mut bytes = std::fs::read(&cache).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xFF;
    std::fs::write(&cache, &bytes).unwrap();
    assert_eq!(check(dir), fresh);
}

/// A changed report's new entry is appended to the parse cache (the file is not rewritten
/// whole), and the cache is written anew once a quarter of it is old versions; the model read
/// from it is always the model read from the files.
#[test]
fn the_parse_cache_grows_by_appending_and_is_compacted() {
    let site = common::example_site();
    let dir = site.path();
    let cache = dir.join(".gongkai/reports.cache");
    let loaded = |dir: &Path| {
        let l = gongkai::load::load_site(dir).unwrap();
        format!("{:?}{:?}", l.site.reports, l.diagnostics)
    };
    let first = loaded(dir);
    let whole = std::fs::read(&cache).unwrap();
    let report = dir.join("content/pingtan/2021.md");
    let mut sizes = vec![whole.len()];
    for n in 1..=3 {
        let text = std::fs::read_to_string(&report).unwrap();
        std::fs::write(&report, format!("{text}\n第{n}次补充说明。\n")).unwrap();
        let from_cache = loaded(dir);
        assert_ne!(from_cache, first);
        let bytes = std::fs::read(&cache).unwrap();
        sizes.push(bytes.len());
        if n < 3 {
            // Appended: every byte after the header (magic, parser, checksum) is kept.
            assert!(bytes.len() > whole.len(), "{sizes:?}");
            assert_eq!(bytes[40..whole.len()], whole[40..], "edit {n}: rewritten");
        } else {
            // Three old versions of seven reports: written anew, without them.
            assert!(
                bytes.len() < sizes[n - 1],
                "edit {n}: not compacted: {sizes:?}"
            );
        }
        std::fs::remove_file(&cache).unwrap();
        assert_eq!(loaded(dir), from_cache, "edit {n}: cache and files agree");
        // Back to the cache this edit found, for the next one.
        std::fs::write(&cache, &bytes).unwrap();
    }
}

/// A `.gongkai` that is a link (to anywhere) is never written through.
#[cfg(unix)]
#[test]
fn a_linked_cache_folder_is_not_written() {
    let site = common::example_site();
    let elsewhere = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), site.path().join(".gongkai")).unwrap();
    let out = common::gongkai(site.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
}

/// `check` and `build` load the reports without their texts (the texts of 50,000 reports are
/// 480 MB) and read a file again only when a diagnostic needs its lines or a page its prose:
/// the findings and their places are the same as with every text held (a file with a BOM
/// included), the diagnostics print the cited files' lines, and a file changed or removed
/// after loading is never taken for the one checked: its findings come with an error naming
/// it, and its prose is refused.
#[test]
fn reports_are_read_again_only_for_findings_and_pages_and_a_change_meanwhile_is_refused() {
    use gongkai::load::{Texts, load_site, load_site_with};
    let site = common::example_site();
    let reports = common::report_files(site.path());
    let with_bom = &reports[0];
    let text = std::fs::read(with_bom).unwrap();
    std::fs::write(with_bom, [b"\xEF\xBB\xBF".as_slice(), &text].concat()).unwrap();
    let held = load_site(site.path()).unwrap();
    let held_diags = gongkai::check::check(&held);
    let mut lean = load_site_with(site.path(), Texts::Released).unwrap();
    assert!(
        lean.site
            .reports
            .iter()
            .all(|r| r.source.is_empty() && r.held_prose().is_none())
    );
    let lean_diags = gongkai::check::check(&lean);
    assert_eq!(lean_diags.items, held_diags.items);
    let placed: Vec<&gongkai::diag::Diagnostic> = lean_diags
        .items
        .iter()
        .filter(|d| d.line > 0 && d.file.ends_with(".md"))
        .collect();
    assert!(placed.len() >= 3, "the example has findings with places");
    gongkai::load::cite_texts(&mut lean, &lean_diags);
    let mut printed = 0;
    for d in lean_diags.shown().filter(|d| d.file.ends_with(".md")) {
        assert_eq!(
            lean.sources.get(&d.file),
            held.sources.get(&d.file),
            "{}",
            d.file
        );
        printed += 1;
    }
    assert!(printed >= 3);
    // Where the cells are written goes once the findings are made; the values stay.
    for (l, h) in lean.site.reports.iter().zip(&held.site.reports) {
        assert_eq!(l.tables.len(), h.tables.len(), "{}", l.path);
        for (a, b) in l.tables.iter().zip(&h.tables) {
            let cells = |t: &gongkai::model::TableData| -> Vec<gongkai::model::Cell> {
                t.cells().collect()
            };
            // Every read cell's place: empty once forgotten, kept where the texts are held.
            let places = |t: &gongkai::model::TableData| -> Vec<gongkai::model::Span> {
                t.rows()
                    .enumerate()
                    .flat_map(|(ri, r)| (0..r.map_or(0, |r| r.len())).map(move |p| (ri, p)))
                    .map(|(ri, p)| t.cell_span(ri, p))
                    .collect()
            };
            assert!(
                places(a).iter().all(|s| *s == Default::default()),
                "{}",
                l.path
            );
            assert_eq!(places(b).len(), cells(b).len(), "{}", l.path);
            assert!(places(b).iter().all(|s| s.end > s.start), "{}", l.path);
            assert_eq!(cells(a), cells(b), "{}", l.path);
        }
    }
    let archive = gongkai::render::Archive::new(&lean.site, &lean_diags.items);
    for (i, r) in held.site.reports.iter().enumerate() {
        let prose = archive.prose(i).unwrap();
        assert_eq!(prose.body(), r.held_prose().unwrap().body(), "{}", r.path);
    }
    // Loaded, then a cited report edited and another removed before they are read again.
    let cited = placed[0].file.clone();
    let lean = load_site_with(site.path(), Texts::Released).unwrap();
    let path = |rel: &str| site.path().join(rel);
    let mut edited = std::fs::read_to_string(path(&cited)).unwrap();
    edited.insert(0, '\n');
    std::fs::write(path(&cited), edited).unwrap();
    let removed = lean
        .site
        .reports
        .iter()
        .map(|r| r.path.clone())
        .find(|p| *p != cited)
        .unwrap();
    std::fs::remove_file(path(&removed)).unwrap();
    let diags = gongkai::check::check(&lean);
    let changed: Vec<&gongkai::diag::Diagnostic> =
        diags.items.iter().filter(|d| d.code == "changed").collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].file, cited);
    assert!(diags.has_errors());
    let archive = gongkai::render::Archive::new(&lean.site, &diags.items);
    for rel in [&cited, &removed] {
        let i = lean
            .site
            .reports
            .iter()
            .position(|r| r.path == *rel)
            .unwrap();
        let err = archive.prose(i).err().expect("refused");
        assert_eq!(err.file, *rel);
        assert!(err.message.contains(rel.as_str()), "{}", err.message);
    }
}

/// The search index spills its posting lists to a temporary file: when none can be made, the
/// build stops with an error naming where and how to choose another place, and the site
/// built before stays as it was.
#[test]
fn a_temporary_folder_that_cannot_be_written_stops_the_build_and_says_where() {
    let site = common::example_site();
    assert_eq!(build(site.path()).status.code(), Some(0));
    let home = site.path().join("public/index.html");
    let before = std::fs::read(&home).unwrap();
    let nowhere = site.path().join("no-such-folder");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args(["build", "--full"])
        .current_dir(site.path())
        .env("NO_COLOR", "1")
        .env("LANG", "zh_CN.UTF-8")
        .env_remove("LC_ALL")
        .env("TMPDIR", &nowhere)
        .output()
        .unwrap();
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("搜索索引的临时文件") && err.contains("TMPDIR"),
        "{err}"
    );
    assert!(err.contains(&nowhere.display().to_string()), "{err}");
    assert_eq!(std::fs::read(&home).unwrap(), before);
}
