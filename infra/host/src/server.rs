//! The HTTP server: routes requests to components. A WASIp2 component runs
//! each request in a fresh store created from its pre-instantiated component
//! (Spin never reuses those); a WASIp3 one is served by reused instances
//! ([`crate::instances::Workers`]).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot, watch};
use tokio::task::JoinSet;
use wasmtime::component::Linker;
use wasmtime::{Trap, UpdateDeadline};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::handler::{
    ExpirationError, InstantiationError, ProxyHandler, ProxyPre as HandlerPre, TrapOrPanicError,
};
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::Config;
use crate::cache_stats::{self, CacheStats};
use crate::engine::{self, EPOCH_TICK, Origin};
use crate::instances::{StoreSetup, Workers};
use crate::outbound::OutboundPolicy;
use crate::request_headers::{self, SpinRequest};
use crate::router::Router;
use crate::runtime_config::RuntimeConfig;
use crate::state::{self, ComponentCtx, State};
use crate::stdio::{ComponentOutput, Follow};
use crate::stores;

struct LoadedComponent {
    dispatch: Dispatch,
    setup: Arc<StoreSetup>,
}

/// How a component's requests reach it, by the HTTP interface it exports.
enum Dispatch {
    /// `wasi:http/incoming-handler@0.2`: a new instance a request.
    P2(ProxyPre<State>),
    /// `wasi:http/handler@0.3`: reused instances.
    P3(ProxyHandler<Workers>),
}

struct TriggerInfo {
    component: usize,
}

struct Shared {
    router: Router,
    triggers: Vec<TriggerInfo>,
    components: Vec<LoadedComponent>,
    timeout: Duration,
    post_response_timeout: Duration,
    max_body: usize,
    cache_stats: Arc<CacheStats>,
    limits: ConnLimits,
    /// Held by `Shared` and by every running guest task; the epoch ticker runs
    /// while any holder is alive.
    alive: Arc<()>,
}

/// A started host. Drop or call [`RunningHost::shutdown`] to stop it.
pub struct RunningHost {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    origins: Vec<(String, Origin)>,
    routes: Vec<ServedRoute>,
}

/// A route as `spin up` lists it at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedRoute {
    pub component: String,
    /// The route without `/...`, then ` (wildcard)` when it had one.
    pub shown: String,
    pub description: Option<String>,
}

impl RunningHost {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// How each component was obtained at start (compiled or from the cache).
    pub fn origins(&self) -> &[(String, Origin)] {
        &self.origins
    }

    /// What `spin up` prints at start: the base URL, then every route.
    pub fn startup_message(&self) -> String {
        let base = format!("http://{}", self.addr);
        let mut out = format!("Serving {base}\nAvailable Routes:\n");
        for r in &self.routes {
            out.push_str(&format!("  {}: {base}{}\n", r.component, r.shown));
            if let Some(d) = &r.description {
                out.push_str(&format!("    {d}\n"));
            }
        }
        out
    }

    /// Resolves when the server has stopped (after a shutdown request).
    pub async fn wait(&mut self) {
        let _ = (&mut self.task).await;
    }

