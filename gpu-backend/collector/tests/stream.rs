//! The Redis Streams sink against a real `redis-server` on a free loopback
//! port (no persistence): stored events reach the stream once each,
//! duplicates never; events stored while Redis was down reach it once it
//! is up; a backlog an earlier run left is sent at start; a URL that is not
//! Redis's stops the start. Skipped, saying so, where `redis-server` is not
//! installed (`bash infra/run setup` installs it).

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use meridian_collector::config::{Config, Secret};
use meridian_collector::store::{Durability, Store};
use meridian_collector::wire::{CollectedEvent, EventDetail};

mod harness;
use harness::{Collector, batch, collector_with, counted, event, id};
use meridian_rpc_server::test_support as signing;

const KEY: &str = "test:events";

struct RedisServer {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn installed() -> bool {
    let found = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok();
    if !found {
        eprintln!(
            "SKIPPED: redis-server is not installed (apt-get install redis-server, or bash infra/run setup)"
        );
    }
    found
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("addr")
        .port()
}

fn url(port: u16) -> String {
    format!("redis://127.0.0.1:{port}")
}

/// A Redis of the test's own on `port`, answering PING before it returns.
fn redis_on(port: u16) -> RedisServer {
    let dir = tempfile::tempdir().expect("tempdir");
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir.path())
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server starts");
    let server = RedisServer {
        child,
        url: url(port),
        _dir: dir,
    };
    wait_for("redis-server to answer", || {
        redis::Client::open(server.url.as_str())
            .and_then(|c| c.get_connection())
            .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c))
            .is_ok()
    });
    server
}

/// Polls `done` until it holds; a generous bound only turns a hang into a
/// failure (a slow machine passes, just later).
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn streaming_to(redis_url: &str, config: &mut Config) {
    config.stream.redis_url = Secret(redis_url.to_owned());
    config.stream.key = KEY.into();
    config.stream.retry_interval_ms = 50;
    config.stream.timeout_ms = 1000;
}

/// The stream's entries: (event id, fields), oldest first.
fn entries(redis_url: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let mut c = redis::Client::open(redis_url)
        .and_then(|c| c.get_connection())
        .expect("redis connects");
    let raw: Vec<(String, Vec<String>)> = redis::cmd("XRANGE")
        .arg(KEY)
        .arg("-")
        .arg("+")
        .query(&mut c)
        .expect("XRANGE");
    raw.into_iter()
        .map(|(_, flat)| {
            let fields: BTreeMap<_, _> = flat
                .chunks(2)
                .map(|kv| (kv[0].clone(), kv.get(1).cloned().unwrap_or_default()))
                .collect();
            (fields.get("id").cloned().unwrap_or_default(), fields)
        })
        .collect()
}

fn metric(c: &Collector, name: &str) -> u64 {
    let text = c.call("GET", "/metrics", &Vec::new(), b"");
    let text = text.body.as_str().expect("text").to_owned();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{name} missing from\n{text}"))
}

fn view(tag: &str) -> CollectedEvent {
    let detail = EventDetail::View {
        sku: "sku-1".into(),
    };
    event(tag, detail, None, 0)
}

fn purchase(tag: &str) -> CollectedEvent {
    let detail = EventDetail::Purchase {
        order_value: "12.30".into(),
        currency: "EUR".into(),
        skus: vec!["sku-1".into()],
    };
    event(tag, detail, Some("0123456789abcdef0123456789abcdef"), 1)
}

fn stream_settled(c: &Collector, streamed: u64) -> bool {
    metric(c, "meridian_collector_stream_events_total") == streamed
        && metric(c, "meridian_collector_stream_backlog") == 0
}

