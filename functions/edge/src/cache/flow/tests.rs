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
            ("cache-control", "max-age=60, stale-if-error=600"),
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
        kv.keys().iter().all(|k| !k.starts_with(store::HEAD_PREFIX)),
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
    fn swap_if(&self, key: &str, expected: Option<&[u8]>, value: &[u8]) -> Result<bool, String> {
        match self.ok_writes.get() {
            0 => Err("store full".into()),
            n => {
                self.ok_writes.set(n - 1);
                self.inner.swap_if(key, expected, value)
            }
        }
    }
    fn durable(&self) -> &dyn Kv {
        &self.inner
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
    assert_eq!(report.purged, 1, "one tag");
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
    assert_eq!(origin.calls(), 7, "each market refetched once");

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
    assert_eq!(report.purged, 1);
    for m in markets {
        origin.ok(&cc, b"again");
        let r = run(
            &kv,
            &origin,
            &request(
                "/v1/origin/catalog/products/MRD-1",
                &[("meridian-market", m)],
            ),
            T0 + 4,
        );
        assert_eq!(r.response.body, b"again", "{m} was purged by URL");
    }
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
    purge(&kv, &CacheConfig::default(), &soft, T0 + 10).expect("purged");
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
            ..Client::default()
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

fn purge_tag(kv: &impl Kv, tag: &str, soft: bool, now: u64) {
    let request = PurgeRequest {
        tags: vec![tag.into()],
        soft,
        ..Default::default()
    };
    purge(kv, &CacheConfig::default(), &request, now).expect("purged");
}

#[test]
fn entries_past_their_last_usable_moment_are_deleted() {
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    let req = request("/p", &[]);
    origin.ok(
        &[(
            "cache-control",
            "max-age=60, stale-while-revalidate=10, stale-if-error=30",
        )],
        b"v1",
    );
    run(&kv, &origin, &req, T0);
    let head = kv
        .keys()
        .into_iter()
        .find(|k| k.starts_with(store::HEAD_PREFIX))
        .expect("stored");
    let stored = store::read_head(&kv, head.trim_start_matches(store::HEAD_PREFIX)).expect("head");
    assert_eq!(
        stored.last_usable,
        T0 + 90,
        "fresh for 60, stale for at most 30"
    );
    // Within the longest stale window it is still there (and stands in).
    let r = run_with(
        &kv,
        &CacheConfig::default(),
        &origin,
        &req,
        Client::default(),
        T0 + 90,
    )
    .expect("stale-if-error");
    assert!(
        status_of(&r).contains("stale-if-error"),
        "{}",
        status_of(&r)
    );
    // After it, reading deletes it: a plain miss, and the store is empty.
    origin.ok(&[("cache-control", "no-store")], b"v2");
    let r = run(&kv, &origin, &req, T0 + 91);
    assert_eq!(r.response.body, b"v2");
    assert!(status_of(&r).contains("fwd=uri-miss"), "{}", status_of(&r));
    assert_eq!(
        origin.last_header("if-none-match"),
        None,
        "not a revalidation"
    );
    assert!(
        kv.keys()
            .iter()
            .all(|k| !k.starts_with("c/h/") && !k.starts_with("c/b/")),
        "{:?}",
        kv.keys()
    );
}

#[test]
fn every_key_is_written_with_the_lifetime_the_store_may_drop_it_at() {
    let config = CacheConfig {
        chunk_bytes: 4096,
        ..CacheConfig::default()
    };
    let body: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let kv = MemoryKv::default();
    let origin = Origin::default();
    let req = request("/big", &[]);
    let headers = [
        ("cache-control", "max-age=60, stale-if-error=30"),
        ("etag", "\"v1\""),
    ];
    origin.ok(&headers, &body);
    run_with(&kv, &config, &origin, &req, Client::default(), T0).expect("stored");
    let keys = kv.keys();
    let of =
        |prefix: &str| -> Vec<&String> { keys.iter().filter(|k| k.starts_with(prefix)).collect() };
    let (heads, chunks, varys) = (
        of(store::HEAD_PREFIX),
        of(store::BODY_PREFIX),
        of(store::VARY_PREFIX),
    );
    assert_eq!(
        (heads.len(), chunks.len(), varys.len()),
        (1, 3, 1),
        "{keys:?}"
    );
    // Usable through second T0 + 90, so the store may drop it after.
    let head_until = (T0 + 91) * 1000;
    assert_eq!(
        kv.expiry(heads[0]),
        Some(Expiry {
            unix_ms: head_until
        })
    );
    for key in chunks.iter().chain(&varys) {
        assert_eq!(
            kv.expiry(key),
            Some(Expiry {
                unix_ms: head_until + store::TRAILING_MS
            }),
            "{key}"
        );
    }
    assert!(
        keys.iter().all(|k| kv.expiry(k).is_some()),
        "no key lives forever: {keys:?}"
    );

    // A 304 at T0 + 80 renews every key for the new lifetime.
    origin.answer(Ok(response(304, &headers, b"")));
    let r = run_with(&kv, &config, &origin, &req, Client::default(), T0 + 80).expect("revalidated");
    if let Some(pending) = r.revalidation {
        revalidate(&kv, &origin, pending, T0 + 80).expect("304");
    }
    let renewed = (T0 + 80 + 91) * 1000;
    assert_eq!(kv.expiry(heads[0]), Some(Expiry { unix_ms: renewed }));
    for key in chunks.iter().chain(&varys) {
        assert_eq!(
            kv.expiry(key),
            Some(Expiry {
                unix_ms: renewed + store::TRAILING_MS
            }),
            "{key}"
        );
    }

    // The store's clock reaches the old lifetime: nothing goes; the new
    // one: the head goes first, the rest trails it, and then all is gone.
    kv.advance_to(head_until + store::TRAILING_MS);
    assert_eq!(kv.len(), keys.len());
    kv.advance_to(renewed);
    assert!(kv.keys().iter().all(|k| !k.starts_with(store::HEAD_PREFIX)));
    assert_eq!(kv.len(), keys.len() - 1);
    kv.advance_to(renewed + store::TRAILING_MS);
    assert!(
        kv.keys().iter().all(|k| !k.starts_with("c/")),
        "{:?}",
        kv.keys()
    );
}

#[test]
fn a_hard_purge_during_the_fetch_is_never_undone() {
    let kv = MemoryKv::default();
    let req = request("/v1/origin/catalog/products/A", &[]);
    let cc = [("cache-control", "max-age=600"), ("surrogate-key", "sku:A")];
    for known in [false, true] {
        if known {
            // This time an entry (with its tags) is there when the fetch starts.
            let origin = Origin::default();
            origin.ok(&cc, b"before");
            run(&kv, &origin, &req, T0 + 100);
            purge_tag(&kv, "sku:A", false, T0 + 101);
        }
        let now = if known { T0 + 200 } else { T0 };
        // The origin answers with the old price while the purge lands.
        let fetch = async |_parts: http::request::Parts| {
            purge_tag(&kv, "sku:A", false, now);
            Ok::<_, Refusal>(response(200, &cc, b"old price"))
        };
        let served = futures_executor::block_on(serve(
            &kv,
            &CacheConfig::default(),
            &req,
            Client::default(),
            &|| now,
            fetch,
        ))
        .expect("served");
        assert_eq!(
            served.response.body, b"old price",
            "the request older than the purge"
        );
        assert!(
            status_of(&served).ends_with("detail=purged-in-flight"),
            "{}",
            status_of(&served)
        );
        let origin = Origin::default();
        origin.ok(&cc, b"new price");
        let next = run(&kv, &origin, &req, now + 1);
        assert_eq!(next.response.body, b"new price", "known tags: {known}");
        assert_eq!(origin.calls(), 1);
    }
}

#[test]
fn a_refetch_right_after_a_purge_is_cached_again() {
    // The purged entry's tags are known when the refetch starts, so even
    // in the purge's own second the new answer is stored.
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    let req = request("/p", &[]);
    let cc = [("cache-control", "max-age=600"), ("surrogate-key", "sku:B")];
    origin.ok(&cc, b"v1");
    run(&kv, &origin, &req, T0);
    purge_tag(&kv, "sku:B", false, T0 + 1);
    origin.ok(&cc, b"v2");
    assert_eq!(run(&kv, &origin, &req, T0 + 1).response.body, b"v2");
    assert!(status_of(&run(&kv, &origin, &req, T0 + 2)).contains("; hit"));
}

#[test]
fn chunks_belong_to_one_entry_and_one_chunk_size() {
    let config = CacheConfig {
        chunk_bytes: 4096,
        ..CacheConfig::default()
    };
    let body: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    let kv = MemoryKv::default();
    let origin = Origin::default();
    let path = "/v1/origin/catalog/feed";
    // Two markets, the same bytes, different tags.
    for m in ["DE", "FR"] {
        origin.ok(
            &[
                ("cache-control", "max-age=600"),
                ("vary", "meridian-market"),
                ("surrogate-key", &format!("m:{m}")),
            ],
            &body,
        );
        let r = run_with(
            &kv,
            &config,
            &origin,
            &request(path, &[("meridian-market", m)]),
            Client::default(),
            T0,
        )
        .expect("stored");
        assert!(status_of(&r).ends_with("stored"), "{}", status_of(&r));
    }
    let chunks = |kv: &MemoryKv| -> Vec<String> {
        kv.keys()
            .into_iter()
            .filter(|k| k.starts_with(store::BODY_PREFIX))
            .collect()
    };
    assert_eq!(chunks(&kv).len(), 10, "each entry has its own");
    // Purging DE (and reading it, which deletes it) leaves FR whole.
    purge_tag(&kv, "m:DE", false, T0 + 1);
    origin.ok(&[("cache-control", "no-store")], b"gone");
    run_with(
        &kv,
        &config,
        &origin,
        &request(path, &[("meridian-market", "DE")]),
        Client::default(),
        T0 + 2,
    )
    .expect("refetched");
    assert_eq!(chunks(&kv).len(), 5);
    let fr = run_with(
        &kv,
        &config,
        &origin,
        &request(path, &[("meridian-market", "FR")]),
        Client::default(),
        T0 + 2,
    )
    .expect("hit");
    assert!(status_of(&fr).contains("; hit"), "{}", status_of(&fr));
    assert_eq!(fr.response.body, body);

    // Another chunk size writes other keys: no writer assembles another's.
    let other = CacheConfig {
        chunk_bytes: 8192,
        ..CacheConfig::default()
    };
    let kv8 = MemoryKv::default();
    origin.ok(
        &[
            ("cache-control", "max-age=600"),
            ("vary", "meridian-market"),
            ("surrogate-key", "m:FR"),
        ],
        &body,
    );
    run_with(
        &kv8,
        &other,
        &origin,
        &request(path, &[("meridian-market", "FR")]),
        Client::default(),
        T0,
    )
    .expect("stored");
    let (four, eight) = (chunks(&kv), chunks(&kv8));
    assert_eq!(eight.len(), 3);
    assert!(
        four.iter().all(|k| !eight.contains(k)),
        "{four:?} {eight:?}"
    );
    // A chunk of the wrong size under an entry's key is a miss, not bytes.
    kv.set(&four[0], &body[..100]).expect("set");
    origin.ok(&[("cache-control", "max-age=600")], b"refetched");
    let r = run_with(
        &kv,
        &config,
        &origin,
        &request(path, &[("meridian-market", "FR")]),
        Client::default(),
        T0 + 3,
    )
    .expect("miss");
    assert_eq!(r.response.body, b"refetched");
}

#[test]
fn a_failed_head_write_leaves_the_vary_record_as_it_was() {
    let req = request("/p", &[("meridian-market", "DE"), ("accept", "a/b")]);
    let origin = Origin::default();
    let mut failures = 0;
    for ok_writes in 0..6 {
        let kv = FailingKv {
            inner: MemoryKv::default(),
            ok_writes: Cell::new(usize::MAX),
        };
        origin.ok(
            &[("cache-control", "max-age=60"), ("vary", "meridian-market")],
            b"by market",
        );
        run(&kv, &origin, &req, T0);
        let before = store::read_vary(&kv, &req.primary);
        assert_eq!(before, Some(vec!["meridian-market".to_owned()]));
        // The next response varies on Accept, and the store fills up
        // part-way through storing it.
        kv.ok_writes.set(ok_writes);
        origin.ok(
            &[("cache-control", "max-age=60"), ("vary", "accept")],
            b"by accept",
        );
        let r = run(&kv, &origin, &req, T0 + 61);
        if status_of(&r).ends_with("detail=store-failed") {
            failures += 1;
            assert_eq!(
                store::read_vary(&kv, &req.primary),
                before,
                "after {ok_writes} writes"
            );
        }
    }
    assert!(
        failures >= 2,
        "the head write and the vary write both failed once"
    );
}

/// The other request's fill, run once.
type Fill<'a> = Box<dyn FnOnce(&MemoryKv) + 'a>;

/// A store where another request is filling an entry: its lock is held,
/// and at the `fill_after`-th pause the other request's entry lands.
struct Racing<'a> {
    inner: MemoryKv,
    pauses: Cell<usize>,
    fill_after: usize,
    fill: RefCell<Option<Fill<'a>>>,
}

