//! A market's policy pack: the TOML schema (`policy/SCHEMA.md`), parsing
//! and validation. Every refusal names the file and the reason.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::codes;
use super::locale;

/// The schema number every pack file declares (`schema = 1`).
pub const SCHEMA: u32 = 1;

/// A pack file that was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy pack `{file}`: {problem}")]
pub struct PackError {
    pub file: String,
    pub problem: PackProblem,
}

impl PackError {
    pub fn new(file: impl Into<String>, problem: PackProblem) -> PackError {
        PackError {
            file: file.into(),
            problem,
        }
    }
}

/// Why a pack file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackProblem {
    /// TOML syntax, a missing field, a wrong type or an unknown field.
    #[error("does not match the schema: {0}")]
    Parse(String),
    #[error("schema {found} is not supported (this build reads schema {SCHEMA})")]
    UnsupportedSchema { found: u32 },
    #[error("`{0}` is not a market code (ISO 3166-1 alpha-2, `CC-SUB`, or `ZZ`)")]
    InvalidMarket(String),
    #[error("the file is named for `{file_market}` but declares market `{declared}`")]
    MarketNameMismatch {
        file_market: String,
        declared: String,
    },
    #[error("market `{0}` is defined by more than one file")]
    DuplicateMarket(String),
    #[error("`version` is empty or has characters other than letters, digits, `.`, `-`, `+`")]
    InvalidVersion,
    #[error("`{field}` is required and must not be blank")]
    Blank { field: &'static str },
    #[error("`policy_url` must be an https URL without spaces, quotes or angle brackets: {0:?}")]
    InvalidPolicyUrl(String),
    #[error("`storefront.languages` is empty; the first language is the market's default")]
    NoLanguages,
    #[error("`{field}`: `{tag}` is not a well-formed BCP 47 tag in canonical case")]
    InvalidLanguage { field: &'static str, tag: String },
    #[error("`{field}`: `{tag}` is listed twice")]
    DuplicateLanguage { field: &'static str, tag: String },
    #[error(
        "`storefront.currency`: `{0}` is not an active ISO 4217 code (three upper-case letters)"
    )]
    InvalidCurrency(String),
    #[error("`{field}` is empty; name at least one backend region")]
    NoRegions { field: &'static str },
    #[error("`{field}`: region `{region}` is unknown (known: {known})")]
    UnknownRegion {
        field: &'static str,
        region: String,
        known: String,
    },
    #[error("`residency.code`: `{0}` is not a known residency reason code")]
    UnknownResidencyCode(String),
    #[error("`{field}`: category `{category}` is unknown")]
    UnknownCategory {
        field: &'static str,
        category: String,
    },
    #[error("`{field}`: age gate {age} for `{category}` is outside 1..=25")]
    InvalidAgeGate {
        field: &'static str,
        category: String,
        age: u8,
    },
    #[error("`{field}`: term {term:?} is blank, has no reason, or is listed twice")]
    InvalidTerm { field: &'static str, term: String },
    #[error("`{field}` has no text for `en`, the last fallback")]
    MissingEnglish { field: &'static str },
    #[error("`{field}`: `{code}` is not a country or subdivision code")]
    InvalidArea { field: &'static str, code: String },
    #[error("{0}")]
    Merchant(String),
    /// A merchant override that would relax a legal requirement.
    #[error(
        "market `{market}`: the override of `{what}` loosens the legal requirement ({detail}); overrides may only tighten"
    )]
    Loosens {
        market: String,
        what: &'static str,
        detail: String,
    },
    #[error("no default pack (`market = \"ZZ\"`): unknown countries would have no policy")]
    MissingDefault,
    #[error("file is not a market pack, `merchant.toml` or `embargo.toml` (names end in `.toml`)")]
    UnknownFileKind,
    /// A set decoded for one country cannot be the base of a new set.
    #[error("this set was decoded for one country; load the whole set to replace a file")]
    PartialSet,
    #[error("more than one {0} file")]
    DuplicateFile(&'static str),
}

/// How the storefront shows prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaxDisplay {
    Inclusive,
    Exclusive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Units {
    Metric,
    Imperial,
}

/// How personalisation consent is established in a market.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Framework {
    /// IAB TCF v2.2+ TC string; personalisation needs purposes 1, 5, 6.
    Tcf,
    /// The site's own explicit opt-in (`PolicyInput::personalization_opt_in`).
    OptIn,
    /// Allowed unless the shopper opted out (GPC where binding).
    OptOut,
}

impl Framework {
    pub fn as_str(self) -> &'static str {
        match self {
            Framework::Tcf => "tcf",
            Framework::OptIn => "opt-in",
            Framework::OptOut => "opt-out",
        }
    }
}

/// Storefront facts the edge uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Storefront {
    /// BCP 47 tags; the first is the default.
    pub languages: Vec<String>,
    /// ISO 4217.
    pub currency: String,
    pub tax_display: TaxDisplay,
    pub units: Units,
}

