//! GPU errors end on the CPU path, never in a panic: a validation error
//! (a buffer over the adapter's limit, forced through the test hook) and a
//! lost device (destroyed through the same hook). Runs on any Vulkan
//! adapter, lavapipe included; its own process, as the device is destroyed.

mod common;

use std::sync::Arc;

use meridian_gpu_backend::config::Config;
use meridian_gpu_backend::gpu::{Fault, GpuError};
use meridian_gpu_backend::imaging::gpu::GpuResizer;
use meridian_gpu_backend::imaging::{Engine, Plan, codec, resize};
use meridian_wit::types::Fit;

#[test]
fn validation_errors_and_device_loss_fall_back_to_the_cpu() {
    let Some(device) = common::device("validation_errors_and_device_loss_fall_back_to_the_cpu")
    else {
        return;
    };
    let gpu = GpuResizer::new(Arc::clone(&device));
    let limits = Config::load(None, |_| None).expect("defaults").limits;
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/catalog/coast-sunset.jpg"
    ))
    .expect("photo");
    let source = codec::decode(&bytes, &limits).expect("decodes").pixels;
    let plan = Plan::new((source.width, source.height), (160, 160), Fit::Cover);
    let (cpu, _) = resize(&source, &plan, Engine::Cpu).expect("cpu");
    let (_, engine) = resize(&source, &plan, Engine::Gpu(&gpu)).expect("gpu");
    assert_ne!(engine, "cpu", "the GPU path ran");

    // A validation error is the job's error, not a panic ...
    device.inject_fault(Fault::Validation);
    let e = gpu.resize(&source.data, &plan).expect_err("forced");
    assert!(matches!(e, GpuError::Validation(_)), "{e}");
    // ... and the pipeline answers it with the CPU path.
    device.inject_fault(Fault::Validation);
    let (pixels, engine) = resize(&source, &plan, Engine::Gpu(&gpu)).expect("falls back");
    assert_eq!(engine, "cpu");
    assert_eq!(pixels.data, cpu.data);
    // The device is fine afterwards.
    let (_, engine) = resize(&source, &plan, Engine::Gpu(&gpu)).expect("gpu");
    assert_ne!(engine, "cpu", "the GPU path ran again");

    // A lost device: this job and every later one take the CPU path.
    device.inject_fault(Fault::Lost);
    let (pixels, engine) = resize(&source, &plan, Engine::Gpu(&gpu)).expect("falls back");
    assert_eq!((engine.as_str(), pixels.data == cpu.data), ("cpu", true));
    let e = gpu.resize(&source.data, &plan).expect_err("lost");
    assert!(
        matches!(
            e,
            GpuError::Lost(_) | GpuError::Validation(_) | GpuError::Panicked(_)
        ),
        "{e}"
    );
    // wgpu may report the loss through its callback only later; either
    // way the jobs on the destroyed device end on the CPU path.
    let (_, engine) = resize(&source, &plan, Engine::Gpu(&gpu)).expect("falls back");
    assert_eq!(engine, "cpu");
}
