//! IAB Global Privacy Platform (GPP) strings, decoded by hand from the
//! "Consent String Specification" v1 and the US section specifications,
//! checked field by field against IAB's reference library
//! (`@iabgpp/cmpapi`, `tests/gpp.rs`).
//!
//! A GPP string is base64url sections joined by `~`. The first is the
//! header: Type (6 bits, = 3), Version (6 bits, = 1) and SectionIds, a
//! Fibonacci integer range (NumEntries(12) × [IsRange(1), then one or two
//! Fibonacci-coded offsets]); the sections follow in that order. A
//! section is base64url segments joined by `.`:
//!
//! - `tcfeuv2` (2): the TCF v2 TC string, decoded by [`super::tcf::decode`].
//! - the US sections (`usnat` 7, `usca` 8 ... `ustn` 22, `usmn` 23): a core
//!   segment of 2-bit fields and 2-bit lists ([`UsKind::layout`]), then,
//!   where the section has one, an optional GPC segment (SubsectionType(2)
//!   = 1, Gpc(1)). `usnat` version 1 has 12 sensitive-data categories and
//!   2 known-child consents, version 2 16 and 3.
//!
//! Other section ids (`tcfcav1`, `uspv1`, ids the spec adds later) are
//! kept as [`SectionData::Unsupported`], not refused: a string is not
//! malformed because it carries something Meridian does not decide with.
//! Errors are typed and never echo the string.

use super::bits::{BitReader, decode_segment};
use super::tcf::{self, TcString, TcfError};

/// Longer input is refused before decoding (the TCF limit: a GPP string
/// carrying a full TC string stays well under it).
pub const MAX_GPP_STRING_LEN: usize = 16 * 1024;

/// Section ids above this are refused (the spec assigns ids below 64).
pub const MAX_SECTION_ID: u16 = 255;

/// The header's Type field.
const HEADER_TYPE: u8 = 3;
const HEADER_VERSION: u8 = 1;

pub const TCF_EU_V2: u16 = 2;

/// Why a GPP string (or one of its sections) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GppError {
    #[error("the GPP string is empty")]
    Empty,
    #[error("the GPP string is {len} bytes; at most {MAX_GPP_STRING_LEN} are read")]
    TooLong { len: usize },
    #[error("section {section}: not base64url ({found:?} at offset {offset})")]
    NotBase64Url {
        section: usize,
        offset: usize,
        found: char,
    },
    #[error("section {section} is empty")]
    EmptySection { section: usize },
    #[error("section {section} is truncated: {field} needs {needed} bit(s) at bit {bit}")]
    Truncated {
        section: usize,
        field: &'static str,
        bit: usize,
        needed: usize,
    },
    #[error("header type {0}; a GPP header is type 3")]
    HeaderType(u8),
    #[error("GPP version {0}; only version 1 is read")]
    UnsupportedVersion(u8),
    #[error("section id {id} is above {MAX_SECTION_ID}")]
    SectionIdOutOfRange { id: u64 },
    #[error("the header names {declared} section(s) but the string carries {found}")]
    SectionCount { declared: usize, found: usize },
    #[error("{section}: version {version} is not one this decoder reads")]
    SectionVersion { section: &'static str, version: u8 },
    #[error("{section}: {field} is {value}, outside 0-2")]
    FieldValue {
        section: &'static str,
        field: &'static str,
        value: u8,
    },
    #[error("{section}: subsection type {kind} is not GPC (1)")]
    SubsectionType { section: &'static str, kind: u8 },
    #[error("{section}: {found} segments, at most {allowed}")]
    TooManySegments {
        section: &'static str,
        found: usize,
        allowed: usize,
    },
    #[error("tcfeuv2 section: {0}")]
    TcfEuV2(TcfError),
    #[error("gpp_sid is not a comma-separated list of section ids")]
    Sid,
}

impl GppError {
    /// A stable code for logs and audit records.
    pub fn code(&self) -> &'static str {
        match self {
            GppError::Empty => "gpp-empty",
            GppError::TooLong { .. } => "gpp-too-long",
            GppError::NotBase64Url { .. } => "gpp-not-base64url",
            GppError::EmptySection { .. } => "gpp-empty-section",
            GppError::Truncated { .. } => "gpp-truncated",
            GppError::HeaderType(_) => "gpp-header-type",
            GppError::UnsupportedVersion(_) => "gpp-version",
            GppError::SectionIdOutOfRange { .. } => "gpp-section-id",
            GppError::SectionCount { .. } => "gpp-section-count",
            GppError::SectionVersion { .. } => "gpp-section-version",
            GppError::FieldValue { .. } => "gpp-field-value",
            GppError::SubsectionType { .. } => "gpp-subsection-type",
            GppError::TooManySegments { .. } => "gpp-segments",
            GppError::TcfEuV2(_) => "gpp-tcfeuv2",
            GppError::Sid => "gpp-sid",
        }
    }

    /// The bit reader reports in TCF's terms; `section` is the `~` index.
    fn from_bits(e: TcfError, section: usize) -> GppError {
        match e {
            TcfError::Truncated {
                field, bit, needed, ..
            } => GppError::Truncated {
                section,
                field,
                bit,
                needed,
            },
            TcfError::NotBase64Url { offset, found, .. } => GppError::NotBase64Url {
                section,
                offset,
                found,
            },
            _ => GppError::EmptySection { section },
        }
    }
}