/// Where this shopper's personal data may be processed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Residency {
    pub regions: Vec<String>,
    /// A code from [`codes::RESIDENCY_CODES`], the decision's reason.
    pub code: String,
    /// The law, in words.
    pub basis: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    pub framework: Framework,
    pub basis: String,
    /// Whether a Global Privacy Control signal has legal force here.
    pub gpc_binding: bool,
    #[serde(default)]
    pub gpc_basis: String,
    /// Whether biometric processing (virtual try-on) needs explicit opt-in.
    pub biometric_opt_in: bool,
    pub biometric_basis: String,
    /// The consent prompt for try-on, by language tag.
    #[serde(default)]
    pub biometric_prompt: BTreeMap<String, String>,
}

/// A category that may not be sold to this market at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BannedCategory {
    pub category: String,
    pub basis: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Restrictions {
    /// Minimum verified age per category.
    #[serde(default)]
    pub age_gates: BTreeMap<String, u8>,
    #[serde(default)]
    pub age_basis: String,
    #[serde(default)]
    pub banned: Vec<BannedCategory>,
}

/// A term that may not appear in advertising copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BannedTerm {
    pub term: String,
    pub reason: String,
    /// What a writer may say instead (`最佳` → `优质`); none where the claim
    /// itself must go (a medical claim has no lawful rewording).
    /// (Always written: compiled packs are postcard, which cannot skip.)
    #[serde(default)]
    pub suggestion: Option<String>,
}

