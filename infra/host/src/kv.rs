//! Persistent key-value stores (one redb table per store label) under the state dir.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, TableError};

/// All key-value stores of the application, in one redb file.
#[derive(Clone)]
pub struct KvDb {
    db: Arc<Database>,
    /// Largest value accepted; real stores cap values too.
    max_value: usize,
}

fn table_name(label: &str) -> String {
    format!("kv:{label}")
}

impl KvDb {
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating state directory {}", dir.display()))?;
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
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("opening key-value database {}", path.display()));
                }
            }
        };
        Ok(Self {
            db: Arc::new(db),
            max_value: usize::MAX,
        })
    }

    pub fn get(&self, label: &str, key: &str) -> Result<Option<Vec<u8>>> {
        let name = table_name(label);
        let def: TableDefinition<&str, &[u8]> = TableDefinition::new(&name);
        let tx = self.db.begin_read()?;
        let table = match tx.open_table(def) {
            Ok(t) => t,
            Err(TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        Ok(table.get(key)?.map(|v| v.value().to_vec()))
    }

    pub fn exists(&self, label: &str, key: &str) -> Result<bool> {
        let name = table_name(label);
        let def: TableDefinition<&str, &[u8]> = TableDefinition::new(&name);
        let tx = self.db.begin_read()?;
        let table = match tx.open_table(def) {
            Ok(t) => t,
            Err(TableError::TableDoesNotExist(_)) => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        Ok(table.get(key)?.is_some())
    }

    pub fn with_max_value(mut self, max_value: usize) -> Self {
        self.max_value = max_value;
        self
    }

    pub fn set_many(&self, label: &str, pairs: &[(&str, &[u8])]) -> Result<()> {
        if let Some((key, value)) = pairs.iter().find(|(_, v)| v.len() > self.max_value) {
            anyhow::bail!(
                "value of {} bytes for {key:?} exceeds the store's limit of {} bytes",
                value.len(),
                self.max_value
            );
        }
        let name = table_name(label);
        let def: TableDefinition<&str, &[u8]> = TableDefinition::new(&name);
        let tx = self.db.begin_write()?;
        {
            let mut table = tx.open_table(def)?;
            for (k, v) in pairs {
                table.insert(*k, *v)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn set(&self, label: &str, key: &str, value: &[u8]) -> Result<()> {
        self.set_many(label, &[(key, value)])
    }

    pub fn delete_many(&self, label: &str, keys: &[&str]) -> Result<()> {
        let name = table_name(label);
        let def: TableDefinition<&str, &[u8]> = TableDefinition::new(&name);
        let tx = self.db.begin_write()?;
        {
            let mut table = tx.open_table(def)?;
            for k in keys {
                table.remove(*k)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn delete(&self, label: &str, key: &str) -> Result<()> {
        self.delete_many(label, &[key])
    }

    pub fn keys(&self, label: &str) -> Result<Vec<String>> {
        let name = table_name(label);
        let def: TableDefinition<&str, &[u8]> = TableDefinition::new(&name);
        let tx = self.db.begin_read()?;
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
    pub fn increment(&self, label: &str, key: &str, delta: i64) -> Result<i64> {
        let name = table_name(label);
        let def: TableDefinition<&str, &[u8]> = TableDefinition::new(&name);
        let tx = self.db.begin_write()?;
        let new = {
            let mut table = tx.open_table(def)?;
            let current = match table.get(key)? {
                Some(v) => std::str::from_utf8(v.value())
                    .ok()
                    .and_then(|s| s.trim().parse::<i64>().ok())
                    .context("value is not an integer")?,
                None => 0,
            };
            let new = current.checked_add(delta).context("integer overflow")?;
            table.insert(key, new.to_string().as_bytes())?;
            new
        };
        tx.commit()?;
        Ok(new)
    }

    /// Compare-and-swap: set `value` only if the current value equals `expected`.
    pub fn swap_if(
        &self,
        label: &str,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
    ) -> Result<bool> {
        let name = table_name(label);
        let def: TableDefinition<&str, &[u8]> = TableDefinition::new(&name);
        let tx = self.db.begin_write()?;
        let swapped = {
            let mut table = tx.open_table(def)?;
            let same = {
                let current = table.get(key)?;
                current.as_ref().map(|v| v.value()) == expected
            };
            if same {
                table.insert(key, value)?;
            }
            same
        };
        if swapped {
            tx.commit()?;
        } else {
            tx.abort()?;
        }
        Ok(swapped)
    }
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

    #[test]
    fn set_get_delete_persist() -> Result<()> {
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
        if let Some(dir) = path.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
        Ok(())
    }
}