/// The US sections, by GPP section id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UsKind {
    UsNat,
    UsCa,
    UsVa,
    UsCo,
    UsUt,
    UsCt,
    UsFl,
    UsMt,
    UsOr,
    UsTx,
    UsDe,
    UsIa,
    UsNe,
    UsNh,
    UsNj,
    UsTn,
    UsMn,
}

/// A field of a US core segment, in the order it is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsField {
    SharingNotice,
    SaleOptOutNotice,
    SharingOptOutNotice,
    TargetedAdvertisingOptOutNotice,
    SensitiveDataProcessingOptOutNotice,
    SensitiveDataLimitUseNotice,
    SensitiveDataOptOutNotice,
    ProcessingNotice,
    SaleOptOut,
    SharingOptOut,
    TargetedAdvertisingOptOut,
    /// A list of this many 2-bit values.
    SensitiveDataProcessing(u8),
    /// A list of this many 2-bit values; 0 means a single 2-bit integer.
    KnownChildSensitiveDataConsents(u8),
    PersonalDataConsents,
    AdditionalDataProcessingConsent,
    MspaCoveredTransaction,
    MspaOptOutOptionMode,
    MspaServiceProviderMode,
}

impl UsField {
    /// The field's name in the specification (and the reference library).
    pub fn name(self) -> &'static str {
        match self {
            UsField::SharingNotice => "SharingNotice",
            UsField::SaleOptOutNotice => "SaleOptOutNotice",
            UsField::SharingOptOutNotice => "SharingOptOutNotice",
            UsField::TargetedAdvertisingOptOutNotice => "TargetedAdvertisingOptOutNotice",
            UsField::SensitiveDataProcessingOptOutNotice => "SensitiveDataProcessingOptOutNotice",
            UsField::SensitiveDataLimitUseNotice => "SensitiveDataLimitUseNotice",
            UsField::SensitiveDataOptOutNotice => "SensitiveDataOptOutNotice",
            UsField::ProcessingNotice => "ProcessingNotice",
            UsField::SaleOptOut => "SaleOptOut",
            UsField::SharingOptOut => "SharingOptOut",
            UsField::TargetedAdvertisingOptOut => "TargetedAdvertisingOptOut",
            UsField::SensitiveDataProcessing(_) => "SensitiveDataProcessing",
            UsField::KnownChildSensitiveDataConsents(_) => "KnownChildSensitiveDataConsents",
            UsField::PersonalDataConsents => "PersonalDataConsents",
            UsField::AdditionalDataProcessingConsent => "AdditionalDataProcessingConsent",
            UsField::MspaCoveredTransaction => "MspaCoveredTransaction",
            UsField::MspaOptOutOptionMode => "MspaOptOutOptionMode",
            UsField::MspaServiceProviderMode => "MspaServiceProviderMode",
        }
    }
}

use UsField as F;

const USNAT_V1: &[UsField] = &[
    F::SharingNotice,
    F::SaleOptOutNotice,
    F::SharingOptOutNotice,
    F::TargetedAdvertisingOptOutNotice,
    F::SensitiveDataProcessingOptOutNotice,
    F::SensitiveDataLimitUseNotice,
    F::SaleOptOut,
    F::SharingOptOut,
    F::TargetedAdvertisingOptOut,
    F::SensitiveDataProcessing(12),
    F::KnownChildSensitiveDataConsents(2),
    F::PersonalDataConsents,
    F::MspaCoveredTransaction,
    F::MspaOptOutOptionMode,
    F::MspaServiceProviderMode,
];

const USNAT_V2: &[UsField] = &[
    F::SharingNotice,
    F::SaleOptOutNotice,
    F::SharingOptOutNotice,
    F::TargetedAdvertisingOptOutNotice,
    F::SensitiveDataProcessingOptOutNotice,
    F::SensitiveDataLimitUseNotice,
    F::SaleOptOut,
    F::SharingOptOut,
    F::TargetedAdvertisingOptOut,
    F::SensitiveDataProcessing(16),
    F::KnownChildSensitiveDataConsents(3),
    F::PersonalDataConsents,
    F::MspaCoveredTransaction,
    F::MspaOptOutOptionMode,
    F::MspaServiceProviderMode,
];

const USCA: &[UsField] = &[
    F::SaleOptOutNotice,
    F::SharingOptOutNotice,
    F::SensitiveDataLimitUseNotice,
    F::SaleOptOut,
    F::SharingOptOut,
    F::SensitiveDataProcessing(9),
    F::KnownChildSensitiveDataConsents(2),
    F::PersonalDataConsents,
    F::MspaCoveredTransaction,
    F::MspaOptOutOptionMode,
    F::MspaServiceProviderMode,
];

