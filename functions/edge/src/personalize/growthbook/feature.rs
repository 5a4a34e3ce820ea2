//! `evalFeature`: a feature's value for this shopper, from the first rule
//! that applies (force, rollout or experiment), else its default.

use serde::Serialize;
use serde_json::{Value, json};

use super::condition::eval_condition;
use super::evaluator::{Evaluator, ExperimentResult, RuleOverride};
use super::hash::{hash, version_of};
use super::js;
use super::ranges::{VariationRange, in_range};
use super::types::{Experiment, FeatureDefinition, FeatureRule};

/// Why a feature has its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Source {
    DefaultValue,
    Force,
    Experiment,
    UnknownFeature,
    /// A gating prerequisite failed: the value is `null`.
    Prerequisite,
    CyclicPrerequisite,
}

impl Source {
    /// The SDK's name for it, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::DefaultValue => "defaultValue",
            Source::Force => "force",
            Source::Experiment => "experiment",
            Source::UnknownFeature => "unknownFeature",
            Source::Prerequisite => "prerequisite",
            Source::CyclicPrerequisite => "cyclicPrerequisite",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FeatureResult {
    pub value: Value,
    /// The value's JS truthiness, as the SDK's `on` / `off`.
    pub on: bool,
    pub off: bool,
    pub source: Source,
    /// The rule's `id`, `""` for none.
    pub rule_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment_result: Option<ExperimentResult>,
}

fn feature_result(
    value: Value,
    source: Source,
    rule: Option<&FeatureRule>,
    experiment_result: Option<ExperimentResult>,
) -> FeatureResult {
    let on = js::truthy(&value);
    FeatureResult {
        value,
        on,
        off: !on,
        source,
        rule_id: rule.and_then(|r| r.id.clone()).unwrap_or_default(),
        experiment_result,
    }
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.clone().filter(|s| !s.is_empty())
}

/// The experiment an experiment rule runs (its prerequisites were
/// checked as the rule's; they are not the experiment's).
fn rule_experiment(feature: &str, rule: &FeatureRule, variations: &[Value]) -> Experiment {
    Experiment {
        key: non_empty(&rule.key).unwrap_or_else(|| feature.to_owned()),
        variations: variations.to_vec(),
        ranges: rule.ranges.clone(),
        meta: rule.meta.clone(),
        filters: rule.filters.clone(),
        seed: non_empty(&rule.seed),
        name: non_empty(&rule.name),
        phase: non_empty(&rule.phase),
        weights: rule.weights.clone(),
        condition: rule.condition.clone(),
        parent_conditions: None,
        coverage: rule.coverage,
        namespace: rule.namespace.clone(),
        force: None,
        hash_attribute: non_empty(&rule.hash_attribute),
        fallback_attribute: non_empty(&rule.fallback_attribute),
        hash_version: rule.hash_version.filter(|v| *v != 0.0),
        disable_sticky_bucketing: rule.disable_sticky_bucketing,
        bucket_version: rule.bucket_version,
        min_bucket_version: rule.min_bucket_version,
        active: None,
        status: None,
    }
}

impl<'a> Evaluator<'a> {
    /// Evaluates a feature (the SDK's `GrowthBook.evalFeature`); sticky
    /// assignments it makes land in [`Evaluator::sticky_buckets`].
    pub fn eval_feature(&mut self, key: &str) -> FeatureResult {
        self.stack.clear();
        self.eval_feature_inner(key)
    }

    pub(super) fn eval_feature_inner(&mut self, id: &str) -> FeatureResult {
        // An unknown feature has no rules, so it is never on a cycle.
        let Some((id, feature)) = self.features.get_key_value(id) else {
            return feature_result(Value::Null, Source::UnknownFeature, None, None);
        };
        if let Some(known) = self.memo.as_ref().and_then(|m| m.get(id.as_str())) {
            return known.clone();
        }
        let outer_cycle = std::mem::replace(&mut self.met_cycle, false);
        let result = self.eval_feature_uncached(id, feature);
        if !self.met_cycle
            && let Some(memo) = &mut self.memo
        {
            memo.insert(id, result.clone());
        }
        self.met_cycle |= outer_cycle;
        result
    }

