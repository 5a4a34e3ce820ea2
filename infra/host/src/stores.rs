//! The application's stores, from the state directory and the runtime config:
//! key-value stores by label, SQLite databases by label, and what `--key-value`
//! and `--sqlite` put in them at start.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::Config;
use crate::kv::{KvDb, KvOptions};
use crate::manifest::App;
use crate::runtime_config::{KvStoreConfig, RuntimeConfig};
use crate::sqlite::{self, SqliteDbs};
use crate::state::KvStores;

/// The label `--key-value` writes to, as in Spin.
pub const DEFAULT_KV_LABEL: &str = "default";

async fn open_kv(path: PathBuf, options: KvOptions) -> Result<KvDb> {
    Ok(tokio::task::spawn_blocking(move || KvDb::open_with(&path, &options)).await??)
}

/// Key-value: `<state-dir>/kv.redb` for every label, except labels the runtime
/// config gives a `path` of their own.
pub async fn open_kv_stores(config: &Config, runtime: &RuntimeConfig) -> Result<KvStores> {
    let options = KvOptions {
        max_value: Some(config.kv_max_value),
        budgets: config.kv_budgets.clone(),
        write_hook: config.kv_write_hook.clone(),
    };
    let mut by_path: HashMap<PathBuf, KvDb> = HashMap::new();
    let mut files = HashMap::new();
    for (label, store) in &runtime.key_value_stores {
        match store {
            KvStoreConfig::Spin { path: Some(path) } => {
                let db = match by_path.get(path) {
                    Some(db) => db.clone(),
                    None => {
                        let db = open_kv(path.clone(), options.clone())
                            .await
                            .with_context(|| format!("[key_value_store.{label}]"))?;
                        by_path.insert(path.clone(), db.clone());
                        db
                    }
                };
                files.insert(label.clone(), db);
            }
            KvStoreConfig::Spin { path: None } => {}
            KvStoreConfig::Redis { .. } => bail!(
                "[key_value_store.{label}]: type \"redis\" key-value stores are not implemented by meridian-host yet (use type \"spin\")"
            ),
        }
    }
    let default = open_kv(config.state_dir.join("kv.redb"), options).await?;
    let stores = KvStores { default, files };
    for (key, value) in &config.key_values {
        let (key, value) = (key.clone(), value.clone());
        let db = stores.for_label(DEFAULT_KV_LABEL).clone();
        tokio::task::spawn_blocking(move || db.set(DEFAULT_KV_LABEL, &key, value.as_bytes()))
            .await?
            .with_context(|| "--key-value: setting a key in the default store".to_owned())?;
    }
    Ok(stores)
}

/// SQLite: the default database and the runtime config's; every label a
/// component lists in `sqlite_databases` must exist; then `--sqlite`.
pub fn open_sqlite(config: &Config, runtime: &RuntimeConfig, app: &App) -> Result<SqliteDbs> {
    let dbs = SqliteDbs::open(&config.state_dir, &runtime.sqlite_databases)?;
    for c in &app.components {
        for label in &c.sqlite_databases {
            if !dbs.has(label) {
                bail!(
                    "component {}: sqlite_databases lists {label:?}, which is not defined: only \"default\" exists unless the runtime config defines [sqlite_database.{label}]",
                    c.id
                );
            }
        }
    }
    sqlite::run_startup_statements(&dbs, &config.sqlite_statements)?;
    Ok(dbs)
}