/// `usva`, `usco` (7 categories), `usct` (8 and 3 child consents): the
/// sharing-notice family.
const fn sharing_family(sensitive: u8, child: u8) -> [UsField; 10] {
    [
        F::SharingNotice,
        F::SaleOptOutNotice,
        F::TargetedAdvertisingOptOutNotice,
        F::SaleOptOut,
        F::TargetedAdvertisingOptOut,
        F::SensitiveDataProcessing(sensitive),
        F::KnownChildSensitiveDataConsents(child),
        F::MspaCoveredTransaction,
        F::MspaOptOutOptionMode,
        F::MspaServiceProviderMode,
    ]
}

const USVA: [UsField; 10] = sharing_family(8, 0);
const USCO: [UsField; 10] = sharing_family(7, 0);
const USCT: [UsField; 10] = sharing_family(8, 3);

const USUT: &[UsField] = &[
    F::SharingNotice,
    F::SaleOptOutNotice,
    F::TargetedAdvertisingOptOutNotice,
    F::SensitiveDataProcessingOptOutNotice,
    F::SaleOptOut,
    F::TargetedAdvertisingOptOut,
    F::SensitiveDataProcessing(8),
    F::KnownChildSensitiveDataConsents(0),
    F::MspaCoveredTransaction,
    F::MspaOptOutOptionMode,
    F::MspaServiceProviderMode,
];

const USMT: &[UsField] = &[
    F::SharingNotice,
    F::SaleOptOutNotice,
    F::TargetedAdvertisingOptOutNotice,
    F::SaleOptOut,
    F::TargetedAdvertisingOptOut,
    F::SensitiveDataProcessing(8),
    F::KnownChildSensitiveDataConsents(3),
    F::AdditionalDataProcessingConsent,
    F::MspaCoveredTransaction,
    F::MspaOptOutOptionMode,
    F::MspaServiceProviderMode,
];

/// `usfl`, `usor`, `ustx`, `usde`, `usne`, `usnh`, `usnj`, `ustn`, `usmn`:
/// the processing-notice family, with their own list lengths.
const fn processing_family(sensitive: u8, child: u8) -> [UsField; 11] {
    [
        F::ProcessingNotice,
        F::SaleOptOutNotice,
        F::TargetedAdvertisingOptOutNotice,
        F::SaleOptOut,
        F::TargetedAdvertisingOptOut,
        F::SensitiveDataProcessing(sensitive),
        F::KnownChildSensitiveDataConsents(child),
        F::AdditionalDataProcessingConsent,
        F::MspaCoveredTransaction,
        F::MspaOptOutOptionMode,
        F::MspaServiceProviderMode,
    ]
}

const USFL: [UsField; 11] = processing_family(8, 3);
const USOR: [UsField; 11] = processing_family(11, 3);
const USTX: [UsField; 11] = processing_family(8, 0);
const USDE: [UsField; 11] = processing_family(9, 5);
const USNE: [UsField; 11] = processing_family(8, 0);
const USNH: [UsField; 11] = processing_family(8, 3);
const USNJ: [UsField; 11] = processing_family(10, 5);
const USTN: [UsField; 11] = processing_family(8, 0);
const USMN: [UsField; 11] = processing_family(8, 0);

const USIA: &[UsField] = &[
    F::ProcessingNotice,
    F::SaleOptOutNotice,
    F::TargetedAdvertisingOptOutNotice,
    F::SensitiveDataOptOutNotice,
    F::SaleOptOut,
    F::TargetedAdvertisingOptOut,
    F::SensitiveDataProcessing(8),
    F::KnownChildSensitiveDataConsents(0),
    F::MspaCoveredTransaction,
    F::MspaOptOutOptionMode,
    F::MspaServiceProviderMode,
];

impl UsKind {
    pub const ALL: [UsKind; 17] = [
        UsKind::UsNat,
        UsKind::UsCa,
        UsKind::UsVa,
        UsKind::UsCo,
        UsKind::UsUt,
        UsKind::UsCt,
        UsKind::UsFl,
        UsKind::UsMt,
        UsKind::UsOr,
        UsKind::UsTx,
        UsKind::UsDe,
        UsKind::UsIa,
        UsKind::UsNe,
        UsKind::UsNh,
        UsKind::UsNj,
        UsKind::UsTn,
        UsKind::UsMn,
    ];

    /// The GPP section id: 7 (`usnat`) to 23 (`usmn`), in [`Self::ALL`]'s order.
    pub fn id(self) -> u16 {
        match self {
            UsKind::UsNat => 7,
            UsKind::UsCa => 8,
            UsKind::UsVa => 9,
            UsKind::UsCo => 10,
            UsKind::UsUt => 11,
            UsKind::UsCt => 12,
            UsKind::UsFl => 13,
            UsKind::UsMt => 14,
            UsKind::UsOr => 15,
            UsKind::UsTx => 16,
            UsKind::UsDe => 17,
            UsKind::UsIa => 18,
            UsKind::UsNe => 19,
            UsKind::UsNh => 20,
            UsKind::UsNj => 21,
            UsKind::UsTn => 22,
            UsKind::UsMn => 23,
        }
    }

