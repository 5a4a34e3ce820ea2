//! The page language: an explicit override, else `Accept-Language` (RFC 9110
//! §12.5.4) matched by RFC 4647 §3.4 *Lookup* against the market's
//! languages, else the market's default.

use meridian_locale::normalized;
use serde::Serialize;

/// `Accept-Language` bytes read; browsers send well under 200. A longer
/// header is cut at its last comma within the limit.
pub const MAX_ACCEPT_LANGUAGE_LEN: usize = 4096;

/// List elements read from `Accept-Language`; later ones are ignored. Each
/// costs a lookup pass over the market's languages.
pub const MAX_LANGUAGE_RANGES: usize = 32;

/// A language range longer than this is skipped (real tags are short; this
/// bounds the work of truncation).
const MAX_RANGE_LEN: usize = 64;

/// One acceptable language range with its weight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageRange {
    /// As sent (`de-CH`, `*`); validated, case kept.
    pub range: String,
    /// Weight in thousandths: 1..=1000.
    pub quality: u16,
}

/// A parsed `Accept-Language`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AcceptLanguage {
    /// Ranges with `q > 0`, highest weight first, ties in header order.
    pub ranges: Vec<LanguageRange>,
    /// Ranges sent with `q=0`: explicitly not acceptable.
    pub refused: Vec<String>,
}

/// Parses `Accept-Language`. Malformed elements (bad range syntax, bad or
/// out-of-range `q`, unknown parameters) are skipped, never fatal; empty
/// elements are ignored. Reads at most [`MAX_LANGUAGE_RANGES`] elements of
/// at most [`MAX_ACCEPT_LANGUAGE_LEN`] bytes.
pub fn parse_accept_language(header: &str) -> AcceptLanguage {
    let header = if header.len() > MAX_ACCEPT_LANGUAGE_LEN {
        let within = header
            .as_bytes()
            .get(..=MAX_ACCEPT_LANGUAGE_LEN)
            .unwrap_or_default();
        let cut = within.iter().rposition(|&b| b == b',').unwrap_or(0);
        // A comma is ASCII, so `cut` is a char boundary.
        header.get(..cut).unwrap_or_default()
    } else {
        header
    };
    let mut parsed = AcceptLanguage::default();
    let elements = header
        .split(',')
        .map(|e| e.trim_matches([' ', '\t']))
        .filter(|e| !e.is_empty())
        .take(MAX_LANGUAGE_RANGES);
    for element in elements {
        let Some((range, quality)) = parse_element(element) else {
            continue;
        };
        if quality == 0 {
            parsed.refused.push(range.to_owned());
        } else {
            parsed.ranges.push(LanguageRange {
                range: range.to_owned(),
                quality,
            });
        }
    }
    // Stable: equal weights keep the order the client sent.
    parsed.ranges.sort_by_key(|r| std::cmp::Reverse(r.quality));
    parsed
}

/// `language-range [ OWS ";" OWS "q=" qvalue ]`.
fn parse_element(element: &str) -> Option<(&str, u16)> {
    let mut parts = element.split(';');
    let range = parts.next()?.trim_matches([' ', '\t']);
    if !is_language_range(range) {
        return None;
    }
    let mut quality = None;
    for param in parts {
        let param = param.trim_matches([' ', '\t']);
        if param.is_empty() {
            continue;
        }
        let (name, value) = param.split_once('=')?;
        if !name.trim_end_matches([' ', '\t']).eq_ignore_ascii_case("q") || quality.is_some() {
            return None;
        }
        quality = Some(parse_qvalue(value.trim_start_matches([' ', '\t']))?);
    }
    Some((range, quality.unwrap_or(1000)))
}

