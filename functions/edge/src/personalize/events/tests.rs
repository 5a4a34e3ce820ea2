//! Intake, consent and the forwarded batch, end to end through
//! [`EventCollector::receive`].

use serde_json::{Value, json};

use super::*;
use crate::policy::consent::tcf::VendorSet;
use crate::policy::consent::tcf_encode::{VendorEncoding, base, encode, purposes};
use crate::policy::{Decision, PackSet, PolicyInput, Purpose, decide};

/// 2026-09-21T14:13:20Z.
const NOW: u64 = 1_790_000_000_000;
const SHOPPER: &str = "shopper-7c1e55a0b2";
const JSON: Option<&str> = Some("application/json");

fn packs() -> PackSet {
    PackSet::embedded().expect("shipped packs validate")
}

fn tc_string() -> String {
    let mut tc = base();
    tc.purposes_consent = purposes(&[1, 5, 6]);
    tc.vendor_consents = VendorSet::from_ids([4040], 0);
    encode(&tc, VendorEncoding::Auto)
}

/// DE with a TC string consenting to personalisation.
fn granted() -> Decision {
    let tc = tc_string();
    let d = decide(
        &PolicyInput {
            tcf: Some(&tc),
            ..PolicyInput::new("DE", Purpose::Personalize)
        },
        &packs(),
    );
    assert!(d.personal_data_allowed(), "{:?}", d.consent.reason);
    d
}

fn collector() -> EventCollector {
    EventCollector::new(
        EventsConfig::default(),
        PseudonymSecret::new(&[42; 32]).expect("32 bytes"),
    )
}

fn facts(decision: &Decision) -> RequestFacts<'_> {
    RequestFacts {
        decision,
        shopper_id: Some(SHOPPER),
        client_ip: "203.0.113.77".parse().ok(),
        region: "eu",
        now_ms: NOW,
    }
}

fn id(n: usize) -> String {
    format!("evt-{n:012}-abcd")
}

fn view(n: usize) -> Value {
    json!({"id": id(n), "kind": "view", "at": NOW - 1_000, "page": "/products/orbit", "sku": "MRD-ORBIT-TITANIUM"})
}

fn one_of_each() -> Vec<Value> {
    vec![
        json!({"id": "0b8e3c1a-6f2d-4e7b-9a41-2c5d8e9f1a3b", "kind": "exposure", "at": NOW - 5_000,
               "page": "/", "experiment": "hero-copy", "variant": "1"}),
        view(1),
        json!({"id": id(2), "kind": "click", "at": NOW - 3_000, "page": "/products/orbit",
               "sku": "MRD-ORBIT-TITANIUM", "target": "image", "context": {"slot": "pdp-recs", "position": 2}}),
        json!({"id": id(3), "kind": "add-to-cart", "at": NOW - 2_000, "page": "/products/orbit",
               "sku": "MRD-ORBIT-TITANIUM", "quantity": 2}),
        json!({"id": id(4), "kind": "purchase", "at": NOW, "page": "/checkout/done?order=991&email=jane@example.com",
               "order_value": "249.90", "currency": "EUR", "skus": ["MRD-ORBIT-TITANIUM", "MRD-SILK-SCARF"]}),
    ]
}

fn body(events: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({"schema": "meridian.events/1", "events": events})).expect("json")
}

fn receive(body: &[u8]) -> Result<Collected, EventsError> {
    let d = granted();
    collector().receive(JSON, body, &facts(&d))
}

fn refused(result: Result<Collected, EventsError>) -> (u16, String, String) {
    let e = result.expect_err("must be refused");
    let r = e.refusal();
    (r.status, r.code, r.message)
}

fn invalid_at(result: Result<Collected, EventsError>) -> Invalid {
    match result {
        Err(EventsError::Invalid(i)) => i,
        other => panic!("expected events-invalid, got {other:?}"),
    }
}

