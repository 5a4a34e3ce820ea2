//! Cache limits and defaults, from the Spin variable `cache_config` (TOML).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::http::response::Refusal;

/// How the edge cache stores and serves.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// Largest value written to the key-value store; bodies above it are
    /// stored in chunks of this size. Real stores cap values (Fermyon
    /// Cloud at 1 MiB), so the default stays below common caps.
    pub chunk_bytes: usize,
    /// Responses larger than this are served but not stored.
    pub max_body_bytes: usize,
    /// `stale-while-revalidate` the edge adds to responses it generates
    /// itself (renditions, pages); origins set their own.
    pub stale_while_revalidate_s: u64,
    /// `stale-if-error` the edge adds to responses it generates itself.
    pub stale_if_error_s: u64,
    /// Query parameters that never change a response (tracking), dropped
    /// from cache keys and from requests to origins. A trailing `*` matches
    /// a prefix.
    pub ignored_query: Vec<String>,
    /// Most query parameters a cache key keeps; more is refused (400
    /// `query-too-many`) rather than silently cut, so the origin never
    /// answers a request other than the one the shopper sent.
    pub max_query_params: usize,
    /// Longest kept query, in bytes; longer is refused (414 `query-too-long`).
    pub max_query_bytes: usize,
    /// Per origin (by its name in `origins`), which query parameters form
    /// the key; origins not named here keep all (within the bounds above).
    pub origins: BTreeMap<String, OriginKey>,
    /// Seconds a fill lock lasts: a request that dies while fetching
    /// holds up the others at most this long.
    pub fill_lock_s: u64,
    /// Longest a miss waits for another request's fetch of the same entry
    /// before fetching itself, in milliseconds.
    pub fill_wait_ms: u64,
    /// How far a purge webhook's signed timestamp may be from now, seconds.
    pub webhook_tolerance_s: u64,
}

/// How one origin's requests form cache keys and what the edge lets
/// through to it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OriginKey {
    /// `"all"` (the default) or the list of parameters the origin reads;
    /// any other parameter is dropped from the key and from the request
    /// sent on.
    #[serde(default = "QueryKey::all")]
    pub query: QueryKey,
    /// Whether clients' `Cache-Control: no-cache` and `max-age` may send
    /// requests through to this origin (see [`super::directives`]); off by
    /// default, so a reload or a script cannot bypass the cache.
    #[serde(default)]
    pub client_revalidation: bool,
    /// Unsafe methods (`POST`, `PUT`, `PATCH`, `DELETE`) passed through to
    /// this origin; none by default (405). Each non-error answer
    /// invalidates what is stored for the URIs it touched.
    #[serde(default)]
    pub methods: Vec<String>,
    /// Request headers of the shopper's sent on to this origin, besides
    /// `Accept` and `Accept-Language` (always) and, on unsafe methods,
    /// `Content-Type`: say `x-api-version` or `x-merchant-store`. Lower
    /// case once parsed; names the edge must own are refused (see
    /// [`CacheConfig::from_toml`]). A response varies on one only when it
    /// says `Vary` on it (RFC 9111 §4.1): then its value is part of the
    /// entry's (hashed) secondary key.
    #[serde(default)]
    pub forward_headers: Vec<String>,
    /// Whether the shopper's `Authorization` reaches this origin. Off by
    /// default: credentials meant for one origin (a merchant's own API)
    /// must never reach another, and a response to a request with
    /// `Authorization` is stored only as RFC 9111 §3.5 allows (`public`,
    /// `s-maxage` or `must-revalidate`), then reused for requests with
    /// other credentials or none. It is never keyed, stored or logged.
    #[serde(default)]
    pub authorization: bool,
}

