//! A WASIp3 (`wasi:http/handler@0.3`) test component for meridian-host's
//! instance reuse. It keeps an instance id and a request count in statics on
//! purpose, so tests can see which instance served each request; a real
//! component never keeps anything about a request there.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use spin_sdk::http::{Request, StatusCode};
use spin_sdk::http_service;

static INSTANCE: OnceLock<u64> = OnceLock::new();
static SERVED: AtomicU64 = AtomicU64::new(0);
static IN_FLIGHT: AtomicU64 = AtomicU64::new(0);

fn instance() -> u64 {
    *INSTANCE.get_or_init(spin_sdk::wasip3::random::random::get_random_u64)
}

fn query<'a>(req: &'a Request, name: &str) -> &'a str {
    req.uri()
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map_or("", |(_, v)| v)
}

fn query_u64(req: &Request, name: &str) -> u64 {
    query(req, name).parse().unwrap_or(0)
}

/// spin:key-value@3.0.0: `op` on store `label` (`get`, `set`, `delete`,
/// `exists`, `keys`).
async fn key_value(label: &str, op: &str, key: &str, value: &str) -> Result<String, String> {
    use spin_sdk::key_value::Store;
    let store = Store::open(label).await.map_err(|e| format!("open: {e:?}"))?;
    let e = |e| format!("{op}: {e:?}");
    Ok(match op {
        "set" => {
            store.set(key, value.as_bytes()).await.map_err(e)?;
            "ok".to_owned()
        }
        "get" => match store.get(key).await.map_err(e)? {
            Some(v) => String::from_utf8_lossy(&v).into_owned(),
            None => "none".to_owned(),
        },
        "delete" => {
            store.delete(key).await.map_err(e)?;
            "ok".to_owned()
        }
        "exists" => store.exists(key).await.map_err(e)?.to_string(),
        "keys" => {
            let mut keys = store.get_keys().await.collect().await.map_err(e)?;
            keys.sort();
            keys.join(",")
        }
        _ => return Err(format!("no operation {op}")),
    })
}

#[http_service]
async fn handle(req: Request) -> (StatusCode, String) {
    let served = SERVED.fetch_add(1, Ordering::SeqCst) + 1;
    let path = req.uri().path().to_owned();
    match path.as_str() {
        "/p3/hello" => (StatusCode::OK, "hello from wasi:http@0.3".to_owned()),
        "/p3/kv" => {
            let args = ["label", "op", "key", "value"].map(|n| query(&req, n));
            match key_value(args[0], args[1], args[2], args[3]).await {
                Ok(v) => (StatusCode::OK, v),
                Err(e) => (StatusCode::BAD_REQUEST, e),
            }
        }
        // spin:variables@3.0.0.
        "/p3/variable" => {
            match spin_sdk::variables::get(query(&req, "name")).await {
                Ok(v) => (StatusCode::OK, v),
                Err(e) => (StatusCode::NOT_FOUND, format!("{e:?}")),
            }
        }
        // Which instance, how many requests it has served, and how many it
        // held at once while this one waited `ms`.
        "/p3/instance" => {
            let now = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
            let ms = query_u64(&req, "ms");
            if ms > 0 {
                spin_sdk::time::sleep(Duration::from_millis(ms)).await;
            }
            IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
            (
                StatusCode::OK,
                format!(
                    "{{\"instance\":\"{:016x}\",\"served\":{served},\"concurrent\":{now}}}",
                    instance()
                ),
            )
        }
        "/p3/trap" => {
            let ms = query_u64(&req, "ms");
            if ms > 0 {
                spin_sdk::time::sleep(Duration::from_millis(ms)).await;
            }
            panic!("trap requested")
        }
        // Never yields: only the host's deadline stops it.
        "/p3/spin" => loop {
            std::hint::black_box(served);
        },
        "/p3/grow" => {
            let mib = query_u64(&req, "mib") as usize;
            let v = vec![1u8; mib << 20];
            (StatusCode::OK, format!("{}", v.iter().map(|&b| b as u64).sum::<u64>()))
        }
        _ => (StatusCode::NOT_FOUND, format!("no route {path}")),
    }
}
