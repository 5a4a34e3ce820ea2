//! `GET /v1/media/{asset}/{preset}.{ext}` through the real edge host and
//! the real backend.

use anyhow::{Context, Result};
use meridian_e2e::{
    Reply, Service, first_catalog_jpeg, get, raw_get, raw_request, repo_root, start_backend,
    start_host, test_catalog,
};

struct Stack {
    _catalog: tempfile::TempDir,
    state: tempfile::TempDir,
    backend: Service,
    host: Service,
}

fn stack() -> Result<Stack> {
    let catalog = test_catalog()?;
    let state = tempfile::tempdir()?;
    let backend = start_backend(catalog.path())?;
    let host = start_host(&repo_root().join("spin.toml"), state.path(), &backend.url)?;
    Ok(Stack {
        _catalog: catalog,
        state,
        backend,
        host,
    })
}

fn asset() -> Result<String> {
    let path = first_catalog_jpeg()?;
    Ok(path
        .file_name()
        .context("catalog file has no name")?
        .to_string_lossy()
        .into_owned())
}

fn assert_refusal(reply: &Reply, status: u16, code: &str) -> Result<()> {
    let (body_status, body_code, message) = reply.error()?;
    assert_eq!(reply.status, status, "status for {code}: {message}");
    assert_eq!(body_status, status);
    assert_eq!(body_code, code, "{message}");
    assert!(!message.is_empty());
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t == "application/problem+json"),
        "refusals are problem details (RFC 9457)"
    );
    Ok(())
}

#[test]
fn rendition_misses_then_hits_with_same_bytes_and_etag() -> Result<()> {
    let s = stack()?;
    let url = format!("{}/v1/media/{}/thumbnail.webp", s.host.url, asset()?);

    let first = get(&url, &[])?;
    assert_eq!(
        first.status,
        200,
        "{}\nhost:\n{}\nbackend:\n{}",
        String::from_utf8_lossy(&first.body),
        s.host.logs(),
        s.backend.logs()
    );
    let status = first.header("cache-status").context("no Cache-Status")?;
    assert!(status.contains("fwd=uri-miss"), "first is a miss: {status}");
    assert_eq!(first.header("content-type"), Some("image/webp"));
    let etag = first.header("etag").context("no ETag")?.to_owned();
    assert!(
        first
            .header("cache-control")
            .is_some_and(|c| c.contains("max-age"))
    );

    let image = image::load_from_memory_with_format(&first.body, image::ImageFormat::WebP)?;
    assert_eq!(
        (image.width(), image.height()),
        (160, 160),
        "thumbnail is a 160x160 cover"
    );

    let second = get(&url, &[])?;
    assert_eq!(second.status, 200);
    let status = second.header("cache-status").context("no Cache-Status")?;
    assert!(
        status.contains("hit") && !status.contains("fwd="),
        "second is a hit: {status}"
    );
    assert_eq!(second.body, first.body, "a hit serves the stored bytes");
    assert_eq!(second.header("etag"), Some(etag.as_str()));

    let not_modified = get(&url, &[("If-None-Match", &etag)])?;
    assert_eq!(not_modified.status, 304);
    assert!(not_modified.body.is_empty());
    assert_eq!(not_modified.header("etag"), Some(etag.as_str()));

    let changed = get(&url, &[("If-None-Match", "\"something-else\"")])?;
    assert_eq!(changed.status, 200);
    Ok(())
}

#[test]
fn contain_preset_fits_inside_the_box_in_every_format() -> Result<()> {
    let s = stack()?;
    let asset = asset()?;
    for (ext, format) in [
        ("jpg", image::ImageFormat::Jpeg),
        ("png", image::ImageFormat::Png),
        ("webp", image::ImageFormat::WebP),
    ] {
        let reply = get(
            &format!("{}/v1/media/{asset}/product.{ext}", s.host.url),
            &[],
        )?;
        assert_eq!(
            reply.status,
            200,
            "{ext}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        let image = image::load_from_memory_with_format(&reply.body, format)?;
        assert!(
            image.width() <= 800 && image.height() <= 800,
            "{ext}: {}x{}",
            image.width(),
            image.height()
        );
        assert!(
            image.width() == 800 || image.height() == 800,
            "contain touches the box on one side"
        );
    }
    Ok(())
}

#[test]
fn storefront_page_links_renditions() -> Result<()> {
    let s = stack()?;
    let page = get(&format!("{}/", s.host.url), &[])?;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
    );
    let html = String::from_utf8(page.body)?;
    assert!(
        html.contains("/v1/media/"),
        "the storefront shows the catalog through media URLs"
    );
    Ok(())
}

