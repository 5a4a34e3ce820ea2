//! `copy.generate` through the real HTTP server with signed calls: each
//! method (translation memory, template, the cn2en model), each refusal,
//! the glossary and `max-chars`.
//!
//! The model path needs onnxruntime and the converted cn2en model:
//! `bash gpu-backend/tools/models/install-onnxruntime.sh` (or
//! ORT_DYLIB_PATH) and `bash gpu-backend/tools/models/fetch-copy-model.sh`
//! (`infra/run test` runs both).

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

mod server;

use meridian_gpu_backend::config::Config;
use meridian_rpc_server::test_support as signing;
use meridian_wit::copy::{CopyMethod, CopyPreset, CopyRequest, CopyResult};
use meridian_wit::rpc;

const KEY: &str = "test-key";
const BRAND: &str = "Meridian Orbit";

fn start(edit: impl FnOnce(&mut Config)) -> (String, tokio::runtime::Runtime) {
    let mut config = server::config(KEY);
    edit(&mut config);
    server::serve(config)
}

/// One backend with the shipped configuration for most tests.
fn backend() -> &'static str {
    static BACKEND: std::sync::OnceLock<(String, tokio::runtime::Runtime)> =
        std::sync::OnceLock::new();
    &BACKEND.get_or_init(|| start(|_| {})).0
}

struct Answer {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Answer {
    fn result(&self) -> CopyResult {
        assert_eq!(self.status, 200, "{}", String::from_utf8_lossy(&self.body));
        assert_eq!(self.content_type, "application/json");
        rpc::decode_json_reply(self.status, &self.body)
            .expect("decodes")
            .expect("ok")
    }

    /// The refusal's status, code and message; its body holds nothing else
    /// of a result.
    fn refusal(&self) -> (u16, String, String) {
        assert_eq!(self.content_type, rpc::PROBLEM_JSON);
        let v: serde_json::Value = serde_json::from_slice(&self.body).expect("problem json");
        assert!(
            v.get("text").is_none() && v.get("generator").is_none(),
            "{v}"
        );
        assert_eq!(v["status"], self.status);
        (
            self.status,
            v["code"].as_str().expect("code").to_owned(),
            v["message"].as_str().expect("message").to_owned(),
        )
    }
}

fn post_to(base: &str, body: &[u8], sign: bool) -> Answer {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .build();
    let mut req = agent
        .post(&format!("{base}{}", rpc::COPY_GENERATE))
        .set("content-type", "application/json");
    if sign {
        for (name, value) in
            &signing::headers(KEY, rpc::COPY_GENERATE, "application/json", "", body)
        {
            req = req.set(name, value);
        }
    }
    let response = match req.send_bytes(body) {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("transport: {e}"),
    };
    let (status, content_type) = (response.status(), response.content_type().to_owned());
    let mut body = Vec::new();
    response.into_reader().read_to_end(&mut body).expect("body");
    Answer {
        status,
        content_type,
        body,
    }
}

fn call_on(base: &str, request: &CopyRequest) -> Answer {
    let args = rpc::copy::GenerateArgs {
        request: request.clone(),
    };
    post_to(base, &rpc::encode_args(&args), true)
}

fn call(request: &CopyRequest) -> Answer {
    call_on(backend(), request)
}

fn request(
    source_locale: &str,
    source: &str,
    target_locale: &str,
    preset: CopyPreset,
) -> CopyRequest {
    CopyRequest {
        sku: "MRD-ORBIT-TITANIUM".into(),
        source_locale: source_locale.into(),
        source: source.into(),
        attributes: vec![
            ("name".into(), "Orbit frames".into()),
            ("brand".into(), BRAND.into()),
            ("material".into(), "titanium".into()),
            ("colour".into(), "gold".into()),
        ],
        target_locale: target_locale.into(),
        preset,
        glossary: vec![BRAND.into()],
        max_chars: None,
    }
}

#[test]
fn catalog_copy_comes_from_the_translation_memory() {
    let r = call(&request(
        "en-GB",
        "Feather-light titanium frames,  hand-finished. Free shipping.",
        "de-DE",
        CopyPreset::ProductDescription,
    ))
    .result();
    assert_eq!(
        r.text,
        "Federleichte Titanfassung, von Hand veredelt. Kostenloser Versand."
    );
    assert_eq!(r.method, CopyMethod::TranslationMemory);
    assert!(
        r.generator.starts_with("memory@") && r.generator.contains("+templates@"),
        "{}",
        r.generator
    );
    // The same in Chinese, and back from the catalog's Chinese.
    let r = call(&request(
        "en",
        "Feather-light titanium frames, hand-finished.",
        "zh-CN",
        CopyPreset::ProductDescription,
    ))
    .result();
    assert_eq!(r.text, "轻若羽毛的钛金属镜框，手工精制。");
    let r = call(&request(
        "zh-CN",
        "守时的自动腕表。",
        "en-US",
        CopyPreset::ProductDescription,
    ))
    .result();
    assert_eq!(
        (r.text.as_str(), r.method),
        (
            "An automatic watch that keeps its promise.",
            CopyMethod::TranslationMemory
        )
    );
}

#[test]
fn uncovered_copy_falls_through_to_the_template() {
    let source = "Our lightest frames ever, tested on three continents.";
    let r = call(&request(
        "en",
        source,
        "fr-FR",
        CopyPreset::ProductDescription,
    ))
    .result();
    // Attribute values come from the memory's words.
    assert_eq!(
        r.text,
        "Orbit frames de Meridian Orbit en titane, coloris or."
    );
    assert_eq!(r.method, CopyMethod::Template);
    assert!(
        r.generator.starts_with("templates@") && !r.generator.contains('+'),
        "{}",
        r.generator
    );
    let r = call(&request(
        "en",
        source,
        "ja-JP",
        CopyPreset::MarketplaceTitle,
    ))
    .result();
    assert_eq!(r.text, "Meridian Orbit Orbit frames チタン ゴールド");
    let r = call(&request("en", source, "de-DE", CopyPreset::VideoScript)).result();
    assert_eq!(
        r.text,
        "Einstieg: Orbit frames von Meridian Orbit.\nDetail: Titan, Gold.\nAbschluss: Jetzt in unserem Shop."
    );
    // Copy already in the target language is framed by the template.
    let r = call(&request(
        "en-GB",
        source,
        "en-US",
        CopyPreset::SocialCaption,
    ))
    .result();
    assert_eq!(
        r.text,
        format!("{source} Discover Orbit frames by {BRAND} now.")
    );
    assert_eq!(r.method, CopyMethod::Template);
}

fn reference() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/copy/cn2en-reference.json"
    );
    serde_json::from_slice(&std::fs::read(path).expect("fixture")).expect("json")
}

