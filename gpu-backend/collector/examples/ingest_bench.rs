//! Ingest throughput of the embedded store: batches of 1, 10 and 100
//! events appended one transaction each, WAL, `synchronous` NORMAL and
//! FULL, into a fresh SQLite file on the disk under `--dir` (default: the
//! system temp directory; tmpfs there would make FULL's fsync free).
//!
//! `cargo run --release -p meridian-collector --example ingest_bench [-- --dir DIR --seconds S]`

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use meridian_collector::store::{Durability, Store};
use meridian_collector::wire::{
    CollectedEvent, CollectorBatch, CollectorSchema, ConsentStamp, EventDetail,
};

/// Ingest throughput of the embedded store, per durability and batch size.
#[derive(Parser)]
#[command(name = "ingest_bench", args_override_self = true)]
struct Cli {
    /// Where the scratch store goes (default: the system temp directory).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Seconds per row of the table.
    #[arg(long, value_name = "S", default_value_t = 3.0)]
    seconds: f64,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let dir = cli.dir.unwrap_or_else(std::env::temp_dir);
    let seconds = cli.seconds;
    let budget = Duration::from_secs_f64(seconds);
    println!("store under {}, {seconds} s per row", dir.display());
    println!(
        "| synchronous | events/batch | batches | events | events/s | batches/s | p50 commit | p99 commit |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for durability in [Durability::Normal, Durability::Full] {
        for size in [1usize, 10, 100] {
            let scratch = tempfile::tempdir_in(&dir).context("scratch directory")?;
            let store = Store::open(&scratch.path().join("events.sqlite"), durability)?;
            let mut latencies = Vec::new();
            let mut next_id = 0u64;
            let started = Instant::now();
            while started.elapsed() < budget {
                let batch = batch(size, &mut next_id);
                let t = Instant::now();
                let appended = store.append(&batch, 1_800_000_000_000)?;
                latencies.push(t.elapsed());
                if appended.accepted != size {
                    bail!("expected {size} new events, stored {}", appended.accepted);
                }
            }
            let elapsed = started.elapsed().as_secs_f64();
            latencies.sort();
            let pick = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
            let batches = latencies.len();
            let events = batches * size;
            println!(
                "| {durability:?} | {size} | {batches} | {events} | {:.0} | {:.0} | {:.2} ms | {:.2} ms |",
                events as f64 / elapsed,
                batches as f64 / elapsed,
                pick(0.5).as_secs_f64() * 1e3,
                pick(0.99).as_secs_f64() * 1e3,
            );
            if store.len()? != events as u64 {
                bail!("the store holds {} events, not {events}", store.len()?);
            }
        }
    }
    Ok(())
}

/// `size` events of one shopper's page views, an exposure first: the shape
/// the edge sends, each id new.
fn batch(size: usize, next_id: &mut u64) -> CollectorBatch {
    let events = (0..size)
        .map(|i| {
            *next_id += 1;
            let exposure = i == 0;
            let detail = if exposure {
                EventDetail::Exposure {
                    experiment: "hero".into(),
                    variant: ["control", "treatment"][(*next_id % 2) as usize].into(),
                }
            } else {
                EventDetail::View {
                    sku: format!("sku-{}", *next_id % 500),
                }
            };
            CollectedEvent {
                id: format!("evt-{:016x}", *next_id),
                at: 1_800_000_000_000 + *next_id,
                page: format!("/p/sku-{}", *next_id % 500),
                detail,
                context: None,
                market: "DE".into(),
                consent: ConsentStamp {
                    outcome: "allow".into(),
                    reason: "consent-tcf-granted".into(),
                    policy_version: "pk1-0123456789ab".into(),
                },
                pseudonym: Some(format!("{:032x}", *next_id / 7)),
            }
        })
        .collect();
    CollectorBatch {
        schema: CollectorSchema,
        edge_received_at: 1_800_000_000_000,
        market: "DE".into(),
        region: "eu".into(),
        key_id: "2026-12-01.3f9a01c2".into(),
        client_network: None,
        events,
    }
}
