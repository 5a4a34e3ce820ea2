//! Replays every seed in `fuzz-corpus/market/` through every parser of the
//! module: long headers, control characters, invalid UTF-8, huge q-values.
//! (`cargo fuzz` needs nightly; proptest covers random inputs, this corpus
//! keeps the hand-picked nasty ones.) Each parser gets each file, whatever
//! its name says, since a header can carry any bytes.

use std::path::Path;

use super::client_ip::{client_from_forwarded_for, parse_addr};
use super::geo_header::{parse_country_header, parse_edgescape_location};
use super::*;

const SWISS: &[&str] = &["de-CH", "fr-CH", "it-CH", "en"];

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz-corpus/market");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("the corpus directory exists")
        .map(|entry| {
            let path = entry.expect("a readable directory entry").path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, std::fs::read(&path).expect("a readable corpus file"))
        })
        .collect();
    files.sort();
    files
}

fn valid_country(code: &str) -> bool {
    CountryCode::parse(code).is_some_and(|c| c.as_str() == code)
}

#[test]
fn corpus_replays_through_every_parser() {
    let files = corpus();
    assert!(
        files.len() >= 40,
        "corpus went missing: {} files",
        files.len()
    );
    let cfg =
        MarketConfig::from_toml("trusted_proxies = [\"10.0.0.0/8\"]\ndefault_country = \"CH\"")
            .expect("test config");
    let db = CountryDb::embedded().expect("the shipped database opens");

    for (name, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        let text = text.as_ref();

        if let Some(code) = CountryCode::parse(text) {
            assert!(valid_country(code.as_str()), "{name}");
        }
        if let Some(loc) = parse_country_header(text, Some(text)) {
            assert!(valid_country(loc.country.as_str()), "{name}");
        }
        if let Some(loc) = parse_edgescape_location(text) {
            assert!(valid_country(loc.country.as_str()), "{name}");
        }
        let _ = parse_addr(text);
        let _ = client_from_forwarded_for(&[text], &cfg.trusted_proxies);

        let parsed = parse_accept_language(text);
        assert!(
            parsed.ranges.len() + parsed.refused.len() <= locale::MAX_LANGUAGE_RANGES,
            "{name}"
        );
        assert!(
            parsed
                .ranges
                .iter()
                .all(|r| (1..=1000).contains(&r.quality)),
            "{name}"
        );
        let choice = negotiate_locale(Some(text), Some(text), SWISS, "de-CH");
        assert!(
            SWISS.contains(&choice.locale.as_str()),
            "{name}: {choice:?}"
        );
        if let Some(ignored) = &choice.ignored_override {
            assert!(
                ignored.is_ascii() && !ignored.chars().any(|c| c.is_ascii_control()),
                "{name}"
            );
        }

        // Raw bytes as every header a resolution reads, from a trusted and
        // an untrusted peer, and as the peer itself.
        let headers: Vec<(&str, &[u8])> = [
            "cf-ipcountry",
            "cf-region-code",
            "cloudfront-viewer-country",
            "x-akamai-edgescape",
            "x-forwarded-for",
        ]
        .into_iter()
        .map(|h| (h, bytes.as_slice()))
        .collect();
        for peer in [Some("10.0.0.2:443"), Some("8.8.8.8:1"), Some(text), None] {
            let r = resolve_country(&headers, peer, &cfg, Some(&db));
            assert!(valid_country(&r.country), "{name}: {r:?}");
            for report in [&r.ignored_spoofed_header, &r.rejected_geo_header]
                .into_iter()
                .flatten()
            {
                assert!(
                    report.is_ascii() && !report.chars().any(|c| c.is_ascii_control()),
                    "{name}"
                );
                assert!(report.len() < 200, "{name}: reports are cut short");
            }
        }
    }
}

#[test]
fn corpus_expectations() {
    let read = |name: &str| {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fuzz-corpus/market")
                .join(name),
        )
        .expect("corpus file exists")
    };
    let text = |name: &str| String::from_utf8_lossy(&read(name)).into_owned();
    assert_eq!(
        CountryCode::parse(&text("geo-valid-lower.txt"))
            .map(|c| c.to_string())
            .as_deref(),
        Some("CH")
    );
    for bad in [
        "geo-unknown-xx.txt",
        "geo-tor-t1.txt",
        "geo-non-ascii.txt",
        "geo-crlf-injection.txt",
        "geo-long.txt",
    ] {
        assert_eq!(CountryCode::parse(&text(bad)), None, "{bad}");
    }
    let full = parse_edgescape_location(&text("edgescape-full.txt")).expect("full edgescape");
    assert_eq!(full.subdivision.as_deref(), Some("US-CA"));
    assert_eq!(
        parse_edgescape_location(&text("edgescape-long.txt")),
        None,
        "over the length cap"
    );
    assert_eq!(
        parse_addr(&text("peer-v4-mapped.txt")),
        "8.8.8.8".parse().ok()
    );
    assert_eq!(parse_addr(&text("peer-zone-id.txt")), None);
    let choice = negotiate_locale(Some(&text("al-browser.txt")), None, SWISS, "de-CH");
    assert_eq!(choice.locale, "fr-CH");
    let huge = parse_accept_language(&text("al-huge-q.txt"));
    assert!(
        huge.ranges.is_empty() && huge.refused.is_empty(),
        "{huge:?}"
    );
    let ws = parse_accept_language(&text("al-whitespace.txt"));
    assert_eq!(ws.ranges.len(), 2);
    assert_eq!(
        ws.ranges.first().map(|r| (r.range.as_str(), r.quality)),
        Some(("fr", 1000))
    );
}
