//! Resampling weights, computed once per job and used unchanged by the CPU
//! and GPU paths.

/// Lanczos-3: sharp, little ringing, the usual choice for photographs.
fn lanczos3(x: f64) -> f64 {
    let x = x.abs();
    if x < 1e-9 {
        1.0
    } else if x < 3.0 {
        let px = std::f64::consts::PI * x;
        3.0 * px.sin() * (px / 3.0).sin() / (px * px)
    } else {
        0.0
    }
}

/// For each output sample: the first source index and `taps` weights
/// (zero-padded); source indices past the edge are clamped by the reader.
#[derive(Debug, Clone, PartialEq)]
pub struct Kernel {
    pub taps: u32,
    pub starts: Vec<u32>,
    pub weights: Vec<f32>,
}

impl Kernel {
    /// Maps `crop_len` source samples starting at `crop_start` onto
    /// `out_len` samples. When shrinking, the filter widens by the ratio,
    /// so every source sample contributes (no aliasing).
    pub fn new(src_len: u32, crop_start: f64, crop_len: f64, out_len: u32) -> Kernel {
        let scale = crop_len / f64::from(out_len);
        let filter_scale = scale.max(1.0);
        let support = 3.0 * filter_scale;
        let last = i64::from(src_len) - 1;
        let mut rows: Vec<(u32, Vec<f64>)> = Vec::with_capacity(out_len as usize);
        for i in 0..out_len {
            let center = crop_start + (f64::from(i) + 0.5) * scale;
            let left = (center - support).floor() as i64;
            let right = (center + support).ceil() as i64;
            let lo = left.clamp(0, last);
            let hi = right.clamp(0, last);
            let mut w = vec![0.0; (hi - lo + 1) as usize];
            for j in left..=right {
                let weight = lanczos3((j as f64 + 0.5 - center) / filter_scale);
                w[(j.clamp(lo, hi) - lo) as usize] += weight;
            }
            let sum: f64 = w.iter().sum();
            if sum.abs() > 1e-12 {
                w.iter_mut().for_each(|v| *v /= sum);
            }
            rows.push((lo as u32, w));
        }
        let taps = rows.iter().map(|(_, w)| w.len()).max().unwrap_or(1) as u32;
        let mut starts = Vec::with_capacity(rows.len());
        let mut weights = Vec::with_capacity(rows.len() * taps as usize);
        for (start, w) in rows {
            starts.push(start);
            weights.extend(w.iter().map(|v| *v as f32));
            weights.extend(std::iter::repeat_n(0.0, taps as usize - w.len()));
        }
        Kernel {
            taps,
            starts,
            weights,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one_and_stay_in_range() {
        for (src, start, len, out) in [
            (1600u32, 0.0, 1600.0, 160u32),
            (1600, 200.0, 1200.0, 1080),
            (100, 0.0, 100.0, 400),
            (7, 0.0, 7.0, 1),
        ] {
            let k = Kernel::new(src, start, len, out);
            assert_eq!(k.starts.len(), out as usize);
            for i in 0..out as usize {
                let sum: f32 = k.weights[i * k.taps as usize..(i + 1) * k.taps as usize]
                    .iter()
                    .sum();
                assert!(
                    (sum - 1.0).abs() < 1e-4,
                    "{src}->{out}: row {i} sums to {sum}"
                );
                assert!(k.starts[i] < src);
            }
        }
    }

    #[test]
    fn downscaling_widens_the_filter() {
        let narrow = Kernel::new(100, 0.0, 100.0, 100);
        let wide = Kernel::new(1000, 0.0, 1000.0, 100);
        // Lanczos-3 spans 6 samples; shrinking 10x spans 60 source samples.
        assert!(
            narrow.taps <= 8 && wide.taps >= 60,
            "{} vs {}",
            wide.taps,
            narrow.taps
        );
    }
}
