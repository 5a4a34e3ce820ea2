//! A merchant's catalog and pricing API with the caching headers of a
//! well-behaved origin (see the README). Started by `main` for the demo
//! and by the end-to-end tests in-process.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use meridian_edge::cache::purge::{WEBHOOK_SIGNATURE_HEADER, sign_webhook};
use meridian_edge::catalog::{Catalog, Product};
use meridian_edge::locale_format::Money;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::sync::oneshot;

/// The query parameters this origin reads (`GET /products?limit=N`): what
/// the edge's `cache_config` declares for it, so any other parameter is
/// neither keyed nor forwarded.
pub const QUERY_PARAMETERS: &[&str] = &["limit"];

/// How the origin answers.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// `max-age` of product answers.
    pub max_age_s: u64,
    pub stale_while_revalidate_s: u64,
    pub stale_if_error_s: u64,
    /// The edge's purge webhook, told of price changes.
    pub webhook: Option<(String, String)>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8090)),
            max_age_s: 60,
            stale_while_revalidate_s: 30,
            stale_if_error_s: 86_400,
            webhook: None,
        }
    }
}

struct Shop {
    config: Config,
    catalog: Mutex<Catalog>,
    /// When any product last changed, for `Last-Modified`.
    changed: Mutex<SystemTime>,
    requests: Mutex<BTreeMap<String, u64>>,
    /// The last query string each path was asked with.
    queries: Mutex<BTreeMap<String, String>>,
}

/// A running origin.
pub struct Running {
    pub addr: SocketAddr,
    shop: Arc<Shop>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests the origin has answered, by path.
    pub fn requests(&self, path: &str) -> u64 {
        lock(&self.shop.requests).get(path).copied().unwrap_or(0)
    }

    /// The query string `path` was last asked with (empty: none).
    pub fn last_query(&self, path: &str) -> Option<String> {
        lock(&self.shop.queries).get(path).cloned()
    }

    /// Changes a price as `POST /admin/price` does, webhook included;
    /// `amount` is a plain decimal (`"99"`, `"12.50"`).
    pub fn set_price(&self, sku: &str, currency: &str, amount: &str) -> Result<()> {
        change_price(&self.shop, sku, currency, amount)
    }

    /// Stops serving; the port refuses connections afterwards.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts the origin on its own thread and runtime.
pub fn spawn(config: Config) -> Result<Running> {
    let listener = std::net::TcpListener::bind(config.listen)
        .with_context(|| format!("binding {}", config.listen))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let shop = Arc::new(Shop {
        catalog: Mutex::new(Catalog::shipped().map_err(|e| anyhow::anyhow!("{e}"))?),
        changed: Mutex::new(SystemTime::now()),
        requests: Mutex::new(BTreeMap::new()),
        queries: Mutex::new(BTreeMap::new()),
        config,
    });
    let (stop, stopped) = oneshot::channel::<()>();
    let app = router(shop.clone());
    let thread = std::thread::Builder::new()
        .name("demo-origin".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => return eprintln!("demo-origin: runtime: {e}"),
            };
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(l) => l,
                    Err(e) => return eprintln!("demo-origin: listener: {e}"),
                };
                let shutdown = async {
                    let _ = stopped.await;
                };
                if let Err(e) = axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown)
                    .await
                {
                    eprintln!("demo-origin: {e}");
                }
            });
        })?;
    Ok(Running {
        addr,
        shop,
        stop: Some(stop),
        thread: Some(thread),
    })
}

fn router(shop: Arc<Shop>) -> Router {
    Router::new()
        .route("/products", get(products))
        .route("/products/{sku}", get(product))
        .route("/feed", get(feed))
        .route("/admin/price", post(admin_price))
        .route("/admin/requests", get(admin_requests))
        .with_state(shop)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panicked handler cannot leave these maps half-updated.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn count(shop: &Shop, path: &str) {
    *lock(&shop.requests).entry(path.to_owned()).or_default() += 1;
}

/// What the edge decided, as the origin reads it.
struct Audience {
    currency: String,
    locale: String,
    /// `experiment=variant` pairs the edge assigned (`meridian-variant`).
    variant: String,
}

impl Audience {
    fn of(headers: &HeaderMap) -> Audience {
        let get = |n: &str, d: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(d)
                .to_owned()
        };
        Audience {
            currency: get("meridian-currency", "EUR"),
            locale: get("meridian-locale", "en"),
            variant: get("meridian-variant", ""),
        }
    }
}

fn product_json(p: &Product, audience: &Audience) -> serde_json::Value {
    let copy = p.copy_for(&audience.locale);
    serde_json::json!({
        "sku": p.sku,
        "name": p.name,
        "currency": audience.currency,
        // An amount and its ISO 4217 code (`{"amount": "145.00", "currency":
        // "EUR"}`), or null: the edge formats it for the shopper's locale.
        "price": p.price_in(&audience.currency),
        "copy": copy.map(|(_, text)| text),
        "language": copy.map(|(lang, _)| lang),
        // The merchant's own answer to the edge's experiment.
        "image_preset": if audience.variant.split(';').any(|v| v == "hero-preset=square") {
            "square-1080"
        } else {
            "product"
        },
    })
}

