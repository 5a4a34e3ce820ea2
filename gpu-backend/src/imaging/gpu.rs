//! The GPU path: `resize.wgsl` on a `wgpu` device (a real GPU, or Mesa's
//! lavapipe on machines without one). One device and two pipelines for the
//! process; buffers per job.

use std::sync::mpsc;

use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

use super::Plan;
use super::color::lut;

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

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Params {
    src_w: u32,
    src_h: u32,
    dst_w: u32,
    dst_h: u32,
    taps: u32,
    pad: [u32; 3],
}

pub struct GpuResizer {
    device: wgpu::Device,
    queue: wgpu::Queue,
    layout: wgpu::BindGroupLayout,
    horizontal: wgpu::ComputePipeline,
    vertical: wgpu::ComputePipeline,
    lut: wgpu::Buffer,
    max_binding: u64,
    name: String,
}

impl GpuResizer {
    /// The first adapter wgpu offers (a discrete GPU when there is one).
    pub fn new() -> Result<GpuResizer, GpuError> {
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
            label: Some("meridian-imaging"),
            required_limits: limits.clone(),
            ..Default::default()
        }))
        .map_err(|e| GpuError::Device(e.to_string()))?;
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("resize.wgsl"),
            source: wgpu::ShaderSource::Wgsl(include_str!("resize.wgsl").into()),
        });
        let storage = |binding, read_only| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Storage { read_only },
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("resize"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
                storage(1, true),
                storage(2, true),
                storage(3, true),
                storage(4, true),
                storage(5, false),
                storage(6, false),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("resize"),
            bind_group_layouts: &[Some(&layout)],
            ..Default::default()
        });
        let pipeline = |entry| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: Some(&pipeline_layout),
                module: &module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            })
        };
        let horizontal = pipeline("horizontal");
        let vertical = pipeline("vertical");
        let lut = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("srgb-lut"),
            contents: bytemuck::cast_slice(lut().as_slice()),
            usage: wgpu::BufferUsages::STORAGE,
        });
        Ok(GpuResizer {
            max_binding: limits
                .max_storage_buffer_binding_size
                .min(limits.max_buffer_size),
            name: format!("{} ({:?})", info.name, info.backend),
            device,
            queue,
            layout,
            horizontal,
            vertical,
            lut,
        })
    }

    /// Adapter name and backend, e.g. `llvmpipe (LLVM 15.0.6, 256 bits) (Vulkan)`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether a job fits the adapter's buffer limits.
    pub fn check(&self, plan: &Plan) -> Result<(), GpuError> {
        let (sw, sh) = (u64::from(plan.src.0), u64::from(plan.src.1));
        let (dw, dh) = (u64::from(plan.out.0), u64::from(plan.out.1));
        let needed = (sw * sh * 4).max(dw * sh * 16).max(dw * dh * 4);
        if needed > self.max_binding {
            return Err(GpuError::TooLarge {
                needed,
                allowed: self.max_binding,
            });
        }
        Ok(())
    }

    pub fn resize(&self, src: &[u32], plan: &Plan) -> Result<Vec<u32>, GpuError> {
        self.check(plan)?;
        let d = &self.device;
        let (sw, sh) = plan.src;
        let (dw, dh) = plan.out;
        let init = |label, contents: &[u8], usage| {
            d.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents,
                usage,
            })
        };
        let storage = wgpu::BufferUsages::STORAGE;
        let src_buf = init("src", bytemuck::cast_slice(src), storage);
        let mid = d.create_buffer(&wgpu::BufferDescriptor {
            label: Some("mid"),
            size: u64::from(dw) * u64::from(sh) * 16,
            usage: storage,
            mapped_at_creation: false,
        });
        let dst_size = u64::from(dw) * u64::from(dh) * 4;
        let dst = d.create_buffer(&wgpu::BufferDescriptor {
            label: Some("dst"),
            size: dst_size,
            usage: storage | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let readback = d.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: dst_size,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let pass_group = |kernel: &super::kernel::Kernel| {
            let params = Params {
                src_w: sw,
                src_h: sh,
                dst_w: dw,
                dst_h: dh,
                taps: kernel.taps,
                pad: [0; 3],
            };
            let params = init(
                "params",
                bytemuck::bytes_of(&params),
                wgpu::BufferUsages::UNIFORM,
            );
            let starts = init("starts", bytemuck::cast_slice(&kernel.starts), storage);
            let weights = init("weights", bytemuck::cast_slice(&kernel.weights), storage);
            d.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("resize"),
                layout: &self.layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: params.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: starts.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 2,
                        resource: weights.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 3,
                        resource: self.lut.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 4,
                        resource: src_buf.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 5,
                        resource: mid.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 6,
                        resource: dst.as_entire_binding(),
                    },
                ],
            })
        };
        let h_group = pass_group(&plan.kx);
        let v_group = pass_group(&plan.ky);
        let mut encoder = d.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("resize"),
        });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("resize"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&self.horizontal);
            pass.set_bind_group(0, &h_group, &[]);
            pass.dispatch_workgroups(dw.div_ceil(8), sh.div_ceil(8), 1);
            pass.set_pipeline(&self.vertical);
            pass.set_bind_group(0, &v_group, &[]);
            pass.dispatch_workgroups(dw.div_ceil(8), dh.div_ceil(8), 1);
        }
        encoder.copy_buffer_to_buffer(&dst, 0, &readback, 0, dst_size);
        self.queue.submit([encoder.finish()]);

        let (tx, rx) = mpsc::channel();
        readback.map_async(wgpu::MapMode::Read, .., move |r| {
            let _ = tx.send(r);
        });
        d.poll(wgpu::PollType::Wait {
            submission_index: None,
            timeout: None,
        })
        .map_err(|e| GpuError::Readback(e.to_string()))?;
        rx.recv()
            .map_err(|e| GpuError::Readback(e.to_string()))?
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        let out = {
            let view = readback
                .get_mapped_range(..)
                .map_err(|e| GpuError::Readback(e.to_string()))?;
            bytemuck::cast_slice::<u8, u32>(&view).to_vec()
        };
        readback.unmap();
        Ok(out)
    }
}
