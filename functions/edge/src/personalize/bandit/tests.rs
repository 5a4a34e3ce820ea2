//! `recompute` end to end: weights, floor, burn-in, promotion, refusals,
//! and the stored state's round trip.

use super::simulate::{self, Scenario};
use super::*;

fn ids() -> (ExperimentId, MarketCode) {
    (
        ExperimentId::parse("hero-banner").expect("valid id"),
        MarketCode::parse("DE").expect("valid market"),
    )
}

fn config() -> BanditConfig {
    BanditConfig {
        burn_in_exposures: 100,
        draws: 4000,
        ..BanditConfig::default()
    }
}

fn counts(pairs: &[(u64, u64)]) -> Vec<ArmCounts> {
    pairs.iter().map(|&(e, c)| ArmCounts::new(e, c)).collect()
}

fn run(
    config: &BanditConfig,
    pairs: &[(u64, u64)],
    previous: Option<&BanditState>,
    now: u64,
) -> BanditState {
    let (e, m) = ids();
    recompute(config, &e, &m, &counts(pairs), previous, now, 42).expect("recompute")
}

fn assert_distribution(w: &[f64]) {
    assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{w:?}");
    assert!(w.iter().all(|&x| (0.0..=1.0).contains(&x)), "{w:?}");
}

#[test]
fn more_evidence_for_the_better_arm_moves_weight_to_it() {
    let config = BanditConfig {
        promote_at: 1.0,
        ..config()
    };
    // Arm 0 converts at 6%, arm 1 at 5%, over growing samples.
    let mut last = 0.0;
    for n in [200, 1000, 5000, 20_000] {
        let state = run(&config, &[(n, n * 6 / 100), (n, n * 5 / 100)], None, 1);
        assert_distribution(&state.weights);
        assert!(
            state.weights[0] > state.weights[1],
            "{n}: {:?}",
            state.weights
        );
        assert!(
            state.weights[0] >= last,
            "{n}: {} < {last}",
            state.weights[0]
        );
        last = state.weights[0];
    }
    assert!(last > 0.9, "{last}");
    // And the other way round when arm 1 is better.
    let state = run(&config, &[(5000, 250), (5000, 300)], None, 1);
    assert!(state.weights[1] > 0.8, "{:?}", state.weights);
}

#[test]
fn the_floor_keeps_every_arm_in_play() {
    let config = BanditConfig {
        exploration_floor: 0.1,
        promote_at: 1.0,
        ..config()
    };
    // Arm 2 (2%) is hopeless; arms 0 and 1 (6%, 5.6%) are still close.
    let state = run(&config, &[(5000, 300), (5000, 280), (5000, 100)], None, 1);
    assert_eq!(state.promoted, None);
    assert_distribution(&state.weights);
    let p = &state.probability_best;
    assert!(p[2] < 0.01, "{p:?}");
    assert_eq!(state.weights[2], 0.1);
    // The other two share the remaining 0.9 as their probabilities do.
    assert!((state.weights[0] + state.weights[1] - 0.9).abs() < 1e-9);
    let ratio = state.weights[0] / state.weights[1];
    assert!(
        (ratio - p[0] / p[1]).abs() < 1e-9,
        "{:?} vs {p:?}",
        state.weights
    );
    assert!(
        state.weights.iter().all(|&w| w >= 0.1),
        "{:?}",
        state.weights
    );
}

#[test]
fn burn_in_keeps_the_split_equal() {
    // A huge difference, but arm 1 has 99 exposures of the 100 needed.
    let state = run(&config(), &[(5000, 1000), (99, 0), (5000, 10)], None, 1);
    assert_eq!(state.weights, vec![1.0 / 3.0; 3]);
    assert_eq!(state.promoted, None);
    // The probabilities are still reported.
    assert!(
        state.probability_best[0] > 0.9,
        "{:?}",
        state.probability_best
    );
    // One more exposure and the weights move and it is promoted.
    let state = run(&config(), &[(5000, 1000), (100, 0), (5000, 10)], None, 1);
    assert_eq!(state.promoted.map(|p| p.arm), Some(0));
}

