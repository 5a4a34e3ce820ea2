//! Time of the GPU stages (resize + watermark, the pixel pipeline after
//! decoding) against the CPU path, in process, for one source to a
//! 1080 px box: `gpu_stage FILE [RUNS]`. Prints the median of RUNS (9).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, anyhow};
use clap::Parser;
use meridian_gpu_backend::config::Config;
use meridian_gpu_backend::gpu::GpuDevice;
use meridian_gpu_backend::imaging::gpu::GpuResizer;
use meridian_gpu_backend::imaging::{Engine, Job, codec, render, watermark};
use meridian_wit::types::Fit;

fn median_ms(runs: usize, mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

/// Median time of resize + watermark to a 1080 px box, GPU against CPU.
#[derive(Parser)]
#[command(name = "gpu_stage")]
struct Cli {
    /// The source image.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Runs per engine (at least 1).
    #[arg(value_name = "RUNS", default_value_t = 9)]
    runs: usize,
}

fn main() -> anyhow::Result<()> {
    let Cli { file, runs } = Cli::parse();
    let runs = runs.max(1);
    let mut limits = Config::load(None, |_| None)?.limits;
    limits.max_input_pixels = 200_000_000;
    limits.max_input_bytes = 1 << 30;
    let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let source = codec::decode(&bytes, &limits)
        .map_err(|e| anyhow!("{e:?}"))?
        .pixels;
    let job = Job::new(
        (1080, 1080),
        Fit::Contain,
        watermark::issue(1_800_000_000, 1, 1),
    );
    let gpu = GpuResizer::new(GpuDevice::open()?);
    let stage = |engine| {
        median_ms(runs, || {
            render(&source, &job, engine)
                .map(|_| ())
                .map_err(|e| anyhow!("{e:?}"))
        })
    };
    let on_gpu = stage(Engine::Gpu(&gpu))?;
    let on_cpu = stage(Engine::Cpu)?;
    println!(
        "{}x{} -> 1080 box, resize + watermark, median of {runs}: GPU ({}) {on_gpu:.1} ms, CPU {on_cpu:.1} ms",
        source.width,
        source.height,
        gpu.name()
    );
    Ok(())
}
