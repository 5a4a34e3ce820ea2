//! End-to-end tests of meridian-host against a real spin-sdk guest component.
//!
//! The guest (tests/guest) is built for wasm32-wasip2 into
//! `<workspace>/target/host-guest` by the first test that needs it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use meridian_host::Config;
use meridian_host::engine::Origin;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod common;
use common::{GUEST_P2, assert_trapped, build_guest, get, json, request, temp_dir};

fn manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spin.toml")
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
    build_guest(&GUEST_P2)?;
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
    // A client's own spin-* headers (any case) never reach the component.
    let raw = raw_request(
        addr,
        format!(
            "GET /echo/forged HTTP/1.1\r\nhost: {addr}\r\nspin-client-addr: 1.2.3.4\r\n\
             Spin-Full-Url: http://evil.example/\r\nSPIN-PATH-MATCH-ROLE: admin\r\n\
             spin-anything: x\r\nconnection: close\r\n\r\n"
        )
        .into_bytes(),
    )
    .await?;
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(raw.contains("spin-client-addr: 127.0.0.1:"), "{raw}");
    assert!(!raw.contains("1.2.3.4"), "{raw}");
    assert!(!raw.contains("evil.example"), "{raw}");
    assert!(!raw.contains("spin-path-match-role"), "{raw}");
    assert!(!raw.contains("spin-anything"), "{raw}");
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
    assert_trapped(&r)?;
    assert_eq!(
        r.headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
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
    build_guest(&GUEST_P2)?;
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

/// An origin that accepts connections and never answers (a hung or frozen process).
async fn hung_origin() -> Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    Ok(addr)
}

/// The host's count of instances stopped at the post-response deadline.
async fn post_response_deadlines(addr: SocketAddr) -> Result<u64> {
    let r = get(addr, "/.well-known/meridian/metrics").await?;
    Ok(r.body
        .lines()
        .find_map(|l| {
            l.strip_prefix("meridian_host_post_response_deadline_total{component=\"guest\"} ")
        })
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0))
}

