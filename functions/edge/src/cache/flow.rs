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

use super::conditional::{self, Conditions, Precondition, Ranged};
use super::directives::RequestDirectives;
use super::key::{CacheRequest, VaryRefusal};
use super::kv::Expiry;
use super::status::{CacheStatus, Forward};
use super::store::{self, Head, Stored};
use super::tags::{Generation, Verdict};
use super::{CacheConfig, Kv, tags};
use crate::http::response::{Refusal, Response};

/// What a fetch produced: a whole HTTP response.
pub type Fetched = http::Response<Vec<u8>>;

/// Unix seconds now. Read again once a fetch returns: a response's age
/// counts from when it arrived, and a slow render must not arrive stale.
pub type Clock<'a> = &'a dyn Fn() -> u64;

/// The client's own conditions, ranges and directives, answered after
/// the cache has its response (RFC 9110 §13, §14; RFC 9111 §5.2.1).
#[derive(Debug, Clone, Copy, Default)]
pub struct Client<'a> {
    pub if_none_match: Option<&'a str>,
    pub if_modified_since: Option<&'a str>,
    /// `HEAD`: the same answer without its body.
    pub head: bool,
    /// A `HEAD` miss is forwarded as `HEAD` and not stored (origins);
    /// otherwise it fills the entry like a `GET` (renditions, whose
    /// renderer has no cheaper `HEAD`).
    pub forward_head: bool,
    pub if_match: Option<&'a str>,
    pub if_unmodified_since: Option<&'a str>,
    /// `Range` (one byte range is served from a whole stored response;
    /// on a miss it goes to the origin with `If-Range`).
    pub range: Option<&'a str>,
    pub if_range: Option<&'a str>,
    /// The request's `Cache-Control` ([`RequestDirectives`]).
    pub cache_control: Option<&'a str>,
}

impl<'a> Client<'a> {
    /// Reads the fields the cache answers from a request's headers, for a
    /// route whose fetch can answer `HEAD` itself (an origin).
    pub fn from_headers(headers: impl Fn(&str) -> Option<&'a str>, head: bool) -> Client<'a> {
        Client {
            if_none_match: headers("if-none-match"),
            if_modified_since: headers("if-modified-since"),
            head,
            forward_head: true,
            if_match: headers("if-match"),
            if_unmodified_since: headers("if-unmodified-since"),
            range: headers("range"),
            if_range: headers("if-range"),
            cache_control: headers("cache-control"),
        }
    }

    fn conditions(&self) -> Conditions<'a> {
        Conditions {
            if_match: self.if_match,
            if_none_match: self.if_none_match,
            if_modified_since: self.if_modified_since,
            if_unmodified_since: self.if_unmodified_since,
            range: self.range,
            if_range: self.if_range,
        }
    }
}

/// `only-if-cached` with nothing usable stored (RFC 9111 §5.2.1.7).
fn not_cached() -> Refusal {
    Refusal::new(
        504,
        "only-if-cached",
        "only-if-cached: nothing usable is stored for this request",
    )
}

/// A response and what the cache did for it.
#[derive(Debug)]
pub struct Outcome {
    pub response: Response,
    pub status: CacheStatus,
    /// Work to do after the response is sent (`stale-while-revalidate`).
    pub revalidation: Option<Revalidation>,
}

/// A deferred revalidation of a stale entry that was served. It holds the
/// entry's fill lock, so concurrent stale hits start one revalidation.
#[derive(Debug)]
pub struct Revalidation {
    request: CacheRequest,
    id: String,
    lock: FillLock,
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
        let found = lookup(kv, &self.id, clock());
        let conditional = match &found.stored {
            Some(stored) => conditional_request(&self.request, &stored.head),
            None => plain_request(&self.request),
        };
        let snapshot = Snapshot::take(kv, &self.request, &found.known_tags, clock());
        let fetched = fetch(conditional).await;
        let result = match fetched {
            Ok(fetched) if fetched.status().is_server_error() => Err(Refusal::new(
                fetched.status().as_u16(),
                "revalidation-failed",
                format!("origin answered {}", fetched.status()),
            )),
            Ok(fetched) => Ok(after_fetch(
                kv,
                config,
                &self.request,
                found.stored,
                fetched,
                &snapshot,
                clock(),
            )
            .status),
            Err(refusal) => Err(refusal),
        };
        self.lock.release(kv);
        result
    }
}

