//! A read document → a report draft: the title, year, date and prose sections from the
//! paragraphs, and every cell of the three tables from the table rows.
//!
//! Rows are recognised by their labels, compared with the labels of `formats.toml` after
//! normalisation (spacing, full-width forms, `1、` for `1.`) and, failing that, by similarity,
//! so typos and wrapped labels still match. Values are the trailing value-like cells of a row.
//! Nothing is guessed silently: a cell that cannot be read, a row that is missing, or a value
//! that does not fit the format is left empty and listed for review with its official label.

use std::collections::BTreeMap;

use super::doc::{Block, Cell as DocCell, Doc, fold_width, is_cjk, norm_label};
use crate::author::{Draft, Rows};
use crate::format::{Format, Kind, Table, formats};
use crate::model::{Blank, Cell};

/// What the user said about the input.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub year: Option<i32>,
    /// `2019` or `2021`; `None` to detect it.
    pub format: Option<String>,
    /// How long fetching a web address may take in all, in seconds (default 30).
    pub timeout: Option<u64>,
}

/// The outcome of interpreting a document.
#[derive(Debug, Clone)]
pub struct Interpreted {
    pub draft: Draft,
    /// Things a person must finish or check, each naming the official label concerned.
    pub review: Vec<String>,
    /// What was detected and how (format, year), for the terminal.
    pub info: Vec<String>,
    /// The agency's full name as printed on the signature line, if any.
    pub signature: Option<String>,
    /// The name in front of the year in the title (may be a short name).
    pub title_name: Option<String>,
}

/// The minimum similarity for a label that does not match exactly.
const FUZZY: f64 = 0.75;

pub fn interpret(doc: &Doc, opts: &Options) -> Result<Interpreted, String> {
    let mut review = doc.notes.clone();
    let mut info = Vec::new();
    let prose = read_prose(doc);
    let title = prose
        .title
        .clone()
        .or_else(|| doc.title.as_deref().and_then(title_from_page));

    // The year: given, else from the title, else the year the text names most (flagged).
    let rows = collect_rows(doc);
    if rows.is_empty() {
        return Err(t!("import.no_table"));
    }
    let title_year = title.as_deref().and_then(first_year);
    let year = match (opts.year, title_year) {
        (Some(y), Some(t)) if y != t => {
            info.push(t!("import.title_year", title = t, year = y));
            y
        }
        (Some(y), _) => y,
        (None, Some(t)) => t,
        (None, None) => match most_frequent_year(doc) {
            Some(y) => {
                review.push(t!("import.year_guessed", year = y));
                y
            }
            None => return Err(t!("import.no_year")),
        },
    };

    let f = formats();
    let format: &Format = match opts.format.as_deref() {
        Some(id) => f
            .format(id)
            .ok_or_else(|| t!("import.unknown_format", id = id))?,
        None => {
            let (id, why) = detect_format(&rows, year);
            info.push(why);
            f.format(&id).unwrap_or_else(|| f.default_for_year(year))
        }
    };
    let other = f.formats.iter().find(|x| x.id != format.id);

    let mut tables: Vec<(String, Rows)> = Vec::new();
    let mut found_any = false;
    for table in f.tables_of(format) {
        let alt = other
            .and_then(|o| f.table_of(o, &table.key))
            .map(|(_, t)| t);
        let (rows_out, found) = read_table(table, alt, &rows, &mut review, &mut info);
        found_any |= found > 0;
        if found == 0 {
            review.push(t!(
                "import.table_not_found",
                table = f
                    .section_for_table(&table.key)
                    .map_or(table.key.as_str(), |s| s.zh.as_str())
            ));
        }
        tables.push((table.key.clone(), rows_out));
    }
    if !found_any {
        return Err(t!("import.no_row"));
    }

    let mut sections = Vec::new();
    for (num, paras) in &prose.sections {
        let text = paras.join("\n\n");
        if !text.trim().is_empty() {
            sections.push((num.clone(), text));
        }
    }
    for sec in f.sections.iter().filter(|s| s.required) {
        if !prose.sections.iter().any(|(n, _)| *n == sec.num) {
            review.push(t!("import.section_not_found", section = sec.zh));
        }
    }
    let draft = Draft {
        title,
        year,
        format: format.id.clone(),
        published: prose.published.clone().or_else(|| doc.published.clone()),
        sections,
        tables,
        review_notes: review.clone(),
        ..Draft::default()
    };
    Ok(Interpreted {
        draft,
        review,
        info,
        signature: prose.signature.clone(),
        title_name: prose.title_name.clone(),
    })
}

// ---------------------------------------------------------------------------------------
// Prose

#[derive(Debug, Default)]
struct Prose {
    title: Option<String>,
    /// Section numeral → Markdown paragraphs.
    sections: Vec<(String, Vec<String>)>,
    published: Option<String>,
    /// A full agency name on a line of its own near the end (the signature).
    signature: Option<String>,
    /// The name before the year in the title (`俵口镇` in `俵口镇2021年…`).
    title_name: Option<String>,
}

/// The section a paragraph is the heading of, by numeral and keyword (index into
/// `formats().sections`).
fn section_heading(text: &str) -> Option<usize> {
    let t: String = text.trim().chars().map(fold_width).collect();
    if t.chars().count() > 40 {
        return None;
    }
    formats().sections.iter().position(|sec| {
        let rest = ["、", ".", "．", " "]
            .iter()
            .find_map(|sep| t.strip_prefix(&format!("{}{sep}", sec.num)));
        rest.is_some_and(|r| sec.keywords.iter().any(|k| r.contains(k.as_str())))
    })
}

