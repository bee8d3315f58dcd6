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
        match a.as_str() {
            "--agencies" => opts.agencies = value().parse().unwrap_or(opts.agencies),
            "--years" => opts.years = value().parse().unwrap_or(opts.years),
            "--first-year" => opts.first_year = value().parse().unwrap_or(opts.first_year),
            "--seed" => opts.seed = value().parse().unwrap_or(opts.seed),
            "--out" => out = Some(PathBuf::from(value())),
            _ => {
                eprintln!(
                    "usage: gen_archive --agencies N --years N --out DIR [--seed N] [--first-year Y]"
                );
                return ExitCode::from(2);
            }
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
