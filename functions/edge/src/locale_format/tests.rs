//! Examples per locale; `tests/locale_format.rs` compares the whole grid
//! with Node's `Intl`.

use std::collections::BTreeSet;

use super::*;

fn price(locale: &str, amount: &str, currency: &str) -> String {
    let money = Money::parse(amount, currency).expect("a valid amount");
    LocaleFormat::new(locale)
        .expect("a formatter")
        .price(&money)
        .expect("currency data")
}

#[test]
fn shipped_locales_are_the_packs_languages_and_the_baked_ones() {
    let packs = crate::policy::PackSet::embedded().expect("shipped packs");
    let languages: BTreeSet<&str> = packs
        .packs()
        .flat_map(|p| p.storefront.languages.iter().map(String::as_str))
        .collect();
    let shipped: BTreeSet<&str> = SHIPPED.iter().copied().collect();
    assert_eq!(
        shipped, languages,
        "SHIPPED is the packs' languages: update it and run functions/edge/tools/icu-data.sh"
    );
    let baked: BTreeSet<&str> = include_str!("baked/LOCALES").lines().collect();
    assert_eq!(
        baked, shipped,
        "the baked data is for SHIPPED: run functions/edge/tools/icu-data.sh"
    );
}

#[test]
fn every_market_formats_its_currency_in_each_of_its_languages() {
    let packs = crate::policy::PackSet::embedded().expect("shipped packs");
    for pack in packs.packs() {
        let currency = CurrencyCode::parse(&pack.storefront.currency).expect("ISO 4217");
        for locale in &pack.storefront.languages {
            let format = LocaleFormat::new(locale).expect("a formatter");
            assert_eq!(format.locale(), locale);
            let text = format
                .prices(currency)
                .expect("currency data")
                .format(&Money::parse("1234", currency.as_str()).expect("amount"));
            assert!(
                text.chars().any(char::is_numeric),
                "{locale} {currency}: {text}"
            );
        }
    }
}

#[test]
fn prices_read_as_each_locale_writes_them() {
    assert_eq!(price("de-DE", "189", "EUR"), "189,00\u{a0}€");
    // French groups with a narrow no-break space.
    assert_eq!(price("fr-FR", "1234.5", "EUR"), "1\u{202f}234,50\u{a0}€");
    assert_eq!(price("ja-JP", "23800", "JPY"), "￥23,800");
    // Indian grouping: lakh and crore.
    assert_eq!(price("en-IN", "1234567.89", "INR"), "₹12,34,567.89");
    // Right-to-left marks around the amount; Latin digits in the UAE,
    // Arabic-Indic in Saudi Arabia.
    assert_eq!(
        price("ar-AE", "599", "AED"),
        "\u{200f}599.00\u{a0}د.إ.\u{200f}"
    );
    assert_eq!(
        price("ar-SA", "599", "SAR"),
        "\u{200f}٥٩٩٫٠٠\u{a0}ر.س.\u{200f}"
    );
    assert_eq!(price("en-US", "159", "USD"), "$159.00");
    assert_eq!(price("en-GB", "189", "EUR"), "€189.00");
    assert_eq!(price("ko-KR", "209000", "KRW"), "₩209,000");
    assert_eq!(price("nb-NO", "2190", "NOK"), "2\u{a0}190,00\u{a0}kr");
    assert_eq!(price("pl-PL", "819", "PLN"), "819,00\u{a0}zł");
}

#[test]
fn amounts_round_half_away_from_zero_to_the_minor_unit() {
    let format = LocaleFormat::new("en-US").expect("formatter");
    let usd = format
        .prices(CurrencyCode::parse("USD").expect("code"))
        .expect("data");
    let jpy = format
        .prices(CurrencyCode::parse("JPY").expect("code"))
        .expect("data");
    let amount = |s: &str| s.parse::<Amount>().expect("amount");
    assert_eq!(usd.format_amount(&amount("0.005")), "$0.01");
    assert_eq!(usd.format_amount(&amount("-0.005")), "-$0.01");
    assert_eq!(usd.format_amount(&amount("1234567.891")), "$1,234,567.89");
    assert_eq!(jpy.format_amount(&amount("0.5")), "¥1");
    assert_eq!(jpy.format_amount(&amount("2.4")), "¥2");
}

#[test]
fn minor_units_come_from_cldr() {
    let digits = |c: &str| CurrencyCode::parse(c).expect("code").minor_digits();
    assert_eq!(digits("EUR"), 2);
    assert_eq!(digits("JPY"), 0);
    assert_eq!(digits("KRW"), 0);
    assert_eq!(digits("VND"), 0);
    assert_eq!(digits("BHD"), 3);
    assert_eq!(digits("XTS"), 2, "codes CLDR does not list: the default");
}

#[test]
fn other_locales_use_the_packs_fallback() {
    let locale = |l: &str| LocaleFormat::new(l).expect("formatter").locale();
    assert_eq!(locale("de-DE"), "de-DE");
    assert_eq!(locale("de-AT"), "de-AT");
    assert_eq!(locale("zh-MO"), "zh-HK");
    assert_eq!(locale("zh-SG"), "zh-CN");
    assert_eq!(locale("de_de"), "de-DE");
    assert_eq!(locale("ko"), "ko-KR");
    assert_eq!(locale("en"), "en");
    assert_eq!(locale("tlh"), "en");
    assert_eq!(locale(""), "en");
}

#[test]
fn plural_categories_follow_the_locale() {
    let category = |l: &str, n: &str| {
        LocaleFormat::new(l)
            .expect("formatter")
            .plural(&n.parse().expect("number"))
    };
    assert_eq!(category("en-GB", "1"), PluralCategory::One);
    assert_eq!(category("en-GB", "1.5"), PluralCategory::Other);
    assert_eq!(category("pl-PL", "3"), PluralCategory::Few);
    assert_eq!(category("pl-PL", "5"), PluralCategory::Many);
    assert_eq!(category("ar-AE", "3"), PluralCategory::Few);
    assert_eq!(category("ar-AE", "0"), PluralCategory::Zero);
    assert_eq!(category("ja-JP", "1"), PluralCategory::Other);
    let ar: Vec<_> = LocaleFormat::new("ar-AE")
        .expect("formatter")
        .plural_categories()
        .collect();
    assert_eq!(ar.len(), 6);
}
