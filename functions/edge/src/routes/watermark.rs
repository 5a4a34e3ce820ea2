//! `POST /v1/watermark/detect`: reads the invisible watermark from an image
//! (a rendition found on another site, say) through the backend's
//! `imaging.detect`, and says who made it and when. The route is for the
//! merchant's staff, behind a bearer token the component checks.

use serde::Serialize;

use crate::backend::{Retry, Router, Scope, Transport};
use crate::http::response::{Refusal, Response};

/// The route.
pub const ROUTE: &str = "/v1/watermark/detect";

/// Largest image accepted; the host's own body limit may be lower.
pub const MAX_IMAGE_BYTES: usize = 32 << 20;

#[derive(Serialize)]
struct Found {
    /// Whether a mark was read and its checksum verified.
    found: bool,
    #[serde(flatten)]
    detection: meridian_wit::types::Detection,
}

/// Checks the body and asks the backend.
pub async fn detect<T: Transport + Clone>(
    method: &str,
    body: Vec<u8>,
    backend: &Router<'_, T>,
    now: u64,
) -> Result<Response, Refusal> {
    if method != "POST" {
        return Err(Refusal::new(
            405,
            "method-not-allowed",
            format!("{method} is not allowed; {ROUTE} is POST with the image as the body"),
        ));
    }
    if body.is_empty() {
        return Err(Refusal::new(
            400,
            "image-missing",
            "send the image (JPEG, PNG, WebP, GIF or AVIF) as the request body",
        ));
    }
    if body.len() > MAX_IMAGE_BYTES {
        return Err(Refusal::new(
            413,
            "image-too-large",
            format!(
                "the image is {} bytes; at most {MAX_IMAGE_BYTES} are read",
                body.len()
            ),
        ));
    }
    // The image is the merchant's, not a shopper's: any region may read it.
    let body = &body;
    let routed = backend
        .call(Scope::anywhere(), Retry::Idempotent, |client| async move {
            client.detect(body.clone(), now).await
        })
        .await;
    let detection = routed.result?;
    let trail = routed.trail;
    let found = Found {
        found: detection.payload.is_some(),
        detection,
    };
    let json = serde_json::to_vec(&found)
        .map_err(|e| Refusal::new(500, "encoding-failed", e.to_string()))?;
    Ok(trail.stamp(
        Response::new(200)
            .header("content-type", "application/json")
            .header("cache-control", "no-store")
            .body(json),
    ))
}

#[cfg(test)]
mod tests {
    use meridian_wit::rpc;
    use meridian_wit::types::{Detection, Error, Watermark};

    use super::*;
    use crate::backend::tests::{FakeBackend, NOW};

    fn block<F: Future>(f: F) -> F::Output {
        futures_executor::block_on(f)
    }

    #[test]
    fn a_marked_image_names_its_merchant() {
        let fake = FakeBackend::routing(Box::new(|_, _| {
            rpc::encode_json_reply(Ok(Detection {
                payload: Some(Watermark {
                    issued_at: NOW,
                    merchant: 42,
                    platform: 1,
                }),
                confidence: 0.97,
                corrected_bits: 2,
            }))
        }));
        let regional = crate::backend::tests::one_region("http://b");
        let client = crate::backend::tests::router(&regional, &fake, "k");
        let response = block(detect("POST", b"image".to_vec(), &client, NOW)).expect("detects");
        assert_eq!(response.get("cache-control"), Some("no-store"));
        let json: serde_json::Value = serde_json::from_slice(&response.body).expect("json");
        assert_eq!(json["found"], true);
        assert_eq!(json["payload"]["merchant"], 42);
        assert_eq!(json["corrected_bits"], 2);
    }

    #[test]
    fn an_unmarked_image_is_found_false() {
        let fake = FakeBackend::routing(Box::new(|_, _| {
            rpc::encode_json_reply(Ok(Detection {
                payload: None,
                confidence: 0.0,
                corrected_bits: 0,
            }))
        }));
        let regional = crate::backend::tests::one_region("http://b");
        let client = crate::backend::tests::router(&regional, &fake, "k");
        let response = block(detect("POST", b"image".to_vec(), &client, NOW)).expect("answers");
        let json: serde_json::Value = serde_json::from_slice(&response.body).expect("json");
        assert_eq!(json["found"], false);
        assert!(json["payload"].is_null());
    }

    #[test]
    fn refusals() {
        let fake = FakeBackend::routing(Box::new(|_, _| {
            rpc::error_reply(&Error::new(422, "image-undecodable", "not an image"))
        }));
        let regional = crate::backend::tests::one_region("http://b");
        let client = crate::backend::tests::router(&regional, &fake, "k");
        let cases = [
            ("GET", b"x".to_vec(), 405, "method-not-allowed"),
            ("POST", Vec::new(), 400, "image-missing"),
            ("POST", vec![0; MAX_IMAGE_BYTES + 1], 413, "image-too-large"),
            ("POST", b"text".to_vec(), 422, "image-undecodable"),
        ];
        for (method, body, status, code) in cases {
            let r = block(detect(method, body, &client, NOW)).expect_err(code);
            assert_eq!((r.status, r.code.as_str()), (status, code));
        }
    }
}
