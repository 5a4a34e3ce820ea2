//! The collector's metrics, on `prometheus-client` (OpenMetrics text),
//! with what it counts as every server does from `meridian-rpc-server`.

use meridian_rpc_server::metrics::{Served, info};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

pub struct Metrics {
    served: Served,
    accepted: Counter,
    duplicates: Counter,
    /// `meridian_collector_append_seconds`, a summary (`_sum`, `_count`)
    /// when written by hand: a histogram with no bucket but `+Inf` keeps
    /// those two names and adds only `_bucket{le="+Inf"}` (prometheus-client
    /// has no summary).
    appends: Histogram,
    streamed: Counter,
    stream_failures: Counter,
    stream_backlog: Gauge,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            served: Served::default(),
            accepted: Counter::default(),
            duplicates: Counter::default(),
            appends: Histogram::new(std::iter::empty()),
            streamed: Counter::default(),
            stream_failures: Counter::default(),
            stream_backlog: Gauge::default(),
        }
    }
}

impl Metrics {
    pub fn request(&self, route: &'static str, status: u16) {
        self.served.request(route, status);
    }

    /// A batch stored: its events new and already seen, and the time the
    /// transaction took.
    pub fn appended(&self, accepted: usize, duplicates: usize, micros: u64) {
        self.accepted.inc_by(accepted as u64);
        self.duplicates.inc_by(duplicates as u64);
        self.appends.observe(micros as f64 / 1e6);
    }

    pub fn connection_refused(&self) {
        self.served.connection_refused();
    }

    /// Events added to the Redis stream.
    pub fn streamed(&self, events: usize) {
        self.streamed.inc_by(events as u64);
    }

    /// A send to the stream that failed (Redis unreachable or refusing, or
    /// the outbox unreadable); its events stay queued.
    pub fn stream_failed(&self) {
        self.stream_failures.inc();
    }

    /// Events in the outbox, as the last send left it.
    pub fn stream_backlog(&self, events: u64) {
        self.stream_backlog
            .set(i64::try_from(events).unwrap_or(i64::MAX));
    }

    /// Registers every metric for a scrape; the server adds the gauges it
    /// reads then.
    pub fn register(&self, registry: &mut Registry, region: &str) {
        info(
            registry,
            "meridian_collector_info",
            "Collector region",
            &[("region", region)],
        );
        self.served.register(registry, "meridian_collector");
        // Registered without `_total`: the encoder adds it.
        for (name, help, counter) in [
            (
                "meridian_collector_events_accepted",
                "Events stored",
                &self.accepted,
            ),
            (
                "meridian_collector_events_duplicate",
                "Events received again (retries, repeats) and not stored twice",
                &self.duplicates,
            ),
            (
                "meridian_collector_stream_events",
                "Events added to the Redis stream",
                &self.streamed,
            ),
            (
                "meridian_collector_stream_failures",
                "Sends to the Redis stream that failed; their events stay in the outbox",
                &self.stream_failures,
            ),
        ] {
            registry.register(name, help, counter.clone());
        }
        registry.register(
            "meridian_collector_append_seconds",
            "Time in the store's batch transaction",
            self.appends.clone(),
        );
        registry.register(
            "meridian_collector_stream_backlog",
            "Events stored and not yet in the Redis stream (the outbox), as of the last send",
            self.stream_backlog.clone(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_as_exposed() {
        let m = Metrics::default();
        m.request("rpc/events/append", 200);
        m.appended(3, 1, 2_000);
        m.streamed(2);
        m.stream_failed();
        m.stream_backlog(1);
        let mut registry = Registry::default();
        m.register(&mut registry, "eu");
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).expect("encodes");
        for line in [
            "meridian_collector_info{region=\"eu\"} 1",
            "meridian_collector_requests_total{route=\"rpc/events/append\",status=\"200\"} 1",
            "meridian_collector_events_accepted_total 3",
            "meridian_collector_events_duplicate_total 1",
            "meridian_collector_connections_refused_total 0",
            "meridian_collector_stream_events_total 2",
            "meridian_collector_stream_failures_total 1",
            "meridian_collector_append_seconds_sum 0.002",
            "meridian_collector_append_seconds_count 1",
            "meridian_collector_stream_backlog 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line}\nin\n{text}");
        }
    }
}