    pub fn from_id(id: u16) -> Option<UsKind> {
        UsKind::ALL.into_iter().find(|k| k.id() == id)
    }

    /// The section's API prefix (`usnat`, `usca`, ...).
    pub fn name(self) -> &'static str {
        match self {
            UsKind::UsNat => "usnat",
            UsKind::UsCa => "usca",
            UsKind::UsVa => "usva",
            UsKind::UsCo => "usco",
            UsKind::UsUt => "usut",
            UsKind::UsCt => "usct",
            UsKind::UsFl => "usfl",
            UsKind::UsMt => "usmt",
            UsKind::UsOr => "usor",
            UsKind::UsTx => "ustx",
            UsKind::UsDe => "usde",
            UsKind::UsIa => "usia",
            UsKind::UsNe => "usne",
            UsKind::UsNh => "usnh",
            UsKind::UsNj => "usnj",
            UsKind::UsTn => "ustn",
            UsKind::UsMn => "usmn",
        }
    }

    /// The state section for a market code (`US-CT` → `usct`); `None` for
    /// the federal pack and states without a section.
    pub fn for_market(market: &str) -> Option<UsKind> {
        let state = market.strip_prefix("US-")?.to_ascii_lowercase();
        UsKind::ALL
            .into_iter()
            .filter(|k| *k != UsKind::UsNat)
            .find(|k| k.name().get(2..) == Some(state.as_str()))
    }

    /// The core segment's fields after Version, for a section version.
    pub fn layout(self, version: u8) -> Option<&'static [UsField]> {
        let layout: &'static [UsField] = match (self, version) {
            (UsKind::UsNat, 1) => USNAT_V1,
            (UsKind::UsNat, 2) => USNAT_V2,
            (_, v) if v != 1 => return None,
            (UsKind::UsNat, _) => return None,
            (UsKind::UsCa, _) => USCA,
            (UsKind::UsVa, _) => &USVA,
            (UsKind::UsCo, _) => &USCO,
            (UsKind::UsUt, _) => USUT,
            (UsKind::UsCt, _) => &USCT,
            (UsKind::UsFl, _) => &USFL,
            (UsKind::UsMt, _) => USMT,
            (UsKind::UsOr, _) => &USOR,
            (UsKind::UsTx, _) => &USTX,
            (UsKind::UsDe, _) => &USDE,
            (UsKind::UsIa, _) => USIA,
            (UsKind::UsNe, _) => &USNE,
            (UsKind::UsNh, _) => &USNH,
            (UsKind::UsNj, _) => &USNJ,
            (UsKind::UsTn, _) => &USTN,
            (UsKind::UsMn, _) => &USMN,
        };
        Some(layout)
    }

    /// The 1-based SensitiveDataProcessing category of biometric data (to
    /// identify a person): 7 in every section's specification but `usor`'s,
    /// where it is 10.
    pub fn biometric_category(self) -> u8 {
        if self == UsKind::UsOr { 10 } else { 7 }
    }

    /// Whether the section may carry a GPC segment (all but `usva`, `usut`
    /// and `usfl`).
    pub fn has_gpc_segment(self) -> bool {
        !matches!(self, UsKind::UsVa | UsKind::UsUt | UsKind::UsFl)
    }
}

/// A 2-bit value: 0 not applicable, 1 and 2 the field's two answers.
/// For opt-outs 1 = opted out, 2 = did not; for notices 1 = given,
/// 2 = not given; for consents 1 = no consent, 2 = consent.
pub const OPTED_OUT: u8 = 1;
pub const NO_CONSENT: u8 = 1;

/// One decoded US section: every field its layout has, `None` for fields
/// it does not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsSection {
    pub version: u8,
    pub sharing_notice: Option<u8>,
    pub sale_opt_out_notice: Option<u8>,
    pub sharing_opt_out_notice: Option<u8>,
    pub targeted_advertising_opt_out_notice: Option<u8>,
    pub sensitive_data_processing_opt_out_notice: Option<u8>,
    pub sensitive_data_limit_use_notice: Option<u8>,
    pub sensitive_data_opt_out_notice: Option<u8>,
    pub processing_notice: Option<u8>,
    pub sale_opt_out: Option<u8>,
    pub sharing_opt_out: Option<u8>,
    pub targeted_advertising_opt_out: Option<u8>,
    pub sensitive_data_processing: Vec<u8>,
    /// One value where the section has a single integer.
    pub known_child_sensitive_data_consents: Vec<u8>,
    pub personal_data_consents: Option<u8>,
    pub additional_data_processing_consent: Option<u8>,
    pub mspa_covered_transaction: u8,
    pub mspa_opt_out_option_mode: u8,
    pub mspa_service_provider_mode: u8,
    /// The GPC segment's Gpc field; `None` without the segment.
    pub gpc: Option<bool>,
}

