//! The translation memory: rows of one meaning in several languages,
//! shipped as TOML (`copy/memory/*.toml`). Any language of a row may be the
//! source and any other the target. A sentence matches a row exactly after
//! [`normalize`]; a text is translated only when every one of its
//! sentences matches, else the caller falls through to templates.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::glossary::{self, Glossary};
use super::text::{joins_without_space, normalize, sentences};

#[derive(Debug, thiserror::Error)]
pub enum MemoryError {
    #[error("translation memory {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("translation memory {path}, segment {index}: {message}")]
    Segment {
        path: PathBuf,
        index: usize,
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    segment: Vec<HashMap<String, String>>,
}

pub struct Memory {
    rows: Vec<HashMap<String, String>>,
    /// (language, normalized text) → row.
    index: HashMap<(String, String), usize>,
    /// `memory@<digest of the files>`: changes whenever a segment does.
    pub generator: String,
}

/// `{1}`, `{2}`, … in `s`, sorted: a row's languages must agree on them.
fn placeholders(s: &str) -> Vec<String> {
    let mut out: Vec<String> = s
        .split('{')
        .skip(1)
        .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_owned()))
        .collect();
    out.sort();
    out
}

impl Memory {
    /// Every `*.toml` in `dir`, in name order.
    pub fn load(dir: &Path) -> Result<Memory, MemoryError> {
        let read_err = |path: &Path, message: String| MemoryError::Read {
            path: path.to_owned(),
            message,
        };
        let files = super::toml_files(dir).map_err(|(path, why)| read_err(&path, why))?;
        let mut memory = Memory {
            rows: Vec::new(),
            index: HashMap::new(),
            generator: String::new(),
        };
        let mut digest = Vec::new();
        for (path, text) in &files {
            let file: File = toml::from_str(text).map_err(|e| read_err(path, e.to_string()))?;
            digest.extend_from_slice(path.file_name().map_or(&[][..], |n| n.as_encoded_bytes()));
            digest.extend_from_slice(text.as_bytes());
            for (index, row) in file.segment.into_iter().enumerate() {
                let err = |message: String| MemoryError::Segment {
                    path: path.clone(),
                    index: index + 1,
                    message,
                };
                memory.add(row).map_err(err)?;
            }
        }
        memory.generator = format!("memory@{}", &meridian_wit::rpc::body_digest(&digest)[..12]);
        Ok(memory)
    }

