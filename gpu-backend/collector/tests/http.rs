//! The collector over HTTP on a loopback port: signed batches stored once,
//! retries and repeats counted as duplicates, every refusal with its status
//! and code and nothing of a refused batch stored, the counts query.

use meridian_collector::config::Config;
use meridian_collector::wire::{
    APPEND_ROUTE, COUNTS_ROUTE, CollectedEvent, CollectorBatch, EventContext, EventDetail,
};

mod harness;
use harness::{Answer, KEY, batch, collector, counted, event};
use meridian_rpc_server::test_support as signing;
use signing::{Headers, Sign, now};

fn view(tag: &str) -> CollectedEvent {
    CollectedEvent {
        // Stored or not, the context travels as the edge sends it.
        context: Some(EventContext {
            slot: Some("pdp-recs".into()),
            position: Some(2),
        }),
        ..event(
            tag,
            EventDetail::View {
                sku: "sku-1".into(),
            },
            None,
            0,
        )
    }
}

fn exposure(tag: &str, who: &str, variant: &str, at: u64) -> CollectedEvent {
    let detail = EventDetail::Exposure {
        experiment: "hero".into(),
        variant: variant.into(),
    };
    event(tag, detail, Some(who), at)
}

fn purchase(tag: &str, who: &str, at: u64) -> CollectedEvent {
    let detail = EventDetail::Purchase {
        order_value: "12.30".into(),
        currency: "EUR".into(),
        skus: vec!["sku-1".into()],
    };
    event(tag, detail, Some(who), at)
}

fn cart(tag: &str, who: &str, at: u64) -> CollectedEvent {
    let detail = EventDetail::AddToCart {
        sku: "sku-1".into(),
        quantity: 1,
    };
    event(tag, detail, Some(who), at)
}

#[test]
fn a_signed_batch_is_stored() {
    let c = collector();
    let a = c.append(&batch(vec![
        view("v1"),
        view("v2"),
        purchase("p1", "0123456789abcdef0123456789abcdef", 1),
    ]));
    assert_eq!(counted(&a), (3, 0));
    assert_eq!(c.stored(), 3);
    let metrics = c.call("GET", "/metrics", &Vec::new(), b"");
    let text = metrics.body.as_str().expect("text");
    assert!(
        text.contains("meridian_collector_events_accepted_total 3"),
        "{text}"
    );
    assert!(
        text.contains(
            "meridian_collector_requests_total{route=\"rpc/events/append\",status=\"200\"} 1"
        ),
        "{text}"
    );
}

#[test]
fn an_event_counts_once_across_batches_and_within_one() {
    let c = collector();
    assert_eq!(
        counted(&c.append(&batch(vec![view("e1"), view("e2")]))),
        (2, 0)
    );
    assert_eq!(
        counted(&c.append(&batch(vec![view("e2"), view("e3")]))),
        (1, 1)
    );
    assert_eq!(
        counted(&c.append(&batch(vec![view("e4"), view("e4"), view("e1")]))),
        (1, 2)
    );
    assert_eq!(c.stored(), 4);
}

#[test]
fn a_retried_batch_counts_once_and_a_replayed_call_is_refused() {
    let c = collector();
    let b = batch(vec![view("r1"), view("r2"), view("r3")]);
    let body = serde_json::to_vec(&b).expect("json");
    let headers = c.append_headers(&body);
    assert_eq!(
        counted(&c.call("POST", APPEND_ROUTE, &headers, &body)),
        (3, 0)
    );
    // The edge retries (answer lost): a new signature, the same events.
    assert_eq!(counted(&c.append(&b)), (0, 3));
    // The same signed call again is a replay, refused before the store.
    let a = c.call("POST", APPEND_ROUTE, &headers, &body);
    assert_eq!((a.status, a.code()), (401, "signature-replayed"));
    assert_eq!(c.stored(), 3);
}