impl UsSection {
    /// The opt-outs (and refused consents) that rule out personalisation,
    /// by field name: SaleOptOut, SharingOptOut, TargetedAdvertisingOptOut
    /// = 1, PersonalDataConsents / AdditionalDataProcessingConsent = 1.
    pub fn opt_outs(&self) -> Vec<&'static str> {
        [
            (F::SaleOptOut, self.sale_opt_out),
            (F::SharingOptOut, self.sharing_opt_out),
            (
                F::TargetedAdvertisingOptOut,
                self.targeted_advertising_opt_out,
            ),
            (F::PersonalDataConsents, self.personal_data_consents),
            (
                F::AdditionalDataProcessingConsent,
                self.additional_data_processing_consent,
            ),
        ]
        .into_iter()
        .filter(|(_, v)| *v == Some(OPTED_OUT))
        .map(|(f, _)| f.name())
        .collect()
    }

    /// The biometric category's value: 0 not applicable, 1 opted out (or
    /// no consent), 2 did not opt out (or consent).
    pub fn biometric(&self, kind: UsKind) -> u8 {
        let at = usize::from(kind.biometric_category()) - 1;
        self.sensitive_data_processing.get(at).copied().unwrap_or(0)
    }
}

/// What a section holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionData {
    TcfEuV2(Box<TcString>),
    Us(UsKind, UsSection),
    /// A section id this decoder does not read.
    Unsupported,
}

/// One section: its id and what it decoded to. A section that fails to
/// decode does not spoil the others; a decision that needs it refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GppSection {
    pub id: u16,
    pub data: Result<SectionData, GppError>,
}

/// A decoded GPP string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GppString {
    pub version: u8,
    /// Ascending, as the header lists them.
    pub section_ids: Vec<u16>,
    pub sections: Vec<GppSection>,
}

impl GppString {
    pub fn section(&self, id: u16) -> Option<&GppSection> {
        self.sections.iter().find(|s| s.id == id)
    }
}

fn sextets(text: &str, section: usize) -> Result<Vec<u8>, GppError> {
    decode_segment(text, section).map_err(|e| match e {
        TcfError::EmptySegment { .. } => GppError::EmptySection { section },
        other => GppError::from_bits(other, section),
    })
}

/// One Fibonacci-coded integer (≥ 1): bits for 1, 2, 3, 5, 8, ...
/// least significant first, ended by the second of two consecutive ones.
fn read_fibonacci(r: &mut BitReader<'_>, section: usize) -> Result<u64, GppError> {
    let (mut a, mut b) = (1u64, 2u64);
    let mut value = 0u64;
    let mut previous = false;
    loop {
        let bit = r
            .read_bool("SectionIds")
            .map_err(|e| GppError::from_bits(e, section))?;
        if bit && previous {
            return Ok(value);
        }
        if bit {
            value = value.saturating_add(a);
        }
        previous = bit;
        (a, b) = (b, a.saturating_add(b));
        // Past every id the spec can assign: stop before overflowing.
        if a > u64::from(MAX_SECTION_ID) * 2 && !previous {
            return Err(GppError::SectionIdOutOfRange { id: value.max(a) });
        }
    }
}

fn section_id(value: u64) -> Result<u16, GppError> {
    u16::try_from(value)
        .ok()
        .filter(|id| *id <= MAX_SECTION_ID)
        .ok_or(GppError::SectionIdOutOfRange { id: value })
}

/// The header's section ids; at most `limit` (the sections the string
/// carries), so a forged range cannot make a long list.
fn header(text: &str, limit: usize) -> Result<Vec<u16>, GppError> {
    let bits = sextets(text, 0)?;
    let mut r = BitReader::new(&bits, 0);
    let map = |e| GppError::from_bits(e, 0);
    let kind = r.read_u8(6, "Type").map_err(map)?;
    if kind != HEADER_TYPE {
        return Err(GppError::HeaderType(kind));
    }
    let version = r.read_u8(6, "Version").map_err(map)?;
    if version != HEADER_VERSION {
        return Err(GppError::UnsupportedVersion(version));
    }
    let entries = r.read(12, "NumEntries").map_err(map)?;
    let mut ids: Vec<u16> = Vec::new();
    let mut offset = 0u64;
    let too_many = |declared: usize| GppError::SectionCount {
        declared,
        found: limit,
    };
    for _ in 0..entries {
        let is_range = r.read_bool("IsRange").map_err(map)?;
        let start = offset.saturating_add(read_fibonacci(&mut r, 0)?);
        let end = if is_range {
            start.saturating_add(read_fibonacci(&mut r, 0)?)
        } else {
            start
        };
        offset = end;
        let (start, end) = (section_id(start)?, section_id(end)?);
        if ids.len() + usize::from(end - start) + 1 > limit {
            return Err(too_many(ids.len() + usize::from(end - start) + 1));
        }
        ids.extend(start..=end);
    }
    Ok(ids)
}

fn two_bits(
    r: &mut BitReader<'_>,
    kind: UsKind,
    field: UsField,
    section: usize,
) -> Result<u8, GppError> {
    let value = r
        .read_u8(2, field.name())
        .map_err(|e| GppError::from_bits(e, section))?;
    if value > 2 {
        return Err(GppError::FieldValue {
            section: kind.name(),
            field: field.name(),
            value,
        });
    }
    Ok(value)
}

