//! One edge cache shared by several edge nodes: two `meridian-host`
//! processes on the shipped `spin.toml`, whose `cache` and `default` stores
//! Spin's runtime configuration puts on one real Redis (`type = "redis"`),
//! in front of one demo merchant origin. What one node stores is a hit on
//! the other; a purge through one is seen by the other on its next request;
//! Redis expires every entry key at the lifetime the cache gave it, with
//! nobody reading it; a node restarted on an empty state directory loses
//! nothing.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use meridian_demo_origin as demo_origin;
use meridian_e2e::{
    RedisServer, Reply, Service, TRUST_LOOPBACK, get, repo_root, send, start_host_args,
};
use meridian_edge::cache::Kv;
use meridian_edge::cache::store::{self, Head};

const SKU: &str = "MRD-SOLSTICE-SUN";
const PURGE_TOKEN: &str = "e2e-shared-purge-token";

/// A Redis, the runtime configuration putting both stores on it, and an
/// origin; nodes are started on them with [`Shared::node`].
struct Shared {
    redis: RedisServer,
    origin: demo_origin::Running,
    config: tempfile::TempDir,
}

impl Shared {
    fn start(origin: demo_origin::Config) -> Result<Shared> {
        let redis = RedisServer::start()?;
        let origin = demo_origin::spawn(origin)?;
        let config = tempfile::tempdir()?;
        std::fs::write(
            config.path().join("runtime-config.toml"),
            format!(
                "[key_value_store.default]\ntype = \"redis\"\nurl = \"{0}\"\n\
                 [key_value_store.cache]\ntype = \"redis\"\nurl = \"{0}\"\n",
                redis.url
            ),
        )?;
        Ok(Shared {
            redis,
            origin,
            config,
        })
    }

    /// An edge node with a state directory of its own.
    fn node(&self, state: &Path) -> Result<Service> {
        let runtime_config = self.config.path().join("runtime-config.toml");
        let runtime_config = runtime_config.to_str().context("utf-8 path")?;
        start_host_args(
            &repo_root().join("spin.toml"),
            state,
            "http://127.0.0.1:9",
            &[
                ("SPIN_VARIABLE_ORIGIN_CATALOG_URL", &self.origin.url()),
                TRUST_LOOPBACK,
                ("SPIN_VARIABLE_PURGE_TOKEN", PURGE_TOKEN),
                ("SPIN_VARIABLE_CACHE_REDIS_URL", &self.redis.url),
                ("SPIN_VARIABLE_CACHE_REDIS_HOST", &self.redis.url),
            ],
            &["--runtime-config-file", runtime_config],
        )
    }

    fn redis(&self) -> Result<Redis> {
        let client = redis::Client::open(self.redis.url.as_str())?;
        Ok(Redis(std::cell::RefCell::new(client.get_connection()?)))
    }
}

/// A look into the shared Redis, as the edge cache reads it.
struct Redis(std::cell::RefCell<redis::Connection>);

impl Redis {
    fn query<T: redis::FromRedisValue>(&self, cmd: &mut redis::Cmd) -> Result<T> {
        Ok(cmd.query(&mut *self.0.borrow_mut())?)
    }

    fn keys(&self, prefix: &str) -> Result<Vec<String>> {
        let mut keys: Vec<String> = self.query(redis::cmd("KEYS").arg(format!("{prefix}*")))?;
        keys.sort();
        Ok(keys)
    }

    /// When Redis will drop `key`, Unix ms; `None` for a key kept forever.
    fn expire_time_ms(&self, key: &str) -> Result<Option<u64>> {
        let at: i64 = self.query(redis::cmd("PEXPIRETIME").arg(key))?;
        match at {
            -2 => bail!("{key} is not there"),
            -1 => Ok(None),
            at => Ok(Some(u64::try_from(at)?)),
        }
    }

