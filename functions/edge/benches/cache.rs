//! The edge cache's hit path natively, against the store read it wraps.
//!
//! `cargo bench -p meridian-edge --bench cache`
//!
//! - `store_get_*`: one key-value read of an entry's bytes, the floor.
//! - `hit_*`: a whole cache hit: the `Vary` record, the entry, its head
//!   (policy, headers), freshness, `Cache-Status`, the response.
//! - `miss_store_40k`: a miss that stores (what a render or origin fetch
//!   costs on top of its own time).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use meridian_edge::cache::flow::Client;
use meridian_edge::cache::{CacheConfig, CacheRequest, Fetched, Kv, MemoryKv, serve};
use meridian_edge::http::response::Refusal;

const T0: u64 = 1_790_000_000;

fn response(body: &[u8], vary: bool) -> Fetched {
    let mut b = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .header(
            "cache-control",
            "public, max-age=86400, stale-while-revalidate=60",
        )
        .header("etag", "\"abc\"")
        .header("surrogate-key", "catalog sku:MRD-1");
    if vary {
        b = b.header("vary", "meridian-currency, meridian-locale");
    }
    b.body(body.to_vec()).expect("response")
}

fn run(kv: &MemoryKv, config: &CacheConfig, req: &CacheRequest, fetched: &Fetched) -> usize {
    let fetch =
        async |_parts: http::request::Parts| -> Result<Fetched, Refusal> { Ok(fetched.clone()) };
    let outcome =
        futures_executor::block_on(serve(kv, config, req, Client::default(), &|| T0 + 1, fetch))
            .expect("served");
    outcome.response.body.len()
}

fn bench(c: &mut Criterion) {
    let config = CacheConfig::default();
    let headers = [
        ("meridian-currency", "EUR"),
        ("meridian-locale", "de-DE"),
        ("accept", "*/*"),
    ];
    for (name, size, vary) in [
        ("40k", 40 << 10, false),
        ("40k_vary", 40 << 10, true),
        ("2m_chunked", 2 << 20, false),
    ] {
        let body: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        let fetched = response(&body, vary);
        let kv = MemoryKv::default();
        let req = CacheRequest::new("/v1/origin/catalog/products/MRD-1", headers, &config)
            .expect("request");
        run(&kv, &config, &req, &fetched);
        let head_key = kv
            .keys()
            .into_iter()
            .find(|k| k.starts_with("c/h/"))
            .expect("stored");
        c.bench_function(&format!("store_get_{name}"), |b| {
            b.iter(|| kv.get(black_box(&head_key)).expect("get").map(|v| v.len()))
        });
        c.bench_function(&format!("hit_{name}"), |b| {
            b.iter(|| {
                let req = CacheRequest::new("/v1/origin/catalog/products/MRD-1", headers, &config)
                    .expect("request");
                run(&kv, &config, black_box(&req), &fetched)
            })
        });
    }
    let body = vec![7u8; 40 << 10];
    let fetched = response(&body, true);
    c.bench_function("miss_store_40k", |b| {
        b.iter(|| {
            let kv = MemoryKv::default();
            let req = CacheRequest::new("/v1/origin/catalog/products/MRD-1", headers, &config)
                .expect("request");
            run(&kv, &config, &req, &fetched)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
