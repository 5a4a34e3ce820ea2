//! Encoding of arguments, results and errors in the HTTP binding.

use serde::{Serialize, de::DeserializeOwned};

use crate::types::{
    Error, ImageFormat, Problem, Rendition, RenditionMeta, TryonMeta, TryonResult, TryonStatus,
};

/// A result record whose bytes travel as the raw HTTP body.
pub trait BytesPayload: Sized {
    type Meta: Serialize + DeserializeOwned;
    fn split(self) -> (Self::Meta, Vec<u8>);
    fn join(meta: Self::Meta, bytes: Vec<u8>) -> Self;
    fn content_type(meta: &Self::Meta) -> &'static str;
}

impl BytesPayload for Rendition {
    type Meta = RenditionMeta;
    fn split(self) -> (RenditionMeta, Vec<u8>) {
        (self.meta, self.bytes)
    }
    fn join(meta: RenditionMeta, bytes: Vec<u8>) -> Rendition {
        Rendition { meta, bytes }
    }
    fn content_type(meta: &RenditionMeta) -> &'static str {
        meta.format.media_type()
    }
}

impl BytesPayload for TryonResult {
    type Meta = TryonMeta;
    fn split(self) -> (TryonMeta, Vec<u8>) {
        (self.meta, self.bytes)
    }
    fn join(meta: TryonMeta, bytes: Vec<u8>) -> TryonResult {
        TryonResult { meta, bytes }
    }
    fn content_type(meta: &TryonMeta) -> &'static str {
        match meta.status {
            TryonStatus::Composited => meta.format.media_type(),
            // No image: the body is empty.
            TryonStatus::NoFace => "application/octet-stream",
        }
    }
}

/// Content type of a call whose last parameter is `list<u8>`: one line of
/// JSON (the other parameters), `\n`, then the bytes raw. One body keeps
/// the signature (over the body) covering both, and bytes need no base64.
pub const BYTES_ARGS_CONTENT_TYPE: &str = "application/vnd.meridian.args+bytes";

/// The body of a call with a trailing `list<u8>` parameter.
pub fn encode_bytes_args<A: Serialize>(args: &A, bytes: &[u8]) -> Vec<u8> {
    // Compact JSON never holds a raw newline (strings escape it), so the
    // first `\n` ends the arguments.
    let mut body = encode_args(args);
    body.reserve(bytes.len() + 1);
    body.push(b'\n');
    body.extend_from_slice(bytes);
    body
}

/// Arguments and the raw bytes from such a body.
pub fn decode_bytes_args<A: DeserializeOwned>(body: &[u8]) -> Result<(A, &[u8]), Error> {
    let split = body.iter().position(|&b| b == b'\n').ok_or_else(|| {
        Error::new(
            400,
            "rpc-arguments-malformed",
            "the body lacks the newline that ends the JSON arguments",
        )
    })?;
    Ok((decode_args(&body[..split])?, &body[split + 1..]))
}

impl ImageFormat {
    pub fn media_type(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
            ImageFormat::Webp => "image/webp",
            ImageFormat::Avif => "image/avif",
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Png => "png",
            ImageFormat::Webp => "webp",
            ImageFormat::Avif => "avif",
        }
    }

    /// The format named by a file extension.
    pub fn from_extension(ext: &str) -> Option<ImageFormat> {
        match ext.to_ascii_lowercase().as_str() {
            "jpg" | "jpeg" => Some(ImageFormat::Jpeg),
            "png" => Some(ImageFormat::Png),
            "webp" => Some(ImageFormat::Webp),
            "avif" => Some(ImageFormat::Avif),
            _ => None,
        }
    }
}

/// An HTTP reply in the binding, independent of any HTTP library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    /// Value of the `meridian-meta` header, for bytes-carrying results.
    pub meta: Option<String>,
    pub body: Vec<u8>,
}

/// Why a reply could not be decoded (the caller treats the backend as
/// unavailable).
#[derive(Debug, thiserror::Error)]
pub enum BindingError {
    #[error("backend reply lacks the meridian-meta header")]
    MissingMeta,
    #[error("backend reply metadata or JSON body is malformed: {0}")]
    Meta(serde_json::Error),
}

