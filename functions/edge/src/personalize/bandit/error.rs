//! Why a bandit recompute, configuration or stored state is refused.

use crate::http::response::Refusal;

/// Every refusal of the bandit, each with its HTTP status and machine code
/// ([`BanditError::refusal`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BanditError {
    #[error("an experiment needs at least one arm")]
    NoArms,
    #[error("{field} is not a finite number")]
    NotFinite { field: &'static str },
    #[error("{field} must be greater than 0, got {value}")]
    PriorNotPositive { field: &'static str, value: f64 },
    #[error("exploration_floor must lie in [0, 1), got {floor}")]
    FloorOutOfRange { floor: f64 },
    #[error("exploration_floor {floor} times {arms} arms exceeds all of the traffic")]
    FloorTooLarge { floor: f64, arms: usize },
    #[error("promote_at must lie in (0.5, 1], got {promote_at}")]
    PromoteAtOutOfRange { promote_at: f64 },
    #[error("draws must lie in 1..={max}, got {draws}")]
    DrawsOutOfRange { draws: u32, max: u32 },
    #[error("metric must be 1 to 64 characters of [a-z0-9._-], got {metric:?}")]
    MetricInvalid { metric: String },
    #[error("arm {arm}: {conversions} conversions exceed {exposures} exposures")]
    ConversionsExceedExposures {
        arm: usize,
        exposures: u64,
        conversions: u64,
    },
    #[error("experiment id must be 1 to 64 characters of [a-z0-9_-], got {id:?}")]
    ExperimentInvalid { id: String },
    #[error("market must be two letters A-Z, got {market:?}")]
    MarketInvalid { market: String },
    #[error("the previous state is for {found}, not {expected}")]
    StateMismatch { expected: String, found: String },
    #[error("the previous state has {previous} arms, the counts {now}")]
    ArmsChanged { previous: usize, now: usize },
    #[error("arm {arm}: counts went down since the previous recompute (they are cumulative)")]
    CountsDecreased { arm: usize },
    #[error("now ({now}) is before the previous update ({previous})")]
    TimeWentBack { now: u64, previous: u64 },
    #[error("stored bandit state is invalid: {reason}")]
    StateInvalid { reason: String },
}

impl BanditError {
    /// The HTTP status, machine code and message this error answers with:
    /// 422 for counts and configuration that cannot be used, 400 for bad
    /// identifiers, 409 for counts that contradict the stored state, 500 for
    /// a stored state that does not decode (the edge's own data).
    pub fn refusal(&self) -> Refusal {
        let (status, code) = match self {
            BanditError::NoArms => (422, "bandit-no-arms"),
            BanditError::NotFinite { .. } => (422, "bandit-not-finite"),
            BanditError::PriorNotPositive { .. } => (422, "bandit-prior-invalid"),
            BanditError::FloorOutOfRange { .. } => (422, "bandit-floor-out-of-range"),
            BanditError::FloorTooLarge { .. } => (422, "bandit-floor-too-large"),
            BanditError::PromoteAtOutOfRange { .. } => (422, "bandit-promote-at-out-of-range"),
            BanditError::DrawsOutOfRange { .. } => (422, "bandit-draws-out-of-range"),
            BanditError::MetricInvalid { .. } => (422, "bandit-metric-invalid"),
            BanditError::ConversionsExceedExposures { .. } => {
                (422, "bandit-conversions-exceed-exposures")
            }
            BanditError::ExperimentInvalid { .. } => (400, "bandit-experiment-invalid"),
            BanditError::MarketInvalid { .. } => (400, "bandit-market-invalid"),
            BanditError::StateMismatch { .. } => (409, "bandit-state-mismatch"),
            BanditError::ArmsChanged { .. } => (409, "bandit-arms-changed"),
            BanditError::CountsDecreased { .. } => (409, "bandit-counts-decreased"),
            BanditError::TimeWentBack { .. } => (409, "bandit-time-went-back"),
            BanditError::StateInvalid { .. } => (500, "bandit-state-invalid"),
        };
        Refusal::new(status, code, self.to_string())
    }
}

impl From<BanditError> for Refusal {
    fn from(e: BanditError) -> Refusal {
        e.refusal()
    }
}
