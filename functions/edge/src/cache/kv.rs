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
        self.insert(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), String> {
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
        self.insert(key, value)?;
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
    fn swap_if_compares_then_sets() {
        let kv = MemoryKv::default();
        assert!(kv.swap_if("k", None, b"1").expect("absent"));
        assert!(!kv.swap_if("k", None, b"2").expect("present"));
        assert!(kv.swap_if("k", Some(b"1"), b"2").expect("same"));
        assert_eq!(kv.get("k").expect("get").as_deref(), Some(&b"2"[..]));
    }
}
