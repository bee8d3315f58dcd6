//! Watch-mode latency on a large archive: `cargo bench --bench watch`.
//!
//! Generates a synthetic archive (default 2,000 agencies × 5 years = 10,000 reports), runs
//! a full `gongkai build` for reference, starts `gongkai watch`, then edits 20 reports (10
//! number edits, 10 prose edits, each in a different agency) and measures the time from the
//! file write to the updated page on disk (the page file is replaced atomically, so a new
//! inode means the new page is complete). Finally it edits the site's report template (every
//! report page uses it) and measures the time until watch reports the update.
//!
//! Environment: `GONGKAI_BENCH_AGENCIES` (default 2000), `GONGKAI_BENCH_DIR` (default
//! `target/bench-watch`; it is replaced).

use std::io::{BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gongkai::synth::{Options, generate};

const EDITS: usize = 20;
const TIMEOUT: Duration = Duration::from_secs(120);

fn main() {
    let agencies: usize = std::env::var("GONGKAI_BENCH_AGENCIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let dir = std::env::var_os("GONGKAI_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-watch"));
    let _ = std::fs::remove_dir_all(&dir);
    let t = Instant::now();
    let generated = generate(
        &Options {
            agencies,
            years: 5,
            ..Options::default()
        },
        &dir,
    )
    .expect("generate the archive");
    println!(
        "generated {} reports of {} agencies in {:.1} s ({})",
        generated.reports,
        generated.agencies,
        t.elapsed().as_secs_f64(),
        dir.display()
    );

    // The site's own copy of the report template, edited at the end.
    let template = dir.join("templates/report.html");
    std::fs::create_dir_all(dir.join("templates")).expect("templates folder");
    let theme_template =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/report.html");
    std::fs::copy(&theme_template, &template).expect("copy the report template");

    let exe = env!("CARGO_BIN_EXE_gongkai");
    let t = Instant::now();
    let status = Command::new(exe)
        .arg("build")
        .arg("--root")
        .arg(&dir)
        .stderr(Stdio::null())
        .status()
        .expect("gongkai build runs");
    assert!(status.success(), "the archive builds");
    let full_build = t.elapsed();
    println!(
        "full build (gongkai build): {:.2} s",
        full_build.as_secs_f64()
    );

    let watch = Watch::start(exe, &dir);
    // Reports of a 2021-format year, each in a different agency.
    let mut targets: Vec<PathBuf> = walkdir::WalkDir::new(dir.join("content"))
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .map(|e| e.into_path())
        .filter(|p| p.file_name().is_some_and(|n| n == "2022.md"))
        .collect();
    let step = (targets.len() / EDITS).max(1);
    targets = targets.into_iter().step_by(step).take(EDITS).collect();

    let mut times = Vec::new();
    let mut totals: Vec<u64> = Vec::new();
    for (k, report) in targets.iter().enumerate() {
        let agency = report
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let page = dir.join("public/agencies").join(&agency).join("2022.html");
        let before = std::fs::metadata(&page).expect("the page exists").ino();
        let text = std::fs::read_to_string(report).expect("read the report");
        let (edited, marker) = if k % 2 == 0 {
            edit_number(&text, k)
        } else {
            edit_prose(&text, k)
        };
        let start = Instant::now();
        std::fs::write(report, edited).expect("write the report");
        loop {
            if std::fs::metadata(&page).map(|m| m.ino()).unwrap_or(before) != before {
                break;
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "{} was not updated:\n{}",
                page.display(),
                watch.log()
            );
            std::thread::sleep(Duration::from_micros(500));
        }
        let took = start.elapsed();
        let html = std::fs::read_to_string(&page).expect("read the page");
        assert!(html.contains(&marker), "{} lacks {marker}", page.display());
        times.push(took);
        // Let watch finish writing the other files before the next edit.
        watch.wait_updates(k + 1);
        let total = watch.last_update_ms();
        totals.push(total);
        println!(
            "edit {:>2} ({:<6} {:<20}): page on disk {:>6.1} ms, every file {:>5} ms",
            k + 1,
            if k % 2 == 0 { "number" } else { "prose" },
            agency,
            ms(took),
            total
        );
    }
    times.sort();
    let median = (times[EDITS / 2 - 1] + times[EDITS / 2]) / 2;
    println!(
        "report edit → page on disk: median {:.1} ms, worst {:.1} ms (target: median ≤ 100 ms)",
        ms(median),
        ms(times[EDITS - 1])
    );
    totals.sort();
    println!(
        "report edit → every dependent file written (as watch reports it, debounce excluded): median {} ms, worst {} ms",
        totals[EDITS / 2],
        totals[EDITS - 1]
    );

    let text = std::fs::read_to_string(&template).expect("read the template");
    let edited = text.replacen(
        "<article class=\"report\">",
        "<article class=\"report bench\">",
        1,
    );
    assert_ne!(text, edited, "the template has the expected markup");
    let start = Instant::now();
    std::fs::write(&template, edited).expect("write the template");
    watch.wait_updates(EDITS + 1);
    let template_time = start.elapsed();
    println!(
        "report template edit → {} report pages re-rendered: {:.2} s (full build {:.2} s; target ≤ full build)",
        generated.reports,
        template_time.as_secs_f64(),
        full_build.as_secs_f64()
    );
    let sample = dir
        .join("public/agencies")
        .join(
            targets[0]
                .parent()
                .and_then(|p| p.file_name())
                .expect("agency"),
        )
        .join("2022.html");
    assert!(
        std::fs::read_to_string(sample)
            .expect("read")
            .contains("report bench")
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Adds `k + 1` to 行政处罚 (no identity involves it): a realistic correction.
fn edit_number(text: &str, k: usize) -> (String, String) {
    let line = text
        .lines()
        .find(|l| l.starts_with("penalties"))
        .expect("a penalties row");
    let value: u64 = line
        .split(['[', ']'])
        .nth(1)
        .and_then(|v| v.trim().parse().ok())
        .expect("one number");
    let new = value + 1_000_000 + k as u64;
    let new_line = line.replacen(&format!("[{value}]"), &format!("[{new}]"), 1);
    (text.replacen(line, &new_line, 1), format!(">{new}<"))
}

/// Appends a sentence to the first prose section.
fn edit_prose(text: &str, k: usize) -> (String, String) {
    let marker = format!("本年度补充说明第{k}条。");
    let at = text
        .find("\n## ")
        .and_then(|i| text[i + 1..].find("\n\n").map(|j| i + 1 + j))
        .expect("a prose section");
    (
        format!("{}\n\n{marker}{}", &text[..at], &text[at..]),
        marker,
    )
}

/// A running `gongkai watch` whose stderr is collected.
struct Watch {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Watch {
    fn start(exe: &str, dir: &Path) -> Watch {
        let mut child = Command::new(exe)
            .args(["--lang", "en", "watch"])
            .arg("--root")
            .arg(dir)
            .stderr(Stdio::piped())
            .spawn()
            .expect("gongkai watch runs");
        let log = Arc::new(Mutex::new(String::new()));
        let sink = log.clone();
        let stderr = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut l) = sink.lock() {
                    l.push_str(&line);
                    l.push('\n');
                }
            }
        });
        let w = Watch { child, log };
        w.wait_for(|l| l.contains("watching for changes"));
        w
    }

    fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn wait_for(&self, done: impl Fn(&str) -> bool) {
        let start = Instant::now();
        while !done(&self.log()) {
            assert!(
                start.elapsed() < TIMEOUT,
                "watch did not get there:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// The duration of the last update, as watch printed it (`updated in N ms`).
    fn last_update_ms(&self) -> u64 {
        let log = self.log();
        let last = log.rsplit("updated in ").next().unwrap_or_default();
        last.split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    /// Waits until watch has reported `n` updates.
    fn wait_updates(&self, n: usize) {
        self.wait_for(|l| l.matches("updated in").count() >= n);
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
