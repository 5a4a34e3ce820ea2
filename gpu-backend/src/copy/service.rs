//! The `copy` service: checks a request, translates its copy (memory, then
//! model), fills the preset's template, cuts to `max-chars`, reports the
//! glossary terms kept.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use meridian_wit::backend::exports::meridian::platform::copy::{
    CopyMethod, CopyPreset, CopyRequest, CopyResult, Guest,
};
use meridian_wit::types::Error;

use super::glossary::{self, Glossary, Piece};
use super::memory::{Memory, MemoryError};
use super::model::{self, ModelError, Seq2Seq};
use super::templates::{TemplateError, Templates};
use super::text::{cut, joins_without_space, language, sentences};
use super::{CopyConfig, ModelEntry};

/// Largest source copy, bytes (413 `copy-source-too-large`).
pub const MAX_SOURCE_BYTES: usize = 8 * 1024;
/// Largest `max-chars`.
pub const MAX_CHARS: u32 = 5000;
pub const MAX_GLOSSARY_TERMS: usize = 64;
const MAX_TERM_CHARS: usize = 100;
const MAX_ATTRIBUTES: usize = 64;
const MAX_ATTRIBUTE_KEY: usize = 64;
const MAX_ATTRIBUTE_VALUE: usize = 512;

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(transparent)]
    Memory(#[from] MemoryError),
    #[error(transparent)]
    Templates(#[from] TemplateError),
}

/// A configured model: loaded, or why not (its pair answers 503).
struct Configured {
    entry: ModelEntry,
    model: Result<Seq2Seq, String>,
}

pub struct CopyService {
    memory: Memory,
    templates: Templates,
    models: Vec<Configured>,
}

/// What translated the source copy.
enum Maker<'a> {
    /// The source is already in the target language.
    Same,
    Memory,
    Model(&'a ModelEntry),
}

fn invalid(code: &str, message: impl Into<String>) -> Error {
    Error::new(400, code, message)
}

impl CopyService {
    /// Memory and templates must load (they ship with the backend); a
    /// model whose folder is absent is not offered, one that fails to load
    /// makes its pair answer 503 `copy-model-unavailable`.
    pub fn new(config: &CopyConfig, onnxruntime: &Path) -> Result<CopyService, CopyError> {
        let memory = Memory::load(&config.memory)?;
        let templates = Templates::load(&config.templates)?;
        let mut models = Vec::new();
        for entry in &config.models {
            let generator = entry.generator();
            if !entry.dir.is_dir() {
                tracing::info!(model = %generator, dir = %entry.dir.display(), "copy model not offered: its folder is absent (bash gpu-backend/tools/models/fetch-copy-model.sh)");
                continue;
            }
            let model = Seq2Seq::load(&entry.dir, onnxruntime, config.max_tokens)
                .map_err(|e: ModelError| e.to_string());
            match &model {
                Ok(_) => {
                    tracing::info!(model = %generator, pair = %format!("{}->{}", entry.source, entry.target), "copy model loaded")
                }
                Err(e) => {
                    tracing::warn!(model = %generator, error = %e, "copy model failed to load; its pair answers 503")
                }
            }
            models.push(Configured {
                entry: entry.clone(),
                model,
            });
        }
        tracing::info!(memory = %memory.generator, templates = %templates.generator, "copy ready");
        Ok(CopyService {
            memory,
            templates,
            models,
        })
    }

    /// What `/readyz` shows: the generators and loaded model pairs.
    pub fn summary(&self) -> serde_json::Value {
        let mut languages: Vec<&str> = self.templates.languages().collect();
        languages.sort_unstable();
        serde_json::json!({
            "memory": self.memory.generator,
            "templates": self.templates.generator,
            "template_languages": languages,
            "models": self.models.iter().map(|m| serde_json::json!({
                "generator": m.entry.generator(),
                "pair": format!("{}->{}", m.entry.source, m.entry.target),
                "loaded": m.model.is_ok(),
            })).collect::<Vec<_>>(),
        })
    }

    pub fn generate(&self, request: &CopyRequest) -> Result<CopyResult, Error> {
        let (from, to) = check(request)?;
        let glossary = Glossary::new(&request.glossary);
        let source = request.source.trim();
        let translated = self.translate(&from, &to, source, &glossary)?;
        let attribute = |key: &str| -> Option<String> {
            let raw = request
                .attributes
                .iter()
                .find(|(k, _)| k == key || (key == "colour" && k == "color"))
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())?;
            // Values are facts in the source language: the memory's word
            // for them when it has one, else as written (names, terms).
            if from != to
                && glossary.spans(raw).is_empty()
                && let Some(t) = self.memory.translate(&from, &to, raw, &glossary)
            {
                return Some(t);
            }
            Some(raw.to_owned())
        };
        let value = |key: &str| match key {
            "text" => translated.as_ref().map(|(t, _)| t.clone()),
            other => attribute(other),
        };
        let filled = match self.templates.get(&to) {
            Some(presets) => {
                let alternatives = match request.preset {
                    CopyPreset::MarketplaceTitle => &presets.marketplace_title,
                    CopyPreset::ProductDescription => &presets.product_description,
                    CopyPreset::SocialCaption => &presets.social_caption,
                    CopyPreset::VideoScript => &presets.video_script,
                };
                match alternatives.iter().find_map(|t| t.fill(&value)) {
                    Some((text, used_text)) => Some((text, used_text, true)),
                    None => match &translated {
                        Some((t, _)) => Some((t.clone(), true, false)),
                        None => {
                            return Err(Error::new(
                                422,
                                "copy-attributes-missing",
                                format!(
                                    "no {} template for `{to}` can be filled from the attributes, and the source copy could not be translated; add the product's `name`",
                                    preset_name(request.preset)
                                ),
                            ));
                        }
                    },
                }
            }
            None => match &translated {
                Some((t, Maker::Memory | Maker::Model(_))) => Some((t.clone(), true, false)),
                _ => None,
            },
        };
        let Some((text, used_text, templated)) = filled else {
            return Err(Error::new(
                422,
                "copy-language-unsupported",
                format!(
                    "neither a model, the translation memory nor templates cover `{to}` from `{from}`"
                ),
            ));
        };
        let (method, maker) = match (&translated, used_text) {
            (Some((_, Maker::Memory)), true) => (
                CopyMethod::TranslationMemory,
                Some(self.memory.generator.clone()),
            ),
            (Some((_, Maker::Model(entry))), true) => (CopyMethod::Model, Some(entry.generator())),
            _ => (CopyMethod::Template, None),
        };
        let generator = match (maker, templated) {
            (Some(m), true) => format!("{m}+{}", self.templates.generator),
            (Some(m), false) => m,
            (None, _) => self.templates.generator.clone(),
        };
        let mut text = text.trim().to_owned();
        if let Some(max) = request.max_chars
            && let Some(short) = cut(&text, max as usize, &glossary.spans(&text))
        {
            text = short;
        }
        let kept = glossary::kept(&request.glossary, &text);
        Ok(CopyResult {
            text,
            generator,
            method,
            kept,
        })
    }

    /// The source copy in the target language, and what made it.
    fn translate(
        &self,
        from: &str,
        to: &str,
        source: &str,
        glossary: &Glossary,
    ) -> Result<Option<(String, Maker<'_>)>, Error> {
        if from == to {
            return Ok(Some((source.to_owned(), Maker::Same)));
        }
        if let Some(t) = self.memory.translate(from, to, source, glossary) {
            return Ok(Some((t, Maker::Memory)));
        }
        let Some(configured) = self
            .models
            .iter()
            .find(|m| m.entry.source == from && m.entry.target == to)
        else {
            return Ok(None);
        };
        let model = configured.model.as_ref().map_err(|_| {
            Error::new(
                503,
                "copy-model-unavailable",
                format!(
                    "the {from}->{to} model {} did not load in this region",
                    configured.entry.generator()
                ),
            )
        })?;
        let translated = model_translate(model, to, source, glossary).map_err(|e| {
            tracing::warn!(error = %e, "copy model failed");
            Error::new(500, "copy-model-failed", "the translation model failed")
        })?;
        Ok(translated.map(|t| (t, Maker::Model(&configured.entry))))
    }
}

