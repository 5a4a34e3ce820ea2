//! Decoding sources and encoding renditions, with limits checked before
//! any pixel memory is committed.
//!
//! Every decoded source comes out as upright (EXIF orientation applied)
//! sRGB RGBA8: embedded ICC profiles are converted, CMYK JPEGs turned into
//! RGB, 16-bit and palette PNGs expanded, a GIF reduced to its first frame.
//! Encoders write no metadata, so nothing from the source's EXIF (GPS,
//! device) leaves.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat as Codec, RgbaImage};
use meridian_wit::types::{Error, ImageFormat};

use super::Pixels;
use super::color;
use crate::config::Limits;

/// A decoded source.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// Upright sRGB pixels, possibly shrunk on load (see [`decode_for`]).
    pub pixels: Pixels,
    /// The source's upright size before any shrink-on-load.
    pub original: (u32, u32),
}

/// Decodes at full size.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Decoded, Error> {
    decode_for(bytes, limits, |_| 1)
}

/// Decodes, letting a JPEG shrink by a power of two in the DCT domain (far
/// cheaper than decoding every pixel): `max_shrink` gets the upright size
/// and answers the largest factor the caller can take (1, 2, 4 or 8).
pub fn decode_for(
    bytes: &[u8],
    limits: &Limits,
    max_shrink: impl Fn((u32, u32)) -> u32,
) -> Result<Decoded, Error> {
    if bytes.len() as u64 > limits.max_input_bytes {
        return Err(Error::new(
            413,
            "image-too-large",
            format!(
                "the source is {} bytes; the limit is {}",
                bytes.len(),
                limits.max_input_bytes
            ),
        ));
    }
    if bytes.is_empty() {
        return Err(Error::new(422, "image-empty", "the source is empty"));
    }
    let format = image::guess_format(bytes).map_err(|_| {
        Error::new(
            422,
            "image-format-unsupported",
            "the source is not a JPEG, PNG, WebP or GIF image",
        )
    })?;
    match format {
        Codec::Jpeg => decode_jpeg(bytes, limits, max_shrink),
        Codec::Png | Codec::WebP | Codec::Gif => decode_other(bytes, format, limits),
        other => Err(Error::new(
            422,
            "image-format-unsupported",
            format!("{other:?} sources are not supported"),
        )),
    }
}

fn corrupt(format: Codec, e: impl std::fmt::Display) -> Error {
    Error::new(
        422,
        "image-corrupt",
        format!("the {format:?} source does not decode: {e}"),
    )
}

/// Refuses empty images and bombs from header dimensions alone.
fn check_dimensions(w: u32, h: u32, limits: &Limits) -> Result<(), Error> {
    if w == 0 || h == 0 {
        return Err(Error::new(422, "image-empty", "the source has no pixels"));
    }
    if u64::from(w) * u64::from(h) > limits.max_input_pixels {
        return Err(Error::new(
            413,
            "image-too-large",
            format!(
                "the source is {w}x{h}; the limit is {} pixels",
                limits.max_input_pixels
            ),
        ));
    }
    Ok(())
}

fn upright((w, h): (u32, u32), o: Orientation) -> (u32, u32) {
    match o {
        Orientation::Rotate90
        | Orientation::Rotate270
        | Orientation::Rotate90FlipH
        | Orientation::Rotate270FlipH => (h, w),
        _ => (w, h),
    }
}

fn decode_jpeg(
    bytes: &[u8],
    limits: &Limits,
    max_shrink: impl Fn((u32, u32)) -> u32,
) -> Result<Decoded, Error> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.read_info().map_err(|e| corrupt(Codec::Jpeg, e))?;
    let info = decoder
        .info()
        .ok_or_else(|| corrupt(Codec::Jpeg, "no frame header"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    check_dimensions(w, h, limits)?;
    if !jpeg_is_complete(bytes) {
        // Decoders fill missing scans with grey; a truncated file is an error.
        return Err(Error::new(
            422,
            "image-corrupt",
            "the JPEG source is truncated (no end-of-image marker)",
        ));
    }
    let orientation = decoder
        .exif_data()
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);
    let icc = decoder.icc_profile();
    let shrink = match max_shrink(upright((w, h), orientation)) {
        8.. => 8,
        4..=7 => 4,
        2..=3 => 2,
        _ => 1,
    };
    let image = if info.pixel_format == jpeg_decoder::PixelFormat::CMYK32 {
        cmyk(decoder, w, h, shrink)?
    } else {
        turbo(bytes, shrink)?
    };
    let rgb_icc = info.pixel_format != jpeg_decoder::PixelFormat::CMYK32;
    let image = finish(image, icc.filter(|_| rgb_icc), orientation);
    Ok(Decoded {
        pixels: image,
        original: upright((w, h), orientation),
    })
}

