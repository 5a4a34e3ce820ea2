//! The backend over HTTP, in process: signed calls, refusals, health.

use std::io::Read;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use meridian_gpu_backend::config::{Config, EngineChoice};
use meridian_wit::rpc::{self, Signer};
use meridian_wit::types::{
    Crop, Detection, Fit, ImageFormat, RenderRequest, RenditionMeta, Size, Watermark,
};

const KEY: &str = "test-key";
const PLATFORM: u8 = 9;
const MERCHANT: u32 = 77;

struct Backend {
    base: String,
    _catalog: tempfile::TempDir,
    _runtime: tokio::runtime::Runtime,
}

/// One backend for every test of this file (the WIT Guest is process-wide).
fn backend() -> &'static Backend {
    static BACKEND: std::sync::OnceLock<Backend> = std::sync::OnceLock::new();
    BACKEND.get_or_init(|| {
        let catalog = tempfile::tempdir().expect("tempdir");
        let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/catalog/coast-sunset.jpg");
        let jpeg = std::fs::read(shipped).expect("catalog photo");
        std::fs::write(catalog.path().join("photo.jpg"), &jpeg).expect("write");
        std::fs::write(
            catalog.path().join("truncated.jpg"),
            &jpeg[..jpeg.len() / 2],
        )
        .expect("write");
        std::fs::write(catalog.path().join("notes.jpg"), b"plain text").expect("write");
        // A valid PNG header claiming 30000 x 30000 pixels: a bomb.
        let mut bomb = Vec::new();
        image::ImageEncoder::write_image(
            image::codecs::png::PngEncoder::new(&mut bomb),
            &[0u8; 4],
            1,
            1,
            image::ExtendedColorType::Rgba8,
        )
        .expect("png");
        bomb[16..20].copy_from_slice(&30000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&30000u32.to_be_bytes());
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        std::fs::write(catalog.path().join("bomb.png"), &bomb).expect("write");
        // The same header claiming 0 x 30000 pixels.
        let mut empty = bomb.clone();
        empty[16..20].copy_from_slice(&0u32.to_be_bytes());
        let crc = crc32(&empty[12..29]);
        empty[29..33].copy_from_slice(&crc.to_be_bytes());
        std::fs::write(catalog.path().join("zero.png"), empty).expect("write");
        std::fs::write(catalog.path().join("nothing.jpg"), b"").expect("write");
        // A BMP signature: a format the backend does not take.
        std::fs::write(
            catalog.path().join("old.bmp"),
            [b"BM".as_slice(), &[0; 60]].concat(),
        )
        .expect("write");

        let mut config = Config::load(None, |_| None).expect("defaults");
        config.listen = "127.0.0.1:0".parse().expect("addr");
        config.engine = EngineChoice::Cpu;
        config.signing_key = KEY.into();
        config.platform = PLATFORM;
        config.catalog = catalog.path().to_path_buf();
        config.limits.max_body_bytes = 4096;
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let running = runtime
            .block_on(meridian_gpu_backend::start(config))
            .expect("starts");
        let base = format!("http://{}", running.addr);
        std::mem::forget(running);
        Backend {
            base,
            _catalog: catalog,
            _runtime: runtime,
        }
    })
}

/// PNG's CRC-32 (ISO 3309), to keep the forged header valid.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

fn render_request(asset: &str, format: ImageFormat) -> RenderRequest {
    RenderRequest {
        asset: asset.into(),
        size: Size {
            width: 320,
            height: 200,
        },
        fit: Fit::Cover,
        background: None,
        format,
        quality: 80,
        crop: Crop::Centre,
        subject_fill: None,
        min_source_side: None,
        merchant: MERCHANT,
    }
}

fn request(asset: &str, format: ImageFormat) -> Vec<u8> {
    encode(render_request(asset, format))
}

fn encode(request: RenderRequest) -> Vec<u8> {
    rpc::encode_args(&rpc::imaging::RenderArgs { request })
}

struct Answer {
    status: u16,
    meta: Option<String>,
    body: Vec<u8>,
}

fn post(body: &[u8], signature: Option<(u64, String)>) -> Answer {
    post_to(rpc::IMAGING_RENDER, body, signature)
}

