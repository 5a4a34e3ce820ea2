//! One shopper's evaluation: the payload, their attributes and, where
//! consent allows storing them, their sticky buckets. Built per request
//! and dropped after it; nothing here outlives the shopper's request.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{Map, Value};

use super::js;
use super::types::{FeatureDefinitions, Payload, SavedGroups, StickyBuckets};

/// Evaluates features and experiments for one set of attributes.
#[derive(Debug)]
pub struct Evaluator<'a> {
    pub(super) features: &'a FeatureDefinitions,
    pub(super) saved_groups: &'a SavedGroups,
    pub(super) attributes: Value,
    /// `Some` turns sticky bucketing (and `fallbackAttribute`) on.
    pub(super) sticky: Option<StickyBuckets>,
    /// Features being evaluated, to stop prerequisite cycles.
    pub(super) stack: BTreeSet<String>,
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
        Evaluator {
            features: &payload.features,
            saved_groups: &payload.saved_groups,
            attributes: Value::Object(attributes.clone()),
            sticky: None,
            stack: BTreeSet::new(),
        }
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
    pub(super) fn hash_attribute(
        &self,
        attr: Option<&str>,
        fallback: Option<&str>,
    ) -> (String, Value) {
        let attr = attr.filter(|a| !a.is_empty()).unwrap_or("id");
        if let Some(v) = self.attribute(attr) {
            return (attr.to_owned(), v.clone());
        }
        if let Some(fb) = fallback.filter(|f| !f.is_empty())
            && let Some(v) = self.attribute(fb)
        {
            return (fb.to_owned(), v.clone());
        }
        (attr.to_owned(), Value::from(""))
    }
}
