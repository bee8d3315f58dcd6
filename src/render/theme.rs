//! Themes: templates, static files and UI strings, with site overrides.
//!
//! Lookup order for a template or static file: the site's own `templates/` or `static/`,
//! then `themes/<theme>/` in the site, then the default theme built into the binary (so a
//! site made by `gongkai init` works without copying a theme, and a theme may override only
//! some files).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tera::Tera;

use crate::diag::{Build, Diagnostic, Severity};
use crate::model::SiteConfig;

use super::embedded;

/// Where a static file comes from.
#[derive(Debug, Clone)]
pub enum StaticSource {
    Embedded(&'static [u8]),
    File(PathBuf),
}

pub struct Theme {
    pub tera: Tera,
    /// UI strings in the site language.
    pub strings: BTreeMap<String, String>,
    /// Static files by path under `static/`.
    pub statics: BTreeMap<String, StaticSource>,
    /// Template files read from disk (for watch mode: which files a page depends on).
    pub template_files: Vec<PathBuf>,
}

fn walk_files(dir: &Path) -> Vec<(String, PathBuf)> {
    if !dir.is_dir() {
        return Vec::new();
    }
    let mut out: Vec<(String, PathBuf)> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_type().is_file() && !crate::load::ignored_name(&e.file_name().to_string_lossy())
        })
        .map(|e| (crate::load::rel_path(dir, e.path()), e.path().to_path_buf()))
        .collect();
    out.sort();
    out
}

/// A theme's text file (a template, strings.toml): a regular file of at most 4 MiB, UTF-8.
fn read_text_file(path: &std::path::Path) -> Result<String, String> {
    let bytes = crate::load::read_limited(path, crate::load::MAX_FILE_BYTES)?;
    String::from_utf8(bytes).map_err(|e| t!("load.not_utf8", byte = e.utf8_error().valid_up_to()))
}

/// Loads the theme of `config` for the site at `root`. Errors (an unknown theme, a template
/// that does not parse, unreadable strings) come back as diagnostics naming the file.
pub fn load(root: &Path, config: &SiteConfig) -> Result<Theme, Vec<Diagnostic>> {
    let theme_dir = root.join("themes").join(&config.theme);
    if config.theme != "default" && !theme_dir.is_dir() {
        return Err(vec![
            Diagnostic::file(
                Severity::Error,
                "unknown-theme",
                "site.toml",
                t!("theme.unknown", theme = config.theme),
            )
            .help(t!("theme.unknown_help")),
        ]);
    }
    let mut templates: BTreeMap<String, (String, Option<PathBuf>)> = embedded::TEMPLATES
        .iter()
        .map(|(n, t)| (n.to_string(), (t.to_string(), None)))
        .collect();
    let mut statics: BTreeMap<String, StaticSource> = embedded::STATIC
        .iter()
        .map(|(n, b)| (n.to_string(), StaticSource::Embedded(b)))
        .collect();
    let mut strings_text = embedded::STRINGS.to_string();
    let mut strings_file = "themes/default/strings.toml".to_string();
    let mut diags = Vec::new();
    let mut template_files = Vec::new();
    for dir in [theme_dir.clone(), root.to_path_buf()] {
        for (name, path) in walk_files(&dir.join("templates")) {
            match read_text_file(&path) {
                Ok(t) => {
                    template_files.push(path.clone());
                    templates.insert(name, (t, Some(path)));
                }
                Err(e) => diags.push(Diagnostic::file(
                    Severity::Error,
                    "io",
                    &crate::load::rel_path(root, &path),
                    e,
                )),
            }
        }
        for (name, path) in walk_files(&dir.join("static")) {
            statics.insert(name, StaticSource::File(path));
        }
    }
    let strings_path = theme_dir.join("strings.toml");
    if strings_path.is_file() {
        match read_text_file(&strings_path) {
            Ok(t) => {
                strings_text = t;
                strings_file = crate::load::rel_path(root, &strings_path);
            }
            Err(e) => diags.push(Diagnostic::file(
                Severity::Error,
                "io",
                &crate::load::rel_path(root, &strings_path),
                e,
            )),
        }
    }
    let strings = match parse_strings(&strings_text, &config.language) {
        Ok(s) => s,
        Err(e) => {
            diags.push(Diagnostic::file(
                Severity::Error,
                "theme-strings",
                &strings_file,
                e,
            ));
            BTreeMap::new()
        }
    };
    let mut tera = Tera::new();
    tera.autoescape_on([".html", ".xml", ".svg"]);
    tera.register_filter("safe", safe);
    let sources: Vec<(String, String)> = templates
        .iter()
        .map(|(n, (t, _))| (n.clone(), t.clone()))
        .collect();
    if let Err(e) = tera.add_raw_templates(sources) {
        let mut full = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            full.push_str(&format!(": {s}"));
            src = s.source();
        }
        // Name the file when the template came from disk: the longest template name the
        // error mentions (`partials/grid.html` before `grid.html`).
        let file = templates
            .iter()
            .filter(|(n, _)| full.contains(n.as_str()))
            .max_by_key(|(n, _)| n.len())
            .map(|(n, (_, p))| {
                p.as_ref().map_or(format!("(built-in) {n}"), |p| {
                    crate::load::rel_path(root, p)
                })
            })
            .unwrap_or_else(|| "templates".into());
        diags.push(
            Diagnostic::file(Severity::Error, "template", &file, full)
                .help(t!("theme.template_help")),
        );
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    Ok(Theme {
        tera,
        strings,
        statics,
        template_files,
    })
}

