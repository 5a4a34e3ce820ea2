//! The pages' message files (`functions/pages/messages/*.ftl`): complete in
//! every language, and formatted by Meridian exactly as `@fluent/bundle`,
//! Project Fluent's JavaScript implementation run by
//! `node tests/messages/reference.mjs`, formats them (plurals there come
//! from ICU4C's `Intl.PluralRules`, numbers from `Intl.NumberFormat`).
//!
//! Grid: every shipped locale × every message × arguments derived from
//! the English message: each plural variable over [`COUNTS`], each other
//! selector over its keys and one unknown value, every other variable a
//! string. [`ALLOWED`] lists, one by one with the reason, the answers known
//! to differ; an unlisted difference fails, and so does a listed one that
//! no longer occurs.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast::{
    Entry, Expression, InlineExpression, Pattern, PatternElement, VariantKey,
};
use meridian_edge::locale_format::{LocaleFormat, SHIPPED};
use meridian_edge::pages::messages::{COUNT, LANGUAGES, Messages, layers};
use meridian_edge::policy::locale::language_of;
use serde_json::{Value, json};

const COUNTS: &[f64] = &[
    0.0,
    1.0,
    2.0,
    3.0,
    4.0,
    5.0,
    6.0,
    7.0,
    10.0,
    11.0,
    12.0,
    13.0,
    14.0,
    15.0,
    19.0,
    20.0,
    21.0,
    22.0,
    25.0,
    100.0,
    101.0,
    102.0,
    103.0,
    104.0,
    111.0,
    112.0,
    122.0,
    125.0,
    199.0,
    1000.0,
    1002.0,
    1011.0,
    1234.0,
    1_000_000.0,
    2_000_000.0,
    0.5,
    1.5,
    2.5,
];

/// `(locale, message, count, why)`: answers known to differ. Plurals go
/// through `COUNT()` (ICU4X) because fluent-bundle's own rules differed
/// from ICU4C's for Arabic counts above 100 and French millions, which
/// this test found; what is left is data of two CLDR releases.
const ALLOWED: &[(&str, &str, f64, &str)] = &[
    ("fr-CH", "store-products", 1000.0, FR_CH_GROUPING),
    ("fr-CH", "store-products", 1002.0, FR_CH_GROUPING),
    ("fr-CH", "store-products", 1011.0, FR_CH_GROUPING),
    ("fr-CH", "store-products", 1234.0, FR_CH_GROUPING),
    ("fr-CH", "store-products", 1_000_000.0, FR_CH_GROUPING),
    ("fr-CH", "store-products", 2_000_000.0, FR_CH_GROUPING),
];

const FR_CH_GROUPING: &str = "CLDR 48.2 (cldr-numbers-full, our baked data) groups Swiss French with an apostrophe (1'000); Node's ICU 78.2 carries CLDR 48.0, a narrow no-break space";

