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
    assert!(html.contains(r#"<html lang="de-DE" dir="ltr">"#));
    assert!(html.contains("in deinem Markt erhältlich"), "German labels");
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
        v["decision"]["market"], "ZZ",
        "untrusted peer, no default country configured: the strict default pack"
    );
    assert_eq!(reply.header("meridian-market"), Some("ZZ"));
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
    let at_before = format!("\"{before}\"");

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
        &[("authorization", &auth), ("if-match", &at_before)],
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
        &[("authorization", &auth), ("if-match", &at_before)],
        Some(b"a = 1"),
    )?;
    assert_eq!(
        (unknown.status, code(&unknown)?.as_str()),
        (400, "policy-file-unknown")
    );

    let next = shipped.replace("version = \"2026.11.1\"", "version = \"2026.12.1\"");
    assert_ne!(next, shipped, "the JP pack declares its version");
    let unconditional = send(
        "PUT",
        &format!("{admin}/markets/JP.toml"),
        &[("authorization", &auth)],
        Some(next.as_bytes()),
    )?;
    assert_eq!(
        (unconditional.status, code(&unconditional)?.as_str()),
        (428, "precondition-required")
    );
    assert_eq!(unconditional.header("etag"), Some(at_before.as_str()));
    let published = send(
        "PUT",
        &format!("{admin}/markets/JP.toml"),
        &[("authorization", &auth), ("if-match", &at_before)],
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

    let now = published.header("etag").context("etag")?.to_owned();
    let reverted = send(
        "DELETE",
        &admin,
        &[("authorization", &auth), ("if-match", &now)],
        None,
    )?;
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

fn jp_pack(version: &str) -> Result<String> {
    let shipped =
        std::fs::read_to_string(repo_root().join("functions/edge/policy/markets/JP.toml"))?;
    let next = shipped.replace(
        "version = \"2026.11.1\"",
        &format!("version = \"{version}\""),
    );
    anyhow::ensure!(next != shipped, "the JP pack declares its version");
    Ok(next)
}

fn market_detail(host: &Service, country: &str) -> Result<String> {
    let reply = get(
        &format!("{}/v1/market", host.url),
        &[("cf-ipcountry", country)],
    )?;
    Ok(json(&reply)?["decision"]["market_reason"]["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

#[test]
fn concurrent_publishes_against_one_version_store_exactly_one_and_revert_restores() -> Result<()> {
    let s = stack(true)?;
    let admin = format!("{}/v1/admin/policy", s.host.url);
    let auth = format!("Bearer {TOKEN}");
    let status = get(&admin, &[("authorization", &auth)])?;
    assert_eq!(status.status, 200);
    let v0 = status.header("etag").context("etag")?.to_owned();

    // Six operators publish six different JP packs, all against v0, at once.
    let barrier = std::sync::Barrier::new(6);
    let replies: Vec<Result<(String, Reply)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..=6)
            .map(|n| {
                let (barrier, admin, auth, v0) = (&barrier, &admin, &auth, &v0);
                scope.spawn(move || -> Result<(String, Reply)> {
                    let pack_version = format!("2026.12.{n}");
                    let text = jp_pack(&pack_version)?;
                    barrier.wait();
                    let reply = send(
                        "PUT",
                        &format!("{admin}/markets/JP.toml"),
                        &[("authorization", auth), ("if-match", v0)],
                        Some(text.as_bytes()),
                    )?;
                    Ok((pack_version, reply))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("panicked")))
            })
            .collect()
    });
    let replies = replies.into_iter().collect::<Result<Vec<_>>>()?;
    let winners: Vec<&(String, Reply)> = replies.iter().filter(|(_, r)| r.status == 200).collect();
    assert_eq!(
        winners.len(),
        1,
        "exactly one publish is stored: {:?}",
        replies
            .iter()
            .map(|(_, r)| (r.status, String::from_utf8_lossy(&r.body).into_owned()))
            .collect::<Vec<_>>()
    );
    let (won, winner) = winners[0];
    let v1 = winner.header("etag").context("etag")?.to_owned();
    for (_, loser) in replies.iter().filter(|(_, r)| r.status != 200) {
        assert_eq!(
            (loser.status, code(loser)?.as_str()),
            (412, "policy-version-mismatch")
        );
        assert_eq!(loser.header("etag"), Some(v1.as_str()), "names the winner");
    }
    assert_eq!(market_detail(&s.host, "JP")?, format!("JP pack {won}"));

    // A second change on top, then the history, then a revert to the first.
    let later = jp_pack("2027.1.1")?;
    let second = send(
        "PUT",
        &format!("{admin}/markets/JP.toml"),
        &[("authorization", &auth), ("if-match", &v1)],
        Some(later.as_bytes()),
    )?;
    assert_eq!(second.status, 200);
    let v2 = second.header("etag").context("etag")?.to_owned();
    assert_eq!(market_detail(&s.host, "JP")?, "JP pack 2027.1.1");

    let history = json(&get(
        &format!("{admin}/history"),
        &[("authorization", &auth)],
    )?)?;
    let revisions = history["revisions"].as_array().context("revisions")?;
    assert_eq!(revisions.len(), 2, "{history}");
    assert_eq!(revisions[0]["revision"], 2);
    assert_eq!(revisions[0]["in_force"], true);
    let first = revisions[1]["version"].as_str().context("version")?;
    assert_eq!(format!("\"{first}\""), v1);

    let body = format!("{{\"version\": \"{first}\"}}");
    let stale = send(
        "POST",
        &format!("{admin}/revert"),
        &[("authorization", &auth), ("if-match", &v1)],
        Some(body.as_bytes()),
    )?;
    assert_eq!(
        (stale.status, code(&stale)?.as_str()),
        (412, "policy-version-mismatch"),
        "a revert is CAS-guarded too"
    );
    let reverted = send(
        "POST",
        &format!("{admin}/revert"),
        &[("authorization", &auth), ("if-match", &v2)],
        Some(body.as_bytes()),
    )?;
    assert_eq!(
        reverted.status,
        200,
        "{}",
        String::from_utf8_lossy(&reverted.body)
    );
    assert_eq!(reverted.header("etag"), Some(v1.as_str()));
    assert_eq!(market_detail(&s.host, "JP")?, format!("JP pack {won}"));
    let history = json(&get(
        &format!("{admin}/history"),
        &[("authorization", &auth)],
    )?)?;
    assert_eq!(history["revisions"][0]["revision"], 3);
    Ok(())
}

#[test]
fn a_stored_set_this_build_cannot_read_leaves_the_shipped_packs_in_force() -> Result<()> {
    let catalog = test_catalog()?;
    let state = tempfile::tempdir()?;
    let backend = start_backend(catalog.path())?;
    let env = [
        (
            "SPIN_VARIABLE_MARKET_CONFIG",
            r#"trusted_proxies = ["127.0.0.1/32"]"#,
        ),
        ("SPIN_VARIABLE_POLICY_ADMIN_TOKEN", TOKEN),
    ];
    let manifest = repo_root().join("spin.toml");
    let host = start_host_with(&manifest, state.path(), &backend.url, &env)?;
    let shipped = market_detail(&host, "JP")?;
    let auth = format!("Bearer {TOKEN}");
    let admin = format!("{}/v1/admin/policy", host.url);
    let v0 = get(&admin, &[("authorization", &auth)])?
        .header("etag")
        .context("etag")?
        .to_owned();
    let text = jp_pack("2026.12.1")?;
    let published = send(
        "PUT",
        &format!("{admin}/markets/JP.toml"),
        &[("authorization", &auth), ("if-match", &v0)],
        Some(text.as_bytes()),
    )?;
    assert_eq!(published.status, 200);
    assert_eq!(market_detail(&host, "JP")?, "JP pack 2026.12.1");
    drop(host);

    // A later build wrote its own format (postcard varint 99 first).
    let kv = meridian_host::kv::KvDb::open(&state.path().join("kv.redb"))?;
    kv.set("default", "policy/head", b"\x63 a head from a later build")?;
    drop(kv);

    let host = start_host_with(&manifest, state.path(), &backend.url, &env)?;
    let reply = get(
        &format!("{}/v1/market", host.url),
        &[("cf-ipcountry", "JP")],
    )?;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(
        reply.header("meridian-policy-fallback"),
        Some("stored-set-invalid")
    );
    assert_eq!(json(&reply)?["policy_fallback"], "stored-set-invalid");
    assert_eq!(market_detail(&host, "JP")?, shipped, "the shipped JP pack");
    let page = get(
        &format!("{}/", host.url),
        &[("cf-ipcountry", "DE"), ("accept-language", "de-DE")],
    )?;
    assert_eq!(page.status, 200, "gated routes keep answering");
    assert_eq!(
        page.header("meridian-policy-fallback"),
        Some("stored-set-invalid")
    );
    let status = json(&get(
        &format!("{}/v1/admin/policy", host.url),
        &[("authorization", &auth)],
    )?)?;
    assert_eq!(status["fallback"], "stored-set-invalid");
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(host.logs().contains("POLICY FALLBACK stored-set-invalid"));
    Ok(())
}

/// The `value: |` block of `- name: <variable>` in a SpinApp manifest.
fn manifest_variable(yaml: &str, variable: &str) -> Option<String> {
    let mut lines = yaml
        .lines()
        .skip_while(|l| l.trim() != format!("- name: {variable}"));
    lines.next()?;
    let value = lines.next()?;
    if value.trim() != "value: |" {
        return None;
    }
    let indent = value.len() - value.trim_start().len() + 2;
    let block: Vec<&str> = lines
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() >= indent)
        .map(|l| l.get(indent..).unwrap_or_default())
        .collect();
    Some(block.join("\n"))
}

