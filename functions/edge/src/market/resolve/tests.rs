use proptest::prelude::*;

use super::*;
use crate::market::config::ClientIpHeader;
use crate::market::country_code::CountryCode;

/// Cloudflare-ish proxies at 10.0.0.0/8 and 2001:db8:cafe::/48.
fn cfg() -> MarketConfig {
    MarketConfig::from_toml(
        r#"
        default_country = "CH"
        trusted_proxies = ["10.0.0.0/8", "2001:db8:cafe::/48"]
        "#,
    )
    .expect("test config")
}

fn db() -> CountryDb {
    CountryDb::embedded().expect("the shipped database opens")
}

fn resolve(headers: &[(&str, &str)], peer: Option<&str>) -> CountryResolution {
    resolve_country(headers, peer, &cfg(), Some(&db()))
}

const PROXY: Option<&str> = Some("10.0.0.2:443");

fn geo(header: &str) -> CountrySource {
    CountrySource::GeoHeader {
        header: header.to_owned(),
    }
}

#[test]
fn trusted_cloudflare_header_with_region() {
    let r = resolve(
        &[
            ("CF-IPCountry", "de"),
            ("cf-region-code", "BY"),
            ("x-forwarded-for", "203.0.113.9"),
        ],
        PROXY,
    );
    assert_eq!(r.country, "DE");
    assert_eq!(r.subdivision.as_deref(), Some("DE-BY"));
    assert_eq!(r.source, geo("cf-ipcountry"));
    assert_eq!(r.reason, reason::GEO_HEADER_TRUSTED);
    assert_eq!(r.ignored_spoofed_header, None);
    assert_eq!(
        r.client_ip,
        "203.0.113.9".parse().ok(),
        "kept for the audit log"
    );
}

#[test]
fn each_cdn_format() {
    let r = resolve(
        &[
            ("cloudfront-viewer-country", "US"),
            ("cloudfront-viewer-country-region", "CA"),
        ],
        PROXY,
    );
    assert_eq!(
        (r.country.as_str(), r.subdivision.as_deref()),
        ("US", Some("US-CA"))
    );
    assert_eq!(r.source, geo("cloudfront-viewer-country"));

    let r = resolve(
        &[
            ("Fastly-Geo-Country", "FR"),
            ("Fastly-Geo-Region", "FR-IDF"),
        ],
        PROXY,
    );
    assert_eq!(
        (r.country.as_str(), r.subdivision.as_deref()),
        ("FR", Some("FR-IDF"))
    );
    assert_eq!(r.source, geo("fastly-geo-country"));

    let r = resolve(
        &[(
            "X-Akamai-Edgescape",
            "georegion=246,country_code=US,region_code=NY,city=NEWYORK,continent=NA",
        )],
        PROXY,
    );
    assert_eq!(
        (r.country.as_str(), r.subdivision.as_deref()),
        ("US", Some("US-NY"))
    );
    assert_eq!(r.source, geo("x-akamai-edgescape"));
}

#[test]
fn untrusted_peer_header_is_ignored_and_reported() {
    let r = resolve(&[("cf-ipcountry", "FR")], Some("8.8.8.8:5555"));
    assert_eq!(r.country, "US", "from the database, not the header");
    assert_eq!(r.source, CountrySource::IpDatabase);
    assert_eq!(r.reason, reason::IP_DATABASE);
    assert_eq!(
        r.ignored_spoofed_header.as_deref(),
        Some("cf-ipcountry: FR")
    );
    assert_eq!(r.client_ip, "8.8.8.8".parse().ok());

    // No peer at all is not trusted either.
    let r = resolve(&[("x-akamai-edgescape", "country_code=FR")], None);
    assert_eq!(r.country, "CH");
    assert_eq!(r.reason, reason::DEFAULT_NO_CLIENT_IP);
    assert_eq!(
        r.ignored_spoofed_header.as_deref(),
        Some("x-akamai-edgescape: country_code=FR")
    );
}

