//! `schemas/events-1.schema.json` and [`parse_beacon`] describe the same
//! rules: over seeded valid batches and mutated invalid ones, the
//! `jsonschema` crate and the Rust reader both accept or both refuse
//! every one, and each mutation really is invalid.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::*;
use crate::policy::codes::is_currency;

/// 2026-09-21T14:13:20Z: every generated `at` lies within the default
/// skew of it (the skew is the one rule no schema can state).
const NOW: u64 = 1_790_000_000_000;

fn schema() -> Value {
    serde_json::from_str(EVENTS_SCHEMA).expect("the schema is JSON")
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::new(&schema()).expect("the schema compiles")
}

/// splitmix64: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len).map(|_| char::from(*self.pick(alphabet))).collect()
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const TOKEN_TAIL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
const ID_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
const HEX: &[u8] = b"0123456789abcdef";
const PATH: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-._~/%!$&'()*+,;=:@";

fn token(rng: &mut Rng, max: usize) -> String {
    let len = 1 + rng.below(max);
    let head = rng.string(ALNUM, 1);
    head + &rng.string(TOKEN_TAIL, len - 1)
}

fn uuid_v4(rng: &mut Rng) -> String {
    format!(
        "{}-{}-4{}-{}{}-{}",
        rng.string(HEX, 8),
        rng.string(HEX, 4),
        rng.string(HEX, 3),
        rng.string(b"89ab", 1),
        rng.string(HEX, 3),
        rng.string(HEX, 12)
    )
}

fn event_id(rng: &mut Rng) -> String {
    if rng.chance(50) {
        uuid_v4(rng)
    } else {
        let len = 16 + rng.below(17);
        rng.string(ID_CHARS, len)
    }
}

fn page(rng: &mut Rng) -> String {
    let len = rng.below(40);
    let mut p = format!("/{}", rng.string(PATH, len));
    if rng.chance(20) {
        p.push_str("?q=");
        p.push_str(&rng.string(b"abc=&@%+!~", 10));
    }
    if rng.chance(10) {
        p.push_str("#top");
    }
    p
}

fn decimal(rng: &mut Rng) -> String {
    let int = if rng.chance(20) {
        "0".to_owned()
    } else {
        let len = rng.below(12);
        rng.string(b"123456789", 1) + &rng.string(HEX.get(..10).unwrap_or(HEX), len)
    };
    if rng.chance(60) {
        let len = 1 + rng.below(4);
        format!("{int}.{}", rng.string(b"0123456789", len))
    } else {
        int
    }
}

const CURRENCIES: [&str; 6] = ["EUR", "USD", "JPY", "KWD", "CHF", "BRL"];

fn valid_event(rng: &mut Rng) -> Value {
    let at = NOW - rng.below(3_000_000) as u64;
    let mut e = json!({"id": event_id(rng), "at": at, "page": page(rng)});
    match rng.below(5) {
        0 => {
            e["kind"] = json!("exposure");
            e["experiment"] = json!(token(rng, 64));
            e["variant"] = json!(token(rng, 8));
        }
        1 => {
            e["kind"] = json!("view");
            e["sku"] = json!(token(rng, 64));
        }
        2 => {
            e["kind"] = json!("click");
            e["sku"] = json!(token(rng, 64));
            if rng.chance(50) {
                e["target"] = json!(token(rng, 20));
            }
        }
        3 => {
            e["kind"] = json!("add-to-cart");
            e["sku"] = json!(token(rng, 64));
            e["quantity"] = json!(1 + rng.below(999));
        }
        _ => {
            e["kind"] = json!("purchase");
            e["order_value"] = json!(decimal(rng));
            e["currency"] = json!(rng.pick(&CURRENCIES));
            let n = 1 + rng.below(5);
            let skus: Vec<String> = (0..n).map(|i| format!("{}-{i}", token(rng, 20))).collect();
            e["skus"] = json!(skus);
        }
    }
    if rng.chance(30) {
        let mut c = json!({});
        if rng.chance(70) {
            c["slot"] = json!(token(rng, 30));
        }
        if rng.chance(70) {
            c["position"] = json!(rng.below(1000));
        }
        e["context"] = c;
    }
    e
}

fn obj(v: &mut Value) -> &mut serde_json::Map<String, Value> {
    v.as_object_mut().expect("events are objects")
}

