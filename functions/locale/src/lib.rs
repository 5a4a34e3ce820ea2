//! Language tags as packs and message files write them, and the one
//! fallback every localized text goes through: CLDR's locale inheritance
//! (UTS #35) by ICU4X, so `zh-TW` reads Traditional Chinese or English,
//! never Simplified, and `es-MX` prefers Latin American Spanish to Spain's.

use std::collections::BTreeMap;

use icu_locale_core::{DataLocale, Locale};
use icu_locale_fallback::{LocaleFallbackConfig, LocaleFallbacker};

/// A well-formed tag in canonical case: `language[-Script][-REGION][-variant]*`,
/// language 2-3 lower-case letters, script 4 letters in title case, region
/// 2 upper-case letters or 3 digits, variants 5-8 letters/digits (or a digit
/// and 3 more). Extensions and private use are not accepted in packs.
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-').peekable();
    let Some(language) = parts.next() else {
        return false;
    };
    if !((2..=3).contains(&language.len()) && language.bytes().all(|b| b.is_ascii_lowercase())) {
        return false;
    }
    if let Some(script) = parts.peek()
        && script.len() == 4
        && script.bytes().all(|b| b.is_ascii_alphabetic())
    {
        let mut bytes = script.bytes();
        let title = bytes.next().is_some_and(|b| b.is_ascii_uppercase())
            && bytes.all(|b| b.is_ascii_lowercase());
        if !title {
            return false;
        }
        parts.next();
    }
    if let Some(region) = parts.peek() {
        let alpha = region.len() == 2 && region.bytes().all(|b| b.is_ascii_uppercase());
        let numeric = region.len() == 3 && region.bytes().all(|b| b.is_ascii_digit());
        if alpha || numeric {
            parts.next();
        }
    }
    parts.all(|variant| {
        let alnum = variant.bytes().all(|b| b.is_ascii_alphanumeric());
        let long = (5..=8).contains(&variant.len());
        let digit_led =
            variant.len() == 4 && variant.bytes().next().is_some_and(|b| b.is_ascii_digit());
        alnum && (long || digit_led)
    })
}

/// The language subtag of a tag, lower-cased (`de-CH` → `de`).
pub fn language_of(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Whether two tags are the same, ignoring case and `_` for `-`.
fn same_tag(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes().zip(b.bytes()).all(|(x, y)| {
            x.eq_ignore_ascii_case(&y) || (x == b'_' && y == b'-') || (x == b'-' && y == b'_')
        })
}

/// The CLDR fallback chain of `tag`, most specific first, normalized
/// (`zh-Hans-CN` is `zh-CN`: Hans is zh's default script) and without the
/// root: `zh-HK` → `zh-HK`, `zh-Hant`; `es-AR` → `es-AR`, `es-419`, `es`.
/// Empty for what is not a tag. Extensions are dropped; `_` reads as `-`.
pub fn chain(tag: &str) -> Vec<String> {
    let tag = tag.trim().replace('_', "-");
    let Ok(locale) = Locale::try_from_str(&tag) else {
        return Vec::new();
    };
    let fallbacker = LocaleFallbacker::new().for_config(LocaleFallbackConfig::default());
    let mut steps = fallbacker.fallback_for(DataLocale::from(&locale));
    let mut out = Vec::new();
    // A chain is at most language-script-region-variant long; the bound
    // only guards against a data bug looping.
    while !steps.get().is_unknown() && out.len() < 8 {
        out.push(steps.get().to_string());
        steps.step();
    }
    out
}

/// `tag` in the normalized form CLDR fallback starts from: case fixed and
/// a script its language and region imply removed (`zh-Hant-TW` → `zh-TW`,
/// `sr-Cyrl-RS` → `sr-RS`), so two spellings of one locale compare equal.
pub fn normalized(tag: &str) -> Option<String> {
    chain(tag).into_iter().next()
}

/// One candidate tag with its chain, computed once.
#[derive(Debug, Clone)]
struct Candidate<'t> {
    tag: &'t str,
    chain: Vec<String>,
}

impl Candidate<'_> {
    /// The normalized tag: the chain's first step.
    fn normalized(&self) -> Option<&str> {
        self.chain.first().map(String::as_str)
    }

    /// The chain's last step before the root: what decides the script
    /// (`zh` for Simplified, `zh-Hant` for Traditional).
    fn root(&self) -> Option<&str> {
        self.chain.last().map(String::as_str)
    }
}

