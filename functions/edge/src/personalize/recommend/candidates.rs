//! Candidate generation: items similar to the context, trending in the
//! market, in recently viewed categories, and promoted; each with the
//! relevance its sources add up to and which sources brought it.

use super::config::Weights;
use super::data::RecData;
use super::request::Checked;

/// Which sources brought a candidate (bits), turned into [`super::Reason`]s
/// only for the items returned.
pub(crate) const SIMILAR: u8 = 1;
pub(crate) const TRENDING: u8 = 1 << 1;
pub(crate) const RECENT: u8 = 1 << 2;
pub(crate) const PROMOTED: u8 = 1 << 3;
pub(crate) const EXPLORATION: u8 = 1 << 4;

/// An item that may be recommended, as the caller's predicate sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate<'d> {
    pub sku: &'d str,
    /// A category of `policy::codes::CATEGORIES`.
    pub category: &'d str,
    pub in_stock: bool,
    pub promoted: bool,
    /// What its sources add up to (normalised to 0..1 before ranking).
    pub relevance: f64,
    pub(crate) id: usize,
    pub(crate) category_id: usize,
    pub(crate) sources: u8,
}

impl<'d> Candidate<'d> {
    /// The item's index in the data (SKU order, as [`RecData::skus`]
    /// lists them): a caller keeps per-item facts in a vector indexed by
    /// it instead of looking the SKU up per candidate.
    pub fn index(&self) -> usize {
        self.id
    }

    pub(crate) fn of(data: &'d RecData, id: usize) -> Candidate<'d> {
        let item = &data.items[id];
        Candidate {
            sku: &item.sku,
            category: &item.category,
            in_stock: item.in_stock,
            promoted: item.promoted,
            relevance: 0.0,
            id,
            category_id: item.category_id,
            sources: 0,
        }
    }
}

/// Every item some source proposes, in item (SKU) order, and the market key
/// whose trending list was used. Context items are included here and
/// dropped by the filter.
pub(crate) fn generate<'d>(
    data: &'d RecData,
    weights: &Weights,
    checked: &Checked,
    market: &str,
) -> (Vec<Candidate<'d>>, Option<&'d str>) {
    let n = data.len();
    let mut relevance = vec![0.0_f64; n];
    let mut sources = vec![0_u8; n];

    // Similar: the best co-occurrence with any context item counts (a cart
    // of three scarves should not make a fourth thrice as relevant).
    if weights.similar > 0.0 && !checked.context.is_empty() {
        // `relevance` holds the best score first, then its weight: no
        // second vector, and the same value as adding it to zero.
        for &ctx in &checked.context {
            for &(id, score) in &data.items[ctx].similar {
                relevance[id] = relevance[id].max(score);
                sources[id] |= SIMILAR;
            }
        }
        for r in &mut relevance {
            *r *= weights.similar;
        }
    }

    let mut trending_key = None;
    if weights.trending > 0.0
        && let Some((key, list)) = data.trending_for(market)
    {
        trending_key = Some(key);
        for &(id, score) in list {
            relevance[id] += weights.trending * score;
            sources[id] |= TRENDING;
        }
    }

    if weights.recently_viewed > 0.0
        && let Some(categories) = checked.recent_categories
        && !categories.is_empty()
    {
        for (id, item) in data.items.iter().enumerate() {
            if categories.contains(item.category_id) {
                // Popularity orders items within a category.
                relevance[id] += weights.recently_viewed * (0.5 + 0.5 * item.popularity);
                sources[id] |= RECENT;
            }
        }
    }

    if weights.promoted > 0.0 {
        for (id, item) in data.items.iter().enumerate() {
            if item.promoted {
                relevance[id] += weights.promoted;
                sources[id] |= PROMOTED;
            }
        }
    }

    // Sized once: growing it by doubling copied every candidate again.
    let mut pool = Vec::with_capacity(sources.iter().filter(|s| **s != 0).count());
    for (id, (&relevance, &sources)) in relevance.iter().zip(&sources).enumerate() {
        if sources != 0 {
            pool.push(Candidate {
                relevance,
                sources,
                ..Candidate::of(data, id)
            });
        }
    }
    (pool, trending_key)
}
