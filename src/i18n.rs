//! The language of everything a user reads on the terminal and in the serve overlay, and the
//! one catalogue of those messages (`messages.toml`).
//!
//! Clerks read Chinese, so Chinese is the default; `--lang en`, or a locale starting with
//! `en` in `LC_ALL`/`LC_MESSAGES`/`LANG`, switches to English. The language is chosen once,
//! before anything is loaded, so every stage formats its messages in it. The site's own
//! language is a site setting (`language` in site.toml, texts in the theme's strings.toml).

use std::collections::HashMap;
use std::fmt::{Display, Write};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// `zh`/`zh-CN`/`中文` or `en`/`en-US`/`english`.
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") || s == "中文" || s == "cn" {
            Some(Lang::Zh)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// From the locale: the first set of `LC_ALL`, `LC_MESSAGES`, `LANG` (as gettext reads
    /// them); English only when it names English, Chinese otherwise (`C`, `POSIX`, unset).
    pub fn from_env() -> Lang {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|v| !v.is_empty())
            .unwrap_or_default();
        if locale.to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }
}

static LANG: AtomicU8 = AtomicU8::new(0);

/// Sets the language for the rest of the process.
pub fn set_lang(lang: Lang) {
    LANG.store(
        match lang {
            Lang::Zh => 0,
            Lang::En => 1,
        },
        Ordering::Relaxed,
    );
}

pub fn lang() -> Lang {
    match LANG.load(Ordering::Relaxed) {
        1 => Lang::En,
        _ => Lang::Zh,
    }
}

/// One message in both languages; `en_one` is the English text when the argument `n` is 1.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub zh: String,
    pub en: String,
    pub en_one: Option<String>,
}

const SOURCE: &str = include_str!("messages.toml");

/// Every message, by dotted key (`check.d1.message`).
pub fn catalogue() -> &'static HashMap<String, Entry> {
    static CATALOGUE: OnceLock<HashMap<String, Entry>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let mut out = HashMap::new();
        // The catalogue is compiled in and tested; a broken one is a bug of this program.
        if let Ok(root) = toml::from_str::<toml::Table>(SOURCE) {
            flatten("", &root, &mut out);
        }
        out
    })
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, Entry>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        let Some(t) = v.as_table() else { continue };
        if t.contains_key("zh") || t.contains_key("en") {
            if let Ok(e) = Entry::deserialize(toml::Value::Table(t.clone())) {
                out.insert(key, e);
            }
        } else {
            flatten(&key, t, out);
        }
    }
}

use serde::Deserialize;

/// The message `key` in the current language with `{name}` replaced by the arguments
/// (`{{` and `}}` stand for braces). An unknown key gives the key itself, so a missing
/// message shows up instead of vanishing (a test checks that every key used exists).
pub fn text(key: &str, args: &[(&str, &dyn Display)]) -> String {
    text_in(lang(), key, args)
}

pub fn text_in(lang: Lang, key: &str, args: &[(&str, &dyn Display)]) -> String {
    let Some(entry) = catalogue().get(key) else {
        return key.to_string();
    };
    let template = match lang {
        Lang::Zh => &entry.zh,
        Lang::En => {
            let one = args
                .iter()
                .find(|(n, _)| *n == "n")
                .is_some_and(|(_, v)| v.to_string() == "1");
            match (&entry.en_one, one) {
                (Some(s), true) => s,
                _ => &entry.en,
            }
        }
    };
    fill(template, args)
}

