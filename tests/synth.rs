//! The synthetic archive generator: its archives pass `check` with exactly the
//! inconsistencies it generated (acknowledged), and build into a site whose links resolve.

mod common;

use gongkai::diag::Severity;
use gongkai::synth::{Options, generate};

#[test]
fn generated_archive_checks_to_exactly_its_acknowledged_inconsistencies() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = Options {
        agencies: 120,
        years: 5,
        first_year: 2019,
        seed: 42,
    };
    let g = generate(&opts, tmp.path()).unwrap();
    assert_eq!(g.reports, 600);
    assert!(
        g.acknowledged.len() >= 5,
        "some inconsistencies are generated: {}",
        g.acknowledged.len()
    );
    for kind in ["D1", "I4", "X2", "D2", "X4"] {
        assert!(
            g.acknowledged.iter().any(|a| a.1 == kind),
            "no {kind} generated"
        );
    }
    let loaded = gongkai::load::load_site(tmp.path()).expect("loads");
    let diags = gongkai::check::check(&loaded);
    let not_ack: Vec<String> = diags
        .items
        .iter()
        .filter(|d| d.severity != Severity::Acknowledged)
        .map(|d| format!("{} {} {}", d.location(), d.code, d.message))
        .collect();
    assert!(not_ack.is_empty(), "{not_ack:#?}");
    let mut found: Vec<(String, String, String)> = diags
        .items
        .iter()
        .map(|d| {
            (
                d.file.clone(),
                d.code.clone(),
                d.at.clone().unwrap_or_default(),
            )
        })
        .collect();
    found.sort();
    let mut expected = g.acknowledged.clone();
    expected.sort();
    assert_eq!(found, expected);
    // Prose is about 4 KB per report.
    let avg = g.prose.iter().map(|(_, t)| t.len()).sum::<usize>() / g.prose.len();
    assert!((3000..6000).contains(&avg), "average prose {avg} bytes");
    // Deterministic by seed.
    let tmp2 = tempfile::tempdir().unwrap();
    generate(&opts, tmp2.path()).unwrap();
    let a = std::fs::read(
        tmp.path()
            .join("content")
            .join(g.prose[7].0.trim_start_matches("content/")),
    )
    .unwrap();
    let b = std::fs::read(
        tmp2.path()
            .join("content")
            .join(g.prose[7].0.trim_start_matches("content/")),
    )
    .unwrap();
    assert_eq!(a, b);
}

/// The figures and rates every page shows are computed once per report; they must be the
/// values computed directly, against the same agency's previous-year report (which change
/// rates use), on real reports (amounts, empty cells) and on generated ones.
#[test]
fn shared_metrics_are_the_direct_computation() {
    use gongkai::derive::{figure, rate};
    use gongkai::format::formats;
    let tmp = tempfile::tempdir().unwrap();
    let opts = Options {
        seed: 7,
        ..Options::default()
    };
    generate(&opts, tmp.path()).unwrap();
    for root in [common::repo(), tmp.path().to_path_buf()] {
        let loaded = gongkai::load::load_site(&root).expect("loads");
        let diags = gongkai::check::check(&loaded);
        let site = &loaded.site;
        let archive = gongkai::render::Archive::new(site, &diags.items);
        let mut with_prev = 0;
        for (i, r) in site.reports.iter().enumerate() {
            let prev = site
                .reports
                .iter()
                .find(|p| p.agency == r.agency && p.year == r.year - 1);
            with_prev += usize::from(prev.is_some());
            let m = archive.metrics(i);
            for fig in &formats().figures {
                assert_eq!(m.figure(fig), figure(r, fig, None), "{} {}", r.path, fig.id);
            }
            for rt in &formats().rates {
                assert_eq!(m.rate(rt), rate(r, prev, rt), "{} {}", r.path, rt.id);
            }
        }
        assert!(
            with_prev > 0,
            "{}: no report has a previous year",
            root.display()
        );
    }
}

