//! Command-line interface: argument parsing only; the work is in [`crate::cmd`].

use std::path::PathBuf;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::cmd;
use crate::i18n::{self, Lang};

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

    /// The language of messages: zh (default) or en. Without it, a locale starting with `en`
    /// (LC_ALL, LC_MESSAGES, LANG) chooses English.
    #[arg(long, global = true, value_name = "zh|en")]
    pub lang: Option<String>,

    /// Print only problems: no progress, no summary of a success.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// Colour in messages: auto (a terminal, unless NO_COLOR; CLICOLOR_FORCE forces it), always or never.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    pub color: crate::term::ColorChoice,

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
        /// Check only these report files (their other years are read for the cross-year checks).
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Check the site, then render it into the output folder (default public/).
    Build {
        /// Print the time each stage took and the size of the search index.
        #[arg(long)]
        timings: bool,
        /// Write the site into this folder instead of site.toml's output_dir.
        #[arg(long, short, value_name = "DIR")]
        output_dir: Option<PathBuf>,
        /// Write every file again, even when only reports changed since the last build.
        #[arg(long)]
        full: bool,
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
    /// Write a report skeleton content/<agency>/<year>.md with every row zero-filled; with
    /// --name and --level, create the agency too.
    New {
        /// The agency's folder name (slug) under content/: lowercase letters, digits, hyphens.
        agency: String,
        /// The year the report covers.
        year: i32,
        /// The report format: 2021 (国办公开办函〔2021〕30号) or 2019 (国办公开办函〔2019〕60号). Default: by year.
        #[arg(long)]
        format: Option<String>,
        /// A new agency's full name as printed on its reports.
        #[arg(long)]
        name: Option<String>,
        /// A new agency's level: province, city, county, township, department (or 省级, 市级, 县级, 乡镇, 部门; county-department, 县级部门, …).
        #[arg(long)]
        level: Option<String>,
        /// For a department: whose it is (province, city or county; 省级, 市级, 县级).
        #[arg(long)]
        tier: Option<String>,
        /// A new agency's parent: the folder name of another agency of this archive.
        #[arg(long)]
        parent: Option<String>,
    },
    /// Import published reports: a web page (.html), a Word file (.docx), an Excel workbook
    /// of the tables (.xlsx, .xls), text extracted from Word (.txt), or a folder of them.
    ///
    /// Writes content/<agency>/<year>.md with every table cell, the prose sections and the
    /// metadata found, then checks it. Cells that cannot be read with certainty are left empty
    /// and listed for review. Never replaces an existing report without --force.
    Import {
        /// A file, a folder (searched recursively; files in <folder>/<agency-slug>/ go to that agency), or a web address (http:// or https://).
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
        /// For a web address: how long fetching may take in all, in seconds.
        #[arg(long, default_value_t = 30, value_name = "SECONDS")]
        timeout: u64,
    },
    /// Create a new site (site.toml and one example agency) in an empty or new folder.
    Init {
        /// The folder to create the site in (`.` for the current folder).
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
}

/// Exit status of a command line that cannot be understood (sysexits' EX_USAGE), distinct
/// from 2, a site that cannot be read.
pub const EXIT_USAGE: i32 = 64;

/// The language asked for on the command line (`--lang en`, `--lang=en`), read before clap
/// so that `--help` and clap's own errors are in it too.
fn lang_from_args(args: &[std::ffi::OsString]) -> Option<Lang> {
    let mut it = args.iter().filter_map(|a| a.to_str());
    while let Some(a) = it.next() {
        if a == "--lang" {
            return it.next().and_then(Lang::parse);
        }
        if let Some(v) = a.strip_prefix("--lang=") {
            return Lang::parse(v);
        }
    }
    None
}

/// The command with its help in the user's language: the English help is the doc comments
/// above; the Chinese one comes from the catalogue (`cli.*` in messages.toml).
pub fn command(lang: Lang) -> clap::Command {
    let mut cmd = <Cli as CommandFactory>::command();
    if lang == Lang::En {
        return cmd;
    }
    // The built-in --help and --version exist only once the command is built.
    cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let zh = |key: String| -> Option<&'static str> {
        i18n::catalogue().get(&key).map(|e| e.zh.as_str())
    };
    let localize_args = |mut c: clap::Command, prefix: &str| {
        let ids: Vec<String> = c.get_arguments().map(|a| a.get_id().to_string()).collect();
        for id in ids {
            if let Some(h) =
                zh(format!("cli.{prefix}arg.{id}")).or_else(|| zh(format!("cli.arg.{id}")))
            {
                // The Chinese help states defaults and values itself, in words.
                c = c.mut_arg(id.as_str(), |a| {
                    a.help(h)
                        .long_help(None::<&str>)
                        .hide_default_value(true)
                        .hide_possible_values(true)
                });
            }
        }
        // Placeholders of values in Chinese too (<AGENCY> → <机关代号>).
        let valued: Vec<(String, Vec<clap::builder::Str>)> = c
            .get_arguments()
            .map(|a| {
                let names: Vec<clap::builder::Str> = a
                    .get_value_names()
                    .unwrap_or_default()
                    .iter()
                    .map(|n| match zh(format!("cli.value.{n}")) {
                        Some(z) => clap::builder::Str::from(z),
                        None => n.clone(),
                    })
                    .collect();
                (a.get_id().to_string(), names)
            })
            .filter(|(_, n)| !n.is_empty())
            .collect();
        for (id, names) in valued {
            c = c.mut_arg(id.as_str(), |a| a.value_names(names));
        }
        c.next_help_heading(None::<&str>)
    };
    // clap writes `[OPTIONS]` and `<COMMAND>` itself: the usage line is rendered, then
    // translated.
    let usage_zh = |c: &mut clap::Command| -> String {
        c.render_usage()
            .to_string()
            .trim_start_matches("Usage: ")
            .replace(
                "[OPTIONS]",
                zh("cli.usage_options".into()).unwrap_or("[OPTIONS]"),
            )
            .replace(
                "<COMMAND>",
                zh("cli.usage_command".into()).unwrap_or("<COMMAND>"),
            )
    };
    let mut cmd = localize_args(cmd, "")
        .about(zh("cli.about".into()).unwrap_or_default())
        .help_template(zh("cli.template".into()).unwrap_or_default())
        .subcommand_help_heading(zh("cli.commands".into()).unwrap_or_default())
        .mut_arg("help", |a| {
            a.help(zh("cli.help_flag".into()).unwrap_or_default())
        })
        .mut_arg("version", |a| {
            a.help(zh("cli.version_flag".into()).unwrap_or_default())
        });
    let top_usage = usage_zh(&mut cmd);
    cmd = cmd.override_usage(top_usage);
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    for name in names {
        cmd = cmd.mut_subcommand(&name, |c| {
            let about = zh(format!("cli.{name}.about")).unwrap_or_default();
            // Without positional arguments, no empty block where they would be.
            let template = if c.get_positionals().next().is_some() {
                "cli.sub_template"
            } else {
                "cli.sub_template_plain"
            };
            let mut c = localize_args(c, &format!("{name}."))
                .about(about)
                .long_about(None::<&str>)
                .help_template(zh(template.into()).unwrap_or_default());
            let usage = usage_zh(&mut c);
            let c = c.override_usage(usage);
            if c.get_arguments().any(|a| a.get_id() == "help") {
                c.mut_arg("help", |a| {
                    a.help(zh("cli.help_flag".into()).unwrap_or_default())
                })
            } else {
                c
            }
        });
    }
    cmd
}

