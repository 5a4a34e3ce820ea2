//! Decoding every kind of source the backend takes, from the fixtures
//! `catalog/fixtures/make.py` generated: each is the same picture as
//! `reference.png`, stored another way.

use meridian_gpu_backend::config::Config;
use meridian_gpu_backend::imaging::{Engine, Job, Pixels, codec, psnr, render, watermark};
use meridian_wit::types::{Fit, ImageFormat};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/catalog/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn decode(name: &str) -> Pixels {
    let limits = Config::load(None, |_| None).expect("defaults").limits;
    codec::decode(&fixture(name), &limits)
        .unwrap_or_else(|e| panic!("{name}: {e:?}"))
        .pixels
}

fn rgb(p: u32) -> [u8; 3] {
    [p as u8, (p >> 8) as u8, (p >> 16) as u8]
}

#[test]
fn every_stored_form_decodes_to_the_reference() {
    let reference = decode("reference.png");
    assert_eq!((reference.width, reference.height), (320, 213));
    for (name, min_db) in [
        ("progressive.jpg", 35.0),
        ("cmyk.jpg", 30.0),
        ("rgb16.png", 60.0),
        ("palette.png", 28.0),
        ("first-frame.gif", 25.0),
        ("exif-rotated.jpg", 35.0),
        ("adobe-rgb.jpg", 33.0),
    ] {
        let decoded = decode(name);
        assert_eq!(
            (decoded.width, decoded.height),
            (320, 213),
            "{name}: upright size"
        );
        let db = psnr(&reference, &decoded);
        assert!(db >= min_db, "{name}: PSNR {db:.1} dB < {min_db}");
    }
}

#[test]
fn icc_profiles_are_applied() {
    let reference = decode("reference.png");
    // Adobe RGB stored values read as sRGB look washed out; converted they
    // match the reference far better.
    let raw = image::load_from_memory(&fixture("adobe-rgb.jpg"))
        .expect("decodes")
        .into_rgba8();
    let naive = Pixels::from_fn(raw.width(), raw.height(), |x, y| {
        u32::from_le_bytes(raw.get_pixel(x, y).0)
    });
    let converted = decode("adobe-rgb.jpg");
    let (good, bad) = (psnr(&reference, &converted), psnr(&reference, &naive));
    // Measured: 39.3 dB converted, 35.2 dB naive (a muted sunset).
    assert!(
        good > bad + 3.0,
        "converted {good:.1} dB, naive {bad:.1} dB"
    );
    // A profile that swaps red and green swaps them on decode.
    let swapped = decode("swapped-rg.png");
    let mut checked = 0;
    for (r, s) in reference.data.iter().zip(&swapped.data).step_by(97) {
        let ([r0, g0, b0], [r1, g1, b1]) = (rgb(*r), rgb(*s));
        assert!(
            r0.abs_diff(g1) <= 3 && g0.abs_diff(r1) <= 3 && b0.abs_diff(b1) <= 3,
            "{:?} vs {:?}",
            rgb(*r),
            rgb(*s)
        );
        checked += 1;
    }
    assert!(checked > 500);
}

#[test]
fn alpha_and_the_first_gif_frame() {
    let alpha = decode("alpha.png");
    assert_eq!(alpha.data[0] >> 24, 0, "left half transparent");
    assert_eq!(alpha.data[319] >> 24, 255, "right half opaque");
    // The GIF's second frame is solid red; the first is the picture.
    let gif = decode("first-frame.gif");
    let red = gif.data.iter().filter(|p| rgb(**p) == [255, 0, 0]).count();
    assert!(red < gif.data.len() / 10, "{red} red pixels");
}

