//! The storefront widget: one script a merchant's page on another origin
//! loads (`functions/pages/widget/widget.js`, embedded at build time), and
//! the batched, gated data route its custom elements read.
//!
//! - `GET /v1/widget.js`: the current script, `max-age=300`, with an ETag.
//! - `GET /v1/widget/<version>/widget.js`: the same bytes under a version
//!   named by their hash, cached for a year, so a page can pin them with
//!   Subresource Integrity.
//! - `GET /v1/widget.json`: `{version, url, integrity}` for that pin.
//! - `GET /v1/products?sku=…&sku=…&preset=…`: per SKU, what the shopper's
//!   market may see: name, price written by ICU4X, scrubbed copy, the AI
//!   label, renditions with their boxes, the try-on page; a product the
//!   market may not be offered is a localized 451 problem, never dropped.
//!
//! The scripts are the same for everyone (no gate, `*` CORS, which scripts
//! loaded with `integrity` and `crossorigin` need); the products answer is
//! the shopper's market's (`private`, CORS from `cors_origins`).

use std::sync::OnceLock;

use base64::Engine as _;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256, Sha384};

use crate::catalog::{Catalog, Product, TryonProduct};
use crate::gate::Admission;
use crate::http::response::{Refusal, Response};
use crate::pages::messages::Messages;
use crate::policy::{Decision, scrub_copy};
use crate::presets::{Preset, Presets};
use meridian_wit::types::ImageFormat;

/// The widget's source, as shipped.
pub const SOURCE: &str = include_str!("../../../pages/widget/widget.js");

/// The current script: short-lived, so a deploy reaches pages in minutes.
pub const ROUTE: &str = "/v1/widget.js";
/// `{version, url, integrity}` of the current script.
pub const MANIFEST_ROUTE: &str = "/v1/widget.json";
/// `/v1/widget/<version>/widget.js`: the pinned, immutable script.
pub const VERSIONED_PREFIX: &str = "/v1/widget/";
/// The batched product data the elements read.
pub const PRODUCTS_ROUTE: &str = "/v1/products";

/// SKUs one products request may name (a page's elements are batched by
/// the widget in requests of at most this many).
pub const MAX_SKUS: usize = 24;
/// Presets one products request may name.
pub const MAX_PRESETS: usize = 4;
/// The preset `<meridian-media>` shows when it names none.
pub const DEFAULT_PRESET: &str = "product";

/// The widget's labels: `(name in the answer, message id)`.
pub const LABELS: [(&str, &str); 6] = [
    ("tryon", "widget-tryon"),
    ("tryon_unavailable", "widget-tryon-unavailable"),
    ("price_on_request", "price-on-request"),
    ("why", "unavailable-why"),
    ("recommended", "widget-recommended"),
    ("popular", "widget-popular"),
];

/// The shipped script's identity, computed once per instance from the
/// embedded bytes (never per request).
#[derive(Debug)]
pub struct Build {
    /// `<crate version>-<12 hex digits of SHA-256>`.
    pub version: String,
    /// `sha384-<base64>` (Subresource Integrity).
    pub integrity: String,
    /// The strong entity tag of the bytes.
    pub etag: String,
    /// `/v1/widget/<version>/widget.js`.
    pub url: String,
}

/// The SRI value of `bytes`: `sha384-` and the base64 digest.
pub fn integrity(bytes: &[u8]) -> String {
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes))
    )
}

impl Build {
    fn of(bytes: &[u8]) -> Build {
        let hash = hex::encode(Sha256::digest(bytes));
        let version = format!("{}-{}", env!("CARGO_PKG_VERSION"), &hash[..12]);
        Build {
            url: format!("{VERSIONED_PREFIX}{version}/widget.js"),
            etag: format!("\"{version}\""),
            integrity: integrity(bytes),
            version,
        }
    }
}

