//! Echoes the request exactly as the component sees it: method, scheme,
//! authority, path with query, and every `spin-*` header, one per line.

use spin_sdk::http::{IncomingRequest, Response, Scheme};
use spin_sdk::http_component;

#[http_component]
fn handle(req: IncomingRequest) -> Response {
    let scheme = match req.scheme() {
        Some(Scheme::Http) => "http".to_owned(),
        Some(Scheme::Https) => "https".to_owned(),
        Some(Scheme::Other(s)) => s,
        None => "<none>".to_owned(),
    };
    let mut lines = vec![
        format!("method: {}", req.method()),
        format!("scheme: {scheme}"),
        format!("authority: {}", req.authority().unwrap_or_default()),
        format!(
            "path-with-query: {}",
            req.path_with_query().unwrap_or_default()
        ),
    ];
    let mut spin: Vec<String> = req
        .headers()
        .entries()
        .into_iter()
        .filter(|(name, _)| name.to_ascii_lowercase().starts_with("spin-"))
        .map(|(name, value)| format!("{name}: {}", String::from_utf8_lossy(&value)))
        .collect();
    spin.sort();
    lines.extend(spin);
    let connection = req
        .headers()
        .get("connection")
        .into_iter()
        .map(|v| String::from_utf8_lossy(&v).into_owned())
        .collect::<Vec<_>>()
        .join(",");
    lines.push(format!("connection: {connection}"));
    Response::builder()
        .status(200)
        .header("content-type", "text/plain")
        .body(lines.join("\n") + "\n")
        .build()
}