/// A US section (`core` or `core.gpc`).
pub fn decode_us(kind: UsKind, text: &str, section: usize) -> Result<UsSection, GppError> {
    let segments: Vec<&str> = text.split('.').collect();
    let allowed = if kind.has_gpc_segment() { 2 } else { 1 };
    if segments.len() > allowed {
        return Err(GppError::TooManySegments {
            section: kind.name(),
            found: segments.len(),
            allowed,
        });
    }
    let core = sextets(segments.first().copied().unwrap_or_default(), section)?;
    let mut r = BitReader::new(&core, section);
    let version = r
        .read_u8(6, "Version")
        .map_err(|e| GppError::from_bits(e, section))?;
    let layout = kind.layout(version).ok_or(GppError::SectionVersion {
        section: kind.name(),
        version,
    })?;
    let mut s = UsSection {
        version,
        ..UsSection::default()
    };
    for &field in layout {
        let slot = match field {
            F::SensitiveDataProcessing(n) => {
                s.sensitive_data_processing = (0..n)
                    .map(|_| two_bits(&mut r, kind, field, section))
                    .collect::<Result<_, _>>()?;
                continue;
            }
            F::KnownChildSensitiveDataConsents(n) => {
                s.known_child_sensitive_data_consents = (0..n.max(1))
                    .map(|_| two_bits(&mut r, kind, field, section))
                    .collect::<Result<_, _>>()?;
                continue;
            }
            F::MspaCoveredTransaction => {
                s.mspa_covered_transaction = two_bits(&mut r, kind, field, section)?;
                continue;
            }
            F::MspaOptOutOptionMode => {
                s.mspa_opt_out_option_mode = two_bits(&mut r, kind, field, section)?;
                continue;
            }
            F::MspaServiceProviderMode => {
                s.mspa_service_provider_mode = two_bits(&mut r, kind, field, section)?;
                continue;
            }
            F::SharingNotice => &mut s.sharing_notice,
            F::SaleOptOutNotice => &mut s.sale_opt_out_notice,
            F::SharingOptOutNotice => &mut s.sharing_opt_out_notice,
            F::TargetedAdvertisingOptOutNotice => &mut s.targeted_advertising_opt_out_notice,
            F::SensitiveDataProcessingOptOutNotice => {
                &mut s.sensitive_data_processing_opt_out_notice
            }
            F::SensitiveDataLimitUseNotice => &mut s.sensitive_data_limit_use_notice,
            F::SensitiveDataOptOutNotice => &mut s.sensitive_data_opt_out_notice,
            F::ProcessingNotice => &mut s.processing_notice,
            F::SaleOptOut => &mut s.sale_opt_out,
            F::SharingOptOut => &mut s.sharing_opt_out,
            F::TargetedAdvertisingOptOut => &mut s.targeted_advertising_opt_out,
            F::PersonalDataConsents => &mut s.personal_data_consents,
            F::AdditionalDataProcessingConsent => &mut s.additional_data_processing_consent,
        };
        *slot = Some(two_bits(&mut r, kind, field, section)?);
    }
    if let Some(gpc) = segments.get(1) {
        let bits = sextets(gpc, section)?;
        let mut r = BitReader::new(&bits, section);
        let map = |e| GppError::from_bits(e, section);
        let subsection = r.read_u8(2, "SubsectionType").map_err(map)?;
        if subsection != 1 {
            return Err(GppError::SubsectionType {
                section: kind.name(),
                kind: subsection,
            });
        }
        s.gpc = Some(r.read_bool("Gpc").map_err(map)?);
    }
    Ok(s)
}

fn decode_section(id: u16, text: &str, index: usize) -> Result<SectionData, GppError> {
    if text.trim().is_empty() {
        return Err(GppError::EmptySection { section: index });
    }
    if id == TCF_EU_V2 {
        return tcf::decode(text)
            .map(|tc| SectionData::TcfEuV2(Box::new(tc)))
            .map_err(GppError::TcfEuV2);
    }
    match UsKind::from_id(id) {
        Some(kind) => decode_us(kind, text, index).map(|s| SectionData::Us(kind, s)),
        None => Ok(SectionData::Unsupported),
    }
}

/// Decodes a GPP string. The header and the section count must be right
/// (else `Err`); each section decodes on its own ([`GppSection::data`]).
pub fn decode(raw: &str) -> Result<GppString, GppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(GppError::Empty);
    }
    if raw.len() > MAX_GPP_STRING_LEN {
        return Err(GppError::TooLong { len: raw.len() });
    }
    let parts: Vec<&str> = raw.split('~').collect();
    let (head, bodies) = parts.split_first().ok_or(GppError::Empty)?;
    let section_ids = header(head, bodies.len())?;
    if section_ids.len() != bodies.len() {
        return Err(GppError::SectionCount {
            declared: section_ids.len(),
            found: bodies.len(),
        });
    }
    let sections = section_ids
        .iter()
        .zip(bodies)
        .enumerate()
        .map(|(i, (&id, text))| GppSection {
            id,
            data: decode_section(id, text, i + 1),
        })
        .collect();
    Ok(GppString {
        version: HEADER_VERSION,
        section_ids,
        sections,
    })
}

