//! Edge cache outcomes per component, counted from the `Cache-Status`
//! (RFC 9211) of every response, as a CDN's platform counts them from its
//! logs. Served in Prometheus text at [`PATH`].

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Where the host serves the counts; `/.well-known/` is the host's, as
/// Spin keeps `/.well-known/spin/` for itself.
pub const PATH: &str = "/.well-known/meridian/metrics";

/// Counts by component and outcome.
#[derive(Debug, Default)]
pub struct CacheStats {
    counts: Mutex<BTreeMap<(String, &'static str), u64>>,
    /// Instances stopped at the post-response deadline, by component.
    post_response_deadlines: Mutex<BTreeMap<String, u64>>,
    /// Connections refused at the connection cap.
    connections_refused: std::sync::atomic::AtomicU64,
}

/// The outcome a `Cache-Status` value names for the edge cache.
pub fn classify(cache_status: Option<&str>) -> &'static str {
    let Some(value) = cache_status else {
        return "none";
    };
    // The edge cache's member; a cache in front of it would add its own.
    let member = value
        .split(',')
        .map(str::trim)
        .find(|m| m.starts_with("meridian-edge"))
        .unwrap_or(value);
    let params: Vec<&str> = member.split(';').map(str::trim).skip(1).collect();
    let has = |p: &str| params.contains(&p);
    let stale_detail = params.iter().any(|p| p.starts_with("detail=stale-"));
    if has("hit") {
        if stale_detail { "stale" } else { "hit" }
    } else if has("fwd=stale") {
        if stale_detail { "stale" } else { "revalidated" }
    } else if has("fwd=bypass") {
        "bypass"
    } else if params.iter().any(|p| p.starts_with("fwd=")) {
        "miss"
    } else {
        "none"
    }
}

impl CacheStats {
    pub fn record(&self, component: &str, cache_status: Option<&str>) {
        let outcome = classify(cache_status);
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        *counts.entry((component.to_owned(), outcome)).or_default() += 1;
    }

    pub fn record_post_response_deadline(&self, component: &str) {
        let mut counts = self
            .post_response_deadlines
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *counts.entry(component.to_owned()).or_default() += 1;
    }

    pub fn record_connection_refused(&self) {
        self.connections_refused
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = self.render_cache();
        out.push_str(
            "# HELP meridian_host_post_response_deadline_total Instances stopped at the post-response deadline.\n\
             # TYPE meridian_host_post_response_deadline_total counter\n",
        );
        let deadlines = self
            .post_response_deadlines
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for (component, n) in deadlines.iter() {
            out.push_str(&format!(
                "meridian_host_post_response_deadline_total{{component=\"{component}\"}} {n}\n"
            ));
        }
        out.push_str(&format!(
            "# HELP meridian_host_connections_refused_total Connections refused at the connection cap.\n\
             # TYPE meridian_host_connections_refused_total counter\n\
             meridian_host_connections_refused_total {}\n",
            self.connections_refused
                .load(std::sync::atomic::Ordering::Relaxed)
        ));
        out
    }

    fn render_cache(&self) -> String {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::from(
            "# HELP meridian_edge_cache_responses_total Responses by edge cache outcome (Cache-Status).\n\
             # TYPE meridian_edge_cache_responses_total counter\n",
        );
        for ((component, outcome), n) in counts.iter() {
            out.push_str(&format!(
                "meridian_edge_cache_responses_total{{component=\"{component}\",outcome=\"{outcome}\"}} {n}\n"
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_follow_the_edge_member() {
        let cases = [
            (Some("meridian-edge; hit; ttl=30"), "hit"),
            (
                Some("meridian-edge; hit; ttl=-3; detail=stale-while-revalidate"),
                "stale",
            ),
            (
                Some("meridian-edge; fwd=stale; fwd-status=503; ttl=-9; detail=stale-if-error"),
                "stale",
            ),
            (
                Some("meridian-edge; fwd=stale; fwd-status=304; ttl=60; stored"),
                "revalidated",
            ),
            (
                Some("meridian-edge; fwd=uri-miss; fwd-status=200; ttl=60; stored"),
                "miss",
            ),
            (Some("meridian-edge; fwd=vary-miss; fwd-status=200"), "miss"),
            (Some("meridian-edge; fwd=bypass"), "bypass"),
            (
                Some("other-cache; hit, meridian-edge; fwd=uri-miss"),
                "miss",
            ),
            (Some("garbage"), "none"),
            (None, "none"),
        ];
        for (value, want) in cases {
            assert_eq!(classify(value), want, "{value:?}");
        }
    }

    #[test]
    fn renders_prometheus_counters() {
        let stats = CacheStats::default();
        stats.record("media", Some("meridian-edge; hit"));
        stats.record("media", Some("meridian-edge; hit"));
        stats.record("origin", Some("meridian-edge; fwd=uri-miss"));
        let text = stats.render();
        assert!(text.contains(
            "meridian_edge_cache_responses_total{component=\"media\",outcome=\"hit\"} 2\n"
        ));
        assert!(text.contains("{component=\"origin\",outcome=\"miss\"} 1\n"));
    }
}
