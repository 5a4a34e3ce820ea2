//! The edge cache's HTTP semantics against nginx, an independent server:
//! nginx serves a file and answers ranges and conditions itself; the cache
//! (natively, `meridian_edge::cache::serve`) fills from that nginx and must
//! answer every request the way nginx does: status, body and
//! `Content-Range`. Also `HEAD` forwarded as `HEAD`, and a range passed
//! through when nothing is stored. Skipped where nginx is not installed
//! (`bash infra/run test` installs it).

use std::process::{Child, Command};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use meridian_e2e::{Reply, send};
use meridian_edge::cache::flow::Client;
use meridian_edge::cache::{CacheConfig, CacheRequest, Fetched, MemoryKv, serve};
use meridian_edge::http::response::Refusal;

/// What the cache sent to nginx: each request's method and headers.
type Asked = std::cell::RefCell<Vec<(String, Vec<(String, String)>)>>;

struct Nginx {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const BODY: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

fn nginx() -> Result<Option<Nginx>> {
    let bin = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(bin) = bin else {
        eprintln!("nginx is not installed: skipped (bash infra/run test installs it)");
        return Ok(None);
    };
    let dir = tempfile::tempdir()?;
    let www = dir.path().join("www");
    std::fs::create_dir_all(&www)?;
    std::fs::write(www.join("file.txt"), BODY)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let d = dir.path().display();
    let conf = format!(
        "master_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\ndaemon off;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n access_log off;\n types {{ text/plain txt; }}\n\
         client_body_temp_path {d}; proxy_temp_path {d}; fastcgi_temp_path {d};\n\
         uwsgi_temp_path {d}; scgi_temp_path {d};\n\
         server {{ listen 127.0.0.1:{port}; root {d}/www; etag on;\n\
           add_header Cache-Control \"max-age=300\"; }}\n}}\n"
    );
    std::fs::write(dir.path().join("nginx.conf"), conf)?;
    let child = Command::new(bin)
        .args(["-c", &format!("{d}/nginx.conf"), "-p", &d.to_string()])
        // One process (master_process off), killed on drop; it holds no
        // pipe of the test runner's.
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .context("starting nginx")?;
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(Some(Nginx {
                child,
                url,
                _dir: dir,
            }));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("nginx did not listen on {port}")
}

fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The cache's fetch: the request's method and headers sent to nginx.
fn fetch_from<'a>(
    base: &'a str,
    asked: &'a Asked,
) -> impl AsyncFn(http::request::Parts) -> Result<Fetched, Refusal> + 'a {
    async move |parts: http::request::Parts| {
        let headers: Vec<(String, String)> = parts
            .headers
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        asked
            .borrow_mut()
            .push((parts.method.to_string(), headers.clone()));
        let pairs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let reply = send(
            parts.method.as_str(),
            &format!("{base}/file.txt"),
            &pairs,
            None,
        )
        .map_err(|e| Refusal::new(502, "origin-unreachable", e.to_string()))?;
        let mut b = http::Response::builder().status(reply.status);
        for (n, v) in &reply.headers {
            b = b.header(n, v);
        }
        b.body(reply.body)
            .map_err(|e| Refusal::new(502, "origin-malformed", e.to_string()))
    }
}

struct Answer {
    status: u16,
    body: Vec<u8>,
    content_range: Option<String>,
}

fn edge(kv: &MemoryKv, base: &str, client: Client<'_>, asked: &Asked) -> Result<Answer> {
    let config = CacheConfig::default();
    let request =
        CacheRequest::new("/file.txt", [], &config).map_err(|r| anyhow::anyhow!("{r}"))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let outcome = futures_executor::block_on(serve(
        kv,
        &config,
        &request,
        client,
        &|| now,
        fetch_from(base, asked),
    ))
    .map_err(|r| anyhow::anyhow!("{r}"))?;
    let r = outcome.response;
    Ok(Answer {
        status: r.status,
        content_range: r.get("content-range").map(str::to_owned),
        body: r.body,
    })
}

