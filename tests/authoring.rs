//! The clerk's commands without the README: `new` creating agencies, slugs and years refused
//! with the reason, `check FILE…`, files gongkai does not read, unfilled reports, implausible
//! jumps, the placeholder `base_url`, `--quiet`, `--color`, `--output-dir`, `init .`, a port
//! in use. Messages are asserted in Chinese (the default) unless a test is about English.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn zh(dir: &Path, args: &[&str]) -> (Output, String) {
    let out = common::gongkai_zh(dir, args);
    let err = common::stderr(&out);
    (out, err)
}

fn replace_in(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn new_creates_the_agency_with_a_chinese_level_and_tier() {
    let site = common::example_site();
    let (out, err) = zh(
        site.path(),
        &[
            "new",
            "pingtan-jyj",
            "2023",
            "--name",
            "平潭综合实验区教育与体育局",
            "--level",
            "部门",
            "--tier",
            "市级",
            "--parent",
            "pingtan",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("已新建机关 content/pingtan-jyj/agency.toml"),
        "{err}"
    );
    assert!(err.contains("已新建 content/pingtan-jyj/2023.md"), "{err}");
    let agency =
        std::fs::read_to_string(site.path().join("content/pingtan-jyj/agency.toml")).unwrap();
    assert!(
        agency.contains("name = \"平潭综合实验区教育与体育局\""),
        "{agency}"
    );
    assert!(agency.contains("level = \"department\""), "{agency}");
    assert!(agency.contains("tier = \"city\""), "{agency}");
    assert!(agency.contains("parent = \"pingtan\""), "{agency}");
    // The new report is valid and named as not filled in yet.
    let (out, err) = zh(site.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("警告[unfilled]"), "{err}");
    assert!(err.contains("2023 年度报告尚未填写"), "{err}");

    // The agency page and the open data say whose department it is.
    replace_in(
        &site.path().join("content/pingtan-jyj/2023.md"),
        "licensing           = [0]",
        "licensing           = [7]",
    );
    let (out, err) = zh(site.path(), &["build"]);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let page = std::fs::read_to_string(site.path().join("public/agencies/pingtan-jyj/index.html"))
        .unwrap();
    assert!(page.contains("市级部门"), "the level on the agency page");
    let csv = std::fs::read_to_string(site.path().join("public/data/reports.csv")).unwrap();
    let header = csv.trim_start_matches('\u{feff}').lines().next().unwrap();
    assert!(
        header.starts_with("agency,agency_name,level,tier,region"),
        "{header}"
    );
    assert!(
        csv.contains("pingtan-jyj,平潭综合实验区教育与体育局,department,city,"),
        "{csv}"
    );

    // A compound level says the tier too.
    let (out, err) = zh(
        site.path(),
        &[
            "new",
            "pingtan-czj",
            "2023",
            "--name",
            "平潭财政金融局",
            "--level",
            "县级部门",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{err}");
    let agency =
        std::fs::read_to_string(site.path().join("content/pingtan-czj/agency.toml")).unwrap();
    assert!(
        agency.contains("level = \"department\"\ntier = \"county\""),
        "{agency}"
    );
}

#[test]
fn new_refuses_a_bad_slug_with_the_corrected_one() {
    let site = common::example_site();
    let (out, err) = zh(
        site.path(),
        &[
            "new",
            "Jiaoyu_Ju",
            "2023",
            "--name",
            "某某县教育局",
            "--level",
            "部门",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("`Jiaoyu_Ju` 不是有效的机关代号"), "{err}");
    assert!(err.contains("请改用 `jiaoyu-ju`"), "{err}");
    assert!(!site.path().join("content/Jiaoyu_Ju").exists());
    // An unknown level is refused before anything is written.
    let (out, err) = zh(
        site.path(),
        &[
            "new",
            "jiaoyu-ju",
            "2023",
            "--name",
            "某某县教育局",
            "--level",
            "局",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("未知的机关级别 `局`"), "{err}");
    assert!(!site.path().join("content/jiaoyu-ju").exists());
    // No name and level: how to create the agency, with a near slug suggested.
    let (out, err) = zh(site.path(), &["new", "pingtn", "2023"]);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("是否应为 `pingtan`"), "{err}");
    assert!(err.contains("--name"), "{err}");
}

#[test]
fn new_refuses_years_outside_their_format() {
    let site = common::example_site();
    let next_year = gongkai::cmd::this_year() + 1;
    for (args, says) in [
        (
            vec!["new", "pingtan", "2023", "--format", "2019"],
            "2019—2020 年度",
        ),
        (
            vec!["new", "pingtan", "2020", "--format", "2021"],
            "2021 年度及以后",
        ),
        (
            vec!["new", "pingtan", "2016"],
            "gongkai 支持 2019 年度及以后",
        ),
    ] {
        let (out, err) = zh(site.path(), &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let future = next_year.to_string();
    let (out, err) = zh(site.path(), &["new", "pingtan", &future]);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("尚未结束"), "{err}");
    assert!(
        !site
            .path()
            .join(format!("content/pingtan/{future}.md"))
            .exists()
    );
}

#[test]
fn check_of_named_files_shows_only_their_findings() {
    let site = common::example_site();
    replace_in(
        &site.path().join("content/pingtan/2022.md"),
        "reconsideration         = [0, 1, 1, 0, 2]",
        "reconsideration         = [0, 1, 1, 0, 3]",
    );
    let huaian = site.path().join("content/huaian-city/2024.md");
    let text = std::fs::read_to_string(&huaian).unwrap();
    std::fs::write(&huaian, text.replacen("year = 2024", "year = 2023", 1)).unwrap();
    // The whole site: both errors.
    let (out, err) = zh(site.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("content/pingtan/2022.md") && err.contains("content/huaian-city/2024.md"));
    // One file: its own findings only (the cross-year checks still read 2021).
    let (out, err) = zh(site.path(), &["check", "content/pingtan/2022.md"]);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("content/pingtan/2022.md"), "{err}");
    assert!(!err.contains("huaian-city"), "{err}");
    assert!(
        err.contains("已检查 1 个机关的 1 份报告：1 个错误"),
        "{err}"
    );
    let (out, err) = zh(site.path(), &["check", "content/pingtan/2021.md"]);
    assert_eq!(out.status.code(), Some(0), "{err}");
    // A file that is not a report of the site.
    let (out, err) = zh(site.path(), &["check", "site.toml"]);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("不在本网站的 content/ 文件夹中"), "{err}");
}

#[test]
fn files_gongkai_does_not_read_are_named_with_what_to_do() {
    let site = common::example_site();
    let dir = site.path().join("content/pingtan");
    std::fs::write(dir.join("2023.docx"), b"PK").unwrap();
    std::fs::write(dir.join("2020.pdf"), b"%PDF").unwrap();
    std::fs::write(dir.join("2019.html"), b"<html>").unwrap();
    std::fs::copy(dir.join("2022.md"), dir.join("2018.MD")).unwrap();
    std::fs::write(dir.join("notes.markdown"), b"x").unwrap();
    std::fs::write(dir.join("photo.jpg"), b"x").unwrap();
    let (out, err) = zh(site.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(err.matches("警告[unread-file]").count(), 5, "{err}");
    assert!(
        err.contains("gongkai import content/pingtan/2023.docx --agency pingtan"),
        "{err}"
    );
    assert!(
        err.contains("gongkai import content/pingtan/2020.pdf --agency pingtan"),
        "{err}"
    );
    assert!(err.contains("请将文件改名为 2018.md"), "{err}");
    assert!(!err.contains("photo.jpg"), "{err}");
}

#[test]
fn an_unfilled_report_is_previewed_but_not_published_unless_acknowledged() {
    let site = common::example_site();
    let (out, err) = zh(site.path(), &["new", "pingtan", "2023"]);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let (out, err) = zh(site.path(), &["build"]);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("错误[unfilled]"), "{err}");
    assert!(err.contains("未填写的报告不能发布"), "{err}");
    assert!(!site.path().join("public").exists());
    // One figure typed is enough to make it a report.
    let report = site.path().join("content/pingtan/2023.md");
    replace_in(
        &report,
        "licensing           = [0]",
        "licensing           = [12]",
    );
    let (out, err) = zh(site.path(), &["build"]);
    assert_eq!(out.status.code(), Some(0), "{err}");
    // An agency that really published an empty report acknowledges it.
    replace_in(
        &report,
        "licensing           = [12]",
        "licensing           = [0]",
    );
    replace_in(
        &report,
        "\n+++\n",
        "\n[[acknowledged]]\ncheck = \"unfilled\"\nat = \"report\"\nnote = \"该机关公开的报告各表均为0，正文为空。\"\n+++\n",
    );
    let (out, err) = zh(site.path(), &["build"]);
    assert_eq!(out.status.code(), Some(0), "{err}");
}

#[test]
fn a_tenfold_jump_is_a_warning_at_both_years_and_can_be_acknowledged() {
    let site = common::example_site();
    let report = site.path().join("content/pingtan/2022.md");
    replace_in(
        &report,
        "licensing           = [10690]",
        "licensing           = [106900]",
    );
    let out = common::gongkai(site.path(), &["check"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(err.matches("warning[D3]").count(), 1, "{err}");
    assert!(err.contains("content/pingtan/2022.md:14:24"), "{err}");
    assert!(err.contains("content/pingtan/2021.md:15:"), "{err}");
    assert!(err.contains("2021: 2293, 2022: 106900"), "{err}");
    assert!(
        err.contains("at = \"proactive.licensing.decisions\""),
        "{err}"
    );
    // A build frees the text of files without a finding once checked; the warning it prints
    // still shows the lines of both years' files.
    let out = common::gongkai(site.path(), &["build"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("licensing           = [106900]"), "{err}");
    assert!(err.contains("licensing           = [2293]"), "{err}");
    replace_in(
        &report,
        "\n+++\n",
        "\n[[acknowledged]]\ncheck = \"D3\"\nat = \"proactive.licensing.decisions\"\nnote = \"原报告如此。\"\n+++\n",
    );
    let out = common::gongkai(site.path(), &["check"]);
    let err = common::stderr(&out);
    assert!(!err.contains("warning[D3]"), "{err}");
    assert!(err.contains("acknowledged[D3]"), "{err}");
}

#[test]
fn the_placeholder_base_url_is_named_once_a_report_has_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, err) = zh(tmp.path(), &["init", "site"]);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let dir = tmp.path().join("site");
    let (_, err) = zh(&dir, &["check"]);
    assert!(!err.contains("placeholder-base-url"), "{err}");
    let report = std::fs::read_dir(dir.join("content/example-town"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "md"))
        .unwrap();
    replace_in(
        &report,
        "licensing           = [0]",
        "licensing           = [12]",
    );
    let (_, err) = zh(&dir, &["check"]);
    assert!(err.contains("警告[placeholder-base-url]"), "{err}");
    assert!(
        err.contains("site.toml 中的 base_url 仍是示例网址"),
        "{err}"
    );
}

#[test]
fn init_dot_works_in_a_folder_with_other_files_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("README.md"), "我们的档案\n").unwrap();
    std::fs::write(tmp.path().join(".gitignore"), "*.bak\n").unwrap();
    let (out, err) = zh(tmp.path(), &["init", "."]);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("已在 . 中新建网站"), "{err}");
    assert!(tmp.path().join("site.toml").is_file());
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("README.md")).unwrap(),
        "我们的档案\n"
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join(".gitignore")).unwrap(),
        "*.bak\n"
    );
    let before = std::fs::read_to_string(tmp.path().join("site.toml")).unwrap();
    let (out, err) = zh(tmp.path(), &["init"]);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("已有 site.toml, content"), "{err}");
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("site.toml")).unwrap(),
        before
    );
}

