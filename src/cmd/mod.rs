//! The commands. Each is thin: it calls the stages and turns the outcome into output and an
//! exit status.

pub mod build;
pub mod check;
pub mod import;
pub mod init;
pub mod new;
pub mod serve;

use std::path::{Path, PathBuf};

use crate::load::find_root;

/// Exit status: the site was read and has no errors.
pub const EXIT_OK: i32 = 0;
/// Exit status: errors were found.
pub const EXIT_ERRORS: i32 = 1;
/// Exit status: the site could not be read at all.
pub const EXIT_UNREADABLE: i32 = 2;

/// The current calendar year (UTC), for the years a report can be written for.
pub fn this_year() -> i32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Days since 1970 to the civil year (proleptic Gregorian): Howard Hinnant's algorithm.
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2)) as i32
}

/// The site root from `--root`, or found from the current folder upwards.
pub fn site_root(root: Option<&Path>) -> Result<PathBuf, String> {
    match root {
        Some(r) => Ok(r.to_path_buf()),
        None => {
            let cwd = std::env::current_dir().map_err(|e| t!("cmd.no_cwd", error = e))?;
            find_root(&cwd).ok_or_else(|| t!("cmd.no_site", dir = cwd.display()))
        }
    }
}
