//! Market resolution for every edge request: the country (for prices,
//! assortment, legal texts) and the page language.
//!
//! Host-independent: inputs are plain values (header pairs, the peer
//! address from Spin's `spin-client-addr`), so it runs natively in tests
//! and benchmarks and inside the components.
//!
//! - [`resolve_country`]: a trusted CDN's geo header ([`geo_header`]), else
//!   the client address ([`client_ip`]) in the IP-to-country database
//!   ([`ip_db`]: a MaxMind DB or the smaller [`country_table`]), else [`MarketConfig::default_country`]. Never fails; the
//!   result says which step answered and why.
//! - [`negotiate_locale`]: an override, else `Accept-Language` by RFC 4647
//!   Lookup ([`locale`]), else the market's default language.
//! - [`truncate_ip`]: the client's network, for audit logs.

pub mod audit;
pub mod client_ip;
pub mod config;
pub mod country_code;
pub mod country_table;
pub mod error;
pub mod geo_header;
pub mod ip_db;
pub mod locale;
pub mod resolve;

#[cfg(test)]
mod corpus_tests;

pub use audit::truncate_ip;
pub use config::{ClientIpFormat, ClientIpHeader, MarketConfig};
pub use country_code::CountryCode;
pub use error::MarketError;
pub use geo_header::{GeoHeader, GeoHeaderFormat};
pub use ip_db::{CountryDb, EMBEDDED_DB};
pub use locale::{LocaleChoice, LocaleSource, negotiate_locale, parse_accept_language};
pub use resolve::{
    CountryDbSource, CountryResolution, CountrySource, RequestHeaders, reason, resolve_country,
};
