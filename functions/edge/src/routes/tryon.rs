//! `POST /v1/tryon/{sku}`: one camera frame (JPEG or PNG body) in, the
//! product composited onto the shopper's face out.
//!
//! Frames are biometric data, so this route is the strictest at the edge:
//! the gate runs first and refuses without the opt-in the market requires;
//! the frame goes only to a backend region the market's residency rule
//! allows; every answer is `no-store`; and nothing about the frame (bytes,
//! faces, landmarks) is written to the key-value store or to logs.

use meridian_wit::types::{
    Face, FaceRule, ImageFormat, TryonMeta, TryonRequest, TryonResult, TryonStatus,
};
use serde::Serialize;

use crate::backend::{Regional, Retry, Router, Scope, Transport};
use crate::gate::{Admission, Ask, query_param};
use crate::http::response::{Refusal, Response};
use crate::policy::Purpose;

/// Route prefix; the SKU follows.
pub const PREFIX: &str = "/v1/tryon/";
/// An opaque token per live-preview session, for landmark smoothing.
pub const SESSION_HEADER: &str = "meridian-tryon-session";
/// The frame's capture time, milliseconds, increasing within a session.
pub const FRAME_TIME_HEADER: &str = "meridian-frame-time";
/// The result without the image: faces, landmarks, engine (JSON).
pub const RESULT_HEADER: &str = "meridian-tryon";
/// The backend region that processed the frame.
pub const REGION_HEADER: &str = "meridian-region";
/// Largest frame body; the backend's own limit (`max_frame_bytes`) is the same by default.
pub const MAX_FRAME_BYTES: usize = 8 << 20;

/// The request as the host read it.
pub struct FrameRequest<'a> {
    pub method: &'a str,
    /// Path and query.
    pub path: &'a str,
    pub content_type: Option<&'a str>,
    pub session: Option<&'a str>,
    pub frame_time: Option<&'a str>,
    pub body: Vec<u8>,
}

/// A checked request, ready for the backend.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub request: TryonRequest,
    pub frame: Vec<u8>,
}

/// Try-on backends by region, from the Spin variable `tryon_backends`
/// (`region=url` pairs; each host also in `allowed_outbound_hosts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backends(Regional);

impl Backends {
    pub fn parse(text: &str) -> Result<Backends, Refusal> {
        Ok(Backends(Regional::parse(
            text,
            "try-on backend",
            "try-on frames",
            "tryon-backends-invalid",
        )?))
    }

    /// The deployment the router chooses among.
    pub fn regional(&self) -> &Regional {
        &self.0
    }
}

fn invalid(code: &str, message: String) -> Refusal {
    Refusal::new(400, code, message)
}

/// A query option with named values; absent is the first. Anything else
/// is 400 `<name>-invalid` listing the values.
fn choice<T: Copy>(query: &str, name: &str, values: &[(&str, T)]) -> Result<T, Refusal> {
    let Some(given) = query_param(query, name) else {
        return values
            .first()
            .map(|(_, v)| *v)
            .ok_or_else(|| Refusal::new(500, "option-undefined", name.to_owned()));
    };
    values
        .iter()
        .find(|(n, _)| *n == given)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<String> = values.iter().map(|(n, _)| format!("`{n}`")).collect();
            invalid(
                &format!("{name}-invalid"),
                format!("{name} is {}, not `{given}`", names.join(" or ")),
            )
        })
}