#[test]
fn promotion_records_why_and_is_sticky() {
    let config = config();
    let (e, m) = ids();
    let before = run(&config, &[(1000, 60), (1000, 50)], None, 1_000);
    assert_eq!(before.promoted, None, "{:?}", before.probability_best);
    assert_eq!(before.version, 1);

    let evidence = counts(&[(10_000, 600), (10_000, 500)]);
    let promoted =
        recompute(&config, &e, &m, &evidence, Some(&before), 2_000, 7).expect("recompute");
    let p = promoted.promoted.clone().expect("promoted");
    assert_eq!(p.arm, 0);
    assert_eq!(p.at, 2_000);
    assert_eq!(p.counts, evidence);
    assert_eq!(p.promote_at, config.promote_at);
    assert_eq!(p.draws, config.draws);
    assert!(p.probability_best >= config.promote_at);
    assert_eq!(p.probability_best, promoted.probability_best[0]);
    assert_eq!(promoted.weights, vec![1.0, 0.0]);
    assert_eq!(promoted.version, 2);

    // Later the evidence turns (arm 1 now looks better): still promoted,
    // the record unchanged, the probabilities updated.
    let later = counts(&[(12_000, 640), (14_000, 900)]);
    let after = recompute(&config, &e, &m, &later, Some(&promoted), 3_000, 8).expect("recompute");
    assert_eq!(after.promoted, Some(p));
    assert_eq!(after.weights, vec![1.0, 0.0]);
    assert!(
        after.probability_best[1] > 0.9,
        "{:?}",
        after.probability_best
    );
    assert_eq!(after.updated_at, 3_000);
    assert_eq!(after.version, 3);
    assert_eq!(after.arm_for(0.99), 0);
}

#[test]
fn equal_arms_are_not_promoted() {
    // Identical evidence, many seeds: the probability of being best stays
    // near 1/2, far from promote_at.
    let (e, m) = ids();
    let config = config();
    for seed in 0..20 {
        let state = recompute(
            &config,
            &e,
            &m,
            &counts(&[(20_000, 1000), (20_000, 1000)]),
            None,
            1,
            seed,
        )
        .expect("recompute");
        assert_eq!(state.promoted, None, "seed {seed}");
        assert!(
            (state.probability_best[0] - 0.5).abs() < 0.05,
            "{:?}",
            state.probability_best
        );
    }
}

#[test]
fn equal_arms_in_simulated_traffic_are_rarely_promoted() {
    // A/A traffic at 5%, 40 seeds, 20 recomputes each, at the default
    // threshold (0.99) and at 0.95.
    let false_rate = |promote_at: f64| {
        let scenario = Scenario {
            rates: vec![0.05, 0.05],
            visitors: 40_000,
            batch: 2000,
            recompute_every_s: 3600,
            bandit: BanditConfig {
                draws: 2000,
                promote_at,
                ..BanditConfig::default()
            },
        };
        let outcomes: Vec<_> = (0..40)
            .map(|seed| simulate::run(&scenario, seed).expect("scenario runs"))
            .collect();
        simulate::promotion_rates(&outcomes).1
    };
    let strict = false_rate(BanditConfig::default().promote_at);
    let loose = false_rate(0.95);
    println!("A/A false-promotion rate over 40 seeds: {strict} at 0.99, {loose} at 0.95");
    // Every recompute is another look, so no threshold keeps this at
    // 1 - promote_at; but a stricter one must promote fewer equal arms,
    // and the default stays under 1/4 (the command measures ~15% over 100
    // runs of 200,000 visitors; 25% is that plus ~2 standard errors of a
    // 40-run rate).
    assert!(strict < loose, "{strict} at 0.99 vs {loose} at 0.95");
    assert!(strict < 0.25, "A/A false-promotion rate {strict}");
}