#[test]
fn spoof_report_is_escaped_and_truncated() {
    let long = format!("\u{1b}[31mÜ{}", "A".repeat(200));
    let r = resolve(&[("cf-ipcountry", long.as_str())], Some("8.8.8.8:1"));
    let report = r.ignored_spoofed_header.expect("reported");
    assert!(
        report.starts_with("cf-ipcountry: \\x1b[31m\\xc3\\x9cAAA"),
        "{report}"
    );
    assert!(report.ends_with("..."));
    assert!(report.is_ascii() && !report.chars().any(|c| c.is_ascii_control()));
}

#[test]
fn malformed_trusted_values_fall_through_to_the_database() {
    for bad in [
        "U", "USA", "xx", "XX", "", "T1", "A1", "A2", "O1", "Ü", "ÜS", "D\u{0}",
    ] {
        let r = resolve(
            &[("cf-ipcountry", bad), ("x-forwarded-for", "8.8.8.8")],
            PROXY,
        );
        assert_eq!(r.country, "US", "{bad:?}");
        assert_eq!(r.source, CountrySource::IpDatabase, "{bad:?}");
        assert_eq!(r.reason, reason::IP_DATABASE_GEO_HEADER_INVALID, "{bad:?}");
        assert!(r.rejected_geo_header.is_some(), "{bad:?}");
    }
}

#[test]
fn non_utf8_header_bytes_are_malformed() {
    let headers: Vec<(String, Vec<u8>)> = vec![
        ("cf-ipcountry".into(), vec![0xff, 0xfe]),
        ("x-forwarded-for".into(), b"8.8.8.8".to_vec()),
    ];
    let r = resolve_country(&headers, PROXY, &cfg(), Some(&db()));
    assert_eq!(r.reason, reason::IP_DATABASE_GEO_HEADER_INVALID);
    assert_eq!(
        r.rejected_geo_header.as_deref(),
        Some("cf-ipcountry: \\xff\\xfe")
    );

    // An unreadable forwarded-for line spoils the whole chain.
    let headers: Vec<(String, Vec<u8>)> = vec![
        ("x-forwarded-for".into(), b"8.8.8.8".to_vec()),
        ("x-forwarded-for".into(), vec![b'1', 0xff]),
    ];
    let r = resolve_country(&headers, PROXY, &cfg(), Some(&db()));
    assert_eq!(r.reason, reason::DEFAULT_NO_CLIENT_IP);
}

#[test]
fn tor_header_does_not_let_a_passed_through_header_win() {
    // Cloudflare says Tor; the client added a CloudFront header hoping it counts.
    let r = resolve(
        &[
            ("cf-ipcountry", "T1"),
            ("cloudfront-viewer-country", "DE"),
            ("x-forwarded-for", "185.220.101.1"),
        ],
        PROXY,
    );
    assert_eq!(r.reason, reason::IP_DATABASE_GEO_HEADER_INVALID);
    assert_eq!(r.source, CountrySource::IpDatabase);
    assert_eq!(r.rejected_geo_header.as_deref(), Some("cf-ipcountry: T1"));
}

#[test]
fn conflicting_geo_headers_are_not_believed() {
    let r = resolve(
        &[
            ("cf-ipcountry", "FR"),
            ("cloudfront-viewer-country", "DE"),
            ("x-forwarded-for", "8.8.8.8"),
        ],
        PROXY,
    );
    assert_eq!(r.country, "US");
    assert_eq!(r.reason, reason::IP_DATABASE_GEO_HEADER_CONFLICT);
    assert_eq!(
        r.rejected_geo_header.as_deref(),
        Some("cf-ipcountry: FR; cloudfront-viewer-country: DE")
    );
    // Agreeing headers, or a junk second one, are fine.
    let r = resolve(
        &[("cf-ipcountry", "FR"), ("cloudfront-viewer-country", "fr")],
        PROXY,
    );
    assert_eq!(
        (r.country.as_str(), r.reason),
        ("FR", reason::GEO_HEADER_TRUSTED)
    );
    let r = resolve(
        &[("cf-ipcountry", "FR"), ("cloudfront-viewer-country", "XX")],
        PROXY,
    );
    assert_eq!(
        (r.country.as_str(), r.reason),
        ("FR", reason::GEO_HEADER_TRUSTED)
    );
}

