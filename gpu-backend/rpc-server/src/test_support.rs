//! Signing calls in the servers' tests as the edge does: every header of
//! the binding, with a nonce of its own per call. Behind the
//! `test-support` feature, which only dev-dependencies turn on.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use meridian_wit::rpc::{Signed, Signer};

pub type Headers = Vec<(&'static str, String)>;

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A nonce no other call of this process uses.
pub fn nonce() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("t{nanos:x}n{:x}", N.fetch_add(1, Ordering::Relaxed))
}

/// What a call signs.
pub struct Sign<'a> {
    pub key: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub content_type: &'a str,
    pub region: &'a str,
    pub timestamp: u64,
}

impl Sign<'_> {
    /// The headers of this call with `body`, under a fresh nonce.
    pub fn headers(&self, body: &[u8]) -> Headers {
        let nonce = nonce();
        Signer::new(self.key).headers(&Signed {
            method: self.method,
            path: self.path,
            query: self.query,
            content_type: self.content_type,
            region: self.region,
            timestamp: self.timestamp,
            nonce: &nonce,
            body,
        })
    }
}

/// The headers of `POST route` with `body`, signed under `key` at `ts`.
pub fn headers_at(
    key: &str,
    route: &str,
    content_type: &str,
    region: &str,
    ts: u64,
    body: &[u8],
) -> Headers {
    Sign {
        key,
        method: "POST",
        path: route,
        query: "",
        content_type,
        region,
        timestamp: ts,
    }
    .headers(body)
}

/// [`headers_at`] now.
pub fn headers(key: &str, route: &str, content_type: &str, region: &str, body: &[u8]) -> Headers {
    headers_at(key, route, content_type, region, now(), body)
}
