//! A report page as published on a government site (or saved from a browser): the text in
//! reading order as paragraphs, and each data table (one without tables inside; outer layout
//! tables are read as containers) as a grid with rowspan/colspan expanded. Cells wrapped in
//! `<p>`/`<span>`, `&nbsp;`, `<br>` inside headers and numbers split across tags all read as
//! the text a person sees.

use ego_tree::NodeRef;
use scraper::{Html, Node};

use super::doc::{Block, Cell, Doc, clean};

/// Elements whose text is never part of the report.
const SKIP: &[&str] = &[
    "script", "style", "noscript", "template", "select", "option", "button", "iframe", "svg",
    "head", "object",
];

/// Elements that end a paragraph.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "tr",
    "td",
    "th",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "aside",
    "main",
    "blockquote",
    "pre",
    "dl",
    "dt",
    "dd",
    "form",
    "center",
    "br",
    "hr",
    "caption",
    "figure",
    "figcaption",
    "address",
];

/// The most rows or columns one cell may span (hostile pages ask for millions).
const MAX_SPAN: usize = 200;

/// Decodes a saved page: a BOM, a `charset` in the first bytes, else UTF-8, else GB18030
/// (Chinese government sites often still serve GBK).
pub fn decode(bytes: &[u8]) -> String {
    if let Some((enc, _)) = encoding_rs::Encoding::for_bom(bytes) {
        return enc.decode(bytes).0.into_owned();
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
    if let Some(i) = head.find("charset=") {
        let label: String = head[i + 8..]
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        if let Some(enc) = encoding_rs::Encoding::for_label(label.as_bytes()) {
            return enc.decode(bytes).0.into_owned();
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// The deepest element nesting a page may have. Government pages nest a few dozen levels;
/// the HTML parser's time grows with the square of the depth (a page of 100,000 nested
/// elements took a minute), so deeper pages are refused before parsing.
pub const MAX_DEPTH: usize = 2048;

/// How deep the page's elements nest, at most (a quick scan of the tags, not a parse).
pub fn nesting_depth(text: &str) -> usize {
    const VOID: &[&str] = &[
        "br", "img", "meta", "link", "input", "hr", "col", "area", "base", "wbr", "source",
        "param", "embed", "track", "!", "?",
    ];
    let bytes = text.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    while let Some(off) = bytes[i..].iter().position(|&b| b == b'<') {
        i += off + 1;
        let Some(&next) = bytes.get(i) else { break };
        if next == b'/' {
            depth = depth.saturating_sub(1);
            continue;
        }
        if !(next.is_ascii_alphabetic() || next == b'!' || next == b'?') {
            continue;
        }
        let name_end = bytes[i..]
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
            .map_or(bytes.len(), |e| i + e.max(1));
        let name = text[i..name_end].to_ascii_lowercase();
        let close = bytes[i..].iter().position(|&b| b == b'>').map(|e| i + e);
        let self_closing = close.is_some_and(|c| c > 0 && bytes[c - 1] == b'/');
        if !VOID.contains(&name.as_str()) && !self_closing {
            depth += 1;
            max = max.max(depth);
        }
    }
    max
}

pub fn read(text: &str) -> Doc {
    let html = Html::parse_document(text);
    let mut w = Walker::default();
    for child in html.tree.root().children() {
        w.walk(child);
    }
    w.flush();
    let mut doc = w.doc;
    let title_sel = scraper::Selector::parse("title").ok();
    doc.title = title_sel
        .and_then(|s| html.select(&s).next())
        .map(|t| clean(&t.text().collect::<String>()))
        .filter(|t| !t.is_empty());
    let meta_sel = scraper::Selector::parse("meta[name]").ok();
    if let Some(sel) = meta_sel {
        for m in html.select(&sel) {
            let name = m
                .value()
                .attr("name")
                .unwrap_or_default()
                .to_ascii_lowercase();
            if [
                "pubdate",
                "publishdate",
                "firstpublishedtime",
                "publishtime",
                "articlepublishdate",
            ]
            .contains(&name.as_str())
                && let Some(d) = m
                    .value()
                    .attr("content")
                    .and_then(super::interpret::parse_date)
            {
                doc.published = Some(d);
                break;
            }
        }
    }
    doc.source_url = w.saved_from.or_else(|| canonical(&html));
    doc
}

/// `<link rel="canonical">` or `og:url`.
fn canonical(html: &Html) -> Option<String> {
    let sel = scraper::Selector::parse("link[rel=canonical], meta[property='og:url']").ok()?;
    html.select(&sel)
        .find_map(|e| e.value().attr("href").or_else(|| e.value().attr("content")))
        .map(str::trim)
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .map(str::to_string)
}

#[derive(Default)]
struct Walker {
    doc: Doc,
    buf: String,
    /// The address in a browser's `<!-- saved from url=(0071)http://… -->` mark.
    saved_from: Option<String>,
}

impl Walker {
    fn flush(&mut self) {
        let text = std::mem::take(&mut self.buf);
        self.doc.para(&text);
    }

    /// Reads the document in order. Iterative (ego_tree's traversal): a page nested ten
    /// thousand elements deep must not overflow the stack.
    fn walk(&mut self, root: NodeRef<'_, Node>) {
        use ego_tree::iter::Edge;
        let mut skipping: Option<ego_tree::NodeId> = None;
        for edge in root.traverse() {
            match edge {
                Edge::Open(node) => {
                    if skipping.is_some() {
                        continue;
                    }
                    match node.value() {
                        Node::Text(t) => self.buf.push_str(t),
                        Node::Comment(c) => {
                            if let Some(i) = c.find("saved from url=") {
                                let rest = &c[i + 15..];
                                let url = rest.split_once(')').map_or(rest, |(_, u)| u).trim();
                                if url.starts_with("http://") || url.starts_with("https://") {
                                    self.saved_from = Some(url.to_string());
                                }
                            }
                        }
                        Node::Element(e) => {
                            let name = e.name();
                            if SKIP.contains(&name) {
                                skipping = Some(node.id());
                            } else if name == "table" && !has_nested_table(node) {
                                self.flush();
                                let grid = grid(node);
                                if !grid.is_empty() {
                                    self.doc.blocks.push(Block::Table(grid));
                                }
                                skipping = Some(node.id());
                            } else if BLOCKS.contains(&name) {
                                self.flush();
                            }
                        }
                        _ => {}
                    }
                }
                Edge::Close(node) => {
                    if skipping == Some(node.id()) {
                        skipping = None;
                        continue;
                    }
                    if skipping.is_none()
                        && matches!(node.value(), Node::Element(e) if BLOCKS.contains(&e.name()))
                    {
                        self.flush();
                    }
                }
            }
        }
    }
}

fn has_nested_table(table: NodeRef<'_, Node>) -> bool {
    table
        .descendants()
        .skip(1)
        .any(|n| matches!(n.value(), Node::Element(e) if e.name() == "table"))
}

/// The text of a cell as a reader sees it: line breaks at `<br>` and block boundaries.
/// Iterative, like [`Walker::walk`].
fn cell_text(node: NodeRef<'_, Node>, out: &mut String) {
    use ego_tree::iter::Edge;
    let mut skipping: Option<ego_tree::NodeId> = None;
    for edge in node.traverse().skip(1) {
        match edge {
            Edge::Open(n) if skipping.is_none() => match n.value() {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) if SKIP.contains(&e.name()) => skipping = Some(n.id()),
                Node::Element(e) if BLOCKS.contains(&e.name()) => out.push('\n'),
                _ => {}
            },
            Edge::Close(n) if skipping == Some(n.id()) => skipping = None,
            Edge::Close(n) if skipping.is_none() && n.id() != node.id() => {
                if matches!(n.value(), Node::Element(e) if BLOCKS.contains(&e.name())) {
                    out.push('\n');
                }
            }
            _ => {}
        }
    }
}

fn span(e: &scraper::node::Element, attr: &str) -> usize {
    e.attr(attr)
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n >= 1)
        .unwrap_or(1)
        .min(MAX_SPAN)
}

/// The rows of a data table with merged cells expanded: a position covered by a cell from
/// the left or from above repeats its text, marked as a copy.
fn grid(table: NodeRef<'_, Node>) -> Vec<Vec<Cell>> {
    let trs = table
        .descendants()
        .filter(|n| matches!(n.value(), Node::Element(e) if e.name() == "tr"));
    let mut pending: std::collections::BTreeMap<(usize, usize), String> = Default::default();
    let mut out = Vec::new();
    for (r, tr) in trs.enumerate() {
        let mut row: Vec<Cell> = Vec::new();
        let mut c = 0;
        let mut tds = tr.children().filter_map(|n| match n.value() {
            Node::Element(e) if e.name() == "td" || e.name() == "th" => Some((n, e)),
            _ => None,
        });
        loop {
            if let Some(t) = pending.remove(&(r, c)) {
                row.push(Cell {
                    text: t,
                    copy: true,
                });
                c += 1;
                continue;
            }
            let Some((node, e)) = tds.next() else { break };
            let mut raw = String::new();
            cell_text(node, &mut raw);
            let cell = Cell::new(&raw);
            let (cs, rs) = (span(e, "colspan"), span(e, "rowspan"));
            for dc in 0..cs {
                for dr in 1..rs {
                    pending.insert((r + dr, c + dc), cell.text.clone());
                }
            }
            let text = cell.text.clone();
            row.push(cell);
            for _ in 1..cs {
                row.push(Cell {
                    text: text.clone(),
                    copy: true,
                });
            }
            c += cs;
        }
        // Cells merged from above after the last cell of this row.
        while let Some(t) = pending.remove(&(r, c)) {
            row.push(Cell {
                text: t,
                copy: true,
            });
            c += 1;
        }
        pending.retain(|(pr, _), _| *pr > r);
        if !row.is_empty() {
            out.push(row);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(doc: &Doc) -> Vec<Vec<(String, bool)>> {
        doc.blocks
            .iter()
            .find_map(|b| match b {
                Block::Table(t) => Some(
                    t.iter()
                        .map(|r| r.iter().map(|c| (c.text.clone(), c.copy)).collect())
                        .collect(),
                ),
                Block::Para(_) => None,
            })
            .unwrap_or_default()
    }

    #[test]
    fn spans_expand_into_copies() {
        let doc = read(
            "<table><tr><td rowspan=2>三、本年度办理结果</td><td colspan=2>（一）予以<br>公开</td><td>1</td></tr>\
             <tr><td>（二）</td><td><p><span>1</span><span>2</span></p></td><td>&nbsp;</td></tr></table>",
        );
        let t = texts(&doc);
        assert_eq!(
            t[0],
            vec![
                ("三、本年度办理结果".into(), false),
                ("（一）予以公开".into(), false),
                ("（一）予以公开".into(), true),
                ("1".into(), false)
            ]
        );
        assert_eq!(
            t[1],
            vec![
                ("三、本年度办理结果".into(), true),
                ("（二）".into(), false),
                ("12".into(), false),
                ("".into(), false)
            ]
        );
    }

    #[test]
    fn layout_tables_are_containers_and_page_furniture_is_text() {
        let doc = read(
            "<!-- saved from url=(0030)https://www.example.gov.cn/a.htm -->\
             <html><head><title>某区2021年报告_某区政府</title><meta name=\"PubDate\" content=\"2022-01-20 15:22\"></head>\
             <body><table><tr><td><p>一、总体情况</p><p>正文</p><table><tr><td>规章</td><td>0</td></tr></table></td></tr></table></body></html>",
        );
        assert_eq!(doc.title.as_deref(), Some("某区2021年报告_某区政府"));
        assert_eq!(doc.published.as_deref(), Some("2022-01-20"));
        assert_eq!(
            doc.source_url.as_deref(),
            Some("https://www.example.gov.cn/a.htm")
        );
        assert_eq!(doc.blocks[0], Block::Para("一、总体情况".into()));
        assert_eq!(texts(&doc)[0].len(), 2);
    }

    #[test]
    fn gbk_pages_decode() {
        let (bytes, _, _) = encoding_rs::GBK.encode("<meta charset=\"gbk\"><p>行政处罚</p>");
        assert!(decode(&bytes).contains("行政处罚"));
        let (bytes, _, _) = encoding_rs::GBK.encode("<p>行政处罚</p>");
        assert!(
            decode(&bytes).contains("行政处罚"),
            "no charset: GB18030 fallback"
        );
    }
}
