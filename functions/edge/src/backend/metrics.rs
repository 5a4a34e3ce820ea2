//! The breakers' state as OpenMetrics text: every deployed region of every
//! service, its circuit state, consecutive failures, smoothed latency and
//! the reason it last changed, read from the shared records.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

use super::breaker::State;
use super::health::Health;
use super::regions::Deployed;

/// What a scrape is answered with.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Where {
    service: String,
    region: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InState {
    service: String,
    region: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Why {
    service: String,
    region: String,
    reason: String,
}

/// The text for every backend in the index, read through `health`.
pub fn render(health: &Health<'_>) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::default();
    let state = Family::<InState, Gauge>::default();
    let failures = Family::<Where, Gauge>::default();
    let latency = Family::<Where, Gauge<f64, AtomicU64>>::default();
    let reason = Family::<Why, Gauge>::default();
    registry.register(
        "meridian_backend_circuit_state",
        "1 for the state each region's circuit is in (closed, open, half-open)",
        state.clone(),
    );
    registry.register(
        "meridian_backend_consecutive_failures",
        "Failed calls since the region's last success",
        failures.clone(),
    );
    registry.register(
        "meridian_backend_latency_seconds",
        "Smoothed latency of the region's successful calls and probes",
        latency.clone(),
    );
    registry.register(
        "meridian_backend_circuit_reason",
        "Why the region's circuit last changed (1 per region)",
        reason.clone(),
    );
    let indexed = health.indexed();
    let deployed: Vec<Deployed> = indexed
        .iter()
        .map(|i| Deployed {
            region: i.region.clone(),
            url: i.url.clone(),
            weight: 1,
        })
        .collect();
    for (entry, read) in indexed.iter().zip(health.read(&deployed)) {
        let record = read.record;
        let (service, region) = (entry.service.clone(), entry.region.clone());
        let at = Where {
            service: service.clone(),
            region: region.clone(),
        };
        for s in [State::Closed, State::Open, State::HalfOpen] {
            state
                .get_or_create(&InState {
                    service: service.clone(),
                    region: region.clone(),
                    state: s.name().to_owned(),
                })
                .set(i64::from(record.state == s));
        }
        failures
            .get_or_create(&at)
            .set(i64::from(record.consecutive));
        if let Some(us) = record.latency_us {
            latency.get_or_create(&at).set(us as f64 / 1e6);
        }
        if !record.reason.is_empty() {
            reason
                .get_or_create(&Why {
                    service,
                    region,
                    reason: record.reason.clone(),
                })
                .set(1);
        }
    }
    let mut out = String::new();
    encode(&mut out, &registry)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::breaker::Observed;
    use crate::backend::regions::{BreakerConfig, Regional};
    use crate::cache::kv::MemoryKv;

    #[test]
    fn every_region_with_its_state_and_reason() {
        let kv = MemoryKv::default();
        let health = Health::shared(&kv);
        let tryon = Regional::parse("eu=http://eu,uk=http://uk", "try-on backend", "frames", "x")
            .expect("regions");
        let uk = &tryon.deployed()[1..2];
        let failed = Observed::Failed {
            reason: "unreachable (backend-unreachable)".into(),
        };
        for at in 0..3 {
            let read = health.read(uk).remove(0);
            health.observe(
                "http://uk",
                read,
                &failed,
                &BreakerConfig::default(),
                1_000 + at,
            );
        }
        for d in tryon.deployed() {
            health.remember(tryon.service(), d);
            health.remember(tryon.service(), d);
        }
        assert_eq!(health.indexed().len(), 2, "each once");
        let text = render(&health).expect("encodes");
        for line in [
            "meridian_backend_circuit_state{service=\"try-on backend\",region=\"uk\",state=\"open\"} 1",
            "meridian_backend_circuit_state{service=\"try-on backend\",region=\"eu\",state=\"closed\"} 1",
            "meridian_backend_consecutive_failures{service=\"try-on backend\",region=\"uk\"} 3",
            "meridian_backend_circuit_reason{service=\"try-on backend\",region=\"uk\",reason=\"3 consecutive failures: unreachable (backend-unreachable)\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line}\nin\n{text}");
        }
        assert!(text.ends_with("# EOF\n"));
    }
}
