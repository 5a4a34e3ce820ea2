//! Sticky bucketing: a shopper keeps the variation first assigned, across
//! changes of weights or coverage, until the experiment's bucket version
//! moves. Documents are keyed `"<attribute>||<value>"`, assignments
//! `"<experiment key>__<bucket version>"`, as in the JS SDK.

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
    [key, "__", &js::number_to_string(or_zero(bucket_version))].concat()
}

/// `value || 0` for a JSON number.
fn or_zero(v: Option<f64>) -> f64 {
    v.filter(|v| !v.is_nan()).unwrap_or(0.0)
}

fn attribute_key(name: &str, value: &str) -> String {
    [name, "||", value].concat()
}

/// A stored variation for the experiment, or that the shopper holds an
/// assignment from a bucket version below `minBucketVersion` (excluded).
pub(super) enum Sticky {
    None,
    Variation(usize),
    Blocked,
}

impl Evaluator<'_> {
    /// A stored assignment: the hash attribute's document overlays the
    /// fallback attribute's, as the SDK merges them.
    fn assignment<'s>(&'s self, exp: &'s Experiment, key: &str) -> Option<&'s str> {
        let docs = self.sticky.as_ref()?;
        let lookup = |attr: Option<&'s str>| {
            let (attr, value) = self.hash_attribute(attr, None);
            let doc = docs
                .0
                .get(&attribute_key(attr, &js::sdk_to_string(value)))?;
            Some((value, doc))
        };
        if let Some((_, doc)) = lookup(exp.hash_attribute.as_deref())
            && let Some(found) = doc.assignments.get(key)
        {
            return Some(found);
        }
        // Without a fallback attribute the SDK looks up `id` here.
        match lookup(exp.fallback_attribute.as_deref()) {
            Some((value, doc)) if js::truthy(value) => doc.assignments.get(key).map(String::as_str),
            _ => None,
        }
    }

    pub(super) fn sticky_variation(&self, exp: &Experiment) -> Sticky {
        let min = or_zero(exp.min_bucket_version);
        let mut version = 0.0;
        while version < min {
            if self
                .assignment(exp, &experiment_key(&exp.key, Some(version)))
                .is_some()
            {
                return Sticky::Blocked;
            }
            version += 1.0;
        }
        let Some(variation_key) =
            self.assignment(exp, &experiment_key(&exp.key, exp.bucket_version))
        else {
            return Sticky::None;
        };
        // A key no variation has any more counts as no assignment.
        exp.meta
            .as_deref()
            .unwrap_or_default()
            .iter()
            .position(|m| m.key.as_deref() == Some(variation_key))
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
