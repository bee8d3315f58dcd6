//! `gongkai import`: published reports → `content/<agency>/<year>.md`, then the same checks
//! as `check` on what was written, and a summary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostics, Severity};
use crate::import::{self, Options};
use crate::load::rel_path;
use crate::output::write_atomic;

use super::{EXIT_ERRORS, EXIT_OK, EXIT_UNREADABLE, site_root};

pub struct Args {
    pub input: PathBuf,
    pub agency: Option<String>,
    pub year: Option<i32>,
    /// `None` for auto-detection.
    pub format: Option<String>,
    pub force: bool,
    /// Seconds a web address may take.
    pub timeout: u64,
}

/// One input's outcome.
struct Outcome {
    file: String,
    report: Option<String>,
    result: Result<usize, String>,
}

pub fn run(root: Option<&Path>, args: Args) -> i32 {
    let root = match site_root(root) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}", t!("cmd.error", message = e));
            return EXIT_UNREADABLE;
        }
    };
    let files = match inputs(&args) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{}", t!("cmd.error", message = e));
            return EXIT_UNREADABLE;
        }
    };
    let opts = Options {
        year: args.year,
        format: args.format.clone(),
        timeout: Some(args.timeout),
    };
    let mut outcomes = Vec::new();
    let mut written: BTreeMap<String, String> = BTreeMap::new();
    for (file, agency) in &files {
        let shown = file.display().to_string();
        let result = import_one(
            &root,
            file,
            agency.as_deref(),
            &opts,
            args.force,
            &mut written,
        );
        match &result {
            Ok((report, _)) => outcomes.push(Outcome {
                file: shown,
                report: Some(report.clone()),
                result: result.map(|r| r.1),
            }),
            Err(e) => {
                eprintln!("{}", t!("cmd.error", message = format!("{shown}: {e}")));
                outcomes.push(Outcome {
                    file: shown,
                    report: None,
                    result: Err(e.clone()),
                });
            }
        }
    }

    // The same checks as `check`, on what was written.
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    if !written.is_empty() {
        match crate::load::load_site(&root) {
            Ok(loaded) => {
                let all = crate::check::check(&loaded);
                // The written reports and their agencies' agency.toml.
                let concerned = |file: &str| {
                    written.contains_key(file)
                        || file
                            .strip_suffix("agency.toml")
                            .is_some_and(|dir| written.keys().any(|w| w.starts_with(dir)))
                };
                let mine = Diagnostics {
                    items: all
                        .items
                        .into_iter()
                        .filter(|d| concerned(&d.file))
                        .collect(),
                };
                for d in mine.items.iter().filter(|d| d.severity == Severity::Error) {
                    *errors.entry(d.file.clone()).or_default() += 1;
                }
                if !mine.items.is_empty() {
                    eprintln!();
                    mine.eprint(&loaded.sources);
                }
            }
            Err(f) => {
                f.diagnostics.eprint(&f.sources);
                eprintln!(
                    "{}",
                    t!(
                        "cmd.error",
                        message = t!("import.site_unreadable", error = f.message)
                    )
                );
            }
        }
    }
    print_summary(&outcomes, &errors);
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    if failed > 0 || errors.values().any(|&n| n > 0) {
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}

/// The files to import with their agency slug (from `--agency`, or for a folder, the name of
/// the sub-folder a file is in).
fn inputs(args: &Args) -> Result<Vec<(PathBuf, Option<String>)>, String> {
    let input = &args.input;
    if let Some(a) = &args.agency {
        import::check_slug(a)?;
    }
    let url = input.to_str().is_some_and(import::fetch::is_url);
    // A list of addresses (urls.txt): one per line, optionally followed by the agency slug.
    if input.is_file()
        && let Some(list) = url_list(input)
    {
        return list
            .into_iter()
            .map(|(u, slug)| {
                let agency = slug.or_else(|| args.agency.clone());
                if let Some(a) = &agency {
                    import::check_slug(a)?;
                }
                Ok((PathBuf::from(u), agency))
            })
            .collect();
    }
    if url || input.is_file() {
        if args.agency.is_none() {
            return Err(t!("import.need_agency"));
        }
        return Ok(vec![(input.clone(), args.agency.clone())]);
    }
    if !input.is_dir() {
        return Err(t!("import.no_input", input = input.display()));
    }
    if args.year.is_some() {
        return Err(t!("import.year_for_one"));
    }
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(input)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && import::is_candidate(e.path()))
        .map(walkdir::DirEntry::into_path)
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(t!("import.empty_folder", dir = input.display()));
    }
    Ok(files
        .into_iter()
        .map(|f| {
            let agency = args.agency.clone().or_else(|| {
                let rel = f.strip_prefix(input).ok()?;
                let mut parts = rel.components();
                let first = parts.next()?.as_os_str().to_str()?.to_string();
                parts.next().map(|_| first)
            });
            (f, agency)
        })
        .collect())
}

