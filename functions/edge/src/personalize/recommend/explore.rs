//! Exploration: which items get the reserved slots, in an order seeded by
//! the day and the context (never the shopper), so every shopper on a page
//! sees the same list that day and caches stay shared.

/// FNV-1a, 64 bits: stable across builds and targets, unlike std's hasher.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        // A separator, so ("ab", "c") and ("a", "bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

pub(crate) fn rank(seed: u64, day: u64, context_key: &str, sku: &str) -> u64 {
    fnv1a(&[
        &seed.to_le_bytes(),
        &day.to_le_bytes(),
        context_key.as_bytes(),
        sku.as_bytes(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_depends_on_day_context_and_seed_only() {
        let a = rank(0, 20_000, "home", "LIP-RUBY");
        assert_eq!(a, rank(0, 20_000, "home", "LIP-RUBY"));
        assert_ne!(a, rank(0, 20_001, "home", "LIP-RUBY"));
        assert_ne!(a, rank(1, 20_000, "home", "LIP-RUBY"));
        assert_ne!(a, rank(0, 20_000, "product:X", "LIP-RUBY"));
        assert_ne!(rank(0, 0, "ab", "c"), rank(0, 0, "a", "bc"));
    }
}