/// This build's widget.
pub fn build() -> &'static Build {
    static BUILD: OnceLock<Build> = OnceLock::new();
    BUILD.get_or_init(|| Build::of(SOURCE.as_bytes()))
}

/// What a path under the widget's routes asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asset<'a> {
    /// `/v1/widget.js`.
    Current,
    /// `/v1/widget/<version>/widget.js`.
    Pinned(&'a str),
    /// `/v1/widget.json`.
    Manifest,
}

/// The widget asset `path` names, or `None` when it is no widget route.
pub fn asset(path: &str) -> Option<Asset<'_>> {
    match path {
        ROUTE => Some(Asset::Current),
        MANIFEST_ROUTE => Some(Asset::Manifest),
        _ => path
            .strip_prefix(VERSIONED_PREFIX)
            .and_then(|rest| rest.strip_suffix("/widget.js"))
            .map(Asset::Pinned),
    }
}

/// Headers every widget asset carries: anyone may load it (`*`, never
/// credentials), and browsers take the script only as what it says it is.
fn public(response: Response) -> Response {
    response
        .header("access-control-allow-origin", "*")
        .header("x-content-type-options", "nosniff")
        .header("cross-origin-resource-policy", "cross-origin")
}

/// Whether `If-None-Match` names `etag` (or is `*`).
fn not_modified(if_none_match: Option<&str>, etag: &str) -> bool {
    if_none_match.is_some_and(|v| {
        v.split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == etag || t == "*")
    })
}

/// The answer to `GET`/`HEAD` of a widget asset; `if_none_match` is the
/// request's header. A version this build does not hold is 404
/// `widget-version-unknown`, naming the current one.
pub fn respond(
    asset: Asset<'_>,
    head: bool,
    if_none_match: Option<&str>,
) -> Result<Response, Refusal> {
    let b = build();
    let (content_type, cache, body) = match asset {
        Asset::Manifest => {
            let manifest = json!({
                "version": b.version,
                "url": b.url,
                "integrity": b.integrity,
            });
            (
                "application/json",
                "public, max-age=300",
                manifest.to_string().into_bytes(),
            )
        }
        Asset::Current => (
            "text/javascript; charset=utf-8",
            "public, max-age=300",
            SOURCE.as_bytes().to_vec(),
        ),
        Asset::Pinned(version) if version == b.version => (
            "text/javascript; charset=utf-8",
            "public, max-age=31536000, immutable",
            SOURCE.as_bytes().to_vec(),
        ),
        Asset::Pinned(version) => {
            return Err(Refusal::new(
                404,
                "widget-version-unknown",
                format!(
                    "this edge serves widget {} (`{}`), not `{}`; {MANIFEST_ROUTE} names the current one",
                    b.version,
                    b.url,
                    version.escape_default()
                ),
            ));
        }
    };
    let etag = match asset {
        Asset::Manifest => format!("\"{}-manifest\"", b.version),
        _ => b.etag.clone(),
    };
    let status = if not_modified(if_none_match, &etag) {
        304
    } else {
        200
    };
    let response = Response::new(status)
        .header("content-type", content_type)
        .header("cache-control", cache)
        .header("etag", etag);
    Ok(public(if head || status == 304 {
        response
    } else {
        response.body(body)
    }))
}

/// What a products request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductsQuery {
    /// In order, each once.
    pub skus: Vec<String>,
    /// The renditions to describe ([`DEFAULT_PRESET`] when none is named).
    pub presets: Vec<String>,
}

