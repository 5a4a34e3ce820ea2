//! Simulates the experiment bandit on synthetic traffic: arms with known
//! conversion rates, visitors in batches between recomputes, repetitions
//! with different seeds. Reports the best arm's share of traffic, its
//! promotion (and false ones), conversions and regret against an equal
//! split and an oracle.
//!
//! cargo run --release -p meridian-edge --example bandit_sim -- --help

use anyhow::{Context, bail};
use clap::Parser;
use meridian_edge::personalize::bandit::BanditConfig;
use meridian_edge::personalize::bandit::simulate::{self, Outcome, Scenario};

#[derive(Parser, Debug)]
#[command(about = "Thompson-sampling bandit on synthetic traffic")]
struct Args {
    /// True conversion rate per arm, comma-separated; repeat for more
    /// scenarios. Default: 0.06,0.05 and 0.06,0.05,0.04.
    #[arg(long = "rates")]
    rates: Vec<String>,
    /// Visitors per repetition.
    #[arg(long, default_value_t = 200_000)]
    visitors: u64,
    /// Visitors between recomputes.
    #[arg(long, default_value_t = 2_000)]
    batch: u64,
    /// Repetitions per scenario, each with its own seed.
    #[arg(long, default_value_t = 50)]
    repetitions: u64,
    /// Seed of the first repetition (the others follow it).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 0.05)]
    floor: f64,
    /// Exposures every arm needs before weights move.
    #[arg(long, default_value_t = 1000)]
    burn_in: u64,
    #[arg(long, default_value_t = 0.99)]
    promote_at: f64,
    /// Monte Carlo draws per recompute.
    #[arg(long, default_value_t = 10_000)]
    draws: u32,
    #[arg(long, default_value_t = 1.0)]
    prior_alpha: f64,
    #[arg(long, default_value_t = 1.0)]
    prior_beta: f64,
    /// Simulated seconds between recomputes.
    #[arg(long, default_value_t = 3600)]
    recompute_every_s: u64,
    /// Only the aggregate, not one line per repetition.
    #[arg(long)]
    summary_only: bool,
}

fn parse_rates(list: &str) -> anyhow::Result<Vec<f64>> {
    let rates = list
        .split(',')
        .map(|r| {
            r.trim()
                .parse::<f64>()
                .with_context(|| format!("rate {r:?} in {list:?}"))
        })
        .collect::<anyhow::Result<Vec<f64>>>()?;
    if rates.len() < 2 {
        bail!("a scenario needs at least two arms, got {list:?}");
    }
    Ok(rates)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let lists = if args.rates.is_empty() {
        vec!["0.06,0.05".to_owned(), "0.06,0.05,0.04".to_owned()]
    } else {
        args.rates.clone()
    };
    let bandit = BanditConfig {
        prior_alpha: args.prior_alpha,
        prior_beta: args.prior_beta,
        exploration_floor: args.floor,
        burn_in_exposures: args.burn_in,
        promote_at: args.promote_at,
        draws: args.draws,
        metric: "conversion".to_owned(),
    };
    for list in &lists {
        let scenario = Scenario {
            rates: parse_rates(list)?,
            visitors: args.visitors,
            batch: args.batch,
            recompute_every_s: args.recompute_every_s,
            bandit: bandit.clone(),
        };
        run_scenario(&args, &scenario)?;
    }
    Ok(())
}