/// Replaces `{name}` placeholders.
pub fn fill(template: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if let (true, Some(end)) = (tail.starts_with('{'), tail.find('}')) {
            let name = &tail[1..end];
            match args.iter().find(|(n, _)| *n == name) {
                Some((_, v)) => {
                    let _ = write!(out, "{v}");
                }
                None => out.push_str(&tail[..=end]),
            }
            rest = &tail[end + 1..];
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// The placeholder names of a template, for the catalogue test.
pub fn placeholders(template: &str) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    let mut rest = template.replace("{{", "").replace("}}", "");
    while let Some(i) = rest.find('{') {
        let Some(end) = rest[i..].find('}') else {
            break;
        };
        names.insert(rest[i + 1..i + end].to_string());
        rest = rest[i + end + 1..].to_string();
    }
    names
}

/// The TOML parser's message (`unexpected key or value, expected newline, `#``) in the
/// language of messages: its words are looked up among the `parser.*` entries by their
/// English text; a phrase not in the catalogue stays as the parser wrote it.
pub fn parser_message(msg: &str) -> String {
    if lang() == Lang::En {
        return msg.to_string();
    }
    let word = |en: &str| -> String {
        catalogue()
            .iter()
            .find(|(k, e)| k.starts_with("parser.") && e.en == en)
            .map_or_else(|| en.to_string(), |(_, e)| e.zh.clone())
    };
    match msg.split_once(", expected ") {
        Some((head, list)) => {
            let tokens: Vec<String> = list.split(", ").map(|x| word(x.trim())).collect();
            text(
                "parser.with_expected",
                &[("message", &word(head)), ("list", &tokens.join("、"))],
            )
        }
        None => word(msg),
    }
}

/// `t!("key", name = value, …)`: the message in the current language.
#[macro_export]
macro_rules! t {
    ($key:literal $(, $name:ident = $val:expr)* $(,)?) => {
        $crate::i18n::text($key, &[$((stringify!($name), &$val as &dyn std::fmt::Display)),*])
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_both_languages_with_the_same_placeholders() {
        let raw: toml::Table = toml::from_str(SOURCE).expect("messages.toml is TOML");
        let mut flat = HashMap::new();
        flatten("", &raw, &mut flat);
        assert!(flat.len() > 50, "the catalogue loads: {}", flat.len());
        for (key, e) in &flat {
            assert!(!e.zh.trim().is_empty(), "{key}: no Chinese text");
            assert!(!e.en.trim().is_empty(), "{key}: no English text");
            if key.ends_with("template") || key.ends_with("template_plain") {
                continue; // clap's help templates: its own placeholders, per language
            }
            let zh = placeholders(&e.zh);
            assert_eq!(zh, placeholders(&e.en), "{key}: placeholders differ");
            if let Some(one) = &e.en_one {
                assert_eq!(zh, placeholders(one), "{key}: en_one placeholders differ");
            }
        }
    }

    #[test]
    fn every_table_of_the_catalogue_is_a_message() {
        // A table with only `zh` or only `en` fails to deserialize and would be dropped.
        fn walk(prefix: &str, t: &toml::Table, bad: &mut Vec<String>) {
            for (k, v) in t {
                let key = format!("{prefix}{k}");
                match v.as_table() {
                    Some(t) if t.contains_key("zh") || t.contains_key("en") => {
                        if !(t.contains_key("zh") && t.contains_key("en")) {
                            bad.push(key);
                        }
                    }
                    Some(t) => walk(&format!("{key}."), t, bad),
                    None => bad.push(key),
                }
            }
        }
        let raw: toml::Table = toml::from_str(SOURCE).expect("messages.toml is TOML");
        let mut bad = Vec::new();
        walk("", &raw, &mut bad);
        assert!(bad.is_empty(), "entries in one language only: {bad:?}");
    }

    #[test]
    fn every_key_the_code_uses_exists_and_every_entry_is_used() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut used = std::collections::BTreeSet::new();
        for e in walkdir::WalkDir::new(&src).into_iter().flatten() {
            let p = e.path();
            if !matches!(p.extension().and_then(|x| x.to_str()), Some("rs" | "js")) {
                continue;
            }
            let text: String = std::fs::read_to_string(p)
                .expect("source file")
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            // Catalogue keys appear as `t!("key"` or, for typing slips, `message: "toml.…"`.
            for (marker, prefix) in [(concat!("t", "!("), ""), ("message: \"toml.", "toml.")] {
                let mut rest = text.as_str();
                while let Some(i) = rest.find(marker) {
                    let after = &rest[i + marker.len()..];
                    let after = match prefix {
                        "" => match after.trim_start().strip_prefix('"') {
                            Some(a) => a,
                            None => {
                                rest = after;
                                continue;
                            }
                        },
                        _ => after,
                    };
                    // `t!(` alone, not the end of `format!(`.
                    let word = rest[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_');
                    if let (false, Some(end)) = (word, after.find('"')) {
                        used.insert(format!("{prefix}{}", &after[..end]));
                    }
                    rest = after;
                }
            }
        }
        let cat = catalogue();
        let missing: Vec<_> = used.iter().filter(|k| !cat.contains_key(*k)).collect();
        assert!(
            missing.is_empty(),
            "keys used but not in messages.toml: {missing:?}"
        );
        // `cli.*` entries are read by option name (cli::command; tested in tests/authoring.rs),
        // `parser.*` by the TOML parser's English wording (parser_message).
        let unused: Vec<_> = cat
            .keys()
            .filter(|k| !used.contains(*k) && !k.starts_with("cli.") && !k.starts_with("parser."))
            .collect();
        assert!(
            unused.is_empty(),
            "messages.toml entries never used: {unused:?}"
        );
    }

    #[test]
    fn placeholders_and_plurals() {
        assert_eq!(
            fill("第{line}行第{col}列", &[("line", &3), ("col", &7)]),
            "第3行第7列"
        );
        assert_eq!(fill("{{x}} {y}", &[]), "{x} {y}");
        assert_eq!(text_in(Lang::En, "table.n_values", &[("n", &1)]), "1 value");
        assert_eq!(
            text_in(Lang::En, "table.n_values", &[("n", &3)]),
            "3 values"
        );
        assert_eq!(text_in(Lang::Zh, "table.n_values", &[("n", &3)]), "3 个数");
        assert_eq!(Lang::parse("en-US"), Some(Lang::En));
        assert_eq!(Lang::parse("zh_CN.UTF-8"), Some(Lang::Zh));
        assert_eq!(Lang::parse("fr"), None);
    }
}
