//! `/v1/origin/{name}/{path}`: a merchant's own origin (a catalog or
//! pricing API) behind the edge cache. Responses are cached as the origin's
//! headers allow (`Cache-Control`, `CDN-Cache-Control`, `Vary`,
//! `Surrogate-Key`); the origin sees the edge's decisions as `meridian-*`
//! headers and never the shopper's cookies, credentials or address.

use crate::cache::flow::{Client, Revalidation};
use crate::cache::{self, CacheConfig, CacheRequest, Clock, Fetched, Kv};
use crate::gate::Admission;
use crate::named_urls::NamedUrls;
use crate::response::{Refusal, Response};

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
        if tail
            .split('?')
            .next()
            .unwrap_or_default()
            .split('/')
            .any(|s| s == "..")
        {
            return Err(Refusal::new(
                400,
                "path-invalid",
                "`..` is not allowed in origin paths",
            ));
        }
        Ok((base, tail))
    }
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
        let url = format!("{}{tail}", pass.base);
        let mut fetched = origin.fetch(&url, &parts).await?;
        // The shopper's request never carried credentials, so a cookie the
        // origin sets is meant for nobody in particular: drop it.
        fetched.headers_mut().remove(http::header::SET_COOKIE);
        Ok(fetched)
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
        let e = o
            .route("/v1/origin/catalog/../admin")
            .expect_err("traversal");
        assert_eq!((e.status, e.code.as_str()), (400, "path-invalid"));
        for bad in ["catalog", "ca talog=http://x", "c=ftp://x"] {
            let e = Origins::parse(bad).expect_err(bad);
            assert_eq!(e.code, "origins-invalid");
        }
        assert_eq!(Origins::parse("").expect("empty"), Origins::default());
    }
}
