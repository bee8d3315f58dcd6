//! Realistic synthetic archives for benchmarks and tests (`examples/gen_archive.rs`).
//!
//! Deterministic by seed: agencies of every level with Chinese names and pinyin slugs; one
//! report per agency and year (2019/2020 in the 2019 format, later years in the 2021 format);
//! about 4 KB of varied Chinese prose per report; tables that satisfy every identity and
//! continue across years; and a few acknowledged inconsistencies (I4, X2) and reports printed
//! with empty cells (D1, acknowledged), listed in [`Generated::acknowledged`].

use std::fmt::Write as _;
use std::path::Path;

use rust_decimal::Decimal;

use crate::author::{Draft, Rows, render};
use crate::format::formats;
use crate::model::{Acknowledgement, Amount, Blank, Cell, Level};

/// A small, fast, deterministic PRNG (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

/// Options of a generated archive.
#[derive(Debug, Clone)]
pub struct Options {
    pub agencies: usize,
    pub years: usize,
    pub first_year: i32,
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            agencies: 20,
            years: 5,
            first_year: 2019,
            seed: 1,
        }
    }
}

/// What was generated: the acknowledged findings (report path, check, at).
#[derive(Debug, Default)]
pub struct Generated {
    pub reports: usize,
    pub agencies: usize,
    pub acknowledged: Vec<(String, String, String)>,
    /// The plain prose of every report (path, text), for search recall tests.
    pub prose: Vec<(String, String)>,
}

const PLACES: &[(&str, &str)] = &[
    ("青山", "qingshan"),
    ("河西", "hexi"),
    ("东湖", "donghu"),
    ("南岭", "nanling"),
    ("北塘", "beitang"),
    ("西岗", "xigang"),
    ("长宁", "changning"),
    ("安平", "anping"),
    ("永和", "yonghe"),
    ("白沙", "baisha"),
    ("金水", "jinshui"),
    ("石桥", "shiqiao"),
    ("临江", "linjiang"),
    ("新华", "xinhua"),
    ("红旗", "hongqi"),
    ("松林", "songlin"),
    ("柳营", "liuying"),
    ("桃源", "taoyuan"),
    ("凤鸣", "fengming"),
    ("龙泉", "longquan"),
    ("云台", "yuntai"),
    ("清河", "qinghe"),
    ("双井", "shuangjing"),
    ("马坊", "mafang"),
    ("高桥", "gaoqiao"),
    ("鹤山", "heshan"),
    ("平湖", "pinghu"),
    ("沙河", "shahe"),
    ("梅林", "meilin"),
    ("杨柳", "yangliu"),
    ("城关", "chengguan"),
    ("太平", "taiping"),
    ("望江", "wangjiang"),
    ("兴隆", "xinglong"),
    ("福田", "futian"),
    ("玉泉", "yuquan"),
    ("瑞金", "ruijin"),
    ("宝山", "baoshan"),
    ("嘉禾", "jiahe"),
    ("东坡", "dongpo"),
];

const DEPARTMENTS: &[(&str, &str)] = &[
    ("发展和改革局", "fgj"),
    ("教育局", "jyj"),
    ("财政局", "czj"),
    ("生态环境局", "sthjj"),
    ("交通运输局", "jtysj"),
    ("农业农村局", "nyncj"),
    ("卫生健康委员会", "wjw"),
    ("市场监督管理局", "scjgj"),
    ("自然资源局", "zrzyj"),
    ("住房和城乡建设局", "zjj"),
    ("人力资源和社会保障局", "rsj"),
    ("民政局", "mzj"),
];

const PROVINCES: &[&str] = &[
    "江苏省",
    "浙江省",
    "福建省",
    "湖北省",
    "四川省",
    "山东省",
    "河南省",
    "广东省",
];

/// One agency of the generated archive.
struct Agency {
    slug: String,
    name: String,
    short: String,
    level: Level,
    region: String,
    parent: Option<String>,
    /// Typical number of applications a year.
    volume: u64,
}

