//! `gongkai check [FILE…]`.

use std::path::{Path, PathBuf};

use crate::cli::OutputFormat;
use crate::diag::{Diagnostics, Severity};
use crate::load::{Texts, load_site_with, rel_path};

use super::{EXIT_ERRORS, EXIT_OK, EXIT_UNREADABLE, site_root};

/// The site-relative paths of `files`, or the message for the first that is not a report
/// file of the site.
fn selected(root: &Path, files: &[PathBuf]) -> Result<Vec<String>, String> {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    files
        .iter()
        .map(|f| {
            let abs = std::fs::canonicalize(f)
                .map_err(|e| t!("cmd.check_no_file", file = f.display(), error = e))?;
            if !abs.starts_with(root.join("content")) {
                return Err(t!("cmd.check_outside", file = f.display()));
            }
            Ok(rel_path(&root, &abs))
        })
        .collect()
}

pub fn run(root: Option<&Path>, format: OutputFormat, files: &[PathBuf]) -> i32 {
    let root = match site_root(root) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}", t!("cmd.error", message = e));
            return EXIT_UNREADABLE;
        }
    };
    let only = match selected(&root, files) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{}", t!("cmd.error", message = e));
            return EXIT_UNREADABLE;
        }
    };
    let mut loaded = match load_site_with(&root, Texts::Released) {
        Ok(l) => l,
        Err(fatal) => {
            match format {
                OutputFormat::Json => println!("{}", fatal.diagnostics.to_json()),
                OutputFormat::Human => fatal.diagnostics.eprint(&fatal.sources),
            }
            eprintln!("{}", t!("cmd.error", message = fatal.message));
            return EXIT_UNREADABLE;
        }
    };
    let mut diags = crate::check::check(&loaded);
    let mut reports = loaded.site.reports.len();
    let mut agencies = loaded.site.agencies.len();
    if !only.is_empty() {
        // The whole site was read so that cross-year checks see the neighbouring years;
        // only the findings located in the named files are shown.
        diags = Diagnostics {
            items: diags
                .items
                .into_iter()
                .filter(|d| only.contains(&d.file))
                .collect(),
        };
        let chosen = loaded
            .site
            .reports
            .iter()
            .filter(|r| only.contains(&r.path));
        reports = chosen.clone().count();
        let mut slugs: Vec<&str> = chosen.map(|r| r.agency.as_str()).collect();
        slugs.dedup();
        agencies = slugs.len();
    }
    match format {
        OutputFormat::Json => println!("{}", diags.to_json()),
        OutputFormat::Human => {
            crate::load::cite_texts(&mut loaded, &diags);
            diags.eprint(&loaded.sources);
            if !crate::term::quiet() || diags.has_errors() {
                eprintln!(
                    "{}",
                    t!(
                        "cmd.checked",
                        reports = t!("cmd.n_reports", n = reports),
                        agencies = t!("cmd.n_agencies", n = agencies),
                        summary = diags.summary()
                    )
                );
            }
        }
    }
    let deny = loaded.site.config.validation.deny_warnings && diags.count(Severity::Warning) > 0;
    // The process ends here: freeing every parsed report one by one would only add time.
    std::mem::forget(loaded);
    if diags.has_errors() || deny {
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}
