//! One device for the process, as `start` builds it: the imaging and try-on
//! services on the same `GpuDevice`, called at once from two threads (their
//! submissions and readback waits interleave on one queue), each still
//! giving right pixels from the GPU path.
//!
//! Needs onnxruntime, as `tests/tryon_gpu.rs` does.

mod common;

use meridian_gpu_backend::imaging::psnr_bytes as psnr;
use std::sync::Arc;

use meridian_gpu_backend::config::Config;
use meridian_gpu_backend::service::Imaging;
use meridian_gpu_backend::tryon::service::TryOn;
use meridian_wit::types::{
    Crop, FaceRule, Fit, ImageFormat, RenderRequest, Size, TryonRequest, TryonStatus,
};

const FACES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/faces");
/// Rounds per thread, so the two services' GPU work overlaps.
const ROUNDS: usize = 2;

fn rgb(png: &[u8]) -> Vec<u8> {
    image::load_from_memory(png)
        .expect("png")
        .into_rgb8()
        .into_raw()
}

#[test]
fn imaging_and_tryon_share_one_device() {
    let Some(device) = common::device("imaging_and_tryon_share_one_device") else {
        return;
    };
    let mut config = Config::load(None, |_| None).expect("defaults");
    config.tryon.resolve(|k| std::env::var(k).ok());
    let imaging = Imaging::new(&config, Some(Arc::clone(&device))).expect("imaging starts");
    let tryon = TryOn::new(&config.tryon, Some(Arc::clone(&device)))
        .expect("try-on starts (onnxruntime installed?)");
    let tryon_cpu = TryOn::new(&config.tryon, None).expect("try-on starts on the CPU");
    // This test's handle, the resizer's and the compositor's: no second device.
    assert_eq!(Arc::strong_count(&device), 3);
    assert_eq!(imaging.engine(), device.name());
    assert_eq!(tryon.engine(), device.name());

    std::thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..ROUNDS {
                for asset in ["coast-sunset.jpg", "picos-de-europa.png"] {
                    let request = RenderRequest {
                        asset: asset.into(),
                        size: Size {
                            width: 480,
                            height: 480,
                        },
                        fit: Fit::Cover,
                        background: None,
                        format: ImageFormat::Png,
                        quality: 90,
                        crop: Crop::Attention,
                        subject_fill: None,
                        min_source_side: None,
                        merchant: 4242,
                    };
                    let out = imaging.render(&request).expect("renders");
                    // Resize, energy and watermark all ran on the GPU (any
                    // failure falls back to `cpu`), and the mark reads back.
                    assert_eq!(out.meta.engine, device.name(), "{asset}");
                    let found = imaging.detect(&out.bytes).expect("detects");
                    assert_eq!(found.payload, Some(out.meta.watermark), "{asset}");
                }
            }
        });
        s.spawn(|| {
            let frame = std::fs::read(format!("{FACES}/grace-hopper.jpg")).expect("photo");
            let request = TryonRequest {
                sku: "EYE-AVIATOR-GOLD".into(),
                session: None,
                frame_time_ms: None,
                faces: FaceRule::All,
                format: ImageFormat::Png,
                quality: 90,
            };
            let cpu = tryon_cpu.composite(&request, &frame).expect("cpu");
            assert_eq!(cpu.meta.status, TryonStatus::Composited);
            for _ in 0..ROUNDS {
                let gpu = tryon.composite(&request, &frame).expect("gpu");
                assert_eq!(gpu.meta.engine, device.name(), "the GPU composited");
                let db = psnr(&rgb(&cpu.bytes), &rgb(&gpu.bytes));
                assert!(db >= 40.0, "PSNR {db:.1} dB");
            }
        });
    });

    drop((imaging, tryon));
    assert_eq!(Arc::strong_count(&device), 1);
}