fn default_mask() -> String {
    "***".to_owned()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advertising {
    #[serde(default)]
    pub banned_terms: Vec<BannedTerm>,
    /// What replaces a banned term; empty removes it.
    #[serde(default = "default_mask")]
    pub mask: String,
}

impl Default for Advertising {
    fn default() -> Advertising {
        Advertising {
            banned_terms: Vec::new(),
            mask: default_mask(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AiLabel {
    /// A label the shopper can see next to AI-generated media.
    pub visible: bool,
    /// Provenance metadata in the file (C2PA / IPTC `digitalSourceType`).
    pub machine_readable: bool,
    pub basis: String,
    /// Label text by language tag; `en` is required.
    pub text: BTreeMap<String, String>,
}

/// One market's pack, as validated. After [`super::PackSet`] applies the
/// merchant's overrides, `merchant_notes` says what they tightened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketPack {
    pub schema: u32,
    pub market: String,
    pub version: String,
    pub name: String,
    /// Sent as `Link: <policy_url>; rel="blocked-by"` with 451s.
    pub policy_url: String,
    pub storefront: Storefront,
    pub residency: Residency,
    pub consent: Consent,
    #[serde(default)]
    pub restrictions: Restrictions,
    #[serde(default)]
    pub advertising: Advertising,
    pub ai_label: AiLabel,
    #[serde(skip)]
    pub merchant_notes: Vec<String>,
}

impl MarketPack {
    /// Parses and validates one market file; `file` names it in errors and
    /// its stem (`markets/DE.toml` → `DE`) must match `market`.
    pub fn parse(file: &str, text: &str) -> Result<MarketPack, PackError> {
        let pack: MarketPack = toml::from_str(text)
            .map_err(|e| PackError::new(file, PackProblem::Parse(e.to_string())))?;
        pack.validate().map_err(|p| PackError::new(file, p))?;
        let stem = file_stem(file);
        if stem != pack.market {
            return Err(PackError::new(
                file,
                PackProblem::MarketNameMismatch {
                    file_market: stem.to_owned(),
                    declared: pack.market.clone(),
                },
            ));
        }
        Ok(pack)
    }

    /// The market's default language.
    pub fn default_language(&self) -> &str {
        self.storefront
            .languages
            .first()
            .map(String::as_str)
            .unwrap_or("en")
    }

    /// The residency code as the `'static` reason it is.
    pub fn residency_code(&self) -> &'static str {
        codes::residency_code(&self.residency.code).unwrap_or("residency-default-strict")
    }

    /// The minimum age for a category, if any.
    pub fn age_gate(&self, category: &str) -> Option<u8> {
        self.restrictions.age_gates.get(category).copied()
    }

    /// The ban on a category, if any.
    pub fn banned(&self, category: &str) -> Option<&BannedCategory> {
        self.restrictions
            .banned
            .iter()
            .find(|b| b.category == category)
    }

    fn validate(&self) -> Result<(), PackProblem> {
        if self.schema != SCHEMA {
            return Err(PackProblem::UnsupportedSchema { found: self.schema });
        }
        if !codes::is_market(&self.market) {
            return Err(PackProblem::InvalidMarket(self.market.clone()));
        }
        check_version(&self.version)?;
        not_blank("name", &self.name)?;
        check_policy_url(&self.policy_url)?;
        check_languages(&self.storefront.languages)?;
        if !codes::is_currency(&self.storefront.currency) {
            return Err(PackProblem::InvalidCurrency(
                self.storefront.currency.clone(),
            ));
        }
        check_regions("residency.regions", &self.residency.regions)?;
        if codes::residency_code(&self.residency.code).is_none() {
            return Err(PackProblem::UnknownResidencyCode(
                self.residency.code.clone(),
            ));
        }
        not_blank("residency.basis", &self.residency.basis)?;
        not_blank("consent.basis", &self.consent.basis)?;
        not_blank("consent.biometric_basis", &self.consent.biometric_basis)?;
        if self.consent.gpc_binding {
            not_blank("consent.gpc_basis", &self.consent.gpc_basis)?;
        }
        check_texts(
            "consent.biometric_prompt",
            &self.consent.biometric_prompt,
            false,
        )?;
        check_age_gates("restrictions.age_gates", &self.restrictions.age_gates)?;
        if !self.restrictions.age_gates.is_empty() {
            not_blank("restrictions.age_basis", &self.restrictions.age_basis)?;
        }
        check_banned_categories("restrictions.banned", &self.restrictions.banned)?;
        check_terms("advertising.banned_terms", &self.advertising.banned_terms)?;
        not_blank("ai_label.basis", &self.ai_label.basis)?;
        check_texts("ai_label.text", &self.ai_label.text, true)?;
        Ok(())
    }
}

/// `markets/DE.toml` → `DE`.
pub(crate) fn file_stem(file: &str) -> &str {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    base.strip_suffix(".toml").unwrap_or(base)
}

pub(crate) fn not_blank(field: &'static str, value: &str) -> Result<(), PackProblem> {
    if value.trim().is_empty() {
        return Err(PackProblem::Blank { field });
    }
    Ok(())
}

pub(crate) fn check_version(version: &str) -> Result<(), PackProblem> {
    let ok = !version.is_empty()
        && version.len() <= 64
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'));
    if ok {
        Ok(())
    } else {
        Err(PackProblem::InvalidVersion)
    }
}

fn check_policy_url(url: &str) -> Result<(), PackProblem> {
    let ok = url.len() > "https://".len()
        && url.starts_with("https://")
        && url
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '"' | '\\'));
    if ok {
        Ok(())
    } else {
        Err(PackProblem::InvalidPolicyUrl(url.to_owned()))
    }
}

fn check_languages(languages: &[String]) -> Result<(), PackProblem> {
    if languages.is_empty() {
        return Err(PackProblem::NoLanguages);
    }
    let mut seen = BTreeSet::new();
    for tag in languages {
        if !locale::is_language_tag(tag) {
            return Err(PackProblem::InvalidLanguage {
                field: "storefront.languages",
                tag: tag.clone(),
            });
        }
        if !seen.insert(tag) {
            return Err(PackProblem::DuplicateLanguage {
                field: "storefront.languages",
                tag: tag.clone(),
            });
        }
    }
    Ok(())
}

pub(crate) fn check_regions(field: &'static str, regions: &[String]) -> Result<(), PackProblem> {
    if regions.is_empty() {
        return Err(PackProblem::NoRegions { field });
    }
    for region in regions {
        if !codes::is_region(region) {
            return Err(PackProblem::UnknownRegion {
                field,
                region: region.clone(),
                known: codes::REGIONS.join(", "),
            });
        }
    }
    Ok(())
}

pub(crate) fn check_category(field: &'static str, category: &str) -> Result<(), PackProblem> {
    if codes::is_category(category) {
        Ok(())
    } else {
        Err(PackProblem::UnknownCategory {
            field,
            category: category.to_owned(),
        })
    }
}

pub(crate) fn check_age_gates(
    field: &'static str,
    gates: &BTreeMap<String, u8>,
) -> Result<(), PackProblem> {
    for (category, age) in gates {
        check_category(field, category)?;
        if !(1..=25).contains(age) {
            return Err(PackProblem::InvalidAgeGate {
                field,
                category: category.clone(),
                age: *age,
            });
        }
    }
    Ok(())
}

pub(crate) fn check_banned_categories(
    field: &'static str,
    banned: &[BannedCategory],
) -> Result<(), PackProblem> {
    for b in banned {
        check_category(field, &b.category)?;
        not_blank(field, &b.basis)?;
    }
    Ok(())
}

pub(crate) fn check_terms(field: &'static str, terms: &[BannedTerm]) -> Result<(), PackProblem> {
    let mut seen = BTreeSet::new();
    for t in terms {
        let term = t.term.trim();
        if term.is_empty()
            || term != t.term
            || t.reason.trim().is_empty()
            || !seen.insert(term.to_lowercase())
        {
            return Err(PackProblem::InvalidTerm {
                field,
                term: t.term.clone(),
            });
        }
    }
    Ok(())
}

pub(crate) fn check_texts(
    field: &'static str,
    texts: &BTreeMap<String, String>,
    english_required: bool,
) -> Result<(), PackProblem> {
    for (tag, text) in texts {
        if !locale::is_language_tag(tag) {
            return Err(PackProblem::InvalidLanguage {
                field,
                tag: tag.clone(),
            });
        }
        not_blank(field, text)?;
    }
    if english_required && !texts.contains_key("en") {
        return Err(PackProblem::MissingEnglish { field });
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal valid pack; tests edit its text to break one thing.
    pub(crate) fn pack_toml(market: &str) -> String {
        format!(
            r#"schema = 1
market = "{market}"
version = "2026.11.1"
name = "Test {market}"
policy_url = "https://meridian.example/policy/{market}"

[storefront]
languages = ["de-DE", "en-GB"]
currency = "EUR"
tax_display = "inclusive"
units = "metric"

[residency]
regions = ["eu"]
code = "residency-eu-gdpr"
basis = "GDPR Chapter V"

[consent]
framework = "tcf"
basis = "GDPR Art. 6(1)(a)"
gpc_binding = false
biometric_opt_in = true
biometric_basis = "GDPR Art. 9(2)(a)"

[restrictions]
age_gates = {{ alcohol = 18 }}
age_basis = "JuSchG"
banned = [{{ category = "fireworks", basis = "test" }}]

[advertising]
banned_terms = [{{ term = "heilt", reason = "HWG §3" }}]

[ai_label]
visible = true
machine_readable = true
basis = "EU AI Act Art. 50"
text = {{ "de-DE" = "KI-generiert", en = "AI-generated" }}
"#
        )
    }

    fn refused(text: &str) -> PackProblem {
        match MarketPack::parse("markets/DE.toml", text) {
            Ok(_) => panic!("expected a refusal"),
            Err(e) => {
                assert_eq!(e.file, "markets/DE.toml");
                e.problem
            }
        }
    }

    #[test]
    fn a_valid_pack_parses() {
        let pack = MarketPack::parse("markets/DE.toml", &pack_toml("DE")).expect("valid pack");
        assert_eq!(pack.market, "DE");
        assert_eq!(pack.default_language(), "de-DE");
        assert_eq!(pack.residency_code(), "residency-eu-gdpr");
        assert_eq!(pack.age_gate("alcohol"), Some(18));
        assert!(pack.banned("fireworks").is_some());
        assert_eq!(pack.advertising.mask, "***");
    }

    #[test]
    fn bad_currency_is_refused_with_file_and_reason() {
        let err = MarketPack::parse(
            "markets/DE.toml",
            &pack_toml("DE").replace("\"EUR\"", "\"EURO\""),
        )
        .expect_err("bad currency");
        assert_eq!(err.file, "markets/DE.toml");
        assert_eq!(err.problem, PackProblem::InvalidCurrency("EURO".into()));
        let message = err.to_string();
        assert!(
            message.contains("markets/DE.toml") && message.contains("ISO 4217"),
            "{message}"
        );
        assert_eq!(
            refused(&pack_toml("DE").replace("\"EUR\"", "\"eur\"")),
            PackProblem::InvalidCurrency("eur".into())
        );
    }

    #[test]
    fn unknown_field_is_refused() {
        let problem = refused(
            &pack_toml("DE").replace("units = \"metric\"", "units = \"metric\"\nflag = \"🇩🇪\""),
        );
        match problem {
            PackProblem::Parse(m) => assert!(m.contains("unknown field"), "{m}"),
            other => panic!("{other:?}"),
        }
        let top = refused(&format!("colour = \"blue\"\n{}", pack_toml("DE")));
        assert!(matches!(top, PackProblem::Parse(m) if m.contains("unknown field")));
    }

    #[test]
    fn missing_field_and_bad_enum_are_refused() {
        assert!(matches!(
            refused(&pack_toml("DE").replace("units = \"metric\"\n", "")),
            PackProblem::Parse(m) if m.contains("units")
        ));
        assert!(matches!(
            refused(&pack_toml("DE").replace("\"inclusive\"", "\"gross\"")),
            PackProblem::Parse(_)
        ));
        assert!(matches!(
            refused(&pack_toml("DE").replace("framework = \"tcf\"", "framework = \"vibes\"")),
            PackProblem::Parse(_)
        ));
    }

    #[test]
    fn schema_and_version_are_checked() {
        assert_eq!(
            refused(&pack_toml("DE").replace("schema = 1", "schema = 2")),
            PackProblem::UnsupportedSchema { found: 2 }
        );
        assert_eq!(
            refused(&pack_toml("DE").replace("\"2026.11.1\"", "\"\"")),
            PackProblem::InvalidVersion
        );
        assert_eq!(
            refused(&pack_toml("DE").replace("\"2026.11.1\"", "\"v 1\"")),
            PackProblem::InvalidVersion
        );
    }

    #[test]
    fn market_codes_are_checked() {
        assert_eq!(
            refused(&pack_toml("DE").replace("market = \"DE\"", "market = \"EU\"")),
            PackProblem::InvalidMarket("EU".into())
        );
        assert_eq!(
            refused(&pack_toml("FR")),
            PackProblem::MarketNameMismatch {
                file_market: "DE".into(),
                declared: "FR".into()
            }
        );
        assert!(MarketPack::parse("markets/US-CA.toml", &pack_toml("US-CA")).is_ok());
        assert!(MarketPack::parse("markets/ZZ.toml", &pack_toml("ZZ")).is_ok());
    }

    #[test]
    fn languages_are_checked() {
        assert_eq!(
            refused(&pack_toml("DE").replace("[\"de-DE\", \"en-GB\"]", "[]")),
            PackProblem::NoLanguages
        );
        assert_eq!(
            refused(&pack_toml("DE").replace("[\"de-DE\", \"en-GB\"]", "[\"de_DE\"]")),
            PackProblem::InvalidLanguage {
                field: "storefront.languages",
                tag: "de_DE".into()
            }
        );
        assert!(matches!(
            refused(&pack_toml("DE").replace("[\"de-DE\", \"en-GB\"]", "[\"de-DE\", \"de-DE\"]")),
            PackProblem::DuplicateLanguage { .. }
        ));
    }

    #[test]
    fn regions_and_residency_codes_are_checked() {
        assert!(matches!(
            refused(&pack_toml("DE").replace("regions = [\"eu\"]", "regions = [\"mars\"]")),
            PackProblem::UnknownRegion { region, .. } if region == "mars"
        ));
        assert_eq!(
            refused(&pack_toml("DE").replace("regions = [\"eu\"]", "regions = []")),
            PackProblem::NoRegions {
                field: "residency.regions"
            }
        );
        assert_eq!(
            refused(&pack_toml("DE").replace("\"residency-eu-gdpr\"", "\"residency-eu\"")),
            PackProblem::UnknownResidencyCode("residency-eu".into())
        );
    }

    #[test]
    fn bases_categories_ages_terms_and_texts_are_checked() {
        assert_eq!(
            refused(&pack_toml("DE").replace("basis = \"GDPR Chapter V\"", "basis = \" \"")),
            PackProblem::Blank {
                field: "residency.basis"
            }
        );
        assert_eq!(
            refused(&pack_toml("DE").replace("gpc_binding = false", "gpc_binding = true")),
            PackProblem::Blank {
                field: "consent.gpc_basis"
            }
        );
        assert!(matches!(
            refused(&pack_toml("DE").replace("alcohol = 18", "booze = 18")),
            PackProblem::UnknownCategory { category, .. } if category == "booze"
        ));
        assert!(matches!(
            refused(&pack_toml("DE").replace("alcohol = 18", "alcohol = 0")),
            PackProblem::InvalidAgeGate { age: 0, .. }
        ));
        assert!(matches!(
            refused(&pack_toml("DE").replace("reason = \"HWG §3\"", "reason = \"\"")),
            PackProblem::InvalidTerm { .. }
        ));
        assert_eq!(
            refused(&pack_toml("DE").replace("en = \"AI-generated\"", "fr = \"Généré par IA\"")),
            PackProblem::MissingEnglish {
                field: "ai_label.text"
            }
        );
        assert!(matches!(
            refused(&pack_toml("DE").replace("https://meridian", "http://meridian")),
            PackProblem::InvalidPolicyUrl(_)
        ));
    }

    #[test]
    fn file_stems() {
        assert_eq!(file_stem("markets/DE.toml"), "DE");
        assert_eq!(file_stem("US-CA.toml"), "US-CA");
        assert_eq!(file_stem("a\\b\\JP.toml"), "JP");
    }
}
