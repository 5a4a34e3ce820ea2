//! Experiment and flag definitions: data, shipped in the repository
//! (`functions/edge/personalize/definitions.json`) and publishable at run
//! time ([`super::stored`]).
//!
//! The `features` object is a GrowthBook feature payload, unchanged, so a
//! merchant's GrowthBook export evaluates here exactly as in its other
//! SDKs. Meridian adds `experiments`: for each experiment rule key, its
//! run window, the metric it is judged on, and whether a bandit may move
//! its traffic. Targeting (market, locale, device, page, custom
//! attributes) is GrowthBook conditions over the attributes
//! [`super::assign`] builds; namespaces give mutual exclusion and a
//! holdout is a prerequisite feature, as GrowthBook does them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::bandit::BanditConfig;
use super::growthbook::types::{FeatureDefinitions, Payload};
use crate::http::response::Refusal;

/// The definitions this build ships.
pub const SHIPPED: &str = include_str!("../../personalize/definitions.json");
/// What `schema` must say.
pub const SCHEMA: &str = "meridian.experiments/1";
/// The largest definitions document accepted.
pub const MAX_BYTES: usize = 256 * 1024;
/// Variations an experiment may have.
pub const MAX_VARIATIONS: usize = 16;

/// Meridian's part of an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentMeta {
    /// The feature whose experiment rule has this key.
    pub feature: String,
    /// What the experiment is for, for people.
    #[serde(default)]
    pub description: String,
    /// RFC 3339 UTC (`2026-11-01T00:00:00Z`); before it, the rule is skipped.
    #[serde(default)]
    pub start: Option<String>,
    /// RFC 3339 UTC; from then on, the rule is skipped.
    #[serde(default)]
    pub end: Option<String>,
    /// The event kind a conversion is (`purchase`, `add-to-cart`, `click`).
    pub metric: String,
    /// When set, a bandit moves traffic between the variations.
    #[serde(default)]
    pub bandit: Option<BanditConfig>,
}

/// The whole document.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub schema: String,
    /// GrowthBook `features`.
    pub features: serde_json::Map<String, Value>,
    /// GrowthBook saved groups (`$inGroup`).
    #[serde(default, rename = "savedGroups")]
    pub saved_groups: serde_json::Map<String, Value>,
    #[serde(default)]
    pub experiments: BTreeMap<String, ExperimentMeta>,
}

/// Validated definitions, ready to evaluate.
#[derive(Debug, Clone)]
pub struct Definitions {
    pub document: Document,
    /// The features and saved groups as the evaluator reads them.
    pub payload: Payload,
    /// The run window of each experiment in unix seconds.
    windows: BTreeMap<String, (Option<u64>, Option<u64>)>,
    /// A digest of the text: what `If-Match` and `ETag` name.
    pub version: String,
}

/// A definition that does not validate: where, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {reason}")]
pub struct DefinitionError {
    /// The rule, as a path: `features.storefront-hero.rules[0].weights`.
    pub at: String,
    pub reason: String,
}

impl DefinitionError {
    fn new(at: impl Into<String>, reason: impl Into<String>) -> DefinitionError {
        DefinitionError {
            at: at.into(),
            reason: reason.into(),
        }
    }

    /// 422 naming the rule and the reason.
    pub fn refusal(&self) -> Refusal {
        Refusal::new(
            422,
            "experiments-invalid",
            format!(
                "the definitions were refused at {}: {}",
                self.at, self.reason
            ),
        )
    }
}

