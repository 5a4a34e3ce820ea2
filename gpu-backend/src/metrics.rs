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
}

impl Metrics {
    pub fn request(&self, route: &'static str, status: u16) {
        if let Ok(mut map) = self.requests.lock() {
            *map.entry((route, status)).or_default() += 1;
        }
    }

    /// A connection closed on accept: the connection cap was reached.
    pub fn connection_refused(&self) {
        self.connections_refused.fetch_add(1, Ordering::Relaxed);
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
        out
    }
}