fn valid_name(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Parses `sku=A&sku=B` (or `sku=A,B`) and `preset=…`: 400 without a SKU,
/// with more than [`MAX_SKUS`] or [`MAX_PRESETS`], or with a malformed one.
pub fn parse_query(query: &str) -> Result<ProductsQuery, Refusal> {
    let mut q = ProductsQuery {
        skus: Vec::new(),
        presets: Vec::new(),
    };
    for pair in query.trim_start_matches('?').split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (list, what) = match name {
            "sku" => (&mut q.skus, "SKU"),
            "preset" => (&mut q.presets, "preset"),
            _ => continue,
        };
        for item in value.split(',').filter(|v| !v.is_empty()) {
            if !valid_name(item) {
                return Err(Refusal::new(
                    400,
                    if what == "SKU" {
                        "products-sku-invalid"
                    } else {
                        "products-preset-invalid"
                    },
                    format!(
                        "{what} `{}` is not 1 to 64 letters, digits, `-`, `_` or `.`",
                        item.escape_default()
                    ),
                ));
            }
            if !list.iter().any(|s| s == item) {
                list.push(item.to_owned());
            }
        }
    }
    if q.skus.is_empty() {
        return Err(Refusal::new(
            400,
            "products-sku-missing",
            format!("name the products: {PRODUCTS_ROUTE}?sku=<sku>&sku=<sku>"),
        ));
    }
    if q.skus.len() > MAX_SKUS {
        return Err(Refusal::new(
            400,
            "products-too-many",
            format!("{} SKUs in one request; at most {MAX_SKUS}", q.skus.len()),
        ));
    }
    if q.presets.len() > MAX_PRESETS {
        return Err(Refusal::new(
            400,
            "products-too-many",
            format!(
                "{} presets in one request; at most {MAX_PRESETS}",
                q.presets.len()
            ),
        ));
    }
    if q.presets.is_empty() {
        q.presets.push(DEFAULT_PRESET.to_owned());
    }
    Ok(q)
}

/// A problem object (RFC 9457) with its title and detail in the shopper's
/// language; `message` keeps the edge's own sentence.
fn problem(refusal: Refusal, title: &str, detail: &str) -> Value {
    let mut p: Value = serde_json::from_slice(&refusal.into_response().body).unwrap_or_default();
    if let Some(map) = p.as_object_mut() {
        map.insert("title".into(), title.into());
        map.insert("detail".into(), detail.into());
    }
    p
}

fn refused(t: &Messages, decision: &Decision) -> Value {
    let reason = &decision.territory.reason;
    json!({
        "status": 451,
        "problem": problem(
            Refusal::new(451, reason.code, reason.detail.clone()),
            &t.get("unavailable"),
            &t.blocked(reason.code),
        ),
        "policy_url": decision.policy_url,
    })
}

fn unknown(t: &Messages, sku: &str) -> Value {
    json!({
        "status": 404,
        "problem": problem(
            Refusal::new(404, "product-unknown", format!("no product `{sku}` in the catalog")),
            &t.get("product-unknown"),
            &t.get("product-unknown-detail"),
        ),
    })
}

/// The URL of `asset` as `preset` in the preset's preferred format among
/// those browsers show everywhere (WebP, else the first it offers).
fn rendition(asset: &str, preset: &Preset) -> String {
    let ext = if preset.offers(ImageFormat::Webp) {
        "webp"
    } else {
        preset.formats().first().map_or("jpg", |f| f.extension())
    };
    format!("/v1/media/{asset}/{}.{ext}", preset.name)
}

/// `preset`'s box and a `srcset` of every preset with its aspect ratio
/// (none that refuses small sources), smallest first, one per width.
fn media(asset: &str, preset: &Preset, presets: &Presets) -> Value {
    let mut same: Vec<&Preset> = presets
        .names()
        .into_iter()
        .filter_map(|n| presets.get(n).ok())
        .filter(|p| {
            p.name == preset.name
                || (u64::from(p.width) * u64::from(preset.height)
                    == u64::from(p.height) * u64::from(preset.width)
                    && p.min_source_side.is_none())
        })
        .collect();
    same.sort_by_key(|p| (p.width, p.name != preset.name));
    same.dedup_by_key(|p| p.width);
    let srcset: Vec<Value> = same
        .iter()
        .map(|p| {
            json!({
                "preset": p.name,
                "url": rendition(asset, p),
                "width": p.width,
                "height": p.height,
            })
        })
        .collect();
    json!({
        "src": rendition(asset, preset),
        "width": preset.width,
        "height": preset.height,
        "srcset": srcset,
    })
}

