//! The precomputed recommendation data (`data/recommendations.json`, made
//! by `examples/recommend_offline.rs`): per item its category, stock and
//! promotion flags, popularity, embedding and co-occurring items; per market
//! its trending items. Parsed and validated once per instance; the caller
//! keeps the [`RecData`].

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::http::response::Refusal;
use crate::policy::codes;

/// The data shipped with the crate.
pub const SHIPPED_DATA: &str = include_str!("../../../data/recommendations.json");

/// The file format this build reads.
pub const FORMAT: u32 = 1;

/// Largest embedding dimension accepted: MMR compares every candidate with
/// every pick, so the vector length is per-request cost.
pub const MAX_DIM: usize = 64;

/// The market key whose trending list applies where no other does.
pub const EVERYWHERE: &str = codes::DEFAULT_MARKET;

/// The file as written: what the offline script serialises.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawData {
    pub format: u32,
    /// The command that produced the file, with its parameters.
    pub generated_by: String,
    /// Length of every embedding.
    pub dim: usize,
    /// By SKU.
    pub items: BTreeMap<String, RawItem>,
    /// By market code (`DE`, `US-CA`, or `ZZ` for everywhere), best first.
    pub trending: BTreeMap<String, Vec<Scored>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawItem {
    /// A product category (`policy::codes::CATEGORIES`); caps count by it.
    pub category: String,
    pub in_stock: bool,
    pub promoted: bool,
    /// Overall interaction share, 0 to 1 (the most popular item is 1).
    pub popularity: f64,
    /// Item embedding; MMR compares items by its cosine.
    pub embedding: Vec<f64>,
    /// Co-occurring items, best first, scores 0 to 1.
    pub similar: Vec<Scored>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scored {
    pub sku: String,
    pub score: f64,
}

/// Why the data was refused. Every variant names where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataError {
    #[error("recommendation data does not parse: {0}")]
    Parse(String),
    #[error("recommendation data has format {found}; this build reads format {FORMAT}")]
    UnsupportedFormat { found: u32 },
    #[error("recommendation data holds no items")]
    Empty,
    #[error("`dim` is {0}; it must be 1 to {MAX_DIM}")]
    Dimension(usize),
    #[error("`{sku}`: embedding has {found} values, `dim` says {expected}")]
    EmbeddingDimension {
        sku: String,
        expected: usize,
        found: usize,
    },
    #[error("`{field}` is not a finite number")]
    NotFinite { field: String },
    #[error("`{field}` is {value}; it must be 0 to 1")]
    OutOfRange { field: String, value: f64 },
    #[error("`{field}` names `{sku}`, which is not an item")]
    UnknownSku { field: String, sku: String },
    #[error("`{field}` lists `{sku}` twice")]
    Duplicate { field: String, sku: String },
    #[error("`{sku}` lists itself as similar")]
    SelfSimilar { sku: String },
    #[error("`{sku}`: category `{category}` is not a known category")]
    UnknownCategory { sku: String, category: String },
    #[error("`trending`: `{0}` is not a market code")]
    InvalidMarket(String),
}

impl DataError {
    /// The data ships with the build: a refusal is the operator's fault.
    pub fn refusal(&self) -> Refusal {
        Refusal::new(500, "recommend-data-invalid", self.to_string())
    }
}

impl From<DataError> for Refusal {
    fn from(e: DataError) -> Refusal {
        e.refusal()
    }
}

/// One item, validated, referring to others by index.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Item {
    pub sku: String,
    pub category: String,
    /// Index of `category` in `policy::codes::CATEGORIES`: caps count by it
    /// without comparing strings.
    pub category_id: usize,
    pub in_stock: bool,
    pub promoted: bool,
    pub popularity: f64,
    pub similar: Vec<(usize, f64)>,
    /// The ids of `similar`, sorted: a reason's "is it similar to this
    /// context item" is a binary search, not a scan of the list.
    pub similar_ids: Vec<usize>,
}

