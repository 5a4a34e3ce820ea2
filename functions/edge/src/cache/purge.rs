//! Purges: by URL (every variant, every market) or by surrogate key, hard
//! (the entry is gone) or soft (the entry turns stale and is revalidated,
//! still usable under `stale-while-revalidate` / `stale-if-error`), and
//! the webhook form a commerce platform sends on price or stock changes.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::key::CacheRequest;
use super::{CacheConfig, Kv, store, tags};
use crate::response::Refusal;

/// Most URLs plus tags one purge may name.
pub const MAX_TARGETS: usize = 1000;

/// `POST /v1/purge`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurgeRequest {
    /// Paths as requested at the edge, such as `/v1/origin/catalog/p/1`.
    #[serde(default)]
    pub urls: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Mark stale instead of removing.
    #[serde(default)]
    pub soft: bool,
}

/// What a purge did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    pub purged: usize,
    pub soft: bool,
    pub tags: Vec<String>,
}

impl PurgeRequest {
    /// Parses and validates a purge body.
    pub fn parse(body: &[u8]) -> Result<PurgeRequest, Refusal> {
        let request: PurgeRequest = serde_json::from_slice(body)
            .map_err(|e| Refusal::new(400, "purge-malformed", format!("purge body: {e}")))?;
        request.validate()?;
        Ok(request)
    }

    fn validate(&self) -> Result<(), Refusal> {
        if self.urls.is_empty() && self.tags.is_empty() {
            return Err(Refusal::new(
                400,
                "purge-empty",
                "name at least one of `urls` or `tags`",
            ));
        }
        if self.urls.len() + self.tags.len() > MAX_TARGETS {
            return Err(Refusal::new(
                413,
                "purge-too-large",
                format!("at most {MAX_TARGETS} URLs and tags per purge"),
            ));
        }
        if let Some(bad) = self.tags.iter().find(|t| !tags::is_valid(t)) {
            return Err(Refusal::new(
                400,
                "tag-invalid",
                format!(
                    "tag `{}` is not 1 to {} of A-Z a-z 0-9 : . _ -",
                    bad.chars().take(tags::MAX_TAG_LEN).collect::<String>(),
                    tags::MAX_TAG_LEN
                ),
            ));
        }
        if let Some(bad) = self.urls.iter().find(|u| !u.starts_with('/')) {
            return Err(Refusal::new(
                400,
                "url-invalid",
                format!("`{bad}` is not a path such as /v1/origin/catalog/p/1"),
            ));
        }
        Ok(())
    }

    /// The tags that reach what this request names.
    pub fn targets(&self, config: &CacheConfig) -> Result<Vec<String>, Refusal> {
        let mut targets = self.tags.clone();
        for url in &self.urls {
            let canonical = CacheRequest::new(url, [], config)?.url;
            targets.push(tags::url_tag(&canonical));
        }
        targets.sort();
        targets.dedup();
        Ok(targets)
    }
}

/// Purges what `request` names; returns how many entries it reached.
pub fn purge(
    kv: &impl Kv,
    config: &CacheConfig,
    request: &PurgeRequest,
    now: u64,
) -> Result<PurgeReport, Refusal> {
    let failed = |e: String| Refusal::new(500, "store-failed", format!("purge: {e}"));
    let targets = request.targets(config)?;
    let ids = tags::entries_tagged(kv, &targets).map_err(failed)?;
    let mut purged = 0;
    for id in &ids {
        if request.soft {
            if let Some(mut stored) = store::read(kv, id) {
                stored.head.invalidated_at = Some(now);
                store::rewrite_head(kv, &stored).map_err(failed)?;
                purged += 1;
            }
        } else if store::remove(kv, id).map_err(failed)? {
            purged += 1;
        }
    }
    Ok(PurgeReport {
        purged,
        soft: request.soft,
        tags: targets,
    })
}

/// Header carrying the webhook's signature: `sha256=<hex HMAC of the body>`.
pub const WEBHOOK_SIGNATURE_HEADER: &str = "meridian-webhook-signature";

/// `POST /v1/purge/webhook`: what changed in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    pub event: WebhookEvent,
    pub skus: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum WebhookEvent {
    /// A shopper must never see the old price: hard purge.
    #[serde(rename = "price.changed")]
    PriceChanged,
    /// Stock moves often; a stale count for a moment is acceptable while
    /// the entry revalidates: soft purge.
    #[serde(rename = "stock.changed")]
    StockChanged,
    #[serde(rename = "product.updated")]
    ProductUpdated,
    #[serde(rename = "product.deleted")]
    ProductDeleted,
}

