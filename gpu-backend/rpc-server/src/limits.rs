//! `[server]`: what a server lets its clients hold. Every key has a
//! default, so a configuration names only what it changes.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerLimits {
    /// Open connections; one more is closed on accept.
    pub max_connections: usize,
    /// From waiting for a request (a new connection or an idle keep-alive
    /// one) to the last header byte; also bounds a TLS handshake.
    pub header_read_timeout_ms: u64,
    /// Reading a signed call's whole body.
    pub body_read_timeout_ms: u64,
    /// A response write making no progress this long closes the connection.
    pub idle_timeout_ms: u64,
    /// Jobs at once; 0: one per core.
    pub max_concurrent_jobs: usize,
    /// Jobs waiting for a slot; beyond, 503 `<service>-saturated`.
    pub max_queued_jobs: usize,
    /// How long a queued job waits before it is refused the same way.
    pub queue_timeout_ms: u64,
    /// `Retry-After` of a 503, seconds.
    pub retry_after_s: u64,
    /// Nonces remembered for the replay window; a full cache refuses calls
    /// (503) rather than forget one early.
    pub replay_cache_entries: usize,
}

impl Default for ServerLimits {
    fn default() -> ServerLimits {
        ServerLimits {
            max_connections: 1024,
            header_read_timeout_ms: 10_000,
            body_read_timeout_ms: 30_000,
            idle_timeout_ms: 30_000,
            max_concurrent_jobs: 0,
            max_queued_jobs: 64,
            queue_timeout_ms: 10_000,
            retry_after_s: 1,
            replay_cache_entries: 200_000,
        }
    }
}

impl ServerLimits {
    /// `max_concurrent_jobs`, with 0 resolved to the number of cores.
    pub fn jobs(&self) -> usize {
        match self.max_concurrent_jobs {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_keys_take_defaults_and_unknown_ones_are_refused() {
        let l: ServerLimits = toml::from_str("max_connections = 8").expect("parses");
        assert_eq!(l.max_connections, 8);
        assert_eq!(l.max_queued_jobs, ServerLimits::default().max_queued_jobs);
        assert!(toml::from_str::<ServerLimits>("max_conections = 8").is_err());
        let l = ServerLimits {
            max_concurrent_jobs: 3,
            ..ServerLimits::default()
        };
        assert_eq!(l.jobs(), 3);
        assert!(ServerLimits::default().jobs() >= 1);
    }
}
