//! Prometheus metrics in the text exposition format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
    render_micros: AtomicU64,
    renders: AtomicU64,
    bytes_out: AtomicU64,
    connections_refused: AtomicU64,
    /// Try-on calls by the shopper's experiment variants, so an arm's GPU
    /// cost shows; at most [`MAX_VARIANTS`] distinct values.
    tryon_variants: Mutex<BTreeMap<String, u64>>,
    /// Copy results by the method that made them.
    copies: Mutex<BTreeMap<&'static str, u64>>,
    copy_micros: AtomicU64,
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
        if let Ok(mut map) = self.requests.lock() {
            *map.entry((route, status)).or_default() += 1;
        }
    }

    /// A try-on call for shoppers in `variant` ([`variant_label`]).
    pub fn tryon_variant(&self, variant: String) {
        if let Ok(mut map) = self.tryon_variants.lock() {
            let key = if map.contains_key(&variant) || map.len() < MAX_VARIANTS {
                variant
            } else {
                "other".to_owned()
            };
            *map.entry(key).or_default() += 1;
        }
    }

    /// A connection closed on accept: the connection cap was reached.
    pub fn connection_refused(&self) {
        self.connections_refused.fetch_add(1, Ordering::Relaxed);
    }

    /// A copy result made by `method` in `micros`.
    pub fn copy(&self, micros: u64, method: &'static str) {
        self.copy_micros.fetch_add(micros, Ordering::Relaxed);
        if let Ok(mut map) = self.copies.lock() {
            *map.entry(method).or_default() += 1;
        }
    }

    pub fn render(&self, micros: u64, bytes: usize) {
        self.renders.fetch_add(1, Ordering::Relaxed);
        self.render_micros.fetch_add(micros, Ordering::Relaxed);
        self.bytes_out.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    pub fn render_text(&self, region: &str, engine: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP meridian_backend_info Backend region and resize engine."
        );
        let _ = writeln!(out, "# TYPE meridian_backend_info gauge");
        let _ = writeln!(
            out,
            "meridian_backend_info{{region=\"{region}\",engine=\"{}\"}} 1",
            engine.replace('"', "'")
        );
        let _ = writeln!(
            out,
            "# HELP meridian_backend_requests_total HTTP requests by route and status."
        );
        let _ = writeln!(out, "# TYPE meridian_backend_requests_total counter");
        if let Ok(map) = self.requests.lock() {
            for ((route, status), n) in map.iter() {
                let _ = writeln!(
                    out,
                    "meridian_backend_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP meridian_backend_render_seconds Time spent in successful renders."
        );
        let _ = writeln!(out, "# TYPE meridian_backend_render_seconds summary");
        let _ = writeln!(
            out,
            "meridian_backend_render_seconds_sum {}",
            self.render_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(
            out,
            "meridian_backend_render_seconds_count {}",
            self.renders.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP meridian_backend_rendition_bytes_total Encoded bytes returned."
        );
        let _ = writeln!(out, "# TYPE meridian_backend_rendition_bytes_total counter");
        let _ = writeln!(
            out,
            "meridian_backend_rendition_bytes_total {}",
            self.bytes_out.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP meridian_backend_connections_refused_total Connections closed on accept at the cap."
        );
        let _ = writeln!(
            out,
            "# TYPE meridian_backend_connections_refused_total counter"
        );
        let _ = writeln!(
            out,
            "meridian_backend_connections_refused_total {}",
            self.connections_refused.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP meridian_backend_tryon_variant_total Try-on calls by the shoppers' experiment variants."
        );
        let _ = writeln!(out, "# TYPE meridian_backend_tryon_variant_total counter");
        if let Ok(map) = self.tryon_variants.lock() {
            for (variant, n) in map.iter() {
                let _ = writeln!(
                    out,
                    "meridian_backend_tryon_variant_total{{variant=\"{variant}\"}} {n}"
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP meridian_backend_copy_total Copy results by the method that made them."
        );
        let _ = writeln!(out, "# TYPE meridian_backend_copy_total counter");
        if let Ok(map) = self.copies.lock() {
            for (method, n) in map.iter() {
                let _ = writeln!(
                    out,
                    "meridian_backend_copy_total{{method=\"{method}\"}} {n}"
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP meridian_backend_copy_seconds_sum Time spent in successful copy calls."
        );
        let _ = writeln!(out, "# TYPE meridian_backend_copy_seconds_sum counter");
        let _ = writeln!(
            out,
            "meridian_backend_copy_seconds_sum {}",
            self.copy_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        out
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
        let text = m.render_text("eu", "cpu");
        assert!(text.contains("meridian_backend_tryon_variant_total{variant=\"e=v0\"} 2"));
        assert!(text.contains("meridian_backend_tryon_variant_total{variant=\"other\"} 36"));
    }
}