    fn eval_feature_uncached(
        &mut self,
        id: &'a str,
        feature: &'a FeatureDefinition,
    ) -> FeatureResult {
        if self.stack.contains(&id) {
            self.met_cycle = true;
            return feature_result(Value::Null, Source::CyclicPrerequisite, None, None);
        }
        self.stack.push(id);
        // The path to here: each prerequisite is evaluated from it.
        let depth = self.stack.len();
        'rules: for rule in &feature.rules {
            for parent in rule.parent_conditions.iter().flatten() {
                self.stack.truncate(depth);
                let parent_result = self.eval_feature_inner(&parent.id);
                if parent_result.source == Source::CyclicPrerequisite {
                    return feature_result(Value::Null, Source::CyclicPrerequisite, None, None);
                }
                let obj = json!({ "value": parent_result.value });
                if !eval_condition(&obj, &parent.condition, self.saved_groups) {
                    if parent.gate {
                        return feature_result(Value::Null, Source::Prerequisite, None, None);
                    }
                    continue 'rules;
                }
            }
            if let Some(filters) = &rule.filters
                && self.is_filtered_out(filters)
            {
                continue;
            }
            if let Some(force) = &rule.force {
                if let Some(condition) = &rule.condition
                    && !eval_condition(&self.attributes, condition, self.saved_groups)
                {
                    continue;
                }
                if !self.in_rollout(id, rule) {
                    continue;
                }
                return feature_result(force.clone(), Source::Force, Some(rule), None);
            }
            let Some(variations) = &rule.variations else {
                continue;
            };
            let weights = match self.rule_override(rule) {
                RuleOverride::Skip => continue,
                RuleOverride::Weights(w) => Some(w),
                RuleOverride::AsIs => None,
            };
            let exp = rule
                .experiment
                .get_or_init(|| rule_experiment(id, rule, variations));
            let result = self.run_experiment(exp, weights.as_deref(), Some(id));
            if result.in_experiment && !result.passthrough {
                return feature_result(
                    result.value.clone(),
                    Source::Experiment,
                    Some(rule),
                    Some(result),
                );
            }
        }
        feature_result(
            feature.default_value.clone(),
            Source::DefaultValue,
            None,
            None,
        )
    }

