//! The HTTP server: the signed RPC routes, health, readiness and metrics,
//! and the connection handling that keeps any client from holding more
//! than its share (connection cap, header, body and write timeouts, a
//! bounded job queue, signatures checked before a body byte is read).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use meridian_wit::backend::exports::meridian::platform::imaging::Guest;
use meridian_wit::rpc::{self, Call, Reply, Signer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::Config;
use crate::metrics::Metrics;
use crate::replay::{Admit, ReplayCache};
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
    /// Nonces of signed calls within the window.
    replay: ReplayCache,
    /// Slots for decode, render and composite jobs.
    jobs: Arc<Semaphore>,
    /// Jobs waiting for a slot.
    queued: AtomicUsize,
    /// Open connections.
    connections: Arc<Semaphore>,
}

impl App {
    pub fn new(config: Config, imaging: &'static Imaging, tryon: Option<&'static TryOn>) -> App {
        App {
            signer: Signer::new(&config.signing_key.0),
            replay: ReplayCache::new(config.server.replay_cache_entries),
            jobs: Arc::new(Semaphore::new(config.server.jobs())),
            queued: AtomicUsize::new(0),
            connections: Arc::new(Semaphore::new(config.server.max_connections.max(1))),
            config,
            imaging,
            tryon,
            metrics: Metrics::default(),
        }
    }

    fn saturated(&self) -> Reply {
        rpc::error_body_reply(
            503,
            "backend-saturated",
            "the backend is at its job limit: retry after the Retry-After interval",
        )
    }

    /// A job slot: at once, else after waiting in the bounded queue, else
    /// 503 `backend-saturated`.
    async fn job_slot(&self) -> Result<OwnedSemaphorePermit, Reply> {
        if let Ok(permit) = Arc::clone(&self.jobs).try_acquire_owned() {
            return Ok(permit);
        }
        struct Queued<'a>(&'a AtomicUsize);
        impl Drop for Queued<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::Relaxed);
            }
        }
        let ahead = self.queued.fetch_add(1, Ordering::Relaxed);
        let _queued = Queued(&self.queued);
        if ahead >= self.config.server.max_queued_jobs {
            return Err(self.saturated());
        }
        let wait = Duration::from_millis(self.config.server.queue_timeout_ms);
        match tokio::time::timeout(wait, Arc::clone(&self.jobs).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(self.saturated()),
        }
    }

    /// The binding's reply as an HTTP response; every 503 says when to
    /// come back.
    fn respond(&self, r: Reply) -> Response {
        let busy = r.status == 503;
        let mut response = reply(r);
        if busy {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(self.config.server.retry_after_s),
            );
        }
        response
    }
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

/// Serves until `shutdown` resolves, over TLS when `tls` is given. Each
/// connection holds a slot of `[server] max_connections`; one over is
/// closed at once. In-flight connections get a moment to finish.
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = router(Arc::clone(&app));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let limits = app.config.server.clone();
    let header_timeout = Duration::from_millis(limits.header_read_timeout_ms);
    let idle = Duration::from_millis(limits.idle_timeout_ms);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors, say: back off instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&app.connections).try_acquire_owned() else {
            app.metrics.connection_refused();
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .max_buf_size(64 * 1024);
            let stream = WriteStall::new(stream, idle);
            let result = match tls {
                None => {
                    watcher
                        .watch(http.serve_connection(TokioIo::new(stream), service))
                        .await
                }
                Some(acceptor) => {
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(header_timeout, acceptor.accept(stream)).await
                    else {
                        return;
                    };
                    watcher
                        .watch(http.serve_connection(TokioIo::new(stream), service))
                        .await
                }
            };
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended");
            }
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await;
    Ok(())
}

/// A stream whose writes fail when they make no progress for `limit`: a
/// client that stops reading its response cannot hold the connection.
struct WriteStall<IO> {
    io: IO,
    limit: Duration,
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<IO> WriteStall<IO> {
    fn new(io: IO, limit: Duration) -> WriteStall<IO> {
        WriteStall {
            io,
            limit,
            stalled: None,
        }
    }

    /// On `Pending`, starts or checks the stall timer; on progress, clears it.
    fn watch<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<std::io::Result<T>>,
    ) -> Poll<std::io::Result<T>> {
        match polled {
            Poll::Pending => {
                let limit = self.limit;
                let timer = self
                    .stalled
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                if timer.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the client stopped reading",
                    )));
                }
                Poll::Pending
            }
            ready => {
                self.stalled = None;
                ready
            }
        }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for WriteStall<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for WriteStall<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        self.watch(cx, polled)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let polled = Pin::new(&mut self.io).poll_flush(cx);
        self.watch(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let polled = Pin::new(&mut self.io).poll_shutdown(cx);
        self.watch(cx, polled)
    }
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
    if r.status >= 500 && r.status != 503 {
        tracing::warn!(status = r.status, body = %String::from_utf8_lossy(&r.body), "render failed");
    }
    app.respond(r)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A signed call, admitted: its verified body and the job slot it runs in.
