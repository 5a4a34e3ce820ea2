//! How one experiment's bandit behaves, set by whoever runs the experiment.

use serde::{Deserialize, Serialize};

use super::BanditError;

/// Most Monte Carlo draws per recompute: bounds the job's work per
/// experiment and market (1e6 draws of 4 arms take about a second natively).
pub const MAX_DRAWS: u32 = 1_000_000;

/// Longest metric name.
pub const MAX_METRIC_LEN: usize = 64;

/// A Beta–Bernoulli Thompson sampling bandit's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BanditConfig {
    /// Prior successes: the posterior of an arm is
    /// `Beta(prior_alpha + conversions, prior_beta + exposures - conversions)`.
    pub prior_alpha: f64,
    pub prior_beta: f64,
    /// Share of traffic every arm keeps however badly it does, in [0, 1).
    pub exploration_floor: f64,
    /// Exposures every arm needs before the weights move from equal.
    pub burn_in_exposures: u64,
    /// Probability of being best at which an arm is promoted, in (0.5, 1].
    pub promote_at: f64,
    /// Monte Carlo draws estimating each arm's probability of being best.
    pub draws: u32,
    /// What a conversion is (such as `add-to-cart`), recorded in the state.
    pub metric: String,
}

impl Default for BanditConfig {
    fn default() -> BanditConfig {
        BanditConfig {
            prior_alpha: 1.0,
            prior_beta: 1.0,
            exploration_floor: 0.05,
            burn_in_exposures: 1000,
            // The job looks again after every batch: at 0.95, equal arms
            // are promoted about half the time over 100 looks, at 0.99
            // about one time in seven (docs/benchmarks.md).
            promote_at: 0.99,
            draws: 10_000,
            metric: "conversion".to_owned(),
        }
    }
}

impl BanditConfig {
    /// Checks the settings for an experiment of `arms` arms.
    pub fn validate(&self, arms: usize) -> Result<(), BanditError> {
        if arms == 0 {
            return Err(BanditError::NoArms);
        }
        for (field, value) in [
            ("prior_alpha", self.prior_alpha),
            ("prior_beta", self.prior_beta),
            ("exploration_floor", self.exploration_floor),
            ("promote_at", self.promote_at),
        ] {
            if !value.is_finite() {
                return Err(BanditError::NotFinite { field });
            }
        }
        for (field, value) in [
            ("prior_alpha", self.prior_alpha),
            ("prior_beta", self.prior_beta),
        ] {
            if value <= 0.0 {
                return Err(BanditError::PriorNotPositive { field, value });
            }
        }
        let floor = self.exploration_floor;
        if !(0.0..1.0).contains(&floor) {
            return Err(BanditError::FloorOutOfRange { floor });
        }
        if floor * arms as f64 > 1.0 {
            return Err(BanditError::FloorTooLarge { floor, arms });
        }
        if !(self.promote_at > 0.5 && self.promote_at <= 1.0) {
            return Err(BanditError::PromoteAtOutOfRange {
                promote_at: self.promote_at,
            });
        }
        if self.draws == 0 || self.draws > MAX_DRAWS {
            return Err(BanditError::DrawsOutOfRange {
                draws: self.draws,
                max: MAX_DRAWS,
            });
        }
        let metric_char =
            |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b);
        if self.metric.is_empty()
            || self.metric.len() > MAX_METRIC_LEN
            || !self.metric.bytes().all(metric_char)
        {
            return Err(BanditError::MetricInvalid {
                metric: self.metric.clone(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(change: impl FnOnce(&mut BanditConfig)) -> BanditConfig {
        let mut config = BanditConfig::default();
        change(&mut config);
        config
    }

    #[test]
    fn the_default_validates() {
        assert_eq!(BanditConfig::default().validate(2), Ok(()));
        assert_eq!(BanditConfig::default().validate(20), Ok(()));
    }

    #[test]
    fn bad_settings_are_refused_with_their_reason() {
        let cases: Vec<(BanditConfig, usize, BanditError)> = vec![
            (BanditConfig::default(), 0, BanditError::NoArms),
            (
                with(|c| c.prior_alpha = f64::NAN),
                2,
                BanditError::NotFinite {
                    field: "prior_alpha",
                },
            ),
            (
                with(|c| c.promote_at = f64::NAN),
                2,
                BanditError::NotFinite {
                    field: "promote_at",
                },
            ),
            (
                with(|c| c.exploration_floor = f64::INFINITY),
                2,
                BanditError::NotFinite {
                    field: "exploration_floor",
                },
            ),
            (
                with(|c| c.prior_beta = 0.0),
                2,
                BanditError::PriorNotPositive {
                    field: "prior_beta",
                    value: 0.0,
                },
            ),
            (
                with(|c| c.exploration_floor = -0.1),
                2,
                BanditError::FloorOutOfRange { floor: -0.1 },
            ),
            (
                with(|c| c.exploration_floor = 0.3),
                4,
                BanditError::FloorTooLarge {
                    floor: 0.3,
                    arms: 4,
                },
            ),
            (
                with(|c| c.promote_at = 0.5),
                2,
                BanditError::PromoteAtOutOfRange { promote_at: 0.5 },
            ),
            (
                with(|c| c.promote_at = 1.01),
                2,
                BanditError::PromoteAtOutOfRange { promote_at: 1.01 },
            ),
            (
                with(|c| c.draws = 0),
                2,
                BanditError::DrawsOutOfRange {
                    draws: 0,
                    max: MAX_DRAWS,
                },
            ),
            (
                with(|c| c.metric = "Add to cart".to_owned()),
                2,
                BanditError::MetricInvalid {
                    metric: "Add to cart".to_owned(),
                },
            ),
        ];
        for (config, arms, expected) in cases {
            assert_eq!(config.validate(arms), Err(expected), "{config:?}");
        }
    }

    #[test]
    fn the_edges_of_the_ranges_are_allowed() {
        assert_eq!(with(|c| c.promote_at = 1.0).validate(2), Ok(()));
        assert_eq!(with(|c| c.exploration_floor = 0.25).validate(4), Ok(()));
        assert_eq!(with(|c| c.exploration_floor = 0.0).validate(3), Ok(()));
    }

    #[test]
    fn unknown_fields_are_refused_when_decoded() {
        let json = r#"{"prior_alpha":1,"prior_beta":1,"exploration_floor":0.05,
            "burn_in_exposures":100,"promote_at":0.95,"draws":1000,"metric":"m","floor":0}"#;
        assert!(serde_json::from_str::<BanditConfig>(json).is_err());
    }
}