    /// Stop accepting, let in-flight requests finish (up to 10 s), and stop.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        self.wait().await;
    }

    /// A handle that can request shutdown from elsewhere (signals).
    pub fn shutdown_handle(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

impl Drop for RunningHost {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// The message for a component that imports an interface this host lacks:
/// the interface by name (wasmtime's error quotes it), else wasmtime's words.
fn refuse_imports(id: &str, e: wasmtime::Error) -> anyhow::Error {
    let detail = format!("{e:#}");
    match detail.split('`').nth(1) {
        Some(named) => {
            anyhow::anyhow!("component {id} imports {named}, which meridian-host does not provide")
        }
        None => anyhow::anyhow!(
            "component {id} imports something meridian-host does not provide: {detail}"
        ),
    }
}

/// Load the manifest, compile (or load cached) components, bind, and serve.
pub async fn start(config: Config) -> Result<RunningHost> {
    let app = crate::manifest::load(&config.manifest, &config.variable_env)?;
    let engine = engine::build_engine(&config)?;
    let cache_dir = config.cache_dir();

    let mut linker: Linker<State> = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)
        .map_err(anyhow::Error::from)
        .context("linking WASI")?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
        .map_err(anyhow::Error::from)
        .context("linking wasi:http")?;
    wasmtime_wasi::p3::add_to_linker(&mut linker)
        .map_err(anyhow::Error::from)
        .context("linking WASIp3")?;
    wasmtime_wasi_http::p3::add_to_linker(&mut linker)
        .map_err(anyhow::Error::from)
        .context("linking wasi:http@0.3")?;
    config
        .reuse
        .validate()
        .map_err(|e| anyhow::anyhow!("instance reuse: {e}"))?;
    state::add_to_linker(&mut linker).context("linking Spin interfaces")?;

    let runtime = match &config.runtime_config {
        Some(path) => crate::runtime_config::load(path)?,
        None => RuntimeConfig::default(),
    };
    let kv = Arc::new(stores::open_kv_stores(&config, &runtime).await?);
    let sqlite = stores::open_sqlite(&config, &runtime, &app)?;
    let redis = Arc::new(crate::outbound_redis::RedisPool::default());
    let follow_unknown: Vec<&String> = match &config.follow {
        Follow::Named(ids) => ids
            .iter()
            .filter(|id| !app.components.iter().any(|c| &c.id == *id))
            .collect(),
        _ => Vec::new(),
    };
    if !follow_unknown.is_empty() {
        let known: Vec<&str> = app.components.iter().map(|c| c.id.as_str()).collect();
        anyhow::bail!(
            "--follow names components the application does not have: {follow_unknown:?} (it has: {known:?})"
        );
    }
    let log_dir = config.log_dir();

    let mut components = Vec::with_capacity(app.components.len());
    let mut origins = Vec::with_capacity(app.components.len());
    // Loaded (or compiled) side by side; linked in manifest order below.
    let loads: Vec<_> = app
        .components
        .iter()
        .map(|c| {
            let (engine, id, source, hint, dir) = (
                engine.clone(),
                c.id.clone(),
                c.source.clone(),
                c.build_command.clone(),
                cache_dir.clone(),
            );
            tokio::task::spawn_blocking(move || {
                engine::load_component(&engine, &id, &source, hint.as_deref(), &dir)
            })
        })
        .collect();
    for (c, load) in app.components.iter().zip(loads) {
        let (component, origin) = load.await??;
        let pre = linker
            .instantiate_pre(&component)
            .map_err(|e| refuse_imports(&c.id, e))?;
        // Which HTTP world it serves decides how it is dispatched, as in
        // `wasmtime serve` and Spin.
        let dispatch = match wasmtime_wasi_http::p3::bindings::ServicePre::new(pre.clone()) {
            Ok(p3) => Some(HandlerPre::P3(p3)),
            Err(_) => wasmtime_wasi_http::p2::bindings::ProxyPre::new(pre)
                .ok()
                .map(HandlerPre::P2),
        }
        .with_context(|| {
            format!(
                "component {}: it exports neither wasi:http/incoming-handler@0.2 nor wasi:http/handler@0.3",
                c.id
            )
        })?;
        let ctx = Arc::new(ComponentCtx {
            id: c.id.clone(),
            kv_labels: c
                .key_value_stores
                .iter()
                .map(|l| Arc::<str>::from(l.as_str()))
                .collect(),
            variables: c.variables.clone(),
            outbound: Arc::new(OutboundPolicy::new(&c.allowed_outbound_hosts)?),
            outbound_timeouts: config.outbound_timeouts,
            kv: kv.clone(),
            redis: redis.clone(),
            sqlite_labels: c.sqlite_databases.clone(),
            sqlite: sqlite.clone(),
        });
        let files_root = if c.files.is_empty() {
            None
        } else {
            let root = config.state_dir.join("files").join(&c.id);
            let (app_dir, mounts, excludes, at) = (
                app.dir.clone(),
                c.files.clone(),
                c.exclude_files.clone(),
                root.clone(),
            );
            tokio::task::spawn_blocking(move || {
                crate::files::assemble(&app_dir, &mounts, &excludes, &at)
            })
            .await?
            .with_context(|| format!("component {}: files", c.id))?;
            Some(root)
        };
        let mut environment = c.environment.clone();
        for (k, v) in &config.env {
            environment.retain(|(name, _)| name != k);
            environment.push((k.clone(), v.clone()));
        }
        let follow = config.follow.follows(&c.id);
        let output = |stream: &str| {
            ComponentOutput::open(log_dir.as_deref(), &c.id, stream, follow)
                .with_context(|| format!("component {}: opening its {stream} log", c.id))
        };
        origins.push((c.id.clone(), origin));
        let setup = Arc::new(StoreSetup {
            engine: engine.clone(),
            ctx,
            files_root,
            stdout: output("stdout")?,
            stderr: output("stderr")?,
            environment,
            memory_limit: config.memory_limit,
        });
        let dispatch = match dispatch {
            HandlerPre::P2(pre) => Dispatch::P2(pre),
            p3 @ HandlerPre::P3(_) => Dispatch::P3(ProxyHandler::new(Workers {
                setup: setup.clone(),
                pre: p3,
                reuse: config.reuse,
                timeout: config.timeout,
                post_response_timeout: config.post_response_timeout,
                instances_started: Default::default(),
            })),
        };
        components.push(LoadedComponent { dispatch, setup });
    }

    let mut router = Router::new();
    let mut triggers = Vec::with_capacity(app.triggers.len());
    let mut routes = Vec::with_capacity(app.triggers.len());
    for (i, t) in app.triggers.iter().enumerate() {
        router
            .add(&t.route, i)
            .with_context(|| format!("trigger route {:?}", t.route))?;
        // Spin hands the route to the component in headers.
        HeaderValue::from_str(&t.route)
            .with_context(|| format!("route {:?} is not a valid header value", t.route))?;
        triggers.push(TriggerInfo {
            component: t.component,
        });
        let component = &app.components[t.component];
        let route = t.route.trim_end_matches('/');
        routes.push(ServedRoute {
            component: component.id.clone(),
            shown: match route.strip_suffix("/...") {
                Some(prefix) => format!("{prefix} (wildcard)"),
                None => route.to_owned(),
            },
            description: component.description.clone(),
        });
    }

    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;

    let shared = Arc::new(Shared {
        router,
        triggers,
        components,
        timeout: config.timeout,
        post_response_timeout: config.post_response_timeout,
        max_body: config.max_body,
        cache_stats: Arc::new(CacheStats::default()),
        limits: ConnLimits {
            header_read: config.header_read_timeout,
            idle: config.idle_timeout,
            connections: Arc::new(Semaphore::new(config.max_connections)),
        },
        alive: Arc::new(()),
    });

    {
        // Epoch ticker: drives deadlines (and cooperative yields) of running guests.
        let alive = Arc::downgrade(&shared.alive);
        let engine = engine.clone();
        std::thread::Builder::new()
            .name("meridian-epoch".into())
            .spawn(move || {
                while alive.strong_count() > 0 {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .context("starting epoch ticker")?;
    }

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let task = tokio::spawn(serve(listener, shared, shutdown_rx));
    tracing::info!(%addr, app = %app.name, components = origins.len(), "serving");
    Ok(RunningHost {
        addr,
        shutdown: shutdown_tx,
        task,
        origins,
        routes,
    })
}

async fn serve(listener: TcpListener, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let Ok(permit) = shared.limits.connections.clone().try_acquire_owned() else {
                    refuse_connection(&stream);
                    shared.cache_stats.record_connection_refused();
                    continue;
                };
                let shared = shared.clone();
                let mut shutdown = shutdown.clone();
                let (header_read, idle) = (shared.limits.header_read, shared.limits.idle);
                connections.spawn(async move {
                    let _permit = permit;
                    let watch = Arc::new(ConnWatch::new());
                    let service = {
                        let watch = watch.clone();
                        hyper::service::service_fn(move |req| {
                            let shared = shared.clone();
                            let in_flight = InFlight::begin(watch.clone());
                            async move {
                                let resp = handle(shared, req, peer).await;
                                // The request counts as in flight until its body is written.
                                Ok::<_, Infallible>(resp.map(|body| TrackedBody { body, _in_flight: in_flight }))
                            }
                        })
                    };
                    let io = WatchedIo { inner: stream, watch: watch.clone() };
                    let conn = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        // The host's own watchdog times heads and idle waits.
                        .header_read_timeout(None::<Duration>)
                        .serve_connection(TokioIo::new(io), service);
                    tokio::pin!(conn);
                    tokio::select! {
                        res = conn.as_mut() => {
                            if let Err(e) = res {
                                tracing::debug!(error = %e, "connection error");
                            }
                        }
                        why = watch.expired(header_read, idle) => {
                            tracing::debug!(%peer, why, "closing connection");
                        }
                        _ = shutdown.changed() => {
                            conn.as_mut().graceful_shutdown();
                            let _ = conn.await;
                        }
                    }
                });
            }
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    tracing::info!(
        connections = connections.len(),
        "shutting down; waiting for open connections"
    );
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(10), drain)
        .await
        .is_err()
    {
        connections.abort_all();
    }
    tracing::info!("stopped");
}

/// Limits on client connections (slowloris and connection floods).
struct ConnLimits {
    header_read: Duration,
    idle: Duration,
    connections: Arc<Semaphore>,
}

/// Over the connection cap: a short 503 written without waiting (a fresh
/// socket's send buffer takes it), then the socket is closed.
fn refuse_connection(stream: &tokio::net::TcpStream) {
    let body = meridian_wit::rpc::error_body(
        503,
        "too-many-connections",
        "the host is at its connection limit; retry shortly",
    );
    let mut reply = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    reply.extend_from_slice(&body);
    let _ = stream.try_write(&reply);
}

/// Where a connection stands, for its header-read and idle timeouts.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Waiting for the first byte of the next request on a kept-alive connection.
    Idle(Instant),
    /// Reading a request head (from the connection's start, or the request's first byte).
    Head(Instant),
    /// Requests being answered: the component deadline governs.
    InFlight(usize),
}

/// A connection's phase, updated by its IO (bytes read) and its service
/// (requests begun and finished); all on the connection's own task.
struct ConnWatch {
    phase: std::sync::Mutex<Phase>,
}

impl ConnWatch {
    fn new() -> Self {
        Self {
            phase: std::sync::Mutex::new(Phase::Head(Instant::now())),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Phase) -> R) -> R {
        let mut phase = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut phase)
    }

    fn bytes_read(&self) {
        self.with(|p| {
            if let Phase::Idle(_) = p {
                *p = Phase::Head(Instant::now());
            }
        });
    }

    /// Resolves when the connection has overstayed its phase.
    async fn expired(&self, header_read: Duration, idle: Duration) -> &'static str {
        loop {
            let now = Instant::now();
            let (at, why) = match self.with(|p| *p) {
                Phase::Head(since) => (since + header_read, "request head not complete in time"),
                Phase::Idle(since) => (since + idle, "idle"),
                // Look again later; a finished request resets the phase.
                Phase::InFlight(_) => (now + idle.min(header_read), ""),
            };
            if at <= now && !why.is_empty() {
                return why;
            }
            tokio::time::sleep_until(at.into()).await;
        }
    }
}