impl Kv for Racing<'_> {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.inner.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        self.inner.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), String> {
        self.inner.delete(key)
    }
    fn swap_if(&self, key: &str, expected: Option<&[u8]>, value: &[u8]) -> Result<bool, String> {
        self.inner.swap_if(key, expected, value)
    }
    fn durable(&self) -> &dyn Kv {
        &self.inner
    }
    fn pause(&self, _duration: std::time::Duration) {
        self.pauses.set(self.pauses.get() + 1);
        if self.pauses.get() == self.fill_after
            && let Some(fill) = self.fill.borrow_mut().take()
        {
            fill(&self.inner);
        }
    }
}

fn lock_key(kv: &impl Kv, req: &CacheRequest) -> String {
    let vary = store::read_vary(kv, &req.primary);
    format!("c/l/{}", req.entry_id(vary.as_deref().unwrap_or_default()))
}

#[test]
fn concurrent_misses_of_one_entry_make_one_fetch() {
    let req = request("/p", &[]);
    let cc = [("cache-control", "max-age=60")];
    // The other request stores its answer during our third pause.
    let other = Origin::default();
    other.ok(&cc, b"theirs");
    let theirs = MemoryKv::default();
    run(&theirs, &other, &req, T0);
    let kv = Racing {
        inner: MemoryKv::default(),
        pauses: Cell::new(0),
        fill_after: 3,
        fill: RefCell::new(Some(Box::new(|inner: &MemoryKv| {
            for (k, v) in theirs.map.borrow().iter() {
                inner.set(k, v).expect("fill");
            }
        }))),
    };
    kv.inner
        .set(&lock_key(&kv, &req), (T0 + 30).to_string().as_bytes())
        .expect("lock");
    let origin = Origin::default();
    let r = run(&kv, &origin, &req, T0);
    assert_eq!(r.response.body, b"theirs");
    assert!(
        status_of(&r).contains("; hit") && status_of(&r).contains("collapsed"),
        "{}",
        status_of(&r)
    );
    assert_eq!(origin.calls(), 0, "one fetch for both");
    assert_eq!(kv.pauses.get(), 3);

    // A holder that never finishes: the wait is bounded, then we fetch.
    let kv = Racing {
        inner: MemoryKv::default(),
        pauses: Cell::new(0),
        fill_after: 0,
        fill: RefCell::new(None),
    };
    kv.inner
        .set(&lock_key(&kv, &req), (T0 + 30).to_string().as_bytes())
        .expect("lock");
    origin.ok(&cc, b"ours");
    let r = run(&kv, &origin, &req, T0);
    assert_eq!(r.response.body, b"ours");
    assert_eq!(origin.calls(), 1);
    assert_eq!(kv.pauses.get(), 20, "fill_wait_ms / 50 ms");

    // A dead holder's lock expires: no waiting at all.
    let kv = Racing {
        inner: MemoryKv::default(),
        pauses: Cell::new(0),
        fill_after: 0,
        fill: RefCell::new(None),
    };
    kv.inner
        .set(&lock_key(&kv, &req), (T0 - 1).to_string().as_bytes())
        .expect("lock");
    origin.ok(&cc, b"ours");
    let r = run(&kv, &origin, &req, T0);
    assert!(status_of(&r).ends_with("stored"), "{}", status_of(&r));
    assert_eq!(kv.pauses.get(), 0);
    assert_eq!(
        kv.inner.get(&lock_key(&kv, &req)).expect("get"),
        None,
        "released after storing"
    );
}

