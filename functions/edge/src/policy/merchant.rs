//! The merchant's overrides (`policy/merchant.toml`): its TCF vendor id,
//! SKU licences and categories, and per-market settings that may only
//! *tighten* what the law (the market pack) requires, never loosen it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::codes;
use super::pack::{
    self, BannedCategory, BannedTerm, MarketPack, PackError, PackProblem, check_age_gates,
    check_banned_categories, check_category, check_regions, check_terms, check_texts, not_blank,
};

/// Settings the merchant adds on top of a market pack.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketOverride {
    /// A subset of the pack's regions (narrower is allowed, wider is not).
    #[serde(default)]
    pub residency: Option<Vec<String>>,
    /// `true` honours GPC where the law does not require it.
    #[serde(default)]
    pub gpc_binding: Option<bool>,
    /// `true` asks for explicit opt-in before try-on where the law does not.
    #[serde(default)]
    pub biometric_opt_in: Option<bool>,
    /// Prompt texts for try-on consent, merged over the pack's.
    #[serde(default)]
    pub biometric_prompt: BTreeMap<String, String>,
    /// Minimum ages; at least the pack's.
    #[serde(default)]
    pub age_gates: BTreeMap<String, u8>,
    /// Extra categories the merchant does not sell here.
    #[serde(default)]
    pub banned_categories: Vec<BannedCategory>,
    /// Extra terms kept out of advertising copy here.
    #[serde(default)]
    pub banned_terms: Vec<BannedTerm>,
    #[serde(default)]
    pub ai_label_visible: Option<bool>,
    #[serde(default)]
    pub ai_label_machine_readable: Option<bool>,
    /// Why the merchant tightens (required when anything is set).
    #[serde(default)]
    pub basis: String,
}

impl MarketOverride {
    fn is_empty(&self) -> bool {
        *self
            == MarketOverride {
                basis: self.basis.clone(),
                ..MarketOverride::default()
            }
    }
}

/// A SKU's licence and category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sku {
    pub id: String,
    #[serde(default)]
    pub category: Option<String>,
    /// Licensed only in these countries / subdivisions.
    #[serde(default)]
    pub territories: Option<Vec<String>>,
    /// Licensed everywhere except these.
    #[serde(default)]
    pub excluded: Option<Vec<String>>,
    #[serde(default)]
    pub licence: String,
}

/// The merchant file, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantPolicy {
    pub schema: u32,
    pub merchant: String,
    pub version: String,
    /// The merchant's IAB Global Vendor List id, checked in TC strings.
    #[serde(default)]
    pub tcf_vendor_id: Option<u16>,
    /// Overrides for every market (applied first).
    #[serde(default)]
    pub all: MarketOverride,
    /// Overrides per market code (`DE`, `US-CA`, `ZZ`).
    #[serde(default)]
    pub markets: BTreeMap<String, MarketOverride>,
    #[serde(default)]
    pub sku: Vec<Sku>,
}

impl MerchantPolicy {
    /// No merchant file: no vendor id (so TCF personalisation is never
    /// granted), no overrides, no SKU limits.
    pub fn none() -> MerchantPolicy {
        MerchantPolicy {
            schema: pack::SCHEMA,
            merchant: "none".to_owned(),
            version: "0".to_owned(),
            tcf_vendor_id: None,
            all: MarketOverride::default(),
            markets: BTreeMap::new(),
            sku: Vec::new(),
        }
    }

    pub fn parse(file: &str, text: &str) -> Result<MerchantPolicy, PackError> {
        let merchant: MerchantPolicy = toml::from_str(text)
            .map_err(|e| PackError::new(file, PackProblem::Parse(e.to_string())))?;
        merchant.validate().map_err(|p| PackError::new(file, p))?;
        Ok(merchant)
    }

    pub fn sku(&self, id: &str) -> Option<&Sku> {
        self.sku.iter().find(|s| s.id == id)
    }

