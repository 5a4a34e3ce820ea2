//! [`decide`]: one request's compliance decision (market, residency,
//! consent, territory), each part with its reason, and the refusal it
//! implies.

use serde::{Deserialize, Serialize};

use super::consent::{self, ConsentDecision, ConsentOutcome, ConsentRequired, ConsentSignals};
use super::reason::Reason;
use super::residency::{self, ResidencyDecision};
use super::set::{PackSet, normalise_subdivision};
use super::territory::{self, TerritoryDecision, TerritoryQuery};
use crate::http::response::{Refusal, Response};

/// The header that carries [`PackSet::version`] on responses.
pub const POLICY_VERSION_HEADER: &str = "meridian-policy-version";

/// What the request wants to do with the shopper.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// Render content; no personal data.
    #[default]
    Render,
    /// Personalised content (profiles, recommendations).
    Personalize,
    /// Virtual try-on: biometric (face geometry) processing.
    TryOn,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Render => "render",
            Purpose::Personalize => "personalize",
            Purpose::TryOn => "try-on",
        }
    }

    pub fn uses_personal_data(self) -> bool {
        !matches!(self, Purpose::Render)
    }
}

/// What a request tells the policy. Host-independent: the component reads
/// headers, cookies and its geo data and fills this in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PolicyInput<'a> {
    /// ISO 3166-1 alpha-2 (any case); unknown or empty uses the default pack.
    pub country: &'a str,
    /// `US-CA` (or `CA` with the country).
    pub subdivision: Option<&'a str>,
    /// The raw TC string, if any ([`consent::tc_string`] finds it).
    pub tcf: Option<&'a str>,
    /// The raw GPP string and its `gpp_sid`, if any ([`consent::gpp_string`]).
    pub gpp: Option<&'a str>,
    pub gpp_sid: Option<&'a str>,
    /// `Sec-GPC: 1` ([`consent::gpc_signal`]).
    pub gpc: bool,
    /// The site's own opt-in to personalisation (markets with `opt-in`).
    pub personalization_opt_in: bool,
    /// Explicit opt-in to biometric processing (try-on).
    pub biometric_opt_in: bool,
    pub purpose: Purpose,
    pub sku: Option<&'a str>,
    pub category: Option<&'a str>,
    /// A verified age; never an unverified claim.
    pub age: Option<u8>,
    /// The page's language, for prompt texts.
    pub locale: Option<&'a str>,
}

impl<'a> PolicyInput<'a> {
    pub fn new(country: &'a str, purpose: Purpose) -> PolicyInput<'a> {
        PolicyInput {
            country,
            purpose,
            ..PolicyInput::default()
        }
    }
}

/// The decision for one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The pack used (`DE`, `US-CA`, `ZZ`).
    pub market: String,
    /// How it was found: `market-pack`, `market-pack-subdivision`,
    /// `market-pack-country-fallback`, `market-pack-default`.
    pub market_reason: Reason,
    /// The request's country, upper case (may be empty).
    pub country: String,
    pub subdivision: Option<String>,
    pub policy_version: String,
    pub policy_url: String,
    pub purpose: Purpose,
    pub residency: ResidencyDecision,
    pub consent: ConsentDecision,
    pub territory: TerritoryDecision,
}

/// A refusal with the headers and JSON body the page acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRefusal {
    pub refusal: Refusal,
    /// The decision's reason code (`territory-not-licensed`, `biometric-opt-in-required`, ...).
    pub reason: &'static str,
    /// `Link: <policy_url>; rel="blocked-by"` for 451, the policy version.
    pub headers: Vec<(String, String)>,
    /// For 403 `consent-required`: what to ask.
    pub consent: Option<ConsentRequired>,
    pub policy_url: String,
    pub policy_version: String,
}

#[derive(Serialize)]
struct RefusalBody<'a> {
    #[serde(rename = "type")]
    problem_type: String,
    title: String,
    status: u16,
    code: &'a str,
    detail: &'a str,
    message: &'a str,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    consent: Option<&'a ConsentRequired>,
    policy_url: &'a str,
    policy_version: &'a str,
}

