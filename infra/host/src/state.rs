//! Per-request store state and the host side of the Spin / WASI interfaces
//! that wasmtime-wasi does not provide: key-value, variables, config, and the
//! outbound-HTTP policy hook (SQLite and Redis live in their own modules).

use std::collections::HashMap;
use std::sync::Arc;

use wasmtime::component::{Resource, ResourceTable};
use wasmtime::{ResourceLimiter, StoreLimits};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

use crate::kv::KvError;
use crate::kv_stores::{Kv, KvStores};
use crate::outbound::{OutboundPolicy, OutboundTimeouts};
use crate::sqlite::SqliteDbs;

pub mod bindings {
    wasmtime::component::bindgen!({
        path: "wit",
        world: "spin-host",
        // Async so that key-value writes (an fsync'd transaction each) can run on
        // the blocking pool instead of a runtime worker.
        imports: {
            default: async,
            // Building its stream and future can fail only with the store.
            "spin:key-value/key-value.[method]store.get-keys": async | store | trappable,
        },
        with: {
            "fermyon:spin/key-value.store": crate::state::SpinStore,
            "spin:key-value/key-value.store": crate::state::SpinStore,
            "wasi:keyvalue/store.bucket": crate::state::Bucket,
            "wasi:keyvalue/atomics.cas": crate::state::Cas,
            "fermyon:spin/sqlite.connection": crate::sqlite_host::SqliteConnection,
            "spin:sqlite/sqlite.connection": crate::sqlite_host::SqliteConnection,
            "fermyon:spin/redis.connection": crate::outbound_redis::RedisConnection,
        },
    });
}

use bindings::fermyon::spin::{key_value, variables};
use bindings::spin::key_value::key_value as key_value3;
use bindings::spin::variables::variables as variables3;
use bindings::wasi::config::store as config;
use bindings::wasi::keyvalue::{atomics, batch, store as wkv};

/// A `fermyon:spin/key-value` store handle.
pub struct SpinStore {
    label: Arc<str>,
}

/// A `wasi:keyvalue/store` bucket handle.
pub struct Bucket {
    label: Arc<str>,
}

/// A `wasi:keyvalue/atomics` compare-and-swap handle.
pub struct Cas {
    label: Arc<str>,
    key: String,
    current: Option<Vec<u8>>,
}

/// What one component may do; shared by all its requests.
pub struct ComponentCtx {
    pub id: String,
    pub kv_labels: Vec<Arc<str>>,
    pub variables: HashMap<String, String>,
    pub outbound: Arc<OutboundPolicy>,
    pub outbound_timeouts: OutboundTimeouts,
    pub kv: Arc<KvStores>,
    /// Outbound Redis connections, shared by every component.
    pub redis: Arc<crate::outbound_redis::RedisPool>,
    /// The SQLite labels in `sqlite_databases`.
    pub sqlite_labels: Vec<String>,
    pub sqlite: SqliteDbs,
}

impl ComponentCtx {
    fn kv_for(&self, label: &str) -> Kv<'_> {
        self.kv.for_label(label)
    }
}

