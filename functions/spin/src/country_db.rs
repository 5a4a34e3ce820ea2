//! The IP-to-country database of this instance, opened on the first
//! request that needs it (a trusted geo header answers without it).
//!
//! It is not compiled into the components: each one mounts it through
//! Spin's `files` (`spin.toml`: `functions/edge/data/country` at
//! `/country`) and reads it once per instance. `docs/benchmarks.md`
//! ("Country database") has the figures this choice rests on. A merchant's
//! own database (MaxMind GeoIP2 or GeoLite2, or any MaxMind DB with a
//! country per record) is mounted there as `country.mmdb` instead.

use std::sync::LazyLock;

use meridian_edge::market::CountryDb;

/// Where the database is looked for, in order: the shipped table, then a
/// MaxMind DB.
pub const PATHS: [&str; 2] = ["/country/country.table", "/country/country.mmdb"];

/// This instance's database; `None` (logged) when none opens.
pub static COUNTRY_DB: LazyLock<Option<CountryDb>> = LazyLock::new(open);

#[cfg(feature = "embedded-country-mmdb")]
fn bytes() -> Result<&'static [u8], String> {
    Ok(meridian_edge::market::EMBEDDED_DB)
}

#[cfg(all(
    feature = "embedded-country-table",
    not(feature = "embedded-country-mmdb")
))]
fn bytes() -> Result<&'static [u8], String> {
    Ok(include_bytes!("../../edge/data/country/country.table"))
}

#[cfg(not(any(feature = "embedded-country-mmdb", feature = "embedded-country-table")))]
fn bytes() -> Result<&'static [u8], String> {
    let mut tried = Vec::new();
    for path in PATHS {
        match std::fs::read(path) {
            // Kept for the life of the instance, like the static it backs.
            Ok(bytes) => return Ok(Box::leak(bytes.into_boxed_slice())),
            Err(e) => tried.push(format!("{path}: {e}")),
        }
    }
    Err(tried.join("; "))
}

fn open() -> Option<CountryDb> {
    let opened = bytes().and_then(|b| CountryDb::from_bytes(b).map_err(|e| e.to_string()));
    opened
        .inspect_err(|e| {
            eprintln!("meridian: COUNTRY DATABASE UNUSABLE, markets come from geo headers or the default: {e}")
        })
        .ok()
}
