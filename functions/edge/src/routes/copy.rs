//! `POST /v1/copy`: a product's copy for each market the merchant sells
//! in, in the market's language and a style preset, for the merchant's
//! tools (bearer token). The regional backend writes it (`copy.generate`);
//! the edge then applies the market's law before anything is returned:
//!
//! - **screening**: the market's banned advertising terms are masked, each
//!   finding cites its rule, and a rewrite with the pack's lawful
//!   wording is suggested beside the masked text;
//! - **labelling**: text a model wrote carries the market's AI-content
//!   decision (visible label, machine-readable marker);
//! - **territory**: a market the product may not be offered in gets 451,
//!   and nothing is generated for it.
//!
//! Results are cached per SKU, market, preset, source text, glossary and
//! generator generation (`copy_generation`, bumped with a model), tagged
//! `sku:<SKU>` and `copy:<SKU>`, so the commerce platform's
//! `product.updated` webhook or a purge of either tag drops them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::backend::{Retry, Router, Scope, Transport};
use crate::cache::kv::Kv;
use crate::cache::purge::sku_tag;
use crate::cache::tags::{self, Generation, Verdict};
use crate::http::response::{Refusal, Response};
use crate::policy::{
    CompiledPacks, Hit, MarketPack, PolicyInput, Purpose, ai_label, decide, scrub_copy,
    suggest_rewrite,
};
use meridian_wit::copy::{CopyMethod, CopyPreset, CopyRequest, CopyResult};

pub const ROUTE: &str = "/v1/copy";
/// Largest order body read.
pub const MAX_BODY: usize = 64 * 1024;
pub const MAX_MARKETS: usize = 32;
pub const MAX_GLOSSARY: usize = 64;
/// A marketplace title's length when the order names none.
pub const DEFAULT_TITLE_CHARS: u32 = 80;
/// Longest source text, in bytes (the backend's limit too).
pub const MAX_SOURCE: usize = 8 * 1024;

const PRESETS: [(&str, CopyPreset); 4] = [
    ("marketplace-title", CopyPreset::MarketplaceTitle),
    ("product-description", CopyPreset::ProductDescription),
    ("social-caption", CopyPreset::SocialCaption),
    ("video-script", CopyPreset::VideoScript),
];

fn preset_name(preset: CopyPreset) -> &'static str {
    PRESETS
        .iter()
        .find(|(_, p)| *p == preset)
        .map_or("product-description", |(n, _)| n)
}

fn method_name(method: CopyMethod) -> &'static str {
    match method {
        CopyMethod::Model => "model",
        CopyMethod::TranslationMemory => "translation-memory",
        CopyMethod::Template => "template",
    }
}

/// The merchant's source copy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub locale: String,
    pub text: String,
}

/// What the merchant's tool asks for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CopyOrder {
    pub sku: String,
    pub source: Source,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// ISO 3166-1 alpha-2 codes (`US-CA` for a subdivision's pack).
    pub markets: Vec<String>,
    pub presets: Vec<String>,
    /// Brand and product terms kept verbatim.
    #[serde(default)]
    pub glossary: Vec<String>,
    /// The marketplace title's limit, in characters.
    #[serde(default)]
    pub title_max_chars: Option<u32>,
}

fn invalid(code: &str, message: impl Into<String>) -> Refusal {
    Refusal::new(400, code, message)
}

