//! Spin guest-contract conformance: each case in `tests/conformance/cases/<case>/`
//! is a `spin.toml` over one small guest component (`tests/conformance/guests`)
//! and a `case.toml` of what the real `meridian-host` binary must do: print at
//! start, refuse at start, or answer requests, checked exactly.
//!
//! `case.toml`:
//! - `args`, `env`: extra host arguments and environment.
//! - `needs = ["redis"]`: a `redis-server` of the case's own (skipped, saying so,
//!   where none is installed).
//! - `stdout`: the start-up output, exactly; `start_error`: a line the failed
//!   start must print on stderr, exactly.
//! - `[[request]]`: `method`, `path`, `headers` (`[[name, value]]`, sent as
//!   written; `Host` is `{authority}` unless given or `no_host`), `body`, and the
//!   expected `status`, `response_body` and `response_headers`.
//! - After the requests: `[logs]` (files in `{state}/logs`, exactly),
//!   `stderr_has` (lines of the host's stderr), `stderr_lacks` (text it must not
//!   have), `state_has` (files in `{state}`).
//!
//! In every string, `{authority}` is the host's address, `{client}` the
//! request's own client socket address, `{case}` the case directory, `{state}`
//! the state directory, `{redis_port}` and `{echo_port}` the helpers' ports.
//! A `runtime-config.toml` in the case is copied, substituted, into `{state}`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde::Deserialize;

fn suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

mod common;
use common::{GUESTS_CONFORMANCE, build_guest, workspace_root};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    needs: Vec<String>,
    stdout: Option<String>,
    start_error: Option<String>,
    #[serde(default)]
    request: Vec<Req>,
    /// After the requests: `<state>/logs/<file>` contents, exactly.
    #[serde(default)]
    logs: BTreeMap<String, String>,
    /// After the requests: lines the host's stderr has, and text it must not have.
    #[serde(default)]
    stderr_has: Vec<String>,
    #[serde(default)]
    stderr_lacks: Vec<String>,
    /// After the requests: files the state directory holds.
    #[serde(default)]
    state_has: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Req {
    #[serde(default = "get")]
    method: String,
    path: String,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    no_host: bool,
    #[serde(default)]
    body: String,
    status: u16,
    response_body: String,
    #[serde(default)]
    response_headers: BTreeMap<String, String>,
}

fn get() -> String {
    "GET".to_owned()
}

/// A child process killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A `redis-server` of the case's own, without persistence; `None` when not installed.
fn redis_server(port: u16, dir: &Path) -> Result<Option<Proc>> {
    let installed = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok();
    if !installed {
        return Ok(None);
    }
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .args(["--appendonly", "no", "--dir"])
        .arg(dir)
        .stdout(Stdio::null())
        .spawn()
        .context("starting redis-server")?;
    let proc = Proc(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(Some(proc));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("redis-server did not listen on port {port}")
}

/// A TCP server that answers every connection's first read with `echo:` + what it read.
async fn echo_server() -> Result<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 256];
                if let Ok(n) = s.read(&mut buf).await {
                    let mut reply = b"echo:".to_vec();
                    reply.extend_from_slice(&buf[..n]);
                    let _ = s.write_all(&reply).await;
                }
            });
        }
    });
    Ok(port)
}

struct Vars(Vec<(String, String)>);

impl Vars {
    fn apply(&self, text: &str) -> String {
        self.0.iter().fold(text.to_owned(), |t, (k, v)| {
            t.replace(&format!("{{{k}}}"), v)
        })
    }
}

