//! Per-frame latency of `tryon.composite` on a 720p JPEG frame (decode,
//! detect, landmarks, smoothing, composite, encode), CPU path and GPU path.
//!
//! cargo run --release -p meridian-gpu-backend --example tryon-bench -- [--frames N] [--save DIR]
//!
//! `--save DIR` also writes one composite per catalog product.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Parser;
use meridian_gpu_backend::config::EngineChoice;
use meridian_gpu_backend::gpu::GpuDevice;
use meridian_gpu_backend::tryon::config::TryonConfig;
use meridian_gpu_backend::tryon::frame;
use meridian_gpu_backend::tryon::models::FaceModels;
use meridian_gpu_backend::tryon::service::TryOn;
use meridian_wit::types::{FaceRule, ImageFormat, TryonRequest, TryonStatus};

/// The 1280x720 webcam-style frame every try-on benchmark uses (see
/// `tests/faces/SOURCES.md`).
fn frame_720p() -> Result<Vec<u8>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/faces/frame-720p.jpg");
    std::fs::read(path).with_context(|| format!("reading {path}"))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// p50 of the stages that do not depend on the compositor.
fn stages(config: &TryonConfig, bytes: &[u8], frames: usize) -> Result<()> {
    let models = FaceModels::load(config)?;
    let err = |e: meridian_wit::types::Error| anyhow::anyhow!("{e:?}");
    let mut times: [Vec<f64>; 4] = Default::default();
    for _ in 0..frames.min(50) {
        let t = Instant::now();
        let decoded = frame::decode(bytes, &config.limits).map_err(err)?;
        let t1 = Instant::now();
        let faces = models.detect(&decoded)?;
        let t2 = Instant::now();
        models.landmarks(&decoded, faces.first().context("a face")?)?;
        let t3 = Instant::now();
        frame::encode(&decoded, ImageFormat::Jpeg, 85).map_err(err)?;
        let t4 = Instant::now();
        for (v, (a, b)) in times
            .iter_mut()
            .zip([(t, t1), (t1, t2), (t2, t3), (t3, t4)])
        {
            v.push((b - a).as_secs_f64() * 1000.0);
        }
    }
    let p50 = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        percentile(v, 0.5)
    };
    let [d, det, lm, enc] = &mut times;
    println!(
        "stages (p50): decode {:.1} ms, detect {:.1} ms, landmarks {:.1} ms, encode {:.1} ms",
        p50(d),
        p50(det),
        p50(lm),
        p50(enc)
    );
    Ok(())
}

/// Per-frame latency of `tryon.composite` on a 720p JPEG frame, CPU path
/// and GPU path.
#[derive(Parser)]
#[command(name = "tryon-bench", args_override_self = true)]
struct Cli {
    /// Frames timed per engine.
    #[arg(long, value_name = "N", default_value_t = 100)]
    frames: usize,
    /// Also write one composite per catalog product into DIR.
    #[arg(long, value_name = "DIR")]
    save: Option<PathBuf>,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() -> Result<()> {
    let Cli { frames, save, .. } = Cli::parse();
    let mut config = TryonConfig::default();
    config.resolve(|k| std::env::var(k).ok());
    let frame = frame_720p()?;
    println!(
        "frame: 1280x720 JPEG, {} bytes; detector input {}; {} frames per engine; {} cores",
        frame.len(),
        config.detector_input,
        frames,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    stages(&config, &frame, frames)?;
    for engine in [EngineChoice::Cpu, EngineChoice::Gpu] {
        let started = GpuDevice::for_engine(engine)
            .map_err(anyhow::Error::from)
            .and_then(|gpu| Ok(TryOn::new(&config, gpu)?));
        let tryon = match started {
            Ok(t) => t,
            Err(e) => {
                println!("{engine:?}: unavailable ({e})");
                continue;
            }
        };
        let mut request = TryonRequest {
            sku: "EYE-AVIATOR-GOLD".into(),
            session: Some("bench".into()),
            frame_time_ms: None,
            faces: FaceRule::Largest,
            format: ImageFormat::Jpeg,
            quality: 85,
        };
        if let Some(dir) = &save {
            std::fs::create_dir_all(dir)?;
            let mut skus: Vec<&str> = tryon.products().skus().collect();
            skus.sort_unstable();
            for sku in skus {
                let r = TryonRequest {
                    sku: sku.into(),
                    session: None,
                    ..request.clone()
                };
                let out = tryon
                    .composite(&r, &frame)
                    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
                std::fs::write(
                    dir.join(format!("{sku}-{engine:?}.jpg").to_lowercase()),
                    out.bytes,
                )?;
            }
        }
        // Warm up: first runs allocate and compile.
        for i in 0..3 {
            request.frame_time_ms = Some(i * 33);
            tryon
                .composite(&request, &frame)
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
        let mut ms = Vec::with_capacity(frames);
        let mut engine_name = String::new();
        for i in 0..frames {
            request.frame_time_ms = Some(100 + i as u64 * 33);
            let started = Instant::now();
            let out = tryon
                .composite(&request, &frame)
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            ms.push(started.elapsed().as_secs_f64() * 1000.0);
            if out.meta.status != TryonStatus::Composited {
                bail!("the benchmark frame lost its face");
            }
            engine_name = out.meta.engine;
        }
        ms.sort_by(f64::total_cmp);
        println!(
            "{engine:?} ({engine_name}): p50 {:.1} ms, p99 {:.1} ms, min {:.1} ms, max {:.1} ms",
            percentile(&ms, 0.5),
            percentile(&ms, 0.99),
            ms[0],
            ms[ms.len() - 1]
        );
    }
    Ok(())
}
