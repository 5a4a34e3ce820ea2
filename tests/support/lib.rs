//! Starts Meridian's real processes for end-to-end tests: the GPU backend
//! and the edge host running `spin.toml`, each on a free loopback port.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail};

pub mod scenarios;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// A binary built by `cargo test --workspace` into the same profile dir as
/// this test executable.
pub fn workspace_binary(name: &str) -> Result<PathBuf> {
    let exe = std::env::current_exe().context("locating the test executable")?;
    // target/<profile>/deps/<test> -> target/<profile>/<name>
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .context("test executable has no profile dir")?;
    let path = dir.join(name);
    if !path.exists() {
        bail!(
            "{} is missing: build it first (`cargo build -p {name}`, or run `bash infra/run test`)",
            path.display()
        );
    }
    Ok(path)
}

/// The Spin components of `spin.toml`, by crate name.
pub const COMPONENTS: &[&str] = &[
    "meridian-media",
    "meridian-pages",
    "meridian-market",
    "meridian-origin",
    "meridian-purge",
    "meridian-tryon",
    "meridian-personalize",
    "meridian-copy",
];

/// A built component's file.
pub fn component_wasm(krate: &str) -> PathBuf {
    repo_root()
        .join("target/wasm32-wasip2/component")
        .join(format!("{}.wasm", krate.replace('-', "_")))
}

/// Checks that the edge components are built, with the command that builds them.
pub fn require_components() -> Result<()> {
    for krate in COMPONENTS {
        let path = component_wasm(krate);
        if !path.exists() {
            let flags: Vec<String> = COMPONENTS.iter().map(|c| format!("-p {c}")).collect();
            bail!(
                "{} is missing: run `cargo build --profile component --target wasm32-wasip2 {}`",
                path.display(),
                flags.join(" ")
            );
        }
    }
    Ok(())
}

/// A child process killed when dropped, with the URL it printed.
pub struct Service {
    child: Child,
    pub url: String,
    stderr: mpsc::Receiver<String>,
}