/// `source` sentence by sentence through the model; glossary terms are cut
/// out before and put back verbatim in their place. `None` when a piece has
/// words outside the model's vocabulary.
fn model_translate(
    model: &Seq2Seq,
    to: &str,
    source: &str,
    glossary: &Glossary,
) -> Result<Option<String>, ModelError> {
    let mut out = Vec::new();
    for sentence in sentences(source) {
        let mut parts: Vec<String> = Vec::new();
        for piece in glossary.pieces(sentence) {
            match piece {
                Piece::Term(t) => parts.push(t.to_owned()),
                Piece::Text(t) if !t.chars().any(char::is_alphanumeric) => {
                    let t = t.trim();
                    if !t.is_empty() {
                        match parts.last_mut() {
                            Some(last) => last.push_str(t),
                            None => parts.push(t.to_owned()),
                        }
                    }
                }
                Piece::Text(t) => {
                    let Some(ids) = model.source_ids(t) else {
                        return Ok(None);
                    };
                    parts.push(model::detokenize(&model.decode(&ids)?));
                }
            }
        }
        out.push(parts.join(" "));
    }
    Ok(Some(out.join(if joins_without_space(to) {
        ""
    } else {
        " "
    })))
}

fn preset_name(p: CopyPreset) -> &'static str {
    match p {
        CopyPreset::MarketplaceTitle => "marketplace-title",
        CopyPreset::ProductDescription => "product-description",
        CopyPreset::SocialCaption => "social-caption",
        CopyPreset::VideoScript => "video-script",
    }
}

