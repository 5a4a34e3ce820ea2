//! Market resolution costs, which decide whether components embed the
//! IP-to-country database: opening the reader from embedded bytes (a Spin
//! component does that per request), one lookup per address family, and
//! the whole per-request path.
//!
//! `cargo bench -p meridian-edge --bench market`

use std::hint::black_box;
use std::net::IpAddr;

use criterion::{Criterion, criterion_group, criterion_main};
use meridian_edge::market::{
    CountryDb, EMBEDDED_DB, MarketConfig, negotiate_locale, resolve_country,
};

fn ip(text: &str) -> IpAddr {
    text.parse().expect("bench address parses")
}

fn bench_db(c: &mut Criterion) {
    println!("embedded database: {} bytes", EMBEDDED_DB.len());
    c.bench_function("db_open_from_bytes", |b| {
        b.iter(|| CountryDb::from_bytes(black_box(EMBEDDED_DB)).expect("opens"))
    });

    let db = CountryDb::embedded().expect("opens");
    for (name, addr) in [
        ("lookup_v4_8.8.8.8", "8.8.8.8"),
        ("lookup_v4_193.0.14.129", "193.0.14.129"),
        ("lookup_v6_2001:4860:4860::8888", "2001:4860:4860::8888"),
        ("lookup_v6_2a00:1450:4001::1", "2a00:1450:4001::1"),
        ("lookup_v6_miss_2c0f:ffff::1", "2c0f:ffff::1"),
    ] {
        let addr = ip(addr);
        c.bench_function(name, |b| {
            b.iter(|| db.lookup(black_box(addr)).expect("lookup"))
        });
    }
}

fn bench_request(c: &mut Criterion) {
    let cfg = MarketConfig::from_toml("trusted_proxies = [\"10.0.0.0/8\"]").expect("config");
    let headers = [
        ("host", "shop.example"),
        (
            "accept-language",
            "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5",
        ),
        ("x-forwarded-for", "198.51.100.1, 8.8.8.8"),
    ];
    c.bench_function("resolve_open_and_lookup_via_xff", |b| {
        b.iter(|| {
            let db = CountryDb::embedded().expect("opens");
            resolve_country(black_box(&headers), Some("10.0.0.2:443"), &cfg, Some(&db))
        })
    });
    let geo = [("cf-ipcountry", "CH"), ("cf-region-code", "ZH")];
    c.bench_function("resolve_trusted_geo_header", |b| {
        b.iter(|| resolve_country(black_box(&geo), Some("10.0.0.2:443"), &cfg, None))
    });
    c.bench_function("negotiate_locale_browser_header", |b| {
        b.iter(|| {
            negotiate_locale(
                black_box(Some("fr-FR, fr;q=0.9, en-US;q=0.8, en;q=0.7, de;q=0.5")),
                None,
                &["de-CH", "fr-CH", "it-CH", "en"],
                "de-CH",
            )
        })
    });
}

criterion_group!(benches, bench_db, bench_request);
criterion_main!(benches);
