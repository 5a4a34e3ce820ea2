//! `POST /v1/events`: a beacon batch, validated and pseudonymized here,
//! forwarded to a collector in a region the shopper's residency decision
//! allows (as try-on frames are routed), accepted whole or refused whole.

use meridian_edge::backend::health::Health;
use meridian_edge::backend::{Regional, Retry, Router, Scope};
use meridian_edge::gate::Admission;
use meridian_edge::http::response::{Refusal, Response};
use meridian_edge::personalize::assign::Identity;
use meridian_edge::personalize::events::{
    EventCollector, EventDetail, EventsConfig, PseudonymSecret, RequestFacts,
};
use meridian_spin::personalize::{Personalized, open_store, pseudonym_secret};
use meridian_spin::{Incoming, SpinHttp, backend_signing_key, now, now_ms, routing, variable};

/// The event collectors by region (`collector_backends`).
pub(crate) fn collectors() -> Result<&'static Regional, Refusal> {
    meridian_spin::once_per_instance!(
        Regional,
        variable("collector_backends").and_then(|text| {
            Regional::parse(
                &text,
                "event collector",
                "events",
                "collector-backends-invalid",
            )
        })
    )
}

pub async fn serve(incoming: &Incoming, admission: &Admission) -> Result<Response, Refusal> {
    let req = &incoming.request;
    let secret = PseudonymSecret::new(pseudonym_secret()?.as_bytes())
        .map_err(|e| Refusal::new(500, "configuration-invalid", e.to_string()))?;
    let collector = EventCollector::new(EventsConfig::default(), secret);
    let decision = &admission.personalization;
    let store = open_store()?;
    let collectors = collectors()?;
    let router = Router::new(
        collectors,
        routing()?,
        Health::shared(&store),
        SpinHttp,
        backend_signing_key()?,
        &now_ms,
    );
    // Checked against the batch as the residency's first choice; the
    // router may send it to another allowed region, restamped there.
    let region = decision
        .residency
        .regions
        .pick(&collectors.names())
        .ok_or_else(|| router.none_deployed(Scope::of(decision)))?;
    let mut personalized = Personalized::assign(&store, incoming, admission, "/v1/events", false)?;
    let profile = personalized.assignments.identity.profile().cloned();
    let now_s = now();
    let facts = RequestFacts {
        decision,
        shopper_id: profile.as_ref().map(|p| p.id.as_str()),
        client_ip: admission.country.client_ip,
        region,
        now_ms: now_s * 1000,
    };
    let content_type = req.header("content-type").and_then(|v| v.as_str());
    let collected = collector
        .receive(content_type, req.body(), &facts)
        .map_err(|e| e.refusal())?;
    if let Some(batch) = &collected.batch {
        // A batch is stored where it lands: never sent twice.
        let routed = router
            .call(Scope::of(decision), Retry::Never, |client| {
                let mut batch = batch.clone();
                batch.region = client.region().unwrap_or_default().to_owned();
                let body = serde_json::to_vec(&batch).unwrap_or_default();
                async move { client.append_events(body, now_s).await }
            })
            .await;
        routed.result?;
        // Product views become the shopper's recently viewed, in their
        // own cookie (only a shopper with an identity has one).
        let viewed: Vec<&str> = batch
            .events
            .iter()
            .filter_map(|e| match &e.detail {
                EventDetail::View { sku } => Some(sku.as_str()),
                _ => None,
            })
            .collect();
        if let (Some(mut profile), false) = (profile, viewed.is_empty()) {
            for sku in viewed {
                profile.viewed(sku);
            }
            personalized.assignments.identity = Identity::Set(profile);
        }
    }
    Ok(personalized.stamp(collected.summary.to_response()))
}
