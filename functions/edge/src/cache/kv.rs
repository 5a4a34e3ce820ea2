//! The key-value store the cache lives in: Spin's in components, a map in
//! tests and benchmarks.

use std::cell::RefCell;
use std::collections::BTreeMap;

/// What the cache needs of a key-value store. Every call is one atomic
/// operation of the store; the cache never relies on two being atomic
/// together (see [`super::store`] for how entries stay whole).
pub trait Kv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String>;
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String>;
    fn delete(&self, key: &str) -> Result<(), String>;
    /// Every key in the store (Spin's `get-keys`); only purges list keys.
    fn keys(&self) -> Result<Vec<String>, String>;
}

/// An in-memory store with an optional value-size limit, as real stores
/// have one.
#[derive(Debug, Default)]
pub struct MemoryKv {
    pub map: RefCell<BTreeMap<String, Vec<u8>>>,
    /// Largest value accepted, in bytes; `None` is unlimited.
    pub max_value: Option<usize>,
    /// Refuse every write (a full or read-only store).
    pub fail_writes: bool,
}

impl MemoryKv {
    pub fn with_max_value(max_value: usize) -> MemoryKv {
        MemoryKv {
            max_value: Some(max_value),
            ..MemoryKv::default()
        }
    }

    pub fn len(&self) -> usize {
        self.map.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.borrow().is_empty()
    }
}

impl Kv for MemoryKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(self.map.borrow().get(key).cloned())
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        if self.fail_writes {
            return Err("store is read-only".into());
        }
        if self.max_value.is_some_and(|max| value.len() > max) {
            return Err(format!("value of {} bytes is over the limit", value.len()));
        }
        self.map.borrow_mut().insert(key.to_owned(), value.to_vec());
        Ok(())
    }
    fn delete(&self, key: &str) -> Result<(), String> {
        self.map.borrow_mut().remove(key);
        Ok(())
    }
    fn keys(&self) -> Result<Vec<String>, String> {
        Ok(self.map.borrow().keys().cloned().collect())
    }
}
