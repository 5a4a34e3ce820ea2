//! The backend over HTTP, in process: signed calls, refusals, health.

use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

mod server;

use meridian_wit::rpc;

use meridian_rpc_server::test_support as signing;
use meridian_wit::types::{
    Crop, Detection, Fit, ImageFormat, RenderRequest, RenditionMeta, Size, Watermark,
};
use signing::now;

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

        let mut config = server::config(KEY);
        config.platform = PLATFORM;
        config.catalog = catalog.path().to_path_buf();
        config.limits.max_body_bytes = 4096;
        let (base, runtime) = server::serve(config);
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

type Headers = Vec<(&'static str, String)>;

fn post(body: &[u8], headers: Option<Headers>) -> Answer {
    post_to(rpc::IMAGING_RENDER, body, headers)
}

/// The content type the edge sends on `route`.
fn content_type(route: &str) -> &'static str {
    if route == rpc::IMAGING_DETECT {
        "application/octet-stream"
    } else {
        "application/json"
    }
}

fn post_to(route: &str, body: &[u8], headers: Option<Headers>) -> Answer {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .build();
    let mut req = agent.post(&format!("{}{route}", backend().base));
    let headers = headers.unwrap_or_else(|| vec![("content-type", content_type(route).into())]);
    for (name, value) in &headers {
        req = req.set(name, value);
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

fn sign(route: &str, body: &[u8]) -> Headers {
    signing::headers(KEY, route, content_type(route), "", body)
}

fn signed(body: &[u8]) -> Answer {
    signed_to(rpc::IMAGING_RENDER, body)
}

fn signed_to(route: &str, body: &[u8]) -> Answer {
    post_to(route, body, Some(sign(route, body)))
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

/// `headers` with `name` set to `value` (added when absent).
fn with(mut headers: Headers, name: &'static str, value: &str) -> Headers {
    headers.retain(|(n, _)| *n != name);
    headers.push((name, value.to_owned()));
    headers
}

#[test]
fn unsigned_tampered_replayed_and_expired_calls_are_401() {
    let route = rpc::IMAGING_RENDER;
    let body = request("photo.jpg", ImageFormat::Jpeg);
    assert_eq!(code(&post(&body, None)), "signature-missing");
    // The body is not the one whose digest was signed.
    let tampered = request("photo.jpg", ImageFormat::Png);
    let a = post(&tampered, Some(sign(route, &body)));
    assert_eq!((a.status, code(&a).as_str()), (401, "body-digest-mismatch"));
    // A digest changed to match the new body breaks the signature.
    let headers = with(
        sign(route, &body),
        rpc::DIGEST_HEADER,
        &rpc::body_digest(&tampered),
    );
    let a = post(&tampered, Some(headers));
    assert_eq!((a.status, code(&a).as_str()), (401, "signature-mismatch"));
    // Content type, region and query are signed.
    let a = post(
        &body,
        Some(with(sign(route, &body), "content-type", "text/plain")),
    );
    assert_eq!((a.status, code(&a).as_str()), (401, "signature-mismatch"));
    let a = post(
        &body,
        Some(with(sign(route, &body), rpc::REGION_HEADER, "eu")),
    );
    assert_eq!((a.status, code(&a).as_str()), (401, "signature-mismatch"));
    let a = post_to(
        &format!("{route}?asset=other.jpg"),
        &body,
        Some(sign(route, &body)),
    );
    assert_eq!((a.status, code(&a).as_str()), (401, "signature-mismatch"));
    // Outside the window (60 s by default), either way.
    for ts in [now() - 120, now() + 120] {
        let old = signing::headers_at(KEY, route, "application/json", "", ts, &body);
        let a = post(&body, Some(old));
        assert_eq!((a.status, code(&a).as_str()), (401, "signature-expired"));
    }
    let other = signing::headers("other", route, "application/json", "", &body);
    let a = post(&body, Some(other));
    assert_eq!((a.status, code(&a).as_str()), (401, "signature-mismatch"));
    // A call that went through is refused the second time.
    let once = sign(route, &body);
    assert_eq!(post(&body, Some(once.clone())).status, 200);
    let a = post(&body, Some(once));
    assert_eq!((a.status, code(&a).as_str()), (401, "signature-replayed"));
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

/// The backend binary in its own process (its memory measured alone),
/// with `[server]` and other settings from `edit`.
struct Spawned {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(env: &[(&str, &str)], edit: impl FnOnce(&mut toml::Table)) -> Spawned {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = include_str!("../config/default.toml");
    let mut config: toml::Table = toml::from_str(text).expect("default config");
    config.insert("listen".into(), "127.0.0.1:0".into());
    config.insert("engine".into(), "cpu".into());
    edit(&mut config);
    let path = dir.path().join("backend.toml");
    std::fs::write(&path, toml::to_string(&config).expect("toml")).expect("write config");
    let catalog = concat!(env!("CARGO_MANIFEST_DIR"), "/catalog");
    let mut child = Command::new(env!("CARGO_BIN_EXE_meridian-gpu-backend"))
        .arg("--config")
        .arg(&path)
        .env("MERIDIAN_BACKEND_CATALOG", catalog)
        .env("RUST_LOG", "error")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("backend starts");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    let addr = line
        .trim()
        .rsplit("://")
        .next()
        .filter(|a| a.contains(':'))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    Spawned {
        child,
        addr,
        _dir: dir,
    }
}

impl Spawned {
    /// Peak resident memory of the backend process, bytes (Linux).
    fn peak_rss(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).expect("status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .expect("VmHWM")
    }

    fn get(&self, path: &str) -> (u16, String) {
        let r = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(30))
            .build()
            .get(&format!("http://{}{path}", self.addr))
            .call();
        match r {
            Ok(r) | Err(ureq::Error::Status(_, r)) => (r.status(), r.into_string().expect("text")),
            Err(e) => panic!("GET {path}: {e}"),
        }
    }

    /// A signed render of the shipped photograph at `side` x `side`.
    fn render(&self, key: &str, side: u32) -> (u16, Option<String>, Vec<u8>) {
        Spawned::render_at(&self.addr, key, side)
    }

    fn render_at(addr: &str, key: &str, side: u32) -> (u16, Option<String>, Vec<u8>) {
        let mut r = render_request("coast-sunset.jpg", ImageFormat::Jpeg);
        r.size = Size {
            width: side,
            height: side,
        };
        let body = encode(r);
        let mut req = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(120))
            .build()
            .post(&format!("http://{addr}{}", rpc::IMAGING_RENDER));
        for (name, value) in
            signing::headers(key, rpc::IMAGING_RENDER, "application/json", "", &body)
        {
            req = req.set(name, &value);
        }
        match req.send_bytes(&body) {
            Ok(r) | Err(ureq::Error::Status(_, r)) => {
                let status = r.status();
                let retry = r.header("retry-after").map(str::to_owned);
                let mut out = Vec::new();
                r.into_reader().read_to_end(&mut out).expect("body");
                (status, retry, out)
            }
            Err(e) => panic!("render: {e}"),
        }
    }

    /// The value of an unlabelled gauge in /metrics.
    fn gauge(&self, name: &str) -> u64 {
        let (_, text) = self.get("/metrics");
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {text}"))
    }
}

fn server(table: &mut toml::Table) -> &mut toml::Table {
    table
        .entry("server")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()))
        .as_table_mut()
        .expect("[server] is a table")
}

const MIB: u64 = 1024 * 1024;

/// Unsigned 64 MiB uploads are refused from their headers: the backend
/// never buffers them (it used to read up to the 64 MiB source limit of
/// `imaging.detect` before looking at the signature), so its memory stays
/// low and it keeps answering; a burst of large renders is bounded by the
/// job slots, and what is accepted completes.
#[test]
fn unauthenticated_uploads_and_render_bursts_stay_within_memory() {
    let b = spawn(
        &[("MERIDIAN_DEV", "1"), ("MERIDIAN_BACKEND_SIGNING_KEY", KEY)],
        |c| {
            let s = server(c);
            s.insert("max_concurrent_jobs".into(), 2.into());
            s.insert("max_queued_jobs".into(), 4.into());
        },
    );
    let before = b.peak_rss();
    let upload = |addr: String| {
        std::thread::spawn(move || {
            let mut stream = TcpStream::connect(&addr).expect("connect");
            stream
                .set_read_timeout(Some(Duration::from_secs(60)))
                .expect("timeout");
            stream
                .set_write_timeout(Some(Duration::from_secs(60)))
                .expect("timeout");
            let head = format!(
                "POST {} HTTP/1.1\r\nhost: b\r\ncontent-type: application/octet-stream\r\ncontent-length: {}\r\n\r\n",
                rpc::IMAGING_DETECT,
                64 * MIB
            );
            let chunk = vec![0xA5u8; 64 * 1024];
            let mut sent = 0u64;
            if stream.write_all(head.as_bytes()).is_ok() {
                while sent < 64 * MIB && stream.write_all(&chunk).is_ok() {
                    sent += chunk.len() as u64;
                }
            }
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer);
            (sent, String::from_utf8_lossy(&answer).into_owned())
        })
    };
    let uploads: Vec<_> = (0..150).map(|_| upload(b.addr.clone())).collect();
    // The backend answers while the uploads are under way.
    assert_eq!(b.get("/healthz"), (200, "ok".to_owned()));
    let mut refused = 0;
    for u in uploads {
        let (sent, answer) = u.join().expect("upload thread");
        // Either the 401 arrived or the connection was closed on the rest
        // of the body; never was the whole body taken and answered 2xx.
        assert!(!answer.starts_with("HTTP/1.1 2"), "{answer}");
        if answer.starts_with("HTTP/1.1 401") || sent < 64 * MIB {
            refused += 1;
        }
    }
    assert_eq!(refused, 150, "every unsigned upload was refused");
    let after_uploads = b.peak_rss();
    assert!(
        after_uploads < before + 256 * MIB,
        "peak RSS grew from {} to {} MiB",
        before / MIB,
        after_uploads / MIB
    );
    assert_eq!(b.get("/healthz"), (200, "ok".to_owned()));

    // 100 concurrent 2048 px renders: 2 run, 4 wait, the rest are told to
    // come back; every accepted one completes.
    let renders: Vec<_> = (0..100)
        .map(|_| {
            let addr = b.addr.clone();
            std::thread::spawn(move || {
                let (status, retry, _) = Spawned::render_at(&addr, KEY, 2048);
                (status, retry)
            })
        })
        .collect();
    let mut done = 0;
    for r in renders {
        match r.join().expect("render thread") {
            (200, _) => done += 1,
            (503, retry) => assert!(retry.is_some(), "503 without Retry-After"),
            (status, _) => panic!("render answered {status}"),
        }
    }
    // At least the two that found a slot at once; queued ones may also
    // have timed out into a 503 on a busy machine.
    assert!(done >= 2, "only {done} renders completed");
    let peak = b.peak_rss();
    assert!(
        peak < 1024 * MIB,
        "peak RSS {} MiB over the 1 GiB ceiling",
        peak / MIB
    );
    assert_eq!(b.gauge("meridian_backend_jobs_in_flight"), 0);
    assert_eq!(b.get("/healthz"), (200, "ok".to_owned()));
}

