//! `Cache-Status` (RFC 9211): what the edge cache did for a response.

use std::fmt::Write;

use super::CACHE_NAME;

/// Why the cache went forward, or that it did not (`hit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forward {
    /// Served from the cache.
    Hit,
    /// Nothing stored for the URL.
    UriMiss,
    /// Stored for the URL, but not for this request's variant.
    VaryMiss,
    /// A stored response was unusable (cut, or its chunks gone).
    Miss,
    /// Stored but stale: revalidated with the origin.
    Stale,
    /// The route does not use the cache (personal or uncacheable).
    Bypass,
    /// The request's method is not one the cache answers (RFC 9211 `method`).
    Method,
}

/// One `Cache-Status` member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheStatus {
    pub forward: Forward,
    /// Status the forward request got (for `fwd`).
    pub fwd_status: Option<u16>,
    /// Remaining freshness in seconds; negative once stale.
    pub ttl: Option<i64>,
    pub stored: bool,
    pub detail: Option<&'static str>,
}

impl CacheStatus {
    pub fn new(forward: Forward) -> CacheStatus {
        CacheStatus {
            forward,
            fwd_status: None,
            ttl: None,
            stored: false,
            detail: None,
        }
    }

    pub fn fwd_status(mut self, status: u16) -> CacheStatus {
        self.fwd_status = Some(status);
        self
    }

    pub fn ttl(mut self, ttl: i64) -> CacheStatus {
        self.ttl = Some(ttl);
        self
    }

    pub fn stored(mut self, stored: bool) -> CacheStatus {
        self.stored = stored;
        self
    }

    pub fn detail(mut self, detail: &'static str) -> CacheStatus {
        self.detail = Some(detail);
        self
    }

    /// The header value.
    pub fn value(&self) -> String {
        let mut out = String::from(CACHE_NAME);
        out.push_str(match self.forward {
            Forward::Hit => "; hit",
            Forward::UriMiss => "; fwd=uri-miss",
            Forward::VaryMiss => "; fwd=vary-miss",
            Forward::Miss => "; fwd=miss",
            Forward::Method => "; fwd=method",
            Forward::Stale => "; fwd=stale",
            Forward::Bypass => "; fwd=bypass",
        });
        if let Some(s) = self.fwd_status {
            let _ = write!(out, "; fwd-status={s}");
        }
        if let Some(t) = self.ttl {
            let _ = write!(out, "; ttl={t}");
        }
        if self.stored {
            out.push_str("; stored");
        }
        if let Some(d) = self.detail {
            let _ = write!(out, "; detail={d}");
        }
        out
    }
}

/// What routes that never cache say.
pub fn bypass(detail: &'static str) -> String {
    CacheStatus::new(Forward::Bypass).detail(detail).value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_follow_rfc_9211() {
        assert_eq!(
            CacheStatus::new(Forward::Hit).ttl(30).value(),
            "meridian-edge; hit; ttl=30"
        );
        assert_eq!(
            CacheStatus::new(Forward::UriMiss)
                .fwd_status(200)
                .stored(true)
                .value(),
            "meridian-edge; fwd=uri-miss; fwd-status=200; stored"
        );
        assert_eq!(
            CacheStatus::new(Forward::Hit)
                .ttl(-5)
                .detail("stale-while-revalidate")
                .value(),
            "meridian-edge; hit; ttl=-5; detail=stale-while-revalidate"
        );
        assert_eq!(
            bypass("personal"),
            "meridian-edge; fwd=bypass; detail=personal"
        );
    }
}