#[test]
fn quiet_prints_only_problems_and_output_dir_chooses_the_folder() {
    let site = common::example_site();
    let out = common::gongkai_zh(
        site.path(),
        &["build", "--quiet", "--output-dir", "elsewhere"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert_eq!(common::stderr(&out), "");
    assert!(site.path().join("elsewhere/index.html").is_file());
    assert!(!site.path().join("public").exists());
    // Without --quiet the same build says where it wrote.
    let (out, err) = zh(site.path(), &["build", "-o", "elsewhere"]);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("输出到 elsewhere/"), "{err}");
    // --quiet keeps problems.
    replace_in(
        &site.path().join("content/pingtan/2022.md"),
        "reconsideration         = [0, 1, 1, 0, 2]",
        "reconsideration         = [0, 1, 1, 0, 3]",
    );
    let (out, err) = zh(site.path(), &["check", "-q"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("错误[I4]"), "{err}");
}

fn check_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gongkai"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("LANG", "zh_CN.UTF-8");
    for (k, v) in env {
        cmd.env(k, v);
    }
    common::stderr(&cmd.output().unwrap())
}

#[test]
fn color_follows_the_option_then_clicolor_force_then_no_color() {
    let site = common::example_site();
    replace_in(
        &site.path().join("content/pingtan/2022.md"),
        "reconsideration         = [0, 1, 1, 0, 2]",
        "reconsideration         = [0, 1, 1, 0, 3]",
    );
    let ansi = "\u{1b}[";
    // Not a terminal: plain.
    assert!(!check_with(site.path(), &["check"], &[]).contains(ansi));
    assert!(check_with(site.path(), &["check", "--color", "always"], &[]).contains(ansi));
    assert!(check_with(site.path(), &["check"], &[("CLICOLOR_FORCE", "1")]).contains(ansi));
    assert!(!check_with(site.path(), &["check"], &[("CLICOLOR_FORCE", "0")]).contains(ansi));
    assert!(
        !check_with(
            site.path(),
            &["check", "--color", "never"],
            &[("CLICOLOR_FORCE", "1")]
        )
        .contains(ansi)
    );
    assert!(
        check_with(
            site.path(),
            &["check", "--color=always"],
            &[("NO_COLOR", "1")]
        )
        .contains(ansi)
    );
}

#[test]
fn serve_on_a_port_in_use_says_so_and_how_to_choose_another() {
    let site = common::example_site();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (out, err) = zh(site.path(), &["serve", "--port", &port]);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("端口 {port} 已被占用")), "{err}");
    assert!(err.contains("gongkai serve --port"), "{err}");
    drop(taken);
}

