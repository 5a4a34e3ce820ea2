//! Purges: by URL (every variant, every market) or by surrogate key, hard
//! (the entry is gone) or soft (the entry turns stale and is revalidated,
//! still usable under `stale-while-revalidate` / `stale-if-error`), and
//! the webhook form a commerce platform sends on price or stock changes.
//!
//! A purge bumps one record per tag in the durable store
//! ([`super::tags`]): it costs O(tags), never lists the store, and is
//! exact: every entry carrying a purged tag is a miss (hard) or stale
//! (soft) from the moment the purge answers; readers delete hard-purged
//! entries lazily.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::key::CacheRequest;
use super::{CacheConfig, Kv, tags};
use crate::http::response::Refusal;

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
    /// Tags purged (the surrogate keys named and one per URL named):
    /// every entry carrying one of them is reached.
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

/// Purges what `request` names: bumps each target tag's record.
pub fn purge(
    kv: &impl Kv,
    config: &CacheConfig,
    request: &PurgeRequest,
    now: u64,
) -> Result<PurgeReport, Refusal> {
    let targets = request.targets(config)?;
    for tag in &targets {
        tags::bump(kv.durable(), tag, request.soft, now)
            .map_err(|e| Refusal::new(500, "store-failed", format!("purge: {e}")))?;
    }
    Ok(PurgeReport {
        purged: targets.len(),
        soft: request.soft,
        tags: targets,
    })
}

/// Header carrying the webhook's signature, Stripe-style:
/// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (several `v1`
/// while a secret is rotated).
pub const WEBHOOK_SIGNATURE_HEADER: &str = "meridian-webhook-signature";

/// Where seen webhook signatures are kept (durable store), in 16 shards
/// by the signature's first hex digit, each pruned of expired ones on write.
const SEEN_PREFIX: &str = "purge/webhook-seen/";

/// Most unexpired signatures one shard holds; a sender past that rate is
/// told to retry (503 `webhook-busy`) rather than the store growing.
const SEEN_PER_SHARD: usize = 4096;

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

/// A verified signature: what the replay check remembers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The signed timestamp.
    pub at: u64,
    /// The matching `v1` value, lower-case hex.
    pub signature: String,
}

impl Webhook {
    /// Verifies the signature with `secret` and its timestamp against
    /// `now` (± `tolerance_s`), then parses the body. The replay check is
    /// [`Webhook::remember`], once this succeeds.
    pub fn verify(
        body: &[u8],
        signature: Option<&str>,
        secret: &str,
        now: u64,
        tolerance_s: u64,
    ) -> Result<(Webhook, Signed), Refusal> {
        let unsigned = || {
            Refusal::new(
                401,
                "webhook-signature-invalid",
                format!(
                    "{WEBHOOK_SIGNATURE_HEADER} must be t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">"
                ),
            )
        };
        let header = signature.ok_or_else(unsigned)?;
        let mut at = None;
        let mut given = Vec::new();
        for part in header.split(',') {
            match part.trim().split_once('=') {
                Some(("t", t)) => at = Some(t.parse::<u64>().map_err(|_| unsigned())?),
                Some(("v1", hex)) => given.push(hex.to_ascii_lowercase()),
                _ => {}
            }
        }
        let at = at.ok_or_else(unsigned)?;
        let mut matched = None;
        for g in &given {
            // `verify_slice` compares in constant time.
            if let Ok(bytes) = hex::decode(g)
                && mac(at, body, secret)?.verify_slice(&bytes).is_ok()
            {
                matched = Some(g.clone());
            }
        }
        let signature = matched.ok_or_else(unsigned)?;
        if at.abs_diff(now) > tolerance_s {
            return Err(Refusal::new(
                401,
                "webhook-signature-expired",
                format!("the signature's timestamp is more than {tolerance_s} s from now"),
            ));
        }
        let hook: Webhook = serde_json::from_slice(body)
            .map_err(|e| Refusal::new(400, "webhook-malformed", format!("webhook body: {e}")))?;
        if hook.skus.is_empty() {
            return Err(Refusal::new(400, "purge-empty", "the webhook names no SKU"));
        }
        Ok((hook, Signed { at, signature }))
    }

