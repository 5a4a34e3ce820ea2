//! IAB TCF v2 TC strings (v2.2 / v2.3), decoded by hand from the
//! "Consent string and vendor list formats v2" specification.
//!
//! A TC string is base64url segments joined by `.`. The first is the core
//! segment (no segment type; it starts with `Version`):
//!
//! | field | bits |
//! |---|---|
//! | Version (= 2) | 6 |
//! | Created, LastUpdated (deciseconds since epoch; day precision since v2.2) | 36 + 36 |
//! | CmpId, CmpVersion | 12 + 12 |
//! | ConsentScreen | 6 |
//! | ConsentLanguage (two letters, a=0..z=25) | 12 |
//! | VendorListVersion | 12 |
//! | TcfPolicyVersion (4 = TCF 2.2, 5 = TCF 2.3) | 6 |
//! | IsServiceSpecific (must be 1), UseNonStandardTexts | 1 + 1 |
//! | SpecialFeatureOptIns | 12 |
//! | PurposesConsent, PurposesLITransparency (purpose 1 = leftmost bit) | 24 + 24 |
//! | PurposeOneTreatment | 1 |
//! | PublisherCC (two letters) | 12 |
//! | Vendor consent section: MaxVendorId(16), IsRangeEncoding(1), then a MaxVendorId-bit field or NumEntries(12) × [IsARange(1), StartOrOnlyVendorId(16), EndVendorId(16) if a range] | |
//! | Vendor legitimate interest section (same shape) | |
//! | NumPubRestrictions(12) × [PurposeId(6), RestrictionType(2), NumEntries(12) × range entries] | |
//!
//! Later segments start with a 3-bit SegmentType: 1 DisclosedVendors and 2
//! AllowedVendors (a vendor section each), 3 PublisherTC
//! (PubPurposesConsent(24), PubPurposesLITransparency(24),
//! NumCustomPurposes(6), then two bit fields of that length).
//!
//! [`parse`] checks structure only; [`decode`] also refuses what the
//! policy makes invalid (policy version below 4, `IsServiceSpecific = 0`).
//! Errors are typed and never echo the string.

use super::bits::{BitReader, decode_segment};

/// TC strings with an older policy version are invalid since 30 Sep 2023.
pub const MIN_POLICY_VERSION: u8 = 4;

/// Longer input is refused before decoding (a cookie is at most ~4 KiB;
/// a string with every publisher restriction stays well under this).
pub const MAX_TC_STRING_LEN: usize = 16 * 1024;

/// Why a TC string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TcfError {
    #[error("the TC string is empty")]
    Empty,
    #[error("the TC string is {len} bytes; at most {MAX_TC_STRING_LEN} are read")]
    TooLong { len: usize },
    #[error("segment {segment} is not base64url: {found:?} at offset {offset}")]
    NotBase64Url {
        segment: usize,
        offset: usize,
        found: char,
    },
    #[error("segment {segment} is empty")]
    EmptySegment { segment: usize },
    #[error("segment {segment} is truncated: {field} needs {needed} bit(s) at bit {bit}")]
    Truncated {
        segment: usize,
        field: &'static str,
        bit: usize,
        needed: usize,
    },
    #[error("encoding version {0}; only version 2 is read")]
    UnsupportedVersion(u8),
    #[error("TCF policy version {found}; at least {MIN_POLICY_VERSION} is required (TCF 2.2)")]
    PolicyVersionTooOld { found: u8 },
    #[error("IsServiceSpecific is 0 (global scope), invalid since September 2021")]
    NotServiceSpecific,
    #[error("{field}: {value} is not a letter code (a=0..z=25)")]
    InvalidLetter { field: &'static str, value: u8 },
    #[error("{field}: vendor id 0 is not a vendor")]
    VendorIdZero { field: &'static str },
    #[error("{field}: range {start}-{end} ends before it starts")]
    RangeInverted {
        field: &'static str,
        start: u16,
        end: u16,
    },
    #[error(
        "{field}: entry starting at {start} overlaps or precedes the previous entry (ending at {previous_end})"
    )]
    RangeOutOfOrder {
        field: &'static str,
        start: u16,
        previous_end: u16,
    },
    #[error("{field}: vendor {id} is above MaxVendorId {max}")]
    VendorIdOutOfBounds {
        field: &'static str,
        id: u16,
        max: u16,
    },
    #[error("publisher restriction on purpose {purpose}: restriction type 3 is undefined")]
    UndefinedRestrictionType { purpose: u8 },
    #[error("publisher restriction: purpose id 0 is not a purpose")]
    PurposeIdZero,
    #[error(
        "segment {segment}: segment type {kind} is not DisclosedVendors (1), AllowedVendors (2) or PublisherTC (3)"
    )]
    UnknownSegmentType { segment: usize, kind: u8 },
    #[error("segment {segment}: segment type {kind} appears twice")]
    DuplicateSegment { segment: usize, kind: u8 },
}

impl TcfError {
    /// A stable code for logs and audit records.
    pub fn code(&self) -> &'static str {
        match self {
            TcfError::Empty => "tcf-empty",
            TcfError::TooLong { .. } => "tcf-too-long",
            TcfError::NotBase64Url { .. } => "tcf-not-base64url",
            TcfError::EmptySegment { .. } => "tcf-empty-segment",
            TcfError::Truncated { .. } => "tcf-truncated",
            TcfError::UnsupportedVersion(_) => "tcf-version",
            TcfError::PolicyVersionTooOld { .. } => "tcf-policy-version",
            TcfError::NotServiceSpecific => "tcf-not-service-specific",
            TcfError::InvalidLetter { .. } => "tcf-letter",
            TcfError::VendorIdZero { .. } => "tcf-vendor-id-zero",
            TcfError::RangeInverted { .. } => "tcf-range-inverted",
            TcfError::RangeOutOfOrder { .. } => "tcf-range-order",
            TcfError::VendorIdOutOfBounds { .. } => "tcf-vendor-out-of-bounds",
            TcfError::UndefinedRestrictionType { .. } => "tcf-restriction-type",
            TcfError::PurposeIdZero => "tcf-purpose-id",
            TcfError::UnknownSegmentType { .. } => "tcf-segment-type",
            TcfError::DuplicateSegment { .. } => "tcf-segment-duplicate",
        }
    }
}

