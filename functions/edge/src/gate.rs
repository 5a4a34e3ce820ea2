//! The first step of every edge route: who the shopper is (market, locale)
//! and what the market's law and the merchant's policy allow for this
//! request. Routes call [`admit`] before they personalise, cache or call a
//! backend, answer [`Admission::refusal`] when there is one, and put
//! [`Admission::headers`] on every response.

use serde::Serialize;

use crate::http::response::{Refusal, Response};
use crate::market::{
    CountryDbSource, CountryResolution, LocaleChoice, MarketConfig, RequestHeaders,
    negotiate_locale, resolve_country, truncate_ip,
};
use crate::policy::consent::{GPP_HEADER, GPP_SID_HEADER, gpc_signal, gpp_string, tc_string};
use crate::policy::pack::{MarketPack, TaxDisplay, Units};
use crate::policy::stored::{FALLBACK_HEADER, Fallback};
use crate::policy::{
    AiLabelRule, AuditRecord, CompiledPacks, Decision, PackSet, PolicyInput, Purpose, ai_label,
    decide,
};

/// Response headers that say what was decided.
pub const MARKET_HEADER: &str = "meridian-market";
pub const MARKET_SOURCE_HEADER: &str = "meridian-market-source";
pub const LOCALE_HEADER: &str = "meridian-locale";
pub const CURRENCY_HEADER: &str = "meridian-currency";
pub const DECISION_HEADER: &str = "meridian-decision";

/// The request header a page sets after the shopper said yes to a prompt:
/// a comma-separated list of `biometric` and `personalization`.
pub const OPT_IN_HEADER: &str = "meridian-consent";

/// What a route asks the gate about.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ask<'a> {
    pub purpose: Purpose,
    /// The product the response is about, if any.
    pub sku: Option<&'a str>,
    pub category: Option<&'a str>,
}

/// What the gate decided for one request.
#[derive(Debug, Clone, Serialize)]
pub struct Admission {
    pub country: CountryResolution,
    pub locale: LocaleChoice,
    pub currency: String,
    pub tax_display: TaxDisplay,
    pub units: Units,
    pub decision: Decision,
    /// The decision for `Purpose::Personalize`: whether this shopper may
    /// get an identity, sticky variants and personal recommendations.
    pub personalization: Decision,
    pub ai_label: AiLabelRule,
    /// The packs this request's country needs, for per-product decisions.
    #[serde(skip)]
    set: PackSet,
    /// Set when the shipped packs stand in for a stored set that cannot be
    /// used (set by the host adapter, which reads the store).
    pub policy_fallback: Option<Fallback>,
    /// How long the host took to load the gate's inputs and decide, for
    /// `Server-Timing` (set by the host adapter, which has the clock).
    #[serde(skip)]
    pub elapsed: Option<std::time::Duration>,
}

/// The first value of a header, as text.
pub fn header<'a, H: RequestHeaders + ?Sized>(headers: &'a H, name: &str) -> Option<&'a str> {
    let mut found = None;
    headers.for_each_value(name, &mut |v| {
        if found.is_none() {
            found = std::str::from_utf8(v).ok();
        }
    });
    found
}

/// A query parameter's raw value (`?locale=de-CH`); values here are tags
/// and base64url, which need no percent-decoding.
pub fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

fn opted_in<H: RequestHeaders + ?Sized>(headers: &H, what: &str) -> bool {
    let mut yes = false;
    headers.for_each_value(OPT_IN_HEADER, &mut |v| {
        yes |= std::str::from_utf8(v)
            .unwrap_or_default()
            .split(',')
            .any(|item| item.trim().eq_ignore_ascii_case(what));
    });
    yes
}

