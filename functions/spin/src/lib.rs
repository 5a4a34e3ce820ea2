//! What every Meridian Spin component shares: Spin's key-value store,
//! variables and outbound HTTP behind `meridian-edge`'s traits, and the
//! gate with the inputs Spin provides.
// No unsafe here; the components' `#[http_component]` glue is theirs.

pub mod personalize;

use std::future::Future;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use meridian_edge::backend::{
    InboundResponse, OutboundRequest, RoutingConfig, Transport, TransportError,
};
use meridian_edge::cache::Fetched;
use meridian_edge::cache::kv::{Expiry, Kv, Split};
use meridian_edge::cache::status::{CacheStatus, Forward};
use meridian_edge::gate::{self, Admission, Ask};
use meridian_edge::http::cors::{self, Cors};
use meridian_edge::http::response::{Refusal, Response};
use meridian_edge::market::{CountryDb, MarketConfig};
use meridian_edge::policy::CompiledPacks;
use meridian_edge::policy::stored::{self, InForce, PolicyKv, Shipped};
use meridian_edge::routes::origin::OriginClient;
use meridian_wit::rpc::META_HEADER;
use spin_sdk::http::{
    self, Fields, IncomingRequest, IncomingResponse, Method, OutgoingResponse, Request,
    ResponseOutparam,
};
use spin_sdk::key_value::Store;
use spin_sdk::wit::wasi::keyvalue::{atomics, batch, store as wkv};
use spin_sdk::{redis, variables};

/// Where edge cache entries live: a store of their own (label `cache`),
/// which the host may give a byte budget and evict from; any of its keys
/// may vanish. Purge records and replay records stay in `default`.
pub const CACHE_STORE: &str = "cache";

/// Spin's `default` key-value store.
pub struct SpinKv(pub Store);

impl SpinKv {
    pub fn open_default() -> Result<SpinKv, Refusal> {
        Store::open_default().map(SpinKv).map_err(|e| {
            Refusal::new(
                500,
                "store-unavailable",
                format!("key-value store `default`: {e}"),
            )
        })
    }
}

