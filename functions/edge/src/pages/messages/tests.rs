use super::*;

#[test]
fn every_market_language_has_messages() {
    let packs = crate::policy::PackSet::embedded().expect("shipped packs");
    for pack in packs.packs() {
        for locale in &pack.storefront.languages {
            let messages = Messages::for_locale(locale);
            assert_eq!(
                language_of(messages.lang),
                language_of(locale),
                "{locale} in {}",
                pack.market
            );
        }
    }
}

#[test]
fn locales_fall_back_to_their_language_then_english() {
    assert_eq!(Messages::for_locale("de-AT").lang, "de");
    assert_eq!(Messages::for_locale("PT_br").lang, "pt");
    assert_eq!(Messages::for_locale("tlh").lang, "en");
    assert_eq!(Messages::for_locale("").lang, "en");
    assert_eq!(Messages::for_locale("ar-AE").direction(), "rtl");
    assert_eq!(Messages::for_locale("fr").direction(), "ltr");
    assert_eq!(Messages::for_locale("de").html_lang("de-DE"), "de-DE");
    assert_eq!(Messages::for_locale("tlh").html_lang("tlh"), "en");
}

#[test]
fn counts_select_their_plural_and_read_as_the_locale_writes_numbers() {
    let count = |locale: &str, n: f64| {
        Messages::for_locale(locale)
            .format("store-products", Some(&args([("available", n.into())])))
            .replace(['\u{2068}', '\u{2069}'], "")
    };
    assert_eq!(count("en", 1.0), "1 product available in your market");
    assert_eq!(
        count("en-US", 1234.0),
        "1,234 products available in your market"
    );
    assert_eq!(
        count("de-DE", 1234.0),
        "1.234 Produkte in deinem Markt erhältlich"
    );
    assert_eq!(count("pl-PL", 2.0), "2 produkty dostępne na Twoim rynku");
    assert_eq!(count("pl-PL", 5.0), "5 produktów dostępnych na Twoim rynku");
    assert_eq!(count("ar-AE", 2.0), "منتجان متاحان في سوقك");
    assert_eq!(count("ar-SA", 3.0), "٣ منتجات متاحة في سوقك");
    // n % 100 = 11..99 is `many` (fluent-bundle's own rules said `other`).
    assert_eq!(count("ar-AE", 111.0), "111 منتجًا متاحًا في سوقك");
    assert_eq!(
        count("fr-FR", 1_000_000.0),
        "1\u{202f}000\u{202f}000 de produits disponibles sur votre marché"
    );
    assert_eq!(count("ja-JP", 3.0), "お住まいの市場で購入できる商品：3 点");
}

#[test]
fn selects_choose_by_string_and_placeables_are_isolated() {
    let line = Messages::for_locale("de-DE").format(
        "market-line",
        Some(&args([
            ("market", "Deutschland".into()),
            ("country", "DE".into()),
            ("locale", "de-DE".into()),
            ("currency", "EUR".into()),
            ("tax", "inclusive".into()),
            ("version", "2026-11".into()),
        ])),
    );
    assert!(line.contains("Preise inkl. MwSt."), "{line}");
    // First-strong isolates keep a Latin code readable inside Arabic.
    assert!(
        line.starts_with("\u{2068}Deutschland\u{2069} (\u{2068}DE\u{2069})"),
        "{line}"
    );
}

#[test]
fn a_missing_message_is_its_id_and_script_labels_are_plain_strings() {
    let m = Messages::for_locale("fr");
    assert_eq!(m.get("no-such-message"), "no-such-message");
    let labels = m.script_labels(&["declined", "share-title"]);
    assert_eq!(labels.len(), 2);
    assert!(labels["declined"].as_str().is_some_and(|s| !s.is_empty()));
}
