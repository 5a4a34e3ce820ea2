//! `--runtime-config-file`: Spin's runtime configuration (TOML), the part this
//! host implements: `[key_value_store.<label>]` and `[sqlite_database.<label>]`.
//! Relative paths are relative to the file's directory, as in Spin. Anything
//! else is refused by name rather than silently ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Why a runtime config file was refused.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeConfigError {
    #[error("reading runtime config {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("runtime config {path}: {message}")]
    Invalid { path: String, message: String },
}

/// A key-value store's backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KvStoreConfig {
    /// `type = "spin"`: a local file (this host's redb format); without `path`,
    /// the label lives in the default file.
    Spin { path: Option<PathBuf> },
    /// `type = "redis"`, `url = "redis://..."`.
    Redis { url: String },
}

/// A SQLite database's location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqliteConfig {
    /// `type = "spin"`: a file, or in memory without `path`.
    Spin { path: Option<PathBuf> },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeConfig {
    pub key_value_stores: BTreeMap<String, KvStoreConfig>,
    pub sqlite_databases: BTreeMap<String, SqliteConfig>,
}

#[derive(Deserialize)]
struct Typed {
    #[serde(rename = "type")]
    kind: String,
    #[serde(flatten)]
    rest: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpinStore {
    path: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RedisStore {
    url: String,
}

/// Load a runtime config file.
pub fn load(path: &Path) -> Result<RuntimeConfig, RuntimeConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| RuntimeConfigError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse(&text, base).map_err(|message| RuntimeConfigError::Invalid {
        path: path.display().to_string(),
        message,
    })
}

/// Parse runtime config text whose relative paths are relative to `base`.
pub fn parse(text: &str, base: &Path) -> Result<RuntimeConfig, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| format!("invalid TOML: {e}"))?;
    let mut config = RuntimeConfig::default();
    for (section, value) in table {
        let entries: BTreeMap<String, Typed> = match section.as_str() {
            "key_value_store" | "sqlite_database" => value
                .try_into()
                .map_err(|e| format!("[{section}]: every entry needs a `type`: {e}"))?,
            other => {
                return Err(format!(
                    "[{other}] is not supported by meridian-host (it reads [key_value_store.<label>] and [sqlite_database.<label>])"
                ));
            }
        };
        for (label, entry) in entries {
            let at = format!("[{section}.{label}]");
            let resolve = |p: Option<PathBuf>| p.map(|p| base.join(p));
            match (section.as_str(), entry.kind.as_str()) {
                ("key_value_store", "spin") => {
                    let s: SpinStore = entry.rest.try_into().map_err(|e| format!("{at}: {e}"))?;
                    config.key_value_stores.insert(
                        label,
                        KvStoreConfig::Spin {
                            path: resolve(s.path),
                        },
                    );
                }
                ("key_value_store", "redis") => {
                    let r: RedisStore = entry.rest.try_into().map_err(|e| format!("{at}: {e}"))?;
                    config
                        .key_value_stores
                        .insert(label, KvStoreConfig::Redis { url: r.url });
                }
                ("sqlite_database", "spin") => {
                    let s: SpinStore = entry.rest.try_into().map_err(|e| format!("{at}: {e}"))?;
                    config.sqlite_databases.insert(
                        label,
                        SqliteConfig::Spin {
                            path: resolve(s.path),
                        },
                    );
                }
                (section, kind) => {
                    let supported = if section == "key_value_store" {
                        "\"spin\" and \"redis\""
                    } else {
                        "\"spin\""
                    };
                    return Err(format!(
                        "{at}: type {kind:?} is not supported by meridian-host (supported: {supported})"
                    ));
                }
            }
        }
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stores_and_databases() -> Result<(), String> {
        let c = parse(
            r#"
[key_value_store.default]
type = "spin"
path = "data/kv.redb"
[key_value_store.shared]
type = "redis"
url = "redis://127.0.0.1:6379"
[sqlite_database.default]
type = "spin"
path = "/abs/db.sqlite"
[sqlite_database.scratch]
type = "spin"
"#,
            Path::new("/conf"),
        )?;
        assert_eq!(
            c.key_value_stores["default"],
            KvStoreConfig::Spin {
                path: Some(PathBuf::from("/conf/data/kv.redb"))
            }
        );
        assert_eq!(
            c.key_value_stores["shared"],
            KvStoreConfig::Redis {
                url: "redis://127.0.0.1:6379".into()
            }
        );
        assert_eq!(
            c.sqlite_databases["default"],
            SqliteConfig::Spin {
                path: Some(PathBuf::from("/abs/db.sqlite"))
            }
        );
        assert_eq!(
            c.sqlite_databases["scratch"],
            SqliteConfig::Spin { path: None }
        );
        Ok(())
    }

    #[test]
    fn refuses_what_it_does_not_implement() {
        let err = |text: &str| parse(text, Path::new(".")).expect_err("refused");
        assert_eq!(
            err("[key_value_store.x]\ntype = \"azure_cosmos\"\n"),
            "[key_value_store.x]: type \"azure_cosmos\" is not supported by meridian-host (supported: \"spin\" and \"redis\")"
        );
        assert_eq!(
            err("[sqlite_database.x]\ntype = \"libsql\"\nurl = \"u\"\ntoken = \"t\"\n"),
            "[sqlite_database.x]: type \"libsql\" is not supported by meridian-host (supported: \"spin\")"
        );
        assert!(
            err("[llm_compute]\ntype = \"remote_http\"\n")
                .starts_with("[llm_compute] is not supported")
        );
        assert!(err("[key_value_store.x]\ntype = \"spin\"\nbogus = 1\n").contains("bogus"));
        assert!(err("[key_value_store.x]\npath = \"p\"\n").contains("type"));
    }
}
