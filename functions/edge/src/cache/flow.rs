//! One request through the cache: hit, stale or miss, per RFC 9111, with
//! `stale-while-revalidate` and `stale-if-error` (RFC 5861).
//!
//! Routes hand [`serve`] a [`CacheRequest`] and a `fetch` that produces the
//! response on a miss (a backend call, an origin request, a page render).
//! Freshness, storability and merging a `304` come from
//! `http-cache-semantics`; what is decided here is the edge's part: which
//! stored entry applies, when a stale one may still be served, and the
//! `Cache-Status` that says so.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http_cache_semantics::{AfterResponse, CacheOptions, CachePolicy};

use super::key::{CacheRequest, VaryRefusal};
use super::status::{CacheStatus, Forward};
use super::store::{self, Head, Stored};
use super::{CacheConfig, Kv, tags};
use crate::response::{Refusal, Response};

/// What a fetch produced: a whole HTTP response.
pub type Fetched = http::Response<Vec<u8>>;

/// Unix seconds now. Read again once a fetch returns: a response's age
/// counts from when it arrived, and a slow render must not arrive stale.
pub type Clock<'a> = &'a dyn Fn() -> u64;

/// The client's own conditions, answered after the cache has its response.
#[derive(Debug, Clone, Copy, Default)]
pub struct Client<'a> {
    pub if_none_match: Option<&'a str>,
    pub if_modified_since: Option<&'a str>,
    /// `HEAD`: the same answer without its body.
    pub head: bool,
}

/// A response and what the cache did for it.
#[derive(Debug)]
pub struct Outcome {
    pub response: Response,
    pub status: CacheStatus,
    /// Work to do after the response is sent (`stale-while-revalidate`).
    pub revalidation: Option<Revalidation>,
}

/// A deferred revalidation of a stale entry that was served.
#[derive(Debug)]
pub struct Revalidation {
    request: CacheRequest,
    id: String,
}

impl Revalidation {
    /// Asks the origin again and updates the entry. Failures leave the
    /// stale entry as it was; the result says what happened, for the log.
    pub async fn run<K: Kv>(
        self,
        kv: &K,
        config: &CacheConfig,
        clock: Clock<'_>,
        fetch: impl AsyncFn(http::request::Parts) -> Result<Fetched, Refusal>,
    ) -> Result<CacheStatus, Refusal> {
        // Read again: another request may have refreshed or purged it.
        let stored = store::read(kv, &self.id);
        let conditional = match &stored {
            Some(stored) => conditional_request(&self.request, &stored.head),
            None => plain_request(&self.request),
        };
        let fetched = fetch(conditional).await?;
        if fetched.status().is_server_error() {
            return Err(Refusal::new(
                fetched.status().as_u16(),
                "revalidation-failed",
                format!("origin answered {}", fetched.status()),
            ));
        }
        Ok(after_fetch(kv, config, &self.request, stored, fetched, clock()).status)
    }
}

