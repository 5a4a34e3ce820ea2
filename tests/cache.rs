//! The edge HTTP cache through the real host: a real merchant origin
//! (`meridian-demo-origin`, started here), the real backend, and every
//! rule the cache promises: per-market variants, revalidation, purges by
//! tag and by webhook, stale-if-error and stale-while-revalidate with the
//! origin or backend gone, chunked bodies, `Cache-Status` and its counts.

use std::time::Duration;

use anyhow::{Context, Result};
use meridian_demo_origin as demo_origin;
use meridian_e2e::{
    Reply, Service, get, raw_request, repo_root, send, start_backend, start_host_with,
    start_origin_host, test_catalog,
};
use meridian_edge::cache::purge::sign_webhook;

const PURGE_TOKEN: &str = "e2e-purge-token";
const WEBHOOK_SECRET: &str = "e2e-webhook-secret";
const SKU: &str = "MRD-SOLSTICE-SUN";

struct Stack {
    origin: Option<demo_origin::Running>,
    host: Service,
    _state: tempfile::TempDir,
}

/// The host in front of a fresh origin whose answers are fresh for one
/// second and may stand in for errors for ten minutes.
fn stack() -> Result<Stack> {
    stack_fresh_for(1)
}

/// As [`stack`], with answers fresh for `max_age_s` (tests that need hits
/// to stay hits on a busy machine).
fn stack_fresh_for(max_age_s: u64) -> Result<Stack> {
    let origin = demo_origin::spawn(demo_origin::Config {
        listen: "127.0.0.1:0".parse()?,
        max_age_s,
        stale_while_revalidate_s: 0,
        stale_if_error_s: 600,
        ..demo_origin::Config::default()
    })?;
    let state = tempfile::tempdir()?;
    let host = start_origin_host(
        &origin.url(),
        state.path(),
        &[
            ("SPIN_VARIABLE_PURGE_TOKEN", PURGE_TOKEN),
            ("SPIN_VARIABLE_PURGE_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ],
    )?;
    Ok(Stack {
        origin: Some(origin),
        host,
        _state: state,
    })
}

impl Stack {
    fn origin(&self) -> Result<&demo_origin::Running> {
        self.origin.as_ref().context("the origin was stopped")
    }

    fn product(&self, country: &str) -> Result<Reply> {
        self.at(&format!("/v1/origin/catalog/products/{SKU}"), country)
    }

    fn at(&self, path: &str, country: &str) -> Result<Reply> {
        get(
            &format!("{}{path}", self.host.url),
            &[("cf-ipcountry", country)],
        )
    }

    fn purge(&self, body: &str, token: &str) -> Result<Reply> {
        send(
            "POST",
            &format!("{}/v1/purge", self.host.url),
            &[
                ("authorization", &format!("Bearer {token}")),
                ("content-type", "application/json"),
            ],
            Some(body.as_bytes()),
        )
    }
}

fn status(r: &Reply) -> &str {
    r.header("cache-status").unwrap_or_default()
}

fn json(r: &Reply) -> Result<serde_json::Value> {
    serde_json::from_slice(&r.body)
        .with_context(|| format!("not JSON: {}", String::from_utf8_lossy(&r.body)))
}

#[test]
fn origin_answers_are_cached_per_market_and_revalidated() -> Result<()> {
    let s = stack()?;
    let path = format!("/products/{SKU}");
    let de = s.product("DE")?;
    assert_eq!(de.status, 200, "{}", String::from_utf8_lossy(&de.body));
    assert!(
        status(&de).contains("fwd=uri-miss") && status(&de).contains("stored"),
        "{}",
        status(&de)
    );
    assert_eq!(json(&de)?["currency"], "EUR");
    assert_eq!(
        de.header("meridian-market"),
        Some("DE"),
        "the gate ran first"
    );
    assert_eq!(de.header("surrogate-key"), None, "tags stay at the edge");

    let again = s.product("DE")?;
    assert!(status(&again).contains("; hit"), "{}", status(&again));
    assert_eq!(again.body, de.body);
    assert_eq!(
        s.origin()?.requests(&path),
        1,
        "a hit never reaches the origin"
    );

    // Another currency and language is another variant; the same market is not.
    let us = s.product("US")?;
    assert!(status(&us).contains("fwd=vary-miss"), "{}", status(&us));
    assert_eq!(json(&us)?["currency"], "USD");
    let fr = s.product("FR")?;
    assert!(
        status(&fr).contains("fwd=vary-miss"),
        "fr-FR is its own variant: {}",
        status(&fr)
    );
    assert_eq!(s.origin()?.requests(&path), 3);

    // Past max-age the entry is revalidated: the origin answers 304.
    std::thread::sleep(Duration::from_millis(2100));
    let revalidated = s.product("DE")?;
    assert!(
        status(&revalidated).contains("fwd=stale; fwd-status=304"),
        "{}",
        status(&revalidated)
    );
    assert_eq!(revalidated.body, de.body);

    // The shopper's own conditional request gets a 304 from the edge.
    let etag = de.header("etag").context("no ETag")?;
    let not_modified = get(
        &format!("{}/v1/origin/catalog/products/{SKU}", s.host.url),
        &[("cf-ipcountry", "DE"), ("if-none-match", etag)],
    )?;
    assert_eq!(not_modified.status, 304);
    Ok(())
}

#[test]
fn purges_by_tag_and_url_reach_every_market_and_nothing_else() -> Result<()> {
    let s = stack()?;
    for country in ["DE", "FR", "US"] {
        s.product(country)?;
    }
    let other = "/v1/origin/catalog/products/MRD-AURORA-WATCH";
    s.at(other, "DE")?;

    let refused = s.purge(r#"{"tags":["sku:MRD-SOLSTICE-SUN"]}"#, "wrong")?;
    assert_eq!(
        (refused.status, refused.error()?.1.as_str()),
        (401, "purge-unauthorized")
    );
    let bad = s.purge(r#"{"tags":["no spaces"]}"#, PURGE_TOKEN)?;
    assert_eq!((bad.status, bad.error()?.1.as_str()), (400, "tag-invalid"));
    assert!(
        s.product("DE").map(|r| status(&r).contains("; hit"))?,
        "refusals purge nothing"
    );

    let purged = s.purge(&format!(r#"{{"tags":["sku:{SKU}"]}}"#), PURGE_TOKEN)?;
    assert_eq!(
        purged.status,
        200,
        "{}",
        String::from_utf8_lossy(&purged.body)
    );
    assert_eq!(json(&purged)?["purged"], 1, "one tag, in every market");
    for country in ["DE", "FR", "US"] {
        let r = s.product(country)?;
        assert!(
            status(&r).contains("fwd=") && !status(&r).contains("fwd=stale"),
            "{country}: {}",
            status(&r)
        );
    }
    assert!(
        status(&s.at(other, "DE")?).contains("; hit"),
        "another product stays cached"
    );

    // By URL, tracking parameters and all.
    let purged = s.purge(
        &format!(r#"{{"urls":["/v1/origin/catalog/products/{SKU}?utm_source=mail"]}}"#),
        PURGE_TOKEN,
    )?;
    assert_eq!(json(&purged)?["purged"], 1);
    for country in ["DE", "FR", "US"] {
        let r = s.product(country)?;
        assert!(!status(&r).contains("; hit"), "{country}: {}", status(&r));
    }
    Ok(())
}

#[test]
fn only_declared_query_parameters_are_keyed_and_forwarded() -> Result<()> {
    let s = stack_fresh_for(600)?;
    let first = s.at("/v1/origin/catalog/products?zz=1&limit=1", "DE")?;
    assert_eq!(
        first.status,
        200,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    assert!(status(&first).contains("stored"), "{}", status(&first));
    assert_eq!(json(&first)?.as_array().map(Vec::len), Some(1));
    assert_eq!(
        s.origin()?.last_query("/products").as_deref(),
        Some("limit=1"),
        "undeclared parameters never reach the origin"
    );
    // Random and consent parameters: the same entry.
    for i in 0..20 {
        let r = s.at(
            &format!("/v1/origin/catalog/products?limit=1&zz={i}&gdpr_consent=CPx{i}&gpp_sid=2"),
            "DE",
        )?;
        assert!(status(&r).contains("; hit"), "{i}: {}", status(&r));
    }
    assert_eq!(s.origin()?.requests("/products"), 1);
    let two = s.at("/v1/origin/catalog/products?limit=2", "DE")?;
    assert!(status(&two).contains("fwd=uri-miss"), "{}", status(&two));
    assert_eq!(json(&two)?.as_array().map(Vec::len), Some(2));
    // A purge by URL names it as requested, stray parameters and all.
    let purged = s.purge(
        r#"{"urls":["/v1/origin/catalog/products?limit=1&zz=9"]}"#,
        PURGE_TOKEN,
    )?;
    assert_eq!(purged.status, 200);
    let after = s.at("/v1/origin/catalog/products?limit=1", "DE")?;
    assert!(!status(&after).contains("; hit"), "{}", status(&after));
    assert!(
        status(&s.at("/v1/origin/catalog/products?limit=2", "DE")?).contains("; hit"),
        "another key is untouched"
    );
    for (path, code) in [
        (
            "/v1/origin/catalog/%2e%2e/admin/requests",
            "path-encoded-dot",
        ),
        ("/v1/origin/catalog/products;x=1", "path-parameter"),
        (
            "/v1/origin/catalog/..%2fadmin/requests",
            "path-encoded-slash",
        ),
    ] {
        // Sent as written: HTTP clients resolve `%2e%2e` before sending.
        let r = raw_request(&s.host.url, "GET", path, "cf-ipcountry: DE\r\n")?;
        assert_eq!((r.status, r.error()?.1.as_str()), (400, code), "{path}");
    }
    Ok(())
}

#[test]
fn a_price_webhook_purges_so_the_new_price_shows_everywhere() -> Result<()> {
    let s = stack()?;
    // The origin sends amounts with their currency; pages format them.
    let price =
        |amount: &str, currency: &str| serde_json::json!({"amount": amount, "currency": currency});
    assert_eq!(json(&s.product("DE")?)?["price"], price("145.00", "EUR"));
    assert_eq!(json(&s.product("US")?)?["price"], price("159.00", "USD"));
    assert!(
        s.origin()?.set_price(SKU, "EUR", "€ 99").is_err(),
        "a display string is not an amount"
    );
    s.origin()?.set_price(SKU, "EUR", "99")?;
    s.origin()?.set_price(SKU, "USD", "109")?;
    assert_eq!(
        json(&s.product("DE")?)?["price"],
        price("145.00", "EUR"),
        "cached until told"
    );

    let body = format!(r#"{{"event":"price.changed","skus":["{SKU}"]}}"#);
    let url = format!("{}/v1/purge/webhook", s.host.url);
    let forged = send(
        "POST",
        &url,
        &[("meridian-webhook-signature", "sha256=00")],
        Some(body.as_bytes()),
    )?;
    assert_eq!(
        (forged.status, forged.error()?.1.as_str()),
        (401, "webhook-signature-invalid")
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let post = |signature: &str| {
        send(
            "POST",
            &url,
            &[("meridian-webhook-signature", signature)],
            Some(body.as_bytes()),
        )
    };
    let old = post(&sign_webhook(body.as_bytes(), WEBHOOK_SECRET, now - 301))?;
    assert_eq!(
        (old.status, old.error()?.1.as_str()),
        (401, "webhook-signature-expired")
    );
    let signature = sign_webhook(body.as_bytes(), WEBHOOK_SECRET, now);
    let hook = post(&signature)?;
    assert_eq!(hook.status, 200, "{}", String::from_utf8_lossy(&hook.body));
    let replayed = post(&signature)?;
    assert_eq!(
        (replayed.status, replayed.error()?.1.as_str()),
        (409, "webhook-replayed")
    );
    assert_eq!(
        json(&hook)?["soft"],
        false,
        "a price change is a hard purge"
    );

    assert_eq!(json(&s.product("DE")?)?["price"], price("99.00", "EUR"));
    assert_eq!(json(&s.product("US")?)?["price"], price("109.00", "USD"));
    Ok(())
}

#[test]
fn stale_if_error_stands_in_for_a_stopped_origin() -> Result<()> {
    let mut s = stack()?;
    let cached = s.product("DE")?;
    s.origin.take().context("origin")?.stop();
    std::thread::sleep(Duration::from_millis(2100));
    let stale = s.product("DE")?;
    assert_eq!(stale.status, 200);
    assert_eq!(stale.body, cached.body);
    assert!(
        status(&stale).contains("detail=stale-if-error"),
        "{}",
        status(&stale)
    );
    let never_cached = s.product("US")?;
    assert_eq!(
        (never_cached.status, never_cached.error()?.1.as_str()),
        (502, "origin-unreachable")
    );
    Ok(())
}

#[test]
fn bodies_larger_than_a_store_value_are_chunked_and_read_whole() -> Result<()> {
    let s = stack()?;
    let direct = get(
        &format!("{}/feed", s.origin()?.url()),
        &[("meridian-currency", "EUR"), ("meridian-locale", "de-DE")],
    )?;
    assert!(
        direct.body.len() > 1 << 20,
        "the feed is larger than the host's 1 MiB value limit"
    );
    let before = s.origin()?.requests("/feed");
    let first = s.at("/v1/origin/catalog/feed", "DE")?;
    assert!(status(&first).contains("stored"), "{}", status(&first));
    let hit = s.at("/v1/origin/catalog/feed", "DE")?;
    assert!(status(&hit).contains("; hit"), "{}", status(&hit));
    assert_eq!(hit.body.len(), first.body.len());
    assert_eq!(hit.body, first.body);
    assert_eq!(s.origin()?.requests("/feed"), before + 1);
    Ok(())
}

#[test]
fn every_response_says_what_the_cache_did_and_the_host_counts_it() -> Result<()> {
    let s = stack()?;
    s.product("DE")?;
    s.product("DE")?;
    for path in ["/", "/v1/market", "/v1/nope/x"] {
        let r = s.at(path, "DE")?;
        assert!(
            status(&r).starts_with("meridian-edge; "),
            "{path}: {:?}",
            r.header("cache-status")
        );
    }
    let metrics = get(&format!("{}/.well-known/meridian/metrics", s.host.url), &[])?;
    let text = String::from_utf8_lossy(&metrics.body);
    assert!(
        text.contains("component=\"origin\",outcome=\"hit\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("component=\"origin\",outcome=\"miss\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("component=\"pages\",outcome=\"bypass\"}"),
        "{text}"
    );
    Ok(())
}

/// Media with renditions fresh for `max_age_s`.
fn media_stack(
    cache_config: &str,
    max_age_s: u64,
) -> Result<(Service, Service, tempfile::TempDir, tempfile::TempDir)> {
    let catalog = test_catalog()?;
    let state = tempfile::tempdir()?;
    let backend = start_backend(catalog.path())?;
    let presets = format!(
        "[thumbnail]\nwidth = 160\nheight = 160\nfit = \"cover\"\nformats = [\"webp\"]\nmax_age_s = {max_age_s}\n\n\
         [tiny]\nwidth = 32\nheight = 32\nfit = \"cover\"\nformats = [\"webp\"]\nmax_age_s = {max_age_s}\n"
    );
    let host = start_host_with(
        &repo_root().join("spin.toml"),
        state.path(),
        &backend.url,
        &[
            ("SPIN_VARIABLE_MEDIA_PRESETS", presets.as_str()),
            ("SPIN_VARIABLE_CACHE_CONFIG", cache_config),
        ],
    )?;
    Ok((backend, host, catalog, state))
}

#[test]
fn renditions_stand_in_when_the_backend_is_stopped() -> Result<()> {
    let (backend, host, _catalog, _state) = media_stack("stale_while_revalidate_s = 0", 1)?;
    let url = format!("{}/v1/media/coast-sunset.jpg/thumbnail.webp", host.url);
    let first = get(&url, &[])?;
    assert_eq!(
        first.status,
        200,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    drop(backend);
    std::thread::sleep(Duration::from_millis(2100));
    let stale = get(&url, &[])?;
    assert_eq!(stale.status, 200);
    assert_eq!(stale.body, first.body);
    assert!(
        status(&stale).contains("detail=stale-if-error"),
        "{}",
        status(&stale)
    );
    let other = get(
        &format!("{}/v1/media/coast-sunset.jpg/tiny.webp", host.url),
        &[],
    )?;
    assert_eq!(
        (other.status, other.error()?.1.as_str()),
        (503, "backend-unavailable")
    );
    Ok(())
}

#[test]
fn stale_while_revalidate_answers_at_once_and_refreshes_after() -> Result<()> {
    // Fresh long enough that the refreshed entry is seen fresh, even
    // though its age counts from when the revalidation started.
    let (_backend, host, _catalog, _state) = media_stack("stale_while_revalidate_s = 60", 5)?;
    let url = format!("{}/v1/media/coast-sunset.jpg/thumbnail.webp", host.url);
    get(&url, &[])?;
    std::thread::sleep(Duration::from_millis(5100));
    let stale = get(&url, &[])?;
    assert!(
        status(&stale).contains("detail=stale-while-revalidate"),
        "{}",
        status(&stale)
    );
    // The component renders again after answering; soon the entry is fresh.
    let mut last = String::new();
    for _ in 0..100 {
        let r = get(&url, &[])?;
        last = status(&r).to_owned();
        if last.contains("; hit; ttl=") && !last.contains("ttl=-") {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    anyhow::bail!(
        "the entry was never refreshed; last Cache-Status: {last}\nhost log:\n{}",
        host.logs()
    )
}
