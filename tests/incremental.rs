//! `gongkai build` after a build of the same site writes only the files that change, and its
//! output is then exactly a full build's; anything but a report's text means a full build.

mod common;

use std::path::Path;

use gongkai::build::{Built, Failure, Mode, Progress, build_into};

fn build(site: &Path, mode: Mode) -> Built {
    match build_into(site, Progress::Quiet, None, mode) {
        Ok(b) => b,
        Err(Failure::Invalid { diagnostics, .. }) => panic!("invalid: {}", diagnostics.summary()),
        Err(Failure::Unreadable(f)) => panic!("unreadable: {}", f.message),
        Err(Failure::Output(d)) => panic!("output: {:?}", d[0].message),
    }
}

/// The files written by an incremental build; fails on a full one.
fn updated(site: &Path, step: &str) -> Vec<String> {
    build(site, Mode::Incremental)
        .written
        .unwrap_or_else(|| panic!("{step}: a full build where only reports changed"))
}

/// A full build of a copy of the site (without its state), compared file by file with the
/// site's output.
fn assert_same_as_full_build(site: &Path, step: &str) {
    let copy = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(site).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name == "public" || name == ".gongkai" {
            continue;
        }
        if e.path().is_dir() {
            common::copy_tree(&e.path(), &copy.path().join(&name));
        } else {
            std::fs::copy(e.path(), copy.path().join(&name)).unwrap();
        }
    }
    assert!(build(copy.path(), Mode::Full).written.is_none());
    common::assert_same_output(&copy.path().join("public"), &site.join("public"), step);
}

#[test]
fn edited_reports_rewrite_only_their_dependents_and_end_as_a_full_build() {
    let site = common::example_site();
    let root = site.path();
    assert!(
        build(root, Mode::Incremental).written.is_none(),
        "first build is full"
    );
    assert_same_as_full_build(root, "first build");

    // Nothing changed: nothing written.
    assert_eq!(updated(root, "unchanged"), Vec::<String>::new());

    // A number: its page and what shows it; no other agency's pages.
    let report = root.join("content/pingtan/2021.md");
    common::replace_in(
        &report,
        "penalties           = [1282]",
        "penalties           = [1283]",
    );
    let before = common::snapshot(&root.join("public"));
    let written = updated(root, "number");
    common::assert_written_for_pingtan_2021(&written);
    let after = common::snapshot(&root.join("public"));
    let changed: Vec<&String> = after
        .keys()
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    let mut listed: Vec<&String> = written.iter().collect();
    listed.sort();
    assert_eq!(changed, listed, "written = the files whose bytes changed");
    assert_same_as_full_build(root, "number edited");

    // Prose: the search documents and shards of the report change too.
    common::replace_in(&report, "2021年全区新收", "2021年，全区新收");
    let written = updated(root, "prose");
    assert!(
        written.iter().any(|w| w.starts_with("search/shards/"))
            && written.iter().any(|w| w.starts_with("search/docs/")),
        "{written:?}"
    );
    assert_same_as_full_build(root, "prose edited");

    // A figure the next year's continuity uses: a finding on the next year's file, whose
    // text did not change, and on the quality page.
    common::replace_in(
        &report,
        "normative_documents = [69, 3, 665]",
        "normative_documents = [69, 3, 660]",
    );
    let b = build(root, Mode::Incremental);
    assert!(
        b.diagnostics
            .items
            .iter()
            .any(|d| d.code == "X2" && d.file == "content/pingtan/2022.md"),
        "a finding on the next year"
    );
    let written = b.written.expect("incremental");
    assert!(
        written.contains(&"quality/index.html".to_string()),
        "{written:?}"
    );
    assert_same_as_full_build(root, "a figure of the next year's continuity edited");

    // Two agencies' reports at once.
    common::replace_in(
        &root.join("content/biaokou-town/2021.md"),
        "penalties           = [5]",
        "penalties           = [15]",
    );
    common::replace_in(&report, "2021年，全区新收", "2021年全区新收");
    updated(root, "two reports");
    assert_same_as_full_build(root, "two reports edited");
}

