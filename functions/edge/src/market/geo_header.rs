//! Country headers that CDNs add to requests, and how to read each format.
//!
//! A CDN sets these from its own geolocation of the client; they are only
//! worth anything when the request really came through that CDN, which the
//! caller checks (see [`super::resolve_country`]).

use serde::Deserialize;

use super::country_code::{CountryCode, parse_subdivision};

/// Longest header value read; real ones are tens of bytes (Akamai's
/// edgescape a few hundred). Longer is malformed, not parsed.
pub const MAX_GEO_HEADER_LEN: usize = 2048;

/// How a geo header's value is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GeoHeaderFormat {
    /// The value is the country code itself (`DE`).
    #[default]
    Country,
    /// Akamai's `X-Akamai-Edgescape`: `key=value` pairs separated by commas,
    /// with `country_code=` and `region_code=` among them.
    AkamaiEdgescape,
}

/// One CDN's country header, with the header carrying its region if it has one.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeoHeader {
    /// Header name, matched case-insensitively.
    pub name: String,
    #[serde(default)]
    pub format: GeoHeaderFormat,
    /// Header with the ISO 3166-2 subdivision (`CA` or `US-CA`), for
    /// [`GeoHeaderFormat::Country`]; edgescape carries its own.
    #[serde(default)]
    pub region_header: Option<String>,
}

impl GeoHeader {
    /// Cloudflare: `CF-IPCountry` (`XX` unknown, `T1` Tor), and
    /// `CF-Region-Code` when "Add visitor location headers" is on.
    pub fn cloudflare() -> Self {
        Self::country("cf-ipcountry", Some("cf-region-code"))
    }

    /// CloudFront: `CloudFront-Viewer-Country` and
    /// `CloudFront-Viewer-Country-Region`, once an origin request policy
    /// forwards them.
    pub fn cloudfront() -> Self {
        Self::country(
            "cloudfront-viewer-country",
            Some("cloudfront-viewer-country-region"),
        )
    }

    /// Fastly sends no geo header by itself; this is the usual VCL
    /// convention, `set req.http.Fastly-Geo-Country = client.geo.country_code;`
    /// and `set req.http.Fastly-Geo-Region = client.geo.region;` (Fastly
    /// says `**` for unknown, which is not a country here).
    pub fn fastly() -> Self {
        Self::country("fastly-geo-country", Some("fastly-geo-region"))
    }

    /// Akamai: `X-Akamai-Edgescape` (EdgeScape must be enabled on the property).
    pub fn akamai() -> Self {
        Self {
            name: "x-akamai-edgescape".to_owned(),
            format: GeoHeaderFormat::AkamaiEdgescape,
            region_header: None,
        }
    }

    fn country(name: &str, region_header: Option<&str>) -> Self {
        Self {
            name: name.to_owned(),
            format: GeoHeaderFormat::Country,
            region_header: region_header.map(str::to_owned),
        }
    }
}

/// The place a geo header names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeoLocation {
    pub country: CountryCode,
    /// ISO 3166-2, e.g. `US-CA`.
    pub subdivision: Option<String>,
}

/// Reads a country header value: exactly two ASCII letters naming a real
/// country. `region` is the region header's value, if any; a region that
/// does not parse is dropped, not fatal.
pub fn parse_country_header(value: &str, region: Option<&str>) -> Option<GeoLocation> {
    if value.len() > MAX_GEO_HEADER_LEN {
        return None;
    }
    let country = CountryCode::parse(value)?;
    let subdivision = region
        .filter(|r| r.len() <= MAX_GEO_HEADER_LEN)
        .and_then(|r| parse_subdivision(country, r));
    Some(GeoLocation {
        country,
        subdivision,
    })
}

/// The fields of an `X-Akamai-Edgescape` value that matter here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Edgescape<'a> {
    pub country_code: Option<&'a str>,
    pub region_code: Option<&'a str>,
}

/// Splits an edgescape value
/// (`georegion=246,country_code=US,region_code=CA,city=SANJOSE,...`).
/// Keys are case-insensitive, spaces around pairs ignored, pairs without
/// `=` skipped. A key given twice with different values is ambiguous and
/// makes the whole value malformed (`None`), as does an over-long value.
pub fn parse_edgescape(value: &str) -> Option<Edgescape<'_>> {
    if value.len() > MAX_GEO_HEADER_LEN {
        return None;
    }
    let mut fields = Edgescape::default();
    for pair in value.split(',') {
        let Some((key, field)) = pair.split_once('=') else {
            continue;
        };
        let key = key.trim_matches([' ', '\t']);
        let field = field.trim_matches([' ', '\t']);
        let slot = if key.eq_ignore_ascii_case("country_code") {
            &mut fields.country_code
        } else if key.eq_ignore_ascii_case("region_code") {
            &mut fields.region_code
        } else {
            continue;
        };
        match *slot {
            Some(seen) if seen != field => return None,
            _ => *slot = Some(field),
        }
    }
    Some(fields)
}

