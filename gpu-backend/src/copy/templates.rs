//! Preset templates per language (`copy/templates/{lang}.toml`). Each preset
//! lists alternatives, tried in order; the first whose required
//! placeholders all have values wins.
//!
//! Syntax: `{name}` is a placeholder; `[ … ]` is an optional part, written
//! only when every placeholder inside it has a value; `\` escapes the next
//! character. Placeholders: `text` (the source copy in the target
//! language, when the memory or a model made it, or the source is already
//! in it), `name`, `brand`, `material`, `colour` (attribute `color` too),
//! `category`. An unknown placeholder, an unclosed bracket or an optional
//! part without a placeholder refuses the file at load.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub const PLACEHOLDERS: [&str; 6] = ["text", "name", "brand", "material", "colour", "category"];

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("templates {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("templates {path}, {preset} #{index}: {message}")]
    Syntax {
        path: PathBuf,
        preset: &'static str,
        index: usize,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Literal(String),
    Slot(&'static str),
    Optional(Vec<Node>),
}

/// One parsed alternative.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    nodes: Vec<Node>,
}

impl Template {
    pub fn parse(source: &str) -> Result<Template, String> {
        let mut chars = source.chars();
        let nodes = parse_nodes(&mut chars, false)?;
        Ok(Template { nodes })
    }

    /// The filled text and whether it used `text`; `None` when a required
    /// placeholder has no value.
    pub fn fill(&self, value: &dyn Fn(&str) -> Option<String>) -> Option<(String, bool)> {
        let mut out = String::new();
        let mut used_text = false;
        fill_nodes(&self.nodes, value, &mut out, &mut used_text).then_some((out, used_text))
    }
}

fn parse_nodes(chars: &mut std::str::Chars<'_>, nested: bool) -> Result<Vec<Node>, String> {
    let mut nodes = Vec::new();
    let mut literal = String::new();
    let flush = |literal: &mut String, nodes: &mut Vec<Node>| {
        if !literal.is_empty() {
            nodes.push(Node::Literal(std::mem::take(literal)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => literal.push(chars.next().ok_or("a trailing `\\`")?),
            '{' => {
                flush(&mut literal, &mut nodes);
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => name.push(c),
                        None => return Err(format!("`{{{name}` is not closed")),
                    }
                }
                let slot = PLACEHOLDERS.iter().find(|p| **p == name).ok_or_else(|| {
                    format!(
                        "unknown placeholder `{{{name}}}` (known: {})",
                        PLACEHOLDERS.join(", ")
                    )
                })?;
                nodes.push(Node::Slot(slot));
            }
            '[' => {
                flush(&mut literal, &mut nodes);
                let inner = parse_nodes(chars, true)?;
                if !has_slot(&inner) {
                    return Err("an optional part `[…]` without a placeholder".into());
                }
                nodes.push(Node::Optional(inner));
            }
            ']' if nested => {
                flush(&mut literal, &mut nodes);
                return Ok(nodes);
            }
            ']' => return Err("a `]` without its `[`".into()),
            '}' => return Err("a `}` without its `{`".into()),
            c => literal.push(c),
        }
    }
    if nested {
        return Err("a `[` is not closed".into());
    }
    flush(&mut literal, &mut nodes);
    Ok(nodes)
}

fn has_slot(nodes: &[Node]) -> bool {
    nodes.iter().any(|n| match n {
        Node::Slot(_) => true,
        Node::Optional(inner) => has_slot(inner),
        Node::Literal(_) => false,
    })
}

fn fill_nodes(
    nodes: &[Node],
    value: &dyn Fn(&str) -> Option<String>,
    out: &mut String,
    used_text: &mut bool,
) -> bool {
    for node in nodes {
        match node {
            Node::Literal(l) => out.push_str(l),
            Node::Slot(s) => match value(s) {
                Some(v) => {
                    *used_text |= *s == "text";
                    out.push_str(&v);
                }
                None => return false,
            },
            Node::Optional(inner) => {
                let (mut part, mut text) = (String::new(), false);
                if fill_nodes(inner, value, &mut part, &mut text) {
                    out.push_str(&part);
                    *used_text |= text;
                }
            }
        }
    }
    true
}

/// The presets of one language, in `copy-preset` order.
#[derive(Debug, Clone, PartialEq)]
pub struct Presets {
    pub marketplace_title: Vec<Template>,
    pub product_description: Vec<Template>,
    pub social_caption: Vec<Template>,
    pub video_script: Vec<Template>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct File {
    marketplace_title: Vec<String>,
    product_description: Vec<String>,
    social_caption: Vec<String>,
    video_script: Vec<String>,
}

pub struct Templates {
    languages: HashMap<String, Presets>,
    /// `templates@<digest of the files>`.
    pub generator: String,
}

impl Templates {
    /// Every `{lang}.toml` in `dir`.
    pub fn load(dir: &Path) -> Result<Templates, TemplateError> {
        let read_err = |path: &Path, message: String| TemplateError::Read {
            path: path.to_owned(),
            message,
        };
        let files = super::toml_files(dir).map_err(|(path, why)| read_err(&path, why))?;
        let mut languages = HashMap::new();
        let mut digest = Vec::new();
        for (path, text) in &files {
            let lang = path
                .file_stem()
                .and_then(|s| s.to_str())
                .filter(|s| (2..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase()))
                .ok_or_else(|| {
                    read_err(
                        path,
                        "the file name must be a lower-case language subtag".into(),
                    )
                })?
                .to_owned();
            let file: File = toml::from_str(text).map_err(|e| read_err(path, e.to_string()))?;
            digest.extend_from_slice(lang.as_bytes());
            digest.extend_from_slice(text.as_bytes());
            let parse =
                |preset: &'static str, list: Vec<String>| -> Result<Vec<Template>, TemplateError> {
                    if list.is_empty() {
                        return Err(read_err(path, format!("{preset} has no template")));
                    }
                    list.iter()
                        .enumerate()
                        .map(|(i, s)| {
                            Template::parse(s).map_err(|message| TemplateError::Syntax {
                                path: path.clone(),
                                preset,
                                index: i + 1,
                                message,
                            })
                        })
                        .collect()
                };
            let presets = Presets {
                marketplace_title: parse("marketplace-title", file.marketplace_title)?,
                product_description: parse("product-description", file.product_description)?,
                social_caption: parse("social-caption", file.social_caption)?,
                video_script: parse("video-script", file.video_script)?,
            };
            languages.insert(lang, presets);
        }
        Ok(Templates {
            languages,
            generator: format!(
                "templates@{}",
                &meridian_wit::rpc::body_digest(&digest)[..12]
            ),
        })
    }

    pub fn get(&self, language: &str) -> Option<&Presets> {
        self.languages.get(language)
    }

    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.languages.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn optional_parts_need_all_their_values() {
        let t =
            Template::parse("[{brand} ]{name}[ – {material}[, {colour}]]\\[1\\]").expect("parses");
        let v = values(&[("name", "Orbit"), ("material", "Titan")]);
        assert_eq!(t.fill(&v), Some(("Orbit – Titan[1]".into(), false)));
        let v = values(&[("name", "Orbit"), ("colour", "Gold"), ("brand", "Meridian")]);
        assert_eq!(t.fill(&v), Some(("Meridian Orbit[1]".into(), false)));
        assert_eq!(
            t.fill(&values(&[("brand", "Meridian")])),
            None,
            "name is required"
        );
        let t = Template::parse("{text}[ {name}]").expect("parses");
        assert_eq!(
            t.fill(&values(&[("text", "Hi.")])),
            Some(("Hi.".into(), true))
        );
    }

    #[test]
    fn bad_templates_are_refused_with_the_reason() {
        for (source, reason) in [
            ("{nmae}", "unknown placeholder `{nmae}`"),
            ("{name", "not closed"),
            ("[{name}", "`[` is not closed"),
            ("{name}]", "without its `[`"),
            ("name}", "without its `{`"),
            ("[free shipping]", "without a placeholder"),
            ("\\", "trailing"),
        ] {
            let err = Template::parse(source).expect_err(source);
            assert!(err.contains(reason), "{source}: {err}");
        }
    }

    #[test]
    fn a_file_with_an_unknown_placeholder_is_refused_at_load() {
        let dir = tempfile::tempdir().expect("tempdir");
        let good = "marketplace-title = [\"{name}\"]\nproduct-description = [\"{text}\"]\nsocial-caption = [\"{text}\"]\nvideo-script = [\"{text}\"]\n";
        std::fs::write(dir.path().join("en.toml"), good).expect("write");
        let t = Templates::load(dir.path()).expect("loads");
        assert!(t.get("en").is_some() && t.get("de").is_none());
        std::fs::write(
            dir.path().join("de.toml"),
            good.replace("{name}", "{price}"),
        )
        .expect("write");
        let err = Templates::load(dir.path())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("de.toml, marketplace-title #1: unknown placeholder `{price}`"),
            "{err}"
        );
    }

    #[test]
    fn the_shipped_templates_load() {
        let t = Templates::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("copy/templates"))
            .expect("the shipped templates load");
        for lang in ["en", "de", "fr", "es", "it", "ja", "zh", "ar"] {
            assert!(t.get(lang).is_some(), "{lang}");
        }
    }
}
