//! From valid events to the batch the collector receives: consent,
//! duplicates, pseudonyms, the client network.

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;

use serde::Serialize;

use super::config::EventsConfig;
use super::error::EventsError;
use super::intake::{Event, parse_beacon};
use super::pseudonym::{PseudonymSecret, client_network};
use super::wire::{CollectedEvent, CollectorBatch, CollectorSchema, ConsentStamp};
use crate::http::response::Response;
use crate::policy::{Decision, Purpose};

/// Why an event of an accepted batch was not forwarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DropReason {
    /// No consent to personalisation under the gate's decision.
    ConsentDenied,
    /// The decision blocks the territory.
    TerritoryBlocked,
    /// The caller passed a decision made for another purpose.
    DecisionNotPersonalize,
    /// An earlier event of the batch had the same id.
    DuplicateInBatch,
}

impl DropReason {
    pub fn code(self) -> &'static str {
        match self {
            DropReason::ConsentDenied => "consent-denied",
            DropReason::TerritoryBlocked => "territory-blocked",
            DropReason::DecisionNotPersonalize => "decision-not-personalize",
            DropReason::DuplicateInBatch => "duplicate-in-batch",
        }
    }
}

/// What the edge tells the page: counts and the consent code, no ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AcceptSummary {
    pub accepted: usize,
    pub dropped: BTreeMap<DropReason, usize>,
    /// The decision's consent reason code (`consent-tcf-granted`, ...).
    pub consent: &'static str,
}

impl AcceptSummary {
    /// `202 Accepted` with the summary as JSON.
    pub fn to_response(&self) -> Response {
        Response::new(202)
            .header("content-type", "application/json")
            .header("cache-control", "no-store")
            .body(serde_json::to_vec(self).unwrap_or_default())
    }

    fn drop(&mut self, reason: DropReason, n: usize) {
        if n > 0 {
            *self.dropped.entry(reason).or_default() += n;
        }
    }
}

/// An accepted beacon: the summary, and the batch to forward when any
/// event is left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collected {
    pub summary: AcceptSummary,
    pub batch: Option<CollectorBatch>,
}

/// What the route knows about the request, besides the body.
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts<'a> {
    /// The gate's decision for `Purpose::Personalize`.
    pub decision: &'a Decision,
    /// The anonymous shopper id from a verified cookie; used only under
    /// consent, and only as its pseudonym.
    pub shopper_id: Option<&'a str>,
    /// The client address; forwarded only as its network.
    pub client_ip: Option<IpAddr>,
    /// The collector region, one `decision.residency.regions` allows.
    pub region: &'a str,
    /// The edge's clock, Unix milliseconds.
    pub now_ms: u64,
}

/// Event intake, built once per component instance from configuration:
/// it keeps nothing about any request.
#[derive(Debug, Clone)]
pub struct EventCollector {
    config: EventsConfig,
    secret: PseudonymSecret,
}

impl EventCollector {
    pub fn new(config: EventsConfig, secret: PseudonymSecret) -> EventCollector {
        EventCollector { config, secret }
    }

    pub fn config(&self) -> &EventsConfig {
        &self.config
    }

    /// `POST /v1/events`: reads the beacon and prepares what to forward.
    /// An `Err` refuses the whole batch (`EventsError::refusal`).
    pub fn receive(
        &self,
        content_type: Option<&str>,
        body: &[u8],
        facts: &RequestFacts<'_>,
    ) -> Result<Collected, EventsError> {
        let events = parse_beacon(content_type, body, facts.now_ms, &self.config)?;
        collect(events, facts, &self.secret)
    }
}

/// Why nothing may be forwarded under `decision`, if so.
fn refused_by(decision: &Decision) -> Option<DropReason> {
    if decision.purpose != Purpose::Personalize {
        Some(DropReason::DecisionNotPersonalize)
    } else if decision.territory.blocked {
        Some(DropReason::TerritoryBlocked)
    } else if !decision.personal_data_allowed() {
        Some(DropReason::ConsentDenied)
    } else {
        None
    }
}

/// Applies consent, removes duplicates and pseudonymises `events`.
pub fn collect(
    events: Vec<Event>,
    facts: &RequestFacts<'_>,
    secret: &PseudonymSecret,
) -> Result<Collected, EventsError> {
    let decision = facts.decision;
    if !decision.residency.regions.allows(facts.region) {
        return Err(EventsError::RegionNotAllowed {
            market: decision.market.clone(),
            region: facts.region.escape_default().take(16).collect(),
        });
    }
    let mut summary = AcceptSummary {
        accepted: 0,
        dropped: BTreeMap::new(),
        consent: decision.consent.reason.code,
    };
    if let Some(reason) = refused_by(decision) {
        summary.drop(reason, events.len());
        return Ok(Collected {
            summary,
            batch: None,
        });
    }

    let key = secret.day_key(facts.now_ms);
    let pseudonym = facts
        .shopper_id
        .filter(|id| !id.is_empty())
        .map(|id| key.pseudonym(id));
    let consent = ConsentStamp {
        outcome: decision.outcome().to_owned(),
        reason: decision.consent.reason.code.to_owned(),
        policy_version: decision.policy_version.clone(),
    };
    let total = events.len();
    let mut seen = HashSet::with_capacity(total);
    let collected: Vec<CollectedEvent> = events
        .into_iter()
        .filter(|e| seen.insert(e.id.clone()))
        .map(|e| CollectedEvent {
            id: e.id,
            at: e.at,
            page: e.page,
            detail: e.detail,
            context: e.context,
            market: decision.market.clone(),
            consent: consent.clone(),
            pseudonym: pseudonym.clone(),
        })
        .collect();
    summary.accepted = collected.len();
    summary.drop(DropReason::DuplicateInBatch, total - collected.len());
    let batch = (!collected.is_empty()).then(|| CollectorBatch {
        schema: CollectorSchema,
        edge_received_at: facts.now_ms,
        market: decision.market.clone(),
        region: facts.region.to_owned(),
        key_id: key.id().to_owned(),
        client_network: facts.client_ip.map(client_network),
        events: collected,
    });
    Ok(Collected { summary, batch })
}
