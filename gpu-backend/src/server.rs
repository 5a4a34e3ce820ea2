//! The HTTP server: the signed RPC routes, health, readiness and metrics,
//! and the connection handling that keeps any client from holding more
//! than its share (connection cap, header, body and write timeouts, a
//! bounded job queue, signatures checked before a body byte is read).

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use meridian_rpc_server::metrics::{connection_gauges, gauges, respond};
use meridian_rpc_server::{
    Admission, Admitted, Connections, RegionRule, Route, Service, blocking, response,
};
use meridian_wit::backend::exports::meridian::platform::imaging::Guest;
use meridian_wit::rpc::{self, Reply};
use prometheus_client::registry::Registry;

use crate::config::Config;
use crate::copy::service::CopyService;
use crate::metrics::Metrics;
use crate::service::{Backend, Imaging};
use crate::tryon::service::{TryOn, TryonBackend};

/// How the backend names itself in refusals.
const SERVICE: Service = Service {
    name: "backend",
    routing: "region URLs",
};

/// What every handler shares.
pub struct App {
    pub config: Config,
    pub imaging: &'static Imaging,
    /// `None` when try-on could not start (no onnxruntime, say).
    pub tryon: Option<&'static TryOn>,
    /// This server's copy service (the WIT `Guest` uses the first one
    /// installed; tests run several servers).
    pub copy: Arc<CopyService>,
    pub metrics: Metrics,
    /// Signature, nonces, and slots for decode, render and composite jobs.
    admission: Admission,
    /// Open connections.
    pub connections: Connections,
}

impl App {
    pub fn new(
        config: Config,
        imaging: &'static Imaging,
        tryon: Option<&'static TryOn>,
        copy: Arc<CopyService>,
    ) -> App {
        App {
            admission: Admission::new(
                SERVICE,
                &config.region,
                &config.signing_key.0,
                config.signature_window_s,
                &config.server,
            ),
            connections: Connections::new(config.server.max_connections),
            config,
            imaging,
            tryon,
            copy,
            metrics: Metrics::default(),
        }
    }

    /// The binding's reply as an HTTP response; every 503 says when to
    /// come back.
    fn respond(&self, r: Reply) -> Response {
        response(r, self.config.server.retry_after_s)
    }

    async fn admit(
        &self,
        request: Request,
        limit: usize,
        region: RegionRule,
    ) -> Result<Admitted, Reply> {
        let route = Route {
            limit,
            region,
            content_type: None,
        };
        self.admission.admit(request, route).await
    }
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(rpc::IMAGING_RENDER, post(render))
        .route(rpc::IMAGING_DETECT, post(detect))
        .route(rpc::TRYON_COMPOSITE, post(tryon_composite))
        .route(rpc::COPY_GENERATE, post(copy_generate))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .fallback(|| async {
            response(
                rpc::error_body_reply(404, "route-unknown", "no such route"),
                0,
            )
        })
        .with_state(app)
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
    if r.status >= 500 && r.status != 503 {
        tracing::warn!(status = r.status, body = %String::from_utf8_lossy(&r.body), "render failed");
    }
    app.respond(r)
}

async fn render_call(app: &App, request: Request) -> Result<Reply, Reply> {
    let Admitted { body, slot } = app
        .admit(
            request,
            app.config.limits.max_body_bytes,
            RegionRule::Unchecked,
        )
        .await?;
    let args: rpc::imaging::RenderArgs =
        rpc::decode_args(&body).map_err(|e| rpc::error_reply(&e))?;
    let result = blocking(slot, move || Backend::render(args.request)).await?;
    Ok(rpc::encode_reply(result))
}

/// `imaging.detect`: the image is the raw body (up to the source size
/// limit), the detection a JSON reply.
async fn detect(State(app): State<Arc<App>>, request: Request) -> Response {
    let limit = usize::try_from(app.config.limits.max_input_bytes).unwrap_or(usize::MAX);
    let r = match app.admit(request, limit, RegionRule::Unchecked).await {
        Ok(Admitted { body, slot }) => match blocking(slot, move || Backend::detect(body)).await {
            Ok(result) => rpc::encode_json_reply(result),
            Err(r) => r,
        },
        Err(r) => r,
    };
    app.metrics.request("rpc/imaging/detect", r.status);
    app.respond(r)
}

