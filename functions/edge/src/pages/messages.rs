//! Every label of the pages, in the shopper's language: Project Fluent
//! message files (`functions/pages/messages/{lang}.ftl`, one per language),
//! with plurals and selects written by translators, not string pasting.
//!
//! Every market language has a file and every file has English's messages
//! with their plural variants complete for its language (tested, and
//! formatted against `@fluent/bundle`, the JS implementation, in
//! `tests/messages.rs`). Numbers inside messages are written by ICU4X for
//! the shopper's locale, like prices, so a count reads `1.234` in German
//! and `١٬٢٣٤` in Saudi Arabic.
//!
//! Files are parsed once per instance and language, and a bundle is built
//! once per instance and locale: both hold the shipped text only.

use std::borrow::Cow;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use intl_memoizer::Memoizable;
use intl_memoizer::concurrent::IntlLangMemoizer;
use unic_langid::LanguageIdentifier;

use crate::locale_format::{
    Amount, LocaleFormat, PluralCategory, SHIPPED, data_locale, format_number,
};
use crate::policy::locale::{Candidates, chain, language_of};

pub use fluent_bundle::FluentArgs as Args;

macro_rules! languages {
    ($($lang:literal),* $(,)?) => {
        &[$(($lang, include_str!(concat!("../../../pages/messages/", $lang, ".ftl")))),*]
    };
}

/// `(CLDR locale id, Fluent source)`, English first, the fallback. `zh` is
/// Simplified and `zh-Hant` Traditional, `pt` Brazilian and `pt-PT`
/// European, as in CLDR. A file whose tag has another file up its CLDR
/// chain (`pt-PT` → `pt`) lists only what differs and is layered over it.
pub const LANGUAGES: &[(&str, &str)] = languages!(
    "en", "af", "ar", "ca", "cs", "da", "de", "el", "es", "es-419", "fi", "fil", "fr", "fr-CA",
    "ga", "he", "hi", "hu", "id", "it", "ja", "ko", "ms", "nb", "nl", "pl", "pt", "pt-PT", "ro",
    "ru", "sv", "sw", "th", "tr", "vi", "zh", "zh-Hant", "zu",
);

/// Territorial refusal codes with their own `blocked-<code>` message.
pub const BLOCKED_CODES: [&str; 4] = [
    "embargoed",
    "territory-not-licensed",
    "category-restricted",
    "age-gate",
];

/// Scripts written right to left, for `<html dir>`.
const RIGHT_TO_LEFT: &[&str] = &["ar", "fa", "he", "ur"];

type Bundle = FluentBundle<&'static FluentResource>;

static RESOURCES: [OnceLock<FluentResource>; LANGUAGES.len()] =
    [const { OnceLock::new() }; LANGUAGES.len()];

/// One bundle per shipped locale (numbers follow the locale, not only the
/// language), then one per language for locales without data.
static BUNDLES: [OnceLock<Bundle>; SHIPPED.len() + LANGUAGES.len()] =
    [const { OnceLock::new() }; SHIPPED.len() + LANGUAGES.len()];

/// A language's messages, parsed on first use. Syntax errors are a test
/// failure (`every_file_parses`); at run time the entries that did parse
/// are kept.
fn resource(index: usize) -> &'static FluentResource {
    RESOURCES[index].get_or_init(|| {
        let source = LANGUAGES[index].1.to_owned();
        FluentResource::try_new(source).unwrap_or_else(|(partial, _)| partial)
    })
}

fn language_index(lang: &str) -> usize {
    LANGUAGES
        .iter()
        .position(|(l, _)| *l == lang)
        .unwrap_or_default()
}

/// The files' tags with their CLDR chains, computed once per instance.
fn candidates() -> &'static Candidates<'static> {
    static CANDIDATES: OnceLock<Candidates<'static>> = OnceLock::new();
    CANDIDATES.get_or_init(|| {
        let tags: Vec<&'static str> = LANGUAGES.iter().map(|(l, _)| *l).collect();
        Candidates::new(&tags)
    })
}

/// The file a locale reads, by the one text fallback
/// (`meridian_locale::Candidates::pick`), else English.
fn file_for(locale: &str) -> usize {
    candidates().pick(locale).map_or(0, language_index)
}

/// The files a chosen file is layered from, most general first: the steps
/// of its CLDR chain that have a file (`pt-PT` reads `pt`, then `pt-PT`).
pub fn layers(file: usize) -> Vec<usize> {
    let mut layers: Vec<usize> = chain(LANGUAGES[file].0)
        .iter()
        .filter_map(|step| LANGUAGES.iter().position(|(l, _)| l == step))
        .collect();
    if !layers.contains(&file) {
        layers.insert(0, file);
    }
    layers.reverse();
    layers
}

/// The bundle's locale, which Fluent's memoizer hands to formatters.
struct BundleLocale(String);

impl Memoizable for BundleLocale {
    type Args = ();
    type Error = std::convert::Infallible;

    fn construct(lang: LanguageIdentifier, _: ()) -> Result<Self, Self::Error> {
        Ok(BundleLocale(lang.to_string()))
    }
}

/// Numbers as ICU4X writes them in the bundle's locale; anything else
/// (and numbers with explicit `NUMBER()` options) as Fluent does.
fn icu_numbers(value: &FluentValue, intls: &IntlLangMemoizer) -> Option<String> {
    let FluentValue::Number(n) = value else {
        return None;
    };
    if n.options != Default::default() {
        return None;
    }
    let locale = intls
        .with_try_get::<BundleLocale, _, _>((), |l| l.0.clone())
        .ok()?;
    format_number(&locale, n.value)
}

