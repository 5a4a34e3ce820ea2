//! The HTTP binding of `meridian:platform`, shared by callers and servers.
//!
//! Every interface function is `POST /rpc/<interface>/<function>`. Arguments
//! travel as a JSON object keyed by parameter name. A result that carries
//! bytes (a record with a `bytes: list<u8>` field) travels as the raw body,
//! with the rest of the record as JSON in the `meridian-meta` header, so
//! images cross without base64 or JSON arrays. Errors travel as a JSON body
//! `{"status", "code", "message"}` with the HTTP status fixed by the case of
//! [`Error`]. A function whose sole argument is a `list<u8>` (such as
//! `imaging.detect`) takes it as the raw request body instead of JSON; a
//! result without bytes travels as a JSON body. Calls are signed: see
//! [`Signer`].

mod codec;
mod signing;

pub use codec::{
    BYTES_ARGS_CONTENT_TYPE, BindingError, BytesPayload, PROBLEM_JSON, Reply, decode_args,
    decode_bytes_args, decode_json_reply, decode_reply, encode_args, encode_bytes_args,
    encode_json_reply, encode_reply, error_body, error_body_reply, error_reply, problem_title,
    problem_type,
};
pub use signing::{
    Call, DEVELOPMENT_KEYS, DIGEST_HEADER, MIN_KEY_BYTES, NONCE_HEADER, SIGNATURE_HEADER,
    SignatureError, Signed, Signer, TIMESTAMP_HEADER, Verified, body_digest, secrets_match,
    weak_key,
};

use crate::types::{Error, Problem};

/// Header holding the JSON metadata of a bytes-carrying result.
pub const META_HEADER: &str = "meridian-meta";

/// The region a caller routed a call to because the law allows it there
/// (residency). A backend deployed elsewhere refuses the call with 421
/// `region-mismatch` before it reads the body, so a mis-configured URL
/// cannot move personal data out of its region.
pub const REGION_HEADER: &str = "meridian-region";

/// Route of `imaging.render`.
pub const IMAGING_RENDER: &str = "/rpc/imaging/render";

/// Route of `imaging.detect`: the image is the raw body, the detection the
/// JSON reply.
pub const IMAGING_DETECT: &str = "/rpc/imaging/detect";

/// Route of `tryon.composite`.
pub const TRYON_COMPOSITE: &str = "/rpc/tryon/composite";

/// Route of `copy.generate`: JSON arguments, JSON `copy-result` reply.
pub const COPY_GENERATE: &str = "/rpc/copy/generate";

impl Error {
    /// HTTP status of this case in the binding.
    pub fn status(&self) -> u16 {
        match self {
            Error::Invalid(_) => 400,
            Error::Unauthorized(_) => 401,
            Error::NotFound(_) => 404,
            Error::TooLarge(_) => 413,
            Error::Unprocessable(_) => 422,
            Error::Unavailable(_) => 503,
            Error::Internal(_) => 500,
        }
    }

    /// The case for an HTTP status; statuses the binding never uses map to
    /// `internal`, except other 5xx which a caller may retry elsewhere.
    pub fn from_status(status: u16, problem: Problem) -> Error {
        match status {
            400 => Error::Invalid(problem),
            401 | 403 => Error::Unauthorized(problem),
            404 => Error::NotFound(problem),
            413 => Error::TooLarge(problem),
            422 => Error::Unprocessable(problem),
            502..=504 => Error::Unavailable(problem),
            _ => Error::Internal(problem),
        }
    }

    pub fn problem(&self) -> &Problem {
        match self {
            Error::Invalid(p)
            | Error::Unauthorized(p)
            | Error::NotFound(p)
            | Error::TooLarge(p)
            | Error::Unprocessable(p)
            | Error::Unavailable(p)
            | Error::Internal(p) => p,
        }
    }

    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Error {
        Error::from_status(
            status,
            Problem {
                code: code.into(),
                message: message.into(),
            },
        )
    }
}

/// Argument records, one per interface function.
pub mod imaging {
    use crate::types::RenderRequest;

    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    pub struct RenderArgs {
        pub request: RenderRequest,
    }
}

pub mod tryon {
    use crate::types::TryonRequest;

    /// The JSON part of `tryon.composite`'s arguments; `frame` travels raw
    /// (see [`super::encode_bytes_args`]).
    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    pub struct CompositeArgs {
        pub request: TryonRequest,
    }
}

pub mod copy {
    use crate::copy::CopyRequest;

    /// `copy.generate`'s arguments, as the edge sends them.
    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    pub struct GenerateArgs {
        pub request: CopyRequest,
    }

    /// The same arguments with the backend's export-side request type.
    #[cfg(not(target_arch = "wasm32"))]
    pub mod backend {
        use crate::backend::exports::meridian::platform::copy::CopyRequest;

        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        pub struct GenerateArgs {
            pub request: CopyRequest,
        }
    }

    #[cfg(test)]
    mod tests {
        use crate::backend::exports::meridian::platform::copy as exported;
        use crate::copy::{CopyMethod, CopyPreset, CopyRequest, CopyResult};
        use crate::rpc;

        fn request() -> CopyRequest {
            CopyRequest {
                sku: "MRD-ORBIT-TITANIUM".into(),
                source_locale: "en-GB".into(),
                source: "Feather-light titanium frames, hand-finished.".into(),
                attributes: vec![("material".into(), "titanium".into())],
                target_locale: "de-DE".into(),
                preset: CopyPreset::MarketplaceTitle,
                glossary: vec!["Meridian Orbit".into()],
                max_chars: Some(80),
            }
        }

        #[test]
        fn both_sides_encode_the_arguments_alike() {
            let edge = rpc::encode_args(&super::GenerateArgs { request: request() });
            let json: serde_json::Value = serde_json::from_slice(&edge).expect("json");
            assert_eq!(
                json,
                serde_json::json!({"request": {
                    "sku": "MRD-ORBIT-TITANIUM",
                    "source_locale": "en-GB",
                    "source": "Feather-light titanium frames, hand-finished.",
                    "attributes": [["material", "titanium"]],
                    "target_locale": "de-DE",
                    "preset": "MarketplaceTitle",
                    "glossary": ["Meridian Orbit"],
                    "max_chars": 80,
                }})
            );
            let backend: super::backend::GenerateArgs = rpc::decode_args(&edge).expect("decodes");
            assert_eq!(
                backend.request.preset,
                exported::CopyPreset::MarketplaceTitle
            );
            assert_eq!(rpc::encode_args(&backend), edge);
        }

        #[test]
        fn the_backends_result_reads_back_on_the_edge() {
            let reply = rpc::encode_json_reply(Ok(exported::CopyResult {
                text: "Meridian Orbit – Titan".into(),
                generator: "templates@0123456789ab".into(),
                method: exported::CopyMethod::Template,
                kept: vec!["Meridian Orbit".into()],
            }));
            assert_eq!(reply.status, 200);
            let json: serde_json::Value = serde_json::from_slice(&reply.body).expect("json");
            assert_eq!(json["method"], "Template");
            let back: CopyResult = rpc::decode_json_reply(reply.status, &reply.body)
                .expect("decodes")
                .expect("ok");
            assert_eq!(back.method, CopyMethod::Template);
            assert_eq!(back.kept, ["Meridian Orbit"]);
        }
    }
}
