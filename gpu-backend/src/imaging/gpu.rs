//! The GPU path: `resize.wgsl`, `watermark.wgsl` and `energy.wgsl` on the
//! process's shared [`GpuDevice`]. Pipelines built once; buffers per job.

use std::sync::Arc;

use bytemuck::{Pod, Zeroable};

use super::color::lut;
use super::crop::EnergyMap;
use super::{Pixels, Plan, watermark};
use crate::gpu::{GpuDevice, GpuError, layout, module, pipeline};

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

/// The compute pipelines of every GPU stage: resize, watermark, attention
/// energy.
pub struct GpuResizer {
    gpu: Arc<GpuDevice>,
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
}

impl GpuResizer {
    pub fn new(gpu: Arc<GpuDevice>) -> GpuResizer {
        let device = gpu.device();
        let resize_layout = layout(device, "resize", &[true, true, true, true, false, false]);
        let mark_layout = layout(device, "watermark", &[true, true, false, false, false]);
        let energy_layout = layout(device, "energy", &[true, false]);
        let resize = module(device, "resize.wgsl", include_str!("resize.wgsl"));
        let mark = module(device, "watermark.wgsl", include_str!("watermark.wgsl"));
        let energy = module(device, "energy.wgsl", include_str!("energy.wgsl"));
        let storage = wgpu::BufferUsages::STORAGE;
        let lut = gpu.buffer("srgb-lut", bytemuck::cast_slice(lut().as_slice()), storage);
        let basis = gpu.buffer(
            "dct-basis",
            bytemuck::cast_slice(&watermark::basis()),
            storage,
        );
        GpuResizer {
            horizontal: pipeline(device, &resize_layout, &resize, "horizontal"),
            vertical: pipeline(device, &resize_layout, &resize, "vertical"),
            mark_canvas: pipeline(device, &mark_layout, &mark, "canvas_means"),
            mark_blocks: pipeline(device, &mark_layout, &mark, "block_deltas"),
            mark_apply: pipeline(device, &mark_layout, &mark, "apply_deltas"),
            energy: pipeline(device, &energy_layout, &energy, "energy"),
            resize_layout,
            mark_layout,
            energy_layout,
            lut,
            basis,
            gpu,
        }
    }

    /// Adapter name and backend, e.g. `llvmpipe (LLVM 15.0.6, 256 bits) (Vulkan)`.
    pub fn name(&self) -> &str {
        self.gpu.name()
    }

    /// Whether a job fits the adapter's buffer limits.
    pub fn check(&self, plan: &Plan) -> Result<(), GpuError> {
        let (sw, sh) = (u64::from(plan.src.0), u64::from(plan.src.1));
        let (dw, dh) = (u64::from(plan.out.0), u64::from(plan.out.1));
        self.gpu
            .fits((sw * sh * 4).max(dw * sh * 16).max(dw * dh * 4))
    }

    fn scratch(&self, label: &str, size: u64, usage: wgpu::BufferUsages) -> wgpu::Buffer {
        self.gpu.device().create_buffer(&wgpu::BufferDescriptor {
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
        self.gpu
            .device()
            .create_bind_group(&wgpu::BindGroupDescriptor {
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
        let mut encoder = self
            .gpu
            .device()
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
        self.gpu.read_back(encoder, out, |bytes| {
            bytemuck::cast_slice::<u8, u32>(bytes).to_vec()
        })
    }

    /// Resizes `src` by `plan`; GPU errors and a lost device are errors.
    pub fn resize(&self, src: &[u32], plan: &Plan) -> Result<Vec<u32>, GpuError> {
        self.check(plan)?;
        self.gpu.scoped(|| self.resize_on_device(src, plan))
    }

    fn resize_on_device(&self, src: &[u32], plan: &Plan) -> Result<Vec<u32>, GpuError> {
        let (sw, sh) = plan.src;
        let (dw, dh) = plan.out;
        let storage = wgpu::BufferUsages::STORAGE;
        let src_buf = self.gpu.buffer("src", bytemuck::cast_slice(src), storage);
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
            let params = self.gpu.buffer(
                "params",
                bytemuck::bytes_of(&params),
                wgpu::BufferUsages::UNIFORM,
            );
            let starts = self
                .gpu
                .buffer("starts", bytemuck::cast_slice(&kernel.starts), storage);
            let weights =
                self.gpu
                    .buffer("weights", bytemuck::cast_slice(&kernel.weights), storage);
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
        self.gpu
            .fits(u64::from(image.width) * u64::from(image.height) * 4)?;
        // The pixels change only once the whole job came through clean.
        image.data = self.gpu.scoped(|| self.mark_on_device(image, bits))?;
        Ok(())
    }

    fn mark_on_device(&self, image: &Pixels, bits: &[u32]) -> Result<Vec<u32>, GpuError> {
        let (w, h) = (image.width, image.height);
        let storage = wgpu::BufferUsages::STORAGE;
        let params = MarkParams {
            width: w,
            height: h,
            margin: watermark::MARGIN,
            max_push: watermark::MAX_PUSH,
            gain: watermark::GAIN,
            pad: [0; 3],
        };
        let params = self.gpu.buffer(
            "params",
            bytemuck::bytes_of(&params),
            wgpu::BufferUsages::UNIFORM,
        );
        let bits = self.gpu.buffer("bits", bytemuck::cast_slice(bits), storage);
        let pixels = self.gpu.buffer(
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
        self.run(
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
        )
    }

    /// The attention energy map, as `crop::energy` computes it.
    pub fn energy(&self, image: &Pixels) -> Result<EnergyMap, GpuError> {
        self.gpu
            .fits(u64::from(image.width) * u64::from(image.height) * 4)?;
        self.gpu.scoped(|| self.energy_on_device(image))
    }

    fn energy_on_device(&self, image: &Pixels) -> Result<EnergyMap, GpuError> {
        let (w, h) = (image.width, image.height);
        let (cell, cols, rows) = EnergyMap::shape(w, h);
        let params = EnergyParams {
            width: w,
            height: h,
            cell,
            cols,
            rows,
            pad: [0; 3],
        };
        let params = self.gpu.buffer(
            "params",
            bytemuck::bytes_of(&params),
            wgpu::BufferUsages::UNIFORM,
        );
        let storage = wgpu::BufferUsages::STORAGE;
        let src = self
            .gpu
            .buffer("src", bytemuck::cast_slice(&image.data), storage);
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
