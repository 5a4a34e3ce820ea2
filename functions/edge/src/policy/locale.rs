//! BCP 47 language tags as packs use them, and the fallback that picks a
//! text for a shopper's locale (`de-CH` → `de` → another `de-*` → `en`).

use std::collections::BTreeMap;

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

fn same_tag(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes().zip(b.bytes()).all(|(x, y)| {
            x.eq_ignore_ascii_case(&y) || (x == b'_' && y == b'-') || (x == b'-' && y == b'_')
        })
}

/// Picks the tag for `locale` from `tags`: the exact tag, then its bare
/// language, then any tag of that language, then `en`, then any English
/// tag, then the first. The one fallback every localized thing uses:
/// labels, copy and locale data.
pub fn pick_tag<'t>(tags: &[&'t str], locale: &str) -> Option<&'t str> {
    let found = |pred: &dyn Fn(&str) -> bool| tags.iter().copied().find(|k| pred(k));
    let language = language_of(locale);
    let same_language = |k: &str| language_of(k) == language;
    found(&|k| same_tag(k, locale))
        .or_else(|| found(&|k| k == language))
        .or_else(|| {
            if language.is_empty() {
                None
            } else {
                found(&same_language)
            }
        })
        .or_else(|| found(&|k| k == "en"))
        .or_else(|| found(&|k| language_of(k) == "en"))
        .or_else(|| tags.first().copied())
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
}
