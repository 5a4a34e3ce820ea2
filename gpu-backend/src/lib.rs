//! Meridian's regional GPU backend: implements the `meridian:platform`
//! interfaces (`imaging`, `tryon`, `copy`) behind the signed HTTP binding.
//!
//! Request path: [`server`] (routes over `meridian-rpc-server`'s accept
//! loop and signed-call admission) → [`service`] (the WIT
//! `Guest` implementation) → [`catalog`] (the source asset) → [`imaging`]
//! (decode, resize on the GPU or CPU, encode). [`gpu`] holds the one device
//! imaging and try-on share; [`onnx`] the one onnxruntime try-on and
//! [`copy`] share.

pub mod catalog;
pub mod config;
pub mod copy;
pub mod gpu;
pub mod imaging;
pub mod metrics;
pub mod onnx;
pub mod server;
pub mod service;
pub mod tryon;

use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

/// A started backend: its address and a handle to stop it.
pub use meridian_rpc_server::Running;

/// Binds, installs the imaging service and serves in the background.
/// Refuses, outside development mode, a public or short key and plain HTTP
/// ([`config::Config::check_safety`]).
pub async fn start(config: config::Config) -> anyhow::Result<Running> {
    config.check_safety()?;
    let tls = meridian_rpc_server::tls::acceptor(&config.tls)?;
    // Opened once and shared: one driver context, one queue for both services.
    let gpu = {
        let engine = config.engine;
        tokio::task::spawn_blocking(move || gpu::GpuDevice::for_engine(engine)).await??
    };
    let imaging = {
        let (config, gpu) = (config.clone(), gpu.clone());
        tokio::task::spawn_blocking(move || service::Imaging::new(&config, gpu)).await??
    };
    let imaging = service::install(imaging);
    // Try-on needs onnxruntime; without it the backend still renders images
    // and the try-on route answers 503 `tryon-unavailable`.
    let tryon = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || tryon::service::TryOn::new(&config.tryon, gpu))
            .await?
            .inspect_err(|e| tracing::warn!(error = %e, "try-on unavailable"))
            .ok()
            .map(tryon::service::install)
    };
    // Copy's memory and templates ship with the backend: a broken file
    // stops the start. Its models are optional (see `copy::service`).
    let copy = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || {
            copy::service::CopyService::new(&config.copy, &config.tryon.onnxruntime)
        })
        .await??
    };
    let copy = std::sync::Arc::new(copy);
    copy::service::install(Arc::clone(&copy));
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, engine = imaging.engine(), catalog = %config.catalog.display(), tls = tls.is_some(), "backend ready");
    let app = Arc::new(server::App::new(config, imaging, tryon, copy));
    let (router, limits) = (server::router(Arc::clone(&app)), app.config.server.clone());
    let connections = app.connections.clone();
    Ok(Running::spawn(
        listener,
        router,
        limits,
        connections,
        tls,
        move || app.metrics.connection_refused(),
    )?)
}
