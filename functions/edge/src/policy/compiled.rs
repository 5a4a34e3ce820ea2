//! The pack set in a compact binary form (postcard), so a component decodes
//! only the packs one request needs (microseconds) instead of parsing and
//! validating every TOML file (about a millisecond natively, more in Wasm).
//!
//! Validation happens once, when a set is compiled: at build time for the
//! shipped packs (`policy/compiled.bin`, kept current by a test) and when
//! an operator publishes a pack (the market component's admin route). A
//! blob therefore always holds a set that validated as a whole.

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::codes::DEFAULT_MARKET;
use super::embargo::EmbargoList;
use super::merchant::MerchantPolicy;
use super::pack::{MarketPack, PackError, PackProblem};
use super::set::{PackSet, normalise_subdivision};

/// The shipped packs, compiled (`cargo run -p meridian-edge --example compile-policy`).
pub const EMBEDDED_COMPILED: &[u8] = include_bytes!("../../policy/compiled.bin");

/// Bumped whenever the layout below or a pack type changes shape.
const FORMAT: u32 = 2;

/// The layout, written from owned parts ...
#[derive(Serialize)]
struct BlobOut<'a> {
    format: u32,
    version: &'a str,
    /// Postcard-encoded [`MerchantPolicy`] and [`EmbargoList`].
    merchant: Vec<u8>,
    embargo: Vec<u8>,
    /// `(market, postcard-encoded MarketPack)`, sorted by market, `ZZ` included.
    markets: Vec<(&'a str, Vec<u8>)>,
    /// Files that replace or add to the shipped ones, as published.
    overrides: Vec<(&'a str, &'a str)>,
}

/// ... and read borrowing every part from the bytes (a `Vec<u8>` would be
/// decoded byte by byte: most of the cost of a request).
#[derive(Deserialize)]
struct Blob<'a> {
    format: u32,
    version: &'a str,
    merchant: &'a [u8],
    embargo: &'a [u8],
    #[serde(borrow)]
    markets: Vec<(&'a str, &'a [u8])>,
    #[serde(borrow)]
    overrides: Vec<(&'a str, &'a str)>,
}

fn corrupt(detail: impl std::fmt::Display) -> PackError {
    PackError::new(
        "compiled policy",
        PackProblem::Parse(format!("not a compiled pack set: {detail}")),
    )
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, PackError> {
    postcard::to_allocvec(value).map_err(corrupt)
}

fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, PackError> {
    postcard::from_bytes(bytes).map_err(corrupt)
}

impl PackSet {
    /// This set in the compiled form; `overrides` are the published files
    /// (name, TOML) kept with it so a later publish can start from them.
    pub fn compile(&self, overrides: &[(String, String)]) -> Result<Vec<u8>, PackError> {
        let mut markets = self
            .packs()
            .map(|p| Ok((p.market.as_str(), encode(p)?)))
            .collect::<Result<Vec<_>, PackError>>()?;
        markets.sort_by(|a, b| a.0.cmp(b.0));
        encode(&BlobOut {
            format: FORMAT,
            version: self.version(),
            merchant: encode(self.merchant())?,
            embargo: encode(self.embargo())?,
            markets,
            overrides: overrides
                .iter()
                .map(|(n, t)| (n.as_str(), t.as_str()))
                .collect(),
        })
    }
}

/// A compiled set, borrowed from its bytes; nothing is decoded until asked,
/// and nothing twice: a set held for many requests (a reused instance)
/// decodes the merchant file, the embargo list and each market's pack once.
#[derive(yoke::Yokeable)]
pub struct CompiledPacks<'a> {
    blob: Blob<'a>,
    shared: OnceLock<(Arc<MerchantPolicy>, Arc<EmbargoList>)>,
    /// One slot per entry of `blob.markets`.
    packs: Vec<OnceLock<Arc<MarketPack>>>,
}

impl<'a> CompiledPacks<'a> {
    pub fn decode(bytes: &'a [u8]) -> Result<CompiledPacks<'a>, PackError> {
        let blob: Blob<'a> = decode(bytes)?;
        if blob.format != FORMAT {
            return Err(corrupt(format!(
                "format {} (this build reads {FORMAT})",
                blob.format
            )));
        }
        let packs = blob.markets.iter().map(|_| OnceLock::new()).collect();
        Ok(CompiledPacks {
            blob,
            shared: OnceLock::new(),
            packs,
        })
    }

    /// The shipped packs.
    pub fn embedded() -> Result<CompiledPacks<'static>, PackError> {
        CompiledPacks::decode(EMBEDDED_COMPILED)
    }

