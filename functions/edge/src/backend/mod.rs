//! Backend calls: a typed client for the backend's interfaces (`imaging`,
//! `tryon`, `copy`, the collector's events) over the HTTP binding
//! (`meridian_wit::rpc`), with the transport left to the host, and the
//! router that picks the region for every call.

pub mod breaker;
pub mod choice;
pub mod health;
pub mod metrics;
pub mod regions;
pub mod router;

pub use regions::{Deployed, Regional, RoutingConfig};
pub use router::{Retry, Routed, Router, Scope, Trail};

use std::future::Future;

use meridian_wit::copy::{CopyRequest, CopyResult};
use meridian_wit::rpc::{self, BytesPayload, Signed, Signer};
use meridian_wit::types::{Detection, Error, RenderRequest, Rendition, TryonRequest, TryonResult};

use crate::http::response::Refusal;
use crate::personalize::assign::VARIANT_HEADER;
use crate::personalize::events::{APPEND_ROUTE, Appended, COUNTS_ROUTE, Counts};

/// An outbound call, ready for any HTTP client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRequest {
    /// `POST` for calls, `GET` for queries.
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Connect to last byte; the transport gives up after it.
    pub timeout_ms: Option<u64>,
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundResponse {
    pub status: u16,
    /// Value of the `meridian-meta` header.
    pub meta: Option<String>,
    pub body: Vec<u8>,
}

/// The connection failed or the host refused the outbound call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TransportError(pub String);

/// Sends one HTTP POST. Spin's outbound HTTP in components, fakes in tests.
pub trait Transport {
    fn send(
        &self,
        request: OutboundRequest,
    ) -> impl Future<Output = Result<InboundResponse, TransportError>>;
}

/// Calls one backend region.
pub struct BackendClient<T> {
    base_url: String,
    signer: Signer,
    transport: T,
    /// Sent as [`rpc::REGION_HEADER`] so a backend elsewhere refuses.
    region: Option<String>,
    /// The shopper's experiment variants, sent as `meridian-variant` so a
    /// backend can tell its work per arm (never personal data).
    variant: Option<String>,
    timeout_ms: Option<u64>,
}

impl<T: Transport> BackendClient<T> {
    pub fn new(base_url: &str, signing_key: &str, transport: T) -> BackendClient<T> {
        BackendClient {
            base_url: base_url.trim_end_matches('/').to_owned(),
            signer: Signer::new(signing_key),
            transport,
            region: None,
            variant: None,
            timeout_ms: None,
        }
    }

    /// Calls carry the shopper's variants ([`crate::personalize::assign::Assignments::variant`]);
    /// an empty string sends none.
    pub fn with_variant(mut self, variant: &str) -> BackendClient<T> {
        self.variant = Some(variant.to_owned()).filter(|v| !v.is_empty());
        self
    }

    /// Calls carry the region they were routed to; a backend deployed in
    /// another region refuses them unread (421 `region-mismatch`, which
    /// the edge answers as 502).
    pub fn in_region(mut self, region: &str) -> BackendClient<T> {
        self.region = Some(region.to_owned());
        self
    }

    /// The region calls are signed for, if any.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// Each call gives up after `ms` (the router's attempt timeout).
    pub fn with_timeout(mut self, ms: u64) -> BackendClient<T> {
        self.timeout_ms = Some(ms);
        self
    }

    /// The backend's base URL (for `allowed_outbound_hosts` messages and logs).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A signed `POST` of `body` to `route` at `now` (unix seconds), with a
    /// fresh nonce: the backend refuses any call it has seen before.
    fn signed(&self, route: &str, content_type: &str, body: Vec<u8>, now: u64) -> OutboundRequest {
        self.signed_call("POST", route, "", content_type, body, now)
    }

    /// A signed call of any method; `query` (without `?`) is signed too.
    fn signed_call(
        &self,
        method: &'static str,
        route: &str,
        query: &str,
        content_type: &str,
        body: Vec<u8>,
        now: u64,
    ) -> OutboundRequest {
        let nonce = nonce();
        let headers = self
            .signer
            .headers(&Signed {
                method,
                path: route,
                query,
                content_type,
                region: self.region.as_deref().unwrap_or_default(),
                timestamp: now,
                nonce: &nonce,
                body: &body,
            })
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .chain(
                self.variant
                    .iter()
                    .map(|v| (VARIANT_HEADER.to_owned(), v.clone())),
            )
            .collect();
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        OutboundRequest {
            method,
            url: format!("{}{route}{query}", self.base_url),
            headers,
            body,
            timeout_ms: self.timeout_ms,
        }
    }

