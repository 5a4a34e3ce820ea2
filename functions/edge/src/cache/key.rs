//! Which stored entry a request may use. The primary key is the route and
//! the canonical URL; the secondary key is the values of the request
//! headers the stored response names in `Vary` (RFC 9111 §4.1), hashed.
//!
//! A cache request holds only what the edge sends on: content
//! negotiation, the edge's own decisions (market, locale, currency,
//! experiment variant) and, per origin, the headers its configuration
//! allow-lists (`forward_headers`). A `Vary` on any of those splits the
//! entry by its value. A `Vary` on a header the edge never sends (one not
//! allow-listed, `User-Agent`, `Accept-Encoding`) names a value the origin
//! never saw: every request the edge makes lacks it, so the entry is one
//! variant and no shopper's value of that header can split or poison it.
//! A `Vary` on credentials or cookies marks a response as someone's own:
//! it is not stored. `Authorization`, for origins configured to get it,
//! travels beside the request, never in a key or a stored record.

use sha2::{Digest, Sha256};

use super::CacheConfig;
use super::config::{CONSENT_QUERY, QueryKey};
use crate::http::response::Refusal;

/// Request headers every cached fetch may carry to a backend or origin;
/// an origin's `forward_headers` add to them.
pub const SHAREABLE_HEADERS: &[&str] = &[
    "accept",
    "accept-language",
    "meridian-market",
    "meridian-locale",
    "meridian-currency",
    "meridian-variant",
];

/// Request headers that make a response that varies on them someone's own.
const PERSONAL_HEADERS: &[&str] = &["authorization", "cookie", "proxy-authorization"];

/// What the request stored with a response (its RFC 9111 policy) says in
/// place of the shopper's `Authorization`: that there was one, which is
/// all the storage rules (§3.5) read, and not what it was.
const CREDENTIALS_WITHHELD: &str = "withheld";

/// The request as the cache sees it: canonical, and stripped of anything
/// personal (cookies and client addresses never reach it; credentials
/// only as [`CacheRequest::fetch_parts`] sends them).
#[derive(Debug, Clone)]
pub struct CacheRequest {
    /// The canonical path and query, e.g. `/v1/origin/catalog/p/1?a=1`:
    /// what a purge by URL names.
    pub url: String,
    /// The URL and the route's scope (e.g. a preset's version): what the
    /// entries of one response are stored under.
    pub primary: String,
    /// What storage and freshness are judged on: the headers sent on,
    /// `Authorization` (when sent) as [`CREDENTIALS_WITHHELD`].
    pub request: http::Request<()>,
    /// The shopper's `Authorization` for an origin configured to get it
    /// (marked sensitive, so `Debug` never prints it).
    credentials: Option<http::HeaderValue>,
}

