//! The IP-to-country database of this instance, opened on the first
//! request that needs it (a trusted geo header answers without it).
//!
//! The shipped MaxMind DB is compiled into the component: wasmtime maps a
//! component's data copy-on-write from its compiled image, so every instance
//! shares those pages and opening reads only the metadata. A mounted file
//! is copied into each instance's memory instead, which cost 20-28% of
//! `/v1/market` throughput with reused instances and 95% with one request
//! an instance (`docs/benchmarks.md`, "Country database"). A merchant's own
//! database (MaxMind GeoIP2 or GeoLite2, or a country table) is still
//! mounted, through Spin's `files`, at one of [`PATHS`], and is then used in
//! place of the shipped one.

use std::sync::LazyLock;

use meridian_edge::market::CountryDb;

/// A mounted database, looked for in order before the compiled-in one.
pub const PATHS: [&str; 2] = ["/country/country.mmdb", "/country/country.table"];

/// This instance's database; `None` (logged) when none opens.
pub static COUNTRY_DB: LazyLock<Option<CountryDb>> = LazyLock::new(open);

/// The compiled-in database. The features are for
/// `infra/bench/country-db.sh`, which measures the other ways.
#[cfg(not(any(
    feature = "embedded-country-table",
    feature = "mounted-country-db-only"
)))]
const EMBEDDED: Option<&[u8]> = Some(meridian_edge::market::EMBEDDED_DB);
#[cfg(all(
    feature = "embedded-country-table",
    not(feature = "mounted-country-db-only")
))]
const EMBEDDED: Option<&[u8]> = Some(include_bytes!("../../edge/data/country/country.table"));
#[cfg(feature = "mounted-country-db-only")]
const EMBEDDED: Option<&[u8]> = None;

fn bytes() -> Result<&'static [u8], String> {
    let mut tried = Vec::new();
    for path in PATHS {
        match std::fs::read(path) {
            // Kept for the life of the instance, like the static it backs.
            Ok(bytes) => return Ok(Box::leak(bytes.into_boxed_slice())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tried.push(format!("{path}: {e}")),
        }
    }
    match EMBEDDED {
        Some(bytes) if tried.is_empty() => Ok(bytes),
        Some(_) => Err(tried.join("; ")),
        None => Err(format!("nothing mounted at {}", PATHS.join(" or "))),
    }
}

fn open() -> Option<CountryDb> {
    let opened = bytes().and_then(|b| CountryDb::from_bytes(b).map_err(|e| e.to_string()));
    opened
        .inspect_err(|e| {
            eprintln!(
                "meridian: COUNTRY DATABASE UNUSABLE, markets come from geo headers or the default: {e}"
            )
        })
        .ok()
}