/// A set of vendor ids: canonical (sorted, disjoint, non-adjacent
/// inclusive ranges) whatever encoding it came in, plus the MaxVendorId the
/// section declared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendorSet {
    max_vendor_id: u16,
    ranges: Vec<(u16, u16)>,
}

impl VendorSet {
    /// The set of `ids` (0 is ignored); MaxVendorId is `max_vendor_id` or
    /// the highest id, whichever is larger.
    pub fn from_ids(ids: impl IntoIterator<Item = u16>, max_vendor_id: u16) -> VendorSet {
        let mut ids: Vec<u16> = ids.into_iter().filter(|id| *id != 0).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut ranges: Vec<(u16, u16)> = Vec::new();
        for id in ids {
            match ranges.last_mut() {
                Some((_, end)) if u32::from(*end) + 1 == u32::from(id) => *end = id,
                _ => ranges.push((id, id)),
            }
        }
        let highest = ranges.last().map_or(0, |r| r.1);
        VendorSet {
            max_vendor_id: max_vendor_id.max(highest),
            ranges,
        }
    }

    pub fn max_vendor_id(&self) -> u16 {
        self.max_vendor_id
    }

    /// Inclusive ranges, ascending.
    pub fn ranges(&self) -> &[(u16, u16)] {
        &self.ranges
    }

    pub fn contains(&self, id: u16) -> bool {
        id != 0
            && self
                .ranges
                .binary_search_by(|&(start, end)| {
                    if end < id {
                        std::cmp::Ordering::Less
                    } else if start > id {
                        std::cmp::Ordering::Greater
                    } else {
                        std::cmp::Ordering::Equal
                    }
                })
                .is_ok()
    }

    pub fn len(&self) -> usize {
        self.ranges
            .iter()
            .map(|(s, e)| usize::from(*e - *s) + 1)
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    pub fn ids(&self) -> impl Iterator<Item = u16> + '_ {
        self.ranges.iter().flat_map(|&(s, e)| s..=e)
    }
}

/// What a publisher restriction asks of the vendors it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestrictionType {
    /// 0: the purpose is not allowed at all.
    NotAllowed,
    /// 1: consent is required (legitimate interest may not be used).
    RequireConsent,
    /// 2: legitimate interest is required (consent may not be used).
    RequireLegitimateInterest,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PubRestriction {
    pub purpose_id: u8,
    pub restriction: RestrictionType,
    /// Inclusive ranges, ascending, canonical.
    pub vendors: Vec<(u16, u16)>,
}

impl PubRestriction {
    pub fn applies_to(&self, vendor: u16) -> bool {
        self.vendors.iter().any(|&(s, e)| (s..=e).contains(&vendor))
    }
}

/// The PublisherTC segment: the publisher's own purposes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublisherTc {
    /// 24 bits, purpose 1 leftmost.
    pub purposes_consent: u32,
    pub purposes_li: u32,
    /// 0..=63 custom purposes.
    pub num_custom_purposes: u8,
    /// `num_custom_purposes` bits, custom purpose 1 leftmost.
    pub custom_consent: u64,
    pub custom_li: u64,
}

/// A decoded TC string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcString {
    pub version: u8,
    /// Deciseconds since the Unix epoch.
    pub created: u64,
    pub last_updated: u64,
    pub cmp_id: u16,
    pub cmp_version: u16,
    pub consent_screen: u8,
    /// ISO 639-1, lower case (`en`).
    pub consent_language: String,
    pub vendor_list_version: u16,
    pub policy_version: u8,
    pub is_service_specific: bool,
    pub use_non_standard_texts: bool,
    /// 12 bits, special feature 1 leftmost.
    pub special_feature_opt_ins: u16,
    /// 24 bits, purpose 1 leftmost.
    pub purposes_consent: u32,
    /// 24 bits, purpose 1 leftmost.
    pub purposes_li: u32,
    pub purpose_one_treatment: bool,
    /// ISO 3166-1 alpha-2, upper case (`DE`).
    pub publisher_cc: String,
    pub vendor_consents: VendorSet,
    pub vendor_li: VendorSet,
    pub pub_restrictions: Vec<PubRestriction>,
    pub disclosed_vendors: Option<VendorSet>,
    pub allowed_vendors: Option<VendorSet>,
    pub publisher_tc: Option<PublisherTc>,
}

/// Bit `n` (1-based, leftmost = 1) of a `width`-bit field.
pub(crate) fn flag(bits: u64, width: u8, n: u8) -> bool {
    (1..=width).contains(&n) && (bits >> (width - n)) & 1 == 1
}

fn flags(bits: u64, width: u8) -> Vec<u8> {
    (1..=width).filter(|n| flag(bits, width, *n)).collect()
}

impl TcString {
    pub fn purpose_consent(&self, purpose: u8) -> bool {
        flag(u64::from(self.purposes_consent), 24, purpose)
    }

    pub fn purpose_li(&self, purpose: u8) -> bool {
        flag(u64::from(self.purposes_li), 24, purpose)
    }

    pub fn special_feature(&self, feature: u8) -> bool {
        flag(u64::from(self.special_feature_opt_ins), 12, feature)
    }

    /// Purposes with consent, ascending.
    pub fn purposes_with_consent(&self) -> Vec<u8> {
        flags(u64::from(self.purposes_consent), 24)
    }

    /// Purposes with legitimate interest established, ascending.
    pub fn purposes_with_li(&self) -> Vec<u8> {
        flags(u64::from(self.purposes_li), 24)
    }

    pub fn vendor_consent(&self, vendor: u16) -> bool {
        self.vendor_consents.contains(vendor)
    }

    pub fn vendor_legitimate_interest(&self, vendor: u16) -> bool {
        self.vendor_li.contains(vendor)
    }

