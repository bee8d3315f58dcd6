//! Diagnostics: what `check` finds, where, and how to fix it.
//!
//! Every diagnostic names a file and, when it is about a value, the line and the column
//! (1-based, columns counted in characters of the file without its BOM, so Chinese text and
//! CRLF line ends are handled). The JSON form is stable and documented in the README.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;
use serde::Serialize;

use crate::model::Span;

/// How many findings of one kind (severity and code) are printed on the terminal.
pub const SHOWN_PER_KIND: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    /// A failed check that the report acknowledges: kept as published, shown to readers.
    Acknowledged,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Acknowledged => "acknowledged",
            Severity::Note => "note",
        }
    }

    /// The severity in the user's language, for the lines printed without a source excerpt.
    pub fn word(self) -> String {
        match self {
            Severity::Error => t!("diag.severity_error"),
            Severity::Warning => t!("diag.severity_warning"),
            Severity::Acknowledged | Severity::Note => t!("diag.severity_note"),
        }
    }
}

/// A secondary location (e.g. last year's cell in a continuity warning).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Related {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
    #[serde(skip)]
    pub span: Span,
}

/// The numbers of an arithmetic finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct RuleValues {
    /// What the first cell of the rule would have to be (empty cells counted as 0).
    pub expected: String,
    /// What it is; `None` when printed empty.
    pub found: Option<String>,
    /// How many cells of the rule were printed empty (0 for a plain violation).
    pub empty_cells: usize,
}

/// The text a diagnostic's span points into: given, or a report's, which a build that has
/// let go of it reads again only when a diagnostic needs its lines.
pub trait SpanText {
    fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R;
}

impl SpanText for str {
    fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(self)
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable check code: `I1`…`I4`, `X1`…`X3`, `D1`, or a kebab-case name for file problems.
    pub code: String,
    pub message: String,
    /// Path relative to the site root, `/`-separated.
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// The official label of the value concerned (`三、本年度办理结果（七）总计 / 自然人`).
    pub label: Option<String>,
    pub expected: Option<String>,
    pub found: Option<String>,
    pub help: Option<String>,
    /// For checks that can be acknowledged: the row or column key it failed at.
    pub at: Option<String>,
    /// The acknowledgement note, when the report acknowledges this finding.
    pub acknowledgement: Option<String>,
    pub related: Vec<Related>,
    /// The table cells concerned, as `table.row.column` keys (for marking them on the site).
    pub cells: Vec<String>,
    /// For arithmetic checks: the numbers, unformatted.
    pub values: Option<RuleValues>,
    #[serde(skip)]
    pub span: Option<Span>,
}

impl Diagnostic {
    /// A diagnostic about a whole file or folder (no position).
    pub fn file(severity: Severity, code: &str, file: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code: code.to_string(),
            message: message.into(),
            file: file.to_string(),
            line: 0,
            column: 0,
            end_line: 0,
            end_column: 0,
            label: None,
            expected: None,
            found: None,
            help: None,
            at: None,
            acknowledgement: None,
            related: Vec::new(),
            cells: Vec::new(),
            values: None,
            span: None,
        }
    }

    /// A diagnostic at `span` of `text` (the file's text without BOM).
    pub fn at<T: SpanText + ?Sized>(
        severity: Severity,
        code: &str,
        file: &str,
        text: &T,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        let mut d = Diagnostic::file(severity, code, file, message);
        d.set_span(text, span);
        d
    }

    pub fn set_span<T: SpanText + ?Sized>(&mut self, text: &T, span: Span) {
        let ((l, c), (el, ec)) = text.with_text(|text| {
            (
                line_col(text, span.start as usize),
                line_col(text, span.end as usize),
            )
        });
        self.line = l;
        self.column = c;
        self.end_line = el;
        self.end_column = ec;
        self.span = Some(span);
    }

    /// `file:line:column`, or just the file when there is no position.
    pub fn location(&self) -> String {
        if self.line == 0 {
            self.file.clone()
        } else {
            format!("{}:{}:{}", self.file, self.line, self.column)
        }
    }

    /// Order for output: by file, position, then code.
    fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        (
            &self.file,
            self.line,
            self.column,
            &self.code,
            &self.message,
        )
    }
}

/// Builder methods, usable on an owned diagnostic and on one already pushed (`&mut`).
pub trait Build: Sized {
    fn diag(&mut self) -> &mut Diagnostic;

    fn label(mut self, label: impl Into<String>) -> Self {
        self.diag().label = Some(label.into());
        self
    }

    fn expected(mut self, e: impl Into<String>) -> Self {
        self.diag().expected = Some(e.into());
        self
    }

    fn found(mut self, f: impl Into<String>) -> Self {
        self.diag().found = Some(f.into());
        self
    }

    fn help(mut self, h: impl Into<String>) -> Self {
        self.diag().help = Some(h.into());
        self
    }

    fn at_key(mut self, at: impl Into<String>) -> Self {
        self.diag().at = Some(at.into());
        self
    }