/// `gpp_sid`: the section ids that apply to this request, comma-separated
/// (`7,8`; a percent-encoded comma is read too). `-1` means none applies.
pub fn parse_sid(raw: &str) -> Result<Vec<i16>, GppError> {
    let raw = raw.trim().replace("%2C", ",").replace("%2c", ",");
    if raw.is_empty() {
        return Err(GppError::Sid);
    }
    raw.split(',')
        .map(|item| {
            item.trim()
                .parse::<i16>()
                .ok()
                .filter(|id| *id == -1 || (0..=MAX_SECTION_ID as i16).contains(id))
                .ok_or(GppError::Sid)
        })
        .collect()
}

/// Exact GPP strings for tests, built bit by bit.
#[cfg(test)]
pub(crate) mod testing {
    use crate::policy::consent::bits::BitWriter;

    /// Fibonacci code of `v` ≥ 1, least significant first, then the end bit.
    pub(crate) fn fib(w: &mut BitWriter, v: u64) {
        let mut seq = vec![1u64, 2];
        while seq[seq.len() - 1] + seq[seq.len() - 2] <= v {
            let n = seq[seq.len() - 1] + seq[seq.len() - 2];
            seq.push(n);
        }
        let mut bits = vec![false; seq.len()];
        let mut rest = v;
        for i in (0..seq.len()).rev() {
            if seq[i] <= rest {
                bits[i] = true;
                rest -= seq[i];
            }
        }
        while bits.last() == Some(&false) {
            bits.pop();
        }
        for b in bits {
            w.push_bool(b);
        }
        w.push_bool(true);
    }

    /// A header naming `ids` (ascending), one entry each.
    pub(crate) fn header_for(ids: &[u16]) -> String {
        let mut w = BitWriter::new();
        w.push(3, 6).push(1, 6).push(ids.len() as u64, 12);
        let mut offset = 0;
        for &id in ids {
            w.push_bool(false);
            fib(&mut w, u64::from(id - offset));
            offset = id;
        }
        w.finish()
    }

    /// A US core segment: version then 2-bit values.
    pub(crate) fn us_core(version: u8, values: &[u8]) -> String {
        let mut w = BitWriter::new();
        w.push(u64::from(version), 6);
        for v in values {
            w.push(u64::from(*v), 2);
        }
        w.finish()
    }