#[test]
fn concurrent_stale_hits_start_one_revalidation_and_serve_stale_meanwhile() {
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    let req = request("/p", &[]);
    origin.ok(
        &[(
            "cache-control",
            "max-age=60, stale-while-revalidate=30, stale-if-error=600",
        )],
        b"v1",
    );
    run(&kv, &origin, &req, T0);
    let first = run(&kv, &origin, &req, T0 + 70);
    let second = run(&kv, &origin, &req, T0 + 70);
    assert!(
        first.revalidation.is_some(),
        "the first stale hit revalidates"
    );
    assert!(
        second.revalidation.is_none(),
        "the second leaves it to the first"
    );
    assert_eq!(second.response.body, b"v1");
    // Past the revalidation window, while the first still holds the lock,
    // others stand in with the stale entry instead of fetching too.
    let third = run(&kv, &origin, &req, T0 + 95);
    assert!(
        status_of(&third).contains("detail=collapsed"),
        "{}",
        status_of(&third)
    );
    assert_eq!(origin.calls(), 1);
    // The revalidation releases the lock when it is done.
    origin.ok(&[("cache-control", "max-age=60")], b"v2");
    if let Some(r) = first.revalidation {
        revalidate(&kv, &origin, r, T0 + 96).expect("revalidated");
    }
    assert_eq!(run(&kv, &origin, &req, T0 + 97).response.body, b"v2");
    origin.ok(&[("cache-control", "max-age=60")], b"v3");
    let again = run(&kv, &origin, &req, T0 + 160);
    assert!(
        again.revalidation.is_none() && status_of(&again).contains("fwd="),
        "{}",
        status_of(&again)
    );
}

