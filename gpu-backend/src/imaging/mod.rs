//! The imaging pipeline behind `imaging.render`: decode, fit, resize in
//! linear light (GPU or CPU), compose, encode.

pub mod codec;
pub mod color;
pub mod cpu;
pub mod fit;
pub mod gpu;
pub mod kernel;

use meridian_wit::types::{Error, Fit, Rgba};

use self::fit::geometry;
use self::kernel::Kernel;

/// A decoded image: packed RGBA8 pixels, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Pixels {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u32>,
}

/// One resize job, the same for both engines.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub src: (u32, u32),
    pub out: (u32, u32),
    pub kx: Kernel,
    pub ky: Kernel,
    pub canvas: Option<(u32, u32, u32, u32)>,
}

impl Plan {
    pub fn new(src: (u32, u32), target: (u32, u32), fit: Fit) -> Plan {
        let g = geometry(src, target, fit);
        Plan {
            src,
            out: g.out,
            kx: Kernel::new(src.0, g.crop[0], g.crop[2], g.out.0),
            ky: Kernel::new(src.1, g.crop[1], g.crop[3], g.out.1),
            canvas: g.canvas,
        }
    }
}

/// Which engine resized an image.
pub enum Engine<'a> {
    Gpu(&'a gpu::GpuResizer),
    Cpu,
}

/// Resizes with `engine`, falling back to the CPU for jobs the GPU cannot
/// hold; returns the pixels and the name of what resized them.
pub fn resize(pixels: &Pixels, plan: &Plan, engine: Engine<'_>) -> Result<(Pixels, String), Error> {
    let (data, name) = match engine {
        Engine::Gpu(gpu) => match gpu.resize(&pixels.data, plan) {
            Ok(data) => (data, gpu.name().to_owned()),
            Err(e) => {
                tracing::warn!(error = %e, "GPU resize failed; using the CPU path");
                (cpu::resize(&pixels.data, plan), "cpu".to_owned())
            }
        },
        Engine::Cpu => (cpu::resize(&pixels.data, plan), "cpu".to_owned()),
    };
    let resized = Pixels {
        width: plan.out.0,
        height: plan.out.1,
        data,
    };
    Ok((resized, name))
}

/// Places `image` on a canvas of `background` (pad), in linear light.
pub fn pad(image: &Pixels, canvas: (u32, u32, u32, u32), background: Rgba) -> Pixels {
    let (w, h, ox, oy) = canvas;
    let bg = color::pack(background.r, background.g, background.b, background.a);
    let mut data = vec![bg; (w * h) as usize];
    for y in 0..image.height {
        for x in 0..image.width {
            let fg = image.data[(y * image.width + x) as usize];
            data[((y + oy) * w + x + ox) as usize] = color::over(fg, bg);
        }
    }
    Pixels {
        width: w,
        height: h,
        data,
    }
}

/// Peak signal-to-noise ratio over RGBA bytes, in dB (infinite when equal).
pub fn psnr(a: &Pixels, b: &Pixels) -> f64 {
    let mut sum = 0f64;
    for (p, q) in a.data.iter().zip(&b.data) {
        for shift in [0, 8, 16, 24] {
            let d = f64::from((p >> shift) & 255) - f64::from((q >> shift) & 255);
            sum += d * d;
        }
    }
    let mse = sum / (a.data.len() as f64 * 4.0);
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checker(w: u32, h: u32) -> Pixels {
        let data = (0..w * h)
            .map(|i| {
                if (i % w + i / w).is_multiple_of(2) {
                    color::pack(0, 0, 0, 255)
                } else {
                    color::pack(255, 255, 255, 255)
                }
            })
            .collect();
        Pixels {
            width: w,
            height: h,
            data,
        }
    }

    #[test]
    fn downscaling_a_checkerboard_averages_in_linear_light() {
        let plan = Plan::new((64, 64), (8, 8), Fit::Contain);
        let (out, engine) = resize(&checker(64, 64), &plan, Engine::Cpu).expect("resizes");
        assert_eq!((out.width, out.height, engine.as_str()), (8, 8, "cpu"));
        for p in &out.data {
            // Half black, half white in linear light is sRGB ~188 (gamma-naive gives 128).
            let v = p & 255;
            assert!((180..=195).contains(&v), "{v}");
        }
    }

    #[test]
    fn pad_centres_on_the_background() {
        let plan = Plan::new((40, 20), (10, 10), Fit::Pad);
        let (out, _) = resize(&checker(40, 20), &plan, Engine::Cpu).expect("resizes");
        let padded = pad(
            &out,
            plan.canvas.expect("pad has a canvas"),
            Rgba {
                r: 255,
                g: 0,
                b: 0,
                a: 255,
            },
        );
        assert_eq!((padded.width, padded.height), (10, 10));
        assert_eq!(
            padded.data[0],
            color::pack(255, 0, 0, 255),
            "corner is background"
        );
    }
}