fn post_to(route: &str, body: &[u8], signature: Option<(u64, String)>) -> Answer {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .build();
    let mut req = agent.post(&format!("{}{route}", backend().base));
    if let Some((ts, sig)) = signature {
        req = req
            .set(rpc::TIMESTAMP_HEADER, &ts.to_string())
            .set(rpc::SIGNATURE_HEADER, &sig);
    }
    let response = match req.send_bytes(body) {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("transport: {e}"),
    };
    let status = response.status();
    let meta = response.header(rpc::META_HEADER).map(str::to_owned);
    let mut out = Vec::new();
    response.into_reader().read_to_end(&mut out).expect("body");
    Answer {
        status,
        meta,
        body: out,
    }
}

fn signed(body: &[u8]) -> Answer {
    signed_to(rpc::IMAGING_RENDER, body)
}

fn signed_to(route: &str, body: &[u8]) -> Answer {
    let ts = now();
    post_to(
        route,
        body,
        Some((ts, Signer::new(KEY).sign("POST", route, ts, body))),
    )
}

fn code(a: &Answer) -> String {
    let v: serde_json::Value = serde_json::from_slice(&a.body).expect("json error");
    assert_eq!(v["status"], a.status, "body carries the status");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
    v["code"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn signed_render_answers_raw_bytes_with_meta() {
    for (format, codec) in [
        (ImageFormat::Jpeg, image::ImageFormat::Jpeg),
        (ImageFormat::Png, image::ImageFormat::Png),
        (ImageFormat::Webp, image::ImageFormat::WebP),
        (ImageFormat::Avif, image::ImageFormat::Avif),
    ] {
        let a = signed(&request("photo.jpg", format));
        assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
        let meta: RenditionMeta =
            serde_json::from_str(a.meta.as_deref().expect("meta header")).expect("meta");
        assert_eq!((meta.size.width, meta.size.height), (320, 200));
        assert_eq!(
            (meta.source_size.width, meta.source_size.height),
            (1600, 1067)
        );
        assert_eq!(meta.engine, "cpu");
        assert_eq!(
            (meta.watermark.merchant, meta.watermark.platform),
            (MERCHANT, PLATFORM)
        );
        assert!(meta.watermark.issued_at.abs_diff(now()) < 3600);
        assert_eq!(image::guess_format(&a.body).expect("known"), codec);
        if codec != image::ImageFormat::Avif {
            // AVIF decoding needs dav1d, which the backend does not build.
            let img = image::load_from_memory_with_format(&a.body, codec).expect("decodes");
            assert_eq!((img.width(), img.height()), (320, 200));
        }
    }
}

#[test]
fn preset_operations_travel_through_the_request() {
    let decode = |a: &Answer| {
        image::load_from_memory(&a.body)
            .expect("decodes")
            .into_rgba8()
    };
    // Marketplace main image: subject fill on white, the exact box.
    let mut main = render_request("photo.jpg", ImageFormat::Png);
    main.subject_fill = Some(85);
    main.min_source_side = Some(1000);
    let a = signed(&encode(main));
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(decode(&a).dimensions(), (320, 200));
    // A 9:16 cover with the attention crop.
    let mut story = render_request("photo.jpg", ImageFormat::Webp);
    story.size = Size {
        width: 270,
        height: 480,
    };
    story.crop = Crop::Attention;
    let a = signed(&encode(story));
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(decode(&a).dimensions(), (270, 480));
    // Pad on transparent: the bars stay transparent in PNG.
    let mut padded = render_request("photo.jpg", ImageFormat::Png);
    padded.fit = Fit::Pad;
    padded.size = Size {
        width: 300,
        height: 300,
    };
    padded.background = Some(meridian_wit::types::Rgba {
        r: 0,
        g: 0,
        b: 0,
        a: 0,
    });
    let a = signed(&encode(padded));
    let img = decode(&a);
    assert_eq!(img.dimensions(), (300, 300));
    assert_eq!(img.get_pixel(0, 0).0[3], 0, "corner transparent");
    assert_eq!(img.get_pixel(150, 150).0[3], 255, "photo opaque");
}

#[test]
fn detect_reads_the_mark_of_a_rendition_from_the_raw_body() {
    let mut big = render_request("photo.jpg", ImageFormat::Jpeg);
    big.size = Size {
        width: 1080,
        height: 1080,
    };
    big.quality = 85;
    let a = signed(&encode(big));
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let meta: RenditionMeta =
        serde_json::from_str(a.meta.as_deref().expect("meta header")).expect("meta");
    let d = signed_to(rpc::IMAGING_DETECT, &a.body);
    assert_eq!(d.status, 200, "{}", String::from_utf8_lossy(&d.body));
    let found: Detection = serde_json::from_slice(&d.body).expect("detection json");
    assert_eq!(found.payload, Some(meta.watermark));
    assert!(found.confidence > 0.5, "{found:?}");
    let expected = Watermark {
        merchant: MERCHANT,
        platform: PLATFORM,
        ..meta.watermark
    };
    assert_eq!(found.payload, Some(expected));
    // Detect is signed like render, and refuses what is not an image.
    assert_eq!(
        code(&post_to(rpc::IMAGING_DETECT, &a.body, None)),
        "signature-missing"
    );
    let d = signed_to(rpc::IMAGING_DETECT, b"not an image");
    assert_eq!(
        (d.status, code(&d).as_str()),
        (422, "image-format-unsupported")
    );
}

#[test]
fn unsigned_tampered_and_expired_calls_are_401() {
    let body = request("photo.jpg", ImageFormat::Jpeg);
    assert_eq!(code(&post(&body, None)), "signature-missing");
    let ts = now();
    let sig = Signer::new(KEY).sign("POST", rpc::IMAGING_RENDER, ts, &body);
    let tampered = request("photo.jpg", ImageFormat::Png);
    let a = post(&tampered, Some((ts, sig)));
    assert_eq!((a.status, code(&a).as_str()), (401, "signature-mismatch"));
    let old = ts - 3600;
    let a = post(
        &body,
        Some((
            old,
            Signer::new(KEY).sign("POST", rpc::IMAGING_RENDER, old, &body),
        )),
    );
    assert_eq!((a.status, code(&a).as_str()), (401, "signature-expired"));
    let a = post(
        &body,
        Some((
            ts,
            Signer::new("other").sign("POST", rpc::IMAGING_RENDER, ts, &body),
        )),
    );
    assert_eq!((a.status, code(&a).as_str()), (401, "signature-mismatch"));
}

#[test]
fn bad_input_is_refused_with_codes() {
    let cases = [
        ("missing.jpg", 404, "asset-not-found"),
        ("../etc/passwd", 400, "asset-path-invalid"),
        ("truncated.jpg", 422, "image-corrupt"),
        ("notes.jpg", 422, "image-format-unsupported"),
        ("bomb.png", 413, "image-too-large"),
        ("zero.png", 422, "image-empty"),
        ("nothing.jpg", 422, "image-empty"),
        ("old.bmp", 422, "image-format-unsupported"),
    ];
    for (asset, status, want) in cases {
        let a = signed(&request(asset, ImageFormat::Jpeg));
        assert_eq!((a.status, code(&a).as_str()), (status, want), "{asset}");
    }
    let mut small = render_request("photo.jpg", ImageFormat::Jpeg);
    small.min_source_side = Some(2000);
    let a = signed(&encode(small));
    assert_eq!((a.status, code(&a).as_str()), (422, "source-too-small"));
    let mut overfill = render_request("photo.jpg", ImageFormat::Jpeg);
    overfill.subject_fill = Some(101);
    let a = signed(&encode(overfill));
    assert_eq!((a.status, code(&a).as_str()), (400, "subject-fill-invalid"));
    let a = signed(b"{\"request\": 1}");
    assert_eq!(
        (a.status, code(&a).as_str()),
        (400, "rpc-arguments-malformed")
    );
    let a = signed(&vec![b' '; 5000]);
    assert_eq!((a.status, code(&a).as_str()), (413, "body-too-large"));
}

#[test]
fn health_readiness_and_metrics() {
    let get = |path: &str| {
        let r = ureq::get(&format!("{}{path}", backend().base))
            .call()
            .expect(path);
        r.into_string().expect("text")
    };
    assert_eq!(get("/healthz"), "ok");
    let ready: serde_json::Value = serde_json::from_str(&get("/readyz")).expect("json");
    assert_eq!(
        (ready["ready"].as_bool(), ready["engine"].as_str()),
        (Some(true), Some("cpu"))
    );
    let _ = signed(&request("photo.jpg", ImageFormat::Jpeg));
    let metrics = get("/metrics");
    assert!(
        metrics.contains(
            "meridian_backend_requests_total{route=\"rpc/imaging/render\",status=\"200\"}"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("meridian_backend_render_seconds_count"));
}
