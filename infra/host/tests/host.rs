//! End-to-end tests of meridian-host against a real spin-sdk guest component.
//!
//! The guest (tests/guest) is built for wasm32-wasip2 into
//! `<workspace>/target/host-guest` by the first test that needs it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use meridian_host::Config;
use meridian_host::engine::Origin;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spin.toml")
}

static GUEST: Mutex<bool> = Mutex::new(false);

/// Build the guest component once per test process.
fn build_guest() -> Result<()> {
    let mut built = GUEST
        .lock()
        .map_err(|_| anyhow::anyhow!("guest build lock poisoned"))?;
    if *built {
        return Ok(());
    }
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = std::process::Command::new(cargo)
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", root.join("target/host-guest"))
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--manifest-path",
            "infra/host/tests/guest/Cargo.toml",
        ])
        .status()
        .context("running cargo to build the test guest")?;
    if !status.success() {
        bail!("building the test guest failed: {status}");
    }
    *built = true;
    Ok(())
}

fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!(
        "meridian-host-test-{name}-{}-{nanos}",
        std::process::id()
    ))
}

struct Reply {
    status: u16,
    headers: http::HeaderMap,
    body: String,
}

async fn request(addr: SocketAddr, method: &str, path: &str, body: Vec<u8>) -> Result<Reply> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header(http::header::HOST, addr.to_string())
        .body(Full::new(Bytes::from(body)))?;
    let resp = sender.send_request(req).await?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await?.to_bytes();
    Ok(Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

async fn get(addr: SocketAddr, path: &str) -> Result<Reply> {
    request(addr, "GET", path, Vec::new()).await
}

/// Write raw bytes (ignoring write errors: the server may refuse early) and read the reply.
async fn raw_request(addr: SocketAddr, bytes: Vec<u8>) -> Result<String> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    let (mut rd, mut wr) = stream.into_split();
    let writer = tokio::spawn(async move {
        let _ = wr.write_all(&bytes).await;
        wr
    });
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), rd.read_to_end(&mut out)).await;
    writer.abort();
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn json(reply: &Reply) -> Result<serde_json::Value> {
    serde_json::from_str(&reply.body).with_context(|| format!("not JSON: {}", reply.body))
}

/// A tiny upstream HTTP server for the outbound tests.
async fn upstream() -> Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let mut seen = Vec::new();
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    seen.extend_from_slice(&buf[..n]);
                    if seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                let _ = s
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 11\r\nconnection: close\r\n\r\nupstream ok")
                    .await;
            });
        }
    });
    Ok(addr)
}