/// The media type of every refusal's body (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A refusal's body: RFC 9457 problem details (`type`, `title`, `status`,
/// `detail`) with Meridian's machine `code`, and `message`, the same text
/// as `detail`, which clients before RFC 9457 read. Bodies without the
/// RFC 9457 fields (older backends) still decode.
#[derive(serde::Serialize, serde::Deserialize)]
struct ErrorBody {
    #[serde(rename = "type", default)]
    problem_type: String,
    #[serde(default)]
    title: String,
    status: u16,
    code: String,
    #[serde(default)]
    detail: String,
    message: String,
}

/// The problem type of `code`: a tag URI (RFC 4151, as RFC 9457 suggests
/// for types that are not meant to be fetched), one per machine code.
pub fn problem_type(code: &str) -> String {
    format!("tag:meridian.dev,2026:problem:{code}")
}

/// The problem type's title: the code in words, the same for every
/// occurrence (`consent-required` is "Consent required").
pub fn problem_title(code: &str) -> String {
    let words = code.replace('-', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Arguments as the JSON request body.
pub fn encode_args<A: Serialize>(args: &A) -> Vec<u8> {
    // Generated WIT types serialize infallibly (no maps with non-string keys).
    serde_json::to_vec(args).unwrap_or_else(|e| unreachable!("WIT types serialize: {e}"))
}

/// JSON into a WIT type, refusing numbers no WIT field can hold: serde
/// reads one past `f32::MAX` into an `f32` as infinity, which encodes as
/// `null` and never decodes again (no integer type in the WIT comes near).
fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    fn overflows(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::Number(n) => {
                n.as_f64().is_some_and(|f| f.abs() > f64::from(f32::MAX))
            }
            serde_json::Value::Array(items) => items.iter().any(overflows),
            serde_json::Value::Object(fields) => fields.values().any(overflows),
            _ => false,
        }
    }
    let value: serde_json::Value = serde_json::from_slice(bytes)?;
    if overflows(&value) {
        return Err(serde::de::Error::custom(
            "a number is larger than any field of the contract holds",
        ));
    }
    serde_json::from_value(value)
}

/// Arguments from a request body; malformed JSON is the caller's fault.
pub fn decode_args<A: DeserializeOwned>(body: &[u8]) -> Result<A, Error> {
    from_json(body).map_err(|e| {
        Error::new(
            400,
            "rpc-arguments-malformed",
            format!("arguments do not decode: {e}"),
        )
    })
}

/// The reply for a call's result.
pub fn encode_reply<T: BytesPayload>(result: Result<T, Error>) -> Reply {
    match result {
        Ok(value) => {
            let (meta, bytes) = value.split();
            let content_type = T::content_type(&meta);
            Reply {
                status: 200,
                content_type,
                meta: Some(
                    serde_json::to_string(&meta)
                        .unwrap_or_else(|e| unreachable!("WIT types serialize: {e}")),
                ),
                body: bytes,
            }
        }
        Err(error) => error_reply(&error),
    }
}

/// The body every refusal in Meridian carries, at the edge, in the host
/// and in backends ([`PROBLEM_JSON`]): `{"type", "title", "status",
/// "code", "detail", "message"}`.
pub fn error_body(status: u16, code: &str, message: &str) -> Vec<u8> {
    encode_args(&ErrorBody {
        problem_type: problem_type(code),
        title: problem_title(code),
        status,
        code: code.to_owned(),
        detail: message.to_owned(),
        message: message.to_owned(),
    })
}

/// The reply for a refusal.
pub fn error_reply(error: &Error) -> Reply {
    let problem = error.problem();
    error_body_reply(error.status(), &problem.code, &problem.message)
}

/// The reply for a refusal the binding itself makes (401, 413, ...).
pub fn error_body_reply(status: u16, code: &str, message: &str) -> Reply {
    Reply {
        status,
        content_type: PROBLEM_JSON,
        meta: None,
        body: error_body(status, code, message),
    }
}

