//! Personalization through the real edge host: the identity cookie only
//! with consent, sticky variants, the variant as a cache dimension, the
//! experiments admin API, recommendations the market may see, and event
//! beacons reaching only a collector in an allowed region.

use anyhow::{Context, Result};
use meridian_demo_origin as demo_origin;
use meridian_e2e::{Reply, Service, get, repo_root, send, start_host_with};

/// The CDN's geo header decides the market; loopback stands in for the CDN.
const MARKET_CONFIG: &str = "trusted_proxies = [\"127.0.0.1/32\"]";
const ADMIN: &str = "e2e-experiments-admin-token";
/// A TC string with consent to purposes 1, 5 and 6 for vendor 4040.
const TC_GRANTED: &str = "CQSbk4AQSbk4AEsACBENB4FgAIwAAAAAAAYgfkQAQfkAAAAA";

struct Edge {
    host: Service,
    _state: tempfile::TempDir,
    _origin: demo_origin::Running,
    origin_url: String,
}

fn edge(extra: &[(&str, &str)]) -> Result<Edge> {
    let origin = demo_origin::spawn(demo_origin::Config {
        listen: "127.0.0.1:0".parse()?,
        ..demo_origin::Config::default()
    })?;
    let origin_url = origin.url();
    let state = tempfile::tempdir()?;
    let mut env = vec![
        ("SPIN_VARIABLE_MARKET_CONFIG", MARKET_CONFIG),
        ("SPIN_VARIABLE_EXPERIMENTS_ADMIN_TOKEN", ADMIN),
        ("SPIN_VARIABLE_ORIGIN_CATALOG_URL", origin_url.as_str()),
    ];
    env.extend_from_slice(extra);
    // No backend is called by these routes.
    let host = start_host_with(
        &repo_root().join("spin.toml"),
        state.path(),
        "http://127.0.0.1:9",
        &env,
    )?;
    Ok(Edge {
        host,
        _state: state,
        _origin: origin,
        origin_url,
    })
}

/// The `meridian_p=<value>` pair of a `Set-Cookie`, if the reply set one.
fn cookie_of(reply: &Reply) -> Option<String> {
    let set = reply.header("set-cookie")?;
    let pair = set.split(';').next()?.trim();
    pair.starts_with("meridian_p=").then(|| pair.to_owned())
}

fn assignments(edge: &Edge, country: &str, cookie: Option<&str>) -> Result<Reply> {
    let mut headers = vec![("cf-ipcountry", country)];
    if let Some(cookie) = cookie {
        headers.push(("cookie", cookie));
    }
    get(
        &format!("{}/v1/assignments?page=/", edge.host.url),
        &headers,
    )
}

fn json(reply: &Reply) -> Result<serde_json::Value> {
    serde_json::from_slice(&reply.body)
        .with_context(|| format!("not JSON: {}", String::from_utf8_lossy(&reply.body)))
}

fn feature<'a>(body: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    body["features"]
        .as_array()
        .and_then(|f| f.iter().find(|a| a["feature"] == name))
        .map(|a| &a["value"])
        .unwrap_or(&serde_json::Value::Null)
}

