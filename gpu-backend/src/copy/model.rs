//! A GRU sequence-to-sequence translation model on onnxruntime: an encoder
//! run once over the source ids, then the decoder one token at a time from
//! SOS, taking the most likely token (greedy) until EOS or the length cap.
//!
//! The files a model directory holds (`tools/models/fetch-copy-model.sh`
//! makes them for cn2en):
//! * `encoder.onnx`: `src_ids` int64 `[n]` → `hidden` f32 `[1, 1, H]`;
//! * `decoder.onnx`: `token` int64 `[1]`, `hidden` `[1, 1, H]` →
//!   `logprobs` f32 `[1, V]`, `hidden_out` `[1, 1, H]`;
//! * `vocab.json`: `{sos, eos, hidden_size, src_vocab: {word: id},
//!   tgt_vocab: {id: word}}`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::Tensor;
use serde::Deserialize;

use crate::onnx::RuntimeError;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error("model {path}: {source}")]
    Load { path: PathBuf, source: ort::Error },
    #[error("vocabulary {path}: {message}")]
    Vocab { path: PathBuf, message: String },
    #[error("inference failed: {0}")]
    Run(#[from] ort::Error),
    #[error("the {0} output has an unexpected shape {1:?}")]
    Shape(&'static str, Vec<i64>),
    #[error("the decoder chose token {0}, which the vocabulary does not have")]
    Token(i64),
}

#[derive(Deserialize)]
struct Vocab {
    sos: i64,
    eos: i64,
    hidden_size: usize,
    src_vocab: HashMap<String, i64>,
    tgt_vocab: HashMap<String, String>,
}

pub struct Seq2Seq {
    /// onnxruntime's `Run` on one session is not shared across threads.
    encoder: Mutex<Session>,
    decoder: Mutex<Session>,
    src: HashMap<String, i64>,
    tgt: HashMap<i64, String>,
    sos: i64,
    eos: i64,
    hidden: usize,
    max_tokens: usize,
}

impl Seq2Seq {
    pub fn load(dir: &Path, onnxruntime: &Path, max_tokens: usize) -> Result<Seq2Seq, ModelError> {
        let vocab_path = dir.join("vocab.json");
        let vocab_err = |message: String| ModelError::Vocab {
            path: vocab_path.clone(),
            message,
        };
        let text = std::fs::read(&vocab_path).map_err(|e| vocab_err(e.to_string()))?;
        let vocab: Vocab = serde_json::from_slice(&text).map_err(|e| vocab_err(e.to_string()))?;
        let tgt = vocab
            .tgt_vocab
            .into_iter()
            .map(|(id, word)| id.parse::<i64>().map(|id| (id, word)))
            .collect::<Result<HashMap<_, _>, _>>()
            .map_err(|e| vocab_err(format!("a target id is not a number: {e}")))?;
        if vocab.hidden_size == 0 || vocab.src_vocab.is_empty() || tgt.is_empty() {
            return Err(vocab_err("empty vocabulary or hidden size".into()));
        }
        let env = crate::onnx::environment(onnxruntime)?;
        let session = |path: PathBuf| -> Result<Session, ModelError> {
            let load = |source: ort::Error| ModelError::Load {
                path: path.clone(),
                source,
            };
            Session::builder(env)
                .map_err(load)?
                .with_optimization_level(GraphOptimizationLevel::Level3)
                .map_err(|e| load(e.into()))?
                // One sentence at a time: more threads only add hand-offs.
                .with_intra_threads(1)
                .map_err(|e| load(e.into()))?
                .commit_from_file(&path)
                .map_err(load)
        };
        Ok(Seq2Seq {
            encoder: Mutex::new(session(dir.join("encoder.onnx"))?),
            decoder: Mutex::new(session(dir.join("decoder.onnx"))?),
            src: vocab.src_vocab,
            tgt,
            sos: vocab.sos,
            eos: vocab.eos,
            hidden: vocab.hidden_size,
            max_tokens,
        })
    }

    /// The source ids of `sentence` as the model was trained (lower case;
    /// every character outside `a-z ' "` and space is a word of its own),
    /// EOS last; `None` when a word is outside the vocabulary: the model
    /// would silently drop it, so the caller tries another path.
    pub fn source_ids(&self, sentence: &str) -> Option<Vec<i64>> {
        let mut spaced = String::new();
        for c in sentence.trim().chars().flat_map(char::to_lowercase) {
            if c.is_ascii_lowercase() || matches!(c, '\'' | '"' | ' ') {
                spaced.push(c);
            } else {
                spaced.push(' ');
                spaced.push(c);
                spaced.push(' ');
            }
        }
        let mut ids = Vec::new();
        for word in spaced.split(' ').filter(|w| !w.is_empty()) {
            ids.push(*self.src.get(word)?);
        }
        if ids.is_empty() {
            return None;
        }
        ids.push(self.eos);
        Some(ids)
    }

    /// Greedy decoding of `ids`: the target words, EOS excluded.
    pub fn decode(&self, ids: &[i64]) -> Result<Vec<String>, ModelError> {
        let h = self.hidden as i64;
        let mut hidden: Vec<f32> = {
            let mut encoder = self.encoder.lock().unwrap_or_else(|p| p.into_inner());
            let outputs = encoder.run(ort::inputs![
                "src_ids" => Tensor::from_array(([ids.len()], ids.to_vec()))?
            ])?;
            let (shape, data) = outputs["hidden"].try_extract_tensor::<f32>()?;
            if shape.as_ref() != [1, 1, h] {
                return Err(ModelError::Shape("encoder", shape.to_vec()));
            }
            data.to_vec()
        };
        let mut decoder = self.decoder.lock().unwrap_or_else(|p| p.into_inner());
        let mut token = self.sos;
        let mut words = Vec::new();
        for _ in 0..self.max_tokens {
            let outputs = decoder.run(ort::inputs![
                "token" => Tensor::from_array(([1usize], vec![token]))?,
                "hidden" => Tensor::from_array(([1usize, 1, self.hidden], hidden))?,
            ])?;
            let (shape, logprobs) = outputs["logprobs"].try_extract_tensor::<f32>()?;
            if shape.len() != 2 || shape[0] != 1 || logprobs.is_empty() {
                return Err(ModelError::Shape("decoder", shape.to_vec()));
            }
            // The first maximum, as numpy's and torch's argmax.
            let best = logprobs
                .iter()
                .enumerate()
                .fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &v)| {
                    if v > bv { (i, v) } else { (bi, bv) }
                })
                .0 as i64;
            let (shape, next) = outputs["hidden_out"].try_extract_tensor::<f32>()?;
            if shape.as_ref() != [1, 1, h] {
                return Err(ModelError::Shape("decoder hidden", shape.to_vec()));
            }
            hidden = next.to_vec();
            if best == self.eos {
                break;
            }
            words.push(self.tgt.get(&best).ok_or(ModelError::Token(best))?.clone());
            token = best;
        }
        Ok(words)
    }
}

/// Words as the model writes them (`i 'm tired .`, lower case) as a
/// sentence: punctuation attached, `i` and the first letter capitalised.
pub fn detokenize(words: &[String]) -> String {
    let mut out = String::new();
    for word in words {
        let word = if word == "i" || word.starts_with("i'") {
            let mut w = word.clone();
            w.replace_range(0..1, "I");
            w
        } else {
            word.clone()
        };
        let attaches =
            matches!(word.as_str(), "." | "," | "!" | "?" | ";" | ":") || word.starts_with('\'');
        if !out.is_empty() && !attaches {
            out.push(' ');
        }
        out.push_str(&word);
    }
    let mut chars = out.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_a_sentence() {
        let w = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(detokenize(&w("i'm tired .")), "I'm tired.");
        assert_eq!(
            detokenize(&w("tom didn't go to bed .")),
            "Tom didn't go to bed."
        );
        assert_eq!(detokenize(&w("whose this , i ask ?")), "Whose this, I ask?");
        assert_eq!(detokenize(&[]), "");
    }
}
