//! The bandit job: the edge's experiment definitions in, the counts of
//! this collector's store, `meridian_edge::personalize::bandit::recompute`,
//! and each market's new state published back to the edge.
//!
//! Per run: `GET <edge>/v1/admin/experiments`; for every experiment with a
//! `bandit` config, its arms are the variations of the rule keyed by the
//! experiment in its feature (`meta[i].key`, else the index, which is what
//! exposures carry as `variant`); the counts per market come from the
//! store, in arm order (an arm without events counts 0 / 0); the previous
//! states from `GET <edge>/v1/experiments/<id>`; each market with events
//! gets `PUT <edge>/v1/admin/experiments/<id>/bandit/<market>`. A failure
//! of one experiment or market is reported and the run goes on.
//!
//! Everything here blocks (HTTP with `ureq`, SQLite): [`schedule`] runs it
//! on the blocking pool, off the threads that serve ingest.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use meridian_edge::personalize::bandit::{
    ArmCounts, BanditConfig, BanditError, BanditState, ExperimentId, MarketCode, recompute,
};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::config::BanditJobConfig;
use crate::store::{Store, StoreError};
use crate::wire::ConversionMetric;

/// The definitions' `schema` this job reads.
pub const EXPERIMENTS_SCHEMA: &str = "meridian.experiments/1";

/// Most bytes read of one answer: definitions of many experiments fit; a
/// runaway answer does not fill memory.
const MAX_ANSWER_BYTES: u64 = 8 * 1024 * 1024;
/// Most bytes of a refusal quoted in an error.
const MAX_QUOTED_BYTES: usize = 300;

/// Why a run, an experiment or a market failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("{method} {url}: {reason}")]
    Transport {
        method: &'static str,
        url: String,
        reason: String,
    },
    #[error("{method} {url} answered {status}: {body}")]
    Status {
        method: &'static str,
        url: String,
        status: u16,
        body: String,
    },
    #[error("{url}: the answer is not the edge's contract: {reason}")]
    Answer { url: String, reason: String },
    #[error("the definitions' schema is `{found}`; this job reads `{EXPERIMENTS_SCHEMA}`")]
    Schema { found: String },
    #[error("experiment `{experiment}`: {reason}")]
    Experiment { experiment: String, reason: String },
    #[error("experiment `{experiment}` in {market}: {source}")]
    Bandit {
        experiment: String,
        market: String,
        #[source]
        source: BanditError,
    },
    #[error("experiment `{experiment}`: {source}")]
    Store {
        experiment: String,
        #[source]
        source: StoreError,
    },
}

/// One state the run published, with the arms' variant keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    pub arms: Vec<String>,
    pub state: BanditState,
}

impl Published {
    /// `hero DE weights=control:0.0500,bold:0.9500 promoted=-`: what
    /// `bandit-once` prints.
    pub fn line(&self) -> String {
        let weights: Vec<String> = self
            .arms
            .iter()
            .zip(&self.state.weights)
            .map(|(arm, w)| format!("{arm}:{w:.4}"))
            .collect();
        let promoted = self
            .state
            .promoted
            .as_ref()
            .map_or("-", |p| self.arms.get(p.arm).map_or("?", String::as_str));
        format!(
            "{} {} weights={} promoted={promoted}",
            self.state.experiment,
            self.state.market,
            weights.join(",")
        )
    }
}

/// What one run did.
#[derive(Debug, Default)]
pub struct Run {
    pub published: Vec<Published>,
    /// Experiments and markets that failed; the rest went on.
    pub failures: Vec<JobError>,
}

/// `GET /v1/admin/experiments`.
#[derive(Deserialize)]
struct DefinitionsAnswer {
    definitions: Definitions,
}

#[derive(Deserialize)]
struct Definitions {
    schema: String,
    /// GrowthBook features, read only where an experiment points: one odd
    /// feature does not stop the others.
    #[serde(default)]
    features: serde_json::Map<String, Value>,
    #[serde(default)]
    experiments: BTreeMap<String, ExperimentDefinition>,
}

#[derive(Deserialize)]
struct ExperimentDefinition {
    feature: String,
    metric: String,
    #[serde(default)]
    bandit: Option<BanditConfig>,
}

/// `GET /v1/experiments/<id>`.
#[derive(Deserialize)]
struct ExperimentAnswer {
    arms: Vec<String>,
    #[serde(default)]
    markets: Vec<MarketState>,
}

#[derive(Deserialize)]
struct MarketState {
    market: String,
    state: Value,
}

