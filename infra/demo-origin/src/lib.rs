//! A merchant's catalog and pricing API with the caching headers of a
//! well-behaved origin (see the README): product reviews shoppers write
//! through the edge (`POST`, `PATCH`, `DELETE`, with `Location` and
//! `Content-Location`), the merchant's own authenticated stock API
//! (`/merchant/...`: `Authorization` and `x-merchant-store`), and an echo
//! of what a request carried. Started by `main` for the demo and by the
//! end-to-end tests in-process.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
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
    /// The bearer token of the merchant API (`/merchant/...`); `None`
    /// refuses every request there (401).
    pub merchant_token: Option<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8090)),
            max_age_s: 60,
            stale_while_revalidate_s: 30,
            stale_if_error_s: 86_400,
            webhook: None,
            merchant_token: None,
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
    /// The header lines of the last request to each path, credentials as
    /// their [`fingerprint`].
    received: Mutex<BTreeMap<String, Vec<(String, String)>>>,
    reviews: Mutex<Reviews>,
    /// Units in stock by (store, SKU); [`STOCK_START`] until set.
    stock: Mutex<BTreeMap<(String, String), u64>>,
}

/// The merchant's stores, as `x-merchant-store` names them.
pub const STORES: &[&str] = &["eu-main", "us-east"];

/// Units of every product in every store until the merchant sets them.
pub const STOCK_START: u64 = 25;

#[derive(Default)]
struct Reviews {
    next_id: u64,
    by_sku: BTreeMap<String, Vec<Review>>,
}

#[derive(Debug, Clone, serde::Serialize)]
struct Review {
    id: u64,
    sku: String,
    author: String,
    rating: u8,
    text: String,
    /// Shoppers who found it helpful.
    helpful: u64,
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

    /// The header lines (lower-case names) the last request to `path`
    /// carried, `Authorization` as its [`fingerprint`].
    pub fn received(&self, path: &str) -> Vec<(String, String)> {
        lock(&self.shop.received)
            .get(path)
            .cloned()
            .unwrap_or_default()
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
        received: Mutex::new(BTreeMap::new()),
        reviews: Mutex::new(Reviews::default()),
        stock: Mutex::new(BTreeMap::new()),
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
        .route(
            "/products/{sku}/reviews",
            get(reviews_list).post(review_add),
        )
        .route(
            "/products/{sku}/reviews/{id}",
            get(review_get).patch(review_change).delete(review_remove),
        )
        .route("/products/{sku}/reviews/{id}/helpful", post(review_helpful))
        .route("/merchant/stock/{sku}", get(stock_get).put(stock_set))
        .route("/echo/{policy}", any(echo))
        .route("/merchant/echo/{policy}", any(echo))
        .route("/admin/price", post(admin_price))
        .route("/admin/requests", get(admin_requests))
        .layer(axum::middleware::from_fn(read_body_first))
        .with_state(shop)
}

/// The most of a request body this origin reads (axum's own default limit).
const MAX_BODY: usize = 2 << 20;

/// Reads every request body before its route answers. A route that ignores
/// its body (a vote, a `DELETE`) would otherwise answer and close the
/// connection with unread bytes in the socket, which the kernel turns into
/// a reset that can reach a client still sending its body before the answer.
async fn read_body_first(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => {
            next.run(axum::extract::Request::from_parts(
                parts,
                axum::body::Body::from(bytes),
            ))
            .await
        }
        Err(_) => (StatusCode::PAYLOAD_TOO_LARGE, "request body over 2 MiB").into_response(),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panicked handler cannot leave these maps half-updated.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Counts a request to `path` and keeps its header lines (returned).
fn count(shop: &Shop, path: &str, headers: &HeaderMap) -> Vec<(String, String)> {
    *lock(&shop.requests).entry(path.to_owned()).or_default() += 1;
    let lines = headers
        .iter()
        .map(|(name, value)| {
            let text = String::from_utf8_lossy(value.as_bytes());
            let text = if name == header::AUTHORIZATION {
                fingerprint(&text)
            } else {
                text.into_owned()
            };
            (name.as_str().to_owned(), text)
        })
        .collect::<Vec<_>>();
    lock(&shop.received).insert(path.to_owned(), Vec::clone(&lines));
    lines
}

/// What this origin shows and keeps of a credential: enough to tell two
/// apart, never the credential itself.
pub fn fingerprint(credentials: &str) -> String {
    format!(
        "sha256:{}",
        hex::encode(&Sha256::digest(credentials.as_bytes())[..6])
    )
}

/// A refusal as the edge words its own: status, machine code, message.
struct Problem {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// `WWW-Authenticate`, for a 401.
    challenge: Option<&'static str>,
}

fn problem(status: StatusCode, code: &'static str, message: impl Into<String>) -> Problem {
    Problem {
        status,
        code,
        message: message.into(),
        challenge: None,
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "status": self.status.as_u16(),
            "code": self.code,
            "message": self.message,
        });
        let mut response = (
            self.status,
            [
                (header::CONTENT_TYPE, "application/problem+json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body.to_string(),
        )
            .into_response();
        if let Some(challenge) = self.challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response
    }
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

/// What the catalog's answers vary on: the edge's decisions.
const AUDIENCE_VARY: &str = "meridian-currency, meridian-locale, meridian-variant";

/// A public JSON answer with validators, caching directives and surrogate
/// keys; `304` when the edge's conditional request still matches.
fn cached(
    shop: &Shop,
    req: &HeaderMap,
    body: Vec<u8>,
    tags: &str,
    max_age: u64,
    vary: &str,
) -> Response {
    let c = &shop.config;
    let cache_control = format!(
        "public, max-age={max_age}, stale-while-revalidate={}, stale-if-error={}",
        c.stale_while_revalidate_s, c.stale_if_error_s
    );
    let mut response = validated(req, body, &cache_control, vary);
    let headers = response.headers_mut();
    let mut set = |name: header::HeaderName, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    set(
        header::LAST_MODIFIED,
        httpdate::fmt_http_date(*lock(&shop.changed)),
    );
    set(
        header::HeaderName::from_static("surrogate-key"),
        tags.into(),
    );
    response
}

/// A JSON answer with an entity tag of its bytes, `cache_control` and
/// `vary` (empty: none); `304` when `If-None-Match` matches.
fn validated(req: &HeaderMap, body: Vec<u8>, cache_control: &str, vary: &str) -> Response {
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..12]));
    let mut headers = HeaderMap::new();
    let mut set = |name: header::HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set(header::CACHE_CONTROL, cache_control);
    set(header::ETAG, &etag);
    if !vary.is_empty() {
        set(header::VARY, vary);
    }
    set(header::CONTENT_TYPE, "application/json");
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
    count(&shop, "/products", &req);
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
        AUDIENCE_VARY,
    )
}

