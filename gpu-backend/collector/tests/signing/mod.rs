//! Signing calls in the tests as the edge does: every header of the
//! binding, with a nonce of its own per call.

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
