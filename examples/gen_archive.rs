//! Generates a realistic synthetic archive for benchmarks:
//! `cargo run --release --example gen_archive -- --agencies 2000 --years 5 --out DIR [--seed N]`.

use std::path::PathBuf;
use std::process::ExitCode;

use gongkai::synth::{Options, generate};

fn main() -> ExitCode {
    let mut opts = Options::default();
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_default();
        let parsed = match a.as_str() {
            "--agencies" => number(&a, &value()).map(|n| opts.agencies = n as usize),
            "--years" => number(&a, &value()).map(|n| opts.years = n as usize),
            "--first-year" => number(&a, &value()).map(|n| opts.first_year = n as i32),
            "--seed" => number(&a, &value()).map(|n| opts.seed = n),
            "--out" => {
                out = Some(PathBuf::from(value()));
                Ok(())
            }
            _ => {
                eprintln!(
                    "usage: gen_archive --agencies N --years N --out DIR [--seed N] [--first-year Y]"
                );
                return ExitCode::from(2);
            }
        };
        if let Err(e) = parsed {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    }
    let Some(out) = out else {
        eprintln!("--out DIR is required");
        return ExitCode::from(2);
    };
    if out.exists()
        && std::fs::read_dir(&out)
            .map(|mut r| r.next().is_some())
            .unwrap_or(true)
    {
        eprintln!("{} exists and is not empty", out.display());
        return ExitCode::from(2);
    }
    match generate(&opts, &out) {
        Ok(g) => {
            println!(
                "generated {} reports of {} agencies in {} ({} acknowledged inconsistencies)",
                g.reports,
                g.agencies,
                out.display(),
                g.acknowledged.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A non-negative whole number for `flag`, or what was wrong with it.
fn number(flag: &str, text: &str) -> Result<u64, String> {
    text.parse()
        .map_err(|_| format!("{flag} expects a whole number, got {text:?}"))
}