fn agencies(opts: &Options, rng: &mut Rng) -> Vec<Agency> {
    let mut out: Vec<Agency> = Vec::new();
    let mut n = 0usize;
    // Roughly: 2% provincial, 8% cities, 20% counties, 40% townships, 30% departments.
    while out.len() < opts.agencies {
        let (place, py) = PLACES[n % PLACES.len()];
        let round = n / PLACES.len();
        let province = PROVINCES[n % PROVINCES.len()];
        let roll = rng.below(100);
        let (level, name, short, kind, volume) = match roll {
            0..=1 => (
                Level::Province,
                format!("{place}省人民政府办公厅"),
                format!("{place}省政府办公厅"),
                "sheng",
                2000,
            ),
            2..=9 => (
                Level::City,
                format!("{place}市人民政府"),
                format!("{place}市"),
                "shi",
                800,
            ),
            10..=29 => (
                Level::County,
                format!("{place}区人民政府"),
                format!("{place}区"),
                "qu",
                150,
            ),
            30..=69 => (
                Level::Township,
                format!("{place}镇人民政府"),
                format!("{place}镇"),
                "zhen",
                6,
            ),
            _ => {
                let (dep, dpy) = DEPARTMENTS[rng.below(DEPARTMENTS.len() as u64) as usize];
                (
                    Level::Department,
                    format!("{place}区{dep}"),
                    format!("{place}区{dep}"),
                    dpy,
                    25,
                )
            }
        };
        let suffix = if round == 0 {
            String::new()
        } else {
            format!("-{round}")
        };
        let slug = format!("{py}-{kind}{suffix}");
        n += 1;
        if out.iter().any(|a| a.slug == slug) {
            continue;
        }
        let name = if round == 0 {
            name
        } else {
            format!("{name}（{round}）")
        };
        let short = if round == 0 {
            short
        } else {
            format!("{short}{round}")
        };
        // Townships and departments belong to the county of the same place, when present.
        let parent = match level {
            Level::Township | Level::Department => out
                .iter()
                .find(|a| a.level == Level::County && a.slug.starts_with(py))
                .map(|a| a.slug.clone()),
            _ => None,
        };
        out.push(Agency {
            slug,
            name,
            short,
            level,
            region: format!("{province}{place}"),
            parent,
            volume,
        });
    }
    out
}

/// Splits `total` into `parts` random non-negative parts (more weight on the first parts).
/// Each part takes a share of what is left within a narrow band, so that a part changes
/// with the total from year to year rather than tenfold by chance (check D3).
fn split(rng: &mut Rng, total: u64, parts: usize) -> Vec<u64> {
    let mut out = vec![0u64; parts];
    let mut left = total;
    for (i, slot) in out.iter_mut().enumerate() {
        if i + 1 == parts {
            *slot = left;
        } else {
            let percent = if i == 0 { 55 } else { 35 } + rng.below(16);
            let share = left * percent / 100;
            let share = share.min(left);
            *slot = share;
            left -= share;
        }
    }
    out
}

/// State carried from one year to the next, so continuity (X1–X3) holds.
#[derive(Clone)]
struct Carry {
    /// 结转下年度 per applicant column (six columns, without 总计).
    forward: [u64; 6],
    in_force: [u64; 2],
    published_total: [u64; 2],
    /// 2019 format: (上一年项目数量, 本年增/减) of licensing, other_services, penalties, coercion, fees.
    items: [(u64, i64); 5],
}

const OUTCOMES_2021: &[&str] = &[
    "granted",
    "partially_granted",
    "withheld_state_secret",
    "withheld_prohibited",
    "withheld_security",
    "withheld_third_party",
    "withheld_internal",
    "withheld_process",
    "withheld_enforcement",
    "withheld_query",
    "unavailable_not_held",
    "unavailable_needs_creation",
    "unavailable_unclear",
    "not_processed_petition",
    "not_processed_repeated",
    "not_processed_publication",
    "not_processed_excessive",
    "not_processed_confirmation",
    "other_no_correction",
    "other_unpaid_fee",
    "other_misc",
];

fn count_row(values: [u64; 6], blank_zero_orgs: bool) -> Vec<Cell> {
    let total: u64 = values.iter().sum();
    let mut cells: Vec<Cell> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if blank_zero_orgs && i > 0 && v == 0 {
                Cell::Empty(Blank::NONE)
            } else {
                Cell::Count(v)
            }
        })
        .collect();
    cells.push(Cell::Count(total));
    cells
}

fn counts(v: &[u64]) -> Vec<Cell> {
    v.iter().map(|&x| Cell::Count(x)).collect()
}