    /// The signed request for `imaging.render`.
    pub fn render_request(&self, request: &RenderRequest, now: u64) -> OutboundRequest {
        let body = rpc::encode_args(&rpc::imaging::RenderArgs {
            request: request.clone(),
        });
        self.signed(rpc::IMAGING_RENDER, "application/json", body, now)
    }

    /// `imaging.render`, with backend failures turned into edge refusals.
    pub async fn render(&self, request: &RenderRequest, now: u64) -> Result<Rendition, Refusal> {
        self.bytes_call("imaging", self.render_request(request, now))
            .await
    }

    /// `imaging.detect`: the image travels as the raw body.
    pub async fn detect(&self, image: Vec<u8>, now: u64) -> Result<Detection, Refusal> {
        let call = self.signed(rpc::IMAGING_DETECT, "application/octet-stream", image, now);
        let reply = self.send("imaging", call).await?;
        let result = rpc::decode_json_reply::<Detection>(reply.status, &reply.body)
            .map_err(|e| malformed("imaging", e))?;
        result.map_err(|e| refusal_for("imaging", e))
    }

    /// `POST /rpc/events/append` to a regional collector: a pseudonymized
    /// batch as JSON. Tried twice on a transport failure or a 5xx, with
    /// the same event ids (and a fresh nonce), so the collector counts a
    /// retried event once.
    pub async fn append_events(&self, batch: Vec<u8>, now: u64) -> Result<Appended, Refusal> {
        let mut last = None;
        for _ in 0..2 {
            let call = self.signed(APPEND_ROUTE, "application/json", batch.clone(), now);
            match self.send("event collector", call).await {
                Ok(reply) if reply.status == 200 => {
                    return serde_json::from_slice(&reply.body).map_err(|e| {
                        Refusal::new(
                            502,
                            "collector-error",
                            format!("the event collector answered malformed: {e}"),
                        )
                    });
                }
                Ok(reply) if reply.status >= 500 => {
                    last = Some(collector_refused(&reply, "nothing was stored here"));
                }
                Ok(reply) => return Err(collector_refused(&reply, "nothing was stored here")),
                Err(refusal) => last = Some(refusal),
            }
        }
        Err(last.unwrap_or_else(|| Refusal::new(502, "collector-error", "no attempt made")))
    }

    /// `GET /rpc/events/counts?experiment=<id>`: a collector's exposures
    /// and conversions per market and variant, by its default metric.
    pub async fn event_counts(&self, experiment: &str, now: u64) -> Result<Counts, Refusal> {
        let query = format!("experiment={}", percent_encode_query(experiment));
        let call = self.signed_call("GET", COUNTS_ROUTE, &query, "", Vec::new(), now);
        let reply = self.send("event collector", call).await?;
        if reply.status != 200 {
            return Err(collector_refused(&reply, "no counts from it"));
        }
        serde_json::from_slice(&reply.body).map_err(|e| {
            Refusal::new(
                502,
                "collector-error",
                format!("the event collector answered malformed counts: {e}"),
            )
        })
    }

    /// The signed request for `copy.generate`.
    pub fn copy_request(&self, request: &CopyRequest, now: u64) -> OutboundRequest {
        let body = rpc::encode_args(&rpc::copy::GenerateArgs {
            request: request.clone(),
        });
        self.signed(rpc::COPY_GENERATE, "application/json", body, now)
    }

    /// `copy.generate`, with backend failures turned into edge refusals.
    pub async fn generate_copy(
        &self,
        request: &CopyRequest,
        now: u64,
    ) -> Result<CopyResult, Refusal> {
        let reply = self.send("copy", self.copy_request(request, now)).await?;
        let result = rpc::decode_json_reply::<CopyResult>(reply.status, &reply.body)
            .map_err(|e| malformed("copy", e))?;
        result.map_err(|e| refusal_for("copy", e))
    }