/// Reads an `X-Akamai-Edgescape` value into a place.
pub fn parse_edgescape_location(value: &str) -> Option<GeoLocation> {
    let fields = parse_edgescape(value)?;
    let country = CountryCode::parse(fields.country_code?)?;
    let subdivision = fields
        .region_code
        .and_then(|r| parse_subdivision(country, r));
    Some(GeoLocation {
        country,
        subdivision,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn place(value: &str, region: Option<&str>) -> Option<(String, Option<String>)> {
        parse_country_header(value, region).map(|g| (g.country.to_string(), g.subdivision))
    }

    #[test]
    fn country_header_values() {
        assert_eq!(place("DE", None), Some(("DE".into(), None)));
        assert_eq!(
            place("us", Some("ca")),
            Some(("US".into(), Some("US-CA".into())))
        );
        assert_eq!(
            place("US", Some("US-CA")),
            Some(("US".into(), Some("US-CA".into())))
        );
        // A bad region does not spoil the country.
        assert_eq!(place("US", Some("California")), Some(("US".into(), None)));
        assert_eq!(place("US", Some("")), Some(("US".into(), None)));
    }

    #[test]
    fn placeholder_and_malformed_country_values() {
        for bad in [
            "", "U", "USA", "xx", "XX", "T1", "A1", "A2", "O1", "**", "ÜS", "U\u{7f}", "D E",
            "DE,FR",
        ] {
            assert_eq!(place(bad, None), None, "{bad:?}");
        }
    }

    #[test]
    fn edgescape_fields() {
        let value = "georegion=246,country_code=US,region_code=CA,city=SANJOSE,dma=807,\
                     msa=7362,areacode=408,county=SANTACLARA,fips=06085,lat=37.3353,\
                     long=-121.8938,timezone=PST,zip=95101-95103+95106,continent=NA,\
                     throughput=vhigh,asnum=7922";
        let loc = parse_edgescape_location(value).expect("a full edgescape value");
        assert_eq!(loc.country.as_str(), "US");
        assert_eq!(loc.subdivision.as_deref(), Some("US-CA"));

        let loose = parse_edgescape_location(" COUNTRY_CODE = gb , region_code=ENG,junk,=,")
            .expect("case and spaces are tolerated");
        assert_eq!(loose.country.as_str(), "GB");
        assert_eq!(loose.subdivision.as_deref(), Some("GB-ENG"));
    }

    #[test]
    fn edgescape_malformed() {
        assert_eq!(parse_edgescape_location(""), None);
        assert_eq!(parse_edgescape_location("georegion=246,city=PARIS"), None);
        assert_eq!(parse_edgescape_location("country_code=XX"), None);
        assert_eq!(parse_edgescape_location("country_code=USA"), None);
        // Conflicting duplicates are ambiguous.
        assert_eq!(parse_edgescape("country_code=US,country_code=FR"), None);
        // Same value twice is merely redundant.
        assert_eq!(
            parse_edgescape("country_code=US,country_code=US").and_then(|e| e.country_code),
            Some("US")
        );
        let long = format!("country_code=US,{}", "x=y,".repeat(1000));
        assert_eq!(parse_edgescape_location(&long), None);
        // Country without a valid region.
        let loc = parse_edgescape_location("country_code=FR,region_code=Île").expect("FR");
        assert_eq!(loc.subdivision, None);
    }

    #[test]
    fn defaults_deserialize_from_toml() {
        let h: GeoHeader =
            toml::from_str("name = \"x-akamai-edgescape\"\nformat = \"akamai-edgescape\"")
                .expect("akamai config");
        assert_eq!(h, GeoHeader::akamai());
        let h: GeoHeader =
            toml::from_str("name = \"cf-ipcountry\"\nregion_header = \"cf-region-code\"")
                .expect("cf config");
        assert_eq!(h, GeoHeader::cloudflare());
        assert!(toml::from_str::<GeoHeader>("name = \"x\"\nformat = \"nope\"").is_err());
    }

    fn assert_valid(loc: &GeoLocation) -> Result<(), TestCaseError> {
        let c = loc.country.as_str();
        prop_assert!(c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()));
        if let Some(sub) = &loc.subdivision {
            prop_assert!(sub.starts_with(c) && sub.as_bytes().get(2) == Some(&b'-'));
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn country_header_never_panics(v in any::<String>(), r in proptest::option::of(any::<String>())) {
            if let Some(loc) = parse_country_header(&v, r.as_deref()) {
                assert_valid(&loc)?;
            }
        }

        #[test]
        fn edgescape_never_panics(v in any::<String>()) {
            if let Some(loc) = parse_edgescape_location(&v) {
                assert_valid(&loc)?;
            }
        }

        #[test]
        fn edgescape_structured_inputs(
            pairs in proptest::collection::vec(
                ("(country_code|region_code|city|COUNTRY_CODE|[a-z_]{0,8})", "[A-Za-z0-9 +\\-]{0,6}"),
                0..12,
            ),
        ) {
            let value = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
            if let Some(loc) = parse_edgescape_location(&value) {
                assert_valid(&loc)?;
            }
        }
    }
}
