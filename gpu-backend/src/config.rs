//! Configuration: an embedded TOML default, an optional file replacing it,
//! then `MERIDIAN_BACKEND_*` environment overrides.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

const DEFAULT: &str = include_str!("../config/default.toml");

/// Which engine runs imaging's and try-on's pixel stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineChoice {
    /// The GPU when an adapter exists, else the CPU path.
    Auto,
    /// The GPU, or fail at start.
    Gpu,
    Cpu,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub max_input_pixels: u64,
    pub max_input_bytes: u64,
    pub max_output_side: u32,
}

// `[server]` and `[tls]` are read the same way by the collector.
pub use meridian_rpc_server::{ServerLimits, Tls};

/// The signing key, redacted in `Debug` so it never reaches a log.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct SigningKey(pub String);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

impl From<&str> for SigningKey {
    fn from(key: &str) -> SigningKey {
        SigningKey(key.to_owned())
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub listen: SocketAddr,
    pub region: String,
    /// This deployment's id, carried in every rendition's watermark.
    pub platform: u8,
    pub engine: EngineChoice,
    /// Allows the public development key, short keys and plain HTTP
    /// (`MERIDIAN_DEV=1`, `--dev`).
    #[serde(default)]
    pub development: bool,
    pub signing_key: SigningKey,
    pub signature_window_s: u64,
    pub catalog: PathBuf,
    pub limits: Limits,
    #[serde(default)]
    pub server: ServerLimits,
    #[serde(default)]
    pub tls: Tls,
    /// AR try-on; every key has a default (`crate::tryon::config`).
    #[serde(default)]
    pub tryon: crate::tryon::config::TryonConfig,
    /// Localized copy; runs on `[tryon] onnxruntime`, the process's one
    /// onnxruntime (`crate::copy`).
    #[serde(default)]
    pub copy: crate::copy::CopyConfig,
}

impl Config {
    /// The file at `path`, or the embedded default, then `env` overrides.
    pub fn load(
        path: Option<&std::path::Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config> {
        let text = match path {
            Some(p) => std::fs::read_to_string(p)
                .with_context(|| format!("reading config {}", p.display()))?,
            None => DEFAULT.to_owned(),
        };
        let mut config: Config = toml::from_str(&text).context("config does not parse")?;
        if let Some(v) = env("MERIDIAN_BACKEND_LISTEN") {
            config.listen = v
                .parse()
                .with_context(|| format!("MERIDIAN_BACKEND_LISTEN={v} is not an address"))?;
        }
        if let Some(v) = env("MERIDIAN_BACKEND_REGION") {
            config.region = v;
        }
        if let Some(v) = env("MERIDIAN_BACKEND_PLATFORM") {
            config.platform = v
                .parse()
                .with_context(|| format!("MERIDIAN_BACKEND_PLATFORM={v} is not 0..=255"))?;
        }
        if let Some(v) = env("MERIDIAN_BACKEND_ENGINE") {
            config.engine = match v.as_str() {
                "auto" => EngineChoice::Auto,
                "gpu" => EngineChoice::Gpu,
                "cpu" => EngineChoice::Cpu,
                other => bail!("MERIDIAN_BACKEND_ENGINE={other}: use auto, gpu or cpu"),
            };
        }
        if let Some(v) = env("MERIDIAN_BACKEND_SIGNING_KEY") {
            config.signing_key = SigningKey(v);
        }
        if let Some(v) = env("MERIDIAN_DEV") {
            config.development = matches!(v.trim(), "1" | "true" | "yes" | "on");
        }
        if let Some(v) = env("MERIDIAN_BACKEND_TLS_CERTIFICATE") {
            config.tls.certificate = PathBuf::from(v);
        }
        if let Some(v) = env("MERIDIAN_BACKEND_TLS_PRIVATE_KEY") {
            config.tls.private_key = PathBuf::from(v);
        }
        if let Some(v) = env("MERIDIAN_BACKEND_CATALOG") {
            config.catalog = PathBuf::from(v);
        }
        if config.catalog.as_os_str().is_empty() {
            config.catalog = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/catalog"));
        }
        if config.signing_key.0.is_empty() {
            bail!("the signing key is empty");
        }
        config.tryon.resolve(&env);
        config.copy.resolve();
        Ok(config)
    }

    /// Refuses, outside development mode, what would let anyone call this
    /// backend or read its traffic: a public or short signing key, plain
    /// HTTP. `start` runs this; `--dev` may turn development mode on after
    /// loading.
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
                "the signing key is unsafe ({why}): set MERIDIAN_BACKEND_SIGNING_KEY to a random key of at least {} bytes, or run in development mode (MERIDIAN_DEV=1 or --dev)",
                meridian_wit::rpc::MIN_KEY_BYTES
            );
        }
        if !self.tls.enabled() {
            bail!(
                "plain HTTP is for development only: configure [tls] certificate and private_key (or MERIDIAN_BACKEND_TLS_CERTIFICATE and _PRIVATE_KEY), or run in development mode (MERIDIAN_DEV=1 or --dev)"
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
        assert_eq!(c.listen.port(), 8081);
        assert_eq!(c.engine, EngineChoice::Auto);
        assert!(c.catalog.ends_with("catalog"));
        let c = Config::load(None, |k| match k {
            "MERIDIAN_BACKEND_LISTEN" => Some("127.0.0.1:0".into()),
            "MERIDIAN_BACKEND_ENGINE" => Some("cpu".into()),
            "MERIDIAN_BACKEND_SIGNING_KEY" => Some("s".into()),
            _ => None,
        })
        .expect("overrides apply");
        assert_eq!(
            (c.listen.port(), c.engine, c.signing_key.0.as_str()),
            (0, EngineChoice::Cpu, "s")
        );
    }

    #[test]
    fn the_shipped_key_and_plain_http_need_development_mode() {
        let c = Config::load(None, |_| None).expect("defaults load");
        let err = c.check_safety().expect_err("the public key");
        assert!(err.to_string().contains("development key"), "{err}");
        let strong = "0123456789abcdef0123456789abcdef";
        let c = Config::load(None, |k| {
            (k == "MERIDIAN_BACKEND_SIGNING_KEY").then(|| "short-key".into())
        })
        .expect("loads");
        assert!(c.check_safety().is_err(), "a short key");
        let c = Config::load(None, |k| {
            (k == "MERIDIAN_BACKEND_SIGNING_KEY").then(|| strong.into())
        })
        .expect("loads");
        let err = c.check_safety().expect_err("plain http");
        assert!(err.to_string().contains("plain HTTP"), "{err}");
        let c = Config::load(None, |k| match k {
            "MERIDIAN_BACKEND_SIGNING_KEY" => Some(strong.into()),
            "MERIDIAN_BACKEND_TLS_CERTIFICATE" => Some("/etc/b/cert.pem".into()),
            "MERIDIAN_BACKEND_TLS_PRIVATE_KEY" => Some("/etc/b/key.pem".into()),
            _ => None,
        })
        .expect("loads");
        c.check_safety().expect("a strong key over TLS");
        let c = Config::load(None, |k| (k == "MERIDIAN_DEV").then(|| "1".into())).expect("loads");
        c.check_safety().expect("development mode allows both");
        // The key never reaches a log.
        assert!(!format!("{c:?}").contains("meridian-dev-signing-key"));
    }

    #[test]
    fn the_embedded_tryon_section_is_the_default() {
        let c = Config::load(None, |_| None).expect("defaults load");
        let mut d = crate::tryon::config::TryonConfig::default();
        d.resolve(|_| None);
        assert_eq!(c.tryon, d);
        let c = Config::load(None, |k| {
            (k == "ORT_DYLIB_PATH").then(|| "/opt/ort/libonnxruntime.so".into())
        })
        .expect("loads");
        assert_eq!(
            c.tryon.onnxruntime,
            std::path::Path::new("/opt/ort/libonnxruntime.so")
        );
    }

    #[test]
    fn the_embedded_copy_section_names_the_cn2en_model() {
        let c = Config::load(None, |_| None).expect("defaults load");
        assert!(c.copy.memory.ends_with("copy/memory"));
        let [m] = c.copy.models.as_slice() else {
            panic!("one model: {:?}", c.copy.models)
        };
        assert_eq!(
            (m.generator().as_str(), m.source.as_str(), m.target.as_str()),
            ("cn2en@0.0.118", "zh", "en")
        );
        assert!(m.dir.ends_with(".meridian/models/cn2en") && m.dir.is_absolute());
    }

    #[test]
    fn bad_values_say_which() {
        let err = Config::load(None, |k| {
            (k == "MERIDIAN_BACKEND_ENGINE").then(|| "tpu".into())
        })
        .expect_err("refused");
        assert!(err.to_string().contains("tpu"));
        let err = Config::load(None, |k| {
            (k == "MERIDIAN_BACKEND_LISTEN").then(|| "nowhere".into())
        })
        .expect_err("refused");
        assert!(err.to_string().contains("MERIDIAN_BACKEND_LISTEN"));
    }
}
