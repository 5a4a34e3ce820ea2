//! The packs shipped with the component, embedded at build time so it has
//! defaults without any file system.

use super::pack::PackError;
use super::set::PackSet;

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../policy/", $name)))),*]
    };
}

/// `(file name, TOML)` for every shipped file, names relative to
/// `functions/edge/policy/`.
pub const EMBEDDED: &[(&str, &str)] = embed![
    "markets/AE.toml",
    "markets/BR.toml",
    "markets/CN.toml",
    "markets/DE.toml",
    "markets/ES.toml",
    "markets/FR.toml",
    "markets/GB.toml",
    "markets/ID.toml",
    "markets/IE.toml",
    "markets/IN.toml",
    "markets/IT.toml",
    "markets/JP.toml",
    "markets/KR.toml",
    "markets/NL.toml",
    "markets/NO.toml",
    "markets/PL.toml",
    "markets/SA.toml",
    "markets/SE.toml",
    "markets/TH.toml",
    "markets/US-CA.toml",
    "markets/US-CO.toml",
    "markets/US-CT.toml",
    "markets/US-DE.toml",
    "markets/US-IA.toml",
    "markets/US-IL.toml",
    "markets/US-IN.toml",
    "markets/US-KY.toml",
    "markets/US-MD.toml",
    "markets/US-MN.toml",
    "markets/US-MT.toml",
    "markets/US-NE.toml",
    "markets/US-NH.toml",
    "markets/US-NJ.toml",
    "markets/US-OR.toml",
    "markets/US-RI.toml",
    "markets/US-TN.toml",
    "markets/US-TX.toml",
    "markets/US-VA.toml",
    "markets/US-WA.toml",
    "markets/US.toml",
    "markets/VN.toml",
    "markets/ZZ.toml",
    "merchant.toml",
    "embargo.toml",
];

impl PackSet {
    /// The shipped packs, validated (a test keeps them valid).
    pub fn embedded() -> Result<PackSet, PackError> {
        PackSet::from_sources(EMBEDDED.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_packs_are_valid() {
        let set = PackSet::embedded().expect("shipped packs validate");
        assert!(set.packs().count() >= 37, "36 markets and the default");
        assert_eq!(set.files().count(), EMBEDDED.len());
        assert!(set.version().starts_with("pk1-"));
    }

    #[test]
    fn every_market_file_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/policy/markets");
        let on_disk = std::fs::read_dir(dir)
            .expect("policy/markets exists")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".toml"))
            .count();
        let embedded = EMBEDDED
            .iter()
            .filter(|(n, _)| n.starts_with("markets/"))
            .count();
        assert_eq!(on_disk, embedded, "add new market files to EMBEDDED");
    }

    #[test]
    fn eea_packs_keep_data_in_the_eu_and_ask_for_biometrics() {
        let set = PackSet::embedded().expect("valid");
        for market in ["DE", "FR", "IT", "ES", "NL", "PL", "SE", "IE", "NO"] {
            let p = set.pack(market).expect("EEA pack");
            assert_eq!(p.residency.regions, vec!["eu".to_owned()], "{market}");
            assert_eq!(
                p.consent.framework,
                crate::policy::Framework::Tcf,
                "{market}"
            );
            assert!(p.consent.biometric_opt_in && p.ai_label.visible, "{market}");
            assert!(p.ai_label.text.contains_key("en"));
        }
        let required = [
            "DE", "FR", "IT", "ES", "NL", "PL", "SE", "IE", "NO", "GB", "US", "US-CA", "US-VA",
            "US-CO", "US-TX", "US-IL", "US-WA", "CN", "JP", "KR", "IN", "BR", "SA", "AE", "ID",
            "TH", "VN", "ZZ", "US-CT", "US-OR", "US-MT", "US-DE", "US-IA", "US-NE", "US-NH",
            "US-NJ", "US-TN", "US-MN", "US-MD", "US-IN", "US-KY", "US-RI",
        ];
        for market in required {
            let p = set.pack(market).expect("required market");
            assert!(p.policy_url.starts_with("https://"), "{market}");
        }
    }

    /// A state pack changes only what the state's law changes: the
    /// storefront, residency, federal age gates and FTC terms stay the
    /// federal pack's. Where the pack says GPC binds, it says why.
    #[test]
    fn us_state_packs_keep_the_federal_facts() {
        let set = PackSet::embedded().expect("valid");
        let us = set.pack("US").expect("federal pack");
        let states: Vec<&crate::policy::MarketPack> = set
            .packs()
            .filter(|p| p.market.starts_with("US-"))
            .collect();
        assert!(states.len() >= 20, "{} state packs", states.len());
        for p in states {
            let m = &p.market;
            assert_eq!(p.storefront, us.storefront, "{m}");
            assert_eq!(p.residency.regions, us.residency.regions, "{m}");
            assert_eq!(p.residency.code, us.residency.code, "{m}");
            assert_eq!(p.consent.framework, us.consent.framework, "{m}");
            for (category, age) in &us.restrictions.age_gates {
                assert!(
                    p.restrictions.age_gates.get(category) >= Some(age),
                    "{m}: {category}"
                );
            }
            for term in &us.advertising.banned_terms {
                assert!(
                    p.advertising
                        .banned_terms
                        .iter()
                        .any(|t| t.term == term.term),
                    "{m}: {}",
                    term.term
                );
            }
            assert!(
                !p.consent.gpc_binding || !p.consent.gpc_basis.trim().is_empty(),
                "{m}"
            );
            assert!(p.policy_url.ends_with(&m.to_ascii_lowercase()), "{m}");
        }
    }
}
