//! Reading TOML with positions, reporting every problem at once.
//!
//! serde stops at the first error; a clerk fixing a report wants all of them. So files are
//! parsed into toml's spanned tree (`DeTable`) and walked here against the expected keys,
//! collecting diagnostics with exact spans and "did you mean" suggestions.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::{Build, Diagnostic, Severity};
use crate::i18n;
use crate::model::Span;

pub type Value<'a> = Spanned<DeValue<'a>>;

/// A TOML document inside a file (a frontmatter block or a whole `.toml` file).
pub struct Doc<'t> {
    pub file: &'t str,
    /// The whole file text (without BOM); spans are reported against it.
    pub text: &'t str,
    /// Byte offset of the TOML inside `text`.
    pub offset: usize,
    pub diags: Vec<Diagnostic>,
}

/// The most similar candidate, if similar enough to be a likely typo.
pub fn suggest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(s, _)| *s >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// A human name for a TOML value's type.
pub fn type_name(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(_) => t!("toml.type_string"),
        DeValue::Integer(_) => t!("toml.type_integer"),
        DeValue::Float(_) => t!("toml.type_float"),
        DeValue::Boolean(_) => t!("toml.type_boolean"),
        DeValue::Datetime(_) => t!("toml.type_date"),
        DeValue::Array(_) => t!("toml.type_array"),
        DeValue::Table(_) => t!("toml.type_table"),
    }
}

/// The source text of a value, shortened for messages.
pub fn excerpt(text: &str) -> String {
    let t: String = text.chars().take(40).collect();
    if t.len() < text.len() {
        format!("{t}…")
    } else {
        t
    }
}

impl<'t> Doc<'t> {
    pub fn new(file: &'t str, text: &'t str, offset: usize) -> Self {
        Doc {
            file,
            text,
            offset,
            diags: Vec::new(),
        }
    }

    pub fn span(&self, r: Range<usize>) -> Span {
        Span::new(r.start + self.offset..r.end + self.offset)
    }