/// A call's result from the reply's status, `meridian-meta` header and body.
pub fn decode_reply<T: BytesPayload>(
    status: u16,
    meta: Option<&str>,
    body: Vec<u8>,
) -> Result<Result<T, Error>, BindingError> {
    if (200..300).contains(&status) {
        let meta = meta.ok_or(BindingError::MissingMeta)?;
        let meta = from_json(meta.as_bytes()).map_err(BindingError::Meta)?;
        return Ok(Ok(T::join(meta, body)));
    }
    Ok(Err(refusal(status, &body)))
}

/// The reply for a call whose result carries no bytes: the `ok` value as a
/// JSON body (`application/json`).
pub fn encode_json_reply<T: Serialize>(result: Result<T, Error>) -> Reply {
    match result {
        Ok(value) => Reply {
            status: 200,
            content_type: "application/json",
            meta: None,
            body: encode_args(&value),
        },
        Err(error) => error_reply(&error),
    }
}

/// A JSON-bodied call's result from the reply's status and body.
pub fn decode_json_reply<T: DeserializeOwned>(
    status: u16,
    body: &[u8],
) -> Result<Result<T, Error>, BindingError> {
    if (200..300).contains(&status) {
        return from_json(body).map(Ok).map_err(BindingError::Meta);
    }
    Ok(Err(refusal(status, body)))
}

