//! The shopper's try-on page (`GET /tryon`), rendered for one admission:
//! the market's consent wording (an opt-in prompt where the law asks for
//! explicit consent, a notice elsewhere), the regions frames may be sent to,
//! and the try-on products the market may be offered, priced in its
//! currency. The page itself calls `POST /v1/tryon/{sku}`
//! ([`crate::tryon`]).

use crate::catalog::{Catalog, price_in};
use crate::gate::Admission;
use crate::policy::consent::biometric_prompt;
use crate::policy::residency::Regions;
use crate::storefront::{escape, market_line};

const TEMPLATE: &str = include_str!("../../pages/src/tryon.html");

/// The page; `admission` should be for purpose try-on.
pub fn render(a: &Admission, catalog: &Catalog) -> String {
    let pack = a.pack();
    let (prompt_lang, prompt) = biometric_prompt(pack, Some(&a.locale.locale));
    let mode = if pack.consent.biometric_opt_in {
        "opt-in"
    } else {
        "notice"
    };
    let regions = match &a.decision.residency.regions {
        Regions::Any => "any region".to_owned(),
        Regions::Only(list) => list.join(", "),
    };
    let products: String = catalog
        .tryon
        .iter()
        .filter(|p| !a.product(&p.sku, None).territory.blocked)
        .map(|p| {
            let price = price_in(&p.price, &a.currency).unwrap_or("price on request");
            format!(
                "        <option value=\"{sku}\" data-kind=\"{kind}\">{name} · {price}</option>\n",
                sku = escape(&p.sku),
                kind = escape(&p.kind),
                name = escape(&p.name),
                price = escape(price),
            )
        })
        .collect();
    let market = market_line(a);
    // A composite is a digitally altered picture of a person: markets with
    // AI-content labelling law label it like generated content.
    let (label, hidden) = if a.ai_label.visible {
        (escape(&a.ai_label.text), "")
    } else {
        (String::new(), " hidden")
    };
    TEMPLATE
        .replace("{{lang}}", &escape(&a.locale.locale))
        .replace("{{market}}", &market)
        .replace("{{mode}}", mode)
        .replace("{{prompt_lang}}", &escape(&prompt_lang))
        .replace("{{prompt}}", &escape(&prompt))
        .replace("{{basis}}", &escape(&pack.consent.biometric_basis))
        .replace("{{regions}}", &escape(&regions))
        .replace("{{policy_url}}", &escape(&a.decision.policy_url))
        .replace("{{ai_label}}", &label)
        .replace("{{ai_label_hidden}}", hidden)
        .replace("{{products}}", &products)
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
        assert!(html.contains(r#"<option value="EYE-AVIATOR-GOLD" data-kind="eyewear">Aviator sunglasses, gold · € 129</option>"#));
        assert!(!html.contains("{{"), "every placeholder is filled");
    }

    #[test]
    fn notice_only_markets_show_a_notice_without_a_prompt() {
        let html = page("JP", "ja");
        assert!(html.contains(r#"data-mode="notice""#));
        assert!(html.contains("<strong>jp, eu, uk</strong>"));
        assert!(html.contains("¥ 21,000"));
    }

    #[test]
    fn a_missing_price_is_on_request() {
        let html = page("KR", "ko");
        assert!(html.contains("Drop earrings, emerald · price on request"));
    }
}
