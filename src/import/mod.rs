//! `gongkai import`: published reports (Word text, web pages, .docx, .xlsx, PDF) → report files.
//!
//! Every input is first read into a [`doc::Doc`] (paragraphs and table grids), which
//! [`interpret`] turns into an [`crate::author::Draft`]; [`crate::author::render`] writes the
//! file. Reading and interpreting are separate so that every input format shares one
//! interpretation of the official tables.

pub mod doc;
mod docx;
pub mod fetch;
mod html;
pub mod interpret;
mod pdf;
mod text;
mod xlsx;

use std::path::Path;

pub use interpret::{Interpreted, Options};

use crate::author;
use crate::load::config::valid_slug;

/// The largest input read (a report page with its furniture is far smaller).
pub(crate) const MAX_INPUT: u64 = 32 * 1024 * 1024;

/// The kinds of input gongkai reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Plain text extracted from a Word file.
    Text,
    Html,
    Docx,
    /// An Excel workbook (.xlsx or .xls).
    Workbook,
    /// A PDF with a text layer.
    Pdf,
}

/// The kind of a file by its extension, or why it cannot be imported.
pub fn kind_of(path: &Path) -> Result<Kind, String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "txt" | "text" => Ok(Kind::Text),
        "html" | "htm" | "shtml" | "xhtml" | "jsp" | "asp" | "aspx" | "php" => Ok(Kind::Html),
        "docx" => Ok(Kind::Docx),
        "xlsx" | "xlsm" | "xls" => Ok(Kind::Workbook),
        "doc" | "wps" => Err(t!("import.old_word")),
        "pdf" => Ok(Kind::Pdf),
        "" => Err(t!("import.no_extension")),
        other => Err(t!("import.unknown_kind", ext = other)),
    }
}

/// Whether a file in a folder is one `import` should try (others are skipped silently).
pub fn is_candidate(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    !crate::load::ignored_name(name)
        && matches!(
            path.extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some(
                "txt"
                    | "html"
                    | "htm"
                    | "shtml"
                    | "xhtml"
                    | "docx"
                    | "doc"
                    | "wps"
                    | "pdf"
                    | "xlsx"
                    | "xlsm"
                    | "xls"
            )
        )
}

/// Reads an input file into a document.
pub fn read_doc(path: &Path) -> Result<doc::Doc, String> {
    let kind = kind_of(path)?;
    let bytes = crate::load::read_limited(path, MAX_INPUT)?;
    read_bytes(&bytes, kind)
}

/// Reads the bytes of an input of `kind` into a document (the readers behind
/// [`read_doc`], public for fuzzing).
pub fn read_bytes(bytes: &[u8], kind: Kind) -> Result<doc::Doc, String> {
    Ok(match kind {
        Kind::Text => text::read(&html::decode(bytes)),
        Kind::Html => {
            let text = html::decode(bytes);
            let depth = html::nesting_depth(&text);
            if depth > html::MAX_DEPTH {
                return Err(t!("import.too_deep", depth = depth, max = html::MAX_DEPTH));
            }
            html::read(&text)
        }
        Kind::Docx => docx::read(bytes)?,
        Kind::Workbook => xlsx::read(bytes)?,
        Kind::Pdf => pdf::read(bytes)?,
    })
}

/// The text of an HTML page's bytes (declared or sniffed encoding).
pub(crate) fn html_text(bytes: &[u8]) -> String {
    html::decode(bytes)
}

/// Reads and interprets one published report: a file, or a web address.
pub fn import_input(input: &Path, opts: &Options) -> Result<Interpreted, String> {
    match input.to_str().filter(|s| fetch::is_url(s)) {
        Some(url) => fetch::import_url(url, opts),
        None => import_file(input, opts),
    }
}

/// Reads and interprets one published report.
pub fn import_file(path: &Path, opts: &Options) -> Result<Interpreted, String> {
    let doc = read_doc(path)?;
    let mut out = interpret::interpret(&doc, opts)?;
    out.draft.source_url = doc.source_url.clone();
    Ok(out)
}

/// The report file text of an interpreted report.
pub fn report_text(i: &Interpreted) -> String {
    author::render(&i.draft)
}

/// An agency level guessed from its name, for a new `agency.toml`.
pub fn guess_level(name: &str) -> &'static str {
    // A bare place name (`俵口镇`, `淮安市`) stands for its government.
    let place = ["镇", "乡", "街道", "县", "区", "市", "省"]
        .iter()
        .any(|e| name.ends_with(e));
    let gov = place
        || name.ends_with("人民政府")
        || name.ends_with("管委会")
        || name.ends_with("管理委员会");
    if name.ends_with("街道办事处")
        || name.ends_with("街道")
        || (gov && (name.contains('镇') || name.contains('乡')))
    {
        "township"
    } else if gov && (name.contains('省') || name.contains("自治区")) {
        "province"
    } else if gov && (name.contains('县') || name.contains("区人民政府") || name.ends_with('区'))
    {
        "county"
    } else if gov && name.contains('市') {
        "city"
    } else {
        "department"
    }
}

/// A new `agency.toml` for an agency first seen in an import.
pub fn agency_toml(slug: &str, name: Option<&str>) -> String {
    let name = name.unwrap_or(slug);
    format!(
        "# 由 gongkai import 新建：请核对机关全称（name）和级别（level）。\nname = {}\nlevel = \"{}\"  # 按名称推断\n",
        author::toml_string(name),
        guess_level(name)
    )
}

/// Checks an agency slug given on the command line or taken from a folder name.
pub fn check_slug(slug: &str) -> Result<(), String> {
    if valid_slug(slug) {
        Ok(())
    } else {
        Err(format!(
            "{} {}",
            t!("load.bad_slug", slug = slug),
            crate::load::config::slug_help(slug)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_from_names() {
        assert_eq!(guess_level("俵口镇人民政府"), "township");
        assert_eq!(guess_level("淮安市人民政府"), "city");
        assert_eq!(guess_level("沭阳县发展和改革局"), "department");
        assert_eq!(guess_level("沭阳县人民政府"), "county");
        assert_eq!(guess_level("福建省人民政府"), "province");
        assert_eq!(guess_level("上海市人民政府办公厅"), "department");
        assert_eq!(guess_level("俵口镇"), "township");
        assert_eq!(guess_level("淮安市"), "city");
    }

    #[test]
    fn unsupported_inputs_say_what_to_do() {
        assert_eq!(kind_of(Path::new("a.PDF")), Ok(Kind::Pdf));
        assert!(kind_of(Path::new("a.doc")).unwrap_err().contains(".docx"));
        assert_eq!(kind_of(Path::new("a.HTM")), Ok(Kind::Html));
    }
}