/// Whether a line reads as the heading of one of the six sections.
pub fn is_section_heading_text(text: &str) -> bool {
    section_heading(text).is_some()
}

/// A numbered sub-heading inside a section (`一、紧扣强基础…`, `（二）…`): short, no full stop.
fn is_sub_heading(text: &str) -> bool {
    let t = text.trim();
    let n = t.chars().count();
    if n > 36 || t.ends_with('。') || t.ends_with('；') {
        return false;
    }
    let numerals = "一二三四五六七八九十";
    let mut chars = t.chars();
    match chars.next() {
        Some('（' | '(') => {
            let inner: String = chars
                .by_ref()
                .take_while(|c| *c != '）' && *c != ')')
                .collect();
            !inner.is_empty()
                && inner.chars().all(|c| numerals.contains(c))
                && n > inner.chars().count() + 2
        }
        Some(c) if numerals.contains(c) => {
            let rest: String = t.chars().skip_while(|c| numerals.contains(*c)).collect();
            rest.starts_with('、') && rest.chars().count() > 1
        }
        _ => false,
    }
}

/// Markers of a page's furniture after the report (print and share links, attachments).
fn is_page_end(text: &str) -> bool {
    const MARKERS: &[&str] = &[
        "附件：",
        "附件:",
        "附件下载",
        "相关附件",
        "【打印",
        "打印本页",
        "关闭窗口",
        "【关闭",
        "分享到",
        "扫一扫",
        "上一篇",
        "下一篇",
        "主办单位",
        "主办：",
        "承办单位",
        "网站标识码",
        "版权所有",
        "技术支持",
        "联系我们",
        "网站地图",
        "相关链接",
        "【字体",
        "字号：",
        "浏览次数",
        "阅读次数",
    ];
    let t = text.trim();
    MARKERS.iter().any(|m| t.starts_with(m))
}

/// Splits a paragraph that starts with a section heading and runs on into the text
/// (`一、总体情况。2021年，…` or `一、总体情况：…`) into the heading and the rest.
fn split_inline_heading(text: &str) -> Option<(String, String)> {
    let cut = text
        .char_indices()
        .take(41)
        .find(|(_, c)| matches!(c, '。' | '：' | ':' | '；'))
        .map(|(i, c)| (i, c.len_utf8()))?;
    let head = text[..cut.0].trim();
    let rest = text[cut.0 + cut.1..].trim();
    section_heading(head)?;
    (!rest.is_empty()).then(|| (head.to_string(), rest.to_string()))
}

/// The paragraphs of a document, with run-on headings split off.
fn paragraphs(doc: &Doc) -> Doc {
    let mut out = Doc::default();
    for b in &doc.blocks {
        match b {
            Block::Para(p) => match split_inline_heading(p) {
                Some((head, rest)) => {
                    out.blocks.push(Block::Para(head));
                    if !rest.is_empty() {
                        out.blocks.push(Block::Para(rest));
                    }
                }
                None => out.blocks.push(b.clone()),
            },
            Block::Table(_) => out.blocks.push(b.clone()),
        }
    }
    out
}

/// A title: names the year and the report, and is not a sentence.
fn is_title(t: &str) -> bool {
    t.contains("报告") && t.chars().count() <= 80 && !t.ends_with('。') && first_year(t).is_some()
}

fn read_prose(doc: &Doc) -> Prose {
    let doc = &paragraphs(doc);
    let paras: Vec<(usize, &str)> = doc
        .blocks
        .iter()
        .enumerate()
        .filter_map(|(i, b)| match b {
            Block::Para(p) => Some((i, p.as_str())),
            Block::Table(_) => None,
        })
        .collect();
    let headings = choose_headings(doc, &paras);
    let mut out = Prose::default();
    let first_heading = headings.first().map_or(paras.len(), |h| h.0);

    // The title: the paragraph(s) before 一 that name the year and the report; a title
    // wrapped over two paragraphs (`俵口镇2021年政府信息公开工作` / `年度报告`) is joined.
    let mut title_at = None;
    for k in (0..first_heading).rev() {
        let t = paras[k].1;
        let joined = k.checked_sub(1).map(|j| format!("{}{t}", paras[j].1));
        if is_title(t) {
            title_at = Some((k, t.to_string()));
        } else if t.contains("报告")
            && !t.ends_with('。')
            && t.chars().count() <= 20
            && joined.as_deref().is_some_and(is_title)
        {
            title_at = Some((k, joined.unwrap_or_default()));
        }
        if title_at.is_some() {
            break;
        }
    }
    if let Some((_, title)) = &title_at {
        out.title_name = title_name(title);
        out.title = Some(title.clone());
    }
    for (_, t) in &paras[..first_heading] {
        if let Some(d) = labelled_date(t) {
            out.published.get_or_insert(d);
        }
    }
    // A preface between the title and 一 (`本报告根据…编制。`) opens section 一.
    let preface: Vec<&str> = paras[title_at.map_or(first_heading, |(k, _)| k + 1)..first_heading]
        .iter()
        .map(|(_, t)| *t)
        .filter(|t| t.ends_with('。') && t.chars().count() > 20 && labelled_date(t).is_none())
        .collect();

    let f = formats();
    for (h, &(start, sec)) in headings.iter().enumerate() {
        let end = headings.get(h + 1).map_or(paras.len(), |n| n.0);
        let mut body: Vec<&str> = if h == 0 { preface.clone() } else { Vec::new() };
        for (_, text) in &paras[start + 1..end] {
            if is_page_end(text) {
                break;
            }
            body.push(*text);
        }
        // The last section ends with the signature and the date; what follows is the page's.
        if h + 1 == headings.len() {
            trailing_signature(&mut body, &mut out);
        }
        let md: Vec<String> = body
            .iter()
            .map(|t| {
                if is_sub_heading(t) {
                    format!("### {}", escape_md(t))
                } else {
                    escape_md(t)
                }
            })
            .collect();
        out.sections.push((f.sections[sec].num.clone(), md));
    }
    out
}

