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