impl CacheRequest {
    /// `path_and_query` is the URL as requested; `headers` are the
    /// request's (or the edge's own decisions as `meridian-*`); only
    /// [`SHAREABLE_HEADERS`] and what the URL's origin forwards
    /// ([`CacheConfig::forwards`]) are kept.
    pub fn new<'a>(
        path_and_query: &str,
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
        config: &CacheConfig,
    ) -> Result<CacheRequest, Refusal> {
        let canonical = canonical_url(path_and_query, config)?;
        let uri: http::Uri = canonical
            .parse()
            .map_err(|e| Refusal::new(400, "url-invalid", format!("`{path_and_query}`: {e}")))?;
        let invalid = |e: http::Error| Refusal::new(400, "header-invalid", e.to_string());
        let mut builder = http::Request::builder().method("GET").uri(uri);
        let mut credentials = None;
        for (name, value) in headers {
            let name = name.to_ascii_lowercase();
            if !SHAREABLE_HEADERS.contains(&name.as_str()) && !config.forwards(&canonical, &name) {
                continue;
            }
            if name == "authorization" {
                if credentials.is_none() {
                    let mut value =
                        http::HeaderValue::from_str(value.trim()).map_err(|e| invalid(e.into()))?;
                    value.set_sensitive(true);
                    credentials = Some(value);
                    builder = builder.header(name, CREDENTIALS_WITHHELD);
                }
                continue;
            }
            builder = builder.header(name, normalize(value));
        }
        let request = builder.body(()).map_err(invalid)?;
        Ok(CacheRequest {
            primary: canonical.clone(),
            url: canonical,
            request,
            credentials,
        })
    }

    /// Stores under `scope` too: entries of another scope (an older preset
    /// version) are never used, while a purge by URL still reaches them.
    pub fn scoped(mut self, scope: &str) -> CacheRequest {
        self.primary = format!("{}#{scope}", self.url);
        self
    }

    /// The request a fetch for this one sends: its headers, with the
    /// shopper's own `Authorization` where the origin gets it.
    pub fn fetch_parts(&self) -> http::request::Parts {
        let mut parts = self.request.clone().into_parts().0;
        if let Some(credentials) = &self.credentials {
            parts
                .headers
                .insert(http::header::AUTHORIZATION, credentials.clone());
        }
        parts
    }

    /// The stored-entry id for the response that varies on `vary` (names
    /// as stored, lower case, sorted).
    pub fn entry_id(&self, vary: &[String]) -> String {
        let mut h = Sha256::new();
        h.update(self.primary.as_bytes());
        for name in vary {
            h.update(b"\n");
            h.update(name.as_bytes());
            h.update(b"=");
            for value in self.request.headers().get_all(name.as_str()) {
                h.update(value.as_bytes());
                h.update(b",");
            }
        }
        hex::encode(&h.finalize()[..16])
    }
}

/// Why a response's `Vary` keeps it out of the shared cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaryRefusal {
    /// `Vary: *`: no request can be matched.
    Any,
    /// Credentials or a cookie (`authorization`, `cookie`, ...): the
    /// response is someone's own.
    Personal(String),
}

/// The header names of a `Vary` value, lower case, sorted and unique.
pub fn vary_names<'a>(
    values: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<String>, VaryRefusal> {
    let mut names = Vec::new();
    for name in values.into_iter().flat_map(|v| v.split(',')) {
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() {
            continue;
        }
        if name == "*" {
            return Err(VaryRefusal::Any);
        }
        if PERSONAL_HEADERS.contains(&name.as_str()) {
            return Err(VaryRefusal::Personal(name));
        }
        names.push(name);
    }
    names.sort();
    names.dedup();
    Ok(names)
}

/// Path plus the query the key keeps, sorted, so `?b=1&a=2&utm_source=x`
/// and `?a=2&b=1` share an entry. Dropped: consent strings, tracking
/// parameters, and for an origin that declares its parameters every other
/// one. What is kept is bounded in count and length (refused beyond). The
/// request sent on is this URL, so the key and the fetch never disagree.
fn canonical_url(path_and_query: &str, config: &CacheConfig) -> Result<String, Refusal> {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let rule = config.query_key(path);
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let name = percent_decoded(p.split('=').next().unwrap_or(p));
            let keep = match rule {
                QueryKey::All => true,
                QueryKey::Declared(names) => names.contains(&name),
            };
            keep && !config.ignores_query(&name)
                && !CONSENT_QUERY.iter().any(|c| c.eq_ignore_ascii_case(&name))
        })
        .collect();
    if params.len() > config.max_query_params {
        return Err(Refusal::new(
            400,
            "query-too-many",
            format!(
                "{} query parameters; the cache keys at most {}",
                params.len(),
                config.max_query_params
            ),
        ));
    }
    params.sort_unstable();
    let query = params.join("&");
    if query.len() > config.max_query_bytes {
        return Err(Refusal::new(
            414,
            "query-too-long",
            format!(
                "a query of {} bytes; the cache keys at most {}",
                query.len(),
                config.max_query_bytes
            ),
        ));
    }
    Ok(if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    })
}

