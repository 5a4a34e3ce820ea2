//! Fault injection with real processes: an origin that dies mid-response
//! or freezes, a backend killed mid-render, the edge host killed with
//! SIGKILL mid-write and restarted on the same state, and a store at its
//! size limit. Every case ends the same way: nothing that was
//! acknowledged is lost, no torn entry is ever served, and every other
//! route keeps answering.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use meridian_e2e::{
    Reply, Service, free_addr, get, repo_root, start_backend_at, start_host_args, test_catalog,
};

/// Catalog images every market may see (no territorial licence, no age
/// gate), so the gate never stands between a test and the cache.
const ASSETS: [&str; 3] = ["coast-sunset.jpg", "umang.jpg", "picos-de-europa.png"];
const PRESETS: [&str; 6] = [
    "square-1080.jpg",
    "product.webp",
    "thumbnail.jpg",
    "story.jpg",
    "social-4x5.jpg",
    "video-cover.jpg",
];

fn cache_status(r: &Reply) -> &str {
    r.header("cache-status").unwrap_or_default()
}

/// The gate-only route answers: the host and its slots are alive.
fn assert_market_answers(host: &Service) -> Result<()> {
    let r = get(
        &format!("{}/v1/market", host.url),
        &[("cf-ipcountry", "DE")],
    )?;
    assert_eq!(
        r.status,
        200,
        "/v1/market: {}",
        String::from_utf8_lossy(&r.body)
    );
    Ok(())
}

/// A served image is whole: its length matches, and it decodes to the end.
fn assert_whole_image(r: &Reply, what: &str) -> Result<()> {
    if let Some(len) = r.header("content-length") {
        assert_eq!(len.parse::<usize>()?, r.body.len(), "{what}: length");
    }
    image::load_from_memory(&r.body).with_context(|| {
        format!(
            "{what}: a served body does not decode ({} bytes)",
            r.body.len()
        )
    })?;
    Ok(())
}

// --- the origin dies mid-response ---------------------------------------

/// A merchant origin on a raw socket. Mode 0: a whole 200 KB JSON-ish
/// body; mode 1: the headers and half the body, then the connection is
/// dropped, as a process killed mid-response drops it.
struct CuttingOrigin {
    url: String,
    mode: Arc<AtomicU8>,
    served: Arc<AtomicUsize>,
}

const ORIGIN_BODY_LEN: usize = 200_000;

fn origin_body() -> Vec<u8> {
    let mut body = b"{\"pad\":\"".to_vec();
    body.extend(std::iter::repeat_n(b'x', ORIGIN_BODY_LEN - 10));
    body.extend_from_slice(b"\"}");
    body
}

fn cutting_origin() -> Result<CuttingOrigin> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    let mode = Arc::new(AtomicU8::new(0));
    let served = Arc::new(AtomicUsize::new(0));
    let (m, n) = (mode.clone(), served.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let (m, n) = (m.clone(), n.clone());
            std::thread::spawn(move || {
                let _ = serve_one(stream, &m, &n);
            });
        }
    });
    Ok(CuttingOrigin { url, mode, served })
}

fn serve_one(mut stream: TcpStream, mode: &AtomicU8, served: &AtomicUsize) -> Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        // Read the request's headers; the edge sends no body on GET.
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h)? == 0 || h == "\r\n" {
                break;
            }
        }
        served.fetch_add(1, Ordering::SeqCst);
        let body = origin_body();
        write!(
            stream,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncache-control: max-age=600\r\ncontent-length: {}\r\n\r\n",
            body.len()
        )?;
        if mode.load(Ordering::SeqCst) == 1 {
            stream.write_all(&body[..body.len() / 2])?;
            stream.flush()?;
            // Dropped mid-body: no FIN after a complete message.
            let _ = stream.shutdown(std::net::Shutdown::Both);
            return Ok(());
        }
        stream.write_all(&body)?;
    }
}

fn host_for_origin(
    origin_url: &str,
    state: &std::path::Path,
    extra: &[(&str, &str)],
) -> Result<Service> {
    let mut env = vec![
        ("SPIN_VARIABLE_ORIGIN_CATALOG_URL", origin_url),
        (
            "SPIN_VARIABLE_MARKET_CONFIG",
            "trusted_proxies = [\"127.0.0.1/32\"]",
        ),
    ];
    env.extend_from_slice(extra);
    start_host_args(
        &repo_root().join("spin.toml"),
        state,
        "http://127.0.0.1:9",
        &env,
        &[],
    )
}