    fn add(&mut self, row: HashMap<String, String>) -> Result<(), String> {
        if row.len() < 2 {
            return Err("needs at least two languages".into());
        }
        let mut expected: Option<Vec<String>> = None;
        for (lang, text) in &row {
            if !(2..=3).contains(&lang.len()) || !lang.bytes().all(|b| b.is_ascii_lowercase()) {
                return Err(format!("`{lang}` is not a lower-case language subtag"));
            }
            if text.trim().is_empty() {
                return Err(format!("the `{lang}` text is empty"));
            }
            let p = placeholders(text);
            match &expected {
                Some(e) if *e != p => {
                    return Err(format!(
                        "the `{lang}` text has other placeholders than the rest"
                    ));
                }
                _ => expected = Some(p),
            }
        }
        let id = self.rows.len();
        for (lang, text) in &row {
            let key = (lang.clone(), normalize(text));
            if let Some(&other) = self.index.get(&key)
                && self.rows[other] != row
            {
                return Err(format!(
                    "`{text}` ({lang}) is already a segment of another row"
                ));
            }
            self.index.insert(key, id);
        }
        self.rows.push(row);
        Ok(())
    }

    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.rows.iter().flat_map(|r| r.keys().map(String::as_str))
    }

    /// A memory row's `to` text for `text` in `from`.
    fn find(&self, from: &str, to: &str, text: &str) -> Option<&str> {
        let row = self.index.get(&(from.to_owned(), normalize(text)))?;
        self.rows[*row].get(to).map(String::as_str)
    }

    /// One sentence: its own row, whose target must carry every glossary
    /// term of the sentence verbatim; else the row of the sentence with its
    /// terms masked (`{1} is hand-finished.`), the terms put back.
    pub fn sentence(
        &self,
        from: &str,
        to: &str,
        sentence: &str,
        glossary: &Glossary,
    ) -> Option<String> {
        if let Some(found) = self.find(from, to, sentence) {
            let terms: Vec<String> = glossary
                .spans(sentence)
                .iter()
                .map(|&(s, e)| sentence[s..e].to_owned())
                .collect();
            if terms
                .iter()
                .all(|t| glossary::kept(std::slice::from_ref(t), found).len() == 1)
            {
                return Some(found.to_owned());
            }
        }
        let (masked, terms) = glossary.mask(sentence)?;
        glossary::unmask(self.find(from, to, &masked)?, &terms)
    }

    /// `text` sentence by sentence, or `None` unless every sentence is found.
    pub fn translate(
        &self,
        from: &str,
        to: &str,
        text: &str,
        glossary: &Glossary,
    ) -> Option<String> {
        let parts: Option<Vec<String>> = sentences(text)
            .into_iter()
            .map(|s| self.sentence(from, to, s, glossary))
            .collect();
        let parts = parts?;
        if parts.is_empty() {
            return None;
        }
        Some(parts.join(if joins_without_space(to) { "" } else { " " }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory(toml: &str) -> Result<Memory, MemoryError> {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("m.toml"), toml).expect("write");
        Memory::load(dir.path())
    }

    const ROWS: &str = r#"
[[segment]]
en = "Feather-light titanium frames, hand-finished."
de = "Federleichte Titanfassung, von Hand veredelt."
[[segment]]
en = "Free shipping."
de = "Versandkostenfrei."
zh = "包邮。"
[[segment]]
en = "{1} is made by hand."
de = "{1} wird von Hand gefertigt."
"#;

    #[test]
    fn every_sentence_must_match_after_normalizing() {
        let m = memory(ROWS).expect("loads");
        let none = Glossary::new(&[]);
        assert_eq!(
            m.translate(
                "en",
                "de",
                "feather-light  TITANIUM frames, hand-finished. Free shipping.",
                &none
            )
            .as_deref(),
            Some("Federleichte Titanfassung, von Hand veredelt. Versandkostenfrei.")
        );
        assert_eq!(
            m.translate("de", "zh", "Versandkostenfrei.", &none)
                .as_deref(),
            Some("包邮。")
        );
        assert_eq!(
            m.translate("en", "de", "Free shipping. Unknown.", &none),
            None
        );
        assert_eq!(m.translate("en", "fr", "Free shipping.", &none), None);
        assert!(m.generator.starts_with("memory@") && m.generator.len() == 19);
    }

    #[test]
    fn glossary_terms_fill_placeholders_verbatim() {
        let m = memory(ROWS).expect("loads");
        let g = Glossary::new(&["Meridian Orbit".to_owned()]);
        assert_eq!(
            m.translate("en", "de", "Meridian Orbit is made by hand.", &g)
                .as_deref(),
            Some("Meridian Orbit wird von Hand gefertigt.")
        );
    }

    #[test]
    fn bad_rows_are_refused_at_load() {
        let err = |t: &str| memory(t).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err("[[segment]]\nen = \"x\"").contains("two languages"));
        assert!(err("[[segment]]\nen = \"{1} x\"\nde = \"y\"").contains("placeholders"));
        assert!(err("[[segment]]\nEN = \"x\"\nde = \"y\"").contains("language subtag"));
        assert!(
            err("[[segment]]\nen = \"x\"\nde = \"y\"\n[[segment]]\nen = \"X\"\nde = \"z\"")
                .contains("another row")
        );
        assert!(err("nonsense = 1").contains("unknown field"));
    }
}
