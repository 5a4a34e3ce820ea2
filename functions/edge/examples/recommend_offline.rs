//! Produces `data/recommendations.json` from a synthetic interaction log
//! over the shipped catalog, and evaluates the edge re-ranker on held-out
//! sessions against a popularity baseline.
//!
//! ```sh
//! cargo run -p meridian-edge --example recommend_offline            # write + evaluate
//! cargo run -p meridian-edge --example recommend_offline -- --check # the shipped file is what this writes
//! ```
//!
//! Steps: the log (`synth`: seeded sessions of views, carts and purchases
//! with category affinity and per-market popularity, only of items the
//! market may see); the first `1 - held_out` of sessions train, the rest
//! are held out; co-occurrence, embeddings, popularity and trending
//! (`features`); the file, validated by the edge's own loader; NDCG and
//! coverage (`eval`).

#[path = "recommend_offline/eval.rs"]
mod eval;
#[path = "recommend_offline/features.rs"]
mod features;
#[path = "recommend_offline/synth.rs"]
mod synth;

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::Parser;
use meridian_edge::catalog::Catalog;
use meridian_edge::personalize::recommend::{
    self, Context, RawData, RawItem, RecConfig, RecData, Request, Scored, data::FORMAT,
};
use meridian_edge::policy::PackSet;
use meridian_edge::policy::territory::{self, TerritoryQuery};

#[derive(Debug, Parser)]
#[command(about = "Recommendation data for the edge: generate, check, evaluate")]
struct Args {
    /// Seed of the synthetic log.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Sessions in the log.
    #[arg(long, default_value_t = 20_000)]
    sessions: usize,
    /// Share of sessions (the latest) held out for evaluation.
    #[arg(long, default_value_t = 0.2)]
    held_out: f64,
    /// Embedding dimension.
    #[arg(long, default_value_t = 6)]
    dim: usize,
    /// Similar items kept per item.
    #[arg(long, default_value_t = 8)]
    neighbours: usize,
    /// Trending items kept per market.
    #[arg(long, default_value_t = 8)]
    trending: usize,
    /// Power-iteration steps per eigenvector.
    #[arg(long, default_value_t = 300)]
    iterations: usize,
    /// SKUs the merchant promotes.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "MRD-SILK-SCARF,HAT-FEDORA-NAVY"
    )]
    promoted: Vec<String>,
    /// SKUs out of stock.
    #[arg(long, value_delimiter = ',', default_value = "EAR-DROP-EMERALD")]
    out_of_stock: Vec<String>,
    /// Where the file goes (default: the crate's `data/recommendations.json`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Compare with the file instead of writing it; fail if they differ.
    #[arg(long)]
    check: bool,
    /// Unix time of the evaluated requests (exploration's day).
    #[arg(long, default_value_t = 1_796_083_200)]
    now: u64,
}

struct Item {
    sku: String,
    category: String,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !(0.0..1.0).contains(&args.held_out) {
        bail!("--held-out must be at least 0 and below 1");
    }
    let packs = PackSet::embedded().context("policy packs")?;
    let items = catalog_items(&packs)?;
    for sku in args.promoted.iter().chain(&args.out_of_stock) {
        if !items.iter().any(|i| &i.sku == sku) {
            bail!("{sku} is not in the catalog");
        }
    }
    let categories: Vec<String> = items.iter().map(|i| i.category.clone()).collect();
    let allowed: Vec<Vec<bool>> = synth::MARKETS
        .iter()
        .map(|(market, _)| items.iter().map(|i| may_see(&packs, market, i)).collect())
        .collect();
    let world = synth::World {
        categories: &categories,
        allowed: &allowed,
    };
    let log = synth::sessions(&world, args.seed, args.sessions);
    let split = ((1.0 - args.held_out) * log.len() as f64) as usize;
    let (train, held) = log.split_at(split);
    let train: Vec<&synth::Session> = train.iter().collect();

