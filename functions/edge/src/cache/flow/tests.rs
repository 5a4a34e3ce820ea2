//! The cache's rules against a scripted origin.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use super::*;
use crate::cache::MemoryKv;
use crate::cache::purge::{PurgeRequest, purge};

const T0: u64 = 1_790_000_000;

/// An origin answering from a script and recording what it was asked.
#[derive(Default)]
struct Origin {
    script: RefCell<VecDeque<Result<Fetched, Refusal>>>,
    asked: RefCell<Vec<http::request::Parts>>,
}

impl Origin {
    fn answer(&self, r: Result<Fetched, Refusal>) -> &Origin {
        self.script.borrow_mut().push_back(r);
        self
    }
    fn ok(&self, headers: &[(&str, &str)], body: &[u8]) -> &Origin {
        self.answer(Ok(response(200, headers, body)))
    }
    /// Records the request and answers the next scripted result.
    fn next(&self, parts: http::request::Parts) -> Result<Fetched, Refusal> {
        self.asked.borrow_mut().push(parts);
        self.script
            .borrow_mut()
            .pop_front()
            .unwrap_or_else(|| Err(Refusal::new(502, "origin-unreachable", "script ran out")))
    }
    fn calls(&self) -> usize {
        self.asked.borrow().len()
    }
    fn last_header(&self, name: &str) -> Option<String> {
        self.asked
            .borrow()
            .last()
            .and_then(|p| p.headers.get(name))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Fetched {
    let mut b = http::Response::builder().status(status);
    for (n, v) in headers {
        b = b.header(*n, *v);
    }
    b.body(body.to_vec()).expect("valid response")
}

fn request(path: &str, headers: &[(&str, &str)]) -> CacheRequest {
    CacheRequest::new(path, headers.iter().copied(), &CacheConfig::default()).expect("request")
}

fn run_with(
    kv: &impl Kv,
    config: &CacheConfig,
    origin: &Origin,
    req: &CacheRequest,
    client: Client<'_>,
    now: u64,
) -> Result<Outcome, Refusal> {
    let fetch = async |parts: http::request::Parts| origin.next(parts);
    futures_executor::block_on(serve(kv, config, req, client, &|| now, fetch))
}

fn run(kv: &impl Kv, origin: &Origin, req: &CacheRequest, now: u64) -> Outcome {
    run_with(
        kv,
        &CacheConfig::default(),
        origin,
        req,
        Client::default(),
        now,
    )
    .expect("answered")
}

fn status_of(o: &Outcome) -> String {
    o.response
        .get("cache-status")
        .unwrap_or_default()
        .to_owned()
}

fn revalidate(
    kv: &impl Kv,
    origin: &Origin,
    r: Revalidation,
    now: u64,
) -> Result<CacheStatus, Refusal> {
    let fetch = async |parts: http::request::Parts| origin.next(parts);
    futures_executor::block_on(r.run(kv, &CacheConfig::default(), &|| now, fetch))
}

#[test]
fn miss_store_hit_with_age_and_ttl() {
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    let req = request("/p/1", &[]);
    origin.ok(
        &[("cache-control", "max-age=60"), ("etag", "\"v1\"")],
        b"one",
    );
    let first = run(&kv, &origin, &req, T0);
    assert_eq!(
        status_of(&first),
        "meridian-edge; fwd=uri-miss; fwd-status=200; ttl=60; stored"
    );
    let hit = run(&kv, &origin, &req, T0 + 10);
    assert_eq!(status_of(&hit), "meridian-edge; hit; ttl=50");
    assert_eq!(hit.response.get("age"), Some("10"));
    assert_eq!(hit.response.body, b"one");
    assert_eq!(origin.calls(), 1);
}

#[test]
fn stale_entries_revalidate_with_their_validators() {
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    let req = request("/p/1", &[]);
    origin.ok(
        &[
            ("cache-control", "max-age=60"),
            ("etag", "\"v1\""),
            ("last-modified", "Tue, 01 Sep 2026 10:00:00 GMT"),
        ],
        b"one",
    );
    run(&kv, &origin, &req, T0);
    origin.answer(Ok(response(
        304,
        &[("cache-control", "max-age=120"), ("etag", "\"v1\"")],
        b"",
    )));
    let r = run(&kv, &origin, &req, T0 + 61);
    assert_eq!(
        origin.last_header("if-none-match").as_deref(),
        Some("\"v1\"")
    );
    assert_eq!(
        origin.last_header("if-modified-since").as_deref(),
        Some("Tue, 01 Sep 2026 10:00:00 GMT")
    );
    assert_eq!(
        status_of(&r),
        "meridian-edge; fwd=stale; fwd-status=304; ttl=120; stored"
    );
    assert_eq!(
        (r.response.status, r.response.body.as_slice()),
        (200, &b"one"[..])
    );
    assert_eq!(
        r.response.get("cache-control"),
        Some("max-age=120"),
        "304 headers update the entry"
    );
    let hit = run(&kv, &origin, &req, T0 + 100);
    assert!(
        status_of(&hit).starts_with("meridian-edge; hit"),
        "{}",
        status_of(&hit)
    );
    assert_eq!(origin.calls(), 2);

    // A changed resource replaces the entry.
    origin.ok(
        &[("cache-control", "max-age=60"), ("etag", "\"v2\"")],
        b"two",
    );
    let r = run(&kv, &origin, &req, T0 + 500);
    assert_eq!(r.response.body, b"two");
    assert_eq!(run(&kv, &origin, &req, T0 + 501).response.body, b"two");
}

#[test]
fn what_may_not_be_stored_is_served_and_not_stored() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("cache-control", "no-store")], "not-storable"),
        (&[("cache-control", "private, max-age=60")], "not-storable"),
        (
            &[("cache-control", "max-age=60"), ("set-cookie", "s=1")],
            "set-cookie",
        ),
        (
            &[("cache-control", "max-age=60"), ("vary", "Cookie")],
            "vary-personal",
        ),
        (
            &[("cache-control", "max-age=60"), ("vary", "*")],
            "vary-any",
        ),
    ];
    for (headers, detail) in cases {
        let (kv, origin) = (MemoryKv::default(), Origin::default());
        origin.ok(headers, b"x");
        let r = run(&kv, &origin, &request("/p", &[]), T0);
        assert_eq!(r.response.body, b"x");
        assert!(
            status_of(&r).ends_with(&format!("detail={detail}")),
            "{}",
            status_of(&r)
        );
        assert!(kv.is_empty(), "{detail}: nothing stored");
    }
}

