//! Check X4: figures the prose states (`本年新收政府信息公开申请21件`) against the tables.
//!
//! The phrase patterns are data (`[statements]` in formats.toml). A statement is compared with
//! every reading its phrase allows and reported only when none matches; a figure whose cells
//! are not all whole counts (printed empty, amounts) is not compared.

use crate::diag::{Build, Diagnostic, RuleValues, Severity};
use crate::format::{StatementKind, formats};
use crate::model::{Cell, Report, Span};

use super::rules::ack_help;

/// The code of the finding.
pub const PROSE: &str = "X4";

/// A figure stated in the prose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Index into the statement kinds.
    pub kind: usize,
    pub value: u64,
    /// Byte range of the number and unit in the text read.
    pub start: usize,
    pub end: usize,
}

/// The statements in `text`.
pub fn statements(text: &str) -> Vec<Statement> {
    let st = &formats().statements;
    let longest = st
        .kinds
        .iter()
        .flat_map(|k| &k.phrases)
        .map(|p| p.chars().count())
        .max()
        .unwrap_or(0);
    let mut units: Vec<&str> = st.kinds.iter().map(|k| k.unit.as_str()).collect();
    units.sort_unstable();
    units.dedup();
    // How far before a unit a statement can begin: a phrase, the gap, and a long number.
    let reach = st.gap + longest + 24;
    let mut out = Vec::new();
    for unit in units {
        let Some(c) = unit.chars().next() else {
            continue;
        };
        // Only the text around each unit is looked at: scanning every character of the
        // prose for a unit was most of `check` at 10,000 reports.
        for (byte, _) in text.match_indices(unit) {
            let from = text[..byte]
                .char_indices()
                .rev()
                .nth(reach - 1)
                .map_or(0, |(i, _)| i);
            let chars: Vec<(usize, char)> = text[from..byte]
                .char_indices()
                .map(|(i, ch)| (from + i, ch))
                .collect();
            let ci = chars.len();
            let Some((value, num_start)) = number_before(&chars, ci) else {
                continue;
            };
            // A range (3-5件, 3至5件) is not one figure.
            if num_start > 0 && "-－—~～至到".contains(chars[num_start - 1].1) {
                continue;
            }
            let wfrom = chars[num_start.saturating_sub(st.gap + longest)].0;
            let window = &text[wfrom..chars[num_start].0];
            let Some(kind) = phrase_before(window, st.gap, &st.blockers, c) else {
                continue;
            };
            out.push(Statement {
                kind,
                value,
                start: chars[num_start].0,
                end: byte + unit.len(),
            });
        }
    }
    out.sort_by_key(|s| s.start);
    out
}

/// The number ending right before `chars[ci]`: Arabic digits (with thousands commas), or
/// Chinese numerals; returns the value and where it starts.
fn number_before(chars: &[(usize, char)], ci: usize) -> Option<(u64, usize)> {
    let mut start = ci;
    while start > 0 {
        let c = chars[start - 1].1;
        if c.is_ascii_digit() || ('０'..='９').contains(&c) || (c == ',' && start < ci) {
            start -= 1;
        } else {
            break;
        }
    }
    if start < ci {
        let digits: String = chars[start..ci]
            .iter()
            .filter_map(|&(_, c)| match c {
                '0'..='9' => Some(c),
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
                _ => None,
            })
            .collect();
        // A decimal point before the digits: not a count.
        if start > 0 && ".．".contains(chars[start - 1].1) {
            return None;
        }
        return digits.parse().ok().map(|v| (v, start));
    }
    while start > 0 && "零〇一二两三四五六七八九十百千万".contains(chars[start - 1].1)
    {
        start -= 1;
    }
    if start == ci {
        return None;
    }
    let text: String = chars[start..ci].iter().map(|&(_, c)| c).collect();
    chinese_number(&text).map(|v| (v, start))
}

/// `二十一` → 21, `一百零五` → 105, `两千三百` → 2300, `十` → 10.
pub fn chinese_number(t: &str) -> Option<u64> {
    let digit = |c: char| "零一二三四五六七八九".find(c).map(|i| (i / 3) as u64);
    let mut total = 0u64;
    let mut section = 0u64;
    let mut current: Option<u64> = None;
    for c in t.chars() {
        match c {
            '〇' | '零' => current = Some(0),
            '两' => current = Some(2),
            '十' | '百' | '千' => {
                let unit = match c {
                    '十' => 10,
                    '百' => 100,
                    _ => 1000,
                };
                section += current.unwrap_or(1) * unit;
                current = None;
            }
            '万' => {
                total += (section + current.unwrap_or(0)) * 10_000;
                section = 0;
                current = None;
            }
            c => current = Some(digit(c)?),
        }
    }
    Some(total + section + current.unwrap_or(0))
}

