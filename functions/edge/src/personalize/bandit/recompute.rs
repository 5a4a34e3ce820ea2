//! The scheduled job's step: counts in, the state to publish out.

use super::config::BanditConfig;
use super::rng::Rng;
use super::state::{ArmCounts, BanditState, Promotion, validate_counts};
use super::thompson::{Posterior, probability_best, with_floor};
use super::{BanditError, ExperimentId, MarketCode};

/// Recomputes one experiment's weights in one market from its cumulative
/// `counts` (one per arm, in arm order).
///
/// Until every arm has `burn_in_exposures`, the weights stay equal. After
/// that they are each arm's probability of being best (Monte Carlo over the
/// Beta posteriors, `config.draws` draws from `seed`), floored at
/// `exploration_floor`; the first recompute at which one arm's probability
/// reaches `promote_at` promotes it, and from then on, on every later
/// recompute given this `previous` state, it has all of the traffic.
///
/// `now` is the job's clock (unix seconds); the same inputs and seed give
/// the same state.
pub fn recompute(
    config: &BanditConfig,
    experiment: &ExperimentId,
    market: &MarketCode,
    counts: &[ArmCounts],
    previous: Option<&BanditState>,
    now: u64,
    seed: u64,
) -> Result<BanditState, BanditError> {
    config.validate(counts.len())?;
    validate_counts(counts)?;
    if let Some(previous) = previous {
        check_continues(config, experiment, market, counts, previous, now)?;
    }

    let posteriors: Vec<Posterior> = counts
        .iter()
        .map(|c| Posterior {
            alpha: config.prior_alpha + c.conversions as f64,
            beta: config.prior_beta + (c.exposures - c.conversions) as f64,
        })
        .collect();
    let mut rng = Rng::seed(seed);
    let p_best = probability_best(&posteriors, config.draws, &mut rng);

    let burned_in = counts
        .iter()
        .all(|c| c.exposures >= config.burn_in_exposures);
    let promoted = match previous.and_then(|s| s.promoted.clone()) {
        Some(sticky) => Some(sticky),
        None if burned_in => leader(&p_best)
            .filter(|&(_, p)| p >= config.promote_at)
            .map(|(arm, p)| Promotion {
                arm,
                at: now,
                probability_best: p,
                promote_at: config.promote_at,
                counts: counts.to_vec(),
                draws: config.draws,
            }),
        None => None,
    };

    let arms = counts.len();
    let weights = match (&promoted, burned_in) {
        (Some(p), _) => (0..arms)
            .map(|i| if i == p.arm { 1.0 } else { 0.0 })
            .collect(),
        (None, false) => vec![1.0 / arms as f64; arms],
        (None, true) => with_floor(&p_best, config.exploration_floor),
    };

    Ok(BanditState {
        experiment: experiment.clone(),
        market: *market,
        metric: config.metric.clone(),
        weights,
        probability_best: p_best,
        counts: counts.to_vec(),
        promoted,
        updated_at: now,
        version: previous.map_or(1, |s| s.version + 1),
    })
}

/// The arm most likely best and its probability.
fn leader(p_best: &[f64]) -> Option<(usize, f64)> {
    p_best
        .iter()
        .copied()
        .enumerate()
        .fold(None, |best, (arm, p)| match best {
            Some((_, q)) if q >= p => best,
            _ => Some((arm, p)),
        })
}

/// `previous` must be this experiment's, market's and metric's state, with
/// as many arms, counts no higher and a time no later.
fn check_continues(
    config: &BanditConfig,
    experiment: &ExperimentId,
    market: &MarketCode,
    counts: &[ArmCounts],
    previous: &BanditState,
    now: u64,
) -> Result<(), BanditError> {
    previous.validate()?;
    let expected = format!("{experiment}/{market} ({})", config.metric);
    let found = format!(
        "{}/{} ({})",
        previous.experiment, previous.market, previous.metric
    );
    if expected != found {
        return Err(BanditError::StateMismatch { expected, found });
    }
    if previous.counts.len() != counts.len() {
        return Err(BanditError::ArmsChanged {
            previous: previous.counts.len(),
            now: counts.len(),
        });
    }
    for (arm, (before, after)) in previous.counts.iter().zip(counts).enumerate() {
        if after.exposures < before.exposures || after.conversions < before.conversions {
            return Err(BanditError::CountsDecreased { arm });
        }
    }
    if now < previous.updated_at {
        return Err(BanditError::TimeWentBack {
            now,
            previous: previous.updated_at,
        });
    }
    Ok(())
}
