//! Storefront integration through the real host: what a merchant's own
//! pages, on another origin, may call from the shopper's browser (CORS on
//! the public `/v1` routes, from `cors_origins`).

use anyhow::{Context, Result, ensure};
use meridian_e2e::{Reply, Service, get, send, start_stack};

const SHOP: &str = "http://shop.test:8080";
const STRANGER: &str = "https://stranger.test";

fn preflight(host: &Service, path: &str, origin: &str, headers: &str) -> Result<Reply> {
    send(
        "OPTIONS",
        &format!("{}{path}", host.url),
        &[
            ("origin", origin),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", headers),
        ],
        None,
    )
}

fn varies_on_origin(reply: &Reply) -> bool {
    reply.header("vary").is_some_and(|v| {
        v.split(',')
            .any(|v| v.trim().eq_ignore_ascii_case("origin"))
    })
}

#[test]
fn a_listed_storefront_may_call_the_public_routes_and_no_one_else() -> Result<()> {
    let stack = start_stack(&[("SPIN_VARIABLE_CORS_ORIGINS", SHOP)])?;
    let host = &stack.host;

    // Every component with a public route answers the preflight itself.
    for path in [
        "/v1/market",
        "/v1/media/umang.jpg/square-1080.jpg",
        "/v1/origin/catalog/products",
        "/v1/tryon/MRD-SOLSTICE-SUN",
        "/v1/recommendations?context=home",
        "/v1/events",
    ] {
        let r = preflight(host, path, SHOP, "content-type, x-tcf-consent")?;
        let says = |name: &str| r.header(name).map(str::to_owned);
        ensure!(r.status == 204, "{path}: preflight status {}", r.status);
        ensure!(
            says("access-control-allow-origin").as_deref() == Some(SHOP),
            "{path}: {:?}",
            r.headers
        );
        ensure!(says("access-control-allow-methods").is_some_and(|m| m.contains("POST")));
        ensure!(
            says("access-control-allow-headers").as_deref() == Some("content-type, x-tcf-consent")
        );
        ensure!(
            says("access-control-max-age").as_deref() == Some("7200"),
            "{path}: cached"
        );
        ensure!(
            says("access-control-allow-credentials").is_none(),
            "{path}: never credentials"
        );
        ensure!(varies_on_origin(&r), "{path}: Vary: Origin");
    }

    // Refused preflights say why, and allow nothing.
    for (origin, headers, code) in [
        (STRANGER, "content-type", "cors-origin-not-allowed"),
        (SHOP, "authorization", "cors-header-not-allowed"),
    ] {
        let r = preflight(host, "/v1/market", origin, headers)?;
        let (status, got, message) = r.error()?;
        ensure!(
            (r.status, status, got.as_str()) == (403, 403, code),
            "{code}: {message}"
        );
        ensure!(r.header("access-control-allow-origin").is_none(), "{code}");
    }

    // An answer reaches the storefront's script with what the edge decided.
    let geo = ("cf-ipcountry", "DE");
    let market = format!("{}/v1/market", host.url);
    let r = get(&market, &[geo, ("origin", SHOP)])?;
    ensure!(r.status == 200, "market: {}", r.status);
    ensure!(r.header("access-control-allow-origin") == Some(SHOP));
    ensure!(
        r.header("access-control-expose-headers")
            .is_some_and(|h| h.contains("meridian-market")),
        "exposes the decision headers: {:?}",
        r.headers
    );
    ensure!(varies_on_origin(&r));
    ensure!(r.header("meridian-market") == Some("DE"));

    // A refusal crosses too, so a widget can show the market's reason.
    let r = get(
        &format!("{}/v1/recommendations?context=bogus", host.url),
        &[geo, ("origin", SHOP)],
    )?;
    let (status, code, _) = r.error().context("recommendations refusal")?;
    ensure!((400..500).contains(&status), "{status} {code}");
    ensure!(
        r.header("access-control-allow-origin") == Some(SHOP),
        "{code}"
    );

    // Another origin gets the answer without the allowance (the browser
    // withholds it), and a cache between must not mix the two.
    let r = get(&market, &[geo, ("origin", STRANGER)])?;
    ensure!(r.header("access-control-allow-origin").is_none());
    ensure!(varies_on_origin(&r));

    // Same-origin requests (no Origin) are as before.
    let r = get(&market, &[geo])?;
    ensure!(r.header("access-control-allow-origin").is_none());
    ensure!(!varies_on_origin(&r), "{:?}", r.headers);

    // The authenticated APIs answer no cross-origin caller.
    for path in [
        "/v1/purge",
        "/v1/admin/policy",
        "/v1/experiments/hero-preset",
    ] {
        let r = preflight(host, path, SHOP, "content-type")?;
        ensure!(
            r.header("access-control-allow-origin").is_none(),
            "{path}: {} {:?}",
            r.status,
            r.headers
        );
    }
    Ok(())
}

#[test]
fn the_storefront_lists_the_presets_the_media_component_renders() -> Result<()> {
    let presets = "[banner]\nwidth = 777\nheight = 333\nfit = \"cover\"\nformats = [\"webp\"]\nmax_age_s = 3600\n";
    let stack = start_stack(&[("SPIN_VARIABLE_MEDIA_PRESETS", presets)])?;
    let page = get(&format!("{}/", stack.host.url), &[])?;
    ensure!(
        page.status == 200,
        "storefront: {} {}",
        page.status,
        String::from_utf8_lossy(&page.body)
    );
    let html = String::from_utf8_lossy(&page.body);
    ensure!(
        html.contains("banner (777×333, cover)"),
        "the merchant's preset is listed"
    );
    ensure!(html.contains("/banner.webp\""), "and linked");
    ensure!(
        !html.contains("/thumbnail.webp\""),
        "the shipped presets are replaced, as the media component replaces them"
    );
    // The rendition the page links is one the media component renders.
    let link = html
        .split("href=\"")
        .filter_map(|rest| rest.split('"').next())
        .find(|href| href.ends_with("/banner.webp"))
        .context("a banner link")?;
    let rendition = get(&format!("{}{link}", stack.host.url), &[])?;
    ensure!(rendition.status == 200, "{link}: {}", rendition.status);
    Ok(())
}
