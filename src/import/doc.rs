//! The shape every input is read into before it is interpreted: paragraphs and tables in
//! document order. Tables are grids with merged cells expanded; a position covered by a merged
//! cell repeats its text and is marked as a copy, so that a row reads the same whether the
//! publisher merged a label over several rows (HTML rowspan, Word vMerge) or left the cells
//! empty (text extracted from Word).

/// One table cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The text, whitespace-normalised (see [`clean`]).
    pub text: String,
    /// The position is covered by a cell merged from the left or from above.
    pub copy: bool,
}

impl Cell {
    pub fn new(text: &str) -> Cell {
        Cell {
            text: clean(text),
            copy: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Para(String),
    Table(Vec<Vec<Cell>>),
}

/// A document read from any input.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    pub blocks: Vec<Block>,
    /// The title given outside the body (the HTML `<title>`), if any.
    pub title: Option<String>,
    /// A publication date given outside the body (`<meta name="PubDate">`), `YYYY-MM-DD`.
    pub published: Option<String>,
    /// Where the document was published, when the file says (a saved page's address).
    pub source_url: Option<String>,
    /// What the reader could not read with certainty, for review (the reader's own words).
    pub notes: Vec<String>,
}

impl Doc {
    /// Adds a paragraph (cleaned; empty ones are dropped).
    pub fn para(&mut self, text: &str) {
        let t = clean(text);
        if !t.is_empty() {
            self.blocks.push(Block::Para(t));
        }
    }
}

/// Cell text: no-break and ideographic spaces become spaces, whitespace between CJK
/// characters (wrapped header cells, `商业\n企业`) disappears, other runs become one space.
pub fn clean(text: &str) -> String {
    let chars: Vec<char> = text
        .chars()
        .map(|c| match c {
            '\u{a0}' | '\u{3000}' | '\u{2002}' | '\u{2003}' | '\u{200b}' | '\u{feff}' => ' ',
            c => c,
        })
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            let start = i;
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            let before = out.chars().last();
            let after = chars.get(i).copied();
            let joins = match (before, after) {
                (Some(b), Some(a)) => !(is_cjk(b) || is_cjk(a)),
                _ => false,
            };
            if joins && start > 0 {
                out.push(' ');
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    strip_artifacts(&out)
}

/// Removes Word export artefacts such as `[bookmark: _GoBack]`.
fn strip_artifacts(s: &str) -> String {
    let mut out = s.to_string();
    while let Some(start) = out.find("[bookmark:") {
        match out[start..].find(']') {
            Some(end) => out.replace_range(start..start + end + 1, ""),
            None => break,
        }
    }
    out.trim().to_string()
}

/// CJK ideographs and CJK punctuation (full-width forms included).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303f | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xf900..=0xfaff | 0xff00..=0xffef
        | 0x2e80..=0x2fdf | 0x20000..=0x2fa1f)
        || matches!(c, '“' | '”' | '‘' | '’')
}

/// A label reduced for comparison: no whitespace, no quotes, full-width ASCII folded,
/// brackets and enumeration commas unified (`1、` = `1.`, `（一）` = `(一)`).
pub fn norm_label(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let c = fold_width(c);
        match c {
            c if c.is_whitespace() => {}
            '“' | '”' | '"' | '‘' | '’' | '\'' | '《' | '》' | ':' | '：' => {}
            '、' | '．' | '.' if i > 0 && fold_width(chars[i - 1]).is_ascii_digit() => {
                out.push('.')
            }
            '（' | '(' => out.push('('),
            '）' | ')' => out.push(')'),
            // Circled numbers number sub-items too (`①属于国家秘密`).
            '①'..='⑳' => {
                out.push_str(&(c as u32 - '①' as u32 + 1).to_string());
                out.push('.');
            }
            c => out.push(c),
        }
    }
    // `(1)` numbers a sub-item like `1.`.
    let mut fixed = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(i) = rest.find('(') {
        let digits: String = rest[i + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        fixed.push_str(&rest[..i]);
        if !digits.is_empty() && rest[i + 1 + digits.len()..].starts_with(')') {
            fixed.push_str(&digits);
            fixed.push('.');
            rest = &rest[i + 2 + digits.len()..];
        } else {
            fixed.push('(');
            rest = &rest[i + 1..];
        }
    }
    fixed.push_str(rest);
    fixed
}

/// Full-width ASCII forms (`１`, `（`, `－`) to ASCII.
pub fn fold_width(c: char) -> char {
    match c as u32 {
        0xff01..=0xff5e => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning_joins_wrapped_cjk_and_keeps_latin_spaces() {
        assert_eq!(clean("商业\n企业"), "商业企业");
        assert_eq!(clean("\u{a0}0 "), "0");
        assert_eq!(clean("12345 热线"), "12345热线");
        assert_eq!(clean("see  the\nreport"), "see the report");
        assert_eq!(clean("[bookmark: _GoBack]六、其他"), "六、其他");
    }

    #[test]
    fn labels_compare_across_printing_variants() {
        assert_eq!(norm_label("1、本机关不掌握"), norm_label("1.本机关不掌握"));
        assert_eq!(norm_label("（四）无法 提供"), norm_label("(四)无法提供"));
        assert_eq!(norm_label("３.危及“三安全一稳定”"), "3.危及三安全一稳定");
        assert_eq!(norm_label("（1）属于国家秘密"), "1.属于国家秘密");
        assert_eq!(norm_label("①属于国家秘密"), "1.属于国家秘密");
        assert_eq!(norm_label("（十）x(2)"), "(十)x2.");
    }
}
