//! What `POST /rpc/events/append` takes and what the collector answers.
//!
//! The batch is the edge's own type,
//! [`meridian_edge::personalize::events::CollectorBatch`]: the edge
//! serialises it and the collector deserialises the very same type, so the
//! two cannot drift. What those types do not express (this collector's
//! region, one market per batch, the field shapes the edge produces) is
//! checked here over the decoded batch, before anything is stored.

use meridian_edge::personalize::events::fields::{is_decimal, is_event_id, is_token, page_path};
use meridian_edge::personalize::events::pseudonym::PSEUDONYM_BYTES;
use meridian_edge::policy::codes::{is_currency, is_market};
use serde::Deserialize;
use serde_json::Value;

pub use meridian_edge::personalize::events::{
    APPEND_ROUTE, Appended, COLLECTOR_SCHEMA as SCHEMA, COUNTS_ROUTE, CollectedEvent,
    CollectorBatch, CollectorSchema, ConsentStamp, ConversionMetric, Counts, EventContext,
    EventDetail, VariantCounts,
};

/// Why a batch was refused; nothing of it is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("the body is not a JSON batch: {0}")]
    Malformed(String),
    #[error("schema `{found}` is not supported: send `{SCHEMA}`")]
    Schema { found: String },
    #[error("the batch is for region `{found}`, this collector runs in `{expected}`")]
    Region { found: String, expected: String },
    #[error("the batch holds no events")]
    Empty,
    #[error("the batch holds {found} events; at most {limit} are accepted")]
    TooMany { found: usize, limit: usize },
    #[error("event {index}: {reason}")]
    Event { index: usize, reason: String },
    #[error("the batch's {field} is invalid: {reason}")]
    Field { field: &'static str, reason: String },
}

impl WireError {
    /// HTTP status of the refusal.
    pub fn status(&self) -> u16 {
        match self {
            WireError::Malformed(_) => 400,
            WireError::Region { .. } => 421,
            WireError::TooMany { .. } => 413,
            WireError::Schema { .. }
            | WireError::Empty
            | WireError::Event { .. }
            | WireError::Field { .. } => 422,
        }
    }

    /// Machine code of the refusal.
    pub fn code(&self) -> &'static str {
        match self {
            WireError::Malformed(_) => "batch-malformed",
            WireError::Schema { .. } => "schema-unsupported",
            WireError::Region { .. } => "region-mismatch",
            WireError::Empty => "batch-empty",
            WireError::TooMany { .. } => "batch-too-large",
            WireError::Event { .. } => "event-invalid",
            WireError::Field { .. } => "batch-invalid",
        }
    }
}

/// Decodes and checks a batch for this collector's `region`, holding at
/// most `max_events`. The schema is read first, so a batch of another
/// version is told so rather than that some field is wrong.
pub fn decode_batch(
    body: &[u8],
    region: &str,
    max_events: usize,
) -> Result<CollectorBatch, WireError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| WireError::Malformed(e.to_string()))?;
    match value.get("schema").and_then(|s| s.as_str()) {
        Some(SCHEMA) => {}
        found => {
            return Err(WireError::Schema {
                found: found.map_or("(none)".to_owned(), |s| s.escape_default().collect()),
            });
        }
    }
    let batch =
        CollectorBatch::deserialize(&value).map_err(|e| WireError::Malformed(e.to_string()))?;
    // The edge types ignore fields they do not know (their events flatten a
    // tagged enum, which serde cannot make strict); a field the edge added
    // would be dropped silently here, so it is refused: a new shape is a new
    // schema string.
    let known = serde_json::to_value(&batch).map_err(|e| WireError::Malformed(e.to_string()))?;
    if let Some(field) = unknown_field(&value, &known) {
        return Err(WireError::Malformed(format!("unknown field `{field}`")));
    }
    check(&batch, region, max_events)?;
    Ok(batch)
}

