//! `/v1/origin/{name}/{path}`: a merchant's own origin (a catalog or
//! pricing API) behind the edge cache. Responses are cached as the origin's
//! headers allow (`Cache-Control`, `CDN-Cache-Control`, `Vary`,
//! `Surrogate-Key`); the origin sees the edge's decisions as `meridian-*`
//! headers and never the shopper's cookies, credentials or address.

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

/// Sends an origin request; hosts give Spin's outbound HTTP, tests a server.
pub trait OriginClient {
    /// `url` is absolute; `parts` carries the method and headers to send.
    fn fetch(
        &self,
        url: &str,
        parts: &http::request::Parts,
    ) -> impl Future<Output = Result<Fetched, Refusal>>;
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
        async fn fetch(
            &self,
            url: &str,
            _parts: &http::request::Parts,
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
}
