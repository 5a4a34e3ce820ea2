//! A test-only TC string encoder, so tests build exact strings (and the
//! property tests and fuzz targets check `parse(encode(x)) == x`). Not for
//! production: only registered CMPs may create TC strings. Outside this
//! crate's tests it exists only with the `tcf-encode` feature.

use super::bits::BitWriter;
use super::tcf::{PubRestriction, PublisherTc, RestrictionType, TcString, VendorSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VendorEncoding {
    /// Whichever is smaller, as the spec asks of encoders.
    Auto,
    BitField,
    Range,
}

/// A 24-bit purpose field (purpose 1 leftmost) from purpose numbers.
pub fn purposes(ids: &[u8]) -> u32 {
    ids.iter()
        .filter(|p| (1..=24).contains(*p))
        .fold(0, |acc, p| acc | 1 << (24 - u32::from(*p)))
}

/// A plausible TCF 2.3 string's model: CMP 300, English, publisher DE,
/// policy version 5, nothing consented.
pub fn base() -> TcString {
    TcString {
        version: 2,
        // 2025-06-03, day precision, in deciseconds.
        created: 17_489_088_000,
        last_updated: 17_489_088_000,
        cmp_id: 300,
        cmp_version: 2,
        consent_screen: 1,
        consent_language: "en".to_owned(),
        vendor_list_version: 120,
        policy_version: 5,
        is_service_specific: true,
        use_non_standard_texts: false,
        special_feature_opt_ins: 0,
        purposes_consent: 0,
        purposes_li: 0,
        purpose_one_treatment: false,
        publisher_cc: "DE".to_owned(),
        vendor_consents: VendorSet::default(),
        vendor_li: VendorSet::default(),
        pub_restrictions: Vec::new(),
        disclosed_vendors: None,
        allowed_vendors: None,
        publisher_tc: None,
    }
}

fn letters(w: &mut BitWriter, text: &str, base: u8) {
    for b in text.bytes().take(2) {
        w.push(
            u64::from(
                b.to_ascii_lowercase()
                    .saturating_sub(base.to_ascii_lowercase()),
            ),
            6,
        );
    }
}

fn ranges(w: &mut BitWriter, ranges: &[(u16, u16)]) {
    w.push(ranges.len() as u64, 12);
    for &(start, end) in ranges {
        if start == end {
            w.push_bool(false).push(u64::from(start), 16);
        } else {
            w.push_bool(true)
                .push(u64::from(start), 16)
                .push(u64::from(end), 16);
        }
    }
}

fn range_bits(set: &VendorSet) -> usize {
    12 + set
        .ranges()
        .iter()
        .map(|(s, e)| if s == e { 17 } else { 33 })
        .sum::<usize>()
}

pub(crate) fn vendor_set(w: &mut BitWriter, set: &VendorSet, encoding: VendorEncoding) {
    w.push(u64::from(set.max_vendor_id()), 16);
    let use_range = match encoding {
        VendorEncoding::Range => true,
        VendorEncoding::BitField => false,
        VendorEncoding::Auto => range_bits(set) < usize::from(set.max_vendor_id()),
    };
    w.push_bool(use_range);
    if use_range {
        ranges(w, set.ranges());
    } else {
        for id in 1..=set.max_vendor_id() {
            w.push_bool(set.contains(id));
        }
    }
}

/// The core segment's bits.
pub(crate) fn core_bits(tc: &TcString, encoding: VendorEncoding) -> BitWriter {
    let mut w = BitWriter::new();
    w.push(u64::from(tc.version), 6)
        .push(tc.created, 36)
        .push(tc.last_updated, 36)
        .push(u64::from(tc.cmp_id), 12)
        .push(u64::from(tc.cmp_version), 12)
        .push(u64::from(tc.consent_screen), 6);
    letters(&mut w, &tc.consent_language, b'a');
    w.push(u64::from(tc.vendor_list_version), 12)
        .push(u64::from(tc.policy_version), 6)
        .push_bool(tc.is_service_specific)
        .push_bool(tc.use_non_standard_texts)
        .push(u64::from(tc.special_feature_opt_ins), 12)
        .push(u64::from(tc.purposes_consent), 24)
        .push(u64::from(tc.purposes_li), 24)
        .push_bool(tc.purpose_one_treatment);
    letters(&mut w, &tc.publisher_cc, b'A');
    vendor_set(&mut w, &tc.vendor_consents, encoding);
    vendor_set(&mut w, &tc.vendor_li, encoding);
    w.push(tc.pub_restrictions.len() as u64, 12);
    for PubRestriction {
        purpose_id,
        restriction,
        vendors,
    } in &tc.pub_restrictions
    {
        let kind = match restriction {
            RestrictionType::NotAllowed => 0,
            RestrictionType::RequireConsent => 1,
            RestrictionType::RequireLegitimateInterest => 2,
        };
        w.push(u64::from(*purpose_id), 6).push(kind, 2);
        ranges(&mut w, vendors);
    }
    w
}

fn publisher_tc(p: &PublisherTc) -> BitWriter {
    let mut w = BitWriter::new();
    let n = usize::from(p.num_custom_purposes);
    w.push(3, 3)
        .push(u64::from(p.purposes_consent), 24)
        .push(u64::from(p.purposes_li), 24)
        .push(u64::from(p.num_custom_purposes), 6)
        .push(p.custom_consent, n)
        .push(p.custom_li, n);
    w
}

pub fn encode(tc: &TcString, encoding: VendorEncoding) -> String {
    let mut out = core_bits(tc, encoding).finish();
    for (kind, set) in [(1, &tc.disclosed_vendors), (2, &tc.allowed_vendors)] {
        if let Some(set) = set {
            let mut w = BitWriter::new();
            w.push(kind, 3);
            vendor_set(&mut w, set, encoding);
            out.push('.');
            out.push_str(&w.finish());
        }
    }
    if let Some(p) = &tc.publisher_tc {
        out.push('.');
        out.push_str(&publisher_tc(p).finish());
    }
    out
}