impl PolicyRefusal {
    /// The JSON body: Meridian's problem details (RFC 9457 `type`,
    /// `title`, `status`, `detail`, with `code` and `message`) plus `reason`, `consent` (when asking), `policy_url` and
    /// `policy_version`.
    pub fn body(&self) -> Vec<u8> {
        let body = RefusalBody {
            problem_type: meridian_wit::rpc::problem_type(&self.refusal.code),
            title: meridian_wit::rpc::problem_title(&self.refusal.code),
            status: self.refusal.status,
            code: &self.refusal.code,
            detail: &self.refusal.message,
            message: &self.refusal.message,
            reason: self.reason,
            consent: self.consent.as_ref(),
            policy_url: &self.policy_url,
            policy_version: &self.policy_version,
        };
        serde_json::to_vec(&body).unwrap_or_else(|_| self.refusal.clone().into_response().body)
    }

    pub fn into_response(self) -> Response {
        let body = self.body();
        let mut response = Response::new(self.refusal.status)
            .header("content-type", meridian_wit::rpc::PROBLEM_JSON)
            .header("cache-control", "no-store");
        for (name, value) in self.headers {
            response = response.header(&name, value);
        }
        response.body(body)
    }
}

impl Decision {
    /// Whether personal data may be processed for the purpose.
    pub fn personal_data_allowed(&self) -> bool {
        self.purpose.uses_personal_data()
            && self.consent.outcome == ConsentOutcome::Granted
            && !self.territory.blocked
    }

    /// What to actually do: the purpose, or `Render` when personal data is
    /// not allowed (serve the non-personalised page).
    pub fn effective_purpose(&self) -> Purpose {
        if self.personal_data_allowed() {
            self.purpose
        } else {
            Purpose::Render
        }
    }

    /// The reason codes: market, residency, consent, territory.
    pub fn reasons(&self) -> [&'static str; 4] {
        [
            self.market_reason.code,
            self.residency.reason.code,
            self.consent.reason.code,
            self.territory.reason.code,
        ]
    }

    /// `allow`, `render-only` (personal data refused; serve without it),
    /// `consent-required` or `blocked`.
    pub fn outcome(&self) -> &'static str {
        if self.territory.blocked {
            "blocked"
        } else if matches!(self.consent.outcome, ConsentOutcome::Required(_)) {
            "consent-required"
        } else if self.consent.outcome == ConsentOutcome::Denied {
            "render-only"
        } else {
            "allow"
        }
    }

    /// Headers every response under this decision carries.
    pub fn headers(&self) -> Vec<(String, String)> {
        vec![(
            POLICY_VERSION_HEADER.to_owned(),
            self.policy_version.clone(),
        )]
    }

    /// The refusal, if the request may not go on: 451 (RFC 7725) with
    /// `Link: <policy_url>; rel="blocked-by"` for a territorial block, 403
    /// `consent-required` when the page must ask first. `None` otherwise;
    /// a refused personalisation is not a refusal (serve
    /// [`Decision::effective_purpose`]).
    pub fn refusal(&self) -> Option<PolicyRefusal> {
        if self.territory.blocked {
            let reason = &self.territory.reason;
            return Some(PolicyRefusal {
                refusal: Refusal::new(451, reason.code, reason.detail.clone()),
                reason: reason.code,
                headers: vec![
                    (
                        "link".to_owned(),
                        format!("<{}>; rel=\"blocked-by\"", self.policy_url),
                    ),
                    (
                        POLICY_VERSION_HEADER.to_owned(),
                        self.policy_version.clone(),
                    ),
                ],
                consent: None,
                policy_url: self.policy_url.clone(),
                policy_version: self.policy_version.clone(),
            });
        }
        if let ConsentOutcome::Required(required) = &self.consent.outcome {
            let reason = &self.consent.reason;
            return Some(PolicyRefusal {
                refusal: Refusal::new(403, "consent-required", reason.detail.clone()),
                reason: reason.code,
                headers: vec![(
                    POLICY_VERSION_HEADER.to_owned(),
                    self.policy_version.clone(),
                )],
                consent: Some(required.clone()),
                policy_url: self.policy_url.clone(),
                policy_version: self.policy_version.clone(),
            });
        }
        None
    }
}

