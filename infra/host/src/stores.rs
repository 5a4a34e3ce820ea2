//! The application's stores, from the state directory and the runtime config:
//! key-value stores by label, SQLite databases by label, and what `--key-value`
//! and `--sqlite` put in them at start.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::Config;
use crate::kv::{KvDb, KvOptions};
use crate::kv_stores::{KvStores, RedisKv};
use crate::manifest::App;
use crate::runtime_config::{KvStoreConfig, RuntimeConfig};
use crate::sqlite::{self, SqliteDbs};

/// The label `--key-value` writes to, as in Spin.
pub const DEFAULT_KV_LABEL: &str = "default";

async fn open_kv(path: PathBuf, options: KvOptions) -> Result<KvDb> {
    Ok(tokio::task::spawn_blocking(move || KvDb::open_with(&path, &options)).await??)
}

/// Key-value: `<state-dir>/kv.redb` for every label, except labels the runtime
/// config gives a `path` of their own or a Redis server.
pub async fn open_kv_stores(config: &Config, runtime: &RuntimeConfig) -> Result<KvStores> {
    let options = KvOptions {
        max_value: Some(config.kv_max_value),
        budgets: config.kv_budgets.clone(),
        write_hook: config.kv_write_hook.clone(),
    };
    let mut by_path: HashMap<PathBuf, KvDb> = HashMap::new();
    let mut files = HashMap::new();
    let mut redis = HashMap::new();
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
            KvStoreConfig::Redis { url } => {
                let store = RedisKv::connect(url)
                    .await
                    .with_context(|| format!("[key_value_store.{label}]: connecting to {url}"))?;
                redis.insert(label.clone(), store);
            }
        }
    }
    let default = open_kv(config.state_dir.join("kv.redb"), options).await?;
    let stores = KvStores {
        default,
        files,
        redis,
    };
    for (key, value) in &config.key_values {
        stores
            .for_label(DEFAULT_KV_LABEL)
            .set(DEFAULT_KV_LABEL, key, value.clone().into_bytes())
            .await
            .with_context(|| format!("--key-value {key}=...: setting it in the default store"))?;
    }
    Ok(stores)
}

/// SQLite: the default database and the runtime config's; every label a
/// component lists in `sqlite_databases` must exist; then `--sqlite`.
pub fn open_sqlite(config: &Config, runtime: &RuntimeConfig, app: &App) -> Result<SqliteDbs> {
    let locations = sqlite::locations(&config.state_dir, &runtime.sqlite_databases);
    for c in &app.components {
        for label in &c.sqlite_databases {
            if !locations.contains_key(label) {
                bail!(
                    "component {}: sqlite_databases lists {label:?}, which is not defined: only \"default\" exists unless the runtime config defines [sqlite_database.{label}]",
                    c.id
                );
            }
        }
    }
    // Opened: what components list, and (for `--sqlite`) every defined database.
    let listed = app
        .components
        .iter()
        .flat_map(|c| c.sqlite_databases.iter().map(String::as_str));
    let dbs = if config.sqlite_statements.is_empty() {
        SqliteDbs::open(&locations, listed)?
    } else {
        SqliteDbs::open(
            &locations,
            listed.chain(locations.keys().map(String::as_str)),
        )?
    };
    sqlite::run_startup_statements(&dbs, &config.sqlite_statements)?;
    Ok(dbs)
}