#[test]
fn shared_cache_freshness_rules() {
    // s-maxage wins over max-age; CDN-Cache-Control over both, while the
    // shopper still gets the origin's Cache-Control.
    let cases: &[(&[(&str, &str)], i64)] = &[
        (&[("cache-control", "max-age=10, s-maxage=300")], 300),
        (
            &[
                ("cache-control", "max-age=10"),
                ("cdn-cache-control", "max-age=900"),
            ],
            900,
        ),
        (
            &[
                ("expires", "Thu, 01 Jan 2099 00:00:00 GMT"),
                ("date", "Thu, 01 Jan 2099 00:00:00 GMT"),
            ],
            0,
        ),
    ];
    for (headers, ttl) in cases {
        let (kv, origin) = (MemoryKv::default(), Origin::default());
        origin.ok(headers, b"x");
        let r = run(&kv, &origin, &request("/p", &[]), T0);
        let want = format!("ttl={ttl}");
        assert!(
            status_of(&r).contains(&want),
            "{headers:?}: {}",
            status_of(&r)
        );
        assert_eq!(r.response.get("cdn-cache-control"), None);
    }
    // Heuristic freshness: 10% of the time since Last-Modified.
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    origin.ok(
        &[
            ("date", &httpdate::fmt_http_date(super::system_time(T0))),
            (
                "last-modified",
                &httpdate::fmt_http_date(super::system_time(T0 - 1000)),
            ),
        ],
        b"x",
    );
    let r = run(&kv, &origin, &request("/p", &[]), T0);
    assert!(
        status_of(&r).contains("ttl=100; stored"),
        "{}",
        status_of(&r)
    );
}

