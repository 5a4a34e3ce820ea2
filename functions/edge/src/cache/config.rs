//! Cache limits and defaults, from the Spin variable `cache_config` (TOML).

use serde::Deserialize;

use crate::response::Refusal;

/// How the edge cache stores and serves.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// Largest value written to the key-value store; bodies above it are
    /// stored in chunks of this size. Real stores cap values (Fermyon
    /// Cloud at 1 MiB), so the default stays below common caps.
    pub chunk_bytes: usize,
    /// Responses larger than this are served but not stored.
    pub max_body_bytes: usize,
    /// `stale-while-revalidate` the edge adds to responses it generates
    /// itself (renditions, pages); origins set their own.
    pub stale_while_revalidate_s: u64,
    /// `stale-if-error` the edge adds to responses it generates itself.
    pub stale_if_error_s: u64,
    /// Query parameters that never change a response (tracking), dropped
    /// from cache keys and from requests to origins. A trailing `*` matches
    /// a prefix.
    pub ignored_query: Vec<String>,
}

impl Default for CacheConfig {
    fn default() -> CacheConfig {
        CacheConfig {
            chunk_bytes: 512 * 1024,
            max_body_bytes: 32 * 1024 * 1024,
            stale_while_revalidate_s: 60,
            stale_if_error_s: 86_400,
            ignored_query: ["utm_*", "gclid", "fbclid", "msclkid"]
                .map(str::to_owned)
                .to_vec(),
        }
    }
}

impl CacheConfig {
    /// Reads `cache_config`; empty text keeps the defaults.
    pub fn from_toml(text: &str) -> Result<CacheConfig, Refusal> {
        let invalid = |m: String| Refusal::new(500, "cache-config-invalid", m);
        if text.trim().is_empty() {
            return Ok(CacheConfig::default());
        }
        let config: CacheConfig =
            toml::from_str(text).map_err(|e| invalid(format!("cache_config: {e}")))?;
        // A chunk must hold at least a head record and some body.
        if config.chunk_bytes < 4096 {
            return Err(invalid(format!(
                "cache_config: chunk_bytes {} is below 4096",
                config.chunk_bytes
            )));
        }
        Ok(config)
    }

    pub fn ignores_query(&self, name: &str) -> bool {
        self.ignored_query
            .iter()
            .any(|p| match p.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => name == p,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_overrides_and_refuses_nonsense() {
        assert_eq!(CacheConfig::from_toml(""), Ok(CacheConfig::default()));
        let c =
            CacheConfig::from_toml("chunk_bytes = 8192\nignored_query = [\"ref\"]").expect("valid");
        assert_eq!(c.chunk_bytes, 8192);
        assert!(c.ignores_query("ref") && !c.ignores_query("utm_source"));
        assert!(CacheConfig::default().ignores_query("utm_campaign"));
        for bad in ["chunk_bytes = 10", "nope = 1", "chunk_bytes = \"x\""] {
            let e = CacheConfig::from_toml(bad).expect_err(bad);
            assert_eq!((e.status, e.code.as_str()), (500, "cache-config-invalid"));
        }
    }
}
