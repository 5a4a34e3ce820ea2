//! The demo storefront page, rendered for one admission: the shopper's
//! language and currency, products the market may be offered (the rest
//! shown as unavailable with the reason, never silently dropped), copy with
//! the market's banned advertising terms masked, and AI-generated copy
//! labelled where the market's law asks for it.

use askama::Template;
use fluent_bundle::FluentValue;

use crate::catalog::{Catalog, Product};
use crate::gate::Admission;
use crate::locale_format::PriceFormat;
use crate::pages::messages::{Messages, args};
use crate::personalize::assign::Assignments;
use crate::policy::pack::TaxDisplay;
use crate::policy::scrub_copy;
use crate::presets::{Preset, Presets};
use meridian_wit::types::Fit;

struct Price {
    amount: String,
    currency: String,
    text: String,
}

struct Copy<'a> {
    lang: &'a str,
    text: String,
    /// How many banned terms were masked.
    masked: usize,
    /// The machine-readable AI marker.
    marked: bool,
    /// The visible AI label.
    label: Option<&'a str>,
}

enum Card<'a> {
    /// Not offered in this market: shown with the reason, never dropped.
    Blocked {
        sku: &'a str,
        name: &'a str,
        code: &'a str,
        detail: String,
        policy_url: String,
    },
    Offered {
        sku: &'a str,
        name: &'a str,
        asset: &'a str,
        price: Option<Price>,
        copy: Option<Copy<'a>>,
    },
}

struct PresetRow<'a> {
    name: &'a str,
    width: u32,
    height: u32,
    fit: &'static str,
}

#[derive(Template)]
#[template(path = "storefront.html")]
struct StorefrontPage<'a> {
    t: Messages,
    lang: &'a str,
    variant: String,
    personalized: bool,
    personalization_reason: &'a str,
    strategy: &'a str,
    free_shipping: bool,
    market: String,
    count: String,
    images: Option<CardImages<'a>>,
    cards: Vec<Card<'a>>,
    example: &'a str,
    presets: Vec<PresetRow<'a>>,
    script_labels: serde_json::Map<String, serde_json::Value>,
}

fn card<'a>(
    p: &'a Product,
    a: &'a Admission,
    t: &Messages,
    prices: Option<&PriceFormat>,
) -> Card<'a> {
    let decision = a.product(&p.sku, None);
    if decision.territory.blocked {
        return Card::Blocked {
            sku: &p.sku,
            name: &p.name,
            code: decision.territory.reason.code,
            detail: t.blocked(decision.territory.reason.code).into_owned(),
            policy_url: decision.policy_url,
        };
    }
    let price = match (p.price_in(&a.currency), prices) {
        (Some(price), Some(prices)) => Some(Price {
            amount: price.amount().to_string(),
            currency: price.currency().as_str().to_owned(),
            text: prices.format(price),
        }),
        _ => None,
    };
    let copy = p.copy_for(&a.locale.locale).map(|(lang, text)| {
        let scrubbed = scrub_copy(text, a.pack());
        Copy {
            lang,
            masked: scrubbed.hits.len(),
            text: scrubbed.text,
            marked: p.ai_generated && a.ai_label.machine_readable,
            label: (p.ai_generated && a.ai_label.visible).then_some(a.ai_label.text.as_str()),
        }
    });
    Card::Offered {
        sku: &p.sku,
        name: &p.name,
        asset: &p.asset,
        price,
        copy,
    }
}

fn fit_name(fit: Fit) -> &'static str {
    match fit {
        Fit::Cover => "cover",
        Fit::Contain => "contain",
        Fit::Pad => "pad",
    }
}

/// What a page says about the shopper's market, in `t`'s language: the
/// market, language, currency, how prices show tax, and the policy version.
pub fn market_line(a: &Admission, t: &Messages) -> String {
    let tax = match a.tax_display {
        TaxDisplay::Inclusive => "inclusive",
        TaxDisplay::Exclusive => "exclusive",
    };
    t.format(
        "market-line",
        Some(&args([
            ("market", FluentValue::from(a.pack().name.as_str())),
            ("country", a.decision.market.as_str().into()),
            ("locale", a.locale.locale.as_str().into()),
            ("currency", a.currency.as_str().into()),
            ("tax", tax.into()),
            ("version", a.decision.policy_version.as_str().into()),
        ])),
    )
    .into_owned()
}

/// The renditions a product card shows: the hero (a variant may name it)
/// and a small one for the srcset and the recommendations. Chosen from the
/// configured presets only, so a variant or a merchant's own `media_presets`
/// never points an image at a preset the media component refuses.
struct CardImages<'a> {
    hero: &'a Preset,
    thumb: &'a Preset,
}