/// A fixed list of tags with their chains, for picking from it often
/// (the shipped message files): a pick computes only the wanted chain.
#[derive(Debug, Clone)]
pub struct Candidates<'t> {
    list: Vec<Candidate<'t>>,
}

impl<'t> Candidates<'t> {
    pub fn new(tags: &[&'t str]) -> Candidates<'t> {
        Candidates {
            list: tags
                .iter()
                .map(|&tag| Candidate {
                    tag,
                    chain: chain(tag),
                })
                .collect(),
        }
    }

    /// The tag for `locale`: the exact tag; each step of its chain; a
    /// sibling with the same root, the one sharing most of the chain
    /// first; `en`; any English tag; then the first tag, unless it is in
    /// the shopper's language with another root (another script).
    pub fn pick(&self, locale: &str) -> Option<&'t str> {
        if let Some(c) = self.list.iter().find(|c| same_tag(c.tag, locale)) {
            return Some(c.tag);
        }
        let wanted = chain(locale);
        for step in &wanted {
            if let Some(c) = self.list.iter().find(|c| c.normalized() == Some(step)) {
                return Some(c.tag);
            }
        }
        if let Some(root) = wanted.last() {
            let shared = |c: &Candidate| {
                c.chain
                    .iter()
                    .rev()
                    .zip(wanted.iter().rev())
                    .take_while(|(a, b)| a == b)
                    .count()
            };
            // max_by_key keeps the last maximum: go in reverse for the first.
            if let Some(c) = self
                .list
                .iter()
                .rev()
                .filter(|c| c.root() == Some(root))
                .max_by_key(|c| shared(c))
            {
                return Some(c.tag);
            }
        }
        let english = self
            .list
            .iter()
            .find(|c| c.normalized() == Some("en"))
            .or_else(|| self.list.iter().find(|c| c.root() == Some("en")));
        if let Some(c) = english {
            return Some(c.tag);
        }
        let language = language_of(locale);
        self.list
            .first()
            .filter(|c| language.is_empty() || language_of(c.tag) != language)
            .map(|c| c.tag)
    }
}

/// Picks the tag for `locale` from `tags` ([`Candidates::pick`]).
pub fn pick_tag<'t>(tags: &[&'t str], locale: &str) -> Option<&'t str> {
    Candidates::new(tags).pick(locale)
}

