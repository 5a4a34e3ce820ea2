//! Persistent key-value stores (one redb table per store label) under the state dir.
//!
//! A label may have a byte budget (key + value bytes): a write that would take
//! it over evicts that label's least-recently-used keys in the same
//! transaction (Redis's `allkeys-lru`), so the store never exceeds it. Recency
//! lives in memory only and is rebuilt at open by scanning the label's table;
//! the data stays in redb.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use redb::{Database, ReadableDatabase, ReadableTable, Table, TableDefinition, TableError};

/// What a key-value operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum KvError {
    #[error("value of {size} bytes for {key:?} exceeds the store's limit of {limit} bytes")]
    ValueTooLarge {
        key: String,
        size: usize,
        limit: usize,
    },
    #[error("{size} bytes for store {label:?} exceed its budget of {budget} bytes")]
    OverBudget {
        label: String,
        size: u64,
        budget: u64,
    },
    #[error("value is not an integer")]
    NotAnInteger,
    #[error("integer overflow")]
    Overflow,
    #[error("opening key-value database {path}: {source}")]
    Open {
        path: String,
        source: redb::DatabaseError,
    },
    #[error("creating state directory {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("key-value storage: {0}")]
    Storage(String),
}

macro_rules! storage_from {
    ($($t:ty),*) => {$(
        impl From<$t> for KvError {
            fn from(e: $t) -> Self {
                KvError::Storage(e.to_string())
            }
        }
    )*};
}
storage_from!(
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

pub type KvResult<T> = Result<T, KvError>;

/// Called inside every write transaction, just before it commits: a fault
/// injection point for tests (a deliberately slow or blocked write path).
#[derive(Clone)]
pub struct WriteHook(pub Arc<dyn Fn(&str) + Send + Sync>);

impl std::fmt::Debug for WriteHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteHook")
    }
}

/// How the stores are opened.
#[derive(Debug, Clone, Default)]
pub struct KvOptions {
    /// Largest value accepted; real stores cap values too.
    pub max_value: Option<usize>,
    /// Byte budgets by label; a label not listed is unbudgeted.
    pub budgets: Vec<(String, u64)>,
    pub write_hook: Option<WriteHook>,
}

/// All key-value stores of the application, in one redb file.
#[derive(Clone)]
pub struct KvDb {
    inner: Arc<Inner>,
}

struct Inner {
    db: Database,
    max_value: usize,
    /// Budgeted labels' recency and sizes.
    lru: HashMap<String, Mutex<Lru>>,
    /// Held across a whole write (plan, transaction, index update), so the
    /// index always matches what was committed. Readers never take it.
    writer: Mutex<()>,
    write_hook: Option<WriteHook>,
}

