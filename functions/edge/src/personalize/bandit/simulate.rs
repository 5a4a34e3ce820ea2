//! Synthetic traffic through the bandit, for the simulation command
//! (`examples/bandit_sim.rs`) and the tests: visitors arrive in batches,
//! each is assigned an arm from the published weights exactly as the edge
//! does ([`super::BanditState::arm_for`]) and converts at its arm's true rate, and
//! the counts are recomputed after every batch.

use super::config::BanditConfig;
use super::recompute::recompute;
use super::rng::Rng;
use super::state::ArmCounts;
use super::{BanditError, ExperimentId, MarketCode};

/// One simulated experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Each arm's true conversion rate.
    pub rates: Vec<f64>,
    pub visitors: u64,
    /// Visitors between recomputes.
    pub batch: u64,
    /// Simulated seconds between recomputes (the job's schedule).
    pub recompute_every_s: u64,
    pub bandit: BanditConfig,
}

/// When an arm was promoted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PromotionAt {
    pub arm: usize,
    /// Visitors seen before the recompute that promoted it.
    pub visitors: u64,
    /// The simulated clock then.
    pub at: u64,
    /// The promoted arm was not the one best arm (a worse one, or one of
    /// several equally good).
    pub false_promotion: bool,
}

/// What one run did.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub best_arm: usize,
    pub visitors_per_arm: Vec<u64>,
    pub conversions: u64,
    /// Conversions expected from the arms the visitors were given.
    pub expected_conversions: f64,
    /// Expected conversions of an equal split and of always the best arm.
    pub equal_split_expected: f64,
    pub oracle_expected: f64,
    pub final_weights: Vec<f64>,
    pub promotion: Option<PromotionAt>,
}

impl Outcome {
    /// Share of all visitors given the best arm.
    pub fn overall_share_best(&self) -> f64 {
        let total: u64 = self.visitors_per_arm.iter().sum();
        let best = self
            .visitors_per_arm
            .get(self.best_arm)
            .copied()
            .unwrap_or(0);
        if total == 0 {
            0.0
        } else {
            best as f64 / total as f64
        }
    }

    /// The best arm's weight after the last recompute.
    pub fn final_share_best(&self) -> f64 {
        self.final_weights
            .get(self.best_arm)
            .copied()
            .unwrap_or(0.0)
    }

    /// Expected conversions lost against always showing the best arm.
    pub fn regret_vs_oracle(&self) -> f64 {
        self.oracle_expected - self.expected_conversions
    }

    /// Expected conversions lost against an equal split (negative: won).
    pub fn regret_vs_equal_split(&self) -> f64 {
        self.equal_split_expected - self.expected_conversions
    }
}

/// Why a scenario cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    #[error("every rate must lie in [0, 1], got {0}")]
    Rate(f64),
    #[error("batch must be at least 1")]
    Batch,
    #[error(transparent)]
    Bandit(#[from] BanditError),
}

/// Runs `scenario` once with `seed` (traffic and recomputes both derive
/// from it).
pub fn run(scenario: &Scenario, seed: u64) -> Result<Outcome, ScenarioError> {
    if let Some(&bad) = scenario
        .rates
        .iter()
        .find(|r| !(r.is_finite() && (0.0..=1.0).contains(*r)))
    {
        return Err(ScenarioError::Rate(bad));
    }
    if scenario.batch == 0 {
        return Err(ScenarioError::Batch);
    }
    let rates = &scenario.rates;
    let arms = rates.len();
    scenario.bandit.validate(arms)?;
    let experiment = ExperimentId::parse("simulation")?;
    let market = MarketCode::parse("ZZ")?;
    let best_rate = rates.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let top = rates.iter().filter(|&&r| r == best_rate).count();
    let best_arm = rates.iter().position(|&r| r == best_rate).unwrap_or(0);

    let mut traffic = Rng::seed(seed);
    let recompute_seed =
        |round: u64| seed.rotate_left(32) ^ round.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut counts = vec![ArmCounts::default(); arms];
    let mut state = recompute(
        &scenario.bandit,
        &experiment,
        &market,
        &counts,
        None,
        0,
        recompute_seed(0),
    )?;
    let mut expected = 0.0;
    let mut seen = 0;
    let mut promotion = None;
    let mut round = 0;
    while seen < scenario.visitors {
        let batch = scenario.batch.min(scenario.visitors - seen);
        for _ in 0..batch {
            let arm = state.arm_for(traffic.open01());
            let rate = rates.get(arm).copied().unwrap_or(0.0);
            if let Some(c) = counts.get_mut(arm) {
                c.exposures += 1;
                if traffic.open01() < rate {
                    c.conversions += 1;
                }
            }
            expected += rate;
        }
        seen += batch;
        round += 1;
        let now = round * scenario.recompute_every_s;
        let next = recompute(
            &scenario.bandit,
            &experiment,
            &market,
            &counts,
            Some(&state),
            now,
            recompute_seed(round),
        )?;
        if promotion.is_none()
            && let Some(p) = &next.promoted
        {
            promotion = Some(PromotionAt {
                arm: p.arm,
                visitors: seen,
                at: p.at,
                false_promotion: top > 1 || p.arm != best_arm,
            });
        }
        state = next;
    }
    let visitors = scenario.visitors as f64;
    Ok(Outcome {
        best_arm,
        visitors_per_arm: counts.iter().map(|c| c.exposures).collect(),
        conversions: counts.iter().map(|c| c.conversions).sum(),
        expected_conversions: expected,
        equal_split_expected: visitors * rates.iter().sum::<f64>() / arms as f64,
        oracle_expected: visitors * best_rate,
        final_weights: state.weights.clone(),
        promotion,
    })
}

/// What the tests and the command summarize over repetitions.
pub fn promotion_rates(outcomes: &[Outcome]) -> (f64, f64) {
    let n = outcomes.len().max(1) as f64;
    let promoted_best = outcomes
        .iter()
        .filter(|o| o.promotion.is_some_and(|p| !p.false_promotion))
        .count() as f64;
    let false_promoted = outcomes
        .iter()
        .filter(|o| o.promotion.is_some_and(|p| p.false_promotion))
        .count() as f64;
    (promoted_best / n, false_promoted / n)
}
