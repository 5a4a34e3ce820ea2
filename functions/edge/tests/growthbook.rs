//! The edge's GrowthBook evaluation against the real JavaScript SDK
//! (`@growthbook/growthbook` 1.8.0, pinned in `tests/growthbook/`):
//! generated cases (seeded, so a failure reproduces) go to
//! `node tests/growthbook/reference.mjs`, and every answer must match.
//!
//! Categories: hashes (v1, v2, unknown versions; ASCII, non-ASCII, emoji,
//! CJK, numeric ids), bucket ranges (weights that do not sum to 1,
//! coverage outside [0, 1]), namespaces, conditions (every operator, type
//! mismatches, missing attributes, arrays, saved groups), version strings,
//! inline experiments and features (every rule type, filters,
//! prerequisites, sticky buckets, bucket versions).
//!
//! Needs `node` and the SDK: `npm ci` in `functions/edge/tests/growthbook`.

mod common;

use meridian_edge::personalize::growthbook::{
    Evaluator, Experiment, Namespace, Payload, StickyBuckets, choose_variation, eval_condition,
    get_bucket_ranges, hash, in_namespace, padded_version_string,
};
use serde_json::{Map, Value, json};

/// splitmix64: a fixed seed gives the same cases on every machine.
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

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in [0, 1), rounded to 3 decimals so payloads stay readable.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }
}

const CASE_SEED: u64 = 0x6772_6f77_7468_626b;

// ---------------------------------------------------------------- values

const STRINGS: &[&str] = &[
    "",
    "a",
    "b",
    "abc",
    "ABC",
    "hello",
    "world",
    "8",
    " 12 ",
    "0x1f",
    "1e3",
    "-0",
    " ",
    "Infinity",
    "inf",
    "NaN",
    ".5",
    "5.",
    "+3",
    "0b101",
    "-0x10",
    "1_0",
    "true",
    "null",
    "1,2",
    "[object Object]",
    "1.2.3",
    "v2.0.0-beta+build",
    "1.10.0",
    "1.9.9",
    "é",
    "É",
    "中文",
    "😀",
    "a😀",
    "～",
    "\u{E000}",
    "Mobile",
    "Android Mobile Browser",
    "Chrome Desktop",
    "1980-12-25",
    "x y",
    "US",
    "DE",
    "santa",
];

const NUMBERS: &[f64] = &[
    0.0,
    -0.0,
    1.0,
    2.0,
    3.0,
    5.0,
    8.0,
    10.0,
    -10.0,
    0.5,
    1.5,
    65.0,
    70.0,
    1e21,
    1e-7,
    31.0,
    123_456_789_012.0,
    0.300_000_000_000_000_04,
];

fn number(r: &mut Rng) -> Value {
    let n = r.pick(NUMBERS);
    if n.fract() == 0.0 && n.abs() < 1e15 && !(n == 0.0 && n.is_sign_negative()) {
        json!(n as i64)
    } else {
        json!(n)
    }
}

fn scalar(r: &mut Rng) -> Value {
    match r.below(10) {
        0 => Value::Null,
        1 => json!(r.chance(0.5)),
        2..=4 => number(r),
        _ => json!(r.pick(STRINGS)),
    }
}

fn value(r: &mut Rng, depth: u32) -> Value {
    match r.below(10) {
        0 | 1 if depth < 2 => {
            let n = r.below(4);
            Value::Array((0..n).map(|_| value(r, depth + 1)).collect())
        }
        2 if depth < 2 => {
            let mut m = Map::new();
            for _ in 0..r.below(3) {
                let k = r.pick(&["x", "y", "z", "0"]);
                m.insert(k.to_owned(), value(r, depth + 1));
            }
            Value::Object(m)
        }
        _ => scalar(r),
    }
}

const PATHS: &[&str] = &[
    "a",
    "b",
    "n",
    "s",
    "tags",
    "nums",
    "obj.x",
    "obj.y.z",
    "tags.0",
    "tags.length",
    "missing",
    "missing.deep",
    "v",
    "flag",
    "$groups",
    "id",
    "a.b",
];

