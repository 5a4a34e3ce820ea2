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
    "markets/US-IL.toml",
    "markets/US-TX.toml",
    "markets/US-VA.toml",
    "markets/US-WA.toml",
    "markets/US.toml",
    "markets/VN.toml",
    "markets/ZZ.toml",
    // EMEA
    "markets/AT.toml",
    "markets/BE.toml",
    "markets/CH.toml",
    "markets/CZ.toml",
    "markets/DK.toml",
    "markets/EG.toml",
    "markets/FI.toml",
    "markets/GR.toml",
    "markets/HU.toml",
    "markets/IL.toml",
    "markets/KE.toml",
    "markets/NG.toml",
    "markets/PT.toml",
    "markets/RO.toml",
    "markets/RU.toml",
    "markets/TR.toml",
    "markets/ZA.toml",
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
        assert!(set.packs().count() >= 23, "22 markets and the default");
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
            "TH", "VN", "ZZ",
        ];
        for market in required {
            let p = set.pack(market).expect("required market");
            assert!(p.policy_url.starts_with("https://"), "{market}");
        }
    }
}