impl<'a> CardImages<'a> {
    /// The assigned hero, else `product`, else the widest preset; the
    /// thumbnail `thumbnail`, else the narrowest. `None` for no presets.
    fn choose(assigned: &str, presets: &'a Presets) -> Option<CardImages<'a>> {
        let all = || {
            presets
                .names()
                .into_iter()
                .filter_map(|n| presets.get(n).ok())
        };
        let hero = presets
            .get(assigned)
            .or_else(|_| presets.get("product"))
            .ok()
            .or_else(|| all().max_by_key(|p| p.width))?;
        let thumb = presets
            .get("thumbnail")
            .ok()
            .or_else(|| all().min_by_key(|p| p.width))?;
        Some(CardImages { hero, thumb })
    }
}

/// The page for this admission, with the features `assignments` gave.
pub fn render(
    a: &Admission,
    catalog: &Catalog,
    presets: &Presets,
    assignments: &Assignments,
) -> String {
    let t = Messages::for_locale(&a.locale.locale);
    let prices = a.price_format();
    let cards: Vec<Card<'_>> = catalog
        .product
        .iter()
        .map(|p| card(p, a, &t, prices.as_ref()))
        .collect();
    let available = cards
        .iter()
        .filter(|c| matches!(c, Card::Offered { .. }))
        .count();
    let example = cards
        .iter()
        .find_map(|c| match c {
            Card::Offered { asset, .. } => Some(*asset),
            Card::Blocked { .. } => None,
        })
        .unwrap_or_default();
    let presets_shown = presets
        .names()
        .into_iter()
        .filter_map(|n| presets.get(n).ok())
        .map(|p| PresetRow {
            name: &p.name,
            width: p.width,
            height: p.height,
            fit: fit_name(p.fit),
        })
        .collect();
    StorefrontPage {
        t,
        lang: t.html_lang(&a.locale.locale),
        variant: assignments.variant(),
        personalized: assignments.personalized,
        personalization_reason: &assignments.reason,
        strategy: assignments.text("recommendation-strategy", "similar"),
        free_shipping: assignments.value("free-shipping-banner")
            == Some(&serde_json::Value::Bool(true)),
        market: market_line(a, &t),
        count: t
            .format(
                "store-products",
                Some(&args([("available", FluentValue::from(available))])),
            )
            .into_owned(),
        images: CardImages::choose(assignments.text("storefront-hero", "product"), presets),
        cards,
        example,
        presets: presets_shown,
        script_labels: t.script_labels(&["store-why-recommended"]),
    }
    .render()
    // Rendering writes into a String: only a failing Display could fail.
    .unwrap_or_default()
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
        assert!(!plain.contains("square-1080.webp 1080w"));
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
        assert!(html.contains("/square-1080.webp 1080w"));
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
    fn a_merchants_own_presets_name_every_image_on_the_page() {
        let presets = Presets::parse(
            "[banner]\nwidth = 1200\nheight = 600\nfit = \"cover\"\nformats = [\"webp\"]\nmax_age_s = 60\n\n\
             [icon]\nwidth = 96\nheight = 96\nfit = \"cover\"\nformats = [\"webp\"]\nmax_age_s = 60\n",
        )
        .expect("presets");
        let a = admit_shopper("DE", "de", Purpose::Render);
        let html = render(
            &a,
            &Catalog::shipped().expect("catalog"),
            &presets,
            &control(),
        );
        assert!(
            html.contains("/banner.webp 1200w") && html.contains("/icon.webp 96w"),
            "{html}"
        );
        assert!(html.contains(r#"width="1200" height="600""#));
        assert!(html.contains(r#"id="recs" data-preset="icon""#));
        for shipped in ["/thumbnail.webp", "/product.webp"] {
            assert!(!html.contains(shipped), "{shipped} is not configured");
        }
    }

    #[test]
    fn germany_sees_german_euro_prices_and_labelled_ai_copy() {
        let html = page("DE", "de-DE,de;q=0.9");
        assert!(html.contains(r#"<html lang="de-DE" dir="ltr">"#));
        assert!(
            html.contains("Preise inkl. MwSt."),
            "the market line is German"
        );
        assert!(html.contains("<h2>Empfohlen</h2>"));
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
    fn labels_and_counts_are_in_the_shoppers_language() {
        let html = page("SA", "ar");
        assert!(html.contains(r#"<html lang="ar-SA" dir="rtl">"#), "{html}");
        assert!(html.contains("<strong>غير متاح في سوقك</strong>"));
        assert!(html.contains(r#"<p class="count">"#));
        let html = page("JP", "ja");
        assert!(html.contains("お住まいの市場で購入できる商品："), "{html}");
        assert!(!html.contains("Not available in your market"));
    }

    #[test]
    fn catalog_text_is_escaped_by_the_template() {
        let catalog = Catalog::parse(
            r#"[[product]]
sku = "X<1>"
name = "<script>alert('x')</script>"
asset = "a\"b.jpg"
price = { EUR = "1" }
copy = { en = "Tom & Jerry's <b>" }
"#,
        )
        .expect("a catalog");
        let a = admit_shopper("DE", "en", Purpose::Render);
        let html = render(
            &a,
            &catalog,
            &Presets::load(None).expect("presets"),
            &control(),
        );
        assert!(!html.contains("<script>alert"), "{html}");
        // askama writes numeric references.
        assert!(
            html.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;"),
            "{html}"
        );
        assert!(html.contains("Tom &#38; Jerry&#39;s &#60;b&#62;"));
        assert!(html.contains(r#"data-sku="X&#60;1&#62;""#));
        assert!(html.contains("/v1/media/a&#34;b.jpg/"));
    }

    #[test]
    fn saudi_arabia_shows_alcohol_as_unavailable_with_the_reason() {
        let html = page("SA", "ar");
        assert!(html.contains(r#"class="card blocked" data-sku="MRD-RIESLING-2023" data-reason="category-restricted""#), "{html}");
        assert!(html.contains(r#"rel="blocked-by""#));
    }
}