/// Answers `request` from the cache or through `fetch`. A fetch's refusal
/// is returned unless a stale entry may stand in for it.
pub async fn serve<K: Kv>(
    kv: &K,
    config: &CacheConfig,
    request: &CacheRequest,
    client: Client<'_>,
    clock: Clock<'_>,
    fetch: impl AsyncFn(http::request::Parts) -> Result<Fetched, Refusal>,
) -> Result<Outcome, Refusal> {
    let now = clock();
    let vary = store::read_vary(kv, &request.primary);
    let id = request.entry_id(vary.as_deref().unwrap_or_default());
    let Some(stored) = store::read(kv, &id) else {
        let forward = match &vary {
            Some(names) if !names.is_empty() => Forward::VaryMiss,
            _ => Forward::UriMiss,
        };
        let fetched = fetch(plain_request(request)).await?;
        let mut outcome = after_fetch(kv, config, request, None, fetched, clock());
        outcome.status.forward = forward;
        return Ok(finish(outcome, client));
    };

    let head = &stored.head;
    if head.is_fresh(now) {
        let ttl = head.fresh_until.saturating_sub(now) as i64;
        let status = CacheStatus::new(Forward::Hit).ttl(ttl);
        return Ok(finish(from_store(stored, now, status), client));
    }

    let staleness = head.staleness(now);
    let stale_ttl = -(staleness as i64);
    let may_serve_on_error = !head.must_revalidate && staleness <= head.stale_if_error;
    if !head.must_revalidate && staleness <= head.stale_while_revalidate {
        let status = CacheStatus::new(Forward::Hit)
            .ttl(stale_ttl)
            .detail("stale-while-revalidate");
        let revalidation = Some(Revalidation {
            request: request.clone(),
            id: stored.id.clone(),
        });
        let outcome = Outcome {
            revalidation,
            ..from_store(stored, now, status)
        };
        return Ok(finish(outcome, client));
    }

    let fetched = fetch(conditional_request(request, &stored.head)).await;
    let failed_status = match &fetched {
        Ok(f) if f.status().is_server_error() => Some(f.status().as_u16()),
        Err(r) if r.status >= 500 => Some(r.status),
        _ => None,
    };
    if let (Some(fwd_status), true) = (failed_status, may_serve_on_error) {
        let status = CacheStatus::new(Forward::Stale)
            .fwd_status(fwd_status)
            .ttl(stale_ttl)
            .detail("stale-if-error");
        return Ok(finish(from_store(stored, now, status), client));
    }
    let mut outcome = after_fetch(kv, config, request, Some(stored), fetched?, clock());
    outcome.status.forward = Forward::Stale;
    Ok(finish(outcome, client))
}

/// The request a miss sends on.
fn plain_request(request: &CacheRequest) -> http::request::Parts {
    request.request.clone().into_parts().0
}

/// The request that revalidates `head`: its validators as conditions.
fn conditional_request(request: &CacheRequest, head: &Head) -> http::request::Parts {
    let mut parts = plain_request(request);
    let mut set = |name: &'static str, value: Option<&str>| {
        if let Some(v) = value.and_then(|v| http::HeaderValue::from_str(v).ok()) {
            parts.headers.insert(name, v);
        }
    };
    set("if-none-match", head.header("etag"));
    set("if-modified-since", head.header("last-modified"));
    parts
}