async fn product(
    State(shop): State<Arc<Shop>>,
    Path(sku): Path<String>,
    req: HeaderMap,
) -> Response {
    count(&shop, &format!("/products/{sku}"), &req);
    let audience = Audience::of(&req);
    let found = lock(&shop.catalog)
        .product
        .iter()
        .find(|p| p.sku == sku)
        .map(|p| product_json(p, &audience));
    match found {
        Some(json) => {
            let body = serde_json::to_vec(&json).unwrap_or_default();
            let tags = format!("catalog sku:{sku}");
            cached(&shop, &req, body, &tags, shop.config.max_age_s, AUDIENCE_VARY)
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
    count(&shop, "/feed", &req);
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
        AUDIENCE_VARY,
    )
}

/// `Ok` when `sku` is in the catalog, else 404 `sku-unknown`.
fn known_sku(shop: &Shop, sku: &str) -> Result<(), Problem> {
    if lock(&shop.catalog).product.iter().any(|p| p.sku == sku) {
        Ok(())
    } else {
        Err(problem(
            StatusCode::NOT_FOUND,
            "sku-unknown",
            format!("no product {sku}"),
        ))
    }
}

/// A JSON answer to a write, never stored, whose `field` (`Location` or
/// `Content-Location`) names `at`.
fn written(status: StatusCode, field: header::HeaderName, at: String, body: String) -> Response {
    (
        status,
        [
            (field, at),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::CONTENT_TYPE, "application/json".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// A product's reviews as `x-api-version` asks: `1` (the default) a bare
/// list, `2` an object with the count and average rating. The answer says
/// `Vary: x-api-version`, so an edge that forwards the header keeps one
/// entry per version.
fn reviews_json(shop: &Shop, sku: &str, req: &HeaderMap) -> serde_json::Value {
    let list = lock(&shop.reviews)
        .by_sku
        .get(sku)
        .cloned()
        .unwrap_or_default();
    let version = req
        .get("x-api-version")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    if version == Some("2") {
        let count = list.len();
        let average = if count == 0 {
            None
        } else {
            Some(list.iter().map(|r| f64::from(r.rating)).sum::<f64>() / count as f64)
        };
        serde_json::json!({"reviews": list, "count": count, "average": average})
    } else {
        serde_json::json!(list)
    }
}

/// `GET /products/{sku}/reviews`: public, cached by the edge.
async fn reviews_list(
    State(shop): State<Arc<Shop>>,
    Path(sku): Path<String>,
    req: HeaderMap,
) -> Result<Response, Problem> {
    count(&shop, &format!("/products/{sku}/reviews"), &req);
    known_sku(&shop, &sku)?;
    let body = reviews_json(&shop, &sku, &req).to_string().into_bytes();
    let tags = format!("reviews sku:{sku}");
    Ok(cached(
        &shop,
        &req,
        body,
        &tags,
        shop.config.max_age_s,
        "x-api-version",
    ))
}

/// A review as a shopper writes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewReview {
    author: String,
    rating: u8,
    #[serde(default)]
    text: String,
}

/// A change to a review: any of its rating and text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewChange {
    rating: Option<u8>,
    text: Option<String>,
}

/// The body as `T`, or a 400 naming what is wrong.
fn json_body<T: serde::de::DeserializeOwned>(
    body: &[u8],
    code: &'static str,
) -> Result<T, Problem> {
    serde_json::from_slice(body)
        .map_err(|e| problem(StatusCode::BAD_REQUEST, code, format!("the body: {e}")))
}

/// A rating and text a review may have (422 otherwise).
fn check_review(rating: u8, text: &str) -> Result<(), Problem> {
    if !(1..=5).contains(&rating) {
        return Err(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rating-invalid",
            format!("rating {rating} is not 1 to 5"),
        ));
    }
    if text.chars().count() > 2000 {
        return Err(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "review-too-long",
            "a review's text is at most 2000 characters",
        ));
    }
    Ok(())
}