    /// The file text of a span (for quoting what was found).
    pub fn src(&self, span: Span) -> &'t str {
        self.text.get(span.range()).unwrap_or("")
    }

    pub fn diag(
        &mut self,
        severity: Severity,
        code: &str,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let d = Diagnostic::at(severity, code, self.file, self.text, span, message);
        self.diags.push(d);
        self.diags.last_mut().expect("just pushed")
    }

    pub fn error(&mut self, code: &str, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.diag(Severity::Error, code, span, message)
    }

    /// Parses `toml` (the slice of `text` at `offset`); syntax errors become diagnostics.
    pub fn parse(&mut self, toml: &'t str) -> Option<Spanned<DeTable<'t>>> {
        let (table, errors) = DeTable::parse_recoverable(toml);
        if errors.is_empty() {
            return Some(table);
        }
        // One slip of the pen makes the parser report everything after it: name the slip
        // where it is, with the corrected line, and nothing else.
        if let Some(slip) = first_slip(toml) {
            let span = self.span(slip.range.clone());
            let line = self.src(span).to_string();
            self.error("toml-syntax", span, i18n::text(slip.message, &[]))
                .found(line.trim().to_string())
                .expected(slip.fixed.trim().to_string())
                .help(t!("toml.fix_line", fixed = slip.fixed.trim()));
            return None;
        }
        let e = errors
            .iter()
            .min_by_key(|e| e.span().map_or(0, |r| r.start))?;
        let r = e.span().unwrap_or(0..0);
        let span = self.span(r.clone());
        let msg = e.message().trim().to_string();
        let help = syntax_help(&msg, self.src(span));
        let detail = i18n::parser_message(&msg);
        let d = self.error("toml-syntax", span, t!("toml.syntax", detail = detail));
        d.help = Some(help.unwrap_or_else(|| t!("toml.syntax_help")));
        None
    }

    /// Reports keys of `table` not in `known` (with a suggestion) and returns the known ones.
    pub fn fields<'a, 'v>(
        &mut self,
        table: &'a DeTable<'v>,
        known: &[&str],
        context: &str,
    ) -> Vec<(&'a str, Span, &'a Value<'v>)> {
        let mut out = Vec::new();
        for (k, v) in table.iter() {
            let key: &str = k.get_ref();
            let span = self.span(k.span());
            if known.contains(&key) {
                out.push((key, span, v));
            } else {
                let sugg = suggest(key, known.iter().copied());
                let d = self.error(
                    "unknown-key",
                    span,
                    t!("toml.unknown_key", key = key, context = context),
                );
                d.found = Some(format!("`{key}`"));
                d.help = Some(match sugg {
                    Some(s) => t!("common.did_you_mean", name = s),
                    None => t!("toml.known_keys", keys = known.join(", ")),
                });
            }
        }
        out
    }

    fn wrong_type(&mut self, key: &str, v: &Value<'_>, want: &str) {
        let span = self.span(v.span());
        let found = format!("{} `{}`", type_name(v.get_ref()), excerpt(self.src(span)));
        self.error(
            "wrong-type",
            span,
            t!("toml.must_be", key = key, want = want),
        )
        .found = Some(found);
    }

    /// A string value (`key = "…"`); other types are reported.
    pub fn string(&mut self, key: &str, v: &Value<'_>) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => {
                self.wrong_type(key, v, &t!("toml.want_string"));
                None
            }
        }
    }

    /// A non-empty string.
    pub fn nonempty_string(&mut self, key: &str, v: &Value<'_>) -> Option<String> {
        let s = self.string(key, v)?;
        if s.trim().is_empty() {
            let span = self.span(v.span());
            self.error("empty-value", span, t!("toml.empty_value", key = key))
                .help = Some(t!("toml.empty_value_help", key = key));
            return None;
        }
        Some(s)
    }

    /// An `http(s)://` URL; anything else (`javascript:`, relative paths) is refused, so a
    /// link built from it is always safe to follow.
    pub fn url(&mut self, key: &str, v: &Value<'_>) -> Option<String> {
        let s = self.nonempty_string(key, v)?;
        let lower = s.trim().to_ascii_lowercase();
        let host_ok = ["http://", "https://"]
            .iter()
            .find_map(|p| lower.strip_prefix(p))
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
        if host_ok && !s.trim().chars().any(char::is_whitespace) {
            return Some(s.trim().to_string());
        }
        let span = self.span(v.span());
        self.error("bad-url", span, t!("toml.bad_url", key = key))
            .found = Some(excerpt(&s));
        None
    }

    pub fn integer(&mut self, key: &str, v: &Value<'_>) -> Option<i64> {
        match v.get_ref() {
            DeValue::Integer(i) => {
                let parsed = parse_int(i.as_str(), i.radix());
                if parsed.is_none() {
                    let span = self.span(v.span());
                    self.error(
                        "number-too-large",
                        span,
                        t!("toml.key_too_large", key = key),
                    )
                    .found = Some(excerpt(i.as_str()));
                }
                parsed.and_then(|n| i64::try_from(n).ok())
            }
            _ => {
                self.wrong_type(key, v, &t!("toml.want_integer"));
                None
            }
        }
    }

    pub fn boolean(&mut self, key: &str, v: &Value<'_>) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(key, v, &t!("toml.want_boolean"));
                None
            }
        }
    }

    /// A date, written as a TOML date (`2022-01-28`) or a string of that form; returns
    /// `YYYY-MM-DD`.
    pub fn date(&mut self, key: &str, v: &Value<'_>) -> Option<String> {
        let text = match v.get_ref() {
            DeValue::Datetime(d) => d.to_string(),
            DeValue::String(s) => s.to_string(),
            _ => {
                self.wrong_type(key, v, &t!("toml.want_date"));
                return None;
            }
        };
        match normalize_date(&text) {
            Some(d) => Some(d),
            None => {
                let span = self.span(v.span());
                let d = self.error("bad-date", span, t!("toml.bad_date", key = key));
                d.expected = Some(t!("toml.want_date"));
                d.found = Some(excerpt(&text));
                None
            }
        }
    }

    /// An array of strings, each with its span; other types are reported.
    pub fn strings(&mut self, key: &str, v: &Value<'_>) -> Vec<(String, Span)> {
        match v.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .filter_map(|item| {
                    let s = self.string(key, item)?;
                    Some((s, self.span(item.span())))
                })
                .collect(),
            _ => {
                self.wrong_type(key, v, &t!("toml.want_strings"));
                Vec::new()
            }
        }
    }

    pub fn table<'a, 'v>(&mut self, key: &str, v: &'a Value<'v>) -> Option<&'a DeTable<'v>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => {
                self.wrong_type(key, v, &t!("toml.want_table"));
                None
            }
        }
    }
}