    fn validate(&self) -> Result<(), PackProblem> {
        if self.schema != pack::SCHEMA {
            return Err(PackProblem::UnsupportedSchema { found: self.schema });
        }
        not_blank("merchant", &self.merchant)?;
        pack::check_version(&self.version)?;
        if self.tcf_vendor_id == Some(0) {
            return Err(PackProblem::Merchant(
                "`tcf_vendor_id` 0 is not a vendor id (GVL ids start at 1)".to_owned(),
            ));
        }
        check_override("all", &self.all)?;
        for (market, o) in &self.markets {
            if !codes::is_market(market) {
                return Err(PackProblem::InvalidMarket(market.clone()));
            }
            check_override("markets", o)?;
        }
        let mut ids = BTreeSet::new();
        for sku in &self.sku {
            not_blank("sku.id", &sku.id)?;
            if !ids.insert(sku.id.as_str()) {
                return Err(PackProblem::Merchant(format!(
                    "SKU `{}` is listed twice",
                    sku.id
                )));
            }
            if let Some(category) = &sku.category {
                check_category("sku.category", category)?;
            }
            match (&sku.territories, &sku.excluded) {
                (Some(_), Some(_)) => {
                    return Err(PackProblem::Merchant(format!(
                        "SKU `{}` has both `territories` and `excluded`; use one",
                        sku.id
                    )));
                }
                (Some(list), None) if list.is_empty() => {
                    return Err(PackProblem::Merchant(format!(
                        "SKU `{}` has empty `territories` (licensed nowhere); remove the SKU instead",
                        sku.id
                    )));
                }
                _ => {}
            }
            let areas = sku.territories.iter().chain(sku.excluded.iter()).flatten();
            for area in areas {
                if !(codes::is_country(area) || codes::is_subdivision(area)) {
                    return Err(PackProblem::InvalidArea {
                        field: "sku.territories/excluded",
                        code: area.clone(),
                    });
                }
            }
            if sku.territories.is_some() || sku.excluded.is_some() {
                not_blank("sku.licence", &sku.licence)?;
            }
        }
        Ok(())
    }

    /// Applies `all`, then the market's own overrides, to a pack. Refuses
    /// any override that loosens the pack.
    pub(crate) fn apply(&self, pack: &mut MarketPack) -> Result<(), PackProblem> {
        apply_override(&self.all, pack)?;
        if let Some(o) = self.markets.get(&pack.market) {
            apply_override(o, pack)?;
        }
        Ok(())
    }
}

fn check_override(field: &'static str, o: &MarketOverride) -> Result<(), PackProblem> {
    if let Some(regions) = &o.residency {
        check_regions("residency (override)", regions)?;
    }
    check_age_gates("age_gates (override)", &o.age_gates)?;
    check_banned_categories("banned_categories (override)", &o.banned_categories)?;
    check_terms("banned_terms (override)", &o.banned_terms)?;
    check_texts("biometric_prompt (override)", &o.biometric_prompt, false)?;
    if !o.is_empty() {
        not_blank(
            if field == "all" {
                "all.basis"
            } else {
                "markets.*.basis"
            },
            &o.basis,
        )?;
    }
    Ok(())
}

fn loosens(pack: &MarketPack, what: &'static str, detail: String) -> PackProblem {
    PackProblem::Loosens {
        market: pack.market.clone(),
        what,
        detail,
    }
}

