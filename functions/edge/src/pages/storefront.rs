//! The demo storefront page, rendered for one admission: the shopper's
//! language and currency, products the market may be offered (the rest
//! shown as unavailable with the reason, never silently dropped), copy with
//! the market's banned advertising terms masked, and AI-generated copy
//! labelled where the market's law asks for it.

use crate::catalog::{Catalog, Product};
use crate::gate::Admission;
use crate::locale_format::PriceFormat;
use crate::personalize::assign::Assignments;
use crate::policy::pack::TaxDisplay;
use crate::policy::scrub_copy;
use crate::presets::Presets;
use meridian_wit::types::Fit;

const TEMPLATE: &str = include_str!("../../../pages/src/storefront.html");

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn card(p: &Product, a: &Admission, prices: Option<&PriceFormat>, hero: &str) -> String {
    let decision = a.product(&p.sku, None);
    let name = escape(&p.name);
    let sku = escape(&p.sku);
    if decision.territory.blocked {
        return format!(
            r#"    <article class="card blocked" data-sku="{sku}" data-reason="{code}">
      <div class="unavailable"><strong>Not available in your market</strong><span>{detail}</span><a href="{url}" rel="blocked-by">Why?</a></div>
      <div class="info"><h2>{name}</h2></div>
    </article>
"#,
            code = escape(decision.territory.reason.code),
            detail = escape(&decision.territory.reason.detail),
            url = escape(&decision.policy_url),
        );
    }
    let asset = escape(&p.asset);
    let price = match (p.price_in(&a.currency), prices) {
        (Some(price), Some(prices)) => format!(
            r#"<span class="price" data-amount="{amount}" data-currency="{currency}">{text}</span>"#,
            amount = price.amount(),
            currency = price.currency(),
            text = escape(&prices.format(price)),
        ),
        _ => r#"<span class="price missing">Price on request</span>"#.to_owned(),
    };
    let (copy, ai) = match p.copy_for(&a.locale.locale) {
        Some((lang, text)) => {
            let scrubbed = scrub_copy(text, a.pack());
            let label = if p.ai_generated && a.ai_label.visible {
                format!(
                    r#" <span class="ai-label">{}</span>"#,
                    escape(&a.ai_label.text)
                )
            } else {
                String::new()
            };
            let marker = if p.ai_generated && a.ai_label.machine_readable {
                r#" data-ai-generated="true""#
            } else {
                ""
            };
            (
                format!(
                    r#"<p class="copy" lang="{lang}" data-masked-terms="{hits}"{marker}>{text}</p>"#,
                    lang = escape(lang),
                    hits = scrubbed.hits.len(),
                    text = escape(&scrubbed.text),
                ),
                label,
            )
        }
        None => (String::new(), String::new()),
    };
    format!(
        r#"    <article class="card" data-sku="{sku}">
      <img src="/v1/media/{asset}/{hero}.webp" srcset="/v1/media/{asset}/thumbnail.webp 160w, /v1/media/{asset}/{hero}.webp 800w" sizes="(max-width: 600px) 90vw, 280px" alt="{name}" width="800" height="800">
      <div class="info"><h2>{name}</h2>{price}</div>
      {copy}{ai}
      <div class="formats"><a href="/v1/media/{asset}/square-1080.jpg">1080 square</a><a href="/v1/media/{asset}/story.webp">story</a><a href="/v1/media/{asset}/product.png">PNG</a></div>
    </article>
"#
    )
}

fn fit_name(fit: Fit) -> &'static str {
    match fit {
        Fit::Cover => "cover",
        Fit::Contain => "contain",
        Fit::Pad => "pad",
    }
}

/// What the page says about the shopper's market (HTML-escaped): the
/// market, language, currency, how prices show tax, and the policy version.
pub fn market_line(a: &Admission) -> String {
    let tax = match a.tax_display {
        TaxDisplay::Inclusive => "prices include tax",
        TaxDisplay::Exclusive => "prices exclude tax",
    };
    format!(
        "{} ({}) · {} · {} · {tax} · policy {}",
        escape(&a.pack().name),
        escape(&a.decision.market),
        escape(&a.locale.locale),
        escape(&a.currency),
        escape(&a.decision.policy_version),
    )
}

/// The hero rendition preset a variant may name: only presets the page
/// knows, so a definition cannot point images at an unknown preset.
fn hero_preset<'a>(assigned: &'a str, presets: &Presets) -> &'a str {
    if presets.get(assigned).is_ok() {
        assigned
    } else {
        "product"
    }
}

