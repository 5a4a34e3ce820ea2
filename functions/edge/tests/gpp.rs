//! The edge's GPP decoder against IAB's reference library
//! (`@iabgpp/cmpapi` 3.2.0, pinned in `tests/gpp/`): seeded random field
//! values for several sections per string go to `node tests/gpp/reference.mjs`,
//! which encodes them with the reference encoder and decodes the string
//! again with the reference decoder; every field the reference reads must
//! be what `policy::consent::gpp::decode` reads.
//!
//! Needs `node` and the library: `npm ci` in `functions/edge/tests/gpp`.

mod common;

use meridian_edge::policy::consent::gpp::{self, SectionData, UsField, UsKind, UsSection};
use meridian_edge::policy::consent::tcf::TcString;
use serde_json::{Map, Value, json};

/// splitmix64: a fixed seed gives the same cases on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const SEED: u64 = 0x6770_7073_6565_6421;
const CASES: usize = 600;

/// Random values for every field of a US section's layout (2-bit values
/// 0-2; MspaCoveredTransaction 1-2, as the reference encoder validates).
fn us_fields(rng: &mut Rng, kind: UsKind) -> Map<String, Value> {
    let version = if kind == UsKind::UsNat {
        1 + rng.below(2) as u8
    } else {
        1
    };
    let mut fields = Map::new();
    fields.insert("Version".into(), json!(version));
    for &field in kind.layout(version).expect("a known version") {
        let value = match field {
            UsField::SensitiveDataProcessing(n) | UsField::KnownChildSensitiveDataConsents(n)
                if n > 0 =>
            {
                // The reference always holds the v2 lengths for usnat.
                let n = match (kind, field) {
                    (UsKind::UsNat, UsField::SensitiveDataProcessing(_)) => 16,
                    (UsKind::UsNat, _) => 3,
                    _ => n,
                };
                json!((0..n).map(|_| rng.below(3)).collect::<Vec<_>>())
            }
            UsField::MspaCoveredTransaction => json!(1 + rng.below(2)),
            _ => json!(rng.below(3)),
        };
        fields.insert(field.name().into(), value);
    }
    if kind.has_gpc_segment() {
        let included = rng.chance(60);
        fields.insert("GpcSegmentIncluded".into(), json!(included));
        if included {
            fields.insert("Gpc".into(), json!(rng.chance(50)));
        }
    }
    fields
}

fn bools(rng: &mut Rng, n: usize, percent: u64) -> Vec<bool> {
    (0..n).map(|_| rng.chance(percent)).collect()
}

fn vendors(rng: &mut Rng) -> Vec<u64> {
    let mut v: Vec<u64> = (0..rng.below(12)).map(|_| 1 + rng.below(5000)).collect();
    if rng.chance(30) {
        let start = 1 + rng.below(3000);
        v.extend(start..start + rng.below(40));
    }
    v.sort_unstable();
    v.dedup();
    v
}

fn tcf_fields(rng: &mut Rng) -> Map<String, Value> {
    let letters = |rng: &mut Rng| -> String {
        (0..2)
            .map(|_| char::from(b'A' + rng.below(26) as u8))
            .collect()
    };
    let day = 1_700_000_000_000u64 + rng.below(1000) * 86_400_000;
    let mut f = Map::new();
    f.insert("Created".into(), json!(day));
    f.insert(
        "LastUpdated".into(),
        json!(day + rng.below(30) * 86_400_000),
    );
    f.insert("CmpId".into(), json!(rng.below(4096)));
    f.insert("CmpVersion".into(), json!(rng.below(4096)));
    f.insert("ConsentScreen".into(), json!(rng.below(64)));
    f.insert("ConsentLanguage".into(), json!(letters(rng)));
    f.insert("VendorListVersion".into(), json!(rng.below(4096)));
    f.insert("PolicyVersion".into(), json!(4 + rng.below(2)));
    f.insert("SpecialFeatureOptins".into(), json!(bools(rng, 12, 30)));
    f.insert("PurposeConsents".into(), json!(bools(rng, 24, 50)));
    // TCF 2.2 has no legitimate interest for purposes 1 and 3 to 6 (the
    // reference encoder clears them).
    let mut li = bools(rng, 24, 30);
    li[0] = false;
    li[2..6].fill(false);
    f.insert("PurposeLegitimateInterests".into(), json!(li));
    f.insert("PurposeOneTreatment".into(), json!(rng.chance(20)));
    f.insert("PublisherCountryCode".into(), json!(letters(rng)));
    f.insert("VendorConsents".into(), json!(vendors(rng)));
    f.insert("VendorLegitimateInterests".into(), json!(vendors(rng)));
    f
}

fn cases() -> Vec<Value> {
    let mut rng = Rng(SEED);
    (0..CASES)
        .map(|i| {
            let mut sections = Map::new();
            // Every section alone first, then random mixes of one to four.
            let kinds: Vec<UsKind> = if i < UsKind::ALL.len() {
                vec![UsKind::ALL[i]]
            } else {
                (0..1 + rng.below(4))
                    .map(|_| UsKind::ALL[rng.below(UsKind::ALL.len() as u64) as usize])
                    .collect()
            };
            for kind in kinds {
                sections.insert(kind.name().into(), Value::Object(us_fields(&mut rng, kind)));
            }
            if i >= UsKind::ALL.len() && rng.chance(35) {
                sections.insert("tcfeuv2".into(), Value::Object(tcf_fields(&mut rng)));
            }
            json!({ "sections": sections })
        })
        .collect()
}

