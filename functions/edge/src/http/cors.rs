//! CORS for the public `/v1` routes, so a storefront on the merchant's own
//! origin can call the edge from the shopper's browser (the Fetch
//! standard's CORS protocol).
//!
//! - Origins come from configuration (`cors_origins`): a list of
//!   serialized origins, or `*` for any. An origin not listed gets no
//!   `Access-Control-Allow-Origin`, so the browser withholds the answer.
//! - Never with credentials: `Access-Control-Allow-Credentials` is never
//!   sent, so a browser sends no cookies cross-origin and the edge sees no
//!   identity there (the widget passes consent explicitly instead).
//! - Preflights are answered here, before the gate (they carry no shopper
//!   data), and cached by the browser for [`PREFLIGHT_MAX_AGE_S`].
//! - Every answer to a request with an `Origin` says `Vary: Origin`, so a
//!   shared cache never serves one origin's allowance to another.

use super::response::{Refusal, Response};

/// Routes a storefront's scripts call from the shopper's browser; the
/// authenticated APIs (admin, purge, watermark, experiments) are for the
/// merchant's servers and answer no cross-origin caller.
const PUBLIC_ROUTES: [&str; 8] = [
    "/v1/media/",
    "/v1/market",
    "/v1/products",
    "/v1/origin/",
    "/v1/tryon/",
    "/v1/assignments",
    "/v1/recommendations",
    "/v1/events",
];

/// Whether `path` is a public route, the ones CORS applies to.
pub fn is_public_route(path: &str) -> bool {
    PUBLIC_ROUTES
        .iter()
        .any(|route| match route.strip_suffix('/') {
            Some(_) => path.starts_with(route),
            None => path == *route,
        })
}

/// How long a browser may reuse a preflight's answer (Chromium caps it at
/// two hours, Firefox at a day).
pub const PREFLIGHT_MAX_AGE_S: u32 = 7200;

/// Methods the public routes answer cross-origin.
const METHODS: [&str; 3] = ["GET", "HEAD", "POST"];

/// Request headers a storefront may send beyond the CORS-safelisted ones:
/// JSON bodies, the consent the page's CMP gave, try-on's frame headers.
const REQUEST_HEADERS: [&str; 5] = [
    "content-type",
    "x-tcf-consent",
    "x-gpp-string",
    "meridian-tryon-session",
    "meridian-frame-time",
];

/// Response headers a storefront script may read: what the edge decided.
const EXPOSED: &str = "meridian-market, meridian-locale, meridian-currency, \
meridian-policy-version, meridian-decision, meridian-consent, meridian-variant, \
meridian-personalization, meridian-region, meridian-tryon-session, \
cache-status, server-timing, link, etag";

/// Which origins may call the public routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cors {
    /// No cross-origin caller (the default: same-origin pages only).
    Off,
    /// Any origin (`*`): public, uncredentialed data only.
    Any,
    /// These serialized origins (`https://shop.example`), lowercase.
    Origins(Vec<String>),
}

impl Cors {
    /// Parses `cors_origins`: origins separated by commas or whitespace,
    /// `*` alone for any, empty for none.
    pub fn parse(list: &str) -> Result<Cors, Refusal> {
        let entries: Vec<&str> = list
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|e| !e.is_empty())
            .collect();
        match entries.as_slice() {
            [] => return Ok(Cors::Off),
            ["*"] => return Ok(Cors::Any),
            _ => {}
        }
        let mut origins = Vec::with_capacity(entries.len());
        for entry in entries {
            let origin = serialized_origin(entry).ok_or_else(|| {
                Refusal::new(
                    500,
                    "configuration-invalid",
                    format!(
                        "cors_origins: `{entry}` is not an origin (scheme://host[:port], \
                         no path; `*` only alone)"
                    ),
                )
            })?;
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        Ok(Cors::Origins(origins))
    }

    fn allows(&self, origin: &str) -> bool {
        match self {
            Cors::Off => false,
            Cors::Any => true,
            Cors::Origins(list) => list.iter().any(|o| o.eq_ignore_ascii_case(origin)),
        }
    }

