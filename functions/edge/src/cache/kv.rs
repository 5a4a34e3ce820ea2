//! The key-value stores the cache lives in: Spin's in components, maps in
//! tests and benchmarks.
//!
//! The cache uses two: its entries in an evicting store (label `cache`,
//! where the backend enforces a byte budget, like Redis `maxmemory` with
//! `allkeys-lru`) and the records that must never be evicted (purge
//! records, webhook replay records) in [`Kv::durable`] (label `default`).
//! Any entry key may vanish at any moment: a missing head or chunk is a
//! miss, never wrong bytes.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// The moment a key may go (Unix milliseconds): a store with expiry
/// (Redis `PXAT`) deletes it then, so entries nobody reads again do not
/// pile up; a store without keeps it until evicted or deleted. Readers
/// never rely on it: every entry carries its own lifetimes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expiry {
    pub unix_ms: u64,
}

impl Expiry {
    /// The end of Unix second `unix_s`: a key usable through that second.
    pub fn after_second(unix_s: u64) -> Expiry {
        Expiry {
            unix_ms: unix_s.saturating_add(1).saturating_mul(1000),
        }
    }

    pub fn later_by_ms(self, ms: u64) -> Expiry {
        Expiry {
            unix_ms: self.unix_ms.saturating_add(ms),
        }
    }
}

/// What the cache needs of a key-value store. Every call is one atomic
/// operation of the store; the cache never relies on two being atomic
/// together (see [`super::store`] for how entries stay whole).
pub trait Kv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String>;
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String>;
    fn delete(&self, key: &str) -> Result<(), String>;
    /// Several keys at once (`wasi:keyvalue/batch` get-many), in order.
    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, String> {
        keys.iter().map(|k| self.get(k)).collect()
    }
    /// Sets `key` to `value` only if it holds `expected` now (`None`:
    /// absent), atomically (`wasi:keyvalue/atomics` compare-and-swap).
    /// `false` when it held something else.
    fn swap_if(&self, key: &str, expected: Option<&[u8]>, value: &[u8]) -> Result<bool, String>;
    /// [`Kv::set`], the key to go at `until` where the store can expire
    /// keys (Spin's key-value interfaces cannot; see [`Expiry`]).
    fn set_until(&self, key: &str, value: &[u8], until: Expiry) -> Result<(), String> {
        let _ = until;
        self.set(key, value)
    }
    /// [`Kv::swap_if`] with [`Kv::set_until`]'s lifetime.
    fn swap_if_until(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
        until: Expiry,
    ) -> Result<bool, String> {
        let _ = until;
        self.swap_if(key, expected, value)
    }
    /// The store for what must never be evicted (purge and replay records).
    fn durable(&self) -> &dyn Kv;
    /// Waits before reading again (a miss waiting on another request's
    /// fill). Stores where nothing else can run meanwhile return at once.
    fn pause(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// Entries in one store, durable records in another.
#[derive(Debug, Default)]
pub struct Split<E, D> {
    pub entries: E,
    pub durable: D,
}

impl<E: Kv, D: Kv> Kv for Split<E, D> {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.entries.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        self.entries.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), String> {
        self.entries.delete(key)
    }
    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, String> {
        self.entries.get_many(keys)
    }
    fn swap_if(&self, key: &str, expected: Option<&[u8]>, value: &[u8]) -> Result<bool, String> {
        self.entries.swap_if(key, expected, value)
    }
    fn set_until(&self, key: &str, value: &[u8], until: Expiry) -> Result<(), String> {
        self.entries.set_until(key, value, until)
    }
    fn swap_if_until(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
        until: Expiry,
    ) -> Result<bool, String> {
        self.entries.swap_if_until(key, expected, value, until)
    }
    fn durable(&self) -> &dyn Kv {
        &self.durable
    }
    fn pause(&self, duration: Duration) {
        self.entries.pause(duration);
    }
}

