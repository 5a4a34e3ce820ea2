//! `meridian-host`: runs a Spin (manifest version 2) application on wasmtime,
//! for machines where the Spin CLI is not installed.

pub mod cache_stats;
pub mod engine;
pub mod files;
pub mod instances;
pub mod kv;
pub mod kv_stores;
pub mod manifest;
pub mod outbound;
pub mod outbound_redis;
pub mod request_headers;
pub mod reuse;
pub mod router;
pub mod runtime_config;
pub mod server;
pub mod sqlite;
pub mod sqlite_host;
pub mod state;
pub mod stdio;
pub mod stores;

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
    /// Linear memory limit of one instance (of one request, for WASIp2).
    pub memory_limit: usize,
    /// Per-request deadline.
    pub timeout: Duration,
    /// How WASIp3 instances are reused (Spin 4's flags and defaults).
    pub reuse: reuse::ReuseConfig,
    /// Largest accepted request body.
    pub max_body: usize,
    /// Most concurrently instantiated components (pooling allocator slots).
    pub max_instances: u32,
    /// Largest value a key-value store accepts, as real stores cap values.
    pub kv_max_value: usize,
    /// Byte budgets (key + value bytes) of key-value labels, evicting least
    /// recently used keys; labels not listed are unbudgeted.
    pub kv_budgets: Vec<(String, u64)>,
    /// Fault injection for tests: runs inside every key-value write transaction.
    pub kv_write_hook: Option<kv::WriteHook>,
    /// How long a component may keep running after its response has been
    /// handed over (stale-while-revalidate, streaming the body).
    pub post_response_timeout: Duration,
    /// Ceilings on components' outbound HTTP; a component's shorter ones stand.
    pub outbound_timeouts: outbound::OutboundTimeouts,
    /// From a connection's start, or a request's first byte, to its complete head.
    pub header_read_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// Most open client connections; more are answered 503 and closed.
    pub max_connections: usize,
    /// `--profile perfmap`: write `/tmp/perf-<pid>.map` so `perf` names guest functions.
    pub perfmap: bool,
    /// Reset instance memory through Linux's PAGEMAP_SCAN where the kernel has it.
    pub pagemap_scan: bool,
    /// `SPIN_VARIABLE_*` overrides (the process environment by default).
    pub variable_env: manifest::VariableEnv,
    /// `--env`: environment variables for every component (over the manifest's).
    pub env: Vec<(String, String)>,
    /// `--runtime-config-file`: key-value stores and SQLite databases.
    pub runtime_config: Option<PathBuf>,
    /// `--key-value`: pairs set in the default store at start.
    pub key_values: Vec<(String, String)>,
    /// `--sqlite`: statements (or `@file[:label]`) run at start.
    pub sqlite_statements: Vec<String>,
    /// Whose output is shown on the host's stderr.
    pub follow: stdio::Follow,
    /// Component log files; default `<state_dir>/logs`, an empty path for none.
    pub log_dir: Option<PathBuf>,
}

/// The default budget of label `cache` (the edge cache's store).
pub const DEFAULT_CACHE_BUDGET: u64 = 256 << 20;

impl Config {
    pub fn new(manifest: impl Into<PathBuf>) -> Self {
        Self {
            manifest: manifest.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            state_dir: PathBuf::from(".spin"),
            cache_dir: None,
            memory_limit: 128 << 20,
            timeout: Duration::from_secs(30),
            reuse: reuse::ReuseConfig::default(),
            max_body: 10 << 20,
            max_instances: 1000,
            kv_max_value: 1 << 20,
            kv_budgets: vec![("cache".to_owned(), DEFAULT_CACHE_BUDGET)],
            kv_write_hook: None,
            post_response_timeout: Duration::from_secs(30),
            outbound_timeouts: outbound::OutboundTimeouts::default(),
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 4096,
            perfmap: false,
            pagemap_scan: true,
            variable_env: manifest::process_variable_env(),
            env: Vec::new(),
            runtime_config: None,
            key_values: Vec::new(),
            sqlite_statements: Vec::new(),
            follow: stdio::Follow::All,
            log_dir: None,
        }
    }

    /// Where component logs go (`None`: nowhere).
    pub fn log_dir(&self) -> Option<PathBuf> {
        match &self.log_dir {
            Some(dir) if dir.as_os_str().is_empty() => None,
            Some(dir) => Some(dir.clone()),
            None => Some(self.state_dir.join("logs")),
        }
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.cache_dir
            .clone()
            .unwrap_or_else(|| self.state_dir.join("compiled"))
    }
}
