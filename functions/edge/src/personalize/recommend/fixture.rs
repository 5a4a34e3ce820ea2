//! Small hand-made data sets for the unit tests.

use std::collections::BTreeMap;

use super::data::{FORMAT, RawData, RawItem, RecData, Scored};

/// An item for [`build`].
pub struct Spec<'a> {
    pub sku: &'a str,
    pub category: &'a str,
    pub embedding: Vec<f64>,
    pub in_stock: bool,
    pub promoted: bool,
    pub popularity: f64,
    pub similar: Vec<(&'a str, f64)>,
}

pub fn spec<'a>(sku: &'a str, category: &'a str, embedding: &[f64]) -> Spec<'a> {
    Spec {
        sku,
        category,
        embedding: embedding.to_vec(),
        in_stock: true,
        promoted: false,
        popularity: 0.5,
        similar: Vec::new(),
    }
}

pub fn raw(specs: Vec<Spec<'_>>, trending: &[(&str, &[(&str, f64)])]) -> RawData {
    let dim = specs.first().map_or(1, |s| s.embedding.len());
    let scored = |list: &[(&str, f64)]| {
        list.iter()
            .map(|(sku, score)| Scored {
                sku: (*sku).to_owned(),
                score: *score,
            })
            .collect::<Vec<_>>()
    };
    let items: BTreeMap<String, RawItem> = specs
        .into_iter()
        .map(|s| {
            (
                s.sku.to_owned(),
                RawItem {
                    category: s.category.to_owned(),
                    in_stock: s.in_stock,
                    promoted: s.promoted,
                    popularity: s.popularity,
                    embedding: s.embedding,
                    similar: scored(&s.similar),
                },
            )
        })
        .collect();
    RawData {
        format: FORMAT,
        generated_by: "unit test".into(),
        dim,
        items,
        trending: trending
            .iter()
            .map(|(m, list)| ((*m).to_owned(), scored(list)))
            .collect(),
    }
}

pub fn build(specs: Vec<Spec<'_>>, trending: &[(&str, &[(&str, f64)])]) -> RecData {
    RecData::new(raw(specs, trending)).expect("fixture data validates")
}

/// Items `I000`, `I001`, ... with these embeddings (ids follow SKU order).
pub fn embeddings(emb: &[Vec<f64>]) -> RecData {
    let skus: Vec<String> = (0..emb.len()).map(|i| format!("I{i:03}")).collect();
    build(
        skus.iter()
            .zip(emb)
            .map(|(sku, e)| spec(sku, "home", e))
            .collect(),
        &[],
    )
}