#[test]
fn anything_but_a_report_means_a_full_build() {
    let site = common::example_site();
    let root = site.path();
    build(root, Mode::Incremental);
    let full = |step: &str| {
        assert!(
            build(root, Mode::Incremental).written.is_none(),
            "{step}: an incremental build"
        );
        assert_same_as_full_build(root, step);
        // And the build after it is incremental again.
        assert_eq!(updated(root, step), Vec::<String>::new(), "{step}");
    };

    let toml = std::fs::read_to_string(root.join("site.toml")).unwrap();
    std::fs::write(root.join("site.toml"), format!("{toml}\n# a comment\n")).unwrap();
    full("site.toml");

    let agency = root.join("content/pingtan/agency.toml");
    let text = std::fs::read_to_string(&agency).unwrap();
    std::fs::write(&agency, text.replacen("order = 20", "order = 21", 1)).unwrap();
    full("agency.toml");

    std::fs::create_dir_all(root.join("templates")).unwrap();
    let page =
        std::fs::read_to_string(common::repo().join("themes/default/templates/404.html")).unwrap();
    std::fs::write(root.join("templates/404.html"), format!("{page}\n")).unwrap();
    full("a template");

    std::fs::create_dir_all(root.join("static")).unwrap();
    std::fs::write(root.join("static/note.txt"), "x").unwrap();
    full("a static file");

    // A report removed, then restored: the list of pages changes.
    let first_year = root.join("content/pingtan/2019.md");
    let text = std::fs::read(&first_year).unwrap();
    std::fs::remove_file(&first_year).unwrap();
    full("a report removed");
    std::fs::write(&first_year, text).unwrap();
    full("a report restored");

    // The output folder replaced since (deleted, then restored from a copy): its marker is
    // not the one the state describes.
    let saved = tempfile::tempdir().unwrap();
    common::copy_tree(&root.join("public"), saved.path());
    std::fs::remove_dir_all(root.join("public")).unwrap();
    common::copy_tree(saved.path(), &root.join("public"));
    full("output restored from a copy");

    // A file added to the output, or one removed from it.
    std::fs::write(root.join("public/stray.html"), "x").unwrap();
    full("a file added to the output");
    std::fs::remove_file(root.join("public/agencies/pingtan/2019.html")).unwrap();
    full("a file removed from the output");

    // A damaged state.
    std::fs::write(root.join(".gongkai/build.state"), "{").unwrap();
    full("damaged state");

    // Asked for.
    assert!(build(root, Mode::Full).written.is_none(), "--full");
    assert_same_as_full_build(root, "--full");
}

/// A build that fails to write leaves no state: the next one is full.
#[test]
fn a_failed_write_is_followed_by_a_full_build() {
    let site = common::example_site();
    let root = site.path();
    build(root, Mode::Incremental);
    common::replace_in(
        &root.join("content/pingtan/2021.md"),
        "penalties           = [1282]",
        "penalties           = [1283]",
    );
    // The report's page cannot be written: an (empty) folder stands where its new text is
    // written before it replaces the page. The output's files are the same.
    let blocked = root.join("public/agencies/pingtan/.2021.html.gongkai-tmp");
    std::fs::create_dir_all(&blocked).unwrap();
    assert!(matches!(
        build_into(root, Progress::Quiet, None, Mode::Incremental),
        Err(Failure::Output(_))
    ));
    assert!(!root.join(".gongkai/build.state").exists(), "no state left");
    std::fs::remove_dir_all(&blocked).unwrap();
    assert!(
        build(root, Mode::Incremental).written.is_none(),
        "full after a failure"
    );
    assert_same_as_full_build(root, "after a failed write");
}

