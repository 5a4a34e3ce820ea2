//! What the host's integration tests share: building the test guests,
//! temporary state directories, and a plain HTTP/1.1 client.
#![allow(dead_code)] // each test binary uses its own part

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The WASIp2 test guest (tests/guest), into `target/host-guest`.
pub const GUEST_P2: Guest = Guest {
    manifest: "infra/host/tests/guest/Cargo.toml",
    target: "target/host-guest",
};

/// The WASIp3 test guest (tests/guest-p3), into `target/host-guest-p3`.
pub const GUEST_P3: Guest = Guest {
    manifest: "infra/host/tests/guest-p3/Cargo.toml",
    target: "target/host-guest-p3",
};

/// The conformance suite's guests (tests/conformance/guests, one workspace),
/// into `target/host-guest`.
pub const GUESTS_CONFORMANCE: Guest = Guest {
    manifest: "infra/host/tests/conformance/guests/Cargo.toml",
    target: "target/host-guest",
};

pub struct Guest {
    manifest: &'static str,
    target: &'static str,
}

static BUILT: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

/// Build a guest component for wasm32-wasip2, once per test process.
pub fn build_guest(guest: &Guest) -> Result<()> {
    let mut built = BUILT
        .lock()
        .map_err(|_| anyhow::anyhow!("guest build lock poisoned"))?;
    if built.contains(&guest.manifest) {
        return Ok(());
    }
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = std::process::Command::new(cargo)
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", root.join(guest.target))
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--manifest-path",
            guest.manifest,
        ])
        .status()
        .with_context(|| format!("running cargo to build {}", guest.manifest))?;
    if !status.success() {
        bail!("building {} failed: {status}", guest.manifest);
    }
    built.push(guest.manifest);
    Ok(())
}

pub fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!(
        "meridian-host-test-{name}-{}-{nanos}",
        std::process::id()
    ))
}

pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
}

pub async fn request(addr: SocketAddr, method: &str, path: &str, body: Vec<u8>) -> Result<Reply> {
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

pub async fn get(addr: SocketAddr, path: &str) -> Result<Reply> {
    request(addr, "GET", path, Vec::new()).await
}

pub fn json(reply: &Reply) -> Result<serde_json::Value> {
    serde_json::from_str(&reply.body).with_context(|| format!("not JSON: {}", reply.body))
}

/// A 500 `component-trapped` whose message carries the logged error id.
pub fn assert_trapped(reply: &Reply) -> Result<()> {
    anyhow::ensure!(
        reply.status == 500,
        "status {}: {}",
        reply.status,
        reply.body
    );
    let j = json(reply)?;
    anyhow::ensure!(j["code"] == "component-trapped", "{j}");
    anyhow::ensure!(
        j["message"]
            .as_str()
            .is_some_and(|m| m.contains("error id")),
        "{j}"
    );
    Ok(())
}