impl OriginKey {
    /// Whether the shopper's header `name` (lower case) is sent on to
    /// this origin: an allow-listed one, or `authorization` where on.
    pub fn forwards(&self, name: &str) -> bool {
        (name == "authorization" && self.authorization)
            || self.forward_headers.iter().any(|h| h == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "QueryKeyText")]
pub enum QueryKey {
    All,
    Declared(Vec<String>),
}

impl QueryKey {
    fn all() -> QueryKey {
        QueryKey::All
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum QueryKeyText {
    Word(String),
    List(Vec<String>),
}

impl TryFrom<QueryKeyText> for QueryKey {
    type Error = String;
    fn try_from(text: QueryKeyText) -> Result<QueryKey, String> {
        match text {
            QueryKeyText::Word(w) if w == "all" => Ok(QueryKey::All),
            QueryKeyText::Word(w) => Err(format!(
                "query = \"{w}\": say \"all\" or list the parameters"
            )),
            QueryKeyText::List(names) => Ok(QueryKey::Declared(names)),
        }
    }
}

/// Consent strings: never part of a key (they are per shopper) and never
/// sent to an origin; the gate reads them from the shopper's request.
pub const CONSENT_QUERY: &[&str] = &["gdpr_consent", "gdpr", "addtl_consent", "gpp", "gpp_sid"];

impl Default for CacheConfig {
    fn default() -> CacheConfig {
        CacheConfig {
            chunk_bytes: 512 * 1024,
            max_body_bytes: 32 * 1024 * 1024,
            stale_while_revalidate_s: 60,
            stale_if_error_s: 86_400,
            ignored_query: ["utm_*", "gclid", "fbclid", "msclkid"]
                .map(str::to_owned)
                .to_vec(),
            max_query_params: 16,
            max_query_bytes: 512,
            origins: BTreeMap::new(),
            fill_lock_s: 30,
            fill_wait_ms: 1000,
            webhook_tolerance_s: 300,
        }
    }
}

impl CacheConfig {
    /// Reads `cache_config`; empty text keeps the defaults.
    pub fn from_toml(text: &str) -> Result<CacheConfig, Refusal> {
        let invalid = |m: String| Refusal::new(500, "cache-config-invalid", m);
        if text.trim().is_empty() {
            return Ok(CacheConfig::default());
        }
        let config: CacheConfig =
            toml::from_str(text).map_err(|e| invalid(format!("cache_config: {e}")))?;
        // A chunk must hold at least a head record and some body.
        if config.webhook_tolerance_s > 300 {
            return Err(invalid(format!(
                "cache_config: webhook_tolerance_s {} is above 300",
                config.webhook_tolerance_s
            )));
        }
        if config.chunk_bytes < 4096 {
            return Err(invalid(format!(
                "cache_config: chunk_bytes {} is below 4096",
                config.chunk_bytes
            )));
        }
        let mut config = config;
        for (name, origin) in &mut config.origins {
            for header in &mut origin.forward_headers {
                *header = forwardable(name, header)?;
            }
        }
        Ok(config)
    }

    pub fn ignores_query(&self, name: &str) -> bool {
        self.ignored_query
            .iter()
            .any(|p| match p.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => name == p,
            })
    }

    /// The configuration of the origin an edge path goes to, if any.
    pub fn origin(&self, path: &str) -> Option<&OriginKey> {
        path.strip_prefix(crate::routes::origin::PREFIX)
            .map(|rest| rest.split(['/', '?']).next().unwrap_or_default())
            .and_then(|name| self.origins.get(name))
    }

    /// The query rule for an edge path: its origin's, or `All`.
    pub fn query_key(&self, path: &str) -> &QueryKey {
        self.origin(path).map_or(&QueryKey::All, |o| &o.query)
    }

    /// Whether the shopper's header `name` (lower case) goes on to the
    /// origin of an edge path ([`OriginKey::forwards`]).
    pub fn forwards(&self, path: &str, name: &str) -> bool {
        self.origin(path).is_some_and(|o| o.forwards(name))
    }

    /// Whether clients' `no-cache` and `max-age` count for an edge path.
    pub fn client_revalidation(&self, path: &str) -> bool {
        self.origin(path).is_some_and(|o| o.client_revalidation)
    }
}

/// Headers naming the shopper's address or location: the edge decides
/// the market from them only when a trusted proxy sent them, so passed on
/// from a shopper they would let anyone claim another address or country.
/// (A trailing `-` is a prefix.)
const FORWARDING: &[&str] = &[
    "forwarded",
    "via",
    "x-forwarded-",
    "x-real-ip",
    "x-client-ip",
    "x-cluster-client-ip",
    "client-ip",
    "true-client-ip",
    "cf-connecting-ip",
    "fastly-client-ip",
    "cf-ipcountry",
    "cf-region-code",
    "cloudfront-viewer-",
    "fastly-geo-",
    "x-akamai-edgescape",
];

/// Request fields the cache itself sets on what it sends (validators when
/// it revalidates, ranges it passes on) or answers from what it holds: a
/// shopper's copy on a fill would make the origin answer another request
/// than the one stored.
const CACHE_OWN: &[&str] = &[
    "cache-control",
    "pragma",
    "if-match",
    "if-none-match",
    "if-modified-since",
    "if-unmodified-since",
    "if-range",
    "range",
];

/// An allow-listed request header of origin `origin`, lower case; each
/// name the edge must own is refused with its own code.
fn forwardable(origin: &str, header: &str) -> Result<String, Refusal> {
    let refuse = |code: &str, why: &str| {
        Err(Refusal::new(
            500,
            code,
            format!("cache_config: [origins.{origin}] forward_headers: `{header}` {why}"),
        ))
    };
    let Ok(parsed) = http::HeaderName::from_bytes(header.as_bytes()) else {
        return refuse("forward-header-invalid", "is not a header name");
    };
    let name = parsed.as_str();
    let listed = |list: &[&str]| {
        list.iter().any(|l| match l.strip_suffix('-') {
            Some(_) => name.starts_with(l),
            None => name == *l,
        })
    };
    if listed(super::flow::HOP_BY_HOP) || name == "proxy-authorization" {
        return refuse(
            "forward-header-hop-by-hop",
            "belongs to one connection (RFC 9110 §7.6.1), not to the request",
        );
    }
    if name == "host" {
        return refuse(
            "forward-header-host",
            "is the origin's own authority, which the edge sets",
        );
    }
    if name == "cookie" {
        return refuse(
            "forward-header-cookie",
            "carries the shopper's session: cookies never reach an origin",
        );
    }
    if name == "authorization" {
        return refuse(
            "forward-header-authorization",
            "has its own switch: `authorization = true`",
        );
    }
    if name.starts_with("meridian-") {
        return refuse(
            "forward-header-edge",
            "is the edge's own decision, which the edge sets",
        );
    }
    if listed(FORWARDING) {
        return refuse(
            "forward-header-forwarding",
            "names the shopper's address or location, which a shopper could spoof",
        );
    }
    if listed(CACHE_OWN) {
        return refuse(
            "forward-header-cache",
            "is the cache's to send (validators, ranges) or to answer",
        );
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_overrides_and_refuses_nonsense() {
        assert_eq!(CacheConfig::from_toml(""), Ok(CacheConfig::default()));
        let c =
            CacheConfig::from_toml("chunk_bytes = 8192\nignored_query = [\"ref\"]").expect("valid");
        assert_eq!(c.chunk_bytes, 8192);
        assert!(c.ignores_query("ref") && !c.ignores_query("utm_source"));
        assert!(CacheConfig::default().ignores_query("utm_campaign"));
        let c = CacheConfig::from_toml(
            "[origins.catalog]\nquery = [\"page\"]\n[origins.search]\nquery = \"all\"",
        )
        .expect("origins");
        assert_eq!(
            c.query_key("/v1/origin/catalog/p?x=1"),
            &QueryKey::Declared(vec!["page".into()])
        );
        assert_eq!(c.query_key("/v1/origin/search"), &QueryKey::All);
        assert_eq!(c.query_key("/v1/origin/other/p"), &QueryKey::All);
        assert!(
            !c.client_revalidation("/v1/origin/catalog/p"),
            "off by default"
        );
        let c = CacheConfig::from_toml("[origins.live]\nclient_revalidation = true").expect("live");
        assert_eq!(c.query_key("/v1/origin/live/p"), &QueryKey::All);
        assert!(c.client_revalidation("/v1/origin/live/p"));
        assert!(!c.client_revalidation("/v1/media/a/b.jpg"));
        for bad in [
            "chunk_bytes = 10",
            "nope = 1",
            "chunk_bytes = \"x\"",
            "[origins.c]\nquery = \"some\"",
            "webhook_tolerance_s = 3600",
        ] {
            let e = CacheConfig::from_toml(bad).expect_err(bad);
            assert_eq!((e.status, e.code.as_str()), (500, "cache-config-invalid"));
        }
    }

    #[test]
    fn forwarded_headers_are_checked_and_lower_cased() {
        let c = CacheConfig::from_toml(
            "[origins.shop]\nforward_headers = [\"X-Api-Version\", \"x-merchant-store\"]\n\
             [origins.api]\nauthorization = true\n",
        )
        .expect("valid");
        assert_eq!(
            c.origins["shop"].forward_headers,
            ["x-api-version", "x-merchant-store"]
        );
        assert!(c.forwards("/v1/origin/shop/p", "x-api-version"));
        assert!(!c.forwards("/v1/origin/shop/p", "x-other"));
        assert!(
            !c.forwards("/v1/origin/shop/p", "authorization"),
            "credentials are off by default"
        );
        assert!(c.forwards("/v1/origin/api/p", "authorization"));
        assert!(!c.forwards("/v1/origin/api/p", "x-api-version"));
        assert!(
            !c.forwards("/v1/origin/unnamed/p", "accept"),
            "not an extra"
        );
        for (header, code) in [
            ("x api", "forward-header-invalid"),
            ("", "forward-header-invalid"),
            ("x-ü", "forward-header-invalid"),
            ("Connection", "forward-header-hop-by-hop"),
            ("transfer-encoding", "forward-header-hop-by-hop"),
            ("content-length", "forward-header-hop-by-hop"),
            ("proxy-authorization", "forward-header-hop-by-hop"),
            ("te", "forward-header-hop-by-hop"),
            ("Host", "forward-header-host"),
            ("cookie", "forward-header-cookie"),
            ("Authorization", "forward-header-authorization"),
            ("meridian-market", "forward-header-edge"),
            ("Meridian-Anything", "forward-header-edge"),
            ("forwarded", "forward-header-forwarding"),
            ("X-Forwarded-For", "forward-header-forwarding"),
            ("x-forwarded-host", "forward-header-forwarding"),
            ("x-real-ip", "forward-header-forwarding"),
            ("true-client-ip", "forward-header-forwarding"),
            ("cf-ipcountry", "forward-header-forwarding"),
            ("cloudfront-viewer-country", "forward-header-forwarding"),
            ("via", "forward-header-forwarding"),
            ("if-none-match", "forward-header-cache"),
            ("range", "forward-header-cache"),
            ("cache-control", "forward-header-cache"),
        ] {
            let text = format!("[origins.shop]\nforward_headers = [\"x-ok\", {header:?}]\n");
            let e = CacheConfig::from_toml(&text).expect_err(header);
            assert_eq!((e.status, e.code.as_str()), (500, code), "{header}");
            assert!(e.message.contains("[origins.shop]"), "{}", e.message);
        }
        // Near misses of refused names are the merchant's own headers.
        let c = CacheConfig::from_toml(
            "[origins.shop]\nforward_headers = [\"x-forwarded\", \"meridian\", \"x-host\"]\n",
        )
        .expect("allowed");
        assert_eq!(c.origins["shop"].forward_headers.len(), 3);
    }
}
