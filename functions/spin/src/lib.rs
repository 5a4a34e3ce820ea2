//! What every Meridian Spin component shares: Spin's key-value store,
//! variables and outbound HTTP behind `meridian-edge`'s traits, and the
//! gate with the inputs Spin provides. Components are WASIp3
//! (`wasi:http/handler@0.3.0` through spin-sdk 7), so Spin 4.1 and
//! meridian-host reuse an instance across requests: nothing here keeps
//! anything about a request beyond it.
// Unsafe only in the generated bindings (`bindings`).

mod bindings;
pub mod country_db;
pub mod http;
pub mod personalize;
pub mod variables;

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bindings::fermyon::spin::key_value::Store;
use bindings::fermyon::spin::redis;
use bindings::wasi::keyvalue::{atomics, batch, store as wkv};
use bytes::Bytes;
use http::{IncomingRequest, Method, Request, ResponseOutparam, SpinResponse};
use meridian_edge::backend::{
    InboundResponse, OutboundRequest, RoutingConfig, Transport, TransportError, check_signing_key,
    development_mode,
};
use meridian_edge::cache::kv::{Expiry, Kv, Split};
use meridian_edge::cache::status::{CacheStatus, Forward};
use meridian_edge::cache::{CacheConfig, Fetched};
use meridian_edge::gate::{self, Admission, Ask};
use meridian_edge::http::cors::{self, Cors};
use meridian_edge::http::response::{Refusal, Response};
use meridian_edge::market::MarketConfig;
use meridian_edge::policy::CompiledPacks;
use meridian_edge::policy::stored::{self, InForce, PolicyKv, Shipped};
use meridian_edge::presets::Presets;
use meridian_edge::routes::origin::OriginClient;
use meridian_wit::rpc::META_HEADER;
use spin_sdk::http::body::IncomingBodyExt;

/// Where edge cache entries live: a store of their own (label `cache`),
/// which the host may give a byte budget and evict from; any of its keys
/// may vanish. Purge records and replay records stay in `default`.
pub const CACHE_STORE: &str = "cache";

/// Spin's `default` key-value store.
pub struct SpinKv(pub Store);

impl SpinKv {
    pub fn open_default() -> Result<SpinKv, Refusal> {
        Store::open("default").map(SpinKv).map_err(|e| {
            Refusal::new(
                500,
                "store-unavailable",
                format!("key-value store `default`: {e:?}"),
            )
        })
    }
}

impl Kv for SpinKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.0.get(key).map_err(|e| format!("{e:?}"))
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        self.0.set(key, value).map_err(|e| format!("{e:?}"))
    }
    fn delete(&self, key: &str) -> Result<(), String> {
        self.0.delete(key).map_err(|e| format!("{e:?}"))
    }
    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, String> {
        SpinBucket::open("default")?.get_many(keys)
    }
    /// Spin's key-value API has no compare-and-swap: `wasi:keyvalue/atomics`
    /// on the same store does.
    fn swap_if(&self, key: &str, expected: Option<&[u8]>, value: &[u8]) -> Result<bool, String> {
        SpinBucket::open("default")?.swap_if(key, expected, value)
    }
    fn durable(&self) -> &dyn Kv {
        self
    }
}

/// A store through `wasi:keyvalue` (batch reads and compare-and-swap),
/// and for a store that the runtime configuration puts on Redis, that
/// Redis for writes that carry a lifetime ([`SpinBucket::expiring_on`]).
pub struct SpinBucket {
    bucket: wkv::Bucket,
    lifetimes: Option<RedisLifetimes>,
}

impl SpinBucket {
    pub fn open(label: &str) -> Result<SpinBucket, String> {
        wkv::open(label)
            .map(|bucket| SpinBucket {
                bucket,
                lifetimes: None,
            })
            .map_err(|e| format!("key-value store `{label}`: {e:?}"))
    }

    /// Writes with a lifetime go to the Redis at `address` (the one the
    /// runtime configuration backs this store with) as `SET ... PXAT`:
    /// Spin's key-value interfaces cannot expire keys. The connection is
    /// opened on the first such write, so hits never open it.
    pub fn expiring_on(self, address: &str) -> SpinBucket {
        SpinBucket {
            lifetimes: Some(RedisLifetimes {
                address: address.to_owned(),
                connection: std::cell::OnceCell::new(),
            }),
            ..self
        }
    }
}