fn detokenized(tokens: &serde_json::Value) -> String {
    let words: Vec<String> = tokens
        .as_array()
        .expect("tokens")
        .iter()
        .map(|t| t.as_str().expect("word").to_owned())
        .collect();
    meridian_gpu_backend::copy::model::detokenize(&words)
}

/// The model's words for every fixture sentence are those of the wheel's
/// own weights run by numpy (tools/copy/reference_cn2en.py).
#[test]
fn chinese_copy_goes_through_the_cn2en_model() {
    let fixture = reference();
    for case in fixture["cases"].as_array().expect("cases") {
        let source = case["source"].as_str().expect("source");
        let r = call(&request(
            "zh-CN",
            source,
            "en",
            CopyPreset::ProductDescription,
        ))
        .result();
        assert_eq!(r.method, CopyMethod::Model, "{source}: {r:?}");
        assert!(
            r.generator.starts_with("cn2en@0.0.118+templates@"),
            "{}",
            r.generator
        );
        assert_eq!(r.text, detokenized(&case["tokens"]), "{source}");
    }
    assert_eq!(
        call(&request(
            "zh",
            "湯姆不在床上。",
            "en",
            CopyPreset::ProductDescription
        ))
        .result()
        .text,
        "Tom didn't go to bed."
    );
    // A word outside the model's vocabulary: the template instead.
    let r = call(&request(
        "zh",
        "湯姆不在床上。𠀀",
        "en",
        CopyPreset::ProductDescription,
    ))
    .result();
    assert_eq!(r.method, CopyMethod::Template);
}

#[test]
fn the_brand_survives_every_path_verbatim() {
    let memory = call(&request(
        "en",
        "Meridian Orbit is made by hand.",
        "it-IT",
        CopyPreset::ProductDescription,
    ))
    .result();
    assert_eq!(memory.text, "Meridian Orbit è fatto a mano.");
    let template = call(&request(
        "en",
        "Something new.",
        "ar-SA",
        CopyPreset::MarketplaceTitle,
    ))
    .result();
    assert_eq!(template.method, CopyMethod::Template);
    let model = call(&request(
        "zh",
        "Meridian Orbit我喜欢这个。",
        "en",
        CopyPreset::ProductDescription,
    ))
    .result();
    assert_eq!(model.method, CopyMethod::Model);
    assert!(
        model.text.starts_with("Meridian Orbit I like this"),
        "{}",
        model.text
    );
    for r in [&memory, &template, &model] {
        assert!(r.text.contains(BRAND), "{r:?}");
        assert_eq!(r.kept, [BRAND]);
    }
    // A term the text does not hold is not reported.
    let mut req = request("en", "Free shipping.", "de", CopyPreset::ProductDescription);
    req.glossary.push("Aurora".into());
    assert_eq!(call(&req).result().kept, Vec::<String>::new());
}

