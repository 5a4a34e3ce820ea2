//! Bit error rate of the invisible watermark over the demo catalog, after
//! the attacks the robustness test applies.
//!
//! `cargo run --release -p meridian-gpu-backend --example watermark_ber --
//! [--side N] [--fit contain|cover] [CATALOG_DIR]`: renditions in an N px
//! box (default 1080, `contain`), from the demo catalog unless a directory
//! is given.

use anyhow::Context;
use clap::{Parser, ValueEnum};
use meridian_gpu_backend::catalog::image_files;
use meridian_gpu_backend::config::Config;
use meridian_gpu_backend::imaging::{Engine, Job, attack, codec, psnr, render, watermark};
use meridian_wit::types::{Fit, ImageFormat};

#[derive(Clone, Copy, ValueEnum)]
enum FitArg {
    Contain,
    Cover,
}

/// Bit error rate of the invisible watermark over a catalog, after the
/// attacks of the robustness test.
#[derive(Parser)]
#[command(name = "watermark_ber", args_override_self = true)]
struct Cli {
    /// The renditions' box, in pixels.
    #[arg(long, value_name = "N", default_value_t = 1080)]
    side: u32,
    /// How a rendition fits its box.
    #[arg(long, value_enum, default_value = "contain")]
    fit: FitArg,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
    /// The images (default: the demo catalog).
    #[arg(
        value_name = "CATALOG_DIR",
        default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/catalog"),
        hide_default_value = true
    )]
    dir: String,
}

fn main() -> anyhow::Result<()> {
    let Cli { side, fit, dir, .. } = Cli::parse();
    let (fit, fit_name) = match fit {
        FitArg::Contain => (Fit::Contain, "contain"),
        FitArg::Cover => (Fit::Cover, "cover"),
    };
    let mut limits = Config::load(None, |_| None)?.limits;
    limits.max_input_pixels = 100_000_000;
    let attacks = attack::ALL;
    let mut totals = vec![(0f64, 0usize, 0usize); attacks.len()];
    let entries = image_files(dir.as_ref()).with_context(|| format!("reading {dir}"))?;
    println!("renditions: {side} px box, {fit_name}, JPEG q85 as served");
    println!(
        "image | rendition PSNR vs unmarked | {}",
        attacks.map(|a| a.0).join(" | ")
    );
    for path in entries {
        let source = codec::decode(&std::fs::read(&path)?, &limits)
            .map_err(|e| anyhow::anyhow!("{}: {e:?}", path.display()))?
            .pixels;
        let mark = watermark::issue(1_800_000_000, 123_456, 1);
        let job = Job::new((side, side), fit, mark);
        let (marked, _) =
            render(&source, &job, Engine::Cpu).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        // The visual cost: the same rendition without the mark.
        let unmarked = {
            let plan = meridian_gpu_backend::imaging::Plan::new(
                (source.width, source.height),
                job.target,
                job.fit,
            );
            meridian_gpu_backend::imaging::resize(&source, &plan, Engine::Cpu)
                .map_err(|e| anyhow::anyhow!("{e:?}"))?
                .0
        };
        let served = codec::decode(
            &codec::encode(&marked, ImageFormat::Jpeg, 85).map_err(|e| anyhow::anyhow!("{e:?}"))?,
            &limits,
        )
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        .pixels;
        let mut row = Vec::new();
        for (i, (_, attack)) in attacks.iter().enumerate() {
            let attacked = attack(&served);
            let ber = watermark::bit_error_rate(&attacked, &mark);
            let ok = watermark::detect(&attacked).payload.as_ref() == Some(&mark);
            totals[i].0 += ber;
            totals[i].1 += usize::from(ok);
            totals[i].2 += 1;
            row.push(format!(
                "{:.1}% {}",
                ber * 100.0,
                if ok { "ok" } else { "LOST" }
            ));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!(
            "{name} | {:.1} dB | {}",
            psnr(&marked, &unmarked),
            row.join(" | ")
        );
    }
    let summary: Vec<String> = totals
        .iter()
        .map(|(ber, ok, n)| format!("{:.1}% ({ok}/{n} decoded)", ber / *n.max(&1) as f64 * 100.0))
        .collect();
    println!("mean raw BER | | {}", summary.join(" | "));
    Ok(())
}