/// A US section as the reference names its fields.
fn us_as_reference(kind: UsKind, s: &UsSection) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("Version".into(), json!(s.version));
    for &field in kind.layout(s.version).expect("decoded, so known") {
        let value = match field {
            UsField::SharingNotice => json!(s.sharing_notice),
            UsField::SaleOptOutNotice => json!(s.sale_opt_out_notice),
            UsField::SharingOptOutNotice => json!(s.sharing_opt_out_notice),
            UsField::TargetedAdvertisingOptOutNotice => {
                json!(s.targeted_advertising_opt_out_notice)
            }
            UsField::SensitiveDataProcessingOptOutNotice => {
                json!(s.sensitive_data_processing_opt_out_notice)
            }
            UsField::SensitiveDataLimitUseNotice => json!(s.sensitive_data_limit_use_notice),
            UsField::SensitiveDataOptOutNotice => json!(s.sensitive_data_opt_out_notice),
            UsField::ProcessingNotice => json!(s.processing_notice),
            UsField::SaleOptOut => json!(s.sale_opt_out),
            UsField::SharingOptOut => json!(s.sharing_opt_out),
            UsField::TargetedAdvertisingOptOut => json!(s.targeted_advertising_opt_out),
            UsField::SensitiveDataProcessing(_) => json!(s.sensitive_data_processing),
            UsField::KnownChildSensitiveDataConsents(0) => {
                json!(s.known_child_sensitive_data_consents.first())
            }
            UsField::KnownChildSensitiveDataConsents(_) => {
                json!(s.known_child_sensitive_data_consents)
            }
            UsField::PersonalDataConsents => json!(s.personal_data_consents),
            UsField::AdditionalDataProcessingConsent => {
                json!(s.additional_data_processing_consent)
            }
            UsField::MspaCoveredTransaction => json!(s.mspa_covered_transaction),
            UsField::MspaOptOutOptionMode => json!(s.mspa_opt_out_option_mode),
            UsField::MspaServiceProviderMode => json!(s.mspa_service_provider_mode),
        };
        m.insert(field.name().into(), value);
    }
    if kind.has_gpc_segment() {
        m.insert("GpcSegmentType".into(), json!(1));
        m.insert("GpcSegmentIncluded".into(), json!(s.gpc.is_some()));
        m.insert("Gpc".into(), json!(s.gpc.unwrap_or(false)));
    }
    m
}

fn bits_as_bools(bits: u64, width: u32) -> Vec<bool> {
    (1..=width)
        .map(|n| (bits >> (width - n)) & 1 == 1)
        .collect()
}

/// The TC string fields Meridian decides with, as the reference names them.
fn tcf_as_reference(tc: &TcString) -> Map<String, Value> {
    let mut m = Map::new();
    // The reference keeps milliseconds; TC strings deciseconds.
    m.insert("Created".into(), json!(tc.created * 100));
    m.insert("LastUpdated".into(), json!(tc.last_updated * 100));
    m.insert("CmpId".into(), json!(tc.cmp_id));
    m.insert("CmpVersion".into(), json!(tc.cmp_version));
    m.insert("ConsentScreen".into(), json!(tc.consent_screen));
    m.insert(
        "ConsentLanguage".into(),
        json!(tc.consent_language.to_ascii_uppercase()),
    );
    m.insert("VendorListVersion".into(), json!(tc.vendor_list_version));
    m.insert("PolicyVersion".into(), json!(tc.policy_version));
    m.insert("IsServiceSpecific".into(), json!(tc.is_service_specific));
    m.insert(
        "SpecialFeatureOptins".into(),
        json!(bits_as_bools(u64::from(tc.special_feature_opt_ins), 12)),
    );
    m.insert(
        "PurposeConsents".into(),
        json!(bits_as_bools(u64::from(tc.purposes_consent), 24)),
    );
    m.insert(
        "PurposeLegitimateInterests".into(),
        json!(bits_as_bools(u64::from(tc.purposes_li), 24)),
    );
    m.insert(
        "PurposeOneTreatment".into(),
        json!(tc.purpose_one_treatment),
    );
    m.insert("PublisherCountryCode".into(), json!(tc.publisher_cc));
    m.insert(
        "VendorConsents".into(),
        json!(tc.vendor_consents.ids().collect::<Vec<_>>()),
    );
    m.insert(
        "VendorLegitimateInterests".into(),
        json!(tc.vendor_li.ids().collect::<Vec<_>>()),
    );
    m
}

