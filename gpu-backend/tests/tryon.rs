//! `tryon.composite` through the real HTTP server: signed calls carrying a
//! frame, composites with landmarks, no-face answers, refusals.
//!
//! Needs onnxruntime: `bash gpu-backend/tools/models/install-onnxruntime.sh` (or
//! ORT_DYLIB_PATH pointing at a libonnxruntime.so).

use std::io::Read;
use std::time::Duration;

mod server;

use meridian_wit::rpc;

use meridian_rpc_server::test_support as signing;
use meridian_wit::types::{
    FaceRule, ImageFormat, TryonMeta, TryonRequest, TryonResult, TryonStatus,
};

const KEY: &str = "test-key";
const FACES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/faces");
/// Small enough to test the body limit with a real photograph.
const MAX_FRAME_BYTES: usize = 1_000_000;

struct Backend {
    base: String,
    _runtime: tokio::runtime::Runtime,
}

/// One backend for every test of this file (the WIT Guest is process-wide).
fn backend() -> &'static Backend {
    static BACKEND: std::sync::OnceLock<Backend> = std::sync::OnceLock::new();
    BACKEND.get_or_init(|| {
        let mut config = server::config(KEY);
        config.tryon.limits.max_frame_bytes = MAX_FRAME_BYTES;
        config.tryon.limits.max_frame_side = 1700;
        let (base, runtime) = server::serve(config);
        Backend {
            base,
            _runtime: runtime,
        }
    })
}

fn request(sku: &str) -> TryonRequest {
    TryonRequest {
        sku: sku.into(),
        session: None,
        frame_time_ms: None,
        faces: FaceRule::Largest,
        format: ImageFormat::Png,
        quality: 90,
    }
}

struct Answer {
    status: u16,
    content_type: String,
    cache_control: Option<String>,
    meta: Option<String>,
    body: Vec<u8>,
}

impl Answer {
    fn result(self) -> TryonResult {
        assert_eq!(self.status, 200, "{}", String::from_utf8_lossy(&self.body));
        rpc::decode_reply(self.status, self.meta.as_deref(), self.body)
            .expect("decodes")
            .expect("ok")
    }

    fn code(&self) -> String {
        let v: serde_json::Value = serde_json::from_slice(&self.body).expect("json error body");
        v["code"].as_str().expect("code").to_owned()
    }
}

fn post(body: &[u8], sign: bool) -> Answer {
    post_in(body, sign, Some("eu"))
}

/// A call routed to `region` (the header, signed along), or to none.
fn post_in(body: &[u8], sign: bool, region: Option<&str>) -> Answer {
    let b = backend();
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(120))
        .build();
    let mut req = agent
        .post(&format!("{}{}", b.base, rpc::TRYON_COMPOSITE))
        .set("content-type", rpc::BYTES_ARGS_CONTENT_TYPE);
    if let Some(region) = region {
        req = req.set(rpc::REGION_HEADER, region);
    }
    if sign {
        let headers = signing::headers(
            KEY,
            rpc::TRYON_COMPOSITE,
            rpc::BYTES_ARGS_CONTENT_TYPE,
            region.unwrap_or_default(),
            body,
        );
        for (name, value) in &headers {
            req = req.set(name, value);
        }
    }
    let response = match req.send_bytes(body) {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("transport: {e}"),
    };
    let mut out = Vec::new();
    let answer = Answer {
        status: response.status(),
        content_type: response.content_type().to_owned(),
        cache_control: response.header("cache-control").map(str::to_owned),
        meta: response.header(rpc::META_HEADER).map(str::to_owned),
        body: Vec::new(),
    };
    response.into_reader().read_to_end(&mut out).expect("body");
    Answer {
        body: out,
        ..answer
    }
}

fn call(request: &TryonRequest, frame: &[u8]) -> Answer {
    let args = rpc::tryon::CompositeArgs {
        request: request.clone(),
    };
    post(&rpc::encode_bytes_args(&args, frame), true)
}

fn file(path: &str) -> Vec<u8> {
    std::fs::read(path).expect("test photo")
}

fn rgb(bytes: &[u8]) -> image::RgbImage {
    image::load_from_memory(bytes).expect("decodes").into_rgb8()
}

/// Mean absolute difference of two images over a box (x, y, w, h).
fn diff(a: &image::RgbImage, b: &image::RgbImage, (x0, y0, w, h): (u32, u32, u32, u32)) -> f64 {
    let mut sum = 0u64;
    for y in y0..y0 + h {
        for x in x0..x0 + w {
            for c in 0..3 {
                sum += u64::from(a.get_pixel(x, y)[c].abs_diff(b.get_pixel(x, y)[c]));
            }
        }
    }
    sum as f64 / f64::from(w * h * 3)
}