/// Parses a TOML integer's source text (sign, `_` separators, radix prefix) exactly.
pub fn parse_int(raw: &str, radix: u32) -> Option<i128> {
    if radix == 10 && !raw.contains('_') {
        return raw.parse().ok();
    }
    let cleaned: String = raw.chars().filter(|&c| c != '_').collect();
    let (neg, digits) = match cleaned.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, cleaned.strip_prefix('+').unwrap_or(&cleaned)),
    };
    let digits = if radix != 10 {
        digits.get(2..)?
    } else {
        digits
    };
    let n = i128::from_str_radix(digits, radix).ok()?;
    Some(if neg { -n } else { n })
}

/// `YYYY-MM-DD` from a date or date-time text, if it is a real calendar date.
pub fn normalize_date(s: &str) -> Option<String> {
    let s = s.trim();
    let date = s.get(..10)?;
    if !date.is_ascii() {
        return None;
    }
    let b = date.as_bytes();
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i32 = date[..4].parse().ok()?;
    let m: u32 = date[5..7].parse().ok()?;
    let d: u32 = date[8..10].parse().ok()?;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d == 0 || d > days[(m - 1) as usize] {
        return None;
    }
    let rest = &s[10..];
    if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
        return None;
    }
    Some(date.to_string())
}

/// Extra advice for the commonest syntax slips of people new to TOML.
fn syntax_help(msg: &str, found: &str) -> Option<String> {
    let found = found.trim();
    if found.chars().any(|c| "，：“”［］【】＝".contains(c)) {
        return Some(t!("toml.fullwidth_help"));
    }
    if msg.contains("duplicate") {
        return Some(t!("toml.duplicate_help"));
    }
    if msg.contains("string") && msg.contains("unterminated")
        || msg.contains("invalid basic string")
    {
        return Some(t!("toml.unclosed_string_help"));
    }
    None
}

/// A typing slip found on one line of TOML, with the line as it should be.
#[derive(Debug, PartialEq, Eq)]
pub struct Slip {
    /// The byte range of the line in the TOML text.
    pub range: std::ops::Range<usize>,
    /// The catalogue key of the message.
    pub message: &'static str,
    pub fixed: String,
}

