//! The router's choice for one backend call, natively.
//!
//! `cargo bench -p meridian-edge --bench routing`
//!
//! - `choose_gb_three_regions`: GB's residency (`uk`, `eu`) over three
//!   deployed regions, one circuit open, locality configured.
//! - `choose_any_latency_aware`: a rendition (any region) over five
//!   regions ranked by measured latency, with weights.
//! - `records_to_known`: turning the stored breaker records (as read in
//!   one batch) into what the choice needs, JSON decoding included.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use meridian_edge::backend::breaker::{Record, State, View};
use meridian_edge::backend::choice::{Known, choose};
use meridian_edge::backend::{Regional, RoutingConfig};
use meridian_edge::policy::Regions;

fn bench(c: &mut Criterion) {
    let three = Regional::parse(
        "eu=https://eu.backend,uk=https://uk.backend,us=https://us.backend",
        "try-on backend",
        "try-on frames",
        "x",
    )
    .expect("regions");
    let config = RoutingConfig::from_toml("locality = [\"uk\", \"eu\", \"us\"]").expect("config");
    let gb = Regions::Only(vec!["uk".into(), "eu".into()]);
    let known = [
        Known::default(),
        Known {
            view: View::Open {
                until_ms: 9,
                reason: "3 consecutive failures: unreachable".into(),
            },
            latency_us: Some(4_000),
        },
        Known::default(),
    ];
    let mut draw = 0u64;
    c.bench_function("choose_gb_three_regions", |b| {
        b.iter(|| {
            draw = draw.wrapping_add(1);
            choose(&three, black_box(&gb), &config, black_box(&known), draw)
        })
    });

    let five = Regional::parse(
        "eu=https://eu.b;weight=2,uk=https://uk.b,us=https://us.b;weight=3,jp=https://jp.b,sg=https://sg.b",
        "imaging backend",
        "renditions",
        "x",
    )
    .expect("regions");
    let aware = RoutingConfig::from_toml("latency_aware = true").expect("config");
    let known: Vec<Known> = [9_000, 4_000, 4_000, 120_000, 80_000]
        .into_iter()
        .map(|us| Known {
            view: View::Closed,
            latency_us: Some(us),
        })
        .collect();
    c.bench_function("choose_any_latency_aware", |b| {
        b.iter(|| {
            draw = draw.wrapping_add(1);
            choose(
                &five,
                black_box(&Regions::Any),
                &aware,
                black_box(&known),
                draw,
            )
        })
    });

    let stored: Vec<Option<Vec<u8>>> = (0..3)
        .map(|i| {
            let record = Record {
                state: if i == 1 { State::Open } else { State::Closed },
                consecutive: i,
                latency_us: Some(4_000 + u64::from(i)),
                measured_ms: 1_800_000_000_000,
                reason: "3 consecutive failures: unreachable (backend-unreachable)".into(),
                ..Record::default()
            };
            serde_json::to_vec(&record).ok()
        })
        .collect();
    c.bench_function("records_to_known", |b| {
        b.iter(|| {
            black_box(&stored)
                .iter()
                .map(|bytes| {
                    let record: Record = bytes
                        .as_deref()
                        .and_then(|b| serde_json::from_slice(b).ok())
                        .unwrap_or_default();
                    Known {
                        view: record.view(&config.breaker, 1_800_000_001_000),
                        latency_us: record.latency_us,
                    }
                })
                .collect::<Vec<_>>()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