/// Subordinate agencies come from an index made once per build (scanning every agency per
/// agency page made the build quadratic); it must list exactly the agencies whose parent is
/// the page's agency, in display order, and the agency page must link them. The per-year
/// lists made in the same pass are checked against agency display order too.
#[test]
fn child_agencies_are_the_direct_scan() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = Options {
        seed: 11,
        agencies: 60,
        ..Options::default()
    };
    generate(&opts, tmp.path()).unwrap();
    let loaded = gongkai::load::load_site(tmp.path()).expect("loads");
    let diags = gongkai::check::check(&loaded);
    let archive = gongkai::render::Archive::new(&loaded.site, &diags.items);
    let mut parents = 0;
    for a in &archive.agencies {
        let direct: Vec<&str> = archive
            .agencies
            .iter()
            .filter(|c| c.parent.as_deref() == Some(a.slug.as_str()))
            .map(|c| c.slug.as_str())
            .collect();
        let indexed: Vec<&str> = archive.children(&a.slug).map(|c| c.slug.as_str()).collect();
        assert_eq!(indexed, direct, "children of {}", a.slug);
        parents += usize::from(!direct.is_empty());
    }
    assert!(parents > 0, "the generated archive has no parent agencies");

    // Each year's reports, ordered by their agency's display rank (looked up once per report),
    // are that year's reports taken agency by agency in display order.
    for (year, listed) in &archive.by_year {
        let expected: Vec<usize> = archive
            .agencies
            .iter()
            .flat_map(|a| archive.by_agency.get(&a.slug).into_iter().flatten())
            .copied()
            .filter(|&i| archive.report(i).year == *year)
            .collect();
        assert_eq!(listed, &expected, "reports of {year}");
    }
    assert_eq!(
        archive.by_year.values().map(Vec::len).sum::<usize>(),
        loaded.site.reports.len()
    );

    let status = std::process::Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args(["build", "--root"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let parent = archive
        .agencies
        .iter()
        .find(|a| archive.children(&a.slug).next().is_some())
        .unwrap();
    let page = std::fs::read_to_string(
        tmp.path()
            .join("public/agencies")
            .join(&parent.slug)
            .join("index.html"),
    )
    .unwrap();
    let mut from = 0;
    for c in archive.children(&parent.slug) {
        let link = format!("agencies/{}/index.html\">{}</a>", c.slug, c.name);
        let at = page[from..].find(&link).unwrap_or_else(|| {
            panic!("{} does not link {} after byte {from}", parent.slug, c.slug)
        });
        from += at + link.len();
    }
}

/// 下属机关合计: the sum of several consistent reports keeps every identity of the format (they
/// are linear), and each parent agency's page per year lists who is included and gives the
/// sums of its children's figures.
#[test]
fn roll_ups_keep_the_identities_and_sum_the_children() {
    let tmp = tempfile::tempdir().unwrap();
    generate(
        &Options {
            agencies: 150,
            years: 2,
            first_year: 2020,
            seed: 9,
        },
        tmp.path(),
    )
    .unwrap();
    let loaded = gongkai::load::load_site(tmp.path()).unwrap();
    let site = &loaded.site;
    let rule = |code: &str| code.starts_with('I');
    let mut groups = 0;
    for parent in site.agencies.iter() {
        let children = children_of(site, &parent.slug);
        for year in [2020, 2021] {
            let reports: Vec<&gongkai::model::Report> = site
                .reports
                .iter()
                .filter(|r| r.year == year && children.contains(&r.agency.as_str()))
                .collect();
            // Children that satisfy the identities, printed without blanks, one format.
            let clean: Vec<&gongkai::model::Report> = reports
                .iter()
                .copied()
                .filter(|r| {
                    gongkai::check::report_findings(r)
                        .iter()
                        .all(|d| !rule(&d.code))
                        && r.tables
                            .iter()
                            .flat_map(|t| t.cells())
                            .all(|c| !c.is_empty())
                })
                .collect();
            if clean.len() < 2 || clean.iter().any(|r| r.format != clean[0].format) {
                continue;
            }
            let (tables, partial) = gongkai::derive::rollup::sum_tables(&clean, clean[0].format);
            assert_eq!(partial, 0);
            let sum =
                gongkai::derive::rollup::as_report(&parent.slug, year, clean[0].format, tables);
            let broken: Vec<String> = gongkai::check::report_findings(&sum)
                .iter()
                .filter(|d| rule(&d.code))
                .map(|d| d.message.clone())
                .collect();
            assert!(broken.is_empty(), "{} {year}: {broken:?}", parent.slug);
            let new = |r: &gongkai::model::Report| match r.cell("requests", "new", "total") {
                Some(gongkai::model::Cell::Count(n)) => n,
                other => panic!("{other:?}"),
            };
            assert_eq!(new(&sum), clean.iter().map(|r| new(r)).sum::<u64>());
            groups += 1;
        }
    }
    assert!(groups >= 2, "only {groups} roll-ups checked");

    // The pages: who is included, and the sums per year.
    let out = common::gongkai(tmp.path(), &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let parent = site
        .agencies
        .iter()
        .find(|p| {
            site.agencies
                .iter()
                .any(|a| a.parent.as_deref() == Some(p.slug.as_str()))
        })
        .unwrap();
    let children = children_of(site, &parent.slug);
    let of_year: Vec<&gongkai::model::Report> = site
        .reports
        .iter()
        .filter(|r| r.year == 2021 && children.contains(&r.agency.as_str()))
        .collect();
    let page = std::fs::read_to_string(
        tmp.path()
            .join(format!("public/agencies/{}/rollup-2021.html", parent.slug)),
    )
    .unwrap();
    assert!(
        page.contains(&format!("计入的机关（{}）", of_year.len())),
        "{page}"
    );
    for r in &of_year {
        assert!(
            page.contains(&format!("href=\"../../agencies/{}/2021.html\"", r.agency)),
            "{page}"
        );
    }
    let agency = std::fs::read_to_string(
        tmp.path()
            .join(format!("public/agencies/{}/index.html", parent.slug)),
    )
    .unwrap();
    assert!(
        agency.contains("rollup-2021.html"),
        "the agency page links its roll-ups"
    );
}

/// A region's roll-up sums the reports of every agency whose region starts with its name, and
/// the agencies page links it.
#[test]
fn region_roll_ups_sum_the_agencies_of_the_region() {
    let tmp = tempfile::tempdir().unwrap();
    generate(
        &Options {
            agencies: 60,
            years: 2,
            first_year: 2020,
            seed: 4,
        },
        tmp.path(),
    )
    .unwrap();
    let out = common::gongkai(tmp.path(), &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let loaded = gongkai::load::load_site(tmp.path()).unwrap();
    let site = &loaded.site;
    let new = |r: &gongkai::model::Report| match r.cell("requests", "new", "total") {
        Some(gongkai::model::Cell::Count(n)) => Some(n),
        _ => None,
    };
    let regions: std::collections::BTreeSet<&str> = site
        .agencies
        .iter()
        .filter_map(|a| a.region.as_deref())
        .collect();
    let agencies = std::fs::read_to_string(tmp.path().join("public/agencies/index.html")).unwrap();
    let mut checked = 0;
    for region in regions {
        let members: Vec<&str> = site
            .agencies
            .iter()
            .filter(|a| a.region.as_deref().is_some_and(|r| r.starts_with(region)))
            .map(|a| a.slug.as_str())
            .collect();
        let page_path = gongkai::render::urls::region_rollup(region, 2021);
        if members.len() < 2 {
            assert!(
                !tmp.path().join("public").join(&page_path).exists(),
                "{region}"
            );
            continue;
        }
        assert!(
            agencies.contains(&format!("href=\"../{page_path}\"")),
            "{region}: linked from the agencies page"
        );
        let included: Vec<&gongkai::model::Report> = site
            .reports
            .iter()
            .filter(|r| r.year == 2021 && members.contains(&r.agency.as_str()))
            .collect();
        let page = std::fs::read_to_string(tmp.path().join("public").join(&page_path)).unwrap();
        assert!(
            page.contains(&format!("<h1>{region}2021年各机关合计</h1>")),
            "{page}"
        );
        if included.iter().any(|r| r.format != included[0].format) {
            continue;
        }
        assert!(
            page.contains(&format!("计入的机关（{}）", included.len())),
            "{page}"
        );
        for r in &included {
            assert!(page.contains(&format!("href=\"../agencies/{}/2021.html\"", r.agency)));
        }
        let Some(sum) = included.iter().map(|r| new(r)).sum::<Option<u64>>() else {
            continue;
        };
        // The table of years: agencies included, then the key figures (本年新收申请 first).
        assert!(
            page.contains(&format!(
                "2021</a><td class=\"num\">{}<td class=\"num\">{sum}<td",
                included.len()
            )),
            "{region}: {sum}\n{page}"
        );
        checked += 1;
    }
    assert!(checked >= 2, "only {checked} regions checked");
}

/// The slugs of the agencies whose parent is `slug`.
fn children_of<'a>(site: &'a gongkai::model::Site, slug: &str) -> Vec<&'a str> {
    site.agencies
        .iter()
        .filter(|a| a.parent.as_deref() == Some(slug))
        .map(|a| a.slug.as_str())
        .collect()
}

/// Files written to memory, each once.
#[derive(Default)]
struct Files(std::sync::Mutex<std::collections::BTreeMap<String, Vec<u8>>>);

impl gongkai::render::Sink for Files {
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), String> {
        let old = self
            .0
            .lock()
            .unwrap()
            .insert(rel.to_string(), bytes.to_vec());
        assert!(old.is_none(), "{rel} written twice");
        Ok(())
    }
}

