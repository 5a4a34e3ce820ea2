//! vipsthumbnail's job through Meridian's CPU pipeline, for the side-by-side
//! benchmark (`infra/bench/imaging.sh`): every FILE to a JPEG whose longer
//! side is SIZE, in OUTDIR, watermarked like every rendition.
//!
//! `thumbnail SIZE QUALITY OUTDIR FILE...`

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use clap::Parser;
use meridian_gpu_backend::config::Config;
use meridian_gpu_backend::imaging::{Engine, Job, codec, fit, render, watermark};
use meridian_wit::types::{Fit, ImageFormat};

/// Every FILE to a JPEG whose longer side is SIZE, in OUTDIR, through
/// Meridian's CPU pipeline (watermarked like every rendition).
#[derive(Parser)]
#[command(name = "thumbnail")]
struct Cli {
    /// The longer side of each thumbnail, in pixels.
    #[arg(value_name = "SIZE")]
    size: u32,
    /// JPEG quality.
    #[arg(value_name = "QUALITY")]
    quality: u8,
    /// Where the thumbnails go (`STEM.jpg`).
    #[arg(value_name = "OUTDIR")]
    out: PathBuf,
    /// The source images.
    #[arg(value_name = "FILE")]
    files: Vec<String>,
}

fn main() -> anyhow::Result<()> {
    let Cli {
        size,
        quality,
        out,
        files,
    } = Cli::parse();
    let mut limits = Config::load(None, |_| None)?.limits;
    limits.max_input_pixels = 200_000_000;
    limits.max_input_bytes = 1 << 30;
    let mark = watermark::issue(1_800_000_000, 0, 0);
    for file in &files {
        let bytes = std::fs::read(file).with_context(|| format!("reading {file}"))?;
        let source = codec::decode_for(&bytes, &limits, |s| {
            fit::max_shrink(s, (size, size), Fit::Contain, false)
        })
        .map_err(|e| anyhow!("{file}: {e:?}"))?;
        let job = Job::new((size, size), Fit::Contain, mark);
        let (pixels, _) =
            render(&source.pixels, &job, Engine::Cpu).map_err(|e| anyhow!("{file}: {e:?}"))?;
        let jpeg = codec::encode(&pixels, ImageFormat::Jpeg, quality)
            .map_err(|e| anyhow!("{file}: {e:?}"))?;
        let stem = Path::new(file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let path = out.join(format!("{stem}.jpg"));
        std::fs::write(&path, jpeg).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
