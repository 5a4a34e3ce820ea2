//! What the scheduled job publishes and the edge reads: one experiment's
//! weights in one market, with the counts and promotion behind them.

use serde::{Deserialize, Serialize};

use super::{BanditError, ExperimentId, MarketCode};

/// How far published weights may sum from 1 (float rounding, JSON's
/// shortest round-trip decimals).
const WEIGHT_SUM_TOLERANCE: f64 = 1e-9;

/// One arm's cumulative counts for the experiment's metric.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArmCounts {
    pub exposures: u64,
    pub conversions: u64,
}

impl ArmCounts {
    pub fn new(exposures: u64, conversions: u64) -> ArmCounts {
        ArmCounts {
            exposures,
            conversions,
        }
    }
}

/// Checks every arm's counts (`arm` in errors is the index).
pub fn validate_counts(counts: &[ArmCounts]) -> Result<(), BanditError> {
    if counts.is_empty() {
        return Err(BanditError::NoArms);
    }
    for (arm, c) in counts.iter().enumerate() {
        if c.conversions > c.exposures {
            return Err(BanditError::ConversionsExceedExposures {
                arm,
                exposures: c.exposures,
                conversions: c.conversions,
            });
        }
    }
    Ok(())
}

/// An arm promoted to all of the traffic, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Promotion {
    pub arm: usize,
    /// Unix seconds of the recompute that promoted it.
    pub at: u64,
    /// Its probability of being best then, and the threshold it reached.
    pub probability_best: f64,
    pub promote_at: f64,
    /// Every arm's counts then.
    pub counts: Vec<ArmCounts>,
    /// Monte Carlo draws behind `probability_best`.
    pub draws: u32,
}

/// One experiment's bandit in one market, as stored under
/// [`BanditState::key`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BanditState {
    pub experiment: ExperimentId,
    pub market: MarketCode,
    /// What the counts count.
    pub metric: String,
    /// Share of traffic per arm, summing to 1: all the edge reads.
    pub weights: Vec<f64>,
    /// Each arm's posterior probability of being best (informational once
    /// an arm is promoted: the weights no longer follow it).
    pub probability_best: Vec<f64>,
    pub counts: Vec<ArmCounts>,
    pub promoted: Option<Promotion>,
    /// Unix seconds of the recompute.
    pub updated_at: u64,
    /// 1 for the first recompute, one more each time: an edge instance
    /// rereads its weights only when this changed.
    pub version: u64,
}

impl BanditState {
    /// The key-value store key: `personalize/bandit/<experiment>/<market>`.
    pub fn key(experiment: &ExperimentId, market: &MarketCode) -> String {
        format!("personalize/bandit/{experiment}/{market}")
    }

    /// This state's own key.
    pub fn store_key(&self) -> String {
        BanditState::key(&self.experiment, &self.market)
    }

    /// Decodes and validates a stored state.
    pub fn from_json(bytes: &[u8]) -> Result<BanditState, BanditError> {
        let state: BanditState =
            serde_json::from_slice(bytes).map_err(|e| BanditError::StateInvalid {
                reason: e.to_string(),
            })?;
        state.validate()?;
        Ok(state)
    }

    /// The JSON the job publishes.
    pub fn to_json(&self) -> Result<Vec<u8>, BanditError> {
        serde_json::to_vec(self).map_err(|e| BanditError::StateInvalid {
            reason: e.to_string(),
        })
    }

    /// Checks that the parts agree: one weight, probability and count per
    /// arm; weights a distribution; a promotion naming an arm that has all
    /// of the traffic.
    pub fn validate(&self) -> Result<(), BanditError> {
        let invalid = |reason: &str| BanditError::StateInvalid {
            reason: reason.to_owned(),
        };
        validate_counts(&self.counts)?;
        let arms = self.counts.len();
        if self.weights.len() != arms || self.probability_best.len() != arms {
            return Err(invalid(
                "weights, probability_best and counts differ in length",
            ));
        }
        let in_unit = |x: &f64| x.is_finite() && (0.0..=1.0).contains(x);
        if !self.weights.iter().all(in_unit) || !self.probability_best.iter().all(in_unit) {
            return Err(invalid("a weight or probability is outside [0, 1]"));
        }
        if (self.weights.iter().sum::<f64>() - 1.0).abs() > WEIGHT_SUM_TOLERANCE {
            return Err(invalid("weights do not sum to 1"));
        }
        if let Some(p) = &self.promoted {
            if p.arm >= arms || p.counts.len() != arms {
                return Err(invalid(
                    "the promotion names an arm the state does not have",
                ));
            }
            if self.weights.get(p.arm) != Some(&1.0) {
                return Err(invalid("a promoted arm must have all of the traffic"));
            }
        }
        Ok(())
    }

    /// The arm for a position `unit` in [0, 1) (a hash of the shopper's
    /// bucketing id, say): arm `i` covers the `i`-th slice of the weights'
    /// cumulative sum. Positions outside [0, 1) are clamped into it.
    pub fn arm_for(&self, unit: f64) -> usize {
        if let Some(p) = &self.promoted {
            return p.arm;
        }
        let unit = if unit.is_nan() {
            0.0
        } else {
            unit.clamp(0.0, 1.0)
        };
        let mut cumulative = 0.0;
        let mut last_with_traffic = 0;
        for (arm, &w) in self.weights.iter().enumerate() {
            if w > 0.0 {
                last_with_traffic = arm;
            }
            cumulative += w;
            if unit < cumulative && w > 0.0 {
                return arm;
            }
        }
        // Rounding left the sum just under 1 (or `unit` was 1).
        last_with_traffic
    }
}