#[test]
fn repeated_geo_header() {
    let r = resolve(&[("cf-ipcountry", "FR"), ("cf-ipcountry", " FR")], PROXY);
    assert_eq!(
        (r.country.as_str(), r.reason),
        ("FR", reason::GEO_HEADER_TRUSTED)
    );
    let r = resolve(&[("cf-ipcountry", "FR"), ("cf-ipcountry", "DE")], PROXY);
    assert_eq!(r.reason, reason::DEFAULT_NO_CLIENT_IP);
    assert_eq!(r.rejected_geo_header.as_deref(), Some("cf-ipcountry: FR"));
}

#[test]
fn ipv6_peers() {
    // Documentation address: no place, default market.
    let r = resolve(&[], Some("[2001:db8::1]:443"));
    assert_eq!(
        (r.country.as_str(), r.reason),
        ("CH", reason::DEFAULT_CLIENT_IP_NOT_PUBLIC)
    );
    assert_eq!(r.client_ip, "2001:db8::1".parse().ok());
    // A public IPv6 client.
    let r = resolve(&[], Some("[2001:4860:4860::8888]:443"));
    assert_eq!((r.country.as_str(), r.reason), ("US", reason::IP_DATABASE));
    // A trusted IPv6 proxy.
    let r = resolve(&[("cf-ipcountry", "JP")], Some("[2001:db8:cafe::5]:443"));
    assert_eq!(
        (r.country.as_str(), r.reason),
        ("JP", reason::GEO_HEADER_TRUSTED)
    );
}

#[test]
fn ipv4_mapped_peers() {
    // A dual-stack socket reports the trusted proxy as ::ffff:10.0.0.2.
    let r = resolve(&[("cf-ipcountry", "IT")], Some("[::ffff:10.0.0.2]:443"));
    assert_eq!(
        (r.country.as_str(), r.reason),
        ("IT", reason::GEO_HEADER_TRUSTED)
    );
    let r = resolve(&[], Some("[::ffff:8.8.8.8]:443"));
    assert_eq!((r.country.as_str(), r.reason), ("US", reason::IP_DATABASE));
    assert_eq!(r.client_ip, "8.8.8.8".parse().ok());
}

#[test]
fn forwarded_for_chains() {
    // The client wrote 1.1.1.1 (AU); our proxy saw 8.8.8.8 (US).
    let r = resolve(&[("x-forwarded-for", "1.1.1.1, 8.8.8.8, 10.0.0.9")], PROXY);
    assert_eq!((r.country.as_str(), r.reason), ("US", reason::IP_DATABASE));
    assert_eq!(r.client_ip, "8.8.8.8".parse().ok());
    // Untrusted peers' forwarded-for is ignored.
    let r = resolve(&[("x-forwarded-for", "1.1.1.1")], Some("8.8.8.8:1"));
    assert_eq!(r.country, "US");
    // A trusted peer without a client address: the proxy's own address is no answer.
    let r = resolve(&[], PROXY);
    assert_eq!(
        (r.country.as_str(), r.reason),
        ("CH", reason::DEFAULT_NO_CLIENT_IP)
    );
    let r = resolve(&[("x-forwarded-for", "unknown")], PROXY);
    assert_eq!(r.reason, reason::DEFAULT_NO_CLIENT_IP);
}