#[test]
fn a_valid_batch_is_forwarded_whole() {
    let d = granted();
    let c = collector()
        .receive(
            Some("text/plain;charset=UTF-8"),
            &body(one_of_each()),
            &facts(&d),
        )
        .expect("valid");
    assert_eq!(c.summary.accepted, 5);
    assert!(c.summary.dropped.is_empty());
    assert_eq!(c.summary.consent, "consent-tcf-granted");
    let batch = c.batch.expect("something to forward");
    assert_eq!((batch.market.as_str(), batch.region.as_str()), ("DE", "eu"));
    assert_eq!(batch.edge_received_at, NOW);
    assert!(batch.key_id.starts_with("2026-09-21."), "{}", batch.key_id);
    assert_eq!(batch.client_network.as_deref(), Some("203.0.113.0/24"));
    let kinds: Vec<&str> = batch.events.iter().map(|e| e.detail.kind()).collect();
    assert_eq!(
        kinds,
        ["exposure", "view", "click", "add-to-cart", "purchase"]
    );
    let purchase = &batch.events[4];
    assert_eq!(purchase.page, "/checkout/done", "query string stripped");
    assert_eq!(
        purchase.detail,
        EventDetail::Purchase {
            order_value: "249.90".into(),
            currency: "EUR".into(),
            skus: vec!["MRD-ORBIT-TITANIUM".into(), "MRD-SILK-SCARF".into()],
        }
    );
    assert_eq!(
        batch.events[2].context,
        Some(EventContext {
            slot: Some("pdp-recs".into()),
            position: Some(2)
        })
    );
    for e in &batch.events {
        assert_eq!(e.market, "DE");
        assert_eq!(e.consent.outcome, "allow");
        assert_eq!(e.consent.reason, "consent-tcf-granted");
        assert_eq!(e.consent.policy_version, d.policy_version);
        assert_eq!(e.pseudonym.as_ref().map(String::len), Some(32));
    }
}

