//! How the edge ranks: list length, MMR's lambda, caps, shares and the
//! weight of each candidate source. TOML (or any serde format), validated.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::http::response::Refusal;

/// Longest list a request may ask for.
pub const MAX_K: usize = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecConfig {
    /// Items returned when the request names no count (1 to [`MAX_K`]).
    pub k: usize,
    /// MMR's trade-off: 1 ranks by relevance alone, 0 by diversity alone.
    pub lambda: f64,
    /// Most items of one category in a list.
    pub category_cap: usize,
    /// Per category, a cap other than `category_cap`.
    pub category_caps: BTreeMap<String, usize>,
    /// Largest share of a list that promoted items may take (rounded down:
    /// 0.2 of 10 is 2, of 4 is 0).
    pub promoted_share: f64,
    /// Share of a list reserved for exploration (rounded down).
    pub exploration_share: f64,
    /// Mixed into the exploration hash, so a merchant can reshuffle.
    pub exploration_seed: u64,
    pub weights: Weights,
    /// Most SKUs a context (a cart) may name; more is refused.
    pub max_context_skus: usize,
    /// Most recently viewed SKUs read; later ones are ignored.
    pub max_recently_viewed: usize,
}

/// What each candidate source adds to an item's relevance (scores from
/// the data are 0 to 1, so these are the sources' relative weights).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    pub similar: f64,
    pub trending: f64,
    pub recently_viewed: f64,
    pub promoted: f64,
}

impl Default for Weights {
    fn default() -> Weights {
        Weights {
            similar: 1.0,
            trending: 0.5,
            recently_viewed: 0.4,
            promoted: 0.2,
        }
    }
}

impl Default for RecConfig {
    fn default() -> RecConfig {
        RecConfig {
            k: 10,
            lambda: 0.7,
            category_cap: 3,
            category_caps: BTreeMap::new(),
            promoted_share: 0.2,
            exploration_share: 0.1,
            exploration_seed: 0,
            weights: Weights::default(),
            max_context_skus: 20,
            max_recently_viewed: 20,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("recommendation config does not parse: {0}")]
    Parse(String),
    #[error("`k` is {0}; it must be 1 to {MAX_K}")]
    K(usize),
    #[error("`lambda` is {0}; it must be 0 to 1")]
    Lambda(f64),
    #[error("`{field}` is {value}; it must be 0 to 1")]
    Share { field: &'static str, value: f64 },
    #[error("`{field}` is 0; a cap must be at least 1")]
    Cap { field: String },
    #[error("`weights.{field}` is {value}; it must be finite and not negative")]
    Weight { field: &'static str, value: f64 },
    #[error("`{0}` is 0; it must be at least 1")]
    Limit(&'static str),
}

impl ConfigError {
    pub fn refusal(&self) -> Refusal {
        Refusal::new(500, "recommend-config-invalid", self.to_string())
    }
}

impl From<ConfigError> for Refusal {
    fn from(e: ConfigError) -> Refusal {
        e.refusal()
    }
}

impl RecConfig {
    /// Parses and validates; missing fields take their defaults.
    pub fn from_toml(text: &str) -> Result<RecConfig, ConfigError> {
        let config: RecConfig =
            toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=MAX_K).contains(&self.k) {
            return Err(ConfigError::K(self.k));
        }
        // `contains` is false for NaN, so NaN is refused too.
        if !(0.0..=1.0).contains(&self.lambda) {
            return Err(ConfigError::Lambda(self.lambda));
        }
        for (field, value) in [
            ("promoted_share", self.promoted_share),
            ("exploration_share", self.exploration_share),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(ConfigError::Share { field, value });
            }
        }
        if self.category_cap == 0 {
            return Err(ConfigError::Cap {
                field: "category_cap".into(),
            });
        }
        if let Some((category, _)) = self.category_caps.iter().find(|(_, cap)| **cap == 0) {
            return Err(ConfigError::Cap {
                field: format!("category_caps.{category}"),
            });
        }
        let w = &self.weights;
        for (field, value) in [
            ("similar", w.similar),
            ("trending", w.trending),
            ("recently_viewed", w.recently_viewed),
            ("promoted", w.promoted),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(ConfigError::Weight { field, value });
            }
        }
        if self.max_context_skus == 0 {
            return Err(ConfigError::Limit("max_context_skus"));
        }
        Ok(())
    }

    pub(crate) fn cap_for(&self, category: &str) -> usize {
        self.category_caps
            .get(category)
            .copied()
            .unwrap_or(self.category_cap)
    }
}

/// Items of `share` in a list of `k`, rounded down (with slack for 0.1 *
/// 30 landing just under 3 in binary).
pub(crate) fn share_of(share: f64, k: usize) -> usize {
    (share * k as f64 + 1e-9).floor() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_toml_overrides_them() {
        RecConfig::default().validate().expect("defaults are valid");
        let c = RecConfig::from_toml(
            "lambda = 0.5\nk = 20\n[category_caps]\neyewear = 2\n[weights]\ntrending = 0.9\n",
        )
        .expect("valid");
        assert_eq!((c.lambda, c.k, c.weights.trending), (0.5, 20, 0.9));
        assert_eq!(c.cap_for("eyewear"), 2);
        assert_eq!(c.cap_for("luxury"), 3);
        assert_eq!(c.weights.similar, 1.0, "unnamed weights keep defaults");
    }

    #[test]
    fn refusals() {
        let refused = |t: &str| RecConfig::from_toml(t).expect_err(t);
        assert_eq!(refused("lambda = 1.5"), ConfigError::Lambda(1.5));
        assert_eq!(refused("lambda = -0.1"), ConfigError::Lambda(-0.1));
        assert!(matches!(refused("lambda = nan"), ConfigError::Lambda(l) if l.is_nan()));
        assert_eq!(refused("k = 51"), ConfigError::K(51));
        assert_eq!(refused("k = 0"), ConfigError::K(0));
        assert_eq!(
            refused("category_cap = 0"),
            ConfigError::Cap {
                field: "category_cap".into()
            }
        );
        assert_eq!(
            refused("[category_caps]\nluxury = 0"),
            ConfigError::Cap {
                field: "category_caps.luxury".into()
            }
        );
        assert!(matches!(
            refused("promoted_share = 2.0"),
            ConfigError::Share {
                field: "promoted_share",
                ..
            }
        ));
        assert!(matches!(
            refused("exploration_share = -1.0"),
            ConfigError::Share {
                field: "exploration_share",
                ..
            }
        ));
        assert!(matches!(
            refused("[weights]\ntrending = -1.0"),
            ConfigError::Weight {
                field: "trending",
                ..
            }
        ));
        assert_eq!(
            refused("max_context_skus = 0"),
            ConfigError::Limit("max_context_skus")
        );
        assert!(matches!(refused("lamda = 0.5"), ConfigError::Parse(_)));
        let r = refused("k = 99").refusal();
        assert_eq!(
            (r.status, r.code.as_str()),
            (500, "recommend-config-invalid")
        );
    }

    #[test]
    fn shares_round_down() {
        assert_eq!(share_of(0.2, 10), 2);
        assert_eq!(share_of(0.2, 4), 0);
        assert_eq!(share_of(0.1, 30), 3);
        assert_eq!(share_of(1.0, 7), 7);
        assert_eq!(share_of(0.0, 50), 0);
    }
}