    fn related<T: SpanText + ?Sized>(
        mut self,
        file: &str,
        text: &T,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        let (line, column) = text.with_text(|text| line_col(text, span.start as usize));
        self.diag().related.push(Related {
            file: file.to_string(),
            line,
            column,
            message: message.into(),
            span,
        });
        self
    }
}

impl Build for Diagnostic {
    fn diag(&mut self) -> &mut Diagnostic {
        self
    }
}

impl Build for &mut Diagnostic {
    fn diag(&mut self) -> &mut Diagnostic {
        self
    }
}

/// `1 report`, `2 reports`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The label, acknowledgement and help lines of a diagnostic.
fn plain_notes(d: &Diagnostic) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(l) = &d.label {
        notes.push(t!("diag.official_label", label = l));
    }
    if let Some(a) = &d.acknowledgement {
        notes.push(t!("diag.acknowledged_note", note = a));
    }
    if let Some(h) = &d.help {
        notes.push(t!("diag.help", help = h));
    }
    notes
}

/// codespan-reporting writes the severity word (`error[I1]: …`) in English; the first line of
/// its output gets the user's word instead (colour codes before it are kept).
fn localize_header(text: &str) -> String {
    let body = text.trim_start_matches(|c: char| {
        c == '\x1b' || c == '[' || c == ';' || c.is_ascii_digit() || c == 'm'
    });
    let prefix = &text[..text.len() - body.len()];
    for (word, sev) in [
        ("error", Severity::Error),
        ("warning", Severity::Warning),
        ("note", Severity::Note),
    ] {
        if let Some(rest) = body.strip_prefix(word)
            && (rest.starts_with('[') || rest.starts_with(':'))
        {
            return format!("{prefix}{}{rest}", sev.word());
        }
    }
    text.to_string()
}

/// Whether the line holding `span` is short enough to quote (hostile files have huge lines).
fn short_line(text: &str, span: Span) -> bool {
    let start = (span.start as usize).min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    line_end - line_start <= 400 && (span.end as usize) <= line_end.max(start) + 1
}

/// 1-based line and character column of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..offset].chars().count() + 1;
    (line as u32, col as u32)
}

/// The texts of the files diagnostics point into, for rendering source excerpts.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: BTreeMap<String, Arc<str>>,
}

impl Sources {
    pub fn insert(&mut self, path: &str, text: Arc<str>) {
        self.files.insert(path.to_string(), text);
    }

    /// Every file's path and text, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Arc<str>)> {
        self.files.iter().map(|(p, t)| (p.as_str(), t))
    }

    pub fn get(&self, path: &str) -> Option<&Arc<str>> {
        self.files.get(path)
    }

    /// Keeps the files whose path `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.files.retain(|p, _| keep(p));
    }

    pub fn extend(&mut self, other: Sources) {
        self.files.extend(other.files);
    }
}

