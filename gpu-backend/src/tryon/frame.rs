//! Camera frames in (JPEG or PNG, limits checked from the header before
//! decoding) and composites out.

use std::io::Cursor;

use image::{ImageDecoder, ImageFormat as Codec, ImageReader};
use meridian_wit::types::{Error, ImageFormat};

use super::config::FrameLimits;

/// Straight-alpha RGBA8 pixels, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

pub fn decode(bytes: &[u8], limits: &FrameLimits) -> Result<Frame, Error> {
    if bytes.len() > limits.max_frame_bytes {
        return Err(Error::new(
            413,
            "frame-too-large",
            format!(
                "the frame is {} bytes; the limit is {}",
                bytes.len(),
                limits.max_frame_bytes
            ),
        ));
    }
    if bytes.is_empty() {
        return Err(Error::new(422, "frame-empty", "the frame has no bytes"));
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| {
            Error::new(
                422,
                "frame-corrupt",
                format!("the frame cannot be read: {e}"),
            )
        })?;
    match reader.format() {
        Some(Codec::Jpeg | Codec::Png) => {}
        Some(other) => {
            return Err(Error::new(
                422,
                "frame-format-unsupported",
                format!("{other:?} frames are not supported; send JPEG or PNG"),
            ));
        }
        None => {
            return Err(Error::new(
                422,
                "frame-format-unsupported",
                "the frame is not a JPEG or PNG image",
            ));
        }
    }
    let corrupt = |e: image::ImageError| {
        Error::new(
            422,
            "frame-corrupt",
            format!("the frame does not decode: {e}"),
        )
    };
    let decoder = reader.into_decoder().map_err(corrupt)?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(Error::new(422, "frame-empty", "the frame has no pixels"));
    }
    if u64::from(w) * u64::from(h) > limits.max_frame_pixels || w.max(h) > limits.max_frame_side {
        return Err(Error::new(
            413,
            "frame-too-large",
            format!(
                "the frame is {w}x{h}; the limits are {} pixels and {} per side",
                limits.max_frame_pixels, limits.max_frame_side
            ),
        ));
    }
    if bytes.starts_with(&[0xFF, 0xD8])
        && !bytes.windows(2).rev().take(64).any(|w| w == [0xFF, 0xD9])
    {
        // Decoders fill missing scans with grey; a truncated frame is an error.
        return Err(Error::new(
            422,
            "frame-corrupt",
            "the JPEG frame is truncated (no end-of-image marker)",
        ));
    }
    let image = image::DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    Ok(Frame {
        width: w,
        height: h,
        rgba: image.into_rgba8().into_raw(),
    })
}

/// Encodes a composite with the imaging pipeline's encoders.
pub fn encode(frame: &Frame, format: ImageFormat, quality: u8) -> Result<Vec<u8>, Error> {
    let pixels = crate::imaging::Pixels {
        width: frame.width,
        height: frame.height,
        data: frame
            .rgba
            .chunks_exact(4)
            .map(|p| u32::from_le_bytes([p[0], p[1], p[2], p[3]]))
            .collect(),
    };
    crate::imaging::codec::encode(&pixels, format, quality)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let frame = Frame {
            width: w,
            height: h,
            rgba: vec![128; (w * h * 4) as usize],
        };
        encode(&frame, ImageFormat::Png, 90).expect("encodes")
    }

    #[test]
    fn jpeg_composites_decode_to_the_frame() {
        let mut rgba = Vec::new();
        for i in 0..64u32 * 48 {
            rgba.extend([(i % 64 * 4) as u8, 90, 160, 255]);
        }
        let frame = Frame {
            width: 64,
            height: 48,
            rgba,
        };
        let jpeg = encode(&frame, ImageFormat::Jpeg, 95).expect("encodes");
        let back = decode(&jpeg, &FrameLimits::default()).expect("decodes");
        assert_eq!((back.width, back.height), (64, 48));
        let worst = back
            .rgba
            .iter()
            .zip(&frame.rgba)
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap_or_default();
        assert!(worst < 16, "{worst}");
    }

    #[test]
    fn round_trips_and_refuses_what_it_should() {
        let limits = FrameLimits::default();
        let f = decode(&png(3, 2), &limits).expect("decodes");
        assert_eq!((f.width, f.height, f.rgba.len()), (3, 2, 24));
        let code = |r: Result<Frame, Error>| {
            let e = r.expect_err("refused");
            (e.status(), e.problem().code.clone())
        };
        let tight = FrameLimits {
            max_frame_side: 2,
            ..limits.clone()
        };
        assert_eq!(
            code(decode(&png(3, 2), &tight)),
            (413, "frame-too-large".into())
        );
        let small = FrameLimits {
            max_frame_bytes: 10,
            ..limits.clone()
        };
        assert_eq!(
            code(decode(&png(3, 2), &small)),
            (413, "frame-too-large".into())
        );
        assert_eq!(
            code(decode(b"GIF89a....", &limits)),
            (422, "frame-format-unsupported".into())
        );
        assert_eq!(
            code(decode(b"not an image", &limits)),
            (422, "frame-format-unsupported".into())
        );
        let mut broken = png(3, 2);
        broken.truncate(40);
        assert_eq!(
            code(decode(&broken, &limits)),
            (422, "frame-corrupt".into())
        );
        assert_eq!(code(decode(&[], &limits)), (422, "frame-empty".into()));
    }
}