#[test]
fn stored_events_reach_the_stream_once_each_and_duplicates_never() {
    if !installed() {
        return;
    }
    let redis = redis_on(free_port());
    let c = collector_with(|config| streaming_to(&redis.url, config));
    let first = batch(vec![view("v1"), view("v2"), purchase("p1")]);
    assert_eq!(counted(&c.append(&first)), (3, 0));
    // The edge's retry of the same batch, and a repeat beside a new event.
    assert_eq!(counted(&c.append(&first)), (0, 3));
    assert_eq!(
        counted(&c.append(&batch(vec![view("v2"), view("v3")]))),
        (1, 1)
    );
    wait_for("four events in the stream", || stream_settled(&c, 4));
    let got = entries(&redis.url);
    let ids: Vec<_> = got.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(ids, [id("v1"), id("v2"), id("p1"), id("v3")]);
    let (_, p1) = &got[2];
    assert_eq!(p1["kind"], "purchase");
    assert_eq!(p1["order_value"], "12.30");
    assert_eq!(p1["skus"], r#"["sku-1"]"#);
    assert_eq!(p1["market"], "DE");
    assert_eq!(p1["region"], "eu");
    assert_eq!(p1["consent_reason"], "consent-tcf-granted");
    assert!(!p1.contains_key("experiment"), "{p1:?}");
    assert_eq!(metric(&c, "meridian_collector_stream_failures_total"), 0);
    assert_eq!(c.stored(), 4);
}

#[test]
fn events_stored_while_redis_is_down_reach_it_when_it_is_up() {
    if !installed() {
        return;
    }
    let port = free_port();
    let c = collector_with(|config| streaming_to(&url(port), config));
    // SQLite takes the batch; Redis is not there.
    assert_eq!(
        counted(&c.append(&batch(vec![view("d1"), view("d2"), purchase("d3")]))),
        (3, 0)
    );
    wait_for("a failed send and a backlog of three", || {
        metric(&c, "meridian_collector_stream_failures_total") >= 1
            && metric(&c, "meridian_collector_stream_backlog") == 3
    });
    assert_eq!(c.stored(), 3);
    let redis = redis_on(port);
    // No new append: the retry timer sends the backlog.
    wait_for("the backlog sent", || stream_settled(&c, 3));
    let ids: Vec<_> = entries(&redis.url).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, [id("d1"), id("d2"), id("d3")]);
}

#[test]
fn a_backlog_left_by_an_earlier_run_is_sent_at_start() {
    if !installed() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("events.sqlite");
    // An earlier run stored these and stopped before Redis took them.
    let store = Store::open_with_outbox(&path, Durability::Normal).expect("opens");
    store
        .append(&batch(vec![view("s1"), view("s2")]), harness::T0)
        .expect("stored");
    assert_eq!(store.backlog().expect("backlog"), 2);
    drop(store);
    let redis = redis_on(free_port());
    let c = collector_with(|config| {
        streaming_to(&redis.url, config);
        // Timers of an hour: only the start-up send can have sent them.
        config.stream.retry_interval_ms = 3_600_000;
        config.store.path = path.clone();
    });
    wait_for("the earlier backlog sent", || stream_settled(&c, 2));
    let ids: Vec<_> = entries(&redis.url).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, [id("s1"), id("s2")]);
}

#[test]
fn a_url_that_is_not_redis_stops_the_start() {
    for (bad, says) in [
        ("http://127.0.0.1:6379", "is not a Redis URL"),
        ("127.0.0.1:6379", "is not a Redis URL"),
        ("rediss://:hunter2@cache.example:6380", "TLS"),
    ] {
        let err = Config::load(None, |k| {
            (k == "MERIDIAN_COLLECTOR_REDIS_URL").then(|| bad.to_owned())
        })
        .expect_err(bad)
        .to_string();
        assert!(
            err.contains("[stream] redis_url") && err.contains(says),
            "{err}"
        );
        assert!(!err.contains("hunter2"), "{err}");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_meridian-collector"))
        .args(["--dev", "--listen", "127.0.0.1:0"])
        .env("MERIDIAN_COLLECTOR_REDIS_URL", "http://127.0.0.1:6379")
        .env("MERIDIAN_COLLECTOR_DATA_DIR", dir.path())
        .env("RUST_LOG", "warn")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("[stream] redis_url"), "{stderr}");
    assert!(out.stdout.is_empty(), "it did not start serving");
    // Off by default, and empty is off.
    let c = Config::load(None, |k| {
        (k == "MERIDIAN_COLLECTOR_REDIS_URL").then(String::new)
    })
    .expect("loads");
    assert!(!c.stream.enabled());
}
