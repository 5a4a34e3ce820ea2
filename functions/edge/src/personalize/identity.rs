//! The shopper's first-party anonymous identity: one signed cookie that
//! holds a random id, the sticky experiment assignments and the recently
//! viewed SKUs. There is no server-side profile: what personalization
//! knows about a shopper is in this cookie, which the shopper can delete.
//!
//! The cookie is read and written only when the gate's personalization
//! decision allows it ([`crate::policy::Decision::personal_data_allowed`]
//! for `Purpose::Personalize`); without consent a request gets
//! [`clear_cookie`] if it still sends one, and nothing is set.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::market::RequestHeaders;

/// The cookie's name.
pub const COOKIE: &str = "meridian_p";
/// Bumped when [`Profile`]'s shape changes; other formats are re-issued.
pub const FORMAT: u32 = 1;
/// The longest a cookie lives (CNIL's 13 months for audience cookies).
pub const MAX_AGE_S: u64 = 13 * 30 * 24 * 3600;
/// Recently viewed SKUs kept, newest first.
pub const MAX_RECENT: usize = 10;
/// Sticky assignments kept (experiment and bucket version each).
pub const MAX_STICKY: usize = 32;
/// Longest accepted cookie value: browsers keep 4 KiB per cookie.
pub const MAX_COOKIE_BYTES: usize = 3 * 1024;
/// Bytes of the HMAC kept in the cookie.
const TAG_BYTES: usize = 16;
/// Shortest signing secret accepted.
pub const MIN_SECRET_BYTES: usize = 32;

/// What the cookie says about its shopper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    #[serde(rename = "v")]
    pub format: u32,
    /// 128 random bits, hex: the `id` attribute experiments hash.
    pub id: String,
    /// Unix seconds the id was issued.
    #[serde(rename = "t")]
    pub issued: u64,
    /// GrowthBook sticky-bucket assignments: `<experiment>__<bucket
    /// version>` to the variation key.
    #[serde(rename = "s", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sticky: BTreeMap<String, String>,
    /// Recently viewed SKUs, newest first.
    #[serde(rename = "r", default, skip_serializing_if = "Vec::is_empty")]
    pub recent: Vec<String>,
}

/// Why a cookie sent was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CookieError {
    #[error("the personalization cookie is longer than {MAX_COOKIE_BYTES} bytes")]
    TooLong,
    #[error("the personalization cookie is not `<payload>.<signature>` in base64url")]
    Malformed,
    #[error("the personalization cookie's signature does not verify")]
    BadSignature,
    #[error("the personalization cookie has a format this build does not read")]
    UnknownFormat,
    #[error("the personalization cookie is older than its lifetime")]
    Expired,
}

impl CookieError {
    pub fn code(self) -> &'static str {
        match self {
            CookieError::TooLong => "identity-cookie-too-long",
            CookieError::Malformed => "identity-cookie-malformed",
            CookieError::BadSignature => "identity-cookie-forged",
            CookieError::UnknownFormat => "identity-cookie-format",
            CookieError::Expired => "identity-cookie-expired",
        }
    }
}

/// What the tag covers before the payload: the cookie's purpose and format.
const DOMAIN: &[u8] = b"meridian-identity/1\n";

/// The key cookies are signed with, from the `personalization_secret`
/// variable. Keyed once: HMAC's inner and outer pads are hashed when the
/// key is made, so signing or checking a cookie hashes only the payload.
#[derive(Clone)]
pub struct CookieKey(Hmac<Sha256>);

impl std::fmt::Debug for CookieKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CookieKey(..)")
    }
}

/// Why a secret cannot sign cookies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("personalization_secret must be at least {MIN_SECRET_BYTES} bytes (it has {0})")]
pub struct WeakSecret(pub usize);

impl CookieKey {
    pub fn new(secret: &str) -> Result<CookieKey, WeakSecret> {
        let secret = secret.trim();
        if secret.len() < MIN_SECRET_BYTES {
            return Err(WeakSecret(secret.len()));
        }
        // HMAC takes keys of any length.
        let mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        Ok(CookieKey(mac))
    }

    /// Whether `tag` is this key's tag of `payload`, compared in constant
    /// time; a tag of any other length never is.
    fn verifies(&self, payload: &[u8], tag: &[u8]) -> bool {
        if tag.len() != TAG_BYTES {
            return false;
        }
        let mut mac = self.0.clone();
        mac.update(DOMAIN);
        mac.update(payload);
        mac.verify_truncated_left(tag).is_ok()
    }

