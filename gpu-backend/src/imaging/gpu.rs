//! The GPU path: `resize.wgsl`, `watermark.wgsl` and `energy.wgsl` on a
//! `wgpu` device (a real GPU, or Mesa's lavapipe on machines without one).
//! One device and its pipelines for the process; buffers per job.

use std::sync::mpsc;

use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

use super::color::lut;
use super::crop::EnergyMap;
use super::{Pixels, Plan, watermark};

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

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct MarkParams {
    width: u32,
    height: u32,
    margin: f32,
    max_push: f32,
    gain: f32,
    pad: [u32; 3],
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct EnergyParams {
    width: u32,
    height: u32,
    cell: u32,
    cols: u32,
    rows: u32,
    pad: [u32; 3],
}

/// The device and the compute pipelines of every GPU stage: resize,
/// watermark, attention energy.
pub struct GpuResizer {
    device: wgpu::Device,
    queue: wgpu::Queue,
    resize_layout: wgpu::BindGroupLayout,
    mark_layout: wgpu::BindGroupLayout,
    energy_layout: wgpu::BindGroupLayout,
    horizontal: wgpu::ComputePipeline,
    vertical: wgpu::ComputePipeline,
    mark_canvas: wgpu::ComputePipeline,
    mark_blocks: wgpu::ComputePipeline,
    mark_apply: wgpu::ComputePipeline,
    energy: wgpu::ComputePipeline,
    lut: wgpu::Buffer,
    basis: wgpu::Buffer,
    max_binding: u64,
    name: String,
}

/// A Vulkan device on the first adapter wgpu offers (a discrete GPU when
/// there is one), with the adapter's own limits. Shared by imaging and
/// try-on.
pub(crate) fn open_device(
    label: &str,
) -> Result<(wgpu::Device, wgpu::Queue, wgpu::AdapterInfo, wgpu::Limits), GpuError> {
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
        label: Some(label),
        required_limits: limits.clone(),
        ..Default::default()
    }))
    .map_err(|e| GpuError::Device(e.to_string()))?;
    Ok((device, queue, info, limits))
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