#[test]
fn a_face_gets_landmarks_and_the_product() {
    let frame = file(&format!("{FACES}/astronaut.png"));
    let answer = call(&request("EYE-AVIATOR-GOLD"), &frame);
    assert_eq!(answer.content_type, "image/png");
    assert_eq!(answer.cache_control.as_deref(), Some("no-store"));
    let result = answer.result();
    let TryonMeta {
        status,
        size,
        faces,
        engine,
        smoothed,
        ..
    } = &result.meta;
    assert_eq!(*status, TryonStatus::Composited);
    assert_eq!(
        (size.width, size.height, engine.as_str(), *smoothed),
        (512, 512, "cpu", false)
    );
    assert_eq!(faces.len(), 1);
    let face = &faces[0];
    assert!(face.dressed && face.score > 0.5);
    assert_eq!(face.landmarks.len(), 68);
    // Landmark 36 (outer corner of the eye on the left) near where a person
    // put it by hand (tests/faces/points.json: 193.5, 101).
    let p = &face.landmarks[36];
    assert!(
        (p.x - 193.5).abs() < 5.0 && (p.y - 101.0).abs() < 5.0,
        "{p:?}"
    );
    // The glasses changed the eyes and left the rest alone.
    let (before, after) = (rgb(&frame), rgb(&result.bytes));
    assert!(
        diff(&before, &after, (190, 90, 70, 20)) > 20.0,
        "eyes unchanged"
    );
    assert_eq!(
        diff(&before, &after, (0, 300, 150, 200)),
        0.0,
        "body changed"
    );
}

#[test]
fn every_kind_of_product_changes_its_own_region() {
    let frame = file(&format!("{FACES}/astronaut.png"));
    let before = rgb(&frame);
    // (sku, a box that must change, a box that must not)
    for (sku, changed, same) in [
        ("LIP-RUBY", (205, 138, 35, 8), (190, 90, 70, 20)),
        ("HAT-FEDORA-NAVY", (170, 20, 100, 30), (190, 130, 70, 20)),
        ("EAR-HOOP-GOLD", (165, 130, 15, 30), (205, 138, 35, 8)),
    ] {
        let after = rgb(&call(&request(sku), &frame).result().bytes);
        assert!(
            diff(&before, &after, changed) > 5.0,
            "{sku}: {changed:?} unchanged"
        );
        assert_eq!(diff(&before, &after, same), 0.0, "{sku}: {same:?} changed");
    }
}

#[test]
fn no_face_is_an_answer_not_an_error() {
    let frame = file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/catalog/coast-sunset.jpg"
    ));
    let answer = call(&request("EYE-AVIATOR-GOLD"), &frame);
    assert_eq!(answer.content_type, "application/octet-stream");
    let result = answer.result();
    assert_eq!(result.meta.status, TryonStatus::NoFace);
    assert!(result.meta.faces.is_empty() && result.bytes.is_empty());
}

#[test]
fn several_faces_largest_first_or_all() {
    // Grace Hopper scaled to 500 px high beside the astronaut's head.
    let big = image::imageops::resize(
        &rgb(&file(&format!("{FACES}/grace-hopper.jpg"))),
        427,
        500,
        image::imageops::FilterType::Triangle,
    );
    let small = image::imageops::crop_imm(
        &rgb(&file(&format!("{FACES}/astronaut.png"))),
        100,
        0,
        280,
        280,
    )
    .to_image();
    let mut canvas = image::RgbImage::from_pixel(800, 500, image::Rgb([90, 90, 90]));
    image::imageops::overlay(&mut canvas, &big, 0, 0);
    image::imageops::overlay(&mut canvas, &small, 480, 100);
    let mut frame = Vec::new();
    canvas
        .write_to(
            &mut std::io::Cursor::new(&mut frame),
            image::ImageFormat::Png,
        )
        .expect("png");
    let largest = call(&request("EYE-ROUND-TORTOISE"), &frame).result();
    let faces = &largest.meta.faces;
    assert_eq!(faces.len(), 2);
    assert!(
        faces[0].bounds.width > faces[1].bounds.width,
        "largest first"
    );
    assert!(
        faces[0].bounds.x < 400.0,
        "the larger face is Grace Hopper's"
    );
    assert_eq!((faces[0].dressed, faces[1].dressed), (true, false));
    assert!(faces[1].landmarks.is_empty());
    let all = call(
        &TryonRequest {
            faces: FaceRule::All,
            ..request("EYE-ROUND-TORTOISE")
        },
        &frame,
    )
    .result();
    assert!(
        all.meta
            .faces
            .iter()
            .all(|f| f.dressed && f.landmarks.len() == 68)
    );
    // The small face got glasses only with `all`.
    let eyes = (575, 192, 60, 16);
    let none = diff(&canvas, &rgb(&largest.bytes), eyes);
    let some = diff(&canvas, &rgb(&all.bytes), eyes);
    assert!(none == 0.0 && some > 10.0, "{none} {some}");
}