/// The job, ready to run against one edge and store.
pub struct BanditJob {
    base: String,
    authorization: String,
    agent: ureq::Agent,
    store: Arc<Store>,
}

impl BanditJob {
    pub fn new(config: &BanditJobConfig, store: Arc<Store>) -> BanditJob {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            // The bearer token goes to the configured edge only.
            .redirects(0)
            .user_agent(concat!("meridian-collector/", env!("CARGO_PKG_VERSION")))
            .build();
        BanditJob {
            base: config.edge_url.trim_end_matches('/').to_owned(),
            authorization: format!("Bearer {}", config.admin_token.0),
            agent,
            store,
        }
    }

    /// One run at `now` (unix seconds). `Err` when the definitions cannot
    /// be read; per-experiment and per-market failures are in
    /// [`Run::failures`], each already logged.
    pub fn run_once(&self, now: u64) -> Result<Run, JobError> {
        let url = format!("{}/v1/admin/experiments", self.base);
        let answer: DefinitionsAnswer = decode(&url, self.get(&url)?)?;
        let definitions = answer.definitions;
        if definitions.schema != EXPERIMENTS_SCHEMA {
            return Err(JobError::Schema {
                found: definitions.schema.escape_default().take(64).collect(),
            });
        }
        let mut run = Run::default();
        for (id, experiment) in &definitions.experiments {
            let Some(config) = &experiment.bandit else {
                continue;
            };
            if let Err(e) =
                self.experiment(id, experiment, config, &definitions.features, now, &mut run)
            {
                tracing::warn!(experiment = %id, error = %e, "bandit job: experiment skipped");
                run.failures.push(e);
            }
        }
        Ok(run)
    }

    /// Recomputes and publishes one experiment's markets into `run`.
    fn experiment(
        &self,
        id: &str,
        definition: &ExperimentDefinition,
        config: &BanditConfig,
        features: &serde_json::Map<String, Value>,
        now: u64,
        run: &mut Run,
    ) -> Result<(), JobError> {
        let failed = |reason: String| JobError::Experiment {
            experiment: id.escape_default().take(64).collect(),
            reason,
        };
        let experiment = ExperimentId::parse(id).map_err(|e| failed(e.to_string()))?;
        let metric = ConversionMetric::parse(&definition.metric).ok_or_else(|| {
            failed(format!(
                "metric `{}` is not one the collector counts (purchase, add-to-cart, click, view)",
                definition
                    .metric
                    .escape_default()
                    .take(64)
                    .collect::<String>()
            ))
        })?;
        // The state records what was counted, which is the experiment's
        // metric whatever the bandit section says.
        let mut config = config.clone();
        if config.metric != definition.metric {
            tracing::warn!(
                experiment = %id,
                bandit_metric = %config.metric,
                metric = %definition.metric,
                "bandit job: the bandit's metric differs from the experiment's; counting the experiment's"
            );
            config.metric = definition.metric.clone();
        }
        let arms = arms_of(features, &definition.feature, id).map_err(failed)?;
        let rows = self
            .store
            .counts(id, metric)
            .map_err(|source| JobError::Store {
                experiment: id.to_owned(),
                source,
            })?
            .counts;
        let markets = by_market(&arms, &rows);
        if markets.is_empty() {
            return Ok(());
        }

        let url = format!("{}/v1/experiments/{experiment}", self.base);
        let answer: ExperimentAnswer = decode(&url, self.get(&url)?)?;
        // Both come from the edge's definitions; differing, they were read
        // across a change, and the weights would go to the wrong arms.
        if answer.arms != arms {
            return Err(failed(format!(
                "the edge's arms {:?} differ from the definitions' {arms:?}: definitions changed mid-run",
                answer.arms
            )));
        }
        let mut previous = BTreeMap::new();
        for m in answer.markets {
            let state = BanditState::deserialize(&m.state)
                .map_err(|e| e.to_string())
                .and_then(|s| s.validate().map(|()| s).map_err(|e| e.to_string()))
                .map_err(|e| JobError::Answer {
                    url: url.clone(),
                    reason: format!("the state of {}: {e}", m.market.escape_default()),
                })?;
            previous.insert(m.market, state);
        }

        for (market, counts) in markets {
            let published = MarketCode::parse(&market)
                .map_err(|source| JobError::Bandit {
                    experiment: id.to_owned(),
                    market: market.escape_default().take(16).collect(),
                    source,
                })
                .and_then(|code| {
                    self.publish(
                        &config,
                        &experiment,
                        &code,
                        &counts,
                        previous.get(&market),
                        now,
                    )
                });
            match published {
                Ok(state) => run.published.push(Published {
                    arms: arms.clone(),
                    state,
                }),
                Err(e) => {
                    tracing::warn!(experiment = %id, market = %market, error = %e, "bandit job: market skipped");
                    run.failures.push(e);
                }
            }
        }
        Ok(())
    }

