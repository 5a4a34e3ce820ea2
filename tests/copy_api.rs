//! `POST /v1/copy` through the real host and the real backend: the
//! merchant's token, a text per market language (translation memory, the
//! cn2en model through onnxruntime), the market's advertising rules and AI
//! labels applied at the edge, 451 where the product may not be offered,
//! and cached texts purged by the SKU's copy tag.
//!
//! The model path needs the converted cn2en model and onnxruntime
//! (`bash infra/run test` fetches both).

use anyhow::{Context, Result, ensure};
use meridian_e2e::{Reply, send, start_stack};
use serde_json::{Value, json};

const TOKEN: &str = "e2e-copy-token";
const PURGE: &str = "e2e-purge-token";

fn order(host: &str, token: Option<&str>, body: &Value) -> Result<Reply> {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(b) = &bearer {
        headers.push(("authorization", b));
    }
    send(
        "POST",
        &format!("{host}/v1/copy"),
        &headers,
        Some(body.to_string().as_bytes()),
    )
}

fn results(reply: &Reply) -> Result<Vec<Value>> {
    ensure!(
        reply.status == 200,
        "{}: {}",
        reply.status,
        String::from_utf8_lossy(&reply.body)
    );
    ensure!(reply.header("cache-control") == Some("no-store"));
    let body: Value = serde_json::from_slice(&reply.body)?;
    Ok(body["results"].as_array().context("results")?.clone())
}

#[test]
fn copy_is_written_per_market_screened_labelled_cached_and_purged() -> Result<()> {
    let stack = start_stack(&[
        ("SPIN_VARIABLE_COPY_TOKEN", TOKEN),
        ("SPIN_VARIABLE_PURGE_TOKEN", PURGE),
    ])?;
    let host = &stack.host.url;

    // The merchant's API only.
    let frames = json!({
        "sku": "MRD-ORBIT-TITANIUM",
        "source": {"locale": "en", "text": "Feather-light titanium frames, hand-finished."},
        "attributes": {"material": "titanium"},
        "markets": ["DE", "FR", "CN"],
        "presets": ["product-description"],
        "glossary": ["Orbit"],
    });
    let (status, code, _) = order(host, None, &frames)?.error()?;
    ensure!(
        (status, code.as_str()) == (401, "copy-unauthorized"),
        "{status} {code}"
    );
    let (status, code, _) = order(host, Some("wrong"), &frames)?.error()?;
    ensure!(
        (status, code.as_str()) == (401, "copy-unauthorized"),
        "{status} {code}"
    );
    let (status, code, _) = order(host, Some(TOKEN), &json!({"sku": "X"}))?.error()?;
    ensure!(
        (status, code.as_str()) == (400, "copy-order-invalid"),
        "{status} {code}"
    );

    // Each market in its language, from the translation memory; China may
    // not be offered these frames.
    let first = results(&order(host, Some(TOKEN), &frames)?)?;
    let de = &first[0];
    ensure!(de["status"] == 200 && de["locale"] == "de-DE", "{de}");
    ensure!(
        de["text"]
            .as_str()
            .is_some_and(|t| t.contains("Federleichte Titanfassung")),
        "{de}"
    );
    ensure!(
        de["method"] == "translation-memory" && de["ai_generated"] == false,
        "{de}"
    );
    ensure!(de["cache"] == "miss");
    let fr = &first[1];
    ensure!(
        fr["text"]
            .as_str()
            .is_some_and(|t| t.contains("Monture en titane")),
        "{fr}"
    );
    let cn = &first[2];
    ensure!(cn["status"] == 451, "{cn}");
    ensure!(cn["problem"]["code"] == "territory-not-licensed", "{cn}");

    // Cached, until the SKU's copy is purged.
    let again = results(&order(host, Some(TOKEN), &frames)?)?;
    ensure!(
        again[0]["cache"] == "hit" && again[0]["text"] == de["text"],
        "{}",
        again[0]
    );
    let purge = send(
        "POST",
        &format!("{host}/v1/purge"),
        &[
            ("authorization", &format!("Bearer {PURGE}")),
            ("content-type", "application/json"),
        ],
        Some(br#"{"tags": ["copy:MRD-ORBIT-TITANIUM"]}"#),
    )?;
    ensure!(purge.status == 200, "purge {}", purge.status);
    let purged = results(&order(host, Some(TOKEN), &frames)?)?;
    ensure!(purged[0]["cache"] == "miss", "{}", purged[0]);

    // The market's advertising rules: the claim masked, the rule cited,
    // the rewrite without it.
    let claim = json!({
        "sku": "MRD-SILK-SCARF",
        "source": {"locale": "en-GB", "text": "A silk scarf that cures cold shoulders."},
        "markets": ["GB"],
        "presets": ["social-caption"],
    });
    let gb = &results(&order(host, Some(TOKEN), &claim)?)?[0];
    ensure!(gb["status"] == 200, "{gb}");
    let text = gb["text"].as_str().context("text")?;
    ensure!(!text.contains("cures") && text.contains("***"), "{gb}");
    let findings = gb["screening"]["findings"].as_array().context("findings")?;
    ensure!(
        findings
            .iter()
            .any(|f| f["term"] == "cures"
                && f["reason"].as_str().is_some_and(|r| r.contains("DMCC"))),
        "{gb}"
    );
    ensure!(
        gb["suggested_rewrite"]
            .as_str()
            .is_some_and(|t| !t.contains("cures") && !t.contains("***")),
        "{gb}"
    );

    // A model's text carries the market's AI decision: Ireland shows a
    // label (EU AI Act Art. 50), Great Britain has no such duty; the demo
    // merchant marks AI text machine-readably everywhere
    // (`ai_label_machine_readable` in policy/merchant.toml).
    let model = json!({
        "sku": "MRD-AURORA-WATCH",
        "source": {"locale": "zh-CN", "text": "湯姆不在床上。"},
        "markets": ["IE", "GB"],
        "presets": ["product-description"],
    });
    let answers = results(&order(host, Some(TOKEN), &model)?)?;
    let (ie, gb) = (&answers[0], &answers[1]);
    for r in [ie, gb] {
        ensure!(r["status"] == 200 && r["method"] == "model", "{r}");
        ensure!(
            r["generator"]
                .as_str()
                .is_some_and(|g| g.starts_with("cn2en@")),
            "{r}"
        );
        ensure!(r["ai_generated"] == true, "{r}");
        ensure!(
            r["text"]
                .as_str()
                .is_some_and(|t| t.to_lowercase().contains("bed")),
            "{r}"
        );
    }
    ensure!(
        ie["ai_label"] == "AI-generated" && ie["ai_marker"] == true,
        "{ie}"
    );
    ensure!(
        gb["ai_label"] == Value::Null && gb["ai_marker"] == true,
        "{gb}"
    );
    Ok(())
}
