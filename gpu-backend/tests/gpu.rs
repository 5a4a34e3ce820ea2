//! The GPU path against the CPU path on every catalog image: the same
//! picture (PSNR >= 45 dB). Runs on any Vulkan adapter, lavapipe included.

use meridian_gpu_backend::config::Limits;
use meridian_gpu_backend::imaging::gpu::GpuResizer;
use meridian_gpu_backend::imaging::{Engine, Plan, codec, psnr, resize};
use meridian_wit::types::Fit;

#[test]
fn gpu_and_cpu_paths_agree_on_the_catalog() {
    let gpu = match GpuResizer::new() {
        Ok(gpu) => gpu,
        Err(e) if std::env::var_os("MERIDIAN_REQUIRE_GPU").is_some() => {
            panic!("a GPU adapter is required: {e}")
        }
        Err(e) => {
            // Not silent: the test runner prints this line; CI installs lavapipe so it runs there.
            eprintln!("SKIPPED gpu_and_cpu_paths_agree_on_the_catalog: no Vulkan adapter ({e})");
            return;
        }
    };
    eprintln!("adapter: {}", gpu.name());
    let limits = Limits {
        max_body_bytes: 1 << 20,
        max_input_pixels: 50_000_000,
        max_input_bytes: 1 << 26,
        max_output_side: 4096,
    };
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/catalog");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).expect("catalog") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let source = codec::decode(&std::fs::read(&path).expect("read"), &limits).expect("decodes");
        for (target, fit) in [
            ((160, 160), Fit::Cover),
            ((800, 800), Fit::Contain),
            ((1080, 1920), Fit::Cover),
        ] {
            let plan = Plan::new((source.width, source.height), target, fit);
            let (cpu, _) = resize(&source, &plan, Engine::Cpu).expect("cpu");
            let (on_gpu, engine) = resize(&source, &plan, Engine::Gpu(&gpu)).expect("gpu");
            assert_ne!(engine, "cpu", "the GPU path ran");
            let db = psnr(&cpu, &on_gpu);
            assert!(
                db >= 45.0,
                "{}: {target:?} {fit:?}: PSNR {db:.1} dB",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 18, "checked {checked} renditions");
}
