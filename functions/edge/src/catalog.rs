//! The merchant's products: which SKU an asset shows (so media inherits the
//! product's territorial rights), prices per currency, copy per language.
//! Prices are amounts ([`Money`]); [`crate::locale_format`] writes them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::http::response::Refusal;
use crate::locale_format::{CurrencyCode, Money, MoneyError};
use crate::policy::locale::pick;

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
    pub price: Prices,
    /// By BCP 47 language tag.
    pub copy: BTreeMap<String, String>,
    /// The copy was written by a model (AI-content labelling applies).
    #[serde(default)]
    pub ai_generated: bool,
}

/// A product's prices, one per currency, written in the catalog as
/// decimal strings by ISO 4217 code (`{ EUR = "189", JPY = "23800" }`). A
/// malformed amount, an unknown-looking code or more decimals than the
/// currency has fail the catalog's parse.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(
    try_from = "BTreeMap<String, String>",
    into = "BTreeMap<String, String>"
)]
pub struct Prices(BTreeMap<CurrencyCode, Money>);

impl Prices {
    /// The price in the shopper's currency; a missing one is shown as "on
    /// request", never converted.
    pub fn get(&self, currency: &str) -> Option<&Money> {
        let code = CurrencyCode::parse(currency).ok()?;
        self.0.get(&code)
    }

    pub fn contains(&self, currency: &str) -> bool {
        self.get(currency).is_some()
    }

    /// Sets the price in `money`'s currency.
    pub fn insert(&mut self, money: Money) {
        self.0.insert(money.currency(), money);
    }

    pub fn iter(&self) -> impl Iterator<Item = &Money> {
        self.0.values()
    }
}

impl TryFrom<BTreeMap<String, String>> for Prices {
    type Error = MoneyError;
    fn try_from(written: BTreeMap<String, String>) -> Result<Prices, MoneyError> {
        let mut prices = Prices::default();
        for (currency, amount) in &written {
            prices.insert(Money::price(amount, currency)?);
        }
        Ok(prices)
    }
}

impl From<Prices> for BTreeMap<String, String> {
    fn from(prices: Prices) -> Self {
        prices
            .0
            .into_iter()
            .map(|(code, money)| (code.to_string(), money.amount().to_string()))
            .collect()
    }
}

/// The price in `currency`, if the product has one.
pub fn price_in<'a>(prices: &'a Prices, currency: &str) -> Option<&'a Money> {
    prices.get(currency)
}

impl Product {
    pub fn price_in(&self, currency: &str) -> Option<&Money> {
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
    pub price: Prices,
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
            assert!(p.price.contains("EUR"), "{} has a EUR price", p.sku);
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
            assert!(p.price.contains("EUR"), "{} has a EUR price", p.sku);
        }
    }

    #[test]
    fn malformed_prices_fail_the_catalog() {
        let product = |price: &str| {
            format!(
                "[[product]]\nsku = \"S\"\nname = \"n\"\nasset = \"a.jpg\"\ncopy = {{ en = \"c\" }}\nprice = {price}\n"
            )
        };
        let eur = Catalog::parse(&product(r#"{ EUR = "189.5", JPY = "23800" }"#)).expect("parses");
        let prices = &eur.product[0].price;
        assert_eq!(
            prices.get("EUR").map(|m| m.amount().to_string()),
            Some("189.50".into())
        );
        assert_eq!(
            prices.get("JPY").map(|m| m.amount().to_string()),
            Some("23800".into())
        );
        assert_eq!(prices.get("USD"), None);
        assert_eq!(prices.get("eur"), None);
        for (bad, why) in [
            (r#"{ EUR = "€ 189" }"#, "not a plain decimal"),
            (r#"{ EUR = "1,5" }"#, "not a plain decimal"),
            (r#"{ EUR = "189.999" }"#, "more than 2 decimals"),
            (r#"{ JPY = "100.5" }"#, "more than 0 decimals"),
            (r#"{ eur = "1" }"#, "not an ISO 4217 code"),
            (r#"{ EUR = "-1" }"#, "negative"),
            (r#"{ EUR = 189 }"#, "string"),
        ] {
            let e = Catalog::parse(&product(bad)).expect_err(bad);
            assert!(e.to_string().contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn every_shipped_price_is_in_a_currency_some_market_uses() {
        let catalog = Catalog::shipped().expect("catalog parses");
        let packs = crate::policy::PackSet::embedded().expect("packs");
        let currencies: Vec<&str> = packs
            .packs()
            .map(|p| p.storefront.currency.as_str())
            .collect();
        let prices = catalog
            .product
            .iter()
            .map(|p| &p.price)
            .chain(catalog.tryon.iter().map(|p| &p.price));
        for price in prices {
            for money in price.iter() {
                assert!(currencies.contains(&money.currency().as_str()), "{money:?}");
            }
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