/// An outbound Redis connection (`fermyon:spin/redis`), opened once.
struct RedisLifetimes {
    address: String,
    connection: std::cell::OnceCell<Result<redis::Connection, String>>,
}

/// Compare-and-swap with a lifetime in one step: KEYS[1] to ARGV[3] with
/// `PXAT` ARGV[4] if it holds ARGV[2] (ARGV[1] = "1") or is absent ("0").
const SWAP_IF_UNTIL: &str = r"
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3], 'PXAT', ARGV[4])
return 1
";

impl RedisLifetimes {
    fn connection(&self) -> Result<&redis::Connection, String> {
        self.connection
            .get_or_init(|| {
                redis::Connection::open(&self.address)
                    .map_err(|e| format!("redis {}: {e:?}", self.address))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    fn execute(
        &self,
        command: &str,
        arguments: &[redis::RedisParameter],
    ) -> Result<Vec<redis::RedisResult>, String> {
        self.connection()?
            .execute(command, arguments)
            .map_err(|e| format!("redis {command}: {e:?}"))
    }

    fn set_until(&self, key: &str, value: &[u8], until: Expiry) -> Result<(), String> {
        use redis::RedisParameter::{Binary, Int64};
        let at = i64::try_from(until.unix_ms).map_err(|e| e.to_string())?;
        self.execute(
            "SET",
            &[
                Binary(key.as_bytes().to_vec()),
                Binary(value.to_vec()),
                Binary(b"PXAT".to_vec()),
                Int64(at),
            ],
        )
        .map(drop)
    }

    fn swap_if_until(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
        until: Expiry,
    ) -> Result<bool, String> {
        use redis::RedisParameter::{Binary, Int64};
        let at = i64::try_from(until.unix_ms).map_err(|e| e.to_string())?;
        let reply = self.execute(
            "EVAL",
            &[
                Binary(SWAP_IF_UNTIL.as_bytes().to_vec()),
                Int64(1),
                Binary(key.as_bytes().to_vec()),
                Binary(if expected.is_some() { b"1" } else { b"0" }.to_vec()),
                Binary(expected.unwrap_or_default().to_vec()),
                Binary(value.to_vec()),
                Int64(at),
            ],
        )?;
        match reply.as_slice() {
            [redis::RedisResult::Int64(swapped)] => Ok(*swapped == 1),
            other => Err(format!("redis EVAL: unexpected reply {other:?}")),
        }
    }
}

impl Kv for SpinBucket {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.bucket.get(key).map_err(|e| format!("{e:?}"))
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        self.bucket.set(key, value).map_err(|e| format!("{e:?}"))
    }
    fn delete(&self, key: &str) -> Result<(), String> {
        self.bucket.delete(key).map_err(|e| format!("{e:?}"))
    }
    fn set_until(&self, key: &str, value: &[u8], until: Expiry) -> Result<(), String> {
        match &self.lifetimes {
            Some(redis) => redis.set_until(key, value, until),
            None => Kv::set(self, key, value),
        }
    }
    fn swap_if_until(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
        until: Expiry,
    ) -> Result<bool, String> {
        match &self.lifetimes {
            Some(redis) => redis.swap_if_until(key, expected, value, until),
            None => self.swap_if(key, expected, value),
        }
    }
    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, String> {
        let found = batch::get_many(&self.bucket, keys).map_err(|e| format!("{e:?}"))?;
        // Answered by key: match them back to the order asked.
        Ok(keys
            .iter()
            .map(|k| {
                found
                    .iter()
                    .find(|(f, _)| f == k)
                    .and_then(|(_, v)| v.clone())
            })
            .collect())
    }
    fn swap_if(&self, key: &str, expected: Option<&[u8]>, value: &[u8]) -> Result<bool, String> {
        let cas = atomics::Cas::new(&self.bucket, key).map_err(|e| format!("{e:?}"))?;
        if cas.current().map_err(|e| format!("{e:?}"))?.as_deref() != expected {
            return Ok(false);
        }
        match atomics::swap(cas, value) {
            Ok(()) => Ok(true),
            Err(atomics::CasError::CasFailed(_)) => Ok(false),
            Err(atomics::CasError::StoreError(e)) => Err(format!("{e:?}")),
        }
    }
    fn durable(&self) -> &dyn Kv {
        self
    }
}

/// The edge cache's stores: entries in `cache`, purge records in `default`.
pub type SpinCache = Split<SpinBucket, SpinKv>;

/// Opens [`SpinCache`]; the component must list both stores. Where the
/// variable `cache_redis_url` names the Redis the runtime configuration
/// puts `cache` on, entries are written with their lifetimes there.
pub fn open_cache() -> Result<SpinCache, Refusal> {
    let entries =
        SpinBucket::open(CACHE_STORE).map_err(|e| Refusal::new(500, "store-unavailable", e))?;
    let entries = match variables::get("cache_redis_url") {
        Ok(url) if !url.trim().is_empty() => entries.expiring_on(url.trim()),
        // Undeclared or empty: a store without lifetimes (the embedded one).
        _ => entries,
    };
    Ok(Split {
        entries,
        durable: SpinKv::open_default()?,
    })
}

/// Spin's outbound HTTP (`wasi:http/client@0.3.0`); the host enforces
/// `allowed_outbound_hosts`. A request's `timeout_ms` races the whole
/// exchange, body included, against a monotonic-clock timer; dropping the
/// call cancels it.
#[derive(Debug, Clone, Copy)]
pub struct SpinHttp;

impl Transport for SpinHttp {
    async fn send(&self, request: OutboundRequest) -> Result<InboundResponse, TransportError> {
        let method = if request.method == "GET" {
            ::http::Method::GET
        } else {
            ::http::Method::POST
        };
        let mut builder = ::http::Request::builder().method(method).uri(&request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let outgoing = builder
            .body(Bytes::from(request.body))
            .map_err(|e| TransportError(e.to_string()))?;
        let exchange = async {
            let response = http::send(outgoing)
                .await
                .map_err(|e| TransportError(e.to_string()))?;
            let status = response.status().as_u16();
            let meta = response
                .headers()
                .get(META_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = response
                .into_body()
                .bytes()
                .await
                .map_err(|e| TransportError(format!("reading the answer: {e:?}")))?;
            Ok(InboundResponse {
                status,
                meta,
                body: body.to_vec(),
            })
        };
        match request.timeout_ms {
            None => exchange.await,
            Some(ms) => {
                let exchange = std::pin::pin!(exchange);
                let timer = std::pin::pin!(sleep_ms(ms));
                match futures_util::future::select(exchange, timer).await {
                    futures_util::future::Either::Left((answered, _)) => answered,
                    futures_util::future::Either::Right(((), _)) => {
                        Err(TransportError(format!("no answer within {ms} ms")))
                    }
                }
            }
        }
    }
}

/// A request as the components read it: [`http::Request::header`] gives
/// one value per header name, so the header lines as received are kept
/// beside it for the gate (a geo header sent twice, `X-Forwarded-For` on several
/// lines, opt-ins on separate lines all matter).
pub struct Incoming {
    pub request: Request,
    pub header_lines: Vec<(String, Vec<u8>)>,
}

impl Incoming {
    pub async fn read(incoming: IncomingRequest) -> Result<Incoming, Refusal> {
        let (request, header_lines) = http::read(incoming).await?;
        Ok(Incoming {
            request,
            header_lines,
        })
    }
}

impl Incoming {
    fn header(&self, name: &str) -> Option<&str> {
        self.request.header(name).and_then(|v| v.as_str())
    }

    /// The answer to a CORS preflight on a public route, or `None` when
    /// this request is not one and goes on to its route.
    pub fn preflight(&self) -> Option<Response> {
        if !cors::is_public_route(self.request.path()) {
            return None;
        }
        let method = self.request.method().as_str();
        let policy = match cors_policy() {
            Ok(policy) => policy,
            // Only a preflight is refused for it: the route itself answers
            // as it would without CORS.
            Err(refusal) => {
                return (method == "OPTIONS" && self.header("origin").is_some())
                    .then(|| refusal.into_response());
            }
        };
        policy.preflight(
            method,
            self.header("origin"),
            self.header("access-control-request-method"),
            self.header("access-control-request-headers"),
        )
    }

    /// What CORS adds to this request's answer (its `Origin`, on a public
    /// route); taken before the request is consumed.
    pub fn cross_origin(&self) -> CrossOrigin {
        let origin = cors::is_public_route(self.request.path())
            .then(|| self.header("origin").map(str::to_owned))
            .flatten();
        CrossOrigin { origin }
    }
}

/// The CORS headers for one request's answer.
pub struct CrossOrigin {
    origin: Option<String>,
}

impl CrossOrigin {
    pub fn apply(&self, response: Response) -> Response {
        match (&self.origin, cors_policy()) {
            (Some(origin), Ok(policy)) => policy.decorate(Some(origin), response),
            _ => response,
        }
    }
}

/// The instance's `cors_origins`.
fn cors_policy() -> Result<&'static Cors, Refusal> {
    crate::once_per_instance!(Cors, {
        // A component that does not declare the variable has no CORS.
        let list = variables::get("cors_origins").unwrap_or_default();
        Cors::parse(&list).inspect_err(|refusal| eprintln!("meridian: {refusal}"))
    })
}

/// Reads the request and answers with `serve`'s response, or its refusal;
/// CORS preflights on public routes are answered before `serve`.
pub async fn answer(
    req: IncomingRequest,
    serve: impl FnOnce(&Incoming) -> Result<Response, Refusal>,
) -> SpinResponse {
    into_spin(match Incoming::read(req).await {
        Ok(incoming) => match incoming.preflight() {
            Some(preflight) => preflight,
            None => incoming
                .cross_origin()
                .apply(serve(&incoming).unwrap_or_else(Refusal::into_response)),
        },
        Err(refusal) => refusal.into_response(),
    })
}

/// A value built from Spin variables once per instance, the same
/// `&'static` after; a failure is kept too, as a variable cannot change
/// under a running instance. Only configuration goes in here, never
/// anything about a shopper or a request.
#[macro_export]
macro_rules! once_per_instance {
    ($ty:ty, $build:expr) => {{
        static ONCE: ::std::sync::OnceLock<
            ::core::result::Result<$ty, $crate::__private::Refusal>,
        > = ::std::sync::OnceLock::new();
        ONCE.get_or_init(|| $build)
            .as_ref()
            .map_err(::core::clone::Clone::clone)
    }};
}

#[doc(hidden)]
pub mod __private {
    pub use meridian_edge::http::response::Refusal;
}

/// `cache_config` (TOML; empty keeps every default).
pub fn cache_config() -> Result<&'static CacheConfig, Refusal> {
    once_per_instance!(
        CacheConfig,
        CacheConfig::from_toml(&variables::get("cache_config").unwrap_or_default())
    )
}

/// `market_config` (TOML; empty keeps the defaults).
fn market_config() -> Result<&'static MarketConfig, Refusal> {
    once_per_instance!(MarketConfig, {
        let text = variables::get("market_config").unwrap_or_default();
        if text.trim().is_empty() {
            Ok(MarketConfig::default())
        } else {
            MarketConfig::from_toml(&text)
                .map_err(|e| Refusal::new(500, "market-config-invalid", e.to_string()))
        }
    })
}

/// `media_presets` (empty or undeclared: the shipped ones): what the media
/// component renders and the pages link to, read one way for both.
pub fn media_presets() -> Result<&'static Presets, Refusal> {
    once_per_instance!(
        Presets,
        Presets::load(variables::get("media_presets").ok().as_deref()).map_err(|e| Refusal::new(
            500,
            "presets-invalid",
            format!("media_presets: {e}")
        ))
    )
}

