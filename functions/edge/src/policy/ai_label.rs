//! Labels for AI-generated media: whether to show one, whether to embed
//! provenance metadata, and the text in the shopper's language.

use serde::Serialize;

use super::locale;
use super::pack::MarketPack;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AiLabelRule {
    /// Show a label next to AI-generated media.
    pub visible: bool,
    /// Embed provenance metadata (C2PA / IPTC `digitalSourceType`).
    pub machine_readable: bool,
    /// The label text (always filled, even where `visible` is false, so a
    /// page may choose to show it).
    pub text: String,
    /// The language tag of `text` after fallback.
    pub locale: String,
    pub basis: String,
}

/// The rule for a market, with the text for `locale` (`de-CH` → `de` →
/// another `de-*` → `en`); an empty locale means the market's default
/// language.
pub fn ai_label(pack: &MarketPack, locale: &str) -> AiLabelRule {
    let wanted = if locale.trim().is_empty() {
        pack.default_language()
    } else {
        locale
    };
    let (key, text) = locale::pick(&pack.ai_label.text, wanted).unwrap_or(("en", "AI-generated"));
    AiLabelRule {
        visible: pack.ai_label.visible,
        machine_readable: pack.ai_label.machine_readable,
        text: text.to_owned(),
        locale: key.to_owned(),
        basis: pack.ai_label.basis.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::pack::tests::pack_toml;

    #[test]
    fn locale_fallback() {
        let p = MarketPack::parse("DE.toml", &pack_toml("DE")).expect("valid");
        let r = ai_label(&p, "de-CH");
        assert_eq!(
            (r.text.as_str(), r.locale.as_str()),
            ("KI-generiert", "de-DE")
        );
        assert!(r.visible && r.machine_readable);
        assert_eq!(r.basis, "EU AI Act Art. 50");
        assert_eq!(ai_label(&p, "pt-BR").text, "AI-generated");
        assert_eq!(
            ai_label(&p, "").text,
            "KI-generiert",
            "market default language"
        );
    }
}