/// A string field of the event's kind, other than `kind` and `id`.
fn token_field(e: &Value) -> &'static str {
    match e["kind"].as_str() {
        Some("exposure") => "experiment",
        Some("purchase") => "currency",
        _ => "sku",
    }
}

fn required_fields(e: &Value) -> Vec<&'static str> {
    let mut f = vec!["id", "kind", "at", "page"];
    f.extend(match e["kind"].as_str() {
        Some("exposure") => &["experiment", "variant"][..],
        Some("view") | Some("click") => &["sku"],
        Some("add-to-cart") => &["sku", "quantity"],
        _ => &["order_value", "currency", "skus"],
    });
    f
}

/// Mutations that keep a batch valid.
const KEEPS_VALID: &[&str] = &[
    "none",
    "at-as-integral-float",
    "longest-token",
    "longest-page",
    "shortest-and-longest-plain-id",
    "bounds-of-numbers",
    "empty-context",
    "duplicate-id",
    "hundred-events",
    "fifty-skus",
];

/// Mutations that must make a batch invalid.
const BREAKS: &[&str] = &[
    "missing-required",
    "unknown-event-field",
    "field-of-another-kind",
    "unknown-batch-field",
    "unknown-context-field",
    "wrong-type",
    "event-not-object",
    "too-long-token",
    "too-long-page",
    "too-long-id",
    "empty-token",
    "bad-token-chars",
    "trailing-newline",
    "bad-currency",
    "bad-id",
    "bad-decimal",
    "quantity-out-of-range",
    "position-out-of-range",
    "at-out-of-range",
    "bad-skus",
    "unknown-kind",
    "bad-schema-id",
    "missing-schema",
    "too-many-events",
    "no-events",
    "bad-page",
];