/// Stores (when allowed) and answers what a fetch brought back. `previous`
/// is the stale entry a `304` refreshes.
fn after_fetch<K: Kv>(
    kv: &K,
    config: &CacheConfig,
    request: &CacheRequest,
    previous: Option<Stored>,
    fetched: Fetched,
    now: u64,
) -> Outcome {
    let fwd_status = fetched.status().as_u16();
    let at = system_time(now);
    let previous = match previous {
        Some(stored) if fwd_status == 304 => match refresh(kv, request, stored, &fetched, now) {
            Ok(outcome) => return outcome,
            Err(stored) => Some(*stored),
        },
        other => other,
    };

    let edge_view = edge_view(&fetched);
    let policy =
        CachePolicy::new_options(&request.request, &edge_view, at, CacheOptions::default());
    let ttl = policy.time_to_live(at).as_secs();
    let (parts, body) = fetched.into_parts();
    let headers = served_headers(&parts.headers);
    let directives = Directives::of(edge_view.headers());
    let (mut tags, _invalid) = tags::parse(
        parts
            .headers
            .get_all("surrogate-key")
            .iter()
            .chain(parts.headers.get_all("cache-tag"))
            .filter_map(|v| v.to_str().ok()),
    );
    tags.push(tags::url_tag(&request.url));

    let refused = if !policy.is_storable() {
        Some("not-storable")
    } else if parts.headers.contains_key("set-cookie") {
        Some("set-cookie")
    } else if body.len() > config.max_body_bytes {
        Some("too-large")
    } else {
        let vary = parts.headers.get_all("vary");
        match super::key::vary_names(vary.iter().filter_map(|v| v.to_str().ok())) {
            Err(VaryRefusal::Any) => Some("vary-any"),
            Err(VaryRefusal::Personal(_)) => Some("vary-personal"),
            Ok(_) => None,
        }
    };
    let mut status = CacheStatus::new(Forward::UriMiss).fwd_status(fwd_status);
    let stored_id = match refused {
        Some(detail) => {
            status = status.detail(detail);
            None
        }
        None => {
            let vary = super::key::vary_names(
                parts
                    .headers
                    .get_all("vary")
                    .iter()
                    .filter_map(|v| v.to_str().ok()),
            )
            .unwrap_or_default();
            let id = request.entry_id(&vary);
            let head = Head {
                primary: request.primary.clone(),
                status: fwd_status,
                headers: headers.clone(),
                tags,
                body: store::BodyRef::Inline { length: 0 },
                stored_at: now,
                age_at_store: policy.age(at).as_secs(),
                fresh_until: now + ttl,
                stale_while_revalidate: directives.stale_while_revalidate,
                stale_if_error: directives.stale_if_error,
                must_revalidate: directives.must_revalidate,
                invalidated_at: None,
            };
            match store::write(kv, config, &id, head, &policy, &body) {
                Ok(_) => {
                    status = status.stored(true).ttl(ttl as i64);
                    Some(id)
                }
                Err(_) => {
                    status = status.detail("store-failed");
                    None
                }
            }
        }
    };
    // A replaced entry whose new response may not be stored is gone: the
    // origin no longer allows the old one either.
    if let (None, Some(prev)) = (&stored_id, previous) {
        let _ = store::remove(kv, &prev.id);
    }
    let mut response = Response::new(fwd_status);
    response.headers = headers;
    response.body = body;
    Outcome {
        response,
        status,
        revalidation: None,
    }
}

/// A `304` for `stored`: the entry with the new response's headers and
/// freshness (RFC 9111 4.3.4), or the entry back when the validators
/// disagree.
fn refresh<K: Kv>(
    kv: &K,
    request: &CacheRequest,
    mut stored: Stored,
    fetched: &Fetched,
    now: u64,
) -> Result<Outcome, Box<Stored>> {
    let at = system_time(now);
    let edge_view = edge_view(fetched);
    let Some(AfterResponse::NotModified(policy, parts)) = stored
        .policy()
        .map(|p| p.after_response(&request.request, &edge_view, at))
    else {
        return Err(Box::new(stored));
    };
    let ttl = policy.time_to_live(at).as_secs();
    let directives = Directives::of(&parts.headers);
    // Shoppers get the origin's own headers, not the edge's view of them.
    let updates = served_headers(fetched.headers());
    stored
        .head
        .headers
        .retain(|(n, _)| !updates.iter().any(|(u, _)| u.eq_ignore_ascii_case(n)));
    stored.head.headers.extend(updates);
    stored.head.stored_at = now;
    stored.head.age_at_store = policy.age(at).as_secs();
    stored.set_policy(&policy);
    stored.head.fresh_until = now + ttl;
    stored.head.stale_while_revalidate = directives.stale_while_revalidate;
    stored.head.stale_if_error = directives.stale_if_error;
    stored.head.must_revalidate = directives.must_revalidate;
    stored.head.invalidated_at = None;
    let written = store::rewrite_head(kv, &stored).is_ok();
    let status = CacheStatus::new(Forward::Stale)
        .fwd_status(304)
        .ttl(ttl as i64)
        .stored(written);
    Ok(from_store(stored, now, status))
}

/// The stored response as served at `now`.
fn from_store(stored: Stored, now: u64, status: CacheStatus) -> Outcome {
    let age = stored.head.age(now);
    let mut response = Response::new(stored.head.status);
    response.headers = stored.head.headers;
    response.headers.push(("age".into(), age.to_string()));
    response.body = stored.body;
    Outcome {
        response,
        status,
        revalidation: None,
    }
}

