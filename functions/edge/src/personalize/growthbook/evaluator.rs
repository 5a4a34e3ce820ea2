//! One shopper's evaluation: the payload, their attributes and, where
//! consent allows storing them, their sticky buckets. Built per request
//! and dropped after it; nothing here outlives the shopper's request.

use serde::Serialize;
use serde_json::{Map, Value};

use super::js;
use super::types::{FeatureDefinitions, FeatureRule, Payload, SavedGroups, StickyBuckets};

/// What the host changes about one experiment rule for this request,
/// without copying the payload: Meridian's run windows skip a rule, a
/// bandit's published weights replace its configured ones.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleOverride {
    AsIs,
    Skip,
    /// Shared, as the table it comes from outlives every rule it changes.
    Weights(std::sync::Arc<[f64]>),
}

/// Decides a rule's [`RuleOverride`]; consulted for experiment rules only.
pub type Overrides<'a> = &'a dyn Fn(&FeatureRule) -> RuleOverride;

/// Evaluates features and experiments for one set of attributes.
pub struct Evaluator<'a> {
    pub(super) features: &'a FeatureDefinitions,
    pub(super) saved_groups: &'a SavedGroups,
    pub(super) attributes: Value,
    /// `Some` turns sticky bucketing (and `fallbackAttribute`) on.
    pub(super) sticky: Option<StickyBuckets>,
    /// Features being evaluated, to stop prerequisite cycles.
    pub(super) stack: Vec<&'a str>,
    pub(super) overrides: Option<Overrides<'a>>,
    /// Results of features evaluated without meeting a cycle, when
    /// [`Evaluator::with_memo`] asked for them.
    pub(super) memo: Option<std::collections::BTreeMap<&'a str, super::FeatureResult>>,
    /// Whether the evaluation under way met a prerequisite cycle (its
    /// result then depends on the path and is not memoized).
    pub(super) met_cycle: bool,
}

impl std::fmt::Debug for Evaluator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator")
            .field("attributes", &self.attributes)
            .field("sticky", &self.sticky)
            .field("overrides", &self.overrides.is_some())
            .finish_non_exhaustive()
    }
}

/// What an experiment decided for this shopper.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExperimentResult {
    pub in_experiment: bool,
    /// The variation index (0, the control, when not in the experiment).
    pub variation_id: usize,
    /// The variation's key (its `meta` key, else its index).
    pub key: String,
    pub value: Value,
    pub hash_attribute: String,
    /// The attribute's value as given (`""` when it was missing).
    pub hash_value: Value,
    /// The shopper's hash, when it placed them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<f64>,
    pub hash_used: bool,
    pub sticky_bucket_used: bool,
    /// The feature whose rule ran the experiment; `None` for [`Evaluator::run`].
    pub feature_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A passthrough variation: bucketed, but the feature falls through.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub passthrough: bool,
}

impl<'a> Evaluator<'a> {
    pub fn new(payload: &'a Payload, attributes: &Map<String, Value>) -> Evaluator<'a> {
        Evaluator::with_attributes(payload, attributes.clone())
    }

    /// As [`Evaluator::new`], taking the attributes rather than a copy.
    pub fn with_attributes(payload: &'a Payload, attributes: Map<String, Value>) -> Evaluator<'a> {
        Evaluator {
            features: &payload.features,
            saved_groups: &payload.saved_groups,
            attributes: Value::Object(attributes),
            sticky: None,
            stack: Vec::new(),
            overrides: None,
            memo: None,
            met_cycle: false,
        }
    }

    /// Remembers each feature's result for the rest of this evaluation, so
    /// a prerequisite shared by many features (a holdout) is evaluated
    /// once. Values and variations are the SDK's; the one visible
    /// difference is that a repeat reports the first result's
    /// `stickyBucketUsed` (the SDK re-reads the sticky bucket it just
    /// wrote and says `true`).
    pub fn with_memo(mut self) -> Evaluator<'a> {
        self.memo = Some(Default::default());
        self
    }

    /// Lets `overrides` skip or reweight experiment rules.
    pub fn with_overrides(mut self, overrides: Overrides<'a>) -> Evaluator<'a> {
        self.overrides = Some(overrides);
        self
    }

    pub(super) fn rule_override(&self, rule: &FeatureRule) -> RuleOverride {
        self.overrides.map_or(RuleOverride::AsIs, |f| f(rule))
    }

    /// Turns sticky bucketing on with the shopper's documents (empty for
    /// a new shopper). Only where consent allows storing them.
    pub fn with_sticky_buckets(mut self, docs: StickyBuckets) -> Evaluator<'a> {
        self.sticky = Some(docs);
        self
    }

    /// The sticky documents as updated so far, to store for the shopper.
    pub fn sticky_buckets(&self) -> Option<&StickyBuckets> {
        self.sticky.as_ref()
    }

    pub fn into_sticky_buckets(self) -> Option<StickyBuckets> {
        self.sticky
    }

    fn attribute(&self, name: &str) -> Option<&Value> {
        self.attributes.get(name).filter(|v| js::truthy(v))
    }

    /// The SDK's `getHashAttribute`: the attribute (default `id`) if its
    /// value is truthy, else the fallback's, else `""`.
    pub(super) fn hash_attribute<'s>(
        &'s self,
        attr: Option<&'s str>,
        fallback: Option<&'s str>,
    ) -> (&'s str, &'s Value) {
        static MISSING: Value = Value::String(String::new());
        let attr = attr.filter(|a| !a.is_empty()).unwrap_or("id");
        if let Some(v) = self.attribute(attr) {
            return (attr, v);
        }
        if let Some(fb) = fallback.filter(|f| !f.is_empty())
            && let Some(v) = self.attribute(fb)
        {
            return (fb, v);
        }
        (attr, &MISSING)
    }
}