/// The result of checking a site.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(ds);
    }

    pub fn count(&self, s: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == s).count()
    }

    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    /// Deterministic order, independent of the order files were read in parallel.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.items.dedup();
    }

    /// Stable JSON: an array of diagnostic objects (see README, "check --format json").
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.items).unwrap_or_else(|_| "[]".into())
    }

    /// One line per severity: `2 errors, 1 warning, 14 acknowledged`.
    pub fn summary(&self) -> String {
        t!(
            "diag.summary",
            errors = t!("diag.n_errors", n = self.count(Severity::Error)),
            warnings = t!("diag.n_warnings", n = self.count(Severity::Warning)),
            acknowledged = t!(
                "diag.n_acknowledged",
                n = self.count(Severity::Acknowledged)
            )
        )
    }

    /// Renders every diagnostic rustc-style, with source excerpts where the text is known.
    pub fn render(&self, sources: &Sources, color: bool) -> String {
        let mut out = Vec::new();
        self.render_to(sources, &mut out, color);
        String::from_utf8_lossy(&out).into_owned()
    }

    fn render_to(&self, sources: &Sources, out: &mut Vec<u8>, color: bool) {
        let mut files = SimpleFiles::new();
        let mut ids: BTreeMap<String, usize> = BTreeMap::new();
        let mut id_of = |files: &mut SimpleFiles<String, Arc<str>>, path: &str| -> Option<usize> {
            if let Some(&id) = ids.get(path) {
                return Some(id);
            }
            let id = files.add(path.to_string(), sources.get(path)?.clone());
            ids.insert(path.to_string(), id);
            Some(id)
        };
        let config = term::Config::default();
        let styles = term::Styles::default();
        for d in &self.items {
            if d.severity == Severity::Acknowledged {
                // Kept as published and explained to readers: one line and the note suffice.
                let line = t!(
                    "diag.acknowledged_line",
                    code = d.code,
                    location = d.location(),
                    message = d.message
                );
                let _ = writeln!(out, "{line}");
                if let Some(a) = &d.acknowledgement {
                    let _ = writeln!(out, "{}", t!("diag.note_line", note = a));
                }
                continue;
            }
            let sev = match d.severity {
                Severity::Error => cs::Severity::Error,
                Severity::Warning => cs::Severity::Warning,
                Severity::Acknowledged | Severity::Note => cs::Severity::Note,
            };
            let message = d.message.clone();
            let mut csd = cs::Diagnostic::new(sev)
                .with_code(&d.code)
                .with_message(message);
            let primary_msg = match (&d.expected, &d.found) {
                (Some(e), Some(f)) => t!("diag.expected_found", expected = e, found = f),
                (Some(e), None) => t!("diag.expected", expected = e),
                (None, Some(f)) => t!("diag.found", found = f),
                (None, None) => String::new(),
            };
            let mut notes = Vec::new();
            let excerpt = d.span.and_then(|span| {
                let text = sources.get(&d.file)?;
                short_line(text, span).then_some(span)
            });
            match (excerpt, id_of(&mut files, &d.file)) {
                (Some(span), Some(id)) => {
                    csd = csd
                        .with_label(cs::Label::primary(id, span.range()).with_message(primary_msg));
                }
                _ => {
                    // No source excerpt (a whole file, or a line too long to show): the
                    // location line alone, as rustc prints it.
                    let _ = writeln!(out, "{}[{}]: {}", d.severity.word(), d.code, d.message);
                    let _ = writeln!(out, "  ┌─ {}", d.location());
                    if !primary_msg.is_empty() {
                        let _ = writeln!(out, "  = {primary_msg}");
                    }
                    for n in plain_notes(d) {
                        let _ = writeln!(out, "  = {}", n.replace('\n', "\n    "));
                    }
                    let _ = writeln!(out);
                    continue;
                }
            }
            for r in &d.related {
                match id_of(&mut files, &r.file) {
                    Some(id) => {
                        csd = csd.with_label(
                            cs::Label::secondary(id, r.span.range()).with_message(&r.message),
                        );
                    }
                    None => {
                        notes.push(format!("{}:{}:{}: {}", r.file, r.line, r.column, r.message))
                    }
                }
            }
            notes.extend(plain_notes(d));
            csd = csd.with_notes(notes);
            let mut one = Vec::new();
            let res = if color {
                let mut w = term::termcolor::Ansi::new(&mut one);
                let mut sw = term::StylesWriter::new(&mut w, &styles);
                term::emit_to_write_style(&mut sw, &config, &files, &csd)
            } else {
                term::emit_to_io_write(&mut one, &config, &files, &csd)
            };
            out.extend_from_slice(localize_header(&String::from_utf8_lossy(&one)).as_bytes());
            if res.is_err() {
                // The source changed under us; fall back to the plain location line.
                let _ = writeln!(
                    out,
                    "{}[{}]: {} ({})",
                    d.severity.word(),
                    d.code,
                    d.message,
                    d.location()
                );
            }
        }
    }

    /// The diagnostics [`Diagnostics::eprint`] shows with their lines: the first
    /// `SHOWN_PER_KIND` of each severity and code.
    pub fn shown(&self) -> impl Iterator<Item = &Diagnostic> {
        let mut seen: BTreeMap<(u8, &str), usize> = BTreeMap::new();
        self.items.iter().filter(move |d| {
            let n = seen.entry((d.severity as u8, d.code.as_str())).or_default();
            *n += 1;
            *n <= SHOWN_PER_KIND
        })
    }

    /// Writes the rendered diagnostics to stderr, coloured as `--color` says. Past
    /// [`SHOWN_PER_KIND`] findings of one kind (100,000 empty agency folders), the rest are
    /// counted, not printed: `--format json` lists them all.
    pub fn eprint(&self, sources: &Sources) {
        let stderr = std::io::stderr();
        let mut seen: BTreeMap<(u8, &str), usize> = BTreeMap::new();
        for d in &self.items {
            *seen.entry((d.severity as u8, d.code.as_str())).or_default() += 1;
        }
        let shown = Diagnostics {
            items: self.shown().cloned().collect(),
        };
        let mut text = shown.render(sources, crate::term::color_stderr());
        for ((_, code), n) in seen.iter().filter(|(_, n)| **n > SHOWN_PER_KIND) {
            text.push_str(&t!(
                "diag.more_of_kind",
                n = n - SHOWN_PER_KIND,
                code = code
            ));
            text.push('\n');
        }
        let _ = stderr.lock().write_all(text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "a = 1\n名称 = \"国家统计局\"\n";
        let off = text.find("\"国").unwrap();
        assert_eq!(line_col(text, off), (2, 6));
    }

    #[test]
    fn crlf_lines() {
        let text = "a = 1\r\nb = 2\r\n";
        let off = text.find('b').unwrap();
        assert_eq!(line_col(text, off), (2, 1));
    }

    #[test]
    fn offsets_inside_a_character_round_down() {
        let text = "统计";
        assert_eq!(line_col(text, 1), (1, 1));
        assert_eq!(line_col(text, 3), (1, 2));
    }
}