#[test]
fn an_origin_dying_mid_response_stores_nothing_torn() -> Result<()> {
    let origin = cutting_origin()?;
    let state = tempfile::tempdir()?;
    let host = host_for_origin(&origin.url, state.path(), &[])?;
    let url = format!("{}/v1/origin/catalog/products", host.url);

    origin.mode.store(1, Ordering::SeqCst);
    for _ in 0..3 {
        match get(&url, &[("cf-ipcountry", "DE")]) {
            // A refusal is fine; a 200 must never carry part of the body.
            Ok(r) if r.status == 200 => assert_eq!(
                r.body.len(),
                ORIGIN_BODY_LEN,
                "a cut origin body was served as whole"
            ),
            Ok(r) => {
                let (status, code, _) = r.error()?;
                assert!(status >= 500, "{status} {code}");
            }
            // The edge may have started streaming before the cut.
            Err(_) => {}
        }
        assert_market_answers(&host)?;
    }

    // The origin recovers: the next answer is a fresh fetch of the whole
    // body (nothing half-stored to hit), and then a hit of the same.
    origin.mode.store(0, Ordering::SeqCst);
    let before = origin.served.load(Ordering::SeqCst);
    let whole = get(&url, &[("cf-ipcountry", "DE")])?;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.body, origin_body());
    assert!(
        !cache_status(&whole).contains("; hit"),
        "{}",
        cache_status(&whole)
    );
    assert_eq!(origin.served.load(Ordering::SeqCst), before + 1);
    let hit = get(&url, &[("cf-ipcountry", "DE")])?;
    assert!(
        cache_status(&hit).contains("; hit"),
        "{}",
        cache_status(&hit)
    );
    assert_eq!(hit.body, whole.body);
    Ok(())
}

// --- the backend is killed mid-render -----------------------------------