/// The first line of `toml` with a slip a clerk typically makes: a missing `]`, `"` or `=`, a
/// stray or missing comma, full-width digits or punctuation. Only consulted when the parser
/// failed, so a line is never blamed in a file that parses.
pub fn first_slip(toml: &str) -> Option<Slip> {
    let mut pos = 0;
    // The line and its range where an array was left open, while inside it.
    let mut open: Option<(std::ops::Range<usize>, String, i32)> = None;
    for raw in toml.split_inclusive('\n') {
        let range = pos..pos + raw.trim_end().len();
        pos += raw.len();
        let line = raw.trim_end();
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || line.contains("\"\"\"") {
            continue;
        }
        let scan = scan_line(line);
        if let Some((orange, oline, depth)) = open.take() {
            let key = trimmed.split('=').next().unwrap_or("").trim();
            let header = trimmed.trim_start_matches('[').trim_end_matches(']');
            let starts_entry = scan.equals.is_some() && is_bare_key(key)
                || trimmed.starts_with('[') && trimmed.ends_with(']') && is_bare_key(header);
            if starts_entry {
                return Some(Slip {
                    range: orange,
                    message: "toml.missing_bracket",
                    fixed: close_array(&oline),
                });
            }
            let depth = depth + scan.depth;
            if depth > 0 {
                open = Some((orange, oline, depth));
            }
            continue;
        }
        let fullwidth = |s: &str| {
            s.chars()
                .any(|c| "０１２３４５６７８９，［］【】＝“”".contains(c))
        };
        if fullwidth(&scan.outside) {
            let fixed: String = crate::numtext::halfwidth_number(line)
                .replace(['［', '【'], "[")
                .replace(['］', '】'], "]")
                .replace('＝', "=")
                .replace(['“', '”'], "\"");
            return Some(Slip {
                range,
                message: "toml.fullwidth",
                fixed,
            });
        }
        if scan.in_string {
            let at = quote_position(line);
            return Some(Slip {
                range,
                message: "toml.missing_quote",
                fixed: format!("{}\"{}", &line[..at], &line[at..]),
            });
        }
        if trimmed.starts_with('[') {
            if !trimmed.ends_with(']') {
                return Some(Slip {
                    range,
                    message: "toml.missing_bracket",
                    fixed: format!("{line}]"),
                });
            }
            continue;
        }
        let Some(eq) = scan.equals else {
            // `key value`: the key, a space, and a value.
            let mut parts = trimmed.splitn(2, char::is_whitespace);
            let (key, value) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or("").trim(),
            );
            if is_bare_key(key) && !value.is_empty() {
                let indent = &line[..line.len() - line.trim_start().len()];
                return Some(Slip {
                    range,
                    message: "toml.missing_equals",
                    fixed: format!("{indent}{key} = {value}"),
                });
            }
            continue;
        };
        let value = line[eq + 1..].trim();
        let value_outside = scan.outside[scan.outside.find('=').map_or(0, |i| i + 1)..].trim();
        if let Some(fixed) = missing_comma(value) {
            return Some(Slip {
                range,
                message: "toml.missing_comma",
                fixed: format!("{}= {fixed}", &line[..eq]),
            });
        }
        if value_outside.contains(",,")
            || value_outside.replace(' ', "").contains("[,")
            || scan.depth == 0 && value_outside.ends_with(',')
        {
            let fixed = strip_stray_commas(value);
            return Some(Slip {
                range,
                message: "toml.stray_comma",
                fixed: format!("{}= {fixed}", &line[..eq]),
            });
        }
        if scan.depth > 0 {
            open = Some((range, line.to_string(), scan.depth));
        }
    }
    if let Some((range, line, _)) = open {
        return Some(Slip {
            range,
            message: "toml.missing_bracket",
            fixed: close_array(&line),
        });
    }
    None
}

/// What one line holds outside its strings.
struct LineScan {
    /// The line with string contents removed.
    outside: String,
    /// The byte offset of the first `=` outside strings.
    equals: Option<usize>,
    /// `[` minus `]` outside strings.
    depth: i32,
    /// Whether a string is still open at the end of the line.
    in_string: bool,
    /// The byte offset of a comment's `#`.
    comment: Option<usize>,
}

fn scan_line(line: &str) -> LineScan {
    let mut s = LineScan {
        outside: String::new(),
        equals: None,
        depth: 0,
        in_string: false,
        comment: None,
    };
    let mut escaped = false;
    let mut quote = '"';
    for (i, c) in line.char_indices() {
        if s.in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' && quote == '"' {
                escaped = true;
            } else if c == quote {
                s.in_string = false;
                s.outside.push(c);
            }
            continue;
        }
        match c {
            '#' => {
                s.comment = Some(i);
                break;
            }
            '"' | '\'' => {
                s.in_string = true;
                quote = c;
            }
            '=' if s.equals.is_none() && s.depth == 0 => s.equals = Some(i),
            '[' => s.depth += 1,
            ']' => s.depth -= 1,
            _ => {}
        }
        s.outside.push(c);
    }
    s
}

fn is_bare_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The line of an array left open, closed: `]` after its last value, before any comment.
fn close_array(line: &str) -> String {
    let (code, comment) = match scan_line(line).comment {
        Some(i) => line.split_at(i),
        None => (line, ""),
    };
    let body = code.trim_end();
    let gap = &code[body.len()..];
    format!("{}]{gap}{comment}", body.trim_end_matches(','))
}

/// Where the closing quote of a string left open belongs: before a trailing comment that
/// the open string swallowed (`"2021  # …`), else after the last value character.
fn quote_position(line: &str) -> usize {
    let open = line.find('"').map_or(0, |i| i + 1);
    if let Some(h) = line[open..].find(" #") {
        return open + line[open..open + h].trim_end().len();
    }
    line.rfind(|c: char| c != ']' && c != ',' && !c.is_whitespace())
        .map_or(line.len(), |i| {
            i + line[i..].chars().next().map_or(1, char::len_utf8)
        })
}