fn catalog_config(query: &str) -> CacheConfig {
    CacheConfig::from_toml(&format!("[origins.catalog]\nquery = {query}")).expect("config")
}

/// One origin answer for every request: cacheable, tagged `catalog`.
fn serve_all(
    kv: &impl Kv,
    config: &CacheConfig,
    path: &str,
    now: u64,
    calls: &Cell<usize>,
) -> Outcome {
    let req = CacheRequest::new(path, [], config).expect("request");
    let fetch = async |_parts: http::request::Parts| {
        calls.set(calls.get() + 1);
        Ok::<_, Refusal>(response(
            200,
            &[
                ("cache-control", "max-age=600"),
                ("surrogate-key", "catalog"),
            ],
            &[b'x'; 200],
        ))
    };
    futures_executor::block_on(serve(kv, config, &req, Client::default(), &|| now, fetch))
        .expect("served")
}

#[test]
fn a_hundred_thousand_query_strings_leave_the_store_within_budget() {
    const N: usize = 100_000;
    // Declared parameters only: every string is the same entry.
    let config = catalog_config("[\"page\"]");
    let kv = MemoryKv::default();
    let calls = Cell::new(0);
    for i in 0..N {
        serve_all(
            &kv,
            &config,
            &format!("/v1/origin/catalog/products?zz={i}&page=1"),
            T0,
            &calls,
        );
    }
    assert_eq!(calls.get(), 1, "one fetch");
    let heads = kv
        .keys()
        .iter()
        .filter(|k| k.starts_with(store::HEAD_PREFIX))
        .count();
    assert_eq!(heads, 1, "one entry");

    // Every parameter keyed: the store's budget holds, evicting the
    // least recently used; the cache copes with any key gone.
    let config = catalog_config("\"all\"");
    let budget = 256 * 1024;
    let entries = MemoryKv::with_budget(budget);
    let kv = crate::cache::kv::Split {
        entries,
        durable: MemoryKv::default(),
    };
    let calls = Cell::new(0);
    for i in 0..N {
        serve_all(
            &kv,
            &config,
            &format!("/v1/origin/catalog/products?zz={i}"),
            T0,
            &calls,
        );
    }
    assert_eq!(calls.get(), N);
    assert!(
        kv.entries.peak_bytes.get() <= budget,
        "{}",
        kv.entries.peak_bytes.get()
    );
    let survivors: Vec<usize> = (0..N)
        .rev()
        .take(50)
        .filter(|i| {
            let before = calls.get();
            serve_all(
                &kv,
                &config,
                &format!("/v1/origin/catalog/products?zz={i}"),
                T0 + 1,
                &calls,
            );
            calls.get() == before
        })
        .collect();
    assert_eq!(
        survivors.len(),
        50,
        "the most recent entries are still hits"
    );
    // A tag purge afterwards: one record written, and exact.
    let report = purge(
        &kv,
        &config,
        &PurgeRequest {
            tags: vec!["catalog".into()],
            ..Default::default()
        },
        T0 + 2,
    )
    .expect("purged");
    assert_eq!(report.purged, 1);
    assert_eq!(kv.durable.len(), 1, "O(tags): one record");
    for i in &survivors {
        let before = calls.get();
        let r = serve_all(
            &kv,
            &config,
            &format!("/v1/origin/catalog/products?zz={i}"),
            T0 + 3,
            &calls,
        );
        assert_eq!(calls.get(), before + 1, "{i} was purged: {}", status_of(&r));
    }
    // ... and only the tagged: an entry without the tag stays a hit.
    let plain = request("/v1/origin/other/x", &[]);
    let origin = Origin::default();
    origin.ok(&[("cache-control", "max-age=600")], b"untagged");
    run(&kv, &origin, &plain, T0 + 1);
    purge_tag(&kv, "catalog", false, T0 + 4);
    assert!(status_of(&run(&kv, &origin, &plain, T0 + 5)).contains("; hit"));
}

