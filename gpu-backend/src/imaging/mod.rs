//! The imaging pipeline behind `imaging.render`: decode, fit, resize in
//! linear light (GPU or CPU), compose, encode.

pub mod attack;
pub mod codec;
pub mod color;
pub mod cpu;
pub mod crop;
pub mod fit;
pub mod gpu;
pub mod kernel;
pub mod watermark;

use meridian_wit::types::{Crop, Error, Fit, Rgba, Watermark};

use self::fit::{Geometry, geometry};
use self::kernel::Kernel;

/// A decoded image: packed RGBA8 pixels, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Pixels {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u32>,
}

impl Pixels {
    /// An image whose pixel at `(x, y)` is `f(x, y)`.
    pub fn from_fn(width: u32, height: u32, f: impl Fn(u32, u32) -> u32) -> Pixels {
        let data = (0..width * height)
            .map(|i| f(i % width, i / width))
            .collect();
        Pixels {
            width,
            height,
            data,
        }
    }
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
        Plan::from_geometry(src, geometry(src, target, fit))
    }

    pub fn from_geometry(src: (u32, u32), g: Geometry) -> Plan {
        Plan {
            src,
            out: g.out,
            kx: Kernel::new(src.0, g.crop[0], g.crop[2], g.out.0),
            ky: Kernel::new(src.1, g.crop[1], g.crop[3], g.out.1),
            canvas: g.canvas,
        }
    }
}

/// Which engine runs the pixel stages.
#[derive(Clone, Copy)]
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

/// Opaque white: the default padding colour.
pub const WHITE: Rgba = Rgba {
    r: 255,
    g: 255,
    b: 255,
    a: 255,
};

/// What a rendition needs besides its source.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub target: (u32, u32),
    pub fit: Fit,
    pub crop: Crop,
    /// Percent of the box the trimmed subject fills; overrides `fit`.
    pub subject_fill: Option<u8>,
    /// Padding colour for `pad` and `subject_fill`.
    pub background: Rgba,
    pub mark: Watermark,
}

impl Job {
    /// A plain job: centre crop, no subject fill, white padding.
    pub fn new(target: (u32, u32), fit: Fit, mark: Watermark) -> Job {
        Job {
            target,
            fit,
            crop: Crop::Centre,
            subject_fill: None,
            background: WHITE,
            mark,
        }
    }
}

/// The pixel stages of a rendition: geometry (attention crop or subject
/// trim), resize, pad, watermark. Returns the pixels and what resized them.
pub fn render(source: &Pixels, job: &Job, engine: Engine<'_>) -> Result<(Pixels, String), Error> {
    let src = (source.width, source.height);
    let g = match (job.subject_fill, job.fit, job.crop) {
        (Some(fill), _, _) => {
            let found = crop::subject(source).unwrap_or([0, 0, src.0, src.1]);
            fit::subject(found, job.target, fill)
        }
        (None, Fit::Cover, Crop::Attention) => {
            let mut g = geometry(src, job.target, Fit::Cover);
            let (x, y) = crop::attention(&energy(source, engine), src, (g.crop[2], g.crop[3]));
            g.crop[0] = x;
            g.crop[1] = y;
            g
        }
        (None, fit, _) => geometry(src, job.target, fit),
    };
    let plan = Plan::from_geometry(src, g);
    let (mut pixels, name) = resize(source, &plan, engine)?;
    if let Some(canvas) = plan.canvas {
        pixels = pad(&pixels, canvas, job.background);
    }
    // Invisible pixels may hold any colour: mid-grey gives the watermark
    // room both ways (black would clamp away every darkening block).
    for p in &mut pixels.data {
        if *p >> 24 == 0 {
            *p = 0x0080_8080;
        }
    }
    mark(&mut pixels, &job.mark, engine);
    Ok((pixels, name))
}

/// The attention map, on the GPU when there is one.
fn energy(source: &Pixels, engine: Engine<'_>) -> crop::EnergyMap {
    if let Engine::Gpu(gpu) = engine {
        match gpu.energy(source) {
            Ok(map) => return map,
            Err(e) => tracing::warn!(error = %e, "GPU energy map failed; using the CPU path"),
        }
    }
    crop::energy(source)
}

/// Embeds the watermark, on the GPU when there is one.
fn mark(pixels: &mut Pixels, mark: &Watermark, engine: Engine<'_>) {
    if let Engine::Gpu(gpu) = engine {
        match gpu.watermark(pixels, &watermark::block_bits(mark)) {
            Ok(()) => return,
            Err(e) => tracing::warn!(error = %e, "GPU watermark failed; using the CPU path"),
        }
    }
    watermark::embed(pixels, mark);
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

/// Peak signal-to-noise ratio over RGBA pixels, in dB (infinite when equal).
pub fn psnr(a: &Pixels, b: &Pixels) -> f64 {
    psnr_bytes(bytemuck::cast_slice(&a.data), bytemuck::cast_slice(&b.data))
}

/// Peak signal-to-noise ratio over two runs of 8-bit samples, in dB
/// (infinite when equal).
pub fn psnr_bytes(a: &[u8], b: &[u8]) -> f64 {
    let sum: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
        .sum();
    let mse = sum / a.len().max(1) as f64;
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
        Pixels::from_fn(w, h, |x, y| {
            if (x + y).is_multiple_of(2) {
                color::pack(0, 0, 0, 255)
            } else {
                color::pack(255, 255, 255, 255)
            }
        })
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
    fn subject_fill_trims_the_background_and_fills_the_share() {
        // A dark 200 x 100 product off-centre on a white 1000 x 800 photo.
        let white = color::pack(255, 255, 255, 255);
        let photo = Pixels::from_fn(1000, 800, |x, y| {
            if (100..300).contains(&x) && (500..600).contains(&y) {
                color::pack(30, 40, 50, 255)
            } else {
                white
            }
        });
        let mut job = Job::new((500, 500), Fit::Contain, watermark::issue(0, 1, 1));
        job.subject_fill = Some(80);
        let (out, _) = render(&photo, &job, Engine::Cpu).expect("renders");
        assert_eq!((out.width, out.height), (500, 500));
        let dark = |p: u32| (p & 255) < 128;
        let columns: Vec<u32> = (0..500)
            .filter(|&x| (0..500).any(|y| dark(out.data[(y * 500 + x) as usize])))
            .collect();
        let rows: Vec<u32> = (0..500)
            .filter(|&y| (0..500).any(|x| dark(out.data[(y * 500 + x) as usize])))
            .collect();
        // 80% of the box on the limiting (wide) side, centred; 2:1 kept.
        assert!((398..=402).contains(&columns.len()), "{}", columns.len());
        assert!((198..=202).contains(&rows.len()), "{}", rows.len());
        assert!(columns[0].abs_diff(50) <= 2 && rows[0].abs_diff(150) <= 2);
        assert!(dark(out.data[250 * 500 + 250]) && !dark(out.data[0]));
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
