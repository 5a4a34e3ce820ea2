//! The process's one `wgpu` device (a real GPU, or Mesa's lavapipe on
//! machines without one), shared by imaging and try-on: one driver context,
//! one queue ordering both services' work, and the helpers their pipelines
//! are built with.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use wgpu::util::DeviceExt;

use crate::config::EngineChoice;

#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    #[error("no GPU adapter: {0}")]
    NoAdapter(String),
    #[error("GPU device request failed: {0}")]
    Device(String),
    #[error("job needs {needed} bytes in one buffer; the adapter allows {allowed}")]
    TooLarge { needed: u64, allowed: u64 },
    #[error("GPU readback failed: {0}")]
    Readback(String),
    #[error("GPU out of memory: {0}")]
    OutOfMemory(String),
    #[error("GPU validation error: {0}")]
    Validation(String),
    #[error("GPU internal error: {0}")]
    Internal(String),
    #[error("the GPU device was lost: {0}")]
    Lost(String),
    #[error("the GPU job panicked: {0}")]
    Panicked(String),
}

/// Faults a test can force on the next GPU job, to prove every one of them
/// ends on the CPU path instead of a panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Fault {
    /// A buffer over the adapter's size limit: a validation error.
    Validation = 1,
    /// The device destroyed: lost, for this job and every later one.
    Lost = 2,
}

/// A device, its queue and what callers need to know about its adapter.
/// `wgpu::Device` and `wgpu::Queue` are `Send + Sync`: jobs from any thread
/// record and submit on them concurrently.
pub struct GpuDevice {
    device: wgpu::Device,
    queue: wgpu::Queue,
    name: String,
    max_binding: u64,
    max_buffer: u64,
    /// Why the device was lost, once it was: later jobs go to the CPU.
    lost: Arc<Mutex<Option<String>>>,
    /// A [`Fault`] to force on the next job; 0 for none.
    fault: AtomicU8,
}