#[test]
fn every_refusal_has_its_status_and_code_and_stores_nothing() {
    let c = collector();
    let good = serde_json::to_vec(&batch(vec![view("g1")])).expect("json");
    let sign = |body: &[u8], content_type: &str, region: &str, key: &str| {
        Sign {
            key,
            method: "POST",
            path: APPEND_ROUTE,
            query: "",
            content_type,
            region,
            timestamp: now(),
        }
        .headers(body)
    };
    let json = "application/json";
    // A valid event then one of another market: the whole batch is refused.
    let half_bad = serde_json::to_vec(&batch(vec![
        view("h1"),
        CollectedEvent {
            market: "FR".into(),
            ..view("h2")
        },
    ]))
    .expect("json");
    // Another version's schema string: the edge types cannot write one.
    let mut other_schema = serde_json::to_value(batch(vec![view("s1")])).expect("json");
    other_schema["schema"] = "meridian.collector/0".into();
    let other_schema = serde_json::to_vec(&other_schema).expect("json");
    let body_region = serde_json::to_vec(&CollectorBatch {
        region: "us".into(),
        ..batch(vec![view("b1")])
    })
    .expect("json");
    // A field the edge types do not have.
    let mut unknown = serde_json::to_value(batch(vec![view("u1")])).expect("json");
    unknown["events"][0]["surprise"] = 1.into();
    let unknown = serde_json::to_vec(&unknown).expect("json");
    let many = serde_json::to_vec(&batch((0..51).map(|i| view(&format!("m{i}"))).collect()))
        .expect("json");
    let huge = vec![b' '; 64 * 1024 + 1];
    let mut tampered = sign(&good, json, "eu", KEY);
    for (name, value) in tampered.iter_mut() {
        if *name == "meridian-content-sha256" {
            *value = meridian_wit::rpc::body_digest(b"{}");
        }
    }
    let mut swapped = sign(&good, json, "eu", KEY);
    let other_body = serde_json::to_vec(&batch(vec![view("x1")])).expect("json");
    let cases: Vec<(&str, Headers, &[u8], u16, &str)> = vec![
        (
            "unsigned",
            vec![
                ("content-type", json.into()),
                ("meridian-region", "eu".into()),
            ],
            &good,
            401,
            "signature-missing",
        ),
        (
            "other key",
            sign(&good, json, "eu", "not-the-key"),
            &good,
            401,
            "signature-mismatch",
        ),
        (
            "digest header changed",
            tampered,
            &good,
            401,
            "signature-mismatch",
        ),
        (
            "expired",
            Sign {
                key: KEY,
                method: "POST",
                path: APPEND_ROUTE,
                query: "",
                content_type: json,
                region: "eu",
                timestamp: now() - 3600,
            }
            .headers(&good),
            &good,
            401,
            "signature-expired",
        ),
        (
            "no region",
            sign(&good, json, "", KEY),
            &good,
            400,
            "region-missing",
        ),
        (
            "other region",
            sign(&good, json, "us", KEY),
            &good,
            421,
            "region-mismatch",
        ),
        (
            "batch for another region",
            sign(&body_region, json, "eu", KEY),
            &body_region,
            421,
            "region-mismatch",
        ),
        (
            "too large",
            sign(&huge, json, "eu", KEY),
            &huge,
            413,
            "body-too-large",
        ),
        (
            "too many events",
            sign(&many, json, "eu", KEY),
            &many,
            413,
            "batch-too-large",
        ),
        (
            "text/plain",
            sign(&good, "text/plain", "eu", KEY),
            &good,
            415,
            "content-type-unsupported",
        ),
        (
            "malformed",
            sign(b"{\"schema\":", json, "eu", KEY),
            b"{\"schema\":",
            400,
            "batch-malformed",
        ),
        (
            "unknown field",
            sign(&unknown, json, "eu", KEY),
            &unknown,
            400,
            "batch-malformed",
        ),
        (
            "other schema",
            sign(&other_schema, json, "eu", KEY),
            &other_schema,
            422,
            "schema-unsupported",
        ),
        (
            "half bad",
            sign(&half_bad, json, "eu", KEY),
            &half_bad,
            422,
            "event-invalid",
        ),
    ];
    for (what, headers, body, status, code) in cases {
        let a = c.call("POST", APPEND_ROUTE, &headers, body);
        assert_eq!((a.status, a.code()), (status, code), "{what}: {}", a.body);
    }
    // The signed body swapped for another on the way.
    swapped.retain(|(n, _)| *n != "content-length");
    let a = c.call("POST", APPEND_ROUTE, &swapped, &other_body);
    assert_eq!((a.status, a.code()), (401, "body-digest-mismatch"));
    assert_eq!(c.stored(), 0, "nothing of a refused call is stored");
    // A charset parameter is still JSON.
    let a = c.call(
        "POST",
        APPEND_ROUTE,
        &sign(&good, "application/json; charset=utf-8", "eu", KEY),
        &good,
    );
    assert_eq!(counted(&a), (1, 0));
    let a = c.call("GET", "/rpc/events/nothing", &Vec::new(), b"");
    assert_eq!((a.status, a.code()), (404, "route-unknown"));
    let a = c.call("GET", APPEND_ROUTE, &Vec::new(), b"");
    assert_eq!((a.status, a.code()), (405, "method-not-allowed"));
}

