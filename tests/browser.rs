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

/// home → agency → report → year page from file://, sorting the comparison table; every page
/// kind at 390 px without horizontal overflow, with row labels that stay in view and legible
/// headers, and without a serious axe-core violation; the report page printed to PDF by
/// Chromium and read back (page numbers, no navigation, headers repeated). Screenshots and the
/// PDF are left in target/test-artifacts/screenshots/.
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
    for kind in [
        "home",
        "agencies",
        "agency",
        "report",
        "years",
        "year",
        "compare",
        "search",
        "data",
        "quality",
        "rollup",
        "not-found",
    ] {
        assert!(
            artifacts.join(format!("{kind}-phone.png")).is_file(),
            "{kind} screenshot"
        );
        assert!(
            log.contains(&format!("ok   {kind}: axe finds no serious violation")),
            "{kind}: axe\n{log}"
        );
        assert!(
            log.contains(&format!("ok   {kind} at 390px: row labels stay in view")),
            "{kind}: sticky labels\n{log}"
        );
    }
    for step in [
        "every printed page is numbered n / N",
        "no navigation or search box on paper",
        "the 三 table starts on the page of its heading",
        "compare at 390px: the first numbers are in view",
        "the agencies page links a region's roll-up",
    ] {
        assert!(log.contains(&format!("ok   {step}")), "{step}\n{log}");
    }
    assert!(artifacts.join("report-print.pdf").is_file());
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