/// The section headings among the paragraphs: an increasing sequence of sections, preferring
/// (for 二–四) headings followed by a table, since a sub-heading inside 一 may use the same
/// words (`二、主动公开情况`). Returns (paragraph index, section index).
fn choose_headings(doc: &Doc, paras: &[(usize, &str)]) -> Vec<(usize, usize)> {
    let f = formats();
    let cands: Vec<(usize, usize, u32)> = paras
        .iter()
        .enumerate()
        .filter_map(|(k, (block, text))| {
            let sec = section_heading(text)?;
            // A table before the next heading.
            let has_table = doc.blocks[block + 1..]
                .iter()
                .take_while(|b| !matches!(b, Block::Para(p) if section_heading(p).is_some()))
                .any(|b| matches!(b, Block::Table(_)));
            let bonus = u32::from(f.sections[sec].table.is_some() && has_table);
            Some((k, sec, 2 + bonus))
        })
        .collect();
    // Best increasing subsequence by score (n is tiny).
    let n = cands.len();
    let mut best: Vec<(u32, Option<usize>)> = vec![(0, None); n];
    for i in 0..n {
        best[i] = (cands[i].2, None);
        for j in 0..i {
            if cands[j].1 < cands[i].1 && best[j].0 + cands[i].2 > best[i].0 {
                best[i] = (best[j].0 + cands[i].2, Some(j));
            }
        }
    }
    let Some(mut at) = (0..n).max_by_key(|&i| (best[i].0, std::cmp::Reverse(i))) else {
        return Vec::new();
    };
    let mut chosen = vec![(cands[at].0, cands[at].1)];
    while let Some(p) = best[at].1 {
        chosen.push((cands[p].0, cands[p].1));
        at = p;
    }
    chosen.reverse();
    chosen
}

/// Takes a closing signature (agency name) and date off the end of the last section into
/// the metadata: they sign the document rather than belong to section 六.
fn trailing_signature(body: &mut Vec<&str>, out: &mut Prose) {
    for k in 0..body.len() {
        let t = body[k].trim();
        if let Some(d) = parse_date(t).filter(|_| t.chars().count() <= 20) {
            out.published.get_or_insert(d);
            let mut cut = k;
            if k > 0 && is_agency_name(body[k - 1].trim()) {
                out.signature = Some(body[k - 1].trim().to_string());
                cut = k - 1;
            }
            body.truncate(cut);
            return;
        }
    }
}

fn is_agency_name(t: &str) -> bool {
    const ENDS: &[&str] = &[
        "政府",
        "局",
        "委员会",
        "办公室",
        "办公厅",
        "委",
        "办",
        "中心",
        "院",
        "管委会",
        "办事处",
        "厅",
        "署",
        "所",
        "区",
        "县",
        "市",
        "镇",
        "乡",
        "街道",
    ];
    t.chars().count() <= 30
        && t.chars().all(|c| is_cjk(c) || c == '（' || c == '）')
        && ENDS.iter().any(|e| t.ends_with(e))
}

/// The name in front of the year in a title (`俵口镇2021年…`, `俵口镇政府信息公开工作年度报告
/// （2021年）` → `俵口镇`).
fn title_name(title: &str) -> Option<String> {
    let i = [
        title.find(|c: char| c.is_ascii_digit()),
        title.find("政府信息公开"),
        title.find("关于"),
    ]
    .into_iter()
    .flatten()
    .min()?;
    let name = title[..i].trim_end_matches(['（', '(']).trim();
    (name.chars().count() >= 2).then(|| name.to_string())
}

/// A page title such as `平潭综合实验区2019年政府信息公开工作年度报告_平潭综合实验区管委会`.
fn title_from_page(t: &str) -> Option<String> {
    t.split(['_', '|', '-', '—'])
        .map(str::trim)
        .find(|p| p.contains("报告"))
        .map(str::to_string)
}

/// Escapes what Markdown would read as markup in published prose.
fn escape_md(t: &str) -> String {
    let mut s = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '|' => {
                s.push('\\');
                s.push(c);
            }
            c => s.push(c),
        }
    }
    // `1. text` or `- text` at the start would become a list.
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && s[digits..].starts_with(". ") {
        s.insert(digits, '\\');
    } else if s.starts_with("- ") || s.starts_with("+ ") {
        s.insert(0, '\\');
    }
    s
}

// ---------------------------------------------------------------------------------------
// Dates and years

/// The first 4-digit year (2000–2099) followed by 年 in a text.
fn first_year(t: &str) -> Option<i32> {
    years(t).into_iter().next()
}

