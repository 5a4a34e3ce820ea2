//! Residency: which backend regions may receive this shopper's personal
//! data.

use serde::{Serialize, Serializer};

use super::decision::Purpose;
use super::pack::MarketPack;
use super::reason::Reason;

/// Regions a request may be sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Regions {
    /// No personal data is involved: any region.
    Any,
    /// Only these (in the pack's order of preference).
    Only(Vec<String>),
}

impl Regions {
    pub fn allows(&self, region: &str) -> bool {
        match self {
            Regions::Any => true,
            Regions::Only(list) => list.iter().any(|r| r == region),
        }
    }

    /// The first of `deployed` that is allowed: with `Only`, in the
    /// pack's order of preference.
    pub fn pick<'a>(&self, deployed: &[&'a str]) -> Option<&'a str> {
        match self {
            Regions::Any => deployed.first().copied(),
            Regions::Only(list) => list
                .iter()
                .find_map(|r| deployed.iter().copied().find(|d| d == r)),
        }
    }
}

/// `"any"` or a list of region names.
impl Serialize for Regions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Regions::Any => s.serialize_str("any"),
            Regions::Only(list) => list.serialize(s),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResidencyDecision {
    pub regions: Regions,
    pub reason: Reason,
}

pub fn decide(purpose: Purpose, pack: &MarketPack) -> ResidencyDecision {
    if !purpose.uses_personal_data() {
        return ResidencyDecision {
            regions: Regions::Any,
            reason: Reason::new(
                "residency-any-no-personal-data",
                "no personal data is processed: any region may serve",
            ),
        };
    }
    let regions = pack.residency.regions.clone();
    let mut detail = format!(
        "personal data may be processed in: {} ({})",
        regions.join(", "),
        pack.residency.basis
    );
    if let Some(note) = pack
        .merchant_notes
        .iter()
        .find(|n| n.starts_with("residency"))
    {
        detail.push_str("; ");
        detail.push_str(note);
    }
    ResidencyDecision {
        regions: Regions::Only(regions),
        reason: Reason::new(pack.residency_code(), detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::pack::tests::pack_toml;

    fn pack() -> MarketPack {
        MarketPack::parse("DE.toml", &pack_toml("DE")).expect("valid")
    }

    #[test]
    fn personal_purposes_get_the_pack_regions() {
        for purpose in [Purpose::Personalize, Purpose::TryOn] {
            let d = decide(purpose, &pack());
            assert_eq!(d.regions, Regions::Only(vec!["eu".into()]));
            assert_eq!(d.reason.code, "residency-eu-gdpr");
            assert!(d.reason.detail.contains("GDPR Chapter V"));
            assert!(d.regions.allows("eu") && !d.regions.allows("us"));
        }
    }

    #[test]
    fn render_may_go_anywhere() {
        let d = decide(Purpose::Render, &pack());
        assert_eq!(d.regions, Regions::Any);
        assert_eq!(d.reason.code, "residency-any-no-personal-data");
        assert!(d.regions.allows("cn"));
    }

    #[test]
    fn pick_follows_preference_and_deployment() {
        let only = Regions::Only(vec!["uk".into(), "eu".into()]);
        assert_eq!(only.pick(&["us", "eu", "uk"]), Some("uk"));
        assert_eq!(only.pick(&["us", "eu"]), Some("eu"));
        assert_eq!(only.pick(&["us"]), None);
        assert_eq!(Regions::Any.pick(&["us", "eu"]), Some("us"));
    }

    #[test]
    fn serializes_as_any_or_list() {
        assert_eq!(
            serde_json::to_string(&Regions::Any).expect("json"),
            "\"any\""
        );
        assert_eq!(
            serde_json::to_string(&Regions::Only(vec!["cn".into()])).expect("json"),
            "[\"cn\"]"
        );
    }
}