/// Gray and YCbCr JPEGs through libjpeg-turbo, shrunk by `shrink` in the
/// DCT domain.
fn turbo(bytes: &[u8], shrink: u32) -> Result<RgbaImage, Error> {
    let decoded = std::panic::catch_unwind(|| -> std::io::Result<(usize, usize, Vec<[u8; 4]>)> {
        let mut d = mozjpeg::Decompress::new_mem(bytes)?;
        d.scale((8 / shrink.clamp(1, 8)) as u8);
        let mut started = d.rgba()?;
        let (w, h) = (started.width(), started.height());
        let pixels = started.read_scanlines::<[u8; 4]>()?;
        started.finish()?;
        Ok((w, h, pixels))
    });
    let (w, h, pixels) = match decoded {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => return Err(corrupt(Codec::Jpeg, e)),
        // libjpeg's fatal errors arrive as an unwind carrying the message.
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "libjpeg failed".into());
            return Err(corrupt(Codec::Jpeg, message));
        }
    };
    let bytes: Vec<u8> = bytemuck::cast_slice(&pixels).to_vec();
    RgbaImage::from_raw(w as u32, h as u32, bytes)
        .ok_or_else(|| corrupt(Codec::Jpeg, "short pixel data"))
}

/// CMYK JPEGs through `jpeg-decoder`, which undoes Adobe's inversion; naive
/// CMYK to RGB (a CMYK ICC profile, if any, is not applied).
fn cmyk(
    mut decoder: jpeg_decoder::Decoder<Cursor<&[u8]>>,
    w: u32,
    h: u32,
    shrink: u32,
) -> Result<RgbaImage, Error> {
    if shrink > 1 {
        // Asks for the exact 1/shrink size; the decoder rounds up.
        decoder
            .scale(w.div_ceil(shrink) as u16, h.div_ceil(shrink) as u16)
            .map_err(|e| corrupt(Codec::Jpeg, e))?;
    }
    let data = decoder.decode().map_err(|e| corrupt(Codec::Jpeg, e))?;
    let info = decoder
        .info()
        .ok_or_else(|| corrupt(Codec::Jpeg, "no frame header"))?;
    let rgba: Vec<u8> = data
        .chunks_exact(4)
        .flat_map(|p| {
            let k = 255 - u32::from(p[3]);
            let ch = |c: u8| ((255 - u32::from(c)) * k / 255) as u8;
            [ch(p[0]), ch(p[1]), ch(p[2]), 255]
        })
        .collect();
    RgbaImage::from_raw(u32::from(info.width), u32::from(info.height), rgba)
        .ok_or_else(|| corrupt(Codec::Jpeg, "short pixel data"))
}

/// Width and height straight from a PNG or GIF header: decoders reject a
/// zero side as corrupt before anyone can ask, and it deserves its own code.
fn header_size(bytes: &[u8], format: Codec) -> Option<(u32, u32)> {
    let be = |at: usize| Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    let le = |at: usize| {
        Some(u32::from(u16::from_le_bytes(
            bytes.get(at..at + 2)?.try_into().ok()?,
        )))
    };
    match format {
        Codec::Png if bytes.get(12..16) == Some(b"IHDR") => Some((be(16)?, be(20)?)),
        Codec::Gif => Some((le(6)?, le(8)?)),
        _ => None,
    }
}

fn decode_other(bytes: &[u8], format: Codec, limits: &Limits) -> Result<Decoded, Error> {
    if let Some((w, h)) = header_size(bytes, format) {
        check_dimensions(w, h, limits)?;
    }
    let reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    let mut decoder = reader.into_decoder().map_err(|e| corrupt(format, e))?;
    let (w, h) = decoder.dimensions();
    check_dimensions(w, h, limits)?;
    // A second guard: frames or chunks that claim more than the header.
    let mut guard = image::Limits::default();
    guard.max_alloc = Some(limits.max_input_pixels.saturating_mul(16));
    decoder.set_limits(guard).map_err(|e| corrupt(format, e))?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten();
    // A GIF decodes to its first frame.
    let image = DynamicImage::from_decoder(decoder).map_err(|e| corrupt(format, e))?;
    let pixels = finish(image.into_rgba8(), icc, orientation);
    Ok(Decoded {
        pixels,
        original: upright((w, h), orientation),
    })
}