    fn heads(&self) -> Result<Vec<(String, Head)>> {
        self.keys(store::HEAD_PREFIX)?
            .into_iter()
            .map(|key| {
                let id = key.trim_start_matches(store::HEAD_PREFIX).to_owned();
                let head = store::read_head(self, &id).with_context(|| format!("{key} decodes"))?;
                Ok((key, head))
            })
            .collect()
    }
}

/// Read-only: the test never writes what the nodes read.
impl Kv for Redis {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.query(redis::cmd("GET").arg(key))
            .map_err(|e| e.to_string())
    }
    fn set(&self, _: &str, _: &[u8]) -> Result<(), String> {
        Err("read only".into())
    }
    fn delete(&self, _: &str) -> Result<(), String> {
        Err("read only".into())
    }
    fn swap_if(&self, _: &str, _: Option<&[u8]>, _: &[u8]) -> Result<bool, String> {
        Err("read only".into())
    }
    fn durable(&self) -> &dyn Kv {
        self
    }
}

fn product(node: &Service) -> Result<Reply> {
    get(
        &format!("{}/v1/origin/catalog/products/{SKU}", node.url),
        &[("cf-ipcountry", "DE")],
    )
}

fn status(r: &Reply) -> &str {
    r.header("cache-status").unwrap_or_default()
}

fn now_ms() -> Result<u64> {
    Ok(u64::try_from(
        SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis(),
    )?)
}

