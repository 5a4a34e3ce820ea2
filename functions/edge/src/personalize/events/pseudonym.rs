//! Pseudonyms and networks: what identifies a shopper is transformed at
//! the edge, before anything is forwarded.
//!
//! A day key is HMAC-SHA256(secret, `events-key/<YYYY-MM-DD>`) for the
//! UTC day of the edge's clock; a pseudonym is the first 16 bytes, hex,
//! of HMAC-SHA256(day key, shopper id). Pseudonyms of one shopper join
//! within a day and not across days, and nobody without the secret can
//! go from a pseudonym back to the cookie's id.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hmac::digest::Key;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::policy::audit::rfc3339;

/// The shortest secret accepted: as long as the hash.
pub const MIN_SECRET_BYTES: usize = 32;
/// Pseudonym length in bytes (32 hex characters).
pub const PSEUDONYM_BYTES: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the events pseudonym secret must be at least {MIN_SECRET_BYTES} bytes, not {0}")]
    TooShort(usize),
    #[error("the events pseudonym secret cannot key HMAC-SHA256: {0}")]
    Key(String),
}

/// The long-lived secret (a Spin secret variable), kept per instance.
#[derive(Clone)]
pub struct PseudonymSecret {
    mac: Hmac<Sha256>,
    /// Tells secrets apart in key ids without saying anything about them.
    fingerprint: String,
}

impl fmt::Debug for PseudonymSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PseudonymSecret({})", self.fingerprint)
    }
}

impl PseudonymSecret {
    pub fn new(secret: &[u8]) -> Result<PseudonymSecret, SecretError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(SecretError::TooShort(secret.len()));
        }
        let mac =
            Hmac::<Sha256>::new_from_slice(secret).map_err(|e| SecretError::Key(e.to_string()))?;
        let id = mac.clone().chain_update(b"events-key-id").finalize();
        let fingerprint = hex::encode(id.into_bytes().get(..4).unwrap_or_default());
        Ok(PseudonymSecret { mac, fingerprint })
    }

    /// The key for the UTC day of `now_ms` (Unix milliseconds).
    pub fn day_key(&self, now_ms: u64) -> DayKey {
        let stamp = rfc3339(now_ms / 1000);
        let day = stamp.split('T').next().unwrap_or_default();
        let key = self
            .mac
            .clone()
            .chain_update(format!("events-key/{day}").as_bytes())
            .finalize()
            .into_bytes();
        // HMAC pads keys shorter than the block with zeros, so the 32-byte
        // key zero-padded to the 64-byte block is the same key; this form
        // cannot fail.
        let mut block = Key::<Hmac<Sha256>>::default();
        if let Some(head) = block.get_mut(..key.len()) {
            head.copy_from_slice(&key);
        }
        DayKey {
            mac: Hmac::<Sha256>::new(&block),
            id: format!("{day}.{}", self.fingerprint),
        }
    }
}

/// One day's key and its id (`2026-09-21.3f9a01c2`).
#[derive(Clone)]
pub struct DayKey {
    mac: Hmac<Sha256>,
    id: String,
}

impl fmt::Debug for DayKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DayKey({})", self.id)
    }
}

impl DayKey {
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The shopper id's pseudonym under this key: 32 hex characters.
    pub fn pseudonym(&self, shopper_id: &str) -> String {
        let mac = self
            .mac
            .clone()
            .chain_update(shopper_id.as_bytes())
            .finalize()
            .into_bytes();
        hex::encode(mac.get(..PSEUDONYM_BYTES).unwrap_or_default())
    }
}

/// The client's network: IPv4 /24, IPv6 /48 (an IPv4-mapped IPv6
/// address counts as IPv4).
pub fn client_network(ip: IpAddr) -> String {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => format!("{}/24", Ipv4Addr::from(u32::from(v4) & 0xffff_ff00)),
        IpAddr::V6(v6) => format!("{}/48", Ipv6Addr::from(u128::from(v6) & (!0u128 << 80))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 86_400_000;
    /// 2026-09-21T14:13:20Z.
    const NOW: u64 = 1_790_000_000_000;

    fn secret(fill: u8) -> PseudonymSecret {
        PseudonymSecret::new(&[fill; 32]).expect("32 bytes is enough")
    }

    fn reference(secret: &[u8], day: &str, id: &str) -> String {
        let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
        m.update(format!("events-key/{day}").as_bytes());
        let key = m.finalize().into_bytes();
        let mut m = Hmac::<Sha256>::new_from_slice(&key).expect("any key length");
        m.update(id.as_bytes());
        hex::encode(&m.finalize().into_bytes()[..16])
    }

    #[test]
    fn pseudonyms_are_the_documented_hmac() {
        let key = secret(7).day_key(NOW);
        let p = key.pseudonym("shopper-123");
        assert_eq!(p, reference(&[7; 32], "2026-09-21", "shopper-123"));
        assert_eq!(p.len(), 32);
        assert!(key.id().starts_with("2026-09-21."), "{}", key.id());
    }

    #[test]
    fn stable_within_a_day_different_across_days_and_secrets() {
        let s = secret(7);
        let start_of_day = NOW - NOW % DAY;
        let morning = s.day_key(start_of_day).pseudonym("shopper-123");
        let night = s.day_key(start_of_day + DAY - 1).pseudonym("shopper-123");
        let next = s.day_key(start_of_day + DAY);
        assert_eq!(morning, night);
        assert_eq!(
            s.day_key(start_of_day).id(),
            s.day_key(start_of_day + DAY - 1).id()
        );
        assert_ne!(morning, next.pseudonym("shopper-123"));
        assert_ne!(s.day_key(NOW).id(), next.id());

        let other = secret(8).day_key(NOW);
        assert_ne!(
            other.pseudonym("shopper-123"),
            s.day_key(NOW).pseudonym("shopper-123")
        );
        assert_ne!(other.id(), s.day_key(NOW).id(), "the fingerprint differs");
        assert_ne!(
            s.day_key(NOW).pseudonym("shopper-124"),
            s.day_key(NOW).pseudonym("shopper-123")
        );
    }

    #[test]
    fn short_secrets_are_refused_and_never_printed() {
        assert_eq!(
            PseudonymSecret::new(&[1; 31]).map(|_| ()),
            Err(SecretError::TooShort(31))
        );
        let s = PseudonymSecret::new(b"a secret that is thirty-two long").expect("32 bytes");
        let shown = format!("{s:?} {:?}", s.day_key(NOW));
        assert!(!shown.contains("thirty-two"), "{shown}");
    }

    #[test]
    fn networks_are_truncated() {
        let net = |s: &str| client_network(s.parse().expect("an address"));
        assert_eq!(net("203.0.113.77"), "203.0.113.0/24");
        assert_eq!(net("10.1.2.255"), "10.1.2.0/24");
        assert_eq!(net("2001:db8:1234:5678::1"), "2001:db8:1234::/48");
        assert_eq!(net("2001:db8:12ff:ffff:ffff::"), "2001:db8:12ff::/48");
        assert_eq!(net("::ffff:198.51.100.9"), "198.51.100.0/24");
        assert_eq!(net("::1"), "::/48");
    }
}
