//! Chinese full-text search in headless Chromium against sites served on 127.0.0.1: queries a
//! reader would type on the example archive, and a recall test on a generated archive.

mod common;

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

fn tools() -> bool {
    common::tool_available(Path::new("/usr/bin/chromium"), "chromium")
        && common::tool_available(
            &common::repo().join("tests/browser/node_modules/playwright-core"),
            "playwright-core (npm install in tests/browser)",
        )
}

fn run_search(public: &Path, queries: Value) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let qf = dir.path().join("q.json");
    let rf = dir.path().join("r.json");
    std::fs::write(&qf, queries.to_string()).unwrap();
    let out = Command::new("node")
        .arg(common::repo().join("tests/browser/search.mjs"))
        .arg(public)
        .arg(&qf)
        .arg(&rf)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}{}",
        common::stdout(&out),
        common::stderr(&out)
    );
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&rf).unwrap()).unwrap();
    assert_eq!(r["errors"], json!([]), "JavaScript errors");
    r
}

#[test]
fn readers_queries_find_the_right_reports_with_highlighted_snippets() {
    if !tools() {
        return;
    }
    let site = common::example_site();
    let out = common::gongkai(site.path(), &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let queries = [
        // Prose of the seed township (俵口镇 2021), section 五.
        ("政务新媒体", "agencies/biaokou-town/2021.html#section-5"),
        // A 2019-format report (上海市人民政府办公厅 2019), section 一.
        (
            "顺延至下一年度",
            "agencies/shanghai-gov-office/2019.html#section-1",
        ),
        // An agency name (title and agency metadata).
        ("沭阳县发展和改革局", "agencies/shuyang-fgj/2023.html"),
        // Mixed digits and Chinese, and a phrase with a fee figure.
        ("2021年全区", "agencies/pingtan/2021.html#section-1"),
        (
            "信息处理费3940元",
            "agencies/huaian-city/2024.html#section-6",
        ),
    ];
    let r = run_search(
        &site.path().join("public"),
        json!({
            "queries": queries.iter().map(|q| q.0).chain(["完全不存在的词语"]).collect::<Vec<_>>(),
            "urls": ["?q=政府信息公开", "?q=政府信息公开&year=2019", "?q=政府信息公开&level=township"],
        }),
    );
    // Filters by year and by level keep exactly the matching reports.
    let urls = |u: &str| -> Vec<String> {
        r["urls"][u]["results"]
            .as_array()
            .unwrap_or_else(|| panic!("{u}: {r}"))
            .iter()
            .map(|h| h.as_str().unwrap().to_string())
            .collect()
    };
    let all = urls("?q=政府信息公开");
    let in_2019 = urls("?q=政府信息公开&year=2019");
    let townships = urls("?q=政府信息公开&level=township");
    assert!(
        all.len() > in_2019.len() && !in_2019.is_empty(),
        "{all:?} / {in_2019:?}"
    );
    assert!(
        in_2019.iter().all(|u| u.contains("/2019.html")),
        "{in_2019:?}"
    );
    assert_eq!(
        in_2019.len(),
        all.iter().filter(|u| u.contains("/2019.html")).count(),
        "{all:?} / {in_2019:?}"
    );
    assert!(!townships.is_empty(), "{all:?}");
    assert!(
        townships.iter().all(|u| u.contains("/biaokou-town/")),
        "only the township is of level township: {townships:?}"
    );
    for (q, expected) in queries {
        let res = &r["queries"][q];
        let hits = res["results"]
            .as_array()
            .unwrap_or_else(|| panic!("{q}: {res}"));
        let hit = hits
            .iter()
            .find(|h| h["href"].as_str().is_some_and(|u| u.ends_with(expected)))
            .unwrap_or_else(|| panic!("{q}: {expected} not among {hits:#?}"));
        // The snippet (or the title, for a name) highlights the query.
        let highlighted = hit["snippet"]
            .as_str()
            .unwrap()
            .contains(&format!("<mark>{q}</mark>"))
            || hit["title"].as_str().unwrap().contains(q);
        assert!(highlighted, "{q}: {hit}");
        assert!(res["status"].as_str().unwrap().contains("找到"), "{res}");
    }
    let none = &r["queries"]["完全不存在的词语"];
    assert_eq!(none["results"], json!([]));
    assert!(
        none["status"].as_str().unwrap().contains("没有找到"),
        "{none}"
    );
}

/// 200 random substrings (2–6 characters) of the prose of a generated archive: each finds
/// the report it was taken from.
#[test]
fn recall_on_a_generated_archive() {
    if !tools() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let opts = gongkai::synth::Options {
        agencies: 60,
        years: 4,
        first_year: 2020,
        seed: 7,
    };
    gongkai::synth::generate(&opts, tmp.path()).unwrap();
    let out = common::gongkai(tmp.path(), &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    // Sample from the text readers see (Markdown rendered to text), as the index does.
    let loaded = gongkai::load::load_site(tmp.path()).unwrap();
    let mut rng = gongkai::synth::Rng::new(2026);
    let mut samples: Vec<(String, String)> = Vec::new();
    while samples.len() < 200 {
        let r = &loaded.site.reports[rng.below(loaded.site.reports.len() as u64) as usize];
        let prose = r.held_prose().unwrap();
        let text: String = r
            .sections
            .iter()
            .map(|s| gongkai::render::markdown::to_text(prose.section(s)))
            .collect();
        let chars: Vec<char> = text.chars().collect();
        let len = 2 + rng.below(5) as usize;
        if chars.len() <= len {
            continue;
        }
        let start = rng.below((chars.len() - len) as u64) as usize;
        let q: String = chars[start..start + len].iter().collect();
        if q.chars().any(char::is_whitespace) {
            continue;
        }
        samples.push((q, gongkai::render::urls::report(&r.agency, r.year)));
    }
    let r = run_search(
        &tmp.path().join("public"),
        json!({ "recall": samples.iter().map(|s| &s.0).collect::<Vec<_>>() }),
    );
    let mut missed = Vec::new();
    for (q, url) in &samples {
        let found = r["recall"][q]
            .as_array()
            .is_some_and(|v| v.iter().any(|u| u == url));
        if !found {
            missed.push(format!("{q} → {url}"));
        }
    }
    assert!(
        missed.is_empty(),
        "{} of 200 missed: {missed:?}",
        missed.len()
    );
}