#[test]
fn what_one_node_stores_is_a_hit_on_the_other_and_a_purge_reaches_both() -> Result<()> {
    let shared = Shared::start(demo_origin::Config {
        listen: "127.0.0.1:0".parse()?,
        max_age_s: 600,
        ..demo_origin::Config::default()
    })?;
    let (state_a, state_b) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let a = shared.node(state_a.path())?;
    let b = shared.node(state_b.path())?;
    let path = format!("/products/{SKU}");

    let stored = product(&a)?;
    assert_eq!(
        stored.status,
        200,
        "{}",
        String::from_utf8_lossy(&stored.body)
    );
    assert!(status(&stored).contains("stored"), "{}", status(&stored));
    let hit = product(&b)?;
    assert!(
        status(&hit).contains("; hit"),
        "B hits what A stored: {}",
        status(&hit)
    );
    assert_eq!(hit.body, stored.body);
    assert_eq!(shared.origin.requests(&path), 1);

    // A chunked body (the feed is larger than one store value), stored
    // through B, is whole on A.
    let feed_b = get(
        &format!("{}/v1/origin/catalog/feed", b.url),
        &[("cf-ipcountry", "DE")],
    )?;
    assert!(status(&feed_b).contains("stored"), "{}", status(&feed_b));
    let feed_a = get(
        &format!("{}/v1/origin/catalog/feed", a.url),
        &[("cf-ipcountry", "DE")],
    )?;
    assert!(status(&feed_a).contains("; hit"), "{}", status(&feed_a));
    assert_eq!(feed_a.body, feed_b.body);

    // Every entry key in Redis has the lifetime the cache set: a head to
    // the end of its last usable second, its chunks and its URL's Vary
    // record ten seconds longer.
    let redis = shared.redis()?;
    let heads = redis.heads()?;
    assert_eq!(heads.len(), 2, "{:?}", redis.keys("c/")?);
    for (key, head) in &heads {
        assert_eq!(
            redis.expire_time_ms(key)?,
            Some((head.last_usable + 1) * 1000),
            "{key}"
        );
    }
    let chunks = redis.keys(store::BODY_PREFIX)?;
    assert!(chunks.len() > 1, "the feed is chunked: {chunks:?}");
    let (_, feed_head) = heads
        .iter()
        .find(|(_, h)| h.primary.contains("/feed"))
        .context("the feed's head")?;
    for key in &chunks {
        assert_eq!(
            redis.expire_time_ms(key)?,
            Some((feed_head.last_usable + 1) * 1000 + store::TRAILING_MS),
            "{key}"
        );
    }
    for key in redis.keys("c/")? {
        assert!(
            redis.expire_time_ms(&key)?.is_some(),
            "{key} would live forever"
        );
    }

    // A purge through B: A's next request goes to the origin (the entry's
    // URL keeps its Vary record, so it is a `vary-miss`) and stores anew.
    let purged = send(
        "POST",
        &format!("{}/v1/purge", b.url),
        &[
            ("authorization", &format!("Bearer {PURGE_TOKEN}")),
            ("content-type", "application/json"),
        ],
        Some(format!(r#"{{"tags":["sku:{SKU}"]}}"#).as_bytes()),
    )?;
    assert_eq!(
        purged.status,
        200,
        "{}",
        String::from_utf8_lossy(&purged.body)
    );
    let after = product(&a)?;
    assert!(
        status(&after).contains("fwd=") && !status(&after).contains("; hit"),
        "A sees B's purge: {}",
        status(&after)
    );
    assert_eq!(shared.origin.requests(&path), 2);
    // Purge records count whole seconds: what is fetched in the purge's
    // own second is not kept (`purged-in-flight`). After it, the entry is
    // stored again (by that request, or by the next).
    let purged_at = now_ms()? / 1000;
    while now_ms()? / 1000 == purged_at {
        std::thread::sleep(Duration::from_millis(20));
    }
    let again = product(&a)?;
    assert!(
        status(&again).contains("; hit") || status(&again).contains("stored"),
        "{} after {}",
        status(&again),
        status(&after)
    );
    let requests = shared.origin.requests(&path);

    // A restarted on an empty state directory: the entry stored after the
    // purge is still a hit, on both nodes.
    drop(a);
    let fresh = tempfile::tempdir()?;
    let a = shared.node(fresh.path())?;
    let hit = product(&a)?;
    assert!(
        status(&hit).contains("; hit"),
        "nothing lost: {}",
        status(&hit)
    );
    assert_eq!(shared.origin.requests(&path), requests);
    let hit = product(&b)?;
    assert!(status(&hit).contains("; hit"), "{}", status(&hit));
    Ok(())
}

#[test]
fn redis_expires_entries_with_the_lifetimes_the_cache_sets() -> Result<()> {
    let shared = Shared::start(demo_origin::Config {
        listen: "127.0.0.1:0".parse()?,
        max_age_s: 1,
        stale_while_revalidate_s: 0,
        stale_if_error_s: 0,
        ..demo_origin::Config::default()
    })?;
    let state = tempfile::tempdir()?;
    let node = shared.node(state.path())?;
    let stored = product(&node)?;
    assert!(status(&stored).contains("stored"), "{}", status(&stored));

    let redis = shared.redis()?;
    let heads = redis.heads()?;
    let [(head_key, head)] = heads.as_slice() else {
        bail!("one head: {:?}", redis.keys("c/")?);
    };
    let head_until = (head.last_usable + 1) * 1000;
    assert_eq!(redis.expire_time_ms(head_key)?, Some(head_until));
    let vary = redis.keys(store::VARY_PREFIX)?;
    assert_eq!(vary.len(), 1, "{vary:?}");
    assert_eq!(
        redis.expire_time_ms(&vary[0])?,
        Some(head_until + store::TRAILING_MS)
    );

    // Nobody reads it again: Redis drops the head when its lifetime ends,
    // then the Vary record; nothing of the entry is left.
    for (until, what) in [
        (head_until, "head"),
        (head_until + store::TRAILING_MS, "vary"),
    ] {
        while now_ms()? < until + 250 {
            std::thread::sleep(Duration::from_millis(100));
        }
        let gone: bool = !redis.query::<bool>(redis::cmd("EXISTS").arg(if what == "head" {
            head_key.as_str()
        } else {
            vary[0].as_str()
        }))?;
        assert!(gone, "the {what} outlived its lifetime");
    }
    assert_eq!(redis.keys("c/")?, Vec::<String>::new());
    Ok(())
}
