//! Maximal marginal relevance (Carbonell & Goldstein, 1998): the next item
//! is the one maximising `lambda * relevance - (1 - lambda) * max cosine to
//! any item already picked`.
//!
//! Lazy: once something is picked, a candidate's largest similarity can
//! only grow with later picks, so its score can only fall, and a score
//! computed earlier is an upper bound. Candidates wait in a heap by their
//! last score; the top one is brought up to date against the picks it has
//! not seen, and taken only when it is up to date and still on top. Most
//! candidates are never compared with most picks. The result is exactly
//! the formula's (the brute-force test below holds it to that): the same
//! cosines, the same arithmetic, ties to the earlier entry.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::candidates::Candidate;
use super::data::{RecData, dot};

pub(crate) struct Mmr<'p, 'd> {
    data: &'d RecData,
    pool: &'p [Candidate<'d>],
    lambda: f64,
    /// Items in the list so far, in the order they were added.
    picks: Vec<usize>,
    /// Per pool entry (one vector: one allocation per request).
    state: Vec<State>,
    /// Built at the first pick after the first: before any pick there is
    /// no penalty, and a negative cosine to the first pick can raise a
    /// score, so scores are bounds only from then on.
    heap: Option<BinaryHeap<Entry>>,
}

#[derive(Debug, Clone, Copy)]
struct State {
    /// Largest cosine to the first `seen` picks.
    max_sim: f64,
    seen: usize,
    taken: bool,
}

/// A pool entry's score as of `seen` picks.
#[derive(Debug, Clone, Copy)]
struct Entry {
    score: f64,
    index: usize,
    seen: usize,
}

impl Ord for Entry {
    /// Higher score first; on a tie the earlier entry (SKU order), as a
    /// scan keeping the first maximum would choose.
    fn cmp(&self, other: &Entry) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.index.cmp(&self.index))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Entry) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

