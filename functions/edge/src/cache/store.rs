//! Entries in the key-value store, written so a reader gets a whole entry
//! or a miss, never part of one, and never bytes of another entry.
//!
//! An entry is a head record (`c/h/<id>`) holding the headers to serve,
//! freshness, its tags with the purge generations they had when its fetch
//! started, and a reference to the body, then the RFC 9111 policy (read
//! only when the entry is revalidated, so a hit never parses it). A body
//! that fits beside the head travels in the same value (one `set`, one
//! `get` per hit). Larger bodies are split into chunks under keys of that
//! entry alone, named by the body's digest and the chunk size
//! (`c/b/<id>/<digest>/<size>/<i>`), written before the head: until the
//! head lands nothing refers to them, a key's bytes are fixed by its name
//! (so two writers, even with different chunk sizes, never mix), deleting
//! one entry's chunks never touches another's, and a reader checks every
//! chunk's length before serving. The store may evict any key at any time:
//! a missing chunk is a miss.
//!
//! The `Vary` record of a URL (`c/v/<hash>`) is written after the head and
//! only when it changes or would go before the new head, so a failed head
//! write leaves it as it was.
//!
//! Every key is written with a lifetime ([`Expiry`]), so a store that can
//! expire keys (Redis, shared by many edge nodes) drops entries nobody
//! reads again: a head at the end of its last usable second, its chunks
//! and the URL's `Vary` record [`TRAILING_MS`] later, so a reader that got
//! the head just before it went still finds the rest.

use http_cache_semantics::CachePolicy;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::kv::Expiry;
use super::tags::Generation;
use super::{CacheConfig, Kv};

/// How much longer than its head an entry's chunks and its URL's `Vary`
/// record live: longer than any read of one entry takes.
pub const TRAILING_MS: u64 = 10_000;

const MAGIC: &[u8; 4] = b"MRC4";
pub const HEAD_PREFIX: &str = "c/h/";
pub const VARY_PREFIX: &str = "c/v/";
pub const BODY_PREFIX: &str = "c/b/";

/// What is known about a stored response besides its body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Head {
    /// The primary key (canonical URL and scope).
    pub primary: String,
    pub status: u16,
    /// Headers served with the body.
    pub headers: Vec<(String, String)>,
    /// Surrogate keys, the URL's tag among them.
    pub tags: Vec<String>,
    /// The purge generations of `tags` (same order) when the fetch started.
    pub marks: Vec<Generation>,
    pub body: BodyRef,
    /// Unix seconds the entry was stored or last revalidated.
    pub stored_at: u64,
    /// Unix seconds its fetch (or last revalidation) started.
    pub fetched_at: u64,
    /// Unix seconds after which it can serve no request at all (freshness
    /// plus the longer stale window): read later, it is deleted.
    pub last_usable: u64,
    /// Its age then (RFC 9111 4.2.3), seconds.
    pub age_at_store: u64,
    /// Unix seconds at which the entry turns stale.
    pub fresh_until: u64,
    /// Seconds past `fresh_until` it may be served while revalidating.
    pub stale_while_revalidate: u64,
    /// Seconds past `fresh_until` it may be served when every fetch fails.
    pub stale_if_error: u64,
    /// `must-revalidate`, `proxy-revalidate` or `no-cache`: never served
    /// stale.
    pub must_revalidate: bool,
    /// Set by a soft purge: the entry is stale from then on.
    pub invalidated_at: Option<u64>,
}

impl Head {
    /// The moment after which nothing may be served from it.
    pub fn usable_until(fresh_until: u64, stale_while_revalidate: u64, stale_if_error: u64) -> u64 {
        fresh_until.saturating_add(stale_while_revalidate.max(stale_if_error))
    }
}

impl Head {
    /// Seconds past freshness at `now` (0 while fresh).
    pub fn staleness(&self, now: u64) -> u64 {
        let stale_from = match self.invalidated_at {
            Some(at) => at.min(self.fresh_until),
            None => self.fresh_until,
        };
        now.saturating_sub(stale_from)
    }