    let raw = build(&args, &items, &train);
    let text = format!("{}\n", serde_json::to_string_pretty(&raw)?);
    let data = RecData::new(raw).context("the data the script made does not validate")?;
    let path = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/recommendations.json")
    });

    if args.check {
        let shipped = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        if shipped != text {
            bail!(
                "{} is not what this script produces with these arguments; regenerate it with `{}`",
                path.display(),
                command(&args)
            );
        }
        println!("{} is up to date", path.display());
        return Ok(());
    }
    std::fs::write(&path, &text).with_context(|| format!("writing {}", path.display()))?;
    println!(
        "wrote {} ({} items, {} markets, {} bytes) from {} training sessions",
        path.display(),
        data.len(),
        synth::MARKETS.len() + 1,
        text.len(),
        train.len()
    );
    evaluate(&args, &packs, &items, &data, held, &train);
    Ok(())
}

/// The catalog's products and try-on products, with the category the
/// policy gives them (try-on kinds mapped to policy categories).
fn catalog_items(packs: &PackSet) -> anyhow::Result<Vec<Item>> {
    let catalog = Catalog::shipped().context("catalog")?;
    let mut items: Vec<Item> = catalog
        .product
        .iter()
        .map(|p| (p.sku.clone(), None))
        .chain(
            catalog
                .tryon
                .iter()
                .map(|p| (p.sku.clone(), Some(p.kind.as_str()))),
        )
        .map(|(sku, kind)| {
            let policy = packs.merchant().sku(&sku).and_then(|s| s.category.clone());
            let category = policy.unwrap_or_else(|| {
                match kind {
                    Some("eyewear") => "eyewear",
                    Some("hat") => "apparel",
                    Some("earrings") => "jewellery",
                    Some("lip-colour") => "cosmetics",
                    _ => "home",
                }
                .to_owned()
            });
            Item { sku, category }
        })
        .collect();
    items.sort_by(|a, b| a.sku.cmp(&b.sku));
    Ok(items)
}

/// What the gate's territory decision says, for a shopper whose age is
/// verified (age gates apply at checkout, not to what is shown).
fn may_see(packs: &PackSet, market: &str, item: &Item) -> bool {
    let (country, subdivision) = match market.split_once('-') {
        Some((c, _)) => (c, Some(market)),
        None => (market, None),
    };
    let q = TerritoryQuery {
        country,
        subdivision,
        sku: Some(&item.sku),
        category: Some(&item.category),
        age: Some(25),
    };
    let pack = packs.market(country, subdivision).pack;
    !territory::decide(&q, pack, packs.merchant(), packs.embargo()).blocked
}

fn command(args: &Args) -> String {
    format!(
        "cargo run -p meridian-edge --example recommend_offline -- --seed {} --sessions {} \
         --held-out {} --dim {} --neighbours {} --trending {} --iterations {} --promoted {} \
         --out-of-stock {}",
        args.seed,
        args.sessions,
        args.held_out,
        args.dim,
        args.neighbours,
        args.trending,
        args.iterations,
        args.promoted.join(","),
        args.out_of_stock.join(",")
    )
}

fn build(args: &Args, items: &[Item], train: &[&synth::Session]) -> RawData {
    let n = items.len();
    let cooc = features::cosine_cooccurrence(train, n);
    let embeddings = features::embeddings(&cooc, args.dim, args.iterations);
    let overall = features::strength(train, n);
    let popularity: BTreeMap<usize, f64> = features::top(&overall, n).into_iter().collect();
    let scored = |list: Vec<(usize, f64)>| -> Vec<Scored> {
        list.into_iter()
            .map(|(i, score)| Scored {
                sku: items[i].sku.clone(),
                score,
            })
            .collect()
    };
    let raw_items = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            (
                item.sku.clone(),
                RawItem {
                    category: item.category.clone(),
                    in_stock: !args.out_of_stock.contains(&item.sku),
                    promoted: args.promoted.contains(&item.sku),
                    popularity: popularity.get(&i).copied().unwrap_or(0.0),
                    embedding: embeddings[i].clone(),
                    similar: scored(features::neighbours(&cooc, i, args.neighbours)),
                },
            )
        })
        .collect();
    let mut trending = BTreeMap::new();
    trending.insert(
        recommend::data::EVERYWHERE.to_owned(),
        scored(features::top(&overall, args.trending)),
    );
    for (m, (market, _)) in synth::MARKETS.iter().enumerate() {
        let sessions: Vec<&synth::Session> =
            train.iter().copied().filter(|s| s.market == m).collect();
        let list = features::top(&features::strength(&sessions, n), args.trending);
        if !list.is_empty() {
            trending.insert((*market).to_owned(), scored(list));
        }
    }
    RawData {
        format: FORMAT,
        generated_by: command(args),
        dim: args.dim,
        items: raw_items,
        trending,
    }
}