#[test]
fn single_client_ip_header() {
    let mut cfg = cfg();
    cfg.client_ip_header = Some(ClientIpHeader::single("cf-connecting-ip"));
    let db = db();
    let headers = [
        ("cf-connecting-ip", "1.1.1.1"),
        ("x-forwarded-for", "8.8.8.8"),
    ];
    let r = resolve_country(&headers, PROXY, &cfg, Some(&db));
    assert_eq!((r.country.as_str(), r.reason), ("AU", reason::IP_DATABASE));
    let headers = [
        ("cf-connecting-ip", "1.1.1.1"),
        ("cf-connecting-ip", "8.8.8.8"),
    ];
    let r = resolve_country(&headers, PROXY, &cfg, Some(&db));
    assert_eq!(r.reason, reason::DEFAULT_NO_CLIENT_IP);
    cfg.client_ip_header = None;
    let r = resolve_country(&[("x-forwarded-for", "8.8.8.8")], PROXY, &cfg, Some(&db));
    assert_eq!(r.reason, reason::DEFAULT_NO_CLIENT_IP);
}

#[test]
fn private_addresses_get_the_default() {
    // The database says AU for 192.168.0.0/16; that must not leak through.
    for peer in [
        "192.168.1.1:80",
        "127.0.0.1:80",
        "[::1]:80",
        "[fe80::1]:80",
        "172.16.5.4:1",
    ] {
        let r = resolve(&[], Some(peer));
        assert_eq!(
            (r.country.as_str(), r.reason),
            ("CH", reason::DEFAULT_CLIENT_IP_NOT_PUBLIC),
            "{peer}"
        );
    }
    let r = resolve(&[("x-forwarded-for", "192.168.7.7")], PROXY);
    assert_eq!(r.reason, reason::DEFAULT_CLIENT_IP_NOT_PUBLIC);
}

#[test]
fn default_fallbacks() {
    let r = resolve(&[], None);
    assert_eq!(
        (r.country.as_str(), &r.source, r.reason),
        ("CH", &CountrySource::Default, reason::DEFAULT_NO_CLIENT_IP)
    );
    let r = resolve(&[], Some("not an address"));
    assert_eq!(r.reason, reason::DEFAULT_NO_CLIENT_IP);
    let r = resolve_country(&[("a", "b")], Some("8.8.8.8:1"), &cfg(), None);
    assert_eq!(
        (r.country.as_str(), r.reason),
        ("CH", reason::DEFAULT_NO_DATABASE)
    );
    // Public but unallocated in this database build.
    let r = resolve(&[], Some("[2c0f:ffff::1]:1"));
    assert_eq!(
        (r.country.as_str(), r.reason),
        ("CH", reason::DEFAULT_NO_HEADER_NO_IP_MATCH)
    );
    // Without an explicit default country, an unlocated shopper gets the
    // strict default pack's code, never a real market's.
    let r = resolve_country(&[("x", "y")], None, &MarketConfig::default(), None);
    assert_eq!(
        (r.country.as_str(), &r.source),
        ("ZZ", &CountrySource::Default)
    );
    let trusting = MarketConfig::from_toml("trusted_proxies = [\"10.0.0.0/8\"]").expect("cfg");
    for peer in [None, Some("192.168.1.1:80"), Some("10.0.0.2:443")] {
        let r = resolve_country(&[("cf-ipcountry", "XX")], peer, &trusting, Some(&db()));
        assert_eq!(r.country, "ZZ", "{peer:?}: {}", r.reason);
    }
}

#[test]
fn trusted_peer_without_geo_header_uses_the_database() {
    let r = resolve(&[("x-forwarded-for", "193.0.14.129")], PROXY);
    assert_eq!(
        (r.country.as_str(), r.reason, r.rejected_geo_header),
        ("NL", reason::IP_DATABASE, None)
    );
}

#[test]
fn serializes_for_logs() {
    let r = resolve(&[("cf-ipcountry", "de")], PROXY);
    let json = serde_json::to_value(&r).expect("serializes");
    assert_eq!(json["country"], "DE");
    assert_eq!(json["source"]["kind"], "geo-header");
    assert_eq!(json["source"]["header"], "cf-ipcountry");
    assert_eq!(json["reason"], "geo-header-trusted");
}