impl Webhook {
    /// Verifies the signature with `secret`, then parses the body.
    pub fn verify(body: &[u8], signature: Option<&str>, secret: &str) -> Result<Webhook, Refusal> {
        let unsigned = || {
            Refusal::new(
                401,
                "webhook-signature-invalid",
                format!("{WEBHOOK_SIGNATURE_HEADER} must be sha256=<hex HMAC-SHA256 of the body>"),
            )
        };
        let given = signature
            .and_then(|s| s.trim().strip_prefix("sha256="))
            .and_then(|h| hex::decode(h).ok())
            .ok_or_else(unsigned)?;
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
            .map_err(|e| Refusal::new(500, "webhook-secret-invalid", e.to_string()))?;
        mac.update(body);
        mac.verify_slice(&given).map_err(|_| unsigned())?;
        let hook: Webhook = serde_json::from_slice(body)
            .map_err(|e| Refusal::new(400, "webhook-malformed", format!("webhook body: {e}")))?;
        if hook.skus.is_empty() {
            return Err(Refusal::new(400, "purge-empty", "the webhook names no SKU"));
        }
        Ok(hook)
    }

    /// The purge it stands for: every entry tagged with one of its SKUs.
    pub fn purge_request(&self) -> Result<PurgeRequest, Refusal> {
        let request = PurgeRequest {
            urls: Vec::new(),
            tags: self.skus.iter().map(|s| sku_tag(s)).collect(),
            soft: matches!(
                self.event,
                WebhookEvent::StockChanged | WebhookEvent::ProductUpdated
            ),
        };
        request.validate()?;
        Ok(request)
    }
}

/// The surrogate key of everything showing a product.
pub fn sku_tag(sku: &str) -> String {
    format!("sku:{sku}")
}

/// Signs a webhook body as [`Webhook::verify`] expects (for senders and tests).
pub fn sign_webhook(body: &[u8], secret: &str) -> String {
    // HMAC takes keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|e| unreachable!("HMAC accepts any key length: {e}"));
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purge_bodies_are_validated() {
        let ok = PurgeRequest::parse(br#"{"tags":["sku:A"],"urls":["/v1/x?b=1&a=2"],"soft":true}"#)
            .expect("valid");
        assert!(ok.soft);
        let targets = ok.targets(&CacheConfig::default()).expect("targets");
        assert!(targets.contains(&"sku:A".to_owned()));
        assert!(targets.contains(&tags::url_tag("/v1/x?a=2&b=1")));
        let cases: &[(&[u8], u16, &str)] = &[
            (b"{", 400, "purge-malformed"),
            (b"{}", 400, "purge-empty"),
            (br#"{"tags":["a b"]}"#, 400, "tag-invalid"),
            (br#"{"urls":["http://x/y"]}"#, 400, "url-invalid"),
            (
                br#"{"tags":["a"],"everything":true}"#,
                400,
                "purge-malformed",
            ),
        ];
        for (body, status, code) in cases {
            let e = PurgeRequest::parse(body).expect_err(code);
            assert_eq!((e.status, e.code.as_str()), (*status, *code));
        }
        let many = serde_json::json!({ "tags": vec!["t"; MAX_TARGETS + 1] }).to_string();
        let e = PurgeRequest::parse(many.as_bytes()).expect_err("too many");
        assert_eq!((e.status, e.code.as_str()), (413, "purge-too-large"));
    }

    #[test]
    fn webhooks_verify_and_map_to_sku_purges() {
        let body = br#"{"event":"price.changed","skus":["MRD-1","MRD-2"]}"#;
        let sig = sign_webhook(body, "s3cret");
        let hook = Webhook::verify(body, Some(&sig), "s3cret").expect("verifies");
        let purge = hook.purge_request().expect("purge");
        assert_eq!(purge.tags, ["sku:MRD-1", "sku:MRD-2"]);
        assert!(!purge.soft, "a price change is a hard purge");

        let stock = br#"{"event":"stock.changed","skus":["MRD-1"]}"#;
        let hook = Webhook::verify(stock, Some(&sign_webhook(stock, "k")), "k").expect("ok");
        assert!(hook.purge_request().expect("purge").soft);

        for sig in [None, Some("sha256=00"), Some("nope"), Some(sig.as_str())] {
            let e = Webhook::verify(stock, sig, "s3cret").expect_err("bad signature");
            assert_eq!(
                (e.status, e.code.as_str()),
                (401, "webhook-signature-invalid")
            );
        }
        let odd = br#"{"event":"moon.phase","skus":["A"]}"#;
        let e = Webhook::verify(odd, Some(&sign_webhook(odd, "k")), "k").expect_err("event");
        assert_eq!(e.code, "webhook-malformed");
    }
}