fn attributes(r: &mut Rng) -> Value {
    let mut m = Map::new();
    for key in [
        "a", "b", "n", "s", "tags", "nums", "v", "flag", "$groups", "id",
    ] {
        if r.chance(0.55) {
            m.insert(key.to_owned(), value(r, 0));
        }
    }
    if r.chance(0.5) {
        let mut y = Map::new();
        y.insert("z".into(), value(r, 1));
        m.insert(
            "obj".into(),
            json!({"x": value(r, 1), "y": Value::Object(y)}),
        );
    }
    Value::Object(m)
}

// ------------------------------------------------------------ conditions

const REGEXES: &[&str] = &[
    "^a",
    "b$",
    "(Mobile|Tablet)",
    "^[0-9]+$",
    "1\\.2",
    "^$",
    "x*",
    "[A-Z]",
    "ull",
    "^tr",
    "\\d{2}",
    "-12-25$",
    "^(a|b)c?$",
    "[^a-z]",
    "中",
    "😀",
    "o{2,}",
    "^\\s",
    "(",
    "[a-",
    "*a",
    "\\",
    "MOBILE",
    "é",
];

const TYPES: &[&str] = &[
    "string",
    "number",
    "boolean",
    "array",
    "object",
    "null",
    "undefined",
    "x",
];

const VERSIONS: &[&str] = &[
    "1.2.3",
    "v1.2.3",
    "1.2.3-rc.1",
    "1.2.3-beta",
    "1.2.3+build.7",
    "1.10.0",
    "1.9.9",
    "2.0",
    "1",
    "1.0.0.0",
    "",
    "v",
    "1.2.3-alpha.10",
    "1.2.3-alpha.9",
    "0.0.1",
    "10.0.0-rc",
    "1.2.x",
];

const GROUPS: &[&str] = &[
    "legacy",
    "list",
    "cond",
    "broken",
    "loop",
    "other",
    "missing",
    "constructor",
];

fn operator(r: &mut Rng, depth: u32) -> (String, Value) {
    let ops = [
        "$eq",
        "$ne",
        "$lt",
        "$lte",
        "$gt",
        "$gte",
        "$in",
        "$nin",
        "$ini",
        "$nini",
        "$exists",
        "$type",
        "$regex",
        "$regexi",
        "$not",
        "$elemMatch",
        "$size",
        "$all",
        "$alli",
        "$veq",
        "$vne",
        "$vgt",
        "$vgte",
        "$vlt",
        "$vlte",
        "$inGroup",
        "$notInGroup",
        "$foo",
    ];
    let op = r.pick(&ops);
    let arg = match op {
        "$in" | "$nin" | "$ini" | "$nini" => {
            if r.chance(0.9) {
                Value::Array((0..r.below(5)).map(|_| scalar(r)).collect())
            } else {
                scalar(r)
            }
        }
        "$exists" => {
            if r.chance(0.8) {
                json!(r.chance(0.5))
            } else {
                scalar(r)
            }
        }
        "$type" => json!(r.pick(TYPES)),
        "$regex" | "$regexi" => {
            if r.chance(0.95) {
                json!(r.pick(REGEXES))
            } else {
                number(r)
            }
        }
        "$not" if depth < 3 => condition_value(r, depth + 1),
        "$elemMatch" if depth < 3 => {
            if r.chance(0.5) {
                operator_object(r, depth + 1)
            } else {
                condition(r, depth + 1)
            }
        }
        "$size" => {
            if r.chance(0.6) {
                json!(r.below(4))
            } else {
                json!({"$gt": r.below(3)})
            }
        }
        "$all" if depth < 3 => Value::Array(
            (0..r.below(4))
                .map(|_| condition_value(r, depth + 1))
                .collect(),
        ),
        "$alli" => Value::Array((0..r.below(3)).map(|_| json!(r.pick(STRINGS))).collect()),
        "$veq" | "$vne" | "$vgt" | "$vgte" | "$vlt" | "$vlte" => {
            if r.chance(0.85) {
                json!(r.pick(VERSIONS))
            } else {
                number(r)
            }
        }
        "$inGroup" | "$notInGroup" => {
            if r.chance(0.95) {
                json!(r.pick(GROUPS))
            } else {
                json!(5)
            }
        }
        _ if r.chance(0.1) => value(r, 1),
        _ => scalar(r),
    };
    (op.to_owned(), arg)
}

