//! What the backend's and the collector's `/metrics` share, on
//! `prometheus-client`: the requests and refused connections every server
//! counts, the gauges read at scrape time, and the scrape's answer.
//!
//! Each scrape registers the long-lived metrics (cheap `Arc` clones) and
//! that moment's gauges in a fresh [`Registry`], so the servers keep
//! plain handles and the text keeps their order. Help texts are given
//! without a final period: the registry adds one.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::{Admission, Connections};

/// What a scrape is answered with: OpenMetrics text, as the encoder
/// writes it (`# EOF` last).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteStatus {
    route: &'static str,
    status: u16,
}

/// HTTP requests by route and status, and connections closed on accept
/// at the cap.
#[derive(Debug, Default)]
pub struct Served {
    requests: Family<RouteStatus, Counter>,
    refused: Counter,
}

impl Served {
    pub fn request(&self, route: &'static str, status: u16) {
        self.requests
            .get_or_create(&RouteStatus { route, status })
            .inc();
    }

    /// A connection closed on accept: the connection cap was reached.
    pub fn connection_refused(&self) {
        self.refused.inc();
    }

    /// `{prefix}_requests_total{route,status}` and
    /// `{prefix}_connections_refused_total` (the encoder adds `_total`).
    pub fn register(&self, registry: &mut Registry, prefix: &str) {
        registry.register(
            format!("{prefix}_requests"),
            "HTTP requests by route and status",
            self.requests.clone(),
        );
        registry.register(
            format!("{prefix}_connections_refused"),
            "Connections closed on accept at the cap",
            self.refused.clone(),
        );
    }
}

/// `name{labels} 1`, a gauge naming what serves. The encoder does not
/// escape label values, so a quote, backslash or newline is replaced.
pub fn info(registry: &mut Registry, name: &str, help: &str, labels: &[(&'static str, &str)]) {
    let labels: Vec<(&'static str, String)> = labels
        .iter()
        .map(|(k, v)| (*k, v.replace('"', "'").replace(['\\', '\n'], " ")))
        .collect();
    let info = Family::<Vec<(&'static str, String)>, Gauge>::default();
    info.get_or_create(&labels).set(1);
    registry.register(name, help, info);
}

/// `(name, help, value)` gauges read at scrape time.
pub fn gauges(registry: &mut Registry, gauges: &[(&str, &str, u64)]) {
    for &(name, help, value) in gauges {
        let gauge = Gauge::<i64>::default();
        gauge.set(i64::try_from(value).unwrap_or(i64::MAX));
        registry.register(name, help, gauge);
    }
}

/// `{prefix}_connections_open` and `{prefix}_replay_nonces`, read now.
pub fn connection_gauges(
    registry: &mut Registry,
    prefix: &str,
    connections: &Connections,
    admission: &Admission,
) {
    gauges(
        registry,
        &[
            (
                &format!("{prefix}_connections_open"),
                "Open client connections",
                connections.open(),
            ),
            (
                &format!("{prefix}_replay_nonces"),
                "Nonces remembered for the signature window",
                admission.replay_nonces() as u64,
            ),
        ],
    );
}

/// The scrape's answer: the registry as OpenMetrics text, or a 500 when
/// it does not encode.
pub fn respond(registry: &Registry) -> Response {
    let mut text = String::new();
    match encode(&mut text, registry) {
        Ok(()) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        Err(e) => {
            tracing::error!("metrics did not encode: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_as_exposed() {
        let mut registry = Registry::default();
        let served = Served::default();
        served.request("healthz", 200);
        served.request("healthz", 200);
        served.connection_refused();
        info(
            &mut registry,
            "x_info",
            "What serves",
            &[("region", "eu"), ("engine", "a \"b\"\n")],
        );
        served.register(&mut registry, "x");
        gauges(&mut registry, &[("x_open", "Open", 3)]);
        let mut text = String::new();
        encode(&mut text, &registry).expect("encodes");
        for line in [
            "# HELP x_requests HTTP requests by route and status.",
            "x_info{region=\"eu\",engine=\"a 'b' \"} 1",
            "x_requests_total{route=\"healthz\",status=\"200\"} 2",
            "x_connections_refused_total 1",
            "# TYPE x_open gauge",
            "x_open 3",
        ] {
            assert!(text.lines().any(|l| l == line), "{line}\nin\n{text}");
        }
        assert!(text.ends_with("# EOF\n"));
    }
}