/// `POST /products/{sku}/reviews`: 201 with the review, `Location` and
/// `Content-Location` naming it.
async fn review_add(
    State(shop): State<Arc<Shop>>,
    Path(sku): Path<String>,
    req: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    count(&shop, &format!("/products/{sku}/reviews"), &req);
    known_sku(&shop, &sku)?;
    let new: NewReview = json_body(&body, "review-invalid")?;
    let author = new.author.trim();
    if author.is_empty() || author.chars().count() > 80 {
        return Err(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "author-invalid",
            "author is 1 to 80 characters",
        ));
    }
    check_review(new.rating, &new.text)?;
    let review = {
        let mut reviews = lock(&shop.reviews);
        reviews.next_id += 1;
        let review = Review {
            id: reviews.next_id,
            sku: sku.clone(),
            author: author.to_owned(),
            rating: new.rating,
            text: new.text,
            helpful: 0,
        };
        reviews
            .by_sku
            .entry(sku.clone())
            .or_default()
            .push(review.clone());
        review
    };
    let at = format!("/products/{sku}/reviews/{}", review.id);
    let mut response = written(
        StatusCode::CREATED,
        header::CONTENT_LOCATION,
        at.clone(),
        serde_json::json!(review).to_string(),
    );
    if let Ok(at) = HeaderValue::from_str(&at) {
        response.headers_mut().insert(header::LOCATION, at);
    }
    Ok(response)
}

/// Applies `change` to review `id` of `sku` (404 `review-unknown` when
/// there is none) and returns what it returns.
fn with_review<T>(
    shop: &Shop,
    sku: &str,
    id: u64,
    change: impl FnOnce(&mut Vec<Review>, usize) -> T,
) -> Result<T, Problem> {
    let mut reviews = lock(&shop.reviews);
    let list = reviews.by_sku.get_mut(sku);
    match list.and_then(|l| Some((l.iter().position(|r| r.id == id)?, l))) {
        Some((at, list)) => Ok(change(list, at)),
        None => Err(problem(
            StatusCode::NOT_FOUND,
            "review-unknown",
            format!("product {sku} has no review {id}"),
        )),
    }
}