/// The error a non-2xx reply stands for.
fn refusal(status: u16, body: &[u8]) -> Error {
    let problem = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) => Problem {
            code: b.code,
            message: b.message,
        },
        // A proxy in between may answer with its own body.
        Err(_) => Problem {
            code: "backend-error".into(),
            message: format!(
                "backend answered {status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(200)])
            ),
        },
    };
    Error::from_status(status, problem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_rfc_9457_problem_details_with_a_code() {
        let body: serde_json::Value =
            serde_json::from_slice(&error_body(451, "territory-blocked", "not sold in DE"))
                .expect("JSON");
        assert_eq!(
            body,
            serde_json::json!({
                "type": "tag:meridian.dev,2026:problem:territory-blocked",
                "title": "Territory blocked",
                "status": 451,
                "code": "territory-blocked",
                "detail": "not sold in DE",
                "message": "not sold in DE",
            })
        );
        assert_eq!(error_body_reply(451, "x", "y").content_type, PROBLEM_JSON);
        // A backend from before RFC 9457 still refuses readably.
        let old = br#"{"status":429,"code":"busy","message":"later"}"#;
        let error = refusal(429, old);
        let problem = error.problem();
        assert_eq!(
            (problem.code.as_str(), problem.message.as_str()),
            ("busy", "later")
        );
        assert_eq!(problem_title(""), "");
    }
    use crate::types::{Detection, Size, Watermark};

    fn rendition() -> Rendition {
        Rendition {
            meta: RenditionMeta {
                size: Size {
                    width: 2,
                    height: 1,
                },
                format: ImageFormat::Webp,
                source_size: Size {
                    width: 4,
                    height: 2,
                },
                engine: "cpu".into(),
                watermark: Watermark {
                    issued_at: 1_800_000_000,
                    merchant: 7,
                    platform: 1,
                },
            },
            bytes: vec![0, 159, 255, 1],
        }
    }

    #[test]
    fn bytes_travel_raw_and_round_trip() {
        let reply = encode_reply(Ok(rendition()));
        assert_eq!(reply.status, 200);
        assert_eq!(reply.content_type, "image/webp");
        assert_eq!(reply.body, vec![0, 159, 255, 1]);
        let back: Rendition = decode_reply(reply.status, reply.meta.as_deref(), reply.body)
            .expect("decodes")
            .expect("ok");
        assert_eq!(back, rendition());
    }

    #[test]
    fn errors_round_trip_with_status() {
        let err = Error::new(422, "image-corrupt", "truncated JPEG");
        let reply = encode_reply::<Rendition>(Err(err.clone()));
        assert_eq!(reply.status, 422);
        let body: serde_json::Value = serde_json::from_slice(&reply.body).expect("json");
        assert_eq!(body["code"], "image-corrupt");
        assert_eq!(body["status"], 422);
        let back = decode_reply::<Rendition>(422, None, reply.body).expect("decodes");
        assert_eq!(back, Err(err));
    }

    #[test]
    fn foreign_error_bodies_and_bad_meta() {
        let back = decode_reply::<Rendition>(502, None, b"<html>bad gateway</html>".to_vec())
            .expect("decodes");
        assert!(matches!(back, Err(Error::Unavailable(p)) if p.code == "backend-error"));
        assert!(matches!(
            decode_reply::<Rendition>(200, None, vec![]),
            Err(BindingError::MissingMeta)
        ));
        assert!(matches!(
            decode_reply::<Rendition>(200, Some("{"), vec![]),
            Err(BindingError::Meta(_))
        ));
    }

    #[test]
    fn bytes_arguments_split_at_the_first_newline() {
        let args = serde_json::json!({"sku": "a\nb"});
        let body = encode_bytes_args(&args, b"\xff\n\x00raw");
        let (back, bytes): (serde_json::Value, &[u8]) = decode_bytes_args(&body).expect("decodes");
        assert_eq!((back, bytes), (args, &b"\xff\n\x00raw"[..]));
        let r = decode_bytes_args::<serde_json::Value>(b"{}");
        assert!(matches!(r, Err(Error::Invalid(p)) if p.code == "rpc-arguments-malformed"));
    }

    #[test]
    fn json_results_round_trip() {
        let detection = Detection {
            payload: Some(Watermark {
                issued_at: 1_800_000_000,
                merchant: 42,
                platform: 3,
            }),
            confidence: 0.75,
            corrected_bits: 9,
        };
        let reply = encode_json_reply(Ok(detection));
        assert_eq!(
            (reply.status, reply.content_type),
            (200, "application/json")
        );
        let back: Detection = decode_json_reply(reply.status, &reply.body)
            .expect("decodes")
            .expect("ok");
        assert_eq!(back, detection);
        let refused = encode_json_reply::<Detection>(Err(Error::new(422, "image-empty", "no")));
        assert_eq!(
            decode_json_reply::<Detection>(refused.status, &refused.body).expect("decodes"),
            Err(Error::new(422, "image-empty", "no"))
        );
        assert!(decode_json_reply::<Detection>(200, b"[").is_err());
    }

    #[test]
    fn avif_is_named_like_the_others() {
        assert_eq!(ImageFormat::from_extension("AVIF"), Some(ImageFormat::Avif));
        assert_eq!(ImageFormat::Avif.media_type(), "image/avif");
        assert_eq!(ImageFormat::Avif.extension(), "avif");
    }

    #[test]
    fn malformed_arguments_are_invalid() {
        let r: Result<serde_json::Value, _> = decode_args(b"{nope");
        assert!(matches!(r, Err(Error::Invalid(p)) if p.code == "rpc-arguments-malformed"));
    }

    #[test]
    fn numbers_past_f32_are_refused_not_read_as_infinity() {
        let detection = Detection {
            payload: None,
            confidence: 0.5,
            corrected_bits: 3,
        };
        let reply = encode_json_reply(Ok(detection));
        let back = decode_json_reply::<Detection>(200, &reply.body).expect("decodes");
        assert_eq!(back.ok(), Some(detection));
        let text = String::from_utf8(reply.body).expect("utf-8");
        assert!(text.contains("0.5"), "{text}");
        let huge = text.replace("0.5", "1e39");
        assert!(matches!(
            decode_json_reply::<Detection>(200, huge.as_bytes()),
            Err(BindingError::Meta(_))
        ));
        let r: Result<serde_json::Value, _> = decode_args(b"[1e300]");
        assert!(matches!(r, Err(Error::Invalid(p)) if p.code == "rpc-arguments-malformed"));
        let fine: serde_json::Value =
            decode_args(b"[3.0e38, 18446744073709551615]").expect("in range");
        assert_eq!(fine[1], u64::MAX);
    }
}