/// Checks the method, the SKU, the frame and the options.
pub fn parse(req: FrameRequest<'_>) -> Result<Call, Refusal> {
    if req.method != "POST" {
        return Err(Refusal::new(
            405,
            "method-not-allowed",
            format!(
                "{} is not allowed; try-on is POST {PREFIX}{{sku}} with the frame as the body",
                req.method
            ),
        ));
    }
    let (path, query) = req.path.split_once('?').unwrap_or((req.path, ""));
    let sku = path.strip_prefix(PREFIX).unwrap_or_default();
    if sku.is_empty()
        || sku.len() > 64
        || !sku.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(invalid(
            "sku-invalid",
            format!("`{sku}` is not a SKU (1 to 64 of A-Z, a-z, 0-9 and -)"),
        ));
    }
    let media_type = req
        .content_type
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase());
    if !matches!(media_type.as_deref(), Some("image/jpeg" | "image/png")) {
        return Err(Refusal::new(
            415,
            "frame-type-unsupported",
            format!(
                "frames are image/jpeg or image/png, not {}",
                req.content_type.unwrap_or("(no content-type)")
            ),
        ));
    }
    if req.body.is_empty() {
        return Err(invalid(
            "frame-missing",
            "send the camera frame as the request body".into(),
        ));
    }
    if req.body.len() > MAX_FRAME_BYTES {
        return Err(Refusal::new(
            413,
            "frame-too-large",
            format!(
                "the frame is {} bytes; at most {MAX_FRAME_BYTES}",
                req.body.len()
            ),
        ));
    }
    let faces = choice(
        query,
        "faces",
        &[("largest", FaceRule::Largest), ("all", FaceRule::All)],
    )?;
    let format = choice(
        query,
        "format",
        &[("jpeg", ImageFormat::Jpeg), ("png", ImageFormat::Png)],
    )?;
    let quality = match query_param(query, "quality") {
        None => 82,
        Some(q) => q
            .parse::<u8>()
            .ok()
            .filter(|q| (1..=100).contains(q))
            .ok_or_else(|| invalid("quality-invalid", format!("quality is 1 to 100, not `{q}`")))?,
    };
    let session = match req.session.map(str::trim) {
        None | Some("") => None,
        Some(s)
            if s.len() <= 64
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Some(s.to_owned())
        }
        Some(_) => {
            return Err(invalid(
                "session-invalid",
                format!("{SESSION_HEADER} is 1 to 64 of A-Z, a-z, 0-9, - and _"),
            ));
        }
    };
    let frame_time_ms = match req.frame_time.map(str::trim) {
        None | Some("") => None,
        Some(t) => Some(t.parse::<u64>().map_err(|_| {
            invalid(
                "frame-time-invalid",
                format!("{FRAME_TIME_HEADER} is whole milliseconds, not `{t}`"),
            )
        })?),
    };
    Ok(Call {
        request: TryonRequest {
            sku: sku.to_owned(),
            session,
            frame_time_ms,
            faces,
            format,
            quality,
        },
        frame: req.body,
    })
}

/// What the page reads from [`RESULT_HEADER`] (and the body of a frame
/// without a face).
#[derive(Serialize)]
struct View<'a> {
    status: &'static str,
    sku: &'a str,
    width: u32,
    height: u32,
    faces: &'a [Face],
    smoothed: bool,
    engine: &'a str,
    region: &'a str,
}

/// The body for a frame without a face: Meridian's `status`, `code` and
/// `message` (200: not an error), with the result beside them.
#[derive(Serialize)]
struct NoFace<'a> {
    status: u16,
    code: &'static str,
    message: &'static str,
    result: &'a View<'a>,
}

fn view<'a>(meta: &'a TryonMeta, region: &'a str) -> View<'a> {
    View {
        status: match meta.status {
            TryonStatus::Composited => "composited",
            TryonStatus::NoFace => "no-face",
        },
        sku: &meta.sku,
        width: meta.size.width,
        height: meta.size.height,
        faces: &meta.faces,
        smoothed: meta.smoothed,
        engine: &meta.engine,
        region,
    }
}

