//! Configuration: an embedded TOML default, an optional file replacing it,
//! then `MERIDIAN_COLLECTOR_*` environment overrides.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::store::Durability;
use crate::wire::ConversionMetric;

const DEFAULT: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// Empty: `<data_dir>/events.sqlite`.
    pub path: PathBuf,
    pub durability: Durability,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub max_events_per_batch: usize,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountsConfig {
    /// The metric when a query names none.
    pub conversion: ConversionMetric,
}

// `[server]` and `[tls]` are read the same way by the backend.
pub use meridian_rpc_server::{ServerLimits, Tls};

/// A key or token, redacted in `Debug` so it never reaches a log.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<&str> for Secret {
    fn from(key: &str) -> Secret {
        Secret(key.to_owned())
    }
}

/// The bandit job (`[bandit]`): recomputes experiments' weights from the
/// counts here and publishes them to the edge.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BanditJobConfig {
    /// The edge's base URL (`https://edge.example`); empty: the job is off.
    pub edge_url: String,
    /// Bearer token of the edge's experiments admin API.
    pub admin_token: Secret,
    /// Seconds between runs; the first runs at start.
    pub interval_s: u64,
}

impl Default for BanditJobConfig {
    fn default() -> BanditJobConfig {
        BanditJobConfig {
            edge_url: String::new(),
            admin_token: Secret::default(),
            interval_s: 300,
        }
    }
}

impl BanditJobConfig {
    pub fn enabled(&self) -> bool {
        !self.edge_url.is_empty()
    }
}

/// The optional Redis Streams sink (`[stream]`): every event the store
/// accepts is also added to a stream, at least once, through the store's
/// outbox.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StreamConfig {
    /// `redis://[user:password@]host[:port][/db]`; empty: the sink is off.
    /// A secret: it may carry the password.
    pub redis_url: Secret,
    /// The stream's key.
    pub key: String,
    /// `XADD MAXLEN ~`: the stream is trimmed to about this many entries.
    pub maxlen: u64,
    /// How often events still in the outbox are sent again, ms.
    pub retry_interval_ms: u64,
    /// Entries per pipeline (one round trip to Redis).
    pub batch: usize,
    /// Connect, read and write timeout of a call to Redis, ms.
    pub timeout_ms: u64,
}

impl Default for StreamConfig {
    fn default() -> StreamConfig {
        StreamConfig {
            redis_url: Secret::default(),
            key: "meridian:events".into(),
            maxlen: 1_000_000,
            retry_interval_ms: 1000,
            batch: 500,
            timeout_ms: 2000,
        }
    }
}

impl StreamConfig {
    pub fn enabled(&self) -> bool {
        !self.redis_url.0.is_empty()
    }