/// Validated data, indexed for requests.
#[derive(Debug, Clone, PartialEq)]
pub struct RecData {
    /// Sorted by SKU: an index is a deterministic tie-break.
    pub(crate) items: Vec<Item>,
    index: BTreeMap<String, usize>,
    pub(crate) trending: BTreeMap<String, Vec<(usize, f64)>>,
    dim: usize,
    /// Every item's embedding scaled to length 1 (all zeros stays zeros),
    /// so a dot product is the cosine; item `i` at `i * dim`. One block
    /// rather than a vector per item: MMR reads the pool's rows in id
    /// order, so they stream from memory instead of each being a pointer
    /// to chase.
    units: Vec<f64>,
}

impl RecData {
    /// The data shipped with the crate.
    pub fn shipped() -> Result<RecData, DataError> {
        RecData::parse(SHIPPED_DATA)
    }

    pub fn parse(json: &str) -> Result<RecData, DataError> {
        let raw: RawData =
            serde_json::from_str(json).map_err(|e| DataError::Parse(e.to_string()))?;
        RecData::new(raw)
    }

    /// Validates data built in memory (the offline script, tests).
    pub fn new(raw: RawData) -> Result<RecData, DataError> {
        if raw.format != FORMAT {
            return Err(DataError::UnsupportedFormat { found: raw.format });
        }
        if raw.items.is_empty() {
            return Err(DataError::Empty);
        }
        if raw.dim == 0 || raw.dim > MAX_DIM {
            return Err(DataError::Dimension(raw.dim));
        }
        let index: BTreeMap<String, usize> = raw
            .items
            .keys()
            .enumerate()
            .map(|(i, sku)| (sku.clone(), i))
            .collect();
        let mut items = Vec::with_capacity(raw.items.len());
        let mut units = Vec::with_capacity(raw.items.len() * raw.dim);
        for (sku, item) in &raw.items {
            items.push(validate_item(sku, item, raw.dim, &index)?);
            let norm = dot(&item.embedding, &item.embedding).sqrt();
            if norm > 0.0 {
                units.extend(item.embedding.iter().map(|v| v / norm));
            } else {
                units.extend_from_slice(&item.embedding);
            }
        }
        let mut trending = BTreeMap::new();
        for (market, list) in &raw.trending {
            if market != EVERYWHERE && !codes::is_country(market) && !codes::is_subdivision(market)
            {
                return Err(DataError::InvalidMarket(market.clone()));
            }
            let field = format!("trending.{market}");
            trending.insert(market.clone(), scored_list(&field, list, &index, None)?);
        }
        Ok(RecData {
            items,
            index,
            trending,
            dim: raw.dim,
            units,
        })
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn contains(&self, sku: &str) -> bool {
        self.index.contains_key(sku)
    }

    pub fn category(&self, sku: &str) -> Option<&str> {
        self.id(sku).map(|i| self.items[i].category.as_str())
    }

    /// Every SKU, sorted.
    pub fn skus(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(|i| i.sku.as_str())
    }

    pub(crate) fn id(&self, sku: &str) -> Option<usize> {
        self.index.get(sku).copied()
    }

    /// The trending list for a market: its own, its country's, else the
    /// one for everywhere; with the key it was found under.
    pub(crate) fn trending_for(&self, market: &str) -> Option<(&str, &[(usize, f64)])> {
        let country = market.split_once('-').map_or(market, |(c, _)| c);
        [market, country, EVERYWHERE]
            .into_iter()
            .find_map(|m| self.trending.get_key_value(m))
            .map(|(m, list)| (m.as_str(), list.as_slice()))
    }

    /// An item's embedding at length 1.
    pub(crate) fn unit(&self, id: usize) -> &[f64] {
        &self.units[id * self.dim..(id + 1) * self.dim]
    }
}

/// The cosine of two unit vectors. One sum in index order, from `-0.0`
/// as `Iterator::sum` starts: MMR's ties and picks depend on these exact
/// values. Four products per step only saves loop overhead; the additions
/// stay in sequence.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let (a4, a_rest) = a.as_chunks::<4>();
    let (b4, b_rest) = b.as_chunks::<4>();
    let mut sum = -0.0;
    for (x, y) in a4.iter().zip(b4) {
        sum = sum + x[0] * y[0] + x[1] * y[1] + x[2] * y[2] + x[3] * y[3];
    }
    for (x, y) in a_rest.iter().zip(b_rest) {
        sum += x * y;
    }
    sum
}

