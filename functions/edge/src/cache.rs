//! Edge cache entries over a key-value store: keys, the stored format,
//! validators and the headers that describe them.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::presets::Preset;
use crate::request::MediaPath;

/// The key-value store the cache lives in (Spin's in components, a map in tests).
pub trait Kv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String>;
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String>;
}

/// `Cache-Status` (RFC 9211) cache name.
pub const CACHE_NAME: &str = "meridian-edge";

/// The key of a rendition: never personal, versioned by the preset's shape.
pub fn media_key(path: &MediaPath, preset: &Preset) -> String {
    format!(
        "media/v1/{}/{}/{}.{}",
        preset.version, path.asset, path.preset, path.ext
    )
}

/// What is stored beside the bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryMeta {
    pub content_type: String,
    pub etag: String,
    pub engine: String,
    pub width: u32,
    pub height: u32,
    /// Unix seconds.
    pub stored_at: u64,
    /// Body bytes; a value whose body differs is not an entry.
    pub length: u64,
}

/// A cache entry: written whole with one `set`, read whole or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub meta: EntryMeta,
    pub body: Vec<u8>,
}

const MAGIC: &[u8; 4] = b"MRC2";

impl Entry {
    /// `MRC2`, meta length (u32 BE), meta JSON, body.
    pub fn encode(&self) -> Vec<u8> {
        let meta = serde_json::to_vec(&self.meta).unwrap_or_default();
        let mut out = Vec::with_capacity(8 + meta.len() + self.body.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(meta.len() as u32).to_be_bytes());
        out.extend_from_slice(&meta);
        out.extend_from_slice(&self.body);
        out
    }

    /// `None` for anything that is not a whole entry; the caller treats it
    /// as a miss. Checks the body length the meta records, not a digest:
    /// the store writes a value atomically (one `set`) and checks its own
    /// integrity, so what can go wrong is a foreign or cut value, and
    /// hashing the body on every hit would cost more than serving it.
    pub fn decode(mut bytes: Vec<u8>) -> Option<Entry> {
        let rest = bytes.strip_prefix(MAGIC.as_slice())?;
        let (len, rest) = rest.split_first_chunk::<4>()?;
        let len = u32::from_be_bytes(*len) as usize;
        let meta: EntryMeta = serde_json::from_slice(rest.get(..len)?).ok()?;
        let header = MAGIC.len() + 4 + len;
        if bytes.len().checked_sub(header)? as u64 != meta.length {
            return None;
        }
        bytes.drain(..header);
        Some(Entry { meta, body: bytes })
    }
}

/// A strong validator from the bytes themselves.
pub fn etag_of(body: &[u8]) -> String {
    format!("\"{}\"", hex::encode(&Sha256::digest(body)[..16]))
}

/// Whether `If-None-Match` matches `etag` (weak comparison, RFC 9110 13.1.2).
pub fn none_match(if_none_match: &str, etag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    if_none_match.trim() == "*" || if_none_match.split(',').any(|t| opaque(t) == opaque(etag))
}

pub fn cache_control(preset: &Preset) -> String {
    format!("public, max-age={}", preset.max_age_s)
}

/// `Cache-Status` values.
pub fn status_hit() -> String {
    format!("{CACHE_NAME}; hit")
}

pub fn status_miss(stored: bool) -> String {
    if stored {
        format!("{CACHE_NAME}; fwd=miss; stored")
    } else {
        format!("{CACHE_NAME}; fwd=miss")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        let body = b"\x89PNG...".to_vec();
        Entry {
            meta: EntryMeta {
                content_type: "image/png".into(),
                etag: etag_of(&body),
                engine: "cpu".into(),
                width: 2,
                height: 3,
                stored_at: 7,
                length: body.len() as u64,
            },
            body,
        }
    }

    #[test]
    fn entries_round_trip_and_partial_ones_are_misses() {
        let e = entry();
        let bytes = e.encode();
        assert_eq!(Entry::decode(bytes.clone()), Some(e));
        for cut in [0, 3, 7, 20, bytes.len() - 1] {
            assert_eq!(Entry::decode(bytes[..cut].to_vec()), None, "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(Entry::decode(longer), None, "a body longer than recorded");
        assert_eq!(Entry::decode(b"garbage".to_vec()), None);
        let mut old = bytes;
        old[..4].copy_from_slice(b"MRC1");
        assert_eq!(
            Entry::decode(old),
            None,
            "entries of another layout are misses"
        );
    }

    #[test]
    fn if_none_match_rules() {
        let tag = "\"abc\"";
        assert!(none_match("\"abc\"", tag));
        assert!(none_match("W/\"abc\"", tag));
        assert!(none_match("\"x\", \"abc\"", tag));
        assert!(none_match("*", tag));
        assert!(!none_match("\"abd\"", tag));
        assert!(!none_match("", tag));
    }

    #[test]
    fn cache_status_values() {
        assert_eq!(status_hit(), "meridian-edge; hit");
        assert_eq!(status_miss(true), "meridian-edge; fwd=miss; stored");
        assert_eq!(status_miss(false), "meridian-edge; fwd=miss");
    }
}
