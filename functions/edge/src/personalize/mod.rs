//! Personalization, after the gate and before the cache: experiment and flag
//! assignment (GrowthBook-compatible), bandit weights, recommendations with
//! reasons, and the events that feed them. Nothing here runs on a shopper's
//! data unless the gate's consent decision for `Purpose::Personalize` allows
//! it; an assigned variant is a cache dimension, never personal data.

pub mod bandit;
pub mod events;
pub mod growthbook;
pub mod recommend;
