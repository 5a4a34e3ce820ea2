//! Consent: may this request process personal data for its purpose?
//!
//! - `Render` uses no personal data: no consent is needed.
//! - `Personalize` (personalised content) follows the market's framework:
//!   - `tcf`: a valid TC string (policy version ≥ 4) with consent for
//!     purposes **1** (store/access information on a device), **5** (create
//!     profiles to personalise content) and **6** (use profiles to select
//!     personalised content), consent for the merchant's vendor id, and no
//!     publisher restriction against it. These purposes cannot rest on
//!     legitimate interest (TCF 2.2 removed LI for 3-6; 1 is consent only).
//!   - `opt-in`: the site's own explicit opt-in signal.
//!   - `opt-out`: allowed unless the shopper opted out.
//!
//!   In every framework, where the pack makes GPC binding, `Sec-GPC: 1`
//!   is an opt-out of sale/sharing and turns personalisation off.
//!
//!   A GPP string ([`gpp`]) carries the same choices per jurisdiction: a
//!   `tcf` market reads its `tcfeuv2` section when the request has no TC
//!   string of its own; the US packs read their state's section (`US-CT`
//!   → `usct`) when the string carries it and `gpp_sid` applies it, else
//!   `usnat`. A US section's opt-outs turn personalisation off as GPC
//!   does; a malformed string, or one without the section the market
//!   needs, means no personalisation. For try-on, the section's refusal of
//!   biometric processing makes even a notice-only market ask first.
//! - `TryOn` (biometric: face geometry) needs the explicit biometric
//!   opt-in where the pack requires it; else the page must ask
//!   ([`ConsentOutcome::Required`]).

mod bits;
pub mod gpp;
pub mod tcf;
#[cfg(any(test, feature = "tcf-encode"))]
pub mod tcf_encode;

use serde::Serialize;

use self::gpp::{GppError, GppString, SectionData, UsKind, UsSection};
use self::tcf::{RestrictionType, TcString, TcfError};
use super::decision::Purpose;
use super::locale;
use super::merchant::MerchantPolicy;
use super::pack::{Framework, MarketPack};
use super::reason::Reason;

/// TCF purposes personalised content needs: 1, 5 and 6.
pub const PERSONALIZE_PURPOSES: [u8; 3] = [1, 5, 6];

/// TCF purposes that may rest on legitimate interest (2, 7-11); never 1
/// or 3-6.
pub const LI_PURPOSES: [u8; 6] = [2, 7, 8, 9, 10, 11];

/// The try-on prompt when a pack has no text for the shopper's language.
pub const DEFAULT_BIOMETRIC_PROMPT: &str = "Virtual try-on maps the geometry of your face from your camera. \
     We process it only for this try-on, only with your explicit consent, and do not keep it. Allow?";

/// The name of the cookie CMPs store TC strings in.
pub const TCF_COOKIE: &str = "euconsent-v2";

/// The cookies and headers a GPP string and its applicable section ids
/// are read from (the query uses `gpp` and `gpp_sid`, as OpenRTB macros do).
pub const GPP_COOKIE: &str = "__gpp";
pub const GPP_SID_COOKIE: &str = "__gpp_sid";
pub const GPP_HEADER: &str = "x-gpp-consent";
pub const GPP_SID_HEADER: &str = "x-gpp-sid";

/// A cookie's value from a `Cookie` header (quotes removed; empty is none).
pub fn cookie_value<'a>(cookie_header: &'a str, cookie: &str) -> Option<&'a str> {
    cookie_header.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name.trim() == cookie)
            .then(|| value.trim().trim_matches('"'))
            .filter(|v| !v.is_empty())
    })
}

/// A query parameter's raw value (empty is none).
pub fn query_value<'a>(query: &'a str, param: &str) -> Option<&'a str> {
    query.trim_start_matches('?').split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        (name == param).then_some(value).filter(|v| !v.is_empty())
    })
}

/// The TC string from a `Cookie` header (`euconsent-v2=...`).
pub fn tc_string_from_cookie(cookie_header: &str) -> Option<&str> {
    cookie_value(cookie_header, TCF_COOKIE)
}

/// The TC string from a query string (`gdpr_consent=...`).
pub fn tc_string_from_query(query: &str) -> Option<&str> {
    query_value(query, "gdpr_consent")
}

/// The GPP string of a request and its `gpp_sid`, both from the first
/// place that has the string: the `x-gpp-consent` header (with
/// `x-gpp-sid`), then `?gpp=` (with `&gpp_sid=`), then the `__gpp` cookie
/// (with `__gpp_sid`), so a string never pairs with another source's ids.
pub fn gpp_string<'a>(
    header: Option<&'a str>,
    header_sid: Option<&'a str>,
    query: Option<&'a str>,
    cookie: Option<&'a str>,
) -> (Option<&'a str>, Option<&'a str>) {
    if let Some(h) = header.map(str::trim).filter(|h| !h.is_empty()) {
        return (Some(h), header_sid.map(str::trim).filter(|s| !s.is_empty()));
    }
    if let Some(q) = query.and_then(|q| query_value(q, "gpp")) {
        return (Some(q), query.and_then(|q| query_value(q, "gpp_sid")));
    }
    match cookie.and_then(|c| cookie_value(c, GPP_COOKIE)) {
        Some(c) => (
            Some(c),
            cookie.and_then(|c| cookie_value(c, GPP_SID_COOKIE)),
        ),
        None => (None, None),
    }
}

/// The TC string of a request: the `x-tcf-consent` header, then
/// `?gdpr_consent=`, then the `euconsent-v2` cookie.
pub fn tc_string<'a>(
    header: Option<&'a str>,
    query: Option<&'a str>,
    cookie: Option<&'a str>,
) -> Option<&'a str> {
    header
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .or_else(|| query.and_then(tc_string_from_query))
        .or_else(|| cookie.and_then(tc_string_from_cookie))
}

/// Whether a `Sec-GPC` header value signals an opt-out (it must be `1`).
pub fn gpc_signal(header: Option<&str>) -> bool {
    header.is_some_and(|v| v.trim() == "1")
}

/// How a TCF purpose was allowed for a vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LegalBasis {
    Consent,
    LegitimateInterest,
}

/// Why a TCF purpose is not allowed for a vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcfDenial {
    /// No purpose consent (nor legitimate interest where allowed).
    PurposeMissing(u8),
    /// The purpose is there but not for this vendor.
    VendorMissing,
    /// A publisher restriction rules the vendor out.
    Restricted(u8),
}

