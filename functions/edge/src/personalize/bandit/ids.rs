//! The identifiers that name a bandit's state in the key-value store. They
//! become part of a key, so only a closed alphabet is accepted: nothing that
//! could add a path segment or collide with another experiment's key.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::BanditError;

/// Longest experiment id: keeps store keys short and bounded.
pub const MAX_EXPERIMENT_LEN: usize = 64;

/// An experiment id: 1 to 64 characters of `[a-z0-9_-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ExperimentId(String);

impl ExperimentId {
    pub fn parse(id: &str) -> Result<ExperimentId, BanditError> {
        let allowed =
            |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_';
        if id.is_empty() || id.len() > MAX_EXPERIMENT_LEN || !id.bytes().all(allowed) {
            return Err(BanditError::ExperimentInvalid { id: id.to_owned() });
        }
        Ok(ExperimentId(id.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A market: exactly two uppercase ASCII letters (`ZZ`, the strict default
/// pack, included: it is a market the gate assigns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MarketCode([u8; 2]);

impl MarketCode {
    pub fn parse(market: &str) -> Result<MarketCode, BanditError> {
        match market.as_bytes() {
            &[a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Ok(MarketCode([a, b])),
            _ => Err(BanditError::MarketInvalid {
                market: market.to_owned(),
            }),
        }
    }

    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII uppercase letters (checked in `parse`).
        std::str::from_utf8(&self.0).unwrap_or("ZZ")
    }
}

impl fmt::Display for ExperimentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for MarketCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for ExperimentId {
    type Error = BanditError;
    fn try_from(id: String) -> Result<Self, Self::Error> {
        ExperimentId::parse(&id)
    }
}

impl From<ExperimentId> for String {
    fn from(id: ExperimentId) -> String {
        id.0
    }
}

impl TryFrom<String> for MarketCode {
    type Error = BanditError;
    fn try_from(market: String) -> Result<Self, Self::Error> {
        MarketCode::parse(&market)
    }
}

impl From<MarketCode> for String {
    fn from(market: MarketCode) -> String {
        market.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn experiment_ids_accept_only_the_closed_alphabet() {
        let longest = "x".repeat(MAX_EXPERIMENT_LEN);
        let too_long = "x".repeat(MAX_EXPERIMENT_LEN + 1);
        for ok in ["hero-banner", "exp_2026_12", "a", longest.as_str()] {
            assert_eq!(ExperimentId::parse(ok).expect("valid id").as_str(), ok);
        }
        for bad in [
            "",
            "Hero",
            "a/b",
            "../x",
            "a b",
            "é",
            "a.b",
            too_long.as_str(),
        ] {
            assert_eq!(
                ExperimentId::parse(bad),
                Err(BanditError::ExperimentInvalid { id: bad.to_owned() }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn markets_are_two_uppercase_letters() {
        assert_eq!(MarketCode::parse("DE").expect("valid").as_str(), "DE");
        assert_eq!(MarketCode::parse("ZZ").expect("valid").to_string(), "ZZ");
        for bad in ["de", "D", "DEU", "", "D1", "D/", "ÄB"] {
            assert!(MarketCode::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ids_are_validated_when_decoded() {
        assert!(serde_json::from_str::<MarketCode>("\"FR\"").is_ok());
        assert!(serde_json::from_str::<MarketCode>("\"fr\"").is_err());
        assert!(serde_json::from_str::<ExperimentId>("\"a/b\"").is_err());
    }
}
