//! The experiments admin API and `GET /v1/experiments/<id>`.

use std::collections::BTreeMap;

use meridian_edge::backend::BackendClient;
use meridian_edge::http::response::{Refusal, Response};
use meridian_edge::personalize::stored::{self, Change};
use meridian_spin::http::Method;
use meridian_spin::personalize::{definitions, open_store};
use meridian_spin::{Incoming, SpinHttp, now};

pub const ADMIN_PREFIX: &str = "/v1/admin/experiments";

fn not_allowed(method: &Method, allowed: &str) -> Refusal {
    Refusal::new(
        405,
        "method-not-allowed",
        format!("{method} is not allowed here; use {allowed}"),
    )
}

/// `/v1/admin/experiments[/history|/revert|/<id>/bandit/<market>]`.
pub fn admin(incoming: &Incoming, rest: &str) -> Result<Response, Refusal> {
    let req = &incoming.request;
    let store = open_store()?;
    let if_match = req.header("if-match").and_then(|v| v.as_str());
    let change = |change: Change<'_>| -> Response {
        match stored::change(&store, if_match, change, now()) {
            Ok(done) => {
                eprintln!(
                    "meridian: experiments changed ({} {}); version {}",
                    req.method(),
                    req.path(),
                    done.get("etag").unwrap_or_default()
                );
                done
            }
            Err(refused) => refused,
        }
    };
    let parts: Vec<&str> = rest.split('/').collect();
    match (req.method(), parts.as_slice()) {
        (Method::Get, [""]) => Ok(definitions(&store)?.status()),
        (Method::Get, ["history"]) => Ok(definitions(&store)?.history()),
        (Method::Put, [""]) => Ok(change(Change::Publish { text: req.body() })),
        (Method::Post, ["revert"]) => Ok(change(Change::Revert { body: req.body() })),
        (Method::Delete, [""]) => Ok(change(Change::Reset)),
        (Method::Put, [id, "bandit", market]) => {
            let in_force = definitions(&store)?;
            stored::put_bandit_state(&store, &in_force.definitions, id, market, req.body())
        }
        (other, [""]) => Err(not_allowed(other, "GET, PUT or DELETE")),
        (other, ["history"]) => Err(not_allowed(other, "GET")),
        (other, ["revert"]) => Err(not_allowed(other, "POST")),
        (other, [_, "bandit", _]) => Err(not_allowed(other, "PUT")),
        _ => Err(Refusal::new(
            404,
            "route-unknown",
            format!("no experiments admin route at {}", req.path()),
        )),
    }
}

/// `GET /v1/experiments/<id>`: the definition, its arms, per market the
/// bandit's state as the scheduled job last wrote them, and the exposure
/// and conversion counts every regional collector holds (a collector that
/// does not answer is listed as unavailable; the rest still show).
pub async fn show(id: &str) -> Result<Response, Refusal> {
    let store = open_store()?;
    let in_force = definitions(&store)?;
    let defs = &in_force.definitions;
    let Some((feature, rule)) = defs.experiment_rule(id) else {
        return Err(Refusal::new(
            404,
            "experiment-unknown",
            format!("no experiment `{}` is defined", id.escape_default()),
        ));
    };
    let meta = defs.document.experiments.get(id);
    let arms = defs.variation_keys(id);
    let markets: Vec<serde_json::Value> = stored::bandit_markets(&store, id)
        .into_iter()
        .filter_map(|market| {
            let state = stored::bandit_state(&store, id, &market, arms.len())?;
            Some(serde_json::json!({ "market": market, "state": state }))
        })
        .collect();
    let body = serde_json::json!({
        "experiment": id,
        "feature": feature,
        "experiments_version": defs.version,
        "running": defs.running(id, now()),
        "meta": meta,
        "rule": rule,
        "arms": arms,
        "markets": markets,
        "counts": collected_counts(id).await,
    });
    Ok(Response::new(200)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(body.to_string().into_bytes()))
}

/// Every collector region's counts for `id`, and the sums per arm over
/// regions and markets. Events stay in the region residency sent them to;
/// only these aggregates travel.
async fn collected_counts(id: &str) -> serde_json::Value {
    let configured = crate::events::collectors()
        .and_then(|collectors| Ok((collectors, meridian_spin::backend_signing_key()?)));
    let (collectors, key) = match configured {
        Ok(c) => c,
        Err(refusal) => {
            return serde_json::json!({
                "regions": [],
                "unavailable": [{ "region": null, "code": refusal.code, "message": refusal.message }],
                "arms": [],
            });
        }
    };
    let mut regions = Vec::new();
    let mut unavailable = Vec::new();
    let mut arms: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for (region, url) in collectors.all() {
        let client = BackendClient::new(url, key, SpinHttp).in_region(region);
        match client.event_counts(id, now()).await {
            Ok(counts) => {
                for c in &counts.counts {
                    let arm = arms.entry(c.variant.clone()).or_default();
                    arm.0 += c.exposures;
                    arm.1 += c.conversions;
                }
                regions.push(serde_json::json!({ "region": region, "metric": counts.metric, "counts": counts.counts }));
            }
            Err(refusal) => unavailable.push(serde_json::json!({
                "region": region, "code": refusal.code, "message": refusal.message,
            })),
        }
    }
    let arms: Vec<serde_json::Value> = arms
        .into_iter()
        .map(|(variant, (exposures, conversions))| {
            serde_json::json!({ "variant": variant, "exposures": exposures, "conversions": conversions })
        })
        .collect();
    serde_json::json!({ "regions": regions, "unavailable": unavailable, "arms": arms })
}