    /// The publisher's restriction on `vendor` for `purpose`: `NotAllowed`
    /// wins over the others when several apply.
    pub fn restriction(&self, purpose: u8, vendor: u16) -> Option<RestrictionType> {
        let mut found = None;
        for r in &self.pub_restrictions {
            if r.purpose_id == purpose && r.applies_to(vendor) {
                if r.restriction == RestrictionType::NotAllowed {
                    return Some(RestrictionType::NotAllowed);
                }
                found = found.or(Some(r.restriction));
            }
        }
        found
    }

    /// Refuses what is well-formed but invalid under TCF policy.
    pub fn check_policy(self) -> Result<TcString, TcfError> {
        if self.policy_version < MIN_POLICY_VERSION {
            return Err(TcfError::PolicyVersionTooOld {
                found: self.policy_version,
            });
        }
        if !self.is_service_specific {
            return Err(TcfError::NotServiceSpecific);
        }
        Ok(self)
    }
}

/// Decodes a TC string and applies the TCF policy checks: the form to use
/// for decisions.
pub fn decode(raw: &str) -> Result<TcString, TcfError> {
    parse(raw)?.check_policy()
}

/// Decodes a TC string's structure (any policy version).
pub fn parse(raw: &str) -> Result<TcString, TcfError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(TcfError::Empty);
    }
    if raw.len() > MAX_TC_STRING_LEN {
        return Err(TcfError::TooLong { len: raw.len() });
    }
    let mut segments = raw.split('.');
    let core = segments.next().unwrap_or_default();
    let sextets = decode_segment(core, 0)?;
    let mut tc = read_core(&mut BitReader::new(&sextets, 0))?;
    let mut seen = [false; 4];
    for (i, text) in segments.enumerate() {
        let segment = i + 1;
        let sextets = decode_segment(text, segment)?;
        let mut r = BitReader::new(&sextets, segment);
        let kind = r.read_u8(3, "SegmentType")?;
        let slot = match kind {
            1..=3 => usize::from(kind),
            _ => return Err(TcfError::UnknownSegmentType { segment, kind }),
        };
        if std::mem::replace(&mut seen[slot], true) {
            return Err(TcfError::DuplicateSegment { segment, kind });
        }
        match kind {
            1 => tc.disclosed_vendors = Some(read_vendor_set(&mut r, "DisclosedVendors")?),
            2 => tc.allowed_vendors = Some(read_vendor_set(&mut r, "AllowedVendors")?),
            _ => tc.publisher_tc = Some(read_publisher_tc(&mut r)?),
        }
    }
    Ok(tc)
}

fn read_letters(r: &mut BitReader<'_>, field: &'static str, base: u8) -> Result<String, TcfError> {
    let mut out = String::with_capacity(2);
    for _ in 0..2 {
        let value = r.read_u8(6, field)?;
        if value > 25 {
            return Err(TcfError::InvalidLetter { field, value });
        }
        out.push(char::from(base + value));
    }
    Ok(out)
}

fn read_core(r: &mut BitReader<'_>) -> Result<TcString, TcfError> {
    let version = r.read_u8(6, "Version")?;
    if version != 2 {
        return Err(TcfError::UnsupportedVersion(version));
    }
    let created = r.read(36, "Created")?;
    let last_updated = r.read(36, "LastUpdated")?;
    let cmp_id = r.read_u16(12, "CmpId")?;
    let cmp_version = r.read_u16(12, "CmpVersion")?;
    let consent_screen = r.read_u8(6, "ConsentScreen")?;
    let consent_language = read_letters(r, "ConsentLanguage", b'a')?;
    let vendor_list_version = r.read_u16(12, "VendorListVersion")?;
    let policy_version = r.read_u8(6, "TcfPolicyVersion")?;
    let is_service_specific = r.read_bool("IsServiceSpecific")?;
    let use_non_standard_texts = r.read_bool("UseNonStandardTexts")?;
    let special_feature_opt_ins = r.read_u16(12, "SpecialFeatureOptIns")?;
    let purposes_consent = (r.read(24, "PurposesConsent")? & 0xff_ffff) as u32;
    let purposes_li = (r.read(24, "PurposesLITransparency")? & 0xff_ffff) as u32;
    let purpose_one_treatment = r.read_bool("PurposeOneTreatment")?;
    let publisher_cc = read_letters(r, "PublisherCC", b'A')?;
    let vendor_consents = read_vendor_set(r, "VendorConsents")?;
    let vendor_li = read_vendor_set(r, "VendorLegitimateInterests")?;
    let count = r.read(12, "NumPubRestrictions")?;
    let mut pub_restrictions = Vec::new();
    for _ in 0..count {
        let purpose_id = r.read_u8(6, "PurposeId")?;
        if purpose_id == 0 {
            return Err(TcfError::PurposeIdZero);
        }
        let restriction = match r.read_u8(2, "RestrictionType")? {
            0 => RestrictionType::NotAllowed,
            1 => RestrictionType::RequireConsent,
            2 => RestrictionType::RequireLegitimateInterest,
            _ => {
                return Err(TcfError::UndefinedRestrictionType {
                    purpose: purpose_id,
                });
            }
        };
        let vendors = read_ranges(r, "PubRestrictionEntry", None)?;
        pub_restrictions.push(PubRestriction {
            purpose_id,
            restriction,
            vendors,
        });
    }
    Ok(TcString {
        version,
        created,
        last_updated,
        cmp_id,
        cmp_version,
        consent_screen,
        consent_language,
        vendor_list_version,
        policy_version,
        is_service_specific,
        use_non_standard_texts,
        special_feature_opt_ins,
        purposes_consent,
        purposes_li,
        purpose_one_treatment,
        publisher_cc,
        vendor_consents,
        vendor_li,
        pub_restrictions,
        disclosed_vendors: None,
        allowed_vendors: None,
        publisher_tc: None,
    })
}

