//! Country and subdivision codes: what counts as a country.
//!
//! CDNs and databases send placeholders that look like codes (`XX` unknown,
//! `T1` Tor, `A1`/`A2` anonymous proxy/satellite, `O1` other, `EU`/`AP`
//! continents, `ZZ`, `**`). A market must be a real country, so a code is
//! accepted only if it is an assigned ISO 3166-1 alpha-2 code (or `XK`,
//! Kosovo, which CDNs and MaxMind use although ISO has not assigned it).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The 249 assigned ISO 3166-1 alpha-2 codes (Debian iso-codes 4.15) plus
/// `XK`, sorted, two bytes each, for a binary search.
const COUNTRIES: &[u8] = b"ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSXKYEYTZAZMZW";

/// An assigned ISO 3166-1 alpha-2 country code, uppercase.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// The United States, the usual default market.
    pub const US: Self = Self(*b"US");

    /// Accepts exactly two ASCII letters (any case, surrounding spaces or
    /// tabs ignored) naming an assigned country; anything else is `None`.
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim_matches([' ', '\t']);
        let &[a, b] = value.as_bytes() else {
            return None;
        };
        if !a.is_ascii_alphabetic() || !b.is_ascii_alphabetic() {
            return None;
        }
        let code = [a.to_ascii_uppercase(), b.to_ascii_uppercase()];
        let (assigned, _) = COUNTRIES.as_chunks::<2>();
        assigned.binary_search(&code).ok().map(|_| Self(code))
    }

    /// The code as text, e.g. `"CH"`.
    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("ZZ")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

impl TryFrom<String> for CountryCode {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).ok_or_else(|| {
            format!(
                "`{}` is not an ISO 3166-1 alpha-2 country code",
                value.escape_default()
            )
        })
    }
}

impl From<CountryCode> for String {
    fn from(code: CountryCode) -> Self {
        code.as_str().to_owned()
    }
}

/// An ISO 3166-2 subdivision (`US-CA`, `GB-ENG`, `PL-14`) from a CDN's
/// region value, which is either the part after the dash (`CA`) or the whole
/// code (`US-CA`). The part must be 1 to 3 ASCII letters or digits, as in
/// ISO 3166-2; a whole code must name `country`.
pub fn parse_subdivision(country: CountryCode, value: &str) -> Option<String> {
    let value = value.trim_matches([' ', '\t']);
    let part = match value.split_once('-') {
        Some((prefix, part)) => {
            if !prefix.eq_ignore_ascii_case(country.as_str()) {
                return None;
            }
            part
        }
        None => value,
    };
    if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    Some(format!("{country}-{}", part.to_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn table_is_sorted_pairs_of_uppercase_letters() {
        assert_eq!(COUNTRIES.len() % 2, 0);
        assert_eq!(COUNTRIES.len() / 2, 250);
        let (pairs, rest) = COUNTRIES.as_chunks::<2>();
        assert!(rest.is_empty());
        assert!(
            pairs.windows(2).all(|w| w[0] < w[1]),
            "sorted, no duplicates"
        );
        assert!(COUNTRIES.iter().all(u8::is_ascii_uppercase));
    }

    #[test]
    fn accepts_countries_in_any_case() {
        for (input, want) in [
            ("US", "US"),
            ("us", "US"),
            ("cH", "CH"),
            (" de\t", "DE"),
            ("XK", "XK"),
        ] {
            assert_eq!(
                CountryCode::parse(input).map(|c| c.to_string()).as_deref(),
                Some(want),
                "{input:?}"
            );
        }
    }

    #[test]
    fn rejects_placeholders_and_malformed_values() {
        for input in [
            "", "U", "USA", "xx", "XX", "T1", "A1", "A2", "O1", "EU", "AP", "ZZ", "**", "UK",
            "U S", "Ü", "ÜS", "U\u{0}", "1A", "--",
        ] {
            assert_eq!(CountryCode::parse(input), None, "{input:?}");
        }
    }

    #[test]
    fn subdivisions_are_iso_3166_2() {
        let us = CountryCode::parse("US").expect("US is a country");
        assert_eq!(parse_subdivision(us, "CA").as_deref(), Some("US-CA"));
        assert_eq!(parse_subdivision(us, "ca").as_deref(), Some("US-CA"));
        assert_eq!(parse_subdivision(us, "US-CA").as_deref(), Some("US-CA"));
        assert_eq!(parse_subdivision(us, "us-ny").as_deref(), Some("US-NY"));
        let pl = CountryCode::parse("PL").expect("PL is a country");
        assert_eq!(parse_subdivision(pl, "14").as_deref(), Some("PL-14"));
        for bad in ["", "CAXX", "DE-BY", "C A", "-", "US-", "CA\n", "Ä"] {
            assert_eq!(parse_subdivision(us, bad), None, "{bad:?}");
        }
    }

    #[test]
    fn deserializes_and_refuses_non_countries() {
        #[derive(Deserialize)]
        struct Holder {
            c: CountryCode,
        }
        let ok: Holder = toml::from_str("c = \"ch\"").expect("ch is a country");
        assert_eq!(ok.c.as_str(), "CH");
        assert!(toml::from_str::<Holder>("c = \"XX\"").is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_yields_two_uppercase_letters(s in any::<String>()) {
            if let Some(code) = CountryCode::parse(&s) {
                let text = code.as_str();
                prop_assert_eq!(text.len(), 2);
                prop_assert!(text.bytes().all(|b| b.is_ascii_uppercase()));
            }
        }

        #[test]
        fn two_letter_inputs_round_trip(s in "[A-Za-z]{2}") {
            if let Some(code) = CountryCode::parse(&s) {
                prop_assert_eq!(code.as_str(), s.to_ascii_uppercase());
            }
        }

        #[test]
        fn subdivision_is_country_dash_code(s in any::<String>()) {
            let us = CountryCode::parse("US").expect("US is a country");
            if let Some(sub) = parse_subdivision(us, &s) {
                let part = sub.strip_prefix("US-").expect("prefixed with the country");
                prop_assert!((1..=3).contains(&part.len()));
                prop_assert!(part.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
            }
        }
    }
}
