//! Key-value stores by label, each on its backend: the local redb files
//! ([`KvDb`]: `<state-dir>/kv.redb`, or a runtime-config `path`) or a Redis
//! server (runtime config `type = "redis"`, keys stored as written, as Spin's
//! Redis store does).

use std::collections::HashMap;

use redis::AsyncCommands;
use redis::aio::MultiplexedConnection;

use crate::kv::{KvDb, KvError, KvResult};

/// A Redis-backed store.
#[derive(Clone)]
pub struct RedisKv {
    conn: MultiplexedConnection,
}

fn redis_err(e: redis::RedisError) -> KvError {
    KvError::Storage(format!("redis: {e}"))
}

/// Compare-and-swap in one step: set KEYS[1] to ARGV[3] if it holds ARGV[2]
/// (ARGV[1] = "1") or is absent (ARGV[1] = "0").
const SWAP_IF: &str = r"
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3])
return 1
";

impl RedisKv {
    /// Connect at start, so that a wrong URL stops the start rather than a request.
    pub async fn connect(url: &str) -> KvResult<Self> {
        let client = redis::Client::open(url).map_err(redis_err)?;
        let conn = client
            .get_multiplexed_async_connection()
            .await
            .map_err(redis_err)?;
        Ok(Self { conn })
    }
}

/// The application's stores: labels the runtime config places elsewhere, and
/// the default file for all others.
pub struct KvStores {
    pub default: KvDb,
    pub files: HashMap<String, KvDb>,
    pub redis: HashMap<String, RedisKv>,
}

/// One label's backend.
pub enum Kv<'a> {
    Local(&'a KvDb),
    Redis(&'a RedisKv),
}

impl KvStores {
    pub fn for_label(&self, label: &str) -> Kv<'_> {
        match self.redis.get(label) {
            Some(r) => Kv::Redis(r),
            None => Kv::Local(self.files.get(label).unwrap_or(&self.default)),
        }
    }
}

/// Run a local write (or a full scan) on the blocking pool: it holds a write
/// transaction through its fsync, which must not stall a runtime worker (and
/// the cache hits queued on it). The call stays one transaction, so atomic.
async fn blocking<T: Send + 'static>(
    kv: &KvDb,
    f: impl FnOnce(&KvDb) -> KvResult<T> + Send + 'static,
) -> KvResult<T> {
    let kv = kv.clone();
    tokio::task::spawn_blocking(move || f(&kv))
        .await
        .map_err(|join| KvError::Storage(format!("key-value task failed: {join}")))?
}

impl Kv<'_> {
    pub async fn get(&self, label: &str, key: &str) -> KvResult<Option<Vec<u8>>> {
        match self {
            // Reads stay inline: redb readers never wait for a writer.
            Kv::Local(db) => db.get(label, key),
            Kv::Redis(r) => r.conn.clone().get(key).await.map_err(redis_err),
        }
    }

    pub async fn exists(&self, label: &str, key: &str) -> KvResult<bool> {
        match self {
            Kv::Local(db) => db.exists(label, key),
            Kv::Redis(r) => r.conn.clone().exists(key).await.map_err(redis_err),
        }
    }

    pub async fn keys(&self, label: &str) -> KvResult<Vec<String>> {
        match self {
            Kv::Local(db) => {
                let label = label.to_owned();
                blocking(db, move |kv| kv.keys(&label)).await
            }
            Kv::Redis(r) => r.conn.clone().keys("*").await.map_err(redis_err),
        }
    }

    pub async fn set(&self, label: &str, key: &str, value: Vec<u8>) -> KvResult<()> {
        match self {
            Kv::Local(db) => {
                let (label, key) = (label.to_owned(), key.to_owned());
                blocking(db, move |kv| kv.set(&label, &key, &value)).await
            }
            Kv::Redis(r) => r.conn.clone().set(key, value).await.map_err(redis_err),
        }
    }

    pub async fn delete(&self, label: &str, key: &str) -> KvResult<()> {
        match self {
            Kv::Local(db) => {
                let (label, key) = (label.to_owned(), key.to_owned());
                blocking(db, move |kv| kv.delete(&label, &key)).await
            }
            Kv::Redis(r) => {
                let _: i64 = r.conn.clone().del(key).await.map_err(redis_err)?;
                Ok(())
            }
        }
    }

    pub async fn increment(&self, label: &str, key: &str, delta: i64) -> KvResult<i64> {
        match self {
            Kv::Local(db) => {
                let (label, key) = (label.to_owned(), key.to_owned());
                blocking(db, move |kv| kv.increment(&label, &key, delta)).await
            }
            Kv::Redis(r) => r.conn.clone().incr(key, delta).await.map_err(redis_err),
        }
    }

    /// Set `key` to `value` if it still holds `expected` (`None`: absent).
    pub async fn swap_if(
        &self,
        label: &str,
        key: &str,
        expected: Option<Vec<u8>>,
        value: Vec<u8>,
    ) -> KvResult<bool> {
        match self {
            Kv::Local(db) => {
                let (label, key) = (label.to_owned(), key.to_owned());
                blocking(db, move |kv| {
                    kv.swap_if(&label, &key, expected.as_deref(), &value)
                })
                .await
            }
            Kv::Redis(r) => {
                let (flag, expected) = match expected {
                    Some(e) => ("1", e),
                    None => ("0", Vec::new()),
                };
                let swapped: i64 = redis::Script::new(SWAP_IF)
                    .key(key)
                    .arg(flag)
                    .arg(expected)
                    .arg(value)
                    .invoke_async(&mut r.conn.clone())
                    .await
                    .map_err(redis_err)?;
                Ok(swapped == 1)
            }
        }
    }

    pub async fn set_many(&self, label: &str, pairs: Vec<(String, Vec<u8>)>) -> KvResult<()> {
        match self {
            Kv::Local(db) => {
                let label = label.to_owned();
                blocking(db, move |kv| {
                    let pairs: Vec<(&str, &[u8])> = pairs
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_slice()))
                        .collect();
                    kv.set_many(&label, &pairs)
                })
                .await
            }
            Kv::Redis(_) if pairs.is_empty() => Ok(()),
            Kv::Redis(r) => r.conn.clone().mset(&pairs).await.map_err(redis_err),
        }
    }

    pub async fn delete_many(&self, label: &str, keys: Vec<String>) -> KvResult<()> {
        match self {
            Kv::Local(db) => {
                let label = label.to_owned();
                blocking(db, move |kv| {
                    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                    kv.delete_many(&label, &keys)
                })
                .await
            }
            Kv::Redis(_) if keys.is_empty() => Ok(()),
            Kv::Redis(r) => {
                let _: i64 = r.conn.clone().del(keys).await.map_err(redis_err)?;
                Ok(())
            }
        }
    }
}