/// `backend_signing_key`, refused when weak outside `development_mode`.
pub fn backend_signing_key() -> Result<&'static str, Refusal> {
    once_per_instance!(String, {
        variable("backend_signing_key")
            .and_then(|key| check_signing_key(&key, development()).map(|()| key))
    })
    .map(String::as_str)
}

/// `development_mode`: plain-http backends and weak keys allowed.
pub fn development() -> bool {
    once_per_instance!(
        bool,
        Ok(development_mode(
            &variables::get("development_mode").unwrap_or_default()
        ))
    )
    .is_ok_and(|on| *on)
}

/// A Spin variable, or a 500 that names it.
pub fn variable(name: &str) -> Result<String, Refusal> {
    variables::get(name).map_err(|e| {
        Refusal::new(
            500,
            "configuration-missing",
            format!("variable `{name}`: {e}"),
        )
    })
}

/// An edge response as Spin's. Every response says what the edge cache
/// did; routes that never cache say `fwd=bypass`.
pub fn into_spin(response: Response) -> SpinResponse {
    http::to_spin(with_cache_status(response))
}

fn with_cache_status(mut response: Response) -> Response {
    if response.get("cache-status").is_none() {
        response.headers.push((
            "cache-status".into(),
            CacheStatus::new(Forward::Bypass).value(),
        ));
    }
    response
}

