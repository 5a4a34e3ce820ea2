//! The router's choice: which regions a call may go to, in which order.
//! Pure and allocation-light, so it is benchmarked natively.

use super::breaker::View;
use super::regions::{Regional, RoutingConfig};
use crate::policy::residency::Regions;

/// What the router knows of one deployed region now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub view: View,
    pub latency_us: Option<u64>,
}

impl Default for Known {
    fn default() -> Known {
        Known {
            view: View::Closed,
            latency_us: None,
        }
    }
}

/// Why a deployed region is not in a call's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// Outside the call's candidate set: the residency decision.
    NotAllowed,
    /// Its circuit is open.
    Open { until_ms: u64, reason: String },
}

/// The order to try regions in (indices into [`Regional::deployed`]) and
/// the regions left out, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub order: Vec<usize>,
    pub skipped: Vec<(usize, Skip)>,
}

/// Orders the deployed regions `allowed` admits: open circuits out; then
/// by measured latency when latency-aware (unmeasured last), the edge's
/// locality, the residency decision's own order, and a weighted draw
/// among regions still equal. `known` is aligned with `deployed()`;
/// `draw` is a random number per call.
pub fn choose(
    regional: &Regional,
    allowed: &Regions,
    config: &RoutingConfig,
    known: &[Known],
    draw: u64,
) -> Choice {
    let mut ranked: Vec<(usize, (u64, usize, usize, u64))> = Vec::new();
    let mut skipped = Vec::new();
    for (i, deployed) in regional.deployed().iter().enumerate() {
        let residency_rank = match allowed {
            Regions::Any => 0,
            Regions::Only(list) => match list.iter().position(|r| *r == deployed.region) {
                Some(rank) => rank,
                None => {
                    skipped.push((i, Skip::NotAllowed));
                    continue;
                }
            },
        };
        let here = known.get(i).cloned().unwrap_or_default();
        if let View::Open { until_ms, reason } = here.view {
            skipped.push((i, Skip::Open { until_ms, reason }));
            continue;
        }
        let latency = match (config.latency_aware, here.latency_us) {
            (true, Some(us)) => us,
            (true, None) => u64::MAX,
            (false, _) => 0,
        };
        let key = (
            latency,
            config.locality_rank(&deployed.region),
            residency_rank,
            weighted_key(draw, i, deployed.weight),
        );
        ranked.push((i, key));
    }
    ranked.sort_unstable_by_key(|(_, key)| *key);
    Choice {
        order: ranked.into_iter().map(|(i, _)| i).collect(),
        skipped,
    }
}

/// Efraimidis–Spirakis: the smallest `-ln(u) / weight` wins, so a region
/// leads a tie in proportion to its weight. Scaled into an integer key.
fn weighted_key(draw: u64, index: usize, weight: u32) -> u64 {
    let mixed = splitmix(draw ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    // u in (0, 1]: never ln(0).
    let u = ((mixed >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
    let key = -u.ln() / f64::from(weight.max(1));
    (key * 1e12) as u64
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regional(text: &str) -> Regional {
        Regional::parse(text, "try-on backend", "try-on frames", "x").expect("regions")
    }

    fn only(list: &[&str]) -> Regions {
        Regions::Only(list.iter().map(|r| (*r).to_owned()).collect())
    }

    fn names<'a>(r: &'a Regional, c: &Choice) -> Vec<&'a str> {
        c.order
            .iter()
            .map(|&i| r.deployed()[i].region.as_str())
            .collect()
    }

    const THREE: &str = "eu=http://eu,uk=http://uk,us=http://us";

    #[test]
    fn residency_is_a_hard_limit_and_its_order_a_preference() {
        let r = regional(THREE);
        let c = RoutingConfig::default();
        let gb = choose(&r, &only(&["uk", "eu"]), &c, &[], 7);
        assert_eq!(names(&r, &gb), ["uk", "eu"]);
        assert_eq!(gb.skipped, [(2, Skip::NotAllowed)]);
        let de = choose(&r, &only(&["eu"]), &c, &[], 7);
        assert_eq!(names(&r, &de), ["eu"]);
        assert!(choose(&r, &only(&["cn"]), &c, &[], 7).order.is_empty());
    }

    #[test]
    fn locality_first_then_open_circuits_out() {
        let r = regional(THREE);
        let c = RoutingConfig {
            locality: vec!["us".into(), "uk".into()],
            ..RoutingConfig::default()
        };
        assert_eq!(
            names(&r, &choose(&r, &Regions::Any, &c, &[], 1)),
            ["us", "uk", "eu"]
        );
        let open = Known {
            view: View::Open {
                until_ms: 9,
                reason: "3 consecutive failures".into(),
            },
            latency_us: None,
        };
        let known = [Known::default(), Known::default(), open];
        let choice = choose(&r, &Regions::Any, &c, &known, 1);
        assert_eq!(names(&r, &choice), ["uk", "eu"]);
        assert!(matches!(
            choice.skipped[0],
            (2, Skip::Open { until_ms: 9, .. })
        ));
        // A cooled-down circuit is ranked as usual; the router probes it.
        let due = Known {
            view: View::ProbeDue,
            latency_us: None,
        };
        let known = [Known::default(), Known::default(), due];
        assert_eq!(
            names(&r, &choose(&r, &Regions::Any, &c, &known, 1)),
            ["us", "uk", "eu"]
        );
    }

    #[test]
    fn latency_aware_ranks_measured_regions_by_latency() {
        let r = regional(THREE);
        let c = RoutingConfig {
            locality: vec!["eu".into(), "uk".into(), "us".into()],
            latency_aware: true,
            ..RoutingConfig::default()
        };
        let at = |us| Known {
            view: View::Closed,
            latency_us: us,
        };
        let known = [at(Some(90_000)), at(Some(4_000)), at(None)];
        assert_eq!(
            names(&r, &choose(&r, &Regions::Any, &c, &known, 1)),
            ["uk", "eu", "us"]
        );
    }

    #[test]
    fn ties_split_by_weight() {
        let r = regional("eu=http://eu;weight=3,us=http://us");
        let c = RoutingConfig::default();
        let first_eu = (0..4000u64)
            .filter(|draw| choose(&r, &Regions::Any, &c, &[], *draw).order[0] == 0)
            .count();
        // 3:1 is 3000 of 4000; a fair draw stays well inside ±150.
        assert!((2850..=3150).contains(&first_eu), "{first_eu}");
    }
}
