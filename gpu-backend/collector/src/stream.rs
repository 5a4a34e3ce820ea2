//! The optional streaming sink: every event the store accepted is added to
//! a Redis stream (`XADD <key> MAXLEN ~ <maxlen> * id <event id> ...`).
//!
//! At least once, through the store's outbox: the batch's transaction
//! queues each new event beside its row, and this module takes events off
//! the queue only after Redis acknowledged their `XADD`. So an event SQLite
//! accepted reaches the stream even when Redis was down at the time (it is
//! sent on the next append, by the retry timer, or at the next start), and
//! an event may reach it twice only when an acknowledgement was lost (the
//! connection dropped after `XADD`, the collector stopped before the
//! outbox was updated): consumers dedupe on the `id` field. A duplicate
//! batch is never queued again, so it adds nothing to the stream.
//!
//! One task sends, woken after each append and by a timer: two sends never
//! race to add the same queued events.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;

use crate::config::StreamConfig;
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(
        "[stream] redis_url `{url}` is not a Redis URL (redis://[user:password@]host[:port][/db]): {source}"
    )]
    Url {
        /// Redacted: the password is not repeated.
        url: String,
        #[source]
        source: redis::RedisError,
    },
    #[error(
        "[stream] redis_url `{0}` asks for TLS (rediss://), which this build does not include: use redis:// to a Redis on this host or network"
    )]
    Tls(String),
    #[error("the Redis stream failed: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("Redis answered {got} of {sent} stream entries")]
    ShortReply { sent: usize, got: usize },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks `url` parses as a Redis URL this build can connect to.
pub fn check_url(url: &str) -> Result<redis::Client, StreamError> {
    let scheme = url.split_once("://").map(|(s, _)| s);
    // The crate's own message for this is about a cargo feature.
    if matches!(scheme, Some("rediss" | "valkeys")) {
        return Err(StreamError::Tls(redacted(url)));
    }
    redis::Client::open(url).map_err(|source| StreamError::Url {
        url: redacted(url),
        source,
    })
}

/// `url` without its user information, which may hold a password.
fn redacted(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://***@{host}"),
            None => url.to_owned(),
        },
        None if url.contains('@') => "***".to_owned(),
        None => url.to_owned(),
    }
}

/// Sends the outbox to the stream. Blocking: run it on the blocking pool.
pub struct Streamer {
    client: redis::Client,
    key: String,
    maxlen: u64,
    batch: usize,
    timeout: Duration,
    store: Arc<Store>,
    metrics: Arc<Metrics>,
    /// Kept between sends; dropped on any failure, so the next send
    /// starts from a fresh connection.
    connection: Mutex<Option<redis::Connection>>,
    /// Whether the last send failed: a failure is logged once as a warning
    /// when it starts, not at every retry.
    failing: AtomicBool,
}

impl Streamer {
    pub fn new(
        config: &StreamConfig,
        store: Arc<Store>,
        metrics: Arc<Metrics>,
    ) -> Result<Streamer, StreamError> {
        Ok(Streamer {
            client: check_url(&config.redis_url.0)?,
            key: config.key.clone(),
            maxlen: config.maxlen,
            batch: config.batch,
            timeout: Duration::from_millis(config.timeout_ms),
            store,
            metrics,
            connection: Mutex::new(None),
            failing: AtomicBool::new(false),
        })
    }

    /// Sends every queued event, oldest first, `batch` to a pipeline, and
    /// records the outcome in the metrics. Returns the events sent; on a
    /// failure, those sent before it stay sent and the rest stay queued.
    pub fn send_queued(&self) -> Result<usize, StreamError> {
        let result = self.drain();
        match &result {
            Ok(_) => {
                if self.failing.swap(false, Ordering::Relaxed) {
                    tracing::info!(key = %self.key, "the Redis stream takes events again");
                }
            }
            Err(e) => {
                self.metrics.stream_failed();
                if !self.failing.swap(true, Ordering::Relaxed) {
                    tracing::warn!(error = %e, key = %self.key, "events wait in the outbox for the Redis stream");
                } else {
                    tracing::debug!(error = %e, "the Redis stream still fails");
                }
            }
        }
        // The backlog is worth reporting even (above all) after a failure.
        match self.store.backlog() {
            Ok(n) => self.metrics.stream_backlog(n),
            Err(e) => tracing::warn!(error = %e, "cannot read the outbox's length"),
        }
        result
    }

