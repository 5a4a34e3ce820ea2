//! The pages the edge renders itself: the demo storefront and the try-on
//! page, with their labels in the market's language.

pub mod storefront;
pub mod text;
pub mod tryon;