/// `GET /products/{sku}/reviews/{id}`: public, cached by the edge.
async fn review_get(
    State(shop): State<Arc<Shop>>,
    Path((sku, id)): Path<(String, u64)>,
    req: HeaderMap,
) -> Result<Response, Problem> {
    count(&shop, &format!("/products/{sku}/reviews/{id}"), &req);
    let review = with_review(&shop, &sku, id, |list, at| list[at].clone())?;
    let body = serde_json::json!(review).to_string().into_bytes();
    let tags = format!("reviews sku:{sku}");
    Ok(cached(&shop, &req, body, &tags, shop.config.max_age_s, ""))
}

/// The product's reviews after a change, named by `Content-Location`: the
/// answer to `PATCH` and `DELETE` of one review.
fn reviews_after(shop: &Shop, sku: &str, req: &HeaderMap) -> Response {
    written(
        StatusCode::OK,
        header::CONTENT_LOCATION,
        format!("/products/{sku}/reviews"),
        reviews_json(shop, sku, req).to_string(),
    )
}

/// `PATCH /products/{sku}/reviews/{id}`: `{"rating"?, "text"?}`.
async fn review_change(
    State(shop): State<Arc<Shop>>,
    Path((sku, id)): Path<(String, u64)>,
    req: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    count(&shop, &format!("/products/{sku}/reviews/{id}"), &req);
    let change: ReviewChange = json_body(&body, "review-invalid")?;
    with_review(&shop, &sku, id, |list, at| {
        let review = &mut list[at];
        let rating = change.rating.unwrap_or(review.rating);
        let text = change.text.unwrap_or_else(|| review.text.clone());
        check_review(rating, &text)?;
        review.rating = rating;
        review.text = text;
        Ok(())
    })??;
    Ok(reviews_after(&shop, &sku, &req))
}

/// `DELETE /products/{sku}/reviews/{id}`.
async fn review_remove(
    State(shop): State<Arc<Shop>>,
    Path((sku, id)): Path<(String, u64)>,
    req: HeaderMap,
) -> Result<Response, Problem> {
    count(&shop, &format!("/products/{sku}/reviews/{id}"), &req);
    with_review(&shop, &sku, id, |list, at| list.remove(at))?;
    Ok(reviews_after(&shop, &sku, &req))
}

/// `POST /products/{sku}/reviews/{id}/helpful`: one more shopper found it
/// helpful; `303 See Other` to the review (post, redirect, get).
async fn review_helpful(
    State(shop): State<Arc<Shop>>,
    Path((sku, id)): Path<(String, u64)>,
    req: HeaderMap,
) -> Result<Response, Problem> {
    count(
        &shop,
        &format!("/products/{sku}/reviews/{id}/helpful"),
        &req,
    );
    with_review(&shop, &sku, id, |list, at| list[at].helpful += 1)?;
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, format!("/products/{sku}/reviews/{id}")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response())
}

/// A merchant API request for `sku`: counted, then its bearer token, the
/// store named by `x-merchant-store` (returned) and the SKU checked.
fn merchant_request(shop: &Shop, sku: &str, req: &HeaderMap) -> Result<String, Problem> {
    count(shop, &format!("/merchant/stock/{sku}"), req);
    let presented = req
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let accepted = match (&shop.config.merchant_token, presented) {
        (Some(token), Some(presented)) => {
            // Compared as digests: the time taken says nothing of the token.
            Sha256::digest(token.as_bytes()) == Sha256::digest(presented.trim().as_bytes())
        }
        _ => false,
    };
    if !accepted {
        return Err(Problem {
            challenge: Some("Bearer realm=\"merchant\""),
            ..problem(
                StatusCode::UNAUTHORIZED,
                "merchant-unauthorized",
                "the merchant API needs `Authorization: Bearer <merchant token>`",
            )
        });
    }
    let store = req
        .get("x-merchant-store")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .ok_or_else(|| {
            problem(
                StatusCode::BAD_REQUEST,
                "store-missing",
                "the merchant API needs `x-merchant-store`",
            )
        })?;
    if !STORES.contains(&store) {
        return Err(problem(
            StatusCode::NOT_FOUND,
            "store-unknown",
            format!("no store {store}; stores: {}", STORES.join(", ")),
        ));
    }
    known_sku(shop, sku)?;
    Ok(store.to_owned())
}