/// Parses the command line and runs the command; returns the exit status.
pub fn run() -> i32 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let lang = lang_from_args(&args).unwrap_or_else(Lang::from_env);
    i18n::set_lang(lang);
    let matches = match command(lang).try_get_matches_from(&args) {
        Ok(m) => m,
        Err(e) => return usage_error(e),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    if let Some(l) = &cli.lang
        && Lang::parse(l).is_none()
    {
        eprintln!("{}", t!("cli.bad_lang", value = l));
        return EXIT_USAGE;
    }
    crate::term::configure(cli.quiet, cli.color);
    match cli.command {
        Command::Check { format, files } => cmd::check::run(cli.root.as_deref(), format, &files),
        Command::Build {
            timings,
            output_dir,
            full,
        } => cmd::build::run(cli.root.as_deref(), timings, output_dir.as_deref(), full),
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
            name,
            level,
            tier,
            parent,
        } => cmd::new::run(
            cli.root.as_deref(),
            cmd::new::Args {
                agency,
                year,
                format,
                name,
                level,
                tier,
                parent,
            },
        ),
        Command::Init { dir } => cmd::init::run(&dir),
        Command::Import {
            input,
            agency,
            year,
            format,
            force,
            timeout,
        } => cmd::import::run(
            cli.root.as_deref(),
            cmd::import::Args {
                input,
                agency,
                year,
                format: (format != "auto").then_some(format),
                force,
                timeout,
            },
        ),
    }
}

/// Prints clap's verdict on the command line: help and version as they are, errors in the
/// user's language with the usage line; exit status 0 or [`EXIT_USAGE`].
fn usage_error(e: clap::Error) -> i32 {
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                EXIT_USAGE
            } else {
                0
            };
        }
        _ => {}
    }
    if i18n::lang() == Lang::En {
        let _ = e.print();
        return EXIT_USAGE;
    }
    let ctx = |k: ContextKind| match e.get(k) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join("、"),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let message = match e.kind() {
        ErrorKind::UnknownArgument => t!(
            "cli.err_unknown_argument",
            arg = ctx(ContextKind::InvalidArg)
        ),
        ErrorKind::InvalidSubcommand => t!(
            "cli.err_unknown_command",
            arg = ctx(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => t!(
            "cli.err_invalid_value",
            value = ctx(ContextKind::InvalidValue),
            arg = ctx(ContextKind::InvalidArg)
        ),
        ErrorKind::MissingRequiredArgument => {
            t!("cli.err_missing", arg = ctx(ContextKind::InvalidArg))
        }
        ErrorKind::MissingSubcommand => t!("cli.err_missing_command"),
        _ => t!("cli.err_other", detail = e.kind()),
    };
    eprintln!("{}", t!("cli.error_line", message = message));
    let usage = ctx(ContextKind::Usage);
    if !usage.is_empty() {
        eprintln!("\n{}", usage.replace("Usage: ", &t!("cli.usage_word")));
    }
    eprintln!("\n{}", t!("cli.see_help"));
    EXIT_USAGE
}
