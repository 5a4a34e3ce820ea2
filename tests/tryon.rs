//! `POST /v1/tryon/{sku}` and `GET /tryon` through the real edge host and
//! real backends (ONNX face models, the CPU compositor): consent, residency
//! routing by region, nothing stored, refusals.

use anyhow::{Context, Result};
use meridian_e2e::{
    Reply, Service, empty_frame, face_frame, get, repo_root, send, start_backend_with,
    start_host_with, test_catalog,
};

/// The CDN's geo header decides the market; loopback stands in for the CDN.
const MARKET_CONFIG: &str = "trusted_proxies = [\"127.0.0.1/32\"]";

/// The edge host running the shipped `spin.toml` against `backend`.
fn edge_host(state: &std::path::Path, backend: &str) -> Result<Service> {
    start_host_with(
        &repo_root().join("spin.toml"),
        state,
        backend,
        &[("SPIN_VARIABLE_MARKET_CONFIG", MARKET_CONFIG)],
    )
}

fn try_on(host: &str, sku: &str, country: &str, consent: bool, frame: &[u8]) -> Result<Reply> {
    let mut headers = vec![
        ("cf-ipcountry", country),
        ("content-type", "image/jpeg"),
        ("meridian-tryon-session", "e2e-session"),
    ];
    if consent {
        headers.push(("meridian-consent", "biometric"));
    }
    send(
        "POST",
        &format!("{host}/v1/tryon/{sku}"),
        &headers,
        Some(frame),
    )
}

