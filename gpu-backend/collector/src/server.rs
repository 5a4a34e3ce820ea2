//! The HTTP routes: the signed append and counts calls, health, readiness
//! and metrics. A call is admitted as in the backend: everything that needs
//! no body first (declared length, region, content type, signature over the
//! headers, nonce, a job slot), so an unsigned, replayed or mis-routed call
//! is refused before a body byte is read; then the body, within its limit
//! and timeout, checked against its signed digest.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use meridian_wit::rpc::{self, Call, Reply, Signer};
use serde::Deserialize;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::Config;
use crate::connection::Linger;
use crate::metrics::Metrics;
use crate::replay::{Admit, ReplayCache};
use crate::store::Store;
use crate::wire::{self, ConversionMetric};

/// What every handler shares.
pub struct App {
    pub config: Config,
    pub store: Arc<Store>,
    pub metrics: Arc<Metrics>,
    signer: Signer,
    replay: ReplayCache,
    /// Slots for store writes and queries.
    jobs: Arc<Semaphore>,
    /// Open connections (held by the accept loop).
    pub connections: Arc<Semaphore>,
}

impl App {
    pub fn new(config: Config, store: Store) -> App {
        App {
            signer: Signer::new(&config.signing_key.0),
            replay: ReplayCache::new(config.server.replay_cache_entries),
            jobs: Arc::new(Semaphore::new(config.server.max_concurrent_jobs.max(1))),
            connections: Arc::new(Semaphore::new(config.server.max_connections.max(1))),
            store: Arc::new(store),
            metrics: Arc::default(),
            config,
        }
    }

    fn saturated(&self) -> Reply {
        rpc::error_body_reply(
            503,
            "collector-saturated",
            "the collector is at its job limit: retry after the Retry-After interval",
        )
    }

    /// A job slot, waiting at most `queue_timeout_ms`.
    async fn job_slot(&self) -> Result<OwnedSemaphorePermit, Reply> {
        let wait = Duration::from_millis(self.config.server.queue_timeout_ms);
        match tokio::time::timeout(wait, Arc::clone(&self.jobs).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(self.saturated()),
        }
    }

