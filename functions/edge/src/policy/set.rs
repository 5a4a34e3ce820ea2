//! The set of packs in force: every market pack with the merchant's
//! overrides applied, the merchant file and the embargo list, validated
//! together, with one combined version for response headers.

use std::collections::BTreeMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::codes::{self, DEFAULT_MARKET};
use super::embargo::EmbargoList;
use super::merchant::MerchantPolicy;
use super::pack::{MarketPack, PackError, PackProblem};

/// The file name of the merchant's overrides.
pub const MERCHANT_FILE: &str = "merchant.toml";
/// The file name of the embargo list.
pub const EMBARGO_FILE: &str = "embargo.toml";

/// How a request's country found its pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarketMatch<'a> {
    pub pack: &'a MarketPack,
    /// `market-pack`, `market-pack-subdivision`,
    /// `market-pack-country-fallback` or `market-pack-default`.
    pub reason: &'static str,
}

/// All packs in force. Immutable: a reload builds a new set
/// ([`PackSet::with_replaced`]) and the caller swaps it in only if it
/// validated, so a bad file never replaces a good set.
#[derive(Debug, Clone, PartialEq)]
pub struct PackSet {
    /// Every pack but the default.
    markets: BTreeMap<String, Arc<MarketPack>>,
    /// The `ZZ` pack.
    default: Arc<MarketPack>,
    // Shared: a compiled set decodes them once, not per request.
    merchant: Arc<MerchantPolicy>,
    embargo: Arc<EmbargoList>,
    sources: BTreeMap<String, String>,
    version: String,
}

enum Kind {
    Merchant,
    Embargo,
    Market,
}

fn kind(name: &str) -> Option<Kind> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    match base {
        MERCHANT_FILE => Some(Kind::Merchant),
        EMBARGO_FILE => Some(Kind::Embargo),
        b if b.ends_with(".toml") => Some(Kind::Market),
        _ => None,
    }
}

impl PackSet {
    /// Validates every file and builds the set. Files are told apart by
    /// name: `merchant.toml`, `embargo.toml`, and market packs
    /// (`markets/DE.toml`). A `ZZ` default pack is required; the merchant
    /// and embargo files are optional.
    pub fn from_sources<N, T, I>(sources: I) -> Result<PackSet, PackError>
    where
        I: IntoIterator<Item = (N, T)>,
        N: Into<String>,
        T: Into<String>,
    {
        let sources: Vec<(String, String)> = sources
            .into_iter()
            .map(|(n, t)| (n.into(), t.into()))
            .collect();
        let mut merchant = None;
        let mut embargo = None;
        let mut markets: BTreeMap<String, MarketPack> = BTreeMap::new();
        let mut by_market: BTreeMap<String, String> = BTreeMap::new();
        for (name, text) in &sources {
            match kind(name) {
                Some(Kind::Merchant) => {
                    if merchant.is_some() {
                        return Err(PackError::new(name, PackProblem::DuplicateFile("merchant")));
                    }
                    merchant = Some((name.clone(), MerchantPolicy::parse(name, text)?));
                }
                Some(Kind::Embargo) => {
                    if embargo.is_some() {
                        return Err(PackError::new(name, PackProblem::DuplicateFile("embargo")));
                    }
                    embargo = Some(EmbargoList::parse(name, text)?);
                }
                Some(Kind::Market) => {
                    let pack = MarketPack::parse(name, text)?;
                    if by_market.contains_key(&pack.market) {
                        return Err(PackError::new(
                            name,
                            PackProblem::DuplicateMarket(pack.market),
                        ));
                    }
                    by_market.insert(pack.market.clone(), name.clone());
                    markets.insert(pack.market.clone(), pack);
                }
                None => return Err(PackError::new(name, PackProblem::UnknownFileKind)),
            }
        }
        let Some(mut default) = markets.remove(DEFAULT_MARKET) else {
            return Err(PackError::new(
                format!("markets/{DEFAULT_MARKET}.toml"),
                PackProblem::MissingDefault,
            ));
        };
        let (merchant_file, merchant) =
            merchant.unwrap_or_else(|| (MERCHANT_FILE.to_owned(), MerchantPolicy::none()));
        for market in merchant.markets.keys() {
            if !markets.contains_key(market) && market != DEFAULT_MARKET {
                return Err(PackError::new(
                    &merchant_file,
                    PackProblem::Merchant(format!(
                        "`[markets.{market}]` overrides a market without a pack"
                    )),
                ));
            }
        }
        for pack in markets.values_mut().chain(std::iter::once(&mut default)) {
            merchant
                .apply(pack)
                .map_err(|p| PackError::new(&merchant_file, p))?;
        }
        let embargo = embargo.unwrap_or_else(EmbargoList::none);
        let sources: BTreeMap<String, String> = sources.into_iter().collect();
        let version = combined_version(
            markets.values().chain([&default]),
            &merchant,
            &embargo,
            &sources,
        );
        Ok(PackSet {
            markets: markets.into_iter().map(|(m, p)| (m, Arc::new(p))).collect(),
            default: Arc::new(default),
            merchant: Arc::new(merchant),
            embargo: Arc::new(embargo),
            sources,
            version,
        })
    }