#[test]
fn no_metadata_leaves_in_any_format() {
    let source = fixture("exif-rotated.jpg");
    assert!(
        source.windows(15).any(|w| w == b"MeridianTestCam"),
        "the fixture carries camera data"
    );
    let pixels = decode("exif-rotated.jpg");
    for format in [
        ImageFormat::Jpeg,
        ImageFormat::Png,
        ImageFormat::Webp,
        ImageFormat::Avif,
    ] {
        let out = codec::encode(&pixels, format, 80).expect("encodes");
        for needle in [&b"Exif"[..], b"MeridianTestCam", b"Model-X", b"GPS"] {
            assert!(
                !out.windows(needle.len()).any(|w| w == needle),
                "{format:?} output carries {}",
                String::from_utf8_lossy(needle)
            );
        }
    }
}

#[test]
fn shrink_on_load_stays_close_to_a_full_decode() {
    let limits = Config::load(None, |_| None).expect("defaults").limits;
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/catalog/coast-sunset.jpg"
    ))
    .expect("catalog photo");
    let job = Job::new((400, 400), Fit::Contain, watermark::issue(0, 0, 0));
    let full = codec::decode(&bytes, &limits).expect("decodes");
    for shrink in [2, 4] {
        let shrunk = codec::decode_for(&bytes, &limits, |_| shrink).expect("decodes");
        assert_eq!(shrunk.original, full.original);
        assert_eq!(shrunk.pixels.width, full.pixels.width.div_ceil(shrink));
        let (a, _) = render(&full.pixels, &job, Engine::Cpu).expect("renders");
        let (b, _) = render(&shrunk.pixels, &job, Engine::Cpu).expect("renders");
        let db = psnr(&a, &b);
        assert!(db >= 35.0, "shrink {shrink}: PSNR {db:.1} dB");
    }
}

/// `jpeg` whose first scan header names a component the frame lacks.
fn with_a_foreign_scan_component(jpeg: &[u8]) -> Vec<u8> {
    let mut out = jpeg.to_vec();
    let mut i = 2;
    while i + 4 <= out.len() && out[i + 1] != 0xDA {
        i += 2 + usize::from(u16::from_be_bytes([out[i + 2], out[i + 3]]));
    }
    // FF DA, length (2), component count (1), then the first selector.
    out[i + 5] = 0x77;
    out
}

#[test]
fn refusals_have_codes_and_never_panic() {
    let limits = Config::load(None, |_| None).expect("defaults").limits;
    let jpeg = fixture("progressive.jpg");
    let png = fixture("reference.png");
    let baseline = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/catalog/coast-sunset.jpg"
    ))
    .expect("catalog photo");
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        // Complete, but its scan names a component the frame lacks: libjpeg's
        // fatal-error path (an unwind caught at the boundary), not a crash.
        (
            "jpeg with a foreign scan component",
            with_a_foreign_scan_component(&baseline),
            422,
            "image-corrupt",
        ),
        ("empty", vec![], 422, "image-empty"),
        ("text", b"hello".to_vec(), 422, "image-format-unsupported"),
        (
            "truncated jpeg",
            jpeg[..jpeg.len() / 3].to_vec(),
            422,
            "image-corrupt",
        ),
        (
            "truncated png",
            png[..png.len() / 3].to_vec(),
            422,
            "image-corrupt",
        ),
        (
            "jpeg header only",
            jpeg[..600].to_vec(),
            422,
            "image-corrupt",
        ),
    ];
    for (what, bytes, status, code) in cases {
        let err = codec::decode(&bytes, &limits).expect_err(what);
        assert_eq!(
            (err.status(), err.problem().code.as_str()),
            (status, code),
            "{what}"
        );
    }
    // Over the pixel limit: refused from the header, before decoding.
    let mut tight = limits.clone();
    tight.max_input_pixels = 320 * 213 - 1;
    for name in ["progressive.jpg", "reference.png", "first-frame.gif"] {
        let err = codec::decode(&fixture(name), &tight).expect_err(name);
        assert_eq!(
            (err.status(), err.problem().code.as_str()),
            (413, "image-too-large"),
            "{name}"
        );
    }
    let mut small = limits;
    small.max_input_bytes = 1000;
    let err = codec::decode(&jpeg, &small).expect_err("over the byte limit");
    assert_eq!(err.status(), 413);
}
