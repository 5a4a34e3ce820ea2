//! Content-aware cropping: where `cover` with `crop: attention` keeps the
//! most detail, and where the product sits for `subject-fill`.
//!
//! Attention is an edge-energy map (Sobel magnitude of integer luma, summed
//! per cell), computed by `energy.wgsl` on the GPU or [`energy`] here. Both
//! use integer arithmetic only, so the two paths pick the same window
//! bit for bit; a float map could tip the argmax one cell apart.

use super::Pixels;
use super::cpu::par_rows;

/// Cells on the map's longer side (at most): fine enough to place a crop,
/// small enough to slide windows over on the CPU in microseconds.
const MAP_SIDE: u32 = 128;

/// Per-cell energy of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnergyMap {
    /// Cell side, source pixels.
    pub cell: u32,
    pub cols: u32,
    pub rows: u32,
    pub data: Vec<u32>,
}

impl EnergyMap {
    /// The map's shape for a `width` x `height` image.
    pub fn shape(width: u32, height: u32) -> (u32, u32, u32) {
        let cell = width.max(height).div_ceil(MAP_SIDE).max(1);
        (cell, width.div_ceil(cell), height.div_ceil(cell))
    }
}

/// Integer luma (BT.601, 8-bit fixed point), the same as the shader's.
#[inline]
fn luma(p: u32) -> i32 {
    ((77 * (p & 255) + 150 * ((p >> 8) & 255) + 29 * ((p >> 16) & 255)) >> 8) as i32
}

/// The energy map on the CPU.
pub fn energy(image: &Pixels) -> EnergyMap {
    let (w, h) = (image.width as i64, image.height as i64);
    let (cell, cols, rows) = EnergyMap::shape(image.width, image.height);
    let at =
        |x: i64, y: i64| luma(image.data[(y.clamp(0, h - 1) * w + x.clamp(0, w - 1)) as usize]);
    let mut data = vec![0u32; (cols * rows) as usize];
    par_rows(&mut data, cols as usize, |cy, row| {
        for (cx, o) in row.iter_mut().enumerate() {
            let (x0, y0) = (cx as i64 * i64::from(cell), cy as i64 * i64::from(cell));
            let mut sum = 0u32;
            for y in y0..(y0 + i64::from(cell)).min(h) {
                for x in x0..(x0 + i64::from(cell)).min(w) {
                    let gx = at(x + 1, y - 1) + 2 * at(x + 1, y) + at(x + 1, y + 1)
                        - at(x - 1, y - 1)
                        - 2 * at(x - 1, y)
                        - at(x - 1, y + 1);
                    let gy = at(x - 1, y + 1) + 2 * at(x, y + 1) + at(x + 1, y + 1)
                        - at(x - 1, y - 1)
                        - 2 * at(x, y - 1)
                        - at(x + 1, y - 1);
                    sum += gx.unsigned_abs() + gy.unsigned_abs();
                }
            }
            *o = sum;
        }
    });
    EnergyMap {
        cell,
        cols,
        rows,
        data,
    }
}