    /// The answer to a CORS preflight (`OPTIONS` with `Origin` and
    /// `Access-Control-Request-Method`), or `None` when the request is
    /// not one and goes on to its route.
    pub fn preflight(
        &self,
        method: &str,
        origin: Option<&str>,
        request_method: Option<&str>,
        request_headers: Option<&str>,
    ) -> Option<Response> {
        if !method.eq_ignore_ascii_case("OPTIONS") {
            return None;
        }
        let (origin, request_method) = (origin?, request_method?);
        let refuse = |code: &str, message: String| {
            with_vary(Refusal::new(403, code, message).into_response())
        };
        if !self.allows(origin) {
            return Some(refuse(
                "cors-origin-not-allowed",
                format!("origin {origin} may not call this edge (cors_origins)"),
            ));
        }
        let request_method = request_method.trim();
        if !METHODS.contains(&request_method) {
            return Some(refuse(
                "cors-method-not-allowed",
                format!(
                    "method {request_method} is not answered cross-origin (allowed: {})",
                    METHODS.join(", ")
                ),
            ));
        }
        let mut asked = Vec::new();
        for name in request_headers
            .unwrap_or_default()
            .split(',')
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
        {
            if !REQUEST_HEADERS.contains(&name.as_str()) {
                return Some(refuse(
                    "cors-header-not-allowed",
                    format!(
                        "request header {name} is not accepted cross-origin (allowed: {})",
                        REQUEST_HEADERS.join(", ")
                    ),
                ));
            }
            asked.push(name);
        }
        let mut response = Response::new(204)
            .header("access-control-allow-origin", self.allow_origin(origin))
            .header("access-control-allow-methods", METHODS.join(", "))
            .header("access-control-max-age", PREFLIGHT_MAX_AGE_S.to_string())
            .header(
                "cache-control",
                format!("public, max-age={PREFLIGHT_MAX_AGE_S}"),
            );
        if !asked.is_empty() {
            response = response.header("access-control-allow-headers", asked.join(", "));
        }
        Some(with_vary(response))
    }

    /// Adds the CORS headers for `origin` (the request's `Origin`) to an
    /// answer: refusals included, so a widget can show why.
    pub fn decorate(&self, origin: Option<&str>, response: Response) -> Response {
        let Some(origin) = origin else {
            return response;
        };
        let response = with_vary(response);
        if !self.allows(origin) {
            return response;
        }
        response
            .header("access-control-allow-origin", self.allow_origin(origin))
            .header("access-control-expose-headers", EXPOSED)
    }

    fn allow_origin(&self, origin: &str) -> String {
        match self {
            Cors::Any => "*".to_owned(),
            _ => origin.to_owned(),
        }
    }
}

/// `Vary: Origin`, merged into a `Vary` the answer already has.
fn with_vary(mut response: Response) -> Response {
    let existing = response
        .headers
        .iter_mut()
        .find(|(name, _)| name.eq_ignore_ascii_case("vary"));
    match existing {
        Some((_, value)) => {
            let has = value
                .split(',')
                .any(|v| v.trim().eq_ignore_ascii_case("origin") || v.trim() == "*");
            if !has {
                value.push_str(", Origin");
            }
            response
        }
        None => response.header("vary", "Origin"),
    }
}

