use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures_executor::block_on;

use super::*;
use crate::backend::{InboundResponse, TransportError};
use crate::cache::kv::MemoryKv;

/// Answers `/readyz` per base URL (absent: unreachable) and logs calls.
#[derive(Clone, Default)]
struct Readyz {
    status: Rc<RefCell<HashMap<String, u16>>>,
    probed: Rc<RefCell<Vec<String>>>,
}

impl Transport for Readyz {
    async fn send(&self, request: OutboundRequest) -> Result<InboundResponse, TransportError> {
        let base = request.url.trim_end_matches("/readyz").to_owned();
        self.probed.borrow_mut().push(base.clone());
        match self.status.borrow().get(&base) {
            Some(&status) => Ok(InboundResponse {
                status,
                meta: None,
                body: Vec::new(),
            }),
            None => Err(TransportError("connection refused".into())),
        }
    }
}

/// What each backend URL does with a call.
#[derive(Clone, Copy)]
enum Does {
    Answer,
    Down,
    Fail,
    NotFound,
    /// Answers after this many milliseconds of the test clock.
    Slow(u64),
    /// Fails after this many milliseconds.
    SlowDown(u64),
}

struct World {
    regional: Regional,
    config: RoutingConfig,
    kv: MemoryKv,
    clock: Cell<u64>,
    does: RefCell<HashMap<String, Does>>,
    called: RefCell<Vec<String>>,
    readyz: Readyz,
}

const THREE: &str = "eu=http://eu,uk=http://uk,us=http://us";

impl World {
    fn new(regions: &str, config: RoutingConfig) -> World {
        World {
            regional: Regional::parse(regions, "try-on backend", "try-on frames", "x")
                .expect("regions"),
            config,
            kv: MemoryKv::default(),
            clock: Cell::new(1_000_000),
            does: RefCell::default(),
            called: RefCell::default(),
            readyz: Readyz::default(),
        }
    }

    fn set(&self, url: &str, does: Does) {
        self.does.borrow_mut().insert(url.into(), does);
    }

    fn advance(&self, ms: u64) {
        self.clock.set(self.clock.get() + ms);
    }

    /// One call within `regions`.
    fn call(&self, regions: &Regions, retry: Retry) -> Routed<String> {
        let scope = Scope {
            regions,
            market: "GB",
            reason: "residency-uk-gdpr",
        };
        self.call_in(scope, retry)
    }

    /// One call within `scope` (a policy decision's, or any other).
    fn call_in(&self, scope: Scope<'_>, retry: Retry) -> Routed<String> {
        let clock = || self.clock.get();
        let mut router = Router::new(
            &self.regional,
            &self.config,
            Health::shared(&self.kv),
            self.readyz.clone(),
            "k",
            &clock,
        );
        router.draw = 0;
        block_on(router.call(scope, retry, |client| {
            let url = client.base_url().to_owned();
            self.called.borrow_mut().push(url.clone());
            let does = self
                .does
                .borrow()
                .get(&url)
                .copied()
                .unwrap_or(Does::Answer);
            async move {
                match does {
                    Does::Answer => Ok(url),
                    Does::Slow(ms) => {
                        self.advance(ms);
                        Ok(url)
                    }
                    Does::SlowDown(ms) => {
                        self.advance(ms);
                        Err(Refusal::new(502, "backend-unreachable", "timed out"))
                    }
                    Does::Down => Err(Refusal::new(502, "backend-unreachable", "refused")),
                    Does::Fail => Err(Refusal::new(502, "backend-error", "internal")),
                    Does::NotFound => Err(Refusal::new(404, "asset-unknown", "no such asset")),
                }
            }
        }))
    }

    fn calls(&self) -> Vec<String> {
        self.called.borrow_mut().drain(..).collect()
    }
}

fn only(list: &[&str]) -> Regions {
    Regions::Only(list.iter().map(|r| (*r).to_owned()).collect())
}

#[test]
fn a_failed_region_fails_over_to_the_next_allowed_one() {
    let w = World::new(THREE, RoutingConfig::default());
    w.set("http://uk", Does::Down);
    let routed = w.call(&only(&["uk", "eu"]), Retry::Idempotent);
    assert_eq!(routed.result.as_deref(), Ok("http://eu"));
    assert_eq!(w.calls(), ["http://uk", "http://eu"]);
    assert_eq!(routed.trail.served_by.as_deref(), Some("eu"));
    assert_eq!(
        routed.trail.server_timing(),
        "backend-uk;desc=\"unreachable\";dur=0.0, backend-eu;desc=\"ok\";dur=0.0"
    );
    let stamped = routed.trail.stamp(Response::new(200));
    assert_eq!(stamped.get("meridian-region"), Some("eu"));
}

