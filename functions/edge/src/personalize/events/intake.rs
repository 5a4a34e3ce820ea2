//! Reading a beacon: content type, size, JSON, then every rule of
//! `schemas/events-1.schema.json` plus the clock skew. The first problem
//! refuses the whole batch.

use serde_json::{Map, Value};

use super::config::{EventsConfig, MAX_EVENTS};
use super::error::{EventsError, Invalid, Problem};
use super::fields::{is_decimal, is_event_id, is_token, page_path};
use super::wire::{EventContext, EventDetail};
use crate::policy::codes::is_currency;

/// The value of the batch's `schema` field.
pub const EVENTS_SCHEMA_ID: &str = "meridian.events/1";

const MAX_SKUS: usize = 50;
const MAX_QUANTITY: u64 = 999;
const MAX_POSITION: u64 = 999;
/// The largest integer JSON numbers carry exactly (2^53 - 1).
const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

const KINDS: &str = "one of exposure, view, click, add-to-cart, purchase";
const COMMON: [&str; 5] = ["id", "kind", "at", "page", "context"];

/// One valid event, as the page sent it (its `page` already cut to the path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    pub at: u64,
    pub page: String,
    pub detail: EventDetail,
    pub context: Option<EventContext>,
}

/// `text/plain` (what `sendBeacon` sends for a string) or
/// `application/json`, with no charset but UTF-8. Anything else,
/// including no header, is 415.
pub fn check_content_type(value: Option<&str>) -> Result<(), EventsError> {
    let refuse = || EventsError::ContentType(describe(value));
    let value = value.ok_or_else(refuse)?;
    let mut parts = value.split(';');
    let media = parts.next().unwrap_or_default().trim();
    if !media.eq_ignore_ascii_case("text/plain") && !media.eq_ignore_ascii_case("application/json")
    {
        return Err(refuse());
    }
    for param in parts.map(str::trim).filter(|p| !p.is_empty()) {
        let (name, v) = param.split_once('=').ok_or_else(refuse)?;
        if name.trim().eq_ignore_ascii_case("charset")
            && !v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        {
            return Err(refuse());
        }
    }
    Ok(())
}

/// A header value for a message: escaped and short.
fn describe(value: Option<&str>) -> String {
    match value {
        None => "no content type".to_owned(),
        Some(v) => {
            let escaped: String = v.escape_default().take(80).collect();
            format!("`{escaped}`")
        }
    }
}

/// 413 past `max_body_bytes`; usable on `Content-Length` before reading.
pub fn check_body_size(size: usize, config: &EventsConfig) -> Result<(), EventsError> {
    if size > config.max_body_bytes {
        return Err(EventsError::TooLarge {
            size,
            limit: config.max_body_bytes,
        });
    }
    Ok(())
}

/// Reads a whole beacon received at `now_ms` (Unix milliseconds, the
/// edge's clock): every event, or the first reason to refuse them all.
pub fn parse_beacon(
    content_type: Option<&str>,
    body: &[u8],
    now_ms: u64,
    config: &EventsConfig,
) -> Result<Vec<Event>, EventsError> {
    check_content_type(content_type)?;
    check_body_size(body.len(), config)?;
    let value: Value =
        serde_json::from_slice(body).map_err(|e| EventsError::Malformed(e.to_string()))?;
    let clock = Clock {
        now_ms,
        behind_ms: config.max_behind_ms,
        ahead_ms: config.max_ahead_ms,
    };
    parse_batch(&value, &clock)
}

struct Clock {
    now_ms: u64,
    behind_ms: u64,
    ahead_ms: u64,
}

impl Clock {
    fn allows(&self, at: u64) -> bool {
        at >= self.now_ms.saturating_sub(self.behind_ms)
            && at <= self.now_ms.saturating_add(self.ahead_ms)
    }
}

