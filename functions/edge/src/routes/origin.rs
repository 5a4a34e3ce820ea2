//! `/v1/origin/{name}/{path}`: a merchant's own origin (a catalog or
//! pricing API) behind the edge cache. Responses are cached as the origin's
//! headers allow (`Cache-Control`, `CDN-Cache-Control`, `Vary`,
//! `Surrogate-Key`); the origin sees the edge's decisions as `meridian-*`
//! headers, content negotiation and the headers its configuration
//! forwards ([`shopper_headers`]): never the shopper's cookies or address,
//! and `Authorization` only where its configuration says so.

use crate::cache::flow::{Client, Revalidation};
use crate::cache::{self, CacheConfig, CacheRequest, Clock, Fetched, Kv};
use crate::gate::Admission;
use crate::http::response::{Refusal, Response};
use crate::named_urls::NamedUrls;

/// Route prefix.
pub const PREFIX: &str = "/v1/origin/";

/// Configured origins by name, from the Spin variable `origins`
/// (`name=url` pairs, see [`NamedUrls`]). Each URL's host must also be in
/// the component's `allowed_outbound_hosts`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins {
    urls: NamedUrls,
}

impl Origins {
    pub fn parse(text: &str) -> Result<Origins, Refusal> {
        Ok(Origins {
            urls: NamedUrls::parse(text, "origin", "origins-invalid")?,
        })
    }

    /// The origin's base URL for an edge path, and the path below it.
    pub fn route(&self, path_and_query: &str) -> Result<(&str, String), Refusal> {
        let (name, tail) = split(path_and_query).ok_or_else(|| {
            Refusal::new(
                404,
                "route-unknown",
                format!("no origin route at {path_and_query}"),
            )
        })?;
        let base = self.urls.get(name).ok_or_else(|| {
            Refusal::new(
                404,
                "origin-unknown",
                format!("no origin named `{name}` is configured"),
            )
        })?;
        Ok((base, normalize_tail(base, &tail)?))
    }

    /// The edge path with its origin tail normalised (what the cache keys
    /// and what is fetched), or the refusal of [`Origins::route`].
    pub fn edge_path(&self, path_and_query: &str) -> Result<String, Refusal> {
        let (_, tail) = self.route(path_and_query)?;
        let (name, _) = split(path_and_query).ok_or_else(|| {
            Refusal::new(
                404,
                "route-unknown",
                format!("no origin route at {path_and_query}"),
            )
        })?;
        Ok(format!("{PREFIX}{name}{tail}"))
    }
}

/// A path below an origin: refuses what could reach past its base path
/// or mean something else to the origin than to the edge (each its own
/// 400), drops empty and `.` segments, and checks the joined URL still
/// lies under `base`.
fn normalize_tail(base: &str, tail: &str) -> Result<String, Refusal> {
    let (path, query) = match tail.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (tail, None),
    };
    let refuse = |code: &str, message: &str| Err(Refusal::new(400, code, message.to_owned()));
    let lower = path.to_ascii_lowercase();
    if path.contains('\\') || lower.contains("%5c") {
        return refuse(
            "path-backslash",
            "backslashes are not allowed in origin paths",
        );
    }
    if lower.contains("%2f") {
        return refuse(
            "path-encoded-slash",
            "encoded slashes (%2F) are not allowed in origin paths",
        );
    }
    if path.contains(';') || lower.contains("%3b") {
        return refuse(
            "path-parameter",
            "`;` path parameters are not allowed in origin paths",
        );
    }
    let mut segments = Vec::new();
    for segment in path.split('/') {
        let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
        match (segment, decoded.as_str()) {
            ("..", _) => return refuse("path-traversal", "`..` is not allowed in origin paths"),
            ("" | ".", _) => {}
            (_, "." | "..") => {
                return refuse(
                    "path-encoded-dot",
                    "percent-encoded dot segments (%2E) are not allowed in origin paths",
                );
            }
            (segment, _) => segments.push(segment),
        }
    }
    let mut normalized = format!("/{}", segments.join("/"));
    if path.ends_with('/') && !segments.is_empty() {
        normalized.push('/');
    }
    // Defence in depth: what is fetched must stay under the base path.
    let joined: http::Uri = format!("{base}{normalized}")
        .parse()
        .map_err(|e| Refusal::new(400, "path-invalid", format!("origin path: {e}")))?;
    let base_uri: http::Uri = base
        .parse()
        .map_err(|e| Refusal::new(500, "origins-invalid", format!("origin base: {e}")))?;
    let base_path = base_uri.path().trim_end_matches('/');
    if joined.authority() != base_uri.authority()
        || !joined.path().starts_with(base_path)
        || !matches!(
            joined.path().as_bytes().get(base_path.len()),
            None | Some(b'/')
        )
    {
        return refuse(
            "path-outside-origin",
            "the path leaves the origin's base path",
        );
    }
    Ok(match query {
        Some(query) => format!("{normalized}?{query}"),
        None => normalized,
    })
}