fn years(t: &str) -> Vec<i32> {
    let chars: Vec<char> = t.chars().map(fold_width).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 4 < chars.len() + 1 {
        if chars[i..].len() >= 5
            && chars[i..i + 4].iter().all(char::is_ascii_digit)
            && (i == 0 || !chars[i - 1].is_ascii_digit())
            && chars[i + 4] == '年'
        {
            let y: i32 = chars[i..i + 4]
                .iter()
                .collect::<String>()
                .parse()
                .unwrap_or(0);
            if (2000..2100).contains(&y) {
                out.push(y);
            }
            i += 4;
        } else {
            i += 1;
        }
    }
    out
}

fn most_frequent_year(doc: &Doc) -> Option<i32> {
    let mut counts: BTreeMap<i32, usize> = BTreeMap::new();
    for b in &doc.blocks {
        if let Block::Para(p) = b {
            for y in years(p) {
                *counts.entry(y).or_default() += 1;
            }
        }
    }
    counts
        .into_iter()
        .max_by_key(|(y, n)| (*n, *y))
        .map(|(y, _)| y)
}

/// A date written `2022年1月20日`, `2022-01-20`, `2022/1/20` or `二〇二二年一月二十日`, as
/// `YYYY-MM-DD`.
pub fn parse_date(t: &str) -> Option<String> {
    let t: String = t.chars().map(fold_width).map(cn_digit).collect();
    let t = cn_tens(&t);
    let nums: Vec<u32> = t
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .take(3)
        .filter_map(|s| s.parse().ok())
        .collect();
    let start = t.find(|c: char| c.is_ascii_digit())?;
    let rest = &t[start..];
    let sep_ok =
        rest.contains('年') || rest.contains('-') || rest.contains('/') || rest.contains('.');
    match nums.as_slice() {
        [y, m, d]
            if sep_ok
                && (2000..2100).contains(y)
                && (1..=12).contains(m)
                && (1..=31).contains(d) =>
        {
            // The loader decides what a valid date is (no 2月30日): never write one it refuses.
            crate::load::toml_walk::normalize_date(&format!("{y:04}-{m:02}-{d:02}"))
        }
        _ => None,
    }
}

/// A date after a label such as `发布日期：` anywhere in a line.
fn labelled_date(t: &str) -> Option<String> {
    const LABELS: &[&str] = &["发布日期", "发布时间", "成文日期", "公开日期", "发文日期"];
    let i = LABELS
        .iter()
        .filter_map(|l| t.find(l).map(|i| i + l.len()))
        .min()?;
    let rest = t[i..].trim_start_matches([':', '：', ' ']);
    parse_date(&rest.chars().take(16).collect::<String>())
}

fn cn_digit(c: char) -> char {
    match c {
        '〇' | '零' | 'О' => '0',
        '一' => '1',
        '二' => '2',
        '三' => '3',
        '四' => '4',
        '五' => '5',
        '六' => '6',
        '七' => '7',
        '八' => '8',
        '九' => '9',
        c => c,
    }
}

