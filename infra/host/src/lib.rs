//! `meridian-host`: runs a Spin (manifest version 2) application on wasmtime,
//! for machines where the Spin CLI is not installed.

pub mod cache_stats;
pub mod engine;
pub mod kv;
pub mod manifest;
pub mod outbound;
pub mod router;
pub mod server;
pub mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use server::{RunningHost, start};

/// Everything the host needs to start. Limits are configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub manifest: PathBuf,
    pub listen: SocketAddr,
    pub state_dir: PathBuf,
    /// Compiled-component cache; default `<state_dir>/compiled`.
    pub cache_dir: Option<PathBuf>,
    /// Per-request linear memory limit.
    pub memory_limit: usize,
    /// Per-request deadline.
    pub timeout: Duration,
    /// Largest accepted request body.
    pub max_body: usize,
    /// Most concurrently instantiated components (pooling allocator slots).
    pub max_instances: u32,
    /// Largest value a key-value store accepts, as real stores cap values.
    pub kv_max_value: usize,
    /// `SPIN_VARIABLE_*` overrides (the process environment by default).
    pub variable_env: manifest::VariableEnv,
}

impl Config {
    pub fn new(manifest: impl Into<PathBuf>) -> Self {
        Self {
            manifest: manifest.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            state_dir: PathBuf::from(".spin"),
            cache_dir: None,
            memory_limit: 128 << 20,
            timeout: Duration::from_secs(30),
            max_body: 10 << 20,
            max_instances: 1000,
            kv_max_value: 1 << 20,
            variable_env: manifest::process_variable_env(),
        }
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.cache_dir
            .clone()
            .unwrap_or_else(|| self.state_dir.join("compiled"))
    }
}
