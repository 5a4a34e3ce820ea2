//! The invisible watermark: 64 bits of payload (generation time, merchant,
//! platform) plus a CRC-16, spread with a repetition code over the DCT
//! blocks of a canonical luma canvas.
//!
//! Why a canonical canvas: any rendition, whatever its size, is projected
//! onto a 256 x 256 luma canvas (box average), cut into 32 x 32 blocks of
//! 8 x 8. Each block carries one code bit as the sign of `C(1,2) - C(2,1)`,
//! two low-frequency DCT coefficients of equal frequency. Low frequencies
//! survive JPEG quantisation; projecting onto a fixed canvas makes the mark
//! independent of scale, so a downscaled copy reads back the same way.
//! Embedding pushes the coefficient difference past a margin only where the
//! block does not already carry the bit, adds the spatial difference
//! (upsampled bilinearly) to R, G and B, and so changes few pixels by a
//! couple of levels.
//!
//! Code: 80 bits (payload + CRC-16/CCITT) over 1024 blocks: every bit 12 or
//! 13 times at pseudo-random places, whitened with a fixed key. Detection
//! sums the soft differences of each bit's copies (soft-decision majority)
//! and accepts the result only when the CRC verifies.
//!
//! The CPU functions here and `watermark.wgsl` compute the same arithmetic
//! in the same order with the same constants (uploaded from here).

use meridian_wit::types::{Detection, Watermark};

use super::Pixels;
use super::cpu::par_rows;

/// Side of the canonical luma canvas.
pub const CANVAS: usize = 256;
/// Blocks per canvas side.
pub const GRID: usize = CANVAS / 8;
pub const BLOCKS: usize = GRID * GRID;
/// Code bits: 64 payload + 16 CRC.
pub const CODE_BITS: usize = 80;
/// Coefficient difference every block is pushed to, canvas luma units.
pub const MARGIN: f32 = 14.0;
/// The most a block is pushed: a block whose content strongly opposes its
/// bit is left to the error correction rather than visibly marked.
pub const MAX_PUSH: f32 = 96.0;
/// Over-push that makes up for the smoothing of upsampling and projection.
pub const GAIN: f32 = 1.25;

/// Minutes of the mark's clock count from 2024-01-01T00:00Z.
const EPOCH: u64 = 1_704_067_200;
const MINUTES_MAX: u64 = (1 << 24) - 1;

/// The 1-D DCT-II basis for frequencies 1 and 2: `[b1[0..8], b2[0..8]]`.
pub fn basis() -> [f32; 16] {
    let mut b = [0f32; 16];
    for (i, v) in b.iter_mut().enumerate() {
        let (u, x) = ((i / 8 + 1) as f64, (i % 8) as f64);
        *v = (0.5 * ((2.0 * x + 1.0) * u * std::f64::consts::PI / 16.0).cos()) as f32;
    }
    b
}

/// The 64-bit payload: minutes (24) | merchant (32) | platform (8).
pub fn pack(w: &Watermark) -> u64 {
    let minutes = (w.issued_at.saturating_sub(EPOCH) / 60).min(MINUTES_MAX);
    minutes << 40 | u64::from(w.merchant) << 8 | u64::from(w.platform)
}

pub fn unpack(bits: u64) -> Watermark {
    Watermark {
        issued_at: EPOCH + (bits >> 40) * 60,
        merchant: (bits >> 8) as u32,
        platform: bits as u8,
    }
}

/// The mark as issued: `issued_at` rounded down to the minute, clamped to
/// the 24-bit clock (2024 to 2055).
pub fn issue(issued_at: u64, merchant: u32, platform: u8) -> Watermark {
    unpack(pack(&Watermark {
        issued_at,
        merchant,
        platform,
    }))
}

