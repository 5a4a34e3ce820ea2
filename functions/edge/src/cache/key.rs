//! Which stored entry a request may use. The primary key is the route and
//! the canonical URL; the secondary key is the values of the request
//! headers the stored response names in `Vary`. Only headers that carry no
//! personal data can be named: the edge's own decisions (market, locale,
//! currency, experiment variant) and content negotiation.

use sha2::{Digest, Sha256};

use super::CacheConfig;
use super::config::{CONSENT_QUERY, QueryKey};
use crate::http::response::Refusal;

/// Request headers a cached response may vary on, and the only ones a
/// cached fetch carries to a backend or origin.
pub const SHAREABLE_HEADERS: &[&str] = &[
    "accept",
    "accept-language",
    "meridian-market",
    "meridian-locale",
    "meridian-currency",
    "meridian-variant",
];

/// The request as the cache sees it: canonical, and stripped of anything
/// personal (cookies, authorization, client addresses never reach it).
#[derive(Debug, Clone)]
pub struct CacheRequest {
    /// The canonical path and query, e.g. `/v1/origin/catalog/p/1?a=1`:
    /// what a purge by URL names.
    pub url: String,
    /// The URL and the route's scope (e.g. a preset's version): what the
    /// entries of one response are stored under.
    pub primary: String,
    pub request: http::Request<()>,
}

impl CacheRequest {
    /// `path_and_query` is the URL as requested; `headers` are the
    /// request's (or the edge's own decisions as `meridian-*`); only
    /// [`SHAREABLE_HEADERS`] are kept.
    pub fn new<'a>(
        path_and_query: &str,
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
        config: &CacheConfig,
    ) -> Result<CacheRequest, Refusal> {
        let canonical = canonical_url(path_and_query, config)?;
        let uri: http::Uri = canonical
            .parse()
            .map_err(|e| Refusal::new(400, "url-invalid", format!("`{path_and_query}`: {e}")))?;
        let mut builder = http::Request::builder().method("GET").uri(uri);
        for (name, value) in headers {
            let name = name.to_ascii_lowercase();
            if SHAREABLE_HEADERS.contains(&name.as_str()) {
                builder = builder.header(name, normalize(value));
            }
        }
        let request = builder
            .body(())
            .map_err(|e| Refusal::new(400, "header-invalid", e.to_string()))?;
        Ok(CacheRequest {
            primary: canonical.clone(),
            url: canonical,
            request,
        })
    }

    /// Stores under `scope` too: entries of another scope (an older preset
    /// version) are never used, while a purge by URL still reaches them.
    pub fn scoped(mut self, scope: &str) -> CacheRequest {
        self.primary = format!("{}#{scope}", self.url);
        self
    }

    /// The header lines a fetch for this request sends on.
    pub fn forward_headers(&self) -> Vec<(String, String)> {
        self.request
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect()
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
    /// A header that may carry personal data (cookie, authorization, ...).
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
        if !SHAREABLE_HEADERS.contains(&name.as_str()) {
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
        let names: Vec<_> = r.forward_headers().into_iter().map(|(n, _)| n).collect();
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
        assert_eq!(
            vary_names(["accept, Cookie"]),
            Err(VaryRefusal::Personal("cookie".into()))
        );
        assert_eq!(vary_names([""]), Ok(vec![]));
    }
}