/// On a generated archive large enough for many search shards: prose edits patch the shards
/// in place; an edit that adds enough new bigrams to change the number of shards (so the
/// files of the output) means a full build; every case ends as a full build.
#[test]
fn search_shards_patched_in_place_equal_a_full_build() {
    let tmp = common::generated_site(11, 60);
    let root = tmp.path();
    let first = build(root, Mode::Incremental);
    let shards = first.search.shards;
    let mut reports = common::report_files(root);
    assert!(reports.len() >= 300);
    // Prose of three reports of different agencies and years.
    for (n, p) in reports.iter().step_by(97).take(3).enumerate() {
        let text = std::fs::read_to_string(p).unwrap();
        std::fs::write(
            p,
            format!("{text}\n补充说明第{n}条：本年度新增政务公开专栏。\n"),
        )
        .unwrap();
    }
    let b = build(root, Mode::Incremental);
    let written = b.written.expect("incremental");
    assert!(written.iter().any(|w| w.starts_with("search/shards/")));
    assert_eq!(b.search.shards, shards);
    assert_same_as_full_build(root, "prose of three reports");

    // A disclosure rate drops: the standing among peers of other agencies' reports changes,
    // shown on their report pages and on their agencies' pages.
    let p = reports
        .iter()
        .rev()
        .find(|p| common::move_granted_to_other(p, 5) > 0)
        .expect("a report with 予以公开 applications")
        .clone();
    let agency = p
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    let written = build(root, Mode::Incremental).written.expect("incremental");
    assert!(
        written.iter().any(|w| w.starts_with("agencies/")
            && w.ends_with("/index.html")
            && !w.contains(&agency)),
        "another agency's page: {written:?}"
    );
    assert_same_as_full_build(root, "a rate moved");

    // Thousands of bigrams never seen before: the shard count grows.
    let p = reports.remove(5);
    let text = std::fs::read_to_string(&p).unwrap();
    let novel: String = (0..40_000u32)
        .filter_map(|k| char::from_u32(0x4E00 + (k * 7919) % 20_000))
        .collect();
    std::fs::write(&p, format!("{text}\n{novel}\n")).unwrap();
    let b = build(root, Mode::Incremental);
    assert!(b.written.is_none(), "other files: a full build");
    assert!(b.search.shards > shards, "{} shards", b.search.shards);
    assert_same_as_full_build(root, "new bigrams");
    // And back: fewer shards, whose files a full build leaves out.
    std::fs::write(&p, text).unwrap();
    let b = build(root, Mode::Incremental);
    assert!(b.written.is_none(), "other files: a full build");
    assert_eq!(b.search.shards, shards);
    assert_same_as_full_build(root, "new bigrams gone");
}

/// The clerk is told, in Chinese, that only what changed was written, and how to write
/// everything again.
#[test]
fn the_command_says_what_it_did() {
    let site = common::example_site();
    let root = site.path();
    let first = common::gongkai_zh(root, &["build"]);
    assert!(
        common::stderr(&first).contains("已生成 "),
        "{}",
        common::stderr(&first)
    );
    common::replace_in(
        &root.join("content/pingtan/2021.md"),
        "penalties           = [1282]",
        "penalties           = [1283]",
    );
    let second = common::gongkai_zh(root, &["build"]);
    let out = common::stderr(&second);
    assert!(second.status.success(), "{out}");
    assert!(
        out.contains("只有报告有改动：已更新 ") && out.contains("gongkai build --full"),
        "{out}"
    );
    let full = common::gongkai_zh(root, &["build", "--full"]);
    assert!(
        common::stderr(&full).contains("已生成 "),
        "{}",
        common::stderr(&full)
    );
    assert_same_as_full_build(root, "from the command line");
}

