//! One router for every backend call: the candidate regions (the
//! residency decision's, or every deployed one for calls without personal
//! data), nearest healthy first, one retry on the next allowed region
//! within the call's deadline, and breakers shared through the store.
//! Nothing ever goes to a region outside the candidate set: that set is
//! computed once, before any health or latency is consulted.

use std::future::Future;

use super::breaker::{Observed, View};
use super::choice::{Skip, choose};
use super::health::{Health, Read};
use super::regions::{Deployed, Regional, RoutingConfig};
use super::{BackendClient, OutboundRequest, Transport};
use crate::http::response::{Refusal, Response};
use crate::policy::{Decision, Regions};

/// Where a call's data may go, and the law behind it for messages.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub regions: &'a Regions,
    /// The market and residency reason code, named in refusals.
    pub market: &'a str,
    pub reason: &'a str,
}

static ANY: Regions = Regions::Any;

impl<'a> Scope<'a> {
    /// The residency decision's regions.
    pub fn of(decision: &'a Decision) -> Scope<'a> {
        Scope {
            regions: &decision.residency.regions,
            market: &decision.market,
            reason: decision.residency.reason.code,
        }
    }

    /// A call without personal data: any deployed region.
    pub fn anywhere() -> Scope<'static> {
        Scope {
            regions: &ANY,
            market: "",
            reason: "",
        }
    }
}

/// Whether a failed call may be sent again to the next region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// The call has no effects beyond its answer (renditions, try-on,
    /// copy): retried once on a connect failure, timeout or 5xx.
    Idempotent,
    /// The call stores something (event batches): never sent twice.
    Never,
}

/// One step of a call's route, for `Server-Timing`.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub region: String,
    /// `ok`, `answered 404`, `unreachable`, `circuit open`, ...
    pub what: String,
    pub dur_ms: Option<f64>,
}

/// How a call was routed: the region that answered and every step.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trail {
    pub served_by: Option<String>,
    pub steps: Vec<Step>,
}

impl Trail {
    /// `Server-Timing: backend-<region>;desc="...";dur=...` per step and
    /// `meridian-region` for the region that answered.
    pub fn stamp(&self, mut response: Response) -> Response {
        if let Some(region) = &self.served_by
            && response.get(REGION_HEADER).is_none()
        {
            response = response.header(REGION_HEADER, region.clone());
        }
        if !self.steps.is_empty() {
            response = response.header("server-timing", self.server_timing());
        }
        response
    }