impl Service {
    fn start(mut cmd: Command, what: &str) -> Result<Service> {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {what}"))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let stderr = child.stderr.take().context("no stderr")?;
        let (err_tx, err_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if err_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if !sent && let Some(at) = line.find("listening on ") {
                    sent = tx
                        .send(line[at + "listening on ".len()..].trim().to_owned())
                        .is_ok();
                }
            }
        });
        let mut service = Service {
            child,
            url: String::new(),
            stderr: err_rx,
        };
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(url) => service.url = url,
            Err(_) => bail!(
                "{what} did not print its address; stderr:\n{}",
                service.logs()
            ),
        }
        Ok(service)
    }

    /// The process id, for signals and `/proc`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (`KILL`, `STOP`, `CONT`, ...) to the process.
    pub fn signal(&self, signal: &str) -> Result<()> {
        let status = Command::new("kill")
            .args(["-s", signal, &self.child.id().to_string()])
            .status()
            .context("running kill")?;
        if !status.success() {
            bail!("kill -s {signal} {} failed", self.child.id());
        }
        Ok(())
    }

    /// Kills the process with SIGKILL and reaps it: no shutdown code runs.
    pub fn kill_hard(mut self) -> Result<()> {
        self.signal("KILL")?;
        self.child.wait().context("reaping")?;
        Ok(())
    }

    /// What the process logged so far.
    pub fn logs(&self) -> String {
        self.stderr.try_iter().collect::<Vec<_>>().join("\n")
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // A failing test's processes explain themselves in its output.
        if std::thread::panicking() {
            eprintln!(
                "--- stderr of pid {} ({}) ---\n{}",
                self.child.id(),
                self.url,
                self.logs()
            );
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub const SIGNING_KEY: &str = "e2e-signing-key";

/// The backend on a free port, serving `catalog`.
pub fn start_backend(catalog: &Path) -> Result<Service> {
    start_backend_with(catalog, &[])
}

/// [`start_backend`] with more environment, such as `MERIDIAN_BACKEND_REGION`.
pub fn start_backend_with(catalog: &Path, env: &[(&str, &str)]) -> Result<Service> {
    start_backend_at(catalog, "127.0.0.1:0", env)
}

/// [`start_backend_with`] on a given address, so a restarted backend is
/// found where the edge was told it is.
pub fn start_backend_at(catalog: &Path, listen: &str, env: &[(&str, &str)]) -> Result<Service> {
    let mut cmd = Command::new(workspace_binary("meridian-gpu-backend")?);
    cmd.args(["--listen", listen])
        .env("MERIDIAN_BACKEND_CATALOG", catalog)
        .env("MERIDIAN_BACKEND_SIGNING_KEY", SIGNING_KEY)
        .env("MERIDIAN_BACKEND_ENGINE", "cpu")
        // Plain http on loopback and a short test key.
        .env("MERIDIAN_DEV", "1")
        .envs(env.iter().copied());
    Service::start(cmd, "meridian-gpu-backend")
}

/// Deletes a file (a test's own manifest, say) when dropped.
pub struct RemoveOnDrop(pub PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The event collector of `region` on a free port, its store in `data`.
pub fn start_collector(region: &str, data: &Path) -> Result<Service> {
    let mut cmd = Command::new(workspace_binary("meridian-collector")?);
    cmd.args(["--listen", "127.0.0.1:0", "--dev"])
        .env("MERIDIAN_COLLECTOR_SIGNING_KEY", SIGNING_KEY)
        .env("MERIDIAN_COLLECTOR_REGION", region)
        .env("MERIDIAN_COLLECTOR_DATA_DIR", data);
    Service::start(cmd, "meridian-collector")
}

/// The demo merchant origin as its own process (so a test can freeze or
/// kill it), with its command-line flags.
pub fn start_demo_origin(args: &[&str]) -> Result<Service> {
    let mut cmd = Command::new(workspace_binary("meridian-demo-origin")?);
    cmd.args(["--listen", "127.0.0.1:0"]).args(args);
    Service::start(cmd, "meridian-demo-origin")
}

/// The edge host on `spin.toml` in front of the demo merchant origin at
/// `origin_url` (the `catalog` and `merchant` origins), loopback trusted
/// as its CDN, with no backend (renditions would fail) and more `env`.
pub fn start_origin_host(
    origin_url: &str,
    state_dir: &Path,
    env: &[(&str, &str)],
) -> Result<Service> {
    let mut all = vec![
        ("SPIN_VARIABLE_ORIGIN_CATALOG_URL", origin_url),
        TRUST_LOOPBACK,
    ];
    all.extend_from_slice(env);
    start_host_with(
        &repo_root().join("spin.toml"),
        state_dir,
        "http://127.0.0.1:9",
        &all,
    )
}

/// The edge host on a free port, running `manifest` with the backend at `backend_url`.
pub fn start_host(manifest: &Path, state_dir: &Path, backend_url: &str) -> Result<Service> {
    start_host_with(manifest, state_dir, backend_url, &[])
}

/// [`start_host`] with more environment, such as `SPIN_VARIABLE_*` overrides.
pub fn start_host_with(
    manifest: &Path,
    state_dir: &Path,
    backend_url: &str,
    env: &[(&str, &str)],
) -> Result<Service> {
    start_host_args(manifest, state_dir, backend_url, env, &[])
}

/// [`start_host_with`] with more command-line flags.
pub fn start_host_args(
    manifest: &Path,
    state_dir: &Path,
    backend_url: &str,
    env: &[(&str, &str)],
    args: &[&str],
) -> Result<Service> {
    require_components()?;
    let mut cmd = Command::new(workspace_binary("meridian-host")?);
    cmd.args(args)
        .arg("--manifest")
        .arg(manifest)
        .args(["--listen", "127.0.0.1:0", "--state-dir"])
        .arg(state_dir)
        .env("SPIN_VARIABLE_BACKEND_URL_EU", backend_url)
        .env("SPIN_VARIABLE_BACKEND_SIGNING_KEY", SIGNING_KEY)
        .env("SPIN_VARIABLE_DEVELOPMENT_MODE", "1")
        .env("RUST_LOG", "info")
        .envs(env.iter().copied());
    Service::start(cmd, "meridian-host")
}

/// Loopback as the trusted CDN, so a test's `cf-ipcountry` counts.
pub const TRUST_LOOPBACK: (&str, &str) = (
    "SPIN_VARIABLE_MARKET_CONFIG",
    r#"trusted_proxies = ["127.0.0.1/32"]"#,
);

/// A backend on the test catalog and a host on `spin.toml` in front of
/// it, trusting loopback as its CDN, with more `env`; dropped together.
pub struct Stack {
    pub host: Service,
    _backend: Service,
    _catalog: tempfile::TempDir,
    _state: tempfile::TempDir,
}

pub fn start_stack(env: &[(&str, &str)]) -> Result<Stack> {
    let catalog = test_catalog()?;
    let backend = start_backend(catalog.path())?;
    let state = tempfile::tempdir()?;
    let mut all = vec![TRUST_LOOPBACK];
    all.extend_from_slice(env);
    let host = start_host_with(
        &repo_root().join("spin.toml"),
        state.path(),
        &backend.url,
        &all,
    )?;
    Ok(Stack {
        host,
        _backend: backend,
        _catalog: catalog,
        _state: state,
    })
}

/// A `redis-server` of a test's own on a free loopback port, without
/// persistence; stopped when dropped.
pub struct RedisServer {
    child: Child,
    /// `redis://127.0.0.1:<port>`.
    pub url: String,
    _dir: tempfile::TempDir,
}

impl RedisServer {
    pub fn start() -> Result<RedisServer> {
        let dir = tempfile::tempdir()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--dir"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .spawn()
            .context(
                "starting redis-server (apt-get install redis-server, or bash infra/run setup)",
            )?;
        let server = RedisServer {
            child,
            url: format!("redis://127.0.0.1:{port}"),
            _dir: dir,
        };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(server);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        bail!("redis-server did not listen on port {port}")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback address (bound, then released) for a process that must
/// come back on the same one.
pub fn free_addr() -> Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.to_string())
}

/// A copy of the demo catalog plus broken files for refusal tests.
pub fn test_catalog() -> Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    let source = repo_root().join("gpu-backend/catalog");
    for entry in
        std::fs::read_dir(&source).with_context(|| format!("reading {}", source.display()))?
    {
        let path = entry?.path();
        if path.is_file()
            && let Some(name) = path.file_name()
        {
            std::fs::copy(&path, dir.path().join(name))?;
        }
    }
    let jpeg = std::fs::read(first_catalog_jpeg()?)?;
    std::fs::write(dir.path().join("truncated.jpg"), &jpeg[..jpeg.len() / 3])?;
    std::fs::write(
        dir.path().join("not-an-image.jpg"),
        b"this is text, not a JPEG",
    )?;
    Ok(dir)
}

/// A JPEG from the shipped demo catalog.
pub fn first_catalog_jpeg() -> Result<PathBuf> {
    let mut jpegs: Vec<PathBuf> = std::fs::read_dir(repo_root().join("gpu-backend/catalog"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    jpegs.sort();
    jpegs
        .into_iter()
        .next()
        .context("the demo catalog holds no JPEG")
}

/// The result of one request, whatever its status.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body every refusal carries, RFC 9457 problem details with a
    /// machine code (`application/problem+json`: `type`, `title`,
    /// `status`, `code`, `detail`, `message`), checked whole: the status,
    /// code and message.
    pub fn error(&self) -> Result<(u16, String, String)> {
        let v: serde_json::Value = serde_json::from_slice(&self.body).with_context(|| {
            format!(
                "error body is not JSON: {}",
                String::from_utf8_lossy(&self.body)
            )
        })?;
        let status = v["status"].as_u64().context("no status")? as u16;
        let code = v["code"].as_str().context("no code")?.to_owned();
        let message = v["message"].as_str().context("no message")?.to_owned();
        anyhow::ensure!(
            self.header("content-type") == Some(meridian_wit::rpc::PROBLEM_JSON),
            "{code}: a refusal's content-type is {:?}",
            self.header("content-type")
        );
        anyhow::ensure!(
            v["type"].as_str() == Some(meridian_wit::rpc::problem_type(&code).as_str())
                && v["title"].as_str() == Some(meridian_wit::rpc::problem_title(&code).as_str())
                && v["detail"].as_str() == Some(message.as_str()),
            "{code}: not RFC 9457 problem details: {v}"
        );
        Ok((status, code, message))
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .redirects(0)
        .build()
}

fn into_reply(result: Result<ureq::Response, ureq::Error>) -> Result<Reply> {
    let response = match result {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => return Err(e).context("request failed"),
    };
    let status = response.status();
    let headers = response
        .headers_names()
        .into_iter()
        .filter_map(|n| response.header(&n).map(|v| (n.clone(), v.to_owned())))
        .collect();
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut response.into_reader(), &mut body)?;
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// `GET url` with extra headers.
pub fn get(url: &str, headers: &[(&str, &str)]) -> Result<Reply> {
    send("GET", url, headers, None)
}

/// Any method, with extra headers and an optional body.
pub fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Result<Reply> {
    let mut req = agent().request(method, url);
    for (n, v) in headers {
        req = req.set(n, v);
    }
    into_reply(match body {
        Some(body) => req.send_bytes(body),
        None => req.call(),
    })
}

/// `GET` with the path sent exactly as given (HTTP clients normalise
/// `..` away; attackers do not).
pub fn raw_get(base: &str, path: &str) -> Result<Reply> {
    raw_request(base, "GET", path, "")
}

/// A request written by hand: `extra` is more header lines, each ending
/// in CRLF. A body announced there but not sent lets a test check that a
/// server refuses by the declared length alone.
pub fn raw_request(base: &str, method: &str, path: &str, extra: &str) -> Result<Reply> {
    use std::io::{Read, Write};
    let authority = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(authority)
        .with_context(|| format!("connecting {authority}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n{extra}\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no end of headers")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .context("no status line")?;
    let headers = lines
        .filter_map(|l| {
            l.split_once(':')
                .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        })
        .collect::<Vec<_>>();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"))
    {
        body = dechunk(&body)?;
    }
    Ok(Reply {
        status,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .context("bad chunk")?;
        let size = usize::from_str_radix(std::str::from_utf8(&data[..line_end])?.trim(), 16)?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(data.get(..size).context("short chunk")?);
        data = data.get(size + 2..).context("short chunk")?;
    }
}

/// `spin.toml` with try-on, renditions and copy deployed in `regions`
/// (each `backend_url_<region>`, a required variable; `eu` is the one
/// [`start_host`] sets), written next to it; removed when dropped.
pub fn regions_manifest(regions: &[&str]) -> Result<(PathBuf, RemoveOnDrop)> {
    let mut manifest = std::fs::read_to_string(repo_root().join("spin.toml"))?;
    let pairs: Vec<String> = regions
        .iter()
        .map(|r| format!("{r}={{{{ backend_url_{r} }}}}"))
        .collect();
    let hosts: Vec<String> = regions
        .iter()
        .map(|r| format!("\"{{{{ backend_url_{r} }}}}\""))
        .collect();
    for variable in ["tryon_backends", "imaging_backends", "copy_backends"] {
        let shipped = format!("{variable} = \"eu={{{{ backend_url_eu }}}}\"");
        anyhow::ensure!(manifest.contains(&shipped), "spin.toml lacks `{shipped}`");
        manifest = manifest.replace(&shipped, &format!("{variable} = \"{}\"", pairs.join(",")));
    }
    // Every component that may reach the eu backend may reach them all
    // (its other hosts, such as the cache's Redis, stay).
    manifest = manifest.replace(
        "allowed_outbound_hosts = [\"{{ backend_url_eu }}\"",
        &format!("allowed_outbound_hosts = [{}", hosts.join(", ")),
    );
    let required: String = regions
        .iter()
        .filter(|r| **r != "eu")
        .map(|r| format!("backend_url_{r} = {{ required = true }}\n"))
        .collect();
    manifest = manifest.replacen("[variables]\n", &format!("[variables]\n{required}"), 1);
    let path = repo_root().join(format!(
        "spin-regions-{}-{}.toml",
        regions.join("-"),
        std::process::id()
    ));
    std::fs::write(&path, manifest)?;
    Ok((path.clone(), RemoveOnDrop(path)))
}

/// A TCP proxy in front of `target` (`host:port`) that holds each answer
/// for `delay` (the first bytes after each request's bytes, so kept-alive
/// connections are slowed per request too): a slow region, seen from the
/// edge. Runs until the test process ends.
pub fn delay_proxy(target: &str, delay: Duration) -> Result<String> {
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn pump(mut from: TcpStream, mut to: TcpStream, before: impl Fn()) {
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            before();
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    }

    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    let target = target.trim_start_matches("http://").to_owned();
    std::thread::spawn(move || {
        for client in listener.incoming().map_while(Result::ok) {
            let Ok(server) = TcpStream::connect(&target) else {
                continue;
            };
            let (Ok(client_in), Ok(server_out)) = (client.try_clone(), server.try_clone()) else {
                continue;
            };
            let asked = Arc::new(AtomicBool::new(false));
            let flag = Arc::clone(&asked);
            std::thread::spawn(move || {
                pump(client_in, server_out, || flag.store(true, Ordering::SeqCst));
            });
            std::thread::spawn(move || {
                pump(server, client, || {
                    if asked.swap(false, Ordering::SeqCst) {
                        std::thread::sleep(delay);
                    }
                });
            });
        }
    });
    Ok(url)
}

/// Requests a backend answered, summed over its `rpc/*` routes (what it
/// was sent by the edge, probes of `/readyz` not counted).
pub fn backend_calls(backend: &Service) -> Result<u64> {
    let text = String::from_utf8(get(&format!("{}/metrics", backend.url), &[])?.body)?;
    Ok(text
        .lines()
        .filter(|l| l.starts_with("meridian_backend_requests_total{route=\"rpc/"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum())
}

/// A 720p camera frame with a face in it (the backend's test frame).
pub fn face_frame() -> Result<Vec<u8>> {
    let path = repo_root().join("gpu-backend/tests/faces/frame-720p.jpg");
    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
}

/// A grey JPEG frame with nobody in it: the backend answers `no-face`.
pub fn empty_frame(width: u32, height: u32) -> Result<Vec<u8>> {
    let grey = image::RgbImage::from_pixel(width, height, image::Rgb([120, 124, 130]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&grey)?;
    Ok(out)
}