fn operator_object(r: &mut Rng, depth: u32) -> Value {
    let mut m = Map::new();
    for _ in 0..1 + r.below(2) {
        let (op, arg) = operator(r, depth);
        m.insert(op, arg);
    }
    Value::Object(m)
}

fn condition_value(r: &mut Rng, depth: u32) -> Value {
    match r.below(10) {
        0 => value(r, 0),
        1 => scalar(r),
        // An object mixing `$` and plain keys is a literal, not operators.
        2 if r.chance(0.3) => json!({"$eq": scalar(r), "x": scalar(r)}),
        _ => operator_object(r, depth),
    }
}

fn condition(r: &mut Rng, depth: u32) -> Value {
    let mut m = Map::new();
    for _ in 0..1 + r.below(3) {
        let roll = r.below(20);
        if roll < 3 && depth < 3 {
            let op = r.pick(&["$or", "$and", "$nor"]);
            let arg = if r.chance(0.95) {
                Value::Array((0..r.below(4)).map(|_| condition(r, depth + 1)).collect())
            } else {
                json!({})
            };
            m.insert(op.to_owned(), arg);
        } else if roll == 3 && depth < 3 {
            m.insert("$not".into(), condition(r, depth + 1));
        } else if roll == 4 {
            let mut reference = json!({"id": r.pick(GROUPS)});
            if r.chance(0.3) {
                reference["attributeKey"] = if r.chance(0.9) {
                    json!(r.pick(PATHS))
                } else {
                    json!(5)
                };
            }
            m.insert("$savedGroup".into(), reference);
        } else {
            m.insert(r.pick(PATHS).to_owned(), condition_value(r, depth));
        }
    }
    Value::Object(m)
}

fn saved_groups(r: &mut Rng) -> Value {
    if r.chance(0.3) {
        return json!({});
    }
    json!({
        "legacy": (0..r.below(4)).map(|_| scalar(r)).collect::<Vec<_>>(),
        "list": {"type": "list", "attributeKey": r.pick(PATHS), "values": (0..r.below(4)).map(|_| scalar(r)).collect::<Vec<_>>()},
        "cond": {"type": "condition", "condition": condition(r, 2)},
        "broken": {"type": "list", "values": 5},
        "loop": {"type": "condition", "condition": {"$savedGroup": {"id": "loop"}}},
        "other": {"type": "future"}
    })
}

// ------------------------------------------------------------------ ids

const ALPHABETS: &[&str] = &[
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:@ ",
    "éüßñçøåÆŒ",
    "中文字符日本語漢字",
    "한국어",
    "😀🎉👍🏽🦀",
    "Ωπλ\u{0301}\u{FFFD}\u{E000}\u{10FFFF}",
];

fn text(r: &mut Rng, max_len: usize) -> String {
    let ascii_only = r.chance(0.5);
    (0..1 + r.below(max_len))
        .map(|_| {
            let alphabet: Vec<char> = if ascii_only {
                ALPHABETS[0].chars().collect()
            } else {
                r.pick(ALPHABETS).chars().collect()
            };
            r.pick(&alphabet)
        })
        .collect()
}

fn weights(r: &mut Rng, n: usize) -> Option<Vec<f64>> {
    let raw: Vec<f64> = (0..n).map(|_| 0.05 + r.unit()).collect();
    let total: f64 = raw.iter().sum();
    let normal: Vec<f64> = raw
        .iter()
        .map(|w| (w / total * 1000.0).round() / 1000.0)
        .collect();
    match r.below(10) {
        0 => None,
        1 | 2 => Some(raw),
        3 => Some(normal.iter().map(|w| w * 1.005).collect()),
        4 => Some(normal[..n - 1].to_vec()),
        _ => Some(normal),
    }
}

fn coverage(r: &mut Rng) -> Option<f64> {
    match r.below(10) {
        0 | 1 => None,
        2 => Some(-0.5),
        3 => Some(1.7),
        4 => Some(0.0),
        5 => Some(1.0),
        _ => Some((r.unit() * 1000.0).round() / 1000.0),
    }
}

fn range(r: &mut Rng) -> Value {
    let a = (r.unit() * 100.0).round() / 100.0;
    let b = (a + r.unit() * (1.0 - a) * 100.0).round() / 100.0;
    json!([a, b.min(1.0)])
}

// ----------------------------------------------------------- experiments