/// The addresses of a text file that lists only web addresses (blank lines and `#` comments
/// aside), each with the agency slug written after it, if any; `None` for any other file.
fn url_list(path: &Path) -> Option<Vec<(String, Option<String>)>> {
    let bytes = crate::load::read_limited(path, 1_048_576).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let url = parts.next()?;
        if !import::fetch::is_url(url) {
            return None;
        }
        out.push((url.to_string(), parts.next().map(str::to_string)));
    }
    (!out.is_empty()).then_some(out)
}

/// Imports one file; returns the report written (relative to the site) and how many cells
/// or rows are left for review.
fn import_one(
    root: &Path,
    file: &Path,
    agency: Option<&str>,
    opts: &Options,
    force: bool,
    written: &mut BTreeMap<String, String>,
) -> Result<(String, usize), String> {
    let agency = agency.ok_or_else(|| t!("import.no_agency"))?;
    import::check_slug(agency)?;
    let mut imported = import::import_input(file, opts)?;
    let rel = format!("content/{agency}/{}.md", imported.draft.year);
    if let Some(other) = written.get(&rel) {
        return Err(t!("import.twice", file = rel, other = other));
    }
    let target = root.join(&rel);
    if target.exists() && !force {
        return Err(t!("import.exists", file = rel));
    }
    let agency_file = root.join("content").join(agency).join("agency.toml");
    match std::fs::read_to_string(&agency_file) {
        Ok(text) => {
            // The name printed in the report, when it differs from the agency's name now.
            let current = toml::from_str::<toml::Table>(&text)
                .ok()
                .and_then(|t| t.get("name").and_then(|v| v.as_str().map(str::to_string)));
            if let (Some(sig), Some(cur)) = (&imported.signature, current)
                && *sig != cur
            {
                imported.draft.agency_name = Some(sig.clone());
            }
        }
        Err(_) => {
            let name = imported
                .signature
                .as_deref()
                .or(imported.title_name.as_deref());
            write_atomic(&agency_file, import::agency_toml(agency, name).as_bytes())?;
            say!(
                "  {}",
                t!("import.wrote_agency", file = rel_path(root, &agency_file))
            );
        }
    }
    write_atomic(&target, import::report_text(&imported).as_bytes())?;
    written.insert(rel.clone(), file.display().to_string());
    say!("{}", t!("import.imported", from = file.display(), to = rel));
    for i in &imported.info {
        say!("  {i}");
    }
    for r in &imported.review {
        eprintln!("  {}", t!("import.review_line", item = r));
    }
    Ok((rel, imported.review.len()))
}

/// Columns a text takes on a terminal (a Chinese character takes two).
fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

fn print_summary(outcomes: &[Outcome], errors: &BTreeMap<String, usize>) {
    let width = outcomes
        .iter()
        .map(|o| display_width(&o.file))
        .max()
        .unwrap_or(4)
        .max(4);
    let rwidth = outcomes
        .iter()
        .filter_map(|o| o.report.as_ref())
        .map(|r| display_width(r))
        .max()
        .unwrap_or(6)
        .max(6);
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(display_width(s))));
    let (h_file, h_report) = (t!("import.col_file"), t!("import.col_report"));
    let width = width.max(display_width(&h_file));
    let rwidth = rwidth.max(display_width(&h_report));
    println!(
        "\n{}  {}  {}",
        pad(&h_file, width),
        pad(&h_report, rwidth),
        t!("import.col_result")
    );
    let (mut ok, mut warn, mut failed) = (0, 0, 0);
    for o in outcomes {
        let result = match (&o.result, o.report.as_ref().and_then(|r| errors.get(r))) {
            (Err(e), _) => {
                failed += 1;
                t!("import.result_failed", error = e)
            }
            (Ok(review), errs) => {
                let mut parts = Vec::new();
                if *review > 0 {
                    parts.push(t!("import.n_review", n = *review));
                }
                if let Some(&n) = errs.filter(|&&n| n > 0) {
                    parts.push(t!("import.n_check_errors", n = n));
                }
                if parts.is_empty() {
                    ok += 1;
                    t!("import.result_ok")
                } else {
                    warn += 1;
                    t!(
                        "import.result_review",
                        items = parts.join(&t!("import.list_sep"))
                    )
                }
            }
        };
        println!(
            "{}  {}  {result}",
            pad(&o.file, width),
            pad(o.report.as_deref().unwrap_or("-"), rwidth)
        );
    }
    println!(
        "\n{}",
        t!("import.summary", ok = ok, review = warn, failed = failed)
    );
}