    fn publish(
        &self,
        config: &BanditConfig,
        experiment: &ExperimentId,
        market: &MarketCode,
        counts: &[ArmCounts],
        previous: Option<&BanditState>,
        now: u64,
    ) -> Result<BanditState, JobError> {
        let bandit = |source| JobError::Bandit {
            experiment: experiment.to_string(),
            market: market.to_string(),
            source,
        };
        let state = recompute(
            config,
            experiment,
            market,
            counts,
            previous,
            now,
            seed(experiment, market, now),
        )
        .map_err(bandit)?;
        let body = state.to_json().map_err(bandit)?;
        let url = format!(
            "{}/v1/admin/experiments/{experiment}/bandit/{market}",
            self.base
        );
        let request = self
            .agent
            .put(&url)
            .set("authorization", &self.authorization)
            .set("content-type", "application/json");
        answer("PUT", &url, request.send_bytes(&body))?;
        tracing::info!(
            experiment = %experiment,
            market = %market,
            version = state.version,
            weights = ?state.weights,
            promoted = state.promoted.as_ref().map(|p| p.arm),
            "bandit job: published"
        );
        Ok(state)
    }

    fn get(&self, url: &str) -> Result<ureq::Response, JobError> {
        let request = self
            .agent
            .get(url)
            .set("authorization", &self.authorization)
            .set("accept", "application/json");
        answer("GET", url, request.call())
    }
}

/// A 2xx answer, or the error naming the call and the edge's refusal.
fn answer(
    method: &'static str,
    url: &str,
    result: Result<ureq::Response, ureq::Error>,
) -> Result<ureq::Response, JobError> {
    match result {
        Ok(r) if (200..300).contains(&r.status()) => Ok(r),
        Ok(r) | Err(ureq::Error::Status(_, r)) => {
            let status = r.status();
            let mut quoted = Vec::new();
            // The refusal's first bytes say why; best effort.
            let _ = r
                .into_reader()
                .take(MAX_QUOTED_BYTES as u64)
                .read_to_end(&mut quoted);
            Err(JobError::Status {
                method,
                url: url.to_owned(),
                status,
                body: String::from_utf8_lossy(&quoted).escape_default().collect(),
            })
        }
        Err(ureq::Error::Transport(t)) => Err(JobError::Transport {
            method,
            url: url.to_owned(),
            reason: t.to_string(),
        }),
    }
}