#[test]
fn a_backend_killed_mid_render_leaves_only_whole_renditions() -> Result<()> {
    let catalog = test_catalog()?;
    let addr = free_addr()?;
    let backend = start_backend_at(catalog.path(), &addr, &[])?;
    let state = tempfile::tempdir()?;
    // A short cooldown: the region's circuit opens in the storm and may
    // take its half-open probe soon after the restart.
    let host = start_host_args(
        &repo_root().join("spin.toml"),
        state.path(),
        &backend.url,
        &[(
            "SPIN_VARIABLE_BACKEND_ROUTING",
            "[breaker]\ncooldown_s = 1\n",
        )],
        &[],
    )?;
    let urls: Vec<String> = ASSETS
        .iter()
        .flat_map(|a| PRESETS.iter().map(move |p| format!("/v1/media/{a}/{p}")))
        .collect();

    // Renders in flight when the backend dies.
    let base = host.url.clone();
    let storm: Vec<_> = urls
        .iter()
        .cloned()
        .map(|u| {
            let base = base.clone();
            std::thread::spawn(move || get(&format!("{base}{u}"), &[]).map(|r| (u, r)))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    backend.kill_hard()?;
    for t in storm {
        let Ok(Ok((u, r))) = t.join() else { continue };
        match r.status {
            200 => assert_whole_image(&r, &u)?,
            _ => {
                // The only region is gone: 503, come back later.
                let (status, code, _) = r.error()?;
                assert_eq!((status, code.as_str()), (503, "backend-unavailable"), "{u}");
                assert!(r.header("retry-after").is_some(), "{u}");
            }
        }
    }
    assert_market_answers(&host)?;

    // Back on the same address, past the cooldown: every rendition is
    // whole, fetched or hit.
    let _backend = start_backend_at(catalog.path(), &addr, &[])?;
    std::thread::sleep(Duration::from_millis(1_100));
    for u in &urls {
        let first = get(&format!("{}{u}", host.url), &[])?;
        assert_eq!(
            first.status,
            200,
            "{u}: {}",
            String::from_utf8_lossy(&first.body)
        );
        assert_whole_image(&first, u)?;
        let again = get(&format!("{}{u}", host.url), &[])?;
        assert!(
            cache_status(&again).contains("; hit"),
            "{u}: {}",
            cache_status(&again)
        );
        assert_eq!(
            again.body, first.body,
            "{u}: the hit is the stored rendition"
        );
    }
    Ok(())
}

// --- the host is killed mid-write ---------------------------------------

#[test]
fn a_host_killed_mid_write_serves_no_torn_entry_after_restart() -> Result<()> {
    let catalog = test_catalog()?;
    let backend = start_backend_at(catalog.path(), "127.0.0.1:0", &[])?;
    let state = tempfile::tempdir()?;
    // Small chunks, so every rendition is many writes.
    let cache_config = "chunk_bytes = 16384";
    let start = || {
        start_host_args(
            &repo_root().join("spin.toml"),
            state.path(),
            &backend.url,
            &[("SPIN_VARIABLE_CACHE_CONFIG", cache_config)],
            &[],
        )
    };
    let urls: Vec<String> = ASSETS
        .iter()
        .flat_map(|a| PRESETS.iter().map(move |p| format!("/v1/media/{a}/{p}")))
        .collect();

    for round in 0..3u64 {
        let host = start()?;
        let base = host.url.clone();
        let (done_tx, done) = std::sync::mpsc::channel();
        let storm: Vec<_> = urls
            .iter()
            .cloned()
            .map(|u| {
                let (base, done_tx) = (base.clone(), done_tx.clone());
                std::thread::spawn(move || {
                    let _ = get(&format!("{base}{u}"), &[]);
                    let _ = done_tx.send(());
                })
            })
            .collect();
        // Once the first rendition has landed, the rest are being rendered
        // or written: kill the host among them.
        done.recv_timeout(Duration::from_secs(120))
            .context("no rendition was answered")?;
        std::thread::sleep(Duration::from_millis(50 + round * 150));
        host.kill_hard()?;
        for t in storm {
            let _ = t.join();
        }
    }

    let host = start()?;
    let mut hits = 0;
    for u in &urls {
        let r = get(&format!("{}{u}", host.url), &[])?;
        assert_eq!(r.status, 200, "{u}: {}", String::from_utf8_lossy(&r.body));
        assert_whole_image(&r, u)?;
        if cache_status(&r).contains("; hit") {
            hits += 1;
        }
    }
    assert_market_answers(&host)?;
    // The test only means something if entries survived the kills.
    if hits == 0 {
        bail!("no entry survived three SIGKILLs: the test did not reach a stored entry");
    }
    Ok(())
}

// --- the origin freezes (SIGSTOP) under load -----------------------------

#[test]
fn a_frozen_origin_leaves_stale_entries_served_and_slots_recovering() -> Result<()> {
    // Fresh for a second, then stale-while-revalidate for 30 s.
    let origin = meridian_e2e::start_demo_origin(&["--max-age", "1"])?;
    let state = tempfile::tempdir()?;
    let host = start_host_args(
        &repo_root().join("spin.toml"),
        state.path(),
        "http://127.0.0.1:9",
        &[
            ("SPIN_VARIABLE_ORIGIN_CATALOG_URL", origin.url.as_str()),
            (
                "SPIN_VARIABLE_MARKET_CONFIG",
                "trusted_proxies = [\"127.0.0.1/32\"]",
            ),
        ],
        &[
            "--outbound-first-byte-timeout",
            "2",
            "--post-response-timeout",
            "3",
            "--max-instances",
            "8",
        ],
    )?;
    let product = format!("{}/v1/origin/catalog/products/MRD-SOLSTICE-SUN", host.url);
    let primed = get(&product, &[("cf-ipcountry", "DE")])?;
    assert_eq!(
        primed.status,
        200,
        "{}",
        String::from_utf8_lossy(&primed.body)
    );
    std::thread::sleep(Duration::from_millis(1500));

    origin.signal("STOP")?;
    // More concurrent stale hits than the host has slots: each may start a
    // revalidation that hangs on the frozen origin.
    let base = host.url.clone();
    let load: Vec<_> = (0..4)
        .map(|_| {
            let (product, base) = (product.clone(), base.clone());
            std::thread::spawn(move || -> Result<Vec<(bool, Reply)>> {
                let mut replies = Vec::new();
                for _ in 0..8 {
                    replies.push((true, get(&product, &[("cf-ipcountry", "DE")])?));
                    replies.push((
                        false,
                        get(&format!("{base}/v1/market"), &[("cf-ipcountry", "FR")])?,
                    ));
                }
                Ok(replies)
            })
        })
        .collect();
    for t in load {
        let replies = t
            .join()
            .map_err(|_| anyhow::anyhow!("a load thread panicked"))??;
        for (is_product, r) in replies {
            assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
            if is_product {
                assert_eq!(r.body, primed.body, "the stale entry, whole");
            }
        }
    }
    // Nothing stored for this one: the fetch fails once the first-byte
    // timeout passes, instead of holding a slot for minutes.
    let cold = get(
        &format!("{}/v1/origin/catalog/products/MRD-AURORA-WATCH", host.url),
        &[("cf-ipcountry", "DE")],
    )?;
    assert!(cold.status >= 500, "{}", cold.status);
    let (_, code, _) = cold.error()?;
    assert!(!code.is_empty());
    assert_market_answers(&host)?;

    origin.signal("CONT")?;
    // Past the post-response deadline every slot is free again.
    std::thread::sleep(Duration::from_secs(4));
    let warm = get(
        &format!("{}/v1/origin/catalog/products/MRD-AURORA-WATCH", host.url),
        &[("cf-ipcountry", "DE")],
    )?;
    assert_eq!(warm.status, 200, "{}", String::from_utf8_lossy(&warm.body));
    let parallel: Vec<_> = (0..8)
        .map(|_| {
            let url = format!("{}/v1/market", host.url);
            std::thread::spawn(move || get(&url, &[("cf-ipcountry", "JP")]).map(|r| r.status))
        })
        .collect();
    for t in parallel {
        let status = t
            .join()
            .map_err(|_| anyhow::anyhow!("a request thread panicked"))??;
        assert_eq!(status, 200, "all 8 slots are usable again");
    }
    Ok(())
}

// --- the store is full ---------------------------------------------------

#[test]
fn a_full_store_evicts_within_its_budget_and_keeps_what_was_acknowledged() -> Result<()> {
    const BUDGET: u64 = 512 << 10;
    const TOKEN: &str = "e2e-fault-admin-token";
    let catalog = test_catalog()?;
    let backend = start_backend_at(catalog.path(), "127.0.0.1:0", &[])?;
    let state = tempfile::tempdir()?;
    let start = || {
        start_host_args(
            &repo_root().join("spin.toml"),
            state.path(),
            &backend.url,
            &[
                ("SPIN_VARIABLE_POLICY_ADMIN_TOKEN", TOKEN),
                ("SPIN_VARIABLE_CACHE_CONFIG", "chunk_bytes = 65536"),
                (
                    "SPIN_VARIABLE_MARKET_CONFIG",
                    "trusted_proxies = [\"127.0.0.1/32\"]",
                ),
            ],
            &["--kv-budget", "cache=512KiB"],
        )
    };
    let host = start()?;

    // Acknowledged before the store fills: a published pack.
    let market = get(
        &format!("{}/v1/market", host.url),
        &[("cf-ipcountry", "JP")],
    )?;
    let version = market
        .header("meridian-policy-version")
        .context("policy version")?
        .to_owned();
    let shipped =
        std::fs::read_to_string(repo_root().join("functions/edge/policy/markets/JP.toml"))?;
    let published = meridian_e2e::send(
        "PUT",
        &format!("{}/v1/admin/policy/markets/JP.toml", host.url),
        &[
            ("authorization", &format!("Bearer {TOKEN}")),
            ("if-match", &format!("\"{version}\"")),
        ],
        Some(format!("{shipped}\n# republished by the fault suite\n").as_bytes()),
    )?;
    assert_eq!(
        published.status,
        200,
        "{}",
        String::from_utf8_lossy(&published.body)
    );
    let after_publish = get(
        &format!("{}/v1/market", host.url),
        &[("cf-ipcountry", "JP")],
    )?
    .header("meridian-policy-version")
    .context("policy version")?
    .to_owned();
    assert_ne!(after_publish, version);

    // Far more renditions than the budget holds.
    let mut total = 0;
    for a in ASSETS {
        for p in PRESETS {
            let u = format!("/v1/media/{a}/{p}");
            let r = get(&format!("{}{u}", host.url), &[("cf-ipcountry", "DE")])?;
            assert_eq!(r.status, 200, "{u}: {}", String::from_utf8_lossy(&r.body));
            assert_whole_image(&r, &u)?;
            total += r.body.len();
            // What the store still holds is whole.
            let again = get(&format!("{}{u}", host.url), &[("cf-ipcountry", "DE")])?;
            assert_eq!(again.status, 200);
            assert_whole_image(&again, &u)?;
        }
    }
    assert!(
        total as u64 > 2 * BUDGET,
        "the renditions ({total} bytes) overflow the budget"
    );
    assert_market_answers(&host)?;
    drop(host);

    let db = meridian_host::kv::KvDb::open(&state.path().join("kv.redb"))?;
    let mut used = 0u64;
    for key in db.keys("cache")? {
        used += key.len() as u64 + db.get("cache", &key)?.map_or(0, |v| v.len() as u64);
    }
    assert!(
        used <= BUDGET,
        "the cache store holds {used} bytes, over its {BUDGET}"
    );
    assert!(used > 0, "the cache store kept something");
    drop(db);

    // The publish survived the flood and a restart.
    let host = start()?;
    let now = get(
        &format!("{}/v1/market", host.url),
        &[("cf-ipcountry", "JP")],
    )?;
    assert_eq!(
        now.header("meridian-policy-version"),
        Some(after_publish.as_str())
    );
    Ok(())
}