#[test]
fn a_head_claiming_more_chunks_than_its_length_is_no_entry() {
    // Found by the cache_entry fuzz target: a reader used to reserve what a
    // corrupt head claimed (10^17 bytes, 4e9 chunk keys) and abort.
    let config = CacheConfig {
        chunk_bytes: 4096,
        ..CacheConfig::default()
    };
    let body: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    origin.ok(&[("cache-control", "max-age=600")], &body);
    let req = request("/v1/origin/catalog/feed", &[]);
    let r = run_with(&kv, &config, &origin, &req, Client::default(), T0).expect("stored");
    assert!(status_of(&r).ends_with("stored"), "{}", status_of(&r));
    let head_key = kv
        .keys()
        .into_iter()
        .find(|k| k.starts_with(store::HEAD_PREFIX))
        .expect("a head");
    let id = head_key.trim_start_matches(store::HEAD_PREFIX).to_owned();
    assert!(store::read(&kv, &id).is_some(), "the entry reads whole");

    let value = kv.get(&head_key).expect("get").expect("value");
    let json_len = u32::from_be_bytes(value[4..8].try_into().expect("4 bytes")) as usize;
    let json = std::str::from_utf8(&value[8..8 + json_len]).expect("utf-8");
    for (from, to) in [
        ("\"chunks\":3", "\"chunks\":4000000000"),
        ("\"length\":10000", "\"length\":100000000000000000"),
    ] {
        assert!(json.contains(from), "{json}");
        let tampered_json = json.replace(from, to);
        let mut tampered = value[..4].to_vec();
        tampered.extend_from_slice(&(tampered_json.len() as u32).to_be_bytes());
        tampered.extend_from_slice(tampered_json.as_bytes());
        tampered.extend_from_slice(&value[8 + json_len..]);
        kv.set(&head_key, &tampered).expect("set");
        assert!(store::read(&kv, &id).is_none(), "{to}: no entry, no abort");
    }
}

fn stored_body(kv: &MemoryKv, origin: &Origin, req: &CacheRequest) {
    origin.ok(
        &[
            ("cache-control", "max-age=60"),
            ("etag", "\"e\""),
            ("last-modified", "Tue, 01 Sep 2026 10:00:00 GMT"),
        ],
        b"0123456789",
    );
    run(kv, origin, req, T0);
}

#[test]
fn ranges_are_served_from_a_whole_stored_response() {
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    let req = request("/r", &[]);
    stored_body(&kv, &origin, &req);
    let cfg = CacheConfig::default();
    for (range, if_range, status, body, content_range) in [
        ("bytes=2-4", None, 206, &b"234"[..], Some("bytes 2-4/10")),
        ("bytes=7-", None, 206, b"789", Some("bytes 7-9/10")),
        ("bytes=-2", None, 206, b"89", Some("bytes 8-9/10")),
        ("bytes=10-", None, 416, b"", Some("bytes */10")),
        ("bytes=0-1,5-6", None, 200, b"0123456789", None),
        ("bytes=0-0", Some("\"e\""), 206, b"0", Some("bytes 0-0/10")),
        ("bytes=0-0", Some("\"old\""), 200, b"0123456789", None),
        ("bytes=0-0", Some("W/\"e\""), 200, b"0123456789", None),
        (
            "bytes=0-0",
            Some("Tue, 01 Sep 2026 10:00:00 GMT"),
            206,
            b"0",
            Some("bytes 0-0/10"),
        ),
    ] {
        let client = Client {
            range: Some(range),
            if_range,
            ..Client::default()
        };
        let r = run_with(&kv, &cfg, &origin, &req, client, T0 + 1).expect("ok");
        assert_eq!(
            (r.response.status, r.response.body.as_slice()),
            (status, body),
            "{range} {if_range:?}"
        );
        assert_eq!(r.response.get("content-range"), content_range, "{range}");
        assert_eq!(
            r.response.get("content-length"),
            Some(body.len().to_string().as_str())
        );
    }
    assert_eq!(
        origin.calls(),
        1,
        "every range from the one stored response"
    );
}