#[test]
fn vary_keeps_markets_apart() {
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    let de = request(
        "/price/1",
        &[("meridian-market", "DE"), ("cookie", "who=me")],
    );
    let fr = request("/price/1", &[("meridian-market", "FR")]);
    let vary = [("cache-control", "max-age=60"), ("vary", "Meridian-Market")];
    origin.ok(&vary, b"EUR 10 DE");
    assert_eq!(run(&kv, &origin, &de, T0).response.body, b"EUR 10 DE");
    assert_eq!(origin.last_header("meridian-market").as_deref(), Some("DE"));
    assert_eq!(
        origin.last_header("cookie"),
        None,
        "personal headers never reach the origin"
    );
    origin.ok(&vary, b"EUR 11 FR");
    let r = run(&kv, &origin, &fr, T0 + 1);
    assert!(status_of(&r).contains("fwd=vary-miss"), "{}", status_of(&r));
    assert_eq!(r.response.body, b"EUR 11 FR");
    assert_eq!(run(&kv, &origin, &de, T0 + 2).response.body, b"EUR 10 DE");
    assert_eq!(run(&kv, &origin, &fr, T0 + 2).response.body, b"EUR 11 FR");
    assert_eq!(origin.calls(), 2);
}

#[test]
fn stale_while_revalidate_serves_then_refreshes() {
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    let req = request("/p", &[]);
    origin.ok(
        &[
            ("cache-control", "max-age=60, stale-while-revalidate=30"),
            ("etag", "\"1\""),
        ],
        b"old",
    );
    run(&kv, &origin, &req, T0);
    let r = run(&kv, &origin, &req, T0 + 70);
    assert_eq!(
        status_of(&r),
        "meridian-edge; hit; ttl=-10; detail=stale-while-revalidate"
    );
    assert_eq!(r.response.body, b"old");
    assert_eq!(origin.calls(), 1, "the shopper did not wait for the origin");
    let deferred = r
        .revalidation
        .expect("a revalidation to run after the response");
    origin.ok(
        &[
            ("cache-control", "max-age=60, stale-while-revalidate=30"),
            ("etag", "\"2\""),
        ],
        b"new",
    );
    let done = revalidate(&kv, &origin, deferred, T0 + 70).expect("revalidated");
    assert!(done.stored);
    assert_eq!(
        origin.last_header("if-none-match").as_deref(),
        Some("\"1\"")
    );
    let r = run(&kv, &origin, &req, T0 + 71);
    assert_eq!(
        (status_of(&r).as_str(), r.response.body.as_slice()),
        ("meridian-edge; hit; ttl=59", &b"new"[..])
    );
    // Past the window, the shopper waits for the origin.
    origin.ok(
        &[("cache-control", "max-age=60"), ("etag", "\"3\"")],
        b"newer",
    );
    let r = run(&kv, &origin, &req, T0 + 200);
    assert!(r.revalidation.is_none());
    assert_eq!(r.response.body, b"newer");
}

#[test]
fn stale_if_error_stands_in_for_a_failed_origin() {
    let cc = [
        ("cache-control", "max-age=60, stale-if-error=600"),
        ("etag", "\"1\""),
    ];
    for failure in [
        Err(Refusal::new(
            502,
            "origin-unreachable",
            "connection refused",
        )),
        Ok(response(503, &[], b"down")),
    ] {
        let (kv, origin) = (MemoryKv::default(), Origin::default());
        let req = request("/p", &[]);
        origin.ok(&cc, b"kept");
        run(&kv, &origin, &req, T0);
        origin.answer(failure);
        let r = run(&kv, &origin, &req, T0 + 100);
        assert_eq!(r.response.status, 200);
        assert_eq!(r.response.body, b"kept");
        assert!(
            status_of(&r).starts_with("meridian-edge; fwd=stale; fwd-status=50"),
            "{}",
            status_of(&r)
        );
        assert!(status_of(&r).ends_with("ttl=-40; detail=stale-if-error"));
        // Beyond the window the failure is the answer.
        let e = run_with(
            &kv,
            &CacheConfig::default(),
            &origin,
            &req,
            Client::default(),
            T0 + 1000,
        )
        .expect_err("too stale to stand in");
        assert_eq!(e.status, 502);
    }
    // must-revalidate forbids it.
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    let req = request("/p", &[]);
    origin.ok(
        &[(
            "cache-control",
            "max-age=60, stale-if-error=600, must-revalidate",
        )],
        b"x",
    );
    run(&kv, &origin, &req, T0);
    let r = run_with(
        &kv,
        &CacheConfig::default(),
        &origin,
        &req,
        Client::default(),
        T0 + 100,
    );
    assert_eq!(r.expect_err("must revalidate").code, "origin-unreachable");
    // A client error from the origin is the answer, stale or not.
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    origin.ok(&cc, b"x");
    run(&kv, &origin, &req, T0);
    origin.answer(Ok(response(404, &[("cache-control", "no-store")], b"gone")));
    assert_eq!(run(&kv, &origin, &req, T0 + 100).response.status, 404);
    assert!(
        kv.keys()
            .expect("keys")
            .iter()
            .all(|k| !k.starts_with(store::HEAD_PREFIX)),
        "the old entry is dropped"
    );
}