#[test]
fn max_chars_cuts_titles_at_a_boundary_outside_terms() {
    let mut req = request("en", "Something new.", "en", CopyPreset::MarketplaceTitle);
    let full = call(&req).result().text;
    assert_eq!(full, "Meridian Orbit Orbit frames – titanium, gold");
    req.max_chars = Some(30);
    let r = call(&req).result();
    assert_eq!(r.text, "Meridian Orbit Orbit frames…");
    assert!(r.text.chars().count() <= 30);
    assert_eq!(r.kept, [BRAND]);
    // Too short for the brand: it goes whole, and `kept` says so.
    req.max_chars = Some(10);
    let r = call(&req).result();
    assert_eq!((r.text.as_str(), r.kept.len()), ("…", 0));
    req.max_chars = Some(full.chars().count() as u32);
    assert_eq!(call(&req).result().text, full);
}

#[test]
fn refusals_have_a_status_code_and_message() {
    let base = || request("en", "Free shipping.", "de", CopyPreset::ProductDescription);
    let cases: Vec<(CopyRequest, u16, &str, &str)> = vec![
        (
            CopyRequest {
                sku: " ".into(),
                ..base()
            },
            400,
            "copy-sku-missing",
            "no sku",
        ),
        (
            CopyRequest {
                source: "".into(),
                ..base()
            },
            400,
            "copy-source-empty",
            "empty",
        ),
        (
            CopyRequest {
                source: "x".repeat(8 * 1024 + 1),
                ..base()
            },
            413,
            "copy-source-too-large",
            "8193 bytes",
        ),
        (
            CopyRequest {
                target_locale: "de_DE".into(),
                ..base()
            },
            400,
            "copy-locale-invalid",
            "target-locale `de_DE`",
        ),
        (
            CopyRequest {
                source_locale: "english".into(),
                ..base()
            },
            400,
            "copy-locale-invalid",
            "source-locale",
        ),
        (
            CopyRequest {
                max_chars: Some(0),
                ..base()
            },
            400,
            "copy-max-chars-invalid",
            "1 to 5000",
        ),
        (
            CopyRequest {
                max_chars: Some(5001),
                ..base()
            },
            400,
            "copy-max-chars-invalid",
            "not 5001",
        ),
        (
            CopyRequest {
                glossary: (0..65).map(|i| format!("T{i}")).collect(),
                ..base()
            },
            400,
            "copy-glossary-too-large",
            "65 terms",
        ),
        (
            CopyRequest {
                glossary: vec![String::new()],
                ..base()
            },
            400,
            "copy-glossary-term-invalid",
            "1 to 100",
        ),
        (
            CopyRequest {
                attributes: vec![(String::new(), "x".into())],
                ..base()
            },
            400,
            "copy-attributes-invalid",
            "keys",
        ),
        (
            CopyRequest {
                target_locale: "ga-IE".into(),
                ..base()
            },
            422,
            "copy-language-unsupported",
            "`ga`",
        ),
        (
            CopyRequest {
                source: "Something new.".into(),
                attributes: vec![],
                ..base()
            },
            422,
            "copy-attributes-missing",
            "`name`",
        ),
    ];
    for (req, status, code, message) in cases {
        let (s, c, m) = call(&req).refusal();
        assert_eq!((s, c.as_str()), (status, code), "{m}");
        assert!(m.contains(message), "{code}: {m}");
    }
    // Not signed, or not JSON: refused before the service runs.
    let body = rpc::encode_args(&rpc::copy::GenerateArgs { request: base() });
    let (s, c, _) = post_to(backend(), &body, false).refusal();
    assert_eq!((s, c.as_str()), (401, "signature-missing"));
    let (s, _, _) = post_to(backend(), b"{\"request\": 1}", true).refusal();
    assert_eq!(s, 400);
}

/// A configured model that does not load: its pair answers 503, the rest
/// of copy still works.
#[test]
fn a_model_that_fails_to_load_makes_its_pair_unavailable() {
    let dir = tempfile::tempdir().expect("tempdir");
    for f in ["encoder.onnx", "decoder.onnx", "vocab.json"] {
        std::fs::write(dir.path().join(f), b"not a model").expect("write");
    }
    let path: PathBuf = dir.path().to_owned();
    let (base, _runtime) = start(|c| c.copy.models[0].dir = path);
    let (s, c, m) = call_on(
        &base,
        &request("zh", "我很累。", "en", CopyPreset::ProductDescription),
    )
    .refusal();
    assert_eq!((s, c.as_str()), (503, "copy-model-unavailable"));
    assert!(m.contains("cn2en@0.0.118"), "{m}");
    let r = call_on(
        &base,
        &request("en", "Free shipping.", "de", CopyPreset::ProductDescription),
    )
    .result();
    assert_eq!(r.text, "Kostenloser Versand.");
}

#[test]
fn metrics_count_copy_by_method() {
    call(&request(
        "en",
        "Free shipping.",
        "nl",
        CopyPreset::ProductDescription,
    ))
    .result();
    let text = ureq::get(&format!("{}/metrics", backend()))
        .call()
        .expect("metrics")
        .into_string()
        .expect("text");
    assert!(
        text.contains("meridian_backend_copy_total{method=\"translation-memory\"}"),
        "{text}"
    );
    assert!(text.contains("route=\"rpc/copy/generate\""));
}