fn bundle(slot: usize, lang: usize, locale: &str) -> &'static Bundle {
    BUNDLES[slot].get_or_init(|| {
        let id: LanguageIdentifier = locale
            .parse()
            .or_else(|_| LANGUAGES[lang].0.parse())
            .unwrap_or_default();
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        bundle.set_formatter(Some(icu_numbers));
        // The rules borrow baked data, so building them per call is cheap
        // (and they are not `Sync`, which bundle functions must be).
        let tag = data_locale(locale);
        // Registered once on a fresh bundle: cannot collide.
        let _ = bundle.add_function(COUNT, move |positional, _named| {
            let rules = tag.and_then(|tag| LocaleFormat::new(tag).ok());
            plural_category(rules.as_ref(), positional.first())
        });
        // Within a file duplicate ids are a test failure; across layers
        // the more specific file's message is the one kept.
        for layer in layers(lang) {
            bundle.add_resource_overriding(resource(layer));
        }
        bundle
    })
}

/// The function plural selects go through: `{ COUNT($n) -> [one] ... }`.
/// fluent-bundle's own plural rules (intl_pluralrules 7, CLDR 36) are
/// wrong for Arabic above 100 (`n % 100` read as `n`: 111 is `many`, not
/// `other`) and lack the `many` of French millions; COUNT answers ICU4X's
/// CLDR category instead, so counts and prices share one set of rules.
pub const COUNT: &str = "COUNT";

fn plural_category<'a>(
    rules: Option<&LocaleFormat>,
    n: Option<&FluentValue<'a>>,
) -> FluentValue<'a> {
    let (Some(rules), Some(FluentValue::Number(n))) = (rules, n) else {
        return FluentValue::Error;
    };
    let Ok(amount) = format!("{}", n.value).parse::<Amount>() else {
        return FluentValue::Error;
    };
    let category = match rules.plural(&amount) {
        PluralCategory::Zero => "zero",
        PluralCategory::One => "one",
        PluralCategory::Two => "two",
        PluralCategory::Few => "few",
        PluralCategory::Many => "many",
        PluralCategory::Other => "other",
    };
    FluentValue::from(category)
}

/// The messages for one locale.
#[derive(Clone, Copy)]
pub struct Messages {
    /// The file the messages are read from (`de`, `zh-Hant`, `pt-PT`).
    pub lang: &'static str,
    bundle: &'static Bundle,
    english: &'static Bundle,
}

impl std::fmt::Debug for Messages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Messages")
            .field("lang", &self.lang)
            .finish()
    }
}

impl Messages {
    /// The messages for a BCP 47 locale (`de-AT` reads German with
    /// Austrian numbers, `zh-HK` Traditional Chinese), by the one text
    /// fallback, else English.
    pub fn for_locale(locale: &str) -> Messages {
        let index = file_for(locale);
        // A shipped locale's bundle serves only locales reading the same file.
        let data = data_locale(locale).filter(|tag| file_for(tag) == index);
        let bundle = match data.and_then(|tag| SHIPPED.iter().position(|s| *s == tag)) {
            Some(slot) => bundle(slot, index, SHIPPED[slot]),
            None => bundle(SHIPPED.len() + index, index, LANGUAGES[index].0),
        };
        Messages {
            lang: LANGUAGES[index].0,
            bundle,
            english: bundle_for_english(),
        }
    }

    /// A message without arguments.
    pub fn get(&self, id: &str) -> Cow<'static, str> {
        self.format(id, None)
    }

    /// A message with arguments; English if this language lacks it, the
    /// id itself if English does too (the tests forbid both).
    pub fn format(&self, id: &str, args: Option<&FluentArgs>) -> Cow<'static, str> {
        [self.bundle, self.english]
            .into_iter()
            .find_map(|bundle| {
                let pattern = bundle.get_message(id)?.value()?;
                let mut errors = Vec::new();
                Some(bundle.format_pattern(pattern, args, &mut errors))
            })
            .unwrap_or_else(|| Cow::Owned(id.to_owned()))
    }

    /// Why a product is not offered, for a territorial refusal code
    /// (`blocked-<code>`), else the general sentence.
    pub fn blocked(&self, code: &str) -> Cow<'static, str> {
        if BLOCKED_CODES.contains(&code) {
            self.get(&format!("blocked-{code}"))
        } else {
            self.get("blocked-other")
        }
    }

    /// `rtl` or `ltr`.
    pub fn direction(&self) -> &'static str {
        if RIGHT_TO_LEFT.contains(&language_of(self.lang).as_str()) {
            "rtl"
        } else {
            "ltr"
        }
    }

    /// The tag for `<html lang>`: the locale's own when the messages are
    /// on its CLDR chain (`de-DE` rather than `de`, `zh-TW` rather than
    /// `zh-Hant`), else the file's.
    pub fn html_lang<'a>(&self, locale: &'a str) -> &'a str {
        if chain(locale).iter().any(|step| step == self.lang) {
            locale
        } else {
            self.lang
        }
    }

    /// Messages without arguments for a page's script, by id.
    pub fn script_labels(&self, ids: &[&str]) -> serde_json::Map<String, serde_json::Value> {
        ids.iter()
            .map(|id| ((*id).to_owned(), self.get(id).into_owned().into()))
            .collect()
    }
}

fn bundle_for_english() -> &'static Bundle {
    bundle(SHIPPED.len(), 0, "en")
}

/// Builds Fluent arguments: `args(&[("count", 3.into())])`.
pub fn args<'a>(pairs: impl IntoIterator<Item = (&'a str, FluentValue<'a>)>) -> FluentArgs<'a> {
    let mut out = FluentArgs::new();
    for (name, value) in pairs {
        out.set(name, value);
    }
    out
}

#[cfg(test)]
mod tests;