const HASH_ATTRIBUTES: &[&str] = &["id", "deviceId", "company", "nothing"];

fn shopper(r: &mut Rng) -> Value {
    let mut m = Map::new();
    match r.below(20) {
        0 => {}
        1 => {
            m.insert("id".into(), json!(""));
        }
        2 => {
            m.insert("id".into(), json!(r.below(100_000)));
        }
        _ => {
            m.insert("id".into(), json!(text(r, 10)));
        }
    }
    if r.chance(0.6) {
        m.insert("deviceId".into(), json!(text(r, 8)));
    }
    if r.chance(0.3) {
        m.insert("company".into(), json!(r.pick(&["acme", "globex", ""])));
    }
    m.insert("country".into(), json!(r.pick(&["US", "DE", "FR", "JP"])));
    m.insert("age".into(), json!(r.below(80)));
    if r.chance(0.5) {
        m.insert("tags".into(), json!(["vip", r.pick(&["new", "returning"])]));
    }
    m.insert("version".into(), json!(r.pick(VERSIONS)));
    Value::Object(m)
}

fn targeting(r: &mut Rng) -> Value {
    let options = [
        json!({"country": {"$in": ["US", "DE"]}}),
        json!({"age": {"$gte": 18}}),
        json!({"tags": "vip"}),
        json!({"version": {"$vgte": "1.2.0"}}),
        json!({"$or": [{"country": "JP"}, {"age": {"$lt": 30}}]}),
        json!({"id": {"$exists": true}}),
        json!({"company": {"$inGroup": "companies"}}),
        json!({}),
    ];
    r.pick(&options)
}

fn filters(r: &mut Rng) -> Value {
    let n = 1 + r.below(2);
    Value::Array(
        (0..n)
            .map(|i| {
                let mut f =
                    json!({"ranges": (0..1 + r.below(2)).map(|_| range(r)).collect::<Vec<_>>()});
                if r.chance(0.9) {
                    f["seed"] = json!(format!("filter-{i}"));
                }
                if r.chance(0.7) {
                    f["attribute"] = json!(r.pick(&["id", "deviceId"]));
                }
                if r.chance(0.5) {
                    f["hashVersion"] = json!(r.pick(&[1, 2]));
                }
                f
            })
            .collect(),
    )
}

fn parent_conditions(r: &mut Rng, features: usize) -> Value {
    let conditions = [
        json!({"value": true}),
        json!({"value": {"$exists": true}}),
        json!({"value": {"$gt": 1}}),
        json!({"value": "b"}),
        json!({"value": {"$ne": null}}),
        json!({}),
    ];
    Value::Array(
        (0..1 + r.below(2))
            .map(|_| {
                let id = if r.chance(0.9) {
                    format!("f{}", r.below(features.max(1)))
                } else {
                    "missing-feature".to_owned()
                };
                json!({"id": id, "condition": r.pick(&conditions), "gate": r.chance(0.4)})
            })
            .collect(),
    )
}

fn feature_value(r: &mut Rng) -> Value {
    match r.below(6) {
        0 => json!(r.chance(0.5)),
        1 => json!(r.below(4)),
        2 => json!(r.pick(&["a", "b", "", "c"])),
        3 => json!({"color": r.pick(&["red", "blue"])}),
        4 => Value::Null,
        _ => json!(r.pick(&[true, false])),
    }
}

