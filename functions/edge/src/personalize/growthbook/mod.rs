//! GrowthBook-compatible feature flags and experiments: a merchant already
//! on GrowthBook gets the same assignments at the edge as from its
//! JavaScript SDK (1.8.0), over the same JSON payload and the same sticky
//! bucket documents. `tests/growthbook.rs` checks this against the real
//! SDK on generated cases.
//!
//! - [`hash`], [`ranges`]: FNV-1a bucketing, ranges, namespaces.
//! - [`condition`]: the targeting language, JS coercions included.
//! - [`version`]: version strings for `$veq` and friends.
//! - [`Evaluator`]: [`Evaluator::eval_feature`] (force, rollout and
//!   experiment rules, prerequisites, filters, sticky buckets) and
//!   [`Evaluator::run`] for an inline experiment.
//!
//! Deliberate differences from the JS SDK: JSON object keys are compared
//! in sorted order (JS: insertion order) where a condition compares whole
//! objects; `$regex` runs the `regex` crate (see [`condition`]); where the
//! JS SDK throws on malformed conditions (`null` in place of a condition
//! object), this evaluates instead; a feature defined as `null` fails to
//! parse rather than being unknown; forced values and variations, URL
//! targeting, QA mode and contextual bandits are left out
//! ([`experiment`]).

pub mod condition;
pub mod error;
pub mod evaluator;
pub mod experiment;
pub mod feature;
pub mod hash;
mod js;
pub mod ranges;
pub mod sticky;
pub mod types;
pub mod version;

pub use condition::eval_condition;
pub use error::GrowthBookError;
pub use evaluator::{Evaluator, ExperimentResult, Overrides, RuleOverride};
pub use feature::{FeatureResult, Source};
pub use hash::{fnv1a32, hash};
pub use ranges::{
    Namespace, VariationRange, choose_variation, get_bucket_ranges, get_equal_weights, in_namespace,
};
pub use types::{
    Experiment, FeatureDefinition, FeatureDefinitions, FeatureRule, Filter, ParentCondition,
    Payload, SavedGroups, StickyAssignmentsDocument, StickyBuckets, VariationMeta,
};
pub use version::padded_version_string;