#[test]
fn messages_are_chinese_by_default_and_english_on_request() {
    let site = common::example_site();
    let (_, zh_text) = zh(site.path(), &["check"]);
    assert!(zh_text.contains("已检查 5 个机关的 7 份报告"), "{zh_text}");
    let en = common::gongkai_zh(site.path(), &["--lang", "en", "check"]);
    assert!(common::stderr(&en).contains("checked 7 reports of 5 agencies"));
    let en = common::gongkai(site.path(), &["check"]);
    assert!(common::stderr(&en).contains("checked 7 reports of 5 agencies"));
    let (out, err) = zh(site.path(), &["new", "pingtan", "2022"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("错误：content/pingtan/2022.md 已存在，未作任何改动"),
        "{err}"
    );
}

#[test]
fn help_of_every_command_is_chinese_by_default_and_english_on_request() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in [
        "", "check", "build", "serve", "watch", "new", "import", "init",
    ] {
        let mut args: Vec<&str> = cmd.split_whitespace().collect();
        args.push("-h");
        let out = common::gongkai_zh(dir.path(), &args);
        assert_eq!(out.status.code(), Some(0), "{cmd}");
        let help = common::stdout(&out);
        assert!(help.contains("用法：gongkai"), "{cmd}:\n{help}");
        for english in [
            "Usage",
            "[OPTIONS]",
            "<COMMAND>",
            "[default",
            "[possible",
            "Options:",
            "Print help",
            "Arguments:",
        ] {
            assert!(!help.contains(english), "{cmd}: `{english}` in\n{help}");
        }
        // Every option and argument is explained in Chinese.
        for line in help
            .lines()
            .filter(|l| l.trim_start().starts_with('-') || l.trim_start().starts_with('<'))
        {
            assert!(
                line.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{cmd}: `{line}` has no Chinese help"
            );
        }
        let out = common::gongkai(dir.path(), &args);
        assert!(
            common::stdout(&out).contains("Usage: gongkai"),
            "{cmd} in English"
        );
    }
    // A command line that cannot be understood: exit 64, in Chinese, with the usage.
    let out = common::gongkai_zh(dir.path(), &["new"]);
    assert_eq!(out.status.code(), Some(64));
    let err = common::stderr(&out);
    assert!(
        err.contains("错误：缺少必需的参数：<机关代号>、<年度>"),
        "{err}"
    );
    assert!(
        err.contains("用法：gongkai new [选项] <机关代号> <年度>"),
        "{err}"
    );
}