/// MaxVendorId, IsRangeEncoding, then a bit field or range entries.
fn read_vendor_set(r: &mut BitReader<'_>, field: &'static str) -> Result<VendorSet, TcfError> {
    let max_vendor_id = r.read_u16(16, field)?;
    let is_range = r.read_bool(field)?;
    let ranges = if is_range {
        read_ranges(r, field, Some(max_vendor_id))?
    } else {
        r.require(usize::from(max_vendor_id), field)?;
        let mut ranges: Vec<(u16, u16)> = Vec::new();
        for id in 1..=max_vendor_id {
            if r.read_bool(field)? {
                match ranges.last_mut() {
                    Some((_, end)) if u32::from(*end) + 1 == u32::from(id) => *end = id,
                    _ => ranges.push((id, id)),
                }
            }
        }
        ranges
    };
    Ok(VendorSet {
        max_vendor_id,
        ranges,
    })
}

/// NumEntries(12) × [IsARange(1), StartOrOnlyVendorId(16), EndVendorId(16)?],
/// ascending and non-overlapping; adjacent entries are merged.
fn read_ranges(
    r: &mut BitReader<'_>,
    field: &'static str,
    max: Option<u16>,
) -> Result<Vec<(u16, u16)>, TcfError> {
    let count = r.read(12, field)?;
    let mut out: Vec<(u16, u16)> = Vec::new();
    for _ in 0..count {
        let is_range = r.read_bool(field)?;
        let start = r.read_u16(16, field)?;
        let end = if is_range {
            r.read_u16(16, field)?
        } else {
            start
        };
        if start == 0 {
            return Err(TcfError::VendorIdZero { field });
        }
        if end < start {
            return Err(TcfError::RangeInverted { field, start, end });
        }
        if let Some(max) = max
            && end > max
        {
            return Err(TcfError::VendorIdOutOfBounds {
                field,
                id: end,
                max,
            });
        }
        match out.last_mut() {
            Some((_, previous_end)) if start <= *previous_end => {
                return Err(TcfError::RangeOutOfOrder {
                    field,
                    start,
                    previous_end: *previous_end,
                });
            }
            Some((_, previous_end)) if u32::from(*previous_end) + 1 == u32::from(start) => {
                *previous_end = end
            }
            _ => out.push((start, end)),
        }
    }
    Ok(out)
}