fn table_name(label: &str) -> String {
    format!("kv:{label}")
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The bytes an entry counts against its label's budget.
fn entry_size(key: &str, value_len: usize) -> u64 {
    (key.len() + value_len) as u64
}

/// One change a write makes: the key's new size, or `None` when removed.
type Change = (String, Option<u64>);

/// Recency and sizes of one budgeted label.
#[derive(Debug)]
struct Lru {
    budget: u64,
    used: u64,
    next_tick: u64,
    entries: HashMap<Arc<str>, (u64, u64)>,
    order: BTreeMap<u64, Arc<str>>,
}

impl Lru {
    fn new(budget: u64) -> Self {
        Self {
            budget,
            used: 0,
            next_tick: 0,
            entries: HashMap::new(),
            order: BTreeMap::new(),
        }
    }

    fn tick(&mut self) -> u64 {
        self.next_tick += 1;
        self.next_tick
    }

    fn touch(&mut self, key: &str) {
        let tick = self.tick();
        if let Some((k, (_, t))) = self
            .entries
            .get_key_value(key)
            .map(|(k, v)| (k.clone(), *v))
        {
            self.order.remove(&t);
            self.order.insert(tick, k);
            if let Some(e) = self.entries.get_mut(key) {
                e.1 = tick;
            }
        }
    }

    fn remove(&mut self, key: &str) {
        if let Some((size, tick)) = self.entries.remove(key) {
            self.order.remove(&tick);
            self.used -= size;
        }
    }

    fn put(&mut self, key: &str, size: u64) {
        self.remove(key);
        let tick = self.tick();
        let key: Arc<str> = Arc::from(key);
        self.entries.insert(key.clone(), (size, tick));
        self.order.insert(tick, key);
        self.used += size;
    }

    /// Keys to evict, oldest first, so that `changes` fit the budget. The keys a
    /// write touches are never its own victims; an entry larger than the whole
    /// budget, or a batch that cannot fit, is refused.
    fn plan(&self, label: &str, changes: &[Change]) -> KvResult<Vec<Arc<str>>> {
        // A batch may name a key twice; the last change wins, as in redb.
        let mut last: HashMap<&str, Option<u64>> = HashMap::new();
        for (key, size) in changes {
            if let Some(size) = size
                && *size > self.budget
            {
                return Err(KvError::OverBudget {
                    label: label.to_owned(),
                    size: *size,
                    budget: self.budget,
                });
            }
            last.insert(key.as_str(), *size);
        }
        let mut projected = self.used;
        for (key, size) in &last {
            if let Some((old, _)) = self.entries.get(*key) {
                projected -= old;
            }
            projected += size.unwrap_or(0);
        }
        let mut victims = Vec::new();
        if projected <= self.budget {
            return Ok(victims);
        }
        for key in self.order.values() {
            if last.contains_key(&**key) {
                continue;
            }
            if let Some((size, _)) = self.entries.get(key) {
                projected -= size;
                victims.push(key.clone());
                if projected <= self.budget {
                    return Ok(victims);
                }
            }
        }
        Err(KvError::OverBudget {
            label: label.to_owned(),
            size: projected,
            budget: self.budget,
        })
    }
}

type KvTable<'a> = Table<'a, &'static str, &'static [u8]>;

impl KvDb {
    /// Open without budgets or a value cap.
    pub fn open(path: &Path) -> KvResult<Self> {
        Self::open_with(path, &KvOptions::default())
    }

    pub fn open_with(path: &Path, options: &KvOptions) -> KvResult<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| KvError::CreateDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        // Another host (or a previous one in the same process that is still shutting
        // down) may hold the file for a moment; retry briefly.
        let mut attempts = 0;
        let db = loop {
            match Database::create(path) {
                Ok(db) => break db,
                Err(redb::DatabaseError::DatabaseAlreadyOpen) if attempts < 50 => {
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(source) => {
                    return Err(KvError::Open {
                        path: path.display().to_string(),
                        source,
                    });
                }
            }
        };
        let mut lru = HashMap::new();
        for (label, budget) in &options.budgets {
            lru.insert(label.clone(), Mutex::new(scan(&db, label, *budget)?));
        }
        let kv = Self {
            inner: Arc::new(Inner {
                db,
                max_value: options.max_value.unwrap_or(usize::MAX),
                lru,
                writer: Mutex::new(()),
                write_hook: options.write_hook.clone(),
            }),
        };
        // A budget lowered since the last run: evict down to it now.
        for (label, _) in &options.budgets {
            kv.write(label, |_| Ok(((), Vec::new(), true)))?;
        }
        Ok(kv)
    }

    /// Bytes a budgeted label holds now (`None` when unbudgeted).
    pub fn used_bytes(&self, label: &str) -> Option<u64> {
        self.inner.lru.get(label).map(|l| lock(l).used)
    }

    fn touch(&self, label: &str, key: &str) {
        if let Some(l) = self.inner.lru.get(label) {
            lock(l).touch(key);
        }
    }

    pub fn get(&self, label: &str, key: &str) -> KvResult<Option<Vec<u8>>> {
        let name = table_name(label);
        let def: TableDefinition<&str, &[u8]> = TableDefinition::new(&name);
        let tx = self.inner.db.begin_read()?;
        let table = match tx.open_table(def) {
            Ok(t) => t,
            Err(TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let value = table.get(key)?.map(|v| v.value().to_vec());
        if value.is_some() {
            self.touch(label, key);
        }
        Ok(value)
    }

    pub fn exists(&self, label: &str, key: &str) -> KvResult<bool> {
        let name = table_name(label);
        let def: TableDefinition<&str, &[u8]> = TableDefinition::new(&name);
        let tx = self.inner.db.begin_read()?;
        let table = match tx.open_table(def) {
            Ok(t) => t,
            Err(TableError::TableDoesNotExist(_)) => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        Ok(table.get(key)?.is_some())
    }

    /// One write transaction on `label`: `op` makes its changes and says what it
    /// changed and whether to commit; evictions for the budget join the same
    /// transaction, so each call stays atomic.
    fn write<R>(
        &self,
        label: &str,
        op: impl FnOnce(&mut KvTable<'_>) -> KvResult<(R, Vec<Change>, bool)>,
    ) -> KvResult<R> {
        let _writer = lock(&self.inner.writer);
        let name = table_name(label);
        let def: TableDefinition<&str, &[u8]> = TableDefinition::new(&name);
        let tx = self.inner.db.begin_write()?;
        let lru = self.inner.lru.get(label);
        let (result, changes, victims) = {
            let mut table = tx.open_table(def)?;
            let (result, changes, commit) = op(&mut table)?;
            if !commit {
                drop(table);
                tx.abort()?;
                return Ok(result);
            }
            let victims = match lru {
                Some(l) => lock(l).plan(label, &changes)?,
                None => Vec::new(),
            };
            for key in &victims {
                table.remove(&**key)?;
            }
            (result, changes, victims)
        };
        if let Some(hook) = &self.inner.write_hook {
            (hook.0)(label);
        }
        tx.commit()?;
        if let Some(l) = lru {
            let mut l = lock(l);
            for key in &victims {
                l.remove(key);
            }
            for (key, size) in &changes {
                match size {
                    Some(size) => l.put(key, *size),
                    None => l.remove(key),
                }
            }
            if !victims.is_empty() {
                tracing::debug!(
                    label,
                    evicted = victims.len(),
                    used = l.used,
                    "key-value budget: evicted least recently used keys"
                );
            }
        }
        Ok(result)
    }

    pub fn set_many(&self, label: &str, pairs: &[(&str, &[u8])]) -> KvResult<()> {
        if let Some((key, value)) = pairs.iter().find(|(_, v)| v.len() > self.inner.max_value) {
            return Err(KvError::ValueTooLarge {
                key: (*key).to_owned(),
                size: value.len(),
                limit: self.inner.max_value,
            });
        }
        self.write(label, |table| {
            let mut changes = Vec::with_capacity(pairs.len());
            for (k, v) in pairs {
                table.insert(*k, *v)?;
                changes.push(((*k).to_owned(), Some(entry_size(k, v.len()))));
            }
            Ok(((), changes, true))
        })
    }

    pub fn set(&self, label: &str, key: &str, value: &[u8]) -> KvResult<()> {
        self.set_many(label, &[(key, value)])
    }

    pub fn delete_many(&self, label: &str, keys: &[&str]) -> KvResult<()> {
        self.write(label, |table| {
            let mut changes = Vec::with_capacity(keys.len());
            for k in keys {
                table.remove(*k)?;
                changes.push(((*k).to_owned(), None));
            }
            Ok(((), changes, true))
        })
    }

    pub fn delete(&self, label: &str, key: &str) -> KvResult<()> {
        self.delete_many(label, &[key])
    }

    pub fn keys(&self, label: &str) -> KvResult<Vec<String>> {
        let name = table_name(label);
        let def: TableDefinition<&str, &[u8]> = TableDefinition::new(&name);
        let tx = self.inner.db.begin_read()?;
        let table = match tx.open_table(def) {
            Ok(t) => t,
            Err(TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (k, _) = entry?;
            out.push(k.value().to_owned());
        }
        Ok(out)
    }

    /// Atomically add `delta` to an i64 stored as decimal text (missing = 0).
    pub fn increment(&self, label: &str, key: &str, delta: i64) -> KvResult<i64> {
        self.write(label, |table| {
            let current = match table.get(key)? {
                Some(v) => std::str::from_utf8(v.value())
                    .ok()
                    .and_then(|s| s.trim().parse::<i64>().ok())
                    .ok_or(KvError::NotAnInteger)?,
                None => 0,
            };
            let new = current.checked_add(delta).ok_or(KvError::Overflow)?;
            let text = new.to_string();
            table.insert(key, text.as_bytes())?;
            Ok((
                new,
                vec![(key.to_owned(), Some(entry_size(key, text.len())))],
                true,
            ))
        })
    }

    /// Compare-and-swap: set `value` only if the current value equals `expected`.
    pub fn swap_if(
        &self,
        label: &str,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
    ) -> KvResult<bool> {
        if value.len() > self.inner.max_value {
            return Err(KvError::ValueTooLarge {
                key: key.to_owned(),
                size: value.len(),
                limit: self.inner.max_value,
            });
        }
        self.write(label, |table| {
            let same = {
                let current = table.get(key)?;
                current.as_ref().map(|v| v.value()) == expected
            };
            if !same {
                return Ok((false, Vec::new(), false));
            }
            table.insert(key, value)?;
            Ok((
                true,
                vec![(key.to_owned(), Some(entry_size(key, value.len())))],
                true,
            ))
        })
    }
}

/// Rebuild a budgeted label's index from its table. Recency is not persisted,
/// so after a restart the table's key order stands in for it.
fn scan(db: &Database, label: &str, budget: u64) -> KvResult<Lru> {
    let mut lru = Lru::new(budget);
    let name = table_name(label);
    let def: TableDefinition<&str, &[u8]> = TableDefinition::new(&name);
    let tx = db.begin_read()?;
    let table = match tx.open_table(def) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok(lru),
        Err(e) => return Err(e.into()),
    };
    for entry in table.iter()? {
        let (k, v) = entry?;
        let key = k.value();
        lru.put(key, entry_size(key, v.value().len()));
    }
    Ok(lru)
}

/// A byte size as operators write it: `1048576`, `512KiB`, `256MiB`, `1GiB`
/// (also `KB`/`MB`/`GB`, powers of 1000).
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" | "k" => 1 << 10,
        "mib" | "m" => 1 << 20,
        "gib" | "g" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => return None,
    };
    n.checked_mul(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "meridian-host-kv-{}-{name}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        dir.join("kv.redb")
    }

    fn cleanup(path: &Path) {
        if let Some(dir) = path.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    #[test]
    fn set_get_delete_persist() -> KvResult<()> {
        let path = temp_path("basic");
        {
            let kv = KvDb::open(&path)?;
            assert_eq!(kv.get("default", "a")?, None);
            assert!(!kv.exists("default", "a")?);
            kv.set("default", "a", b"1")?;
            kv.set("default", "b", b"2")?;
            kv.set("other", "a", b"x")?;
            assert_eq!(kv.get("default", "a")?.as_deref(), Some(&b"1"[..]));
            assert_eq!(kv.keys("default")?, vec!["a", "b"]);
            kv.delete("default", "b")?;
            assert_eq!(kv.keys("default")?, vec!["a"]);
        }
        let kv = KvDb::open(&path)?;
        assert_eq!(kv.get("default", "a")?.as_deref(), Some(&b"1"[..]));
        assert_eq!(kv.get("other", "a")?.as_deref(), Some(&b"x"[..]));
        assert_eq!(kv.increment("default", "n", 5)?, 5);
        assert_eq!(kv.increment("default", "n", -2)?, 3);
        assert!(kv.swap_if("default", "n", Some(b"3"), b"10")?);
        assert!(!kv.swap_if("default", "n", Some(b"3"), b"11")?);
        assert_eq!(kv.get("default", "n")?.as_deref(), Some(&b"10"[..]));
        cleanup(&path);
        Ok(())
    }

    /// Bytes a label really holds, read back from redb (not the index).
    fn stored_bytes(kv: &KvDb, label: &str) -> KvResult<u64> {
        let mut total = 0;
        for k in kv.keys(label)? {
            let v = kv.get(label, &k)?.map(|v| v.len()).unwrap_or(0);
            total += entry_size(&k, v);
        }
        Ok(total)
    }

    #[test]
    fn budget_evicts_least_recently_used_and_spares_other_labels() -> KvResult<()> {
        let path = temp_path("budget");
        let budget = 64 << 10;
        let options = KvOptions {
            max_value: Some(1 << 20),
            budgets: vec![("cache".to_owned(), budget)],
            write_hook: None,
        };
        let kv = KvDb::open_with(&path, &options)?;
        kv.set("default", "pack:DE", &[7u8; 4096])?;
        kv.set("cache", "hot", b"keep me")?;
        let value = [1u8; 100];
        // Batches keep the test fast; eviction runs per transaction either way.
        let keys: Vec<String> = (0..100_000).map(|i| format!("q?zz={i}")).collect();
        for (n, chunk) in keys.chunks(500).enumerate() {
            let pairs: Vec<(&str, &[u8])> =
                chunk.iter().map(|k| (k.as_str(), &value[..])).collect();
            kv.set_many("cache", &pairs)?;
            // A hot key read between writes stays recent and survives.
            assert!(
                kv.get("cache", "hot")?.is_some(),
                "hot key evicted at batch {n}"
            );
            assert!(kv.used_bytes("cache").unwrap_or(u64::MAX) <= budget);
        }
        let stored = stored_bytes(&kv, "cache")?;
        assert!(stored <= budget, "{stored} > {budget}");
        assert_eq!(kv.used_bytes("cache"), Some(stored));
        assert_eq!(kv.get("cache", "hot")?.as_deref(), Some(&b"keep me"[..]));
        // The oldest keys went first; the newest are there.
        assert_eq!(kv.get("cache", "q?zz=0")?, None);
        assert!(kv.get("cache", "q?zz=99999")?.is_some());
        // Other labels untouched and unbudgeted.
        assert_eq!(
            kv.get("default", "pack:DE")?.as_deref(),
            Some(&[7u8; 4096][..])
        );
        assert_eq!(kv.used_bytes("default"), None);
        // An entry larger than the whole budget is refused; nothing is evicted for it.
        let before = kv.keys("cache")?.len();
        let big = vec![0u8; budget as usize + 1];
        assert!(matches!(
            kv.set("cache", "big", &big),
            Err(KvError::OverBudget { .. })
        ));
        assert_eq!(kv.keys("cache")?.len(), before);
        assert_eq!(kv.get("cache", "big")?, None);
        drop(kv);

        // Reopened with a smaller budget: the index is rebuilt and trimmed.
        let smaller = KvOptions {
            budgets: vec![("cache".to_owned(), 8 << 10)],
            ..options
        };
        let kv = KvDb::open_with(&path, &smaller)?;
        let stored = stored_bytes(&kv, "cache")?;
        assert!(stored <= 8 << 10, "{stored}");
        assert_eq!(kv.used_bytes("cache"), Some(stored));
        assert_eq!(kv.get("default", "pack:DE")?.map(|v| v.len()), Some(4096));
        cleanup(&path);
        Ok(())
    }

    #[test]
    fn overwrites_and_deletes_keep_the_count_exact() -> KvResult<()> {
        let path = temp_path("count");
        let options = KvOptions {
            budgets: vec![("cache".to_owned(), 1000)],
            ..KvOptions::default()
        };
        let kv = KvDb::open_with(&path, &options)?;
        kv.set("cache", "a", &[0u8; 99])?;
        kv.set("cache", "a", &[0u8; 9])?;
        assert_eq!(kv.used_bytes("cache"), Some(10));
        kv.set_many("cache", &[("b", &[0u8; 9][..]), ("b", &[0u8; 4][..])])?;
        assert_eq!(kv.used_bytes("cache"), Some(15));
        assert_eq!(kv.increment("cache", "n", 42)?, 42);
        assert_eq!(kv.used_bytes("cache"), Some(18));
        kv.delete_many("cache", &["a", "b"])?;
        assert_eq!(kv.used_bytes("cache"), Some(3));
        // A batch that cannot fit even after evicting everything else is refused whole.
        let err = kv.set_many("cache", &[("x", &[0u8; 600][..]), ("y", &[0u8; 600][..])]);
        assert!(matches!(err, Err(KvError::OverBudget { .. })), "{err:?}");
        assert_eq!(kv.get("cache", "n")?.as_deref(), Some(&b"42"[..]));
        assert_eq!(kv.get("cache", "x")?, None);
        cleanup(&path);
        Ok(())
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("256MiB"), Some(256 << 20));
        assert_eq!(parse_size("1048576"), Some(1 << 20));
        assert_eq!(parse_size("2 GiB"), Some(2 << 30));
        assert_eq!(parse_size("5kb"), Some(5000));
        assert_eq!(parse_size("MiB"), None);
        assert_eq!(parse_size("5 parsecs"), None);
    }
}