/// A query parameter's name with `%XX` escapes decoded (lossy), so an
/// escaped consent or tracking name is recognised.
fn percent_decoded(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Header values compared as the same when they differ only in spacing.
fn normalize(value: &str) -> String {
    value
        .split(',')
        .map(|part| part.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(path: &str, headers: &[(&str, &str)]) -> CacheRequest {
        CacheRequest::new(path, headers.iter().copied(), &CacheConfig::default())
            .expect("valid request")
    }

    #[test]
    fn canonical_urls_share_entries() {
        let a = req("/p?b=1&a=2&utm_source=mail&gclid=9", &[]);
        let b = req("/p?a=2&b=1", &[]);
        assert_eq!(a.primary, "/p?a=2&b=1");
        assert_eq!(a.primary, b.primary);
        assert_eq!(req("/p?", &[]).primary, "/p");
        let scoped = req("/p", &[]).scoped("v2");
        assert_eq!(
            (scoped.url.as_str(), scoped.primary.as_str()),
            ("/p", "/p#v2")
        );
        assert_ne!(req("/p?a=1", &[]).primary, req("/p?a=2", &[]).primary);
    }

    #[test]
    fn consent_and_undeclared_parameters_leave_the_key_and_the_fetch() {
        let config =
            CacheConfig::from_toml("[origins.catalog]\nquery = [\"page\", \"q\"]").expect("config");
        let r = |p: &str| CacheRequest::new(p, [], &config);
        let declared =
            r("/v1/origin/catalog/p?zz=1&page=2&gdpr_consent=CP&gpp=x&q=a").expect("declared");
        assert_eq!(declared.url, "/v1/origin/catalog/p?page=2&q=a");
        assert_eq!(
            declared.request.uri().to_string(),
            declared.url,
            "what is fetched is what is keyed"
        );
        for (other, want) in [
            (
                "/v1/origin/search/p?zz=1&GDPR=1&gdpr%5Fconsent=x&addtl_consent=1&gpp_sid=2",
                "/v1/origin/search/p?zz=1",
            ),
            ("/p?gdpr_consent=x", "/p"),
        ] {
            assert_eq!(r(other).expect("all").url, want);
        }
        let many: String = (0..17).map(|i| format!("p{i}=1&")).collect();
        let e = r(&format!("/v1/origin/search/x?{many}")).expect_err("too many");
        assert_eq!((e.status, e.code.as_str()), (400, "query-too-many"));
        let e = r(&format!("/v1/origin/search/x?a={}", "x".repeat(600))).expect_err("too long");
        assert_eq!((e.status, e.code.as_str()), (414, "query-too-long"));
        // Undeclared parameters never count against the bounds.
        assert_eq!(
            r(&format!("/v1/origin/catalog/x?{many}"))
                .expect("stripped")
                .url,
            "/v1/origin/catalog/x"
        );
    }

    #[test]
    fn personal_headers_never_enter_the_cache_request() {
        let r = req(
            "/p",
            &[
                ("Cookie", "session=secret"),
                ("Authorization", "Bearer x"),
                ("X-Forwarded-For", "203.0.113.9"),
                ("Accept", "application/json"),
                ("meridian-market", "DE"),
            ],
        );
        let parts = r.fetch_parts();
        let names: Vec<_> = parts.headers.keys().map(|n| n.as_str()).collect();
        assert_eq!(names, ["accept", "meridian-market"]);
    }

    #[test]
    fn entry_ids_follow_the_varied_headers_only() {
        let de = req("/p", &[("meridian-market", "DE"), ("accept", "a/b")]);
        let fr = req("/p", &[("meridian-market", "FR"), ("accept", "a/b")]);
        let de_other_accept = req("/p", &[("meridian-market", "DE"), ("accept", "c/d")]);
        let vary = vec!["meridian-market".to_owned()];
        assert_ne!(de.entry_id(&vary), fr.entry_id(&vary));
        assert_eq!(de.entry_id(&vary), de_other_accept.entry_id(&vary));
        assert_eq!(de.entry_id(&[]), fr.entry_id(&[]));
        // Spacing is not a different variant.
        let spaced = req("/p", &[("accept", "a/b,  c/d")]);
        let tight = req("/p", &[("accept", "a/b, c/d")]);
        let vary = vec!["accept".to_owned()];
        assert_eq!(spaced.entry_id(&vary), tight.entry_id(&vary));
    }

    #[test]
    fn vary_on_personal_headers_is_refused() {
        assert_eq!(
            vary_names(["Meridian-Market, accept", "accept"]),
            Ok(vec!["accept".to_owned(), "meridian-market".to_owned()])
        );
        assert_eq!(vary_names(["*"]), Err(VaryRefusal::Any));
        for personal in ["Cookie", "authorization", "Proxy-Authorization"] {
            assert_eq!(
                vary_names([format!("accept, {personal}").as_str()]),
                Err(VaryRefusal::Personal(personal.to_ascii_lowercase()))
            );
        }
        assert_eq!(
            vary_names(["X-Api-Version, accept-encoding"]),
            Ok(vec![
                "accept-encoding".to_owned(),
                "x-api-version".to_owned()
            ])
        );
        assert_eq!(vary_names([""]), Ok(vec![]));
    }

    fn shop_config() -> CacheConfig {
        CacheConfig::from_toml(
            "[origins.shop]\nforward_headers = [\"x-api-version\"]\nauthorization = true\n",
        )
        .expect("config")
    }

    fn shop(headers: &[(&str, &str)]) -> CacheRequest {
        CacheRequest::new("/v1/origin/shop/p", headers.iter().copied(), &shop_config())
            .expect("request")
    }

    #[test]
    fn allow_listed_headers_are_sent_and_split_entries_only_when_varied() {
        let v1 = shop(&[("X-Api-Version", "1"), ("x-debug", "a")]);
        let v2 = shop(&[("x-api-version", "2"), ("x-debug", "b")]);
        assert_eq!(
            v1.fetch_parts()
                .headers
                .get("x-api-version")
                .map(|v| v.as_bytes()),
            Some(&b"1"[..])
        );
        assert!(
            v1.fetch_parts().headers.get("x-debug").is_none(),
            "not allow-listed: never sent"
        );
        // Only a Vary on it splits the entry.
        assert_eq!(v1.entry_id(&[]), v2.entry_id(&[]));
        let vary = vary_names(["x-api-version"]).expect("vary");
        assert_ne!(v1.entry_id(&vary), v2.entry_id(&vary));
        // A Vary on a header the edge never sends names a value the origin
        // never saw: one entry whatever shoppers send, so none can split
        // or poison it.
        let vary = vary_names(["x-debug"]).expect("vary");
        assert_eq!(v1.entry_id(&vary), v2.entry_id(&vary));
        assert_eq!(v1.entry_id(&vary), shop(&[]).entry_id(&vary));
        // Another origin does not get the allow-listed header.
        let other = CacheRequest::new(
            "/v1/origin/other/p",
            [("x-api-version", "2"), ("authorization", "Bearer t")],
            &shop_config(),
        )
        .expect("request");
        assert!(other.fetch_parts().headers.is_empty());
    }

    #[test]
    fn credentials_are_sent_and_never_stored_keyed_or_printed() {
        let a = shop(&[("Authorization", "Bearer secret-a")]);
        let b = shop(&[("authorization", "Bearer secret-b")]);
        let none = shop(&[]);
        assert_eq!(
            a.fetch_parts()
                .headers
                .get("authorization")
                .map(|v| v.as_bytes()),
            Some(&b"Bearer secret-a"[..])
        );
        // What storage is judged on says there were credentials, not which.
        assert_eq!(
            a.request
                .headers()
                .get("authorization")
                .map(|v| v.as_bytes()),
            Some(CREDENTIALS_WITHHELD.as_bytes())
        );
        assert!(none.request.headers().get("authorization").is_none());
        assert_eq!(a.entry_id(&[]), b.entry_id(&[]));
        assert_eq!(a.entry_id(&[]), none.entry_id(&[]));
        let printed = format!("{a:?} {:?}", a.fetch_parts());
        assert!(!printed.contains("secret-a"), "{printed}");
    }
}
