//! The load command behind `infra/bench/load.sh`: replays the request mix
//! (`infra/bench/request-mix.tsv`) against a running edge host and backend,
//! with a share of hostile traffic, bounded in requests and in time, on
//! loopback only. It reports throughput, answers by status per class of
//! traffic, transport errors and the peak RSS of the host and backend
//! (`VmHWM` of the pids it is given).
//!
//! Hostile classes, drawn in turn for every hostile slot:
//! - `random-query`: an origin route with a fresh random query string
//!   (must not grow the store: parameters outside the key are stripped);
//! - `slow-connection`: half a request, then one byte every 200 ms for up
//!   to 15 s (slowloris; the host should close it at its header-read
//!   timeout); these run on threads of their own so they never hold a
//!   client slot;
//! - `forged-signature`: a render call to the backend with a wrong
//!   signature;
//! - `replayed-signature`: one validly signed render call, sent again;
//! - `oversize-body`: 64 MiB announced to the backend without a valid
//!   signature (refused before it is read).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use meridian_edge::backend::{
    BackendClient, InboundResponse, OutboundRequest, Transport, TransportError,
};
use meridian_edge::cache::purge::sign_webhook;
use meridian_wit::rpc::{IMAGING_RENDER, REGION_HEADER, SIGNATURE_HEADER};
use meridian_wit::types::{Crop, Fit, ImageFormat, RenderRequest, Size};

#[derive(Parser, Debug)]
#[command(about = "Replay the request mix with hostile traffic against a running edge and backend")]
struct Args {
    /// The edge host, e.g. http://127.0.0.1:3000 (loopback only).
    #[arg(long)]
    host: String,
    /// The GPU backend, e.g. http://127.0.0.1:8081 (loopback only).
    #[arg(long)]
    backend: String,
    /// The request mix.
    #[arg(long, default_value = "infra/bench/request-mix.tsv")]
    mix: String,
    /// Most requests sent in all.
    #[arg(long, default_value_t = 6000)]
    requests: usize,
    /// Most seconds spent sending.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Client threads.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Share of hostile requests, 0 to 1.
    #[arg(long, default_value_t = 0.1)]
    hostile: f64,
    /// The edge's purge webhook secret, to replay the mix's price changes.
    #[arg(long, default_value = "")]
    webhook_secret: String,
    /// The backend's signing key, for the replayed call.
    #[arg(long, default_value = "")]
    signing_key: String,
    /// The region the backend serves.
    #[arg(long, default_value = "eu")]
    region: String,
    /// The edge host's pid, for its peak RSS.
    #[arg(long)]
    host_pid: Option<u32>,
    /// The backend's pid, for its peak RSS.
    #[arg(long)]
    backend_pid: Option<u32>,
}

#[derive(Clone)]
enum Line {
    Get { country: String, path: String },
    Webhook { sku: String },
}

const HOSTILE: [&str; 5] = [
    "random-query",
    "slow-connection",
    "forged-signature",
    "replayed-signature",
    "oversize-body",
];

