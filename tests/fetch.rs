//! `gongkai import https://…` against a web server started here on 127.0.0.1: the page, a
//! redirect, a GB2312 page, a page that only links to its report, refusals with their reason.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;

use common::published;

/// Serves `routes` (path → (status line, content type, body)) until the test ends.
fn serve(routes: HashMap<String, (String, String, Vec<u8>)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let routes = Arc::new(routes);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let routes = routes.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    return;
                }
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                        break;
                    }
                }
                if path == "/slow.html" {
                    std::thread::sleep(std::time::Duration::from_secs(4));
                }
                let (status, ctype, body) = routes.get(&path).cloned().unwrap_or((
                    "404 Not Found".into(),
                    "text/plain".into(),
                    b"no".to_vec(),
                ));
                let mut s = &stream;
                let extra = if let Some(to) = status.strip_prefix("301 ") {
                    format!("Location: {to}\r\n")
                } else {
                    String::new()
                };
                let status = if status.starts_with("301 ") {
                    "301 Moved Permanently".to_string()
                } else {
                    status
                };
                let _ = write!(
                    s,
                    "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(&body);
            });
        }
    });
    addr
}

fn import(site: &std::path::Path, url: &str) -> std::process::Output {
    common::gongkai(site, &["import", url, "--agency", "pingtan"])
}

#[test]
fn a_web_address_is_imported_with_its_address_and_date() {
    let (p, q) = published::from_fixture("pingtan-2021.json");
    let gbk = published::Quirks { gbk: true, ..q };
    let html = "text/html; charset=utf-8".to_string();
    let mut routes = HashMap::new();
    routes.insert(
        "/nb/2021.html".into(),
        ("200 OK".into(), html.clone(), published::to_html(&p, q)),
    );
    routes.insert(
        "/moved".into(),
        ("301 /nb/2021.html".into(), html.clone(), Vec::new()),
    );
    routes.insert(
        "/gbk.html".into(),
        (
            "200 OK".into(),
            "text/html".into(),
            published::to_html(&p, gbk),
        ),
    );
    let addr = serve(routes);
    let fx = common::fixture::fixture("pingtan-2021.json");
    for path in ["/nb/2021.html", "/moved", "/gbk.html"] {
        let site = common::example_site();
        let report = site.path().join("content/pingtan/2021.md");
        std::fs::remove_file(&report).unwrap();
        let url = format!("http://{addr}{path}");
        let out = import(site.path(), &url);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{path}: {}",
            common::stderr(&out)
        );
        let text = std::fs::read_to_string(&report).unwrap();
        assert!(
            text.contains(&format!("source_url = \"{url}\"")),
            "{path}: {text}"
        );
        assert!(text.contains("published = 2022-01-20"), "{path}");
        let (r, _) = gongkai::load::report::parse_report(
            "content/pingtan/2021.md",
            "pingtan",
            Some(2021),
            std::sync::Arc::from(text.as_str()),
        );
        common::fixture::compare_numbers(&fx, &r.unwrap());
    }
}