    /// Refuses what would only fail later, on the first send: a URL that
    /// is not Redis's, an empty key, an unbounded stream.
    fn check(&self) -> Result<()> {
        if !self.enabled() {
            return Ok(());
        }
        crate::stream::check_url(&self.redis_url.0)?;
        if self.key.is_empty() {
            bail!("[stream] key is empty");
        }
        if self.maxlen == 0 {
            bail!("[stream] maxlen must be at least 1: the stream is always trimmed");
        }
        if self.batch == 0 || self.retry_interval_ms == 0 || self.timeout_ms == 0 {
            bail!("[stream] batch, retry_interval_ms and timeout_ms must be at least 1");
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub listen: SocketAddr,
    pub region: String,
    #[serde(default)]
    pub development: bool,
    pub signing_key: Secret,
    pub signature_window_s: u64,
    pub data_dir: PathBuf,
    pub store: StoreConfig,
    pub limits: Limits,
    pub counts: CountsConfig,
    #[serde(default)]
    pub server: ServerLimits,
    #[serde(default)]
    pub tls: Tls,
    #[serde(default)]
    pub bandit: BanditJobConfig,
    #[serde(default)]
    pub stream: StreamConfig,
}

impl Config {
    /// The file at `path`, or the embedded default, then `env` overrides.
    pub fn load(path: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Config> {
        let text = match path {
            Some(p) => std::fs::read_to_string(p)
                .with_context(|| format!("reading config {}", p.display()))?,
            None => DEFAULT.to_owned(),
        };
        let mut config: Config = toml::from_str(&text).context("config does not parse")?;
        if let Some(v) = env("MERIDIAN_COLLECTOR_LISTEN") {
            config.listen = v
                .parse()
                .with_context(|| format!("MERIDIAN_COLLECTOR_LISTEN={v} is not an address"))?;
        }
        if let Some(v) = env("MERIDIAN_COLLECTOR_REGION") {
            config.region = v;
        }
        if let Some(v) = env("MERIDIAN_COLLECTOR_SIGNING_KEY") {
            config.signing_key = Secret(v);
        }
        if let Some(v) = env("MERIDIAN_COLLECTOR_DATA_DIR") {
            config.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("MERIDIAN_COLLECTOR_STORE") {
            config.store.path = PathBuf::from(v);
        }
        if let Some(v) = env("MERIDIAN_COLLECTOR_DURABILITY") {
            config.store.durability = match v.as_str() {
                "normal" => Durability::Normal,
                "full" => Durability::Full,
                other => bail!("MERIDIAN_COLLECTOR_DURABILITY={other}: use normal or full"),
            };
        }
        if let Some(v) = env("MERIDIAN_DEV") {
            config.development = matches!(v.trim(), "1" | "true" | "yes" | "on");
        }
        if let Some(v) = env("MERIDIAN_COLLECTOR_TLS_CERTIFICATE") {
            config.tls.certificate = PathBuf::from(v);
        }
        if let Some(v) = env("MERIDIAN_COLLECTOR_TLS_PRIVATE_KEY") {
            config.tls.private_key = PathBuf::from(v);
        }
        if let Some(v) = env("MERIDIAN_COLLECTOR_BANDIT_EDGE_URL") {
            config.bandit.edge_url = v;
        }
        if let Some(v) = env("MERIDIAN_COLLECTOR_BANDIT_ADMIN_TOKEN") {
            config.bandit.admin_token = Secret(v);
        }
        if let Some(v) = env("MERIDIAN_COLLECTOR_REDIS_URL") {
            config.stream.redis_url = Secret(v);
        }
        config.stream.check()?;
        if config.bandit.enabled() {
            let url = &config.bandit.edge_url;
            if !(url.starts_with("https://") || url.starts_with("http://"))
                || url.contains(['?', '#', ' '])
            {
                bail!("[bandit] edge_url `{url}` is not an http(s) base URL");
            }
            if config.bandit.admin_token.0.is_empty() {
                bail!(
                    "[bandit] admin_token is empty: set it (or MERIDIAN_COLLECTOR_BANDIT_ADMIN_TOKEN), or leave edge_url empty to turn the job off"
                );
            }
            if config.bandit.interval_s == 0 {
                bail!("[bandit] interval_s must be at least 1");
            }
        }
        if config.signing_key.0.is_empty() {
            bail!("the signing key is empty");
        }
        if config.region.is_empty() {
            bail!("the region is empty");
        }
        if config.limits.max_events_per_batch == 0 {
            bail!("[limits] max_events_per_batch must be at least 1");
        }
        Ok(config)
    }

    /// The SQLite file: `[store] path`, else `<data_dir>/events.sqlite`.
    pub fn store_path(&self) -> PathBuf {
        if self.store.path.as_os_str().is_empty() {
            self.data_dir.join("events.sqlite")
        } else {
            self.store.path.clone()
        }
    }

    /// Refuses, outside development mode, a bandit job calling its edge
    /// over plain HTTP: the admin token travels with every call.
    pub fn check_bandit_safety(&self) -> Result<()> {
        if !self.development && self.bandit.edge_url.starts_with("http://") {
            bail!(
                "[bandit] edge_url is plain HTTP, which only development mode allows: use https://"
            );
        }
        Ok(())
    }

    /// Refuses, outside development mode, a public or short signing key
    /// and plain HTTP (served, or to the bandit's edge): events are
    /// personal data even pseudonymized.
    pub fn check_safety(&self) -> Result<()> {
        if self.tls.enabled()
            && (self.tls.certificate.as_os_str().is_empty()
                || self.tls.private_key.as_os_str().is_empty())
        {
            bail!("[tls] needs both certificate and private_key");
        }
        if self.development {
            return Ok(());
        }
        if let Some(why) = meridian_wit::rpc::weak_key(&self.signing_key.0) {
            bail!(
                "the signing key is unsafe ({why}): set MERIDIAN_COLLECTOR_SIGNING_KEY to a random key of at least {} bytes, or run in development mode (MERIDIAN_DEV=1 or --dev)",
                meridian_wit::rpc::MIN_KEY_BYTES
            );
        }
        self.check_bandit_safety()?;
        if !self.tls.enabled() {
            bail!(
                "plain HTTP is for development only: configure [tls] certificate and private_key (or MERIDIAN_COLLECTOR_TLS_CERTIFICATE and _PRIVATE_KEY), or run in development mode (MERIDIAN_DEV=1 or --dev)"
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_then_environment() {
        let c = Config::load(None, |_| None).expect("defaults load");
        assert_eq!(c.listen.port(), 8091);
        assert_eq!(c.store.durability, Durability::Normal);
        assert_eq!(c.counts.conversion, ConversionMetric::Purchase);
        assert!(
            c.store_path()
                .ends_with(".meridian/collector/events.sqlite")
        );
        let c = Config::load(None, |k| match k {
            "MERIDIAN_COLLECTOR_REGION" => Some("us".into()),
            "MERIDIAN_COLLECTOR_DATA_DIR" => Some("/var/lib/c".into()),
            "MERIDIAN_COLLECTOR_DURABILITY" => Some("full".into()),
            _ => None,
        })
        .expect("overrides apply");
        assert_eq!(c.region, "us");
        assert_eq!(c.store.durability, Durability::Full);
        assert_eq!(c.store_path(), Path::new("/var/lib/c/events.sqlite"));
        let c = Config::load(None, |k| {
            (k == "MERIDIAN_COLLECTOR_STORE").then(|| "/srv/e.db".into())
        })
        .expect("loads");
        assert_eq!(c.store_path(), Path::new("/srv/e.db"));
    }

    #[test]
    fn bad_values_say_which() {
        let err = Config::load(None, |k| {
            (k == "MERIDIAN_COLLECTOR_DURABILITY").then(|| "fsync".into())
        })
        .expect_err("refused");
        assert!(err.to_string().contains("fsync"), "{err}");
        let err = Config::load(None, |k| {
            (k == "MERIDIAN_COLLECTOR_LISTEN").then(|| "nowhere".into())
        })
        .expect_err("refused");
        assert!(
            err.to_string().contains("MERIDIAN_COLLECTOR_LISTEN"),
            "{err}"
        );
        let err = Config::load(None, |k| {
            (k == "MERIDIAN_COLLECTOR_SIGNING_KEY").then(String::new)
        })
        .expect_err("refused");
        assert!(err.to_string().contains("signing key"), "{err}");
    }

    #[test]
    fn the_bandit_job_is_off_until_it_has_an_edge_and_a_token() {
        let c = Config::load(None, |_| None).expect("loads");
        assert!(!c.bandit.enabled());
        assert_eq!(c.bandit.interval_s, 300);
        let env = |url: &'static str, token: &'static str| {
            move |k: &str| match k {
                "MERIDIAN_COLLECTOR_BANDIT_EDGE_URL" => Some(url.to_owned()),
                "MERIDIAN_COLLECTOR_BANDIT_ADMIN_TOKEN" => Some(token.to_owned()),
                "MERIDIAN_COLLECTOR_SIGNING_KEY" => Some("0123456789abcdef0123456789abcdef".into()),
                "MERIDIAN_COLLECTOR_TLS_CERTIFICATE" => Some("cert.pem".into()),
                "MERIDIAN_COLLECTOR_TLS_PRIVATE_KEY" => Some("key.pem".into()),
                _ => None,
            }
        };
        let c = Config::load(None, env("https://edge.example", "t0ken")).expect("loads");
        assert!(c.bandit.enabled());
        c.check_safety().expect("https and a token");
        assert!(!format!("{c:?}").contains("t0ken"));
        let err = Config::load(None, env("https://edge.example", "")).expect_err("no token");
        assert!(err.to_string().contains("admin_token"), "{err}");
        let err = Config::load(None, env("edge.example", "t")).expect_err("no scheme");
        assert!(err.to_string().contains("edge_url"), "{err}");
        let c = Config::load(None, env("http://127.0.0.1:1", "t")).expect("loads");
        let err = c
            .check_safety()
            .expect_err("plain http outside development");
        assert!(err.to_string().contains("[bandit]"), "{err}");
    }

    #[test]
    fn the_stream_is_off_by_default_and_checked_when_on() {
        let c = Config::load(None, |_| None).expect("loads");
        assert!(!c.stream.enabled());
        let on = |k: &str| {
            (k == "MERIDIAN_COLLECTOR_REDIS_URL").then(|| "redis://127.0.0.1:6379".into())
        };
        let c = Config::load(None, on).expect("loads");
        assert!(c.stream.enabled());
        assert_eq!(
            (c.stream.key.as_str(), c.stream.maxlen),
            ("meridian:events", 1_000_000)
        );
        let dir = tempfile::tempdir().expect("tempdir");
        for (from, to, says) in [
            ("maxlen = 1000000", "maxlen = 0", "maxlen"),
            ("key = \"meridian:events\"", "key = \"\"", "key"),
            ("batch = 500", "batch = 0", "batch"),
            (
                "redis_url = \"\"",
                "redis_url = \"redis//nowhere\"",
                "not a Redis URL",
            ),
        ] {
            let file = dir.path().join("c.toml");
            assert!(DEFAULT.contains(from), "{from}");
            let text = DEFAULT
                .replace(from, to)
                .replace("redis_url = \"\"", "redis_url = \"redis://127.0.0.1:6379\"");
            std::fs::write(&file, text).expect("write");
            let err = Config::load(Some(&file), |_| None).expect_err(to);
            assert!(err.to_string().contains(says), "{to}: {err}");
        }
        assert!(!format!("{:?}", Config::load(None, on).expect("loads")).contains("6379"));
    }

    #[test]
    fn the_shipped_key_and_plain_http_need_development_mode() {
        let c = Config::load(None, |_| None).expect("loads");
        let err = c.check_safety().expect_err("the public key");
        assert!(err.to_string().contains("development key"), "{err}");
        let strong = "0123456789abcdef0123456789abcdef";
        let c = Config::load(None, |k| {
            (k == "MERIDIAN_COLLECTOR_SIGNING_KEY").then(|| strong.into())
        })
        .expect("loads");
        let err = c.check_safety().expect_err("plain http");
        assert!(err.to_string().contains("plain HTTP"), "{err}");
        let c = Config::load(None, |k| (k == "MERIDIAN_DEV").then(|| "1".into())).expect("loads");
        c.check_safety().expect("development mode allows both");
        assert!(!format!("{c:?}").contains("meridian-dev-signing-key"));
    }
}
