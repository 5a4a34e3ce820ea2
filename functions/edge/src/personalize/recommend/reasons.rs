//! Why an item was recommended: machine codes the storefront may show or
//! log (`similar-to:<sku>`, `trending-in:<market>`, ...).

use std::fmt;

use serde::{Serialize, Serializer};

/// One reason an item is in the list. Every returned item has at least one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// Bought or viewed together with this context SKU.
    SimilarTo(String),
    /// Among the most interacted-with in this market (the list the data
    /// holds for it: the market, its country, or `ZZ` for everywhere).
    TrendingIn(String),
    /// In a category of something the shopper viewed recently (only with
    /// their consent; the caller decides).
    RecentlyViewedCategory,
    /// The merchant promotes it (its share of a list is capped).
    Promoted,
    /// Shown so that items without interactions get some (seeded by day
    /// and context, never by shopper).
    Exploration,
}

impl Reason {
    /// The machine code, as the caller sends it on.
    pub fn code(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::SimilarTo(sku) => write!(f, "similar-to:{sku}"),
            Reason::TrendingIn(market) => write!(f, "trending-in:{market}"),
            Reason::RecentlyViewedCategory => f.write_str("recently-viewed-category"),
            Reason::Promoted => f.write_str("promoted"),
            Reason::Exploration => f.write_str("exploration"),
        }
    }
}

impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_kebab_case_with_their_subject() {
        assert_eq!(
            Reason::SimilarTo("MRD-SILK-SCARF".into()).code(),
            "similar-to:MRD-SILK-SCARF"
        );
        assert_eq!(Reason::TrendingIn("DE".into()).code(), "trending-in:DE");
        assert_eq!(
            Reason::RecentlyViewedCategory.code(),
            "recently-viewed-category"
        );
        assert_eq!(Reason::Promoted.code(), "promoted");
        assert_eq!(Reason::Exploration.code(), "exploration");
        let json = serde_json::to_string(&[Reason::Promoted, Reason::TrendingIn("JP".into())])
            .expect("reasons serialise");
        assert_eq!(json, r#"["promoted","trending-in:JP"]"#);
    }
}
