//! Nothing about a shopper outlives its request, with instances reused
//! across requests (issue 14 §3): a host whose every instance draws its
//! reuse count from 1..128 and its concurrency from 1..16 serves every
//! shopper-facing route at once, each request carrying canaries of its own
//! in what the edge reads about a shopper (the client address, the TCF
//! consent header and cookie, the identity cookie, `Accept-Language`, an
//! event id). No request's canary may appear in another request's answer;
//! none but `Accept-Language` (a variant the cache may key an entry by) may
//! appear in any log or anywhere in the stored state.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use meridian_e2e::{
    Reply, TRUST_LOOPBACK, repo_root, send, start_backend, start_demo_origin, start_host_args,
    test_catalog,
};

/// One request and the canaries that are its own.
struct Probe {
    method: &'static str,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    canaries: Vec<String>,
}

fn probe(n: usize) -> Probe {
    // Unique per request and unlike anything the edge writes itself.
    let tag = format!("cnry{n:04}q");
    // Three-digit last octets: no address is a prefix of another.
    let ip = format!("193.0.{}.{}", 14 + n / 150, 100 + n % 150);
    let tc = format!("CP{tag}AAAAAAAAAAAA.YAAAAAAAAAAAA");
    // A variant dimension, not a secret: the cache keeps the value an entry
    // was stored for where the origin varies on it (RFC 9111 §4.1), so it
    // is checked only against other answers, and carries no `cnry`.
    let lang = format!("de-DE-x-lng{n:04}z");
    let identity = format!("mrd_id={tag}idval; mrd_pref={tag}pref");
    let mut headers = vec![
        ("x-forwarded-for".to_owned(), ip.clone()),
        ("x-tcf-consent".to_owned(), tc.clone()),
        ("accept-language".to_owned(), lang.clone()),
        (
            "cookie".to_owned(),
            format!("{identity}; euconsent-v2={tc}"),
        ),
        ("meridian-consent".to_owned(), "personalization".to_owned()),
    ];
    let mut canaries = vec![ip, tc, lang, format!("{tag}idval"), format!("{tag}pref")];
    let (method, path, body) = match n % 7 {
        0 => ("GET", "/v1/market?purpose=personalize".to_owned(), None),
        1 => (
            "GET",
            "/v1/origin/catalog/products/MRD-SOLSTICE-SUN".to_owned(),
            None,
        ),
        2 => (
            "GET",
            "/v1/media/coast-sunset.jpg/thumbnail.webp".to_owned(),
            None,
        ),
        3 => ("GET", "/v1/assignments?page=/".to_owned(), None),
        4 => ("GET", "/v1/recommendations?context=home".to_owned(), None),
        5 => {
            let id = format!("{tag}-event-id");
            canaries.push(id.clone());
            headers.push(("content-type".to_owned(), "application/json".to_owned()));
            let body = serde_json::json!({"schema": "meridian.events/1", "events": [
                {"id": id, "kind": "view", "at": now_ms(), "page": "/p/scarf",
                 "sku": "MRD-SILK-SCARF"}]});
            (
                "POST",
                "/v1/events".to_owned(),
                Some(body.to_string().into_bytes()),
            )
        }
        _ => ("GET", "/".to_owned(), None),
    };
    Probe {
        method,
        path,
        headers,
        body,
        canaries,
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

fn text(reply: &Reply) -> String {
    let mut all = String::new();
    for (name, value) in &reply.headers {
        all.push_str(name);
        all.push_str(": ");
        all.push_str(value);
        all.push('\n');
    }
    all.push_str(&String::from_utf8_lossy(&reply.body));
    all
}

/// Every file under `dir`, as bytes, but compiled components.
fn files(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| dir.display().to_string())? {
        let path = entry?.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "compiled") {
                continue;
            }
            files(&path, out)?;
        } else {
            out.push((path.display().to_string(), std::fs::read(&path)?));
        }
    }
    Ok(())
}