/// A store that fails after `ok_writes` writes, like a store filling up.
struct FailingKv {
    inner: MemoryKv,
    ok_writes: Cell<usize>,
}

impl Kv for FailingKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.inner.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        match self.ok_writes.get() {
            0 => Err("store full".into()),
            n => {
                self.ok_writes.set(n - 1);
                self.inner.set(key, value)
            }
        }
    }
    fn delete(&self, key: &str) -> Result<(), String> {
        self.inner.delete(key)
    }
    fn keys(&self) -> Result<Vec<String>, String> {
        self.inner.keys()
    }
}

#[test]
fn large_bodies_are_chunked_and_read_whole_or_not_at_all() {
    let config = CacheConfig {
        chunk_bytes: 4096,
        ..CacheConfig::default()
    };
    let body: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    let kv = MemoryKv::with_max_value(4096);
    let origin = Origin::default();
    let req = request("/big", &[]);
    origin.ok(&[("cache-control", "max-age=60")], &body);
    let r = run_with(&kv, &config, &origin, &req, Client::default(), T0).expect("ok");
    assert!(status_of(&r).ends_with("stored"), "{}", status_of(&r));
    let chunks: Vec<String> = kv
        .keys()
        .expect("keys")
        .into_iter()
        .filter(|k| k.starts_with(store::BODY_PREFIX))
        .collect();
    assert_eq!(chunks.len(), 5);
    let hit = run_with(&kv, &config, &origin, &req, Client::default(), T0 + 1).expect("hit");
    assert!(status_of(&hit).contains("hit"));
    assert_eq!(hit.response.body, body);

    // A chunk gone (a purge racing the read) is a miss, never a cut body.
    kv.delete(&chunks[2]).expect("delete");
    origin.ok(&[("cache-control", "max-age=60")], &body);
    let r = run_with(&kv, &config, &origin, &req, Client::default(), T0 + 2).expect("refetched");
    assert!(status_of(&r).contains("fwd="), "{}", status_of(&r));
    assert_eq!(r.response.body, body);

    // A write that fails part-way leaves no head, no chunks, no markers.
    for ok_writes in 0..8 {
        let kv = FailingKv {
            inner: MemoryKv::with_max_value(4096),
            ok_writes: Cell::new(ok_writes),
        };
        origin.ok(
            &[("cache-control", "max-age=60"), ("surrogate-key", "sku:A")],
            &body,
        );
        let r = run_with(&kv, &config, &origin, &req, Client::default(), T0).expect("served");
        assert_eq!(r.response.body, body, "the shopper still gets the response");
        if status_of(&r).ends_with("detail=store-failed") {
            assert!(
                kv.inner.is_empty(),
                "after {ok_writes} writes: {:?}",
                kv.inner.keys()
            );
        }
    }
}

