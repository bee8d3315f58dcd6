//! Tests in a real browser (headless Chromium driven by playwright-core) and the W3C Nu HTML
//! checker, on the built example archive. `.ci/run` installs both (chromium from Debian,
//! the npm packages in tests/browser/); locally they are skipped with a message if missing.

mod common;

use std::path::Path;
use std::process::Command;

fn built_example() -> tempfile::TempDir {
    let site = common::example_site();
    let out = common::gongkai(site.path(), &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    site
}

/// home → agency → report → year page from file://, sorting the comparison table, and every
/// page kind at phone width without horizontal overflow; screenshots of each page kind are
/// left in target/test-artifacts/screenshots/.
#[test]
fn navigation_sorting_and_phone_width_in_chromium() {
    let modules = common::repo().join("tests/browser/node_modules/playwright-core");
    if !common::tool_available(Path::new("/usr/bin/chromium"), "chromium")
        || !common::tool_available(&modules, "playwright-core (npm install in tests/browser)")
    {
        return;
    }
    let site = built_example();
    let artifacts = common::artifacts("screenshots");
    let out = Command::new("node")
        .arg(common::repo().join("tests/browser/nav.mjs"))
        .arg(site.path().join("public"))
        .arg(&artifacts)
        .output()
        .expect("node runs");
    let log = format!("{}{}", common::stdout(&out), common::stderr(&out));
    assert!(out.status.success(), "browser checks failed:\n{log}");
    assert!(log.contains("ok   report → year page"), "{log}");
    for kind in ["home", "agency", "report", "year", "compare", "not-found"] {
        assert!(
            artifacts.join(format!("{kind}-phone.png")).is_file(),
            "{kind} screenshot"
        );
    }
}

/// The W3C Nu HTML checker finds no error in any page of the example archive.
#[test]
fn every_page_is_valid_html() {
    let jar = common::repo().join("tests/browser/node_modules/vnu-jar/build/dist/vnu.jar");
    if !common::tool_available(&jar, "vnu.jar (npm install in tests/browser)") {
        return;
    }
    let site = built_example();
    for lang in ["zh-CN", "en"] {
        if lang == "en" {
            let cfg = site.path().join("site.toml");
            let text = std::fs::read_to_string(&cfg).unwrap();
            std::fs::write(
                &cfg,
                text.replace("language = \"zh-CN\"", "language = \"en\""),
            )
            .unwrap();
            let out = common::gongkai(site.path(), &["build"]);
            assert_eq!(out.status.code(), Some(0));
        }
        let out = Command::new("java")
            .args(["-jar"])
            .arg(&jar)
            .args(["--errors-only", "--skip-non-html"])
            .arg(site.path().join("public"))
            .output()
            .expect("java runs vnu.jar");
        let log = format!("{}{}", common::stdout(&out), common::stderr(&out));
        assert!(
            out.status.success() && log.trim().is_empty(),
            "{lang}: HTML errors:\n{log}"
        );
    }
}