/// Decides a request against the packs in force.
pub fn decide(input: &PolicyInput<'_>, packs: &PackSet) -> Decision {
    let country = input.country.trim().to_ascii_uppercase();
    let subdivision = input
        .subdivision
        .and_then(|s| normalise_subdivision(&country, s));
    let found = packs.market(&country, subdivision.as_deref());
    let pack = found.pack;
    let market_detail = match found.reason {
        "market-pack-default" => format!(
            "no pack for {:?}: the default pack applies",
            if country.is_empty() {
                "(unknown)"
            } else {
                country.as_str()
            }
        ),
        "market-pack-country-fallback" => format!(
            "no pack for {}: the {} pack applies",
            subdivision
                .as_deref()
                .or(input.subdivision)
                .unwrap_or("the subdivision"),
            pack.market
        ),
        _ => format!("{} pack {}", pack.market, pack.version),
    };
    let residency = residency::decide(input.purpose, pack);
    let consent = consent::decide(
        input.purpose,
        pack,
        packs.merchant(),
        &ConsentSignals {
            tcf: input.tcf,
            gpp: input.gpp,
            gpp_sid: input.gpp_sid,
            gpc: input.gpc,
            personalization_opt_in: input.personalization_opt_in,
            biometric_opt_in: input.biometric_opt_in,
            locale: input.locale,
        },
    );
    let territory = territory::decide(
        &TerritoryQuery {
            country: &country,
            subdivision: subdivision.as_deref(),
            sku: input.sku,
            category: input.category,
            age: input.age,
        },
        pack,
        packs.merchant(),
        packs.embargo(),
    );
    Decision {
        market: pack.market.clone(),
        market_reason: Reason::new(found.reason, market_detail),
        country,
        subdivision,
        policy_version: packs.version().to_owned(),
        policy_url: pack.policy_url.clone(),
        purpose: input.purpose,
        residency,
        consent,
        territory,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::audit::AuditRecord;
    use crate::policy::consent::tcf::VendorSet;
    use crate::policy::consent::tcf_encode::{VendorEncoding, base, encode, purposes};
    use crate::policy::residency::Regions;

    fn packs() -> PackSet {
        PackSet::embedded().expect("shipped packs validate")
    }

    fn tc_string(consent: &[u8], vendor: u16) -> String {
        let mut tc = base();
        tc.purposes_consent = purposes(consent);
        tc.vendor_consents = VendorSet::from_ids([vendor], 0);
        encode(&tc, VendorEncoding::Auto)
    }

    fn only(regions: &[&str]) -> Regions {
        Regions::Only(regions.iter().map(|r| (*r).to_owned()).collect())
    }

    #[test]
    fn de_personalisation_with_tcf_consent() {
        let packs = packs();
        let s = tc_string(&[1, 5, 6], 4040);
        let input = PolicyInput {
            tcf: Some(&s),
            ..PolicyInput::new("de", Purpose::Personalize)
        };
        let d = decide(&input, &packs);
        assert_eq!(d.market, "DE");
        assert_eq!(
            d.reasons(),
            [
                "market-pack",
                "residency-eu-gdpr",
                "consent-tcf-granted",
                "territory-allowed"
            ]
        );
        assert_eq!(d.residency.regions, only(&["eu"]));
        assert!(d.personal_data_allowed());
        assert_eq!(
            (d.outcome(), d.effective_purpose()),
            ("allow", Purpose::Personalize)
        );
        assert_eq!(d.refusal(), None);
        assert_eq!(d.policy_version, packs.version());
        assert_eq!(
            d.headers(),
            vec![(POLICY_VERSION_HEADER.to_owned(), packs.version().to_owned())]
        );
    }

    #[test]
    fn de_personalisation_without_or_with_bad_consent_renders_only() {
        let packs = packs();
        for (tcf, code) in [
            (None, "consent-tcf-missing"),
            (Some("garbage!"), "consent-tcf-malformed"),
            (
                Some(
                    "CQNIGUAQNIGUAA4ACAFRBdFgALAAAAEgAAIgKRwBYAFgAbABgAGQCmgOHgpECkYBEQA4AFAAWAEUARAAAAAA",
                ),
                "consent-tcf-purpose-5-missing",
            ),
        ] {
            let d = decide(
                &PolicyInput {
                    tcf,
                    ..PolicyInput::new("DE", Purpose::Personalize)
                },
                &packs,
            );
            assert_eq!(d.consent.reason.code, code);
            assert_eq!(
                (d.outcome(), d.effective_purpose()),
                ("render-only", Purpose::Render)
            );
            assert_eq!(
                d.refusal(),
                None,
                "a refused personalisation is not a refusal"
            );
        }
    }

    #[test]
    fn gpc_is_an_opt_out_in_california_but_not_virginia() {
        let packs = packs();
        let ca = decide(
            &PolicyInput {
                subdivision: Some("CA"),
                gpc: true,
                ..PolicyInput::new("US", Purpose::Personalize)
            },
            &packs,
        );
        assert_eq!(
            (ca.market.as_str(), ca.consent.reason.code),
            ("US-CA", "gpc-opt-out")
        );
        assert_eq!(ca.market_reason.code, "market-pack-subdivision");
        assert_eq!(ca.residency.regions, only(&["us", "eu"]));
        let va = decide(
            &PolicyInput {
                subdivision: Some("US-VA"),
                gpc: true,
                ..PolicyInput::new("US", Purpose::Personalize)
            },
            &packs,
        );
        assert_eq!(
            (va.market.as_str(), va.consent.reason.code),
            ("US-VA", "consent-opt-out-not-exercised")
        );
        for state in ["US-CO", "US-TX"] {
            let d = decide(
                &PolicyInput {
                    subdivision: Some(state),
                    gpc: true,
                    ..PolicyInput::new("US", Purpose::Personalize)
                },
                &packs,
            );
            assert_eq!(d.consent.reason.code, "gpc-opt-out", "{state}");
        }
    }

    #[test]
    fn state_falls_back_to_us_and_unknown_countries_to_the_default() {
        let packs = packs();
        let ny = decide(
            &PolicyInput {
                subdivision: Some("US-NY"),
                ..PolicyInput::new("US", Purpose::Render)
            },
            &packs,
        );
        assert_eq!(
            (ny.market.as_str(), ny.market_reason.code),
            ("US", "market-pack-country-fallback")
        );
        let bo = decide(&PolicyInput::new("BO", Purpose::Personalize), &packs);
        assert_eq!(
            (bo.market.as_str(), bo.market_reason.code),
            ("ZZ", "market-pack-default")
        );
        assert_eq!(bo.residency.regions, only(&["eu"]));
        assert_eq!(bo.residency.reason.code, "residency-default-strict");
        assert_eq!(bo.consent.reason.code, "consent-opt-in-missing");
        let nowhere = decide(&PolicyInput::new("", Purpose::Render), &packs);
        assert_eq!(nowhere.market, "ZZ");
    }

    #[test]
    fn residency_per_market() {
        let packs = packs();
        for (country, regions, code) in [
            ("CN", &["cn"][..], "residency-cn-pipl"),
            ("NO", &["eu"], "residency-eu-gdpr"),
            ("GB", &["uk", "eu"], "residency-uk-gdpr"),
            ("KR", &["kr"], "residency-kr-pipa"),
            ("VN", &["vn"], "residency-vn-pdp"),
            ("SA", &["sa"], "residency-sa-pdpl"),
            ("JP", &["jp", "eu", "uk"], "residency-jp-appi"),
        ] {
            let d = decide(&PolicyInput::new(country, Purpose::TryOn), &packs);
            assert_eq!(
                (d.residency.regions.clone(), d.residency.reason.code),
                (only(regions), code),
                "{country}"
            );
        }
        let render = decide(&PolicyInput::new("CN", Purpose::Render), &packs);
        assert_eq!(render.residency.regions, Regions::Any);
        assert!(render.residency.regions.allows("us"));
    }

    #[test]
    fn try_on_asks_with_a_403_the_page_can_act_on() {
        let packs = packs();
        let d = decide(
            &PolicyInput {
                locale: Some("de-AT"),
                ..PolicyInput::new("DE", Purpose::TryOn)
            },
            &packs,
        );
        assert_eq!(
            (d.consent.reason.code, d.outcome()),
            ("biometric-opt-in-required", "consent-required")
        );
        let refusal = d.refusal().expect("must ask first");
        assert_eq!(
            (refusal.refusal.status, refusal.refusal.code.as_str()),
            (403, "consent-required")
        );
        let response = refusal.into_response();
        assert_eq!(response.status, 403);
        assert_eq!(response.get("cache-control"), Some("no-store"));
        assert_eq!(response.get(POLICY_VERSION_HEADER), Some(packs.version()));
        let body: serde_json::Value = serde_json::from_slice(&response.body).expect("json body");
        assert_eq!(body["code"], "consent-required");
        assert_eq!(body["reason"], "biometric-opt-in-required");
        assert_eq!(body["consent"]["kind"], "biometric");
        assert_eq!(body["consent"]["locale"], "de");
        assert!(
            body["consent"]["prompt"]
                .as_str()
                .is_some_and(|p| p.contains("Einwilligung"))
        );
        assert!(
            body["consent"]["basis"]
                .as_str()
                .is_some_and(|b| b.contains("Art. 9"))
        );

        let given = decide(
            &PolicyInput {
                biometric_opt_in: true,
                ..PolicyInput::new("DE", Purpose::TryOn)
            },
            &packs,
        );
        assert_eq!(
            (given.consent.reason.code, given.refusal()),
            ("biometric-opt-in-given", None)
        );
    }

    #[test]
    fn biometric_opt_in_follows_the_law_and_the_merchant() {
        let packs = packs();
        let code = |country: &str, sub: Option<&str>| {
            decide(
                &PolicyInput {
                    subdivision: sub,
                    ..PolicyInput::new(country, Purpose::TryOn)
                },
                &packs,
            )
            .consent
            .reason
            .code
        };
        assert_eq!(code("JP", None), "biometric-notice-only");
        assert_eq!(code("US", None), "biometric-notice-only");
        for (c, s) in [
            ("US", Some("IL")),
            ("US", Some("TX")),
            ("US", Some("WA")),
            ("CN", None),
            ("KR", None),
            ("BR", None),
            ("IN", None),
        ] {
            assert_eq!(code(c, s), "biometric-opt-in-required", "{c} {s:?}");
        }
        // California law does not require opt-in; the merchant does.
        assert_eq!(code("US", Some("CA")), "biometric-opt-in-required");
        let ca = packs.pack("US-CA").expect("CA pack");
        assert!(
            ca.merchant_notes
                .iter()
                .any(|n| n.contains("biometric_opt_in"))
        );
    }

    #[test]
    fn territorial_blocks_are_451_with_a_blocked_by_link() {
        let packs = packs();
        let d = decide(
            &PolicyInput {
                sku: Some("MRD-ORBIT-TITANIUM"),
                ..PolicyInput::new("JP", Purpose::Render)
            },
            &packs,
        );
        assert_eq!(d.territory.reason.code, "territory-not-licensed");
        let refusal = d.refusal().expect("blocked");
        assert_eq!(refusal.refusal.status, 451);
        assert_eq!(refusal.refusal.code, "territory-not-licensed");
        let response = refusal.into_response();
        assert_eq!(
            response.get("link"),
            Some("<https://meridian.example/legal/policy/jp>; rel=\"blocked-by\"")
        );
        let body: serde_json::Value = serde_json::from_slice(&response.body).expect("json");
        assert_eq!(
            (body["status"].as_u64(), body["code"].as_str()),
            (Some(451), Some("territory-not-licensed"))
        );
        assert_eq!(
            body["policy_url"],
            "https://meridian.example/legal/policy/jp"
        );

        let ok = decide(
            &PolicyInput {
                sku: Some("MRD-ORBIT-TITANIUM"),
                ..PolicyInput::new("NO", Purpose::Render)
            },
            &packs,
        );
        assert!(!ok.territory.blocked);
    }

    #[test]
    fn embargoes_categories_and_age_gates() {
        let packs = packs();
        let code = |input: PolicyInput<'_>| decide(&input, &packs).territory.reason.code;
        assert_eq!(code(PolicyInput::new("KP", Purpose::Render)), "embargoed");
        assert_eq!(
            code(PolicyInput {
                subdivision: Some("UA-43"),
                ..PolicyInput::new("UA", Purpose::Render)
            }),
            "embargoed"
        );
        assert_eq!(
            code(PolicyInput {
                subdivision: Some("UA-30"),
                ..PolicyInput::new("UA", Purpose::Render)
            }),
            "territory-allowed"
        );
        assert_eq!(
            code(PolicyInput {
                sku: Some("MRD-AURORA-WATCH"),
                ..PolicyInput::new("RU", Purpose::Render)
            }),
            "embargoed"
        );
        assert_eq!(
            code(PolicyInput {
                sku: Some("MRD-SILK-SCARF"),
                ..PolicyInput::new("RU", Purpose::Render)
            }),
            "territory-allowed"
        );
        assert_eq!(
            code(PolicyInput {
                category: Some("alcohol"),
                age: Some(40),
                ..PolicyInput::new("SA", Purpose::Render)
            }),
            "category-restricted"
        );
        let jp = |age| PolicyInput {
            sku: Some("MRD-RIESLING-2023"),
            age,
            ..PolicyInput::new("JP", Purpose::Render)
        };
        assert_eq!(code(jp(Some(19))), "age-gate");
        assert_eq!(code(jp(None)), "age-gate");
        assert_eq!(code(jp(Some(20))), "territory-allowed");
        let us = |sub, age| PolicyInput {
            subdivision: Some(sub),
            sku: Some("MRD-RIESLING-2023"),
            age: Some(age),
            ..PolicyInput::new("US", Purpose::Render)
        };
        assert_eq!(code(us("UT", 30)), "territory-not-licensed");
        assert_eq!(code(us("NY", 20)), "age-gate");
        assert_eq!(code(us("NY", 21)), "territory-allowed");
        // The merchant's 21+ for vaping is stricter than Korea's 19.
        let kr = decide(
            &PolicyInput {
                sku: Some("MRD-CLOUD-VAPE"),
                age: Some(20),
                ..PolicyInput::new("KR", Purpose::Render)
            },
            &packs,
        );
        assert_eq!(
            (kr.territory.reason.code, kr.territory.min_age),
            ("age-gate", Some(21))
        );
        assert_eq!(
            code(PolicyInput {
                sku: Some("MRD-CLOUD-VAPE"),
                age: Some(30),
                ..PolicyInput::new("BR", Purpose::Render)
            }),
            "category-restricted"
        );
    }

    #[test]
    fn audit_lines_carry_no_personal_data() {
        let packs = packs();
        let s = tc_string(&[1, 5, 6], 4040);
        let d = decide(
            &PolicyInput {
                tcf: Some(&s),
                age: Some(47),
                ..PolicyInput::new("FR", Purpose::Personalize)
            },
            &packs,
        );
        let record = AuditRecord::new(
            &d,
            1_790_000_000,
            Some("MRD-SILK-SCARF"),
            Some("203.0.113.0/24"),
        );
        let line = record.to_json_line();
        assert!(!line.contains('\n'));
        assert!(!line.contains(&s), "no raw TC string");
        assert!(!line.contains("47"), "no age");
        let v: serde_json::Value = serde_json::from_str(&line).expect("one JSON object");
        assert_eq!(v["market"], "FR");
        assert_eq!(v["policy_version"], packs.version());
        assert_eq!(v["purpose"], "personalize");
        assert_eq!(v["outcome"], "allow");
        assert_eq!(v["reasons"]["consent"], "consent-tcf-granted");
        assert_eq!(v["reasons"]["residency"], "residency-eu-gdpr");
        assert_eq!(v["regions"], serde_json::json!(["eu"]));
        assert_eq!(v["consent"]["framework"], "tcf");
        assert_eq!(v["consent"]["tcf"]["cmp_id"], 300);
        assert_eq!(v["consent"]["tcf"]["policy_version"], 5);
        assert_eq!(
            v["consent"]["tcf"]["purposes"],
            serde_json::json!([1, 5, 6])
        );
        assert_eq!(v["consent"]["tcf"]["vendor_consent"], true);
        assert_eq!(v["client_network"], "203.0.113.0/24");
        assert_eq!(v["time"], "2026-09-21T14:13:20Z");

        let full_ip = AuditRecord::new(&d, 0, None, Some("203.0.113.77"));
        assert_eq!(full_ip.client_network, None);
        assert!(!full_ip.to_json_line().contains("203.0.113.77"));

        let bad = decide(
            &PolicyInput {
                tcf: Some("CQ+broken"),
                ..PolicyInput::new("DE", Purpose::Personalize)
            },
            &packs,
        );
        let v: serde_json::Value =
            serde_json::from_str(&AuditRecord::new(&bad, 0, None, None).to_json_line())
                .expect("json");
        assert_eq!(v["consent"]["tcf_error"], "tcf-not-base64url");
        assert_eq!(v["outcome"], "render-only");
        assert!(v.get("client_network").is_none());
    }

    #[test]
    fn labels_and_copy_with_the_shipped_packs() {
        use crate::policy::{ai_label, scrub_copy};
        let packs = packs();
        let de = packs.pack("DE").expect("DE");
        let label = ai_label(de, "de-CH");
        assert_eq!(
            (label.text.as_str(), label.visible, label.machine_readable),
            ("KI-generiert", true, true)
        );
        assert!(label.basis.contains("Art. 50"));
        let cn = packs.pack("CN").expect("CN");
        assert_eq!(ai_label(cn, "zh-CN").text, "由人工智能生成");
        // The US has no labelling law; the merchant embeds provenance everywhere.
        let us = ai_label(packs.pack("US").expect("US"), "en-US");
        assert_eq!((us.visible, us.machine_readable), (false, true));
        let r = scrub_copy("全网最佳太阳镜，国家级工艺，独一无二！", cn);
        assert_eq!(r.text, "全网***太阳镜，***工艺，***！");
        assert_eq!(r.hits.len(), 3);
        assert!(r.hits.iter().all(|h| h.reason.contains("广告法")));
        let r = scrub_copy("Testsieger 2026: diese Brille heilt Kopfschmerzen", de);
        assert_eq!(r.text, "*** 2026: diese Brille *** Kopfschmerzen");
    }

    #[test]
    fn purposes_serialise_in_kebab_case() {
        assert_eq!(
            serde_json::to_string(&Purpose::TryOn).expect("json"),
            "\"try-on\""
        );
        assert_eq!(Purpose::TryOn.as_str(), "try-on");
        assert!(!Purpose::Render.uses_personal_data());
    }
}