/// Decides a request: country, locale, then the policy of its market.
/// `peer` is Spin's `spin-client-addr`; `query` the URL's query string.
pub fn admit<'d, H: RequestHeaders + ?Sized>(
    headers: &H,
    peer: Option<&str>,
    query: &str,
    ask: Ask<'_>,
    config: &MarketConfig,
    db: impl CountryDbSource<'d>,
    packs: &CompiledPacks<'_>,
) -> Result<Admission, Refusal> {
    let country = resolve_country(headers, peer, config, db);
    let set = packs
        .for_country(&country.country, country.subdivision.as_deref())
        .map_err(|e| Refusal::new(500, "policy-unavailable", e.to_string()))?;
    let pack = set
        .market(&country.country, country.subdivision.as_deref())
        .pack;
    let languages: Vec<&str> = pack
        .storefront
        .languages
        .iter()
        .map(String::as_str)
        .collect();
    let locale = negotiate_locale(
        header(headers, "accept-language"),
        query_param(query, "locale"),
        &languages,
        pack.default_language(),
    );
    let (gpp, gpp_sid) = gpp_string(
        header(headers, GPP_HEADER),
        header(headers, GPP_SID_HEADER),
        Some(query),
        header(headers, "cookie"),
    );
    let input = PolicyInput {
        country: &country.country,
        subdivision: country.subdivision.as_deref(),
        tcf: tc_string(
            header(headers, "x-tcf-consent"),
            Some(query),
            header(headers, "cookie"),
        ),
        gpp,
        gpp_sid,
        gpc: gpc_signal(header(headers, "sec-gpc")),
        personalization_opt_in: opted_in(headers, "personalization"),
        biometric_opt_in: opted_in(headers, "biometric"),
        purpose: ask.purpose,
        sku: ask.sku,
        category: ask.category,
        // Only a verified age counts, and no route verifies one yet.
        age: None,
        locale: Some(&locale.locale),
    };
    let decision = decide(&input, &set);
    // Personalization is decided for every request, whatever the route
    // asks: pages and assets personalize only where this says so.
    let personalization = if ask.purpose == Purpose::Personalize {
        decision.clone()
    } else {
        decide(
            &PolicyInput {
                purpose: Purpose::Personalize,
                sku: None,
                category: None,
                ..input
            },
            &set,
        )
    };
    Ok(Admission {
        personalization,
        currency: pack.storefront.currency.clone(),
        tax_display: pack.storefront.tax_display,
        units: pack.storefront.units,
        ai_label: ai_label(pack, &locale.locale),
        country,
        locale,
        decision,
        set,
        policy_fallback: None,
        elapsed: None,
    })
}

impl Admission {
    /// Prices in this admission's currency for its locale; `None` (prices
    /// shown "on request") if the locale data cannot format them, which
    /// the locale data tests rule out for every shipped market.
    pub fn price_format(&self) -> Option<crate::locale_format::PriceFormat> {
        let currency = crate::locale_format::CurrencyCode::parse(&self.currency).ok()?;
        crate::locale_format::LocaleFormat::new(&self.locale.locale)
            .and_then(|f| f.prices(currency))
            .ok()
    }

    /// The market's pack (with the merchant's overrides) this admission used.
    pub fn pack(&self) -> &MarketPack {
        self.set
            .market(&self.country.country, self.country.subdivision.as_deref())
            .pack
    }

    /// Whether a product may be offered to this shopper (territorial
    /// rights, restricted categories, embargoes), for pages that list many.
    pub fn product(&self, sku: &str, category: Option<&str>) -> Decision {
        decide(
            &PolicyInput {
                country: &self.country.country,
                subdivision: self.country.subdivision.as_deref(),
                purpose: Purpose::Render,
                sku: Some(sku),
                category,
                locale: Some(&self.locale.locale),
                ..PolicyInput::default()
            },
            &self.set,
        )
    }

    /// Headers every response under this admission carries.
    pub fn headers(&self) -> Vec<(String, String)> {
        let source = match &self.country.source {
            crate::market::CountrySource::GeoHeader { .. } => "geo-header",
            crate::market::CountrySource::IpDatabase => "ip-database",
            crate::market::CountrySource::Default => "default",
        };
        let mut headers = vec![
            (MARKET_HEADER.to_owned(), self.decision.market.clone()),
            (
                MARKET_SOURCE_HEADER.to_owned(),
                format!("{source}; reason={}", self.country.reason),
            ),
            (LOCALE_HEADER.to_owned(), self.locale.locale.clone()),
            (CURRENCY_HEADER.to_owned(), self.currency.clone()),
            (
                DECISION_HEADER.to_owned(),
                self.decision.outcome().to_owned(),
            ),
        ];
        headers.extend(self.decision.headers());
        if let Some(fallback) = self.policy_fallback {
            headers.push((FALLBACK_HEADER.to_owned(), fallback.code().to_owned()));
        }
        if let Some(elapsed) = self.elapsed {
            headers.push((
                "server-timing".to_owned(),
                format!("gate;dur={:.3}", elapsed.as_secs_f64() * 1000.0),
            ));
        }
        headers
    }

