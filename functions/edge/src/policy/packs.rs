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
    // Americas and Asia-Pacific
    "markets/AR.toml",
    "markets/AU.toml",
    "markets/CA.toml",
    "markets/CA-QC.toml",
    "markets/CL.toml",
    "markets/CO.toml",
    "markets/HK.toml",
    "markets/MX.toml",
    "markets/MY.toml",
    "markets/NZ.toml",
    "markets/PE.toml",
    "markets/PH.toml",
    "markets/SG.toml",
    "markets/TW.toml",
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

    #[test]
    fn a_quebec_shopper_gets_the_quebec_pack_and_ontario_the_federal_one() {
        let set = PackSet::embedded().expect("valid");
        for region in ["QC", "CA-QC", "qc"] {
            let m = set.market("CA", Some(region));
            assert_eq!(
                (m.pack.market.as_str(), m.reason),
                ("CA-QC", "market-pack-subdivision"),
                "{region}"
            );
            // Charter of the French Language s.51-52: French first.
            assert_eq!(m.pack.default_language(), "fr-CA");
        }
        let on = set.market("CA", Some("ON"));
        assert_eq!(
            (on.pack.market.as_str(), on.reason),
            ("CA", "market-pack-country-fallback")
        );
        let none = set.market("CA", None);
        assert_eq!(
            (none.pack.market.as_str(), none.reason),
            ("CA", "market-pack")
        );
        // A Québec code under another country is not Québec.
        assert_eq!(set.market("US", Some("QC")).pack.market, "US");
    }

    #[test]
    fn quebec_texts_exist_in_french() {
        let set = PackSet::embedded().expect("valid");
        for market in ["CA-QC", "CA"] {
            let p = set.pack(market).expect("pack");
            let french = |texts: &std::collections::BTreeMap<String, String>| {
                texts.keys().any(|k| k == "fr-CA")
            };
            assert!(french(&p.consent.biometric_prompt), "{market} prompt");
            assert!(french(&p.ai_label.text), "{market} AI label");
            assert!(
                p.advertising
                    .banned_terms
                    .iter()
                    .any(|t| t.term == "guérit"),
                "{market}: French copy is checked too"
            );
        }
    }

    /// Simplified forms of characters whose Traditional form differs, the
    /// common ones a pasted Simplified text would show (never in zh-TW or
    /// zh-HK texts, which must be Traditional).
    const SIMPLIFIED_ONLY: &str = "这们会过机测脸资仅确为处许镜头当医疗内试虚时个来说国对应于与没还进现开关问题间东车长门见页点经书买卖实给让认识语话请谢钱银网络电脑视频图画样种边运动听读写学习爱总从众产业务质价费货币购税数据码标签广告护肤药针鉴隐权协议条规则义龙乐归变传统简显讯历记录设计选择获删导级优惠态术艺复杂宽紧双单层尝尽启闭项颜线织纤维丝绸围钟饰链环镯烟征别";

    #[test]
    fn traditional_chinese_packs_have_no_simplified_characters() {
        let set = PackSet::embedded().expect("valid");
        for market in ["TW", "HK"] {
            let p = set.pack(market).expect("pack");
            let chinese = |texts: &std::collections::BTreeMap<String, String>| {
                texts
                    .iter()
                    .filter(|(k, _)| k.starts_with("zh"))
                    .map(|(_, v)| v.clone())
                    .collect::<Vec<_>>()
            };
            let mut texts = chinese(&p.consent.biometric_prompt);
            texts.extend(chinese(&p.ai_label.text));
            texts.extend(p.advertising.banned_terms.iter().map(|t| t.term.clone()));
            assert!(texts.len() >= 4, "{market}: prompt, label and terms");
            for text in texts {
                assert!(
                    !text.chars().any(|c| SIMPLIFIED_ONLY.contains(c)),
                    "{market}: Simplified character in {text:?}"
                );
            }
            assert!(
                p.storefront.languages[0].starts_with("zh-"),
                "{market}: Chinese first"
            );
        }
        // The list does catch Simplified text: the China pack's prompt.
        let cn = set.pack("CN").expect("CN");
        assert!(
            cn.consent.biometric_prompt["zh-CN"]
                .chars()
                .any(|c| SIMPLIFIED_ONLY.contains(c))
        );
    }
}
