//! What the GPU tests share: the device, or a printed reason to skip.

use std::sync::Arc;

use meridian_gpu_backend::gpu::GpuDevice;

/// The process's device, or `None` after printing why `test` is skipped;
/// `MERIDIAN_REQUIRE_GPU` turns a missing adapter into a failure.
pub fn device(test: &str) -> Option<Arc<GpuDevice>> {
    match GpuDevice::open() {
        Ok(gpu) => {
            eprintln!("adapter: {}", gpu.name());
            Some(gpu)
        }
        Err(e) if std::env::var_os("MERIDIAN_REQUIRE_GPU").is_some() => {
            panic!("a GPU adapter is required: {e}")
        }
        Err(e) => {
            // Not silent: the test runner prints this line; CI installs lavapipe so it runs there.
            eprintln!("SKIPPED {test}: no Vulkan adapter ({e})");
            None
        }
    }
}
