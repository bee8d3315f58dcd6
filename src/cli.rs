//! Command-line interface: argument parsing only; the work is in [`crate::cmd`].

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::cmd;

#[derive(Parser, Debug)]
#[command(
    name = "gongkai",
    version,
    about = "Static site generator for archives of 政府信息公开工作年度报告 (government information-disclosure annual reports)"
)]
pub struct Cli {
    /// The site folder (holding site.toml). Default: the current folder or the nearest parent with a site.toml.
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    Human,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check every report and agency; print every problem at once.
    ///
    /// Exit status: 0 no errors (warnings allowed), 1 errors found, 2 the site could not be read.
    Check {
        /// `human` (default) or `json` (a stable array of diagnostics on stdout).
        #[arg(long, value_enum, default_value = "human")]
        format: OutputFormat,
    },
    /// Check the site, then render it into the output folder (default public/).
    Build {
        /// Print the time each stage took and the size of the search index.
        #[arg(long)]
        timings: bool,
    },
    /// Build the site, serve it on http://127.0.0.1:1111/, rebuild on change and reload pages.
    ///
    /// Errors are shown in the terminal and over every open page; the last good site keeps
    /// being served. The output folder never contains the live-reload script.
    Serve {
        /// The port; 0 picks a free one.
        #[arg(long, short, default_value_t = 1111)]
        port: u16,
        /// The address to listen on. Anything but a loopback address makes the preview reachable from other machines.
        #[arg(long, short, default_value = "127.0.0.1")]
        interface: std::net::IpAddr,
        /// Open the site in the default browser.
        #[arg(long, short)]
        open: bool,
    },
    /// Build the site and rebuild it on change, without a server.
    Watch,
    /// Write a report skeleton content/<agency>/<year>.md with every row zero-filled.
    New {
        /// The agency's folder name (slug) under content/.
        agency: String,
        /// The year the report covers.
        year: i32,
        /// The report format: 2021 (国办公开办函〔2021〕30号) or 2019 (国办公开办函〔2019〕60号). Default: by year.
        #[arg(long)]
        format: Option<String>,
    },
    /// Import published reports: a web page (.html), a Word file (.docx), text extracted from
    /// Word (.txt), or a folder of them.
    ///
    /// Writes content/<agency>/<year>.md with every table cell, the prose sections and the
    /// metadata found, then checks it. Cells that cannot be read with certainty are left empty
    /// and listed for review. Never replaces an existing report without --force.
    Import {
        /// A file, or a folder (searched recursively; files in <folder>/<agency-slug>/ go to that agency).
        input: PathBuf,
        /// The agency's folder name (slug) under content/; required for a single file.
        #[arg(long)]
        agency: Option<String>,
        /// The year the report covers (default: read from the title).
        #[arg(long)]
        year: Option<i32>,
        /// auto (default: detected from the table labels), 2021 or 2019.
        #[arg(long, default_value = "auto", value_parser = ["auto", "2021", "2019"])]
        format: String,
        /// Replace reports that already exist.
        #[arg(long)]
        force: bool,
    },
    /// Create a new site (site.toml and one example agency) in an empty or new folder.
    Init {
        /// The folder to create.
        dir: PathBuf,
    },
}

/// Parses the command line and runs the command; returns the exit status.
pub fn run() -> i32 {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { format } => cmd::check::run(cli.root.as_deref(), format),
        Command::Build { timings } => cmd::build::run(cli.root.as_deref(), timings),
        Command::Serve {
            port,
            interface,
            open,
        } => cmd::serve::run(cli.root.as_deref(), Some((interface, port)), open),
        Command::Watch => cmd::serve::run(cli.root.as_deref(), None, false),
        Command::New {
            agency,
            year,
            format,
        } => cmd::new::run(cli.root.as_deref(), &agency, year, format.as_deref()),
        Command::Init { dir } => cmd::init::run(&dir),
        Command::Import {
            input,
            agency,
            year,
            format,
            force,
        } => cmd::import::run(
            cli.root.as_deref(),
            cmd::import::Args {
                input,
                agency,
                year,
                format: (format != "auto").then_some(format),
                force,
            },
        ),
    }
}