    /// `Age` at `now`.
    pub fn age(&self, now: u64) -> u64 {
        self.age_at_store + now.saturating_sub(self.stored_at)
    }

    /// When the store may drop the head: after its last usable second.
    pub fn expiry(&self) -> Expiry {
        Expiry::after_second(self.last_usable)
    }

    /// When the store may drop its chunks and its URL's `Vary` record.
    pub fn trailing_expiry(&self) -> Expiry {
        self.expiry().later_by_ms(TRAILING_MS)
    }

    pub fn is_fresh(&self, now: u64) -> bool {
        self.invalidated_at.is_none() && now < self.fresh_until
    }

    /// The first value of a stored response header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BodyRef {
    /// The body follows the head in the same value.
    Inline { length: u64 },
    /// The body is in `chunks` values of at most the configured size.
    Chunked {
        digest: String,
        length: u64,
        chunks: u32,
        /// Bytes per chunk (the last may be shorter).
        chunk_bytes: u32,
    },
}

/// Most chunks one body may have; with the smallest chunk size (4 KiB)
/// that is 256 MiB, far above `max_body_bytes`' default.
const MAX_CHUNKS: u32 = 1 << 16;

/// Bytes reserved up front when assembling a chunked body; it grows past
/// this only as chunks actually arrive.
const MAX_PREALLOCATION: u64 = 8 << 20;

/// The key of chunk `i` of entry `id`'s body: per entry, so removing one
/// entry never takes another's bytes, and per chunk size, so writers
/// configured differently never assemble each other's chunks.
pub fn chunk_key(id: &str, digest: &str, chunk_bytes: u32, i: u32) -> String {
    format!("{BODY_PREFIX}{id}/{digest}/{chunk_bytes}/{i}")
}

impl BodyRef {
    /// Whether the chunk count is the one its length and chunk size give.
    fn is_consistent(&self) -> bool {
        match self {
            BodyRef::Inline { .. } => true,
            BodyRef::Chunked {
                length,
                chunks,
                chunk_bytes,
                ..
            } => {
                *chunk_bytes > 0
                    && *chunks <= MAX_CHUNKS
                    && length.div_ceil(u64::from(*chunk_bytes)) == u64::from(*chunks)
            }
        }
    }

    fn length(&self) -> u64 {
        match self {
            BodyRef::Inline { length } | BodyRef::Chunked { length, .. } => *length,
        }
    }

    /// The chunk keys of entry `id`'s body.
    fn chunk_keys(&self, id: &str) -> Vec<String> {
        match self {
            BodyRef::Inline { .. } => Vec::new(),
            BodyRef::Chunked {
                digest,
                chunks,
                chunk_bytes,
                ..
            } => (0..*chunks)
                .map(|i| chunk_key(id, digest, *chunk_bytes, i))
                .collect(),
        }
    }
}

/// An entry read back whole.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: String,
    pub head: Head,
    /// The policy as stored; [`Stored::policy`] parses it.
    policy: Vec<u8>,
    pub body: Vec<u8>,
}

impl Stored {
    /// The RFC 9111 policy; `None` for an entry whose policy does not
    /// parse (then it is revalidated like one without validators).
    pub fn policy(&self) -> Option<CachePolicy> {
        serde_json::from_slice(&self.policy).ok()
    }

    pub fn set_policy(&mut self, policy: &CachePolicy) {
        self.policy = serde_json::to_vec(policy).unwrap_or_default();
    }
}

pub fn head_key(id: &str) -> String {
    format!("{HEAD_PREFIX}{id}")
}

fn vary_key(primary: &str) -> String {
    format!(
        "{VARY_PREFIX}{}",
        hex::encode(&Sha256::digest(primary.as_bytes())[..16])
    )
}

/// A URL's `Vary` names and when its record may go (Unix ms), so a
/// writer knows when the record must be renewed for a longer-lived head.
#[derive(Debug, Serialize, Deserialize)]
struct VaryRecord {
    vary: Vec<String>,
    until: u64,
}