struct YearTables {
    tables: Vec<(String, Rows)>,
    carry: Carry,
    /// Figures quoted in the prose.
    new_total: u64,
    granted: u64,
    handled: u64,
}

/// Deliberate quirks of one generated report.
#[derive(Clone, Copy)]
struct Quirks {
    /// Zero cells of the organisation columns printed empty (D1).
    blank: bool,
    /// 行政复议 总计 off by one (I4).
    broken_i4: bool,
    /// 行政规范性文件 现行有效件数 changed by a clean-up (X2).
    broken_x2: bool,
}

fn tables(rng: &mut Rng, a: &Agency, format: &str, carry: &Carry, q: Quirks) -> YearTables {
    let mut requests: Rows = Vec::new();
    // 三: per applicant column, new + carried over = handled + carried forward.
    let base = a.volume.max(1);
    let mut new = [0u64; 6];
    for (i, slot) in new.iter_mut().enumerate() {
        let weight = if i == 0 { 70 } else { 6 };
        // Around the agency's usual volume (half to one and a half times it), so that no
        // figure jumps tenfold from one year to the next by chance (check D3).
        let usual = base * weight / 100;
        *slot = usual / 2 + rng.below(usual + 1);
    }
    let carried = carry.forward;
    let mut forward = [0u64; 6];
    let mut handled = [0u64; 6];
    for c in 0..6 {
        let available = new[c] + carried[c];
        forward[c] = if available > 0 {
            rng.below(available / 10 + 1)
        } else {
            0
        };
        handled[c] = available - forward[c];
    }
    let outcomes: Vec<&str> = if format == "2019" {
        OUTCOMES_2021[..18]
            .iter()
            .copied()
            .chain(["other"])
            .collect()
    } else {
        OUTCOMES_2021.to_vec()
    };
    let mut by_row: Vec<[u64; 6]> = vec![[0; 6]; outcomes.len()];
    for c in 0..6 {
        let parts = split(rng, handled[c], outcomes.len());
        for (r, p) in parts.into_iter().enumerate() {
            by_row[r][c] = p;
        }
    }
    requests.push(("new".into(), count_row(new, q.blank)));
    requests.push(("carried_over".into(), count_row(carried, q.blank)));
    for (r, key) in outcomes.iter().enumerate() {
        requests.push((key.to_string(), count_row(by_row[r], q.blank)));
    }
    requests.push(("total".into(), count_row(handled, q.blank)));
    requests.push(("carried_forward".into(), count_row(forward, q.blank)));

    // 四: three groups of five.
    let mut appeals: Rows = Vec::new();
    for (gi, key) in [
        "reconsideration",
        "litigation_direct",
        "litigation_after_review",
    ]
    .iter()
    .enumerate()
    {
        let n = rng.below(base / 20 + 2);
        let parts = split(rng, n, 4);
        let mut total = n;
        if gi == 0 && q.broken_i4 {
            total += 1;
        }
        let mut row = counts(&parts);
        row.push(Cell::Count(total));
        appeals.push((key.to_string(), row));
    }

    // 二.
    let mut proactive: Rows = Vec::new();
    let mut next = carry.clone();
    let decisions = |rng: &mut Rng, scale: u64| {
        let usual = base * scale / 2 + 2;
        usual / 2 + rng.below(usual + 1)
    };
    if format == "2019" {
        for (i, key) in ["regulations", "normative_documents"].iter().enumerate() {
            let made = if i == 0 {
                rng.below(3)
            } else {
                let usual = base / 10 + 4;
                usual / 2 + rng.below(usual)
            };
            next.published_total[i] = carry.published_total[i] + made;
            proactive.push((
                key.to_string(),
                counts(&[made, made, next.published_total[i]]),
            ));
        }
        let keys = [
            "licensing",
            "other_services",
            "penalties",
            "coercion",
            "fees",
        ];
        for (i, key) in keys.iter().enumerate() {
            let (prior_last, delta_last) = carry.items[i];
            let prior = (prior_last as i64 + delta_last).max(0) as u64;
            let delta = rng.below(7) as i64 - 3;
            let delta = delta.max(-(prior as i64));
            next.items[i] = (prior, delta);
            let mut row = vec![Cell::Count(prior), Cell::Delta(delta)];
            // The decisions of the year, on the scale the 2021 format's rows use.
            let scale = match *key {
                "licensing" => 40,
                "penalties" => 20,
                "coercion" => 2,
                _ => 3,
            };
            if *key != "fees" {
                row.push(Cell::Count(decisions(rng, scale)));
            }
            proactive.push((key.to_string(), row));
        }
        let amount = Decimal::new(rng.below(90_000_000) as i64 + 10_000, 2);
        proactive.push((
            "procurement".into(),
            vec![
                Cell::Count(rng.below(40) + 1),
                Cell::amount(Amount {
                    value: amount,
                    unit: Some("元".into()),
                    printed: None,
                }),
            ],
        ));
    } else {
        for (i, key) in ["regulations", "normative_documents"].iter().enumerate() {
            let issued = if i == 0 {
                rng.below(3)
            } else {
                let usual = base / 10 + 4;
                usual / 2 + rng.below(usual)
            };
            let abolished = rng
                .below(carry.in_force[i] / 8 + 1)
                .min(carry.in_force[i] + issued);
            let mut in_force = carry.in_force[i] + issued - abolished;
            if i == 1 && q.broken_x2 {
                in_force += 5; // a clean-up changed the count outside the year's changes
            }
            next.in_force[i] = in_force;
            proactive.push((key.to_string(), counts(&[issued, abolished, in_force])));
        }
        proactive.push(("licensing".into(), counts(&[decisions(rng, 40)])));
        proactive.push(("penalties".into(), counts(&[decisions(rng, 20)])));
        proactive.push(("coercion".into(), counts(&[decisions(rng, 2)])));
        let fee = Decimal::new(rng.below(5_000_000) as i64, (rng.below(4) + 1) as u32);
        proactive.push(("fees".into(), vec![Cell::amount(Amount::plain(fee))]));
    }
    next.forward = forward;
    YearTables {
        tables: vec![
            ("proactive".into(), proactive),
            ("requests".into(), requests),
            ("appeals".into(), appeals),
        ],
        carry: next,
        new_total: new.iter().sum(),
        granted: by_row[0].iter().sum(),
        handled: handled.iter().sum(),
    }
}