/// The first field of `sent` that its decoded and re-encoded form `known`
/// lacks, as a path (`events[3].surprise`). A `null` counts as absent: the
/// edge types omit empty options rather than send `null`.
fn unknown_field(sent: &Value, known: &Value) -> Option<String> {
    match (sent, known) {
        (Value::Object(sent), Value::Object(known)) => sent.iter().find_map(|(name, value)| {
            // Keys are named only when they are tokens: a key can be
            // anything, personal data too, and refusals get logged.
            let shown = if is_token(name) {
                name
            } else {
                "(not a token)"
            };
            match known.get(name) {
                None if value.is_null() => None,
                None => Some(shown.to_owned()),
                Some(inner) => unknown_field(value, inner).map(|rest| {
                    if rest.starts_with('[') {
                        format!("{shown}{rest}")
                    } else {
                        format!("{shown}.{rest}")
                    }
                }),
            }
        }),
        (Value::Array(sent), Value::Array(known)) => {
            sent.iter().zip(known).enumerate().find_map(|(i, (s, k))| {
                unknown_field(s, k).map(|rest| {
                    if rest.starts_with('[') {
                        format!("[{i}]{rest}")
                    } else {
                        format!("[{i}].{rest}")
                    }
                })
            })
        }
        _ => None,
    }
}

/// The collector's rules over a decoded batch.
fn check(batch: &CollectorBatch, region: &str, max_events: usize) -> Result<(), WireError> {
    if batch.region != region {
        return Err(WireError::Region {
            found: batch.region.escape_default().take(32).collect(),
            expected: region.to_owned(),
        });
    }
    let field = |field: &'static str, reason: &str| WireError::Field {
        field,
        reason: reason.to_owned(),
    };
    if !is_market(&batch.market) {
        return Err(field("market", "not a market code (`DE`, `US-CA`, `ZZ`)"));
    }
    if !is_key_id(&batch.key_id) {
        return Err(field("key_id", "not <YYYY-MM-DD>.<8 lower-case hex>"));
    }
    if batch.events.is_empty() {
        return Err(WireError::Empty);
    }
    if batch.events.len() > max_events {
        return Err(WireError::TooMany {
            found: batch.events.len(),
            limit: max_events,
        });
    }
    for (index, event) in batch.events.iter().enumerate() {
        check_event(event, &batch.market).map_err(|reason| WireError::Event { index, reason })?;
    }
    Ok(())
}

/// Why this event cannot be stored, if it cannot. `context` is not checked:
/// it is not stored (see `store.rs`).
fn check_event(event: &CollectedEvent, batch_market: &str) -> Result<(), String> {
    if !is_event_id(&event.id) {
        return Err("id is not a lower-case UUID v4 or 16 to 32 of [A-Za-z0-9_-]".to_owned());
    }
    if event.at == 0 {
        return Err("at is not a unix time in milliseconds".to_owned());
    }
    // The edge cuts the query and fragment off; a page still carrying one
    // could carry personal data (`?email=`).
    if page_path(&event.page) != Some(event.page.as_str()) {
        return Err("page is not a path starting with /, without query or fragment".to_owned());
    }
    // Residency was decided for the batch's market: an event of another
    // market may not ride along.
    if event.market != batch_market {
        return Err(format!(
            "market `{}` differs from the batch's `{batch_market}`",
            event.market.escape_default().take(16).collect::<String>()
        ));
    }
    let ConsentStamp {
        outcome,
        reason,
        policy_version,
    } = &event.consent;
    for (name, value) in [
        ("consent.outcome", outcome),
        ("consent.reason", reason),
        ("consent.policy_version", policy_version),
    ] {
        if !is_token(value) {
            return Err(format!("{name} is not a code"));
        }
    }
    if let Some(p) = &event.pseudonym
        && !is_pseudonym(p)
    {
        return Err(format!(
            "pseudonym is not {} lower-case hex digits",
            PSEUDONYM_BYTES * 2
        ));
    }
    let token = |name: &str, value: &str| {
        if is_token(value) {
            Ok(())
        } else {
            Err(format!("{name} is not 1 to 64 of [A-Za-z0-9._-]"))
        }
    };
    match &event.detail {
        EventDetail::Exposure {
            experiment,
            variant,
        } => {
            token("experiment", experiment)?;
            token("variant", variant)
        }
        EventDetail::View { sku } => token("sku", sku),
        EventDetail::Click { sku, target } => {
            token("sku", sku)?;
            target.as_deref().map_or(Ok(()), |t| token("target", t))
        }
        EventDetail::AddToCart { sku, quantity } => {
            token("sku", sku)?;
            if *quantity == 0 {
                return Err("an add-to-cart has a quantity of at least 1".to_owned());
            }
            Ok(())
        }
        EventDetail::Purchase {
            order_value,
            currency,
            skus,
        } => {
            if !is_decimal(order_value) {
                return Err("a purchase has an order_value like \"12.30\"".to_owned());
            }
            if !is_currency(currency) {
                return Err("a purchase has an ISO 4217 currency".to_owned());
            }
            if skus.is_empty() {
                return Err("a purchase names at least one sku".to_owned());
            }
            skus.iter().try_for_each(|s| token("skus", s))
        }
    }
}

