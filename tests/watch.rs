//! Watch mode's incremental rebuilds give exactly what a full build gives, through a series
//! of edits an author makes (library level; tests/serve.rs drives the real server).

mod common;

use std::path::{Path, PathBuf};

use gongkai::watch::{Outcome, Session};

/// A fresh full build of a copy of the site, compared with the live output.
fn assert_same_as_full_build(s: &mut Session, site: &Path, step: &str) {
    // What an edit leaves for after the reload (the research files) is written first.
    s.settle();
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(site.join("site.toml"), copy.path().join("site.toml")).unwrap();
    for d in ["content", "templates", "static"] {
        if site.join(d).is_dir() {
            common::copy_tree(&site.join(d), &copy.path().join(d));
        }
    }
    if let Err(gongkai::build::Failure::Invalid { diagnostics, .. }) =
        gongkai::build::build(copy.path(), gongkai::build::Progress::Quiet)
    {
        panic!("{step}: the full build failed: {}", diagnostics.summary());
    }
    common::assert_same_output(&copy.path().join("public"), &site.join("public"), step);
}

fn edit(path: &Path, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
    path.to_path_buf()
}

/// Watch mode started on `root`, its first (full) build done.
fn started(root: &Path) -> Session {
    let (s, first) = Session::start(root).ok().expect("starts");
    assert!(built(&first).1);
    s
}

fn built(o: &Outcome) -> (Vec<String>, bool) {
    match o {
        Outcome::Built { written, full, .. } => (written.clone(), *full),
        Outcome::Failed { diagnostics, .. } => panic!(
            "failed: {:?}",
            diagnostics
                .items
                .iter()
                .map(|d| &d.message)
                .collect::<Vec<_>>()
        ),
        Outcome::Unchanged => panic!("unchanged"),
    }
}

#[test]
fn a_sequence_of_edits_ends_where_a_full_build_does() {
    let site = common::example_site();
    let root = site.path();
    let mut s = started(root);
    assert_same_as_full_build(&mut s, root, "start");

    // 1. A number in a report: incremental, and only what depends on it is written.
    let p = edit(
        &root.join("content/pingtan/2021.md"),
        "penalties           = [1282]",
        "penalties           = [1283]",
    );
    let (written, full) = built(&s.apply(&[p]));
    assert!(!full, "an edit is incremental");
    common::assert_written_for_pingtan_2021(&written);
    assert_same_as_full_build(&mut s, root, "number edited");

    // 2. Prose (search documents change) and the new applications, one more granted: the
    //    next year's change on last year (a rate of 2022's, kept from the last render
    //    unless recomputed) moves.
    let p = edit(
        &root.join("content/pingtan/2021.md"),
        "2021年全区新收",
        "2021年，全区新收",
    );
    for (from, to) in [
        (
            "new                        = [64, 0, 0, 2, 0, 4, 70]",
            "new                        = [65, 0, 0, 2, 0, 4, 71]",
        ),
        (
            "granted                    = [27, 0, 0, 2, 0, 1, 30]",
            "granted                    = [28, 0, 0, 2, 0, 1, 31]",
        ),
        (
            "total                      = [63, 0, 0, 2, 0, 4, 69]",
            "total                      = [64, 0, 0, 2, 0, 4, 70]",
        ),
    ] {
        edit(&p, from, to);
    }
    let next_year =
        std::fs::read_to_string(root.join("public/agencies/pingtan/2022.html")).unwrap();
    built(&s.apply(&[p]));
    assert_ne!(
        std::fs::read_to_string(root.join("public/agencies/pingtan/2022.html")).unwrap(),
        next_year,
        "the next year's page shows the change on the edited year"
    );
    assert_same_as_full_build(&mut s, root, "prose and new applications edited");

    // 3. A broken report: nothing written, the last good site stays.
    let before = common::snapshot(&root.join("public"));
    let p = edit(
        &root.join("content/pingtan/2022.md"),
        "reconsideration         = [0, 1, 1, 0, 2]",
        "reconsideration         = [0, 1, 1, 0, 9]",
    );
    match s.apply(std::slice::from_ref(&p)) {
        Outcome::Failed { diagnostics, .. } => {
            assert!(diagnostics.items.iter().any(|d| d.code == "I4"))
        }
        _ => panic!("a broken report fails"),
    }
    assert_eq!(
        common::snapshot(&root.join("public")),
        before,
        "failed change writes nothing"
    );
    // Another report edited while the site has errors: written once the error is fixed.
    let q = edit(
        &root.join("content/biaokou-town/2021.md"),
        "penalties           = [5]",
        "penalties           = [15]",
    );
    assert!(
        matches!(s.apply(&[q]), Outcome::Failed { .. }),
        "still broken"
    );
    assert_eq!(
        common::snapshot(&root.join("public")),
        before,
        "nothing written while broken"
    );
    // Fixed again.
    edit(&p, "[0, 1, 1, 0, 9]", "[0, 1, 1, 0, 2]");
    assert!(
        !built(&s.apply(&[p])).1,
        "fixing an error stays incremental"
    );
    assert_same_as_full_build(&mut s, root, "fixed");

    // 4. An empty file mid-save, then the saved content.
    let p = root.join("content/biaokou-town/2021.md");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, "").unwrap();
    assert!(matches!(
        s.apply(std::slice::from_ref(&p)),
        Outcome::Failed { .. }
    ));
    std::fs::write(&p, text.replace("无。", "本年无其他需要报告的事项。")).unwrap();
    assert!(!built(&s.apply(&[p])).1, "incremental after a broken save");
    assert_same_as_full_build(&mut s, root, "saved after an empty file");

    // 5. A template of the site overrides the theme: pages using it are re-rendered.
    std::fs::create_dir_all(root.join("templates")).unwrap();
    let theme_report =
        std::fs::read_to_string(common::repo().join("themes/default/templates/report.html"))
            .unwrap();
    let t = root.join("templates/report.html");
    std::fs::write(
        &t,
        theme_report.replace(
            "<article class=\"report\">",
            "<article class=\"report custom\">",
        ),
    )
    .unwrap();
    built(&s.apply(&[t]));
    assert!(
        std::fs::read_to_string(root.join("public/agencies/pingtan/2021.html"))
            .unwrap()
            .contains("report custom")
    );
    assert_same_as_full_build(&mut s, root, "template overridden");

    // 6. A report deleted; an agency folder renamed; a new agency added.
    let p = root.join("content/pingtan/2019.md");
    std::fs::remove_file(&p).unwrap();
    built(&s.apply(&[p]));
    assert!(
        !root.join("public/agencies/pingtan/2019.html").exists(),
        "no stale page"
    );
    assert_same_as_full_build(&mut s, root, "report deleted");
    std::fs::rename(
        root.join("content/huaian-city"),
        root.join("content/huaian"),
    )
    .unwrap();
    built(&s.apply(&[
        root.join("content/huaian-city"),
        root.join("content/huaian"),
    ]));
    assert!(!root.join("public/agencies/huaian-city").exists());
    assert!(root.join("public/agencies/huaian/2024.html").is_file());
    assert_same_as_full_build(&mut s, root, "agency renamed");
    std::fs::create_dir_all(root.join("content/new-town")).unwrap();
    std::fs::write(
        root.join("content/new-town/agency.toml"),
        "name = \"新镇人民政府\"\nlevel = \"township\"\n",
    )
    .unwrap();
    built(&s.apply(&[root.join("content/new-town/agency.toml")]));
    assert!(root.join("public/agencies/new-town/index.html").is_file());
    assert_same_as_full_build(&mut s, root, "agency added");

    // Editors' temporary files change nothing.
    std::fs::write(root.join("content/pingtan/.2021.md.swp"), "x").unwrap();
    std::fs::write(root.join("content/pingtan/2021.md~"), "x").unwrap();
    assert!(matches!(
        s.apply(&[
            root.join("content/pingtan/.2021.md.swp"),
            root.join("content/pingtan/2021.md~")
        ]),
        Outcome::Unchanged
    ));
}