#[derive(Default)]
struct Tally {
    /// (class, status or error) -> count
    answers: BTreeMap<(String, String), u64>,
    /// Milliseconds of each answered mix request.
    latencies_ms: Vec<f64>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    for url in [&args.host, &args.backend] {
        if !(url.starts_with("http://127.") || url.starts_with("http://[::1]")) {
            bail!("{url}: the load command only runs against loopback");
        }
    }
    let mix = read_mix(&args.mix)?;
    if mix.is_empty() {
        bail!("{}: no requests", args.mix);
    }
    let replay = signed_render_call(&args)?;
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .redirects(0)
        .max_idle_connections_per_host(args.concurrency)
        .build();
    let next = Arc::new(AtomicUsize::new(0));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let slow: Arc<Mutex<Vec<std::thread::JoinHandle<String>>>> = Arc::default();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let hostile_every = if args.hostile > 0.0 {
        (1.0 / args.hostile).round().max(1.0) as usize
    } else {
        usize::MAX
    };
    let workers: Vec<_> = (0..args.concurrency.max(1))
        .map(|_| {
            let slow = slow.clone();
            let (next, tally, agent, mix, replay) = (
                next.clone(),
                tally.clone(),
                agent.clone(),
                mix.clone(),
                replay.clone(),
            );
            let (host, backend, secret) = (
                args.host.clone(),
                args.backend.clone(),
                args.webhook_secret.clone(),
            );
            let limit = args.requests;
            std::thread::spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= limit || Instant::now() >= deadline {
                        break;
                    }
                    let (class, outcome, ms) = if i % hostile_every == hostile_every - 1 {
                        let kind = HOSTILE[(i / hostile_every) % HOSTILE.len()];
                        if kind == "slow-connection" {
                            let host = host.clone();
                            let handle = std::thread::spawn(move || slow_connection(&host));
                            slow.lock().unwrap_or_else(|p| p.into_inner()).push(handle);
                            continue;
                        }
                        let t = Instant::now();
                        let outcome = hostile(kind, i, &agent, &host, &backend, &mix, &replay);
                        (kind.to_owned(), outcome, t.elapsed().as_secs_f64() * 1e3)
                    } else {
                        let line = &mix[i % mix.len()];
                        let t = Instant::now();
                        let outcome = normal(line, &agent, &host, &secret);
                        let class = match line {
                            Line::Get { path, .. } if path.starts_with("/v1/media") => "mix-media",
                            Line::Get { .. } => "mix-origin",
                            Line::Webhook { .. } => "mix-webhook",
                        };
                        (class.to_owned(), outcome, t.elapsed().as_secs_f64() * 1e3)
                    };
                    let mut t = tally.lock().unwrap_or_else(|p| p.into_inner());
                    if class.starts_with("mix-") && !outcome.starts_with("error") {
                        t.latencies_ms.push(ms);
                    }
                    *t.answers.entry((class, outcome)).or_default() += 1;
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut tally = tally.lock().unwrap_or_else(|p| p.into_inner());
    let slow = std::mem::take(&mut *slow.lock().unwrap_or_else(|p| p.into_inner()));
    for handle in slow {
        let outcome = handle
            .join()
            .unwrap_or_else(|_| "error: probe panicked".to_owned());
        *tally
            .answers
            .entry(("slow-connection".to_owned(), outcome))
            .or_default() += 1;
    }
    report(&args, &mut tally, elapsed);
    Ok(())
}

fn read_mix(path: &str) -> Result<Vec<Line>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    Ok(text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(a, b)| match a {
            "webhook" => Line::Webhook { sku: b.to_owned() },
            _ => Line::Get {
                country: a.to_owned(),
                path: b.to_owned(),
            },
        })
        .collect())
}

fn outcome(result: Result<ureq::Response, ureq::Error>) -> String {
    match result {
        Ok(r) | Err(ureq::Error::Status(_, r)) => {
            let status = r.status();
            let mut sink = Vec::new();
            match r.into_reader().read_to_end(&mut sink) {
                Ok(_) => status.to_string(),
                Err(_) => format!("error: {status} body cut"),
            }
        }
        // The backend refuses an unsigned upload by its headers and closes
        // the connection without reading the body.
        Err(ureq::Error::Transport(t)) if t.kind() == ureq::ErrorKind::Io => {
            "connection closed by server".to_owned()
        }
        Err(e) => format!("error: {}", e.kind()),
    }
}

fn normal(line: &Line, agent: &ureq::Agent, host: &str, secret: &str) -> String {
    match line {
        Line::Get { country, path } => outcome(
            agent
                .get(&format!("{host}{path}"))
                .set("cf-ipcountry", country)
                .call(),
        ),
        Line::Webhook { sku } => {
            let body = serde_json::json!({"event": "price.changed", "skus": [sku]}).to_string();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default();
            outcome(
                agent
                    .post(&format!("{host}/v1/purge/webhook"))
                    .set("content-type", "application/json")
                    .set(
                        "meridian-webhook-signature",
                        &sign_webhook(body.as_bytes(), secret, now),
                    )
                    .send_bytes(body.as_bytes()),
            )
        }
    }
}