/// `1十2` → `12`, `十` → `10`, `2十` → `20` (after [`cn_digit`]).
fn cn_tens(t: &str) -> String {
    let chars: Vec<char> = t.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '十' {
            let before = i > 0 && chars[i - 1].is_ascii_digit();
            let after = chars.get(i + 1).is_some_and(char::is_ascii_digit);
            match (before, after) {
                (true, true) => {}
                (true, false) => out.push('0'),
                (false, true) => out.push('1'),
                (false, false) => out.push_str("10"),
            }
        } else {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Tables

/// A table row split into its label and its values.
#[derive(Debug, Clone)]
struct Row {
    /// The label cells, merged copies and blanks removed, in order.
    labels: Vec<String>,
    /// The trailing value-like cells (merged copies removed).
    values: Vec<String>,
    /// Every cell's normalised text (for header and caption rows).
    cells: Vec<String>,
    /// The section the row is in, from the heading before its table (`proactive`, …).
    context: Option<String>,
    /// The rows of one printed table share a number.
    table: usize,
}

impl Row {
    fn label(&self) -> String {
        self.labels.concat()
    }
}

/// Text in a value position: a number or empty mark ([`value_like`]), or something short
/// with digits that is not a numbered label (`约12`, `5?`), which the cell reader reports.
fn value_ish(t: &str) -> bool {
    // A spreadsheet formula without a computed value stands where a value is printed.
    if value_like(t) || t.starts_with('=') {
        return true;
    }
    let t: String = t
        .chars()
        .map(fold_width)
        .filter(|c| !c.is_whitespace())
        .collect();
    // Words that qualify a number; any other word makes the cell a label.
    const QUALIFIERS: &str = "约件项个次元万亿余多近共计左右以上下";
    t.chars().any(|c| c.is_ascii_digit())
        && t.chars().count() <= 10
        && t.chars().all(|c| !is_cjk(c) || QUALIFIERS.contains(c))
        && !t.contains(['(', ')'])
}

/// Text that can be a printed value: a number (with sign, separators, decimals, a unit) or
/// an empty-cell mark.
pub(crate) fn value_like(t: &str) -> bool {
    let t: String = t
        .chars()
        .map(fold_width)
        .filter(|c| !c.is_whitespace())
        .collect();
    if t.is_empty() {
        return true;
    }
    let body = t
        .trim_end_matches(['件', '项', '个', '次', '元'])
        .trim_end_matches('万')
        .trim_end_matches('亿');
    !body.is_empty()
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || ",.+-—－−/／%".contains(c))
}

fn collect_rows(doc: &Doc) -> Vec<Row> {
    let f = formats();
    let mut context: Option<String> = None;
    let mut out = Vec::new();
    for (ti, block) in doc.blocks.iter().enumerate() {
        match block {
            Block::Para(p) => {
                if let Some(s) = section_heading(p) {
                    context = f.sections[s].table.clone();
                }
            }
            Block::Table(grid) => {
                for cells in grid {
                    out.push(split_row(cells, context.clone(), ti));
                }
            }
        }
    }
    out
}

fn split_row(cells: &[DocCell], context: Option<String>, table: usize) -> Row {
    let mut start = cells.len();
    while start > 0 && value_ish(&cells[start - 1].text) {
        start -= 1;
    }
    let values: Vec<String> = cells[start..]
        .iter()
        .filter(|c| !c.copy)
        .map(|c| c.text.clone())
        .collect();
    let mut labels: Vec<String> = Vec::new();
    for c in &cells[..start] {
        let t = c.text.trim();
        if !t.is_empty() && labels.last().is_none_or(|l| l != t) {
            labels.push(t.to_string());
        }
    }
    Row {
        labels,
        values,
        cells: cells.iter().map(|c| norm_label(&c.text)).collect(),
        context,
        table,
    }
}

/// Labels only one of the two formats prints, normalised: (format id, label).
fn exclusive_labels() -> Vec<(String, String)> {
    let f = formats();
    let labels_of = |fmt: &Format, with_groups: bool| -> Vec<String> {
        let mut v = Vec::new();
        for t in f.tables_of(fmt) {
            v.extend(t.columns.iter().map(|c| norm_label(&c.label.zh)));
            v.extend(t.rows.iter().map(|r| norm_label(&r.label.zh)));
            if with_groups {
                v.extend(t.groups.iter().map(|g| norm_label(&g.label.zh)));
            }
        }
        v
    };
    let mut out = Vec::new();
    for fmt in &f.formats {
        let others: Vec<String> = f
            .formats
            .iter()
            .filter(|o| o.id != fmt.id)
            .flat_map(|o| labels_of(o, true))
            .collect();
        for l in labels_of(fmt, false) {
            if !others.contains(&l) && !out.iter().any(|(_, x)| *x == l) {
                out.push((fmt.id.clone(), l));
            }
        }
    }
    out
}

/// The format whose own labels the tables print most; ties go to the format of the year.
fn detect_format(rows: &[Row], year: i32) -> (String, String) {
    let f = formats();
    let exclusive = exclusive_labels();
    let mut score: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows {
        for c in &row.cells {
            if let Some((id, l)) = exclusive.iter().find(|(_, l)| l == c) {
                let seen = score.entry(id.clone()).or_default();
                if !seen.contains(l) {
                    seen.push(l.clone());
                }
            }
        }
    }
    let by_year = f.default_for_year(year).id.clone();
    let best = score
        .iter()
        .max_by_key(|(id, v)| (v.len(), **id == by_year))
        .map(|(id, v)| (id.clone(), v.len()));
    match best {
        Some((id, n)) if n > 0 && score.values().filter(|v| v.len() == n).count() == 1 => {
            let fmt = f
                .format(&id)
                .map_or(id.clone(), |x| format!("{}（{}）", x.label.zh, x.document));
            (
                id.clone(),
                t!("import.format_by_labels", format = fmt, n = n),
            )
        }
        _ => (
            by_year.clone(),
            t!("import.format_by_year", format = by_year, year = year),
        ),
    }
}

/// How well a row's label names `table`'s row `ri` (0–1).
fn label_score(row: &Row, table: &Table, ri: usize) -> f64 {
    let own = norm_label(&table.rows[ri].label.zh);
    let full = norm_label(table.row_label(ri, "zh"));
    let all = norm_label(&row.label());
    let last = row.labels.last().map(|l| norm_label(l)).unwrap_or_default();
    if all.is_empty() {
        return 0.0;
    }
    if last == own || all == own || all == full {
        return 1.0;
    }
    if all.ends_with(&own) && own.chars().count() >= 2 {
        return 0.97;
    }
    // The same words without their enumerator (`总计` for `（七）总计`).
    let bare = strip_enumerator(&own);
    if bare.chars().count() >= 2 && strip_enumerator(&last) == bare {
        return 0.95;
    }
    // Similarity of the row's own words only: a shared group prefix says nothing.
    let group = full.strip_suffix(&own).unwrap_or("");
    let rest = all.strip_prefix(group).unwrap_or(&all);
    strsim::normalized_levenshtein(&last, &own).max(strsim::normalized_levenshtein(rest, &own))
}

/// A normalised label without its leading enumerator (`(七)`, `3.`, `二、`).
fn strip_enumerator(l: &str) -> &str {
    const NUMERALS: &str = "一二三四五六七八九十";
    if let Some(rest) = l.strip_prefix('(') {
        if let Some(i) = rest.find(')')
            && rest[..i].chars().all(|c| NUMERALS.contains(c))
        {
            return &rest[i + 1..];
        }
        return l;
    }
    let digits = l.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && l[digits..].starts_with('.') {
        return &l[digits + 1..];
    }
    let cn = l
        .chars()
        .take_while(|c| NUMERALS.contains(*c))
        .map(char::len_utf8)
        .sum::<usize>();
    if cn > 0 && l[cn..].starts_with('、') {
        return &l[cn + '、'.len_utf8()..];
    }
    l
}

/// The row of `table` a document row names, if any: best score above [`FUZZY`], ties to the
/// row expected next.
fn match_row(row: &Row, table: &Table, next: usize) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    for ri in 0..table.rows.len() {
        let s = label_score(row, table, ri);
        if s < FUZZY {
            continue;
        }
        let better = match best {
            None => true,
            Some((bi, bs)) => {
                s > bs + 1e-9 || ((s - bs).abs() < 1e-9 && ri.abs_diff(next) < bi.abs_diff(next))
            }
        };
        if better {
            best = Some((ri, s));
        }
    }
    best
}

