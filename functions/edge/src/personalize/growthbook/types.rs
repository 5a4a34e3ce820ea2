//! GrowthBook's JSON, as its SDK endpoint serves it (`camelCase`; fields
//! this crate does not use are ignored).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::error::GrowthBookError;
use super::ranges::{Namespace, VariationRange};

/// Saved groups by id: a v1 bare array of values, or a v2 object
/// (`{"type": "list", "attributeKey", "values"}` or
/// `{"type": "condition", "condition"}`). Kept raw: a malformed entry has
/// its own meaning (it matches nobody).
pub type SavedGroups = Map<String, Value>;

/// Features by key.
pub type FeatureDefinitions = BTreeMap<String, FeatureDefinition>;

/// The SDK payload (`GET /api/features/<client key>`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payload {
    #[serde(default)]
    pub features: FeatureDefinitions,
    #[serde(default)]
    pub saved_groups: SavedGroups,
}

impl Payload {
    /// Parses a payload of at most `max_bytes` (a limit the caller
    /// configures: the payload is held per component instance).
    pub fn from_json(bytes: &[u8], max_bytes: usize) -> Result<Payload, GrowthBookError> {
        if bytes.len() > max_bytes {
            return Err(GrowthBookError::PayloadTooLarge {
                len: bytes.len(),
                max: max_bytes,
            });
        }
        serde_json::from_slice(bytes).map_err(GrowthBookError::Payload)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeatureDefinition {
    /// Missing and `null` both evaluate to `null`.
    #[serde(default)]
    pub default_value: Value,
    #[serde(default)]
    pub rules: Vec<FeatureRule>,
}

/// One rule: a force rule (it has `force`, `null` included), a rollout
/// (a force rule with `coverage` or `range`) or an experiment (it has
/// `variations`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeatureRule {
    pub id: Option<String>,
    pub condition: Option<Value>,
    pub parent_conditions: Option<Vec<ParentCondition>>,
    #[serde(default, deserialize_with = "present")]
    pub force: Option<Value>,
    pub variations: Option<Vec<Value>>,
    pub weights: Option<Vec<f64>>,
    pub key: Option<String>,
    pub hash_attribute: Option<String>,
    pub fallback_attribute: Option<String>,
    pub hash_version: Option<f64>,
    #[serde(default)]
    pub disable_sticky_bucketing: bool,
    pub bucket_version: Option<f64>,
    pub min_bucket_version: Option<f64>,
    pub range: Option<VariationRange>,
    pub coverage: Option<f64>,
    pub namespace: Option<Namespace>,
    pub ranges: Option<Vec<VariationRange>>,
    pub meta: Option<Vec<VariationMeta>>,
    pub filters: Option<Vec<Filter>>,
    pub seed: Option<String>,
    pub name: Option<String>,
    pub phase: Option<String>,
    /// The experiment this rule runs, built on first use: payloads are
    /// parsed once per instance and evaluated on every request.
    #[serde(skip)]
    pub(super) experiment: std::sync::OnceLock<Experiment>,
}

/// A prerequisite: the condition runs on `{"value": <the parent's value>}`.
/// A failing `gate` blocks the whole feature; otherwise only the rule.
#[derive(Debug, Clone, Deserialize)]
pub struct ParentCondition {
    pub id: String,
    #[serde(default)]
    pub condition: Value,
    #[serde(default)]
    pub gate: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct VariationMeta {
    pub key: Option<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub passthrough: bool,
}

/// Who a rule or experiment may include: the hash of `attribute` under
/// `seed` must fall in one of `ranges`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    pub attribute: Option<String>,
    pub seed: Option<String>,
    pub hash_version: Option<f64>,
    #[serde(default)]
    pub ranges: Vec<VariationRange>,
}

/// An experiment, inline (`run`) or built from an experiment rule.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Experiment {
    pub key: String,
    pub variations: Vec<Value>,
    pub ranges: Option<Vec<VariationRange>>,
    pub meta: Option<Vec<VariationMeta>>,
    pub filters: Option<Vec<Filter>>,
    pub seed: Option<String>,
    pub name: Option<String>,
    pub phase: Option<String>,
    pub weights: Option<Vec<f64>>,
    pub condition: Option<Value>,
    pub parent_conditions: Option<Vec<ParentCondition>>,
    pub coverage: Option<f64>,
    pub namespace: Option<Namespace>,
    /// A variation index everyone bucketed gets.
    pub force: Option<i64>,
    pub hash_attribute: Option<String>,
    pub fallback_attribute: Option<String>,
    pub hash_version: Option<f64>,
    #[serde(default)]
    pub disable_sticky_bucketing: bool,
    pub bucket_version: Option<f64>,
    pub min_bucket_version: Option<f64>,
    pub active: Option<bool>,
    /// `"draft"` and `"stopped"` include nobody.
    pub status: Option<String>,
}

