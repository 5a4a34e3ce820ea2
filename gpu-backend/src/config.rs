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

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub listen: SocketAddr,
    pub region: String,
    /// This deployment's id, carried in every rendition's watermark.
    pub platform: u8,
    pub engine: EngineChoice,
    pub signing_key: String,
    pub signature_window_s: u64,
    pub catalog: PathBuf,
    pub limits: Limits,
    /// AR try-on; every key has a default (`crate::tryon::config`).
    #[serde(default)]
    pub tryon: crate::tryon::config::TryonConfig,
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
            config.signing_key = v;
        }
        if let Some(v) = env("MERIDIAN_BACKEND_CATALOG") {
            config.catalog = PathBuf::from(v);
        }
        if config.catalog.as_os_str().is_empty() {
            config.catalog = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/catalog"));
        }
        if config.signing_key.is_empty() {
            bail!("the signing key is empty");
        }
        config.tryon.resolve(&env);
        Ok(config)
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
            (c.listen.port(), c.engine, c.signing_key.as_str()),
            (0, EngineChoice::Cpu, "s")
        );
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
