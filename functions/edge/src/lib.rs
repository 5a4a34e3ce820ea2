//! Meridian's edge logic, as a plain library that compiles natively (unit
//! tests, benchmarks) and into the Spin components (`wasm32-wasip2`).
//!
//! The top level follows the request path: [`market`] and [`policy`]
//! decide what the shopper may see ([`gate`] runs both for a request),
//! [`personalize`] assigns variants and ranks recommendations, [`cache`]
//! serves or stores, [`backend`] asks a region to render. [`routes`] ties
//! them together per route family, [`pages`] renders the edge's own pages,
//! and [`http`] holds what every route shares (negotiation, the refusal
//! type). [`locale_format`] writes prices (amounts with ISO 4217 codes,
//! from [`catalog`]) and plural categories in the shopper's locale.

pub mod backend;
pub mod cache;
pub mod catalog;
pub mod gate;
pub mod http;
pub mod locale_format;
pub mod market;
pub mod named_urls;
pub mod pages;
pub mod personalize;
pub mod policy;
pub mod presets;
pub mod routes;