/// An in-memory store with an optional value-size limit, as real stores
/// have one, and an optional byte budget with least-recently-used
/// eviction, as the host's `cache` store has.
#[derive(Debug, Default)]
pub struct MemoryKv {
    pub map: RefCell<BTreeMap<String, Vec<u8>>>,
    /// Largest value accepted, in bytes; `None` is unlimited.
    pub max_value: Option<usize>,
    /// Refuse every write (a full or read-only store).
    pub fail_writes: bool,
    /// Most bytes (keys plus values) held; beyond it the least recently
    /// used keys are evicted. `None` is unlimited.
    pub budget: Option<usize>,
    /// Recency bookkeeping for the budget (public so tests can build a
    /// `MemoryKv { .. }` from outside this module).
    pub lru: RefCell<Lru>,
    /// Most bytes ever held (tests check the budget held throughout).
    pub peak_bytes: Cell<usize>,
    /// Keys written with a lifetime and when they go, as Redis keeps them.
    pub expiries: RefCell<HashMap<String, Expiry>>,
}

#[derive(Debug, Default)]
pub struct Lru {
    tick: u64,
    by_key: HashMap<String, u64>,
    by_tick: BTreeMap<u64, String>,
    bytes: usize,
}

impl Lru {
    fn touch(&mut self, key: &str) {
        self.tick += 1;
        if let Some(old) = self.by_key.insert(key.to_owned(), self.tick) {
            self.by_tick.remove(&old);
        }
        self.by_tick.insert(self.tick, key.to_owned());
    }
    fn forget(&mut self, key: &str) {
        if let Some(old) = self.by_key.remove(key) {
            self.by_tick.remove(&old);
        }
    }
}

impl MemoryKv {
    pub fn with_max_value(max_value: usize) -> MemoryKv {
        MemoryKv {
            max_value: Some(max_value),
            ..MemoryKv::default()
        }
    }

    pub fn with_budget(budget: usize) -> MemoryKv {
        MemoryKv {
            budget: Some(budget),
            ..MemoryKv::default()
        }
    }

    pub fn len(&self) -> usize {
        self.map.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.borrow().is_empty()
    }

    /// Every key (tests; the cache never lists a store).
    pub fn keys(&self) -> Vec<String> {
        self.map.borrow().keys().cloned().collect()
    }

    /// Bytes held: keys plus values.
    pub fn bytes(&self) -> usize {
        self.map
            .borrow()
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum()
    }

    /// The lifetime `key` was last written with; `None` for keys kept
    /// until deleted.
    pub fn expiry(&self, key: &str) -> Option<Expiry> {
        self.expiries.borrow().get(key).copied()
    }

    /// Lets the store's clock reach `unix_ms`: keys whose lifetime has
    /// ended go, as Redis removes them.
    pub fn advance_to(&self, unix_ms: u64) {
        let gone: Vec<String> = self
            .expiries
            .borrow()
            .iter()
            .filter(|(_, until)| until.unix_ms <= unix_ms)
            .map(|(key, _)| key.clone())
            .collect();
        for key in gone {
            let _ = self.delete(&key);
        }
    }

    fn insert_until(&self, key: &str, value: &[u8], until: Option<Expiry>) -> Result<(), String> {
        self.insert(key, value)?;
        let mut expiries = self.expiries.borrow_mut();
        match until {
            Some(until) => expiries.insert(key.to_owned(), until),
            // A write without a lifetime keeps the key, as Redis `SET` does.
            None => expiries.remove(key),
        };
        Ok(())
    }

    fn insert(&self, key: &str, value: &[u8]) -> Result<(), String> {
        if self.fail_writes {
            return Err("store is read-only".into());
        }
        if self.max_value.is_some_and(|max| value.len() > max) {
            return Err(format!("value of {} bytes is over the limit", value.len()));
        }
        let mut map = self.map.borrow_mut();
        let mut lru = self.lru.borrow_mut();
        let size = key.len() + value.len();
        if let Some(budget) = self.budget {
            if size > budget {
                return Err(format!("{size} bytes is over the store's budget"));
            }
            if let Some(old) = map.remove(key) {
                lru.bytes -= key.len() + old.len();
                lru.forget(key);
            }
            while lru.bytes + size > budget {
                let Some((_, victim)) = lru.by_tick.pop_first() else {
                    break;
                };
                lru.by_key.remove(&victim);
                self.expiries.borrow_mut().remove(&victim);
                if let Some(old) = map.remove(&victim) {
                    lru.bytes -= victim.len() + old.len();
                }
            }
            lru.bytes += size;
            lru.touch(key);
            self.peak_bytes.set(self.peak_bytes.get().max(lru.bytes));
        }
        map.insert(key.to_owned(), value.to_vec());
        Ok(())
    }
}