fn price(a: &Admission, prices: &crate::catalog::Prices) -> Value {
    match (prices.get(&a.currency), a.price_format()) {
        (Some(money), Some(format)) => json!({
            "amount": money.amount().to_string(),
            "currency": money.currency().to_string(),
            "text": format.format(money),
        }),
        _ => Value::Null,
    }
}

/// The try-on page for a product shoppers can try on (the page decides
/// consent and regions for the market itself), else why not.
fn tryon(catalog: &Catalog, sku: &str, entry: &mut Map<String, Value>) {
    if catalog.tryon.iter().any(|t| t.sku == sku) {
        entry.insert(
            "tryon".into(),
            json!({ "url": format!("/tryon?sku={sku}") }),
        );
    } else {
        entry.insert("tryon".into(), Value::Null);
        entry.insert("tryon_reason".into(), "tryon-not-offered".into());
    }
}

fn product_entry(
    a: &Admission,
    p: &Product,
    catalog: &Catalog,
    presets: &[&Preset],
    all: &Presets,
) -> Value {
    let mut entry = Map::new();
    entry.insert("status".into(), 200.into());
    entry.insert("sku".into(), p.sku.clone().into());
    entry.insert("name".into(), p.name.clone().into());
    entry.insert("price".into(), price(a, &p.price));
    let copy = p.copy_for(&a.locale.locale).map(|(lang, text)| {
        let scrubbed = scrub_copy(text, a.pack());
        json!({
            "text": scrubbed.text,
            "lang": lang,
            "masked_terms": scrubbed.hits.len(),
            "ai_generated": p.ai_generated,
        })
    });
    entry.insert("copy".into(), copy.unwrap_or(Value::Null));
    let label =
        (p.ai_generated && (a.ai_label.visible || a.ai_label.machine_readable)).then(|| {
            json!({
                "text": a.ai_label.text,
                "lang": a.ai_label.locale,
                "visible": a.ai_label.visible,
                "marker": a.ai_label.machine_readable,
            })
        });
    entry.insert("ai_label".into(), label.unwrap_or(Value::Null));
    let renditions: Map<String, Value> = presets
        .iter()
        .map(|preset| (preset.name.clone(), media(&p.asset, preset, all)))
        .collect();
    entry.insert("asset".into(), p.asset.clone().into());
    entry.insert("media".into(), renditions.into());
    tryon(catalog, &p.sku, &mut entry);
    entry.into()
}

fn tryon_entry(a: &Admission, p: &TryonProduct) -> Value {
    json!({
        "status": 200,
        "sku": p.sku,
        "name": p.name,
        "kind": p.kind,
        "price": price(a, &p.price),
        "copy": null,
        "ai_label": null,
        "media": {},
        "tryon": { "url": format!("/tryon?sku={}", p.sku) },
    })
}

/// The products answer's body for one admission: the market, the
/// shopper's language, the widget's labels and one entry per SKU.
pub fn products(
    a: &Admission,
    catalog: &Catalog,
    presets: &Presets,
    q: &ProductsQuery,
) -> Result<Value, Refusal> {
    let chosen = q
        .presets
        .iter()
        .map(|name| presets.get(name))
        .collect::<Result<Vec<_>, _>>()?;
    let text = Messages::for_locale(&a.locale.locale);
    let labels: Map<String, Value> = LABELS
        .iter()
        .map(|(name, id)| ((*name).to_owned(), text.get(id).into_owned().into()))
        .collect();
    let mut entries = Map::new();
    for sku in &q.skus {
        let entry = if let Some(p) = catalog.product.iter().find(|p| &p.sku == sku) {
            let decision = a.product(sku, None);
            if decision.territory.blocked {
                refused(&text, &decision)
            } else {
                product_entry(a, p, catalog, &chosen, presets)
            }
        } else if let Some(p) = catalog.tryon.iter().find(|p| &p.sku == sku) {
            let decision = a.product(sku, None);
            if decision.territory.blocked {
                refused(&text, &decision)
            } else {
                tryon_entry(a, p)
            }
        } else {
            unknown(&text, sku)
        };
        entries.insert(sku.clone(), entry);
    }
    Ok(json!({
        "market": a.decision.market,
        "locale": a.locale.locale,
        "lang": text.lang,
        "dir": text.direction(),
        "currency": a.currency,
        "labels": labels,
        "products": entries,
    }))
}