fn parse_batch(value: &Value, clock: &Clock) -> Result<Vec<Event>, EventsError> {
    let batch = Fields::new(None, "", value)?;
    batch.only(&["schema", "events"])?;
    if batch.required("schema")?.as_str() != Some(EVENTS_SCHEMA_ID) {
        return Err(batch
            .invalid("schema", Problem::Shape("\"meridian.events/1\""))
            .into());
    }
    let events = batch
        .required("events")?
        .as_array()
        .ok_or_else(|| batch.invalid("events", Problem::Type("an array")))?;
    if events.len() > MAX_EVENTS {
        return Err(EventsError::TooMany {
            count: events.len(),
            limit: MAX_EVENTS,
        });
    }
    if events.is_empty() {
        return Err(batch
            .invalid(
                "events",
                Problem::Items {
                    min: 1,
                    max: MAX_EVENTS,
                },
            )
            .into());
    }
    events
        .iter()
        .enumerate()
        .map(|(i, e)| parse_event(i, e, clock).map_err(EventsError::from))
        .collect()
}

fn parse_event(index: usize, value: &Value, clock: &Clock) -> Result<Event, Invalid> {
    let event = Fields::new(Some(index), "", value)?;
    let kind = event.required("kind")?.as_str();
    let specific: &[&str] = match kind {
        Some("exposure") => &["experiment", "variant"],
        Some("view") => &["sku"],
        Some("click") => &["sku", "target"],
        Some("add-to-cart") => &["sku", "quantity"],
        Some("purchase") => &["order_value", "currency", "skus"],
        _ => return Err(event.invalid("kind", Problem::Shape(KINDS))),
    };
    event.only_with(&COMMON, specific)?;

    let id = event.string("id")?;
    if !is_event_id(id) {
        return Err(event.invalid(
            "id",
            Problem::Shape("a lower-case UUID v4 or 16 to 32 of [A-Za-z0-9_-]"),
        ));
    }
    let at = event.integer("at", 0, MAX_SAFE_INTEGER)?;
    if !clock.allows(at) {
        return Err(event.invalid(
            "at",
            Problem::ClockSkew {
                behind_ms: clock.behind_ms,
                ahead_ms: clock.ahead_ms,
            },
        ));
    }
    let page = page_path(event.string("page")?).ok_or_else(|| {
        event.invalid(
            "page",
            Problem::Shape("a path of at most 512 characters, starting with /"),
        )
    })?;
    let context = event
        .get("context")
        .map(|c| parse_context(index, c))
        .transpose()?;

    let detail = match kind {
        Some("exposure") => EventDetail::Exposure {
            experiment: event.token("experiment")?,
            variant: event.token("variant")?,
        },
        Some("view") => EventDetail::View {
            sku: event.token("sku")?,
        },
        Some("click") => EventDetail::Click {
            sku: event.token("sku")?,
            target: event.optional_token("target")?,
        },
        Some("add-to-cart") => EventDetail::AddToCart {
            sku: event.token("sku")?,
            quantity: small(event.integer("quantity", 1, MAX_QUANTITY)?),
        },
        _ => parse_purchase(&event)?,
    };
    Ok(Event {
        id: id.to_owned(),
        at,
        page: page.to_owned(),
        detail,
        context,
    })
}

fn parse_purchase(event: &Fields<'_>) -> Result<EventDetail, Invalid> {
    let order_value = event.string("order_value")?;
    if !is_decimal(order_value) {
        return Err(event.invalid(
            "order_value",
            Problem::Shape("a decimal string: up to 12 digits, up to 4 decimals"),
        ));
    }
    let currency = event.string("currency")?;
    if !is_currency(currency) {
        return Err(event.invalid("currency", Problem::Shape("an active ISO 4217 code")));
    }
    let items = event
        .required("skus")?
        .as_array()
        .ok_or_else(|| event.invalid("skus", Problem::Type("an array")))?;
    if !(1..=MAX_SKUS).contains(&items.len()) {
        return Err(event.invalid(
            "skus",
            Problem::Items {
                min: 1,
                max: MAX_SKUS,
            },
        ));
    }
    let mut skus: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = format!("skus[{i}]");
        let sku = item
            .as_str()
            .ok_or_else(|| event.invalid(&field, Problem::Type("a string")))?;
        if !is_token(sku) {
            return Err(event.invalid(&field, Problem::Shape(TOKEN_SHAPE)));
        }
        if skus.iter().any(|s| s == sku) {
            return Err(event.invalid(&field, Problem::Repeated));
        }
        skus.push(sku.to_owned());
    }
    Ok(EventDetail::Purchase {
        order_value: order_value.to_owned(),
        currency: currency.to_owned(),
        skus,
    })
}