    /// A new set with one file replaced (or added). On error the caller
    /// keeps `self`: the previous set stays in force.
    pub fn with_replaced(&self, name: &str, text: &str) -> Result<PackSet, PackError> {
        if self.sources.is_empty() {
            return Err(PackError::new(name, PackProblem::PartialSet));
        }
        let mut sources = self.sources.clone();
        sources.insert(name.to_owned(), text.to_owned());
        PackSet::from_sources(sources)
    }

    /// A short digest over every file's name, declared version and content:
    /// `pk1-` and 12 hex digits. Changes whenever any pack changes.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The pack for a country (ISO 3166-1 alpha-2) and optional
    /// subdivision (`US-CA`, or `CA` with the country): the subdivision's
    /// pack, else the country's, else the default pack.
    pub fn market(&self, country: &str, subdivision: Option<&str>) -> MarketMatch<'_> {
        let country = country.trim().to_ascii_uppercase();
        if let Some(sub) = subdivision.and_then(|s| normalise_subdivision(&country, s))
            && let Some(pack) = self.markets.get(&sub)
        {
            return MarketMatch {
                pack,
                reason: "market-pack-subdivision",
            };
        }
        if codes::is_country(&country)
            && let Some(pack) = self.markets.get(&country)
        {
            let reason = if subdivision.is_some_and(|s| !s.trim().is_empty()) {
                "market-pack-country-fallback"
            } else {
                "market-pack"
            };
            return MarketMatch { pack, reason };
        }
        MarketMatch {
            pack: self.default_pack(),
            reason: "market-pack-default",
        }
    }

    /// The pack for unknown countries (`ZZ`).
    pub fn default_pack(&self) -> &MarketPack {
        &self.default
    }

    /// A pack by its exact market code (`ZZ` is the default pack).
    pub fn pack(&self, market: &str) -> Option<&MarketPack> {
        if market == DEFAULT_MARKET {
            return Some(&self.default);
        }
        self.markets.get(market).map(|p| &**p)
    }

    /// Every pack, by market code, then the default.
    pub fn packs(&self) -> impl Iterator<Item = &MarketPack> {
        self.markets.values().chain([&self.default]).map(|p| &**p)
    }

    pub fn merchant(&self) -> &MerchantPolicy {
        &self.merchant
    }

    pub fn embargo(&self) -> &EmbargoList {
        &self.embargo
    }

    /// A set decoded for one country from the compiled form
    /// ([`super::compiled::CompiledPacks::for_country`]): it decides like
    /// the whole set for that country but has no sources to republish.
    pub(crate) fn partial(
        markets: Vec<Arc<MarketPack>>,
        default: Arc<MarketPack>,
        merchant: Arc<MerchantPolicy>,
        embargo: Arc<EmbargoList>,
        version: String,
    ) -> PackSet {
        PackSet {
            markets: markets.into_iter().map(|p| (p.market.clone(), p)).collect(),
            default,
            merchant,
            embargo,
            sources: BTreeMap::new(),
            version,
        }
    }

    /// The file names in the set.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.sources.keys().map(String::as_str)
    }
}

