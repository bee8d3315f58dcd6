//! `gongkai init <dir>`: a new, valid site in an empty or new folder.

use std::path::Path;

use crate::author::{Draft, render};
use crate::format::formats;

use super::{EXIT_ERRORS, EXIT_OK};

const SITE_TOML: &str = r#"# Site settings (see the README for every key).
title = "政府信息公开工作年度报告"
description = "本机关及所属单位政府信息公开工作年度报告"
language = "zh-CN"            # "zh-CN" or "en"
base_url = "https://example.gov.cn/gknb/"  # only used where an absolute URL is required
output_dir = "public"
theme = "default"

[validation]
deny_warnings = false         # true: warnings fail `gongkai check`
# Per-check severity: "error", "warning" or "off". I1–I4 are errors, X1–X3 and D1 warnings.
[validation.checks]
# X2 = "off"
"#;

const AGENCY_TOML: &str = r#"name = "示例镇人民政府"        # full name as printed on reports
short_name = "示例镇"
level = "乡镇"                 # 省级、市级、县级、乡镇、部门（部门另写 tier = "县级"）
region = "某省某市某区"
# parent = "some-district"    # folder name of the parent agency, if archived here
order = 10                     # position in lists (smaller first)
"#;

pub fn run(dir: &Path) -> i32 {
    // An existing folder is fine (`gongkai init .` in a fresh repository); only what a site
    // consists of must not be there already.
    if dir.exists() && !dir.is_dir() {
        eprintln!(
            "{}",
            t!(
                "cmd.error",
                message = t!("init.not_folder", dir = dir.display())
            )
        );
        return EXIT_ERRORS;
    }
    let taken: Vec<&str> = ["site.toml", "content"]
        .into_iter()
        .filter(|n| dir.join(n).exists())
        .collect();
    if !taken.is_empty() {
        eprintln!(
            "{}",
            t!(
                "cmd.error",
                message = t!("init.taken", dir = dir.display(), names = taken.join(", "))
            )
        );
        return EXIT_ERRORS;
    }
    let year = super::this_year() - 1;
    let agency = dir.join("content").join("example-town");
    let report = render(&Draft::skeleton(year, formats().default_for_year(year)));
    let gitignore = dir.join(".gitignore");
    let result = std::fs::create_dir_all(&agency)
        .and_then(|_| std::fs::write(dir.join("site.toml"), SITE_TOML))
        .and_then(|_| {
            if gitignore.exists() {
                Ok(())
            } else {
                std::fs::write(&gitignore, "/public/\n/.public.gongkai-lock\n/.gongkai/\n")
            }
        })
        .and_then(|_| std::fs::write(agency.join("agency.toml"), AGENCY_TOML))
        .and_then(|_| std::fs::write(agency.join(format!("{year}.md")), report));
    match result {
        Ok(()) => {
            say!("{}", t!("init.done", dir = dir.display(), year = year));
            EXIT_OK
        }
        Err(e) => {
            eprintln!(
                "{}",
                t!(
                    "cmd.error",
                    message = t!("init.failed", dir = dir.display(), error = e)
                )
            );
            EXIT_ERRORS
        }
    }
}
