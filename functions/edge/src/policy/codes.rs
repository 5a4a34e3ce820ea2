//! The closed vocabularies packs are checked against: countries,
//! subdivisions, currencies, backend regions, residency reason codes and
//! product categories.

use crate::market::CountryCode;

/// Active ISO 4217 currency codes.
const CURRENCIES: &str = "\
AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD \
CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP \
GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD \
KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN \
NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP \
SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES \
VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG";

/// The market code of the default pack, used for countries without one
/// (`ZZ` is user-assigned in ISO 3166-1 and never a real country).
pub const DEFAULT_MARKET: &str = "ZZ";

/// Backend regions a pack may name. A region is where a GPU backend may
/// run; whether one is deployed there is the deployment's business.
pub const REGIONS: &[&str] = &[
    "eu", "uk", "us", "cn", "jp", "kr", "in", "br", "sa", "ae", "sg", "id", "th", "vn",
    // Americas and Asia-Pacific
    "ca", "au", // EMEA
    "ch", "eg", "ru", "tr",
];

/// Machine-readable residency reasons a pack may cite (`[residency] code`).
pub const RESIDENCY_CODES: &[&str] = &[
    "residency-eu-gdpr",
    "residency-uk-gdpr",
    "residency-us-no-localisation",
    "residency-cn-pipl",
    "residency-jp-appi",
    "residency-kr-pipa",
    "residency-in-dpdp",
    "residency-br-lgpd",
    "residency-sa-pdpl",
    "residency-ae-pdpl",
    "residency-id-pdp",
    "residency-th-pdpa",
    "residency-vn-pdp",
    // Americas and Asia-Pacific
    "residency-mx-lfpdppp",
    "residency-ca-pipeda",
    "residency-qc-law25",
    "residency-ar-ley25326",
    "residency-cl-ley21719",
    "residency-co-ley1581",
    "residency-pe-ley29733",
    "residency-au-privacy-act",
    "residency-nz-privacy-act",
    "residency-sg-pdpa",
    "residency-my-pdpa",
    "residency-ph-dpa",
    "residency-tw-pdpa",
    "residency-hk-pdpo",
    // EMEA
    "residency-ch-fadp",
    "residency-eg-pdpl",
    "residency-il-ppl",
    "residency-ke-dpa",
    "residency-ng-ndpa",
    "residency-ru-152fz",
    "residency-tr-kvkk",
    "residency-za-popia",
    "residency-default-strict",
];

/// Product categories packs, the merchant and the embargo list may name.
pub const CATEGORIES: &[&str] = &[
    "alcohol",
    "tobacco",
    "vaping",
    "cbd",
    "knives",
    "fireworks",
    "pork",
    "adult",
    "supplements",
    "cosmetics",
    "eyewear",
    "apparel",
    "footwear",
    "jewellery",
    "watches",
    "luxury",
    "electronics",
    "toys",
    "food",
    "home",
];

/// An assigned country code, upper case as packs spell it; the list is
/// the market resolver's ([`CountryCode`]), so both agree on what a
/// country is.
pub fn is_country(code: &str) -> bool {
    code.len() == 2
        && code.bytes().all(|b| b.is_ascii_uppercase())
        && CountryCode::parse(code).is_some()
}

/// `US-CA`: a known country, a hyphen, then 1 to 3 upper-case letters or
/// digits (the ISO 3166-2 shape).
pub fn is_subdivision(code: &str) -> bool {
    match code.split_once('-') {
        Some((country, sub)) => {
            is_country(country)
                && (1..=3).contains(&sub.len())
                && sub
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        }
        None => false,
    }
}

/// A country, a subdivision, or the default market.
pub fn is_market(code: &str) -> bool {
    code == DEFAULT_MARKET || is_country(code) || is_subdivision(code)
}

/// Three upper-case letters and an active ISO 4217 code.
pub fn is_currency(code: &str) -> bool {
    code.len() == 3
        && code.bytes().all(|b| b.is_ascii_uppercase())
        && CURRENCIES.split(' ').any(|c| c == code)
}

pub fn is_region(region: &str) -> bool {
    REGIONS.contains(&region)
}

pub fn is_category(category: &str) -> bool {
    CATEGORIES.contains(&category)
}

/// The `'static` form of a residency code, if it is one we know.
pub fn residency_code(code: &str) -> Option<&'static str> {
    RESIDENCY_CODES.iter().copied().find(|c| *c == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_the_iso_list() {
        assert!(is_country("DE") && is_country("XK"));
        assert!(!is_country("de") && !is_country("EU") && !is_country("UK"));
        assert!(!is_country(DEFAULT_MARKET) && is_market(DEFAULT_MARKET));
    }

    #[test]
    fn subdivisions_have_the_iso_3166_2_shape() {
        assert!(is_subdivision("US-CA"));
        assert!(is_subdivision("UA-43"));
        assert!(is_subdivision("GB-SCT"));
        assert!(!is_subdivision("US-"));
        assert!(!is_subdivision("US-ca"));
        assert!(!is_subdivision("QQ-CA"));
        assert!(!is_subdivision("US-CALI"));
        assert!(!is_subdivision("US"));
    }

    #[test]
    fn currencies_are_three_upper_letters_and_known() {
        let all: Vec<&str> = CURRENCIES.split(' ').collect();
        let mut sorted = all.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, all);
        assert!(is_currency("EUR") && is_currency("CNY") && is_currency("VND"));
        assert!(!is_currency("eur"));
        assert!(!is_currency("EURO"));
        assert!(!is_currency("EUD"));
        assert!(!is_currency("€"));
    }

    #[test]
    fn residency_codes_are_static() {
        assert_eq!(
            residency_code("residency-eu-gdpr"),
            Some("residency-eu-gdpr")
        );
        assert_eq!(residency_code("residency-moon"), None);
    }
}