/// The experiment fields rules and inline experiments share.
fn experiment_fields(r: &mut Rng, m: &mut Map<String, Value>) {
    let n = match r.below(20) {
        0 => 1,
        1 => 0,
        _ => 2 + r.below(3),
    };
    m.insert(
        "variations".into(),
        Value::Array((0..n).map(|_| feature_value(r)).collect()),
    );
    if n > 0 {
        if let Some(w) = weights(r, n) {
            m.insert("weights".into(), json!(w));
        }
        if r.chance(0.6) {
            let meta: Vec<Value> = (0..n)
                .map(|i| {
                    let mut v =
                        json!({"key": if r.chance(0.9) { format!("k{i}") } else { String::new() }});
                    if r.chance(0.3) {
                        v["name"] = json!(format!("Variation {i}"));
                    }
                    if r.chance(0.05) {
                        v["passthrough"] = json!(true);
                    }
                    v
                })
                .collect();
            m.insert("meta".into(), Value::Array(meta));
        }
        if r.chance(0.1) {
            let ranges: Vec<Value> = (0..1 + r.below(n + 1)).map(|_| range(r)).collect();
            m.insert("ranges".into(), Value::Array(ranges));
        }
    }
    if let Some(c) = coverage(r) {
        m.insert("coverage".into(), json!(c));
    }
    if r.chance(0.2) {
        let start = (r.unit() * 10.0).round() / 10.0;
        let end = (start + 0.5_f64).min(1.0);
        m.insert(
            "namespace".into(),
            json!([r.pick(&["ns1", "ns2"]), start, end]),
        );
    }
    if r.chance(0.4) {
        m.insert("hashAttribute".into(), json!(r.pick(HASH_ATTRIBUTES)));
    }
    if r.chance(0.3) {
        m.insert(
            "fallbackAttribute".into(),
            json!(r.pick(&["deviceId", "company"])),
        );
    }
    if r.chance(0.5) {
        m.insert("hashVersion".into(), json!(r.pick(&[1, 2, 2, 0, 3])));
    }
    if r.chance(0.3) {
        m.insert("seed".into(), json!(r.pick(&["seed-a", "", "种子"])));
    }
    if r.chance(0.15) {
        m.insert("filters".into(), filters(r));
    }
    if r.chance(0.3) {
        m.insert("condition".into(), targeting(r));
    }
    if r.chance(0.3) {
        m.insert("bucketVersion".into(), json!(r.below(3)));
    }
    if r.chance(0.15) {
        m.insert("minBucketVersion".into(), json!(r.below(3)));
    }
    if r.chance(0.1) {
        m.insert("disableStickyBucketing".into(), json!(true));
    }
    if r.chance(0.2) {
        m.insert("name".into(), json!("An experiment"));
        m.insert("phase".into(), json!("1"));
    }
}

fn rule(r: &mut Rng, feature: usize, index: usize, features: usize) -> Value {
    let mut m = Map::new();
    if r.chance(0.6) {
        m.insert("id".into(), json!(format!("rule-{feature}-{index}")));
    }
    if r.chance(0.2) {
        m.insert("parentConditions".into(), parent_conditions(r, features));
    }
    if r.chance(0.35) {
        m.insert("force".into(), feature_value(r));
        if r.chance(0.3) {
            m.insert("condition".into(), targeting(r));
        }
        if r.chance(0.1) {
            m.insert("filters".into(), filters(r));
        }
        if r.chance(0.5) {
            if r.chance(0.2) {
                m.insert("range".into(), range(r));
            } else if let Some(c) = coverage(r) {
                m.insert("coverage".into(), json!(c));
            }
            if r.chance(0.5) {
                m.insert("hashAttribute".into(), json!(r.pick(HASH_ATTRIBUTES)));
            }
            if r.chance(0.3) {
                m.insert("fallbackAttribute".into(), json!("deviceId"));
            }
            if r.chance(0.4) {
                m.insert("seed".into(), json!(r.pick(&["rollout", ""])));
            }
            if r.chance(0.4) {
                m.insert("hashVersion".into(), json!(r.pick(&[1, 2, 0, 3])));
            }
        }
    } else {
        if r.chance(0.8) {
            m.insert("key".into(), json!(format!("exp-{}", r.below(4))));
        }
        experiment_fields(r, &mut m);
    }
    Value::Object(m)
}

fn features(r: &mut Rng) -> Value {
    let n = 2 + r.below(5);
    let mut m = Map::new();
    for f in 0..n {
        let mut def = Map::new();
        if r.chance(0.85) {
            def.insert("defaultValue".into(), feature_value(r));
        }
        let rules: Vec<Value> = (0..r.below(5)).map(|i| rule(r, f, i, n)).collect();
        def.insert("rules".into(), Value::Array(rules));
        m.insert(format!("f{f}"), Value::Object(def));
    }
    Value::Object(m)
}