/// What the tests need to know of one message.
#[derive(Debug, Default)]
struct Shape {
    /// Variables it reads, in text or selectors.
    variables: BTreeSet<String>,
    /// Each select on a variable: the variable, its variant keys, and
    /// whether it selects through `COUNT()`.
    selects: Vec<(String, BTreeSet<String>, bool)>,
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
            let selected = match selector {
                InlineExpression::VariableReference { id } => Some((id.name, false)),
                InlineExpression::FunctionReference { id, arguments } if id.name == COUNT => {
                    match arguments.positional.first() {
                        Some(InlineExpression::VariableReference { id }) => Some((id.name, true)),
                        _ => None,
                    }
                }
                _ => None,
            };
            if let Some((var, counted)) = selected {
                let keys = variants
                    .iter()
                    .map(|v| match &v.key {
                        VariantKey::Identifier { name } => (*name).to_owned(),
                        VariantKey::NumberLiteral { value } => (*value).to_owned(),
                    })
                    .collect();
                shape.selects.push((var.to_owned(), keys, counted));
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

const PLURAL_KEYS: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

fn is_plural_select(keys: &BTreeSet<String>) -> bool {
    keys.iter()
        .any(|k| k != "other" && PLURAL_KEYS.contains(&k.as_str()))
}

fn english() -> BTreeMap<String, Shape> {
    shapes("en", LANGUAGES[0].1)
}

#[test]
fn every_language_has_exactly_the_english_messages_and_variables() {
    let english = english();
    assert!(english.len() > 40, "{} messages", english.len());
    for (index, (lang, source)) in LANGUAGES.iter().enumerate() {
        let shapes = shapes(lang, source);
        // A file layered over a parent (`pt-PT` over `pt`) lists only what
        // differs; the layers together are complete.
        let layered = layers(index).len() > 1;
        if layered {
            let extra: Vec<&String> = shapes
                .keys()
                .filter(|id| !english.contains_key(*id))
                .collect();
            assert!(
                extra.is_empty(),
                "{lang}.ftl has messages en.ftl lacks: {extra:?}"
            );
            assert!(!shapes.is_empty(), "{lang}.ftl overrides nothing");
        } else {
            assert_eq!(
                shapes.keys().collect::<Vec<_>>(),
                english.keys().collect::<Vec<_>>(),
                "{lang}.ftl has other messages than en.ftl"
            );
        }
        for (id, shape) in &shapes {
            let en = &english[id];
            assert_eq!(shape.attributes, en.attributes, "{lang}.ftl {id}");
            assert_eq!(
                shape.variables, en.variables,
                "{lang}.ftl {id} reads other variables than English"
            );
        }
        let messages = Messages::for_locale(lang);
        assert_eq!(messages.lang, *lang, "{lang}.ftl is what {lang} reads");
        for (id, en) in &english {
            assert!(
                !messages.get(id).trim().is_empty() || !en.variables.is_empty(),
                "{lang} {id} is empty"
            );
        }
    }
}

/// Traditional Chinese shoppers never read Simplified text, and regional
/// files win over their parent where they differ.
#[test]
fn scripts_and_regions_read_their_own_file() {
    let file = |locale: &str| Messages::for_locale(locale).lang;
    for locale in ["zh-TW", "zh-HK", "zh-MO", "zh-Hant"] {
        assert_ne!(file(locale), "zh", "{locale} reads Simplified Chinese");
        assert_eq!(
            language_of(file(locale)) == "zh",
            LANGUAGES.iter().any(|(l, _)| *l == "zh-Hant"),
            "{locale}"
        );
    }
    assert_eq!(file("zh-CN"), "zh");
    assert_eq!(file("zh-SG"), "zh");
    for (regional, parent) in [("pt-PT", "pt"), ("es-419", "es"), ("fr-CA", "fr")] {
        let Some(index) = LANGUAGES.iter().position(|(l, _)| *l == regional) else {
            continue;
        };
        assert_eq!(
            layers(index).len(),
            2,
            "{regional} is layered over {parent}"
        );
        assert_eq!(LANGUAGES[layers(index)[0]].0, parent);
    }
}

/// A select on a count names every plural category its language has
/// (CLDR, by ICU4X): `*[other]` alone would give Polish one form for 2
/// and 5. Languages with one category may write the count without one.
#[test]
fn plural_selects_name_every_category_of_their_language() {
    let english = english();
    for (lang, source) in LANGUAGES {
        let categories: BTreeSet<String> = LocaleFormat::new(lang)
            .expect("data for every message language")
            .plural_categories()
            .map(|c| format!("{c:?}").to_ascii_lowercase())
            .collect();
        for (id, shape) in shapes(lang, source) {
            let counted: Vec<&BTreeSet<String>> = shape
                .selects
                .iter()
                .filter(|(_, keys, _)| is_plural_select(keys))
                .map(|(var, keys, through_count)| {
                    assert!(
                        through_count,
                        "{lang}.ftl {id}: select plurals with {{ COUNT(${var}) -> ... }}"
                    );
                    keys
                })
                .collect();
            let english_counts = english[&id]
                .selects
                .iter()
                .any(|(_, k, _)| is_plural_select(k));
            if english_counts && categories.len() > 1 {
                assert!(!counted.is_empty(), "{lang}.ftl {id} selects no plural");
            }
            for keys in counted {
                let named: BTreeSet<String> = keys
                    .iter()
                    .filter(|k| PLURAL_KEYS.contains(&k.as_str()))
                    .cloned()
                    .collect();
                assert_eq!(
                    named, categories,
                    "{lang}.ftl {id}: {lang}'s categories, exactly"
                );
            }
        }
    }
}

/// The argument sets a message is formatted with, from its English shape.
fn argument_sets(shape: &Shape) -> Vec<BTreeMap<String, Value>> {
    let mut sets = vec![BTreeMap::new()];
    for var in &shape.variables {
        let selects: Vec<&BTreeSet<String>> = shape
            .selects
            .iter()
            .filter(|(v, _, _)| v == var)
            .map(|(_, k, _)| k)
            .collect();
        let values: Vec<Value> = if selects.iter().any(|k| is_plural_select(k)) {
            COUNTS.iter().map(|n| json!(n)).collect()
        } else if !selects.is_empty() {
            let mut keys: Vec<Value> = selects
                .iter()
                .flat_map(|k| k.iter())
                .map(|k| json!(k))
                .collect();
            keys.push(json!("unknown-choice"));
            keys
        } else {
            vec![json!(format!("«{var}» <&> ٣"))]
        };
        sets = sets
            .into_iter()
            .flat_map(|set| {
                values.iter().map(move |v| {
                    let mut set = set.clone();
                    set.insert(var.clone(), v.clone());
                    set
                })
            })
            .collect();
    }
    sets
}

fn fluent_args(set: &BTreeMap<String, Value>) -> FluentArgs<'_> {
    let mut args = FluentArgs::new();
    for (name, value) in set {
        match value {
            Value::Number(n) => args.set(
                name.as_str(),
                FluentValue::from(n.as_f64().unwrap_or(f64::NAN)),
            ),
            Value::String(s) => args.set(name.as_str(), FluentValue::from(s.as_str())),
            other => panic!("argument {name} = {other}"),
        }
    }
    args
}

#[test]
fn every_message_formats_as_fluent_js_formats_it_in_every_shipped_locale() {
    let english = english();
    let mut cases = Vec::new();
    let mut ours = Vec::new();
    for locale in SHIPPED {
        let messages = Messages::for_locale(locale);
        assert_eq!(
            language_of(messages.lang),
            language_of(locale),
            "{locale} has messages"
        );
        let files: Vec<&str> = layers(
            LANGUAGES
                .iter()
                .position(|(l, _)| *l == messages.lang)
                .unwrap_or_default(),
        )
        .into_iter()
        .map(|i| LANGUAGES[i].0)
        .collect();
        for (id, shape) in &english {
            for set in argument_sets(shape) {
                ours.push(messages.format(id, Some(&fluent_args(&set))).into_owned());
                cases.push(json!({"layers": files, "locale": locale, "id": id, "args": set}));
            }
        }
    }
    let files: BTreeMap<&str, &str> = LANGUAGES.iter().copied().collect();
    let answers = common::node_reference(
        "messages",
        Some("@fluent/bundle"),
        &json!({ "files": files, "cases": cases }),
    );
    let answers = answers.as_array().expect("reference.mjs answers a list");
    assert_eq!(answers.len(), cases.len(), "one answer per case");

    let mut unexpected = Vec::new();
    let mut allowed_seen = BTreeSet::new();
    for ((case, ours), theirs) in cases.iter().zip(&ours).zip(answers) {
        let errors = theirs["errors"].as_array().map_or(0, Vec::len);
        assert_eq!(errors, 0, "@fluent/bundle: {case} {theirs}");
        let value = theirs["value"].as_str().unwrap_or_default();
        if value == ours {
            continue;
        }
        let locale = case["locale"].as_str().unwrap_or_default();
        let id = case["id"].as_str().unwrap_or_default();
        let count = case["args"]
            .as_object()
            .and_then(|a| a.values().find_map(Value::as_f64));
        match ALLOWED
            .iter()
            .position(|(l, i, n, _)| *l == locale && *i == id && Some(*n) == count)
        {
            Some(i) => {
                allowed_seen.insert(i);
            }
            None => unexpected.push(format!(
                "{locale} {id} {}: ours {ours:?}, JS {value:?}",
                case["args"]
            )),
        }
    }
    assert!(
        unexpected.is_empty(),
        "{} of {} answers differ:\n{}",
        unexpected.len(),
        cases.len(),
        unexpected.join("\n")
    );
    let stale: Vec<_> = (0..ALLOWED.len())
        .filter(|i| !allowed_seen.contains(i))
        .map(|i| ALLOWED[i])
        .collect();
    assert!(
        stale.is_empty(),
        "allowed differences no longer occur: {stale:?}"
    );
}
