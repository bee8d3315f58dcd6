//! Writes the reports of a gongkai site as a plain Hugo or Zola site, for the benchmark against
//! them (bench/run.sh): one Markdown page per report (its prose and its three tables as
//! Markdown tables) and taxonomy listing pages per agency and per year. The two exports hold
//! the same pages; only the configuration, the front matter and the templates differ.
//! `cargo run --release --example to_hugo -- SITE_DIR OUT_DIR [--zola]`

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use gongkai::format::formats;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let zola = args.iter().any(|a| a == "--zola");
    args.retain(|a| a != "--zola");
    let args: Vec<PathBuf> = args.into_iter().map(PathBuf::from).collect();
    let [site, out] = args.as_slice() else {
        eprintln!("usage: to_hugo SITE_DIR OUT_DIR [--zola]");
        return ExitCode::from(2);
    };
    let loaded = match gongkai::load::load_site(site) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {}", e.message);
            return ExitCode::FAILURE;
        }
    };
    let f = formats();
    let write = |path: PathBuf, text: String| -> std::io::Result<()> {
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::write(path, text)
    };
    let result = (|| -> std::io::Result<()> {
        let layout = |title: &str, body: &str| {
            format!(
                "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body><main>{body}</main></body></html>\n"
            )
        };
        // The configuration and templates of each tool: the same pages, listed the same way.
        let list = "<h1>{{ section.title }}</h1><ul>{% for p in section.pages %}<li><a href=\"{{ p.permalink }}\">{{ p.title }}</a></li>{% endfor %}{% for s in section.subsections %}{% set sub = get_section(path=s, metadata_only=true) %}<li><a href=\"{{ sub.permalink }}\">{{ sub.title }}</a></li>{% endfor %}</ul>";
        let skeleton: Vec<(&str, String)> = if zola {
            vec![
                (
                    "config.toml",
                    "base_url = \"https://example.org\"\ntitle = \"Reports\"\ncompile_sass = false\nbuild_search_index = false\ngenerate_feeds = false\ntaxonomies = [{ name = \"agencies\" }, { name = \"years\" }]\n".into(),
                ),
                ("content/_index.md", "+++\ntitle = \"Reports\"\n+++\n".into()),
                ("content/reports/_index.md", "+++\ntitle = \"Reports\"\n+++\n".into()),
                (
                    "templates/page.html",
                    layout("{{ page.title }}", "<h1>{{ page.title }}</h1>{{ page.content | safe }}"),
                ),
                ("templates/section.html", layout("{{ section.title }}", list)),
                ("templates/index.html", layout("{{ section.title }}", list)),
                (
                    "templates/taxonomy_single.html",
                    layout(
                        "{{ term.name }}",
                        "<h1>{{ term.name }}</h1><ul>{% for p in term.pages %}<li><a href=\"{{ p.permalink }}\">{{ p.title }}</a></li>{% endfor %}</ul>",
                    ),
                ),
                (
                    "templates/taxonomy_list.html",
                    layout(
                        "{{ taxonomy.name }}",
                        "<h1>{{ taxonomy.name }}</h1><ul>{% for t in terms %}<li><a href=\"{{ t.permalink }}\">{{ t.name }}</a> ({{ t.page_count }})</li>{% endfor %}</ul>",
                    ),
                ),
            ]
        } else {
            vec![
                (
                    "hugo.toml",
                    "baseURL = \"https://example.org/\"\ntitle = \"Reports\"\ndisableKinds = [\"RSS\", \"sitemap\", \"robotsTXT\"]\n[taxonomies]\nagency = \"agencies\"\nyear = \"years\"\n".into(),
                ),
                (
                    "layouts/_default/single.html",
                    layout("{{ .Title }}", "<h1>{{ .Title }}</h1>{{ .Content }}"),
                ),
                (
                    "layouts/_default/list.html",
                    layout(
                        "{{ .Title }}",
                        "<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>",
                    ),
                ),
                (
                    "layouts/_default/terms.html",
                    layout(
                        "{{ .Title }}",
                        "<h1>{{ .Title }}</h1><ul>{{ range .Data.Terms.Alphabetical }}<li><a href=\"{{ .Page.RelPermalink }}\">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>",
                    ),
                ),
            ]
        };
        for (path, text) in skeleton {
            write(out.join(path), text)?;
        }
        let names: std::collections::HashMap<&str, &str> = loaded
            .site
            .agencies
            .iter()
            .map(|a| (a.slug.as_str(), a.name.as_str()))
            .collect();
        for r in &loaded.site.reports {
            let name = names
                .get(r.agency.as_str())
                .map_or(r.agency.clone(), |n| n.to_string());
            // Zola wants the terms under [taxonomies]; Hugo at the top level.
            let mut md = format!(
                "+++\ntitle = \"{}\"\n{}agencies = [\"{}\"]\nyears = [\"{}\"]\n+++\n\n",
                r.title(&name),
                if zola { "[taxonomies]\n" } else { "" },
                name,
                r.year
            );
            if let Some(prose) = r.held_prose() {
                md.push_str(prose.body());
            }
            for (ti, t) in f.tables_of(r.format()).enumerate() {
                let _ = write!(
                    md,
                    "\n\n## {}\n\n",
                    f.section_for_table(&t.key).map_or("", |s| s.zh.as_str())
                );
                for b in &t.blocks {
                    md.push_str("| 项目 |");
                    for &c in &b.columns {
                        let _ = write!(md, " {} |", t.column_label(c, "zh"));
                    }
                    md.push_str("\n|---|");
                    md.push_str(&"---:|".repeat(b.columns.len()));
                    md.push('\n');
                    for &ri in &b.rows {
                        let _ = write!(md, "| {} |", t.row_label(ri, "zh"));
                        for pos in 0..b.columns.len() {
                            let v = r.tables[ti]
                                .cell(ri, pos)
                                .map_or(String::new(), |c| c.to_string());
                            let _ = write!(md, " {v} |");
                        }
                        md.push('\n');
                    }
                    md.push('\n');
                }
            }
            write(
                out.join(format!("content/reports/{}-{}.md", r.agency, r.year)),
                md,
            )?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
