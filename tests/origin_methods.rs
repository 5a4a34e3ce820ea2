//! The origin route's pass-through through the real host and the real
//! demo merchant origin, configured as `spin.toml` ships it: shoppers'
//! review writes (`POST`, `PATCH`, `DELETE`) and the merchant's stock
//! changes (`PUT`) pass through and invalidate what they touch (RFC 9111
//! §4.4); the headers each origin is configured to get reach it and no
//! others (never the shopper's cookie); `Authorization` reaches only the
//! merchant API, and what answers it is stored only as RFC 9111 §3.5
//! allows.

use anyhow::{Context, Result};
use meridian_demo_origin as demo_origin;
use meridian_e2e::{Reply, Service, send, start_origin_host};

const SKU: &str = "MRD-SOLSTICE-SUN";
const MERCHANT_TOKEN: &str = "e2e-merchant-token-5f1c";

struct Stack {
    origin: demo_origin::Running,
    host: Service,
    state: tempfile::TempDir,
}

/// The host on the shipped `spin.toml` in front of a fresh demo origin
/// whose answers stay fresh for the whole test.
fn stack() -> Result<Stack> {
    let origin = demo_origin::spawn(demo_origin::Config {
        listen: "127.0.0.1:0".parse()?,
        max_age_s: 600,
        merchant_token: Some(MERCHANT_TOKEN.to_owned()),
        ..demo_origin::Config::default()
    })?;
    let state = tempfile::tempdir()?;
    let host = start_origin_host(&origin.url(), state.path(), &[])?;
    Ok(Stack {
        origin,
        host,
        state,
    })
}

impl Stack {
    /// `method path` at the edge from a German shopper, with `headers`.
    fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Result<Reply> {
        let mut all = vec![("cf-ipcountry", "DE")];
        all.extend_from_slice(headers);
        if body.is_some() {
            all.push(("content-type", "application/json"));
        }
        send(
            method,
            &format!("{}{path}", self.host.url),
            &all,
            body.map(str::as_bytes),
        )
    }

    fn get(&self, path: &str, headers: &[(&str, &str)]) -> Result<Reply> {
        self.send("GET", path, headers, None)
    }