const TOPICS: &[&str] = &[
    "政务新媒体",
    "政府网站集约化",
    "政策解读",
    "信息处理费",
    "12345热线",
    "依申请公开",
    "基层政务公开标准化",
    "重大行政决策",
    "财政预决算",
    "行政规范性文件",
    "政务服务事项",
    "民生实事",
    "乡村振兴",
    "营商环境",
    "生态环境保护",
    "公共企事业单位信息公开",
    "政府开放日",
    "解读回应",
    "建议提案办理",
    "统计数据",
];

const OPENINGS: &[&str] = &[
    "{year}年，{name}认真贯彻落实《中华人民共和国政府信息公开条例》，",
    "{year}年，{name}坚持以公开为常态、不公开为例外，",
    "{year}年，{name}围绕中心工作和群众关切，",
    "本年度，{name}按照上级关于政务公开工作的部署，",
];

const SENTENCES: &[&str] = &[
    "持续推进{topic}工作，完善工作机制，明确责任分工，确保各项任务落实到位。",
    "全年通过政府网站和{topic}等渠道主动公开各类信息{n}条，及时回应社会关切。",
    "围绕{topic}开展专题培训{k}次，参训人员{m}人次，进一步提升了工作人员的业务能力。",
    "对{topic}相关内容进行全面梳理，更新公开目录，方便群众查询和监督。",
    "严格落实信息发布审核制度，对涉及{topic}的信息实行三级审核，全年未发生泄密事件。",
    "依法规范办理政府信息公开申请，本年新收申请{new}件，办结{handled}件，其中予以公开{granted}件。",
    "加强{topic}平台建设，优化栏目设置，提升信息检索和在线办理的便利程度。",
    "组织开展{topic}自查，对发现的问题逐项整改，建立长效机制。",
    "通过新闻发布会、在线访谈等形式解读政策{k}次，回应热点问题{m}个。",
    "将{topic}纳入年度绩效考核，定期通报工作进展，压实各方责任。",
    "拓展{topic}的公开深度和广度，重点公开群众关心的办事指南和收费标准。",
    "畅通依申请公开渠道，在办事大厅设置申请受理点，提供现场咨询和指导服务。",
];