impl Kv for MemoryKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        let value = self.map.borrow().get(key).cloned();
        if value.is_some() && self.budget.is_some() {
            self.lru.borrow_mut().touch(key);
        }
        Ok(value)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        self.insert_until(key, value, None)
    }
    fn set_until(&self, key: &str, value: &[u8], until: Expiry) -> Result<(), String> {
        self.insert_until(key, value, Some(until))
    }
    fn delete(&self, key: &str) -> Result<(), String> {
        self.expiries.borrow_mut().remove(key);
        if let Some(old) = self.map.borrow_mut().remove(key)
            && self.budget.is_some()
        {
            let mut lru = self.lru.borrow_mut();
            lru.bytes -= key.len() + old.len();
            lru.forget(key);
        }
        Ok(())
    }
    fn swap_if(&self, key: &str, expected: Option<&[u8]>, value: &[u8]) -> Result<bool, String> {
        if self.map.borrow().get(key).map(Vec::as_slice) != expected {
            return Ok(false);
        }
        self.insert_until(key, value, None)?;
        Ok(true)
    }
    fn swap_if_until(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
        until: Expiry,
    ) -> Result<bool, String> {
        if self.map.borrow().get(key).map(Vec::as_slice) != expected {
            return Ok(false);
        }
        self.insert_until(key, value, Some(until))?;
        Ok(true)
    }
    fn durable(&self) -> &dyn Kv {
        self
    }
    /// One thread and no other writer: nothing changes while it waits.
    fn pause(&self, _duration: Duration) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_holds_by_evicting_the_least_recently_used() {
        let kv = MemoryKv::with_budget(100);
        kv.set("a", &[0; 39]).expect("a");
        kv.set("b", &[0; 39]).expect("b");
        kv.get("a").expect("touch a");
        kv.set("c", &[0; 39]).expect("c evicts b");
        assert_eq!(kv.keys(), ["a", "c"]);
        assert!(kv.bytes() <= 100 && kv.peak_bytes.get() <= 100);
        kv.set("c", &[0; 9]).expect("smaller");
        kv.delete("a").expect("delete");
        assert_eq!(kv.bytes(), 10);
        assert!(kv.set("big", &[0; 200]).is_err());
    }

    #[test]
    fn keys_with_a_lifetime_go_when_it_ends_and_a_plain_set_keeps_them() {
        let kv = MemoryKv::default();
        kv.set_until("a", b"1", Expiry { unix_ms: 2_000 })
            .expect("a");
        kv.set_until("b", b"1", Expiry { unix_ms: 5_000 })
            .expect("b");
        kv.set_until("c", b"1", Expiry { unix_ms: 2_000 })
            .expect("c");
        kv.set("c", b"2").expect("c kept");
        assert!(
            kv.swap_if_until("d", None, b"1", Expiry { unix_ms: 1_000 })
                .expect("d")
        );
        assert_eq!(kv.expiry("b"), Some(Expiry { unix_ms: 5_000 }));
        assert_eq!(kv.expiry("c"), None);
        kv.advance_to(1_999);
        assert_eq!(kv.keys(), ["a", "b", "c"]);
        kv.advance_to(2_000);
        assert_eq!(kv.keys(), ["b", "c"]);
        assert_eq!(Expiry::after_second(7), Expiry { unix_ms: 8_000 });
    }

    #[test]
    fn swap_if_compares_then_sets() {
        let kv = MemoryKv::default();
        assert!(kv.swap_if("k", None, b"1").expect("absent"));
        assert!(!kv.swap_if("k", None, b"2").expect("present"));
        assert!(kv.swap_if("k", Some(b"1"), b"2").expect("same"));
        assert_eq!(kv.get("k").expect("get").as_deref(), Some(&b"2"[..]));
    }
}
