//! Request signing: HMAC-SHA256 over every part that changes the meaning of
//! a call (method, path, query, content type, region, timestamp, nonce and
//! the SHA-256 digest of the body), with a replay window.
//!
//! The body's digest travels in its own header and is signed, so a server
//! checks the signature from the headers alone, before it reads a byte of
//! the body, then checks the body against the digest as it arrives.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Unix seconds at which the caller signed.
pub const TIMESTAMP_HEADER: &str = "meridian-timestamp";
/// `v2=<hex hmac>`.
pub const SIGNATURE_HEADER: &str = "meridian-signature";
/// A value the caller never signs twice (16 to 64 of `[A-Za-z0-9_-]`); the
/// server remembers it for the replay window and refuses it a second time.
pub const NONCE_HEADER: &str = "meridian-nonce";
/// Hex SHA-256 of the body, signed with the headers.
pub const DIGEST_HEADER: &str = "meridian-content-sha256";

/// Version tag of the signed string and the signature header.
const VERSION: &str = "v2";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the call is not signed (missing {0} header)")]
    Missing(&'static str),
    #[error("the {0} header is malformed")]
    Malformed(&'static str),
    #[error("the signature is outside the replay window ({skew_s} s off, window {window_s} s)")]
    Expired { skew_s: u64, window_s: u64 },
    #[error("the signature does not match the request")]
    Mismatch,
    #[error("the body does not match its signed digest")]
    DigestMismatch,
    #[error("this signed call was already received (replay)")]
    Replayed,
}

impl SignatureError {
    /// Machine code for refusals.
    pub fn code(&self) -> &'static str {
        match self {
            SignatureError::Missing(_) => "signature-missing",
            SignatureError::Malformed(_) => "signature-malformed",
            SignatureError::Expired { .. } => "signature-expired",
            SignatureError::Mismatch => "signature-mismatch",
            SignatureError::DigestMismatch => "body-digest-mismatch",
            SignatureError::Replayed => "signature-replayed",
        }
    }
}

/// What a caller signs.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// The query string without `?`; empty when there is none.
    pub query: &'a str,
    pub content_type: &'a str,
    /// The region the call is bound to; empty when it is not region-bound.
    pub region: &'a str,
    pub timestamp: u64,
    pub nonce: &'a str,
    pub body: &'a [u8],
}

/// What a server checks a call's headers against; `None` where a header is
/// absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct Call<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub region: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub digest: Option<&'a str>,
    pub signature: Option<&'a str>,
}

/// A call whose headers verified; its body is still to be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    digest: [u8; 32],
    /// Unix seconds the caller signed at.
    pub timestamp: u64,
    /// The call's nonce, for the replay cache.
    pub nonce: String,
}

impl Verified {
    /// Checks the whole body against the signed digest.
    pub fn check_body(&self, body: &[u8]) -> Result<(), SignatureError> {
        if secrets_match(&Sha256::digest(body), &self.digest) {
            Ok(())
        } else {
            Err(SignatureError::DigestMismatch)
        }
    }
}

/// Hex SHA-256 of a body, the value of [`DIGEST_HEADER`].
pub fn body_digest(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// Compares two secrets in time independent of where they differ and of
/// their lengths: both are hashed under a fixed key and the tags compared
/// in constant time (`hmac`'s `verify_slice`).
pub fn secrets_match(given: &[u8], expected: &[u8]) -> bool {
    let tag = |v: &[u8]| {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"meridian secret comparison")
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(v);
        mac
    };
    let expected = tag(expected).finalize().into_bytes();
    tag(given).verify_slice(&expected).is_ok()
}

/// Keys that shipped as defaults or in examples: public, so never a secret.
pub const DEVELOPMENT_KEYS: &[&str] = &["meridian-dev-signing-key"];

/// Shortest signing key accepted outside development mode, bytes.
pub const MIN_KEY_BYTES: usize = 32;

/// Why `key` is unfit outside development mode, or `None` when it is fine.
pub fn weak_key(key: &str) -> Option<String> {
    if DEVELOPMENT_KEYS.contains(&key) {
        Some("it is the public development key".to_owned())
    } else if key.len() < MIN_KEY_BYTES {
        Some(format!(
            "it is {} bytes; at least {MIN_KEY_BYTES} are needed",
            key.len()
        ))
    } else {
        None
    }
}

fn valid_nonce(nonce: &str) -> bool {
    (16..=64).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Signs and verifies calls with one shared key.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(<redacted>)")
    }
}

