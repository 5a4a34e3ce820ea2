//! `copy.generate`: product copy per market language and style preset.
//!
//! A request's source copy is translated by the first path that covers
//! it: the translation memory ([`memory`], human translations, every
//! sentence must match), then a configured model for the language pair
//! ([`model`], onnxruntime), else not at all. The preset's template in the
//! target language ([`templates`]) then frames the translation or, without
//! one, writes the copy from the product's attributes. Glossary terms
//! ([`glossary`]) pass every path verbatim. [`service`] checks the request
//! and puts it together.

pub mod glossary;
pub mod memory;
pub mod model;
pub mod service;
pub mod templates;
pub mod text;

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The `*.toml` files of a data folder (memory, templates) with their
/// text, in name order; an unreadable one is `(its path, why)`.
pub(crate) fn toml_files(dir: &Path) -> Result<Vec<(PathBuf, String)>, (PathBuf, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| (dir.to_owned(), e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| match std::fs::read_to_string(&path) {
            Ok(text) => Ok((path, text)),
            Err(e) => Err((path, e.to_string())),
        })
        .collect()
}

/// `[copy]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CopyConfig {
    /// Folder of translation-memory TOML files; empty: `copy/memory`.
    pub memory: PathBuf,
    /// Folder of `{lang}.toml` preset templates; empty: `copy/templates`.
    pub templates: PathBuf,
    /// Longest model output, in target words.
    pub max_tokens: usize,
    /// Translation models, one per language pair.
    pub models: Vec<ModelEntry>,
}

/// `[[copy.models]]`: a model is configuration; its folder is produced by
/// a set-up script, never shipped.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    pub name: String,
    pub version: String,
    /// Source and target language subtags, such as `zh` and `en`.
    pub source: String,
    pub target: String,
    /// `encoder.onnx`, `decoder.onnx`, `vocab.json`; relative to the
    /// workspace root. Absent: the pair is not offered by the model path.
    pub dir: PathBuf,
}

impl ModelEntry {
    /// `name@version`, the generator results report.
    pub fn generator(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }
}

impl Default for CopyConfig {
    fn default() -> Self {
        CopyConfig {
            memory: PathBuf::new(),
            templates: PathBuf::new(),
            max_tokens: 50,
            models: Vec::new(),
        }
    }
}

const CRATE: &str = env!("CARGO_MANIFEST_DIR");

impl CopyConfig {
    /// Fills empty paths with the shipped data and makes model folders
    /// absolute (relative to the workspace root).
    pub fn resolve(&mut self) {
        if self.memory.as_os_str().is_empty() {
            self.memory = Path::new(CRATE).join("copy/memory");
        }
        if self.templates.as_os_str().is_empty() {
            self.templates = Path::new(CRATE).join("copy/templates");
        }
        for m in &mut self.models {
            if m.dir.is_relative() {
                m.dir = Path::new(CRATE).join("..").join(&m.dir);
            }
        }
    }
}
