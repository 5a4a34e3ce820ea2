//! Policy packs and compliance decisions, host-independent.
//!
//! Data lives in `functions/edge/policy/` (one TOML pack per market, the
//! merchant's overrides, the embargo list; `SCHEMA.md` documents every
//! field). [`PackSet`] loads and validates them together; the shipped files
//! are embedded ([`PackSet::embedded`]) so a component always has defaults,
//! and [`PackSet::with_replaced`] validates a reload without touching the
//! set in force.
//!
//! [`decide`] turns a [`PolicyInput`] into a [`Decision`]: the market pack
//! used, the backend regions personal data may go to ([`residency`]),
//! whether personal data may be used for the purpose ([`consent`], with an
//! IAB TCF decoder in [`consent::tcf`]), and whether the product may be
//! offered at all ([`territory`]): every part with a machine-readable
//! [`Reason`]. [`Decision::refusal`] gives the 451 / 403 to send;
//! [`AuditRecord`] the JSON line to log. [`advertising`] scrubs banned
//! terms from copy and [`ai_label()`] says how to label AI-generated media.

pub mod advertising;
pub mod ai_label;
pub mod audit;
pub mod codes;
pub mod compiled;
pub mod consent;
pub mod decision;
pub mod embargo;
/// Language tags and the one text fallback (the `meridian-locale` crate, shared
/// with the backend's copy).
pub use meridian_locale as locale;
pub mod merchant;
pub mod pack;
pub mod packs;
pub mod publish;
pub mod reason;
pub mod residency;
pub mod set;
pub mod stored;
pub mod territory;

pub use advertising::{Hit, ScrubResult, check_copy, scrub_copy, suggest_rewrite};
pub use ai_label::{AiLabelRule, ai_label};
pub use audit::AuditRecord;
pub use compiled::CompiledPacks;
pub use consent::{ConsentDecision, ConsentOutcome, ConsentRequired, ConsentSummary};
pub use decision::{Decision, POLICY_VERSION_HEADER, PolicyInput, PolicyRefusal, Purpose, decide};
pub use merchant::MerchantPolicy;
pub use pack::{Framework, MarketPack, PackError, PackProblem};
pub use reason::Reason;
pub use residency::{Regions, ResidencyDecision};
pub use set::{MarketMatch, PackSet};
pub use territory::TerritoryDecision;
