//! Recommendations re-ranked at the edge from precomputed data
//! ([`data`], made by `examples/recommend_offline.rs`):
//!
//! 1. [`candidates`]: similar to the context's items, trending in the
//!    market, in recently viewed categories (only when given), promoted;
//! 2. [`filter`]: the caller's predicate (the gate's territory and copy
//!    decisions) and the context's own items, before anything is ranked;
//! 3. [`rules`]: out of stock dropped; promoted share and category caps;
//! 4. [`mmr`]: diversification over embedding cosine, with a share of the
//!    list left to [`explore`], seeded by day and context;
//! 5. [`reasons`] on every item.
//!
//! Nothing here keeps request state: the caller keeps [`RecData`] and
//! [`RecConfig`] per instance and calls [`recommend`] per request.

pub mod candidates;
pub mod config;
pub mod data;
mod explore;
mod filter;
mod mmr;
pub mod reasons;
pub mod request;
mod rules;
mod timing;

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod tests;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use serde::Serialize;

pub use candidates::Candidate;
pub use config::{ConfigError, MAX_K, RecConfig, Weights};
pub use data::{DataError, RawData, RawItem, RecData, SHIPPED_DATA, Scored};
pub use reasons::Reason;
pub use request::{Context, Request, RequestError};
pub use timing::server_timing;

use config::share_of;
use mmr::Mmr;
use rules::Caps;

/// One recommended item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub sku: String,
    /// Relevance, 0 to 1 (1 for the most relevant candidate). The list's
    /// order is MMR's, which trades some of it for diversity.
    pub score: f64,
    /// Never empty.
    pub reasons: Vec<Reason>,
}

/// A ranked list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendations {
    pub items: Vec<Recommendation>,
    /// The list used the shopper's recently viewed items: the caller must
    /// not put it in a shared cache.
    pub personalised: bool,
    /// Items some source proposed (before the predicate and the rules):
    /// the size of what was re-ranked, for timing reports.
    pub candidates: usize,
}

/// Up to `k` items for a request, best first. `allowed` says whether the
/// gate lets this market see a candidate; nothing it refuses is returned.
pub fn recommend(
    data: &RecData,
    config: &RecConfig,
    request: &Request<'_>,
    allowed: impl Fn(&Candidate<'_>) -> bool,
) -> Result<Recommendations, RequestError> {
    let checked = request::check(request, data, config)?;
    let (mut pool, trending_key) =
        candidates::generate(data, &config.weights, &checked, request.market);
    let proposed = pool.len();
    // The gate's say, then stock, in one pass in place (the predicate sees
    // every candidate, out of stock too, as when these were two passes).
    pool.retain(|c| filter::allowed(c, &checked.context, &allowed) && rules::in_stock(c));
    normalise(&mut pool);

    let k = checked.k;
    let explore_slots = share_of(config.exploration_share, k);
    let mut caps = Caps::new(config, k);
    let mut mmr = Mmr::new(data, &pool, config.lambda);
    let mut picked: Vec<Candidate<'_>> = Vec::with_capacity(k);
    fill(&pool, &mut picked, &mut caps, &mut mmr, k - explore_slots);

    if explore_slots > 0 {
        // Per item: its pool entry, or that it is not in the pool, or that
        // it is out of the running (listed already, or in the context).
        const NOT_IN_POOL: u32 = u32::MAX;
        const OUT: u32 = u32::MAX - 1;
        let mut slot = vec![NOT_IN_POOL; data.len()];
        for (i, c) in pool.iter().enumerate() {
            // A pool never nears u32::MAX entries: it is at most the data,
            // which is a parsed file.
            slot[c.id] = i as u32;
        }
        for id in checked
            .context
            .iter()
            .copied()
            .chain(picked.iter().map(|c| c.id))
        {
            slot[id] = OUT;
        }
        let ranker = explore::Ranker::new(
            config.exploration_seed,
            request.now / 86_400,
            &request.context.key(),
        );
        // Items no source proposed come first: that is what exploring is.
        // Out of stock never qualifies, so it is not even hashed; a heap
        // yields the order's head without sorting all of it.
        let mut order = Vec::with_capacity(data.len());
        for (id, item) in data.items.iter().enumerate() {
            if item.in_stock && slot[id] != OUT {
                order.push(Reverse((
                    slot[id] != NOT_IN_POOL,
                    ranker.rank(&item.sku),
                    id,
                )));
            }
        }
        let mut order = BinaryHeap::from(order);
        let mut explored = 0;
        while explored < explore_slots
            && let Some(Reverse((in_pool, _, id))) = order.pop()
        {
            let mut c = if in_pool {
                pool[slot[id] as usize]
            } else {
                Candidate::of(data, id)
            };
            if !caps.fits(&c) || !allowed(&c) {
                continue;
            }
            c.sources |= candidates::EXPLORATION;
            caps.take(&c);
            mmr.observe(id);
            picked.push(c);
            explored += 1;
        }
    }
    // Slots exploration could not use go back to ranking.
    fill(&pool, &mut picked, &mut caps, &mut mmr, k);

    Ok(Recommendations {
        items: picked
            .iter()
            .map(|c| Recommendation {
                sku: c.sku.to_owned(),
                score: c.relevance,
                reasons: reasons_for(data, &checked.context, trending_key, c),
            })
            .collect(),
        personalised: checked.recent_categories.is_some_and(|c| !c.is_empty()),
        candidates: proposed,
    })
}

/// The reasons of a returned item, from the sources that brought it: one
/// `similar-to` per context item whose list holds it.
fn reasons_for(
    data: &RecData,
    context: &[usize],
    trending_key: Option<&str>,
    c: &Candidate<'_>,
) -> Vec<Reason> {
    let mut out = Vec::new();
    if c.sources & candidates::SIMILAR != 0 {
        for &ctx in context {
            let item = &data.items[ctx];
            if item.similar_ids.binary_search(&c.id).is_ok() {
                out.push(Reason::SimilarTo(item.sku.clone()));
            }
        }
    }
    if c.sources & candidates::TRENDING != 0
        && let Some(key) = trending_key
    {
        out.push(Reason::TrendingIn(key.to_owned()));
    }
    for (bit, reason) in [
        (candidates::RECENT, Reason::RecentlyViewedCategory),
        (candidates::PROMOTED, Reason::Promoted),
        (candidates::EXPLORATION, Reason::Exploration),
    ] {
        if c.sources & bit != 0 {
            out.push(reason);
        }
    }
    out
}

/// MMR picks until the list holds `upto` items or nothing fits.
fn fill<'d>(
    pool: &[Candidate<'d>],
    picked: &mut Vec<Candidate<'d>>,
    caps: &mut Caps,
    mmr: &mut Mmr<'_, 'd>,
    upto: usize,
) {
    while picked.len() < upto {
        let Some(i) = mmr.next(|c| caps.fits(c)) else {
            break;
        };
        caps.take(&pool[i]);
        picked.push(pool[i]);
    }
}

/// Relevance to 0..1, the scale of cosine similarity, so lambda means the
/// same whatever the weights add up to.
fn normalise(pool: &mut [Candidate<'_>]) {
    let max = pool.iter().map(|c| c.relevance).fold(0.0, f64::max);
    if max > 0.0 {
        for c in pool {
            c.relevance /= max;
        }
    }
}
