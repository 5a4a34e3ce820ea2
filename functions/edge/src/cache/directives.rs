//! A client's `Cache-Control` request directives (RFC 9111 §5.2.1) and
//! which of them the edge honours.
//!
//! `only-if-cached`, `max-stale` and `min-fresh` only ever make the cache
//! answer from what it holds or ask for fresher copies within the origin's
//! own lifetimes, so they always apply. `no-cache` and `max-age` let any
//! client send every request through to the origin (a browser's reload
//! does; so does a script meant to load the origin): they apply only to
//! origins whose configuration says `client_revalidation = true`
//! (`cache_config`), and are ignored by default so the cache protects the
//! origin, as CDNs do.

/// The request directives that change how the cache answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestDirectives {
    /// Answer from the cache or `504`.
    pub only_if_cached: bool,
    /// A stale response is acceptable this many seconds past its lifetime;
    /// `Some(u64::MAX)` for `max-stale` without a value.
    pub max_stale: Option<u64>,
    /// The response must stay fresh at least this long.
    pub min_fresh: Option<u64>,
    /// Revalidate whatever is stored (when honoured).
    pub no_cache: bool,
    /// Not older than this (when honoured).
    pub max_age: Option<u64>,
}

impl RequestDirectives {
    /// Reads a request's `Cache-Control`; unknown directives and bad
    /// values are ignored (a bad `max-stale` value is no `max-stale`).
    pub fn parse(cache_control: Option<&str>) -> RequestDirectives {
        let mut d = RequestDirectives::default();
        let Some(field) = cache_control else {
            return d;
        };
        for directive in field.split(',') {
            let (name, value) = match directive.split_once('=') {
                Some((name, value)) => (name, Some(value.trim().trim_matches('"'))),
                None => (directive, None),
            };
            let seconds = value.and_then(|v| v.parse::<u64>().ok());
            match name.trim().to_ascii_lowercase().as_str() {
                "only-if-cached" => d.only_if_cached = true,
                "max-stale" => {
                    d.max_stale = match value {
                        None => Some(u64::MAX),
                        Some(_) => seconds,
                    }
                }
                "min-fresh" => d.min_fresh = seconds,
                "no-cache" => d.no_cache = true,
                "max-age" => d.max_age = seconds,
                _ => {}
            }
        }
        d
    }

    /// Drops what the origin's configuration does not let clients decide.
    pub fn honouring(mut self, client_revalidation: bool) -> RequestDirectives {
        if !client_revalidation {
            self.no_cache = false;
            self.max_age = None;
        }
        self
    }

    /// Whether a stored response aged `age` and fresh for `ttl` more
    /// seconds (negative: stale by that much) satisfies the client without
    /// asking the origin; `must_revalidate` responses are never served
    /// stale on the client's say.
    pub fn accepts(&self, age: u64, ttl: i64, must_revalidate: bool) -> bool {
        if self.no_cache || self.max_age.is_some_and(|max| age > max) {
            return false;
        }
        if ttl >= 0 {
            return self.min_fresh.is_none_or(|min| ttl as u64 >= min);
        }
        !must_revalidate
            && self.min_fresh.is_none()
            && self.max_stale.is_some_and(|max| ttl.unsigned_abs() <= max)
    }

    /// Whether the client forbids serving what is stored without asking.
    pub fn forces_revalidation(&self) -> bool {
        self.no_cache || self.max_age == Some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_request_directives() {
        let d = RequestDirectives::parse(Some(
            "only-if-cached, max-stale=30, MIN-FRESH=\"5\", no-cache, max-age=0, x=1",
        ));
        assert_eq!(
            d,
            RequestDirectives {
                only_if_cached: true,
                max_stale: Some(30),
                min_fresh: Some(5),
                no_cache: true,
                max_age: Some(0),
            }
        );
        assert_eq!(
            RequestDirectives::parse(Some("max-stale")).max_stale,
            Some(u64::MAX)
        );
        assert_eq!(
            RequestDirectives::parse(Some("max-stale=soon")).max_stale,
            None
        );
        assert_eq!(RequestDirectives::parse(None), RequestDirectives::default());
    }

    #[test]
    fn no_cache_and_max_age_only_where_the_origin_allows() {
        let d = RequestDirectives::parse(Some("no-cache, max-age=0, max-stale=9"));
        let ignored = d.honouring(false);
        assert!(!ignored.no_cache && ignored.max_age.is_none());
        assert_eq!(ignored.max_stale, Some(9), "max-stale always counts");
        assert!(ignored.accepts(10, 5, false));
        assert!(!d.honouring(true).accepts(10, 5, false));
        assert!(d.honouring(true).forces_revalidation());
    }

    #[test]
    fn freshness_the_client_asks_for() {
        let parse = |t| RequestDirectives::parse(Some(t)).honouring(true);
        assert!(RequestDirectives::default().accepts(0, 0, false));
        assert!(
            !RequestDirectives::default().accepts(70, -10, false),
            "stale"
        );
        assert!(parse("max-stale=10").accepts(70, -10, false));
        assert!(!parse("max-stale=9").accepts(70, -10, false));
        assert!(parse("max-stale").accepts(70, -100_000, false));
        assert!(!parse("max-stale").accepts(70, -1, true), "must-revalidate");
        assert!(parse("min-fresh=5").accepts(10, 5, false));
        assert!(!parse("min-fresh=6").accepts(10, 5, false));
        assert!(parse("max-age=10").accepts(10, 5, false));
        assert!(!parse("max-age=9").accepts(10, 5, false));
    }
}