/// Whether `vendor` may process for `purpose` under this TC string:
/// purpose consent + vendor consent, or, for [`LI_PURPOSES`], purpose LI +
/// vendor LI; publisher restrictions apply (0 forbids, 1 forbids the LI
/// path, 2 forbids the consent path).
pub fn tcf_purpose_allowed(
    tc: &TcString,
    vendor: u16,
    purpose: u8,
) -> Result<LegalBasis, TcfDenial> {
    let restriction = tc.restriction(purpose, vendor);
    if restriction == Some(RestrictionType::NotAllowed) {
        return Err(TcfDenial::Restricted(purpose));
    }
    let consent_path = restriction != Some(RestrictionType::RequireLegitimateInterest);
    let li_path =
        LI_PURPOSES.contains(&purpose) && restriction != Some(RestrictionType::RequireConsent);
    if consent_path && tc.purpose_consent(purpose) && tc.vendor_consent(vendor) {
        return Ok(LegalBasis::Consent);
    }
    if li_path && tc.purpose_li(purpose) && tc.vendor_legitimate_interest(vendor) {
        return Ok(LegalBasis::LegitimateInterest);
    }
    if !consent_path && !li_path {
        return Err(TcfDenial::Restricted(purpose));
    }
    let purpose_there =
        (consent_path && tc.purpose_consent(purpose)) || (li_path && tc.purpose_li(purpose));
    if purpose_there {
        Err(TcfDenial::VendorMissing)
    } else {
        Err(TcfDenial::PurposeMissing(purpose))
    }
}

const PURPOSE_MISSING: [&str; 11] = [
    "consent-tcf-purpose-1-missing",
    "consent-tcf-purpose-2-missing",
    "consent-tcf-purpose-3-missing",
    "consent-tcf-purpose-4-missing",
    "consent-tcf-purpose-5-missing",
    "consent-tcf-purpose-6-missing",
    "consent-tcf-purpose-7-missing",
    "consent-tcf-purpose-8-missing",
    "consent-tcf-purpose-9-missing",
    "consent-tcf-purpose-10-missing",
    "consent-tcf-purpose-11-missing",
];

fn purpose_missing_code(purpose: u8) -> &'static str {
    usize::from(purpose)
        .checked_sub(1)
        .and_then(|i| PURPOSE_MISSING.get(i))
        .copied()
        .unwrap_or("consent-tcf-purpose-missing")
}

/// What the TC string says, without personal data: no raw string, no
/// timestamps, no other vendors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TcfSummary {
    pub cmp_id: u16,
    pub cmp_version: u16,
    pub policy_version: u8,
    pub vendor_list_version: u16,
    pub publisher_cc: String,
    /// Purposes with consent.
    pub purposes: Vec<u8>,
    /// Purposes with legitimate interest established.
    pub purposes_li: Vec<u8>,
    /// Consent for the merchant's vendor id.
    pub vendor_consent: bool,
    pub vendor_li: bool,
    /// Purposes a publisher restriction touches for the merchant's vendor.
    pub restricted_purposes: Vec<u8>,
}

impl TcfSummary {
    fn new(tc: &TcString, vendor: Option<u16>) -> TcfSummary {
        let restricted_purposes = match vendor {
            Some(v) => {
                let mut p: Vec<u8> = tc
                    .pub_restrictions
                    .iter()
                    .filter(|r| r.applies_to(v))
                    .map(|r| r.purpose_id)
                    .collect();
                p.sort_unstable();
                p.dedup();
                p
            }
            None => Vec::new(),
        };
        TcfSummary {
            cmp_id: tc.cmp_id,
            cmp_version: tc.cmp_version,
            policy_version: tc.policy_version,
            vendor_list_version: tc.vendor_list_version,
            publisher_cc: tc.publisher_cc.clone(),
            purposes: tc.purposes_with_consent(),
            purposes_li: tc.purposes_with_li(),
            vendor_consent: vendor.is_some_and(|v| tc.vendor_consent(v)),
            vendor_li: vendor.is_some_and(|v| tc.vendor_legitimate_interest(v)),
            restricted_purposes,
        }
    }
}

/// What the GPP string says, without personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GppSummary {
    /// The header's section ids.
    pub section_ids: Vec<u16>,
    /// `gpp_sid`, when the request sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applicable: Option<Vec<i16>>,
    /// The section this market decided with (`usca`, `usnat`, `tcfeuv2`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<&'static str>,
    /// That section's opt-outs, by field name ([`UsSection::opt_outs`]).
    pub opt_outs: Vec<&'static str>,
    /// That section's Gpc field, where it has a GPC segment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpc: Option<bool>,
    /// That section's biometric sensitive-data choice
    /// ([`UsSection::biometric`]: 0, 1 refused, 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub biometric: Option<u8>,
}

/// The consent signals of a request, summarised for audit records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentSummary {
    pub framework: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcf: Option<TcfSummary>,
    /// The decoder's error code when a TC string was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcf_error: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpp: Option<GppSummary>,
    /// The GPP decoder's error code when the string (or the section this
    /// market needs, or `gpp_sid`) was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpp_error: Option<&'static str>,
    pub gpc: bool,
    pub gpc_binding: bool,
    pub personalization_opt_in: bool,
    pub biometric_opt_in: bool,
}

/// What the page must ask before it may go on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentRequired {
    /// `biometric`.
    pub kind: &'static str,
    /// The language tag of `prompt`.
    pub locale: String,
    pub prompt: String,
    /// The law that requires asking.
    pub basis: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum ConsentOutcome {
    /// The purpose uses no personal data.
    NotNeeded,
    /// Personal data may be processed for the purpose.
    Granted,
    /// Not allowed: serve without personal data (render only).
    Denied,
    /// Not allowed until the shopper answers the prompt.
    Required(ConsentRequired),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentDecision {
    #[serde(flatten)]
    pub outcome: ConsentOutcome,
    pub reason: Reason,
    pub summary: ConsentSummary,
}

/// The consent signals a request carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsentSignals<'a> {
    /// Raw TC string (`euconsent-v2`, `x-tcf-consent`, `?gdpr_consent=`).
    pub tcf: Option<&'a str>,
    /// Raw GPP string and its `gpp_sid` ([`gpp_string`]).
    pub gpp: Option<&'a str>,
    pub gpp_sid: Option<&'a str>,
    /// `Sec-GPC: 1`.
    pub gpc: bool,
    /// The site's own opt-in to personalisation (opt-in markets).
    pub personalization_opt_in: bool,
    /// Explicit opt-in to biometric processing for try-on.
    pub biometric_opt_in: bool,
    /// For the prompt text; the market's default language when absent.
    pub locale: Option<&'a str>,
}