    /// Records `signed` as used (until it leaves the window); a signature
    /// seen before is 409 `webhook-replayed`.
    pub fn remember(
        kv: &dyn Kv,
        signed: &Signed,
        now: u64,
        tolerance_s: u64,
    ) -> Result<(), Refusal> {
        let failed =
            |e: String| Refusal::new(500, "store-failed", format!("webhook replay record: {e}"));
        let shard = signed.signature.get(..1).unwrap_or("0");
        let key = format!("{SEEN_PREFIX}{shard}");
        let id = &signed.signature[..signed.signature.len().min(32)];
        let expires = signed.at + tolerance_s;
        for _ in 0..32 {
            let current = kv.get(&key).map_err(failed)?;
            // `<expires> <id>` per line; expired lines are dropped here.
            let text = current
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            let mut lines: Vec<&str> = text
                .lines()
                .filter(|l| {
                    l.split_once(' ')
                        .and_then(|(e, _)| e.parse::<u64>().ok())
                        .is_some_and(|e| e >= now)
                })
                .collect();
            if lines
                .iter()
                .any(|l| l.split_once(' ').is_some_and(|(_, s)| s == id))
            {
                return Err(Refusal::new(
                    409,
                    "webhook-replayed",
                    "this signature was used already; sign each delivery anew",
                ));
            }
            if lines.len() >= SEEN_PER_SHARD {
                return Err(Refusal::new(
                    503,
                    "webhook-busy",
                    "too many webhooks in the signature window; retry later",
                ));
            }
            let line = format!("{expires} {id}");
            lines.push(&line);
            let value = lines.join("\n");
            if kv
                .swap_if(&key, current.as_deref(), value.as_bytes())
                .map_err(failed)?
            {
                return Ok(());
            }
        }
        Err(failed("the record kept changing".into()))
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

fn mac(at: u64, body: &[u8], secret: &str) -> Result<Hmac<Sha256>, Refusal> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|e| Refusal::new(500, "webhook-secret-invalid", e.to_string()))?;
    mac.update(at.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(mac)
}

fn signature_hex(at: u64, body: &[u8], secret: &str) -> Result<String, Refusal> {
    Ok(hex::encode(mac(at, body, secret)?.finalize().into_bytes()))
}

/// The surrogate key of everything showing a product.
pub fn sku_tag(sku: &str) -> String {
    format!("sku:{sku}")
}

/// The signature header value for `body` sent at `at` (unix seconds), as
/// [`Webhook::verify`] expects (for senders and tests).
pub fn sign_webhook(body: &[u8], secret: &str, at: u64) -> String {
    // HMAC takes keys of any length.
    let hex = signature_hex(at, body, secret)
        .unwrap_or_else(|e| unreachable!("HMAC accepts any key length: {e}"));
    format!("t={at},v1={hex}")
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

    const NOW: u64 = 1_790_000_000;

    #[test]
    fn webhooks_verify_and_map_to_sku_purges() {
        let body = br#"{"event":"price.changed","skus":["MRD-1","MRD-2"]}"#;
        let sig = sign_webhook(body, "s3cret", NOW);
        let (hook, signed) =
            Webhook::verify(body, Some(&sig), "s3cret", NOW, 300).expect("verifies");
        assert_eq!(signed.at, NOW);
        let purge = hook.purge_request().expect("purge");
        assert_eq!(purge.tags, ["sku:MRD-1", "sku:MRD-2"]);
        assert!(!purge.soft, "a price change is a hard purge");

        let stock = br#"{"event":"stock.changed","skus":["MRD-1"]}"#;
        let (hook, _) = Webhook::verify(stock, Some(&sign_webhook(stock, "k", NOW)), "k", NOW, 300)
            .expect("ok");
        assert!(hook.purge_request().expect("purge").soft);

        // The old body-only form, a signature of another body, of another
        // time, or under another key.
        let body_only = format!("sha256={}", sig.split("v1=").nth(1).unwrap_or_default());
        let other_time = sig.replace(&format!("t={NOW}"), &format!("t={}", NOW + 1));
        for sig in [
            None,
            Some("t=1,v1=00"),
            Some("nope"),
            Some(sig.as_str()),
            Some(body_only.as_str()),
            Some(other_time.as_str()),
        ] {
            let e = Webhook::verify(stock, sig, "s3cret", NOW, 300).expect_err("bad signature");
            assert_eq!(
                (e.status, e.code.as_str()),
                (401, "webhook-signature-invalid"),
                "{sig:?}"
            );
        }
        // Rotation: any matching v1 counts.
        let rotated = format!("{},v1=00ff", sign_webhook(stock, "k", NOW));
        assert!(Webhook::verify(stock, Some(&rotated), "k", NOW, 300).is_ok());
        let odd = br#"{"event":"moon.phase","skus":["A"]}"#;
        let e = Webhook::verify(odd, Some(&sign_webhook(odd, "k", NOW)), "k", NOW, 300)
            .expect_err("event");
        assert_eq!(e.code, "webhook-malformed");
    }

    #[test]
    fn webhook_signatures_expire_and_never_replay() {
        let body = br#"{"event":"price.changed","skus":["MRD-1"]}"#;
        for (at, ok) in [
            (NOW - 301, false),
            (NOW - 300, true),
            (NOW + 300, true),
            (NOW + 301, false),
        ] {
            let r = Webhook::verify(body, Some(&sign_webhook(body, "k", at)), "k", NOW, 300);
            match r {
                Ok(_) => assert!(ok, "{at}"),
                Err(e) => {
                    assert!(!ok, "{at}");
                    assert_eq!(
                        (e.status, e.code.as_str()),
                        (401, "webhook-signature-expired")
                    );
                }
            }
        }
        let e = Webhook::verify(body, Some(&sign_webhook(body, "k", NOW - 60)), "k", NOW, 30)
            .expect_err("a narrower window");
        assert_eq!(e.code, "webhook-signature-expired");

        let kv = crate::cache::MemoryKv::default();
        let sig = sign_webhook(body, "k", NOW);
        let (_, signed) = Webhook::verify(body, Some(&sig), "k", NOW, 300).expect("ok");
        Webhook::remember(&kv, &signed, NOW, 300).expect("first delivery");
        let e = Webhook::remember(&kv, &signed, NOW + 10, 300).expect_err("replay");
        assert_eq!((e.status, e.code.as_str()), (409, "webhook-replayed"));
        // A new delivery (new timestamp) is another signature.
        let (_, again) = Webhook::verify(
            body,
            Some(&sign_webhook(body, "k", NOW + 1)),
            "k",
            NOW + 1,
            300,
        )
        .expect("ok");
        Webhook::remember(&kv, &again, NOW + 1, 300).expect("a new delivery");
        // Out of the window, records are dropped as their shard is written.
        let later = NOW + 700;
        for at in later..later + 100 {
            let (_, s) = Webhook::verify(body, Some(&sign_webhook(body, "k", at)), "k", later, 300)
                .expect("ok");
            Webhook::remember(&kv, &s, later, 300).expect("later");
        }
        let held: usize = kv
            .keys()
            .iter()
            .filter_map(|k| kv.get(k).ok().flatten())
            .map(|v| String::from_utf8_lossy(&v).lines().count())
            .sum();
        assert_eq!(held, 100, "expired signatures are pruned");
    }
}