/// Tera's `safe`, without copying a string: the built-in copies its input into a new string,
/// and pages pass every table and section through it (megabytes per build). Other values
/// print as they did (as text, marked safe).
fn safe(value: tera::Value, _: tera::Kwargs, _: &tera::State) -> tera::Value {
    if value.as_str().is_some() {
        value.mark_safe()
    } else {
        tera::Value::safe_string(&value.to_string())
    }
}

impl Theme {
    /// A UI string in the site language; the key itself when the theme lacks it.
    pub fn text<'a>(&'a self, key: &'a str) -> &'a str {
        self.strings.get(key).map_or(key, String::as_str)
    }

    /// Values every page sees (`t`, `site`, `lang`), set once instead of per page.
    pub fn set_globals(&mut self, site: &crate::model::Site) {
        let g = self.tera.global_context();
        g.insert("t", &self.strings);
        g.insert("lang", &site.config.language);
        g.insert("site", &super::views::site_view(site));
    }
}

/// The `[language]` table of a strings file (`zh-CN` or `en`).
pub fn parse_strings(text: &str, lang: &str) -> Result<BTreeMap<String, String>, String> {
    let all: BTreeMap<String, BTreeMap<String, String>> =
        toml::from_str(text).map_err(|e| e.to_string())?;
    all.get(lang)
        .cloned()
        .ok_or_else(|| format!("no [{lang}] table of UI strings"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The replacement `safe` prints what the built-in printed: strings unescaped, other
    /// values as text; without it the same template escapes.
    #[test]
    fn safe_marks_without_changing_the_text() {
        let render = |with_filter: bool, tpl: &str| {
            let mut tera = Tera::new();
            tera.autoescape_on([".html"]);
            if with_filter {
                tera.register_filter("safe", safe);
            }
            tera.add_raw_template("t.html", tpl).unwrap();
            let mut ctx = tera::Context::new();
            ctx.insert("a", "<b>x&y</b>");
            ctx.insert("n", &5);
            ctx.insert("f", &1.5);
            tera.render("t.html", &ctx).unwrap()
        };
        let tpl = "{{ a | safe }} {{ n | safe }} {{ f | safe }} {{ a }}";
        assert_eq!(render(true, tpl), render(false, tpl));
        assert_eq!(
            render(true, tpl),
            "<b>x&y</b> 5 1.5 &lt;b&gt;x&amp;y&lt;/b&gt;"
        );
    }

    /// Both languages define the same strings, so switching `language` never leaves a gap.
    #[test]
    fn both_languages_have_every_string() {
        let zh = parse_strings(embedded::STRINGS, "zh-CN").unwrap();
        let en = parse_strings(embedded::STRINGS, "en").unwrap();
        let zk: Vec<&String> = zh.keys().collect();
        let ek: Vec<&String> = en.keys().collect();
        assert_eq!(zk, ek);
        assert!(zh.values().chain(en.values()).all(|v| !v.trim().is_empty()));
    }

    /// Every file of themes/default is built into the binary.
    #[test]
    fn embedded_theme_is_complete() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
        let mut on_disk: Vec<String> = walk_files(&dir.join("templates"))
            .into_iter()
            .map(|(n, _)| format!("templates/{n}"))
            .collect();
        on_disk.extend(
            walk_files(&dir.join("static"))
                .into_iter()
                .map(|(n, _)| format!("static/{n}")),
        );
        on_disk.sort();
        let mut built: Vec<String> = embedded::TEMPLATES
            .iter()
            .map(|(n, _)| format!("templates/{n}"))
            .collect();
        built.extend(embedded::STATIC.iter().map(|(n, _)| format!("static/{n}")));
        built.sort();
        assert_eq!(on_disk, built);
    }
}
