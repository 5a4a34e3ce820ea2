//! Backend health shared through the key-value store (`default`, which
//! never evicts), so every instance and node sees one breaker per backend
//! URL. Records are read in one batch per call and written only when they
//! change, by compare-and-swap so concurrent writers never lose a failure.

use super::breaker::{Observed, Record};
use super::choice::Known;
use super::regions::{BreakerConfig, Deployed};
use crate::cache::kv::Kv;

/// One record per backend URL: services on the same backend share it.
pub fn key(url: &str) -> String {
    format!("backend-health/{url}")
}

/// Every backend a router has called, for metrics (Spin's key-value API
/// cannot list keys by prefix).
pub const INDEX_KEY: &str = "backend-health/index";

/// One entry of the index.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Indexed {
    pub service: String,
    pub region: String,
    pub url: String,
}

/// A region's record as read, with its bytes for compare-and-swap.
#[derive(Debug, Clone, Default)]
pub struct Read {
    pub bytes: Option<Vec<u8>>,
    pub record: Record,
}

impl Read {
    pub fn known(&self, config: &BreakerConfig, now_ms: u64) -> Known {
        Known {
            view: self.record.view(config, now_ms),
            latency_us: self.record.latency_us,
        }
    }
}

/// The store's view of a service's regions. Without a store (a component
/// without one, a store that failed) every region is healthy and nothing
/// is shared: routing still works, only without memory.
pub struct Health<'a> {
    kv: Option<&'a dyn Kv>,
}

/// Tries of one compare-and-swap before the update is dropped (the
/// breaker then counts one event fewer, never a wrong one).
const CAS_TRIES: usize = 4;

impl<'a> Health<'a> {
    pub fn shared(kv: &'a dyn Kv) -> Health<'a> {
        Health { kv: Some(kv) }
    }

    pub fn none() -> Health<'static> {
        Health { kv: None }
    }

    /// Every deployed region's record, in order; unreadable ones are fresh.
    pub fn read(&self, deployed: &[Deployed]) -> Vec<Read> {
        let Some(kv) = self.kv else {
            return vec![Read::default(); deployed.len()];
        };
        let keys: Vec<String> = deployed.iter().map(|d| key(&d.url)).collect();
        let values = kv
            .get_many(&keys)
            .unwrap_or_else(|_| vec![None; keys.len()]);
        values.into_iter().map(parse).collect()
    }

    /// Applies `change` to `url`'s record; writes when it says so. Returns
    /// whether `change` applied and was stored (a lost race is retried on
    /// the record as it is now).
    pub fn update(
        &self,
        url: &str,
        mut read: Read,
        mut change: impl FnMut(&mut Record) -> bool,
    ) -> bool {
        let Some(kv) = self.kv else {
            return change(&mut read.record);
        };
        let key = key(url);
        for _ in 0..CAS_TRIES {
            let mut record = read.record.clone();
            if !change(&mut record) {
                return false;
            }
            let Ok(bytes) = serde_json::to_vec(&record) else {
                return false;
            };
            match kv.swap_if(&key, read.bytes.as_deref(), &bytes) {
                Ok(true) => return true,
                Ok(false) => match kv.get(&key) {
                    Ok(now) => read = parse(now),
                    Err(_) => return false,
                },
                Err(_) => return false,
            }
        }
        false
    }

    /// Adds a backend to the index once (compare-and-swap on the list).
    pub fn remember(&self, service: &str, deployed: &Deployed) {
        let Some(kv) = self.kv else {
            return;
        };
        let entry = Indexed {
            service: service.to_owned(),
            region: deployed.region.clone(),
            url: deployed.url.clone(),
        };
        for _ in 0..CAS_TRIES {
            let Ok(bytes) = kv.get(INDEX_KEY) else {
                return;
            };
            let mut list: Vec<Indexed> = bytes
                .as_deref()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or_default();
            if list.contains(&entry) {
                return;
            }
            list.push(entry.clone());
            let Ok(new) = serde_json::to_vec(&list) else {
                return;
            };
            if !matches!(kv.swap_if(INDEX_KEY, bytes.as_deref(), &new), Ok(false)) {
                return;
            }
        }
    }

    /// The index, in the order backends were first called.
    pub fn indexed(&self) -> Vec<Indexed> {
        self.kv
            .and_then(|kv| kv.get(INDEX_KEY).ok().flatten())
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Records one attempt's outcome.
    pub fn observe(
        &self,
        url: &str,
        read: Read,
        observed: &Observed,
        config: &BreakerConfig,
        now_ms: u64,
    ) {
        self.update(url, read, |r| r.observe(observed, config, now_ms));
    }
}

fn parse(bytes: Option<Vec<u8>>) -> Read {
    let record = bytes
        .as_deref()
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or_default();
    Read { bytes, record }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::breaker::State;
    use crate::cache::kv::MemoryKv;

    fn deployed(url: &str) -> Deployed {
        Deployed {
            region: "eu".into(),
            url: url.into(),
            weight: 1,
        }
    }

    #[test]
    fn failures_are_shared_and_never_lost_to_a_race() {
        let kv = MemoryKv::default();
        let health = Health::shared(&kv);
        let config = BreakerConfig::default();
        let eu = [deployed("http://eu")];
        let failed = Observed::Failed {
            reason: "unreachable".into(),
        };
        // Two instances read the same record, then both fail.
        let first = health.read(&eu).remove(0);
        let second = health.read(&eu).remove(0);
        health.observe("http://eu", first, &failed, &config, 1_000);
        health.observe("http://eu", second, &failed, &config, 1_001);
        let record = &health.read(&eu)[0].record;
        assert_eq!(record.consecutive, 2, "the second write re-read the first");
        let third = health.read(&eu).remove(0);
        health.observe("http://eu", third, &failed, &config, 1_002);
        assert_eq!(health.read(&eu)[0].record.state, State::Open);
    }

    #[test]
    fn one_instance_wins_the_probe() {
        let kv = MemoryKv::default();
        let health = Health::shared(&kv);
        let eu = [deployed("http://eu")];
        let a = health.read(&eu).remove(0);
        let b = health.read(&eu).remove(0);
        let claim = |r: &mut Record| {
            if r.state == State::HalfOpen {
                return false;
            }
            r.claim_probe(5_000);
            true
        };
        assert!(health.update("http://eu", a, claim));
        assert!(!health.update("http://eu", b, claim), "already claimed");
    }

    #[test]
    fn without_a_store_everything_is_healthy() {
        let health = Health::none();
        let read = health.read(&[deployed("http://eu")]);
        assert_eq!(read[0].record, Record::default());
    }
}