/// The GPP section a market decides with, or why there is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GppState<'g> {
    /// No GPP string, or a market that decides without one.
    NotUsed,
    /// The string, its `gpp_sid` or the section needed was refused.
    Malformed(&'g GppError),
    BadSid,
    /// The string lacks the section, or `gpp_sid` does not apply it.
    Missing,
    Us(UsKind, &'g UsSection),
    /// `tcfeuv2`: decided as a TC string.
    Tcf(Result<&'g TcString, &'g TcfError>),
}

/// The section ids a market may decide with, in order of preference:
/// `tcfeuv2` for `tcf` markets; the state's section, then `usnat`, for the
/// US packs (the state from the market code, `US-CT` → `usct`).
fn gpp_wanted(pack: &MarketPack) -> Vec<u16> {
    if pack.consent.framework == Framework::Tcf {
        return vec![gpp::TCF_EU_V2];
    }
    if pack.market == "US" || pack.market.starts_with("US-") {
        return UsKind::for_market(&pack.market)
            .into_iter()
            .chain([UsKind::UsNat])
            .map(UsKind::id)
            .collect();
    }
    Vec::new()
}

fn gpp_state<'g>(
    wanted: &[u16],
    decoded: Option<&'g Result<GppString, GppError>>,
    sid: Option<&Result<Vec<i16>, GppError>>,
) -> GppState<'g> {
    let Some(decoded) = decoded else {
        return GppState::NotUsed;
    };
    if wanted.is_empty() {
        return GppState::NotUsed;
    }
    let g = match decoded {
        Ok(g) => g,
        Err(e) => return GppState::Malformed(e),
    };
    let applicable = match sid {
        None => None,
        Some(Ok(ids)) => Some(ids),
        Some(Err(_)) => return GppState::BadSid,
    };
    let chosen = wanted.iter().find_map(|id| {
        let applies =
            applicable.is_none_or(|ids| ids.iter().any(|a| i32::from(*a) == i32::from(*id)));
        g.section(*id).filter(|_| applies)
    });
    match chosen.map(|s| &s.data) {
        None => GppState::Missing,
        Some(Ok(SectionData::TcfEuV2(tc))) => GppState::Tcf(Ok(tc)),
        Some(Err(GppError::TcfEuV2(e))) => GppState::Tcf(Err(e)),
        Some(Ok(SectionData::Us(kind, section))) => GppState::Us(*kind, section),
        Some(Err(e)) => GppState::Malformed(e),
        // Only ids the decoder reads are wanted.
        Some(Ok(SectionData::Unsupported)) => GppState::Missing,
    }
}

fn section_name(id: u16) -> &'static str {
    if id == gpp::TCF_EU_V2 {
        "tcfeuv2"
    } else {
        UsKind::from_id(id).map_or("unknown", UsKind::name)
    }
}

pub fn decide(
    purpose: Purpose,
    pack: &MarketPack,
    merchant: &MerchantPolicy,
    signals: &ConsentSignals<'_>,
) -> ConsentDecision {
    let vendor = merchant.tcf_vendor_id;
    let own_tcf = signals.tcf.map(str::trim).filter(|s| !s.is_empty());
    let gpp_decoded: Option<Result<GppString, GppError>> = signals
        .gpp
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(gpp::decode);
    let sid = signals.gpp_sid.map(gpp::parse_sid);
    // A request's own TC string wins over the one inside its GPP string.
    let wanted = match own_tcf {
        Some(_) if pack.consent.framework == Framework::Tcf => Vec::new(),
        _ => gpp_wanted(pack),
    };
    let state = gpp_state(&wanted, gpp_decoded.as_ref(), sid.as_ref());
    let decoded: Option<Result<TcString, TcfError>> = match (own_tcf, state) {
        (Some(raw), _) => Some(tcf::decode(raw)),
        (None, GppState::Tcf(tc)) => Some(tc.cloned().map_err(Clone::clone)),
        _ => None,
    };
    let gpp_summary = gpp_decoded.as_ref().and_then(|d| d.as_ref().ok()).map(|g| {
        let used = wanted.iter().copied().find(|id| match state {
            GppState::Us(kind, _) => kind.id() == *id,
            GppState::Tcf(_) => *id == gpp::TCF_EU_V2,
            _ => false,
        });
        GppSummary {
            section_ids: g.section_ids.clone(),
            applicable: sid.as_ref().and_then(|s| s.as_ref().ok()).cloned(),
            section: used.map(section_name),
            opt_outs: match state {
                GppState::Us(_, s) => s.opt_outs(),
                _ => Vec::new(),
            },
            gpc: match state {
                GppState::Us(_, s) => s.gpc,
                _ => None,
            },
            biometric: match state {
                GppState::Us(kind, s) => Some(s.biometric(kind)),
                _ => None,
            },
        }
    });
    let summary = ConsentSummary {
        framework: pack.consent.framework.as_str(),
        tcf: match &decoded {
            Some(Ok(tc)) => Some(TcfSummary::new(tc, vendor)),
            _ => None,
        },
        tcf_error: match &decoded {
            Some(Err(e)) => Some(e.code()),
            _ => None,
        },
        gpp: gpp_summary,
        gpp_error: match (&state, &sid) {
            (GppState::Malformed(e), _) => Some(e.code()),
            (GppState::BadSid, Some(Err(e))) => Some(e.code()),
            _ => None,
        },
        gpc: signals.gpc,
        gpc_binding: pack.consent.gpc_binding,
        personalization_opt_in: signals.personalization_opt_in,
        biometric_opt_in: signals.biometric_opt_in,
    };
    let (outcome, reason) = match purpose {
        Purpose::Render => (
            ConsentOutcome::NotNeeded,
            Reason::new("no-personal-data", "rendering uses no personal data"),
        ),
        Purpose::TryOn => try_on(pack, signals, state),
        Purpose::Personalize => personalize(pack, vendor, signals, decoded.as_ref(), state),
    };
    ConsentDecision {
        outcome,
        reason,
        summary,
    }
}

