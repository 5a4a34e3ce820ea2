//! Event intake limits, from the Spin variable `events_config` (TOML).
//! The per-batch event count and field bounds are the wire format's
//! (`schemas/events-1.schema.json`), not configuration.

use serde::Deserialize;

/// The largest body browsers let `sendBeacon` queue, and so the most a
/// configuration may allow.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The most events in one batch (`maxItems` in the schema).
pub const MAX_EVENTS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventsConfig {
    /// Largest body accepted, bytes (at most [`MAX_BODY_BYTES`]).
    pub max_body_bytes: usize,
    /// How long before the edge's clock an event may be: pages queue
    /// events and send them when hidden.
    pub max_behind_ms: u64,
    /// How far after the edge's clock an event may be: client clocks run
    /// fast.
    pub max_ahead_ms: u64,
}

impl Default for EventsConfig {
    fn default() -> EventsConfig {
        EventsConfig {
            max_body_bytes: MAX_BODY_BYTES,
            max_behind_ms: 60 * 60 * 1000,
            max_ahead_ms: 5 * 60 * 1000,
        }
    }
}

/// A configuration that does not parse or breaks a bound.
#[derive(Debug, thiserror::Error)]
pub enum EventsConfigError {
    #[error("events configuration is invalid: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("events configuration: max_body_bytes must be from 1 to {MAX_BODY_BYTES}")]
    BodyBytes,
}

impl EventsConfig {
    /// Parses and checks `events_config`; empty text gives the defaults.
    pub fn from_toml(text: &str) -> Result<EventsConfig, EventsConfigError> {
        let config: EventsConfig = toml::from_str(text)?;
        if config.max_body_bytes == 0 || config.max_body_bytes > MAX_BODY_BYTES {
            return Err(EventsConfigError::BodyBytes);
        }
        Ok(config)
    }
}
