//! Audit records: one JSON line per decision, without personal data. No
//! TC string, no IP address (only a network the caller already truncated,
//! checked here), no age, no cookie: reason codes, the policy version, the
//! regions allowed and a consent summary.

use std::net::IpAddr;

use serde::Serialize;

use super::consent::ConsentSummary;
use super::decision::{Decision, Purpose};
use super::residency::Regions;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReasons {
    pub market: &'static str,
    pub residency: &'static str,
    pub consent: &'static str,
    pub territory: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// RFC 3339, UTC, seconds.
    pub time: String,
    pub market: String,
    pub country: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subdivision: Option<String>,
    pub policy_version: String,
    pub purpose: Purpose,
    /// `allow`, `render-only`, `consent-required`, `blocked`.
    pub outcome: &'static str,
    pub reasons: AuditReasons,
    pub regions: Regions,
    pub consent: ConsentSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// A truncated network (`203.0.113.0/24`, `2001:db8:1200::/40`); a
    /// full address or anything narrower than /24 (IPv4) or /48 (IPv6)
    /// is dropped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_network: Option<String>,
}

impl AuditRecord {
    /// The record for `decision`, made at `unix_seconds`. `sku` is a
    /// product id, not personal data; `client_network` must already be
    /// truncated (see [`truncated_network`]).
    pub fn new(
        decision: &Decision,
        unix_seconds: u64,
        sku: Option<&str>,
        client_network: Option<&str>,
    ) -> AuditRecord {
        AuditRecord {
            time: rfc3339(unix_seconds),
            market: decision.market.clone(),
            country: decision.country.clone(),
            subdivision: decision.subdivision.clone(),
            policy_version: decision.policy_version.clone(),
            purpose: decision.purpose,
            outcome: decision.outcome(),
            reasons: AuditReasons {
                market: decision.market_reason.code,
                residency: decision.residency.reason.code,
                consent: decision.consent.reason.code,
                territory: decision.territory.reason.code,
            },
            regions: decision.residency.regions.clone(),
            consent: decision.consent.summary.clone(),
            sku: sku.map(str::to_owned),
            client_network: client_network.and_then(truncated_network),
        }
    }

    /// One line of JSON (no trailing newline).
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self)
            .unwrap_or_else(|e| format!("{{\"audit_error\":{:?}}}", e.to_string()))
    }
}

/// `network/prefix` in canonical form when it is an already truncated
/// network: IPv4 /24 or wider, IPv6 /48 or wider, no host bits set.
pub fn truncated_network(text: &str) -> Option<String> {
    let (addr, prefix) = text.trim().split_once('/')?;
    let addr: IpAddr = addr.parse().ok()?;
    let prefix: u8 = prefix.parse().ok()?;
    let ok = match addr {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            prefix <= 24 && bits.checked_shl(u32::from(prefix)).unwrap_or(0) == 0
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            prefix <= 48 && bits.checked_shl(u32::from(prefix)).unwrap_or(0) == 0
        }
    };
    ok.then(|| format!("{addr}/{prefix}"))
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (proleptic
/// Gregorian, days-from-civil inverse).
pub fn rfc3339(unix_seconds: u64) -> String {
    let days = unix_seconds / 86_400;
    let secs = unix_seconds % 86_400;
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_740_009_600), "2025-02-20T00:00:00Z");
        assert_eq!(rfc3339(1_798_761_599), "2026-12-31T23:59:59Z");
    }

    #[test]
    fn only_truncated_networks_are_kept() {
        assert_eq!(
            truncated_network("203.0.113.0/24").as_deref(),
            Some("203.0.113.0/24")
        );
        assert_eq!(
            truncated_network("10.0.0.0/8").as_deref(),
            Some("10.0.0.0/8")
        );
        assert_eq!(truncated_network("203.0.113.7/24"), None, "host bits set");
        assert_eq!(truncated_network("203.0.113.0/25"), None, "too narrow");
        assert_eq!(truncated_network("203.0.113.7"), None, "a full address");
        assert_eq!(
            truncated_network("2001:db8:1200::/40").as_deref(),
            Some("2001:db8:1200::/40")
        );
        assert_eq!(truncated_network("2001:db8::1/48"), None);
        assert_eq!(truncated_network("2001:db8::/64"), None);
        assert_eq!(truncated_network("0.0.0.0/0").as_deref(), Some("0.0.0.0/0"));
        assert_eq!(truncated_network("nonsense/24"), None);
    }
}