/// The request's refusals, in a fixed order; the source and target
/// language subtags when it passes.
fn check(r: &CopyRequest) -> Result<(String, String), Error> {
    if r.sku.trim().is_empty() {
        return Err(invalid("copy-sku-missing", "the request names no sku"));
    }
    if r.source.trim().is_empty() {
        return Err(invalid("copy-source-empty", "the source copy is empty"));
    }
    if r.source.len() > MAX_SOURCE_BYTES {
        return Err(Error::new(
            413,
            "copy-source-too-large",
            format!(
                "the source copy is {} bytes; at most {MAX_SOURCE_BYTES} are accepted",
                r.source.len()
            ),
        ));
    }
    let lang = |field: &str, tag: &str| {
        language(tag).ok_or_else(|| {
            invalid(
                "copy-locale-invalid",
                format!(
                    "{field} `{}` is not a BCP 47 language tag",
                    tag.chars().take(40).collect::<String>()
                ),
            )
        })
    };
    let from = lang("source-locale", &r.source_locale)?;
    let to = lang("target-locale", &r.target_locale)?;
    if let Some(m) = r.max_chars
        && (m == 0 || m > MAX_CHARS)
    {
        return Err(invalid(
            "copy-max-chars-invalid",
            format!("max-chars must be 1 to {MAX_CHARS}, not {m}"),
        ));
    }
    if r.glossary.len() > MAX_GLOSSARY_TERMS {
        return Err(invalid(
            "copy-glossary-too-large",
            format!(
                "the glossary has {} terms; at most {MAX_GLOSSARY_TERMS} are accepted",
                r.glossary.len()
            ),
        ));
    }
    if r.glossary
        .iter()
        .any(|t| t.trim().is_empty() || t.chars().count() > MAX_TERM_CHARS)
    {
        return Err(invalid(
            "copy-glossary-term-invalid",
            format!("glossary terms must be 1 to {MAX_TERM_CHARS} characters"),
        ));
    }
    if r.attributes.len() > MAX_ATTRIBUTES
        || r.attributes.iter().any(|(k, v)| {
            k.trim().is_empty()
                || k.chars().count() > MAX_ATTRIBUTE_KEY
                || v.chars().count() > MAX_ATTRIBUTE_VALUE
        })
    {
        return Err(invalid(
            "copy-attributes-invalid",
            format!(
                "at most {MAX_ATTRIBUTES} attributes, keys of 1 to {MAX_ATTRIBUTE_KEY} and values of at most {MAX_ATTRIBUTE_VALUE} characters"
            ),
        ));
    }
    Ok((from, to))
}

