//! Territory: may this product be shown and sold to this destination?
//! Checked in order: embargo, the SKU's territorial licence, categories
//! the market bans, age gates.

use serde::Serialize;

use super::embargo::EmbargoList;
use super::merchant::MerchantPolicy;
use super::pack::MarketPack;
use super::reason::Reason;

/// What is being asked about, and where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TerritoryQuery<'a> {
    /// ISO 3166-1 alpha-2, upper case.
    pub country: &'a str,
    /// Full subdivision code (`UA-43`), when known.
    pub subdivision: Option<&'a str>,
    pub sku: Option<&'a str>,
    pub category: Option<&'a str>,
    /// A verified age.
    pub age: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TerritoryDecision {
    pub blocked: bool,
    pub reason: Reason,
    /// The categories that were checked (the request's and the SKU's).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// The age the shopper must be verified to be, when an age gate applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_age: Option<u8>,
}

impl TerritoryDecision {
    fn allowed(categories: Vec<String>, min_age: Option<u8>, detail: String) -> TerritoryDecision {
        TerritoryDecision {
            blocked: false,
            reason: Reason::new("territory-allowed", detail),
            categories,
            min_age,
        }
    }

    fn blocked(
        code: &'static str,
        detail: String,
        categories: Vec<String>,
        min_age: Option<u8>,
    ) -> TerritoryDecision {
        TerritoryDecision {
            blocked: true,
            reason: Reason::new(code, detail),
            categories,
            min_age,
        }
    }
}