    /// The header `name` of the last request the origin got at `path`.
    fn received(&self, path: &str, name: &str) -> Option<String> {
        self.origin
            .received(path)
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

fn status(r: &Reply) -> &str {
    r.header("cache-status").unwrap_or_default()
}

fn is_hit(r: &Reply) -> bool {
    status(r).starts_with("meridian-edge; hit")
}

fn json(r: &Reply) -> Result<serde_json::Value> {
    serde_json::from_slice(&r.body).with_context(|| {
        format!(
            "not JSON ({}): {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        )
    })
}

/// A refusal of the edge itself: status and machine code.
fn refused(r: &Reply) -> Result<(u16, String)> {
    let (status, code, _) = r.error()?;
    Ok((status, code))
}

/// A refusal of the demo origin's, passed through: status and code.
fn origin_refused(r: &Reply) -> Result<(u16, String)> {
    let code = json(r)?["code"].as_str().unwrap_or_default().to_owned();
    Ok((r.status, code))
}

#[test]
fn unsafe_methods_pass_through_and_invalidate_what_they_touch() -> Result<()> {
    let s = stack()?;
    let list = format!("/v1/origin/catalog/products/{SKU}/reviews");
    let at_origin = format!("/products/{SKU}/reviews");
    let first = s.get(&list, &[])?;
    assert_eq!(
        first.status,
        200,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    assert!(status(&first).contains("stored"), "{}", status(&first));
    assert_eq!(json(&first)?, serde_json::json!([]));
    assert!(is_hit(&s.get(&list, &[])?));
    assert_eq!(s.origin.requests(&at_origin), 1);

    // A method the origin's configuration does not list never reaches it.
    let put = s.send("PUT", &list, &[], Some("{}"))?;
    assert_eq!(refused(&put)?, (405, "method-not-allowed".to_owned()));
    let merchant_post = s.send(
        "POST",
        &format!("/v1/origin/merchant/stock/{SKU}"),
        &[],
        Some("{}"),
    )?;
    assert_eq!(
        refused(&merchant_post)?,
        (405, "method-not-allowed".to_owned())
    );
    assert_eq!(s.origin.requests(&at_origin), 1);

    // An error answer passes through and invalidates nothing.
    let bad = s.send("POST", &list, &[], Some(r#"{"author":"Ana","rating":9}"#))?;
    assert_eq!(origin_refused(&bad)?, (422, "rating-invalid".to_owned()));
    assert!(status(&bad).contains("fwd=method"), "{}", status(&bad));
    assert!(is_hit(&s.get(&list, &[])?), "a 422 invalidates nothing");

    // A success invalidates the target URI; its Location names the new
    // review as the edge path a storefront can follow.
    let created = s.send(
        "POST",
        &list,
        &[],
        Some(r#"{"author":"Ana","rating":4,"text":"Light and sharp."}"#),
    )?;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let review = format!("{list}/1");
    assert_eq!(created.header("location"), Some(review.as_str()));
    assert_eq!(created.header("content-location"), Some(review.as_str()));
    let after = s.get(&list, &[])?;
    assert!(!is_hit(&after), "{}", status(&after));
    assert_eq!(json(&after)?[0]["rating"], 4);

    // The review itself is cached; a vote answers 303 to it, and that
    // Location is invalidated while the list, untouched, stays cached.
    assert!(status(&s.get(&review, &[])?).contains("stored"));
    assert!(is_hit(&s.get(&review, &[])?));
    let voted = s.send("POST", &format!("{review}/helpful"), &[], Some("{}"))?;
    assert_eq!(
        voted.status,
        303,
        "{}",
        String::from_utf8_lossy(&voted.body)
    );
    assert_eq!(voted.header("location"), Some(review.as_str()));
    let seen = s.get(&review, &[])?;
    assert!(!is_hit(&seen), "{}", status(&seen));
    assert_eq!(json(&seen)?["helpful"], 1);
    assert!(is_hit(&s.get(&list, &[])?));

    // PATCH answers the list (Content-Location): both entries go.
    let changed = s.send("PATCH", &review, &[], Some(r#"{"rating":2}"#))?;
    assert_eq!(
        changed.status,
        200,
        "{}",
        String::from_utf8_lossy(&changed.body)
    );
    assert_eq!(changed.header("content-location"), Some(list.as_str()));
    let seen = s.get(&review, &[])?;
    assert!(!is_hit(&seen));
    assert_eq!(json(&seen)?["rating"], 2);
    let after = s.get(&list, &[])?;
    assert!(!is_hit(&after), "{}", status(&after));
    assert_eq!(json(&after)?[0]["rating"], 2);

    // DELETE likewise; the review is gone at the edge too.
    let deleted = s.send("DELETE", &review, &[], None)?;
    assert_eq!(
        deleted.status,
        200,
        "{}",
        String::from_utf8_lossy(&deleted.body)
    );
    assert_eq!(
        origin_refused(&s.get(&review, &[])?)?,
        (404, "review-unknown".to_owned())
    );
    assert_eq!(json(&s.get(&list, &[])?)?, serde_json::json!([]));
    Ok(())
}

#[test]
fn each_origin_gets_the_headers_it_is_configured_for_and_never_the_cookie() -> Result<()> {
    let s = stack()?;
    // `vary` says Vary: x-api-version, x-merchant-store. The catalog gets
    // x-api-version only.
    let path = "/v1/origin/catalog/echo/vary";
    let at_origin = "/echo/vary";
    let shopper = [
        ("x-api-version", "1"),
        ("x-merchant-store", "eu-main"),
        ("cookie", "session=shopper-secret"),
        ("authorization", "Bearer shopper-credentials"),
        ("meridian-market", "XX"),
        ("x-forwarded-for", "203.0.113.9"),
    ];
    let first = s.get(path, &shopper)?;
    assert_eq!(
        first.status,
        200,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    assert_eq!(s.received(at_origin, "x-api-version").as_deref(), Some("1"));
    for absent in [
        "x-merchant-store",
        "cookie",
        "authorization",
        "x-forwarded-for",
    ] {
        assert_eq!(
            s.received(at_origin, absent),
            None,
            "{absent} reached the catalog"
        );
    }
    assert_eq!(
        s.received(at_origin, "meridian-market").as_deref(),
        Some("DE"),
        "the edge's decision, not the shopper's claim"
    );
    // A header the catalog is not sent cannot split its entry, whatever
    // the origin's Vary says; an allow-listed one does.
    let other_store = s.get(
        path,
        &[("x-api-version", "1"), ("x-merchant-store", "us-east")],
    )?;
    assert!(is_hit(&other_store), "{}", status(&other_store));
    let v2 = s.get(path, &[("x-api-version", "2")])?;
    assert!(status(&v2).contains("fwd=vary-miss"), "{}", status(&v2));
    assert_eq!(s.origin.requests(at_origin), 2);

    // A real answer that varies on it: reviews as API version 2.
    let reviews = s.get(
        &format!("/v1/origin/catalog/products/{SKU}/reviews"),
        &[("x-api-version", "2")],
    )?;
    assert_eq!(json(&reviews)?["count"], 0);

    // Unsafe methods get the same headers, the body and its type.
    let posted = s.send(
        "POST",
        "/v1/origin/catalog/echo/none",
        &[("x-api-version", "3"), ("cookie", "session=shopper-secret")],
        Some(r#"{"hello":"origin"}"#),
    )?;
    let echoed = json(&posted)?;
    assert_eq!(echoed["method"], "POST");
    assert_eq!(echoed["body"], r#"{"hello":"origin"}"#);
    assert_eq!(echoed["headers"]["x-api-version"], "3");
    assert_eq!(echoed["headers"]["content-type"], "application/json");
    assert!(echoed["headers"].get("cookie").is_none(), "{echoed}");

    // The merchant API gets its store header and no cookie either.
    let merchant = s.get(
        "/v1/origin/merchant/echo/none",
        &[
            ("x-merchant-store", "eu-main"),
            ("x-api-version", "1"),
            ("cookie", "a=b"),
        ],
    )?;
    assert_eq!(merchant.status, 200);
    let at_merchant = "/merchant/echo/none";
    assert_eq!(
        s.received(at_merchant, "x-merchant-store").as_deref(),
        Some("eu-main")
    );
    assert_eq!(s.received(at_merchant, "x-api-version"), None);
    assert_eq!(s.received(at_merchant, "cookie"), None);
    Ok(())
}

#[test]
fn authorization_reaches_only_the_merchant_api_and_is_stored_as_rfc_9111_allows() -> Result<()> {
    let s = stack()?;
    let a = format!("Bearer {MERCHANT_TOKEN}");
    let b = "Bearer another-merchant-user";
    let fingerprint = |c: &str| Some(demo_origin::fingerprint(c));

    // The catalog is not configured for credentials: they never reach it.
    s.get("/v1/origin/catalog/echo/public", &[("authorization", &a)])?;
    assert_eq!(s.received("/echo/public", "authorization"), None);

    // Without public, s-maxage or must-revalidate an answer to a request
    // with credentials is not stored; private never is.
    for policy in ["none", "private"] {
        let path = format!("/v1/origin/merchant/echo/{policy}");
        let at_origin = format!("/merchant/echo/{policy}");
        for round in 1..=2 {
            let r = s.get(&path, &[("authorization", &a)])?;
            assert!(
                status(&r).ends_with("detail=not-storable"),
                "{policy}: {}",
                status(&r)
            );
            assert_eq!(s.origin.requests(&at_origin), round);
            assert_eq!(s.received(&at_origin, "authorization"), fingerprint(&a));
        }
    }
    // public and s-maxage: stored, and reused for other credentials and
    // for none, as the RFC allows.
    for policy in ["public", "s-maxage"] {
        let path = format!("/v1/origin/merchant/echo/{policy}");
        let first = s.get(&path, &[("authorization", &a)])?;
        assert!(
            status(&first).contains("stored"),
            "{policy}: {}",
            status(&first)
        );
        let other = s.get(&path, &[("authorization", b)])?;
        let anonymous = s.get(&path, &[])?;
        assert!(is_hit(&other) && is_hit(&anonymous), "{policy}");
        assert_eq!(anonymous.body, first.body);
        assert_eq!(s.origin.requests(&format!("/merchant/echo/{policy}")), 1);
    }
    // must-revalidate (stale at once): stored, and every use goes to the
    // merchant API with the credentials of the request at hand.
    let path = "/v1/origin/merchant/echo/must-revalidate";
    let at_origin = "/merchant/echo/must-revalidate";
    let first = s.get(path, &[("authorization", &a)])?;
    assert!(status(&first).contains("stored"), "{}", status(&first));
    s.get(path, &[("authorization", b)])?;
    assert_eq!(s.origin.requests(at_origin), 2);
    assert_eq!(s.received(at_origin, "authorization"), fingerprint(b));
    s.get(path, &[])?;
    assert_eq!(s.origin.requests(at_origin), 3);
    assert_eq!(s.received(at_origin, "authorization"), None);

    // The real stock API works that way: each use is checked against the
    // asker's token, per store (Vary: x-merchant-store).
    let stock = format!("/v1/origin/merchant/stock/{SKU}");
    let eu = [
        ("authorization", a.as_str()),
        ("x-merchant-store", "eu-main"),
    ];
    let r = s.get(&stock, &eu)?;
    assert_eq!((r.status, json(&r)?["quantity"].clone()), (200, 25.into()));
    let wrong = s.get(
        &stock,
        &[("authorization", b), ("x-merchant-store", "eu-main")],
    )?;
    assert_eq!(
        origin_refused(&wrong)?,
        (401, "merchant-unauthorized".to_owned())
    );
    let none = s.get(&stock, &[("x-merchant-store", "eu-main")])?;
    assert_eq!(
        origin_refused(&none)?,
        (401, "merchant-unauthorized".to_owned())
    );
    let via_catalog = s.get(&format!("/v1/origin/catalog/merchant/stock/{SKU}"), &eu)?;
    assert_eq!(
        origin_refused(&via_catalog)?,
        (401, "merchant-unauthorized".to_owned()),
        "the catalog origin never carries the merchant's token"
    );
    let set = s.send("PUT", &stock, &eu, Some(r#"{"quantity":7}"#))?;
    assert_eq!(set.status, 200, "{}", String::from_utf8_lossy(&set.body));
    assert_eq!(set.header("content-location"), Some(stock.as_str()));
    assert_eq!(json(&s.get(&stock, &eu)?)?["quantity"], 7);
    let us = s.get(
        &stock,
        &[("authorization", &a), ("x-merchant-store", "us-east")],
    )?;
    assert_eq!(json(&us)?["quantity"], 25, "another store, another entry");

    // Credentials are in no log line and no stored byte (while what the
    // stored echo answers hold, their fingerprints, is found there).
    assert!(holds(
        s.state.path(),
        demo_origin::fingerprint(&a).as_bytes()
    )?);
    let logs = s.host.logs();
    for secret in [MERCHANT_TOKEN, "another-merchant-user"] {
        assert!(!logs.contains(secret), "{secret} was logged");
        assert!(
            !holds(s.state.path(), secret.as_bytes())?,
            "{secret} was stored"
        );
    }
    Ok(())
}

/// Whether any file under `dir` holds `needle`.
fn holds(dir: &std::path::Path, needle: &[u8]) -> Result<bool> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let found = if path.is_dir() {
            holds(&path, needle)?
        } else {
            std::fs::read(&path)?
                .windows(needle.len())
                .any(|w| w == needle)
        };
        if found {
            return Ok(true);
        }
    }
    Ok(false)
}