/// The statement kind whose phrase ends nearest before the number (longest on a tie), if the
/// text between them is short and holds no blocker; the kind's unit must be `unit`. `window`
/// is the text right before the number, as long as a phrase and the gap together.
fn phrase_before(window: &str, gap: usize, blockers: &[String], unit: char) -> Option<usize> {
    // The phrases by their last character, made once: the window is scanned from its end and
    // only the phrases that can end at each character are tried.
    static BY_LAST: std::sync::OnceLock<
        std::collections::HashMap<char, Vec<(usize, &'static str)>>,
    > = std::sync::OnceLock::new();
    let by_last = BY_LAST.get_or_init(|| {
        let mut m: std::collections::HashMap<char, Vec<(usize, &'static str)>> =
            std::collections::HashMap::new();
        for (ki, k) in formats().statements.kinds.iter().enumerate() {
            for p in &k.phrases {
                if let Some(last) = p.chars().last() {
                    m.entry(last).or_default().push((ki, p.as_str()));
                }
            }
        }
        m
    });
    let st = &formats().statements;
    let mut best: Option<(usize, usize, usize)> = None; // (end, len, kind)
    for (i, c) in window.char_indices().rev() {
        let end = i + c.len_utf8();
        for &(ki, p) in by_last.get(&c).map_or(&[][..], Vec::as_slice) {
            if st.kinds[ki].unit.starts_with(unit)
                && window[..end].ends_with(p)
                && best.is_none_or(|(_, l, _)| p.len() > l)
            {
                best = Some((end, p.len(), ki));
            }
        }
        if best.is_some() {
            break;
        }
    }
    let (end, _, kind) = best?;
    let between = &window[end..];
    // Another figure between them (`70件（自然人64件`): the phrase was about that one.
    let other_figure = between
        .chars()
        .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c) || c == unit);
    if between.chars().count() > gap
        || other_figure
        || blockers.iter().any(|b| between.contains(b.as_str()))
    {
        return None;
    }
    Some(kind)
}

/// The value of a reading (a sum of figures) in `report`, when every cell is a whole count.
fn reading_value(report: &Report, reading: &[String]) -> Option<u64> {
    let f = formats();
    let mut sum = 0u64;
    for id in reading {
        let locs = f.figure(id)?.cells_in(report.format, None)?;
        for l in locs {
            match report.located(l).map(|c| &c.value) {
                Some(Cell::Count(n)) => sum += n,
                _ => return None,
            }
        }
    }
    Some(sum)
}

/// The first cell of a reading, to point at in the table.
fn reading_cell(report: &Report, reading: &[String]) -> Option<(String, Span)> {
    let f = formats();
    let fig = f.figure(reading.first()?)?;
    let key = fig.cells_for(&report.format().id)?.first()?.clone();
    let l = fig.cells_in(report.format, None)?.first()?;
    let span = report.located(l)?.span;
    Some((key, span))
}

/// X4 findings of one report.
pub fn prose_findings(report: &Report) -> Vec<Diagnostic> {
    let st = &formats().statements;
    let mut out = Vec::new();
    for section in &report.sections {
        if !section
            .num
            .as_deref()
            .is_some_and(|n| st.sections.iter().any(|s| s == n))
        {
            continue;
        }
        let (from, to) = (section.body.start as usize, section.body.end as usize);
        let Some(body) = report.source.get(from..to) else {
            continue;
        };
        for s in statements(body) {
            let kind = &st.kinds[s.kind];
            if let Some(d) = compare(report, kind, &s, from) {
                out.push(d);
            }
        }
    }
    out
}

