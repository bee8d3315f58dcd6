//! The parse cache trusts only what this user's gongkai wrote: a `.gongkai/reports.cache`
//! that came with a site folder from elsewhere can never put a figure on the site.
//! (One test in this binary: it sets the process's configuration folder.)

mod common;

use std::path::Path;
use std::process::Command;

use gongkai::format::formats;
use gongkai::model::Cell;

fn check(site: &Path, config: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args(["check", "--format", "json"])
        .current_dir(site)
        .env("XDG_CONFIG_HOME", config)
        .env("NO_COLOR", "1")
        .env("LANG", "en_US.UTF-8")
        .env_remove("LC_ALL")
        .output()
        .expect("gongkai runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_cache_written_under_another_secret_is_never_read() {
    let mine = tempfile::tempdir().unwrap();
    let theirs = tempfile::tempdir().unwrap();
    // SAFETY: the only test of this binary, before any other thread of it reads the
    // environment; this process's loads then use `mine`'s secret.
    unsafe { std::env::set_var("XDG_CONFIG_HOME", mine.path()) };
    let site = common::example_site();
    let dir = site.path();
    let fresh = check(dir, mine.path());
    assert!(mine.path().join("gongkai/cache-secret").is_file());
    assert!(dir.join(".gongkai/reports.cache").is_file());

    // A cache made with `mine`'s secret by someone who changed 本年新收 总计 of
    // pingtan 2022 from 74 to 999 in the cache only (the file still says 74).
    let loaded = gongkai::load::load_site(dir).unwrap();
    // Written afresh (an open cache copies the entries it holds rather than encode them).
    std::fs::remove_file(dir.join(".gongkai/reports.cache")).unwrap();
    let cache = gongkai::load::cache::Cache::open(dir);
    let mut reports = loaded.site.reports.clone();
    let r = reports
        .iter_mut()
        .find(|r| r.agency == "pingtan" && r.year == 2022)
        .unwrap();
    let f = formats();
    let ti = f
        .tables_of(r.format())
        .position(|t| t.key == "requests")
        .unwrap();
    let t = f.tables_of(r.format()).nth(ti).unwrap();
    let row = t.row_index("new").unwrap();
    assert_eq!(r.tables[ti].cell(row, 6), Some(Cell::Count(74)));
    assert!(r.tables[ti].set_cell(row, 6, Cell::Count(999)));
    let entries: Vec<(u128, &gongkai::model::Report)> = reports
        .iter()
        .map(|r| {
            let text = std::fs::read_to_string(dir.join(&r.path)).unwrap();
            let year = r.path.rsplit('/').next().and_then(|n| n[..4].parse().ok());
            (cache.key(&r.path, &r.agency, year, &text).unwrap(), r)
        })
        .collect();
    cache.save(dir, &entries);

    // With that secret the entry is read (so this test can tell the difference) ...
    let poisoned = check(dir, mine.path());
    assert!(poisoned.contains("本年新收申请 999"), "{poisoned}");
    // ... and under anybody else's it never is: the check is the file's.
    let poisoned_file = std::fs::read(dir.join(".gongkai/reports.cache")).unwrap();
    std::fs::write(dir.join(".gongkai/reports.cache"), &poisoned_file).unwrap();
    assert_eq!(check(dir, theirs.path()), fresh);
    let mut site_build = Command::new(env!("CARGO_BIN_EXE_gongkai"));
    site_build
        .args(["build"])
        .current_dir(dir)
        .env("XDG_CONFIG_HOME", theirs.path());
    std::fs::write(dir.join(".gongkai/reports.cache"), &poisoned_file).unwrap();
    assert!(site_build.status().unwrap().success());
    let page = std::fs::read_to_string(dir.join("public/agencies/pingtan/2022.html")).unwrap();
    assert!(
        !page.contains(">999<"),
        "the poisoned figure is not on the site"
    );
}