/// `/v1/origin/{name}{tail}` as the name and the tail (`/` at least).
fn split(path_and_query: &str) -> Option<(&str, String)> {
    let rest = path_and_query.strip_prefix(PREFIX)?;
    let at = rest.find(['/', '?']).unwrap_or(rest.len());
    let (name, tail) = rest.split_at(at);
    let tail = if tail.starts_with('/') {
        tail.to_owned()
    } else {
        format!("/{tail}")
    };
    Some((name, tail))
}

/// The headers the origin sees from the edge's decisions, so it can answer
/// per market and language and say so with `Vary`.
pub fn decision_headers(admission: &Admission) -> [(&'static str, String); 3] {
    [
        ("meridian-market", admission.decision.market.clone()),
        ("meridian-locale", admission.locale.locale.clone()),
        ("meridian-currency", admission.currency.clone()),
    ]
}

/// The shopper's request headers an origin gets besides the edge's
/// decisions: `Accept` and `Accept-Language`, and what the origin's
/// `cache_config` section forwards (`forward_headers`; `Authorization`
/// with `authorization = true`). Never the shopper's `meridian-*` (the
/// edge states its own decisions), cookies or addresses: the
/// configuration refuses those names.
pub fn shopper_headers<'a>(
    config: &CacheConfig,
    edge_path: &str,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<(&'a str, &'a str)> {
    headers
        .into_iter()
        .filter(|(name, _)| {
            let name = name.to_ascii_lowercase();
            matches!(name.as_str(), "accept" | "accept-language")
                || config.forwards(edge_path, &name)
        })
        .collect()
}

/// Sends an origin request; hosts give Spin's outbound HTTP, tests a server.
pub trait OriginClient {
    /// `url` is absolute; `parts` carries the method and headers to send,
    /// `body` the request's content (empty for `GET` and `HEAD`).
    fn send(
        &self,
        url: &str,
        parts: &http::request::Parts,
        body: &[u8],
    ) -> impl Future<Output = Result<Fetched, Refusal>>;

    /// A request without content (what the cache sends).
    fn fetch(
        &self,
        url: &str,
        parts: &http::request::Parts,
    ) -> impl Future<Output = Result<Fetched, Refusal>> {
        self.send(url, parts, &[])
    }
}

/// Methods that never change the origin's state (RFC 9110 §9.2.1): the
/// cache answers them; any other is passed through when the origin's
/// configuration lists it (`cache_config`, `[origins.<name>] methods`).
pub fn is_safe(method: &http::Method) -> bool {
    matches!(
        *method,
        http::Method::GET | http::Method::HEAD | http::Method::OPTIONS | http::Method::TRACE
    )
}

/// An unsafe request as [`pass_unsafe`] sends it on.
#[derive(Debug, Clone, Copy)]
pub struct Unsafe<'a> {
    pub origins: &'a Origins,
    /// The edge path and query as requested.
    pub requested: &'a str,
    /// The method and the headers the origin may see.
    pub parts: &'a http::request::Parts,
    pub body: &'a [u8],
}

