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
level = "township"             # province, city, county, township or department
region = "某省某市某区"
# parent = "some-district"    # folder name of the parent agency, if archived here
order = 10                     # position in lists (smaller first)
"#;

/// The calendar year of the last completed year (the one a report written now covers).
fn last_year() -> i32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Days to civil year (proleptic Gregorian), enough precision for a default.
    let years = (secs / 86_400) as f64 / 365.2425;
    1970 + years as i32 - 1
}

pub fn run(dir: &Path) -> i32 {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map(|mut r| r.next().is_none())
            .unwrap_or(false);
        if !dir.is_dir() || !empty {
            eprintln!(
                "error: {} exists and is not an empty folder; `gongkai init` only creates new sites and never overwrites",
                dir.display()
            );
            return EXIT_ERRORS;
        }
    }
    let year = last_year();
    let agency = dir.join("content").join("example-town");
    let report = render(&Draft::skeleton(year, formats().default_for_year(year)));
    let result = std::fs::create_dir_all(&agency)
        .and_then(|_| std::fs::write(dir.join("site.toml"), SITE_TOML))
        .and_then(|_| std::fs::write(dir.join(".gitignore"), "/public/\n"))
        .and_then(|_| std::fs::write(agency.join("agency.toml"), AGENCY_TOML))
        .and_then(|_| std::fs::write(agency.join(format!("{year}.md")), report));
    match result {
        Ok(()) => {
            println!("created a site in {}", dir.display());
            println!("  site.toml                          site settings");
            println!("  content/example-town/agency.toml   an example agency");
            println!("  content/example-town/{year}.md        its {year} report, zero-filled");
            println!(
                "next: cd {} && gongkai check && gongkai build",
                dir.display()
            );
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: cannot create the site in {}: {e}", dir.display());
            EXIT_ERRORS
        }
    }
}
