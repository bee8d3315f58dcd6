//! The figures the prose states (`本年新收政府信息公开申请21件`), read when a report is
//! loaded: check X4 compares them with the tables, and the parse cache keeps them, so a
//! report whose text did not change is not scanned again. The phrase patterns are data
//! (`[statements]` in formats.toml).

use crate::format::formats;
use crate::model::{Span, Statement};

/// The statements in `text`, a section body that starts at byte `offset` of the report.
pub fn statements(text: &str, offset: usize) -> Vec<Statement> {
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
                span: Span::new(offset + chars[num_start].0..offset + byte + unit.len()),
            });
        }
    }
    out.sort_by_key(|s| s.span.start);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, u64)> {
        let st = &formats().statements;
        statements(text, 0)
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