fn run_scenario(args: &Args, scenario: &Scenario) -> anyhow::Result<()> {
    let rates: Vec<String> = scenario.rates.iter().map(f64::to_string).collect();
    println!(
        "\nrates {} · {} visitors · recompute every {} · floor {} · burn-in {} · promote at {} · {} draws · {} repetitions",
        rates.join("/"),
        scenario.visitors,
        scenario.batch,
        args.floor,
        args.burn_in,
        args.promote_at,
        args.draws,
        args.repetitions
    );
    if !args.summary_only {
        println!(
            "{:>4} {:>6} {:>9} {:>12} {:>10} {:>10} {:>11} {:>14} {:>15}",
            "rep",
            "seed",
            "promoted",
            "at visitor",
            "best end",
            "best all",
            "conversions",
            "regret/equal",
            "regret/oracle"
        );
    }
    let mut outcomes = Vec::new();
    for rep in 0..args.repetitions {
        let seed = args.seed + rep;
        let o = simulate::run(scenario, seed)?;
        if !args.summary_only {
            let (promoted, at) = match o.promotion {
                Some(p) if p.false_promotion => {
                    (format!("{} FALSE", p.arm), p.visitors.to_string())
                }
                Some(p) => (p.arm.to_string(), p.visitors.to_string()),
                None => ("-".to_owned(), "-".to_owned()),
            };
            println!(
                "{:>4} {:>6} {:>9} {:>12} {:>9.1}% {:>9.1}% {:>11} {:>14.1} {:>15.1}",
                rep,
                seed,
                promoted,
                at,
                100.0 * o.final_share_best(),
                100.0 * o.overall_share_best(),
                o.conversions,
                o.regret_vs_equal_split(),
                o.regret_vs_oracle()
            );
        }
        outcomes.push(o);
    }
    summarize(scenario, &outcomes);
    Ok(())
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { f64::NAN } else { sum / n as f64 }
}

fn summarize(scenario: &Scenario, outcomes: &[Outcome]) {
    let n = outcomes.len();
    let (promoted_best, false_promoted) = simulate::promotion_rates(outcomes);
    let mut at: Vec<u64> = outcomes
        .iter()
        .filter_map(|o| {
            o.promotion
                .filter(|p| !p.false_promotion)
                .map(|p| p.visitors)
        })
        .collect();
    at.sort_unstable();
    let percentile = |q: f64| {
        at.get(((at.len() as f64 - 1.0) * q).round() as usize)
            .map_or("-".to_owned(), u64::to_string)
    };
    let min_overall = outcomes
        .iter()
        .map(Outcome::overall_share_best)
        .fold(f64::INFINITY, f64::min);
    let met = outcomes
        .iter()
        .filter(|o| {
            o.overall_share_best() >= 0.8 && o.promotion.is_some_and(|p| !p.false_promotion)
        })
        .count();
    println!("aggregate over {n} repetitions:");
    println!(
        "  best arm promoted: {:.0}%  false promotions: {:.0}%  visitors at promotion: median {}, p90 {}, max {}",
        100.0 * promoted_best,
        100.0 * false_promoted,
        percentile(0.5),
        percentile(0.9),
        at.last().map_or("-".to_owned(), u64::to_string)
    );
    println!(
        "  best arm's share: at the end {:.1}%, overall {:.1}% (lowest run {:.1}%)",
        100.0 * mean(outcomes.iter().map(Outcome::final_share_best)),
        100.0 * mean(outcomes.iter().map(Outcome::overall_share_best)),
        100.0 * min_overall
    );
    println!(
        "  conversions per run: {:.0} (expected: bandit {:.0}, equal split {:.0}, oracle {:.0})",
        mean(outcomes.iter().map(|o| o.conversions as f64)),
        mean(outcomes.iter().map(|o| o.expected_conversions)),
        mean(outcomes.iter().map(|o| o.equal_split_expected)),
        mean(outcomes.iter().map(|o| o.oracle_expected)),
    );
    println!(
        "  regret (expected conversions lost) per run: vs equal split {:.1}, vs oracle {:.1}",
        mean(outcomes.iter().map(Outcome::regret_vs_equal_split)),
        mean(outcomes.iter().map(Outcome::regret_vs_oracle)),
    );
    println!(
        "  ≥ 80% of traffic on the best arm overall and the best arm promoted: {met} of {n} runs ({} visitors each)",
        scenario.visitors
    );
}
