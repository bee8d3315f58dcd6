//! How the terminal is used: `--quiet` and `--color`, set once from the command line.
//!
//! Diagnostics always print; `--quiet` silences what only reports progress and success.

use std::io::IsTerminal;
use std::sync::OnceLock;

/// `--color auto|always|never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

static QUIET: OnceLock<bool> = OnceLock::new();
static COLOR: OnceLock<ColorChoice> = OnceLock::new();

/// Sets the options of this process (the first call wins).
pub fn configure(quiet: bool, color: ColorChoice) {
    let _ = QUIET.set(quiet);
    let _ = COLOR.set(color);
}

/// Whether only problems are printed.
pub fn quiet() -> bool {
    QUIET.get().copied().unwrap_or(false)
}

/// Whether to colour stderr: `--color` first, then `CLICOLOR_FORCE` (set and not `0`) and
/// `NO_COLOR` (set and not empty), then whether stderr is a terminal.
pub fn color_stderr() -> bool {
    match COLOR.get().copied().unwrap_or(ColorChoice::Auto) {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let set = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
            if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                true
            } else if set("NO_COLOR").is_some() {
                false
            } else {
                std::io::stderr().is_terminal()
            }
        }
    }
}

/// Prints a line on stderr unless `--quiet`.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        if !$crate::term::quiet() {
            eprintln!($($arg)*);
        }
    };
}