async fn send(
    addr: SocketAddr,
    req: &Req,
    vars: &Vars,
) -> Result<(u16, http::HeaderMap, String, String)> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    let client = stream.local_addr()?.to_string();
    let vars = Vars(
        vars.0
            .iter()
            .cloned()
            .chain([("client".to_owned(), client.clone())])
            .collect(),
    );
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let mut builder = http::Request::builder()
        .method(req.method.as_str())
        .uri(vars.apply(&req.path));
    let has_host = req
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("host"));
    if !has_host && !req.no_host {
        builder = builder.header(http::header::HOST, addr.to_string());
    }
    for (name, value) in &req.headers {
        builder = builder.header(name.as_str(), vars.apply(value));
    }
    let request = builder.body(Full::new(Bytes::from(vars.apply(&req.body))))?;
    let resp = tokio::time::timeout(Duration::from_secs(30), sender.send_request(request))
        .await
        .context("no response within 30 s")??;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await?.to_bytes();
    Ok((
        status,
        headers,
        String::from_utf8_lossy(&body).into_owned(),
        vars.apply(&req.response_body),
    ))
}

async fn run_case(name: &str) -> Result<()> {
    build_guest(&GUESTS_CONFORMANCE)?;
    let dir = suite().join("cases").join(name);
    let case: Case = toml::from_str(
        &std::fs::read_to_string(dir.join("case.toml"))
            .with_context(|| format!("reading {name}/case.toml"))?,
    )
    .with_context(|| format!("parsing {name}/case.toml"))?;

    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let state = std::env::temp_dir().join(format!(
        "meridian-conformance-{name}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&state)?;
    let mut vars = vec![
        ("case".to_owned(), dir.display().to_string()),
        ("state".to_owned(), state.display().to_string()),
    ];
    let mut _redis = None;
    if case.needs.iter().any(|n| n == "redis") {
        let port = free_port()?;
        match redis_server(port, &state)? {
            Some(p) => _redis = Some(p),
            None => {
                eprintln!(
                    "SKIPPED {name}: redis-server is not installed (apt-get install redis-server, or bash infra/run setup)"
                );
                return Ok(());
            }
        }
        vars.push(("redis_port".to_owned(), port.to_string()));
    }
    if case.needs.iter().any(|n| n == "echo") {
        vars.push(("echo_port".to_owned(), echo_server().await?.to_string()));
    }
    let vars = Vars(vars);
    let rc = dir.join("runtime-config.toml");
    if rc.is_file() {
        std::fs::write(
            state.join("runtime-config.toml"),
            vars.apply(&std::fs::read_to_string(&rc)?),
        )?;
    }

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_meridian-host"));
    cmd.arg("--manifest")
        .arg(dir.join("spin.toml"))
        .args(["--listen", "127.0.0.1:0", "--state-dir"])
        .arg(&state)
        .arg("--cache-dir")
        .arg(workspace_root().join("target/conformance-cache"))
        .args(case.args.iter().map(|a| vars.apply(a)))
        .env_remove("RUNTIME_CONFIG_FILE")
        .env_remove("SPIN_LOG_DIR")
        .env("RUST_LOG", "warn")
        .envs(case.env.iter().map(|(k, v)| (k.clone(), vars.apply(v))))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());

    if let Some(expected) = &case.start_error {
        let out = cmd.output().context("running meridian-host")?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            bail!("{name}: the host started, but it must refuse:\n{expected}");
        }
        let expected = vars.apply(expected);
        if !stderr.lines().any(|l| l == expected) {
            bail!("{name}: stderr lacks the line\n{expected}\nstderr was:\n{stderr}");
        }
        return Ok(());
    }

    let mut child = Proc(cmd.spawn().context("starting meridian-host")?);
    let stdout = child.0.stdout.take().context("stdout")?;
    let stderr = child.0.stderr.take().context("stderr")?;
    let (err_tx, err_rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = err_tx.send(line);
        }
    });
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let logs = || err_rx.try_iter().collect::<Vec<_>>().join("\n");
    let Ok(first) = rx.recv_timeout(Duration::from_secs(120)) else {
        bail!("{name}: the host printed nothing; stderr:\n{}", logs());
    };
    let Some(at) = first.strip_prefix("meridian-host listening on http://") else {
        bail!("{name}: unexpected first line {first:?}");
    };
    let addr: SocketAddr = at.parse()?;
    let vars = Vars(
        vars.0
            .into_iter()
            .chain([("authority".to_owned(), addr.to_string())])
            .collect(),
    );
    if let Some(expected) = &case.stdout {
        let expected = vars.apply(expected);
        let mut got = vec![first.clone()];
        for _ in 1..expected.lines().count() {
            got.push(rx.recv_timeout(Duration::from_secs(10)).unwrap_or_default());
        }
        let got = got.join("\n") + "\n";
        if got != expected {
            bail!("{name}: start-up output\n--- expected\n{expected}--- got\n{got}");
        }
    }

    let mut failures = Vec::new();
    for (i, req) in case.request.iter().enumerate() {
        let (status, headers, body, expected_body) = send(addr, req, &vars)
            .await
            .with_context(|| format!("{name}: request {i} ({} {})", req.method, req.path))?;
        let mut wrong = Vec::new();
        if status != req.status {
            wrong.push(format!("status {status}, expected {}", req.status));
        }
        if body != expected_body {
            wrong.push(format!(
                "body\n--- expected\n{expected_body}--- got\n{body}---"
            ));
        }
        for (h, v) in &req.response_headers {
            let got = headers.get(h).and_then(|x| x.to_str().ok());
            if got != Some(vars.apply(v).as_str()) {
                wrong.push(format!("header {h}: {got:?}, expected {v:?}"));
            }
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "request {i} ({} {}): {}",
                req.method,
                req.path,
                wrong.join("; ")
            ));
        }
    }
    for (file, expected) in &case.logs {
        let got = std::fs::read_to_string(state.join("logs").join(file)).unwrap_or_default();
        if got != *expected {
            failures.push(format!(
                "log {file}\n--- expected\n{expected}--- got\n{got}---"
            ));
        }
    }
    for file in &case.state_has {
        if !state.join(file).is_file() {
            failures.push(format!("the state directory has no {file}"));
        }
    }
    let mut stderr = Vec::new();
    if !case.stderr_has.is_empty() || !case.stderr_lacks.is_empty() {
        // Output reaches the host's stderr before the response; give the reader a moment.
        std::thread::sleep(Duration::from_millis(300));
        stderr.extend(err_rx.try_iter());
        for line in &case.stderr_has {
            if !stderr.iter().any(|l| l == line) {
                failures.push(format!("host stderr lacks the line {line:?}"));
            }
        }
        for text in &case.stderr_lacks {
            if stderr.iter().any(|l| l.contains(text.as_str())) {
                failures.push(format!("host stderr has {text:?}"));
            }
        }
    }
    drop(child);
    let _ = std::fs::remove_dir_all(&state);
    if !failures.is_empty() {
        bail!("{name}:\n{}\nhost stderr:\n{}", failures.join("\n"), logs());
    }
    Ok(())
}

macro_rules! cases {
    ($($test:ident => $dir:literal),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() -> Result<()> {
                run_case($dir).await
            }
        )*

        /// Every case directory has a test above (none is silently left out).
        #[test]
        fn every_case_runs() -> Result<()> {
            let listed = [$($dir),*];
            for entry in std::fs::read_dir(suite().join("cases"))? {
                let name = entry?.file_name().to_string_lossy().into_owned();
                if !listed.contains(&name.as_str()) {
                    bail!("case {name} has no test in tests/conformance.rs");
                }
            }
            Ok(())
        }
    };
}

cases! {
    request_shape => "request-shape",
    files_and_exclude_files => "files",
    environment => "environment",
    key_value_flags_and_runtime_config => "key-value",
    key_value_on_redis => "key-value-redis",
    runtime_config_refusals => "runtime-config-refused",
    sqlite => "sqlite",
    sqlite_undefined_label => "sqlite-undefined-label",
    tcp_sockets => "tcp",
    outbound_redis => "redis",
    unknown_import_refused => "unknown-import",
    component_output_and_follow => "stdio",
    follow_unknown_component => "follow-unknown",
}
