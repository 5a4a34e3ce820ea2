//! Surrogate keys (tags) and their purge records: which entries a purge
//! reaches, without listing the store.
//!
//! Each tag has one record in the durable store (`purge/tag/<tag>`): a
//! hard and a soft purge generation, each with the time of its last bump.
//! A purge bumps the records of its tags (compare-and-swap, O(tags)); an
//! entry remembers the generations its tags had when its fetch started
//! and is purged (hard) or stale (soft) once they differ. Nothing is
//! rewritten per entry, and a fetch already in flight cannot undo a purge.

use serde::{Deserialize, Serialize};

use super::Kv;

pub const RECORD_PREFIX: &str = "purge/tag/";

/// Longest tag accepted; keys in real stores are bounded (Spin: 255 bytes).
pub const MAX_TAG_LEN: usize = 128;

/// Whether `tag` can be a surrogate key: 1 to 128 of `A-Z a-z 0-9 : . _ -`.
pub fn is_valid(tag: &str) -> bool {
    !tag.is_empty()
        && tag.len() <= MAX_TAG_LEN
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b":._-".contains(&b))
}

/// Tags from `Surrogate-Key` / `Cache-Tag` values (space- or
/// comma-separated); invalid ones are returned apart so the caller can
/// say so.
pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> (Vec<String>, Vec<String>) {
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    for tag in values
        .into_iter()
        .flat_map(|v| v.split([' ', ',', '\t']))
        .filter(|t| !t.is_empty())
    {
        if is_valid(tag) {
            good.push(tag.to_owned());
        } else {
            bad.push(tag.chars().take(MAX_TAG_LEN).collect());
        }
    }
    good.sort();
    good.dedup();
    (good, bad)
}

/// The tag every entry of a URL carries, so "purge this URL" reaches all
/// its variants (every market, locale, format, preset version).
pub fn url_tag(url: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("url:{}", hex::encode(&Sha256::digest(url.as_bytes())[..12]))
}

/// A tag's purge record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Record {
    pub hard: u64,
    /// Unix seconds of the last hard purge.
    pub hard_at: u64,
    pub soft: u64,
    pub soft_at: u64,
}

/// The generations an entry saw for one of its tags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generation {
    pub hard: u64,
    pub soft: u64,
}

impl Record {
    pub fn generation(&self) -> Generation {
        Generation {
            hard: self.hard,
            soft: self.soft,
        }
    }

    /// `hard hard_at soft soft_at`; anything else is `None` (callers make
    /// it an error: reading it as never purged would not be safe).
    fn decode(bytes: &[u8]) -> Option<Record> {
        let text = std::str::from_utf8(bytes).ok()?;
        let mut n = text.split(' ').map(|v| v.parse::<u64>().ok());
        let record = Record {
            hard: n.next()??,
            hard_at: n.next()??,
            soft: n.next()??,
            soft_at: n.next()??,
        };
        n.next().is_none().then_some(record)
    }

    fn encode(&self) -> String {
        format!(
            "{} {} {} {}",
            self.hard, self.hard_at, self.soft, self.soft_at
        )
    }
}

pub fn record_key(tag: &str) -> String {
    format!("{RECORD_PREFIX}{tag}")
}

/// The records of `tags`, in order, from the durable store (one batch read).
pub fn records(kv: &dyn Kv, tags: &[String]) -> Result<Vec<Record>, String> {
    let keys: Vec<String> = tags.iter().map(|t| record_key(t)).collect();
    kv.get_many(&keys)?
        .into_iter()
        .zip(tags)
        .map(|(value, tag)| match value {
            None => Ok(Record::default()),
            Some(bytes) => {
                Record::decode(&bytes).ok_or_else(|| format!("purge record of `{tag}` is corrupt"))
            }
        })
        .collect()
}

/// Most compare-and-swap attempts per tag before a purge gives up.
const BUMP_ATTEMPTS: usize = 32;

/// Bumps `tag`'s hard or soft generation at `now` (atomically: concurrent
/// purges each count, and a record's times never go back).
pub fn bump(kv: &dyn Kv, tag: &str, soft: bool, now: u64) -> Result<(), String> {
    let key = record_key(tag);
    for _ in 0..BUMP_ATTEMPTS {
        let current = kv.get(&key)?;
        let mut record = match &current {
            None => Record::default(),
            Some(bytes) => Record::decode(bytes)
                .ok_or_else(|| format!("purge record of `{tag}` is corrupt"))?,
        };
        if soft {
            record.soft += 1;
            record.soft_at = record.soft_at.max(now);
        } else {
            record.hard += 1;
            record.hard_at = record.hard_at.max(now);
        }
        if kv.swap_if(&key, current.as_deref(), record.encode().as_bytes())? {
            return Ok(());
        }
    }
    Err(format!("purge record of `{tag}` kept changing"))
}

/// What the records say of an entry whose tags saw `marks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Current,
    /// Soft-purged: stale from this unix second on.
    Soft(u64),
    /// Hard-purged: gone.
    Hard,
}

pub fn verdict(records: &[Record], marks: &[Generation]) -> Verdict {
    let mut verdict = Verdict::Current;
    for (record, mark) in records.iter().zip(marks) {
        if record.hard != mark.hard {
            return Verdict::Hard;
        }
        if record.soft != mark.soft {
            let at = match verdict {
                Verdict::Soft(at) => at.min(record.soft_at),
                _ => record.soft_at,
            };
            verdict = Verdict::Soft(at);
        }
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrogate_keys_parse_and_refuse_what_cannot_be_a_key() {
        let (good, bad) = parse(["sku:A-1 asset:x.jpg", "sku:A-1,market:DE", "bad/tag  é"]);
        assert_eq!(good, ["asset:x.jpg", "market:DE", "sku:A-1"]);
        assert_eq!(bad, ["bad/tag", "é"]);
        assert!(!is_valid(&"a".repeat(129)));
        assert!(is_valid(&"a".repeat(128)));
    }

    #[test]
    fn url_tags_are_stable_valid_tags() {
        let t = url_tag("/v1/origin/catalog/p/1?a=1");
        assert!(is_valid(&t));
        assert_eq!(t, url_tag("/v1/origin/catalog/p/1?a=1"));
        assert_ne!(t, url_tag("/v1/origin/catalog/p/2"));
    }

    #[test]
    fn records_bump_atomically_and_judge_entries() {
        let kv = crate::cache::MemoryKv::default();
        let tags = ["a".to_owned(), "b".to_owned()];
        let before = records(&kv, &tags).expect("read");
        assert_eq!(before, [Record::default(); 2]);
        let marks: Vec<Generation> = before.iter().map(Record::generation).collect();
        bump(&kv, "b", true, 100).expect("soft");
        bump(&kv, "b", true, 90).expect("soft again, earlier clock");
        let now = records(&kv, &tags).expect("read");
        assert_eq!(
            (now[1].soft, now[1].soft_at),
            (2, 100),
            "times never go back"
        );
        assert_eq!(verdict(&now, &marks), Verdict::Soft(100));
        bump(&kv, "a", false, 101).expect("hard");
        assert_eq!(
            verdict(&records(&kv, &tags).expect("read"), &marks),
            Verdict::Hard
        );
        kv.set(&record_key("a"), b"garbage").expect("set");
        assert!(
            records(&kv, &tags).is_err(),
            "a corrupt record is never read as unpurged"
        );
    }
}