/// Answers the request with `response` through `out`; the handler goes
/// on after it (see [`http::with_outparam`]), the shopper already served.
pub async fn respond(out: ResponseOutparam, response: Response) {
    out.set(into_spin(response));
}

/// Waits `ms` on `wasi:clocks/monotonic-clock@0.3.0`.
async fn sleep_ms(ms: u64) {
    spin_sdk::wasip3::clocks::monotonic_clock::wait_for(ms.saturating_mul(1_000_000)).await;
}

/// Unix milliseconds now (the router's clock).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// The `backend_routing` variable (empty: every default).
pub fn routing() -> Result<&'static RoutingConfig, Refusal> {
    once_per_instance!(
        RoutingConfig,
        RoutingConfig::from_toml(&variables::get("backend_routing").unwrap_or_default())
    )
}

/// Unix seconds now.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The gate's inputs for one request: market configuration and the policy
/// packs in force (the country database is the instance's,
/// [`country_db::COUNTRY_DB`]).
pub struct Gate {
    loaded: Instant,
    config: &'static MarketConfig,
    policy: stored::Held,
}

thread_local! {
    /// The policy this instance last loaded, by the stored head (checked
    /// on every request, so a publish is in force on the next one).
    static POLICY: stored::Memo = stored::Memo::default();
}

