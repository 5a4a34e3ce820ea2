//! Market resolution costs: opening the IP-to-country database (a Spin
//! component does that once per instance), one lookup per address family
//! in the MaxMind DB and in the country table built from it, and the whole
//! per-request path.
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

/// The shipped country table (what components mount).
static TABLE: &[u8] = include_bytes!("../data/country/country.table");

fn bench_db(c: &mut Criterion) {
    println!(
        "MaxMind DB: {} bytes; country table: {} bytes",
        EMBEDDED_DB.len(),
        TABLE.len()
    );
    c.bench_function("db_open_from_bytes", |b| {
        b.iter(|| CountryDb::from_bytes(black_box(EMBEDDED_DB)).expect("opens"))
    });
    c.bench_function("table_open_from_bytes", |b| {
        b.iter(|| CountryDb::from_bytes(black_box(TABLE)).expect("opens"))
    });

    let mmdb = CountryDb::embedded().expect("opens");
    let table = CountryDb::from_bytes(TABLE).expect("opens");
    for (kind, db) in [("mmdb", &mmdb), ("table", &table)] {
        bench_lookups(c, kind, db);
    }
}

fn bench_lookups(c: &mut Criterion, kind: &str, db: &CountryDb) {
    for (name, addr) in [
        ("lookup_v4_8.8.8.8", "8.8.8.8"),
        ("lookup_v4_193.0.14.129", "193.0.14.129"),
        ("lookup_v6_2001:4860:4860::8888", "2001:4860:4860::8888"),
        ("lookup_v6_2a00:1450:4001::1", "2a00:1450:4001::1"),
        ("lookup_v6_miss_2c0f:ffff::1", "2c0f:ffff::1"),
    ] {
        let addr = ip(addr);
        c.bench_function(&format!("{kind}_{name}"), |b| {
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
