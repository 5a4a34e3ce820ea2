//! The process's one `wgpu` device (a real GPU, or Mesa's lavapipe on
//! machines without one), shared by imaging and try-on: one driver context,
//! one queue ordering both services' work, and the helpers their pipelines
//! are built with.

use std::sync::{Arc, mpsc};

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
}

/// A device, its queue and what callers need to know about its adapter.
/// `wgpu::Device` and `wgpu::Queue` are `Send + Sync`: jobs from any thread
/// record and submit on them concurrently.
pub struct GpuDevice {
    device: wgpu::Device,
    queue: wgpu::Queue,
    name: String,
    max_binding: u64,
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
        Ok(Arc::new(GpuDevice {
            device,
            queue,
            name: format!("{} ({:?})", info.name, info.backend),
            max_binding: limits
                .max_storage_buffer_binding_size
                .min(limits.max_buffer_size),
        }))
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