/// The edge's day-key id: `2026-09-21.3f9a01c2`.
fn is_key_id(s: &str) -> bool {
    let Some((day, fingerprint)) = s.split_once('.') else {
        return false;
    };
    let b = day.as_bytes();
    let day_ok = b.len() == 10
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            _ => c.is_ascii_digit(),
        });
    day_ok && fingerprint.len() == 8 && fingerprint.bytes().all(is_lower_hex)
}

fn is_lower_hex(b: u8) -> bool {
    matches!(b, b'0'..=b'9' | b'a'..=b'f')
}

fn is_pseudonym(s: &str) -> bool {
    s.len() == PSEUDONYM_BYTES * 2 && s.bytes().all(is_lower_hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHO: &str = "0123456789abcdef0123456789abcdef";

    fn consent() -> ConsentStamp {
        ConsentStamp {
            outcome: "allow".into(),
            reason: "consent-tcf-granted".into(),
            policy_version: "pk1-0123456789ab".into(),
        }
    }

    fn event(id: &str, detail: EventDetail) -> CollectedEvent {
        CollectedEvent {
            id: id.into(),
            at: 1_800_000_000_000,
            page: "/p/1".into(),
            detail,
            context: None,
            market: "DE".into(),
            consent: consent(),
            pseudonym: Some(WHO.into()),
        }
    }

    /// What the edge sends, built from its types.
    fn good() -> CollectorBatch {
        CollectorBatch {
            schema: CollectorSchema,
            edge_received_at: 1_800_000_000_000,
            market: "DE".into(),
            region: "eu".into(),
            key_id: "2026-12-01.3f9a01c2".into(),
            client_network: Some("203.0.113.0/24".into()),
            events: vec![
                CollectedEvent {
                    context: Some(EventContext {
                        slot: Some("home-hero".into()),
                        position: Some(0),
                    }),
                    ..event(
                        "evt-exposure-000001",
                        EventDetail::Exposure {
                            experiment: "hero".into(),
                            variant: "b".into(),
                        },
                    )
                },
                CollectedEvent {
                    pseudonym: None,
                    ..event(
                        "evt-purchase-000001",
                        EventDetail::Purchase {
                            order_value: "12.30".into(),
                            currency: "EUR".into(),
                            skus: vec!["sku-1".into()],
                        },
                    )
                },
            ],
        }
    }

    fn batch_json() -> Value {
        serde_json::to_value(good()).expect("json")
    }

    fn decode(v: &Value) -> Result<CollectorBatch, WireError> {
        decode_batch(&serde_json::to_vec(v).expect("json"), "eu", 100)
    }

    #[test]
    fn what_the_edge_sends_decodes_whole() {
        let b = decode(&batch_json()).expect("decodes");
        assert_eq!(b, good());
        // `null` for an option the edge leaves out is the same batch.
        let mut v = batch_json();
        v["events"][1]["pseudonym"] = Value::Null;
        v["client_network"] = Value::Null;
        assert_eq!(decode(&v).expect("decodes").events[1].pseudonym, None);
    }

    /// A change to the good batch, and the status and code it must earn.
    type Case = (Box<dyn Fn(&mut Value)>, u16, &'static str);

    #[test]
    fn each_refusal_has_its_status_and_code() {
        let cases: Vec<Case> = vec![
            (
                Box::new(|v| v["schema"] = "meridian.collector/2".into()),
                422,
                "schema-unsupported",
            ),
            (
                Box::new(|v| {
                    v.as_object_mut().map(|o| o.remove("schema"));
                }),
                422,
                "schema-unsupported",
            ),
            (
                Box::new(|v| v["events"] = "none".into()),
                400,
                "batch-malformed",
            ),
            (
                Box::new(|v| v["surprise"] = 1.into()),
                400,
                "batch-malformed",
            ),
            (
                Box::new(|v| v["events"][0]["surprise"] = 1.into()),
                400,
                "batch-malformed",
            ),
            (
                Box::new(|v| v["events"][0]["consent"]["extra"] = "x".into()),
                400,
                "batch-malformed",
            ),
            (
                Box::new(|v| v["events"][0]["kind"] = "hover".into()),
                400,
                "batch-malformed",
            ),
            (
                // The purchase's fields on a view: refused, not dropped.
                Box::new(|v| v["events"][1]["kind"] = "view".into()),
                400,
                "batch-malformed",
            ),
            (
                Box::new(|v| v["events"][1]["order_value"] = 12.3.into()),
                400,
                "batch-malformed",
            ),
            (
                Box::new(|v| v["region"] = "us".into()),
                421,
                "region-mismatch",
            ),
            (
                Box::new(|v| v["market"] = "de".into()),
                422,
                "batch-invalid",
            ),
            (
                Box::new(|v| v["key_id"] = "k1".into()),
                422,
                "batch-invalid",
            ),
            (
                Box::new(|v| v["events"] = serde_json::json!([])),
                422,
                "batch-empty",
            ),
            (
                Box::new(|v| v["events"][0]["id"] = "has space in it!".into()),
                422,
                "event-invalid",
            ),
            (
                Box::new(|v| v["events"][0]["page"] = "p/1".into()),
                422,
                "event-invalid",
            ),
            (
                Box::new(|v| v["events"][0]["page"] = "/search?q=me@example.com".into()),
                422,
                "event-invalid",
            ),
            (
                Box::new(|v| v["events"][0]["market"] = "FR".into()),
                422,
                "event-invalid",
            ),
            (
                Box::new(|v| v["events"][0]["variant"] = "no spaces".into()),
                422,
                "event-invalid",
            ),
            (
                Box::new(|v| v["events"][0]["consent"]["reason"] = "".into()),
                422,
                "event-invalid",
            ),
            (
                Box::new(|v| v["events"][0]["pseudonym"] = WHO.to_uppercase().into()),
                422,
                "event-invalid",
            ),
            (
                Box::new(|v| v["events"][0]["pseudonym"] = "0123456789abcdef".into()),
                422,
                "event-invalid",
            ),
            (
                Box::new(|v| v["events"][1]["order_value"] = "12.3.0".into()),
                422,
                "event-invalid",
            ),
            (
                Box::new(|v| v["events"][1]["order_value"] = "-1".into()),
                422,
                "event-invalid",
            ),
            (
                Box::new(|v| v["events"][1]["currency"] = "EUX".into()),
                422,
                "event-invalid",
            ),
            (
                Box::new(|v| v["events"][1]["skus"] = serde_json::json!([])),
                422,
                "event-invalid",
            ),
        ];
        for (i, (change, status, code)) in cases.into_iter().enumerate() {
            let mut v = batch_json();
            change(&mut v);
            let e = decode(&v).expect_err("refused");
            assert_eq!((e.status(), e.code()), (status, code), "case {i}: {e}");
        }
        let e = decode_batch(b"{not json", "eu", 100).expect_err("refused");
        assert_eq!(e.code(), "batch-malformed");
        let e = decode_batch(&serde_json::to_vec(&batch_json()).expect("json"), "eu", 1)
            .expect_err("two events over a limit of one");
        assert_eq!((e.status(), e.code()), (413, "batch-too-large"));
    }

    #[test]
    fn unknown_fields_are_named_by_path_when_they_are_tokens() {
        let mut v = batch_json();
        v["events"][0]["context"]["colour"] = "red".into();
        let e = decode(&v).expect_err("refused");
        assert!(e.to_string().contains("`events[0].context.colour`"), "{e}");
        let mut v = batch_json();
        v["events"][1]["jane@example.com"] = 1.into();
        let e = decode(&v).expect_err("refused");
        assert!(!e.to_string().contains("jane"), "{e}");
    }

    #[test]
    fn key_ids_are_the_edges_day_keys() {
        assert!(is_key_id("2026-09-21.3f9a01c2"));
        for bad in [
            "",
            "2026-09-21",
            "2026-09-21.3F9A01C2",
            "2026-9-21.3f9a01c2",
            "2026-09-21.3f9a01c",
            "2026-09-21.3f9a01c2.x",
        ] {
            assert!(!is_key_id(bad), "{bad}");
        }
    }

    #[test]
    fn every_metric_parses_back_from_its_name() {
        for m in ConversionMetric::ALL {
            assert_eq!(ConversionMetric::parse(m.kind()), Some(m));
            let json = serde_json::to_value(m).expect("json");
            assert_eq!(json, m.kind());
        }
        assert_eq!(ConversionMetric::parse("revenue"), None);
    }
}
