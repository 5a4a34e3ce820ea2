//! The circuit breaker of one backend URL: closed, open after consecutive
//! failures or an error rate, half-open while one probe runs. Pure state
//! transitions over the record [`super::health`] shares through the store.

use serde::{Deserialize, Serialize};

use super::regions::BreakerConfig;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    #[default]
    Closed,
    Open,
    HalfOpen,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Closed => "closed",
            State::Open => "open",
            State::HalfOpen => "half-open",
        }
    }
}

/// What every instance and node knows of one backend URL. Times are unix
/// milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Record {
    pub state: State,
    /// Failures since the last success.
    pub consecutive: u32,
    /// The error-rate window: from its first failure, calls and failures.
    pub window_start_ms: u64,
    pub calls: u32,
    pub errors: u32,
    /// When the circuit last opened, and why.
    pub opened_ms: u64,
    pub reason: String,
    /// Smoothed latency of successful calls and probes, microseconds.
    pub latency_us: Option<u64>,
    pub measured_ms: u64,
    /// When a probe last started (a lease: one prober per interval).
    pub probe_ms: u64,
}

/// What a request may do with a region now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    /// Send calls.
    Closed,
    /// Open, cooled down: whoever claims the probe may try it.
    ProbeDue,
    /// Send nothing before `until_ms`.
    Open { until_ms: u64, reason: String },
}

/// How one attempt went, as the breaker counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    /// The backend answered (a refusal of the request's own fault too).
    Answered { latency_us: u64 },
    /// Unreachable, timed out, or a failure of the backend itself.
    Failed { reason: String },
}

/// Weight of a new latency sample in the moving average.
const LATENCY_ALPHA: f64 = 0.3;

impl Record {
    pub fn view(&self, config: &BreakerConfig, now_ms: u64) -> View {
        let cooldown = config.cooldown_s * 1000;
        match self.state {
            State::Closed => View::Closed,
            State::Open if now_ms >= self.opened_ms + cooldown => View::ProbeDue,
            // A probe that never reported back (its instance died) frees
            // the lease after its timeout.
            State::HalfOpen if now_ms >= self.probe_ms + config.probe_timeout_ms * 2 => {
                View::ProbeDue
            }
            State::Open => View::Open {
                until_ms: self.opened_ms + cooldown,
                reason: self.reason.clone(),
            },
            State::HalfOpen => View::Open {
                until_ms: self.probe_ms + config.probe_timeout_ms * 2,
                reason: format!("probing after: {}", self.reason),
            },
        }
    }

    /// Claims the half-open probe; the caller writes it back with
    /// compare-and-swap, so one instance wins.
    pub fn claim_probe(&mut self, now_ms: u64) {
        self.state = State::HalfOpen;
        self.probe_ms = now_ms;
    }

    /// Whether a latency probe is due (latency-aware routing), and claims it.
    pub fn claim_latency_probe(&mut self, config: &BreakerConfig, now_ms: u64) -> bool {
        let interval = config.probe_interval_s * 1000;
        let stale = self.latency_us.is_none() || now_ms >= self.measured_ms + interval;
        let leased = self.probe_ms > 0 && now_ms < self.probe_ms + interval;
        if self.state != State::Closed || !stale || leased {
            return false;
        }
        self.probe_ms = now_ms;
        true
    }

    /// Applies one attempt's outcome. Returns whether the record changed
    /// enough to be written: a healthy region's successes are not written
    /// one by one (only a latency sample at most once a second).
    pub fn observe(&mut self, observed: &Observed, config: &BreakerConfig, now_ms: u64) -> bool {
        let window = config.window_s * 1000;
        if self.errors > 0 && now_ms >= self.window_start_ms + window {
            (self.calls, self.errors) = (0, 0);
        }
        match observed {
            Observed::Answered { latency_us } => {
                let sampled = self.sample(*latency_us, now_ms);
                let changed = self.state != State::Closed || self.consecutive > 0;
                if self.state != State::Closed {
                    self.reason = "recovered".into();
                }
                self.state = State::Closed;
                self.consecutive = 0;
                if self.errors > 0 {
                    self.calls += 1;
                    return true;
                }
                changed || sampled
            }
            Observed::Failed { reason } => {
                if self.errors == 0 {
                    (self.window_start_ms, self.calls) = (now_ms, 0);
                }
                self.calls += 1;
                self.errors += 1;
                self.consecutive += 1;
                let rate = f64::from(self.errors) / f64::from(self.calls.max(1));
                let trip = if self.consecutive >= config.failures {
                    Some(format!(
                        "{} consecutive failures: {reason}",
                        self.consecutive
                    ))
                } else if self.calls >= config.min_calls && rate >= config.error_rate {
                    Some(format!(
                        "{} of {} calls failed in {} s: {reason}",
                        self.errors, self.calls, config.window_s
                    ))
                } else {
                    None
                };
                match (self.state, trip) {
                    // A failed probe opens it again at once.
                    (State::HalfOpen, _) => {
                        self.state = State::Open;
                        self.opened_ms = now_ms;
                        self.reason = format!("probe failed: {reason}");
                    }
                    (_, Some(why)) => {
                        self.state = State::Open;
                        self.opened_ms = now_ms;
                        self.reason = why;
                    }
                    (_, None) => self.reason = reason.clone(),
                }
                true
            }
        }
    }