#[test]
fn refusals_have_status_code_and_message() -> Result<()> {
    let s = stack()?;
    let base = &s.host.url;
    let asset = asset()?;
    assert_refusal(
        &get(&format!("{base}/v1/media/{asset}/no-such-preset.webp"), &[])?,
        404,
        "preset-unknown",
    )?;
    assert_refusal(
        &get(&format!("{base}/v1/media/missing.jpg/thumbnail.webp"), &[])?,
        404,
        "asset-not-found",
    )?;
    for traversal in [
        "/v1/media/../../etc/passwd/thumbnail.webp",
        "/v1/media/%2e%2e%2fsecret.jpg/thumbnail.webp",
        "/v1/media/a/../../../etc/passwd/thumbnail.webp",
        "/v1/media/..%5c..%5cwin.ini/thumbnail.webp",
    ] {
        assert_refusal(&raw_get(base, traversal)?, 400, "asset-path-invalid")?;
    }
    assert_refusal(
        &get(
            &format!("{base}/v1/media/truncated.jpg/thumbnail.webp"),
            &[],
        )?,
        422,
        "image-corrupt",
    )?;
    let not_image = get(
        &format!("{base}/v1/media/not-an-image.jpg/thumbnail.webp"),
        &[],
    )?;
    assert_eq!(not_image.status, 422);

    let unknown_route = get(&format!("{base}/no/such/page"), &[])?;
    assert_eq!(unknown_route.status, 404);
    assert_eq!(unknown_route.error()?.0, 404);

    let oversize = raw_request(
        base,
        "POST",
        &format!("/v1/media/{asset}/thumbnail.webp"),
        "Content-Length: 11534336\r\n",
    )?;
    assert_refusal(&oversize, 413, "body-too-large")?;

    // Refusals are never cached: the next good request still renders.
    let ok = get(&format!("{base}/v1/media/{asset}/thumbnail.jpg"), &[])?;
    assert_eq!(ok.status, 200);
    Ok(())
}

#[test]
fn unreachable_backend_is_503_and_writes_nothing() -> Result<()> {
    let catalog = test_catalog()?;
    let state = tempfile::tempdir()?;
    let asset = asset()?;
    let path = format!("/v1/media/{asset}/thumbnail.webp");
    {
        // Nothing listens on port 9 (discard) on loopback.
        let host = start_host(
            &repo_root().join("spin.toml"),
            state.path(),
            "http://127.0.0.1:9",
        )?;
        let reply = get(&format!("{}{path}", host.url), &[])?;
        // Its only region unreachable: 503, retry later.
        assert_refusal(&reply, 503, "backend-unavailable")?;
        assert!(reply.header("retry-after").is_some());
    }
    // Same store, working backend: the first answer is a miss, so the
    // failed attempt left no entry behind.
    let backend = start_backend(catalog.path())?;
    let host = start_host(&repo_root().join("spin.toml"), state.path(), &backend.url)?;
    let reply = get(&format!("{}{path}", host.url), &[])?;
    assert_eq!(reply.status, 200);
    assert!(
        reply
            .header("cache-status")
            .is_some_and(|c| c.contains("fwd=uri-miss"))
    );
    Ok(())
}

#[test]
fn outbound_host_not_allowed_is_refused_and_logged() -> Result<()> {
    let s = stack()?;
    // The same application, but the backend is not among the allowed hosts.
    let manifest = std::fs::read_to_string(repo_root().join("spin.toml"))?;
    let root = repo_root();
    let narrowed: String = manifest
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("allowed_outbound_hosts")
                && line.contains("backend_url_eu")
            {
                "allowed_outbound_hosts = [\"http://127.0.0.1:1\"]".to_owned()
            } else {
                line.replace(
                    "source = \"target/",
                    &format!("source = \"{}/target/", root.display()),
                )
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        narrowed.contains("http://127.0.0.1:1"),
        "spin.toml allows the backend through backend_url_eu"
    );
    let path = s.state.path().join("narrowed.toml");
    std::fs::write(&path, narrowed)?;
    let state = tempfile::tempdir()?;
    let host = start_host(&path, state.path(), &s.backend.url)?;

    let reply = get(
        &format!("{}/v1/media/{}/thumbnail.webp", host.url, asset()?),
        &[],
    )?;
    // Refused by the host, so the only region counts as unavailable.
    assert_eq!(reply.status, 503);
    assert_eq!(reply.error()?.0, 503);
    std::thread::sleep(std::time::Duration::from_millis(200));
    let logs = host.logs();
    assert!(
        logs.to_lowercase().contains("outbound") || logs.contains("denied"),
        "refusal is logged:\n{logs}"
    );
    Ok(())
}

