//! Bucket ranges: which slice of `[0, 1)` each variation owns, and which
//! slice a namespace gives an experiment.

use serde::Deserialize;

use super::hash::hash;

/// `[start, end)` of `[0, 1)`.
pub type VariationRange = (f64, f64);

/// A namespace: experiments in one are mutually exclusive because each
/// owns a disjoint `[start, end)` of the namespace's own hash.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Namespace(pub String, pub f64, pub f64);

/// `n` equal weights (none for `n == 0`).
pub fn get_equal_weights(n: usize) -> Vec<f64> {
    vec![1.0 / n as f64; n]
}

pub fn in_range(n: f64, range: VariationRange) -> bool {
    n >= range.0 && n < range.1
}

/// The ranges of `num_variations` variations: weights laid end to end,
/// each cut to `coverage` of its width. Coverage is clamped to `[0, 1]`;
/// weights of the wrong length or not summing to 1 (±0.01) become equal.
pub fn get_bucket_ranges(
    num_variations: usize,
    coverage: Option<f64>,
    weights: Option<&[f64]>,
) -> Vec<VariationRange> {
    let coverage = coverage.unwrap_or(1.0).clamp(0.0, 1.0);
    let equal = get_equal_weights(num_variations);
    let mut weights = match weights {
        Some(w) if w.len() == num_variations => w.to_vec(),
        _ => equal.clone(),
    };
    // Summed left to right as the SDK does, so the tolerance check agrees.
    let total = weights.iter().fold(0.0, |sum, w| w + sum);
    if !(0.99..=1.01).contains(&total) {
        weights = equal;
    }
    let mut cumulative = 0.0;
    weights
        .iter()
        .map(|w| {
            let start = cumulative;
            cumulative += w;
            (start, start + coverage * w)
        })
        .collect()
}

/// The variation whose range holds `n`, if any.
pub fn choose_variation(n: f64, ranges: &[VariationRange]) -> Option<usize> {
    ranges.iter().position(|r| in_range(n, *r))
}

/// Whether `hash_value` falls in the namespace's slice (hash version 1,
/// seeded `__<namespace id>`, as the SDK does).
pub fn in_namespace(hash_value: &str, namespace: &Namespace) -> bool {
    hash(&format!("__{}", namespace.0), hash_value, 1)
        .is_some_and(|n| n >= namespace.1 && n < namespace.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_with_weights_and_coverage() {
        assert_eq!(
            get_bucket_ranges(2, Some(0.5), Some(&[0.25, 0.75])),
            vec![(0.0, 0.125), (0.25, 0.625)]
        );
        assert_eq!(
            get_bucket_ranges(2, None, None),
            vec![(0.0, 0.5), (0.5, 1.0)]
        );
        // Out-of-bounds coverage is clamped, not refused.
        assert_eq!(
            get_bucket_ranges(2, Some(-0.2), None),
            vec![(0.0, 0.0), (0.5, 0.5)]
        );
        assert_eq!(
            get_bucket_ranges(2, Some(1.5), None),
            vec![(0.0, 0.5), (0.5, 1.0)]
        );
        // Weights that do not sum to 1, or miscount the variations: equal.
        assert_eq!(
            get_bucket_ranges(3, Some(1.0), Some(&[0.4, 0.1, 0.1])),
            get_bucket_ranges(3, Some(1.0), None)
        );
        assert_eq!(
            get_bucket_ranges(2, Some(1.0), Some(&[0.2, 0.3, 0.5])),
            get_bucket_ranges(2, Some(1.0), None)
        );
        // Within the tolerance the given weights stand.
        assert_eq!(
            get_bucket_ranges(2, Some(1.0), Some(&[0.5, 0.505])),
            vec![(0.0, 0.5), (0.5, 1.005)]
        );
        assert!(get_bucket_ranges(0, None, None).is_empty());
    }

    #[test]
    fn choosing() {
        let ranges = [(0.0, 0.3), (0.5, 0.8)];
        assert_eq!(choose_variation(0.0, &ranges), Some(0));
        assert_eq!(choose_variation(0.3, &ranges), None, "ends are exclusive");
        assert_eq!(choose_variation(0.79, &ranges), Some(1));
        assert_eq!(choose_variation(0.9, &ranges), None);
        assert_eq!(get_equal_weights(4), vec![0.25; 4]);
    }

    /// Hash v2 with four equal arms: 100,000 ids spread evenly. The
    /// chi-square statistic (3 degrees of freedom) stays under 16.27, the
    /// 0.1% critical value.
    #[test]
    fn hash_v2_buckets_uniformly() {
        let ranges = get_bucket_ranges(4, Some(1.0), None);
        let mut counts = [0_u32; 4];
        for i in 0..100_000 {
            let n = hash("checkout-test", &format!("shopper-{i}"), 2).expect("v2");
            let arm = choose_variation(n, &ranges).expect("full coverage places everyone");
            counts[arm] += 1;
        }
        let expected = 25_000.0;
        let chi2: f64 = counts
            .iter()
            .map(|&c| (f64::from(c) - expected).powi(2) / expected)
            .sum();
        assert!(chi2 < 16.27, "chi-square {chi2:.2} for {counts:?}");
        assert_eq!(counts.iter().sum::<u32>(), 100_000);
    }

    /// Experiments sharing a namespace with disjoint slices never share a
    /// shopper, and the slices together hold everyone.
    #[test]
    fn namespaces_exclude_each_other() {
        let a = Namespace("checkout".into(), 0.0, 0.4);
        let b = Namespace("checkout".into(), 0.4, 1.0);
        let mut in_a = 0;
        for i in 0..10_000 {
            let id = format!("user-{i}");
            let (x, y) = (in_namespace(&id, &a), in_namespace(&id, &b));
            assert!(x != y, "{id} must be in exactly one of the two");
            in_a += usize::from(x);
        }
        assert!((3_600..4_400).contains(&in_a), "about 40% in a, got {in_a}");
        let other = Namespace("search".into(), 0.0, 0.4);
        let differs = (0..1000)
            .filter(|i| {
                in_namespace(&format!("u{i}"), &a) != in_namespace(&format!("u{i}"), &other)
            })
            .count();
        assert!(differs > 100, "namespace ids seed independent slices");
    }
}