/// Reads one table of the chosen format from the rows; returns its rows and how many were
/// found. `alt` is the same table in the other format, for rows printed the other way.
fn read_table(
    table: &Table,
    alt: Option<&Table>,
    rows: &[Row],
    review: &mut Vec<String>,
    info: &mut Vec<String>,
) -> (Rows, usize) {
    let mut found: BTreeMap<usize, Vec<Cell>> = BTreeMap::new();
    let mut alt_found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut next = 0;
    // Column order announced by the last header row (二 blocks), and how many empty cells
    // that header row ends with (padding its rows share: layout, not values).
    let mut header: Vec<usize> = Vec::new();
    let mut pad = 0;
    if table.key == "appeals" {
        read_appeals(table, rows, &mut found, review);
    }
    let rows_by_label = if table.key == "appeals" {
        &[][..]
    } else {
        rows
    };
    for row in rows_by_label {
        let hdr: Vec<usize> = row
            .cells
            .iter()
            .filter_map(|c| {
                table
                    .columns
                    .iter()
                    .position(|col| norm_label(&col.label.zh) == *c)
            })
            .collect();
        if !hdr.is_empty() && row.values.iter().all(|v| v.trim().is_empty()) {
            header = hdr;
            pad = row.values.len();
            continue;
        }
        if row.labels.is_empty() {
            continue;
        }
        // A row of this format, or one labelled the other format's way (规范性文件 for
        // 行政规范性文件), or a row only the other format has.
        let matched = match_row(row, table, next);
        // A label read despite a missing or wrong character: say which official row it was
        // taken for.
        if let Some((ri, score)) = matched.filter(|(_, s)| *s < 1.0)
            && !found.contains_key(&ri)
        {
            info.push(t!(
                "import.fuzzy_label",
                printed = row.labels.join(" "),
                official = table.row_label(ri, "zh"),
                percent = (score * 100.0).round()
            ));
        }
        let direct = matched.map(|(ri, _)| ri);
        let other = alt.and_then(|alt| {
            match_row(row, alt, 0)
                .filter(|(_, s)| *s >= 0.97)
                .map(|(ari, _)| &alt.rows[ari].key)
        });
        if let Some(ri) = direct.or_else(|| other.and_then(|k| table.row_index(k))) {
            if found.contains_key(&ri) {
                continue;
            }
            next = ri + 1;
            let cells = place_values(table, ri, &row.values, &header, pad, review);
            found.insert(ri, cells);
        } else if let Some(key) = other {
            alt_found.insert(key.clone(), row.values.clone());
        }
    }
    if let Some(alt) = alt {
        fold_other_handling(table, alt, &mut found, &alt_found, review);
    }
    let count = found.len();
    let mut out = Vec::new();
    for (ri, r) in table.rows.iter().enumerate() {
        let cells = match found.remove(&ri) {
            Some(c) => c,
            None => {
                if count > 0 {
                    review.push(t!("import.row_not_found", row = table.row_label(ri, "zh")));
                }
                r.columns.iter().map(|_| Cell::Empty(Blank::NONE)).collect()
            }
        };
        out.push((r.key.clone(), cells));
    }
    (out, count)
}

/// Puts a row's printed values into the row's columns: in the order of the last header row
/// when it names them, else in the format's order. A count that does not fit leaves the
/// cells empty for review.
fn place_values(
    table: &Table,
    ri: usize,
    values: &[String],
    header: &[usize],
    pad: usize,
    review: &mut Vec<String>,
) -> Vec<Cell> {
    let row = &table.rows[ri];
    let n = row.columns.len();
    let mut vals: Vec<&str> = values.iter().map(String::as_str).collect();
    // Trailing blanks beyond the row's width that the header row has too are padding;
    // extra cells holding numbers are not, and are still refused below.
    let mut padding = pad;
    while padding > 0 && vals.len() > n && vals.last().is_some_and(|v| v.trim().is_empty()) {
        vals.pop();
        padding -= 1;
    }
    // Leading blanks beyond the row's width are merged label cells.
    while vals.len() > n && vals.first().is_some_and(|v| v.trim().is_empty()) {
        vals.remove(0);
    }
    let label = table.row_label(ri, "zh");
    if vals.len() != n {
        review.push(t!(
            "import.row_width",
            label = label,
            found = vals.len(),
            n = n,
            values = if vals.is_empty() {
                "—".to_string()
            } else {
                vals.join(" | ")
            }
        ));
        return row
            .columns
            .iter()
            .map(|_| Cell::Empty(Blank::NONE))
            .collect();
    }
    // The header's order, when it lists exactly this row's columns.
    let order: Vec<usize> = if header.len() == n && row.columns.iter().all(|c| header.contains(c)) {
        header.to_vec()
    } else {
        row.columns.clone()
    };
    let mut cells = vec![Cell::Empty(Blank::NONE); n];
    for (k, col) in order.iter().enumerate() {
        let pos = row.columns.iter().position(|c| c == col).unwrap_or(k);
        cells[pos] = read_cell(table, ri, *col, vals[k], review);
    }
    cells
}