#[test]
fn a_session_smooths_its_later_frames() {
    let frame = file(&format!("{FACES}/grace-hopper.jpg"));
    let req = |t| TryonRequest {
        session: Some("s-1f2e".into()),
        frame_time_ms: Some(t),
        ..request("EYE-AVIATOR-GOLD")
    };
    assert!(!call(&req(1000), &frame).result().meta.smoothed);
    assert!(call(&req(1033), &frame).result().meta.smoothed);
    let bad = TryonRequest {
        session: Some("has space".into()),
        ..request("EYE-AVIATOR-GOLD")
    };
    let answer = call(&bad, &frame);
    assert_eq!(
        (answer.status, answer.code()),
        (400, "session-invalid".into())
    );
}

#[test]
fn refusals_carry_status_and_code() {
    let photo = file(&format!("{FACES}/grace-hopper.jpg"));
    let code = |a: Answer| (a.status, a.code());
    // Unknown product.
    assert_eq!(
        code(call(&request("NOPE"), &photo)),
        (404, "product-not-found".into())
    );
    // Truncated JPEG.
    assert_eq!(
        code(call(&request("LIP-RUBY"), &photo[..photo.len() / 2])),
        (422, "frame-corrupt".into())
    );
    // Not an image.
    assert_eq!(
        code(call(&request("LIP-RUBY"), b"plain text")),
        (422, "frame-format-unsupported".into())
    );
    // Over the configured side, told by the header before decoding.
    let mut wide = Vec::new();
    image::RgbImage::from_pixel(1800, 4, image::Rgb([1, 2, 3]))
        .write_to(
            &mut std::io::Cursor::new(&mut wide),
            image::ImageFormat::Png,
        )
        .expect("png");
    assert_eq!(
        code(call(&request("LIP-RUBY"), &wide)),
        (413, "frame-too-large".into())
    );
    // Over the frame byte limit (the body limit leaves room for the
    // arguments, so the whole frame is read and the frame check answers).
    let mut huge = photo.clone();
    huge.resize(MAX_FRAME_BYTES + 1, 0);
    assert_eq!(
        code(call(&request("LIP-RUBY"), &huge)),
        (413, "frame-too-large".into())
    );
    // WebP composites are not offered.
    let webp = TryonRequest {
        format: ImageFormat::Webp,
        ..request("LIP-RUBY")
    };
    assert_eq!(
        code(call(&webp, &photo)),
        (400, "format-unsupported".into())
    );
    // Unsigned.
    let body = rpc::encode_bytes_args(
        &rpc::tryon::CompositeArgs {
            request: request("LIP-RUBY"),
        },
        &photo,
    );
    assert_eq!(code(post(&body, false)), (401, "signature-missing".into()));
    // No newline after the arguments.
    assert_eq!(
        code(post(b"{}", true)),
        (400, "rpc-arguments-malformed".into())
    );
    // Region-bound: a call that does not say its region, or names another.
    assert_eq!(
        code(post_in(&body, true, None)),
        (400, "region-missing".into())
    );
    assert_eq!(
        code(post_in(&body, true, Some("us"))),
        (421, "region-mismatch".into())
    );
}

/// A call refused before its body is read still gets its refusal, not a
/// reset while it is sending: the backend reads the rest away. Repeated,
/// since a reset depends on how much the socket buffers took.
#[test]
fn refusals_before_the_body_arrive_whole() {
    let mut body = file(&format!("{FACES}/grace-hopper.jpg"));
    body.resize(MAX_FRAME_BYTES, 0);
    for _ in 0..20 {
        let unsigned = post(&body, false);
        assert_eq!(
            (unsigned.status, unsigned.code()),
            (401, "signature-missing".into())
        );
        let elsewhere = post_in(&body, true, Some("us"));
        assert_eq!(
            (elsewhere.status, elsewhere.code()),
            (421, "region-mismatch".into())
        );
    }
}