/// The shopper's answer: the composite as the body, or for a frame without
/// a face a 200 JSON body with code `no-face` (the camera simply saw nobody).
pub fn respond(result: TryonResult, region: &str) -> Result<Response, Refusal> {
    let encoding = |e: serde_json::Error| Refusal::new(500, "encoding-failed", e.to_string());
    let view = view(&result.meta, region);
    let response = Response::new(200)
        .header("cache-control", "no-store")
        .header(REGION_HEADER, region)
        .header(
            RESULT_HEADER,
            serde_json::to_string(&view).map_err(encoding)?,
        );
    Ok(match result.meta.status {
        TryonStatus::Composited => response
            .header("content-type", result.meta.format.media_type())
            .body(result.bytes),
        TryonStatus::NoFace => {
            let body = NoFace {
                status: 200,
                code: "no-face",
                message: "no face was found in the frame: face the camera in good light",
                result: &view,
            };
            response
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&body).map_err(encoding)?)
        }
    })
}

/// Frames are biometric data: outside development mode they travel to a
/// backend over TLS only.
pub fn check_backend_url(url: &str, development: bool) -> Result<(), Refusal> {
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("https") => Ok(()),
        Some("http") if development => Ok(()),
        _ => Err(Refusal::new(
            500,
            "tryon-backend-insecure",
            "a try-on backend URL must be https:// (plain http only with development_mode on)",
        )),
    }
}