    /// Puts [`Admission::headers`] on a response (those it does not have yet).
    pub fn stamp(&self, mut response: Response) -> Response {
        for (name, value) in self.headers() {
            if response.get(&name).is_none() {
                response.headers.push((name, value));
            }
        }
        response
    }

    /// The response to send instead of the route's own: 451 with a `Link`
    /// to the policy for a territorial block, 403 `consent-required` when
    /// the page must ask first.
    pub fn refusal(&self) -> Option<Response> {
        self.decision
            .refusal()
            .map(|r| self.stamp(r.into_response()))
    }

    /// The audit line for this decision: reason codes, the policy version,
    /// a consent summary and the client's network, never an address or a
    /// raw consent string.
    pub fn audit_line(&self, unix_seconds: u64, sku: Option<&str>) -> String {
        let network = self.country.client_ip.map(truncate_ip);
        AuditRecord::new(&self.decision, unix_seconds, sku, network.as_deref()).to_json_line()
    }

    /// The JSON `GET /v1/market` answers: the admission, its outcome, and
    /// the refusal a gated route would give for the same request.
    pub fn to_json(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Refused<'a> {
            status: u16,
            code: &'a str,
            reason: &'static str,
        }
        #[derive(Serialize)]
        struct View<'a> {
            #[serde(flatten)]
            admission: &'a Admission,
            outcome: &'static str,
            refusal: Option<Refused<'a>>,
        }
        let refusal = self.decision.refusal();
        let view = View {
            admission: self,
            outcome: self.decision.outcome(),
            refusal: refusal.as_ref().map(|r| Refused {
                status: r.refusal.status,
                code: &r.refusal.code,
                reason: r.reason,
            }),
        };
        serde_json::to_vec(&view).unwrap_or_default()
    }

    /// Things worth a log line that are not decisions: a geo header from
    /// an untrusted peer, an override the market does not offer.
    pub fn notices(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(h) = &self.country.ignored_spoofed_header {
            out.push(format!("ignored geo header from an untrusted peer: {h}"));
        }
        if let Some(h) = &self.country.rejected_geo_header {
            out.push(format!("trusted geo header was not a country: {h}"));
        }
        if let Some(o) = &self.locale.ignored_override {
            out.push(format!("locale override not offered in this market: {o}"));
        }
        out
    }
}

/// The gate as unit tests run it: the shipped packs, 10.0.0.0/8 trusted
/// as the CDN, the request arriving from 10.0.0.1.
#[cfg(test)]
pub(crate) fn admit_via_cdn(headers: &[(&str, &str)], query: &str, ask: Ask<'_>) -> Admission {
    let config = MarketConfig::from_toml("trusted_proxies = [\"10.0.0.0/8\"]").expect("config");
    let packs = CompiledPacks::embedded().expect("shipped packs");
    admit(
        headers,
        Some("10.0.0.1:1"),
        query,
        ask,
        &config,
        None,
        &packs,
    )
    .expect("admits")
}

