//! Gamma and Beta deviates: Marsaglia and Tsang's method (2000) for
//! Gamma(shape >= 1), its boost `G(a) = G(a + 1) * U^(1/a)` for shape < 1,
//! and Beta(a, b) as `X / (X + Y)` of two Gamma draws.

use super::rng::Rng;

/// A Gamma(shape, 1) deviate for `shape >= 1`.
fn gamma_at_least_one(shape: f64, rng: &mut Rng) -> f64 {
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = rng.normal();
        let v = 1.0 + c * x;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u = rng.open01();
        let x2 = x * x;
        // The squeeze accepts most draws without a logarithm.
        if u < 1.0 - 0.0331 * x2 * x2 || u.ln() < 0.5 * x2 + d * (1.0 - v + v.ln()) {
            return d * v;
        }
    }
}

/// `ln` of a Gamma(shape, 1) deviate, any `shape > 0`. In logs because
/// `U^(1/a)` underflows to 0 for small shapes.
fn ln_gamma(shape: f64, rng: &mut Rng) -> f64 {
    if shape >= 1.0 {
        gamma_at_least_one(shape, rng).ln()
    } else {
        gamma_at_least_one(shape + 1.0, rng).ln() + rng.open01().ln() / shape
    }
}

/// A Gamma(shape, 1) deviate, `shape > 0` (Beta draws need only its parts).
#[cfg(test)]
pub fn gamma(shape: f64, rng: &mut Rng) -> f64 {
    if shape >= 1.0 {
        gamma_at_least_one(shape, rng)
    } else {
        ln_gamma(shape, rng).exp()
    }
}

/// A Beta(a, b) deviate, `a, b > 0`.
pub fn beta(a: f64, b: f64, rng: &mut Rng) -> f64 {
    if a >= 1.0 && b >= 1.0 {
        let x = gamma_at_least_one(a, rng);
        let y = gamma_at_least_one(b, rng);
        x / (x + y)
    } else {
        // X / (X + Y) = 1 / (1 + exp(ln Y - ln X)), finite for any shapes.
        let lx = ln_gamma(a, rng);
        let ly = ln_gamma(b, rng);
        1.0 / (1.0 + (ly - lx).exp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sample mean and (unbiased) variance.
    fn moments(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var)
    }

    /// Checks sample moments against closed forms: `mean`, `var` and the
    /// excess kurtosis, which gives the standard error of the sample
    /// variance, `var * sqrt((kurtosis_excess + 2) / n)`. Four standard
    /// errors: a correct sampler fails one check in ~16,000.
    fn assert_moments(label: &str, xs: &[f64], mean: f64, var: f64, kurtosis_excess: f64) {
        let n = xs.len() as f64;
        let (m, v) = moments(xs);
        let se_mean = (var / n).sqrt();
        let se_var = var * ((kurtosis_excess + 2.0) / n).sqrt();
        assert!(
            (m - mean).abs() < 4.0 * se_mean,
            "{label}: mean {m}, expected {mean} ± {}",
            4.0 * se_mean
        );
        assert!(
            (v - var).abs() < 4.0 * se_var,
            "{label}: variance {v}, expected {var} ± {}",
            4.0 * se_var
        );
    }

    const N: usize = 100_000;

    #[test]
    fn gamma_moments_match_closed_forms() {
        let mut rng = Rng::seed(2026);
        // Gamma(k, 1): mean k, variance k, excess kurtosis 6 / k.
        for k in [0.2, 0.5, 1.0, 2.5, 30.0, 5000.0] {
            let xs: Vec<f64> = (0..N).map(|_| gamma(k, &mut rng)).collect();
            assert!(xs.iter().all(|&x| x.is_finite() && x >= 0.0), "gamma({k})");
            assert_moments(&format!("gamma({k})"), &xs, k, k, 6.0 / k);
        }
    }

    #[test]
    fn beta_moments_match_closed_forms() {
        let mut rng = Rng::seed(1234);
        let cases = [
            (1.0, 1.0),
            (0.5, 0.5),
            (0.3, 2.0),
            (2.0, 0.7),
            (1.0, 20.0),
            (61.0, 941.0),
            (600.0, 9401.0),
        ];
        for (a, b) in cases {
            let xs: Vec<f64> = (0..N).map(|_| beta(a, b, &mut rng)).collect();
            assert!(
                xs.iter().all(|&x| (0.0..=1.0).contains(&x)),
                "beta({a}, {b}) left [0, 1]"
            );
            let s = a + b;
            let mean = a / s;
            let var = a * b / (s * s * (s + 1.0));
            let kurt = 6.0 * ((a - b).powi(2) * (s + 1.0) - a * b * (s + 2.0))
                / (a * b * (s + 2.0) * (s + 3.0));
            assert_moments(&format!("beta({a}, {b})"), &xs, mean, var, kurt);
        }
    }

    #[test]
    fn tiny_shapes_stay_finite() {
        let mut rng = Rng::seed(9);
        for _ in 0..10_000 {
            let x = beta(0.001, 0.001, &mut rng);
            assert!((0.0..=1.0).contains(&x), "{x}");
        }
    }

    #[test]
    fn a_wrong_mean_is_detected() {
        // The check has power: Beta(2, 3) draws are not Beta(2, 3.2)'s.
        let mut rng = Rng::seed(77);
        let xs: Vec<f64> = (0..N).map(|_| beta(2.0, 3.0, &mut rng)).collect();
        let (m, _) = moments(&xs);
        let (a, b) = (2.0, 3.2);
        let s: f64 = a + b;
        let se = (a * b / (s * s * (s + 1.0)) / N as f64).sqrt();
        assert!((m - a / s).abs() > 4.0 * se);
    }
}
