//! Why a beacon was refused, and the refusal each reason answers with.
//! Messages name limits, event indexes and fields, never a value: values
//! come from shoppers' pages.

use std::fmt;

use crate::http::response::Refusal;

/// A refused beacon. A batch is refused whole: nothing of it is forwarded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventsError {
    /// 415 `events-content-type`.
    #[error(
        "events are sent as text/plain;charset=UTF-8 or application/json (sendBeacon), not {0}"
    )]
    ContentType(String),
    /// 413 `events-too-large`.
    #[error("an event batch is at most {limit} bytes, this one has {size}")]
    TooLarge { size: usize, limit: usize },
    /// 413 `events-too-many`: a size limit too, so the page can split.
    #[error("an event batch holds at most {limit} events, this one has {count}")]
    TooMany { count: usize, limit: usize },
    /// 400 `events-malformed`: not UTF-8 JSON.
    #[error("the body is not JSON: {0}")]
    Malformed(String),
    /// 422 `events-invalid`: JSON that breaks `events-1.schema.json`, or
    /// an event time outside the clock skew.
    #[error("{0}")]
    Invalid(Invalid),
    /// 451 `events-region-not-allowed`: the caller chose a collector
    /// region the residency decision does not allow.
    #[error("events of market {market} may not go to region {region}")]
    RegionNotAllowed { market: String, region: String },
}

impl EventsError {
    pub fn status(&self) -> u16 {
        match self {
            EventsError::ContentType(_) => 415,
            EventsError::TooLarge { .. } | EventsError::TooMany { .. } => 413,
            EventsError::Malformed(_) => 400,
            EventsError::Invalid(_) => 422,
            EventsError::RegionNotAllowed { .. } => 451,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            EventsError::ContentType(_) => "events-content-type",
            EventsError::TooLarge { .. } => "events-too-large",
            EventsError::TooMany { .. } => "events-too-many",
            EventsError::Malformed(_) => "events-malformed",
            EventsError::Invalid(_) => "events-invalid",
            EventsError::RegionNotAllowed { .. } => "events-region-not-allowed",
        }
    }

    /// Meridian's refusal: status, code, message.
    pub fn refusal(&self) -> Refusal {
        Refusal::new(self.status(), self.code(), self.to_string())
    }
}

impl From<EventsError> for Refusal {
    fn from(e: EventsError) -> Refusal {
        e.refusal()
    }
}

impl From<Invalid> for EventsError {
    fn from(i: Invalid) -> EventsError {
        EventsError::Invalid(i)
    }
}

/// A schema violation: where, and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The event's index in `events`; `None` for the batch itself.
    pub index: Option<usize>,
    /// The field within the event (or batch): `sku`, `skus[2]`,
    /// `context.slot`; empty for the event (or batch) as a whole.
    pub field: String,
    pub problem: Problem,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.index, self.field.is_empty()) {
            (Some(i), false) => write!(f, "event {i}, field `{}`: {}", self.field, self.problem),
            (Some(i), true) => write!(f, "event {i}: {}", self.problem),
            (None, false) => write!(f, "field `{}`: {}", self.field, self.problem),
            (None, true) => write!(f, "the batch: {}", self.problem),
        }
    }
}

/// What is wrong with a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Missing,
    /// Not a field of this kind of event (or of the batch).
    Unknown,
    /// Expected this JSON type.
    Type(&'static str),
    /// Not one of the allowed values or shapes; says what is allowed.
    Shape(&'static str),
    /// A number outside `min..=max`.
    Range {
        min: u64,
        max: u64,
    },
    /// An array with a length outside `min..=max`.
    Items {
        min: usize,
        max: usize,
    },
    /// An array item repeated.
    Repeated,
    /// `at` further from the edge's clock than the configured skew.
    ClockSkew {
        behind_ms: u64,
        ahead_ms: u64,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing => f.write_str("missing"),
            Problem::Unknown => f.write_str("not a known field"),
            Problem::Type(t) => write!(f, "must be {t}"),
            Problem::Shape(s) => write!(f, "must be {s}"),
            Problem::Range { min, max } => write!(f, "must be an integer from {min} to {max}"),
            Problem::Items { min, max } => write!(f, "must hold {min} to {max} items"),
            Problem::Repeated => f.write_str("repeats an earlier item"),
            Problem::ClockSkew {
                behind_ms,
                ahead_ms,
            } => write!(
                f,
                "must be at most {behind_ms} ms before and {ahead_ms} ms after the edge's clock"
            ),
        }
    }
}