const PROBLEMS: &[&str] = &[
    "部分栏目信息更新不够及时，{topic}的内容有待充实。",
    "政策解读形式较为单一，图解、视频等群众喜闻乐见的形式运用不多。",
    "工作人员业务水平参差不齐，对{topic}的理解和把握还不够准确。",
    "主动公开的深度和广度仍需拓展，与群众期盼相比还有差距。",
    "依申请公开答复的规范性有待加强，个别答复说理不够充分。",
];

const FIXES: &[&str] = &[
    "下一步，将加强统筹协调，完善{topic}工作制度。",
    "下一步，将加大培训力度，提升工作人员的业务能力和服务意识。",
    "下一步，将丰富解读形式，提高政策解读的针对性和可读性。",
    "下一步，将严格落实审核制度，确保公开信息准确规范。",
];

fn fill(rng: &mut Rng, t: &str, a: &Agency, year: i32, y: &YearTables) -> String {
    t.replace("{year}", &year.to_string())
        .replace("{name}", &a.name)
        .replace("{topic}", rng_pick(rng, TOPICS))
        .replace("{n}", &(rng.below(900) + 20).to_string())
        .replace("{k}", &(rng.below(12) + 1).to_string())
        .replace("{m}", &(rng.below(300) + 10).to_string())
        .replace("{new}", &y.new_total.to_string())
        .replace("{handled}", &y.handled.to_string())
        .replace("{granted}", &y.granted.to_string())
}

/// About 4 KB of varied prose: 一 (with sub-headings), 五 and 六.
fn prose(rng: &mut Rng, a: &Agency, year: i32, y: &YearTables) -> Vec<(String, String)> {
    let mut one = String::new();
    let opening = rng_pick(rng, OPENINGS);
    let _ = write!(one, "{}", fill(rng, opening, a, year, y));
    one.push_str("扎实推进政务公开各项工作。\n");
    let heads = [
        "一、主动公开",
        "二、依申请公开",
        "三、政府信息管理",
        "四、平台建设",
        "五、监督保障",
    ];
    for h in heads {
        let _ = write!(one, "\n### {h}\n\n");
        for _ in 0..6 {
            let s = rng_pick(rng, SENTENCES);
            one.push_str(&fill(rng, s, a, year, y));
        }
        one.push('\n');
    }
    let mut five = String::new();
    for i in 0..3 {
        let p = rng_pick(rng, PROBLEMS);
        let _ = write!(
            five,
            "{}是{}",
            ["一", "二", "三"][i],
            fill(rng, p, a, year, y)
        );
    }
    five.push_str("\n\n");
    for _ in 0..2 {
        let f = rng_pick(rng, FIXES);
        five.push_str(&fill(rng, f, a, year, y));
    }
    let six = if year >= 2021 {
        let fee = rng.below(5);
        if fee == 0 {
            format!("{year}年度未收取信息处理费。")
        } else {
            format!(
                "{year}年度依据《政府信息公开信息处理费管理办法》收取信息处理费{}元。",
                fee * 100
            )
        }
    } else {
        "无。".to_string()
    };
    vec![("一".into(), one), ("五".into(), five), ("六".into(), six)]
}