fn unit_score(field: &str, value: f64) -> Result<f64, DataError> {
    if !value.is_finite() {
        return Err(DataError::NotFinite {
            field: field.to_owned(),
        });
    }
    if !(0.0..=1.0).contains(&value) {
        return Err(DataError::OutOfRange {
            field: field.to_owned(),
            value,
        });
    }
    Ok(value)
}

fn scored_list(
    field: &str,
    list: &[Scored],
    index: &BTreeMap<String, usize>,
    owner: Option<&str>,
) -> Result<Vec<(usize, f64)>, DataError> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(list.len());
    for (n, s) in list.iter().enumerate() {
        if owner == Some(s.sku.as_str()) {
            return Err(DataError::SelfSimilar { sku: s.sku.clone() });
        }
        let id = index
            .get(&s.sku)
            .copied()
            .ok_or_else(|| DataError::UnknownSku {
                field: field.to_owned(),
                sku: s.sku.clone(),
            })?;
        if !seen.insert(id) {
            return Err(DataError::Duplicate {
                field: field.to_owned(),
                sku: s.sku.clone(),
            });
        }
        let score = unit_score(&format!("{field}[{n}].score"), s.score)?;
        out.push((id, score));
    }
    Ok(out)
}

fn validate_item(
    sku: &str,
    item: &RawItem,
    dim: usize,
    index: &BTreeMap<String, usize>,
) -> Result<Item, DataError> {
    let category_id = codes::CATEGORIES
        .iter()
        .position(|c| *c == item.category)
        .ok_or_else(|| DataError::UnknownCategory {
            sku: sku.to_owned(),
            category: item.category.clone(),
        })?;
    if item.embedding.len() != dim {
        return Err(DataError::EmbeddingDimension {
            sku: sku.to_owned(),
            expected: dim,
            found: item.embedding.len(),
        });
    }
    if let Some(n) = item.embedding.iter().position(|v| !v.is_finite()) {
        return Err(DataError::NotFinite {
            field: format!("items.{sku}.embedding[{n}]"),
        });
    }
    let popularity = unit_score(&format!("items.{sku}.popularity"), item.popularity)?;
    let similar = scored_list(
        &format!("items.{sku}.similar"),
        &item.similar,
        index,
        Some(sku),
    )?;
    let mut similar_ids: Vec<usize> = similar.iter().map(|(id, _)| *id).collect();
    similar_ids.sort_unstable();
    Ok(Item {
        sku: sku.to_owned(),
        category: item.category.clone(),
        category_id,
        in_stock: item.in_stock,
        promoted: item.promoted,
        popularity,
        similar,
        similar_ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn raw() -> RawData {
        serde_json::from_str(SHIPPED_DATA).expect("the shipped data is JSON of the schema")
    }

    #[test]
    fn the_shipped_data_validates_and_names_only_catalog_skus() {
        let data = RecData::shipped().expect("shipped data validates");
        let catalog = Catalog::shipped().expect("catalog parses");
        let skus: BTreeSet<&str> = catalog
            .product
            .iter()
            .map(|p| p.sku.as_str())
            .chain(catalog.tryon.iter().map(|p| p.sku.as_str()))
            .collect();
        assert_eq!(data.skus().collect::<BTreeSet<_>>(), skus);
        assert!(data.trending_for(EVERYWHERE).is_some());
        let packs = crate::policy::PackSet::embedded().expect("packs");
        for sku in data.skus() {
            if let Some(category) = packs
                .merchant()
                .sku(sku)
                .and_then(|s| s.category.as_deref())
            {
                assert_eq!(
                    data.category(sku),
                    Some(category),
                    "{sku} as the policy says"
                );
            }
        }
    }

    #[test]
    fn trending_falls_back_from_subdivision_to_country_to_everywhere() {
        let mut r = raw();
        let first = r.items.keys().next().expect("an item").clone();
        let one = vec![Scored {
            sku: first,
            score: 1.0,
        }];
        r.trending.insert("US".into(), one.clone());
        r.trending.insert("ZZ".into(), one);
        let data = RecData::new(r).expect("valid");
        assert_eq!(data.trending_for("US-CA").map(|(m, _)| m), Some("US"));
        assert_eq!(data.trending_for("US").map(|(m, _)| m), Some("US"));
        assert_eq!(data.trending_for("XK").map(|(m, _)| m), Some("ZZ"));
    }

    #[test]
    fn refusals_name_the_problem() {
        let first = |r: &RawData| r.items.keys().next().expect("an item").clone();

        let mut r = raw();
        r.format = 2;
        assert_eq!(
            RecData::new(r),
            Err(DataError::UnsupportedFormat { found: 2 })
        );

        let mut r = raw();
        let sku = first(&r);
        r.items.get_mut(&sku).expect("item").embedding.pop();
        assert!(matches!(
            RecData::new(r),
            Err(DataError::EmbeddingDimension { found, expected, .. }) if found + 1 == expected
        ));

        let mut r = raw();
        let sku = first(&r);
        r.items.get_mut(&sku).expect("item").similar.push(Scored {
            sku: "NOPE-1".into(),
            score: 0.5,
        });
        assert!(matches!(
            RecData::new(r),
            Err(DataError::UnknownSku { sku, .. }) if sku == "NOPE-1"
        ));

        let mut r = raw();
        r.trending.insert(
            "DE".into(),
            vec![Scored {
                sku: "NOPE-2".into(),
                score: 1.0,
            }],
        );
        assert!(
            matches!(RecData::new(r), Err(DataError::UnknownSku { field, .. }) if field == "trending.DE")
        );

        let mut r = raw();
        let sku = first(&r);
        let item = r.items.get_mut(&sku).expect("item");
        item.similar[0].score = f64::NAN;
        assert!(
            matches!(RecData::new(r), Err(DataError::NotFinite { field }) if field.ends_with("similar[0].score"))
        );

        let mut r = raw();
        let sku = first(&r);
        r.items.get_mut(&sku).expect("item").embedding[1] = f64::INFINITY;
        assert!(
            matches!(RecData::new(r), Err(DataError::NotFinite { field }) if field.ends_with("embedding[1]"))
        );

        let mut r = raw();
        let sku = first(&r);
        r.items.get_mut(&sku).expect("item").popularity = 1.5;
        assert!(matches!(RecData::new(r), Err(DataError::OutOfRange { .. })));

        let mut r = raw();
        let sku = first(&r);
        let item = r.items.get_mut(&sku).expect("item");
        item.similar.push(Scored {
            sku: sku.clone(),
            score: 0.1,
        });
        assert_eq!(RecData::new(r), Err(DataError::SelfSimilar { sku }));

        let mut r = raw();
        let sku = first(&r);
        let item = r.items.get_mut(&sku).expect("item");
        let again = item.similar[0].clone();
        item.similar.push(again);
        assert!(matches!(RecData::new(r), Err(DataError::Duplicate { .. })));

        let mut r = raw();
        let sku = first(&r);
        r.items.get_mut(&sku).expect("item").category = "gadgets".into();
        assert!(matches!(
            RecData::new(r),
            Err(DataError::UnknownCategory { .. })
        ));

        let mut r = raw();
        r.trending.insert("Germany".into(), Vec::new());
        assert_eq!(
            RecData::new(r),
            Err(DataError::InvalidMarket("Germany".into()))
        );

        let mut r = raw();
        r.dim = 0;
        assert_eq!(RecData::new(r), Err(DataError::Dimension(0)));

        let mut r = raw();
        r.items.clear();
        assert_eq!(RecData::new(r), Err(DataError::Empty));

        let bad = RecData::parse("{\"format\": 1}").expect_err("fields missing");
        assert!(matches!(bad, DataError::Parse(_)));
        let refusal = bad.refusal();
        assert_eq!(
            (refusal.status, refusal.code.as_str()),
            (500, "recommend-data-invalid")
        );
    }
}
