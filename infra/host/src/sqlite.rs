//! SQLite databases for `spin:sqlite/sqlite@3.0.0` and `fermyon:spin/sqlite@2.0.0`.
//!
//! As in Spin: label `default` is `<state-dir>/sqlite_db.db` unless the runtime
//! config says otherwise, other labels exist only when the runtime config
//! defines them, and a component opens only the labels in its
//! `sqlite_databases` (`access-denied` otherwise). Statements run on the
//! blocking pool; each database is one connection behind a mutex.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::types::{Value as SqlValue, ValueRef};

use crate::runtime_config::SqliteConfig;

/// The label every Spin application has.
pub const DEFAULT_LABEL: &str = "default";
/// Where the default database lives in the state directory (Spin's name).
pub const DEFAULT_FILE: &str = "sqlite_db.db";

#[derive(Debug, thiserror::Error)]
pub enum SqliteError {
    #[error("opening SQLite database {label:?} at {path}: {source}")]
    Open {
        label: String,
        path: String,
        source: rusqlite::Error,
    },
    #[error("creating directory {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("no SQLite database is labelled {0:?}")]
    NoSuchDatabase(String),
    #[error("{0}")]
    Sql(#[from] rusqlite::Error),
    #[error("SQLite task failed: {0}")]
    Task(String),
}

/// A value crossing the guest boundary (both WIT versions have this shape).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
    Null,
}

/// What a statement returned.
#[derive(Debug, Clone, PartialEq)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    /// Rows the statement changed, when it may write (a connection's `changes()`
    /// keeps its last writing statement's count, as SQLite's does).
    pub changes: Option<u64>,
    /// The row id of the row it inserted, if it inserted one.
    pub last_insert_rowid: Option<i64>,
}

/// The application's databases, by label.
#[derive(Clone, Default)]
pub struct SqliteDbs {
    dbs: Arc<BTreeMap<String, Arc<Mutex<rusqlite::Connection>>>>,
}

fn open(label: &str, path: Option<&Path>) -> Result<rusqlite::Connection, SqliteError> {
    let shown = path.map_or(":memory:".to_owned(), |p| p.display().to_string());
    if let Some(dir) = path.and_then(Path::parent)
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|source| SqliteError::CreateDir {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let conn = match path {
        Some(p) => rusqlite::Connection::open(p),
        None => rusqlite::Connection::open_in_memory(),
    };
    conn.map_err(|source| SqliteError::Open {
        label: label.to_owned(),
        path: shown,
        source,
    })
}

/// Where each defined database lives: the default one in `state_dir`, then the
/// runtime config's (`None`: in memory).
pub fn locations(
    state_dir: &Path,
    configured: &BTreeMap<String, SqliteConfig>,
) -> BTreeMap<String, Option<PathBuf>> {
    let mut locations = BTreeMap::new();
    locations.insert(DEFAULT_LABEL.to_owned(), Some(state_dir.join(DEFAULT_FILE)));
    for (label, config) in configured {
        let SqliteConfig::Spin { path } = config;
        locations.insert(label.clone(), path.clone());
    }
    locations
}

impl SqliteDbs {
    /// Open the databases in `wanted` (an application that uses none leaves no file).
    pub fn open<'a>(
        locations: &BTreeMap<String, Option<PathBuf>>,
        wanted: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, SqliteError> {
        let mut dbs = BTreeMap::new();
        for label in wanted {
            if dbs.contains_key(label) {
                continue;
            }
            let Some(path) = locations.get(label) else {
                return Err(SqliteError::NoSuchDatabase(label.to_owned()));
            };
            let conn = open(label, path.as_deref())?;
            dbs.insert(label.to_owned(), Arc::new(Mutex::new(conn)));
        }
        Ok(Self { dbs: Arc::new(dbs) })
    }

    pub fn has(&self, label: &str) -> bool {
        self.dbs.contains_key(label)
    }

    fn get(&self, label: &str) -> Result<Arc<Mutex<rusqlite::Connection>>, SqliteError> {
        self.dbs
            .get(label)
            .cloned()
            .ok_or_else(|| SqliteError::NoSuchDatabase(label.to_owned()))
    }

    /// Run one statement with parameters (off the async workers).
    pub async fn execute(
        &self,
        label: &str,
        statement: String,
        params: Vec<Value>,
    ) -> Result<Rows, SqliteError> {
        let db = self.get(label)?;
        tokio::task::spawn_blocking(move || {
            let conn = db.lock().unwrap_or_else(|e| e.into_inner());
            query(&conn, &statement, params)
        })
        .await
        .map_err(|e| SqliteError::Task(e.to_string()))?
    }

    /// Run a script of statements (`--sqlite @file`).
    pub fn execute_batch(&self, label: &str, sql: &str) -> Result<(), SqliteError> {
        let db = self.get(label)?;
        let conn = db.lock().unwrap_or_else(|e| e.into_inner());
        Ok(conn.execute_batch(sql)?)
    }

    /// Run one statement, discarding its rows (`--sqlite "STATEMENT"`).
    pub fn execute_one(&self, label: &str, sql: &str) -> Result<(), SqliteError> {
        let db = self.get(label)?;
        let conn = db.lock().unwrap_or_else(|e| e.into_inner());
        query(&conn, sql, Vec::new()).map(|_| ())
    }
}

fn query(
    conn: &rusqlite::Connection,
    statement: &str,
    params: Vec<Value>,
) -> Result<Rows, SqliteError> {
    let mut stmt = conn.prepare_cached(statement)?;
    let writes = !stmt.readonly();
    let rowid_before = conn.last_insert_rowid();
    let columns: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    let params: Vec<SqlValue> = params
        .into_iter()
        .map(|v| match v {
            Value::Integer(i) => SqlValue::Integer(i),
            Value::Real(r) => SqlValue::Real(r),
            Value::Text(t) => SqlValue::Text(t),
            Value::Blob(b) => SqlValue::Blob(b),
            Value::Null => SqlValue::Null,
        })
        .collect();
    let mut out = Vec::new();
    let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
    while let Some(row) = rows.next()? {
        let mut values = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            values.push(match row.get_ref(i)? {
                ValueRef::Integer(i) => Value::Integer(i),
                ValueRef::Real(r) => Value::Real(r),
                ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                ValueRef::Null => Value::Null,
            });
        }
        out.push(values);
    }
    drop(rows);
    let rowid = conn.last_insert_rowid();
    Ok(Rows {
        columns,
        rows: out,
        changes: writes.then(|| conn.changes()),
        last_insert_rowid: (rowid != rowid_before).then_some(rowid),
    })
}

