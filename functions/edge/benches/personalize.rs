//! Gate plus assignment for one request, as the pages and origin
//! components do it on a reused instance: admit (resolve the market,
//! decide, including the personalization decision, from packs the
//! instance decoded once), then evaluate every feature of the shipped
//! definitions for the shopper's cookie.
//!
//! `cargo bench -p meridian-edge --bench personalize`
//!
//! - `gate_and_assign_new_shopper`: a US shopper without a cookie (an id
//!   is issued, sticky documents written).
//! - `gate_and_assign_returning_shopper`: with the cookie the first visit
//!   set (its sticky buckets current: nothing to re-sign).
//! - `gate_and_assign_no_consent`: Germany without a TC string.
//! - `definitions_parse`: what a component does when the definitions
//!   change (once per instance and version, not per request).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use meridian_edge::gate::{Ask, admit};
use meridian_edge::market::MarketConfig;
use meridian_edge::personalize::assign::{Context, Device, Identity, assign};
use meridian_edge::personalize::definitions::Definitions;
use meridian_edge::personalize::identity::{self, CookieKey};
use meridian_edge::policy::CompiledPacks;

const NOW: u64 = 1_796_140_800;

fn bench(c: &mut Criterion) {
    let cfg = MarketConfig::from_toml("trusted_proxies = [\"10.0.0.0/8\"]").expect("config");
    let defs = Definitions::shipped().expect("definitions");
    let key = CookieKey::new("a-benchmark-secret-of-thirty-two-bytes").expect("key");
    let no_weights = |_: &str, _: usize| None;
    // Per instance: decoded once, the merchant file and packs memoized.
    let packs = CompiledPacks::embedded().expect("compiled packs decode");
    let run = |headers: &[(&str, &str)], random: [u8; 16]| {
        let admission = admit(
            black_box(headers),
            Some("10.0.0.2:443"),
            "",
            Ask::default(),
            &cfg,
            None,
            &packs,
        )
        .expect("admits");
        let sent = identity::read(headers, &key, NOW);
        let a = assign(
            &defs,
            Context {
                admission: &admission,
                page: "/",
                device: Device::from_headers(headers),
                custom: serde_json::Map::new(),
                sent,
                now: NOW,
                random,
                identity_available: true,
                may_issue: true,
            },
            &no_weights,
        );
        let headers = a.headers(Some(&key), NOW);
        (a, headers)
    };
    let new = [("cf-ipcountry", "US"), ("accept-language", "en-US")];
    let (first, _) = run(&new, [3; 16]);
    let profile = first.identity.profile().expect("an id was issued");
    let cookie = format!("{}={}", identity::COOKIE, profile.encode(&key));
    c.bench_function("gate_and_assign_new_shopper", |b| {
        b.iter(|| black_box(run(&new, [9; 16])))
    });
    let returning = [
        ("cf-ipcountry", "US"),
        ("accept-language", "en-US"),
        ("cookie", cookie.as_str()),
    ];
    let (again, _) = run(&returning, [9; 16]);
    assert!(
        matches!(again.identity, Identity::Keep(_)),
        "a returning shopper's cookie is current"
    );
    c.bench_function("gate_and_assign_returning_shopper", |b| {
        b.iter(|| black_box(run(&returning, [9; 16])))
    });
    let de = [("cf-ipcountry", "DE"), ("accept-language", "de-DE")];
    c.bench_function("gate_and_assign_no_consent", |b| {
        b.iter(|| black_box(run(&de, [9; 16])))
    });
    c.bench_function("definitions_parse", |b| {
        b.iter(|| Definitions::shipped().expect("definitions"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
