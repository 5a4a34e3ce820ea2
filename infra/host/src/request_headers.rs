//! The request a Spin component sees: Spin's `spin-*` headers (named as Spin
//! names them: `SPIN_PATH_MATCH_<NAME>` with `_` turned into `-`, lower case),
//! with every client-sent `spin-*` header and the hop-by-hop `Connection`
//! removed first.

use std::net::SocketAddr;

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::router::Match;

/// Why a request cannot be given to a component.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RequestShapeError {
    #[error("no 'Host' header present in request")]
    MissingHost,
    #[error("the 'Host' header is not a valid authority")]
    InvalidHost,
    #[error("authority in 'Host' header does not match authority in URI")]
    HostMismatch,
}

/// The authority a component sees: the `Host` header (which must agree with an
/// absolute-form request target), as Spin takes it.
pub fn authority(uri: &http::Uri, headers: &HeaderMap) -> Result<String, RequestShapeError> {
    let host = match headers.get(http::header::HOST) {
        Some(h) => {
            let text = h.to_str().map_err(|_| RequestShapeError::InvalidHost)?;
            Some(
                text.parse::<http::uri::Authority>()
                    .map_err(|_| RequestShapeError::InvalidHost)?,
            )
        }
        None => None,
    };
    match (host, uri.authority()) {
        (None, None) => Err(RequestShapeError::MissingHost),
        (None, Some(a)) => Ok(a.to_string()),
        (Some(h), None) => Ok(h.to_string()),
        (Some(h), Some(u)) if &h == u => Ok(h.to_string()),
        (Some(_), Some(_)) => Err(RequestShapeError::HostMismatch),
    }
}

/// Spin's header name for a route parameter `:name`.
pub fn path_match_header(param: &str) -> String {
    format!(
        "spin-path-match-{}",
        param.replace('_', "-").to_ascii_lowercase()
    )
}

/// Everything Spin adds to a request, for a match of `m`.
pub struct SpinRequest<'a> {
    pub scheme: &'a str,
    pub authority: &'a str,
    pub path_and_query: &'a str,
    pub route: &'a Match<'a, 'a>,
    pub client: SocketAddr,
}

impl SpinRequest<'_> {
    /// Replace the client's `spin-*` headers (any case) and `Connection` with Spin's.
    /// A value that is not a valid header value (a path with raw non-ASCII bytes)
    /// is left out rather than failing the request.
    pub fn apply(&self, headers: &mut HeaderMap) {
        strip_client_headers(headers);
        let full_url = format!(
            "{}://{}{}",
            self.scheme, self.authority, self.path_and_query
        );
        let route = self.route.route;
        let fixed: [(&'static str, &str); 7] = [
            ("spin-full-url", &full_url),
            ("spin-path-info", self.route.path_info),
            ("spin-matched-route", &route.raw),
            ("spin-base-path", "/"),
            ("spin-raw-component-route", &route.raw),
            ("spin-component-route", &route.component_route),
            ("spin-client-addr", &self.client.to_string()),
        ];
        for (name, value) in fixed {
            if let Ok(v) = HeaderValue::from_str(value) {
                headers.insert(HeaderName::from_static(name), v);
            }
        }
        for (name, value) in &self.route.params {
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(path_match_header(name).as_bytes()),
                HeaderValue::from_str(value),
            ) {
                headers.insert(n, v);
            }
        }
    }
}

/// `spin-*` request headers are the host's to set: a client's own
/// (`HeaderName`s are lower case) would otherwise reach the component as if the
/// host had set them (a forged `spin-client-addr`, an extra `spin-path-match-*`).
/// `Connection` is transport information, meaningless to a component and harmful
/// when it forwards the request.
fn strip_client_headers(headers: &mut HeaderMap) {
    let forged: Vec<HeaderName> = headers
        .keys()
        .filter(|name| name.as_str().starts_with("spin-"))
        .cloned()
        .collect();
    for name in forged {
        headers.remove(&name);
    }
    headers.remove(http::header::CONNECTION);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::router::Router;

    #[test]
    fn header_names_follow_spin() {
        assert_eq!(
            path_match_header("path_segment"),
            "spin-path-match-path-segment"
        );
        assert_eq!(path_match_header("userId"), "spin-path-match-userid");
    }

    #[test]
    fn applies_spin_headers() -> anyhow::Result<()> {
        let mut router = Router::new();
        router.add("/base/:path_segment/:path_end/...", 0)?;
        let m = router
            .find("/base/a/b/c/d")
            .ok_or(anyhow::anyhow!("match"))?;
        let mut headers = HeaderMap::new();
        headers.insert("Spin-Client-Addr", HeaderValue::from_static("1.2.3.4:5"));
        headers.insert("connection", HeaderValue::from_static("keep-alive"));
        headers.insert("accept", HeaderValue::from_static("*/*"));
        SpinRequest {
            scheme: "http",
            authority: "example.com:3000",
            path_and_query: "/base/a/b/c/d?x=1",
            route: &m,
            client: "127.0.0.1:4000".parse()?,
        }
        .apply(&mut headers);
        let get = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
        assert_eq!(
            get("spin-full-url"),
            Some("http://example.com:3000/base/a/b/c/d?x=1")
        );
        assert_eq!(get("spin-path-info"), Some("/c/d"));
        assert_eq!(
            get("spin-matched-route"),
            Some("/base/:path_segment/:path_end/...")
        );
        assert_eq!(
            get("spin-component-route"),
            Some("/base/:path_segment/:path_end")
        );
        assert_eq!(get("spin-path-match-path-segment"), Some("a"));
        assert_eq!(get("spin-path-match-path-end"), Some("b"));
        assert_eq!(get("spin-client-addr"), Some("127.0.0.1:4000"));
        assert_eq!(get("connection"), None);
        assert_eq!(get("accept"), Some("*/*"));
        assert_eq!(headers.len(), 10);
        Ok(())
    }

    #[test]
    fn authority_from_host() {
        let mut h = HeaderMap::new();
        let origin: http::Uri = "/x".parse().expect("uri");
        assert_eq!(authority(&origin, &h), Err(RequestShapeError::MissingHost));
        h.insert(http::header::HOST, HeaderValue::from_static("a.test:8"));
        assert_eq!(authority(&origin, &h).as_deref(), Ok("a.test:8"));
        let absolute: http::Uri = "http://b.test/x".parse().expect("uri");
        assert_eq!(
            authority(&absolute, &h),
            Err(RequestShapeError::HostMismatch)
        );
        h.insert(http::header::HOST, HeaderValue::from_static("bad host"));
        assert_eq!(authority(&origin, &h), Err(RequestShapeError::InvalidHost));
    }
}