/// The gate reads the policy through the store it was given; only the
/// admin API changes it (through [`SpinBucket`]).
struct GateReads<'a>(&'a SpinKv);

impl PolicyKv for GateReads<'_> {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        Kv::get(self.0, key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        Kv::set(self.0, key, value)
    }
    fn delete(&self, key: &str) -> Result<(), String> {
        Kv::delete(self.0, key)
    }
    fn compare_and_swap(&self, _: &str, _: Option<&[u8]>, _: &[u8]) -> Result<bool, String> {
        Err("the gate does not change the policy".to_owned())
    }
}

/// Logs, loudly, that the shipped packs stand in for the stored set.
fn log_fallback(policy: &InForce) {
    if let (Some(why), Some(problem)) = (policy.fallback, policy.problem.as_deref()) {
        eprintln!(
            "meridian: POLICY FALLBACK {}: {problem}; serving the shipped packs until the stored set is fixed",
            why.code()
        );
    }
}

impl Gate {
    /// Reads `market_config` (TOML; empty keeps the defaults) and the
    /// published packs from `store`, compiled for this build, falling back
    /// to the shipped ones (and saying so) when they cannot be used.
    pub fn load(store: &SpinKv) -> Result<Gate, Refusal> {
        let loaded = Instant::now();
        let config = market_config()?;
        let reads = GateReads(store);
        let policy = POLICY.with(|memo| {
            memo.load(&reads, &Shipped::this_build(), |fresh| {
                if let Err(e) = stored::save_cache(&reads, fresh) {
                    eprintln!("meridian: caching the compiled policy: {e}");
                }
            })
        });
        log_fallback(&policy.in_force);
        Ok(Gate {
            loaded,
            config,
            policy,
        })
    }