/// What a lookup found: a usable entry, or none and the tags the entry
/// that was there had (so the refetch knows their purge generations).
struct Found {
    stored: Option<Stored>,
    known_tags: Vec<String>,
}

/// Reads entry `id` and applies lifetimes and purges: an entry past its
/// last usable moment or hard-purged is deleted and a miss; a soft-purged
/// one is stale. Purge records that cannot be read make it a miss (it
/// cannot be shown to be unpurged).
fn lookup<K: Kv>(kv: &K, id: &str, now: u64) -> Found {
    let Some(mut stored) = store::read(kv, id) else {
        return Found {
            stored: None,
            known_tags: Vec::new(),
        };
    };
    let gone = |stored: Stored| {
        let _ = store::remove(kv, &stored.id, &stored.head);
        Found {
            stored: None,
            known_tags: stored.head.tags,
        }
    };
    if now > stored.head.last_usable {
        return gone(stored);
    }
    match tags::records(kv.durable(), &stored.head.tags) {
        Err(_) => Found {
            stored: None,
            known_tags: stored.head.tags,
        },
        Ok(records) => match tags::verdict(&records, &stored.head.marks) {
            Verdict::Hard => gone(stored),
            Verdict::Soft(at) => {
                let head = &mut stored.head;
                head.invalidated_at = Some(head.invalidated_at.map_or(at, |was| was.min(at)));
                Found {
                    stored: Some(stored),
                    known_tags: Vec::new(),
                }
            }
            Verdict::Current => Found {
                stored: Some(stored),
                known_tags: Vec::new(),
            },
        },
    }
}

/// The purge records of the tags known before a fetch starts (the URL's
/// and those of the entry it replaces), and when it started: a purge
/// after this can never be undone by what the fetch brings back.
struct Snapshot {
    fetched_at: u64,
    known: Vec<(String, tags::Record)>,
}

impl Snapshot {
    fn take<K: Kv>(kv: &K, request: &CacheRequest, known: &[String], now: u64) -> Snapshot {
        let mut names = vec![tags::url_tag(&request.url)];
        names.extend(known.iter().cloned());
        names.sort();
        names.dedup();
        let known = match tags::records(kv.durable(), &names) {
            Ok(records) => names.into_iter().zip(records).collect(),
            // Unknown records: judged by time alone below.
            Err(_) => Vec::new(),
        };
        Snapshot {
            fetched_at: now,
            known,
        }
    }

    /// The generations to store with an entry tagged `tags`, and the
    /// moment a soft purge during the fetch made it stale; `None` when a
    /// hard purge reached it while the fetch was in flight. Tags unknown
    /// at the start count as purged in flight when purged in the same
    /// second or later (conservative: that second is not cached).
    fn marks<K: Kv>(&self, kv: &K, tags: &[String]) -> Option<(Vec<Generation>, Option<u64>)> {
        let records = tags::records(kv.durable(), tags).ok()?;
        let mut stale_from: Option<u64> = None;
        for (tag, record) in tags.iter().zip(&records) {
            let known = self.known.iter().find(|(t, _)| t == tag).map(|(_, r)| r);
            let (hard_moved, soft_moved) = match known {
                Some(before) => (record.hard != before.hard, record.soft != before.soft),
                None => (
                    record.hard > 0 && record.hard_at >= self.fetched_at,
                    record.soft > 0 && record.soft_at >= self.fetched_at,
                ),
            };
            if hard_moved {
                return None;
            }
            if soft_moved {
                stale_from = Some(stale_from.map_or(record.soft_at, |s| s.min(record.soft_at)));
            }
        }
        Some((
            records.iter().map(tags::Record::generation).collect(),
            stale_from,
        ))
    }
}

