//! Event collection at the edge: `POST /v1/events` beacons from storefront
//! pages, validated, filtered by consent, pseudonymised and shaped into
//! the batch the regional collector receives ([`wire`]).
//!
//! The route calls [`EventCollector::receive`] with the content type, the
//! body and the [`RequestFacts`] (the gate's decision for
//! `Purpose::Personalize`, the verified shopper id, the client address,
//! the collector region the residency router chose, the clock). An error
//! refuses the batch whole ([`EventsError::refusal`]):
//!
//! | status | code | when |
//! | --- | --- | --- |
//! | 415 | `events-content-type` | not `text/plain` or `application/json`, or a charset but UTF-8 |
//! | 413 | `events-too-large` | the body is over `max_body_bytes` (64 KiB) |
//! | 413 | `events-too-many` | more than 100 events: a size limit, so the page splits the batch |
//! | 400 | `events-malformed` | not UTF-8 JSON |
//! | 422 | `events-invalid` | breaks [`EVENTS_SCHEMA`], or `at` is outside the clock skew; names the event index and field |
//! | 451 | `events-region-not-allowed` | the route chose a region the residency decision excludes |
//!
//! Otherwise the answer is [`AcceptSummary`] (202): accepted events and
//! dropped ones by [`DropReason`].
//!
//! **Consent: strict, one rule everywhere.** Without consent to
//! personalisation (`Decision::personal_data_allowed`) no event leaves the
//! edge, exposures included; each is counted as `consent-denied`. These
//! events are read from the shopper's device by the page's script, which
//! in consent markets (ePrivacy, TCF purpose 1) needs the same consent as
//! the personalisation they measure; the exemptions some regulators grant
//! for anonymous audience measurement differ by market and the packs do
//! not model them, so the edge does not guess. Opt-out markets decide
//! `Granted` unless the shopper opted out, so measurement goes on there.
//! Outcomes are therefore measured on consented traffic only.
//!
//! Nothing identifying is forwarded: the shopper id only as a day-keyed
//! HMAC pseudonym ([`pseudonym`]), the address only as its /24 or /48,
//! consent only as the decision's codes, pages without query strings, no
//! user agent, no free text (every field is a bounded token, number or
//! code). Duplicate ids within a batch are dropped (`duplicate-in-batch`);
//! across batches the collector deduplicates on the same ids.

pub mod collect;
pub mod config;
pub mod error;
pub mod fields;
pub mod intake;
pub mod pseudonym;
pub mod wire;

#[cfg(test)]
mod schema_agreement;
#[cfg(test)]
mod tests;

pub use collect::{AcceptSummary, Collected, DropReason, EventCollector, RequestFacts, collect};
pub use config::{EventsConfig, EventsConfigError, MAX_BODY_BYTES, MAX_EVENTS};
pub use error::{EventsError, Invalid, Problem};
pub use intake::{EVENTS_SCHEMA_ID, Event, check_body_size, check_content_type, parse_beacon};
pub use pseudonym::{DayKey, PseudonymSecret, SecretError, client_network};
pub use wire::{
    APPEND_ROUTE, Appended, COLLECTOR_SCHEMA, COUNTS_ROUTE, CollectedEvent, CollectorBatch,
    CollectorSchema, ConsentStamp, ConversionMetric, Counts, EventContext, EventDetail,
    VariantCounts,
};

/// The JSON Schema (draft 2020-12) of what pages send, version 1: the
/// same rules as [`parse_beacon`] (a test holds them together), for
/// storefront developers and their tooling.
pub const EVENTS_SCHEMA: &str = include_str!("../../../schemas/events-1.schema.json");
