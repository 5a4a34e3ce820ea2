use std::collections::{BTreeMap, BTreeSet};

use fluent_syntax::ast::{
    Entry, Expression, InlineExpression, Pattern, PatternElement, VariantKey,
};

use super::*;
use crate::locale_format::LocaleFormat;

/// What a test needs to know of one message.
#[derive(Debug, Default)]
struct Shape {
    /// Variables it reads, in text or selectors.
    variables: BTreeSet<String>,
    /// For each variable it selects on: the variant keys, each select.
    selects: Vec<(String, BTreeSet<String>)>,
    attributes: BTreeSet<String>,
}

fn inline(e: &InlineExpression<&str>, shape: &mut Shape) {
    match e {
        InlineExpression::VariableReference { id } => {
            shape.variables.insert(id.name.to_owned());
        }
        InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline(a, shape);
            }
            for a in &arguments.named {
                inline(&a.value, shape);
            }
        }
        InlineExpression::Placeable { expression } => expr(expression, shape),
        _ => {}
    }
}

fn expr(e: &Expression<&str>, shape: &mut Shape) {
    match e {
        Expression::Inline(e) => inline(e, shape),
        Expression::Select { selector, variants } => {
            inline(selector, shape);
            if let InlineExpression::VariableReference { id } = selector {
                let keys = variants
                    .iter()
                    .map(|v| match &v.key {
                        VariantKey::Identifier { name } => (*name).to_owned(),
                        VariantKey::NumberLiteral { value } => (*value).to_owned(),
                    })
                    .collect();
                shape.selects.push((id.name.to_owned(), keys));
            }
            for v in variants {
                pattern(&v.value, shape);
            }
        }
    }
}

fn pattern(p: &Pattern<&str>, shape: &mut Shape) {
    for element in &p.elements {
        if let PatternElement::Placeable { expression } = element {
            expr(expression, shape);
        }
    }
}

/// Every message of a language file, by id; junk fails the test.
fn shapes(lang: &str, source: &str) -> BTreeMap<String, Shape> {
    let resource = match FluentResource::try_new(source.to_owned()) {
        Ok(r) => r,
        Err((_, errors)) => panic!("{lang}.ftl does not parse: {errors:?}"),
    };
    let mut out = BTreeMap::new();
    for entry in resource.entries() {
        match entry {
            Entry::Message(m) => {
                let mut shape = Shape::default();
                if let Some(value) = &m.value {
                    pattern(value, &mut shape);
                }
                for a in &m.attributes {
                    shape.attributes.insert(a.id.name.to_owned());
                    pattern(&a.value, &mut shape);
                }
                assert!(
                    out.insert(m.id.name.to_owned(), shape).is_none(),
                    "{lang}.ftl defines {} twice",
                    m.id.name
                );
            }
            Entry::Junk { content } => panic!("{lang}.ftl has junk: {content}"),
            _ => {}
        }
    }
    out
}

fn plural_keys() -> BTreeSet<&'static str> {
    ["zero", "one", "two", "few", "many", "other"].into()
}

#[test]
fn every_file_parses_into_a_bundle() {
    for (index, (lang, source)) in LANGUAGES.iter().enumerate() {
        shapes(lang, source);
        let mut bundle = FluentBundle::new_concurrent(vec![lang.parse().expect("a language id")]);
        bundle
            .add_resource(resource(index))
            .unwrap_or_else(|e| panic!("{lang}.ftl: {e:?}"));
    }
}

#[test]
fn every_language_has_exactly_the_english_messages_and_variables() {
    let english = shapes("en", LANGUAGES[0].1);
    assert!(english.len() > 40, "{} messages", english.len());
    for (lang, source) in LANGUAGES {
        let shapes = shapes(lang, source);
        assert_eq!(
            shapes.keys().collect::<Vec<_>>(),
            english.keys().collect::<Vec<_>>(),
            "{lang}.ftl has other messages than en.ftl"
        );
        for (id, shape) in &shapes {
            let en = &english[id];
            assert_eq!(shape.attributes, en.attributes, "{lang}.ftl {id}");
            assert_eq!(
                shape.variables, en.variables,
                "{lang}.ftl {id} reads other variables than English"
            );
        }
    }
}

/// A select on a count must name every plural category the language has
/// (CLDR, by ICU4X): `*[other]` alone would give Polish one form for 2 and 5.
#[test]
fn plural_selects_name_every_category_of_their_language() {
    let english = shapes("en", LANGUAGES[0].1);
    let plural = plural_keys();
    for (lang, source) in LANGUAGES {
        let categories: BTreeSet<String> = LocaleFormat::new(lang)
            .expect("data for every message language")
            .plural_categories()
            .map(|c| format!("{c:?}").to_ascii_lowercase())
            .collect();
        for (id, shape) in shapes(lang, source) {
            let en_plural = english[&id]
                .selects
                .iter()
                .any(|(_, keys)| keys.iter().any(|k| k == "one"));
            let counted: Vec<&BTreeSet<String>> = shape
                .selects
                .iter()
                .filter(|(_, keys)| keys.iter().any(|k| plural.contains(k.as_str())))
                .map(|(_, keys)| keys)
                .filter(|keys| !keys.iter().all(|k| k == "inclusive" || k == "exclusive"))
                .collect();
            if en_plural && categories.len() > 1 {
                assert!(
                    !counted.is_empty(),
                    "{lang}.ftl {id} does not select a plural"
                );
            }
            for keys in counted {
                let named: BTreeSet<String> = keys
                    .iter()
                    .filter(|k| plural.contains(k.as_str()))
                    .cloned()
                    .collect();
                assert_eq!(
                    named, categories,
                    "{lang}.ftl {id}: variants for exactly {lang}'s categories"
                );
            }
        }
    }
}

#[test]
fn every_market_language_has_messages() {
    let packs = crate::policy::PackSet::embedded().expect("shipped packs");
    for pack in packs.packs() {
        for locale in &pack.storefront.languages {
            let messages = Messages::for_locale(locale);
            assert_eq!(
                messages.lang,
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