#[test]
fn the_same_seed_gives_the_same_state() {
    let (e, m) = ids();
    let c = counts(&[(3000, 180), (3000, 160), (3000, 170)]);
    let a = recompute(&config(), &e, &m, &c, None, 5, 11).expect("recompute");
    let b = recompute(&config(), &e, &m, &c, None, 5, 11).expect("recompute");
    let other = recompute(&config(), &e, &m, &c, None, 5, 12).expect("recompute");
    assert_eq!(a, b);
    assert_ne!(a.probability_best, other.probability_best);
}

#[test]
fn bad_counts_and_inconsistent_history_are_refused() {
    let (e, m) = ids();
    let config = config();
    let refused = |c: &[(u64, u64)], previous: Option<&BanditState>, now: u64| {
        recompute(&config, &e, &m, &counts(c), previous, now, 1).expect_err("refused")
    };
    assert_eq!(refused(&[], None, 1), BanditError::NoArms);
    assert_eq!(
        refused(&[(10, 1), (10, 11)], None, 1),
        BanditError::ConversionsExceedExposures {
            arm: 1,
            exposures: 10,
            conversions: 11
        }
    );
    let previous = run(&config, &[(100, 5), (100, 6)], None, 100);
    assert_eq!(
        refused(&[(100, 5), (100, 6), (0, 0)], Some(&previous), 200),
        BanditError::ArmsChanged {
            previous: 2,
            now: 3
        }
    );
    assert_eq!(
        refused(&[(100, 5), (90, 6)], Some(&previous), 200),
        BanditError::CountsDecreased { arm: 1 }
    );
    assert_eq!(
        refused(&[(100, 5), (100, 6)], Some(&previous), 99),
        BanditError::TimeWentBack {
            now: 99,
            previous: 100
        }
    );
    let other_market = MarketCode::parse("FR").expect("valid");
    let err = recompute(
        &config,
        &e,
        &other_market,
        &counts(&[(100, 5), (100, 6)]),
        Some(&previous),
        200,
        1,
    )
    .expect_err("other market");
    assert!(matches!(err, BanditError::StateMismatch { .. }), "{err:?}");
    let bad_config = BanditConfig {
        exploration_floor: 0.6,
        ..config.clone()
    };
    let err =
        recompute(&bad_config, &e, &m, &counts(&[(1, 0), (1, 0)]), None, 1, 1).expect_err("floor");
    assert_eq!(
        err,
        BanditError::FloorTooLarge {
            floor: 0.6,
            arms: 2
        }
    );
}

#[test]
fn every_refusal_maps_to_a_status_and_kebab_case_code() {
    let errors = [
        BanditError::NoArms,
        BanditError::NotFinite {
            field: "promote_at",
        },
        BanditError::FloorTooLarge {
            floor: 0.6,
            arms: 2,
        },
        BanditError::ConversionsExceedExposures {
            arm: 0,
            exposures: 1,
            conversions: 2,
        },
        BanditError::ExperimentInvalid { id: "A".into() },
        BanditError::CountsDecreased { arm: 0 },
        BanditError::StateInvalid { reason: "x".into() },
    ];
    let expected = [422, 422, 422, 422, 400, 409, 500];
    for (e, status) in errors.iter().zip(expected) {
        let r = e.refusal();
        assert_eq!(r.status, status, "{e:?}");
        assert!(r.code.starts_with("bandit-"), "{}", r.code);
        assert!(
            r.code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
            "{}",
            r.code
        );
        assert_eq!(r.message, e.to_string());
    }
}

#[test]
fn the_state_round_trips_through_json_under_its_key() {
    let state = run(&config(), &[(5000, 300), (5000, 250)], None, 1_700_000_000);
    assert_eq!(state.store_key(), "personalize/bandit/hero-banner/DE");
    let json = state.to_json().expect("encodes");
    let back = BanditState::from_json(&json).expect("decodes");
    assert_eq!(back, state);
}