fn read_publisher_tc(r: &mut BitReader<'_>) -> Result<PublisherTc, TcfError> {
    let purposes_consent = (r.read(24, "PubPurposesConsent")? & 0xff_ffff) as u32;
    let purposes_li = (r.read(24, "PubPurposesLITransparency")? & 0xff_ffff) as u32;
    let num_custom_purposes = r.read_u8(6, "NumCustomPurposes")?;
    let n = usize::from(num_custom_purposes);
    let custom_consent = r.read(n, "CustomPurposesConsent")?;
    let custom_li = r.read(n, "CustomPurposesLITransparency")?;
    Ok(PublisherTc {
        purposes_consent,
        purposes_li,
        num_custom_purposes,
        custom_consent,
        custom_li,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::bits::BitWriter;
    use super::super::tcf_encode::{VendorEncoding, base, encode, purposes};
    use super::*;

    const ALL_ENCODINGS: [VendorEncoding; 3] = [
        VendorEncoding::Auto,
        VendorEncoding::BitField,
        VendorEncoding::Range,
    ];

    /// The core-segment example of the IAB specification (2025 revision).
    /// By hand: `C` = 000010 → Version 2; `QNIGUA` → Created
    /// 17400096000 ds = 2025-02-20T00:00:00Z (LastUpdated the same);
    /// `A4` → CmpId 56; `AC` → CmpVersion 2; `A` → screen 0;
    /// `FR` = 000101 010001 → language `fr`.
    const IAB_CORE: &str =
        "CQNIGUAQNIGUAA4ACAFRBdFgALAAAAEgAAIgKRwBYAFgAbABgAGQCmgOHgpECkYBEQA4AFAAWAEUARAAAAAA";
    /// The example in "TC String Format" of the current specification:
    /// core, DisclosedVendors and PublisherTC segments.
    const IAB_THREE_SEGMENTS: &str =
        "CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.IDKQA4AAgAKAGQAygAAA.YAAAAAAAAAAA";
    /// The TCF v2.0 specification's long-published example (core only).
    const IAB_V20: &str = "COvFyGBOvFyGBAbAAAENAPCAAOAAAAAAAAAAAEEUACCKAAA";
    /// An example from the specification with publisher restrictions on
    /// purposes 2 to 11 and a PublisherTC segment with custom purposes.
    const IAB_RESTRICTIONS: &str = "CQNIGUAQNIGUAE1ACADEBbFgAP_gAAAAAAYgKBpV9C7dbWFF8X53aPtkOY0X19BzIsQhBhSBAyAFyBOQ8JQA02E6NASgJiACEAAAoxTBAAFEHABEAQCAQAAEAADsIAwEgAAIIABEgBEQAAJYAAgKCIggEAAIgAIEEgAAmBiAKdLmXUiAgIACCgCQACABAICAAgMABAAIAAIAAAAAwgAAgAJgoAIAAAAAARAIAAAAAAAAAAAAIAAAAAAAAAAAgAAAKHQAYAAgoGMgAwABBQMVABgACCgYiADAAEFAw0AGAAIKBhIAMAAQUDLQAYAAgoGUgAwABBQMlABgACCgZCADAAEFAw.YAAAAAAAA60A";

    #[test]
    fn iab_core_example_decodes_field_by_field() {
        let tc = decode(IAB_CORE).expect("a valid TCF 2.3 string");
        assert_eq!(tc.version, 2);
        assert_eq!(
            (tc.created, tc.last_updated),
            (17_400_096_000, 17_400_096_000)
        );
        assert_eq!((tc.cmp_id, tc.cmp_version, tc.consent_screen), (56, 2, 0));
        assert_eq!(tc.consent_language, "fr");
        assert_eq!((tc.vendor_list_version, tc.policy_version), (93, 5));
        assert!(tc.is_service_specific && !tc.use_non_standard_texts);
        assert_eq!(tc.special_feature_opt_ins, 0);
        assert_eq!(tc.purposes_with_consent(), vec![1, 3, 4]);
        assert_eq!(tc.purposes_with_li(), vec![8, 11]);
        assert!(!tc.purpose_one_treatment);
        assert_eq!(tc.publisher_cc, "BE");
        assert_eq!(tc.vendor_consents.max_vendor_id(), 1315);
        assert_eq!(
            tc.vendor_consents.ranges(),
            &[(11, 13), (24, 25), (333, 333), (903, 903), (1314, 1315)]
        );
        assert!(tc.vendor_consent(12) && tc.vendor_consent(1315) && !tc.vendor_consent(14));
        assert_eq!(tc.vendor_li.max_vendor_id(), 136);
        assert_eq!(tc.vendor_li.ranges(), &[(10, 11), (69, 69), (136, 136)]);
        assert!(tc.pub_restrictions.is_empty());
        assert_eq!(tc.disclosed_vendors, None);
        for encoding in ALL_ENCODINGS {
            assert_eq!(
                parse(&encode(&tc, encoding)),
                Ok(tc.clone()),
                "{encoding:?}"
            );
        }
    }

    #[test]
    fn iab_three_segment_example() {
        let tc = parse(IAB_THREE_SEGMENTS).expect("well-formed");
        assert_eq!(
            (tc.cmp_id, tc.vendor_list_version, tc.policy_version),
            (880, 48, 2)
        );
        assert_eq!(
            (tc.consent_language.as_str(), tc.publisher_cc.as_str()),
            ("en", "DE")
        );
        assert!(tc.purposes_with_consent().is_empty());
        assert_eq!(tc.vendor_consents.ranges(), &[(1, 4)]);
        assert_eq!(tc.vendor_li, VendorSet::default());
        let disclosed = tc
            .disclosed_vendors
            .as_ref()
            .expect("DisclosedVendors segment");
        assert_eq!(disclosed.max_vendor_id(), 404);
        assert_eq!(disclosed.ranges(), &[(1, 5), (100, 100), (404, 404)]);
        assert_eq!(
            tc.publisher_tc,
            Some(PublisherTc {
                purposes_consent: 0,
                purposes_li: 0,
                num_custom_purposes: 0,
                custom_consent: 0,
                custom_li: 0
            })
        );
        // Policy version 2 predates TCF 2.2: not usable for decisions.
        assert_eq!(
            decode(IAB_THREE_SEGMENTS),
            Err(TcfError::PolicyVersionTooOld { found: 2 })
        );
    }

    #[test]
    fn iab_v2_0_example_is_well_formed_but_outdated() {
        let tc = parse(IAB_V20).expect("well-formed");
        assert_eq!(
            (
                tc.cmp_id,
                tc.consent_language.as_str(),
                tc.vendor_list_version
            ),
            (27, "en", 15)
        );
        assert_eq!(tc.created, 15_822_430_593);
        assert_eq!(tc.purposes_with_consent(), vec![1, 2, 3]);
        assert_eq!(tc.vendor_consents.ids().collect::<Vec<_>>(), vec![2, 6, 8]);
        assert_eq!(tc.vendor_li.ids().collect::<Vec<_>>(), vec![2, 6, 8]);
        assert!(!tc.is_service_specific);
        assert_eq!(
            decode(IAB_V20),
            Err(TcfError::PolicyVersionTooOld { found: 2 })
        );
        let mut newer = tc;
        newer.policy_version = 4;
        assert_eq!(newer.check_policy(), Err(TcfError::NotServiceSpecific));
    }

    #[test]
    fn iab_restrictions_example() {
        let tc = decode(IAB_RESTRICTIONS).expect("valid");
        assert_eq!(
            (
                tc.cmp_id,
                tc.consent_language.as_str(),
                tc.publisher_cc.as_str()
            ),
            (309, "de", "DE")
        );
        assert_eq!(tc.purposes_with_consent(), (1..=11).collect::<Vec<u8>>());
        assert_eq!(tc.vendor_consents.max_vendor_id(), 1283);
        assert!(tc.vendor_consent(1) && !tc.vendor_consent(2) && tc.vendor_consent(4));
        let purposes: Vec<u8> = tc.pub_restrictions.iter().map(|r| r.purpose_id).collect();
        assert_eq!(purposes, vec![7, 6, 5, 4, 3, 2, 11, 10, 9, 8]);
        assert!(
            tc.pub_restrictions
                .iter()
                .all(|r| r.restriction == RestrictionType::RequireConsent
                    && r.vendors == vec![(1, 1283)])
        );
        assert_eq!(
            tc.restriction(2, 755),
            Some(RestrictionType::RequireConsent)
        );
        assert_eq!(tc.restriction(1, 755), None);
        assert_eq!(tc.restriction(2, 1284), None);
        let p = tc.publisher_tc.as_ref().expect("PublisherTC segment");
        assert_eq!(
            (p.num_custom_purposes, p.custom_consent, p.custom_li),
            (7, 0b010_1101, 0)
        );
        assert_eq!(parse(&encode(&tc, VendorEncoding::Auto)), Ok(tc));
    }

    fn with_vendors() -> TcString {
        let mut tc = base();
        tc.purposes_consent = purposes(&[1, 5, 6]);
        tc.purposes_li = purposes(&[2, 7]);
        tc.vendor_consents = VendorSet::from_ids([3, 4, 5, 4040], 0);
        tc.vendor_li = VendorSet::from_ids([7], 10);
        tc
    }

    #[test]
    fn built_strings_round_trip_in_every_encoding() {
        let tc = with_vendors();
        for encoding in ALL_ENCODINGS {
            let text = encode(&tc, encoding);
            assert!(text.starts_with('C'), "version 2 encodes as C: {text}");
            assert_eq!(decode(&text), Ok(tc.clone()), "{encoding:?}");
        }
        assert!(tc.vendor_consent(4040) && !tc.vendor_consent(4039));
        assert!(tc.vendor_legitimate_interest(7) && tc.purpose_li(7) && !tc.purpose_li(1));
        assert_eq!(tc.vendor_li.max_vendor_id(), 10);
    }

    #[test]
    fn adjacent_range_entries_merge_into_the_bitfield_set() {
        // Range entries 1-3, 4, 6-7 (1-3 and 4 are adjacent).
        let tc = with_consent_ranges(&[(true, 1, 3), (false, 4, 0), (true, 6, 7)], 7)
            .expect("valid ranges");
        assert_eq!(tc.vendor_consents.ranges(), &[(1, 4), (6, 7)]);
        assert_eq!(
            tc.vendor_consents,
            VendorSet::from_ids([1, 2, 3, 4, 6, 7], 7)
        );
        let mut bitfield = core_prefix();
        bitfield.push(7, 16).push_bool(false).push(0b111_1011, 7);
        bitfield.push(0, 16).push_bool(false).push(0, 12);
        assert_eq!(decode(&bitfield.finish()), Ok(tc));
    }

    /// Core fields of [`base`] up to and including PublisherCC.
    fn core_prefix() -> BitWriter {
        let mut w = BitWriter::new();
        w.push(2, 6)
            .push(17_489_088_000, 36)
            .push(17_489_088_000, 36)
            .push(300, 12)
            .push(2, 12)
            .push(1, 6)
            .push(4, 6)
            .push(13, 6)
            .push(120, 12)
            .push(5, 6)
            .push_bool(true)
            .push_bool(false)
            .push(0, 12)
            .push(0, 24)
            .push(0, 24)
            .push_bool(false)
            .push(3, 6)
            .push(4, 6);
        w
    }

    fn with_consent_ranges(entries: &[(bool, u16, u16)], max: u16) -> Result<TcString, TcfError> {
        let mut w = core_prefix();
        w.push(u64::from(max), 16)
            .push_bool(true)
            .push(entries.len() as u64, 12);
        for &(is_range, start, end) in entries {
            w.push_bool(is_range).push(u64::from(start), 16);
            if is_range {
                w.push(u64::from(end), 16);
            }
        }
        w.push(0, 16).push_bool(false).push(0, 12);
        decode(&w.finish())
    }

    #[test]
    fn core_prefix_matches_the_encoder() {
        let mut w = core_prefix();
        w.push(0, 16)
            .push_bool(false)
            .push(0, 16)
            .push_bool(false)
            .push(0, 12);
        assert_eq!(w.finish(), encode(&base(), VendorEncoding::BitField));
    }

    #[test]
    fn range_errors_are_typed() {
        let field = "VendorConsents";
        assert_eq!(
            with_consent_ranges(&[(false, 5, 0), (false, 3, 0)], 10),
            Err(TcfError::RangeOutOfOrder {
                field,
                start: 3,
                previous_end: 5
            })
        );
        assert_eq!(
            with_consent_ranges(&[(true, 2, 6), (true, 5, 8)], 10),
            Err(TcfError::RangeOutOfOrder {
                field,
                start: 5,
                previous_end: 6
            })
        );
        assert_eq!(
            with_consent_ranges(&[(true, 9, 4)], 10),
            Err(TcfError::RangeInverted {
                field,
                start: 9,
                end: 4
            })
        );
        assert_eq!(
            with_consent_ranges(&[(false, 0, 0)], 10),
            Err(TcfError::VendorIdZero { field })
        );
        assert_eq!(
            with_consent_ranges(&[(true, 1, 11)], 10),
            Err(TcfError::VendorIdOutOfBounds {
                field,
                id: 11,
                max: 10
            })
        );
        assert_eq!(
            with_consent_ranges(&[(false, 1, 0)], 0),
            Err(TcfError::VendorIdOutOfBounds {
                field,
                id: 1,
                max: 0
            })
        );
        assert_eq!(
            with_consent_ranges(&[(true, 65_534, 65_535)], 65_535).map(|t| t.vendor_consents.len()),
            Ok(2)
        );
        assert_eq!(
            with_consent_ranges(&[(false, 65_535, 0), (false, 65_535, 0)], 65_535),
            Err(TcfError::RangeOutOfOrder {
                field,
                start: 65_535,
                previous_end: 65_535
            })
        );
    }

    #[test]
    fn a_bitfield_longer_than_the_string_is_truncated_not_a_panic() {
        let mut w = core_prefix();
        w.push(65_535, 16).push_bool(false).push(0b1011, 4);
        match decode(&w.finish()) {
            Err(TcfError::Truncated { field, needed, .. }) => {
                assert_eq!((field, needed), ("VendorConsents", 65_535));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn num_entries_beyond_the_data_is_truncated() {
        let mut w = core_prefix();
        w.push(100, 16)
            .push_bool(true)
            .push(4095, 12)
            .push_bool(false)
            .push(1, 16);
        assert!(matches!(
            decode(&w.finish()),
            Err(TcfError::Truncated {
                field: "VendorConsents",
                ..
            })
        ));
    }

    #[test]
    fn every_truncation_of_a_valid_string_is_an_error() {
        let text = encode(&with_vendors(), VendorEncoding::Range);
        for len in 1..text.len() {
            let cut = &text[..len];
            // A cut inside trailing padding bits may still decode; anything
            // else must be a typed error, never a panic.
            if let Err(e) = decode(cut) {
                assert!(matches!(e, TcfError::Truncated { .. }), "len {len}: {e:?}");
            }
        }
        assert!(matches!(
            decode(&text[..20]),
            Err(TcfError::Truncated {
                field: "VendorListVersion",
                ..
            })
        ));
    }

    #[test]
    fn malformed_input_is_typed() {
        assert_eq!(decode(""), Err(TcfError::Empty));
        assert_eq!(decode("   "), Err(TcfError::Empty));
        assert!(matches!(
            decode("CPXxRfAPXxRfA+AAAENCZCAAAAAAAAAAAAAAAAAAAAAA"),
            Err(TcfError::NotBase64Url {
                found: '+',
                segment: 0,
                ..
            })
        ));
        assert!(matches!(
            decode("CPXx/RfA"),
            Err(TcfError::NotBase64Url { found: '/', .. })
        ));
        assert!(matches!(
            decode("CPXx RfA"),
            Err(TcfError::NotBase64Url { found: ' ', .. })
        ));
        assert!(matches!(
            decode("CPXx%3DRfA"),
            Err(TcfError::NotBase64Url { found: '%', .. })
        ));
        assert_eq!(decode("."), Err(TcfError::EmptySegment { segment: 0 }));
        let good = encode(&with_vendors(), VendorEncoding::Auto);
        assert_eq!(
            decode(&format!("{good}.")),
            Err(TcfError::EmptySegment { segment: 1 })
        );
        assert_eq!(
            decode(&format!("{good}..YAAA")),
            Err(TcfError::EmptySegment { segment: 1 })
        );
        assert_eq!(
            decode(&"A".repeat(MAX_TC_STRING_LEN + 1)),
            Err(TcfError::TooLong {
                len: MAX_TC_STRING_LEN + 1
            })
        );
        // Version 1 strings start with `B` (000001).
        assert_eq!(
            decode("BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA"),
            Err(TcfError::UnsupportedVersion(1))
        );
        assert_eq!(decode("DAAA"), Err(TcfError::UnsupportedVersion(3)));
        assert_eq!(decode("AAAA"), Err(TcfError::UnsupportedVersion(0)));
    }

    #[test]
    fn policy_version_and_scope_are_checked() {
        let mut tc = with_vendors();
        tc.policy_version = 3;
        let text = encode(&tc, VendorEncoding::Auto);
        assert_eq!(
            decode(&text),
            Err(TcfError::PolicyVersionTooOld { found: 3 })
        );
        assert_eq!(parse(&text).map(|t| t.policy_version), Ok(3));
        tc.policy_version = MIN_POLICY_VERSION;
        assert!(decode(&encode(&tc, VendorEncoding::Auto)).is_ok());
        tc.is_service_specific = false;
        assert_eq!(
            decode(&encode(&tc, VendorEncoding::Auto)),
            Err(TcfError::NotServiceSpecific)
        );
    }

    #[test]
    fn letters_outside_a_to_z_are_refused() {
        let mut w = BitWriter::new();
        w.push(2, 6)
            .push(0, 36)
            .push(0, 36)
            .push(1, 12)
            .push(1, 12)
            .push(0, 6)
            .push(26, 6)
            .push(0, 6);
        w.push(0, 64).push(0, 64);
        assert_eq!(
            parse(&w.finish()),
            Err(TcfError::InvalidLetter {
                field: "ConsentLanguage",
                value: 26
            })
        );
    }

    #[test]
    fn restriction_errors_and_lookup() {
        let mut tc = with_vendors();
        tc.pub_restrictions = vec![
            PubRestriction {
                purpose_id: 5,
                restriction: RestrictionType::RequireLegitimateInterest,
                vendors: vec![(4000, 4100)],
            },
            PubRestriction {
                purpose_id: 5,
                restriction: RestrictionType::NotAllowed,
                vendors: vec![(4040, 4040)],
            },
        ];
        let decoded = decode(&encode(&tc, VendorEncoding::Auto)).expect("valid");
        assert_eq!(decoded, tc);
        assert_eq!(
            decoded.restriction(5, 4040),
            Some(RestrictionType::NotAllowed)
        );
        assert_eq!(
            decoded.restriction(5, 4001),
            Some(RestrictionType::RequireLegitimateInterest)
        );
        assert_eq!(decoded.restriction(6, 4040), None);

        // RestrictionType 3 is undefined; PurposeId 0 is not a purpose.
        for (purpose, kind, expected) in [
            (
                4u64,
                3u64,
                TcfError::UndefinedRestrictionType { purpose: 4 },
            ),
            (0, 0, TcfError::PurposeIdZero),
        ] {
            let mut w = core_prefix();
            w.push(0, 16).push_bool(false).push(0, 16).push_bool(false);
            w.push(1, 12)
                .push(purpose, 6)
                .push(kind, 2)
                .push(1, 12)
                .push_bool(false)
                .push(9, 16);
            assert_eq!(decode(&w.finish()), Err(expected));
        }
    }

    #[test]
    fn segment_types_are_checked() {
        let good = encode(&with_vendors(), VendorEncoding::Auto);
        // `A` = 000 (a second core), `g` = 100 (type 4).
        assert_eq!(
            decode(&format!("{good}.AAAA")),
            Err(TcfError::UnknownSegmentType {
                segment: 1,
                kind: 0
            })
        );
        assert_eq!(
            decode(&format!("{good}.gAAA")),
            Err(TcfError::UnknownSegmentType {
                segment: 1,
                kind: 4
            })
        );
        assert_eq!(
            decode(&format!("{good}.YAAAAAAAAAAA.YAAAAAAAAAAA")),
            Err(TcfError::DuplicateSegment {
                segment: 2,
                kind: 3
            })
        );
        assert!(matches!(
            decode(&format!("{good}.IA")),
            Err(TcfError::Truncated {
                segment: 1,
                field: "DisclosedVendors",
                ..
            })
        ));
    }

    #[test]
    fn error_codes_are_stable() {
        assert_eq!(TcfError::Empty.code(), "tcf-empty");
        assert_eq!(
            TcfError::PolicyVersionTooOld { found: 3 }.code(),
            "tcf-policy-version"
        );
        let e = decode("CP+").expect_err("bad");
        assert_eq!(e.code(), "tcf-not-base64url");
        assert!(
            !e.to_string().contains("CP+"),
            "errors never echo the string"
        );
    }

    /// Replays every file in `fuzz-corpus/tcf/`. Names say what to expect:
    /// `ok-*` decodes, `old-*` parses but fails the policy checks, and
    /// `err-<code>-*` fails with that error code.
    #[test]
    fn fuzz_corpus_replays() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz-corpus/tcf");
        let mut seen = 0;
        let entries = std::fs::read_dir(dir).expect("fuzz-corpus/tcf exists");
        for entry in entries {
            let path = entry.expect("readable entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            if name.starts_with('.') || name == "README.md" {
                continue;
            }
            let bytes = std::fs::read(&path).expect("readable file");
            let text = String::from_utf8_lossy(&bytes);
            let text = text.strip_suffix('\n').unwrap_or(&text);
            let parsed = parse(text);
            let decoded = decode(text);
            if name.starts_with("ok-") {
                assert!(decoded.is_ok(), "{name}: {decoded:?}");
            } else if name.starts_with("old-") {
                assert!(
                    parsed.is_ok() && decoded.is_err(),
                    "{name}: {parsed:?} / {decoded:?}"
                );
            } else if let Some(rest) = name.strip_prefix("err-") {
                let code = decoded
                    .as_ref()
                    .err()
                    .map(TcfError::code)
                    .unwrap_or("(decoded)");
                let code = code.trim_start_matches("tcf-");
                let stem = rest.rsplit_once('.').map_or(rest, |(s, _)| s);
                assert!(
                    stem == code || stem.starts_with(&format!("{code}-")),
                    "{name}: got {code}"
                );
            } else {
                panic!("{name}: corpus files are named ok-*, old-* or err-<code>-*");
            }
            seen += 1;
        }
        assert!(seen >= 10, "the corpus has {seen} files");
    }

    fn vendor_set_strategy() -> impl Strategy<Value = VendorSet> {
        (
            proptest::collection::btree_set(1u16..3000, 0..40),
            0u16..200,
            any::<bool>(),
        )
            .prop_map(|(ids, slack, dense)| {
                let ids: Vec<u16> = if dense {
                    // Long runs exercise range encoding.
                    ids.iter()
                        .flat_map(|&id| id..id.saturating_add(slack % 13))
                        .collect()
                } else {
                    ids.into_iter().collect()
                };
                let highest = ids.iter().copied().max().unwrap_or(0);
                VendorSet::from_ids(ids, highest.saturating_add(slack).min(4000))
            })
    }

    fn restriction_strategy() -> impl Strategy<Value = PubRestriction> {
        (
            1u8..=24,
            0u8..3,
            proptest::collection::btree_set(1u16..5000, 1..10),
        )
            .prop_map(|(purpose_id, kind, ids)| PubRestriction {
                purpose_id,
                restriction: match kind {
                    0 => RestrictionType::NotAllowed,
                    1 => RestrictionType::RequireConsent,
                    _ => RestrictionType::RequireLegitimateInterest,
                },
                vendors: VendorSet::from_ids(ids, 0).ranges().to_vec(),
            })
    }

    fn publisher_tc_strategy() -> impl Strategy<Value = PublisherTc> {
        (
            0u32..1 << 24,
            0u32..1 << 24,
            0u8..64,
            any::<u64>(),
            any::<u64>(),
        )
            .prop_map(|(c, l, n, cc, cl)| {
                let mask = if n == 0 {
                    0
                } else {
                    u64::MAX >> (64 - u32::from(n))
                };
                PublisherTc {
                    purposes_consent: c,
                    purposes_li: l,
                    num_custom_purposes: n,
                    custom_consent: cc & mask,
                    custom_li: cl & mask,
                }
            })
    }

    fn letters(upper: bool) -> impl Strategy<Value = String> {
        let base = if upper { b'A' } else { b'a' };
        (0u8..26, 0u8..26).prop_map(move |(a, b)| {
            [char::from(base + a), char::from(base + b)]
                .iter()
                .collect()
        })
    }

    prop_compose! {
        fn tc_strategy()(
            header in (0u64..1 << 36, 0u64..1 << 36, 0u16..4096, 0u16..4096, 0u8..64, letters(false), 0u16..4096, 0u8..64),
            flags in (any::<bool>(), any::<bool>(), 0u16..4096, 0u32..1 << 24, 0u32..1 << 24, any::<bool>(), letters(true)),
            vendor_consents in vendor_set_strategy(),
            vendor_li in vendor_set_strategy(),
            pub_restrictions in proptest::collection::vec(restriction_strategy(), 0..4),
            disclosed in proptest::option::of(vendor_set_strategy()),
            allowed in proptest::option::of(vendor_set_strategy()),
            publisher_tc in proptest::option::of(publisher_tc_strategy()),
        ) -> TcString {
            let (created, last_updated, cmp_id, cmp_version, consent_screen, consent_language, vendor_list_version, policy_version) = header;
            let (is_service_specific, use_non_standard_texts, special_feature_opt_ins, purposes_consent, purposes_li, purpose_one_treatment, publisher_cc) = flags;
            TcString {
                version: 2,
                created,
                last_updated,
                cmp_id,
                cmp_version,
                consent_screen,
                consent_language,
                vendor_list_version,
                policy_version,
                is_service_specific,
                use_non_standard_texts,
                special_feature_opt_ins,
                purposes_consent,
                purposes_li,
                purpose_one_treatment,
                publisher_cc,
                vendor_consents,
                vendor_li,
                pub_restrictions,
                disclosed_vendors: disclosed,
                allowed_vendors: allowed,
                publisher_tc,
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn parse_of_encode_is_identity(tc in tc_strategy()) {
            for encoding in ALL_ENCODINGS {
                let text = encode(&tc, encoding);
                prop_assert_eq!(parse(&text), Ok(tc.clone()), "{:?}", encoding);
            }
        }

        #[test]
        fn never_panics_on_any_string(s in "\\PC{0,300}") {
            let _ = decode(&s);
        }

        #[test]
        fn never_panics_on_base64url_soup(s in "[A-Za-z0-9_=.-]{0,600}") {
            let _ = decode(&s);
        }

        #[test]
        fn never_panics_on_version_2_noise(bytes in proptest::collection::vec(any::<u8>(), 0..700), dots in proptest::collection::vec(0usize..700, 0..4)) {
            // A version-2 prefix gets past the first check into the fields.
            const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let mut s: String = std::iter::once('C')
                .chain(bytes.iter().map(|b| char::from(ALPHABET[usize::from(b % 64)])))
                .collect();
            for d in dots {
                if d < s.len() {
                    s.insert(d, '.');
                }
            }
            let _ = decode(&s);
        }

        #[test]
        fn never_panics_on_mutated_valid_strings(tc in tc_strategy(), at in any::<prop::sample::Index>(), c in "[A-Za-z0-9_.=+/-]") {
            let mut text = encode(&tc, VendorEncoding::Auto);
            let i = at.index(text.len());
            text.replace_range(i..=i, &c);
            let _ = decode(&text);
            let _ = decode(&text[..i]);
        }
    }
}
