//! The edge HTTP cache, shared by every route: RFC 9111 semantics (through
//! `http-cache-semantics`) over the host's key-value store.
//!
//! Modules follow a lookup: [`key`] says which entry a request may use
//! (never keyed by personal data), [`store`] reads and writes entries whole
//! or not at all (large bodies in chunks), [`flow`] decides between hit,
//! stale and miss and revalidates, [`tags`] indexes surrogate keys for
//! [`purge`], and [`status`] says what happened in `Cache-Status` (RFC 9211).

pub mod conditional;
pub mod config;
pub mod directives;
pub mod flow;
pub mod key;
pub mod kv;
pub mod purge;
pub mod status;
pub mod store;
pub mod tags;

pub use config::CacheConfig;
pub use flow::{Clock, Fetched, Outcome, Revalidation, serve};
pub use key::CacheRequest;
pub use kv::{Kv, MemoryKv};

use sha2::{Digest, Sha256};

/// `Cache-Status` (RFC 9211) cache name.
pub const CACHE_NAME: &str = "meridian-edge";

/// A strong validator from the bytes themselves.
pub fn etag_of(body: &[u8]) -> String {
    format!("\"{}\"", hex::encode(&Sha256::digest(body)[..16]))
}

/// Whether `If-None-Match` matches `etag` (weak comparison, RFC 9110 13.1.2).
pub fn none_match(if_none_match: &str, etag: &str) -> bool {
    conditional::none_match(if_none_match, Some(etag))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