#[test]
fn a_range_with_nothing_stored_passes_through_and_is_not_stored() {
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    let req = request("/r", &[]);
    origin.answer(Ok(response(
        206,
        &[
            ("cache-control", "max-age=60"),
            ("content-range", "bytes 0-1/10"),
        ],
        b"01",
    )));
    let client = Client {
        range: Some("bytes=0-1"),
        if_range: Some("\"e\""),
        ..Client::default()
    };
    let cfg = CacheConfig::default();
    let r = run_with(&kv, &cfg, &origin, &req, client, T0).expect("ok");
    assert_eq!(
        (r.response.status, r.response.body.as_slice()),
        (206, &b"01"[..])
    );
    assert_eq!(r.response.get("content-range"), Some("bytes 0-1/10"));
    assert_eq!(origin.last_header("range").as_deref(), Some("bytes=0-1"));
    assert_eq!(origin.last_header("if-range").as_deref(), Some("\"e\""));
    assert!(status_of(&r).contains("detail=range"), "{}", status_of(&r));
    assert!(kv.keys().iter().all(|k| !k.starts_with(store::HEAD_PREFIX)));
    // A partial answer is never mistaken for the resource.
    origin.ok(&[("cache-control", "max-age=60")], b"0123456789");
    let whole = run(&kv, &origin, &req, T0 + 1);
    assert_eq!(whole.response.body, b"0123456789");
}

#[test]
fn head_is_forwarded_as_head_and_answered_from_a_fresh_get() {
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    let req = request("/h", &[]);
    origin.answer(Ok(response(
        200,
        &[("cache-control", "max-age=60"), ("content-length", "10")],
        b"",
    )));
    let head = Client {
        head: true,
        forward_head: true,
        ..Client::default()
    };
    let cfg = CacheConfig::default();
    let r = run_with(&kv, &cfg, &origin, &req, head, T0).expect("ok");
    assert_eq!(origin.asked.borrow()[0].method, http::Method::HEAD);
    assert_eq!(r.response.get("content-length"), Some("10"));
    assert!(r.response.body.is_empty());
    assert!(
        kv.keys().iter().all(|k| !k.starts_with(store::HEAD_PREFIX)),
        "a HEAD answer is not stored"
    );
    stored_body(&kv, &origin, &req);
    let r = run_with(&kv, &cfg, &origin, &req, head, T0 + 1).expect("ok");
    assert_eq!(origin.calls(), 2, "HEAD from the stored GET");
    assert_eq!(r.response.get("content-length"), Some("10"));
    assert!(r.response.body.is_empty());
    assert!(status_of(&r).contains("hit"));
}

#[test]
fn request_directives() {
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    let req = request("/v1/origin/catalog/d", &[]);
    let cfg = CacheConfig::default();
    let with = |cc| Client {
        cache_control: Some(cc),
        ..Client::default()
    };
    let e = run_with(&kv, &cfg, &origin, &req, with("only-if-cached"), T0).expect_err("504");
    assert_eq!((e.status, e.code.as_str()), (504, "only-if-cached"));
    assert_eq!(origin.calls(), 0, "never asks the origin");
    // Kept an hour past its lifetime (stale-if-error), so max-stale has
    // something to take: entries go once no directive of the origin's
    // could serve them.
    origin.ok(
        &[
            ("cache-control", "max-age=60, stale-if-error=3600"),
            ("etag", "\"e\""),
        ],
        b"0123456789",
    );
    run(&kv, &origin, &req, T0);
    let r = run_with(&kv, &cfg, &origin, &req, with("only-if-cached"), T0 + 10).expect("hit");
    assert_eq!(r.response.body, b"0123456789");
    // Stale by 10 s: max-stale=10 takes it, max-stale=9 does not.
    let r = run_with(
        &kv,
        &cfg,
        &origin,
        &req,
        with("max-stale=10, only-if-cached"),
        T0 + 70,
    )
    .expect("stale accepted");
    assert!(status_of(&r).contains("max-stale"), "{}", status_of(&r));
    let e = run_with(
        &kv,
        &cfg,
        &origin,
        &req,
        with("max-stale=9, only-if-cached"),
        T0 + 70,
    )
    .expect_err("too stale");
    assert_eq!(e.status, 504);
    // min-fresh: 50 s left is not 55.
    let e = run_with(
        &kv,
        &cfg,
        &origin,
        &req,
        with("min-fresh=55, only-if-cached"),
        T0 + 10,
    )
    .expect_err("not fresh enough");
    assert_eq!(e.status, 504);
    origin.answer(Ok(response(
        304,
        &[("cache-control", "max-age=60"), ("etag", "\"e\"")],
        b"",
    )));
    let r = run_with(&kv, &cfg, &origin, &req, with("min-fresh=55"), T0 + 10).expect("ok");
    assert_eq!(
        origin.last_header("if-none-match").as_deref(),
        Some("\"e\"")
    );
    assert_eq!(r.response.body, b"0123456789");
    assert_eq!(origin.calls(), 2);
    // no-cache is ignored by default ...
    let r = run_with(&kv, &cfg, &origin, &req, with("no-cache"), T0 + 11).expect("hit");
    assert!(status_of(&r).contains("hit"));
    assert_eq!(origin.calls(), 2);
    // ... and revalidates where the origin allows it.
    let live =
        CacheConfig::from_toml("[origins.catalog]\nclient_revalidation = true").expect("config");
    // (max-age=0 accepts a response refreshed this very second: its age is 0.)
    for (cc, at) in [("no-cache", T0 + 12), ("max-age=0", T0 + 13)] {
        origin.answer(Ok(response(
            304,
            &[("cache-control", "max-age=60"), ("etag", "\"e\"")],
            b"",
        )));
        let r = run_with(&kv, &live, &origin, &req, with(cc), at).expect("revalidated");
        assert_eq!(r.response.body, b"0123456789");
    }
    assert_eq!(origin.calls(), 4);
}