/// The answer to `GET`/`HEAD /v1/products?{query}` for one admission.
/// The market's refusal of the whole request (an embargoed country) is
/// the gate's own; the caller stamps the gate's headers.
pub fn products_response(
    a: &Admission,
    catalog: &Catalog,
    presets: &Presets,
    query: &str,
    head: bool,
) -> Result<Response, Refusal> {
    let q = parse_query(query)?;
    if let Some(refusal) = a.refusal() {
        return Ok(refusal);
    }
    let body = products(a, catalog, presets, &q)?;
    let response = Response::new(200)
        .header("content-type", "application/json")
        // The market and language come from headers a shared cache cannot
        // key on (geo, Accept-Language): browsers only.
        .header("cache-control", "private, max-age=60")
        .header("vary", "Accept-Language")
        .header("content-language", a.locale.locale.clone());
    Ok(if head {
        response
    } else {
        response.body(body.to_string().into_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::admit_shopper;
    use crate::policy::Purpose;
    use std::io::Write as _;

    fn answer(country: &str, lang: &str, query: &str) -> Value {
        let a = admit_shopper(country, lang, Purpose::Render);
        let catalog = Catalog::shipped().expect("catalog");
        let presets = Presets::load(None).expect("presets");
        let r = products_response(&a, &catalog, &presets, query, false).expect("answers");
        assert_eq!(r.status, 200);
        serde_json::from_slice(&r.body).expect("JSON")
    }

    fn refusal(query: &str) -> Refusal {
        let a = admit_shopper("DE", "de", Purpose::Render);
        let catalog = Catalog::shipped().expect("catalog");
        let presets = Presets::load(None).expect("presets");
        products_response(&a, &catalog, &presets, query, false).expect_err(query)
    }

    #[test]
    fn the_widget_fits_in_15_kb_gzipped() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(SOURCE.as_bytes()).expect("gzip");
        let size = gz.finish().expect("gzip").len();
        assert!(size <= 15 * 1024, "widget.js is {size} bytes gzipped");
    }

    #[test]
    fn the_integrity_is_sha384_of_the_served_bytes() {
        // Recomputed here with SHA-384 and base64 from their own crates'
        // one-shot APIs, not through `integrity`.
        let digest = sha2::Sha384::new_with_prefix(SOURCE.as_bytes()).finalize();
        let expected = format!(
            "sha384-{}",
            base64::prelude::BASE64_STANDARD.encode(digest.as_slice())
        );
        assert_eq!(build().integrity, expected);
        let r = respond(Asset::Pinned(&build().version), false, None).expect("served");
        assert_eq!(integrity(&r.body), expected);
        // Known vector (FIPS 180-2, "abc").
        assert_eq!(
            integrity(b"abc"),
            "sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn"
        );
    }

    #[test]
    fn the_version_names_the_bytes() {
        let b = build();
        let hash = hex::encode(Sha256::digest(SOURCE.as_bytes()));
        assert_eq!(
            b.version,
            format!("{}-{}", env!("CARGO_PKG_VERSION"), &hash[..12])
        );
        assert_eq!(b.url, format!("/v1/widget/{}/widget.js", b.version));
        assert_ne!(Build::of(b"other").version, b.version);
        assert_eq!(asset(&b.url), Some(Asset::Pinned(b.version.as_str())));
        assert_eq!(asset("/v1/widget.js"), Some(Asset::Current));
        assert_eq!(asset("/v1/widget.json"), Some(Asset::Manifest));
        assert_eq!(asset("/v1/widget/x/other.js"), None);
        assert_eq!(asset("/v1/widgets.js"), None);
    }

    #[test]
    fn scripts_are_public_javascript_with_the_right_lifetimes() {
        for (asset, cache) in [
            (Asset::Current, "public, max-age=300"),
            (
                Asset::Pinned(&build().version),
                "public, max-age=31536000, immutable",
            ),
        ] {
            let r = respond(asset, false, None).expect("served");
            assert_eq!(r.status, 200);
            assert_eq!(r.get("cache-control"), Some(cache));
            assert_eq!(
                r.get("content-type"),
                Some("text/javascript; charset=utf-8")
            );
            assert_eq!(r.get("access-control-allow-origin"), Some("*"));
            assert_eq!(r.get("x-content-type-options"), Some("nosniff"));
            assert_eq!(r.get("etag"), Some(build().etag.as_str()));
            assert_eq!(r.body, SOURCE.as_bytes());
            assert!(respond(asset, true, None).expect("head").body.is_empty());
            let again = respond(asset, false, Some(&build().etag)).expect("304");
            assert_eq!(again.status, 304);
            assert!(again.body.is_empty());
        }
    }

    #[test]
    fn the_manifest_pins_the_current_version() {
        let r = respond(Asset::Manifest, false, None).expect("served");
        assert_eq!(r.get("content-type"), Some("application/json"));
        assert_eq!(r.get("access-control-allow-origin"), Some("*"));
        let m: Value = serde_json::from_slice(&r.body).expect("JSON");
        assert_eq!(m["version"], build().version);
        assert_eq!(m["url"], build().url);
        assert_eq!(m["integrity"], build().integrity);
    }

    #[test]
    fn an_unknown_version_is_404_naming_the_current() {
        let e = respond(Asset::Pinned("0.0.0-000000000000"), false, None).expect_err("404");
        assert_eq!((e.status, e.code.as_str()), (404, "widget-version-unknown"));
        assert!(e.message.contains(&build().version), "{e}");
    }

    #[test]
    fn the_script_inserts_no_markup_and_never_sends_credentials() {
        assert!(!SOURCE.contains("innerHTML") && !SOURCE.contains("outerHTML"));
        assert!(!SOURCE.contains("insertAdjacentHTML") && !SOURCE.contains("document.write"));
        assert!(!SOURCE.contains("'include'") && !SOURCE.contains("\"include\""));
        assert!(!SOURCE.contains("localStorage") && !SOURCE.contains("sessionStorage"));
        assert!(!SOURCE.contains("document.cookie"));
        assert!(SOURCE.contains("credentials: 'omit'"));
        assert!(SOURCE.contains(&format!("MAX_SKUS = {MAX_SKUS};")));
    }

    #[test]
    fn germany_gets_german_euro_prices_labels_and_the_ai_label() {
        let body = answer(
            "DE",
            "de-DE,de;q=0.9",
            "sku=MRD-ORBIT-TITANIUM&sku=MRD-SOLSTICE-SUN",
        );
        assert_eq!(body["market"], "DE");
        assert_eq!(body["locale"], "de-DE");
        assert_eq!(body["dir"], "ltr");
        assert_eq!(body["labels"]["tryon"], "Anprobieren");
        let orbit = &body["products"]["MRD-ORBIT-TITANIUM"];
        assert_eq!(orbit["status"], 200);
        assert_eq!(orbit["price"]["amount"], "189.00");
        assert_eq!(orbit["price"]["currency"], "EUR");
        assert_eq!(orbit["price"]["text"], "189,00\u{a0}€");
        assert_eq!(orbit["ai_label"]["text"], "KI-generiert");
        assert_eq!(orbit["ai_label"]["visible"], true);
        assert_eq!(orbit["ai_label"]["marker"], true);
        assert_eq!(orbit["copy"]["lang"], "de");
        assert_eq!(orbit["tryon"], Value::Null);
        assert_eq!(orbit["tryon_reason"], "tryon-not-offered");
        let sun = &body["products"]["MRD-SOLSTICE-SUN"];
        assert_eq!(sun["ai_label"], Value::Null, "human-written copy");
    }

    #[test]
    fn media_reserve_the_presets_box_with_a_srcset_of_the_same_shape() {
        let body = answer(
            "DE",
            "de",
            "sku=MRD-ORBIT-TITANIUM&preset=product&preset=story",
        );
        let media = &body["products"]["MRD-ORBIT-TITANIUM"]["media"];
        let product = &media["product"];
        assert_eq!(product["src"], "/v1/media/dragonfly.jpg/product.webp");
        assert_eq!(
            (product["width"].as_u64(), product["height"].as_u64()),
            (Some(800), Some(800))
        );
        let widths: Vec<u64> = product["srcset"]
            .as_array()
            .expect("srcset")
            .iter()
            .filter_map(|c| c["width"].as_u64())
            .collect();
        assert_eq!(
            widths,
            [160, 800, 1080],
            "square presets, not marketplace-main's 2000"
        );
        for c in product["srcset"].as_array().expect("srcset") {
            assert_eq!(c["width"], c["height"]);
        }
        let story = &media["story"];
        assert_eq!(
            (story["width"].as_u64(), story["height"].as_u64()),
            (Some(1080), Some(1920))
        );
        assert_eq!(story["srcset"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn a_blocked_product_is_a_451_problem_in_the_shoppers_language() {
        let body = answer("US", "en-US", "sku=MRD-ORBIT-TITANIUM");
        let orbit = &body["products"]["MRD-ORBIT-TITANIUM"];
        assert_eq!(orbit["status"], 451);
        assert_eq!(orbit["problem"]["code"], "territory-not-licensed");
        assert_eq!(orbit["problem"]["status"], 451);
        assert_eq!(orbit["problem"]["title"], "Not available in your market");
        assert!(
            orbit["problem"]["type"]
                .as_str()
                .is_some_and(|t| t.ends_with(":territory-not-licensed"))
        );
        assert!(
            orbit["problem"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("not licensed"))
        );
        assert!(orbit["policy_url"].as_str().is_some_and(|u| !u.is_empty()));
        assert!(
            orbit.get("price").is_none() && orbit.get("name").is_none(),
            "nothing of it shows"
        );

        let body = answer("SA", "ar", "sku=MRD-RIESLING-2023");
        let wine = &body["products"]["MRD-RIESLING-2023"];
        assert_eq!(wine["problem"]["code"], "category-restricted");
        assert_eq!(body["dir"], "rtl");
        let en = Messages::for_locale("en");
        assert_ne!(wine["problem"]["title"], *en.get("unavailable"));
        assert_ne!(
            wine["problem"]["detail"],
            *en.get("blocked-category-restricted")
        );
    }

    #[test]
    fn japan_reads_japanese_and_yen() {
        let body = answer("JP", "ja", "sku=MRD-SOLSTICE-SUN&sku=EYE-AVIATOR-GOLD");
        assert_eq!(body["lang"], "ja");
        let sun = &body["products"]["MRD-SOLSTICE-SUN"];
        assert_eq!(sun["price"]["currency"], "JPY");
        assert_eq!(sun["price"]["text"], "￥23,800");
        assert_ne!(body["labels"]["tryon"], "Try it on");
        let aviator = &body["products"]["EYE-AVIATOR-GOLD"];
        assert_eq!(aviator["tryon"]["url"], "/tryon?sku=EYE-AVIATOR-GOLD");
        assert_eq!(aviator["price"]["text"], "￥21,000");
    }

    #[test]
    fn a_missing_price_is_null_and_the_label_says_on_request() {
        let body = answer("KR", "ko", "sku=MRD-ORBIT-TITANIUM&sku=MRD-AURORA-WATCH");
        let watch = &body["products"]["MRD-AURORA-WATCH"];
        if watch["status"] == 200 {
            assert_eq!(watch["price"], Value::Null, "no KRW price, never converted");
        }
        assert_eq!(body["labels"]["price_on_request"], "가격 문의");
    }

    #[test]
    fn an_unknown_sku_is_a_404_problem_beside_the_others() {
        let body = answer("DE", "de", "sku=NOPE&sku=MRD-SOLSTICE-SUN");
        let nope = &body["products"]["NOPE"];
        assert_eq!(nope["status"], 404);
        assert_eq!(nope["problem"]["code"], "product-unknown");
        assert_eq!(nope["problem"]["status"], 404);
        assert_eq!(body["products"]["MRD-SOLSTICE-SUN"]["status"], 200);
    }

    #[test]
    fn malformed_requests_are_400_and_unknown_presets_404() {
        assert_eq!(refusal("").code, "products-sku-missing");
        assert_eq!(refusal("sku=").code, "products-sku-missing");
        assert_eq!(refusal("sku=%3Cscript%3E").code, "products-sku-invalid");
        assert_eq!(refusal("sku=A&preset=../x").code, "products-preset-invalid");
        let many: Vec<String> = (0..=MAX_SKUS).map(|i| format!("sku=S{i}")).collect();
        let e = refusal(&many.join("&"));
        assert_eq!((e.status, e.code.as_str()), (400, "products-too-many"));
        let e = refusal("sku=A&preset=a&preset=b&preset=c&preset=d&preset=e");
        assert_eq!((e.status, e.code.as_str()), (400, "products-too-many"));
        let e = refusal("sku=MRD-SOLSTICE-SUN&preset=huge");
        assert_eq!((e.status, e.code.as_str()), (404, "preset-unknown"));
        for e in [refusal(""), refusal("sku=%")] {
            assert_eq!(e.status, 400);
            let r = e.into_response();
            assert_eq!(r.get("content-type"), Some("application/problem+json"));
        }
    }

    #[test]
    fn skus_are_deduplicated_in_order_and_commas_split() {
        let q = parse_query("sku=B,A&sku=B&x=1&preset=thumbnail").expect("parses");
        assert_eq!(q.skus, ["B", "A"]);
        assert_eq!(q.presets, ["thumbnail"]);
        assert_eq!(
            parse_query("sku=A").expect("parses").presets,
            [DEFAULT_PRESET]
        );
    }

    #[test]
    fn the_answer_is_private_and_varies_by_language() {
        let a = admit_shopper("FR", "fr", Purpose::Render);
        let catalog = Catalog::shipped().expect("catalog");
        let presets = Presets::load(None).expect("presets");
        let r = products_response(&a, &catalog, &presets, "sku=MRD-SILK-SCARF", false).expect("ok");
        assert_eq!(r.get("cache-control"), Some("private, max-age=60"));
        assert_eq!(r.get("vary"), Some("Accept-Language"));
        assert_eq!(r.get("content-type"), Some("application/json"));
        assert!(
            products_response(&a, &catalog, &presets, "sku=MRD-SILK-SCARF", true)
                .expect("head")
                .body
                .is_empty()
        );
    }

    #[test]
    fn every_language_words_the_widget() {
        let en = Messages::for_locale("en");
        for lang in ["de", "ja", "ar", "fr", "zh", "hi"] {
            let t = Messages::for_locale(lang);
            for (name, id) in LABELS {
                assert_ne!(t.get(id), en.get(id), "{lang}: {name} is translated");
            }
            for code in crate::pages::messages::BLOCKED_CODES {
                assert_ne!(t.blocked(code), t.get("blocked-other"), "{lang} {code}");
            }
        }
    }
}