fn mutate(rng: &mut Rng, batch: &mut Value, name: &str) {
    let n = batch["events"].as_array().map_or(0, Vec::len);
    let i = rng.below(n);
    let e = &mut batch["events"][i];
    let kind = e["kind"].as_str().unwrap_or_default().to_owned();
    match name {
        "none" => {}
        "at-as-integral-float" => e["at"] = json!(e["at"].as_u64().unwrap_or(NOW) as f64),
        "longest-token" => {
            let longest = format!("A{}", rng.string(TOKEN_TAIL, 63));
            if kind == "purchase" {
                e["skus"] = json!([longest]);
            } else {
                let f = token_field(e);
                e[f] = json!(longest);
            }
        }
        "longest-page" => e["page"] = json!(format!("/{}", rng.string(PATH, 511))),
        "shortest-and-longest-plain-id" => {
            let len = if rng.chance(50) { 16 } else { 32 };
            e["id"] = json!(rng.string(ID_CHARS, len));
        }
        "bounds-of-numbers" => {
            e["context"] = json!({"position": *rng.pick(&[0, 999])});
            if kind == "add-to-cart" {
                e["quantity"] = json!(*rng.pick(&[1, 999]));
            }
        }
        "empty-context" => e["context"] = json!({}),
        "duplicate-id" => {
            let id = batch["events"][0]["id"].clone();
            batch["events"][i]["id"] = id;
        }
        "hundred-events" => {
            let events: Vec<Value> = (0..100).map(|_| valid_event(rng)).collect();
            batch["events"] = json!(events);
        }
        "fifty-skus" => {
            if kind == "purchase" {
                let skus: Vec<String> = (0..50).map(|k| format!("SKU-{k}")).collect();
                e["skus"] = json!(skus);
            }
        }
        "missing-required" => {
            let fields = required_fields(e);
            let f = *rng.pick(&fields);
            obj(e).remove(f);
        }
        "unknown-event-field" => {
            let f = *rng.pick(&["email", "user_agent", "note", "ip", "Sku", "id "]);
            e[f] = json!("x");
        }
        "field-of-another-kind" => {
            let (f, v) = match kind.as_str() {
                "exposure" => ("sku", json!("A")),
                "view" => ("target", json!("image")),
                "click" => ("quantity", json!(1)),
                "add-to-cart" => ("skus", json!(["A"])),
                _ => ("variant", json!("1")),
            };
            e[f] = v;
        }
        "unknown-batch-field" => batch["user"] = json!({"id": "1"}),
        "unknown-context-field" => e["context"] = json!({"slot": "a", "text": "free text"}),
        "wrong-type" => {
            let f = *rng.pick(&required_fields(e));
            e[f] = match f {
                "at" | "quantity" => rng.pick(&[json!("12"), json!(null), json!([1])]).clone(),
                "skus" => json!("A"),
                _ => rng
                    .pick(&[json!(12), json!(null), json!(true), json!(["a"]), json!({})])
                    .clone(),
            };
        }
        "event-not-object" => *e = rng.pick(&[json!("view"), json!(1), json!(null)]).clone(),
        "too-long-token" => {
            let f = if kind == "purchase" {
                "skus"
            } else {
                token_field(e)
            };
            let long = format!("A{}", rng.string(TOKEN_TAIL, 64));
            e[f] = if f == "skus" {
                json!([long])
            } else {
                json!(long)
            };
        }
        "too-long-page" => e["page"] = json!(format!("/{}", rng.string(PATH, 512))),
        "too-long-id" => {
            let len = 33 + rng.below(10);
            e["id"] = json!(rng.string(ID_CHARS, len));
        }
        "empty-token" => {
            if kind == "purchase" {
                e["skus"] = json!([""]);
            } else {
                let f = token_field(e);
                e[f] = json!("");
            }
        }
        "bad-token-chars" => {
            let bad = rng
                .pick(&["a b", "-lead", ".lead", "a/b", "caf\u{e9}", "a\"b", "a@b"])
                .to_string();
            match kind.as_str() {
                "purchase" => e["skus"] = json!([bad]),
                "click" => e["target"] = json!(bad),
                _ => {
                    let f = token_field(e);
                    e[f] = json!(bad);
                }
            }
        }
        "trailing-newline" => {
            let f = *rng.pick(&["id", "page"]);
            let v = format!("{}\n", e[f].as_str().unwrap_or_default());
            e[f] = json!(v);
        }
        "bad-currency" => {
            obj(e).retain(|k, _| ["id", "at", "page", "context"].contains(&k.as_str()));
            e["kind"] = json!("purchase");
            e["order_value"] = json!("1");
            e["skus"] = json!(["A"]);
            let code = loop {
                let c = rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 3);
                if !is_currency(&c) {
                    break c;
                }
            };
            let codes = [
                code,
                "eur".into(),
                "EURO".into(),
                "EU".into(),
                "XXX".into(),
                "XTS".into(),
                "Eur".into(),
            ];
            e["currency"] = json!(rng.pick(&codes));
        }
        "bad-id" => {
            let uuid = uuid_v4(rng);
            let bad = match rng.below(6) {
                0 => rng.string(ID_CHARS, 15),
                1 => uuid.to_uppercase(),
                2 => format!("{}1{}", &uuid[..14], &uuid[15..]),
                3 => format!("{}c{}", &uuid[..19], &uuid[20..]),
                4 => format!("{}.", rng.string(ID_CHARS, 20)),
                _ => String::new(),
            };
            // An upper-case UUID without letters is still a valid one.
            e["id"] = json!(if bad == uuid { "short".to_owned() } else { bad });
        }
        "bad-decimal" => {
            obj(e).retain(|k, _| ["id", "at", "page"].contains(&k.as_str()));
            e["kind"] = json!("purchase");
            e["currency"] = json!("EUR");
            e["skus"] = json!(["A"]);
            e["order_value"] = rng
                .pick(&[
                    json!(".5"),
                    json!("1."),
                    json!("01"),
                    json!("-1"),
                    json!("+1"),
                    json!("1e3"),
                    json!("1.23456"),
                    json!("1,50"),
                    json!("1234567890123"),
                    json!(""),
                    json!(12.5),
                ])
                .clone();
        }
        "quantity-out-of-range" => {
            obj(e).retain(|k, _| ["id", "at", "page"].contains(&k.as_str()));
            e["kind"] = json!("add-to-cart");
            e["sku"] = json!("A");
            e["quantity"] = rng
                .pick(&[json!(0), json!(1000), json!(-1), json!(1.5), json!(1e10)])
                .clone();
        }
        "position-out-of-range" => {
            e["context"] =
                json!({"position": rng.pick(&[json!(-1), json!(1000), json!(2.5)]).clone()});
        }
        "at-out-of-range" => {
            e["at"] = rng
                .pick(&[
                    json!(-1),
                    json!(1.5),
                    json!(9_007_199_254_740_992_u64),
                    json!(1e300),
                ])
                .clone();
        }
        "bad-skus" => {
            obj(e).retain(|k, _| ["id", "at", "page"].contains(&k.as_str()));
            e["kind"] = json!("purchase");
            e["currency"] = json!("EUR");
            e["order_value"] = json!("1");
            let fifty_one: Vec<String> = (0..51).map(|k| format!("S{k}")).collect();
            e["skus"] = rng
                .pick(&[
                    json!([]),
                    json!(["A", "B", "A"]),
                    json!(fifty_one),
                    json!(["A", 1]),
                ])
                .clone();
        }
        "unknown-kind" => e["kind"] = json!(*rng.pick(&["View", "pageview", "", "purchased"])),
        "bad-schema-id" => {
            batch["schema"] = rng
                .pick(&[
                    json!("meridian.events/2"),
                    json!("meridian.events/1 "),
                    json!(1),
                ])
                .clone();
        }
        "missing-schema" => {
            obj(batch).remove("schema");
        }
        "too-many-events" => {
            let events: Vec<Value> = (0..101).map(|_| valid_event(rng)).collect();
            batch["events"] = json!(events);
        }
        "no-events" => batch["events"] = json!([]),
        "bad-page" => {
            e["page"] = json!(*rng.pick(&[
                "products",
                "",
                "https://shop.example/p",
                "/a b",
                "/caf\u{e9}",
                "/a?b c",
                "/a\\b",
            ]));
        }
        other => panic!("no mutation {other}"),
    }
}