/// One request in flight on a connection, until its response body is dropped.
struct InFlight(Arc<ConnWatch>);

impl InFlight {
    fn begin(watch: Arc<ConnWatch>) -> Self {
        watch.with(|p| {
            *p = match *p {
                Phase::InFlight(n) => Phase::InFlight(n + 1),
                _ => Phase::InFlight(1),
            }
        });
        Self(watch)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.with(|p| {
            *p = match *p {
                Phase::InFlight(n) if n > 1 => Phase::InFlight(n - 1),
                _ => Phase::Idle(Instant::now()),
            }
        });
    }
}

/// A response body that ends its request's time in flight when dropped.
struct TrackedBody {
    body: HyperOutgoingBody,
    _in_flight: InFlight,
}

impl hyper::body::Body for TrackedBody {
    type Data = Bytes;
    type Error = <HyperOutgoingBody as hyper::body::Body>::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        std::pin::Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

/// A client socket that reports reads to its connection's watch.
struct WatchedIo {
    inner: tokio::net::TcpStream,
    watch: Arc<ConnWatch>,
}

impl tokio::io::AsyncRead for WatchedIo {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let res = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.watch.bytes_read();
        }
        res
    }
}

impl tokio::io::AsyncWrite for WatchedIo {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

fn full_body(body: Vec<u8>) -> HyperOutgoingBody {
    Full::new(Bytes::from(body))
        .map_err(|never: Infallible| match never {})
        .boxed_unsync()
}

fn error_response(status: StatusCode, code: &str, message: &str) -> Response<HyperOutgoingBody> {
    let body = meridian_wit::rpc::error_body(status.as_u16(), code, message);
    let mut resp = Response::new(full_body(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(meridian_wit::rpc::PROBLEM_JSON),
    );
    resp
}

/// A random, uuid-shaped error id.
fn error_id() -> String {
    let (a, b) = (crate::reuse::random_u64(), crate::reuse::random_u64());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        ((b >> 48) & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
    peer: SocketAddr,
) -> Response<HyperOutgoingBody> {
    // Body size: refuse early on a declared length, and bound what is read.
    if let Some(len) = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && len > shared.max_body as u64
    {
        return error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            &format!(
                "request body of {len} bytes exceeds the limit of {} bytes",
                shared.max_body
            ),
        );
    }

    let path = req.uri().path().to_owned();
    if path == cache_stats::PATH {
        let mut response = Response::new(full_body(shared.cache_stats.render().into_bytes()));
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(cache_stats::CONTENT_TYPE),
        );
        return response;
    }
    let Some(m) = shared.router.find(&path) else {
        return error_response(
            StatusCode::NOT_FOUND,
            "not-found",
            &format!("no route matches {path}"),
        );
    };
    let trigger = &shared.triggers[m.route.target];
    let component = &shared.components[trigger.component];

    // Spin's request: authority from `Host`, Spin's headers, no client `spin-*`.
    let authority = match request_headers::authority(req.uri(), req.headers()) {
        Ok(a) => a,
        Err(e) => return error_response(StatusCode::BAD_REQUEST, "bad-host", &e.to_string()),
    };
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .to_owned();
    let (mut parts, body) = req.into_parts();
    SpinRequest {
        scheme: "http",
        authority: &authority,
        path_and_query: &path_and_query,
        route: &m,
        client: peer,
    }
    .apply(&mut parts.headers);
    // The component sees an absolute URI: scheme and authority as the client addressed it.
    match http::Uri::builder()
        .scheme("http")
        .authority(authority.as_str())
        .path_and_query(path_and_query.as_str())
        .build()
    {
        Ok(uri) => parts.uri = uri,
        Err(e) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "bad-request-target",
                &format!("the request target is not a valid URI: {e}"),
            );
        }
    }

    // A body trickled in byte by byte must not hold the connection past the deadline.
    let read = tokio::time::timeout(
        shared.timeout,
        Limited::new(body, shared.max_body).collect(),
    );
    let Ok(read) = read.await else {
        return error_response(
            StatusCode::REQUEST_TIMEOUT,
            "body-timeout",
            &format!(
                "the request body did not arrive within {} ms",
                shared.timeout.as_millis()
            ),
        );
    };
    let body = match read {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                return error_response(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body-too-large",
                    &format!(
                        "request body exceeds the limit of {} bytes",
                        shared.max_body
                    ),
                );
            }
            return error_response(
                StatusCode::BAD_REQUEST,
                "bad-request-body",
                &format!("could not read the request body: {e}"),
            );
        }
    };
    let req = Request::from_parts(
        parts,
        Full::new(body)
            .map_err(|never: Infallible| -> wasmtime_wasi_http::Error { match never {} }),
    );

    let result = match &component.dispatch {
        Dispatch::P2(pre) => run_component(&shared, component, pre, req).await,
        Dispatch::P3(workers) => run_reused(workers, req).await,
    };
    match result {
        Ok(resp) => {
            let cache_status = resp
                .headers()
                .get("cache-status")
                .and_then(|v| v.to_str().ok());
            shared
                .cache_stats
                .record(&component.setup.ctx.id, cache_status);
            resp
        }
        Err(failure) => {
            let id = error_id();
            let (code, what) = match &failure {
                Failure::Timeout => ("component-timeout", "the component ran past its deadline"),
                Failure::Trapped(_) => ("component-trapped", "the component failed"),
            };
            match &failure {
                Failure::Timeout => tracing::error!(
                    component = %component.setup.ctx.id,
                    error_id = %id,
                    timeout_ms = shared.timeout.as_millis() as u64,
                    "component timed out"
                ),
                Failure::Trapped(e) => tracing::error!(
                    component = %component.setup.ctx.id,
                    error_id = %id,
                    error = %e,
                    "component trapped"
                ),
            }
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                code,
                &format!("{what}; error id {id}"),
            )
        }
    }
}