/// One printed value as a cell of `kind`; anything uncertain is left empty for review.
fn read_cell(
    table: &Table,
    ri: usize,
    col: usize,
    printed: &str,
    review: &mut Vec<String>,
) -> Cell {
    match parse_value(printed, table.columns[col].kind) {
        Ok(c) => c,
        Err(why) => {
            review.push(t!(
                "import.bad_cell",
                cell = table.cell_label(ri, col, "zh"),
                printed = printed,
                why = why
            ));
            Cell::Empty(Blank::NONE)
        }
    }
}

/// A printed value read exactly, or why it cannot be.
pub fn parse_value(printed: &str, kind: Kind) -> Result<Cell, String> {
    let raw = printed.trim();
    if raw.is_empty() {
        return Ok(Cell::Empty(Blank::NONE));
    }
    // A mark the archive keeps as printed for an empty cell.
    if let Some(b) = Blank::of(raw) {
        return Ok(Cell::Empty(b));
    }
    let t: String = raw
        .chars()
        .map(fold_width)
        .filter(|c| !c.is_whitespace())
        .collect();
    match kind {
        Kind::Count | Kind::Delta => {
            let t = t.trim_end_matches(['件', '项', '个', '次']);
            let (neg, digits) = match t.strip_prefix(['-', '−', '－', '—']) {
                Some(d) => (true, d),
                None => (false, t.strip_prefix('+').unwrap_or(t)),
            };
            let plain: String = digits.chars().filter(|&c| c != ',').collect();
            if plain.is_empty() || !plain.chars().all(|c| c.is_ascii_digit()) {
                return Err(t!("import.not_whole"));
            }
            match kind {
                Kind::Count if neg => Err(t!("import.negative_count")),
                Kind::Count => plain
                    .parse::<u64>()
                    .map(Cell::Count)
                    .map_err(|_| t!("import.too_large")),
                _ => plain
                    .parse::<i64>()
                    .map(|n| Cell::Delta(if neg { -n } else { n }))
                    .map_err(|_| t!("import.too_large")),
            }
        }
        Kind::Amount => crate::load::report::parse_amount(&t)
            .map(Cell::amount)
            .ok_or_else(|| t!("import.not_amount")),
    }
}

/// Section 四: one row of 15 values under the 行政复议/行政诉讼 header (or one row of five
/// per group, labelled).
fn read_appeals(
    table: &Table,
    rows: &[Row],
    found: &mut BTreeMap<usize, Vec<Cell>>,
    review: &mut Vec<String>,
) {
    let width: usize = table.rows.iter().map(|r| r.columns.len()).sum();
    // Tables that hold the 四 header, and rows in the 四 section.
    let header_tables: Vec<usize> = rows
        .iter()
        .filter(|r| r.cells.iter().any(|c| c == "行政复议"))
        .map(|r| r.table)
        .collect();
    let mut candidates: Vec<&Row> = rows
        .iter()
        .filter(|r| header_tables.contains(&r.table) || r.context.as_deref() == Some("appeals"))
        .filter(|r| r.labels.is_empty() && r.values.len() >= width)
        .collect();
    // Labelled rows, one per group.
    for row in rows
        .iter()
        .filter(|r| header_tables.contains(&r.table) || r.context.as_deref() == Some("appeals"))
    {
        if row.labels.is_empty() {
            continue;
        }
        let last = row.labels.last().map(|l| norm_label(l)).unwrap_or_default();
        if let Some(ri) = table
            .rows
            .iter()
            .position(|r| norm_label(&r.label.zh) == last)
            && row.values.len() == table.rows[ri].columns.len()
        {
            let cells = place_values(table, ri, &row.values, &[], 0, review);
            found.insert(ri, cells);
        }
    }
    if found.len() == table.rows.len() {
        return;
    }
    // A row printed entirely empty is a candidate only when no row holds a value.
    if candidates
        .iter()
        .any(|r| r.values.iter().any(|v| !v.trim().is_empty()))
    {
        candidates.retain(|r| r.values.iter().any(|v| !v.trim().is_empty()));
    }
    let Some(row) = candidates.first() else {
        return;
    };
    if candidates.len() > 1 {
        review.push(t!("import.four_rows", n = candidates.len()));
    }
    let mut vals: Vec<String> = row.values.clone();
    while vals.len() > width && vals.first().is_some_and(|v| v.trim().is_empty()) {
        vals.remove(0);
    }
    if vals.len() != width {
        review.push(t!("import.four_width", found = vals.len(), n = width));
        return;
    }
    let mut k = 0;
    for (ri, r) in table.rows.iter().enumerate() {
        let n = r.columns.len();
        let cells = place_values(table, ri, &vals[k..k + n], &[], 0, review);
        found.insert(ri, cells);
        k += n;
    }
}