fn assert_valid(r: &CountryResolution) -> Result<(), TestCaseError> {
    prop_assert!(CountryCode::parse(&r.country).is_some_and(|c| c.as_str() == r.country));
    if let Some(sub) = &r.subdivision {
        let prefix = format!("{}-", r.country);
        prop_assert!(sub.starts_with(&prefix));
    }
    for report in [&r.ignored_spoofed_header, &r.rejected_geo_header]
        .into_iter()
        .flatten()
    {
        prop_assert!(report.is_ascii() && !report.chars().any(|c| c.is_ascii_control()));
    }
    Ok(())
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("cf-ipcountry".to_owned()),
        Just("CF-Region-Code".to_owned()),
        Just("cloudfront-viewer-country".to_owned()),
        Just("x-akamai-edgescape".to_owned()),
        Just("x-forwarded-for".to_owned()),
        Just("fastly-geo-country".to_owned()),
        "[a-z-]{1,12}",
    ]
}

fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        "[A-Za-z]{2}".prop_map(String::into_bytes),
        "(country_code|region_code)=[A-Za-z0-9]{0,3}(,[a-z_]{1,5}=[A-Z]{0,3}){0,3}"
            .prop_map(String::into_bytes),
        "([0-9]{1,3}\\.){3}[0-9]{1,3}(, ?([0-9]{1,3}\\.){3}[0-9]{1,3}){0,3}"
            .prop_map(String::into_bytes),
        any::<Vec<u8>>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn resolve_never_panics_and_always_names_a_country(
        headers in proptest::collection::vec((header_name(), header_value()), 0..8),
        peer in proptest::option::of(prop_oneof![
            Just("10.0.0.2:443".to_owned()),
            Just("8.8.8.8:1".to_owned()),
            any::<String>(),
        ]),
    ) {
        let db = db();
        let r = resolve_country(&headers, peer.as_deref(), &cfg(), Some(&db));
        assert_valid(&r)?;
        let trusted = peer.as_deref().and_then(crate::market::client_ip::parse_addr).is_some_and(|ip| cfg().is_trusted(ip));
        if !trusted {
            prop_assert!(!matches!(r.source, CountrySource::GeoHeader { .. }), "untrusted: {:?}", r);
        }
    }
}

/// Every shipped subdivision pack (`US-CT`, ...) is reachable from every
/// default CDN format that carries a region, and the region chooses it.
#[test]
fn every_subdivision_pack_is_reachable_from_every_region_header() {
    let packs = crate::policy::PackSet::embedded().expect("shipped packs");
    let subdivisions: Vec<&str> = packs
        .packs()
        .map(|p| p.market.as_str())
        .filter(|m| m.contains('-'))
        .collect();
    assert!(subdivisions.len() >= 20, "{subdivisions:?}");
    for sub in subdivisions {
        let (country, part) = sub.split_once('-').expect("CC-XX");
        let edgescape = format!("country_code={country},region_code={part},city=X");
        let lower = part.to_ascii_lowercase();
        let cases: [(&str, Vec<(&str, &str)>); 5] = [
            (
                "cf-ipcountry",
                vec![("cf-ipcountry", country), ("cf-region-code", part)],
            ),
            (
                "cf-ipcountry",
                vec![("cf-ipcountry", country), ("cf-region-code", sub)],
            ),
            (
                "cloudfront-viewer-country",
                vec![
                    ("cloudfront-viewer-country", country),
                    ("cloudfront-viewer-country-region", &lower),
                ],
            ),
            (
                "fastly-geo-country",
                vec![("fastly-geo-country", country), ("fastly-geo-region", part)],
            ),
            (
                "x-akamai-edgescape",
                vec![("x-akamai-edgescape", &edgescape)],
            ),
        ];
        for (header, headers) in cases {
            let r = resolve(&headers, PROXY);
            assert_eq!(r.source, geo(header), "{sub} via {headers:?}");
            assert_eq!(r.subdivision.as_deref(), Some(sub), "{sub} via {headers:?}");
            let found = packs.market(&r.country, r.subdivision.as_deref());
            assert_eq!(
                (found.pack.market.as_str(), found.reason),
                (sub, "market-pack-subdivision"),
                "{headers:?}"
            );
        }
    }
}