fn apply_override(o: &MarketOverride, pack: &mut MarketPack) -> Result<(), PackProblem> {
    if o.is_empty() {
        return Ok(());
    }
    let note = |what: &str| format!("{what} tightened by merchant: {}", o.basis);
    if let Some(regions) = &o.residency {
        let wider: Vec<&str> = regions
            .iter()
            .filter(|r| !pack.residency.regions.contains(r))
            .map(String::as_str)
            .collect();
        if !wider.is_empty() {
            return Err(loosens(
                pack,
                "residency",
                format!(
                    "adds region(s) {} to [{}] required by {}",
                    wider.join(", "),
                    pack.residency.regions.join(", "),
                    pack.residency.basis
                ),
            ));
        }
        if *regions != pack.residency.regions {
            pack.residency.regions = regions.clone();
            pack.merchant_notes.push(note("residency"));
        }
    }
    if let Some(gpc) = o.gpc_binding {
        if pack.consent.gpc_binding && !gpc {
            return Err(loosens(
                pack,
                "gpc_binding",
                format!("GPC is binding under {}", pack.consent.gpc_basis),
            ));
        }
        if gpc && !pack.consent.gpc_binding {
            pack.consent.gpc_binding = true;
            pack.consent.gpc_basis = format!("merchant policy: {}", o.basis);
            pack.merchant_notes.push(note("gpc_binding"));
        }
    }
    if let Some(bio) = o.biometric_opt_in {
        if pack.consent.biometric_opt_in && !bio {
            return Err(loosens(
                pack,
                "biometric_opt_in",
                format!(
                    "explicit opt-in is required by {}",
                    pack.consent.biometric_basis
                ),
            ));
        }
        if bio && !pack.consent.biometric_opt_in {
            pack.consent.biometric_opt_in = true;
            pack.consent.biometric_basis = format!(
                "merchant policy: {} (law: {})",
                o.basis, pack.consent.biometric_basis
            );
            pack.merchant_notes.push(note("biometric_opt_in"));
        }
    }
    for (tag, text) in &o.biometric_prompt {
        pack.consent
            .biometric_prompt
            .insert(tag.clone(), text.clone());
    }
    for (category, age) in &o.age_gates {
        match pack.restrictions.age_gates.get(category) {
            Some(law) if age < law => {
                return Err(loosens(
                    pack,
                    "age_gates",
                    format!(
                        "{category}: {age} is below the legal minimum {law} ({})",
                        pack.restrictions.age_basis
                    ),
                ));
            }
            Some(law) if age == law => {}
            _ => {
                pack.restrictions.age_gates.insert(category.clone(), *age);
                if pack.restrictions.age_basis.trim().is_empty() {
                    pack.restrictions.age_basis = format!("merchant policy: {}", o.basis);
                }
                pack.merchant_notes
                    .push(note(&format!("age gate for {category}")));
            }
        }
    }
    for banned in &o.banned_categories {
        if pack.banned(&banned.category).is_none() {
            pack.restrictions.banned.push(banned.clone());
            pack.merchant_notes
                .push(note(&format!("ban on {}", banned.category)));
        }
    }
    for term in &o.banned_terms {
        let lower = term.term.to_lowercase();
        if !pack
            .advertising
            .banned_terms
            .iter()
            .any(|t| t.term.to_lowercase() == lower)
        {
            pack.advertising.banned_terms.push(term.clone());
        }
    }
    for (what, set, current) in [
        (
            "ai_label.visible",
            o.ai_label_visible,
            &mut pack.ai_label.visible,
        ),
        (
            "ai_label.machine_readable",
            o.ai_label_machine_readable,
            &mut pack.ai_label.machine_readable,
        ),
    ] {
        match set {
            Some(false) if *current => {
                return Err(PackProblem::Loosens {
                    market: pack.market.clone(),
                    what,
                    detail: format!("the label is required by {}", pack.ai_label.basis),
                });
            }
            Some(true) if !*current => {
                *current = true;
                pack.merchant_notes.push(note(what));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::pack::tests::pack_toml;

    fn de() -> MarketPack {
        MarketPack::parse("markets/DE.toml", &pack_toml("DE")).expect("valid pack")
    }

    fn merchant(body: &str) -> Result<MerchantPolicy, PackError> {
        MerchantPolicy::parse(
            "merchant.toml",
            &format!(
                "schema = 1\nmerchant = \"demo\"\nversion = \"1\"\ntcf_vendor_id = 4040\n{body}"
            ),
        )
    }

    fn apply(body: &str) -> Result<MarketPack, PackProblem> {
        let m = merchant(body).expect("merchant parses");
        let mut pack = de();
        m.apply(&mut pack)?;
        Ok(pack)
    }

    #[test]
    fn tightening_is_applied_and_noted() {
        let pack = apply(
            "[markets.DE]\nbasis = \"stricter\"\ngpc_binding = true\nage_gates = { alcohol = 21, knives = 18 }\n\
             banned_terms = [{ term = \"Testsieger\", reason = \"UWG\" }]\n\
             banned_categories = [{ category = \"vaping\", basis = \"brand\" }]\n",
        )
        .expect("tightens");
        assert!(pack.consent.gpc_binding);
        assert_eq!(pack.age_gate("alcohol"), Some(21));
        assert_eq!(pack.age_gate("knives"), Some(18));
        assert!(pack.banned("vaping").is_some());
        assert_eq!(pack.advertising.banned_terms.len(), 2);
        assert!(
            pack.merchant_notes
                .iter()
                .any(|n| n.contains("gpc_binding"))
        );
    }

    #[test]
    fn residency_may_narrow_but_not_widen() {
        let err = apply("[markets.DE]\nbasis = \"x\"\nresidency = [\"eu\", \"us\"]\n")
            .expect_err("widens");
        match &err {
            PackProblem::Loosens {
                market,
                what,
                detail,
            } => {
                assert_eq!((market.as_str(), *what), ("DE", "residency"));
                assert!(detail.contains("us"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("may only tighten"));
        let same = apply("[markets.DE]\nbasis = \"x\"\nresidency = [\"eu\"]\n").expect("same set");
        assert!(same.merchant_notes.is_empty());
    }

    #[test]
    fn disabling_a_required_biometric_opt_in_is_refused() {
        let err =
            apply("[markets.DE]\nbasis = \"x\"\nbiometric_opt_in = false\n").expect_err("loosens");
        assert!(matches!(
            err,
            PackProblem::Loosens {
                what: "biometric_opt_in",
                ..
            }
        ));
        let err = apply("[all]\nbasis = \"x\"\nbiometric_opt_in = false\n").expect_err("loosens");
        assert!(matches!(
            err,
            PackProblem::Loosens {
                what: "biometric_opt_in",
                ..
            }
        ));
    }

    #[test]
    fn lower_age_gate_and_dropped_labels_are_refused() {
        assert!(matches!(
            apply("[markets.DE]\nbasis = \"x\"\nage_gates = { alcohol = 16 }\n"),
            Err(PackProblem::Loosens {
                what: "age_gates",
                ..
            })
        ));
        assert!(matches!(
            apply("[markets.DE]\nbasis = \"x\"\nai_label_visible = false\n"),
            Err(PackProblem::Loosens {
                what: "ai_label.visible",
                ..
            })
        ));
        assert!(matches!(
            apply("[markets.DE]\nbasis = \"x\"\nai_label_machine_readable = false\n"),
            Err(PackProblem::Loosens {
                what: "ai_label.machine_readable",
                ..
            })
        ));
    }

    #[test]
    fn turning_on_what_the_law_leaves_off_is_fine() {
        let mut pack = de();
        pack.consent.biometric_opt_in = false;
        pack.ai_label.visible = false;
        let m = merchant(
            "[markets.DE]\nbasis = \"brand\"\nbiometric_opt_in = true\nai_label_visible = true\n",
        )
        .expect("parses");
        m.apply(&mut pack).expect("tightens");
        assert!(pack.consent.biometric_opt_in && pack.ai_label.visible);
        assert!(pack.consent.biometric_basis.starts_with("merchant policy"));
    }

    #[test]
    fn merchant_file_is_validated() {
        let e = merchant("colour = 1\n").expect_err("unknown field");
        assert_eq!(e.file, "merchant.toml");
        assert!(matches!(e.problem, PackProblem::Parse(m) if m.contains("unknown field")));
        let e = merchant("[markets.DE]\ngpc_binding = true\n").expect_err("no basis");
        assert_eq!(
            e.problem,
            PackProblem::Blank {
                field: "markets.*.basis"
            }
        );
        let e = merchant("[markets.XX]\nbasis = \"x\"\n").expect_err("bad market");
        assert_eq!(e.problem, PackProblem::InvalidMarket("XX".into()));
        let e = merchant(
            "[[sku]]\nid = \"A\"\nterritories = [\"DE\"]\nexcluded = [\"FR\"]\nlicence = \"l\"\n",
        )
        .expect_err("both lists");
        assert!(matches!(e.problem, PackProblem::Merchant(m) if m.contains("both")));
        let e = merchant("[[sku]]\nid = \"A\"\nterritories = [\"DEU\"]\nlicence = \"l\"\n")
            .expect_err("bad code");
        assert!(matches!(e.problem, PackProblem::InvalidArea { .. }));
        let e = merchant("[[sku]]\nid = \"A\"\n[[sku]]\nid = \"A\"\n").expect_err("dup");
        assert!(matches!(e.problem, PackProblem::Merchant(m) if m.contains("twice")));
        let e = merchant("[[sku]]\nid = \"A\"\ncategory = \"spaceships\"\n").expect_err("category");
        assert!(matches!(e.problem, PackProblem::UnknownCategory { .. }));
        let e = merchant("[[sku]]\nid = \"A\"\nterritories = []\nlicence = \"l\"\n")
            .expect_err("empty");
        assert!(matches!(e.problem, PackProblem::Merchant(m) if m.contains("nowhere")));
        let e = MerchantPolicy::parse(
            "merchant.toml",
            "schema = 1\nmerchant = \"d\"\nversion = \"1\"\ntcf_vendor_id = 0\n",
        )
        .expect_err("vendor 0");
        assert!(matches!(e.problem, PackProblem::Merchant(_)));
    }
}
