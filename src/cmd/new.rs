//! `gongkai new <agency> <year>`: a zero-filled report skeleton, never overwriting.

use std::io::Write;
use std::path::Path;

use crate::author::{Draft, render};
use crate::format::formats;
use crate::load::config::valid_slug;
use crate::load::toml_walk::suggest;

use super::{EXIT_ERRORS, EXIT_OK, EXIT_UNREADABLE, site_root};

pub fn run(root: Option<&Path>, agency: &str, year: i32, format: Option<&str>) -> i32 {
    let root = match site_root(root) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_UNREADABLE;
        }
    };
    let f = formats();
    if !(1990..=2100).contains(&year) {
        eprintln!("error: year {year} is out of range");
        return EXIT_ERRORS;
    }
    let format = match format {
        Some(id) => match f.format(id) {
            Some(fmt) => fmt,
            None => {
                eprintln!(
                    "error: unknown format `{id}`; known formats: {}",
                    f.ids().join(", ")
                );
                return EXIT_ERRORS;
            }
        },
        None => f.default_for_year(year),
    };
    let dir = root.join("content").join(agency);
    if !valid_slug(agency) || !dir.join("agency.toml").is_file() {
        let existing: Vec<String> = std::fs::read_dir(root.join("content"))
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.path().join("agency.toml").is_file())
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .collect()
            })
            .unwrap_or_default();
        eprintln!("error: no agency `{agency}` (content/{agency}/agency.toml does not exist)");
        if let Some(s) = suggest(agency, existing.iter().map(String::as_str)) {
            eprintln!("help: did you mean `{s}`?");
        }
        eprintln!(
            "help: to add an agency, create content/{agency}/agency.toml with `name = \"…\"` and `level = \"township\"` (see README)"
        );
        return EXIT_ERRORS;
    }
    let path = dir.join(format!("{year}.md"));
    let text = render(&Draft::skeleton(year, format));
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path);
    match file.and_then(|mut fh| fh.write_all(text.as_bytes())) {
        Ok(()) => {
            println!(
                "wrote content/{agency}/{year}.md ({}, {}); fill in the tables and the sections, then run `gongkai check`",
                format.label.zh, format.document
            );
            EXIT_OK
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!("error: content/{agency}/{year}.md already exists; it was not changed");
            EXIT_ERRORS
        }
        Err(e) => {
            eprintln!("error: cannot write content/{agency}/{year}.md: {e}");
            EXIT_ERRORS
        }
    }
}
