//! Admission of a signed call. Everything that needs no body comes first,
//! so an unsigned, forged, replayed or mis-routed call is refused without a
//! body byte read: the declared length, the region, the content type, the
//! signature over the headers, the nonce, a job slot. Only then is the body
//! read, within its limit and the body timeout, and checked against its
//! signed digest.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use http_body_util::BodyExt;
use meridian_wit::rpc::{self, Call, Reply, Signer};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::limits::ServerLimits;
use crate::replay::{Admit, ReplayCache};

/// Which server admits: its name and the edge setting its routing comes
/// from, as its refusals say them.
#[derive(Debug, Clone, Copy)]
pub struct Service {
    /// `backend`: 503 `backend-saturated`, "this backend runs in …".
    pub name: &'static str,
    /// What the edge should check on a region mismatch (`region URLs`).
    pub routing: &'static str,
}

/// Whether a route's calls must name this server's region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionRule {
    /// Not region-bound: the header is signed but not compared.
    Unchecked,
    /// Personal data: the call says where the edge meant it to go.
    Required,
    /// Checked only when the caller names one (aggregates).
    IfPresent,
}

/// What a route admits.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// Most body bytes.
    pub limit: usize,
    pub region: RegionRule,
    /// The media type the body must have, if the route checks it.
    pub content_type: Option<&'static str>,
}

/// A signed call, admitted: its verified body and the job slot it runs in.
pub struct Admitted {
    pub body: Vec<u8>,
    pub slot: OwnedSemaphorePermit,
}

/// Slots for jobs, with a bounded queue of callers waiting for one.
pub struct JobSlots {
    slots: Arc<Semaphore>,
    total: usize,
    queued: AtomicUsize,
    max_queued: usize,
    wait: Duration,
}

impl JobSlots {
    pub fn new(limits: &ServerLimits) -> JobSlots {
        let total = limits.jobs().max(1);
        JobSlots {
            slots: Arc::new(Semaphore::new(total)),
            total,
            queued: AtomicUsize::new(0),
            max_queued: limits.max_queued_jobs,
            wait: Duration::from_millis(limits.queue_timeout_ms),
        }
    }

    /// A slot at once, else after waiting in the bounded queue, else `None`.
    pub async fn acquire(&self) -> Option<OwnedSemaphorePermit> {
        if let Ok(permit) = Arc::clone(&self.slots).try_acquire_owned() {
            return Some(permit);
        }
        struct Queued<'a>(&'a AtomicUsize);
        impl Drop for Queued<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::Relaxed);
            }
        }
        let ahead = self.queued.fetch_add(1, Ordering::Relaxed);
        let _queued = Queued(&self.queued);
        if ahead >= self.max_queued {
            return None;
        }
        tokio::time::timeout(self.wait, Arc::clone(&self.slots).acquire_owned())
            .await
            .ok()?
            .ok()
    }

    /// Jobs holding a slot.
    pub fn in_flight(&self) -> u64 {
        self.total.saturating_sub(self.slots.available_permits()) as u64
    }

    /// Jobs waiting for a slot.
    pub fn queued(&self) -> u64 {
        self.queued.load(Ordering::Relaxed) as u64
    }
}

/// What admits a server's signed calls.
pub struct Admission {
    service: Service,
    region: String,
    signer: Signer,
    window_s: u64,
    body_read_timeout: Duration,
    replay: ReplayCache,
    jobs: JobSlots,
}

impl Admission {
    /// Calls signed under `key` within `window_s`, for `region`.
    pub fn new(
        service: Service,
        region: &str,
        key: &str,
        window_s: u64,
        limits: &ServerLimits,
    ) -> Admission {
        Admission {
            service,
            region: region.to_owned(),
            signer: Signer::new(key),
            window_s,
            body_read_timeout: Duration::from_millis(limits.body_read_timeout_ms),
            replay: ReplayCache::new(limits.replay_cache_entries),
            jobs: JobSlots::new(limits),
        }
    }