#[test]
fn the_reference_manifest_trusts_its_ingress_and_names_no_default_country() -> Result<()> {
    use meridian_edge::market::MarketConfig;
    let yaml = std::fs::read_to_string(repo_root().join("infra/deploy/edge/spinapp.yaml"))?;
    let text =
        manifest_variable(&yaml, "market_config").context("market_config in spinapp.yaml")?;
    let config = MarketConfig::from_toml(&text).context("market_config is valid")?;
    assert!(config.is_trusted("10.244.3.7".parse()?), "the ingress pods");
    assert!(config.is_trusted("162.158.1.1".parse()?), "Cloudflare");
    assert!(!config.is_trusted("8.8.8.8".parse()?));
    assert_eq!(config.default_country, None, "unlocated: the strict pack");
    assert_eq!(config.geo_headers.len(), 1, "only the header the CDN sets");
    Ok(())
}

/// The SpinApp's other TOML variables are read by the edge's own parsers
/// (infra/deploy/check.py checks the manifest's shape, not these values).
#[test]
fn the_reference_manifest_s_routing_and_cache_configs_parse() -> Result<()> {
    use meridian_edge::backend::RoutingConfig;
    use meridian_edge::cache::CacheConfig;
    let yaml = std::fs::read_to_string(repo_root().join("infra/deploy/edge/spinapp.yaml"))?;
    let routing =
        manifest_variable(&yaml, "backend_routing").context("backend_routing in spinapp.yaml")?;
    let routing = RoutingConfig::from_toml(&routing)
        .map_err(|r| anyhow::anyhow!("backend_routing: {r:?}"))?;
    assert_eq!(routing.breaker.failures, 3);
    let cache = manifest_variable(&yaml, "cache_config").context("cache_config in spinapp.yaml")?;
    CacheConfig::from_toml(&cache).map_err(|r| anyhow::anyhow!("cache_config: {r:?}"))?;
    Ok(())
}
