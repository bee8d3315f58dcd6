//! Reports "as published", built by the tests: a fixture (or a generated report) laid out in
//! the official table layout and written as a government web page, a Word .docx, or the
//! plain text Word exports, with the quirks real publishers have. The import tests read
//! these back.

use std::io::Write;

use gongkai::format::Table;
use gongkai::model::Report;
use serde_json::Value;

/// One block of 二: caption, column labels, rows of (label, printed values).
#[derive(Debug, Clone)]
pub struct Block {
    pub caption: String,
    pub columns: Vec<String>,
    pub rows: Vec<(String, Vec<String>)>,
}

/// A generated archive (`gongkai::synth`) written to `dir/site` and loaded.
pub fn generated_site(
    dir: &std::path::Path,
    agencies: usize,
    years: usize,
    seed: u64,
) -> gongkai::load::Loaded {
    let site = dir.join("site");
    gongkai::synth::generate(
        &gongkai::synth::Options {
            agencies,
            years,
            seed,
            ..Default::default()
        },
        &site,
    )
    .expect("generated");
    gongkai::load::load_site(&site).expect("the generated archive loads")
}

/// A report of a loaded site as its agency published it, under the agency's name.
pub fn from_site_report(site: &gongkai::model::Site, r: &Report) -> Published {
    let name = site
        .agencies
        .iter()
        .find(|a| a.slug == r.agency)
        .map_or(r.agency.clone(), |a| a.name.clone());
    from_report(r, &name)
}

/// A report as printed: labels and values exactly as the publisher wrote them.
#[derive(Debug, Clone)]
pub struct Published {
    pub title: String,
    pub agency: String,
    pub date: String,
    pub proactive: Vec<Block>,
    /// Row label paths (`三、本年度办理结果/（三）不予公开/1.属于国家秘密`) and seven values.
    pub requests: Vec<(Vec<String>, Vec<String>)>,
    /// The fifteen values of 四.
    pub appeals: Vec<String>,
    /// Section headings as printed (一 … 六) and the paragraphs of 一, 五 and 六.
    pub headings: [String; 6],
    pub prose: [Vec<String>; 3],
}

/// How the publisher's tools wrote the page.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quirks {
    /// `<br>` inside long header cells (`本年新<br/>制作数量`).
    pub header_breaks: bool,
    /// Multi-digit numbers split across `<span>`s / Word runs.
    pub split_numbers: bool,
    /// Sub-items of （六） numbered `1、` instead of `1.`.
    pub comma_numbering: bool,
    /// Group labels broken over two lines (`（四）无` / `法提供`).
    pub broken_group_labels: bool,
    /// The page is served as GBK.
    pub gbk: bool,
    /// The article sits inside an outer layout table, with site navigation around it.
    pub layout_table: bool,
    /// Section headings run on into their first paragraph (`一、总体情况。2021年…`).
    pub inline_headings: bool,
    /// A preface between the title and 一 (it opens section 一 on import).
    pub preface: bool,
    /// Page text after the date that no marker announces.
    pub footer: bool,
    /// Counts printed with their unit (`12件`).
    pub count_units: bool,
    /// Label typos and the other format's wording (FORMATS.md §6).
    pub label_typos: bool,
    /// Sub-items numbered `（1）` instead of `1.`.
    pub paren_numbering: bool,
    /// The 第二十条 captions of 二 as a merged left column instead of caption rows.
    pub caption_column: bool,
    /// Single-value blocks of 二 (第二十条第（五）（六）（八）项) printed as the value and two
    /// empty padding cells, with the same empty cells in the block's header row.
    pub padding: bool,
}

/// The preface some reports print before 一.
pub const PREFACE: &str = "本报告根据《中华人民共和国政府信息公开条例》要求编制，所列数据统计期限自1月1日起至12月31日止。";