/// Documents a returning shopper might carry: assignments for the keys
/// rules use, some current, some stale, some naming no variation.
fn sticky_docs(r: &mut Rng, attrs: &Value) -> Value {
    let mut docs = Map::new();
    for attr in ["id", "deviceId"] {
        let Some(v) = attrs.get(attr).filter(|v| v.as_str() != Some("")) else {
            continue;
        };
        if !r.chance(0.6) {
            continue;
        }
        let value = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let mut assignments = Map::new();
        for _ in 0..r.below(4) {
            let key = format!(
                "{}__{}",
                r.pick(&["exp-0", "exp-1", "exp-2", "exp-3", "f0", "f1", "inline"]),
                r.below(3)
            );
            assignments.insert(key, json!(r.pick(&["k0", "k1", "k2", "0", "1", "gone"])));
        }
        docs.insert(
            format!("{attr}||{value}"),
            json!({"attributeName": attr, "attributeValue": value, "assignments": assignments}),
        );
    }
    Value::Object(docs)
}

// ----------------------------------------------------------------- cases

fn generate() -> Vec<Value> {
    let mut r = Rng(CASE_SEED);
    let mut cases = Vec::new();

    // Hashes, observed as `bucket` of a two-arm experiment that covers everyone.
    for _ in 0..3000 {
        let seed = if r.chance(0.05) {
            String::new()
        } else {
            text(&mut r, 12)
        };
        let id = if r.chance(0.05) {
            json!(r.below(1_000_000))
        } else {
            json!(text(&mut r, 16))
        };
        let version = r.pick(&[1, 1, 1, 2, 2, 2, 3]);
        cases.push(json!({
            "kind": "run", "probe": "hash",
            "attributes": {"id": id},
            "experiment": {"key": seed, "seed": seed, "variations": [0, 1], "hashVersion": version}
        }));
    }
    // Bucket ranges: which arm a hash lands in under weights and coverage.
    for i in 0..1500 {
        let n = 2 + r.below(4);
        let mut exp = json!({"key": format!("ranges-{i}"), "variations": (0..n).collect::<Vec<_>>(),
                             "hashVersion": r.pick(&[1, 2])});
        if let Some(w) = weights(&mut r, n) {
            exp["weights"] = json!(w);
        }
        if let Some(c) = coverage(&mut r) {
            exp["coverage"] = json!(c);
        }
        cases.push(json!({"kind": "run", "probe": "ranges", "attributes": {"id": text(&mut r, 10)}, "experiment": exp}));
    }
    // Namespaces.
    for i in 0..800 {
        let start = (r.unit() * 100.0).round() / 100.0;
        let end = (start + r.unit() * (1.0 - start) * 100.0).round() / 100.0;
        let ns = json!([
            r.pick(&["checkout", "search", "命名空间", ""]),
            start,
            end.min(1.0)
        ]);
        cases.push(json!({"kind": "run", "probe": "namespace", "attributes": {"id": text(&mut r, 10)},
                          "experiment": {"key": format!("ns-{i}"), "variations": [0, 1], "namespace": ns}}));
    }
    for _ in 0..5000 {
        cases.push(
            json!({"kind": "condition", "attributes": attributes(&mut r),
                          "condition": condition(&mut r, 0), "savedGroups": saved_groups(&mut r)}),
        );
    }
    for _ in 0..600 {
        let input = match r.below(10) {
            0 => number(&mut r),
            1 => scalar(&mut r),
            2 => json!(format!("{}+{}", r.pick(VERSIONS), text(&mut r, 4))),
            3 => json!(format!("{}\n+{}", r.pick(VERSIONS), r.below(9))),
            _ => json!(r.pick(VERSIONS)),
        };
        cases.push(json!({"kind": "version", "input": input}));
    }
    for _ in 0..1200 {
        let attrs = shopper(&mut r);
        let feats = features(&mut r);
        let mut exp = Map::new();
        exp.insert("key".into(), json!(r.pick(&["inline", "exp-1", ""])));
        experiment_fields(&mut r, &mut exp);
        if r.chance(0.1) {
            exp.insert("active".into(), json!(false));
        }
        if r.chance(0.1) {
            exp.insert(
                "status".into(),
                json!(r.pick(&["draft", "running", "stopped"])),
            );
        }
        if r.chance(0.1) {
            exp.insert("force".into(), json!(r.below(5) as i64 - 1));
        }
        if r.chance(0.2) {
            let n = feats.as_object().map_or(1, Map::len);
            exp.insert("parentConditions".into(), parent_conditions(&mut r, n));
        }
        let sticky = if r.chance(0.5) {
            sticky_docs(&mut r, &attrs)
        } else {
            Value::Null
        };
        cases.push(
            json!({"kind": "run", "attributes": attrs, "experiment": exp, "features": feats,
                          "savedGroups": {"companies": ["acme"]}, "sticky": sticky}),
        );
    }
    for _ in 0..1500 {
        let attrs = shopper(&mut r);
        let feats = features(&mut r);
        let mut keys: Vec<String> = feats
            .as_object()
            .map_or(Vec::new(), |m| m.keys().cloned().collect());
        keys.push("unknown-feature".into());
        for i in (1..keys.len()).rev() {
            keys.swap(i, r.below(i + 1));
        }
        let sticky = if r.chance(0.5) {
            sticky_docs(&mut r, &attrs)
        } else {
            Value::Null
        };
        cases.push(
            json!({"kind": "feature", "attributes": attrs, "features": feats, "keys": keys,
                          "savedGroups": {"companies": ["acme", "globex"]}, "sticky": sticky}),
        );
    }
    cases
}

