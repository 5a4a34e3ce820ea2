//! Failover through the edge host: GB try-on (no-face frames, so the
//! backend's work is small) with `uk` nearest and `eu` next, while `uk` is
//! killed, hung and brought back. Prints a Markdown table for
//! `docs/benchmarks.md`.
//!
//! `cargo build --release -p meridian-gpu-backend -p meridian-host &&
//!  cargo run --release -p meridian-e2e --example failover`
//! (`bash infra/run bench` runs it; the release wasm components must be built.)

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use meridian_e2e::{
    Service, TRUST_LOOPBACK, empty_frame, free_addr, regions_manifest, send, start_backend_at,
    start_host_with, test_catalog,
};

const ROUTING: &str =
    "locality = [\"uk\", \"eu\"]\nattempt_timeout_ms = 1000\n[breaker]\ncooldown_s = 2\n";

struct Timed {
    ms: f64,
    region: String,
    status: u16,
}

fn once(host: &str, frame: &[u8]) -> Result<Timed> {
    let started = Instant::now();
    let r = send(
        "POST",
        &format!("{host}/v1/tryon/HAT-FEDORA-NAVY"),
        &[
            ("cf-ipcountry", "GB"),
            ("content-type", "image/jpeg"),
            ("meridian-consent", "biometric"),
        ],
        Some(frame),
    )?;
    Ok(Timed {
        ms: started.elapsed().as_secs_f64() * 1000.0,
        region: r.header("meridian-region").unwrap_or("-").to_owned(),
        status: r.status,
    })
}

fn percentile(mut ms: Vec<f64>, p: f64) -> f64 {
    ms.sort_by(f64::total_cmp);
    let i = ((ms.len() as f64 - 1.0) * p).round() as usize;
    ms.get(i).copied().unwrap_or(f64::NAN)
}

fn row(what: &str, runs: &[Timed]) {
    let ms: Vec<f64> = runs.iter().map(|t| t.ms).collect();
    let mut regions: Vec<&str> = runs.iter().map(|t| t.region.as_str()).collect();
    regions.dedup();
    let ok = runs.iter().filter(|t| t.status == 200).count();
    println!(
        "| {what} | {} | {ok} | {} | {:.1} | {:.1} |",
        runs.len(),
        regions.join(" → "),
        percentile(ms.clone(), 0.5),
        percentile(ms, 0.99)
    );
}

fn main() -> Result<()> {
    let catalog = test_catalog()?;
    let (eu_addr, uk_addr) = (free_addr()?, free_addr()?);
    let start = |addr: &str, region: &str| -> Result<Service> {
        start_backend_at(catalog.path(), addr, &[("MERIDIAN_BACKEND_REGION", region)])
    };
    let _eu = start(&eu_addr, "eu")?;
    let uk = start(&uk_addr, "uk")?;
    let (manifest, _cleanup) = regions_manifest(&["eu", "uk"])?;
    let state = tempfile::tempdir()?;
    let uk_url = format!("http://{uk_addr}");
    let host = start_host_with(
        &manifest,
        state.path(),
        &format!("http://{eu_addr}"),
        &[
            TRUST_LOOPBACK,
            ("SPIN_VARIABLE_BACKEND_URL_UK", uk_url.as_str()),
            ("SPIN_VARIABLE_BACKEND_ROUTING", ROUTING),
            ("RUST_LOG", "warn"),
        ],
    )?;
    let frame = empty_frame(320, 180)?;
    let run =
        |n: usize| -> Result<Vec<Timed>> { (0..n).map(|_| once(&host.url, &frame)).collect() };

    run(20)?; // warm: compiled components, connections
    println!("`backend_routing`: `{}`", ROUTING.replace('\n', " "));
    println!();
    println!("| phase | requests | 200s | served by | p50 ms | p99 ms |");
    println!("| --- | ---: | ---: | --- | ---: | ---: |");
    row("both up (uk nearest)", &run(200)?);

    uk.kill_hard()?;
    row("uk killed: first 3 (refused, retried on eu)", &run(3)?);
    row("uk's circuit open (eu only)", &run(200)?);

    let uk = start(&uk_addr, "uk")?;
    let back = Instant::now();
    loop {
        let t = once(&host.url, &frame)?;
        if t.region == "uk" {
            break;
        }
        anyhow::ensure!(
            back.elapsed() < Duration::from_secs(30),
            "uk never came back"
        );
    }
    println!(
        "| uk restarted: until its half-open probe and trial bring traffic back | - | - | uk | {:.0} (once) | - |",
        back.elapsed().as_secs_f64() * 1000.0
    );

    uk.signal("STOP").context("hanging uk")?;
    row("uk hung: first 3 (1 s attempt timeout, then eu)", &run(3)?);
    row("uk's circuit open after the timeouts", &run(200)?);
    uk.signal("CONT")?;
    Ok(())
}
