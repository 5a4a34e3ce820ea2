//! The try-on page's own labels in the shopper's language
//! (`functions/pages/text/{lang}.toml`, one file per language). Every
//! market language has a file, and every file has exactly English's keys
//! (tested), so a page never mixes languages.

use std::collections::BTreeMap;

use crate::pages::storefront::escape;

macro_rules! languages {
    ($($lang:literal),* $(,)?) => {
        &[$(($lang, include_str!(concat!("../../../pages/text/", $lang, ".toml")))),*]
    };
}

/// `(primary language subtag, TOML)`; English first, the fallback.
const LANGUAGES: &[(&str, &str)] = languages!(
    "en", "ar", "ca", "de", "es", "fr", "ga", "hi", "id", "it", "ja", "ko", "nb", "nl", "pl", "pt",
    "sv", "th", "vi", "zh",
);

/// Scripts written right to left, for `<html dir>`.
const RIGHT_TO_LEFT: &[&str] = &["ar", "fa", "he", "ur"];

/// One language's labels.
#[derive(Debug)]
pub struct PageText {
    /// The primary language subtag the labels are in.
    pub lang: &'static str,
    entries: BTreeMap<String, String>,
}

impl PageText {
    /// The labels for a BCP 47 locale (`de-DE` reads `de`), else English.
    pub fn for_locale(locale: &str) -> PageText {
        let primary = locale.split(['-', '_']).next().unwrap_or_default();
        LANGUAGES
            .iter()
            .find(|(lang, _)| lang.eq_ignore_ascii_case(primary))
            .and_then(|&(lang, text)| Self::parse(lang, text))
            .or_else(|| Self::parse(LANGUAGES[0].0, LANGUAGES[0].1))
            .unwrap_or(PageText {
                lang: "en",
                entries: BTreeMap::new(),
            })
    }

    fn parse(lang: &'static str, text: &str) -> Option<PageText> {
        toml::from_str(text)
            .ok()
            .map(|entries| PageText { lang, entries })
    }

    /// A label; the key itself if a file lacks it (the tests forbid that).
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.entries.get(key).map_or(key, String::as_str)
    }

    /// `rtl` or `ltr`.
    pub fn direction(&self) -> &'static str {
        if RIGHT_TO_LEFT.contains(&self.lang) {
            "rtl"
        } else {
            "ltr"
        }
    }

    /// `template` with every `{{t.key}}` replaced by its escaped label.
    pub fn fill(&self, template: &str) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find("{{t.") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 4..];
            let Some(end) = after.find("}}") else {
                rest = &rest[start..];
                break;
            };
            out.push_str(&escape(self.get(&after[..end])));
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// The labels as JSON for the page's script, safe inside `<script>`.
    pub fn json(&self) -> String {
        serde_json::to_string(&self.entries)
            .unwrap_or_else(|_| "{}".to_owned())
            .replace('<', "\\u003c")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> BTreeMap<String, String> {
        toml::from_str(text).expect("language files are TOML string tables")
    }

    #[test]
    fn every_language_has_exactly_the_english_keys() {
        let english: Vec<String> = table(LANGUAGES[0].1).into_keys().collect();
        assert!(english.len() > 20);
        for (lang, text) in LANGUAGES {
            let keys: Vec<String> = table(text).into_keys().collect();
            assert_eq!(keys, english, "{lang}.toml");
            let entries = table(text);
            assert!(
                entries.values().all(|v| !v.trim().is_empty()),
                "{lang}.toml has an empty label"
            );
        }
    }

    #[test]
    fn every_market_language_has_labels() {
        let packs = crate::policy::PackSet::embedded().expect("shipped packs");
        for pack in packs.packs() {
            for locale in &pack.storefront.languages {
                let text = PageText::for_locale(locale);
                let primary = locale.split('-').next().unwrap_or_default();
                assert_eq!(text.lang, primary, "{locale} in {}", pack.market);
            }
        }
    }

    #[test]
    fn locales_fall_back_to_their_language_then_english() {
        assert_eq!(PageText::for_locale("de-AT").lang, "de");
        assert_eq!(PageText::for_locale("PT_br").lang, "pt");
        assert_eq!(PageText::for_locale("tlh").lang, "en");
        assert_eq!(PageText::for_locale("").lang, "en");
        assert_eq!(PageText::for_locale("ar-AE").direction(), "rtl");
        assert_eq!(PageText::for_locale("fr").direction(), "ltr");
    }

    #[test]
    fn fill_escapes_and_leaves_other_placeholders() {
        let text = PageText::for_locale("fr");
        assert_eq!(
            text.fill("<b>{{t.everyone}}</b> {{market}} {{t.unknown}} {{t.open"),
            "<b>Habiller toutes les personnes de l&#39;image</b> {{market}} unknown {{t.open"
        );
    }

    #[test]
    fn json_cannot_close_the_script() {
        let text = PageText {
            lang: "en",
            entries: BTreeMap::from([("k".to_owned(), "</script><b>".to_owned())]),
        };
        assert_eq!(text.json(), r#"{"k":"\u003c/script>\u003cb>"}"#);
    }
}
