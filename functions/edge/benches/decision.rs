//! A full edge decision for one request: market, locale and policy.
//!
//! `cargo bench -p meridian-edge --bench decision`
//!
//! `pack_set_load` is what a component pays when it builds the policy set
//! from the embedded TOML; `full_decision_*` is the per-request work once
//! the set is loaded.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use meridian_edge::market::{CountryDb, MarketConfig, negotiate_locale, resolve_country};
use meridian_edge::policy::{PackSet, PolicyInput, Purpose, decide};

fn bench(c: &mut Criterion) {
    c.bench_function("pack_set_load_embedded", |b| {
        b.iter(|| PackSet::embedded().expect("shipped packs validate"))
    });

    let packs = PackSet::embedded().expect("shipped packs validate");
    let db = CountryDb::embedded().expect("embedded database opens");
    let cfg = MarketConfig::from_toml("trusted_proxies = [\"10.0.0.0/8\"]").expect("config");
    let headers = [
        ("accept-language", "de-DE, de;q=0.9, en;q=0.8"),
        ("x-forwarded-for", "193.0.14.129"),
        ("sec-gpc", "1"),
    ];
    c.bench_function("full_decision_ip_lookup", |b| {
        b.iter(|| {
            let country =
                resolve_country(black_box(&headers), Some("10.0.0.2:443"), &cfg, Some(&db));
            let pack = packs
                .market(&country.country, country.subdivision.as_deref())
                .pack;
            let languages: Vec<&str> = pack
                .storefront
                .languages
                .iter()
                .map(String::as_str)
                .collect();
            let locale = negotiate_locale(
                Some("de-DE, de;q=0.9, en;q=0.8"),
                None,
                &languages,
                languages[0],
            );
            let mut input = PolicyInput::new(&country.country, Purpose::Personalize);
            input.subdivision = country.subdivision.as_deref();
            input.gpc = true;
            input.locale = Some(&locale.locale);
            decide(black_box(&input), &packs)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
