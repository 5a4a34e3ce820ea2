//! The GPU path of try-on compositing: `composite.wgsl` on a `wgpu` device
//! (a real GPU, or Mesa's lavapipe). The overlay atlas is uploaded once;
//! per frame only the region the layers cover travels each way.

use std::sync::mpsc;

use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

use super::composite::{Atlas, Plan};
use super::frame::Frame;

pub use crate::imaging::gpu::GpuError;
use crate::imaging::gpu::{layout, module, open_device, pipeline};

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Params {
    region: [u32; 4],
    counts: [u32; 4],
}

pub struct GpuCompositor {
    device: wgpu::Device,
    queue: wgpu::Queue,
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
    atlas: wgpu::Buffer,
    max_binding: u64,
    name: String,
}

impl GpuCompositor {
    pub fn new(atlas: &Atlas) -> Result<GpuCompositor, GpuError> {
        let (device, queue, info, limits) = open_device("meridian-tryon")?;
        let module = module(&device, "composite.wgsl", include_str!("composite.wgsl"));
        let layout = layout(&device, "composite", &[true, true, true, false]);
        let pipeline = pipeline(&device, &layout, &module, "main");
        // A storage binding may not be empty.
        let texels: &[u32] = if atlas.texels.is_empty() {
            &[0]
        } else {
            &atlas.texels
        };
        let atlas = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("overlay-atlas"),
            contents: bytemuck::cast_slice(texels),
            usage: wgpu::BufferUsages::STORAGE,
        });
        Ok(GpuCompositor {
            max_binding: limits
                .max_storage_buffer_binding_size
                .min(limits.max_buffer_size),
            name: format!("{} ({:?})", info.name, info.backend),
            device,
            queue,
            layout,
            pipeline,
            atlas,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Draws `plan` onto `frame` in place.
    pub fn composite(&self, frame: &mut Frame, plan: &Plan) -> Result<(), GpuError> {
        let [rx, ry, rw, rh] = plan.region;
        if plan.layers.is_empty() || rw == 0 || rh == 0 {
            return Ok(());
        }
        let size = u64::from(rw) * u64::from(rh) * 4;
        if size > self.max_binding {
            return Err(GpuError::TooLarge {
                needed: size,
                allowed: self.max_binding,
            });
        }
        let width = frame.width as usize;
        let row_bytes = rw as usize * 4;
        let pixels = &mut frame.rgba;
        let mut region = Vec::with_capacity(row_bytes * rh as usize);
        for y in ry..ry + rh {
            let start = (y as usize * width + rx as usize) * 4;
            region.extend_from_slice(&pixels[start..start + row_bytes]);
        }
        let d = &self.device;
        let init = |label, contents: &[u8], usage| {
            d.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents,
                usage,
            })
        };
        let params = Params {
            region: plan.region,
            counts: [plan.layers.len() as u32, 0, 0, 0],
        };
        let params = init(
            "params",
            bytemuck::bytes_of(&params),
            wgpu::BufferUsages::UNIFORM,
        );
        let storage = wgpu::BufferUsages::STORAGE;
        let layers = init("layers", bytemuck::cast_slice(&plan.layers), storage);
        let points: &[[f32; 2]] = if plan.points.is_empty() {
            &[[0.0; 2]]
        } else {
            &plan.points
        };
        let points = init("points", bytemuck::cast_slice(points), storage);
        let image = init("region", &region, storage | wgpu::BufferUsages::COPY_SRC);
        let readback = d.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
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
        encoder.copy_buffer_to_buffer(&image, 0, &readback, 0, size);
        self.queue.submit([encoder.finish()]);
        let (tx, rx_done) = mpsc::channel();
        readback.map_async(wgpu::MapMode::Read, .., move |r| {
            let _ = tx.send(r);
        });
        d.poll(wgpu::PollType::Wait {
            submission_index: None,
            timeout: None,
        })
        .map_err(|e| GpuError::Readback(e.to_string()))?;
        rx_done
            .recv()
            .map_err(|e| GpuError::Readback(e.to_string()))?
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        {
            let view = readback
                .get_mapped_range(..)
                .map_err(|e| GpuError::Readback(e.to_string()))?;
            for (row, y) in (ry..ry + rh).enumerate() {
                let start = (y as usize * width + rx as usize) * 4;
                let src = &view[row * row_bytes..(row + 1) * row_bytes];
                pixels[start..start + row_bytes].copy_from_slice(src);
            }
        }
        readback.unmap();
        Ok(())
    }
}
