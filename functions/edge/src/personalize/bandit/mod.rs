//! The bandit that promotes experiment winners: Beta–Bernoulli Thompson
//! sampling over per-arm exposures and conversions.
//!
//! The edge never recomputes weights per request. A scheduled job (the
//! regional event collector's, natively) reads each experiment's counts per
//! market and arm, calls [`recompute`] and publishes the [`BanditState`] as
//! JSON under [`BanditState::key`]; a request only decodes it
//! ([`BanditState::from_json`]) and picks an arm ([`BanditState::arm_for`]).
//!
//! - Weights are each arm's posterior probability of being best (Monte
//!   Carlo draws from a seeded xoshiro256**, so a recompute is
//!   reproducible), with an exploration floor per arm.
//! - Below `burn_in_exposures` on any arm, the split stays equal.
//! - An arm whose probability of being best reaches `promote_at` after
//!   burn-in is promoted: it gets all of the traffic on this and every later
//!   recompute, and the state records when and on what evidence.

mod beta;
pub mod config;
mod error;
pub mod ids;
mod recompute;
mod rng;
pub mod simulate;
pub mod state;
mod thompson;

#[cfg(test)]
mod tests;

pub use config::BanditConfig;
pub use error::BanditError;
pub use ids::{ExperimentId, MarketCode};
pub use recompute::recompute;
pub use state::{ArmCounts, BanditState, Promotion};
