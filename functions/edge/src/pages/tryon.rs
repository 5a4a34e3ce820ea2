//! The shopper's try-on page (`GET /tryon`), rendered for one admission:
//! the market's consent wording (an opt-in prompt where the law asks for
//! explicit consent, a notice elsewhere), the regions frames may be sent to,
//! and the try-on products the market may be offered, priced in its
//! currency. The page itself calls `POST /v1/tryon/{sku}`
//! ([`crate::routes::tryon`]).

use askama::Template;

use crate::catalog::{Catalog, price_in};
use crate::gate::Admission;
use crate::pages::messages::Messages;
use crate::pages::storefront::market_line;
use crate::policy::consent::biometric_prompt;
use crate::policy::residency::Regions;

/// Labels the page's script shows (errors, the share sheet's title).
const SCRIPT_LABELS: &[&str] = &[
    "declined",
    "unreachable",
    "no-face",
    "no-camera",
    "camera-unavailable",
    "unreadable",
    "upload-again",
    "share-title",
];

struct TryOnProduct<'a> {
    /// Chosen in the picker (`/tryon?sku=`).
    selected: bool,
    sku: &'a str,
    kind: &'a str,
    name: &'a str,
    price: String,
}

#[derive(Template)]
#[template(path = "tryon.html")]
struct TryOnPage<'a> {
    t: Messages,
    lang: &'a str,
    market: String,
    mode: &'static str,
    prompt_lang: String,
    prompt: String,
    basis: &'a str,
    regions: String,
    policy_url: &'a str,
    /// The visible label; a composite is a digitally altered picture of a
    /// person, labelled like generated content where the market says so.
    ai_label: Option<&'a str>,
    products: Vec<TryOnProduct<'a>>,
    script_labels: serde_json::Map<String, serde_json::Value>,
}

/// The page; `admission` should be for purpose try-on.
pub fn render(a: &Admission, catalog: &Catalog) -> String {
    render_with(a, catalog, None)
}

/// The page with `selected` (`/tryon?sku=`, as the widget's try-on button
/// opens it) chosen in the picker when the market may be offered it.
pub fn render_with(a: &Admission, catalog: &Catalog, selected: Option<&str>) -> String {
    let pack = a.pack();
    let (prompt_lang, prompt) = biometric_prompt(pack, Some(&a.locale.locale));
    let t = Messages::for_locale(&a.locale.locale);
    let regions = match &a.decision.residency.regions {
        Regions::Any => t.get("any-region").into_owned(),
        Regions::Only(list) => list.join(", "),
    };
    let prices = a.price_format();
    let products = catalog
        .tryon
        .iter()
        .filter(|p| !a.product(&p.sku, None).territory.blocked)
        .map(|p| TryOnProduct {
            selected: selected == Some(p.sku.as_str()),
            sku: &p.sku,
            kind: &p.kind,
            name: &p.name,
            price: match (price_in(&p.price, &a.currency), &prices) {
                (Some(price), Some(prices)) => prices.format(price),
                _ => t.get("price-on-request").into_owned(),
            },
        })
        .collect();
    TryOnPage {
        t,
        lang: t.html_lang(&a.locale.locale),
        market: market_line(a, &t),
        mode: if pack.consent.biometric_opt_in {
            "opt-in"
        } else {
            "notice"
        },
        prompt_lang,
        prompt,
        basis: &pack.consent.biometric_basis,
        regions,
        policy_url: &a.decision.policy_url,
        ai_label: a.ai_label.visible.then_some(a.ai_label.text.as_str()),
        products,
        script_labels: t.script_labels(SCRIPT_LABELS),
    }
    .render()
    // Rendering writes into a String: only a failing Display could fail.
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::admit_shopper;
    use crate::policy::Purpose;

    fn page(country: &str, accept_language: &str) -> String {
        let a = admit_shopper(country, accept_language, Purpose::TryOn);
        render(&a, &Catalog::shipped().expect("catalog"))
    }

    #[test]
    fn germany_asks_in_german_and_keeps_frames_in_the_eu() {
        let html = page("DE", "de-DE");
        assert!(html.contains(r#"<dialog id="consent" data-mode="opt-in">"#));
        assert!(html.contains(r#"<p id="consent-text" lang="de">Die virtuelle Anprobe"#));
        assert!(html.contains("GDPR Art. 9"));
        assert!(html.contains("<strong>eu</strong>"));
        assert!(html.contains(
            "<option value=\"EYE-AVIATOR-GOLD\" data-kind=\"eyewear\">Aviator sunglasses, gold · 129,00\u{a0}€</option>"
        ));
        assert!(
            !html.contains("{{") && !html.contains("{%"),
            "a template, rendered"
        );
    }

    #[test]
    fn notice_only_markets_show_a_notice_without_a_prompt() {
        let html = page("JP", "ja");
        assert!(html.contains(r#"data-mode="notice""#));
        assert!(html.contains("<strong>jp, eu, uk</strong>"));
        assert!(
            html.contains("Aviator sunglasses, gold · ￥21,000"),
            "{html}"
        );
    }

    #[test]
    fn the_widgets_sku_is_preselected() {
        let a = admit_shopper("DE", "de-DE", Purpose::TryOn);
        let catalog = Catalog::shipped().expect("catalog");
        let html = render_with(&a, &catalog, Some("EYE-ROUND-TORTOISE"));
        assert!(
            html.contains(r#"<option value="EYE-ROUND-TORTOISE" data-kind="eyewear" selected>"#)
        );
        assert_eq!(html.matches(" selected>").count(), 1);
        assert!(!render_with(&a, &catalog, Some("<x>")).contains(" selected>"));
    }

    #[test]
    fn a_missing_price_is_on_request() {
        let html = page("KR", "ko");
        assert!(html.contains("Drop earrings, emerald · 가격 문의"));
    }

    #[test]
    fn labels_follow_the_shoppers_language() {
        let html = page("DE", "de-DE");
        assert!(html.contains(r#"<html lang="de-DE" dir="ltr">"#));
        assert!(html.contains(r#"<button id="allow" class="primary">Erlauben</button>"#));
        assert!(
            html.contains(r#""declined":"Die Anprobe bleibt aus"#),
            "{html}"
        );
        assert!(!html.contains("Start camera"));

        let html = page("AE", "ar");
        assert!(html.contains(r#"dir="rtl""#));
        assert!(html.contains("<h1>التجربة الافتراضية</h1>"));

        // English where the market's language is: the locale's own tag.
        let html = page("GB", "en-GB");
        assert!(html.contains(r#"<html lang="en-GB" dir="ltr">"#));
        assert!(html.contains("<h1>Virtual try-on</h1>"));
    }
}