/// One shopper's sticky assignments for one attribute value: as the JS
/// SDK's `StickyAssignmentsDocument`, so the same cookie serves both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StickyAssignmentsDocument {
    pub attribute_name: String,
    pub attribute_value: String,
    /// `"<experiment key>__<bucket version>"` → variation key.
    #[serde(default)]
    pub assignments: BTreeMap<String, String>,
}

/// The documents of one shopper, by `"<attribute>||<value>"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StickyBuckets(pub BTreeMap<String, StickyAssignmentsDocument>);

/// Tells `"force": null` (force the value null) from no `force` at all.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_parses_with_unknown_fields() {
        let json = br#"{
            "status": 200, "dateUpdated": "2025-01-01T00:00:00Z",
            "features": {
                "banner": {"defaultValue": "off", "rules": [
                    {"id": "r1", "force": null, "coverage": 0.5, "hashAttribute": "deviceId", "tracks": []},
                    {"key": "exp", "variations": ["a", "b"], "weights": [0.5, 0.5],
                     "namespace": ["ns", 0, 0.5], "meta": [{"key": "c"}, {"key": "t", "passthrough": true}],
                     "phase": "1", "bucketVersion": 2, "ranges": [[0, 0.5], [0.5, 1]]}
                ]},
                "empty": {}
            },
            "savedGroups": {"g": ["a"]}
        }"#;
        let payload = Payload::from_json(json, 1 << 20).expect("a GrowthBook payload");
        let rules = &payload.features["banner"].rules;
        assert_eq!(
            rules[0].force,
            Some(Value::Null),
            "force: null is a force rule"
        );
        assert_eq!(rules[1].force, None);
        assert_eq!(rules[1].namespace, Some(Namespace("ns".into(), 0.0, 0.5)));
        assert_eq!(
            rules[1].ranges.as_deref(),
            Some(&[(0.0, 0.5), (0.5, 1.0)][..])
        );
        assert!(rules[1].meta.as_ref().is_some_and(|m| m[1].passthrough));
        assert_eq!(payload.features["empty"].default_value, Value::Null);
        assert!(payload.saved_groups.contains_key("g"));
    }

    #[test]
    fn bad_payloads_are_typed_errors() {
        let err = Payload::from_json(b"{\"features\": []}", 1024).expect_err("features is a map");
        assert_eq!(err.refusal().code, "growthbook-payload-invalid");
        let err = Payload::from_json(&[b' '; 2048], 1024).expect_err("over the limit");
        assert!(matches!(
            err,
            GrowthBookError::PayloadTooLarge {
                len: 2048,
                max: 1024
            }
        ));
        let err = Payload::from_json(
            br#"{"features": {"f": {"rules": [{"weights": ["half"]}]}}}"#,
            1024,
        )
        .expect_err("weights are numbers");
        assert_eq!(err.refusal().status, 502);
    }

    #[test]
    fn sticky_documents_round_trip_as_the_js_sdk_writes_them() {
        let json = r#"{"id||u1":{"attributeName":"id","attributeValue":"u1","assignments":{"exp__0":"1"}}}"#;
        let docs: StickyBuckets = serde_json::from_str(json).expect("a JS document");
        assert_eq!(docs.0["id||u1"].assignments["exp__0"], "1");
        assert_eq!(serde_json::to_string(&docs).expect("serializes"), json);
    }
}
