//! `GET /v1/openapi.json`: the OpenAPI 3.1 document of every route, written
//! by hand in `functions/pages/openapi.json` and embedded at build time so
//! the document served is the one this build was tested against.

use crate::http::response::Response;

/// The route the pages component answers with [`OPENAPI`].
pub const ROUTE: &str = "/v1/openapi.json";

/// The document's media type (the OpenAPI Initiative's own).
pub const MEDIA_TYPE: &str = "application/openapi+json";

/// The document, as written.
pub const OPENAPI: &str = include_str!("../../../pages/openapi.json");

/// The answer to `GET` (or, with `head`, `HEAD`) of [`ROUTE`]; the same
/// for everyone, so shared caches may keep it.
pub fn response(head: bool) -> Response {
    Response::new(200)
        .header("content-type", MEDIA_TYPE)
        .header("cache-control", "public, max-age=300")
        .body(if head {
            Vec::new()
        } else {
            OPENAPI.as_bytes().to_vec()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];

    fn doc() -> Value {
        serde_json::from_str(OPENAPI).expect("openapi.json is JSON")
    }

    /// The `[[trigger.http]]` routes of the repository's manifest.
    fn trigger_routes() -> Vec<String> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spin.toml");
        let text = std::fs::read_to_string(path).expect("spin.toml readable");
        let manifest: toml::Value = toml::from_str(&text).expect("spin.toml is TOML");
        manifest["trigger"]["http"]
            .as_array()
            .expect("[[trigger.http]] list")
            .iter()
            .map(|t| t["route"].as_str().expect("route").to_owned())
            .collect()
    }

    /// Whether a trigger route (`/x/...` a prefix, else exact) serves `path`.
    fn serves(route: &str, path: &str) -> bool {
        match route.strip_suffix("/...") {
            Some(prefix) => path == prefix || path.starts_with(&format!("{prefix}/")),
            None => route == path,
        }
    }

    fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
        let paths = doc["paths"].as_object().expect("paths");
        paths
            .iter()
            .flat_map(|(path, item)| {
                METHODS
                    .iter()
                    .filter_map(move |m| item.get(*m).map(|op| (path.clone(), (*m).to_owned(), op)))
            })
            .collect()
    }

    fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
        doc.pointer(reference.strip_prefix('#')?)
    }

    fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    found.push(r);
                }
                map.values().for_each(|v| refs(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }

    #[test]
    fn is_openapi_3_1() {
        let doc = doc();
        let version = doc["openapi"].as_str().expect("openapi version");
        assert!(version.starts_with("3.1"), "{version}");
    }

    #[test]
    fn every_trigger_route_is_documented_and_every_path_is_routed() {
        let doc = doc();
        let paths: Vec<&String> = doc["paths"].as_object().expect("paths").keys().collect();
        let routes = trigger_routes();
        assert!(!routes.is_empty());
        for route in &routes {
            assert!(
                paths.iter().any(|p| serves(route, p)),
                "trigger route {route} has no documented path"
            );
        }
        for path in &paths {
            assert!(
                routes.iter().any(|r| serves(r, path)),
                "documented path {path} is no trigger route's"
            );
        }
        assert!(
            paths.iter().any(|p| *p == ROUTE),
            "{ROUTE} documents itself"
        );
    }

    #[test]
    fn every_operation_has_an_id_and_a_problem_refusal() {
        let doc = doc();
        let problem = "#/components/schemas/Problem";
        let mut ids = Vec::new();
        for (path, method, op) in operations(&doc) {
            let id = op["operationId"].as_str();
            assert!(id.is_some(), "{method} {path}: no operationId");
            ids.push(id);
            let responses = op["responses"].as_object().expect("responses");
            let refuses = responses.iter().any(|(status, r)| {
                status.starts_with('4')
                    && r["content"]["application/problem+json"]["schema"]["$ref"] == problem
            });
            assert!(refuses, "{method} {path}: no 4xx with the Problem schema");
            if let Some(example) = op.get("x-meridian-example") {
                let status = example["status"].as_u64().expect("example status");
                assert!(
                    responses.contains_key(&status.to_string()),
                    "{method} {path}: example status {status} undocumented"
                );
                let sent = example["path"].as_str().expect("example path");
                let sent = sent.split('?').next().unwrap_or_default();
                assert!(
                    trigger_routes().iter().any(|r| serves(r, sent)),
                    "{method} {path}: example path {sent} is routed nowhere"
                );
            }
        }
        let count = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), count, "operationIds are unique");
        let required = doc
            .pointer("/components/schemas/Problem/required")
            .expect("Problem.required");
        for field in ["type", "title", "status", "code", "detail", "message"] {
            assert!(
                required
                    .as_array()
                    .expect("list")
                    .iter()
                    .any(|f| f == field),
                "Problem requires {field}"
            );
        }
    }

    #[test]
    fn every_ref_resolves() {
        let doc = doc();
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(!found.is_empty());
        for r in found {
            assert!(resolve(&doc, r).is_some(), "{r} does not resolve");
        }
    }

    #[test]
    fn the_response_is_the_document_and_cacheable() {
        let r = response(false);
        assert_eq!(r.status, 200);
        assert_eq!(r.get("content-type"), Some(MEDIA_TYPE));
        assert_eq!(r.get("cache-control"), Some("public, max-age=300"));
        assert_eq!(r.body, OPENAPI.as_bytes());
        assert!(response(true).body.is_empty());
    }
}
