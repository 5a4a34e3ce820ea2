use std::cell::RefCell;
use std::rc::Rc;

use futures_executor::block_on;

use super::*;
use crate::backend::{InboundResponse, OutboundRequest, Regional, TransportError};
use crate::cache::kv::MemoryKv;

type Answer = Rc<dyn Fn(&CopyRequest) -> (u16, Value)>;

/// A backend that answers every call with `answer` and keeps the calls.
#[derive(Clone)]
struct Fake {
    calls: Rc<RefCell<Vec<OutboundRequest>>>,
    answer: Answer,
}

impl Transport for Fake {
    async fn send(&self, request: OutboundRequest) -> Result<InboundResponse, TransportError> {
        self.calls.borrow_mut().push(request.clone());
        let args: Value = serde_json::from_slice(&request.body).expect("JSON arguments");
        let req: CopyRequest =
            serde_json::from_value(args["request"].clone()).expect("a copy request");
        let (status, body) = (self.answer)(&req);
        Ok(InboundResponse {
            status,
            meta: None,
            body: body.to_string().into_bytes(),
        })
    }
}

fn fake(answer: impl Fn(&CopyRequest) -> (u16, Value) + 'static) -> Fake {
    Fake {
        calls: Rc::default(),
        answer: Rc::new(answer),
    }
}

fn result(text: &str, method: CopyMethod, kept: &[String]) -> Value {
    serde_json::to_value(CopyResult {
        text: text.to_owned(),
        generator: "test@1".into(),
        method,
        kept: kept.to_vec(),
    })
    .expect("serializes")
}

/// The backend echoing a text per language, written by `method`.
fn echo(method: CopyMethod) -> Fake {
    fake(move |r| {
        let text = match r.target_locale.as_str() {
            "zh-CN" => "最佳太阳镜，国家级品质。".to_owned(),
            other => format!("{other}: {}", r.source),
        };
        (200, result(&text, method, &r.glossary))
    })
}

fn order(markets: &[&str], presets: &[&str]) -> Vec<u8> {
    json!({
        "sku": "MRD-AURORA-WATCH",
        "source": {"locale": "en", "text": "Aurora watch, sapphire glass."},
        "attributes": {"material": "acetate"},
        "markets": markets,
        "presets": presets,
        "glossary": ["Aurora"],
    })
    .to_string()
    .into_bytes()
}

fn run(body: &[u8], backend: &Fake, kv: &MemoryKv) -> Result<Value, Refusal> {
    let packs = CompiledPacks::embedded().expect("shipped packs");
    let regions = Regional::parse(
        "eu=http://eu.test",
        "copy backend",
        "product copy",
        "copy-backends-invalid",
    )?;
    let router =
        crate::backend::tests::router(&regions, backend.clone(), "meridian-dev-signing-key");
    let env = Env {
        packs: &packs,
        router: &router,
        kv,
        generation: "1",
        now: 1_767_000_000,
    };
    let r = block_on(handle(&env, body))?;
    assert_eq!(r.get("cache-control"), Some("no-store"));
    Ok(serde_json::from_slice(&r.body).expect("JSON"))
}

