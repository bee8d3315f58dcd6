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
