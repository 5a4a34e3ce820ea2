//! The gate through the real host: every edge route resolves the market
//! and applies its policy before anything else, says so in headers, logs an
//! audit line without personal data, and takes new packs without a redeploy.

use anyhow::{Context, Result};
use meridian_e2e::{
    Reply, Service, get, repo_root, send, start_backend, start_host_with, test_catalog,
};

const TOKEN: &str = "e2e-policy-admin-token";

struct Stack {
    _catalog: tempfile::TempDir,
    _state: tempfile::TempDir,
    backend: Service,
    host: Service,
}

/// Backend and host; the host trusts loopback as its CDN when `trusted`.
fn stack(trusted: bool) -> Result<Stack> {
    let catalog = test_catalog()?;
    let state = tempfile::tempdir()?;
    let backend = start_backend(catalog.path())?;
    let config = if trusted {
        r#"trusted_proxies = ["127.0.0.1/32"]"#
    } else {
        ""
    };
    let host = start_host_with(
        &repo_root().join("spin.toml"),
        state.path(),
        &backend.url,
        &[
            ("SPIN_VARIABLE_MARKET_CONFIG", config),
            ("SPIN_VARIABLE_POLICY_ADMIN_TOKEN", TOKEN),
        ],
    )?;
    Ok(Stack {
        _catalog: catalog,
        _state: state,
        backend,
        host,
    })
}

fn code(reply: &Reply) -> Result<String> {
    Ok(reply.error()?.1)
}

fn json(reply: &Reply) -> Result<serde_json::Value> {
    serde_json::from_slice(&reply.body).with_context(|| {
        format!(
            "not JSON ({}): {}",
            reply.status,
            String::from_utf8_lossy(&reply.body)
        )
    })
}

#[test]
fn media_outside_its_licensed_territory_is_451_and_reaches_no_backend() -> Result<()> {
    let s = stack(true)?;
    // dragonfly.jpg shows frames licensed for the EEA and the UK only.
    let url = format!("{}/v1/media/dragonfly.jpg/thumbnail.webp", s.host.url);
    let blocked = get(&url, &[("cf-ipcountry", "US")])?;
    assert_eq!(
        blocked.status,
        451,
        "{}",
        String::from_utf8_lossy(&blocked.body)
    );
    assert_eq!(code(&blocked)?, "territory-not-licensed");
    assert!(
        blocked
            .header("link")
            .is_some_and(|l| l.contains("rel=\"blocked-by\""))
    );
    assert_eq!(blocked.header("meridian-market"), Some("US"));
    assert_eq!(blocked.header("meridian-decision"), Some("blocked"));
    assert_eq!(json(&blocked)?["reason"], "territory-not-licensed");

    let offered = get(&url, &[("cf-ipcountry", "FR"), ("accept-language", "fr")])?;
    assert_eq!(offered.status, 200);
    assert!(
        offered
            .header("cache-status")
            .is_some_and(|c| c.contains("fwd=uri-miss")),
        "the 451 stored nothing: the first offered request is a miss"
    );
    assert_eq!(offered.header("meridian-market"), Some("FR"));
    assert_eq!(offered.header("meridian-currency"), Some("EUR"));
    assert!(
        offered
            .header("server-timing")
            .is_some_and(|t| t.starts_with("gate;dur="))
    );
    let renders = get(&format!("{}/metrics", s.backend.url), &[])?;
    let metrics = String::from_utf8_lossy(&renders.body);
    assert!(
        metrics
            .lines()
            .any(|l| l == "meridian_backend_render_seconds_count 1"),
        "exactly one render reached the backend:\n{metrics}"
    );
    Ok(())
}

