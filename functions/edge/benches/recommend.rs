//! The edge re-ranker on 500 synthetic candidates (k = 10): candidate
//! generation, the predicate, rules, MMR over 16-dimensional embeddings
//! and exploration, per request. Target: at most 1 ms p99 natively.
//!
//! `cargo bench -p meridian-edge --bench recommend`
//!
//! With `RECOMMEND_CALLS=N` set, the binary skips criterion and the timed
//! loop and makes N calls only: under `valgrind --tool=callgrind` the
//! difference between N and 0 calls is the instruction count of N requests,
//! which, unlike time, does not depend on what else the machine runs.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group};
use meridian_edge::personalize::recommend::{
    Candidate, Context, RawData, RawItem, RecConfig, RecData, Request, Scored, recommend,
};

const ITEMS: usize = 500;
const DIM: usize = 16;
const CATEGORIES: &[&str] = &[
    "eyewear",
    "apparel",
    "jewellery",
    "cosmetics",
    "luxury",
    "home",
    "footwear",
    "watches",
];

/// 500 items; `S000` is similar to 250 of them and the market's trending
/// list holds all 500, so every item is a candidate.
fn data() -> RecData {
    let mut state: u64 = 42;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let sku = |i: usize| format!("S{i:03}");
    let mut items = std::collections::BTreeMap::new();
    for i in 0..ITEMS {
        let similar = if i == 0 {
            (1..=250)
                .map(|j| Scored {
                    sku: sku(j),
                    score: 1.0 - j as f64 / 300.0,
                })
                .collect()
        } else {
            Vec::new()
        };
        items.insert(
            sku(i),
            RawItem {
                category: CATEGORIES[i % CATEGORIES.len()].to_owned(),
                in_stock: i % 17 != 0,
                promoted: i % 23 == 0,
                popularity: next(),
                embedding: (0..DIM).map(|_| next() * 2.0 - 1.0).collect(),
                similar,
            },
        );
    }
    let trending = (0..ITEMS)
        .map(|i| Scored {
            sku: sku(i),
            score: 1.0 - i as f64 / ITEMS as f64,
        })
        .collect();
    RecData::new(RawData {
        format: 1,
        generated_by: "bench".into(),
        dim: DIM,
        items,
        trending: [("DE".to_owned(), trending)].into_iter().collect(),
    })
    .expect("bench data validates")
}

/// The caller's predicate: a territorial block on one item in ten.
fn allowed(c: &Candidate<'_>) -> bool {
    !c.sku.ends_with('7')
}

fn bench(c: &mut Criterion) {
    let data = data();
    let config = RecConfig::default();
    let context = Context::Product("S000".into());
    let recent = vec!["S003".to_owned(), "S004".to_owned()];
    let request = Request {
        context: &context,
        market: "DE",
        recently_viewed: Some(&recent),
        k: Some(10),
        now: 1_796_083_200,
    };
    let first = recommend(&data, &config, &request, allowed).expect("recommends");
    assert_eq!(first.items.len(), 10);

    if let Some(calls) = calls_only() {
        for _ in 0..calls {
            black_box(recommend(black_box(&data), &config, black_box(&request), allowed).ok());
        }
        return;
    }

    c.bench_function("recommend_500_candidates_k10", |b| {
        b.iter(|| recommend(black_box(&data), &config, black_box(&request), allowed))
    });

    // Criterion reports means; the target is a tail, so measure one.
    let mut times: Vec<f64> = (0..5_000)
        .map(|_| {
            let t = Instant::now();
            black_box(recommend(&data, &config, black_box(&request), allowed).ok());
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!(
        "recommend_500_candidates_k10 over {} runs: p50 {:.1} us, p99 {:.1} us, max {:.1} us",
        times.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

/// `RECOMMEND_CALLS`, when set: the number of calls to make, nothing else.
fn calls_only() -> Option<usize> {
    let text = std::env::var("RECOMMEND_CALLS").ok()?;
    match text.parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("RECOMMEND_CALLS is a count, not `{text}`"),
    }
}

criterion_group!(benches, bench);

fn main() {
    benches();
    if calls_only().is_none() {
        Criterion::default().configure_from_args().final_summary();
    }
}