#[test]
fn failed_preconditions_are_412_and_if_match_is_strong() {
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    let req = request("/c", &[]);
    stored_body(&kv, &origin, &req);
    let cfg = CacheConfig::default();
    for (client, status) in [
        (
            Client {
                if_match: Some("\"other\""),
                ..Client::default()
            },
            412,
        ),
        (
            Client {
                if_match: Some("W/\"e\""),
                ..Client::default()
            },
            412,
        ),
        (
            Client {
                if_match: Some("\"e\""),
                ..Client::default()
            },
            200,
        ),
        (
            Client {
                if_unmodified_since: Some("Mon, 31 Aug 2026 10:00:00 GMT"),
                ..Client::default()
            },
            412,
        ),
        (
            Client {
                if_none_match: Some("e"),
                ..Client::default()
            },
            304,
        ),
        (
            Client {
                if_none_match: Some("\"x\""),
                if_modified_since: Some("Wed, 02 Sep 2026 10:00:00 GMT"),
                ..Client::default()
            },
            200,
        ),
    ] {
        let r = run_with(&kv, &cfg, &origin, &req, client, T0 + 1).expect("ok");
        assert_eq!(r.response.status, status, "{client:?}");
    }
    assert_eq!(origin.calls(), 1);
}

#[test]
fn head_without_forwarding_fills_the_entry_like_get() {
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    let req = request("/m", &[]);
    origin.ok(&[("cache-control", "max-age=60")], b"pixels");
    let head = Client {
        head: true,
        ..Client::default()
    };
    let r = run_with(&kv, &CacheConfig::default(), &origin, &req, head, T0).expect("ok");
    assert_eq!(origin.asked.borrow()[0].method, http::Method::GET);
    assert!(r.response.body.is_empty());
    assert_eq!(r.response.get("content-length"), Some("6"));
    let hit = run(&kv, &origin, &req, T0 + 1);
    assert_eq!(hit.response.body, b"pixels");
    assert_eq!(origin.calls(), 1);
}

/// An origin configured to get the shopper's `Authorization`.
fn authorized_config() -> CacheConfig {
    CacheConfig::from_toml("[origins.api]\nauthorization = true\n").expect("config")
}

fn authorized(credentials: Option<&str>) -> CacheRequest {
    let headers: Vec<(&str, &str)> = credentials
        .map(|c| ("authorization", c))
        .into_iter()
        .collect();
    CacheRequest::new("/v1/origin/api/report", headers, &authorized_config()).expect("request")
}

/// Whether any stored byte holds `needle`.
fn stored_anywhere(kv: &MemoryKv, needle: &str) -> bool {
    kv.map
        .borrow()
        .iter()
        .any(|(k, v)| k.contains(needle) || String::from_utf8_lossy(v).contains(needle))
}