    /// [`PackSet::version`] of the compiled set.
    pub fn version(&self) -> &str {
        self.blob.version
    }

    /// The published files this set was built with (empty for the shipped set).
    pub fn overrides(&self) -> impl Iterator<Item = (&str, &str)> {
        self.blob.overrides.iter().copied()
    }

    fn pack(&self, market: &str) -> Result<Option<Arc<MarketPack>>, PackError> {
        let Ok(i) = self
            .blob
            .markets
            .binary_search_by(|(m, _)| (*m).cmp(market))
        else {
            return Ok(None);
        };
        let slot = &self.packs[i];
        if let Some(pack) = slot.get() {
            return Ok(Some(Arc::clone(pack)));
        }
        let pack = Arc::new(decode(self.blob.markets[i].1)?);
        Ok(Some(Arc::clone(slot.get_or_init(|| pack))))
    }

    fn shared(&self) -> Result<(Arc<MerchantPolicy>, Arc<EmbargoList>), PackError> {
        if let Some((m, e)) = self.shared.get() {
            return Ok((Arc::clone(m), Arc::clone(e)));
        }
        let merchant: MerchantPolicy = decode(self.blob.merchant)?;
        let embargo: EmbargoList = decode(self.blob.embargo)?;
        let (m, e) = self
            .shared
            .get_or_init(|| (Arc::new(merchant), Arc::new(embargo)));
        Ok((Arc::clone(m), Arc::clone(e)))
    }

    /// The packs decisions for this country need (its subdivision's, its
    /// own and the default), with the merchant's policy and the embargo
    /// list: what [`PackSet::market`] and [`super::decide`] read for it.
    pub fn for_country(
        &self,
        country: &str,
        subdivision: Option<&str>,
    ) -> Result<PackSet, PackError> {
        let country = country.trim().to_ascii_uppercase();
        let mut wanted: Vec<String> = Vec::with_capacity(2);
        if let Some(sub) = subdivision.and_then(|s| normalise_subdivision(&country, s)) {
            wanted.push(sub);
        }
        if !country.is_empty() {
            wanted.push(country);
        }
        let mut markets = Vec::with_capacity(wanted.len());
        for market in wanted {
            if market != DEFAULT_MARKET
                && let Some(pack) = self.pack(&market)?
            {
                markets.push(pack);
            }
        }
        let default = self
            .pack(DEFAULT_MARKET)?
            .ok_or_else(|| corrupt("it has no default pack"))?;
        let (merchant, embargo) = self.shared()?;
        Ok(PackSet::partial(
            markets,
            default,
            merchant,
            embargo,
            self.blob.version.to_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{PolicyInput, Purpose, decide};

    #[test]
    fn the_shipped_compiled_set_is_current() {
        let fresh = PackSet::embedded()
            .and_then(|s| s.compile(&[]))
            .expect("shipped packs compile");
        assert!(
            fresh == EMBEDDED_COMPILED,
            "functions/edge/policy/compiled.bin is stale: run `cargo run -p meridian-edge --example compile-policy`"
        );
    }

    #[test]
    fn a_country_subset_decides_like_the_whole_set() {
        let whole = PackSet::embedded().expect("shipped packs");
        let compiled = CompiledPacks::embedded().expect("compiled");
        assert_eq!(compiled.version(), whole.version());
        for (country, sub) in [
            ("DE", None),
            ("US", Some("CA")),
            ("US", Some("US-UT")),
            ("CN", None),
            ("AQ", None),
            ("", None),
        ] {
            for purpose in [Purpose::Render, Purpose::Personalize, Purpose::TryOn] {
                let mut input = PolicyInput::new(country, purpose);
                input.subdivision = sub;
                input.sku = Some("MRD-ORBIT-TITANIUM");
                let subset = compiled.for_country(country, sub).expect("subset");
                assert_eq!(
                    decide(&input, &subset),
                    decide(&input, &whole),
                    "{country} {sub:?} {purpose:?}"
                );
            }
        }
    }

    #[test]
    fn garbage_is_refused_not_decoded() {
        for bytes in [
            &b""[..],
            b"\x01",
            b"\xff\xff\xff\xff\xff",
            &EMBEDDED_COMPILED[..10],
        ] {
            assert!(CompiledPacks::decode(bytes).is_err());
        }
    }

    #[test]
    fn a_partial_set_cannot_be_republished() {
        let subset = CompiledPacks::embedded()
            .and_then(|c| c.for_country("DE", None))
            .expect("subset");
        assert!(subset.with_replaced("markets/DE.toml", "").is_err());
    }
}
