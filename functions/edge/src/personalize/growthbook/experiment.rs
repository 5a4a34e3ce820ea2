//! `runExperiment`: who is in an experiment and which variation they get.
//!
//! Left out, as the edge has no use for them: URL targeting (`url`,
//! `urlPatterns`), query-string and developer-tool forcing, `groups`,
//! `include` callbacks, QA mode, remote overrides and contextual bandits.

use serde_json::{Value, json};

use super::condition::eval_condition;
use super::evaluator::{Evaluator, ExperimentResult};
use super::feature::Source;
use super::hash::{hash, version_of};
use super::js;
use super::ranges::{choose_variation, get_bucket_ranges, in_namespace, in_range};
use super::sticky::Sticky;
use super::types::{Experiment, Filter, ParentCondition};

impl Evaluator<'_> {
    /// Runs an inline experiment (the SDK's `GrowthBook.run`).
    pub fn run(&mut self, experiment: &Experiment) -> ExperimentResult {
        self.stack.clear();
        self.run_experiment(experiment, None, None)
    }

    fn sticky_on(&self, exp: &Experiment) -> bool {
        self.sticky.is_some() && !exp.disable_sticky_bucketing
    }

    fn experiment_hash_attribute<'s>(&'s self, exp: &'s Experiment) -> (&'s str, &'s Value) {
        let fallback = if self.sticky_on(exp) {
            exp.fallback_attribute.as_deref()
        } else {
            None
        };
        self.hash_attribute(exp.hash_attribute.as_deref(), fallback)
    }

    /// `weights` replaces the experiment's own (a bandit's, for this request).
    pub(super) fn run_experiment(
        &mut self,
        exp: &Experiment,
        weights: Option<&[f64]>,
        feature_id: Option<&str>,
    ) -> ExperimentResult {
        let out = |this: &Self| this.result(exp, -1, false, feature_id, None, false);
        if exp.variations.len() < 2 {
            return out(self);
        }
        if exp.status.as_deref() == Some("draft") || exp.active == Some(false) {
            return out(self);
        }
        let (_, hash_value) = self.experiment_hash_attribute(exp);
        if !js::truthy(hash_value) {
            return out(self);
        }
        // Owned: targeting may evaluate prerequisites, which needs `self`.
        let hash_input = js::to_js_string(hash_value).into_owned();

        let sticky = if self.sticky_on(exp) {
            self.sticky_variation(exp)
        } else {
            Sticky::None
        };
        let found = match sticky {
            Sticky::Variation(v) => Some(v),
            _ => None,
        };
        // A sticky assignment outlasts targeting changes.
        if found.is_none() && !self.targeted(exp, &hash_input) {
            return out(self);
        }

        let seed = exp
            .seed
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or(&exp.key);
        let Some(n) = hash(seed, &hash_input, version_of(exp.hash_version, 1)) else {
            return out(self);
        };
        let assigned = found.or_else(|| match &exp.ranges {
            Some(ranges) => choose_variation(n, ranges),
            None => choose_variation(
                n,
                &get_bucket_ranges(
                    exp.variations.len(),
                    exp.coverage,
                    weights.or(exp.weights.as_deref()),
                ),
            ),
        });
        if matches!(sticky, Sticky::Blocked) {
            return self.result(exp, -1, false, feature_id, None, true);
        }
        let Some(assigned) = assigned else {
            return out(self);
        };
        if let Some(force) = exp.force {
            return self.result(exp, force, false, feature_id, None, false);
        }
        if exp.status.as_deref() == Some("stopped") {
            return out(self);
        }
        let index = i64::try_from(assigned).unwrap_or(-1);
        let result = self.result(exp, index, true, feature_id, Some(n), found.is_some());
        if self.sticky_on(exp) {
            let value = js::sdk_to_string(&result.hash_value).into_owned();
            self.save_sticky(&result.hash_attribute, &value, exp, &result.key);
        }
        result
    }

    /// Filters (else the namespace), the condition and prerequisites.
    fn targeted(&mut self, exp: &Experiment, hash_input: &str) -> bool {
        if let Some(filters) = &exp.filters {
            if self.is_filtered_out(filters) {
                return false;
            }
        } else if let Some(ns) = &exp.namespace
            && !in_namespace(hash_input, ns)
        {
            return false;
        }
        if let Some(condition) = &exp.condition
            && !eval_condition(&self.attributes, condition, self.saved_groups)
        {
            return false;
        }
        match &exp.parent_conditions {
            Some(parents) => self.parents_pass(parents),
            None => true,
        }
    }

    /// Prerequisites of an inline experiment: every parent's value must
    /// pass its condition (a cycle fails them).
    fn parents_pass(&mut self, parents: &[ParentCondition]) -> bool {
        let depth = self.stack.len();
        for parent in parents {
            self.stack.truncate(depth);
            let parent_result = self.eval_feature_inner(&parent.id);
            if parent_result.source == Source::CyclicPrerequisite {
                return false;
            }
            let obj = json!({ "value": parent_result.value });
            if !eval_condition(&obj, &parent.condition, self.saved_groups) {
                return false;
            }
        }
        true
    }

    /// Filters exclude whoever's hash falls outside all of a filter's ranges.
    pub(super) fn is_filtered_out(&self, filters: &[Filter]) -> bool {
        filters.iter().any(|filter| {
            let (_, value) = self.hash_attribute(filter.attribute.as_deref(), None);
            if !js::truthy(value) {
                return true;
            }
            // A filter without a seed hashes "undefined" in the JS SDK.
            let seed = filter.seed.as_deref().unwrap_or("undefined");
            match hash(
                seed,
                &js::to_js_string(value),
                version_of(filter.hash_version, 2),
            ) {
                Some(n) => !filter.ranges.iter().any(|r| in_range(n, *r)),
                None => true,
            }
        })
    }

    /// The SDK's `getExperimentResult`: an index outside the variations
    /// means not in the experiment, shown the control.
    fn result(
        &self,
        exp: &Experiment,
        index: i64,
        hash_used: bool,
        feature_id: Option<&str>,
        bucket: Option<f64>,
        sticky_bucket_used: bool,
    ) -> ExperimentResult {
        let (variation_id, in_experiment) = match usize::try_from(index) {
            Ok(i) if i < exp.variations.len() => (i, true),
            _ => (0, false),
        };
        let (hash_attribute, hash_value) = self.experiment_hash_attribute(exp);
        let meta = exp.meta.as_ref().and_then(|m| m.get(variation_id));
        ExperimentResult {
            in_experiment,
            variation_id,
            key: meta
                .and_then(|m| m.key.clone())
                .filter(|k| !k.is_empty())
                .unwrap_or_else(|| variation_id.to_string()),
            value: exp
                .variations
                .get(variation_id)
                .cloned()
                .unwrap_or(Value::Null),
            hash_attribute: hash_attribute.to_owned(),
            hash_value: hash_value.clone(),
            bucket,
            hash_used,
            sticky_bucket_used,
            feature_id: feature_id.map(str::to_owned),
            name: meta.and_then(|m| m.name.clone()).filter(|n| !n.is_empty()),
            passthrough: meta.is_some_and(|m| m.passthrough),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::personalize::growthbook::ranges::Namespace;
    use crate::personalize::growthbook::types::{Payload, StickyBuckets};

    fn experiment(v: Value) -> Experiment {
        serde_json::from_value(v).expect("an experiment")
    }

    fn run(exp: &Experiment, attributes: Value) -> ExperimentResult {
        let payload = Payload::default();
        let Value::Object(attributes) = attributes else {
            return run(exp, json!({}));
        };
        Evaluator::new(&payload, &attributes).run(exp)
    }

    #[test]
    fn who_is_excluded() {
        let base = json!({"key": "e", "variations": [0, 1], "hashVersion": 2});
        let with = |extra: Value| {
            let mut v = base.clone();
            if let (Value::Object(m), Value::Object(x)) = (&mut v, extra) {
                m.extend(x);
            }
            experiment(v)
        };
        let u = json!({"id": "u1", "country": "DE"});
        assert!(run(&with(json!({})), u.clone()).in_experiment);
        assert!(!run(&with(json!({"active": false})), u.clone()).in_experiment);
        assert!(!run(&with(json!({"status": "draft"})), u.clone()).in_experiment);
        assert!(!run(&with(json!({"status": "stopped"})), u.clone()).in_experiment);
        assert!(!run(&with(json!({"condition": {"country": "FR"}})), u.clone()).in_experiment);
        assert!(!run(&with(json!({"coverage": 0})), u.clone()).in_experiment);
        assert!(!run(&with(json!({"variations": [0]})), u.clone()).in_experiment);
        assert!(!run(&with(json!({"hashVersion": 9})), u.clone()).in_experiment);
        let missing = run(&with(json!({})), json!({"country": "DE"}));
        assert!(!missing.in_experiment && missing.hash_value == json!(""));
        let forced = run(&with(json!({"force": 1})), u.clone());
        assert!(forced.in_experiment && forced.variation_id == 1 && !forced.hash_used);
        let out_of_range = run(&with(json!({"force": 5})), u);
        assert!(!out_of_range.in_experiment && out_of_range.variation_id == 0);
    }

    #[test]
    fn namespaces_split_shoppers_between_experiments() {
        let a = experiment(json!({"key": "a", "variations": [0, 1], "namespace": ["ns", 0, 0.5]}));
        let b = experiment(json!({"key": "b", "variations": [0, 1], "namespace": ["ns", 0.5, 1]}));
        for i in 0..500 {
            let id = format!("u{i}");
            let in_a = run(&a, json!({ "id": id })).in_experiment;
            let in_b = run(&b, json!({ "id": id })).in_experiment;
            assert!(in_a != in_b, "{id} is in exactly one");
            assert_eq!(in_a, in_namespace(&id, &Namespace("ns".into(), 0.0, 0.5)));
        }
    }

    #[test]
    fn fallback_attribute_counts_only_with_sticky_buckets() {
        let exp = experiment(
            json!({"key": "e", "variations": [0, 1], "fallbackAttribute": "deviceId",
                                    "meta": [{"key": "x"}, {"key": "y"}]}),
        );
        let Value::Object(shopper) = json!({"deviceId": "d-1"}) else {
            return;
        };
        let payload = Payload::default();
        assert!(!Evaluator::new(&payload, &shopper).run(&exp).in_experiment);
        let mut e =
            Evaluator::new(&payload, &shopper).with_sticky_buckets(StickyBuckets::default());
        let r = e.run(&exp);
        assert!(r.in_experiment);
        assert_eq!(r.hash_attribute, "deviceId");
        let docs = e.into_sticky_buckets().expect("sticky on");
        assert_eq!(docs.0["deviceId||d-1"].assignments["e__0"], r.key);
    }
}