#[test]
fn ranges_and_conditions_answer_as_nginx_does() -> Result<()> {
    let Some(nginx) = nginx()? else {
        return Ok(());
    };
    let first = send("GET", &format!("{}/file.txt", nginx.url), &[], None)?;
    let etag = header(&first, "etag")
        .context("nginx sends an ETag")?
        .to_owned();
    let modified = header(&first, "last-modified")
        .context("nginx sends Last-Modified")?
        .to_owned();
    let unquoted = etag.trim_matches('"').to_owned();
    let long_ago = "Mon, 01 Jan 2001 00:00:00 GMT";
    let later = "Fri, 01 Jan 2100 00:00:00 GMT";
    let weak = format!("W/{etag}");
    let list = format!("\"nope\", {etag}");
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("range", "bytes=0-4")],
        vec![("range", "bytes=10-")],
        vec![("range", "bytes=-5")],
        vec![("range", "bytes=30-100")],
        vec![("range", "bytes=36-")],
        vec![("range", "bytes=100-200")],
        vec![("range", "bytes=0-0")],
        vec![("range", "bytes=0-4"), ("if-range", &etag)],
        vec![("range", "bytes=0-4"), ("if-range", "\"other\"")],
        vec![("range", "bytes=0-4"), ("if-range", &modified)],
        vec![("range", "bytes=0-4"), ("if-range", long_ago)],
        vec![("if-none-match", &etag)],
        vec![("if-none-match", &weak)],
        vec![("if-none-match", &list)],
        vec![("if-none-match", "*")],
        vec![("if-none-match", "\"other\"")],
        vec![("if-modified-since", &modified)],
        vec![("if-modified-since", long_ago)],
        vec![("if-none-match", "\"other\""), ("if-modified-since", later)],
        vec![("if-match", &etag)],
        vec![("if-match", "\"other\"")],
        vec![("if-unmodified-since", long_ago)],
        vec![("if-unmodified-since", later)],
    ];
    let kv = MemoryKv::default();
    let asked = std::cell::RefCell::new(Vec::new());
    // Fill the cache with one whole GET; every case below is a hit.
    edge(&kv, &nginx.url, Client::default(), &asked)?;
    for case in &cases {
        let direct = send("GET", &format!("{}/file.txt", nginx.url), case, None)?;
        let get = |n: &str| case.iter().find(|(k, _)| *k == n).map(|(_, v)| *v);
        let client = Client {
            if_none_match: get("if-none-match"),
            if_modified_since: get("if-modified-since"),
            if_match: get("if-match"),
            if_unmodified_since: get("if-unmodified-since"),
            range: get("range"),
            if_range: get("if-range"),
            ..Client::default()
        };
        let cached = edge(&kv, &nginx.url, client, &asked)?;
        assert_eq!(cached.status, direct.status, "{case:?}: status");
        if direct.status < 300 {
            assert_eq!(cached.body, direct.body, "{case:?}: body");
        }
        if matches!(direct.status, 206 | 416) {
            assert_eq!(
                cached.content_range.as_deref(),
                header(&direct, "content-range"),
                "{case:?}: content-range"
            );
        }
    }
    assert_eq!(
        asked.borrow().len(),
        1,
        "every case answered from the cache"
    );
    // An unquoted tag (which nginx, strictly, never matches) is the same
    // validator to the cache.
    let client = Client {
        if_none_match: Some(&unquoted),
        ..Client::default()
    };
    assert_eq!(edge(&kv, &nginx.url, client, &asked)?.status, 304);
    Ok(())
}

#[test]
fn head_and_ranges_pass_through_when_nothing_is_stored() -> Result<()> {
    let Some(nginx) = nginx()? else {
        return Ok(());
    };
    let kv = MemoryKv::default();
    let asked = std::cell::RefCell::new(Vec::new());
    let head = Client {
        head: true,
        forward_head: true,
        ..Client::default()
    };
    let r = edge(&kv, &nginx.url, head, &asked)?;
    assert_eq!((r.status, r.body.len()), (200, 0));
    assert_eq!(asked.borrow()[0].0, "HEAD", "forwarded as HEAD");
    let range = Client {
        range: Some("bytes=3-5"),
        ..Client::default()
    };
    let r = edge(&kv, &nginx.url, range, &asked)?;
    assert_eq!((r.status, r.body.as_slice()), (206, &b"345"[..]));
    assert_eq!(r.content_range.as_deref(), Some("bytes 3-5/36"));
    let sent = asked.borrow()[1].clone();
    assert!(
        sent.1.iter().any(|(n, v)| n == "range" && v == "bytes=3-5"),
        "the range went to nginx: {sent:?}"
    );
    // Neither filled the cache: the next GET goes to nginx, whole.
    let r = edge(&kv, &nginx.url, Client::default(), &asked)?;
    assert_eq!((r.status, r.body.as_slice()), (200, BODY));
    assert_eq!(asked.borrow().len(), 3);
    Ok(())
}