/// `--sqlite` arguments: a statement for the default database, or
/// `@file[:label]` for a script.
pub fn run_startup_statements(dbs: &SqliteDbs, statements: &[String]) -> anyhow::Result<()> {
    use anyhow::Context;
    for statement in statements {
        if let Some(spec) = statement.strip_prefix('@') {
            let (file, label) = match spec.trim().split_once(':') {
                Some((f, l)) if !f.trim().is_empty() && !l.trim().is_empty() => {
                    (f.trim(), l.trim())
                }
                Some(_) => anyhow::bail!(
                    "--sqlite @{spec}: expected @FILE or @FILE:LABEL with neither part empty"
                ),
                None if spec.trim().is_empty() => {
                    anyhow::bail!("--sqlite @: the file name is missing")
                }
                None => (spec.trim(), DEFAULT_LABEL),
            };
            let sql = std::fs::read_to_string(file)
                .with_context(|| format!("--sqlite @{spec}: reading {file}"))?;
            dbs.execute_batch(label, &sql).with_context(|| {
                format!("--sqlite @{spec}: running {file} on database {label:?}")
            })?;
        } else {
            dbs.execute_one(DEFAULT_LABEL, statement).with_context(|| {
                format!("--sqlite {statement:?}: running it on the default database")
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn default_and_configured() -> anyhow::Result<()> {
        let dir = std::env::temp_dir().join(format!("meridian-sqlite-{}", std::process::id()));
        let configured: BTreeMap<String, SqliteConfig> =
            [("mem".to_owned(), SqliteConfig::Spin { path: None })].into();
        let at = locations(&dir, &configured);
        assert!(SqliteDbs::open(&at, ["other"]).is_err());
        SqliteDbs::open(&at, ["mem"])?;
        assert!(!dir.join(DEFAULT_FILE).exists());
        let dbs = SqliteDbs::open(&at, ["default", "mem"])?;
        assert!(dir.join(DEFAULT_FILE).is_file());
        assert!(dbs.has("mem") && !dbs.has("other"));
        run_startup_statements(
            &dbs,
            &[
                "CREATE TABLE IF NOT EXISTS t (a INTEGER, b TEXT)".to_owned(),
                "DELETE FROM t".to_owned(),
            ],
        )?;
        let r = dbs
            .execute(
                "default",
                "INSERT INTO t VALUES (?, ?)".into(),
                vec![Value::Integer(7), Value::Text("x".into())],
            )
            .await?;
        assert_eq!((r.changes, r.columns.len()), (Some(1), 0));
        let r = dbs
            .execute("default", "SELECT a, b FROM t".into(), vec![])
            .await?;
        assert_eq!(r.columns, vec!["a", "b"]);
        assert_eq!(
            r.rows,
            vec![vec![Value::Integer(7), Value::Text("x".into())]]
        );
        assert!(
            dbs.execute("nope", "SELECT 1".into(), vec![])
                .await
                .is_err()
        );
        assert!(run_startup_statements(&dbs, &["@:x".to_owned()]).is_err());
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}
