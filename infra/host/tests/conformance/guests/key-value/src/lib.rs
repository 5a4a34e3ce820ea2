//! Reads the key named by the query from the store named by the path
//! (`/<label>?key`), as `--key-value` and the runtime config set them up; `PUT`
//! stores the body under it.

use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;
use spin_sdk::key_value::Store;

fn text(status: u16, body: String) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .body(body)
        .build()
}

#[http_component]
fn handle(req: Request) -> Response {
    let label = req.path().trim_start_matches('/').to_owned();
    let store = match Store::open(&label) {
        Ok(s) => s,
        Err(e) => return text(403, format!("open {label}: {e:?}\n")),
    };
    let key = req.query();
    if req.method() == &spin_sdk::http::Method::Put {
        return match store.set(key, req.body()) {
            Ok(()) => text(200, "stored\n".to_owned()),
            Err(e) => text(500, format!("{key}: {e:?}\n")),
        };
    }
    if key.is_empty() {
        let mut keys = store.get_keys().unwrap_or_default();
        keys.sort();
        return text(200, keys.join("\n") + "\n");
    }
    match store.get(key) {
        Ok(Some(v)) => text(200, String::from_utf8_lossy(&v).into_owned() + "\n"),
        Ok(None) => text(404, format!("{key}: missing\n")),
        Err(e) => text(500, format!("{key}: {e:?}\n")),
    }
}