/// The digest that versions a text.
pub fn version_of(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes())[..8])
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Seconds since the epoch of `YYYY-MM-DDTHH:MM:SSZ`.
pub fn parse_utc(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u64> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if b[13] != b':' || b[16] != b':' || !(1970..=9999).contains(&y) {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d == 0 || d > month_days[(m - 1) as usize] {
        return None;
    }
    if hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm), for years >= 1970.
    let (yy, mm_) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy / 400;
    let yoe = yy - era * 400;
    let doy = (153 * mm_ + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

impl Definitions {
    /// The definitions this build ships (they are tested to validate).
    pub fn shipped() -> Result<Definitions, DefinitionError> {
        Definitions::parse(SHIPPED)
    }

    /// Parses and validates a document.
    pub fn parse(text: &str) -> Result<Definitions, DefinitionError> {
        if text.len() > MAX_BYTES {
            return Err(DefinitionError::new(
                "document",
                format!("{} bytes, more than {MAX_BYTES}", text.len()),
            ));
        }
        let document: Document = serde_json::from_str(text).map_err(|e| {
            DefinitionError::new("document", format!("not a definitions document: {e}"))
        })?;
        if document.schema != SCHEMA {
            return Err(DefinitionError::new(
                "schema",
                format!(
                    "is `{}`, this build reads `{SCHEMA}`",
                    document.schema.escape_default()
                ),
            ));
        }
        let windows = validate(&document)?;
        let features: FeatureDefinitions =
            serde_json::from_value(Value::Object(document.features.clone())).map_err(|e| {
                DefinitionError::new("features", format!("not a GrowthBook feature payload: {e}"))
            })?;
        let payload = Payload {
            features,
            saved_groups: document.saved_groups.clone(),
        };
        Ok(Definitions {
            payload,
            document,
            windows,
            version: version_of(text),
        })
    }

    /// Whether experiment `key` runs at `now` (unix seconds).
    pub fn running(&self, key: &str, now: u64) -> bool {
        match self.windows.get(key) {
            Some((start, end)) => start.is_none_or(|s| now >= s) && end.is_none_or(|e| now < e),
            None => false,
        }
    }

    /// The experiment rules' keys with their metadata.
    pub fn experiments(&self) -> impl Iterator<Item = (&str, &ExperimentMeta)> {
        self.document
            .experiments
            .iter()
            .map(|(k, m)| (k.as_str(), m))
    }

    /// The experiment rule with key `key`: (feature, rule) JSON.
    pub fn experiment_rule(&self, key: &str) -> Option<(&str, &Value)> {
        let meta = self.document.experiments.get(key)?;
        let feature = self.document.features.get(&meta.feature)?;
        feature
            .get("rules")?
            .as_array()?
            .iter()
            .find(|r| r.get("key").and_then(Value::as_str) == Some(key))
            .map(|r| (meta.feature.as_str(), r))
    }

    /// The variation keys of experiment `key` (`meta[i].key`, else the index).
    pub fn variation_keys(&self, key: &str) -> Vec<String> {
        let Some((_, rule)) = self.experiment_rule(key) else {
            return Vec::new();
        };
        let n = rule
            .get("variations")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        (0..n)
            .map(|i| {
                rule.get("meta")
                    .and_then(|m| m.get(i))
                    .and_then(|m| m.get("key"))
                    .and_then(Value::as_str)
                    .map_or_else(|| i.to_string(), str::to_owned)
            })
            .collect()
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

type Windows = BTreeMap<String, (Option<u64>, Option<u64>)>;

fn validate(doc: &Document) -> Result<Windows, DefinitionError> {
    // Experiment rule key: where it is, and its number of variations.
    let mut rule_keys: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for (name, feature) in &doc.features {
        let at = format!("features.{name}");
        if !is_id(name) {
            return Err(DefinitionError::new(
                at,
                "feature keys are [a-z0-9_-], at most 64",
            ));
        }
        let Some(feature) = feature.as_object() else {
            return Err(DefinitionError::new(at, "a feature is an object"));
        };
        let default = feature.get("defaultValue").unwrap_or(&Value::Null);
        let rules = match feature.get("rules") {
            None => &Vec::new(),
            Some(Value::Array(rules)) => rules,
            Some(_) => {
                return Err(DefinitionError::new(
                    format!("{at}.rules"),
                    "rules are an array",
                ));
            }
        };
        for (i, rule) in rules.iter().enumerate() {
            let at = format!("{at}.rules[{i}]");
            let Some(rule) = rule.as_object() else {
                return Err(DefinitionError::new(at, "a rule is an object"));
            };
            validate_rule(&at, rule, default, doc)?;
            if let Some(key) = rule.get("variations").and(rule.get("key")) {
                let key = key.as_str().unwrap_or_default();
                if !is_id(key) {
                    return Err(DefinitionError::new(
                        format!("{at}.key"),
                        "an experiment rule needs a key of [a-z0-9_-], at most 64",
                    ));
                }
                let arms = rule
                    .get("variations")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                if let Some((first, _)) = rule_keys.insert(key.to_owned(), (at.clone(), arms)) {
                    return Err(DefinitionError::new(
                        format!("{at}.key"),
                        format!("`{key}` is also the key of {first}"),
                    ));
                }
            }
        }
    }
    let mut windows = Windows::new();
    for (key, meta) in &doc.experiments {
        let at = format!("experiments.{key}");
        let Some((rule_at, arms)) = rule_keys.get(key) else {
            return Err(DefinitionError::new(at, "no experiment rule has this key"));
        };
        if !rule_at.starts_with(&format!("features.{}.", meta.feature)) {
            return Err(DefinitionError::new(
                format!("{at}.feature"),
                format!(
                    "the rule with this key is {rule_at}, not in feature `{}`",
                    meta.feature
                ),
            ));
        }
        let time = |field: &str, v: &Option<String>| -> Result<Option<u64>, DefinitionError> {
            v.as_deref()
                .map(|t| {
                    parse_utc(t).ok_or_else(|| {
                        DefinitionError::new(
                            format!("{at}.{field}"),
                            format!("`{}` is not YYYY-MM-DDTHH:MM:SSZ", t.escape_default()),
                        )
                    })
                })
                .transpose()
        };
        let (start, end) = (time("start", &meta.start)?, time("end", &meta.end)?);
        if let (Some(s), Some(e)) = (start, end)
            && s >= e
        {
            return Err(DefinitionError::new(
                format!("{at}.end"),
                "ends before it starts",
            ));
        }
        if !["purchase", "add-to-cart", "click", "view"].contains(&meta.metric.as_str()) {
            return Err(DefinitionError::new(
                format!("{at}.metric"),
                "is one of purchase, add-to-cart, click, view",
            ));
        }
        if let Some(bandit) = &meta.bandit {
            bandit
                .validate(*arms)
                .map_err(|e| DefinitionError::new(format!("{at}.bandit"), e.to_string()))?;
        }
        windows.insert(key.clone(), (start, end));
    }
    if let Some(key) = rule_keys.keys().find(|k| !doc.experiments.contains_key(*k)) {
        return Err(DefinitionError::new(
            rule_keys[key].0.clone(),
            format!("experiment `{key}` has no entry in `experiments` (metric, window)"),
        ));
    }
    Ok(windows)
}

fn validate_rule(
    at: &str,
    rule: &serde_json::Map<String, Value>,
    default: &Value,
    doc: &Document,
) -> Result<(), DefinitionError> {
    let fail = |field: &str, reason: String| DefinitionError::new(format!("{at}.{field}"), reason);
    if let Some(c) = rule.get("coverage") {
        let ok = c.as_f64().is_some_and(|c| (0.0..=1.0).contains(&c));
        if !ok {
            return Err(fail("coverage", "is a number from 0 to 1".into()));
        }
    }
    if let Some(v) = rule.get("hashVersion")
        && !matches!(v.as_u64(), Some(1 | 2))
    {
        return Err(fail("hashVersion", "is 1 or 2".into()));
    }
    if let Some(c) = rule.get("condition")
        && !c.is_object()
    {
        return Err(fail(
            "condition",
            "is an object (GrowthBook's condition language)".into(),
        ));
    }
    if let Some(parents) = rule.get("parentConditions") {
        let Some(parents) = parents.as_array() else {
            return Err(fail("parentConditions", "is an array".into()));
        };
        for (j, p) in parents.iter().enumerate() {
            let id = p.get("id").and_then(Value::as_str).unwrap_or_default();
            if !doc.features.contains_key(id) {
                return Err(fail(
                    &format!("parentConditions[{j}].id"),
                    format!("names no feature (`{}`)", id.escape_default()),
                ));
            }
        }
    }
    if let Some(ns) = rule.get("namespace") {
        let parts = ns.as_array().map(Vec::as_slice).unwrap_or_default();
        let ok = match parts {
            [Value::String(id), s, e] => {
                let (s, e) = (s.as_f64().unwrap_or(-1.0), e.as_f64().unwrap_or(-1.0));
                !id.is_empty() && (0.0..=1.0).contains(&s) && (0.0..=1.0).contains(&e) && s < e
            }
            _ => false,
        };
        if !ok {
            return Err(fail(
                "namespace",
                "is [\"<id>\", start, end] with 0 <= start < end <= 1".into(),
            ));
        }
    }
    let Some(variations) = rule.get("variations") else {
        // A force or rollout rule: its value has the feature's type.
        if let Some(force) = rule.get("force")
            && !default.is_null()
            && json_type(force) != json_type(default)
        {
            return Err(fail(
                "force",
                format!(
                    "is a {}, the feature's default a {}",
                    json_type(force),
                    json_type(default)
                ),
            ));
        }
        return Ok(());
    };
    let Some(variations) = variations.as_array() else {
        return Err(fail("variations", "is an array".into()));
    };
    if !(2..=MAX_VARIATIONS).contains(&variations.len()) {
        return Err(fail(
            "variations",
            format!("an experiment has 2 to {MAX_VARIATIONS} variations"),
        ));
    }
    if let Some(v) = variations
        .iter()
        .find(|v| !default.is_null() && json_type(v) != json_type(default))
    {
        return Err(fail(
            "variations",
            format!(
                "a {} among values of a {} feature",
                json_type(v),
                json_type(default)
            ),
        ));
    }
    if let Some(weights) = rule.get("weights") {
        let weights: Option<Vec<f64>> = weights
            .as_array()
            .map(|w| w.iter().map(Value::as_f64).collect::<Option<Vec<f64>>>())
            .unwrap_or_default();
        let Some(weights) = weights else {
            return Err(fail("weights", "is an array of numbers".into()));
        };
        if weights.len() != variations.len() {
            return Err(fail(
                "weights",
                format!(
                    "{} weights for {} variations",
                    weights.len(),
                    variations.len()
                ),
            ));
        }
        let sum: f64 = weights.iter().sum();
        if weights.iter().any(|w| !(0.0..=1.0).contains(w)) || (sum - 1.0).abs() > 0.001 {
            return Err(fail(
                "weights",
                format!("are each 0 to 1 and sum to 1 (they sum to {sum})"),
            ));
        }
    }
    if let Some(meta) = rule.get("meta") {
        let keys: Option<BTreeSet<&str>> = meta.as_array().and_then(|m| {
            m.iter()
                .map(|v| v.get("key").and_then(Value::as_str))
                .collect::<Option<BTreeSet<&str>>>()
        });
        if keys.as_ref().map(BTreeSet::len) != Some(variations.len()) {
            return Err(fail(
                "meta",
                "one entry per variation, each with a distinct `key`".into(),
            ));
        }
    }
    if let Some(h) = rule.get("hashAttribute")
        && h.as_str().is_none_or(|h| h.is_empty())
    {
        return Err(fail("hashAttribute", "names an attribute".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_definitions_validate() {
        let d = Definitions::shipped().expect("shipped definitions");
        assert!(d.experiments().count() >= 3);
        for (key, meta) in d.experiments() {
            assert!(d.experiment_rule(key).is_some(), "{key}");
            assert!(d.variation_keys(key).len() >= 2, "{key}");
            assert!(d.document.features.contains_key(&meta.feature));
        }
    }

    #[test]
    fn utc_times() {
        assert_eq!(parse_utc("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_utc("2026-12-01T15:00:00Z"), Some(1_796_137_200));
        assert_eq!(parse_utc("2024-02-29T23:59:59Z"), Some(1_709_251_199));
        for bad in [
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-12-01 00:00:00Z",
            "2026-12-01T24:00:00Z",
            "+026-12-01T00:00:00Z",
        ] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
    }

    fn doc(rule: Value, meta: Value) -> String {
        serde_json::json!({
            "schema": SCHEMA,
            "features": { "hero": { "defaultValue": "a", "rules": [rule] }, "holdout": {"defaultValue": false} },
            "experiments": meta,
        })
        .to_string()
    }

    fn good_rule() -> Value {
        serde_json::json!({"key": "hero-test", "variations": ["a", "b"], "weights": [0.5, 0.5], "coverage": 1})
    }

    fn good_meta() -> Value {
        serde_json::json!({"hero-test": {"feature": "hero", "metric": "purchase", "start": "2026-11-01T00:00:00Z", "end": "2027-01-01T00:00:00Z"}})
    }

    #[test]
    fn refusals_name_the_rule_and_the_reason() {
        let ok = Definitions::parse(&doc(good_rule(), good_meta())).expect("valid");
        assert!(ok.running("hero-test", parse_utc("2026-12-01T00:00:00Z").expect("t")));
        assert!(!ok.running("hero-test", parse_utc("2027-01-01T00:00:00Z").expect("t")));
        assert!(!ok.running("hero-test", parse_utc("2026-10-01T00:00:00Z").expect("t")));
        let patch = |field: &str, value: Value| {
            let mut r = good_rule();
            r[field] = value;
            r
        };
        let cases = [
            (
                patch("weights", serde_json::json!([0.7, 0.7])),
                "features.hero.rules[0].weights",
            ),
            (
                patch("weights", serde_json::json!([1.0])),
                "features.hero.rules[0].weights",
            ),
            (
                patch("coverage", serde_json::json!(1.5)),
                "features.hero.rules[0].coverage",
            ),
            (
                patch("hashVersion", serde_json::json!(3)),
                "features.hero.rules[0].hashVersion",
            ),
            (
                patch("variations", serde_json::json!(["a", 2])),
                "features.hero.rules[0].variations",
            ),
            (
                patch("variations", serde_json::json!(["a"])),
                "features.hero.rules[0].variations",
            ),
            (
                patch("namespace", serde_json::json!(["ns", 0.6, 0.2])),
                "features.hero.rules[0].namespace",
            ),
            (
                patch("condition", serde_json::json!("market = DE")),
                "features.hero.rules[0].condition",
            ),
            (
                patch(
                    "parentConditions",
                    serde_json::json!([{"id": "nope", "condition": {"value": true}}]),
                ),
                "features.hero.rules[0].parentConditions[0].id",
            ),
            (
                patch("key", serde_json::json!("Not An Id")),
                "features.hero.rules[0].key",
            ),
        ];
        for (rule, at) in cases {
            let e = Definitions::parse(&doc(rule.clone(), good_meta())).expect_err("refused");
            assert_eq!(e.at, at, "{rule}: {e}");
            let r = e.refusal();
            assert_eq!((r.status, r.code.as_str()), (422, "experiments-invalid"));
            assert!(r.message.contains(at));
        }
        let meta_cases = [
            (serde_json::json!({}), "features.hero.rules[0]"),
            (
                serde_json::json!({"hero-test": {"feature": "hero", "metric": "purchase"}, "other": {"feature": "hero", "metric": "click"}}),
                "experiments.other",
            ),
            (
                serde_json::json!({"hero-test": {"feature": "holdout", "metric": "purchase"}}),
                "experiments.hero-test.feature",
            ),
            (
                serde_json::json!({"hero-test": {"feature": "hero", "metric": "revenue"}}),
                "experiments.hero-test.metric",
            ),
            (
                serde_json::json!({"hero-test": {"feature": "hero", "metric": "click", "start": "2027-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}}),
                "experiments.hero-test.end",
            ),
            (
                serde_json::json!({"hero-test": {"feature": "hero", "metric": "click", "start": "tomorrow"}}),
                "experiments.hero-test.start",
            ),
        ];
        for (meta, at) in meta_cases {
            let e = Definitions::parse(&doc(good_rule(), meta.clone())).expect_err("refused");
            assert_eq!(e.at, at, "{meta}: {e}");
        }
        for (text, at) in [
            ("{", "document"),
            (r#"{"schema": "other/1", "features": {}}"#, "schema"),
            (
                r#"{"schema": "meridian.experiments/1", "features": {}, "extra": 1}"#,
                "document",
            ),
        ] {
            assert_eq!(
                Definitions::parse(text).expect_err("refused").at,
                at,
                "{text}"
            );
        }
        let huge = format!(
            "{{\"schema\": \"{SCHEMA}\", \"features\": {{}}, \"savedGroups\": {{\"g\": [\"{}\"]}}}}",
            "x".repeat(MAX_BYTES)
        );
        assert_eq!(
            Definitions::parse(&huge).expect_err("refused").at,
            "document"
        );
    }

    #[test]
    fn versions_follow_the_text() {
        let a = Definitions::parse(&doc(good_rule(), good_meta())).expect("valid");
        let b = Definitions::parse(&format!("{} ", doc(good_rule(), good_meta()))).expect("valid");
        assert_ne!(a.version, b.version);
        assert_eq!(a.version.len(), 16);
    }
}