    /// Folds a latency sample in; true when it is the first in a second
    /// or moves the average by more than a quarter.
    fn sample(&mut self, latency_us: u64, now_ms: u64) -> bool {
        let old = self.latency_us;
        let new = match old {
            None => latency_us,
            Some(old) => {
                (LATENCY_ALPHA * latency_us as f64 + (1.0 - LATENCY_ALPHA) * old as f64) as u64
            }
        };
        self.latency_us = Some(new);
        let due = now_ms >= self.measured_ms + 1000;
        let moved = old.is_none_or(|o| new.abs_diff(o).saturating_mul(4) > o);
        self.measured_ms = now_ms;
        due || moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed() -> Observed {
        Observed::Failed {
            reason: "unreachable".into(),
        }
    }

    fn ok(us: u64) -> Observed {
        Observed::Answered { latency_us: us }
    }

    #[test]
    fn opens_after_consecutive_failures_and_probes_after_cooldown() {
        let c = BreakerConfig::default();
        let mut r = Record::default();
        assert!(r.observe(&failed(), &c, 1_000));
        assert!(r.observe(&failed(), &c, 1_100));
        assert_eq!(r.view(&c, 1_200), View::Closed);
        r.observe(&failed(), &c, 1_200);
        assert_eq!(r.state, State::Open);
        assert_eq!(r.reason, "3 consecutive failures: unreachable");
        assert_eq!(
            r.view(&c, 2_000),
            View::Open {
                until_ms: 6_200,
                reason: r.reason.clone()
            }
        );
        assert_eq!(r.view(&c, 6_200), View::ProbeDue);
        r.claim_probe(6_200);
        assert!(matches!(r.view(&c, 6_300), View::Open { .. }));
        // A prober that vanished frees the lease after twice its timeout.
        assert_eq!(r.view(&c, 6_200 + 4_000), View::ProbeDue);
        // A failed probe opens it again from now.
        r.observe(&failed(), &c, 7_000);
        assert_eq!((r.state, r.opened_ms), (State::Open, 7_000));
        assert!(r.reason.starts_with("probe failed"));
        r.claim_probe(12_000);
        assert!(r.observe(&ok(900), &c, 12_010));
        assert_eq!((r.state, r.consecutive), (State::Closed, 0));
        assert_eq!(r.reason, "recovered");
    }

    #[test]
    fn opens_on_error_rate_without_consecutive_failures() {
        let c = BreakerConfig {
            min_calls: 10,
            ..BreakerConfig::default()
        };
        let mut r = Record::default();
        for i in 0..11 {
            let at = 1_000 + i * 10;
            if i % 2 == 0 {
                r.observe(&failed(), &c, at);
            } else {
                r.observe(&ok(100), &c, at);
            }
        }
        assert_eq!(r.state, State::Open);
        assert!(r.reason.starts_with("6 of 11 calls failed"), "{}", r.reason);
    }

    #[test]
    fn window_resets_and_healthy_successes_are_not_written() {
        let c = BreakerConfig::default();
        let mut r = Record::default();
        assert!(r.observe(&ok(500), &c, 1_000), "first sample");
        assert!(!r.observe(&ok(500), &c, 1_500), "within a second");
        assert!(r.observe(&ok(5_000), &c, 1_600), "a large move");
        r.latency_us = Some(500);
        assert!(r.observe(&ok(1_500), &c, 2_600), "a sample a second");
        assert_eq!(r.latency_us, Some(800));
        r.observe(&failed(), &c, 3_000);
        assert!(r.observe(&ok(500), &c, 3_100), "counted in the window");
        assert_eq!((r.calls, r.errors), (2, 1));
        r.observe(&ok(500), &c, 3_000 + 10_000);
        assert_eq!((r.calls, r.errors), (0, 0), "window over");
    }

    #[test]
    fn latency_probes_are_leased_per_interval() {
        let c = BreakerConfig::default();
        let mut r = Record::default();
        assert!(r.claim_latency_probe(&c, 1_000));
        assert!(!r.claim_latency_probe(&c, 5_000), "leased");
        r.observe(&ok(100), &c, 5_000);
        assert!(!r.claim_latency_probe(&c, 12_000), "measured at 5 s");
        assert!(r.claim_latency_probe(&c, 15_000));
        r.state = State::Open;
        assert!(
            !r.claim_latency_probe(&c, 40_000),
            "open circuits probe by cooldown"
        );
    }
}