/// Says what the cache did and applies the client's conditions and method.
fn finish(mut outcome: Outcome, client: Client<'_>) -> Outcome {
    let r = &mut outcome.response;
    r.headers
        .push(("cache-status".into(), outcome.status.value()));
    r.headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case("content-length"));
    r.headers
        .push(("content-length".into(), r.body.len().to_string()));
    if r.status == 200 && not_modified(r, client) {
        const KEEP: &[&str] = &[
            "cache-control",
            "content-location",
            "date",
            "etag",
            "expires",
            "vary",
            "last-modified",
            "age",
            "cache-status",
        ];
        r.status = 304;
        r.headers
            .retain(|(n, _)| KEEP.iter().any(|k| n.eq_ignore_ascii_case(k)));
        r.body.clear();
    } else if client.head {
        r.body.clear();
    }
    outcome
}

/// RFC 9110 13.2.2: `If-None-Match` first; `If-Modified-Since` only
/// without it.
fn not_modified(r: &Response, client: Client<'_>) -> bool {
    if let Some(inm) = client.if_none_match {
        return r
            .get("etag")
            .is_some_and(|etag| super::none_match(inm, etag));
    }
    match (client.if_modified_since, r.get("last-modified")) {
        (Some(since), Some(modified)) => {
            match (
                httpdate::parse_http_date(since),
                httpdate::parse_http_date(modified),
            ) {
                (Ok(since), Ok(modified)) => modified <= since,
                _ => false,
            }
        }
        _ => false,
    }
}

/// The response as the edge cache judges it: `CDN-Cache-Control` (RFC
/// 9213) or `Surrogate-Control`, when present, replace `Cache-Control`
/// for the edge, while shoppers' browsers still get the origin's
/// `Cache-Control`.
fn edge_view(fetched: &Fetched) -> http::Response<()> {
    let mut headers = fetched.headers().clone();
    let edge = ["cdn-cache-control", "surrogate-control"]
        .iter()
        .find_map(|n| headers.get(*n).cloned());
    if let Some(value) = edge {
        headers.insert(http::header::CACHE_CONTROL, value);
    }
    let mut view = http::Response::new(());
    *view.status_mut() = fetched.status();
    *view.headers_mut() = headers;
    view
}

/// Headers a stored or forwarded response carries to the shopper: not
/// hop-by-hop ones, not the edge's own directives and tags.
fn served_headers(headers: &http::HeaderMap) -> Vec<(String, String)> {
    const DROP: &[&str] = &[
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "age",
        "cdn-cache-control",
        "surrogate-control",
        "surrogate-key",
        "cache-tag",
        "cache-status",
    ];
    headers
        .iter()
        .filter(|(n, _)| !DROP.contains(&n.as_str()))
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect()
}

/// The RFC 5861 and revalidation directives of a (edge) `Cache-Control`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Directives {
    stale_while_revalidate: u64,
    stale_if_error: u64,
    must_revalidate: bool,
}

impl Directives {
    fn of(headers: &http::HeaderMap) -> Directives {
        let mut d = Directives::default();
        for directive in headers
            .get_all(http::header::CACHE_CONTROL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
        {
            let (name, value) = directive.split_once('=').unwrap_or((directive, ""));
            let seconds = || value.trim().trim_matches('"').parse::<u64>().unwrap_or(0);
            match name.trim().to_ascii_lowercase().as_str() {
                "stale-while-revalidate" => d.stale_while_revalidate = seconds(),
                "stale-if-error" => d.stale_if_error = seconds(),
                "must-revalidate" | "proxy-revalidate" | "no-cache" => d.must_revalidate = true,
                _ => {}
            }
        }
        d
    }
}

fn system_time(unix_seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(unix_seconds)
}

#[cfg(test)]
mod tests;