/// （六）其他处理 printed the other format's way: a single row in a 2021-format report (each
/// sub-row is 0 when the row is 0, otherwise left for review), or three sub-rows in a
/// 2019-format report (summed when all are read).
fn fold_other_handling(
    table: &Table,
    alt: &Table,
    found: &mut BTreeMap<usize, Vec<Cell>>,
    alt_found: &BTreeMap<String, Vec<String>>,
    review: &mut Vec<String>,
) {
    let group = |t: &Table, key: &str| -> Vec<usize> {
        t.groups
            .iter()
            .position(|g| g.key == key)
            .map(|gi| {
                (0..t.rows.len())
                    .filter(|&ri| t.rows[ri].group == Some(gi))
                    .collect()
            })
            .unwrap_or_default()
    };
    let subrows = group(table, "other_handling");
    if let Some(single) = alt_found.get("other")
        && !subrows.is_empty()
        && subrows.iter().all(|ri| !found.contains_key(ri))
    {
        let mut scratch = Vec::new();
        let Some(&first) = subrows.first() else {
            return;
        };
        let cells = place_values(table, first, single, &[], 0, &mut scratch);
        let all_zero = cells.iter().all(|c| matches!(c, Cell::Count(0)));
        for &ri in &subrows {
            let row_cells = if all_zero {
                cells.clone()
            } else {
                vec![Cell::Empty(Blank::NONE); table.rows[ri].columns.len()]
            };
            found.insert(ri, row_cells);
        }
        if !all_zero {
            review.push(t!("import.other_one_row", values = single.join(" | ")));
        }
    }
    if let Some(ri) = table.row_index("other")
        && !found.contains_key(&ri)
    {
        let alt_rows = group(alt, "other_handling");
        let parts: Vec<&Vec<String>> = alt_rows
            .iter()
            .filter_map(|&ari| alt_found.get(&alt.rows[ari].key))
            .collect();
        if !alt_rows.is_empty() && parts.len() == alt_rows.len() {
            let mut scratch = Vec::new();
            let n = table.rows[ri].columns.len();
            let mut sums: Vec<Option<u64>> = vec![Some(0); n];
            for p in parts {
                let cells = place_values(table, ri, p, &[], 0, &mut scratch);
                for (k, c) in cells.iter().enumerate() {
                    sums[k] = match (sums[k], c) {
                        (Some(s), Cell::Count(v)) => Some(s + v),
                        _ => None,
                    };
                }
            }
            let cells: Vec<Cell> = sums
                .iter()
                .map(|s| s.map_or(Cell::Empty(Blank::NONE), Cell::Count))
                .collect();
            review.push(t!("import.other_three_rows"));
            found.insert(ri, cells);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_printed_form() {
        assert_eq!(parse_date("2022年1月20日").as_deref(), Some("2022-01-20"));
        assert_eq!(
            parse_date("2020-01-20 15:22").as_deref(),
            Some("2020-01-20")
        );
        assert_eq!(
            parse_date("二〇二二年一月二十日").as_deref(),
            Some("2022-01-20")
        );
        assert_eq!(
            parse_date("二〇二三年十二月三十一日").as_deref(),
            Some("2023-12-31")
        );
        assert_eq!(parse_date("共计5件"), None);
        assert_eq!(parse_date("2021年2月30日"), None);
        assert_eq!(
            labelled_date("发布时间：2024-03-28 来源：本网").as_deref(),
            Some("2024-03-28")
        );
    }

    #[test]
    fn values_are_read_exactly_or_not_at_all() {
        assert_eq!(parse_value(" 0", Kind::Count), Ok(Cell::Count(0)));
        assert_eq!(parse_value("1,282", Kind::Count), Ok(Cell::Count(1282)));
        assert_eq!(parse_value("１２件", Kind::Count), Ok(Cell::Count(12)));
        assert_eq!(parse_value("-18", Kind::Delta), Ok(Cell::Delta(-18)));
        assert_eq!(
            parse_value("—", Kind::Count),
            Ok(Cell::Empty(Blank::of("—").unwrap()))
        );
        assert!(parse_value("-3", Kind::Count).is_err());
        assert!(parse_value("约5", Kind::Count).is_err());
        assert!(parse_value("5.5", Kind::Count).is_err());
        assert_eq!(
            parse_value("251000元", Kind::Amount).map(|c| c.to_string()),
            Ok("251000元".into())
        );
        assert_eq!(
            parse_value("24252.311082", Kind::Amount).map(|c| c.to_string()),
            Ok("24252.311082".into())
        );
    }

    #[test]
    fn headings_and_sub_headings() {
        assert!(is_section_heading_text("五、存在的主要问题及整改措施"));
        assert!(is_section_heading_text(
            "四、政府信息公开行政法复议、行政诉讼情况"
        ));
        assert!(!is_section_heading_text("一、紧扣强基础深化政务公开"));
        assert!(is_sub_heading("一、紧扣强基础深化政务公开"));
        assert!(is_sub_heading("（二）依申请公开情况"));
        assert!(!is_sub_heading("一是不断提高依申请公开工作质量。"));
    }

    #[test]
    fn markdown_is_escaped() {
        assert_eq!(escape_md("1. 属于<script>"), "1\\. 属于\\<script\\>");
        assert_eq!(escape_md("收费*2"), "收费\\*2");
    }
}
