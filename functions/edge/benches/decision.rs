//! A full edge decision for one request: market, locale and policy.
//!
//! `cargo bench -p meridian-edge --bench decision`
//!
//! - `pack_set_load_embedded`: parsing and validating every TOML pack,
//!   which is why components read the compiled set instead.
//! - `admit_*`: what a component does per request: decode the compiled
//!   packs for the shopper's country, resolve country and locale, decide.
//! - `decide_only`: the decision with the packs already decoded.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use meridian_edge::gate::{Ask, admit};
use meridian_edge::market::{CountryDb, MarketConfig};
use meridian_edge::policy::{CompiledPacks, PackSet, PolicyInput, Purpose, decide};

fn bench(c: &mut Criterion) {
    c.bench_function("pack_set_load_embedded", |b| {
        b.iter(|| PackSet::embedded().expect("shipped packs validate"))
    });

    let cfg = MarketConfig::from_toml("trusted_proxies = [\"10.0.0.0/8\"]").expect("config");
    let ask = Ask {
        purpose: Purpose::Personalize,
        sku: Some("MRD-ORBIT-TITANIUM"),
        category: None,
    };
    let via_ip = [
        ("accept-language", "de-DE, de;q=0.9, en;q=0.8"),
        ("x-forwarded-for", "193.0.14.129"),
        ("sec-gpc", "1"),
    ];
    c.bench_function("admit_ip_lookup", |b| {
        b.iter(|| {
            let db = CountryDb::embedded().expect("embedded database opens");
            let packs = CompiledPacks::embedded().expect("compiled packs decode");
            admit(
                black_box(&via_ip),
                Some("10.0.0.2:443"),
                "",
                ask,
                &cfg,
                Some(&db),
                &packs,
            )
            .expect("admits")
        })
    });
    let via_header = [
        ("cf-ipcountry", "FR"),
        ("accept-language", "fr-FR,fr;q=0.9"),
    ];
    c.bench_function("admit_geo_header", |b| {
        b.iter(|| {
            let packs = CompiledPacks::embedded().expect("compiled packs decode");
            admit(
                black_box(&via_header),
                Some("10.0.0.2:443"),
                "",
                ask,
                &cfg,
                None,
                &packs,
            )
            .expect("admits")
        })
    });

    let packs = PackSet::embedded().expect("shipped packs validate");
    let mut input = PolicyInput::new("DE", Purpose::Personalize);
    input.gpc = true;
    input.sku = Some("MRD-ORBIT-TITANIUM");
    c.bench_function("decide_only", |b| {
        b.iter(|| decide(black_box(&input), &packs))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
