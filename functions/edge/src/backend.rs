//! A typed client for the backend's `imaging` interface over the HTTP
//! binding (`meridian_wit::rpc`), with the transport left to the host.

use std::future::Future;

use meridian_wit::rpc::{self, Signer};
use meridian_wit::types::{Error, RenderRequest, Rendition};

use crate::response::Refusal;

/// An outbound call, ready for any HTTP client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRequest {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
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
}

impl<T: Transport> BackendClient<T> {
    pub fn new(base_url: &str, signing_key: &str, transport: T) -> BackendClient<T> {
        BackendClient {
            base_url: base_url.trim_end_matches('/').to_owned(),
            signer: Signer::new(signing_key),
            transport,
        }
    }

    /// The signed request for `imaging.render`, at `now` (unix seconds).
    pub fn render_request(&self, request: &RenderRequest, now: u64) -> OutboundRequest {
        let body = rpc::encode_args(&rpc::imaging::RenderArgs {
            request: request.clone(),
        });
        let signature = self.signer.sign("POST", rpc::IMAGING_RENDER, now, &body);
        OutboundRequest {
            url: format!("{}{}", self.base_url, rpc::IMAGING_RENDER),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                (rpc::TIMESTAMP_HEADER.into(), now.to_string()),
                (rpc::SIGNATURE_HEADER.into(), signature),
            ],
            body,
        }
    }

    /// `imaging.render`, with backend failures turned into edge refusals.
    pub async fn render(&self, request: &RenderRequest, now: u64) -> Result<Rendition, Refusal> {
        let reply = self
            .transport
            .send(self.render_request(request, now))
            .await
            .map_err(|e| {
                Refusal::new(
                    502,
                    "backend-unreachable",
                    format!("the imaging backend could not be reached: {e}"),
                )
            })?;
        let result =
            rpc::decode_reply::<Rendition>(reply.status, reply.meta.as_deref(), reply.body)
                .map_err(|e| {
                    Refusal::new(
                        502,
                        "backend-error",
                        format!("the imaging backend answered malformed: {e}"),
                    )
                })?;
        result.map_err(refusal_for)
    }
}

/// The shopper's answer for a backend error: their request's faults keep
/// their status and code; the platform's own become 502.
fn refusal_for(error: Error) -> Refusal {
    let status = error.status();
    let problem = error.problem();
    match error {
        Error::Unauthorized(_) => Refusal::new(
            502,
            "backend-auth-failed",
            format!(
                "the imaging backend refused the edge's signature ({})",
                problem.code
            ),
        ),
        Error::Internal(_) | Error::Unavailable(_) => Refusal::new(
            502,
            "backend-error",
            format!(
                "the imaging backend failed ({}): {}",
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
    use meridian_wit::types::{Crop, Fit, ImageFormat, RenditionMeta, Size, Watermark};

    use super::*;

    /// A backend that checks signatures like the real one and answers a
    /// scripted result.
    /// What the fake answers: a transport failure or the call's result.
    pub(crate) type Answer = Result<Result<Rendition, Error>, TransportError>;

    pub(crate) struct FakeBackend {
        pub key: String,
        pub answer: RefCell<Answer>,
        pub calls: RefCell<usize>,
        /// The render requests that arrived signed.
        pub asked: RefCell<Vec<RenderRequest>>,
    }

    impl FakeBackend {
        pub(crate) fn answering(answer: Answer) -> FakeBackend {
            FakeBackend {
                key: "k".into(),
                answer: RefCell::new(answer),
                calls: RefCell::new(0),
                asked: RefCell::new(Vec::new()),
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
            let verified = Signer::new(&self.key).verify(
                Call {
                    method: "POST",
                    path,
                    timestamp: header(rpc::TIMESTAMP_HEADER),
                    signature: header(rpc::SIGNATURE_HEADER),
                    body: &request.body,
                },
                NOW,
                300,
            );
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
    fn a_wrong_key_is_a_backend_auth_failure() {
        let fake = FakeBackend::answering(Ok(Ok(rendition())));
        let client = BackendClient::new("http://b", "wrong", &fake);
        let r = block(client.render(&request(), NOW)).expect_err("refused");
        assert_eq!((r.status, r.code.as_str()), (502, "backend-auth-failed"));
    }
}
