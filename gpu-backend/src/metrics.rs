//! The backend's metrics, on `prometheus-client` (OpenMetrics text).

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use meridian_rpc_server::metrics::{Served, info};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Variant {
    variant: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Method {
    method: &'static str,
}

pub struct Metrics {
    served: Served,
    /// `meridian_backend_render_seconds`, a summary (`_sum`, `_count`) when
    /// written by hand: a histogram with no bucket but `+Inf` keeps those
    /// two names and adds only `_bucket{le="+Inf"}` (prometheus-client has
    /// no summary).
    renders: Histogram,
    bytes_out: Counter,
    /// Try-on calls by the shopper's experiment variants, so an arm's GPU
    /// cost shows; at most [`MAX_VARIANTS`] distinct values.
    tryon_variants: Family<Variant, Counter>,
    variants_seen: Mutex<HashSet<String>>,
    /// Copy results by the method that made them.
    copies: Family<Method, Counter>,
    /// `meridian_backend_copy_seconds_sum`: an OpenMetrics counter's name
    /// must end in `_total`, so the exposed name is kept as a gauge that
    /// only grows (`rate()` reads it the same).
    copy_seconds: Gauge<f64, AtomicU64>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            served: Served::default(),
            renders: Histogram::new(std::iter::empty()),
            bytes_out: Counter::default(),
            tryon_variants: Family::default(),
            variants_seen: Mutex::default(),
            copies: Family::default(),
            copy_seconds: Gauge::default(),
        }
    }
}

/// Distinct variant labels kept; later ones count as `other`.
pub const MAX_VARIANTS: usize = 64;

/// The label for a call's `meridian-variant`: `none` without one, the
/// value when it has the edge's shape (`experiment=variant;...`), else
/// `invalid`, so a label never carries anything else.
pub fn variant_label(header: Option<&str>) -> String {
    match header {
        None => "none".to_owned(),
        Some(v)
            if !v.is_empty()
                && v.len() <= 256
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._:=;-".contains(&b)) =>
        {
            v.to_owned()
        }
        Some(_) => "invalid".to_owned(),
    }
}

impl Metrics {
    pub fn request(&self, route: &'static str, status: u16) {
        self.served.request(route, status);
    }

    /// A try-on call for shoppers in `variant` ([`variant_label`]).
    pub fn tryon_variant(&self, variant: String) {
        let variant = match self.variants_seen.lock() {
            Ok(mut seen) if seen.contains(&variant) || seen.len() < MAX_VARIANTS => {
                seen.insert(variant.clone());
                variant
            }
            _ => "other".to_owned(),
        };
        self.tryon_variants
            .get_or_create(&Variant { variant })
            .inc();
    }

    /// A connection closed on accept: the connection cap was reached.
    pub fn connection_refused(&self) {
        self.served.connection_refused();
    }

    /// A copy result made by `method` in `micros`.
    pub fn copy(&self, micros: u64, method: &'static str) {
        self.copy_seconds.inc_by(micros as f64 / 1e6);
        self.copies.get_or_create(&Method { method }).inc();
    }

    pub fn render(&self, micros: u64, bytes: usize) {
        self.renders.observe(micros as f64 / 1e6);
        self.bytes_out.inc_by(bytes as u64);
    }

    /// Registers every metric for a scrape; the server adds the gauges it
    /// reads then.
    pub fn register(&self, registry: &mut Registry, region: &str, engine: &str) {
        info(
            registry,
            "meridian_backend_info",
            "Backend region and resize engine",
            &[("region", region), ("engine", engine)],
        );
        self.served.register(registry, "meridian_backend");
        registry.register(
            "meridian_backend_render_seconds",
            "Time spent in successful renders",
            self.renders.clone(),
        );
        registry.register(
            "meridian_backend_rendition_bytes",
            "Encoded bytes returned",
            self.bytes_out.clone(),
        );
        registry.register(
            "meridian_backend_tryon_variant",
            "Try-on calls by the shoppers' experiment variants",
            self.tryon_variants.clone(),
        );
        registry.register(
            "meridian_backend_copy",
            "Copy results by the method that made them",
            self.copies.clone(),
        );
        registry.register(
            "meridian_backend_copy_seconds_sum",
            "Time spent in successful copy calls",
            self.copy_seconds.clone(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_labels_are_bounded_and_clean() {
        assert_eq!(variant_label(None), "none");
        assert_eq!(
            variant_label(Some("hero-preset=square;rec-strategy=trending")),
            "hero-preset=square;rec-strategy=trending"
        );
        assert_eq!(variant_label(Some("x\"} 1\nfake 2")), "invalid");
        assert_eq!(variant_label(Some(&"a".repeat(300))), "invalid");
        let m = Metrics::default();
        for i in 0..100 {
            m.tryon_variant(format!("e=v{i}"));
        }
        m.tryon_variant("e=v0".to_owned());
        m.render(1_500, 10);
        m.copy(250_000, "template");
        let mut registry = Registry::default();
        m.register(&mut registry, "eu", "cpu \"x\"");
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).expect("encodes");
        assert!(text.contains("meridian_backend_tryon_variant_total{variant=\"e=v0\"} 2"));
        assert!(text.contains("meridian_backend_tryon_variant_total{variant=\"other\"} 36"));
        // The names dashboards read, as before prometheus-client.
        for line in [
            "meridian_backend_info{region=\"eu\",engine=\"cpu 'x'\"} 1",
            "meridian_backend_render_seconds_sum 0.0015",
            "meridian_backend_render_seconds_count 1",
            "meridian_backend_rendition_bytes_total 10",
            "meridian_backend_connections_refused_total 0",
            "meridian_backend_copy_total{method=\"template\"} 1",
            "meridian_backend_copy_seconds_sum 0.25",
        ] {
            assert!(text.lines().any(|l| l == line), "{line}\nin\n{text}");
        }
    }
}
