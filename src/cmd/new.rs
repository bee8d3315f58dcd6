//! `gongkai new <agency> <year>`: a zero-filled report skeleton (and, with `--name` and
//! `--level`, the agency), never overwriting anything.

use std::io::Write;
use std::path::Path;

use crate::author::{Draft, render, toml_string};
use crate::format::formats;
use crate::load::config::{slug_help, valid_slug};
use crate::load::toml_walk::suggest;
use crate::model::Level;

use super::{EXIT_ERRORS, EXIT_OK, EXIT_UNREADABLE, site_root, this_year};

/// The command line of `new`.
pub struct Args {
    pub agency: String,
    pub year: i32,
    pub format: Option<String>,
    pub name: Option<String>,
    pub level: Option<String>,
    pub tier: Option<String>,
    pub parent: Option<String>,
}

/// Prints an error and its advice; returns the exit status of a refused command.
fn refuse(message: String, help: Option<String>) -> i32 {
    eprintln!("{}", t!("cmd.error", message = message));
    if let Some(h) = help {
        eprintln!("{}", t!("cmd.help", message = h));
    }
    EXIT_ERRORS
}

/// Writes `text` to a file that must not exist yet.
fn create_new(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
}

/// The text of a new `agency.toml`.
fn agency_toml(name: &str, level: &str, tier: Option<Level>, parent: Option<&str>) -> String {
    let mut s = format!(
        "name = {}\nlevel = {}\n",
        toml_string(name),
        toml_string(level)
    );
    if let Some(t) = tier {
        s.push_str(&format!("tier = {}\n", toml_string(t.key())));
    }
    if let Some(p) = parent {
        s.push_str(&format!("parent = {}\n", toml_string(p)));
    }
    s
}

pub fn run(root: Option<&Path>, a: Args) -> i32 {
    let root = match site_root(root) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}", t!("cmd.error", message = e));
            return EXIT_UNREADABLE;
        }
    };
    let (agency, year) = (a.agency.as_str(), a.year);
    if !valid_slug(agency) {
        return refuse(t!("load.bad_slug", slug = agency), Some(slug_help(agency)));
    }
    let f = formats();
    let format = match a.format.as_deref() {
        Some(id) => match f.format(id) {
            Some(fmt) => fmt,
            None => {
                return refuse(
                    t!("report.unknown_format", id = id),
                    Some(t!("report.known_formats", list = f.ids().join(", "))),
                );
            }
        },
        None => f.default_for_year(year),
    };
    let now = this_year();
    if year > now {
        return refuse(t!("new.future_year", year = year, now = now), None);
    }
    let (first, last) = f.years_of(format);
    let earliest = f
        .formats
        .iter()
        .map(|x| x.first_year)
        .min()
        .unwrap_or(first);
    if year < earliest {
        return refuse(
            t!("new.before_formats", year = year, first = earliest),
            None,
        );
    }
    if year < first || last.is_some_and(|l| year > l) {
        let range = match last {
            Some(l) => t!("new.years_from_to", first = first, last = l),
            None => t!("new.years_from", first = first),
        };
        return refuse(
            t!(
                "new.wrong_format",
                year = year,
                format = format.label.text(),
                range = range
            ),
            Some(t!(
                "new.wrong_format_help",
                id = f.default_for_year(year).id
            )),
        );
    }
    let content = root.join("content");
    let dir = content.join(agency);
    let existing: Vec<String> = std::fs::read_dir(&content)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.path().join("agency.toml").is_file())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    let mut created_agency = false;
    if !dir.join("agency.toml").is_file() {
        let (Some(name), Some(level)) = (a.name.as_deref(), a.level.as_deref()) else {
            let mut help = t!("new.create_agency_help", agency = agency, year = year);
            if let Some(s) = suggest(agency, existing.iter().map(String::as_str)) {
                help = format!("{}\n{}", t!("common.did_you_mean", name = s), help);
            }
            return refuse(t!("new.no_agency", agency = agency), Some(help));
        };
        let name = name.trim();
        if name.is_empty() {
            return refuse(t!("new.empty_name"), None);
        }
        let Some((lvl, mut tier)) = Level::parse_with_tier(level) else {
            return refuse(
                t!("config.unknown_level", value = level),
                Some(t!("config.no_level_help")),
            );
        };
        if let Some(ti) = a.tier.as_deref() {
            match Level::parse_tier(ti) {
                Some(x) if lvl == Level::Department => tier = Some(x),
                Some(_) => {
                    return refuse(
                        t!("config.tier_not_department"),
                        Some(t!("config.tier_not_department_help")),
                    );
                }
                None => {
                    return refuse(
                        t!("config.unknown_tier", value = ti),
                        Some(t!("config.tier_help")),
                    );
                }
            }
        }
        if let Some(p) = a.parent.as_deref()
            && !existing.iter().any(|e| e == p)
        {
            let help = match suggest(p, existing.iter().map(String::as_str)) {
                Some(s) => t!("site.unknown_parent_suggest", name = s),
                None => t!("site.unknown_parent_help"),
            };
            return refuse(t!("site.unknown_parent", parent = p), Some(help));
        }
        let text = agency_toml(name, lvl.key(), tier, a.parent.as_deref());
        if let Err(e) =
            std::fs::create_dir_all(&dir).and_then(|_| create_new(&dir.join("agency.toml"), &text))
        {
            return refuse(
                t!(
                    "new.cannot_write",
                    file = format!("content/{agency}/agency.toml"),
                    error = e
                ),
                None,
            );
        }
        created_agency = true;
    } else if a.name.is_some() || a.level.is_some() || a.tier.is_some() || a.parent.is_some() {
        say!("{}", t!("new.agency_exists", agency = agency));
    }
    let rel = format!("content/{agency}/{year}.md");
    let text = render(&Draft::skeleton(year, format));
    match create_new(&dir.join(format!("{year}.md")), &text) {
        Ok(()) => {
            if created_agency {
                say!(
                    "{}",
                    t!(
                        "new.wrote_agency",
                        file = format!("content/{agency}/agency.toml")
                    )
                );
            }
            say!(
                "{}",
                t!(
                    "new.wrote",
                    file = rel,
                    format = format.label.text(),
                    document = format.document
                )
            );
            EXIT_OK
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            refuse(t!("new.exists", file = rel), None)
        }
        Err(e) => refuse(t!("new.cannot_write", file = rel, error = e), None),
    }
}
