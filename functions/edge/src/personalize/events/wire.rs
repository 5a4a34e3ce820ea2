//! What the edge forwards to the regional collector: one JSON object per
//! accepted beacon, shared with the collector crate (it depends on
//! `meridian-edge` and deserialises these very types).
//!
//! ```json
//! {
//!   "schema": "meridian.collector/1",
//!   "edge_received_at": 1790000000000,
//!   "market": "DE",
//!   "region": "eu",
//!   "key_id": "2026-09-21.3f9a01c2",
//!   "client_network": "203.0.113.0/24",
//!   "events": [{
//!     "id": "0b8e3c1a-6f2d-4e7b-9a41-2c5d8e9f1a3b",
//!     "at": 1789999999000,
//!     "page": "/products/orbit",
//!     "kind": "add-to-cart", "sku": "MRD-ORBIT-TITANIUM", "quantity": 1,
//!     "context": {"slot": "pdp-recs", "position": 2},
//!     "market": "DE",
//!     "consent": {"outcome": "allow", "reason": "consent-tcf-granted", "policy_version": "..."},
//!     "pseudonym": "9c1d..."
//!   }]
//! }
//! ```
//!
//! - `edge_received_at`, `at`: Unix milliseconds (edge clock, client clock).
//! - `key_id`: `<UTC day>.<secret fingerprint>`: which day key made the
//!   pseudonyms, so the collector joins pseudonyms of one key only.
//! - `pseudonym`: hex of HMAC-SHA256(day key, shopper id), 16 bytes;
//!   absent when the caller had no verified shopper id.
//! - `client_network`: IPv4 /24 or IPv6 /48, absent when not given.
//! - `consent`: the gate's codes, never a raw consent string.
//! - Kind-specific fields as in `schemas/events-1.schema.json`; `page`
//!   carries no query string or fragment. `id` is the client's
//!   idempotency key: the edge removes duplicates within a batch, the
//!   collector across batches.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// The value of [`CollectorBatch::schema`].
pub const COLLECTOR_SCHEMA: &str = "meridian.collector/1";

/// The marker `"meridian.collector/1"`: any other value does not
/// deserialise, so a collector never misreads another version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CollectorSchema;

impl Serialize for CollectorSchema {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(COLLECTOR_SCHEMA)
    }
}

impl<'de> Deserialize<'de> for CollectorSchema {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<CollectorSchema, D::Error> {
        struct Marker;
        impl Visitor<'_> for Marker {
            type Value = CollectorSchema;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "the string {COLLECTOR_SCHEMA:?}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CollectorSchema, E> {
                if v == COLLECTOR_SCHEMA {
                    Ok(CollectorSchema)
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
        }
        d.deserialize_str(Marker)
    }
}

/// One accepted beacon, as forwarded to the collector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectorBatch {
    pub schema: CollectorSchema,
    /// When the edge received the beacon, Unix milliseconds.
    pub edge_received_at: u64,
    /// The policy pack the gate used (`DE`, `US-CA`, `ZZ`).
    pub market: String,
    /// The collector region, one the residency decision allows.
    pub region: String,
    /// The pseudonym key: `<YYYY-MM-DD>.<8 hex>`.
    pub key_id: String,
    /// The shopper's network, already truncated (`/24`, `/48`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_network: Option<String>,
    pub events: Vec<CollectedEvent>,
}

/// One event after validation, consent and pseudonymisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectedEvent {
    pub id: String,
    /// Client clock, Unix milliseconds.
    pub at: u64,
    /// A path only: no query string, no fragment.
    pub page: String,
    #[serde(flatten)]
    pub detail: EventDetail,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<EventContext>,
    pub market: String,
    pub consent: ConsentStamp,
    /// Hex HMAC-SHA256 of the shopper id under `key_id`'s key, 16 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pseudonym: Option<String>,
}

/// What happened, by kind (`"kind"` on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum EventDetail {
    /// The shopper was shown a variant of an experiment.
    Exposure {
        experiment: String,
        variant: String,
    },
    View {
        sku: String,
    },
    Click {
        sku: String,
        /// What was clicked (`image`, `buy-button`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    AddToCart {
        sku: String,
        quantity: u16,
    },
    Purchase {
        /// A decimal string, never a float: no rounding on the way.
        order_value: String,
        /// ISO 4217.
        currency: String,
        skus: Vec<String>,
    },
}

impl EventDetail {
    /// The kind as on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            EventDetail::Exposure { .. } => "exposure",
            EventDetail::View { .. } => "view",
            EventDetail::Click { .. } => "click",
            EventDetail::AddToCart { .. } => "add-to-cart",
            EventDetail::Purchase { .. } => "purchase",
        }
    }
}

/// Where on the page the event happened. Closed and bounded: no free text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventContext {
    /// The page area (`pdp-recs`, `home-hero`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<String>,
    /// 0-based position within the slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u16>,
}

/// The consent an event was collected under: the gate's codes only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentStamp {
    /// `Decision::outcome` (`allow`, `render-only`, ...).
    pub outcome: String,
    /// The consent reason code (`consent-tcf-granted`, `gpc-opt-out`, ...).
    pub reason: String,
    /// The policy set the decision was made under.
    pub policy_version: String,
}

// What the collector answers: defined here, beside the batch, so the
// edge and the collector read and write one definition.

/// Route of the batch append.
pub const APPEND_ROUTE: &str = "/rpc/events/append";
/// Route of the counts query.
pub const COUNTS_ROUTE: &str = "/rpc/events/counts";

/// The answer to an append.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appended {
    /// Events stored by this call.
    pub accepted: usize,
    /// Events whose id was already stored (earlier batch, retry, or twice
    /// in this batch).
    pub duplicates: usize,
}

/// Which events count as a conversion for the bandit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConversionMetric {
    Purchase,
    AddToCart,
    Click,
    View,
}

impl ConversionMetric {
    /// The metrics, as named in queries and experiment definitions.
    pub const ALL: [ConversionMetric; 4] = [
        ConversionMetric::Purchase,
        ConversionMetric::AddToCart,
        ConversionMetric::Click,
        ConversionMetric::View,
    ];

    /// The event kind that converts: the stored `kind`, as
    /// [`EventDetail::kind`] names it.
    pub fn kind(self) -> &'static str {
        match self {
            ConversionMetric::Purchase => "purchase",
            ConversionMetric::AddToCart => "add-to-cart",
            ConversionMetric::Click => "click",
            ConversionMetric::View => "view",
        }
    }

    pub fn parse(text: &str) -> Option<ConversionMetric> {
        Self::ALL.into_iter().find(|m| m.kind() == text)
    }
}

/// One market's figures for one variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantCounts {
    pub market: String,
    pub variant: String,
    /// Distinct pseudonyms exposed, plus exposures without a pseudonym.
    pub exposures: u64,
    /// Distinct pseudonyms that converted after being exposed to this
    /// variant (their latest exposure before the conversion).
    pub conversions: u64,
}

/// The answer to a counts query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub experiment: String,
    pub metric: ConversionMetric,
    /// Sorted by market, then variant.
    pub counts: Vec<VariantCounts>,
}
