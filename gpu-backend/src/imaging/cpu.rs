//! The CPU path: the same two passes as the GPU shader, on all cores.

use super::Plan;
use super::color::{from_linear_premultiplied, to_linear_premultiplied};

fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Runs `f(row, out_row)` for every row of `out`, rows split across threads.
pub(crate) fn par_rows<T: Send>(out: &mut [T], width: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    let rows = out.len() / width.max(1);
    let per = rows.div_ceil(threads()).max(1);
    std::thread::scope(|s| {
        for (chunk_index, chunk) in out.chunks_mut(per * width).enumerate() {
            let f = &f;
            s.spawn(move || {
                for (i, row) in chunk.chunks_mut(width).enumerate() {
                    f(chunk_index * per + i, row);
                }
            });
        }
    });
}

pub fn resize(src: &[u32], plan: &Plan) -> Vec<u32> {
    let (sw, sh) = (plan.src.0 as usize, plan.src.1 as usize);
    let (dw, dh) = (plan.out.0 as usize, plan.out.1 as usize);
    let kx = &plan.kx;
    let ky = &plan.ky;

    // Horizontal: every source row to dw samples, linear premultiplied.
    let mut mid = vec![[0f32; 4]; dw * sh];
    par_rows(&mut mid, dw, |y, out| {
        let row: Vec<[f32; 4]> = src[y * sw..(y + 1) * sw]
            .iter()
            .map(|p| to_linear_premultiplied(*p))
            .collect();
        let taps = kx.taps as usize;
        for (x, o) in out.iter_mut().enumerate() {
            let start = kx.starts[x] as usize;
            let w = &kx.weights[x * taps..(x + 1) * taps];
            let mut acc = [0f32; 4];
            if start + taps <= sw {
                // The common case: no clamping, a straight slice.
                for (wk, c) in w.iter().zip(&row[start..start + taps]) {
                    for ch in 0..4 {
                        acc[ch] += wk * c[ch];
                    }
                }
            } else {
                for (k, wk) in w.iter().enumerate() {
                    let c = row[(start + k).min(sw - 1)];
                    for ch in 0..4 {
                        acc[ch] += wk * c[ch];
                    }
                }
            }
            *o = acc;
        }
    });

    // Vertical: to dh rows, back to sRGB. Tap by tap over whole rows, so
    // memory streams and the inner loop vectorises; per pixel the sum runs
    // over the taps in the same order as the shader's.
    let mut dst = vec![0u32; dw * dh];
    par_rows(&mut dst, dw, |y, out| {
        let taps = ky.taps as usize;
        let start = ky.starts[y] as usize;
        let w = &ky.weights[y * taps..(y + 1) * taps];
        let mut acc = vec![[0f32; 4]; dw];
        for (k, wk) in w.iter().enumerate() {
            let sy = (start + k).min(sh - 1);
            for (a, c) in acc.iter_mut().zip(&mid[sy * dw..(sy + 1) * dw]) {
                for ch in 0..4 {
                    a[ch] += wk * c[ch];
                }
            }
        }
        for (o, a) in out.iter_mut().zip(&acc) {
            *o = from_linear_premultiplied(*a);
        }
    });
    dst
}