#[test]
fn a_url_without_format_is_negotiated_from_accept() -> Result<()> {
    let s = stack()?;
    let url = format!("{}/v1/media/{}/thumbnail", s.host.url, asset()?);
    let avif = get(&url, &[("Accept", "image/avif,image/webp,*/*;q=0.8")])?;
    assert_eq!(avif.status, 200, "{}", String::from_utf8_lossy(&avif.body));
    assert_eq!(avif.header("content-type"), Some("image/avif"));
    assert_eq!(avif.header("vary"), Some("Accept"));
    assert_eq!(avif.body.get(4..12), Some(&b"ftypavif"[..]), "an AVIF file");

    let jpeg = get(&url, &[("Accept", "image/jpeg")])?;
    assert_eq!(jpeg.header("content-type"), Some("image/jpeg"));
    let image = image::load_from_memory_with_format(&jpeg.body, image::ImageFormat::Jpeg)?;
    assert_eq!((image.width(), image.height()), (160, 160));

    let again = get(&url, &[("Accept", "image/avif")])?;
    assert!(
        again
            .header("cache-status")
            .is_some_and(|c| c.contains("; hit")),
        "the AVIF variant is cached: {:?}",
        again.header("cache-status")
    );
    assert_eq!(again.body, avif.body);

    let refused = get(&url, &[("Accept", "text/html")])?;
    assert_refusal(&refused, 406, "format-not-acceptable")?;
    Ok(())
}

/// A rendition served by the edge carries the merchant's mark, which the
/// authenticated detect route reads back; refusals say why.
#[test]
fn watermark_detect_reads_back_a_served_rendition() -> Result<()> {
    use meridian_e2e::{send, start_host_with};
    let catalog = test_catalog()?;
    let state = tempfile::tempdir()?;
    let backend = start_backend(catalog.path())?;
    let token = "detect-token";
    let host = start_host_with(
        &repo_root().join("spin.toml"),
        state.path(),
        &backend.url,
        &[
            ("SPIN_VARIABLE_WATERMARK_TOKEN", token),
            ("SPIN_VARIABLE_MERCHANT_ID", "4242"),
        ],
    )?;
    let rendition = get(
        &format!("{}/v1/media/{}/square-1080.jpg", host.url, asset()?),
        &[],
    )?;
    assert_eq!(
        rendition.status,
        200,
        "{}",
        String::from_utf8_lossy(&rendition.body)
    );
    let detect = format!("{}/v1/watermark/detect", host.url);
    let bearer = format!("Bearer {token}");
    let auth = [("authorization", bearer.as_str())];

    let reply = send("POST", &detect, &auth, Some(&rendition.body))?;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let found: serde_json::Value = serde_json::from_slice(&reply.body)?;
    assert_eq!(found["found"], true, "{found}");
    assert_eq!(found["payload"]["merchant"], 4242);
    assert_eq!(found["payload"]["platform"], 1);
    let issued = found["payload"]["issued_at"]
        .as_u64()
        .context("issued_at")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    assert!(
        issued <= now && now - issued < 600,
        "issued {issued}, now {now}"
    );
    assert!(found["confidence"].as_f64().is_some_and(|c| c > 0.5));

    // A photograph nobody marked.
    let unmarked = std::fs::read(repo_root().join("gpu-backend/tests/faces/astronaut.png"))?;
    let reply = send("POST", &detect, &auth, Some(&unmarked))?;
    assert_eq!(reply.status, 200);
    let found: serde_json::Value = serde_json::from_slice(&reply.body)?;
    assert_eq!(found["found"], false, "{found}");

    assert_refusal(
        &send("POST", &detect, &[], Some(&rendition.body))?,
        401,
        "watermark-unauthorized",
    )?;
    assert_refusal(
        &send("POST", &detect, &auth, Some(b""))?,
        400,
        "image-missing",
    )?;
    assert_refusal(
        &send("GET", &detect, &auth, None)?,
        405,
        "method-not-allowed",
    )?;
    let text = send("POST", &detect, &auth, Some(b"this is not an image"))?;
    let (status, code, _) = text.error()?;
    assert_eq!((text.status, status), (422, 422), "{code}");

    // Without a configured token the route is off.
    let off_state = tempfile::tempdir()?;
    let off = start_host(
        &repo_root().join("spin.toml"),
        off_state.path(),
        &backend.url,
    )?;
    assert_refusal(
        &send(
            "POST",
            &format!("{}/v1/watermark/detect", off.url),
            &auth,
            Some(&rendition.body),
        )?,
        403,
        "watermark-disabled",
    )?;
    Ok(())
}
