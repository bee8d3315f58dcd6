//! Markdown prose → safe HTML.
//!
//! Report bodies can come from outside (imported reports), so the HTML pulldown-cmark
//! produces (raw HTML included) goes through an allow-list sanitizer: scripts, event-handler
//! attributes, `javascript:` URLs and styles are removed; tables, lists, links and heading ids
//! are kept.

use std::collections::HashSet;
use std::sync::OnceLock;

use pulldown_cmark::{Options, Parser, html};

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static B: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    B.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.add_generic_attributes(["id", "class"])
            .url_schemes(HashSet::from(["http", "https", "mailto"]))
            .link_rel(Some("noopener noreferrer"))
            .add_tag_attributes("td", ["colspan", "rowspan"])
            .add_tag_attributes("th", ["colspan", "rowspan", "scope"]);
        b
    })
}

/// Renders Markdown to sanitized HTML.
pub fn to_html(markdown: &str) -> String {
    use pulldown_cmark::{Event, Tag};
    let opts = Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH;
    let events: Vec<Event<'_>> = Parser::new_ext(markdown, opts).collect();
    // pulldown-cmark escapes text itself; only raw HTML and link targets can carry script.
    // Prose without either (nearly all of it) skips the sanitizer, which is the slow part.
    let safe_url = |u: &str| {
        let l = u.trim_start().to_ascii_lowercase();
        !l.contains(':')
            || l.starts_with("http:")
            || l.starts_with("https:")
            || l.starts_with("mailto:")
    };
    let risky = events.iter().any(|e| match e {
        Event::Html(_) | Event::InlineHtml(_) => true,
        Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
            !safe_url(dest_url)
        }
        _ => false,
    });
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, events.into_iter());
    if risky {
        sanitizer().clean(&raw).to_string()
    } else {
        raw
    }
}

/// Plain text of Markdown (for summaries and search), without markup.
pub fn to_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    each_text_char(markdown, |c| {
        out.push(c);
        true
    });
    out
}

/// Calls `f` with each character of [`to_text`]'s text, in order, until `f` returns false;
/// returns whether every character was given.
pub fn each_text_char(markdown: &str, mut f: impl FnMut(char) -> bool) -> bool {
    use pulldown_cmark::{Event, TagEnd};
    for ev in Parser::new(markdown) {
        let go = match ev {
            Event::Text(t) | Event::Code(t) => t.chars().all(&mut f),
            Event::SoftBreak | Event::HardBreak => f(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item) => f('\n'),
            _ => true,
        };
        if !go {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_handlers_are_removed() {
        let html = to_html(
            "正文<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[链接](javascript:alert(1))\n\n<div style=\"x\" onclick=\"y\">块</div>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("onclick"), "{html}");
        assert!(!html.contains("style="), "{html}");
        assert!(html.contains("块"));
    }

    #[test]
    fn tables_and_headings_survive() {
        let html = to_html("### 一、小标题\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert!(html.contains("<h3>一、小标题</h3>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
    }

    #[test]
    fn text_has_no_markup() {
        assert_eq!(
            to_text("## 标题\n\n正文**加粗**。").trim(),
            "标题\n正文加粗。"
        );
    }
}