/// A saturated backend answers 503 `backend-saturated` with `Retry-After`
/// and finishes the work it took.
#[test]
fn saturation_is_503_with_retry_after_and_taken_work_completes() {
    let b = spawn(
        &[("MERIDIAN_DEV", "1"), ("MERIDIAN_BACKEND_SIGNING_KEY", KEY)],
        |c| {
            let s = server(c);
            s.insert("max_concurrent_jobs".into(), 1.into());
            s.insert("max_queued_jobs".into(), 0.into());
            s.insert("retry_after_s".into(), 7.into());
        },
    );
    // A signed detect whose body arrives in two halves: its headers verify,
    // it takes the only slot and holds it while the rest is on its way.
    let image = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/catalog/coast-sunset.jpg"
    ))
    .expect("photo");
    let headers = signing::headers(
        KEY,
        rpc::IMAGING_DETECT,
        "application/octet-stream",
        "",
        &image,
    );
    let mut slow = TcpStream::connect(&b.addr).expect("connect");
    let mut head = format!(
        "POST {} HTTP/1.1\r\nhost: b\r\nconnection: close\r\ncontent-length: {}\r\n",
        rpc::IMAGING_DETECT,
        image.len()
    );
    for (name, value) in &headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    slow.write_all(head.as_bytes()).expect("head");
    let half = image.len() / 2;
    slow.write_all(&image[..half]).expect("first half");
    let mut held = false;
    for _ in 0..2000 {
        if b.gauge("meridian_backend_jobs_in_flight") == 1 {
            held = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    assert!(held, "the slow call never took its slot");
    let (status, retry, body) = b.render(KEY, 320);
    assert_eq!(status, 503, "{}", String::from_utf8_lossy(&body));
    assert_eq!(retry.as_deref(), Some("7"));
    let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(
        (v["status"].as_u64(), v["code"].as_str()),
        (Some(503), Some("backend-saturated"))
    );
    // The rest of the body: the held call completes.
    slow.write_all(&image[half..]).expect("second half");
    let mut answer = Vec::new();
    slow.read_to_end(&mut answer).expect("answer");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // And the slot is free again.
    assert_eq!(b.render(KEY, 320).0, 200);
}

/// Outside development mode the backend serves TLS with the configured
/// certificate, and a signed call over https succeeds.
#[test]
fn a_signed_call_over_tls_succeeds() {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let dir = tempfile::tempdir().expect("tempdir");
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, certified.cert.pem()).expect("write");
    std::fs::write(&key, certified.signing_key.serialize_pem()).expect("write");
    let strong = "0123456789abcdef0123456789abcdef-tls";
    let (cert_path, key_path) = (
        cert.to_str().expect("utf-8").to_owned(),
        key.to_str().expect("utf-8").to_owned(),
    );
    let b = spawn(
        &[
            ("MERIDIAN_BACKEND_SIGNING_KEY", strong),
            ("MERIDIAN_BACKEND_TLS_CERTIFICATE", &cert_path),
            ("MERIDIAN_BACKEND_TLS_PRIVATE_KEY", &key_path),
        ],
        |_| {},
    );
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(certified.cert.der().clone())
        .expect("trust the certificate");
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let client = std::sync::Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth(),
    );
    let body = encode(render_request("coast-sunset.jpg", ImageFormat::Png));
    let headers = signing::headers(strong, rpc::IMAGING_RENDER, "application/json", "", &body);
    let mut head = format!(
        "POST {} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\ncontent-length: {}\r\n",
        rpc::IMAGING_RENDER,
        body.len()
    );
    for (name, value) in &headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let conn = rustls::ClientConnection::new(client, name).expect("client");
    let tcp = TcpStream::connect(&b.addr).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(120)))
        .expect("timeout");
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(head.as_bytes()).expect("head");
    tls.write_all(&body).expect("body");
    let mut answer = Vec::new();
    // The server closes after `connection: close`; some close without
    // close_notify, which rustls reports as an error after the data.
    let _ = tls.read_to_end(&mut answer);
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let response_head = String::from_utf8_lossy(&answer[..split]);
    assert!(response_head.starts_with("HTTP/1.1 200"), "{response_head}");
    let png = &answer[split + 4..];
    assert_eq!(
        image::guess_format(png).expect("an image"),
        image::ImageFormat::Png
    );
    // Plain HTTP to the TLS port gets no answer of the binding.
    let mut plain = TcpStream::connect(&b.addr).expect("connect");
    plain
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let _ = plain.write_all(b"GET /healthz HTTP/1.1\r\nhost: b\r\n\r\n");
    let mut got = Vec::new();
    let _ = plain.read_to_end(&mut got);
    assert!(!got.starts_with(b"HTTP/1.1 200"), "plain http answered");
}

/// Outside development mode the backend will not start with the shipped
/// key, nor over plain HTTP.
#[test]
fn production_mode_refuses_the_public_key_and_plain_http() {
    let run = |env: &[(&str, &str)]| {
        let out = Command::new(env!("CARGO_BIN_EXE_meridian-gpu-backend"))
            .args(["--listen", "127.0.0.1:0"])
            .env("MERIDIAN_BACKEND_ENGINE", "cpu")
            .env_remove("MERIDIAN_DEV")
            .envs(env.iter().copied())
            .output()
            .expect("runs");
        assert!(!out.status.success(), "started with {env:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(run(&[]).contains("development key"));
    let strong = "0123456789abcdef0123456789abcdef";
    assert!(run(&[("MERIDIAN_BACKEND_SIGNING_KEY", strong)]).contains("plain HTTP"));
}
