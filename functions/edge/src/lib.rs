//! Meridian's edge logic, as a plain library that compiles natively (unit
//! tests, benchmarks) and into the Spin components (`wasm32-wasip2`).
//!
//! Modules follow the request path: [`request`] parses what came in,
//! [`presets`] says what shape is wanted, [`cache`] serves or stores it,
//! [`backend`] asks a region to render it, [`response`] says what happened.
//! [`media`] ties them together for `GET /v1/media/...`; [`watermark`]
//! reads a rendition's invisible mark back; [`tryon`] sends a shopper's
//! camera frame to a region the law allows and answers the composite.
//! [`locale_format`] writes prices (amounts with ISO 4217 codes, from
//! [`catalog`]) and plural categories in the shopper's locale with ICU4X.

pub mod accept;
pub mod admin;
pub mod backend;
pub mod cache;
pub mod catalog;
pub mod gate;
pub mod locale_format;
pub mod market;
pub mod media;
pub mod named_urls;
pub mod origin;
pub mod page_text;
pub mod personalize;
pub mod policy;
pub mod presets;
pub mod request;
pub mod response;
pub mod storefront;
pub mod tryon;
pub mod tryon_page;
pub mod watermark;
