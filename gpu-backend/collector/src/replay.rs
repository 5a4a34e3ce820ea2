//! Nonces of signed calls, each kept until its call's timestamp leaves the
//! signature window (the signature check refuses it after that anyway), in
//! bounded memory.
//!
//! The backend has the same cache privately (`gpu-backend/src/replay.rs`);
//! depending on that crate would pull in wgpu and onnxruntime, so this is a
//! small equivalent until a shared one lives beside the signing code in
//! `meridian-wit` (it needs only std).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Mutex;

/// What the cache says of a nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    Fresh,
    Replayed,
    /// Full of live nonces: the call is refused rather than one forgotten.
    Full,
}

pub struct ReplayCache {
    capacity: usize,
    inner: Mutex<Nonces>,
}

#[derive(Default)]
struct Nonces {
    /// Nonce to the last unix second its call is valid.
    live: HashMap<String, u64>,
    /// The same, soonest expiry on top.
    by_expiry: BinaryHeap<Reverse<(u64, String)>>,
}

impl ReplayCache {
    pub fn new(capacity: usize) -> ReplayCache {
        ReplayCache {
            capacity: capacity.max(1),
            inner: Mutex::default(),
        }
    }

    /// Admits `nonce`, valid until `valid_until`, at `now` (unix seconds).
    pub fn admit(&self, nonce: &str, valid_until: u64, now: u64) -> Admit {
        let mut n = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        while n.by_expiry.peek().is_some_and(|Reverse((t, _))| *t < now) {
            if let Some(Reverse((_, old))) = n.by_expiry.pop() {
                n.live.remove(&old);
            }
        }
        if n.live.contains_key(nonce) {
            return Admit::Replayed;
        }
        if n.live.len() >= self.capacity {
            return Admit::Full;
        }
        n.live.insert(nonce.to_owned(), valid_until);
        n.by_expiry.push(Reverse((valid_until, nonce.to_owned())));
        Admit::Fresh
    }

    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .live
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_per_window_then_forgotten() {
        let c = ReplayCache::new(10);
        assert_eq!(c.admit("a", 160, 100), Admit::Fresh);
        assert_eq!(c.admit("a", 160, 160), Admit::Replayed);
        assert_eq!(c.admit("b", 300, 161), Admit::Fresh);
        assert_eq!(c.len(), 1, "a expired");
        assert_eq!(c.admit("a", 221, 161), Admit::Fresh);
    }

    #[test]
    fn full_refuses_until_something_expires() {
        let c = ReplayCache::new(2);
        assert_eq!(c.admit("a", 160, 100), Admit::Fresh);
        assert_eq!(c.admit("b", 170, 100), Admit::Fresh);
        assert_eq!(c.admit("c", 170, 100), Admit::Full);
        assert_eq!(c.admit("b", 170, 100), Admit::Replayed);
        assert_eq!(c.admit("c", 230, 165), Admit::Fresh);
    }
}
