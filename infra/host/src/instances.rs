//! How component instances are made, and how WASIp3 ones are reused.
//!
//! Every instance gets its own [`Store`]: its WASI context (the component's
//! environment, files and output), the memory limit, and the component's
//! host context. A WASIp2 component gets one a request (see
//! `server::run_component`); a WASIp3 component is served through
//! wasmtime-wasi-http's [`ProxyHandler`], which keeps instances for as many
//! requests as [`ReuseConfig`] lets them take.

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use wasmtime::component::GuestTaskId;
use wasmtime::{Engine, Store, StoreContextMut, StoreLimitsBuilder, UpdateDeadline};
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::handler::{
    HandlerState, Instance, ProxyPre, ShouldAccept, WorkerExpiration, WorkerState, WorkerStatus,
};

use crate::outbound::OutboundPolicy;
use crate::reuse::{InstanceLimits, ReuseConfig};
use crate::state::{ComponentCtx, State};
use crate::stdio::ComponentOutput;

/// What every store of one component is made from.
pub struct StoreSetup {
    pub engine: Engine,
    pub ctx: Arc<ComponentCtx>,
    /// The component's `files`, laid out; seen read-only at `/`.
    pub files_root: Option<PathBuf>,
    pub stdout: ComponentOutput,
    pub stderr: ComponentOutput,
    pub environment: Vec<(String, String)>,
    /// Linear memory an instance may hold (all its requests together, when
    /// reused).
    pub memory_limit: usize,
}

impl StoreSetup {
    /// A new store for one instance. Its epoch deadline is the caller's to set.
    pub fn new_store(&self) -> Result<Store<State>, String> {
        let mut wasi = WasiCtxBuilder::new();
        wasi.stdout(self.stdout.clone()).stderr(self.stderr.clone());
        for (k, v) in &self.environment {
            wasi.env(k, v);
        }
        if let Some(root) = &self.files_root {
            wasi.preopened_dir(root, "/", FsPerms::ReadOnly)
                .map_err(|e| format!("preopening {}: {e}", root.display()))?;
        }
        gate_sockets(&mut wasi, self.ctx.outbound.clone());
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.memory_limit)
            .trap_on_grow_failure(true)
            .build();
        let mut store = Store::new(
            &self.engine,
            State::new(self.ctx.clone(), wasi.build(), limits),
        );
        store.limiter(|s| s.limiter());
        Ok(store)
    }
}

/// `wasi:sockets` as Spin gates it: a TCP connection (or UDP peer) only to an
/// address `allowed_outbound_hosts` allows with scheme `tcp` (`udp`), checked
/// against the IP the guest connects to. No listening sockets; binds only the
/// implicit, unspecified one a connect makes.
fn gate_sockets(wasi: &mut WasiCtxBuilder, policy: Arc<OutboundPolicy>) {
    wasi.allow_tcp(true)
        .allow_udp(true)
        .allow_ip_name_lookup(true)
        .socket_addr_check(move |addr, used| {
            let allowed = match used {
                SocketAddrUse::TcpConnect => policy.allows_socket("tcp", addr),
                SocketAddrUse::UdpSend | SocketAddrUse::UdpReceive => {
                    policy.allows_socket("udp", addr)
                }
                SocketAddrUse::TcpBind | SocketAddrUse::UdpBind => {
                    addr.ip().is_unspecified() && addr.port() == 0
                }
                SocketAddrUse::TcpListen | SocketAddrUse::TcpAccept => false,
            };
            Box::pin(async move { allowed })
        });
}

/// A WASIp3 component's instances: made on demand, each reused within the
/// limits it drew, dropped when idle past its timeout, and ended (with all
/// its in-flight requests) by a trap or a request past its deadline.
pub struct Workers {
    pub setup: Arc<StoreSetup>,
    pub pre: ProxyPre<State>,
    pub reuse: ReuseConfig,
    /// A request's deadline, from when its instance accepts it.
    pub timeout: Duration,
    /// How long an instance may go on after its last response (streaming a
    /// body, revalidating) before it is dropped.
    pub post_response_timeout: Duration,
    pub instances_started: AtomicU64,
}