    /// A GPP string of `sections` (ascending ids).
    pub(crate) fn gpp_string(sections: &[(u16, &str)]) -> String {
        let ids: Vec<u16> = sections.iter().map(|s| s.0).collect();
        let mut parts = vec![header_for(&ids)];
        parts.extend(sections.iter().map(|s| s.1.to_owned()));
        parts.join("~")
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{fib, header_for, us_core};
    use super::*;
    use crate::policy::consent::bits::BitWriter;

    #[test]
    fn the_reference_example_decodes() {
        // From the GPP specification: a header naming tcfeuv2 and uspv1.
        let g = decode("DBACNY~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN").expect("valid");
        assert_eq!(g.section_ids, vec![2, 6]);
        assert!(matches!(g.sections[1].data, Ok(SectionData::Unsupported)));
        // The TC string there is policy version 2: decoded, refused by policy.
        assert!(matches!(
            g.sections[0].data,
            Err(GppError::TcfEuV2(TcfError::PolicyVersionTooOld { .. }))
        ));
    }

    #[test]
    fn header_ranges_and_offsets() {
        assert_eq!(header(&header_for(&[7, 8, 12]), 3), Ok(vec![7, 8, 12]));
        // A range: IsRange, start 7, end 7 + 3.
        let mut w = BitWriter::new();
        w.push(3, 6).push(1, 6).push(1, 12).push_bool(true);
        fib(&mut w, 7);
        fib(&mut w, 3);
        assert_eq!(header(&w.finish(), 10), Ok(vec![7, 8, 9, 10]));
        assert!(matches!(
            header(&w.finish(), 3),
            Err(GppError::SectionCount { .. })
        ));
    }

    #[test]
    fn usnat_v1_and_v2_layouts() {
        let mut v1 = vec![1, 2, 1, 2, 1, 2, 1, 2, 1];
        v1.extend([2; 12]);
        v1.extend([1, 2]);
        v1.extend([1, 1, 2, 0]);
        let s = decode_us(UsKind::UsNat, &us_core(1, &v1), 1).expect("v1");
        assert_eq!(s.sensitive_data_processing.len(), 12);
        assert_eq!(s.known_child_sensitive_data_consents, vec![1, 2]);
        assert_eq!(s.sale_opt_out, Some(1));
        assert_eq!(
            s.opt_outs(),
            vec![
                "SaleOptOut",
                "TargetedAdvertisingOptOut",
                "PersonalDataConsents"
            ]
        );
        assert_eq!(s.mspa_service_provider_mode, 0);
        let mut v2 = vec![0; 9];
        v2.extend([2; 16]);
        v2.extend([0, 0, 1]);
        v2.extend([2, 1, 0, 0]);
        let s = decode_us(UsKind::UsNat, &format!("{}.YA", us_core(2, &v2)), 1).expect("v2");
        assert_eq!(s.sensitive_data_processing.len(), 16);
        assert_eq!(s.known_child_sensitive_data_consents, vec![0, 0, 1]);
        assert_eq!(s.gpc, Some(true));
        assert!(s.opt_outs().is_empty());
        assert!(matches!(
            decode_us(UsKind::UsNat, &us_core(3, &v2), 1),
            Err(GppError::SectionVersion { version: 3, .. })
        ));
    }

    #[test]
    fn malformed_sections_are_typed_errors() {
        let core = us_core(1, &[0; 20]);
        // usva has no GPC segment.
        assert!(matches!(
            decode_us(UsKind::UsVa, &format!("{core}.YA"), 1),
            Err(GppError::TooManySegments { .. })
        ));
        // A GPC segment of another subsection type.
        assert!(matches!(
            decode_us(UsKind::UsCa, &format!("{core}.oA"), 1),
            Err(GppError::SubsectionType { kind: 2, .. })
        ));
        // Value 3 is not a 2-bit choice.
        assert!(matches!(
            decode_us(UsKind::UsCa, &us_core(1, &[3; 20]), 1),
            Err(GppError::FieldValue { value: 3, .. })
        ));
        // Truncated core.
        assert!(matches!(
            decode_us(UsKind::UsCa, &us_core(1, &[0; 4]), 1),
            Err(GppError::Truncated { .. })
        ));
        assert!(matches!(
            decode_us(UsKind::UsCa, "BV+A", 1),
            Err(GppError::NotBase64Url { found: '+', .. })
        ));
    }

    #[test]
    fn whole_string_errors() {
        assert_eq!(decode(" "), Err(GppError::Empty));
        assert_eq!(
            decode(&"D".repeat(MAX_GPP_STRING_LEN + 1)),
            Err(GppError::TooLong {
                len: MAX_GPP_STRING_LEN + 1
            })
        );
        let us = us_core(1, &[0; 20]);
        assert_eq!(
            decode(&format!("{}~{us}", header_for(&[7, 8]))),
            Err(GppError::SectionCount {
                declared: 2,
                found: 1
            })
        );
        assert!(matches!(
            decode(&format!("{}~{us}~{us}", header_for(&[7]))),
            Err(GppError::SectionCount { .. })
        ));
        assert!(matches!(decode("CBABM~x"), Err(GppError::HeaderType(2))));
        assert!(matches!(
            decode("DCABM~x"),
            Err(GppError::UnsupportedVersion(2))
        ));
        assert!(matches!(decode("D!"), Err(GppError::NotBase64Url { .. })));
        assert!(matches!(decode("DBA"), Err(GppError::Truncated { .. })));
        // A blank section is that section's error, not the string's.
        let g = decode(&format!("{}~ ", header_for(&[8]))).expect("header fine");
        assert_eq!(
            g.sections[0].data,
            Err(GppError::EmptySection { section: 1 })
        );
    }

    #[test]
    fn unknown_section_ids_are_kept_not_refused() {
        let us = us_core(1, &[0; 20]);
        let g = decode(&format!("{}~AAA~{us}~BBB", header_for(&[5, 8, 40]))).expect("valid");
        assert_eq!(g.section_ids, vec![5, 8, 40]);
        assert_eq!(g.sections[0].data, Ok(SectionData::Unsupported));
        assert_eq!(g.sections[2].data, Ok(SectionData::Unsupported));
        assert!(matches!(
            g.sections[1].data,
            Ok(SectionData::Us(UsKind::UsCa, _))
        ));
        let mut w = BitWriter::new();
        w.push(3, 6).push(1, 6).push(1, 12).push_bool(false);
        fib(&mut w, 300);
        assert!(matches!(
            decode(&format!("{}~x", w.finish())),
            Err(GppError::SectionIdOutOfRange { .. })
        ));
    }

    #[test]
    fn market_codes_map_to_state_sections() {
        assert_eq!(UsKind::for_market("US-CT"), Some(UsKind::UsCt));
        assert_eq!(UsKind::for_market("US-ca"), Some(UsKind::UsCa));
        assert_eq!(UsKind::for_market("US-NJ"), Some(UsKind::UsNj));
        assert_eq!(UsKind::for_market("US-IL"), None);
        assert_eq!(UsKind::for_market("US-AT"), None);
        assert_eq!(UsKind::for_market("US"), None);
        assert_eq!(UsKind::for_market("DE"), None);
        for k in UsKind::ALL {
            assert_eq!(UsKind::from_id(k.id()), Some(k));
        }
    }

    #[test]
    fn sid_lists() {
        assert_eq!(parse_sid("7,8"), Ok(vec![7, 8]));
        assert_eq!(parse_sid("7%2C8"), Ok(vec![7, 8]));
        assert_eq!(parse_sid("-1"), Ok(vec![-1]));
        assert_eq!(parse_sid("7,x"), Err(GppError::Sid));
        assert_eq!(parse_sid(""), Err(GppError::Sid));
        assert_eq!(parse_sid("999"), Err(GppError::Sid));
    }
}