fn valid_sku(sku: &str) -> bool {
    !sku.is_empty()
        && sku.len() <= 64
        && sku
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn valid_market(code: &str) -> bool {
    let (country, sub) = code.split_once('-').unwrap_or((code, ""));
    country.len() == 2
        && country.bytes().all(|b| b.is_ascii_alphabetic())
        && sub.len() <= 3
        && sub.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The order in `body`, checked whole: nothing is generated for a
/// malformed one.
pub fn parse_order(body: &[u8]) -> Result<(CopyOrder, Vec<CopyPreset>), Refusal> {
    if body.len() > MAX_BODY {
        return Err(Refusal::new(
            413,
            "copy-order-too-large",
            format!("a copy order is at most {MAX_BODY} bytes"),
        ));
    }
    let order: CopyOrder = serde_json::from_slice(body)
        .map_err(|e| invalid("copy-order-invalid", format!("the order is not valid: {e}")))?;
    if !valid_sku(&order.sku) {
        return Err(invalid(
            "copy-sku-invalid",
            "`sku` is 1 to 64 letters, digits, `-`, `_` or `.`",
        ));
    }
    if order.source.text.trim().is_empty() {
        return Err(invalid("copy-source-empty", "`source.text` is empty"));
    }
    if order.source.text.len() > MAX_SOURCE {
        return Err(Refusal::new(
            413,
            "copy-source-too-large",
            format!("`source.text` is at most {MAX_SOURCE} bytes"),
        ));
    }
    if !crate::policy::locale::is_language_tag(&order.source.locale) {
        return Err(invalid(
            "copy-locale-invalid",
            format!(
                "`source.locale` {:?} is not a BCP 47 tag",
                order.source.locale
            ),
        ));
    }
    if order.markets.is_empty() || order.presets.is_empty() {
        return Err(invalid(
            "copy-order-empty",
            "name at least one market and one preset",
        ));
    }
    if order.markets.len() > MAX_MARKETS || order.presets.len() > PRESETS.len() {
        return Err(invalid(
            "copy-order-too-many",
            format!(
                "at most {MAX_MARKETS} markets and {} presets per order",
                PRESETS.len()
            ),
        ));
    }
    if let Some(bad) = order.markets.iter().find(|m| !valid_market(m)) {
        return Err(invalid(
            "copy-market-invalid",
            format!("market {bad:?} is not an ISO 3166-1 code"),
        ));
    }
    if order.glossary.len() > MAX_GLOSSARY || order.glossary.iter().any(|t| t.trim().is_empty()) {
        return Err(invalid(
            "copy-glossary-invalid",
            format!("the glossary is at most {MAX_GLOSSARY} non-empty terms"),
        ));
    }
    if order.title_max_chars.is_some_and(|n| n == 0 || n > 5000) {
        return Err(invalid(
            "copy-title-max-chars-invalid",
            "`title_max_chars` is 1 to 5000",
        ));
    }
    let presets = order
        .presets
        .iter()
        .map(|name| {
            PRESETS
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, p)| *p)
                .ok_or_else(|| {
                    invalid(
                        "copy-preset-unknown",
                        format!(
                            "no preset {name:?}; presets: {}",
                            PRESETS.map(|(n, _)| n).join(", ")
                        ),
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((order, presets))
}

/// A generated text after the market's law: what the tool may publish.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Screened {
    /// Banned terms masked: safe to publish as is.
    pub text: String,
    /// The same copy with the pack's lawful wording instead of each term
    /// (terms without one removed), for a writer to review.
    pub suggested_rewrite: String,
    pub findings: Vec<Hit>,
}

/// Screens `text` by `pack`'s advertising rules.
pub fn screen(text: &str, pack: &MarketPack) -> Screened {
    let masked = scrub_copy(text, pack);
    let rewrite = suggest_rewrite(text, pack);
    Screened {
        text: masked.text,
        suggested_rewrite: rewrite.text,
        findings: masked.hits,
    }
}

/// What the cache keeps of a generated text: the backend's result and
/// the purge generations of its tags when it was stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    text: String,
    generator: String,
    method: String,
    kept: Vec<String>,
    marks: Vec<Generation>,
}

/// The surrogate keys of a SKU's copy.
pub fn copy_tags(sku: &str) -> Vec<String> {
    vec![sku_tag(sku), format!("copy:{sku}")]
}

/// The cache key of one text: everything the text depends on.
pub fn cache_key(request: &CopyRequest, market: &str, generation: &str) -> String {
    let canonical = json!({
        "sku": request.sku,
        "market": market,
        "source_locale": request.source_locale,
        "source": request.source,
        "attributes": request.attributes,
        "target_locale": request.target_locale,
        "preset": preset_name(request.preset),
        "glossary": request.glossary,
        "max_chars": request.max_chars,
        "generation": generation,
    });
    let digest = Sha256::digest(canonical.to_string().as_bytes());
    format!("copy/{}", hex::encode(digest))
}

fn cached(kv: &dyn Kv, key: &str, tags: &[String]) -> Option<Entry> {
    let entry: Entry = serde_json::from_slice(&kv.get(key).ok()??).ok()?;
    let records = tags::records(kv.durable(), tags).ok()?;
    // A soft purge means the source changed too: never serve stale copy.
    (tags::verdict(&records, &entry.marks) == Verdict::Current).then_some(entry)
}

fn store(kv: &dyn Kv, key: &str, tags: &[String], result: &CopyResult) -> Result<(), String> {
    let marks = tags::records(kv.durable(), tags)?
        .iter()
        .map(|r| r.generation())
        .collect();
    let entry = Entry {
        text: result.text.clone(),
        generator: result.generator.clone(),
        method: method_name(result.method).to_owned(),
        kept: result.kept.clone(),
        marks,
    };
    let bytes = serde_json::to_vec(&entry).map_err(|e| e.to_string())?;
    kv.set(key, &bytes)
}

/// What answering an order needs besides the order.
pub struct Env<'a, T> {
    /// The policy packs in force.
    pub packs: &'a CompiledPacks<'a>,
    /// The copy backends' router.
    pub router: &'a Router<'a, T>,
    /// The cache's store (entries; purge records in its durable part).
    pub kv: &'a dyn Kv,
    /// `copy_generation`: part of every cache key.
    pub generation: &'a str,
    pub now: u64,
}

/// One market × preset: its answer in the order's results.
async fn one<T: Transport + Clone>(
    env: &Env<'_, T>,
    order: &CopyOrder,
    preset: CopyPreset,
    market: &str,
) -> Result<Value, Refusal> {
    let Env {
        packs,
        router,
        kv,
        generation,
        now,
    } = env;
    let (kv, now) = (*kv, *now);
    let (country, sub) = match market.split_once('-') {
        Some((c, s)) => (c, Some(s)),
        None => (market, None),
    };
    let set = packs
        .for_country(country, sub)
        .map_err(|e| Refusal::new(500, "policy-unavailable", e.to_string()))?;
    let pack = set.market(country, sub).pack;
    let locale = pack.default_language().to_owned();
    let decision = decide(
        &PolicyInput {
            sku: Some(&order.sku),
            locale: Some(&locale),
            ..PolicyInput::new(country, Purpose::Render)
        },
        &set,
    );
    if decision.territory.blocked {
        let reason = &decision.territory.reason;
        return Err(Refusal::new(451, reason.code, reason.detail.clone()));
    }
    let request = CopyRequest {
        sku: order.sku.clone(),
        source_locale: order.source.locale.clone(),
        source: order.source.text.clone(),
        attributes: order
            .attributes
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        target_locale: locale.clone(),
        preset,
        glossary: order.glossary.clone(),
        max_chars: (preset == CopyPreset::MarketplaceTitle)
            .then(|| order.title_max_chars.unwrap_or(DEFAULT_TITLE_CHARS)),
    };
    let key = cache_key(&request, &decision.market, generation);
    let tags = copy_tags(&order.sku);
    let (text, generator, method, kept, cache) = match cached(kv, &key, &tags) {
        Some(e) => (e.text, e.generator, e.method, e.kept, "hit"),
        None => {
            let request = &request;
            let result = router
                .call(
                    Scope::of(&decision),
                    Retry::Idempotent,
                    |client| async move { client.generate_copy(request, now).await },
                )
                .await
                .result?;
            // A failed write costs a regeneration later, never the answer.
            let _ = store(kv, &key, &tags, &result);
            (
                result.text,
                result.generator,
                method_name(result.method).to_owned(),
                result.kept,
                "miss",
            )
        }
    };
    let screened = screen(&text, pack);
    let label = ai_label(pack, &locale);
    let ai_generated = method == method_name(CopyMethod::Model);
    Ok(json!({
        "market": decision.market,
        "preset": preset_name(preset),
        "status": 200,
        "locale": locale,
        "text": screened.text,
        "suggested_rewrite": screened.suggested_rewrite,
        "screening": {
            "findings": screened.findings,
            "policy_version": decision.policy_version,
        },
        "ai_generated": ai_generated,
        "ai_label": (ai_generated && label.visible).then_some(&label.text),
        "ai_marker": ai_generated && label.machine_readable,
        "generator": generator,
        "method": method,
        "kept": kept,
        "cache": cache,
    }))
}

/// Answers an order: one result per market and preset, in order, each
/// with its own status (a market refused does not sink the others).
pub async fn handle<T: Transport + Clone>(
    env: &Env<'_, T>,
    body: &[u8],
) -> Result<Response, Refusal> {
    let (order, presets) = parse_order(body)?;
    let mut results = Vec::new();
    for market in &order.markets {
        let market = market.to_ascii_uppercase();
        for preset in &presets {
            let answer = one(env, &order, *preset, &market).await;
            results.push(answer.unwrap_or_else(|refusal| {
                json!({
                    "market": market,
                    "preset": preset_name(*preset),
                    "status": refusal.status,
                    "problem": serde_json::from_slice::<Value>(&meridian_wit::rpc::error_body(
                        refusal.status,
                        &refusal.code,
                        &refusal.message,
                    ))
                    .unwrap_or_default(),
                })
            }));
        }
    }
    let body = json!({ "sku": order.sku, "results": results });
    Ok(Response::new(200)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(body.to_string().into_bytes()))
}

#[cfg(test)]
mod tests;
