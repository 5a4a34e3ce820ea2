//! Assignment for one request: which value every feature has and which
//! variant of every running experiment the shopper is in.
//!
//! With consent for personalization the shopper has an id (the signed
//! cookie, issued on first visit), experiments hash it, and assignments
//! are sticky (GrowthBook sticky buckets in the same cookie; a rule's
//! `bucketVersion` re-randomises). Without consent there is no id: every
//! experiment that hashes `id` leaves the shopper out, so they get the
//! control variant or a flag's default, nothing is stored, and the
//! response says why (`meridian-personalization: off; reason=<code>`).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::bandit::BanditState;
use super::definitions::Definitions;
use super::growthbook::types::{FeatureRule, Payload, StickyAssignmentsDocument, StickyBuckets};
use super::growthbook::{Evaluator, FeatureResult, RuleOverride};
use super::identity::{self, CookieKey, Profile, Sent};
use crate::gate::{Admission, header};
use crate::market::RequestHeaders;

/// The request header and cache dimension that carries the variants.
pub const VARIANT_HEADER: &str = "meridian-variant";
/// The response header that says whether personalization ran, and why not.
pub const PERSONALIZATION_HEADER: &str = "meridian-personalization";

/// The device class targeting sees: from client hints, else the user agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Device {
    Mobile,
    Tablet,
    Desktop,
}

impl Device {
    pub fn from_headers<H: RequestHeaders + ?Sized>(headers: &H) -> Device {
        if header(headers, "sec-ch-ua-mobile").is_some_and(|v| v.trim() == "?1") {
            return Device::Mobile;
        }
        let ua = header(headers, "user-agent").unwrap_or_default();
        if ua.contains("iPad") || ua.contains("Tablet") {
            Device::Tablet
        } else if ua.contains("Mobi") || ua.contains("Android") {
            Device::Mobile
        } else {
            Device::Desktop
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Device::Mobile => "mobile",
            Device::Tablet => "tablet",
            Device::Desktop => "desktop",
        }
    }
}

/// What a request brings to assignment.
#[derive(Clone)]
pub struct Context<'a> {
    pub admission: &'a Admission,
    /// The page path (`/`, `/tryon`), for page targeting.
    pub page: &'a str,
    pub device: Device,
    /// Merchant attributes (`?attr.<name>=` or the widget's), never personal.
    pub custom: Map<String, Value>,
    /// What the identity cookie gave.
    pub sent: Sent,
    /// Unix seconds.
    pub now: u64,
    /// 16 random bytes, the id of a shopper who has none yet.
    pub random: [u8; 16],
    /// Whether cookies can be signed here (a key is configured).
    pub identity_available: bool,
    /// Whether this response may set the cookie, so a new shopper may get
    /// an id. Responses a shared cache may store never do: an id issued
    /// there would be forgotten at once, and split the cache by it.
    pub may_issue: bool,
}

/// One feature's value for this request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assigned {
    pub feature: String,
    pub value: Value,
    /// Where the value came from (`defaultValue`, `force`, `experiment`, ...).
    pub source: String,
    /// The experiment the shopper is in for this feature, and its variant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

/// What to do with the identity cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// Consent, and the cookie sent is current.
    Keep(Profile),
    /// Consent: set (or refresh) the cookie.
    Set(Profile),
    /// No consent but a cookie was sent (or a forged one): delete it.
    Clear,
    /// No consent, no cookie.
    None,
}

impl Identity {
    pub fn profile(&self) -> Option<&Profile> {
        match self {
            Identity::Keep(p) | Identity::Set(p) => Some(p),
            Identity::Clear | Identity::None => None,
        }
    }
}

/// Every feature's value, and what personalization decided.
#[derive(Debug, Clone)]
pub struct Assignments {
    pub features: Vec<Assigned>,
    pub identity: Identity,
    /// Whether the consent decision allowed personalization.
    pub personalized: bool,
    /// The consent decision's reason code.
    pub reason: String,
}

impl Assignments {
    pub fn value(&self, feature: &str) -> Option<&Value> {
        self.features
            .iter()
            .find(|a| a.feature == feature)
            .map(|a| &a.value)
    }

    /// A feature's string value, or `default`.
    pub fn text<'a>(&'a self, feature: &str, default: &'a str) -> &'a str {
        self.value(feature)
            .and_then(Value::as_str)
            .unwrap_or(default)
    }

