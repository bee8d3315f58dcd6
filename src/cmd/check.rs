//! `gongkai check`.

use std::path::Path;

use crate::cli::OutputFormat;
use crate::diag::Severity;
use crate::load::load_site;

use super::{EXIT_ERRORS, EXIT_OK, EXIT_UNREADABLE, site_root};

pub fn run(root: Option<&Path>, format: OutputFormat) -> i32 {
    let root = match site_root(root) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}", t!("cmd.error", message = e));
            return EXIT_UNREADABLE;
        }
    };
    let loaded = match load_site(&root) {
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
    let diags = crate::check::check(&loaded);
    match format {
        OutputFormat::Json => println!("{}", diags.to_json()),
        OutputFormat::Human => {
            diags.eprint(&loaded.sources);
            eprintln!(
                "{}",
                t!(
                    "cmd.checked",
                    reports = t!("cmd.n_reports", n = loaded.site.reports.len()),
                    agencies = t!("cmd.n_agencies", n = loaded.site.agencies.len()),
                    summary = diags.summary()
                )
            );
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