/// The page for this admission, with the features `assignments` gave.
pub fn render(
    a: &Admission,
    catalog: &Catalog,
    presets: &Presets,
    assignments: &Assignments,
) -> String {
    let hero = escape(hero_preset(
        assignments.text("storefront-hero", "product"),
        presets,
    ));
    let prices = a.price_format();
    let products: String = catalog
        .product
        .iter()
        .map(|p| card(p, a, prices.as_ref(), &hero))
        .collect();
    let example = catalog
        .product
        .iter()
        .find(|p| !a.product(&p.sku, None).territory.blocked)
        .map(|p| escape(&p.asset))
        .unwrap_or_default();
    let presets: String = presets
        .names()
        .into_iter()
        .filter_map(|n| presets.get(n).ok())
        .map(|p| {
            format!(
                "      <tr><td>{name} ({w}×{h}, {fit})</td><td><a href=\"/v1/media/{example}/{name}.webp\">/v1/media/{example}/{name}.webp</a></td></tr>\n",
                name = escape(&p.name),
                w = p.width,
                h = p.height,
                fit = fit_name(p.fit),
            )
        })
        .collect();
    let market = market_line(a);
    let banner =
        if assignments.value("free-shipping-banner") == Some(&serde_json::Value::Bool(true)) {
            r#"<div class="banner" data-feature="free-shipping-banner">Free shipping this week</div>
"#
        } else {
            ""
        };
    TEMPLATE
        .replace("{{variant}}", &escape(&assignments.variant()))
        .replace(
            "{{personalized}}",
            if assignments.personalized {
                "true"
            } else {
                "false"
            },
        )
        .replace("{{personalization_reason}}", &escape(&assignments.reason))
        .replace(
            "{{strategy}}",
            &escape(assignments.text("recommendation-strategy", "similar")),
        )
        .replace("{{banner}}", banner)
        .replace("{{lang}}", &escape(&a.locale.locale))
        .replace("{{market}}", &market)
        .replace("{{products}}", &products)
        .replace("{{presets}}", &presets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::admit_shopper;
    use crate::personalize::assign::{Assigned, Identity};
    use crate::policy::Purpose;

    fn control() -> Assignments {
        Assignments {
            features: Vec::new(),
            identity: Identity::None,
            personalized: false,
            reason: "consent-tcf-missing".into(),
        }
    }

    fn page_with(country: &str, accept_language: &str, assignments: &Assignments) -> String {
        let a = admit_shopper(country, accept_language, Purpose::Render);
        render(
            &a,
            &Catalog::shipped().expect("catalog"),
            &Presets::load(None).expect("presets"),
            assignments,
        )
    }

    fn page(country: &str, accept_language: &str) -> String {
        page_with(country, accept_language, &control())
    }

    fn assigned(
        feature: &str,
        value: serde_json::Value,
        experiment: Option<(&str, &str)>,
    ) -> Assigned {
        Assigned {
            feature: feature.into(),
            value,
            source: if experiment.is_some() {
                "experiment"
            } else {
                "force"
            }
            .into(),
            experiment: experiment.map(|(e, _)| e.into()),
            variant: experiment.map(|(_, v)| v.into()),
        }
    }

    #[test]
    fn the_page_renders_the_assigned_variants() {
        let plain = page("DE", "de");
        assert!(plain.contains(r#"data-variant="" data-personalized="false""#));
        assert!(plain.contains("/product.webp"));
        assert!(!plain.contains("square-1080.webp 800w"));
        assert!(!plain.contains(r#"data-feature="free-shipping-banner""#));
        let variant = Assignments {
            features: vec![
                assigned(
                    "storefront-hero",
                    "square-1080".into(),
                    Some(("hero-preset", "square")),
                ),
                assigned("free-shipping-banner", true.into(), None),
                assigned(
                    "recommendation-strategy",
                    "trending".into(),
                    Some(("rec-strategy", "trending")),
                ),
            ],
            identity: Identity::None,
            personalized: true,
            reason: "consent-tcf-granted".into(),
        };
        let html = page_with("DE", "de", &variant);
        assert!(html.contains(r#"data-variant="hero-preset=square;rec-strategy=trending" data-personalized="true""#), "{html}");
        assert!(html.contains("/square-1080.webp 800w"));
        assert!(html.contains(r#"data-feature="free-shipping-banner""#));
        assert!(html.contains(r#"data-strategy="trending""#));
        // A definition naming a preset the page does not know falls back.
        let unknown = Assignments {
            features: vec![assigned(
                "storefront-hero",
                "<script>".into(),
                Some(("hero-preset", "x")),
            )],
            ..variant
        };
        let html = page_with("DE", "de", &unknown);
        assert!(html.contains("/product.webp 800w") && !html.contains("<script>\""));
    }

    #[test]
    fn germany_sees_german_euro_prices_and_labelled_ai_copy() {
        let html = page("DE", "de-DE,de;q=0.9");
        assert!(html.contains(r#"<html lang="de-DE">"#));
        assert!(
            html.contains(
                "<span class=\"price\" data-amount=\"189.00\" data-currency=\"EUR\">189,00\u{a0}€</span>"
            ),
            "EEA-licensed frames are offered, priced as German shoppers write it"
        );
        assert!(html.contains(r#"<span class="ai-label">KI-generiert</span>"#));
        assert!(html.contains(r#"data-ai-generated="true""#));
    }

    #[test]
    fn china_masks_absolute_terms_and_blocks_unlicensed_products() {
        let html = page("CN", "zh-CN");
        assert!(!html.contains("最佳"), "Advertising Law Art. 9 term masked");
        assert!(!html.contains("国家级"));
        assert!(
            html.contains(r#"data-sku="MRD-SOLSTICE-SUN" data-reason="territory-"#)
                || html.contains(r#"class="card blocked" data-sku="MRD-SOLSTICE-SUN""#)
        );
        assert!(html.contains(r#"class="card blocked" data-sku="MRD-ORBIT-TITANIUM""#));
        assert!(
            html.contains(">¥3,199.00</span>"),
            "the watch is offered in CNY"
        );
    }

    #[test]
    fn saudi_arabia_shows_alcohol_as_unavailable_with_the_reason() {
        let html = page("SA", "ar");
        assert!(html.contains(r#"class="card blocked" data-sku="MRD-RIESLING-2023" data-reason="category-restricted""#), "{html}");
        assert!(html.contains(r#"rel="blocked-by""#));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