    /// A force rule's percentage rollout: `range`, else `coverage`
    /// (inclusive: a hash equal to the coverage is in).
    fn in_rollout(&self, id: &str, rule: &FeatureRule) -> bool {
        let range: Option<VariationRange> = rule.range;
        if range.is_none() {
            match rule.coverage {
                None => return true,
                Some(0.0) => return false,
                Some(_) => {}
            }
        }
        let fallback = if self.sticky.is_some() && !rule.disable_sticky_bucketing {
            rule.fallback_attribute.as_deref()
        } else {
            None
        };
        let (_, value) = self.hash_attribute(rule.hash_attribute.as_deref(), fallback);
        if !js::truthy(value) {
            return false;
        }
        let seed = rule.seed.as_deref().filter(|s| !s.is_empty()).unwrap_or(id);
        let Some(n) = hash(
            seed,
            &js::to_js_string(value),
            version_of(rule.hash_version, 1),
        ) else {
            return false;
        };
        match (range, rule.coverage) {
            (Some(r), _) => in_range(n, r),
            (None, Some(c)) => n <= c,
            (None, None) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::personalize::growthbook::types::{Payload, StickyBuckets};
    use serde_json::Map;

    fn payload(v: Value) -> Payload {
        serde_json::from_value(v).expect("a payload")
    }

    fn attrs(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn source_names_are_the_serialized_ones() {
        for source in [
            Source::DefaultValue,
            Source::Force,
            Source::Experiment,
            Source::UnknownFeature,
            Source::Prerequisite,
            Source::CyclicPrerequisite,
        ] {
            assert_eq!(
                serde_json::to_value(source).ok(),
                Some(json!(source.as_str()))
            );
        }
    }

    #[test]
    fn defaults_forces_and_unknown_features() {
        let p = payload(json!({"features": {
            "plain": {"defaultValue": 0},
            "forced": {"defaultValue": "a", "rules": [
                {"id": "de", "condition": {"country": "DE"}, "force": "b"},
                {"id": "off", "force": null, "coverage": 0}
            ]}
        }}));
        let mut e = Evaluator::new(&p, &attrs(json!({"id": "u1", "country": "DE"})));
        let r = e.eval_feature("plain");
        assert_eq!(
            (r.value, r.on, r.off, r.source),
            (json!(0), false, true, Source::DefaultValue)
        );
        let r = e.eval_feature("forced");
        assert_eq!(
            (r.value, r.source, r.rule_id.as_str()),
            (json!("b"), Source::Force, "de")
        );
        let mut e = Evaluator::new(&p, &attrs(json!({"id": "u1", "country": "FR"})));
        assert_eq!(
            e.eval_feature("forced").value,
            json!("a"),
            "coverage 0 rolls out to nobody"
        );
        let r = e.eval_feature("nope");
        assert_eq!((r.value, r.source), (Value::Null, Source::UnknownFeature));
    }

    #[test]
    fn rollouts_follow_the_hash() {
        let p = payload(json!({"features": {"f": {"defaultValue": false, "rules": [
            {"force": true, "coverage": 0.3, "hashAttribute": "id", "seed": "s", "hashVersion": 2}
        ]}}}));
        let mut on = 0;
        for i in 0..2000 {
            let id = format!("u{i}");
            let mut e = Evaluator::new(&p, &attrs(json!({ "id": id })));
            let r = e.eval_feature("f");
            let n = hash("s", &id, 2).expect("v2");
            assert_eq!(r.value == json!(true), n <= 0.3, "{id}: hash {n}");
            on += usize::from(r.on);
        }
        assert!((500..700).contains(&on), "about 30% on, got {on}");
        let mut e = Evaluator::new(&p, &attrs(json!({})));
        assert_eq!(
            e.eval_feature("f").source,
            Source::DefaultValue,
            "no id, no rollout"
        );
    }

    #[test]
    fn experiments_prerequisites_and_cycles() {
        let p = payload(json!({"features": {
            "parent": {"defaultValue": true},
            "child": {"defaultValue": "none", "rules": [
                {"parentConditions": [{"id": "parent", "condition": {"value": true}, "gate": true}],
                 "key": "exp", "variations": ["a", "b"], "meta": [{"key": "ctl"}, {"key": "trt", "name": "Treatment"}]}
            ]},
            "gated": {"defaultValue": 1, "rules": [
                {"parentConditions": [{"id": "parent", "condition": {"value": false}, "gate": true}], "force": 2}
            ]},
            "loop-a": {"rules": [{"parentConditions": [{"id": "loop-b", "condition": {}}], "force": 1}]},
            "loop-b": {"rules": [{"parentConditions": [{"id": "loop-a", "condition": {}}], "force": 1}]}
        }}));
        let mut e = Evaluator::new(&p, &attrs(json!({"id": "shopper-7"})));
        let r = e.eval_feature("child");
        let x = r.experiment_result.expect("in the experiment");
        assert_eq!(r.source, Source::Experiment);
        let n = hash("exp", "shopper-7", 1).expect("v1");
        assert_eq!(x.variation_id, usize::from(n >= 0.5));
        assert_eq!(x.key, if n >= 0.5 { "trt" } else { "ctl" });
        assert_eq!(x.bucket, Some(n));
        assert_eq!(x.feature_id.as_deref(), Some("child"));
        let r = e.eval_feature("gated");
        assert_eq!((r.value, r.source), (Value::Null, Source::Prerequisite));
        assert_eq!(e.eval_feature("loop-a").source, Source::CyclicPrerequisite);
    }

    #[test]
    fn sticky_buckets_outlast_weight_changes_until_the_version_moves() {
        let rule = |weights: Value, version: u32, min: u32| {
            payload(
                json!({"features": {"f": {"defaultValue": "none", "rules": [{
                    "key": "exp", "variations": ["a", "b"], "weights": weights,
                    "meta": [{"key": "a"}, {"key": "b"}], "bucketVersion": version, "minBucketVersion": min
                }]}}}),
            )
        };
        let shopper = attrs(json!({"id": "u-42"}));
        let all_a = rule(json!([1.0, 0.0]), 0, 0);
        let mut e = Evaluator::new(&all_a, &shopper).with_sticky_buckets(StickyBuckets::default());
        assert_eq!(e.eval_feature("f").value, json!("a"));
        let docs = e.into_sticky_buckets().expect("sticky on");
        assert_eq!(docs.0["id||u-42"].assignments["exp__0"], "a");

        // All weight moves to b; the sticky shopper stays on a.
        let all_b = rule(json!([0.0, 1.0]), 0, 0);
        let mut e = Evaluator::new(&all_b, &shopper).with_sticky_buckets(docs.clone());
        let r = e.eval_feature("f");
        assert_eq!(r.value, json!("a"));
        assert!(r.experiment_result.is_some_and(|x| x.sticky_bucket_used));
        // Without their documents they are re-bucketed.
        assert_eq!(
            Evaluator::new(&all_b, &shopper).eval_feature("f").value,
            json!("b")
        );

        // A new bucket version re-buckets; a minimum above 0 excludes holders of 0.
        let bumped = rule(json!([0.0, 1.0]), 1, 0);
        let mut e = Evaluator::new(&bumped, &shopper).with_sticky_buckets(docs.clone());
        assert_eq!(e.eval_feature("f").value, json!("b"));
        let blocked = rule(json!([0.0, 1.0]), 1, 1);
        let mut e = Evaluator::new(&blocked, &shopper).with_sticky_buckets(docs);
        let r = e.eval_feature("f");
        assert_eq!(r.source, Source::DefaultValue);
        assert_eq!(
            e.sticky_buckets()
                .map(|d| d.0["id||u-42"].assignments.len()),
            Some(1)
        );
    }
}
