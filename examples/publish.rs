//! Publishes a synthetic archive as the files agencies put online, for the import benchmark
//! (bench/import.sh): `cargo run --release --example publish -- SITE OUT html|pdf|xlsx`.
//! Each report becomes OUT/<agency>/<agency>-<year>.<ext>: a government web page, a PDF from
//! the tests' PDF writer (tests/common/pdf.rs) with its layouts varied report by report, or an
//! Excel workbook. With `fixtures` for SITE, the real fixtures of tests/fixtures/real/ are
//! published instead, as OUT/<fixture>.<ext> (tests/fixtures/xls/make_xls.py starts from these).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[path = "../tests/common/fixture.rs"]
#[allow(dead_code)]
mod fixture;
#[path = "../tests/common/pdf.rs"]
#[allow(dead_code)]
mod pdf;
#[path = "../tests/common/published.rs"]
#[allow(dead_code)]
mod published;

/// Where the shared test modules find the fixtures (they are not used here).
fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [site, out, form] = args.as_slice() else {
        eprintln!("usage: publish SITE|fixtures OUT html|pdf|xlsx");
        return ExitCode::from(2);
    };
    if site == "fixtures" {
        for (k, name) in fixture::names().iter().enumerate() {
            let (p, q) = published::from_fixture(name);
            let file = Path::new(out).join(name.replace(".json", &format!(".{form}")));
            if let Err(e) = std::fs::create_dir_all(out)
                .and_then(|_| std::fs::write(&file, render(&p, q, form, k)))
            {
                eprintln!("cannot write {}: {e}", file.display());
                return ExitCode::FAILURE;
            }
        }
        return ExitCode::SUCCESS;
    }
    let loaded = match gongkai::load::load_site(Path::new(site)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot load {site}: {e:?}");
            return ExitCode::FAILURE;
        }
    };
    for (i, r) in loaded.site.reports.iter().enumerate() {
        let p = published::from_site_report(&loaded.site, r);
        let bytes = render(&p, published::Quirks::default(), form, i);
        let dir = Path::new(out).join(&r.agency);
        let file = dir.join(format!("{}-{}.{form}", r.agency, r.year));
        if let Err(e) = std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&file, bytes)) {
            eprintln!("cannot write {}: {e}", file.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// The report as a file of `form`; `i` varies the PDF layout.
fn render(p: &published::Published, q: published::Quirks, form: &str, i: usize) -> Vec<u8> {
    let bit = |k: usize| (i >> k) & 1 == 1;
    match form {
        "html" => published::to_html(p, q),
        "xlsx" => published::zip_xlsx(&published::xlsx_sheets(
            p,
            q,
            published::Workbook {
                one_sheet: bit(0),
                ..Default::default()
            },
        )),
        _ => pdf::to_pdf(
            p,
            q,
            pdf::Layout {
                vertical_labels: bit(0),
                split_headers: bit(1),
                repeat_header: bit(2),
                furniture: bit(3),
                latin_digits: bit(4),
                scrambled: bit(5),
                page_height: 0.0,
                borderless: false,
            },
        ),
    }
}
