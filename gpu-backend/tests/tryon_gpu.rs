//! The try-on GPU compositor against the CPU path: every catalog product on
//! both test photographs must agree to PSNR >= 40 dB.

mod common;

use meridian_gpu_backend::imaging::psnr_bytes as psnr;
use meridian_gpu_backend::tryon::config::TryonConfig;
use meridian_gpu_backend::tryon::service::TryOn;
use meridian_wit::types::{FaceRule, ImageFormat, TryonRequest, TryonStatus};

const FACES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/faces");

#[test]
fn gpu_and_cpu_composites_agree() {
    let mut config = TryonConfig::default();
    config.resolve(|k| std::env::var(k).ok());
    let cpu = TryOn::new(&config, None).expect("try-on starts (onnxruntime installed?)");
    let Some(device) = common::device("gpu_and_cpu_composites_agree") else {
        return;
    };
    let gpu = TryOn::new(&config, Some(device)).expect("try-on starts on the GPU");
    assert_ne!(gpu.engine(), "cpu");
    let mut skus: Vec<&str> = cpu.products().skus().collect();
    skus.sort_unstable();
    for photo in ["astronaut.png", "grace-hopper.jpg"] {
        let frame = std::fs::read(format!("{FACES}/{photo}")).expect("photo");
        for sku in &skus {
            let request = TryonRequest {
                sku: (*sku).into(),
                session: None,
                frame_time_ms: None,
                faces: FaceRule::All,
                format: ImageFormat::Png,
                quality: 90,
            };
            let a = cpu.composite(&request, &frame).expect("cpu");
            let b = gpu.composite(&request, &frame).expect("gpu");
            assert_eq!(a.meta.status, TryonStatus::Composited);
            assert_eq!(b.meta.engine, gpu.engine(), "{sku}: the GPU composited");
            let decode = |bytes: &[u8]| {
                image::load_from_memory(bytes)
                    .expect("png")
                    .into_rgb8()
                    .into_raw()
            };
            let (a, b) = (decode(&a.bytes), decode(&b.bytes));
            let db = psnr(&a, &b);
            println!("{photo} {sku}: PSNR {db:.1} dB");
            assert!(db >= 40.0, "{photo} {sku}: PSNR {db:.1} dB");
        }
    }
}
