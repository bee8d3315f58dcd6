//! `gongkai import https://…`: the page a clerk copies from the browser's address bar.
//!
//! The page is fetched with a timeout, a size limit and at most five redirects, read like a
//! saved page (declared or sniffed encoding), and imported with its address as `source_url`.
//! A page that only links to the report (an attachment) is followed to it when it is a file
//! gongkai reads (.docx, .xlsx, .xls, .pdf); an old .doc attachment is named with the reason.

use std::time::Duration;

use super::{Interpreted, Kind, MAX_INPUT, Options, interpret::interpret, read_bytes};

/// Whether an input given on the command line is a web address.
pub fn is_url(s: &str) -> bool {
    let lower = s.trim().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// What a fetch gave: the address after redirects, the kind of file, the bytes.
struct Fetched {
    url: String,
    kind: Result<Kind, String>,
    bytes: Vec<u8>,
}

/// Imports the report at `url` (or the attachment its page links to).
pub fn import_url(url: &str, opts: &Options) -> Result<Interpreted, String> {
    let page = fetch(url, opts)?;
    let kind = page.kind.clone()?;
    let page_doc = read_bytes(&page.bytes, kind)?;
    let mut imported = match interpret(&page_doc, opts) {
        Ok(i) => i,
        Err(e) if kind == Kind::Html => {
            // No table on the page: the report may be an attachment.
            let Some(link) = attachment(&page.bytes, &page.url) else {
                return Err(e);
            };
            let file = fetch(&link, opts)?;
            let unreadable =
                |why: String| t!("import.attachment_unreadable", url = link, why = why);
            let kind = file.kind.map_err(unreadable)?;
            let mut doc = read_bytes(&file.bytes, kind).map_err(unreadable)?;
            // The page's title and date describe the attachment too.
            doc.title = doc.title.or(page_doc.title);
            doc.published = doc.published.or(page_doc.published);
            let mut i = interpret(&doc, opts)?;
            i.info.push(t!("import.followed_attachment", url = link));
            i
        }
        Err(e) => return Err(e),
    };
    imported.draft.source_url = Some(url.trim().to_string());
    Ok(imported)
}

/// Gets `url`: 30 s in all (`--timeout`), five redirects, at most [`MAX_INPUT`] bytes.
fn fetch(url: &str, opts: &Options) -> Result<Fetched, String> {
    use ureq::ResponseExt;
    let seconds = opts.timeout.unwrap_or(30).max(1);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(seconds)))
        .max_redirects(5)
        .user_agent("gongkai (import of a government information-disclosure annual report)")
        .build()
        .into();
    let mut response = agent
        .get(url.trim())
        .call()
        .map_err(|e| t!("import.fetch_failed", url = url, error = e))?;
    let final_url = response.get_uri().to_string();
    let ctype = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let bytes = response
        .body_mut()
        .with_config()
        .limit(MAX_INPUT)
        .read_to_vec()
        .map_err(|e| t!("import.fetch_failed", url = url, error = e))?;
    Ok(Fetched {
        kind: kind_of(&ctype, &final_url),
        url: final_url,
        bytes,
    })
}

/// The kind of a fetched file: from its declared type, else from the address.
fn kind_of(ctype: &str, url: &str) -> Result<Kind, String> {
    if ctype.contains("html") {
        return Ok(Kind::Html);
    }
    if ctype.contains("wordprocessingml") {
        return Ok(Kind::Docx);
    }
    if ctype.contains("spreadsheetml") || ctype.contains("ms-excel") {
        return Ok(Kind::Workbook);
    }
    if ctype.contains("application/pdf") {
        return Ok(Kind::Pdf);
    }
    if ctype.starts_with("text/plain") {
        return Ok(Kind::Text);
    }
    let path = url.split(['?', '#']).next().unwrap_or(url);
    super::kind_of(std::path::Path::new(path))
}

/// The address of the report file a page links to: the first link to a .docx, .xlsx or .xls
/// file (the tables as typed), else to a .pdf, else to a .doc or .wps (refused with the reason).
fn attachment(page: &[u8], base: &str) -> Option<String> {
    let html = scraper::Html::parse_document(&super::html_text(page));
    let selector = scraper::Selector::parse("a[href]").ok()?;
    let links: Vec<String> = html
        .select(&selector)
        .filter_map(|a| a.value().attr("href"))
        .map(|h| resolve(base, h.trim()))
        .collect();
    let ext = |u: &str| {
        let path = u.split(['?', '#']).next().unwrap_or(u).to_ascii_lowercase();
        path.rsplit('.')
            .next()
            .map(str::to_string)
            .unwrap_or_default()
    };
    links
        .iter()
        .find(|u| matches!(ext(u).as_str(), "docx" | "xlsx" | "xls"))
        .or_else(|| links.iter().find(|u| ext(u) == "pdf"))
        .or_else(|| {
            links
                .iter()
                .find(|u| matches!(ext(u).as_str(), "doc" | "wps"))
        })
        .cloned()
}

/// A link made absolute against the page's address.
fn resolve(base: &str, href: &str) -> String {
    if is_url(href) {
        return href.to_string();
    }
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let origin_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    if let Some(rest) = href.strip_prefix("//") {
        return format!("{}{rest}", &base[..scheme_end]);
    }
    if href.starts_with('/') {
        return format!("{}{href}", &base[..origin_end]);
    }
    let path = base.split(['?', '#']).next().unwrap_or(base);
    let dir_end = path
        .rfind('/')
        .filter(|&i| i >= origin_end)
        .map_or(path.len(), |i| i + 1);
    let mut out = path[..dir_end].to_string();
    if !out.ends_with('/') {
        out.push('/');
    }
    out.push_str(href.trim_start_matches("./"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_resolve_against_the_page() {
        let page = "https://www.example.gov.cn/zwgk/nb/t2023.html";
        assert_eq!(
            resolve(page, "a.docx"),
            "https://www.example.gov.cn/zwgk/nb/a.docx"
        );
        assert_eq!(
            resolve(page, "./a.docx"),
            "https://www.example.gov.cn/zwgk/nb/a.docx"
        );
        assert_eq!(
            resolve(page, "/f/a.xlsx"),
            "https://www.example.gov.cn/f/a.xlsx"
        );
        assert_eq!(
            resolve(page, "//cdn.example.gov.cn/a.doc"),
            "https://cdn.example.gov.cn/a.doc"
        );
        assert_eq!(resolve(page, "http://x.cn/a.pdf"), "http://x.cn/a.pdf");
        assert_eq!(resolve("https://x.cn", "a.docx"), "https://x.cn/a.docx");
    }
}