impl HandlerState for Workers {
    type StoreData = State;
    type WorkerExpiration = Expiration;
    type WorkerState = Worker;

    async fn instantiate(&self) -> wasmtime::Result<Instance<State, Expiration, Worker>> {
        let mut store = self.setup.new_store().map_err(wasmtime::Error::msg)?;
        // Deadlines are the handler's (below); the epoch only makes a busy
        // guest yield, so that they can be enforced.
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|_| Ok(UpdateDeadline::Yield(1)));
        let proxy = self.pre.instantiate_async(&mut store).await?;
        let limits = self.reuse.draw();
        let n = self.instances_started.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::debug!(
            component = %self.setup.ctx.id,
            instance = n,
            max_requests = limits.max_requests,
            max_concurrent = limits.max_concurrent,
            idle_timeout_ms = limits.idle_timeout.as_millis() as u64,
            "instance started"
        );
        Ok(Instance {
            store,
            proxy,
            view: WasiHttpView::http,
            expiration: Expiration {
                idle: limits.idle_timeout,
                requests: self.timeout,
                post_return: self.post_response_timeout,
                sleep: Box::pin(tokio::time::sleep(Duration::MAX)),
            },
            state: Worker {
                limits,
                timeout: self.timeout,
                component: self.setup.ctx.id.clone(),
            },
        })
    }
}

/// One instance's request bookkeeping.
pub struct Worker {
    limits: InstanceLimits,
    timeout: Duration,
    component: String,
}

impl WorkerState for Worker {
    type StoreData = State;
    type RequestData = ();

    fn should_accept_request(&self, concurrent: usize, total: usize) -> ShouldAccept {
        if total >= self.limits.max_requests {
            ShouldAccept::Never
        } else if concurrent >= self.limits.max_concurrent {
            ShouldAccept::No
        } else {
            ShouldAccept::Yes
        }
    }

    fn on_request_start(
        &self,
        _store: StoreContextMut<'_, State>,
        _data: (),
        _task: GuestTaskId,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + Sync + 'static>> {
        Box::pin(tokio::time::sleep(self.timeout))
    }

    fn drop(&self, store: Store<State>, result: wasmtime::Result<()>) {
        match result {
            Ok(()) => {}
            // wasmtime-wasi-http reports every worker dropped mid-flight as
            // "worker panicked". Outside an unwind that is a cancelled task
            // (the host shutting down), not a panic.
            Err(e) if e.to_string() == "worker panicked" && !std::thread::panicking() => {
                tracing::debug!(component = %self.component, "instance dropped with its worker task (host shutting down)");
            }
            Err(e) => {
                tracing::warn!(component = %self.component, error = %format!("{e:?}"), "instance ended");
            }
        }
        drop(store);
    }
}

/// When an instance is dropped: idle past its idle timeout, a request past
/// the deadline, or work after the last response past its own. Polled from
/// outside the store's event loop, so it holds even for a guest that never
/// waits (see wasmtime-wasi-http's `WorkerState::on_request_start`).
pub struct Expiration {
    idle: Duration,
    requests: Duration,
    post_return: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl WorkerExpiration for Expiration {
    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        status: WorkerStatus,
        start: Instant,
    ) -> Poll<()> {
        let after = match status {
            WorkerStatus::Idle => self.idle,
            WorkerStatus::Requests => self.requests,
            WorkerStatus::PostReturn => self.post_return,
        };
        let Some(deadline) = start.checked_add(after) else {
            return Poll::Pending;
        };
        let deadline = tokio::time::Instant::from_std(deadline);
        if self.sleep.deadline() != deadline {
            self.sleep.as_mut().reset(deadline);
        }
        self.sleep.as_mut().poll(cx)
    }
}
