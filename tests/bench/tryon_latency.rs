//! Per-frame latency of try-on on a 720p frame, as a live preview sends it
//! (one frame in flight, one session): through the edge host (component,
//! gate, residency routing, signed call to the backend) and straight to the
//! backend with the same signed call, side by side.
//!
//! cargo run --release -p meridian-e2e --example tryon-latency -- \
//!     --edge http://127.0.0.1:3000 --backend http://127.0.0.1:8081 \
//!     --key meridian-dev-signing-key [--frames 200] [--sku EYE-AVIATOR-GOLD]

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Result, bail};
use clap::Parser;
use meridian_e2e::{repo_root, send};
use meridian_edge::backend::{
    BackendClient, InboundResponse, OutboundRequest, Transport, TransportError,
};
use meridian_wit::types::{FaceRule, ImageFormat, TryonRequest, TryonStatus};

/// Blocking HTTP for the backend client (the benchmark sends one call at a time).
struct Blocking;

impl Transport for Blocking {
    async fn send(&self, request: OutboundRequest) -> Result<InboundResponse, TransportError> {
        let headers: Vec<(&str, &str)> = request
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let reply = send("POST", &request.url, &headers, Some(&request.body))
            .map_err(|e| TransportError(e.to_string()))?;
        Ok(InboundResponse {
            status: reply.status,
            meta: reply
                .header(meridian_wit::rpc::META_HEADER)
                .map(str::to_owned),
            body: reply.body,
        })
    }
}

/// Per-frame latency of try-on on a 720p frame, through the edge host and
/// straight to the backend, side by side.
#[derive(Parser)]
#[command(name = "tryon-latency", args_override_self = true)]
struct Args {
    /// The edge host's base URL.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:3000")]
    edge: String,
    /// The backend's base URL.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8081")]
    backend: String,
    /// The key calls to the backend are signed with.
    #[arg(long, value_name = "KEY", default_value = "meridian-dev-signing-key")]
    key: String,
    /// Frames timed each way (after 5 of warm-up).
    #[arg(long, value_name = "N", default_value_t = 200)]
    frames: usize,
    /// The product tried on.
    #[arg(long, value_name = "SKU", default_value = "EYE-AVIATOR-GOLD")]
    sku: String,
}

fn summary(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let at = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    let mean = ms.iter().sum::<f64>() / ms.len() as f64;
    println!(
        "{name:<28} frames {:>4}  p50 {:>6.1} ms  p99 {:>6.1} ms  mean {:>6.1} ms  {:>5.1} frames/s",
        ms.len(),
        at(0.5),
        at(0.99),
        mean,
        1000.0 / mean
    );
}

fn main() -> Result<()> {
    let args = Args::parse();
    let frame = std::fs::read(repo_root().join("gpu-backend/tests/faces/frame-720p.jpg"))?;
    let warmup = 5;

    // Through the edge, as the try-on page sends frames.
    let url = format!("{}/v1/tryon/{}", args.edge, args.sku);
    let mut edge = Vec::new();
    let mut engine = String::new();
    for i in 0..args.frames + warmup {
        let at = (i * 33).to_string();
        let headers = [
            ("content-type", "image/jpeg"),
            ("meridian-consent", "biometric"),
            ("meridian-tryon-session", "bench-edge"),
            ("meridian-frame-time", at.as_str()),
        ];
        let t = Instant::now();
        let reply = send("POST", &url, &headers, Some(&frame))?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let composited = reply.header("content-type") == Some("image/jpeg");
        if reply.status != 200 || !composited {
            bail!(
                "the edge answered {}: {}",
                reply.status,
                String::from_utf8_lossy(&reply.body)
            );
        }
        if i >= warmup {
            edge.push(ms);
        }
        if let Some(result) = reply.header("meridian-tryon") {
            let v: serde_json::Value = serde_json::from_str(result)?;
            engine = v["engine"].as_str().unwrap_or_default().to_owned();
        }
    }

    // Straight to the backend, the same signed call the edge makes.
    // Region-bound: the backend refuses a try-on call that does not say its region.
    let client = BackendClient::new(&args.backend, &args.key, Blocking).in_region("eu");
    let mut direct = Vec::new();
    for i in 0..args.frames + warmup {
        let request = TryonRequest {
            sku: args.sku.clone(),
            session: Some("bench-direct".into()),
            frame_time_ms: Some(i as u64 * 33),
            faces: FaceRule::Largest,
            format: ImageFormat::Jpeg,
            quality: 82,
        };
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
        let t = Instant::now();
        let result = futures_executor::block_on(client.composite(&request, &frame, now))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if result.meta.status != TryonStatus::Composited {
            bail!("the backend found no face in the benchmark frame");
        }
        if i >= warmup {
            direct.push(ms);
        }
    }

    println!(
        "try-on, 1280x720 JPEG ({} bytes), {}, engine: {engine}",
        frame.len(),
        args.sku
    );
    summary("edge host -> backend", edge);
    summary("backend, direct", direct);
    Ok(())
}
