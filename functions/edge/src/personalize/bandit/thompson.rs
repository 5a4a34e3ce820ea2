//! Thompson sampling's weights: each arm's probability of being best under
//! its Beta posterior, estimated by Monte Carlo, then the exploration floor.

use super::beta::beta;
use super::rng::Rng;

/// A Beta posterior's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Posterior {
    pub alpha: f64,
    pub beta: f64,
}

/// The share of `draws` joint posterior draws in which each arm has the
/// highest conversion rate (ties, which need equal f64 draws, go to the
/// lower index).
pub fn probability_best(posteriors: &[Posterior], draws: u32, rng: &mut Rng) -> Vec<f64> {
    let mut wins = vec![0u32; posteriors.len()];
    for _ in 0..draws {
        let mut best = 0;
        let mut best_rate = f64::NEG_INFINITY;
        for (arm, p) in posteriors.iter().enumerate() {
            let rate = beta(p.alpha, p.beta, rng);
            if rate > best_rate {
                best = arm;
                best_rate = rate;
            }
        }
        if let Some(w) = wins.get_mut(best) {
            *w += 1;
        }
    }
    let total = f64::from(draws.max(1));
    wins.iter().map(|&w| f64::from(w) / total).collect()
}

/// Weights that follow `p` but give every arm at least `floor`: arms below
/// it are raised to it and the rest share what remains in proportion to
/// `p` (repeated until no arm is below). Needs `floor * p.len() <= 1`
/// (checked by the configuration).
pub fn with_floor(p: &[f64], floor: f64) -> Vec<f64> {
    let n = p.len();
    let mut pinned = vec![false; n];
    loop {
        let free_mass = 1.0 - floor * pinned.iter().filter(|&&x| x).count() as f64;
        let free_p: f64 = p
            .iter()
            .zip(&pinned)
            .filter(|&(_, &pin)| !pin)
            .map(|(&x, _)| x)
            .sum();
        let free_arms = pinned.iter().filter(|&&x| !x).count();
        let weights: Vec<f64> = p
            .iter()
            .zip(&pinned)
            .map(|(&x, &pin)| match (pin, free_p > 0.0) {
                (true, _) => floor,
                (false, true) => free_mass * x / free_p,
                // The free arms have no mass of their own: share equally.
                (false, false) => free_mass / free_arms as f64,
            })
            .collect();
        let mut changed = false;
        for (w, pin) in weights.iter().zip(pinned.iter_mut()) {
            // A relative tolerance: an arm exactly at the floor is not raised.
            if !*pin && *w < floor * (1.0 - 1e-12) {
                *pin = true;
                changed = true;
            }
        }
        if !changed {
            return weights;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-12, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn the_floor_raises_starved_arms_and_keeps_the_order_of_the_rest() {
        assert_close(&with_floor(&[0.97, 0.03], 0.05), &[0.95, 0.05]);
        assert_close(&with_floor(&[0.6, 0.4], 0.05), &[0.6, 0.4]);
        // Two arms starved: 0.8 left for the others, split 0.7 : 0.3.
        assert_close(
            &with_floor(&[0.7, 0.3, 0.0, 0.0], 0.1),
            &[0.56, 0.24, 0.1, 0.1],
        );
        // Raising the starved arm pushes another under: both pinned.
        let w = with_floor(&[0.6, 0.32, 0.08], 0.3);
        assert_close(&w, &[0.4, 0.3, 0.3]);
        // A floor of exactly 1/n is the equal split.
        assert_close(&with_floor(&[1.0, 0.0, 0.0, 0.0], 0.25), &[0.25; 4]);
        // All mass on pinned arms: the free ones share what is left.
        assert_close(&with_floor(&[0.0, 0.0, 0.0], 0.1), &[1.0 / 3.0; 3]);
    }

    #[test]
    fn floored_weights_sum_to_one_and_respect_the_floor() {
        let mut rng = Rng::seed(5);
        for _ in 0..1000 {
            let n = 2 + (rng.next_u64() % 6) as usize;
            let raw: Vec<f64> = (0..n).map(|_| rng.open01().powi(4)).collect();
            let sum: f64 = raw.iter().sum();
            let p: Vec<f64> = raw.iter().map(|x| x / sum).collect();
            let floor = rng.open01() / n as f64;
            let w = with_floor(&p, floor);
            assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{w:?}");
            assert!(
                w.iter().all(|&x| x >= floor * (1.0 - 1e-9)),
                "{w:?} < {floor}"
            );
        }
    }

    #[test]
    fn a_clearly_better_arm_is_almost_always_best() {
        let mut rng = Rng::seed(1);
        let posteriors = [
            Posterior {
                alpha: 1.0 + 300.0,
                beta: 1.0 + 4700.0,
            },
            Posterior {
                alpha: 1.0 + 200.0,
                beta: 1.0 + 4800.0,
            },
        ];
        let p = probability_best(&posteriors, 10_000, &mut rng);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // 6% vs 4% over 5000 exposures each: z ≈ 4.6, P(best) > 0.999.
        assert!(p[0] > 0.99, "{p:?}");
    }
}