    /// The signed request for `tryon.composite`: the arguments as one JSON
    /// line, then the frame's bytes.
    pub fn composite_request(
        &self,
        request: &TryonRequest,
        frame: &[u8],
        now: u64,
    ) -> OutboundRequest {
        let body = rpc::encode_bytes_args(
            &rpc::tryon::CompositeArgs {
                request: request.clone(),
            },
            frame,
        );
        self.signed(
            rpc::TRYON_COMPOSITE,
            rpc::BYTES_ARGS_CONTENT_TYPE,
            body,
            now,
        )
    }

    /// `tryon.composite`, with backend failures turned into edge refusals.
    pub async fn composite(
        &self,
        request: &TryonRequest,
        frame: &[u8],
        now: u64,
    ) -> Result<TryonResult, Refusal> {
        self.bytes_call("try-on", self.composite_request(request, frame, now))
            .await
    }

    async fn send(&self, service: &str, call: OutboundRequest) -> Result<InboundResponse, Refusal> {
        self.transport.send(call).await.map_err(|e| {
            Refusal::new(
                502,
                "backend-unreachable",
                format!("the {service} backend could not be reached: {e}"),
            )
        })
    }

    /// A call whose result carries bytes (the body) and JSON metadata.
    async fn bytes_call<R: BytesPayload>(
        &self,
        service: &str,
        call: OutboundRequest,
    ) -> Result<R, Refusal> {
        let reply = self.send(service, call).await?;
        let result = rpc::decode_reply::<R>(reply.status, reply.meta.as_deref(), reply.body)
            .map_err(|e| malformed(service, e))?;
        result.map_err(|e| refusal_for(service, e))
    }
}

/// Experiment ids are `[A-Za-z0-9._:-]`; anything else is escaped so the
/// signed query is exactly what is sent.
fn percent_encode_query(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn collector_refused(reply: &InboundResponse, consequence: &str) -> Refusal {
    let told: Option<serde_json::Value> = serde_json::from_slice(&reply.body).ok();
    let code = told
        .as_ref()
        .and_then(|v| v.get("code"))
        .and_then(serde_json::Value::as_str)
        .unwrap_or("unknown");
    Refusal::new(
        502,
        "collector-refused",
        format!(
            "the event collector answered {} ({code}); {consequence}",
            reply.status
        ),
    )
}

/// 128 random bits as hex: a nonce no two calls share.
fn nonce() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No system randomness (never seen on wasip2 or Linux): a per-process
        // random hasher over a counter and the clock is still unique.
        use std::hash::{BuildHasher, RandomState};
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let state = RandomState::new();
        bytes[..8].copy_from_slice(&state.hash_one((n, t, 0u8)).to_le_bytes());
        bytes[8..].copy_from_slice(&state.hash_one((n, t, 1u8)).to_le_bytes());
    }
    hex::encode(bytes)
}

/// Refuses, outside development mode, a signing key that is public (the
/// shipped development key) or short: a backend accepting it would take
/// calls from anyone.
pub fn check_signing_key(key: &str, development: bool) -> Result<(), Refusal> {
    match rpc::weak_key(key) {
        Some(why) if !development => Err(Refusal::new(
            500,
            "backend-key-unsafe",
            format!(
                "backend_signing_key is unsafe ({why}): set a random key of at least {} bytes, or turn development_mode on",
                rpc::MIN_KEY_BYTES
            ),
        )),
        _ => Ok(()),
    }
}