static SERVICE: OnceLock<Arc<CopyService>> = OnceLock::new();

/// Installs the process-wide service the WIT `Guest` implementation uses
/// (the first one installed stays).
pub fn install(service: Arc<CopyService>) -> Arc<CopyService> {
    Arc::clone(SERVICE.get_or_init(|| service))
}

/// The backend's implementation of the exported `copy` interface.
pub struct CopyBackend;

impl Guest for CopyBackend {
    fn generate(request: CopyRequest) -> Result<CopyResult, Error> {
        SERVICE
            .get()
            .ok_or_else(|| Error::new(503, "not-ready", "the copy service is starting"))?
            .generate(&request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(models: Vec<ModelEntry>) -> CopyService {
        let mut config = CopyConfig {
            models,
            ..CopyConfig::default()
        };
        config.resolve();
        CopyService::new(&config, Path::new("/nonexistent/libonnxruntime.so"))
            .expect("shipped data loads")
    }

    fn request(from: &str, source: &str, to: &str) -> CopyRequest {
        CopyRequest {
            sku: "SKU-1".into(),
            source_locale: from.into(),
            source: source.into(),
            attributes: vec![("name".into(), "Aurora watch".into())],
            target_locale: to.into(),
            preset: CopyPreset::ProductDescription,
            glossary: vec![],
            max_chars: None,
        }
    }

    fn zh_en(dir: &Path) -> ModelEntry {
        ModelEntry {
            name: "cn2en".into(),
            version: "0.0.118".into(),
            source: "zh".into(),
            target: "en".into(),
            dir: dir.to_owned(),
        }
    }

    #[test]
    fn limits_are_inclusive() {
        let s = service(vec![]);
        let mut r = request("en", &"a".repeat(MAX_SOURCE_BYTES), "en");
        r.max_chars = Some(MAX_CHARS);
        r.glossary = (0..MAX_GLOSSARY_TERMS).map(|i| format!("T{i}")).collect();
        s.generate(&r).expect("at the limits");
        r.source.push('a');
        assert_eq!(s.generate(&r).expect_err("over").status(), 413);
    }

    #[test]
    fn without_its_folder_a_model_pair_falls_to_templates() {
        let s = service(vec![zh_en(Path::new("/nonexistent/cn2en"))]);
        let r = s
            .generate(&request("zh", "我很累。", "en"))
            .expect("template");
        assert_eq!(
            (r.text.as_str(), r.method),
            ("Aurora watch.", CopyMethod::Template)
        );
        assert_eq!(s.summary()["models"].as_array().map(Vec::len), Some(0));
    }

    #[test]
    fn a_model_that_does_not_load_answers_503_for_its_pair_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("vocab.json"), b"{}").expect("write");
        let s = service(vec![zh_en(dir.path())]);
        let e = s
            .generate(&request("zh", "我很累。", "en"))
            .expect_err("503");
        assert_eq!(
            (e.status(), e.problem().code.as_str()),
            (503, "copy-model-unavailable")
        );
        // The memory still answers first, and other pairs are untouched.
        let r = s
            .generate(&request("zh", "守时的自动腕表。", "en"))
            .expect("memory");
        assert_eq!(r.method, CopyMethod::TranslationMemory);
        s.generate(&request("zh", "我很累。", "de"))
            .expect("template");
    }
}