#[test]
fn stored_states_that_do_not_add_up_are_refused() {
    let state = run(&config(), &[(5000, 300), (5000, 250)], None, 1);
    let json: serde_json::Value =
        serde_json::from_slice(&state.to_json().expect("encodes")).expect("json");
    let tamper = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = json.clone();
        f(&mut v);
        BanditState::from_json(&serde_json::to_vec(&v).expect("json")).expect_err("refused")
    };
    let refusals = [
        tamper(&|v| v["weights"] = serde_json::json!([0.9, 0.9])),
        tamper(&|v| v["weights"] = serde_json::json!([1.0])),
        tamper(&|v| v["weights"] = serde_json::json!([1.5, -0.5])),
        tamper(&|v| v["market"] = serde_json::json!("de")),
        tamper(&|v| v["experiment"] = serde_json::json!("../admin")),
        tamper(&|v| v["counts"][0]["conversions"] = serde_json::json!(9999)),
        tamper(&|v| {
            v["promoted"] = serde_json::json!({"arm": 5, "at": 1, "probability_best": 0.99,
                "promote_at": 0.95, "counts": [], "draws": 10});
        }),
        tamper(&|v| v["extra"] = serde_json::json!(1)),
    ];
    for r in &refusals {
        assert!(
            matches!(
                r,
                BanditError::StateInvalid { .. } | BanditError::ConversionsExceedExposures { .. }
            ),
            "{r:?}"
        );
    }
    assert!(BanditState::from_json(b"not json").is_err());
}

#[test]
fn arms_are_picked_by_their_slice_of_the_weights() {
    let mut state = run(&config(), &[(50, 3), (50, 2), (50, 1)], None, 1);
    state.weights = vec![0.2, 0.0, 0.8];
    assert_eq!(state.arm_for(0.0), 0);
    assert_eq!(state.arm_for(0.1999), 0);
    assert_eq!(state.arm_for(0.2), 2);
    assert_eq!(state.arm_for(0.9999), 2);
    assert_eq!(state.arm_for(1.0), 2);
    assert_eq!(state.arm_for(f64::NAN), 0);
    assert_eq!(state.arm_for(-3.0), 0);
}

#[test]
fn the_simulated_bandit_finds_and_promotes_the_better_arm() {
    // The simulation command's default scenario at fewer draws and seeds.
    let scenario = Scenario {
        rates: vec![0.06, 0.05],
        visitors: 200_000,
        batch: 2000,
        recompute_every_s: 3600,
        bandit: BanditConfig {
            draws: 2000,
            ..BanditConfig::default()
        },
    };
    let outcomes: Vec<_> = (0..10)
        .map(|seed| simulate::run(&scenario, 1000 + seed).expect("scenario runs"))
        .collect();
    let (promoted_best, _) = simulate::promotion_rates(&outcomes);
    assert!(
        promoted_best >= 0.8,
        "best arm promoted in {promoted_best} of runs"
    );
    let mean_share: f64 = outcomes.iter().map(|o| o.overall_share_best()).sum::<f64>() / 10.0;
    assert!(
        mean_share >= 0.8,
        "overall share on the best arm {mean_share}"
    );
    for o in &outcomes {
        assert_eq!(o.visitors_per_arm.iter().sum::<u64>(), 200_000);
        // Ahead of the equal split in expectation, in every run.
        assert!(o.regret_vs_equal_split() < 0.0, "{o:?}");
    }
}

#[test]
fn scenarios_with_bad_rates_are_refused() {
    let mut scenario = Scenario {
        rates: vec![0.06, 1.5],
        visitors: 10,
        batch: 5,
        recompute_every_s: 1,
        bandit: BanditConfig::default(),
    };
    assert_eq!(
        simulate::run(&scenario, 1),
        Err(simulate::ScenarioError::Rate(1.5))
    );
    scenario.rates = vec![0.06, f64::NAN];
    assert!(matches!(
        simulate::run(&scenario, 1),
        Err(simulate::ScenarioError::Rate(_))
    ));
    scenario.rates = vec![0.06, 0.05];
    scenario.batch = 0;
    assert_eq!(
        simulate::run(&scenario, 1),
        Err(simulate::ScenarioError::Batch)
    );
}