fn config(state: &Path, upstream: SocketAddr) -> Config {
    let mut c = Config::new(manifest());
    c.listen = "127.0.0.1:0".parse().expect("address");
    c.state_dir = state.to_path_buf();
    c.timeout = Duration::from_secs(2);
    c.memory_limit = 64 << 20;
    c.max_body = 1 << 20;
    c.max_instances = 64;
    c.variable_env = [(
        "SPIN_VARIABLE_ALLOWED_URL".to_owned(),
        format!("http://{upstream}"),
    )]
    .into();
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_end_to_end() -> Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("meridian_host=info")
        .with_test_writer()
        .try_init();
    build_guest()?;
    let state = temp_dir("e2e");
    let up = upstream().await?;

    let host = meridian_host::start(config(&state, up)).await?;
    assert!(
        host.origins().iter().all(|(_, o)| *o == Origin::Compiled),
        "first start compiles: {:?}",
        host.origins()
    );
    let addr = host.local_addr();

    eprintln!("step: Routing and 404.");
    // Routing and 404.
    let r = get(addr, "/nothing/here").await?;
    assert_eq!(r.status, 404);
    let j = json(&r)?;
    assert_eq!(j["status"], 404);
    assert_eq!(j["code"], "not-found");
    let r = get(addr, "/exact").await?;
    assert_eq!(r.status, 200, "{}", r.body);

    eprintln!("step: Spin headers.");
    // Spin headers.
    let r = get(addr, "/echo/a/b?x=1").await?;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body
            .contains(&format!("spin-full-url: http://{addr}/echo/a/b?x=1")),
        "{}",
        r.body
    );
    assert!(r.body.contains("spin-path-info: /a/b"), "{}", r.body);
    assert!(
        r.body.contains("spin-matched-route: /echo/..."),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("spin-raw-component-route: /echo/..."),
        "{}",
        r.body
    );
    assert!(r.body.contains("spin-component-route: /echo"), "{}", r.body);
    assert!(r.body.contains("spin-base-path: /"), "{}", r.body);
    assert!(
        r.body.contains("spin-client-addr: 127.0.0.1:"),
        "{}",
        r.body
    );
    let r = get(addr, "/users/42/info").await?;
    assert!(r.body.contains("spin-path-match-id: 42"), "{}", r.body);
    assert!(
        r.body.contains("spin-matched-route: /users/:id/info"),
        "{}",
        r.body
    );

    eprintln!("step: Key-value.");
    // Key-value.
    let r = get(addr, "/kv/get?key=colour").await?;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = get(addr, "/kv/set?key=colour&value=teal").await?;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = get(addr, "/kv/get?key=colour").await?;
    assert_eq!((r.status, r.body.as_str()), (200, "teal"));
    let r = get(addr, "/kv/other").await?;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("AccessDenied"), "{}", r.body);

    eprintln!("step: Variables: default and env override.");
    // Variables: default and env override.
    let r = get(addr, "/vars?name=greeting").await?;
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, "hello from the manifest")
    );
    let r = get(addr, "/vars?name=allowed_url").await?;
    assert_eq!(r.body, format!("http://{up}"));
    let r = get(addr, "/vars?name=nope").await?;
    assert_eq!(r.status, 404, "{}", r.body);

    eprintln!("step: Outbound HTTP: allowed and refused.");
    // Outbound HTTP: allowed and refused.
    let r = get(addr, &format!("/outbound?url=http://{up}/hi")).await?;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("upstream ok"), "{}", r.body);
    let r = get(addr, "/outbound?url=http://127.0.0.1:1/hi").await?;
    assert_eq!(r.status, 502, "{}", r.body);
    assert!(r.body.contains("HttpRequestDenied"), "{}", r.body);

    eprintln!("step: Trap → 500, and the host keeps serving.");
    // Trap → 500, and the host keeps serving.
    let r = get(addr, "/trap").await?;
    assert_eq!(r.status, 500, "{}", r.body);
    let j = json(&r)?;
    assert_eq!(j["code"], "component-trapped");
    assert!(
        j["message"]
            .as_str()
            .is_some_and(|m| m.contains("error id")),
        "{j}"
    );
    assert_eq!(
        r.headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let r = get(addr, "/exact").await?;
    assert_eq!(r.status, 200);

    eprintln!("step: Deadline.");
    // Deadline.
    let started = Instant::now();
    let r = get(addr, "/loop").await?;
    assert_eq!(r.status, 500, "{}", r.body);
    assert_eq!(json(&r)?["code"], "component-timeout");
    assert!(started.elapsed() < Duration::from_secs(10));
    let r = get(addr, "/exact").await?;
    assert_eq!(r.status, 200);

    eprintln!("step: Memory limit.");
    // Memory limit.
    let r = get(addr, "/alloc?mb=8").await?;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = get(addr, "/alloc?mb=256").await?;
    assert_eq!(r.status, 500, "{}", r.body);
    assert_eq!(json(&r)?["code"], "component-trapped");
    let r = get(addr, "/exact").await?;
    assert_eq!(r.status, 200);

    eprintln!("step: Body limit.");
    // Body limit.
    // Declared length over the limit: refused before the body is read.
    let raw = raw_request(
        addr,
        format!(
            "POST /echo/big HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            (1 << 20) + 1
        )
        .into_bytes(),
    )
    .await?;
    assert!(raw.starts_with("HTTP/1.1 413"), "{raw}");
    assert!(raw.contains("\"code\":\"body-too-large\""), "{raw}");
    // Chunked body over the limit: refused while reading.
    let mut chunked = format!(
        "POST /echo/big HTTP/1.1\r\nhost: {addr}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{:x}\r\n",
        (1 << 20) + 1
    )
    .into_bytes();
    chunked.extend(std::iter::repeat_n(b'x', (1 << 20) + 1));
    chunked.extend_from_slice(b"\r\n0\r\n\r\n");
    let raw = raw_request(addr, chunked).await?;
    assert!(raw.starts_with("HTTP/1.1 413"), "{raw}");
    let r = request(addr, "POST", "/echo/small", vec![b'x'; 1000]).await?;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("body-length: 1000"), "{}", r.body);

    host.shutdown().await;

    eprintln!("step: Restart: compile cache hit, and the key-value data persisted.");
    // Restart: compile cache hit, and the key-value data persisted.
    let started = Instant::now();
    let host = meridian_host::start(config(&state, up)).await?;
    assert!(
        host.origins().iter().all(|(_, o)| *o == Origin::CacheHit),
        "second start uses the compile cache: {:?}",
        host.origins()
    );
    let r = get(host.local_addr(), "/kv/get?key=colour").await?;
    assert_eq!((r.status, r.body.as_str()), (200, "teal"));
    eprintln!("warm start + first response: {:?}", started.elapsed());
    host.shutdown().await;

    let _ = std::fs::remove_dir_all(&state);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_prints_address_reads_env_and_stops_on_sigterm() -> Result<()> {
    build_guest()?;
    let state = temp_dir("bin");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_meridian-host"))
        .args(["--manifest"])
        .arg(manifest())
        .args(["--listen", "127.0.0.1:0", "--state-dir"])
        .arg(&state)
        .env("SPIN_VARIABLE_GREETING", "hello from the environment")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = child.stdout.take().context("stdout")?;
    let mut lines = tokio::io::BufReader::new(stdout);
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(120),
        tokio::io::AsyncBufReadExt::read_line(&mut lines, &mut line),
    )
    .await
    .context("host did not print its address")??;
    let url = line
        .trim()
        .strip_prefix("meridian-host listening on http://")
        .with_context(|| format!("unexpected first line {line:?}"))?;
    let addr: SocketAddr = url.parse()?;
    assert_ne!(addr.port(), 0);

    let r = get(addr, "/vars?name=greeting").await?;
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, "hello from the environment")
    );

    let pid = child.id().context("pid")?;
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()?;
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .context("host did not stop on SIGTERM")??;
    assert!(exit.success(), "exit status {exit}");
    let _ = std::fs::remove_dir_all(&state);
    Ok(())
}