// ---------------------------------------------------------- the two sides

/// The JS SDK's answers, one per case.
fn reference(cases: &[Value]) -> Vec<Value> {
    let answers = common::node_reference(
        "growthbook",
        Some("@growthbook/growthbook"),
        &json!({ "cases": cases }),
    );
    let answers: Vec<Value> =
        serde_json::from_value(answers).expect("reference.mjs answers a list");
    assert_eq!(answers.len(), cases.len(), "one answer per case");
    answers
}

fn object(v: &Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn sticky_in(case: &Value) -> Option<StickyBuckets> {
    case.get("sticky")
        .filter(|s| !s.is_null())
        .map(|s| serde_json::from_value(s.clone()).expect("generated sticky documents parse"))
}

fn payload_of(case: &Value) -> Payload {
    serde_json::from_value(json!({
        "features": case.get("features").cloned().unwrap_or(json!({})),
        "savedGroups": case.get("savedGroups").cloned().unwrap_or(json!({})),
    }))
    .expect("generated payloads parse")
}

/// This crate's answer, in the shape reference.mjs writes.
fn ours(case: &Value) -> Value {
    match case["kind"].as_str() {
        Some("condition") => {
            let groups = object(&case["savedGroups"]);
            json!(eval_condition(
                &case["attributes"],
                &case["condition"],
                &groups
            ))
        }
        Some("version") => json!(padded_version_string(&case["input"])),
        Some("run") => {
            let payload = payload_of(case);
            let attributes = object(&case["attributes"]);
            let exp: Experiment = serde_json::from_value(case["experiment"].clone())
                .expect("generated experiments parse");
            let mut e = Evaluator::new(&payload, &attributes);
            if let Some(docs) = sticky_in(case) {
                e = e.with_sticky_buckets(docs);
            }
            let result = e.run(&exp);
            json!({"result": result, "sticky": e.into_sticky_buckets()})
        }
        Some("feature") => {
            let payload = payload_of(case);
            let attributes = object(&case["attributes"]);
            let mut e = Evaluator::new(&payload, &attributes);
            if let Some(docs) = sticky_in(case) {
                e = e.with_sticky_buckets(docs);
            }
            let keys = case["keys"].as_array().cloned().unwrap_or_default();
            let results: Vec<Value> = keys
                .iter()
                .map(|k| json!(e.eval_feature(k.as_str().unwrap_or_default())))
                .collect();
            json!({"results": results, "sticky": e.into_sticky_buckets()})
        }
        other => panic!("unknown case kind {other:?}"),
    }
}

/// JSON equality with numbers compared as doubles (`1` and `1.0` agree).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// The helpers the SDK does not export, checked through what `run` showed.
fn probe(case: &Value, js: &Value) -> Result<(), String> {
    let result = &js["result"];
    let exp = &case["experiment"];
    let id = match &case["attributes"]["id"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let in_experiment = result["inExperiment"] == json!(true);
    let bucket = result.get("bucket").and_then(Value::as_f64);
    match case["probe"].as_str() {
        Some("hash") => {
            let version = exp["hashVersion"]
                .as_u64()
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(1);
            let seed = exp["seed"].as_str().unwrap_or_default();
            // A falsy id ("" or 0) places nobody.
            let falsy = id.is_empty() || case["attributes"]["id"] == json!(0);
            let want = if falsy {
                None
            } else {
                hash(seed, &id, version)
            };
            if bucket != want {
                return Err(format!(
                    "hash({seed:?}, {id:?}, {version}): JS {bucket:?}, ours {want:?}"
                ));
            }
        }
        Some("ranges") => {
            let n = exp["variations"].as_array().map_or(0, Vec::len);
            let weights: Option<Vec<f64>> = exp.get("weights").map(|w| {
                w.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_f64)
                    .collect()
            });
            let ranges = get_bucket_ranges(
                n,
                exp.get("coverage").and_then(Value::as_f64),
                weights.as_deref(),
            );
            let version = exp["hashVersion"]
                .as_u64()
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(1);
            let key = exp["key"].as_str().unwrap_or_default();
            let n_ours = hash(key, &id, version).ok_or("v1 and v2 are known")?;
            let chosen = choose_variation(bucket.unwrap_or(n_ours), &ranges);
            let js_choice =
                in_experiment.then(|| result["variationId"].as_u64().unwrap_or(u64::MAX) as usize);
            if chosen != js_choice || (in_experiment && bucket != Some(n_ours)) {
                return Err(format!(
                    "ranges {ranges:?} for bucket {bucket:?}: JS {js_choice:?}, ours {chosen:?}"
                ));
            }
        }
        Some("namespace") => {
            let ns: Namespace =
                serde_json::from_value(exp["namespace"].clone()).map_err(|e| e.to_string())?;
            if in_namespace(&id, &ns) != in_experiment {
                return Err(format!("in_namespace({id:?}, {ns:?}): JS {in_experiment}"));
            }
        }
        _ => {}
    }
    Ok(())
}

#[test]
fn agrees_with_the_growthbook_js_sdk() {
    let cases = generate();
    let answers = reference(&cases);
    let mut failures = Vec::new();
    let mut by_kind = std::collections::BTreeMap::<String, usize>::new();
    for (i, (case, js)) in cases.iter().zip(&answers).enumerate() {
        *by_kind
            .entry(case["kind"].as_str().unwrap_or("?").to_owned())
            .or_default() += 1;
        if let Some(thrown) = js.get("thrown") {
            failures.push(format!(
                "case {i}: the JS SDK threw {thrown}\n  case: {case}"
            ));
            continue;
        }
        let mine = ours(case);
        if !same(&mine, js) {
            failures.push(format!(
                "case {i}:\n  case: {case}\n  JS:   {js}\n  ours: {mine}"
            ));
        } else if let Err(e) = probe(case, js) {
            failures.push(format!("case {i}: {e}\n  case: {case}"));
        }
    }
    let shown: Vec<&String> = failures.iter().take(8).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree with the JS SDK ({by_kind:?}); first ones:\n{}",
        failures.len(),
        cases.len(),
        shown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The generator reaches what it claims to: conditions that pass and
/// fail, experiments that include and exclude, every feature source.
#[test]
fn the_generated_cases_cover_both_outcomes() {
    let cases = generate();
    let mut seen = std::collections::BTreeSet::new();
    for case in &cases {
        let answer = ours(case);
        match case["kind"].as_str() {
            Some("condition") => {
                seen.insert(format!("condition {answer}"));
            }
            Some("run") => {
                seen.insert(format!("run in {}", answer["result"]["inExperiment"]));
                if answer["result"]["stickyBucketUsed"] == json!(true) {
                    seen.insert("run sticky".to_owned());
                }
            }
            Some("feature") => {
                for r in answer["results"].as_array().into_iter().flatten() {
                    seen.insert(format!("feature {}", r["source"]));
                    if r["experimentResult"]["stickyBucketUsed"] == json!(true) {
                        seen.insert("feature sticky".to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    for want in [
        "condition true",
        "condition false",
        "run in true",
        "run in false",
        "run sticky",
        "feature sticky",
        "feature \"defaultValue\"",
        "feature \"force\"",
        "feature \"experiment\"",
        "feature \"unknownFeature\"",
        "feature \"prerequisite\"",
        "feature \"cyclicPrerequisite\"",
    ] {
        assert!(
            seen.contains(want),
            "no generated case gives {want}; seen {seen:?}"
        );
    }
}
