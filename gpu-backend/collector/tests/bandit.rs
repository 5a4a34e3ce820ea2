//! The bandit job end to end: exposures and purchases appended to a real
//! collector over signed calls, a fake edge on a loopback port serving the
//! experiment definitions and previous states and recording what is
//! published, the job run once (and again), and the states checked.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, put};
use meridian_collector::bandit::{BanditJob, Run};
use meridian_collector::config::BanditJobConfig;
use meridian_collector::store::{Durability, Store};
use meridian_collector::wire::{CollectedEvent, EventDetail};
use meridian_edge::personalize::bandit::{
    ArmCounts, BanditConfig, BanditState, ExperimentId, MarketCode, recompute,
};
use serde_json::{Value, json};

mod harness;
use harness::{Collector, batch, collector, collector_with, counted, event};
use meridian_rpc_server::test_support as signing;

const TOKEN: &str = "edge-admin-test-token";
/// The job's clock, unix seconds.
const NOW: u64 = 1_800_000_000;
/// Arm order as the rule gives it: `original` first, though it sorts
/// after `bold`, so arms are not in the store's order.
const ARMS: [&str; 2] = ["original", "bold"];

/// What the fake edge was asked and holds.
#[derive(Default)]
struct EdgeState {
    definition_reads: usize,
    /// `(experiment, market, authorization, body)` of every PUT.
    puts: Vec<(String, String, String, Vec<u8>)>,
    /// The published states, `experiment -> market -> state`.
    states: BTreeMap<String, BTreeMap<String, Value>>,
}

struct FakeEdge {
    url: String,
    state: Arc<Mutex<EdgeState>>,
    _runtime: tokio::runtime::Runtime,
}

fn bandit_config() -> Value {
    serde_json::to_value(BanditConfig {
        burn_in_exposures: 10,
        draws: 4000,
        metric: "purchase".into(),
        ..BanditConfig::default()
    })
    .expect("json")
}

/// The definitions: `hero` (a bandit over `ARMS`), `plain` (no bandit,
/// with events) and `broken` (a bandit whose feature is missing).
fn definitions() -> Value {
    json!({
        "experiments_version": "ev-1",
        "definitions": {
            "schema": "meridian.experiments/1",
            "features": {
                "hero-layout": {"defaultValue": "original", "rules": [
                    {"condition": {"country": "AT"}, "force": "original"},
                    {"key": "hero", "variations": ["original", "bold"],
                     "meta": [{"key": ARMS[0]}, {"key": ARMS[1]}]}
                ]},
                "plain-flag": {"defaultValue": false, "rules": [
                    {"key": "plain", "variations": [false, true]}
                ]}
            },
            "experiments": {
                "hero": {"feature": "hero-layout", "metric": "purchase", "bandit": bandit_config()},
                "plain": {"feature": "plain-flag", "metric": "click", "bandit": null},
                "broken": {"feature": "gone", "metric": "purchase", "bandit": bandit_config()}
            }
        }
    })
}

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {TOKEN}"))
}

type Shared = Arc<Mutex<EdgeState>>;

