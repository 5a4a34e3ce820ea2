//! The HTTP routes: the signed append and counts calls, health, readiness
//! and metrics. Calls are admitted as in the backend, by
//! `meridian_rpc_server::Admission`: an unsigned, replayed or mis-routed
//! call is refused before a body byte is read.

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use meridian_rpc_server::metrics::{connection_gauges, gauges, respond};
use meridian_rpc_server::{
    Admission, Admitted, Connections, RegionRule, Route, Service, blocking, response,
};
use meridian_wit::rpc::{self, Reply};
use prometheus_client::registry::Registry;
use serde::Deserialize;

use crate::config::Config;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::wire::{self, ConversionMetric};

/// How the collector names itself in refusals.
const SERVICE: Service = Service {
    name: "collector",
    routing: "collector URLs",
};

/// What every handler shares.
pub struct App {
    pub config: Config,
    pub store: Arc<Store>,
    pub metrics: Arc<Metrics>,
    /// Signature, nonces, and slots for store writes and queries.
    admission: Admission,
    /// Open connections (held by the accept loop).
    pub connections: Connections,
    /// Notified after a batch stored new events, for the stream sender
    /// (`crate::stream`), when there is one.
    pub stored_new: Arc<tokio::sync::Notify>,
}

impl App {
    pub fn new(config: Config, store: Store) -> App {
        App {
            admission: Admission::new(
                SERVICE,
                &config.region,
                &config.signing_key.0,
                config.signature_window_s,
                &config.server,
            ),
            connections: Connections::new(config.server.max_connections),
            stored_new: Arc::default(),
            store: Arc::new(store),
            metrics: Arc::default(),
            config,
        }
    }

    /// The reply as an HTTP response: never cached, and every 503 says
    /// when to come back.
    fn respond(&self, route: &'static str, r: Reply) -> Response {
        self.metrics.request(route, r.status);
        let mut response = response(r, self.config.server.retry_after_s);
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(wire::APPEND_ROUTE, post(append))
        .route(wire::COUNTS_ROUTE, get(counts))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .fallback(|State(app): State<Arc<App>>| async move {
            app.respond(
                "unknown",
                rpc::error_body_reply(404, "route-unknown", "no such route"),
            )
        })
        .method_not_allowed_fallback(|State(app): State<Arc<App>>| async move {
            app.respond(
                "unknown",
                rpc::error_body_reply(405, "method-not-allowed", "append is POST, counts is GET"),
            )
        })
        .with_state(app)
}

fn unix_now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

/// The store failed (disk full, locked past its timeout): the edge may
/// retry the same batch, which the event ids make safe.
fn store_failed(e: &crate::store::StoreError) -> Reply {
    tracing::error!(error = %e, "event store failed");
    rpc::error_body_reply(
        503,
        "store-unavailable",
        "the event store could not take the call; nothing of it was stored: retry",
    )
}

fn json_reply<T: serde::Serialize>(value: &T) -> Reply {
    rpc::encode_json_reply::<&T>(Ok(value))
}

async fn append(State(app): State<Arc<App>>, request: Request) -> Response {
    let r = append_call(&app, request).await.unwrap_or_else(|r| r);
    app.respond("rpc/events/append", r)
}

async fn append_call(app: &App, request: Request) -> Result<Reply, Reply> {
    let route = Route {
        limit: app.config.limits.max_body_bytes,
        region: RegionRule::Required,
        content_type: Some("application/json"),
    };
    let Admitted { body, slot } = app.admission.admit(request, route).await?;
    let batch = wire::decode_batch(
        &body,
        &app.config.region,
        app.config.limits.max_events_per_batch,
    )
    .map_err(|e| rpc::error_body_reply(e.status(), e.code(), &e.to_string()))?;
    let store = Arc::clone(&app.store);
    let started = Instant::now();
    let appended = blocking(slot, move || store.append(&batch, unix_now_ms()))
        .await?
        .map_err(|e| store_failed(&e))?;
    app.metrics.appended(
        appended.accepted,
        appended.duplicates,
        u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
    );
    if appended.accepted > 0 {
        app.stored_new.notify_one();
    }
    Ok(json_reply(&appended))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CountsQuery {
    experiment: Option<String>,
    metric: Option<String>,
}

async fn counts(State(app): State<Arc<App>>, request: Request) -> Response {
    let r = counts_call(&app, request).await.unwrap_or_else(|r| r);
    app.respond("rpc/events/counts", r)
}

async fn counts_call(app: &App, request: Request) -> Result<Reply, Reply> {
    let query = Query::<CountsQuery>::try_from_uri(request.uri());
    let route = Route {
        limit: 0,
        region: RegionRule::IfPresent,
        content_type: None,
    };
    let Admitted { slot, .. } = app.admission.admit(request, route).await?;
    let bad = |code: &str, message: &str| rpc::error_body_reply(400, code, message);
    let Query(query) = query.map_err(|e| bad("query-malformed", &e.body_text()))?;
    let experiment = query.experiment.ok_or_else(|| {
        bad(
            "experiment-missing",
            "name the experiment: ?experiment=<id>",
        )
    })?;
    if experiment.is_empty()
        || experiment.len() > 128
        || !experiment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
    {
        return Err(bad(
            "experiment-invalid",
            "an experiment id is 1 to 128 of [A-Za-z0-9._:-]",
        ));
    }
    let metric = match query.metric.as_deref() {
        None => app.config.counts.conversion,
        Some(m) => ConversionMetric::parse(m).ok_or_else(|| {
            bad(
                "metric-unknown",
                "metric is purchase, add-to-cart, click or view",
            )
        })?,
    };
    let store = Arc::clone(&app.store);
    let counts = blocking(slot, move || store.counts(&experiment, metric))
        .await?
        .map_err(|e| store_failed(&e))?;
    Ok(json_reply(&counts))
}

async fn readyz(State(app): State<Arc<App>>) -> impl IntoResponse {
    app.metrics.request("readyz", 200);
    let body = serde_json::json!({
        "ready": true,
        "region": app.config.region,
        "store": "sqlite",
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let mut registry = Registry::default();
    app.metrics.register(&mut registry, &app.config.region);
    gauges(
        &mut registry,
        &[(
            "meridian_collector_jobs_in_flight",
            "Store writes and queries holding a slot",
            app.admission.jobs().in_flight(),
        )],
    );
    connection_gauges(
        &mut registry,
        "meridian_collector",
        &app.connections,
        &app.admission,
    );
    respond(&registry)
}