#[test]
fn no_request_sees_another_requests_data() -> Result<()> {
    let catalog = test_catalog()?;
    let backend = start_backend(catalog.path())?;
    let origin = start_demo_origin(&["--max-age", "3600"])?;
    let state = tempfile::tempdir()?;
    let logs = tempfile::tempdir()?;
    let log_dir = logs.path().to_str().context("log dir")?.to_owned();
    let host = start_host_args(
        &repo_root().join("spin.toml"),
        state.path(),
        &backend.url,
        &[
            TRUST_LOOPBACK,
            ("SPIN_VARIABLE_ORIGIN_CATALOG_URL", &origin.url),
        ],
        &[
            "--max-instance-reuse-count",
            "1..128",
            "--max-instance-concurrent-reuse-count",
            "1..16",
            "--log-dir",
            &log_dir,
        ],
    )?;

    // A positive control: the scan finds a canary where one is written.
    let control = send(
        "GET",
        &format!("{}/v1/market", host.url),
        &[("x-forwarded-for", "193.0.14.129")],
        None,
    )?;
    anyhow::ensure!(control.status == 200, "market: {}", control.status);

    let probes: Vec<Probe> = (0..210).map(probe).collect();
    let replies: Arc<Mutex<Vec<Option<Reply>>>> =
        Arc::new(Mutex::new((0..probes.len()).map(|_| None).collect()));
    let probes = Arc::new(probes);
    std::thread::scope(|scope| -> Result<()> {
        let workers: Vec<_> = (0..12)
            .map(|w| {
                let (probes, replies, base) = (probes.clone(), replies.clone(), host.url.clone());
                scope.spawn(move || -> Result<()> {
                    for i in (w..probes.len()).step_by(12) {
                        let p = &probes[i];
                        let headers: Vec<(&str, &str)> = p
                            .headers
                            .iter()
                            .map(|(n, v)| (n.as_str(), v.as_str()))
                            .collect();
                        let reply = send(
                            p.method,
                            &format!("{base}{}", p.path),
                            &headers,
                            p.body.as_deref(),
                        )?;
                        replies.lock().map_err(|_| anyhow::anyhow!("poisoned"))?[i] = Some(reply);
                    }
                    Ok(())
                })
            })
            .collect();
        for worker in workers {
            worker
                .join()
                .map_err(|_| anyhow::anyhow!("a client thread panicked"))??;
        }
        Ok(())
    })?;
    let replies = Arc::try_unwrap(replies)
        .map_err(|_| anyhow::anyhow!("replies still shared"))?
        .into_inner()
        .map_err(|_| anyhow::anyhow!("poisoned"))?;

    for (i, reply) in replies.iter().enumerate() {
        let reply = reply.as_ref().context("a request got no reply")?;
        // Every route serves (a refusal would leave its code unexercised).
        anyhow::ensure!(
            (200..300).contains(&reply.status),
            "{} {}: {} {}",
            probes[i].method,
            probes[i].path,
            reply.status,
            String::from_utf8_lossy(&reply.body)
        );
        let seen = text(reply);
        for (j, other) in probes.iter().enumerate() {
            if j == i {
                continue;
            }
            for canary in &other.canaries {
                anyhow::ensure!(
                    !seen.contains(canary.as_str()),
                    "the answer to request {i} ({}) holds request {j}'s {canary:?}:\n{seen}",
                    probes[i].path
                );
            }
        }
    }
    drop(host);
    let mut stored = Vec::new();
    files(state.path(), &mut stored)?;
    files(logs.path(), &mut stored)?;
    anyhow::ensure!(
        stored.iter().any(|(_, bytes)| bytes
            .windows(b"meridian-audit".len())
            .any(|w| w == b"meridian-audit")),
        "the logs were not found (positive control): {:?}",
        stored.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    // Every secret canary but the address holds the tag `cnry`, which
    // nothing else writes; addresses are looked up one by one.
    let addresses: BTreeSet<&str> = probes
        .iter()
        .flat_map(|p| p.canaries.iter().filter(|c| c.starts_with("193.0.")))
        .map(String::as_str)
        .collect();
    for (file, bytes) in &stored {
        if let Some(at) = bytes.windows(4).position(|w| w == b"cnry") {
            let around =
                String::from_utf8_lossy(&bytes[at.saturating_sub(40)..(at + 40).min(bytes.len())]);
            anyhow::bail!("a shopper's canary is stored in {file}: ...{around}...");
        }
        let text = String::from_utf8_lossy(bytes);
        for address in &addresses {
            anyhow::ensure!(
                !text.contains(address),
                "a shopper's address {address} is stored in {file}"
            );
        }
    }
    Ok(())
}