fn stock_json(shop: &Shop, store: &str, sku: &str) -> serde_json::Value {
    let quantity = lock(&shop.stock)
        .get(&(store.to_owned(), sku.to_owned()))
        .copied()
        .unwrap_or(STOCK_START);
    serde_json::json!({"sku": sku, "store": store, "quantity": quantity})
}

/// `GET /merchant/stock/{sku}`: one store's units. Shared caches may keep
/// it but must ask again on every use (`max-age=0, must-revalidate`), so
/// each reuse is checked against the asker's credentials: a valid token
/// gets 304, another 401.
async fn stock_get(
    State(shop): State<Arc<Shop>>,
    Path(sku): Path<String>,
    req: HeaderMap,
) -> Result<Response, Problem> {
    let store = merchant_request(&shop, &sku, &req)?;
    let body = stock_json(&shop, &store, &sku).to_string().into_bytes();
    Ok(validated(
        &req,
        body,
        "max-age=0, must-revalidate",
        "x-merchant-store",
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StockChange {
    quantity: u64,
}

/// `PUT /merchant/stock/{sku}`: `{"quantity": n}` for the store.
async fn stock_set(
    State(shop): State<Arc<Shop>>,
    Path(sku): Path<String>,
    req: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let store = merchant_request(&shop, &sku, &req)?;
    let change: StockChange = json_body(&body, "stock-invalid")?;
    lock(&shop.stock).insert((store.clone(), sku.clone()), change.quantity);
    Ok(written(
        StatusCode::OK,
        header::CONTENT_LOCATION,
        format!("/merchant/stock/{sku}"),
        stock_json(&shop, &store, &sku).to_string(),
    ))
}

/// The `Cache-Control` of each echo policy: what a shared cache may do
/// with the answer (RFC 9111 §3.5 for requests with `Authorization`).
pub const ECHO_POLICIES: &[(&str, &str)] = &[
    ("none", "max-age=60"),
    ("public", "public, max-age=60"),
    ("s-maxage", "s-maxage=60"),
    ("must-revalidate", "max-age=0, must-revalidate"),
    ("private", "private, max-age=60"),
    ("vary", "public, max-age=60"),
];

/// `/echo/{policy}` and `/merchant/echo/{policy}`, any method: what the
/// request carried (method, path, query, header lines with credentials as
/// their fingerprint, body) as JSON, cached as the policy says
/// ([`ECHO_POLICIES`]); `vary` also says `Vary: x-api-version,
/// x-merchant-store`. The entity tag names the policy, so a revalidation
/// is answered 304; unsafe methods get `no-store`.
async fn echo(
    State(shop): State<Arc<Shop>>,
    Path(policy): Path<String>,
    method: Method,
    uri: Uri,
    req: HeaderMap,
    body: Bytes,
) -> Response {
    let lines = count(&shop, uri.path(), &req);
    let Some((_, cache_control)) = ECHO_POLICIES.iter().find(|(p, _)| *p == policy) else {
        let names: Vec<&str> = ECHO_POLICIES.iter().map(|(p, _)| *p).collect();
        return problem(
            StatusCode::NOT_FOUND,
            "echo-policy-unknown",
            format!("no echo policy {policy}; policies: {}", names.join(", ")),
        )
        .into_response();
    };
    let safe = method == Method::GET || method == Method::HEAD;
    let etag = format!("\"echo-{policy}\"");
    let mut headers = HeaderMap::new();
    let mut set = |name: header::HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set(
        header::CACHE_CONTROL,
        if safe { cache_control } else { "no-store" },
    );
    set(header::ETAG, &etag);
    set(header::CONTENT_TYPE, "application/json");
    if policy == "vary" {
        set(header::VARY, "x-api-version, x-merchant-store");
    }
    let revalidating = req
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|inm| meridian_edge::cache::none_match(inm, &etag));
    if safe && revalidating {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    let received: serde_json::Map<String, serde_json::Value> = lines
        .into_iter()
        .map(|(n, v)| (n, serde_json::Value::String(v)))
        .collect();
    let answer = serde_json::json!({
        "method": method.as_str(),
        "path": uri.path(),
        "query": uri.query(),
        "headers": received,
        "body": String::from_utf8_lossy(&body),
    });
    (StatusCode::OK, headers, answer.to_string()).into_response()
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