    /// The packs in force, decoded once per published set by this instance.
    pub fn packs(&self) -> Result<&CompiledPacks<'_>, Refusal> {
        match &self.policy.packs {
            Some(packs) => Ok(packs.get()),
            None => Err(self.policy.in_force.packs().err().map_or_else(
                || {
                    Refusal::new(
                        500,
                        "policy-unavailable",
                        "the packs in force did not decode",
                    )
                },
                |e| Refusal::new(500, "policy-unavailable", e.to_string()),
            )),
        }
    }

    /// The policy in force and what the store held.
    pub fn policy(&self) -> &InForce {
        &self.policy.in_force
    }

    /// Runs the gate for `req` and writes its audit line. The admission
    /// carries the time from [`Gate::load`] to its decision (`Server-Timing: gate`).
    /// A stored set whose packs fail to decode is replaced by the shipped
    /// packs for this request, not answered with a 500.
    pub fn admit(&self, req: &Incoming, ask: Ask<'_>) -> Result<Admission, Refusal> {
        let peer = req
            .request
            .header("spin-client-addr")
            .and_then(|v| v.as_str());
        let admit = |packs: &CompiledPacks<'_>| {
            gate::admit(
                &req.header_lines,
                peer,
                req.request.query(),
                ask,
                self.config,
                &country_db::COUNTRY_DB,
                packs,
            )
        };
        let in_force = &self.policy.in_force;
        let outcome = self.packs().and_then(admit);
        let mut admission = match outcome {
            Err(refusal) if refusal.code == "policy-unavailable" && in_force.uses_stored_set() => {
                let shipped = in_force.shipped_instead(refusal.message);
                log_fallback(&shipped);
                let packs = shipped
                    .packs()
                    .map_err(|e| Refusal::new(500, "policy-unavailable", e.to_string()))?;
                let mut admission = admit(&packs)?;
                admission.policy_fallback = shipped.fallback;
                admission
            }
            other => {
                let mut admission = other?;
                admission.policy_fallback = in_force.fallback;
                admission
            }
        };
        admission.elapsed = Some(self.loaded.elapsed());
        for notice in admission.notices() {
            eprintln!("meridian: {notice}");
        }
        eprintln!("meridian-audit {}", admission.audit_line(now(), ask.sku));
        Ok(admission)
    }
}

/// Policy changes go through the same `wasi:keyvalue` store as the cache's
/// purge records: its compare-and-swap keeps publishes from overwriting
/// each other.
impl PolicyKv for SpinBucket {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        Kv::get(self, key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        Kv::set(self, key, value)
    }
    fn delete(&self, key: &str) -> Result<(), String> {
        Kv::delete(self, key)
    }
    fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
    ) -> Result<bool, String> {
        self.swap_if(key, expected, value)
    }
}

/// Checks `Authorization: Bearer <token>` against the secret variable
/// `variable`, in constant time. An empty secret turns the API off (403
/// `<api>-disabled`); a wrong or missing token is 401 `<api>-unauthorized`.
pub fn authorize_bearer(req: &Request, variable_name: &str, api: &str) -> Result<(), Refusal> {
    let expected = variable(variable_name)?;
    if expected.is_empty() {
        return Err(Refusal::new(
            403,
            format!("{api}-disabled"),
            format!("the {api} API is off: set the variable {variable_name}"),
        ));
    }
    let given = req
        .header("authorization")
        .and_then(|v| v.as_str())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Constant time, and no early exit on a length difference.
    if meridian_wit::rpc::secrets_match(given.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(Refusal::new(
            401,
            format!("{api}-unauthorized"),
            format!("the {api} API needs `Authorization: Bearer <{variable_name}>`"),
        ))
    }
}

/// A merchant origin through Spin's outbound HTTP (the host enforces
/// `allowed_outbound_hosts`).
pub struct SpinOrigin;

impl OriginClient for SpinOrigin {
    async fn send(
        &self,
        url: &str,
        parts: &::http::request::Parts,
        body: &[u8],
    ) -> Result<Fetched, Refusal> {
        let unreachable = |e: String| {
            Refusal::new(
                502,
                "origin-unreachable",
                format!("the origin could not be reached: {e}"),
            )
        };
        let mut builder = ::http::Request::builder()
            .method(parts.method.clone())
            .uri(url);
        for (name, value) in &parts.headers {
            builder = builder.header(name, value);
        }
        let outgoing = builder
            .body(Bytes::copy_from_slice(body))
            .map_err(|e| Refusal::new(400, "header-invalid", e.to_string()))?;
        let response = http::send(outgoing)
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let (answer, body) = response.into_parts();
        let body = body
            .bytes()
            .await
            .map_err(|e| unreachable(format!("{e:?}")))?;
        Ok(::http::Response::from_parts(answer, body.to_vec()))
    }
}

/// Whether a read-only route's request is `HEAD` (`GET` is `false`);
/// any other method is 405 naming the route.
pub fn get_or_head(req: &Request, route: &str) -> Result<bool, Refusal> {
    match req.method() {
        Method::Get => Ok(false),
        Method::Head => Ok(true),
        other => Err(Refusal::new(
            405,
            "method-not-allowed",
            format!("{other} is not allowed; {route} are GET or HEAD"),
        )),
    }
}
