//! What the integration tests share: a collector of their own on a
//! loopback port, signed calls to it, and batches built from the edge's
//! types exactly as the edge sends them.

// Each test crate uses a part of this module.
#![allow(dead_code)]

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use meridian_collector::config::Config;
use meridian_collector::store::{Durability, Store};
use meridian_collector::wire::{
    APPEND_ROUTE, COUNTS_ROUTE, CollectedEvent, CollectorBatch, CollectorSchema, ConsentStamp,
    EventDetail,
};
use serde_json::Value;

use crate::signing::{Headers, Sign, now};

pub const KEY: &str = "collector-test-key";
pub const T0: u64 = 1_800_000_000_000;

pub struct Collector {
    pub base: String,
    pub store: PathBuf,
    _dir: tempfile::TempDir,
    _runtime: tokio::runtime::Runtime,
}

/// A collector of its own per test: the store starts empty.
pub fn collector() -> Collector {
    collector_with(|_| {})
}

pub fn collector_with(change: impl FnOnce(&mut Config)) -> Collector {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::load(None, |_| None).expect("defaults");
    config.listen = "127.0.0.1:0".parse().expect("addr");
    config.signing_key = KEY.into();
    config.development = true;
    config.data_dir = dir.path().join("data");
    config.limits.max_body_bytes = 64 * 1024;
    config.limits.max_events_per_batch = 50;
    change(&mut config);
    let store = config.store_path();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let running = runtime
        .block_on(meridian_collector::start(config))
        .expect("starts");
    let base = format!("http://{}", running.addr);
    // Runs until the runtime drops with the test's collector.
    std::mem::forget(running);
    Collector {
        base,
        store,
        _dir: dir,
        _runtime: runtime,
    }
}

pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    /// The refusal's code, after checking the body carries the status and
    /// a message.
    pub fn code(&self) -> &str {
        assert_eq!(self.body["status"], self.status, "{}", self.body);
        assert!(
            self.body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{}",
            self.body
        );
        self.body["code"].as_str().unwrap_or_default()
    }
}

impl Collector {
    pub fn call(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &Headers,
        body: &[u8],
    ) -> Answer {
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(30))
            .build();
        let mut req = agent.request(method, &format!("{}{path_and_query}", self.base));
        for (name, value) in headers {
            req = req.set(name, value);
        }
        let response = match if method == "GET" {
            req.call()
        } else {
            req.send_bytes(body)
        } {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("transport: {e}"),
        };
        let status = response.status();
        let mut out = Vec::new();
        response.into_reader().read_to_end(&mut out).expect("body");
        let body = serde_json::from_slice(&out)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&out).into_owned()));
        Answer { status, body }
    }

    pub fn append_headers(&self, body: &[u8]) -> Headers {
        Sign {
            key: KEY,
            method: "POST",
            path: APPEND_ROUTE,
            query: "",
            content_type: "application/json",
            region: "eu",
            timestamp: now(),
        }
        .headers(body)
    }

    /// Sends `batch` as the edge does: the edge's type, serialised.
    pub fn append(&self, batch: &CollectorBatch) -> Answer {
        let body = serde_json::to_vec(batch).expect("json");
        self.call("POST", APPEND_ROUTE, &self.append_headers(&body), &body)
    }

    pub fn counts(&self, query: &str, region: &str) -> Answer {
        let headers = Sign {
            key: KEY,
            method: "GET",
            path: COUNTS_ROUTE,
            query,
            content_type: "",
            region,
            timestamp: now(),
        }
        .headers(b"");
        self.call("GET", &format!("{COUNTS_ROUTE}?{query}"), &headers, b"")
    }

    pub fn stored(&self) -> u64 {
        Store::open(&self.store, Durability::Normal)
            .expect("store opens beside the server")
            .len()
            .expect("counts")
    }
}

/// An event id of the edge's shape (16 to 32 of `[A-Za-z0-9_-]`).
pub fn id(tag: &str) -> String {
    format!("evt-{tag:-<16}")
}

pub fn event(tag: &str, detail: EventDetail, who: Option<&str>, at: u64) -> CollectedEvent {
    CollectedEvent {
        id: id(tag),
        at: T0 + at,
        page: "/p/1".into(),
        detail,
        context: None,
        market: "DE".into(),
        consent: ConsentStamp {
            outcome: "allow".into(),
            reason: "consent-tcf-granted".into(),
            policy_version: "pk1-0123456789ab".into(),
        },
        pseudonym: who.map(str::to_owned),
    }
}

/// A batch of the test's market and region, as the edge builds one.
pub fn batch(events: Vec<CollectedEvent>) -> CollectorBatch {
    CollectorBatch {
        schema: CollectorSchema,
        edge_received_at: T0,
        market: "DE".into(),
        region: "eu".into(),
        key_id: "2026-12-01.3f9a01c2".into(),
        client_network: Some("203.0.113.0/24".into()),
        events,
    }
}

pub fn counted(a: &Answer) -> (u64, u64) {
    assert_eq!(a.status, 200, "{}", a.body);
    (
        a.body["accepted"].as_u64().expect("accepted"),
        a.body["duplicates"].as_u64().expect("duplicates"),
    )
}