/// `p` with the content-level quirks of `q` applied (labels and values as printed).
pub fn with_quirks(p: &Published, q: Quirks) -> Published {
    let mut p = p.clone();
    let digits = |v: &str| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit());
    if q.count_units {
        for (_, vals) in p.requests.iter_mut() {
            for v in vals.iter_mut().filter(|v| digits(v)) {
                v.push('件');
            }
        }
        for v in p.appeals.iter_mut().filter(|v| digits(v)) {
            v.push('件');
        }
    }
    if q.label_typos {
        for (path, _) in p.requests.iter_mut() {
            for part in path.iter_mut() {
                *part = part
                    .replace("其他法律行政法规禁止公开", "其他法律行政止公开")
                    .replace("补正后申请内容仍不明确", "补正后申请内容不明确");
            }
        }
        for b in p.proactive.iter_mut() {
            for (l, _) in b.rows.iter_mut() {
                if l == "行政规范性文件" {
                    *l = "规范性文件".into();
                }
            }
        }
    }
    if q.paren_numbering {
        for (path, _) in p.requests.iter_mut() {
            let sub_item = path.len() == 3;
            if let Some(last) = path.last_mut().filter(|_| sub_item) {
                let n: String = last.chars().take_while(char::is_ascii_digit).collect();
                if !n.is_empty() {
                    *last = format!("（{n}）{}", &last[n.len() + 1..]);
                }
            }
        }
    }
    p
}

fn printed(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => panic!("unexpected fixture value {other}"),
    }
}

const HEADINGS: [&str; 6] = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
];

fn default_headings() -> [String; 6] {
    HEADINGS.map(str::to_string)
}