#[test]
fn nothing_leaves_the_residency_set_even_when_its_regions_are_down() {
    let w = World::new(THREE, RoutingConfig::default());
    w.set("http://eu", Does::Down);
    let routed = w.call(&only(&["eu"]), Retry::Idempotent);
    let refusal = routed.result.expect_err("no allowed region answers");
    assert_eq!(
        (refusal.status, refusal.code.as_str()),
        (503, "residency-regions-unavailable")
    );
    assert!(
        refusal.message.contains("the law, not a preference"),
        "{}",
        refusal.message
    );
    assert_eq!(refusal.retry_after_s, Some(5));
    assert_eq!(w.calls(), ["http://eu"], "us and uk were never called");
    let response = refusal.into_response();
    assert_eq!(response.get("retry-after"), Some("5"));
    assert!(w.readyz.probed.borrow().is_empty());
    // No region of the set deployed at all is the law too: 451.
    let routed = w.call(&only(&["cn"]), Retry::Idempotent);
    let refusal = routed.result.expect_err("none deployed");
    assert_eq!(
        (refusal.status, refusal.code.as_str()),
        (451, "residency-no-region")
    );
    assert!(w.calls().is_empty());
}

#[test]
fn russian_personal_data_never_leaves_for_a_region_outside_russia() {
    use crate::policy::{PackSet, PolicyInput, Purpose, decide};
    // 152-FZ Art. 18(5): Russian citizens' personal data is stored in
    // Russia. The shipped RU pack allows only `ru`; none is deployed here.
    let packs = PackSet::embedded().expect("shipped packs");
    let w = World::new(THREE, RoutingConfig::default());
    for purpose in [Purpose::Personalize, Purpose::TryOn] {
        let decision = decide(&PolicyInput::new("RU", purpose), &packs);
        assert_eq!(decision.market, "RU");
        assert_eq!(decision.residency.reason.code, "residency-ru-152fz");
        assert!(
            decision
                .residency
                .reason
                .detail
                .contains("152-FZ Art. 18(5)"),
            "{}",
            decision.residency.reason.detail
        );
        let refusal = w
            .call_in(Scope::of(&decision), Retry::Idempotent)
            .result
            .expect_err("no ru region is deployed");
        assert_eq!(
            (refusal.status, refusal.code.as_str()),
            (451, "residency-no-region"),
            "{purpose:?}"
        );
        assert!(
            refusal
                .message
                .contains("from RU may only be processed in [\"ru\"] (residency-ru-152fz)"),
            "{}",
            refusal.message
        );
        assert!(w.calls().is_empty(), "{purpose:?}: nothing left the edge");
        assert!(w.readyz.probed.borrow().is_empty());
    }
    // A render carries no personal data: any deployed region serves it.
    let render = decide(&PolicyInput::new("RU", Purpose::Render), &packs);
    assert_eq!(render.residency.regions, Regions::Any);
    let routed = w.call_in(Scope::of(&render), Retry::Idempotent);
    assert!(routed.result.is_ok(), "{:?}", routed.result);
    assert_eq!(w.calls().len(), 1);
    // Once a Russian backend is deployed, personal data goes there only.
    let w = World::new("eu=http://eu,ru=http://ru", RoutingConfig::default());
    let tryon = decide(&PolicyInput::new("RU", Purpose::TryOn), &packs);
    let routed = w.call_in(Scope::of(&tryon), Retry::Idempotent);
    assert_eq!(routed.result.as_deref(), Ok("http://ru"));
    assert_eq!(w.calls(), ["http://ru"]);
}

#[test]
fn the_breaker_opens_skips_then_half_opens_through_a_probe() {
    let w = World::new(THREE, RoutingConfig::default());
    w.set("http://uk", Does::Down);
    let gb = only(&["uk", "eu"]);
    for _ in 0..3 {
        assert!(w.call(&gb, Retry::Idempotent).result.is_ok());
        w.advance(10);
    }
    assert_eq!(w.calls().len(), 6, "uk tried each time, then eu");
    // Open: uk is not tried at all, and the trail says why.
    let routed = w.call(&gb, Retry::Idempotent);
    assert_eq!(w.calls(), ["http://eu"]);
    assert!(
        routed
            .trail
            .server_timing()
            .starts_with("backend-uk;desc=\"circuit open\"")
    );
    // Cooled down but not ready: the probe fails, uk stays out.
    w.advance(5_000);
    w.call(&gb, Retry::Idempotent);
    assert_eq!(w.calls(), ["http://eu"]);
    assert_eq!(*w.readyz.probed.borrow(), ["http://uk"]);
    // Ready again: the probe passes, the call is uk's trial, the circuit closes.
    w.set("http://uk", Does::Answer);
    w.readyz.status.borrow_mut().insert("http://uk".into(), 200);
    w.advance(5_000);
    let routed = w.call(&gb, Retry::Idempotent);
    assert_eq!(routed.result.as_deref(), Ok("http://uk"));
    w.advance(10);
    w.call(&gb, Retry::Idempotent);
    assert_eq!(w.calls(), ["http://uk", "http://uk"]);
    assert_eq!(w.readyz.probed.borrow().len(), 2, "closed: no more probes");
}