/// The archive-wide bulk files patched row by row (`reports.csv`, `reports.json`) are the
/// files of a whole table, byte for byte, also around rows whose text holds quotes, commas
/// and line ends; a file that is not as written is refused, not guessed at.
#[test]
fn bulk_files_spliced_row_by_row_equal_the_whole_table() {
    use gongkai::render::data::BulkTable;
    use gongkai::render::{Archive, Sink};
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::Mutex;

    #[derive(Default)]
    struct Files(Mutex<BTreeMap<String, Vec<u8>>>);
    impl Sink for Files {
        fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), String> {
            self.0
                .lock()
                .unwrap()
                .insert(rel.to_string(), bytes.to_vec());
            Ok(())
        }
    }
    let whole = |root: &Path| {
        let loaded = gongkai::load::load_site(root).expect("loads");
        let diags = gongkai::check::check(&loaded);
        let archive = Archive::new(&loaded.site, &diags.items);
        let files = Files::default();
        BulkTable::build(&archive)
            .unwrap()
            .write(&archive, None, &files)
            .unwrap();
        let f = files.0.into_inner().unwrap();
        (
            f["data/reports.csv"].clone(),
            f["data/reports.json"].clone(),
        )
    };

    let tmp = common::generated_site(3, 12);
    let root = tmp.path();
    let reports = common::report_files(root);
    // Titles CSV must quote: a quote, a comma, a line end.
    for p in [&reports[1], &reports[7]] {
        let text = std::fs::read_to_string(p).unwrap();
        let title = text.lines().find(|l| l.starts_with("title = ")).unwrap();
        let odd = title.replacen("title = \"", "title = \"“\\\"引号\\\"”, 逗号\\n换行 ", 1);
        std::fs::write(p, text.replacen(title, &odd, 1)).unwrap();
    }
    let (old_csv, old_json) = whole(root);
    let shown = String::from_utf8_lossy(&old_csv);
    assert!(
        shown.contains("“\"\"引号\"\"”, 逗号\n换行"),
        "the title is quoted in the CSV"
    );

    // Two reports of one year edited (one of them with the odd title).
    let edited: Vec<&std::path::PathBuf> = reports
        .iter()
        .filter(|p| p.ends_with("2021.md"))
        .take(2)
        .collect();
    for p in &edited {
        assert!(common::move_granted_to_other(p, 1) > 0, "{}", p.display());
    }
    let (new_csv, new_json) = whole(root);
    assert_ne!(new_csv, old_csv);

    let loaded = gongkai::load::load_site(root).unwrap();
    let diags = gongkai::check::check(&loaded);
    let archive = Archive::new(&loaded.site, &diags.items);
    let touched: Vec<usize> = edited
        .iter()
        .map(|p| {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            loaded
                .site
                .reports
                .iter()
                .position(|r| r.path == rel)
                .unwrap()
        })
        .collect();
    let partial = BulkTable::build_years(&archive, &BTreeSet::from([2021])).unwrap();
    assert!(!partial.complete());
    let (csv, json) = partial
        .splice(&touched, &old_csv, &old_json)
        .expect("the files as written");
    assert!(csv == new_csv, "reports.csv differs from the whole table's");
    assert!(
        json == new_json,
        "reports.json differs from the whole table's"
    );

    // Not as written: a row missing, another header, a cut file.
    let cut = |b: &[u8]| b[..b.len() - 10].to_vec();
    assert!(
        partial
            .splice(&touched, &cut(&old_csv), &old_json)
            .is_none()
    );
    assert!(
        partial
            .splice(&touched, &old_csv, &cut(&old_json))
            .is_none()
    );
    let mut other = old_csv.clone();
    other[5] = b'X';
    assert!(partial.splice(&touched, &other, &old_json).is_none());
    let one_less = {
        let text = String::from_utf8(old_csv.clone()).unwrap();
        let last = text.trim_end_matches('\n').rfind('\n').unwrap();
        text.as_bytes()[..=last].to_vec()
    };
    assert!(partial.splice(&touched, &one_less, &old_json).is_none());
}