/// A build writes the search index run by run, dropping each run's texts (`search::write`);
/// watch mode keeps the whole index to update it. Both must write the same files, whatever
/// the run length.
#[test]
fn the_search_index_written_in_runs_is_the_kept_index() {
    use gongkai::render::search;

    let tmp = tempfile::tempdir().unwrap();
    let opts = Options {
        seed: 5,
        agencies: 90,
        ..Options::default()
    };
    generate(&opts, tmp.path()).unwrap();
    let loaded = gongkai::load::load_site(tmp.path()).expect("loads");
    let diags = gongkai::check::check(&loaded);
    let archive = gongkai::render::Archive::new(&loaded.site, &diags.items);
    let kept = Files::default();
    let stats = search::SearchIndex::build(&archive)
        .unwrap()
        .write_all(&kept)
        .unwrap();
    let kept = kept.0.into_inner().unwrap();
    assert!(stats.docs > 300 && kept.len() == stats.files, "{stats:?}");
    for run in [1, 8, 40, 1024] {
        let streamed = Files::default();
        let s = search::write_in_runs(&archive, &streamed, run).unwrap();
        let streamed = streamed.0.into_inner().unwrap();
        assert_eq!(
            streamed.keys().collect::<Vec<_>>(),
            kept.keys().collect::<Vec<_>>(),
            "run {run}"
        );
        for (k, v) in &kept {
            assert!(streamed[k] == *v, "run {run}: {k} differs");
        }
        assert_eq!(
            (s.files, s.postings, s.index_bytes, s.doc_bytes),
            (
                stats.files,
                stats.postings,
                stats.index_bytes,
                stats.doc_bytes
            ),
            "run {run}"
        );
    }
}