#[test]
fn one_probe_per_cooldown_across_instances() {
    let w = World::new(THREE, RoutingConfig::default());
    w.set("http://uk", Does::Down);
    let gb = only(&["uk", "eu"]);
    for _ in 0..3 {
        w.call(&gb, Retry::Idempotent);
    }
    w.advance(5_000);
    // An instance claims the probe (and hangs); the others skip uk.
    let key = super::super::health::key("http://uk");
    let read = Health::shared(&w.kv)
        .read(&w.regional.deployed()[1..2])
        .remove(0);
    let claimed = Health::shared(&w.kv).update("http://uk", read, |r| {
        r.claim_probe(w.clock.get());
        true
    });
    assert!(claimed && w.kv.map.borrow().contains_key(&key));
    w.calls();
    let routed = w.call(&gb, Retry::Idempotent);
    assert_eq!(w.calls(), ["http://eu"]);
    assert!(w.readyz.probed.borrow().is_empty());
    assert!(
        routed
            .trail
            .server_timing()
            .contains("backend-uk;desc=\"circuit open\"")
    );
}

#[test]
fn calls_that_store_are_never_sent_twice_and_request_faults_are_not_retried() {
    let w = World::new(THREE, RoutingConfig::default());
    w.set("http://uk", Does::Fail);
    let routed = w.call(&only(&["uk", "eu"]), Retry::Never);
    assert_eq!(routed.result.expect_err("failed").code, "backend-error");
    assert_eq!(w.calls(), ["http://uk"]);
    w.set("http://uk", Does::NotFound);
    let routed = w.call(&only(&["uk", "eu"]), Retry::Idempotent);
    assert_eq!(routed.result.expect_err("404").status, 404);
    assert_eq!(w.calls(), ["http://uk"]);
    assert_eq!(routed.trail.served_by.as_deref(), Some("uk"));
    // A 404 is a healthy backend: the earlier failure's count is reset.
    let record = &Health::shared(&w.kv).read(&w.regional.deployed()[1..2])[0].record;
    assert_eq!(record.consecutive, 0);
}

#[test]
fn latency_aware_routing_prefers_the_faster_allowed_region() {
    let config = RoutingConfig {
        locality: vec!["uk".into(), "eu".into()],
        latency_aware: true,
        ..RoutingConfig::default()
    };
    let w = World::new(THREE, config);
    w.readyz.status.borrow_mut().insert("http://eu".into(), 200);
    w.readyz.status.borrow_mut().insert("http://uk".into(), 200);
    let gb = only(&["uk", "eu"]);
    // First call: both probed once (us is outside the set, never probed).
    w.set("http://uk", Does::Slow(400));
    w.call(&gb, Retry::Idempotent);
    let mut probed = w.readyz.probed.borrow_mut().drain(..).collect::<Vec<_>>();
    probed.sort();
    assert_eq!(probed, ["http://eu", "http://uk"]);
    // Both measured about equal by the instant probes, so locality took
    // uk, and the call measured it slow; eu is faster now.
    assert_eq!(w.calls(), ["http://uk"]);
    w.advance(10);
    let routed = w.call(&gb, Retry::Idempotent);
    assert_eq!(routed.result.as_deref(), Ok("http://eu"));
    assert!(
        w.readyz.probed.borrow().is_empty(),
        "one probe per interval"
    );
}

#[test]
fn a_retry_needs_deadline_left() {
    let config = RoutingConfig {
        deadline_ms: 1_000,
        ..RoutingConfig::default()
    };
    let w = World::new(THREE, config);
    // An instant failure leaves time to retry.
    w.set("http://uk", Does::Down);
    assert!(
        w.call(&only(&["uk", "eu"]), Retry::Idempotent)
            .result
            .is_ok()
    );
    assert_eq!(w.calls(), ["http://uk", "http://eu"]);
    // A failure at the end of the deadline does not.
    w.set("http://uk", Does::SlowDown(980));
    let routed = w.call(&only(&["uk", "eu"]), Retry::Idempotent);
    assert_eq!(routed.result.expect_err("out of time").status, 503);
    assert_eq!(w.calls(), ["http://uk"]);
}