    /// `experiment=variant` pairs of the experiments the shopper is in,
    /// sorted: the cache dimension and what origins and backends see.
    pub fn variant(&self) -> String {
        let mut pairs: Vec<String> = self
            .features
            .iter()
            .filter_map(|a| Some([a.experiment.as_deref()?, "=", a.variant.as_deref()?].concat()))
            .collect();
        pairs.sort();
        pairs.join(";")
    }

    /// Response headers: the variant, whether personalization ran (and
    /// why not), and the cookie to set or clear.
    /// Without a key, no cookie is set.
    pub fn headers(&self, key: Option<&CookieKey>, now: u64) -> Vec<(String, String)> {
        let mut headers = Vec::new();
        let variant = self.variant();
        if !variant.is_empty() {
            headers.push((VARIANT_HEADER.to_owned(), variant));
        }
        headers.push((
            PERSONALIZATION_HEADER.to_owned(),
            [
                if self.personalized { "on" } else { "off" },
                "; reason=",
                &self.reason,
            ]
            .concat(),
        ));
        match (&self.identity, key) {
            (Identity::Set(p), Some(key)) => {
                headers.push(("set-cookie".to_owned(), identity::set_cookie(p, key, now)));
            }
            (Identity::Clear, _) => {
                headers.push(("set-cookie".to_owned(), identity::clear_cookie()))
            }
            _ => {}
        }
        headers
    }
}

/// The attributes GrowthBook conditions and hashing see.
pub fn attributes(ctx: &Context<'_>, id: Option<&str>) -> Map<String, Value> {
    let a = ctx.admission;
    let locale = &a.locale.locale;
    let mut attrs = ctx.custom.clone();
    let mut put = |k: &str, v: Value| {
        attrs.insert(k.to_owned(), v);
    };
    put("market", Value::from(a.decision.market.as_str()));
    put("country", Value::from(a.country.country.as_str()));
    put("locale", Value::from(locale.as_str()));
    put(
        "language",
        Value::from(locale.split('-').next().unwrap_or_default()),
    );
    put("currency", Value::from(a.currency.as_str()));
    put("device", Value::from(ctx.device.as_str()));
    put("page", Value::from(ctx.page));
    if let Some(id) = id {
        put("id", Value::from(id));
    }
    attrs
}

/// Each experiment rule's change for this request: outside its run
/// window it is skipped, a bandit's published weights replace the
/// configured ones. Read once per request (bandit weights come from the
/// store), so a prerequisite evaluated twice reads nothing twice, and the
/// payload itself is never copied.
fn rule_overrides<'d>(
    defs: &'d Definitions,
    now: u64,
    weights: &dyn Fn(&str, usize) -> Option<BanditState>,
) -> Vec<(&'d str, RuleOverride)> {
    let mut table = Vec::new();
    for feature in defs.payload.features.values() {
        for rule in &feature.rules {
            let (Some(variations), Some(key)) = (&rule.variations, &rule.key) else {
                continue;
            };
            let change = if !defs.running(key, now) {
                RuleOverride::Skip
            } else if defs
                .document
                .experiments
                .get(key)
                .is_some_and(|m| m.bandit.is_some())
                && let Some(state) = weights(key, variations.len())
            {
                RuleOverride::Weights(state.weights.into())
            } else {
                continue;
            };
            table.push((key.as_str(), change));
        }
    }
    table
}

fn override_of(table: &[(&str, RuleOverride)], rule: &FeatureRule) -> RuleOverride {
    rule.key
        .as_deref()
        .and_then(|key| table.iter().find(|(k, _)| *k == key))
        .map_or(RuleOverride::AsIs, |(_, change)| change.clone())
}

/// The experiment key of the rule that placed a feature's value (rules
/// skipped for this request do not count).
fn experiment_of(
    payload: &Payload,
    table: &[(&str, RuleOverride)],
    feature: &str,
    rule_name: Option<&str>,
) -> Option<String> {
    let rules = &payload.features.get(feature)?.rules;
    let live =
        |r: &&FeatureRule| r.variations.is_some() && override_of(table, r) != RuleOverride::Skip;
    let mut experiments = rules.iter().filter(live);
    let found = match rule_name {
        Some(name) => rules
            .iter()
            .filter(live)
            .find(|r| r.name.as_deref() == Some(name))
            .or_else(|| experiments.next()),
        None => experiments.next(),
    };
    found.and_then(|r| r.key.clone())
}