/// A JSON answer with validators, caching directives and surrogate keys;
/// `304` when the edge's conditional request still matches.
fn cached(shop: &Shop, req: &HeaderMap, body: Vec<u8>, tags: &str, max_age: u64) -> Response {
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..12]));
    let c = &shop.config;
    let mut headers = HeaderMap::new();
    let mut set = |name: header::HeaderName, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    set(
        header::CACHE_CONTROL,
        format!(
            "public, max-age={max_age}, stale-while-revalidate={}, stale-if-error={}",
            c.stale_while_revalidate_s, c.stale_if_error_s
        ),
    );
    set(header::ETAG, etag.clone());
    set(
        header::LAST_MODIFIED,
        httpdate::fmt_http_date(*lock(&shop.changed)),
    );
    set(
        header::VARY,
        "meridian-currency, meridian-locale, meridian-variant".into(),
    );
    set(
        header::HeaderName::from_static("surrogate-key"),
        tags.into(),
    );
    set(header::CONTENT_TYPE, "application/json".into());
    let matches = req
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|inm| meridian_edge::cache::none_match(inm, &etag));
    if matches {
        (StatusCode::NOT_MODIFIED, headers).into_response()
    } else {
        (StatusCode::OK, headers, body).into_response()
    }
}

async fn products(
    State(shop): State<Arc<Shop>>,
    RawQuery(query): RawQuery,
    req: HeaderMap,
) -> Response {
    count(&shop, "/products");
    let query = query.unwrap_or_default();
    lock(&shop.queries).insert("/products".into(), query.clone());
    let limit = query
        .split('&')
        .find_map(|p| p.strip_prefix("limit="))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(usize::MAX);
    let audience = Audience::of(&req);
    let (list, tags) = {
        let catalog = lock(&shop.catalog);
        let list: Vec<_> = catalog
            .product
            .iter()
            .take(limit)
            .map(|p| product_json(p, &audience))
            .collect();
        let tags: Vec<String> = catalog
            .product
            .iter()
            .map(|p| format!("sku:{}", p.sku))
            .collect();
        (list, tags)
    };
    let body = serde_json::to_vec(&list).unwrap_or_default();
    cached(
        &shop,
        &req,
        body,
        &format!("catalog {}", tags.join(" ")),
        shop.config.max_age_s,
    )
}

async fn product(
    State(shop): State<Arc<Shop>>,
    Path(sku): Path<String>,
    req: HeaderMap,
) -> Response {
    count(&shop, &format!("/products/{sku}"));
    let audience = Audience::of(&req);
    let found = lock(&shop.catalog)
        .product
        .iter()
        .find(|p| p.sku == sku)
        .map(|p| product_json(p, &audience));
    match found {
        Some(json) => {
            let body = serde_json::to_vec(&json).unwrap_or_default();
            cached(&shop, &req, body, &format!("catalog sku:{sku}"), shop.config.max_age_s)
        }
        None => (
            StatusCode::NOT_FOUND,
            [(header::CACHE_CONTROL, "public, max-age=30")],
            axum::Json(serde_json::json!({"status": 404, "code": "sku-unknown", "message": format!("no product {sku}")})),
        )
            .into_response(),
    }
}

/// The catalog export: large on purpose (it is stored in chunks at the edge).
async fn feed(State(shop): State<Arc<Shop>>, req: HeaderMap) -> Response {
    count(&shop, "/feed");
    let audience = Audience::of(&req);
    let lines: Vec<String> = {
        let catalog = lock(&shop.catalog);
        catalog
            .product
            .iter()
            .map(|p| product_json(p, &audience).to_string())
            .collect()
    };
    let mut body = Vec::with_capacity(2 << 20);
    // One line per product and warehouse, as exports are.
    for warehouse in 0..4000 {
        for line in &lines {
            body.extend_from_slice(
                format!("{{\"warehouse\":{warehouse},\"item\":{line}}}\n").as_bytes(),
            );
        }
        if body.len() > 2 << 20 {
            break;
        }
    }
    cached(
        &shop,
        &req,
        body,
        "catalog feed",
        shop.config.max_age_s.max(300),
    )
}

#[derive(Deserialize)]
struct PriceChange {
    sku: String,
    currency: String,
    /// A plain decimal amount in `currency`.
    amount: String,
}

async fn admin_price(
    State(shop): State<Arc<Shop>>,
    axum::Json(change): axum::Json<PriceChange>,
) -> Response {
    // The webhook is a blocking call back into the edge.
    let result = tokio::task::spawn_blocking(move || {
        change_price(&shop, &change.sku, &change.currency, &change.amount)
    })
    .await;
    match result {
        Ok(Ok(())) => StatusCode::NO_CONTENT.into_response(),
        Ok(Err(e)) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn admin_requests(State(shop): State<Arc<Shop>>) -> Response {
    axum::Json(lock(&shop.requests).clone()).into_response()
}

fn change_price(shop: &Shop, sku: &str, currency: &str, amount: &str) -> Result<()> {
    let price = Money::price(amount, currency)?;
    {
        let mut catalog = lock(&shop.catalog);
        let product = catalog
            .product
            .iter_mut()
            .find(|p| p.sku == sku)
            .with_context(|| format!("no product {sku}"))?;
        product.price.insert(price);
    }
    // Last-Modified has one-second resolution: a change is a new second.
    {
        let mut changed = lock(&shop.changed);
        *changed = (*changed + Duration::from_secs(1)).max(SystemTime::now());
    }
    if let Some((url, secret)) = &shop.config.webhook {
        let body = serde_json::json!({"event": "price.changed", "skus": [sku]}).to_string();
        // Signed with the time of sending: the edge refuses old and
        // replayed deliveries.
        let at = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        ureq::post(url)
            .set("content-type", "application/json")
            .set(
                WEBHOOK_SIGNATURE_HEADER,
                &sign_webhook(body.as_bytes(), secret, at),
            )
            .send_string(&body)
            .with_context(|| format!("telling the edge at {url}"))?;
    }
    Ok(())
}