#[test]
fn the_identity_cookie_is_set_only_with_consent_and_keeps_variants() -> Result<()> {
    let edge = edge(&[])?;
    // Germany (TCF) without a TC string: no id, control values, no cookie.
    let de = assignments(&edge, "DE", None)?;
    assert_eq!(de.status, 200, "{}", String::from_utf8_lossy(&de.body));
    assert_eq!(cookie_of(&de), None, "no cookie without consent");
    assert_eq!(
        de.header("meridian-personalization"),
        Some("off; reason=consent-tcf-missing")
    );
    assert_eq!(de.header("meridian-variant"), None);
    let body = json(&de)?;
    assert_eq!(body["personalized"], false);
    assert_eq!(feature(&body, "storefront-hero"), "product");
    assert_eq!(feature(&body, "recommendation-strategy"), "similar");
    assert_eq!(de.header("cache-control"), Some("private, no-store"));

    // The US (opt-out, none exercised): an id, sticky variants.
    let us = assignments(&edge, "US", None)?;
    assert_eq!(us.status, 200);
    let cookie = cookie_of(&us).context("a cookie with consent")?;
    let set = us.header("set-cookie").unwrap_or_default();
    for attr in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(set.contains(attr), "{set}");
    }
    assert!(
        us.header("meridian-personalization")
            .is_some_and(|v| v.starts_with("on;"))
    );
    let first = json(&us)?;
    assert_eq!(first["personalized"], true);
    for _ in 0..3 {
        let again = assignments(&edge, "US", Some(&cookie))?;
        assert_eq!(json(&again)?["variant"], first["variant"], "sticky");
        assert_eq!(cookie_of(&again), None, "a current cookie is not re-set");
    }

    // The same cookie in a market without consent is deleted.
    let cleared = assignments(&edge, "DE", Some(&cookie))?;
    let set = cleared.header("set-cookie").context("cleared")?;
    assert!(
        set.starts_with("meridian_p=;") && set.contains("Max-Age=0"),
        "{set}"
    );
    assert_eq!(json(&cleared)?["variant"], "");

    // A forged cookie is replaced, never trusted.
    let forged = assignments(&edge, "US", Some("meridian_p=e30.AAAAAAAAAAAAAAAAAAAAAA"))?;
    let replaced = cookie_of(&forged).context("re-issued")?;
    assert_ne!(replaced, "meridian_p=e30.AAAAAAAAAAAAAAAAAAAAAA");

    // Many shoppers: both variants of an experiment occur, and the
    // mutually exclusive experiments never together.
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..40 {
        let body = json(&assignments(&edge, "US", None)?)?;
        let variant = body["variant"].as_str().unwrap_or_default().to_owned();
        assert!(
            !(variant.contains("hero-preset=") && variant.contains("rec-strategy=")),
            "one namespace: {variant}"
        );
        seen.insert(variant);
    }
    assert!(
        seen.iter().any(|v| v.contains("hero-preset=square")),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|v| v.contains("hero-preset=control")),
        "{seen:?}"
    );
    Ok(())
}