#[test]
fn a_page_that_links_to_its_report_is_followed_to_the_attachment() {
    let (p, q) = published::from_fixture("pingtan-2021.json");
    let mut routes = HashMap::new();
    let page = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{}</title></head><body><h1>{}</h1><p>发布时间：2022-01-20</p><p>附件：<a href=\"files/nb2021.docx\">{}.docx</a></p></body></html>",
        p.title, p.title, p.title
    );
    routes.insert(
        "/nb/index.html".into(),
        (
            "200 OK".into(),
            "text/html; charset=utf-8".into(),
            page.into_bytes(),
        ),
    );
    routes.insert(
        "/nb/files/nb2021.docx".into(),
        (
            "200 OK".into(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document".into(),
            published::to_docx(&p, q),
        ),
    );
    routes.insert(
        "/pdf.html".into(),
        (
            "200 OK".into(),
            "text/html; charset=utf-8".into(),
            b"<html><body><a href=\"/r.pdf\">report.pdf</a></body></html>".to_vec(),
        ),
    );
    routes.insert(
        "/r.pdf".into(),
        (
            "200 OK".into(),
            "application/pdf".into(),
            common::pdf::to_pdf(&p, q, common::pdf::Layout::default()),
        ),
    );
    routes.insert(
        "/scan.html".into(),
        (
            "200 OK".into(),
            "text/html; charset=utf-8".into(),
            b"<html><body><a href=\"/scan.pdf\">report.pdf</a></body></html>".to_vec(),
        ),
    );
    routes.insert(
        "/scan.pdf".into(),
        (
            "200 OK".into(),
            "application/pdf".into(),
            common::pdf::scanned(),
        ),
    );
    // Larger than any report (32 MiB is the limit): refused, not read to the end.
    routes.insert(
        "/big.html".into(),
        (
            "200 OK".into(),
            "text/html".into(),
            vec![b'a'; 40 * 1024 * 1024],
        ),
    );
    let addr = serve(routes);
    let site = common::example_site();
    let report = site.path().join("content/pingtan/2021.md");
    std::fs::remove_file(&report).unwrap();
    let url = format!("http://{addr}/nb/index.html");
    let out = import(site.path(), &url);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!("http://{addr}/nb/files/nb2021.docx")),
        "{err}"
    );
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.contains(&format!("source_url = \"{url}\"")), "{text}");
    common::fixture::assert_written_report_is(site.path(), "pingtan", 2021, "pingtan-2021.json");
    // A PDF attachment is followed and read; a scanned one is refused with the reason.
    std::fs::remove_file(&report).unwrap();
    let out = import(site.path(), &format!("http://{addr}/pdf.html"));
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains(&format!("http://{addr}/r.pdf")), "{err}");
    common::fixture::assert_written_report_is(site.path(), "pingtan", 2021, "pingtan-2021.json");
    std::fs::remove_file(&report).unwrap();
    let out = import(site.path(), &format!("http://{addr}/scan.html"));
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("scan.pdf") && err.contains("scanned"), "{err}");
    assert!(!report.exists());
    // An address that does not answer with the page.
    let out = import(site.path(), &format!("http://{addr}/missing.html"));
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot fetch"), "{err}");
    let out = import(site.path(), &format!("http://{addr}/big.html"));
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot fetch") && err.contains("big.html"),
        "{err}"
    );
}

/// A list of addresses imports each, with the batch summary; a failure does not stop it.
#[test]
fn a_list_of_addresses_is_imported_as_a_batch() {
    let mut routes = HashMap::new();
    for name in ["pingtan-2021.json", "biaokou-town-2021.json"] {
        let (p, q) = published::from_fixture(name);
        routes.insert(
            format!("/{}.html", name.trim_end_matches(".json")),
            (
                "200 OK".into(),
                "text/html; charset=utf-8".into(),
                published::to_html(&p, q),
            ),
        );
    }
    let addr = serve(routes);
    let site = common::example_site();
    std::fs::remove_file(site.path().join("content/pingtan/2021.md")).unwrap();
    std::fs::remove_file(site.path().join("content/biaokou-town/2021.md")).unwrap();
    let list = site.path().join("urls.txt");
    std::fs::write(
        &list,
        format!(
            "# 2021 年度报告\nhttp://{addr}/pingtan-2021.html pingtan\nhttp://{addr}/missing.html pingtan\n\nhttp://{addr}/biaokou-town-2021.html biaokou-town\n"
        ),
    )
    .unwrap();
    let out = common::gongkai(site.path(), &["import", "urls.txt"]);
    let log = format!("{}{}", common::stdout(&out), common::stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("2 imported, 0 imported with items to review, 1 failed"),
        "{log}"
    );
    assert!(site.path().join("content/pingtan/2021.md").is_file());
    assert!(site.path().join("content/biaokou-town/2021.md").is_file());
}

/// A server that does not answer in time: the import gives up after `--timeout` seconds with
/// the reason, and nothing is written.
#[test]
fn a_slow_server_times_out() {
    let addr = serve(HashMap::new());
    let site = common::example_site();
    let start = std::time::Instant::now();
    let out = common::gongkai(
        site.path(),
        &[
            "import",
            &format!("http://{addr}/slow.html"),
            "--agency",
            "pingtan",
            "--timeout",
            "1",
        ],
    );
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot fetch") && err.to_lowercase().contains("timeout"),
        "{err}"
    );
    assert!(
        start.elapsed() < std::time::Duration::from_secs(4),
        "gave up late"
    );
}