fn read_vary_record(kv: &impl Kv, primary: &str) -> Option<VaryRecord> {
    let bytes = kv.get(&vary_key(primary)).ok()??;
    serde_json::from_slice(&bytes).ok()
}

/// The `Vary` names last stored for a primary key (none when unknown).
pub fn read_vary(kv: &impl Kv, primary: &str) -> Option<Vec<String>> {
    read_vary_record(kv, primary).map(|record| record.vary)
}

/// Reads entry `id`: `None` for a missing, foreign, cut or partly written
/// entry, or one whose chunks are gone (a purge in between).
pub fn read(kv: &impl Kv, id: &str) -> Option<Stored> {
    let value = kv.get(&head_key(id)).ok()??;
    let (head, policy, rest) = decode_head(&value)?;
    let policy = policy.to_vec();
    let body = match &head.body {
        BodyRef::Inline { length } => {
            if rest.len() as u64 != *length {
                return None;
            }
            rest.to_vec()
        }
        chunked @ BodyRef::Chunked {
            length,
            chunk_bytes,
            ..
        } => {
            let mut body =
                Vec::with_capacity(usize::try_from((*length).min(MAX_PREALLOCATION)).ok()?);
            let keys = chunked.chunk_keys(id);
            let last = keys.len().saturating_sub(1);
            for (i, key) in keys.iter().enumerate() {
                let chunk = kv.get(key).ok()??;
                // Every chunk but the last is full: a chunk of another
                // size can never be assembled into this body.
                if i < last && chunk.len() != *chunk_bytes as usize {
                    return None;
                }
                body.extend_from_slice(&chunk);
            }
            if body.len() as u64 != *length {
                return None;
            }
            body
        }
    };
    Some(Stored {
        id: id.to_owned(),
        head,
        policy,
        body,
    })
}

/// Reads only the head of entry `id` (purges).
pub fn read_head(kv: &impl Kv, id: &str) -> Option<Head> {
    let value = kv.get(&head_key(id)).ok()??;
    decode_head(&value).map(|(head, _, _)| head)
}

/// `MRC3`, head length (u32 BE), head JSON, policy length, policy JSON,
/// the inline body if any.
fn decode_head(value: &[u8]) -> Option<(Head, &[u8], &[u8])> {
    let rest = value.strip_prefix(MAGIC.as_slice())?;
    let (head, rest) = length_prefixed(rest)?;
    let (policy, rest) = length_prefixed(rest)?;
    let head: Head = serde_json::from_slice(head).ok()?;
    // A corrupt or foreign head must not make a reader allocate what it
    // claims: its chunk count has to follow from its length.
    head.body.is_consistent().then_some((head, policy, rest))
}

fn length_prefixed(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = bytes.split_first_chunk::<4>()?;
    let len = u32::from_be_bytes(*len) as usize;
    Some((rest.get(..len)?, rest.get(len..)?))
}

fn encode_head(head: &Head, policy: &[u8], inline: &[u8]) -> Vec<u8> {
    // Owned strings and numbers: serializing cannot fail.
    let json = serde_json::to_vec(head).unwrap_or_default();
    let mut out = Vec::with_capacity(12 + json.len() + policy.len() + inline.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(json.len() as u32).to_be_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&(policy.len() as u32).to_be_bytes());
    out.extend_from_slice(policy);
    out.extend_from_slice(inline);
    out
}

