//! The corpus of broken inputs: every kind of mistake `check` reports, plus hostile files.
//!
//! Each folder under tests/broken/ (except `_base`) is laid over a copy of `_base` (a valid
//! one-agency site); a `_delete` file lists paths to remove. `gongkai check` runs on the
//! result and its exit status and diagnostics are compared with the snapshot in
//! tests/snapshots/. Review changes with `cargo insta review` (or INSTA_UPDATE=always).

mod common;

use std::path::Path;

/// `check`'s output on the case, in English and in Chinese.
fn run_case(dir: &Path) -> (String, String) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let base = common::repo().join("tests/broken/_base");
    common::copy_tree(&base, tmp.path());
    common::copy_tree(dir, tmp.path());
    let delete = tmp.path().join("_delete");
    if delete.exists() {
        for line in std::fs::read_to_string(&delete).expect("_delete").lines() {
            let _ = std::fs::remove_file(tmp.path().join(line.trim()));
        }
        std::fs::remove_file(&delete).expect("remove _delete");
    }
    (
        check_output(tmp.path()),
        check_output_in(tmp.path(), "zh_CN.UTF-8"),
    )
}

fn check_output(site: &Path) -> String {
    check_output_in(site, "en_US.UTF-8")
}

fn check_output_in(site: &Path, lang: &str) -> String {
    let out = common::gongkai_in(site, &["check"], lang);
    assert!(out.stdout.is_empty(), "human diagnostics go to stderr");
    let stderr = common::stderr(&out);
    assert!(!stderr.contains("panicked"), "no panic: {stderr}");
    format!("exit: {}\n{}", out.status.code().unwrap_or(-1), stderr)
}

#[test]
fn broken_inputs_give_located_diagnostics() {
    let root = common::repo().join("tests/broken");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .expect("corpus")
        .flatten()
        .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n != "_base")
        .collect();
    cases.sort();
    assert!(cases.len() >= 40, "the corpus has {} cases", cases.len());
    for case in cases {
        let (output, zh) = run_case(&root.join(&case));
        // Every case is a mistake: it must be reported, as an error or a warning.
        assert!(
            output.contains("error[")
                || output.contains("warning[")
                || output.starts_with("exit: 2"),
            "{case}: nothing reported:\n{output}"
        );
        insta::assert_snapshot!(case.clone(), output);
        // The clerk's default: the same findings, in Chinese, none of our words in English.
        assert!(
            zh.contains("错误[") || zh.contains("警告[") || zh.starts_with("exit: 2"),
            "{case}: nothing reported in Chinese:\n{zh}"
        );
        let english = [
            "help:",
            "expected ",
            "found ",
            "official label",
            "checked ",
            "error:",
            " the ",
            "cannot ",
            "unknown ",
            "missing ",
            "did you mean",
        ]
        .iter()
        .find(|e| zh.contains(**e));
        assert!(
            english.is_none(),
            "{case}: English `{english:?}` in the Chinese output:\n{zh}"
        );
        insta::assert_snapshot!(format!("{case}.zh"), zh);
    }
}

/// The base site itself is clean.
#[test]
fn base_site_is_clean() {
    let tmp = tempfile::tempdir().expect("temp dir");
    common::copy_tree(&common::repo().join("tests/broken/_base"), tmp.path());
    let out = check_output(tmp.path());
    assert!(out.starts_with("exit: 0\n"), "{out}");
    assert!(out.contains("0 errors, 0 warnings"), "{out}");
}

/// A 10 MB report is refused with a clear message instead of being parsed.
#[test]
fn ten_megabyte_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    common::copy_tree(&common::repo().join("tests/broken/_base"), tmp.path());
    let report = tmp.path().join("content/town/2021.md");
    let mut text = std::fs::read_to_string(&report).expect("base report");
    let line = "政府信息公开工作稳步推进。\n";
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(line);
    }
    std::fs::write(&report, text).expect("write big file");
    insta::assert_snapshot!("generated-ten-megabytes", check_output(tmp.path()));
}