/// `entry` as a serialized origin (`scheme://host[:port]`, lowercase), or
/// `None` when it has a path, query, credentials or an unknown scheme.
fn serialized_origin(entry: &str) -> Option<String> {
    let lower = entry.to_ascii_lowercase();
    let (scheme, rest) = lower.split_once("://")?;
    if scheme != "https" && scheme != "http" {
        return None;
    }
    // An IPv6 literal is bracketed; anything else is a name or IPv4.
    let (host_ok, port) = match rest.strip_prefix('[') {
        Some(v6) => {
            let (address, after) = v6.split_once(']')?;
            let ok = !address.is_empty()
                && address
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
            (ok, after)
        }
        None => {
            let (host, after) = rest.find(':').map_or((rest, ""), |i| rest.split_at(i));
            let ok = !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
            (ok, after)
        }
    };
    let port_ok = match port {
        "" => true,
        p => p
            .strip_prefix(':')
            .is_some_and(|p| p.parse::<u16>().is_ok()),
    };
    (host_ok && port_ok).then_some(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shops() -> Cors {
        Cors::parse("https://shop.example, http://localhost:5173").expect("origins")
    }

    #[test]
    fn only_the_public_routes_answer_cross_origin() {
        for public in [
            "/v1/media/a/b.jpg",
            "/v1/market",
            "/v1/origin/catalog/x",
            "/v1/events",
            "/v1/products",
        ] {
            assert!(is_public_route(public), "{public}");
        }
        for private in [
            "/v1/admin/policy",
            "/v1/purge",
            "/v1/watermark/detect",
            "/v1/experiments/hero",
            "/v1/marketing",
            "/v1/products/x",
            // The widget's scripts are `*` themselves, not per origin.
            "/v1/widget.js",
            "/",
        ] {
            assert!(!is_public_route(private), "{private}");
        }
    }

    #[test]
    fn configuration_is_origins_any_or_none() {
        assert_eq!(Cors::parse("").ok(), Some(Cors::Off));
        assert_eq!(Cors::parse(" * ").ok(), Some(Cors::Any));
        assert_eq!(
            Cors::parse("http://[::1]:8080,http://[::1],http://127.0.0.1:3000").ok(),
            Some(Cors::Origins(vec![
                "http://[::1]:8080".into(),
                "http://[::1]".into(),
                "http://127.0.0.1:3000".into()
            ]))
        );
        assert_eq!(
            Cors::parse("HTTPS://Shop.Example https://shop.example").ok(),
            Some(Cors::Origins(vec!["https://shop.example".into()]))
        );
        for bad in [
            "https://shop.example/",
            "https://shop.example/path",
            "shop.example",
            "ftp://shop.example",
            "https://user@shop.example",
            "https://shop.example:99999",
            "https://shop.example:",
            "*, https://shop.example",
            "https://[::1",
            "https://[]",
            "https://a:b:c",
        ] {
            let refusal = Cors::parse(bad).expect_err(bad);
            assert_eq!(
                (refusal.status, refusal.code.as_str()),
                (500, "configuration-invalid"),
                "{bad}"
            );
            assert!(refusal.message.contains("cors_origins"), "{bad}");
        }
    }

    #[test]
    fn a_listed_origin_gets_a_cached_preflight_without_credentials() {
        let r = shops()
            .preflight(
                "OPTIONS",
                Some("https://shop.example"),
                Some("POST"),
                Some("Content-Type, X-TCF-Consent"),
            )
            .expect("a preflight");
        assert_eq!(r.status, 204);
        assert_eq!(
            r.get("access-control-allow-origin"),
            Some("https://shop.example")
        );
        assert_eq!(
            r.get("access-control-allow-methods"),
            Some("GET, HEAD, POST")
        );
        assert_eq!(
            r.get("access-control-allow-headers"),
            Some("content-type, x-tcf-consent")
        );
        assert_eq!(r.get("access-control-max-age"), Some("7200"));
        assert_eq!(r.get("vary"), Some("Origin"));
        assert_eq!(r.get("access-control-allow-credentials"), None);
    }

    #[test]
    fn preflights_are_refused_with_a_code() {
        let cases = [
            (
                "https://evil.example",
                "GET",
                None,
                "cors-origin-not-allowed",
            ),
            (
                "https://shop.example",
                "DELETE",
                None,
                "cors-method-not-allowed",
            ),
            (
                "https://shop.example",
                "GET",
                Some("authorization"),
                "cors-header-not-allowed",
            ),
        ];
        for (origin, method, headers, code) in cases {
            let r = shops()
                .preflight("OPTIONS", Some(origin), Some(method), headers)
                .expect("a preflight");
            assert_eq!(r.status, 403, "{code}");
            assert_eq!(r.get("access-control-allow-origin"), None, "{code}");
            assert_eq!(r.get("vary"), Some("Origin"));
            let body: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
            assert_eq!(body["code"], code);
        }
        assert_eq!(
            Cors::Off
                .preflight("OPTIONS", Some("https://shop.example"), Some("GET"), None)
                .map(|r| r.status),
            Some(403),
            "with no origins configured nobody passes"
        );
    }

    #[test]
    fn only_preflights_are_answered_here() {
        let c = shops();
        assert!(
            c.preflight("GET", Some("https://shop.example"), Some("GET"), None)
                .is_none()
        );
        assert!(c.preflight("OPTIONS", None, Some("GET"), None).is_none());
        assert!(
            c.preflight("OPTIONS", Some("https://shop.example"), None, None)
                .is_none()
        );
    }

    #[test]
    fn answers_carry_the_origin_only_when_it_is_listed() {
        let c = shops();
        let ok = c.decorate(
            Some("http://localhost:5173"),
            Response::new(451).header("vary", "Accept"),
        );
        assert_eq!(
            ok.get("access-control-allow-origin"),
            Some("http://localhost:5173")
        );
        assert!(
            ok.get("access-control-expose-headers")
                .is_some_and(|h| h.contains("meridian-market"))
        );
        assert_eq!(ok.get("vary"), Some("Accept, Origin"));
        assert_eq!(ok.get("access-control-allow-credentials"), None);

        let other = c.decorate(Some("https://evil.example"), Response::new(200));
        assert_eq!(other.get("access-control-allow-origin"), None);
        assert_eq!(
            other.get("vary"),
            Some("Origin"),
            "caches must not mix origins"
        );

        let same_origin = c.decorate(None, Response::new(200));
        assert!(same_origin.headers.is_empty());

        let any = Cors::Any.decorate(
            Some("https://a.example"),
            Response::new(200).header("Vary", "origin"),
        );
        assert_eq!(any.get("access-control-allow-origin"), Some("*"));
        assert_eq!(any.get("vary"), Some("origin"), "not added twice");
    }
}