impl GpuResizer {
    /// The first adapter wgpu offers (a discrete GPU when there is one).
    pub fn new() -> Result<GpuResizer, GpuError> {
        let (device, queue, info, limits) = open_device("meridian-imaging")?;
        let resize_layout = layout(&device, "resize", &[true, true, true, true, false, false]);
        let mark_layout = layout(&device, "watermark", &[true, true, false, false, false]);
        let energy_layout = layout(&device, "energy", &[true, false]);
        let resize = module(&device, "resize.wgsl", include_str!("resize.wgsl"));
        let mark = module(&device, "watermark.wgsl", include_str!("watermark.wgsl"));
        let energy = module(&device, "energy.wgsl", include_str!("energy.wgsl"));
        let lut = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("srgb-lut"),
            contents: bytemuck::cast_slice(lut().as_slice()),
            usage: wgpu::BufferUsages::STORAGE,
        });
        let basis = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("dct-basis"),
            contents: bytemuck::cast_slice(&watermark::basis()),
            usage: wgpu::BufferUsages::STORAGE,
        });
        Ok(GpuResizer {
            max_binding: limits
                .max_storage_buffer_binding_size
                .min(limits.max_buffer_size),
            name: format!("{} ({:?})", info.name, info.backend),
            horizontal: pipeline(&device, &resize_layout, &resize, "horizontal"),
            vertical: pipeline(&device, &resize_layout, &resize, "vertical"),
            mark_canvas: pipeline(&device, &mark_layout, &mark, "canvas_means"),
            mark_blocks: pipeline(&device, &mark_layout, &mark, "block_deltas"),
            mark_apply: pipeline(&device, &mark_layout, &mark, "apply_deltas"),
            energy: pipeline(&device, &energy_layout, &energy, "energy"),
            resize_layout,
            mark_layout,
            energy_layout,
            device,
            queue,
            lut,
            basis,
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
        self.fits((sw * sh * 4).max(dw * sh * 16).max(dw * dh * 4))
    }

    fn buffer(&self, label: &str, contents: &[u8], usage: wgpu::BufferUsages) -> wgpu::Buffer {
        self.device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents,
                usage,
            })
    }

    fn scratch(&self, label: &str, size: u64, usage: wgpu::BufferUsages) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size,
            usage,
            mapped_at_creation: false,
        })
    }

    fn bind(&self, layout: &wgpu::BindGroupLayout, buffers: &[&wgpu::Buffer]) -> wgpu::BindGroup {
        let entries: Vec<_> = buffers
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry {
                binding: i as u32,
                resource: b.as_entire_binding(),
            })
            .collect();
        self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout,
            entries: &entries,
        })
    }

    /// Runs `passes` (pipeline, bind group, workgroups) in one compute pass,
    /// then copies `out` back to the host.
    fn run(
        &self,
        passes: &[(&wgpu::ComputePipeline, &wgpu::BindGroup, (u32, u32))],
        out: &wgpu::Buffer,
    ) -> Result<Vec<u32>, GpuError> {
        let size = out.size();
        let readback = self.scratch(
            "readback",
            size,
            wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        );
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: None,
                timestamp_writes: None,
            });
            for (pipeline, group, (x, y)) in passes {
                pass.set_pipeline(pipeline);
                pass.set_bind_group(0, *group, &[]);
                pass.dispatch_workgroups(*x, *y, 1);
            }
        }
        encoder.copy_buffer_to_buffer(out, 0, &readback, 0, size);
        self.queue.submit([encoder.finish()]);
        let (tx, rx) = mpsc::channel();
        readback.map_async(wgpu::MapMode::Read, .., move |r| {
            let _ = tx.send(r);
        });
        self.device
            .poll(wgpu::PollType::Wait {
                submission_index: None,
                timeout: None,
            })
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        rx.recv()
            .map_err(|e| GpuError::Readback(e.to_string()))?
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        let data = {
            let view = readback
                .get_mapped_range(..)
                .map_err(|e| GpuError::Readback(e.to_string()))?;
            bytemuck::cast_slice::<u8, u32>(&view).to_vec()
        };
        readback.unmap();
        Ok(data)
    }

    fn fits(&self, needed: u64) -> Result<(), GpuError> {
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
        let (sw, sh) = plan.src;
        let (dw, dh) = plan.out;
        let storage = wgpu::BufferUsages::STORAGE;
        let src_buf = self.buffer("src", bytemuck::cast_slice(src), storage);
        let mid = self.scratch("mid", u64::from(dw) * u64::from(sh) * 16, storage);
        let dst_size = u64::from(dw) * u64::from(dh) * 4;
        let dst = self.scratch("dst", dst_size, storage | wgpu::BufferUsages::COPY_SRC);
        let pass_group = |kernel: &super::kernel::Kernel| {
            let params = Params {
                src_w: sw,
                src_h: sh,
                dst_w: dw,
                dst_h: dh,
                taps: kernel.taps,
                pad: [0; 3],
            };
            let params = self.buffer(
                "params",
                bytemuck::bytes_of(&params),
                wgpu::BufferUsages::UNIFORM,
            );
            let starts = self.buffer("starts", bytemuck::cast_slice(&kernel.starts), storage);
            let weights = self.buffer("weights", bytemuck::cast_slice(&kernel.weights), storage);
            self.bind(
                &self.resize_layout,
                &[&params, &starts, &weights, &self.lut, &src_buf, &mid, &dst],
            )
        };
        let h_group = pass_group(&plan.kx);
        let v_group = pass_group(&plan.ky);
        self.run(
            &[
                (&self.horizontal, &h_group, (dw.div_ceil(8), sh.div_ceil(8))),
                (&self.vertical, &v_group, (dw.div_ceil(8), dh.div_ceil(8))),
            ],
            &dst,
        )
    }

    /// Embeds the watermark whose per-block bits are `bits` (see
    /// [`watermark::block_bits`]): canvas, block deltas, apply, as
    /// `watermark.wgsl` does them. `image` changes only on success.
    pub fn watermark(&self, image: &mut Pixels, bits: &[u32]) -> Result<(), GpuError> {
        let (w, h) = (image.width, image.height);
        self.fits(u64::from(w) * u64::from(h) * 4)?;
        let storage = wgpu::BufferUsages::STORAGE;
        let params = MarkParams {
            width: w,
            height: h,
            margin: watermark::MARGIN,
            max_push: watermark::MAX_PUSH,
            gain: watermark::GAIN,
            pad: [0; 3],
        };
        let params = self.buffer(
            "params",
            bytemuck::bytes_of(&params),
            wgpu::BufferUsages::UNIFORM,
        );
        let bits = self.buffer("bits", bytemuck::cast_slice(bits), storage);
        let pixels = self.buffer(
            "pixels",
            bytemuck::cast_slice(&image.data),
            storage | wgpu::BufferUsages::COPY_SRC,
        );
        let cells = (watermark::CANVAS * watermark::CANVAS * 4) as u64;
        let canvas = self.scratch("canvas", cells, storage);
        let deltas = self.scratch("deltas", cells, storage);
        let group = self.bind(
            &self.mark_layout,
            &[&params, &self.basis, &bits, &pixels, &canvas, &deltas],
        );
        let side = (watermark::CANVAS / 8) as u32;
        image.data = self.run(
            &[
                (&self.mark_canvas, &group, (side, side)),
                (
                    &self.mark_blocks,
                    &group,
                    ((watermark::BLOCKS / 64) as u32, 1),
                ),
                (&self.mark_apply, &group, (w.div_ceil(8), h.div_ceil(8))),
            ],
            &pixels,
        )?;
        Ok(())
    }

    /// The attention energy map, as `crop::energy` computes it.
    pub fn energy(&self, image: &Pixels) -> Result<EnergyMap, GpuError> {
        let (w, h) = (image.width, image.height);
        self.fits(u64::from(w) * u64::from(h) * 4)?;
        let (cell, cols, rows) = EnergyMap::shape(w, h);
        let params = EnergyParams {
            width: w,
            height: h,
            cell,
            cols,
            rows,
            pad: [0; 3],
        };
        let params = self.buffer(
            "params",
            bytemuck::bytes_of(&params),
            wgpu::BufferUsages::UNIFORM,
        );
        let storage = wgpu::BufferUsages::STORAGE;
        let src = self.buffer("src", bytemuck::cast_slice(&image.data), storage);
        let out = self.scratch(
            "energy",
            u64::from(cols) * u64::from(rows) * 4,
            storage | wgpu::BufferUsages::COPY_SRC,
        );
        let group = self.bind(&self.energy_layout, &[&params, &src, &out]);
        let data = self.run(
            &[(&self.energy, &group, (cols.div_ceil(8), rows.div_ceil(8)))],
            &out,
        )?;
        Ok(EnergyMap {
            cell,
            cols,
            rows,
            data,
        })
    }
}