/// A report whose rate drops moves its peers' standings, which their report pages and their
/// agencies' pages show: those are written too (a generated archive, with groups of peers
/// large enough for standings).
#[test]
fn a_rate_edit_rewrites_the_standings_of_its_peers() {
    let tmp = common::generated_site(11, 60);
    let root = tmp.path();
    let mut s = started(root);
    let report = common::report_files(root)
        .into_iter()
        .rev()
        .find(|p| common::move_granted_to_other(p, 5) > 0)
        .expect("a report with 予以公开 applications");
    let agency = report
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    let (written, full) = built(&s.apply(&[report]));
    assert!(!full);
    assert!(
        written.iter().any(|w| w.starts_with("agencies/")
            && w.ends_with("/index.html")
            && !w.contains(&agency)),
        "another agency's page: {written:?}"
    );
    assert_same_as_full_build(&mut s, root, "a rate moved");
}

/// A site folder replaced while watch mode runs (a backup restored, a fresh clone) takes the
/// lock file with it, and a build started then claims a new one: watch mode writes nothing
/// while that build holds the output, and claims it again once it is free.
#[test]
fn watch_mode_claims_the_output_again_when_its_lock_file_is_gone() {
    let site = common::example_site();
    let root = site.path();
    let mut s = started(root);
    let public = std::fs::canonicalize(root.join("public")).unwrap();
    std::fs::remove_file(root.join(".public.gongkai-lock")).unwrap();
    let build = gongkai::output::OutputLock::acquire(&public).expect("the new lock file is free");
    let before = common::snapshot(&public);
    let p = edit(
        &root.join("content/pingtan/2021.md"),
        "penalties           = [1282]",
        "penalties           = [1283]",
    );
    match s.apply(std::slice::from_ref(&p)) {
        Outcome::Failed { diagnostics, .. } => assert!(
            diagnostics.items.iter().any(|d| d.code == "output"
                && (d.message.contains("另一个 gongkai") || d.message.contains("another gongkai"))),
            "{:?}",
            diagnostics.items
        ),
        _ => panic!("watch mode wrote while a build held the output"),
    }
    assert_eq!(common::snapshot(&public), before, "nothing written");
    assert!(matches!(s.settle(), Outcome::Unchanged));
    drop(build);
    let (_, full) = built(&s.apply(&[p]));
    assert!(full, "claimed again, the output is written whole");
    assert!(
        std::fs::read_to_string(public.join("agencies/pingtan/2021.html"))
            .unwrap()
            .contains(">1283<")
    );
    assert_same_as_full_build(&mut s, root, "claimed again");
}
