//! The commands as a user runs them: `check` (human and JSON), `new`, `init`.

mod common;

use serde_json::Value;

#[test]
fn check_on_the_example_archive_lists_exactly_the_acknowledged_inconsistencies() {
    let out = common::gongkai(&common::repo(), &["check"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    // 上海 2019: D1 + eleven I2 rows + I3 总计; 沭阳 2023: D1; 平潭 2021 and 2022 published
    // after 31 January: D2. No warning, no cross-year finding.
    assert_eq!(err.matches("acknowledged[").count(), 16, "{err}");
    assert_eq!(err.matches("acknowledged[D2]").count(), 2, "{err}");
    assert_eq!(err.matches("acknowledged[I2]").count(), 11, "{err}");
    assert_eq!(err.matches("acknowledged[D1]").count(), 2, "{err}");
    assert_eq!(err.matches("acknowledged[I3]").count(), 1, "{err}");
    assert!(!err.contains("warning["), "{err}");
    assert!(
        err.contains("checked 7 reports of 5 agencies: 0 errors, 0 warnings, 16 acknowledged"),
        "{err}"
    );
}

#[test]
fn check_json_is_a_documented_array_that_parses_back() {
    let site = common::example_site();
    // Break one report so the output holds an error as well as acknowledged findings.
    let report = site.path().join("content/pingtan/2022.md");
    let text = std::fs::read_to_string(&report).unwrap();
    let text = text.replacen(
        "reconsideration         = [0, 1, 1, 0, 2]",
        "reconsideration         = [0, 1, 1, 0, 3]",
        1,
    );
    std::fs::write(&report, text).unwrap();

    let out = common::gongkai(site.path(), &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let diags: Vec<Value> =
        serde_json::from_str(&common::stdout(&out)).expect("stdout is a JSON array");
    let keys = [
        "severity",
        "code",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "label",
        "expected",
        "found",
        "help",
        "at",
        "acknowledgement",
        "related",
        "cells",
    ];
    for d in &diags {
        let obj = d.as_object().expect("object");
        for k in keys {
            assert!(obj.contains_key(k), "missing {k} in {d}");
        }
    }
    let i4: Vec<&Value> = diags.iter().filter(|d| d["code"] == "I4").collect();
    assert_eq!(i4.len(), 1);
    let d = i4[0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "content/pingtan/2022.md");
    assert_eq!(d["label"], "行政复议 / 总计");
    assert_eq!(
        d["expected"],
        "2 (= 结果维持 0 + 结果纠正 1 + 其他结果 1 + 尚未审结 0)"
    );
    assert_eq!(d["found"], "3");
    assert_eq!(d["at"], "reconsideration");
    assert_eq!(d["cells"][0], "appeals.reconsideration.total");
    assert_eq!(d["values"]["expected"], "2");
    assert_eq!(d["values"]["found"], "3");
    assert_eq!(d["values"]["empty_cells"], 0);
    // The line and column point at the 总计 cell.
    let line = d["line"].as_u64().unwrap() as usize;
    let col = d["column"].as_u64().unwrap() as usize;
    let text = std::fs::read_to_string(&report).unwrap();
    let l = text.lines().nth(line - 1).unwrap();
    let rest: String = l.chars().skip(col - 1).collect();
    assert!(rest.starts_with("3]"), "{l} @ {col}");
    // The acknowledged findings of the archive are there too, with their notes.
    let acks: Vec<&Value> = diags
        .iter()
        .filter(|d| d["severity"] == "acknowledged")
        .collect();
    assert_eq!(acks.len(), 16);
    assert!(
        acks.iter()
            .all(|d| d["acknowledgement"].as_str().is_some_and(|n| !n.is_empty()))
    );
}

#[test]
fn check_outside_a_site_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = common::gongkai(tmp.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("no site.toml"));
}

#[test]
fn validation_overrides_change_severity_and_switch_checks_off() {
    let site = common::example_site();
    let p = site.path().join("content/pingtan/2022.md");
    let text = std::fs::read_to_string(&p).unwrap();
    // Break X2 (现行有效 698 → 699) and X1.
    let text = text.replacen("[88, 55, 698]", "[88, 55, 699]", 1);
    std::fs::write(&p, text).unwrap();
    let out = common::gongkai(site.path(), &["check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "continuity findings are warnings"
    );
    assert!(common::stderr(&out).contains("warning[X2]"));

    let cfg = site.path().join("site.toml");
    let base = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, format!("{base}X2 = \"error\"\n")).unwrap();
    let out = common::gongkai(site.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(common::stderr(&out).contains("error[X2]"));

    std::fs::write(&cfg, format!("{base}X2 = \"off\"\n")).unwrap();
    let out = common::gongkai(site.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!common::stderr(&out).contains("X2"));

    std::fs::write(
        &cfg,
        base.replace("deny_warnings = false", "deny_warnings = true"),
    )
    .unwrap();
    let out = common::gongkai(site.path(), &["check"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "deny_warnings fails on the X2 warning"
    );
}

#[test]
fn acknowledging_a_finding_makes_check_pass_and_keeps_the_note() {
    let site = common::example_site();
    let p = site.path().join("content/pingtan/2022.md");
    let text = std::fs::read_to_string(&p).unwrap();
    let broken = text.replacen(
        "reconsideration         = [0, 1, 1, 0, 2]",
        "reconsideration         = [0, 1, 1, 0, 3]",
        1,
    );
    let acked = broken.replacen(
        "\n+++\n",
        "\n\n[[acknowledged]]\ncheck = \"I4\"\nat = \"reconsideration\"\nnote = \"原报告如此印发。\"\n+++\n",
        1,
    );
    std::fs::write(&p, acked).unwrap();
    let out = common::gongkai(site.path(), &["check"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("acknowledged[I4]: content/pingtan/2022.md:"),
        "{err}"
    );
    assert!(err.contains("note: 原报告如此印发。"), "{err}");
}

#[test]
fn new_writes_a_valid_skeleton_and_never_overwrites() {
    let site = common::example_site();
    for (year, format, rows) in [
        ("2023", None, "other_misc"),
        ("2020", None, "other "),
        ("2021", None, "other_misc"),
    ] {
        let mut args = vec!["new", "pingtan", year];
        if let Some(f) = format {
            args.extend(["--format", f]);
        }
        let out = common::gongkai(site.path(), &args);
        if year == "2021" {
            // 2021.md exists already: refused, file unchanged.
            assert_eq!(out.status.code(), Some(1));
            assert!(common::stderr(&out).contains("already exists"));
            let text =
                std::fs::read_to_string(site.path().join("content/pingtan/2021.md")).unwrap();
            assert!(text.contains("[69, 3, 665]"));
            continue;
        }
        assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
        let text = std::fs::read_to_string(site.path().join(format!("content/pingtan/{year}.md")))
            .unwrap();
        assert!(text.contains(rows), "{text}");
        assert!(
            text.contains("## 一、总体情况")
                && text.contains("## 五、")
                && text.contains("## 六、")
        );
    }
    // The skeletons pass check (zeros satisfy every identity) but are named as unfilled.
    let out = common::gongkai(site.path(), &["check"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(err.matches("warning[unfilled]").count(), 2, "{err}");
    // Unknown agency: a suggestion.
    let out = common::gongkai(site.path(), &["new", "pingtn", "2023"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(common::stderr(&out).contains("did you mean `pingtan`?"));
}

#[test]
fn init_creates_a_valid_site_and_refuses_a_non_empty_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site");
    let out = common::gongkai(tmp.path(), &["init", "site"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let out = common::gongkai(&dir, &["check"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    // The example report is the skeleton: named, not an error while authoring.
    assert!(err.contains("0 errors, 1 warning"), "{err}");
    assert!(err.contains("warning[unfilled]"), "{err}");
    // …and not published.
    let out = common::gongkai(&dir, &["build"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("error[unfilled]"), "{err}");
    assert!(!dir.join("public").exists());
    let before = std::fs::read_to_string(dir.join("site.toml")).unwrap();
    let out = common::gongkai(tmp.path(), &["init", "site"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(dir.join("site.toml")).unwrap(),
        before
    );
}

/// The README documents every row key of every format, so it cannot silently go stale.
#[test]
fn readme_documents_every_row_key() {
    let readme = std::fs::read_to_string(common::repo().join("README.md")).unwrap();
    let f = gongkai::format::formats();
    for t in &f.tables {
        for r in &t.rows {
            assert!(
                readme.contains(&format!("{} ", r.key)) || readme.contains(&format!("{}\n", r.key)),
                "README lacks row key {}",
                r.key
            );
        }
    }
}