#[test]
fn responses_to_authorized_requests_are_stored_only_as_rfc_9111_3_5_allows() {
    let config = authorized_config();
    let ask = |kv: &MemoryKv, origin: &Origin, credentials: Option<&str>, now: u64| {
        run_with(
            kv,
            &config,
            origin,
            &authorized(credentials),
            Client::default(),
            now,
        )
        .expect("answered")
    };
    // Without public, s-maxage or must-revalidate: served, not stored; and
    // private never.
    for cache_control in ["max-age=60", "private, max-age=60", "private, s-maxage=60"] {
        let (kv, origin) = (MemoryKv::default(), Origin::default());
        origin.ok(&[("cache-control", cache_control)], b"mine");
        let r = ask(&kv, &origin, Some("Bearer secret-a"), T0);
        assert_eq!(r.response.body, b"mine");
        assert!(
            status_of(&r).ends_with("detail=not-storable"),
            "{cache_control}: {}",
            status_of(&r)
        );
        assert!(kv.is_empty(), "{cache_control}: nothing stored");
        assert_eq!(
            origin.last_header("authorization").as_deref(),
            Some("Bearer secret-a")
        );
    }
    // The same answer to a request without credentials is stored: the rule
    // is about the request.
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    origin.ok(&[("cache-control", "max-age=60")], b"anyone");
    assert!(status_of(&ask(&kv, &origin, None, T0)).contains("stored"));

    // public and s-maxage: stored, and reused for other credentials and none.
    for cache_control in ["public, max-age=60", "s-maxage=60"] {
        let (kv, origin) = (MemoryKv::default(), Origin::default());
        origin.ok(&[("cache-control", cache_control)], b"shared");
        let r = ask(&kv, &origin, Some("Bearer secret-a"), T0);
        assert!(
            status_of(&r).contains("stored"),
            "{cache_control}: {}",
            status_of(&r)
        );
        for credentials in [Some("Bearer secret-b"), None] {
            let r = ask(&kv, &origin, credentials, T0 + 1);
            assert!(
                status_of(&r).starts_with("meridian-edge; hit"),
                "{cache_control}: {}",
                status_of(&r)
            );
            assert_eq!(r.response.body, b"shared");
        }
        assert_eq!(origin.calls(), 1, "{cache_control}");
        assert!(
            !stored_anywhere(&kv, "secret-a"),
            "{cache_control}: the credentials are not in the store"
        );
    }

    // must-revalidate (here stale at once): stored, and every use asks the
    // origin with the credentials of the request at hand; a refusal of
    // them is answered and leaves the entry for requests the origin
    // accepts. (The entry is kept while it could be served, freshness
    // plus stale windows: for `max-age=0` that is the second it arrived,
    // after which a use is a full fetch, with its own credentials again.)
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    let tagged = [
        ("cache-control", "max-age=0, must-revalidate"),
        ("etag", "\"r1\""),
    ];
    origin.ok(&tagged, b"report");
    let r = ask(&kv, &origin, Some("Bearer secret-a"), T0);
    assert!(status_of(&r).contains("stored"), "{}", status_of(&r));
    origin.answer(Ok(response(304, &tagged, b"")));
    let r = ask(&kv, &origin, Some("Bearer secret-b"), T0);
    assert_eq!(
        (r.response.status, r.response.body.as_slice()),
        (200, &b"report"[..])
    );
    assert!(
        status_of(&r).contains("fwd=stale; fwd-status=304"),
        "{}",
        status_of(&r)
    );
    assert_eq!(
        origin.last_header("authorization").as_deref(),
        Some("Bearer secret-b"),
        "revalidated with this request's credentials"
    );
    assert_eq!(
        origin.last_header("if-none-match").as_deref(),
        Some("\"r1\"")
    );
    origin.answer(Ok(response(
        401,
        &[("www-authenticate", "Bearer")],
        b"who?",
    )));
    let r = ask(&kv, &origin, None, T0);
    assert_eq!(r.response.status, 401, "the origin's refusal is answered");
    assert_eq!(origin.last_header("authorization"), None);
    origin.answer(Ok(response(304, &tagged, b"")));
    let r = ask(&kv, &origin, Some("Bearer secret-a"), T0);
    assert_eq!(
        (r.response.status, r.response.body.as_slice()),
        (200, &b"report"[..]),
        "still stored: {}",
        status_of(&r)
    );
    origin.ok(&tagged, b"report");
    let r = ask(&kv, &origin, Some("Bearer secret-b"), T0 + 1);
    assert_eq!(r.response.body, b"report");
    assert_eq!(
        origin.last_header("authorization").as_deref(),
        Some("Bearer secret-b")
    );
    assert_eq!(origin.calls(), 5, "every use went to the origin");
    assert!(!stored_anywhere(&kv, "secret-"));

    // A response varying on Authorization is someone's own: not stored.
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    origin.ok(
        &[
            ("cache-control", "public, max-age=60"),
            ("vary", "Authorization"),
        ],
        b"per-user",
    );
    let r = ask(&kv, &origin, Some("Bearer secret-a"), T0);
    assert!(
        status_of(&r).ends_with("detail=vary-personal"),
        "{}",
        status_of(&r)
    );
    assert!(kv.is_empty());
}

#[test]
fn an_origin_without_the_switch_never_sees_credentials() {
    let config = CacheConfig::from_toml("[origins.api]\nforward_headers = [\"x-api-version\"]\n")
        .expect("config");
    let req = CacheRequest::new(
        "/v1/origin/api/report",
        [("authorization", "Bearer secret-a"), ("x-api-version", "2")],
        &config,
    )
    .expect("request");
    let (kv, origin) = (MemoryKv::default(), Origin::default());
    origin.ok(&[("cache-control", "max-age=60")], b"x");
    let r = run_with(&kv, &config, &origin, &req, Client::default(), T0).expect("answered");
    assert!(
        status_of(&r).contains("stored"),
        "no credentials, so storable"
    );
    assert_eq!(origin.last_header("authorization"), None);
    assert_eq!(origin.last_header("x-api-version").as_deref(), Some("2"));
}
