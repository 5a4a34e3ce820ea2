//! What a rendition goes through after it leaves: the attacks the
//! watermark robustness test and the bit-error report (`examples/
//! watermark_ber.rs`) apply. Real encoders and a third-party resampler,
//! not Meridian's own pipeline.

use image::{RgbaImage, imageops};

use super::{Pixels, color};

fn to_image(p: &Pixels) -> RgbaImage {
    let bytes: Vec<u8> = bytemuck::cast_slice(&p.data).to_vec();
    RgbaImage::from_raw(p.width, p.height, bytes)
        .unwrap_or_else(|| unreachable!("Pixels hold width x height pixels"))
}

fn from_image(i: &RgbaImage) -> Pixels {
    Pixels {
        width: i.width(),
        height: i.height(),
        data: i
            .chunks_exact(4)
            .map(|p| color::pack(p[0], p[1], p[2], p[3]))
            .collect(),
    }
}

/// Re-encodes as baseline JPEG at `quality` (the `image` crate's encoder)
/// and decodes again.
pub fn jpeg(p: &Pixels, quality: u8) -> Pixels {
    let rgb = image::DynamicImage::ImageRgba8(to_image(p)).into_rgb8();
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    image::ImageEncoder::write_image(
        encoder,
        &rgb,
        p.width,
        p.height,
        image::ExtendedColorType::Rgb8,
    )
    .unwrap_or_else(|e| unreachable!("encoding to memory cannot fail: {e}"));
    let back = image::load_from_memory_with_format(&out, image::ImageFormat::Jpeg)
        .unwrap_or_else(|e| unreachable!("our own JPEG decodes: {e}"));
    from_image(&back.into_rgba8())
}

/// Scales by `factor` with a bilinear filter on the encoded values, as
/// most tools do.
pub fn scale(p: &Pixels, factor: f64) -> Pixels {
    let w = ((f64::from(p.width) * factor).round() as u32).max(1);
    let h = ((f64::from(p.height) * factor).round() as u32).max(1);
    from_image(&imageops::resize(
        &to_image(p),
        w,
        h,
        imageops::FilterType::Triangle,
    ))
}

/// An attack on a decoded rendition.
pub type Attack = fn(&Pixels) -> Pixels;

/// What the robustness test and the report apply to a served rendition.
pub const ALL: [(&str, Attack); 4] = [
    ("served", |p| p.clone()),
    ("JPEG q70", |p| jpeg(p, 70)),
    ("50% downscale", |p| scale(p, 0.5)),
    ("50% downscale + JPEG q70", |p| jpeg(&scale(p, 0.5), 70)),
];