fn fake_edge(states: BTreeMap<String, BTreeMap<String, Value>>) -> FakeEdge {
    let state: Shared = Arc::new(Mutex::new(EdgeState {
        states,
        ..EdgeState::default()
    }));
    let router = Router::new()
        .route(
            "/v1/admin/experiments",
            get(|State(s): State<Shared>, headers: HeaderMap| async move {
                if !authorized(&headers) {
                    return (StatusCode::UNAUTHORIZED, String::new());
                }
                s.lock().expect("lock").definition_reads += 1;
                (StatusCode::OK, definitions().to_string())
            }),
        )
        .route(
            "/v1/experiments/{id}",
            get(
                |State(s): State<Shared>, Path(id): Path<String>, headers: HeaderMap| async move {
                    if !authorized(&headers) {
                        return (StatusCode::UNAUTHORIZED, String::new());
                    }
                    let held = s.lock().expect("lock").states.get(&id).cloned();
                    let markets: Vec<Value> = held
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(market, state)| json!({"market": market, "state": state}))
                        .collect();
                    let body = json!({"experiment": id, "arms": ARMS, "markets": markets});
                    (StatusCode::OK, body.to_string())
                },
            ),
        )
        .route(
            "/v1/admin/experiments/{id}/bandit/{market}",
            put(
                |State(s): State<Shared>,
                 Path((id, market)): Path<(String, String)>,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    // As the edge: only a valid state is kept.
                    let Ok(state) = BanditState::from_json(&body) else {
                        return StatusCode::UNPROCESSABLE_ENTITY;
                    };
                    let mut s = s.lock().expect("lock");
                    s.puts
                        .push((id.clone(), market.clone(), auth, body.to_vec()));
                    s.states
                        .entry(id)
                        .or_default()
                        .insert(market, serde_json::to_value(&state).expect("json"));
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .with_state(Arc::clone(&state));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("binds");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    runtime.spawn(async move { axum::serve(listener, router).await });
    FakeEdge {
        url,
        state,
        _runtime: runtime,
    }
}

/// A state published earlier for a market that has no events now.
fn earlier_state(market: &str) -> Value {
    let config: BanditConfig = serde_json::from_value(bandit_config()).expect("config");
    let state = recompute(
        &config,
        &ExperimentId::parse("hero").expect("id"),
        &MarketCode::parse(market).expect("market"),
        &[ArmCounts::new(3, 1), ArmCounts::new(3, 2)],
        None,
        NOW - 600,
        7,
    )
    .expect("recompute");
    serde_json::to_value(state).expect("json")
}

fn pseudonym(n: u32) -> String {
    format!("{n:032x}")
}

/// 40 shoppers per arm in DE: `original` converts 2, `bold` 30; and
/// clicks on the `plain` experiment, which has no bandit.
fn shop(c: &Collector) {
    let mut events: Vec<CollectedEvent> = Vec::new();
    for (arm, converting) in [(ARMS[0], 2), (ARMS[1], 30)] {
        for i in 0..40u32 {
            let who = pseudonym(if arm == ARMS[0] { i } else { 1000 + i });
            let exposure = EventDetail::Exposure {
                experiment: "hero".into(),
                variant: arm.into(),
            };
            events.push(event(&format!("x-{arm}-{i}"), exposure, Some(&who), 0));
            if i < converting {
                let purchase = EventDetail::Purchase {
                    order_value: "49.90".into(),
                    currency: "EUR".into(),
                    skus: vec!["sku-1".into()],
                };
                events.push(event(&format!("p-{arm}-{i}"), purchase, Some(&who), 10));
            }
            let plain = EventDetail::Exposure {
                experiment: "plain".into(),
                variant: "1".into(),
            };
            events.push(event(&format!("y-{arm}-{i}"), plain, Some(&who), 1));
        }
    }
    let total = events.len() as u64;
    let mut stored = 0;
    for chunk in events.chunks(50) {
        stored += counted(&c.append(&batch(chunk.to_vec()))).0;
    }
    assert_eq!(stored, total);
}

fn job(c: &Collector, edge: &FakeEdge) -> BanditJob {
    let config = BanditJobConfig {
        edge_url: format!("{}/", edge.url),
        admin_token: TOKEN.into(),
        interval_s: 300,
    };
    let store = Store::open(&c.store, Durability::Normal).expect("store opens beside the server");
    BanditJob::new(&config, Arc::new(store))
}

fn run(job: &BanditJob, now: u64) -> Run {
    job.run_once(now).expect("the definitions are read")
}

#[test]
fn the_job_publishes_weights_that_favour_the_converting_arm() {
    let c = collector();
    let edge = fake_edge(BTreeMap::from([(
        "hero".to_owned(),
        BTreeMap::from([("FR".to_owned(), earlier_state("FR"))]),
    )]));
    shop(&c);
    let job = job(&c, &edge);

    let first = run(&job, NOW);
    // `broken` fails alone; `hero` goes on.
    assert_eq!(first.failures.len(), 1, "{:?}", first.failures);
    assert!(
        first.failures[0].to_string().contains("broken"),
        "{}",
        first.failures[0]
    );
    assert_eq!(first.published.len(), 1);
    assert_eq!(
        first.published[0]
            .line()
            .split(' ')
            .take(2)
            .collect::<Vec<_>>(),
        ["hero", "DE"]
    );
    {
        let s = edge.state.lock().expect("lock");
        assert_eq!(s.definition_reads, 1);
        // DE only: FR has a state but no events, `plain` no bandit.
        assert_eq!(
            s.puts.len(),
            1,
            "{:?}",
            s.puts.iter().map(|p| &p.1).collect::<Vec<_>>()
        );
        let (experiment, market, auth, body) = &s.puts[0];
        assert_eq!((experiment.as_str(), market.as_str()), ("hero", "DE"));
        assert_eq!(auth, &format!("Bearer {TOKEN}"));
        let state = BanditState::from_json(body).expect("a valid state");
        assert_eq!(state.experiment.as_str(), "hero");
        assert_eq!(state.market.as_str(), "DE");
        assert_eq!(state.metric, "purchase");
        assert_eq!(state.version, 1);
        assert_eq!(state.updated_at, NOW);
        // In the rule's arm order, not the store's.
        assert_eq!(
            state.counts,
            [ArmCounts::new(40, 2), ArmCounts::new(40, 30)]
        );
        assert!(
            state.weights[1] > 0.9 && state.weights[1] > state.weights[0],
            "{:?}",
            state.weights
        );
        assert_eq!(state.promoted.as_ref().map(|p| p.arm), Some(1));
        assert_eq!(&first.published[0].state, &state);
    }

    // The next run continues from the state the edge now holds.
    let second = run(&job, NOW + 300);
    assert_eq!(second.published.len(), 1);
    let s = edge.state.lock().expect("lock");
    assert_eq!(s.puts.len(), 2);
    let state = BanditState::from_json(&s.puts[1].3).expect("valid");
    assert_eq!((state.version, state.updated_at), (2, NOW + 300));
    assert_eq!(
        state.promoted.as_ref().map(|p| (p.arm, p.at)),
        Some((1, NOW))
    );
    assert_eq!(state.weights, [0.0, 1.0]);
}

#[test]
fn a_refused_definitions_read_is_an_error_and_publishes_nothing() {
    let c = collector();
    let edge = fake_edge(BTreeMap::new());
    shop(&c);
    let config = BanditJobConfig {
        edge_url: edge.url.clone(),
        admin_token: "wrong-token".into(),
        interval_s: 300,
    };
    let store = Store::open(&c.store, Durability::Normal).expect("opens");
    let err = BanditJob::new(&config, Arc::new(store))
        .run_once(NOW)
        .expect_err("refused");
    assert!(err.to_string().contains("401"), "{err}");
    assert!(!err.to_string().contains("wrong-token"), "{err}");
    assert!(edge.state.lock().expect("lock").puts.is_empty());
}

#[test]
fn a_configured_collector_runs_the_job_at_start() {
    let edge = fake_edge(BTreeMap::new());
    let url = edge.url.clone();
    let _c = collector_with(move |config| {
        config.bandit.edge_url = url;
        config.bandit.admin_token = TOKEN.into();
    });
    let mut waited = Duration::ZERO;
    while edge.state.lock().expect("lock").definition_reads == 0 {
        assert!(waited < Duration::from_secs(20), "the job never ran");
        std::thread::sleep(Duration::from_millis(50));
        waited += Duration::from_millis(50);
    }
    // An empty store: nothing to publish.
    assert!(edge.state.lock().expect("lock").puts.is_empty());
}

#[test]
fn bandit_once_prints_what_it_published_and_fails_for_what_it_could_not() {
    let c = collector();
    let edge = fake_edge(BTreeMap::new());
    shop(&c);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_meridian-collector"))
        .args(["bandit-once", "--dev"])
        .env("MERIDIAN_COLLECTOR_STORE", &c.store)
        .env("MERIDIAN_COLLECTOR_BANDIT_EDGE_URL", &edge.url)
        .env("MERIDIAN_COLLECTOR_BANDIT_ADMIN_TOKEN", TOKEN)
        .env("RUST_LOG", "warn")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // One line per published state; `broken` makes the exit status 1.
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        ["hero DE weights=original:0.0000,bold:1.0000 promoted=bold"],
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("broken"), "{stderr}");
    assert!(!stderr.contains(TOKEN), "{stderr}");
    let s = edge.state.lock().expect("lock");
    assert_eq!(s.puts.len(), 1);
    assert_eq!(s.puts[0].1, "DE");
}
