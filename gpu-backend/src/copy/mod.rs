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
