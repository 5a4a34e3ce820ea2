//! `GET /v1/recommendations?context=product:<sku>|home|cart:<sku>,...&k=`.
//!
//! The response's `Server-Timing` says what the re-rank itself took inside
//! the component (`rerank;dur=<ms>;desc="<n> candidates"`), so a benchmark
//! can tell it from the gate, the host and the network.

use std::sync::OnceLock;
use std::time::Instant;

use meridian_edge::catalog::Catalog;
use meridian_edge::gate::{Admission, query_param};
use meridian_edge::http::response::{Refusal, Response};
use meridian_edge::personalize::recommend::{
    self, Context, RecConfig, RecData, Request, server_timing,
};
use meridian_spin::personalize::{Personalized, open_store};
use meridian_spin::{Incoming, now, variable};

/// The data and catalog recommendations read. Parsing and indexing them is
/// most of a request's cost if done per request, and neither changes while
/// an instance lives (variables are fixed per deployment), so an instance
/// builds them once. Nothing here is about a shopper.
struct Shelf {
    data: RecData,
    catalog: Catalog,
    /// Per data item (by [`recommend::Candidate::index`]): its catalog
    /// product, if the catalog sells it.
    product: Vec<Option<usize>>,
}

static SHELF: OnceLock<Shelf> = OnceLock::new();

impl Shelf {
    /// `recommendation_data` (the offline script's JSON) and
    /// `recommendation_catalog` (catalog TOML) replace the shipped ones
    /// when set: an operator's larger data set, or a benchmark's.
    fn load() -> Result<Shelf, Refusal> {
        let data = match variable("recommendation_data")?.as_str() {
            "" => RecData::shipped(),
            text => RecData::parse(text),
        }
        .map_err(|e| e.refusal())?;
        let catalog = match variable("recommendation_catalog")?.as_str() {
            "" => Catalog::shipped()?,
            text => Catalog::parse(text)?,
        };
        let product = data
            .skus()
            .map(|sku| catalog.product.iter().position(|p| p.sku == sku))
            .collect();
        Ok(Shelf {
            data,
            catalog,
            product,
        })
    }

    /// This instance's shelf, built on its first recommendation request. A
    /// refusal is not kept: the next request builds again and refuses the
    /// same way, which costs only requests that fail anyway.
    fn get() -> Result<&'static Shelf, Refusal> {
        if let Some(shelf) = SHELF.get() {
            return Ok(shelf);
        }
        let shelf = Shelf::load()?;
        Ok(SHELF.get_or_init(|| shelf))
    }
}

/// The ranking for the `recommendation-strategy` variant: `trending`
/// weighs what sells in the market above similarity.
fn config_for(strategy: &str) -> RecConfig {
    let mut config = RecConfig::default();
    if strategy == "trending" {
        config.weights.trending = 1.0;
        config.weights.similar = 0.4;
    }
    config
}

pub fn serve(incoming: &Incoming, admission: &Admission, head: bool) -> Result<Response, Refusal> {
    let query = incoming.request.query();
    let context =
        Context::parse(query_param(query, "context").unwrap_or("home")).map_err(|e| e.refusal())?;
    let k = match query_param(query, "k") {
        None => None,
        Some(k) => Some(k.parse::<usize>().map_err(|_| {
            Refusal::new(
                400,
                "recommend-k-out-of-range",
                format!("k is a number, not `{}`", k.escape_default()),
            )
        })?),
    };
    let shelf = Shelf::get()?;
    let catalog = &shelf.catalog;
    let personalized = Personalized::assign(
        &open_store()?,
        incoming,
        admission,
        "/v1/recommendations",
        true,
    )?;
    let a = &personalized.assignments;
    let strategy = a.text("recommendation-strategy", "similar").to_owned();
    let config = config_for(&strategy);
    // Recently viewed only from the shopper's own cookie, only with consent.
    let recent = a
        .identity
        .profile()
        .filter(|_| a.personalized)
        .map(|p| p.recent.clone());
    let request = Request {
        context: &context,
        market: &admission.decision.market,
        recently_viewed: recent.as_deref(),
        k,
        now: now(),
    };
    // Never what this market may not see or buy, nor what the catalog
    // does not sell.
    let allowed = |c: &recommend::Candidate<'_>| {
        shelf.product.get(c.index()).is_some_and(Option::is_some)
            && !admission.product(c.sku, Some(c.category)).territory.blocked
    };
    // The WASI monotonic clock: what the component itself spends ranking.
    let started = Instant::now();
    let list = recommend::recommend(&shelf.data, &config, &request, allowed);
    let rerank = started.elapsed();
    let list = list.map_err(|e| e.refusal())?;
    let items: Vec<serde_json::Value> = list
        .items
        .iter()
        .filter_map(|item| {
            let product = catalog.product.iter().find(|p| p.sku == item.sku)?;
            let reasons: Vec<String> = item.reasons.iter().map(|r| r.code()).collect();
            Some(serde_json::json!({
                "sku": item.sku,
                "name": product.name,
                "asset": product.asset,
                "price": product.price_in(&admission.currency),
                "score": item.score,
                "reasons": reasons,
            }))
        })
        .collect();
    let body = serde_json::json!({
        "context": context.key(),
        "market": admission.decision.market,
        "strategy": strategy,
        "personalized": list.personalised,
        "items": items,
    });
    let response = Response::new(200)
        .header("content-type", "application/json")
        .header("server-timing", server_timing(rerank, list.candidates))
        // Lists with recently viewed items are the shopper's own; the
        // others vary by market and variant, which browsers see.
        .header(
            "cache-control",
            if list.personalised {
                "private, no-store"
            } else {
                "private, max-age=60"
            },
        )
        .body(if head {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        });
    Ok(personalized.stamp(response))
}