    /// The reply as an HTTP response: never cached, and every 503 says
    /// when to come back.
    fn respond(&self, route: &'static str, r: Reply) -> Response {
        self.metrics.request(route, r.status);
        let busy = r.status == 503;
        let mut response = Response::new(Body::from(r.body));
        *response.status_mut() =
            StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(r.content_type),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if busy {
            headers.insert(
                header::RETRY_AFTER,
                HeaderValue::from(self.config.server.retry_after_s),
            );
        }
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

/// Whether a route's calls must name this collector's region.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RegionRule {
    /// Personal data: the call says where the edge meant it to go.
    Required,
    /// Aggregates: checked only when the caller names one.
    IfPresent,
}

/// What a route admits.
struct Route {
    limit: usize,
    region: RegionRule,
    /// The media type the body must have, if the route takes a body.
    content_type: Option<&'static str>,
}

/// A signed call, admitted: its verified body and the slot it runs in.
struct Admitted {
    body: Vec<u8>,
    slot: OwnedSemaphorePermit,
}

async fn admit(app: &App, request: Request, route: Route) -> Result<Admitted, Reply> {
    let limit = route.limit;
    let too_large = || {
        rpc::error_body_reply(
            413,
            "body-too-large",
            &format!("request bodies are limited to {limit} bytes"),
        )
    };
    let (parts, body) = request.into_parts();
    let mut body = Linger(Some(body));
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let declared = header(header::CONTENT_LENGTH.as_str()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let region = header(rpc::REGION_HEADER);
    check_region(app, region, route.region)?;
    let content_type = header(header::CONTENT_TYPE.as_str());
    if let Some(wanted) = route.content_type {
        let given = content_type
            .and_then(|c| c.split(';').next())
            .map(str::trim);
        if !given.is_some_and(|g| g.eq_ignore_ascii_case(wanted)) {
            return Err(rpc::error_body_reply(
                415,
                "content-type-unsupported",
                &format!("send the batch as {wanted}"),
            ));
        }
    }
    let now = unix_now_ms() / 1000;
    let window = app.config.signature_window_s;
    let call = Call {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        content_type,
        region,
        timestamp: header(rpc::TIMESTAMP_HEADER),
        nonce: header(rpc::NONCE_HEADER),
        digest: header(rpc::DIGEST_HEADER),
        signature: header(rpc::SIGNATURE_HEADER),
    };
    let verified = app.signer.verify_headers(call, now, window).map_err(|e| {
        tracing::warn!(code = e.code(), "refused an unsigned or badly signed call");
        rpc::error_body_reply(401, e.code(), &e.to_string())
    })?;
    match app.replay.admit(
        &verified.nonce,
        verified.timestamp.saturating_add(window),
        now,
    ) {
        Admit::Fresh => {}
        Admit::Replayed => {
            tracing::warn!("refused a replayed call");
            let e = rpc::SignatureError::Replayed;
            return Err(rpc::error_body_reply(401, e.code(), &e.to_string()));
        }
        Admit::Full => return Err(app.saturated()),
    }
    let slot = app.job_slot().await?;
    let read = Duration::from_millis(app.config.server.body_read_timeout_ms);
    let body = body.0.take().unwrap_or_default();
    let body = match tokio::time::timeout(read, to_bytes(body, limit)).await {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => return Err(too_large()),
        Err(_) => {
            return Err(rpc::error_body_reply(
                408,
                "body-timeout",
                "the request body did not arrive in time",
            ));
        }
    };
    verified.check_body(&body).map_err(|e| {
        tracing::warn!(
            code = e.code(),
            "refused a body that does not match its digest"
        );
        rpc::error_body_reply(401, e.code(), &e.to_string())
    })?;
    Ok(Admitted {
        body: body.to_vec(),
        slot,
    })
}

/// Refuses a call the edge meant for another region (residency), or a
/// region-bound one that does not say its region, before its body is read.
fn check_region(app: &App, wanted: Option<&str>, rule: RegionRule) -> Result<(), Reply> {
    let here = &app.config.region;
    match wanted {
        Some(region) if region == here => Ok(()),
        Some(region) => {
            tracing::warn!(wanted = region, "refused a call routed to another region");
            Err(rpc::error_body_reply(
                421,
                "region-mismatch",
                &format!(
                    "this collector runs in region `{here}`, not `{region}`: check the edge's collector URLs"
                ),
            ))
        }
        None if rule == RegionRule::IfPresent => Ok(()),
        None => Err(rpc::error_body_reply(
            400,
            "region-missing",
            &format!(
                "this call is region-bound: send {} (this collector runs in `{here}`)",
                rpc::REGION_HEADER
            ),
        )),
    }
}

/// Runs store work off the reactor, holding its slot until the work ends.
async fn blocking<T: Send + 'static>(
    slot: OwnedSemaphorePermit,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Reply> {
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        work()
    })
    .await
    .map_err(|e| rpc::error_body_reply(500, "task-panicked", &format!("the task failed: {e}")))
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
    let Admitted { body, slot } = admit(app, request, route).await?;
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
    let Admitted { slot, .. } = admit(app, request, route).await?;
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

async fn metrics(State(app): State<Arc<App>>) -> impl IntoResponse {
    let limits = &app.config.server;
    let in_use = |total: usize, free: usize| total.max(1).saturating_sub(free) as u64;
    let text = app.metrics.render_text(
        &app.config.region,
        &[
            (
                "meridian_collector_jobs_in_flight",
                "Store writes and queries holding a slot.",
                in_use(limits.max_concurrent_jobs, app.jobs.available_permits()),
            ),
            (
                "meridian_collector_connections_open",
                "Open client connections.",
                in_use(limits.max_connections, app.connections.available_permits()),
            ),
            (
                "meridian_collector_replay_nonces",
                "Nonces remembered for the signature window.",
                app.replay.len() as u64,
            ),
        ],
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}
