//! The replay cache: nonces of signed calls, each remembered until its
//! call's timestamp leaves the signature window (after that the signature
//! check refuses the call anyway), in bounded memory.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Mutex;

/// What the cache says of a nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// First seen: remembered now.
    Fresh,
    /// Seen within the window: a replay.
    Replayed,
    /// The cache is full of live nonces: refuse rather than forget one.
    Full,
}

pub struct ReplayCache {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Nonce to the last unix second its call is valid.
    seen: HashMap<String, u64>,
    /// The same entries, soonest expiry first.
    expiry: BinaryHeap<Reverse<(u64, String)>>,
}

impl ReplayCache {
    pub fn new(capacity: usize) -> ReplayCache {
        ReplayCache {
            capacity: capacity.max(1),
            inner: Mutex::default(),
        }
    }

    /// Admits `nonce`, valid until `valid_until` (unix seconds), at `now`.
    pub fn admit(&self, nonce: &str, valid_until: u64, now: u64) -> Admit {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(Reverse((until, _))) = inner.expiry.peek() {
            if *until >= now {
                break;
            }
            if let Some(Reverse((_, old))) = inner.expiry.pop() {
                inner.seen.remove(&old);
            }
        }
        if inner.seen.contains_key(nonce) {
            return Admit::Replayed;
        }
        if inner.seen.len() >= self.capacity {
            return Admit::Full;
        }
        inner.seen.insert(nonce.to_owned(), valid_until);
        inner.expiry.push(Reverse((valid_until, nonce.to_owned())));
        Admit::Fresh
    }

    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .seen
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
    fn a_nonce_is_admitted_once_within_its_window() {
        let c = ReplayCache::new(10);
        assert_eq!(c.admit("a", 160, 100), Admit::Fresh);
        assert_eq!(c.admit("a", 160, 101), Admit::Replayed);
        assert_eq!(c.admit("a", 160, 160), Admit::Replayed, "still valid");
        // Past its window the entry is gone (the signature check refuses
        // such a call as expired).
        assert_eq!(c.admit("b", 300, 161), Admit::Fresh);
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn the_cache_is_bounded_and_refuses_rather_than_forgets() {
        let c = ReplayCache::new(2);
        assert_eq!(c.admit("a", 160, 100), Admit::Fresh);
        assert_eq!(c.admit("b", 170, 100), Admit::Fresh);
        assert_eq!(c.admit("c", 170, 100), Admit::Full);
        assert_eq!(c.admit("a", 160, 100), Admit::Replayed);
        // Once "a" expires there is room again.
        assert_eq!(c.admit("c", 230, 165), Admit::Fresh);
        assert_eq!(c.len(), 2);
    }
}