    fn tag(&self, payload: &[u8]) -> [u8; TAG_BYTES] {
        let mut mac = self.0.clone();
        mac.update(DOMAIN);
        mac.update(payload);
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; TAG_BYTES];
        tag.copy_from_slice(&full[..TAG_BYTES]);
        tag
    }
}

impl Profile {
    /// A new identity from 16 random bytes.
    pub fn issue(random: [u8; 16], now: u64) -> Profile {
        Profile {
            format: FORMAT,
            id: hex::encode(random),
            issued: now,
            sticky: BTreeMap::new(),
            recent: Vec::new(),
        }
    }

    /// Records a product view: newest first, once each, at most
    /// [`MAX_RECENT`].
    pub fn viewed(&mut self, sku: &str) {
        self.recent.retain(|s| s != sku);
        self.recent.insert(0, sku.to_owned());
        self.recent.truncate(MAX_RECENT);
    }

    /// The cookie value: `base64url(json).base64url(hmac)`.
    pub fn encode(&self, key: &CookieKey) -> String {
        let mut trimmed = self.clone();
        trimmed.recent.truncate(MAX_RECENT);
        while trimmed.sticky.len() > MAX_STICKY {
            // Oldest assignments are not known; drop by key order, which
            // only costs re-randomising an experiment nobody runs long.
            let first = trimmed.sticky.keys().next().cloned().unwrap_or_default();
            trimmed.sticky.remove(&first);
        }
        let json = serde_json::to_vec(&trimmed).unwrap_or_default();
        let payload = URL_SAFE_NO_PAD.encode(&json);
        let tag = URL_SAFE_NO_PAD.encode(key.tag(payload.as_bytes()));
        format!("{payload}.{tag}")
    }

    /// Reads and verifies a cookie value at `now`.
    pub fn decode(value: &str, key: &CookieKey, now: u64) -> Result<Profile, CookieError> {
        if value.len() > MAX_COOKIE_BYTES {
            return Err(CookieError::TooLong);
        }
        let (payload, tag) = value.split_once('.').ok_or(CookieError::Malformed)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| CookieError::Malformed)?;
        if !key.verifies(payload.as_bytes(), &tag) {
            return Err(CookieError::BadSignature);
        }
        let json = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| CookieError::Malformed)?;
        let profile: Profile = serde_json::from_slice(&json).map_err(|_| CookieError::Malformed)?;
        if profile.format != FORMAT {
            return Err(CookieError::UnknownFormat);
        }
        let id_ok = profile.id.len() == 32 && profile.id.bytes().all(|b| b.is_ascii_hexdigit());
        let fits = profile.recent.len() <= MAX_RECENT
            && profile.sticky.len() <= MAX_STICKY
            && profile.recent.iter().all(|s| plausible_sku(s));
        if !id_ok || !fits {
            return Err(CookieError::Malformed);
        }
        if profile.issued.saturating_add(MAX_AGE_S) < now || profile.issued > now + 300 {
            return Err(CookieError::Expired);
        }
        Ok(profile)
    }
}

fn plausible_sku(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie_value<'a, H: RequestHeaders + ?Sized>(headers: &'a H, name: &str) -> Option<&'a str> {
    let mut found = None;
    headers.for_each_value("cookie", &mut |v| {
        if found.is_some() {
            return;
        }
        let Ok(text) = std::str::from_utf8(v) else {
            return;
        };
        found = text.split(';').find_map(|pair| {
            let (n, value) = pair.trim().split_once('=')?;
            (n == name).then_some(value.trim_matches('"'))
        });
    });
    found
}

/// What the request's cookie gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// No cookie.
    None,
    Valid(Profile),
    /// A cookie that was not used, and why (it is replaced or cleared).
    Refused(CookieError),
}

/// Reads the identity cookie from `headers`.
pub fn read<H: RequestHeaders + ?Sized>(headers: &H, key: &CookieKey, now: u64) -> Sent {
    match cookie_value(headers, COOKIE) {
        None => Sent::None,
        Some(value) => match Profile::decode(value, key, now) {
            Ok(profile) => Sent::Valid(profile),
            Err(e) => Sent::Refused(e),
        },
    }
}

/// `Set-Cookie` for `profile`: first-party, script-inaccessible, HTTPS
/// only, sent on top-level navigations; it lives [`MAX_AGE_S`] from issue.
pub fn set_cookie(profile: &Profile, key: &CookieKey, now: u64) -> String {
    let left = profile.issued.saturating_add(MAX_AGE_S).saturating_sub(now);
    format!(
        "{COOKIE}={}; Path=/; Max-Age={left}; HttpOnly; Secure; SameSite=Lax",
        profile.encode(key)
    )
}

