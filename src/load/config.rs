//! Reading `site.toml` and `agency.toml`.

use super::toml_walk::{Doc, excerpt, suggest};
use crate::diag::{Build, Diagnostic};
use crate::model::{Agency, CheckLevel, Level, SiteConfig, Span, Validation};

/// Languages the default theme has strings for.
pub const LANGUAGES: &[&str] = &["zh-CN", "en"];

/// Check codes that `[validation.checks]` may configure.
pub fn check_codes() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = crate::format::formats()
        .rules
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    v.extend([
        "D1",
        "D2",
        "D3",
        "X4",
        "unfilled",
        "placeholder-base-url",
        "missing-section",
    ]);
    v
}

/// Reads `site.toml`. Returns `None` when its TOML cannot be parsed at all.
pub fn parse_site(file: &str, text: &str) -> (Option<SiteConfig>, Vec<Diagnostic>) {
    let mut doc = Doc::new(file, text, 0);
    let Some(root) = doc.parse(text) else {
        return (None, doc.diags);
    };
    let mut cfg = SiteConfig::default();
    let keys = [
        "title",
        "description",
        "language",
        "base_url",
        "output_dir",
        "theme",
        "validation",
        "keep",
        "research_data",
    ];
    let mut has_title = false;
    for (key, _, v) in doc.fields(root.get_ref(), &keys, "site.toml") {
        match key {
            "title" => {
                has_title = true;
                if let Some(t) = doc.nonempty_string(key, v) {
                    cfg.title = t;
                }
            }
            "description" => cfg.description = doc.nonempty_string(key, v),
            "language" => {
                if let Some(l) = doc.string(key, v) {
                    let span = doc.span(v.span());
                    match LANGUAGES
                        .iter()
                        .find(|x| x.eq_ignore_ascii_case(&l) || (l == "zh" && **x == "zh-CN"))
                    {
                        Some(x) => cfg.language = x.to_string(),
                        None => {
                            doc.error(
                                "unknown-language",
                                span,
                                t!("config.unknown_language", value = l),
                            )
                            .expected(LANGUAGES.join(" / "))
                            .found(l);
                        }
                    }
                }
            }
            // Feed and sitemap links use it: http(s) only, as for `source_url`.
            "base_url" => {
                if let Some(mut u) = doc.url(key, v) {
                    if !u.ends_with('/') {
                        u.push('/');
                    }
                    cfg.base_url = u;
                }
            }
            "output_dir" => {
                if let Some(o) = doc.nonempty_string(key, v) {
                    cfg.output_dir = o;
                }
            }
            "theme" => {
                if let Some(t) = doc.nonempty_string(key, v) {
                    cfg.theme = t;
                }
            }
            "validation" => {
                if let Some(t) = doc.table(key, v) {
                    cfg.validation = read_validation(&mut doc, t);
                }
            }
            "research_data" => {
                if let Some(b) = doc.boolean(key, v) {
                    cfg.research_data = b;
                }
            }
            "keep" => {
                for (name, span) in doc.strings(key, v) {
                    match crate::output::keepable(&name) {
                        Ok(()) => cfg.keep.push(name),
                        Err(why) => {
                            doc.error(
                                "bad-value",
                                span,
                                t!("config.bad_keep", name = name, why = why),
                            )
                            .help(t!("config.keep_help"));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if !has_title {
        doc.error("missing-key", Span::new(0..0), t!("config.no_title"))
            .help(t!("config.no_title_help"));
    }
    (Some(cfg), doc.diags)
}

fn read_validation(doc: &mut Doc<'_>, t: &toml::de::DeTable<'_>) -> Validation {
    let mut val = Validation::default();
    for (key, _, v) in doc.fields(t, &["deny_warnings", "checks"], "[validation]") {
        match key {
            "deny_warnings" => val.deny_warnings = doc.boolean(key, v).unwrap_or(false),
            _ => {
                let Some(checks) = doc.table(key, v) else {
                    continue;
                };
                let codes = check_codes();
                for (k, lv) in checks.iter() {
                    let code: &str = k.get_ref();
                    let kspan = doc.span(k.span());
                    if !codes.contains(&code) {
                        let d = doc.error(
                            "unknown-key",
                            kspan,
                            t!("config.unknown_check", code = code),
                        );
                        d.help = Some(match suggest(code, codes.iter().copied()) {
                            Some(s) => t!("common.did_you_mean", name = s),
                            None => t!("config.known_checks", list = codes.join(", ")),
                        });
                        continue;
                    }
                    let Some(level) = doc.string(code, lv) else {
                        continue;
                    };
                    let level = match level.as_str() {
                        "error" => CheckLevel::Error,
                        "warning" => CheckLevel::Warning,
                        "off" => CheckLevel::Off,
                        other => {
                            let span = doc.span(lv.span());
                            doc.error("bad-value", span, t!("config.check_level", code = code))
                                .found(excerpt(other));
                            continue;
                        }
                    };
                    val.checks.push((code.to_string(), level));
                }
            }
        }
    }
    val
}

/// A valid slug close to `s`: lowercase ASCII, other characters turned into hyphens
/// (`Jiaoyu_Ju` → `jiaoyu-ju`); `None` when nothing ASCII is left (a Chinese name).
pub fn suggest_slug(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out: String = out.trim_matches('-').chars().take(64).collect();
    let out = out.trim_end_matches('-').to_string();
    valid_slug(&out).then_some(out)
}

/// The advice for an invalid slug: the rule, and a corrected slug when one can be made.
pub fn slug_help(s: &str) -> String {
    match suggest_slug(s) {
        Some(x) => t!("load.bad_slug_suggest", slug = x),
        None => t!("load.bad_slug_help"),
    }
}

/// Whether a folder name can be an agency slug: it becomes part of every URL of the agency.
pub fn valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Reads `content/<slug>/agency.toml`.
pub fn parse_agency(file: &str, slug: &str, text: &str) -> (Option<Agency>, Vec<Diagnostic>) {
    let mut doc = Doc::new(file, text, 0);
    let Some(root) = doc.parse(text) else {
        return (None, doc.diags);
    };
    let keys = [
        "name",
        "short_name",
        "level",
        "tier",
        "region",
        "parent",
        "order",
        "website",
    ];
    let mut name = None;
    let mut level = None;
    let mut agency = Agency {
        slug: slug.to_string(),
        name: String::new(),
        short_name: None,
        level: Level::Department,
        tier: None,
        region: None,
        parent: None,
        order: 0,
        website: None,
        path: file.to_string(),
        parent_span: Span::default(),
    };
    let mut level_seen = false;
    let mut name_seen = false;
    let mut tier = None;
    for (key, _, v) in doc.fields(root.get_ref(), &keys, "agency.toml") {
        match key {
            "name" => {
                name_seen = true;
                name = doc.nonempty_string(key, v)
            }
            "short_name" => agency.short_name = doc.nonempty_string(key, v),
            "region" => agency.region = doc.nonempty_string(key, v),
            "website" => agency.website = doc.url(key, v),
            "order" => agency.order = doc.integer(key, v).unwrap_or(0),
            "parent" => {
                agency.parent_span = doc.span(v.span());
                agency.parent = doc.nonempty_string(key, v);
            }
            "tier" => {
                let Some(l) = doc.string(key, v) else {
                    continue;
                };
                match Level::parse_tier(&l) {
                    Some(x) => tier = Some((x, doc.span(v.span()))),
                    None => {
                        let span = doc.span(v.span());
                        doc.error("bad-value", span, t!("config.unknown_tier", value = l))
                            .found(excerpt(&l))
                            .help(t!("config.tier_help"));
                    }
                }
            }
            _ => {
                level_seen = true;
                let Some(l) = doc.string(key, v) else {
                    continue;
                };
                match Level::parse_with_tier(&l) {
                    Some((x, t)) => {
                        level = Some(x);
                        agency.tier = t;
                    }
                    None => {
                        let span = doc.span(v.span());
                        let all: Vec<&str> = Level::ALL.iter().map(|l| l.key()).collect();
                        let d = doc.error("bad-value", span, t!("config.unknown_level", value = l));
                        d.expected = Some(all.join(", "));
                        d.found = Some(excerpt(&l));
                        if let Some(s) = suggest(&l, all.iter().copied()) {
                            d.help = Some(t!("common.did_you_mean", name = s));
                        }
                    }
                }
            }
        }
    }
    let end = Span::new(0..0);
    if !name_seen {
        doc.error("missing-key", end, t!("config.no_name"))
            .help(t!("config.no_name_help"));
    }
    if !level_seen {
        doc.error("missing-key", end, t!("config.no_level"))
            .help(t!("config.no_level_help"));
    }
    if let Some((t, span)) = tier {
        if level == Some(Level::Department) {
            agency.tier = Some(t);
        } else if level.is_some() {
            doc.error("bad-value", span, t!("config.tier_not_department"))
                .help(t!("config.tier_not_department_help"));
        }
    }
    match (name, level) {
        (Some(n), Some(l)) => {
            agency.name = n;
            agency.level = l;
            (Some(agency), doc.diags)
        }
        _ => (None, doc.diags),
    }
}