/// The finding of one statement, when it matches no reading that can be computed.
fn compare(
    report: &Report,
    kind: &StatementKind,
    s: &Statement,
    offset: usize,
) -> Option<Diagnostic> {
    let en = crate::i18n::lang() == crate::i18n::Lang::En;
    let lang = if en { "en" } else { "zh" };
    let f = formats();
    let mut tried = Vec::new();
    for reading in &kind.readings {
        let value = reading_value(report, reading)?;
        if value == s.value {
            return None;
        }
        let name: Vec<&str> = reading
            .iter()
            .filter_map(|id| f.figure(id))
            .map(|fig| fig.label.get(lang))
            .collect();
        tried.push(t!(
            "rule.x4_reading",
            name = name.join(" + "),
            value = value
        ));
    }
    let (cell, cell_span) = reading_cell(report, &kind.readings[0])?;
    let span = Span {
        start: (offset + s.start) as u32,
        end: (offset + s.end) as u32,
    };
    let printed = &report.source[offset + s.start..offset + s.end];
    let what = if en { &kind.en } else { &kind.zh };
    let expected = tried.join(t!("rule.x4_or").as_str());
    let mut d = Diagnostic::at(
        Severity::Warning,
        PROSE,
        &report.path,
        &report.source,
        span,
        t!("rule.x4", what = what, printed = printed, tables = expected),
    )
    .label(what.to_string())
    .at_key(kind.id.clone())
    .related(
        &report.path,
        &report.source,
        cell_span,
        t!("rule.x4_cell", cell = cell),
    )
    .help(ack_help(PROSE, &kind.id, &t!("rule.x4_help")));
    d.values = Some(RuleValues {
        expected,
        found: Some(s.value.to_string()),
        empty_cells: 0,
    });
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, u64)> {
        let st = &formats().statements;
        statements(text)
            .into_iter()
            .map(|s| (st.kinds[s.kind].id.clone(), s.value))
            .collect()
    }

    #[test]
    fn chinese_numerals() {
        assert_eq!(chinese_number("二十一"), Some(21));
        assert_eq!(chinese_number("十"), Some(10));
        assert_eq!(chinese_number("一百零五"), Some(105));
        assert_eq!(chinese_number("两千三百"), Some(2300));
        assert_eq!(chinese_number("三万零二十"), Some(30020));
    }

    #[test]
    fn statements_of_every_figure() {
        assert_eq!(
            found("2022年，本机关共受理政府信息公开申请21件，其中新收申请20件，上年结转1件。"),
            vec![
                ("received".into(), 21),
                ("new".into(), 20),
                ("carried_over".into(), 1)
            ]
        );
        assert_eq!(
            found(
                "予以公开8件，部分公开2件，不予公开1件，无法提供5件，不予处理3件，办结19件，结转下年度继续办理2件。"
            ),
            vec![
                ("granted".into(), 8),
                ("partially_granted".into(), 2),
                ("withheld".into(), 1),
                ("unavailable".into(), 5),
                ("not_processed".into(), 3),
                ("handled".into(), 19),
                ("carried_forward".into(), 2)
            ]
        );
        assert_eq!(
            found("全年被申请行政复议2件（其中纠正1件），行政诉讼0件。"),
            vec![("reconsideration".into(), 2), ("litigation".into(), 0)]
        );
        assert_eq!(
            found("本年新收政府信息公开申请二十一件。"),
            vec![("new".into(), 21)]
        );
        assert_eq!(found("新收申请1,234件"), vec![("new".into(), 1234)]);
    }

    #[test]
    fn traps_are_not_statements() {
        // Another unit, a comparison, an approximation, a range, a percentage, a year.
        for t in [
            "全年主动公开政府信息2602条。",
            "新收申请较上年增加5件。",
            "新收申请同比增长12%。",
            "新收申请约21件。",
            "新收申请20余件。",
            "新收申请二十多件。",
            "新收申请3-5件。",
            "2022年新收申请。",
            "受理申请中，其中予以公开的占比为50%。",
            "新收申请。全年共3件会议。",
        ] {
            assert!(
                found(t).iter().all(|(k, _)| k != "new" && k != "received"),
                "{t}: {:?}",
                found(t)
            );
        }
        // A breakdown after the figure belongs to it, not to the phrase (the example
        // archive's 平潭 2021: 新收政府信息公开申请70件（自然人64件…）).
        assert_eq!(
            found("新收政府信息公开申请70件（自然人64件、其他组织4件），办结69件，1件结转下年度。"),
            vec![("new".into(), 70), ("handled".into(), 69)]
        );
        // 其中 ends the clause of the phrase before it; the phrase after it is read.
        assert_eq!(
            found("共受理政府信息公开申请，其中予以公开8件。"),
            vec![("granted".into(), 8)]
        );
    }
}
