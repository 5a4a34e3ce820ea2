//! The HTTP server: the signed RPC route, health, readiness and metrics.

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use meridian_wit::backend::exports::meridian::platform::imaging::Guest;
use meridian_wit::rpc::{self, Call, Reply, Signer};
use tokio::net::TcpListener;

use crate::config::Config;
use crate::metrics::Metrics;
use crate::service::{Backend, Imaging};
use crate::tryon::service::{TryOn, TryonBackend};

/// What every handler shares.
pub struct App {
    pub config: Config,
    pub signer: Signer,
    pub imaging: &'static Imaging,
    /// `None` when try-on could not start (no onnxruntime, say).
    pub tryon: Option<&'static TryOn>,
    pub metrics: Metrics,
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(rpc::IMAGING_RENDER, post(render))
        .route(rpc::IMAGING_DETECT, post(detect))
        .route(rpc::TRYON_COMPOSITE, post(tryon_composite))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .fallback(|| async { reply(rpc::error_body_reply(404, "route-unknown", "no such route")) })
        .with_state(app)
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(app))
        .with_graceful_shutdown(shutdown)
        .await
}

fn reply(r: Reply) -> Response {
    let mut response = Response::new(Body::from(r.body));
    *response.status_mut() =
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(r.content_type),
    );
    if let Some(meta) = r.meta.and_then(|m| HeaderValue::from_str(&m).ok()) {
        headers.insert(rpc::META_HEADER, meta);
    }
    response
}

async fn render(State(app): State<Arc<App>>, request: Request) -> Response {
    let started = Instant::now();
    let result = render_call(&app, request).await;
    let r = match result {
        Ok(r) => {
            if r.status == 200 {
                app.metrics
                    .render(started.elapsed().as_micros() as u64, r.body.len());
            }
            r
        }
        Err(r) => r,
    };
    app.metrics.request("rpc/imaging/render", r.status);
    if r.status >= 500 {
        tracing::warn!(status = r.status, body = %String::from_utf8_lossy(&r.body), "render failed");
    }
    reply(r)
}

/// The verified body of a signed call, at most `limit` bytes.
async fn signed_body(app: &App, request: Request, limit: usize) -> Result<Vec<u8>, Reply> {
    let too_large = || {
        rpc::error_body_reply(
            413,
            "body-too-large",
            &format!("request bodies are limited to {limit} bytes"),
        )
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, limit).await.map_err(|_| too_large())?;
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let call = Call {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        timestamp: header(rpc::TIMESTAMP_HEADER),
        signature: header(rpc::SIGNATURE_HEADER),
        body: &body,
    };
    if let Err(e) = app.signer.verify(call, now, app.config.signature_window_s) {
        tracing::warn!(code = e.code(), "refused an unsigned or badly signed call");
        return Err(rpc::error_body_reply(401, e.code(), &e.to_string()));
    }
    Ok(body.to_vec())
}

/// Refuses a call the edge meant for another region (residency), before
/// its body is read.
fn check_region(app: &App, request: &Request) -> Result<(), Reply> {
    let wanted = request
        .headers()
        .get(rpc::REGION_HEADER)
        .map(|v| v.to_str().unwrap_or_default());
    match wanted {
        Some(region) if region != app.config.region => {
            tracing::warn!(wanted = region, "refused a call routed to another region");
            Err(rpc::error_body_reply(
                421,
                "region-mismatch",
                &format!(
                    "this backend runs in region `{}`, not `{region}`: check the edge's region URLs",
                    app.config.region
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// Runs CPU-bound (or GPU-waiting) work off the reactor.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Reply> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| rpc::error_body_reply(500, "task-panicked", &format!("the task failed: {e}")))
}

async fn render_call(app: &App, request: Request) -> Result<Reply, Reply> {
    let body = signed_body(app, request, app.config.limits.max_body_bytes).await?;
    let args: rpc::imaging::RenderArgs =
        rpc::decode_args(&body).map_err(|e| rpc::error_reply(&e))?;
    let result = blocking(move || Backend::render(args.request)).await?;
    Ok(rpc::encode_reply(result))
}

/// `imaging.detect`: the image is the raw body (up to the source size
/// limit), the detection a JSON reply.
async fn detect(State(app): State<Arc<App>>, request: Request) -> Response {
    let limit = usize::try_from(app.config.limits.max_input_bytes).unwrap_or(usize::MAX);
    let r = match signed_body(&app, request, limit).await {
        Ok(body) => match blocking(move || Backend::detect(body)).await {
            Ok(result) => rpc::encode_json_reply(result),
            Err(r) => r,
        },
        Err(r) => r,
    };
    app.metrics.request("rpc/imaging/detect", r.status);
    reply(r)
}

async fn tryon_composite(State(app): State<Arc<App>>, request: Request) -> Response {
    let r = tryon_call(&app, request).await.unwrap_or_else(|r| r);
    app.metrics.request("rpc/tryon/composite", r.status);
    if r.status >= 500 {
        tracing::warn!(status = r.status, body = %String::from_utf8_lossy(&r.body), "try-on failed");
    }
    let mut response = reply(r);
    // Composites and landmarks are personal: never cached anywhere.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn tryon_call(app: &App, request: Request) -> Result<Reply, Reply> {
    if app.tryon.is_none() {
        return Err(rpc::error_body_reply(
            503,
            "tryon-unavailable",
            "try-on is not running in this region",
        ));
    }
    check_region(app, &request)?;
    // The frame plus a little room for the JSON arguments.
    let limit = app.config.tryon.limits.max_frame_bytes + 16 * 1024;
    let body = signed_body(app, request, limit).await?;
    let result = blocking(move || {
        let (args, frame) = rpc::decode_bytes_args::<rpc::tryon::CompositeArgs>(&body)?;
        <TryonBackend as meridian_wit::backend::exports::meridian::platform::tryon::Guest>::composite(
            args.request,
            frame.to_vec(),
        )
    })
    .await?;
    Ok(rpc::encode_reply(result))
}

async fn readyz(State(app): State<Arc<App>>) -> impl IntoResponse {
    app.metrics.request("readyz", 200);
    let body = serde_json::json!({
        "ready": true,
        "region": app.config.region,
        "engine": app.imaging.engine(),
        "tryon": app.tryon.map(TryOn::engine),
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
}

async fn metrics(State(app): State<Arc<App>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics
            .render_text(&app.config.region, app.imaging.engine()),
    )
}