#[test]
fn the_schema_is_valid_draft_2020_12() {
    let s = schema();
    assert!(jsonschema::meta::is_valid(&s));
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(s["properties"]["schema"]["const"], EVENTS_SCHEMA_ID);
    assert_eq!(s["properties"]["events"]["maxItems"], MAX_EVENTS);
}

#[test]
fn the_schema_lists_exactly_the_active_currencies() {
    let s = schema();
    let listed: Vec<&str> = s["$defs"]["purchase"]["properties"]["currency"]["enum"]
        .as_array()
        .expect("an enum")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let letters = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut active = Vec::new();
    for a in letters {
        for b in letters {
            for c in letters {
                let code: String = [*a, *b, *c].iter().map(|&x| char::from(x)).collect();
                if is_currency(&code) {
                    active.push(code);
                }
            }
        }
    }
    let mut sorted = listed.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, active);
    assert!(active.len() > 150, "{}", active.len());
}

#[test]
fn rust_and_json_schema_agree_on_generated_batches() {
    let validator = validator();
    let config = EventsConfig::default();
    let mut rng = Rng(0x5eed_e7e7);
    let mut seen: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for case in 0..3_000 {
        let breaks = rng.chance(65);
        let name = if breaks {
            *rng.pick(BREAKS)
        } else {
            *rng.pick(KEEPS_VALID)
        };
        let n = 1 + rng.below(4);
        let events: Vec<Value> = (0..n).map(|_| valid_event(&mut rng)).collect();
        let mut batch = json!({"schema": EVENTS_SCHEMA_ID, "events": events});
        mutate(&mut rng, &mut batch, name);

        let bytes = serde_json::to_vec(&batch).expect("json");
        let reparsed: Value = serde_json::from_slice(&bytes).expect("json");
        let rust = parse_beacon(Some("application/json"), &bytes, NOW, &config);
        if let Err(e) = &rust {
            assert!(
                matches!(e, EventsError::Invalid(_) | EventsError::TooMany { .. }),
                "case {case} ({name}): not a schema refusal: {e}"
            );
        }
        let by_rust = rust.is_ok();
        let by_schema = validator.is_valid(&reparsed);
        let shown = || {
            String::from_utf8_lossy(&bytes)
                .chars()
                .take(600)
                .collect::<String>()
        };
        assert_eq!(
            by_rust,
            by_schema,
            "case {case} ({name}): rust {:?}, schema {:?}\n{}",
            rust.as_ref().err(),
            validator
                .iter_errors(&reparsed)
                .map(|e| e.to_string())
                .collect::<Vec<_>>(),
            shown()
        );
        assert_eq!(by_rust, !breaks, "case {case} ({name}) {}", shown());
        let entry = seen.entry(name).or_default();
        if by_rust {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
    for name in KEEPS_VALID.iter().chain(BREAKS) {
        assert!(seen.contains_key(name), "mutation {name} never ran");
    }
}