/// The market's try-on prompt in `locale` (the market's default language
/// when absent), or in English: its language tag and its text. Markets
/// that only need notice show the same text as the notice.
pub fn biometric_prompt(pack: &MarketPack, locale: Option<&str>) -> (String, String) {
    let wanted = locale
        .filter(|l| !l.trim().is_empty())
        .unwrap_or_else(|| pack.default_language());
    match locale::pick(&pack.consent.biometric_prompt, wanted) {
        Some((key, text))
            if locale::language_of(key) == locale::language_of(wanted) || key == "en" =>
        {
            (key.to_owned(), text.to_owned())
        }
        _ => ("en".to_owned(), DEFAULT_BIOMETRIC_PROMPT.to_owned()),
    }
}

fn try_on(
    pack: &MarketPack,
    signals: &ConsentSignals<'_>,
    gpp: GppState<'_>,
) -> (ConsentOutcome, Reason) {
    let basis = &pack.consent.biometric_basis;
    // A GPP section that records a refusal of biometric processing makes
    // even a notice-only market ask explicitly before try-on.
    let refused_in = match gpp {
        GppState::Us(kind, s) if s.biometric(kind) == gpp::NO_CONSENT => Some(kind),
        _ => None,
    };
    if !pack.consent.biometric_opt_in && refused_in.is_none() {
        return (
            ConsentOutcome::Granted,
            Reason::new(
                "biometric-notice-only",
                format!("no explicit opt-in is required for try-on here ({basis}); notice applies"),
            ),
        );
    }
    if signals.biometric_opt_in {
        return (
            ConsentOutcome::Granted,
            Reason::new(
                "biometric-opt-in-given",
                format!("explicit opt-in given ({basis})"),
            ),
        );
    }
    let (locale, prompt) = biometric_prompt(pack, signals.locale);
    let reason = match refused_in {
        Some(kind) if !pack.consent.biometric_opt_in => Reason::new(
            "consent-gpp-biometric-refused",
            format!(
                "GPP {}: the shopper refused processing of biometric data; try-on needs an explicit opt-in ({basis})",
                kind.name()
            ),
        ),
        _ => Reason::new(
            "biometric-opt-in-required",
            format!("try-on processes biometric data; explicit opt-in is required ({basis})"),
        ),
    };
    (
        ConsentOutcome::Required(ConsentRequired {
            kind: "biometric",
            locale,
            prompt,
            basis: basis.clone(),
        }),
        reason,
    )
}