/// Writes entry `id` with `body`; `head.body` is filled in here. Chunks
/// first, then the head, then the URL's `Vary` record if it changed. On
/// any failed write, what was written is removed again and the error
/// returned: the `Vary` record and every other entry stay as they were.
pub fn write(
    kv: &impl Kv,
    config: &CacheConfig,
    id: &str,
    mut head: Head,
    policy: &CachePolicy,
    body: &[u8],
) -> Result<Head, String> {
    let policy = serde_json::to_vec(policy).map_err(|e| e.to_string())?;
    let vary = head
        .policy_vary()
        .map_err(|_| "vary refused after storing checks".to_owned())?;
    let previous = read_head(kv, id);
    let mut written: Vec<String> = Vec::new();
    let result = (|| {
        head.body = BodyRef::Inline {
            length: body.len() as u64,
        };
        let mut value = encode_head(&head, &policy, body);
        if value.len() > config.chunk_bytes {
            head.body = BodyRef::Chunked {
                digest: hex::encode(&Sha256::digest(body)[..16]),
                length: body.len() as u64,
                chunks: body.len().div_ceil(config.chunk_bytes) as u32,
                chunk_bytes: u32::try_from(config.chunk_bytes).map_err(|e| e.to_string())?,
            };
            for (key, chunk) in head
                .body
                .chunk_keys(id)
                .into_iter()
                .zip(body.chunks(config.chunk_bytes))
            {
                kv.set_until(&key, chunk, head.trailing_expiry())?;
                written.push(key);
            }
            value = encode_head(&head, &policy, &[]);
        }
        kv.set_until(&head_key(id), &value, head.expiry())?;
        written.push(head_key(id));
        let until = head.trailing_expiry();
        let current = read_vary_record(kv, &head.primary);
        if current.is_none_or(|record| record.vary != vary || record.until < until.unix_ms) {
            let record = VaryRecord {
                vary,
                until: until.unix_ms,
            };
            kv.set_until(
                &vary_key(&head.primary),
                &serde_json::to_vec(&record).unwrap_or_default(),
                until,
            )?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        for key in written {
            // Chunks and a head nothing reaches; best effort.
            let _ = kv.delete(&key);
        }
        return Err(e);
    }
    if let Some(previous) = previous {
        // The replaced entry's chunks the new one does not use.
        let kept = head.body.chunk_keys(id);
        for key in previous.body.chunk_keys(id) {
            if !kept.contains(&key) {
                let _ = kv.delete(&key);
            }
        }
    }
    Ok(head)
}

/// Rewrites the head of a stored entry (after a 304). The chunks keep
/// their keys and bytes; they are written again only for their new
/// lifetime, before the head that outlives them would.
pub fn rewrite_head(kv: &impl Kv, stored: &Stored) -> Result<(), String> {
    let head = &stored.head;
    let inline: &[u8] = match &head.body {
        BodyRef::Inline { .. } => &stored.body,
        BodyRef::Chunked { chunk_bytes, .. } => {
            for (key, chunk) in head
                .body
                .chunk_keys(&stored.id)
                .into_iter()
                .zip(stored.body.chunks(*chunk_bytes as usize))
            {
                kv.set_until(&key, chunk, head.trailing_expiry())?;
            }
            &[]
        }
    };
    kv.set_until(
        &head_key(&stored.id),
        &encode_head(head, &stored.policy, inline),
        head.expiry(),
    )?;
    if let Some(record) = read_vary_record(kv, &head.primary)
        && record.until < head.trailing_expiry().unix_ms
    {
        let record = VaryRecord {
            until: head.trailing_expiry().unix_ms,
            ..record
        };
        kv.set_until(
            &vary_key(&head.primary),
            &serde_json::to_vec(&record).unwrap_or_default(),
            head.trailing_expiry(),
        )?;
    }
    Ok(())
}

/// Removes entry `id` as read in `head`: the head first (from then on it
/// is a miss), then its chunks.
pub fn remove(kv: &impl Kv, id: &str, head: &Head) -> Result<(), String> {
    kv.delete(&head_key(id))?;
    for key in head.body.chunk_keys(id) {
        kv.delete(&key)?;
    }
    Ok(())
}

impl Head {
    /// The `Vary` names of the stored response.
    pub fn policy_vary(&self) -> Result<Vec<String>, super::key::VaryRefusal> {
        super::key::vary_names(
            self.headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("vary"))
                .map(|(_, v)| v.as_str()),
        )
    }

    pub fn body_length(&self) -> u64 {
        self.body.length()
    }
}
