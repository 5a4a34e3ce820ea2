//! The GPU path against the CPU path on every catalog image: the same
//! picture (PSNR >= 45 dB), for the resize alone and for the whole pixel
//! pipeline (attention crop, subject fill, pad, watermark). Runs on any
//! Vulkan adapter, lavapipe included.

mod common;

use meridian_gpu_backend::catalog::image_files;
use meridian_gpu_backend::config::Config;
use meridian_gpu_backend::imaging::gpu::GpuResizer;
use meridian_gpu_backend::imaging::{
    Engine, Job, Pixels, Plan, WHITE, codec, psnr, render, resize, watermark,
};
use meridian_wit::types::{Crop, Fit, Rgba};

fn gpu(test: &str) -> Option<GpuResizer> {
    common::device(test).map(GpuResizer::new)
}

fn catalog() -> Vec<(String, Pixels)> {
    let limits = Config::load(None, |_| None).expect("defaults").limits;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/catalog");
    let images: Vec<_> = image_files(dir.as_ref())
        .expect("catalog")
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).expect("read");
            let source = codec::decode(&bytes, &limits).expect("decodes").pixels;
            (path.display().to_string(), source)
        })
        .collect();
    assert!(images.len() >= 6, "catalog has {} images", images.len());
    images
}

#[test]
fn gpu_and_cpu_resize_agree_on_the_catalog() {
    let Some(gpu) = gpu("gpu_and_cpu_resize_agree_on_the_catalog") else {
        return;
    };
    let mut checked = 0;
    for (name, source) in catalog() {
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
            assert!(db >= 45.0, "{name}: {target:?} {fit:?}: PSNR {db:.1} dB");
            checked += 1;
        }
    }
    assert!(checked >= 18, "checked {checked} renditions");
}

#[test]
fn gpu_and_cpu_pipelines_agree_on_the_catalog() {
    let Some(gpu) = gpu("gpu_and_cpu_pipelines_agree_on_the_catalog") else {
        return;
    };
    let mark = watermark::issue(1_800_000_000, 4242, 3);
    let clear = Rgba {
        r: 0,
        g: 0,
        b: 0,
        a: 0,
    };
    let jobs = [
        ((1080, 1920), Fit::Cover, Crop::Attention, None, WHITE),
        ((1080, 1080), Fit::Cover, Crop::Attention, None, WHITE),
        ((800, 1000), Fit::Pad, Crop::Centre, None, clear),
        ((1000, 1000), Fit::Contain, Crop::Centre, Some(85), WHITE),
    ];
    let mut checked = 0;
    for (name, source) in catalog() {
        for (target, fit, crop, subject_fill, background) in jobs {
            let job = Job {
                target,
                fit,
                crop,
                subject_fill,
                background,
                mark,
            };
            let (cpu, _) = render(&source, &job, Engine::Cpu).expect("cpu");
            let (on_gpu, engine) = render(&source, &job, Engine::Gpu(&gpu)).expect("gpu");
            assert_ne!(engine, "cpu", "the GPU path ran");
            assert_eq!((cpu.width, cpu.height), (on_gpu.width, on_gpu.height));
            let db = psnr(&cpu, &on_gpu);
            assert!(db >= 45.0, "{name}: {job:?}: PSNR {db:.1} dB");
            for pixels in [&cpu, &on_gpu] {
                let found = watermark::detect(pixels);
                assert_eq!(found.payload.as_ref(), Some(&mark), "{name}: {job:?}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 24, "checked {checked} renditions");
}