#[test]
fn the_storefront_is_rendered_for_the_market() -> Result<()> {
    let s = stack(true)?;
    let de = get(
        &format!("{}/", s.host.url),
        &[("cf-ipcountry", "DE"), ("accept-language", "de-DE")],
    )?;
    assert_eq!(de.status, 200);
    assert_eq!(de.header("content-language"), Some("de-DE"));
    let html = String::from_utf8_lossy(&de.body);
    assert!(html.contains(r#"<html lang="de-DE">"#));
    assert!(html.contains("KI-generiert"), "EU AI Act label on AI copy");

    let cn = get(&format!("{}/", s.host.url), &[("cf-ipcountry", "CN")])?;
    let html = String::from_utf8_lossy(&cn.body);
    assert_eq!(cn.header("meridian-currency"), Some("CNY"));
    assert!(
        !html.contains("最佳") && !html.contains("国家级"),
        "Advertising Law Art. 9 terms masked"
    );
    assert!(html.contains(
        r#"class="card blocked" data-sku="MRD-SOLSTICE-SUN" data-reason="territory-not-licensed""#
    ));
    Ok(())
}

#[test]
fn a_spoofed_geo_header_is_ignored_and_logged_and_audit_lines_hold_no_addresses() -> Result<()> {
    let s = stack(false)?;
    let reply = get(
        &format!("{}/v1/market?purpose=personalize", s.host.url),
        &[
            ("cf-ipcountry", "CN"),
            (
                "cookie",
                "euconsent-v2=CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA",
            ),
        ],
    )?;
    assert_eq!(reply.status, 200);
    let v = json(&reply)?;
    assert_eq!(
        v["decision"]["market"], "US",
        "untrusted peer: the configured default"
    );
    assert_eq!(v["country"]["reason"], "default-client-ip-not-public");
    assert!(
        v["country"]["ignored_spoofed_header"]
            .as_str()
            .is_some_and(|h| h.contains("cf-ipcountry"))
    );
    assert!(
        v["country"].get("client_ip").is_none(),
        "the address is never echoed"
    );
    assert_eq!(reply.header("cache-control"), Some("private, no-store"));

    std::thread::sleep(std::time::Duration::from_millis(200));
    let logs = s.host.logs();
    assert!(
        logs.contains("ignored geo header from an untrusted peer"),
        "{logs}"
    );
    let audit: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("meridian-audit "))
        .collect();
    assert!(!audit.is_empty(), "{logs}");
    for line in audit {
        assert!(!line.contains("127.0.0.1"), "no address: {line}");
        assert!(!line.contains("CPXxRfAP"), "no consent string: {line}");
        assert!(line.contains("\"reasons\""), "{line}");
    }
    Ok(())
}

#[test]
fn packs_are_published_without_a_redeploy_and_bad_ones_change_nothing() -> Result<()> {
    let s = stack(true)?;
    let admin = format!("{}/v1/admin/policy", s.host.url);
    let auth = format!("Bearer {TOKEN}");
    let market = |country: &str| {
        get(
            &format!("{}/v1/market", s.host.url),
            &[("cf-ipcountry", country)],
        )
    };
    let before = market("JP")?
        .header("meridian-policy-version")
        .context("policy version header")?
        .to_owned();

    let unsigned = send("PUT", &format!("{admin}/markets/JP.toml"), &[], Some(b"x"))?;
    assert_eq!(
        (unsigned.status, code(&unsigned)?.as_str()),
        (401, "admin-unauthorized")
    );
    let wrong = send(
        "PUT",
        &format!("{admin}/markets/JP.toml"),
        &[("authorization", "Bearer nope")],
        Some(b"x"),
    )?;
    assert_eq!(wrong.status, 401);

    let shipped =
        std::fs::read_to_string(repo_root().join("functions/edge/policy/markets/JP.toml"))?;
    let broken = shipped.replace("currency = \"JPY\"", "currency = \"yen\"");
    let refused = send(
        "PUT",
        &format!("{admin}/markets/JP.toml"),
        &[("authorization", &auth)],
        Some(broken.as_bytes()),
    )?;
    assert_eq!(
        (refused.status, code(&refused)?.as_str()),
        (422, "policy-invalid")
    );
    assert!(
        refused.error()?.2.contains("markets/JP.toml"),
        "the refusal names the file"
    );
    assert_eq!(
        market("JP")?.header("meridian-policy-version"),
        Some(before.as_str()),
        "nothing changed"
    );

    let unknown = send(
        "PUT",
        &format!("{admin}/secrets.toml"),
        &[("authorization", &auth)],
        Some(b"a = 1"),
    )?;
    assert_eq!(
        (unknown.status, code(&unknown)?.as_str()),
        (400, "policy-file-unknown")
    );

    let next = shipped.replace("version = \"2026.11.1\"", "version = \"2026.12.1\"");
    assert_ne!(next, shipped, "the JP pack declares its version");
    let published = send(
        "PUT",
        &format!("{admin}/markets/JP.toml"),
        &[("authorization", &auth)],
        Some(next.as_bytes()),
    )?;
    assert_eq!(
        published.status,
        200,
        "{}",
        String::from_utf8_lossy(&published.body)
    );
    let status = json(&published)?;
    assert_eq!(status["overrides"], serde_json::json!(["markets/JP.toml"]));
    let after = market("JP")?;
    assert_ne!(
        after.header("meridian-policy-version"),
        Some(before.as_str()),
        "in force at once"
    );
    assert_eq!(
        after.header("meridian-policy-version"),
        status["policy_version"].as_str()
    );
    assert_eq!(
        json(&after)?["decision"]["market_reason"]["detail"],
        "JP pack 2026.12.1"
    );

    let reverted = send("DELETE", &admin, &[("authorization", &auth)], None)?;
    assert_eq!(reverted.status, 200);
    assert_eq!(
        market("JP")?.header("meridian-policy-version"),
        Some(before.as_str())
    );
    Ok(())
}

#[test]
fn the_admin_api_is_off_without_a_token_and_market_refuses_unknown_purposes() -> Result<()> {
    let catalog = test_catalog()?;
    let state = tempfile::tempdir()?;
    let backend = start_backend(catalog.path())?;
    let host = start_host_with(
        &repo_root().join("spin.toml"),
        state.path(),
        &backend.url,
        &[],
    )?;
    let off = get(
        &format!("{}/v1/admin/policy", host.url),
        &[("authorization", "Bearer ")],
    )?;
    assert_eq!((off.status, code(&off)?.as_str()), (403, "admin-disabled"));
    let bad = get(&format!("{}/v1/market?purpose=mind-reading", host.url), &[])?;
    assert_eq!((bad.status, code(&bad)?.as_str()), (400, "purpose-unknown"));
    let post = send("POST", &format!("{}/v1/market", host.url), &[], Some(b""))?;
    assert_eq!(post.status, 405);
    Ok(())
}