/// RFC 9110 `qvalue`: `0[.ddd]` or `1[.000]`, as thousandths.
fn parse_qvalue(value: &str) -> Option<u16> {
    let (int, frac) = value.split_once('.').unwrap_or((value, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths: u16 = 0;
    for (i, digit) in frac.bytes().enumerate() {
        thousandths += u16::from(digit - b'0') * [100, 10, 1][i];
    }
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// RFC 4647 `language-range`: `*`, or `1*8ALPHA *("-" 1*8alphanum)`.
fn is_language_range(range: &str) -> bool {
    if range == "*" {
        return true;
    }
    if range.is_empty() || range.len() > MAX_RANGE_LEN {
        return false;
    }
    range.split('-').enumerate().all(|(i, subtag)| {
        (1..=8).contains(&subtag.len())
            && if i == 0 {
                subtag.bytes().all(|b| b.is_ascii_alphabetic())
            } else {
                subtag.bytes().all(|b| b.is_ascii_alphanumeric())
            }
    })
}

/// Where the locale came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LocaleSource {
    /// The explicit override (e.g. `?lang=`), a language of the market.
    Override,
    /// `Accept-Language`, by RFC 4647 Lookup.
    AcceptLanguage,
    /// Nothing matched: the market's default.
    MarketDefault,
}

/// The chosen locale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocaleChoice {
    /// One of the market's languages as the market spells it, or the default.
    pub locale: String,
    pub source: LocaleSource,
    /// An override that is not a language of this market, escaped and cut
    /// to 64 bytes, for the log.
    pub ignored_override: Option<String>,
}

/// Picks the page language.
///
/// 1. `query_override` if it names one of `available` or `default`
///    (case-insensitive); otherwise it is reported in `ignored_override`.
/// 2. `Accept-Language` by RFC 4647 §3.4 Lookup: each range in order of
///    weight is tried whole, then truncated from the end (`de-CH-1996` →
///    `de-CH` → `de`, dropping a dangling single-letter subtag). `*` is
///    skipped, as Lookup prescribes. A tag the client refused with `q=0`
///    is never chosen. Note Lookup never widens: `de` does not match `de-CH`.
/// 3. `default`.
///
/// Matching is ASCII case-insensitive and returns the market's spelling.
pub fn negotiate_locale(
    accept_language: Option<&str>,
    query_override: Option<&str>,
    available: &[&str],
    default: &str,
) -> LocaleChoice {
    // Spellings of one locale match (`zh-Hant-TW` is the market's `zh-TW`),
    // by CLDR's normalization; truncation never crosses a script because
    // offered tags carry their region.
    let offered: Vec<Option<String>> = available.iter().map(|a| normalized(a)).collect();
    let canonical = |tag: &str| {
        available
            .iter()
            .copied()
            .find(|a| a.eq_ignore_ascii_case(tag))
            .or_else(|| {
                let wanted = normalized(tag)?;
                let at = offered.iter().position(|o| o.as_ref() == Some(&wanted))?;
                available.get(at).copied()
            })
    };
    let default_choice = canonical(default).unwrap_or(default);

    let mut ignored_override = None;
    if let Some(wanted) = query_override
        .map(|o| o.trim_matches([' ', '\t']))
        .filter(|o| !o.is_empty())
    {
        let chosen = canonical(wanted).or_else(|| {
            default
                .eq_ignore_ascii_case(wanted)
                .then_some(default_choice)
        });
        match chosen {
            Some(locale) => {
                return LocaleChoice {
                    locale: locale.to_owned(),
                    source: LocaleSource::Override,
                    ignored_override: None,
                };
            }
            None => ignored_override = Some(escape_for_log(wanted)),
        }
    }

    if let Some(header) = accept_language {
        let accept = parse_accept_language(header);
        let refused = |tag: &str| accept.refused.iter().any(|r| r.eq_ignore_ascii_case(tag));
        for range in accept.ranges.iter().filter(|r| r.range != "*") {
            let mut candidate = range.range.as_str();
            loop {
                if let Some(tag) = canonical(candidate).filter(|t| !refused(t)) {
                    return LocaleChoice {
                        locale: tag.to_owned(),
                        source: LocaleSource::AcceptLanguage,
                        ignored_override,
                    };
                }
                let Some(shorter) = truncate_range(candidate) else {
                    break;
                };
                candidate = shorter;
            }
        }
    }

    LocaleChoice {
        locale: default_choice.to_owned(),
        source: LocaleSource::MarketDefault,
        ignored_override,
    }
}

/// RFC 4647 §3.4 truncation: drop the last subtag, and a single-character
/// subtag (an extension or private-use singleton) left dangling at the end.
fn truncate_range(range: &str) -> Option<&str> {
    let (mut rest, _) = range.rsplit_once('-')?;
    if let Some((before, last)) = rest.rsplit_once('-')
        && last.len() == 1
    {
        rest = before;
    }
    Some(rest)
}

fn escape_for_log(value: &str) -> String {
    let cut = value.as_bytes().get(..64).unwrap_or(value.as_bytes());
    let more = if value.len() > 64 { "..." } else { "" };
    format!("{}{more}", cut.escape_ascii())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const SWISS: &[&str] = &["de-CH", "fr-CH", "it-CH", "en"];

    fn pick(accept: Option<&str>, over: Option<&str>) -> (String, LocaleSource) {
        let c = negotiate_locale(accept, over, SWISS, "de-CH");
        (c.locale, c.source)
    }

    fn ranges(header: &str) -> Vec<(String, u16)> {
        parse_accept_language(header)
            .ranges
            .into_iter()
            .map(|r| (r.range, r.quality))
            .collect()
    }

    #[test]
    fn parses_weights_and_orders_by_them() {
        assert_eq!(
            ranges("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5"),
            [
                ("fr-CH".into(), 1000),
                ("fr".into(), 900),
                ("en".into(), 800),
                ("de".into(), 700),
                ("*".into(), 500)
            ]
        );
        // Out of order in the header, ties keep header order, Q= is case-insensitive.
        assert_eq!(
            ranges("en;q=0.5,de ; Q=1.0 ,\tfr;q=0.5, it"),
            [
                ("de".into(), 1000),
                ("it".into(), 1000),
                ("en".into(), 500),
                ("fr".into(), 500)
            ]
        );
    }

    #[test]
    fn skips_malformed_elements() {
        let header = "en;q=1.5, de;q=abc, fr;q=0.12345, it;q=, es;q=-1, pt;foo=bar, \
                      nl;q=0.5;q=0.4, 123, a-, -a, toolongsubtag, zh-Hant-TW-x-1, ,, ;q=0.3, \
                      sv;q=0.001, da;q=1.000, no;q=01, fi;q=0.";
        assert_eq!(
            ranges(header),
            [
                ("zh-Hant-TW-x-1".into(), 1000),
                ("da".into(), 1000),
                ("sv".into(), 1)
            ]
        );
        assert_eq!(parse_accept_language(header).refused, ["fi"]);
        assert_eq!(parse_accept_language("fi;q=0.").refused, ["fi"]);
    }

    #[test]
    fn caps_elements_and_length() {
        let many = (0..100)
            .map(|i| format!("x{}", "a".repeat(i % 7)))
            .collect::<Vec<_>>()
            .join(",");
        assert!(parse_accept_language(&many).ranges.len() <= MAX_LANGUAGE_RANGES);
        let long = format!("{}, de", "en;q=0.1,".repeat(1000));
        let parsed = parse_accept_language(&long);
        assert!(
            parsed.ranges.iter().all(|r| r.range == "en"),
            "de is beyond the cap"
        );
        let one_huge = "a".repeat(MAX_ACCEPT_LANGUAGE_LEN * 2);
        assert_eq!(parse_accept_language(&one_huge), AcceptLanguage::default());
    }

    #[test]
    fn a_script_spelled_out_is_the_same_locale_and_never_another_script() {
        let taiwan = &["zh-TW", "en"];
        let c = negotiate_locale(Some("zh-Hant-TW"), None, taiwan, "zh-TW");
        assert_eq!(
            (c.locale.as_str(), c.source),
            ("zh-TW", LocaleSource::AcceptLanguage)
        );
        let singapore = &["en-SG", "zh-SG"];
        let c = negotiate_locale(Some("zh-Hans-SG"), None, singapore, "en-SG");
        assert_eq!(
            (c.locale.as_str(), c.source),
            ("zh-SG", LocaleSource::AcceptLanguage)
        );
        // Traditional Chinese in Singapore is not the market's Simplified zh-SG.
        let c = negotiate_locale(Some("zh-TW, zh-Hant"), None, singapore, "en-SG");
        assert_eq!(
            (c.locale.as_str(), c.source),
            ("en-SG", LocaleSource::MarketDefault)
        );
        let c = negotiate_locale(None, Some("zh-hant-tw"), taiwan, "zh-TW");
        assert_eq!(
            (c.locale.as_str(), c.source),
            ("zh-TW", LocaleSource::Override)
        );
    }

    #[test]
    fn lookup_truncates_progressively() {
        assert_eq!(
            pick(Some("de-CH-1996"), None),
            ("de-CH".into(), LocaleSource::AcceptLanguage)
        );
        assert_eq!(
            pick(Some("fr-ch-x-private"), None),
            ("fr-CH".into(), LocaleSource::AcceptLanguage)
        );
        assert_eq!(
            pick(Some("en-GB-oxendict"), None),
            ("en".into(), LocaleSource::AcceptLanguage)
        );
        // Lookup never widens: `fr` is not `fr-CH`.
        assert_eq!(
            pick(Some("fr"), None),
            ("de-CH".into(), LocaleSource::MarketDefault)
        );
        assert_eq!(
            truncate_range("zh-Hant-CN-x-private1-private2"),
            Some("zh-Hant-CN-x-private1")
        );
        assert_eq!(truncate_range("zh-Hant-CN-x-private1"), Some("zh-Hant-CN"));
        assert_eq!(truncate_range("zh"), None);
    }

    #[test]
    fn q_ordering_decides() {
        assert_eq!(pick(Some("en;q=0.4, it-CH;q=0.9"), None).0, "it-CH");
        assert_eq!(pick(Some("ja, en;q=0.1"), None).0, "en");
        assert_eq!(
            pick(Some("IT-ch"), None).0,
            "it-CH",
            "case-insensitive, market's spelling"
        );
    }

    #[test]
    fn wildcard_and_refusals() {
        assert_eq!(
            pick(Some("*"), None),
            ("de-CH".into(), LocaleSource::MarketDefault)
        );
        assert_eq!(
            pick(Some("*, fr-CH;q=0.5"), None).0,
            "fr-CH",
            "* is skipped, not a match"
        );
        assert_eq!(
            pick(Some("en;q=0, en-US"), None),
            ("de-CH".into(), LocaleSource::MarketDefault)
        );
        assert_eq!(
            pick(Some("fr-CH;q=0"), None),
            ("de-CH".into(), LocaleSource::MarketDefault)
        );
    }

    #[test]
    fn malformed_or_absent_header() {
        for header in [
            None,
            Some(""),
            Some(",,,"),
            Some("q=1"),
            Some("🇨🇭"),
            Some("de-CH;q=2"),
        ] {
            assert_eq!(
                pick(header, None),
                ("de-CH".into(), LocaleSource::MarketDefault),
                "{header:?}"
            );
        }
    }

    #[test]
    fn override_wins_when_it_is_a_market_language() {
        let c = negotiate_locale(Some("de-CH"), Some("FR-ch"), SWISS, "de-CH");
        assert_eq!(
            (c.locale.as_str(), c.source, c.ignored_override),
            ("fr-CH", LocaleSource::Override, None)
        );
        let c = negotiate_locale(Some("it-CH"), Some("es-ES"), SWISS, "de-CH");
        assert_eq!(
            (c.locale.as_str(), c.source),
            ("it-CH", LocaleSource::AcceptLanguage)
        );
        assert_eq!(c.ignored_override.as_deref(), Some("es-ES"));
        let c = negotiate_locale(None, Some("<script>\n"), SWISS, "de-CH");
        assert_eq!(c.source, LocaleSource::MarketDefault);
        assert_eq!(c.ignored_override.as_deref(), Some("<script>\\n"));
        // An empty override is no override.
        assert_eq!(
            negotiate_locale(None, Some(" "), SWISS, "de-CH").ignored_override,
            None
        );
        // The default counts as a market language.
        let c = negotiate_locale(None, Some("pt"), &["es"], "pt");
        assert_eq!(
            (c.locale.as_str(), c.source),
            ("pt", LocaleSource::Override)
        );
    }

    #[test]
    fn default_takes_the_market_spelling() {
        let c = negotiate_locale(None, None, SWISS, "DE-ch");
        assert_eq!(c.locale, "de-CH");
        let c = negotiate_locale(Some("fr"), None, &[], "en-US");
        assert_eq!(
            (c.locale.as_str(), c.source),
            ("en-US", LocaleSource::MarketDefault)
        );
    }

    proptest! {
        #[test]
        fn parser_never_panics_and_outputs_are_valid(header in any::<String>()) {
            let parsed = parse_accept_language(&header);
            prop_assert!(parsed.ranges.len() + parsed.refused.len() <= MAX_LANGUAGE_RANGES);
            prop_assert!(parsed.ranges.windows(2).all(|w| w[0].quality >= w[1].quality));
            for r in &parsed.ranges {
                prop_assert!((1..=1000).contains(&r.quality));
                prop_assert!(is_language_range(&r.range));
            }
        }

        #[test]
        fn structured_headers_parse(
            elements in proptest::collection::vec(
                ("[a-zA-Z]{1,3}(-[a-zA-Z0-9]{1,4}){0,3}|\\*", proptest::option::of("[01](\\.[0-9]{0,4})?")),
                0..40,
            ),
        ) {
            let header = elements
                .iter()
                .map(|(r, q)| match q { Some(q) => format!("{r};q={q}"), None => r.clone() })
                .collect::<Vec<_>>()
                .join(", ");
            let parsed = parse_accept_language(&header);
            prop_assert!(parsed.ranges.len() + parsed.refused.len() <= MAX_LANGUAGE_RANGES);
        }

        #[test]
        fn locale_is_available_or_default(
            header in proptest::option::of(any::<String>()),
            over in proptest::option::of(any::<String>()),
            available in proptest::collection::vec("[a-z]{2}(-[A-Z]{2})?", 0..5),
            default in "[a-z]{2}(-[A-Z]{2})?",
        ) {
            let available: Vec<&str> = available.iter().map(String::as_str).collect();
            let c = negotiate_locale(header.as_deref(), over.as_deref(), &available, &default);
            prop_assert!(available.contains(&c.locale.as_str()) || c.locale == default);
            if let Some(ignored) = &c.ignored_override {
                prop_assert!(ignored.is_ascii() && !ignored.chars().any(|ch| ch.is_ascii_control()));
            }
        }
    }
}
