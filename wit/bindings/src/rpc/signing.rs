//! Request signing: HMAC-SHA256 over the method, the path, a timestamp and
//! the SHA-256 digest of the body, with a replay window.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Unix seconds at which the caller signed.
pub const TIMESTAMP_HEADER: &str = "meridian-timestamp";
/// `v1=<hex hmac>`.
pub const SIGNATURE_HEADER: &str = "meridian-signature";

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
}

impl SignatureError {
    /// Machine code for refusals.
    pub fn code(&self) -> &'static str {
        match self {
            SignatureError::Missing(_) => "signature-missing",
            SignatureError::Malformed(_) => "signature-malformed",
            SignatureError::Expired { .. } => "signature-expired",
            SignatureError::Mismatch => "signature-mismatch",
        }
    }
}

/// What a server checks a call against.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub body: &'a [u8],
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

    fn mac(&self, method: &str, path: &str, timestamp: u64, body: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        let digest = hex::encode(Sha256::digest(body));
        mac.update(format!("{method}\n{path}\n{timestamp}\n{digest}").as_bytes());
        mac
    }

    /// The `meridian-signature` header value for a call.
    pub fn sign(&self, method: &str, path: &str, timestamp: u64, body: &[u8]) -> String {
        let tag = self
            .mac(method, path, timestamp, body)
            .finalize()
            .into_bytes();
        format!("v1={}", hex::encode(tag))
    }

    /// Checks a call's headers against its method, path and body, at `now`
    /// (unix seconds), allowing `window_s` of clock skew either way.
    pub fn verify(&self, call: Call<'_>, now: u64, window_s: u64) -> Result<(), SignatureError> {
        let timestamp = call
            .timestamp
            .ok_or(SignatureError::Missing(TIMESTAMP_HEADER))?;
        let signature = call
            .signature
            .ok_or(SignatureError::Missing(SIGNATURE_HEADER))?;
        let timestamp: u64 = timestamp
            .trim()
            .parse()
            .map_err(|_| SignatureError::Malformed(TIMESTAMP_HEADER))?;
        let tag = signature
            .trim()
            .strip_prefix("v1=")
            .and_then(|h| hex::decode(h).ok())
            .ok_or(SignatureError::Malformed(SIGNATURE_HEADER))?;
        let skew_s = now.abs_diff(timestamp);
        if skew_s > window_s {
            return Err(SignatureError::Expired { skew_s, window_s });
        }
        self.mac(call.method, call.path, timestamp, call.body)
            .verify_slice(&tag)
            .map_err(|_| SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;
    const PATH: &str = "/rpc/imaging/render";

    fn call<'a>(ts: &'a str, sig: &'a str) -> Call<'a> {
        Call {
            method: "POST",
            path: PATH,
            timestamp: Some(ts),
            signature: Some(sig),
            body: b"{}",
        }
    }

    #[test]
    fn accepts_its_own_signature() {
        let s = Signer::new("k3y");
        let sig = s.sign("POST", PATH, NOW, b"{}");
        let ts = NOW.to_string();
        assert_eq!(s.verify(call(&ts, &sig), NOW + 10, 300), Ok(()));
    }

    #[test]
    fn refuses_tampering_of_any_signed_part() {
        let s = Signer::new("k3y");
        let sig = s.sign("POST", PATH, NOW, b"{}");
        let ts = NOW.to_string();
        let later = (NOW + 1).to_string();
        let tampered = [
            Call {
                method: "GET",
                ..call(&ts, &sig)
            },
            Call {
                path: "/rpc/imaging/other",
                ..call(&ts, &sig)
            },
            call(&later, &sig),
            Call {
                body: b"{ }",
                ..call(&ts, &sig)
            },
        ];
        for c in tampered {
            assert_eq!(
                s.verify(c, NOW, 300),
                Err(SignatureError::Mismatch),
                "{c:?}"
            );
        }
        let other = Signer::new("other").sign("POST", PATH, NOW, b"{}");
        assert_eq!(
            s.verify(call(&ts, &other), NOW, 300),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn refuses_missing_malformed_and_expired() {
        let s = Signer::new("k3y");
        let sig = s.sign("POST", PATH, NOW, b"{}");
        let ts = NOW.to_string();
        let cases = [
            (
                Call {
                    timestamp: None,
                    ..call(&ts, &sig)
                },
                NOW,
                SignatureError::Missing(TIMESTAMP_HEADER),
            ),
            (
                Call {
                    signature: None,
                    ..call(&ts, &sig)
                },
                NOW,
                SignatureError::Missing(SIGNATURE_HEADER),
            ),
            (
                call("soon", &sig),
                NOW,
                SignatureError::Malformed(TIMESTAMP_HEADER),
            ),
            (
                call(&ts, "v2=00"),
                NOW,
                SignatureError::Malformed(SIGNATURE_HEADER),
            ),
            (
                call(&ts, "v1=zz"),
                NOW,
                SignatureError::Malformed(SIGNATURE_HEADER),
            ),
            (
                call(&ts, &sig),
                NOW + 301,
                SignatureError::Expired {
                    skew_s: 301,
                    window_s: 300,
                },
            ),
            (
                call(&ts, &sig),
                NOW - 301,
                SignatureError::Expired {
                    skew_s: 301,
                    window_s: 300,
                },
            ),
        ];
        for (c, now, want) in cases {
            assert_eq!(s.verify(c, now, 300), Err(want));
        }
    }
}
