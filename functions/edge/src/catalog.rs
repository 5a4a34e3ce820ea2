//! The merchant's products: which SKU an asset shows (so media inherits the
//! product's territorial rights), prices per currency, copy per language.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::policy::locale::pick;
use crate::response::Refusal;

/// The shipped demo catalog.
pub const CATALOG: &str = include_str!("../catalog.toml");

include!(concat!(env!("OUT_DIR"), "/asset_skus.rs"));

/// The SKU an asset shows, from an index built with the crate (no parsing
/// per request).
pub fn sku_of_asset(asset: &str) -> Option<&'static str> {
    ASSET_SKUS
        .iter()
        .find(|(a, _)| *a == asset)
        .map(|(_, sku)| *sku)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub sku: String,
    pub name: String,
    pub asset: String,
    /// By ISO 4217 code.
    pub price: BTreeMap<String, String>,
    /// By BCP 47 language tag.
    pub copy: BTreeMap<String, String>,
    /// The copy was written by a model (AI-content labelling applies).
    #[serde(default)]
    pub ai_generated: bool,
}

/// A price in the shopper's currency; a missing one is shown as "on
/// request", never converted.
pub fn price_in<'a>(prices: &'a BTreeMap<String, String>, currency: &str) -> Option<&'a str> {
    prices.get(currency).map(String::as_str)
}

impl Product {
    pub fn price_in(&self, currency: &str) -> Option<&str> {
        price_in(&self.price, currency)
    }

    /// The copy for a locale, with the same fallback labels use
    /// (`de-CH` → `de` → `de-*` → `en`).
    pub fn copy_for(&self, locale: &str) -> Option<(&str, &str)> {
        pick(&self.copy, locale)
    }
}

/// A product shoppers can try on at `/tryon`. Its SKU must be in the
/// backend's try-on catalog (`gpu-backend/tryon-catalog/products.toml`),
/// which holds the overlay and how it sits on a face.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TryonProduct {
    pub sku: String,
    pub name: String,
    /// `eyewear`, `hat`, `earrings` or `lip-colour`: groups the picker.
    pub kind: String,
    /// By ISO 4217 code.
    pub price: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub product: Vec<Product>,
    #[serde(default)]
    pub tryon: Vec<TryonProduct>,
}

impl Catalog {
    pub fn shipped() -> Result<Catalog, Refusal> {
        Catalog::parse(CATALOG)
    }

    pub fn parse(text: &str) -> Result<Catalog, Refusal> {
        toml::from_str(text)
            .map_err(|e| Refusal::new(500, "catalog-invalid", format!("catalog: {e}")))
    }

    /// The product an asset belongs to.
    pub fn by_asset(&self, asset: &str) -> Option<&Product> {
        self.product.iter().find(|p| p.asset == asset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalog_parses_and_names_merchant_skus() {
        let catalog = Catalog::shipped().expect("catalog parses");
        let packs = crate::policy::PackSet::embedded().expect("packs");
        for p in &catalog.product {
            assert!(!p.copy.is_empty(), "{} has copy", p.sku);
            assert!(p.price.contains_key("EUR"), "{} has a EUR price", p.sku);
            if p.sku != "MRD-FRIENDS-PRINT" {
                assert!(
                    packs.merchant().sku(&p.sku).is_some(),
                    "{} is in merchant.toml",
                    p.sku
                );
            }
        }
        assert_eq!(
            catalog.by_asset("umang.jpg").map(|p| p.sku.as_str()),
            Some("MRD-AURORA-WATCH")
        );
        assert!(catalog.by_asset("nope.jpg").is_none());
        for p in &catalog.product {
            assert_eq!(
                sku_of_asset(&p.asset),
                Some(p.sku.as_str()),
                "the built index agrees"
            );
        }
        assert_eq!(sku_of_asset("nope.jpg"), None);
    }

    #[test]
    fn try_on_products_exist_in_the_backends_try_on_catalog() {
        let backend: toml::Table = toml::from_str(include_str!(
            "../../../gpu-backend/tryon-catalog/products.toml"
        ))
        .expect("the backend's try-on catalog parses");
        let skus: Vec<&str> = backend["product"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("sku").and_then(|s| s.as_str()))
            .collect();
        let catalog = Catalog::shipped().expect("catalog parses");
        assert!(!catalog.tryon.is_empty());
        for p in &catalog.tryon {
            assert!(skus.contains(&p.sku.as_str()), "{} can be tried on", p.sku);
            assert!(p.price.contains_key("EUR"), "{} has a EUR price", p.sku);
        }
    }

    #[test]
    fn copy_falls_back_by_language() {
        let catalog = Catalog::shipped().expect("catalog parses");
        let p = &catalog.product[0];
        assert_eq!(p.copy_for("de-CH").map(|(l, _)| l), Some("de"));
        assert_eq!(p.copy_for("ko-KR").map(|(l, _)| l), Some("en"));
    }
}
