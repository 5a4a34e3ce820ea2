//! Signing calls in the tests as the edge does: every header of the
//! binding, with a nonce of its own per call.
// Each test file uses a part of this module.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use meridian_wit::rpc::{Signed, Signer};

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

/// The headers of `POST route` with `body`, signed under `key` at `ts`.
pub fn headers_at(
    key: &str,
    route: &str,
    content_type: &str,
    region: &str,
    ts: u64,
    body: &[u8],
) -> Vec<(&'static str, String)> {
    let nonce = nonce();
    Signer::new(key).headers(&Signed {
        method: "POST",
        path: route,
        query: "",
        content_type,
        region,
        timestamp: ts,
        nonce: &nonce,
        body,
    })
}

/// [`headers_at`] now.
pub fn headers(
    key: &str,
    route: &str,
    content_type: &str,
    region: &str,
    body: &[u8],
) -> Vec<(&'static str, String)> {
    headers_at(key, route, content_type, region, now(), body)
}