struct Admitted {
    body: Vec<u8>,
    slot: OwnedSemaphorePermit,
}

/// Admits a signed call of at most `limit` body bytes. Everything that
/// needs no body comes first, so an unsigned, forged, replayed or
/// mis-routed call is refused without a body byte read: the declared
/// length, the region (`region_bound` routes), the signature over the
/// headers, the nonce, a job slot. Only then is the body read, within the
/// limit and the body timeout, and checked against its signed digest.
async fn admit(
    app: &App,
    request: Request,
    limit: usize,
    region_bound: bool,
) -> Result<Admitted, Reply> {
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
    if region_bound {
        check_region(app, region)?;
    }
    let now = unix_now();
    let window = app.config.signature_window_s;
    let call = Call {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        content_type: header(header::CONTENT_TYPE.as_str()),
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

/// Most bytes and longest time spent discarding a refused call's body.
const LINGER_BYTES: usize = 32 * 1024 * 1024;
const LINGER_TIME: Duration = Duration::from_secs(5);

/// The body of a call refused before it was read. Dropping it would close
/// the connection while the client is still sending, and the client would
/// see a reset instead of the refusal; so the rest is read and discarded,
/// within bounds, the way servers do a lingering close.
struct Linger(Option<Body>);

impl Drop for Linger {
    fn drop(&mut self) {
        let Some(body) = self.0.take() else { return };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            let drain = async {
                let mut body = std::pin::pin!(body);
                let mut seen = 0usize;
                while let Some(Ok(frame)) = body.frame().await {
                    seen += frame.data_ref().map_or(0, |d| d.len());
                    if seen > LINGER_BYTES {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout(LINGER_TIME, drain).await;
        });
    }
}

/// Refuses a call the edge meant for another region (residency), or one
/// that does not say its region, before its body is read.
fn check_region(app: &App, wanted: Option<&str>) -> Result<(), Reply> {
    match wanted {
        Some(region) if region == app.config.region => Ok(()),
        Some(region) => {
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
        None => Err(rpc::error_body_reply(
            400,
            "region-missing",
            &format!(
                "this call is region-bound: send {} (this backend runs in `{}`)",
                rpc::REGION_HEADER,
                app.config.region
            ),
        )),
    }
}

/// Runs CPU-bound (or GPU-waiting) work off the reactor, holding its job
/// slot until the work ends, even when the client has gone.
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

async fn render_call(app: &App, request: Request) -> Result<Reply, Reply> {
    let Admitted { body, slot } =
        admit(app, request, app.config.limits.max_body_bytes, false).await?;
    let args: rpc::imaging::RenderArgs =
        rpc::decode_args(&body).map_err(|e| rpc::error_reply(&e))?;
    let result = blocking(slot, move || Backend::render(args.request)).await?;
    Ok(rpc::encode_reply(result))
}

/// `imaging.detect`: the image is the raw body (up to the source size
/// limit), the detection a JSON reply.
async fn detect(State(app): State<Arc<App>>, request: Request) -> Response {
    let limit = usize::try_from(app.config.limits.max_input_bytes).unwrap_or(usize::MAX);
    let r = match admit(&app, request, limit, false).await {
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
    let r = tryon_call(&app, request).await.unwrap_or_else(|r| r);
    app.metrics.request("rpc/tryon/composite", r.status);
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
    let Admitted { body, slot } = admit(app, request, limit, true).await?;
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
    let limits = &app.config.server;
    let in_use = |total: usize, free: usize| total.saturating_sub(free) as u64;
    let mut text = app
        .metrics
        .render_text(&app.config.region, app.imaging.engine());
    for (name, help, value) in [
        (
            "meridian_backend_jobs_in_flight",
            "Decode, render and composite jobs holding a slot.",
            in_use(limits.jobs(), app.jobs.available_permits()),
        ),
        (
            "meridian_backend_jobs_queued",
            "Jobs waiting for a slot.",
            app.queued.load(Ordering::Relaxed) as u64,
        ),
        (
            "meridian_backend_connections_open",
            "Open client connections.",
            in_use(
                limits.max_connections.max(1),
                app.connections.available_permits(),
            ),
        ),
        (
            "meridian_backend_replay_nonces",
            "Nonces remembered for the signature window.",
            app.replay.len() as u64,
        ),
    ] {
        text.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"
        ));
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}