/// Composites the backend answered (200s), from its metrics.
fn composites(backend: &Service) -> Result<u64> {
    let text = String::from_utf8(get(&format!("{}/metrics", backend.url), &[])?.body)?;
    Ok(text
        .lines()
        .filter(|l| {
            l.starts_with(
                "meridian_backend_requests_total{route=\"rpc/tryon/composite\",status=\"200\"}",
            )
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum())
}

fn assert_refusal(reply: &Reply, status: u16, code: &str) -> Result<()> {
    let (body_status, body_code, message) = reply.error()?;
    assert_eq!((reply.status, body_status), (status, status), "{message}");
    assert_eq!(body_code, code, "{message}");
    assert!(!message.is_empty());
    assert_eq!(reply.header("cache-control"), Some("no-store"), "{code}");
    Ok(())
}

#[test]
fn a_consented_frame_is_composited_and_nothing_is_kept() -> Result<()> {
    let catalog = test_catalog()?;
    let state = tempfile::tempdir()?;
    let backend = start_backend_with(catalog.path(), &[("MERIDIAN_BACKEND_REGION", "eu")])?;
    let host = edge_host(state.path(), &backend.url)?;
    let frame = face_frame()?;

    // Germany asks first: without the opt-in the frame goes nowhere.
    let refused = try_on(&host.url, "EYE-AVIATOR-GOLD", "DE", false, &frame)?;
    assert_refusal(&refused, 403, "consent-required")?;
    let body: serde_json::Value = serde_json::from_slice(&refused.body)?;
    assert_eq!(body["consent"]["kind"], "biometric");
    assert_eq!(composites(&backend)?, 0, "no frame reached the backend");

    let reply = try_on(&host.url, "EYE-AVIATOR-GOLD", "DE", true, &frame)?;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.header("content-type"), Some("image/jpeg"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.header("meridian-region"), Some("eu"));
    assert_eq!(reply.header("meridian-market"), Some("DE"));
    let composite = image::load_from_memory(&reply.body)?;
    assert_eq!((composite.width(), composite.height()), (1280, 720));
    assert_ne!(reply.body, frame, "the product was drawn in");
    let result: serde_json::Value =
        serde_json::from_str(reply.header("meridian-tryon").context("result header")?)?;
    assert_eq!(result["status"], "composited");
    assert_eq!(result["faces"][0]["dressed"], true);
    assert_eq!(
        result["faces"][0]["landmarks"].as_array().map(Vec::len),
        Some(68)
    );

    // The same session again: its landmarks are smoothed.
    let again = try_on(&host.url, "LIP-RUBY", "DE", true, &frame)?;
    assert_eq!(again.status, 200);
    let result: serde_json::Value =
        serde_json::from_str(again.header("meridian-tryon").context("result header")?)?;
    assert_eq!(result["smoothed"], true);

    // A shopper in experiments: their variants reach the backend, which
    // counts composites per arm (GPU cost per variant).
    let tc = "CQSbk4AQSbk4AEsACBENB4FgAIwAAAAAAAYgfkQAQfkAAAAA";
    let assigned = get(
        &format!("{}/v1/assignments", host.url),
        &[("cf-ipcountry", "DE"), ("x-tcf-consent", tc)],
    )?;
    let cookie = assigned
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .context("an id with consent")?
        .to_owned();
    let variant = assigned
        .header("meridian-variant")
        .context("in experiments")?
        .to_owned();
    let reply = send(
        "POST",
        &format!("{}/v1/tryon/EYE-AVIATOR-GOLD", host.url),
        &[
            ("cf-ipcountry", "DE"),
            ("content-type", "image/jpeg"),
            ("meridian-consent", "biometric"),
            ("x-tcf-consent", tc),
            ("cookie", cookie.as_str()),
        ],
        Some(&frame),
    )?;
    assert_eq!(reply.status, 200);
    let metrics = String::from_utf8(get(&format!("{}/metrics", backend.url), &[])?.body)?;
    assert!(
        metrics.contains(&format!(
            "meridian_backend_tryon_variant_total{{variant=\"{variant}\"}} 1"
        )),
        "{variant}: {metrics}"
    );

    // Nobody in the frame is an answer, not an error.
    let nobody = try_on(
        &host.url,
        "EYE-AVIATOR-GOLD",
        "DE",
        true,
        &empty_frame(640, 360)?,
    )?;
    assert_eq!(nobody.status, 200);
    let body: serde_json::Value = serde_json::from_slice(&nobody.body)?;
    assert_eq!(body["code"], "no-face");
    assert_eq!(nobody.header("cache-control"), Some("no-store"));

    // Refusals, each with a status, a code and a message.
    assert_refusal(
        &try_on(&host.url, "NO-SUCH-SKU", "DE", true, &frame)?,
        404,
        "product-not-found",
    )?;
    assert_refusal(
        &try_on(&host.url, "EYE-AVIATOR-GOLD", "DE", true, b"not a jpeg")?,
        422,
        "frame-format-unsupported",
    )?;
    let text = send(
        "POST",
        &format!("{}/v1/tryon/EYE-AVIATOR-GOLD", host.url),
        &[
            ("content-type", "text/plain"),
            ("meridian-consent", "biometric"),
        ],
        Some(b"hello"),
    )?;
    assert_refusal(&text, 415, "frame-type-unsupported")?;
    assert_refusal(
        &get(&format!("{}/v1/tryon/EYE-AVIATOR-GOLD", host.url), &[])?,
        405,
        "method-not-allowed",
    )?;

    // Nothing about a frame reaches the logs, nor the key-value store.
    let logs = host.logs();
    assert!(
        logs.contains("meridian-audit"),
        "the gate's audit line is kept"
    );
    assert!(!logs.contains("landmarks"), "{logs}");
    drop(host);
    // Only the router's breaker records: backend URLs, states, latencies.
    let kv = meridian_host::kv::KvDb::open(&state.path().join("kv.redb"))?;
    let keys = kv.keys("default")?;
    assert!(
        keys.iter().all(|k| k.starts_with("backend-health/")),
        "{keys:?}"
    );
    for key in &keys {
        let value = String::from_utf8(kv.get("default", key)?.unwrap_or_default())?;
        for personal in ["e2e-session", "landmarks", "faces", "HAT-", "EYE-"] {
            assert!(!value.contains(personal), "{key}: {value}");
        }
    }
    Ok(())
}

/// Frames go to the first region the market allows that has a backend:
/// the US to `us`, Germany to `eu`, and China, whose frames must stay in
/// China, nowhere.
#[test]
fn frames_go_only_to_regions_the_market_allows() -> Result<()> {
    let catalog = test_catalog()?;
    let eu = start_backend_with(catalog.path(), &[("MERIDIAN_BACKEND_REGION", "eu")])?;
    let us = start_backend_with(catalog.path(), &[("MERIDIAN_BACKEND_REGION", "us")])?;
    // A deployment with two regions, as its own manifest would say.
    let manifest = std::fs::read_to_string(repo_root().join("spin.toml"))?;
    let two = manifest
        .replace(
            "tryon_backends = \"eu={{ backend_url_eu }}\"",
            "tryon_backends = \"eu={{ backend_url_eu }},us={{ backend_url_us }}\"",
        )
        .replace(
            "[component.tryon]\n",
            "[component.tryon]\n# two regions\n",
        )
        .replace(
            "source = \"target/wasm32-wasip2/component/meridian_tryon.wasm\"\nallowed_outbound_hosts = [\"{{ backend_url_eu }}\"]",
            "source = \"target/wasm32-wasip2/component/meridian_tryon.wasm\"\nallowed_outbound_hosts = [\"{{ backend_url_eu }}\", \"{{ backend_url_us }}\"]",
        )
        .replace(
            "[variables]\n",
            "[variables]\nbackend_url_us = { required = true }\n",
        );
    assert!(two.contains("us={{ backend_url_us }}") && two.contains("\"{{ backend_url_us }}\"]"));
    let dir = tempfile::tempdir()?;
    let path = repo_root().join(format!("spin-two-regions-{}.toml", std::process::id()));
    std::fs::write(&path, two)?;
    let _cleanup = meridian_e2e::RemoveOnDrop(path.clone());
    let host = start_host_with(
        &path,
        dir.path(),
        &eu.url,
        &[
            ("SPIN_VARIABLE_MARKET_CONFIG", MARKET_CONFIG),
            ("SPIN_VARIABLE_BACKEND_URL_US", us.url.as_str()),
        ],
    )?;
    let frame = face_frame()?;

    let de = try_on(&host.url, "HAT-FEDORA-NAVY", "DE", true, &frame)?;
    assert_eq!(de.status, 200, "{}", String::from_utf8_lossy(&de.body));
    assert_eq!(de.header("meridian-region"), Some("eu"));
    let american = try_on(&host.url, "HAT-FEDORA-NAVY", "US", true, &frame)?;
    assert_eq!(american.status, 200);
    assert_eq!(american.header("meridian-region"), Some("us"));
    assert_eq!((composites(&eu)?, composites(&us)?), (1, 1));

    let china = try_on(&host.url, "HAT-FEDORA-NAVY", "CN", true, &frame)?;
    assert_refusal(&china, 451, "residency-no-region")?;
    assert_eq!(
        (composites(&eu)?, composites(&us)?),
        (1, 1),
        "China's frame stayed at the edge"
    );
    drop(host);

    // A mis-configured edge whose `eu` URL points at the US backend: the
    // backend sees the call was routed to `eu` and refuses it unread, and
    // with no other EU region the frame goes nowhere else.
    let wrong_state = tempfile::tempdir()?;
    let wrong = edge_host(wrong_state.path(), &us.url)?;
    let misrouted = try_on(&wrong.url, "HAT-FEDORA-NAVY", "DE", true, &frame)?;
    let (status, code, message) = misrouted.error()?;
    assert_eq!((misrouted.status, status), (503, 503), "{message}");
    assert_eq!(code, "residency-regions-unavailable");
    assert!(message.contains("region-mismatch"), "{message}");
    assert_eq!(
        composites(&us)?,
        1,
        "the US backend composited nothing more"
    );
    Ok(())
}

#[test]
fn the_try_on_page_asks_in_the_markets_words() -> Result<()> {
    let catalog = test_catalog()?;
    let state = tempfile::tempdir()?;
    let backend = start_backend_with(catalog.path(), &[])?;
    let host = edge_host(state.path(), &backend.url)?;
    let url = format!("{}/tryon", host.url);
    let de = get(
        &url,
        &[("cf-ipcountry", "DE"), ("accept-language", "de-DE")],
    )?;
    assert_eq!(de.status, 200);
    assert_eq!(de.header("permissions-policy"), Some("camera=(self)"));
    let html = String::from_utf8(de.body)?;
    assert!(html.contains(r#"data-mode="opt-in""#));
    assert!(html.contains("Die virtuelle Anprobe"));
    // Formatted by the edge for de-DE: decimal comma, no-break space.
    assert!(html.contains("129,00\u{a0}€"), "{html}");

    let us = String::from_utf8(get(&url, &[("cf-ipcountry", "US")])?.body)?;
    assert!(us.contains(r#"data-mode="notice""#));
    assert!(us.contains("$139.00"));
    Ok(())
}