/// The sticky document of the shopper's id: GrowthBook keys documents by
/// attribute, and Meridian hashes only `id`.
fn sticky_key(id: &str) -> String {
    ["id||", id].concat()
}

/// Assigns every feature for one request.
pub fn assign(
    defs: &Definitions,
    ctx: Context<'_>,
    weights: &dyn Fn(&str, usize) -> Option<BanditState>,
) -> Assignments {
    let decision = &ctx.admission.personalization;
    let (personalized, reason) = if !decision.personal_data_allowed() {
        (false, decision.consent.reason.code)
    } else if !ctx.identity_available {
        (false, "identity-unconfigured")
    } else {
        (true, decision.consent.reason.code)
    };
    let reason = reason.to_owned();
    let (profile, sent_valid) = match (&ctx.sent, personalized) {
        (Sent::Valid(p), true) => (Some(p.clone()), true),
        (_, true) if ctx.may_issue => (Some(Profile::issue(ctx.random, ctx.now)), false),
        _ => (None, false),
    };
    let (personalized, reason) = if personalized && profile.is_none() {
        (false, "identity-not-issued-here".to_owned())
    } else {
        (personalized, reason)
    };
    let attrs = attributes(&ctx, profile.as_ref().map(|p| p.id.as_str()));
    let payload = &defs.payload;
    let table = rule_overrides(defs, ctx.now, weights);
    let overrides = |rule: &FeatureRule| override_of(&table, rule);
    let mut evaluator = Evaluator::with_attributes(payload, attrs)
        .with_overrides(&overrides)
        .with_memo();
    if let Some(p) = &profile {
        // Sticky buckets only for a shopper who may be remembered.
        let mut docs = StickyBuckets::default();
        docs.0.insert(
            sticky_key(&p.id),
            StickyAssignmentsDocument {
                attribute_name: "id".to_owned(),
                attribute_value: p.id.clone(),
                assignments: p.sticky.clone(),
            },
        );
        evaluator = evaluator.with_sticky_buckets(docs);
    }
    let mut assigned = Vec::with_capacity(payload.features.len());
    for name in payload.features.keys() {
        let result: FeatureResult = evaluator.eval_feature(name);
        let (experiment, variant) = match &result.experiment_result {
            Some(r) if r.in_experiment && !r.passthrough => (
                experiment_of(payload, &table, name, r.name.as_deref()),
                Some(r.key.clone()),
            ),
            _ => (None, None),
        };
        assigned.push(Assigned {
            feature: name.clone(),
            value: result.value.clone(),
            source: result.source.as_str().to_owned(),
            variant: experiment.as_ref().and(variant),
            experiment,
        });
    }
    let identity = match profile {
        Some(mut p) => {
            let sticky: BTreeMap<String, String> = evaluator
                .into_sticky_buckets()
                .and_then(|mut docs| docs.0.remove(&sticky_key(&p.id)))
                .map(|doc| doc.assignments)
                .unwrap_or_default();
            let changed = !sent_valid || p.sticky != sticky;
            p.sticky = sticky;
            if changed {
                Identity::Set(p)
            } else {
                Identity::Keep(p)
            }
        }
        None if matches!(ctx.sent, Sent::None) => Identity::None,
        // A cookie the shopper may keep, on a route that does not issue.
        None if decision.personal_data_allowed() && matches!(ctx.sent, Sent::Valid(_)) => {
            Identity::None
        }
        None => Identity::Clear,
    };
    Assignments {
        features: assigned,
        identity,
        personalized,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::Ask;
    use crate::gate::{admit_shopper, admit_via_cdn};
    use crate::personalize::bandit::{
        ArmCounts, BanditConfig, ExperimentId, MarketCode, recompute,
    };
    use crate::personalize::definitions::parse_utc;
    use crate::policy::Purpose;

    fn now() -> u64 {
        parse_utc("2026-12-01T12:00:00Z").expect("time")
    }

    fn ctx<'a>(admission: &'a Admission, sent: Sent, random: [u8; 16]) -> Context<'a> {
        Context {
            admission,
            page: "/",
            device: Device::Desktop,
            custom: Map::new(),
            sent,
            now: now(),
            random,
            identity_available: true,
            may_issue: true,
        }
    }

    fn no_bandit(_: &str, _: usize) -> Option<BanditState> {
        None
    }

    fn id(i: u32) -> [u8; 16] {
        let mut r = [0u8; 16];
        r[..4].copy_from_slice(&i.to_le_bytes());
        r[8] = 0x5a;
        r
    }

    #[test]
    fn without_consent_every_shopper_gets_control_and_no_identity() {
        let defs = Definitions::shipped().expect("defs");
        // Germany without a TC string; the US with GPC in California.
        let de = admit_shopper("DE", "de", Purpose::Render);
        let ca = admit_via_cdn(
            &[
                ("cf-ipcountry", "US"),
                ("cf-region-code", "CA"),
                ("sec-gpc", "1"),
            ],
            "",
            Ask::default(),
        );
        for (admission, reason) in [(&de, "consent-tcf-missing"), (&ca, "gpc-opt-out")] {
            for i in 0..50 {
                let a = assign(&defs, ctx(admission, Sent::None, id(i)), &no_bandit);
                assert!(!a.personalized);
                assert_eq!(a.reason, reason);
                assert_eq!(a.identity, Identity::None);
                assert_eq!(a.variant(), "");
                assert_eq!(a.text("storefront-hero", "?"), "product");
                assert_eq!(a.text("recommendation-strategy", "?"), "similar");
                assert_eq!(a.value("free-shipping-banner"), Some(&Value::Bool(false)));
                let headers = a.headers(None, now());
                assert!(
                    headers
                        .iter()
                        .all(|(n, _)| n != "set-cookie" && n != VARIANT_HEADER)
                );
            }
        }
        // A cookie sent anyway is cleared.
        let p = Profile::issue(id(1), now());
        let a = assign(&defs, ctx(&de, Sent::Valid(p), id(2)), &no_bandit);
        assert_eq!(a.identity, Identity::Clear);
    }

    #[test]
    fn with_consent_ids_are_issued_and_assignments_stick() {
        let defs = Definitions::shipped().expect("defs");
        let us = admit_shopper("US", "en-US", Purpose::Render);
        let first = assign(&defs, ctx(&us, Sent::None, id(7)), &no_bandit);
        assert!(first.personalized);
        let Identity::Set(profile) = first.identity.clone() else {
            panic!("a new shopper gets a cookie: {:?}", first.identity);
        };
        // The same cookie, later weights changed to all on one arm: the
        // shopper keeps the variant the cookie remembers.
        let all_on = |key: &str, arms: usize| -> Option<BanditState> {
            let config = BanditConfig {
                burn_in_exposures: 0,
                promote_at: 0.999,
                exploration_floor: 0.0,
                ..BanditConfig::default()
            };
            let counts = vec![ArmCounts::new(10_000, 10); arms];
            let mut counts = counts;
            counts[arms - 1] = ArmCounts::new(10_000, 9_000);
            recompute(
                &config,
                &ExperimentId::parse(key).ok()?,
                &MarketCode::parse("US").ok()?,
                &counts,
                None,
                now(),
                1,
            )
            .ok()
        };
        let again = assign(
            &defs,
            ctx(&us, Sent::Valid(profile.clone()), id(8)),
            &all_on,
        );
        assert_eq!(again.variant(), first.variant());
        assert_eq!(again.identity, Identity::Keep(profile.clone()));
        // Without the cookie's sticky assignments, the bandit's weights
        // decide: every new shopper in the hero experiment gets the arm
        // that took all of the traffic.
        for i in 100..160 {
            let a = assign(&defs, ctx(&us, Sent::None, id(i)), &all_on);
            let v = a.variant();
            if v.contains("hero-preset=") {
                assert!(v.contains("hero-preset=square"), "{v}");
            }
        }
    }

    #[test]
    fn namespaces_exclude_holdouts_hold_out_and_windows_end() {
        let defs = Definitions::shipped().expect("defs");
        let us = admit_shopper("US", "en-US", Purpose::Render);
        let (mut hero, mut rec, mut neither) = (0, 0, 0);
        let n = 2000;
        for i in 0..n {
            let a = assign(&defs, ctx(&us, Sent::None, id(i)), &no_bandit);
            let v = a.variant();
            let held_out = a.value("holdout") == Some(&Value::Bool(true));
            match (v.contains("hero-preset="), v.contains("rec-strategy=")) {
                (true, true) => panic!("one namespace, one experiment: {v}"),
                (true, false) => hero += 1,
                (false, true) => rec += 1,
                (false, false) => neither += 1,
            }
            if held_out {
                assert!(
                    !v.contains("hero-preset=") && !v.contains("rec-strategy="),
                    "{v}"
                );
                assert_eq!(a.text("storefront-hero", "?"), "product");
            }
        }
        // Half the namespace each, less the 5% holdout; 4 standard errors.
        let expect = n as f64 * 0.5 * 0.95;
        let tolerance = 4.0 * (n as f64 * 0.475 * 0.525).sqrt();
        for (name, got) in [("hero", hero), ("rec", rec)] {
            assert!(
                (got as f64 - expect).abs() < tolerance,
                "{name}: {got} of {n}"
            );
        }
        assert!(neither > 0);
        // After the hero experiment's end, nobody is in it.
        let later = Context {
            now: parse_utc("2027-03-02T00:00:00Z").expect("t"),
            ..ctx(&us, Sent::None, id(3))
        };
        for i in 0..200 {
            let a = assign(
                &defs,
                Context {
                    random: id(i),
                    ..later.clone()
                },
                &no_bandit,
            );
            assert!(!a.variant().contains("hero-preset"), "{}", a.variant());
        }
    }

    #[test]
    fn targeting_reads_market_device_and_page() {
        let defs = Definitions::shipped().expect("defs");
        let us = admit_shopper("US", "en-US", Purpose::Render);
        let jp = admit_shopper("JP", "ja", Purpose::Render);
        let banner = |admission: &Admission, page: &'static str| -> usize {
            (0..400)
                .filter(|i| {
                    let c = Context {
                        page,
                        ..ctx(admission, Sent::None, id(*i))
                    };
                    assign(&defs, c, &no_bandit).value("free-shipping-banner")
                        == Some(&Value::Bool(true))
                })
                .count()
        };
        let home = banner(&us, "/");
        assert!(
            (140..260).contains(&home),
            "half of US home-page shoppers: {home}"
        );
        assert_eq!(banner(&us, "/tryon"), 0, "only on the home page");
        if jp.personalization.personal_data_allowed() {
            assert_eq!(banner(&jp, "/"), 0, "not a targeted market");
        }
        let mobile = [("sec-ch-ua-mobile", "?1")];
        assert_eq!(Device::from_headers(&mobile[..]), Device::Mobile);
        let ipad = [(
            "user-agent",
            "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)",
        )];
        assert_eq!(Device::from_headers(&ipad[..]), Device::Tablet);
        let none: [(&str, &str); 0] = [];
        assert_eq!(Device::from_headers(&none[..]), Device::Desktop);
    }

    #[test]
    fn without_a_key_or_where_ids_are_not_issued_nothing_is_remembered() {
        let defs = Definitions::shipped().expect("defs");
        let us = admit_shopper("US", "en-US", Purpose::Render);
        let keyless = Context {
            identity_available: false,
            ..ctx(&us, Sent::None, id(1))
        };
        let a = assign(&defs, keyless, &no_bandit);
        assert_eq!(
            (a.personalized, a.reason.as_str()),
            (false, "identity-unconfigured")
        );
        assert_eq!(a.identity, Identity::None);
        let cached = Context {
            may_issue: false,
            ..ctx(&us, Sent::None, id(1))
        };
        let a = assign(&defs, cached, &no_bandit);
        assert_eq!(
            (a.personalized, a.reason.as_str()),
            (false, "identity-not-issued-here")
        );
        assert_eq!(a.variant(), "");
        // A shopper with a cookie is assigned there, and it is not re-set.
        let p = Profile::issue(id(9), now());
        let with = Context {
            may_issue: false,
            ..ctx(&us, Sent::Valid(p.clone()), id(1))
        };
        let a = assign(&defs, with, &no_bandit);
        assert!(a.personalized);
        assert!(
            a.headers(None, now())
                .iter()
                .all(|(n, _)| n != "set-cookie")
        );
    }
}