/// Where a `crop_w` x `crop_h` window (source pixels) over a `src` image
/// holds the most energy, with a mild pull to the centre (a window at the
/// edge must hold a quarter more to win), ties going to the centre.
/// Returns the window's top-left corner, in source pixels.
pub fn attention(map: &EnergyMap, src: (u32, u32), crop: (f64, f64)) -> (f64, f64) {
    let centre = (
        (f64::from(src.0) - crop.0) / 2.0,
        (f64::from(src.1) - crop.1) / 2.0,
    );
    let cell = f64::from(map.cell);
    let win_c = ((crop.0 / cell).round() as u32).clamp(1, map.cols);
    let win_r = ((crop.1 / cell).round() as u32).clamp(1, map.rows);
    let (range_c, range_r) = (map.cols - win_c, map.rows - win_r);
    if range_c == 0 && range_r == 0 {
        return centre;
    }
    // Column and row sums, then a sliding window along the free axis.
    let horizontal = range_c >= range_r;
    let (lines, len, win, range) = if horizontal {
        (map.cols, map.rows, win_c, range_c)
    } else {
        (map.rows, map.cols, win_r, range_r)
    };
    let line_sum = |i: u32| -> u64 {
        (0..len)
            .map(|j| {
                let (c, r) = if horizontal { (i, j) } else { (j, i) };
                u64::from(map.data[(r * map.cols + c) as usize])
            })
            .sum()
    };
    let sums: Vec<u64> = (0..lines).map(line_sum).collect();
    let mut window: u64 = sums[..win as usize].iter().sum();
    let mut best = (0u64, u64::MAX, 0u32);
    for off in 0..=range {
        if off > 0 {
            window = window + sums[(off + win - 1) as usize] - sums[(off - 1) as usize];
        }
        let from_centre = (i64::from(2 * off) - i64::from(range)).unsigned_abs();
        let score = window * (4 * u64::from(range) - from_centre);
        if score > best.0 || (score == best.0 && from_centre < best.1) {
            best = (score, from_centre, off);
        }
    }
    if best.1 <= 1 {
        // The middle window: the exact centre, not its cell-rounded place.
        return centre;
    }
    let at = f64::from(best.2) * cell;
    if horizontal {
        (at.min(f64::from(src.0) - crop.0).max(0.0), centre.1)
    } else {
        (centre.0, at.min(f64::from(src.1) - crop.1).max(0.0))
    }
}

/// The bounding box `[x, y, w, h]` of what differs from the uniform
/// background (the colour the four corners agree on), or `None` when the
/// corners disagree (no uniform background) or nothing differs.
pub fn subject(image: &Pixels) -> Option<[u32; 4]> {
    let (w, h) = (image.width, image.height);
    let px = |x: u32, y: u32| image.data[(y * w + x) as usize];
    let corners = [px(0, 0), px(w - 1, 0), px(0, h - 1), px(w - 1, h - 1)];
    let background = corners[0];
    // JPEG noise and soft shadows stay inside this distance.
    let differs = |p: u32| {
        (0..4).any(|i| {
            (((p >> (8 * i)) & 255) as i32 - ((background >> (8 * i)) & 255) as i32).abs() > 24
        })
    };
    if corners.iter().any(|c| differs(*c)) {
        return None;
    }
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
    for y in 0..h {
        for x in 0..w {
            if differs(px(x, y)) {
                x0 = x0.min(x);
                x1 = x1.max(x + 1);
                y0 = y0.min(y);
                y1 = y1.max(y + 1);
            }
        }
    }
    (x1 > x0).then(|| [x0, y0, x1 - x0, y1 - y0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imaging::color::pack;

    /// Flat grey with a detailed (checkered) square at `(sx, sy)`.
    fn scene(w: u32, h: u32, sx: u32, sy: u32, side: u32) -> Pixels {
        Pixels::from_fn(w, h, |x, y| {
            let inside = (sx..sx + side).contains(&x) && (sy..sy + side).contains(&y);
            match (inside, (x / 4 + y / 4) % 2 == 0) {
                (true, true) => pack(20, 20, 20, 255),
                (true, false) => pack(230, 230, 230, 255),
                (false, _) => pack(128, 128, 128, 255),
            }
        })
    }

    #[test]
    fn attention_follows_the_detail() {
        // Detail at the right edge of a wide picture; a square crop.
        let image = scene(800, 200, 600, 20, 160);
        let map = energy(&image);
        let (x, y) = attention(&map, (800, 200), (200.0, 200.0));
        assert!((560.0..=600.0).contains(&x), "x = {x}");
        assert_eq!(y, 0.0);
        // A uniform picture keeps the centre.
        let flat = scene(800, 200, 0, 0, 0);
        assert_eq!(
            attention(&energy(&flat), (800, 200), (200.0, 200.0)),
            (300.0, 0.0)
        );
    }

    #[test]
    fn subject_is_what_differs_from_the_corners() {
        let image = scene(300, 200, 50, 40, 100);
        assert_eq!(subject(&image), Some([50, 40, 100, 100]));
        assert_eq!(
            subject(&scene(300, 200, 0, 0, 0)),
            None,
            "nothing but background"
        );
        assert_eq!(
            subject(&scene(300, 200, 0, 0, 120)),
            None,
            "corners disagree"
        );
    }
}
