//! The pages the edge renders itself: the demo storefront and the try-on
//! page, with their labels in the market's language, the OpenAPI
//! document of every route, and the storefront widget merchants embed.

pub mod messages;
pub mod openapi;
pub mod storefront;
pub mod tryon;
pub mod widget;