#[test]
fn content_types() {
    let b = body(vec![view(0)]);
    let d = granted();
    for ok in [
        "text/plain;charset=UTF-8",
        "text/plain",
        "application/json",
        "Application/JSON; charset=\"utf-8\"",
        "text/plain; charset=utf-8;",
    ] {
        assert!(
            collector().receive(Some(ok), &b, &facts(&d)).is_ok(),
            "{ok}"
        );
    }
    for bad in [
        None,
        Some(""),
        Some("text/html"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/json; charset=latin1"),
        Some("text/plain; garbage"),
        Some("application/jsonp"),
    ] {
        let (status, code, _) = refused(collector().receive(bad, &b, &facts(&d)));
        assert_eq!(
            (status, code.as_str()),
            (415, "events-content-type"),
            "{bad:?}"
        );
    }
}

/// `events` padded with spaces to exactly `size` bytes.
fn padded(size: usize) -> Vec<u8> {
    let mut b = body(vec![view(0)]);
    let end = b.pop().expect("closing brace");
    b.resize(size - 1, b' ');
    b.push(end);
    b
}

#[test]
fn body_size_at_and_past_the_limit() {
    assert!(receive(&padded(MAX_BODY_BYTES)).is_ok());
    let (status, code, message) = refused(receive(&padded(MAX_BODY_BYTES + 1)));
    assert_eq!((status, code.as_str()), (413, "events-too-large"));
    assert!(message.contains("65536"), "{message}");
    // Checked before parsing, on a declared length too.
    assert!(check_body_size(MAX_BODY_BYTES + 1, &EventsConfig::default()).is_err());

    let small = EventsConfig::from_toml("max_body_bytes = 1000").expect("valid");
    let d = granted();
    let c = EventCollector::new(small, PseudonymSecret::new(&[1; 32]).expect("key"));
    assert!(c.receive(JSON, &padded(1000), &facts(&d)).is_ok());
    assert_eq!(refused(c.receive(JSON, &padded(1001), &facts(&d))).0, 413);
}

#[test]
fn event_count_at_and_past_the_limit() {
    let hundred: Vec<Value> = (0..MAX_EVENTS).map(view).collect();
    let c = receive(&body(hundred)).expect("100 events");
    assert_eq!(c.summary.accepted, 100);

    let too_many: Vec<Value> = (0..=MAX_EVENTS).map(view).collect();
    let (status, code, message) = refused(receive(&body(too_many)));
    assert_eq!((status, code.as_str()), (413, "events-too-many"));
    assert!(message.contains("101"), "{message}");

    let empty = invalid_at(receive(&body(vec![])));
    assert_eq!((empty.index, empty.field.as_str()), (None, "events"));
}

#[test]
fn malformed_json_is_400() {
    for bad in [
        &b"not json"[..],
        b"{\"schema\": \"meridian.events/1\", \"events\": [",
        b"",
        b"\xff\xfe{}",
        b"{\"schema\": \"meridian.events/1\"} trailing",
    ] {
        let (status, code, _) = refused(receive(bad));
        assert_eq!(
            (status, code.as_str()),
            (400, "events-malformed"),
            "{bad:?}"
        );
    }
}

#[test]
fn schema_violations_name_the_event_and_field() {
    let cases: Vec<(Value, Option<usize>, &str, Problem)> = vec![
        (json!([]), None, "", Problem::Type("an object")),
        (
            json!({"schema": "meridian.events/2", "events": [view(0)]}),
            None,
            "schema",
            Problem::Shape("\"meridian.events/1\""),
        ),
        (
            json!({"events": [view(0)]}),
            None,
            "schema",
            Problem::Missing,
        ),
        (
            json!({"schema": "meridian.events/1", "events": [view(0)], "user": "x"}),
            None,
            "user",
            Problem::Unknown,
        ),
        (
            json!({"schema": "meridian.events/1", "events": {}}),
            None,
            "events",
            Problem::Type("an array"),
        ),
    ];
    for (value, index, field, problem) in cases {
        let i = invalid_at(receive(&serde_json::to_vec(&value).expect("json")));
        assert_eq!(
            (i.index, i.field.as_str(), &i.problem),
            (index, field, &problem),
            "{value}"
        );
    }

    // Event 2 of 4 changed: (field, new value or removed, field named, problem).
    let events: Vec<(&str, Option<Value>, &str, Problem)> = vec![
        ("sku", Some(json!(null)), "sku", Problem::Type("a string")),
        ("sku", None, "sku", Problem::Missing),
        ("quantity", Some(json!(3)), "quantity", Problem::Unknown),
        ("email", Some(json!("a@b.c")), "email", Problem::Unknown),
        (
            "sku",
            Some(json!("x".repeat(65))),
            "sku",
            Problem::Shape(super::intake::TOKEN_SHAPE),
        ),
        (
            "id",
            Some(json!("short")),
            "id",
            Problem::Shape("a lower-case UUID v4 or 16 to 32 of [A-Za-z0-9_-]"),
        ),
        (
            "kind",
            Some(json!("pageview")),
            "kind",
            Problem::Shape("one of exposure, view, click, add-to-cart, purchase"),
        ),
        ("at", Some(json!(1.5)), "at", Problem::Type("an integer")),
        (
            "page",
            Some(json!("products/orbit")),
            "page",
            Problem::Shape("a path of at most 512 characters, starting with /"),
        ),
        (
            "context",
            Some(json!({"position": 1000})),
            "context.position",
            Problem::Range { min: 0, max: 999 },
        ),
        (
            "context",
            Some(json!({"note": "hi"})),
            "context.note",
            Problem::Unknown,
        ),
        (
            "context",
            Some(json!("pdp")),
            "context",
            Problem::Type("an object"),
        ),
    ];
    for (name, value, field, problem) in events {
        let mut batch: Vec<Value> = (0..4).map(view).collect();
        let event = batch[2].as_object_mut().expect("an object");
        match value {
            Some(v) => event.insert(name.to_owned(), v),
            None => event.remove(name),
        };
        let i = invalid_at(receive(&body(batch)));
        assert_eq!((i.index, i.field.as_str()), (Some(2), field));
        assert_eq!(i.problem, problem);
        let r = EventsError::Invalid(i).refusal();
        assert_eq!((r.status, r.code.as_str()), (422, "events-invalid"));
        assert!(
            r.message.starts_with(&format!("event 2, field `{field}`")),
            "{}",
            r.message
        );
    }
}

#[test]
fn kind_specific_rules() {
    let purchase = |f: fn(&mut Value)| {
        let mut e = one_of_each().remove(4);
        f(&mut e);
        invalid_at(receive(&body(vec![e])))
    };
    let i = purchase(|e| e["currency"] = json!("XXX"));
    assert_eq!(
        (i.field.as_str(), i.problem),
        ("currency", Problem::Shape("an active ISO 4217 code"))
    );
    assert_eq!(purchase(|e| e["currency"] = json!("eur")).field, "currency");
    assert_eq!(
        purchase(|e| e["order_value"] = json!("1e3")).field,
        "order_value"
    );
    assert_eq!(
        purchase(|e| e["order_value"] = json!(249.9)).field,
        "order_value"
    );
    let i = purchase(|e| e["skus"] = json!(["A", "B", "A"]));
    assert_eq!(
        (i.field.as_str(), i.problem),
        ("skus[2]", Problem::Repeated)
    );
    let i = purchase(|e| e["skus"] = json!([]));
    assert_eq!(i.problem, Problem::Items { min: 1, max: 50 });
    let i =
        purchase(|e| e["skus"] = json!((0..51).map(|n| format!("SKU-{n}")).collect::<Vec<_>>()));
    assert_eq!(i.problem, Problem::Items { min: 1, max: 50 });
    let mut fifty = one_of_each().remove(4);
    fifty["skus"] = json!((0..50).map(|n| format!("SKU-{n}")).collect::<Vec<_>>());
    assert!(receive(&body(vec![fifty])).is_ok());

    let cart = |q: Value| {
        let mut e = one_of_each().remove(3);
        e["quantity"] = q;
        receive(&body(vec![e]))
    };
    assert!(cart(json!(1)).is_ok());
    assert!(cart(json!(999)).is_ok());
    assert!(
        cart(json!(3.0)).is_ok(),
        "an integer, as JSON Schema reads it"
    );
    for bad in [json!(0), json!(1000), json!(-1), json!(1.5), json!("2")] {
        assert_eq!(invalid_at(cart(bad.clone())).field, "quantity", "{bad}");
    }
    // A field of another kind is unknown here.
    let mut exposure = one_of_each().remove(0);
    exposure["sku"] = json!("MRD-ORBIT-TITANIUM");
    assert_eq!(
        invalid_at(receive(&body(vec![exposure]))).problem,
        Problem::Unknown
    );
}

#[test]
fn unknown_field_names_are_not_echoed_unless_tokens() {
    let mut e = view(0);
    e["jane.doe@example.com"] = json!(1);
    let (_, _, message) = refused(receive(&body(vec![e])));
    assert!(!message.contains("jane"), "{message}");
    assert!(message.contains("(not a token)"), "{message}");
}

#[test]
fn one_bad_event_refuses_the_whole_batch() {
    let mut events: Vec<Value> = (0..100).map(view).collect();
    events[99]["sku"] = json!("bad sku");
    let i = invalid_at(receive(&body(events)));
    assert_eq!((i.index, i.field.as_str()), (Some(99), "sku"));
}

#[test]
fn duplicate_ids_in_a_batch_are_dropped_after_the_first() {
    let mut second = one_of_each().remove(3);
    second["id"] = json!(id(1));
    let events = vec![view(1), second, view(2), view(1), view(1)];
    let c = receive(&body(events)).expect("valid");
    assert_eq!(c.summary.accepted, 2);
    assert_eq!(
        c.summary.dropped.get(&DropReason::DuplicateInBatch),
        Some(&3)
    );
    let batch = c.batch.expect("events");
    let kept: Vec<(&str, &str)> = batch
        .events
        .iter()
        .map(|e| (e.id.as_str(), e.detail.kind()))
        .collect();
    assert_eq!(kept, [(id(1).as_str(), "view"), (id(2).as_str(), "view")]);
    let summary: Value = serde_json::from_slice(&c.summary.to_response().body).expect("json");
    assert_eq!(summary["dropped"]["duplicate-in-batch"], 3);
    assert_eq!(summary["accepted"], 2);
}

#[test]
fn clock_skew_at_and_past_the_bounds() {
    let config =
        EventsConfig::from_toml("max_behind_ms = 60000\nmax_ahead_ms = 2000").expect("valid");
    let d = granted();
    let c = EventCollector::new(config, PseudonymSecret::new(&[3; 32]).expect("key"));
    let at = |t: u64| {
        let mut e = view(0);
        e["at"] = json!(t);
        c.receive(JSON, &body(vec![e]), &facts(&d))
    };
    assert!(at(NOW - 60_000).is_ok());
    assert!(at(NOW + 2_000).is_ok());
    for bad in [NOW - 60_001, NOW + 2_001, 0] {
        let i = invalid_at(at(bad));
        assert_eq!(
            (i.field.as_str(), i.problem),
            (
                "at",
                Problem::ClockSkew {
                    behind_ms: 60_000,
                    ahead_ms: 2_000
                }
            ),
            "{bad}"
        );
    }
}

#[test]
fn config_is_checked() {
    assert_eq!(
        EventsConfig::from_toml("").expect("defaults"),
        EventsConfig::default()
    );
    assert!(matches!(
        EventsConfig::from_toml("max_body_bytes = 65537"),
        Err(EventsConfigError::BodyBytes)
    ));
    assert!(matches!(
        EventsConfig::from_toml("max_body_bytes = 0"),
        Err(EventsConfigError::BodyBytes)
    ));
    assert!(matches!(
        EventsConfig::from_toml("max_events = 1000"),
        Err(EventsConfigError::Toml(_))
    ));
}

fn decision(input: PolicyInput<'_>) -> Decision {
    decide(&input, &packs())
}

#[test]
fn without_consent_nothing_leaves_the_edge() {
    let cases = [
        (
            decision(PolicyInput::new("DE", Purpose::Personalize)),
            DropReason::ConsentDenied,
            "consent-tcf-missing",
        ),
        (
            decision(PolicyInput {
                subdivision: Some("CA"),
                gpc: true,
                ..PolicyInput::new("US", Purpose::Personalize)
            }),
            DropReason::ConsentDenied,
            "gpc-opt-out",
        ),
        (
            decision(PolicyInput::new("KP", Purpose::Personalize)),
            DropReason::TerritoryBlocked,
            "",
        ),
        (
            decision(PolicyInput::new("DE", Purpose::Render)),
            DropReason::DecisionNotPersonalize,
            "",
        ),
    ];
    for (d, reason, consent_code) in cases {
        let region = d.residency.regions.pick(&["eu", "us"]).unwrap_or("eu");
        let c = collector()
            .receive(
                JSON,
                &body(one_of_each()),
                &RequestFacts {
                    region,
                    ..facts(&d)
                },
            )
            .expect("a valid batch is accepted, then dropped");
        assert_eq!(c.summary.accepted, 0, "{reason:?}");
        assert_eq!(c.summary.dropped.get(&reason), Some(&5), "{reason:?}");
        assert_eq!(c.summary.dropped.len(), 1);
        assert_eq!(c.batch, None, "{reason:?}");
        if !consent_code.is_empty() {
            assert_eq!(c.summary.consent, consent_code);
        }
        let json = String::from_utf8(c.summary.to_response().body).expect("utf-8");
        assert!(json.contains(reason.code()), "{json}");
        assert!(!json.contains(SHOPPER));
    }
}

#[test]
fn opt_out_markets_collect_until_the_shopper_opts_out() {
    let d = decision(PolicyInput::new("US", Purpose::Personalize));
    assert!(d.personal_data_allowed(), "{:?}", d.consent.reason);
    let region = d.residency.regions.pick(&["us", "eu"]).expect("a region");
    let c = collector()
        .receive(
            JSON,
            &body(vec![view(0)]),
            &RequestFacts {
                region,
                ..facts(&d)
            },
        )
        .expect("valid");
    assert_eq!(c.summary.accepted, 1);
    let batch = c.batch.expect("forwarded");
    assert_eq!(batch.events[0].consent.reason, d.consent.reason.code);
}

#[test]
fn a_region_residency_excludes_is_refused() {
    let d = granted();
    let (status, code, _) = refused(collector().receive(
        JSON,
        &body(vec![view(0)]),
        &RequestFacts {
            region: "us",
            ..facts(&d)
        },
    ));
    assert_eq!((status, code.as_str()), (451, "events-region-not-allowed"));
}

#[test]
fn pseudonyms_follow_the_day_and_the_secret() {
    let d = granted();
    let run = |secret: u8, now: u64, shopper: Option<&str>| {
        let c = EventCollector::new(
            EventsConfig::default(),
            PseudonymSecret::new(&[secret; 32]).expect("key"),
        );
        let mut e = view(0);
        e["at"] = json!(now);
        let batch = c
            .receive(
                JSON,
                &body(vec![e]),
                &RequestFacts {
                    now_ms: now,
                    shopper_id: shopper,
                    ..facts(&d)
                },
            )
            .expect("valid")
            .batch
            .expect("forwarded");
        (batch.key_id.clone(), batch.events[0].pseudonym.clone())
    };
    let day = NOW - NOW % 86_400_000;
    let (k1, p1) = run(1, day + 10, Some(SHOPPER));
    let (k2, p2) = run(1, day + 86_399_999, Some(SHOPPER));
    assert_eq!((&k1, &p1), (&k2, &p2), "stable within the day");
    let (k3, p3) = run(1, day + 86_400_000, Some(SHOPPER));
    assert_ne!(k1, k3);
    assert_ne!(p1, p3, "a new day, a new pseudonym");
    let (k4, p4) = run(2, day + 10, Some(SHOPPER));
    assert_ne!(k1, k4);
    assert_ne!(p1, p4, "another secret, another pseudonym");
    assert_eq!(run(1, day + 10, None).1, None);
    assert_eq!(run(1, day + 10, Some("")).1, None);
}

#[test]
fn ipv6_clients_are_forwarded_as_their_48() {
    let d = granted();
    let c = collector()
        .receive(
            JSON,
            &body(vec![view(0)]),
            &RequestFacts {
                client_ip: "2001:db8:abcd:12::99".parse().ok(),
                ..facts(&d)
            },
        )
        .expect("valid");
    let batch = c.batch.expect("forwarded");
    assert_eq!(batch.client_network.as_deref(), Some("2001:db8:abcd::/48"));
    let none = collector()
        .receive(
            JSON,
            &body(vec![view(0)]),
            &RequestFacts {
                client_ip: None,
                ..facts(&d)
            },
        )
        .expect("valid");
    let json = serde_json::to_value(none.batch.expect("forwarded")).expect("json");
    assert!(json.get("client_network").is_none());
}

#[test]
fn the_forwarded_json_carries_nothing_identifying() {
    let tc = tc_string();
    let d = granted();
    let c = collector()
        .receive(JSON, &body(one_of_each()), &facts(&d))
        .expect("valid");
    let json = serde_json::to_string(&c.batch.expect("forwarded")).expect("json");
    for secret in [
        SHOPPER,
        tc.as_str(),
        "203.0.113.77",
        "order=991",
        "jane@example.com",
        "?",
        "#",
    ] {
        assert!(!json.contains(secret), "{secret:?} in {json}");
    }
    let v: Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["schema"], "meridian.collector/1");
    assert_eq!(v["events"][4]["page"], "/checkout/done");
    assert_eq!(v["events"][3]["kind"], "add-to-cart");
    assert_eq!(v["events"][3]["quantity"], 2);
    assert_eq!(v["events"][0]["consent"]["reason"], "consent-tcf-granted");
    let keys: Vec<&str> = v["events"][0]
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "at",
            "consent",
            "experiment",
            "id",
            "kind",
            "market",
            "page",
            "pseudonym",
            "variant"
        ]
    );
}

#[test]
fn the_collector_reads_the_same_types_back() {
    let d = granted();
    let batch = collector()
        .receive(JSON, &body(one_of_each()), &facts(&d))
        .expect("valid")
        .batch
        .expect("forwarded");
    let json = serde_json::to_vec(&batch).expect("json");
    let back: CollectorBatch = serde_json::from_slice(&json).expect("round trip");
    assert_eq!(back, batch);

    let mut other: Value = serde_json::from_slice(&json).expect("json");
    other["schema"] = json!("meridian.collector/2");
    assert!(serde_json::from_value::<CollectorBatch>(other).is_err());
}

#[test]
fn refusals_are_meridian_json() {
    let r = refused(receive(b"{"));
    let response = EventsError::Malformed("x".into()).refusal().into_response();
    assert_eq!(response.status, 400);
    let v: Value = serde_json::from_slice(&response.body).expect("json");
    assert_eq!(v["code"], "events-malformed");
    assert_eq!(r.1, "events-malformed");
    let many = EventsError::TooMany {
        count: 101,
        limit: 100,
    };
    assert_eq!(crate::http::response::Refusal::from(many).status, 413);
}
