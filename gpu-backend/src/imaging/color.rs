//! sRGB transfer functions, shared by the CPU path, the GPU path (the LUT is
//! uploaded as is; the shader repeats `encode`) and compositing.

use std::sync::OnceLock;

/// sRGB byte to linear light.
pub fn lut() -> &'static [f32; 256] {
    static LUT: OnceLock<[f32; 256]> = OnceLock::new();
    LUT.get_or_init(|| {
        let mut t = [0f32; 256];
        for (i, v) in t.iter_mut().enumerate() {
            let c = i as f32 / 255.0;
            *v = if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            };
        }
        t
    })
}

/// Linear light to an sRGB byte, exactly (what the shader computes).
pub fn encode_exact(l: f32) -> u32 {
    let l = l.clamp(0.0, 1.0);
    let c = if l <= 0.003_130_8 {
        12.92 * l
    } else {
        1.055 * l.powf(1.0 / 2.4) - 0.055
    };
    (c * 255.0).round() as u32
}

/// Steps of the linear-to-sRGB table: fine enough that near black (the
/// steepest part, 3294 byte levels per unit of light) a step is 1/20 of a
/// level, so it rounds like [`encode_exact`] except within 1/40 of a level
/// of a rounding boundary.
const ENCODE_STEPS: usize = 1 << 16;

/// Linear light to an sRGB byte through a table: `powf` per channel was a
/// fifth of the CPU resize.
#[inline]
pub fn encode(l: f32) -> u32 {
    static TABLE: OnceLock<Vec<u8>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        (0..ENCODE_STEPS)
            .map(|i| encode_exact(i as f32 / (ENCODE_STEPS - 1) as f32) as u8)
            .collect()
    });
    let i = (l.clamp(0.0, 1.0) * (ENCODE_STEPS - 1) as f32 + 0.5) as usize;
    u32::from(table[i.min(ENCODE_STEPS - 1)])
}

/// A packed RGBA8 pixel (`r | g << 8 | b << 16 | a << 24`) as linear,
/// premultiplied RGBA.
#[inline]
pub fn to_linear_premultiplied(p: u32) -> [f32; 4] {
    let t = lut();
    let a = (p >> 24) as f32 / 255.0;
    [
        t[(p & 255) as usize] * a,
        t[((p >> 8) & 255) as usize] * a,
        t[((p >> 16) & 255) as usize] * a,
        a,
    ]
}

/// Linear premultiplied RGBA back to a packed sRGB pixel.
#[inline]
pub fn from_linear_premultiplied(c: [f32; 4]) -> u32 {
    let a = c[3].clamp(0.0, 1.0);
    let (r, g, b) = if c[3] > 0.0 {
        (c[0] / c[3], c[1] / c[3], c[2] / c[3])
    } else {
        (0.0, 0.0, 0.0)
    };
    encode(r) | encode(g) << 8 | encode(b) << 16 | ((a * 255.0).round() as u32) << 24
}

/// `fg` over `bg`, in linear light.
pub fn over(fg: u32, bg: u32) -> u32 {
    let f = to_linear_premultiplied(fg);
    let b = to_linear_premultiplied(bg);
    let k = 1.0 - f[3];
    from_linear_premultiplied([
        f[0] + b[0] * k,
        f[1] + b[1] * k,
        f[2] + b[2] * k,
        f[3] + b[3] * k,
    ])
}

pub fn pack(r: u8, g: u8, b: u8, a: u8) -> u32 {
    u32::from(r) | u32::from(g) << 8 | u32::from(b) << 16 | u32::from(a) << 24
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_opaque_byte() {
        for v in 0..=255u8 {
            let p = pack(v, v, v, 255);
            assert_eq!(from_linear_premultiplied(to_linear_premultiplied(p)), p);
        }
    }

    #[test]
    fn the_table_matches_the_formula_within_one_level() {
        let mut off = 0;
        for i in 0..=100_000 {
            let l = i as f32 / 100_000.0;
            let (t, e) = (encode(l), encode_exact(l));
            assert!(t.abs_diff(e) <= 1, "{l}: {t} vs {e}");
            off += usize::from(t != e);
        }
        assert!(off < 1_000, "{off} of 100001 differ");
    }

    #[test]
    fn over_blends_in_linear_light() {
        let half_black = pack(0, 0, 0, 128);
        let white = pack(255, 255, 255, 255);
        let mixed = over(half_black, white);
        // Linear 0.5 is sRGB ~188, not 128.
        assert!((185..=190).contains(&(mixed & 255)), "{}", mixed & 255);
        assert_eq!(mixed >> 24, 255);
    }
}