/// `Set-Cookie` that deletes the cookie (consent withdrawn, or forged).
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax")
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_780_000_000;

    fn key() -> CookieKey {
        CookieKey::new("a-test-secret-of-at-least-thirty-two-bytes").expect("key")
    }

    fn profile() -> Profile {
        let mut p = Profile::issue([7; 16], NOW);
        p.sticky.insert("hero-preset__0".into(), "1".into());
        p.viewed("MRD-SILK-SCARF");
        p
    }

    #[test]
    fn round_trips_and_verifies() {
        let p = profile();
        let value = p.encode(&key());
        assert_eq!(Profile::decode(&value, &key(), NOW + 10), Ok(p));
        assert!(value.len() < 300, "{} bytes", value.len());
    }

    #[test]
    fn refuses_tampering_other_keys_and_age() {
        let value = profile().encode(&key());
        let (payload, tag) = value.split_once('.').expect("dot");
        let mut json = URL_SAFE_NO_PAD.decode(payload).expect("b64");
        // Change one byte of the id.
        let at = json.iter().position(|b| *b == b'0').expect("a zero");
        json[at] = b'1';
        let forged = format!("{}.{tag}", URL_SAFE_NO_PAD.encode(&json));
        assert_eq!(
            Profile::decode(&forged, &key(), NOW),
            Err(CookieError::BadSignature)
        );
        let other = CookieKey::new("another-secret-of-at-least-thirty-two-b").expect("key");
        assert_eq!(
            Profile::decode(&value, &other, NOW),
            Err(CookieError::BadSignature)
        );
        // A prefix of the right tag is no tag.
        let tag_bytes = URL_SAFE_NO_PAD.decode(tag).expect("b64 tag");
        for n in [1, TAG_BYTES - 1] {
            let short = format!("{payload}.{}", URL_SAFE_NO_PAD.encode(&tag_bytes[..n]));
            assert_eq!(
                Profile::decode(&short, &key(), NOW),
                Err(CookieError::BadSignature),
                "{n} bytes"
            );
        }
        assert_eq!(
            Profile::decode(&value, &key(), NOW + MAX_AGE_S + 1),
            Err(CookieError::Expired)
        );
        for bad in ["", "abc", "a.b.c", "!!!.???"] {
            assert!(Profile::decode(bad, &key(), NOW).is_err(), "{bad}");
        }
        let long = "a".repeat(MAX_COOKIE_BYTES + 1);
        assert_eq!(
            Profile::decode(&long, &key(), NOW),
            Err(CookieError::TooLong)
        );
        assert_eq!(CookieKey::new("short").err(), Some(WeakSecret(5)));
    }

    #[test]
    fn a_signed_cookie_with_bad_content_is_refused() {
        let k = key();
        let mut p = profile();
        p.id = "not-hex".into();
        assert_eq!(
            Profile::decode(&p.encode(&k), &k, NOW),
            Err(CookieError::Malformed)
        );
        let mut p = profile();
        p.format = 9;
        assert_eq!(
            Profile::decode(&p.encode(&k), &k, NOW),
            Err(CookieError::UnknownFormat)
        );
    }

    #[test]
    fn recent_views_are_bounded_and_deduplicated() {
        let mut p = profile();
        for i in 0..20 {
            p.viewed(&format!("SKU-{i}"));
        }
        p.viewed("SKU-15");
        assert_eq!(p.recent.len(), MAX_RECENT);
        assert_eq!(p.recent[0], "SKU-15");
        assert_eq!(p.recent.iter().filter(|s| *s == "SKU-15").count(), 1);
    }

    #[test]
    fn reads_the_cookie_among_others() {
        let k = key();
        let value = profile().encode(&k);
        let headers = vec![(
            "cookie".to_owned(),
            format!("a=1; {COOKIE}={value}; euconsent-v2=xyz"),
        )];
        assert_eq!(read(&headers, &k, NOW), Sent::Valid(profile()));
        let none: Vec<(String, String)> = vec![("cookie".into(), "a=1".into())];
        assert_eq!(read(&none, &k, NOW), Sent::None);
        let forged = vec![("cookie".to_owned(), format!("{COOKIE}=e30.AAAA"))];
        assert_eq!(
            read(&forged, &k, NOW),
            Sent::Refused(CookieError::BadSignature)
        );
    }

    #[test]
    fn set_and_clear_headers() {
        let k = key();
        let set = set_cookie(&profile(), &k, NOW + 100);
        assert!(set.starts_with("meridian_p="));
        assert!(set.contains(&format!("Max-Age={}", MAX_AGE_S - 100)));
        for attr in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
            assert!(set.contains(attr), "{set}");
        }
        assert!(clear_cookie().contains("Max-Age=0"));
    }
}