async fn tryon_composite(State(app): State<Arc<App>>, request: Request) -> Response {
    let variant = crate::metrics::variant_label(
        request
            .headers()
            .get("meridian-variant")
            .map(|v| v.to_str().unwrap_or("\u{0}")),
    );
    let r = tryon_call(&app, request).await.unwrap_or_else(|r| r);
    app.metrics.request("rpc/tryon/composite", r.status);
    if r.status == 200 {
        app.metrics.tryon_variant(variant);
    }
    if r.status >= 500 && r.status != 503 {
        tracing::warn!(status = r.status, body = %String::from_utf8_lossy(&r.body), "try-on failed");
    }
    let mut response = app.respond(r);
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
    // The frame plus a little room for the JSON arguments.
    let limit = app.config.tryon.limits.max_frame_bytes + 16 * 1024;
    let Admitted { body, slot } = app.admit(request, limit, RegionRule::Required).await?;
    let result = blocking(slot, move || {
        let (args, frame) = rpc::decode_bytes_args::<rpc::tryon::CompositeArgs>(&body)?;
        <TryonBackend as meridian_wit::backend::exports::meridian::platform::tryon::Guest>::composite(
            args.request,
            frame.to_vec(),
        )
    })
    .await?;
    Ok(rpc::encode_reply(result))
}

/// Largest `copy.generate` body: the 8 KiB source, 64 glossary terms and
/// attributes, with room for JSON escapes.
const COPY_BODY_LIMIT: usize = 256 * 1024;

/// `copy.generate`: JSON arguments, JSON `copy-result`. Copy is no
/// personal data, so the call is not region-bound.
async fn copy_generate(State(app): State<Arc<App>>, request: Request) -> Response {
    let started = Instant::now();
    let r = match app
        .admit(request, COPY_BODY_LIMIT, RegionRule::Unchecked)
        .await
    {
        Ok(Admitted { body, slot }) => {
            let copy = Arc::clone(&app.copy);
            let result = blocking(slot, move || {
                let args: rpc::copy::backend::GenerateArgs = rpc::decode_args(&body)?;
                copy.generate(&args.request)
            })
            .await;
            match result {
                Ok(result) => {
                    if let Ok(r) = &result {
                        app.metrics
                            .copy(started.elapsed().as_micros() as u64, copy_method(r));
                    }
                    rpc::encode_json_reply(result)
                }
                Err(r) => r,
            }
        }
        Err(r) => r,
    };
    app.metrics.request("rpc/copy/generate", r.status);
    if r.status >= 500 && r.status != 503 {
        tracing::warn!(status = r.status, body = %String::from_utf8_lossy(&r.body), "copy failed");
    }
    app.respond(r)
}

fn copy_method(
    r: &meridian_wit::backend::exports::meridian::platform::copy::CopyResult,
) -> &'static str {
    use meridian_wit::backend::exports::meridian::platform::copy::CopyMethod;
    match r.method {
        CopyMethod::Model => "model",
        CopyMethod::TranslationMemory => "translation-memory",
        CopyMethod::Template => "template",
    }
}

async fn readyz(State(app): State<Arc<App>>) -> impl IntoResponse {
    app.metrics.request("readyz", 200);
    let body = serde_json::json!({
        "ready": true,
        "region": app.config.region,
        "engine": app.imaging.engine(),
        "tryon": app.tryon.map(TryOn::engine),
        "copy": app.copy.summary(),
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let jobs = app.admission.jobs();
    let mut registry = Registry::default();
    app.metrics
        .register(&mut registry, &app.config.region, app.imaging.engine());
    gauges(
        &mut registry,
        &[
            (
                "meridian_backend_jobs_in_flight",
                "Decode, render and composite jobs holding a slot",
                jobs.in_flight(),
            ),
            (
                "meridian_backend_jobs_queued",
                "Jobs waiting for a slot",
                jobs.queued(),
            ),
        ],
    );
    connection_gauges(
        &mut registry,
        "meridian_backend",
        &app.connections,
        &app.admission,
    );
    respond(&registry)
}
