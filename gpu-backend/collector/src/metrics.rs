//! Prometheus metrics in the text exposition format, written by hand as in
//! the backend (a handful of counters needs no client library).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
    accepted: AtomicU64,
    duplicates: AtomicU64,
    append_micros: AtomicU64,
    appends: AtomicU64,
    connections_refused: AtomicU64,
    streamed: AtomicU64,
    stream_failures: AtomicU64,
    stream_backlog: AtomicU64,
}

impl Metrics {
    pub fn request(&self, route: &'static str, status: u16) {
        if let Ok(mut map) = self.requests.lock() {
            *map.entry((route, status)).or_default() += 1;
        }
    }

    /// A batch stored: its events new and already seen, and the time the
    /// transaction took.
    pub fn appended(&self, accepted: usize, duplicates: usize, micros: u64) {
        self.accepted.fetch_add(accepted as u64, Ordering::Relaxed);
        self.duplicates
            .fetch_add(duplicates as u64, Ordering::Relaxed);
        self.append_micros.fetch_add(micros, Ordering::Relaxed);
        self.appends.fetch_add(1, Ordering::Relaxed);
    }

    pub fn connection_refused(&self) {
        self.connections_refused.fetch_add(1, Ordering::Relaxed);
    }

    /// Events added to the Redis stream.
    pub fn streamed(&self, events: usize) {
        self.streamed.fetch_add(events as u64, Ordering::Relaxed);
    }

    /// A send to the stream that failed (Redis unreachable or refusing, or
    /// the outbox unreadable); its events stay queued.
    pub fn stream_failed(&self) {
        self.stream_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Events in the outbox, as the last send left it.
    pub fn stream_backlog(&self, events: u64) {
        self.stream_backlog.store(events, Ordering::Relaxed);
    }

    /// The exposition text; `gauges` are `(name, help, value)` the server
    /// reads at scrape time.
    pub fn render_text(&self, region: &str, gauges: &[(&str, &str, u64)]) -> String {
        let mut out = String::new();
        let family = |out: &mut String, name: &str, help: &str, kind: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        family(
            &mut out,
            "meridian_collector_info",
            "Collector region.",
            "gauge",
        );
        let _ = writeln!(out, "meridian_collector_info{{region=\"{region}\"}} 1");
        family(
            &mut out,
            "meridian_collector_requests_total",
            "HTTP requests by route and status.",
            "counter",
        );
        if let Ok(map) = self.requests.lock() {
            for ((route, status), n) in map.iter() {
                let _ = writeln!(
                    out,
                    "meridian_collector_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        for (name, help, value) in [
            (
                "meridian_collector_events_accepted_total",
                "Events stored.",
                load(&self.accepted),
            ),
            (
                "meridian_collector_events_duplicate_total",
                "Events received again (retries, repeats) and not stored twice.",
                load(&self.duplicates),
            ),
            (
                "meridian_collector_connections_refused_total",
                "Connections closed on accept at the cap.",
                load(&self.connections_refused),
            ),
            (
                "meridian_collector_stream_events_total",
                "Events added to the Redis stream.",
                load(&self.streamed),
            ),
            (
                "meridian_collector_stream_failures_total",
                "Sends to the Redis stream that failed; their events stay in the outbox.",
                load(&self.stream_failures),
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        }
        let name = "meridian_collector_append_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time in the store's batch transaction.\n# TYPE {name} summary\n{name}_sum {}\n{name}_count {}",
            load(&self.append_micros) as f64 / 1e6,
            load(&self.appends)
        );
        let own = (
            "meridian_collector_stream_backlog",
            "Events stored and not yet in the Redis stream (the outbox), as of the last send.",
            load(&self.stream_backlog),
        );
        for (name, help, value) in gauges.iter().copied().chain([own]) {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        }
        out
    }
}