/// One request with an unsafe method (`POST`, `PUT`, `PATCH`, `DELETE`)
/// passed to the origin, never stored. After a non-error answer (2xx,
/// 3xx) the stored responses for the target URI and for the `Location`
/// and `Content-Location` URIs that lie on the same origin are
/// invalidated (RFC 9111 §4.4); other URIs are left alone, so an origin
/// cannot purge what is not its own. Those same-origin values reach the
/// shopper as the edge paths that name them (`/v1/origin/<name>/...`),
/// so a storefront can follow them.
pub async fn pass_unsafe<K: Kv, C: OriginClient>(
    request: Unsafe<'_>,
    kv: &K,
    config: &CacheConfig,
    origin: &C,
    now: u64,
) -> Result<Response, Refusal> {
    let Unsafe {
        origins,
        requested,
        parts,
        body,
    } = request;
    let method = parts.method.as_str();
    let (base, tail) = origins.route(requested)?;
    let edge_path = origins.edge_path(requested)?;
    let allowed = config
        .origin(&edge_path)
        .is_some_and(|o| o.methods.iter().any(|m| m.eq_ignore_ascii_case(method)));
    if !allowed {
        return Err(Refusal::new(
            405,
            "method-not-allowed",
            format!(
                "{method} is not allowed to this origin (cache_config: [origins.<name>] methods)"
            ),
        ));
    }
    let url = format!("{base}{tail}");
    let mut fetched = origin.send(&url, parts, body).await?;
    drop_origin_only_headers(fetched.headers_mut());
    let status = fetched.status();
    let name = split(&edge_path)
        .map(|(n, _)| n.to_owned())
        .unwrap_or_default();
    // Same-origin `Location` / `Content-Location` as the edge paths that
    // name them: what is invalidated, and what the shopper is told.
    let touched: Vec<(&str, String)> = ["location", "content-location"]
        .into_iter()
        .filter_map(|field| {
            let value = fetched.headers().get(field)?.to_str().ok()?;
            Some((field, edge_path_of(base, &url, &name, value)?))
        })
        .collect();
    if status.is_success() || status.is_redirection() {
        let mut urls = vec![edge_path.clone()];
        urls.extend(touched.iter().map(|(_, path)| path.clone()));
        let purge = cache::purge::PurgeRequest {
            urls,
            tags: Vec::new(),
            soft: false,
        };
        cache::purge::purge(kv, config, &purge, now)?;
    }
    let (parts, body) = fetched.into_parts();
    let mut response = Response::new(parts.status.as_u16());
    response.headers = parts
        .headers
        .iter()
        .filter(|(n, _)| !crate::cache::flow::HOP_BY_HOP.contains(&n.as_str()))
        .filter_map(|(n, v)| {
            let value = match touched.iter().find(|(field, _)| *field == n.as_str()) {
                Some((_, edge)) => edge.clone(),
                None => v.to_str().ok()?.to_owned(),
            };
            Some((n.as_str().to_owned(), value))
        })
        .collect();
    response.headers.push((
        "cache-status".into(),
        cache::status::CacheStatus::new(cache::status::Forward::Method)
            .fwd_status(parts.status.as_u16())
            .value(),
    ));
    response.body = body;
    Ok(response)
}

/// The edge path (`/v1/origin/<name>/...`) of a `Location` or
/// `Content-Location` value, resolved against the request's `url`; `None`
/// when it leaves the origin's base URL or does not parse.
fn edge_path_of(base: &str, url: &str, name: &str, value: &str) -> Option<String> {
    let request: http::Uri = url.parse().ok()?;
    let value = value.trim();
    let absolute = if value.contains("://") {
        value.to_owned()
    } else if value.starts_with("//") {
        format!("{}:{value}", request.scheme_str()?)
    } else {
        let origin = format!("{}://{}", request.scheme_str()?, request.authority()?);
        if value.starts_with('/') {
            format!("{origin}{value}")
        } else {
            // Relative to the request path's directory.
            let dir = request.path().rsplit_once('/').map_or("", |(d, _)| d);
            format!("{origin}{dir}/{value}")
        }
    };
    let target: http::Uri = absolute.parse().ok()?;
    let base_uri: http::Uri = base.parse().ok()?;
    if target.scheme() != base_uri.scheme() || target.authority() != base_uri.authority() {
        return None;
    }
    let base_path = base_uri.path().trim_end_matches('/');
    let rest = target.path().strip_prefix(base_path)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let query = target.query().map(|q| format!("?{q}")).unwrap_or_default();
    let tail = normalize_tail(base, &format!("{rest}{query}")).ok()?;
    Some(format!("{PREFIX}{name}{tail}"))
}

/// One pass-through request.
pub struct Pass {
    /// The origin's base URL.
    pub base: String,
    pub request: CacheRequest,
}

/// Answers through the cache; `revalidation` runs after the response.
pub async fn serve<K: Kv, C: OriginClient>(
    pass: &Pass,
    client: Client<'_>,
    kv: &K,
    config: &CacheConfig,
    origin: &C,
    clock: Clock<'_>,
) -> Result<(Response, Option<Revalidation>), Refusal> {
    let fetch = origin_fetch(pass, origin);
    let outcome = cache::serve(kv, config, &pass.request, client, clock, fetch).await?;
    Ok((outcome.response, outcome.revalidation))
}