pub fn decide(
    q: &TerritoryQuery<'_>,
    pack: &MarketPack,
    merchant: &MerchantPolicy,
    embargo: &EmbargoList,
) -> TerritoryDecision {
    let sku = q.sku.and_then(|id| merchant.sku(id));
    let mut categories: Vec<String> = q
        .category
        .map(|c| c.trim().to_ascii_lowercase())
        .into_iter()
        .chain(sku.and_then(|s| s.category.clone()))
        .filter(|c| !c.is_empty())
        .collect();
    categories.sort_unstable();
    categories.dedup();
    let place = q.subdivision.unwrap_or(q.country);

    let embargoed = if categories.is_empty() {
        embargo.find(q.country, q.subdivision, None)
    } else {
        categories
            .iter()
            .find_map(|c| embargo.find(q.country, q.subdivision, Some(c)))
    };
    if let Some(entry) = embargoed {
        let scope = if entry.categories.is_empty() {
            "all goods".to_owned()
        } else {
            entry.categories.join(", ")
        };
        return TerritoryDecision::blocked(
            "embargoed",
            format!("{} is embargoed for {scope} ({})", entry.area, entry.basis),
            categories,
            None,
        );
    }

    if let Some(sku) = sku {
        let listed = |list: &Vec<String>| {
            list.iter()
                .any(|a| a == q.country || Some(a.as_str()) == q.subdivision)
        };
        let licensed = match (&sku.territories, &sku.excluded) {
            (Some(only), _) => listed(only),
            (None, Some(excluded)) => !listed(excluded),
            (None, None) => true,
        };
        if !licensed {
            return TerritoryDecision::blocked(
                "territory-not-licensed",
                format!(
                    "SKU {} is not licensed for {place} ({})",
                    sku.id, sku.licence
                ),
                categories,
                None,
            );
        }
    }

    if let Some(banned) = categories.iter().find_map(|c| pack.banned(c)) {
        return TerritoryDecision::blocked(
            "category-restricted",
            format!(
                "{} may not be sold to {} ({})",
                banned.category, pack.market, banned.basis
            ),
            categories,
            None,
        );
    }

    let gate = categories
        .iter()
        .filter_map(|c| pack.age_gate(c).map(|age| (age, c.as_str())))
        .max();
    if let Some((min, category)) = gate {
        let basis = &pack.restrictions.age_basis;
        return match q.age {
            Some(age) if age >= min => TerritoryDecision::allowed(
                categories.clone(),
                Some(min),
                format!("verified age meets the {category} age gate of {min} ({basis})"),
            ),
            Some(_) => TerritoryDecision::blocked(
                "age-gate",
                format!("{category} requires a verified age of at least {min} ({basis})"),
                categories,
                Some(min),
            ),
            None => TerritoryDecision::blocked(
                "age-gate",
                format!("{category} requires age verification: at least {min} ({basis})"),
                categories,
                Some(min),
            ),
        };
    }

    TerritoryDecision::allowed(
        categories,
        None,
        format!("no territorial restriction for {place}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::pack::tests::pack_toml;

    fn pack() -> MarketPack {
        MarketPack::parse("markets/DE.toml", &pack_toml("DE")).expect("valid")
    }

    fn merchant() -> MerchantPolicy {
        MerchantPolicy::parse(
            "merchant.toml",
            r#"schema = 1
merchant = "demo"
version = "1"
[[sku]]
id = "FRAME-EU"
category = "eyewear"
territories = ["DE", "FR"]
licence = "EU-only design licence"
[[sku]]
id = "WINE"
category = "alcohol"
excluded = ["US-UT"]
licence = "no shipping to Utah"
[[sku]]
id = "ROCKET"
category = "fireworks"
"#,
        )
        .expect("valid")
    }

    fn embargo() -> EmbargoList {
        EmbargoList::parse(
            "embargo.toml",
            "schema = 1\nversion = \"1\"\n[[destination]]\narea = \"KP\"\nbasis = \"UN\"\n[[destination]]\narea = \"RU\"\nbasis = \"EU 833/2014\"\ncategories = [\"luxury\"]\n",
        )
        .expect("valid")
    }

    fn decide_for(q: TerritoryQuery<'_>) -> TerritoryDecision {
        decide(&q, &pack(), &merchant(), &embargo())
    }

    #[test]
    fn licensed_territories() {
        let q = TerritoryQuery {
            country: "DE",
            sku: Some("FRAME-EU"),
            ..TerritoryQuery::default()
        };
        assert_eq!(decide_for(q).reason.code, "territory-allowed");
        let d = decide_for(TerritoryQuery { country: "JP", ..q });
        assert!(d.blocked);
        assert_eq!(d.reason.code, "territory-not-licensed");
        assert!(d.reason.detail.contains("EU-only design licence"));
    }

    #[test]
    fn excluded_subdivisions() {
        let q = TerritoryQuery {
            country: "US",
            subdivision: Some("US-UT"),
            sku: Some("WINE"),
            age: Some(30),
            ..TerritoryQuery::default()
        };
        assert_eq!(decide_for(q).reason.code, "territory-not-licensed");
        let d = decide_for(TerritoryQuery {
            subdivision: Some("US-CA"),
            ..q
        });
        assert!(!d.blocked, "{d:?}");
    }

    #[test]
    fn unknown_skus_have_no_licence_limits() {
        let d = decide_for(TerritoryQuery {
            country: "JP",
            sku: Some("NOT-LISTED"),
            ..TerritoryQuery::default()
        });
        assert!(!d.blocked);
    }

    #[test]
    fn embargo_comes_first() {
        let d = decide_for(TerritoryQuery {
            country: "KP",
            sku: Some("FRAME-EU"),
            ..TerritoryQuery::default()
        });
        assert_eq!(d.reason.code, "embargoed");
        let d = decide_for(TerritoryQuery {
            country: "RU",
            category: Some("luxury"),
            ..TerritoryQuery::default()
        });
        assert_eq!(d.reason.code, "embargoed");
        let d = decide_for(TerritoryQuery {
            country: "RU",
            category: Some("eyewear"),
            ..TerritoryQuery::default()
        });
        assert!(!d.blocked);
    }

    #[test]
    fn banned_categories_from_the_request_or_the_sku() {
        let d = decide_for(TerritoryQuery {
            country: "DE",
            sku: Some("ROCKET"),
            ..TerritoryQuery::default()
        });
        assert_eq!(d.reason.code, "category-restricted");
        assert_eq!(d.categories, vec!["fireworks".to_owned()]);
        let d = decide_for(TerritoryQuery {
            country: "DE",
            category: Some("Fireworks"),
            ..TerritoryQuery::default()
        });
        assert_eq!(d.reason.code, "category-restricted");
    }

    #[test]
    fn age_gates_need_a_verified_age() {
        let q = TerritoryQuery {
            country: "DE",
            category: Some("alcohol"),
            ..TerritoryQuery::default()
        };
        let d = decide_for(q);
        assert_eq!(
            (d.blocked, d.reason.code, d.min_age),
            (true, "age-gate", Some(18))
        );
        let d = decide_for(TerritoryQuery { age: Some(17), ..q });
        assert_eq!((d.blocked, d.reason.code), (true, "age-gate"));
        let d = decide_for(TerritoryQuery { age: Some(18), ..q });
        assert_eq!(
            (d.blocked, d.reason.code, d.min_age),
            (false, "territory-allowed", Some(18))
        );
    }
}
