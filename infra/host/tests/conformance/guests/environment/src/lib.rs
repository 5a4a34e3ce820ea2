//! Echoes the component's environment, sorted, as `NAME=value` lines.

use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(_req: Request) -> Response {
    let mut vars: Vec<String> = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
    vars.sort();
    Response::builder()
        .status(200)
        .header("content-type", "text/plain")
        .body(vars.join("\n") + "\n")
        .build()
}