/// `[12 2, 0]` → `[12, 2, 0]`: a number and the next value side by side inside brackets.
fn missing_comma(value: &str) -> Option<String> {
    if !value.starts_with('[') {
        return None;
    }
    let mut out = String::with_capacity(value.len() + 4);
    let mut in_string = false;
    let mut found = false;
    let mut prev_digit = false;
    let mut gap = false;
    for c in value.chars() {
        if !in_string && prev_digit && gap && (c.is_ascii_digit() || c == '"') {
            let trimmed = out.trim_end().len();
            out.truncate(trimmed);
            out.push_str(", ");
            found = true;
        }
        if c == '"' {
            in_string = !in_string;
        }
        if !in_string && c == ' ' {
            gap = prev_digit || gap;
        } else {
            prev_digit = !in_string && c.is_ascii_digit();
            gap = false;
        }
        out.push(c);
    }
    found.then_some(out)
}

/// Removes doubled, leading and trailing commas.
fn strip_stray_commas(value: &str) -> String {
    let mut v = value.to_string();
    while v.contains(",,") {
        v = v.replace(",,", ",");
    }
    v = v.replace("[,", "[").replace("[ ,", "[");
    let v = v.trim_end();
    v.strip_suffix(',').unwrap_or(v).trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_slip_one_line_with_the_fix() {
        let slip = |t: &str| first_slip(t).map(|s| (s.message, s.fixed));
        assert_eq!(
            slip("a = [1, 2\nb = [3]\n"),
            Some(("toml.missing_bracket", "a = [1, 2]".into()))
        );
        assert_eq!(
            slip("title = \"x\ny = 1\n"),
            Some(("toml.missing_quote", "title = \"x\"".into()))
        );
        assert_eq!(
            slip("year 2021\n"),
            Some(("toml.missing_equals", "year = 2021".into()))
        );
        assert_eq!(
            slip("total = [12 2, 0]\n"),
            Some(("toml.missing_comma", "total = [12, 2, 0]".into()))
        );
        assert_eq!(
            slip("total = [1,, 2]\n"),
            Some(("toml.stray_comma", "total = [1, 2]".into()))
        );
        assert_eq!(
            slip("total = [１２, 0]\n"),
            Some(("toml.fullwidth", "total = [12, 0]".into()))
        );
        assert_eq!(slip("a = [1,\n  2]\n"), None);
        // The fix goes before a trailing comment, not inside it.
        assert_eq!(
            slip("new = [0, 0  # 本年新收\nb = [3]\n"),
            Some(("toml.missing_bracket", "new = [0, 0]  # 本年新收".into()))
        );
        assert_eq!(
            slip("format = \"2021  # 2021年版\n"),
            Some(("toml.missing_quote", "format = \"2021\"  # 2021年版".into()))
        );
        assert_eq!(
            slip("a = 【0, 0】\n"),
            Some(("toml.fullwidth", "a = [0, 0]".into()))
        );
        assert_eq!(
            slip("title = “测试”\n"),
            Some(("toml.fullwidth", "title = \"测试\"".into()))
        );
    }

    #[test]
    fn integers_keep_their_exact_value() {
        assert_eq!(parse_int("1_000", 10), Some(1000));
        assert_eq!(parse_int("-18", 10), Some(-18));
        assert_eq!(parse_int("+3", 10), Some(3));
        assert_eq!(parse_int("0x1F", 16), Some(31));
        assert_eq!(
            parse_int("99999999999999999999999999999999999999999", 10),
            None
        );
    }

    #[test]
    fn dates() {
        assert_eq!(normalize_date("2022-01-28").as_deref(), Some("2022-01-28"));
        assert_eq!(
            normalize_date("2020-01-20T15:22:00").as_deref(),
            Some("2020-01-20")
        );
        assert_eq!(
            normalize_date("2020-01-20 15:22").as_deref(),
            Some("2020-01-20")
        );
        assert_eq!(normalize_date("2021-02-29"), None);
        assert_eq!(normalize_date("2020-02-29").as_deref(), Some("2020-02-29"));
        assert_eq!(normalize_date("2022/01/28"), None);
        assert_eq!(normalize_date("2022"), None);
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("grantd", ["granted", "total"]), Some("granted"));
        assert_eq!(suggest("zzz", ["granted", "total"]), None);
    }
}
