//! The OpenAPI document through the real host: `GET /v1/openapi.json`
//! serves exactly `functions/pages/openapi.json`, and every operation's
//! `x-meridian-example` gets the status, and a media type, it documents.

use anyhow::{Context, Result, ensure};
use meridian_e2e::{get, repo_root, send, start_stack};
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "head"];

/// Whether a documented media type (`image/*`, `*/*` allowed) names `actual`.
fn media_matches(documented: &str, actual: &str) -> bool {
    documented == "*/*"
        || documented.eq_ignore_ascii_case(actual)
        || documented.strip_suffix("/*").is_some_and(|kind| {
            actual
                .split('/')
                .next()
                .is_some_and(|a| a.eq_ignore_ascii_case(kind))
        })
}

#[test]
fn the_document_is_served_and_its_examples_hold() -> Result<()> {
    // Loopback stands in for the CDN, so the examples' `cf-ipcountry` counts.
    let stack = start_stack(&[])?;
    let host = &stack.host;

    let file = std::fs::read_to_string(repo_root().join("functions/pages/openapi.json"))?;
    let doc: Value = serde_json::from_str(&file).context("openapi.json is JSON")?;
    let served = get(&format!("{}/v1/openapi.json", host.url), &[])?;
    ensure!(served.status == 200, "status {}", served.status);
    let served_doc: Value =
        serde_json::from_slice(&served.body).context("the served document is JSON")?;
    ensure!(served_doc == doc, "the served document is not the file's");

    let paths = doc["paths"].as_object().context("paths")?;
    let mut sent = 0;
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let Some(example) = op.get("x-meridian-example") else {
                continue;
            };
            let what = format!("{} {path}", method.to_uppercase());
            let target = example["path"].as_str().context("example path")?;
            let want = example["status"].as_u64().context("example status")?;
            let headers: Vec<(&str, &str)> = example["headers"]
                .as_object()
                .map(|h| {
                    h.iter()
                        .filter_map(|(n, v)| Some((n.as_str(), v.as_str()?)))
                        .collect()
                })
                .unwrap_or_default();
            let body = example["body"].as_str().map(str::as_bytes);
            let reply = send(
                &method.to_uppercase(),
                &format!("{}{target}", host.url),
                &headers,
                body,
            )?;
            ensure!(
                u64::from(reply.status) == want,
                "{what}: {target} answered {}, the example says {want}: {}",
                reply.status,
                String::from_utf8_lossy(&reply.body)
            );
            let documented = &op["responses"][want.to_string()];
            ensure!(
                documented.is_object(),
                "{what}: status {want} is undocumented"
            );
            let actual = reply
                .header("content-type")
                .and_then(|t| t.split(';').next())
                .map(str::trim)
                .unwrap_or_default();
            let types = documented["content"]
                .as_object()
                .context("documented content")?;
            ensure!(
                types.keys().any(|t| media_matches(t, actual)),
                "{what}: content-type {actual:?} is none of {:?}",
                types.keys().collect::<Vec<_>>()
            );
            if want >= 400 {
                let (status, code, _) = reply.error()?;
                ensure!(u64::from(status) == want, "{what}: {code} says {status}");
            }
            sent += 1;
        }
    }
    ensure!(sent > 10, "only {sent} examples");
    Ok(())
}