/// The outbound HTTP hook: checks `allowed_outbound_hosts` before sending.
pub struct OutboundHooks {
    ctx: Arc<ComponentCtx>,
}

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: http::Request<wasmtime_wasi_http::WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> Box<
        dyn Future<
                Output = wasmtime_wasi_http::Result<(
                    http::Response<wasmtime_wasi_http::WasiBody>,
                    Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
                )>,
            > + Send,
    > {
        drop(fut);
        if let Err(reason) = self.ctx.outbound.check(request.uri()) {
            tracing::warn!(
                component = %self.ctx.id,
                host = %request.uri().authority().map(|a| a.as_str()).unwrap_or(""),
                scheme = %request.uri().scheme_str().unwrap_or(""),
                reason,
                "outbound HTTP request denied"
            );
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        let options = Some(self.ctx.outbound_timeouts.apply(options));
        Box::new(async move {
            use http_body_util::BodyExt;
            let (res, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                res.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

/// The data of one request's `Store`.
pub struct State {
    pub wasi: WasiCtx,
    pub http: WasiHttpCtx,
    pub table: ResourceTable,
    pub hooks: OutboundHooks,
    pub limits: StoreLimits,
    pub ctx: Arc<ComponentCtx>,
}

impl State {
    pub fn new(ctx: Arc<ComponentCtx>, wasi: WasiCtx, limits: StoreLimits) -> Self {
        Self {
            wasi,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: OutboundHooks { ctx: ctx.clone() },
            limits,
            ctx,
        }
    }

    pub fn limiter(&mut self) -> &mut dyn ResourceLimiter {
        &mut self.limits
    }

    fn label_allowed(&self, label: &str) -> Option<Arc<str>> {
        self.ctx.kv_labels.iter().find(|l| &***l == label).cloned()
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// Add the interfaces implemented here to the linker.
pub fn add_to_linker(linker: &mut wasmtime::component::Linker<State>) -> anyhow::Result<()> {
    bindings::SpinHost::add_to_linker::<State, wasmtime::component::HasSelf<State>>(linker, |s| s)?;
    Ok(())
}

fn other<E: std::fmt::Display>(e: E) -> String {
    format!("{e:#}")
}

// ---------------------------------------------------------------- fermyon:spin/key-value

impl key_value::Host for State {}

impl key_value::HostStore for State {
    async fn open(&mut self, label: String) -> Result<Resource<SpinStore>, key_value::Error> {
        let Some(label) = self.label_allowed(&label) else {
            tracing::debug!(component = %self.ctx.id, label, "key-value store not in key_value_stores");
            return Err(key_value::Error::AccessDenied);
        };
        self.table
            .push(SpinStore { label })
            .map_err(|_| key_value::Error::StoreTableFull)
    }

    async fn get(
        &mut self,
        store: Resource<SpinStore>,
        key: String,
    ) -> Result<Option<Vec<u8>>, key_value::Error> {
        let label = self.spin_label(&store)?;
        let kv = self.ctx.kv_for(&label);
        kv.get(&label, &key).await.map_err(spin_err)
    }

    async fn set(
        &mut self,
        store: Resource<SpinStore>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), key_value::Error> {
        let label = self.spin_label(&store)?;
        let kv = self.ctx.kv_for(&label);
        kv.set(&label, &key, value).await.map_err(spin_err)
    }

    async fn delete(
        &mut self,
        store: Resource<SpinStore>,
        key: String,
    ) -> Result<(), key_value::Error> {
        let label = self.spin_label(&store)?;
        let kv = self.ctx.kv_for(&label);
        kv.delete(&label, &key).await.map_err(spin_err)
    }

    async fn exists(
        &mut self,
        store: Resource<SpinStore>,
        key: String,
    ) -> Result<bool, key_value::Error> {
        let label = self.spin_label(&store)?;
        let kv = self.ctx.kv_for(&label);
        kv.exists(&label, &key).await.map_err(spin_err)
    }

    async fn get_keys(
        &mut self,
        store: Resource<SpinStore>,
    ) -> Result<Vec<String>, key_value::Error> {
        let label = self.spin_label(&store)?;
        let kv = self.ctx.kv_for(&label);
        kv.keys(&label).await.map_err(spin_err)
    }

    async fn drop(&mut self, store: Resource<SpinStore>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}

// ------------------------------------------------- spin:key-value@3.0.0 (WASIp3)

// The same stores as `fermyon:spin/key-value`, through the accessor of an
// async import: the store's label and the component's context are read from
// the store, and the key-value call is awaited outside it.

type Accessor3 = wasmtime::component::Accessor<State, wasmtime::component::HasSelf<State>>;

/// The label behind a handle, and the context to reach its backend.
fn kv3_target(
    store: &Accessor3,
    handle: &Resource<SpinStore>,
) -> Result<(Arc<str>, Arc<ComponentCtx>), key_value3::Error> {
    store.with(|mut view| {
        let state = view.get();
        let label = state
            .table
            .get(handle)
            .map(|s| s.label.clone())
            .map_err(|e| key_value3::Error::Other(other(e)))?;
        Ok((label, state.ctx.clone()))
    })
}

fn spin_err3(e: KvError) -> key_value3::Error {
    key_value3::Error::Other(other(e))
}

impl key_value3::Host for State {}

impl key_value3::HostStore for State {
    async fn drop(&mut self, store: Resource<SpinStore>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}

impl key_value3::HostStoreWithStore<State> for wasmtime::component::HasSelf<State> {
    async fn open(
        store: &Accessor3,
        label: String,
    ) -> Result<Resource<SpinStore>, key_value3::Error> {
        store.with(|mut view| {
            let state = view.get();
            let Some(label) = state.label_allowed(&label) else {
                tracing::debug!(component = %state.ctx.id, label, "key-value store not in key_value_stores");
                return Err(key_value3::Error::AccessDenied);
            };
            state
                .table
                .push(SpinStore { label })
                .map_err(|_| key_value3::Error::StoreTableFull)
        })
    }

    async fn get(
        store: &Accessor3,
        handle: Resource<SpinStore>,
        key: String,
    ) -> Result<Option<Vec<u8>>, key_value3::Error> {
        let (label, ctx) = kv3_target(store, &handle)?;
        ctx.kv_for(&label)
            .get(&label, &key)
            .await
            .map_err(spin_err3)
    }

    async fn set(
        store: &Accessor3,
        handle: Resource<SpinStore>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), key_value3::Error> {
        let (label, ctx) = kv3_target(store, &handle)?;
        ctx.kv_for(&label)
            .set(&label, &key, value)
            .await
            .map_err(spin_err3)
    }

    async fn delete(
        store: &Accessor3,
        handle: Resource<SpinStore>,
        key: String,
    ) -> Result<(), key_value3::Error> {
        let (label, ctx) = kv3_target(store, &handle)?;
        ctx.kv_for(&label)
            .delete(&label, &key)
            .await
            .map_err(spin_err3)
    }

    async fn exists(
        store: &Accessor3,
        handle: Resource<SpinStore>,
        key: String,
    ) -> Result<bool, key_value3::Error> {
        let (label, ctx) = kv3_target(store, &handle)?;
        ctx.kv_for(&label)
            .exists(&label, &key)
            .await
            .map_err(spin_err3)
    }

    async fn get_keys(
        store: &Accessor3,
        handle: Resource<SpinStore>,
    ) -> wasmtime::Result<(
        wasmtime::component::StreamReader<String>,
        wasmtime::component::FutureReader<Result<(), key_value3::Error>>,
    )> {
        // The keys as a stream, and how listing them ended as its future.
        let listed = match kv3_target(store, &handle) {
            Ok((label, ctx)) => ctx.kv_for(&label).keys(&label).await.map_err(spin_err3),
            Err(e) => Err(e),
        };
        let (keys, outcome) = match listed {
            Ok(keys) => (keys, Ok(())),
            Err(e) => (Vec::new(), Err(e)),
        };
        store.with(|mut view| {
            let stream = wasmtime::component::StreamReader::new(&mut view, keys)?;
            let future = wasmtime::component::FutureReader::new(&mut view, async move {
                Ok::<_, wasmtime::Error>(outcome)
            })?;
            Ok((stream, future))
        })
    }
}

fn spin_err(e: KvError) -> key_value::Error {
    key_value::Error::Other(other(e))
}

fn wasi_err(e: KvError) -> wkv::Error {
    wkv::Error::Other(other(e))
}

impl State {
    fn spin_label(&self, store: &Resource<SpinStore>) -> Result<Arc<str>, key_value::Error> {
        self.table
            .get(store)
            .map(|s| s.label.clone())
            .map_err(|e| key_value::Error::Other(other(e)))
    }

    fn bucket_label(&self, bucket: &Resource<Bucket>) -> Result<Arc<str>, wkv::Error> {
        self.table
            .get(bucket)
            .map(|s| s.label.clone())
            .map_err(|e| wkv::Error::Other(other(e)))
    }
}

// ---------------------------------------------------------------- fermyon:spin/variables

impl variables::Host for State {
    async fn get(&mut self, name: String) -> Result<String, variables::Error> {
        self.variable(&name).map_err(|e| match e {
            VariableError::InvalidName => variables::Error::InvalidName(name),
            VariableError::Undefined(why) => variables::Error::Undefined(why),
        })
    }
}

// ------------------------------------------------- spin:variables@3.0.0 (WASIp3)

impl variables3::Host for State {}

impl variables3::HostWithStore<State> for wasmtime::component::HasSelf<State> {
    async fn get(
        store: &wasmtime::component::Accessor<State, Self>,
        name: String,
    ) -> Result<String, variables3::Error> {
        store.with(|mut view| {
            view.get().variable(&name).map_err(|e| match e {
                VariableError::InvalidName => variables3::Error::InvalidName(name),
                VariableError::Undefined(why) => variables3::Error::Undefined(why),
            })
        })
    }
}

enum VariableError {
    InvalidName,
    Undefined(String),
}

impl State {
    /// A variable of this component, as both versions of Spin's interface give it.
    fn variable(&self, name: &str) -> Result<String, VariableError> {
        if crate::manifest::validate_variable_name(name).is_err() {
            return Err(VariableError::InvalidName);
        }
        self.ctx.variables.get(name).cloned().ok_or_else(|| {
            VariableError::Undefined(format!("no variable for {:?}.{name:?}", self.ctx.id))
        })
    }
}

// ---------------------------------------------------------------- wasi:config/store

impl config::Host for State {
    async fn get(&mut self, key: String) -> Result<Option<String>, config::Error> {
        Ok(self.ctx.variables.get(&key).cloned())
    }

    async fn get_all(&mut self) -> Result<Vec<(String, String)>, config::Error> {
        let mut all: Vec<(String, String)> = self
            .ctx
            .variables
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        all.sort();
        Ok(all)
    }
}

// ---------------------------------------------------------------- wasi:keyvalue

impl wkv::Host for State {
    async fn open(&mut self, identifier: String) -> Result<Resource<Bucket>, wkv::Error> {
        let Some(label) = self.label_allowed(&identifier) else {
            return Err(wkv::Error::AccessDenied);
        };
        self.table
            .push(Bucket { label })
            .map_err(|e| wkv::Error::Other(other(e)))
    }
}

impl wkv::HostBucket for State {
    async fn get(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> Result<Option<Vec<u8>>, wkv::Error> {
        let label = self.bucket_label(&bucket)?;
        let kv = self.ctx.kv_for(&label);
        kv.get(&label, &key).await.map_err(wasi_err)
    }

    async fn set(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), wkv::Error> {
        let label = self.bucket_label(&bucket)?;
        let kv = self.ctx.kv_for(&label);
        kv.set(&label, &key, value).await.map_err(wasi_err)
    }

    async fn delete(&mut self, bucket: Resource<Bucket>, key: String) -> Result<(), wkv::Error> {
        let label = self.bucket_label(&bucket)?;
        let kv = self.ctx.kv_for(&label);
        kv.delete(&label, &key).await.map_err(wasi_err)
    }

    async fn exists(&mut self, bucket: Resource<Bucket>, key: String) -> Result<bool, wkv::Error> {
        let label = self.bucket_label(&bucket)?;
        let kv = self.ctx.kv_for(&label);
        kv.exists(&label, &key).await.map_err(wasi_err)
    }

    async fn list_keys(
        &mut self,
        bucket: Resource<Bucket>,
        cursor: Option<String>,
    ) -> Result<wkv::KeyResponse, wkv::Error> {
        let label = self.bucket_label(&bucket)?;
        let kv = self.ctx.kv_for(&label);
        let mut keys = kv.keys(&label).await.map_err(wasi_err)?;
        keys.sort();
        // One page holds everything; a cursor (from a previous page) resumes after that key.
        let keys = match cursor {
            Some(after) => keys.into_iter().filter(|k| *k > after).collect(),
            None => keys,
        };
        Ok(wkv::KeyResponse { keys, cursor: None })
    }

    async fn drop(&mut self, bucket: Resource<Bucket>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}

impl atomics::Host for State {
    async fn increment(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        delta: i64,
    ) -> Result<i64, wkv::Error> {
        let label = self.bucket_label(&bucket)?;
        let kv = self.ctx.kv_for(&label);
        kv.increment(&label, &key, delta).await.map_err(wasi_err)
    }

    async fn swap(&mut self, cas: Resource<Cas>, value: Vec<u8>) -> Result<(), atomics::CasError> {
        let store_err = |e: KvError| atomics::CasError::StoreError(wasi_err(e));
        let c = self
            .table
            .delete(cas)
            .map_err(|e| atomics::CasError::StoreError(wkv::Error::Other(other(e))))?;
        let kv = self.ctx.kv_for(&c.label);
        if kv
            .swap_if(&c.label, &c.key, c.current.clone(), value)
            .await
            .map_err(store_err)?
        {
            return Ok(());
        }
        let current = kv.get(&c.label, &c.key).await.map_err(store_err)?;
        let fresh = self
            .table
            .push(Cas {
                label: c.label,
                key: c.key,
                current,
            })
            .map_err(|e| atomics::CasError::StoreError(wkv::Error::Other(other(e))))?;
        Err(atomics::CasError::CasFailed(fresh))
    }
}

impl atomics::HostCas for State {
    async fn new(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> Result<Resource<Cas>, wkv::Error> {
        let label = self.bucket_label(&bucket)?;
        let kv = self.ctx.kv_for(&label);
        let current = kv.get(&label, &key).await.map_err(wasi_err)?;
        self.table
            .push(Cas {
                label,
                key,
                current,
            })
            .map_err(|e| wkv::Error::Other(other(e)))
    }

    async fn current(&mut self, cas: Resource<Cas>) -> Result<Option<Vec<u8>>, wkv::Error> {
        self.table
            .get(&cas)
            .map(|c| c.current.clone())
            .map_err(|e| wkv::Error::Other(other(e)))
    }

    async fn drop(&mut self, cas: Resource<Cas>) -> wasmtime::Result<()> {
        self.table.delete(cas)?;
        Ok(())
    }
}

impl batch::Host for State {
    async fn get_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> Result<Vec<(String, Option<Vec<u8>>)>, wkv::Error> {
        let label = self.bucket_label(&bucket)?;
        let kv = self.ctx.kv_for(&label);
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            let v = kv.get(&label, &k).await.map_err(wasi_err)?;
            out.push((k, v));
        }
        Ok(out)
    }

    async fn set_many(
        &mut self,
        bucket: Resource<Bucket>,
        key_values: Vec<(String, Vec<u8>)>,
    ) -> Result<(), wkv::Error> {
        let label = self.bucket_label(&bucket)?;
        let kv = self.ctx.kv_for(&label);
        kv.set_many(&label, key_values).await.map_err(wasi_err)
    }

    async fn delete_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> Result<(), wkv::Error> {
        let label = self.bucket_label(&bucket)?;
        let kv = self.ctx.kv_for(&label);
        kv.delete_many(&label, keys).await.map_err(wasi_err)
    }
}