impl Kv for SpinKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.0.get(key).map_err(|e| e.to_string())
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        self.0.set(key, value).map_err(|e| e.to_string())
    }
    fn delete(&self, key: &str) -> Result<(), String> {
        self.0.delete(key).map_err(|e| e.to_string())
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

/// Spin's outbound HTTP; the host enforces `allowed_outbound_hosts`.
/// A request's `timeout_ms` races the call against a monotonic-clock
/// timer: spin-sdk's `send` sets no `request-options`, and dropping the
/// call cancels it.
#[derive(Debug, Clone, Copy)]
pub struct SpinHttp;

impl Transport for SpinHttp {
    async fn send(&self, request: OutboundRequest) -> Result<InboundResponse, TransportError> {
        let mut builder = Request::builder();
        let method = if request.method == "GET" {
            Method::Get
        } else {
            Method::Post
        };
        builder.method(method).uri(request.url);
        for (name, value) in request.headers {
            builder.header(name, value);
        }
        let send = http::send::<_, http::Response>(builder.body(request.body).build());
        let response = match request.timeout_ms {
            None => send.await,
            Some(ms) => {
                let send = std::pin::pin!(send);
                let timer = std::pin::pin!(sleep_ms(ms));
                match futures_util::future::select(send, timer).await {
                    futures_util::future::Either::Left((sent, _)) => sent,
                    futures_util::future::Either::Right(((), _)) => {
                        return Err(TransportError(format!("no answer within {ms} ms")));
                    }
                }
            }
        }
        .map_err(|e| TransportError(e.to_string()))?;
        Ok(InboundResponse {
            status: *response.status(),
            meta: response
                .header(META_HEADER)
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            body: response.into_body(),
        })
    }
}

/// A request as the components read it: spin-sdk's `Request` keeps one
/// value per header name, so the header lines as received are kept beside
/// it for the gate (a geo header sent twice, `X-Forwarded-For` on several
/// lines, opt-ins on separate lines all matter).
pub struct Incoming {
    pub request: Request,
    pub header_lines: Vec<(String, Vec<u8>)>,
}

impl Incoming {
    pub async fn read(incoming: IncomingRequest) -> Result<Incoming, Refusal> {
        let header_lines = incoming.headers().entries();
        let request = Request::builder()
            .method(incoming.method())
            .uri(incoming.uri())
            .headers(incoming.headers())
            .body(incoming.into_body().await.map_err(|e| {
                Refusal::new(
                    400,
                    "body-unreadable",
                    format!("reading the request body: {}", e.to_debug_string()),
                )
            })?)
            .build();
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
        let method = self.request.method().to_string();
        let policy = match cors_policy() {
            Ok(policy) => policy,
            // Only a preflight is refused for it: the route itself answers
            // as it would without CORS.
            Err(refusal) => {
                return (method == "OPTIONS" && self.header("origin").is_some())
                    .then(|| refusal.clone().into_response());
            }
        };
        policy.preflight(
            &method,
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

/// The instance's `cors_origins`, parsed once: configuration, never
/// anything about a request.
fn cors_policy() -> Result<&'static Cors, &'static Refusal> {
    static POLICY: std::sync::OnceLock<Result<Cors, Refusal>> = std::sync::OnceLock::new();
    POLICY
        .get_or_init(|| {
            // A component that does not declare the variable has no CORS.
            let list = variables::get("cors_origins").unwrap_or_default();
            Cors::parse(&list).inspect_err(|refusal| eprintln!("meridian: {refusal}"))
        })
        .as_ref()
}

/// Reads the request and answers with `serve`'s response, or its refusal;
/// CORS preflights on public routes are answered before `serve`.
pub async fn answer(
    req: IncomingRequest,
    serve: impl FnOnce(&Incoming) -> Result<Response, Refusal>,
) -> http::Response {
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
pub fn into_spin(response: Response) -> http::Response {
    let response = with_cache_status(response);
    let mut builder = http::Response::builder();
    builder.status(response.status);
    for (name, value) in response.headers {
        builder.header(name, value);
    }
    builder.body(response.body).build()
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

/// Sends `response` through `out` and returns once it is written, so the
/// caller can go on working after the shopper has the answer (Spin keeps
/// the instance until the handler returns).
pub async fn respond(out: ResponseOutparam, response: Response) {
    let response = with_cache_status(response);
    let fields: Vec<(String, Vec<u8>)> = response
        .headers
        .into_iter()
        .map(|(n, v)| (n, v.into_bytes()))
        .collect();
    let headers = match Fields::from_list(&fields) {
        Ok(headers) => headers,
        Err(e) => {
            eprintln!("meridian: response headers refused: {e:?}");
            Fields::new()
        }
    };
    let outgoing = OutgoingResponse::new(headers);
    if outgoing.set_status_code(response.status).is_err() {
        eprintln!("meridian: status {} refused", response.status);
    }
    if let Err(e) = out.set_with_body(outgoing, response.body).await {
        eprintln!("meridian: writing the response body: {e:?}");
    }
}

/// Waits `ms` on `wasi:clocks/monotonic-clock`, inside Spin's executor.
fn sleep_ms(ms: u64) -> impl Future<Output = ()> {
    use wasi::clocks::monotonic_clock;
    let deadline = monotonic_clock::now().saturating_add(ms.saturating_mul(1_000_000));
    std::future::poll_fn(move |cx| {
        if monotonic_clock::now() >= deadline {
            return std::task::Poll::Ready(());
        }
        spin_executor::push_waker(
            monotonic_clock::subscribe_instant(deadline),
            cx.waker().clone(),
        );
        std::task::Poll::Pending
    })
}

/// Unix milliseconds now (the router's clock).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// The `backend_routing` variable (empty: every default).
pub fn routing() -> Result<RoutingConfig, Refusal> {
    RoutingConfig::from_toml(&variables::get("backend_routing").unwrap_or_default())
}

/// Unix seconds now.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The gate's inputs for one request: market configuration, the country
/// database and the policy packs in force.
pub struct Gate {
    loaded: Instant,
    config: MarketConfig,
    db: Option<CountryDb>,
    policy: InForce,
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
        let text = variables::get("market_config").unwrap_or_default();
        let config = if text.trim().is_empty() {
            MarketConfig::default()
        } else {
            MarketConfig::from_toml(&text)
                .map_err(|e| Refusal::new(500, "market-config-invalid", e.to_string()))?
        };
        // Embedded: opening it only reads its metadata.
        let db = CountryDb::embedded()
            .inspect_err(|e| eprintln!("meridian: country database unusable: {e}"))
            .ok();
        let reads = GateReads(store);
        let mut policy = stored::load(&reads, &Shipped::this_build());
        log_fallback(&policy);
        if let Err(e) = stored::save_cache(&reads, &mut policy) {
            eprintln!("meridian: caching the compiled policy: {e}");
        }
        Ok(Gate {
            loaded,
            config,
            db,
            policy,
        })
    }

    /// The packs in force.
    pub fn packs(&self) -> Result<CompiledPacks<'_>, Refusal> {
        self.policy
            .packs()
            .map_err(|e| Refusal::new(500, "policy-unavailable", e.to_string()))
    }

    /// The policy in force and what the store held.
    pub fn policy(&self) -> &InForce {
        &self.policy
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
        let admit = |policy: &InForce| {
            let packs = policy
                .packs()
                .map_err(|e| Refusal::new(500, "policy-unavailable", e.to_string()))?;
            gate::admit(
                &req.header_lines,
                peer,
                req.request.query(),
                ask,
                &self.config,
                self.db.as_ref(),
                &packs,
            )
        };
        let mut admission = match admit(&self.policy) {
            Err(refusal)
                if refusal.code == "policy-unavailable" && self.policy.uses_stored_set() =>
            {
                let shipped = self.policy.shipped_instead(refusal.message);
                log_fallback(&shipped);
                let mut admission = admit(&shipped)?;
                admission.policy_fallback = shipped.fallback;
                admission
            }
            other => {
                let mut admission = other?;
                admission.policy_fallback = self.policy.fallback;
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
        let mut builder = Request::builder();
        // The cache's method: GET, or HEAD forwarded as HEAD.
        let method = match parts.method.as_str() {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "OPTIONS" => Method::Options,
            other => Method::Other(other.to_owned()),
        };
        builder.method(method).uri(url);
        for (name, value) in &parts.headers {
            if let Ok(value) = value.to_str() {
                builder.header(name.as_str(), value);
            }
        }
        builder.body(body.to_vec());
        let response: IncomingResponse = http::send(builder.build())
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let mut out = ::http::Response::builder().status(response.status());
        for (name, value) in response.headers().entries() {
            out = out.header(name, value);
        }
        let body = response
            .into_body()
            .await
            .map_err(|e| unreachable(e.to_debug_string()))?;
        out.body(body)
            .map_err(|e| Refusal::new(502, "origin-malformed", e.to_string()))
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
