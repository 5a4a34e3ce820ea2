//! The accept loop and what keeps one client from holding more than its
//! share: a connection cap, a header-read timeout (also bounding the TLS
//! handshake) and a write-stall timeout; graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::limits::ServerLimits;

/// Slots for open connections (`[server] max_connections`), held by the
/// accept loop and read by the metrics.
#[derive(Clone)]
pub struct Connections {
    slots: Arc<Semaphore>,
    total: usize,
}

impl Connections {
    pub fn new(max_connections: usize) -> Connections {
        let total = max_connections.max(1);
        Connections {
            slots: Arc::new(Semaphore::new(total)),
            total,
        }
    }

    /// Connections open now.
    pub fn open(&self) -> u64 {
        self.total.saturating_sub(self.slots.available_permits()) as u64
    }
}

/// Serves `router` until `shutdown` resolves, over TLS when `tls` is given.
/// Each connection holds a slot of `connections`; one over is closed at
/// once and counted by `refused`. In-flight connections get a moment to
/// finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &ServerLimits,
    connections: Connections,
    tls: Option<tokio_rustls::TlsAcceptor>,
    refused: impl Fn() + Send + 'static,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
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
        let Ok(slot) = Arc::clone(&connections.slots).try_acquire_owned() else {
            refused();
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

#[derive(Debug, thiserror::Error)]
pub enum StopError {
    #[error("server task")]
    Task(#[source] tokio::task::JoinError),
    #[error("server")]
    Serve(#[source] std::io::Error),
}

/// A server serving in the background: its address and a handle to stop it.
pub struct Running {
    pub addr: SocketAddr,
    /// `https` when TLS is configured, else `http`.
    pub scheme: &'static str,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Spawns [`serve`] on the current runtime until [`Running::stop`].
    pub fn spawn(
        listener: TcpListener,
        router: Router,
        limits: ServerLimits,
        connections: Connections,
        tls: Option<tokio_rustls::TlsAcceptor>,
        refused: impl Fn() + Send + 'static,
    ) -> std::io::Result<Running> {
        let addr = listener.local_addr()?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let stopped = async {
                let _ = stopped.await;
            };
            serve(
                listener,
                router,
                &limits,
                connections,
                tls,
                refused,
                stopped,
            )
            .await
        });
        Ok(Running {
            addr,
            scheme,
            stop,
            task,
        })
    }

    /// Stops accepting and waits for the loop (and the grace period of
    /// in-flight connections) to end.
    pub async fn stop(self) -> Result<(), StopError> {
        let _ = self.stop.send(());
        self.task
            .await
            .map_err(StopError::Task)?
            .map_err(StopError::Serve)
    }
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
        if polled.is_ready() {
            self.stalled = None;
            return polled;
        }
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