fn decode<T: serde::de::DeserializeOwned>(
    url: &str,
    response: ureq::Response,
) -> Result<T, JobError> {
    let mut body = Vec::new();
    response
        .into_reader()
        .take(MAX_ANSWER_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(|e| JobError::Transport {
            method: "GET",
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
    if body.len() as u64 > MAX_ANSWER_BYTES {
        return Err(JobError::Answer {
            url: url.to_owned(),
            reason: format!("over {MAX_ANSWER_BYTES} bytes"),
        });
    }
    serde_json::from_slice(&body).map_err(|e| JobError::Answer {
        url: url.to_owned(),
        reason: e.to_string(),
    })
}

/// The arms of experiment `id`: the variations of the rule with
/// `"key": id` in `features[feature].rules`, in order, each named by
/// `meta[i].key` or else its index (what the edge puts in an exposure's
/// `variant`).
fn arms_of(
    features: &serde_json::Map<String, Value>,
    feature: &str,
    id: &str,
) -> Result<Vec<String>, String> {
    let rules = features
        .get(feature)
        .ok_or_else(|| format!("its feature `{}` is not defined", feature.escape_default()))?
        .get("rules")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let rule = rules
        .iter()
        .find(|r| r.get("key").and_then(Value::as_str) == Some(id))
        .ok_or_else(|| {
            format!(
                "no rule of feature `{}` has key `{id}`",
                feature.escape_default()
            )
        })?;
    let variations = rule
        .get("variations")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if variations == 0 {
        return Err("its rule has no variations".to_owned());
    }
    let meta = rule.get("meta").and_then(Value::as_array);
    Ok((0..variations)
        .map(|i| {
            meta.and_then(|m| m.get(i))
                .and_then(|m| m.get("key"))
                .and_then(Value::as_str)
                .map_or_else(|| i.to_string(), str::to_owned)
        })
        .collect())
}

/// The counts per market in arm order, for markets where some arm has
/// exposures; variants that are not arms (renamed, removed) are left out.
fn by_market(
    arms: &[String],
    rows: &[crate::wire::VariantCounts],
) -> BTreeMap<String, Vec<ArmCounts>> {
    let mut markets: BTreeMap<String, Vec<ArmCounts>> = BTreeMap::new();
    for row in rows {
        let Some(arm) = arms.iter().position(|a| *a == row.variant) else {
            tracing::debug!(variant = %row.variant, "bandit job: a variant that is no arm");
            continue;
        };
        let counts = markets
            .entry(row.market.clone())
            .or_insert_with(|| vec![ArmCounts::default(); arms.len()]);
        if let Some(c) = counts.get_mut(arm) {
            *c = ArmCounts::new(row.exposures, row.conversions);
        }
    }
    markets.retain(|_, counts| counts.iter().any(|c| c.exposures > 0));
    markets
}

/// The recompute's seed: fixed for one experiment, market and second, so
/// a rerun reproduces it, and different across them.
fn seed(experiment: &ExperimentId, market: &MarketCode, now: u64) -> u64 {
    let digest = Sha256::new()
        .chain_update(b"meridian-bandit-seed\0")
        .chain_update(experiment.as_str())
        .chain_update(b"\0")
        .chain_update(market.as_str())
        .chain_update(now.to_be_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// Unix seconds now.
pub fn unix_now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Runs the job every `every`, the first time at once, each run on the
/// blocking pool; runs never overlap. Ends when the task is aborted.
pub async fn schedule(job: Arc<BanditJob>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let job = Arc::clone(&job);
        match tokio::task::spawn_blocking(move || job.run_once(unix_now_s())).await {
            Ok(Ok(run)) => tracing::info!(
                published = run.published.len(),
                failed = run.failures.len(),
                "bandit job ran"
            ),
            Ok(Err(e)) => tracing::warn!(error = %e, "bandit job: run failed"),
            Err(e) => tracing::warn!(error = %e, "bandit job: run panicked"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::VariantCounts;

    fn features() -> serde_json::Map<String, Value> {
        let v = serde_json::json!({
            "hero-layout": {"defaultValue": "a", "rules": [
                {"force": "a", "condition": {"country": "DE"}},
                {"key": "hero", "variations": ["a", "b", "c"],
                 "meta": [{"key": "control"}, {"name": "no key"}]}
            ]},
            "empty": {"rules": [{"key": "nothing", "variations": []}]}
        });
        v.as_object().cloned().expect("an object literal")
    }

    #[test]
    fn arms_are_the_rules_variations_by_meta_key_or_index() {
        assert_eq!(
            arms_of(&features(), "hero-layout", "hero"),
            Ok(vec!["control".into(), "1".into(), "2".into()])
        );
        for (feature, id, why) in [
            ("missing", "hero", "not defined"),
            ("hero-layout", "other", "no rule"),
            ("empty", "nothing", "no variations"),
        ] {
            let e = arms_of(&features(), feature, id).expect_err("refused");
            assert!(e.contains(why), "{e}");
        }
    }

    #[test]
    fn counts_go_in_arm_order_and_markets_without_exposures_drop() {
        let row = |market: &str, variant: &str, exposures, conversions| VariantCounts {
            market: market.into(),
            variant: variant.into(),
            exposures,
            conversions,
        };
        let arms = ["original".to_owned(), "bold".to_owned(), "new".to_owned()];
        let rows = [
            row("AT", "retired", 50, 5),
            row("DE", "bold", 40, 30),
            row("DE", "original", 40, 2),
            row("FR", "original", 0, 0),
        ];
        let markets = by_market(&arms, &rows);
        assert_eq!(markets.keys().collect::<Vec<_>>(), ["DE"]);
        assert_eq!(
            markets["DE"],
            [
                ArmCounts::new(40, 2),
                ArmCounts::new(40, 30),
                ArmCounts::new(0, 0)
            ]
        );
    }

    #[test]
    fn seeds_are_stable_and_differ_by_experiment_market_and_time() {
        let e = ExperimentId::parse("hero").expect("id");
        let f = ExperimentId::parse("hero2").expect("id");
        let de = MarketCode::parse("DE").expect("market");
        let at = MarketCode::parse("AT").expect("market");
        let s = seed(&e, &de, 1);
        assert_eq!(s, seed(&e, &de, 1));
        assert_ne!(s, seed(&f, &de, 1));
        assert_ne!(s, seed(&e, &at, 1));
        assert_ne!(s, seed(&e, &de, 2));
    }
}
