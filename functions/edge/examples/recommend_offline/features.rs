//! What the edge ranks with, learnt from the training sessions:
//! item-item cosine co-occurrence, item embeddings from its top
//! eigenvectors, popularity overall and per market.
//!
//! Only +, *, / and sqrt (all exactly rounded in IEEE 754) and rounding to
//! four decimals go into the file, so it is the same on every machine.

use super::synth::Session;

/// Rounded to four decimals: what the file stores.
pub fn r4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Symmetric n x n, row-major.
pub struct Square {
    pub n: usize,
    pub v: Vec<f64>,
}

impl Square {
    pub fn zeros(n: usize) -> Square {
        Square {
            n,
            v: vec![0.0; n * n],
        }
    }
    pub fn at(&self, i: usize, j: usize) -> f64 {
        self.v[i * self.n + j]
    }
    fn add(&mut self, i: usize, j: usize, x: f64) {
        self.v[i * self.n + j] += x;
    }
}

/// Cosine co-occurrence: `A = XᵀX` over session x item event strengths,
/// then `A_ij / sqrt(A_ii A_jj)`. Diagonal 1 for items with interactions,
/// 0 without; positive semi-definite, so its eigenvectors embed it.
pub fn cosine_cooccurrence(sessions: &[&Session], n: usize) -> Square {
    let mut a = Square::zeros(n);
    for s in sessions {
        for &(i, wi) in &s.events {
            for &(j, wj) in &s.events {
                a.add(i, j, f64::from(wi) * f64::from(wj));
            }
        }
    }
    let mut c = Square::zeros(n);
    for i in 0..n {
        for j in 0..n {
            let d = a.at(i, i) * a.at(j, j);
            if d > 0.0 {
                c.v[i * n + j] = a.at(i, j) / d.sqrt();
            }
        }
    }
    c
}

/// The `keep` most similar items to `i` (score > 0 after rounding), best
/// first, ties by index.
pub fn neighbours(c: &Square, i: usize, keep: usize) -> Vec<(usize, f64)> {
    let mut list: Vec<(usize, f64)> = (0..c.n)
        .filter(|&j| j != i)
        .map(|j| (j, r4(c.at(i, j))))
        .filter(|(_, s)| *s > 0.0)
        .collect();
    list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    list.truncate(keep);
    list
}

/// `dim` leading eigenpairs by power iteration with deflation; item `i`'s
/// embedding is `sqrt(eigenvalue) * v[i]` per component, so dot products
/// approximate the co-occurrence matrix (a truncated eigendecomposition,
/// which for a PSD matrix is its truncated SVD).
pub fn embeddings(c: &Square, dim: usize, iterations: usize) -> Vec<Vec<f64>> {
    let n = c.n;
    let mut m = Square { n, v: c.v.clone() };
    let mut out = vec![vec![0.0; dim]; n];
    for d in 0..dim {
        // A fixed start, not parallel to earlier vectors in general.
        let mut v: Vec<f64> = (0..n)
            .map(|i| 1.0 + ((i * 7 + d * 3) % 11) as f64)
            .collect();
        let mut value = 0.0;
        for _ in 0..iterations {
            let w: Vec<f64> = (0..n)
                .map(|i| (0..n).map(|j| m.at(i, j) * v[j]).sum())
                .collect();
            let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm == 0.0 {
                break;
            }
            value = v.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>();
            v = w.iter().map(|x| x / norm).collect();
        }
        if value <= 0.0 {
            break;
        }
        // A sign convention, so the output is stable.
        let largest = v
            .iter()
            .copied()
            .fold(0.0_f64, |acc, x| if x.abs() > acc.abs() { x } else { acc });
        if largest < 0.0 {
            v.iter_mut().for_each(|x| *x = -*x);
        }
        let scale = value.sqrt();
        for (row, vi) in out.iter_mut().zip(&v) {
            row[d] = r4(scale * vi);
        }
        for (i, vi) in v.iter().enumerate() {
            for (j, vj) in v.iter().enumerate() {
                m.v[i * n + j] -= value * vi * vj;
            }
        }
    }
    out
}

/// Sum of event strengths per item, over `sessions`.
pub fn strength(sessions: &[&Session], n: usize) -> Vec<f64> {
    let mut out = vec![0.0; n];
    for s in sessions {
        for &(i, w) in &s.events {
            out[i] += f64::from(w);
        }
    }
    out
}

/// Scores scaled so the largest is 1, rounded; the `keep` best (score > 0),
/// ties by index.
pub fn top(scores: &[f64], keep: usize) -> Vec<(usize, f64)> {
    let max = scores.iter().copied().fold(0.0, f64::max);
    if max <= 0.0 {
        return Vec::new();
    }
    let mut list: Vec<(usize, f64)> = scores
        .iter()
        .enumerate()
        .map(|(i, s)| (i, r4(s / max)))
        .filter(|(_, s)| *s > 0.0)
        .collect();
    list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    list.truncate(keep);
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(events: &[(usize, u8)]) -> Session {
        Session {
            market: 0,
            events: events.to_vec(),
        }
    }

    #[test]
    fn cooccurrence_is_cosine() {
        let log = [
            session(&[(0, 1), (1, 1)]),
            session(&[(0, 1), (2, 2)]),
            session(&[(3, 1)]),
        ];
        let refs: Vec<&Session> = log.iter().collect();
        let c = cosine_cooccurrence(&refs, 5);
        // A_00 = 2, A_11 = 1, A_22 = 4, A_01 = 1, A_02 = 2.
        assert!((c.at(0, 1) - 1.0 / 2f64.sqrt()).abs() < 1e-12);
        assert!((c.at(0, 2) - 2.0 / 8f64.sqrt()).abs() < 1e-12);
        assert_eq!(c.at(1, 2), 0.0);
        assert_eq!(c.at(3, 3), 1.0);
        assert_eq!(c.at(4, 4), 0.0, "no interactions, no self-similarity");
        assert_eq!(neighbours(&c, 0, 8), vec![(1, 0.7071), (2, 0.7071)]);
        assert!(neighbours(&c, 3, 8).is_empty());
    }

    #[test]
    fn embeddings_reconstruct_a_low_rank_matrix() {
        // Rank 2: two blocks of mutually similar items.
        let n = 4;
        let mut c = Square::zeros(n);
        for (i, j) in [
            (0, 0),
            (0, 1),
            (1, 0),
            (1, 1),
            (2, 2),
            (2, 3),
            (3, 2),
            (3, 3),
        ] {
            c.v[i * n + j] = 1.0;
        }
        let e = embeddings(&c, 2, 200);
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        for i in 0..n {
            for j in 0..n {
                assert!((dot(&e[i], &e[j]) - c.at(i, j)).abs() < 1e-3, "{i},{j}");
            }
        }
    }

    #[test]
    fn top_scales_and_cuts() {
        assert_eq!(top(&[2.0, 4.0, 0.0, 1.0], 2), vec![(1, 1.0), (0, 0.5)]);
        assert!(top(&[0.0, 0.0], 3).is_empty());
    }
}