fn parse_context(index: usize, value: &Value) -> Result<EventContext, Invalid> {
    let context = Fields::new(Some(index), "context", value)?;
    context.only(&["slot", "position"])?;
    Ok(EventContext {
        slot: context.optional_token("slot")?,
        position: context
            .get("position")
            .map(|_| context.integer("position", 0, MAX_POSITION).map(small))
            .transpose()?,
    })
}

/// Bounds checked above keep these within `u16`.
fn small(n: u64) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// What a token looks like, for messages.
pub(super) const TOKEN_SHAPE: &str = "1 to 64 of [A-Za-z0-9._-], starting with a letter or digit";

/// One JSON object's fields, for errors that name where they are.
struct Fields<'a> {
    index: Option<usize>,
    /// `context` for the context object, empty otherwise.
    prefix: &'static str,
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    fn new(index: Option<usize>, prefix: &'static str, value: &'a Value) -> Result<Self, Invalid> {
        let map = value.as_object().ok_or_else(|| Invalid {
            index,
            field: prefix.to_owned(),
            problem: Problem::Type("an object"),
        })?;
        Ok(Fields { index, prefix, map })
    }

    fn invalid(&self, field: &str, problem: Problem) -> Invalid {
        let field = if self.prefix.is_empty() {
            field.to_owned()
        } else {
            format!("{}.{field}", self.prefix)
        };
        Invalid {
            index: self.index,
            field,
            problem,
        }
    }

    fn only(&self, allowed: &[&str]) -> Result<(), Invalid> {
        self.only_with(allowed, &[])
    }

    fn only_with(&self, allowed: &[&str], also: &[&str]) -> Result<(), Invalid> {
        match self
            .map
            .keys()
            .find(|k| !allowed.contains(&k.as_str()) && !also.contains(&k.as_str()))
        {
            // Named only when it is a token: a key can be anything,
            // an e-mail address too, and messages get logged.
            Some(k) => Err(self.invalid(
                if is_token(k) { k } else { "(not a token)" },
                Problem::Unknown,
            )),
            None => Ok(()),
        }
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name)
    }

    fn required(&self, name: &str) -> Result<&'a Value, Invalid> {
        self.get(name)
            .ok_or_else(|| self.invalid(name, Problem::Missing))
    }

    fn string(&self, name: &str) -> Result<&'a str, Invalid> {
        self.required(name)?
            .as_str()
            .ok_or_else(|| self.invalid(name, Problem::Type("a string")))
    }

    fn token(&self, name: &str) -> Result<String, Invalid> {
        let s = self.string(name)?;
        if is_token(s) {
            Ok(s.to_owned())
        } else {
            Err(self.invalid(name, Problem::Shape(TOKEN_SHAPE)))
        }
    }

    fn optional_token(&self, name: &str) -> Result<Option<String>, Invalid> {
        self.get(name).map(|_| self.token(name)).transpose()
    }

    /// JSON Schema's `integer`: any number with no fraction, `1e3` too.
    fn integer(&self, name: &str, min: u64, max: u64) -> Result<u64, Invalid> {
        let n = integral(self.required(name)?)
            .ok_or_else(|| self.invalid(name, Problem::Type("an integer")))?;
        u64::try_from(n)
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| self.invalid(name, Problem::Range { min, max }))
    }
}

fn integral(value: &Value) -> Option<i128> {
    if let Some(n) = value.as_u64() {
        return Some(i128::from(n));
    }
    if let Some(n) = value.as_i64() {
        return Some(i128::from(n));
    }
    // Saturating: a huge float still fails the range check after.
    value
        .as_f64()
        .filter(|f| f.is_finite() && f.fract() == 0.0)
        .map(|f| f as i128)
}