/// The cache's fetch: the cache request's path against the origin's base.
pub fn origin_fetch<'a, C: OriginClient>(
    pass: &'a Pass,
    origin: &'a C,
) -> impl AsyncFn(http::request::Parts) -> Result<Fetched, Refusal> + 'a {
    async move |parts: http::request::Parts| {
        let edge_path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let tail = split(edge_path).map_or_else(|| "/".to_owned(), |(_, tail)| tail);
        let url = format!("{}{}", pass.base, normalize_tail(&pass.base, &tail)?);
        let mut fetched = origin.fetch(&url, &parts).await?;
        drop_origin_only_headers(fetched.headers_mut());
        Ok(fetched)
    }
}

/// What an origin may not say to shoppers through the edge: a cookie
/// (the request never carried credentials, so it is meant for nobody in
/// particular) and any `meridian-*` header, which would pass for the
/// edge's own decisions (market, policy version); the edge sets its own.
fn drop_origin_only_headers(headers: &mut http::HeaderMap) {
    headers.remove(http::header::SET_COOKIE);
    let edge_own: Vec<http::HeaderName> = headers
        .keys()
        .filter(|n| n.as_str().starts_with("meridian-"))
        .cloned()
        .collect();
    for name in edge_own {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_parse_and_route() {
        let o = Origins::parse("catalog = http://127.0.0.1:9000/api/, prices=https://p.example")
            .expect("valid");
        assert_eq!(
            o.route("/v1/origin/catalog/products/1?x=1")
                .expect("routed"),
            ("http://127.0.0.1:9000/api", "/products/1?x=1".to_owned())
        );
        assert_eq!(o.route("/v1/origin/prices").expect("routed").1, "/");
        assert_eq!(o.route("/v1/origin/prices?a=1").expect("routed").1, "/?a=1");
        let e = o.route("/v1/origin/nope/x").expect_err("unknown");
        assert_eq!((e.status, e.code.as_str()), (404, "origin-unknown"));
        for (bad, code) in [
            ("/v1/origin/catalog/../admin", "path-traversal"),
            ("/v1/origin/catalog/%2e%2e/admin", "path-encoded-dot"),
            ("/v1/origin/catalog/%2E%2E/admin", "path-encoded-dot"),
            ("/v1/origin/catalog/.%2E/admin", "path-encoded-dot"),
            ("/v1/origin/catalog/%2e./admin", "path-encoded-dot"),
            ("/v1/origin/catalog/a/%2e/b", "path-encoded-dot"),
            ("/v1/origin/catalog/p;jsessionid=1", "path-parameter"),
            ("/v1/origin/catalog/p%3Bx", "path-parameter"),
            ("/v1/origin/catalog/a\\..\\admin", "path-backslash"),
            ("/v1/origin/catalog/a%5C..%5Cadmin", "path-backslash"),
            ("/v1/origin/catalog/..%2Fadmin", "path-encoded-slash"),
            ("/v1/origin/catalog/a%2fb", "path-encoded-slash"),
        ] {
            let e = o.route(bad).expect_err(bad);
            assert_eq!((e.status, e.code.as_str()), (400, code), "{bad}");
        }
        // Normalised: empty and `.` segments go; queries and dots inside
        // names stay.
        assert_eq!(
            o.edge_path("/v1/origin/catalog//products/./1.json?x=..")
                .expect("ok"),
            "/v1/origin/catalog/products/1.json?x=.."
        );
        assert_eq!(
            o.route("/v1/origin/catalog/a/").expect("ok").1,
            "/a/",
            "a trailing slash is the origin's to interpret"
        );
        for bad in ["catalog", "ca talog=http://x", "c=ftp://x"] {
            let e = Origins::parse(bad).expect_err(bad);
            assert_eq!(e.code, "origins-invalid");
        }
        assert_eq!(Origins::parse("").expect("empty"), Origins::default());
    }

    /// An origin that claims the edge's decisions for itself.
    struct Impostor {
        asked: std::cell::RefCell<Vec<String>>,
    }

    impl OriginClient for Impostor {
        async fn send(
            &self,
            url: &str,
            _parts: &http::request::Parts,
            _body: &[u8],
        ) -> Result<Fetched, Refusal> {
            self.asked.borrow_mut().push(url.to_owned());
            http::Response::builder()
                .header("cache-control", "max-age=60")
                .header("meridian-market", "XX")
                .header("Meridian-Policy-Version", "forged")
                .header("set-cookie", "a=1")
                .header("content-type", "application/json")
                .body(b"{}".to_vec())
                .map_err(|e| Refusal::new(500, "test", e.to_string()))
        }
    }

    #[test]
    fn origin_meridian_headers_are_neither_stored_nor_forwarded() {
        let kv = crate::cache::MemoryKv::default();
        let config = CacheConfig::default();
        let origin = Impostor {
            asked: Default::default(),
        };
        let pass = Pass {
            base: "http://127.0.0.1:9000/api".into(),
            request: CacheRequest::new("/v1/origin/catalog//p/./1?a=1", [], &config)
                .expect("request"),
        };
        for round in ["miss", "hit"] {
            let (response, _) = futures_executor::block_on(serve(
                &pass,
                Client::default(),
                &kv,
                &config,
                &origin,
                &|| 1_790_000_000,
            ))
            .expect("served");
            let names: Vec<String> = response
                .headers
                .iter()
                .map(|(n, _)| n.to_ascii_lowercase())
                .collect();
            assert!(
                names
                    .iter()
                    .all(|n| !n.starts_with("meridian-") && n != "set-cookie"),
                "{round}: {names:?}"
            );
            assert_eq!(response.get("content-type"), Some("application/json"));
        }
        assert_eq!(
            *origin.asked.borrow(),
            ["http://127.0.0.1:9000/api/p/1?a=1"],
            "fetched once, normalised"
        );
    }

    /// An origin that answers from a list and records what it was sent.
    #[derive(Default)]
    struct Scripted {
        answers: std::cell::RefCell<Vec<Fetched>>,
        sent: std::cell::RefCell<Vec<(String, String, Vec<u8>)>>,
    }

    impl OriginClient for Scripted {
        async fn send(
            &self,
            url: &str,
            parts: &http::request::Parts,
            body: &[u8],
        ) -> Result<Fetched, Refusal> {
            self.sent
                .borrow_mut()
                .push((parts.method.to_string(), url.to_owned(), body.to_vec()));
            let mut answers = self.answers.borrow_mut();
            if answers.is_empty() {
                return Err(Refusal::new(502, "test", "no answer left"));
            }
            Ok(answers.remove(0))
        }
    }

    fn answer(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Fetched {
        let mut b = http::Response::builder().status(status);
        for (n, v) in headers {
            b = b.header(*n, *v);
        }
        b.body(body.to_vec()).expect("response")
    }

    #[test]
    fn unsafe_methods_pass_through_and_invalidate_what_they_touch() {
        let kv = crate::cache::MemoryKv::default();
        let config =
            CacheConfig::from_toml("[origins.catalog]\nmethods = [\"POST\", \"DELETE\"]\n")
                .expect("config");
        let origins = Origins::parse("catalog=http://127.0.0.1:9000/api").expect("origins");
        let origin = Scripted::default();
        let get = |path: &str| {
            let pass = Pass {
                base: "http://127.0.0.1:9000/api".into(),
                request: CacheRequest::new(path, [], &config).expect("request"),
            };
            futures_executor::block_on(serve(
                &pass,
                Client::default(),
                &kv,
                &config,
                &origin,
                &|| 1_790_000_000,
            ))
            .expect("served")
            .0
        };
        let cached = [("cache-control", "max-age=600")];
        for path in [
            "/v1/origin/catalog/p",
            "/v1/origin/catalog/p/2",
            "/v1/origin/catalog/q",
        ] {
            origin
                .answers
                .borrow_mut()
                .push(answer(200, &cached, b"v1"));
            get(path);
        }
        assert_eq!(origin.sent.borrow().len(), 3);
        let parts = |method: &str| {
            http::Request::builder()
                .method(method)
                .uri("/v1/origin/catalog/p")
                .body(())
                .expect("request")
                .into_parts()
                .0
        };
        let send = |method: &str| {
            let parts = parts(method);
            let request = Unsafe {
                origins: &origins,
                requested: "/v1/origin/catalog/p",
                parts: &parts,
                body: b"{\"sku\":2}",
            };
            futures_executor::block_on(pass_unsafe(request, &kv, &config, &origin, 1_790_000_010))
        };
        // PUT is not listed: refused before the origin hears of it.
        let e = send("PUT").expect_err("not allowed");
        assert_eq!((e.status, e.code.as_str()), (405, "method-not-allowed"));
        assert_eq!(origin.sent.borrow().len(), 3);
        // An error answer invalidates nothing.
        origin
            .answers
            .borrow_mut()
            .push(answer(409, &[], b"conflict"));
        assert_eq!(send("POST").expect("passed").status, 409);
        assert!(
            get("/v1/origin/catalog/p")
                .get("cache-status")
                .unwrap_or_default()
                .contains("hit")
        );
        // A success invalidates the target and same-origin Location /
        // Content-Location, not another origin's URI nor an untouched one.
        origin.answers.borrow_mut().push(answer(
            201,
            &[
                ("location", "/api/p/2"),
                ("content-location", "http://elsewhere.example/api/q"),
                ("set-cookie", "a=1"),
            ],
            b"created",
        ));
        let r = send("POST").expect("passed");
        assert_eq!((r.status, r.body.as_slice()), (201, &b"created"[..]));
        assert!(
            r.get("cache-status")
                .unwrap_or_default()
                .contains("fwd=method")
        );
        assert_eq!(r.get("set-cookie"), None);
        assert_eq!(
            r.get("location"),
            Some("/v1/origin/catalog/p/2"),
            "the shopper is told the edge path"
        );
        assert_eq!(
            r.get("content-location"),
            Some("http://elsewhere.example/api/q"),
            "another origin's URI is passed as it is"
        );
        let sent = origin.sent.borrow().last().cloned().expect("sent");
        assert_eq!(
            sent,
            (
                "POST".to_owned(),
                "http://127.0.0.1:9000/api/p".to_owned(),
                b"{\"sku\":2}".to_vec()
            )
        );
        for (path, again) in [
            ("/v1/origin/catalog/p", true),
            ("/v1/origin/catalog/p/2", true),
            ("/v1/origin/catalog/q", false),
        ] {
            origin
                .answers
                .borrow_mut()
                .push(answer(200, &cached, b"v2"));
            let before = origin.sent.borrow().len();
            get(path);
            assert_eq!(origin.sent.borrow().len() > before, again, "{path}");
            origin.answers.borrow_mut().clear();
        }
    }

    #[test]
    fn shoppers_headers_reach_an_origin_only_as_configured() {
        let config = CacheConfig::from_toml(
            "[origins.catalog]\nforward_headers = [\"x-api-version\"]\n\
             [origins.merchant]\nforward_headers = [\"x-merchant-store\"]\nauthorization = true\n",
        )
        .expect("config");
        let sent = [
            ("Accept", "application/json"),
            ("accept-language", "de"),
            ("X-Api-Version", "2"),
            ("x-merchant-store", "eu-main"),
            ("Authorization", "Bearer t"),
            ("cookie", "session=1"),
            ("meridian-market", "XX"),
            ("x-forwarded-for", "203.0.113.9"),
            ("user-agent", "test"),
        ];
        let names = |path: &str| -> Vec<String> {
            shopper_headers(&config, path, sent)
                .into_iter()
                .map(|(n, _)| n.to_ascii_lowercase())
                .collect()
        };
        assert_eq!(
            names("/v1/origin/catalog/p"),
            ["accept", "accept-language", "x-api-version"]
        );
        assert_eq!(
            names("/v1/origin/merchant/stock/1"),
            [
                "accept",
                "accept-language",
                "x-merchant-store",
                "authorization"
            ]
        );
        assert_eq!(names("/v1/origin/other/p"), ["accept", "accept-language"]);
    }

    #[test]
    fn location_values_map_to_edge_paths_only_on_the_same_origin() {
        let base = "http://127.0.0.1:9000/api";
        let url = "http://127.0.0.1:9000/api/products/1";
        for (value, expected) in [
            ("/api/products/2", Some("/v1/origin/catalog/products/2")),
            ("2", Some("/v1/origin/catalog/products/2")),
            (
                "http://127.0.0.1:9000/api/x?a=1",
                Some("/v1/origin/catalog/x?a=1"),
            ),
            ("//127.0.0.1:9000/api/y", Some("/v1/origin/catalog/y")),
            ("/apix/z", None),
            ("/other", None),
            ("https://127.0.0.1:9000/api/x", None),
            ("http://evil.example/api/x", None),
            ("/api/../admin", None),
        ] {
            assert_eq!(
                edge_path_of(base, url, "catalog", value).as_deref(),
                expected,
                "{value}"
            );
        }
    }
}
