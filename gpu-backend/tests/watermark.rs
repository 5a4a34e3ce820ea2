//! The watermark survives what renditions go through: JPEG re-encoding at
//! quality 70, a 50% downscale, and both, on every catalog image.

use meridian_gpu_backend::catalog::image_files;
use meridian_gpu_backend::config::Config;
use meridian_gpu_backend::imaging::{Engine, Job, attack, codec, render, watermark};
use meridian_wit::types::{Fit, ImageFormat};

#[test]
fn marks_survive_jpeg_70_and_half_size_on_the_catalog() {
    let limits = Config::load(None, |_| None).expect("defaults").limits;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/catalog");
    let mut checked = 0;
    for path in image_files(dir.as_ref()).expect("catalog") {
        let bytes = std::fs::read(&path).expect("read");
        let source = codec::decode(&bytes, &limits).expect("decodes").pixels;
        let mark = watermark::issue(1_790_000_000 + checked * 7919, 100_000 + checked as u32, 2);
        let job = Job::new((1080, 1080), Fit::Contain, mark);
        let (pixels, _) = render(&source, &job, Engine::Cpu).expect("renders");
        // As served: a JPEG at quality 85.
        let served = codec::encode(&pixels, ImageFormat::Jpeg, 85).expect("encodes");
        let served = codec::decode(&served, &limits).expect("decodes").pixels;
        for (attack, apply) in attack::ALL {
            let attacked = apply(&served);
            let found = watermark::detect(&attacked);
            assert_eq!(
                found.payload.as_ref(),
                Some(&mark),
                "{}: {attack}: {found:?}",
                path.display()
            );
            assert!(
                found.confidence > 0.3,
                "{}: {attack}: {found:?}",
                path.display()
            );
        }
        // An unmarked picture yields nothing.
        let plain = attack::scale(&source, 0.5);
        assert_eq!(
            watermark::detect(&plain).payload,
            None,
            "{}",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 6, "checked {checked} images");
}