/// Poll `check` until it holds; the bound only keeps a broken host from hanging the test.
async fn eventually<F, Fut>(what: &str, mut check: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    let give_up = Instant::now() + Duration::from_secs(30);
    while Instant::now() < give_up {
        if check().await? {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("gave up waiting: {what}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hung_origin_times_out_and_post_response_work_is_bounded() -> Result<()> {
    build_guest(&GUEST_P2)?;
    let state = temp_dir("hung");
    let hung = hung_origin().await?;
    let mut c = config(&state, hung);
    c.timeout = Duration::from_secs(10);
    c.max_instances = 5;
    // The first-byte timeout is longer than the post-response deadline, so
    // `/after` tasks are stopped by the deadline, not by their fetch failing.
    c.outbound_timeouts.first_byte = Duration::from_secs(2);
    c.post_response_timeout = Duration::from_millis(300);
    let host = meridian_host::start(c).await?;
    let addr = host.local_addr();

    // A component's request to a hung origin fails at the first-byte timeout,
    // well inside the request deadline (on wasmtime's 600 s it would time out).
    let r = get(addr, &format!("/outbound?url=http://{hung}/stuck")).await?;
    assert_eq!(r.status, 502, "{}", r.body);
    assert!(r.body.contains("send failed"), "{}", r.body);

    // Work after the response, blocked on the hung origin: answered at once,
    // and every other route keeps answering meanwhile.
    for _ in 0..4 {
        let r = get(addr, &format!("/after?url=http://{hung}/revalidate")).await?;
        assert_eq!((r.status, r.body.as_str()), (200, "answered"));
    }
    let r = get(addr, "/exact").await?;
    assert_eq!(r.status, 200, "{}", r.body);

    // The deadline stops all four and frees their slots: five fit again.
    eventually("four post-response deadlines", || async {
        Ok(post_response_deadlines(addr).await? >= 4)
    })
    .await?;
    for _ in 0..5 {
        let r = get(addr, &format!("/after?url=http://{hung}/again")).await?;
        assert_eq!((r.status, r.body.as_str()), (200, "answered"));
    }
    eventually("nine post-response deadlines", || async {
        Ok(post_response_deadlines(addr).await? >= 9)
    })
    .await?;
    let r = get(addr, "/exact").await?;
    assert_eq!(r.status, 200, "{}", r.body);

    host.shutdown().await;
    let _ = std::fs::remove_dir_all(&state);
    Ok(())
}

/// Key-value writes run off the runtime's workers: with the host on a single
/// worker and one write blocked inside its transaction, reads still complete.
#[test]
fn reads_are_not_stalled_behind_a_blocked_write() -> Result<()> {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, mpsc};

    build_guest(&GUEST_P2)?;
    let state = temp_dir("kvstall");
    let armed = Arc::new(AtomicBool::new(false));
    let (entered_tx, entered_rx) = mpsc::channel::<()>();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let hook = {
        let armed = armed.clone();
        let entered_tx = Mutex::new(entered_tx);
        let release_rx = Mutex::new(release_rx);
        meridian_host::kv::WriteHook(Arc::new(move |_label: &str| {
            if armed.swap(false, Ordering::SeqCst) {
                if let Ok(tx) = entered_tx.lock() {
                    let _ = tx.send(());
                }
                if let Ok(rx) = release_rx.lock() {
                    let _ = rx.recv_timeout(Duration::from_secs(60));
                }
            }
        }))
    };
    let host_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let mut c = config(&state, "127.0.0.1:9".parse()?);
    c.timeout = Duration::from_secs(30);
    c.kv_write_hook = Some(hook);
    let host = host_rt.block_on(meridian_host::start(c))?;
    let addr = host.local_addr();

    // The client has its own runtime, so its timers run whatever the host does.
    let client = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    client.block_on(async {
        let r = get(addr, "/kv/set?key=hot&value=cached").await?;
        assert_eq!(r.status, 200, "{}", r.body);

        armed.store(true, Ordering::SeqCst);
        let write = tokio::spawn(get(addr, "/kv/set?key=big&value=large-miss"));
        tokio::task::spawn_blocking(move || entered_rx.recv_timeout(Duration::from_secs(30)))
            .await?
            .context("the write never reached its transaction")?;

        // The write is parked inside its transaction; hits are served anyway.
        for _ in 0..3 {
            let r = tokio::time::timeout(Duration::from_secs(20), get(addr, "/kv/get?key=hot"))
                .await
                .context("a read stalled behind the blocked write")??;
            assert_eq!((r.status, r.body.as_str()), (200, "cached"));
        }
        assert!(!write.is_finished(), "the write was supposed to be blocked");

        release_tx.send(())?;
        let r = write.await??;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = get(addr, "/kv/get?key=big").await?;
        assert_eq!((r.status, r.body.as_str()), (200, "large-miss"));
        anyhow::Ok(())
    })?;
    host_rt.block_on(host.shutdown());
    let _ = std::fs::remove_dir_all(&state);
    Ok(())
}

/// Read until the server closes; the bound only keeps an old host from hanging the test.
async fn read_until_closed(stream: &mut tokio::net::TcpStream) -> Result<String> {
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut out))
        .await
        .context("the host never closed the connection")?;
    match read {
        Ok(_) => {}
        // A reset is a close too.
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => return Err(e.into()),
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_connections_are_closed_and_connections_capped() -> Result<()> {
    build_guest(&GUEST_P2)?;
    let state = temp_dir("slowloris");
    let mut c = config(&state, "127.0.0.1:9".parse()?);
    c.header_read_timeout = Duration::from_millis(300);
    c.idle_timeout = Duration::from_millis(300);
    let host = meridian_host::start(c).await?;
    let addr = host.local_addr();

    // Slowloris: many connections that send half a request head.
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut s = tokio::net::TcpStream::connect(addr).await?;
        s.write_all(format!("GET /exact HTTP/1.1\r\nhost: {addr}\r\nx-slow: 1").as_bytes())
            .await?;
        slow.push(s);
    }
    // A normal request is served meanwhile.
    let r = get(addr, "/exact").await?;
    assert_eq!(r.status, 200, "{}", r.body);
    // Each half-sent head is cut off.
    for s in &mut slow {
        let got = read_until_closed(s).await?;
        assert!(!got.contains("HTTP/1.1 200"), "{got}");
    }
    // A kept-alive connection that goes quiet is closed after its answer.
    let mut idle = tokio::net::TcpStream::connect(addr).await?;
    idle.write_all(format!("GET /exact HTTP/1.1\r\nhost: {addr}\r\n\r\n").as_bytes())
        .await?;
    let got = read_until_closed(&mut idle).await?;
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
    host.shutdown().await;

    // The connection cap: past it, a JSON 503 and the socket closed.
    let mut c = config(&state, "127.0.0.1:9".parse()?);
    c.max_connections = 8;
    let host = meridian_host::start(c).await?;
    let addr = host.local_addr();
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(tokio::net::TcpStream::connect(addr).await?);
    }
    let mut over = tokio::net::TcpStream::connect(addr).await?;
    let got = read_until_closed(&mut over).await?;
    assert!(got.starts_with("HTTP/1.1 503"), "{got}");
    assert!(got.contains("\"code\":\"too-many-connections\""), "{got}");
    drop(held);
    eventually("a connection slot to free up", || async {
        Ok(get(addr, "/exact").await.is_ok_and(|r| r.status == 200))
    })
    .await?;
    let r = get(addr, "/.well-known/meridian/metrics").await?;
    assert!(
        r.body.contains("meridian_host_connections_refused_total "),
        "{}",
        r.body
    );
    host.shutdown().await;
    let _ = std::fs::remove_dir_all(&state);
    Ok(())
}
