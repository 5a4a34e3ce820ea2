//! Market configuration: which proxies to believe, which of their headers
//! to read, and the market to fall back on.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Deserializer};

use super::country_code::CountryCode;
use super::error::MarketError;
use super::geo_header::GeoHeader;

/// How the market of a request is found.
///
/// A shopper who cannot be located gets the strict default pack (`ZZ`),
/// never some real market's: a merchant names a real default country only
/// explicitly, with `default_country`.
///
/// The default trusts no proxy: CDN headers count only once the CDN's
/// address ranges are listed in `trusted_proxies`. List in `geo_headers`
/// only the header(s) your CDN actually sets, because a CDN passes through
/// headers it does not set itself, so a client can send those with any
/// value. (Conflicting geo headers from a trusted peer are not believed,
/// which limits but does not remove that risk.)
///
/// ```toml
/// default_country = "CH"
/// trusted_proxies = ["173.245.48.0/20", "2400:cb00::/32", "10.0.0.7"]
/// client_ip_header = { name = "x-forwarded-for", format = "forwarded-for" }
///
/// [[geo_headers]]
/// name = "cf-ipcountry"
/// region_header = "cf-region-code"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarketConfig {
    /// Networks (CIDR, or a bare address for one host) whose requests'
    /// geo and client-IP headers are believed.
    #[serde(deserialize_with = "deserialize_networks")]
    pub trusted_proxies: Vec<IpNet>,
    /// Country headers, in order of preference.
    pub geo_headers: Vec<GeoHeader>,
    /// Where a trusted proxy says who its client is. `None`: requests via
    /// proxies get no IP lookup (the proxy's own address would say where
    /// the proxy is, not the client).
    pub client_ip_header: Option<ClientIpHeader>,
    /// The market when nothing else tells; `None` (the default): the
    /// strict `ZZ` pack.
    pub default_country: Option<CountryCode>,
}

impl Default for MarketConfig {
    fn default() -> Self {
        Self {
            trusted_proxies: Vec::new(),
            geo_headers: vec![
                GeoHeader::cloudflare(),
                GeoHeader::cloudfront(),
                GeoHeader::fastly(),
                GeoHeader::akamai(),
            ],
            client_ip_header: Some(ClientIpHeader::forwarded_for()),
            default_country: None,
        }
    }
}

impl MarketConfig {
    /// Parses a TOML document; missing fields take their defaults.
    pub fn from_toml(text: &str) -> Result<Self, MarketError> {
        Ok(toml::from_str(text)?)
    }

    /// The market of a shopper nothing locates: the configured country,
    /// else [`UNLOCATED`].
    pub fn default_market(&self) -> &str {
        self.default_country
            .as_ref()
            .map_or(UNLOCATED, CountryCode::as_str)
    }

    /// Whether `peer` is one of the trusted proxies.
    pub fn is_trusted(&self, peer: IpAddr) -> bool {
        super::client_ip::is_trusted(peer, &self.trusted_proxies)
    }
}

/// The market code of a shopper who cannot be located: the default pack's
/// (ISO 3166-1 reserves `ZZ` for an unknown country).
pub const UNLOCATED: &str = crate::policy::codes::DEFAULT_MARKET;

/// A header in which trusted proxies name the client's address.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientIpHeader {
    /// Header name, matched case-insensitively.
    pub name: String,
    #[serde(default)]
    pub format: ClientIpFormat,
}

impl ClientIpHeader {
    /// `X-Forwarded-For`, read from the right: works behind any CDN that
    /// appends to it (all the common ones do).
    pub fn forwarded_for() -> Self {
        Self {
            name: "x-forwarded-for".to_owned(),
            format: ClientIpFormat::ForwardedFor,
        }
    }

    /// One address set by the CDN, e.g. Cloudflare's `cf-connecting-ip` or
    /// Akamai's `true-client-ip`. Use only with the CDN that sets it:
    /// through any other, the client chooses its value.
    pub fn single(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            format: ClientIpFormat::Single,
        }
    }
}

/// How a client-IP header is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientIpFormat {
    /// Comma-separated hops, each proxy appending its peer; the client is
    /// the rightmost hop that is not a trusted proxy.
    #[default]
    ForwardedFor,
    /// Exactly one address (a port is tolerated).
    Single,
}

fn deserialize_networks<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<IpNet>, D::Error> {
    let texts = Vec::<String>::deserialize(deserializer)?;
    texts
        .iter()
        .map(|text| {
            let text = text.trim();
            text.parse::<IpNet>()
                .map(|net| net.trunc())
                .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    serde::de::Error::custom(format!(
                        "`{}` is not a network (`10.0.0.0/8`, `2001:db8::/32`) or an address",
                        text.escape_default()
                    ))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::geo_header::GeoHeaderFormat;

    #[test]
    fn default_trusts_nobody_and_knows_the_big_cdns() {
        let cfg = MarketConfig::default();
        assert!(cfg.trusted_proxies.is_empty());
        assert_eq!(cfg.default_country, None);
        assert_eq!(cfg.default_market(), "ZZ", "unlocated: the strict pack");
        let names: Vec<&str> = cfg.geo_headers.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "cf-ipcountry",
                "cloudfront-viewer-country",
                "fastly-geo-country",
                "x-akamai-edgescape"
            ]
        );
        assert_eq!(cfg.client_ip_header, Some(ClientIpHeader::forwarded_for()));
        assert_eq!(
            MarketConfig::from_toml("").expect("empty is all defaults"),
            cfg
        );
    }

    #[test]
    fn loads_from_toml() {
        let cfg = MarketConfig::from_toml(
            r#"
            default_country = "ch"
            trusted_proxies = ["173.245.48.0/20", "2400:cb00::/32", "10.0.0.7", "192.0.2.77/24"]
            client_ip_header = { name = "cf-connecting-ip", format = "single" }

            [[geo_headers]]
            name = "cf-ipcountry"
            region_header = "cf-region-code"

            [[geo_headers]]
            name = "x-akamai-edgescape"
            format = "akamai-edgescape"
            "#,
        )
        .expect("valid config");
        assert_eq!(
            cfg.default_country.map(|c| c.to_string()).as_deref(),
            Some("CH")
        );
        assert_eq!(cfg.default_market(), "CH");
        let nets: Vec<String> = cfg
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            nets,
            [
                "173.245.48.0/20",
                "2400:cb00::/32",
                "10.0.0.7/32",
                "192.0.2.0/24"
            ]
        );
        assert!(cfg.is_trusted("10.0.0.7".parse().expect("ip")));
        assert!(cfg.is_trusted("::ffff:173.245.50.1".parse().expect("ip")));
        assert!(!cfg.is_trusted("10.0.0.8".parse().expect("ip")));
        assert_eq!(
            cfg.client_ip_header,
            Some(ClientIpHeader::single("cf-connecting-ip"))
        );
        assert_eq!(cfg.geo_headers.len(), 2);
        assert_eq!(cfg.geo_headers[1].format, GeoHeaderFormat::AkamaiEdgescape);
    }

    #[test]
    fn rejects_bad_config() {
        for bad in [
            "default_country = \"XX\"",
            "default_country = \"USA\"",
            "default_country = \"ZZ\"",
            "trusted_proxies = [\"10.0.0.0/33\"]",
            "trusted_proxies = [\"cloudflare\"]",
            "unknown_field = 1",
            "client_ip_header = { name = \"x\", format = \"list\" }",
        ] {
            let err = MarketConfig::from_toml(bad).expect_err(bad);
            assert!(matches!(err, MarketError::Config(_)), "{bad}: {err}");
        }
    }
}