/// A fixture of tests/fixtures/real as published, with the quirks its extraction notes
/// name.
pub fn from_fixture(name: &str) -> (Published, Quirks) {
    let fx = super::fixture::fixture(name);
    let t = &fx["tables"];
    let proactive = t["二、主动公开政府信息情况"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(caption, b)| Block {
            caption: caption.clone(),
            columns: b["columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_string())
                .collect(),
            rows: b["rows"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(label, cells)| {
                    let values = b["columns"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| printed(&cells[c.as_str().unwrap()]))
                        .collect();
                    (label.clone(), values)
                })
                .collect(),
        })
        .collect();
    let requests = t["三、收到和处理政府信息公开申请情况"]["rows"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(path, values)| {
            (
                path.split('/').map(str::to_string).collect(),
                values.as_array().unwrap().iter().map(printed).collect(),
            )
        })
        .collect();
    let four = &t["四、政府信息公开行政复议、行政诉讼情况"];
    let cols = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"];
    let mut appeals = Vec::new();
    for group in [
        &four["行政复议"],
        &four["行政诉讼"]["未经复议直接起诉"],
        &four["行政诉讼"]["复议后起诉"],
    ] {
        appeals.extend(cols.iter().map(|c| printed(&group[*c])));
    }
    // The name as signed: the fixture's description without its remarks in brackets.
    let agency = fx["agency"]
        .as_str()
        .unwrap()
        .split('（')
        .next()
        .unwrap()
        .trim()
        .to_string();
    let year = fx["year"].as_i64().unwrap();
    let mut headings = default_headings();
    let mut quirks = Quirks {
        split_numbers: true,
        header_breaks: true,
        ..Quirks::default()
    };
    match name {
        "shuyang-county-fgj-2023.json" => headings[4] = "五、存在的主要问题及整改措施".into(),
        "pingtan-2022.json" => headings[3] = "四、政府信息公开行政法复议、行政诉讼情况".into(),
        "shanghai-gov-office-2019.json" => {
            headings[4] = "五、政府信息公开工作存在的主要问题及改进情况".into();
            quirks.layout_table = true;
        }
        "huaian-city-2024.json" => {
            quirks.comma_numbering = true;
            quirks.broken_group_labels = true;
        }
        "pingtan-2019.json" => quirks.gbk = true,
        _ => {}
    }
    let six = fx["section6_facts"].as_str().unwrap_or("无。").to_string();
    let published = Published {
        title: format!("{agency}{year}年政府信息公开工作年度报告"),
        agency: agency.clone(),
        date: format!("{}年1月20日", year + 1),
        proactive,
        requests,
        appeals,
        headings,
        prose: [
            vec![
                format!(
                    "{year}年，{agency}认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外。"
                ),
                "（一）主动公开情况".into(),
                "全年主动公开各类政府信息，及时更新政府信息公开专栏。".into(),
            ],
            vec!["一是政策解读形式还不够丰富。下一步将加强培训，提升公开质量。".into()],
            vec![six],
        ],
    };
    (published, quirks)
}

/// A loaded report as its agency would publish it (official labels, values as printed).
pub fn from_report(r: &Report, agency: &str) -> Published {
    let (pt, pd) = r.table("proactive").expect("proactive");
    let proactive = pt
        .blocks
        .iter()
        .map(|b| Block {
            caption: b.caption.as_ref().map_or(String::new(), |c| c.zh.clone()),
            columns: b
                .columns
                .iter()
                .map(|&c| pt.columns[c].label.zh.clone())
                .collect(),
            rows: b
                .rows
                .iter()
                .map(|&ri| (pt.rows[ri].label.zh.clone(), row_values(pd, ri, pt)))
                .collect(),
        })
        .collect();
    let (rt, rd) = r.table("requests").expect("requests");
    let requests = (0..rt.rows.len())
        .map(|ri| {
            let mut path: Vec<String> = rt
                .group_path(rt.rows[ri].group)
                .iter()
                .filter(|g| g.key != "legal_entities")
                .map(|g| g.label.zh.clone())
                .collect();
            path.push(rt.rows[ri].label.zh.clone());
            (path, row_values(rd, ri, rt))
        })
        .collect();
    let (at, ad) = r.table("appeals").expect("appeals");
    let appeals = (0..at.rows.len())
        .flat_map(|ri| row_values(ad, ri, at))
        .collect();
    let body = |num: &str| -> Vec<String> {
        r.sections
            .iter()
            .find(|s| s.num.as_deref() == Some(num))
            .map(|s| {
                r.source[s.body.start as usize..s.body.end as usize]
                    .split("\n\n")
                    .map(|p| p.trim().trim_start_matches("### ").to_string())
                    .filter(|p| !p.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    Published {
        title: format!("{agency}{}年政府信息公开工作年度报告", r.year),
        agency: agency.to_string(),
        date: format!("{}年1月20日", r.year + 1),
        proactive,
        requests,
        appeals,
        headings: default_headings(),
        prose: [body("一"), body("五"), body("六")],
    }
}

fn row_values(data: &gongkai::model::TableData, ri: usize, t: &Table) -> Vec<String> {
    (0..t.rows[ri].columns.len())
        .map(|pos| {
            data.cell(ri, pos)
                .map(|c| c.to_string())
                .unwrap_or_default()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The official grid: every table as rows of cells with spans.

/// A cell of the laid-out table.
#[derive(Debug, Clone)]
pub struct GridCell {
    pub text: String,
    pub colspan: usize,
    pub rowspan: usize,
    /// A header cell (breaks may be inserted into long ones).
    pub header: bool,
    pub value: bool,
}

fn label(text: &str, colspan: usize, rowspan: usize) -> GridCell {
    GridCell {
        text: text.to_string(),
        colspan,
        rowspan,
        header: false,
        value: false,
    }
}

fn header(text: &str, colspan: usize, rowspan: usize) -> GridCell {
    GridCell {
        header: true,
        ..label(text, colspan, rowspan)
    }
}

fn value(text: &str, colspan: usize) -> GridCell {
    GridCell {
        value: true,
        ..label(text, colspan, 1)
    }
}

/// 二 as one table of four columns, a caption row per block (with `caption_column`, each caption
/// merged down the left of its block instead).
pub fn proactive_grid(p: &Published, q: Quirks) -> Vec<Vec<GridCell>> {
    let mut rows = Vec::new();
    for b in &p.proactive {
        let spans = spans_for(b.columns.len());
        let mut h = Vec::new();
        if q.caption_column {
            // The caption merged down the left of its block's header and rows.
            h.push(header(&b.caption, 1, b.rows.len() + 1));
        } else {
            rows.push(vec![header(&b.caption, 4, 1)]);
        }
        let pad = q.padding && b.columns.len() == 1;
        h.push(header("信息内容", 1, 1));
        if pad {
            h.push(header(&b.columns[0], 1, 1));
            h.extend([header("", 1, 1), header("", 1, 1)]);
        } else {
            h.extend(b.columns.iter().zip(&spans).map(|(c, &s)| header(c, s, 1)));
        }
        rows.push(h);
        for (l, vals) in &b.rows {
            let mut r = vec![label(l, 1, 1)];
            if pad {
                r.push(value(&vals[0], 1));
                r.extend([label("", 1, 1), label("", 1, 1)]);
            } else {
                r.extend(vals.iter().zip(&spans).map(|(v, &s)| value(v, s)));
            }
            rows.push(r);
        }
    }
    rows
}

/// Columns of a block spread over three: the last one spans what is left.
fn spans_for(n: usize) -> Vec<usize> {
    let mut v = vec![1; n];
    if let Some(last) = v.last_mut() {
        *last = 4 - n;
    }
    v
}

/// 三 in the official layout: three label columns with merged group labels.
pub fn requests_grid(p: &Published, q: Quirks) -> Vec<Vec<GridCell>> {
    let mut rows = vec![
        vec![
            header(
                "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
                3,
                3,
            ),
            header("申请人情况", 7, 1),
        ],
        vec![
            header("自然人", 1, 2),
            header("法人或其他组织", 5, 1),
            header("总计", 1, 2),
        ],
        [
            "商业企业",
            "科研机构",
            "社会公益组织",
            "法律服务机构",
            "其他",
        ]
        .iter()
        .map(|h| header(h, 1, 1))
        .collect(),
    ];
    let paths: Vec<Vec<String>> = p
        .requests
        .iter()
        .map(|(path, _)| {
            path.iter()
                .enumerate()
                .map(|(k, part)| {
                    let mut s = part.clone();
                    if q.comma_numbering && k == 2 && path[1].contains("其他处理") {
                        s = s.replacen('.', "、", 1);
                    }
                    s
                })
                .collect()
        })
        .collect();
    for (i, (path, (_, vals))) in paths.iter().zip(&p.requests).enumerate() {
        let mut r = Vec::new();
        for (k, part) in path.iter().enumerate() {
            let last = k + 1 == path.len();
            // Merged with the row above: the same group at this level.
            if !last && i > 0 && paths[i - 1].get(k) == Some(part) && paths[i - 1][..k] == path[..k]
            {
                continue;
            }
            let rowspan = if last {
                1
            } else {
                paths[i..]
                    .iter()
                    .take_while(|o| o.get(k) == Some(part) && o[..k] == path[..k])
                    .count()
            };
            let colspan = if last { 3 - k } else { 1 };
            let mut text = part.clone();
            if q.broken_group_labels && k == 1 && !last {
                let n = text.chars().count() / 2 + 1;
                text = format!(
                    "{}\n{}",
                    text.chars().take(n).collect::<String>(),
                    text.chars().skip(n).collect::<String>()
                );
            }
            r.push(label(&text, colspan, rowspan));
        }
        r.extend(vals.iter().map(|v| value(v, 1)));
        rows.push(r);
    }
    rows
}

/// 四: two header rows and one row of fifteen values.
pub fn appeals_grid(p: &Published) -> Vec<Vec<GridCell>> {
    let five = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"];
    let mut r2: Vec<GridCell> = five.iter().map(|h| header(h, 1, 2)).collect();
    r2.push(header("未经复议直接起诉", 5, 1));
    r2.push(header("复议后起诉", 5, 1));
    vec![
        vec![header("行政复议", 5, 1), header("行政诉讼", 10, 1)],
        r2,
        five.iter()
            .chain(five.iter())
            .map(|h| header(h, 1, 1))
            .collect(),
        p.appeals.iter().map(|v| value(v, 1)).collect(),
    ]
}

// ---------------------------------------------------------------------------------------
// Writers

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A long header broken like Word does (`本年新<br/>制作数量`).
fn broken(s: &str) -> String {
    let n = s.chars().count();
    if n < 5 {
        return esc(s);
    }
    let half = n / 2;
    format!(
        "{}<br/>{}",
        esc(&s.chars().take(half).collect::<String>()),
        esc(&s.chars().skip(half).collect::<String>())
    )
}

fn html_cell(c: &GridCell, q: Quirks) -> String {
    let mut attrs = String::new();
    if c.colspan > 1 {
        attrs.push_str(&format!(" colspan=\"{}\"", c.colspan));
    }
    if c.rowspan > 1 {
        attrs.push_str(&format!(" rowspan=\"{}\"", c.rowspan));
    }
    let inner = if c.value {
        if c.text.is_empty() {
            "&nbsp;".to_string()
        } else if q.split_numbers && c.text.chars().count() > 2 {
            let chars: Vec<char> = c.text.chars().collect();
            let (a, b) = chars.split_at(chars.len() / 2);
            format!(
                "<span style=\"font-family:宋体\">{}</span><span>{}</span>",
                esc(&a.iter().collect::<String>()),
                esc(&b.iter().collect::<String>())
            )
        } else {
            format!("<span>{}</span>", esc(&c.text))
        }
    } else if c.header && q.header_breaks {
        broken(&c.text)
    } else {
        esc(&c.text).replace('\n', "<br>")
    };
    format!(
        "<td{attrs} style=\"border:1px solid #000\" nowrap><p align=\"center\"><span style=\"font-size:10.5pt\">{inner}</span></p></td>"
    )
}

fn html_table(grid: &[Vec<GridCell>], q: Quirks) -> String {
    let mut s = String::from(
        "<table class=\"MsoNormalTable\" border=\"1\" cellspacing=\"0\" cellpadding=\"0\"><tbody>\n",
    );
    for row in grid {
        s.push_str("<tr>");
        for c in row {
            s.push_str(&html_cell(c, q));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table>\n");
    s
}

/// `2022年1月20日` → `2022-01-20`.
fn iso_date(d: &str) -> String {
    let n: Vec<u32> = d
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    format!("{:04}-{:02}-{:02}", n[0], n[1], n[2])
}

/// What a published report holds, in reading order.
pub enum Item {
    Para(String),
    Table(Vec<Vec<GridCell>>),
}

/// The report as a sequence of paragraphs and tables, with the prose quirks of `q`.
pub fn items(p: &Published, q: Quirks) -> Vec<Item> {
    let p = &with_quirks(p, q);
    let mut v = vec![Item::Para(p.title.clone())];
    if q.preface {
        v.push(Item::Para(PREFACE.into()));
    }
    let section = |v: &mut Vec<Item>, h: &str, paras: &[String]| match paras.split_first() {
        Some((first, rest)) if q.inline_headings => {
            v.push(Item::Para(format!("{h}。{first}")));
            v.extend(rest.iter().map(|t| Item::Para(t.clone())));
        }
        _ => {
            v.push(Item::Para(h.to_string()));
            v.extend(paras.iter().map(|t| Item::Para(t.clone())));
        }
    };
    section(&mut v, &p.headings[0], &p.prose[0]);
    v.push(Item::Para(p.headings[1].clone()));
    v.push(Item::Table(proactive_grid(p, q)));
    v.push(Item::Para(p.headings[2].clone()));
    v.push(Item::Table(requests_grid(p, q)));
    v.push(Item::Para(p.headings[3].clone()));
    v.push(Item::Table(appeals_grid(p)));
    section(&mut v, &p.headings[4], &p.prose[1]);
    section(&mut v, &p.headings[5], &p.prose[2]);
    v.push(Item::Para(p.agency.clone()));
    v.push(Item::Para(p.date.clone()));
    if q.footer {
        v.push(Item::Para("网站纠错 | 无障碍浏览 | 长者模式".into()));
    }
    v
}

/// A government web page holding the report.
pub fn to_html(p: &Published, q: Quirks) -> Vec<u8> {
    let para = |t: &str| {
        format!(
            "<p class=\"MsoNormal\" style=\"text-indent:2em\"><span style=\"font-family:仿宋_GB2312\">{}</span></p>\n",
            esc(t)
        )
    };
    let mut body = String::new();
    for (k, item) in items(p, q).iter().enumerate() {
        match item {
            Item::Para(t) if k == 0 => body.push_str(&format!(
                "<p align=\"center\"><b><span style=\"font-size:16pt\">{}</span></b></p>\n",
                esc(t)
            )),
            Item::Para(t) => body.push_str(&para(t)),
            Item::Table(g) => body.push_str(&html_table(g, q)),
        }
    }
    let charset = if q.gbk { "gb2312" } else { "utf-8" };
    let nav = "<div class=\"nav\"><a href=\"/\">首页</a> &gt; <a href=\"/zwgk/\">政务公开</a> &gt; <a href=\"/zwgk/nb/\">政府信息公开年报</a></div>";
    let iso = iso_date(&p.date);
    let info = format!(
        "<div class=\"info\">发布时间：{iso} 09:30 &nbsp; 来源：{}</div>",
        esc(&p.agency)
    );
    let article = format!("<div class=\"TRS_Editor\">{body}</div>");
    let main = if q.layout_table {
        format!(
            "<table width=\"100%\"><tr><td>{nav}</td></tr><tr><td><h1>{}</h1>{info}{article}</td></tr></table>",
            esc(&p.title)
        )
    } else {
        format!(
            "{nav}<div class=\"article\"><h1>{}</h1>{info}{article}</div>",
            esc(&p.title)
        )
    };
    let html = format!(
        "<!DOCTYPE html>\n<!-- saved from url=(0045)https://www.example.gov.cn/zwgk/nb/report.htm -->\n<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\"><title>{}_{}</title>\
         <script>var x = \"一、总体情况\";</script><style>td{{padding:2px}}</style></head><body>{main}\
         <div class=\"tools\">【打印本页】【关闭窗口】</div><div class=\"footer\">主办单位：{} 网站标识码：1234567890</div></body></html>",
        esc(&p.title),
        esc(&p.agency),
        esc(&p.agency)
    );
    if q.gbk {
        encoding_rs::GBK.encode(&html).0.into_owned()
    } else {
        html.into_bytes()
    }
}

fn xml_esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Runs of a paragraph: text split into several runs, as Word does after edits.
fn runs(text: &str, split: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    if !split || chars.len() < 2 {
        return format!(
            "<w:r><w:rPr><w:rFonts w:hint=\"eastAsia\"/></w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r>",
            xml_esc(text)
        );
    }
    let (a, b) = chars.split_at(chars.len() / 2);
    format!(
        "<w:r><w:t>{}</w:t></w:r><w:proofErr w:type=\"gramStart\"/><w:r><w:rPr><w:b/></w:rPr><w:t>{}</w:t></w:r>",
        xml_esc(&a.iter().collect::<String>()),
        xml_esc(&b.iter().collect::<String>())
    )
}

/// A grid as a Word table: gridSpan across, vMerge down.
fn docx_table(grid: &[Vec<GridCell>], q: Quirks) -> String {
    // Lay the cells out on the full grid to know where vertical merges continue.
    let width: usize = grid[0].iter().map(|c| c.colspan).sum();
    let mut occupied: Vec<Vec<Option<usize>>> = vec![vec![None; width]; grid.len()];
    let mut s = String::from("<w:tbl><w:tblPr><w:tblBorders/></w:tblPr>");
    for (r, row) in grid.iter().enumerate() {
        s.push_str("<w:tr>");
        let mut col = 0;
        let mut cells = row.iter();
        while col < width {
            if let Some(span) = occupied[r][col] {
                // Continuation of a vertical merge.
                let gs = if span > 1 {
                    format!("<w:gridSpan w:val=\"{span}\"/>")
                } else {
                    String::new()
                };
                s.push_str(&format!(
                    "<w:tc><w:tcPr>{gs}<w:vMerge/></w:tcPr><w:p/></w:tc>"
                ));
                col += span;
                continue;
            }
            let Some(c) = cells.next() else { break };
            for row_below in occupied.iter_mut().take(r + c.rowspan).skip(r + 1) {
                row_below[col] = Some(c.colspan);
            }
            let mut pr = String::new();
            if c.colspan > 1 {
                pr.push_str(&format!("<w:gridSpan w:val=\"{}\"/>", c.colspan));
            }
            if c.rowspan > 1 {
                pr.push_str("<w:vMerge w:val=\"restart\"/>");
            }
            let text = if c.header && q.header_breaks && c.text.chars().count() >= 5 {
                let n = c.text.chars().count() / 2;
                format!(
                    "<w:p>{}</w:p><w:p>{}</w:p>",
                    runs(&c.text.chars().take(n).collect::<String>(), false),
                    runs(&c.text.chars().skip(n).collect::<String>(), false)
                )
            } else if c.text.is_empty() {
                "<w:p/>".to_string()
            } else {
                c.text
                    .split('\n')
                    .map(|t| format!("<w:p>{}</w:p>", runs(t, c.value && q.split_numbers)))
                    .collect()
            };
            s.push_str(&format!(
                "<w:tc><w:tcPr><w:tcW w:w=\"800\" w:type=\"dxa\"/>{pr}</w:tcPr>{text}</w:tc>"
            ));
            col += c.colspan;
        }
        s.push_str("</w:tr>");
    }
    s.push_str("</w:tbl>");
    s
}

/// A Word .docx file holding the report.
pub fn to_docx(p: &Published, q: Quirks) -> Vec<u8> {
    let mut body = String::new();
    for item in items(p, q) {
        match item {
            Item::Para(t) => body.push_str(&format!(
                "<w:p><w:pPr><w:ind w:firstLine=\"640\"/></w:pPr>{}</w:p>",
                runs(&t, true)
            )),
            Item::Table(g) => body.push_str(&docx_table(&g, q)),
        }
    }
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}<w:sectPr/></w:body></w:document>"
    );
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let files = [
            ("[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>".to_string()),
            ("_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>".to_string()),
            ("word/document.xml", document),
        ];
        for (name, text) in files {
            zip.start_file(name, opts).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
    }
    buf.into_inner()
}

/// The plain text Word exports (as tests/fixtures/seed has it): cells on TAB lines, vertical
/// merges as blank cells, wrapped headers continued on the next line.
pub fn to_text(p: &Published, q: Quirks) -> String {
    let mut s = String::from("\n\n");
    for item in items(p, q) {
        match item {
            Item::Para(t) => {
                s.push_str(&t);
                s.push('\n');
            }
            Item::Table(grid) => {
                s.push('\n');
                let width: usize = grid[0].iter().map(|c| c.colspan).sum();
                let mut below: Vec<Vec<bool>> = vec![vec![false; width]; grid.len()];
                for (r, row) in grid.iter().enumerate() {
                    let mut col = 0;
                    let mut cells = row.iter();
                    while col < width {
                        if below[r][col] {
                            s.push_str("\t\n");
                            col += 1;
                            continue;
                        }
                        let Some(c) = cells.next() else { break };
                        for row_below in below.iter_mut().take(r + c.rowspan).skip(r + 1) {
                            row_below[col] = true;
                        }
                        let text = if c.header && q.header_breaks && c.text.chars().count() >= 5 {
                            let n = c.text.chars().count() / 2;
                            format!(
                                "{}\n{}",
                                c.text.chars().take(n).collect::<String>(),
                                c.text.chars().skip(n).collect::<String>()
                            )
                        } else {
                            c.text.clone()
                        };
                        s.push_str(&format!("\t{text}\n"));
                        col += c.colspan;
                    }
                    s.push('\n');
                }
                s.push_str("\n\n");
            }
        }
    }
    s
}

/// How an office fills in a workbook of the three tables.
#[derive(Debug, Clone, Copy, Default)]
pub struct Workbook {
    /// All three tables on one sheet (blank rows between) instead of one sheet each.
    pub one_sheet: bool,
    /// Every number typed as text (a leading apostrophe, or a cell formatted as text).
    pub text_numbers: bool,
    /// Every number the cached value of a formula (`=12+0`).
    pub formulas: bool,
}

/// The sheets of a workbook holding the report's three tables, as (name, sheet XML): a title
/// row merged across the first sheet, each table with its merged header cells.
pub fn xlsx_sheets(p: &Published, q: Quirks, w: Workbook) -> Vec<(String, String)> {
    let tables = [
        (p.headings[1].clone(), proactive_grid(p, q)),
        (p.headings[2].clone(), requests_grid(p, q)),
        (p.headings[3].clone(), appeals_grid(p)),
    ];
    let mut sheets: Vec<(String, Vec<String>, Vec<String>, usize)> = Vec::new();
    for (i, (name, grid)) in tables.iter().enumerate() {
        if i == 0 || !w.one_sheet {
            let sheet_name: String = name.chars().take(31).collect();
            sheets.push((sheet_name, Vec::new(), Vec::new(), 0));
        }
        let sheet = sheets.last_mut().unwrap();
        let width: usize = grid[0].iter().map(|c| c.colspan).sum();
        if i == 0 {
            sheet.1.push(xlsx_row(0, &[(0, xlsx_text(0, 0, &p.title))]));
            sheet.2.push(format!("A1:{}1", col_name(width - 1)));
            sheet.3 = 2;
        } else if w.one_sheet {
            sheet
                .1
                .push(xlsx_row(sheet.3, &[(0, xlsx_text(sheet.3, 0, name))]));
            sheet.3 += 1;
        }
        let top = sheet.3;
        let mut taken: Vec<Vec<bool>> = vec![vec![false; width]; grid.len()];
        for (ri, row) in grid.iter().enumerate() {
            let r = top + ri;
            let mut col = 0;
            let mut cells = Vec::new();
            for cell in row {
                while col < width && taken[ri][col] {
                    col += 1;
                }
                for row_taken in taken.iter_mut().skip(ri).take(cell.rowspan) {
                    for t in row_taken.iter_mut().skip(col).take(cell.colspan) {
                        *t = true;
                    }
                }
                if cell.colspan > 1 || cell.rowspan > 1 {
                    sheet.2.push(format!(
                        "{}{}:{}{}",
                        col_name(col),
                        r + 1,
                        col_name(col + cell.colspan - 1),
                        r + cell.rowspan
                    ));
                }
                let number = cell.value && cell.text.parse::<f64>().is_ok();
                let xml = if number && w.formulas {
                    format!(
                        "<c r=\"{}{}\"><f>{}+0</f><v>{}</v></c>",
                        col_name(col),
                        r + 1,
                        cell.text,
                        cell.text
                    )
                } else if number && !w.text_numbers {
                    format!(
                        "<c r=\"{}{}\"><v>{}</v></c>",
                        col_name(col),
                        r + 1,
                        cell.text
                    )
                } else {
                    xlsx_text(r, col, &cell.text)
                };
                cells.push((col, xml));
                col += cell.colspan;
            }
            sheet.1.push(xlsx_row(r, &cells));
        }
        sheet.3 = top + grid.len() + 1;
    }
    sheets
        .into_iter()
        .map(|(name, rows, merges, _)| {
            let merges = if merges.is_empty() {
                String::new()
            } else {
                format!(
                    "<mergeCells count=\"{}\">{}</mergeCells>",
                    merges.len(),
                    merges
                        .iter()
                        .map(|m| format!("<mergeCell ref=\"{m}\"/>"))
                        .collect::<String>()
                )
            };
            let xml = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>{}</sheetData>{merges}</worksheet>",
                rows.concat()
            );
            (name, xml)
        })
        .collect()
}

fn col_name(c: usize) -> String {
    let mut n = c + 1;
    let mut s = String::new();
    while n > 0 {
        let d = (n - 1) % 26;
        s.insert(0, (b'A' + d as u8) as char);
        n = (n - 1) / 26;
    }
    s
}

fn xlsx_text(r: usize, c: usize, text: &str) -> String {
    let esc = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<c r=\"{}{}\" t=\"inlineStr\"><is><t>{esc}</t></is></c>",
        col_name(c),
        r + 1
    )
}

fn xlsx_row(r: usize, cells: &[(usize, String)]) -> String {
    let mut cells = cells.to_vec();
    cells.sort_by_key(|(c, _)| *c);
    format!(
        "<row r=\"{}\">{}</row>",
        r + 1,
        cells.into_iter().map(|(_, x)| x).collect::<String>()
    )
}

/// A .xlsx package of `sheets` (name, sheet XML).
pub fn zip_xlsx(sheets: &[(String, String)]) -> Vec<u8> {
    let esc = |s: &str| s.replace('&', "&amp;").replace('"', "&quot;");
    let mut types = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>",
    );
    let mut book = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>",
    );
    let mut rels = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    );
    for (i, (name, _)) in sheets.iter().enumerate() {
        let n = i + 1;
        types.push_str(&format!("<Override PartName=\"/xl/worksheets/sheet{n}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"));
        book.push_str(&format!(
            "<sheet name=\"{}\" sheetId=\"{n}\" r:id=\"rId{n}\"/>",
            esc(name)
        ));
        rels.push_str(&format!("<Relationship Id=\"rId{n}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"));
    }
    types.push_str("</Types>");
    book.push_str("</sheets></workbook>");
    rels.push_str("</Relationships>");
    let mut files = vec![
        ("[Content_Types].xml".to_string(), types),
        ("_rels/.rels".into(), "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>".into()),
        ("xl/workbook.xml".into(), book),
        ("xl/_rels/workbook.xml.rels".into(), rels),
    ];
    for (i, (_, xml)) in sheets.iter().enumerate() {
        files.push((format!("xl/worksheets/sheet{}.xml", i + 1), xml.clone()));
    }
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in files {
            zip.start_file(name, opts).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
    }
    buf.into_inner()
}