impl<'p, 'd> Mmr<'p, 'd> {
    /// `pool` relevance is expected normalised to 0..1, like cosine.
    pub fn new(data: &'d RecData, pool: &'p [Candidate<'d>], lambda: f64) -> Mmr<'p, 'd> {
        Mmr {
            data,
            pool,
            lambda,
            picks: Vec::new(),
            state: vec![
                State {
                    max_sim: f64::NEG_INFINITY,
                    seen: 0,
                    taken: false,
                };
                pool.len()
            ],
            heap: None,
        }
    }

    fn score(&self, relevance: f64, penalty: f64) -> f64 {
        // `+ 0.0` turns a negative zero positive, so the heap's total
        // order ranks equal scores equal, as `>` does.
        self.lambda * relevance - (1.0 - self.lambda) * penalty + 0.0
    }

    /// Entry `i`'s score against every pick so far.
    fn refresh(&mut self, i: usize) -> Entry {
        let unit = self.data.unit(self.pool[i].id);
        let state = &mut self.state[i];
        for &pick in &self.picks[state.seen..] {
            let sim = dot(unit, self.data.unit(pick));
            if sim > state.max_sim {
                state.max_sim = sim;
            }
        }
        state.seen = self.picks.len();
        let max_sim = state.max_sim;
        Entry {
            score: self.score(self.pool[i].relevance, max_sim),
            index: i,
            seen: self.picks.len(),
        }
    }

    /// The best entry that `fits`, marked as picked; ties go to the earlier
    /// entry (SKU order), so output is deterministic. An entry that does
    /// not fit is dropped for good: `fits` must stay false once false
    /// (caps only fill up).
    pub fn next(&mut self, fits: impl Fn(&Candidate<'_>) -> bool) -> Option<usize> {
        if self.picks.is_empty() {
            return self.first(fits);
        }
        let mut heap = match self.heap.take() {
            Some(heap) => heap,
            None => {
                let mut entries = Vec::with_capacity(self.pool.len());
                for i in 0..self.pool.len() {
                    if !self.state[i].taken {
                        entries.push(self.refresh(i));
                    }
                }
                BinaryHeap::from(entries)
            }
        };
        let mut found = None;
        while let Some(top) = heap.pop() {
            let i = top.index;
            if self.state[i].taken || !fits(&self.pool[i]) {
                continue;
            }
            if top.seen < self.picks.len() {
                let fresh = self.refresh(i);
                heap.push(fresh);
                continue;
            }
            found = Some(i);
            break;
        }
        self.heap = Some(heap);
        let i = found?;
        self.state[i].taken = true;
        self.picks.push(self.pool[i].id);
        Some(i)
    }

    /// The first pick: relevance alone decides (no penalty yet).
    fn first(&mut self, fits: impl Fn(&Candidate<'_>) -> bool) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for (i, c) in self.pool.iter().enumerate() {
            if self.state[i].taken || !fits(c) {
                continue;
            }
            let score = self.score(c.relevance, 0.0);
            if best.is_none_or(|(_, b)| score > b) {
                best = Some((i, score));
            }
        }
        let (i, _) = best?;
        self.state[i].taken = true;
        self.picks.push(self.pool[i].id);
        Some(i)
    }

    /// Something was put in the list from outside MMR (exploration):
    /// later picks keep their distance from it too.
    pub fn observe(&mut self, item: usize) {
        for (i, c) in self.pool.iter().enumerate() {
            if c.id == item {
                self.state[i].taken = true;
            }
        }
        self.picks.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    /// The MMR formula evaluated from scratch at every step, from the raw
    /// embeddings: what the incremental version must agree with.
    fn reference(rel: &[f64], emb: &[Vec<f64>], k: usize, lambda: f64) -> Vec<usize> {
        let cos = |a: &[f64], b: &[f64]| {
            let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
            let na = a.iter().map(|x| x * x).sum::<f64>().sqrt();
            let nb = b.iter().map(|x| x * x).sum::<f64>().sqrt();
            if na == 0.0 || nb == 0.0 {
                0.0
            } else {
                dot / (na * nb)
            }
        };
        let mut picked: Vec<usize> = Vec::new();
        while picked.len() < k.min(rel.len()) {
            let mut best: Option<(usize, f64)> = None;
            for i in 0..rel.len() {
                if picked.contains(&i) {
                    continue;
                }
                let max_sim = picked
                    .iter()
                    .map(|&j| cos(&emb[i], &emb[j]))
                    .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))))
                    .unwrap_or(0.0);
                let score = lambda * rel[i] - (1.0 - lambda) * max_sim;
                if best.is_none_or(|(_, b)| score > b) {
                    best = Some((i, score));
                }
            }
            match best {
                Some((i, _)) => picked.push(i),
                None => break,
            }
        }
        picked
    }

    fn run(data: &RecData, rel: &[f64], k: usize, lambda: f64) -> Vec<usize> {
        let mut pool: Vec<Candidate<'_>> =
            (0..data.len()).map(|id| Candidate::of(data, id)).collect();
        for (c, r) in pool.iter_mut().zip(rel) {
            c.relevance = *r;
        }
        let mut mmr = Mmr::new(data, &pool, lambda);
        std::iter::from_fn(|| mmr.next(|_| true))
            .take(k)
            .map(|i| pool[i].id)
            .collect()
    }

    #[test]
    fn a_diverse_item_beats_a_near_duplicate_below_lambda_one() {
        // A and its near-duplicate A2 lead on relevance; B points elsewhere.
        let emb = vec![vec![1.0, 0.0], vec![0.99, 0.05], vec![0.0, 1.0]];
        let data = fixture::embeddings(&emb);
        let rel = [1.0, 0.95, 0.6];
        assert_eq!(run(&data, &rel, 2, 0.5), vec![0, 2], "B over A2");
        assert_eq!(run(&data, &rel, 3, 0.5), vec![0, 2, 1]);
        assert_eq!(run(&data, &rel, 3, 1.0), vec![0, 1, 2], "pure relevance");
        assert_eq!(run(&data, &rel, 3, 0.5), reference(&rel, &emb, 3, 0.5));
    }

    #[test]
    fn agrees_with_the_brute_force_formula() {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for round in 0..20 {
            let n = 5 + round * 2;
            let emb: Vec<Vec<f64>> = (0..n)
                .map(|_| (0..4).map(|_| next() * 2.0 - 1.0).collect())
                .collect();
            let rel: Vec<f64> = (0..n).map(|_| next()).collect();
            let data = fixture::embeddings(&emb);
            for lambda in [0.0, 0.3, 0.7, 1.0] {
                let got = run(&data, &rel, 10, lambda);
                assert_eq!(
                    got,
                    reference(&rel, &emb, 10, lambda),
                    "n={n} lambda={lambda}"
                );
            }
            // At lambda = 1 the order is relevance order.
            let mut by_rel: Vec<usize> = (0..n).collect();
            by_rel.sort_by(|&a, &b| rel[b].total_cmp(&rel[a]));
            by_rel.truncate(10);
            assert_eq!(run(&data, &rel, 10, 1.0), by_rel);
        }
    }

    #[test]
    fn fits_is_respected_and_exhaustion_ends() {
        let emb = vec![vec![1.0, 0.0], vec![0.0, 1.0], vec![1.0, 1.0]];
        let data = fixture::embeddings(&emb);
        let mut pool: Vec<Candidate<'_>> = (0..3).map(|id| Candidate::of(&data, id)).collect();
        pool[0].relevance = 1.0;
        let mut mmr = Mmr::new(&data, &pool, 0.7);
        let picks: Vec<usize> = std::iter::from_fn(|| mmr.next(|c| c.id != 0)).collect();
        assert_eq!(picks.len(), 2);
        assert!(!picks.contains(&0));
    }
}