/// Picks the text for `locale` from texts keyed by language tag, by
/// [`pick_tag`]. Returns the key used.
pub fn pick<'m>(texts: &'m BTreeMap<String, String>, locale: &str) -> Option<(&'m str, &'m str)> {
    let tags: Vec<&str> = texts.keys().map(String::as_str).collect();
    let tag = pick_tag(&tags, locale)?;
    texts
        .get_key_value(tag)
        .map(|(k, v)| (k.as_str(), v.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_tags() {
        for ok in [
            "de",
            "de-DE",
            "en-GB",
            "zh-Hans-CN",
            "zh-CN",
            "es-419",
            "sr-Latn",
            "de-CH-1996",
            "yue",
        ] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in [
            "",
            "d",
            "DE-de",
            "de-de",
            "deutsch",
            "de--DE",
            "de-DE-",
            "zh-hans-CN",
            "en-GB-x-private",
            "de_DE",
            "en-US-u",
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    fn texts() -> BTreeMap<String, String> {
        [
            ("de-DE", "KI-generiert"),
            ("en", "AI-generated"),
            ("fr", "Généré par IA"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    #[test]
    fn fallback_goes_exact_language_sibling_english() {
        let t = texts();
        assert_eq!(pick(&t, "de-DE"), Some(("de-DE", "KI-generiert")));
        assert_eq!(pick(&t, "de_de"), Some(("de-DE", "KI-generiert")));
        assert_eq!(pick(&t, "de-CH"), Some(("de-DE", "KI-generiert")));
        assert_eq!(pick(&t, "fr-CA"), Some(("fr", "Généré par IA")));
        assert_eq!(pick(&t, "ja-JP"), Some(("en", "AI-generated")));
        assert_eq!(pick(&t, ""), Some(("en", "AI-generated")));
        assert_eq!(pick(&BTreeMap::new(), "en"), None);
        let only_us: BTreeMap<String, String> = [("en-US".to_owned(), "AI".to_owned())].into();
        assert_eq!(pick(&only_us, "ko"), Some(("en-US", "AI")));
    }

    #[test]
    fn bare_language_beats_a_sibling() {
        let mut t = texts();
        t.insert("de".to_owned(), "KI-generiert (de)".to_owned());
        assert_eq!(pick(&t, "de-AT"), Some(("de", "KI-generiert (de)")));
    }

    #[test]
    fn spellings_of_one_locale_normalize_alike() {
        assert_eq!(normalized("zh-Hant-TW").as_deref(), Some("zh-TW"));
        assert_eq!(normalized("ZH_tw").as_deref(), Some("zh-TW"));
        assert_eq!(normalized("zh-Hans-CN").as_deref(), Some("zh-CN"));
        assert_eq!(normalized("zh-Hant-CN").as_deref(), Some("zh-Hant-CN"));
        assert_eq!(normalized("en-Latn-US").as_deref(), Some("en-US"));
        assert_eq!(normalized("x"), None);
    }

    #[test]
    fn chains_follow_cldr() {
        assert_eq!(chain("zh-TW"), ["zh-TW", "zh-Hant"]);
        assert_eq!(chain("zh-HK"), ["zh-HK", "zh-Hant"]);
        assert_eq!(chain("zh-Hans-CN"), ["zh-CN", "zh"]);
        assert_eq!(chain("es-AR"), ["es-AR", "es-419", "es"]);
        assert_eq!(chain("pt-AO"), ["pt-AO", "pt-PT", "pt"]);
        assert_eq!(chain("en-AU"), ["en-AU", "en-001", "en"]);
        assert_eq!(chain("de_CH"), ["de-CH", "de"]);
        assert!(chain("not a tag").is_empty());
        assert!(chain("").is_empty());
    }

    #[test]
    fn traditional_chinese_never_reads_simplified() {
        let tags = ["zh-CN", "en"];
        assert_eq!(pick_tag(&tags, "zh-TW"), Some("en"));
        assert_eq!(pick_tag(&tags, "zh-HK"), Some("en"));
        assert_eq!(pick_tag(&tags, "zh-Hant"), Some("en"));
        assert_eq!(pick_tag(&["zh", "zh-Hant", "en"], "zh-HK"), Some("zh-Hant"));
        assert_eq!(pick_tag(&["zh", "zh-TW", "en"], "zh-HK"), Some("zh-TW"));
        assert_eq!(pick_tag(&["zh", "zh-TW", "en"], "zh-SG"), Some("zh"));
        assert_eq!(pick_tag(&["zh", "zh-TW", "en"], "zh-Hans-HK"), Some("zh"));
        // Nothing in the shopper's script and no English: nothing, not Simplified.
        assert_eq!(pick_tag(&["zh-CN"], "zh-TW"), None);
        assert_eq!(pick_tag(&["zh-CN"], "ja"), Some("zh-CN"));
    }

    #[test]
    fn regional_variants_get_their_own_text() {
        let pt = ["pt", "pt-PT", "en"];
        assert_eq!(pick_tag(&pt, "pt-PT"), Some("pt-PT"));
        assert_eq!(pick_tag(&pt, "pt-AO"), Some("pt-PT"));
        assert_eq!(pick_tag(&pt, "pt-BR"), Some("pt"));
        let es = ["es-ES", "es-MX", "en"];
        assert_eq!(pick_tag(&es, "es-AR"), Some("es-MX"));
        assert_eq!(pick_tag(&es, "es-US"), Some("es-MX"));
        assert_eq!(pick_tag(&es, "es"), Some("es-ES"));
        assert_eq!(pick_tag(&["es", "es-419"], "es-CO"), Some("es-419"));
        assert_eq!(pick_tag(&["fr", "fr-CA"], "fr-CA"), Some("fr-CA"));
        assert_eq!(pick_tag(&["fr", "fr-CA"], "fr-BE"), Some("fr"));
        assert_eq!(pick_tag(&["en-GB", "en-US"], "en-AU"), Some("en-GB"));
        assert_eq!(pick_tag(&["sr", "en"], "sr-Latn"), Some("en"));
    }
}