impl GpuDevice {
    /// A Vulkan device on the first adapter wgpu offers (a discrete GPU when
    /// there is one), with the adapter's own limits.
    pub fn open() -> Result<Arc<GpuDevice>, GpuError> {
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = wgpu::Backends::VULKAN;
        let instance = wgpu::Instance::new(desc);
        let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            ..Default::default()
        }))
        .map_err(|e| GpuError::NoAdapter(e.to_string()))?;
        let info = adapter.get_info();
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("meridian"),
            required_limits: limits.clone(),
            ..Default::default()
        }))
        .map_err(|e| GpuError::Device(e.to_string()))?;
        // Errors outside a job's scopes (none are expected) are logged
        // rather than wgpu's default, a panic.
        device.on_uncaptured_error(Arc::new(|e| {
            tracing::error!(error = %e, "uncaptured GPU error");
        }));
        let lost = Arc::new(Mutex::new(None));
        let flag = Arc::clone(&lost);
        device.set_device_lost_callback(move |reason, message| {
            tracing::error!(?reason, %message, "GPU device lost; the CPU path takes over");
            *flag.lock().unwrap_or_else(|p| p.into_inner()) =
                Some(format!("{reason:?}: {message}"));
        });
        Ok(Arc::new(GpuDevice {
            device,
            queue,
            name: format!("{} ({:?})", info.name, info.backend),
            max_binding: limits
                .max_storage_buffer_binding_size
                .min(limits.max_buffer_size),
            max_buffer: limits.max_buffer_size,
            lost,
            fault: AtomicU8::new(0),
        }))
    }

    /// Why the device was lost, if it was.
    pub fn lost(&self) -> Option<String> {
        self.lost.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Test hook: forces `fault` on the next job.
    #[doc(hidden)]
    pub fn inject_fault(&self, fault: Fault) {
        self.fault.store(fault as u8, Ordering::SeqCst);
    }

    /// Runs one job's device work under out-of-memory, validation and
    /// internal error scopes (thread-local in wgpu, so concurrent jobs keep
    /// their own), and refuses work on a lost device. Any of these, or a
    /// panic inside wgpu, is an error the caller answers with the CPU path.
    pub(crate) fn scoped<T>(
        &self,
        work: impl FnOnce() -> Result<T, GpuError>,
    ) -> Result<T, GpuError> {
        if let Some(why) = self.lost() {
            return Err(GpuError::Lost(why));
        }
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let internal = self.device.push_error_scope(wgpu::ErrorFilter::Internal);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
            self.forced_fault();
            work()
        }));
        let validation = pollster::block_on(validation.pop());
        let internal = pollster::block_on(internal.pop());
        let oom = pollster::block_on(oom.pop());
        if let Some(why) = self.lost() {
            return Err(GpuError::Lost(why));
        }
        if let Some(e) = oom {
            return Err(GpuError::OutOfMemory(e.to_string()));
        }
        if let Some(e) = validation {
            return Err(GpuError::Validation(e.to_string()));
        }
        if let Some(e) = internal {
            return Err(GpuError::Internal(e.to_string()));
        }
        match result {
            Ok(result) => result,
            Err(panic) => Err(GpuError::Panicked(
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default(),
            )),
        }
    }

    fn forced_fault(&self) {
        match self.fault.swap(0, Ordering::SeqCst) {
            f if f == Fault::Validation as u8 => {
                let _ = self.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("forced-over-limit"),
                    size: self.max_buffer.saturating_add(4096),
                    usage: wgpu::BufferUsages::STORAGE,
                    mapped_at_creation: false,
                });
            }
            f if f == Fault::Lost as u8 => self.device.destroy(),
            _ => {}
        }
    }

    /// The device the configured engine asks for: `auto` opens one if an
    /// adapter exists, `gpu` fails without one, `cpu` opens none.
    pub fn for_engine(engine: EngineChoice) -> Result<Option<Arc<GpuDevice>>, GpuError> {
        match engine {
            EngineChoice::Cpu => Ok(None),
            EngineChoice::Gpu => GpuDevice::open().map(Some),
            EngineChoice::Auto => Ok(GpuDevice::open()
                .inspect_err(|e| tracing::info!(error = %e, "no GPU; using the CPU path"))
                .ok()),
        }
    }

    /// Adapter name and backend, e.g. `llvmpipe (LLVM 15.0.6, 256 bits) (Vulkan)`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The largest buffer one storage binding may hold, in bytes.
    pub fn max_binding(&self) -> u64 {
        self.max_binding
    }

    pub(crate) fn device(&self) -> &wgpu::Device {
        &self.device
    }

    /// Whether one binding of `needed` bytes fits the adapter's limits.
    pub(crate) fn fits(&self, needed: u64) -> Result<(), GpuError> {
        if needed > self.max_binding {
            return Err(GpuError::TooLarge {
                needed,
                allowed: self.max_binding,
            });
        }
        Ok(())
    }

    /// A buffer holding `contents`.
    pub(crate) fn buffer(
        &self,
        label: &str,
        contents: &[u8],
        usage: wgpu::BufferUsages,
    ) -> wgpu::Buffer {
        self.device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents,
                usage,
            })
    }

    /// Submits `encoder` with a copy of `out` into a host-readable buffer,
    /// waits for that submission and hands the copied bytes to `read`.
    pub(crate) fn read_back<T>(
        &self,
        mut encoder: wgpu::CommandEncoder,
        out: &wgpu::Buffer,
        read: impl FnOnce(&[u8]) -> T,
    ) -> Result<T, GpuError> {
        let readback = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: out.size(),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        encoder.copy_buffer_to_buffer(out, 0, &readback, 0, out.size());
        let submission = self.queue.submit([encoder.finish()]);
        let (tx, rx) = mpsc::channel();
        readback.map_async(wgpu::MapMode::Read, .., move |r| {
            let _ = tx.send(r);
        });
        // Waits for this submission only, not other threads' later ones. Any
        // thread's poll may run this mapping's callback (wgpu fires the ones
        // it finds done), so the channel, not the poll, says it is mapped.
        self.device
            .poll(wgpu::PollType::Wait {
                submission_index: Some(submission),
                timeout: None,
            })
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        rx.recv()
            .map_err(|e| GpuError::Readback(e.to_string()))?
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        let value = {
            let view = readback
                .get_mapped_range(..)
                .map_err(|e| GpuError::Readback(e.to_string()))?;
            read(&view)
        };
        readback.unmap();
        Ok(value)
    }
}

pub(crate) fn module(device: &wgpu::Device, label: &str, wgsl: &str) -> wgpu::ShaderModule {
    device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(wgsl.into()),
    })
}

/// Binding 0 is a uniform; bindings 1.. are storage buffers, read-only
/// where `read_only` says so.
pub(crate) fn layout(
    device: &wgpu::Device,
    label: &str,
    read_only: &[bool],
) -> wgpu::BindGroupLayout {
    let buffer = |binding: u32, ty| wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty,
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    };
    let mut entries = vec![buffer(0, wgpu::BufferBindingType::Uniform)];
    for (i, &read_only) in read_only.iter().enumerate() {
        entries.push(buffer(
            i as u32 + 1,
            wgpu::BufferBindingType::Storage { read_only },
        ));
    }
    device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some(label),
        entries: &entries,
    })
}

pub(crate) fn pipeline(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    module: &wgpu::ShaderModule,
    entry: &str,
) -> wgpu::ComputePipeline {
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(entry),
        bind_group_layouts: &[Some(layout)],
        ..Default::default()
    });
    device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(entry),
        layout: Some(&pipeline_layout),
        module,
        entry_point: Some(entry),
        compilation_options: Default::default(),
        cache: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_engine_opens_no_device() {
        assert!(matches!(GpuDevice::for_engine(EngineChoice::Cpu), Ok(None)));
    }
}