/// sRGB from the embedded profile, upright, packed.
fn finish(image: RgbaImage, icc: Option<Vec<u8>>, orientation: Orientation) -> Pixels {
    let mut image = image;
    if let Some(icc) = icc {
        to_srgb(&mut image, &icc);
    }
    let mut image = DynamicImage::ImageRgba8(image);
    image.apply_orientation(orientation);
    let rgba = image.into_rgba8();
    let (width, height) = rgba.dimensions();
    let data = rgba
        .chunks_exact(4)
        .map(|p| color::pack(p[0], p[1], p[2], p[3]))
        .collect();
    Pixels {
        width,
        height,
        data,
    }
}

/// Converts RGBA8 in the space of `icc` to sRGB in place. A profile that
/// does not parse or is not an RGB profile is ignored: the pixels are taken
/// as sRGB, as browsers do.
fn to_srgb(image: &mut RgbaImage, icc: &[u8]) {
    use moxcms::{ColorProfile, DataColorSpace, Layout, TransformOptions};
    let Ok(profile) = ColorProfile::new_from_slice(icc) else {
        tracing::debug!("ignoring an ICC profile that does not parse");
        return;
    };
    if profile.color_space != DataColorSpace::Rgb {
        return;
    }
    let srgb = ColorProfile::new_srgb();
    let Ok(transform) = profile.create_transform_8bit(
        Layout::Rgba,
        &srgb,
        Layout::Rgba,
        TransformOptions::default(),
    ) else {
        tracing::debug!("ignoring an ICC profile moxcms cannot transform");
        return;
    };
    let src = image.as_raw().clone();
    if transform.transform(&src, image).is_err() {
        tracing::debug!("ICC transform failed; keeping the pixels as they are");
    }
}

/// A JPEG ends with EOI (`FF D9`), possibly followed by a little padding.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(4096)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// Encodes `pixels`. `quality` (1 to 100) drives JPEG, WebP and AVIF; WebP
/// at 100 is lossless. PNG is always lossless.
pub fn encode(pixels: &Pixels, format: ImageFormat, quality: u8) -> Result<Vec<u8>, Error> {
    let failed = |e: &dyn std::fmt::Display| {
        Error::new(
            500,
            "encode-failed",
            format!("encoding {format:?} failed: {e}"),
        )
    };
    let quality = quality.clamp(1, 100);
    let mut out = Vec::new();
    let (w, h) = (pixels.width, pixels.height);
    let rgba: &[u8] = bytemuck::cast_slice(&pixels.data);
    match format {
        ImageFormat::Jpeg => {
            // JPEG has no alpha: flatten on white, in linear light.
            let white = color::pack(255, 255, 255, 255);
            let rgb: Vec<u8> = pixels
                .data
                .iter()
                .flat_map(|p| {
                    let p = if p >> 24 == 255 {
                        *p
                    } else {
                        color::over(*p, white)
                    };
                    [p as u8, (p >> 8) as u8, (p >> 16) as u8]
                })
                .collect();
            let (w16, h16) = (
                u16::try_from(w).map_err(|e| failed(&e))?,
                u16::try_from(h).map_err(|e| failed(&e))?,
            );
            jpeg_encoder::Encoder::new(&mut out, quality)
                .encode(&rgb, w16, h16, jpeg_encoder::ColorType::Rgb)
                .map_err(|e| failed(&e))?;
        }
        ImageFormat::Png => {
            let encoder = image::codecs::png::PngEncoder::new(&mut out);
            image::ImageEncoder::write_image(encoder, rgba, w, h, image::ExtendedColorType::Rgba8)
                .map_err(|e| failed(&e))?;
        }
        ImageFormat::Webp => {
            let encoder = webp::Encoder::from_rgba(rgba, w, h);
            let encoded = if quality == 100 {
                encoder.encode_lossless()
            } else {
                encoder.encode(f32::from(quality))
            };
            out = encoded.to_vec();
        }
        ImageFormat::Avif => {
            // Speed 8 of rav1e's 1 (slow) to 10: seconds, not minutes, per
            // large rendition, at a small cost in size.
            let encoder =
                image::codecs::avif::AvifEncoder::new_with_speed_quality(&mut out, 8, quality);
            image::ImageEncoder::write_image(encoder, rgba, w, h, image::ExtendedColorType::Rgba8)
                .map_err(|e| failed(&e))?;
        }
    }
    Ok(out)
}