#[test]
fn every_field_matches_the_reference_library() {
    let cases = cases();
    let answers = common::node_reference("gpp", Some("@iabgpp/cmpapi"), &json!({ "cases": cases }));
    let answers = answers.as_array().expect("one answer per case");
    assert_eq!(answers.len(), cases.len());
    let mut sections_checked = 0;
    let mut fields_checked = 0;
    for (case, answer) in cases.iter().zip(answers) {
        assert!(answer.get("error").is_none(), "{case}: {answer}");
        let string = answer["string"].as_str().expect("a string");
        let ours = gpp::decode(string).unwrap_or_else(|e| panic!("{string}: {e}"));
        let ids: Vec<u16> = serde_json::from_value(answer["section_ids"].clone()).expect("ids");
        assert_eq!(ours.section_ids, ids, "{string}");
        let reference = answer["sections"].as_object().expect("sections");
        assert_eq!(ours.sections.len(), reference.len(), "{string}");
        for section in &ours.sections {
            let (name, mine) = match &section.data {
                Ok(SectionData::Us(kind, s)) => (kind.name(), us_as_reference(*kind, s)),
                Ok(SectionData::TcfEuV2(tc)) => ("tcfeuv2", tcf_as_reference(tc)),
                other => panic!("{string}: section {}: {other:?}", section.id),
            };
            let theirs = reference[name].as_object().expect("the reference read it");
            if name == "tcfeuv2" {
                // Only the fields Meridian reads; every one of them.
                for (field, value) in &mine {
                    assert_eq!(Some(value), theirs.get(field), "{string}: {name}.{field}");
                }
            } else {
                assert_eq!(&mine, theirs, "{string}: {name}");
            }
            // What was asked for is what both read back.
            for (field, value) in case["sections"][name].as_object().expect("asked") {
                let asked = match (value, mine.get(field)) {
                    // usnat v1 keeps the first 12 and 2 of the v2 lists.
                    (Value::Array(all), Some(Value::Array(kept))) if name == "usnat" => {
                        Value::Array(all[..kept.len()].to_vec())
                    }
                    _ => value.clone(),
                };
                // The reference encoder stamps Created and LastUpdated with today.
                if !matches!(
                    field.as_str(),
                    "GpcSegmentIncluded" | "Created" | "LastUpdated"
                ) {
                    assert_eq!(
                        mine.get(field),
                        Some(&asked),
                        "{string}: {name}.{field} as encoded"
                    );
                }
            }
            sections_checked += 1;
            fields_checked += mine.len();
        }
    }
    assert!(sections_checked > CASES, "{sections_checked} sections");
    eprintln!("{sections_checked} sections, {fields_checked} fields match the reference");
}

/// Strings the reference library cannot or will not write: ours refuses
/// them with a typed error and never panics; where the reference decodes
/// them anyway, the sections both read agree.
#[test]
fn damaged_strings_never_panic_and_agree_where_both_read() {
    let mut rng = Rng(SEED ^ 0xdead);
    let good = common::node_reference(
        "gpp",
        Some("@iabgpp/cmpapi"),
        &json!({ "cases": cases().into_iter().take(80).collect::<Vec<_>>() }),
    );
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~.";
    let mut damaged = Vec::new();
    for answer in good.as_array().expect("answers") {
        let s = answer["string"]
            .as_str()
            .expect("string")
            .as_bytes()
            .to_vec();
        for _ in 0..4 {
            let mut d = s.clone();
            match rng.below(3) {
                0 => d.truncate(rng.below(d.len() as u64) as usize),
                1 => {
                    let at = rng.below(d.len() as u64) as usize;
                    d[at] = alphabet[rng.below(alphabet.len() as u64) as usize];
                }
                _ => d.insert(
                    rng.below(d.len() as u64) as usize,
                    alphabet[rng.below(alphabet.len() as u64) as usize],
                ),
            }
            damaged.push(String::from_utf8(d).expect("ascii"));
        }
    }
    let cases: Vec<Value> = damaged.iter().map(|d| json!({ "decode": d })).collect();
    let answers = common::node_reference("gpp", Some("@iabgpp/cmpapi"), &json!({ "cases": cases }));
    let mut agreed = 0;
    for (string, answer) in damaged.iter().zip(answers.as_array().expect("answers")) {
        let ours = gpp::decode(string);
        let (Ok(ours), None) = (&ours, answer.get("error")) else {
            continue;
        };
        let reference = answer["sections"].as_object().expect("sections");
        let texts: Vec<&str> = string.split('~').skip(1).collect();
        for (section, text) in ours.sections.iter().zip(texts) {
            // The reference picks usnat's layout by the core segment's
            // length (10 or 11 characters: v1), not by its Version field as
            // the specification says; a damaged v1 core of another length
            // is read as v2 there.
            let core_len = text.split('.').next().map_or(0, str::len);
            if let Ok(SectionData::Us(UsKind::UsNat, s)) = &section.data
                && (s.version == 1) != matches!(core_len, 10 | 11)
            {
                continue;
            }
            if let Ok(SectionData::Us(kind, s)) = &section.data
                && let Some(theirs) = reference.get(kind.name()).and_then(Value::as_object)
            {
                assert_eq!(&us_as_reference(*kind, s), theirs, "{string}");
                agreed += 1;
            }
        }
    }
    eprintln!(
        "{} damaged strings, {agreed} sections both read",
        damaged.len()
    );
}