/// A shopper of `country` with `accept_language`, admitted for `purpose`
/// (through [`admit_via_cdn`]).
#[cfg(test)]
pub(crate) fn admit_shopper(country: &str, accept_language: &str, purpose: Purpose) -> Admission {
    let headers = [
        ("cf-ipcountry", country),
        ("accept-language", accept_language),
    ];
    let ask = Ask {
        purpose,
        ..Ask::default()
    };
    admit_via_cdn(&headers, "", ask)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packs() -> CompiledPacks<'static> {
        CompiledPacks::embedded().expect("shipped packs")
    }

    fn config() -> MarketConfig {
        MarketConfig::from_toml("trusted_proxies = [\"10.0.0.0/8\"]").expect("config")
    }

    #[test]
    fn a_trusted_geo_header_sets_market_locale_and_currency() {
        let headers = [
            ("cf-ipcountry", "DE"),
            ("accept-language", "en-GB,en;q=0.8"),
        ];
        let a = admit(
            &headers,
            Some("10.1.2.3:4000"),
            "",
            Ask::default(),
            &config(),
            None,
            &packs(),
        )
        .expect("admits");
        assert_eq!(a.decision.market, "DE");
        assert_eq!(a.locale.locale, "en-GB");
        assert_eq!(a.currency, "EUR");
        let headers = a.headers();
        assert!(headers.contains(&(MARKET_HEADER.to_owned(), "DE".to_owned())));
        assert!(headers.iter().any(|(n, _)| n == "meridian-policy-version"));
    }

    #[test]
    fn a_spoofed_header_is_ignored_and_noticed() {
        let headers = [("cf-ipcountry", "CN")];
        let db = crate::market::CountryDb::embedded().expect("db");
        let a = admit(
            &headers,
            Some("8.8.8.8:5000"),
            "?locale=fr-FR",
            Ask::default(),
            &config(),
            Some(&db),
            &packs(),
        )
        .expect("admits");
        assert_ne!(a.decision.market, "CN");
        let notices = a.notices().join("\n");
        assert!(notices.contains("untrusted peer"), "{notices}");
        assert!(notices.contains("locale override"), "{notices}");
        let line = a.audit_line(0, None);
        assert!(line.contains("8.8.8.0/24"), "{line}");
        assert!(!line.contains("8.8.8.8"), "{line}");
    }

    #[test]
    fn try_on_without_opt_in_is_a_consent_prompt_and_with_it_is_allowed() {
        let ask = Ask {
            purpose: Purpose::TryOn,
            ..Ask::default()
        };
        let asking = [("cf-ipcountry", "FR")];
        let a = admit_via_cdn(&asking, "", ask);
        let refusal = a.refusal().expect("consent is required");
        assert_eq!(refusal.status, 403);
        assert_eq!(refusal.get(DECISION_HEADER), Some("consent-required"));

        let opted = [("cf-ipcountry", "FR"), (OPT_IN_HEADER, "biometric")];
        let a = admit_via_cdn(&opted, "", ask);
        assert!(a.refusal().is_none(), "{:?}", a.decision.consent);
    }

    #[test]
    fn an_unlicensed_sku_is_451_with_a_link() {
        let ask = Ask {
            sku: Some("MRD-ORBIT-TITANIUM"),
            ..Ask::default()
        };
        let headers = [("cf-ipcountry", "US")];
        let a = admit_via_cdn(&headers, "", ask);
        let refusal = a.refusal().expect("blocked");
        assert_eq!(refusal.status, 451);
        assert!(
            refusal
                .get("link")
                .is_some_and(|l| l.contains("blocked-by"))
        );
    }

    #[test]
    fn an_unlocated_shopper_gets_the_strict_pack_unless_a_default_is_named() {
        let ask = Ask {
            purpose: Purpose::Personalize,
            ..Ask::default()
        };
        let unlocated = |config: &MarketConfig| {
            admit(&[("sec-gpc", "1")], None, "", ask, config, None, &packs()).expect("admits")
        };
        let a = unlocated(&MarketConfig::default());
        assert_eq!(a.decision.market, "ZZ");
        assert_eq!(a.country.source, crate::market::CountrySource::Default);
        assert_eq!(
            a.decision.residency.regions,
            crate::policy::Regions::Only(vec!["eu".into()])
        );
        assert!(
            a.headers()
                .contains(&(MARKET_HEADER.to_owned(), "ZZ".to_owned()))
        );
        let named = MarketConfig::from_toml("default_country = \"US\"").expect("config");
        assert_eq!(unlocated(&named).decision.market, "US");
    }

    #[test]
    fn query_params() {
        assert_eq!(query_param("?a=1&locale=de-CH", "locale"), Some("de-CH"));
        assert_eq!(query_param("locale=", "locale"), None);
        assert_eq!(query_param("", "locale"), None);
    }
}
