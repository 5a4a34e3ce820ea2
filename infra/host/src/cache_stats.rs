//! Edge cache outcomes per component, counted from the `Cache-Status`
//! (RFC 9211) of every response, as a CDN's platform counts them from its
//! logs. Served as OpenMetrics text (`prometheus-client`) at [`PATH`].

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

/// Where the host serves the counts; `/.well-known/` is the host's, as
/// Spin keeps `/.well-known/spin/` for itself.
pub const PATH: &str = "/.well-known/meridian/metrics";

/// What [`CacheStats::render`] writes (`# EOF` last), as the edge's and
/// the backend's metrics.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ComponentOutcome {
    component: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Component {
    component: String,
}

/// Counts by component and outcome.
#[derive(Debug)]
pub struct CacheStats {
    registry: Registry,
    responses: Family<ComponentOutcome, Counter>,
    /// Instances stopped at the post-response deadline, by component.
    post_response_deadlines: Family<Component, Counter>,
    /// Connections refused at the connection cap.
    connections_refused: Counter,
}

impl Default for CacheStats {
    fn default() -> CacheStats {
        let (responses, post_response_deadlines, connections_refused) =
            (Family::default(), Family::default(), Counter::default());
        let mut registry = Registry::default();
        // Registered without `_total`: the encoder adds it to counters.
        registry.register(
            "meridian_edge_cache_responses",
            "Responses by edge cache outcome (Cache-Status)",
            responses.clone(),
        );
        registry.register(
            "meridian_host_post_response_deadline",
            "Instances stopped at the post-response deadline",
            post_response_deadlines.clone(),
        );
        registry.register(
            "meridian_host_connections_refused",
            "Connections refused at the connection cap",
            connections_refused.clone(),
        );
        CacheStats {
            registry,
            responses,
            post_response_deadlines,
            connections_refused,
        }
    }
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
        self.responses
            .get_or_create(&ComponentOutcome {
                component: component.to_owned(),
                outcome: classify(cache_status),
            })
            .inc();
    }

    pub fn record_post_response_deadline(&self, component: &str) {
        self.post_response_deadlines
            .get_or_create(&Component {
                component: component.to_owned(),
            })
            .inc();
    }

    pub fn record_connection_refused(&self) {
        self.connections_refused.inc();
    }

    /// OpenMetrics text ([`CONTENT_TYPE`]).
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
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
    fn renders_openmetrics_counters() {
        let stats = CacheStats::default();
        stats.record("media", Some("meridian-edge; hit"));
        stats.record("media", Some("meridian-edge; hit"));
        stats.record("origin", Some("meridian-edge; fwd=uri-miss"));
        let text = stats.render();
        assert!(text.contains(
            "meridian_edge_cache_responses_total{component=\"media\",outcome=\"hit\"} 2\n"
        ));
        assert!(text.contains("{component=\"origin\",outcome=\"miss\"} 1\n"));
        stats.record_post_response_deadline("origin");
        stats.record_connection_refused();
        let text = stats.render();
        assert!(
            text.contains("meridian_host_post_response_deadline_total{component=\"origin\"} 1\n")
        );
        assert!(text.contains("\nmeridian_host_connections_refused_total 1\n"));
        assert!(text.contains("# TYPE meridian_edge_cache_responses counter\n"));
        assert!(text.ends_with("# EOF\n"));
    }
}
