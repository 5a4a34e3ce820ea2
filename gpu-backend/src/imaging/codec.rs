//! Decoding sources and encoding renditions, with limits checked before
//! any pixel memory is committed.

use std::io::Cursor;

use image::{ImageDecoder, ImageFormat as Codec, ImageReader};
use meridian_wit::types::{Error, ImageFormat};

use super::Pixels;
use super::color;
use crate::config::Limits;

pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Pixels, Error> {
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
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| {
            Error::new(
                422,
                "image-corrupt",
                format!("the source cannot be read: {e}"),
            )
        })?;
    let format = reader.format().ok_or_else(|| {
        Error::new(
            422,
            "image-format-unsupported",
            "the source is not a JPEG, PNG or WebP image",
        )
    })?;
    if !matches!(format, Codec::Jpeg | Codec::Png | Codec::WebP) {
        return Err(Error::new(
            422,
            "image-format-unsupported",
            format!("{format:?} sources are not supported"),
        ));
    }
    let corrupt = |e: image::ImageError| {
        Error::new(
            422,
            "image-corrupt",
            format!("the {format:?} source does not decode: {e}"),
        )
    };
    // Dimensions come from the header alone: a bomb is refused before decoding.
    let decoder = reader.into_decoder().map_err(corrupt)?;
    let (w, h) = decoder.dimensions();
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
    if format == Codec::Jpeg && !jpeg_is_complete(bytes) {
        // Decoders fill missing scans with grey; a truncated file is an error.
        return Err(Error::new(
            422,
            "image-corrupt",
            "the JPEG source is truncated (no end-of-image marker)",
        ));
    }
    let image = image::DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    let rgba = image.into_rgba8();
    let data = rgba
        .chunks_exact(4)
        .map(|p| color::pack(p[0], p[1], p[2], p[3]))
        .collect();
    Ok(Pixels {
        width: w,
        height: h,
        data,
    })
}

/// A JPEG ends with EOI (`FF D9`), possibly followed by a little padding.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(4096)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

pub fn encode(pixels: &Pixels, format: ImageFormat, quality: u8) -> Result<Vec<u8>, Error> {
    let failed = |e: image::ImageError| {
        Error::new(
            500,
            "encode-failed",
            format!("encoding {format:?} failed: {e}"),
        )
    };
    let mut out = Vec::new();
    let (w, h) = (pixels.width, pixels.height);
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
            let encoder =
                image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100));
            image::ImageEncoder::write_image(encoder, &rgb, w, h, image::ExtendedColorType::Rgb8)
                .map_err(failed)?;
        }
        ImageFormat::Png | ImageFormat::Webp => {
            let rgba: &[u8] = bytemuck::cast_slice(&pixels.data);
            if format == ImageFormat::Png {
                let encoder = image::codecs::png::PngEncoder::new(&mut out);
                image::ImageEncoder::write_image(
                    encoder,
                    rgba,
                    w,
                    h,
                    image::ExtendedColorType::Rgba8,
                )
                .map_err(failed)?;
            } else {
                let encoder = image::codecs::webp::WebPEncoder::new_lossless(&mut out);
                image::ImageEncoder::write_image(
                    encoder,
                    rgba,
                    w,
                    h,
                    image::ExtendedColorType::Rgba8,
                )
                .map_err(failed)?;
            }
        }
    }
    Ok(out)
}