    fn drain(&self) -> Result<usize, StreamError> {
        let mut slot = lock(&self.connection);
        let mut sent = 0;
        loop {
            let queued = self.store.unstreamed(self.batch)?;
            let Some(last) = queued.last().map(|q| q.seq) else {
                return Ok(sent);
            };
            let entries: Vec<_> = queued.iter().filter_map(|q| q.fields.as_ref()).collect();
            if !entries.is_empty() {
                // Taken out, and put back only after a full answer: a
                // connection that failed once is not trusted again.
                let mut connection = match slot.take() {
                    Some(c) => c,
                    None => self.connect()?,
                };
                let mut pipe = redis::pipe();
                for fields in &entries {
                    let xadd = pipe
                        .cmd("XADD")
                        .arg(self.key.as_str())
                        .arg("MAXLEN")
                        .arg("~")
                        .arg(self.maxlen)
                        .arg("*");
                    for (name, value) in *fields {
                        xadd.arg(*name).arg(value.as_str());
                    }
                }
                // One entry id per XADD; an error reply to any of them
                // fails the whole query, and nothing is taken off the queue.
                let ids: Vec<String> = pipe.query(&mut connection)?;
                if ids.len() != entries.len() {
                    return Err(StreamError::ShortReply {
                        sent: entries.len(),
                        got: ids.len(),
                    });
                }
                *slot = Some(connection);
            }
            // Redis has them: from here a failure re-sends them later
            // (at least once), never loses them.
            self.store.mark_streamed(last)?;
            self.metrics.streamed(entries.len());
            sent += entries.len();
        }
    }

    fn connect(&self) -> Result<redis::Connection, StreamError> {
        let c = self.client.get_connection_with_timeout(self.timeout)?;
        c.set_read_timeout(Some(self.timeout))?;
        c.set_write_timeout(Some(self.timeout))?;
        Ok(c)
    }
}

/// Sends the outbox at start (a backlog an earlier run left), whenever
/// `wake` is notified (after an append) and every `every` (Redis back
/// after a failure). Runs until aborted.
pub async fn schedule(streamer: Arc<Streamer>, wake: Arc<Notify>, every: Duration) {
    let mut timer = tokio::time::interval(every);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // The first tick is immediate: the start-up send.
        tokio::select! {
            _ = timer.tick() => {}
            () = wake.notified() => {}
        }
        let s = Arc::clone(&streamer);
        // The outcome is in the metrics and the log already.
        if let Err(e) = tokio::task::spawn_blocking(move || s.send_queued()).await {
            tracing::error!(error = %e, "the stream sender stopped");
        }
    }
}

/// A poisoned lock only means a send panicked; the connection is dropped
/// with it at the next failure, or works.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_passwords_not_repeated() {
        check_url("redis://127.0.0.1:6379").expect("plain");
        check_url("redis://:pw@127.0.0.1:6379/2").expect("password and db");
        check_url("unix:///run/redis.sock").expect("socket");
        for bad in [
            "http://127.0.0.1:6379",
            "127.0.0.1:6379",
            "redis://:hunter2@",
        ] {
            let err = check_url(bad).expect_err(bad).to_string();
            assert!(err.contains("[stream] redis_url"), "{err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
        let err = check_url("rediss://user:hunter2@cache.example:6380")
            .expect_err("no TLS")
            .to_string();
        assert!(err.contains("TLS") && !err.contains("hunter2"), "{err}");
        assert_eq!(redacted("redis://u:p@h:1/0"), "redis://***@h:1/0");
        assert_eq!(redacted("redis://h:1"), "redis://h:1");
    }
}
