//! Sticky bucketing: a shopper keeps the variation first assigned, across
//! changes of weights or coverage, until the experiment's bucket version
//! moves. Documents are keyed `"<attribute>||<value>"`, assignments
//! `"<experiment key>__<bucket version>"`, as in the JS SDK.

use std::collections::BTreeMap;

use super::error::GrowthBookError;
use super::evaluator::Evaluator;
use super::js;
use super::types::{Experiment, StickyBuckets};

impl StickyBuckets {
    /// Parses the documents a caller kept (a cookie), at most `max_bytes`.
    pub fn from_json(bytes: &[u8], max_bytes: usize) -> Result<StickyBuckets, GrowthBookError> {
        if bytes.len() > max_bytes {
            return Err(GrowthBookError::StickyTooLarge {
                len: bytes.len(),
                max: max_bytes,
            });
        }
        serde_json::from_slice(bytes).map_err(GrowthBookError::StickyBuckets)
    }
}

pub(super) fn experiment_key(key: &str, bucket_version: Option<f64>) -> String {
    format!("{key}__{}", js::number_to_string(or_zero(bucket_version)))
}

/// `value || 0` for a JSON number.
fn or_zero(v: Option<f64>) -> f64 {
    v.filter(|v| !v.is_nan()).unwrap_or(0.0)
}

fn attribute_key(name: &str, value: &str) -> String {
    format!("{name}||{value}")
}

/// A stored variation for the experiment, or that the shopper holds an
/// assignment from a bucket version below `minBucketVersion` (excluded).
pub(super) enum Sticky {
    None,
    Variation(usize),
    Blocked,
}

impl Evaluator<'_> {
    /// Assignments of the fallback attribute's document overlaid by the
    /// hash attribute's.
    fn assignments(&self, exp: &Experiment) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let Some(docs) = &self.sticky else {
            return out;
        };
        let (attr, value) = self.hash_attribute(exp.hash_attribute.as_deref(), None);
        let hash_key = attribute_key(&attr, &js::sdk_to_string(&value));
        // Without a fallback attribute the SDK looks up `id` here.
        let (fb_attr, fb_value) = self.hash_attribute(exp.fallback_attribute.as_deref(), None);
        if js::truthy(&fb_value)
            && let Some(doc) = docs
                .0
                .get(&attribute_key(&fb_attr, &js::sdk_to_string(&fb_value)))
        {
            out.extend(doc.assignments.clone());
        }
        if let Some(doc) = docs.0.get(&hash_key) {
            out.extend(doc.assignments.clone());
        }
        out
    }

    pub(super) fn sticky_variation(&self, exp: &Experiment) -> Sticky {
        let assignments = self.assignments(exp);
        let min = or_zero(exp.min_bucket_version);
        let mut version = 0.0;
        while version < min {
            if assignments.contains_key(&experiment_key(&exp.key, Some(version))) {
                return Sticky::Blocked;
            }
            version += 1.0;
        }
        let Some(variation_key) = assignments.get(&experiment_key(&exp.key, exp.bucket_version))
        else {
            return Sticky::None;
        };
        // A key no variation has any more counts as no assignment.
        exp.meta
            .as_deref()
            .unwrap_or_default()
            .iter()
            .position(|m| m.key.as_deref() == Some(variation_key.as_str()))
            .map_or(Sticky::None, Sticky::Variation)
    }

    /// Records the assignment in the document of the attribute that hashed.
    pub(super) fn save_sticky(
        &mut self,
        attribute: &str,
        value: &str,
        exp: &Experiment,
        variation_key: &str,
    ) {
        let Some(docs) = &mut self.sticky else {
            return;
        };
        let doc = docs.0.entry(attribute_key(attribute, value)).or_default();
        let assignment = experiment_key(&exp.key, exp.bucket_version);
        if doc.assignments.get(&assignment).map(String::as_str) != Some(variation_key) {
            // As the SDK writes a changed document: whole, under its key.
            doc.attribute_name = attribute.to_owned();
            doc.attribute_value = value.to_owned();
            doc.assignments.insert(assignment, variation_key.to_owned());
        }
    }
}