/// CRC-16/CCITT-FALSE over the payload's big-endian bytes.
fn crc16(payload: u64) -> u16 {
    let mut crc = 0xFFFFu16;
    for byte in payload.to_be_bytes() {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

fn codeword(payload: u64) -> [bool; CODE_BITS] {
    let crc = crc16(payload);
    std::array::from_fn(|i| {
        if i < 64 {
            payload >> (63 - i) & 1 == 1
        } else {
            crc >> (79 - i) & 1 == 1
        }
    })
}

/// For each block: which code bit it carries and its whitening bit. A fixed
/// shuffle (xorshift, constant seed) spreads each bit's copies over the
/// canvas, so a damaged region costs every bit a little, not some bits all.
fn layout() -> &'static [(u16, bool); BLOCKS] {
    static LAYOUT: std::sync::OnceLock<[(u16, bool); BLOCKS]> = std::sync::OnceLock::new();
    LAYOUT.get_or_init(|| {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut order: Vec<usize> = (0..BLOCKS).collect();
        for i in (1..BLOCKS).rev() {
            order.swap(i, (next() % (i as u64 + 1)) as usize);
        }
        let mut out = [(0u16, false); BLOCKS];
        for (slot, block) in order.into_iter().enumerate() {
            out[block] = ((slot % CODE_BITS) as u16, next() & 1 == 1);
        }
        out
    })
}

/// The bit (0 or 1) every block must carry for `mark`.
pub fn block_bits(mark: &Watermark) -> Vec<u32> {
    let code = codeword(pack(mark));
    layout()
        .iter()
        .map(|&(bit, white)| u32::from(code[bit as usize] ^ white))
        .collect()
}

/// Luma of a packed sRGB pixel (BT.601 weights on the encoded values).
#[inline]
fn luma(p: u32) -> f32 {
    0.299 * (p & 255) as f32 + 0.587 * ((p >> 8) & 255) as f32 + 0.114 * ((p >> 16) & 255) as f32
}

/// The pixels `a..b` of `len` that canvas cell `c` averages.
#[inline]
fn span(c: usize, len: usize) -> (usize, usize) {
    let a = c * len / CANVAS;
    let b = ((c + 1) * len / CANVAS).max(a + 1).min(len);
    (a.min(len - 1), b)
}

/// The canonical canvas: mean luma of each cell.
pub fn canvas(image: &Pixels) -> Vec<f32> {
    let (w, h) = (image.width as usize, image.height as usize);
    let mut out = vec![0f32; CANVAS * CANVAS];
    par_rows(&mut out, CANVAS, |cy, row| {
        let (y0, y1) = span(cy, h);
        for (cx, o) in row.iter_mut().enumerate() {
            let (x0, x1) = span(cx, w);
            let mut sum = 0f32;
            for y in y0..y1 {
                for x in x0..x1 {
                    sum += luma(image.data[y * w + x]);
                }
            }
            *o = sum / ((y1 - y0) * (x1 - x0)) as f32;
        }
    });
    out
}

/// `C(1,2) - C(2,1)` of block `b` of the canvas.
fn difference(canvas: &[f32], b: usize, basis: &[f32; 16]) -> f32 {
    let (bx, by) = (b % GRID * 8, b / GRID * 8);
    let mut d = 0f32;
    for y in 0..8 {
        for x in 0..8 {
            let v = canvas[(by + y) * CANVAS + bx + x];
            d += v * (basis[x] * basis[8 + y] - basis[8 + x] * basis[y]);
        }
    }
    d
}

/// The spatial change of every canvas pixel that makes each block carry
/// its bit.
pub fn deltas(canvas: &[f32], bits: &[u32]) -> Vec<f32> {
    let basis = basis();
    let mut out = vec![0f32; CANVAS * CANVAS];
    for (b, &bit) in bits.iter().enumerate().take(BLOCKS) {
        let sign = if bit == 1 { 1.0 } else { -1.0 };
        let need = MARGIN - sign * difference(canvas, b, &basis);
        if need <= 0.0 {
            continue;
        }
        // Adding k (A - B) moves C(1,2) by +k and C(2,1) by -k.
        let k = sign * need.min(MAX_PUSH) * GAIN * 0.5;
        let (bx, by) = (b % GRID * 8, b / GRID * 8);
        for y in 0..8 {
            for x in 0..8 {
                out[(by + y) * CANVAS + bx + x] =
                    k * (basis[x] * basis[8 + y] - basis[8 + x] * basis[y]);
            }
        }
    }
    out
}

/// Adds the canvas deltas, upsampled bilinearly, to R, G and B.
pub fn apply(image: &mut Pixels, deltas: &[f32]) {
    let (w, h) = (image.width as usize, image.height as usize);
    let sx = CANVAS as f32 / w as f32;
    let sy = CANVAS as f32 / h as f32;
    par_rows(&mut image.data, w, |y, row| {
        for (x, p) in row.iter_mut().enumerate() {
            let d = sample(
                deltas,
                (x as f32 + 0.5) * sx - 0.5,
                (y as f32 + 0.5) * sy - 0.5,
            );
            *p = shift(*p, d);
        }
    });
}

#[inline]
fn sample(grid: &[f32], u: f32, v: f32) -> f32 {
    let last = (CANVAS - 1) as f32;
    let (u, v) = (u.clamp(0.0, last), v.clamp(0.0, last));
    // Non-negative after the clamp: truncation is floor.
    let (x0, y0) = (u as usize, v as usize);
    let (x1, y1) = ((x0 + 1).min(CANVAS - 1), (y0 + 1).min(CANVAS - 1));
    let (fx, fy) = (u - x0 as f32, v - y0 as f32);
    let top = grid[y0 * CANVAS + x0] * (1.0 - fx) + grid[y0 * CANVAS + x1] * fx;
    let bottom = grid[y1 * CANVAS + x0] * (1.0 - fx) + grid[y1 * CANVAS + x1] * fx;
    top * (1.0 - fy) + bottom * fy
}

#[inline]
fn shift(p: u32, d: f32) -> u32 {
    // floor(x + 0.5), not round(): WGSL's round() goes half to even. After
    // the clamp the value is non-negative, where `as` truncation is floor.
    let ch = |s: u32| ((((p >> s) & 255) as f32 + d + 0.5).clamp(0.0, 255.0) as u32) << s;
    ch(0) | ch(8) | ch(16) | (p & 0xFF00_0000)
}

/// Embeds `mark` on the CPU.
pub fn embed(image: &mut Pixels, mark: &Watermark) {
    let c = canvas(image);
    let d = deltas(&c, &block_bits(mark));
    apply(image, &d);
}

/// Reads the mark back.
pub fn detect(image: &Pixels) -> Detection {
    let basis = basis();
    let c = canvas(image);
    let mut soft = [0f32; CODE_BITS];
    let raw: Vec<bool> = (0..BLOCKS)
        .map(|b| {
            let (bit, white) = layout()[b];
            let d = difference(&c, b, &basis);
            // Clipped: one strong edge must not outvote a dozen marked blocks.
            let vote = d.clamp(-2.0 * MARGIN, 2.0 * MARGIN);
            soft[bit as usize] += if white { -vote } else { vote };
            (d > 0.0) ^ white
        })
        .collect();
    let mut payload = 0u64;
    for s in &soft[..64] {
        payload = payload << 1 | u64::from(*s > 0.0);
    }
    let crc = soft[64..]
        .iter()
        .fold(0u16, |acc, s| acc << 1 | u16::from(*s > 0.0));
    let code = codeword(payload);
    let wrong = layout()
        .iter()
        .zip(&raw)
        .filter(|((bit, _), read)| code[*bit as usize] != **read)
        .count();
    let agreement = 1.0 - wrong as f32 / BLOCKS as f32;
    // Random content agrees with its own majority vote ~61% of the time;
    // a mark read through heavy damage still agrees far more.
    let found = crc == crc16(payload) && agreement >= 0.7;
    Detection {
        payload: found.then(|| unpack(payload)),
        confidence: if found {
            ((agreement - 0.6) / 0.4).clamp(0.0, 1.0)
        } else {
            0.0
        },
        corrected_bits: if found { wrong as u32 } else { 0 },
    }
}

/// Raw bit error rate of `image` against `mark`: the share of blocks whose
/// bit reads wrong before error correction.
pub fn bit_error_rate(image: &Pixels, mark: &Watermark) -> f64 {
    let basis = basis();
    let c = canvas(image);
    let bits = block_bits(mark);
    let wrong = (0..BLOCKS)
        .filter(|&b| (difference(&c, b, &basis) > 0.0) != (bits[b] == 1))
        .count();
    wrong as f64 / BLOCKS as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_packs_minutes_merchant_platform() {
        let mark = issue(1_800_000_059, 0xDEAD_BEEF, 7);
        assert_eq!(mark.issued_at, 1_800_000_000, "rounded down to the minute");
        assert_eq!((mark.merchant, mark.platform), (0xDEAD_BEEF, 7));
        assert_eq!(unpack(pack(&mark)), mark);
        // Before the epoch clamps to it; far future clamps to the clock's end.
        assert_eq!(issue(0, 1, 1).issued_at, EPOCH);
        assert_eq!(issue(u64::MAX, 1, 1).issued_at, EPOCH + MINUTES_MAX * 60);
    }

    #[test]
    fn every_code_bit_has_twelve_copies() {
        let mut copies = [0; CODE_BITS];
        for (bit, _) in layout() {
            copies[*bit as usize] += 1;
        }
        assert!(copies.iter().all(|&c| c == 12 || c == 13), "{copies:?}");
    }

    #[test]
    fn crc_catches_a_flipped_bit() {
        let p = pack(&issue(1_800_000_000, 42, 1));
        assert_ne!(crc16(p), crc16(p ^ 1 << 17));
    }
}