enum Failure {
    Timeout,
    Trapped(String),
}

fn classify(e: wasmtime::Error) -> Failure {
    if matches!(e.downcast_ref::<Trap>(), Some(Trap::Interrupt)) {
        Failure::Timeout
    } else {
        Failure::Trapped(format!("{e:?}"))
    }
}

async fn run_component<B>(
    shared: &Shared,
    component: &LoadedComponent,
    pre: &ProxyPre<State>,
    req: Request<B>,
) -> Result<Response<HyperOutgoingBody>, Failure>
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<wasmtime_wasi_http::Error>,
{
    let started = Instant::now();
    let mut store = component.setup.new_store().map_err(Failure::Trapped)?;
    // Every epoch tick the guest yields to the executor (so a busy guest does not
    // hold a worker thread); past the deadline it is interrupted. The deadline,
    // in microseconds after `started`, moves once the response is out.
    let deadline_us = Arc::new(AtomicU64::new(shared.timeout.as_micros() as u64));
    store.set_epoch_deadline(1);
    {
        let deadline_us = deadline_us.clone();
        store.epoch_deadline_callback(move |_| {
            let deadline = started + Duration::from_micros(deadline_us.load(Ordering::Relaxed));
            Ok(if Instant::now() >= deadline {
                UpdateDeadline::Interrupt
            } else {
                UpdateDeadline::Yield(1)
            })
        });
    }

    let (tx, rx) = oneshot::channel();
    let setup = (|| -> wasmtime::Result<_> {
        let mut http = store.data_mut().http();
        let req = http.new_incoming_request(Scheme::Http, req)?;
        let out = http.new_response_outparam(tx)?;
        Ok((req, out))
    })();
    let (req, out) = setup.map_err(|e| Failure::Trapped(format!("{e:?}")))?;

    let pre = pre.clone();
    let alive = shared.alive.clone();
    let task = tokio::spawn(async move {
        let _alive = alive;
        let proxy = pre.instantiate_async(&mut store).await?;
        proxy
            .wasi_http_incoming_handler()
            .call_handle(&mut store, req, out)
            .await
    });

    let result = match tokio::time::timeout(shared.timeout, rx).await {
        Ok(Ok(Ok(resp))) => {
            // The guest may go on (revalidating, streaming its body), but only
            // until the post-response deadline; then its instance is dropped,
            // which frees its slot, even while it waits on a hung origin.
            let post = shared.post_response_timeout;
            deadline_us.store(
                (started.elapsed() + post).as_micros() as u64,
                Ordering::Relaxed,
            );
            let stats = shared.cache_stats.clone();
            let id = component.setup.ctx.id.clone();
            tokio::spawn(async move {
                let mut task = task;
                let stopped = match tokio::time::timeout(post, &mut task).await {
                    Ok(Ok(Err(e))) => matches!(classify(e), Failure::Timeout),
                    Ok(_) => false,
                    Err(_) => {
                        task.abort();
                        true
                    }
                };
                if stopped {
                    stats.record_post_response_deadline(&id);
                    tracing::warn!(
                        component = %id,
                        deadline_ms = post.as_millis() as u64,
                        "work after the response ran past its deadline; instance stopped"
                    );
                }
            });
            Ok(resp)
        }
        Ok(Ok(Err(code))) => Err(Failure::Trapped(format!(
            "the component answered with error code {code:?}"
        ))),
        Ok(Err(_)) => match task.await {
            Ok(Ok(())) => Err(Failure::Trapped(
                "the component returned without setting a response".to_owned(),
            )),
            Ok(Err(e)) => Err(classify(e)),
            Err(join) => Err(Failure::Trapped(format!("host task failed: {join}"))),
        },
        Err(_) => {
            task.abort();
            Err(Failure::Timeout)
        }
    };
    tracing::debug!(
        component = %component.setup.ctx.id,
        elapsed_us = started.elapsed().as_micros() as u64,
        "request handled"
    );
    result
}

/// A request to a WASIp3 component, through its reused instances. A trap
/// ends the instance and fails every request in flight on it; a request past
/// its deadline ends the instance once its other requests are done.
async fn run_reused<B>(
    workers: &ProxyHandler<Workers>,
    req: Request<B>,
) -> Result<Response<HyperOutgoingBody>, Failure>
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<wasmtime_wasi_http::Error>,
{
    let req = req.map(|body| body.map_err(Into::into).boxed_unsync());
    let started = Instant::now();
    workers.handle((), req).await.map_err(|e| {
        // A guest that never yields is stopped from outside its event loop,
        // which fails its requests as a dead instance would; past the
        // deadline, that is the deadline's doing.
        let past_deadline = started.elapsed() >= workers.state().timeout;
        let died = e.downcast_ref::<TrapOrPanicError>().is_some();
        if e.downcast_ref::<ExpirationError>().is_some() || (died && past_deadline) {
            Failure::Timeout
        } else if died {
            Failure::Trapped("the instance serving this request failed".to_owned())
        } else if let Some(refused) = e.downcast_ref::<InstantiationError<()>>() {
            Failure::Trapped(format!("instantiating: {:?}", refused.error))
        } else {
            classify(e)
        }
    })
}
