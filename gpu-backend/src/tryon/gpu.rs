//! The GPU path of try-on compositing: `composite.wgsl` on the process's
//! shared [`GpuDevice`]. The overlay atlas is uploaded once; per frame only
//! the region the layers cover travels each way.

use std::sync::Arc;

use bytemuck::{Pod, Zeroable};

use super::composite::{Atlas, Plan};
use super::frame::Frame;
use crate::gpu::{GpuDevice, GpuError, layout, module, pipeline};

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Params {
    region: [u32; 4],
    counts: [u32; 4],
}

pub struct GpuCompositor {
    gpu: Arc<GpuDevice>,
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
    atlas: wgpu::Buffer,
}

impl GpuCompositor {
    pub fn new(gpu: Arc<GpuDevice>, atlas: &Atlas) -> GpuCompositor {
        let device = gpu.device();
        let module = module(device, "composite.wgsl", include_str!("composite.wgsl"));
        let layout = layout(device, "composite", &[true, true, true, false]);
        let pipeline = pipeline(device, &layout, &module, "main");
        // A storage binding may not be empty.
        let texels: &[u32] = if atlas.texels.is_empty() {
            &[0]
        } else {
            &atlas.texels
        };
        let atlas = gpu.buffer(
            "overlay-atlas",
            bytemuck::cast_slice(texels),
            wgpu::BufferUsages::STORAGE,
        );
        GpuCompositor {
            gpu,
            layout,
            pipeline,
            atlas,
        }
    }

    /// Adapter name and backend, as [`GpuDevice::name`].
    pub fn name(&self) -> &str {
        self.gpu.name()
    }

    /// Draws `plan` onto `frame` in place.
    pub fn composite(&self, frame: &mut Frame, plan: &Plan) -> Result<(), GpuError> {
        let [rx, ry, rw, rh] = plan.region;
        if plan.layers.is_empty() || rw == 0 || rh == 0 {
            return Ok(());
        }
        self.gpu.fits(u64::from(rw) * u64::from(rh) * 4)?;
        let width = frame.width as usize;
        let row_bytes = rw as usize * 4;
        // The frame changes only once the whole job came through clean, so
        // the CPU path can start over from it.
        let out = self.gpu.scoped(|| self.composite_on_device(frame, plan))?;
        for (row, y) in (ry..ry + rh).enumerate() {
            let start = (y as usize * width + rx as usize) * 4;
            frame.rgba[start..start + row_bytes]
                .copy_from_slice(&out[row * row_bytes..(row + 1) * row_bytes]);
        }
        Ok(())
    }

    /// The composited region, read back.
    fn composite_on_device(&self, frame: &Frame, plan: &Plan) -> Result<Vec<u8>, GpuError> {
        let [rx, ry, rw, rh] = plan.region;
        let width = frame.width as usize;
        let row_bytes = rw as usize * 4;
        let pixels = &frame.rgba;
        let mut region = Vec::with_capacity(row_bytes * rh as usize);
        for y in ry..ry + rh {
            let start = (y as usize * width + rx as usize) * 4;
            region.extend_from_slice(&pixels[start..start + row_bytes]);
        }
        let d = self.gpu.device();
        let params = Params {
            region: plan.region,
            counts: [plan.layers.len() as u32, 0, 0, 0],
        };
        let params = self.gpu.buffer(
            "params",
            bytemuck::bytes_of(&params),
            wgpu::BufferUsages::UNIFORM,
        );
        let storage = wgpu::BufferUsages::STORAGE;
        let layers = self
            .gpu
            .buffer("layers", bytemuck::cast_slice(&plan.layers), storage);
        let points: &[[f32; 2]] = if plan.points.is_empty() {
            &[[0.0; 2]]
        } else {
            &plan.points
        };
        let points = self
            .gpu
            .buffer("points", bytemuck::cast_slice(points), storage);
        let image = self
            .gpu
            .buffer("region", &region, storage | wgpu::BufferUsages::COPY_SRC);
        let group = d.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("composite"),
            layout: &self.layout,
            entries: &[
                (0, &params),
                (1, &self.atlas),
                (2, &layers),
                (3, &points),
                (4, &image),
            ]
            .map(|(binding, buffer)| wgpu::BindGroupEntry {
                binding,
                resource: buffer.as_entire_binding(),
            }),
        });
        let mut encoder = d.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("composite"),
        });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("composite"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &group, &[]);
            pass.dispatch_workgroups(rw.div_ceil(8), rh.div_ceil(8), 1);
        }
        self.gpu.read_back(encoder, &image, |view| view.to_vec())
    }
}
