//! Meridian's regional event collector: the edge forwards shoppers' event
//! beacons, validated and pseudonymized, as signed batches to a collector
//! in a region the shopper's residency decision allows; the collector
//! stores each event once and answers the bandit's counts.
//!
//! Request path: `meridian-rpc-server` (accept loop, timeouts, signed-call
//! admission) → [`server`] (routes, region rules, limits) → [`wire`] (the edge's batch type and the
//! collector's checks over it) →
//! [`store`] (SQLite, one transaction per batch). Beside it, when
//! configured, the [`bandit`] job publishes experiments' weights to the
//! edge from the store's counts, and [`stream`] adds every stored event to
//! a Redis stream.

pub mod bandit;
pub mod config;
pub mod metrics;
pub mod server;
pub mod store;
pub mod stream;
pub mod wire;

use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

/// A started collector: its address and a handle to stop it.
pub struct Running {
    pub addr: std::net::SocketAddr,
    /// `https` when TLS is configured, else `http`.
    pub scheme: &'static str,
    server: meridian_rpc_server::Running,
    bandit: Option<tokio::task::JoinHandle<()>>,
    stream: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    pub async fn stop(self) -> anyhow::Result<()> {
        // A run in flight finishes on its blocking thread; no new one starts.
        if let Some(job) = &self.bandit {
            job.abort();
        }
        // A send in flight finishes; what it did not send stays queued.
        if let Some(sender) = &self.stream {
            sender.abort();
        }
        Ok(self.server.stop().await?)
    }
}

/// Opens the store, binds and serves in the background, and schedules the
/// bandit job when `[bandit]` names an edge and the stream sender when
/// `[stream]` names a Redis. Refuses, outside development mode, a public or
/// short key and plain HTTP.
pub async fn start(config: config::Config) -> anyhow::Result<Running> {
    config.check_safety()?;
    let tls = meridian_rpc_server::tls::acceptor(&config.tls)?;
    let path = config.store_path();
    let durability = config.store.durability;
    let streaming = config.stream.enabled();
    let store = tokio::task::spawn_blocking(move || {
        if streaming {
            store::Store::open_with_outbox(&path, durability)
        } else {
            store::Store::open(&path, durability)
        }
    })
    .await??;
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, region = %config.region, store = %config.store_path().display(), tls = tls.is_some(), "collector ready");
    let limits = config.server.clone();
    let app = Arc::new(server::App::new(config, store));
    let bandit = app.config.bandit.enabled().then(|| {
        let every = std::time::Duration::from_secs(app.config.bandit.interval_s);
        tracing::info!(edge = %app.config.bandit.edge_url, every_s = every.as_secs(), "bandit job on");
        let job = bandit::BanditJob::new(&app.config.bandit, Arc::clone(&app.store));
        tokio::spawn(bandit::schedule(Arc::new(job), every))
    });
    let sender = streaming
        .then(|| {
            stream::Streamer::new(
                &app.config.stream,
                Arc::clone(&app.store),
                Arc::clone(&app.metrics),
            )
        })
        .transpose()?;
    let metrics = Arc::clone(&app.metrics);
    let server = meridian_rpc_server::Running::spawn(
        listener,
        server::router(Arc::clone(&app)),
        limits,
        app.connections.clone(),
        tls,
        move || metrics.connection_refused(),
    )?;
    // After the server: a start that fails leaves no sender behind.
    let stream = sender.map(|sender| {
        let every = std::time::Duration::from_millis(app.config.stream.retry_interval_ms);
        tracing::info!(key = %app.config.stream.key, maxlen = app.config.stream.maxlen, "Redis stream sink on");
        tokio::spawn(stream::schedule(
            Arc::new(sender),
            Arc::clone(&app.stored_new),
            every,
        ))
    });
    Ok(Running {
        addr: server.addr,
        scheme: server.scheme,
        server,
        bandit,
        stream,
    })
}