/// `CA` or `us-ca` with country `US` → `US-CA`; `None` when it is not a
/// subdivision of that country.
pub(crate) fn normalise_subdivision(country: &str, subdivision: &str) -> Option<String> {
    let s = subdivision.trim().to_ascii_uppercase();
    let full = if s.contains('-') {
        s
    } else {
        format!("{country}-{s}")
    };
    (full.starts_with(country)
        && full.as_bytes().get(country.len()) == Some(&b'-')
        && codes::is_subdivision(&full))
    .then_some(full)
}

fn combined_version<'a>(
    markets: impl Iterator<Item = &'a MarketPack>,
    merchant: &MerchantPolicy,
    embargo: &EmbargoList,
    sources: &BTreeMap<String, String>,
) -> String {
    let mut hash = Sha256::new();
    for pack in markets {
        hash.update(format!("market {} {}\n", pack.market, pack.version));
    }
    hash.update(format!(
        "merchant {} {}\n",
        merchant.merchant, merchant.version
    ));
    hash.update(format!("embargo {}\n", embargo.version));
    for (name, text) in sources {
        hash.update(format!("file {name} {}\n", text.len()));
        hash.update(text.as_bytes());
    }
    let digest = hash.finalize();
    format!("pk1-{}", hex::encode(&digest[..6]))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::policy::pack::tests::pack_toml;

    pub(crate) fn small_set() -> PackSet {
        PackSet::from_sources([
            ("markets/DE.toml", pack_toml("DE")),
            ("markets/US.toml", pack_toml("US")),
            ("markets/US-CA.toml", pack_toml("US-CA")),
            ("markets/ZZ.toml", pack_toml("ZZ")),
        ])
        .expect("valid set")
    }

    #[test]
    fn lookup_falls_back_state_country_default() {
        let set = small_set();
        let m = set.market("US", Some("US-CA"));
        assert_eq!(
            (m.pack.market.as_str(), m.reason),
            ("US-CA", "market-pack-subdivision")
        );
        let m = set.market("us", Some("ca"));
        assert_eq!(
            (m.pack.market.as_str(), m.reason),
            ("US-CA", "market-pack-subdivision")
        );
        let m = set.market("US", Some("US-TX"));
        assert_eq!(
            (m.pack.market.as_str(), m.reason),
            ("US", "market-pack-country-fallback")
        );
        let m = set.market("US", None);
        assert_eq!((m.pack.market.as_str(), m.reason), ("US", "market-pack"));
        let m = set.market("DE", Some("FR-75"));
        assert_eq!(
            (m.pack.market.as_str(), m.reason),
            ("DE", "market-pack-country-fallback")
        );
        let m = set.market("BR", None);
        assert_eq!(
            (m.pack.market.as_str(), m.reason),
            ("ZZ", "market-pack-default")
        );
        let m = set.market("", None);
        assert_eq!(m.reason, "market-pack-default");
        let m = set.market("ZZ", None);
        assert_eq!(m.reason, "market-pack-default");
        let m = set.market("💥", Some("💥-💥"));
        assert_eq!(m.reason, "market-pack-default");
    }

    #[test]
    fn version_is_short_and_changes_with_content() {
        let set = small_set();
        assert!(
            set.version().starts_with("pk1-") && set.version().len() == 16,
            "{}",
            set.version()
        );
        assert_eq!(small_set().version(), set.version(), "deterministic");
        let changed = set
            .with_replaced(
                "markets/DE.toml",
                &pack_toml("DE").replace("2026.11.1", "2026.11.2"),
            )
            .expect("valid reload");
        assert_ne!(changed.version(), set.version());
        assert_eq!(
            changed.pack("DE").map(|p| p.version.as_str()),
            Some("2026.11.2")
        );
    }

    #[test]
    fn a_reload_that_fails_leaves_the_previous_set() {
        let set = small_set();
        let before = set.clone();
        let err = set
            .with_replaced(
                "markets/DE.toml",
                &pack_toml("DE").replace("\"EUR\"", "\"XYZ\""),
            )
            .expect_err("bad currency");
        assert_eq!(err.file, "markets/DE.toml");
        assert_eq!(err.problem, PackProblem::InvalidCurrency("XYZ".into()));
        assert_eq!(set, before, "the set in force is untouched");
        assert_eq!(
            set.pack("DE").map(|p| p.storefront.currency.as_str()),
            Some("EUR")
        );
    }

    #[test]
    fn duplicates_missing_default_and_stray_files_are_refused() {
        let err = PackSet::from_sources([
            ("markets/DE.toml", pack_toml("DE")),
            ("more/DE.toml", pack_toml("DE")),
            ("markets/ZZ.toml", pack_toml("ZZ")),
        ])
        .expect_err("duplicate");
        assert_eq!(err.file, "more/DE.toml");
        assert_eq!(err.problem, PackProblem::DuplicateMarket("DE".into()));

        let err =
            PackSet::from_sources([("markets/DE.toml", pack_toml("DE"))]).expect_err("no default");
        assert_eq!(err.problem, PackProblem::MissingDefault);

        let err = PackSet::from_sources([
            ("markets/ZZ.toml", pack_toml("ZZ")),
            ("notes.txt", String::new()),
        ])
        .expect_err("stray");
        assert_eq!(
            (err.file.as_str(), err.problem),
            ("notes.txt", PackProblem::UnknownFileKind)
        );
    }

    #[test]
    fn a_loosening_merchant_is_refused_naming_the_merchant_file() {
        let merchant = "schema = 1\nmerchant = \"demo\"\nversion = \"1\"\n[markets.DE]\nbasis = \"cheaper\"\nresidency = [\"eu\", \"us\"]\n";
        let err = PackSet::from_sources([
            ("markets/DE.toml", pack_toml("DE")),
            ("markets/ZZ.toml", pack_toml("ZZ")),
            ("merchant.toml", merchant.to_owned()),
        ])
        .expect_err("widens residency");
        assert_eq!(err.file, "merchant.toml");
        assert!(matches!(
            err.problem,
            PackProblem::Loosens {
                what: "residency",
                ..
            }
        ));

        let set = small_set();
        let err = set
            .with_replaced("merchant.toml", merchant)
            .expect_err("reload refused");
        assert_eq!(err.file, "merchant.toml");
        assert_eq!(
            set.pack("DE").map(|p| p.residency.regions.clone()),
            Some(vec!["eu".to_owned()])
        );

        let orphan = "schema = 1\nmerchant = \"demo\"\nversion = \"1\"\n[markets.FR]\nbasis = \"x\"\ngpc_binding = true\n";
        let err = set
            .with_replaced("merchant.toml", orphan)
            .expect_err("no FR pack");
        assert!(matches!(err.problem, PackProblem::Merchant(m) if m.contains("FR")));
    }

    #[test]
    fn subdivision_normalisation() {
        assert_eq!(normalise_subdivision("US", "CA").as_deref(), Some("US-CA"));
        assert_eq!(
            normalise_subdivision("US", "us-ca").as_deref(),
            Some("US-CA")
        );
        assert_eq!(normalise_subdivision("US", "DE-BY"), None);
        assert_eq!(normalise_subdivision("US", "CALIF"), None);
        assert_eq!(normalise_subdivision("US", ""), None);
    }
}
