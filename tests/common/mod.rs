//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod fixture;
pub mod imported;
pub mod pdf;
pub mod published;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/fixtures/`: the real reports the tests compare with (tests/fixtures/README.md says
/// where each comes from). Tests read nothing outside the repository.
pub fn fixtures() -> PathBuf {
    repo().join("tests").join("fixtures")
}

/// Runs the gongkai binary with `args` in `dir`, messages in English (the tests written
/// against the English catalogue); [`gongkai_zh`] runs it as a clerk would.
pub fn gongkai(dir: &Path, args: &[&str]) -> Output {
    gongkai_in(dir, args, "en_US.UTF-8")
}

/// Runs the gongkai binary with a Chinese locale, as a clerk's machine has it.
pub fn gongkai_zh(dir: &Path, args: &[&str]) -> Output {
    gongkai_in(dir, args, "zh_CN.UTF-8")
}

/// Runs the gongkai binary with `LANG` set to `lang` (and nothing overriding it).
pub fn gongkai_in(dir: &Path, args: &[&str], lang: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("LANG", lang)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .expect("the gongkai binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Copies a folder tree (files and folders only).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("readable tree");
        let rel = entry.path().strip_prefix(from).expect("inside the tree");
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("create folder");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Every file under `dir`, relative path (with `/`) → bytes: for comparing two outputs.
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .expect("inside the tree")
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(e.path()).expect("readable file"))
        })
        .collect()
}

/// Asserts that the output folder `ours` holds exactly the files of `full` (a full build's),
/// byte for byte; `step` names the case in the message.
pub fn assert_same_output(full: &Path, ours: &Path, step: &str) {
    let full = snapshot(full);
    let ours = snapshot(ours);
    let missing: Vec<&String> = full.keys().filter(|k| !ours.contains_key(*k)).collect();
    let extra: Vec<&String> = ours.keys().filter(|k| !full.contains_key(*k)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{step}: missing {missing:?}, stale {extra:?}"
    );
    for (k, v) in &full {
        assert!(ours[k] == *v, "{step}: {k} differs from a full build");
    }
}

/// A copy of the example archive (site.toml + content/) in a fresh temporary folder.
pub fn example_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(repo().join("site.toml"), dir.path().join("site.toml")).expect("copy site.toml");
    copy_tree(&repo().join("content"), &dir.path().join("content"));
    dir
}

/// A generated archive (`gongkai::synth`) of `agencies` agencies × 5 years in a fresh
/// temporary folder.
pub fn generated_site(seed: u64, agencies: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = gongkai::synth::Options {
        seed,
        agencies,
        ..Default::default()
    };
    gongkai::synth::generate(&opts, dir.path()).expect("generated");
    dir
}

/// Every report file of a site, in path order.
pub fn report_files(root: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root.join("content"))
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .map(|e| e.path().to_path_buf())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect()
}

/// Whether an external tool the test needs is installed. When it is not, the test is skipped
/// with a message, unless `GONGKAI_REQUIRE_TOOLS` is set (as `.ci/run` does): then it fails.
pub fn tool_available(path: &Path, what: &str) -> bool {
    if path.exists() {
        return true;
    }
    if std::env::var_os("GONGKAI_REQUIRE_TOOLS").is_some() {
        panic!(
            "{what} is required (GONGKAI_REQUIRE_TOOLS is set) but {} is missing; .ci/run installs it",
            path.display()
        );
    }
    eprintln!(
        "SKIPPED: {what} is not installed ({}); .ci/run installs it",
        path.display()
    );
    false
}

/// Where tests leave artifacts (screenshots) for people to look at.
pub fn artifacts(name: &str) -> PathBuf {
    let dir = repo().join("target").join("test-artifacts").join(name);
    std::fs::create_dir_all(&dir).expect("artifacts folder");
    dir
}

/// Replaces `from` with `to` in a file, which must contain `from` (so that an edit a test
/// relies on cannot silently do nothing).
pub fn replace_in(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("readable");
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replace(from, to)).expect("writable");
}

/// What an edit of a number in the example's 平潭 2021 writes, after watch mode or an
/// incremental build: the report's page, and nothing of another agency (淮安市).
pub fn assert_written_for_pingtan_2021(written: &[String]) {
    assert!(
        written.contains(&"agencies/pingtan/2021.html".to_string()),
        "{written:?}"
    );
    assert!(
        !written
            .iter()
            .any(|w| w.starts_with("agencies/huaian-city/")),
        "unrelated pages untouched: {written:?}"
    );
}

/// Moves every application of the first column from 予以公开 (`granted`) to 其他处理 3.其他
/// (`other_misc`) in a report, totals included, when there are at least `min`: the report
/// stays consistent and its disclosure rate drops (so its standing among its peers, and
/// theirs, moves). How many were moved; 0 (and the file untouched) otherwise.
pub fn move_granted_to_other(path: &Path, min: i64) -> i64 {
    let text = std::fs::read_to_string(path).expect("readable");
    let row = |name: &str| -> Option<(String, Vec<i64>)> {
        let line = text
            .lines()
            .find(|l| l.split('=').next().is_some_and(|k| k.trim() == name))?;
        let list = line.split('[').nth(1)?.split(']').next()?;
        let values = list
            .split(',')
            .map(|v| v.trim().parse().ok())
            .collect::<Option<Vec<i64>>>()?;
        Some((line.to_string(), values))
    };
    let (Some((misc_line, mut misc)), Some((granted_line, mut granted))) =
        (row("other_misc"), row("granted"))
    else {
        return 0;
    };
    if misc.len() != 7 || granted.len() != 7 || granted[0] < min.max(1) {
        return 0;
    }
    let n = granted[0];
    granted[0] -= n;
    granted[6] -= n;
    misc[0] += n;
    misc[6] += n;
    let line = |old: &str, values: &[i64]| {
        let head = old.split('[').next().unwrap_or_default();
        let tail = old.split(']').nth(1).unwrap_or_default();
        let list: Vec<String> = values.iter().map(i64::to_string).collect();
        format!("{head}[{}]{tail}", list.join(", "))
    };
    let new = text
        .replacen(&granted_line, &line(&granted_line, &granted), 1)
        .replacen(&misc_line, &line(&misc_line, &misc), 1);
    std::fs::write(path, new).expect("writable");
    n
}