/// The whole route: check the request, run the gate for try-on of this
/// SKU, route to an allowed region (the router never sends a frame
/// outside the residency decision's regions), composite. Every answer,
/// refusals included, is `no-store` and carries the gate's headers when
/// it ran, and the route's `Server-Timing`. `development` allows
/// plain-http backends and the development key; `variant_of` gives the
/// shopper's experiment variants for the backend.
pub async fn handle<T: Transport + Clone>(
    req: FrameRequest<'_>,
    admit: impl FnOnce(Ask<'_>) -> Result<Admission, Refusal>,
    variant_of: impl FnOnce(&Admission) -> String,
    router: &Router<'_, T>,
    development: bool,
    now: u64,
) -> Response {
    let call = match parse(req) {
        Ok(call) => call,
        Err(refusal) => return refusal.into_response(),
    };
    let admission = match admit(Ask {
        purpose: Purpose::TryOn,
        sku: Some(&call.request.sku),
        category: None,
    }) {
        Ok(admission) => admission,
        Err(refusal) => return refusal.into_response(),
    };
    if let Some(refusal) = admission.refusal() {
        return refusal;
    }
    let checked = router
        .regional
        .all()
        .try_for_each(|(_, url)| check_backend_url(url, development))
        .and_then(|()| crate::backend::check_signing_key(router.signing_key, development));
    if let Err(refusal) = checked {
        return admission.stamp(refusal.into_response());
    }
    let variant = variant_of(&admission);
    let (call, variant) = (&call, variant.as_str());
    let routed = router
        .call(
            Scope::of(&admission.decision),
            Retry::Idempotent,
            |client| {
                let client = client.with_variant(variant);
                async move { client.composite(&call.request, &call.frame, now).await }
            },
        )
        .await;
    let region = routed.trail.served_by.clone().unwrap_or_default();
    let response = routed
        .result
        .and_then(|result| respond(result, &region))
        .unwrap_or_else(Refusal::into_response);
    admission.stamp(routed.trail.stamp(response))
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use meridian_wit::rpc;
    use meridian_wit::types::{Error, Point, Rect, Size};

    use super::*;
    use crate::backend::tests::{FakeBackend, NOW, router};
    use crate::gate::{OPT_IN_HEADER, admit_via_cdn};

    fn block<F: Future>(f: F) -> F::Output {
        futures_executor::block_on(f)
    }

    fn frame(path: &str) -> FrameRequest<'_> {
        FrameRequest {
            method: "POST",
            path,
            content_type: Some("image/jpeg"),
            session: Some("s-1"),
            frame_time: Some("1000"),
            body: b"\xff\xd8 frame".to_vec(),
        }
    }

    fn composited(request: &TryonRequest) -> TryonResult {
        TryonResult {
            meta: TryonMeta {
                status: TryonStatus::Composited,
                size: Size {
                    width: 1280,
                    height: 720,
                },
                format: request.format,
                sku: request.sku.clone(),
                faces: vec![Face {
                    bounds: Rect {
                        x: 500.0,
                        y: 100.0,
                        width: 300.0,
                        height: 300.0,
                    },
                    score: 0.9,
                    landmarks: vec![Point { x: 1.0, y: 2.0 }; 68],
                    dressed: true,
                }],
                smoothed: request.session.is_some(),
                engine: "cpu".into(),
            },
            bytes: b"composite".to_vec(),
        }
    }

    /// A backend that composites and remembers which requests reached it.
    fn backend(seen: Rc<RefCell<Vec<TryonRequest>>>) -> FakeBackend {
        FakeBackend::routing(Box::new(move |path, body| {
            assert_eq!(path, rpc::TRYON_COMPOSITE);
            match rpc::decode_bytes_args::<rpc::tryon::CompositeArgs>(body) {
                Ok((args, _)) => {
                    seen.borrow_mut().push(args.request.clone());
                    rpc::encode_reply(Ok(composited(&args.request)))
                }
                Err(e) => rpc::error_reply(&e),
            }
        }))
    }

    fn run(
        req: FrameRequest<'_>,
        headers: &[(&str, &str)],
        backends: &str,
        fake: &FakeBackend,
    ) -> Response {
        let admit = |ask: Ask<'_>| Ok(admit_via_cdn(headers, "", ask));
        let backends = Backends::parse(backends).expect("backends");
        let variant = |_: &Admission| "hero-preset=square".to_owned();
        let router = router(backends.regional(), fake, "k");
        block(handle(req, admit, variant, &router, true, NOW))
    }

    const EU: &str = "eu=http://eu.backend:8081";

    #[test]
    fn an_opted_in_frame_is_composited_in_the_markets_region() {
        let seen = Rc::default();
        let fake = backend(Rc::clone(&seen));
        let headers = [("cf-ipcountry", "DE"), (OPT_IN_HEADER, "biometric")];
        let r = run(
            frame("/v1/tryon/EYE-AVIATOR-GOLD?faces=all&quality=70"),
            &headers,
            "us=http://us.backend,eu=http://eu.backend",
            &fake,
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.body, b"composite");
        assert_eq!(r.get("content-type"), Some("image/jpeg"));
        assert_eq!(r.get("cache-control"), Some("no-store"));
        assert_eq!(r.get(REGION_HEADER), Some("eu"));
        assert_eq!(r.get("meridian-market"), Some("DE"));
        let result: serde_json::Value =
            serde_json::from_str(r.get(RESULT_HEADER).expect("result header")).expect("json");
        assert_eq!(result["status"], "composited");
        assert_eq!(
            result["faces"][0]["landmarks"].as_array().map(Vec::len),
            Some(68)
        );
        let asked = seen.borrow();
        assert_eq!(asked.len(), 1);
        assert_eq!(asked[0].faces, FaceRule::All);
        assert_eq!(asked[0].quality, 70);
        assert_eq!(asked[0].session.as_deref(), Some("s-1"));
        assert_eq!(asked[0].frame_time_ms, Some(1000));
        assert_eq!(
            *fake.variants.borrow(),
            [Some("hero-preset=square".to_owned())],
            "the shopper's variants reach the backend"
        );
    }

    #[test]
    fn without_opt_in_the_frame_never_leaves_the_edge() {
        let seen = Rc::default();
        let fake = backend(Rc::clone(&seen));
        let r = run(
            frame("/v1/tryon/EYE-AVIATOR-GOLD"),
            &[("cf-ipcountry", "FR")],
            EU,
            &fake,
        );
        assert_eq!(r.status, 403);
        assert_eq!(r.get("cache-control"), Some("no-store"));
        let body: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
        assert_eq!(body["code"], "consent-required");
        assert_eq!(body["consent"]["kind"], "biometric");
        assert!(
            body["consent"]["prompt"]
                .as_str()
                .is_some_and(|p| !p.is_empty())
        );
        assert_eq!(*fake.calls.borrow(), 0, "no frame was sent");
    }

    #[test]
    fn notice_only_markets_need_no_opt_in() {
        let fake = backend(Rc::default());
        let r = run(
            frame("/v1/tryon/EYE-AVIATOR-GOLD"),
            &[("cf-ipcountry", "JP")],
            "jp=http://jp.backend",
            &fake,
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.get(REGION_HEADER), Some("jp"));
    }

    #[test]
    fn residency_picks_the_first_allowed_region_or_refuses() {
        let fake = backend(Rc::default());
        // Great Britain allows uk, then eu.
        let gb = [("cf-ipcountry", "GB"), (OPT_IN_HEADER, "biometric")];
        let r = run(
            frame("/v1/tryon/EYE-AVIATOR-GOLD"),
            &gb,
            "eu=http://eu.b,uk=http://uk.b",
            &fake,
        );
        assert_eq!(r.get(REGION_HEADER), Some("uk"));
        let r = run(frame("/v1/tryon/EYE-AVIATOR-GOLD"), &gb, EU, &fake);
        assert_eq!(r.get(REGION_HEADER), Some("eu"));

        // China's frames stay in China; no backend there is a 451.
        let calls = *fake.calls.borrow();
        let cn = [("cf-ipcountry", "CN"), (OPT_IN_HEADER, "biometric")];
        let r = run(frame("/v1/tryon/EYE-AVIATOR-GOLD"), &cn, EU, &fake);
        assert_eq!(r.status, 451, "{}", String::from_utf8_lossy(&r.body));
        let body: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
        assert_eq!(body["code"], "residency-no-region");
        assert!(body["message"].as_str().is_some_and(|m| m.contains("cn")));
        assert_eq!(r.get("cache-control"), Some("no-store"));
        assert_eq!(*fake.calls.borrow(), calls, "no frame was sent");
    }

    #[test]
    fn a_frame_without_a_face_is_a_clear_answer() {
        let fake = FakeBackend::routing(Box::new(|_, body| {
            let (args, _) =
                rpc::decode_bytes_args::<rpc::tryon::CompositeArgs>(body).expect("framed");
            let mut result = composited(&args.request);
            result.meta.status = TryonStatus::NoFace;
            result.meta.faces.clear();
            result.bytes.clear();
            rpc::encode_reply(Ok(result))
        }));
        let headers = [("cf-ipcountry", "DE"), (OPT_IN_HEADER, "biometric")];
        let r = run(frame("/v1/tryon/EYE-AVIATOR-GOLD"), &headers, EU, &fake);
        assert_eq!(r.status, 200);
        assert_eq!(r.get("content-type"), Some("application/json"));
        let body: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
        assert_eq!(body["code"], "no-face");
        assert_eq!(body["result"]["faces"].as_array().map(Vec::len), Some(0));
    }

    #[test]
    fn backend_refusals_pass_through_and_stay_unstored() {
        let fake = FakeBackend::routing(Box::new(|_, _| {
            rpc::error_reply(&Error::new(
                404,
                "product-unknown",
                "no try-on for that SKU",
            ))
        }));
        let headers = [("cf-ipcountry", "DE"), (OPT_IN_HEADER, "biometric")];
        let r = run(frame("/v1/tryon/NOPE"), &headers, EU, &fake);
        assert_eq!(r.status, 404);
        assert_eq!(r.get("cache-control"), Some("no-store"));
        assert_eq!(r.get("meridian-market"), Some("DE"));
    }

    #[test]
    fn bad_requests_are_refused_before_the_gate() {
        let base = || frame("/v1/tryon/EYE-AVIATOR-GOLD");
        let cases: Vec<(FrameRequest<'_>, u16, &str)> = vec![
            (
                FrameRequest {
                    method: "GET",
                    ..base()
                },
                405,
                "method-not-allowed",
            ),
            (frame("/v1/tryon/"), 400, "sku-invalid"),
            (frame("/v1/tryon/a b"), 400, "sku-invalid"),
            (
                FrameRequest {
                    content_type: Some("text/plain"),
                    ..base()
                },
                415,
                "frame-type-unsupported",
            ),
            (
                FrameRequest {
                    content_type: None,
                    ..base()
                },
                415,
                "frame-type-unsupported",
            ),
            (
                FrameRequest {
                    body: Vec::new(),
                    ..base()
                },
                400,
                "frame-missing",
            ),
            (
                FrameRequest {
                    body: vec![0; MAX_FRAME_BYTES + 1],
                    ..base()
                },
                413,
                "frame-too-large",
            ),
            (frame("/v1/tryon/X?faces=some"), 400, "faces-invalid"),
            (frame("/v1/tryon/X?format=webp"), 400, "format-invalid"),
            (frame("/v1/tryon/X?quality=0"), 400, "quality-invalid"),
            (
                FrameRequest {
                    session: Some("spaces are not allowed"),
                    ..base()
                },
                400,
                "session-invalid",
            ),
            (
                FrameRequest {
                    frame_time: Some("-1"),
                    ..base()
                },
                400,
                "frame-time-invalid",
            ),
        ];
        for (req, status, code) in cases {
            let r = parse(req).expect_err(code);
            assert_eq!((r.status, r.code.as_str()), (status, code));
        }
        let png = parse(FrameRequest {
            content_type: Some("image/png; charset=binary"),
            ..base()
        })
        .expect("PNG frames are fine");
        assert_eq!(
            png.request.format,
            ImageFormat::Jpeg,
            "the answer is JPEG by default"
        );
    }

    #[test]
    fn plain_http_backends_and_weak_keys_need_development_mode() {
        assert_eq!(check_backend_url("https://eu.backend", false), Ok(()));
        assert_eq!(check_backend_url("http://eu.backend", true), Ok(()));
        for url in [
            "http://eu.backend",
            "HTTP://eu.backend",
            "eu.backend",
            "ftp://x",
        ] {
            let r = check_backend_url(url, false).expect_err(url);
            assert_eq!((r.status, r.code.as_str()), (500, "tryon-backend-insecure"));
        }
        // Through the route: the frame never leaves for a plain-http URL.
        let seen = Rc::default();
        let fake = backend(Rc::clone(&seen));
        let headers = [("cf-ipcountry", "DE"), (OPT_IN_HEADER, "biometric")];
        let admit = |ask: Ask<'_>| Ok(admit_via_cdn(&headers, "", ask));
        let backends = Backends::parse(EU).expect("backends");
        let key = "k".repeat(32);
        let r = block(handle(
            frame("/v1/tryon/EYE-AVIATOR-GOLD"),
            admit,
            |_: &Admission| String::new(),
            &router(backends.regional(), &fake, &key),
            false,
            NOW,
        ));
        assert_eq!(r.status, 500, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(*fake.calls.borrow(), 0, "the frame was sent");
        // Over https, a development key is refused the same way.
        let backends = Backends::parse("eu=https://eu.backend").expect("backends");
        let admit = |ask: Ask<'_>| Ok(admit_via_cdn(&headers, "", ask));
        let r = block(handle(
            frame("/v1/tryon/EYE-AVIATOR-GOLD"),
            admit,
            |_: &Admission| String::new(),
            &router(backends.regional(), &fake, "meridian-dev-signing-key"),
            false,
            NOW,
        ));
        assert_eq!(r.status, 500);
        assert_eq!(*fake.calls.borrow(), 0, "the frame was sent");
    }

    #[test]
    fn backends_must_be_region_urls() {
        let r = Backends::parse("eu").expect_err("not a pair");
        assert_eq!(r.code, "tryon-backends-invalid");
    }
}
