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
    for kind in ["D1", "I4", "X2"] {
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