fn rng_pick(rng: &mut Rng, items: &[&'static str]) -> &'static str {
    items[rng.below(items.len() as u64) as usize]
}

/// Writes a synthetic site into `out` (which must not exist or be empty).
pub fn generate(opts: &Options, out: &Path) -> std::io::Result<Generated> {
    let f = formats();
    let mut rng = Rng::new(opts.seed);
    let list = agencies(opts, &mut rng);
    std::fs::create_dir_all(out.join("content"))?;
    std::fs::write(
        out.join("site.toml"),
        "title = \"政府信息公开工作年度报告库（合成数据）\"\ndescription = \"由 gongkai 生成的合成档案，用于性能测试。\"\nbase_url = \"https://example.org/\"\n",
    )?;
    let mut generated = Generated {
        agencies: list.len(),
        ..Generated::default()
    };
    for (ai, a) in list.iter().enumerate() {
        let dir = out.join("content").join(&a.slug);
        std::fs::create_dir_all(&dir)?;
        let mut meta = format!(
            "name = \"{}\"\nshort_name = \"{}\"\nlevel = \"{}\"\nregion = \"{}\"\norder = {}\n",
            a.name,
            a.short,
            a.level.key(),
            a.region,
            ai
        );
        if let Some(p) = &a.parent {
            let _ = writeln!(meta, "parent = \"{p}\"");
        }
        std::fs::write(dir.join("agency.toml"), meta)?;
        let mut carry = Carry {
            forward: [0; 6],
            in_force: [rng.below(20), rng.below(a.volume + 30)],
            published_total: [rng.below(30), rng.below(a.volume + 60)],
            items: [
                (rng.below(400), 0),
                (rng.below(40), 0),
                (rng.below(3000), 0),
                (rng.below(200), 0),
                (rng.below(50), 0),
            ],
        };
        for k in 0..opts.years {
            let year = opts.first_year + k as i32;
            let format = f.default_for_year(year);
            let path = format!("content/{}/{year}.md", a.slug);
            let blank = rng.chance(30);
            let broken_i4 = rng.chance(5);
            let broken_x2 = format.id == "2021"
                && k > 0
                && f.default_for_year(year - 1).id == "2021"
                && rng.chance(8);
            let quirks = Quirks {
                blank,
                broken_i4,
                broken_x2,
            };
            let y = tables(&mut rng, a, &format.id, &carry, quirks);
            let mut acks = Vec::new();
            let mut ack = |check: &str, at: &str, note: &str| {
                acks.push(Acknowledgement {
                    check: check.into(),
                    at: at.into(),
                    note: note.into(),
                    span: Default::default(),
                    at_span: Default::default(),
                });
                generated
                    .acknowledged
                    .push((path.clone(), check.into(), at.into()));
            };
            if blank {
                ack(
                    "D1",
                    "requests",
                    "原报告“法人或其他组织”栏中为零的单元格印为空白，按原样收录。",
                );
            }
            if broken_i4 {
                ack(
                    "I4",
                    "reconsideration",
                    "原报告行政复议“总计”与各项之和不一致，按原样收录。",
                );
            }
            if broken_x2 {
                ack(
                    "X2",
                    "normative_documents",
                    "本年开展规范性文件清理，现行有效件数按清理结果重新统计。",
                );
            }
            // Choices added later draw from their own generator, so that the rest of an
            // archive stays what it was for a seed.
            let mut side = Rng::new(
                opts.seed ^ (generated.reports as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            // About one report in 25 is published after the deadline of 31 January (check D2).
            let day_in_january = 10 + rng.below(18);
            let published = if side.below(25) == 0 {
                let day = 1 + side.below(28);
                ack(
                    "D2",
                    "report",
                    &format!(
                        "门户网站所载发布日期为{}年2月{day}日，晚于规定期限。",
                        year + 1
                    ),
                );
                format!("{}-02-{day:02}", year + 1)
            } else {
                format!("{}-01-{day_in_january:02}", year + 1)
            };
            let mut sections = prose(&mut rng, a, year, &y);
            // About one report in 30 states a figure in its prose that its table does not
            // have, as published (check X4).
            let stated = format!("本年新收申请{}件", y.new_total);
            if side.below(30) == 0 && sections[0].1.contains(&stated) {
                let wrong = format!("本年新收申请{}件", y.new_total + 1 + side.below(9));
                sections[0].1 = sections[0].1.replacen(&stated, &wrong, 1);
                ack(
                    "X4",
                    "new",
                    "原报告正文所写新收申请数与统计表不一致，按原样收录。",
                );
            }
            let text: String = sections
                .iter()
                .map(|(_, t)| t.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            generated.prose.push((path.clone(), text));
            let draft = Draft {
                title: Some(format!("{}{}年政府信息公开工作年度报告", a.name, year)),
                year,
                format: format.id.clone(),
                published: Some(published),
                tables: y.tables,
                acknowledgements: acks,
                sections,
                ..Draft::default()
            };
            std::fs::write(out.join(&path), render(&draft))?;
            carry = y.carry;
            generated.reports += 1;
        }
    }
    Ok(generated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_add_up() {
        let mut rng = Rng::new(7);
        for total in [0, 1, 5, 100, 12345] {
            let parts = split(&mut rng, total, 21);
            assert_eq!(parts.iter().sum::<u64>(), total);
        }
    }

    #[test]
    fn deterministic() {
        let mut a = Rng::new(3);
        let mut b = Rng::new(3);
        assert_eq!(
            (0..10).map(|_| a.next_u64()).collect::<Vec<_>>(),
            (0..10).map(|_| b.next_u64()).collect::<Vec<_>>()
        );
    }
}
