//! Offline evaluation on held-out sessions: the first item a session
//! touched is the product page; the rest, graded by their strongest event,
//! are what a good list would have shown.

use std::collections::BTreeSet;

/// NDCG@k with gains `2^g - 1` (g: 1 view, 2 cart, 3 purchase).
pub fn ndcg(ranked: &[&str], truth: &[(&str, u8)], k: usize) -> f64 {
    let gain = |g: u8| f64::from((1u32 << g) - 1);
    let discount = |rank: usize| 1.0 / ((rank + 2) as f64).log2();
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .map(|(r, sku)| {
            truth
                .iter()
                .find(|(t, _)| t == sku)
                .map_or(0.0, |(_, g)| gain(*g) * discount(r))
        })
        .sum();
    let mut ideal: Vec<u8> = truth.iter().map(|(_, g)| *g).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(k)
        .enumerate()
        .map(|(r, g)| gain(*g) * discount(r))
        .sum();
    if idcg == 0.0 { 0.0 } else { dcg / idcg }
}

/// Totals for one ranking method over the held-out requests.
#[derive(Debug, Default)]
pub struct Tally {
    pub requests: usize,
    ndcg5: f64,
    ndcg10: f64,
    categories: f64,
    shown: BTreeSet<String>,
}

impl Tally {
    pub fn add(
        &mut self,
        ranked: &[&str],
        truth: &[(&str, u8)],
        category: impl Fn(&str) -> String,
    ) {
        self.requests += 1;
        self.ndcg5 += ndcg(ranked, truth, 5);
        self.ndcg10 += ndcg(ranked, truth, 10);
        let cats: BTreeSet<String> = ranked.iter().take(10).map(|s| category(s)).collect();
        self.categories += cats.len() as f64;
        self.shown
            .extend(ranked.iter().take(10).map(|s| (*s).to_owned()));
    }

    /// NDCG@10, NDCG@5, catalog coverage, categories per list.
    pub fn figures(&self, catalog: usize) -> (f64, f64, f64, f64) {
        let n = self.requests.max(1) as f64;
        (
            self.ndcg10 / n,
            self.ndcg5 / n,
            self.shown.len() as f64 / catalog.max(1) as f64,
            self.categories / n,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndcg_is_one_for_the_ideal_order_and_less_otherwise() {
        let truth = [("A", 3), ("B", 1)];
        assert!((ndcg(&["A", "B", "C"], &truth, 10) - 1.0).abs() < 1e-12);
        let swapped = ndcg(&["B", "A"], &truth, 10);
        // (1 + 7/log2(3)) / (7 + 1/log2(3))
        let expected = (1.0 + 7.0 / 3f64.log2()) / (7.0 + 1.0 / 3f64.log2());
        assert!((swapped - expected).abs() < 1e-12, "{swapped}");
        assert_eq!(ndcg(&["C", "D"], &truth, 10), 0.0);
        assert_eq!(ndcg(&["A"], &[], 10), 0.0);
        assert_eq!(ndcg(&["C", "A"], &truth, 1), 0.0, "cut at k");
    }
}