    pub fn jobs(&self) -> &JobSlots {
        &self.jobs
    }

    /// Nonces remembered for the signature window.
    pub fn replay_nonces(&self) -> usize {
        self.replay.len()
    }

    /// 503 `<service>-saturated`: no job slot, or the replay cache is full.
    pub fn saturated(&self) -> Reply {
        let name = self.service.name;
        rpc::error_body_reply(
            503,
            &format!("{name}-saturated"),
            &format!("the {name} is at its job limit: retry after the Retry-After interval"),
        )
    }

    /// A job slot, or [`Admission::saturated`].
    pub async fn job_slot(&self) -> Result<OwnedSemaphorePermit, Reply> {
        self.jobs.acquire().await.ok_or_else(|| self.saturated())
    }

    /// Admits `request` as `route` says (see the module).
    pub async fn admit(&self, request: Request, route: Route) -> Result<Admitted, Reply> {
        let limit = route.limit;
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
        let declared =
            header(header::CONTENT_LENGTH.as_str()).and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let region = header(rpc::REGION_HEADER);
        self.check_region(region, route.region)?;
        let content_type = header(header::CONTENT_TYPE.as_str());
        if let Some(wanted) = route.content_type {
            let given = content_type
                .and_then(|c| c.split(';').next())
                .map(str::trim);
            if !given.is_some_and(|g| g.eq_ignore_ascii_case(wanted)) {
                return Err(rpc::error_body_reply(
                    415,
                    "content-type-unsupported",
                    &format!("send the batch as {wanted}"),
                ));
            }
        }
        let now = unix_now();
        let window = self.window_s;
        let call = Call {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query(),
            content_type,
            region,
            timestamp: header(rpc::TIMESTAMP_HEADER),
            nonce: header(rpc::NONCE_HEADER),
            digest: header(rpc::DIGEST_HEADER),
            signature: header(rpc::SIGNATURE_HEADER),
        };
        let verified = self.signer.verify_headers(call, now, window).map_err(|e| {
            tracing::warn!(code = e.code(), "refused an unsigned or badly signed call");
            rpc::error_body_reply(401, e.code(), &e.to_string())
        })?;
        match self.replay.admit(
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
            Admit::Full => return Err(self.saturated()),
        }
        let slot = self.job_slot().await?;
        let body = body.0.take().unwrap_or_default();
        let body = match tokio::time::timeout(self.body_read_timeout, to_bytes(body, limit)).await {
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

    /// Refuses a call the edge meant for another region (residency), or a
    /// region-bound one that does not say its region, before its body is read.
    fn check_region(&self, wanted: Option<&str>, rule: RegionRule) -> Result<(), Reply> {
        let (here, name) = (&self.region, self.service.name);
        match (wanted, rule) {
            (_, RegionRule::Unchecked) => Ok(()),
            (Some(region), _) if region == here => Ok(()),
            (Some(region), _) => {
                tracing::warn!(wanted = region, "refused a call routed to another region");
                Err(rpc::error_body_reply(
                    421,
                    "region-mismatch",
                    &format!(
                        "this {name} runs in region `{here}`, not `{region}`: check the edge's {}",
                        self.service.routing
                    ),
                ))
            }
            (None, RegionRule::IfPresent) => Ok(()),
            (None, _) => Err(rpc::error_body_reply(
                400,
                "region-missing",
                &format!(
                    "this call is region-bound: send {} (this {name} runs in `{here}`)",
                    rpc::REGION_HEADER
                ),
            )),
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
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

/// Runs CPU-bound (or device-waiting) work off the reactor, holding its job
/// slot until the work ends, even when the client has gone.
pub async fn blocking<T: Send + 'static>(
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

/// The binding's reply as an HTTP response; every 503 says when to come
/// back (`retry_after_s`).
pub fn response(r: Reply, retry_after_s: u64) -> Response {
    let busy = r.status == 503;
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
    if busy {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
    }
    response
}