/// D2 (条例 第五十条): a report published after 31 January of the next year is a warning at its
/// `published` date with the days late; the deadline day itself is on time; the check can be
/// turned off and acknowledged; readers see 逾期N天发布 on the report page and the share
/// published on time on the year page (the example's pingtan 2021 was published 2022-02-08).
#[test]
fn a_late_report_is_a_warning_shown_to_readers_and_can_be_acknowledged() {
    let site = common::example_site();
    let report = site.path().join("content/pingtan/2021.md");
    let text = std::fs::read_to_string(&report).unwrap();
    let ack_start = text.find("\n[[acknowledged]]\ncheck = \"D2\"").unwrap();
    let ack_end = ack_start + text[ack_start..].find("\n+++\n").unwrap();
    let ack = text[ack_start..ack_end].to_string();
    replace_in(&report, &ack, "");
    let out = common::gongkai(site.path(), &["check"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(err.matches("warning[D2]").count(), 1, "{err}");
    assert!(err.contains("content/pingtan/2021.md:5:13"), "{err}");
    assert!(
        err.contains("published on 2022-02-08, after the deadline of 2022-01-31")
            && err.contains("8 days late"),
        "{err}"
    );
    assert!(
        err.contains("check = \"D2\"") && err.contains("at = \"report\""),
        "{err}"
    );
    // The deadline day is on time; the day after is one day late.
    replace_in(&report, "published = 2022-02-08", "published = 2022-01-31");
    let err = common::stderr(&common::gongkai(site.path(), &["check"]));
    assert!(!err.contains("warning[D2]"), "{err}");
    replace_in(&report, "published = 2022-01-31", "published = 2022-02-01");
    let err = common::stderr(&common::gongkai(site.path(), &["check"]));
    assert!(err.contains("1 days late"), "{err}");
    // Off in site.toml.
    let toml = site.path().join("site.toml");
    replace_in(
        &toml,
        "[validation.checks]\n",
        "[validation.checks]\nD2 = \"off\"\n",
    );
    let err = common::stderr(&common::gongkai(site.path(), &["check"]));
    assert!(
        !err.contains("[D2]"),
        "off drops it, acknowledged or not: {err}"
    );
    replace_in(
        &toml,
        "[validation.checks]\nD2 = \"off\"\n",
        "[validation.checks]\n",
    );
    // Acknowledged, and shown to readers.
    replace_in(&report, "published = 2022-02-01", "published = 2022-02-08");
    replace_in(&report, "\n+++\n", &format!("{ack}\n+++\n"));
    let out = common::gongkai(site.path(), &["build"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("warning[D2]"), "{err}");
    let page =
        std::fs::read_to_string(site.path().join("public/agencies/pingtan/2021.html")).unwrap();
    assert!(
        page.contains("2022-02-08 · 逾期8天发布（期限：2022-01-31，条例第五十条）"),
        "{page}"
    );
    assert!(
        page.contains("<span class=\"code\">D2</span>"),
        "the acknowledged finding is listed"
    );
    let on_time =
        std::fs::read_to_string(site.path().join("public/agencies/pingtan/2019.html")).unwrap();
    assert!(
        on_time.contains("2020-01-20 · 按时发布（期限：2020-01-31"),
        "{on_time}"
    );
    let year = std::fs::read_to_string(site.path().join("public/years/2021/index.html")).unwrap();
    assert!(
        year.contains("按时发布：有发布日期的1份报告中0份在2022-01-31前发布（0%"),
        "{year}"
    );
}

/// X4: a figure the prose states is compared with the tables, with every reading its phrase
/// allows (收到申请 may include the carried over), located in the text and at the table cell,
/// acknowledgeable per statement, and shown to readers with both numbers.
#[test]
fn a_figure_in_the_text_that_the_tables_contradict_is_a_warning() {
    let site = common::example_site();
    let report = site.path().join("content/pingtan/2022.md");
    // As published: 全年办结75件 and 收到申请75件 (74 new + 1 carried over) agree.
    let out = common::gongkai(site.path(), &["check"]);
    let err = common::stderr(&out);
    assert!(!err.contains("[X4]"), "{err}");
    replace_in(&report, "全年办结75件", "全年办结57件");
    replace_in(&report, "“收到申请75件”", "“收到申请76件”");
    let out = common::gongkai(site.path(), &["check"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(err.matches("warning[X4]").count(), 2, "{err}");
    assert!(
        err.contains("the text states handled as 57件, which the tables do not: the tables give Total handled 75"),
        "{err}"
    );
    assert!(
        err.contains("the tables give New applications 74, or New applications + Carried over 75"),
        "both readings are named: {err}"
    );
    assert!(
        err.contains("the figure in the tables (requests.total.total)"),
        "{err}"
    );
    assert!(
        err.contains("at = \"handled\"") && err.contains("at = \"received\""),
        "{err}"
    );
    // Located in the text, and at the cell in the table.
    let text = std::fs::read_to_string(&report).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("全年办结57件"))
        .unwrap()
        + 1;
    assert!(
        err.contains(&format!("content/pingtan/2022.md:{line}:")),
        "{err}"
    );
    // Acknowledged as published, and shown to readers with both numbers.
    replace_in(&report, "“收到申请76件”", "“收到申请75件”");
    replace_in(
        &report,
        "\n+++\n",
        "\n[[acknowledged]]\ncheck = \"X4\"\nat = \"handled\"\nnote = \"原报告正文如此。\"\n+++\n",
    );
    let out = common::gongkai(site.path(), &["build"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("warning[X4]"), "{err}");
    let page =
        std::fs::read_to_string(site.path().join("public/agencies/pingtan/2022.html")).unwrap();
    assert!(
        page.contains("<span class=\"code\">X4</span> <strong>办结</strong>"),
        "{page}"
    );
    assert!(
        page.contains("正文所写数字为57，统计表为办理总计 75"),
        "{page}"
    );
    // A statement that is not one of the kinds is refused, with the kinds listed.
    replace_in(&report, "at = \"handled\"", "at = \"handeld\"");
    let err = common::stderr(&common::gongkai(site.path(), &["check"]));
    assert!(
        err.contains("error[unknown-place]") && err.contains("received, carried_over, handled"),
        "{err}"
    );
}
