//! Personalization, after the gate and before the cache: experiment and flag
//! assignment (GrowthBook-compatible), bandit weights, recommendations with
//! reasons, and the events that feed them. Nothing here runs on a shopper's
//! data unless the gate's consent decision for `Purpose::Personalize` allows
//! it; an assigned variant is a cache dimension, never personal data.
//!
//! - [`definitions`]: experiments and flags as data, validated.
//! - [`stored`]: published definitions and bandit weights in the store.
//! - [`identity`]: the signed first-party cookie (id, sticky assignments,
//!   recently viewed), set only with consent.
//! - [`growthbook`]: GrowthBook's hashing, conditions and feature rules.
//! - [`bandit`]: Thompson sampling that moves traffic and promotes winners.
//! - [`recommend`]: candidates, gate filter, MMR diversity, reasons.
//! - [`events`]: the beacon batch, validated and pseudonymized.

pub mod assign;
pub mod bandit;
pub mod definitions;
pub mod events;
pub mod growthbook;
pub mod identity;
pub mod recommend;
pub mod stored;
