//! Test guest for meridian-host's integration tests.

use spin_sdk::http::{IntoResponse, OutgoingResponse, Request, Response, ResponseOutparam};
use spin_sdk::http_component;

fn query<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.query()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn text(status: u16, body: impl Into<String>) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .body(body.into())
        .build()
}

/// The `ResponseOutparam` form, so that a route can keep working after its
/// response has gone out (as the edge cache revalidates).
#[http_component]
async fn handle(req: Request, out: ResponseOutparam) {
    let after = (req.path() == "/after").then(|| query(&req, "url").map(str::to_owned));
    let resp = match after {
        Some(_) => text(200, "answered"),
        None => route(req).await.into_response(),
    };
    respond(out, resp).await;
    // `/after?url=`: fetch after responding; a hung origin keeps this instance
    // waiting until the host's post-response deadline stops it.
    if let Some(Some(url)) = after {
        let out = spin_sdk::http::Request::get(url).build();
        let _: Result<Response, _> = spin_sdk::http::send(out).await;
    }
}

async fn respond(out: ResponseOutparam, mut resp: Response) {
    let body = std::mem::take(resp.body_mut());
    match OutgoingResponse::try_from(resp) {
        Ok(resp) => {
            if let Err(e) = out.set_with_body(resp, body).await {
                eprintln!("could not send the response: {e}");
            }
        }
        Err(e) => eprintln!("could not convert the response: {e}"),
    }
}

async fn route(req: Request) -> anyhow::Result<impl IntoResponse> {
    let path = req.path().to_owned();
    let resp = if path.starts_with("/echo") || path.starts_with("/users/") || path == "/exact" {
        let mut lines: Vec<String> = req
            .headers()
            .filter(|(name, _)| name.starts_with("spin-"))
            .map(|(name, value)| format!("{name}: {}", value.as_str().unwrap_or("<binary>")))
            .collect();
        lines.sort();
        lines.push(format!("body-length: {}", req.body().len()));
        text(200, lines.join("\n"))
    } else if path == "/kv/set" {
        let store = spin_sdk::key_value::Store::open_default()?;
        let key = query(&req, "key").unwrap_or("k");
        let value = query(&req, "value").unwrap_or("");
        store.set(key, value.as_bytes())?;
        text(200, "ok")
    } else if path == "/kv/get" {
        let store = spin_sdk::key_value::Store::open_default()?;
        let key = query(&req, "key").unwrap_or("k");
        match store.get(key)? {
            Some(v) => text(200, String::from_utf8_lossy(&v).into_owned()),
            None => text(404, "missing"),
        }
    } else if path == "/kv/other" {
        match spin_sdk::key_value::Store::open("other") {
            Ok(_) => text(200, "opened"),
            Err(e) => text(403, format!("refused: {e:?}")),
        }
    } else if path == "/vars" {
        let name = query(&req, "name").unwrap_or("greeting");
        match spin_sdk::variables::get(name) {
            Ok(v) => text(200, v),
            Err(e) => text(404, format!("error: {e:?}")),
        }
    } else if path == "/outbound" {
        let url = query(&req, "url").unwrap_or("http://127.0.0.1:1/");
        let out = spin_sdk::http::Request::get(url).build();
        let result: Result<Response, _> = spin_sdk::http::send(out).await;
        match result {
            Ok(resp) => text(
                200,
                format!(
                    "status {} body {}",
                    resp.status(),
                    String::from_utf8_lossy(resp.body())
                ),
            ),
            Err(e) => text(502, format!("send failed: {e:?}")),
        }
    } else if path == "/served" {
        // Requests this instance has served: always 1, as Spin never reuses
        // a WASIp2 instance (a test-only static; tests/reuse.rs reads it).
        static SERVED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = SERVED.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        text(200, format!("{n}"))
    } else if path == "/trap" {
        panic!("the guest panicked on purpose");
    } else if path == "/loop" {
        let mut n: u64 = 0;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    } else if path == "/alloc" {
        let mb: usize = query(&req, "mb").and_then(|v| v.parse().ok()).unwrap_or(512);
        let v = vec![1u8; mb << 20];
        text(200, format!("allocated {}", std::hint::black_box(v).len()))
    } else {
        text(200, format!("fallback {path}"))
    };
    Ok(resp)
}