fn evaluate(
    args: &Args,
    packs: &PackSet,
    items: &[Item],
    data: &RecData,
    held: &[synth::Session],
    train: &[&synth::Session],
) {
    let n = items.len();
    let default = RecConfig::default();
    let relevance_only = RecConfig {
        lambda: 1.0,
        exploration_share: 0.0,
        ..RecConfig::default()
    };
    // The baseline: the market's items by training popularity, whole list.
    let by_market: Vec<Vec<usize>> = (0..synth::MARKETS.len())
        .map(|m| {
            let sessions: Vec<&synth::Session> =
                train.iter().copied().filter(|s| s.market == m).collect();
            features::top(&features::strength(&sessions, n), n)
                .into_iter()
                .map(|(i, _)| i)
                .collect()
        })
        .collect();
    let category = |sku: &str| data.category(sku).unwrap_or("?").to_owned();
    let mut tallies: Vec<(&str, eval::Tally)> = vec![
        (
            "popularity baseline (market, in stock, allowed)",
            eval::Tally::default(),
        ),
        (
            "edge re-ranker, lambda 1, no exploration",
            eval::Tally::default(),
        ),
        (
            "edge re-ranker, defaults (lambda 0.7, 10% exploration)",
            eval::Tally::default(),
        ),
    ];
    for s in held {
        let Some(&(first, _)) = s.events.first() else {
            continue;
        };
        if s.events.len() < 2 {
            continue;
        }
        let market = synth::MARKETS[s.market].0;
        let truth: Vec<(&str, u8)> = s.events[1..]
            .iter()
            .map(|(i, g)| (items[*i].sku.as_str(), *g))
            .collect();
        let shown = |sku: &str| {
            items
                .iter()
                .find(|i| i.sku == sku)
                .is_some_and(|i| may_see(packs, market, i))
        };
        let baseline: Vec<&str> = by_market[s.market]
            .iter()
            .map(|&i| items[i].sku.as_str())
            .filter(|sku| {
                *sku != items[first].sku
                    && shown(sku)
                    && !args.out_of_stock.iter().any(|o| o == sku)
            })
            .take(10)
            .collect();
        tallies[0].1.add(&baseline, &truth, category);
        let context = Context::Product(items[first].sku.clone());
        for (t, config) in [(1, &relevance_only), (2, &default)] {
            let request = Request {
                context: &context,
                market,
                recently_viewed: None,
                k: Some(10),
                now: args.now,
            };
            let list = recommend::recommend(data, config, &request, |c| shown(c.sku))
                .map(|r| r.items)
                .unwrap_or_default();
            let ranked: Vec<&str> = list.iter().map(|r| r.sku.as_str()).collect();
            tallies[t].1.add(&ranked, &truth, category);
        }
    }
    println!();
    println!(
        "held-out requests: {} (sessions with 2+ items; context = first item, truth = the rest)",
        tallies[0].1.requests
    );
    println!("| ranking | NDCG@10 | NDCG@5 | catalog coverage | categories per list |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (name, t) in &tallies {
        let (n10, n5, cov, cats) = t.figures(n);
        println!(
            "| {name} | {n10:.4} | {n5:.4} | {:.0}% ({}/{n}) | {cats:.2} |",
            cov * 100.0,
            (cov * n as f64).round()
        );
    }
}
