//! The synthetic interaction log: seeded sessions of views, carts and
//! purchases, each in one market, led by one category (with a partner
//! category and some wandering), items drawn by the market's popularity
//! among what the market may see.

/// SplitMix64: small, seeded, identical on every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An index drawn in proportion to `weights`; `None` when all are 0.
    pub fn weighted(&mut self, weights: &[f64]) -> Option<usize> {
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return None;
        }
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return Some(i);
            }
            x -= w;
        }
        weights.iter().rposition(|w| *w > 0.0)
    }
}

/// Markets simulated, with their share of sessions.
pub const MARKETS: &[(&str, f64)] = &[
    ("DE", 0.18),
    ("FR", 0.10),
    ("GB", 0.12),
    ("NO", 0.04),
    ("US", 0.20),
    ("JP", 0.10),
    ("CN", 0.08),
    ("KR", 0.04),
    ("IN", 0.06),
    ("BR", 0.04),
    ("AE", 0.04),
];

/// Categories shoppers of one often also look at.
const PARTNERS: &[(&str, &str)] = &[
    ("eyewear", "apparel"),
    ("jewellery", "cosmetics"),
    ("luxury", "jewellery"),
    ("alcohol", "home"),
    ("vaping", "home"),
];

/// One session's interactions: item index and the strongest event
/// (1 view, 2 cart, 3 purchase), in order of first interaction.
#[derive(Debug, Clone)]
pub struct Session {
    pub market: usize,
    pub events: Vec<(usize, u8)>,
}

pub struct World<'a> {
    pub categories: &'a [String],
    /// Per market, per item: may the market's shoppers see it.
    pub allowed: &'a [Vec<bool>],
}

pub fn sessions(world: &World<'_>, seed: u64, count: usize) -> Vec<Session> {
    let mut rng = Rng::new(seed);
    let n = world.categories.len();
    let mut names: Vec<&str> = world.categories.iter().map(String::as_str).collect();
    names.sort_unstable();
    names.dedup();
    // Per market: item popularity (zero where not allowed) and category taste.
    let popularity: Vec<Vec<f64>> = world
        .allowed
        .iter()
        .map(|allowed| {
            (0..n)
                .map(|i| {
                    let u = 0.15 + rng.unit();
                    if allowed[i] { u * u } else { 0.0 }
                })
                .collect()
        })
        .collect();
    let taste: Vec<Vec<f64>> = MARKETS
        .iter()
        .map(|_| names.iter().map(|_| 0.2 + rng.unit()).collect())
        .collect();
    let market_share: Vec<f64> = MARKETS.iter().map(|(_, s)| *s).collect();

    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let Some(m) = rng.weighted(&market_share) else {
            break;
        };
        let pop = &popularity[m];
        let in_category = |c: &str| -> Vec<f64> {
            (0..n)
                .map(|i| {
                    if world.categories[i] == c {
                        pop[i]
                    } else {
                        0.0
                    }
                })
                .collect()
        };
        let tastes: Vec<f64> = names
            .iter()
            .zip(&taste[m])
            .map(|(c, t)| {
                if in_category(c).iter().any(|w| *w > 0.0) {
                    *t
                } else {
                    0.0
                }
            })
            .collect();
        let Some(lead) = rng.weighted(&tastes) else {
            continue;
        };
        let lead = names[lead];
        let partner = PARTNERS
            .iter()
            .find_map(|(a, b)| (*a == lead).then_some(*b))
            .unwrap_or(lead);
        let (lead_w, partner_w) = (in_category(lead), in_category(partner));
        let length = 2 + (rng.next_u64() % 5) as usize;
        let mut events: Vec<(usize, u8)> = Vec::new();
        for _ in 0..length {
            let roll = rng.unit();
            let weights = if roll < 0.65 {
                &lead_w
            } else if roll < 0.8 {
                &partner_w
            } else {
                pop
            };
            let Some(item) = rng.weighted(weights).or_else(|| rng.weighted(pop)) else {
                continue;
            };
            let mut strength = 1;
            if rng.unit() < 0.25 {
                strength = if rng.unit() < 0.4 { 3 } else { 2 };
            }
            match events.iter_mut().find(|(i, _)| *i == item) {
                Some(e) => e.1 = e.1.max(strength),
                None => events.push((item, strength)),
            }
        }
        if !events.is_empty() {
            out.push(Session { market: m, events });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_draws_follow_weights_and_skip_zeros() {
        let mut rng = Rng::new(1);
        let mut counts = [0usize; 3];
        for _ in 0..10_000 {
            counts[rng.weighted(&[1.0, 0.0, 3.0]).expect("some weight")] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!((2_200..2_800).contains(&counts[0]), "{counts:?}");
        assert_eq!(rng.weighted(&[0.0, 0.0]), None);
    }

    #[test]
    fn sessions_respect_what_a_market_may_see() {
        let categories = vec!["eyewear".to_owned(), "luxury".to_owned(), "home".to_owned()];
        let allowed: Vec<Vec<bool>> = MARKETS.iter().map(|_| vec![true, false, true]).collect();
        let world = World {
            categories: &categories,
            allowed: &allowed,
        };
        let log = sessions(&world, 3, 500);
        assert_eq!(log.len(), 500);
        assert!(log.iter().flat_map(|s| &s.events).all(|(i, _)| *i != 1));
        let again = sessions(&world, 3, 500);
        assert_eq!(
            log.iter().map(|s| s.events.clone()).collect::<Vec<_>>(),
            again.iter().map(|s| s.events.clone()).collect::<Vec<_>>(),
            "seeded"
        );
    }
}