/// One validly signed render call, built once by the edge's own client so
/// it can be replayed byte for byte.
#[derive(Clone)]
struct SignedCall {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// The client only builds the call here; nothing is sent through it.
struct BuildOnly;

impl Transport for BuildOnly {
    async fn send(&self, _: OutboundRequest) -> Result<InboundResponse, TransportError> {
        Err(TransportError("the load command sends calls itself".into()))
    }
}

fn signed_render_call(args: &Args) -> Result<SignedCall> {
    let request = RenderRequest {
        asset: "umang.jpg".into(),
        size: Size {
            width: 64,
            height: 64,
        },
        fit: Fit::Cover,
        background: None,
        format: ImageFormat::Jpeg,
        quality: 70,
        crop: Crop::Centre,
        subject_fill: None,
        min_source_side: None,
        merchant: 1,
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("clock before 1970")?
        .as_secs();
    let call = BackendClient::new(&args.backend, &args.signing_key, BuildOnly)
        .in_region(&args.region)
        .render_request(&request, now);
    Ok(SignedCall {
        headers: call.headers,
        body: call.body,
    })
}

fn hostile(
    kind: &str,
    i: usize,
    agent: &ureq::Agent,
    host: &str,
    backend: &str,
    mix: &[Line],
    replay: &SignedCall,
) -> String {
    match kind {
        "random-query" => {
            let path = mix
                .iter()
                .cycle()
                .skip(i % mix.len())
                .find_map(|l| match l {
                    Line::Get { path, .. } if path.starts_with("/v1/origin") => Some(path.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| "/v1/origin/catalog/products".to_owned());
            let sep = if path.contains('?') { '&' } else { '?' };
            let noise = random_token(i);
            outcome(
                agent
                    .get(&format!("{host}{path}{sep}q{noise}={noise}"))
                    .set("cf-ipcountry", "US")
                    .call(),
            )
        }
        "forged-signature" => {
            let mut req = agent.post(&format!("{backend}{IMAGING_RENDER}"));
            for (n, v) in &replay.headers {
                let v = if n == SIGNATURE_HEADER {
                    "0".repeat(64)
                } else {
                    v.clone()
                };
                req = req.set(n, &v);
            }
            outcome(req.send_bytes(&replay.body))
        }
        "replayed-signature" => {
            let mut req = agent.post(&format!("{backend}{IMAGING_RENDER}"));
            for (n, v) in &replay.headers {
                req = req.set(n, v);
            }
            outcome(req.send_bytes(&replay.body))
        }
        "oversize-body" => {
            const SIZE: u64 = 64 << 20;
            let zeros = std::io::repeat(0).take(SIZE);
            outcome(
                agent
                    .post(&format!("{backend}{IMAGING_RENDER}"))
                    .set("content-length", &SIZE.to_string())
                    .set("content-type", "application/json")
                    .set(REGION_HEADER, "eu")
                    .send(zeros),
            )
        }
        other => format!("error: unknown class {other}"),
    }
}

/// Half a request head, then a byte every 200 ms for at most 15 s:
/// whether the server closes it (as it should) or keeps waiting.
fn slow_connection(host: &str) -> String {
    let authority = host.trim_start_matches("http://");
    let Ok(mut stream) = TcpStream::connect(authority) else {
        return "error: connect".to_owned();
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    if stream
        .write_all(b"GET /v1/market HTTP/1.1\r\nHost: x\r\n")
        .is_err()
    {
        return "closed-by-server".to_owned();
    }
    let until = Instant::now() + Duration::from_secs(15);
    let mut buf = [0u8; 512];
    while Instant::now() < until {
        match stream.read(&mut buf) {
            Ok(0) => return "closed-by-server".to_owned(),
            Ok(n) => {
                let text = String::from_utf8_lossy(&buf[..n]);
                return text
                    .split_whitespace()
                    .nth(1)
                    .map(|s| format!("{s} to a slow client"))
                    .unwrap_or_else(|| "closed-by-server".to_owned());
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return "closed-by-server".to_owned(),
        }
        if stream.write_all(b"x").is_err() {
            return "closed-by-server".to_owned();
        }
    }
    "still-open-after-15s".to_owned()
}

/// A hex token that differs per request, without a random-number crate.
fn random_token(i: usize) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_usize(i);
    format!("{:016x}", h.finish())
}

fn peak_rss_mib(pid: Option<u32>) -> String {
    let Some(pid) = pid else {
        return "n/a".to_owned();
    };
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| format!("{:.0} MiB", kb / 1024.0))
        .unwrap_or_else(|| "n/a".to_owned())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let at = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

fn report(args: &Args, tally: &mut Tally, elapsed: f64) {
    let total: u64 = tally.answers.values().sum();
    tally.latencies_ms.sort_by(f64::total_cmp);
    println!(
        "{total} requests in {elapsed:.1} s ({:.0} req/s), {} client threads, {:.0}% hostile",
        total as f64 / elapsed.max(1e-9),
        args.concurrency,
        args.hostile * 100.0
    );
    println!(
        "mix latency: p50 {:.1} ms, p99 {:.1} ms",
        percentile(&tally.latencies_ms, 0.5),
        percentile(&tally.latencies_ms, 0.99)
    );
    println!(
        "peak RSS: host {}, backend {}",
        peak_rss_mib(args.host_pid),
        peak_rss_mib(args.backend_pid)
    );
    println!("\n| class | answer | count |\n| --- | --- | ---: |");
    for ((class, outcome), n) in &tally.answers {
        println!("| {class} | {outcome} | {n} |");
    }
}