/// One entry's fill lock (`c/l/<id>` in the entry store, holding the unix
/// second it expires): concurrent misses and revalidations of an entry
/// make one origin fetch. A dead holder's lock expires; an evicted lock
/// only costs a second fetch.
#[derive(Debug)]
struct FillLock {
    /// Key and value while held.
    held: Option<(String, Vec<u8>)>,
}

enum Lock {
    Acquired(FillLock),
    /// Another request is filling the entry.
    Busy,
}

impl FillLock {
    fn key(id: &str) -> String {
        format!("c/l/{id}")
    }

    fn expiry(value: &[u8]) -> u64 {
        std::str::from_utf8(value)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    /// Whether another request holds `id`'s lock at `now`.
    fn busy<K: Kv>(kv: &K, id: &str, now: u64) -> bool {
        matches!(kv.get(&FillLock::key(id)), Ok(Some(v)) if FillLock::expiry(&v) > now)
    }

    fn acquire<K: Kv>(kv: &K, config: &CacheConfig, id: &str, now: u64) -> Lock {
        let key = FillLock::key(id);
        // A store that cannot lock must not stop the fetch.
        let unlocked = Lock::Acquired(FillLock { held: None });
        let Ok(current) = kv.get(&key) else {
            return unlocked;
        };
        if current
            .as_deref()
            .is_some_and(|v| FillLock::expiry(v) > now)
        {
            return Lock::Busy;
        }
        let until = now + config.fill_lock_s;
        let value = until.to_string().into_bytes();
        // The store drops a lock whose holder died once it has expired.
        match kv.swap_if_until(
            &key,
            current.as_deref(),
            &value,
            Expiry::after_second(until),
        ) {
            Ok(true) => Lock::Acquired(FillLock {
                held: Some((key, value)),
            }),
            Ok(false) => Lock::Busy,
            Err(_) => unlocked,
        }
    }

    /// Frees the lock if it is still this request's. (Were it taken over
    /// between the read and the delete, after expiring, the cost is one
    /// more concurrent fetch.)
    fn release<K: Kv>(self, kv: &K) {
        if let Some((key, value)) = self.held
            && kv.get(&key).ok().flatten().as_deref() == Some(value.as_slice())
        {
            let _ = kv.delete(&key);
        }
    }
}

/// How long a waiter sleeps between reads of an entry being filled.
const FILL_POLL: Duration = Duration::from_millis(50);

/// Waits (bounded by `fill_wait_ms`) for another request's fill of
/// `request`: the entry once it is there, `None` once the filler is done
/// without one, or the wait is over.
fn await_fill<K: Kv>(
    kv: &K,
    config: &CacheConfig,
    request: &CacheRequest,
    id: &str,
    clock: Clock<'_>,
) -> Option<Stored> {
    let polls = config.fill_wait_ms.div_ceil(FILL_POLL.as_millis() as u64);
    for _ in 0..polls {
        kv.pause(FILL_POLL);
        let vary = store::read_vary(kv, &request.primary);
        let filled = request.entry_id(vary.as_deref().unwrap_or_default());
        if let Some(stored) = lookup(kv, &filled, clock()).stored
            && stored.head.is_fresh(clock())
        {
            return Some(stored);
        }
        if !FillLock::busy(kv, id, clock()) {
            return None;
        }
    }
    None
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
    let demand = RequestDirectives::parse(client.cache_control)
        .honouring(config.client_revalidation(&request.url));
    let vary = store::read_vary(kv, &request.primary);
    let id = request.entry_id(vary.as_deref().unwrap_or_default());
    let found = lookup(kv, &id, now);
    let Some(stored) = found.stored else {
        if demand.only_if_cached {
            return Err(not_cached());
        }
        if (client.head && client.forward_head) || (client.range.is_some() && !client.head) {
            return pass_through(request, client, fetch).await;
        }
        let forward = match &vary {
            Some(names) if !names.is_empty() => Forward::VaryMiss,
            _ => Forward::UriMiss,
        };
        let lock = match FillLock::acquire(kv, config, &id, now) {
            Lock::Acquired(lock) => lock,
            Lock::Busy => {
                if let Some(filled) = await_fill(kv, config, request, &id, clock) {
                    let now = clock();
                    let ttl = filled.head.fresh_until.saturating_sub(now) as i64;
                    let status = CacheStatus::new(Forward::Hit).ttl(ttl).detail("collapsed");
                    return Ok(finish(from_store(filled, now, status), client));
                }
                // The filler stored nothing usable, or is too slow: fetch.
                FillLock { held: None }
            }
        };
        let snapshot = Snapshot::take(kv, request, &found.known_tags, clock());
        let fetched = fetch(plain_request(request)).await;
        let fetched = match fetched {
            Ok(fetched) => fetched,
            Err(refusal) => {
                lock.release(kv);
                return Err(refusal);
            }
        };
        let mut outcome = after_fetch(kv, config, request, None, fetched, &snapshot, clock());
        lock.release(kv);
        outcome.status.forward = forward;
        return Ok(finish(outcome, client));
    };

    let head = &stored.head;
    let ttl = if head.is_fresh(now) {
        head.fresh_until.saturating_sub(now) as i64
    } else {
        // Stale from the second freshness ends: at that second `staleness`
        // is still 0, which must not read as fresh with ttl 0.
        -(head.staleness(now).max(1) as i64)
    };
    if demand.accepts(head.age(now), ttl, head.must_revalidate) {
        let status = CacheStatus::new(Forward::Hit).ttl(ttl);
        let status = if ttl < 0 {
            status.detail("max-stale")
        } else {
            status
        };
        return Ok(finish(from_store(stored, now, status), client));
    }

    let staleness = head.staleness(now);
    let stale_ttl = -(staleness as i64);
    let may_serve_on_error = !head.must_revalidate && staleness <= head.stale_if_error;
    // Fresh but not fresh enough for this client: revalidated below.
    let swr_allowed = !demand.forces_revalidation() && !head.is_fresh(now);
    if swr_allowed && !head.must_revalidate && staleness <= head.stale_while_revalidate {
        let status = CacheStatus::new(Forward::Hit)
            .ttl(stale_ttl)
            .detail("stale-while-revalidate");
        // One revalidation at a time; the others just serve stale.
        let revalidation = match FillLock::acquire(kv, config, &id, now) {
            Lock::Acquired(lock) => Some(Revalidation {
                request: request.clone(),
                id: stored.id.clone(),
                lock,
            }),
            Lock::Busy => None,
        };
        let outcome = Outcome {
            revalidation,
            ..from_store(stored, now, status)
        };
        return Ok(finish(outcome, client));
    }
    if demand.only_if_cached {
        return Err(not_cached());
    }

    let lock = match FillLock::acquire(kv, config, &id, now) {
        Lock::Acquired(lock) => lock,
        Lock::Busy if may_serve_on_error => {
            // Another request is revalidating it: stand in meanwhile.
            let status = CacheStatus::new(Forward::Hit)
                .ttl(stale_ttl)
                .detail("collapsed");
            return Ok(finish(from_store(stored, now, status), client));
        }
        Lock::Busy => {
            if let Some(filled) = await_fill(kv, config, request, &id, clock) {
                let now = clock();
                let ttl = filled.head.fresh_until.saturating_sub(now) as i64;
                let status = CacheStatus::new(Forward::Hit).ttl(ttl).detail("collapsed");
                return Ok(finish(from_store(filled, now, status), client));
            }
            FillLock { held: None }
        }
    };
    let snapshot = Snapshot::take(kv, request, &stored.head.tags, clock());
    let fetched = fetch(conditional_request(request, &stored.head)).await;
    let failed_status = match &fetched {
        Ok(f) if f.status().is_server_error() => Some(f.status().as_u16()),
        Err(r) if r.status >= 500 => Some(r.status),
        _ => None,
    };
    if let (Some(fwd_status), true) = (failed_status, may_serve_on_error) {
        lock.release(kv);
        let status = CacheStatus::new(Forward::Stale)
            .fwd_status(fwd_status)
            .ttl(stale_ttl)
            .detail("stale-if-error");
        return Ok(finish(from_store(stored, now, status), client));
    }
    let fetched = match fetched {
        Ok(fetched) => fetched,
        Err(refusal) => {
            lock.release(kv);
            return Err(refusal);
        }
    };
    let mut outcome = after_fetch(
        kv,
        config,
        request,
        Some(stored),
        fetched,
        &snapshot,
        clock(),
    );
    lock.release(kv);
    outcome.status.forward = Forward::Stale;
    Ok(finish(outcome, client))
}

/// A miss the cache does not fill: `HEAD` forwarded as `HEAD`, a range
/// with its `If-Range` forwarded as asked. Nothing is stored (a `HEAD`
/// answer has no body, a `206` is a part); a whole `200` the origin sends
/// instead is answered with the range as usual.
async fn pass_through(
    request: &CacheRequest,
    client: Client<'_>,
    fetch: impl AsyncFn(http::request::Parts) -> Result<Fetched, Refusal>,
) -> Result<Outcome, Refusal> {
    let mut parts = plain_request(request);
    if client.head {
        parts.method = http::Method::HEAD;
    } else {
        for (name, value) in [("range", client.range), ("if-range", client.if_range)] {
            if let Some(v) = value.and_then(|v| http::HeaderValue::from_str(v).ok()) {
                parts.headers.insert(name, v);
            }
        }
    }
    let fetched = fetch(parts).await?;
    let fwd_status = fetched.status().as_u16();
    let length = fetched
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (parts, body) = fetched.into_parts();
    let mut response = Response::new(fwd_status);
    response.headers = served_headers(&parts.headers);
    response.body = body;
    if client.head
        && let Some(length) = length
    {
        // The length of the body a GET would get.
        response.headers.push(("content-length".into(), length));
    }
    let status = CacheStatus::new(Forward::UriMiss)
        .fwd_status(fwd_status)
        .detail(if client.head { "head" } else { "range" });
    Ok(finish(
        Outcome {
            response,
            status,
            revalidation: None,
        },
        client,
    ))
}

/// The request a miss sends on.
fn plain_request(request: &CacheRequest) -> http::request::Parts {
    request.fetch_parts()
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
    snapshot: &Snapshot,
    now: u64,
) -> Outcome {
    let fwd_status = fetched.status().as_u16();
    let at = system_time(now);
    let previous = match previous {
        Some(stored) if fwd_status == 304 => {
            match refresh(kv, request, stored, &fetched, snapshot, now) {
                Ok(outcome) => return outcome,
                Err(stored) => Some(*stored),
            }
        }
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
    tags.sort();
    tags.dedup();

    let refused = if fwd_status == 206 {
        // A part is not the response the key names.
        Some("partial")
    } else if !policy.is_storable() {
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
            match snapshot.marks(kv, &tags) {
                // A hard purge landed while this was in flight: what it
                // brought back may be what the purge meant to remove.
                None => {
                    status = status.detail("purged-in-flight");
                    None
                }
                Some((marks, invalidated_at)) => {
                    let fresh_until = now + ttl;
                    let head = Head {
                        primary: request.primary.clone(),
                        status: fwd_status,
                        headers: headers.clone(),
                        tags,
                        marks,
                        body: store::BodyRef::Inline { length: 0 },
                        stored_at: now,
                        fetched_at: snapshot.fetched_at,
                        last_usable: Head::usable_until(
                            fresh_until,
                            directives.stale_while_revalidate,
                            directives.stale_if_error,
                        ),
                        age_at_store: policy.age(at).as_secs(),
                        fresh_until,
                        stale_while_revalidate: directives.stale_while_revalidate,
                        stale_if_error: directives.stale_if_error,
                        must_revalidate: directives.must_revalidate,
                        invalidated_at,
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
            }
        }
    };
    // A replaced entry whose new response may not be stored is gone: the
    // origin no longer allows the old one either. A 401 or 403 refuses
    // this request's credentials (or their absence) and says nothing of
    // the stored response, so it stays for requests the origin accepts.
    if let (None, Some(prev), false) = (&stored_id, previous, matches!(fwd_status, 401 | 403)) {
        let _ = store::remove(kv, &prev.id, &prev.head);
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
    snapshot: &Snapshot,
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
    stored.head.last_usable = Head::usable_until(
        stored.head.fresh_until,
        stored.head.stale_while_revalidate,
        stored.head.stale_if_error,
    );
    let written = match snapshot.marks(kv, &stored.head.tags) {
        Some((marks, invalidated_at)) => {
            stored.head.marks = marks;
            stored.head.fetched_at = snapshot.fetched_at;
            stored.head.invalidated_at = invalidated_at;
            store::rewrite_head(kv, &stored).is_ok()
        }
        // Purged while revalidating: this request (older than the purge)
        // gets the body; nobody after it does.
        None => {
            let _ = store::remove(kv, &stored.id, &stored.head);
            false
        }
    };
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

/// Says what the cache did and applies the client's conditions, range
/// and method.
fn finish(mut outcome: Outcome, client: Client<'_>) -> Outcome {
    let r = &mut outcome.response;
    r.headers
        .push(("cache-status".into(), outcome.status.value()));
    // A forwarded HEAD's own length stands; otherwise the body's.
    let head_length = client.head && r.body.is_empty() && r.get("content-length").is_some();
    if !head_length {
        r.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("content-length"));
        r.headers
            .push(("content-length".into(), r.body.len().to_string()));
    }
    if r.status != 200 {
        if client.head {
            r.body.clear();
        }
        return outcome;
    }
    let conditions = client.conditions();
    let (etag, modified) = (
        r.get("etag").map(str::to_owned),
        r.get("last-modified").map(str::to_owned),
    );
    match conditions.evaluate(etag.as_deref(), modified.as_deref()) {
        Precondition::NotModified => {
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
            return outcome;
        }
        Precondition::Failed => {
            let refusal = Refusal::new(
                412,
                "precondition-failed",
                "If-Match or If-Unmodified-Since does not hold for the current representation",
            );
            let cache_status = r.get("cache-status").map(str::to_owned);
            *r = refusal.into_response();
            r.headers
                .extend(cache_status.map(|v| ("cache-status".to_owned(), v)));
            return outcome;
        }
        Precondition::Proceed => {}
    }
    if let Some(field) = client.range.filter(|_| !client.head)
        && conditions.range_applies(etag.as_deref(), modified.as_deref())
    {
        let length = r.body.len() as u64;
        let set_length = |r: &mut Response| {
            r.headers
                .retain(|(n, _)| !n.eq_ignore_ascii_case("content-length"));
            r.headers
                .push(("content-length".into(), r.body.len().to_string()));
        };
        match conditional::range(field, length) {
            Ranged::Whole => {}
            Ranged::Part { first, last } => {
                r.status = 206;
                r.body = r.body[first as usize..=last as usize].to_vec();
                r.headers.push((
                    "content-range".into(),
                    format!("bytes {first}-{last}/{length}"),
                ));
                set_length(r);
            }
            Ranged::Unsatisfiable => {
                r.status = 416;
                r.body.clear();
                r.headers
                    .push(("content-range".into(), format!("bytes */{length}")));
                set_length(r);
            }
        }
    }
    if client.head {
        r.body.clear();
    }
    outcome
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

/// Headers that belong to one connection (RFC 9110 §7.6.1), and
/// `content-length`, which the edge sets for the body it sends: never
/// stored, forwarded or answered with.
pub(crate) const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
];

/// Headers a stored or forwarded response carries to the shopper: not
/// hop-by-hop ones, not the edge's own directives and tags.
fn served_headers(headers: &http::HeaderMap) -> Vec<(String, String)> {
    const EDGE_ONLY: &[&str] = &[
        "age",
        "cdn-cache-control",
        "surrogate-control",
        "surrogate-key",
        "cache-tag",
        "cache-status",
    ];
    headers
        .iter()
        .filter(|(n, _)| !HOP_BY_HOP.contains(&n.as_str()) && !EDGE_ONLY.contains(&n.as_str()))
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