fn personalize(
    pack: &MarketPack,
    vendor: Option<u16>,
    signals: &ConsentSignals<'_>,
    decoded: Option<&Result<TcString, TcfError>>,
    gpp: GppState<'_>,
) -> (ConsentOutcome, Reason) {
    let denied = |code, detail: String| (ConsentOutcome::Denied, Reason::new(code, detail));
    if signals.gpc && pack.consent.gpc_binding {
        return denied(
            "gpc-opt-out",
            format!(
                "Sec-GPC: 1 is an opt-out of sale/sharing ({}); personalisation is off",
                pack.consent.gpc_basis
            ),
        );
    }
    match gpp {
        GppState::Malformed(e) => {
            return denied("consent-gpp-malformed", format!("GPP string refused: {e}"));
        }
        GppState::BadSid => {
            return denied(
                "consent-gpp-malformed",
                "gpp_sid is not a comma-separated list of section ids".to_owned(),
            );
        }
        GppState::Missing => {
            let names: Vec<&str> = gpp_wanted(pack).into_iter().map(section_name).collect();
            return denied(
                "consent-gpp-section-missing",
                format!(
                    "the GPP string carries no {} section that gpp_sid applies",
                    names.join(" or ")
                ),
            );
        }
        GppState::Us(kind, section) => {
            let opt_outs = section.opt_outs();
            if !opt_outs.is_empty() {
                return denied(
                    "consent-gpp-opt-out",
                    format!(
                        "GPP {}: {} ({}); personalisation is off",
                        kind.name(),
                        opt_outs.join(", "),
                        pack.consent.basis
                    ),
                );
            }
            if section.gpc == Some(true) && pack.consent.gpc_binding {
                return denied(
                    "consent-gpp-opt-out",
                    format!(
                        "GPP {}: Gpc is an opt-out of sale/sharing ({}); personalisation is off",
                        kind.name(),
                        pack.consent.gpc_basis
                    ),
                );
            }
        }
        GppState::NotUsed | GppState::Tcf(_) => {}
    }
    match pack.consent.framework {
        Framework::OptOut => {
            if let GppState::Us(kind, _) = gpp {
                return (
                    ConsentOutcome::Granted,
                    Reason::new(
                        "consent-gpp-no-opt-out",
                        format!(
                            "GPP {}: no opt-out of sale, sharing or targeted advertising ({})",
                            kind.name(),
                            pack.consent.basis
                        ),
                    ),
                );
            }
            let detail = if signals.gpc {
                "no opt-out with legal force (GPC received but not binding here)".to_owned()
            } else {
                "no opt-out received".to_owned()
            };
            (
                ConsentOutcome::Granted,
                Reason::new(
                    "consent-opt-out-not-exercised",
                    format!("{detail} ({})", pack.consent.basis),
                ),
            )
        }
        Framework::OptIn => {
            if signals.personalization_opt_in {
                (
                    ConsentOutcome::Granted,
                    Reason::new(
                        "consent-opt-in-given",
                        format!("opt-in given ({})", pack.consent.basis),
                    ),
                )
            } else {
                denied(
                    "consent-opt-in-missing",
                    format!("personalisation needs an opt-in ({})", pack.consent.basis),
                )
            }
        }
        Framework::Tcf => match decoded {
            None => denied(
                "consent-tcf-missing",
                "no TC string: personalisation needs TCF consent".to_owned(),
            ),
            // Well-formed but from a policy TCF 2.2 retired: global-scope
            // consent (IsServiceSpecific = 0) or an old policy version.
            Some(Err(
                e @ (TcfError::PolicyVersionTooOld { .. } | TcfError::NotServiceSpecific),
            )) => denied("consent-tcf-outdated", format!("TC string refused: {e}")),
            Some(Err(e)) => denied("consent-tcf-malformed", format!("TC string refused: {e}")),
            Some(Ok(tc)) => {
                let Some(vendor) = vendor else {
                    return denied(
                        "consent-tcf-no-vendor-id",
                        "the merchant has no TCF vendor id to check consent for".to_owned(),
                    );
                };
                // A missing purpose is reported before a restriction, and
                // both before a missing vendor: the shopper's choice first.
                let denials: Vec<TcfDenial> = PERSONALIZE_PURPOSES
                    .iter()
                    .filter_map(|p| tcf_purpose_allowed(tc, vendor, *p).err())
                    .collect();
                let first = |want: fn(&TcfDenial) -> bool| denials.iter().copied().find(want);
                let denial = first(|d| matches!(d, TcfDenial::PurposeMissing(_)))
                    .or_else(|| first(|d| matches!(d, TcfDenial::Restricted(_))))
                    .or_else(|| denials.first().copied());
                match denial {
                    None => {}
                    Some(TcfDenial::PurposeMissing(p)) => {
                        return denied(
                            purpose_missing_code(p),
                            format!("no consent for TCF purpose {p}"),
                        );
                    }
                    Some(TcfDenial::Restricted(p)) => {
                        return denied(
                            "consent-tcf-restricted",
                            format!(
                                "a publisher restriction rules out vendor {vendor} for purpose {p}"
                            ),
                        );
                    }
                    Some(TcfDenial::VendorMissing) => {
                        return denied(
                            "consent-tcf-vendor-missing",
                            format!("purposes 1, 5 and 6 have consent, but not vendor {vendor}"),
                        );
                    }
                }
                (
                    ConsentOutcome::Granted,
                    Reason::new(
                        "consent-tcf-granted",
                        format!("TCF consent for purposes 1, 5, 6 and vendor {vendor}"),
                    ),
                )
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::tcf::{PubRestriction, VendorSet};
    use super::tcf_encode::{VendorEncoding, base, encode, purposes};
    use super::*;
    use crate::policy::pack::tests::pack_toml;

    const VENDOR: u16 = 4040;

    fn pack(edit: impl Fn(String) -> String) -> MarketPack {
        MarketPack::parse("markets/DE.toml", &edit(pack_toml("DE"))).expect("valid")
    }

    fn merchant() -> MerchantPolicy {
        MerchantPolicy {
            tcf_vendor_id: Some(VENDOR),
            ..MerchantPolicy::none()
        }
    }

    fn tc(consent: &[u8], vendors: &[u16]) -> String {
        let mut tc = base();
        tc.purposes_consent = purposes(consent);
        tc.vendor_consents = VendorSet::from_ids(vendors.iter().copied(), 0);
        encode(&tc, VendorEncoding::Auto)
    }

    fn personalize_with(tcf: Option<&str>) -> ConsentDecision {
        let signals = ConsentSignals {
            tcf,
            ..ConsentSignals::default()
        };
        decide(Purpose::Personalize, &pack(|t| t), &merchant(), &signals)
    }

    #[test]
    fn tcf_purposes_1_5_6_and_the_vendor_grant_personalisation() {
        let s = tc(&[1, 5, 6], &[VENDOR]);
        let d = personalize_with(Some(&s));
        assert_eq!(d.outcome, ConsentOutcome::Granted);
        assert_eq!(d.reason.code, "consent-tcf-granted");
        let summary = d.summary.tcf.expect("summary");
        assert_eq!(summary.purposes, vec![1, 5, 6]);
        assert!(summary.vendor_consent);
        assert_eq!(summary.cmp_id, 300);
    }

    #[test]
    fn each_missing_purpose_is_named() {
        for (given, code) in [
            (&[5u8, 6][..], "consent-tcf-purpose-1-missing"),
            (&[1, 6], "consent-tcf-purpose-5-missing"),
            (&[1, 5], "consent-tcf-purpose-6-missing"),
            (&[1, 3, 4], "consent-tcf-purpose-5-missing"),
        ] {
            let d = personalize_with(Some(&tc(given, &[VENDOR])));
            assert_eq!((d.outcome, d.reason.code), (ConsentOutcome::Denied, code));
        }
        let d = personalize_with(Some(&tc(&[1, 5, 6], &[1, 2, 3])));
        assert_eq!(d.reason.code, "consent-tcf-vendor-missing");
    }

    #[test]
    fn missing_malformed_and_outdated_strings_deny_without_panicking() {
        assert_eq!(personalize_with(None).reason.code, "consent-tcf-missing");
        assert_eq!(
            personalize_with(Some("  ")).reason.code,
            "consent-tcf-missing"
        );
        let d = personalize_with(Some("not a tc string"));
        assert_eq!(
            (d.outcome, d.reason.code),
            (ConsentOutcome::Denied, "consent-tcf-malformed")
        );
        assert_eq!(d.summary.tcf_error, Some("tcf-not-base64url"));
        assert!(!d.reason.detail.contains("not a tc string"));
        let d = personalize_with(Some("CPXxRfAPXxRfA"));
        assert_eq!(d.reason.code, "consent-tcf-malformed");
        assert_eq!(d.summary.tcf_error, Some("tcf-truncated"));
        let mut old = base();
        old.policy_version = 2;
        old.purposes_consent = purposes(&[1, 5, 6]);
        old.vendor_consents = VendorSet::from_ids([VENDOR], 0);
        let d = personalize_with(Some(&encode(&old, VendorEncoding::Auto)));
        assert_eq!(d.reason.code, "consent-tcf-outdated");
    }

    #[test]
    fn legitimate_interest_never_covers_personalisation() {
        let mut t = base();
        t.purposes_consent = purposes(&[1]);
        t.purposes_li = purposes(&[5, 6]);
        t.vendor_consents = VendorSet::from_ids([VENDOR], 0);
        t.vendor_li = VendorSet::from_ids([VENDOR], 0);
        let d = personalize_with(Some(&encode(&t, VendorEncoding::Auto)));
        assert_eq!(d.reason.code, "consent-tcf-purpose-5-missing");
    }

    #[test]
    fn li_purposes_allow_legitimate_interest() {
        let mut t = base();
        t.purposes_li = purposes(&[2, 7, 5]);
        t.vendor_li = VendorSet::from_ids([VENDOR], 0);
        assert_eq!(
            tcf_purpose_allowed(&t, VENDOR, 2),
            Ok(LegalBasis::LegitimateInterest)
        );
        assert_eq!(
            tcf_purpose_allowed(&t, VENDOR, 7),
            Ok(LegalBasis::LegitimateInterest)
        );
        assert_eq!(
            tcf_purpose_allowed(&t, VENDOR, 5),
            Err(TcfDenial::PurposeMissing(5))
        );
        assert_eq!(tcf_purpose_allowed(&t, 1, 2), Err(TcfDenial::VendorMissing));
        // Require consent (type 1) closes the LI path.
        t.pub_restrictions = vec![PubRestriction {
            purpose_id: 2,
            restriction: RestrictionType::RequireConsent,
            vendors: vec![(VENDOR, VENDOR)],
        }];
        assert_eq!(
            tcf_purpose_allowed(&t, VENDOR, 2),
            Err(TcfDenial::PurposeMissing(2))
        );
    }

    #[test]
    fn publisher_restrictions_apply() {
        let mut t = base();
        t.purposes_consent = purposes(&[1, 5, 6]);
        t.vendor_consents = VendorSet::from_ids([VENDOR], 0);
        t.pub_restrictions = vec![PubRestriction {
            purpose_id: 5,
            restriction: RestrictionType::NotAllowed,
            vendors: vec![(4000, 4100)],
        }];
        let d = personalize_with(Some(&encode(&t, VendorEncoding::Auto)));
        assert_eq!(d.reason.code, "consent-tcf-restricted");
        assert_eq!(d.summary.tcf.map(|s| s.restricted_purposes), Some(vec![5]));
        t.pub_restrictions[0].restriction = RestrictionType::RequireLegitimateInterest;
        assert_eq!(
            tcf_purpose_allowed(&t, VENDOR, 5),
            Err(TcfDenial::Restricted(5))
        );
        t.pub_restrictions[0].restriction = RestrictionType::RequireConsent;
        assert_eq!(tcf_purpose_allowed(&t, VENDOR, 5), Ok(LegalBasis::Consent));
    }

    #[test]
    fn no_vendor_id_means_no_tcf_personalisation() {
        let s = tc(&[1, 5, 6], &[VENDOR]);
        let signals = ConsentSignals {
            tcf: Some(&s),
            ..ConsentSignals::default()
        };
        let d = decide(
            Purpose::Personalize,
            &pack(|t| t),
            &MerchantPolicy::none(),
            &signals,
        );
        assert_eq!(d.reason.code, "consent-tcf-no-vendor-id");
    }

    fn opt_out_pack(gpc_binding: bool) -> MarketPack {
        pack(|t| {
            t.replace("framework = \"tcf\"", "framework = \"opt-out\"")
                .replace(
                    "gpc_binding = false",
                    &format!("gpc_binding = {gpc_binding}\ngpc_basis = \"CCPA regs §7025\""),
                )
        })
    }

    #[test]
    fn gpc_opts_out_where_binding() {
        let signals = ConsentSignals {
            gpc: true,
            ..ConsentSignals::default()
        };
        let d = decide(
            Purpose::Personalize,
            &opt_out_pack(true),
            &merchant(),
            &signals,
        );
        assert_eq!(
            (d.outcome, d.reason.code),
            (ConsentOutcome::Denied, "gpc-opt-out")
        );
        assert!(d.reason.detail.contains("§7025"));
        let d = decide(
            Purpose::Personalize,
            &opt_out_pack(false),
            &merchant(),
            &signals,
        );
        assert_eq!(
            (d.outcome, d.reason.code),
            (ConsentOutcome::Granted, "consent-opt-out-not-exercised")
        );
        let d = decide(
            Purpose::Personalize,
            &opt_out_pack(true),
            &merchant(),
            &ConsentSignals::default(),
        );
        assert_eq!(d.outcome, ConsentOutcome::Granted);
        // GPC wins even over a valid TC string where it is binding.
        let s = tc(&[1, 5, 6], &[VENDOR]);
        let tcf_gpc = pack(|t| {
            t.replace(
                "gpc_binding = false",
                "gpc_binding = true\ngpc_basis = \"test\"",
            )
        });
        let d = decide(
            Purpose::Personalize,
            &tcf_gpc,
            &merchant(),
            &ConsentSignals {
                tcf: Some(&s),
                gpc: true,
                ..ConsentSignals::default()
            },
        );
        assert_eq!(d.reason.code, "gpc-opt-out");
    }

    #[test]
    fn opt_in_markets_need_the_site_opt_in() {
        let p = pack(|t| t.replace("framework = \"tcf\"", "framework = \"opt-in\""));
        let d = decide(
            Purpose::Personalize,
            &p,
            &merchant(),
            &ConsentSignals::default(),
        );
        assert_eq!(
            (d.outcome, d.reason.code),
            (ConsentOutcome::Denied, "consent-opt-in-missing")
        );
        let yes = ConsentSignals {
            personalization_opt_in: true,
            ..ConsentSignals::default()
        };
        let d = decide(Purpose::Personalize, &p, &merchant(), &yes);
        assert_eq!(
            (d.outcome, d.reason.code),
            (ConsentOutcome::Granted, "consent-opt-in-given")
        );
    }

    #[test]
    fn try_on_requires_biometric_opt_in_with_a_prompt() {
        let p = pack(|t| {
            t.replace(
                "biometric_basis = \"GDPR Art. 9(2)(a)\"",
                "biometric_basis = \"GDPR Art. 9(2)(a)\"\nbiometric_prompt = { \"de-DE\" = \"Darf die Anprobe dein Gesicht vermessen?\", en = \"May try-on map your face?\" }",
            )
        });
        let d = decide(Purpose::TryOn, &p, &merchant(), &ConsentSignals::default());
        assert_eq!(d.reason.code, "biometric-opt-in-required");
        match &d.outcome {
            ConsentOutcome::Required(r) => {
                assert_eq!((r.kind, r.locale.as_str()), ("biometric", "de-DE"));
                assert!(r.prompt.starts_with("Darf"));
                assert!(r.basis.contains("Art. 9"));
            }
            other => panic!("{other:?}"),
        }
        let fr = ConsentSignals {
            locale: Some("fr-FR"),
            ..ConsentSignals::default()
        };
        match decide(Purpose::TryOn, &p, &merchant(), &fr).outcome {
            ConsentOutcome::Required(r) => assert_eq!(r.locale, "en"),
            other => panic!("{other:?}"),
        }
        let yes = ConsentSignals {
            biometric_opt_in: true,
            ..ConsentSignals::default()
        };
        let d = decide(Purpose::TryOn, &p, &merchant(), &yes);
        assert_eq!(
            (d.outcome, d.reason.code),
            (ConsentOutcome::Granted, "biometric-opt-in-given")
        );
    }

    #[test]
    fn try_on_without_prompt_texts_uses_the_default_prompt() {
        let d = decide(
            Purpose::TryOn,
            &pack(|t| t),
            &merchant(),
            &ConsentSignals::default(),
        );
        match d.outcome {
            ConsentOutcome::Required(r) => assert_eq!(
                (r.locale.as_str(), r.prompt.as_str()),
                ("en", DEFAULT_BIOMETRIC_PROMPT)
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn try_on_where_no_opt_in_is_required() {
        let p = pack(|t| t.replace("biometric_opt_in = true", "biometric_opt_in = false"));
        let d = decide(Purpose::TryOn, &p, &merchant(), &ConsentSignals::default());
        assert_eq!(
            (d.outcome, d.reason.code),
            (ConsentOutcome::Granted, "biometric-notice-only")
        );
    }

    #[test]
    fn render_needs_nothing() {
        let d = decide(
            Purpose::Render,
            &pack(|t| t),
            &merchant(),
            &ConsentSignals::default(),
        );
        assert_eq!(
            (d.outcome, d.reason.code),
            (ConsentOutcome::NotNeeded, "no-personal-data")
        );
    }

    fn shipped(market: &str) -> MarketPack {
        let packs = crate::policy::PackSet::embedded().expect("shipped packs");
        let (country, sub) = match market.split_once('-') {
            Some((c, _)) => (c, Some(market)),
            None => (market, None),
        };
        let found = packs.market(country, sub);
        assert_eq!(found.pack.market, market);
        found.pack.clone()
    }

    fn gpp_decision(market: &str, gpp: &str, sid: Option<&str>) -> ConsentDecision {
        let signals = ConsentSignals {
            gpp: Some(gpp),
            gpp_sid: sid,
            ..ConsentSignals::default()
        };
        decide(
            Purpose::Personalize,
            &shipped(market),
            &merchant(),
            &signals,
        )
    }

    /// usca: SaleOptOut and SharingOptOut as given, the rest "did not opt out".
    fn usca(sale: u8, sharing: u8) -> String {
        let mut v = vec![1, 1, 1, sale, sharing];
        v.extend([2; 9]);
        v.extend([0, 0, 0, 2, 0, 0]);
        gpp::testing::us_core(1, &v)
    }

    /// usnat v2 with SaleOptOut as given.
    fn usnat(sale: u8) -> String {
        let mut v = vec![1, 1, 1, 1, 1, 1, sale, 2, 2];
        v.extend([0; 16]);
        v.extend([0, 0, 0, 0, 2, 0, 0]);
        gpp::testing::us_core(2, &v)
    }

    #[test]
    fn us_state_markets_use_their_section_then_usnat() {
        use gpp::testing::gpp_string;
        let (ca_out, ca_in) = (usca(1, 2), usca(2, 2));
        let d = gpp_decision("US-CA", &gpp_string(&[(8, &ca_out)]), None);
        assert_eq!(
            (d.outcome, d.reason.code),
            (ConsentOutcome::Denied, "consent-gpp-opt-out")
        );
        assert!(
            d.reason.detail.contains("usca: SaleOptOut"),
            "{}",
            d.reason.detail
        );
        let g = d.summary.gpp.expect("summary");
        assert_eq!((g.section, g.opt_outs), (Some("usca"), vec!["SaleOptOut"]));
        let d = gpp_decision("US-CA", &gpp_string(&[(8, &ca_in)]), None);
        assert_eq!(
            (d.outcome, d.reason.code),
            (ConsentOutcome::Granted, "consent-gpp-no-opt-out")
        );
        // The state section wins over usnat; gpp_sid can rule it out.
        let both = gpp_string(&[(7, &usnat(1)), (8, &ca_in)]);
        assert_eq!(
            gpp_decision("US-CA", &both, None).reason.code,
            "consent-gpp-no-opt-out"
        );
        assert_eq!(
            gpp_decision("US-CA", &both, Some("7")).reason.code,
            "consent-gpp-opt-out"
        );
        assert_eq!(
            gpp_decision("US-CA", &both, Some("7,8")).reason.code,
            "consent-gpp-no-opt-out"
        );
        // No state section: usnat. The federal pack and states without a
        // section read usnat only.
        let nat = gpp_string(&[(7, &usnat(1))]);
        assert_eq!(
            gpp_decision("US-CA", &nat, None).reason.code,
            "consent-gpp-opt-out"
        );
        assert_eq!(
            gpp_decision("US", &nat, None).reason.code,
            "consent-gpp-opt-out"
        );
        assert_eq!(
            gpp_decision("US-IL", &nat, None).reason.code,
            "consent-gpp-opt-out"
        );
        assert_eq!(
            gpp_decision("US", &gpp_string(&[(8, &ca_out)]), None)
                .reason
                .code,
            "consent-gpp-section-missing"
        );
        // gpp_sid naming a section the string lacks.
        let d = gpp_decision("US-CA", &both, Some("9"));
        assert_eq!(d.reason.code, "consent-gpp-section-missing");
        assert!(d.reason.detail.contains("usca or usnat"));
        assert_eq!(
            gpp_decision("US-CA", &both, Some("-1")).reason.code,
            "consent-gpp-section-missing"
        );
        let d = gpp_decision("US-CA", &both, Some("7;8"));
        assert_eq!(
            (d.reason.code, d.summary.gpp_error),
            ("consent-gpp-malformed", Some("gpp-sid"))
        );
    }

    #[test]
    fn a_gpp_biometric_refusal_makes_try_on_ask() {
        use gpp::testing::gpp_string;
        // usor (processing-notice family, 11 categories): category 10
        // (biometric) = 1, no consent.
        let usor = |biometric: u8| {
            let mut v = vec![1, 1, 1, 2, 2];
            v.extend([2; 9]);
            v.extend([biometric, 2]);
            v.extend([0, 0, 0, 0, 1, 0, 0]);
            gpp::testing::us_core(1, &v)
        };
        let refused = gpp_string(&[(15, &usor(1))]);
        let ask = |gpp: &str, opt_in: bool| {
            let signals = ConsentSignals {
                gpp: Some(gpp),
                biometric_opt_in: opt_in,
                ..ConsentSignals::default()
            };
            // A notice-only US market (the shipped US-CA pack's merchant
            // override asks for biometric opt-in everywhere in California).
            let p = MarketPack::parse(
                "markets/US-OR.toml",
                &pack_toml("US-OR")
                    .replace("framework = \"tcf\"", "framework = \"opt-out\"")
                    .replace("biometric_opt_in = true", "biometric_opt_in = false"),
            )
            .expect("valid");
            decide(Purpose::TryOn, &p, &merchant(), &signals)
        };
        let d = ask(&refused, false);
        assert!(matches!(d.outcome, ConsentOutcome::Required(_)));
        assert_eq!(d.reason.code, "consent-gpp-biometric-refused");
        assert_eq!(d.summary.gpp.and_then(|g| g.biometric), Some(1));
        assert_eq!(ask(&refused, true).reason.code, "biometric-opt-in-given");
        // Notice-only otherwise.
        let fine = gpp_string(&[(15, &usor(2))]);
        assert_eq!(ask(&fine, false).reason.code, "biometric-notice-only");
        assert_eq!(gpp::UsKind::UsCa.biometric_category(), 7);
    }

    #[test]
    fn the_gpc_field_counts_where_gpc_is_binding() {
        use gpp::testing::gpp_string;
        // usca with a GPC segment saying Gpc = 1 ("YA": type 1, Gpc 1).
        let s = gpp_string(&[(8, &format!("{}.YA", usca(2, 2)))]);
        let d = gpp_decision("US-CA", &s, None);
        assert_eq!(d.reason.code, "consent-gpp-opt-out");
        assert!(d.reason.detail.contains("Gpc"));
        assert_eq!(d.summary.gpp.and_then(|g| g.gpc), Some(true));
        // US-VA: GPC not binding, and usva has no GPC segment anyway; usnat's
        // Gpc is ignored there.
        let nat = gpp_string(&[(7, &format!("{}.YA", usnat(2)))]);
        assert_eq!(
            gpp_decision("US-VA", &nat, None).reason.code,
            "consent-gpp-no-opt-out"
        );
        assert_eq!(
            gpp_decision("US-CO", &nat, None).reason.code,
            "consent-gpp-opt-out"
        );
    }

    #[test]
    fn malformed_gpp_means_no_personalisation_never_an_error() {
        use gpp::testing::gpp_string;
        for (raw, code) in [
            ("not a gpp string", "gpp-not-base64url"),
            ("DBABM", "gpp-section-count"),
            ("CBABM~BAAA", "gpp-header-type"),
        ] {
            let d = gpp_decision("US-CA", raw, None);
            assert_eq!(
                (d.outcome, d.reason.code, d.summary.gpp_error),
                (ConsentOutcome::Denied, "consent-gpp-malformed", Some(code)),
                "{raw}"
            );
            assert!(!d.reason.detail.contains(raw));
        }
        // The section the market needs is damaged; another one is not read.
        let s = gpp_string(&[(7, "BAA"), (8, &usca(2, 2))]);
        assert_eq!(
            gpp_decision("US-CA", &s, None).reason.code,
            "consent-gpp-no-opt-out"
        );
        let d = gpp_decision("US", &s, None);
        assert_eq!(
            (d.reason.code, d.summary.gpp_error),
            ("consent-gpp-malformed", Some("gpp-truncated"))
        );
        // Markets outside the US and TCF decide without GPP.
        assert_eq!(
            gpp_decision("JP", "garbage", None).reason.code,
            "consent-opt-out-not-exercised"
        );
    }

    #[test]
    fn tcf_markets_read_the_tcfeuv2_section() {
        use gpp::testing::gpp_string;
        let granted = tc(&[1, 5, 6], &[VENDOR]);
        let d = gpp_decision("DE", &gpp_string(&[(2, &granted)]), Some("2"));
        assert_eq!(d.reason.code, "consent-tcf-granted");
        assert_eq!(d.summary.tcf.map(|t| t.purposes), Some(vec![1, 5, 6]));
        assert_eq!(d.summary.gpp.and_then(|g| g.section), Some("tcfeuv2"));
        let d = gpp_decision("FR", &gpp_string(&[(2, &tc(&[1, 5], &[VENDOR]))]), None);
        assert_eq!(d.reason.code, "consent-tcf-purpose-6-missing");
        let d = gpp_decision("DE", &gpp_string(&[(2, "CPXx")]), None);
        assert_eq!(
            (d.reason.code, d.summary.tcf_error),
            ("consent-tcf-malformed", Some("tcf-truncated"))
        );
        let d = gpp_decision("DE", &gpp_string(&[(7, &usnat(2))]), None);
        assert_eq!(d.reason.code, "consent-gpp-section-missing");
        assert_eq!(
            gpp_decision("DE", &gpp_string(&[(2, &granted)]), Some("7"))
                .reason
                .code,
            "consent-gpp-section-missing"
        );
        // The request's own TC string wins over the GPP one.
        let signals = ConsentSignals {
            tcf: Some(&granted),
            gpp: Some("garbage"),
            ..ConsentSignals::default()
        };
        let d = decide(Purpose::Personalize, &shipped("DE"), &merchant(), &signals);
        assert_eq!(d.reason.code, "consent-tcf-granted");
        assert!(d.summary.gpp.is_none() && d.summary.gpp_error.is_none());
    }

    #[test]
    fn gpp_signals_come_from_one_place() {
        assert_eq!(
            gpp_string(Some(" DBA "), Some("7"), Some("gpp=DBB&gpp_sid=8"), None),
            (Some("DBA"), Some("7"))
        );
        assert_eq!(
            gpp_string(
                None,
                Some("7"),
                Some("a=1&gpp=DBB&gpp_sid=8"),
                Some("__gpp=DBC")
            ),
            (Some("DBB"), Some("8"))
        );
        assert_eq!(
            gpp_string(
                None,
                None,
                Some("gpp_sid=8"),
                Some("a=b; __gpp=DBC; __gpp_sid=7,8")
            ),
            (Some("DBC"), Some("7,8"))
        );
        assert_eq!(
            gpp_string(Some(""), None, Some(""), Some("__gpp=")),
            (None, None)
        );
    }

    #[test]
    fn request_helpers_find_the_signals() {
        assert_eq!(
            tc_string_from_cookie("a=1; euconsent-v2=CQabc; b=2"),
            Some("CQabc")
        );
        assert_eq!(
            tc_string_from_cookie("euconsent-v2=\"CQabc\""),
            Some("CQabc")
        );
        assert_eq!(tc_string_from_cookie("euconsent-v2="), None);
        assert_eq!(tc_string_from_cookie("xeuconsent-v2=CQ"), None);
        assert_eq!(tc_string_from_query("?a=1&gdpr_consent=CQx&b"), Some("CQx"));
        assert_eq!(
            tc_string(
                Some(" CQh "),
                Some("gdpr_consent=CQq"),
                Some("euconsent-v2=CQc")
            ),
            Some("CQh")
        );
        assert_eq!(
            tc_string(None, Some("gdpr_consent=CQq"), Some("euconsent-v2=CQc")),
            Some("CQq")
        );
        assert_eq!(
            tc_string(Some(""), None, Some("euconsent-v2=CQc")),
            Some("CQc")
        );
        assert!(gpc_signal(Some("1")) && gpc_signal(Some(" 1 ")));
        assert!(!gpc_signal(Some("0")) && !gpc_signal(None) && !gpc_signal(Some("true")));
    }
}