#[test]
fn purges_reach_every_market_by_tag_and_every_variant_by_url() {
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    let cc = [
        ("cache-control", "max-age=600"),
        ("vary", "meridian-market"),
        ("surrogate-key", "sku:MRD-1 catalog"),
    ];
    let markets = ["DE", "FR", "US"];
    for m in markets {
        origin.ok(&cc, m.as_bytes());
        run(
            &kv,
            &origin,
            &request(
                "/v1/origin/catalog/products/MRD-1",
                &[("meridian-market", m)],
            ),
            T0,
        );
    }
    origin.ok(
        &[
            ("cache-control", "max-age=600"),
            ("surrogate-key", "sku:MRD-2"),
        ],
        b"other",
    );
    let other = request("/v1/origin/catalog/products/MRD-2", &[]);
    run(&kv, &origin, &other, T0);

    let report = purge(
        &kv,
        &CacheConfig::default(),
        &PurgeRequest {
            tags: vec!["sku:MRD-1".into()],
            ..Default::default()
        },
        T0 + 1,
    )
    .expect("purged");
    assert_eq!(report.purged, 3);
    for m in markets {
        origin.ok(&cc, b"fresh");
        let r = run(
            &kv,
            &origin,
            &request(
                "/v1/origin/catalog/products/MRD-1",
                &[("meridian-market", m)],
            ),
            T0 + 2,
        );
        assert_eq!(r.response.body, b"fresh", "{m} was purged");
    }
    assert!(
        status_of(&run(&kv, &origin, &other, T0 + 2)).contains("hit"),
        "MRD-2 untouched"
    );
    assert!(
        kv.keys()
            .expect("keys")
            .iter()
            .all(|k| !k.contains("sku:MRD-1/")
                || kv
                    .get(&store::head_key(k.rsplit('/').next().unwrap_or_default()))
                    .ok()
                    .flatten()
                    .is_some()),
        "no marker outlives its entry"
    );

    // By URL: every variant, query order and tracking parameters aside.
    let report = purge(
        &kv,
        &CacheConfig::default(),
        &PurgeRequest {
            urls: vec!["/v1/origin/catalog/products/MRD-1?utm_source=x".into()],
            ..Default::default()
        },
        T0 + 3,
    )
    .expect("purged");
    assert_eq!(report.purged, 3);
}

#[test]
fn soft_purge_makes_entries_stale_not_gone() {
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    let req = request("/p", &[]);
    origin.ok(
        &[
            ("cache-control", "max-age=600, stale-while-revalidate=60"),
            ("surrogate-key", "sku:A"),
            ("etag", "\"1\""),
        ],
        b"v1",
    );
    run(&kv, &origin, &req, T0);
    let soft = PurgeRequest {
        tags: vec!["sku:A".into()],
        soft: true,
        ..Default::default()
    };
    assert_eq!(
        purge(&kv, &CacheConfig::default(), &soft, T0 + 10)
            .expect("purged")
            .purged,
        1
    );
    let r = run(&kv, &origin, &req, T0 + 20);
    assert!(
        status_of(&r).contains("stale-while-revalidate"),
        "{}",
        status_of(&r)
    );
    assert!(r.revalidation.is_some());
    let r = run_with(
        &kv,
        &CacheConfig::default(),
        &origin,
        &req,
        Client::default(),
        T0 + 100,
    );
    // Past the window: the shopper waits for revalidation; the origin is gone.
    assert!(r.is_err());
}

#[test]
fn clients_get_304_and_head_from_the_cache() {
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    let req = request("/p", &[]);
    origin.ok(
        &[
            ("cache-control", "max-age=60"),
            ("etag", "\"e\""),
            ("last-modified", "Tue, 01 Sep 2026 10:00:00 GMT"),
        ],
        b"body",
    );
    run(&kv, &origin, &req, T0);
    let cfg = CacheConfig::default();
    let cases = [
        (Some("\"e\""), None, false, 304, 0),
        (None, Some("Wed, 02 Sep 2026 10:00:00 GMT"), false, 304, 0),
        (None, Some("Mon, 31 Aug 2026 10:00:00 GMT"), false, 200, 4),
        (None, None, true, 200, 0),
    ];
    for (if_none_match, if_modified_since, head, status, body) in cases {
        let client = Client {
            if_none_match,
            if_modified_since,
            head,
        };
        let r = run_with(&kv, &cfg, &origin, &req, client, T0 + 1).expect("ok");
        assert_eq!(
            (r.response.status, r.response.body.len()),
            (status, body),
            "{client:?}"
        );
        assert_eq!(r.response.get("etag"), Some("\"e\""));
        if status == 200 {
            assert_eq!(r.response.get("content-length"), Some("4"));
        }
    }
    assert_eq!(origin.calls(), 1);
}
