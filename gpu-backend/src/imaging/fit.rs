//! Where the source lands in the target box for each fit.

use meridian_wit::types::Fit;

/// A resize job's geometry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    /// Source region, in source pixels: x, y, width, height.
    pub crop: [f64; 4],
    /// Size of the resized image.
    pub out: (u32, u32),
    /// For `pad`: canvas size and where the resized image sits on it.
    pub canvas: Option<(u32, u32, u32, u32)>,
}

pub fn geometry(src: (u32, u32), target: (u32, u32), fit: Fit) -> Geometry {
    let (sw, sh) = (f64::from(src.0), f64::from(src.1));
    let (tw, th) = (f64::from(target.0), f64::from(target.1));
    let full = [0.0, 0.0, sw, sh];
    let inside = || {
        let s = (tw / sw).min(th / sh);
        (
            ((sw * s).round() as u32).clamp(1, target.0),
            ((sh * s).round() as u32).clamp(1, target.1),
        )
    };
    match fit {
        Fit::Contain => Geometry {
            crop: full,
            out: inside(),
            canvas: None,
        },
        Fit::Pad => {
            let out = inside();
            Geometry {
                crop: full,
                out,
                canvas: Some((
                    target.0,
                    target.1,
                    (target.0 - out.0) / 2,
                    (target.1 - out.1) / 2,
                )),
            }
        }
        Fit::Cover => {
            let s = (tw / sw).max(th / sh);
            let (cw, ch) = (tw / s, th / s);
            Geometry {
                crop: [(sw - cw) / 2.0, (sh - ch) / 2.0, cw, ch],
                out: target,
                canvas: None,
            }
        }
    }
}

/// Marketplace main images: `subject` (`[x, y, w, h]` in source pixels)
/// scaled to fill `fill` percent of the box (on its limiting side), centred
/// on a canvas of the box's size.
pub fn subject(subject: [u32; 4], target: (u32, u32), fill: u8) -> Geometry {
    let f = f64::from(fill.clamp(1, 100)) / 100.0;
    let inner = (
        ((f64::from(target.0) * f).round() as u32).max(1),
        ((f64::from(target.1) * f).round() as u32).max(1),
    );
    let [x, y, w, h] = subject;
    let mut g = geometry((w, h), inner, Fit::Contain);
    g.crop = [f64::from(x), f64::from(y), f64::from(w), f64::from(h)];
    g.canvas = Some((
        target.0,
        target.1,
        (target.0 - g.out.0) / 2,
        (target.1 - g.out.1) / 2,
    ));
    g
}

/// The largest JPEG shrink-on-load a job takes: the source may shrink by a
/// power of two while staying at least the size it is resized to; the
/// Lanczos pass in linear light does the rest. (libvips' thumbnail keeps a
/// factor of two for its final reduction; the DCT-domain shrink already
/// band-limits, and `tests/decode.rs` checks the result stays within
/// 35 dB of a full decode.) A subject fill keeps every pixel: the product
/// may be a small part of the frame.
pub fn max_shrink(source: (u32, u32), target: (u32, u32), fit: Fit, subject_fill: bool) -> u32 {
    if subject_fill {
        return 1;
    }
    let rx = f64::from(source.0) / f64::from(target.0.max(1));
    let ry = f64::from(source.1) / f64::from(target.1.max(1));
    let ratio = match fit {
        Fit::Cover => rx.min(ry),
        Fit::Contain | Fit::Pad => rx.max(ry),
    };
    ratio.floor().max(1.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrink_on_load_keeps_the_output_size() {
        let shrink = |src, target, fit, subject| max_shrink(src, target, fit, subject);
        assert_eq!(shrink((4000, 3000), (1080, 1080), Fit::Contain, false), 3);
        assert_eq!(shrink((5312, 2988), (1080, 1080), Fit::Contain, false), 4);
        assert_eq!(shrink((8000, 6000), (1000, 1000), Fit::Contain, false), 8);
        assert_eq!(shrink((8000, 6000), (1000, 1000), Fit::Cover, false), 6);
        assert_eq!(shrink((1000, 800), (1080, 1080), Fit::Contain, false), 1);
        assert_eq!(shrink((8000, 6000), (100, 100), Fit::Pad, true), 1);
    }

    #[test]
    fn subject_fills_its_share_of_the_box() {
        let g = subject([100, 50, 400, 200], (1000, 1000), 85);
        assert_eq!(g.crop, [100.0, 50.0, 400.0, 200.0]);
        assert_eq!(g.out, (850, 425));
        assert_eq!(g.canvas, Some((1000, 1000, 75, 287)));
    }

    #[test]
    fn fits() {
        let c = geometry((1600, 1200), (800, 800), Fit::Contain);
        assert_eq!((c.out, c.canvas), ((800, 600), None));
        let p = geometry((1600, 1200), (800, 800), Fit::Pad);
        assert_eq!((p.out, p.canvas), ((800, 600), Some((800, 800, 0, 100))));
        let v = geometry((1600, 1200), (160, 160), Fit::Cover);
        assert_eq!(v.out, (160, 160));
        assert_eq!(v.crop, [200.0, 0.0, 1200.0, 1200.0]);
        let tall = geometry((1000, 500), (1080, 1920), Fit::Cover);
        assert!((tall.crop[2] - 281.25).abs() < 1e-9 && tall.crop[3] == 500.0);
        let tiny = geometry((4000, 10), (100, 100), Fit::Contain);
        assert_eq!(tiny.out, (100, 1), "never zero-sized");
    }
}