/// A build writes the bulk tables a few thousand rows at a time without keeping them
/// (`write_streamed`); watch mode keeps every row to update them. Both must write the same
/// files, whatever the number of rows made at once.
#[test]
fn the_bulk_tables_streamed_are_the_kept_tables() {
    use gongkai::render::data::BulkTable;

    let site = common::generated_site(8, 60);
    let loaded = gongkai::load::load_site(site.path()).expect("loads");
    let diags = gongkai::check::check(&loaded);
    let archive = gongkai::render::Archive::new(&loaded.site, &diags.items);
    let kept = Files::default();
    let n = BulkTable::build(&archive)
        .unwrap()
        .write(&archive, None, &kept)
        .unwrap();
    let kept = kept.0.into_inner().unwrap();
    assert_eq!(n, kept.len());
    assert!(
        kept.contains_key("data/reports.json") && kept.len() >= 7,
        "{:?}",
        kept.keys()
    );
    let layout = BulkTable::layout(&archive).unwrap();
    assert!(!layout.complete(), "a layout holds no rows");
    for chunk in [1, 7, 2048] {
        let streamed = Files::default();
        let m = layout
            .write_streamed_in(&archive, &streamed, chunk)
            .unwrap();
        let streamed = streamed.0.into_inner().unwrap();
        assert_eq!(m, n);
        assert_eq!(
            streamed.keys().collect::<Vec<_>>(),
            kept.keys().collect::<Vec<_>>()
        );
        for (k, v) in &kept {
            assert!(streamed[k] == *v, "chunk {chunk}: {k} differs");
        }
    }
}
