//! Writes the country table (`data/country/country.table`) from a MaxMind
//! DB: the smaller format components read (`market::country_table`).
//!
//! `cargo run --release -p meridian-edge --example country-table [-- --mmdb FILE --out FILE]`

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use meridian_edge::market::CountryDb;

#[derive(Parser)]
#[command(about = "Writes a country table from a MaxMind DB")]
struct Args {
    /// The MaxMind DB to read (records with `country_code` or `country.iso_code`).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/data/geo/geo-whois-asn-country.mmdb"))]
    mmdb: PathBuf,
    /// Where to write the table.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/data/country/country.table"))]
    out: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bytes =
        std::fs::read(&args.mmdb).with_context(|| format!("reading {}", args.mmdb.display()))?;
    // The reader borrows for 'static; this program ends right after.
    let db = CountryDb::from_bytes(Box::leak(bytes.into_boxed_slice()))
        .with_context(|| format!("opening {}", args.mmdb.display()))?;
    let table = db.to_table().context("building the table")?;
    std::fs::write(&args.out, &table).with_context(|| format!("writing {}", args.out.display()))?;
    let opened = CountryDb::from_bytes(Box::leak(table.clone().into_boxed_slice()))
        .context("the written table does not open")?;
    println!(
        "{}: {} bytes ({}, built {}) from {} ({} bytes)",
        args.out.display(),
        table.len(),
        opened.database_type(),
        opened.build_epoch(),
        args.mmdb.display(),
        db_len(&args.mmdb),
    );
    Ok(())
}

fn db_len(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or_default()
}