#[test]
fn each_market_gets_its_language_and_china_is_screened_with_rules_and_rewrites() {
    let backend = echo(CopyMethod::TranslationMemory);
    let kv = MemoryKv::default();
    let out = run(
        &order(&["DE", "CN"], &["product-description"]),
        &backend,
        &kv,
    )
    .expect("answered");
    let de = &out["results"][0];
    assert_eq!(
        (de["market"].as_str(), de["status"].as_u64()),
        (Some("DE"), Some(200))
    );
    assert_eq!(de["locale"], "de-DE");
    assert!(
        de["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("de-DE: "))
    );
    assert_eq!(de["ai_generated"], false, "a translation memory is not AI");
    assert_eq!(de["ai_label"], Value::Null);

    let cn = &out["results"][1];
    assert_eq!(cn["locale"], "zh-CN");
    assert_eq!(cn["text"], "***太阳镜，***品质。");
    assert_eq!(cn["suggested_rewrite"], "优质太阳镜，专业级品质。");
    let findings = cn["screening"]["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 2);
    assert!(
        findings
            .iter()
            .all(|f| f["reason"].as_str().is_some_and(|r| r.contains("广告法")))
    );
    assert_eq!(findings[0]["suggestion"], "优质");
    assert_eq!(backend.calls.borrow().len(), 2);
}

#[test]
fn model_text_is_labelled_per_the_markets_ai_decision() {
    let backend = echo(CopyMethod::Model);
    let out = run(
        &order(&["DE", "US"], &["social-caption"]),
        &backend,
        &MemoryKv::default(),
    )
    .expect("answered");
    let de = &out["results"][0];
    assert_eq!(de["ai_generated"], true);
    assert_eq!(de["ai_label"], "KI-generiert");
    assert_eq!(de["ai_marker"], true);
    assert_eq!(out["results"][1]["ai_generated"], true);
}

#[test]
fn results_are_cached_until_the_skus_copy_is_purged() {
    let backend = echo(CopyMethod::Template);
    let kv = MemoryKv::default();
    let body = order(&["FR"], &["marketplace-title"]);
    let first = run(&body, &backend, &kv).expect("answered");
    assert_eq!(first["results"][0]["cache"], "miss");
    let second = run(&body, &backend, &kv).expect("answered");
    assert_eq!(second["results"][0]["cache"], "hit");
    assert_eq!(second["results"][0]["text"], first["results"][0]["text"]);
    assert_eq!(backend.calls.borrow().len(), 1);

    // The commerce platform's product.updated soft-purges `sku:<SKU>`.
    tags::bump(
        kv.durable(),
        &sku_tag("MRD-AURORA-WATCH"),
        true,
        1_767_000_001,
    )
    .expect("purged");
    let third = run(&body, &backend, &kv).expect("answered");
    assert_eq!(third["results"][0]["cache"], "miss");
    assert_eq!(backend.calls.borrow().len(), 2);

    // Another source text is another entry.
    let mut changed: Value = serde_json::from_slice(&body).expect("json");
    changed["source"]["text"] = "New copy.".into();
    let fourth = run(changed.to_string().as_bytes(), &backend, &kv).expect("answered");
    assert_eq!(fourth["results"][0]["cache"], "miss");
}

#[test]
fn titles_carry_the_limit_and_other_presets_none() {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let log = seen.clone();
    let backend = fake(move |r| {
        log.borrow_mut().push((r.preset, r.max_chars));
        (
            200,
            json!({"text": "x", "generator": "g@1", "method": "template", "kept": []}),
        )
    });
    let mut body: Value =
        serde_json::from_slice(&order(&["GB"], &["marketplace-title", "video-script"]))
            .expect("json");
    body["title_max_chars"] = 60.into();
    run(body.to_string().as_bytes(), &backend, &MemoryKv::default()).expect("answered");
    assert_eq!(
        *seen.borrow(),
        [
            (CopyPreset::MarketplaceTitle, Some(60)),
            (CopyPreset::VideoScript, None)
        ]
    );
}

#[test]
fn a_market_the_product_may_not_be_offered_in_is_451_and_nothing_is_generated() {
    let backend = echo(CopyMethod::Template);
    let body = json!({
        "sku": "MRD-ORBIT-TITANIUM",
        "source": {"locale": "en", "text": "Frames."},
        "markets": ["CN", "DE"],
        "presets": ["product-description"],
    });
    let out = run(body.to_string().as_bytes(), &backend, &MemoryKv::default()).expect("answered");
    let cn = &out["results"][0];
    assert_eq!(cn["status"], 451);
    assert_eq!(cn["problem"]["status"], 451);
    assert!(
        cn["problem"]["code"]
            .as_str()
            .is_some_and(|c| c.starts_with("territory"))
    );
    assert_eq!(out["results"][1]["status"], 200);
    assert_eq!(
        backend.calls.borrow().len(),
        1,
        "only Germany reached the backend"
    );
}

#[test]
fn backend_refusals_keep_their_status_and_code_per_result() {
    let backend = fake(|_| {
        (
            422,
            json!({"status": 422, "code": "copy-language-unsupported", "message": "no th"}),
        )
    });
    let out = run(
        &order(&["TH"], &["product-description"]),
        &backend,
        &MemoryKv::default(),
    )
    .expect("answered");
    let th = &out["results"][0];
    assert_eq!(th["status"], 422);
    assert_eq!(th["problem"]["code"], "copy-language-unsupported");
}

#[test]
fn malformed_orders_are_refused_whole() {
    let backend = echo(CopyMethod::Template);
    let kv = MemoryKv::default();
    let refusal =
        |body: Value| run(body.to_string().as_bytes(), &backend, &kv).expect_err("refused");
    let base: Value = serde_json::from_slice(&order(&["DE"], &["video-script"])).expect("json");
    let with = |key: &str, value: Value| {
        let mut b = base.clone();
        b[key] = value;
        b
    };
    let cases = [
        (with("sku", "".into()), 400, "copy-sku-invalid"),
        (with("sku", "<x>".into()), 400, "copy-sku-invalid"),
        (with("markets", json!([])), 400, "copy-order-empty"),
        (
            with("presets", json!(["haiku"])),
            400,
            "copy-preset-unknown",
        ),
        (
            with("markets", json!(["Germany"])),
            400,
            "copy-market-invalid",
        ),
        (with("glossary", json!([" "])), 400, "copy-glossary-invalid"),
        (
            with("title_max_chars", 0.into()),
            400,
            "copy-title-max-chars-invalid",
        ),
        (
            with("source", json!({"locale": "en", "text": " "})),
            400,
            "copy-source-empty",
        ),
        (
            with("source", json!({"locale": "x y", "text": "a"})),
            400,
            "copy-locale-invalid",
        ),
        (
            with(
                "source",
                json!({"locale": "en", "text": "a".repeat(MAX_SOURCE + 1)}),
            ),
            413,
            "copy-source-too-large",
        ),
        (with("extra", 1.into()), 400, "copy-order-invalid"),
        (
            with("markets", json!(vec!["DE"; MAX_MARKETS + 1])),
            400,
            "copy-order-too-many",
        ),
    ];
    for (body, status, code) in cases {
        let r = refusal(body);
        assert_eq!((r.status, r.code.as_str()), (status, code), "{}", r.message);
    }
    let r = run(b"not json", &backend, &kv).expect_err("refused");
    assert_eq!(r.code, "copy-order-invalid");
    assert!(backend.calls.borrow().is_empty(), "nothing was generated");
}
