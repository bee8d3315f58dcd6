//! Reading TOML with positions, reporting every problem at once.
//!
//! serde stops at the first error; a clerk fixing a report wants all of them. So files are
//! parsed into toml's spanned tree (`DeTable`) and walked here against the expected keys,
//! collecting diagnostics with exact spans and "did you mean" suggestions.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, Severity};
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
pub fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a decimal number",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
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
        for e in errors.iter().take(20) {
            let r = e.span().unwrap_or(0..0);
            let span = self.span(r.clone());
            let msg = e.message().trim().to_string();
            let help = syntax_help(&msg, self.src(span));
            let d = self.error("toml-syntax", span, format!("TOML syntax error: {msg}"));
            if let Some(h) = help {
                d.help = Some(h);
            }
        }
        if errors.len() > 20 {
            let span = self.span(0..0);
            self.error(
                "toml-syntax",
                span,
                format!("{} more TOML syntax errors not shown", errors.len() - 20),
            );
        }
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
                    format!("unknown key `{key}` in {context}"),
                );
                d.found = Some(format!("`{key}`"));
                d.help = Some(match sugg {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("known keys here: {}", known.join(", ")),
                });
            }
        }
        out
    }

    fn wrong_type(&mut self, key: &str, v: &Value<'_>, want: &str) {
        let span = self.span(v.span());
        let found = format!("{} `{}`", type_name(v.get_ref()), excerpt(self.src(span)));
        self.error("wrong-type", span, format!("`{key}` must be {want}"))
            .found = Some(found);
    }

    /// A string value (`key = "…"`); other types are reported.
    pub fn string(&mut self, key: &str, v: &Value<'_>) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => {
                self.wrong_type(key, v, "a string in quotes");
                None
            }
        }
    }

    /// A non-empty string.
    pub fn nonempty_string(&mut self, key: &str, v: &Value<'_>) -> Option<String> {
        let s = self.string(key, v)?;
        if s.trim().is_empty() {
            let span = self.span(v.span());
            self.error("empty-value", span, format!("`{key}` is empty"))
                .help = Some(format!("write a value for `{key}` or remove the line"));
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
        self.error(
            "bad-url",
            span,
            format!("`{key}` must be a web address starting with http:// or https://"),
        )
        .found = Some(excerpt(&s));
        None
    }

    pub fn integer(&mut self, key: &str, v: &Value<'_>) -> Option<i64> {
        match v.get_ref() {
            DeValue::Integer(i) => {
                let parsed = parse_int(i.as_str(), i.radix());
                if parsed.is_none() {
                    let span = self.span(v.span());
                    self.error("number-too-large", span, format!("`{key}` is too large"))
                        .found = Some(excerpt(i.as_str()));
                }
                parsed.and_then(|n| i64::try_from(n).ok())
            }
            _ => {
                self.wrong_type(key, v, "a whole number");
                None
            }
        }
    }

    pub fn boolean(&mut self, key: &str, v: &Value<'_>) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(key, v, "true or false");
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
                self.wrong_type(key, v, "a date such as 2022-01-28");
                return None;
            }
        };
        match normalize_date(&text) {
            Some(d) => Some(d),
            None => {
                let span = self.span(v.span());
                let d = self.error("bad-date", span, format!("`{key}` is not a valid date"));
                d.expected = Some("a date such as 2022-01-28".into());
                d.found = Some(excerpt(&text));
                None
            }
        }
    }

    pub fn table<'a, 'v>(&mut self, key: &str, v: &'a Value<'v>) -> Option<&'a DeTable<'v>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => {
                self.wrong_type(key, v, "a table");
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
    if found.chars().any(|c| "，：“”［］＝".contains(c)) {
        return Some(
            "a full-width character (，：“”［］＝) is used where TOML needs its ASCII form (, : \" [ ] =)"
                .into(),
        );
    }
    if msg.contains("duplicate") {
        return Some(
            "each key may appear only once in a table; remove or rename the repeated one".into(),
        );
    }
    if msg.contains("string") && msg.contains("unterminated")
        || msg.contains("invalid basic string")
    {
        return Some("close the string with a \" on the same line".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

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