#[test]
fn counts_attribute_conversions_to_the_variant_seen_first() {
    let c = collector();
    let (a, b, d) = (
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        "dddddddddddddddddddddddddddddddd",
    );
    let stored = c.append(&batch(vec![
        exposure("x1", a, "control", 0),
        exposure("x2", a, "control", 5),
        exposure("x3", b, "treatment", 0),
        exposure("x4", d, "treatment", 5),
        purchase("p1", a, 10),
        purchase("p2", b, 10),
        // Bought before ever seeing the experiment: not attributed.
        purchase("p0", d, 0),
        cart("c1", d, 30),
    ]));
    assert_eq!(counted(&stored), (8, 0));
    let rows = |a: &Answer| {
        assert_eq!(a.status, 200, "{}", a.body);
        a.body["counts"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| {
                (
                    r["market"].as_str().unwrap_or_default().to_owned(),
                    r["variant"].as_str().unwrap_or_default().to_owned(),
                    r["exposures"].as_u64().unwrap_or(u64::MAX),
                    r["conversions"].as_u64().unwrap_or(u64::MAX),
                )
            })
            .collect::<Vec<_>>()
    };
    let purchases = c.counts("experiment=hero", "eu");
    assert_eq!(purchases.body["metric"], "purchase");
    assert_eq!(
        rows(&purchases),
        [
            ("DE".into(), "control".into(), 1, 1),
            ("DE".into(), "treatment".into(), 2, 1)
        ]
    );
    let carts = c.counts("experiment=hero&metric=add-to-cart", "");
    assert_eq!(carts.body["metric"], "add-to-cart");
    assert_eq!(
        rows(&carts),
        [
            ("DE".into(), "control".into(), 1, 0),
            ("DE".into(), "treatment".into(), 2, 1)
        ]
    );
    assert!(rows(&c.counts("experiment=unknown", "eu")).is_empty());
}

#[test]
fn counts_refuse_unsigned_misrouted_and_bad_queries() {
    let c = collector();
    let a = c.call(
        "GET",
        &format!("{COUNTS_ROUTE}?experiment=hero"),
        &Vec::new(),
        b"",
    );
    assert_eq!((a.status, a.code()), (401, "signature-missing"));
    let a = c.counts("experiment=hero", "us");
    assert_eq!((a.status, a.code()), (421, "region-mismatch"));
    for (query, code) in [
        ("", "experiment-missing"),
        ("experiment=has%20space", "experiment-invalid"),
        ("experiment=hero&metric=revenue", "metric-unknown"),
        ("experiment=hero&surprise=1", "query-malformed"),
    ] {
        let a = c.counts(query, "eu");
        assert_eq!((a.status, a.code()), (400, code), "{query}");
    }
    // The query is signed: a changed one does not verify.
    let headers = Sign {
        key: KEY,
        method: "GET",
        path: COUNTS_ROUTE,
        query: "experiment=hero",
        content_type: "",
        region: "eu",
        timestamp: now(),
    }
    .headers(b"");
    let a = c.call(
        "GET",
        &format!("{COUNTS_ROUTE}?experiment=other"),
        &headers,
        b"",
    );
    assert_eq!((a.status, a.code()), (401, "signature-mismatch"));
}

#[test]
fn a_store_that_cannot_open_stops_the_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"x").expect("write");
    let mut config = Config::load(None, |_| None).expect("defaults");
    config.listen = "127.0.0.1:0".parse().expect("addr");
    config.development = true;
    config.store.path = blocker.join("events.sqlite");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let err = runtime
        .block_on(meridian_collector::start(config))
        .err()
        .expect("refused");
    let text = format!("{err:#}");
    assert!(text.contains("cannot open the event store"), "{text}");
}