    pub fn server_timing(&self) -> String {
        self.steps
            .iter()
            .map(|s| {
                let mut entry = format!("backend-{};desc=\"{}\"", s.region, s.what);
                if let Some(dur) = s.dur_ms {
                    entry.push_str(&format!(";dur={dur:.1}"));
                }
                entry
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The region that answered a backend call.
pub const REGION_HEADER: &str = "meridian-region";

/// A call's answer and its route.
#[derive(Debug)]
pub struct Routed<R> {
    pub result: Result<R, Refusal>,
    pub trail: Trail,
}

/// A service's router for one request: cheap to build, borrowing the
/// instance's configuration and the request's store.
pub struct Router<'a, T> {
    pub regional: &'a Regional,
    pub config: &'a RoutingConfig,
    pub health: Health<'a>,
    pub transport: T,
    pub signing_key: &'a str,
    /// Unix milliseconds.
    pub clock_ms: &'a dyn Fn() -> u64,
    /// Random per call: splits ties by weight.
    pub draw: u64,
}

/// How an attempt's refusal counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// The backend never answered: connect failure, timeout.
    Unreachable,
    /// The backend failed, or refused the edge itself (signature, region).
    Backend,
    /// The request's own fault, answered by a healthy backend.
    Request,
}

fn fault(refusal: &Refusal) -> Fault {
    match refusal.code.as_str() {
        "backend-unreachable" => Fault::Unreachable,
        "backend-error" | "backend-auth-failed" | "region-mismatch" | "collector-error" => {
            Fault::Backend
        }
        _ => Fault::Request,
    }
}

/// Attempts per call: the first and one retry.
const ATTEMPTS: usize = 2;
/// A retry needs at least this much of the deadline left.
const MIN_ATTEMPT_MS: u64 = 50;

impl<'a, T: Transport + Clone> Router<'a, T> {
    pub fn new(
        regional: &'a Regional,
        config: &'a RoutingConfig,
        health: Health<'a>,
        transport: T,
        signing_key: &'a str,
        clock_ms: &'a dyn Fn() -> u64,
    ) -> Router<'a, T> {
        let mut draw = [0u8; 8];
        // Without randomness ties go to the first region: still correct.
        let _ = getrandom::fill(&mut draw);
        Router {
            regional,
            config,
            health,
            transport,
            signing_key,
            clock_ms,
            draw: u64::from_le_bytes(draw),
        }
    }

    /// Routes one call: `attempt` makes it through the client it is given
    /// (pointed at the region, signing for it, with the attempt's
    /// timeout; the call adds what else it sends, such as variants).
    pub async fn call<R, F, Fut>(&self, scope: Scope<'_>, retry: Retry, attempt: F) -> Routed<R>
    where
        F: Fn(BackendClient<T>) -> Fut,
        Fut: Future<Output = Result<R, Refusal>>,
    {
        let start = (self.clock_ms)();
        let deadline = start + self.config.deadline_ms;
        let breaker = &self.config.breaker;
        let deployed = self.regional.deployed();
        let mut reads = self.health.read(deployed);
        let mut trail = Trail::default();
        if self.config.latency_aware {
            self.refresh_latencies(scope.regions, &mut reads, start)
                .await;
        }
        let known: Vec<_> = reads.iter().map(|r| r.known(breaker, start)).collect();
        let choice = choose(self.regional, scope.regions, self.config, &known, self.draw);
        if choice.order.is_empty() && !choice.skipped.iter().any(|(_, s)| s != &Skip::NotAllowed) {
            return Routed {
                result: Err(self.none_deployed(scope)),
                trail,
            };
        }
        for (i, skip) in &choice.skipped {
            if let Skip::Open { .. } = skip {
                trail.steps.push(Step {
                    region: deployed[*i].region.clone(),
                    what: "circuit open".into(),
                    dur_ms: None,
                });
            }
        }
        let mut last: Option<Refusal> = None;
        let mut attempts = 0;
        for &i in &choice.order {
            let now = (self.clock_ms)();
            if attempts == ATTEMPTS || now + MIN_ATTEMPT_MS > deadline {
                break;
            }
            let region = &deployed[i];
            if known[i].view == View::ProbeDue && !self.probe(region, &reads[i], &mut trail).await {
                continue;
            }
            attempts += 1;
            let timeout = self.config.attempt_timeout_ms.min(deadline - now);
            let client = BackendClient::new(&region.url, self.signing_key, self.transport.clone())
                .in_region(&region.region)
                .with_timeout(timeout);
            let result = attempt(client).await;
            let end = (self.clock_ms)();
            let dur_ms = end.saturating_sub(now) as f64;
            // Re-read: a probe above may have changed it.
            let read = self.health.read(std::slice::from_ref(region)).remove(0);
            if read.bytes.is_none() {
                self.health.remember(self.regional.service(), region);
            }
            let (observed, what, retryable) = match &result {
                Ok(_) => (answered(now, end), "ok".to_owned(), false),
                Err(r) => match fault(r) {
                    Fault::Request => (answered(now, end), format!("answered {}", r.status), false),
                    f => {
                        let why = if f == Fault::Unreachable {
                            "unreachable"
                        } else {
                            "failed"
                        };
                        let observed = Observed::Failed {
                            reason: format!("{why} ({})", r.code),
                        };
                        (observed, why.to_owned(), retry == Retry::Idempotent)
                    }
                },
            };
            self.health
                .observe(&region.url, read, &observed, breaker, end);
            trail.steps.push(Step {
                region: region.region.clone(),
                what,
                dur_ms: Some(dur_ms),
            });
            match result {
                Err(refusal) if retryable => last = Some(refusal),
                result => {
                    if result.is_ok() || matches!(observed, Observed::Answered { .. }) {
                        trail.served_by = Some(region.region.clone());
                    }
                    return Routed { result, trail };
                }
            }
        }
        let result = Err(self.unavailable(scope, &choice.skipped, last, start));
        Routed { result, trail }
    }

    /// The half-open probe of a cooled-down region: one instance claims it
    /// and asks `/readyz`; ready, the region takes this call as its trial.
    async fn probe(&self, region: &Deployed, read: &Read, trail: &mut Trail) -> bool {
        let breaker = &self.config.breaker;
        let now = (self.clock_ms)();
        let claimed = self.health.update(&region.url, read.clone(), |r| {
            if r.view(breaker, now) != View::ProbeDue {
                return false;
            }
            r.claim_probe(now);
            true
        });
        if !claimed {
            trail.steps.push(Step {
                region: region.region.clone(),
                what: "probing elsewhere".into(),
                dur_ms: None,
            });
            return false;
        }
        let ready = self.ready(region).await;
        let end = (self.clock_ms)();
        let read = self.health.read(std::slice::from_ref(region)).remove(0);
        match ready {
            Ok(()) => {
                // Stays half-open until the trial call reports.
                let latency_us = end.saturating_sub(now) * 1000;
                self.health.update(&region.url, read, |r| {
                    r.latency_us = Some(latency_us);
                    r.measured_ms = end;
                    true
                });
                true
            }
            Err(why) => {
                let observed = Observed::Failed {
                    reason: format!("readyz: {why}"),
                };
                self.health
                    .observe(&region.url, read, &observed, breaker, end);
                trail.steps.push(Step {
                    region: region.region.clone(),
                    what: "probe failed".into(),
                    dur_ms: Some(end.saturating_sub(now) as f64),
                });
                false
            }
        }
    }

    /// Latency-aware routing measures candidates nobody called lately:
    /// `/readyz` of each, concurrently, at most once per probe interval
    /// across every instance (a lease in the record).
    async fn refresh_latencies(&self, allowed: &Regions, reads: &mut [Read], now: u64) {
        let breaker = &self.config.breaker;
        let deployed = self.regional.deployed();
        let mut due = Vec::new();
        for (i, region) in deployed.iter().enumerate() {
            if !allowed.allows(&region.region) {
                continue;
            }
            let mut claimed = false;
            self.health.update(&region.url, reads[i].clone(), |r| {
                claimed = r.claim_latency_probe(breaker, now);
                claimed
            });
            if claimed {
                due.push(i);
            }
        }
        if due.is_empty() {
            return;
        }
        let probes = due.iter().map(|&i| async move {
            let started = (self.clock_ms)();
            let ready = self.ready(&deployed[i]).await;
            (i, ready, (self.clock_ms)().saturating_sub(started))
        });
        for (i, ready, took_ms) in futures_util::future::join_all(probes).await {
            let region = &deployed[i];
            let read = self.health.read(std::slice::from_ref(region)).remove(0);
            let observed = match ready {
                Ok(()) => Observed::Answered {
                    latency_us: took_ms * 1000,
                },
                Err(why) => Observed::Failed {
                    reason: format!("readyz: {why}"),
                },
            };
            let end = (self.clock_ms)();
            let mut record = read.record.clone();
            record.observe(&observed, breaker, end);
            self.health
                .observe(&region.url, read, &observed, breaker, end);
            reads[i].record = record;
        }
    }

    async fn ready(&self, region: &Deployed) -> Result<(), String> {
        let request = OutboundRequest {
            method: "GET",
            url: format!("{}/readyz", region.url),
            headers: Vec::new(),
            body: Vec::new(),
            timeout_ms: Some(self.config.breaker.probe_timeout_ms),
        };
        match self.transport.send(request).await {
            Ok(reply) if reply.status == 200 => Ok(()),
            Ok(reply) => Err(format!("answered {}", reply.status)),
            Err(e) => Err(e.to_string()),
        }
    }

    /// No region of the candidate set is deployed at all: 451, the law
    /// keeps the data where no backend runs.
    pub fn none_deployed(&self, scope: Scope<'_>) -> Refusal {
        Refusal::new(
            451,
            "residency-no-region",
            format!(
                "{} from {} may only be processed in {} ({}); no {} is deployed there (deployed: {})",
                self.regional.payload(),
                scope.market,
                serde_json::to_string(scope.regions).unwrap_or_default(),
                scope.reason,
                self.regional.service(),
                self.regional.names().join(", "),
            ),
        )
    }

    /// Every candidate is open or failed: 503, with `Retry-After` when the
    /// first circuit closes to a probe. For personal data the message says
    /// it is the law, not a preference, that keeps the call in its regions.
    fn unavailable(
        &self,
        scope: Scope<'_>,
        skipped: &[(usize, Skip)],
        last: Option<Refusal>,
        now: u64,
    ) -> Refusal {
        let deployed = self.regional.deployed();
        let mut why: Vec<String> = skipped
            .iter()
            .filter_map(|(i, s)| match s {
                Skip::Open { reason, .. } => {
                    Some(format!("{}: circuit open ({reason})", deployed[*i].region))
                }
                Skip::NotAllowed => None,
            })
            .collect();
        if let Some(last) = &last {
            why.push(format!("last attempt: {}", last.message));
        }
        let retry_after_s = skipped
            .iter()
            .filter_map(|(_, s)| match s {
                Skip::Open { until_ms, .. } => Some(until_ms.saturating_sub(now).div_ceil(1000)),
                Skip::NotAllowed => None,
            })
            .min()
            .unwrap_or(self.config.breaker.cooldown_s)
            .max(1);
        let refusal = match scope.regions {
            Regions::Only(list) => Refusal::new(
                503,
                "residency-regions-unavailable",
                format!(
                    "{} from {} may only be processed in {} ({}): the law, not a preference, keeps them there, and no {} there is available now ({}); nothing was sent elsewhere",
                    self.regional.payload(),
                    scope.market,
                    list.join(", "),
                    scope.reason,
                    self.regional.service(),
                    why.join("; "),
                ),
            ),
            Regions::Any => Refusal::new(
                503,
                "backend-unavailable",
                format!(
                    "no {} region is available now ({})",
                    self.regional.service(),
                    why.join("; ")
                ),
            ),
        };
        refusal.retry_after(retry_after_s)
    }
}

fn answered(start: u64, end: u64) -> Observed {
    Observed::Answered {
        latency_us: end.saturating_sub(start) * 1000,
    }
}

#[cfg(test)]
mod tests;