impl Signer {
    pub fn new(key: impl AsRef<[u8]>) -> Signer {
        Signer {
            key: key.as_ref().to_vec(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn mac(
        &self,
        method: &str,
        path: &str,
        query: &str,
        content_type: &str,
        region: &str,
        timestamp: u64,
        nonce: &str,
        digest_hex: &str,
    ) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        // Header values cannot hold a newline, so the fields cannot run
        // into each other.
        mac.update(
            format!(
                "{VERSION}\n{method}\n{path}\n{query}\n{content_type}\n{region}\n{timestamp}\n{nonce}\n{digest_hex}"
            )
            .as_bytes(),
        );
        mac
    }

    /// The `meridian-signature` header value for a call.
    pub fn sign(&self, call: &Signed<'_>) -> String {
        let tag = self
            .mac(
                call.method,
                call.path,
                call.query,
                call.content_type,
                call.region,
                call.timestamp,
                call.nonce,
                &body_digest(call.body),
            )
            .finalize()
            .into_bytes();
        format!("{VERSION}={}", hex::encode(tag))
    }

    /// Every header a signed call carries: content type, region (when
    /// bound to one), timestamp, nonce, body digest and signature.
    pub fn headers(&self, call: &Signed<'_>) -> Vec<(&'static str, String)> {
        let mut headers = vec![("content-type", call.content_type.to_owned())];
        if !call.region.is_empty() {
            headers.push((super::REGION_HEADER, call.region.to_owned()));
        }
        headers.extend([
            (TIMESTAMP_HEADER, call.timestamp.to_string()),
            (NONCE_HEADER, call.nonce.to_owned()),
            (DIGEST_HEADER, body_digest(call.body)),
            (SIGNATURE_HEADER, self.sign(call)),
        ]);
        headers
    }

    /// Checks a call's headers at `now` (unix seconds), allowing `window_s`
    /// of clock skew either way. The body is not needed: the returned
    /// [`Verified`] checks it against the signed digest afterwards. The
    /// nonce's uniqueness is the server's to check (a replay cache).
    pub fn verify_headers(
        &self,
        call: Call<'_>,
        now: u64,
        window_s: u64,
    ) -> Result<Verified, SignatureError> {
        let timestamp = call
            .timestamp
            .ok_or(SignatureError::Missing(TIMESTAMP_HEADER))?;
        let signature = call
            .signature
            .ok_or(SignatureError::Missing(SIGNATURE_HEADER))?;
        let nonce = call.nonce.ok_or(SignatureError::Missing(NONCE_HEADER))?;
        let digest_hex = call.digest.ok_or(SignatureError::Missing(DIGEST_HEADER))?;
        let timestamp: u64 = timestamp
            .trim()
            .parse()
            .map_err(|_| SignatureError::Malformed(TIMESTAMP_HEADER))?;
        let tag = signature
            .trim()
            .strip_prefix("v2=")
            .and_then(|h| hex::decode(h).ok())
            .ok_or(SignatureError::Malformed(SIGNATURE_HEADER))?;
        if !valid_nonce(nonce) {
            return Err(SignatureError::Malformed(NONCE_HEADER));
        }
        let digest: [u8; 32] = hex::decode(digest_hex)
            .ok()
            .and_then(|d| d.try_into().ok())
            .ok_or(SignatureError::Malformed(DIGEST_HEADER))?;
        let skew_s = now.abs_diff(timestamp);
        if skew_s > window_s {
            return Err(SignatureError::Expired { skew_s, window_s });
        }
        self.mac(
            call.method,
            call.path,
            call.query.unwrap_or_default(),
            call.content_type.unwrap_or_default(),
            call.region.unwrap_or_default(),
            timestamp,
            nonce,
            // The digest as received (lower-case hex is what callers send).
            digest_hex,
        )
        .verify_slice(&tag)
        .map_err(|_| SignatureError::Mismatch)?;
        Ok(Verified {
            digest,
            timestamp,
            nonce: nonce.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;
    const PATH: &str = "/rpc/imaging/render";
    const NONCE: &str = "0123456789abcdef0123";

    fn signed(body: &[u8]) -> Signed<'_> {
        Signed {
            method: "POST",
            path: PATH,
            query: "",
            content_type: "application/json",
            region: "eu",
            timestamp: NOW,
            nonce: NONCE,
            body,
        }
    }

    /// The server's view of the headers `signed` produces.
    fn received<'a>(headers: &'a [(&'static str, String)]) -> Call<'a> {
        let h = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.as_str())
        };
        Call {
            method: "POST",
            path: PATH,
            query: None,
            content_type: h("content-type"),
            region: h(super::super::REGION_HEADER),
            timestamp: h(TIMESTAMP_HEADER),
            nonce: h(NONCE_HEADER),
            digest: h(DIGEST_HEADER),
            signature: h(SIGNATURE_HEADER),
        }
    }

    #[test]
    fn accepts_its_own_signature_and_checks_the_body_after() {
        let s = Signer::new("k3y");
        let headers = s.headers(&signed(b"{}"));
        let verified = s
            .verify_headers(received(&headers), NOW + 10, 60)
            .expect("verifies");
        assert_eq!(verified.nonce, NONCE);
        assert_eq!(verified.check_body(b"{}"), Ok(()));
        assert_eq!(
            verified.check_body(b"{ }"),
            Err(SignatureError::DigestMismatch)
        );
    }

    #[test]
    fn refuses_tampering_of_any_signed_part() {
        let s = Signer::new("k3y");
        let headers = s.headers(&signed(b"{}"));
        let call = received(&headers);
        let later = (NOW + 1).to_string();
        let other_digest = body_digest(b"{ }");
        let tampered = [
            Call {
                method: "GET",
                ..call
            },
            Call {
                path: "/rpc/imaging/other",
                ..call
            },
            Call {
                query: Some("x=1"),
                ..call
            },
            Call {
                content_type: Some("text/plain"),
                ..call
            },
            Call {
                content_type: None,
                ..call
            },
            Call {
                region: Some("us"),
                ..call
            },
            Call {
                region: None,
                ..call
            },
            Call {
                timestamp: Some(&later),
                ..call
            },
            Call {
                nonce: Some("fedcba9876543210fedc"),
                ..call
            },
            Call {
                digest: Some(&other_digest),
                ..call
            },
        ];
        for c in tampered {
            assert_eq!(
                s.verify_headers(c, NOW, 60),
                Err(SignatureError::Mismatch),
                "{c:?}"
            );
        }
        let other = Signer::new("other").headers(&signed(b"{}"));
        assert_eq!(
            s.verify_headers(received(&other), NOW, 60),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn refuses_missing_malformed_and_expired() {
        let s = Signer::new("k3y");
        let headers = s.headers(&signed(b"{}"));
        let call = received(&headers);
        let cases = [
            (
                Call {
                    timestamp: None,
                    ..call
                },
                NOW,
                SignatureError::Missing(TIMESTAMP_HEADER),
            ),
            (
                Call {
                    signature: None,
                    ..call
                },
                NOW,
                SignatureError::Missing(SIGNATURE_HEADER),
            ),
            (
                Call {
                    nonce: None,
                    ..call
                },
                NOW,
                SignatureError::Missing(NONCE_HEADER),
            ),
            (
                Call {
                    digest: None,
                    ..call
                },
                NOW,
                SignatureError::Missing(DIGEST_HEADER),
            ),
            (
                Call {
                    timestamp: Some("soon"),
                    ..call
                },
                NOW,
                SignatureError::Malformed(TIMESTAMP_HEADER),
            ),
            (
                Call {
                    signature: Some("v1=00"),
                    ..call
                },
                NOW,
                SignatureError::Malformed(SIGNATURE_HEADER),
            ),
            (
                Call {
                    signature: Some("v2=zz"),
                    ..call
                },
                NOW,
                SignatureError::Malformed(SIGNATURE_HEADER),
            ),
            (
                Call {
                    nonce: Some("short"),
                    ..call
                },
                NOW,
                SignatureError::Malformed(NONCE_HEADER),
            ),
            (
                Call {
                    nonce: Some("has spaces in it, sixteen+"),
                    ..call
                },
                NOW,
                SignatureError::Malformed(NONCE_HEADER),
            ),
            (
                Call {
                    digest: Some("abcd"),
                    ..call
                },
                NOW,
                SignatureError::Malformed(DIGEST_HEADER),
            ),
            (
                call,
                NOW + 61,
                SignatureError::Expired {
                    skew_s: 61,
                    window_s: 60,
                },
            ),
            (
                call,
                NOW - 61,
                SignatureError::Expired {
                    skew_s: 61,
                    window_s: 60,
                },
            ),
        ];
        for (c, now, want) in cases {
            assert_eq!(s.verify_headers(c, now, 60), Err(want));
        }
    }

    #[test]
    fn development_and_short_keys_are_weak() {
        assert!(weak_key("meridian-dev-signing-key").is_some());
        assert!(weak_key("short").is_some());
        assert!(weak_key(&"k".repeat(31)).is_some());
        assert_eq!(weak_key(&"k".repeat(32)), None);
    }

    #[test]
    fn secrets_compare_by_value_only() {
        assert!(secrets_match(b"token", b"token"));
        assert!(!secrets_match(b"token", b"tokem"));
        assert!(!secrets_match(b"tok", b"token"));
        assert!(!secrets_match(b"", b"token"));
        assert!(secrets_match(b"", b""));
    }
}