/// Whether the `development_mode` variable's value turns development mode
/// on (`1`, `true`, `yes`, `on`).
pub fn development_mode(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

fn malformed(service: &str, e: rpc::BindingError) -> Refusal {
    Refusal::new(
        502,
        "backend-error",
        format!("the {service} backend answered malformed: {e}"),
    )
}

/// The shopper's answer for a backend error: their request's faults keep
/// their status and code; the platform's own become 502.
fn refusal_for(service: &str, error: Error) -> Refusal {
    let status = error.status();
    let problem = error.problem();
    match error {
        Error::Unauthorized(_) => Refusal::new(
            502,
            "backend-auth-failed",
            format!(
                "the {service} backend refused the edge's signature ({})",
                problem.code
            ),
        ),
        Error::Internal(_) | Error::Unavailable(_) => Refusal::new(
            502,
            "backend-error",
            format!(
                "the {service} backend failed ({}): {}",
                problem.code, problem.message
            ),
        ),
        _ => Refusal::new(status, problem.code.clone(), problem.message.clone()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::cell::RefCell;

    use meridian_wit::rpc::Call;
    use meridian_wit::types::{
        Crop, FaceRule, Fit, ImageFormat, RenditionMeta, Size, TryonMeta, TryonStatus, Watermark,
    };

    use super::*;

    /// A router over `regional` without shared health, at [`NOW`].
    pub(crate) fn router<'a, T: Transport + Clone>(
        regional: &'a Regional,
        transport: T,
        key: &'a str,
    ) -> Router<'a, T> {
        let config: &'static RoutingConfig = Box::leak(Box::default());
        Router::new(
            regional,
            config,
            health::Health::none(),
            transport,
            key,
            &now_ms,
        )
    }

    /// One region, `eu`, at `url`.
    pub(crate) fn one_region(url: &str) -> Regional {
        Regional::parse(&format!("eu={url}"), "imaging backend", "renditions", "x")
            .expect("a region")
    }

    pub(crate) fn now_ms() -> u64 {
        NOW * 1000
    }

    /// A backend that checks signatures like the real one and answers a
    /// scripted result.
    /// What the fake answers: a transport failure or the call's result.
    pub(crate) type Answer = Result<Result<Rendition, Error>, TransportError>;

    /// How the fake answers routes other than `imaging.render`: the path
    /// and the verified body in, the binding's reply out.
    pub(crate) type Route = Box<dyn Fn(&str, &[u8]) -> rpc::Reply>;

    pub(crate) struct FakeBackend {
        pub key: String,
        pub answer: RefCell<Answer>,
        pub calls: RefCell<usize>,
        /// The render requests that arrived signed.
        pub asked: RefCell<Vec<RenderRequest>>,
        /// The `meridian-variant` of every call.
        pub variants: RefCell<Vec<Option<String>>>,
        pub other: Option<Route>,
    }

    impl FakeBackend {
        pub(crate) fn answering(answer: Answer) -> FakeBackend {
            FakeBackend {
                key: "k".into(),
                answer: RefCell::new(answer),
                calls: RefCell::new(0),
                asked: RefCell::new(Vec::new()),
                variants: RefCell::new(Vec::new()),
                other: None,
            }
        }

        /// A backend answering every other route with `route`.
        pub(crate) fn routing(route: Route) -> FakeBackend {
            FakeBackend {
                other: Some(route),
                ..FakeBackend::answering(Err(TransportError("no render here".into())))
            }
        }
    }

    impl Transport for &FakeBackend {
        async fn send(&self, request: OutboundRequest) -> Result<InboundResponse, TransportError> {
            *self.calls.borrow_mut() += 1;
            let header = |n: &str| {
                request
                    .headers
                    .iter()
                    .find(|(k, _)| k == n)
                    .map(|(_, v)| v.as_str())
            };
            let path = request
                .url
                .split_once("//")
                .and_then(|(_, r)| r.find('/').map(|i| &r[i..]))
                .unwrap_or("");
            self.variants
                .borrow_mut()
                .push(header(VARIANT_HEADER).map(str::to_owned));
            let verified = Signer::new(&self.key)
                .verify_headers(
                    Call {
                        method: "POST",
                        path,
                        query: None,
                        content_type: header("content-type"),
                        region: header(rpc::REGION_HEADER),
                        timestamp: header(rpc::TIMESTAMP_HEADER),
                        nonce: header(rpc::NONCE_HEADER),
                        digest: header(rpc::DIGEST_HEADER),
                        signature: header(rpc::SIGNATURE_HEADER),
                    },
                    NOW,
                    60,
                )
                .and_then(|v| v.check_body(&request.body));
            if verified.is_ok()
                && path != rpc::IMAGING_RENDER
                && let Some(route) = &self.other
            {
                let reply = route(path, &request.body);
                return Ok(InboundResponse {
                    status: reply.status,
                    meta: reply.meta,
                    body: reply.body,
                });
            }
            let result = match verified {
                Err(e) => Err(Error::new(401, e.code(), e.to_string())),
                Ok(()) => match rpc::decode_args::<rpc::imaging::RenderArgs>(&request.body) {
                    Err(e) => Err(e),
                    Ok(args) => {
                        self.asked.borrow_mut().push(args.request);
                        self.answer.borrow().clone()?
                    }
                },
            };
            let reply = rpc::encode_reply(result);
            Ok(InboundResponse {
                status: reply.status,
                meta: reply.meta,
                body: reply.body,
            })
        }
    }

    pub(crate) const NOW: u64 = 1_800_000_000;

    pub(crate) fn rendition() -> Rendition {
        Rendition {
            meta: RenditionMeta {
                size: Size {
                    width: 160,
                    height: 160,
                },
                format: ImageFormat::Webp,
                source_size: Size {
                    width: 1600,
                    height: 1067,
                },
                engine: "cpu".into(),
                watermark: Watermark {
                    issued_at: NOW,
                    merchant: 0,
                    platform: 0,
                },
            },
            bytes: b"RIFF....WEBP".to_vec(),
        }
    }

    pub(crate) fn request() -> RenderRequest {
        RenderRequest {
            asset: "a.jpg".into(),
            size: Size {
                width: 160,
                height: 160,
            },
            fit: Fit::Cover,
            background: None,
            format: ImageFormat::Webp,
            quality: 80,
            crop: Crop::Centre,
            subject_fill: None,
            min_source_side: None,
            merchant: 0,
        }
    }

    fn block<F: Future>(f: F) -> F::Output {
        futures_executor::block_on(f)
    }

    #[test]
    fn signed_calls_are_accepted() {
        let fake = FakeBackend::answering(Ok(Ok(rendition())));
        let client = BackendClient::new("http://backend:8081/", "k", &fake);
        assert_eq!(
            client.render_request(&request(), NOW).url,
            "http://backend:8081/rpc/imaging/render"
        );
        assert_eq!(block(client.render(&request(), NOW)), Ok(rendition()));
    }

    #[test]
    fn backend_failures_become_edge_refusals() {
        let cases = [
            (
                Err(TransportError("connection refused".into())),
                502,
                "backend-unreachable",
            ),
            (
                Ok(Err(Error::new(404, "asset-not-found", "no such asset"))),
                404,
                "asset-not-found",
            ),
            (
                Ok(Err(Error::new(422, "image-corrupt", "truncated"))),
                422,
                "image-corrupt",
            ),
            (
                Ok(Err(Error::new(500, "bug", "oops"))),
                502,
                "backend-error",
            ),
            (
                Ok(Err(Error::new(503, "busy", "later"))),
                502,
                "backend-error",
            ),
        ];
        for (answer, status, code) in cases {
            let fake = FakeBackend::answering(answer);
            let client = BackendClient::new("http://b", "k", &fake);
            let r = block(client.render(&request(), NOW)).expect_err(code);
            assert_eq!((r.status, r.code.as_str()), (status, code));
        }
    }

    #[test]
    fn detect_sends_the_raw_image_and_reads_the_json_detection() {
        let detection = Detection {
            payload: Some(Watermark {
                issued_at: NOW,
                merchant: 7,
                platform: 1,
            }),
            confidence: 0.9,
            corrected_bits: 3,
        };
        let answer = detection;
        let fake = FakeBackend::routing(Box::new(move |path, body| {
            assert_eq!(path, rpc::IMAGING_DETECT);
            assert_eq!(body, b"JPEG bytes");
            rpc::encode_json_reply(Ok(answer))
        }));
        let client = BackendClient::new("http://b", "k", &fake);
        assert_eq!(
            block(client.detect(b"JPEG bytes".to_vec(), NOW)),
            Ok(detection)
        );

        let fake = FakeBackend::routing(Box::new(|_, _| {
            rpc::error_reply(&Error::new(422, "image-undecodable", "not an image"))
        }));
        let client = BackendClient::new("http://b", "k", &fake);
        let r = block(client.detect(b"text".to_vec(), NOW)).expect_err("refused");
        assert_eq!((r.status, r.code.as_str()), (422, "image-undecodable"));
    }

    #[test]
    fn composite_frames_the_arguments_then_the_bytes() {
        let tryon = TryonRequest {
            sku: "EYE-AVIATOR-GOLD".into(),
            session: Some("s1".into()),
            frame_time_ms: Some(40),
            faces: FaceRule::Largest,
            format: ImageFormat::Jpeg,
            quality: 80,
        };
        let expected = tryon.clone();
        let fake = FakeBackend::routing(Box::new(move |path, body| {
            assert_eq!(path, rpc::TRYON_COMPOSITE);
            let (args, frame) =
                rpc::decode_bytes_args::<rpc::tryon::CompositeArgs>(body).expect("framed");
            assert_eq!((args.request, frame), (expected.clone(), &b"frame"[..]));
            rpc::encode_reply(Ok(TryonResult {
                meta: TryonMeta {
                    status: TryonStatus::NoFace,
                    size: Size {
                        width: 4,
                        height: 4,
                    },
                    format: ImageFormat::Jpeg,
                    sku: "EYE-AVIATOR-GOLD".into(),
                    faces: Vec::new(),
                    smoothed: false,
                    engine: "cpu".into(),
                },
                bytes: Vec::new(),
            }))
        }));
        let client = BackendClient::new("http://b", "k", &fake);
        let result = block(client.composite(&tryon, b"frame", NOW)).expect("answers");
        assert_eq!(result.meta.status, TryonStatus::NoFace);
        assert!(result.bytes.is_empty());
    }

    #[test]
    fn calls_routed_to_a_region_say_so() {
        let fake = FakeBackend::answering(Ok(Ok(rendition())));
        let plain = BackendClient::new("http://b", "k", &fake);
        let header = |c: &BackendClient<&FakeBackend>| {
            c.render_request(&request(), NOW)
                .headers
                .into_iter()
                .find(|(n, _)| n == rpc::REGION_HEADER)
                .map(|(_, v)| v)
        };
        assert_eq!(header(&plain), None);
        assert_eq!(header(&plain.in_region("eu")), Some("eu".to_owned()));
    }

    #[test]
    fn every_call_has_its_own_nonce_and_signs_its_region() {
        let fake = FakeBackend::answering(Ok(Ok(rendition())));
        let client = BackendClient::new("http://b", "k", &fake).in_region("eu");
        let header = |r: &OutboundRequest, name: &str| {
            r.headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let (a, b) = (
            client.render_request(&request(), NOW),
            client.render_request(&request(), NOW),
        );
        let (na, nb) = (header(&a, rpc::NONCE_HEADER), header(&b, rpc::NONCE_HEADER));
        assert!(na.as_ref().is_some_and(|n| n.len() == 32), "{na:?}");
        assert_ne!(na, nb, "two identical calls share a nonce");
        assert_eq!(header(&a, rpc::REGION_HEADER).as_deref(), Some("eu"));
        // The region is signed: a call moved to another region fails.
        let mut moved = a.clone();
        for (n, v) in &mut moved.headers {
            if n == rpc::REGION_HEADER {
                *v = "us".into();
            }
        }
        let reply = block((&fake).send(moved)).expect("answers");
        assert_eq!(reply.status, 401);
        assert_eq!(block((&fake).send(a)).expect("answers").status, 200);
    }

    #[test]
    fn unsafe_keys_are_refused_outside_development_mode() {
        let dev = "meridian-dev-signing-key";
        let r = check_signing_key(dev, false).expect_err("public key");
        assert_eq!((r.status, r.code.as_str()), (500, "backend-key-unsafe"));
        assert!(check_signing_key("short", false).is_err());
        assert_eq!(check_signing_key(dev, true), Ok(()));
        assert_eq!(check_signing_key(&"x".repeat(32), false), Ok(()));
        assert!(development_mode("1") && development_mode(" True "));
        assert!(!development_mode("") && !development_mode("0"));
    }

    #[test]
    fn a_wrong_key_is_a_backend_auth_failure() {
        let fake = FakeBackend::answering(Ok(Ok(rendition())));
        let client = BackendClient::new("http://b", "wrong", &fake);
        let r = block(client.render(&request(), NOW)).expect_err("refused");
        assert_eq!((r.status, r.code.as_str()), (502, "backend-auth-failed"));
    }
}