#[test]
fn origin_answers_are_cached_per_variant() -> Result<()> {
    let edge = edge(&[])?;
    let url = format!("{}/v1/origin/catalog/products?limit=3", edge.host.url);
    // Shoppers with cookies, until two of them are in different variants.
    let mut by_variant: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for _ in 0..60 {
        let us = assignments(&edge, "US", None)?;
        let cookie = cookie_of(&us).context("cookie")?;
        let variant = json(&us)?["variant"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if variant.contains("hero-preset=") {
            by_variant.entry(variant).or_default().push(cookie);
        }
        if by_variant.len() == 2 && by_variant.values().all(|c| c.len() >= 2) {
            break;
        }
    }
    assert_eq!(by_variant.len(), 2, "{by_variant:?}");
    for (variant, cookies) in &by_variant {
        let preset = if variant.contains("hero-preset=square") {
            "square-1080"
        } else {
            "product"
        };
        for (i, cookie) in cookies.iter().take(2).enumerate() {
            let reply = get(&url, &[("cf-ipcountry", "US"), ("cookie", cookie)])?;
            assert_eq!(reply.status, 200);
            assert_eq!(reply.header("meridian-variant"), Some(variant.as_str()));
            assert_eq!(
                reply.header("set-cookie"),
                None,
                "a cacheable answer sets no cookie"
            );
            let status = reply.header("cache-status").unwrap_or_default();
            if i == 0 {
                assert!(
                    status.contains("fwd=") && !status.contains("hit"),
                    "{status}"
                );
            } else {
                assert!(status.contains("hit"), "same variant, a hit: {status}");
            }
            let products = json(&reply)?;
            assert_eq!(
                products[0]["image_preset"], preset,
                "the origin saw the variant"
            );
        }
    }
    // One origin request per variant (the demo origin counts them).
    let counts = json(&get(&format!("{}/admin/requests", edge.origin_url), &[])?)?;
    assert_eq!(counts["/products"], 2, "{counts}");
    Ok(())
}

#[test]
fn recommendations_never_include_what_the_market_blocks() -> Result<()> {
    let edge = edge(&[])?;
    // Saudi Arabia restricts alcohol; China the unlicensed frames.
    for (country, blocked) in [("SA", "MRD-RIESLING-2023"), ("CN", "MRD-ORBIT-TITANIUM")] {
        for context in ["home", "product:MRD-SOLSTICE-SUN", "cart:MRD-SILK-SCARF"] {
            let reply = get(
                &format!(
                    "{}/v1/recommendations?context={context}&k=10",
                    edge.host.url
                ),
                &[("cf-ipcountry", country)],
            )?;
            assert_eq!(
                reply.status,
                200,
                "{}",
                String::from_utf8_lossy(&reply.body)
            );
            let body = json(&reply)?;
            let items = body["items"].as_array().context("items")?;
            assert!(!items.is_empty(), "{country} {context}");
            for item in items {
                assert_ne!(item["sku"], blocked, "{country} {context}: {item}");
                let reasons = item["reasons"].as_array().context("reasons")?;
                assert!(!reasons.is_empty(), "every item says why: {item}");
            }
        }
    }
    // Elsewhere the same product may be recommended (frames are licensed
    // in the EEA; wine is age-gated nearly everywhere, and age is unknown).
    let mut offered = false;
    for context in ["product:MRD-SOLSTICE-SUN", "home", "cart:MRD-SILK-SCARF"] {
        let de = json(&get(
            &format!(
                "{}/v1/recommendations?context={context}&k=20",
                edge.host.url
            ),
            &[("cf-ipcountry", "DE")],
        )?)?;
        offered |= de["items"]
            .as_array()
            .is_some_and(|i| i.iter().any(|i| i["sku"] == "MRD-ORBIT-TITANIUM"));
    }
    assert!(
        offered,
        "the frames China blocks are recommended in Germany"
    );
    // Refusals carry a status, a code and a message.
    for (query, status, code) in [
        ("context=shelf", 400, "recommend-context-invalid"),
        ("context=product:NOPE", 404, "recommend-unknown-sku"),
        ("context=home&k=500", 400, "recommend-k-out-of-range"),
        ("context=home&k=ten", 400, "recommend-k-out-of-range"),
    ] {
        let reply = get(
            &format!("{}/v1/recommendations?{query}", edge.host.url),
            &[("cf-ipcountry", "DE")],
        )?;
        let (s, c, _) = reply.error()?;
        assert_eq!(
            (reply.status, s, c.as_str()),
            (status, status, code),
            "{query}"
        );
    }
    Ok(())
}

/// `rerank;dur=<ms, 3 decimals>;desc="<n> candidates"`: the milliseconds
/// and the count, if the header has exactly that shape.
fn rerank_timing(reply: &Reply) -> Option<(f64, usize)> {
    let value = reply.header("server-timing")?;
    let rest = value.strip_prefix("rerank;dur=")?;
    let (ms, rest) = rest.split_once(";desc=\"")?;
    let count = rest.strip_suffix(" candidates\"")?;
    let (whole, decimals) = ms.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || decimals.len() != 3 || !digits(decimals) || !digits(count) {
        return None;
    }
    Some((ms.parse().ok()?, count.parse().ok()?))
}

#[test]
fn recommendations_say_what_the_rerank_took() -> Result<()> {
    let shipped = edge(&[])?;
    for context in ["home", "product:MRD-SOLSTICE-SUN", "cart:MRD-SILK-SCARF"] {
        let reply = get(
            &format!("{}/v1/recommendations?context={context}", shipped.host.url),
            &[("cf-ipcountry", "DE")],
        )?;
        assert_eq!(reply.status, 200, "{context}");
        let (ms, candidates) = rerank_timing(&reply)
            .with_context(|| format!("{context}: {:?}", reply.header("server-timing")))?;
        assert!(ms >= 0.0);
        // The shipped data holds 14 items (exploration may add one no
        // source proposed, so the list is no bound).
        assert!((1..=14).contains(&candidates), "{context}: {candidates}");
    }

    // An operator's own data and catalog replace the shipped ones.
    let item = |category: &str, embedding: [f64; 2]| {
        serde_json::json!({
            "category": category, "in_stock": true, "promoted": false,
            "popularity": 0.5, "embedding": embedding, "similar": [],
        })
    };
    let data = serde_json::json!({
        "format": 1,
        "generated_by": "tests/personalize.rs",
        "dim": 2,
        "items": {
            "T-ONE": item("home", [1.0, 0.0]),
            "T-TWO": item("apparel", [0.0, 1.0]),
            "T-THREE": item("home", [1.0, 1.0]),
        },
        "trending": { "ZZ": [
            { "sku": "T-ONE", "score": 1.0 },
            { "sku": "T-TWO", "score": 0.5 },
            { "sku": "T-THREE", "score": 0.2 },
        ] },
    })
    .to_string();
    let catalog = ["T-ONE", "T-TWO"]
        .map(|sku| {
            format!(
                "[[product]]\nsku = \"{sku}\"\nname = \"{sku}\"\nasset = \"{sku}.jpg\"\n\
                 price = {{ EUR = \"1\" }}\ncopy = {{ en = \"{sku}\" }}\n"
            )
        })
        .join("\n");
    let own = edge(&[
        ("SPIN_VARIABLE_RECOMMENDATION_DATA", data.as_str()),
        ("SPIN_VARIABLE_RECOMMENDATION_CATALOG", catalog.as_str()),
    ])?;
    let reply = get(
        &format!("{}/v1/recommendations?context=home", own.host.url),
        &[("cf-ipcountry", "DE")],
    )?;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(rerank_timing(&reply).map(|(_, n)| n), Some(3));
    let skus: Vec<String> = json(&reply)?["items"]
        .as_array()
        .context("items")?
        .iter()
        .filter_map(|i| i["sku"].as_str().map(str::to_owned))
        .collect();
    // T-THREE is in the data but not the catalog: never recommended.
    assert_eq!(skus, ["T-ONE", "T-TWO"]);
    Ok(())
}

#[test]
fn experiments_are_published_validated_and_shown() -> Result<()> {
    let edge = edge(&[])?;
    let admin = format!("{}/v1/admin/experiments", edge.host.url);
    let auth = format!("Bearer {ADMIN}");
    let unauthorized = get(&admin, &[])?;
    assert_eq!(unauthorized.status, 401);
    let status = get(&admin, &[("authorization", &auth)])?;
    assert_eq!(status.status, 200);
    let version = json(&status)?["experiments_version"]
        .as_str()
        .context("version")?
        .to_owned();
    let etag = format!("\"{version}\"");
    let mut doc = json(&status)?["definitions"].clone();

    // Invalid: refused with the rule and the reason; nothing changes.
    let mut bad = doc.clone();
    bad["features"]["storefront-hero"]["rules"][0]["weights"] = serde_json::json!([0.9, 0.9]);
    let refused = send(
        "PUT",
        &admin,
        &[("authorization", &auth), ("if-match", &etag)],
        Some(bad.to_string().as_bytes()),
    )?;
    let (_, code, message) = refused.error()?;
    assert_eq!(
        (refused.status, code.as_str()),
        (422, "experiments-invalid")
    );
    assert!(
        message.contains("features.storefront-hero.rules[0].weights"),
        "{message}"
    );
    // Without If-Match: 428.
    let unconditional = send(
        "PUT",
        &admin,
        &[("authorization", &auth)],
        Some(doc.to_string().as_bytes()),
    )?;
    assert_eq!(unconditional.status, 428);

    // Valid: the hero experiment stops (end in the past); shoppers get
    // the default from the next request on.
    doc["experiments"]["hero-preset"]["end"] = serde_json::json!("2026-11-02T00:00:00Z");
    let published = send(
        "PUT",
        &admin,
        &[("authorization", &auth), ("if-match", &etag)],
        Some(doc.to_string().as_bytes()),
    )?;
    assert_eq!(
        published.status,
        200,
        "{}",
        String::from_utf8_lossy(&published.body)
    );
    let stale = send(
        "PUT",
        &admin,
        &[("authorization", &auth), ("if-match", &etag)],
        Some(doc.to_string().as_bytes()),
    )?;
    assert_eq!(stale.error()?.1, "experiments-version-mismatch");
    for _ in 0..10 {
        let body = json(&assignments(&edge, "US", None)?)?;
        assert!(
            !body["variant"]
                .as_str()
                .unwrap_or_default()
                .contains("hero-preset"),
            "{body}"
        );
        assert_eq!(feature(&body, "storefront-hero"), "product");
    }
    let history = json(&get(
        &format!("{admin}/history"),
        &[("authorization", &auth)],
    )?)?;
    assert_eq!(history["revisions"].as_array().map(Vec::len), Some(1));

    // The experiment's page: definition and arms.
    let shown = get(
        &format!("{}/v1/experiments/hero-preset", edge.host.url),
        &[("authorization", &auth)],
    )?;
    assert_eq!(shown.status, 200);
    let shown = json(&shown)?;
    assert_eq!(shown["arms"], serde_json::json!(["control", "square"]));
    assert_eq!(shown["running"], false);
    let unknown = get(
        &format!("{}/v1/experiments/nope", edge.host.url),
        &[("authorization", &auth)],
    )?;
    assert_eq!(unknown.error()?.1, "experiment-unknown");
    Ok(())
}

/// A counter of a collector's `/metrics`.
fn collector_metric(collector: &Service, name: &str) -> Result<u64> {
    let text = String::from_utf8(get(&format!("{}/metrics", collector.url), &[])?.body)?;
    Ok(text
        .lines()
        .filter(|l| l.starts_with(name))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum())
}

fn beacon(ids: &[&str], now_ms: u64) -> String {
    let events: Vec<serde_json::Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            if i % 2 == 0 {
                serde_json::json!({"id": id, "kind": "exposure", "at": now_ms, "page": "/",
                    "experiment": "hero-preset", "variant": "square"})
            } else {
                serde_json::json!({"id": id, "kind": "view", "at": now_ms, "page": "/p/scarf",
                    "sku": "MRD-SILK-SCARF"})
            }
        })
        .collect();
    serde_json::json!({"schema": "meridian.events/1", "events": events}).to_string()
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// Beacons through the host to two regional collectors: a German
/// shopper's events reach only the EU collector, an American's only the
/// US one; a retried beacon counts once; the experiment's page shows both
/// regions' counts; the bandit job publishes the EU state to the edge;
/// without consent nothing leaves; bad beacons are refused whole.
#[test]
fn events_reach_only_a_collector_the_residency_allows() -> Result<()> {
    let eu_data = tempfile::tempdir()?;
    let us_data = tempfile::tempdir()?;
    let eu = meridian_e2e::start_collector("eu", eu_data.path())?;
    let us = meridian_e2e::start_collector("us", us_data.path())?;
    let manifest = std::fs::read_to_string(repo_root().join("spin.toml"))?;
    let two = manifest
        .replace(
            "collector_backends = \"eu={{ collector_url_eu }}\"",
            "collector_backends = \"eu={{ collector_url_eu }},us={{ collector_url_us }}\"",
        )
        .replace(
            "allowed_outbound_hosts = [\"{{ collector_url_eu }}\"]",
            "allowed_outbound_hosts = [\"{{ collector_url_eu }}\", \"{{ collector_url_us }}\"]",
        )
        .replace(
            "[variables]\n",
            "[variables]\ncollector_url_us = { required = true }\n",
        );
    assert!(
        two.contains("us={{ collector_url_us }}") && two.contains("\"{{ collector_url_us }}\"]")
    );
    let path = repo_root().join(format!("spin-two-collectors-{}.toml", std::process::id()));
    std::fs::write(&path, two)?;
    let _cleanup = meridian_e2e::RemoveOnDrop(path.clone());
    let state = tempfile::tempdir()?;
    let host = meridian_e2e::start_host_with(
        &path,
        state.path(),
        "http://127.0.0.1:9",
        &[
            ("SPIN_VARIABLE_MARKET_CONFIG", MARKET_CONFIG),
            ("SPIN_VARIABLE_COLLECTOR_URL_EU", eu.url.as_str()),
            ("SPIN_VARIABLE_COLLECTOR_URL_US", us.url.as_str()),
            ("SPIN_VARIABLE_EXPERIMENTS_ADMIN_TOKEN", ADMIN),
        ],
    )?;
    let events = format!("{}/v1/events", host.url);
    let accepted = "meridian_collector_events_accepted_total";
    let duplicate = "meridian_collector_events_duplicate_total";

    // Germany with TCF consent for purposes 1, 5, 6 and the merchant's
    // vendor (the string of the market scenarios' `tcf-de-granted-cookie`).
    let tc = TC_GRANTED.to_owned();
    let de_headers = [
        ("cf-ipcountry", "DE"),
        ("content-type", "text/plain;charset=UTF-8"),
        ("x-tcf-consent", tc.as_str()),
    ];
    let batch = beacon(
        &["de-1-aaaaaaaaaaaaaaaa", "de-2-aaaaaaaaaaaaaaaa"],
        now_ms(),
    );
    let reply = send("POST", &events, &de_headers, Some(batch.as_bytes()))?;
    assert_eq!(
        reply.status,
        202,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(json(&reply)?["accepted"], 2);
    assert_eq!(
        (
            collector_metric(&eu, accepted)?,
            collector_metric(&us, accepted)?
        ),
        (2, 0)
    );
    // The same beacon again (a retry): accepted at the edge, stored once.
    let again = send("POST", &events, &de_headers, Some(batch.as_bytes()))?;
    assert_eq!(again.status, 202);
    assert_eq!(collector_metric(&eu, accepted)?, 2);
    assert_eq!(collector_metric(&eu, duplicate)?, 2);

    // The US (opt-out, none exercised): the US collector.
    let us_headers = [("cf-ipcountry", "US"), ("content-type", "application/json")];
    let batch = beacon(&["us-1-aaaaaaaaaaaaaaaa"], now_ms());
    let reply = send("POST", &events, &us_headers, Some(batch.as_bytes()))?;
    assert_eq!(
        reply.status,
        202,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(
        (
            collector_metric(&eu, accepted)?,
            collector_metric(&us, accepted)?
        ),
        (2, 1)
    );

    // The experiment's page sums what each region's collector counted; the
    // events themselves stay in their regions.
    let shown = json(&get(
        &format!("{}/v1/experiments/hero-preset", host.url),
        &[("authorization", &format!("Bearer {ADMIN}"))],
    )?)?;
    let counts = &shown["counts"];
    assert_eq!(counts["unavailable"], serde_json::json!([]), "{counts}");
    let region = |name: &str| {
        counts["regions"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["region"] == name))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(region("eu")["counts"][0]["market"], "DE", "{counts}");
    assert_eq!(region("eu")["counts"][0]["exposures"], 1, "{counts}");
    assert_eq!(region("us")["counts"][0]["market"], "US", "{counts}");
    assert_eq!(
        counts["arms"],
        serde_json::json!([{"variant": "square", "exposures": 2, "conversions": 0}]),
        "the retried beacon counted once"
    );

    // The scheduled bandit job, once, against the real edge: it reads the
    // definitions and publishes the EU markets' state through the admin API.
    let run = std::process::Command::new(meridian_e2e::workspace_binary("meridian-collector")?)
        .args(["bandit-once", "--dev"])
        .env("MERIDIAN_COLLECTOR_SIGNING_KEY", meridian_e2e::SIGNING_KEY)
        .env("MERIDIAN_COLLECTOR_REGION", "eu")
        .env("MERIDIAN_COLLECTOR_DATA_DIR", eu_data.path())
        .env("MERIDIAN_COLLECTOR_BANDIT_EDGE_URL", host.url.as_str())
        .env("MERIDIAN_COLLECTOR_BANDIT_ADMIN_TOKEN", ADMIN)
        .output()?;
    assert!(
        run.status.success(),
        "bandit-once: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let shown = json(&get(
        &format!("{}/v1/experiments/hero-preset", host.url),
        &[("authorization", &format!("Bearer {ADMIN}"))],
    )?)?;
    let markets = shown["markets"].as_array().cloned().unwrap_or_default();
    assert_eq!(markets.len(), 1, "{shown}");
    assert_eq!(markets[0]["market"], "DE");
    let state = &markets[0]["state"];
    assert_eq!(
        state["weights"].as_array().map(Vec::len),
        Some(2),
        "{state}"
    );
    assert!(state["promoted"].is_null(), "burn-in not reached: {state}");

    // Germany without consent: counted as dropped, nothing forwarded.
    let no_consent = [("cf-ipcountry", "DE"), ("content-type", "text/plain")];
    let batch = beacon(&["de-3-aaaaaaaaaaaaaaaa"], now_ms());
    let reply = send("POST", &events, &no_consent, Some(batch.as_bytes()))?;
    assert_eq!(reply.status, 202);
    let body = json(&reply)?;
    assert_eq!(body["accepted"], 0);
    assert_eq!(body["dropped"]["consent-denied"], 1, "{body}");
    assert_eq!(collector_metric(&eu, accepted)?, 2);

    // Refusals: whole batches, each with a status and a code.
    let big = "x".repeat(70 * 1024);
    let mut bad_event = serde_json::from_str::<serde_json::Value>(&beacon(
        &["de-4-aaaaaaaaaaaaaaaa", "de-5-aaaaaaaaaaaaaaaa"],
        now_ms(),
    ))?;
    bad_event["events"][1]["sku"] = serde_json::json!(42);
    let bad_event = bad_event.to_string();
    for (content_type, body, status, code) in [
        ("image/png", batch.as_str(), 415, "events-content-type"),
        ("text/plain", "{not json", 400, "events-malformed"),
        ("text/plain", big.as_str(), 413, "events-too-large"),
        ("text/plain", bad_event.as_str(), 422, "events-invalid"),
    ] {
        let headers = [
            ("cf-ipcountry", "DE"),
            ("content-type", content_type),
            ("x-tcf-consent", tc.as_str()),
        ];
        let reply = send("POST", &events, &headers, Some(body.as_bytes()))?;
        let (s, c, message) = reply.error()?;
        assert_eq!(
            (reply.status, s, c.as_str()),
            (status, status, code),
            "{message}"
        );
    }
    assert_eq!(
        collector_metric(&eu, accepted)?,
        2,
        "nothing of a refused batch was stored"
    );
    let get_events = get(&events, &[("cf-ipcountry", "DE")])?;
    assert_eq!(get_events.status, 405);
    Ok(())
}
